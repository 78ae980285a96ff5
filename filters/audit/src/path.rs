//! The request path as a record keeps it: nothing that commonly carries a secret.
//!
//! The query and fragment go (tokens, API keys); so do the parameters of every segment
//! (`;jsessionid=...`), each replaced by a bare `;` that still shows they were there. A `%3B`
//! counts as `;`, for upstreams that decode before splitting. The result is cut to the configured
//! length at a character boundary.

/// The path of `target` as recorded, at most `max` bytes.
pub fn recorded(target: &str, max: usize) -> String {
    let without_query = target.split(['?', '#']).next().unwrap_or_default();
    let mut out = String::with_capacity(without_query.len().min(max));
    for (i, segment) in without_query.split('/').enumerate() {
        // Stop early: everything beyond `max` is cut anyway.
        if out.len() > max {
            break;
        }
        if i > 0 {
            out.push('/');
        }
        match parameters_start(segment) {
            Some(at) => {
                out.push_str(segment.get(..at).unwrap_or_default());
                out.push(';');
            }
            None => out.push_str(segment),
        }
    }
    cut(out, max)
}

/// Where the segment's parameters start: its first `;` or `%3B` (either case).
fn parameters_start(segment: &str) -> Option<usize> {
    let semicolon = segment.find(';');
    // ASCII lowercasing keeps every byte where it was.
    let encoded = segment.to_ascii_lowercase().find("%3b");
    match (semicolon, encoded) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `text` cut at a character boundary to at most `max` bytes.
fn cut(mut text: String, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}
