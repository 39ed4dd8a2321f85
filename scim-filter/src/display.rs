//! Canonical printing: every AST prints as text that parses back to an equal AST.
//!
//! Canonical form: lower-case operators and keywords, single spaces, strings as JSON with the
//! minimal escapes, parentheses only where precedence or an explicit nested chain needs them.

use std::fmt::{self, Display, Formatter, Write};

use crate::ast::{AttrPath, AttrTest, CompValue, CompareOp, Filter, PatchPath, SubAttrTest};

impl Display for AttrPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for CompValue {
    /// ```
    /// use scimkit_filter::CompValue;
    /// assert_eq!(CompValue::from("a \"quoted\"\nline").to_string(), r#""a \"quoted\"\nline""#);
    /// assert_eq!(CompValue::Null.to_string(), "null");
    /// ```
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::String(s) => write_json_string(f, s),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Null => f.write_str("null"),
        }
    }
}

fn write_json_string(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\u{08}' => f.write_str("\\b")?,
            '\u{0c}' => f.write_str("\\f")?,
            c if c < '\u{20}' => write!(f, "\\u{:04x}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

impl Display for AttrTest {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            AttrTest::Present => f.write_str("pr"),
            AttrTest::Compare(op, value) => write!(f, "{op} {value}"),
        }
    }
}

impl Display for SubAttrTest {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, ".{} {}", self.name, self.test)
    }
}

impl Display for Filter {
    /// ```
    /// let f = scimkit_filter::parse_filter(r#"A PR  AND (b Eq 1 OR NOT(c pr))"#).unwrap();
    /// assert_eq!(f.to_string(), "A pr and (b eq 1 or not (c pr))");
    /// ```
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Attr { path, test } => write!(f, "{path} {test}"),
            Filter::ValuePath { path, filter, sub } => {
                write!(f, "{path}[{filter}]")?;
                match sub {
                    Some(sub) => write!(f, "{sub}"),
                    None => Ok(()),
                }
            }
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::And(operands) => write_chain(f, operands, " and ", |op| {
                matches!(op, Filter::And(_) | Filter::Or(_))
            }),
            Filter::Or(operands) => {
                write_chain(f, operands, " or ", |op| matches!(op, Filter::Or(_)))
            }
        }
    }
}

/// Writes operands joined by `sep`, parenthesising those for which `needs_parens` holds.
fn write_chain(
    f: &mut Formatter<'_>,
    operands: &[Filter],
    sep: &str,
    needs_parens: fn(&Filter) -> bool,
) -> fmt::Result {
    for (n, operand) in operands.iter().enumerate() {
        if n > 0 {
            f.write_str(sep)?;
        }
        if needs_parens(operand) {
            write!(f, "({operand})")?;
        } else {
            write!(f, "{operand}")?;
        }
    }
    Ok(())
}

impl Display for PatchPath {
    /// ```
    /// let p = scimkit_filter::parse_path(r#"members[value EQ "2819c223"]"#).unwrap();
    /// assert_eq!(p.to_string(), r#"members[value eq "2819c223"]"#);
    /// ```
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            PatchPath::Attr(attr) => write!(f, "{attr}"),
            PatchPath::Filtered {
                attr,
                filter,
                sub_attr,
            } => {
                write!(f, "{attr}[{filter}]")?;
                match sub_attr {
                    Some(sub) => write!(f, ".{sub}"),
                    None => Ok(()),
                }
            }
        }
    }
}
