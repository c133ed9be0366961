//! The wall clock the workspace reads: the system's, or one a test sets forward to see
//! what a nurse sees a day later (retention, backoff) without waiting a day.

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
