//! [`ListQuery`] and [`Page`]: what the engine asks of a store's `list`, and what it gets back.

use std::borrow::Cow;

use scimkit_filter::Filter;

use crate::error::ScimError;
use crate::evaluate::{CompiledFilter, Strictness};
use crate::projection::Projection;
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::sort::SortSpec;

/// Which page of results to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pagination {
    /// Index pagination (RFC 7644 §3.4.2.4): skip `start_index - 1` matches, return at most
    /// `count`. `start_index` is at least 1; `count` 0 asks only for the total.
    Index {
        /// 1-based index of the first result.
        start_index: usize,
        /// Maximum number of resources to return.
        count: usize,
    },
    /// Cursor pagination (RFC 9865): continue after `cursor` (`None` for the first page),
    /// return at most `count`, and give the next cursor in [`Page::next_cursor`].
    Cursor {
        /// The cursor a previous page returned.
        cursor: Option<String>,
        /// Maximum number of resources to return.
        count: usize,
    },
}

/// A `list` request as the engine hands it to a store.
///
/// The engine has already checked everything here against the resource type (the filter
/// compiles, the sort attribute exists), and only passes what the store declared it can do in
/// its [`crate::store::PushDown`]:
/// - `filter`: resources must match it exactly (RFC 7644 semantics, as
///   [`crate::evaluate::CompiledFilter`] implements them); `None` means every resource of the
///   type. When the request's filter is only partly supported, this holds the supported
///   conjuncts and the engine filters the rest in memory on what the store returns.
/// - `sort`: the order to return resources in; `None` means any stable order (e.g. by id).
/// - `page`: which page; `None` means **every** matching resource, with `total_results` equal
///   to their number: the engine pages itself because it filters or sorts after the store.
/// - `projection`: what the response will show; a store may leave out attributes it does not
///   request (a Group's `members` under `excludedAttributes=members`), never more.
/// - `compiled`: `filter` as the engine already compiled it for the resource type, so a store
///   that evaluates filters in memory need not compile it again ([`ListQuery::compiled_filter`]
///   gives it, compiling only when a caller other than the engine left it out). A store that
///   translates filters (to SQL) reads `filter`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListQuery {
    /// The filter the store must apply.
    pub filter: Option<Filter>,
    /// The order to return resources in.
    pub sort: Option<SortSpec>,
    /// The page to return; `None` for every match.
    pub page: Option<Pagination>,
    /// The attributes the response shows.
    pub projection: Projection,
    /// `filter`, compiled by the engine (`None` when there is no filter, or when whoever built
    /// the query did not compile it).
    pub compiled: Option<CompiledFilter>,
}

impl ListQuery {
    /// The compiled filter: the engine's when it gave one, else `filter` compiled here
    /// ([`Strictness::Lenient`]: an attribute the type does not define matches nothing).
    pub fn compiled_filter(
        &self,
        rt: &ResourceType,
    ) -> Result<Option<Cow<'_, CompiledFilter>>, ScimError> {
        if let Some(compiled) = &self.compiled {
            return Ok(Some(Cow::Borrowed(compiled)));
        }
        self.filter
            .as_ref()
            .map(|f| CompiledFilter::new(f, rt, Strictness::Lenient).map(Cow::Owned))
            .transpose()
    }
}

/// One page of results from a store's `list`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// The resources of the page, in order.
    pub resources: Vec<Resource>,
    /// How many resources match the filter in all (not only on this page).
    pub total_results: usize,
    /// With cursor pagination: the cursor of the next page, `None` on the last page.
    pub next_cursor: Option<String>,
}

impl Page {
    /// A page holding every match (for a query with `page: None`).
    pub fn all(resources: Vec<Resource>) -> Self {
        Page {
            total_results: resources.len(),
            resources,
            next_cursor: None,
        }
    }
}
