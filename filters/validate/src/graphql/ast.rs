//! The parts of an executable GraphQL document the limits look at. Directive arguments, types
//! and most values are read and dropped; directives are only counted.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
    Subscription,
}

#[derive(Debug, Default)]
pub struct Document {
    pub operations: Vec<Operation>,
    pub fragments: Vec<Fragment>,
}

#[derive(Debug)]
pub struct Operation {
    pub kind: OperationKind,
    pub name: Option<String>,
    /// Variables' default values, for list sizes given by a variable the request leaves out.
    pub defaults: Vec<(String, Value)>,
    pub directives: usize,
    pub selections: Vec<Selection>,
}

#[derive(Debug)]
pub struct Fragment {
    pub name: String,
    pub directives: usize,
    pub selections: Vec<Selection>,
}

#[derive(Debug)]
pub enum Selection {
    Field(Field),
    Spread {
        name: String,
        directives: usize,
    },
    Inline {
        directives: usize,
        selections: Vec<Selection>,
    },
}

#[derive(Debug)]
pub struct Field {
    pub alias: Option<String>,
    pub name: String,
    pub arguments: Vec<(String, Value)>,
    pub directives: usize,
    pub selections: Vec<Selection>,
}

/// An argument value, as far as list sizes need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Variable(String),
    /// An integer literal; `None` when it does not fit 64 bits.
    Int(Option<i64>),
    Other,
}
