//! Listing and searching: `GET /{endpoint}`, `POST /{endpoint}/.search` and `POST /.search`,
//! with filters, sorting, paging and projection, split between the store and the engine by the
//! store's [`crate::store::PushDown`].

use std::borrow::Cow;

use std::sync::Arc;

use bytes::Bytes;
use http::{Response, StatusCode};
use scimkit_filter::{parse_filter, Filter};
use serde_json::Value;

use crate::engine::discovery::LIST_RESPONSE_SCHEMA;
use crate::engine::location::Locations;
use crate::engine::request::json_body;
use crate::engine::request::Query;
use crate::engine::resources::store_error;
use crate::engine::{response, Call};
use crate::error::ScimError;
use crate::evaluate::{CompiledFilter, Strictness};
use crate::projection::{Projected, Projection};
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::sort::SortSpec;
use crate::store::{CursorScope, DerivedShowing, ListQuery, Pagination, RenderedResource};

/// The URN of a `/.search` request body.
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// The parameters of a list or search, from the query string or a `.search` body.
#[derive(Debug, Default)]
struct ListParams<'a> {
    filter: Option<Cow<'a, str>>,
    sort_by: Option<Cow<'a, str>>,
    sort_order: Option<Cow<'a, str>>,
    start_index: Option<i64>,
    count: Option<i64>,
    attributes: Option<Cow<'a, str>>,
    excluded: Option<Cow<'a, str>>,
    /// RFC 9865: `Some("")` asks for the first page of cursor pagination.
    cursor: Option<Cow<'a, str>>,
}

impl<'a> ListParams<'a> {
    /// The parameters of a query string, borrowed from it.
    fn from_query(query: &'a Query<'_>) -> Result<ListParams<'a>, ScimError> {
        let text = |name: &str| query.get(name).map(Cow::Borrowed);
        Ok(ListParams {
            filter: text("filter"),
            sort_by: text("sortby"),
            sort_order: text("sortorder"),
            start_index: query
                .get("startindex")
                .map(|s| integer("startIndex", s))
                .transpose()?,
            count: query
                .get("count")
                .map(|s| integer("count", s))
                .transpose()?,
            attributes: text("attributes"),
            excluded: text("excludedattributes"),
            cursor: text("cursor"),
        })
    }

    fn from_body(body: Value) -> Result<ListParams<'static>, ScimError> {
        let Value::Object(map) = body else {
            return Err(ScimError::InvalidSyntax(
                "a search request body must be a JSON object (RFC 7644 §3.4.3)".to_owned(),
            ));
        };
        let mut params = ListParams::default();
        for (key, value) in map {
            match key.to_ascii_lowercase().as_str() {
                "filter" => params.filter = text("filter", value)?,
                "sortby" => params.sort_by = text("sortBy", value)?,
                "sortorder" => params.sort_order = text("sortOrder", value)?,
                "startindex" => params.start_index = number("startIndex", &value)?,
                "count" => params.count = number("count", &value)?,
                "attributes" => params.attributes = names("attributes", value)?.map(Cow::Owned),
                "excludedattributes" => {
                    params.excluded = names("excludedAttributes", value)?.map(Cow::Owned);
                }
                "cursor" => params.cursor = text("cursor", value)?,
                // `schemas` and unknown members are ignored.
                _ => {}
            }
        }
        Ok(params)
    }
}

fn integer(name: &str, text: &str) -> Result<i64, ScimError> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| ScimError::InvalidValue(format!("{name} must be an integer, not \"{text}\"")))
}

fn text(name: &str, value: Value) -> Result<Option<Cow<'static, str>>, ScimError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(Cow::Owned(s))),
        other => Err(ScimError::InvalidValue(format!(
            "{name} must be a string, not {other}"
        ))),
    }
}

fn number(name: &str, value: &Value) -> Result<Option<i64>, ScimError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| ScimError::InvalidValue(format!("{name} must be an integer, not {n}"))),
        Value::String(s) => integer(name, s).map(Some),
        other => Err(ScimError::InvalidValue(format!(
            "{name} must be an integer, not {other}"
        ))),
    }
}

/// `attributes` in a search body: an array of names (a comma-separated string is tolerated).
fn names(name: &str, value: Value) -> Result<Option<String>, ScimError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => out.push(s),
                    other => {
                        return Err(ScimError::InvalidValue(format!(
                            "{name} must list attribute names as strings, not {other}"
                        )))
                    }
                }
            }
            Ok(Some(out.join(",")))
        }
        other => Err(ScimError::InvalidValue(format!(
            "{name} must be an array of attribute names, not {other}"
        ))),
    }
}

