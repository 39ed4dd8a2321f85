//! Resource ids as the store keeps them: the 128 bits of the random UUID (v4) it issued, not
//! its 36-character text. Every map keyed by id (resources, group members, the reverse
//! membership index, index holders) holds 16 bytes per id and hashes it with [`IdHasher`], a
//! fold of the two halves: ids are random, so no keyed hash is needed (a caller can choose the
//! id it asks for, never the ids stored).
//!
//! Text that is not an id in the store's canonical form (lowercase hex, hyphens at 8-4-4-4-12)
//! names no stored resource: [`Id::parse`] answers `None` for it.

use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use crate::store::StoreError;

/// A stored resource's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Id {
    hi: u64,
    lo: u64,
}

/// Where the hyphens of the text form are.
const HYPHENS: [usize; 4] = [8, 13, 18, 23];

impl Id {
    /// A new random UUID v4.
    pub(super) fn random() -> Result<Id, StoreError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)
            .map_err(|err| StoreError::Unavailable(format!("no randomness for a new id: {err}")))?;
        let n = u128::from_be_bytes(bytes);
        // Version 4 (bits 76..80) and the RFC 9562 variant (bits 62..64).
        let n = (n & !(0xf << 76)) | (0x4 << 76);
        let n = (n & !(0x3 << 62)) | (0x2 << 62);
        Ok(Id::from_u128(n))
    }

    fn from_u128(n: u128) -> Id {
        let [hi, lo] =
            [n >> 64, n & u128::from(u64::MAX)].map(|half| u64::try_from(half).unwrap_or_default());
        Id { hi, lo }
    }

    /// The id written as `text`, when it is in the canonical form.
    pub(super) fn parse(text: &str) -> Option<Id> {
        if text.len() != 36 {
            return None;
        }
        let mut n: u128 = 0;
        for (at, byte) in text.bytes().enumerate() {
            if HYPHENS.contains(&at) {
                if byte != b'-' {
                    return None;
                }
                continue;
            }
            let digit = match byte {
                b'0'..=b'9' => byte - b'0',
                b'a'..=b'f' => byte - b'a' + 10,
                _ => return None,
            };
            n = (n << 4) | u128::from(digit);
        }
        Some(Id::from_u128(n))
    }
}

impl Id {
    /// The canonical text form (what [`Id::parse`] reads), written without the formatting
    /// machinery: every read of a resource writes its id.
    pub(super) fn text(self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let n = (u128::from(self.hi) << 64) | u128::from(self.lo);
        let mut out = String::with_capacity(36);
        for digit in 0..32 {
            if matches!(digit, 8 | 12 | 16 | 20) {
                out.push('-');
            }
            let nibble = (n >> (4 * (31 - digit))) & 0xf;
            let index = usize::try_from(nibble).unwrap_or_default();
            out.push(char::from(HEX.get(index).copied().unwrap_or(b'0')));
        }
        out
    }
}

impl fmt::Display for Id {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        out.write_str(&self.text())
    }
}

impl Hash for Id {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hi ^ self.lo);
    }
}

/// The hasher of every id-keyed map (see the module documentation), also used for keys that
/// are already keyed hashes ([`super::index`]).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Fold(u64);

impl Hasher for Fold {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

/// Builds [`Fold`] hashers.
pub(super) type IdHasher = BuildHasherDefault<Fold>;

#[cfg(test)]
mod tests {
    use super::Id;

    #[test]
    fn ids_are_uuid_v4_text_and_parse_back() {
        let id = Id::random().unwrap_or(Id { hi: 0, lo: 0 });
        let text = id.to_string();
        let parts: Vec<&str> = text.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(text.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_eq!(text.chars().nth(14), Some('4'));
        assert!(matches!(text.chars().nth(19), Some('8' | '9' | 'a' | 'b')));
        assert_eq!(Id::parse(&text), Some(id));
        assert_eq!(id.text(), text);
        assert_ne!(Id::random().ok(), Some(id));
    }

    #[test]
    fn only_the_canonical_form_parses() {
        let text = "0a21f0f2-8d2a-4f8e-bf98-0123456789ab";
        assert_eq!(
            Id::parse(text).map(|id| id.to_string()).as_deref(),
            Some(text)
        );
        for other in [
            "0A21F0F2-8D2A-4F8E-BF98-0123456789AB",
            "0a21f0f28d2a4f8ebf980123456789ab",
            "0a21f0f2-8d2a-4f8e-bf98-0123456789a",
            "0a21f0f2-8d2a-4f8e-bf98_0123456789ab",
            "0a21f0f2-8d2a-4f8e-bf98-0123456789ag",
            "",
        ] {
            assert_eq!(Id::parse(other), None, "{other}");
        }
    }
}
