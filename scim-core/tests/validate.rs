//! Validation of create and replace bodies through the public API.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value
)]

use scimkit_core::schema::{Attribute, Mutability, ResourceType, Schema};
use scimkit_core::validate::{validate, Mode, UnknownAttributes, ValidationOptions};
use scimkit_core::{Resource, ScimError};
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn users() -> ResourceType {
    ResourceType::user()
        .with_core_attribute(Attribute::string("role").canonical_values([
            "owner",
            "administrator",
            "moderator",
            "member",
            "guest",
        ]))
        .with_core_attribute(Attribute::integer("level"))
        .with_core_attribute(Attribute::decimal("score"))
        .with_core_attribute(Attribute::date_time("hiredAt"))
        .with_core_attribute(Attribute::string("badge").mutability(Mutability::Immutable))
}

fn create(body: Value) -> Result<Resource, ScimError> {
    validate(
        &users(),
        Resource::from_json(body)?,
        Mode::Create,
        &ValidationOptions::default(),
    )
}

fn user(extra: Value) -> Value {
    let mut body = json!({"schemas": [USER], "userName": "bjensen"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

/// (attribute JSON merged into a minimal user, expected: Ok or the error variant name)
const TYPE_CASES: &[(&str, &str)] = &[
    (r#"{"active": true}"#, "ok"),
    (r#"{"active": "True"}"#, "invalidValue"),
    (r#"{"active": 1}"#, "invalidValue"),
    (r#"{"displayName": "Babs"}"#, "ok"),
    (r#"{"displayName": 5}"#, "invalidValue"),
    (r#"{"displayName": ["x"]}"#, "invalidValue"),
    (r#"{"level": 3}"#, "ok"),
    (r#"{"level": -3}"#, "ok"),
    (r#"{"level": 3.5}"#, "invalidValue"),
    (r#"{"level": "3"}"#, "invalidValue"),
    (r#"{"score": 3.5}"#, "ok"),
    (r#"{"score": 3}"#, "ok"),
    (r#"{"score": "3.5"}"#, "invalidValue"),
    (r#"{"hiredAt": "2026-01-23T04:56:22Z"}"#, "ok"),
    (r#"{"hiredAt": "2026-01-23T04:56:22.123+02:00"}"#, "ok"),
    (r#"{"hiredAt": "2026-01-23T04:56:22"}"#, "ok"),
    (r#"{"hiredAt": "yesterday"}"#, "invalidValue"),
    (r#"{"hiredAt": 1700000000}"#, "invalidValue"),
    (r#"{"profileUrl": "https://example.com/bjensen"}"#, "ok"),
    (r#"{"profileUrl": {"href": "x"}}"#, "invalidValue"),
    (
        r#"{"x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}]}"#,
        "ok",
    ),
    (
        r#"{"x509Certificates": [{"value": "not base64!"}]}"#,
        "invalidValue",
    ),
    (
        r#"{"name": {"givenName": "Barbara", "familyName": "Jensen"}}"#,
        "ok",
    ),
    (r#"{"name": "Barbara Jensen"}"#, "invalidValue"),
    (r#"{"name": {"givenName": 1}}"#, "invalidValue"),
    (r#"{"name": {"nickname": "Babs"}}"#, "invalidValue"),
    (
        r#"{"emails": [{"value": "a@example.com", "type": "work"}]}"#,
        "ok",
    ),
    (
        r#"{"emails": [{"value": "a@example.com", "type": "WORK"}]}"#,
        "ok",
    ),
    (
        r#"{"emails": [{"value": "a@example.com", "type": "pager"}]}"#,
        "invalidValue",
    ),
    (r#"{"emails": {"value": "a@example.com"}}"#, "invalidValue"),
    (r#"{"emails": ["a@example.com"]}"#, "invalidValue"),
    (
        r#"{"emails": [{"value": "a@x.com", "primary": true}, {"value": "b@x.com", "primary": true}]}"#,
        "invalidValue",
    ),
    (
        r#"{"emails": [{"value": "a@x.com", "primary": true}, {"value": "b@x.com", "primary": false}]}"#,
        "ok",
    ),
    (
        r#"{"phoneNumbers": [{"value": "tel:+1-201-555-0123", "type": "mobile"}]}"#,
        "ok",
    ),
    (r#"{"role": "member"}"#, "ok"),
    (r#"{"role": "Member"}"#, "ok"),
    (r#"{"role": "superuser"}"#, "invalidValue"),
    (r#"{"nonsense": "x"}"#, "invalidValue"),
    (
        r#"{"urn:example:unknown:1.0:User": {"a": 1}}"#,
        "invalidValue",
    ),
    (
        r#"{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "x"}"#,
        "invalidValue",
    ),
    (
        r#"{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "7"}}"#,
        "ok",
    ),
    (
        r#"{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": 7}}"#,
        "invalidValue",
    ),
    (
        r#"{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "26118915"}}}"#,
        "ok",
    ),
    (
        r#"{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"shoeSize": 44}}"#,
        "invalidValue",
    ),
    (r#"{"userName": 42}"#, "invalidValue"),
    (r#"{"userName": null}"#, "invalidValue"),
    (r#"{"externalId": 42}"#, "invalidValue"),
    (
        r#"{"schemas": "urn:ietf:params:scim:schemas:core:2.0:User"}"#,
        "invalidSyntax",
    ),
    (
        r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]}"#,
        "invalidSyntax",
    ),
    (r#"{"schemas": []}"#, "invalidSyntax"),
];

#[test]
fn every_attribute_type_is_checked() {
    let mut failures = Vec::new();
    for (extra, expected) in TYPE_CASES {
        let result = create(user(serde_json::from_str(extra).unwrap()));
        let actual = match &result {
            Ok(_) => "ok",
            Err(e) => e.scim_type().unwrap_or("?"),
        };
        if actual != *expected {
            failures.push(format!("{extra}: expected {expected}, got {result:?}"));
        }
        if let Err(e) = &result {
            if e.detail().is_empty() {
                failures.push(format!("{extra}: empty detail"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn details_name_the_attribute_path() {
    let cases = [
        (
            json!({"emails": [{"value": "a", "type": "pager"}]}),
            "emails[0].type",
        ),
        (json!({"name": {"givenName": 1}}), "name.givenName"),
        (json!({"nonsense": 1}), "nonsense"),
        (
            json!({ENT: {"employeeNumber": 7}}),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        ),
        (json!({"role": "x"}), "\"owner\", \"administrator\""),
    ];
    for (extra, needle) in cases {
        let err = create(user(extra.clone())).unwrap_err();
        assert!(err.detail().contains(needle), "{extra}: {}", err.detail());
    }
}

#[test]
fn names_take_the_schema_spelling_and_nulls_are_unassigned() {
    let r = create(json!({
        "SCHEMAS": [USER],
        "USERNAME": "bjensen",
        "Name": {"GIVENNAME": "Barbara", "familyName": null},
        "title": null,
        "roles": [],
        "emails": [null, {"VALUE": "a@example.com", "Type": "work"}],
        "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User": {"EmployeeNumber": "7"},
    }))
    .unwrap();
    let out = r.to_json();
    assert_eq!(out["userName"], "bjensen");
    assert_eq!(out["name"], json!({"givenName": "Barbara"}));
    assert!(out.get("title").is_none());
    assert!(out.get("roles").is_none());
    assert_eq!(
        out["emails"],
        json!([{"value": "a@example.com", "type": "work"}])
    );
    assert_eq!(out[ENT], json!({"employeeNumber": "7"}));
    assert_eq!(out["schemas"], json!([USER, ENT]));
}

#[test]
fn read_only_input_is_ignored() {
    let r = create(user(json!({
        "id": "client-chosen",
        "meta": {"resourceType": "User", "created": "2020-01-01T00:00:00Z", "lastModified": "2020-01-01T00:00:00Z"},
        "groups": [{"value": "g1"}],
        ENT: {"manager": {"value": "m1", "displayName": "Boss"}},
    })))
    .unwrap();
    assert!(r.id.is_none());
    assert!(r.meta.is_none());
    assert!(r.get("groups").is_none());
    assert_eq!(r.attributes[ENT]["manager"], json!({"value": "m1"}));
}

#[test]
fn schemas_follow_the_data() {
    // Extension data without its URN in schemas: the URN is added.
    let r = create(user(json!({ENT: {"department": "R&D"}}))).unwrap();
    assert_eq!(r.schemas, [USER, ENT]);
    // URN listed without data: dropped.
    let r = create(json!({"schemas": [USER, ENT], "userName": "x"})).unwrap();
    assert_eq!(r.schemas, [USER]);
    // An extension whose attributes are all null counts as absent.
    let r = create(user(json!({ENT: {"department": null}}))).unwrap();
    assert_eq!(r.schemas, [USER]);
    assert!(r.extension(ENT).is_none());
}

#[test]
fn unknown_attributes_can_be_ignored() {
    let options = ValidationOptions {
        unknown_attributes: UnknownAttributes::Ignore,
    };
    let input = Resource::from_json(json!({
        "schemas": [USER, "urn:example:unknown"],
        "userName": "x",
        "nonsense": 1,
        "name": {"nickname": "y", "givenName": "G"},
        ENT: {"shoeSize": 44},
    }))
    .unwrap();
    let r = validate(&users(), input, Mode::Create, &options).unwrap();
    assert_eq!(
        r.to_json(),
        json!({"schemas": [USER], "userName": "x", "name": {"givenName": "G"}})
    );
}

#[test]
fn required_attributes_and_extensions() {
    let err = create(json!({"schemas": [USER], "displayName": "x"})).unwrap_err();
    assert_eq!(err.scim_type(), Some("invalidValue"));
    let err =
        create(json!({"schemas": [USER], "userName": ""})).map(|r| r.get("userName").cloned());
    assert_eq!(err.unwrap(), Some(json!("")), "empty strings are values");

    let badge_schema =
        Schema::new("urn:example:badge:1.0:User").attribute(Attribute::string("number").required());
    let rt = ResourceType::user().with_extension(badge_schema, true);
    let input = Resource::from_json(json!({"schemas": [USER], "userName": "x"})).unwrap();
    let err = validate(&rt, input, Mode::Create, &ValidationOptions::default()).unwrap_err();
    assert!(err.detail().contains("required extension"), "{err}");
    let input = Resource::from_json(
        json!({"schemas": [USER], "userName": "x", "urn:example:badge:1.0:User": {"color": "red"}}),
    )
    .unwrap();
    assert!(validate(&rt, input, Mode::Create, &ValidationOptions::default()).is_err());
    let input = Resource::from_json(
        json!({"schemas": [USER], "userName": "x", "urn:example:badge:1.0:User": {"number": "7"}}),
    )
    .unwrap();
    let r = validate(&rt, input, Mode::Create, &ValidationOptions::default()).unwrap();
    assert_eq!(r.schemas, [USER, "urn:example:badge:1.0:User"]);
}

#[test]
fn group_members_with_null_refs() {
    let input = Resource::from_json(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Engineering",
        "members": [{"value": "u1", "$ref": null}, {"value": "u2", "display": "b@x.com"}],
    }))
    .unwrap();
    let r = validate(
        &ResourceType::group(),
        input,
        Mode::Create,
        &ValidationOptions::default(),
    )
    .unwrap();
    assert_eq!(
        r.attributes["members"],
        json!([{"value": "u1"}, {"value": "u2", "display": "b@x.com"}])
    );
    let no_name =
        Resource::from_json(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]}))
            .unwrap();
    assert!(validate(
        &ResourceType::group(),
        no_name,
        Mode::Create,
        &ValidationOptions::default()
    )
    .is_err());
}

fn stored() -> Resource {
    let mut r = create(user(json!({
        "password": "s3cret",
        "badge": "B-1",
        "title": "Engineer",
    })))
    .unwrap();
    r.id = Some("u1".to_owned());
    r.meta = Some(scimkit_core::Meta::new("User", chrono::Utc::now()));
    r.attributes.insert(
        "groups".to_owned(),
        json!([{"value": "g1", "display": "Eng"}]),
    );
    r
}

fn replace(existing: &Resource, body: Value) -> Result<Resource, ScimError> {
    validate(
        &users(),
        Resource::from_json(body)?,
        Mode::Replace { existing },
        &ValidationOptions::default(),
    )
}

#[test]
fn replace_keeps_server_values_and_secrets() {
    let existing = stored();
    // What Okta's custom apps PUT: the object as last read (no password, read-only groups, id, meta).
    let mut last_read = existing.to_json();
    last_read.as_object_mut().unwrap().remove("password");
    last_read["active"] = json!(false);
    last_read["id"] = json!("something-else");
    last_read["groups"] = json!([]);
    let r = replace(&existing, last_read).unwrap();
    assert_eq!(r.id.as_deref(), Some("u1"));
    assert_eq!(r.meta, existing.meta);
    assert_eq!(r.attributes["password"], "s3cret", "write-only value kept");
    assert_eq!(
        r.attributes["groups"], existing.attributes["groups"],
        "read-only value kept"
    );
    assert_eq!(r.attributes["active"], false);
    // PUT replaces: attributes left out are gone.
    let r = replace(&existing, json!({"schemas": [USER], "userName": "bjensen"})).unwrap();
    assert!(r.get("title").is_none());
    assert_eq!(
        r.attributes["badge"], "B-1",
        "immutable value kept when omitted"
    );
}

#[test]
fn immutable_values_cannot_change() {
    let existing = stored();
    let err = replace(
        &existing,
        json!({"schemas": [USER], "userName": "bjensen", "badge": "B-2"}),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some("mutability"));
    assert!(err.detail().contains("badge"));
    assert!(replace(
        &existing,
        json!({"schemas": [USER], "userName": "bjensen", "badge": "B-1"})
    )
    .is_ok());
    // Set once: allowed when it was unassigned.
    let mut fresh = existing.clone();
    fresh.attributes.remove("badge");
    let r = replace(
        &fresh,
        json!({"schemas": [USER], "userName": "bjensen", "badge": "B-9"}),
    )
    .unwrap();
    assert_eq!(r.attributes["badge"], "B-9");
}
