//! The fixed load and what it cost Envoy.

use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::cpu::process_cpu;
use crate::http::Connection;
use crate::{HarnessError, Request, Stack};

/// What a scenario's requests are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traffic {
    /// `GET /accounts/a1` with a bearer token.
    Reads,
    /// Alternately `GET /accounts/a1` and a valid `POST /transfers` (a ~70-byte JSON body).
    ReadsAndWrites,
    /// `POST /transfers/batch` with this many valid transfers (about 64 bytes each).
    Batch(usize),
}

/// The demo document with batches of up to `max_items` transfers (the demo allows 100), for
/// large-body scenarios.
pub fn document_for_batches_of(max_items: usize) -> serde_json::Value {
    let path = crate::paths::repo_root().join("schemas/demo-api.openapi.json");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut document: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if let Some(schema) = document.pointer_mut(
        "/paths/~1transfers~1batch/post/requestBody/content/application~1json/schema/properties/transfers",
    ) {
        schema["maxItems"] = json!(max_items);
    }
    document
}

/// A valid `POST /transfers/batch` body of `count` transfers.
pub fn batch_body(count: usize) -> serde_json::Value {
    let transfer = json!({"from": "a1", "to": "a2", "amount": 12.5, "currency": "EUR"});
    json!({ "transfers": vec![transfer; count] })
}

/// Requests sent, refused, and the Envoy CPU and wall time they took.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub requests: u32,
    pub not_2xx: u32,
    pub cpu: Duration,
    pub wall: Duration,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        self.requests += other.requests;
        self.not_2xx += other.not_2xx;
        self.cpu += other.cpu;
        self.wall += other.wall;
    }

    pub fn cpu_us_per_request(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / f64::from(self.requests.max(1))
    }

    pub fn requests_per_second(&self) -> f64 {
        f64::from(self.requests) / self.wall.as_secs_f64().max(1e-9)
    }
}

/// Sends `count` requests over `connections` keep-alive connections, one thread each.
pub fn load(
    stack: &Stack,
    token: &str,
    traffic: Traffic,
    count: u32,
    connections: u32,
) -> Result<Tally, HarnessError> {
    let port = stack.ports().envoy;
    let per_connection = count / connections.max(1);
    let (cpu_before, started) = (process_cpu(stack.envoy_pid())?, Instant::now());
    let workers: Vec<_> = (0..connections.max(1))
        .map(|_| {
            let token = token.to_string();
            thread::spawn(move || send_on_one_connection(port, &token, traffic, per_connection))
        })
        .collect();
    let mut tally = Tally::default();
    for worker in workers {
        let sent = worker
            .join()
            .map_err(|_| HarnessError::new("a load thread panicked"))??;
        tally.requests += sent.requests;
        tally.not_2xx += sent.not_2xx;
    }
    tally.wall = started.elapsed();
    tally.cpu = process_cpu(stack.envoy_pid())?.saturating_sub(cpu_before);
    Ok(tally)
}

fn send_on_one_connection(
    port: u16,
    token: &str,
    traffic: Traffic,
    count: u32,
) -> Result<Tally, HarnessError> {
    let read = Request::get("/accounts/a1").bearer(token);
    let transfer = json!({"from": "a1", "to": "a2", "amount": 12.5, "currency": "EUR"});
    let write = Request::new("POST", "/transfers")
        .bearer(token)
        .json(&transfer);
    let batch = match traffic {
        Traffic::Batch(size) => Request::new("POST", "/transfers/batch")
            .bearer(token)
            .json(&batch_body(size)),
        _ => read.clone(),
    };
    let mut connection = Connection::open(port)?;
    let mut tally = Tally::default();
    for n in 0..count {
        let request = match traffic {
            Traffic::ReadsAndWrites if n % 2 == 1 => &write,
            Traffic::Batch(_) => &batch,
            _ => &read,
        };
        let response = connection.send(request)?;
        tally.requests += 1;
        if !(200..300).contains(&response.status) {
            tally.not_2xx += 1;
        }
    }
    Ok(tally)
}
