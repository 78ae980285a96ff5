//! Just enough of the WebAssembly binary format to rewrite a module's export section.
//!
//! A module is the magic and version, then sections, each an id byte, a LEB128 size and its
//! bytes. The export section (id 7) is a LEB128 count of exports, each a name (LEB128 length
//! and UTF-8 bytes), a kind byte and a LEB128 index. Every other section is copied unchanged.

const HEADER: &[u8; 8] = b"\0asm\x01\0\0\0";
const EXPORT_SECTION: u8 = 7;

/// Why a module could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleError {
    NotWasm,
    Truncated,
    BadName,
}

impl std::fmt::Display for ModuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ModuleError::NotWasm => "not a WebAssembly 1.0 module",
            ModuleError::Truncated => "the module ends inside a section",
            ModuleError::BadName => "an export name is not UTF-8",
        })
    }
}

/// The module without the exports `remove` picks, and the names removed.
pub fn without_exports(
    module: &[u8],
    remove: impl Fn(&str) -> bool,
) -> Result<(Vec<u8>, Vec<String>), ModuleError> {
    let body = module.strip_prefix(HEADER).ok_or(ModuleError::NotWasm)?;
    let mut out = HEADER.to_vec();
    let mut removed = Vec::new();
    let mut reader = Reader { bytes: body, at: 0 };
    while !reader.done() {
        let id = reader.byte()?;
        let size = reader.leb()?;
        let section = reader.take(size)?;
        let section = match id {
            EXPORT_SECTION => exports_without(section, &remove, &mut removed)?,
            _ => section.to_vec(),
        };
        out.push(id);
        write_leb(&mut out, section.len());
        out.extend_from_slice(&section);
    }
    Ok((out, removed))
}

fn exports_without(
    section: &[u8],
    remove: &impl Fn(&str) -> bool,
    removed: &mut Vec<String>,
) -> Result<Vec<u8>, ModuleError> {
    let mut reader = Reader {
        bytes: section,
        at: 0,
    };
    let count = reader.leb()?;
    let mut kept = Vec::new();
    let mut kept_count = 0;
    for _ in 0..count {
        let start = reader.at;
        let length = reader.leb()?;
        let name = std::str::from_utf8(reader.take(length)?).map_err(|_| ModuleError::BadName)?;
        let name = name.to_string();
        reader.byte()?;
        reader.leb()?;
        if remove(&name) {
            removed.push(name);
        } else {
            kept.extend_from_slice(reader.bytes.get(start..reader.at).unwrap_or_default());
            kept_count += 1;
        }
    }
    let mut out = Vec::with_capacity(kept.len() + 5);
    write_leb(&mut out, kept_count);
    out.extend_from_slice(&kept);
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn byte(&mut self) -> Result<u8, ModuleError> {
        let byte = *self.bytes.get(self.at).ok_or(ModuleError::Truncated)?;
        self.at += 1;
        Ok(byte)
    }

    /// An unsigned LEB128 number of at most 32 bits.
    fn leb(&mut self) -> Result<usize, ModuleError> {
        let mut value = 0usize;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            value |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ModuleError::Truncated)
    }

    fn take(&mut self, length: usize) -> Result<&'a [u8], ModuleError> {
        let end = self.at.checked_add(length).ok_or(ModuleError::Truncated)?;
        let slice = self.bytes.get(self.at..end).ok_or(ModuleError::Truncated)?;
        self.at = end;
        Ok(slice)
    }
}

fn write_leb(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

#[cfg(test)]
#[path = "module_tests.rs"]
mod tests;
