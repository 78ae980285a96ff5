//! YAML text to a JSON value, for contracts written in YAML (read once, at configure time).
//!
//! Scalars are typed by YAML 1.2's core schema (`null`, `true`, integers, floats; quoted and
//! block scalars are strings); mapping keys are taken as written (`200:` is the key `"200"`).
//! Anchors and aliases are expanded within a node budget, so an alias bomb refuses the
//! configuration instead of taking the VM's memory. Duplicate keys, several documents in one
//! text, tags other than the core ones, and values JSON cannot hold (`.inf`, `.nan`) refuse it.

use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

/// Most values one document may expand to, aliases included.
const MAX_NODES: usize = 1_000_000;
/// Deepest nesting of mappings and sequences.
const MAX_DEPTH: usize = 128;

enum Frame {
    Sequence(Vec<Value>, usize),
    Mapping(Map<String, Value>, Option<String>, usize),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Value>,
    anchors: HashMap<usize, Value>,
    nodes: usize,
}

/// Parses one YAML document; the error says what and where (line and column).
pub fn parse(text: &str) -> Result<Value, String> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::default();
    loop {
        let (event, mark) = parser.next_token().map_err(|e| e.to_string())?;
        let at = |why: String| format!("line {} column {}: {why}", mark.line(), mark.col() + 1);
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart if builder.root.is_some() => {
                return Err(at("more than one YAML document".to_string()))
            }
            event => builder.event(event).map_err(at)?,
        }
    }
    builder
        .root
        .ok_or_else(|| "empty YAML document".to_string())
}

impl Builder {
    fn event(&mut self, event: Event) -> Result<(), String> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(Frame::Mapping(_, key @ None, _)) = self.stack.last_mut() {
                    *key = Some(text);
                    return Ok(());
                }
                let value = scalar(&text, style, tag.as_ref())?;
                self.finish(value, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(Frame::Sequence(Vec::new(), anchor), tag)
            }
            Event::MappingStart(anchor, tag) => {
                self.open(Frame::Mapping(Map::new(), None, anchor), tag)
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(id) => {
                let value = self.anchors.get(&id).cloned().ok_or("unknown alias")?;
                self.count(size(&value))?;
                self.finish(value, 0)
            }
            _ => Ok(()),
        }
    }

    fn open(&mut self, frame: Frame, tag: Option<Tag>) -> Result<(), String> {
        if tag.is_some() {
            return Err("tags on collections are not supported".to_string());
        }
        if let Some(Frame::Mapping(_, None, _)) = self.stack.last() {
            return Err("mapping keys must be scalars".to_string());
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err("nested too deeply".to_string());
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self) -> Result<(), String> {
        match self.stack.pop() {
            Some(Frame::Sequence(items, anchor)) => self.finish(Value::Array(items), anchor),
            Some(Frame::Mapping(members, None, anchor)) => {
                self.finish(Value::Object(members), anchor)
            }
            _ => Err("unbalanced collection".to_string()),
        }
    }

    /// Places a finished value in its parent (or as the document).
    fn finish(&mut self, value: Value, anchor: usize) -> Result<(), String> {
        self.count(1)?;
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Sequence(items, _)) => items.push(value),
            Some(Frame::Mapping(members, key, _)) => {
                let name = key.take().ok_or("mapping keys must be scalars")?;
                if members.contains_key(&name) {
                    return Err(format!("duplicate key {name:?}"));
                }
                members.insert(name, value);
            }
        }
        Ok(())
    }

    fn count(&mut self, nodes: usize) -> Result<(), String> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err("document expands to too many values (aliases)".to_string());
        }
        Ok(())
    }
}

fn size(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(size).sum::<usize>(),
        Value::Object(members) => 1 + members.values().map(size).sum::<usize>(),
        _ => 1,
    }
}

/// A scalar's value: plain scalars by the core schema, others as strings.
fn scalar(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    if let Some(tag) = tag {
        return tagged(text, tag);
    }
    if style != TScalarStyle::Plain {
        return Ok(Value::String(text.to_string()));
    }
    Ok(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => match number(text)? {
            Some(n) => Value::Number(n),
            None => Value::String(text.to_string()),
        },
    })
}

fn tagged(text: &str, tag: &Tag) -> Result<Value, String> {
    let core = tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:";
    match tag.suffix.as_str() {
        "str" if core => Ok(Value::String(text.to_string())),
        "null" | "bool" | "int" | "float" if core => scalar(text, TScalarStyle::Plain, None),
        _ => Err(format!("unsupported tag {}{}", tag.handle, tag.suffix)),
    }
}

/// A core-schema number; `None` when the text is not one.
fn number(text: &str) -> Result<Option<Number>, String> {
    let unsigned = text.trim_start_matches(['-', '+']);
    if let Some(hex) = text.strip_prefix("0x") {
        return Ok(u64::from_str_radix(hex, 16).ok().map(Number::from));
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return Ok(u64::from_str_radix(octal, 8).ok().map(Number::from));
    }
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN") {
        return Err("infinity and NaN have no JSON form".to_string());
    }
    let numeric = unsigned
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if !numeric {
        return Ok(None);
    }
    if let Ok(i) = text.parse::<i64>() {
        return Ok(Some(Number::from(i)));
    }
    if let Ok(u) = text.parse::<u64>() {
        return Ok(Some(Number::from(u)));
    }
    Ok(text.parse::<f64>().ok().and_then(Number::from_f64))
}

#[cfg(test)]
mod tests {
    use super::parse;
    use serde_json::json;

    #[test]
    fn reads_an_openapi_document() {
        let text = "openapi: 3.0.3\npaths:\n  /a/{id}:\n    get:\n      responses:\n        200:\n          description: ok\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: integer, maximum: 1e3, nullable: true}}\n        - name: q\n          in: query\n          schema: &s\n            type: string\n            enum: ['1', \"true\", null, yes]\n        - name: r\n          in: query\n          schema: *s\n";
        let value = parse(text).unwrap();
        let get = &value["paths"]["/a/{id}"]["get"];
        assert_eq!(value["openapi"], json!("3.0.3"));
        assert_eq!(get["responses"]["200"]["description"], "ok");
        assert_eq!(
            get["parameters"][0]["schema"],
            json!({"type": "integer", "maximum": 1000.0, "nullable": true})
        );
        assert_eq!(
            get["parameters"][1]["schema"]["enum"],
            json!(["1", "true", null, "yes"])
        );
        assert_eq!(
            get["parameters"][2]["schema"],
            get["parameters"][1]["schema"]
        );
    }

    #[test]
    fn refuses_what_json_cannot_hold_or_reads_ambiguously() {
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
        let cases = [
            ("a: 1\na: 2\n", "duplicate key"),
            ("a: 1\n---\nb: 2\n", "more than one"),
            ("a: !custom x\n", "unsupported tag"),
            ("a: .inf\n", "infinity"),
            ("? [a]\n: 1\n", "keys must be scalars"),
            ("a: [1\n", ""),
            ("", "empty"),
            (bomb, "too many values"),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
