//! What instances share through the database — the crate's tables, bearer tokens, the cursor
//! key — on PostgreSQL, MariaDB/MySQL and SQLite. Each test makes its own database per backend
//! ([`TestDb`]) and plays two instances with two pools on it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use bytes::Bytes;
use chrono::{Duration, Utc};
use http::{HeaderMap, HeaderValue, Method, Request};
use scimkit_core::auth::{AuthError, AuthRequest, TokenError, TokenId};
use scimkit_core::context::Tenant;
use scimkit_core::{InMemoryStore, Scim};
use scimkit_sql::testkit::TestDb;
use scimkit_sql::{migrations, shared_cursor_key, Backend, Datum, DatumKind, Db, Error, SqlTokens};

const BACKENDS: [Backend; 3] = [Backend::Postgres, Backend::MySql, Backend::Sqlite];

async fn migrated(backend: Backend, label: &str) -> TestDb {
    let test = TestDb::fresh(backend, label)
        .await
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
    migrations::run(&test.db)
        .await
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
    test
}

fn headers(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    headers
}

/// Authenticates `token` (for the tenant path segment `tenant`) on `tokens`.
async fn admit(tokens: &SqlTokens, token: &str, tenant: Option<&str>) -> Result<String, AuthError> {
    let headers = headers(token);
    let request = AuthRequest {
        method: &Method::GET,
        path: "/Users",
        headers: &headers,
        tenant,
    };
    tokens
        .authenticate_at(&request, Utc::now())
        .await
        .map(|ctx| format!("{}/{}", ctx.tenant().as_str(), ctx.caller().id()))
}

#[tokio::test]
async fn migrations_are_idempotent_concurrent_and_versioned() {
    for backend in BACKENDS {
        let test = TestDb::fresh(backend, "migrate").await.unwrap();
        let second = test.connect_again().await.unwrap();
        // Two instances starting at once, twice each.
        let runs = futures_util::future::join_all([
            migrations::run(&test.db),
            migrations::run(&second),
            migrations::run(&test.db),
            migrations::run(&second),
        ])
        .await;
        for run in runs {
            run.unwrap_or_else(|e| panic!("{backend}: {e}"));
        }
        let version = test
            .db
            .fetch(
                match backend {
                    Backend::Postgres => "SELECT value FROM scim_settings WHERE name = $1",
                    _ => "SELECT value FROM scim_settings WHERE name = ?",
                },
                &[Datum::text("schema_version")],
                &[DatumKind::Text],
            )
            .await
            .unwrap();
        assert_eq!(
            version,
            [vec![Datum::text(migrations::SCHEMA_VERSION.to_string())]],
            "{backend}"
        );

        // A database a newer build migrated is refused, not misread.
        test.db
            .execute(
                "UPDATE scim_settings SET value = '99' WHERE name = 'schema_version'",
                &[],
            )
            .await
            .unwrap();
        let refused = migrations::run(&second).await;
        assert!(
            matches!(&refused, Err(Error::Corrupt { detail, .. }) if detail.contains("newer")),
            "{backend}: {refused:?}"
        );
        second.close().await;
        test.remove().await.unwrap();
    }
}

/// The script a host's migration tool runs leaves the same tables: `run` accepts them and
/// tokens work on them.
#[tokio::test]
async fn the_emitted_script_makes_the_same_tables() {
    for backend in BACKENDS {
        let test = TestDb::fresh(backend, "script").await.unwrap();
        let script = migrations::script(backend);
        for statement in script.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            test.db
                .execute(statement, &[])
                .await
                .unwrap_or_else(|e| panic!("{backend}: {statement}: {e}"));
        }
        migrations::run(&test.db)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let tokens = SqlTokens::new(test.db.clone());
        let minted = tokens
            .mint(&Tenant::new("acme"), "Okta", None)
            .await
            .unwrap();
        assert_eq!(
            admit(&tokens, &minted.token, Some("acme")).await,
            Ok("acme/Okta".to_owned()),
            "{backend}"
        );
        test.remove().await.unwrap();
    }
}

