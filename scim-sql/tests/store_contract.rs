//! The store test kit's contract checks and its concurrent stress run, on the demo tables in
//! PostgreSQL, MariaDB/MySQL and SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::BACKENDS;
use scimkit_core::testkit::check_store;
use scimkit_sql::testkit::demo;

#[tokio::test]
async fn the_store_keeps_the_contract_on_every_database() {
    for backend in BACKENDS {
        let (test, store) = demo::fresh(backend, "contract").await.unwrap();
        let report = check_store(&store)
            .await
            .unwrap_or_else(|failure| panic!("{backend}: {failure}"));
        assert!(report.passed.contains(&"uniqueness"), "{backend}");
        test.remove().await.unwrap();
    }
}

/// A table may map an attribute of the host's own (a core `role`) that an engine serving the
/// plain User type does not have: that engine builds, and the store declares it keeps only
/// what the served type has; an engine serving the extended type keeps `role` too.
#[tokio::test]
async fn columns_for_attributes_the_served_type_lacks_are_not_declared() {
    use scimkit_core::schema::{Attribute, ResourceType};
    use scimkit_core::sql::Column;
    use scimkit_core::ResourceStore;
    use scimkit_sql::store::SqlStore;

    let (test, _) = demo::fresh(scimkit_sql::Backend::Sqlite, "served")
        .await
        .unwrap();
    test.db
        .execute("ALTER TABLE accounts ADD COLUMN role TEXT", &[])
        .await
        .unwrap();
    let with_role = ResourceType::user().with_core_attribute(Attribute::string("role"));
    let (users, groups) = demo::tables(scimkit_sql::Backend::Sqlite);
    let store = SqlStore::builder(test.db.clone())
        .resource(
            with_role.clone(),
            users.column("role", Column::text("role")),
        )
        .resource(ResourceType::group(), groups)
        .build()
        .unwrap();
    let plain = store.keeps(&ResourceType::user());
    let plain = plain.names().unwrap_or_default();
    assert!(!plain.iter().any(|name| name == "role"), "{plain:?}");
    assert!(plain.iter().any(|name| name == "userName"), "{plain:?}");
    let extended = store.keeps(&with_role);
    assert!(
        extended
            .names()
            .unwrap_or_default()
            .iter()
            .any(|name| name == "role"),
        "{extended:?}"
    );
    for rt in [ResourceType::user(), with_role] {
        let built = scimkit_core::Scim::builder()
            .store(store.clone())
            .resource_type(rt)
            .resource_type(ResourceType::group())
            .authenticator(scimkit_core::auth::BearerTokens::new())
            .build();
        assert!(built.is_ok(), "{:?}", built.err());
    }
    test.remove().await.unwrap();
}
