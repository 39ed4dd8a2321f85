//! The resources the `validate` and `patch` targets work against: a rich user (every kind of
//! attribute, the EnterpriseUser extension, a password) and a group with members, both as
//! stored (validated, with `id` and `meta`). Shared with `scim-core/tests/fuzz_corpus.rs`.

#![allow(clippy::expect_used)]

use chrono::{TimeZone, Utc};
use scimkit_core::schema::ResourceType;
use scimkit_core::validate::{validate, Mode, ValidationOptions};
use scimkit_core::{Meta, Resource};
use serde_json::{json, Value};

/// The stored rich user, as JSON.
pub fn rich_user_json() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara",
                 "middleName": "Jane", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "profileUrl": "https://login.example.com/bjensen",
        "title": "Tour Guide",
        "userType": "Employee",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "active": true,
        "password": "t1meMa$heen",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "555-555-8377", "type": "work"}, {"value": "555-555-4444", "type": "mobile"}],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}],
        "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
                       "region": "CA", "postalCode": "91608", "country": "US", "primary": true}],
        "entitlements": [{"value": "reports"}],
        "roles": [{"value": "admin", "primary": true}],
        "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
            "division": "Theme Park", "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
        }
    })
}

/// The stored group, as JSON.
pub fn group_json() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Tour Guides",
        "externalId": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen", "type": "User"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge"}
        ]
    })
}

/// `json` validated as a create against `rt`, then given an id and `meta` as a store would.
///
/// # Panics
/// If the fixture does not validate (a bug in the fixture, not in the input).
pub fn stored(rt: &ResourceType, json: Value, id: &str) -> Resource {
    let input = Resource::from_json(json).expect("fixture is a resource");
    let mut resource = validate(rt, input, Mode::Create, &ValidationOptions::default())
        .expect("fixture validates");
    resource.id = Some(id.to_owned());
    let at = Utc
        .with_ymd_and_hms(2024, 5, 1, 12, 0, 0)
        .single()
        .expect("valid time");
    let mut meta = Meta::new(rt.name.clone(), at);
    meta.version = Some("W/\"1\"".to_owned());
    resource.meta = Some(meta);
    resource
}

/// User (with EnterpriseUser) and Group, each with its stored resource.
pub fn resource_types() -> Vec<(ResourceType, Resource)> {
    let users = ResourceType::user();
    let groups = ResourceType::group();
    let user = stored(
        &users,
        rich_user_json(),
        "2819c223-7f76-453a-919d-413861904646",
    );
    let group = stored(
        &groups,
        group_json(),
        "e9e30dba-f08f-4109-8486-d5c6a331660a",
    );
    vec![(users, user), (groups, group)]
}