#[tokio::test]
async fn tokens_minted_regenerated_and_revoked_on_one_instance_hold_on_the_other() {
    for backend in BACKENDS {
        let test = migrated(backend, "tokens").await;
        let a = SqlTokens::new(test.db.clone());
        let b = SqlTokens::new(test.connect_again().await.unwrap());
        let acme = Tenant::new("acme");

        let minted = a
            .mint(&acme, "Entra ID", Some(Utc::now() + Duration::days(365)))
            .await
            .unwrap();
        assert!(!format!("{minted:?}").contains(&minted.token));
        // Admitted on the other instance, for its tenant and for a request naming no tenant.
        assert_eq!(
            admit(&b, &minted.token, Some("acme")).await,
            Ok("acme/Entra ID".to_owned()),
            "{backend}"
        );
        assert_eq!(
            admit(&b, &minted.token, None).await,
            Ok("acme/Entra ID".to_owned())
        );
        // Another tenant's path, an unknown token and a near miss are refused alike.
        let refused = Err(AuthError::bearer_refused());
        assert_eq!(
            admit(&b, &minted.token, Some("globex")).await,
            refused,
            "{backend}"
        );
        assert_eq!(admit(&b, "scim_not-a-token", None).await, refused);
        let mut near = minted.token.clone();
        near.pop();
        assert_eq!(admit(&b, &near, None).await, refused);

        // Listed without secrets, with what was stored (timestamps at the columns' precision).
        let listed = b.tokens(&acme).await.unwrap();
        assert_eq!(listed.len(), 1, "{backend}");
        assert_eq!(listed[0].id, minted.id);
        assert_eq!(listed[0].label, "Entra ID");
        assert!(
            (listed[0].created - minted.info.created)
                .num_milliseconds()
                .abs()
                <= 1
        );
        assert!(b.tokens(&Tenant::new("globex")).await.unwrap().is_empty());
        assert_eq!(
            b.get(&minted.id).await.unwrap().map(|i| i.tenant),
            Some(acme.clone())
        );

        // Rotated on B: A refuses the old secret on its next request, admits the new one.
        let rotated = b.rotate(&acme, &minted.id, None).await.unwrap();
        assert_eq!(admit(&a, &minted.token, None).await, refused, "{backend}");
        assert_eq!(
            admit(&a, &rotated.token, Some("acme")).await,
            Ok("acme/Entra ID".to_owned())
        );
        assert_eq!(rotated.info.label, "Entra ID");
        assert_eq!(b.tokens(&acme).await.unwrap().len(), 1);
        assert_eq!(rotated.id, minted.id);
        let unknown = a.rotate(&Tenant::new("globex"), &minted.id, None).await;
        assert!(
            matches!(unknown, Err(Error::Token(TokenError::UnknownToken(ref id))) if *id == minted.id),
            "{backend}: {unknown:?}"
        );

        // Revoked on A: B refuses it.
        assert!(a.revoke(&rotated.id).await.unwrap());
        assert!(!a.revoke(&rotated.id).await.unwrap());
        assert_eq!(admit(&b, &rotated.token, None).await, refused, "{backend}");

        // Expiry: refused from its instant on; remove_expired frees only expired rows.
        let expired = a
            .mint(&acme, "old", Some(Utc::now() - Duration::seconds(1)))
            .await
            .unwrap();
        let fresh = a.mint(&acme, "", None).await.unwrap();
        assert_eq!(admit(&b, &expired.token, None).await, refused, "{backend}");
        // An empty label: the caller is the token's id.
        assert_eq!(
            admit(&b, &fresh.token, None).await,
            Ok(format!("acme/{}", fresh.id)),
            "{backend}"
        );
        assert_eq!(b.remove_expired(Utc::now()).await.unwrap(), 1, "{backend}");
        let left: Vec<TokenId> = a
            .tokens(&acme)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(left, std::slice::from_ref(&fresh.id), "{backend}");

        // Tenant-wide revocation.
        a.mint(&acme, "second", None).await.unwrap();
        a.mint(&Tenant::new("globex"), "other", None).await.unwrap();
        assert_eq!(b.revoke_tenant(&acme).await.unwrap(), 2, "{backend}");
        assert_eq!(a.tokens(&Tenant::new("globex")).await.unwrap().len(), 1);

        b.db().close().await;
        test.remove().await.unwrap();
    }
}

#[tokio::test]
async fn values_the_token_table_cannot_hold_are_refused_before_any_write() {
    for backend in BACKENDS {
        let test = migrated(backend, "limits").await;
        let tokens = SqlTokens::new(test.db.clone());
        let acme = Tenant::new("acme");
        let long = "é".repeat(scimkit_sql::MAX_TEXT + 1);
        for (tenant, label, field) in [
            (Tenant::new(long.as_str()), "ok", "tenant"),
            (acme.clone(), long.as_str(), "label"),
            (acme.clone(), "nul\0", "label"),
        ] {
            let refused = tokens.mint(&tenant, label, None).await;
            assert!(
                matches!(refused, Err(Error::Value { field: f, .. }) if f == field),
                "{backend}: {refused:?}"
            );
        }
        // The longest allowed, in characters of several bytes, fits every database.
        let longest = "é".repeat(scimkit_sql::MAX_TEXT);
        let minted = tokens
            .mint(&Tenant::new(longest.as_str()), &longest, None)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(
            tokens.get(&minted.id).await.unwrap().unwrap().label,
            longest
        );
        assert_eq!(tokens.tokens(&acme).await.unwrap(), []);
        test.remove().await.unwrap();
    }
}

