//! One scenario's rounds and what the report takes from them.
//!
//! The machine's speed drifts while a bench runs (other tenants of the host, clock changes), and
//! the drift only ever adds time. Scenarios take turns round by round, so each meets the same
//! drift; the report then takes each scenario's median round, which a few slowed rounds do
//! not move, where a sum over all rounds would carry them whole.

use super::Tally;

/// The rounds of one scenario.
#[derive(Debug, Clone, Default)]
pub struct Rounds {
    tallies: Vec<Tally>,
}

impl Rounds {
    pub fn push(&mut self, tally: Tally) {
        self.tallies.push(tally);
    }

    /// Every round added up.
    pub fn total(&self) -> Tally {
        let mut total = Tally::default();
        for tally in &self.tallies {
            total.add(*tally);
        }
        total
    }

    /// The median round's Envoy CPU per request, in µs (0 without rounds).
    pub fn median_cpu_us(&self) -> f64 {
        let mut costs: Vec<f64> = self.tallies.iter().map(Tally::cpu_us_per_request).collect();
        costs.sort_by(f64::total_cmp);
        let middle = costs.len() / 2;
        match (costs.len() % 2, costs.get(middle), middle.checked_sub(1)) {
            (1, Some(cost), _) => *cost,
            (0, Some(upper), Some(below)) => {
                (upper + costs.get(below).copied().unwrap_or(*upper)) / 2.0
            }
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn round(cpu_us: u64, requests: u32) -> Tally {
        Tally {
            requests,
            not_2xx: 0,
            cpu: Duration::from_micros(cpu_us),
            wall: Duration::from_millis(1),
        }
    }

    #[test]
    fn the_median_round_ignores_a_few_slowed_rounds() {
        let mut rounds = Rounds::default();
        for cpu in [100_000, 900_000, 102_000, 98_000, 101_000] {
            rounds.push(round(cpu, 500));
        }
        assert_eq!(rounds.median_cpu_us(), 202.0);
        assert_eq!(rounds.total().requests, 2500);
        assert_eq!(rounds.total().cpu, Duration::from_micros(1_301_000));
        rounds.push(round(104_000, 500));
        assert_eq!(rounds.median_cpu_us(), 203.0, "the mean of the middle two");
        assert_eq!(Rounds::default().median_cpu_us(), 0.0);
    }
}
