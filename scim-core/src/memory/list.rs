//! The `list` pipeline after the snapshots are taken (outside the lock): filter, sort, count,
//! page. Candidates arrive in creation order, so with no sort the order is stable.
//!
//! Filtering and sorting look at a partial unpack of each resource (the attributes the filter
//! and sort name, the extension objects only when a path may lead into one, and
//! `members`/`groups` when taken); only the returned page is unpacked whole.

use scimkit_filter::{AttrPath, Filter};

use crate::evaluate::CompiledFilter;
use crate::memory::members::{has_groups, has_members};
use crate::memory::tenant::Snapshot;
use crate::schema::{Namespace, ResolvedAttr, ResourceType, Target};
use crate::sort::SortKey;
use crate::store::{CursorCodec, CursorScope, ListQuery, Page, Pagination, StoreError};

/// The first position (0-based) and size of the page `query` asks for when it has no filter
/// and no sort and pages by index: a page read in creation order, touching only its own
/// resources.
pub(super) fn plain_page(query: &ListQuery) -> Option<(usize, usize)> {
    index_window(query).filter(|_| query.filter.is_none() && query.sort.is_none())
}

/// The first position (0-based) and size of the page `query` asks for when it pages by index.
fn index_window(query: &ListQuery) -> Option<(usize, usize)> {
    match &query.page {
        Some(Pagination::Index { start_index, count }) => {
            Some((start_index.saturating_sub(1), *count))
        }
        None | Some(Pagination::Cursor { .. }) => None,
    }
}

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

/// Whether any path in `filter` names `name`.
fn mentions(filter: &Filter, name: &str) -> bool {
    let mut found = false;
    each_path(filter, |path| found |= path.name.eq_ignore_ascii_case(name));
    found
}

/// Calls `visit` with every attribute path in `filter`. Iterative, so any depth is safe; a
/// filter of one comparison (what identity providers send) allocates nothing.
fn each_path<'f>(filter: &'f Filter, mut visit: impl FnMut(&'f AttrPath)) {
    let mut pending: Vec<&Filter> = Vec::new();
    let mut next = Some(filter);
    while let Some(node) = next.take().or_else(|| pending.pop()) {
        match node {
            Filter::Attr { path, .. } | Filter::ValuePath { path, .. } => visit(path),
            Filter::Not(inner) => next = Some(inner),
            Filter::And(operands) | Filter::Or(operands) => {
                let mut operands = operands.iter();
                next = operands.next();
                pending.extend(operands);
            }
        }
    }
}

/// The attributes a filter or sort can look at: those it names (any letter case), and the
/// extension objects when a path may lead into one (it names an extension attribute, or an
/// attribute `rt` does not define, which a lenient filter looks for everywhere).
struct Wanted<'q> {
    names: Vec<&'q str>,
    extensions: bool,
}

impl<'q> Wanted<'q> {
    fn of(rt: &ResourceType, query: &'q ListQuery) -> Wanted<'q> {
        let mut wanted = Wanted {
            names: Vec::new(),
            extensions: false,
        };
        let mut add = |path: &'q AttrPath| {
            wanted.names.push(path.name.as_str());
            wanted.extensions |= !matches!(
                rt.resolve(path),
                Some(Target::Attribute(ResolvedAttr {
                    namespace: Namespace::Common | Namespace::Core,
                    ..
                }))
            );
        };
        if let Some(filter) = &query.filter {
            each_path(filter, &mut add);
        }
        if let Some(spec) = &query.sort {
            add(&spec.by);
        }
        wanted
    }

    fn keeps(&self, key: &str) -> bool {
        (self.extensions
            && key
                .get(..4)
                .is_some_and(|head| head.eq_ignore_ascii_case("urn:")))
            || self.names.iter().any(|name| name.eq_ignore_ascii_case(key))
    }
}

/// What [`finish`] leaves: a cursor page (made whole by the cursor codec), or the snapshots of
/// an index page and the number of matches.
pub(super) enum Finished {
    Page(Page),
    Snapshots(Vec<Snapshot>, usize),
}

/// Filters, sorts and pages `snapshots` (in creation order) as `query` asks.
pub(super) fn finish(
    rt: &ResourceType,
    scope: &CursorScope<'_>,
    cursors: Option<&CursorCodec>,
    snapshots: Vec<Snapshot>,
    filter: Option<&CompiledFilter>,
    query: &ListQuery,
) -> Result<Finished, StoreError> {
    let wanted = Wanted::of(rt, query);
    let sorting = query
        .sort
        .as_ref()
        .filter(|_| !matches!(query.page, Some(Pagination::Cursor { .. })));
    // The matches, with their sort keys when sorting here.
    let mut matches: Vec<(Option<SortKey>, Snapshot)> = Vec::with_capacity(snapshots.len());
    for snapshot in snapshots {
        if filter.is_none() && sorting.is_none() {
            matches.push((None, snapshot));
            continue;
        }
        let view = snapshot.view(|key| wanted.keeps(key))?;
        if filter.is_none_or(|f| f.matches(&view)) {
            matches.push((sorting.map(|spec| spec.key(rt, &view)), snapshot));
        }
    }
    if let Some(Pagination::Cursor { cursor, count }) = &query.page {
        // Keyset paging by (sort key, id): stable while resources come and go between pages.
        let codec = cursors.ok_or_else(|| {
            StoreError::Unavailable(
                "cursor pagination is unavailable: no randomness for its key".to_owned(),
            )
        })?;
        let resources = matches
            .into_iter()
            .map(|(_, snapshot)| snapshot.into_resource())
            .collect::<Result<_, _>>()?;
        let page = codec
            .page(
                rt,
                scope,
                resources,
                cursor.as_deref().filter(|c| !c.is_empty()),
                *count,
            )
            .map_err(StoreError::Rejected)?;
        return Ok(Finished::Page(Page {
            resources: page.resources,
            total_results: page.total,
            next_cursor: page.next_cursor,
        }));
    }
    if let Some(spec) = sorting {
        matches.sort_by(|a, b| match (&a.0, &b.0) {
            (Some(a), Some(b)) => spec.compare(a, b),
            _ => std::cmp::Ordering::Equal,
        });
    }
    let total = matches.len();
    let (start, count) = index_window(query).unwrap_or((0, total));
    let page = matches
        .into_iter()
        .skip(start)
        .take(count)
        .map(|(_, snapshot)| snapshot)
        .collect();
    Ok(Finished::Snapshots(page, total))
}
