//! What a compiled schema says about the shape of a value, for reading text (parameters, form
//! fields, multipart parts) into JSON values before validating them: the types admitted, the
//! schema of array items and of each member. `$ref`, `allOf`, `anyOf` and `oneOf` are looked
//! through; the answer guides reading only, the validator still judges the value.

use super::rules::{Node, Rules, SchemaId, Types};
use super::Tree;

/// How deep `$ref`s and composition are followed when reading a shape.
const MAX_HOPS: usize = 16;

/// The reading guide for one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shape {
    /// `None`: the schema does not constrain the type.
    pub types: Option<Types>,
    pub binary: bool,
}

/// What a serialised value is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Primitive,
    Array,
    Object,
}

impl Shape {
    /// An array or object when the schema admits only that; anything else is read as one
    /// primitive value and left to the validator.
    pub fn category(self) -> Category {
        let primitives = Types::STRING
            .with(Types::NUMBER)
            .with(Types::INTEGER)
            .with(Types::BOOLEAN);
        match self.types {
            Some(t) if t.has(Types::ARRAY) && !t.has(primitives.with(Types::OBJECT)) => {
                Category::Array
            }
            Some(t) if t.has(Types::OBJECT) && !t.has(primitives.with(Types::ARRAY)) => {
                Category::Object
            }
            _ => Category::Primitive,
        }
    }
}

impl Tree {
    pub fn shape(&self, id: SchemaId) -> Shape {
        Shape {
            types: self.types_of(id, 0),
            binary: self
                .find(id, 0, &mut |rules| rules.binary.then_some(()))
                .is_some(),
        }
    }

    /// The schema of an array's items.
    pub fn items_of(&self, id: SchemaId) -> Option<SchemaId> {
        self.find(id, 0, &mut |rules| rules.array.items)
    }

    /// The schema `properties` declares for a member called `name`.
    pub fn declared_member(&self, id: SchemaId, name: &str) -> Option<SchemaId> {
        self.find(id, 0, &mut |rules| {
            rules.object.properties.get(name).copied()
        })
    }

    /// The schema a member called `name` is validated against.
    pub fn member_of(&self, id: SchemaId, name: &str) -> Option<SchemaId> {
        self.find(id, 0, &mut |rules| {
            rules.object.properties.get(name).copied()
        })
        .or_else(|| {
            self.find(id, 0, &mut |rules| {
                let patterned = rules.object.pattern_properties.iter();
                patterned
                    .filter(|(pattern, _)| pattern.is_match(name))
                    .map(|(_, schema)| *schema)
                    .next()
                    .or(rules.object.additional)
                    .or(rules.object.unevaluated)
            })
        })
    }

    /// The first answer `pick` gives on the node or the schemas it applies in place.
    fn find<T>(
        &self,
        id: SchemaId,
        hops: usize,
        pick: &mut dyn FnMut(&Rules) -> Option<T>,
    ) -> Option<T> {
        let Some(Node::Rules(rules)) = self.node(id) else {
            return None;
        };
        if hops > MAX_HOPS {
            return None;
        }
        if let Some(found) = pick(rules) {
            return Some(found);
        }
        let composition = &rules.composition;
        let nested = rules.reference.iter().chain(&composition.all_of);
        let nested = nested.chain(&composition.any_of).chain(&composition.one_of);
        nested
            .copied()
            .find_map(|next| self.find(next, hops + 1, pick))
    }

    /// The types admitted: own `type` and `allOf` intersected, `anyOf`/`oneOf` united.
    fn types_of(&self, id: SchemaId, hops: usize) -> Option<Types> {
        let rules = match self.node(id) {
            Some(Node::Rules(rules)) if hops <= MAX_HOPS => rules,
            Some(Node::Nothing) => return Some(Types::default()),
            _ => return None,
        };
        let both = |a: Option<Types>, b: Option<Types>| match (a, b) {
            (Some(a), Some(b)) => Some(a.and(b)),
            (a, b) => a.or(b),
        };
        let mut types = rules.types;
        for next in rules.reference.iter().chain(&rules.composition.all_of) {
            types = both(types, self.types_of(*next, hops + 1));
        }
        for branches in [&rules.composition.any_of, &rules.composition.one_of] {
            if !branches.is_empty() {
                types = both(types, self.union_of(branches, hops));
            }
        }
        types
    }

    fn union_of(&self, branches: &[SchemaId], hops: usize) -> Option<Types> {
        let mut union = Types::default();
        for branch in branches {
            union = union.with(self.types_of(*branch, hops + 1)?);
        }
        Some(union)
    }
}
