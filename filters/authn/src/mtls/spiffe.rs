//! SPIFFE IDs (`spiffe://<trust domain>/<path>`) and the allowlist patterns matched against them.
//!
//! Read strictly, as the SPIFFE ID standard writes them: the scheme and trust domain in lower
//! case (letters, digits, `.`, `-`, `_`), no port, user information, query or fragment; path
//! segments non-empty, of letters, digits, `.`, `-` and `_` only, never `.` or `..`, and no
//! trailing slash. Anything else is not an identity this filter will match, so no two spellings
//! of one workload can pass two different allowlist entries.

/// Longest SPIFFE ID accepted, in bytes (the standard's limit).
const MAX_ID_BYTES: usize = 2048;
/// Longest trust domain name accepted, in bytes.
const MAX_TRUST_DOMAIN_BYTES: usize = 255;
const SCHEME: &str = "spiffe://";

/// A SPIFFE ID that passed every syntax check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpiffeId(String);

impl SpiffeId {
    /// Reads `text` as a SPIFFE ID; `None` when it is not one.
    pub fn parse(text: &str) -> Option<SpiffeId> {
        if text.len() > MAX_ID_BYTES {
            return None;
        }
        let rest = text.strip_prefix(SCHEME)?;
        let (domain, path) = rest.split_at_checked(rest.find('/').unwrap_or(rest.len()))?;
        let domain_ok = !domain.is_empty()
            && domain.len() <= MAX_TRUST_DOMAIN_BYTES
            && domain
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._".contains(&b));
        let path_ok = path.is_empty() || path.split('/').skip(1).all(is_segment);
        (domain_ok && path_ok).then(|| SpiffeId(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `spiffe://<trust domain>`, without the path.
    pub fn trust_domain(&self) -> &str {
        let end = self
            .0
            .get(SCHEME.len()..)
            .and_then(|rest| rest.find('/'))
            .map_or(self.0.len(), |at| SCHEME.len() + at);
        self.0.get(..end).unwrap_or(&self.0)
    }
}

fn is_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
}

/// One allowlist pattern: an exact SPIFFE ID, or `<SPIFFE ID>/*` for every ID below it (one
/// or more further path segments; `spiffe://example.org/*` is every workload of that trust
/// domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdPattern {
    Exact(SpiffeId),
    /// The prefix with its trailing slash, e.g. `spiffe://example.org/ns/payments/`.
    Below(String),
}

impl IdPattern {
    /// Reads a pattern; `None` when it is neither a SPIFFE ID nor one followed by `/*`.
    pub fn parse(text: &str) -> Option<IdPattern> {
        match text.strip_suffix("/*") {
            Some(base) => {
                SpiffeId::parse(base)?;
                Some(IdPattern::Below(format!("{base}/")))
            }
            None => SpiffeId::parse(text).map(IdPattern::Exact),
        }
    }

    pub fn matches(&self, id: &SpiffeId) -> bool {
        match self {
            IdPattern::Exact(exact) => exact == id,
            IdPattern::Below(prefix) => id.as_str().starts_with(prefix.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_well_formed_ids_and_their_trust_domain() {
        let cases = [
            ("spiffe://example.org", "spiffe://example.org"),
            (
                "spiffe://example.org/ns/payments/sa/api",
                "spiffe://example.org",
            ),
            (
                "spiffe://prod-1.example_x/a.b/c-d",
                "spiffe://prod-1.example_x",
            ),
        ];
        for (text, domain) in cases {
            let id = SpiffeId::parse(text).unwrap();
            assert_eq!(id.as_str(), text);
            assert_eq!(id.trust_domain(), domain, "{text}");
        }
    }

    #[test]
    fn refuses_every_other_spelling() {
        let long = format!("spiffe://example.org/{}", "a".repeat(2048));
        let cases = [
            "",
            "spiffe://",
            "spiffe:///path",
            "SPIFFE://example.org/a",
            "spiffe://Example.org/a",
            "https://example.org/a",
            "spiffe://example.org:8443/a",
            "spiffe://user@example.org/a",
            "spiffe://example.org/",
            "spiffe://example.org/a/",
            "spiffe://example.org//a",
            "spiffe://example.org/a/./b",
            "spiffe://example.org/a/../b",
            "spiffe://example.org/a?b",
            "spiffe://example.org/a#b",
            "spiffe://example.org/a%2Fb",
            "spiffe://example.org/a b",
            " spiffe://example.org/a",
            long.as_str(),
        ];
        for text in cases {
            assert_eq!(SpiffeId::parse(text), None, "{text}");
        }
    }

    #[test]
    fn patterns_match_exactly_or_strictly_below() {
        let id = |text: &str| SpiffeId::parse(text).unwrap();
        let below = IdPattern::parse("spiffe://example.org/ns/payments/*").unwrap();
        let exact = IdPattern::parse("spiffe://example.org/ns/payments").unwrap();
        let domain = IdPattern::parse("spiffe://example.org/*").unwrap();
        let cases = [
            ("spiffe://example.org/ns/payments/sa/api", true, false, true),
            ("spiffe://example.org/ns/payments", false, true, true),
            (
                "spiffe://example.org/ns/payments-evil/sa/api",
                false,
                false,
                true,
            ),
            ("spiffe://example.org/ns/paymentsx", false, false, true),
            (
                "spiffe://example.org.evil/ns/payments/sa/api",
                false,
                false,
                false,
            ),
            ("spiffe://example.org", false, false, false),
        ];
        for (text, is_below, is_exact, in_domain) in cases {
            assert_eq!(below.matches(&id(text)), is_below, "{text}");
            assert_eq!(exact.matches(&id(text)), is_exact, "{text}");
            assert_eq!(domain.matches(&id(text)), in_domain, "{text}");
        }
    }

    #[test]
    fn refuses_malformed_patterns() {
        let cases = [
            "spiffe://example.org/ns/*/sa",
            "spiffe://example.org/ns/pay*",
            "spiffe://*",
            "spiffe://example.org/**",
            "*",
        ];
        for text in cases {
            assert_eq!(IdPattern::parse(text), None, "{text}");
        }
    }
}
