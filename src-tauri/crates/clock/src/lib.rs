//! Time for Arbeidsflate.
//!
//! Every part that needs "now" (the workspace, the source adapters, HelseID's proofs,
//! the sandbox's world and servers) reads it from a [`Clock`] handed to it, so a test
//! can run the whole stack at any instant of the year: the first of a month, New
//! Year's Eve, a leap day, the nights the clocks change. Calendar days are reckoned in
//! the Norwegian clinical time zone ([`zone`]), never in the machine's own.

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub mod zone;

#[cfg(feature = "testing")]
pub mod matrix;

pub use zone::{clinical_day, day_start, parse_instant, rfc3339_in_zone, wall_clock, CLINICAL_ZONE};

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// Seconds since the Unix epoch, as JWTs count time.
    fn unix_seconds(&self) -> i64 {
        self.now().timestamp()
    }
}

/// A clock shared by every part of one session or one sandbox.
pub type SharedClock = Arc<dyn Clock>;

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The operating system's clock, shared.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// A clock that stands at one instant until it is set or moved on: tests, the date
/// matrix, and benchmarks that must not depend on the day they run.
#[derive(Debug)]
pub struct FixedClock {
    millis: AtomicI64,
}

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self { millis: AtomicI64::new(at.timestamp_millis()) }
    }

    /// A shared fixed clock at `at`; keep the `Arc` to move it later.
    pub fn shared(at: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        self.millis.store(at.timestamp_millis(), Ordering::SeqCst);
    }

    pub fn advance(&self, by: Duration) {
        self.millis.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.millis.load(Ordering::SeqCst)).unwrap_or_default()
    }
}

/// A clock that starts at a chosen instant and runs on at the machine's pace: a whole
/// session (token lifetimes, retries, backoff) on another day of the year. A test can
/// move it on ("a day later") without waiting.
#[derive(Debug)]
pub struct TickingClock {
    start: DateTime<Utc>,
    since: std::time::Instant,
    moved_ms: AtomicI64,
}

impl TickingClock {
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self { start, since: std::time::Instant::now(), moved_ms: AtomicI64::new(0) }
    }

    pub fn shared(start: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self::starting_at(start))
    }

    pub fn advance(&self, by: Duration) {
        self.moved_ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for TickingClock {
    fn now(&self) -> DateTime<Utc> {
        let moved = Duration::milliseconds(self.moved_ms.load(Ordering::SeqCst));
        self.start + Duration::from_std(self.since.elapsed()).unwrap_or_default() + moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_until_moved() {
        let at = DateTime::parse_from_rfc3339("2026-12-31T22:30:00Z").unwrap().to_utc();
        let clock = FixedClock::shared(at);
        let shared: SharedClock = clock.clone();
        assert_eq!(shared.now(), at);
        assert_eq!(shared.now(), at, "reading it does not move it");
        clock.advance(Duration::minutes(45));
        assert_eq!(shared.now().to_rfc3339(), "2026-12-31T23:15:00+00:00");
        assert_eq!(shared.unix_seconds(), at.timestamp() + 45 * 60);
        clock.set(at - Duration::days(1));
        assert_eq!(shared.now().to_rfc3339(), "2026-12-30T22:30:00+00:00");
    }

    #[test]
    fn a_ticking_clock_starts_at_its_instant_and_runs_on() {
        let at = DateTime::parse_from_rfc3339("2027-10-31T01:30:00Z").unwrap().to_utc();
        let clock = TickingClock::shared(at);
        let first = clock.now();
        assert!(first >= at && first - at < Duration::seconds(5), "{first}");
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(clock.now() - first >= Duration::milliseconds(20));
        clock.advance(Duration::hours(24));
        assert!(clock.now() - first >= Duration::hours(24));
    }
}
