//! The store in this process's memory: the default, for one instance (`scripts/dev`, a single
//! container), and where the rate limits count while Redis is unreachable.
//!
//! Entries are never dropped while they matter (a full cache may forget, a denylist may not):
//! each ends at its own time, and ended ones are swept when a map has doubled since its last
//! sweep, not on every insert. What fills the maps is bounded by the sign-in limits.

use super::{Found, Mode, Person, Rule, SessionRecord};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

/// A map whose entries end at a time of their own (any unit, as long as one map keeps to one),
/// swept of ended ones when it has doubled in size.
pub(super) struct Expiring<V> {
    pub(super) entries: HashMap<String, (i64, V)>,
    pub(super) sweep_at: usize,
}

impl<V> Default for Expiring<V> {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            sweep_at: 1024,
        }
    }
}

impl<V> Expiring<V> {
    /// Returns whether ended entries were swept to make room.
    pub(super) fn insert(&mut self, key: String, until: i64, value: V, now: i64) -> bool {
        let swept = self.entries.len() >= self.sweep_at;
        if swept {
            self.entries.retain(|_, (until, _)| *until >= now);
            self.sweep_at = (self.entries.len() * 2).max(1024);
        }
        self.entries.insert(key, (until, value));
        swept
    }

    pub(super) fn get(&self, key: &str, now: i64) -> Option<&V> {
        self.entries.get(key).filter(|(until, _)| *until >= now).map(|(_, v)| v)
    }

    fn remove(&mut self, key: &str) -> Option<V> {
        self.entries.remove(key).map(|(_, v)| v)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Plain data behind every lock: still usable after a panic elsewhere.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Default)]
struct Records {
    /// Session id → its record, until its refresh token's end (Unix seconds).
    by_id: Expiring<SessionRecord>,
    /// `sub` → the ids of that person's sessions.
    by_sub: HashMap<String, HashSet<String>>,
}

#[derive(Default)]
/// The store in this process's memory: every entry expires on its own, read or not. Also the
/// per-instance count the limits fall back to while a shared store is down.
pub struct Memory {
    /// `f:<family>` and `s:<session id>`, until Unix seconds.
    denied: RwLock<Expiring<()>>,
    people: RwLock<Expiring<Person>>,
    records: Mutex<Records>,
    /// Rate-limit key → its theoretical arrival time (Unix milliseconds), which is also when
    /// the key holds nothing any more.
    rates: Mutex<Expiring<()>>,
    /// Lock key → its token, until Unix milliseconds.
    locks: Mutex<Expiring<String>>,
    /// Sealed values kept for a cookie (a large session's), until Unix seconds.
    blobs: Mutex<Expiring<String>>,
    /// Tallies ([`super::SessionStore::tally`]), until Unix milliseconds.
    tallies: Mutex<Expiring<u32>>,
}

impl Memory {
    /// See [`super::SessionStore::deny`].
    pub fn deny(&self, key: String, until: i64, now: i64) {
        let mut denied = self.denied.write().unwrap_or_else(PoisonError::into_inner);
        denied.insert(key, until, (), now);
    }

    /// Writes a person's revocation unless a later one is there (the same rule as Redis's).
    pub fn set_person(&self, sub: &str, person: Person, until: i64, now: i64) {
        let mut people = self.people.write().unwrap_or_else(PoisonError::into_inner);
        let until = match people.entries.get(sub).filter(|(ends, _)| *ends >= now) {
            Some((_, old)) if old.before > person.before => return,
            Some((ends, _)) => until.max(*ends),
            None => until,
        };
        people.insert(sub.to_owned(), until, person, now);
    }

    /// See [`super::SessionStore::lookup`].
    pub fn lookup(&self, family: Option<&str>, session: Option<&str>, sub: &str, now: i64) -> Found {
        let denied = self.denied.read().unwrap_or_else(PoisonError::into_inner);
        let family = family.is_some_and(|f| denied.get(&format!("f:{f}"), now).is_some());
        let session = session.is_some_and(|s| denied.get(&format!("s:{s}"), now).is_some());
        drop(denied);
        let people = self.people.read().unwrap_or_else(PoisonError::into_inner);
        let person = people.get(sub, now).cloned();
        Found {
            family,
            session,
            person,
        }
    }

