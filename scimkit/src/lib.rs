#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(inline)]
pub use scimkit_core::*;

/// The whole of `scimkit-core`, for paths that the root re-exports would shadow
/// (`scimkit::core::sql` is the SQL translator; `scimkit::sql` the store).
pub use scimkit_core as core;

/// The SCIM filter and PATCH-path grammar (`scimkit-filter`): parser, AST, canonical printing.
pub use scimkit_filter as filter;

/// The axum adapter (`scimkit-axum`): `router(scim)` to nest the engine into an axum app,
/// `serve` with connection limits, `ScimRequest`/`ScimResponse` for handlers of your own.
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use scimkit_axum as axum;

/// The actix-web adapter (`scimkit-actix`): `configure(scim)` inside any `web::scope`,
/// `limit_connections`, `ScimRequest`/`ScimResponse` for handlers of your own.
#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub use scimkit_actix as actix;

/// The SQL store over the app's own tables (`scimkit-sql`): `SqlStore`, `Db`, `SqlTokens`,
/// migrations. Databases by feature: `postgres`, `sqlite`, `mysql`.
#[cfg(feature = "sql")]
#[cfg_attr(docsrs, doc(cfg(feature = "sql")))]
pub use scimkit_sql as sql;
