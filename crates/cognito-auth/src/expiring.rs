//! A bounded map whose entries stop counting at a Unix time: the verifier's remembered tokens
//! and the API's e-mail addresses both live until the token they came from expires.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// A map from a key to a value that counts until a Unix time (in seconds), holding at most `max` entries: past it the map starts again, which costs only the values' lookups.
pub struct ExpiringMap<V> {
    entries: RwLock<HashMap<String, (u64, V)>>,
    max: usize,
}

impl<V: Clone> ExpiringMap<V> {
    /// An empty map for at most `max` entries.
    pub fn new(max: usize) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            max,
        }
    }

    /// The value for `key` if it has not expired (`expires_at >= now`).
    pub fn get(&self, key: &str, now: u64) -> Option<V> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(expires_at, _)| *expires_at >= now)
            .map(|(_, v)| v.clone())
    }

    /// Keeps `value` under `key` until `expires_at`. When the map is full it drops the expired
    /// entries first, and every entry if they were all live.
    pub fn insert(&self, key: String, expires_at: u64, value: V, now: u64) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.max {
            entries.retain(|_, (expires_at, _)| *expires_at >= now);
            if entries.len() >= self.max {
                // Still full of live entries: start over rather than grow without bound.
                entries.clear();
            }
        }
        entries.insert(key, (expires_at, value));
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.entries.write().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// How many entries it holds, expired ones included until the next insert.
    pub fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn now_unix() -> u64 {
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
