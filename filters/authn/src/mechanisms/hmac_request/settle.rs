//! Acting on the body check of a signed request: keep buffering, let the request go on, or
//! refuse it with the problem — against the [`Host`] trait, so the glue stays a dispatcher.

use super::body::{BodyCheck, BodyReader, BodyStep};
use super::refusal::SignatureRefusal;
use crate::refusal::Refusal;
use crate::stream::STAGE;
use palisade_shared::decision::Decision;
use palisade_shared::host::{Host, HostError};

/// What a body callback returns to Envoy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Go on (the body matched).
    Continue,
    /// Hold: more body to buffer, or refused with a local reply.
    Stop,
}

/// The outcome of one body callback, for the glue's counters and log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyOutcome {
    pub step: Step,
    /// `Some` once the check is decided: `Ok` when the body matched its digest.
    pub settled: Option<Result<(), SignatureRefusal>>,
    pub host_error: Option<HostError>,
}

/// A body callback: `buffered` bytes so far, `end_of_stream` when the body is complete.
pub fn on_body(
    host: &dyn Host,
    realm: &str,
    check: &mut BodyCheck,
    buffered: usize,
    end_of_stream: bool,
    read: BodyReader,
) -> BodyOutcome {
    let step = check.on_body(buffered, end_of_stream, read);
    act(host, realm, check, step)
}

/// The body is complete without a final body callback (no body, or trailers).
pub fn on_end(host: &dyn Host, realm: &str, check: &mut BodyCheck) -> BodyOutcome {
    let step = check.on_end();
    act(host, realm, check, step)
}

fn act(host: &dyn Host, realm: &str, check: &BodyCheck, step: BodyStep) -> BodyOutcome {
    match step {
        BodyStep::Wait => BodyOutcome {
            step: Step::Stop,
            settled: None,
            host_error: None,
        },
        BodyStep::Matches => BodyOutcome {
            step: Step::Continue,
            settled: Some(Ok(())),
            host_error: None,
        },
        BodyStep::Refused(refusal) => {
            let wrapped = Refusal::Signature(refusal);
            let problem = wrapped.problem(realm);
            // The request id was kept from the headers: Envoy may no longer show them.
            let sent = problem.send(host, check.plan.request_id.as_deref());
            let recorded = Decision::deny(wrapped.reason(), problem.status).store(host, STAGE);
            BodyOutcome {
                step: Step::Stop,
                settled: Some(Err(refusal)),
                host_error: sent.err().or(recorded.err()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mechanisms::hmac_request::body::{announced_digest, BodyPlan};
    use palisade_shared::host::FakeHost;

    /// `printf %s '{"amount":5}' | openssl dgst -sha256 -binary | base64`
    const DIGEST: &str = "sha-256=:foTL8PenySwDcFhmXWYVL464WAqyU05SyHe8zOucx78=:";

    fn check() -> BodyCheck {
        BodyCheck::new(BodyPlan {
            expected: announced_digest(DIGEST).unwrap(),
            max_body_bytes: 64,
            hold_request_headers: true,
            request_id: Some("req-1".into()),
        })
    }

    #[test]
    fn a_matching_body_goes_on_and_answers_nothing() {
        let host = FakeHost::default();
        let body = br#"{"amount":5}"#;
        let read = |start: usize, len: usize| body.get(start..start + len).map(<[u8]>::to_vec);
        let mut check = check();
        let waiting = on_body(&host, "demo", &mut check, 3, false, &read);
        assert_eq!((waiting.step, waiting.settled), (Step::Stop, None));
        let done = on_body(&host, "demo", &mut check, body.len(), true, &read);
        assert_eq!((done.step, done.settled), (Step::Continue, Some(Ok(()))));
        assert!(host.sent().is_none());
    }

    #[test]
    fn a_tampered_body_is_refused_with_the_kept_request_id() {
        let host = FakeHost::default();
        let outcome = on_end(&host, "demo", &mut check());
        let mismatch = SignatureRefusal::DigestMismatch;
        assert_eq!(
            (outcome.step, outcome.settled),
            (Step::Stop, Some(Err(mismatch)))
        );
        let sent = host.sent().unwrap();
        assert_eq!(sent.status, 401);
        assert_eq!(
            sent.json()["type"],
            "urn:palisade:problem:invalid-signature"
        );
        assert_eq!(sent.json()["request_id"], "req-1");
        let challenge = sent.header("www-authenticate").unwrap();
        assert!(challenge.starts_with("Palisade-HMAC-SHA256 realm=\"demo\""));
        let decision = &host.properties.borrow()["palisade.decision.authn"];
        let decision: serde_json::Value = serde_json::from_slice(decision).unwrap();
        assert_eq!(decision["reason"], "hmac_digest_mismatch");
    }
}
