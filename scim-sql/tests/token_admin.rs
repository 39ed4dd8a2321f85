//! `SqlTokens` as the admin API's `TokenAdmin`, on PostgreSQL, MariaDB/MySQL and SQLite: the
//! contract of scimkit-core's `tests/admin.rs` (no secret listed, rotate and revoke seen by the
//! engine at once, tenant isolation, "last used" at most once a minute), through `Admin::handle`
//! and the engine over the same database; and the migration from schema version 1.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use bytes::Bytes;
use chrono::{Duration, Utc};
use http::{Method, Request, StatusCode};
use scimkit_core::admin::{Admin, TokenAdmin, TokenAdminError, UrlTemplate};
use scimkit_core::auth::TokenId;
use scimkit_core::context::Tenant;
use scimkit_core::engine::Mount;
use scimkit_core::{InMemoryStore, Scim};
use scimkit_sql::testkit::TestDb;
use scimkit_sql::{migrations, Backend, Datum, DatumKind, SqlTokens};
use serde_json::{json, Value};

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

async fn call(
    admin: &Admin,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string())))
        .unwrap();
    let response = admin.handle(request).await;
    let status = response.status();
    let body = if response.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(response.body()).unwrap()
    };
    (status, body)
}

async fn scim_status(scim: &Scim, tenant: &str, token: &str) -> u16 {
    let request = Request::get("/Users")
        .header("authorization", format!("Bearer {token}"))
        .body(Bytes::new())
        .unwrap();
    let mount = Mount {
        prefix: "",
        tenant: Some(tenant),
    };
    scim.handle_with(request, mount).await.status().as_u16()
}

