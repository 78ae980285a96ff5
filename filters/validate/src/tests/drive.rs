//! Driving a [`Stream`] through the fake host as Envoy would, and what it left behind.

use super::settings_with;
use crate::settings::Settings;
use crate::stream::{Reaction, Step, Stream};
use palisade_shared::decision::Decision;
use palisade_shared::host::{FakeHost, SentResponse};
use serde_json::{json, Value};
use std::rc::Rc;

/// A valid `NewTransfer`.
pub const GOOD: &str = r#"{"from":"acc-1","to":"acc-2","amount":10.5,"currency":"EUR"}"#;

/// What the filter did with one request.
pub struct Seen {
    pub host: FakeHost,
    pub steps: Vec<Step>,
}

impl Seen {
    pub fn sent(&self) -> Option<SentResponse> {
        self.host.sent()
    }

    pub fn status(&self) -> Option<u32> {
        self.sent().map(|s| s.status)
    }

    pub fn decision(&self) -> Decision {
        Decision::load(&self.host, "validate").expect("a decision is recorded")
    }

    pub fn problem(&self) -> Value {
        self.sent().expect("a problem was sent").json()
    }

    pub fn first_pointer(&self) -> String {
        self.problem()["violations"][0]["pointer"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// Sends headers, then the body in `chunks` (the last ending the stream), as Envoy would.
pub fn send(settings: &Rc<Settings>, headers: &[(&str, &str)], chunks: &[&[u8]]) -> Seen {
    let host = FakeHost::with_request_headers(headers);
    let mut stream = Stream::new(Some(settings.clone()));
    let mut steps = Vec::new();
    let reaction = stream.on_request_headers(&host, chunks.is_empty());
    steps.push(reaction.step);
    let mut buffered: Vec<u8> = Vec::new();
    let mut settled = reaction.settled.is_some();
    for (i, chunk) in chunks.iter().enumerate() {
        if settled {
            break;
        }
        buffered.extend_from_slice(chunk);
        let copy = buffered.clone();
        let read = move |n: usize| Some(copy[..n.min(copy.len())].to_vec());
        let reaction: Reaction =
            stream.on_request_body(&host, buffered.len(), i + 1 == chunks.len(), &read);
        steps.push(reaction.step);
        settled = reaction.settled.is_some();
    }
    Seen { host, steps }
}

pub fn post_transfer(settings: &Rc<Settings>, content_type: Option<&str>, body: &[u8]) -> Seen {
    let length = body.len().to_string();
    let mut headers = vec![
        (":method", "POST"),
        (":path", "/transfers"),
        ("content-length", length.as_str()),
    ];
    if let Some(content_type) = content_type {
        headers.push(("content-type", content_type));
    }
    send(settings, &headers, &[body])
}

pub fn demo() -> Rc<Settings> {
    Rc::new(settings_with(json!({})))
}
