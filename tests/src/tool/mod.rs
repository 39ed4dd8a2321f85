//! The `scim-conformance` tool: the suite's cases run against a deployed SCIM endpoint (see
//! `src/main.rs` for the command line). [`runner`] runs the catalogued cases; [`report`]
//! renders the result.

pub mod report;
pub mod runner;
