//! The PATCH request message (RFC 7644 §3.5.2): parsing its JSON strictly, with errors that say
//! which operation is wrong and how.
//!
//! Identity-provider dialects (capitalised ops, Entra's remove-by-value-list…) are normalised by
//! [`crate::compat::normalize_patch`] before this parser sees the body.

use scimkit_filter::{parse_path, PatchPath};
use serde_json::{Map, Value};

use crate::error::ScimError;

/// The URN of a PATCH request message.
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A PATCH operation's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOp {
    /// `add`
    Add,
    /// `replace`
    Replace,
    /// `remove`
    Remove,
}

impl PatchOp {
    /// The RFC's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOp::Add => "add",
            PatchOp::Replace => "replace",
            PatchOp::Remove => "remove",
        }
    }
}

/// One operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// What to do.
    pub op: PatchOp,
    /// Where; `None` for a path-less `add`/`replace` whose value is an object of attributes.
    pub path: Option<PatchPath>,
    /// The value; `None` for `remove` (and never `None` for `add`/`replace`).
    pub value: Option<Value>,
}

impl PatchOperation {
    /// An operation from its parts (no checks; [`PatchRequest::from_json`] checks).
    pub fn new(op: PatchOp, path: Option<PatchPath>, value: Option<Value>) -> Self {
        PatchOperation { op, path, value }
    }

    /// The operation in the RFC's JSON shape.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("op".to_owned(), Value::from(self.op.as_str()));
        if let Some(path) = &self.path {
            map.insert("path".to_owned(), Value::String(path.to_string()));
        }
        if let Some(value) = &self.value {
            map.insert("value".to_owned(), value.clone());
        }
        Value::Object(map)
    }
}

/// A parsed PATCH request: its operations, in order.
///
/// ```
/// use scimkit_core::patch::{PatchOp, PatchRequest};
/// use serde_json::json;
///
/// let request = PatchRequest::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [
///         {"op": "replace", "path": "active", "value": false},
///         {"op": "remove", "path": "members[value eq \"2819c223\"]"},
///     ]
/// }))?;
/// assert_eq!(request.operations.len(), 2);
/// assert_eq!(request.operations[1].op, PatchOp::Remove);
///
/// let err = PatchRequest::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [{"op": "remove"}]
/// })).unwrap_err();
/// assert_eq!(err.scim_type(), Some("noTarget"));
/// # Ok::<(), scimkit_core::ScimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatchRequest {
    /// The operations, applied in order, all or nothing.
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// A request from operations.
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        PatchRequest { operations }
    }

    /// Parses a PATCH body. Member names are matched case-insensitively (`Operations`,
    /// `operations`); `op` values must be lower case (the compat layer lowers Entra's).
    ///
    /// Errors: `invalidSyntax` for a body that is not a PatchOp message or an operation that is
    /// not an object or names an unknown `op`; `invalidPath` for a `path` that does not parse
    /// (the parser's offset and expectation are in `detail`); `noTarget` for a `remove` without
    /// `path`; `invalidValue` for an `add`/`replace` without `value`, a path-less one whose
    /// value is not an object, or a `remove` with a value.
    pub fn from_json(body: Value) -> Result<PatchRequest, ScimError> {
        let Value::Object(mut body) = body else {
            return Err(ScimError::InvalidSyntax(
                "the PATCH body must be a JSON object with \"schemas\" and \"Operations\""
                    .to_owned(),
            ));
        };
        let schemas = take_ci(&mut body, "schemas");
        let has_schema = schemas.as_ref().and_then(Value::as_array).is_some_and(|s| {
            s.iter().any(|u| {
                u.as_str()
                    .is_some_and(|u| u.eq_ignore_ascii_case(PATCH_SCHEMA))
            })
        });
        if !has_schema {
            return Err(ScimError::InvalidSyntax(format!(
                "a PATCH body's \"schemas\" must be [\"{PATCH_SCHEMA}\"]"
            )));
        }
        let Some(Value::Array(operations)) = take_ci(&mut body, "Operations") else {
            return Err(ScimError::InvalidSyntax(
                "a PATCH body needs an \"Operations\" array".to_owned(),
            ));
        };
        if operations.is_empty() {
            return Err(ScimError::InvalidSyntax(
                "\"Operations\" is empty: a PATCH needs at least one operation".to_owned(),
            ));
        }
        // Sized up front: an operation is large, and a collected `Result` would start at
        // room for four (one allocation of more than a kilobyte for the usual single one).
        let mut parsed = Vec::with_capacity(operations.len());
        for (n, operation) in operations.into_iter().enumerate() {
            parsed.push(parse_operation(n, operation)?);
        }
        Ok(PatchRequest::new(parsed))
    }

    /// The request in the RFC's JSON shape.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert(
            "schemas".to_owned(),
            Value::Array(vec![Value::from(PATCH_SCHEMA)]),
        );
        map.insert(
            "Operations".to_owned(),
            Value::Array(
                self.operations
                    .iter()
                    .map(PatchOperation::to_json)
                    .collect(),
            ),
        );
        Value::Object(map)
    }
}

fn take_ci(map: &mut Map<String, Value>, key: &str) -> Option<Value> {
    let found = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()?;
    map.remove(&found)
}

fn parse_operation(n: usize, operation: Value) -> Result<PatchOperation, ScimError> {
    let Value::Object(mut operation) = operation else {
        return Err(ScimError::InvalidSyntax(format!(
            "Operations[{n}] must be an object with \"op\", \"path\" and \"value\""
        )));
    };
    let op = match take_ci(&mut operation, "op") {
        Some(Value::String(op)) => match op.as_str() {
            "add" => PatchOp::Add,
            "replace" => PatchOp::Replace,
            "remove" => PatchOp::Remove,
            other => {
                return Err(ScimError::InvalidSyntax(format!(
                    "Operations[{n}]: unknown op {other:?}; use \"add\", \"replace\" or \"remove\""
                )))
            }
        },
        _ => {
            return Err(ScimError::InvalidSyntax(format!(
                "Operations[{n}] needs an \"op\": \"add\", \"replace\" or \"remove\""
            )))
        }
    };
    let path = match take_ci(&mut operation, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(Value::String(text)) => Some(
            parse_path(&text)
                .map_err(|e| ScimError::InvalidPath(format!("Operations[{n}]: {e}")))?,
        ),
        Some(_) => {
            return Err(ScimError::InvalidPath(format!(
                "Operations[{n}]: \"path\" must be a string such as \"name.givenName\""
            )))
        }
    };
    let value = take_ci(&mut operation, "value");
    match (op, &path, &value) {
        (PatchOp::Remove, None, _) => Err(ScimError::NoTarget(format!(
            "Operations[{n}]: remove needs a \"path\" naming what to remove"
        ))),
        (PatchOp::Remove, Some(_), Some(v)) if !v.is_null() => {
            Err(ScimError::InvalidValue(format!(
                "Operations[{n}]: remove takes no \"value\"; to remove some values of a \
                 multi-valued attribute, select them in the path (members[value eq \"id\"])"
            )))
        }
        (PatchOp::Remove, Some(_), _) => Ok(PatchOperation::new(op, path, None)),
        (_, _, None) => Err(ScimError::InvalidValue(format!(
            "Operations[{n}]: {} needs a \"value\"",
            op.as_str()
        ))),
        (_, None, Some(v)) if !v.is_object() => Err(ScimError::InvalidValue(format!(
            "Operations[{n}]: a {} without \"path\" needs an object value of attributes",
            op.as_str()
        ))),
        _ => Ok(PatchOperation::new(op, path, value)),
    }
}
