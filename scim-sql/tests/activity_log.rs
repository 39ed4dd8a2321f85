//! `SqlActivityLog` on PostgreSQL, MariaDB/MySQL and SQLite: the contract of scimkit-core's
//! `InMemoryActivityLog` (tenant isolation, newest first, filters, limit, the per-tenant bound,
//! unauthenticated entries only for known tenants), over a table shared by instances and
//! restarts; the migration from schema version 2; the queue dropping when full; and an entry
//! recorded by the engine, with no token or password in the table.
//!
//! Nothing here waits on time: `flush` says when entries are written, and order is `seq`'s.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use scimkit_core::activity::{ActivityChange, ActivityEntry, ActivityLog, ActivityQuery};
use scimkit_core::auth::BearerTokens;
use scimkit_core::context::Tenant;
use scimkit_core::events::ChangeKind;
use scimkit_core::{InMemoryStore, Scim};
use scimkit_sql::testkit::TestDb;
use scimkit_sql::{migrations, Backend, Datum, DatumKind, Db, SqlActivityLog};

const BACKENDS: [Backend; 3] = [Backend::Postgres, Backend::MySql, Backend::Sqlite];

/// `sql` with `?` placeholders as `backend` writes them.
fn placeholders(backend: Backend, sql: &str) -> String {
    if backend != Backend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::new();
    for (n, part) in sql.split('?').enumerate() {
        if n > 0 {
            out.push('$');
            out.push_str(&n.to_string());
        }
        out.push_str(part);
    }
    out
}

async fn migrated(backend: Backend, label: &str) -> TestDb {
    let test = TestDb::fresh(backend, label)
        .await
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
    migrations::run(&test.db)
        .await
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
    test
}

/// Now, at the millisecond the table keeps.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap()
}

/// An authenticated `GET` of `path` for `tenant`, answered `status`.
fn entry(tenant: &str, path: &str, status: u16) -> ActivityEntry {
    ActivityEntry {
        time: now(),
        tenant: tenant.to_owned(),
        authenticated: true,
        identity_provider: Some("Okta SCIM Client 1.0.0".to_owned()),
        method: "GET".to_owned(),
        path: path.to_owned(),
        resource_type: None,
        resource_id: None,
        bulk_id: None,
        status,
        scim_type: None,
        detail: None,
        change: None,
    }
}

fn paths(entries: &[ActivityEntry]) -> Vec<&str> {
    entries.iter().map(|entry| entry.path.as_str()).collect()
}

/// How many rows `tenant` has in `scim_activity`.
async fn rows(db: &Db, tenant: &str) -> i64 {
    let rows = db
        .fetch(
            &placeholders(
                db.backend(),
                "SELECT COUNT(*) FROM scim_activity WHERE tenant = ?",
            ),
            &[Datum::text(tenant)],
            &[DatumKind::Integer],
        )
        .await
        .unwrap();
    rows[0][0].as_integer().unwrap()
}

async fn recent(log: &SqlActivityLog, tenant: &str, query: &ActivityQuery) -> Vec<ActivityEntry> {
    log.recent(&Tenant::new(tenant), query).await.unwrap()
}

