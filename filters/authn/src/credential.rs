//! The bearer token of a request (RFC 6750 §2.1), read from its `Authorization` headers.
//!
//! Exactly one `Authorization` header is allowed; its scheme is matched case-insensitively and
//! the token must be a `b64token`. Anything else is a malformed request, refused before the
//! token is looked at.

use crate::refusal::Refusal;

/// What the request offers as credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    Absent,
    Bearer(&'a str),
    /// An `Authorization` header with a scheme this filter does not verify (e.g. `Basic`).
    OtherScheme,
}

/// Reads the credential from every `Authorization` value of the request.
pub fn read<'a>(values: &[&'a str]) -> Result<Credential<'a>, Refusal> {
    let value = match values {
        [] => return Ok(Credential::Absent),
        [value] => *value,
        _ => return Err(Refusal::InvalidRequest("repeated_authorization")),
    };
    // A comma cannot occur in a b64token: Envoy joined two headers, or the value lists two.
    if value.contains(',') {
        return Err(Refusal::InvalidRequest("repeated_authorization"));
    }
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(Credential::OtherScheme);
    }
    let token = rest.trim_start_matches(' ');
    if !is_b64token(token) {
        return Err(Refusal::InvalidRequest("malformed_authorization"));
    }
    Ok(Credential::Bearer(token))
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_bearer_token_in_any_scheme_case() {
        assert_eq!(read(&[]), Ok(Credential::Absent));
        assert_eq!(
            read(&["Bearer abc.def.ghi"]),
            Ok(Credential::Bearer("abc.def.ghi"))
        );
        assert_eq!(read(&["bearer  abc"]), Ok(Credential::Bearer("abc")));
        assert_eq!(read(&["BEARER abc=="]), Ok(Credential::Bearer("abc==")));
    }

    #[test]
    fn tells_other_schemes_apart() {
        assert_eq!(read(&["Basic dXNlcjpwdw=="]), Ok(Credential::OtherScheme));
        assert_eq!(read(&["Bearerabc"]), Ok(Credential::OtherScheme));
        assert_eq!(read(&["DPoP abc"]), Ok(Credential::OtherScheme));
    }

    #[test]
    fn refuses_repeated_or_malformed_authorization() {
        let cases: [&[&str]; 8] = [
            &["Bearer a", "Bearer b"],
            &["Bearer a,Bearer b"],
            &["Bearer"],
            &["Bearer "],
            &["Bearer a b"],
            &["Bearer a\tb"],
            &["Bearer ==="],
            &["Bearer a=b"],
        ];
        for values in cases {
            assert!(
                matches!(read(values), Err(Refusal::InvalidRequest(_))),
                "{values:?}"
            );
        }
    }
}
