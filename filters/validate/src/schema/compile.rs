//! From schema JSON to the [`Tree`] arena, at configure time.
//!
//! Every schema object becomes one node. A `$ref` becomes the index of its target's node: the
//! first reference to a target reserves a slot and queues the target, which is compiled after the
//! current schema, so recursive and shared schemas are compiled once and never loop.

use super::read::{self, wrong, Keywords};
use super::rules::{ArrayRules, Composition, Node, ObjectRules, Rules, SchemaId, StringRules};
use super::Tree;
use crate::ssrf::UrlPolicies;
use palisade_shared::config::ConfigError;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Deepest nesting of inline subschemas accepted in one schema.
const MAX_NESTING: usize = 64;

/// Compiles the schemas of one OpenAPI document into one [`Tree`].
pub struct Compiler<'d> {
    document: &'d Value,
    /// Config field holding the document, so errors read `openapi.components.schemas.X.type`.
    root_field: String,
    nodes: Vec<Node>,
    refs: HashMap<String, SchemaId>,
    pending: Vec<(String, SchemaId)>,
    /// The allowlists `x-palisade-url-allowlist` may name.
    url_policies: UrlPolicies,
}

impl<'d> Compiler<'d> {
    pub fn new(document: &'d Value, root_field: &str) -> Self {
        Compiler {
            document,
            root_field: root_field.to_string(),
            // Node 0 accepts anything: `Tree::anything` for values no schema describes.
            nodes: vec![Node::Any],
            refs: HashMap::new(),
            pending: Vec::new(),
            url_policies: UrlPolicies::default(),
        }
    }

    /// The outbound-URL allowlists schemas may name with `x-palisade-url-allowlist`.
    pub fn with_url_policies(mut self, policies: UrlPolicies) -> Self {
        self.url_policies = policies;
        self
    }

    /// Compiles `schema`, found at config field `at`, and every schema it references.
    pub fn compile(&mut self, schema: &Value, at: &str) -> Result<SchemaId, ConfigError> {
        let id = self.schema(schema, at, 0)?;
        while let Some((target, slot)) = self.pending.pop() {
            let pointer = target.strip_prefix('#').unwrap_or_default();
            let value = self.document.pointer(pointer).ok_or_else(|| {
                ConfigError::new(at, format!("$ref {target} resolves to nothing"))
            })?;
            let location = crate::document::place(&self.root_field, pointer);
            let node = self.node(value, &location, 0)?;
            if let Some(place) = self.nodes.get_mut(slot.0) {
                *place = node;
            }
        }
        Ok(id)
    }

    pub fn finish(self) -> Tree {
        Tree { nodes: self.nodes }
    }

    pub(super) fn schema_at(
        &mut self,
        value: &Value,
        at: &str,
        depth: usize,
    ) -> Result<SchemaId, ConfigError> {
        self.schema(value, at, depth)
    }

    fn schema(&mut self, value: &Value, at: &str, depth: usize) -> Result<SchemaId, ConfigError> {
        let node = self.node(value, at, depth)?;
        Ok(self.push(node))
    }

    fn push(&mut self, node: Node) -> SchemaId {
        self.nodes.push(node);
        SchemaId(self.nodes.len() - 1)
    }

    fn node(&mut self, value: &Value, at: &str, depth: usize) -> Result<Node, ConfigError> {
        if depth > MAX_NESTING {
            return Err(ConfigError::new(at, "schema nested too deeply"));
        }
        match value {
            Value::Bool(true) => Ok(Node::Any),
            Value::Bool(false) => Ok(Node::Nothing),
            Value::Object(map) if map.is_empty() => Ok(Node::Any),
            Value::Object(map) => Ok(Node::Rules(Box::new(self.rules(map, at, depth + 1)?))),
            _ => Err(ConfigError::new(
                at,
                "must be a schema (an object or a boolean)",
            )),
        }
    }

    fn rules(&mut self, map: &Keywords, at: &str, depth: usize) -> Result<Rules, ConfigError> {
        Ok(Rules {
            types: read::types(map, at)?,
            reference: self.reference(map, at)?,
            allowed: read::values(map, "enum", at)?,
            constant: map.get("const").cloned(),
            read_only: read::flag(map, "readOnly", at)?,
            binary: read::is_binary(map),
            string: StringRules {
                url: self.url_policies.for_schema(map, at)?,
                ..read::string_rules(map, at)?
            },
            number: read::number_rules(map, at)?,
            array: self.array_rules(map, at, depth)?,
            object: self.object_rules(map, at, depth)?,
            composition: self.composition(map, at, depth)?,
            conditional: self.conditional(map, at, depth)?,
        })
    }

