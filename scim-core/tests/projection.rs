//! `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) through the public API, on
//! validated resources.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value
)]

use chrono::{TimeZone, Utc};
use scimkit_core::projection::Projection;
use scimkit_core::schema::{Attribute, ResourceType, Returned};
use scimkit_core::validate::{validate, Mode, ValidationOptions};
use scimkit_core::{Meta, Resource, ScimError};
use scimkit_filter::AttrPath;
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ID: &str = "2819c223-7f76-453a-919d-413861904646";

/// The built-in User type plus host attributes: one `request`, one `always`, and a complex
/// attribute with an `always` sub-attribute.
fn host_users() -> ResourceType {
    ResourceType::user()
        .with_core_attribute(Attribute::string("secretQuestion").returned(Returned::Request))
        .with_core_attribute(Attribute::string("tenantKey").returned(Returned::Always))
        .with_core_attribute(Attribute::complex(
            "badge",
            vec![
                Attribute::string("value").returned(Returned::Always),
                Attribute::string("label"),
            ],
        ))
}

fn stored(rt: &ResourceType, body: Value) -> Resource {
    let mut r = validate(
        rt,
        Resource::from_json(body).unwrap(),
        Mode::Create,
        &ValidationOptions::default(),
    )
    .unwrap();
    r.id = Some(ID.to_owned());
    let mut meta = Meta::new(
        rt.name.clone(),
        Utc.with_ymd_and_hms(2026, 1, 23, 4, 56, 22).unwrap(),
    );
    meta.last_modified = Utc.with_ymd_and_hms(2026, 2, 1, 8, 0, 0).unwrap();
    meta.location = Some(format!("https://example.com/v2{}/{ID}", rt.endpoint));
    meta.version = Some("W/\"3\"".to_owned());
    r.meta = Some(meta);
    r
}

fn user_body() -> Value {
    json!({
        "schemas": [USER, ENT],
        "externalId": "701984",
        "userName": "bjensen@example.com",
        "name": {
            "formatted": "Ms. Barbara J Jensen, III",
            "familyName": "Jensen",
            "givenName": "Barbara"
        },
        "displayName": "Babs Jensen",
        "active": true,
        "password": "t1meMa$heen",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "555-555-8377", "type": "work"}],
        ENT: {
            "employeeNumber": "701984",
            "costCenter": "4130",
            "manager": {"value": "26118915"}
        }
    })
}

fn bjensen() -> Resource {
    stored(&ResourceType::user(), user_body())
}

fn host_bjensen() -> Resource {
    let mut body = user_body();
    let map = body.as_object_mut().unwrap();
    map.insert("secretQuestion".into(), json!("first pet"));
    map.insert("tenantKey".into(), json!("acme"));
    map.insert("badge".into(), json!({"value": "B-1", "label": "gold"}));
    stored(&host_users(), body)
}

