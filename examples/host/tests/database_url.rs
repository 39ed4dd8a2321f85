//! `--database-url sqlite://PATH` goes the way of every database URL (`StoreChoice::Sql`):
//! the token minted at the first start and the cursor key are kept in the file, so a restart
//! adopts both; `--cursor-key` replaces the database's key. Other URLs are refused naming the
//! accepted forms, without repeating the URL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use bytes::Bytes;
use example_host::{credentials, engine, StoreChoice, Tokens};
use http::{header, Request};

/// A database file removed (with its WAL files) when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = self.0.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

async fn close(choice: &StoreChoice) {
    if let StoreChoice::Sql { store, .. } = choice {
        store.db().close().await;
    }
}

#[tokio::test]
async fn a_sqlite_file_keeps_the_token_and_the_cursor_key() {
    let id = scimkit_core::store::new_id().unwrap();
    let file = TempFile(std::env::temp_dir().join(format!("example-host-{id}.db")));
    let url = format!("sqlite://{}", file.0.display());

    let first = StoreChoice::open(Some(&url)).await.unwrap();
    assert_eq!(first.describe(), format!("SQLite store at {url}"));
    let creds = first
        .credentials(credentials(None).unwrap(), None)
        .await
        .unwrap();
    assert!(matches!(creds.tokens, Tokens::Database(_)));
    let token = creds.minted.expect("a token minted into the file");
    let key = first.cursor_key().expect("the database's cursor key");
    close(&first).await;

    let second = StoreChoice::open(Some(&url)).await.unwrap();
    assert_eq!(second.cursor_key(), Some(key));
    let creds = second
        .credentials(credentials(None).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(creds.minted, None, "the stored token is adopted");
    let scim = engine(creds.tokens, second.clone()).unwrap();
    let request = |token: &str| {
        Request::get("http://localhost/Users")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Bytes::new())
            .unwrap()
    };
    assert_eq!(scim.handle(request(&token)).await.status(), 200);
    assert_eq!(scim.handle(request("not-the-token")).await.status(), 401);

    assert_eq!(second.clone().with_cursor_key(None).cursor_key(), Some(key));
    let keyed = second.with_cursor_key(Some([7; 32]));
    assert_eq!(keyed.cursor_key(), Some([7; 32]));
    close(&keyed).await;
}

#[tokio::test]
async fn other_urls_are_refused_without_repeating_them() {
    let error = StoreChoice::open(Some("redis://admin:hunter2@127.0.0.1/0"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("\"redis\"")
            && error.contains("sqlite://PATH")
            && error.contains("sqlite::memory:")
            && error.contains("postgres://")
            && error.contains("mysql://"),
        "{error}"
    );
    assert!(!error.contains("hunter2"), "{error}");
}
