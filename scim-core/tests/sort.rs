//! `sortBy` / `sortOrder` (RFC 7644 §3.4.2.3) through the public API, on validated resources.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value
)]

use std::cmp::Ordering;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use scimkit_core::schema::{Attribute, ResourceType};
use scimkit_core::validate::{validate, Mode, ValidationOptions};
use scimkit_core::{Meta, Resource, ScimError, SortKey, SortOrder, SortSpec};
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn users() -> ResourceType {
    ResourceType::user()
        .with_core_attribute(Attribute::integer("level"))
        .with_core_attribute(Attribute::decimal("score"))
        .with_core_attribute(Attribute::date_time("hiredAt"))
        .with_core_attribute(Attribute::string("badge").case_exact(true))
}

/// A validated user called `tag` (also its id) with `extra` attributes.
fn user(tag: &str, extra: Value) -> Resource {
    let mut body = json!({"schemas": [USER, ENT], "userName": format!("user-{tag}")});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let mut r = validate(
        &users(),
        Resource::from_json(body).unwrap(),
        Mode::Create,
        &ValidationOptions::default(),
    )
    .unwrap();
    r.id = Some(tag.to_owned());
    r
}

fn sorted_ids(sort_by: &str, order: Option<&str>, mut list: Vec<Resource>) -> Vec<String> {
    let rt = users();
    SortSpec::from_query(&rt, sort_by, order)
        .unwrap()
        .sort(&rt, &mut list);
    list.into_iter().map(|r| r.id.unwrap()).collect()
}

fn err(sort_by: &str, order: Option<&str>) -> ScimError {
    SortSpec::from_query(&users(), sort_by, order).unwrap_err()
}

#[test]
fn strings_sort_case_insensitively() {
    let list = vec![
        user("c", json!({"displayName": "carol"})),
        user("a", json!({"displayName": "Alice"})),
        user("b", json!({"displayName": "bob"})),
        user("B", json!({"displayName": "BOB"})),
    ];
    assert_eq!(
        sorted_ids("displayName", None, list.clone()),
        ["a", "b", "B", "c"]
    );
    assert_eq!(
        sorted_ids("displayName", Some("descending"), list),
        ["c", "b", "B", "a"]
    );
}

#[test]
fn case_exact_strings_sort_by_code_point() {
    let list = vec![
        user("1", json!({"badge": "apple"})),
        user("2", json!({"badge": "Banana"})),
        user("3", json!({"badge": "banana"})),
    ];
    // Upper case before lower case: "Banana" < "apple" < "banana".
    assert_eq!(sorted_ids("badge", None, list), ["2", "1", "3"]);
    // `externalId` is caseExact too.
    let list = vec![
        user("x", json!({"externalId": "b"})),
        user("y", json!({"externalId": "B"})),
    ];
    assert_eq!(sorted_ids("externalId", None, list), ["y", "x"]);
}

#[test]
fn date_times_sort_as_instants_whatever_their_offsets() {
    let list = vec![
        user(
            "noon-plus2",
            json!({"hiredAt": "2024-01-01T12:00:00+02:00"}),
        ), // 10:00Z
        user("eleven-z", json!({"hiredAt": "2024-01-01T11:00:00Z"})), // 11:00Z
        user(
            "nine-minus1",
            json!({"hiredAt": "2024-01-01T09:30:00-01:00"}),
        ), // 10:30Z
    ];
    assert_eq!(
        sorted_ids("hiredAt", None, list),
        ["noon-plus2", "nine-minus1", "eleven-z"]
    );
}

#[test]
fn meta_timestamps_sort() {
    let at = |h| Utc.with_ymd_and_hms(2026, 1, 1, h, 0, 0).unwrap();
    let mut list = vec![
        user("late", json!({})),
        user("early", json!({})),
        user("none", json!({})),
    ];
    list[0].meta = Some(Meta::new("User", at(9)));
    list[1].meta = Some(Meta::new("User", at(8)));
    assert_eq!(
        sorted_ids("meta.lastModified", None, list.clone()),
        ["early", "late", "none"]
    );
    assert_eq!(
        sorted_ids("meta.created", Some("descending"), list),
        ["none", "late", "early"]
    );
}

