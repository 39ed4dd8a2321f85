//! The same users and groups in an `SqlStore` (the demo tables, on PostgreSQL, MariaDB/MySQL
//! and SQLite) and in the `InMemoryStore`, through `Scim::handle`: filters (pushed down to SQL
//! or evaluated by the engine on the rows), sorts, index pages and RFC 9865 cursor pages give
//! the same answers, and every resource reads back whole.
//!
//! Ids differ between the stores, so resources compare by name (userName, displayName) and
//! ids inside them are replaced by names. Orders compare without depending on ties: the
//! sequence of sort keys must be the same, and each run of equal keys must hold the same
//! names (only the runs cut by a page's edges compare by size alone).
//!
//! Differences do not stop a test at the first one: each test collects them for every
//! backend, removes the databases, then fails listing them all.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::too_many_lines
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Duration;

use common::{call, BACKENDS};
use http::Method;
use scimkit_core::chrono::{SecondsFormat, Utc};
use scimkit_core::{InMemoryStore, ResourceStore, Scim};
use scimkit_sql::testkit::{demo, TestDb};
use scimkit_sql::Backend;
use serde_json::{json, Value};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const EMPLOYEE_NUMBER: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber";

/// An engine over `store` admitting every request as tenant `t`, caller `c`.
fn engine(store: impl ResourceStore) -> Scim {
    Scim::builder()
        .store(store)
        .authenticator(common::tenant_t)
        .build()
        .unwrap()
}

