//! The lookups identity providers make before every create (`userName`, `externalId`,
//! `displayName`, `emails.value` `eq`) are index searches in SQLite's plan for the very
//! statements `list` runs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

use example_sqlite::mapping::mapping_of;
use scimkit_core::schema::ResourceType;
use scimkit_core::sql::{CursorIssuer, SqlValue, Sqlite};
use scimkit_core::store::{CursorCodec, ListQuery, Pagination};
use scimkit_filter::parse_filter;

#[tokio::test]
async fn lookups_search_an_index() {
    let db = common::TempDb::new("explain");
    let store = db.open().await;
    for (rt, filter, index) in [
        (
            ResourceType::user(),
            r#"userName eq "bjensen""#,
            "resources_user_name_idx",
        ),
        (
            ResourceType::user(),
            r#"externalId eq "x1""#,
            "resources_external_id_idx",
        ),
        (
            ResourceType::group(),
            r#"displayName eq "Ops""#,
            "resources_display_name_idx",
        ),
        (
            ResourceType::user(),
            r#"emails.value eq "b@x.com""#,
            "multi_values_",
        ),
    ] {
        let query = ListQuery {
            filter: Some(parse_filter(filter).unwrap()),
            page: Some(Pagination::Index {
                start_index: 1,
                count: 100,
            }),
            ..ListQuery::default()
        };
        let scope = [
            ("resources.tenant", SqlValue::Text("acme".into())),
            ("resources.resource_type", SqlValue::Text(rt.name.clone())),
        ];
        let codec = CursorCodec::with_key([0; 32], std::time::Duration::from_secs(60));
        let cursors = CursorIssuer {
            codec: &codec,
            tenant: "acme",
        };
        let sql = mapping_of(&rt)
            .list_sql(&rt, &query, &Sqlite, "resources.id", &scope, cursors)
            .unwrap();
        assert!(sql.complete, "{filter}");
        let text = format!("EXPLAIN QUERY PLAN {}", sql.select);
        let mut explain = sqlx::query_as::<_, (i64, i64, i64, String)>(&text);
        for param in &sql.params {
            explain = explain.bind(param.as_text().unwrap().to_owned());
        }
        let plan: Vec<String> = explain
            .fetch_all(store.pool())
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.3)
            .collect();
        assert!(
            plan.iter().any(|step| step.contains(index)),
            "{filter}: {plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step.contains("TEMP B-TREE")),
            "{filter} sorts: {plan:?}"
        );
    }
}
