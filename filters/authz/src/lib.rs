//! Palisade authz: may this caller perform this operation?
//!
//! Acts in the request-headers phase only. It canonicalises the path, finds the operation
//! (method + path template) in the inventory, and decides deny-by-default: a path that no
//! operation declares is 404, a method the path does not declare 405 with `Allow`, an operation
//! that no policy covers 403, a caller without the required scopes 403 (401 when anonymous).
//! It reads the principal that authn left in filter state and hands the matched operation
//! (`palisade.operation`) and its decision (`palisade.decision.authz`) to later filters.

pub mod config;
pub mod decide;
mod glue;
pub mod policy;

pub use decide::{decide, Request, Verdict};
pub use policy::Policy;

#[cfg(test)]
mod tests;
