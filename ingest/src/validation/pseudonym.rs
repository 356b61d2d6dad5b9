//! Pseudonymisation of personal fields (Nghị định 13/2023/NĐ-CP).
//!
//! Names, phone numbers and citizen ID numbers are replaced by an HMAC-SHA-256 of their
//! normalised value under a key that lives outside the lake. The same person gets the same
//! token across extracts, so records can still be linked, but the token cannot be reversed
//! or recomputed without the key.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{IngestError, Result};

/// Environment variable holding the key (hex or any text of 32+ bytes).
pub const KEY_ENV: &str = "CHISO_PSEUDONYM_KEY";

/// Keyed hashing of personal fields.
#[derive(Clone)]
pub struct Pseudonymiser {
    /// The HMAC already keyed: each token then costs only the hashing of its value.
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser(<key hidden>)")
    }
}

impl Pseudonymiser {
    /// A pseudonymiser with this key. Keys shorter than 16 bytes are refused: they could be
    /// guessed.
    pub fn new(key: impl Into<Vec<u8>>) -> Result<Self> {
        let key = key.into();
        if key.len() < 16 {
            return Err(IngestError::MissingKey);
        }
        // new_from_slice never fails for HMAC, whatever the key length
        let keyed = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| IngestError::MissingKey)?;
        Ok(Self { keyed })
    }

    /// Reads the key from `CHISO_PSEUDONYM_KEY`, else from `key_file`.
    pub fn from_env_or_file(key_file: Option<&std::path::Path>) -> Result<Self> {
        if let Ok(k) = std::env::var(KEY_ENV)
            && !k.trim().is_empty()
        {
            return Self::new(k.trim().as_bytes().to_vec());
        }
        if let Some(path) = key_file {
            let bytes = std::fs::read(path).map_err(|source| IngestError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            let text = String::from_utf8_lossy(&bytes);
            return Self::new(text.trim().as_bytes().to_vec());
        }
        Err(IngestError::MissingKey)
    }

    /// The token for a personal value: `p1:` and 32 hex digits. Case, spacing and Unicode
    /// form do not change the token.
    pub fn token(&self, value: &str) -> Option<String> {
        let clean = crate::text::clean(value);
        let mut norm = String::with_capacity(clean.len());
        if clean.is_ascii() {
            // phone and ID numbers, most of what is hashed: one pass, no copy a step
            for word in clean.split_whitespace() {
                if !norm.is_empty() {
                    norm.push(' ');
                }
                norm.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
            }
        } else {
            // a whole-text lowering: a Greek capital sigma lowers by its place in the word
            for word in clean.to_lowercase().split_whitespace() {
                if !norm.is_empty() {
                    norm.push(' ');
                }
                norm.push_str(word);
            }
        }
        if norm.is_empty() {
            return None;
        }
        let mut mac = self.keyed.clone();
        mac.update(norm.as_bytes());
        let out = mac.finalize().into_bytes();
        Some(format!("p1:{}", hex::encode(&out[..16])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_keyed_and_normalised() {
        let a = Pseudonymiser::new(b"0123456789abcdef0123".to_vec()).unwrap();
        let b = Pseudonymiser::new(b"another-key-0123456789".to_vec()).unwrap();
        let t = a.token("Nguyễn Văn An").unwrap();
        assert!(t.starts_with("p1:") && t.len() == 35);
        assert_eq!(a.token(" nguyễn  VĂN an "), Some(t.clone()));
        assert_eq!(a.token("Nguye\u{0302}\u{0303}n Văn An"), Some(t.clone()));
        assert_ne!(b.token("Nguyễn Văn An"), Some(t));
        assert_eq!(a.token("  "), None);
        // ASCII values take a shorter way to the same normal form
        let phone = a.token("0912 345 678").unwrap();
        assert_eq!(a.token("\t0912  345\u{a0}678 "), Some(phone.clone()));
        assert_eq!(a.token("AbC 12"), a.token("abc\u{3000}12"));
        assert!(Pseudonymiser::new(b"short".to_vec()).is_err());
    }
}