#[test]
fn numbers_sort_numerically() {
    let list = vec![
        user("ten", json!({"level": 10})),
        user("nine", json!({"level": 9})),
        user("hundred", json!({"level": 100})),
        user("minus", json!({"level": -3})),
    ];
    assert_eq!(
        sorted_ids("level", None, list),
        ["minus", "nine", "ten", "hundred"]
    );
    let list = vec![
        user("a", json!({"score": 10.5})),
        user("b", json!({"score": 2})),
        user("c", json!({"score": 2.25})),
    ];
    assert_eq!(
        sorted_ids("score", Some("Descending"), list),
        ["a", "c", "b"]
    );
}

#[test]
fn booleans_sort_false_before_true() {
    let list = vec![
        user("t", json!({"active": true})),
        user("f", json!({"active": false})),
    ];
    assert_eq!(sorted_ids("active", None, list.clone()), ["f", "t"]);
    assert_eq!(sorted_ids("active", Some("descending"), list), ["t", "f"]);
}

#[test]
fn missing_values_sort_last_ascending_and_first_descending() {
    let list = vec![
        user("none1", json!({})),
        user("b", json!({"nickName": "b"})),
        user("none2", json!({})),
        user("a", json!({"nickName": "a"})),
    ];
    assert_eq!(
        sorted_ids("nickName", None, list.clone()),
        ["a", "b", "none1", "none2"]
    );
    assert_eq!(
        sorted_ids("nickName", Some("descending"), list),
        ["none1", "none2", "b", "a"]
    );
}

#[test]
fn multi_valued_sorts_by_the_primary_element() {
    let list = vec![
        user(
            "1",
            json!({"emails": [
                {"value": "a@example.com", "type": "home"},
                {"value": "z@example.com", "type": "work", "primary": true}
            ]}),
        ),
        user(
            "2",
            json!({"emails": [{"value": "m@example.com", "primary": true}]}),
        ),
    ];
    assert_eq!(sorted_ids("emails.value", None, list.clone()), ["2", "1"]);
    // A complex multi-valued attribute without a sub-attribute sorts by `value`.
    assert_eq!(sorted_ids("emails", None, list.clone()), ["2", "1"]);
    // Another sub-attribute of the primary element.
    assert_eq!(sorted_ids("emails.type", None, list), ["1", "2"]);
}

#[test]
fn multi_valued_without_primary_sorts_by_the_first_element() {
    let list = vec![
        user(
            "1",
            json!({"emails": [{"value": "y@example.com"}, {"value": "a@example.com"}]}),
        ),
        user("2", json!({"emails": [{"value": "x@example.com"}]})),
        user("3", json!({})),
    ];
    assert_eq!(sorted_ids("emails", None, list), ["2", "1", "3"]);
}

#[test]
fn extension_attributes_sort() {
    let list = vec![
        user("nine", json!({ENT: {"employeeNumber": "9"}})),
        user("ten", json!({ENT: {"employeeNumber": "10"}})),
        user("none", json!({})),
    ];
    // employeeNumber is a string: "10" < "9".
    assert_eq!(
        sorted_ids(&format!("{ENT}:employeeNumber"), None, list.clone()),
        ["ten", "nine", "none"]
    );
    assert_eq!(
        sorted_ids("employeeNumber", None, list),
        ["ten", "nine", "none"]
    );
    let list = vec![
        user("z", json!({ENT: {"manager": {"value": "Zed"}}})),
        user("a", json!({ENT: {"manager": {"value": "adam"}}})),
    ];
    assert_eq!(sorted_ids("manager.value", None, list.clone()), ["a", "z"]);
    assert_eq!(
        sorted_ids(&format!("{ENT}:manager"), None, list),
        ["a", "z"]
    );
}

