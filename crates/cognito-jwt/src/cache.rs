//! A bounded map whose entries stop counting at a Unix time.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// Entries live until a Unix second of their own; the map never holds more than `max` (past it,
/// ended ones are swept, and if all are live it starts over: a cache may forget).
pub(crate) struct ExpiringMap<V> {
    entries: RwLock<HashMap<String, (u64, V)>>,
    max: usize,
}

impl<V: Clone> ExpiringMap<V> {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            max,
        }
    }

    /// The value for `key` if it has not expired (`expires_at >= now`).
    pub(crate) fn get(&self, key: &str, now: u64) -> Option<V> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(expires_at, _)| *expires_at >= now)
            .map(|(_, v)| v.clone())
    }

    pub(crate) fn insert(&self, key: String, expires_at: u64, value: V, now: u64) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.max {
            entries.retain(|_, (expires_at, _)| *expires_at >= now);
            if entries.len() >= self.max {
                entries.clear();
            }
        }
        entries.insert(key, (expires_at, value));
    }

    pub(crate) fn clear(&self) {
        self.entries.write().unwrap_or_else(PoisonError::into_inner).clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_map_stays_bounded() {
        let map = ExpiringMap::new(2);
        map.insert("a".into(), 10, 1, 0);
        assert_eq!(map.get("a", 10), Some(1));
        assert_eq!(map.get("a", 11), None);
        map.insert("b".into(), 100, 2, 50);
        // Full: the expired "a" is dropped to make room.
        map.insert("c".into(), 100, 3, 50);
        assert_eq!(map.len(), 2);
        assert_eq!(map.get("b", 50), Some(2));
        // Full of live entries: it starts over.
        map.insert("d".into(), 100, 4, 50);
        assert_eq!(map.len(), 1);
        assert_eq!(map.get("d", 50), Some(4));
    }
}
