//! The identity-provider compatibility layer: each quirk of IDP-NOTES.md, fed with the exact
//! payload the identity provider sends, normalised (default) or left alone (strict); the
//! switches of the later identity providers through the engine (`Scim::handle`), accepted by
//! default and refused with that one switch off.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value
)]

mod support;

use http::{Method, StatusCode};
use scimkit_core::compat::{normalize_patch, normalize_resource, CompatOptions, Quirk};
use scimkit_core::schema::{Attribute, ResourceType};
use scimkit_core::validate::{validate, Mode, ValidationOptions};
use scimkit_core::Resource;
use scimkit_core::{InMemoryStore, Scim};
use serde_json::{json, Value};
use support::{send, Reply};

const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn patch(ops: Value) -> Value {
    json!({"schemas": [PATCH], "Operations": ops})
}

fn norm_patch(rt: &ResourceType, ops: Value, options: &CompatOptions) -> (Value, Vec<Quirk>) {
    let mut body = patch(ops);
    let quirks = normalize_patch(rt, &mut body, options);
    (body["Operations"].clone(), quirks)
}

#[test]
fn entra_capitalised_ops() {
    for (sent, clean) in [
        ("Add", "add"),
        ("Replace", "replace"),
        ("Remove", "remove"),
        ("REPLACE", "replace"),
    ] {
        let (ops, quirks) = norm_patch(
            &ResourceType::user(),
            json!([{"op": sent, "path": "displayName", "value": "x"}]),
            &CompatOptions::default(),
        );
        assert_eq!(ops[0]["op"], clean);
        assert_eq!(quirks, [Quirk::CapitalisedOp]);
        let (ops, quirks) = norm_patch(
            &ResourceType::user(),
            json!([{"op": sent, "path": "displayName", "value": "x"}]),
            &CompatOptions::strict(),
        );
        assert_eq!(
            ops[0]["op"], sent,
            "strict leaves it for the PATCH parser to refuse"
        );
        assert!(quirks.is_empty());
    }
}

#[test]
fn entra_boolean_strings_in_patch() {
    for (sent, clean) in [
        ("False", false),
        ("True", true),
        ("false", false),
        ("true", true),
        ("FALSE", false),
    ] {
        let (ops, _) = norm_patch(
            &ResourceType::user(),
            json!([{"op": "Replace", "path": "active", "value": sent}]),
            &CompatOptions::default(),
        );
        assert_eq!(ops[0]["value"], clean, "{sent}");
    }
    // Boolean sub-attributes through a value filter path, and inside path-less values.
    let (ops, _) = norm_patch(
        &ResourceType::user(),
        json!([
            {"op": "replace", "path": "emails[type eq \"work\"].primary", "value": "True"},
            {"op": "replace", "value": {"active": "False", "emails": [{"value": "a@b.c", "primary": "true"}]}},
            {"op": "add", "path": "emails", "value": [{"value": "c@d.e", "primary": "False"}]},
            {"op": "add", "path": "emails", "value": {"value": "f@g.h", "primary": "True"}},
        ]),
        &CompatOptions::default(),
    );
    assert_eq!(ops[0]["value"], true);
    assert_eq!(ops[1]["value"]["active"], false);
    assert_eq!(ops[1]["value"]["emails"][0]["primary"], true);
    assert_eq!(ops[2]["value"][0]["primary"], false);
    assert_eq!(ops[3]["value"]["primary"], true);
    // Strings that are not booleans, and string attributes, are left alone.
    let (ops, quirks) = norm_patch(
        &ResourceType::user(),
        json!([{"op": "replace", "path": "active", "value": "yes"}, {"op": "replace", "path": "title", "value": "True"}]),
        &CompatOptions::default(),
    );
    assert_eq!(ops[0]["value"], "yes");
    assert_eq!(ops[1]["value"], "True");
    assert!(quirks.is_empty());
    let (ops, _) = norm_patch(
        &ResourceType::user(),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
        &CompatOptions::strict(),
    );
    assert_eq!(ops[0]["value"], "False");
}

