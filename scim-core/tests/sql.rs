//! The SQL translator (feature `sql`): golden SQL for PostgreSQL, SQLite and MySQL/MariaDB,
//! errors, the push-down declaration, and differential tests running random filters, sorts,
//! index pages and cursor pages on real PostgreSQL, SQLite and MariaDB (or MySQL) databases
//! against the in-memory evaluator.
//!
//! PostgreSQL is taken from `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! MariaDB from `MYSQL_URL` (default `mysql://root@127.0.0.1:3306/test`); each run creates its
//! own PostgreSQL schema and MariaDB database and drops them. Without a reachable server the
//! tests fail.

#![cfg(feature = "sql")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

use std::cell::RefCell;
use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use scimkit_core::evaluate::{CompiledFilter, Strictness};
use scimkit_core::schema::{Attribute, ResourceType};
use scimkit_core::sql::{
    ChildTable, Column, CursorIssuer, Dialect, Mapping, MySql, Postgres, SqlError, SqlValue,
    Sqlite, UnmappedPolicy,
};
use scimkit_core::store::{CursorCodec, FilterPushDown, ListQuery, Pagination};
use scimkit_core::{Meta, Resource, ScimError, SortOrder, SortSpec};
use scimkit_filter::{
    parse_filter, AttrPath, AttrTest, CompValue, CompareOp, Filter, Number, SubAttrTest,
};
use serde_json::{json, Map, Value};
use sqlx::{Connection, Executor, MySqlConnection, PgConnection, Row, SqliteConnection};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn users() -> ResourceType {
    ResourceType::user().with_core_attribute(Attribute::integer("level"))
}

/// The mapping of the PostgreSQL and SQLite tables.
fn mapping() -> Mapping {
    // Kept in a JSON document: `->>` works on PostgreSQL jsonb and SQLite JSON text.
    mapping_with("ext->>'costCenter'", false)
}

/// The mapping of the MySQL/MariaDB tables: MariaDB has no `->>`.
fn mysql_mapping() -> Mapping {
    mapping_with("JSON_VALUE(ext, '$.costCenter')", false)
}

/// The MySQL/MariaDB mapping comparing text through the stored key columns
/// (`MYSQL_KEY_COLUMNS`) instead of the expressions.
fn mysql_keyed_mapping() -> Mapping {
    mapping_with("JSON_VALUE(ext, '$.costCenter')", true)
}

/// The test's mapping, with the expression reading `costCenter` from the JSON column, and
/// with each text column's key column (`<column>_key`) when `keyed`.
fn mapping_with(cost_center: &str, keyed: bool) -> Mapping {
    let keyed = |column: Column, key: &str| if keyed { column.key(key) } else { column };
    Mapping::new("users", "id")
        .column(
            "userName",
            keyed(Column::text("user_name"), "user_name_key"),
        )
        .column("title", keyed(Column::text("title"), "title_key"))
        .column(
            "externalId",
            keyed(Column::text_exact("external_id"), "external_id_key"),
        )
        .column("active", Column::boolean("active"))
        .column("level", Column::integer("level"))
        .column("meta.lastModified", Column::timestamp("updated_at"))
        .column(
            &format!("{ENTERPRISE}:employeeNumber"),
            keyed(Column::text("employee_number"), "employee_number_key"),
        )
        .column(
            &format!("{ENTERPRISE}:costCenter"),
            Column::text(cost_center),
        )
        .child(
            "emails",
            ChildTable::new("user_emails", "user_id")
                .column("value", keyed(Column::text("email"), "email_key"))
                .column("type", keyed(Column::text("kind"), "kind_key"))
                .column("primary", Column::boolean("is_primary")),
        )
}

/// The stored key columns of the MariaDB tables, as `Column::key` describes them: the text
/// as `MySql` compares it, folded unless case-exact, with indexes.
const MYSQL_KEY_COLUMNS: &[&str] = &[
    "ALTER TABLE users \
     ADD COLUMN user_name_key VARBINARY(1536) AS (CAST(lower(user_name) AS BINARY)) STORED, \
     ADD COLUMN title_key VARBINARY(1536) AS (CAST(lower(title) AS BINARY)) STORED, \
     ADD COLUMN external_id_key VARBINARY(1024) AS (CAST(external_id AS BINARY)) STORED, \
     ADD COLUMN employee_number_key VARBINARY(1536) \
         AS (CAST(lower(employee_number) AS BINARY)) STORED, \
     ADD INDEX (user_name_key, id), ADD INDEX (external_id_key)",
    "ALTER TABLE user_emails \
     ADD COLUMN email_key VARBINARY(1536) AS (CAST(lower(email) AS BINARY)) STORED, \
     ADD COLUMN kind_key VARBINARY(1536) AS (CAST(lower(kind) AS BINARY)) STORED, \
     ADD INDEX (email_key)",
];

fn translate(filter: &str, dialect: &dyn Dialect) -> Result<(String, Vec<SqlValue>), SqlError> {
    let filter = parse_filter(filter).unwrap();
    mapping().filter_sql(&users(), &filter, dialect)
}

fn text(value: &str) -> SqlValue {
    SqlValue::Text(value.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Golden SQL

#[test]
fn golden_postgres() {
    let t = |h: u32| Utc.with_ymd_and_hms(2024, 1, 1, h, 0, 0).unwrap();
    let cases: Vec<(&str, &str, Vec<SqlValue>)> = vec![
        (
            r#"userName eq "BJensen""#,
            "(user_name IS NOT NULL AND lower(user_name) = lower($1))",
            vec![text("BJensen")],
        ),
        (
            r#"externalId eq "A1""#,
            "(external_id IS NOT NULL AND external_id = $1)",
            vec![text("A1")],
        ),
        (
            r#"title ne "Boss""#,
            "NOT (title IS NOT NULL AND lower(title) = lower($1))",
            vec![text("Boss")],
        ),
        (
            r#"not (title eq "Boss")"#,
            "NOT ((title IS NOT NULL AND lower(title) = lower($1)))",
            vec![text("Boss")],
        ),
        ("title pr", "(title IS NOT NULL AND title <> '')", vec![]),
        (
            "title eq null",
            "NOT (title IS NOT NULL AND title <> '')",
            vec![],
        ),
        (
            "title ne null",
            "(title IS NOT NULL AND title <> '')",
            vec![],
        ),
        ("active pr", "(active IS NOT NULL)", vec![]),
        (
            r#"userName co "50%_!""#,
            "(user_name IS NOT NULL AND lower(user_name) LIKE lower($1) ESCAPE '!')",
            vec![text("%50!%!_!!%")],
        ),
        (
            r#"externalId sw "Ab""#,
            "(external_id IS NOT NULL AND external_id LIKE $1 ESCAPE '!')",
            vec![text("Ab%")],
        ),
        (
            r#"userName ew "son""#,
            "(user_name IS NOT NULL AND lower(user_name) LIKE lower($1) ESCAPE '!')",
            vec![text("%son")],
        ),
        (
            r#"userName gt "m""#,
            "(user_name IS NOT NULL AND (lower(user_name) COLLATE \"C\") > lower($1))",
            vec![text("m")],
        ),
        (
            r#"externalId le "m""#,
            "(external_id IS NOT NULL AND (external_id COLLATE \"C\") <= $1)",
            vec![text("m")],
        ),
        (
            "level ge 3",
            "(level IS NOT NULL AND level >= $1)",
            vec![SqlValue::Integer(3)],
        ),
        (
            "level lt 2.5",
            "(level IS NOT NULL AND level < CAST($1 AS DOUBLE PRECISION))",
            vec![SqlValue::Real(2.5)],
        ),
        (
            "active eq true",
            "(active IS NOT NULL AND active = $1)",
            vec![SqlValue::Bool(true)],
        ),
        (
            r#"meta.lastModified gt "2024-01-01T05:00:00+02:00""#,
            "(updated_at IS NOT NULL AND date_trunc('milliseconds', updated_at) > $1)",
            vec![SqlValue::Timestamp(t(3))],
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7""#,
            "(employee_number IS NOT NULL AND lower(employee_number) = lower($1))",
            vec![text("7")],
        ),
        (
            r#"employeeNumber eq "7""#,
            "(employee_number IS NOT NULL AND lower(employee_number) = lower($1))",
            vec![text("7")],
        ),
        (
            r#"costCenter sw "4""#,
            "(ext->>'costCenter' IS NOT NULL AND lower(ext->>'costCenter') LIKE lower($1) ESCAPE '!')",
            vec![text("4%")],
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#,
            "(user_name IS NOT NULL AND lower(user_name) = lower($1))",
            vec![text("x")],
        ),
        (
            r#"emails co "@x""#,
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (c1.email IS NOT NULL AND lower(c1.email) LIKE lower($1) ESCAPE '!'))",
            vec![text("%@x%")],
        ),
        // Multi-valued: some row's value is there and differs (RFC 7644 §3.4.2.2).
        (
            r#"emails.type ne "work""#,
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (c1.kind IS NOT NULL AND lower(c1.kind) <> lower($1)))",
            vec![text("work")],
        ),
        (
            r#"not (emails.type eq "work")"#,
            "NOT (EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (c1.kind IS NOT NULL AND lower(c1.kind) = lower($1))))",
            vec![text("work")],
        ),
        (
            r#"emails ne "b@x""#,
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (c1.email IS NOT NULL AND lower(c1.email) <> lower($1)))",
            vec![text("b@x")],
        ),
        (
            "emails.primary ne true",
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (c1.is_primary IS NOT NULL AND c1.is_primary <> $1))",
            vec![SqlValue::Bool(true)],
        ),
        (
            "emails.type ne null",
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (c1.kind IS NOT NULL AND c1.kind <> ''))",
            vec![],
        ),
        // Inside a value filter `ne` tests one element: a row without type passes.
        (
            r#"emails[type ne "work"]"#,
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (NOT (c1.kind IS NOT NULL AND lower(c1.kind) = lower($1))))",
            vec![text("work")],
        ),
        (
            "emails pr",
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             ((c1.email IS NOT NULL AND c1.email <> '') OR (c1.kind IS NOT NULL AND c1.kind <> '') \
             OR (c1.is_primary IS NOT NULL)))",
            vec![],
        ),
        (
            r#"emails[type eq "work" and value co "@x"]"#,
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (((c1.kind IS NOT NULL AND lower(c1.kind) = lower($1))) AND \
             ((c1.email IS NOT NULL AND lower(c1.email) LIKE lower($2) ESCAPE '!'))))",
            vec![text("work"), text("%@x%")],
        ),
        (
            r#"emails[type eq "work"].value sw "b""#,
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             ((c1.kind IS NOT NULL AND lower(c1.kind) = lower($1))) AND \
             ((c1.email IS NOT NULL AND lower(c1.email) LIKE lower($2) ESCAPE '!')))",
            vec![text("work"), text("b%")],
        ),
        (
            r#"userName eq "a" or (title co "b" and not (emails.primary eq true))"#,
            "((user_name IS NOT NULL AND lower(user_name) = lower($1))) OR \
             (((title IS NOT NULL AND lower(title) LIKE lower($2) ESCAPE '!')) AND \
             (NOT (EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (c1.is_primary IS NOT NULL AND c1.is_primary = $3)))))",
            vec![text("a"), text("%b%"), SqlValue::Bool(true)],
        ),
    ];
    for (filter, sql, params) in cases {
        let (got_sql, got_params) = translate(filter, &Postgres).unwrap();
        assert_eq!(got_sql, sql, "{filter}");
        assert_eq!(got_params, params, "{filter}");
    }
}

