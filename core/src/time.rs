//! Time as an input: [`Now`] pairs the monotonic and the wall clock; helpers convert the
//! wall-clock expirations that services send into monotonic deadlines.

use std::time::{Duration, Instant, SystemTime};

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// The current time, read once by the driver and passed to every call into the core.
///
/// `mono` schedules everything (windows, back-off, deadlines); `wall` is only used to sign
/// requests (`Timestamp`) and to interpret the wall-clock `Expiration` of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// Monotonic time: all scheduling decisions compare these.
    pub mono: Instant,
    /// Wall-clock time: request timestamps and expirations.
    pub wall: SystemTime,
}

impl Now {
    /// Pairs a monotonic instant with the wall-clock time read at the same moment.
    pub fn new(mono: Instant, wall: SystemTime) -> Self {
        Now { mono, wall }
    }

    /// This time moved forward by `d` on both clocks.
    pub fn after(self, d: Duration) -> Self {
        Now { mono: self.mono + d, wall: self.wall + d }
    }

    /// Seconds since the Unix epoch of the wall clock (0 before 1970).
    pub fn unix_seconds(&self) -> u64 {
        self.wall.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
    }
}

/// A wall-clock time as a UTC date, if it falls in the years 0000 to 9999 (`OffsetDateTime::from`
/// would panic beyond them).
fn to_utc(wall: SystemTime) -> Option<OffsetDateTime> {
    let since = |d: std::time::Duration| time::Duration::try_from(d).ok();
    match wall.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => OffsetDateTime::UNIX_EPOCH.checked_add(since(d)?),
        Err(e) => OffsetDateTime::UNIX_EPOCH.checked_sub(since(e.duration())?),
    }
}

/// Formats a wall-clock time as the RPC `Timestamp`: `YYYY-MM-DDTHH:MM:SSZ` in UTC, no fraction.
/// Times outside the years 0000-9999 (which no service sends and no clock reads) are clamped to
/// the epoch rather than panicking.
pub fn format_timestamp(wall: SystemTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    to_utc(wall).and_then(|t| t.format(&fmt).ok()).unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// Formats a wall-clock time as RFC 3339 in UTC with second precision (`2025-01-02T03:04:05Z`).
pub fn format_rfc3339(wall: SystemTime) -> String {
    format_timestamp(wall)
}

/// Parses an `Expiration` (`2015-04-09T11:52:19Z`; fractions and offsets are accepted too).
/// A time that falls outside the years 0000-9999 once converted to UTC is rejected.
pub fn parse_expiration(text: &str) -> Option<SystemTime> {
    let t = OffsetDateTime::parse(text.trim(), &Rfc3339).ok()?;
    t.checked_to_offset(UtcOffset::UTC).map(SystemTime::from)
}

/// Parses an HTTP `Date` header (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`; the year is
/// exactly four digits).
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let year = text.split(' ').nth(3)?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fmt = format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    PrimitiveDateTime::parse(text, &fmt).ok().map(|t| SystemTime::from(t.assume_utc()))
}

/// Formats an HTTP `Date` header value (used by the testkit's servers); empty for times outside
/// the years 0000-9999.
pub fn format_http_date(wall: SystemTime) -> String {
    let fmt = format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    to_utc(wall).and_then(|t| t.format(&fmt).ok()).unwrap_or_default()
}

/// Converts a wall-clock expiration into a monotonic deadline.
///
/// The remaining lifetime is measured against the server's `Date` when the response had one
/// (both are the server's clock, so a skewed local clock cancels out), else against the local
/// wall clock. A `Date` more than a day away from the local clock is not believed (a broken
/// header must not stretch a credential's life). The lifetime is clamped to 0..=12 h, the
/// longest session STS issues.
pub fn expiry_deadline(expiration: SystemTime, server_date: Option<SystemTime>, now: Now) -> Instant {
    const MAX_LIFETIME: Duration = Duration::from_secs(12 * 3600);
    const MAX_SKEW: Duration = Duration::from_secs(24 * 3600);
    let believable = |d: &SystemTime| {
        let skew = d.duration_since(now.wall).or_else(|e| Ok::<_, ()>(e.duration())).unwrap_or(Duration::MAX);
        skew <= MAX_SKEW
    };
    let reference = server_date.filter(believable).unwrap_or(now.wall);
    let remaining = expiration.duration_since(reference).unwrap_or(Duration::ZERO);
    now.mono + remaining.min(MAX_LIFETIME)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn timestamp_format() {
        assert_eq!(format_timestamp(at(1_735_787_045)), "2025-01-02T03:04:05Z");
    }

    #[test]
    fn parses_expirations() {
        assert_eq!(parse_expiration("2025-01-02T03:04:05Z"), Some(at(1_735_787_045)));
        assert_eq!(parse_expiration("2025-01-02T03:04:05.250Z"), Some(at(1_735_787_045) + Duration::from_millis(250)));
        assert_eq!(parse_expiration("2025-01-02 03:04:05"), None);
        assert_eq!(parse_expiration(""), None);
    }

    #[test]
    fn http_dates_round_trip() {
        let t = at(784_111_777);
        assert_eq!(format_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov -1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Fri, 31 Dec +0000 23:59:59 GMT"), None);
    }

    #[test]
    fn times_beyond_year_9999_are_rejected_not_panicking() {
        assert_eq!(parse_expiration("9999-12-31T23:59:59-23:59"), None);
        assert_eq!(parse_expiration("9999-12-31T23:59:59-00:01"), None);
        assert!(parse_expiration("9999-12-31T23:59:59Z").is_some());
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(400 * 365 * 24 * 3600 * 100);
        assert_eq!(format_timestamp(far), "1970-01-01T00:00:00Z");
        assert_eq!(format_http_date(far), "");
    }
}
