//! [`PushDown`]: what a store declares it can do itself in `list`, and how the engine splits a
//! request between the store and its own in-memory evaluation.
//!
//! Whatever a store declares, every filter works and `totalResults` is the true number of
//! matches: the engine hands the store only the parts it supports and does the rest on the
//! store's candidates ([`ListPlan`]).

use scimkit_filter::{AttrPath, AttrTest, CompareOp, Filter};

use crate::schema::{ResourceType, Target};

/// One attribute a store filters on, and with which operators.
///
/// ```
/// use scimkit_core::store::FilterRule;
/// use scimkit_filter::CompareOp;
///
/// // Okta and Entra look users up by userName and externalId before every create.
/// let rules = [
///     FilterRule::new("userName", [CompareOp::Eq]),
///     FilterRule::new("externalId", [CompareOp::Eq]).with_present(),
/// ];
/// assert!(rules[1].present);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterRule {
    /// The attribute (`userName`, `emails.value`, or URN-qualified).
    pub attribute: AttrPath,
    /// The comparison operators supported on it.
    pub operators: Vec<CompareOp>,
    /// Whether `pr` is supported on it.
    pub present: bool,
}

impl FilterRule {
    /// A rule for `attribute` (`"userName"`, `"emails.value"`, `"urn:…:User:employeeNumber"`)
    /// with these operators. A name that is not an attribute path matches no filter.
    pub fn new(attribute: &str, operators: impl IntoIterator<Item = CompareOp>) -> Self {
        let attribute = scimkit_filter::parse_path(attribute)
            .ok()
            .and_then(|path| match path {
                scimkit_filter::PatchPath::Attr(path) => Some(path),
                scimkit_filter::PatchPath::Filtered { .. } => None,
            })
            .unwrap_or_else(|| AttrPath::new(String::new()));
        FilterRule {
            attribute,
            operators: operators.into_iter().collect(),
            present: false,
        }
    }

    /// Also supports `pr`.
    #[must_use]
    pub fn with_present(mut self) -> Self {
        self.present = true;
        self
    }
}

/// Which filters a store evaluates itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FilterPushDown {
    /// None: the store is asked for every resource and the engine filters (the default).
    #[default]
    Nothing,
    /// Every filter, with RFC 7644 semantics (as [`crate::evaluate::CompiledFilter`]).
    Everything,
    /// Tests on these attributes, combined with `and`, `or` and `not`. Value paths
    /// (`emails[type eq "work"]`) are never pushed down under `Only`.
    Only(Vec<FilterRule>),
}

/// What a store does itself in `list`; see [`crate::store::ResourceStore::push_down`].
///
/// ```
/// use scimkit_core::store::{FilterPushDown, FilterRule, PushDown};
/// use scimkit_filter::CompareOp;
///
/// // A store that can only look users up by userName: every other filter, the sort and the
/// // paging are done by the engine on the candidates it returns.
/// let push_down = PushDown {
///     filter: FilterPushDown::Only(vec![FilterRule::new("userName", [CompareOp::Eq])]),
///     ..PushDown::default()
/// };
/// assert!(!push_down.sort);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PushDown {
    /// The filters the store evaluates.
    pub filter: FilterPushDown,
    /// Whether the store returns resources in the order of [`crate::store::ListQuery::sort`].
    pub sort: bool,
    /// Whether the store pages ([`crate::store::ListQuery::page`]) and counts all matches.
    pub paging: bool,
}

impl PushDown {
    /// Everything pushed down: filters, sorting and paging (what the in-memory store does).
    pub fn everything() -> Self {
        PushDown {
            filter: FilterPushDown::Everything,
            sort: true,
            paging: true,
        }
    }

    /// Whether the store evaluates `filter` in full.
    pub fn supports_filter(&self, rt: &ResourceType, filter: &Filter) -> bool {
        match &self.filter {
            FilterPushDown::Nothing => false,
            FilterPushDown::Everything => true,
            FilterPushDown::Only(rules) => supported(rt, rules, filter),
        }
    }

