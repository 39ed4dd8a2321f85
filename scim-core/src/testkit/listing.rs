//! Check of `list`: filters, sorting, totals and paging, as far as the store declares them in
//! its push-down; the rest is done here the way the engine does it.

use std::collections::HashSet;

use scimkit_filter::{parse_filter, Filter};
use serde_json::{json, Value};

use crate::evaluate::{CompiledFilter, Strictness};
use crate::projection::Projection;
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::sort::SortSpec;
use crate::store::{ListQuery, Pagination, ResourceStore, StoreError};
use crate::testkit::{fail, fresh_tenant, id_of, resource, unexpected, user, Failure};

pub(super) const CHECK: &str = "list";

const NAMES: [&str; 5] = ["carol", "Alice", "erin", "bob", "dave"];

/// One list request as the engine makes it: the store gets what it declared, the rest is done
/// here. Returns the page and the total.
async fn engine_list(
    store: &dyn ResourceStore,
    ctx: &crate::context::Context,
    rt: &ResourceType,
    filter: Option<&Filter>,
    sort: Option<&SortSpec>,
    page: Option<Pagination>,
) -> Result<(Vec<Resource>, usize), Failure> {
    let plan = store.push_down(rt).plan(rt, filter, sort.is_some());
    let query = ListQuery {
        filter: plan.store_filter.clone(),
        sort: sort.filter(|_| plan.store_sorts).cloned(),
        page: page.clone().filter(|_| plan.store_pages),
        projection: Projection::all(),
        compiled: None,
    };
    let got = store
        .list(ctx, rt, &query)
        .await
        .map_err(|e| unexpected(CHECK, &format!("list {query:?}"), &e))?;
    if query.page.is_some() {
        return Ok((got.resources, got.total_results));
    }
    if got.total_results != got.resources.len() {
        return Err(fail(
            CHECK,
            format!(
                "list without a page returned {} resources but total_results {}",
                got.resources.len(),
                got.total_results
            ),
        ));
    }
    let mut resources = got.resources;
    // What the store was not given: every filter when it pushes nothing down.
    let residual = if plan.store_filter.is_none() {
        filter.cloned()
    } else {
        plan.residual.clone()
    };
    if let Some(residual) = residual {
        let compiled = CompiledFilter::new(&residual, rt, Strictness::Lenient)
            .map_err(|e| fail(CHECK, format!("test filter: {e}")))?;
        resources.retain(|r| compiled.matches(r));
    }
    if let Some(sort) = sort.filter(|_| !plan.store_sorts) {
        sort.sort(rt, &mut resources);
    }
    let total = resources.len();
    let resources = match page {
        Some(Pagination::Index { start_index, count }) => resources
            .into_iter()
            .skip(start_index.saturating_sub(1))
            .take(count)
            .collect(),
        _ => resources,
    };
    Ok((resources, total))
}