/// Percent-encodes a query parameter's value (everything but RFC 3986's unreserved bytes).
fn enc(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A URI as a person reads it: percent-decoded.
fn shown(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `path?name=value&…`, values encoded; an empty name is left out, a `None` value is a bare
/// name (`?cursor`).
fn uri(path: &str, params: &[(&str, Option<&str>)]) -> String {
    let mut out = path.to_owned();
    let mut first = true;
    for (name, value) in params {
        if name.is_empty() {
            continue;
        }
        out.push(if first { '?' } else { '&' });
        first = false;
        out.push_str(name);
        if let Some(value) = value {
            out.push('=');
            out.push_str(&enc(value));
        }
    }
    out
}

/// The `Resources` of a list answer (none when it has no such member).
fn resources(list: &Value) -> Vec<Value> {
    list["Resources"].as_array().cloned().unwrap_or_default()
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

async fn pause(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Side {
    Sql,
    Memory,
}

const SIDES: [Side; 2] = [Side::Sql, Side::Memory];

/// The users both stores get, in creation order: text differing only by case, by accents, by
/// trailing spaces; titles missing; the enterprise extension (kept in the JSON column);
/// e-mails of several types; characters `LIKE` treats specially.
fn users() -> Vec<Value> {
    let mut users = Vec::new();
    #[allow(clippy::type_complexity)]
    let special: [(
        &str,
        &str,
        (&str, &str),
        Option<&str>,
        Option<bool>,
        Option<&str>,
        Value,
        Option<Value>,
    ); 15] = [
        (
            "alice@example.com",
            "Alice Martin",
            ("Alice", "Martin"),
            Some("Engineer"),
            Some(true),
            Some("ext-A"),
            json!([
                {"value": "alice@example.com", "type": "work", "primary": true},
                {"value": "alice@home.org", "type": "home"}
            ]),
            Some(json!({"employeeNumber": "1001", "department": "R&D", "costCenter": "CC-1"})),
        ),
        (
            "Bob@Example.com",
            "Bob Stone",
            ("Bob", "Stone"),
            Some("engineer"),
            Some(false),
            Some("ext-a"),
            json!([{"value": "Bob@Example.com", "type": "work", "primary": true}]),
            Some(json!({"employeeNumber": "1002"})),
        ),
        (
            "bob.smith@example.com",
            "bob smith",
            ("bob", "smith"),
            Some("ENGINEER"),
            Some(true),
            None,
            json!([
                {"value": "bsmith@mail.net", "type": "home"},
                {"value": "bob@other.org", "type": "other"}
            ]),
            Some(json!({"employeeNumber": "0999", "department": "Ops"})),
        ),
        (
            "jose@example.com",
            "Jose Garcia",
            ("Jose", "Garcia"),
            Some("Manager"),
            Some(true),
            Some("ext-jose"),
            json!([
                {"value": "jose@example.com", "type": "work"},
                {"value": "jose@casa.example"}
            ]),
            None,
        ),
        (
            "josé@example.com",
            "José García",
            ("José", "García"),
            Some("Manager "),
            Some(true),
            Some("ext-josé"),
            json!([
                {"value": "josé@example.com", "type": "work", "primary": true},
                {"value": "jg@casa.es", "type": "home"}
            ]),
            Some(json!({"employeeNumber": "1010", "division": "Iberia"})),
        ),
        (
            "cafe@example.com",
            "Cafe",
            ("Cafe", "Owner"),
            None,
            Some(true),
            Some("ext-cafe"),
            json!([{"value": "cafe@example.com", "type": "work"}]),
            None,
        ),
        (
            "café@example.com",
            "Café",
            ("Café", "Owner"),
            Some("Barista"),
            Some(false),
            Some("ext-café"),
            json!([{"value": "café@example.com", "type": "work"}]),
            Some(json!({"employeeNumber": "0042"})),
        ),
        (
            "carol@example.com",
            "Carol",
            ("Carol", "King"),
            Some("Director"),
            Some(true),
            Some("ext-carol"),
            json!([
                {"value": "carol@home.org", "type": "home", "primary": true},
                {"value": "carol@example.com", "type": "work"}
            ]),
            None,
        ),
        (
            "carol.b@example.com",
            "Carol ",
            ("Carol", "Bright"),
            Some("Director "),
            None,
            None,
            json!([{"value": "carol.b@example.com", "type": "work"}]),
            None,
        ),
        (
            "dave@example.com",
            "dave",
            ("Dave", "Lowe"),
            None,
            None,
            Some("EXT-DAVE"),
            json!([]),
            Some(json!({"employeeNumber": "2000"})),
        ),
        (
            "O'Brien@example.com",
            "Seán O'Brien",
            ("Seán", "O'Brien"),
            Some("Tour Guide"),
            Some(true),
            Some("ext-obrien"),
            json!([{"value": "obrien@example.com", "type": "work"}]),
            None,
        ),
        (
            "100%_sure@example.com",
            "Percent Underscore",
            ("Per", "Cent"),
            Some("QA_Lead"),
            Some(false),
            Some("ext-100%"),
            json!([{"value": "100%_sure@example.com", "type": "work"}]),
            Some(json!({"employeeNumber": "100%"})),
        ),
        (
            "ZED@EXAMPLE.COM",
            "ZED",
            ("Zed", "Upper"),
            Some("engineer"),
            Some(true),
            Some("ext-zed"),
            json!([
                {"value": "ZED@EXAMPLE.COM", "type": "work"},
                {"value": "zed@home.org", "type": "home"},
                {"value": "zed@other.org", "type": "other", "primary": true}
            ]),
            None,
        ),
        (
            "zoë@example.com",
            "Zoë",
            ("Zoë", "Eve"),
            Some("Tour Guide"),
            Some(true),
            Some("ext-zoë"),
            json!([{"value": "zoë@example.com", "type": "home"}]),
            Some(json!({"employeeNumber": "0100"})),
        ),
        (
            "zoe@example.com",
            "Zoe",
            ("Zoe", "Eve"),
            Some("tour guide"),
            Some(false),
            Some("ext-zoe"),
            json!([{"value": "zoe@example.com", "type": "work"}]),
            Some(json!({"employeeNumber": "0101"})),
        ),
    ];
    for (user_name, display, (given, family), title, active, external, emails, enterprise) in
        special
    {
        let mut user = json!({
            "schemas": [USER],
            "userName": user_name,
            "displayName": display,
            "name": {"givenName": given, "familyName": family},
            "emails": emails,
        });
        if let Some(title) = title {
            user["title"] = json!(title);
        }
        if let Some(active) = active {
            user["active"] = json!(active);
        }
        if let Some(external) = external {
            user["externalId"] = json!(external);
        }
        if user["emails"].as_array().unwrap().is_empty() {
            user.as_object_mut().unwrap().remove("emails");
        }
        if let Some(enterprise) = enterprise {
            user["schemas"] = json!([USER, ENTERPRISE]);
            user[ENTERPRISE] = enterprise;
        }
        users.push(user);
    }
    let titles = ["Engineer", "engineer", "Manager", "", "Tour Guide"];
    for n in 0..16 {
        let mut emails = vec![json!({
            "value": format!("u{n}@corp.example"),
            "type": "work",
            "primary": n % 3 == 0
        })];
        if n % 4 == 0 {
            emails.push(json!({"value": format!("u{n}@home.example"), "type": "home"}));
        }
        let mut user = json!({
            "schemas": [USER, ENTERPRISE],
            "userName": format!("user{n:02}@corp.example"),
            "displayName": format!("User {n:02}"),
            "name": {"givenName": format!("Given{n}"), "familyName": format!("Family{}", n % 5)},
            "active": n % 3 != 0,
            "emails": emails,
            ENTERPRISE: {"employeeNumber": format!("{}", 500 + n * 7)},
        });
        if n % 5 != 4 {
            user["externalId"] = json!(format!("x-{n:02}"));
        }
        let title = titles[n % titles.len()];
        if !title.is_empty() {
            user["title"] = json!(title);
        }
        users.push(user);
    }
    users
}

/// The groups, with their members' userNames: users in several groups, an empty group,
/// display names differing only by case and by accents.
fn groups() -> Vec<(&'static str, Option<&'static str>, Vec<String>)> {
    let all: Vec<String> = users()
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_owned())
        .collect();
    let named = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    let engineers: Vec<String> = users()
        .iter()
        .filter(|u| {
            u["title"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case("engineer"))
        })
        .map(|u| u["userName"].as_str().unwrap().to_owned())
        .collect();
    vec![
        (
            "Admins",
            Some("g-admins"),
            named(&["alice@example.com", "Bob@Example.com", "josé@example.com"]),
        ),
        (
            "admins",
            Some("G-ADMINS"),
            named(&["cafe@example.com", "café@example.com", "alice@example.com"]),
        ),
        ("Engineers", None, engineers),
        ("Everyone", Some("g-all"), all),
        ("Empty", None, vec![]),
        (
            "Café Society",
            Some("g-cafe"),
            named(&["café@example.com", "zoë@example.com"]),
        ),
        (
            "Cafe Society",
            None,
            named(&["cafe@example.com", "zoe@example.com", "dave@example.com"]),
        ),
        ("Later", None, named(&["carol@example.com"])),
    ]
}

/// The displayName of user `user_name`. Members are sent with it as their `display`: the
/// SqlStore derives a member's `display` from the user's row, whatever the request said,
/// while the in-memory store keeps what was sent.
fn display_of(user_name: &str) -> String {
    users()
        .iter()
        .find(|u| u["userName"] == json!(user_name))
        .and_then(|u| u["displayName"].as_str())
        .unwrap()
        .to_owned()
}

/// Both stores loaded with the same data, and what the tests compare against.
struct Fixture {
    backend: Backend,
    test: Option<TestDb>,
    sql: Scim,
    memory: Scim,
    /// name → id, per store.
    sql_ids: BTreeMap<String, String>,
    memory_ids: BTreeMap<String, String>,
    /// Users' names in creation order, then groups'.
    user_order: Vec<String>,
    group_order: Vec<String>,
    /// Users created before / after it.
    created_mark: String,
    created_before: usize,
    /// Resources changed after it.
    modified_mark: String,
    /// Each store's `meta.created` / `meta.lastModified` (tags `created`, `modified`) of
    /// each resource, after the changes.
    times: BTreeMap<(Side, &'static str, String), String>,
    /// The differences found.
    diffs: Vec<String>,
}

impl Fixture {
    fn scim(&self, side: Side) -> &Scim {
        match side {
            Side::Sql => &self.sql,
            Side::Memory => &self.memory,
        }
    }

    fn ids(&self, side: Side) -> &BTreeMap<String, String> {
        match side {
            Side::Sql => &self.sql_ids,
            Side::Memory => &self.memory_ids,
        }
    }

    fn diff(&mut self, message: &str) {
        self.diffs.push(format!("[{}] {message}", self.backend));
    }

    /// `text` with each `{id:NAME}` replaced by NAME's id in `side`'s store, each
    /// `{created:NAME}` / `{modified:NAME}` by its times there (also when percent-encoded, as
    /// in a URI made by [`uri`]).
    fn resolve(&self, side: Side, text: &str) -> String {
        let mut out = text.to_owned();
        for (name, id) in self.ids(side) {
            out = out
                .replace(&format!("{{id:{name}}}"), id)
                .replace(&enc(&format!("{{id:{name}}}")), id);
        }
        for ((at_side, tag, name), at) in &self.times {
            if *at_side == side {
                out = out
                    .replace(&format!("{{{tag}:{name}}}"), at)
                    .replace(&enc(&format!("{{{tag}:{name}}}")), &enc(at));
            }
        }
        assert!(
            !out.contains("{id:") && !out.contains("%7Bid%3A"),
            "unknown name in {text}"
        );
        out
    }

    async fn get(&self, side: Side, uri: &str) -> (u16, Value) {
        call(self.scim(side), Method::GET, &self.resolve(side, uri), None).await
    }

    /// A fresh database for `backend`, both stores empty.
    async fn empty(backend: Backend, label: &str) -> Fixture {
        let (test, store) = demo::fresh(backend, label).await.unwrap();
        Fixture {
            backend,
            test: Some(test),
            sql: engine(store),
            memory: engine(InMemoryStore::new()),
            sql_ids: BTreeMap::new(),
            memory_ids: BTreeMap::new(),
            user_order: Vec::new(),
            group_order: Vec::new(),
            created_mark: String::new(),
            created_before: 0,
            modified_mark: String::new(),
            times: BTreeMap::new(),
            diffs: Vec::new(),
        }
    }

    /// A fresh database for `backend` and both stores loaded alike, interleaved (one user in
    /// one store, then in the other, with pauses) so creation times order the same way in
    /// both and a mark between two creations splits both alike.
    async fn load(backend: Backend, label: &str) -> Fixture {
        let mut fx = Fixture::empty(backend, label).await;
        let users = users();
        let middle = users.len() / 2;
        for (i, user) in users.iter().enumerate() {
            if i == middle {
                pause(5).await;
                fx.created_mark = now();
                fx.created_before = i;
                pause(5).await;
            }
            let name = user["userName"].as_str().unwrap().to_owned();
            fx.create("/Users", &name, user, user).await;
            fx.user_order.push(name);
            pause(3).await;
        }
        for (name, external, members) in groups() {
            let mut per_side = Vec::new();
            for side in SIDES {
                let members: Vec<Value> = members
                    .iter()
                    .map(|m| json!({"value": fx.ids(side)[m], "display": display_of(m)}))
                    .collect();
                let mut group =
                    json!({"schemas": [GROUP], "displayName": name, "members": members});
                if let Some(external) = external {
                    group["externalId"] = json!(external);
                }
                per_side.push(group);
            }
            fx.create("/Groups", name, &per_side[0], &per_side[1]).await;
            fx.group_order.push(name.to_owned());
            pause(3).await;
        }
        pause(5).await;
        fx.modified_mark = now();
        pause(5).await;
        // Changes after the mark: a user's title (a column), another's extension (the JSON
        // column), a whole user replaced (columns, e-mails, extension), a group's members
        // added and removed (the membership table).
        let patch = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        let changes = [
            (
                Method::PATCH,
                "/Users",
                "dave@example.com",
                patch(json!([{"op": "add", "path": "title", "value": "Engineer"}])),
            ),
            (
                Method::PATCH,
                "/Users",
                "user05@corp.example",
                patch(
                    json!([{"op": "replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "0001"}]),
                ),
            ),
            (
                Method::PUT,
                "/Users",
                "carol.b@example.com",
                json!({
                    "schemas": [USER, ENTERPRISE],
                    "userName": "carol.b@example.com",
                    "displayName": "Carol ",
                    "name": {"givenName": "Carol", "familyName": "Bright"},
                    "active": true,
                    "emails": [
                        {"value": "cb@home.org", "type": "home"},
                        {"value": "Carol.B@Example.com", "type": "work", "primary": true}
                    ],
                    ENTERPRISE: {"employeeNumber": "0777", "department": "Sales"}
                }),
            ),
            (
                Method::PATCH,
                "/Groups",
                "Later",
                patch(
                    json!([{"op": "add", "path": "members", "value": [{"value": "{id:zoe@example.com}", "display": "Zoe"}]}]),
                ),
            ),
            (
                Method::PATCH,
                "/Groups",
                "Admins",
                patch(
                    json!([{"op": "remove", "path": "members[value eq \"{id:Bob@Example.com}\"]"}]),
                ),
            ),
        ];
        for (method, path, name, body) in changes {
            let mut answers = Vec::new();
            for side in SIDES {
                let body: Value =
                    serde_json::from_str(&fx.resolve(side, &body.to_string())).unwrap();
                let uri = format!("{path}/{}", fx.ids(side)[name]);
                let (status, answer) = call(fx.scim(side), method.clone(), &uri, Some(&body)).await;
                let (_, read) = call(fx.scim(side), Method::GET, &uri, None).await;

                if status == 200 && (method == Method::PUT || path == "/Users") && read != answer {
                    fx.diff(&format!(
                        "{side:?}: GET {path}/<{name}> differs from its {method}'s answer:\n  {method}: {answer}\n  GET: {read}"
                    ));
                }
                answers.push((status, fx.normalize(side, &read)));
            }
            if answers[0].0 != answers[1].0 || !(200..300).contains(&answers[0].0) {
                fx.diff(&format!(
                    "{method} {path} <{name}> {body}: SqlStore {} {}; InMemoryStore {} {}",
                    answers[0].0, answers[0].1, answers[1].0, answers[1].1
                ));
            } else if answers[0].1 != answers[1].1 {
                fx.diff(&format!(
                    "{method} {path} <{name}>, read back:\n  SqlStore:      {}\n  InMemoryStore: {}",
                    answers[0].1, answers[1].1
                ));
            }
            pause(3).await;
        }
        // Each store's own times, for filters on exact instants.
        let all: Vec<(String, &str)> = fx
            .user_order
            .iter()
            .map(|n| (n.clone(), "/Users"))
            .chain(fx.group_order.iter().map(|n| (n.clone(), "/Groups")))
            .collect();
        for (name, path) in all {
            for side in SIDES {
                let (_, read) = call(
                    fx.scim(side),
                    Method::GET,
                    &format!("{path}/{}", fx.ids(side)[&name]),
                    None,
                )
                .await;
                for (field, tag) in [("created", "created"), ("lastModified", "modified")] {
                    let at = read["meta"][field].as_str().unwrap().to_owned();
                    fx.times.insert((side, tag, name.clone()), at);
                }
            }
        }
        fx
    }

    /// POSTs `sql_body` / `memory_body` to the two stores; checks each answer reads back the
    /// same by GET, and that the two stores answered alike.
    async fn create(&mut self, path: &str, name: &str, sql_body: &Value, memory_body: &Value) {
        let mut created = Vec::new();
        for (side, body) in [(Side::Sql, sql_body), (Side::Memory, memory_body)] {
            let (status, answer) = call(self.scim(side), Method::POST, path, Some(body)).await;
            assert_eq!(status, 201, "{side:?} POST {path} {body}: {answer}");
            let id = answer["id"].as_str().unwrap().to_owned();
            let (status, read) =
                call(self.scim(side), Method::GET, &format!("{path}/{id}"), None).await;
            if status != 200 || read != answer {
                self.diff(&format!(
                    "{side:?}: GET {path}/<{name}> differs from its POST's answer:\n  POST: {answer}\n  GET ({status}): {read}"
                ));
            }
            match side {
                Side::Sql => self.sql_ids.insert(name.to_owned(), id),
                Side::Memory => self.memory_ids.insert(name.to_owned(), id),
            };
            created.push(answer);
        }
        let (a, b) = (
            self.normalize(Side::Sql, &created[0]),
            self.normalize(Side::Memory, &created[1]),
        );
        if a != b {
            self.diff(&format!(
                "POST {path} {name}: the stores answer differently:\n  SqlStore:      {a}\n  InMemoryStore: {b}"
            ));
        }
    }

    /// `resource` with ids replaced by names, the times and versions its store chose left
    /// out, and `members`/`groups` (whose order SCIM leaves open) sorted.
    fn normalize(&self, side: Side, resource: &Value) -> Value {
        fn walk(value: &Value, ids: &[(&String, &String)]) -> Value {
            match value {
                Value::String(s) => {
                    let mut s = s.clone();
                    for (name, id) in ids {
                        if s.contains(id.as_str()) {
                            s = s.replace(id.as_str(), &format!("<{name}>"));
                        }
                    }
                    Value::String(s)
                }
                Value::Array(items) => Value::Array(items.iter().map(|v| walk(v, ids)).collect()),
                Value::Object(map) => {
                    Value::Object(map.iter().map(|(k, v)| (k.clone(), walk(v, ids))).collect())
                }
                other => other.clone(),
            }
        }
        let ids: Vec<(&String, &String)> = self.ids(side).iter().collect();
        let mut out = walk(resource, &ids);
        if let Some(meta) = out.get_mut("meta").and_then(Value::as_object_mut) {
            meta.remove("created");
            meta.remove("lastModified");
            meta.remove("version");
        }
        for multi in ["members", "groups"] {
            if let Some(items) = out.get_mut(multi).and_then(Value::as_array_mut) {
                items.sort_by_key(std::string::ToString::to_string);
            }
        }
        out
    }

    /// A resource's name: its userName, else its displayName.
    fn name(resource: &Value) -> String {
        resource["userName"]
            .as_str()
            .or_else(|| resource["displayName"].as_str())
            .unwrap_or("<nameless>")
            .to_owned()
    }

    /// The key `sort_by` orders `resource` by, as this test computes it independently:
    /// case-folded text unless case-exact, creation order for `meta.created`, `None` when
    /// missing. An empty `sort_by` puts everything in one tie.
    fn key(&self, sort_by: &str, resource: &Value) -> Option<String> {
        let fold = |v: &Value| v.as_str().map(str::to_lowercase);
        match sort_by {
            "" => Some(String::new()),
            "userName" | "displayName" | "title" => fold(&resource[sort_by]),
            "name.familyName" => fold(&resource["name"]["familyName"]),
            "externalId" => resource["externalId"].as_str().map(str::to_owned),
            "active" => resource["active"].as_bool().map(|b| b.to_string()),
            EMPLOYEE_NUMBER => fold(&resource[ENTERPRISE]["employeeNumber"]),
            "emails" => {
                let emails = resource["emails"].as_array()?;
                let chosen = emails
                    .iter()
                    .find(|e| e["primary"] == json!(true))
                    .or_else(|| emails.first())?;
                fold(&chosen["value"])
            }
            "meta.created" => {
                let name = Self::name(resource);
                let order = if resource["userName"].is_string() {
                    &self.user_order
                } else {
                    &self.group_order
                };
                order
                    .iter()
                    .position(|n| *n == name)
                    .map(|i| format!("{i:04}"))
            }
            other => panic!("no key for sortBy={other}"),
        }
    }

    /// The (key, name) sequence of a list of resources.
    fn keyed(&self, sort_by: &str, list: &[Value]) -> Vec<(Option<String>, String)> {
        list.iter()
            .map(|r| (self.key(sort_by, r), Self::name(r)))
            .collect()
    }

    /// Compares two sorted sequences without depending on how ties are ordered: the same
    /// keys in the same order, and every run of equal keys the same names — except the first
    /// and last runs when `window` (a page may cut them), which compare by size only.
    fn same_order(
        a: &[(Option<String>, String)],
        b: &[(Option<String>, String)],
        window: bool,
    ) -> Result<(), String> {
        let keys_a: Vec<&Option<String>> = a.iter().map(|(k, _)| k).collect();
        let keys_b: Vec<&Option<String>> = b.iter().map(|(k, _)| k).collect();
        if keys_a != keys_b {
            return Err("sort keys differ".to_owned());
        }
        let runs = |seq: &[(Option<String>, String)]| {
            let mut runs: Vec<BTreeSet<String>> = Vec::new();
            let mut last: Option<&Option<String>> = None;
            for (key, name) in seq {
                if last != Some(key) {
                    runs.push(BTreeSet::new());
                    last = Some(key);
                }
                runs.last_mut().unwrap().insert(name.clone());
            }
            runs
        };
        let (runs_a, runs_b) = (runs(a), runs(b));
        let n = runs_a.len();
        for (i, (ra, rb)) in runs_a.iter().zip(&runs_b).enumerate() {
            let edge = window && (i == 0 || i + 1 == n);
            if !edge && ra != rb {
                return Err(format!("ties {ra:?} vs {rb:?}"));
            }
        }
        Ok(())
    }

    /// GETs `query` (every one here is valid: both must answer 200) from both stores and
    /// compares the answers: totalResults, startIndex, itemsPerPage, and the resources — as a
    /// set when `sort_by` is `None` (only their number when `window`), by
    /// [`Fixture::same_order`] otherwise (`window`: the page may cut runs of ties). Set
    /// `DIFF_VERBOSE` to print every pair of answers.
    async fn compare(&mut self, query: &str, sort_by: Option<&str>, window: bool) {
        let (s1, a) = self.get(Side::Sql, query).await;
        let (s2, b) = self.get(Side::Memory, query).await;
        let both = format!(
            "GET {}\n  SqlStore ({s1}):      {}\n  InMemoryStore ({s2}): {}",
            shown(query),
            Self::brief(&a),
            Self::brief(&b)
        );
        if std::env::var_os("DIFF_VERBOSE").is_some() {
            eprintln!("[{}] {both}", self.backend);
        }
        if s1 != 200 || s2 != 200 {
            self.diff(&format!("status: {both}"));
            return;
        }
        for field in ["totalResults", "startIndex", "itemsPerPage"] {
            if a[field] != b[field] {
                self.diff(&format!("{field}: {both}"));
                return;
            }
        }
        let (ra, rb) = (resources(&a), resources(&b));
        match sort_by {
            None => {
                let set = |list: &[Value]| {
                    let mut names: Vec<String> = list.iter().map(Self::name).collect();
                    names.sort();
                    names
                };
                if window {
                    if ra.len() != rb.len() {
                        self.diff(&format!("page sizes: {both}"));
                    }
                } else if set(&ra) != set(&rb) {
                    self.diff(&format!("resources: {both}"));
                }
            }
            Some(sort_by) => {
                let (ka, kb) = (self.keyed(sort_by, &ra), self.keyed(sort_by, &rb));
                if let Err(why) = Self::same_order(&ka, &kb, window) {
                    self.diff(&format!("order ({why}): {both}"));
                }
            }
        }
    }

    /// A list answer in short: its totals and names, or the error.
    fn brief(answer: &Value) -> String {
        if answer["Resources"].is_array() || answer["totalResults"].is_number() {
            let names: Vec<String> = resources(answer).iter().map(Self::name).collect();
            format!(
                "total={} start={} items={} {names:?}",
                answer["totalResults"], answer["startIndex"], answer["itemsPerPage"]
            )
        } else {
            answer.to_string()
        }
    }

    /// Walks cursor pages of `count` (`params` adding filter and sort) to the end in `side`'s
    /// store: the resources in page order, or what went wrong.
    async fn walk(
        &self,
        side: Side,
        path: &str,
        params: &[(&str, Option<&str>)],
        count: usize,
    ) -> Result<Vec<Value>, String> {
        let count_text = count.to_string();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut total = None;
        for _ in 0..200 {
            let mut all: Vec<(&str, Option<&str>)> =
                vec![("cursor", cursor.as_deref()), ("count", Some(&count_text))];
            all.extend_from_slice(params);
            let uri = uri(path, &all);
            let (status, page) = self.get(side, &uri).await;
            if status != 200 {
                return Err(format!("GET {uri}: {status} {page}"));
            }
            if total.is_some() && total != Some(page["totalResults"].clone()) {
                return Err(format!("GET {uri}: totalResults changed: {page}"));
            }
            total = Some(page["totalResults"].clone());
            let items = resources(&page);
            if items.len() > count {
                return Err(format!("GET {uri}: more than {count} resources"));
            }
            seen.extend(items);
            match page["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => {
                    if total != Some(json!(seen.len())) {
                        return Err(format!(
                            "walked {} resources, totalResults {}",
                            seen.len(),
                            total.unwrap()
                        ));
                    }
                    return Ok(seen);
                }
            }
        }
        Err("more than 200 pages".to_owned())
    }

    /// Removes the database.
    async fn finish(mut self) {
        self.test.take().unwrap().remove().await.unwrap();
    }
}

/// Runs the block on a loaded fixture per backend (`fx`), removing each database after it,
/// then fails listing every difference on every backend.
macro_rules! each_backend {
    ($label:literal, |$fx:ident| $body:block) => {{
        let mut all = Vec::new();
        for backend in BACKENDS {
            let mut $fx = Fixture::load(backend, $label).await;
            $body
            all.append(&mut $fx.diffs);
            $fx.finish().await;
        }
        assert!(
            all.is_empty(),
            "{} difference(s) between SqlStore and InMemoryStore:\n{}",
            all.len(),
            all.join("\n\n")
        );
    }};
}

/// Filters the translator pushes down to SQL, and ones the engine evaluates on the rows
/// (the enterprise extension in the JSON column, the derived `groups`, Groups' `members`):
/// the same totals and the same resources.
#[tokio::test]
async fn filters_agree_with_the_in_memory_store() {
    each_backend!("diff_filter", |fx| {
        let created = fx.created_mark.clone();
        let modified = fx.modified_mark.clone();
        let users = [
            // userName: case-insensitive, accents and LIKE's special characters kept.
            r#"userName eq "bob@example.com""#,
            r#"userName eq "BOB@EXAMPLE.COM""#,
            r#"userName eq "jose@example.com""#,
            r#"userName eq "josé@example.com""#,
            r#"userName eq "zed@example.com""#,
            r#"userName sw "BOB""#,
            r#"userName sw "jos""#,
            r#"userName sw "josé""#,
            r#"userName co "é""#,
            r#"userName co "%_""#,
            r#"userName co "_""#,
            r#"userName co "o'b""#,
            r#"userName ew "@EXAMPLE.COM""#,
            r#"userName ew ".example""#,
            r#"userName gt "carol""#,
            r#"userName lt "d""#,
            r#"userName ge "jose@example.com""#,
            r#"userName le "josé@example.com""#,
            r#"userName gt "z""#,
            // title: case-insensitive, trailing spaces count, missing titles.
            r#"title ne "engineer""#,
            r#"title eq "manager""#,
            r#"title eq "Manager ""#,
            r#"title sw "direct""#,
            r#"title ew " ""#,
            r#"title co "_""#,
            "title pr",
            "not (title pr)",
            r#"not (title co "engineer")"#,
            r#"title gt "m""#,
            r#"title le "engineer""#,
            // externalId: case-exact.
            "externalId pr",
            "not (externalId pr)",
            r#"externalId eq "ext-A""#,
            r#"externalId eq "EXT-A""#,
            r#"externalId sw "ext-a""#,
            r#"externalId co "é""#,
            r#"externalId co "%""#,
            r#"externalId gt "ext-c""#,
            // displayName, names, active, and/or/not.
            r#"displayName co "car""#,
            r#"displayName eq "Carol""#,
            r#"displayName eq "Carol ""#,
            r#"displayName co "é""#,
            r#"displayName eq "cafe""#,
            r#"displayName co "1" and active eq true"#,
            r#"active eq false or title eq "manager""#,
            r#"(title eq "engineer" or title eq "manager") and not (active eq false)"#,
            r#"not (userName sw "user" or active eq true)"#,
            "active eq true",
            "active eq false",
            "active pr",
            "not (active pr)",
            "active ne true",
            r#"name.givenName sw "j""#,
            r#"name.familyName eq "garcía""#,
            r#"name.familyName eq "garcia""#,
            // E-mails: the child table.
            r#"emails.value ew "@example.com""#,
            r#"emails.value ew "@EXAMPLE.COM""#,
            r#"emails[type eq "home"]"#,
            r#"emails[type eq "work" and value co "bob"]"#,
            r#"emails[type eq "home" and value co "bob"]"#,
            r#"emails.type eq "home" and not (emails.value co "u0")"#,
            r#"emails.type eq "other""#,
            "emails.primary eq true",
            "emails pr",
            "not (emails pr)",
            r#"emails co "alice""#,
            r#"emails.value eq "café@example.com""#,
            // `ne` on e-mails: some e-mail there differs (RFC 7644 §3.4.2.2), so neither a user
            // without e-mails nor one with work e-mails only (an e-mail without type aside)
            // matches `emails.type ne "work"`; `not (… eq …)` is another filter.
            r#"emails.type ne "work""#,
            r#"emails.type ne "HOME""#,
            r#"not (emails.type eq "work")"#,
            r#"not (emails.type ne "work")"#,
            r#"emails.type ne "work" and not (emails.type eq "other")"#,
            r#"emails ne "alice@example.com""#,
            r#"emails.value ne "BOB@example.com""#,
            r#"emails.value ne "jose@example.com" and userName sw "jose""#,
            "emails.primary ne true",
            "emails.primary ne false",
            r#"emails[type ne "work"]"#,
            r#"emails.type ne "work" or title ne "engineer""#,
            &format!(r#"schemas ne "{USER}""#),
            // Times.
            &format!(r#"meta.created gt "{created}""#),
            &format!(r#"meta.created lt "{created}""#),
            &format!(r#"meta.created ge "{created}" and title pr"#),
            &format!(r#"meta.lastModified gt "{modified}""#),
            &format!(r#"meta.lastModified lt "{modified}""#),
            r#"meta.created gt "2000-01-01T00:00:00Z""#,
            r#"meta.lastModified lt "2000-01-01T00:00:00Z""#,
            // Each store's own instants, exactly (milliseconds, as SCIM shows them).
            r#"meta.created eq "{created:alice@example.com}""#,
            r#"meta.created ne "{created:alice@example.com}""#,
            r#"meta.created ge "{created:user08@corp.example}""#,
            r#"meta.created gt "{created:jose@example.com}" and meta.created le "{created:zoe@example.com}""#,
            r#"meta.lastModified eq "{modified:dave@example.com}""#,
            r#"meta.lastModified ge "{modified:user05@corp.example}""#,
            r#"meta.lastModified lt "{modified:carol.b@example.com}" and meta.lastModified gt "{created:carol.b@example.com}""#,
            // Evaluated by the engine on the rows.
            &format!(r#"{EMPLOYEE_NUMBER} gt "1000""#),
            &format!(r#"{EMPLOYEE_NUMBER} eq "0999""#),
            &format!(r#"{EMPLOYEE_NUMBER} co "%""#),
            &format!("{EMPLOYEE_NUMBER} pr"),
            &format!("not ({EMPLOYEE_NUMBER} pr) and active eq true"),
            &format!("{ENTERPRISE}:department pr"),
            &format!(r#"{EMPLOYEE_NUMBER} lt "0500" or title eq "barista""#),
            r#"groups.value eq "{id:Admins}""#,
            r#"groups.value eq "{id:Empty}""#,
            r#"groups.value eq "{id:Later}""#,
            r#"groups.display eq "admins""#,
            r#"groups.value eq "{id:Admins}" and groups.value eq "{id:admins}""#,
            r#"groups.value eq "{id:Café Society}" or userName sw "bob""#,
            r#"groups.value ne "{id:Everyone}""#,
            r#"groups.display ne "admins""#,
            "groups pr",
            r#"id eq "{id:alice@example.com}""#,
        ];
        for filter in users {
            fx.compare(&uri("/Users", &[("filter", Some(filter))]), None, false)
                .await;
        }
        // The time marks split the data as meant (else the filters on them prove little).
        let before = uri(
            "/Users",
            &[("filter", Some(&format!(r#"meta.created lt "{created}""#)))],
        );
        let (_, answer) = fx.get(Side::Sql, &before).await;
        assert_eq!(answer["totalResults"], json!(fx.created_before), "{answer}");
        let after = uri(
            "/Users",
            &[(
                "filter",
                Some(&format!(r#"meta.lastModified gt "{modified}""#)),
            )],
        );
        let (_, answer) = fx.get(Side::Memory, &after).await;
        assert_eq!(answer["totalResults"], json!(3), "{answer}");
        // `ne` on e-mails selects users with an e-mail of another type (seven of the named
        // users, every fourth numbered one), not the three without a work e-mail.
        for (filter, total) in [
            (r#"emails.type ne "work""#, 11),
            (r#"not (emails.type eq "work")"#, 3),
        ] {
            for side in SIDES {
                let (_, answer) = fx
                    .get(side, &uri("/Users", &[("filter", Some(filter))]))
                    .await;
                if answer["totalResults"] != json!(total) {
                    fx.diff(&format!(
                        "{side:?}: {filter} gave {}, expected a total of {total}",
                        Fixture::brief(&answer)
                    ));
                }
            }
        }
        let groups = [
            r#"displayName eq "admins""#,
            r#"displayName eq "Admins""#,
            r#"displayName co "caf""#,
            r#"displayName co "café""#,
            r#"displayName eq "Cafe Society""#,
            r#"displayName sw "e""#,
            r#"displayName gt "cafe society""#,
            "externalId pr",
            r#"externalId eq "g-admins""#,
            r#"externalId eq "G-ADMINS""#,
            r#"members.value eq "{id:alice@example.com}""#,
            r#"members.value eq "{id:zoe@example.com}""#,
            r#"members.value eq "{id:carol.b@example.com}""#,
            r#"members.value eq "{id:café@example.com}" and displayName sw "ca""#,
            r#"members.value ne "{id:alice@example.com}""#,
            r#"members ne "{id:zoe@example.com}""#,
            r#"not (members.value eq "{id:alice@example.com}")"#,
            "members pr",
            "not (members pr)",
            "members.value pr",
            &format!(r#"meta.lastModified gt "{modified}""#),
            &format!(r#"meta.created gt "{created}""#),
            r#"meta.lastModified eq "{modified:Later}""#,
            r#"meta.created lt "{created:Everyone}""#,
            r#"meta.lastModified gt "{modified:Engineers}""#,
        ];
        for filter in groups {
            fx.compare(&uri("/Groups", &[("filter", Some(filter))]), None, false)
                .await;
        }
    });
}

/// Sorts SQL does (single-valued columns) and ones the engine does (e-mails, the extension),
/// both directions, whole lists and index pages at several startIndex/count.
#[tokio::test]
async fn sorts_and_index_pages_agree_with_the_in_memory_store() {
    each_backend!("diff_sort", |fx| {
        let user_sorts = [
            "userName",
            "title",
            "displayName",
            "externalId",
            "active",
            "meta.created",
            "name.familyName",
            "emails",
            EMPLOYEE_NUMBER,
        ];
        let filters = [
            "",
            "title pr",
            r#"userName co "e" and not (active eq false)"#,
        ];
        for sort_by in user_sorts {
            for order in ["ascending", "descending"] {
                for filter in filters {
                    let f = if filter.is_empty() { "" } else { "filter" };
                    let query = uri(
                        "/Users",
                        &[
                            ("sortBy", Some(sort_by)),
                            ("sortOrder", Some(order)),
                            (f, Some(filter)),
                        ],
                    );
                    fx.compare(&query, Some(sort_by), false).await;
                }
                for (start, count) in [
                    (1, 5),
                    (3, 7),
                    (10, 4),
                    (21, 5),
                    (28, 10),
                    (31, 5),
                    (40, 3),
                    (1, 0),
                    (2, 1),
                ] {
                    let (start, count) = (start.to_string(), count.to_string());
                    let query = uri(
                        "/Users",
                        &[
                            ("sortBy", Some(sort_by)),
                            ("sortOrder", Some(order)),
                            ("startIndex", Some(&start)),
                            ("count", Some(&count)),
                        ],
                    );
                    fx.compare(&query, Some(sort_by), true).await;
                }
            }
        }
        for sort_by in ["displayName", "externalId", "meta.created"] {
            for order in ["ascending", "descending"] {
                fx.compare(
                    &uri(
                        "/Groups",
                        &[("sortBy", Some(sort_by)), ("sortOrder", Some(order))],
                    ),
                    Some(sort_by),
                    false,
                )
                .await;
                fx.compare(
                    &uri(
                        "/Groups",
                        &[
                            ("sortBy", Some(sort_by)),
                            ("sortOrder", Some(order)),
                            ("startIndex", Some("2")),
                            ("count", Some("3")),
                        ],
                    ),
                    Some(sort_by),
                    true,
                )
                .await;
            }
        }
        // Pages of filters the engine evaluates on the rows (SQL cannot limit them).
        for filter in [
            &format!("{EMPLOYEE_NUMBER} pr") as &str,
            r#"groups.value eq "{id:Everyone}" and not (groups.value eq "{id:Engineers}")"#,
            r#"groups.display eq "admins" or title eq "manager""#,
        ] {
            for (sort_by, order) in [
                ("userName", "descending"),
                ("title", "ascending"),
                ("meta.created", "ascending"),
            ] {
                for (start, count) in [(1, 4), (4, 4), (9, 100), (20, 10)] {
                    let (start, count) = (start.to_string(), count.to_string());
                    let query = uri(
                        "/Users",
                        &[
                            ("filter", Some(filter)),
                            ("sortBy", Some(sort_by)),
                            ("sortOrder", Some(order)),
                            ("startIndex", Some(&start)),
                            ("count", Some(&count)),
                        ],
                    );
                    fx.compare(&query, Some(sort_by), true).await;
                }
            }
        }
        // No sort: the order is the store's, so only totals, sizes and the whole set.
        fx.compare("/Users", None, false).await;
        fx.compare("/Users?startIndex=4&count=6", None, true).await;
        fx.compare("/Groups", None, false).await;
    });
}

/// RFC 9865 cursor pages walked to the end, for several sorts, both directions, counts 1, 4
/// and 7: every match exactly once, in the order of the store's own index-paged list (its
/// keys, and its very order where the keys have no ties), and like the in-memory store's.
#[tokio::test]
async fn cursor_pages_walk_the_sorted_list() {
    each_backend!("diff_cursor", |fx| {
        let cases = [
            ("/Users", "", ""),
            ("/Users", "emails", ""),
            ("/Users", EMPLOYEE_NUMBER, ""),
            (
                "/Users",
                "userName",
                &format!(r#"{EMPLOYEE_NUMBER} gt "0500""#) as &str,
            ),
            (
                "/Users",
                "displayName",
                r#"groups.value eq "{id:Everyone}" and not (groups.value eq "{id:Engineers}")"#,
            ),
            (
                "/Groups",
                "meta.created",
                r#"members.value eq "{id:alice@example.com}""#,
            ),
            ("/Users", "userName", ""),
            ("/Users", "title", ""),
            ("/Users", "displayName", ""),
            ("/Users", "externalId", ""),
            ("/Users", "active", ""),
            ("/Users", "meta.created", ""),
            (
                "/Users",
                "userName",
                r#"title pr and emails[type eq "work"]"#,
            ),
            ("/Users", "externalId", r#"userName co "o""#),
            ("/Groups", "displayName", ""),
        ];
        // Users' sort keys without ties in the data: there the order is fully fixed. (Groups
        // have "Admins" and "admins": displayName ties.)
        let unique = ["userName", "displayName", "meta.created"];
        for (path, sort_by, filter) in cases {
            for order in ["ascending", "descending"] {
                if sort_by.is_empty() && order == "descending" {
                    continue;
                }
                let mut params: Vec<(&str, Option<&str>)> = Vec::new();
                if !sort_by.is_empty() {
                    params.push(("sortBy", Some(sort_by)));
                    params.push(("sortOrder", Some(order)));
                }
                if !filter.is_empty() {
                    params.push(("filter", Some(filter)));
                }
                let mut index_params = params.clone();
                index_params.push(("startIndex", Some("1")));
                index_params.push(("count", Some("100")));
                let what = format!("{path} sortBy={sort_by} {order} filter={filter:?}");
                let mut walks = Vec::new();
                for side in SIDES {
                    let (status, all) = fx.get(side, &uri(path, &index_params)).await;
                    assert_eq!(status, 200, "{side:?} {what}: {all}");
                    let expected = resources(&all);
                    let expected_keyed = fx.keyed(sort_by, &expected);
                    for count in [1, 4, 7] {
                        let walked = match fx.walk(side, path, &params, count).await {
                            Ok(walked) => walked,
                            Err(why) => {
                                fx.diff(&format!(
                                    "{side:?} cursor walk {what} count={count}: {why}"
                                ));
                                continue;
                            }
                        };
                        let walked_keyed = fx.keyed(sort_by, &walked);
                        let mut names: Vec<&String> = walked_keyed.iter().map(|(_, n)| n).collect();
                        let mut wanted: Vec<&String> =
                            expected_keyed.iter().map(|(_, n)| n).collect();
                        names.sort();
                        wanted.sort();
                        if names != wanted {
                            fx.diff(&format!(
                                "{side:?} cursor walk {what} count={count}: not every match once:\n  walked: {names:?}\n  index:  {wanted:?}"
                            ));
                        }
                        if let Err(why) = Fixture::same_order(&walked_keyed, &expected_keyed, false)
                        {
                            fx.diff(&format!(
                                "{side:?} cursor walk {what} count={count} is not the index-paged order ({why}):\n  walked: {walked_keyed:?}\n  index:  {expected_keyed:?}"
                            ));
                        }
                        if path == "/Users"
                            && unique.contains(&sort_by)
                            && walked_keyed != expected_keyed
                        {
                            fx.diff(&format!(
                                "{side:?} cursor walk {what} count={count} is not the index-paged list:\n  walked: {walked_keyed:?}\n  index:  {expected_keyed:?}"
                            ));
                        }
                        if count == 4 {
                            walks.push(walked_keyed);
                        }
                    }
                }
                if walks.len() == 2 {
                    let ok = if sort_by.is_empty() {
                        let set = |w: &[(Option<String>, String)]| {
                            w.iter().map(|(_, n)| n.clone()).collect::<BTreeSet<_>>()
                        };
                        set(&walks[0]) == set(&walks[1])
                    } else {
                        Fixture::same_order(&walks[0], &walks[1], false).is_ok()
                    };
                    if !ok {
                        fx.diff(&format!(
                            "cursor walks {what} differ between the stores:\n  SqlStore:      {:?}\n  InMemoryStore: {:?}",
                            walks[0], walks[1]
                        ));
                    }
                }
            }
        }
    });
}

/// Every resource, read back after the changes (memberships, patches), is the same in both
/// stores: nothing lost — the extension in the JSON column, the e-mails in the child table,
/// the derived `groups` and `members`. (Each GET right after its POST is checked in `load`.)
#[tokio::test]
async fn resources_read_back_whole() {
    each_backend!("diff_read", |fx| {
        let names: Vec<(String, &str)> = fx
            .user_order
            .iter()
            .map(|n| (n.clone(), "/Users"))
            .chain(fx.group_order.iter().map(|n| (n.clone(), "/Groups")))
            .collect();
        for (name, path) in names {
            let mut read = Vec::new();
            for side in SIDES {
                let (status, body) = fx.get(side, &format!("{path}/{{id:{name}}}")).await;
                assert_eq!(status, 200, "{side:?} {path} {name}: {body}");
                read.push(fx.normalize(side, &body));
            }
            if read[0] != read[1] {
                fx.diff(&format!(
                    "GET {path}/<{name}> differs:\n  SqlStore:      {}\n  InMemoryStore: {}",
                    read[0], read[1]
                ));
            }
        }
        // And the same through a list (read from rows in bulk, not one by one).
        for path in ["/Users", "/Groups"] {
            let mut lists = Vec::new();
            for side in SIDES {
                let (status, list) = fx.get(side, &format!("{path}?count=1000")).await;
                assert_eq!(status, 200, "{side:?} {path}: {list}");
                let mut all: Vec<Value> = resources(&list)
                    .iter()
                    .map(|r| fx.normalize(side, r))
                    .collect();
                all.sort_by_key(Fixture::name);
                lists.push(all);
            }
            for (a, b) in lists[0].iter().zip(&lists[1]) {
                if a != b {
                    fx.diff(&format!(
                        "GET {path} lists <{}> differently:\n  SqlStore:      {a}\n  InMemoryStore: {b}",
                        Fixture::name(a)
                    ));
                }
            }
            if lists[0].len() != lists[1].len() {
                fx.diff(&format!(
                    "GET {path}: {} vs {} resources",
                    lists[0].len(),
                    lists[1].len()
                ));
            }
        }
    });
}

/// Letter case beyond ASCII: `userName`, `displayName`, `title` and e-mails are
/// case-insensitive (`caseExact: false`), and the in-memory store folds all of Unicode
/// (`É` = `é`, `Å` = `å`), for uniqueness, filters and sorts alike.
///
/// Not on SQLite: its `lower()` folds ASCII only (scimkit-core's `sql` module and
/// scimkit-sql's README document it), so the store there accepts `émile@…` next to `ÉMILE@…`
/// (the in-memory store answers 409), misses `displayName eq "åsa"` for `ÅSA`, and sorts
/// `Äpfel` before `àla`. Folding all of Unicode there needs a `lower` registered through
/// SQLite's C API, which this workspace's `unsafe_code = "deny"` rules out.
#[tokio::test]
async fn letter_case_beyond_ascii_agrees_with_the_in_memory_store() {
    let mut all = Vec::new();
    for backend in BACKENDS.into_iter().filter(|b| *b != Backend::Sqlite) {
        let mut fx = Fixture::empty(backend, "diff_case").await;
        for (user_name, display, title, email) in [
            (
                "ÉMILE@example.com",
                "ÅSA",
                "DIRECTEUR GÉNÉRAL",
                "ÉMILE@Mail.example",
            ),
            ("anna@example.com", "Äpfel", "Ωmega", "anna@mail.example"),
            ("bert@example.com", "àla", "ωmega", "bert@mail.example"),
            ("cleo@example.com", "zed", "Zeta", "CLÉO@MAIL.EXAMPLE"),
        ] {
            let user = json!({
                "schemas": [USER],
                "userName": user_name,
                "displayName": display,
                "title": title,
                "emails": [{"value": email, "type": "work"}],
            });
            fx.create("/Users", user_name, &user, &user).await;
            fx.user_order.push(user_name.to_owned());
            pause(3).await;
        }
        // The same userName once folded: taken.
        let twin = json!({"schemas": [USER], "userName": "émile@example.com"});
        let (s1, a) = call(&fx.sql, Method::POST, "/Users", Some(&twin)).await;
        let (s2, b) = call(&fx.memory, Method::POST, "/Users", Some(&twin)).await;
        if s1 != s2 || a["scimType"] != b["scimType"] {
            fx.diff(&format!(
                "POST /Users {twin} (ÉMILE@example.com exists):\n  SqlStore ({s1}):      {a}\n  InMemoryStore ({s2}): {b}"
            ));
        }
        if s1 == 201 {
            // Leave the stores alike for what follows.
            let id = a["id"].as_str().unwrap();
            call(&fx.sql, Method::DELETE, &format!("/Users/{id}"), None).await;
        }
        for filter in [
            r#"userName eq "émile@example.com""#,
            r#"userName sw "é""#,
            r#"displayName eq "åsa""#,
            r#"displayName co "Å""#,
            r#"title eq "directeur général""#,
            r#"title co "Ω""#,
            r#"emails.value eq "émile@mail.example""#,
            r#"emails.value co "cléo""#,
            r#"emails[value ew "MAIL.EXAMPLE" and value sw "ÉMILE"]"#,
        ] {
            fx.compare(&uri("/Users", &[("filter", Some(filter))]), None, false)
                .await;
        }
        for sort_by in ["displayName", "title", "emails"] {
            for order in ["ascending", "descending"] {
                fx.compare(
                    &uri(
                        "/Users",
                        &[("sortBy", Some(sort_by)), ("sortOrder", Some(order))],
                    ),
                    Some(sort_by),
                    false,
                )
                .await;
            }
        }
        all.append(&mut fx.diffs);
        fx.finish().await;
    }
    assert!(
        all.is_empty(),
        "{} difference(s) between SqlStore and InMemoryStore:\n{}",
        all.len(),
        all.join("\n\n")
    );
}
