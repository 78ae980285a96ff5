//! Where the walk is in the body, and what it found wrong there.

use palisade_shared::problem::Violation;

/// Longest pointer reported; a longer one (client-chosen keys) is cut, marked with `…`.
const MAX_POINTER_BYTES: usize = 200;

/// A JSON pointer into the body, extended and shortened as the walk descends and returns.
#[derive(Debug, Default)]
pub struct Pointer(String);

impl Pointer {
    /// Appends one reference token (escaped per RFC 6901); returns the length to restore.
    pub fn push(&mut self, token: &str) -> usize {
        let mark = self.0.len();
        self.0.push('/');
        self.0
            .push_str(&token.replace('~', "~0").replace('/', "~1"));
        mark
    }

    pub fn push_index(&mut self, index: usize) -> usize {
        self.push(&index.to_string())
    }

    pub fn restore(&mut self, mark: usize) {
        self.0.truncate(mark);
    }

    /// The pointer as reported, cut to a bounded length at a character boundary.
    pub fn reported(&self) -> String {
        if self.0.len() <= MAX_POINTER_BYTES {
            return self.0.clone();
        }
        let mut end = MAX_POINTER_BYTES;
        while !self.0.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", self.0.get(..end).unwrap_or_default())
    }
}

/// The violations found, up to a cap; a probe (for `anyOf`, `oneOf`, `not`) keeps none and
/// stops at the first.
#[derive(Debug)]
pub struct Report {
    violations: Vec<Violation>,
    cap: usize,
    failures: usize,
}

impl Report {
    pub fn new(cap: usize) -> Report {
        Report {
            violations: Vec::new(),
            cap,
            failures: 0,
        }
    }

    pub fn probe() -> Report {
        Report::new(0)
    }

    pub fn fail(&mut self, pointer: &Pointer, reason: impl Into<String>) {
        self.failures += 1;
        if self.violations.len() < self.cap {
            self.violations.push(Violation {
                pointer: pointer.reported(),
                reason: reason.into(),
            });
        }
    }

    /// How many failures so far, kept or not; compare before and after a sub-walk.
    pub fn failures(&self) -> usize {
        self.failures
    }

    /// Whether walking further can add nothing the caller will see.
    pub fn is_full(&self) -> bool {
        self.failures > 0 && self.violations.len() >= self.cap
    }

    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }
}
