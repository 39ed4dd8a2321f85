#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod ast;
mod display;
mod error;
mod grammar;
mod lexer;
mod limits;

use std::str::FromStr;

pub use ast::{AttrPath, AttrTest, CompValue, CompareOp, Filter, Number, PatchPath, SubAttrTest};
pub use error::{ErrorKind, Expected, InputKind, ParseError};
pub use limits::Limits;

/// Parses a SCIM filter (RFC 7644 §3.4.2.2) with the default [`Limits`].
///
/// ```
/// use scimkit_filter::{parse_filter, Filter};
///
/// let f = parse_filter(r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#)?;
/// assert!(matches!(&f, Filter::And(operands) if operands.len() == 2));
/// # Ok::<(), scimkit_filter::ParseError>(())
/// ```
pub fn parse_filter(input: &str) -> Result<Filter, ParseError> {
    Limits::default().parse_filter(input)
}

/// Parses a PATCH operation's `path` (RFC 7644 §3.5.2) with the default [`Limits`].
///
/// ```
/// use scimkit_filter::{parse_path, PatchPath};
///
/// let p = parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")?;
/// assert!(matches!(p, PatchPath::Attr(ref a) if a.is("manager", Some("value"))));
/// # Ok::<(), scimkit_filter::ParseError>(())
/// ```
pub fn parse_path(input: &str) -> Result<PatchPath, ParseError> {
    Limits::default().parse_path(input)
}

impl FromStr for Filter {
    type Err = ParseError;

    /// ```
    /// let f: scimkit_filter::Filter = r#"title pr"#.parse()?;
    /// assert_eq!(f.to_string(), "title pr");
    /// # Ok::<(), scimkit_filter::ParseError>(())
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_filter(s)
    }
}

impl FromStr for PatchPath {
    type Err = ParseError;

    /// ```
    /// let p: scimkit_filter::PatchPath = "name.familyName".parse()?;
    /// assert_eq!(p.to_string(), "name.familyName");
    /// # Ok::<(), scimkit_filter::ParseError>(())
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_path(s)
    }
}
