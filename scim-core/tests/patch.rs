//! The PATCH engine through the public API: a table of RFC 7644 §3.5.2 examples, edge cases,
//! errors, and identity-provider payloads fed through the compat layer first; member deltas;
//! and properties (results always validate; the member delta agrees with the engine).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes,
    clippy::too_many_lines
)]

use proptest::prelude::*;
use scimkit_core::compat::{normalize_patch, CompatOptions};
use scimkit_core::patch::{apply_patch, MemberDelta, PatchOptions, PatchRequest};
use scimkit_core::resource::typed::Member;
use scimkit_core::schema::{Attribute, ResourceType};
use scimkit_core::validate::{validate, Mode, ValidationOptions};
use scimkit_core::{Resource, ScimError};
use serde_json::{json, Value};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn users() -> ResourceType {
    ResourceType::user().with_core_attribute(Attribute::string("role").canonical_values([
        "owner",
        "administrator",
        "moderator",
        "member",
        "guest",
    ]))
}

fn stored(rt: &ResourceType, body: Value) -> Resource {
    let mut r = validate(
        rt,
        Resource::from_json(body).unwrap(),
        Mode::Create,
        &ValidationOptions::default(),
    )
    .unwrap();
    r.id = Some("2819c223".to_owned());
    r.meta = Some(scimkit_core::Meta::new(rt.name.clone(), chrono::Utc::now()));
    r
}

fn user() -> Resource {
    stored(
        &users(),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
            "externalId": "ext-1",
            "userName": "bjensen",
            "displayName": "Babs Jensen",
            "active": true,
            "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen"},
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "phoneNumbers": [{"value": "555-555-8377", "type": "work"}],
            "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"}],
            ENT: {"employeeNumber": "701984", "manager": {"value": "m1"}}
        }),
    )
}

fn group() -> Resource {
    stored(
        &ResourceType::group(),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Engineering",
            "members": [{"value": "u1", "display": "One"}, {"value": "u2", "display": "Two"}]
        }),
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    User,
    Group,
}

enum Expect {
    /// Top-level members of the result's JSON; `null` means absent.
    Attrs(Value),
    /// The error's scimType, and a word its detail contains.
    Error(&'static str, &'static str),
}

struct Case {
    name: &'static str,
    kind: Kind,
    /// Run through `normalize_patch` with default CompatOptions first (identity-provider
    /// input); otherwise the body goes to the parser as is.
    compat: bool,
    operations: Value,
    expect: Expect,
}

fn ok(name: &'static str, kind: Kind, operations: Value, attrs: Value) -> Case {
    Case {
        name,
        kind,
        compat: false,
        operations,
        expect: Expect::Attrs(attrs),
    }
}

fn err(
    name: &'static str,
    kind: Kind,
    operations: Value,
    scim_type: &'static str,
    word: &'static str,
) -> Case {
    Case {
        name,
        kind,
        compat: false,
        operations,
        expect: Expect::Error(scim_type, word),
    }
}

fn idp(name: &'static str, kind: Kind, operations: Value, attrs: Value) -> Case {
    Case {
        name,
        kind,
        compat: true,
        operations,
        expect: Expect::Attrs(attrs),
    }
}

use Kind::{Group as G, User as U};

