//! One protobuf message, in the wire format, against its declared message type.
//!
//! Every field must be declared (unknown fields are refused, not carried along), in the wire
//! type its declared type uses (packed encoding accepted for repeated numbers), with values in
//! range: `bool` 0 or 1, 32-bit integers within 32 bits, enums among their declared values,
//! strings UTF-8. A field that is not repeated may appear once (parsers would keep the last or
//! merge), one member per `oneof`, every proto2 `required` field present. Nested messages are
//! checked the same way, to a bounded depth. Groups (wire types 3 and 4) are refused.

use super::schema::{FieldKind, FieldRule, MessageRule, Schema};
use std::collections::{BTreeMap, BTreeSet};

/// Why a message was refused: the dotted field path and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub path: String,
    pub reason: &'static str,
}

const VARINT: u64 = 0;
const I64: u64 = 1;
const LEN: u64 = 2;
const I32: u64 = 5;

pub fn check(
    schema: &Schema,
    message: usize,
    bytes: &[u8],
    max_depth: usize,
) -> Result<(), WireError> {
    let mut checker = Checker {
        schema,
        max_depth,
        path: Vec::new(),
    };
    checker.message(message, bytes, 1)
}

struct Checker<'s> {
    schema: &'s Schema,
    max_depth: usize,
    path: Vec<String>,
}

/// Reads the wire format from the front of a byte slice.
struct Reader<'b>(&'b [u8]);

impl<'b> Reader<'b> {
    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let (byte, rest) = self.0.split_first()?;
            self.0 = rest;
            if shift == 63 && *byte > 1 {
                return None;
            }
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        let (taken, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(taken)
    }
}

impl Checker<'_> {
    fn fail(&self, reason: &'static str) -> WireError {
        WireError {
            path: self.path.join("."),
            reason,
        }
    }

    fn message(&mut self, id: usize, bytes: &[u8], depth: usize) -> Result<(), WireError> {
        if depth > self.max_depth {
            return Err(self.fail("messages nest too deeply"));
        }
        let rule = self
            .schema
            .messages
            .get(id)
            .ok_or_else(|| self.fail("unknown message"))?;
        let mut reader = Reader(bytes);
        let mut seen = BTreeSet::new();
        let mut oneofs = BTreeMap::new();
        while !reader.0.is_empty() {
            let key = reader
                .varint()
                .ok_or_else(|| self.fail("truncated field key"))?;
            let number =
                u32::try_from(key >> 3).map_err(|_| self.fail("field number out of range"))?;
            let field = rule
                .fields
                .get(&number)
                .ok_or_else(|| self.fail("unknown field"))?;
            self.path.push(field.name.clone());
            self.field(field, key & 7, &mut reader, depth)?;
            if !field.repeated && !seen.insert(number) {
                return Err(self.fail("appears more than once"));
            }
            if let Some(oneof) = field.oneof {
                if oneofs
                    .insert(oneof, number)
                    .is_some_and(|other| other != number)
                {
                    return Err(self.fail("a second member of the same oneof"));
                }
            }
            self.path.pop();
        }
        self.check_required(rule, &seen)
    }

    fn check_required(
        &mut self,
        rule: &MessageRule,
        seen: &BTreeSet<u32>,
    ) -> Result<(), WireError> {
        match rule.required.iter().find(|number| !seen.contains(number)) {
            Some(number) => {
                let name = rule
                    .fields
                    .get(number)
                    .map(|f| f.name.clone())
                    .unwrap_or_default();
                self.path.push(name);
                Err(self.fail("required field is missing"))
            }
            None => Ok(()),
        }
    }

    fn field(
        &mut self,
        field: &FieldRule,
        wire: u64,
        reader: &mut Reader<'_>,
        depth: usize,
    ) -> Result<(), WireError> {
        match (wire, field.kind) {
            (VARINT, kind) if is_varint(kind) => {
                let value = reader
                    .varint()
                    .ok_or_else(|| self.fail("truncated varint"))?;
                self.varint_value(kind, value)
            }
            (I64, FieldKind::Fixed64) => reader
                .take(8)
                .map(drop)
                .ok_or_else(|| self.fail("truncated")),
            (I32, FieldKind::Fixed32) => reader
                .take(4)
                .map(drop)
                .ok_or_else(|| self.fail("truncated")),
            (LEN, kind) => {
                let length = reader.varint().and_then(|n| usize::try_from(n).ok());
                let bytes = length
                    .and_then(|n| reader.take(n))
                    .ok_or_else(|| self.fail("truncated"))?;
                self.delimited(field, kind, bytes, depth)
            }
            (3 | 4, _) => Err(self.fail("groups are not accepted")),
            _ => Err(self.fail("wire type does not match the declared type")),
        }
    }

    fn delimited(
        &mut self,
        field: &FieldRule,
        kind: FieldKind,
        bytes: &[u8],
        depth: usize,
    ) -> Result<(), WireError> {
        match kind {
            FieldKind::Str => std::str::from_utf8(bytes)
                .map(drop)
                .map_err(|_| self.fail("not UTF-8")),
            FieldKind::Bytes => Ok(()),
            FieldKind::Message(id) => self.message(id, bytes, depth + 1),
            _ if field.repeated => self.packed(kind, bytes),
            _ => Err(self.fail("wire type does not match the declared type")),
        }
    }

    /// A packed run of numbers: varints to the last byte, or whole 4- or 8-byte values.
    fn packed(&mut self, kind: FieldKind, bytes: &[u8]) -> Result<(), WireError> {
        let width = match kind {
            FieldKind::Fixed32 => 4,
            FieldKind::Fixed64 => 8,
            _ => 0,
        };
        if width > 0 {
            return match bytes.len() % width {
                0 => Ok(()),
                _ => Err(self.fail("packed values cut short")),
            };
        }
        let mut reader = Reader(bytes);
        while !reader.0.is_empty() {
            let value = reader
                .varint()
                .ok_or_else(|| self.fail("packed values cut short"))?;
            self.varint_value(kind, value)?;
        }
        Ok(())
    }

    fn varint_value(&self, kind: FieldKind, value: u64) -> Result<(), WireError> {
        let signed = value as i64;
        let fits = match kind {
            FieldKind::Bool => value <= 1,
            FieldKind::Int32 => i32::try_from(signed).is_ok(),
            FieldKind::Uint32 | FieldKind::Sint32 => u32::try_from(value).is_ok(),
            FieldKind::Enum(id) => i32::try_from(signed).ok().is_some_and(|n| {
                self.schema
                    .enums
                    .get(id)
                    .is_some_and(|values| values.contains(&n))
            }),
            _ => true,
        };
        if fits {
            Ok(())
        } else {
            Err(self.fail("value out of range for the declared type"))
        }
    }
}

fn is_varint(kind: FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Bool
            | FieldKind::Enum(_)
            | FieldKind::Int32
            | FieldKind::Uint32
            | FieldKind::Sint32
            | FieldKind::Varint64
    )
}
