//! A concurrency stress run through [`Scim::handle`]: many clients mixing creates (some racing
//! for one userName), member adds and removes on shared groups, read-modify-write PUTs with
//! `If-Match` on one shared user, and deletes racing member changes of the user deleted; then
//! the final state is compared with what the committed responses imply: nothing lost, nothing
//! duplicated, uniqueness held, no deleted user left in a group, and no `5xx` (a deadlock).
//! Last, [`StressOptions::contended`] PATCHes without `If-Match` hit one user (each adds an
//! e-mail) and as many hit one group (each adds a member) at once: every one must succeed
//! and every change be there afterwards, because contention is the engine's to resolve, not
//! the client's.
//!
//! It uses only what a User/Group store over fixed columns keeps: `userName`, `displayName`
//! (the shared counter), `emails` (their `value`s) and Group `displayName`/`members`. Every name
//! carries a random run prefix, so it can run again in the same tenant and database.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future::{join_all, BoxFuture};
use http::{Method, Request, StatusCode};
use serde_json::{json, Value};

use crate::testkit::{fail, random_suffix, Failure};
use crate::Scim;

const CHECK: &str = "stress";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Runs a client future on the host's executor (for parallelism across threads) and resolves
/// when it finished. With tokio: `Arc::new(|f| Box::pin(async { let _ = tokio::spawn(f).await; }))`.
pub type Spawn = Arc<dyn Fn(BoxFuture<'static, ()>) -> BoxFuture<'static, ()> + Send + Sync>;

/// How [`stress`] runs.
#[derive(Clone)]
pub struct StressOptions {
    /// A bearer token the engine's authenticator accepts; every request uses it (one tenant).
    pub token: String,
    /// Concurrent clients.
    pub clients: usize,
    /// Rounds per client (each: a create, a member change, an `If-Match` PUT, every fourth a
    /// delete).
    pub rounds: usize,
    /// Shared groups the clients change members of.
    pub groups: usize,
    /// Concurrent PATCHes without `If-Match` sent at once to one user and to one group at
    /// the end of the run (0 skips that part).
    pub contended: usize,
    /// Runs each client as its own task; `None` interleaves them on the caller's task (every
    /// client yields between requests), which races requests but not threads.
    pub spawn: Option<Spawn>,
}

impl StressOptions {
    /// 16 clients, 60 rounds, 3 groups, 32 contended PATCHes, interleaved on the caller's task.
    pub fn new(token: impl Into<String>) -> Self {
        StressOptions {
            token: token.into(),
            clients: 16,
            rounds: 60,
            groups: 3,
            contended: 32,
            spawn: None,
        }
    }

    /// Runs each client through `spawn` (see [`Spawn`]).
    #[must_use]
    pub fn spawn(
        mut self,
        spawn: impl Fn(BoxFuture<'static, ()>) -> BoxFuture<'static, ()> + Send + Sync + 'static,
    ) -> Self {
        self.spawn = Some(Arc::new(spawn));
        self
    }
}

impl fmt::Debug for StressOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StressOptions")
            .field("clients", &self.clients)
            .field("rounds", &self.rounds)
            .field("groups", &self.groups)
            .field("contended", &self.contended)
            .field("spawned", &self.spawn.is_some())
            .finish_non_exhaustive()
    }
}

/// What a [`stress`] run did; returned only when the final state matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressReport {
    /// Concurrent clients.
    pub clients: usize,
    /// Requests the clients sent (the set-up and the final reads not counted).
    pub operations: usize,
    /// Wall time of the concurrent part.
    pub duration: Duration,
    /// Responses by status code.
    pub statuses: BTreeMap<u16, usize>,
    /// `If-Match` PUTs that won (200) out of those tried; the others were 412.
    pub if_match_won: usize,
    /// `If-Match` PUTs tried.
    pub if_match_tried: usize,
    /// Users of the run left after the clients' part (the shared one included).
    pub users_left: usize,
    /// Concurrent PATCHes without `If-Match` on one user and on one group, each: all
    /// succeeded and every change was kept.
    pub contended: usize,
}