fn cases() -> Vec<Case> {
    vec![
        // ---- RFC 7644 §3.5.2.1 add
        ok(
            "rfc add members",
            G,
            json!([{"op": "add", "path": "members", "value": [{"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"}]}]),
            json!({"members": [{"value": "u1", "display": "One"}, {"value": "u2", "display": "Two"}, {"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"}]}),
        ),
        ok(
            "rfc path-less add emails and nickname",
            U,
            json!([{"op": "add", "value": {"emails": [{"value": "babs@jensen.org", "type": "home"}], "nickname": "Babs"}}]),
            json!({"nickName": "Babs", "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}]}),
        ),
        ok(
            "add a new email appends",
            U,
            json!([{"op": "add", "path": "emails", "value": [{"value": "b@other.org", "type": "other"}]}]),
            json!({"emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"},
                {"value": "b@other.org", "type": "other"}]}),
        ),
        ok(
            "add a single object to a multi-valued attribute",
            U,
            json!([{"op": "add", "path": "phoneNumbers", "value": {"value": "555-1", "type": "mobile"}}]),
            json!({"phoneNumbers": [{"value": "555-555-8377", "type": "work"}, {"value": "555-1", "type": "mobile"}]}),
        ),
        ok(
            "add an existing email (other case) is not duplicated",
            U,
            json!([{"op": "add", "path": "emails", "value": [{"value": "BJENSEN@example.com", "type": "work"}]}]),
            json!({"emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}]}),
        ),
        ok(
            "add the same address under another type is kept",
            U,
            json!([{"op": "add", "path": "emails", "value": [{"value": "bjensen@example.com", "type": "home"}]}]),
            json!({"emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"},
                {"value": "bjensen@example.com", "type": "home"}]}),
        ),
        ok(
            "add a new primary clears the old one",
            U,
            json!([{"op": "add", "path": "emails", "value": [{"value": "new@example.com", "type": "other", "primary": true}]}]),
            json!({"emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": false},
                {"value": "babs@jensen.org", "type": "home"},
                {"value": "new@example.com", "type": "other", "primary": true}]}),
        ),
        ok(
            "add an existing member is a no-op",
            G,
            json!([{"op": "add", "path": "members", "value": [{"value": "u1"}]}]),
            json!({"members": [{"value": "u1", "display": "One"}, {"value": "u2", "display": "Two"}]}),
        ),
        ok(
            "add a simple attribute",
            U,
            json!([{"op": "add", "path": "title", "value": "Tour Guide"}]),
            json!({"title": "Tour Guide"}),
        ),
        ok(
            "add to a set simple attribute replaces it",
            U,
            json!([{"op": "add", "path": "displayName", "value": "Babs"}]),
            json!({"displayName": "Babs"}),
        ),
        ok(
            "add to a complex attribute merges",
            U,
            json!([{"op": "add", "path": "name", "value": {"middleName": "Jane"}}]),
            json!({"name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen", "middleName": "Jane"}}),
        ),
        ok(
            "add a sub-attribute",
            U,
            json!([{"op": "add", "path": "name.honorificPrefix", "value": "Ms."}]),
            json!({"name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen", "honorificPrefix": "Ms."}}),
        ),
        ok(
            "add a sub-attribute to an absent complex attribute",
            G,
            json!([{"op": "add", "path": "displayName", "value": "Ops"}]),
            json!({"displayName": "Ops"}),
        ),
        ok(
            "add with a filter and sub-attribute sets it on the match",
            U,
            json!([{"op": "add", "path": "emails[type eq \"home\"].display", "value": "Home mail"}]),
            json!({"emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home", "display": "Home mail"}]}),
        ),
        ok(
            "add with a filter merges into the match",
            U,
            json!([{"op": "add", "path": "addresses[type eq \"work\"]", "value": {"postalCode": "91608"}}]),
            json!({"addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "postalCode": "91608"}]}),
        ),
        ok(
            "add creates a missing filtered target",
            U,
            json!([{"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "555-2"}]),
            json!({"phoneNumbers": [{"value": "555-555-8377", "type": "work"}, {"type": "mobile", "value": "555-2"}]}),
        ),
        ok(
            "add an extension attribute by URN path",
            U,
            json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Tour"}]),
            json!({ENT: {"employeeNumber": "701984", "manager": {"value": "m1"}, "department": "Tour"}}),
        ),
        ok(
            "add a whole extension object",
            U,
            json!([{"op": "add", "path": ENT, "value": {"costCenter": "4130"}}]),
            json!({ENT: {"employeeNumber": "701984", "manager": {"value": "m1"}, "costCenter": "4130"}}),
        ),
        ok(
            "path-less add with an extension object",
            U,
            json!([{"op": "add", "value": {ENT: {"division": "Theme Park"}}}]),
            json!({ENT: {"employeeNumber": "701984", "manager": {"value": "m1"}, "division": "Theme Park"}}),
        ),
        ok(
            "path-less add with URN-qualified and dotted keys",
            U,
            json!([{"op": "add", "value": {"name.middleName": "J", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization": "Universal"}}]),
            json!({"name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen", "middleName": "J"},
                   ENT: {"employeeNumber": "701984", "manager": {"value": "m1"}, "organization": "Universal"}}),
        ),
        ok(
            "add to the extension when it is absent",
            G,
            json!([{"op": "add", "path": "externalId", "value": "g-ext"}]),
            json!({"externalId": "g-ext"}),
        ),
        ok(
            "names are case-insensitive and output uses the schema's spelling",
            U,
            json!([{"op": "add", "path": "NAME.GIVENNAME", "value": "Babs"}, {"op": "add", "path": "NickName", "value": "B"}]),
            json!({"name": {"givenName": "Babs", "familyName": "Jensen", "formatted": "Barbara Jensen"}, "nickName": "B"}),
        ),
        ok(
            "a host attribute in the core namespace",
            U,
            json!([{"op": "add", "path": "role", "value": "moderator"}]),
            json!({"role": "moderator"}),
        ),
        ok(
            "add externalId",
            U,
            json!([{"op": "replace", "path": "externalId", "value": "ext-2"}]),
            json!({"externalId": "ext-2"}),
        ),
        // ---- RFC 7644 §3.5.2.2 remove
        ok(
            "rfc remove all members",
            G,
            json!([{"op": "remove", "path": "members"}]),
            json!({"members": null}),
        ),
        ok(
            "rfc remove one member",
            G,
            json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]),
            json!({"members": [{"value": "u2", "display": "Two"}]}),
        ),
        ok(
            "remove two members with or",
            G,
            json!([{"op": "remove", "path": "members[value eq \"u1\" or value eq \"u2\"]"}]),
            json!({"members": null}),
        ),
        ok(
            "rfc remove with a complex filter",
            U,
            json!([{"op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"}]),
            json!({"emails": [{"value": "babs@jensen.org", "type": "home"}]}),
        ),
        ok(
            "rfc remove all then add (replace in two steps)",
            G,
            json!([{"op": "remove", "path": "members"}, {"op": "add", "path": "members", "value": [{"value": "u9", "display": "Nine"}]}]),
            json!({"members": [{"value": "u9", "display": "Nine"}]}),
        ),
        ok(
            "remove a member that is not there changes nothing",
            G,
            json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}]),
            json!({"members": [{"value": "u1", "display": "One"}, {"value": "u2", "display": "Two"}]}),
        ),
        ok(
            "remove a simple attribute",
            U,
            json!([{"op": "remove", "path": "displayName"}]),
            json!({"displayName": null}),
        ),
        ok(
            "remove an absent attribute is a no-op",
            U,
            json!([{"op": "remove", "path": "title"}]),
            json!({"title": null, "userName": "bjensen"}),
        ),
        ok(
            "remove a sub-attribute",
            U,
            json!([{"op": "remove", "path": "name.formatted"}]),
            json!({"name": {"givenName": "Barbara", "familyName": "Jensen"}}),
        ),
        ok(
            "remove a sub-attribute of filtered elements",
            U,
            json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]),
            json!({"emails": [{"value": "bjensen@example.com", "type": "work"}, {"value": "babs@jensen.org", "type": "home"}]}),
        ),
        ok(
            "remove a sub-attribute of every element",
            U,
            json!([{"op": "remove", "path": "emails.type"}]),
            json!({"emails": [{"value": "bjensen@example.com", "primary": true}, {"value": "babs@jensen.org"}]}),
        ),
        ok(
            "remove an extension attribute",
            U,
            json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]),
            json!({ENT: {"employeeNumber": "701984"}}),
        ),
        ok(
            "remove the whole extension drops its schema URN",
            U,
            json!([{"op": "remove", "path": ENT}]),
            json!({ENT: null, "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}),
        ),
        ok(
            "remove the last extension attribute drops the extension",
            U,
            json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"},
                   {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}]),
            json!({ENT: null}),
        ),
        ok(
            "remove the last element unassigns the attribute",
            U,
            json!([{"op": "remove", "path": "phoneNumbers[type eq \"work\"]"}]),
            json!({"phoneNumbers": null}),
        ),
        // ---- RFC 7644 §3.5.2.3 replace
        ok(
            "rfc replace members",
            G,
            json!([{"op": "replace", "path": "members", "value": [{"display": "Babs", "value": "2819c223"}, {"display": "James", "value": "902c246b"}]}]),
            json!({"members": [{"display": "Babs", "value": "2819c223"}, {"display": "James", "value": "902c246b"}]}),
        ),
        ok(
            "rfc replace a filtered address",
            U,
            json!([{"op": "replace", "path": "addresses[type eq \"work\"]", "value": {"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "US", "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US", "primary": true}}]),
            json!({"addresses": [{"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "US", "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US", "primary": true}]}),
        ),
        ok(
            "rfc replace a filtered sub-attribute",
            U,
            json!([{"op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1010 Broadway Ave"}]),
            json!({"addresses": [{"type": "work", "streetAddress": "1010 Broadway Ave", "locality": "Hollywood"}]}),
        ),
        ok(
            "rfc path-less replace",
            U,
            json!([{"op": "replace", "value": {"emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}], "nickName": "Babs"}}]),
            json!({"nickName": "Babs", "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}]}),
        ),
        ok(
            "replace a multi-valued attribute replaces all values",
            U,
            json!([{"op": "replace", "path": "emails", "value": [{"value": "only@example.com", "type": "work"}]}]),
            json!({"emails": [{"value": "only@example.com", "type": "work"}]}),
        ),
        ok(
            "replace a complex attribute merges sub-attributes",
            U,
            json!([{"op": "replace", "path": "name", "value": {"givenName": "Babs"}}]),
            json!({"name": {"givenName": "Babs", "familyName": "Jensen", "formatted": "Barbara Jensen"}}),
        ),
        ok(
            "replace a boolean",
            U,
            json!([{"op": "replace", "path": "active", "value": false}]),
            json!({"active": false}),
        ),
        ok(
            "replace with null unassigns",
            U,
            json!([{"op": "replace", "path": "displayName", "value": null}]),
            json!({"displayName": null}),
        ),
        ok(
            "replace a sub-attribute of every element",
            U,
            json!([{"op": "replace", "path": "phoneNumbers.type", "value": "mobile"}]),
            json!({"phoneNumbers": [{"value": "555-555-8377", "type": "mobile"}]}),
        ),
        ok(
            "replace a filtered primary hands primary over",
            U,
            json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
            json!({"emails": [{"value": "bjensen@example.com", "type": "work", "primary": false}, {"value": "babs@jensen.org", "type": "home", "primary": true}]}),
        ),
        ok(
            "replace creates a missing filtered target",
            U,
            json!([{"op": "replace", "path": "ims[type eq \"xmpp\"].value", "value": "babs@jabber.org"}]),
            json!({"ims": [{"type": "xmpp", "value": "babs@jabber.org"}]}),
        ),
        ok(
            "replace the manager sub-attribute",
            U,
            json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "value": "m2"}]),
            json!({ENT: {"employeeNumber": "701984", "manager": {"value": "m2"}}}),
        ),
        ok(
            "replace the group name",
            G,
            json!([{"op": "replace", "path": "displayName", "value": "Platform"}]),
            json!({"displayName": "Platform"}),
        ),
        ok(
            "a sequence: later operations see earlier ones",
            U,
            json!([{"op": "add", "path": "emails", "value": [{"value": "x@y.z", "type": "other"}]},
                   {"op": "replace", "path": "emails[value eq \"x@y.z\"].type", "value": "home"},
                   {"op": "remove", "path": "emails[type eq \"work\"]"}]),
            json!({"emails": [{"value": "babs@jensen.org", "type": "home"}, {"value": "x@y.z", "type": "home"}]}),
        ),
        ok(
            "URN-qualified core path",
            U,
            json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName", "value": "Smith"}]),
            json!({"name": {"givenName": "Barbara", "familyName": "Smith", "formatted": "Barbara Jensen"}}),
        ),
        ok(
            "URN-qualified core path with a filter",
            U,
            json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"].value", "value": "b@new.com"}]),
            json!({"emails": [{"value": "b@new.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}]}),
        ),
        // ---- errors
        err(
            "unknown attribute path",
            U,
            json!([{"op": "replace", "path": "favoriteColor", "value": "blue"}]),
            "invalidPath",
            "favoriteColor",
        ),
        err(
            "unknown sub-attribute",
            U,
            json!([{"op": "replace", "path": "name.nickname", "value": "x"}]),
            "invalidPath",
            "name.nickname",
        ),
        err(
            "unknown attribute in a path-less value",
            U,
            json!([{"op": "replace", "value": {"favoriteColor": "blue"}}]),
            "invalidValue",
            "favoriteColor",
        ),
        err(
            "unknown sub-attribute after a filter",
            U,
            json!([{"op": "replace", "path": "emails[type eq \"work\"].colour", "value": "x"}]),
            "invalidPath",
            "colour",
        ),
        err(
            "unknown attribute inside the filter",
            U,
            json!([{"op": "replace", "path": "emails[flavor eq \"work\"].value", "value": "x"}]),
            "invalidPath",
            "flavor",
        ),
        err(
            "a filter on a single-valued attribute",
            U,
            json!([{"op": "replace", "path": "userName[value eq \"x\"]", "value": "y"}]),
            "invalidPath",
            "userName",
        ),
        err(
            "id is read-only",
            U,
            json!([{"op": "replace", "path": "id", "value": "x"}]),
            "mutability",
            "id",
        ),
        err(
            "meta is read-only",
            U,
            json!([{"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}]),
            "mutability",
            "meta.created",
        ),
        err(
            "groups is read-only",
            U,
            json!([{"op": "add", "path": "groups", "value": [{"value": "g1"}]}]),
            "mutability",
            "groups",
        ),
        err(
            "id in a path-less value without compat",
            U,
            json!([{"op": "replace", "value": {"id": "x", "displayName": "B"}}]),
            "mutability",
            "id",
        ),
        err(
            "immutable member value cannot change",
            G,
            json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u9"}]),
            "mutability",
            "immutable",
        ),
        err(
            "a wrong type fails validation",
            U,
            json!([{"op": "replace", "path": "active", "value": "yes"}]),
            "invalidValue",
            "active",
        ),
        err(
            "a canonical value is enforced",
            U,
            json!([{"op": "replace", "path": "role", "value": "emperor"}]),
            "invalidValue",
            "role",
        ),
        err(
            "removing a required attribute",
            U,
            json!([{"op": "remove", "path": "userName"}]),
            "invalidValue",
            "userName",
        ),
        err(
            "two primaries",
            U,
            json!([{"op": "replace", "path": "emails", "value": [{"value": "a@b.c", "primary": true}, {"value": "d@e.f", "primary": true}]}]),
            "invalidValue",
            "primary",
        ),
        err(
            "sub-attribute of an empty multi-valued attribute",
            U,
            json!([{"op": "replace", "path": "ims.value", "value": "x"}]),
            "noTarget",
            "ims",
        ),
        err(
            "filtered target missing and not derivable",
            U,
            json!([{"op": "replace", "path": "emails[value co \"nomatch\"].type", "value": "work"}]),
            "noTarget",
            "emails",
        ),
        err(
            "a filtered element replaced by a non-object",
            U,
            json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": "x@y"}]),
            "invalidValue",
            "object",
        ),
        err(
            "the extension given a non-object",
            U,
            json!([{"op": "replace", "path": ENT, "value": "x"}]),
            "invalidValue",
            "extension",
        ),
        err(
            "an unknown extension attribute",
            U,
            json!([{"op": "add", "path": ENT, "value": {"shoeSize": 9}}]),
            "invalidValue",
            "shoeSize",
        ),
        err(
            "the failing operation is named",
            U,
            json!([{"op": "replace", "path": "active", "value": false}, {"op": "replace", "path": "nope", "value": 1}]),
            "invalidPath",
            "Operations[1]",
        ),
    ]
}

/// Identity-provider payloads, through the compat layer first.
fn idp_cases() -> Vec<Case> {
    vec![
        idp(
            "entra deactivate with a capitalised op and a string boolean",
            U,
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
            json!({"active": false}),
        ),
        idp(
            "entra reactivate with a lower-case string",
            U,
            json!([{"op": "Replace", "path": "active", "value": "true"}]),
            json!({"active": true}),
        ),
        idp(
            "entra compliant deactivate",
            U,
            json!([{"op": "replace", "path": "active", "value": false}]),
            json!({"active": false}),
        ),
        idp(
            "entra one op per attribute",
            U,
            json!([
                {"op": "Replace", "path": "displayName", "value": "Ann Lee"},
                {"op": "Replace", "path": "name.givenName", "value": "Ann"},
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ann@contoso.com"},
                {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "A1"}
            ]),
            json!({"displayName": "Ann Lee",
                   "name": {"givenName": "Ann", "familyName": "Jensen", "formatted": "Barbara Jensen"},
                   "emails": [{"value": "ann@contoso.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}],
                   ENT: {"employeeNumber": "A1", "manager": {"value": "m1"}}}),
        ),
        idp(
            "entra compliant path-less with dotted and URN keys",
            U,
            json!([{"op": "replace", "value": {"displayName": "B", "name.givenName": "K", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "A"}}]),
            json!({"displayName": "B",
                   "name": {"givenName": "K", "familyName": "Jensen", "formatted": "Barbara Jensen"},
                   ENT: {"employeeNumber": "A", "manager": {"value": "m1"}}}),
        ),
        idp(
            "entra removes only the listed members",
            G,
            json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]),
            json!({"members": [{"value": "u2", "display": "Two"}]}),
        ),
        idp(
            "entra compliant member removal",
            G,
            json!([{"op": "remove", "path": "members[value eq \"u2\"]"}]),
            json!({"members": [{"value": "u1", "display": "One"}]}),
        ),
        idp(
            "entra adds members in a batch with $ref null",
            G,
            json!([{"op": "Add", "path": "members", "value": [{"value": "u3", "$ref": null}, {"value": "u4", "$ref": null}]}]),
            json!({"members": [{"value": "u1", "display": "One"}, {"value": "u2", "display": "Two"}, {"value": "u3"}, {"value": "u4"}]}),
        ),
        idp(
            "entra adds a work email the user lacks",
            U,
            json!([{"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"}]),
            json!({"phoneNumbers": [{"value": "555-555-8377", "type": "work"}, {"type": "mobile", "value": "+1 555 0100"}]}),
        ),
        idp(
            "entra manager as a bare id",
            U,
            json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "m9"}]),
            json!({ENT: {"employeeNumber": "701984", "manager": {"value": "m9"}}}),
        ),
        idp(
            "entra replaces name.formatted, displayName and userName at once",
            U,
            json!([
                {"op": "Replace", "path": "name.formatted", "value": "Ann Lee"},
                {"op": "Replace", "path": "displayName", "value": "Ann Lee"},
                {"op": "Replace", "path": "userName", "value": "ann@contoso.com"}
            ]),
            json!({"userName": "ann@contoso.com", "displayName": "Ann Lee",
                   "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ann Lee"}}),
        ),
        idp(
            "okta deactivation",
            U,
            json!([{"op": "replace", "value": {"active": false}}]),
            json!({"active": false}),
        ),
        idp(
            "okta group rename with the unchanged id",
            G,
            json!([{"op": "replace", "value": {"id": "2819c223", "displayName": "Platform"}}]),
            json!({"displayName": "Platform"}),
        ),
        idp(
            "okta membership push",
            G,
            json!([{"op": "remove", "path": "members[value eq \"u1\"]"}, {"op": "add", "path": "members", "value": [{"value": "u3", "display": "x@y"}]}]),
            json!({"members": [{"value": "u2", "display": "Two"}, {"value": "u3", "display": "x@y"}]}),
        ),
        idp(
            "okta full member sync",
            G,
            json!([{"op": "replace", "path": "members", "value": [{"value": "u7", "display": "Seven"}]}]),
            json!({"members": [{"value": "u7", "display": "Seven"}]}),
        ),
        idp(
            "okta empties a group",
            G,
            json!([{"op": "replace", "path": "members", "value": []}]),
            json!({"members": null}),
        ),
        idp(
            "zulip role through okta",
            U,
            json!([{"op": "replace", "value": {"role": "guest"}}]),
            json!({"role": "guest"}),
        ),
        idp(
            "explicit nulls unassign",
            U,
            json!([{"op": "Replace", "value": {"title": null, "displayName": null}}]),
            json!({"title": null, "displayName": null}),
        ),
    ]
}

fn body(operations: &Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations})
}

fn run(case: &Case) -> Result<Value, ScimError> {
    let (rt, start) = match case.kind {
        Kind::User => (users(), user()),
        Kind::Group => (ResourceType::group(), group()),
    };
    let mut body = body(&case.operations);
    let options = if case.compat {
        normalize_patch(&rt, &mut body, &CompatOptions::default());
        CompatOptions::default().patch_options()
    } else {
        PatchOptions::default()
    };
    let request = PatchRequest::from_json(body)?;
    let outcome = apply_patch(&rt, &start, &request, &options)?;
    // The outcome keeps the original's id and meta.
    assert_eq!(outcome.resource.id, start.id, "{}", case.name);
    assert_eq!(outcome.resource.meta, start.meta, "{}", case.name);
    Ok(outcome.resource.to_json())
}

fn check(case: &Case) -> Option<String> {
    let result = run(case);
    match (&case.expect, result) {
        (Expect::Attrs(want), Ok(got)) => {
            for (key, value) in want.as_object().unwrap() {
                let actual = got.get(key);
                let fine = if value.is_null() {
                    actual.is_none()
                } else {
                    actual == Some(value)
                };
                if !fine {
                    return Some(format!("{}: {key} want {value}, got {actual:?}", case.name));
                }
            }
            None
        }
        (Expect::Error(scim_type, word), Err(e)) => {
            if e.scim_type() == Some(scim_type) && e.detail().contains(word) {
                None
            } else {
                Some(format!(
                    "{}: want {scim_type} mentioning {word:?}, got {e:?}",
                    case.name
                ))
            }
        }
        (_, other) => Some(format!("{}: got {other:?}", case.name)),
    }
}

#[test]
fn patch_table() {
    let all: Vec<Case> = cases().into_iter().chain(idp_cases()).collect();
    let failures: Vec<String> = all.iter().filter_map(check).collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(all.len() >= 80, "only {} cases", all.len());
}

#[test]
fn request_parsing_errors() {
    let cases = [
        (
            json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}),
            "invalidSyntax",
            "schemas",
        ),
        (json!([]), "invalidSyntax", "object"),
        (body(&json!([])), "invalidSyntax", "at least one"),
        (
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}),
            "invalidSyntax",
            "Operations",
        ),
        (body(&json!(["add"])), "invalidSyntax", "Operations[0]"),
        (
            body(&json!([{"op": "Add", "path": "title", "value": "x"}])),
            "invalidSyntax",
            "\"Add\"",
        ),
        (
            body(&json!([{"op": "merge", "path": "title", "value": "x"}])),
            "invalidSyntax",
            "merge",
        ),
        (
            body(&json!([{"path": "title", "value": "x"}])),
            "invalidSyntax",
            "op",
        ),
        (body(&json!([{"op": "remove"}])), "noTarget", "path"),
        (
            body(&json!([{"op": "add", "path": "title"}])),
            "invalidValue",
            "value",
        ),
        (
            body(&json!([{"op": "add", "value": "x"}])),
            "invalidValue",
            "object",
        ),
        (
            body(&json!([{"op": "remove", "path": "members", "value": [{"value": "u1"}]}])),
            "invalidValue",
            "members[value eq",
        ),
        (
            body(&json!([{"op": "add", "path": 5, "value": "x"}])),
            "invalidPath",
            "string",
        ),
        (
            body(&json!([{"op": "add", "path": "name..givenName", "value": "x"}])),
            "invalidPath",
            "offset 5",
        ),
        (
            body(&json!([{"op": "add", "path": "emails[type eq \"work\"", "value": "x"}])),
            "invalidPath",
            "Operations[0]",
        ),
    ];
    for (input, scim_type, word) in cases {
        let err = PatchRequest::from_json(input.clone()).unwrap_err();
        assert_eq!(err.scim_type(), Some(scim_type), "{input}: {err:?}");
        assert!(
            err.detail().contains(word),
            "{input}: {:?} lacks {word:?}",
            err.detail()
        );
    }
}

#[test]
fn request_round_trips_through_json() {
    let input = body(&json!([
        {"op": "add", "path": "members", "value": [{"value": "u1"}]},
        {"op": "remove", "path": "members[value eq \"u2\"]"},
        {"op": "replace", "value": {"displayName": "X"}}
    ]));
    let request = PatchRequest::from_json(input.clone()).unwrap();
    assert_eq!(request.to_json(), input);
    assert_eq!(PatchRequest::from_json(request.to_json()).unwrap(), request);
}

#[test]
fn changed_is_false_when_nothing_changes() {
    let rt = ResourceType::group();
    let g = group();
    for ops in [
        json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}]),
        json!([{"op": "add", "path": "members", "value": [{"value": "u1", "display": "One"}]}]),
        json!([{"op": "replace", "path": "displayName", "value": "Engineering"}]),
    ] {
        let request = PatchRequest::from_json(body(&ops)).unwrap();
        let outcome = apply_patch(&rt, &g, &request, &PatchOptions::default()).unwrap();
        assert!(!outcome.changed, "{ops}");
    }
    let request = PatchRequest::from_json(body(
        &json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]),
    ))
    .unwrap();
    assert!(
        apply_patch(&rt, &g, &request, &PatchOptions::default())
            .unwrap()
            .changed
    );
}

