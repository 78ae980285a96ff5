//! One parameter's raw text read into a JSON value by its style: split at the style's raw
//! delimiters first (so an encoded delimiter stays data), then each piece decoded once and
//! read as the schema's types allow.

use super::coerce::coerce;
use super::text::{self, Decoding};
use crate::schema::{Category, Finding, Kind, SchemaId, Tree};
use palisade_shared::json::{self, Limits};
use serde_json::{Map, Value};

/// Why a value could not be read: the kind and a reason safe to show.
pub type Fault = (Kind, &'static str);

/// Reads values for one parameter (or form field).
pub struct Reader<'t> {
    pub tree: &'t Tree,
    pub decoding: Decoding,
    pub allow: text::Allow,
}

impl Reader<'_> {
    /// One piece of text, decoded and checked.
    pub fn text(&self, raw: &str) -> Result<String, Fault> {
        text::read(raw, self.decoding, self.allow).map_err(|e| (Kind::Encoding, e.reason()))
    }

    /// One primitive value.
    pub fn scalar(&self, raw: &str, schema: SchemaId) -> Result<Value, Fault> {
        Ok(coerce(&self.text(raw)?, self.tree.shape(schema)))
    }

    /// A JSON text (a parameter declared with `content: application/json`).
    pub fn json(&self, raw: &str) -> Result<Value, Fault> {
        let text = self.text(raw)?;
        json::parse_strict(text.as_bytes(), &Limits::default())
            .map_err(|_| (Kind::Malformed, "not acceptable JSON"))
    }

    /// Items, each read against the array's `items` schema.
    pub fn items(&self, pieces: &[&str], schema: SchemaId) -> Result<Value, Fault> {
        let items = self.tree.items_of(schema);
        let values = pieces.iter().map(|piece| match items {
            Some(items) => self.scalar(piece, items),
            None => self.text(piece).map(Value::String),
        });
        values.collect::<Result<Vec<_>, _>>().map(Value::Array)
    }

    /// Members from `(name, value)` pieces; a repeated name is refused.
    pub fn members(&self, pairs: &[(&str, &str)], schema: SchemaId) -> Result<Value, Fault> {
        let mut object = Map::new();
        for (name, raw) in pairs {
            let name = self.text(name)?;
            let value = match self.tree.member_of(schema, &name) {
                Some(member) => self.scalar(raw, member)?,
                None => Value::String(self.text(raw)?),
            };
            if object.insert(name, value).is_some() {
                return Err((Kind::Duplicate, "repeats a member"));
            }
        }
        Ok(Value::Object(object))
    }

    /// A whole value written in one piece of text with `delimiter` between items (and between
    /// names and values of a non-exploded object, or `=` inside exploded members).
    pub fn delimited(
        &self,
        raw: &str,
        delimiters: &[&str],
        explode: bool,
        schema: SchemaId,
    ) -> Result<Value, Fault> {
        let pieces = split(raw, delimiters);
        match self.tree.shape(schema).category() {
            Category::Primitive => self.scalar(raw, schema),
            Category::Array => self.items(&pieces, schema),
            Category::Object if explode => {
                let pairs = pieces
                    .iter()
                    .map(|p| p.split_once('=').ok_or(MALFORMED_OBJECT));
                self.members(&pairs.collect::<Result<Vec<_>, _>>()?, schema)
            }
            Category::Object => {
                if !pieces.len().is_multiple_of(2) {
                    return Err(MALFORMED_OBJECT);
                }
                let pairs: Vec<(&str, &str)> = pieces
                    .chunks(2)
                    .filter_map(|pair| Some((*pair.first()?, *pair.get(1)?)))
                    .collect();
                self.members(&pairs, schema)
            }
        }
    }
}

const MALFORMED_OBJECT: Fault = (Kind::Malformed, "object is not written as its style says");

/// Splits at any of the delimiters; the empty text is no pieces.
fn split<'a>(raw: &'a str, delimiters: &[&str]) -> Vec<&'a str> {
    if raw.is_empty() {
        return Vec::new();
    }
    let mut pieces = vec![raw];
    for delimiter in delimiters {
        pieces = pieces
            .iter()
            .flat_map(|piece| piece.split(delimiter))
            .collect();
    }
    pieces
}

/// A finding for a parameter that could not be read.
pub fn fault_at(pointer: String, (kind, reason): Fault) -> Finding {
    Finding::new(kind, pointer, reason)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_at_raw_delimiters_only() {
        assert_eq!(split("a,b%2Cc", &[","]), ["a", "b%2Cc"]);
        assert_eq!(split("a%20b+c", &["%20", "+"]), ["a", "b", "c"]);
        assert_eq!(split("", &[","]), Vec::<&str>::new());
        assert_eq!(split("a||b", &["|"]), ["a", "", "b"]);
    }
}