fn names(resources: &[Resource]) -> Vec<String> {
    resources
        .iter()
        .map(|r| {
            r.get("userName")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

fn filter(text: &str) -> Result<Filter, Failure> {
    parse_filter(text).map_err(|e| fail(CHECK, format!("test filter {text}: {e}")))
}

/// Filters (indexed-looking and not), totals, sorting, index paging and, when the store pages,
/// cursor paging (every resource exactly once; a malformed cursor is `invalidCursor`). With
/// nothing pushed down, `list` must return every resource of the tenant and type.
///
/// Filters on `emails` (when the store keeps them) follow RFC 7644 §3.4.2.2: a comparison on a
/// multi-valued attribute matches when some value there matches, `ne` included, so
/// `emails.type ne "work"` selects a user with work and home e-mails and neither one with only
/// a work e-mail nor one without e-mails; `not (emails.type eq "work")` is its own filter.
pub async fn check_list(store: &dyn ResourceStore) -> Result<(), Failure> {
    let ctx = fresh_tenant("list");
    let users = ResourceType::user();
    let mut ids = HashSet::new();
    for name in NAMES {
        let created = store
            .create(&ctx, &users, user(CHECK, name)?)
            .await
            .map_err(|e| unexpected(CHECK, "create", &e))?;
        ids.insert(id_of(CHECK, &created)?);
    }

    let (all, total) = engine_list(store, &ctx, &users, None, None, None).await?;
    let listed: HashSet<String> = all.iter().filter_map(|r| r.id.clone()).collect();
    if total != NAMES.len() || listed != ids {
        return Err(fail(
            CHECK,
            format!(
                "list of a tenant with {} users gave total {total} and ids {listed:?}, expected {ids:?}",
                NAMES.len()
            ),
        ));
    }

    for (text, expected) in [
        (r#"userName eq "CAROL""#, vec!["carol"]),
        (r#"userName eq "nobody""#, vec![]),
        (
            r#"userName sw "a" or userName sw "b""#,
            vec!["Alice", "bob"],
        ),
        (
            r#"userName eq "dave" and displayName co "Test""#,
            vec!["dave"],
        ),
        (
            r#"not (userName eq "dave")"#,
            vec!["Alice", "bob", "carol", "erin"],
        ),
    ] {
        let (found, total) =
            engine_list(store, &ctx, &users, Some(&filter(text)?), None, None).await?;
        let mut got = names(&found);
        got.sort_by_key(|n| n.to_lowercase());
        if got != expected || total != expected.len() {
            return Err(fail(
                CHECK,
                format!("filter {text} gave {got:?} (total {total}), expected {expected:?}"),
            ));
        }
    }

    let descending = SortSpec::from_query(&users, "userName", Some("descending"))
        .map_err(|e| fail(CHECK, format!("test sort: {e}")))?;
    let (sorted, _) = engine_list(store, &ctx, &users, None, Some(&descending), None).await?;
    let expected = ["erin", "dave", "carol", "bob", "Alice"];
    if names(&sorted) != expected {
        return Err(fail(
            CHECK,
            format!("sort by userName descending gave {:?}", names(&sorted)),
        ));
    }
    let page = Pagination::Index {
        start_index: 2,
        count: 2,
    };
    let (paged, total) =
        engine_list(store, &ctx, &users, None, Some(&descending), Some(page)).await?;
    if names(&paged) != ["dave", "carol"] || total != NAMES.len() {
        return Err(fail(
            CHECK,
            format!(
                "startIndex 2, count 2 gave {:?} with total {total}, expected [dave, carol] with total 5",
                names(&paged)
            ),
        ));
    }
    let empty = Pagination::Index {
        start_index: 1,
        count: 0,
    };
    let (none, total) = engine_list(store, &ctx, &users, None, None, Some(empty)).await?;
    if !none.is_empty() || total != NAMES.len() {
        return Err(fail(
            CHECK,
            format!("count 0 gave {} resources and total {total}", none.len()),
        ));
    }

    if store.push_down(&users).paging {
        check_cursors(store, &ctx, &users, &ids, &descending).await?;
    }
    check_multi_valued(store, &users).await
}

/// Users with e-mails of several types, of one type, without type, and without e-mails.
const MULTI_VALUED_USERS: [(&str, &str); 4] = [
    (
        "mv-both",
        r#"[{"value": "both@work.example", "type": "work"},
            {"value": "both@home.example", "type": "home"}]"#,
    ),
    (
        "mv-work",
        r#"[{"value": "work@work.example", "type": "work"}]"#,
    ),
    ("mv-untyped", r#"[{"value": "untyped@x.example"}]"#),
    ("mv-none", "null"),
];

/// Filters on `emails` and the users they select, on `value` and, when the store keeps it, on
/// `type`: every comparison on a multi-valued attribute matches when some value there does.
async fn check_multi_valued(
    store: &dyn ResourceStore,
    users: &ResourceType,
) -> Result<(), Failure> {
    let sample = resource(
        CHECK,
        "User",
        json!({"userName": "sample", "emails": [{"value": "a@b.example", "type": "work"}]}),
    )?;
    // What the engine would drop before the store sees it; a declaration the engine would
    // refuse leaves nothing to check here.
    let Ok(dropped) = store.keeps(users).dropped_from(users, &sample) else {
        return Ok(());
    };
    let kept = |path: &str| !dropped.iter().any(|d| d.eq_ignore_ascii_case(path));
    if !kept("emails") || !kept("emails.value") {
        return Ok(());
    }
    let with_type = kept("emails.type");
    let ctx = fresh_tenant("list-multi");
    for (name, emails) in MULTI_VALUED_USERS {
        let mut emails: Value = serde_json::from_str(emails)
            .map_err(|e| fail(CHECK, format!("test e-mails of {name}: {e}")))?;
        if !with_type {
            if let Some(items) = emails.as_array_mut() {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    item.remove("type");
                }
            }
        }
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
        });
        if let (Some(object), false) = (body.as_object_mut(), emails.is_null()) {
            object.insert("emails".to_owned(), emails);
        }
        store
            .create(&ctx, users, resource(CHECK, "User", body)?)
            .await
            .map_err(|e| unexpected(CHECK, "create", &e))?;
    }
    let mut cases: Vec<(&str, Vec<&str>)> = vec![
        (
            r#"emails.value ne "work@WORK.example""#,
            vec!["mv-both", "mv-untyped"],
        ),
        (
            r#"emails ne "untyped@x.example""#,
            vec!["mv-both", "mv-work"],
        ),
        (
            r#"not (emails.value eq "work@work.example")"#,
            vec!["mv-both", "mv-none", "mv-untyped"],
        ),
        (r#"emails.value eq "both@home.example""#, vec!["mv-both"]),
    ];
    if with_type {
        cases.extend([
            (r#"emails.type ne "work""#, vec!["mv-both"]),
            (r#"emails.type ne "WORK""#, vec!["mv-both"]),
            (
                r#"not (emails.type eq "work")"#,
                vec!["mv-none", "mv-untyped"],
            ),
            (r#"emails.type ne "home""#, vec!["mv-both", "mv-work"]),
            ("emails.type ne null", vec!["mv-both", "mv-work"]),
            (r#"emails[type ne "work"]"#, vec!["mv-both", "mv-untyped"]),
        ]);
    }
    for (text, expected) in cases {
        let (found, total) =
            engine_list(store, &ctx, users, Some(&filter(text)?), None, None).await?;
        let mut got = names(&found);
        got.sort();
        if got != expected || total != expected.len() {
            return Err(fail(
                CHECK,
                format!(
                    "filter {text} gave {got:?} (total {total}), expected {expected:?}: a \
                     comparison on a multi-valued attribute matches when some value there \
                     matches, ne included (RFC 7644 §3.4.2.2)"
                ),
            ));
        }
    }
    Ok(())
}

/// Walks cursor pages of two: every user exactly once, in order; bad cursors refused.
async fn check_cursors(
    store: &dyn ResourceStore,
    ctx: &crate::context::Context,
    users: &ResourceType,
    ids: &HashSet<String>,
    sort: &SortSpec,
) -> Result<(), Failure> {
    let mut seen = Vec::new();
    let mut cursor = None;
    for _ in 0..=NAMES.len() {
        let query = ListQuery {
            sort: Some(sort.clone()),
            page: Some(Pagination::Cursor {
                cursor: cursor.take(),
                count: 2,
            }),
            ..ListQuery::default()
        };
        let page = store
            .list(ctx, users, &query)
            .await
            .map_err(|e| unexpected(CHECK, "list with a cursor", &e))?;
        if page.total_results != NAMES.len() {
            return Err(fail(
                CHECK,
                format!("a cursor page gave total {}", page.total_results),
            ));
        }
        seen.extend(page.resources.iter().filter_map(|r| r.id.clone()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    if seen.len() != ids.len() || &unique != ids {
        return Err(fail(
            CHECK,
            format!(
                "cursor pages gave {} resources ({seen:?}), expected each of {ids:?} once",
                seen.len()
            ),
        ));
    }
    let query = ListQuery {
        page: Some(Pagination::Cursor {
            cursor: Some("not a cursor!".to_owned()),
            count: 2,
        }),
        ..ListQuery::default()
    };
    match store.list(ctx, users, &query).await {
        Err(StoreError::Rejected(err)) if err.scim_type() == Some("invalidCursor") => Ok(()),
        other => Err(fail(
            CHECK,
            format!("a malformed cursor gave {other:?}, expected Rejected(InvalidCursor)"),
        )),
    }
}
