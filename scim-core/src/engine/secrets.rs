//! Write-only values (`returned: never`, such as `password`): kept out of events, and changed
//! only when the host enables `changePassword`.

use serde_json::Value;

use crate::error::ScimError;
use crate::resource::Resource;
use crate::schema::{ResourceType, Returned};

/// Removes every `returned: never` attribute (core and extensions) from `resource`, so hooks
/// and logs never see a password.
pub(crate) fn strip(rt: &ResourceType, resource: &mut Resource) {
    for attribute in rt
        .schema
        .attributes
        .iter()
        .filter(|a| a.returned == Returned::Never)
    {
        resource
            .attributes
            .retain(|key, _| !key.eq_ignore_ascii_case(&attribute.name));
    }
    for ext in &rt.extensions {
        let Some(Value::Object(values)) = resource
            .attributes
            .iter_mut()
            .find(|(key, _)| key.eq_ignore_ascii_case(&ext.schema.id))
            .map(|(_, v)| v)
        else {
            continue;
        };
        for attribute in ext
            .schema
            .attributes
            .iter()
            .filter(|a| a.returned == Returned::Never)
        {
            values.retain(|key, _| !key.eq_ignore_ascii_case(&attribute.name));
        }
    }
}

/// Refuses a PUT body or PATCH request that sets `password` when `changePassword` is off
/// (RFC 7643 §5: the service provider says whether it supports password changes).
pub(crate) fn check_password_change(enabled: bool, body: &Value) -> Result<(), ScimError> {
    if enabled || !touches_password(body) {
        return Ok(());
    }
    Err(ScimError::Mutability(
        "password changes are not enabled on this service provider (changePassword is not supported); \
         passwords can only be set when a user is created"
            .to_owned(),
    ))
}

/// Whether a PUT body or a PATCH request names `password`: a top-level key, a PATCH `path`, or
/// a key of a path-less PATCH value.
fn touches_password(body: &Value) -> bool {
    let Value::Object(map) = body else {
        return false;
    };
    let is_password = |text: &str| {
        let name = text.rsplit(':').next().unwrap_or(text);
        name.trim().eq_ignore_ascii_case("password")
    };
    if map.keys().any(|k| is_password(k)) {
        return true;
    }
    let operations = map
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        .and_then(|(_, v)| v.as_array());
    operations.is_some_and(|ops| {
        ops.iter().any(|op| {
            let path = op.get("path").and_then(Value::as_str);
            let value_keys = op.get("value").and_then(Value::as_object);
            path.is_some_and(is_password)
                || (path.is_none() && value_keys.is_some_and(|v| v.keys().any(|k| is_password(k))))
        })
    })
}