#[test]
fn entra_compliant_dialect_qualified_keys() {
    let (ops, quirks) = norm_patch(
        &ResourceType::user(),
        json!([{"op": "replace", "value": {
            "displayName": "B",
            "name.givenName": "K",
            "name.familyName": "L",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "A",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "m-1",
            "urn:ietf:params:scim:schemas:core:2.0:User:title": "Boss",
        }}]),
        &CompatOptions::default(),
    );
    let value = &ops[0]["value"];
    assert_eq!(value["displayName"], "B");
    assert_eq!(value["name"], json!({"givenName": "K", "familyName": "L"}));
    assert_eq!(value[ENT]["employeeNumber"], "A");
    assert_eq!(value[ENT]["manager"], json!({"value": "m-1"}));
    assert_eq!(value["title"], "Boss");
    assert!(value.get("name.givenName").is_none());
    assert!(quirks.contains(&Quirk::QualifiedKey));
    assert!(quirks.contains(&Quirk::BareComplexValue));

    let (ops, _) = norm_patch(
        &ResourceType::user(),
        json!([{"op": "replace", "value": {"name.givenName": "K"}}]),
        &CompatOptions::strict(),
    );
    assert_eq!(ops[0]["value"], json!({"name.givenName": "K"}));
}

#[test]
fn entra_remove_members_by_value_list() {
    let (ops, quirks) = norm_patch(
        &ResourceType::group(),
        json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u\"2"}]}]),
        &CompatOptions::default(),
    );
    assert_eq!(
        ops,
        json!([
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "remove", "path": "members[value eq \"u\\\"2\"]"},
        ])
    );
    assert!(quirks.contains(&Quirk::RemoveListedValues));
    // The generated paths parse back to the listed ids.
    let path = scimkit_filter::parse_path(ops[1]["path"].as_str().unwrap()).unwrap();
    assert!(path.to_string().contains("u\\\"2"));
    // Strict: the RFC meaning (remove the attribute) is left to the PATCH engine.
    let (ops, _) = norm_patch(
        &ResourceType::group(),
        json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]),
        &CompatOptions::strict(),
    );
    assert_eq!(ops[0]["path"], "members");
    assert_eq!(ops[0]["value"][0]["value"], "u1");
    // A remove without a value list stays a remove of the whole attribute.
    let (ops, _) = norm_patch(
        &ResourceType::group(),
        json!([{"op": "remove", "path": "members"}]),
        &CompatOptions::default(),
    );
    assert_eq!(ops, json!([{"op": "remove", "path": "members"}]));
}

#[test]
fn entra_manager_as_bare_id() {
    let (ops, _) = norm_patch(
        &ResourceType::user(),
        json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "26118915"}]),
        &CompatOptions::default(),
    );
    assert_eq!(ops[0]["value"], json!({"value": "26118915"}));
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "userName": "ann@contoso.com",
        ENT: {"manager": "26118915"}
    });
    let quirks = normalize_resource(&ResourceType::user(), &mut body, &CompatOptions::default());
    assert_eq!(body[ENT]["manager"], json!({"value": "26118915"}));
    assert_eq!(quirks, [Quirk::BareComplexValue]);
    let mut strict = json!({"schemas": [], ENT: {"manager": "26118915"}});
    normalize_resource(&ResourceType::user(), &mut strict, &CompatOptions::strict());
    assert_eq!(strict[ENT]["manager"], "26118915");
}

fn validated(body: Value, options: &CompatOptions) -> Result<Resource, scimkit_core::ScimError> {
    let rt = ResourceType::user();
    let mut body = body;
    normalize_resource(&rt, &mut body, options);
    validate(
        &rt,
        Resource::from_json(body)?,
        Mode::Create,
        &ValidationOptions::default(),
    )
}