#[test]
fn golden_sqlite() {
    let cases: Vec<(&str, &str, Vec<SqlValue>)> = vec![
        (
            r#"userName eq "a" and title ne "b""#,
            "((user_name IS NOT NULL AND lower(user_name) = lower(?))) AND \
             (NOT (title IS NOT NULL AND lower(title) = lower(?)))",
            vec![text("a"), text("b")],
        ),
        (
            r#"externalId co "a*?[b""#,
            "(external_id IS NOT NULL AND external_id GLOB ?)",
            vec![text("*a[*][?][[]b*")],
        ),
        (
            r#"title co "50%""#,
            "(title IS NOT NULL AND lower(title) LIKE lower(?) ESCAPE '!')",
            vec![text("%50!%%")],
        ),
        (
            r#"userName gt "m""#,
            "(user_name IS NOT NULL AND lower(user_name) > lower(?))",
            vec![text("m")],
        ),
        (
            r#"meta.lastModified le "2024-01-01T00:00:00Z""#,
            "(updated_at IS NOT NULL AND julianday(updated_at) <= julianday(?))",
            vec![SqlValue::Timestamp(
                Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
            )],
        ),
        (
            "emails.type eq null",
            "NOT EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (c1.kind IS NOT NULL AND c1.kind <> ''))",
            vec![],
        ),
        (
            r#"emails.type ne "work""#,
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (c1.kind IS NOT NULL AND lower(c1.kind) <> lower(?)))",
            vec![text("work")],
        ),
    ];
    for (filter, sql, params) in cases {
        let (got_sql, got_params) = translate(filter, &Sqlite).unwrap();
        assert_eq!(got_sql, sql, "{filter}");
        assert_eq!(got_params, params, "{filter}");
    }
}

/// MySQL/MariaDB: every text operand compared as its bytes (`CAST(… AS BINARY)`), whatever the
/// column's collation; `NULL` placed by `(expr IS NULL)`; floats typed `DOUBLE`.
#[test]
fn golden_mysql() {
    let t = |h: u32| Utc.with_ymd_and_hms(2024, 1, 1, h, 0, 0).unwrap();
    let cases: Vec<(&str, &str, Vec<SqlValue>)> = vec![
        (
            r#"userName eq "BJensen""#,
            "(user_name IS NOT NULL AND CAST(lower(user_name) AS BINARY) = CAST(lower(?) AS BINARY))",
            vec![text("BJensen")],
        ),
        (
            r#"externalId eq "A1""#,
            "(external_id IS NOT NULL AND CAST(external_id AS BINARY) = CAST(? AS BINARY))",
            vec![text("A1")],
        ),
        (
            r#"title ne "Boss""#,
            "NOT (title IS NOT NULL AND CAST(lower(title) AS BINARY) = CAST(lower(?) AS BINARY))",
            vec![text("Boss")],
        ),
        (
            "title pr",
            "(title IS NOT NULL AND CAST(title AS BINARY) <> '')",
            vec![],
        ),
        (
            "title eq null",
            "NOT (title IS NOT NULL AND CAST(title AS BINARY) <> '')",
            vec![],
        ),
        ("active pr", "(active IS NOT NULL)", vec![]),
        (
            r#"userName co "50%_!""#,
            "(user_name IS NOT NULL AND CAST(lower(user_name) AS BINARY) LIKE \
             CAST(lower(?) AS BINARY) ESCAPE '!')",
            vec![text("%50!%!_!!%")],
        ),
        (
            r#"externalId sw "Ab""#,
            "(external_id IS NOT NULL AND CAST(external_id AS BINARY) LIKE CAST(? AS BINARY) \
             ESCAPE '!')",
            vec![text("Ab%")],
        ),
        (
            r#"userName gt "m""#,
            "(user_name IS NOT NULL AND CAST(lower(user_name) AS BINARY) > CAST(lower(?) AS BINARY))",
            vec![text("m")],
        ),
        (
            r#"externalId le "m""#,
            "(external_id IS NOT NULL AND CAST(external_id AS BINARY) <= CAST(? AS BINARY))",
            vec![text("m")],
        ),
        (
            "level ge 3",
            "(level IS NOT NULL AND level >= ?)",
            vec![SqlValue::Integer(3)],
        ),
        (
            "level lt 2.5",
            "(level IS NOT NULL AND level < CAST(? AS DOUBLE))",
            vec![SqlValue::Real(2.5)],
        ),
        (
            "active eq true",
            "(active IS NOT NULL AND active = ?)",
            vec![SqlValue::Bool(true)],
        ),
        (
            r#"meta.lastModified gt "2024-01-01T05:00:00+02:00""#,
            "(updated_at IS NOT NULL AND updated_at > ?)",
            vec![SqlValue::Timestamp(t(3))],
        ),
        (
            r#"costCenter sw "4""#,
            "(JSON_VALUE(ext, '$.costCenter') IS NOT NULL AND \
             CAST(lower(JSON_VALUE(ext, '$.costCenter')) AS BINARY) LIKE CAST(lower(?) AS BINARY) \
             ESCAPE '!')",
            vec![text("4%")],
        ),
        (
            "emails pr",
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             ((c1.email IS NOT NULL AND CAST(c1.email AS BINARY) <> '') OR \
             (c1.kind IS NOT NULL AND CAST(c1.kind AS BINARY) <> '') OR \
             (c1.is_primary IS NOT NULL)))",
            vec![],
        ),
        (
            r#"emails[type eq "work" and value co "@x"]"#,
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (((c1.kind IS NOT NULL AND CAST(lower(c1.kind) AS BINARY) = CAST(lower(?) AS BINARY))) \
             AND ((c1.email IS NOT NULL AND CAST(lower(c1.email) AS BINARY) LIKE \
             CAST(lower(?) AS BINARY) ESCAPE '!'))))",
            vec![text("work"), text("%@x%")],
        ),
        (
            r#"emails.type ne "work""#,
            "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
             (c1.kind IS NOT NULL AND CAST(lower(c1.kind) AS BINARY) <> CAST(lower(?) AS BINARY)))",
            vec![text("work")],
        ),
    ];
    for (filter, sql, params) in cases {
        let parsed = parse_filter(filter).unwrap();
        let (got_sql, got_params) = mysql_mapping()
            .filter_sql(&users(), &parsed, &MySql)
            .unwrap();
        assert_eq!(got_sql, sql, "{filter}");
        assert_eq!(got_params, params, "{filter}");
    }

    // Sorts: `NULL` last ascending, first descending, without `NULLS LAST`.
    let rt = users();
    let sorted = |by: &str, order: SortOrder, page: Option<Pagination>| {
        let query = ListQuery {
            filter: Some(parse_filter("title pr").unwrap()),
            sort: Some(SortSpec::new(&rt, path(by), order).unwrap()),
            page,
            ..ListQuery::default()
        };
        mysql_mapping().translate(&rt, &query, &MySql).unwrap()
    };
    let page = Pagination::Index {
        start_index: 21,
        count: 10,
    };
    assert_eq!(
        sorted("userName", SortOrder::Descending, Some(page.clone())).select_sql(&MySql),
        "SELECT users.id FROM users WHERE (title IS NOT NULL AND CAST(title AS BINARY) <> '') \
         ORDER BY CAST(lower(user_name) AS BINARY) DESC, users.id ASC LIMIT 10 OFFSET 20"
    );
    // An attribute a resource may lack places missing values itself (MySQL has no `NULLS`).
    assert_eq!(
        sorted("title", SortOrder::Descending, Some(page)).select_sql(&MySql),
        "SELECT users.id FROM users WHERE (title IS NOT NULL AND CAST(title AS BINARY) <> '') \
         ORDER BY (CAST(lower(title) AS BINARY) IS NULL) DESC, \
         CAST(lower(title) AS BINARY) DESC, users.id ASC LIMIT 10 OFFSET 20"
    );
    assert_eq!(
        sorted("externalId", SortOrder::Ascending, None)
            .order_sql
            .as_deref(),
        Some(
            "(CAST(external_id AS BINARY) IS NULL), CAST(external_id AS BINARY) ASC, users.id ASC"
        )
    );
    assert_eq!(
        sorted("meta.lastModified", SortOrder::Ascending, None)
            .order_sql
            .as_deref(),
        Some("(updated_at IS NULL), updated_at ASC, users.id ASC")
    );
    let all = mysql_mapping()
        .translate(&rt, &ListQuery::default(), &MySql)
        .unwrap();
    assert_eq!(
        all.select_sql(&MySql),
        "SELECT users.id FROM users WHERE TRUE"
    );
    // No `OFFSET` without `LIMIT` in MySQL.
    assert_eq!(
        MySql.limit_offset(None, Some(20)),
        "LIMIT 18446744073709551615 OFFSET 20"
    );
    assert_eq!(MySql.limit_offset(Some(5), None), "LIMIT 5");

    // Cursor pages: a keyset range after the last row of the page before.
    let codec = CursorCodec::with_key([7; 32], std::time::Duration::from_secs(3600));
    let cursors = CursorIssuer {
        codec: &codec,
        tenant: "acme",
    };
    let scope = [("users.tenant", text("acme"))];
    let person = |id: &str, name: &str, title: Option<&str>| {
        let mut body = json!({"id": id, "userName": name});
        if let Some(title) = title {
            body["title"] = json!(title);
        }
        Resource::from_json(body).unwrap()
    };
    let mut query = ListQuery {
        sort: Some(SortSpec::new(&rt, path("userName"), SortOrder::Ascending).unwrap()),
        page: Some(Pagination::Cursor {
            cursor: None,
            count: 2,
        }),
        ..ListQuery::default()
    };
    let first = mysql_mapping()
        .list_sql(&rt, &query, &MySql, "users.id", &scope, cursors)
        .unwrap();
    assert_eq!(
        first.select,
        "SELECT users.id FROM users WHERE (TRUE) AND users.tenant = ? \
         ORDER BY CAST(lower(user_name) AS BINARY) ASC, \
         users.id ASC LIMIT 3"
    );
    let rows = vec![
        person("1", "Ann", None),
        person("2", "bob", None),
        person("3", "Cy", None),
    ];
    let next = first.page(&rt, &query, cursors, rows, 7).unwrap();
    query.page = Some(Pagination::Cursor {
        cursor: next.next_cursor,
        count: 2,
    });
    let second = mysql_mapping()
        .list_sql(&rt, &query, &MySql, "users.id", &scope, cursors)
        .unwrap();
    // userName is required: "after" is one row comparison, led by the range's start.
    assert_eq!(
        second.select,
        "SELECT users.id FROM users WHERE ((TRUE) AND users.tenant = ?) AND \
         (CAST(lower(user_name) AS BINARY) >= CAST(lower(?) AS BINARY) AND \
         (CAST(lower(user_name) AS BINARY), users.id) > (CAST(lower(?) AS BINARY), ?)) \
         ORDER BY CAST(lower(user_name) AS BINARY) ASC, \
         users.id ASC LIMIT 3"
    );
    assert_eq!(
        second.params,
        [text("acme"), text("bob"), text("bob"), text("2")]
    );
    assert_eq!(second.count_params, [text("acme")]);

    // A title may be missing: descending, the rows after "Boss" are smaller titles, equal ones
    // with a later id, and none of the missing ones (they came first).
    let mut query = ListQuery {
        sort: Some(SortSpec::new(&rt, path("title"), SortOrder::Descending).unwrap()),
        page: Some(Pagination::Cursor {
            cursor: None,
            count: 1,
        }),
        ..ListQuery::default()
    };
    let first = mysql_mapping()
        .list_sql(&rt, &query, &MySql, "users.id", &[], cursors)
        .unwrap();
    let next = first
        .page(
            &rt,
            &query,
            cursors,
            vec![
                person("4", "d", Some("Boss")),
                person("5", "e", Some("Ann")),
            ],
            2,
        )
        .unwrap();
    query.page = Some(Pagination::Cursor {
        cursor: next.next_cursor,
        count: 1,
    });
    let second = mysql_mapping()
        .list_sql(&rt, &query, &MySql, "users.id", &[], cursors)
        .unwrap();
    assert_eq!(
        second.select,
        "SELECT users.id FROM users WHERE (TRUE) AND \
         (CAST(lower(title) AS BINARY) < CAST(lower(?) AS BINARY) OR \
         (CAST(lower(title) AS BINARY) = CAST(lower(?) AS BINARY) AND users.id > ?)) \
         ORDER BY (CAST(lower(title) AS BINARY) IS NULL) DESC, CAST(lower(title) AS BINARY) DESC, \
         users.id ASC LIMIT 2"
    );
    assert_eq!(second.params, [text("Boss"), text("Boss"), text("4")]);
}

