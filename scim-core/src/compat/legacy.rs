//! Schema URNs from before RFC 7643, as OneLogin's "SCIM v2 Enterprise" template sends them
//! (`urn:scim:schemas:core:2.0`, `urn:scim:schemas:extension:enterprise:2.0`), rewritten to the
//! resource type's URNs: in `schemas`, in top-level keys (an extension's object, or a
//! URN-qualified attribute), and at the start of PATCH paths.

use serde_json::{Map, Value};

use crate::compat::Quirk;
use crate::schema::{ResourceType, ENTERPRISE_USER_SCHEMA};

/// The pre-RFC core URN, standing for the resource type's core schema.
const LEGACY_CORE: &str = "urn:scim:schemas:core:2.0";
/// The pre-RFC EnterpriseUser URN.
const LEGACY_ENTERPRISE: &str = "urn:scim:schemas:extension:enterprise:2.0";

/// The RFC URN a legacy one stands for in `rt`: the core schema for [`LEGACY_CORE`], the
/// EnterpriseUser extension for [`LEGACY_ENTERPRISE`] when `rt` has it.
fn replacement<'r>(rt: &'r ResourceType, legacy: &str) -> Option<&'r str> {
    if legacy.eq_ignore_ascii_case(LEGACY_CORE) {
        Some(rt.schema.id.as_str())
    } else if legacy.eq_ignore_ascii_case(LEGACY_ENTERPRISE) {
        rt.extension(ENTERPRISE_USER_SCHEMA).map(|s| s.id.as_str())
    } else {
        None
    }
}

/// `text` with a legacy URN at its start (the whole text, or followed by `:` and an attribute
/// path) replaced by the RFC one; `None` when it has none (letter case ignored).
pub(super) fn modern(rt: &ResourceType, text: &str) -> Option<String> {
    [LEGACY_ENTERPRISE, LEGACY_CORE].iter().find_map(|legacy| {
        let head = text.get(..legacy.len())?;
        let rest = text.get(legacy.len()..)?;
        if !head.eq_ignore_ascii_case(legacy) || !(rest.is_empty() || rest.starts_with(':')) {
            return None;
        }
        replacement(rt, legacy).map(|urn| format!("{urn}{rest}"))
    })
}

/// Rewrites legacy URNs in `schemas` and in the object's keys.
pub(super) fn modernise_resource(
    rt: &ResourceType,
    map: &mut Map<String, Value>,
    quirks: &mut Vec<Quirk>,
) {
    let schemas = map
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("schemas"))
        .map(|(_, v)| v);
    if let Some(Value::Array(urns)) = schemas {
        let mut changed = false;
        for urn in urns.iter_mut() {
            if let Some(rfc) = urn.as_str().and_then(|text| modern(rt, text)) {
                *urn = Value::String(rfc);
                changed = true;
            }
        }
        if changed {
            quirks.push(Quirk::LegacySchemaUrn);
        }
    }
    modernise_keys(rt, map, quirks);
}

/// Rewrites legacy URNs in an object's keys. An extension's object under a legacy key is
/// merged into one under the RFC key, whose members win.
pub(super) fn modernise_keys(
    rt: &ResourceType,
    map: &mut Map<String, Value>,
    quirks: &mut Vec<Quirk>,
) {
    let legacy: Vec<(String, String)> = map
        .keys()
        .filter_map(|key| modern(rt, key).map(|rfc| (key.clone(), rfc)))
        .collect();
    for (key, rfc) in legacy {
        let Some(value) = map.remove(&key) else {
            continue;
        };
        let existing = map
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(&rfc))
            .map(|(_, v)| v);
        match (existing, value) {
            (Some(Value::Object(rfc_map)), Value::Object(legacy_map)) => {
                for (name, member) in legacy_map {
                    if !rfc_map.keys().any(|k| k.eq_ignore_ascii_case(&name)) {
                        rfc_map.insert(name, member);
                    }
                }
            }
            // The RFC key's value is kept as the client's own choice.
            (Some(_), _) => {}
            (None, value) => {
                map.insert(rfc, value);
            }
        }
        quirks.push(Quirk::LegacySchemaUrn);
    }
}