/// `startIndex` and `count` after RFC 7644 §3.4.2.4's rules: below 1 means 1, negative means
/// 0, and a count above the maximum is clamped.
fn page_bounds(call: &Call<'_>, params: &ListParams<'_>) -> (usize, usize) {
    let settings = &call.inner.settings;
    let start = params
        .start_index
        .map_or(1, |n| usize::try_from(n.max(1)).unwrap_or(usize::MAX));
    let count = params.count.map_or(settings.default_page_size, |n| {
        usize::try_from(n.max(0)).unwrap_or(usize::MAX)
    });
    (start, count.min(settings.max_page_size))
}

fn parse(filter: Option<&str>) -> Result<Option<Filter>, ScimError> {
    match filter.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => Ok(Some(parse_filter(text)?)),
    }
}

impl Call<'_> {
    pub(crate) async fn list(&self, rt: &ResourceType) -> Result<Response<Bytes>, ScimError> {
        let params = ListParams::from_query(&self.query)?;
        self.run(rt, &params).await
    }

    pub(crate) async fn search(&self, rt: &ResourceType) -> Result<Response<Bytes>, ScimError> {
        let body = json_body(self.headers, self.body, self.inner.settings.max_body_bytes)?;
        let params = ListParams::from_body(body)?;
        self.run(rt, &params).await
    }

    async fn run(
        &self,
        rt: &ResourceType,
        params: &ListParams<'_>,
    ) -> Result<Response<Bytes>, ScimError> {
        let projection =
            Projection::from_query(rt, params.attributes.as_deref(), params.excluded.as_deref())?;
        let filter = parse(params.filter.as_deref())?;
        // Compiled once: handed to the store when it takes the whole filter, kept for the
        // residual when the store takes none of it; only a split filter compiles its parts.
        let mut compiled = filter
            .as_ref()
            .map(|f| CompiledFilter::new(f, rt, Strictness::Strict))
            .transpose()?;
        let sort = params
            .sort_by
            .as_deref()
            .map(|by| SortSpec::from_query(rt, by, params.sort_order.as_deref()))
            .transpose()?;
        let (start, count) = page_bounds(self, params);
        if params.cursor.is_some() && params.start_index.is_some() {
            return Err(ScimError::InvalidValue(
                "give either startIndex (index pagination) or cursor (cursor pagination), not both"
                    .to_owned(),
            ));
        }

        let store = &self.inner.store;
        let mut plan = store
            .push_down(rt)
            .plan(rt, filter.as_ref(), sort.is_some());
        let store_compiled = if plan.residual.is_none() {
            compiled.take()
        } else {
            None
        };
        let residual = match (&plan.residual, plan.store_filter.is_none()) {
            (Some(_), true) => compiled.take(),
            (Some(residual), false) => Some(CompiledFilter::new(residual, rt, Strictness::Strict)?),
            (None, _) => None,
        };
        let query = ListQuery {
            compiled: store_compiled,
            filter: plan.store_filter.take(),
            sort: sort.clone().filter(|_| plan.store_sorts),
            page: plan.store_pages.then(|| match &params.cursor {
                Some(cursor) => Pagination::Cursor {
                    cursor: Some(cursor.to_string()).filter(|c| !c.trim().is_empty()),
                    count,
                },
                None => Pagination::Index {
                    start_index: start,
                    count,
                },
            }),
            projection: projection.clone(),
        };
        let paging = |next_cursor| match params.cursor {
            Some(_) => Paging::Cursor(next_cursor),
            None => Paging::Index(start),
        };
        let whole = projection.is_default()
            && plan.residual.is_none()
            && (sort.is_none() || plan.store_sorts)
            && plan.store_pages;
        if whole {
            // The store does all of it and the page shows resources whole: copy its documents.
            let mut page = store
                .list_rendered(&self.ctx, rt, &query)
                .await
                .map_err(|e| store_error(e, rt, None))?;
            page.resources.truncate(count);
            let items = Items::Rendered(rt, &page.resources, self);
            return Ok(list_response(
                &items,
                page.total_results,
                &paging(page.next_cursor),
            ));
        }
        let page = store
            .list(&self.ctx, rt, &query)
            .await
            .map_err(|e| store_error(e, rt, None))?;

        let mut next_cursor = None;
        let (resources, total) = if plan.store_pages {
            let mut resources = page.resources;
            resources.truncate(count);
            next_cursor = page.next_cursor;
            (resources, page.total_results)
        } else if let Some(cursor) = &params.cursor {
            let mut resources = page.resources;
            if let Some(residual) = &residual {
                resources.retain(|r| residual.matches(r));
            }
            let scope = CursorScope {
                tenant: self.ctx.tenant().as_str(),
                resource_type: &rt.name,
                filter: filter.as_ref(),
                sort: sort.as_ref(),
            };
            let cursor = Some(cursor.as_ref()).filter(|c| !c.trim().is_empty());
            let page = self
                .inner
                .cursors
                .page(rt, &scope, resources, cursor, count)?;
            next_cursor = page.next_cursor;
            (page.resources, page.total)
        } else {
            let mut resources = page.resources;
            if let Some(residual) = &residual {
                resources.retain(|r| residual.matches(r));
            }
            if let Some(sort) = sort.as_ref().filter(|_| !plan.store_sorts) {
                sort.sort(rt, &mut resources);
            }
            let total = resources.len();
            let page: Vec<Resource> = resources
                .into_iter()
                .skip(start.saturating_sub(1))
                .take(count)
                .collect();
            (page, total)
        };
        let mut resources = resources;
        for resource in &mut resources {
            self.locate(rt, resource);
        }
        let views: Vec<Projected<'_>> = resources.iter().map(|r| projection.view(rt, r)).collect();
        Ok(list_response(
            &Items::Views(&views),
            total,
            &paging(next_cursor),
        ))
    }

    /// `POST /.search`: every resource type at once. Attribute names a type does not define
    /// match nothing in it (lenient evaluation), and sort keys of such types are missing.
    pub(crate) async fn root_search(&self) -> Result<Response<Bytes>, ScimError> {
        let body = json_body(self.headers, self.body, self.inner.settings.max_body_bytes)?;
        let params = ListParams::from_body(body)?;
        let filter = parse(params.filter.as_deref())?;
        let (start, count) = page_bounds(self, &params);
        if params.cursor.is_some() {
            return Err(ScimError::InvalidValue(
                "cursor pagination is available per resource type (/Users, /Groups…), not on the root /.search"
                    .to_owned(),
            ));
        }
        let types: &[Arc<ResourceType>] = &self.inner.resource_types;

        let mut sort: Option<SortSpec> = None;
        if let Some(by) = params.sort_by.as_deref() {
            let mut first_error = None;
            for rt in types {
                match SortSpec::from_query(rt, by, params.sort_order.as_deref()) {
                    Ok(spec) => {
                        sort = Some(spec);
                        break;
                    }
                    Err(err) => {
                        first_error.get_or_insert(err);
                    }
                }
            }
            if sort.is_none() {
                if let Some(err) = first_error {
                    return Err(err);
                }
            }
        }

        let mut matches: Vec<(usize, Resource)> = Vec::new();
        let mut compiled_anywhere = filter.is_none();
        let mut first_error = None;
        for (n, rt) in types.iter().enumerate() {
            let compiled = match &filter {
                Some(f) => match CompiledFilter::new(f, rt, Strictness::Lenient) {
                    Ok(c) => {
                        compiled_anywhere = true;
                        Some(c)
                    }
                    Err(err) => {
                        first_error.get_or_insert(err);
                        continue;
                    }
                },
                None => None,
            };
            // Only a filter that is valid in this type's own terms is pushed to the store.
            let pushable = filter
                .as_ref()
                .filter(|f| CompiledFilter::new(f, rt, Strictness::Strict).is_ok());
            let plan = self.inner.store.push_down(rt).plan(rt, pushable, false);
            let query = ListQuery {
                filter: plan.store_filter,
                sort: None,
                page: None,
                projection: Projection::all(),
                compiled: None,
            };
            let page = self
                .inner
                .store
                .list(&self.ctx, rt, &query)
                .await
                .map_err(|e| store_error(e, rt, None))?;
            matches.extend(
                page.resources
                    .into_iter()
                    .filter(|r| compiled.as_ref().is_none_or(|c| c.matches(r)))
                    .map(|r| (n, r)),
            );
        }
        if !compiled_anywhere {
            if let Some(err) = first_error {
                return Err(err);
            }
        }
        if let Some(spec) = &sort {
            let mut keyed: Vec<_> = matches
                .into_iter()
                .map(|(n, r)| {
                    let key = types.get(n).map(|rt| spec.key(rt, &r));
                    (key, n, r)
                })
                .collect();
            keyed.sort_by(|a, b| match (&a.0, &b.0) {
                (Some(x), Some(y)) => spec.compare(x, y),
                _ => std::cmp::Ordering::Equal,
            });
            matches = keyed.into_iter().map(|(_, n, r)| (n, r)).collect();
        }
        let total = matches.len();
        let mut page = Vec::new();
        for (n, mut resource) in matches
            .into_iter()
            .skip(start.saturating_sub(1))
            .take(count)
        {
            let Some(rt) = types.get(n) else { continue };
            let projection = Projection::from_query(
                rt,
                params.attributes.as_deref(),
                params.excluded.as_deref(),
            )?;
            self.locate(rt, &mut resource);
            page.push((rt, projection, resource));
        }
        let views: Vec<Projected<'_>> = page
            .iter()
            .map(|(rt, projection, resource)| projection.view(rt, resource))
            .collect();
        Ok(list_response(
            &Items::Views(&views),
            total,
            &Paging::Index(start),
        ))
    }
}

