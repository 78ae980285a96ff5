//! What executing an operation would take: depth, aliases, root fields, directives and cost,
//! counted through fragments as the server would expand them.
//!
//! Each fragment is summarised once per operation and its summary reused at every spread, so a
//! document that spreads fragments into each other costs linear time to judge while its counts
//! (saturating) show the whole expansion. A fragment that spreads itself, directly or not, or a
//! spread of an unknown fragment, is refused.

use super::ast::{Document, Field, Fragment, Operation, Selection, Value};
use super::limits::Costing;
use serde_json::Map;
use std::collections::HashMap;

/// Counts over one selection set, fragments expanded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Fields nested below this set, counting its own level as 1.
    pub depth: u64,
    pub aliases: u64,
    pub directives: u64,
    /// Fields at this level.
    pub fields: u64,
    pub cost: u64,
}

impl Summary {
    fn merge(&mut self, other: Summary) {
        self.depth = self.depth.max(other.depth);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.directives = self.directives.saturating_add(other.directives);
        self.fields = self.fields.saturating_add(other.fields);
        self.cost = self.cost.saturating_add(other.cost);
    }
}

/// Why a document cannot be executed as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    UnknownFragment(String),
    FragmentCycle(String),
    /// Fields and fragment spreads nest deeper than [`MAX_EXPANSION_NESTING`].
    TooDeep,
}

/// Deepest nesting of fields and spreads followed; it bounds the recursion (the stack).
pub const MAX_EXPANSION_NESTING: usize = 256;

#[derive(Clone, Copy)]
enum State {
    InProgress,
    Done(Summary),
}

/// Summarises operations of one document with one request's variables.
pub struct Analysis<'d> {
    document: &'d Document,
    costing: &'d Costing,
    variables: &'d Map<String, serde_json::Value>,
    defaults: &'d [(String, Value)],
    fragments: HashMap<&'d str, State>,
    nesting: usize,
}

impl<'d> Analysis<'d> {
    pub fn new(
        document: &'d Document,
        costing: &'d Costing,
        variables: &'d Map<String, serde_json::Value>,
    ) -> Self {
        Analysis {
            document,
            costing,
            variables,
            defaults: &[],
            fragments: HashMap::new(),
            nesting: 0,
        }
    }

    /// Every fragment summarised once, so that cycles and unknown spreads in fragments no
    /// operation uses are refused too.
    pub fn check_fragments(&mut self) -> Result<(), DocumentError> {
        for fragment in &self.document.fragments {
            self.fragment(&fragment.name)?;
        }
        Ok(())
    }

    pub fn operation(&mut self, operation: &'d Operation) -> Result<Summary, DocumentError> {
        self.defaults = &operation.defaults;
        self.fragments.clear();
        let mut summary = self.selections(&operation.selections)?;
        summary.directives = summary
            .directives
            .saturating_add(operation.directives as u64);
        Ok(summary)
    }

    fn selections(&mut self, selections: &'d [Selection]) -> Result<Summary, DocumentError> {
        if self.nesting >= MAX_EXPANSION_NESTING {
            return Err(DocumentError::TooDeep);
        }
        self.nesting += 1;
        let summary = self.selections_within(selections);
        self.nesting -= 1;
        summary
    }

    fn selections_within(&mut self, selections: &'d [Selection]) -> Result<Summary, DocumentError> {
        let mut summary = Summary::default();
        for selection in selections {
            let part = match selection {
                Selection::Field(field) => self.field(field)?,
                Selection::Spread { name, directives } => {
                    let mut part = self.fragment(name)?;
                    part.directives = part.directives.saturating_add(*directives as u64);
                    part
                }
                Selection::Inline {
                    directives,
                    selections,
                } => {
                    let mut part = self.selections(selections)?;
                    part.directives = part.directives.saturating_add(*directives as u64);
                    part
                }
            };
            summary.merge(part);
        }
        Ok(summary)
    }

    fn field(&mut self, field: &'d Field) -> Result<Summary, DocumentError> {
        let below = self.selections(&field.selections)?;
        let size = self
            .costing
            .list_size(&field.arguments, self.variables, self.defaults);
        let cost = self
            .costing
            .weight(&field.name)
            .saturating_add(size.saturating_mul(below.cost));
        Ok(Summary {
            depth: below.depth.saturating_add(1),
            aliases: below
                .aliases
                .saturating_add(u64::from(field.alias.is_some())),
            directives: below.directives.saturating_add(field.directives as u64),
            fields: 1,
            cost,
        })
    }

    fn fragment(&mut self, name: &str) -> Result<Summary, DocumentError> {
        match self.fragments.get(name) {
            Some(State::Done(summary)) => return Ok(*summary),
            Some(State::InProgress) => return Err(DocumentError::FragmentCycle(name.to_string())),
            None => {}
        }
        let fragment: &'d Fragment = self
            .document
            .fragments
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| DocumentError::UnknownFragment(name.to_string()))?;
        self.fragments.insert(&fragment.name, State::InProgress);
        let mut summary = self.selections(&fragment.selections)?;
        summary.directives = summary
            .directives
            .saturating_add(fragment.directives as u64);
        self.fragments.insert(&fragment.name, State::Done(summary));
        Ok(summary)
    }
}