fn group() -> Resource {
    stored(
        &ResourceType::group(),
        json!({
            "schemas": [GROUP],
            "displayName": "Tour Guides",
            "members": [
                {"value": ID, "display": "Babs Jensen", "type": "User"},
                {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge"}
            ]
        }),
    )
}

/// A built-in User projected by the query-parameter texts.
fn user_with(attributes: Option<&str>, excluded: Option<&str>) -> Value {
    let rt = ResourceType::user();
    Projection::from_query(&rt, attributes, excluded)
        .unwrap()
        .apply(&rt, &bjensen())
}

fn host_with(attributes: Option<&str>, excluded: Option<&str>) -> Value {
    let rt = host_users();
    Projection::from_query(&rt, attributes, excluded)
        .unwrap()
        .apply(&rt, &host_bjensen())
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn default_projection_is_the_resource_without_password() {
    let out = user_with(None, None);
    let mut expected = bjensen().to_json();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(out, expected);
    assert!(out.get("password").is_none());
    assert_eq!(out["emails"][1]["value"], "babs@jensen.org");
    assert_eq!(out["meta"]["lastModified"], "2026-02-01T08:00:00.000Z");
}

#[test]
fn default_and_all_are_the_same_and_default() {
    assert_eq!(Projection::default(), Projection::all());
    assert!(Projection::all().is_default());
    let rt = ResourceType::user();
    assert!(Projection::new(&rt, &[], &[]).unwrap().is_default());
    assert!(Projection::from_query(&rt, Some(""), Some(" ,, "))
        .unwrap()
        .is_default());
    assert!(!Projection::from_query(&rt, Some("userName"), None)
        .unwrap()
        .is_default());
}

#[test]
fn default_projection_omits_request_attributes_and_keeps_host_ones() {
    let out = host_with(None, None);
    assert!(out.get("secretQuestion").is_none());
    assert!(out.get("password").is_none());
    assert_eq!(out["tenantKey"], "acme");
    assert_eq!(out["badge"], json!({"value": "B-1", "label": "gold"}));
}

#[test]
fn attributes_user_name_returns_schemas_id_and_user_name_only() {
    let out = user_with(Some("userName"), None);
    assert_eq!(
        out,
        json!({"schemas": [USER, ENT], "id": ID, "userName": "bjensen@example.com"})
    );
}

#[test]
fn schemas_and_id_are_always_there() {
    let out = user_with(Some("id"), None);
    assert_eq!(out, json!({"schemas": [USER, ENT], "id": ID}));
    let out = user_with(None, Some("schemas,id"));
    assert_eq!(out["id"], ID);
    assert_eq!(out["schemas"], json!([USER, ENT]));
}

#[test]
fn excluded_id_still_returns_id() {
    let out = user_with(None, Some("id"));
    assert_eq!(out["id"], ID);
    assert_eq!(out["userName"], "bjensen@example.com");
}

#[test]
fn attributes_sub_attribute_returns_the_parent_with_only_it() {
    let out = user_with(Some("name.givenName"), None);
    assert_eq!(out["name"], json!({"givenName": "Barbara"}));
    assert!(out.get("userName").is_none());
}

#[test]
fn attributes_multi_valued_sub_attribute_applies_to_each_element() {
    let out = user_with(Some("emails.value"), None);
    assert_eq!(
        out["emails"],
        json!([{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}])
    );
    let out = user_with(Some("emails.value,emails.primary"), None);
    assert_eq!(
        out["emails"],
        json!([{"value": "bjensen@example.com", "primary": true}, {"value": "babs@jensen.org"}])
    );
}

#[test]
fn a_sub_attribute_no_element_has_is_omitted() {
    let out = user_with(Some("emails.display,userName"), None);
    assert!(out.get("emails").is_none(), "{out}");
    assert_eq!(out["userName"], "bjensen@example.com");
}

#[test]
fn attributes_parent_and_sub_attribute_gives_the_whole_parent() {
    let out = user_with(Some("emails,emails.value"), None);
    assert_eq!(out["emails"], bjensen().get("emails").unwrap().clone());
}

#[test]
fn excluded_sub_attribute_removes_only_it() {
    let out = user_with(None, Some("emails.type,name.formatted"));
    assert_eq!(
        out["emails"],
        json!([
            {"value": "bjensen@example.com", "primary": true},
            {"value": "babs@jensen.org"}
        ])
    );
    assert_eq!(
        out["name"],
        json!({"familyName": "Jensen", "givenName": "Barbara"})
    );
    assert_eq!(out["displayName"], "Babs Jensen");
}

#[test]
fn excluded_members_on_a_group_like_entra_id() {
    let groups = ResourceType::group();
    let p = Projection::from_query(&groups, None, Some("members")).unwrap();
    let out = p.apply(&groups, &group());
    assert_eq!(keys(&out), ["schemas", "id", "displayName", "meta"]);
    assert!(!p.requests(&groups, &AttrPath::new("members")));
    assert!(!p.requests(&groups, &AttrPath::new("members").with_sub_attr("value")));
    assert!(p.requests(&groups, &AttrPath::new("displayName")));
    // Without parameters the members are there.
    let all = Projection::all().apply(&groups, &group());
    assert_eq!(all["members"].as_array().unwrap().len(), 2);
}

#[test]
fn group_members_value_only() {
    let groups = ResourceType::group();
    let out = Projection::from_query(&groups, Some("members.value"), None)
        .unwrap()
        .apply(&groups, &group());
    assert_eq!(
        out["members"],
        json!([{"value": ID}, {"value": "902c246b-6245-4190-8e05-00816be7344a"}])
    );
    assert!(out.get("displayName").is_none());
}

#[test]
fn urn_qualified_core_and_extension_names() {
    let out = user_with(
        Some(&format!(
            "{USER}:userName,{ENT}:employeeNumber,{USER}:name.familyName"
        )),
        None,
    );
    assert_eq!(
        out,
        json!({
            "schemas": [USER, ENT],
            "id": ID,
            "userName": "bjensen@example.com",
            "name": {"familyName": "Jensen"},
            ENT: {"employeeNumber": "701984"},
        })
    );
}

#[test]
fn extension_sub_attribute_by_urn() {
    let out = user_with(Some(&format!("{ENT}:manager.value")), None);
    assert_eq!(out[ENT], json!({"manager": {"value": "26118915"}}));
}

#[test]
fn whole_extension_urn_in_attributes() {
    let out = user_with(Some(ENT), None);
    assert_eq!(
        out[ENT],
        bjensen().extension(ENT).map(|m| json!(m)).unwrap()
    );
    assert!(out.get("userName").is_none());
    assert!(
        Projection::from_query(&ResourceType::user(), Some(ENT), None)
            .unwrap()
            .requests(
                &ResourceType::user(),
                &AttrPath::new("costCenter").with_urn(ENT)
            )
    );
}

#[test]
fn whole_extension_urn_in_excluded_attributes() {
    let out = user_with(None, Some(ENT));
    assert!(out.get(ENT).is_none());
    assert_eq!(out["userName"], "bjensen@example.com");
}

#[test]
fn excluded_extension_attribute_keeps_the_rest_of_the_extension() {
    let out = user_with(None, Some(&format!("{ENT}:employeeNumber")));
    assert_eq!(
        out[ENT],
        json!({"costCenter": "4130", "manager": {"value": "26118915"}})
    );
    // Unqualified names find extension attributes too.
    let out = user_with(None, Some("employeeNumber,costCenter,manager"));
    assert!(
        out.get(ENT).is_none(),
        "an emptied extension is omitted: {out}"
    );
}

#[test]
fn extension_left_empty_is_omitted() {
    let out = user_with(Some(&format!("userName,{ENT}:division")), None);
    assert!(out.get(ENT).is_none());
    assert_eq!(out["userName"], "bjensen@example.com");
}

#[test]
fn core_schema_urn_names_every_core_attribute() {
    let out = user_with(Some(USER), None);
    assert_eq!(out["userName"], "bjensen@example.com");
    assert_eq!(out["emails"].as_array().unwrap().len(), 2);
    assert!(out.get(ENT).is_none());
    assert!(out.get("password").is_none());
    assert!(out.get("meta").is_none());
}

#[test]
fn names_are_case_insensitive_and_output_keeps_the_resource_spelling() {
    let out = user_with(
        Some(&format!(
            "USERNAME,Name.GIVENNAME,{}:EMPLOYEENUMBER,EMAILS.Value",
            ENT.to_uppercase()
        )),
        None,
    );
    assert_eq!(
        out,
        json!({
            "schemas": [USER, ENT],
            "id": ID,
            "userName": "bjensen@example.com",
            "name": {"givenName": "Barbara"},
            "emails": [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}],
            ENT: {"employeeNumber": "701984"},
        })
    );
    let out = user_with(None, Some("DISPLAYNAME,Meta"));
    assert!(out.get("displayName").is_none());
    assert!(out.get("meta").is_none());
}

#[test]
fn meta_sub_attributes() {
    let out = user_with(Some("meta.lastModified"), None);
    assert_eq!(
        out,
        json!({
            "schemas": [USER, ENT],
            "id": ID,
            "meta": {"lastModified": "2026-02-01T08:00:00.000Z"},
        })
    );
    let out = user_with(None, Some("meta.version,meta.location"));
    assert_eq!(
        out["meta"],
        json!({
            "resourceType": "User",
            "created": "2026-01-23T04:56:22.000Z",
            "lastModified": "2026-02-01T08:00:00.000Z",
        })
    );
}

#[test]
fn external_id_is_a_default_attribute() {
    let out = user_with(Some("externalId"), None);
    assert_eq!(
        out,
        json!({"schemas": [USER, ENT], "id": ID, "externalId": "701984"})
    );
    assert!(user_with(None, Some("externalId"))
        .get("externalId")
        .is_none());
}

#[test]
fn request_attribute_only_when_named_in_attributes() {
    assert!(host_with(None, None).get("secretQuestion").is_none());
    assert!(host_with(None, Some("displayName"))
        .get("secretQuestion")
        .is_none());
    let out = host_with(Some("secretQuestion"), None);
    assert_eq!(out["secretQuestion"], "first pet");
    let out = host_with(Some("SECRETQUESTION,userName"), None);
    assert_eq!(out["secretQuestion"], "first pet");
    assert_eq!(out["userName"], "bjensen@example.com");
    let rt = host_users();
    let path = AttrPath::new("secretQuestion");
    assert!(!Projection::all().requests(&rt, &path));
    assert!(Projection::from_query(&rt, Some("secretQuestion"), None)
        .unwrap()
        .requests(&rt, &path));
}

#[test]
fn always_host_attribute_survives_attributes_and_exclusion() {
    let out = host_with(Some("userName"), None);
    assert_eq!(out["tenantKey"], "acme");
    let out = host_with(None, Some("tenantKey"));
    assert_eq!(out["tenantKey"], "acme");
}

#[test]
fn always_sub_attribute_survives_attributes_and_exclusion() {
    let out = host_with(Some("userName"), None);
    assert_eq!(out["badge"], json!({"value": "B-1"}));
    let out = host_with(None, Some("badge"));
    assert_eq!(out["badge"], json!({"value": "B-1"}));
    let out = host_with(None, Some("badge.value,badge.label"));
    assert_eq!(out["badge"], json!({"value": "B-1"}));
    let out = host_with(Some("badge.label"), None);
    assert_eq!(out["badge"], json!({"value": "B-1", "label": "gold"}));
}

#[test]
fn password_is_never_output_even_when_asked_for() {
    let out = user_with(Some("password"), None);
    assert_eq!(out, json!({"schemas": [USER, ENT], "id": ID}));
    assert!(!Projection::all().requests(&ResourceType::user(), &AttrPath::new("password")));
}

#[test]
fn value_filters_and_garbage_are_invalid_value() {
    let rt = ResourceType::user();
    let cases = [
        (Some(r#"emails[type eq "work"]"#), None, "emails[type eq"),
        (
            Some(r#"emails[type eq "work"].value"#),
            None,
            "value filter",
        ),
        (None, Some(r#"members[value eq "1"]"#), "excludedAttributes"),
        (Some("user name"), None, "user name"),
        (Some("userName,emails..value"), None, "emails..value"),
        (
            Some("userName,"),
            Some("name.givenName.x"),
            "name.givenName.x",
        ),
    ];
    for (attributes, excluded, needle) in cases {
        let err = Projection::from_query(&rt, attributes, excluded).unwrap_err();
        assert!(matches!(err, ScimError::InvalidValue(_)), "{err:?}");
        assert!(err.detail().contains(needle), "{needle}: {}", err.detail());
    }
    let err = Projection::new(&rt, &["userName"], &["emails[primary eq true]"]).unwrap_err();
    assert_eq!(err.scim_type(), Some("invalidValue"));
}

#[test]
fn unknown_names_are_ignored() {
    assert_eq!(
        user_with(Some("userName,shoeSize,name.nickname2"), None),
        user_with(Some("userName"), None)
    );
    assert_eq!(
        user_with(Some("shoeSize"), None),
        json!({"schemas": [USER, ENT], "id": ID})
    );
    assert_eq!(user_with(None, Some("shoeSize")), user_with(None, None));
    assert_eq!(
        user_with(Some("urn:example:nothing:1.0:User:badge"), None),
        json!({"schemas": [USER, ENT], "id": ID})
    );
}

#[test]
fn attributes_wins_over_excluded_attributes() {
    let out = user_with(Some("userName"), Some("userName"));
    assert_eq!(out["userName"], "bjensen@example.com");
    assert!(out.get("displayName").is_none());
}

#[test]
fn whitespace_and_empty_items_in_query_text() {
    assert_eq!(
        user_with(Some(" userName , , displayName ,"), None),
        json!({
            "schemas": [USER, ENT],
            "id": ID,
            "userName": "bjensen@example.com",
            "displayName": "Babs Jensen",
        })
    );
}

#[test]
fn new_and_from_query_agree() {
    let rt = ResourceType::user();
    assert_eq!(
        Projection::new(&rt, &["userName", " emails.value"], &[]).unwrap(),
        Projection::from_query(&rt, Some("userName, emails.value"), None).unwrap()
    );
    assert_eq!(
        Projection::new(&rt, &[], &["members", ENT]).unwrap(),
        Projection::from_query(&rt, None, Some(&format!("members,{ENT}"))).unwrap()
    );
}

#[test]
fn requests_reports_what_apply_may_output() {
    let rt = ResourceType::user();
    let p = Projection::from_query(&rt, Some("emails.value"), None).unwrap();
    assert!(p.requests(&rt, &AttrPath::new("emails")));
    assert!(p.requests(&rt, &AttrPath::new("emails").with_sub_attr("value")));
    assert!(!p.requests(&rt, &AttrPath::new("emails").with_sub_attr("type")));
    assert!(!p.requests(&rt, &AttrPath::new("userName")));
    assert!(p.requests(&rt, &AttrPath::new("id")));
    assert!(p.requests(&rt, &AttrPath::new("schemas")));
    assert!(!p.requests(&rt, &AttrPath::new("noSuchThing")));
    let ext =
        AttrPath::new("User").with_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0");
    assert!(!p.requests(&rt, &ext));
    assert!(Projection::all().requests(&rt, &ext));
}

#[test]
fn unvalidated_odd_shapes_do_not_panic() {
    let rt = ResourceType::user();
    let r = Resource::from_json(json!({
        "schemas": [USER],
        "userName": 7,
        "name": "not an object",
        "emails": {"value": "x"},
        "phoneNumbers": ["a", {"value": "b", "type": "work"}],
        ENT: "not an object",
        "unknown": 1,
    }))
    .unwrap();
    for p in [
        Projection::all(),
        Projection::from_query(
            &rt,
            Some("name.givenName,emails.value,phoneNumbers.value"),
            None,
        )
        .unwrap(),
        Projection::from_query(&rt, None, Some("phoneNumbers.type")).unwrap(),
    ] {
        let out = p.apply(&rt, &r);
        assert!(out.get("unknown").is_none());
        assert!(out["schemas"].is_array());
    }
    let out = Projection::from_query(&rt, None, Some("phoneNumbers.type"))
        .unwrap()
        .apply(&rt, &r);
    assert_eq!(out["phoneNumbers"], json!([{"value": "b"}]));
}
