#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod devices;
mod open;
pub mod schema;
pub mod tables;

pub use open::{connect, open, OpenError, ACCEPTED_URLS};