/// How a list response was paged: by index (it shows `startIndex`) or by cursor (RFC 9865: no
/// `startIndex`; `nextCursor` unless this is the last page).
enum Paging {
    Index(usize),
    Cursor(Option<String>),
}

/// The resources of a list response: projected views, or rendered resources of one type
/// (written with their location).
enum Items<'a> {
    Views(&'a [Projected<'a>]),
    Rendered(&'a ResourceType, &'a [RenderedResource], &'a Call<'a>),
}

impl Items<'_> {
    fn len(&self) -> usize {
        match self {
            Items::Views(views) => views.len(),
            Items::Rendered(_, resources, _) => resources.len(),
        }
    }

    /// Appends the items, comma-separated.
    fn write(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        match self {
            Items::Views(views) => {
                for (n, view) in views.iter().enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut *out, view)?;
                }
            }
            Items::Rendered(rt, resources, call) => {
                let locations = Locations::new(&call.base, rt);
                let mut showing = DerivedShowing::default();
                for (n, resource) in resources.iter().enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    let location = resource
                        .document
                        .id()
                        .map(|id| |out: &mut Vec<u8>| locations.write(out, id));
                    resource.write_with(rt, out, location, &mut showing);
                }
            }
        }
        Ok(())
    }

    /// A guess at the encoded size, to allocate once.
    fn size_hint(&self) -> usize {
        match self {
            Items::Views(views) => views.len() * 512,
            Items::Rendered(_, resources, _) => {
                resources.iter().map(|r| r.document.len() + 256).sum()
            }
        }
    }
}

