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
        let norm = normal_form(&crate::text::clean(value));
        if norm.is_empty() {
            return None;
        }
        let mut mac = self.keyed.clone();
        mac.update(norm.as_bytes());
        let out = mac.finalize().into_bytes();
        Some(token_text(&out[..16]))
    }
}

/// `text` lower-cased, its words (runs without white space) joined by one space: the same as
/// `text.to_lowercase()` split on white space and joined, in one pass. A letter whose
/// lowering depends on its place in the word (a capital sigma) sends the whole text the
/// long way.
fn normal_form(text: &str) -> String {
    let mut norm = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !norm.is_empty();
            continue;
        }
        if space {
            norm.push(' ');
            space = false;
        }
        match lower(c) {
            Some(l) => norm.push(l),
            None if c == 'Σ' => {
                return text
                    .to_lowercase()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            None => norm.extend(c.to_lowercase()),
        }
    }
    norm
}

/// The lower case of the letters Vietnamese is written with, without a table look-up: ASCII,
/// Latin-1's letters, ă đ ĩ ũ ơ ư and the letters with two marks (U+1EA0–U+1EF9, capitals
/// at even code points). `None` for any other character.
fn lower(c: char) -> Option<char> {
    let u = c as u32;
    let l = match u {
        0x00..=0x7F => u8::try_from(u).ok()?.to_ascii_lowercase().into(),
        0xC0..=0xDE if u != 0xD7 => u + 0x20,
        0xD7..=0xFF => u,
        0x102 | 0x110 | 0x128 | 0x168 | 0x1A0 => u + 1,
        0x103 | 0x111 | 0x129 | 0x169 | 0x1A1 | 0x1B0 => u,
        0x1AF => 0x1B0,
        0x1EA0..=0x1EF9 => u | 1,
        _ => return None,
    };
    char::from_u32(l)
}

/// `p1:` and `bytes` in lower-case hex.
fn token_text(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(3 + 2 * bytes.len());
    s.push_str("p1:");
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
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

    /// The normal form taken in one pass is the one the lowering of the whole text gives,
    /// split on white space and joined: tokens already in the lake stay what they were.
    #[test]
    fn one_pass_gives_the_normal_form_of_the_whole_text() {
        let whole = |t: &str| {
            t.to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        for t in [
            "Nguyễn Văn An",
            "ĐẶNG THỊ ƯỚC  Ơn\u{a0}Ũ Ĩ",
            " Ă ắ Ặ ỹ Ỹ Ỵ ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ ×÷ ß ÿ ",
            "ΟΔΥΣΣΕΥΣ Σ ΑΣ",
            "İstanbul ǅ Ⅻ",
            "\tA\u{3000}b\u{2029}C ",
            "",
            "   ",
        ] {
            assert_eq!(normal_form(t), whole(t), "{t:?}");
        }
        // the quick lowering is the standard one wherever it answers
        for c in (0..0x2000u32).filter_map(char::from_u32) {
            if let Some(l) = lower(c) {
                assert_eq!(c.to_lowercase().collect::<String>(), l.to_string(), "{c:?}");
            }
        }
        // lowering never makes or unmakes white space, so words split the same before it
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert!(
                c.to_lowercase()
                    .all(|l| l.is_whitespace() == c.is_whitespace()),
                "{c:?}"
            );
        }
    }

    #[test]
    fn a_token_is_its_hmacs_first_half_in_hex() {
        let bytes: Vec<u8> = (0..=255u8).step_by(17).collect();
        assert_eq!(token_text(&bytes), format!("p1:{}", hex::encode(&bytes)));
    }
}
