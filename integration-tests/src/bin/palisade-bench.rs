//! `palisade-bench [--requests N] [--rounds R] [--connections C] [--instances K] [--only NAME]
//! [--variant DIR]`: what Palisade's filters cost Envoy, against native Envoy filters in the same
//! run.
//!
//! Starts every scenario of `palisade_integration_tests::bench::SCENARIOS` (passthrough; native
//! jwt_authn and Palisade authn for ES256 and RS256, cached and uncached; native jwt_authn +
//! rbac against Palisade authn + authz; the five-filter chain), each as K Envoy instances
//! (default 3), then in alternating rounds sends every instance the same load: N requests
//! (default 500) over C keep-alive connections (default 2), R rounds (default 20). It prints
//! Envoy's CPU per request of each scenario — the mean of its instances' median rounds (see
//! `bench::Instances`), with their spread — and the ratios. `--variant DIR` also runs each chosen
//! Palisade scenario with the filter modules of DIR, reported as `<scenario> [variant]` next to
//! the modules of the build: an A/B of two builds in one run. Absolute numbers depend on the
//! machine; the ratios of one run are what to compare.

use std::path::PathBuf;
use std::process::ExitCode;

use palisade_integration_tests::bench::{load, Instances, Pinning, Scenario, SCENARIOS};
use palisade_integration_tests::{HarnessError, Stack};

const WARMUP_REQUESTS: u32 = 300;
const VARIANT: &str = " [variant]";

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1).cloned()
}

fn number(name: &str, default: u32) -> u32 {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One scenario as run: its label, and the modules it loads when not those of the build.
struct Run {
    label: String,
    scenario: Scenario,
    wasm_dir: Option<PathBuf>,
    measured: Instances,
}

/// A scenario's CPU per request, by label.
fn cost_of(results: &[Run], label: &str) -> Option<f64> {
    results
        .iter()
        .find(|run| run.label == label)
        .map(|run| run.measured.cpu_us())
}

fn compare(results: &[Run], ours: &str, theirs: &str) {
    compare_over(results, ours, theirs, "passthrough");
    let variant = format!("{ours}{VARIANT}");
    compare_over(results, &variant, theirs, "passthrough");
    compare_over(results, &variant, ours, "passthrough");
}

/// Prints `ours` against `theirs`, each also as the CPU it adds over the `base` scenario.
fn compare_over(results: &[Run], ours: &str, theirs: &str, base_name: &str) {
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

/// The scenarios to run: every one `--only` names (and passthrough), plus their variants.
fn chosen_runs(only: Option<&str>, variant: Option<&PathBuf>, instances: usize) -> Vec<Run> {
    let mut runs = Vec::new();
    let chosen = SCENARIOS
        .iter()
        .filter(|s| s.name == "passthrough" || only.is_none_or(|o| s.name.contains(o)));
    for scenario in chosen {
        let run = |label: String, wasm_dir: Option<PathBuf>| Run {
            label,
            scenario: *scenario,
            wasm_dir,
            measured: Instances::new(instances),
        };
        runs.push(run(scenario.name.to_string(), None));
        if let (Some(dir), false) = (variant, scenario.filters.is_empty()) {
            runs.push(run(
                format!("{}{VARIANT}", scenario.name),
                Some(dir.clone()),
            ));
        }
    }
    runs
}

fn run() -> Result<(), HarnessError> {
    let requests = number("--requests", 500);
    let rounds = number("--rounds", 20);
    let connections = number("--connections", 2);
    let instances = number("--instances", 3).max(1) as usize;
    let variant = arg("--variant").map(PathBuf::from);
    let mut runs = chosen_runs(arg("--only").as_deref(), variant.as_ref(), instances);
    let pinning = Pinning::start();
    let mut stacks: Vec<Vec<(Stack, String)>> = Vec::new();
    for run in &runs {
        eprintln!("starting: {} ({instances} instances)", run.label);
        let mut started = Vec::new();
        for _ in 0..instances {
            let (stack, token) =
                run.scenario
                    .start(WARMUP_REQUESTS, connections, run.wasm_dir.as_deref())?;
            if !pinning.envoy(stack.envoy_pid()) {
                return Err(HarnessError::new("could not pin Envoy to its CPU"));
            }
            started.push((stack, token));
        }
        stacks.push(started);
    }
    for round in 0..rounds {
        eprintln!("round {} of {rounds}", round + 1);
        for (run, started) in runs.iter_mut().zip(&stacks) {
            let traffic = run.scenario.traffic;
            for ((stack, token), measured) in started.iter().zip(&mut run.measured.instances) {
                measured.push(load(stack, token, traffic, requests, connections)?);
            }
        }
    }
    print_report(&runs, requests, rounds, connections, instances);
    println!("{}", pinning.describe());
    Ok(())
}

fn print_report(results: &[Run], requests: u32, rounds: u32, connections: u32, instances: usize) {
    println!(
        "palisade-bench: {instances} Envoy instances per scenario, {rounds} rounds x {requests} \
         requests each over {connections} keep-alive connections, Envoy --concurrency 1, \
         GET /accounts/a1 (the five-filter chain alternates with POST /transfers); CPU: the mean \
         of the instances' median rounds"
    );
    println!(
        "{:<44} {:>9} {:>17} {:>17} {:>9}",
        "scenario", "req/s", "envoy CPU us/req", "(instances)", "non-2xx"
    );
    for run in results {
        let total = run.measured.total();
        let (low, high) = run.measured.spread_us();
        println!(
            "{:<44} {:>9.0} {:>17.1} {:>17} {:>9}",
            run.label,
            total.requests_per_second(),
            run.measured.cpu_us(),
            format!("{low:.1}-{high:.1}"),
            total.not_2xx
        );
    }
    println!();
    let pairs = [
        (
            "palisade authn ES256 cached",
            "native jwt_authn ES256 cached",
        ),
        (
            "palisade authn ES256 uncached",
            "native jwt_authn ES256 uncached",
        ),
        (
            "palisade authn RS256 cached",
            "native jwt_authn RS256 cached",
        ),
        (
            "palisade authn RS256 uncached",
            "native jwt_authn RS256 uncached",
        ),
        ("palisade authn + authz", "native jwt_authn + rbac"),
        ("palisade five filters", "passthrough"),
    ];
    for (ours, theirs) in pairs {
        compare(results, ours, theirs);
    }
    for size in ["1 KB", "64 KB"] {
        let ours = format!("palisade validate {size} body");
        let base = format!("passthrough {size} body");
        compare_over(results, &ours, &base, &base);
        compare_over(results, &format!("{ours}{VARIANT}"), &base, &base);
    }
    if results.iter().any(|run| run.measured.total().not_2xx > 0) {
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
