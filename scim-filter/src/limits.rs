//! Bounds on what the parser accepts: input length and nesting depth.
//!
//! Parsing is linear in the input length and uses no recursion; the depth limit bounds the depth
//! of the tree it returns, so code walking that tree recursively is safe too.

use crate::ast::{Filter, PatchPath};
use crate::error::ParseError;
use crate::grammar;

/// Limits applied while parsing; [`Limits::default`] suits filters from identity providers.
///
/// ```
/// use scimkit_filter::{ErrorKind, Limits};
///
/// let strict = Limits::default().with_max_depth(2);
/// assert!(strict.parse_filter(r#"((a pr))"#).is_ok());
/// let err = strict.parse_filter(r#"(((a pr)))"#).unwrap_err();
/// assert_eq!(err.kind, ErrorKind::TooDeep { limit: 2 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    max_len: usize,
    max_depth: usize,
}

impl Limits {
    /// Default maximum input length: 128 KiB.
    pub const DEFAULT_MAX_LEN: usize = 128 * 1024;
    /// Default maximum nesting of parentheses, `not (…)` and value filters.
    pub const DEFAULT_MAX_DEPTH: usize = 64;
    /// The largest depth [`Limits::with_max_depth`] accepts; larger values are clamped to it.
    /// The parser itself does not recurse, but code that walks the tree (printing, evaluation,
    /// dropping it) does, and must stay far from the end of even a small thread stack.
    pub const MAX_SUPPORTED_DEPTH: usize = 256;

    /// The same limits with another maximum input length in bytes.
    #[must_use]
    pub fn with_max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// The same limits with another maximum nesting depth (clamped to
    /// [`Limits::MAX_SUPPORTED_DEPTH`]).
    #[must_use]
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth.min(Self::MAX_SUPPORTED_DEPTH);
        self
    }

    /// The maximum input length in bytes.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The maximum nesting depth.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Parses a filter within these limits.
    ///
    /// ```
    /// let limits = scimkit_filter::Limits::default().with_max_len(16);
    /// assert!(limits.parse_filter("userName pr").is_ok());
    /// assert!(limits.parse_filter(r#"userName eq "bjensen""#).is_err());
    /// ```
    pub fn parse_filter(&self, input: &str) -> Result<Filter, ParseError> {
        grammar::filter(input, self)
    }

    /// Parses a PATCH path within these limits.
    ///
    /// ```
    /// let limits = scimkit_filter::Limits::default();
    /// assert!(limits.parse_path("name.givenName").is_ok());
    /// ```
    pub fn parse_path(&self, input: &str) -> Result<PatchPath, ParseError> {
        grammar::path(input, self)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_len: Self::DEFAULT_MAX_LEN,
            max_depth: Self::DEFAULT_MAX_DEPTH,
        }
    }
}
