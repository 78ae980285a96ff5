//! `make bench`: what Palisade's filters cost Envoy, measured against native Envoy filters in
//! the same run.
//!
//! Every scenario is its own Envoy (`--concurrency 1`) with its own demo API and IdP. The same
//! fixed load (HTTP/1.1 keep-alive) goes to each in alternating rounds, and Envoy's CPU time per
//! request is read from /proc. Absolute numbers depend on the machine and what else runs on
//! it; the ratios between scenarios of one run are what to compare.

mod load;
mod native;
mod pinning;
mod scenario;
mod summary;

pub use load::{batch_body, document_for_batches_of, load, Tally, Traffic};
pub use pinning::Pinning;
pub use scenario::{Scenario, SCENARIOS};
pub use summary::{Instances, Rounds};
