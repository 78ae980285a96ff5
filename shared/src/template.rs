//! OpenAPI path templates (`/accounts/{accountId}`) matched against a canonical path.
//!
//! A parameter matches exactly one non-empty segment and so never captures a slash. A segment
//! may hold one parameter between a literal prefix and suffix (`/files/{name}.json`).

use crate::path::CanonicalPath;

/// Why a template string was refused at configuration time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param {
        prefix: String,
        name: String,
        suffix: String,
    },
}

/// A compiled path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    text: String,
    segments: Vec<Segment>,
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let rest = text
            .strip_prefix('/')
            .ok_or_else(|| TemplateError(format!("template {text} does not start with /")))?;
        if rest.is_empty() {
            return Ok(Template {
                text: text.to_string(),
                segments: Vec::new(),
            });
        }
        let segments = rest
            .split('/')
            .map(|raw| parse_segment(text, raw))
            .collect::<Result<Vec<_>, _>>()?;
        let mut names: Vec<&str> = segments.iter().filter_map(Segment::param_name).collect();
        names.sort_unstable();
        if names.windows(2).any(|pair| pair.first() == pair.get(1)) {
            return Err(TemplateError(format!(
                "template {text} repeats a parameter"
            )));
        }
        Ok(Template {
            text: text.to_string(),
            segments,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The parameter names in order of appearance.
    pub fn param_names(&self) -> Vec<&str> {
        self.segments
            .iter()
            .filter_map(Segment::param_name)
            .collect()
    }

    /// The captured parameters when the path matches; trailing slashes never match.
    pub fn matches(&self, path: &CanonicalPath) -> Option<Vec<(String, String)>> {
        if path.trailing_slash || path.segments.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, value) in self.segments.iter().zip(&path.segments) {
            match segment {
                Segment::Literal(literal) if literal == value => {}
                Segment::Literal(_) => return None,
                Segment::Param {
                    prefix,
                    name,
                    suffix,
                } => {
                    let inner = value.strip_prefix(prefix.as_str())?;
                    let inner = inner.strip_suffix(suffix.as_str())?;
                    if inner.is_empty() {
                        return None;
                    }
                    params.push((name.clone(), inner.to_string()));
                }
            }
        }
        Some(params)
    }

    /// Sort key: templates with literals earlier in the path win (OpenAPI: concrete first).
    pub fn specificity(&self) -> Vec<u8> {
        self.segments
            .iter()
            .map(|segment| match segment {
                Segment::Literal(_) => 0,
                Segment::Param { prefix, suffix, .. }
                    if !prefix.is_empty() || !suffix.is_empty() =>
                {
                    1
                }
                Segment::Param { .. } => 2,
            })
            .collect()
    }
}

impl Segment {
    fn param_name(&self) -> Option<&str> {
        match self {
            Segment::Param { name, .. } => Some(name),
            Segment::Literal(_) => None,
        }
    }
}

fn parse_segment(text: &str, raw: &str) -> Result<Segment, TemplateError> {
    let bad = |why: &str| TemplateError(format!("template {text}: {why}"));
    if raw.is_empty() {
        return Err(bad("empty segment"));
    }
    let Some(open) = raw.find('{') else {
        if raw.contains('}') {
            return Err(bad("unbalanced brace"));
        }
        return Ok(Segment::Literal(raw.to_string()));
    };
    let close = raw.find('}').ok_or_else(|| bad("unbalanced brace"))?;
    let prefix = raw.get(..open).unwrap_or_default();
    let name = raw
        .get(open + 1..close)
        .ok_or_else(|| bad("unbalanced brace"))?;
    let suffix = raw.get(close + 1..).unwrap_or_default();
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.';
    if name.is_empty() || !name.chars().all(is_name) {
        return Err(bad("bad parameter name"));
    }
    if suffix.contains(['{', '}']) || prefix.contains('}') {
        return Err(bad("more than one parameter in a segment"));
    }
    Ok(Segment::Param {
        prefix: prefix.to_string(),
        name: name.to_string(),
        suffix: suffix.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(target: &str) -> CanonicalPath {
        CanonicalPath::parse(target).unwrap()
    }

    #[test]
    fn captures_one_segment_per_parameter() {
        let template = Template::parse("/accounts/{accountId}/transfers/{id}").unwrap();
        let params = template
            .matches(&path("/accounts/a1/transfers/t%2D9"))
            .unwrap();
        assert_eq!(
            params,
            vec![
                ("accountId".to_string(), "a1".to_string()),
                ("id".to_string(), "t-9".to_string())
            ]
        );
    }

    #[test]
    fn never_matches_more_or_fewer_segments_or_a_trailing_slash() {
        let template = Template::parse("/accounts/{accountId}").unwrap();
        assert!(template.matches(&path("/accounts")).is_none());
        assert!(template.matches(&path("/accounts/a1/x")).is_none());
        assert!(template.matches(&path("/accounts/a1/")).is_none());
        assert!(template.matches(&path("/Accounts/a1")).is_none());
    }

    #[test]
    fn matches_prefix_and_suffix_around_a_parameter() {
        let template = Template::parse("/files/{name}.json").unwrap();
        assert_eq!(
            template.matches(&path("/files/report.json")),
            Some(vec![("name".to_string(), "report".to_string())])
        );
        assert!(template.matches(&path("/files/.json")).is_none());
        assert!(template.matches(&path("/files/report.xml")).is_none());
    }

    #[test]
    fn refuses_malformed_templates() {
        for text in [
            "accounts",
            "/a//b",
            "/a/{",
            "/a/{}",
            "/a/{x}{y}",
            "/a/{x}/{x}",
            "/a/b}",
        ] {
            assert!(Template::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn literal_segments_are_more_specific() {
        let me = Template::parse("/accounts/me").unwrap();
        let any = Template::parse("/accounts/{id}").unwrap();
        assert!(me.specificity() < any.specificity());
    }
}