#[test]
fn golden_select_count_and_paging() {
    let rt = users();
    let query = ListQuery {
        filter: Some(parse_filter(r#"title pr"#).unwrap()),
        sort: Some(SortSpec::new(&rt, AttrPath::new("userName"), SortOrder::Descending).unwrap()),
        page: Some(Pagination::Index {
            start_index: 21,
            count: 10,
        }),
        ..ListQuery::default()
    };
    let sql = mapping().translate(&rt, &query, &Postgres).unwrap();
    assert_eq!(
        sql.select_sql(&Postgres),
        "SELECT users.id FROM users WHERE (title IS NOT NULL AND title <> '') \
         ORDER BY (lower(user_name) COLLATE \"C\") DESC, users.id ASC \
         LIMIT 10 OFFSET 20"
    );
    assert_eq!(
        sql.count_sql(),
        "SELECT count(*) FROM users WHERE (title IS NOT NULL AND title <> '')"
    );
    assert_eq!((sql.limit, sql.offset), (Some(10), Some(20)));

    // No filter, no sort, no page: every row in any order.
    let all = mapping()
        .translate(&rt, &ListQuery::default(), &Sqlite)
        .unwrap();
    assert_eq!(
        all.select_sql(&Sqlite),
        "SELECT users.id FROM users WHERE 1"
    );
    assert!(all.params.is_empty());

    // Paged without a sort: by id, so pages are stable.
    let paged = ListQuery {
        page: Some(Pagination::Index {
            start_index: 1,
            count: 5,
        }),
        ..ListQuery::default()
    };
    let sql = mapping().translate(&rt, &paged, &Postgres).unwrap();
    assert_eq!(
        sql.select_sql(&Postgres),
        "SELECT users.id FROM users WHERE TRUE ORDER BY users.id ASC LIMIT 5 OFFSET 0"
    );

    // Cursor pagination: ordered by id for stable pages; the host sets limit and offset.
    let cursor = ListQuery {
        page: Some(Pagination::Cursor {
            cursor: None,
            count: 5,
        }),
        ..ListQuery::default()
    };
    let sql = mapping().translate(&rt, &cursor, &Postgres).unwrap();
    assert_eq!(sql.order_sql.as_deref(), Some("users.id ASC"));
    assert_eq!((sql.limit, sql.offset), (None, None));

    // Sorting by a timestamp in SQLite goes through julianday.
    let by_time = ListQuery {
        sort: Some(
            SortSpec::new(
                &rt,
                AttrPath::new("meta").with_sub_attr("lastModified"),
                SortOrder::Ascending,
            )
            .unwrap(),
        ),
        ..ListQuery::default()
    };
    let sql = mapping().translate(&rt, &by_time, &Sqlite).unwrap();
    assert_eq!(
        sql.order_sql.as_deref(),
        Some("julianday(updated_at) ASC NULLS LAST, users.id ASC")
    );
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn errors_name_the_attribute_and_map_to_scim_errors() {
    let cases: Vec<(&str, SqlError)> = vec![
        (
            r#"nickName eq "x""#,
            SqlError::Unmapped("nickName".to_owned()),
        ),
        (
            r#"emails.display eq "x""#,
            SqlError::Unmapped("emails.display".to_owned()),
        ),
        (
            r#"emails[display eq "x"]"#,
            SqlError::Unmapped("emails.display".to_owned()),
        ),
        (
            r#"name[givenName eq "x"]"#,
            SqlError::ValueFilter("name".to_owned()),
        ),
        (
            "active gt true",
            SqlError::Operator {
                attribute: "active".to_owned(),
                op: "gt".to_owned(),
                kind: "boolean",
            },
        ),
        (
            r#"level co "1""#,
            SqlError::Operator {
                attribute: "level".to_owned(),
                op: "co".to_owned(),
                kind: "integer",
            },
        ),
        (
            r#"meta.lastModified gt "yesterday""#,
            SqlError::Value {
                attribute: "meta.lastModified".to_owned(),
                kind: "dateTime",
                expected: "a dateTime such as \"2011-05-13T04:42:34Z\"",
                value: "\"yesterday\"".to_owned(),
            },
        ),
        (
            "title eq 5",
            SqlError::Value {
                attribute: "title".to_owned(),
                kind: "string",
                expected: "a \"quoted string\"",
                value: "5".to_owned(),
            },
        ),
    ];
    for (filter, expected) in cases {
        let err = translate(filter, &Postgres).unwrap_err();
        assert_eq!(err, expected, "{filter}");
        let scim = ScimError::from(err);
        assert_eq!(scim.scim_type(), Some("invalidFilter"), "{filter}");
    }
    let err = mapping()
        .check(&users(), &parse_filter(r#"nickName eq "x""#).unwrap())
        .unwrap_err();
    assert!(ScimError::from(err).to_string().contains("nickName"));

    // A sort without a single-valued column.
    let rt = users();
    let query = ListQuery {
        sort: Some(SortSpec::new(&rt, AttrPath::new("emails"), SortOrder::Ascending).unwrap()),
        ..ListQuery::default()
    };
    assert!(!mapping().sorts_by(&rt, &AttrPath::new("emails")));
    let err = mapping().translate(&rt, &query, &Postgres).unwrap_err();
    assert_eq!(err, SqlError::Sort("emails".to_owned()));
    assert_eq!(ScimError::from(err).scim_type(), Some("invalidValue"));
}

#[test]
fn deep_hand_built_filters_are_refused_not_overflowed() {
    let mut filter = parse_filter(r#"title eq "x""#).unwrap();
    for _ in 0..1_000 {
        filter = Filter::Not(Box::new(filter));
    }
    let err = mapping()
        .filter_sql(&users(), &filter, &Postgres)
        .unwrap_err();
    assert!(matches!(err, SqlError::TooDeep(_)));
    drop_deep(filter);
}

/// Drops a deep `Not` chain iteratively (the derived drop recurses).
fn drop_deep(mut filter: Filter) {
    while let Filter::Not(inner) = filter {
        filter = *inner;
    }
}

#[test]
fn verify_checks_the_mapping_against_the_schema() {
    mapping().verify(&users()).unwrap();
    let wrong = Mapping::new("users", "id")
        .column("externalId", Column::text("external_id"))
        .column("title", Column::integer("title"))
        .column("emails", Column::text("email"))
        .column("nickname2", Column::text("x"))
        .column("meta.created", Column::timestamp("created_at"))
        .child(
            "emails",
            ChildTable::new("user_emails", "user_id")
                .column("value", Column::text("email"))
                .column("colour", Column::text("c")),
        )
        .child("title", ChildTable::new("titles", "user_id"))
        .column("emails[type eq \"work\"]", Column::text("work_email"));
    let err = wrong.verify(&users()).unwrap_err();
    assert_eq!(
        err.problems,
        [
            "\"emails[type eq \"work\"]\" is not an attribute path",
            "\"externalId\": its schema type is string (caseExact), so it needs a case-exact \
             text column (Column::text_exact)",
            "\"title\": its schema type is string, so it needs a case-insensitive text column \
             (Column::text)",
            "\"emails\" is multi-valued: map it with a child table",
            "\"nickname2\" is not an attribute of User",
            "\"emails\" has no sub-attribute \"colour\"",
            "\"title\" is single-valued: map it with columns, not a child table",
        ]
    );
}

#[test]
fn verify_allows_key_columns_on_text_only() {
    mysql_keyed_mapping().verify(&users()).unwrap();
    let wrong = Mapping::new("users", "id")
        .column("level", Column::integer("level").key("level_key"))
        .child(
            "emails",
            ChildTable::new("user_emails", "user_id")
                .column("primary", Column::boolean("is_primary").key("primary_key")),
        );
    let err = wrong.verify(&users()).unwrap_err();
    assert_eq!(
        err.problems,
        [
            "\"level\": the key column level_key is for text columns; this one holds integer \
             values",
            "\"emails.primary\": the key column primary_key is for text columns; this one holds \
             boolean values",
        ]
    );
}

#[test]
fn key_columns_are_compared_bare() {
    let rt = users();
    let translate = |filter: &str| {
        mysql_keyed_mapping()
            .filter_sql(&rt, &parse_filter(filter).unwrap(), &MySql)
            .unwrap()
            .0
    };
    assert_eq!(
        translate(r#"userName eq "Bjensen""#),
        "(user_name IS NOT NULL AND user_name_key = CAST(lower(?) AS BINARY))"
    );
    assert_eq!(
        translate(r#"externalId gt "x""#),
        "(external_id IS NOT NULL AND external_id_key > CAST(? AS BINARY))"
    );
    assert_eq!(
        translate(r#"emails[value sw "a"]"#),
        "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
         ((c1.email IS NOT NULL AND c1.email_key LIKE CAST(lower(?) AS BINARY) ESCAPE '!')))"
    );
    assert_eq!(
        translate(r#"emails.type ne "work""#),
        "EXISTS (SELECT 1 FROM user_emails AS c1 WHERE c1.user_id = users.id AND \
         (c1.kind IS NOT NULL AND c1.kind_key <> CAST(lower(?) AS BINARY)))"
    );
    let sorted = mysql_keyed_mapping()
        .translate(
            &rt,
            &ListQuery {
                sort: Some(SortSpec::new(&rt, path("userName"), SortOrder::Ascending).unwrap()),
                ..ListQuery::default()
            },
            &MySql,
        )
        .unwrap();
    assert!(
        sorted
            .select_sql(&MySql)
            .contains("ORDER BY user_name_key ASC, users.id ASC"),
        "{}",
        sorted.select_sql(&MySql)
    );
}

/// `ne` on a multi-valued attribute is "some value is there and differs" whatever holds it: a
/// child table of a complex or of a simple attribute, of every column kind; a column standing
/// for a multi-valued attribute (which `verify` refuses) holds one value, compared the same way.
#[test]
fn ne_on_multi_valued_attributes_is_some_value_that_differs() {
    let rt = users()
        .with_core_attribute(Attribute::string("tags").multi_valued())
        .with_core_attribute(Attribute::date_time("seen").multi_valued())
        .with_core_attribute(Attribute::integer("scores").multi_valued());
    let mapping = Mapping::new("users", "id")
        .column("title", Column::text("title"))
        .column("emails.value", Column::text("primary_email"))
        .child(
            "tags",
            ChildTable::new("user_tags", "user_id").column("value", Column::text("tag")),
        )
        .child(
            "seen",
            ChildTable::new("user_seen", "user_id").column("value", Column::timestamp("at")),
        )
        .child(
            "scores",
            ChildTable::new("user_scores", "user_id").column("value", Column::integer("score")),
        );
    let at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let cases: Vec<(&str, &dyn Dialect, &str, Vec<SqlValue>)> = vec![
        (
            r#"tags ne "x""#,
            &Postgres,
            "EXISTS (SELECT 1 FROM user_tags AS c1 WHERE c1.user_id = users.id AND \
             (c1.tag IS NOT NULL AND lower(c1.tag) <> lower($1)))",
            vec![text("x")],
        ),
        (
            r#"tags ne "x""#,
            &MySql,
            "EXISTS (SELECT 1 FROM user_tags AS c1 WHERE c1.user_id = users.id AND \
             (c1.tag IS NOT NULL AND CAST(lower(c1.tag) AS BINARY) <> CAST(lower(?) AS BINARY)))",
            vec![text("x")],
        ),
        (
            r#"seen ne "2024-01-01T00:00:00Z""#,
            &Postgres,
            "EXISTS (SELECT 1 FROM user_seen AS c1 WHERE c1.user_id = users.id AND \
             (c1.at IS NOT NULL AND date_trunc('milliseconds', c1.at) <> $1))",
            vec![SqlValue::Timestamp(at)],
        ),
        (
            r#"seen ne "2024-01-01T00:00:00Z""#,
            &Sqlite,
            "EXISTS (SELECT 1 FROM user_seen AS c1 WHERE c1.user_id = users.id AND \
             (c1.at IS NOT NULL AND julianday(c1.at) <> julianday(?)))",
            vec![SqlValue::Timestamp(at)],
        ),
        (
            "scores ne 2.5",
            &Postgres,
            "EXISTS (SELECT 1 FROM user_scores AS c1 WHERE c1.user_id = users.id AND \
             (c1.score IS NOT NULL AND c1.score <> CAST($1 AS DOUBLE PRECISION)))",
            vec![SqlValue::Real(2.5)],
        ),
        (
            r#"emails.value ne "x""#,
            &Postgres,
            "(primary_email IS NOT NULL AND lower(primary_email) <> lower($1))",
            vec![text("x")],
        ),
        // Single-valued: not eq, unchanged.
        (
            r#"title ne "x""#,
            &Postgres,
            "NOT (title IS NOT NULL AND lower(title) = lower($1))",
            vec![text("x")],
        ),
        (
            r#"tags eq null"#,
            &Postgres,
            "NOT EXISTS (SELECT 1 FROM user_tags AS c1 WHERE c1.user_id = users.id AND \
             ((c1.tag IS NOT NULL AND c1.tag <> '')))",
            vec![],
        ),
    ];
    for (filter, dialect, sql, params) in cases {
        let (got_sql, got_params) = mapping
            .filter_sql(&rt, &parse_filter(filter).unwrap(), dialect)
            .unwrap();
        assert_eq!(got_sql, sql, "{filter}");
        assert_eq!(got_params, params, "{filter}");
    }
}

// ---------------------------------------------------------------------------------------------
// Push-down declaration

#[test]
fn push_down_declares_the_mapped_attributes() {
    let rt = users();
    let push_down = mapping().push_down();
    assert!(push_down.sort && push_down.paging);
    let filter = parse_filter(
        r#"userName sw "a" and nickName eq "b" and emails.type eq "work" and level gt 2 and emails[type eq "home"] and (title pr or displayName pr)"#,
    )
    .unwrap();
    let plan = push_down.plan(&rt, Some(&filter), true);
    assert_eq!(
        plan.store_filter.as_ref().unwrap().to_string(),
        r#"userName sw "a" and emails.type eq "work" and level gt 2"#
    );
    assert_eq!(
        plan.residual.as_ref().unwrap().to_string(),
        r#"nickName eq "b" and emails[type eq "home"] and (title pr or displayName pr)"#
    );
    assert!(plan.store_sorts);
    assert!(!plan.store_pages);
    // What is pushed down translates.
    assert!(mapping()
        .check(&rt, plan.store_filter.as_ref().unwrap())
        .is_ok());

    // Operators outside a column's kind stay in memory; `emails` itself maps through `value`.
    let other = parse_filter(r#"level co "1" or emails co "@x""#).unwrap();
    assert!(!push_down.supports_filter(&rt, &other));
    let other = parse_filter(r#"active eq true or emails co "@x" or EMAILS.VALUE ew "z""#).unwrap();
    assert!(push_down.supports_filter(&rt, &other));

    // Reject: everything goes to the store, which refuses what it cannot translate.
    let strict = mapping().unmapped(UnmappedPolicy::Reject);
    assert_eq!(strict.push_down().filter, FilterPushDown::Everything);
    let err = ScimError::from(strict.check(&rt, &filter).unwrap_err());
    assert_eq!(err.scim_type(), Some("invalidFilter"));
    assert!(err.to_string().contains("nickName"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Differential tests against PostgreSQL and SQLite

#[derive(Debug, Clone)]
struct Email {
    value: String,
    kind: Option<String>,
    primary: Option<bool>,
}

#[derive(Debug, Clone)]
struct User {
    id: String,
    name: String,
    title: Option<String>,
    external_id: Option<String>,
    active: Option<bool>,
    level: Option<i64>,
    employee_number: Option<String>,
    cost_center: Option<String>,
    /// Not in the database: only the engine can filter on it.
    nick: Option<String>,
    updated: DateTime<Utc>,
    emails: Vec<Email>,
}

/// Strings shared by data and filters: case variants, every pattern metacharacter, and what a
/// collation treats differently from the evaluator: accents (`"álice"`, `"é"`: equal to
/// `"alice"`, `"e"` in MySQL's `_ci` collations), trailing spaces (`"alice "`, `" "`: equal to
/// `"alice"`, `""` in `PAD SPACE` ones), and text whose code-point order is not a collation's
/// (`"é"` after `"z"`, `"_"` before `"a"`, `"a\t"` after `"a"`). Non-ASCII letters are lower
/// case only: SQLite's `lower` folds ASCII alone.
const WORDS: &[&str] = &[
    "alice", "Alice", "ALICE", "al", "bob", "b%b", "b_b", "bxb", "a!b", "a*b", "a?c", "[x]", "",
    "carol", "Car", "ic", "B", "%", "_", "!", "z", "álice", "alice ", " ", "é", "e", "a\t",
];
const EXTERNAL: &[&str] = &[
    "ext-A", "ext-a", "EXT-a", "x%1", "x_1", "x*1", "e", "A", "x", "ext-á", "ext-a ", "éxt",
];
const KINDS: &[&str] = &["work", "Work", "home", "", "work ", "wörk"];

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

/// A small deterministic generator, so the data set is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap()).unwrap()
    }
    fn small(&mut self, n: usize) -> i64 {
        i64::try_from(self.below(n)).unwrap()
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn maybe<T>(&mut self, value: T) -> Option<T> {
        (self.below(4) != 0).then_some(value)
    }
}

fn dataset() -> Vec<User> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..50)
        .map(|i| {
            let emails = (0..rng.below(4))
                .map(|_| Email {
                    value: format!("{}@{}", rng.pick(WORDS), rng.pick(&["x.org", "Y.com"])),
                    kind: {
                        let kind = rng.pick(KINDS).to_owned();
                        rng.maybe(kind)
                    },
                    primary: {
                        let flag = rng.below(2) == 0;
                        rng.maybe(flag)
                    },
                })
                .collect();
            User {
                id: format!("u{i:03}"),
                name: format!("{}{}", rng.pick(WORDS), rng.pick(&["", "1", "X"])),
                title: {
                    let title = rng.pick(WORDS).to_owned();
                    rng.maybe(title)
                },
                external_id: {
                    let ext = rng.pick(EXTERNAL).to_owned();
                    rng.maybe(ext)
                },
                active: {
                    let flag = rng.below(2) == 0;
                    rng.maybe(flag)
                },
                level: {
                    let level = rng.small(6) - 1;
                    rng.maybe(level)
                },
                employee_number: {
                    let number = rng.pick(WORDS).to_owned();
                    rng.maybe(number)
                },
                cost_center: {
                    let center = rng.pick(WORDS).to_owned();
                    rng.maybe(center)
                },
                nick: {
                    let nick = rng.pick(WORDS).to_owned();
                    rng.maybe(nick)
                },
                updated: base_time() + Duration::hours(rng.small(6)),
                emails,
            }
        })
        .collect()
}

fn resource(user: &User) -> Resource {
    let mut body = Map::new();
    let mut schemas = vec![json!(CORE)];
    body.insert("id".into(), json!(user.id));
    body.insert("userName".into(), json!(user.name));
    if let Some(title) = &user.title {
        body.insert("title".into(), json!(title));
    }
    if let Some(ext) = &user.external_id {
        body.insert("externalId".into(), json!(ext));
    }
    if let Some(active) = user.active {
        body.insert("active".into(), json!(active));
    }
    if let Some(nick) = &user.nick {
        body.insert("nickName".into(), json!(nick));
    }
    if let Some(level) = user.level {
        body.insert("level".into(), json!(level));
    }
    if !user.emails.is_empty() {
        let emails: Vec<Value> = user
            .emails
            .iter()
            .map(|e| {
                let mut email = Map::new();
                email.insert("value".into(), json!(e.value));
                if let Some(kind) = &e.kind {
                    email.insert("type".into(), json!(kind));
                }
                if let Some(primary) = e.primary {
                    email.insert("primary".into(), json!(primary));
                }
                Value::Object(email)
            })
            .collect();
        body.insert("emails".into(), Value::Array(emails));
    }
    let mut enterprise = Map::new();
    if let Some(number) = &user.employee_number {
        enterprise.insert("employeeNumber".into(), json!(number));
    }
    if let Some(center) = &user.cost_center {
        enterprise.insert("costCenter".into(), json!(center));
    }
    if !enterprise.is_empty() {
        schemas.push(json!(ENTERPRISE));
        body.insert(ENTERPRISE.into(), Value::Object(enterprise));
    }
    body.insert("schemas".into(), Value::Array(schemas));
    let mut resource = Resource::from_json(Value::Object(body)).unwrap();
    let mut meta = Meta::new("User", base_time());
    meta.last_modified = user.updated;
    resource.meta = Some(meta);
    resource
}

const SCHEMA_SQL: &[&str] = &[
    "CREATE TABLE users (id {id} PRIMARY KEY, user_name {text} NOT NULL, title {text}, \
     external_id {exact}, active BOOLEAN, level BIGINT, employee_number {text}, \
     updated_at {ts} NOT NULL, ext {json} NOT NULL)",
    "CREATE TABLE user_emails (user_id {id} NOT NULL REFERENCES users(id), email {text} NOT NULL, \
     kind {text}, is_primary BOOLEAN)",
];
const INSERT_USER: &str = "INSERT INTO users (id, user_name, title, external_id, active, level, \
     employee_number, updated_at, ext) VALUES ({p1}, {p2}, {p3}, {p4}, {p5}, {p6}, {p7}, {p8}, {p9})";
const INSERT_EMAIL: &str =
    "INSERT INTO user_emails (user_id, email, kind, is_primary) VALUES ({p1}, {p2}, {p3}, {p4})";

fn placeholders(sql: &str, dialect: &dyn Dialect) -> String {
    let mut out = sql.to_owned();
    for n in (1..=9).rev() {
        out = out.replace(&format!("{{p{n}}}"), &dialect.placeholder(n));
    }
    out
}

/// Binds translated parameters to a sqlx query of any database.
macro_rules! bind_all {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                SqlValue::Text(text) => query.bind(text.clone()),
                SqlValue::Integer(int) => query.bind(*int),
                SqlValue::Real(real) => query.bind(*real),
                SqlValue::Bool(flag) => query.bind(*flag),
                SqlValue::Timestamp(time) => query.bind(*time),
            };
        }
        query
    }};
}

/// Creates the tables and inserts the data set: the same statements for every database, with
/// its column types (`{id}`, `{text}`, `{exact}`, `{ts}`, `{json}`) and the text of the JSON
/// parameter.
macro_rules! load {
    ($conn:expr, $dialect:expr, $types:expr, $json_param:expr, $users:expr) => {{
        for statement in SCHEMA_SQL {
            let mut statement = (*statement).to_owned();
            for (name, spelling) in $types {
                statement = statement.replace(name, spelling);
            }
            $conn.execute(statement.as_str()).await.unwrap();
        }
        let insert_user = placeholders(&INSERT_USER.replace("{p9}", $json_param), $dialect);
        let insert_email = placeholders(INSERT_EMAIL, $dialect);
        for user in $users {
            sqlx::query(&insert_user)
                .bind(&user.id)
                .bind(&user.name)
                .bind(&user.title)
                .bind(&user.external_id)
                .bind(user.active)
                .bind(user.level)
                .bind(&user.employee_number)
                .bind(user.updated)
                .bind(
                    json!({ "costCenter": user.cost_center })
                        .to_string()
                        .replace(r#"{"costCenter":null}"#, "{}"),
                )
                .execute(&mut *$conn)
                .await
                .unwrap();
            for email in &user.emails {
                sqlx::query(&insert_email)
                    .bind(&user.id)
                    .bind(&email.value)
                    .bind(&email.kind)
                    .bind(email.primary)
                    .execute(&mut *$conn)
                    .await
                    .unwrap();
            }
        }
    }};
}

/// What a query returned on each database: its name, the ids in order, and the count.
type Outcomes = Vec<(&'static str, (Vec<String>, i64))>;

/// One of the databases every differential test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Database {
    Postgres,
    Sqlite,
    MariaDb,
    /// The MariaDB tables through the mapping with key columns.
    MariaDbKeyed,
}

const DATABASES: [Database; 4] = [
    Database::Postgres,
    Database::Sqlite,
    Database::MariaDb,
    Database::MariaDbKeyed,
];

impl Database {
    fn name(self) -> &'static str {
        match self {
            Database::Postgres => "PostgreSQL",
            Database::Sqlite => "SQLite",
            Database::MariaDb => "MariaDB",
            Database::MariaDbKeyed => "MariaDB (key columns)",
        }
    }

    fn dialect(self) -> &'static dyn Dialect {
        match self {
            Database::Postgres => &Postgres,
            Database::Sqlite => &Sqlite,
            Database::MariaDb | Database::MariaDbKeyed => &MySql,
        }
    }

    fn mapping(self) -> Mapping {
        match self {
            Database::Postgres | Database::Sqlite => mapping(),
            Database::MariaDb => mysql_mapping(),
            Database::MariaDbKeyed => mysql_keyed_mapping(),
        }
    }
}

/// Runs `$body` on the connection of `$db`, bound to `$conn`.
macro_rules! on {
    ($databases:expr, $db:expr, $conn:ident => $body:expr) => {
        match $db {
            Database::Postgres => {
                let mut guard = $databases.postgres.borrow_mut();
                let $conn = &mut *guard;
                $databases.runtime.block_on(async { $body })
            }
            Database::Sqlite => {
                let mut guard = $databases.sqlite.borrow_mut();
                let $conn = &mut *guard;
                $databases.runtime.block_on(async { $body })
            }
            Database::MariaDb | Database::MariaDbKeyed => {
                let mut guard = $databases.mysql.borrow_mut();
                let $conn = &mut *guard;
                $databases.runtime.block_on(async { $body })
            }
        }
    };
}

/// The data set in PostgreSQL (a schema of its own), SQLite (in memory) and MariaDB (a
/// database of its own); the schema and the database are dropped with it, also when a check
/// panicked.
struct Databases {
    runtime: tokio::runtime::Runtime,
    postgres: RefCell<PgConnection>,
    sqlite: RefCell<SqliteConnection>,
    mysql: RefCell<MySqlConnection>,
    /// The PostgreSQL schema and the MariaDB database of this run.
    name: String,
}

/// A name no other run uses: the process, a counter within it, the time.
fn unique_name() -> String {
    static RUNS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    format!(
        "scim_sql_{}_{}_{}",
        std::process::id(),
        RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

impl Databases {
    fn open(users: &[User]) -> Databases {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let postgres_url = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let mysql_url = std::env::var("MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned());
        let (postgres, sqlite, mysql) = runtime.block_on(async {
            let postgres = PgConnection::connect(&postgres_url)
                .await
                .unwrap_or_else(|err| {
                    panic!(
                    "PostgreSQL is not reachable at {postgres_url} ({err}). The SQL differential \
                     tests need one: start a server with trust authentication and a database \
                     `test`, e.g. `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust \
                     -e POSTGRES_DB=test postgres:16`, or `pg_ctl start` on a local cluster \
                     and `createdb -U postgres test`; or point DATABASE_URL at another server."
                )
                });
            let mysql = MySqlConnection::connect(&mysql_url)
                .await
                .unwrap_or_else(|err| {
                    panic!(
                        "MariaDB is not reachable at {mysql_url} ({err}). The SQL differential \
                     tests need one (or MySQL 8) where the user may create databases: e.g. \
                     `docker run -d -p 3306:3306 -e MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1 \
                     -e MARIADB_DATABASE=test mariadb:10.11`; or point MYSQL_URL at another \
                     server."
                    )
                });
            let sqlite = SqliteConnection::connect("sqlite::memory:").await.unwrap();
            (postgres, sqlite, mysql)
        });
        let databases = Databases {
            runtime,
            postgres: RefCell::new(postgres),
            sqlite: RefCell::new(sqlite),
            mysql: RefCell::new(mysql),
            name: unique_name(),
        };
        databases.load(users);
        databases
    }

    /// Creates the schema and the database of this run and loads `users` everywhere.
    fn load(&self, users: &[User]) {
        let name = &self.name;
        let mut postgres = self.postgres.borrow_mut();
        let mut sqlite = self.sqlite.borrow_mut();
        let mut mysql = self.mysql.borrow_mut();
        self.runtime.block_on(async {
            postgres
                .execute(format!("CREATE SCHEMA {name}").as_str())
                .await
                .unwrap();
            postgres
                .execute(format!("SET search_path TO {name}").as_str())
                .await
                .unwrap();
            // Text columns in a locale's collation (when the server has ICU), so ordering
            // comparisons must ask for code-point order themselves.
            let icu: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_collation WHERE collname = 'und-x-icu'",
            )
            .fetch_one(&mut *postgres)
            .await
            .unwrap();
            let text = if icu > 0 {
                "TEXT COLLATE \"und-x-icu\""
            } else {
                "TEXT"
            };
            let types = [
                ("{id}", "TEXT"),
                ("{text}", text),
                ("{exact}", text),
                ("{ts}", "TIMESTAMPTZ"),
                ("{json}", "JSONB"),
            ];
            load!(
                &mut *postgres,
                &Postgres,
                types,
                "CAST({p9} AS JSONB)",
                users
            );

            let types = [
                ("{id}", "TEXT"),
                ("{text}", "TEXT"),
                ("{exact}", "TEXT"),
                ("{ts}", "TEXT"),
                ("{json}", "TEXT"),
            ];
            load!(&mut *sqlite, &Sqlite, types, "{p9}", users);

            // The collations a host may well have: case- and accent-insensitive with trailing
            // spaces padded (MariaDB's default), and for the case-exact column the binary one,
            // which pads spaces too. The translation must not depend on either.
            mysql
                .execute(
                    format!(
                        "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
                    )
                    .as_str(),
                )
                .await
                .unwrap();
            mysql.execute(format!("USE {name}").as_str()).await.unwrap();
            let types = [
                ("{id}", "VARCHAR(64)"),
                ("{text}", "VARCHAR(255)"),
                ("{exact}", "VARCHAR(255) COLLATE utf8mb4_bin"),
                ("{ts}", "DATETIME(3)"),
                ("{json}", "JSON"),
            ];
            load!(&mut *mysql, &MySql, types, "{p9}", users);
            for statement in MYSQL_KEY_COLUMNS {
                mysql.execute(*statement).await.unwrap();
            }
        });
    }

    /// The first column of every row `sql` selects, in order.
    fn ids(&self, db: Database, sql: &str, params: &[SqlValue]) -> Result<Vec<String>, String> {
        on!(self, db, conn => bind_all!(sqlx::query(sql), params)
            .fetch_all(&mut *conn)
            .await
            .map(|rows| rows.iter().map(|row| row.get::<String, _>(0)).collect())
            .map_err(|e| format!("{sql} {params:?}: {e}")))
    }

    /// The number `sql` (a `count(*)`) answers.
    fn count(&self, db: Database, sql: &str, params: &[SqlValue]) -> Result<i64, String> {
        on!(self, db, conn => bind_all!(sqlx::query(sql), params)
            .fetch_one(&mut *conn)
            .await
            .map(|row| row.get::<i64, _>(0))
            .map_err(|e| format!("{sql} {params:?}: {e}")))
    }

    /// `query` translated for every database and run there: its name, the ids in order, and
    /// the count.
    fn run(&self, query: &ListQuery) -> Result<Outcomes, String> {
        let rt = users();
        DATABASES
            .iter()
            .map(|&db| {
                let sql = db
                    .mapping()
                    .translate(&rt, query, db.dialect())
                    .map_err(|e| format!("translation failed: {e}"))?;
                let ids = self.ids(db, &sql.select_sql(db.dialect()), &sql.params)?;
                let count = self.count(db, &sql.count_sql(), &sql.params)?;
                Ok((db.name(), (ids, count)))
            })
            .collect()
    }
}

/// Drops the test schema and database, also when a check panicked.
impl Drop for Databases {
    fn drop(&mut self) {
        let name = &self.name;
        let statement = format!("DROP SCHEMA IF EXISTS {name} CASCADE");
        let postgres = self.postgres.get_mut();
        if let Err(err) = self.runtime.block_on(postgres.execute(statement.as_str())) {
            eprintln!("could not drop the test schema {name}: {err}");
        }
        let statement = format!("DROP DATABASE IF EXISTS {name}");
        let mysql = self.mysql.get_mut();
        if let Err(err) = self.runtime.block_on(mysql.execute(statement.as_str())) {
            eprintln!("could not drop the test database {name}: {err}");
        }
    }
}

/// What the in-memory evaluator selects, in id order.
fn expected(resources: &[Resource], filter: Option<&Filter>) -> Option<Vec<Resource>> {
    let rt = users();
    let compiled = match filter {
        Some(filter) => Some(CompiledFilter::new(filter, &rt, Strictness::Lenient).ok()?),
        None => None,
    };
    Some(
        resources
            .iter()
            .filter(|r| compiled.as_ref().is_none_or(|c| c.matches(r)))
            .cloned()
            .collect(),
    )
}

fn ids(resources: &[Resource]) -> Vec<String> {
    resources.iter().map(|r| r.id.clone().unwrap()).collect()
}

// Filter generation: a small grammar over the mapped attributes.

fn path(text: &str) -> AttrPath {
    match scimkit_filter::parse_path(text).unwrap() {
        scimkit_filter::PatchPath::Attr(path) => path,
        scimkit_filter::PatchPath::Filtered { .. } => unreachable!(),
    }
}

fn compare(p: &str, op: CompareOp, value: CompValue) -> Filter {
    Filter::Attr {
        path: path(p),
        test: AttrTest::Compare(op, value),
    }
}

fn text_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(CompareOp::ALL.to_vec())
}

fn order_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ])
}

fn word() -> impl Strategy<Value = CompValue> {
    prop::sample::select(WORDS.to_vec()).prop_map(CompValue::from)
}

fn time_text() -> impl Strategy<Value = CompValue> {
    prop::sample::select(vec![
        "2024-01-01T00:00:00Z",
        "2024-01-01T03:00:00Z",
        "2024-01-01T05:00:00+02:00",
        "2024-01-01T02:00:00",
        "2024-01-01T04:30:00.5Z",
        "2023-12-31T23:59:59Z",
    ])
    .prop_map(CompValue::from)
}

/// A test inside `emails[…]`, on one element's sub-attributes.
fn element_leaf() -> impl Strategy<Value = Filter> {
    prop_oneof![
        (
            prop::sample::select(vec!["value", "type", "VALUE"]),
            text_op(),
            word()
        )
            .prop_map(|(p, op, v)| compare(p, op, v)),
        (text_op(), prop::sample::select(KINDS.to_vec())).prop_map(|(op, v)| compare(
            "type",
            op,
            v.into()
        )),
        (
            prop::sample::select(vec![CompareOp::Eq, CompareOp::Ne]),
            any::<bool>()
        )
            .prop_map(|(op, v)| compare("primary", op, v.into())),
        prop::sample::select(vec!["value", "type", "primary"])
            .prop_map(|p| Filter::present(path(p))),
        (
            prop::sample::select(vec!["type", "primary"]),
            prop::sample::select(vec![CompareOp::Eq, CompareOp::Ne])
        )
            .prop_map(|(p, op)| compare(p, op, CompValue::Null)),
    ]
}

fn element_filter() -> impl Strategy<Value = Filter> {
    element_leaf().prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|f| Filter::Not(Box::new(f))),
            prop::collection::vec(inner.clone(), 2..=2).prop_map(Filter::And),
            prop::collection::vec(inner, 2..=2).prop_map(Filter::Or),
        ]
    })
}