#[test]
fn entra_create_user_with_string_boolean_and_nulls() {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User@contoso.com",
        "active": "True",
        "emails": [{"primary": true, "type": "work", "value": "Test_User@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Ann Lee", "familyName": "Lee", "givenName": "Ann"},
        "roles": [],
        "title": null,
        "addresses": null,
        "phoneNumbers": null,
        ENT: {"manager": null, "employeeNumber": "42"},
    });
    let user = validated(body.clone(), &CompatOptions::default()).unwrap();
    let out = user.to_json();
    assert_eq!(out["active"], true);
    assert!(out.get("roles").is_none() && out.get("title").is_none());
    assert_eq!(out[ENT], json!({"employeeNumber": "42"}));
    let err = validated(body, &CompatOptions::strict()).unwrap_err();
    assert_eq!(err.scim_type(), Some("invalidValue"));
    assert!(err.detail().contains("active"));
}

#[test]
fn entra_adscim_group_schema_is_ignored() {
    let rt = ResourceType::group();
    let mut body = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
        ],
        "displayName": "Group A",
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "members": []
    });
    let strict_body = body.clone();
    let quirks = normalize_resource(&rt, &mut body, &CompatOptions::default());
    assert_eq!(quirks, [Quirk::AttributelessSchemaUrn]);
    let group = validate(
        &rt,
        Resource::from_json(body).unwrap(),
        Mode::Create,
        &ValidationOptions::default(),
    )
    .unwrap();
    assert_eq!(
        group.schemas,
        ["urn:ietf:params:scim:schemas:core:2.0:Group"]
    );
    let err = validate(
        &rt,
        Resource::from_json(strict_body).unwrap(),
        Mode::Create,
        &ValidationOptions::default(),
    )
    .unwrap_err();
    assert!(err.detail().contains("ADSCIM"), "{err}");
    // An unknown URN that carries data is not dropped: validation reports it.
    let mut with_data = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "urn:x:y"], "displayName": "G", "urn:x:y": {"a": 1}});
    assert!(normalize_resource(&rt, &mut with_data, &CompatOptions::default()).is_empty());
}

#[test]
fn okta_read_only_attributes_in_path_less_replace() {
    let (ops, quirks) = norm_patch(
        &ResourceType::group(),
        json!([{"op": "replace", "value": {"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Test SCIMv2"}}]),
        &CompatOptions::default(),
    );
    assert_eq!(ops[0]["value"], json!({"displayName": "Test SCIMv2"}));
    assert_eq!(quirks, [Quirk::ReadOnlyInPatchValue]);
    let (ops, _) = norm_patch(
        &ResourceType::user(),
        json!([{"op": "replace", "value": {"active": false, "meta": {}, "groups": [], "schemas": [], "externalId": "e"}}]),
        &CompatOptions::default(),
    );
    assert_eq!(ops[0]["value"], json!({"active": false, "externalId": "e"}));
    let (ops, _) = norm_patch(
        &ResourceType::group(),
        json!([{"op": "replace", "value": {"id": "abf4", "displayName": "T"}}]),
        &CompatOptions::strict(),
    );
    assert_eq!(ops[0]["value"]["id"], "abf4");
}

#[test]
fn zulip_role_in_the_core_namespace_is_a_normal_attribute() {
    let rt =
        ResourceType::user().with_core_attribute(Attribute::string("role").canonical_values([
            "owner",
            "administrator",
            "moderator",
            "member",
            "guest",
        ]));
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "iago@zulip.com",
        "name": {"givenName": "Iago", "familyName": "Zulip"},
        "role": "member",
        "active": true
    });
    let r = validate(
        &rt,
        Resource::from_json(body).unwrap(),
        Mode::Create,
        &ValidationOptions::default(),
    )
    .unwrap();
    assert_eq!(r.attributes["role"], "member");
    // Entra's compliant dialect could send it URN-qualified.
    let (ops, _) = norm_patch(
        &rt,
        json!([{"op": "replace", "value": {"urn:ietf:params:scim:schemas:core:2.0:User:role": "guest"}}]),
        &CompatOptions::default(),
    );
    assert_eq!(ops[0]["value"], json!({"role": "guest"}));
}

