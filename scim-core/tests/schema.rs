//! The built-in schemas match RFC 7643 §8.7.1 attribute by attribute; schemas and resource types
//! round-trip through their JSON representation; host extensions and path resolution work.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use scimkit_core::schema::{
    enterprise_user_schema, group_schema, user_schema, Attribute, AttributeType, Mutability,
    Namespace, ResourceType, Returned, Schema, Target, Uniqueness,
};
use scimkit_filter::{parse_path, PatchPath};

/// `path|type|multi|required|caseExact|mutability|returned|uniqueness|canonicalValues|referenceTypes`
/// (`-` for none). Written from the RFC, independently of the JSON files.
const USER: &[&str] = &[
    "userName|string|0|1|0|readWrite|default|server|-|-",
    "name|complex|0|0|0|readWrite|default|none|-|-",
    "name.formatted|string|0|0|0|readWrite|default|none|-|-",
    "name.familyName|string|0|0|0|readWrite|default|none|-|-",
    "name.givenName|string|0|0|0|readWrite|default|none|-|-",
    "name.middleName|string|0|0|0|readWrite|default|none|-|-",
    "name.honorificPrefix|string|0|0|0|readWrite|default|none|-|-",
    "name.honorificSuffix|string|0|0|0|readWrite|default|none|-|-",
    "displayName|string|0|0|0|readWrite|default|none|-|-",
    "nickName|string|0|0|0|readWrite|default|none|-|-",
    "profileUrl|reference|0|0|0|readWrite|default|none|-|external",
    "title|string|0|0|0|readWrite|default|none|-|-",
    "userType|string|0|0|0|readWrite|default|none|-|-",
    "preferredLanguage|string|0|0|0|readWrite|default|none|-|-",
    "locale|string|0|0|0|readWrite|default|none|-|-",
    "timezone|string|0|0|0|readWrite|default|none|-|-",
    "active|boolean|0|0|0|readWrite|default|none|-|-",
    "password|string|0|0|0|writeOnly|never|none|-|-",
    "emails|complex|1|0|0|readWrite|default|none|-|-",
    "emails.value|string|0|0|0|readWrite|default|none|-|-",
    "emails.display|string|0|0|0|readWrite|default|none|-|-",
    "emails.type|string|0|0|0|readWrite|default|none|work,home,other|-",
    "emails.primary|boolean|0|0|0|readWrite|default|none|-|-",
    "phoneNumbers|complex|1|0|0|readWrite|default|none|-|-",
    "phoneNumbers.value|string|0|0|0|readWrite|default|none|-|-",
    "phoneNumbers.display|string|0|0|0|readWrite|default|none|-|-",
    "phoneNumbers.type|string|0|0|0|readWrite|default|none|work,home,mobile,fax,pager,other|-",
    "phoneNumbers.primary|boolean|0|0|0|readWrite|default|none|-|-",
    "ims|complex|1|0|0|readWrite|default|none|-|-",
    "ims.value|string|0|0|0|readWrite|default|none|-|-",
    "ims.display|string|0|0|0|readWrite|default|none|-|-",
    "ims.type|string|0|0|0|readWrite|default|none|aim,gtalk,icq,xmpp,msn,skype,qq,yahoo|-",
    "ims.primary|boolean|0|0|0|readWrite|default|none|-|-",
    "photos|complex|1|0|0|readWrite|default|none|-|-",
    "photos.value|reference|0|0|0|readWrite|default|none|-|external",
    "photos.display|string|0|0|0|readWrite|default|none|-|-",
    "photos.type|string|0|0|0|readWrite|default|none|photo,thumbnail|-",
    "photos.primary|boolean|0|0|0|readWrite|default|none|-|-",
    "addresses|complex|1|0|0|readWrite|default|none|-|-",
    "addresses.formatted|string|0|0|0|readWrite|default|none|-|-",
    "addresses.streetAddress|string|0|0|0|readWrite|default|none|-|-",
    "addresses.locality|string|0|0|0|readWrite|default|none|-|-",
    "addresses.region|string|0|0|0|readWrite|default|none|-|-",
    "addresses.postalCode|string|0|0|0|readWrite|default|none|-|-",
    "addresses.country|string|0|0|0|readWrite|default|none|-|-",
    "addresses.type|string|0|0|0|readWrite|default|none|work,home,other|-",
    "addresses.primary|boolean|0|0|0|readWrite|default|none|-|-",
    "groups|complex|1|0|0|readOnly|default|none|-|-",
    "groups.value|string|0|0|0|readOnly|default|none|-|-",
    "groups.$ref|reference|0|0|0|readOnly|default|none|-|User,Group",
    "groups.display|string|0|0|0|readOnly|default|none|-|-",
    "groups.type|string|0|0|0|readOnly|default|none|direct,indirect|-",
    "entitlements|complex|1|0|0|readWrite|default|none|-|-",
    "entitlements.value|string|0|0|0|readWrite|default|none|-|-",
    "entitlements.display|string|0|0|0|readWrite|default|none|-|-",
    "entitlements.type|string|0|0|0|readWrite|default|none|-|-",
    "entitlements.primary|boolean|0|0|0|readWrite|default|none|-|-",
    "roles|complex|1|0|0|readWrite|default|none|-|-",
    "roles.value|string|0|0|0|readWrite|default|none|-|-",
    "roles.display|string|0|0|0|readWrite|default|none|-|-",
    "roles.type|string|0|0|0|readWrite|default|none|-|-",
    "roles.primary|boolean|0|0|0|readWrite|default|none|-|-",
    "x509Certificates|complex|1|0|0|readWrite|default|none|-|-",
    "x509Certificates.value|binary|0|0|0|readWrite|default|none|-|-",
    "x509Certificates.display|string|0|0|0|readWrite|default|none|-|-",
    "x509Certificates.type|string|0|0|0|readWrite|default|none|-|-",
    "x509Certificates.primary|boolean|0|0|0|readWrite|default|none|-|-",
];

