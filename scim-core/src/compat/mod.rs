//! The identity-provider compatibility layer: turns what Microsoft Entra ID, Okta, authentik,
//! OneLogin and others really send (see `IDP-NOTES.md` in the design documents) into RFC-clean
//! input, once, before validation and PATCH. Nothing else in the crate knows about these quirks.
//!
//! It works on raw JSON so that validation and the PATCH engine can stay strict. Every quirk is a
//! switch in [`CompatOptions`]; [`CompatOptions::strict`] turns them all off, and each
//! normalisation reports the [`Quirk`]s it applied, for logs.
//!
//! ```
//! use scimkit_core::compat::{normalize_patch, CompatOptions, Quirk};
//! use scimkit_core::schema::ResourceType;
//! use serde_json::json;
//!
//! // Entra's default dialect: capitalised op, boolean as a string.
//! let mut body = json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
//! });
//! let quirks = normalize_patch(&ResourceType::user(), &mut body, &CompatOptions::default());
//! assert_eq!(body["Operations"][0], json!({"op": "replace", "path": "active", "value": false}));
//! assert_eq!(quirks, [Quirk::CapitalisedOp, Quirk::BooleanString]);
//! ```

mod body;
mod legacy;
mod patch;

pub use body::normalize_resource;
pub use patch::normalize_patch;

/// Which identity-provider quirks to normalise. [`Default`] accepts them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompatOptions {
    /// PATCH `op` in any letter case (Entra sends `Add`, `Replace`, `Remove`).
    pub op_case: bool,
    /// `"True"`, `"False"`, `"true"`, `"false"` strings for boolean attributes (Entra), in
    /// POST/PUT bodies and PATCH values.
    pub boolean_strings: bool,
    /// Object keys that are attribute paths: dotted (`"name.givenName"`) or URN-qualified
    /// (`"urn:…:enterprise:2.0:User:employeeNumber"`), in path-less PATCH values (Entra's
    /// compliant dialect) and bodies.
    pub qualified_keys: bool,
    /// `{"op":"Remove","path":"members","value":[{"value":"id"}]}` removes only the listed
    /// members (Entra), instead of the whole attribute.
    pub remove_listed_values: bool,
    /// `add`/`replace` on `emails[type eq "work"].value` creates the element when none matches
    /// (Entra), instead of failing with `noTarget`. Applied by the PATCH engine, which cannot
    /// know before it looks at the resource.
    pub create_missing_filtered_target: bool,
    /// A complex attribute given as its bare `value`: `"manager": "<id>"` (Entra).
    pub bare_complex_value: bool,
    /// Schema URNs the resource type does not know and the body carries no data for, such as
    /// Entra's `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group`:
    /// dropped from `schemas`.
    pub attributeless_schema_urns: bool,
    /// Read-only attributes (`id`, `meta`, `schemas`, `groups`…) inside path-less PATCH values
    /// (Okta's rename sends the unchanged `id`): dropped instead of a `mutability` error.
    pub read_only_in_patch_values: bool,
    /// A `schemas` member inside an extension's object (`{"urn:…:enterprise:2.0:User":
    /// {"schemas": [...], "employeeNumber": "1"}}`, as Python's scim2-models writes it), in
    /// bodies and PATCH values: dropped instead of an unknown-attribute error.
    pub schemas_in_extension_objects: bool,
    /// A PATCH body without a top-level `schemas` member (authentik's path-less rename of a
    /// group): the PatchOp URN is supplied. Only when the member is absent: a `schemas` that
    /// does not list the PatchOp URN stays an error.
    pub patch_without_schemas: bool,
    /// Schema URNs from before RFC 7643, as OneLogin's "SCIM v2 Enterprise" template sends
    /// them: `urn:scim:schemas:core:2.0` stands for the resource type's core schema and
    /// `urn:scim:schemas:extension:enterprise:2.0` for the EnterpriseUser extension (when the
    /// type has it), in any letter case, in `schemas`, as top-level keys (the extension's
    /// object) of POST/PUT bodies and path-less PATCH values, and at the start of PATCH paths.
    pub legacy_schema_urns: bool,
}

impl Default for CompatOptions {
    fn default() -> Self {
        CompatOptions {
            op_case: true,
            boolean_strings: true,
            qualified_keys: true,
            remove_listed_values: true,
            create_missing_filtered_target: true,
            bare_complex_value: true,
            attributeless_schema_urns: true,
            read_only_in_patch_values: true,
            schemas_in_extension_objects: true,
            patch_without_schemas: true,
            legacy_schema_urns: true,
        }
    }
}

impl CompatOptions {
    /// The PATCH engine's options that follow these quirk switches
    /// (`create_missing_filtered_target`), with default validation.
    ///
    /// ```
    /// use scimkit_core::compat::CompatOptions;
    /// assert!(CompatOptions::default().patch_options().create_missing_filtered_target);
    /// assert!(!CompatOptions::strict().patch_options().create_missing_filtered_target);
    /// ```
    pub fn patch_options(&self) -> crate::patch::PatchOptions {
        crate::patch::PatchOptions {
            create_missing_filtered_target: self.create_missing_filtered_target,
            ..crate::patch::PatchOptions::default()
        }
    }

    /// Every quirk off: input must follow the RFCs exactly.
    pub fn strict() -> Self {
        CompatOptions {
            op_case: false,
            boolean_strings: false,
            qualified_keys: false,
            remove_listed_values: false,
            create_missing_filtered_target: false,
            bare_complex_value: false,
            attributeless_schema_urns: false,
            read_only_in_patch_values: false,
            schemas_in_extension_objects: false,
            patch_without_schemas: false,
            legacy_schema_urns: false,
        }
    }
}

/// A quirk that was normalised, reported for logging and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quirk {
    /// A PATCH `op` not in lower case.
    CapitalisedOp,
    /// A boolean attribute given as a string.
    BooleanString,
    /// A dotted or URN-qualified key expanded into nested objects.
    QualifiedKey,
    /// A remove of a multi-valued attribute with a value list, turned into per-value removes.
    RemoveListedValues,
    /// A complex attribute given as its bare value, wrapped as `{"value": …}`.
    BareComplexValue,
    /// An unknown schema URN without data, dropped from `schemas`.
    AttributelessSchemaUrn,
    /// A read-only attribute in a path-less PATCH value, dropped.
    ReadOnlyInPatchValue,
    /// A `schemas` member inside an extension's object, dropped.
    SchemasInExtensionObject,
    /// A PATCH body without `schemas`, given the PatchOp URN.
    PatchWithoutSchemas,
    /// A pre-RFC schema URN, rewritten to the resource type's.
    LegacySchemaUrn,
}