#[test]
fn malformed_bodies_are_left_for_the_parsers() {
    for mut body in [
        json!(null),
        json!([]),
        json!({"Operations": "x"}),
        json!({"Operations": [1, "a", null]}),
    ] {
        let before = body.clone();
        normalize_patch(&ResourceType::user(), &mut body, &CompatOptions::default());
        assert_eq!(body, before);
        normalize_resource(&ResourceType::user(), &mut body, &CompatOptions::default());
        assert_eq!(body, before);
    }
}

#[test]
fn sdk_schemas_member_inside_extension_objects() {
    let users = ResourceType::user();
    // PATCH with the extension URN as path (scim2-models / scim2-tester send this).
    let ops =
        json!([{"op": "add", "path": ENT, "value": {"schemas": [ENT], "employeeNumber": "42"}}]);
    let (clean, quirks) = norm_patch(&users, ops.clone(), &CompatOptions::default());
    assert_eq!(clean[0]["value"], json!({"employeeNumber": "42"}));
    assert_eq!(quirks, [Quirk::SchemasInExtensionObject]);
    let (kept, quirks) = norm_patch(&users, ops, &CompatOptions::strict());
    assert_eq!(kept[0]["value"]["schemas"], json!([ENT]));
    assert!(quirks.is_empty());

    // A POST body: the cleaned body validates, the strict one is refused.
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "userName": "b",
        ENT: {"schemas": [ENT], "department": "R&D"}
    });
    let mut clean = body.clone();
    normalize_resource(&users, &mut clean, &CompatOptions::default());
    let user = validate(
        &users,
        Resource::from_json(clean).unwrap(),
        Mode::Create,
        &ValidationOptions::default(),
    )
    .unwrap();
    assert_eq!(user.extension(ENT).unwrap()["department"], "R&D");
    let mut strict = body;
    normalize_resource(&users, &mut strict, &CompatOptions::strict());
    let err = validate(
        &users,
        Resource::from_json(strict).unwrap(),
        Mode::Create,
        &ValidationOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some("invalidValue"));
}

/// An engine over a fresh in-memory store with these compat options.
fn engine(compat: CompatOptions) -> Scim {
    Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(support::auth)
        .compat(compat)
        .build()
        .unwrap()
}