#[tokio::test]
async fn tenants_are_kept_apart_and_read_back_newest_first() {
    for backend in BACKENDS {
        let test = migrated(backend, "activity_tenants").await;
        let log = SqlActivityLog::new(test.db.clone());
        // Every field set, to see each one read back as it was recorded.
        let full = ActivityEntry {
            time: now(),
            tenant: "acme".to_owned(),
            authenticated: true,
            identity_provider: Some("Microsoft Azure AD SCIM Client".to_owned()),
            method: "PATCH".to_owned(),
            path: "/Users/2819c223".to_owned(),
            resource_type: Some("User".to_owned()),
            resource_id: Some("2819c223".to_owned()),
            bulk_id: Some("qwerty".to_owned()),
            status: 200,
            scim_type: None,
            detail: None,
            change: Some(ActivityChange {
                kind: ChangeKind::Patched,
                attributes: Some(vec!["active".to_owned(), "name.givenName".to_owned()]),
            }),
        };
        let refused = ActivityEntry {
            scim_type: Some("uniqueness".to_owned()),
            detail: Some("userName \"bjensen\" is taken".to_owned()),
            status: 409,
            method: "POST".to_owned(),
            path: "/Users".to_owned(),
            change: None,
            resource_id: None,
            bulk_id: None,
            ..full.clone()
        };
        for n in 0..3 {
            log.record(entry("acme", &format!("/acme/{n}"), 200));
            log.record(entry("globex", &format!("/globex/{n}"), 200));
        }
        log.record(full.clone());
        log.record(refused.clone());

        let acme = recent(&log, "acme", &ActivityQuery::default()).await;
        assert_eq!(
            paths(&acme),
            ["/Users", "/Users/2819c223", "/acme/2", "/acme/1", "/acme/0"],
            "{backend}"
        );
        assert_eq!(acme[0], refused, "{backend}");
        assert_eq!(acme[1], full, "{backend}");
        let globex = recent(&log, "globex", &ActivityQuery::default()).await;
        assert_eq!(
            paths(&globex),
            ["/globex/2", "/globex/1", "/globex/0"],
            "{backend}"
        );
        assert!(globex.iter().all(|e| e.tenant == "globex"), "{backend}");
        assert!(recent(&log, "initech", &ActivityQuery::default())
            .await
            .is_empty());

        // The order read is the table's `seq` order.
        let by_seq = test
            .db
            .fetch(
                &placeholders(
                    backend,
                    "SELECT path FROM scim_activity WHERE tenant = ? ORDER BY seq DESC",
                ),
                &[Datum::text("acme")],
                &[DatumKind::Text],
            )
            .await
            .unwrap();
        let by_seq: Vec<String> = by_seq
            .into_iter()
            .map(|row| row[0].as_text().unwrap().to_owned())
            .collect();
        assert_eq!(by_seq, paths(&acme), "{backend}");
        test.remove().await.unwrap();
    }
}

#[tokio::test]
async fn refusals_resource_and_limit_filter_what_is_read() {
    for backend in BACKENDS {
        let test = migrated(backend, "activity_filters").await;
        let log = SqlActivityLog::new(test.db.clone());
        for n in 0..6_u16 {
            let mut e = entry("acme", &format!("/{n}"), if n % 2 == 0 { 200 } else { 400 });
            e.resource_id = Some(if n < 3 { "a" } else { "b" }.to_owned());
            log.record(e);
        }
        // Another tenant's entries about the same resource id are not shown.
        let mut other = entry("globex", "/other", 404);
        other.resource_id = Some("a".to_owned());
        log.record(other);

        let refusals = ActivityQuery {
            refusals_only: true,
            ..ActivityQuery::default()
        };
        assert_eq!(
            paths(&recent(&log, "acme", &refusals).await),
            ["/5", "/3", "/1"],
            "{backend}"
        );
        let about_a = ActivityQuery {
            resource_id: Some("a".to_owned()),
            ..ActivityQuery::default()
        };
        assert_eq!(
            paths(&recent(&log, "acme", &about_a).await),
            ["/2", "/1", "/0"],
            "{backend}"
        );
        let refused_b = ActivityQuery {
            refusals_only: true,
            resource_id: Some("b".to_owned()),
            ..ActivityQuery::default()
        };
        assert_eq!(
            paths(&recent(&log, "acme", &refused_b).await),
            ["/5", "/3"],
            "{backend}"
        );
        let two = ActivityQuery {
            limit: 2,
            ..ActivityQuery::default()
        };
        assert_eq!(
            paths(&recent(&log, "acme", &two).await),
            ["/5", "/4"],
            "{backend}"
        );
        let none = ActivityQuery {
            limit: 0,
            ..ActivityQuery::default()
        };
        assert!(recent(&log, "acme", &none).await.is_empty(), "{backend}");
        test.remove().await.unwrap();
    }
}

