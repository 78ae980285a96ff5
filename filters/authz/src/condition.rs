//! CEL conditions of a rule, compiled once and evaluated over the request's facts.

/// A compiled condition.
#[derive(Debug)]
pub struct Condition {
    source: String,
}

impl Condition {
    pub fn compile(source: &str) -> Result<Condition, String> {
        Err(format!("CEL is not wired yet ({} bytes)", source.len()))
    }

    pub fn source(&self) -> &str {
        &self.source
    }
}

impl Condition {
    /// Evaluates the condition; false or any evaluation error denies.
    pub fn check(
        &self,
        _facts: &crate::decide::Facts,
        _principal: &palisade_shared::principal::Principal,
    ) -> Result<(), palisade_shared::problem::Problem> {
        Err(palisade_shared::problem::Problem::new(
            403,
            "condition-failed",
            "Forbidden",
        ))
    }
}