fn leaf() -> impl Strategy<Value = Filter> {
    let text_attrs = vec![
        "userName",
        "title",
        "emails.value",
        "emails.type",
        "emails",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "employeeNumber",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "costCenter",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
    ];
    prop_oneof![
        3 => (prop::sample::select(text_attrs), text_op(), word())
            .prop_map(|(p, op, v)| compare(p, op, v)),
        2 => (text_op(), prop::sample::select(EXTERNAL.to_vec()))
            .prop_map(|(op, v)| compare("externalId", op, v.into())),
        1 => (text_op(), prop::sample::select(KINDS.to_vec()))
            .prop_map(|(op, v)| compare("emails.type", op, v.into())),
        // `ne` on the child table: some e-mail's value is there and differs.
        1 => prop_oneof![
            prop::sample::select(KINDS.to_vec())
                .prop_map(|v| compare("emails.type", CompareOp::Ne, v.into())),
            (prop::sample::select(vec!["emails", "emails.value"]), word())
                .prop_map(|(p, v)| compare(p, CompareOp::Ne, v)),
            any::<bool>().prop_map(|v| compare("emails.primary", CompareOp::Ne, v.into())),
        ],
        1 => prop::sample::select(vec![
            "title", "userName", "externalId", "emails", "emails.type", "emails.primary",
            "active", "level", "meta.lastModified", "employeeNumber", "costCenter",
        ])
        .prop_map(|p| Filter::present(path(p))),
        1 => (
            prop::sample::select(vec!["title", "externalId", "emails.type", "emails", "active", "level"]),
            prop::sample::select(vec![CompareOp::Eq, CompareOp::Ne]),
        )
            .prop_map(|(p, op)| compare(p, op, CompValue::Null)),
        1 => (
            prop::sample::select(vec!["active", "emails.primary"]),
            prop::sample::select(vec![CompareOp::Eq, CompareOp::Ne]),
            any::<bool>(),
        )
            .prop_map(|(p, op, v)| compare(p, op, v.into())),
        1 => (order_op(), prop::sample::select(vec!["-1", "0", "2", "2.5", "4", "1e0"]))
            .prop_map(|(op, n)| compare("level", op, CompValue::Number(Number::parse(n).unwrap()))),
        1 => (order_op(), time_text()).prop_map(|(op, v)| compare("meta.lastModified", op, v)),
        2 => (
            element_filter(),
            prop::option::of((prop::sample::select(vec!["value", "type"]), text_op(), word())),
        )
            .prop_map(|(inner, sub)| Filter::ValuePath {
                path: path("emails"),
                filter: Box::new(inner),
                sub: sub.map(|(name, op, value)| SubAttrTest {
                    name: name.to_owned(),
                    test: AttrTest::Compare(op, value),
                }),
            }),
    ]
}

