//! `multipart/form-data` (RFC 7578 over RFC 2046) split into parts, strictly: the body opens
//! with the first delimiter (no preamble), lines end in CRLF, each part has exactly one
//! `Content-Disposition: form-data; name="…"`, at most one `Content-Type`, no other header but
//! a no-op `Content-Transfer-Encoding`, and nothing but an optional CRLF follows the close
//! delimiter. Whatever two parsers could split differently is refused.

use super::MultipartLimits;
use crate::media::MediaType;

/// One part: its name, optional content type, and its bytes (a file name is accepted and not
/// needed).
#[derive(Debug)]
pub struct Part<'b> {
    pub name: String,
    pub content_type: Option<MediaType>,
    pub data: &'b [u8],
}

/// Why a multipart body was refused.
pub type Malformed = &'static str;

pub fn parse<'b>(
    body: &'b [u8],
    boundary: &str,
    limits: &MultipartLimits,
) -> Result<Vec<Part<'b>>, Malformed> {
    let opening = format!("--{boundary}\r\n");
    let delimiter = format!("\r\n--{boundary}");
    let mut rest = body
        .strip_prefix(opening.as_bytes())
        .ok_or("the body must open with the boundary delimiter")?;
    let mut parts = Vec::new();
    loop {
        let end = find(rest, delimiter.as_bytes()).ok_or("a part has no closing delimiter")?;
        let (part, after) = rest.split_at(end);
        if parts.len() == limits.max_parts {
            return Err("too many parts");
        }
        parts.push(read_part(part, limits)?);
        let after = after.get(delimiter.len()..).unwrap_or_default();
        if let Some(epilogue) = after.strip_prefix(b"--") {
            if epilogue.is_empty() || epilogue == b"\r\n" {
                return Ok(parts);
            }
            return Err("data after the closing delimiter");
        }
        rest = after
            .strip_prefix(b"\r\n")
            .ok_or("the delimiter must end its line")?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn read_part<'b>(part: &'b [u8], limits: &MultipartLimits) -> Result<Part<'b>, Malformed> {
    let split = find(part, b"\r\n\r\n");
    let (head, data) = match split {
        Some(at) => (
            part.get(..at).unwrap_or_default(),
            part.get(at + 4..).unwrap_or_default(),
        ),
        None => return Err("a part has no header section"),
    };
    if head.len() > limits.max_header_bytes {
        return Err("part headers too long");
    }
    if data.len() > limits.max_part_bytes {
        return Err("a part is larger than the limit");
    }
    let head = std::str::from_utf8(head).map_err(|_| "part headers must be ASCII")?;
    if !head.is_ascii() || head.contains('\0') {
        return Err("part headers must be ASCII");
    }
    let mut disposition = None;
    let mut content_type = None;
    let mut coding = None;
    for line in head.split("\r\n") {
        let (name, value) = line.split_once(':').ok_or("malformed part header")?;
        if name.is_empty() || name.contains([' ', '\t', '\n', '\r']) || value.contains(['\n', '\r'])
        {
            return Err("malformed part header");
        }
        let slot = match name.to_ascii_lowercase().as_str() {
            "content-disposition" => &mut disposition,
            "content-type" => &mut content_type,
            "content-transfer-encoding" => &mut coding,
            _ => return Err("part header not allowed in form data"),
        };
        if slot.replace(value.trim_matches([' ', '\t'])).is_some() {
            return Err("part header repeated");
        }
    }
    if coding
        .is_some_and(|c| !["7bit", "8bit", "binary"].contains(&c.to_ascii_lowercase().as_str()))
    {
        return Err("content transfer encodings are not accepted");
    }
    let name = disposition_of(disposition.ok_or("a part has no Content-Disposition")?)?;
    let content_type = content_type
        .map(|text| MediaType::parse(text).map_err(|_| "malformed part Content-Type"))
        .transpose()?;
    Ok(Part {
        name,
        content_type,
        data,
    })
}

/// `form-data; name="field"; filename="a.txt"`: the name.
fn disposition_of(text: &str) -> Result<String, Malformed> {
    const BAD: Malformed = "malformed Content-Disposition";
    let mut pieces = text.split(';');
    let kind = pieces.next().unwrap_or_default().trim();
    if !kind.eq_ignore_ascii_case("form-data") {
        return Err("a part's disposition must be form-data");
    }
    let (mut name, mut filename) = (None, None);
    for piece in pieces {
        let (key, value) = piece.trim().split_once('=').ok_or(BAD)?;
        let value = match value.strip_prefix('"') {
            Some(quoted) => quoted
                .strip_suffix('"')
                .filter(|v| !v.contains(['"', '\\']))
                .ok_or(BAD)?,
            None if !value.is_empty() && !value.contains(['"', ' ', '\\']) => value,
            None => return Err(BAD),
        };
        let slot = match key.to_ascii_lowercase().as_str() {
            "name" => &mut name,
            "filename" => &mut filename,
            // `filename*` and others: two spellings of one name invite two readings.
            _ => return Err("Content-Disposition parameter not accepted"),
        };
        if slot.replace(value.to_string()).is_some() {
            return Err(BAD);
        }
    }
    name.filter(|n| !n.is_empty()).ok_or("a part has no name")
}

/// The `boundary` parameter: 1 to 70 characters of RFC 2046's set, not ending in a space.
pub fn boundary(media: &MediaType) -> Result<String, Malformed> {
    let boundary = media
        .parameter("boundary")
        .ok_or("multipart boundary missing")?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=? ".contains(c);
    if boundary.is_empty()
        || boundary.len() > 70
        || boundary.ends_with(' ')
        || !boundary.chars().all(allowed)
    {
        return Err("multipart boundary malformed");
    }
    Ok(boundary.to_string())
}
