//! Conversions between the typed views and the dynamic [`Resource`], through their shared JSON
//! representation.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ScimError;
use crate::resource::Resource;

/// Reads a typed view from a resource.
pub(super) fn from_resource<T: DeserializeOwned>(
    resource: &Resource,
    what: &str,
) -> Result<T, ScimError> {
    serde_json::from_value(resource.to_json())
        .map_err(|e| ScimError::InvalidValue(format!("the resource is not a valid {what}: {e}")))
}

/// Writes a typed view as a resource.
pub(super) fn to_resource<T: Serialize>(value: &T) -> Result<Resource, ScimError> {
    let json = serde_json::to_value(value)
        .map_err(|e| ScimError::Internal(format!("could not serialise a typed resource: {e}")))?;
    Resource::from_json(json)
}

macro_rules! typed_conversions {
    ($ty:ty, $what:literal) => {
        impl TryFrom<&$crate::resource::Resource> for $ty {
            type Error = $crate::ScimError;

            fn try_from(resource: &$crate::resource::Resource) -> Result<Self, Self::Error> {
                $crate::resource::typed::conversion::from_resource(resource, $what)
            }
        }

        impl TryFrom<$crate::resource::Resource> for $ty {
            type Error = $crate::ScimError;

            fn try_from(resource: $crate::resource::Resource) -> Result<Self, Self::Error> {
                Self::try_from(&resource)
            }
        }

        impl TryFrom<&$ty> for $crate::resource::Resource {
            type Error = $crate::ScimError;

            fn try_from(value: &$ty) -> Result<Self, Self::Error> {
                $crate::resource::typed::conversion::to_resource(value)
            }
        }

        impl TryFrom<$ty> for $crate::resource::Resource {
            type Error = $crate::ScimError;

            fn try_from(value: $ty) -> Result<Self, Self::Error> {
                Self::try_from(&value)
            }
        }
    };
}

pub(super) use typed_conversions;
