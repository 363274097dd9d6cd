//! Where the server reads the time: the system's clock, or — in tests — one the test moves by
//! hand, so that a rule measured in minutes (a rate limit, the re-authentication window, a
//! session's age) is tested without sleeping and without depending on how fast the machine is.
//!
//! Every clock-bound decision takes its "now" from the [`Clock`] in the app's state: the limits,
//! the session layer, the account page's re-authentication window. The one exception is the
//! shared store's rate script, which reads Redis's own `TIME` on the system clock (instances whose
//! clocks differ a little still count alike) and the test's time on a manual one.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The time, as this server sees it. Cloning it shares it: a manual clock moved by a test is
/// moved for every part of the app that holds it.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// `None`: the system's clock. `Some`: Unix milliseconds, set by hand.
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that stands at `unix_ms` until [`Clock::advance`] moves it.
    pub fn manual(unix_ms: i64) -> Self {
        Self {
            manual: Some(Arc::new(AtomicI64::new(unix_ms))),
        }
    }

    /// A manual clock set to the system's time now.
    pub fn manual_now() -> Self {
        Self::manual(system_ms())
    }

    /// Moves a manual clock forward (a system clock is not moved).
    pub fn advance(&self, by: Duration) {
        if let Some(at) = &self.manual {
            at.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
        }
    }

    /// Whether this clock is set by hand (the shared store then counts on it too).
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        match &self.manual {
            Some(at) => at.load(Ordering::SeqCst),
            None => system_ms(),
        }
    }

    /// Unix seconds.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

fn system_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_moved_and_for_every_holder() {
        let clock = Clock::manual(1_800_000_000_500);
        let copy = clock.clone();
        assert_eq!(clock.now(), 1_800_000_000);
        copy.advance(Duration::from_millis(600));
        assert_eq!(clock.now_ms(), 1_800_000_001_100);
        assert_eq!(clock.now(), 1_800_000_001);
        assert!(clock.is_manual() && !Clock::system().is_manual());
        // The system clock is near the real time.
        assert!((Clock::system().now() - system_ms() / 1000).abs() <= 1);
    }
}
