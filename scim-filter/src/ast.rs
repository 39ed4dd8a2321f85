//! The syntax tree of a SCIM filter (RFC 7644 §3.4.2.2) and of a PATCH path (§3.5.2).
//!
//! This module only holds data: parsing lives in `grammar`, printing in `display`. Every type is
//! a plain enum or struct with public fields so later code (evaluation, SQL translation, PATCH)
//! can match on it exhaustively.

use std::fmt;

/// An attribute path: an optional schema URN, an attribute name and an optional sub-attribute.
///
/// `urn:ietf:params:scim:schemas:core:2.0:User:name.givenName` has
/// `urn = Some("urn:ietf:params:scim:schemas:core:2.0:User")`, `name = "name"` and
/// `sub_attr = Some("givenName")`.
///
/// Names keep the spelling the client sent; SCIM attribute names are case-insensitive, so compare
/// them with [`AttrPath::eq_ignore_case`] or [`AttrPath::is`], never with `==` on the strings.
///
/// A path whose URN is itself a schema URN without an attribute (a PATCH `remove` of a whole
/// extension, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`) parses with the last
/// URN segment as the name (`name = "User"`); [`AttrPath::full_name`] rebuilds the whole text so a
/// caller that knows its schemas can recognise it.
///
/// ```
/// use scimkit_filter::{parse_path, AttrPath, PatchPath};
///
/// let path = parse_path("urn:ietf:params:scim:schemas:core:2.0:User:name.givenName")?;
/// let PatchPath::Attr(attr) = path else { unreachable!() };
/// assert_eq!(attr.urn.as_deref(), Some("urn:ietf:params:scim:schemas:core:2.0:User"));
/// assert!(attr.is("NAME", Some("givenname")));
/// # Ok::<(), scimkit_filter::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The schema URN that qualifies the attribute, without the trailing `:`.
    pub urn: Option<String>,
    /// The attribute name (`userName`, `emails`, `$ref`, …).
    pub name: String,
    /// The sub-attribute name after the `.` (`givenName` in `name.givenName`).
    pub sub_attr: Option<String>,
}

impl AttrPath {
    /// A path to a top-level attribute with no URN and no sub-attribute.
    ///
    /// ```
    /// let path = scimkit_filter::AttrPath::new("userName");
    /// assert_eq!(path.to_string(), "userName");
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            urn: None,
            name: name.into(),
            sub_attr: None,
        }
    }

    /// The same path with a sub-attribute.
    ///
    /// ```
    /// let path = scimkit_filter::AttrPath::new("name").with_sub_attr("givenName");
    /// assert_eq!(path.to_string(), "name.givenName");
    /// ```
    #[must_use]
    pub fn with_sub_attr(mut self, sub_attr: impl Into<String>) -> Self {
        self.sub_attr = Some(sub_attr.into());
        self
    }

    /// The same path qualified by a schema URN (given without the trailing `:`).
    ///
    /// ```
    /// let path = scimkit_filter::AttrPath::new("employeeNumber")
    ///     .with_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
    /// assert_eq!(
    ///     path.to_string(),
    ///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"
    /// );
    /// ```
    #[must_use]
    pub fn with_urn(mut self, urn: impl Into<String>) -> Self {
        self.urn = Some(urn.into());
        self
    }

    /// Whether two paths name the same attribute, comparing URNs and names case-insensitively
    /// (RFC 7643 §2.1).
    ///
    /// ```
    /// use scimkit_filter::AttrPath;
    /// let a = AttrPath::new("userName");
    /// assert!(a.eq_ignore_case(&AttrPath::new("USERNAME")));
    /// assert!(!a.eq_ignore_case(&AttrPath::new("userName").with_sub_attr("x")));
    /// ```
    pub fn eq_ignore_case(&self, other: &AttrPath) -> bool {
        opt_eq_ignore_case(self.urn.as_deref(), other.urn.as_deref())
            && self.name.eq_ignore_ascii_case(&other.name)
            && opt_eq_ignore_case(self.sub_attr.as_deref(), other.sub_attr.as_deref())
    }

    /// Whether this path (ignoring its URN) is `name` with sub-attribute `sub_attr`, compared
    /// case-insensitively.
    ///
    /// ```
    /// let path: scimkit_filter::AttrPath = scimkit_filter::AttrPath::new("emails").with_sub_attr("Value");
    /// assert!(path.is("EMAILS", Some("value")));
    /// assert!(!path.is("emails", None));
    /// ```
    pub fn is(&self, name: &str, sub_attr: Option<&str>) -> bool {
        self.name.eq_ignore_ascii_case(name)
            && opt_eq_ignore_case(self.sub_attr.as_deref(), sub_attr)
    }

    /// The URN and the name joined by `:` (or the name alone), without the sub-attribute.
    ///
    /// ```
    /// let p = scimkit_filter::AttrPath::new("User")
    ///     .with_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0");
    /// assert_eq!(p.full_name(), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
    /// ```
    pub fn full_name(&self) -> String {
        match &self.urn {
            Some(urn) => format!("{urn}:{}", self.name),
            None => self.name.clone(),
        }
    }
}

