//! `palisade-bench [--requests N] [--rounds R] [--connections C] [--only NAME]`: what Palisade's
//! filters cost Envoy, against native Envoy filters in the same run.
//!
//! Starts every scenario of `palisade_integration_tests::bench::SCENARIOS` (passthrough; native
//! jwt_authn and Palisade authn for ES256 and RS256, cached and uncached; native jwt_authn +
//! rbac against Palisade authn + authz; the five-filter chain), then in alternating rounds sends
//! each the same load: N requests (default 500) over C keep-alive connections (default 2), R
//! rounds (default 20). It prints Envoy's CPU per request in each scenario's median round (see
//! `bench::Rounds`) and the ratios. Absolute numbers depend on the machine; the ratios of one
//! run are what to compare.

use std::process::ExitCode;

use palisade_integration_tests::bench::{load, Pinning, Rounds, Scenario, SCENARIOS};
use palisade_integration_tests::{HarnessError, Stack};

const WARMUP_REQUESTS: u32 = 300;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1).cloned()
}

fn number(name: &str, default: u32) -> u32 {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The median round's CPU per request of scenario `name`.
fn cost_of(results: &[(Scenario, Rounds)], name: &str) -> Option<f64> {
    results
        .iter()
        .find(|(s, _)| s.name == name)
        .map(|(_, rounds)| rounds.median_cpu_us())
}

fn compare(results: &[(Scenario, Rounds)], ours: &str, theirs: &str) {
    compare_over(results, ours, theirs, "passthrough");
}

/// Prints `ours` against `theirs`, each also as the CPU it adds over the `base` scenario.
fn compare_over(results: &[(Scenario, Rounds)], ours: &str, theirs: &str, base_name: &str) {
    let base = cost_of(results, base_name).unwrap_or(0.0);
    let (Some(a), Some(b)) = (cost_of(results, ours), cost_of(results, theirs)) else {
        return;
    };
    let ratio = a / b.max(1e-9);
    if theirs == base_name {
        println!(
            "{ours:<32} / {theirs:<32} CPU per request x{ratio:.2}; added: {:+.1} us",
            a - base
        );
        return;
    }
    println!(
        "{ours:<32} / {theirs:<32} CPU per request x{ratio:.2}; added over {base_name}: {:+.1} us vs {:+.1} us (x{:.2})",
        a - base,
        b - base,
        (a - base) / (b - base).max(1e-9)
    );
}

fn run() -> Result<(), HarnessError> {
    let requests = number("--requests", 500);
    let rounds = number("--rounds", 20);
    let connections = number("--connections", 2);
    let only = arg("--only");
    let chosen: Vec<Scenario> = SCENARIOS
        .iter()
        .filter(|s| s.name == "passthrough" || only.as_deref().is_none_or(|o| s.name.contains(o)))
        .copied()
        .collect();
    let pinning = Pinning::start();
    let mut running: Vec<(Scenario, Stack, String)> = Vec::new();
    for scenario in &chosen {
        eprintln!("starting: {}", scenario.name);
        let (stack, token) = scenario.start(WARMUP_REQUESTS, connections)?;
        if !pinning.envoy(stack.envoy_pid()) {
            return Err(HarnessError::new("could not pin Envoy to its CPU"));
        }
        running.push((*scenario, stack, token));
    }
    let mut results: Vec<(Scenario, Rounds)> =
        chosen.iter().map(|s| (*s, Rounds::default())).collect();
    for round in 0..rounds {
        eprintln!("round {} of {rounds}", round + 1);
        for ((scenario, stack, token), (_, measured)) in running.iter().zip(results.iter_mut()) {
            measured.push(load(stack, token, scenario.traffic, requests, connections)?);
        }
    }
    print_report(&results, requests, rounds, connections);
    println!("{}", pinning.describe());
    Ok(())
}

fn print_report(results: &[(Scenario, Rounds)], requests: u32, rounds: u32, connections: u32) {
    println!(
        "palisade-bench: {rounds} rounds x {requests} requests per scenario over {connections} \
         keep-alive connections, Envoy --concurrency 1, GET /accounts/a1 \
         (the five-filter chain alternates with POST /transfers); CPU of the median round"
    );
    println!(
        "{:<34} {:>9} {:>17} {:>12} {:>9}",
        "scenario", "req/s", "envoy CPU us/req", "(all rounds)", "non-2xx"
    );
    for (scenario, rounds) in results {
        let total = rounds.total();
        println!(
            "{:<34} {:>9.0} {:>17.1} {:>12.1} {:>9}",
            scenario.name,
            total.requests_per_second(),
            rounds.median_cpu_us(),
            total.cpu_us_per_request(),
            total.not_2xx
        );
    }
    println!();
    compare(
        results,
        "palisade authn ES256 cached",
        "native jwt_authn ES256 cached",
    );
    compare(
        results,
        "palisade authn ES256 uncached",
        "native jwt_authn ES256 uncached",
    );
    compare(
        results,
        "palisade authn RS256 cached",
        "native jwt_authn RS256 cached",
    );
    compare(
        results,
        "palisade authn RS256 uncached",
        "native jwt_authn RS256 uncached",
    );
    compare(results, "palisade authn + authz", "native jwt_authn + rbac");
    compare(results, "palisade five filters", "passthrough");
    for size in ["1 KB", "64 KB"] {
        let ours = format!("palisade validate {size} body");
        let base = format!("passthrough {size} body");
        compare_over(results, &ours, &base, &base);
    }
    if results.iter().any(|(_, rounds)| rounds.total().not_2xx > 0) {
        println!(
            "warning: some scenario refused requests; its cost is not that of allowed traffic"
        );
    }
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
