//! Resources: the dynamic [`Resource`] the engine works on and its metadata.

mod dynamic;
mod meta;
pub mod typed;

#[allow(unused_imports)]
pub(crate) use dynamic::get_ci;
pub use dynamic::Resource;
pub use meta::{format_time, Meta};
