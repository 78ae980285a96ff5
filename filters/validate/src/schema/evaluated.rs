//! JSON Schema's annotations, as far as validation needs them: which members of an object, or
//! items of an array, the schemas applied to it have evaluated. `unevaluatedProperties`,
//! `unevaluatedItems` and the default closure of objects (`reject_additional_properties`) read
//! them, so composition cannot open a path around a closed schema.

/// What the schemas applied so far to one value evaluated.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Evaluated {
    /// By position: the object's members in iteration order, or the array's items.
    marks: Vec<bool>,
    /// Every member or item (`additionalProperties`, `items`, `unevaluated*` were applied).
    all: bool,
    /// Some applied schema declared `properties`.
    declared: bool,
}

impl Evaluated {
    pub fn mark(&mut self, index: usize) {
        if self.marks.len() <= index {
            self.marks.resize(index + 1, false);
        }
        if let Some(mark) = self.marks.get_mut(index) {
            *mark = true;
        }
    }

    pub fn mark_all(&mut self) {
        self.all = true;
    }

    pub fn mark_first(&mut self, count: usize) {
        for index in 0..count {
            self.mark(index);
        }
    }

    pub fn declare(&mut self) {
        self.declared = true;
    }

    pub fn is_marked(&self, index: usize) -> bool {
        self.all || self.marks.get(index).copied().unwrap_or(false)
    }

    /// Whether a member left unevaluated is refused by the default closure.
    pub fn is_closed(&self) -> bool {
        self.declared && !self.all
    }

    /// Adds what another applied schema evaluated.
    pub fn merge(&mut self, other: Evaluated) {
        self.all |= other.all;
        self.declared |= other.declared;
        if other.marks.len() > self.marks.len() {
            self.marks.resize(other.marks.len(), false);
        }
        for (mine, theirs) in self.marks.iter_mut().zip(other.marks) {
            *mine |= theirs;
        }
    }
}
