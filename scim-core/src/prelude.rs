//! What a host needs to serve SCIM and to write its own store, in one import:
//! `use scimkit_core::prelude::*;`.
//!
//! It holds the engine and its builder, the [`ResourceStore`] trait with everything its
//! methods take and return, the typed views a store maps its own structs to and from
//! ([`User`], [`Group`], [`Member`], [`Name`], [`MultiValue`]), the time type of `meta`
//! ([`DateTime`]`<`[`Utc`]`>`, re-exported from chrono so a store needs no chrono dependency of
//! its own) and the `#[async_trait]` attribute the trait is implemented with.
//!
//! ```
//! use scimkit_core::prelude::*;
//!
//! let meta = Meta::stored("User", Utc::now(), Utc::now(), &Version::new("1"));
//! let mut user = User::new("bjensen@example.com");
//! user.meta = Some(meta);
//! let resource = Resource::try_from(&user)?;
//! assert_eq!(Version::of(&resource), Some(Version::new("1")));
//! # Ok::<(), ScimError>(())
//! ```

pub use async_trait::async_trait;
pub use chrono::{DateTime, Utc};

pub use crate::auth::BearerTokens;
pub use crate::context::{Caller, Context, Tenant};
pub use crate::engine::{Scim, ScimBuilder};
pub use crate::error::ScimError;
pub use crate::memory::InMemoryStore;
pub use crate::patch::{MemberDelta, Patched};
pub use crate::resource::typed::{Group, GroupRef, Member, MultiValue, Name, User};
pub use crate::resource::{Meta, Resource, Version};
pub use crate::schema::ResourceType;
pub use crate::store::{
    new_id, Kept, ListQuery, MemberPatch, Page, PushDown, ResourceStore, StoreError,
};