    /// Writes `record` until `until`; past [`super::MAX_SESSIONS_PER_PERSON`] the person's
    /// oldest sessions end, their ids refused until `deny`, their families until `deny_family`.
    /// Returns how many ended.
    pub fn save_session(&self, record: &SessionRecord, until: i64, now: i64, deny: i64, deny_family: i64) -> usize {
        let mut records = lock(&self.records);
        if records.by_id.insert(record.id.clone(), until, record.clone(), now) {
            // Rebuilt from what is left, so ended sessions leave no id behind.
            let mut by_sub: HashMap<String, HashSet<String>> = HashMap::new();
            for (id, (_, r)) in &records.by_id.entries {
                by_sub.entry(r.sub.clone()).or_default().insert(id.clone());
            }
            records.by_sub = by_sub;
        }
        let Records { by_id, by_sub } = &mut *records;
        let ids = by_sub.entry(record.sub.clone()).or_default();
        ids.insert(record.id.clone());
        ids.retain(|id| by_id.get(id, now).is_some());
        let over = ids.len().saturating_sub(super::MAX_SESSIONS_PER_PERSON);
        if over == 0 {
            return 0;
        }
        // The oldest go: those that end first (every session lives as long from its sign-in).
        let mut by_end: Vec<(i64, String)> = ids
            .iter()
            .filter_map(|id| by_id.entries.get(id).map(|(end, _)| (*end, id.clone())))
            .collect();
        by_end.sort();
        let mut ended = Vec::with_capacity(over);
        for (_, id) in by_end.into_iter().take(over) {
            ids.remove(&id);
            if let Some(old) = by_id.remove(&id) {
                ended.push(old);
            }
        }
        drop(records);
        let mut denied = self.denied.write().unwrap_or_else(PoisonError::into_inner);
        for old in &ended {
            denied.insert(format!("s:{}", old.id), deny, (), now);
            if let Some(family) = &old.family {
                denied.insert(format!("f:{family}"), deny_family, (), now);
            }
        }
        ended.len()
    }

    /// One session's record, by its id.
    pub fn session(&self, id: &str, now: i64) -> Option<SessionRecord> {
        lock(&self.records).by_id.get(id, now).cloned()
    }

    /// Forgets every session record of `sub`.
    pub fn forget_sessions_of(&self, sub: &str) {
        let mut records = lock(&self.records);
        let Records { by_id, by_sub } = &mut *records;
        for id in by_sub.remove(sub).unwrap_or_default() {
            by_id.remove(&id);
        }
    }

    /// Updates when the session was last seen and its current family; `false` when there is
    /// no record of it.
    pub fn touch_session(&self, id: &str, seen: i64, family: Option<&str>, now: i64) -> bool {
        let mut records = lock(&self.records);
        match records.by_id.entries.get_mut(id).filter(|(until, _)| *until >= now) {
            Some((_, record)) => {
                record.last_seen = seen;
                if family.is_some() {
                    record.family = family.map(str::to_owned);
                }
                true
            }
            None => false,
        }
    }

    /// See [`super::SessionStore::sessions_of`].
    pub fn sessions_of(&self, sub: &str, now: i64) -> Vec<SessionRecord> {
        let mut records = lock(&self.records);
        let Records { by_id, by_sub } = &mut *records;
        let Some(ids) = by_sub.get_mut(sub) else {
            return vec![];
        };
        ids.retain(|id| by_id.get(id, now).is_some());
        let found = ids.iter().filter_map(|id| by_id.get(id, now).cloned()).collect();
        if ids.is_empty() {
            by_sub.remove(sub);
        }
        found
    }

    /// See [`super::SessionStore::forget_session`].
    pub fn forget_session(&self, sub: &str, id: &str) {
        let mut records = lock(&self.records);
        records.by_id.remove(id);
        if let Some(ids) = records.by_sub.get_mut(sub) {
            ids.remove(id);
        }
    }

