//! Compiling the conditional and dependent applicators: `if`/`then`/`else` and
//! `dependentSchemas`.

use super::compile::{members, Compiler};
use super::read::Keywords;
use super::rules::{Conditional, SchemaId};
use palisade_shared::config::ConfigError;

impl Compiler<'_> {
    /// `if` with its `then` and `else`; either branch without `if` is ignored, as JSON Schema
    /// says.
    pub(super) fn conditional(
        &mut self,
        map: &Keywords,
        at: &str,
        depth: usize,
    ) -> Result<Option<Conditional>, ConfigError> {
        let Some(condition) = self.optional(map, "if", at, depth)? else {
            return Ok(None);
        };
        Ok(Some(Conditional {
            condition,
            then: self.optional(map, "then", at, depth)?,
            otherwise: self.optional(map, "else", at, depth)?,
        }))
    }

    pub(super) fn dependent_schemas(
        &mut self,
        map: &Keywords,
        at: &str,
        depth: usize,
    ) -> Result<Vec<(String, SchemaId)>, ConfigError> {
        let mut out = Vec::new();
        for (name, schema) in members(map, "dependentSchemas", at)? {
            let place = format!("{at}.dependentSchemas.{name}");
            out.push((name.clone(), self.schema_at(schema, &place, depth)?));
        }
        Ok(out)
    }
}
