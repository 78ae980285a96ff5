"""Schemathesis checks for Palisade's contract-fuzzing test (integration-tests/tests/contract.rs).

Loaded through SCHEMATHESIS_HOOKS. Palisade answers every refusal with an RFC 9457 problem
whose `type` starts with `urn:palisade:problem:`; the demo API's own errors use `about:blank`.
That difference tells a refusal by the gateway from an answer of the API behind it.
"""

import json

import schemathesis

PROBLEM_PREFIX = "urn:palisade:problem:"
# The output filter's stand-in for an upstream error body the document does not describe: the
# status is the upstream's own answer, not a refusal by Palisade.
SANITISED_UPSTREAM_ERROR = PROBLEM_PREFIX + "upstream-error"


def palisade_problem(response):
    """The problem `type` if the answer is one of Palisade's refusals, else None."""
    media = response.headers.get("content-type", [""])[0].split(";")[0].strip().lower()
    if media != "application/problem+json":
        return None
    try:
        kind = json.loads(response.content).get("type", "")
    except (ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) and kind.startswith(PROBLEM_PREFIX) else None


def is_declared_call(case):
    """Whether the case calls its operation as documented (not a probe with another method)."""
    return case.method.upper() == case.operation.method.upper()


@schemathesis.check
def palisade_accepts_valid_data(ctx, response, case):
    """A request the document allows must never be refused by a Palisade filter."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not is_declared_call(case):
        return None
    kind = palisade_problem(response)
    if kind is not None and kind != SANITISED_UPSTREAM_ERROR:
        detail = response.content.decode("utf-8", "replace")
        raise AssertionError(
            f"Palisade refused a request the document allows: {response.status_code} {kind}\n"
            f"Answer: {detail}"
        )
    return None


@schemathesis.check
def palisade_never_fails_itself(ctx, response, case):
    """A 5xx that is a Palisade problem is a filter failing, whatever the request was."""
    kind = palisade_problem(response)
    if response.status_code >= 500 and kind is not None:
        detail = response.content.decode("utf-8", "replace")
        raise AssertionError(f"Palisade answered {response.status_code} {kind}\nAnswer: {detail}")
    return None
