//! The conformance suite against `scimkit-axum` over scimkit-sql's `SqlStore` on the demo
//! tables in SQLite, each server in a database of its own.
//!
//! The cases that reach a store (`store_cases!`): not `protocol::custom_resource_type` (a
//! host-defined `Device` type: the demo store declares tables for Users and Groups only), nor
//! the transport cases (slow, idle and capped connections), which no store sees.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_conformance::harness::With;
use scim_conformance::servers::Axum;
use scim_conformance::sql::SqlSqlite;

scim_conformance::store_cases!(With<Axum, SqlSqlite>);