#[test]
fn strict_mode_refuses_what_compat_accepts() {
    let rt = users();
    let u = user();
    let missing = PatchRequest::from_json(body(
        &json!([{"op": "add", "path": "ims[type eq \"aim\"].value", "value": "x"}]),
    ))
    .unwrap();
    let err = apply_patch(&rt, &u, &missing, &CompatOptions::strict().patch_options()).unwrap_err();
    assert_eq!(err.scim_type(), Some("noTarget"));
    assert!(apply_patch(&rt, &u, &missing, &PatchOptions::default()).is_ok());
}

// ---- member deltas

fn delta_of(ops: Value) -> Option<(MemberDelta, PatchRequest)> {
    MemberDelta::extract(
        &ResourceType::group(),
        &PatchRequest::from_json(body(&ops)).unwrap(),
    )
}

#[test]
fn member_deltas() {
    let (d, rest) = delta_of(json!([{"op": "add", "path": "members", "value": [{"value": "u3"}, {"value": "u4", "display": "Four"}]}])).unwrap();
    assert_eq!(
        d.added.iter().map(|m| m.value.as_str()).collect::<Vec<_>>(),
        ["u3", "u4"]
    );
    assert_eq!(d.added[1].display.as_deref(), Some("Four"));
    assert!(d.removed.is_empty() && d.replaced.is_none() && rest.operations.is_empty());

    let (d, _) =
        delta_of(json!([{"op": "remove", "path": "members[value eq \"u1\" or value eq \"u2\"]"}]))
            .unwrap();
    assert_eq!(d.removed, ["u1", "u2"]);

    let (d, _) = delta_of(json!([{"op": "remove", "path": "members"}])).unwrap();
    assert_eq!(d.replaced, Some(vec![]));

    let (d, _) = delta_of(
        json!([{"op": "replace", "path": "members", "value": [{"value": "u9"}, {"value": "u9"}]}]),
    )
    .unwrap();
    assert_eq!(d.replaced, Some(vec![Member::new("u9")]));

    // remove then add: added; add then remove: removed.
    let (d, _) = delta_of(json!([{"op": "remove", "path": "members[value eq \"u1\"]"}, {"op": "add", "path": "members", "value": [{"value": "u1"}]}])).unwrap();
    assert_eq!((d.added.len(), d.removed.len()), (1, 0));
    let (d, _) = delta_of(json!([{"op": "add", "path": "members", "value": [{"value": "u5"}]}, {"op": "remove", "path": "members[value eq \"u5\"]"}])).unwrap();
    assert_eq!((d.added.len(), d.removed,), (0, vec!["u5".to_owned()]));

    // path-less: members split from the rest
    let (d, rest) = delta_of(
        json!([{"op": "add", "value": {"members": [{"value": "u6"}], "displayName": "X"}}]),
    )
    .unwrap();
    assert_eq!(d.added, vec![Member::new("u6")]);
    assert_eq!(rest.operations.len(), 1);
    assert_eq!(
        rest.to_json()["Operations"][0]["value"],
        json!({"displayName": "X"})
    );

    // not expressible: the engine takes it
    assert!(delta_of(json!([{"op": "remove", "path": "members[display eq \"One\"]"}])).is_none());
    assert!(delta_of(
        json!([{"op": "replace", "path": "members[value eq \"u1\"].display", "value": "Uno"}])
    )
    .is_none());
    assert!(
        delta_of(json!([{"op": "add", "path": "members", "value": [{"display": "no id"}]}]))
            .is_none()
    );
    assert!(MemberDelta::extract(
        &users(),
        &PatchRequest::from_json(body(
            &json!([{"op": "replace", "path": "active", "value": false}])
        ))
        .unwrap()
    )
    .is_none());
}