#[tokio::test]
async fn each_tenant_keeps_its_newest_entries() {
    for backend in BACKENDS {
        let test = migrated(backend, "activity_bound").await;
        // Pruned after every batch (5 / 10 rounds up to 1), and at each flush (30 / 10 = 3).
        for (per_tenant, recorded) in [(5_usize, 12_usize), (30, 47)] {
            let tenant = format!("t{per_tenant}");
            let log = SqlActivityLog::builder(test.db.clone())
                .entries_per_tenant(per_tenant)
                .build();
            assert_eq!(log.entries_per_tenant(), per_tenant);
            for n in 0..recorded {
                log.record(entry(&tenant, &format!("/{n}"), 200));
            }
            // Another tenant's entries count for it alone.
            let other = format!("other{per_tenant}");
            log.record(entry(&other, "/other", 200));
            log.flush().await;
            assert_eq!(
                rows(&test.db, &tenant).await,
                i64::try_from(per_tenant).unwrap(),
                "{backend}: {per_tenant}"
            );
            let all = ActivityQuery {
                limit: 10_000,
                ..ActivityQuery::default()
            };
            let kept = recent(&log, &tenant, &all).await;
            let newest: Vec<String> = (recorded - per_tenant..recorded)
                .rev()
                .map(|n| format!("/{n}"))
                .collect();
            assert_eq!(paths(&kept), newest, "{backend}: {per_tenant}");
            assert_eq!(rows(&test.db, &other).await, 1, "{backend}");
        }
        test.remove().await.unwrap();
    }
}

#[tokio::test]
async fn unauthenticated_entries_are_kept_only_for_tenants_with_entries() {
    for backend in BACKENDS {
        let test = migrated(backend, "activity_unauth").await;
        let log = SqlActivityLog::new(test.db.clone());
        let unauthenticated = |tenant: &str| ActivityEntry {
            authenticated: false,
            identity_provider: None,
            ..entry(tenant, "/Users", 401)
        };
        // A made-up tenant fills no table; one unauthenticated entry before the tenant's
        // first authenticated one is not kept either, as in the in-memory log.
        log.record(unauthenticated("made-up"));
        log.record(unauthenticated("acme"));
        log.record(entry("acme", "/ok", 200));
        log.record(unauthenticated("acme"));
        log.flush().await;
        assert_eq!(rows(&test.db, "made-up").await, 0, "{backend}");
        let acme = recent(&log, "acme", &ActivityQuery::default()).await;
        assert_eq!(
            acme.iter().map(|e| e.status).collect::<Vec<_>>(),
            [401, 200],
            "{backend}"
        );
        assert!(!acme[0].authenticated, "{backend}");

        // A new instance knows the tenant from its rows.
        let second = test.connect_again().await.unwrap();
        let other = SqlActivityLog::new(second.clone());
        other.record(unauthenticated("acme"));
        other.record(unauthenticated("made-up"));
        other.flush().await;
        assert_eq!(rows(&test.db, "acme").await, 3, "{backend}");
        assert_eq!(rows(&test.db, "made-up").await, 0, "{backend}");
        // A tenant id longer than the column is not kept (and does not cost the batch).
        other.record(entry(&"x".repeat(300), "/long", 200));
        other.record(entry("acme", "/after", 200));
        other.flush().await;
        assert_eq!(rows(&test.db, "acme").await, 4, "{backend}");
        drop(other);
        second.close().await;
        test.remove().await.unwrap();
    }
}

#[tokio::test]
async fn a_new_instance_reads_what_the_first_wrote() {
    for backend in BACKENDS {
        let test = migrated(backend, "activity_instances").await;
        let first = SqlActivityLog::new(test.db.clone());
        for n in 0..3 {
            first.record(entry("acme", &format!("/{n}"), 200));
        }
        first.flush().await;
        drop(first);

        // Another pool on the same database: another instance, or this one restarted.
        let second_db = test.connect_again().await.unwrap();
        let second = SqlActivityLog::new(second_db.clone());
        assert_eq!(
            paths(&recent(&second, "acme", &ActivityQuery::default()).await),
            ["/2", "/1", "/0"],
            "{backend}"
        );
        second.record(entry("acme", "/3", 200));
        second.flush().await;
        let again = SqlActivityLog::new(test.db.clone());
        assert_eq!(
            paths(&recent(&again, "acme", &ActivityQuery::default()).await),
            ["/3", "/2", "/1", "/0"],
            "{backend}"
        );
        drop(second);
        second_db.close().await;
        test.remove().await.unwrap();
    }
}