impl fmt::Display for StressReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} clients, {} requests in {:.2} s; statuses {:?}; {} of {} If-Match PUTs won; \
             {} users left; {} contended PATCHes on one user and on one group kept",
            self.clients,
            self.operations,
            self.duration.as_secs_f64(),
            self.statuses,
            self.if_match_won,
            self.if_match_tried,
            self.users_left,
            self.contended
        )
    }
}

/// One response.
struct Reply {
    status: StatusCode,
    etag: Option<String>,
    body: Value,
}

/// The client side of the run: the engine, the token, the names.
#[derive(Clone)]
struct Session {
    scim: Scim,
    token: String,
    prefix: String,
}

impl Session {
    async fn send(
        &self,
        method: Method,
        uri: &str,
        body: Option<&Value>,
    ) -> Result<Reply, Failure> {
        self.send_if_match(method, uri, body, None).await
    }

    async fn send_if_match(
        &self,
        method: Method,
        uri: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<Reply, Failure> {
        let mut builder = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header("host", "scim.example.test")
            .header("authorization", format!("Bearer {}", self.token));
        if let Some(version) = if_match {
            builder = builder.header("if-match", version);
        }
        let bytes = match body {
            Some(value) => {
                builder = builder.header("content-type", "application/scim+json");
                Bytes::from(value.to_string())
            }
            None => Bytes::new(),
        };
        let request = builder
            .body(bytes)
            .map_err(|e| fail(CHECK, format!("{method} {uri}: bad request: {e}")))?;
        let response = self.scim.handle(request).await;
        let status = response.status();
        let etag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = if response.body().is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(response.body())
                .map_err(|e| fail(CHECK, format!("{method} {uri}: not JSON: {e}")))?
        };
        if status == StatusCode::UNAUTHORIZED {
            return Err(fail(
                CHECK,
                "the engine refused the token: give StressOptions a token its authenticator \
                 accepts",
            ));
        }
        Ok(Reply { status, etag, body })
    }

    fn expect(reply: &Reply, what: &str, statuses: &[StatusCode]) -> Result<(), Failure> {
        if statuses.contains(&reply.status) {
            Ok(())
        } else {
            Err(fail(
                CHECK,
                format!("{what} answered {}: {}", reply.status, reply.body),
            ))
        }
    }

    /// POSTs `body` to `uri`, which must create it; its id.
    async fn create(&self, uri: &str, body: &Value, what: &str) -> Result<String, Failure> {
        let r = self.send(Method::POST, uri, Some(body)).await?;
        let what = format!("POST {what}");
        Session::expect(&r, &what, &[StatusCode::CREATED])?;
        Session::id(&r, &what)
    }

    fn id(reply: &Reply, what: &str) -> Result<String, Failure> {
        reply
            .body
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| fail(CHECK, format!("{what}: no id in {}", reply.body)))
    }
}

/// What one client saw committed, in its own order.
#[derive(Default)]
struct Log {
    created: Vec<(String, String)>,
    deleted: BTreeSet<String>,
    /// (group, member) → whether the client's last committed change left it a member.
    membership: BTreeMap<(String, String), bool>,
    if_match_won: usize,
    if_match_tried: usize,
    statuses: HashMap<u16, usize>,
}

impl Log {
    fn note(&mut self, reply: &Reply) {
        *self.statuses.entry(reply.status.as_u16()).or_default() += 1;
    }
}

/// Returns `Pending` once, so interleaved clients take turns between requests.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn patch(operations: &Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

