//! Reads for responses that show resources whole: [`RenderedResource`] and [`RenderedPage`],
//! what [`super::ResourceStore::get_rendered`] and [`super::ResourceStore::list_rendered`]
//! return.

use scimkit_filter::AttrPath;

use crate::projection::{Document, Fragment, Projection};
use crate::resource::Resource;
use crate::schema::ResourceType;

/// A resource ready to be written into a response with the default projection: its
/// [`Document`] and the attributes the store derives when it reads, already rendered.
///
/// A store that keeps documents (as [`crate::InMemoryStore`] does) hands them out without
/// decoding anything; the trait's default renders what `get`/`list` return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedResource {
    /// The resource's own attributes and `meta`.
    pub document: Document,
    /// Derived attributes, by name (`groups` of a user, `members` of a group kept apart),
    /// written after the document's own attributes in this order. They must not also be in
    /// the document.
    pub derived: Vec<(&'static str, Fragment)>,
}

impl RenderedResource {
    /// `resource` with nothing derived apart from it (everything is in its document).
    pub fn render(rt: &ResourceType, resource: &Resource) -> RenderedResource {
        RenderedResource {
            document: Document::render(rt, resource),
            derived: Vec::new(),
        }
    }

    /// Appends the resource's JSON, as [`Projection::all`] shows it, with `location` as
    /// `meta.location`. A derived attribute the default projection does not show (its
    /// `returned` is `request` or `never` in `rt`) is left out.
    pub fn write(&self, rt: &ResourceType, out: &mut Vec<u8>, location: Option<&str>) {
        let all = Projection::all();
        let derived = self
            .derived
            .iter()
            .filter(|(name, _)| all.requests(rt, &AttrPath::new(*name)))
            .map(|(name, value)| (*name, value));
        self.document.write(out, location, derived);
    }
}

/// A page of [`RenderedResource`]s: [`super::Page`] for
/// [`super::ResourceStore::list_rendered`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RenderedPage {
    /// The resources of the page, in order.
    pub resources: Vec<RenderedResource>,
    /// How many resources match the filter in all (not only on this page).
    pub total_results: usize,
    /// With cursor pagination: the cursor of the next page, `None` on the last page.
    pub next_cursor: Option<String>,
}
