#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod activity;
mod backend;
mod cursor_key;
mod datum;
mod db;
mod error;
pub mod migrations;
mod retry;
mod settings;
pub mod store;
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub mod testkit;
mod tokens;

pub use activity::{
    SqlActivityLog, SqlActivityLogBuilder, ACTIVITY_BATCH, DEFAULT_ACTIVITY_QUEUE,
    RECENT_FLUSH_WAIT,
};
pub use backend::Backend;
pub use cursor_key::shared_cursor_key;
pub use datum::{Datum, DatumKind};
pub use db::{Db, Tx, ACQUIRE_TIMEOUT, DEFAULT_MAX_CONNECTIONS};
pub use error::Error;
pub use retry::{retrying, MAX_ATTEMPTS};
pub use tokens::{SqlTokens, LAST_USED_RESOLUTION, MAX_TEXT};