async fn client(
    session: Session,
    n: usize,
    rounds: usize,
    groups: Vec<String>,
    shared: String,
) -> Result<Log, Failure> {
    let mut log = Log::default();
    let prefix = &session.prefix;
    for round in 0..rounds {
        // A create; every fifth round all clients race for the same userName.
        let name = if round % 5 == 0 {
            format!("{prefix}-race-{round}")
        } else {
            format!("{prefix}-c{n}-r{round}")
        };
        let r = session
            .send(
                Method::POST,
                "/Users",
                Some(&json!({"schemas": [USER], "userName": name})),
            )
            .await?;
        log.note(&r);
        Session::expect(
            &r,
            "POST /Users",
            &[StatusCode::CREATED, StatusCode::CONFLICT],
        )?;
        if r.status == StatusCode::CREATED {
            log.created
                .push((Session::id(&r, "POST /Users")?, name.to_lowercase()));
        }
        YieldNow(false).await;

        // Membership changes on the shared groups, for this client's own users only.
        let own = log
            .created
            .iter()
            .rev()
            .find(|(id, _)| !log.deleted.contains(id))
            .map(|(id, _)| id.clone());
        if let (Some(id), Some(group)) = (own, groups.get(round % groups.len().max(1))) {
            let add = round % 3 != 2;
            let body = if add {
                patch(&json!([{"op": "add", "path": "members", "value": [{"value": id}]}]))
            } else {
                patch(&json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]))
            };
            let r = session
                .send(Method::PATCH, &format!("/Groups/{group}"), Some(&body))
                .await?;
            log.note(&r);
            Session::expect(
                &r,
                "PATCH /Groups (one member)",
                &[StatusCode::OK, StatusCode::NO_CONTENT],
            )?;
            log.membership.insert((group.clone(), id), add);
            YieldNow(false).await;
        }

        // Read-modify-write of the shared user's counter with If-Match: a lost update would
        // show as a counter below the number of successful writes.
        let current = session
            .send(Method::GET, &format!("/Users/{shared}"), None)
            .await?;
        log.note(&current);
        Session::expect(&current, "GET the shared user", &[StatusCode::OK])?;
        let version = current
            .etag
            .clone()
            .ok_or_else(|| fail(CHECK, "GET of the shared user has no ETag"))?;
        let count: usize = current
            .body
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or("0")
            .parse()
            .map_err(|e| fail(CHECK, format!("the shared counter is not a number: {e}")))?;
        let mut body = current.body.clone();
        if let Some(object) = body.as_object_mut() {
            object.insert("displayName".to_owned(), json!((count + 1).to_string()));
        }
        YieldNow(false).await;
        let r = session
            .send_if_match(
                Method::PUT,
                &format!("/Users/{shared}"),
                Some(&body),
                Some(&version),
            )
            .await?;
        log.note(&r);
        log.if_match_tried += 1;
        Session::expect(
            &r,
            "If-Match PUT of the shared user",
            &[StatusCode::OK, StatusCode::PRECONDITION_FAILED],
        )?;
        if r.status == StatusCode::OK {
            log.if_match_won += 1;
        }
        YieldNow(false).await;

        // Every fourth round, delete one of this client's users (never a raced name, so each
        // of those must exist exactly once at the end), racing two member changes of that
        // user: a PATCH that removes and re-adds it in a group it is in, and one that adds it
        // to another group. A store that locks the user and the group in opposite orders
        // deadlocks here; whichever order the three commit in, the user ends in no group.
        if round % 4 == 3 {
            let group_of = |id: &str| {
                log.membership
                    .iter()
                    .find(|((_, member), is_member)| member == id && **is_member)
                    .map(|((group, _), _)| group.clone())
            };
            let deletable = log.created.iter().filter(|(id, name)| {
                !log.deleted.contains(id) && !name.starts_with(&format!("{prefix}-race-"))
            });
            // A user in a group if there is one: that is the race worth running.
            let victim = deletable
                .clone()
                .find(|(id, _)| group_of(id).is_some())
                .or_else(|| deletable.clone().next())
                .map(|(id, _)| id.clone());
            if let Some(id) = victim {
                let member_of = group_of(&id);
                let elsewhere = groups
                    .get((round + 1) % groups.len().max(1))
                    .filter(|group| member_of.as_ref() != Some(*group));
                let readd = patch(&json!([
                    {"op": "remove", "path": format!("members[value eq \"{id}\"]")},
                    {"op": "add", "path": "members", "value": [{"value": id}]}
                ]));
                let add =
                    patch(&json!([{"op": "add", "path": "members", "value": [{"value": id}]}]));
                let member_change = |group: Option<&String>, body: Value| {
                    let session = session.clone();
                    let uri = group.map(|group| format!("/Groups/{group}"));
                    async move {
                        match uri {
                            Some(uri) => session
                                .send(Method::PATCH, &uri, Some(&body))
                                .await
                                .map(Some),
                            None => Ok(None),
                        }
                    }
                };
                let (r, readded, added) = futures_util::future::join3(
                    session.send(Method::DELETE, &format!("/Users/{id}"), None),
                    member_change(member_of.as_ref(), readd),
                    member_change(elsewhere, add),
                )
                .await;
                let r = r?;
                log.note(&r);
                Session::expect(&r, "DELETE of an own user", &[StatusCode::NO_CONTENT])?;
                for reply in [readded?, added?].into_iter().flatten() {
                    log.note(&reply);
                    Session::expect(
                        &reply,
                        "PATCH /Groups (a member being deleted)",
                        &[
                            StatusCode::OK,
                            StatusCode::NO_CONTENT,
                            StatusCode::BAD_REQUEST,
                        ],
                    )?;
                }
                log.deleted.insert(id.clone());
                for ((_, member), is_member) in &mut log.membership {
                    if *member == id {
                        *is_member = false;
                    }
                }
                YieldNow(false).await;
            }
        }
    }
    Ok(log)
}

