//! What can go wrong when compiling or evaluating an expression.

use std::fmt;
use std::sync::Arc;

/// Why an expression was refused at compile (configure) time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// Byte offset in the source where the problem was found.
    pub offset: usize,
    /// What the problem is.
    pub kind: CompileErrorKind,
}

/// The kinds of compile errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileErrorKind {
    /// The source is longer than [`super::MAX_SOURCE_BYTES`].
    TooLong,
    /// The expression has more than [`super::MAX_NODES`] nodes.
    TooManyNodes,
    /// The expression nests deeper than [`super::MAX_DEPTH`].
    TooDeep,
    /// A character that starts no token.
    UnexpectedCharacter,
    /// A string or bytes literal without its closing quote.
    UnterminatedString,
    /// A backslash escape that CEL does not define.
    InvalidEscape,
    /// A malformed number literal.
    InvalidNumber,
    /// An integer literal outside the range of its type.
    IntegerOutOfRange,
    /// A word CEL reserves, used as an identifier.
    ReservedWord,
    /// The grammar expected something else here.
    Syntax(&'static str),
    /// A function that does not exist, or is called with the wrong arguments.
    UnknownFunction(Arc<str>),
    /// A literal argument that its conversion rejects, e.g. `duration("5 minutes")`.
    InvalidLiteral(&'static str),
}

impl CompileError {
    pub(crate) fn new(offset: usize, kind: CompileErrorKind) -> Self {
        Self { offset, kind }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {}: ", self.offset)?;
        match &self.kind {
            CompileErrorKind::TooLong => write!(f, "expression too long"),
            CompileErrorKind::TooManyNodes => write!(f, "expression too large"),
            CompileErrorKind::TooDeep => write!(f, "expression nested too deeply"),
            CompileErrorKind::UnexpectedCharacter => write!(f, "unexpected character"),
            CompileErrorKind::UnterminatedString => write!(f, "unterminated string"),
            CompileErrorKind::InvalidEscape => write!(f, "invalid escape sequence"),
            CompileErrorKind::InvalidNumber => write!(f, "invalid number"),
            CompileErrorKind::IntegerOutOfRange => write!(f, "integer literal out of range"),
            CompileErrorKind::ReservedWord => write!(f, "reserved word used as identifier"),
            CompileErrorKind::Syntax(what) => write!(f, "{what}"),
            CompileErrorKind::UnknownFunction(name) => {
                write!(f, "unknown function or wrong arguments: {name}")
            }
            CompileErrorKind::InvalidLiteral(what) => write!(f, "invalid {what} literal"),
        }
    }
}

impl std::error::Error for CompileError {}

/// Why an evaluation produced no value. Authz denies on any of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// A variable that is neither in the activation nor bound by a macro.
    UnknownIdentifier(Arc<str>),
    /// `a.b` where the map `a` has no key `b`; the name comes from the program text.
    NoSuchKey(Arc<str>),
    /// `a[b]` with a missing key or an index out of range; the key is not echoed because it
    /// may come from the request.
    NoSuchIndex,
    /// An operator or function applied to types it is not defined for; names the operator.
    TypeMismatch(&'static str),
    /// Integer arithmetic or a conversion left the range of its type.
    Overflow,
    /// Integer division or remainder by zero.
    DivisionByZero,
    /// A conversion rejected its argument, e.g. `int("abc")`; names the conversion.
    InvalidArgument(&'static str),
    /// The evaluation cost exceeded [`super::MAX_STEPS`]. Never absorbed by `&&`, `||`,
    /// `all` or `exists`.
    LimitExceeded,
    /// `evaluate_bool` got a value that is not a bool.
    NotBool,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::UnknownIdentifier(name) => write!(f, "unknown identifier: {name}"),
            EvalError::NoSuchKey(name) => write!(f, "no such key: {name}"),
            EvalError::NoSuchIndex => write!(f, "no such key or index"),
            EvalError::TypeMismatch(op) => write!(f, "no matching overload for {op}"),
            EvalError::Overflow => write!(f, "overflow"),
            EvalError::DivisionByZero => write!(f, "division by zero"),
            EvalError::InvalidArgument(what) => write!(f, "invalid argument to {what}"),
            EvalError::LimitExceeded => write!(f, "evaluation cost limit exceeded"),
            EvalError::NotBool => write!(f, "result is not a bool"),
        }
    }
}

impl std::error::Error for EvalError {}
