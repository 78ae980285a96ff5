//! CPU time a process has used, from Linux's `/proc` (for the bench's per-request cost).

use std::time::Duration;

use crate::error::HarnessError;

/// The kernel's clock tick for `/proc/<pid>/stat`; 100 Hz on every Linux we run on.
const TICKS_PER_SECOND: u64 = 100;

/// User + system time of `pid` from `/proc/<pid>/stat` (10 ms resolution).
pub fn stat_cpu(pid: u32) -> Result<Duration, HarnessError> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let ticks = parse_stat_ticks(&stat)
        .ok_or_else(|| HarnessError::new(format!("cannot parse /proc/{pid}/stat")))?;
    Ok(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// Time on CPU of all of `pid`'s threads, summed from `/proc/<pid>/task/*/schedstat`
/// (nanosecond resolution; threads that have exited are not counted).
pub fn schedstat_cpu(pid: u32) -> Result<Duration, HarnessError> {
    let mut total = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        // A thread may exit between the listing and the read: it no longer counts.
        let Ok(schedstat) = std::fs::read_to_string(task?.path().join("schedstat")) else {
            continue;
        };
        total += parse_schedstat_ns(&schedstat)
            .ok_or_else(|| HarnessError::new(format!("cannot parse schedstat of {pid}")))?;
    }
    Ok(Duration::from_nanos(total))
}

/// The best measure this kernel offers: [`schedstat_cpu`], else [`stat_cpu`] (kernels built
/// without schedstats).
pub fn process_cpu(pid: u32) -> Result<Duration, HarnessError> {
    schedstat_cpu(pid).or_else(|_| stat_cpu(pid))
}

/// utime + stime (fields 14 and 15) in ticks; the command name in parentheses may hold spaces.
fn parse_stat_ticks(stat: &str) -> Option<u64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

fn parse_schedstat_ns(schedstat: &str) -> Option<u64> {
    schedstat.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime_despite_spaces_in_the_name() {
        let stat = "42 (envoy main) S 1 42 42 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 9 0";
        assert_eq!(parse_stat_ticks(stat), Some(280));
        assert_eq!(parse_stat_ticks("42 (x) S 1"), None);
    }

    #[test]
    fn reads_the_first_schedstat_field() {
        assert_eq!(
            parse_schedstat_ns("318415824 50086196 558\n"),
            Some(318_415_824)
        );
        assert_eq!(parse_schedstat_ns(""), None);
    }

    #[test]
    fn this_process_has_used_some_cpu() {
        let pid = std::process::id();
        assert!(schedstat_cpu(pid).unwrap() > Duration::ZERO);
        assert!(stat_cpu(pid).is_ok());
    }
}