fn filter() -> impl Strategy<Value = Filter> {
    leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|f| Filter::Not(Box::new(f))),
            prop::collection::vec(inner.clone(), 2..=3).prop_map(Filter::And),
            prop::collection::vec(inner, 2..=3).prop_map(Filter::Or),
        ]
    })
}

#[test]
fn data_set_is_varied() {
    let users = dataset();
    assert_eq!(users.len(), 50);
    assert!(users.iter().any(|u| u.title.is_none()));
    assert!(users.iter().any(|u| u.cost_center.is_none()));
    assert!(users.iter().any(|u| u.title.as_deref() == Some("")));
    assert!(users.iter().any(|u| u.emails.len() > 1));
    assert!(users.iter().any(|u| u.emails.is_empty()));
    // `ne` on e-mails (some typed e-mail of another type) differs from `not eq` on them.
    let kinds = |u: &User| -> Vec<String> {
        u.emails
            .iter()
            .filter_map(|e| e.kind.as_deref().map(str::to_lowercase))
            .collect()
    };
    assert!(users.iter().any(|u| {
        let kinds = kinds(u);
        kinds.iter().any(|k| k == "work") && kinds.iter().any(|k| k != "work")
    }));
    assert!(users
        .iter()
        .any(|u| !u.emails.is_empty() && kinds(u).iter().all(|k| k == "work")));
    assert!(users
        .iter()
        .any(|u| !u.emails.is_empty() && kinds(u).is_empty()));
    assert!(users.iter().any(|u| u.name.chars().any(char::is_uppercase)));
    // What a collation would fold, pad or order differently is in the data.
    let texts: Vec<&str> = users
        .iter()
        .flat_map(|u| {
            [
                Some(u.name.as_str()),
                u.title.as_deref(),
                u.external_id.as_deref(),
                u.employee_number.as_deref(),
                u.cost_center.as_deref(),
            ]
        })
        .flatten()
        .collect();
    for needle in ["álice", "alice ", "a\t", "é", "_"] {
        assert!(texts.iter().any(|t| t.contains(needle)), "{needle:?}");
    }
    assert!(texts
        .iter()
        .any(|t| t.starts_with("alice") && !t.contains(' ')));
    assert!(texts.contains(&" "));
    let external: Vec<&str> = users
        .iter()
        .filter_map(|u| u.external_id.as_deref())
        .collect();
    for variant in ["ext-a", "ext-A", "ext-a ", "ext-á"] {
        assert!(external.contains(&variant), "{variant:?}");
    }
}