/// A `ListResponse` (RFC 7644 §3.4.2): `schemas`, `totalResults`, `startIndex` (index
/// paging), `itemsPerPage`, `nextCursor` (cursor paging, unless last), `Resources`.
fn list_response(items: &Items<'_>, total: usize, paging: &Paging) -> Response<Bytes> {
    let mut out = Vec::with_capacity(items.size_hint() + 256);
    let written = (|| -> Result<(), serde_json::Error> {
        out.extend_from_slice(br#"{"schemas":["#);
        serde_json::to_writer(&mut out, LIST_RESPONSE_SCHEMA)?;
        out.extend_from_slice(br#"],"totalResults":"#);
        serde_json::to_writer(&mut out, &total)?;
        if let Paging::Index(start) = paging {
            out.extend_from_slice(br#","startIndex":"#);
            serde_json::to_writer(&mut out, start)?;
        }
        out.extend_from_slice(br#","itemsPerPage":"#);
        serde_json::to_writer(&mut out, &items.len())?;
        if let Paging::Cursor(Some(cursor)) = paging {
            out.extend_from_slice(br#","nextCursor":"#);
            serde_json::to_writer(&mut out, cursor)?;
        }
        out.extend_from_slice(br#","Resources":["#);
        items.write(&mut out)?;
        out.extend_from_slice(b"]}");
        Ok(())
    })();
    match written {
        Ok(()) => response::json_bytes(StatusCode::OK, out, None, None),
        Err(_) => response::error(&ScimError::Internal(
            "the response could not be encoded".into(),
        )),
    }
}
