//! Reads for responses that show resources whole: [`RenderedResource`] and [`RenderedPage`],
//! what [`super::ResourceStore::get_rendered`] and [`super::ResourceStore::list_rendered`]
//! return.

use serde_json::Value;

use crate::projection::{json_string, Document, Fragment, Projection, Showing};
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
        let location = location.map(json_string);
        self.write_with(rt, out, location, &mut DerivedShowing::default());
    }

    /// As [`RenderedResource::write`], with `location` writing the location's JSON string
    /// and `showing` saying how the default projection shows each derived attribute.
    pub(crate) fn write_with(
        &self,
        rt: &ResourceType,
        out: &mut Vec<u8>,
        location: Option<impl FnOnce(&mut Vec<u8>)>,
        showing: &mut DerivedShowing,
    ) {
        let mut trimmed = Vec::new();
        for (name, value) in &self.derived {
            if showing.of(rt, name) == Showing::Trimmed {
                trimmed.push((*name, trim(rt, name, value)));
            }
        }
        let whole = self
            .derived
            .iter()
            .filter(|(name, _)| showing.known(name) == Some(Showing::Whole))
            .map(|(name, value)| (*name, value));
        let trimmed = trimmed
            .iter()
            .filter_map(|(name, value)| Some((*name, value.as_ref()?)));
        self.document
            .write_with(out, location, whole.chain(trimmed));
    }
}

/// How the default projection shows derived attributes, looked up once per name for a whole
/// page.
#[derive(Debug, Default)]
pub(crate) struct DerivedShowing(Vec<(&'static str, Showing)>);

impl DerivedShowing {
    fn of(&mut self, rt: &ResourceType, name: &'static str) -> Showing {
        if let Some(showing) = self.known(name) {
            return showing;
        }
        let showing = Projection::default_showing(rt, name);
        self.0.push((name, showing));
        showing
    }

    fn known(&self, name: &str) -> Option<Showing> {
        self.0
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, showing)| *showing)
    }
}

/// A derived value under a default projection that keeps only some of its sub-attributes
/// (a custom schema's): decoded, projected, rendered again. `None` when nothing is left.
fn trim(rt: &ResourceType, name: &str, value: &Fragment) -> Option<Fragment> {
    let decoded: Value = serde_json::from_slice(&value.to_bytes()).ok()?;
    let mut holder = Resource::default();
    holder.attributes.insert(name.to_owned(), decoded);
    let shown = Projection::all().apply(rt, &holder);
    Fragment::of(shown.get(name)?).ok()
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
