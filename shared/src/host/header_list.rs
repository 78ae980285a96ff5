//! A header map read in one host call, kept as the host encoded it.
//!
//! The ABI hands a map over as one buffer: a count, a (name length, value length) pair per
//! header, then each name and value followed by a NUL. [`HeaderList`] keeps that buffer and
//! where each name and value lies in it, so a filter reads every header without one allocation
//! per name and value. Text that is not UTF-8 is replaced lossily (U+FFFD), which later checks
//! refuse; a malformed buffer yields the headers read before the fault.

use std::ops::Range;

/// The headers of one map, in the host's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderList {
    /// The host's buffer, with lossily repaired copies of non-UTF-8 names and values appended.
    bytes: Vec<u8>,
    /// Where each header's name and value lie in `bytes`; every range is UTF-8.
    spans: Vec<(Range<usize>, Range<usize>)>,
}

impl HeaderList {
    /// Reads the ABI's map encoding.
    pub fn decode(bytes: Vec<u8>) -> Self {
        let mut spans = layout(&bytes);
        let mut list = HeaderList {
            bytes,
            spans: Vec::new(),
        };
        // A repair appends to the buffer; its span is redirected in place.
        for (name, value) in &mut spans {
            *name = list.utf8(name.clone());
            *value = list.utf8(value.clone());
        }
        list.spans = spans;
        list
    }

    /// A list holding `pairs` (unit tests, and hosts that keep headers as pairs).
    pub fn from_pairs<N: AsRef<str>, V: AsRef<str>>(pairs: &[(N, V)]) -> Self {
        let mut list = HeaderList::default();
        for (name, value) in pairs {
            let name = list.append(name.as_ref().as_bytes());
            let value = list.append(value.as_ref().as_bytes());
            list.spans.push((name, value));
        }
        list
    }

    /// Every header as borrowed `(name, value)` pairs.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.spans
            .iter()
            .map(|(name, value)| (self.text(name), self.text(value)))
            .collect()
    }

    /// Every header as owned pairs.
    pub fn to_owned_pairs(&self) -> Vec<(String, String)> {
        self.spans
            .iter()
            .map(|(name, value)| (self.text(name).to_string(), self.text(value).to_string()))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// `range` when it is UTF-8; else the range of a repaired copy appended to the buffer.
    fn utf8(&mut self, range: Range<usize>) -> Range<usize> {
        let raw = self.bytes.get(range.clone()).unwrap_or_default();
        match String::from_utf8_lossy(raw) {
            std::borrow::Cow::Borrowed(_) => range,
            std::borrow::Cow::Owned(repaired) => self.append(repaired.as_bytes()),
        }
    }

    fn append(&mut self, text: &[u8]) -> Range<usize> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(text);
        start..self.bytes.len()
    }

    /// The text of a range that [`decode`](Self::decode) or `append` checked.
    fn text(&self, range: &Range<usize>) -> &str {
        self.bytes
            .get(range.clone())
            .and_then(|raw| std::str::from_utf8(raw).ok())
            .unwrap_or_default()
    }
}

/// The header count the buffer declares, bounded by what the buffer could hold (each header
/// takes at least 10 bytes: two lengths and two NULs).
fn declared_count(bytes: &[u8]) -> usize {
    word(bytes, 0).map_or(0, |count| count.min(bytes.len() / 10))
}

fn word(bytes: &[u8], at: usize) -> Option<usize> {
    let chunk: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(chunk) as usize)
}

/// Where each name and value lies, up to the first length that runs past the buffer.
fn layout(bytes: &[u8]) -> Vec<(Range<usize>, Range<usize>)> {
    let count = word(bytes, 0).unwrap_or(0);
    let mut spans = Vec::with_capacity(declared_count(bytes));
    let mut at = count.saturating_mul(8).saturating_add(4);
    for n in 0..count {
        let lengths = n
            .checked_mul(8)
            .and_then(|offset| Some((word(bytes, offset + 4)?, word(bytes, offset + 8)?)));
        let Some((name_len, value_len)) = lengths else {
            break;
        };
        let Some(name) = span(bytes, at, name_len) else {
            break;
        };
        let Some(value) = span(bytes, name.end + 1, value_len) else {
            break;
        };
        at = value.end + 1;
        spans.push((name, value));
    }
    spans
}

/// `len` bytes from `start`, when the buffer holds them.
fn span(bytes: &[u8], start: usize, len: usize) -> Option<Range<usize>> {
    let end = start.checked_add(len)?;
    (end <= bytes.len()).then_some(start..end)
}

#[cfg(test)]
#[path = "header_list_tests.rs"]
mod tests;