// ---- properties

fn op_strategy() -> impl Strategy<Value = Value> {
    let id = prop::sample::select(vec!["u1", "u2", "u3", "u4"]);
    let path = prop::sample::select(vec![
        "members",
        "displayName",
        "externalId",
        "members.display",
        "members[value eq \"u1\"]",
        "members[value eq \"u3\"].display",
        "members[display co \"o\"]",
        "nope",
        "id",
    ]);
    let value = prop_oneof![
        prop::collection::vec(id.clone(), 0..3)
            .prop_map(|ids| json!(ids.iter().map(|i| json!({"value": i})).collect::<Vec<_>>())),
        id.prop_map(|i| json!({"value": i, "display": "D"})),
        "[a-z]{0,5}".prop_map(Value::String),
        Just(Value::Null),
        Just(json!(42)),
    ];
    (
        prop::sample::select(vec!["add", "replace", "remove"]),
        prop::option::of(path),
        value,
    )
        .prop_map(|(op, path, value)| {
            let mut o = json!({"op": op, "value": value});
            if let Some(path) = path {
                o["path"] = json!(path);
            }
            if op == "remove" {
                o.as_object_mut().unwrap().remove("value");
            }
            o
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(800))]

    /// Whatever the operations, a successful PATCH gives a resource that validates as is.
    #[test]
    fn results_always_validate(ops in prop::collection::vec(op_strategy(), 1..5)) {
        let rt = ResourceType::group();
        let g = group();
        let Ok(request) = PatchRequest::from_json(body(&json!(ops))) else { return Ok(()); };
        if let Ok(outcome) = apply_patch(&rt, &g, &request, &PatchOptions::default()) {
            let again = validate(&rt, outcome.resource.clone(), Mode::Replace { existing: &g }, &ValidationOptions::default());
            prop_assert_eq!(again.map(|r| r.attributes), Ok(outcome.resource.attributes));
        }
    }

    /// For member-only requests the delta and the engine agree on the resulting member ids.
    #[test]
    fn delta_agrees_with_engine(ops in prop::collection::vec(op_strategy(), 1..5)) {
        let rt = ResourceType::group();
        let g = group();
        let Ok(request) = PatchRequest::from_json(body(&json!(ops))) else { return Ok(()); };
        let Some((delta, rest)) = MemberDelta::extract(&rt, &request) else { return Ok(()); };
        if !rest.operations.is_empty() { return Ok(()); }
        let Ok(outcome) = apply_patch(&rt, &g, &request, &PatchOptions::default()) else { return Ok(()); };
        let mut members: Vec<Member> = serde_json::from_value(g.get("members").cloned().unwrap()).unwrap();
        delta.apply_to(&mut members);
        let mut by_delta: Vec<String> = members.into_iter().map(|m| m.value).collect();
        let mut by_engine: Vec<String> = outcome.resource.get("members")
            .and_then(Value::as_array).map(|a| a.iter().map(|m| m["value"].as_str().unwrap().to_owned()).collect()).unwrap_or_default();
        by_delta.sort();
        by_engine.sort();
        prop_assert_eq!(by_delta, by_engine);
    }
}

