//! CEL `timestamp` and `duration` values: RFC 3339 and Go-style duration text, UTC calendar.

use super::calendar::{civil_from_days, days_from_civil, days_in_month};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

const NANOS_PER_SECOND: i128 = 1_000_000_000;
/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range CEL allows.
const MIN_TIMESTAMP_SECONDS: i128 = -62_135_596_800;
const MAX_TIMESTAMP_SECONDS: i128 = 253_402_300_799;
/// About ten thousand years either way, the range of `google.protobuf.Duration`.
const MAX_DURATION_SECONDS: i128 = 315_576_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// A point in time with nanosecond precision, between the years 1 and 9999 (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    nanos: i128,
}

/// A signed span of time with nanosecond precision, at most about ten thousand years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    nanos: i128,
}

impl Timestamp {
    /// The timestamp `nanos` nanoseconds after the Unix epoch, if within range.
    pub fn from_unix_nanos(nanos: i128) -> Option<Self> {
        let seconds = nanos.div_euclid(NANOS_PER_SECOND);
        (MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS)
            .contains(&seconds)
            .then_some(Self { nanos })
    }

    /// The timestamp `seconds` after the Unix epoch, if within range.
    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        Self::from_unix_nanos(i128::from(seconds) * NANOS_PER_SECOND)
    }

    /// Converts the host clock; `None` only for times outside the years 1 to 9999.
    pub fn from_system_time(time: SystemTime) -> Option<Self> {
        let nanos = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i128::try_from(after.as_nanos()).ok()?,
            Err(before) => -i128::try_from(before.duration().as_nanos()).ok()?,
        };
        Self::from_unix_nanos(nanos)
    }

    /// Whole seconds since the Unix epoch, rounded down.
    pub fn unix_seconds(self) -> i64 {
        // The range check in the constructors keeps this within i64.
        i64::try_from(self.nanos.div_euclid(NANOS_PER_SECOND)).unwrap_or(i64::MAX)
    }

    pub(crate) fn add(self, duration: Duration) -> Option<Self> {
        Self::from_unix_nanos(self.nanos.checked_add(duration.nanos)?)
    }

    pub(crate) fn sub(self, duration: Duration) -> Option<Self> {
        Self::from_unix_nanos(self.nanos.checked_sub(duration.nanos)?)
    }

    pub(crate) fn since(self, earlier: Timestamp) -> Option<Duration> {
        Duration::from_nanos(self.nanos.checked_sub(earlier.nanos)?)
    }

    /// Parses RFC 3339, e.g. `2026-01-01T00:00:00Z` or `2026-01-01T01:00:00.5+01:00`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut c = Cursor(text.as_bytes());
        let (year, month, day) = (c.num(4)?, c.skip(b'-')?.num(2)?, c.skip(b'-')?.num(2)?);
        let hour = c.skip(b'T')?.num(2)?;
        let (minute, second) = (c.skip(b':')?.num(2)?, c.skip(b':')?.num(2)?);
        let fraction = c.fraction()?;
        let offset = c.offset()?;
        let valid_day =
            (1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day);
        if !c.0.is_empty() || !valid_day || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let seconds = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset;
        Self::from_unix_nanos(i128::from(seconds) * NANOS_PER_SECOND + i128::from(fraction))
    }

    /// The UTC calendar fields.
    pub(crate) fn civil(self) -> Civil {
        // The constructors keep seconds within ±2^38, so they fit an i64.
        let seconds = i64::try_from(self.nanos.div_euclid(NANOS_PER_SECOND)).unwrap_or_default();
        let nanos = i64::try_from(self.nanos.rem_euclid(NANOS_PER_SECOND)).unwrap_or_default();
        let days = seconds.div_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
        Civil {
            year,
            month,
            day,
            days,
            second_of_day,
            nanos,
        }
    }
}

/// A timestamp's calendar fields in UTC.
pub(crate) struct Civil {
    pub year: i64,
    /// 1–12.
    pub month: i64,
    /// 1–31.
    pub day: i64,
    /// Days since the Unix epoch.
    pub days: i64,
    pub second_of_day: i64,
    pub nanos: i64,
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Civil {
            year,
            month,
            day,
            second_of_day: s,
            nanos,
            ..
        } = self.civil();
        let (hour, minute, second) = (s / 3600, s / 60 % 60, s % 60);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"
        )?;
        write_fraction(f, nanos)?;
        write!(f, "Z")
    }
}

impl Duration {
    /// A duration of `nanos` nanoseconds, if within range.
    pub fn from_nanos(nanos: i128) -> Option<Self> {
        (nanos.abs() <= MAX_DURATION_SECONDS * NANOS_PER_SECOND).then_some(Self { nanos })
    }

    /// The length in nanoseconds.
    pub fn nanos(self) -> i128 {
        self.nanos
    }

    pub(crate) fn add(self, other: Duration) -> Option<Self> {
        Self::from_nanos(self.nanos.checked_add(other.nanos)?)
    }

    pub(crate) fn sub(self, other: Duration) -> Option<Self> {
        Self::from_nanos(self.nanos.checked_sub(other.nanos)?)
    }

