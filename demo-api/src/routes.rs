//! The API's operations (`schemas/demo-api.openapi.json`) as one pure dispatch function.
//!
//! There is deliberately no authorization here: the gateway in front is the only guard.

use serde_json::{json, Value};

use crate::store::Bank;

/// What the service answers, before the HTTP glue adds its leaky headers.
#[derive(Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<&'static str>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Self {
        Reply {
            status,
            content_type: Some("application/json"),
            body: value.to_string(),
        }
    }

    fn empty(status: u16) -> Self {
        Reply {
            status,
            content_type: None,
            body: String::new(),
        }
    }

    /// An RFC 9457 problem, the way the service reports its own errors.
    pub fn problem(status: u16, title: &str) -> Self {
        let body = json!({ "type": "about:blank", "title": title, "status": status });
        Reply {
            status,
            content_type: Some("application/problem+json"),
            body: body.to_string(),
        }
    }
}

/// Answers one request of the demo API; `target` may carry a query string, which is ignored.
pub fn handle(bank: &mut Bank, method: &str, target: &str, body: &[u8]) -> Reply {
    let path = target.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').skip(1).collect();

    match (method, segments.as_slice()) {
        ("GET", ["health"]) => Reply::json(200, &json!({ "status": "ok" })),
        ("GET", ["accounts"]) => Reply::json(200, &json!({ "accounts": bank.accounts() })),
        ("GET", ["accounts", id]) => match bank.account(id) {
            Some(account) => Reply::json(200, &account),
            None => Reply::problem(404, "no such account"),
        },
        ("DELETE", ["accounts", id]) => match bank.close(id) {
            true => Reply::empty(204),
            false => Reply::problem(404, "no such account"),
        },
        ("POST", ["transfers"]) => book_transfer(bank, body),
        ("POST", ["transfers", "batch"]) => book_batch(bank, body),
        (
            _,
            ["health"] | ["accounts"] | ["accounts", _] | ["transfers"] | ["transfers", "batch"],
        ) => Reply::problem(405, "method not allowed"),
        _ => Reply::problem(404, "not found"),
    }
}

fn book_transfer(bank: &mut Bank, body: &[u8]) -> Reply {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(request)) => Reply::json(201, &bank.book_transfer(&request)),
        _ => Reply::problem(400, "body must be a JSON object"),
    }
}

fn book_batch(bank: &mut Bank, body: &[u8]) -> Reply {
    let transfers = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|value| value.get("transfers").and_then(Value::as_array).cloned());
    let Some(transfers) = transfers else {
        return Reply::problem(400, "body must be an object with a transfers array");
    };
    let booked: Vec<Value> = transfers
        .iter()
        .filter_map(Value::as_object)
        .map(|request| bank.book_transfer(request))
        .collect();
    Reply::json(201, &json!({ "transfers": booked }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: &str, target: &str, body: &str) -> Reply {
        handle(&mut Bank::seeded(), method, target, body.as_bytes())
    }

    #[test]
    fn answers_each_documented_operation() {
        let cases = [
            ("GET", "/health", "", 200),
            ("GET", "/accounts", "", 200),
            ("GET", "/accounts/a1", "", 200),
            ("GET", "/accounts/a1?verbose=1", "", 200),
            ("GET", "/accounts/nobody", "", 404),
            ("DELETE", "/accounts/a2", "", 204),
            ("DELETE", "/accounts/nobody", "", 404),
            (
                "POST",
                "/transfers",
                r#"{"from":"a1","to":"a2","amount":1}"#,
                201,
            ),
            (
                "POST",
                "/transfers/batch",
                r#"{"transfers":[{"from":"a1","to":"a2","amount":1}]}"#,
                201,
            ),
            ("POST", "/transfers/batch", r#"{"x":1}"#, 400),
        ];
        for (method, target, body, status) in cases {
            assert_eq!(
                call(method, target, body).status,
                status,
                "{method} {target}"
            );
        }
    }

    #[test]
    fn refuses_what_it_cannot_parse_or_route() {
        let cases = [
            ("POST", "/transfers", "not json", 400),
            ("POST", "/transfers", "[1,2]", 400),
            ("POST", "/transfers", "", 400),
            ("PUT", "/accounts/a1", "", 405),
            ("GET", "/accounts/a1/extra", "", 404),
            ("GET", "", "", 404),
            ("GET", "//accounts", "", 404),
        ];
        for (method, target, body, status) in cases {
            assert_eq!(
                call(method, target, body).status,
                status,
                "{method} {target}"
            );
        }
    }

    #[test]
    fn account_body_leaks_undeclared_fields() {
        let reply = call("GET", "/accounts/a1", "");
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["id"], "a1");
        assert!(body.get("password_hash").is_some());
    }

    #[test]
    fn transfer_echoes_the_request_as_booked() {
        let reply = call(
            "POST",
            "/transfers",
            r#"{"from":"a1","to":"a2","amount":-5}"#,
        );
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["amount"], -5);
        assert_eq!(body["status"], "booked");
    }
}
