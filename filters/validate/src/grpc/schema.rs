//! The descriptor set compiled into lookup tables: methods by path, messages and enums by
//! index, every type name resolved once.

use super::descriptor::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto,
    FileDescriptorSet,
};
use palisade_shared::config::ConfigError;
use prost::Message;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A field's declared type, as the wire check needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Bool,
    Enum(usize),
    Int32,
    Uint32,
    Sint32,
    /// `int64`, `uint64`, `sint64`: every varint fits.
    Varint64,
    Fixed32,
    Fixed64,
    Str,
    Bytes,
    Message(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRule {
    pub name: String,
    pub kind: FieldKind,
    pub repeated: bool,
    pub oneof: Option<i32>,
}

#[derive(Debug, Default)]
pub struct MessageRule {
    pub fields: BTreeMap<u32, FieldRule>,
    /// proto2 `required` fields.
    pub required: Vec<u32>,
}

/// A method's request message and streaming shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    pub input: usize,
    pub client_streaming: bool,
    pub server_streaming: bool,
}

/// Every method by its HTTP/2 path (`/package.Service/Method`), and every message and enum.
#[derive(Debug, Default)]
pub struct Schema {
    pub methods: BTreeMap<String, Method>,
    pub messages: Vec<MessageRule>,
    pub enums: Vec<BTreeSet<i32>>,
}

const LABEL_REQUIRED: i32 = 2;
const LABEL_REPEATED: i32 = 3;
const LARGEST_FIELD_NUMBER: i32 = (1 << 29) - 1;

/// Type names (`.package.Outer.Inner`) to their index in the schema.
#[derive(Default)]
struct Names<'s> {
    messages: HashMap<String, (usize, &'s DescriptorProto)>,
    enums: HashMap<String, usize>,
}

impl Schema {
    /// Compiles a decoded set; `at` names the configuration field for errors.
    pub fn compile(bytes: &[u8], at: &str) -> Result<Schema, ConfigError> {
        let set = FileDescriptorSet::decode(bytes)
            .map_err(|_| ConfigError::new(at, "is not a FileDescriptorSet"))?;
        let mut names = Names::default();
        let mut schema = Schema::default();
        for file in &set.file {
            let scope = file.package.as_deref().map(|p| format!(".{p}"));
            let (messages, enums) = (&file.message_type, &file.enum_type);
            names.collect(&mut schema, &scope.unwrap_or_default(), messages, enums, at)?;
        }
        let mut messages: Vec<(usize, &DescriptorProto)> =
            names.messages.values().copied().collect();
        messages.sort_by_key(|(index, _)| *index);
        for (index, message) in messages {
            let rule = compile_message(message, &names, at)?;
            if let Some(slot) = schema.messages.get_mut(index) {
                *slot = rule;
            }
        }
        for file in &set.file {
            schema.add_methods(file, &names, at)?;
        }
        if schema.methods.is_empty() {
            return Err(ConfigError::new(at, "declares no service method"));
        }
        Ok(schema)
    }

    /// Every method of the file's services, by path, with its request message resolved.
    fn add_methods(
        &mut self,
        file: &FileDescriptorProto,
        names: &Names<'_>,
        at: &str,
    ) -> Result<(), ConfigError> {
        let package = file.package.as_deref().map(|p| format!("{p}."));
        let package = package.unwrap_or_default();
        for service in &file.service {
            let service_name = service.name.as_deref().unwrap_or_default();
            for method in &service.method {
                let method_name = method.name.as_deref().unwrap_or_default();
                let path = format!("/{package}{service_name}/{method_name}");
                let input = method.input_type.as_deref().unwrap_or_default();
                let (input, _) = names.messages.get(input).copied().ok_or_else(|| {
                    ConfigError::new(at, format!("method {path} takes an unknown type"))
                })?;
                let method = Method {
                    input,
                    client_streaming: method.client_streaming.unwrap_or(false),
                    server_streaming: method.server_streaming.unwrap_or(false),
                };
                self.methods.insert(path, method);
            }
        }
        Ok(())
    }
}

impl<'s> Names<'s> {
    /// Gives every message and enum in `scope` (recursively) its index.
    fn collect(
        &mut self,
        schema: &mut Schema,
        scope: &str,
        messages: &'s [DescriptorProto],
        enums: &'s [EnumDescriptorProto],
        at: &str,
    ) -> Result<(), ConfigError> {
        for declared in enums {
            let name = format!("{scope}.{}", declared.name.as_deref().unwrap_or_default());
            let values = declared.value.iter().filter_map(|v| v.number).collect();
            schema.enums.push(values);
            if self
                .enums
                .insert(name.clone(), schema.enums.len() - 1)
                .is_some()
            {
                return Err(ConfigError::new(
                    at,
                    format!("type {name} is declared twice"),
                ));
            }
        }
        for message in messages {
            let name = format!("{scope}.{}", message.name.as_deref().unwrap_or_default());
            schema.messages.push(MessageRule::default());
            let index = schema.messages.len() - 1;
            if self
                .messages
                .insert(name.clone(), (index, message))
                .is_some()
            {
                return Err(ConfigError::new(
                    at,
                    format!("type {name} is declared twice"),
                ));
            }
            self.collect(schema, &name, &message.nested_type, &message.enum_type, at)?;
        }
        Ok(())
    }
}

fn compile_message(
    message: &DescriptorProto,
    names: &Names<'_>,
    at: &str,
) -> Result<MessageRule, ConfigError> {
    let mut rule = MessageRule::default();
    for field in &message.field {
        let name = field.name.clone().unwrap_or_default();
        let number = field.number.unwrap_or(0);
        if !(1..=LARGEST_FIELD_NUMBER).contains(&number) {
            return Err(ConfigError::new(
                at,
                format!("field {name} has no valid number"),
            ));
        }
        let kind = field_kind(field, names).ok_or_else(|| {
            ConfigError::new(
                at,
                format!("field {name} has a type this filter cannot check"),
            )
        })?;
        let label = field.label.unwrap_or(1);
        let number = number as u32;
        if label == LABEL_REQUIRED {
            rule.required.push(number);
        }
        let field_rule = FieldRule {
            name: name.clone(),
            kind,
            repeated: label == LABEL_REPEATED,
            oneof: field.oneof_index,
        };
        if rule.fields.insert(number, field_rule).is_some() {
            return Err(ConfigError::new(
                at,
                format!("field number of {name} is used twice"),
            ));
        }
    }
    Ok(rule)
}

/// The kind for a declared type; `None` for groups and unknown types.
fn field_kind(field: &FieldDescriptorProto, names: &Names<'_>) -> Option<FieldKind> {
    let type_name = field.type_name.as_deref().unwrap_or_default();
    let kind = match field.r#type? {
        1 | 6 | 16 => FieldKind::Fixed64,
        2 | 7 | 15 => FieldKind::Fixed32,
        3 | 4 | 18 => FieldKind::Varint64,
        5 => FieldKind::Int32,
        8 => FieldKind::Bool,
        9 => FieldKind::Str,
        11 => FieldKind::Message(names.messages.get(type_name)?.0),
        12 => FieldKind::Bytes,
        13 => FieldKind::Uint32,
        14 => FieldKind::Enum(*names.enums.get(type_name)?),
        17 => FieldKind::Sint32,
        _ => return None,
    };
    Some(kind)
}
