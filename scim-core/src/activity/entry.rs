//! [`ActivityEntry`]: one answered request as the activity log keeps it, and [`ActivityChange`],
//! the committed write it made.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use crate::events::ChangeKind;

/// The longest identity-provider name (`User-Agent`) kept, in characters.
pub const MAX_IDENTITY_PROVIDER_CHARS: usize = 200;
/// The longest path (with its query string) kept, in characters.
pub const MAX_PATH_CHARS: usize = 1024;
/// The longest error detail kept, in characters.
pub const MAX_DETAIL_CHARS: usize = 1024;
/// The longest resource id, resource type, `scimType` or `bulkId` kept, in characters.
pub const MAX_NAME_CHARS: usize = 256;
/// The most attribute names one [`ActivityChange`] lists.
pub const MAX_CHANGED_ATTRIBUTES: usize = 64;

/// One request the engine answered, or one operation of a `/Bulk` request, as the activity log
/// keeps it: who sent what, and what came of it.
///
/// It holds no request body, no header but `User-Agent`, no token and no value of a
/// `returned: never` attribute such as `password`: only the request line, the status, the
/// error's `scimType` and `detail` (withheld when it names a write-only attribute), and the
/// names of changed attributes. Every text is bounded (the `MAX_*` constants of this module).
/// Serialised in camelCase, as an admin API would show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityEntry {
    /// When the request was answered.
    pub time: DateTime<Utc>,
    /// The tenant the request was for.
    pub tenant: String,
    /// Whether the caller was authenticated. `false` for a request refused before (a `401`)
    /// and for public discovery, recorded for the tenant its URL names: anyone who knows the
    /// URL can cause such entries.
    pub authenticated: bool,
    /// The client's `User-Agent` (which identity provider sent it), cut to
    /// [`MAX_IDENTITY_PROVIDER_CHARS`].
    pub identity_provider: Option<String>,
    /// The HTTP method (`POST`); for a `/Bulk` operation, the operation's method.
    pub method: String,
    /// The path below the mount point with its query string (`/Users?filter=…`), cut to
    /// [`MAX_PATH_CHARS`]. A query naming a write-only attribute is left out. For a `/Bulk`
    /// operation, `/{endpoint}/{id}` when its response gave a location, else `/Bulk`.
    pub path: String,
    /// The resource type the path names (`User`), when it names one.
    pub resource_type: Option<String>,
    /// The resource's id, when the path names one or the request created one.
    pub resource_id: Option<String>,
    /// For an operation of a `/Bulk` request, its `bulkId`, when it had one.
    pub bulk_id: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// For a refusal, the error's `scimType` (`uniqueness`), when it has one.
    pub scim_type: Option<String>,
    /// For a refusal, the error's `detail`, cut to [`MAX_DETAIL_CHARS`]; `None` when the
    /// error had none or it names a `returned: never` attribute (whose value it may quote).
    pub detail: Option<String>,
    /// For a committed write, what it changed.
    pub change: Option<ActivityChange>,
}

impl ActivityEntry {
    /// Whether the request was refused (status 400 or more).
    pub fn is_refusal(&self) -> bool {
        self.status >= 400
    }
}

/// The write a request committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityChange {
    /// Created, replaced, patched or deleted (serialised in lower case).
    #[serde(serialize_with = "kind_name")]
    pub kind: ChangeKind,
    /// The names of the attributes changed, where they are known without more work: a PATCH's
    /// operation paths (attribute names only, no filter or value) and the keys of its path-less
    /// values. `None` for a create, replace or delete, and for a `/Bulk` operation.
    pub attributes: Option<Vec<String>>,
}

fn kind_name<S: Serializer>(kind: &ChangeKind, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind.as_str())
}

/// `text` cut to at most `max` characters.
pub(crate) fn bounded(text: &str, max: usize) -> String {
    // At most `max` bytes is at most `max` characters.
    if text.len() <= max {
        return text.to_owned();
    }
    match text.char_indices().nth(max) {
        Some((end, _)) => text.get(..end).unwrap_or_default().to_owned(),
        None => text.to_owned(),
    }
}
