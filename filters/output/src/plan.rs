//! Pruning plans: what a response schema lets through, compiled once at configure time.
//!
//! A plan is a graph of [`Node`]s in one arena. A node stands for a set of schemas that apply to
//! the same place in a document (a `$ref` and its target, the branches of `allOf`, `anyOf` and
//! `oneOf`), merged by union: a property declared by any of them is declared. Nodes are keyed by
//! the JSON pointers of the schemas they merge, so a schema that refers to itself (a tree) gives
//! a cycle in the graph instead of endless compilation.
//!
//! What a node lets through, when the value at its place is
//! - an object: the declared properties (each pruned by its own node), other properties only when
//!   some schema allows them with `additionalProperties` (or `unevaluatedProperties`) `true` or a
//!   schema. Absent `additionalProperties` removes undeclared properties: that is the point.
//! - an array: every item, pruned by the node of the schemas' `items` and `prefixItems` merged.
//! - anything, untouched, when one of the schemas merged as alternatives allows any value (`true`,
//!   `{}`, a schema with only annotations such as `description`). An `allOf` branch or `$ref`
//!   target alone does not: `allOf: [{$ref: X}, {description: ..}]` prunes by `X`.
//!
//! A schema that constrains a value but declares no `properties` or `items` lets no property
//! through below it. Properties marked `writeOnly` are removed from responses.

mod schema;

pub use schema::{escape, ref_pointer};

use schema::{children, collect_properties, flatten, is_write_only, keeps_all, prefix_items};
use schema::{EXTRA_KEYWORDS, KEEP_ALL_BUDGET};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Index of a node in its [`Plans`] arena.
pub type NodeId = usize;

/// Most nodes one configuration may compile to; a bound on pathological documents.
pub const MAX_NODES: usize = 4096;

/// What one place in a document lets through.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Node {
    /// Some schema here constrains nothing: the value is kept whole.
    pub keeps_all: bool,
    /// Some schema here is `writeOnly`: the property is removed from responses.
    pub write_only: bool,
    /// Declared properties and the node that prunes each.
    pub properties: BTreeMap<String, NodeId>,
    /// Node for undeclared properties; `None` removes them.
    pub extras: Option<NodeId>,
    /// Node for array items.
    pub items: NodeId,
}

impl Node {
    /// The node that prunes the value of property `name`, or `None` when it is to be removed.
    pub fn property(&self, name: &str) -> Option<NodeId> {
        self.properties.get(name).copied().or(self.extras)
    }
}

/// Every compiled node; response plans hold indexes into it.
#[derive(Debug, Clone, Default)]
pub struct Plans {
    nodes: Vec<Node>,
}

impl Plans {
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// Compiles schemas of one document into one arena; shared schemas compile once.
pub struct Compiler<'d> {
    document: &'d Value,
    plans: Plans,
    memo: BTreeMap<(bool, BTreeSet<String>), NodeId>,
    pending: Vec<(NodeId, BTreeSet<String>)>,
}

impl<'d> Compiler<'d> {
    pub fn new(document: &'d Value) -> Self {
        Compiler {
            document,
            plans: Plans::default(),
            memo: BTreeMap::new(),
            pending: Vec::new(),
        }
    }

    /// Compiles the schema at `pointer` (and everything below it); errors name the schema.
    pub fn compile(&mut self, pointer: &str) -> Result<NodeId, String> {
        let root = self.intern(vec![pointer.to_string()])?;
        while let Some((id, members)) = self.pending.pop() {
            let node = self.build(id, &members)?;
            if let Some(slot) = self.plans.nodes.get_mut(id) {
                *slot = node;
            }
        }
        Ok(root)
    }

    pub fn finish(self) -> Plans {
        self.plans
    }

    /// The node for a set of schemas, created (and queued for building) on first sight.
    fn intern(&mut self, pointers: Vec<String>) -> Result<NodeId, String> {
        let keeps_all = pointers.iter().any(|p| {
            let mut budget = KEEP_ALL_BUDGET;
            keeps_all(self.document, p, &mut budget)
        });
        let members = flatten(self.document, pointers)?;
        let key = (keeps_all, members);
        if let Some(id) = self.memo.get(&key) {
            return Ok(*id);
        }
        if self.plans.nodes.len() >= MAX_NODES {
            return Err(format!(
                "response schemas need more than {MAX_NODES} plan nodes"
            ));
        }
        let id = self.plans.nodes.len();
        let (_, members) = key;
        self.plans.nodes.push(Node {
            keeps_all,
            write_only: members
                .iter()
                .any(|p| self.at(p).is_some_and(is_write_only)),
            ..Node::default()
        });
        self.memo.insert((keeps_all, members.clone()), id);
        // A node that keeps its value whole never looks at its children.
        if !keeps_all {
            self.pending.push((id, members));
        }
        Ok(id)
    }

    /// Fills in a node's children from the schemas it merges.
    fn build(&mut self, id: NodeId, members: &BTreeSet<String>) -> Result<Node, String> {
        let mut node = self.plans.node(id).cloned().unwrap_or_default();
        let mut declared: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut extras = Vec::new();
        let mut items = Vec::new();
        for pointer in members {
            let Some(Value::Object(schema)) = self.at(pointer) else {
                continue;
            };
            if schema.contains_key("patternProperties") {
                return Err(format!(
                    "schema {pointer} uses patternProperties, which the output filter cannot \
                     apply; declare the properties or additionalProperties instead"
                ));
            }
            collect_properties(schema, pointer, &mut declared);
            extras.extend(children(schema, pointer, &EXTRA_KEYWORDS));
            items.extend(children(schema, pointer, &["items"]));
            items.extend(prefix_items(schema, pointer));
        }
        for (name, pointers) in declared {
            let id = self.intern(pointers)?;
            node.properties.insert(name, id);
        }
        node.extras = match extras.is_empty() {
            true => None,
            false => Some(self.intern(extras)?),
        };
        node.items = self.intern(items)?;
        Ok(node)
    }

    fn at(&self, pointer: &str) -> Option<&'d Value> {
        self.document.pointer(pointer)
    }
}
