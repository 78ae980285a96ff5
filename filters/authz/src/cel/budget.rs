//! The evaluation step budget.

use super::error::EvalError;

/// Steps left for one evaluation; running out is [`EvalError::LimitExceeded`].
#[derive(Debug)]
pub(crate) struct Budget {
    steps_left: usize,
}

impl Budget {
    pub(crate) fn new(steps: usize) -> Self {
        Self { steps_left: steps }
    }

    /// Spends `steps`, or fails when fewer are left.
    pub(crate) fn charge(&mut self, steps: usize) -> Result<(), EvalError> {
        self.steps_left = self
            .steps_left
            .checked_sub(steps)
            .ok_or(EvalError::LimitExceeded)?;
        Ok(())
    }
}