    /// Parses Go-style text: an optional sign, then numbers with units `h`, `m`, `s`, `ms`,
    /// `us` (or `µs`), `ns`, e.g. `300s`, `1h30m`, `1.5h`, `-10ms`; a bare `0` is zero.
    pub fn parse(text: &str) -> Option<Self> {
        let (negative, mut rest) = match text.as_bytes().first() {
            Some(b'-') => (true, text.get(1..)?),
            Some(b'+') => (false, text.get(1..)?),
            _ => (false, text),
        };
        if rest == "0" {
            return Some(Self { nanos: 0 });
        }
        let mut total: i128 = 0;
        loop {
            let (part, after) = duration_part(rest)?;
            total = Self::from_nanos(total.checked_add(part)?)?.nanos;
            if after.is_empty() {
                return Self::from_nanos(if negative { -total } else { total });
            }
            rest = after;
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.nanos < 0 { "-" } else { "" };
        let magnitude = self.nanos.abs();
        // Within range, the seconds fit an i64 (and formatting i64 is smaller than i128).
        let seconds = i64::try_from(magnitude / NANOS_PER_SECOND).unwrap_or(i64::MAX);
        let nanos = i64::try_from(magnitude % NANOS_PER_SECOND).unwrap_or_default();
        write!(f, "{sign}{seconds}")?;
        write_fraction(f, nanos)?;
        write!(f, "s")
    }
}

/// Writes `.` and the nanoseconds without trailing zeros, or nothing when they are zero.
fn write_fraction(f: &mut fmt::Formatter<'_>, nanos: i64) -> fmt::Result {
    if nanos == 0 {
        return Ok(());
    }
    let digits = format!("{nanos:09}");
    write!(f, ".{}", digits.trim_end_matches('0'))
}

/// Duration units, longest first where one is a prefix of another (`ms` before `m`).
const UNITS: [(&str, i128); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", NANOS_PER_SECOND),
    ("m", 60 * NANOS_PER_SECOND),
    ("h", 3600 * NANOS_PER_SECOND),
];

/// One `<number><unit>` of a duration; returns its nanoseconds and the rest of the text.
fn duration_part(text: &str) -> Option<(i128, &str)> {
    let mut c = Cursor(text.as_bytes());
    let whole = c.digits();
    let mut fraction: &[u8] = &[];
    if c.0.first() == Some(&b'.') {
        c.0 = c.0.get(1..)?;
        fraction = c.digits();
    }
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let rest = std::str::from_utf8(c.0).ok()?;
    let (unit, factor) = UNITS.iter().find(|(unit, _)| rest.starts_with(unit))?;
    let whole = whole.iter().try_fold(0i128, |value, digit| {
        value.checked_mul(10)?.checked_add(i128::from(digit - b'0'))
    })?;
    let nanos = whole
        .checked_mul(*factor)?
        .checked_add(scaled_fraction(fraction, *factor))?;
    Some((nanos, rest.get(unit.len()..)?))
}

/// The decimal fraction `0.<digits>` times `factor`, truncated. Digits after the 18th are
/// ignored: they change the result by less than a nanosecond.
fn scaled_fraction(digits: &[u8], factor: i128) -> i128 {
    let (mut value, mut scale) = (0i128, 1i128);
    for digit in digits.iter().take(18) {
        value = value * 10 + i128::from(digit - b'0');
        scale *= 10;
    }
    value * factor / scale
}

/// A forward-only reader over ASCII text.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn num(&mut self, width: usize) -> Option<i64> {
        let (head, tail) = self.0.split_at_checked(width)?;
        let mut value = 0i64;
        for &digit in head {
            value = value * 10 + i64::from(char::from(digit).to_digit(10)?);
        }
        self.0 = tail;
        Some(value)
    }

    fn skip(&mut self, expected: u8) -> Option<&mut Self> {
        let (first, tail) = self.0.split_first()?;
        self.0 = tail;
        (*first == expected).then_some(self)
    }

    fn digits(&mut self) -> &'a [u8] {
        let count = self.0.iter().take_while(|c| c.is_ascii_digit()).count();
        let (head, tail) = self.0.split_at(count.min(self.0.len()));
        self.0 = tail;
        head
    }

    /// An optional `.` and 1–9 digits, as nanoseconds.
    fn fraction(&mut self) -> Option<i64> {
        if self.0.first() != Some(&b'.') {
            return Some(0);
        }
        self.0 = self.0.get(1..)?;
        let digits = self.digits();
        if digits.is_empty() || digits.len() > 9 {
            return None;
        }
        let mut value = 0i64;
        for (i, digit) in digits.iter().enumerate() {
            value += i64::from(digit - b'0') * 10i64.pow(8 - u32::try_from(i).ok()?);
        }
        Some(value)
    }

    /// `Z` or `±HH:MM`, as seconds east of UTC.
    fn offset(&mut self) -> Option<i64> {
        let (sign, tail) = self.0.split_first()?;
        self.0 = tail;
        let sign = match sign {
            b'Z' => return Some(0),
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let hours = self.num(2)?;
        let minutes = self.skip(b':')?.num(2)?;
        (hours <= 23 && minutes <= 59).then_some(sign * (hours * 3600 + minutes * 60))
    }
}
