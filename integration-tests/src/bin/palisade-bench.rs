//! `palisade-bench [--requests N] [--rounds R] [--connections C]`: what the five filters cost
//! Envoy.
//!
//! Starts two stacks side by side, a passthrough Envoy and the five-filter chain (each with
//! `--concurrency 1`, its own demo API and IdP), then in alternating rounds sends the same fixed
//! load to each: N requests (default 6000) over C HTTP/1.1 keep-alive connections (default 4),
//! alternately `GET /accounts/a1` and a valid `POST /transfers` with a valid demo-client token.
//! It measures Envoy's CPU time (all its threads: /proc/<pid>/task/*/schedstat, else utime +
//! stime from /proc/<pid>/stat) and the request rate, and prints the ratio. Absolute numbers
//! depend on the machine and on what else runs on it; the ratio from one run is what to compare.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use palisade_integration_tests::cpu::process_cpu;
use palisade_integration_tests::http::Connection;
use palisade_integration_tests::{HarnessError, Request, Stack};
use serde_json::json;

const WARMUP_REQUESTS: u32 = 500;

#[derive(Default, Clone, Copy)]
struct Tally {
    requests: u32,
    not_2xx: u32,
    cpu: Duration,
    wall: Duration,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.requests += other.requests;
        self.not_2xx += other.not_2xx;
        self.cpu += other.cpu;
        self.wall += other.wall;
    }

    fn cpu_us_per_request(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / f64::from(self.requests.max(1))
    }

    fn requests_per_second(&self) -> f64 {
        f64::from(self.requests) / self.wall.as_secs_f64().max(1e-9)
    }
}

fn arg(name: &str, default: u32) -> u32 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Sends `count` requests spread over `connections` keep-alive connections, one thread each.
fn load(stack: &Stack, token: &str, count: u32, connections: u32) -> Result<Tally, HarnessError> {
    let port = stack.ports().envoy;
    let per_connection = count / connections.max(1);
    let (cpu_before, started) = (process_cpu(stack.envoy_pid())?, Instant::now());
    let workers: Vec<_> = (0..connections.max(1))
        .map(|_| {
            let token = token.to_string();
            thread::spawn(move || send_on_one_connection(port, &token, per_connection))
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

/// Alternates `GET /accounts/a1` and a valid `POST /transfers` on one connection.
fn send_on_one_connection(port: u16, token: &str, count: u32) -> Result<Tally, HarnessError> {
    let read = Request::get("/accounts/a1").bearer(token);
    let transfer = json!({"from": "a1", "to": "a2", "amount": 12.5, "currency": "EUR"});
    let write = Request::new("POST", "/transfers")
        .bearer(token)
        .json(&transfer);
    let mut connection = Connection::open(port)?;
    let mut tally = Tally::default();
    for n in 0..count {
        let request = if n % 2 == 0 { &read } else { &write };
        let response = connection.send(request)?;
        tally.requests += 1;
        if !(200..300).contains(&response.status) {
            tally.not_2xx += 1;
        }
    }
    Ok(tally)
}

fn start(
    label: &str,
    passthrough: bool,
    connections: u32,
) -> Result<(Stack, String), HarnessError> {
    let builder = Stack::builder().label(label).concurrency(1);
    let stack = match passthrough {
        true => builder.passthrough().start()?,
        false => builder.start()?,
    };
    stack.wait_for_authn("demo-client")?;
    let token = stack.token("demo-client")?;
    load(&stack, &token, WARMUP_REQUESTS, connections)?;
    Ok((stack, token))
}

fn print_row(name: &str, tally: &Tally) {
    println!(
        "{name:<14} {:>10.0} {:>18.1} {:>9}",
        tally.requests_per_second(),
        tally.cpu_us_per_request(),
        tally.not_2xx
    );
}

fn run() -> Result<(), HarnessError> {
    let requests = arg("--requests", 6000);
    let rounds = arg("--rounds", 3);
    let connections = arg("--connections", 4);
    let (base, base_token) = start("bench-passthrough", true, connections)?;
    let (chain, chain_token) = start("bench-five-filters", false, connections)?;

    let (mut base_total, mut chain_total) = (Tally::default(), Tally::default());
    for _ in 0..rounds {
        base_total.add(load(&base, &base_token, requests, connections)?);
        chain_total.add(load(&chain, &chain_token, requests, connections)?);
    }

    println!(
        "palisade-bench: {rounds} rounds x {requests} requests per chain over {connections} \
         keep-alive connections, Envoy --concurrency 1"
    );
    println!(
        "{:<14} {:>10} {:>18} {:>9}",
        "chain", "req/s", "envoy CPU us/req", "non-2xx"
    );
    print_row("passthrough", &base_total);
    print_row("five filters", &chain_total);
    let (base_cpu, chain_cpu) = (
        base_total.cpu_us_per_request(),
        chain_total.cpu_us_per_request(),
    );
    println!(
        "ratio five filters / passthrough: CPU per request x{:.2} (+{:.1} us), req/s x{:.2}",
        chain_cpu / base_cpu.max(1e-9),
        chain_cpu - base_cpu,
        chain_total.requests_per_second() / base_total.requests_per_second().max(1e-9)
    );
    if chain_total.not_2xx > 0 {
        println!(
            "warning: the chain refused {} requests; its cost is not that of allowed traffic",
            chain_total.not_2xx
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("palisade-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
