//! Unit tests of the audit filter's logic, run natively with a fake host.

mod clock;
mod config;
mod outcome;
mod path;
mod record;
