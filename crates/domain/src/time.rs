//! Time as a value: UTC instants in whole microseconds (what PostgreSQL keeps), and the
//! `Clock` every use case is handed so deadlines and timeouts are testable.

use std::sync::atomic::{AtomicI64, Ordering};

use serde::{Deserialize, Serialize};

/// An instant, microseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

const CHINA_OFFSET_SECONDS: i32 = 8 * 3600;

impl Timestamp {
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }
    pub const fn as_micros(self) -> i64 {
        self.0
    }
    pub const fn as_seconds(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }
    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0 + seconds * 1_000_000)
    }
    /// RFC 3339 in UTC, for machine clients and audit entries.
    pub fn to_rfc3339(self) -> String {
        self.to_offset(0, "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z")
    }
    /// Local wall time in China (UTC+8), the way officers read dates.
    pub fn to_china_local(self) -> String {
        self.to_offset(CHINA_OFFSET_SECONDS, "[year]-[month]-[day] [hour]:[minute]:[second]")
    }
    /// The calendar date in China (UTC+8).
    pub fn china_date(self) -> String {
        self.to_offset(CHINA_OFFSET_SECONDS, "[year]-[month]-[day]")
    }
    fn to_offset(self, offset_seconds: i32, pattern: &str) -> String {
        let Ok(dt) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1000) else {
            return self.0.to_string();
        };
        let offset = time::UtcOffset::from_whole_seconds(offset_seconds).unwrap_or(time::UtcOffset::UTC);
        let Ok(format) = time::format_description::parse_borrowed::<2>(pattern) else {
            return self.0.to_string();
        };
        dt.to_offset(offset).format(&format).unwrap_or_else(|_| self.0.to_string())
    }
    /// Parses a date `YYYY-MM-DD` as the start of that day in China (UTC+8).
    pub fn parse_china_date(s: &str) -> Option<Self> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = time::Date::parse(s.trim(), &format).ok()?;
        let offset = time::UtcOffset::from_whole_seconds(CHINA_OFFSET_SECONDS).ok()?;
        let dt = date.midnight().assume_offset(offset);
        Some(Self((dt.unix_timestamp_nanos() / 1000) as i64))
    }
}

/// Parses a calendar date `YYYY-MM-DD` (surrounding whitespace ignored). `Date`'s `Display`
/// writes the same form back.
pub fn parse_date(s: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &format).ok()
}

/// The source of "now". Use cases take one; nothing else reads the system clock.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        Timestamp(micros)
    }
}

/// A clock tests move by hand.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(at: Timestamp) -> Self {
        Self(AtomicI64::new(at.0))
    }
    pub fn advance_seconds(&self, seconds: i64) {
        self.0.fetch_add(seconds * 1_000_000, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_local_time_is_eight_hours_ahead_of_utc() {
        let t = Timestamp::from_micros(0);
        assert_eq!(t.to_china_local(), "1970-01-01 08:00:00");
        assert_eq!(t.to_rfc3339(), "1970-01-01T00:00:00.000000Z");
    }

    #[test]
    fn a_china_date_parses_to_its_local_midnight() {
        let t = Timestamp::parse_china_date("2022-04-30").expect("valid date");
        assert_eq!(t.to_china_local(), "2022-04-30 00:00:00");
        assert!(Timestamp::parse_china_date("2022-13-01").is_none());
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let c = ManualClock::new(Timestamp::from_micros(5));
        assert_eq!(c.now().as_micros(), 5);
        c.advance_seconds(2);
        assert_eq!(c.now().as_micros(), 2_000_005);
    }
}