#[tokio::test]
async fn the_cursor_key_is_one_for_every_instance_and_survives_restarts() {
    for backend in BACKENDS {
        let test = migrated(backend, "cursorkey").await;
        let second = test.connect_again().await.unwrap();
        let keys = futures_util::future::join_all([
            shared_cursor_key(&test.db),
            shared_cursor_key(&second),
            shared_cursor_key(&test.db),
            shared_cursor_key(&second),
        ])
        .await;
        let first = *keys[0].as_ref().unwrap();
        for key in keys {
            assert_eq!(key.unwrap(), first, "{backend}");
        }
        assert_ne!(first, [0; 32]);
        // A restart: new pools, the same key.
        second.close().await;
        test.db.close().await;
        let again = test.connect_again().await.unwrap();
        assert_eq!(shared_cursor_key(&again).await.unwrap(), first, "{backend}");
        again.close().await;
        test.remove().await.unwrap();
    }
}

/// Through the engine: a token admits, a missing or revoked one is a 401, and a database
/// that does not answer is a 503 (never a 401 telling the identity provider its token is bad).
#[tokio::test]
async fn the_engine_answers_503_when_the_token_table_does_not_answer() {
    for backend in BACKENDS {
        let test = migrated(backend, "engine").await;
        let tokens = SqlTokens::new(test.db.clone());
        let minted = tokens
            .mint(&Tenant::new("acme"), "Okta", None)
            .await
            .unwrap();
        let instance = test.connect_again().await.unwrap();
        let scim = Scim::builder()
            .store(InMemoryStore::new())
            .authenticator(SqlTokens::new(instance.clone()))
            .cursor_key(shared_cursor_key(&instance).await.unwrap())
            .build()
            .unwrap();
        let get = |token: Option<&str>| {
            let mut request = Request::builder().method(Method::GET).uri("/Users");
            if let Some(token) = token {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            request.body(Bytes::new()).unwrap()
        };
        assert_eq!(
            scim.handle(get(Some(&minted.token))).await.status(),
            200,
            "{backend}"
        );
        assert_eq!(scim.handle(get(None)).await.status(), 401);
        tokens.revoke(&minted.id).await.unwrap();
        assert_eq!(
            scim.handle(get(Some(&minted.token))).await.status(),
            401,
            "{backend}"
        );
        instance.close().await;
        let down = scim.handle(get(Some(&minted.token))).await;
        assert_eq!(down.status(), 503, "{backend}");
        let body: serde_json::Value = serde_json::from_slice(down.body()).unwrap();
        assert!(!body.to_string().contains(&minted.token));
        test.remove().await.unwrap();
    }
}

/// The database a pool reaches is the test's own: a second test database sees none of the
/// first one's rows.
#[tokio::test]
async fn test_databases_are_isolated() {
    for backend in BACKENDS {
        let one = migrated(backend, "iso_a").await;
        let two = migrated(backend, "iso_b").await;
        SqlTokens::new(one.db.clone())
            .mint(&Tenant::new("acme"), "a", None)
            .await
            .unwrap();
        let other: Db = two.db.clone();
        assert!(
            SqlTokens::new(other)
                .tokens(&Tenant::new("acme"))
                .await
                .unwrap()
                .is_empty(),
            "{backend}"
        );
        one.remove().await.unwrap();
        two.remove().await.unwrap();
    }
}

/// An in-memory SQLite database goes with its last connection: the pool keeps one open, never
/// closed as idle or old, so what was written stays while the pool lives.
#[tokio::test]
async fn an_in_memory_sqlite_database_lives_as_long_as_its_pool() {
    let db = Db::connect("sqlite::memory:").await.unwrap();
    let Db::Sqlite(pool) = &db else {
        panic!("a SQLite pool: {db:?}");
    };
    let options = pool.options();
    assert_eq!(options.get_min_connections(), 1);
    assert_eq!(options.get_idle_timeout(), None);
    assert_eq!(options.get_max_lifetime(), None);
    migrations::run(&db).await.unwrap();
    let key = shared_cursor_key(&db).await.unwrap();
    assert_eq!(shared_cursor_key(&db).await.unwrap(), key);
    // A file database keeps sqlx's idle and age limits.
    let test = TestDb::fresh(Backend::Sqlite, "file_pool").await.unwrap();
    let Db::Sqlite(pool) = &test.db else {
        panic!("a SQLite pool");
    };
    assert!(pool.options().get_idle_timeout().is_some());
    test.remove().await.unwrap();
}
