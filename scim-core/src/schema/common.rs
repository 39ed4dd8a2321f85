//! The attributes every resource has whatever its schema (RFC 7643 §3.1): `id`, `externalId`,
//! `meta`, and the `schemas` list.
//!
//! They live outside any schema's attribute list, as in the RFC, but resolve like any attribute
//! so filters, sorting and projection treat them uniformly.

use std::sync::LazyLock;

use crate::schema::attribute::{Attribute, Mutability, Returned, Uniqueness};

static COMMON: LazyLock<Vec<Attribute>> = LazyLock::new(|| {
    vec![
        Attribute::string("id")
            .case_exact(true)
            .mutability(Mutability::ReadOnly)
            .returned(Returned::Always)
            .uniqueness(Uniqueness::Server)
            .description(
                "A unique identifier for a SCIM resource as defined by the service provider.",
            ),
        Attribute::string("externalId")
            .case_exact(true)
            .description("An identifier for the resource as defined by the provisioning client."),
        Attribute::complex(
            "meta",
            vec![
                Attribute::string("resourceType")
                    .case_exact(true)
                    .mutability(Mutability::ReadOnly),
                Attribute::date_time("created").mutability(Mutability::ReadOnly),
                Attribute::date_time("lastModified").mutability(Mutability::ReadOnly),
                Attribute::reference("location", ["uri"])
                    .case_exact(true)
                    .mutability(Mutability::ReadOnly),
                Attribute::string("version")
                    .case_exact(true)
                    .mutability(Mutability::ReadOnly),
            ],
        )
        .mutability(Mutability::ReadOnly)
        .description("Resource metadata."),
        Attribute::reference("schemas", ["uri"])
            .multi_valued()
            .required()
            .case_exact(true)
            .returned(Returned::Always)
            .description("The schema URNs of the resource's data."),
    ]
});

/// The common attributes: `id`, `externalId`, `meta` and `schemas`.
///
/// ```
/// let names: Vec<_> = scimkit_core::schema::common_attributes().iter().map(|a| a.name.as_str()).collect();
/// assert_eq!(names, ["id", "externalId", "meta", "schemas"]);
/// ```
pub fn common_attributes() -> &'static [Attribute] {
    &COMMON
}

/// The common attribute called `name`, compared case-insensitively.
pub fn common_attribute(name: &str) -> Option<&'static Attribute> {
    COMMON.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}