    /// A local `$ref`; its target must exist now, and is compiled once.
    fn reference(&mut self, map: &Keywords, at: &str) -> Result<Option<SchemaId>, ConfigError> {
        let Some(value) = map.get("$ref") else {
            return Ok(None);
        };
        let target = value
            .as_str()
            .ok_or_else(|| wrong(at, "$ref", "must be a string"))?;
        if let Some(id) = self.refs.get(target) {
            return Ok(Some(*id));
        }
        let pointer = target.strip_prefix('#').ok_or_else(|| {
            wrong(
                at,
                "$ref",
                format!("{target} is not a reference inside the document (#/...)"),
            )
        })?;
        if self.document.pointer(pointer).is_none() {
            return Err(wrong(at, "$ref", format!("{target} resolves to nothing")));
        }
        let id = self.push(Node::Nothing);
        self.refs.insert(target.to_string(), id);
        self.pending.push((target.to_string(), id));
        Ok(Some(id))
    }

    pub(super) fn optional(
        &mut self,
        map: &Keywords,
        key: &str,
        at: &str,
        depth: usize,
    ) -> Result<Option<SchemaId>, ConfigError> {
        map.get(key)
            .map(|value| self.schema(value, &format!("{at}.{key}"), depth))
            .transpose()
    }

    /// A keyword holding a non-empty list of schemas (`allOf`, `anyOf`, `oneOf`, `prefixItems`).
    fn list(
        &mut self,
        map: &Keywords,
        key: &str,
        at: &str,
        depth: usize,
    ) -> Result<Vec<SchemaId>, ConfigError> {
        let Some(value) = map.get(key) else {
            return Ok(Vec::new());
        };
        let list = value
            .as_array()
            .filter(|list| !list.is_empty())
            .ok_or_else(|| wrong(at, key, "must be a non-empty list of schemas"))?;
        list.iter()
            .enumerate()
            .map(|(i, item)| self.schema(item, &format!("{at}.{key}.{i}"), depth))
            .collect()
    }

    fn array_rules(
        &mut self,
        map: &Keywords,
        at: &str,
        depth: usize,
    ) -> Result<ArrayRules, ConfigError> {
        Ok(ArrayRules {
            prefix_items: self.list(map, "prefixItems", at, depth)?,
            items: self.optional(map, "items", at, depth)?,
            min_items: read::count(map, "minItems", at)?,
            max_items: read::count(map, "maxItems", at)?,
            unique_items: read::flag(map, "uniqueItems", at)?,
            contains: self.optional(map, "contains", at, depth)?,
            min_contains: read::count(map, "minContains", at)?,
            max_contains: read::count(map, "maxContains", at)?,
            unevaluated_items: self.optional(map, "unevaluatedItems", at, depth)?,
        })
    }

    fn object_rules(
        &mut self,
        map: &Keywords,
        at: &str,
        depth: usize,
    ) -> Result<ObjectRules, ConfigError> {
        let mut properties = BTreeMap::new();
        for (name, schema) in members(map, "properties", at)? {
            let id = self.schema(schema, &format!("{at}.properties.{name}"), depth)?;
            properties.insert(name.clone(), id);
        }
        let mut pattern_properties = Vec::new();
        for (pattern, schema) in members(map, "patternProperties", at)? {
            let place = format!("{at}.patternProperties.{pattern}");
            let regex = read::regex(pattern, &place)?;
            pattern_properties.push((regex, self.schema(schema, &place, depth)?));
        }
        let required = read::names(map, "required", at)?
            .into_iter()
            .filter(|name| !self.is_read_only(properties.get(name)))
            .collect();
        Ok(ObjectRules {
            additional: self.optional(map, "additionalProperties", at, depth)?,
            properties,
            pattern_properties,
            required,
            min_properties: read::count(map, "minProperties", at)?,
            max_properties: read::count(map, "maxProperties", at)?,
            property_names: self.optional(map, "propertyNames", at, depth)?,
            dependent_required: read::dependent_required(map, at)?,
            dependent_schemas: self.dependent_schemas(map, at, depth)?,
            unevaluated: self.optional(map, "unevaluatedProperties", at, depth)?,
        })
    }

    /// Whether a property's own schema says `readOnly: true` (one given through `$ref` is not
    /// looked into: its target may not be compiled yet).
    fn is_read_only(&self, id: Option<&SchemaId>) -> bool {
        matches!(id.and_then(|id| self.nodes.get(id.0)), Some(Node::Rules(rules)) if rules.read_only)
    }

    fn composition(
        &mut self,
        map: &Keywords,
        at: &str,
        depth: usize,
    ) -> Result<Composition, ConfigError> {
        Ok(Composition {
            all_of: self.list(map, "allOf", at, depth)?,
            any_of: self.list(map, "anyOf", at, depth)?,
            one_of: self.list(map, "oneOf", at, depth)?,
            not: self.optional(map, "not", at, depth)?,
        })
    }
}

/// The members of an object-valued keyword such as `properties`.
pub(super) fn members<'m>(
    map: &'m Keywords,
    key: &str,
    at: &str,
) -> Result<Vec<(&'m String, &'m Value)>, ConfigError> {
    match map.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Object(members)) => Ok(members.iter().collect()),
        Some(_) => Err(wrong(at, key, "must be an object of schemas")),
    }
}
