//! Where the walk is in the body, and what it found wrong there.

use super::finding::{Finding, Kind};

/// Longest pointer reported; a longer one (client-chosen keys) is cut, marked with `…`.
const MAX_POINTER_BYTES: usize = 200;
/// Longest reference token kept whole; client-chosen member names are cut after it.
const MAX_TOKEN_CHARS: usize = 64;

/// A JSON pointer into the body, extended and shortened as the walk descends and returns.
#[derive(Debug, Default)]
pub struct Pointer(String);

impl Pointer {
    /// Appends one reference token (escaped per RFC 6901, control and invisible characters
    /// written as `\u{..}`, cut after 64 characters); returns the length to restore.
    pub fn push(&mut self, token: &str) -> usize {
        let mark = self.0.len();
        self.0.push('/');
        for (i, c) in token.chars().enumerate() {
            if i == MAX_TOKEN_CHARS {
                self.0.push('…');
                break;
            }
            match c {
                '~' => self.0.push_str("~0"),
                '/' => self.0.push_str("~1"),
                c if c.is_control() || is_invisible(c) => {
                    self.0.push_str(&format!("\\u{{{:x}}}", u32::from(c)))
                }
                c => self.0.push(c),
            }
        }
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

/// Characters that render as nothing or reorder text.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// The violations found, up to a cap; a probe (for `anyOf`, `oneOf`, `not`) keeps none and
/// stops at the first.
#[derive(Debug)]
pub struct Report {
    violations: Vec<Finding>,
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

    pub fn fail(&mut self, pointer: &Pointer, kind: Kind, reason: impl Into<String>) {
        self.failures += 1;
        if self.violations.len() < self.cap {
            self.violations
                .push(Finding::new(kind, pointer.reported(), reason));
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

    pub fn into_findings(self) -> Vec<Finding> {
        self.violations
    }
}