/// Random filters: PostgreSQL, SQLite and MariaDB select exactly what the evaluator matches.
#[test]
fn differential_filters_match_the_evaluator() {
    let users = dataset();
    let resources: Vec<Resource> = users.iter().map(resource).collect();
    let databases = Databases::open(&users);
    // 64 cases keep CI fast; PROPTEST_CASES=5000 for a deeper search.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64);
    let informative = std::cell::Cell::new(0_u32);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&filter(), |filter| {
        let Some(want) = expected(&resources, Some(&filter)) else {
            return Ok(()); // the evaluator refuses it (not generated on purpose)
        };
        let want: BTreeSet<String> = ids(&want).into_iter().collect();
        if !want.is_empty() && want.len() < resources.len() {
            informative.set(informative.get() + 1);
        }
        let query = ListQuery {
            filter: Some(filter.clone()),
            ..ListQuery::default()
        };
        let results = databases
            .run(&query)
            .map_err(|e| TestCaseError::fail(format!("{filter}: {e}")))?;
        for (name, (got, count)) in results {
            let got: BTreeSet<String> = got.into_iter().collect();
            prop_assert_eq!(&got, &want, "{} on {}", filter, name);
            prop_assert_eq!(
                count,
                i64::try_from(want.len()).unwrap(),
                "count of {} on {}",
                filter,
                name
            );
        }
        Ok(())
    });
    // A fixed set of edge cases on top of the random ones.
    let fixed = [
        r#"not (title eq "alice")"#,
        r#"title ne "alice""#,
        r#"title eq """#,
        r#"not (title pr)"#,
        r#"emails.type ne "work""#,
        r#"emails.type ne "Work""#,
        r#"emails.type ne """#,
        r#"not (emails.type ne "work")"#,
        r#"emails.type ne "work" and not (emails.type eq "work")"#,
        r#"emails.type ne "work" and emails.type eq "work""#,
        r#"emails[type ne "work"]"#,
        r#"emails ne "alice@x.org""#,
        r#"emails.value ne "bob@Y.com""#,
        r#"emails.primary ne true"#,
        r#"emails.primary ne false or emails.primary eq null"#,
        r#"not (emails[type eq "work" and value co "a"])"#,
        r#"emails[not (primary eq true)]"#,
        r#"userName co "%" or userName co "_" or userName co "!""#,
        r#"externalId co "*" or externalId sw "x_" or externalId ew "A""#,
        r#"userName gt "b" and userName le "car""#,
        r#"meta.lastModified ge "2024-01-01T05:00:00+02:00""#,
        r#"level gt 1.5 or level eq null"#,
        r#"emails eq null"#,
        // Accents, trailing spaces and case are not folded by a collation.
        r#"title eq "alice""#,
        r#"title eq "ALICE ""#,
        r#"userName eq "álice" or userName eq "e""#,
        r#"externalId eq "ext-a""#,
        r#"externalId eq "ext-a ""#,
        r#"externalId sw "ext-a" and not (externalId ew "a")"#,
        r#"title co "é" or costCenter co "á""#,
        r#"userName ew "e " or title ew " ""#,
        r#"title pr and employeeNumber pr"#,
        r#"emails.type eq "work""#,
        // Code-point order, not a collation's.
        r#"title gt "z" or externalId gt "x""#,
        r#"userName lt "a" and userName ge """#,
        r#"title lt "b" and title gt "_""#,
        r#"costCenter gt "a" and costCenter lt "a!""#,
    ];
    let mut fixed_failures = Vec::new();
    for text in fixed {
        let filter = parse_filter(text).unwrap();
        let want: BTreeSet<String> = ids(&expected(&resources, Some(&filter)).unwrap())
            .into_iter()
            .collect();
        let query = ListQuery {
            filter: Some(filter),
            ..ListQuery::default()
        };
        for (name, (got, _)) in databases.run(&query).unwrap() {
            let got: BTreeSet<String> = got.into_iter().collect();
            if got != want {
                fixed_failures.push(format!("{text} on {name}: got {got:?}, want {want:?}"));
            }
        }
    }
    drop(databases);
    result.unwrap();
    assert!(fixed_failures.is_empty(), "{fixed_failures:#?}");
    // Most random filters must split the data set, or the comparison proves little.
    assert!(
        informative.get() * 2 >= cases,
        "only {} of {cases} filters matched some but not all users",
        informative.get()
    );
}

