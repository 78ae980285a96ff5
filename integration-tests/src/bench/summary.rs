//! One scenario's rounds and what the report takes from them.
//!
//! The machine's speed drifts while a bench runs (other tenants of the host, clock changes), and
//! the drift only ever adds time. Scenarios take turns round by round, so each meets the same
//! drift; the report then takes each scenario's median round, which a few slowed rounds do
//! not move, where a sum over all rounds would carry them whole.

use super::Tally;

/// The rounds of one Envoy instance of a scenario.
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

/// Every instance of one scenario. Two Envoys started from the same configuration differ by
/// several µs per request for as long as they run (where their code and data fell in memory), so
/// one instance can stand out for the whole run; a scenario's cost is the mean of its
/// instances' median rounds, and the spread of those medians is reported beside it.
#[derive(Debug, Clone, Default)]
pub struct Instances {
    pub instances: Vec<Rounds>,
}

impl Instances {
    pub fn new(count: usize) -> Self {
        Instances {
            instances: vec![Rounds::default(); count],
        }
    }

    /// The mean of the instances' median rounds, in µs (0 without instances).
    pub fn cpu_us(&self) -> f64 {
        let medians: Vec<f64> = self.instances.iter().map(Rounds::median_cpu_us).collect();
        medians.iter().sum::<f64>() / (medians.len().max(1) as f64)
    }

    /// The lowest and highest instance median, in µs.
    pub fn spread_us(&self) -> (f64, f64) {
        let medians = self.instances.iter().map(Rounds::median_cpu_us);
        let low = medians.clone().fold(f64::INFINITY, f64::min);
        let high = medians.fold(f64::NEG_INFINITY, f64::max);
        if low.is_finite() {
            (low, high)
        } else {
            (0.0, 0.0)
        }
    }

    /// Every round of every instance added up.
    pub fn total(&self) -> Tally {
        let mut total = Tally::default();
        for rounds in &self.instances {
            total.add(rounds.total());
        }
        total
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

    #[test]
    fn a_scenario_costs_the_mean_of_its_instances_medians() {
        let mut scenario = Instances::new(3);
        for (rounds, cpu) in scenario
            .instances
            .iter_mut()
            .zip([95_000, 100_000, 120_000])
        {
            for offset in [0, 1_000, 2_000] {
                rounds.push(round(cpu + offset, 500));
            }
        }
        // Medians 192, 202 and 242 µs per request.
        assert_eq!(scenario.cpu_us(), 212.0);
        assert_eq!(scenario.spread_us(), (192.0, 242.0));
        assert_eq!(scenario.total().requests, 4500);
        assert_eq!(Instances::new(0).cpu_us(), 0.0);
        assert_eq!(Instances::new(0).spread_us(), (0.0, 0.0));
    }
}
