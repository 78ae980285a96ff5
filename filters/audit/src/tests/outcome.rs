//! The verdict: a denying stage first, then answers Envoy gave itself.

use crate::outcome::{judge, Evidence};

#[test]
fn verdict_table() {
    // (denying stage, any decision, status, code details, expected denied_by)
    let table = [
        (Some("authn"), true, Some(401), None, Some("authn")),
        (
            Some("output"),
            true,
            Some(502),
            Some("via_upstream"),
            Some("output"),
        ),
        // Envoy refused before any filter decided.
        (
            None,
            false,
            Some(400),
            Some("path_normalization_failed"),
            Some("envoy"),
        ),
        (None, false, Some(426), Some("low_version"), Some("envoy")),
        (
            None,
            false,
            Some(404),
            Some("route_not_found"),
            Some("envoy"),
        ),
        (None, false, Some(400), None, Some("envoy")),
        // Stages allowed, then Envoy failed to reach the upstream.
        (
            None,
            true,
            Some(503),
            Some("no_healthy_upstream"),
            Some("envoy"),
        ),
        // The upstream's own error: the request was allowed.
        (None, true, Some(404), Some("via_upstream"), None),
        (None, false, Some(500), Some("via_upstream"), None),
        (None, true, Some(500), None, None),
        // Successes and unanswered requests.
        (None, false, Some(200), None, None),
        (None, false, Some(302), Some("direct_response"), None),
        (None, true, None, None, None),
        (
            None,
            false,
            None,
            Some("downstream_remote_disconnect"),
            None,
        ),
    ];
    for (denying_stage, any_decision, status, code_details, expected) in table {
        let verdict = judge(Evidence {
            denying_stage,
            any_decision,
            status,
            code_details,
        });
        let case = format!("{denying_stage:?} {any_decision} {status:?} {code_details:?}");
        assert_eq!(verdict.denied_by, expected, "{case}");
        let outcome = if expected.is_some() {
            "denied"
        } else {
            "allowed"
        };
        assert_eq!(verdict.outcome, outcome, "{case}");
    }
}