/// Tests on an attribute without a column.
fn unmapped_leaf() -> impl Strategy<Value = Filter> {
    prop_oneof![
        (text_op(), word()).prop_map(|(op, v)| compare("nickName", op, v)),
        Just(Filter::present(path("nickName"))),
    ]
}

/// The engine's split: the store runs what `Mapping::push_down` declares (in SQL), the engine
/// evaluates the residual on the rows it returns; together they select what the evaluator
/// selects, and everything declared translates.
#[test]
fn differential_push_down_plan_matches_the_evaluator() {
    let users = dataset();
    let resources: Vec<Resource> = users.iter().map(resource).collect();
    let rt = users_rt();
    let push_down = mapping().push_down();
    let databases = Databases::open(&users);
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let mixed = prop_oneof![
        filter(),
        prop::collection::vec(prop_oneof![2 => filter(), 1 => unmapped_leaf()], 2..=4)
            .prop_map(Filter::And),
        (filter(), unmapped_leaf()).prop_map(|(a, b)| Filter::Or(vec![a, b])),
    ];
    let result = runner.run(&mixed, |filter| {
        let Some(want) = expected(&resources, Some(&filter)) else {
            return Ok(());
        };
        let want: BTreeSet<String> = ids(&want).into_iter().collect();
        let plan = push_down.plan(&rt, Some(&filter), false);
        let query = ListQuery {
            filter: plan.store_filter.clone(),
            ..ListQuery::default()
        };
        let results = databases
            .run(&query)
            .map_err(|e| TestCaseError::fail(format!("{filter} (store part): {e}")))?;
        for (name, (candidates, _)) in results {
            let candidates: Vec<Resource> = resources
                .iter()
                .filter(|r| candidates.contains(r.id.as_ref().unwrap()))
                .cloned()
                .collect();
            let got: BTreeSet<String> =
                ids(&expected(&candidates, plan.residual.as_ref()).unwrap())
                    .into_iter()
                    .collect();
            prop_assert_eq!(&got, &want, "{} on {} (plan {:?})", filter, name, plan);
        }
        Ok(())
    });
    drop(databases);
    result.unwrap();
}

