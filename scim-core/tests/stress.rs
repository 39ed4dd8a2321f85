//! Concurrency stress through `Scim::handle` on InMemoryStore: many clients mixing creates
//! (some racing for the same userName), member adds and removes on shared groups, read-modify-
//! write PUTs with If-Match on one shared user, and deletes; then the final state is checked
//! against what the committed responses say must be there: nothing lost, nothing duplicated,
//! uniqueness held.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes,
    clippy::too_many_lines
)]

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use http::{Method, StatusCode};
use scimkit_core::{InMemoryStore, Mount, Scim};
use serde_json::{json, Value};
use support::{auth, request, send, send_request, GROUP, PATCH_OP, USER};

const CLIENTS: usize = 16;
const ROUNDS: usize = 60;
const GROUPS: usize = 3;

/// What one client saw committed, in its own order.
#[derive(Default)]
struct Log {
    created: Vec<(String, String)>,
    deleted: BTreeSet<String>,
    /// (group, member) → whether the client's last committed change left it a member.
    membership: BTreeMap<(String, String), bool>,
    shared_increments: usize,
    statuses: HashMap<u16, usize>,
}

fn patch(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

async fn client(scim: Scim, n: usize, groups: Vec<String>, shared: String) -> Log {
    let mut log = Log::default();
    let note = |status: StatusCode, log: &mut Log| {
        *log.statuses.entry(status.as_u16()).or_default() += 1;
    };
    for round in 0..ROUNDS {
        // A create; every fifth round all clients race for the same userName.
        let name = if round % 5 == 0 {
            format!("RACE-{round}")
        } else {
            format!("c{n}-r{round}")
        };
        let r = send(
            &scim,
            Method::POST,
            "/Users",
            Some(json!({"schemas": [USER], "userName": name})),
        )
        .await;
        note(r.status, &mut log);
        if r.status == StatusCode::CREATED {
            log.created.push((
                r.body["id"].as_str().unwrap().to_owned(),
                name.to_lowercase(),
            ));
        } else {
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        }

        // Membership changes on the shared groups, for this client's own users only.
        if let Some((id, _)) = log
            .created
            .iter()
            .rev()
            .find(|(id, _)| !log.deleted.contains(id))
            .cloned()
        {
            let group = &groups[round % GROUPS];
            let add = round % 3 != 2;
            let body = if add {
                patch(json!([{"op": "add", "path": "members", "value": [{"value": id}]}]))
            } else {
                patch(json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]))
            };
            let r = send(
                &scim,
                Method::PATCH,
                &format!("/Groups/{group}"),
                Some(body),
            )
            .await;
            note(r.status, &mut log);
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            log.membership.insert((group.clone(), id), add);
        }

        // Read-modify-write of the shared user's counter with If-Match: a lost update would
        // show as a counter below the number of successful writes.
        let current = send(&scim, Method::GET, &format!("/Users/{shared}"), None).await;
        let version = current.header("etag").unwrap().to_owned();
        let count: usize = current.body["title"]
            .as_str()
            .unwrap_or("0")
            .parse()
            .unwrap();
        let mut body = current.body.clone();
        body["title"] = json!((count + 1).to_string());
        let mut req = request(Method::PUT, &format!("/Users/{shared}"), Some(body));
        req.headers_mut()
            .insert("if-match", version.parse().unwrap());
        let r = send_request(&scim, req, Mount::root()).await;
        note(r.status, &mut log);
        match r.status {
            StatusCode::OK => log.shared_increments += 1,
            StatusCode::PRECONDITION_FAILED => {}
            other => panic!("PUT answered {other}: {}", r.body),
        }

        // Every fourth round, delete one of this client's users.
        if round % 4 == 3 {
            // Raced names are never deleted, so each must exist exactly once at the end.
            if let Some((id, _)) = log
                .created
                .iter()
                .find(|(id, name)| !log.deleted.contains(id) && !name.starts_with("race-"))
                .cloned()
            {
                let r = send(&scim, Method::DELETE, &format!("/Users/{id}"), None).await;
                note(r.status, &mut log);
                assert_eq!(r.status, StatusCode::NO_CONTENT);
                log.deleted.insert(id.clone());
                for ((_, member), is_member) in &mut log.membership {
                    if *member == id {
                        *is_member = false;
                    }
                }
            }
        }
    }
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_lose_nothing() {
    let scim = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(auth)
        .max_page_size(100_000)
        .build()
        .unwrap();
    let mut groups = Vec::new();
    for g in 0..GROUPS {
        let r = send(
            &scim,
            Method::POST,
            "/Groups",
            Some(json!({"schemas": [GROUP], "displayName": format!("shared-{g}")})),
        )
        .await;
        groups.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let shared = send(
        &scim,
        Method::POST,
        "/Users",
        Some(json!({"schemas": [USER], "userName": "shared", "title": "0"})),
    )
    .await;
    let shared = shared.body["id"].as_str().unwrap().to_owned();

    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|n| tokio::spawn(client(scim.clone(), n, groups.clone(), shared.clone())))
        .collect();
    let mut logs = Vec::new();
    for task in tasks {
        logs.push(task.await.unwrap());
    }
    let elapsed = started.elapsed();

    // Uniqueness: each raced userName was created exactly once.
    let mut names: HashMap<String, usize> = HashMap::new();
    for log in &logs {
        for (_, name) in &log.created {
            *names.entry(name.clone()).or_default() += 1;
        }
    }
    assert!(
        names.values().all(|n| *n == 1),
        "a userName was created twice"
    );

    // Users: exactly those created and not deleted (plus the shared one), none lost.
    let expected: BTreeSet<String> = logs
        .iter()
        .flat_map(|l| {
            l.created
                .iter()
                .map(|(id, _)| id.clone())
                .filter(|id| !l.deleted.contains(id))
        })
        .chain(std::iter::once(shared.clone()))
        .collect();
    let all = send(
        &scim,
        Method::GET,
        "/Users?count=100000&attributes=id",
        None,
    )
    .await;
    let actual: BTreeSet<String> = all.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actual, expected);

    // Groups: the members the committed changes say, no more, no fewer.
    for group in &groups {
        let expected: BTreeSet<String> = logs
            .iter()
            .flat_map(|l| l.membership.iter())
            .filter(|((g, _), is_member)| g == group && **is_member)
            .map(|((_, member), _)| member.clone())
            .collect();
        let r = send(&scim, Method::GET, &format!("/Groups/{group}"), None).await;
        let actual: BTreeSet<String> = r.body["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|v| v["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(actual, expected, "group {group}");
    }

    // The shared counter: one increment per successful If-Match PUT, none lost.
    let increments: usize = logs.iter().map(|l| l.shared_increments).sum();
    let r = send(&scim, Method::GET, &format!("/Users/{shared}"), None).await;
    assert_eq!(r.body["title"], increments.to_string());

    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for log in &logs {
        for (status, n) in &log.statuses {
            *statuses.entry(*status).or_default() += n;
        }
    }
    let total: usize = statuses.values().sum();
    println!(
        "stress: {CLIENTS} clients, {total} requests in {:.2} s; statuses {statuses:?}; \
         {increments} of {} If-Match PUTs won; {} users remain",
        elapsed.as_secs_f64(),
        CLIENTS * ROUNDS,
        expected.len()
    );
    assert!(increments > 0);
}
