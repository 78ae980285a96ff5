//! Child processes that always die with their owner: dropping a [`Process`] kills it by pid.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::error::HarnessError;

/// A started child whose stdout and stderr go to one log file.
pub struct Process {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `command` with its output appended to `log`.
    pub fn spawn(
        name: &'static str,
        mut command: Command,
        log: &Path,
    ) -> Result<Process, HarnessError> {
        let out = File::create(log)?;
        let err = out.try_clone()?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| HarnessError::new(format!("cannot start {name}: {e}")))?;
        Ok(Process {
            name,
            child,
            log: log.to_path_buf(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The output so far (lossy UTF-8).
    pub fn log(&self) -> String {
        read_lossy(&self.log)
    }

    /// `Some(status)` once the process has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits up to `timeout` for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// An error naming the process, with the tail of its log, if it has exited.
    pub fn check_alive(&mut self) -> Result<(), HarnessError> {
        match self.exited() {
            None => Ok(()),
            Some(status) => Err(HarnessError::new(format!(
                "{} exited ({status}); its log {}:\n{}",
                self.name,
                self.log.display(),
                tail(&self.log(), 60)
            ))),
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Kills exactly the child we started (by pid), then reaps it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all.get(all.len().saturating_sub(lines)..)
        .unwrap_or_default()
        .join("\n")
}

/// Polls `ready` every 50 ms until it answers true or errs, or `timeout` passes.
pub fn poll_until(
    what: &str,
    timeout: Duration,
    mut ready: impl FnMut() -> Result<bool, HarnessError>,
) -> Result<(), HarnessError> {
    let deadline = Instant::now() + timeout;
    loop {
        if ready()? {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(HarnessError::new(format!(
                "{what} not ready after {timeout:?}"
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
