use crate::clock::{from_unix_nanos, rfc3339_millis};
use std::time::{Duration, UNIX_EPOCH};

#[test]
fn formats_utc_with_milliseconds_across_leap_days_and_centuries() {
    let table = [
        (0, 0, "1970-01-01T00:00:00.000Z"),
        (951_782_400, 5, "2000-02-29T00:00:00.005Z"),
        (1_709_164_800, 999, "2024-02-29T00:00:00.999Z"),
        (1_800_000_000, 120, "2027-01-15T08:00:00.120Z"),
        (4_102_444_799, 0, "2099-12-31T23:59:59.000Z"),
        (4_102_444_800, 0, "2100-01-01T00:00:00.000Z"),
    ];
    for (seconds, millis, expected) in table {
        let time = UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_millis(millis);
        assert_eq!(rfc3339_millis(time), expected);
    }
}

#[test]
fn reads_envoy_nanosecond_timestamps_and_clamps_negative_ones() {
    let time = from_unix_nanos(1_800_000_000_123_456_789);
    assert_eq!(rfc3339_millis(time), "2027-01-15T08:00:00.123Z");
    assert_eq!(from_unix_nanos(-5), UNIX_EPOCH);
}