#[tokio::test]
async fn the_admin_api_over_sql_tokens() {
    for backend in BACKENDS {
        let test = migrated(backend, "admin").await;
        let tokens = SqlTokens::new(test.db.clone());
        let admin = Admin::builder()
            .tokens(tokens.clone())
            .scim_url(UrlTemplate::new("https://scim.example.com/{tenant}/v2"))
            .build()
            .unwrap();
        let scim = Scim::builder()
            .store(InMemoryStore::new())
            .authenticator(tokens.clone())
            .build()
            .unwrap();

        // Mint: the secret once, and it authenticates.
        let (status, minted) = call(
            &admin,
            Method::POST,
            "/tenants/acme/tokens",
            Some(json!({"label": "Entra ID", "expiresInDays": 365})),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {minted}");
        assert_eq!(minted["scimUrl"], "https://scim.example.com/acme/v2");
        let secret = minted["secret"].as_str().unwrap().to_owned();
        let id = minted["token"]["id"].as_str().unwrap().to_owned();
        assert_eq!(minted["token"]["lastUsed"], Value::Null);

        // List: metadata only.
        let (status, list) = call(&admin, Method::GET, "/tenants/acme/tokens", None).await;
        assert_eq!(status, 200, "{backend}");
        assert_eq!(list["tokens"].as_array().unwrap().len(), 1, "{backend}");
        assert!(!list.to_string().contains(&secret), "{backend}");
        assert!(list["tokens"][0].get("hash").is_none());
        assert_eq!(list["tokens"][0]["lastUsed"], Value::Null, "{backend}");

        // Last used: set by the first admitted request, not rewritten within the minute.
        assert_eq!(scim_status(&scim, "acme", &secret).await, 200, "{backend}");
        let first = tokens.list(&Tenant::new("acme")).await.unwrap()[0]
            .last_used_at
            .expect("last used after a request");
        assert!((Utc::now() - first).num_seconds().abs() < 60, "{backend}");
        assert_eq!(scim_status(&scim, "acme", &secret).await, 200, "{backend}");
        let second = tokens.list(&Tenant::new("acme")).await.unwrap()[0].last_used_at;
        assert_eq!(second, Some(first), "{backend}: one write a minute");
        let (_, list) = call(&admin, Method::GET, "/tenants/acme/tokens", None).await;
        assert!(list["tokens"][0]["lastUsed"].is_string(), "{backend}");
        // An older use is rewritten on the next request.
        test.db
            .execute(
                &placeholders(
                    backend,
                    "UPDATE scim_tokens SET last_used_at = ? WHERE id = ?",
                ),
                &[
                    Datum::Timestamp(Some(Utc::now() - Duration::minutes(5))),
                    Datum::text(id.as_str()),
                ],
            )
            .await
            .unwrap();
        assert_eq!(scim_status(&scim, "acme", &secret).await, 200, "{backend}");
        let third = tokens.list(&Tenant::new("acme")).await.unwrap()[0]
            .last_used_at
            .unwrap();
        assert!(third > first, "{backend}");

        // Tenant isolation: globex's admin path cannot list, rotate or revoke acme's token.
        let (_, list) = call(&admin, Method::GET, "/tenants/globex/tokens", None).await;
        assert_eq!(list["tokens"], json!([]), "{backend}");
        let rotate = format!("/tenants/globex/tokens/{id}/rotate");
        let (status, body) = call(&admin, Method::POST, &rotate, Some(json!({}))).await;
        assert_eq!(status, 404, "{backend}: {body}");
        assert_eq!(body["error"], "unknownToken");
        let (status, _) = call(
            &admin,
            Method::POST,
            &rotate,
            Some(json!({"expiresInDays": 1})),
        )
        .await;
        assert_eq!(status, 404, "{backend}");
        let (status, _) = call(
            &admin,
            Method::DELETE,
            &format!("/tenants/globex/tokens/{id}"),
            None,
        )
        .await;
        assert_eq!(status, 404, "{backend}");
        assert_eq!(
            scim_status(&scim, "acme", &secret).await,
            200,
            "{backend}: untouched"
        );
        let acme = Tenant::new("acme");
        let unknown =
            TokenAdmin::revoke(&tokens, &Tenant::new("globex"), &TokenId::new(id.as_str())).await;
        assert!(
            matches!(unknown, Err(TokenAdminError::UnknownToken { .. })),
            "{backend}"
        );

        // Rotate: same id and label, old secret refused at once, the lifetime kept.
        let (status, rotated) = call(
            &admin,
            Method::POST,
            &format!("/tenants/acme/tokens/{id}/rotate"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend}: {rotated}");
        assert_eq!(rotated["token"]["id"], id.as_str());
        assert_eq!(rotated["token"]["label"], "Entra ID");
        assert_eq!(rotated["token"]["lastUsed"], Value::Null, "{backend}");
        let new = rotated["secret"].as_str().unwrap().to_owned();
        assert_eq!(scim_status(&scim, "acme", &secret).await, 401, "{backend}");
        assert_eq!(scim_status(&scim, "acme", &new).await, 200, "{backend}");
        let info = tokens.list(&acme).await.unwrap().remove(0);
        let lifetime = info.expires_at.unwrap() - info.created;
        assert!(
            (lifetime - Duration::days(365)).num_seconds().abs() < 5,
            "{backend}: {lifetime}"
        );

        // Bad input is a 400 naming what to change; a label the column cannot hold too.
        let (status, body) = call(
            &admin,
            Method::POST,
            "/tenants/acme/tokens",
            Some(json!({"label": ""})),
        )
        .await;
        assert_eq!(status, 400, "{backend}");
        assert!(body["detail"].as_str().unwrap().contains("label"));
        let long_tenant = format!("/tenants/{}/tokens", "t".repeat(300));
        let (status, body) = call(
            &admin,
            Method::POST,
            &long_tenant,
            Some(json!({"label": "x"})),
        )
        .await;
        assert_eq!(status, 400, "{backend}: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains("tenant"),
            "{body}"
        );

        // Revoke: refused at once.
        let (status, _) = call(
            &admin,
            Method::DELETE,
            &format!("/tenants/acme/tokens/{id}"),
            None,
        )
        .await;
        assert_eq!(status, 204, "{backend}");
        assert_eq!(scim_status(&scim, "acme", &new).await, 401, "{backend}");
        let (_, summary) = call(&admin, Method::GET, "/tenants/acme", None).await;
        assert_eq!(summary["tokens"]["total"], 0, "{backend}");

        test.remove().await.unwrap();
    }
}

/// A database migrated by a build at schema version 1 (no `last_used_at`) is brought to the
/// current version, its tokens kept.
#[tokio::test]
async fn a_version_1_database_is_upgraded() {
    for backend in BACKENDS {
        let test = TestDb::fresh(backend, "upgrade")
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let (settings, tokens_v1) = match backend {
            Backend::MySql => (
                "CREATE TABLE scim_settings (name varchar(64) NOT NULL PRIMARY KEY, value text NOT NULL)",
                "CREATE TABLE scim_tokens (id varchar(64) NOT NULL PRIMARY KEY, tenant varchar(255) NOT NULL, \
                 label varchar(255) NOT NULL, hash char(64) NOT NULL, created_at DATETIME(3) NOT NULL, \
                 expires_at DATETIME(3) NULL, UNIQUE KEY scim_tokens_hash_key (hash))",
            ),
            Backend::Postgres => (
                "CREATE TABLE scim_settings (name varchar(64) PRIMARY KEY, value text NOT NULL)",
                "CREATE TABLE scim_tokens (id varchar(64) PRIMARY KEY, tenant varchar(255) NOT NULL, \
                 label varchar(255) NOT NULL, hash char(64) NOT NULL UNIQUE, created_at timestamptz NOT NULL, \
                 expires_at timestamptz)",
            ),
            Backend::Sqlite => (
                "CREATE TABLE scim_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
                "CREATE TABLE scim_tokens (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, label TEXT NOT NULL, \
                 hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, expires_at TEXT)",
            ),
        };
        for statement in [settings, tokens_v1] {
            test.db.execute(statement, &[]).await.unwrap();
        }
        test.db
            .execute(
                "INSERT INTO scim_settings (name, value) VALUES ('schema_version', '1')",
                &[],
            )
            .await
            .unwrap();
        test.db
            .execute(
                &placeholders(
                    backend,
                    "INSERT INTO scim_tokens (id, tenant, label, hash, created_at, expires_at) \
                     VALUES (?, ?, ?, ?, ?, NULL)",
                ),
                &[
                    Datum::text("old"),
                    Datum::text("acme"),
                    Datum::text("Okta"),
                    Datum::text("0".repeat(64)),
                    Datum::Timestamp(Some(Utc::now())),
                ],
            )
            .await
            .unwrap();

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
        assert_eq!(
            version,
            [vec![Datum::text(migrations::SCHEMA_VERSION.to_string())]],
            "{backend}"
        );
        let tokens = SqlTokens::new(test.db.clone());
        let listed = tokens.tokens(&Tenant::new("acme")).await.unwrap();
        assert_eq!(listed.len(), 1, "{backend}");
        assert_eq!(listed[0].last_used_at, None, "{backend}");
        let minted = tokens
            .mint(&Tenant::new("acme"), "Entra", None)
            .await
            .unwrap();
        assert_eq!(minted.info.last_used_at, None);
        test.remove().await.unwrap();
    }
}