    /// See [`super::SessionStore::put_blob`].
    pub fn put_blob(&self, key: &str, value: &str, until: i64, now: i64) {
        lock(&self.blobs).insert(key.to_owned(), until, value.to_owned(), now);
    }

    /// See [`super::SessionStore::get_blob`].
    pub fn get_blob(&self, key: &str, now: i64) -> Option<String> {
        lock(&self.blobs).get(key, now).cloned()
    }

    /// See [`super::SessionStore::forget_blob`].
    pub fn forget_blob(&self, key: &str) {
        lock(&self.blobs).remove(key);
    }

    /// One GCRA step of every limit at `now_ms` (Unix milliseconds), all or nothing (see
    /// [`super::SessionStore::rate`]): `Err(wait)` when a key is out of budget.
    pub fn rate(&self, limits: &[(&str, Rule)], mode: Mode, now_ms: i64) -> Result<(), Duration> {
        let mut rates = lock(&self.rates);
        let steps: Vec<(i64, i64, i64)> = limits
            .iter()
            .map(|(key, rule)| {
                let tat = rates.entries.get(*key).map_or(now_ms, |(tat, ())| (*tat).max(now_ms));
                let (new_tat, wait) = rule.step(tat, now_ms, mode);
                (tat, new_tat, wait)
            })
            .collect();
        let wait = steps.iter().map(|(_, _, wait)| *wait).max().unwrap_or(0);
        if !(mode == Mode::Take && wait > 0) {
            for ((key, _), (tat, new_tat, _)) in limits.iter().zip(&steps) {
                if new_tat != tat {
                    rates.insert((*key).to_owned(), *new_tat, (), now_ms);
                }
            }
        }
        match wait {
            0 => Ok(()),
            ms => Err(Duration::from_millis(ms as u64)),
        }
    }

    /// See [`super::SessionStore::tally`]: the count and the milliseconds it has left.
    /// The count after the step, the milliseconds it has left, and whether this step added one.
    pub fn tally(&self, key: &str, op: super::Tally, ttl_ms: i64, now_ms: i64) -> (u32, i64, bool) {
        let mut tallies = lock(&self.tallies);
        let (count, ends) = tallies
            .entries
            .get(key)
            .filter(|(ends, _)| *ends > now_ms)
            .map_or((0, 0), |(ends, count)| (*count, *ends));
        let left = (ends - now_ms).max(0);
        match op {
            super::Tally::Read => (count, left, false),
            super::Tally::AddBelow(n) if count >= n => (count, left, false),
            super::Tally::Add | super::Tally::AddBelow(_) => {
                tallies.insert(key.to_owned(), now_ms + ttl_ms, count + 1, now_ms);
                (count + 1, ttl_ms, true)
            }
            super::Tally::Remove => {
                let count = count.saturating_sub(1);
                if ends > now_ms {
                    tallies.insert(key.to_owned(), ends, count, now_ms);
                }
                (count, left, false)
            }
            super::Tally::Forget => {
                tallies.remove(key);
                (0, 0, false)
            }
        }
    }

    /// Takes `key` for `ttl_ms` unless someone holds it: `true` when taken.
    pub fn lock(&self, key: &str, token: &str, ttl_ms: i64, now_ms: i64) -> bool {
        let mut locks = lock(&self.locks);
        if locks.get(key, now_ms).is_some() {
            return false;
        }
        locks.insert(key.to_owned(), now_ms + ttl_ms, token.to_owned(), now_ms);
        true
    }

    /// Lets go of `key` if `token` still holds it (not after it timed out and another took it).
    pub fn unlock(&self, key: &str, token: &str) {
        let mut locks = lock(&self.locks);
        if locks.entries.get(key).is_some_and(|(_, t)| t == token) {
            locks.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_entries_are_swept_once_the_map_has_doubled() {
        const NOW: i64 = 1_800_000_000;
        let mut map = Expiring::default();
        for i in 0..1024 {
            map.insert(format!("old{i}"), NOW, (), NOW);
        }
        assert!(map.insert("new".into(), NOW + 100, (), NOW + 1));
        assert_eq!(map.entries.len(), 1);
        assert_eq!(map.sweep_at, 1024);
        assert!(map.get("new", NOW + 100).is_some());
    }
}