/// What one client ends with.
type ClientResult = Result<Log, Failure>;

/// Runs the clients, spawned through `spawn` or interleaved on this task.
async fn run_clients(
    clients: Vec<BoxFuture<'static, ClientResult>>,
    spawn: Option<&Spawn>,
) -> Result<Vec<Log>, Failure> {
    let Some(spawn) = spawn else {
        return join_all(clients).await.into_iter().collect();
    };
    let slots: Arc<Mutex<Vec<Option<ClientResult>>>> =
        Arc::new(Mutex::new((0..clients.len()).map(|_| None).collect()));
    let running = clients.into_iter().enumerate().map(|(n, client)| {
        let slots = slots.clone();
        spawn(Box::pin(async move {
            let result = client.await;
            let mut slots = slots.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(slot) = slots.get_mut(n) {
                *slot = Some(result);
            }
        }))
    });
    join_all(running).await;
    let mut slots = slots.lock().unwrap_or_else(PoisonError::into_inner);
    slots
        .iter_mut()
        .enumerate()
        .map(|(n, slot)| {
            slot.take().unwrap_or_else(|| {
                Err(fail(
                    CHECK,
                    format!("client {n} did not finish (its task panicked or was cancelled)"),
                ))
            })
        })
        .collect()
}

/// Every resource of a list endpoint matching `filter`, paged with `startIndex`.
async fn list_all(session: &Session, endpoint: &str, filter: &str) -> Result<Vec<Value>, Failure> {
    let mut all = Vec::new();
    let filter = percent_encoding::utf8_percent_encode(filter, percent_encoding::NON_ALPHANUMERIC);
    loop {
        let uri = format!(
            "{endpoint}?filter={filter}&startIndex={}&count=1000",
            all.len() + 1
        );
        let r = session.send(Method::GET, &uri, None).await?;
        Session::expect(&r, &format!("GET {endpoint}"), &[StatusCode::OK])?;
        let total = r
            .body
            .get("totalResults")
            .and_then(Value::as_u64)
            .unwrap_or_default();
        let page = r
            .body
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let empty = page.is_empty();
        all.extend(page);
        if empty || all.len() as u64 >= total {
            return Ok(all);
        }
    }
}

