//! The `list` pipeline after the snapshots are taken (outside the lock): filter, sort, count,
//! page. Candidates arrive in creation order, so with no sort the order is stable.

use std::sync::Arc;

use scimkit_filter::{AttrPath, Filter};

use crate::evaluate::CompiledFilter;
use crate::memory::members::{has_groups, has_members};
use crate::memory::tenant::Snapshot;
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::store::{CursorCodec, CursorScope, ListQuery, Page, Pagination, StoreError};

/// Whether a list of `rt` must read members: the response shows them, or the filter or sort
/// looks at them.
pub(super) fn needs_members(rt: &ResourceType, query: &ListQuery) -> bool {
    has_members(rt)
        && (query.projection.requests(rt, &AttrPath::new("members"))
            || selects_by(query, "members"))
}

/// Whether a list of `rt` must derive every user's `groups` before paging: the filter or the
/// sort looks at them. Otherwise they are derived for the returned page only.
pub(super) fn needs_groups(rt: &ResourceType, query: &ListQuery) -> bool {
    has_groups(rt) && selects_by(query, "groups")
}

/// Whether the query's filter or sort names the attribute `name`.
fn selects_by(query: &ListQuery, name: &str) -> bool {
    query.filter.as_ref().is_some_and(|f| mentions(f, name))
        || query
            .sort
            .as_ref()
            .is_some_and(|s| s.by.name.eq_ignore_ascii_case(name))
}

/// Whether any path in `filter` names `name`. Iterative, so any depth is safe.
fn mentions(filter: &Filter, name: &str) -> bool {
    let mut stack = vec![filter];
    while let Some(node) = stack.pop() {
        match node {
            Filter::Attr { path, .. } | Filter::ValuePath { path, .. } => {
                if path.name.eq_ignore_ascii_case(name) {
                    return true;
                }
            }
            Filter::Not(inner) => stack.push(inner),
            Filter::And(operands) | Filter::Or(operands) => stack.extend(operands),
        }
    }
    false
}

/// Filters, sorts and pages `snapshots` (in creation order) as `query` asks.
pub(super) fn finish(
    rt: &ResourceType,
    scope: &CursorScope<'_>,
    cursors: Option<&CursorCodec>,
    snapshots: Vec<Snapshot>,
    filter: Option<&CompiledFilter>,
    query: &ListQuery,
) -> Result<Page, StoreError> {
    let mut matches: Vec<Arc<Resource>> = snapshots
        .into_iter()
        .map(Snapshot::into_arc)
        .filter(|r| filter.is_none_or(|f| f.matches(r)))
        .collect();
    if let Some(Pagination::Cursor { cursor, count }) = &query.page {
        // Keyset paging by (sort key, id): stable while resources come and go between pages.
        let codec = cursors.ok_or_else(|| {
            StoreError::Unavailable(
                "cursor pagination is unavailable: no randomness for its key".to_owned(),
            )
        })?;
        let page = codec
            .page(
                rt,
                scope,
                matches.into_iter().map(Arc::unwrap_or_clone).collect(),
                cursor.as_deref().filter(|c| !c.is_empty()),
                *count,
            )
            .map_err(StoreError::Rejected)?;
        return Ok(Page {
            resources: page.resources,
            total_results: page.total,
            next_cursor: page.next_cursor,
        });
    }
    if let Some(spec) = &query.sort {
        let mut keyed: Vec<_> = matches.into_iter().map(|r| (spec.key(rt, &r), r)).collect();
        keyed.sort_by(|a, b| spec.compare(&a.0, &b.0));
        matches = keyed.into_iter().map(|(_, r)| r).collect();
    }
    let total = matches.len();
    let (start, count) = match &query.page {
        None | Some(Pagination::Cursor { .. }) => (0, total),
        Some(Pagination::Index { start_index, count }) => (start_index.saturating_sub(1), *count),
    };
    let resources: Vec<Resource> = matches
        .into_iter()
        .skip(start)
        .take(count)
        .map(Arc::unwrap_or_clone)
        .collect();
    Ok(Page {
        resources,
        total_results: total,
        next_cursor: None,
    })
}