fn opt_eq_ignore_case(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// A comparison operator of RFC 7644 §3.4.2.2 (`pr` is [`AttrTest::Present`], not an operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains (strings).
    Co,
    /// `sw`: starts with (strings).
    Sw,
    /// `ew`: ends with (strings).
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// Every operator, in the RFC's order.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The operator's keyword in lower case (`"eq"`, `"co"`, …).
    ///
    /// ```
    /// assert_eq!(scimkit_filter::CompareOp::Ge.as_str(), "ge");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// The operator for a keyword in any letter case, or `None`.
    ///
    /// ```
    /// use scimkit_filter::CompareOp;
    /// assert_eq!(CompareOp::from_keyword("EQ"), Some(CompareOp::Eq));
    /// assert_eq!(CompareOp::from_keyword("equals"), None);
    /// ```
    pub fn from_keyword(word: &str) -> Option<CompareOp> {
        CompareOp::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(word))
    }
}

/// A JSON number exactly as the client wrote it (validated against the JSON grammar).
///
/// The text is kept so nothing is lost to floating point: a store can bind it as it is, and
/// [`Number::as_i64`] / [`Number::as_f64`] give numeric views.
///
/// ```
/// let n = scimkit_filter::Number::parse("-1.5e3").unwrap();
/// assert_eq!(n.as_f64(), -1500.0);
/// assert_eq!(n.as_i64(), None);
/// assert_eq!(scimkit_filter::Number::parse("42").unwrap().as_i64(), Some(42));
/// assert!(scimkit_filter::Number::parse("01").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number(String);

impl Number {
    /// Validates `text` against the JSON number grammar (RFC 8259 §6).
    pub fn parse(text: &str) -> Option<Number> {
        if crate::lexer::json_number_len(text) == Some(text.len()) {
            Some(Number(text.to_owned()))
        } else {
            None
        }
    }

    /// The number's text as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as an `i64` when it is written as an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The value as an `f64` (the nearest one for very long decimals).
    pub fn as_f64(&self) -> f64 {
        // The text is a valid JSON number, which is always a valid Rust float literal.
        self.0.parse().unwrap_or(f64::NAN)
    }

