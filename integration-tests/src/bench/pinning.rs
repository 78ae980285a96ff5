//! Keeps Envoy and the load apart on the machine's CPUs while the bench measures.
//!
//! Without pinning, Envoy's worker, the load threads, the demo API and the IdP share the CPUs
//! as the scheduler sees fit, and migrations add to whichever scenario they hit. Pinned — the
//! bench and everything it starts on the first CPU, every Envoy thread on the last —
//! Envoy never migrates nor waits behind the load generator. Pinning uses `taskset`
//! (util-linux); where it is missing, the machine has one CPU, or `PALISADE_BENCH_NO_PIN` is
//! set, the bench runs unpinned and says so.

use std::process::{Command, Stdio};

/// How many CPUs this process may run on.
fn cpu_count() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn taskset(args: &[&str]) -> bool {
    Command::new("taskset")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Which CPU runs what, or why nothing is pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pinning {
    /// The bench and its helpers on `load`, Envoy on `envoy`.
    Pinned {
        load: usize,
        envoy: usize,
    },
    Unpinned(&'static str),
}

impl Pinning {
    /// Pins this process (and so every process it starts from now on) to the first CPU.
    pub fn start() -> Pinning {
        let cpus = cpu_count();
        if cpus < 2 {
            return Pinning::Unpinned("one CPU");
        }
        if std::env::var_os("PALISADE_BENCH_NO_PIN").is_some() {
            return Pinning::Unpinned("PALISADE_BENCH_NO_PIN is set");
        }
        let own = std::process::id().to_string();
        if !taskset(&["-a", "-p", "-c", "0", &own]) {
            return Pinning::Unpinned("taskset failed or is missing");
        }
        Pinning::Pinned {
            load: 0,
            envoy: cpus - 1,
        }
    }

    /// Moves every thread of Envoy `pid` to Envoy's CPU; `false` when that failed.
    pub fn envoy(&self, pid: u32) -> bool {
        match self {
            Pinning::Pinned { envoy, .. } => {
                let cpu = envoy.to_string();
                taskset(&["-a", "-p", "-c", &cpu, &pid.to_string()])
            }
            Pinning::Unpinned(_) => true,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Pinning::Pinned { load, envoy } => {
                format!("Envoy pinned to CPU {envoy}, load, demo API and IdP to CPU {load}")
            }
            Pinning::Unpinned(why) => format!("unpinned ({why})"),
        }
    }
}
