#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod auth;
pub mod compat;
pub mod context;
pub mod engine;
mod error;
pub mod evaluate;
pub mod events;
pub mod memory;
pub mod patch;
pub mod projection;
pub mod resource;
mod scalar;
pub mod schema;
pub mod sort;
#[cfg(feature = "sql")]
pub mod sql;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod validate;

pub use engine::{Mount, Scim};
pub use error::{ScimError, ERROR_SCHEMA};
pub use memory::InMemoryStore;
pub use projection::Projection;
pub use resource::{Meta, Resource};
pub use sort::{SortKey, SortOrder, SortSpec};
