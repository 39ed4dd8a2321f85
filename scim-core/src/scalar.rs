//! Attribute values reduced to comparable scalars, by the attribute's schema: strings folded to
//! lower case unless `caseExact`, `dateTime` as instants, numbers as numbers.
//!
//! Filter evaluation and sorting both compare through this module, so `userName eq "X"` and
//! `sortBy=userName` agree on what "equal" and "before" mean. It never looks inside complex
//! values: callers pick the sub-attribute first.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use crate::schema::{Attribute, AttributeType};

/// One comparable value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    /// A string, reference or binary value; already lower-cased when the attribute is not
    /// `caseExact`.
    Text(Cow<'a, str>),
    /// An integer or decimal.
    Number(f64),
    /// A `dateTime`, as an instant.
    Time(DateTime<Utc>),
    /// A boolean.
    Bool(bool),
}

impl Scalar<'_> {
    /// Orders two scalars of the same kind; `None` across kinds (or for NaN).
    pub(crate) fn compare(&self, other: &Scalar<'_>) -> Option<Ordering> {
        match (self, other) {
            (Scalar::Text(a), Scalar::Text(b)) => Some(a.as_ref().cmp(b.as_ref())),
            (Scalar::Number(a), Scalar::Number(b)) => a.partial_cmp(b),
            (Scalar::Time(a), Scalar::Time(b)) => Some(a.cmp(b)),
            (Scalar::Bool(a), Scalar::Bool(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// A total order for sorting: [`Scalar::compare`] where it answers; across kinds, by kind
    /// (text < number < time < boolean); numbers that `compare` cannot order (NaN) by
    /// `f64::total_cmp`.
    pub(crate) fn total_cmp(&self, other: &Scalar<'_>) -> Ordering {
        if let Some(order) = self.compare(other) {
            return order;
        }
        match (self, other) {
            (Scalar::Number(a), Scalar::Number(b)) => a.total_cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }

    /// The kind's place in [`Scalar::total_cmp`].
    fn rank(&self) -> u8 {
        match self {
            Scalar::Text(_) => 0,
            Scalar::Number(_) => 1,
            Scalar::Time(_) => 2,
            Scalar::Bool(_) => 3,
        }
    }

    /// The same scalar owning its text, so it can outlive the JSON it was read from.
    pub(crate) fn into_owned(self) -> Scalar<'static> {
        match self {
            Scalar::Text(text) => Scalar::Text(Cow::Owned(text.into_owned())),
            Scalar::Number(n) => Scalar::Number(n),
            Scalar::Time(t) => Scalar::Time(t),
            Scalar::Bool(b) => Scalar::Bool(b),
        }
    }
}

/// Folds `text` for a case-insensitive comparison; borrows when there is nothing to fold.
pub(crate) fn fold(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_uppercase) {
        Cow::Owned(text.to_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// Reads a JSON value of `attribute`'s (non-complex) type as a scalar. `None` when the JSON type
/// does not fit the attribute (stored data is validated, so this only happens for data written
/// around validation) or the attribute is complex.
pub(crate) fn scalar_of<'v>(attribute: &Attribute, value: &'v Value) -> Option<Scalar<'v>> {
    scalar_of_kind(attribute.kind, attribute.case_exact, value)
}

/// [`scalar_of`] for callers that keep only the type and `caseExact` of an attribute. Binary
/// values are always case-exact (RFC 7643 §2.3.6), whatever the schema says.
pub(crate) fn scalar_of_kind(
    kind: AttributeType,
    case_exact: bool,
    value: &Value,
) -> Option<Scalar<'_>> {
    match kind {
        AttributeType::String | AttributeType::Reference | AttributeType::Binary => {
            let text = value.as_str()?;
            Some(Scalar::Text(
                if case_exact || kind == AttributeType::Binary {
                    Cow::Borrowed(text)
                } else {
                    fold(text)
                },
            ))
        }
        AttributeType::Integer | AttributeType::Decimal => value.as_f64().map(Scalar::Number),
        AttributeType::DateTime => value.as_str().and_then(parse_date_time).map(Scalar::Time),
        AttributeType::Boolean => value.as_bool().map(Scalar::Bool),
        AttributeType::Complex => None,
    }
}

/// Parses an `xsd:dateTime`: RFC 3339 with an offset, or without one (read as UTC).
pub(crate) fn parse_date_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_fold_unless_case_exact() {
        let loose = Attribute::string("userName");
        let exact = Attribute::string("id").case_exact(true);
        let a_json = json!("BJensen");
        let a = scalar_of(&loose, &a_json).unwrap();
        let b_json = json!("bjensen");
        let b = scalar_of(&loose, &b_json).unwrap();
        assert_eq!(a.compare(&b), Some(Ordering::Equal));
        let a_json = json!("BJensen");
        let a = scalar_of(&exact, &a_json).unwrap();
        let b_json = json!("bjensen");
        let b = scalar_of(&exact, &b_json).unwrap();
        assert_eq!(a.compare(&b), Some(Ordering::Less));
        assert!(matches!(fold("abc"), Cow::Borrowed(_)));
        assert_eq!(fold("ÄBC"), "äbc");
    }

    #[test]
    fn times_compare_as_instants() {
        let at = Attribute::date_time("t");
        let utc_json = json!("2024-01-01T10:00:00Z");
        let utc = scalar_of(&at, &utc_json).unwrap();
        let offset_json = json!("2024-01-01T12:00:00+02:00");
        let offset = scalar_of(&at, &offset_json).unwrap();
        let naive_json = json!("2024-01-01T10:00:00");
        let naive = scalar_of(&at, &naive_json).unwrap();
        assert_eq!(utc.compare(&offset), Some(Ordering::Equal));
        assert_eq!(utc.compare(&naive), Some(Ordering::Equal));
        let bad = json!("yesterday");
        assert!(scalar_of(&at, &bad).is_none());
    }

    #[test]
    fn numbers_and_kinds() {
        let n = Attribute::decimal("n");
        let a_json = json!(2);
        let a = scalar_of(&n, &a_json).unwrap();
        let b_json = json!(10.5);
        let b = scalar_of(&n, &b_json).unwrap();
        assert_eq!(a.compare(&b), Some(Ordering::Less));
        assert_eq!(a.compare(&Scalar::Bool(true)), None);
        let text = json!("2");
        assert!(scalar_of(&n, &text).is_none());
        let object = json!({});
        assert!(scalar_of(&Attribute::complex("c", vec![]), &object).is_none());
    }

    #[test]
    fn total_order_across_kinds_and_nan() {
        let text = Scalar::Text(Cow::Borrowed("z"));
        let number = Scalar::Number(1.0);
        let nan = Scalar::Number(f64::NAN);
        assert_eq!(text.total_cmp(&number), Ordering::Less);
        assert_eq!(Scalar::Bool(false).total_cmp(&number), Ordering::Greater);
        assert_eq!(number.total_cmp(&nan), Ordering::Less);
        assert_eq!(nan.total_cmp(&nan), Ordering::Equal);
        assert_eq!(
            Scalar::Number(0.0).total_cmp(&Scalar::Number(-0.0)),
            Ordering::Equal
        );
        let owned = Scalar::Text(Cow::Borrowed("a")).into_owned();
        assert!(matches!(owned, Scalar::Text(Cow::Owned(_))));
    }
}
