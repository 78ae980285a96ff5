//! The body of a signed request against its `content-digest` (RFC 9530).
//!
//! The signature covers the `content-digest` header, so the body is bound to the signature
//! once its SHA-256 matches that header. The header must be exactly one member,
//! `sha-256=:<base64>:`. The body is hashed chunk by chunk while Envoy buffers it (the body
//! callback pauses until the end of the stream) and judged at the end; a body over the limit
//! is refused as soon as it crosses it.

use super::refusal::SignatureRefusal;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// What is checked once the body is complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyPlan {
    /// SHA-256 the body must have.
    pub expected: [u8; 32],
    pub max_body_bytes: usize,
    /// Whether the request headers wait for the verdict.
    pub hold_request_headers: bool,
    /// Envoy's request id, taken in the headers phase for the problem body.
    pub request_id: Option<String>,
}

/// The digest a `content-digest` value announces; `None` unless it is one `sha-256` member.
pub fn announced_digest(value: &str) -> Option<[u8; 32]> {
    let encoded = value
        .trim_matches([' ', '\t'])
        .strip_prefix("sha-256=:")?
        .strip_suffix(':')?;
    if encoded.len() != 44 {
        return None;
    }
    STANDARD.decode(encoded).ok()?.try_into().ok()
}

/// The verdict on the body so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyStep {
    /// More body to come: keep buffering.
    Wait,
    Matches,
    Refused(SignatureRefusal),
}

/// Reads `len` bytes of the buffered body from `start`; `None` when the host cannot.
pub type BodyReader<'a> = &'a dyn Fn(usize, usize) -> Option<Vec<u8>>;

/// A body being hashed.
#[derive(Debug, Clone)]
pub struct BodyCheck {
    pub plan: BodyPlan,
    hasher: Sha256,
    hashed: usize,
    done: Option<BodyStep>,
}

impl BodyCheck {
    pub fn new(plan: BodyPlan) -> BodyCheck {
        BodyCheck {
            plan,
            hasher: Sha256::new(),
            hashed: 0,
            done: None,
        }
    }

    /// A body callback: `buffered` is the size of everything buffered so far.
    pub fn on_body(&mut self, buffered: usize, end_of_stream: bool, read: BodyReader) -> BodyStep {
        if let Some(step) = self.done {
            return step;
        }
        if buffered > self.plan.max_body_bytes {
            return self.finish(BodyStep::Refused(SignatureRefusal::BodyTooLarge));
        }
        if buffered > self.hashed {
            let Some(chunk) = read(self.hashed, buffered - self.hashed) else {
                return self.finish(BodyStep::Refused(SignatureRefusal::BodyUnreadable));
            };
            self.hasher.update(&chunk);
            self.hashed = buffered;
        }
        if end_of_stream {
            self.on_end()
        } else {
            BodyStep::Wait
        }
    }

    /// The body is complete (end of stream in the headers, a body or the trailers).
    pub fn on_end(&mut self) -> BodyStep {
        if let Some(step) = self.done {
            return step;
        }
        let actual: [u8; 32] = self.hasher.clone().finalize().into();
        // The digest is not secret, but a constant-time comparison costs nothing here.
        let matches = crate::mechanisms::apikey::digest::equal(&actual, &self.plan.expected);
        self.finish(if matches {
            BodyStep::Matches
        } else {
            BodyStep::Refused(SignatureRefusal::DigestMismatch)
        })
    }

    fn finish(&mut self, step: BodyStep) -> BodyStep {
        self.done = Some(step);
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `printf %s '{"amount":5}' | openssl dgst -sha256 -binary | base64`
    const AMOUNT_DIGEST: &str = "sha-256=:foTL8PenySwDcFhmXWYVL464WAqyU05SyHe8zOucx78=:";
    const BODY: &[u8] = br#"{"amount":5}"#;

    fn check(limit: usize) -> BodyCheck {
        BodyCheck::new(BodyPlan {
            expected: announced_digest(AMOUNT_DIGEST).unwrap(),
            max_body_bytes: limit,
            hold_request_headers: true,
            request_id: None,
        })
    }

    fn reader(start: usize, len: usize) -> Option<Vec<u8>> {
        BODY.get(start..start + len).map(<[u8]>::to_vec)
    }

    #[test]
    fn reads_only_a_single_sha256_member() {
        assert!(announced_digest(AMOUNT_DIGEST).is_some());
        assert!(announced_digest(&format!(" {AMOUNT_DIGEST}\t")).is_some());
        let cases = [
            "sha-256=foTL8PenySwDcFhmXWYVL464WAqyU05SyHe8zOucx78=",
            "sha-512=:foTL8PenySwDcFhmXWYVL464WAqyU05SyHe8zOucx78=:",
            "sha-256=:foTL8PenySwDcFhmXWYVL464WAqyU05SyHe8zOucx78-:",
            "sha-256=:foTL8PenySwDcFhmXWYVL464WAqyU05SyHe8zOucx78:",
            "sha-256=:AAAA:",
            "sha-256=:foTL8PenySwDcFhmXWYVL464WAqyU05SyHe8zOucx78=:, sha-512=:AA==:",
        ];
        for value in cases {
            assert_eq!(announced_digest(value), None, "{value}");
        }
    }

    #[test]
    fn hashes_the_body_in_chunks_and_judges_it_at_the_end() {
        let mut body = check(1024);
        assert_eq!(body.on_body(4, false, &reader), BodyStep::Wait);
        assert_eq!(body.on_body(BODY.len(), false, &reader), BodyStep::Wait);
        assert_eq!(body.on_body(BODY.len(), true, &reader), BodyStep::Matches);
        let mut in_one = check(1024);
        assert_eq!(in_one.on_body(BODY.len(), true, &reader), BodyStep::Matches);
    }

    #[test]
    fn refuses_other_bodies_large_bodies_and_unreadable_ones() {
        let mismatch = BodyStep::Refused(SignatureRefusal::DigestMismatch);
        let mut truncated = check(1024);
        assert_eq!(truncated.on_body(BODY.len() - 1, true, &reader), mismatch);
        assert_eq!(check(1024).on_end(), mismatch, "empty body");
        let mut large = check(4);
        let too_large = BodyStep::Refused(SignatureRefusal::BodyTooLarge);
        assert_eq!(large.on_body(5, false, &reader), too_large);
        assert_eq!(large.on_end(), too_large, "the verdict stays");
        let mut unreadable = check(1024);
        let failing = |_: usize, _: usize| None;
        let expected = BodyStep::Refused(SignatureRefusal::BodyUnreadable);
        assert_eq!(unreadable.on_body(3, false, &failing), expected);
    }
}
