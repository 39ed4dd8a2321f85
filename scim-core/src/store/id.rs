//! [`new_id`]: the resource ids the bundled stores assign (random UUID v4 text).

use std::fmt::Write as _;

use crate::store::StoreError;

/// A random UUID v4 in its text form (`8-4-4-4-12` lowercase hex), for a store's `create`.
/// Fails only when the system has no randomness ([`StoreError::Unavailable`]).
///
/// ```
/// let id = scimkit_core::store::new_id()?;
/// assert_eq!(id.len(), 36);
/// assert_ne!(scimkit_core::store::new_id()?, id);
/// # Ok::<(), scimkit_core::store::StoreError>(())
/// ```
pub fn new_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|err| StoreError::Unavailable(format!("no randomness for a new id: {err}")))?;
    let mut out = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        let byte = match i {
            6 => (byte & 0x0f) | 0x40,
            8 => (byte & 0x3f) | 0x80,
            _ => *byte,
        };
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{byte:02x}");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::new_id;

    #[test]
    fn ids_are_uuid_v4_text() {
        let id = new_id().unwrap_or_default();
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_eq!(id.chars().nth(14), Some('4'));
        assert!(matches!(id.chars().nth(19), Some('8' | '9' | 'a' | 'b')));
        assert_ne!(new_id().unwrap_or_default(), id);
    }
}
