//! Palisade authz: may this caller perform this operation, on this object, now?
//!
//! Acts in the request-headers phase, and in the response-headers phase only to add the
//! rate-limit and deprecation headers of an allowed request; it releases the request's
//! concurrency slot when the stream is logged. It canonicalises the path, finds the operation
//! (method + path template) in the inventory and decides deny-by-default: a path that no
//! operation declares is 404, a method the path does not declare 405 with `Allow`, an operation
//! that no policy covers 403, a caller without the required scopes 403 (401 when anonymous);
//! then roles, consumer class, object ownership and the CEL condition; then rate limits and the
//! concurrency cap (429). It reads the principal that authn left in filter state and hands the
//! matched operation (`palisade.operation`) and its decision (`palisade.decision.authz`) on.

pub mod cel;
mod classes;
pub mod condition;
pub mod config;
pub mod decide;
mod glue;
pub mod limits;
pub mod ownership;
pub mod policy;
pub mod ratelimit;
pub mod rule;
mod validate;

pub use decide::{decide, Request, Verdict};
pub use policy::Policy;

#[cfg(test)]
mod rule_tests;
#[cfg(test)]
mod tests;
