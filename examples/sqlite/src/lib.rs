//! An embedded, persistent [`ResourceStore`](scimkit_core::store::ResourceStore) over one
//! SQLite file, for every resource type the engine has (User, Group, the EnterpriseUser
//! extension, a host's custom types). See README.md.
//!
//! - [`schema`]: the tables (documents, unique values, multi-valued elements, memberships);
//! - `layout.rs`: where each attribute of a resource type is kept, read from its schema;
//! - [`mapping`]: the scim-core SQL mapping of a resource type onto those tables;
//! - `document.rs`, `unique.rs`, `values.rs`, `members.rs`: the rows of one resource;
//! - `reads.rs`, `list.rs`, `writes.rs`: the store's operations;
//! - [`SqliteStore`] (`store.rs`): opening the file and the `ResourceStore` impl.

#![deny(missing_docs)]

mod document;
mod error;
mod layout;
mod list;
pub mod mapping;
mod members;
mod reads;
pub mod schema;
mod store;
mod unique;
mod values;
mod writes;

pub use error::OpenError;
pub use store::{SqliteStore, BUSY_TIMEOUT, CURSOR_TIMEOUT};
