//! A resource type of the host's own, `Device` (`example_sqlite::devices`), served by the
//! same store as Users and Groups through the engine: created in the `devices` table, its
//! `serialNumber` unique in the tenant (case-insensitively), filtered and sorted in SQL,
//! patched, kept across a restart, deleted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

use common::{call, TempDb};
use example_sqlite::{devices, tables};
use http::Method;
use scimkit_core::schema::ResourceType;
use scimkit_core::Scim;
use scimkit_sql::{shared_cursor_key, Datum, DatumKind, Db};
use serde_json::json;

/// The engine serving User, Group and Device over the file's store.
async fn start(file: &TempDb) -> (Db, Scim) {
    let db = example_sqlite::connect(&file.url()).await.unwrap();
    devices::create(&db).await.unwrap();
    let store = devices::add(tables::builder(&db))
        .cursor_key(shared_cursor_key(&db).await.unwrap())
        .build()
        .unwrap();
    let scim = Scim::builder()
        .store(store)
        .resource_type(ResourceType::user())
        .resource_type(ResourceType::group())
        .resource_type(devices::resource_type())
        .authenticator(common::tokens())
        .build()
        .unwrap();
    (db, scim)
}

#[tokio::test]
async fn devices_are_served_from_their_own_table() {
    let file = TempDb::new("devices");
    let (db, scim) = start(&file).await;
    let device = |serial: &str, model: &str| {
        json!({
            "schemas": [devices::SCHEMA],
            "serialNumber": serial,
            "model": model,
            "managed": true
        })
    };
    let (status, created) = call(&scim, Method::POST, "/Devices", Some(device("SN-1", "X1"))).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["meta"]["resourceType"], "Device");
    let (status, _) = call(&scim, Method::POST, "/Devices", Some(device("SN-2", "X2"))).await;
    assert_eq!(status, 201);

    // Unique in the tenant, compared as the schema says (not caseExact).
    let (status, conflict) =
        call(&scim, Method::POST, "/Devices", Some(device("sn-1", "X9"))).await;
    assert_eq!(status, 409, "{conflict}");
    assert_eq!(conflict["scimType"], "uniqueness");

    let (status, found) = call(
        &scim,
        Method::GET,
        "/Devices?filter=model%20eq%20%22x1%22%20and%20managed%20eq%20true",
        None,
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id.as_str());
    let (_, sorted) = call(
        &scim,
        Method::GET,
        "/Devices?sortBy=serialNumber&sortOrder=descending",
        None,
    )
    .await;
    let serials: Vec<&str> = sorted["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["serialNumber"].as_str().unwrap())
        .collect();
    assert_eq!(serials, ["SN-2", "SN-1"]);

    let (status, patched) = call(
        &scim,
        Method::PATCH,
        &format!("/Devices/{id}"),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "managed", "value": false}]
        })),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["managed"], false);

    // The row is the app's: a column per attribute.
    let rows = db
        .fetch(
            "SELECT serial_number, model, managed FROM devices WHERE id = ?",
            &[Datum::text(id.as_str())],
            &[DatumKind::Text, DatumKind::Text, DatumKind::Bool],
        )
        .await
        .unwrap();
    assert_eq!(
        rows,
        [vec![
            Datum::text("SN-1"),
            Datum::text("X1"),
            Datum::Bool(Some(false))
        ]]
    );

    let (_, types) = call(&scim, Method::GET, "/ResourceTypes", None).await;
    assert_eq!(types["totalResults"], 3);
    let (status, _) = call(
        &scim,
        Method::GET,
        &format!("/Schemas/{}", devices::SCHEMA),
        None,
    )
    .await;
    assert_eq!(status, 200);

    // Kept across a restart, then deleted.
    drop(scim);
    db.close().await;
    let (_db, scim) = start(&file).await;
    let (status, read) = call(&scim, Method::GET, &format!("/Devices/{id}"), None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["serialNumber"], "SN-1");
    assert_eq!(read["managed"], false);
    assert_eq!(read["meta"]["version"], patched["meta"]["version"]);
    let (status, _) = call(&scim, Method::DELETE, &format!("/Devices/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&scim, Method::GET, &format!("/Devices/{id}"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_store_without_the_device_table_does_not_serve_devices() {
    let (_db, store) = example_sqlite::open("sqlite::memory:").await.unwrap();
    let scim = Scim::builder()
        .store(store)
        .resource_type(ResourceType::user())
        .resource_type(ResourceType::group())
        .resource_type(devices::resource_type())
        .authenticator(common::tokens())
        .build()
        .unwrap();
    let (status, body) = call(
        &scim,
        Method::POST,
        "/Devices",
        Some(json!({"schemas": [devices::SCHEMA], "serialNumber": "SN-1"})),
    )
    .await;
    assert_eq!(status, 501, "{body}");
}
