//! A fresh SQLite file per test under the temporary directory, removed when dropped, the
//! store over it, and an engine over a store for requests through `Scim::handle`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http::{header, Method, Request};
use scimkit_core::auth::BearerTokens;
use scimkit_core::context::Tenant;
use scimkit_core::store::ResourceStore;
use scimkit_core::Scim;
use scimkit_sql::store::SqlStore;
use scimkit_sql::Db;
use serde_json::Value;

pub const TOKEN: &str = "a-long-random-test-secret";

/// A database file that is deleted (with its WAL files) when dropped.
pub struct TempDb {
    pub path: PathBuf,
}

impl TempDb {
    pub fn new(label: &str) -> TempDb {
        let id = scimkit_core::store::new_id().unwrap();
        let path = std::env::temp_dir().join(format!("scimkit-sqlite-{label}-{id}.db"));
        TempDb { path }
    }

    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    /// `example_sqlite::open` on the file: the database and the store.
    pub async fn open(&self) -> (Db, SqlStore) {
        example_sqlite::open(&self.url()).await.unwrap()
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

/// Bearer tokens holding [`TOKEN`] for tenant `acme`.
pub fn tokens() -> Arc<BearerTokens> {
    let tokens = Arc::new(BearerTokens::new());
    tokens.insert_hash(
        scimkit_core::auth::TokenInfo {
            id: scimkit_core::auth::TokenId::new("test"),
            tenant: Tenant::new("acme"),
            label: "test".to_owned(),
            created: chrono::Utc::now(),
            expires_at: None,
            last_used_at: None,
        },
        BearerTokens::hash_token(TOKEN),
    );
    tokens
}

/// An engine over `store` (User with EnterpriseUser, Group) accepting [`TOKEN`], with
/// password changes enabled (as example-axum's).
pub fn engine(store: impl ResourceStore) -> Scim {
    Scim::builder()
        .store(store)
        .authenticator(tokens())
        .change_password(true)
        .build()
        .unwrap()
}

/// One request through `Scim::handle`: the status and the JSON body (`Null` when none).
pub async fn call(scim: &Scim, method: Method, uri: &str, body: Option<Value>) -> (u16, Value) {
    let builder = Request::builder()
        .method(method)
        .uri(format!("http://localhost{uri}"))
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    let request = match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/scim+json")
            .body(Bytes::from(body.to_string())),
        None => builder.body(Bytes::new()),
    }
    .unwrap();
    let response = scim.handle(request).await;
    let status = response.status().as_u16();
    let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    (status, body)
}

/// The ids of a list response, sorted.
pub fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}
