#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod activity;
pub mod admin;
pub mod auth;
pub mod compat;
mod connections;
pub mod context;
pub mod engine;
mod error;
pub mod evaluate;
pub mod events;
pub mod memory;
pub mod patch;
pub mod prelude;
pub mod projection;
pub mod resource;
mod scalar;
pub mod schema;
pub mod sort;
#[cfg(feature = "sql")]
#[cfg_attr(docsrs, doc(cfg(feature = "sql")))]
pub mod sql;
pub mod store;
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub mod testkit;
pub mod validate;

pub use activity::{ActivityEntry, ActivityLog, ActivityQuery, InMemoryActivityLog};
pub use admin::{Admin, TokenAdmin};
pub use auth::BearerTokens;
/// The date and time types of `meta` (`DateTime<Utc>`), so a store needs no chrono dependency
/// of its own.
pub use chrono;
pub use connections::ConnectionLimits;
pub use context::{Caller, Context, Tenant};
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use engine::ScimService;
pub use engine::{Mount, Scim, ScimBuilder};
pub use error::{ScimError, ERROR_SCHEMA};
pub use memory::InMemoryStore;
pub use projection::Projection;
pub use resource::{Meta, Resource, Version};
pub use schema::ResourceType;
pub use sort::{SortKey, SortOrder, SortSpec};
pub use store::{ResourceStore, StoreError};
