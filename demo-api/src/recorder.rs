//! What reached the upstream: every request the service received, for tests to inspect at
//! `GET /__recorded` (and clear with `DELETE /__recorded`) on the API's own port.

use serde_json::{json, Value};

/// Keeps at most this many requests, dropping the oldest, so a benchmark cannot grow it forever.
const MAX_RECORDED: usize = 1000;

/// One received request as the service saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    /// The request target exactly as received, query included.
    pub path: String,
    /// Header names in lower case, in arrival order, duplicates kept.
    pub headers: Vec<(String, String)>,
    /// The body, lossily decoded as UTF-8.
    pub body: String,
}

impl RecordedRequest {
    fn to_json(&self) -> Value {
        let headers: Vec<Value> = self
            .headers
            .iter()
            .map(|(name, value)| json!([name, value]))
            .collect();
        json!({
            "method": self.method,
            "path": self.path,
            "headers": headers,
            "body": self.body,
        })
    }
}

/// A bounded log of received requests, oldest first.
#[derive(Debug, Default)]
pub struct Recorder {
    requests: Vec<RecordedRequest>,
}

impl Recorder {
    pub fn record(&mut self, request: RecordedRequest) {
        if self.requests.len() >= MAX_RECORDED {
            self.requests.remove(0);
        }
        self.requests.push(request);
    }

    pub fn clear(&mut self) {
        self.requests.clear();
    }

    pub fn to_json(&self) -> Value {
        let requests: Vec<Value> = self.requests.iter().map(RecordedRequest::to_json).collect();
        json!({ "requests": requests })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: path.into(),
            headers: vec![("x-a".into(), "1".into()), ("x-a".into(), "2".into())],
            body: String::new(),
        }
    }

    #[test]
    fn keeps_duplicate_headers_in_order() {
        let mut recorder = Recorder::default();
        recorder.record(request("/health"));
        let json = recorder.to_json();
        assert_eq!(
            json["requests"][0]["headers"],
            json!([["x-a", "1"], ["x-a", "2"]])
        );
    }

    #[test]
    fn drops_the_oldest_beyond_the_bound() {
        let mut recorder = Recorder::default();
        for n in 0..=MAX_RECORDED {
            recorder.record(request(&format!("/{n}")));
        }
        let json = recorder.to_json();
        assert_eq!(json["requests"].as_array().unwrap().len(), MAX_RECORDED);
        assert_eq!(json["requests"][0]["path"], "/1");
    }

    #[test]
    fn clear_empties_the_log() {
        let mut recorder = Recorder::default();
        recorder.record(request("/health"));
        recorder.clear();
        assert_eq!(recorder.to_json(), json!({"requests": []}));
    }
}
