use crate::config::{Config, DEFAULT_MAX_PATH_BYTES};

#[test]
fn empty_and_empty_object_take_the_defaults() {
    for text in ["", "  ", "{}"] {
        let config = Config::load(text.as_bytes()).unwrap();
        assert_eq!(config.max_path_bytes, DEFAULT_MAX_PATH_BYTES);
    }
}

#[test]
fn refuses_unknown_fields_and_bad_values_naming_the_field() {
    let table = [
        (r#"{"log_level":"info"}"#, "log_level"),
        (r#"{"max_path_bytes":10}"#, "max_path_bytes"),
        (r#"{"max_path_bytes":"big"}"#, "max_path_bytes"),
        ("[]", ""),
    ];
    for (text, field) in table {
        let err = Config::load(text.as_bytes()).unwrap_err();
        assert_eq!(err.field, field, "{text}: {err}");
    }
}
