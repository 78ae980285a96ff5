//! Starting Envoy on a rendered bootstrap: until ready, or until it refuses the config.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::StackBuilder;
use crate::error::HarnessError;
use crate::http::{self, Request};
use crate::paths;
use crate::ports::free_port;
use crate::process::{poll_until, tail, Process};
use crate::render::Ports;

/// Compiling five modules on a busy 2-core machine can take a while.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Log lines start with the level in brackets, then the message, so audit lines parse easily.
const LOG_FORMAT: &str = "[%Y-%m-%d %T.%e][%l][%n] %v";

/// What Envoy said when it refused to start.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// Envoy's exit code (1 for a rejected bootstrap); `None` if it died by a signal.
    pub exit_code: Option<i32>,
    /// Its whole log.
    pub log: String,
}

fn spawn(builder: &StackBuilder, run_dir: &Path, ports: Ports) -> Result<Process, HarnessError> {
    let config = run_dir.join("envoy.yaml");
    std::fs::write(&config, builder.render(ports)?)?;
    let mut command = Command::new(paths::envoy_binary()?);
    command
        .arg("-c")
        .arg(&config)
        .args(["--concurrency", &builder.concurrency.to_string()])
        .arg("--disable-hot-restart")
        .args(["--log-level", "info"])
        .args(["--log-format", LOG_FORMAT])
        .current_dir(paths::repo_root());
    Process::spawn("envoy", command, &run_dir.join("envoy.log"))
}

/// Starts Envoy and waits for admin `/ready`; retries once with new ports if a port was taken.
pub fn start_ready(
    builder: &StackBuilder,
    run_dir: &Path,
    api: u16,
    idp: u16,
) -> Result<(Process, Ports), HarnessError> {
    let mut last_error = HarnessError::new("envoy never started");
    for _ in 0..3 {
        let ports = Ports {
            envoy: free_port()?,
            admin: free_port()?,
            api,
            idp,
        };
        let mut envoy = spawn(builder, run_dir, ports)?;
        match wait_ready(&mut envoy, ports.admin) {
            Ok(()) => return Ok((envoy, ports)),
            Err(e) if envoy.log().contains("Address already in use") => last_error = e,
            Err(e) => return Err(e),
        }
    }
    Err(last_error)
}

fn wait_ready(envoy: &mut Process, admin: u16) -> Result<(), HarnessError> {
    let waited = poll_until("envoy", READY_TIMEOUT, || {
        envoy.check_alive()?;
        Ok(http::send(admin, &Request::get("/ready")).is_ok_and(|r| r.status == 200))
    });
    waited.map_err(|e| match envoy.exited() {
        Some(_) => e,
        None => HarnessError::new(format!("{e}; its log:\n{}", tail(&envoy.log(), 60))),
    })
}

/// Starts Envoy without upstreams; it must exit by itself within the timeout.
pub fn start_expecting_refusal(
    builder: &StackBuilder,
    run_dir: &Path,
) -> Result<Refusal, HarnessError> {
    let ports = Ports {
        envoy: free_port()?,
        admin: free_port()?,
        api: free_port()?,
        idp: free_port()?,
    };
    let mut envoy = spawn(builder, run_dir, ports)?;
    let mut exit = None;
    let waited = poll_until("envoy's exit", READY_TIMEOUT, || {
        exit = envoy.exited();
        let ready =
            || http::send(ports.admin, &Request::get("/ready")).is_ok_and(|r| r.status == 200);
        Ok(exit.is_some() || ready())
    });
    match (exit, waited) {
        (Some(status), _) => Ok(Refusal {
            exit_code: status.code(),
            log: envoy.log(),
        }),
        (None, Err(timeout)) => Err(timeout),
        (None, Ok(())) => Err(HarnessError::new(format!(
            "envoy accepted the configuration; log:\n{}",
            tail(&envoy.log(), 60)
        ))),
    }
}