/// Runs the stress scenario on `scim` (see the module docs) and checks the final state:
/// each raced userName created exactly once and present once; the run's users exactly those
/// created and not deleted; each group's members exactly those the committed PATCHes and
/// deletes leave; the shared counter equal to the number of `If-Match` PUTs that won.
pub async fn stress(scim: &Scim, options: &StressOptions) -> Result<StressReport, Failure> {
    let session = Session {
        scim: scim.clone(),
        token: options.token.clone(),
        prefix: format!("stress{}", random_suffix()),
    };
    let prefix = session.prefix.clone();
    let mut groups = Vec::new();
    for g in 0..options.groups {
        let r = session
            .send(
                Method::POST,
                "/Groups",
                Some(&json!({"schemas": [GROUP], "displayName": format!("{prefix}-group-{g}")})),
            )
            .await?;
        Session::expect(&r, "POST /Groups", &[StatusCode::CREATED])?;
        groups.push(Session::id(&r, "POST /Groups")?);
    }
    let r = session
        .send(
            Method::POST,
            "/Users",
            Some(&json!({"schemas": [USER], "userName": format!("{prefix}-shared"), "displayName": "0"})),
        )
        .await?;
    Session::expect(&r, "POST the shared user", &[StatusCode::CREATED])?;
    let shared = Session::id(&r, "POST the shared user")?;

    let started = Instant::now();
    let clients: Vec<BoxFuture<'static, ClientResult>> = (0..options.clients)
        .map(|n| {
            let future = client(
                session.clone(),
                n,
                options.rounds,
                groups.clone(),
                shared.clone(),
            );
            Box::pin(future) as BoxFuture<'static, ClientResult>
        })
        .collect();
    let logs = run_clients(clients, options.spawn.as_ref()).await?;
    let duration = started.elapsed();

    // Uniqueness: each userName was created at most once.
    let mut names: HashMap<&str, usize> = HashMap::new();
    for log in &logs {
        for (_, name) in &log.created {
            *names.entry(name.as_str()).or_default() += 1;
        }
    }
    if let Some((name, n)) = names.iter().find(|(_, n)| **n > 1) {
        return Err(fail(
            CHECK,
            format!("userName {name:?} was created {n} times"),
        ));
    }

    // Users: exactly those created and not deleted (plus the shared one), none lost or extra.
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
    let users = list_all(&session, "/Users", &format!("userName sw \"{prefix}\"")).await?;
    let mut actual = BTreeSet::new();
    let mut listed_names = BTreeSet::new();
    for user in &users {
        let id = user.get("id").and_then(Value::as_str).unwrap_or_default();
        let name = user
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        if !actual.insert(id.to_owned()) || !listed_names.insert(name.clone()) {
            return Err(fail(CHECK, format!("user {id} ({name}) is listed twice")));
        }
    }
    if actual != expected {
        let lost: Vec<_> = expected.difference(&actual).collect();
        let extra: Vec<_> = actual.difference(&expected).collect();
        return Err(fail(
            CHECK,
            format!("users lost: {lost:?}; users that should not exist: {extra:?}"),
        ));
    }

    // Groups: the members the committed changes say, no more, no fewer.
    for group in &groups {
        let expected: BTreeSet<&str> = logs
            .iter()
            .flat_map(|l| l.membership.iter())
            .filter(|((g, _), is_member)| g == group && **is_member)
            .map(|((_, member), _)| member.as_str())
            .collect();
        let r = session
            .send(Method::GET, &format!("/Groups/{group}"), None)
            .await?;
        Session::expect(&r, "GET a shared group", &[StatusCode::OK])?;
        let actual: BTreeSet<&str> = values(&r.body, "members").collect();
        if actual != expected {
            let lost: Vec<_> = expected.difference(&actual).collect();
            let extra: Vec<_> = actual.difference(&expected).collect();
            return Err(fail(
                CHECK,
                format!("group {group}: members lost {lost:?}, members not expected {extra:?}"),
            ));
        }
    }

    // The shared counter: one increment per successful If-Match PUT, none lost.
    let if_match_won: usize = logs.iter().map(|l| l.if_match_won).sum();
    let if_match_tried: usize = logs.iter().map(|l| l.if_match_tried).sum();
    let r = session
        .send(Method::GET, &format!("/Users/{shared}"), None)
        .await?;
    Session::expect(&r, "GET the shared user", &[StatusCode::OK])?;
    let counter = r
        .body
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or("0");
    if counter != if_match_won.to_string() {
        return Err(fail(
            CHECK,
            format!(
                "the shared counter is {counter} after {if_match_won} successful If-Match PUTs \
                 (a lost update, or a PUT that won without being answered 200)"
            ),
        ));
    }
    if if_match_tried > 0 && if_match_won == 0 {
        return Err(fail(CHECK, "no If-Match PUT ever won"));
    }

    let contended = contended_patches(&session, options.contended, options.spawn.as_ref()).await?;
    let mut statuses = BTreeMap::new();
    for log in logs.iter().chain(&contended) {
        for (status, n) in &log.statuses {
            *statuses.entry(*status).or_default() += n;
        }
    }
    Ok(StressReport {
        clients: options.clients,
        operations: statuses.values().sum(),
        duration,
        statuses,
        if_match_won,
        if_match_tried,
        users_left: expected.len(),
        contended: options.contended,
    })
}

