//! [`Mapping::check_fits`]: a resource's text values against the lengths its columns declare
//! ([`crate::sql::Column::max_bytes`]), so a value a column or index cannot hold is a `400`
//! naming the attribute and the limit instead of a database error (`500`).

use crate::error::ScimError;
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::sql::mapping::Mapping;
use scimkit_filter::AttrPath;

impl Mapping {
    /// Checks every mapped text value of `resource` against its column's
    /// [`max_bytes`](crate::sql::Column::max_bytes); the first too long is `invalidValue`
    /// naming the attribute, its length and the limit. A store calls it before writing.
    ///
    /// ```
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_core::sql::{ChildTable, Column, Mapping};
    /// use scimkit_core::Resource;
    /// use serde_json::json;
    ///
    /// let users = Mapping::new("accounts", "id")
    ///     .column("userName", Column::text("email").max_bytes(254))
    ///     .child("emails", ChildTable::new("emails", "account_id")
    ///         .column("value", Column::text("address").max_bytes(254)));
    /// let rt = ResourceType::user();
    /// let fine = Resource::from_json(json!({"userName": "ann@example.com"}))?;
    /// assert!(users.check_fits(&rt, &fine).is_ok());
    /// let long = format!("{}@example.com", "a".repeat(300));
    /// let refused = users
    ///     .check_fits(&rt, &Resource::from_json(json!({"userName": "ann", "emails": [{"value": long}]}))?)
    ///     .unwrap_err();
    /// assert_eq!(refused.scim_type(), Some("invalidValue"));
    /// assert!(refused.detail().starts_with("emails.value is 312 bytes long"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_fits(&self, rt: &ResourceType, resource: &Resource) -> Result<(), ScimError> {
        for (path, column) in self.columns() {
            if let Some(max) = column.max_bytes {
                for text in texts(rt, resource, path, None) {
                    fits(&path.to_string(), &text, max)?;
                }
            }
        }
        for (path, child) in self.children() {
            for (sub, column) in &child.columns {
                if let Some(max) = column.max_bytes {
                    for text in texts(rt, resource, path, Some(sub)) {
                        fits(&format!("{path}.{sub}"), &text, max)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// `text` is at most `max` bytes, else the refusal naming `shown`.
fn fits(shown: &str, text: &str, max: usize) -> Result<(), ScimError> {
    if text.len() <= max {
        return Ok(());
    }
    Err(ScimError::InvalidValue(format!(
        "{shown} is {} bytes long; this server stores at most {max} bytes",
        text.len()
    )))
}

/// The strings at `path`, and for a child table at `path.sub`: a simple multi-valued
/// attribute (no sub-attributes) maps its own strings as `value`.
fn texts(
    rt: &ResourceType,
    resource: &Resource,
    path: &AttrPath,
    sub: Option<&str>,
) -> Vec<String> {
    let Some(sub) = sub else {
        return resource.strings_at(rt, path);
    };
    let element = AttrPath {
        sub_attr: Some(sub.to_owned()),
        ..path.clone()
    };
    match rt.resolve(&element) {
        Some(_) => resource.strings_at(rt, &element),
        None if sub.eq_ignore_ascii_case("value") => resource.strings_at(rt, path),
        None => Vec::new(),
    }
}