#[test]
fn common_attributes_sort() {
    let list = vec![
        user("b", json!({})),
        user("C", json!({})),
        user("a", json!({})),
    ];
    // `id` is caseExact.
    assert_eq!(sorted_ids("id", None, list), ["C", "a", "b"]);
}

#[test]
fn sub_attribute_of_a_single_complex_attribute() {
    let list = vec![
        user("j", json!({"name": {"familyName": "Jensen"}})),
        user("a", json!({"name": {"familyName": "anders"}})),
        user("n", json!({"name": {"givenName": "No Family"}})),
    ];
    assert_eq!(sorted_ids("name.familyName", None, list), ["a", "j", "n"]);
}

#[test]
fn the_sort_is_stable() {
    let list = vec![
        user("1", json!({"title": "Tour Guide"})),
        user("2", json!({"title": "boss"})),
        user("3", json!({"title": "tour guide"})),
        user("4", json!({"title": "TOUR GUIDE"})),
        user("5", json!({"title": "Boss"})),
    ];
    assert_eq!(
        sorted_ids("title", None, list.clone()),
        ["2", "5", "1", "3", "4"]
    );
    assert_eq!(
        sorted_ids("title", Some("descending"), list),
        ["1", "3", "4", "2", "5"]
    );
}

#[test]
fn names_and_order_are_case_insensitive() {
    let list = vec![
        user("b", json!({"displayName": "b"})),
        user("a", json!({"displayName": "a"})),
    ];
    assert_eq!(
        sorted_ids("DISPLAYNAME", Some("ASCENDING"), list.clone()),
        ["a", "b"]
    );
    assert_eq!(
        sorted_ids(" displayname ", Some(" DeScEnDiNg "), list),
        ["b", "a"]
    );
    let spec = SortSpec::from_query(&users(), "userName", Some("")).unwrap();
    assert_eq!(spec.order, SortOrder::Ascending);
}

#[test]
fn invalid_sort_order_is_invalid_value() {
    for order in ["desc", "asc", "up", "1"] {
        let e = err("userName", Some(order));
        assert_eq!(e.scim_type(), Some("invalidValue"));
        assert!(e.detail().contains(order), "{}", e.detail());
        assert!(e.detail().contains("descending"), "{}", e.detail());
    }
    assert!("sideways".parse::<SortOrder>().is_err());
    assert_eq!(SortOrder::Descending.to_string(), "descending");
}

#[test]
fn invalid_sort_by_is_invalid_value_naming_it() {
    let cases = [
        ("shoeSize", "shoeSize"),
        ("name.nickname", "name.nickname"),
        ("urn:example:nothing:1.0:User:badge", "badge"),
        ("name", "name.givenName"),
        ("addresses", "addresses.locality"),
        (ENT, "whole extension"),
        (r#"emails[type eq "work"].value"#, "value filter"),
        ("user name", "user name"),
        ("", "empty"),
        ("password", "never returned"),
    ];
    for (sort_by, needle) in cases {
        let e = err(sort_by, None);
        assert!(matches!(e, ScimError::InvalidValue(_)), "{sort_by}: {e:?}");
        assert!(e.detail().contains(needle), "{sort_by}: {}", e.detail());
    }
    // Complex attributes with a `value` sub-attribute are sortable.
    assert!(SortSpec::from_query(&users(), "manager", None).is_ok());
    assert!(SortSpec::from_query(&ResourceType::group(), "members", None).is_ok());
}

#[test]
fn keys_let_a_store_sort_its_own_items() {
    let rt = users();
    let spec = SortSpec::from_query(&rt, "level", Some("descending")).unwrap();
    let items = [
        ("low", user("low", json!({"level": 1}))),
        ("none", user("none", json!({}))),
        ("high", user("high", json!({"level": 5}))),
    ];
    let mut keyed: Vec<(SortKey, &str)> = items
        .iter()
        .map(|(name, r)| (spec.key(&rt, r), *name))
        .collect();
    keyed.sort_by(|a, b| spec.compare(&a.0, &b.0));
    let names: Vec<_> = keyed.iter().map(|(_, n)| *n).collect();
    assert_eq!(names, ["none", "high", "low"]);
    assert!(keyed[0].0.is_missing());
    // `Ord` on keys is ascending with missing values last.
    assert_eq!(keyed[0].0.cmp(&keyed[1].0), Ordering::Greater);
    assert_eq!(keyed[1].0.cmp(&keyed[2].0), Ordering::Greater);
    assert_eq!(keyed[0].0, keyed[0].0.clone());
    // A resource of another type has no value.
    let group = Resource::from_json(json!({"schemas": ["x"], "displayName": "g"})).unwrap();
    assert!(spec.key(&ResourceType::group(), &group).is_missing());
}

#[test]
fn values_of_the_wrong_json_type_count_as_missing() {
    // Written around validation: one level is a string.
    let rt = users();
    let odd = Resource::from_json(json!({"schemas": [USER], "level": "high"})).unwrap();
    let spec = SortSpec::from_query(&rt, "level", None).unwrap();
    let k = spec.key(&rt, &odd);
    assert!(
        k.is_missing(),
        "a value of the wrong JSON type counts as missing"
    );
    let mut list = vec![odd, user("one", json!({"level": 1}))];
    spec.sort(&rt, &mut list);
    assert_eq!(list[0].id.as_deref(), Some("one"));
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1.0e9..1.0e9f64).prop_map(Value::from),
        "[a-zA-Z0-9 ]{0,8}".prop_map(Value::from),
        (0u32..86_400).prop_map(|s| Value::from(format!(
            "2024-01-01T{:02}:{:02}:{:02}+0{}:00",
            s / 3600,
            (s / 60) % 60,
            s % 60,
            s % 10
        ))),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec!["value", "primary", "type", "Value", "x"]),
                    inner
                ),
                0..4
            )
            .prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

