//! Timestamps and durations: parsing, formatting, arithmetic, accessors, ranges.

use super::tests::{check_errors, check_values};
use super::*;

const T: Value = Value::Bool(true);

#[test]
fn timestamp_and_duration_expressions() {
    check_values(&[
        ("timestamp('2026-01-01T00:00:00Z') < now", T),
        ("now - timestamp('2026-01-01T00:00:00Z') == duration('12h')", T),
        (
            "timestamp('2026-01-01T00:00:00Z') + duration('300s') == timestamp('2026-01-01T00:05:00Z')",
            T,
        ),
        ("duration('300s') + timestamp('2026-01-01T00:00:00Z') > now - duration('12h')", T),
        ("now - duration('1h30m') == timestamp('2026-01-01T10:30:00Z')", T),
        ("duration('1h') > duration('59m')", T),
        ("duration('1.5h') == duration('90m')", T),
        ("duration('-10ms') < duration('0')", T),
        ("duration('1s') - duration('1500ms') == duration('-0.5s')", T),
        ("timestamp(0) == timestamp('1970-01-01T00:00:00Z')", T),
        ("timestamp('2026-01-01T01:00:00+01:00') == timestamp('2026-01-01T00:00:00Z')", T),
        ("now == now", T),
        ("now != 1", T),
        ("string(timestamp('2026-01-01T01:00:00+01:00'))", Value::from("2026-01-01T00:00:00Z")),
        ("string(timestamp('2026-01-01T00:00:00.250Z'))", Value::from("2026-01-01T00:00:00.25Z")),
        ("string(duration('1500ms'))", Value::from("1.5s")),
        ("string(duration('-1h'))", Value::from("-3600s")),
        ("int(timestamp('1970-01-01T00:00:01Z'))", Value::Int(1)),
        ("int(timestamp('1969-12-31T23:59:59.5Z'))", Value::Int(-1)),
        ("now.getFullYear()", Value::Int(2026)),
        ("now.getMonth()", Value::Int(0)),
        ("now.getDate()", Value::Int(1)),
        ("now.getDayOfMonth()", Value::Int(0)),
        ("now.getDayOfWeek()", Value::Int(4)),
        ("now.getHours()", Value::Int(12)),
        ("now.getMinutes() + now.getSeconds()", Value::Int(0)),
        ("timestamp('2024-12-31T23:59:58.123Z').getDayOfYear()", Value::Int(365)),
        ("timestamp('2024-12-31T23:59:58.123Z').getMilliseconds()", Value::Int(123)),
        ("timestamp('2024-12-31T23:59:58Z').getSeconds()", Value::Int(58)),
        ("duration('90m').getHours()", Value::Int(1)),
        ("duration('90m').getMinutes()", Value::Int(90)),
        ("duration('1.5s').getMilliseconds()", Value::Int(1500)),
        ("now.getHours() >= 8 && now.getHours() < 18", T),
    ]);
    check_errors(&[
        (
            "timestamp('9999-12-31T23:59:59Z') + duration('1s')",
            EvalError::Overflow,
        ),
        (
            "timestamp('0001-01-01T00:00:00Z') - duration('1ns')",
            EvalError::Overflow,
        ),
        (
            "duration('87660000h') + duration('1ns')",
            EvalError::Overflow,
        ),
        ("now < 5", EvalError::TypeMismatch("<")),
        ("now + now", EvalError::TypeMismatch("+")),
        ("duration('1s') - now", EvalError::TypeMismatch("-")),
        (
            "timestamp(request.path)",
            EvalError::InvalidArgument("timestamp"),
        ),
        (
            "duration(request.path)",
            EvalError::InvalidArgument("duration"),
        ),
        (
            "duration('1s').getFullYear()",
            EvalError::TypeMismatch("time accessor"),
        ),
        (
            "principal.id.getHours()",
            EvalError::TypeMismatch("time accessor"),
        ),
    ]);
}

#[test]
fn timestamp_parsing_is_strict_rfc3339() {
    let valid: &[(&str, i64)] = &[
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1),
        ("2000-02-29T00:00:00Z", 951_782_400),
        ("2026-01-01T00:00:00Z", 1_767_225_600),
        ("2026-01-01T05:30:00+05:30", 1_767_225_600),
        ("2025-12-31T19:00:00-05:00", 1_767_225_600),
        ("0001-01-01T00:00:00Z", -62_135_596_800),
        ("9999-12-31T23:59:59.999999999Z", 253_402_300_799),
    ];
    for (text, seconds) in valid {
        let parsed = Timestamp::parse(text).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(parsed.unix_seconds(), *seconds, "{text}");
    }
    let invalid = [
        "",
        "2026-01-01",
        "2026-01-01T00:00:00",
        "2026-01-01 00:00:00Z",
        "2026-01-01t00:00:00z",
        "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z",
        "2026-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:60Z",
        "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00.1234567890Z",
        "2026-01-01T00:00:00+24:00",
        "2026-01-01T00:00:00+0100",
        "2026-01-01T00:00:00Zjunk",
        "+2026-01-01T00:00:00Z",
        "0000-12-31T23:59:59Z",
        "0001-01-01T00:00:00+00:01",
        "２０２６-01-01T00:00:00Z",
    ];
    for text in invalid {
        assert_eq!(Timestamp::parse(text), None, "{text}");
    }
}

#[test]
fn timestamps_format_back_to_what_they_parse() {
    for text in [
        "0001-01-01T00:00:00Z",
        "1969-12-31T23:59:59.5Z",
        "2000-02-29T12:34:56.000000001Z",
        "2026-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z",
    ] {
        assert_eq!(Timestamp::parse(text).unwrap().to_string(), text);
    }
}

#[test]
fn duration_parsing_follows_go_syntax() {
    let second = 1_000_000_000i128;
    let valid: &[(&str, i128)] = &[
        ("0", 0),
        ("-0", 0),
        ("300s", 300 * second),
        ("+5s", 5 * second),
        ("-1.5h", -5400 * second),
        ("1h2m3s", 3723 * second),
        ("1ms2us3ns", 1_002_003),
        ("1µs", 1_000),
        (".5s", second / 2),
        ("1.s", second),
        ("0.000000001s", 1),
        ("0.0000000019s", 1),
        ("87600h", 315_360_000 * second),
    ];
    for (text, nanos) in valid {
        let parsed = Duration::parse(text).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(parsed.nanos(), *nanos, "{text}");
    }
    let invalid = [
        "",
        "-",
        "+",
        "1",
        "s",
        ".s",
        "1d",
        "1 s",
        "1s ",
        "1S",
        "5 minutes",
        "1h-1m",
        "--1s",
        "99999999999999999999999999999999999999999h",
        "100000000h",
    ];
    for text in invalid {
        assert_eq!(Duration::parse(text), None, "{text}");
    }
}

#[test]
fn host_clock_converts_to_timestamp() {
    let epoch_plus = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1500);
    let timestamp = Timestamp::from_system_time(epoch_plus).unwrap();
    assert_eq!(timestamp.to_string(), "1970-01-01T00:00:01.5Z");
    let before = std::time::UNIX_EPOCH - std::time::Duration::from_secs(1);
    assert_eq!(
        Timestamp::from_system_time(before).unwrap().unix_seconds(),
        -1
    );
}