    /// Whether the number is written as an integer (no fraction, no exponent).
    pub fn is_integer(&self) -> bool {
        !self.0.contains(['.', 'e', 'E'])
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Self {
        Number(value.to_string())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The value on the right of a comparison (`compValue` in the RFC's grammar).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CompValue {
    /// A JSON string, with its escapes decoded.
    String(String),
    /// A JSON number.
    Number(Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl From<&str> for CompValue {
    fn from(value: &str) -> Self {
        CompValue::String(value.to_owned())
    }
}

impl From<String> for CompValue {
    fn from(value: String) -> Self {
        CompValue::String(value)
    }
}

impl From<bool> for CompValue {
    fn from(value: bool) -> Self {
        CompValue::Bool(value)
    }
}

impl From<i64> for CompValue {
    fn from(value: i64) -> Self {
        CompValue::Number(value.into())
    }
}

/// What a filter asks of one attribute: presence, or a comparison with a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttrTest {
    /// `pr`: the attribute has a non-empty value.
    Present,
    /// `op value`, e.g. `eq "bjensen"`.
    Compare(CompareOp, CompValue),
}

/// A sub-attribute test after a value filter: the `.value eq "x"` of
/// `emails[type eq "work"].value eq "x"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubAttrTest {
    /// The sub-attribute name (`value`).
    pub name: String,
    /// The test applied to it.
    pub test: AttrTest,
}

/// A SCIM filter expression.
///
/// `and` and `or` chains are n-ary (`a and b and c` is one [`Filter::And`] with three operands),
/// so a long chain does not make a deep tree; parentheses that group a chain inside a chain of the
/// same kind stay visible as a nested node. Operands of `And`/`Or` built by hand should number at
/// least two; [`Filter::and`] and [`Filter::or`] build them.
///
/// ```
/// use scimkit_filter::{parse_filter, AttrPath, AttrTest, CompareOp, Filter};
///
/// let filter = parse_filter(r#"userName eq "bjensen""#)?;
/// assert_eq!(
///     filter,
///     Filter::Attr {
///         path: AttrPath::new("userName"),
///         test: AttrTest::Compare(CompareOp::Eq, "bjensen".into()),
///     }
/// );
/// # Ok::<(), scimkit_filter::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Filter {
    /// `attrPath pr` or `attrPath op value`.
    Attr {
        /// The attribute tested.
        path: AttrPath,
        /// The test.
        test: AttrTest,
    },
    /// `attrPath[valFilter]`, optionally followed by a sub-attribute test
    /// (`emails[type eq "work"].value eq "x"`): true when one element of the multi-valued
    /// attribute matches the inner filter (and the sub-attribute test, if any).
    ValuePath {
        /// The multi-valued (or complex) attribute, without a sub-attribute.
        path: AttrPath,
        /// The filter each element is matched against; its paths are relative to the element.
        filter: Box<Filter>,
        /// A test on a sub-attribute of the matching element.
        sub: Option<SubAttrTest>,
    },
    /// `not (filter)`.
    Not(Box<Filter>),
    /// `a and b and …` (two operands or more).
    And(Vec<Filter>),
    /// `a or b or …` (two operands or more).
    Or(Vec<Filter>),
}

impl Filter {
    /// `path op value`.
    ///
    /// ```
    /// use scimkit_filter::{AttrPath, CompareOp, Filter};
    /// let f = Filter::compare(AttrPath::new("userName"), CompareOp::Eq, "bjensen");
    /// assert_eq!(f.to_string(), r#"userName eq "bjensen""#);
    /// ```
    pub fn compare(path: AttrPath, op: CompareOp, value: impl Into<CompValue>) -> Filter {
        Filter::Attr {
            path,
            test: AttrTest::Compare(op, value.into()),
        }
    }

    /// `path pr`.
    ///
    /// ```
    /// use scimkit_filter::{AttrPath, Filter};
    /// assert_eq!(Filter::present(AttrPath::new("title")).to_string(), "title pr");
    /// ```
    pub fn present(path: AttrPath) -> Filter {
        Filter::Attr {
            path,
            test: AttrTest::Present,
        }
    }

    /// `self and other`, appending to an existing `and` chain on the left.
    ///
    /// ```
    /// use scimkit_filter::{AttrPath, Filter};
    /// let f = Filter::present(AttrPath::new("a"))
    ///     .and(Filter::present(AttrPath::new("b")))
    ///     .and(Filter::present(AttrPath::new("c")));
    /// assert!(matches!(&f, Filter::And(ops) if ops.len() == 3));
    /// assert_eq!(f.to_string(), "a pr and b pr and c pr");
    /// ```
    #[must_use]
    pub fn and(self, other: Filter) -> Filter {
        match self {
            Filter::And(mut operands) => {
                operands.push(other);
                Filter::And(operands)
            }
            first => Filter::And(vec![first, other]),
        }
    }

    /// `self or other`, appending to an existing `or` chain on the left.
    ///
    /// ```
    /// use scimkit_filter::{AttrPath, Filter};
    /// let f = Filter::present(AttrPath::new("a")).or(Filter::present(AttrPath::new("b")));
    /// assert_eq!(f.to_string(), "a pr or b pr");
    /// ```
    #[must_use]
    pub fn or(self, other: Filter) -> Filter {
        match self {
            Filter::Or(mut operands) => {
                operands.push(other);
                Filter::Or(operands)
            }
            first => Filter::Or(vec![first, other]),
        }
    }

    /// `not (self)`.
    ///
    /// ```
    /// use scimkit_filter::{AttrPath, Filter};
    /// assert_eq!(Filter::present(AttrPath::new("a")).negate().to_string(), "not (a pr)");
    /// ```
    #[must_use]
    pub fn negate(self) -> Filter {
        Filter::Not(Box::new(self))
    }
}

/// A PATCH operation's `path` (RFC 7644 §3.5.2).
///
/// ```
/// use scimkit_filter::{parse_path, PatchPath};
///
/// match parse_path(r#"emails[type eq "work"].value"#)? {
///     PatchPath::Filtered { attr, filter, sub_attr } => {
///         assert!(attr.is("emails", None));
///         assert_eq!(filter.to_string(), r#"type eq "work""#);
///         assert_eq!(sub_attr.as_deref(), Some("value"));
///     }
///     PatchPath::Attr(_) => unreachable!(),
/// }
/// # Ok::<(), scimkit_filter::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PatchPath {
    /// `attr`, `attr.sub`, optionally URN-qualified.
    Attr(AttrPath),
    /// `attr[filter]` or `attr[filter].sub`, optionally URN-qualified.
    Filtered {
        /// The multi-valued attribute (its `sub_attr` is always `None`).
        attr: AttrPath,
        /// The value filter selecting elements; its paths are relative to the element.
        filter: Filter,
        /// The sub-attribute of the selected elements, if any.
        sub_attr: Option<String>,
    },
}

impl PatchPath {
    /// The attribute the path starts from (without the value filter).
    ///
    /// ```
    /// let p = scimkit_filter::parse_path(r#"members[value eq "2819c223"]"#).unwrap();
    /// assert!(p.attr().is("members", None));
    /// ```
    pub fn attr(&self) -> &AttrPath {
        match self {
            PatchPath::Attr(attr) | PatchPath::Filtered { attr, .. } => attr,
        }
    }
}