    /// Splits a list request between the store and the engine.
    ///
    /// ```
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_core::store::{FilterPushDown, FilterRule, PushDown};
    /// use scimkit_filter::{parse_filter, CompareOp};
    ///
    /// let users = ResourceType::user();
    /// let push_down = PushDown {
    ///     filter: FilterPushDown::Only(vec![FilterRule::new("userName", [CompareOp::Eq])]),
    ///     sort: true,
    ///     paging: true,
    /// };
    /// let filter = parse_filter(r#"userName eq "bjensen" and title co "Tour""#)?;
    /// let plan = push_down.plan(&users, Some(&filter), false);
    /// assert_eq!(plan.store_filter.unwrap().to_string(), r#"userName eq "bjensen""#);
    /// assert_eq!(plan.residual.unwrap().to_string(), r#"title co "Tour""#);
    /// assert!(!plan.store_pages); // the engine must count what the residual keeps
    /// # Ok::<(), scimkit_filter::ParseError>(())
    /// ```
    pub fn plan(&self, rt: &ResourceType, filter: Option<&Filter>, sorted: bool) -> ListPlan {
        let (store_filter, residual) = match filter {
            None => (None, None),
            Some(filter) if self.supports_filter(rt, filter) => (Some(filter.clone()), None),
            Some(Filter::And(operands)) => {
                let (pushed, kept): (Vec<&Filter>, Vec<&Filter>) = operands
                    .iter()
                    .partition(|operand| self.supports_filter(rt, operand));
                (conjunction(pushed), conjunction(kept))
            }
            Some(filter) => (None, Some(filter.clone())),
        };
        let store_sorts = sorted && self.sort;
        let store_pages = self.paging && residual.is_none() && (store_sorts || !sorted);
        ListPlan {
            store_filter,
            residual,
            store_sorts,
            store_pages,
        }
    }
}

/// How one list request is shared between the store and the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPlan {
    /// The filter passed to the store.
    pub store_filter: Option<Filter>,
    /// The filter the engine applies to what the store returns.
    pub residual: Option<Filter>,
    /// Whether the store sorts.
    pub store_sorts: bool,
    /// Whether the store pages and counts; otherwise it returns every candidate.
    pub store_pages: bool,
}

fn conjunction(mut filters: Vec<&Filter>) -> Option<Filter> {
    match filters.len() {
        0 => None,
        1 => filters.pop().cloned(),
        _ => Some(Filter::And(filters.into_iter().cloned().collect())),
    }
}

/// Whether every test in `filter` is allowed by `rules`. Iterative, so any depth is safe.
fn supported(rt: &ResourceType, rules: &[FilterRule], filter: &Filter) -> bool {
    let mut stack = vec![filter];
    while let Some(node) = stack.pop() {
        match node {
            Filter::Attr { path, test } => {
                if !rules.iter().any(|rule| rule_allows(rt, rule, path, test)) {
                    return false;
                }
            }
            Filter::ValuePath { .. } => return false,
            Filter::Not(inner) => stack.push(inner),
            Filter::And(operands) | Filter::Or(operands) => stack.extend(operands),
        }
    }
    true
}

fn rule_allows(rt: &ResourceType, rule: &FilterRule, path: &AttrPath, test: &AttrTest) -> bool {
    let op_ok = match test {
        AttrTest::Present => rule.present,
        AttrTest::Compare(op, _) => rule.operators.contains(op),
    };
    op_ok && same_attribute(rt, &rule.attribute, path)
}

/// Whether two paths name the same attribute of `rt` (so `userName` and
/// `urn:…:core:2.0:User:userName` are one).
pub(crate) fn same_attribute(rt: &ResourceType, rule: &AttrPath, path: &AttrPath) -> bool {
    if rule.eq_ignore_case(path) {
        return true;
    }
    match (rt.resolve(rule), rt.resolve(path)) {
        (Some(Target::Attribute(ruled)), Some(Target::Attribute(asked))) => {
            std::ptr::eq(ruled.attribute, asked.attribute)
                && match (ruled.sub_attribute, asked.sub_attribute) {
                    (None, None) => true,
                    (Some(one), Some(other)) => std::ptr::eq(one, other),
                    _ => false,
                }
        }
        _ => false,
    }
}
