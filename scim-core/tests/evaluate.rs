//! Filter evaluation through the public API: a table of filters against one realistic user,
//! type and operator errors, lenient mode, groups, element filters, and a no-panic property.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

use proptest::prelude::*;
use scimkit_core::evaluate::{CompiledFilter, ElementFilter, Strictness};
use scimkit_core::schema::{Attribute, ResourceType};
use scimkit_core::validate::{validate, Mode, ValidationOptions};
use scimkit_core::{Meta, Resource, ScimError};
use scimkit_filter::{parse_filter, AttrPath, CompValue, CompareOp, Filter};
use serde_json::{json, Value};

fn users() -> ResourceType {
    ResourceType::user().with_core_attribute(
        Attribute::string("role").canonical_values(["owner", "member", "guest"]),
    )
}

fn user() -> Resource {
    let input = Resource::from_json(json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "externalId": "ext-701984",
        "userName": "BJensen@example.com",
        "name": {"familyName": "O'Malley", "givenName": "Barbara", "formatted": "Ms. Barbara J Jensen III"},
        "displayName": "Babs Jensen",
        "title": "Tour Guide",
        "userType": "Employee",
        "active": true,
        "role": "member",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "555-555-8377", "type": "work"}],
        "addresses": [{"type": "work", "postalCode": "91608", "locality": "Hollywood"}],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "x509Certificates": [{"value": "TUlJRGpEQ0NBZlNnQXdJ"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
        }
    }))
    .unwrap();
    let mut user = validate(&users(), input, Mode::Create, &ValidationOptions::default()).unwrap();
    user.id = Some("2819c223-7f76-453a-919d-413861904646".to_owned());
    let created = chrono::DateTime::parse_from_rfc3339("2011-08-01T18:29:49.793Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let mut meta = Meta::new("User", created);
    meta.last_modified = chrono::DateTime::parse_from_rfc3339("2011-08-01T20:31:02Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    meta.version = Some("W/\"3694e05e9dff591\"".to_owned());
    meta.location = Some("https://example.com/v2/Users/2819c223".to_owned());
    user.meta = Some(meta);
    user
}