/// Sorting and paging on every sortable column, both directions, with and without a filter:
/// the same ids in the same order as the engine's in-memory sort.
#[test]
fn differential_sort_and_paging_match_the_engine() {
    let users = dataset();
    let resources: Vec<Resource> = users.iter().map(resource).collect();
    let rt = users_rt();
    let databases = Databases::open(&users);
    let mut failures = Vec::new();
    let sort_by = [
        "userName",
        "title",
        "externalId",
        "active",
        "level",
        "meta.lastModified",
        "employeeNumber",
        "costCenter",
    ];
    let filters = [None, Some(r#"title pr or active eq true"#)];
    let pages = [(1, 100), (1, 7), (8, 7), (45, 10), (60, 5), (3, 0)];
    let mut checked = 0;
    for by in sort_by {
        for order in [SortOrder::Ascending, SortOrder::Descending] {
            for filter_text in filters {
                let filter = filter_text.map(|f| parse_filter(f).unwrap());
                let spec = SortSpec::new(&rt, path(by), order).unwrap();
                let mut sorted = expected(&resources, filter.as_ref()).unwrap();
                spec.sort(&rt, &mut sorted);
                for (start_index, count) in pages {
                    let want: Vec<String> = ids(&sorted)
                        .into_iter()
                        .skip(start_index - 1)
                        .take(count)
                        .collect();
                    let query = ListQuery {
                        filter: filter.clone(),
                        sort: Some(spec.clone()),
                        page: Some(Pagination::Index { start_index, count }),
                        ..ListQuery::default()
                    };
                    for (name, (got, total)) in databases.run(&query).unwrap() {
                        checked += 1;
                        if got != want || total != i64::try_from(sorted.len()).unwrap() {
                            failures.push(format!(
                                "sortBy={by} {order:?} filter={filter_text:?} \
                                 page=({start_index},{count}) on {name}: got {got:?} ({total}), \
                                 want {want:?} ({})",
                                sorted.len()
                            ));
                        }
                    }
                }
            }
        }
    }
    drop(databases);
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Cursor pages (RFC 9865) walked to the end through `Mapping::list_sql` on every sortable
/// column and without a sort, both directions, with and without a filter: the keyset ranges
/// return every match once, in the engine's order, and the count is the total.
#[test]
fn differential_cursor_pages_match_the_engine() {
    let users = dataset();
    let resources: Vec<Resource> = users.iter().map(resource).collect();
    let rt = users_rt();
    let databases = Databases::open(&users);
    let codec = CursorCodec::with_key([3; 32], std::time::Duration::from_secs(3600));
    let cursors = CursorIssuer {
        codec: &codec,
        tenant: "t",
    };
    let sort_by = [
        None,
        Some("userName"),
        Some("title"),
        Some("externalId"),
        Some("active"),
        Some("level"),
        Some("meta.lastModified"),
        Some("employeeNumber"),
        Some("costCenter"),
    ];
    let filters = [None, Some(r#"title pr or active eq true"#)];
    let mut failures = Vec::new();
    let mut checked = 0;
    for by in sort_by {
        for order in [SortOrder::Ascending, SortOrder::Descending] {
            if by.is_none() && order == SortOrder::Descending {
                continue;
            }
            for filter_text in filters {
                let filter = filter_text.map(|f| parse_filter(f).unwrap());
                let sort = by.map(|by| SortSpec::new(&rt, path(by), order).unwrap());
                let mut sorted = expected(&resources, filter.as_ref()).unwrap();
                if let Some(spec) = &sort {
                    spec.sort(&rt, &mut sorted);
                }
                let want = ids(&sorted);
                for db in DATABASES {
                    checked += 1;
                    let query = ListQuery {
                        filter: filter.clone(),
                        sort: sort.clone(),
                        ..ListQuery::default()
                    };
                    let walked = walk_cursor_pages(&databases, db, &resources, query, cursors);
                    match walked {
                        Ok((got, total)) if got == want && total == want.len() => {}
                        Ok((got, total)) => failures.push(format!(
                            "sortBy={by:?} {order:?} filter={filter_text:?} on {}: got {got:?} \
                             ({total}), want {want:?} ({})",
                            db.name(),
                            want.len()
                        )),
                        Err(err) => failures.push(format!(
                            "sortBy={by:?} {order:?} filter={filter_text:?} on {}: {err}",
                            db.name()
                        )),
                    }
                }
            }
        }
    }
    drop(databases);
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Pages of 7 through `query` on `db`, each after the cursor of the one before, until there is
/// no next cursor: the ids in page order, and the total of the last page.
fn walk_cursor_pages(
    databases: &Databases,
    db: Database,
    resources: &[Resource],
    mut query: ListQuery,
    cursors: CursorIssuer<'_>,
) -> Result<(Vec<String>, usize), String> {
    let rt = users_rt();
    let mut cursor = None;
    let mut got = Vec::new();
    for _ in 0..=resources.len() {
        query.page = Some(Pagination::Cursor {
            cursor: cursor.take(),
            count: 7,
        });
        let sql = db
            .mapping()
            .list_sql(&rt, &query, db.dialect(), "users.id", &[], cursors)
            .map_err(|e| format!("translation failed: {e}"))?;
        let rows = databases.ids(db, &sql.select, &sql.params)?;
        let total = match &sql.count {
            Some(count) => usize::try_from(databases.count(db, count, &sql.count_params)?).unwrap(),
            None => rows.len(),
        };
        let page: Vec<Resource> = rows
            .iter()
            .map(|id| {
                resources
                    .iter()
                    .find(|r| r.id.as_deref() == Some(id.as_str()))
                    .cloned()
                    .ok_or_else(|| format!("unknown id {id}"))
            })
            .collect::<Result<_, _>>()?;
        let page = sql
            .page(&rt, &query, cursors, page, total)
            .map_err(|e| format!("page: {e}"))?;
        got.extend(ids(&page.resources));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok((got, page.total_results)),
        }
    }
    Err(format!(
        "no last page after {} pages: {got:?}",
        resources.len() + 1
    ))
}

fn users_rt() -> ResourceType {
    users()
}