/// A database migrated by a build at schema version 2 (no `scim_activity`) gains the table.
#[tokio::test]
async fn a_version_2_database_gains_the_activity_table() {
    for backend in BACKENDS {
        let test = TestDb::fresh(backend, "activity_upgrade")
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        // Version 2's tables: today's, without scim_activity.
        for statement in migrations::statements(backend)
            .iter()
            .filter(|statement| !statement.contains("scim_activity"))
        {
            test.db.execute(statement, &[]).await.unwrap();
        }
        test.db
            .execute(
                "INSERT INTO scim_settings (name, value) VALUES ('schema_version', '2')",
                &[],
            )
            .await
            .unwrap();
        assert!(
            test.db
                .execute("SELECT COUNT(*) FROM scim_activity", &[])
                .await
                .is_err(),
            "{backend}: no table yet"
        );
        let script = migrations::upgrade_script(backend, 2);
        assert!(
            script.contains("CREATE TABLE IF NOT EXISTS scim_activity"),
            "{backend}"
        );
        assert!(!script.contains("last_used_at"), "{backend}");

        migrations::run(&test.db)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        migrations::run(&test.db)
            .await
            .unwrap_or_else(|e| panic!("{backend}: twice: {e}"));
        let version = test
            .db
            .fetch(
                "SELECT value FROM scim_settings WHERE name = 'schema_version'",
                &[],
                &[DatumKind::Text],
            )
            .await
            .unwrap();
        assert_eq!(version, [vec![Datum::text("3")]], "{backend}");
        assert_eq!(migrations::SCHEMA_VERSION, 3);

        let log = SqlActivityLog::new(test.db.clone());
        log.record(entry("acme", "/Users", 200));
        assert_eq!(
            paths(&recent(&log, "acme", &ActivityQuery::default()).await),
            ["/Users"],
            "{backend}"
        );
        test.remove().await.unwrap();
    }
}

/// On this single-threaded runtime the writing task runs only when the test awaits: entries
/// recorded in a row without awaiting find a queue of one place full after the first.
#[tokio::test(flavor = "current_thread")]
async fn a_full_queue_drops_entries_and_counts_them() {
    for backend in BACKENDS {
        let test = migrated(backend, "activity_full").await;
        let log = SqlActivityLog::builder(test.db.clone())
            .queue_capacity(1)
            .build();
        let recorded = 50_u64;
        for n in 0..recorded {
            log.record(entry("acme", &format!("/{n}"), 200));
        }
        let dropped = log.dropped();
        assert!(dropped > 0, "{backend}");
        log.flush().await;
        let written = u64::try_from(rows(&test.db, "acme").await).unwrap();
        assert!(written >= 1, "{backend}");
        assert!(
            written <= recorded - dropped,
            "{backend}: {written} {dropped}"
        );
        test.remove().await.unwrap();
    }
}

