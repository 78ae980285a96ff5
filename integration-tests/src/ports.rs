//! Free loopback ports, never the demo's fixed ones and never the same one twice per process.

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::{Mutex, PoisonError};

use crate::error::HarnessError;

/// The ports `make run` uses; tests stay off them.
const DEMO_PORTS: [u16; 4] = [10000, 9901, 18080, 18081];

static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A port that was free a moment ago. Another process may still take it before we bind it, so
/// starters retry on "address in use".
pub fn free_port() -> Result<u16, HarnessError> {
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(PoisonError::into_inner);
    let handed_out = handed_out.get_or_insert_with(HashSet::new);
    for _ in 0..50 {
        let port = TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port();
        if !DEMO_PORTS.contains(&port) && handed_out.insert(port) {
            return Ok(port);
        }
    }
    Err(HarnessError::new("no free loopback port after 50 tries"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_hands_out_a_port_twice() {
        let ports: Vec<u16> = (0..20).map(|_| free_port().unwrap()).collect();
        let distinct: HashSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len());
        assert!(ports.iter().all(|port| !DEMO_PORTS.contains(port)));
    }
}
