//! A write-only attribute kept hashed (`Table::secret`): a User's `password` in a
//! `password_hash` column of the demo accounts, on PostgreSQL, MariaDB/MySQL and SQLite,
//! through `Scim::handle`. The column holds the hash, never the value; a `PUT` without the
//! password keeps it, one with a password or a PATCH replacing it writes a new hash; no
//! response and no other column carries it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call, BACKENDS};
use http::Method;
use scimkit_core::schema::ResourceType;
use scimkit_core::sql::Column;
use scimkit_core::Scim;
use scimkit_sql::store::{BuildError, Secret, SqlStore, Table};
use scimkit_sql::testkit::demo;
use scimkit_sql::{Datum, DatumKind, Db};
use serde_json::json;

/// The stand-in hash of these tests (a real app uses argon2 or bcrypt with a salt).
fn hash(password: &str) -> String {
    format!("hashed:{}", password.chars().rev().collect::<String>())
}

fn engine(store: SqlStore) -> Scim {
    Scim::builder()
        .store(store)
        .change_password(true)
        .authenticator(common::tenant_t)
        .build()
        .unwrap()
}

/// The account's `password_hash` and `scim_extra` columns, as text.
async fn stored(db: &Db, id: &str) -> (Option<String>, String) {
    let id_text = match db.backend() {
        scimkit_sql::Backend::Postgres => "CAST(id AS text)",
        _ => "id",
    };
    let extra = match db.backend() {
        scimkit_sql::Backend::Postgres => "CAST(scim_extra AS text)",
        _ => "scim_extra",
    };
    let sql = format!("SELECT password_hash, {extra} FROM accounts WHERE {id_text} = ?");
    let sql = match db.backend() {
        scimkit_sql::Backend::Postgres => sql.replace('?', "$1"),
        _ => sql,
    };
    let rows = db
        .fetch(
            &sql,
            &[Datum::text(id)],
            &[DatumKind::Text, DatumKind::Text],
        )
        .await
        .unwrap();
    let mut row = rows
        .into_iter()
        .next()
        .expect("the account's row")
        .into_iter();
    let hash = row.next().and_then(|d| d.as_text().map(str::to_owned));
    let extra = row
        .next()
        .and_then(|d| d.as_text().map(str::to_owned))
        .unwrap_or_default();
    (hash, extra)
}

#[tokio::test]
async fn a_password_is_kept_as_its_hash_on_every_database() {
    for backend in BACKENDS {
        let (test, _) = demo::fresh(backend, "secret").await.unwrap();
        test.db
            .execute(
                "ALTER TABLE accounts ADD COLUMN password_hash varchar(255)",
                &[],
            )
            .await
            .unwrap();
        let (users, groups) = demo::tables(backend);
        let store = SqlStore::builder(test.db.clone())
            .resource(
                ResourceType::user(),
                users.secret("password", Secret::new("password_hash", hash)),
            )
            .resource(ResourceType::group(), groups)
            .build()
            .unwrap();
        let scim = engine(store);
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ada", "password": "t0p-secret", "active": true
        });
        let (status, created) = call(&scim, Method::POST, "/Users", Some(&user)).await;
        assert_eq!(status, 201, "{backend}: {created}");
        assert!(created.get("password").is_none(), "{backend}: {created}");
        let id = created["id"].as_str().unwrap().to_owned();
        let (hashed, extra) = stored(&test.db, &id).await;
        assert_eq!(hashed.as_deref(), Some("hashed:terces-p0t"), "{backend}");
        assert!(!extra.contains("t0p-secret"), "{backend}: {extra}");

        // A PUT without the password (clients cannot read it back) keeps it.
        let put = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ada", "active": false
        });
        let (status, body) = call(&scim, Method::PUT, &format!("/Users/{id}"), Some(&put)).await;
        assert_eq!(status, 200, "{backend}: {body}");
        assert_eq!(
            stored(&test.db, &id).await.0.as_deref(),
            Some("hashed:terces-p0t")
        );

        // A PATCH replacing it writes the new one's hash.
        let patch = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "password", "value": "n3w"}]
        });
        let (status, body) =
            call(&scim, Method::PATCH, &format!("/Users/{id}"), Some(&patch)).await;
        assert_eq!(status, 200, "{backend}: {body}");
        assert!(body.get("password").is_none(), "{backend}: {body}");
        assert_eq!(
            stored(&test.db, &id).await.0.as_deref(),
            Some("hashed:w3n"),
            "{backend}"
        );

        // The service advertises that it keeps passwords.
        let (_, schema) = call(
            &scim,
            Method::GET,
            "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            None,
        )
        .await;
        let names: Vec<&str> = schema["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["name"].as_str())
            .collect();
        assert!(names.contains(&"password"), "{backend}: {names:?}");
        // Without the secret column, passwords are not kept, and not advertised.
        let plain = engine(demo::store(&test.db).await.unwrap());
        let (_, schema) = call(
            &plain,
            Method::GET,
            "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            None,
        )
        .await;
        assert!(
            !schema["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["name"] == "password"),
            "{backend}: {schema}"
        );
        test.remove().await.unwrap();
    }
}

#[tokio::test]
async fn only_write_only_string_attributes_can_be_kept_hashed() {
    let test = scimkit_sql::testkit::TestDb::fresh(scimkit_sql::Backend::Sqlite, "secret_build")
        .await
        .unwrap();
    for (path, wrong) in [
        ("displayName", "returned to clients"),
        ("emails", "single-valued string"),
        ("name", "single-valued string"),
    ] {
        let error = SqlStore::builder(test.db.clone())
            .resource(
                ResourceType::user(),
                Table::new("accounts")
                    .column("userName", Column::text("email"))
                    .secret(path, Secret::new("hash", hash)),
            )
            .build()
            .unwrap_err();
        assert!(
            matches!(&error, BuildError::Mapping(rt, detail) if rt == "User" && detail.contains(wrong)),
            "{path}: {error}"
        );
    }
    test.remove().await.unwrap();
}