/// Every column of every row as text, to search for what must not be there.
async fn table_text(db: &Db) -> String {
    const COLUMNS: [&str; 15] = [
        "seq",
        "tenant",
        "answered_at",
        "authenticated",
        "identity_provider",
        "method",
        "path",
        "resource_type",
        "resource_id",
        "bulk_id",
        "status",
        "scim_type",
        "detail",
        "change_kind",
        "change_attributes",
    ];
    let text = match db.backend() {
        Backend::MySql => "CHAR",
        Backend::Postgres | Backend::Sqlite => "TEXT",
    };
    let select = COLUMNS
        .iter()
        .map(|column| format!("CAST({column} AS {text})"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = db
        .fetch(
            &format!("SELECT {select} FROM scim_activity"),
            &[],
            &[DatumKind::Text; 15],
        )
        .await
        .unwrap();
    assert!(!rows.is_empty());
    let mut out = String::new();
    for row in rows {
        for value in row {
            out.push_str(value.as_text().unwrap_or("NULL"));
            out.push('\t');
        }
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn the_engine_records_a_create_and_the_table_holds_no_secret() {
    const PASSWORD: &str = "t0p-S3cret-passw0rd";
    const NEW_PASSWORD: &str = "an0ther-S3cret";
    for backend in BACKENDS {
        let test = migrated(backend, "activity_engine").await;
        let log = SqlActivityLog::new(test.db.clone());
        let tokens = BearerTokens::new();
        let token = tokens.mint(Tenant::new("acme"), "okta", None).unwrap();
        let scim = Scim::builder()
            .store(InMemoryStore::new())
            .authenticator(tokens)
            .shared_activity_log(Arc::new(log.clone()))
            .build()
            .unwrap();

        let body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "bjensen",
            "password": PASSWORD,
        });
        let request = http::Request::post("/Users")
            .header("authorization", format!("Bearer {}", token.token))
            .header("content-type", "application/scim+json")
            .header("user-agent", "Okta SCIM Client 1.0.0")
            .body(body.to_string().into())
            .unwrap();
        let response = scim.handle(request).await;
        assert_eq!(response.status(), 201, "{backend}");
        let created: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        let id = created["id"].as_str().unwrap().to_owned();

        let recent_entries = recent(&log, "acme", &ActivityQuery::default()).await;
        assert_eq!(recent_entries.len(), 1, "{backend}");
        let first = &recent_entries[0];
        assert_eq!(first.status, 201, "{backend}");
        assert_eq!(first.method, "POST");
        assert!(first.authenticated);
        assert_eq!(first.resource_id.as_deref(), Some(id.as_str()));
        assert_eq!(first.resource_type.as_deref(), Some("User"));
        assert_eq!(
            first.identity_provider.as_deref(),
            Some("Okta SCIM Client 1.0.0")
        );
        assert_eq!(
            first.change.as_ref().map(|change| change.kind),
            Some(ChangeKind::Created),
            "{backend}"
        );

        // A PATCH of the password is refused here (no changePassword): the refusal is kept,
        // the value is not.
        let patch = |path: &str, value: &str| {
            let body = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": path, "value": value}],
            });
            http::Request::patch(format!("/Users/{id}"))
                .header("authorization", format!("Bearer {}", token.token))
                .header("content-type", "application/scim+json")
                .body(body.to_string().into())
                .unwrap()
        };
        let status = scim.handle(patch("password", NEW_PASSWORD)).await.status();
        assert_eq!(status, 400, "{backend}");
        let refused = &recent(&log, "acme", &ActivityQuery::default()).await[0];
        assert_eq!(refused.status, 400, "{backend}");
        assert_eq!(
            refused.scim_type.as_deref(),
            Some("mutability"),
            "{backend}"
        );
        assert_eq!(refused.change, None, "{backend}");

        // A PATCH that commits: the attribute names it changed are kept.
        let status = scim.handle(patch("displayName", "Babs")).await.status();
        assert!(status.is_success(), "{backend}: {status}");
        let patched = &recent(&log, "acme", &ActivityQuery::default()).await[0];
        assert_eq!(
            patched.change,
            Some(ActivityChange {
                kind: ChangeKind::Patched,
                attributes: Some(vec!["displayName".to_owned()]),
            }),
            "{backend}"
        );
        assert_eq!(rows(&test.db, "acme").await, 3, "{backend}");

        let table = table_text(&test.db).await;
        assert!(table.contains(&id), "{backend}: {table}");
        assert!(!table.contains(&token.token), "{backend}: {table}");
        assert!(!table.contains(PASSWORD), "{backend}: {table}");
        assert!(!table.contains(NEW_PASSWORD), "{backend}: {table}");
        test.remove().await.unwrap();
    }
}