/// Found by `delta_agrees_with_engine`: a replace list naming one member twice keeps it once,
/// in the engine as in the member delta.
#[test]
fn replace_with_duplicate_members_keeps_each_once() {
    let rt = ResourceType::group();
    let g = validate(
        &rt,
        Resource::from_json(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G"}),
        )
        .unwrap(),
        Mode::Create,
        &ValidationOptions::default(),
    )
    .unwrap();
    let request = PatchRequest::from_json(json!({
        "schemas": [scimkit_core::patch::PATCH_SCHEMA],
        "Operations": [{"op": "replace", "path": "members", "value": [{"value": "u4"}, {"value": "u4"}]}]
    }))
    .unwrap();
    let outcome = apply_patch(&rt, &g, &request, &PatchOptions::default()).unwrap();
    assert_eq!(
        outcome.resource.get("members"),
        Some(&json!([{"value": "u4"}]))
    );
}

/// Found by the `patch` fuzz target (`fuzz/regressions/patch/member-id-case`): member ids are
/// ids, so they compare exactly, although the RFC listing has `members.value` `caseExact:
/// false`. `members[value eq "<id in other case>"]` matches no member, in the PATCH engine as in
/// a store applying the `MemberDelta` (the in-memory store, row deletes), so the same request
/// changes the same thing whatever the store.
#[test]
fn member_ids_compare_exactly_in_the_engine_as_in_the_delta() {
    let rt = ResourceType::group();
    let g = stored(
        &rt,
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G",
               "members": [{"value": "902c246b-ab"}, {"value": "u1"}]}),
    );
    let request = PatchRequest::from_json(json!({
        "schemas": [scimkit_core::patch::PATCH_SCHEMA],
        "Operations": [
            {"op": "remove", "path": "members[value eq \"902C246B-AB\"]"},
            {"op": "add", "path": "members", "value": [{"value": "U1"}]}
        ]
    }))
    .unwrap();
    let outcome = apply_patch(&rt, &g, &request, &PatchOptions::default()).unwrap();
    let by_engine: Vec<&str> = outcome
        .resource
        .get("members")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(by_engine, ["902c246b-ab", "u1", "U1"]);

    let (delta, _) = MemberDelta::extract(&rt, &request).unwrap();
    let mut members: Vec<Member> =
        serde_json::from_value(g.get("members").cloned().unwrap()).unwrap();
    delta.apply_to(&mut members);
    let by_delta: Vec<&str> = members.iter().map(|m| m.value.as_str()).collect();
    assert_eq!(by_delta, by_engine);
}
