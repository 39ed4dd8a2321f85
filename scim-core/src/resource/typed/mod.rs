//! Typed views of the built-in resources for host code: [`User`], [`Group`] and
//! [`EnterpriseUser`].
//!
//! They convert to and from the dynamic [`Resource`](crate::Resource) without losing anything:
//! attributes and extensions a struct has no field for are kept in its `extra` map.

mod conversion;
mod enterprise;
mod group;
mod multi_valued;
mod user;

pub use enterprise::{EnterpriseUser, Manager};
pub use group::{Group, Member};
pub use multi_valued::{Address, GroupRef, MultiValue, Name};
pub use user::User;