/// Creates a group through the engine; its id.
async fn group(scim: &Scim, name: &str) -> String {
    let reply = send(
        scim,
        Method::POST,
        "/Groups",
        Some(json!({"schemas": [support::GROUP], "displayName": name, "externalId": "ak-1"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

/// authentik's rename: a path-less replace whose value is the whole group, in a body without
/// `schemas`.
async fn authentik_rename(scim: &Scim, id: &str) -> Reply {
    let body = json!({"Operations": [{"op": "replace", "value": {
        "id": id,
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Engineering (renamed)",
        "externalId": "ak-2"
    }}]});
    send(scim, Method::PATCH, &format!("/Groups/{id}"), Some(body)).await
}

#[tokio::test]
async fn authentik_patch_without_schemas() {
    let scim = engine(CompatOptions::default());
    let id = group(&scim, "Engineering").await;
    let reply = authentik_rename(&scim, &id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["displayName"], "Engineering (renamed)");
    assert_eq!(reply.body["externalId"], "ak-2");
    assert_eq!(reply.body["id"], id.as_str());

    // Only an absent member is supplied: a wrong one is still refused.
    let wrong = json!({"schemas": ["urn:example:not:patch"], "Operations": [
        {"op": "replace", "path": "displayName", "value": "X"}]});
    let reply = send(&scim, Method::PATCH, &format!("/Groups/{id}"), Some(wrong)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.scim_type(), Some("invalidSyntax"));

    let mut body = json!({"Operations": [{"op": "add", "path": "displayName", "value": "X"}]});
    let quirks = normalize_patch(&ResourceType::group(), &mut body, &CompatOptions::default());
    assert_eq!(quirks, [Quirk::PatchWithoutSchemas]);
    assert_eq!(body["schemas"], json!([PATCH]));

    let off = engine(CompatOptions {
        patch_without_schemas: false,
        ..CompatOptions::default()
    });
    let id = group(&off, "Engineering").await;
    let reply = authentik_rename(&off, &id).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.scim_type(), Some("invalidSyntax"));
    assert!(reply.detail().contains("schemas"), "{}", reply.body);
}

const LEGACY_CORE: &str = "urn:scim:schemas:core:2.0";
const LEGACY_ENTERPRISE: &str = "urn:scim:schemas:extension:enterprise:2.0";

/// OneLogin's "SCIM v2 Enterprise" user: pre-RFC URNs, standard attribute names.
fn onelogin_user(name: &str, active: bool) -> Value {
    json!({
        "schemas": [LEGACY_CORE, LEGACY_ENTERPRISE],
        "userName": name,
        "externalId": "51224781",
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"value": name, "primary": true}],
        "active": active,
        LEGACY_ENTERPRISE: {"department": "Sales", "employeeNumber": "4711"}
    })
}

#[tokio::test]
async fn onelogin_legacy_schema_urns() {
    let scim = engine(CompatOptions::default());
    let reply = send(
        &scim,
        Method::POST,
        "/Users",
        Some(onelogin_user("ann@onelogin.example", true)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["schemas"], json!([support::USER, ENT]));
    assert_eq!(reply.body[ENT]["department"], "Sales");
    assert!(reply.body.get(LEGACY_ENTERPRISE).is_none());
    let id = reply.body["id"].as_str().unwrap().to_owned();

    // Suspend: a PUT of the whole user, in any letter case of the URNs.
    let mut body = onelogin_user("ann@onelogin.example", false);
    body["schemas"] = json!(["URN:SCIM:SCHEMAS:CORE:2.0", LEGACY_ENTERPRISE]);
    let reply = send(&scim, Method::PUT, &format!("/Users/{id}?"), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["active"], false);
    assert_eq!(reply.body[ENT]["employeeNumber"], "4711");

    // PATCH paths and path-less value keys.
    let ops = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": format!("{LEGACY_ENTERPRISE}:department"), "value": "Support"},
        {"op": "replace", "value": {format!("{LEGACY_CORE}:title"): "Lead"}},
    ]});
    let reply = send(&scim, Method::PATCH, &format!("/Users/{id}"), Some(ops)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body[ENT]["department"], "Support");
    assert_eq!(reply.body["title"], "Lead");

    // A Group's legacy core URN is the Group schema; the EnterpriseUser URN is not a Group's.
    let mut body = json!({"schemas": [LEGACY_CORE], "displayName": "G"});
    let quirks = normalize_resource(&ResourceType::group(), &mut body, &CompatOptions::default());
    assert_eq!(quirks, [Quirk::LegacySchemaUrn]);
    assert_eq!(body["schemas"], json!([support::GROUP]));
    let mut body = json!({"schemas": [support::GROUP, LEGACY_ENTERPRISE], "displayName": "G",
                         LEGACY_ENTERPRISE: {"department": "x"}});
    normalize_resource(&ResourceType::group(), &mut body, &CompatOptions::default());
    assert_eq!(body["schemas"][1], LEGACY_ENTERPRISE);

    let off = engine(CompatOptions {
        legacy_schema_urns: false,
        ..CompatOptions::default()
    });
    let reply = send(
        &off,
        Method::POST,
        "/Users",
        Some(onelogin_user("ann@onelogin.example", true)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.detail().contains(support::USER), "{}", reply.body);
}
