//! Resources: the dynamic [`Resource`] the engine works on, its metadata and its [`Version`].

mod dynamic;
mod meta;
pub mod typed;
mod version;

#[allow(unused_imports)]
pub use dynamic::{get_ci, Resource};
pub use meta::{format_time, Meta};
pub use version::{MissingMeta, Version};