/// Deviation from the listing: `members.value` is `caseExact` (it holds an `id`, which is
/// case-exact, and stores remove members by id; see ARCHITECTURE.md).
const GROUP: &[&str] = &[
    "displayName|string|0|1|0|readWrite|default|none|-|-",
    "members|complex|1|0|0|readWrite|default|none|-|-",
    "members.value|string|0|0|1|immutable|default|none|-|-",
    "members.$ref|reference|0|0|0|immutable|default|none|-|User,Group",
    "members.display|string|0|0|0|immutable|default|none|-|-",
    "members.type|string|0|0|0|immutable|default|none|User,Group|-",
];

const ENTERPRISE: &[&str] = &[
    "employeeNumber|string|0|0|0|readWrite|default|none|-|-",
    "costCenter|string|0|0|0|readWrite|default|none|-|-",
    "organization|string|0|0|0|readWrite|default|none|-|-",
    "division|string|0|0|0|readWrite|default|none|-|-",
    "department|string|0|0|0|readWrite|default|none|-|-",
    "manager|complex|0|0|0|readWrite|default|none|-|-",
    "manager.value|string|0|0|0|readWrite|default|none|-|-",
    "manager.$ref|reference|0|0|0|readWrite|default|none|-|User",
    "manager.displayName|string|0|0|0|readOnly|default|none|-|-",
];

fn kind(s: &str) -> AttributeType {
    serde_json::from_value(serde_json::Value::from(s)).unwrap()
}

fn list(s: &str) -> Vec<String> {
    if s == "-" {
        Vec::new()
    } else {
        s.split(',').map(str::to_owned).collect()
    }
}

