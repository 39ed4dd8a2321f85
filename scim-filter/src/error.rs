//! Parse errors: where the input went wrong, what was expected there and what was found.
//!
//! The `Display` text is meant for a person reading a SCIM error's `detail`, e.g.
//! `invalid filter at offset 17: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or pr, found "equals"`.

use std::fmt;

/// Which grammar was being parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputKind {
    /// A `filter` (query parameter or `.search` body), RFC 7644 §3.4.2.2.
    Filter,
    /// A PATCH operation's `path`, RFC 7644 §3.5.2.
    Path,
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputKind::Filter => "filter",
            InputKind::Path => "path",
        })
    }
}

/// What the parser expected at the error's offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expected {
    /// An attribute path, `not (…)` or `(…)` where an expression starts.
    Expression,
    /// An attribute path (`userName`, `name.givenName`, `urn:…:User:userName`).
    AttrPath,
    /// An attribute name after `.` or after a URN's last `:`.
    AttrName,
    /// The end of an attribute path: at most one `.subAttribute` follows the name.
    AttrPathEnd,
    /// A comparison operator or `pr`.
    Operator,
    /// A comparison value.
    Value,
    /// `(` after `not`.
    OpenParen,
    /// `)` closing a group.
    CloseParen,
    /// `]` closing a value filter.
    CloseBracket,
    /// `and`, `or` or the end of the filter.
    LogicalOrEnd,
    /// The end of a PATCH path (`.sub` or `[filter]` already given, or nothing more is allowed).
    PathEnd,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Expression => "an attribute path, \"not (\" or \"(\"",
            Expected::AttrPath => "an attribute path",
            Expected::AttrName => {
                "an attribute name (a letter, then letters, digits, \"-\" or \"_\")"
            }
            Expected::AttrPathEnd => {
                "the end of the attribute path (a name takes at most one \".subAttribute\")"
            }
            Expected::Operator => {
                "a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or pr"
            }
            Expected::Value => "a value (a \"string\", a number, true, false or null)",
            Expected::OpenParen => "\"(\" after not",
            Expected::CloseParen => "\"and\", \"or\" or \")\"",
            Expected::CloseBracket => "\"and\", \"or\" or \"]\"",
            Expected::LogicalOrEnd => "\"and\", \"or\" or the end of the filter",
            Expected::PathEnd => "the end of the path (or \".subAttribute\" after \"]\")",
        })
    }
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input was empty or only whitespace.
    Empty,
    /// Something other than what the grammar allows here.
    Expected {
        /// What would have been valid.
        expected: Expected,
        /// A short excerpt of what was there (`end of input` when nothing was).
        found: String,
    },
    /// A string value without its closing `"`.
    UnterminatedString,
    /// A `\` escape that JSON does not define, or a malformed `\uXXXX`.
    InvalidEscape,
    /// A `\uD800`–`\uDFFF` escape that is not part of a valid surrogate pair.
    LoneSurrogate,
    /// A raw control character (below U+0020) inside a string; JSON requires it escaped.
    ControlCharacter,
    /// A token that starts like a number but is not a JSON number (`01`, `1.`, `-`, `1e`).
    InvalidNumber {
        /// The offending token.
        found: String,
    },
    /// A value filter inside a value filter (`a[b[c pr]]`), which SCIM does not allow.
    NestedValueFilter,
    /// A value filter on a sub-attribute (`name.givenName[…]`): only `attr[…]` is allowed.
    ValueFilterOnSubAttribute,
    /// Parentheses, `not` and value filters nest deeper than the configured limit.
    TooDeep {
        /// The configured maximum nesting depth.
        limit: usize,
    },
    /// The input is longer than the configured limit.
    TooLong {
        /// The input's length in bytes.
        len: usize,
        /// The configured maximum, in bytes.
        limit: usize,
    },
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Empty => f.write_str("it is empty"),
            ErrorKind::Expected { expected, found } => write!(f, "expected {expected}, found {found}"),
            ErrorKind::UnterminatedString => {
                f.write_str("the string value has no closing double quote")
            }
            ErrorKind::InvalidEscape => f.write_str(
                "invalid escape in string (use \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX)",
            ),
            ErrorKind::LoneSurrogate => {
                f.write_str("\\u escape is half of a UTF-16 surrogate pair without its other half")
            }
            ErrorKind::ControlCharacter => {
                f.write_str("control character in string value (escape it, e.g. \\n or \\u0001)")
            }
            ErrorKind::InvalidNumber { found } => write!(
                f,
                "{found:?} is not a valid number (JSON numbers: -12, 0.5, 1e3; no leading zeros)"
            ),
            ErrorKind::NestedValueFilter => {
                f.write_str("a value filter \"[…]\" cannot contain another value filter")
            }
            ErrorKind::ValueFilterOnSubAttribute => f.write_str(
                "a value filter \"[…]\" must follow an attribute name, not a sub-attribute",
            ),
            ErrorKind::TooDeep { limit } => write!(
                f,
                "parentheses, not and value filters nest more than {limit} levels deep"
            ),
            ErrorKind::TooLong { len, limit } => {
                write!(f, "it is {len} bytes long, more than the limit of {limit}")
            }
        }
    }
}

/// A filter or path that could not be parsed.
///
/// ```
/// let err = scimkit_filter::parse_filter(r#"userName equals "bjensen""#).unwrap_err();
/// assert_eq!(err.offset, 9);
/// assert_eq!(
///     err.to_string(),
///     "invalid filter at offset 9: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or pr, found \"equals\""
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("invalid {input} at offset {offset}: {kind}")]
pub struct ParseError {
    /// Whether a filter or a PATCH path was being parsed.
    pub input: InputKind,
    /// Byte offset in the input where the problem starts.
    pub offset: usize,
    /// What went wrong.
    pub kind: ErrorKind,
}