const KEYS: &[&str] = &[
    "userName",
    "displayName",
    "emails",
    "level",
    "score",
    "hiredAt",
    "active",
    "name",
    ENT,
];

const SORT_BYS: &[&str] = &[
    "userName",
    "displayName",
    "emails",
    "emails.value",
    "emails.type",
    "level",
    "score",
    "hiredAt",
    "active",
    "name.givenName",
    "employeeNumber",
    "manager",
    "meta.lastModified",
    "id",
];

proptest! {
    #[test]
    fn sort_never_panics_and_returns_a_sorted_permutation(
        bodies in prop::collection::vec(
            prop::collection::vec((prop::sample::select(KEYS), json_value()), 0..5),
            0..12,
        ),
        sort_by in prop::sample::select(SORT_BYS),
        descending in any::<bool>(),
    ) {
        let rt = users();
        let mut list: Vec<Resource> = bodies
            .into_iter()
            .enumerate()
            .map(|(i, attrs)| {
                let mut r = Resource::from_json(json!({"schemas": [USER]})).unwrap();
                r.id = Some(i.to_string());
                r.attributes.extend(attrs.into_iter().map(|(k, v)| (k.to_owned(), v)));
                r
            })
            .collect();
        let order = if descending { "descending" } else { "ascending" };
        let spec = SortSpec::from_query(&rt, sort_by, Some(order)).unwrap();
        let n = list.len();
        spec.sort(&rt, &mut list);

        let mut ids: Vec<usize> = list.iter().map(|r| r.id.as_ref().unwrap().parse().unwrap()).collect();
        let in_order = ids.clone();
        ids.sort_unstable();
        prop_assert_eq!(ids, (0..n).collect::<Vec<_>>());

        for pair in list.windows(2) {
            let (a, b) = (spec.key(&rt, &pair[0]), spec.key(&rt, &pair[1]));
            prop_assert_ne!(spec.compare(&a, &b), Ordering::Greater);
        }
        // Stable: equal keys keep their input order.
        for (w, pair) in list.windows(2).enumerate() {
            let (a, b) = (spec.key(&rt, &pair[0]), spec.key(&rt, &pair[1]));
            if spec.compare(&a, &b) == Ordering::Equal {
                prop_assert!(in_order[w] < in_order[w + 1]);
            }
        }
    }
}