fn check_schema(schema: &Schema, table: &[&str]) {
    let mut failures = Vec::new();
    let mut expected_paths = Vec::new();
    for row in table {
        let f: Vec<&str> = row.split('|').collect();
        let (name, sub) = match f[0].split_once('.') {
            Some((n, s)) => (n, Some(s)),
            None => (f[0], None),
        };
        expected_paths.push(f[0].to_owned());
        let Some(top) = schema.get(name) else {
            failures.push(format!("{}: missing", f[0]));
            continue;
        };
        let attr: &Attribute = match sub {
            Some(s) => match top.sub_attribute(s) {
                Some(a) => a,
                None => {
                    failures.push(format!("{}: missing", f[0]));
                    continue;
                }
            },
            None => top,
        };
        let actual = (
            attr.kind,
            attr.multi_valued,
            attr.required,
            attr.case_exact,
            serde_json::to_value(attr.mutability).unwrap(),
            serde_json::to_value(attr.returned).unwrap(),
            serde_json::to_value(attr.uniqueness).unwrap(),
            attr.canonical_values.clone(),
            attr.reference_types.clone(),
        );
        let expected = (
            kind(f[1]),
            f[2] == "1",
            f[3] == "1",
            f[4] == "1",
            serde_json::Value::from(f[5]),
            serde_json::Value::from(f[6]),
            serde_json::Value::from(f[7]),
            list(f[8]),
            list(f[9]),
        );
        if actual != expected {
            failures.push(format!("{}: {actual:?} != {expected:?}", f[0]));
        }
    }
    // Nothing defined beyond the table.
    for attr in &schema.attributes {
        if !expected_paths.contains(&attr.name) {
            failures.push(format!("{}: not in the RFC table", attr.name));
        }
        for sub in &attr.sub_attributes {
            let p = format!("{}.{}", attr.name, sub.name);
            if !expected_paths.contains(&p) {
                failures.push(format!("{p}: not in the RFC table"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}:\n{}",
        schema.id,
        failures.join("\n")
    );
}

#[test]
fn user_schema_matches_rfc_7643() {
    let schema = user_schema();
    assert_eq!(schema.id, "urn:ietf:params:scim:schemas:core:2.0:User");
    check_schema(&schema, USER);
}

#[test]
fn group_schema_matches_rfc_7643() {
    let schema = group_schema();
    assert_eq!(schema.id, "urn:ietf:params:scim:schemas:core:2.0:Group");
    check_schema(&schema, GROUP);
}

#[test]
fn enterprise_schema_matches_rfc_7643() {
    let schema = enterprise_user_schema();
    assert_eq!(
        schema.id,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );
    check_schema(&schema, ENTERPRISE);
}

#[test]
fn schemas_round_trip_through_json() {
    for schema in [user_schema(), group_schema(), enterprise_user_schema()] {
        let json = schema.to_json(Some("https://example.com/scim/v2/Schemas/x"));
        assert_eq!(
            json["schemas"][0],
            "urn:ietf:params:scim:schemas:core:2.0:Schema"
        );
        assert_eq!(json["meta"]["resourceType"], "Schema");
        assert_eq!(
            json["meta"]["location"],
            "https://example.com/scim/v2/Schemas/x"
        );
        assert!(json["attributes"][0]["type"].as_str().is_some());
        let back = Schema::from_json(&json).unwrap();
        assert_eq!(&back, &*schema);
    }
}

#[test]
fn schema_json_uses_rfc_member_names() {
    let json = user_schema().to_json(None);
    let user_name = &json["attributes"][0];
    assert_eq!(user_name["name"], "userName");
    for key in [
        "type",
        "multiValued",
        "required",
        "caseExact",
        "mutability",
        "returned",
        "uniqueness",
    ] {
        assert!(user_name.get(key).is_some(), "{key}");
    }
    let emails = json["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "emails")
        .unwrap();
    assert_eq!(emails["subAttributes"][2]["canonicalValues"][0], "work");
}

#[test]
fn schemas_load_with_defaults_for_missing_characteristics() {
    let schema = Schema::from_json(&serde_json::json!({
        "id": "urn:example:x",
        "attributes": [{"name": "a"}, {"name": "b", "type": "integer", "multiValued": true}]
    }))
    .unwrap();
    let a = schema.get("A").unwrap();
    assert_eq!(a.kind, AttributeType::String);
    assert_eq!(a.mutability, Mutability::ReadWrite);
    assert_eq!(a.returned, Returned::Default);
    assert_eq!(a.uniqueness, Uniqueness::None);
    assert!(schema.get("b").unwrap().multi_valued);
}

#[test]
fn resource_types_serialise_for_discovery() {
    let json = ResourceType::user().to_json(Some("https://h/scim/v2/ResourceTypes/User"));
    assert_eq!(json["id"], "User");
    assert_eq!(json["schema"], "urn:ietf:params:scim:schemas:core:2.0:User");
    assert_eq!(
        json["schemaExtensions"][0]["schema"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );
    assert_eq!(json["meta"]["resourceType"], "ResourceType");
    let group = ResourceType::group().to_json(None);
    assert_eq!(group["endpoint"], "/Groups");
    assert!(group.get("schemaExtensions").is_none());
}

#[test]
fn host_adds_a_core_namespace_attribute_without_touching_the_builtin() {
    let zulip =
        ResourceType::user().with_core_attribute(Attribute::string("role").canonical_values([
            "owner",
            "administrator",
            "moderator",
            "member",
            "guest",
        ]));
    assert!(zulip.schema.get("role").is_some());
    assert!(user_schema().get("role").is_none(), "built-in unchanged");
    // Replacing an attribute of the same name (any case) keeps one definition.
    let twice = zulip.with_core_attribute(Attribute::integer("ROLE"));
    assert_eq!(
        twice
            .schema
            .attributes
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case("role"))
            .count(),
        1
    );
}

fn path(text: &str) -> scimkit_filter::AttrPath {
    match parse_path(text).unwrap() {
        PatchPath::Attr(a) => a,
        PatchPath::Filtered { attr, .. } => attr,
    }
}

#[test]
fn paths_resolve_case_insensitively_in_every_namespace() {
    let users = ResourceType::user();
    let cases: &[(&str, &str, Option<&str>, &str)] = &[
        ("userName", "userName", None, "core"),
        ("USERNAME", "userName", None, "core"),
        ("name.GIVENNAME", "name", Some("givenName"), "core"),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
            "name",
            Some("givenName"),
            "core",
        ),
        (
            "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:userName",
            "userName",
            None,
            "core",
        ),
        ("id", "id", None, "common"),
        ("meta.lastModified", "meta", Some("lastModified"), "common"),
        ("externalId", "externalId", None, "common"),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            "manager",
            Some("value"),
            "extension",
        ),
        ("employeeNumber", "employeeNumber", None, "extension"),
        ("emails.value", "emails", Some("value"), "core"),
        ("groups.$ref", "groups", Some("$ref"), "core"),
    ];
    for (text, name, sub, ns) in cases {
        let Some(Target::Attribute(r)) = users.resolve(&path(text)) else {
            panic!("{text} did not resolve");
        };
        assert_eq!(r.attribute.name, *name, "{text}");
        assert_eq!(r.sub_attribute.map(|s| s.name.as_str()), *sub, "{text}");
        let actual_ns = match r.namespace {
            Namespace::Common => "common",
            Namespace::Core => "core",
            Namespace::Extension(_) => "extension",
        };
        assert_eq!(actual_ns, *ns, "{text}");
    }
    assert!(matches!(
        users.resolve(&path(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        )),
        Some(Target::Extension(s)) if s.id.ends_with("enterprise:2.0:User")
    ));
    for bad in [
        "nope",
        "name.nope",
        "userName.sub",
        "urn:example:unknown:Thing:userName",
        "urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
    ] {
        assert!(users.resolve(&path(bad)).is_none(), "{bad}");
    }
}
