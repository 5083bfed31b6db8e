//! [`FakeClock`]: time that moves only when a test says so.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use alibabacloud_credentials_core::Now;

/// A clock for tests: `now()` returns the same value until [`advance`](FakeClock::advance).
/// Clones share the same time.
#[derive(Clone, Debug)]
pub struct FakeClock {
    inner: Arc<Mutex<Now>>,
}

impl FakeClock {
    /// Starts at wall time 2025-01-01T00:00:00Z.
    pub fn new() -> Self {
        Self::at_unix(1_735_689_600)
    }

    /// Starts at the given wall time (Unix seconds).
    pub fn at_unix(secs: u64) -> Self {
        let now = Now::new(Instant::now(), SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        FakeClock { inner: Arc::new(Mutex::new(now)) }
    }

    /// The current time.
    pub fn now(&self) -> Now {
        *self.inner.lock().unwrap()
    }

    /// Moves both clocks forward.
    pub fn advance(&self, d: Duration) {
        let mut n = self.inner.lock().unwrap();
        *n = n.after(d);
    }

    /// Moves both clocks forward to `t` (no-op if `t` is in the past).
    pub fn advance_to(&self, t: Instant) {
        let mut n = self.inner.lock().unwrap();
        if t > n.mono {
            let d = t - n.mono;
            *n = n.after(d);
        }
    }

    /// Steps only the wall clock (simulates a skewed or adjusted local clock).
    pub fn skew_wall(&self, forward: bool, d: Duration) {
        let mut n = self.inner.lock().unwrap();
        n.wall = if forward { n.wall + d } else { n.wall - d };
    }
}

impl Default for FakeClock {
    fn default() -> Self {
        Self::new()
    }
}

/// `wall` moved by `secs` seconds (negative: back), as a scripted server whose clock is skewed
/// reads it.
pub(crate) fn skewed(wall: SystemTime, secs: i64) -> SystemTime {
    let d = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        wall + d
    } else {
        wall - d
    }
}