fn eval(
    rt: &ResourceType,
    resource: &Resource,
    text: &str,
    strictness: Strictness,
) -> Result<bool, ScimError> {
    let filter = parse_filter(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    CompiledFilter::new(&filter, rt, strictness).map(|c| c.matches(resource))
}

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// (filter, matches the user)
const MATCHES: &[(&str, bool)] = &[
    // eq, case-insensitive userName, case-exact id/externalId
    (r#"userName eq "bjensen@example.com""#, true),
    (r#"userName eq "BJENSEN@EXAMPLE.COM""#, true),
    (r#"USERNAME eq "bjensen@example.com""#, true),
    (r#"userName eq "bjensen""#, false),
    (r#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
    (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
    (r#"externalId eq "ext-701984""#, true),
    (r#"externalId eq "EXT-701984""#, false),
    // ne is not-eq
    (r#"userName ne "someone""#, true),
    (r#"userName ne "BJENSEN@example.com""#, false),
    (r#"nickName ne "x""#, true),
    // co sw ew
    (r#"userName co "JENSEN""#, true),
    (r#"userName sw "bj""#, true),
    (r#"userName ew "@EXAMPLE.com""#, true),
    (r#"userName ew "@example.org""#, false),
    (r#"name.familyName co "O'Malley""#, true),
    (r#"name.givenName sw "Bar""#, true),
    (r#"name.givenName sw "arb""#, false),
    // pr
    ("title pr", true),
    ("nickName pr", false),
    ("name pr", true),
    ("name.middleName pr", false),
    ("emails pr", true),
    ("emails.type pr", true),
    ("phoneNumbers.display pr", false),
    ("meta pr", true),
    ("meta.version pr", true),
    // booleans
    ("active eq true", true),
    ("active eq false", false),
    ("active ne false", true),
    // dateTime as instants
    (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, true),
    (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
    (r#"meta.lastModified eq "2011-08-01T22:31:02+02:00""#, true),
    (r#"meta.lastModified ge "2011-08-01T20:31:02Z""#, true),
    (r#"meta.lastModified le "2011-08-01T20:31:01Z""#, false),
    (r#"meta.created lt "2011-08-01T18:29:50Z""#, true),
    (r#"meta.resourceType eq "User""#, true),
    // string ordering
    (r#"userName gt "a""#, true),
    (r#"userName lt "C""#, true),
    (r#"userName ge "bjensen@example.com""#, true),
    // multi-valued: any value, ne included (some value differs)
    (r#"emails.type ne "work""#, true),
    (r#"emails.type ne "HOME""#, true),
    (r#"phoneNumbers.type ne "work""#, false),
    (r#"phoneNumbers.type ne "WORK""#, false),
    (r#"not (phoneNumbers.type eq "work")"#, false),
    (r#"ims.type ne "xmpp""#, true),
    (r#"emails ne "bjensen@example.com""#, true),
    (r#"x509Certificates.value ne "TUlJRGpEQ0NBZlNnQXdJ""#, false),
    (r#"x509Certificates.value ne "tuljrgpeq0nbzlnnqxdj""#, true),
    (
        r#"schemas ne "urn:ietf:params:scim:schemas:core:2.0:User""#,
        true,
    ),
    (r#"emails.value eq "babs@jensen.org""#, true),
    (r#"emails.type eq "home""#, true),
    (r#"emails.type eq "other""#, false),
    (r#"emails co "jensen.org""#, true),
    (r#"emails eq "BJENSEN@example.com""#, true),
    (r#"phoneNumbers.value eq "555-555-8377""#, true),
    (r#"x509Certificates.value eq "TUlJRGpEQ0NBZlNnQXdJ""#, true),
    (r#"x509Certificates.value eq "tuljrgpeq0nbzlnnqxdj""#, false),
    // value paths match within one element
    (
        r#"emails[type eq "work" and value co "@example.com"]"#,
        true,
    ),
    (
        r#"emails[type eq "home" and value co "@example.com"]"#,
        false,
    ),
    (
        r#"emails[type eq "work"].value eq "bjensen@example.com""#,
        true,
    ),
    (
        r#"emails[type eq "home"].value eq "bjensen@example.com""#,
        false,
    ),
    (r#"emails[primary eq true].value pr"#, true),
    (r#"emails[not (type eq "work")]"#, true),
    (r#"emails[type eq "other" or primary eq true]"#, true),
    (r#"addresses[type eq "work" and postalCode sw "916"]"#, true),
    (r#"ims[type eq "xmpp"]"#, false),
    (r#"name[givenName eq "barbara"]"#, true),
    // logical operators and precedence
    (r#"title pr and userType eq "Employee""#, true),
    (r#"title pr and userType eq "Intern""#, false),
    (r#"title pr or userType eq "Intern""#, true),
    (r#"nickName pr or userType eq "Intern""#, false),
    (
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        true,
    ),
    (
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        false,
    ),
    (r#"not (nickName pr)"#, true),
    (r#"nickName pr or title pr and active eq true"#, true),
    (r#"(nickName pr or title pr) and active eq false"#, false),
    // schemas, extensions, URN-qualified paths
    (
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        true,
    ),
    (
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "B""#,
        true,
    ),
    (
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
        true,
    ),
    (r#"employeeNumber eq "701984""#, true),
    (
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
        true,
    ),
    (
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
        true,
    ),
    (
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department co "operations""#,
        true,
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr",
        true,
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter pr",
        false,
    ),
    // null
    ("nickName eq null", true),
    ("title eq null", false),
    ("title ne null", true),
    // a host attribute in the core namespace (Zulip's role)
    (r#"role eq "MEMBER""#, true),
    (r#"role eq "owner""#, false),
    // Entra's probes
    (
        r#"externalId eq "00aa00aa-bb11-cc22-dd33-44ee44ee44ee""#,
        false,
    ),
    (
        r#"userName eq "bjensen@example.com" and active eq true"#,
        true,
    ),
];

#[test]
fn filter_table_against_one_user() {
    let rt = users();
    let user = user();
    let mut failures = Vec::new();
    for (text, want) in MATCHES {
        match eval(&rt, &user, text, Strictness::Strict) {
            Ok(got) if got == *want => {}
            other => failures.push(format!("{text}: want {want}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(MATCHES.len() >= 60);
}

/// Filters that make no sense: (filter, a word the detail must contain).
const INVALID: &[(&str, &str)] = &[
    ("active gt true", "boolean"),
    ("active le false", "boolean"),
    (r#"x509Certificates.value gt "a""#, "binary"),
    (r#"active co "t""#, "co, sw and ew"),
    (r#"meta.created sw "2011""#, "dateTime"),
    (r#"name eq "Barbara""#, "complex"),
    ("name gt 1", "complex"),
    (r#"userName eq 5"#, "quoted string"),
    (r#"userName eq true"#, "quoted string"),
    (r#"active eq "true""#, "true or false"),
    (r#"meta.lastModified gt "yesterday""#, "dateTime"),
    (r#"meta.lastModified gt 5"#, "dateTime"),
    ("userName gt null", "null"),
    ("favoriteColor eq \"blue\"", "favoriteColor"),
    ("name.nickName pr", "name.nickName"),
    (r#"emails[flavor eq "work"]"#, "emails.flavor"),
    (r#"emails[type eq "work"].colour eq "x""#, "emails.colour"),
    (r#"userName[value eq "x"]"#, "not a complex attribute"),
    (
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User eq "x""#,
        "only pr",
    ),
    (r#"urn:example:unknown:1.0:User:badge eq "x""#, "badge"),
];

#[test]
fn nonsense_filters_are_invalid_filter_errors() {
    let rt = users();
    let user = user();
    let mut failures = Vec::new();
    for (text, word) in INVALID {
        match eval(&rt, &user, text, Strictness::Strict) {
            Err(ScimError::InvalidFilter(detail)) if detail.contains(word) => {}
            other => failures.push(format!(
                "{text}: want invalidFilter mentioning {word:?}, got {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let err = eval(&rt, &user, "active gt true", Strictness::Strict).unwrap_err();
    assert_eq!(
        (err.status(), err.scim_type()),
        (400, Some("invalidFilter"))
    );
}

#[test]
fn lenient_mode_treats_unknown_attributes_as_absent() {
    let rt = users();
    let user = user();
    let cases = [
        (r#"favoriteColor eq "blue""#, false),
        ("favoriteColor pr", false),
        (r#"not (favoriteColor eq "blue")"#, true),
        (r#"favoriteColor ne "blue""#, true),
        (r#"favoriteColor eq "blue" or userName sw "b""#, true),
        (r#"emails[flavor eq "work"]"#, false),
        (r#"hobbies[kind eq "x"]"#, false),
        (r#"emails[type eq "work"].colour pr"#, false),
    ];
    for (text, want) in cases {
        assert_eq!(
            eval(&rt, &user, text, Strictness::Lenient),
            Ok(want),
            "{text}"
        );
    }
    // Type errors on known attributes are still errors.
    assert!(eval(&rt, &user, "active gt true", Strictness::Lenient).is_err());
}

fn group(members: &[&str]) -> Resource {
    let members: Vec<Value> = members
        .iter()
        .map(|m| json!({"value": m, "display": m}))
        .collect();
    let input = Resource::from_json(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Engineering Team",
        "members": members,
    }))
    .unwrap();
    let mut g = validate(
        &ResourceType::group(),
        input,
        Mode::Create,
        &ValidationOptions::default(),
    )
    .unwrap();
    g.id = Some("g1".to_owned());
    g
}

#[test]
fn entra_group_probes() {
    let rt = ResourceType::group();
    let g = group(&["u1", "u2"]);
    let cases = [
        (r#"displayName eq "engineering team""#, true),
        (r#"id eq "g1" and members[value eq "u2"]"#, true),
        (r#"id eq "g1" and members[value eq "u3"]"#, false),
        (r#"members.value eq "u1""#, true),
        (r#"members eq "u1""#, true),
        ("members pr", true),
    ];
    for (text, want) in cases {
        assert_eq!(eval(&rt, &g, text, Strictness::Strict), Ok(want), "{text}");
    }
    let empty = group(&[]);
    assert_eq!(
        eval(&rt, &empty, "members pr", Strictness::Strict),
        Ok(false)
    );
    assert_eq!(
        eval(&rt, &empty, r#"members[value eq "u1"]"#, Strictness::Strict),
        Ok(false)
    );
}

#[test]
fn empty_values_are_not_present() {
    let rt = users();
    let mut user = user();
    user.attributes.insert("nickName".into(), json!(""));
    user.attributes.insert("ims".into(), json!([]));
    user.attributes
        .insert("name".into(), json!({"givenName": null}));
    for text in ["nickName pr", "ims pr", "name pr", "name.givenName pr"] {
        assert_eq!(
            eval(&rt, &user, text, Strictness::Strict),
            Ok(false),
            "{text}"
        );
    }
}

#[test]
fn element_filters_for_patch_paths() {
    let rt = users();
    let work = ElementFilter::new(
        &parse_filter(r#"type eq "WORK" and primary eq true"#).unwrap(),
        &rt,
        &AttrPath::new("emails"),
        Strictness::Strict,
    )
    .unwrap();
    assert!(work.matches(&json!({"value": "a@b", "type": "work", "primary": true})));
    assert!(!work.matches(&json!({"value": "a@b", "type": "work"})));
    assert!(!work.matches(&json!("not an object")));

    let manager = ElementFilter::new(
        &parse_filter(r#"value eq "m1""#).unwrap(),
        &rt,
        &AttrPath::new("manager").with_urn(ENT),
        Strictness::Strict,
    )
    .unwrap();
    assert!(manager.matches(&json!({"value": "m1"})));

    let err = ElementFilter::new(
        &parse_filter(r#"value eq "x""#).unwrap(),
        &rt,
        &AttrPath::new("userName"),
        Strictness::Strict,
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some("invalidPath"));
    let err = ElementFilter::new(
        &parse_filter(r#"flavor eq "x""#).unwrap(),
        &rt,
        &AttrPath::new("emails"),
        Strictness::Strict,
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some("invalidFilter"));
}

#[test]
fn hand_built_deep_filters_are_refused_not_overflowed() {
    let rt = users();
    let mut filter = Filter::present(AttrPath::new("title"));
    for _ in 0..10_000 {
        filter = Filter::Not(Box::new(filter));
    }
    let err = CompiledFilter::new(&filter, &rt, Strictness::Strict).unwrap_err();
    assert_eq!(err.scim_type(), Some("invalidFilter"));
    // Dropping a deep Box chain is recursive in std; unwind it by hand.
    while let Filter::Not(inner) = filter {
        filter = *inner;
    }
}

/// A user with these e-mails (and a title when given).
fn user_with(emails: Option<Value>, title: Option<&str>) -> Resource {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "someone",
    });
    if let Some(emails) = emails {
        body["emails"] = emails;
    }
    if let Some(title) = title {
        body["title"] = json!(title);
    }
    Resource::from_json(body).unwrap()
}

/// RFC 7644 §3.4.2.2: a filter on a multi-valued attribute matches when some value matches the
/// criterion, `ne` included; only values that are there take part.
#[test]
fn ne_on_multi_valued_attributes_needs_a_value_that_differs() {
    let rt = users();
    let work_and_home = user_with(
        Some(json!([
            {"value": "b@work.example", "type": "work"},
            {"value": "b@home.example", "type": "home"}
        ])),
        None,
    );
    let work_only = user_with(
        Some(json!([{"value": "b@work.example", "type": "work"}])),
        Some("Boss"),
    );
    let no_emails = user_with(None, None);
    let empty_emails = user_with(Some(json!([])), None);
    let untyped = user_with(
        Some(json!([
            {"value": "a@x.example"},
            {"value": "b@x.example", "type": null}
        ])),
        None,
    );
    let work_and_untyped = user_with(
        Some(json!([
            {"value": "b@work.example", "type": "WORK"},
            {"value": "b@x.example"}
        ])),
        None,
    );
    let users_and_names = [
        ("work+home", &work_and_home),
        ("work only", &work_only),
        ("no e-mails", &no_emails),
        ("e-mails []", &empty_emails),
        ("e-mails without type", &untyped),
        ("WORK + untyped", &work_and_untyped),
    ];
    // (filter, [work+home, work only, no e-mails, [], without type, WORK + untyped])
    let cases: &[(&str, [bool; 6])] = &[
        (
            r#"emails.type ne "work""#,
            [true, false, false, false, false, false],
        ),
        (
            r#"emails.type ne "Work""#,
            [true, false, false, false, false, false],
        ),
        (
            r#"emails.type ne "home""#,
            [true, true, false, false, false, true],
        ),
        // The negation of the any-match is another filter.
        (
            r#"not (emails.type eq "work")"#,
            [false, false, true, true, true, false],
        ),
        (
            r#"not (emails.type ne "work")"#,
            [false, true, true, true, true, true],
        ),
        (
            r#"emails.type eq "work""#,
            [true, true, false, false, false, true],
        ),
        // Through `value`, and by `value` named.
        (
            r#"emails ne "b@work.example""#,
            [true, false, false, false, true, true],
        ),
        (
            r#"emails.value ne "B@WORK.example""#,
            [true, false, false, false, true, true],
        ),
        // null: presence, unchanged.
        (
            "emails.type ne null",
            [true, true, false, false, false, true],
        ),
        (
            "emails.type eq null",
            [false, false, true, true, true, false],
        ),
        ("emails.type pr", [true, true, false, false, false, true]),
        // A value path tests each element as a whole: an element without type passes.
        (
            r#"emails[type ne "work"]"#,
            [true, false, false, false, true, true],
        ),
        (
            r#"emails[not (type eq "work")]"#,
            [true, false, false, false, true, true],
        ),
        (
            r#"emails[type eq "work"].value ne "b@work.example""#,
            [false, false, false, false, false, false],
        ),
        // Single-valued: ne is not eq, a missing title matches.
        (r#"title ne "boss""#, [true, false, true, true, true, true]),
        (
            r#"not (title eq "boss")"#,
            [true, false, true, true, true, true],
        ),
        // The other operators are any-match, as they were.
        (
            r#"emails.type co "OR""#,
            [true, true, false, false, false, true],
        ),
        (
            r#"emails.type gt "j""#,
            [true, true, false, false, false, true],
        ),
        (
            r#"emails.value ew "@home.example""#,
            [true, false, false, false, false, false],
        ),
    ];
    let mut failures = Vec::new();
    for (text, want) in cases {
        for ((name, user), want) in users_and_names.iter().zip(want) {
            match eval(&rt, user, text, Strictness::Strict) {
                Ok(got) if got == *want => {}
                other => failures.push(format!("{text} on {name}: want {want}, got {other:?}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The same in lenient mode (what list requests use).
    assert_eq!(
        eval(
            &rt,
            &no_emails,
            r#"emails.type ne "work""#,
            Strictness::Lenient
        ),
        Ok(false)
    );
    assert_eq!(
        eval(
            &rt,
            &work_and_home,
            r#"emails.type ne "work""#,
            Strictness::Lenient
        ),
        Ok(true)
    );
}

/// The rule on multi-valued simple attributes, case-exact ones and dateTimes: the comparison is
/// the attribute's (folded, exact, an instant), applied to each value.
#[test]
fn ne_on_multi_valued_simple_attributes() {
    let rt = ResourceType::user()
        .with_core_attribute(Attribute::string("tags").multi_valued())
        .with_core_attribute(Attribute::string("codes").multi_valued().case_exact(true))
        .with_core_attribute(Attribute::date_time("seen").multi_valued())
        .with_core_attribute(Attribute::integer("levels").multi_valued());
    let with = |attributes: Value| {
        let mut body = json!({"userName": "someone"});
        for (key, value) in attributes.as_object().unwrap() {
            body[key] = value.clone();
        }
        Resource::from_json(body).unwrap()
    };
    let cases = [
        (json!({"tags": ["a", "B"]}), r#"tags ne "a""#, true),
        (json!({"tags": ["a", "A"]}), r#"tags ne "a""#, false),
        (json!({"tags": ["A"]}), r#"tags ne "a""#, false),
        (json!({"tags": []}), r#"tags ne "a""#, false),
        (json!({}), r#"tags ne "a""#, false),
        (json!({"tags": [null]}), r#"tags ne "a""#, false),
        (json!({}), r#"not (tags eq "a")"#, true),
        (json!({"tags": ["a", "B"]}), r#"not (tags eq "a")"#, false),
        (json!({"tags": ["a", "B"]}), r#"tags eq "b""#, true),
        (json!({"codes": ["A"]}), r#"codes ne "a""#, true),
        (json!({"codes": ["a"]}), r#"codes ne "a""#, false),
        (json!({"codes": ["a", "a"]}), r#"codes eq "A""#, false),
        (
            json!({"seen": ["2011-08-01T20:31:02Z"]}),
            r#"seen ne "2011-08-01T22:31:02+02:00""#,
            false,
        ),
        (
            json!({"seen": ["2011-08-01T20:31:02Z", "2012-01-01T00:00:00Z"]}),
            r#"seen ne "2011-08-01T22:31:02+02:00""#,
            true,
        ),
        (
            json!({"seen": ["2011-08-01T20:31:02Z", "2012-01-01T00:00:00Z"]}),
            r#"seen gt "2011-12-31T00:00:00Z""#,
            true,
        ),
        (json!({"levels": [1, 2]}), "levels ne 1", true),
        (json!({"levels": [1, 1.0]}), "levels ne 1", false),
        (json!({"levels": [1, 2]}), "levels lt 2", true),
        (json!({}), "levels ne 1", false),
    ];
    for (attributes, text, want) in cases {
        let user = with(attributes.clone());
        assert_eq!(
            eval(&rt, &user, text, Strictness::Strict),
            Ok(want),
            "{text} on {attributes}"
        );
    }
}

// ---- properties: compiling and matching never panics; ne is the negation of eq on
// single-valued paths; on multi-valued ones every comparison matches when one element does

const NAMES: &[&str] = &[
    "userName",
    "name",
    "name.givenName",
    "emails",
    "emails.value",
    "emails.primary",
    "active",
    "meta.lastModified",
    "meta",
    "id",
    "externalId",
    "schemas",
    "x509Certificates.value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "unknownThing",
    "name.unknown",
    "role",
    "addresses.postalCode",
    "title",
];

/// The names in `NAMES` that lead through a multi-valued attribute.
fn is_multi_valued(path: &AttrPath) -> bool {
    ["emails", "schemas", "x509Certificates", "addresses"]
        .iter()
        .any(|name| path.urn.is_none() && path.name.eq_ignore_ascii_case(name))
}

/// Paths through the multi-valued attributes the generated resources have.
fn multi_valued_path() -> impl Strategy<Value = AttrPath> {
    prop::sample::select(vec![
        "emails",
        "emails.value",
        "emails.type",
        "emails.primary",
        "x509Certificates.value",
        "x509Certificates",
    ])
    .prop_map(|text| match scimkit_filter::parse_path(text).unwrap() {
        scimkit_filter::PatchPath::Attr(p) => p,
        scimkit_filter::PatchPath::Filtered { attr, .. } => attr,
    })
}

fn path() -> impl Strategy<Value = AttrPath> {
    prop::sample::select(NAMES).prop_map(|text| match scimkit_filter::parse_path(text).unwrap() {
        scimkit_filter::PatchPath::Attr(p) => p,
        scimkit_filter::PatchPath::Filtered { attr, .. } => attr,
    })
}

fn value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        "[a-zA-Z@. 0-9é-]{0,8}".prop_map(CompValue::String),
        Just(CompValue::String("2011-08-01T20:31:02Z".into())),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<bool>().prop_map(CompValue::Bool),
        Just(CompValue::Null),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ])
}

fn leaf() -> impl Strategy<Value = Filter> {
    prop_oneof![
        path().prop_map(Filter::present),
        (path(), op(), value()).prop_map(|(p, o, v)| Filter::compare(p, o, v)),
    ]
}

fn filter() -> impl Strategy<Value = Filter> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::Or),
            inner.clone().prop_map(|f| Filter::Not(Box::new(f))),
            (path(), inner).prop_map(|(p, f)| Filter::ValuePath {
                path: p,
                filter: Box::new(f),
                sub: None
            }),
        ]
    })
}

fn resource() -> impl Strategy<Value = Resource> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9 ]{0,6}".prop_map(Value::String),
        Just(json!("2011-08-01T20:31:02Z")),
    ];
    let json = scalar.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec!["value", "type", "primary", "givenName", "manager"])
                    .prop_map(str::to_owned),
                inner,
                0..3
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(
        prop::sample::select(vec![
            "userName",
            "name",
            "emails",
            "active",
            "title",
            "role",
            "x509Certificates",
            ENT,
        ])
        .prop_map(str::to_owned),
        json,
        0..6,
    )
    .prop_map(|attributes| Resource {
        attributes: attributes.into_iter().collect(),
        id: Some("x".into()),
        ..Resource::default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn evaluation_never_panics(f in filter(), r in resource()) {
        let rt = users();
        for strictness in [Strictness::Strict, Strictness::Lenient] {
            if let Ok(compiled) = CompiledFilter::new(&f, &rt, strictness) {
                let _ = compiled.matches(&r);
            }
        }
    }

    #[test]
    fn ne_is_not_eq_on_single_valued_paths(p in path(), v in value(), r in resource()) {
        prop_assume!(!is_multi_valued(&p) || v == CompValue::Null);
        let rt = users();
        let eq = CompiledFilter::new(&Filter::compare(p.clone(), CompareOp::Eq, v.clone()), &rt, Strictness::Lenient);
        let ne = CompiledFilter::new(&Filter::compare(p, CompareOp::Ne, v), &rt, Strictness::Lenient);
        if let (Ok(eq), Ok(ne)) = (eq, ne) {
            prop_assert_eq!(eq.matches(&r), !ne.matches(&r));
        }
    }

    /// A comparison on a multi-valued attribute matches a resource exactly when it matches the
    /// resource cut down to one of the attribute's elements (`ne` included).
    #[test]
    fn multi_valued_comparisons_match_when_one_element_does(
        p in multi_valued_path(),
        o in op(),
        v in value(),
        r in resource(),
    ) {
        prop_assume!(v != CompValue::Null);
        let rt = users();
        let compiled = CompiledFilter::new(&Filter::compare(p.clone(), o, v), &rt, Strictness::Strict);
        let Ok(compiled) = compiled else {
            return Ok(());
        };
        let items = match r.attributes.get(&p.name) {
            Some(Value::Array(items)) => items.clone(),
            Some(_) => return Ok(()),
            None => Vec::new(),
        };
        let one_matches = items.into_iter().any(|item| {
            let mut one = r.clone();
            one.attributes.insert(p.name.clone(), Value::Array(vec![item]));
            compiled.matches(&one)
        });
        prop_assert_eq!(compiled.matches(&r), one_matches);
    }

    #[test]
    fn not_is_negation(f in filter(), r in resource()) {
        let rt = users();
        let positive = CompiledFilter::new(&f, &rt, Strictness::Lenient);
        let negative = CompiledFilter::new(&f.clone().negate(), &rt, Strictness::Lenient);
        if let (Ok(p), Ok(n)) = (positive, negative) {
            prop_assert_eq!(p.matches(&r), !n.matches(&r));
        }
    }
}
