//! The conformance suite against `scimkit-actix` on a real server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

scim_conformance::suite!(scim_conformance::servers::Actix);
