//! One violation found in a request, with the kind of rule it broke: the kind names a counter
//! and goes to audit; the pointer and reason go to the client.

use palisade_shared::problem::Violation;

/// What kind of rule a value broke; stable names, used in metrics and audit reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The JSON type (or, for text, the type it could be read as) is not allowed.
    Type,
    /// `format` (date, uuid, email, int32 …).
    Format,
    /// `pattern`.
    Pattern,
    /// `enum` or `const`.
    Enum,
    /// Lengths and counts: `minLength`, `maxItems`, `maxProperties`, part sizes.
    Size,
    /// Numeric bounds and `multipleOf`.
    Range,
    /// A required property, parameter or part is missing.
    Required,
    /// A member, parameter or part the contract does not declare.
    Unknown,
    /// A `readOnly` property sent in a request.
    ReadOnly,
    /// `allOf`/`anyOf`/`oneOf`/`not`/`if` and other applicators.
    Composition,
    /// Percent-encoding, UTF-8 or control characters in a parameter or field.
    Encoding,
    /// A value given twice where the contract allows one.
    Duplicate,
    /// A value whose serialisation cannot be read (style, syntax).
    Malformed,
    /// The walk ran out of budget.
    Complexity,
}

/// Every kind, for defining counters.
pub const KINDS: [Kind; 14] = [
    Kind::Type,
    Kind::Format,
    Kind::Pattern,
    Kind::Enum,
    Kind::Size,
    Kind::Range,
    Kind::Required,
    Kind::Unknown,
    Kind::ReadOnly,
    Kind::Composition,
    Kind::Encoding,
    Kind::Duplicate,
    Kind::Malformed,
    Kind::Complexity,
];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Type => "type",
            Kind::Format => "format",
            Kind::Pattern => "pattern",
            Kind::Enum => "enum",
            Kind::Size => "size",
            Kind::Range => "range",
            Kind::Required => "required",
            Kind::Unknown => "unknown",
            Kind::ReadOnly => "read_only",
            Kind::Composition => "composition",
            Kind::Encoding => "encoding",
            Kind::Duplicate => "duplicate",
            Kind::Malformed => "malformed",
            Kind::Complexity => "complexity",
        }
    }

    /// The counter bumped once per violation of this kind.
    pub fn metric(self) -> &'static str {
        match self {
            Kind::Type => "palisade_validate_violations_type_total",
            Kind::Format => "palisade_validate_violations_format_total",
            Kind::Pattern => "palisade_validate_violations_pattern_total",
            Kind::Enum => "palisade_validate_violations_enum_total",
            Kind::Size => "palisade_validate_violations_size_total",
            Kind::Range => "palisade_validate_violations_range_total",
            Kind::Required => "palisade_validate_violations_required_total",
            Kind::Unknown => "palisade_validate_violations_unknown_total",
            Kind::ReadOnly => "palisade_validate_violations_read_only_total",
            Kind::Composition => "palisade_validate_violations_composition_total",
            Kind::Encoding => "palisade_validate_violations_encoding_total",
            Kind::Duplicate => "palisade_validate_violations_duplicate_total",
            Kind::Malformed => "palisade_validate_violations_malformed_total",
            Kind::Complexity => "palisade_validate_violations_complexity_total",
        }
    }
}

/// Every per-kind counter, and the refusal counter of invalid parameters.
pub fn metrics() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = KINDS.iter().map(|kind| kind.metric()).collect();
    names.push("palisade_validate_denied_invalid_parameters_total");
    names
}

/// One violation: where, what kind, and a short reason that quotes nothing of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    pub pointer: String,
    pub reason: String,
}

impl Finding {
    pub fn new(kind: Kind, pointer: impl Into<String>, reason: impl Into<String>) -> Finding {
        Finding {
            kind,
            pointer: pointer.into(),
            reason: reason.into(),
        }
    }

    pub fn violation(&self) -> Violation {
        Violation {
            pointer: self.pointer.clone(),
            reason: self.reason.clone(),
        }
    }
}

/// Longest audit reason built from findings, in bytes.
const MAX_AUDIT_BYTES: usize = 240;

/// `invalid-body: /amount range, /fee unknown` — the refusal kind and each finding, compact and
/// bounded, for the decision audit records.
pub fn audit_reason(kind: &str, findings: &[Finding]) -> String {
    let mut out = String::from(kind);
    for (i, finding) in findings.iter().enumerate() {
        let item = format!(
            "{}{} {}",
            if i == 0 { ": " } else { ", " },
            finding.pointer,
            finding.kind.name()
        );
        if out.len() + item.len() > MAX_AUDIT_BYTES {
            out.push_str(", …");
            break;
        }
        out.push_str(&item);
    }
    out
}