/// `n` PATCHes without `If-Match` at once on one user (each adds its own e-mail) and `n` on
/// one group (each adds its own member; every fourth also sets the group's name to what it
/// is, so it takes the engine's read → apply → replace path even on a store with a member
/// hook, racing the hook's writes). Each must answer 200 or 204, and the user must end with
/// every e-mail and the group with every member.
async fn contended_patches(
    session: &Session,
    n: usize,
    spawn: Option<&Spawn>,
) -> Result<Vec<Log>, Failure> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let prefix = &session.prefix;
    let name = format!("{prefix}-contended");
    let user_body = |user_name: String| json!({"schemas": [USER], "userName": user_name});
    let user = session
        .create("/Users", &user_body(name.clone()), "the contended user")
        .await?;
    let group_name = format!("{prefix}-contended-group");
    let group_body = json!({"schemas": [GROUP], "displayName": group_name});
    let group = session
        .create("/Groups", &group_body, "the contended group")
        .await?;
    let mut members = Vec::with_capacity(n);
    for k in 0..n {
        let body = user_body(format!("{name}-member-{k}"));
        members.push(session.create("/Users", &body, "a group member").await?);
    }
    let emails: Vec<String> = (0..n).map(|k| format!("{name}-{k}@example.com")).collect();

    let mut writers: Vec<BoxFuture<'static, ClientResult>> = Vec::with_capacity(2 * n);
    for email in &emails {
        let body = patch(&json!([
            {"op": "add", "path": "emails", "value": [{"value": email, "type": "work"}]}
        ]));
        writers.push(contended_write(session, format!("/Users/{user}"), body));
    }
    for (k, member) in members.iter().enumerate() {
        let mut operations = vec![json!(
            {"op": "add", "path": "members", "value": [{"value": member}]}
        )];
        if k % 4 == 3 {
            operations.push(json!({"op": "replace", "path": "displayName", "value": group_name}));
        }
        let body = patch(&Value::Array(operations));
        writers.push(contended_write(session, format!("/Groups/{group}"), body));
    }
    let logs = run_clients(writers, spawn).await?;

    let r = session
        .send(Method::GET, &format!("/Users/{user}"), None)
        .await?;
    Session::expect(&r, "GET the contended user", &[StatusCode::OK])?;
    let kept: BTreeSet<String> = values(&r.body, "emails").map(str::to_lowercase).collect();
    let lost: Vec<&String> = emails.iter().filter(|e| !kept.contains(*e)).collect();
    if !lost.is_empty() {
        return Err(fail(
            CHECK,
            format!(
                "{} of {n} concurrent PATCHes adding an e-mail were answered 2xx but lost: {lost:?}",
                lost.len()
            ),
        ));
    }
    let r = session
        .send(Method::GET, &format!("/Groups/{group}"), None)
        .await?;
    Session::expect(&r, "GET the contended group", &[StatusCode::OK])?;
    let kept: BTreeSet<&str> = values(&r.body, "members").collect();
    let lost: Vec<&String> = members
        .iter()
        .filter(|m| !kept.contains(m.as_str()))
        .collect();
    if !lost.is_empty() {
        return Err(fail(
            CHECK,
            format!(
                "{} of {n} concurrent PATCHes adding a member were answered 2xx but lost: {lost:?}",
                lost.len()
            ),
        ));
    }
    Ok(logs)
}

/// The `value`s of a multi-valued attribute in a response body.
fn values<'a>(body: &'a Value, attribute: &str) -> impl Iterator<Item = &'a str> {
    let items = body.get(attribute).and_then(Value::as_array).into_iter();
    items
        .flatten()
        .filter_map(|item| item.get("value").and_then(Value::as_str))
}

/// One PATCH of the contended part, which must succeed.
fn contended_write(
    session: &Session,
    uri: String,
    body: Value,
) -> BoxFuture<'static, ClientResult> {
    let session = session.clone();
    Box::pin(async move {
        let mut log = Log::default();
        let r = session.send(Method::PATCH, &uri, Some(&body)).await?;
        log.note(&r);
        Session::expect(
            &r,
            &format!("PATCH {uri} without If-Match, racing {uri}'s other writers"),
            &[StatusCode::OK, StatusCode::NO_CONTENT],
        )?;
        Ok(log)
    })
}
