//! Which encoding an extract's bytes are in, and their text as NFC Unicode.
//!
//! Vietnamese extracts reach us in six shapes: UTF-8 with or without a BOM, UTF-16 as Excel
//! writes "Unicode text", Unicode in decomposed form (NFD, from some Mac and web systems),
//! and the two 8-bit encodings that old office software still produces: TCVN3 (the ABC
//! fonts, TCVN 5712:1993) and VNI-Windows (the VNI fonts). A file never says which legacy
//! encoding it is in, so [`detect`] has to work it out from the bytes.
//!
//! # Detection rules, in order
//!
//! 1. **Byte-order marks.** `EF BB BF` is UTF-8, `FF FE` UTF-16LE, `FE FF` UTF-16BE. A BOM is
//!    deliberate, so it wins over every guess below (and a UTF-8 BOM followed by invalid
//!    UTF-8 is an error, not a cue to guess a legacy encoding).
//! 2. **UTF-16 without a BOM.** Text in a CSV is mostly ASCII, and ASCII in UTF-16LE puts a
//!    `00` in every second (odd-offset) byte. If at least half of the code units have a zero
//!    high byte and at most one in twenty has a zero low byte, it is UTF-16LE (mirror-image
//!    for BE). This runs before the UTF-8 check because NUL bytes are valid UTF-8: ASCII in
//!    UTF-16 would otherwise "decode" as UTF-8 full of NULs.
//! 3. **Valid UTF-8 is UTF-8.** Multi-byte UTF-8 sequences have a strict shape that 8-bit
//!    Vietnamese text practically never forms by accident, so a file that validates is
//!    taken as UTF-8. NFD input lands here too and is composed in the last step. One
//!    exception: TCVN3 puts a dozen capital letters (Ú, Ụ, Ừ, Ử, Ữ, Ứ, Ự, Ỳ, Ỷ, Ỹ, Ý, Ỵ) at
//!    control codes `01`–`17`. A file whose bytes are all below `80` but which contains those
//!    control codes, and reads as plausible Vietnamese in TCVN3, is TCVN3.
//! 4. **Invalid UTF-8: TCVN3 or VNI-Windows, whichever reads as Vietnamese.** VNI text is
//!    ASCII letters followed by diacritic bytes in `C0`–`FF` (cp1252 shapes, for example
//!    "Vieät" for "Việt"), and TCVN3 text is precomposed letters in `80`–`FF`. Neither forms
//!    valid UTF-8, so both get here. The bytes are decoded both ways and each result is
//!    scored. Each word that contains a non-ASCII letter is checked against the shape of a
//!    Vietnamese syllable (initial consonant, vowel cluster such as "ươ", "uyê", "oai",
//!    final such as "ng", "nh", "ch", and at most one tone mark, on a vowel). Each
//!    character that has no business in Vietnamese text (control codes, Latin-1 symbols
//!    such as `¸ µ ¶ ¦ ­`, which are what the wrong table turns letters into) counts
//!    against. A decoding is plausible when at least one word is a Vietnamese syllable and
//!    at least three quarters of the scored words and characters are. The decoding with
//!    the better ratio wins. If neither is plausible (Latin-1, random binary), it is an
//!    error. If both score exactly the same, it is also an error, because a guess could
//!    silently corrupt every name in the file. This mostly happens when there are too few
//!    accented letters to tell the two apart: `42 EC 6E` is "Bìn" in VNI and "Bỡn" in TCVN3.
//! 5. **Always NFC.** Whatever the source, the text is composed to NFC, so "Bình" typed on
//!    a Mac and "Bình" from Excel are the same string.
//!
//! [`detect`] names the encoding that [`decode`] would use. When the bytes are invalid UTF-8
//! and no legacy reading is plausible, or two are plausible and tied, [`decode`] fails and
//! [`detect`] says [`Encoding::Utf8`]: UTF-8 is what such a file claims to be, and the file
//! is broken.
//!
//! # The two legacy tables
//!
//! TCVN3 is decoded with the full TCVN 5712:1993 VN1 table. VN3, which is what ABC fonts
//! write, is a subset of it: lowercase letters at `B5`–`FE`, Ă Â Ê Ô Ơ Ư Đ at `A1`–`A7`, and
//! the tone marks alone at `B0`–`B4` (composed with the letter before them). VN1 adds the
//! remaining capitals at `80`–`9F`, at the free slots among the lowercase letters, and at
//! the control codes listed above. Text typed in ABC's uppercase fonts (.VnTimeH) is stored
//! with the lowercase codes. The bytes do not record case, so it comes out lowercase.
//!
//! VNI-Windows is cp1252 with the VNI fonts' meanings on top. ơ ư đ and the five toned i's
//! and ỵ are single bytes, and every other accented letter is an ASCII vowel followed by one
//! diacritic byte (`F9` sắc, `F8` huyền, `FB` hỏi, `F5` ngã, `EF` nặng, `E2` mũ, `EA` trăng,
//! and single bytes for mũ or trăng plus a tone). Capitals use the same codes minus `20`. Each
//! diacritic byte is decoded to Unicode combining marks, and NFC composes them with the
//! letter before.

use std::fmt;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// The encoding an extract's bytes were found to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark (also plain ASCII, and NFD Unicode).
    Utf8,
    /// UTF-8 starting with `EF BB BF`.
    Utf8Bom,
    /// UTF-16 little-endian: with `FF FE` as Excel writes it, or recognised without one.
    Utf16Le,
    /// UTF-16 big-endian: with `FE FF`, or recognised without one.
    Utf16Be,
    /// TCVN3 (ABC, TCVN 5712:1993).
    Tcvn3,
    /// VNI-Windows (VNI fonts, cp1252-based).
    VniWindows,
    /// VNI-Windows text that a program read as cp1252 and saved as UTF-8: valid UTF-8 that
    /// shows as "Vieät Nam".
    VniInUtf8,
}

impl Encoding {
    /// The encoding's usual name, as Vietnamese users know it.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (có BOM)",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Tcvn3 => "TCVN3 (ABC)",
            Encoding::VniWindows => "VNI-Windows",
            Encoding::VniInUtf8 => "VNI-Windows đã bị lưu nhầm thành UTF-8",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Detects the encoding of an extract's bytes and returns its text, NFC-normalised.
///
/// The error is a message in Vietnamese for the person who supplied the file. It says what
/// is wrong and what to do about it.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), String> {
    match sniff(bytes) {
        Sniffed::Legacy(encoding, text) => Ok((text, encoding)),
        Sniffed::Unreadable {
            invalid_at,
            ambiguous,
        } => Err(unreadable_message(bytes, invalid_at, ambiguous)),
        Sniffed::Unicode(encoding) => {
            let text = match encoding {
                Encoding::Utf8Bom => utf8(bytes, UTF8_BOM.len())?,
                Encoding::Utf16Le if bytes.starts_with(&[0xFF, 0xFE, 0x00, 0x00]) => {
                    return Err(UTF32_MESSAGE.to_string());
                }
                Encoding::Utf16Le => utf16(
                    bytes.strip_prefix(&[0xFF, 0xFE]).unwrap_or(bytes),
                    u16::from_le_bytes,
                )?,
                Encoding::Utf16Be => utf16(
                    bytes.strip_prefix(&[0xFE, 0xFF]).unwrap_or(bytes),
                    u16::from_be_bytes,
                )?,
                _ => utf8(bytes, 0)?,
            };
            Ok((nfc(text), encoding))
        }
    }
}

/// The encoding [`decode`] would read `bytes` as (see the module documentation for the
/// rules). For bytes that [`decode`] rejects, this is [`Encoding::Utf8`] (or the encoding
/// named by the BOM).
pub fn detect(bytes: &[u8]) -> Encoding {
    match sniff(bytes) {
        Sniffed::Unicode(encoding) | Sniffed::Legacy(encoding, _) => encoding,
        Sniffed::Unreadable { .. } => Encoding::Utf8,
    }
}

const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

const UTF32_MESSAGE: &str = "tệp có vẻ là UTF-32 (bắt đầu bằng FF FE 00 00), chưa được hỗ trợ; \
     hãy mở tệp và lưu lại dạng \"CSV UTF-8\"";

/// What the bytes turned out to be.
enum Sniffed {
    /// A Unicode encoding. The text is decoded by [`decode`] (it may still fail there, for
    /// example for a BOM followed by broken content).
    Unicode(Encoding),
    /// A legacy encoding that reads as plausible Vietnamese, with the text already
    /// decoded and normalised.
    Legacy(Encoding, String),
    /// Invalid UTF-8 that no legacy table makes sense of.
    Unreadable { invalid_at: usize, ambiguous: bool },
}

fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(&UTF8_BOM) {
        return Sniffed::Unicode(Encoding::Utf8Bom);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Sniffed::Unicode(Encoding::Utf16Le);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Sniffed::Unicode(Encoding::Utf16Be);
    }
    if let Some(encoding) = bomless_utf16(bytes) {
        return Sniffed::Unicode(encoding);
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => {
            let tcvn3_capitals = bytes.is_ascii() && bytes.iter().any(|&b| tcvn3_low(b).is_some());
            if tcvn3_capitals {
                let text = nfc(decode_tcvn3(bytes));
                if Plausibility::of(&text).plausible() {
                    return Sniffed::Legacy(Encoding::Tcvn3, text);
                }
            }
            if let Some(text) = vni_in_utf8(bytes) {
                return Sniffed::Legacy(Encoding::VniInUtf8, text);
            }
            Sniffed::Unicode(Encoding::Utf8)
        }
        Err(e) => legacy(bytes, e.valid_up_to()),
    }
}

/// Scores both legacy readings of bytes that are not UTF-8 and keeps the better one, if it is
/// plausible and strictly better.
fn legacy(bytes: &[u8], invalid_at: usize) -> Sniffed {
    let tcvn3 = nfc(decode_tcvn3(bytes));
    let vni = nfc(decode_vni(bytes));
    let (t, v) = (Plausibility::of(&tcvn3), Plausibility::of(&vni));
    match t.compare(&v) {
        std::cmp::Ordering::Greater if t.plausible() => Sniffed::Legacy(Encoding::Tcvn3, tcvn3),
        std::cmp::Ordering::Less if v.plausible() => Sniffed::Legacy(Encoding::VniWindows, vni),
        order => Sniffed::Unreadable {
            invalid_at,
            ambiguous: order.is_eq() && t.plausible(),
        },
    }
}

/// UTF-16 without a BOM: ASCII-heavy text has a zero in the high byte of most code units
/// and almost never in the low byte.
fn bomless_utf16(bytes: &[u8]) -> Option<Encoding> {
    let sample = &bytes[..bytes.len().min(8192)];
    let units = sample.len() / 2;
    if units < 2 {
        return None;
    }
    let (mut zero_even, mut zero_odd) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        zero_even += usize::from(pair[0] == 0);
        zero_odd += usize::from(pair[1] == 0);
    }
    if zero_odd * 2 >= units && zero_even * 20 <= units {
        Some(Encoding::Utf16Le)
    } else if zero_even * 2 >= units && zero_odd * 20 <= units {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// `bytes[skip..]` as UTF-8; error positions count from the start of `bytes`.
fn utf8(bytes: &[u8], skip: usize) -> Result<String, String> {
    String::from_utf8(bytes[skip..].to_vec()).map_err(|e| {
        let at = skip + e.utf8_error().valid_up_to();
        format!(
            "tệp ghi là UTF-8 nhưng có byte không hợp lệ ({}); hãy mở tệp bằng phần mềm đã \
             tạo ra nó và lưu lại dạng \"CSV UTF-8\"",
            position(bytes, at)
        )
    })
}

fn utf16(bytes: &[u8], word: fn([u8; 2]) -> u16) -> Result<String, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err(
            "tệp UTF-16 bị cắt cụt (số byte lẻ); hãy xuất lại tệp từ hệ thống nguồn".to_string(),
        );
    }
    let units = bytes.chunks_exact(2).map(|c| word([c[0], c[1]]));
    char::decode_utf16(units)
        .enumerate()
        .map(|(i, c)| {
            c.map_err(|_| {
                format!(
                    "tệp UTF-16 không hợp lệ (ký tự thứ {} là nửa cặp thay thế lẻ); hãy xuất \
                     lại tệp từ hệ thống nguồn",
                    i + 1
                )
            })
        })
        .collect()
}

fn unreadable_message(bytes: &[u8], invalid_at: usize, ambiguous: bool) -> String {
    let at = position(bytes, invalid_at);
    if ambiguous {
        format!(
            "tệp không phải UTF-8 (byte lỗi đầu tiên: {at}) và có quá ít chữ có dấu để phân \
             biệt TCVN3 (ABC) với VNI-Windows; hãy chuyển tệp sang Unicode (ví dụ bằng công cụ \
             chuyển mã của Unikey) hoặc lưu lại dạng \"CSV UTF-8\" rồi nạp lại"
        )
    } else {
        format!(
            "không nhận ra bảng mã của tệp: không phải UTF-8 (byte lỗi đầu tiên: {at}), đọc \
             theo TCVN3 (ABC) hay VNI-Windows cũng không ra tiếng Việt; hãy mở tệp bằng phần \
             mềm đã tạo ra nó và lưu lại dạng \"CSV UTF-8\", hoặc kiểm tra xem có gửi nhầm tệp \
             không"
        )
    }
}

/// "dòng 3, byte thứ 41" for byte offset `at` (both 1-based for people).
fn position(bytes: &[u8], at: usize) -> String {
    let at = at.min(bytes.len());
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    format!("dòng {line}, byte thứ {}", at + 1)
}

fn nfc(text: String) -> String {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text,
        _ => text.nfc().collect(),
    }
}

/// How [`decode`] reads a file, found by reading it once, a chunk at a time: `Some(n)` when
/// it is UTF-8 that reads as it stands after a byte-order mark of `n` bytes, so that its text
/// is its bytes and can be read as they come; `None` when reading it takes all of it at once
/// (UTF-16, a legacy encoding or a candidate for one, bytes that are not UTF-8, whose error
/// [`decode`] words).
pub fn streamable_utf8(mut input: impl std::io::Read) -> std::io::Result<Option<usize>> {
    const CHUNK: usize = 1 << 20;
    let mut buf = vec![0; CHUNK];
    // bytes of a character cut by the end of the chunk before, at the front of `buf`
    let mut carried = 0;
    let mut bom = None;
    let (mut ascii, mut tcvn3_codes, mut cp1252_only) = (true, false, true);
    loop {
        let n = carried + crate::formats::delimited::fill_io(&mut input, &mut buf[carried..])?;
        let mark = *bom.get_or_insert_with(|| {
            let head = &buf[..n];
            if head.starts_with(&UTF8_BOM) {
                Some(UTF8_BOM.len())
            } else if head.starts_with(&[0xFF, 0xFE])
                || head.starts_with(&[0xFE, 0xFF])
                || bomless_utf16(head).is_some()
            {
                None
            } else {
                Some(0)
            }
        });
        if mark.is_none() {
            return Ok(None);
        }
        if n == carried {
            // the end: a character cut short there is not UTF-8
            if carried > 0 {
                return Ok(None);
            }
            break;
        }
        let chunk = &buf[..n];
        // Vietnamese text is more than half bytes above 127: the standard check reads it
        // a character at a time, this one a vector at a time
        let valid = match simdutf8::compat::from_utf8(chunk) {
            Ok(text) => text,
            Err(e) if e.error_len().is_none() => {
                simdutf8::basic::from_utf8(&chunk[..e.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => return Ok(None),
        };
        if ascii && !valid.is_ascii() {
            ascii = false;
        }
        if ascii {
            tcvn3_codes = tcvn3_codes || valid.bytes().any(|b| tcvn3_low(b).is_some());
        } else if cp1252_only {
            cp1252_only = valid.chars().all(in_cp1252);
        }
        let used = valid.len();
        buf.copy_within(used..n, 0);
        carried = n - used;
    }
    let skip = bom.flatten().unwrap_or(0);
    let legacy_candidate = skip == 0 && ((ascii && tcvn3_codes) || (!ascii && cp1252_only));
    Ok((!legacy_candidate).then_some(skip))
}

/// A character cp1252 has: text made only of these may be VNI read as cp1252
/// ([`vni_in_utf8`]).
fn in_cp1252(c: char) -> bool {
    matches!(c as u32, 0x00..=0x7F | 0xA0..=0xFF) || CP1252_80.contains(&c)
}

/// One cell of a file read as it streams, in NFC, appended to `out` (the file's text is
/// normalised a cell at a time: no character composes across a separator or a line end).
pub fn push_nfc(out: &mut String, text: &str) {
    if crate::text::surely_nfc(text) || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        out.push_str(text);
    } else {
        out.extend(text.nfc());
    }
}

// ---------------------------------------------------------------------------------------
// TCVN3

/// TCVN3 capitals at control codes (VN1); every other byte below `80` is ASCII.
fn tcvn3_low(b: u8) -> Option<char> {
    Some(match b {
        0x01 => 'Ú',
        0x02 => 'Ụ',
        0x04 => 'Ừ',
        0x05 => 'Ử',
        0x06 => 'Ữ',
        0x11 => 'Ứ',
        0x12 => 'Ự',
        0x13 => 'Ỳ',
        0x14 => 'Ỷ',
        0x15 => 'Ỹ',
        0x16 => 'Ý',
        0x17 => 'Ỵ',
        _ => return None,
    })
}

/// TCVN3 bytes `80`–`FF`. `B0`–`B4` are the five tone marks on their own (combining).
#[rustfmt::skip]
const TCVN3_HIGH: [char; 128] = [
    // 80
    'À', 'Ả', 'Ã', 'Á', 'Ạ', 'Ặ', 'Ậ', 'È', 'Ẻ', 'Ẽ', 'É', 'Ẹ', 'Ệ', 'Ì', 'Ỉ', 'Ĩ',
    // 90
    'Í', 'Ị', 'Ò', 'Ỏ', 'Õ', 'Ó', 'Ọ', 'Ộ', 'Ờ', 'Ở', 'Ỡ', 'Ớ', 'Ợ', 'Ù', 'Ủ', 'Ũ',
    // A0
    '\u{A0}', 'Ă', 'Â', 'Ê', 'Ô', 'Ơ', 'Ư', 'Đ', 'ă', 'â', 'ê', 'ô', 'ơ', 'ư', 'đ', 'Ằ',
    // B0
    '\u{300}', '\u{309}', '\u{303}', '\u{301}', '\u{323}', 'à', 'ả', 'ã',
    'á', 'ạ', 'Ẳ', 'ằ', 'ẳ', 'ẵ', 'ắ', 'Ẵ',
    // C0
    'Ắ', 'Ầ', 'Ẩ', 'Ẫ', 'Ấ', 'Ề', 'ặ', 'ầ', 'ẩ', 'ẫ', 'ấ', 'ậ', 'è', 'Ể', 'ẻ', 'ẽ',
    // D0
    'é', 'ẹ', 'ề', 'ể', 'ễ', 'ế', 'ệ', 'ì', 'ỉ', 'Ễ', 'Ế', 'Ồ', 'ĩ', 'í', 'ị', 'ò',
    // E0
    'Ổ', 'ỏ', 'õ', 'ó', 'ọ', 'ồ', 'ổ', 'ỗ', 'ố', 'ộ', 'ờ', 'ở', 'ỡ', 'ớ', 'ợ', 'ù',
    // F0
    'Ỗ', 'ủ', 'ũ', 'ú', 'ụ', 'ừ', 'ử', 'ữ', 'ứ', 'ự', 'ỳ', 'ỷ', 'ỹ', 'ý', 'ỵ', 'Ố',
];

/// TCVN3 bytes to text (not yet NFC: standalone tone marks still follow their letter).
fn decode_tcvn3(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80.. => TCVN3_HIGH[usize::from(b - 0x80)],
            _ => tcvn3_low(b).unwrap_or(char::from(b)),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// VNI-Windows

const ACUTE: &str = "\u{301}";
const GRAVE: &str = "\u{300}";
const HOOK: &str = "\u{309}";
const TILDE: &str = "\u{303}";
const DOT: &str = "\u{323}";

/// VNI meaning of a lowercase-font byte `E0`–`FF`: a letter of its own or diacritics to put
/// on the letter before. The uppercase font uses the same layout at `C0`–`DF`.
fn vni_high(lower: u8) -> Option<&'static str> {
    Some(match lower {
        // Letters of their own.
        0xF4 => "ơ",
        0xF6 => "ư",
        0xF1 => "đ",
        0xEC => "ì",
        0xED => "í",
        0xE6 => "ỉ",
        0xF3 => "ĩ",
        0xF2 => "ị",
        0xEE => "ỵ",
        // Tone marks.
        0xF9 => ACUTE,
        0xF8 => GRAVE,
        0xFB => HOOK,
        0xF5 => TILDE,
        0xEF => DOT,
        // Circumflex (â ê ô), alone and with each tone.
        0xE2 => "\u{302}",
        0xE1 => "\u{302}\u{301}",
        0xE0 => "\u{302}\u{300}",
        0xE5 => "\u{302}\u{309}",
        0xE3 => "\u{302}\u{303}",
        0xE4 => "\u{302}\u{323}",
        // Breve (ă), alone and with each tone.
        0xEA => "\u{306}",
        0xE9 => "\u{306}\u{301}",
        0xE8 => "\u{306}\u{300}",
        0xFA => "\u{306}\u{309}",
        0xFC => "\u{306}\u{303}",
        0xEB => "\u{306}\u{323}",
        _ => return None,
    })
}

/// cp1252 at `80`–`9F`; the five unassigned codes map to the C1 controls, as Windows does.
#[rustfmt::skip]
const CP1252_80: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// UTF-8 text that is VNI-Windows read as cp1252 ("Vieät"), re-read as VNI: only when every
/// character is one cp1252 has (so no real Vietnamese letter such as ư or ạ is present) and
/// the VNI reading is plausible Vietnamese where the text as it stands is not.
fn vni_in_utf8(bytes: &[u8]) -> Option<String> {
    if bytes.is_ascii() {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let cp1252: Vec<u8> = text
        .chars()
        .map(|c| match c as u32 {
            0x00..=0x7F | 0xA0..=0xFF => Some(c as u8),
            _ => CP1252_80
                .iter()
                .position(|&x| x == c)
                .map(|i| 0x80 + i as u8),
        })
        .collect::<Option<_>>()?;
    let vni = nfc(decode_vni(&cp1252));
    let (now, as_vni) = (Plausibility::of(text), Plausibility::of(&vni));
    (as_vni.plausible() && as_vni.compare(&now).is_gt()).then_some(vni)
}

/// VNI-Windows bytes to text (not yet NFC: diacritics follow their letter as combining
/// marks).
fn decode_vni(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    for &b in bytes {
        match b {
            0x00..=0x7F => out.push(char::from(b)),
            0x80..=0x9F => out.push(CP1252_80[usize::from(b - 0x80)]),
            0xC0..=0xDF => match vni_high(b + 0x20) {
                // Capital letters of their own; diacritics are the same either case.
                Some(s) if s.chars().next().is_some_and(char::is_alphabetic) => {
                    out.extend(s.chars().flat_map(char::to_uppercase));
                }
                Some(marks) => out.push_str(marks),
                None => out.push(char::from(b)),
            },
            0xE0..=0xFF => match vni_high(b) {
                Some(s) => out.push_str(s),
                None => out.push(char::from(b)),
            },
            // A0–BF: Latin-1 as is.
            _ => out.push(char::from(b)),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Scoring: does this text read as Vietnamese?

/// Counts over a decoded text: words with non-ASCII letters that are / are not Vietnamese
/// syllables, and characters that do not belong in Vietnamese text.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Plausibility {
    good: usize,
    bad: usize,
    junk: usize,
}

impl Plausibility {
    fn of(text: &str) -> Plausibility {
        let mut p = Plausibility::default();
        let mut word = String::new();
        for c in text.chars().chain(std::iter::once(' ')) {
            if c.is_alphabetic() || is_combining(c) {
                word.push(c);
                continue;
            }
            if !word.is_ascii() {
                if is_vietnamese_syllable(&word) {
                    p.good += 1;
                } else {
                    p.bad += 1;
                }
            }
            word.clear();
            p.junk += usize::from(is_junk(c));
        }
        p
    }

    fn total(&self) -> usize {
        self.good + self.bad + self.junk
    }

    /// At least one Vietnamese syllable, and at least three quarters of everything scored.
    fn plausible(&self) -> bool {
        self.good > 0 && self.good * 4 >= self.total() * 3
    }

    /// Better ratio first, then more evidence.
    fn compare(&self, other: &Plausibility) -> std::cmp::Ordering {
        let mine = self.good * other.total().max(1);
        let theirs = other.good * self.total().max(1);
        mine.cmp(&theirs).then(self.good.cmp(&other.good))
    }
}

fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36F}').contains(&c)
}

/// Characters a correct decoding of Vietnamese text does not produce, but a wrong table
/// does: control codes other than tab and line ends, Latin-1 symbols, × ÷, and U+FFFD.
fn is_junk(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => false,
        '\u{A1}'..='\u{BF}' | '\u{D7}' | '\u{F7}' | '\u{FFFD}' => true,
        c => c.is_control(),
    }
}

const INITIALS: [&str; 28] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
];

/// Vowel clusters of Vietnamese syllables, without tone (including the glides written as
/// vowels: "oa", "uy", "ươi", …).
const NUCLEI: [&str; 55] = [
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây",
    "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "oo", "ôi", "ơi", "ua", "uâ", "uê", "ui",
    "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê", "iêu", "yêu", "oai", "oay", "oao", "oeo",
    "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu",
];

/// Final consonants; "k" for the highland names written that way (Đắk Lắk, Búk).
const FINALS: [&str; 10] = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t", "k"];

fn is_vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'ă' | 'â' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y'
    )
}

/// Whether `word` has the shape of one Vietnamese syllable: initial consonant(s), a vowel
/// cluster, a final consonant, only Vietnamese letters, and at most one tone mark, on a
/// vowel.
fn is_vietnamese_syllable(word: &str) -> bool {
    let mut letters: Vec<char> = Vec::with_capacity(word.len());
    let mut tones = 0;
    for c in word.chars().flat_map(char::to_lowercase).nfd() {
        let last = letters.last_mut();
        match (c, last) {
            ('\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}', Some(v))
                if is_vowel(*v) =>
            {
                tones += 1;
            }
            ('\u{302}', Some(v @ ('a' | 'e' | 'o'))) => {
                *v = match v {
                    'a' => 'â',
                    'e' => 'ê',
                    _ => 'ô',
                }
            }
            ('\u{306}', Some(v @ 'a')) => *v = 'ă',
            ('\u{31B}', Some(v @ ('o' | 'u'))) => *v = if *v == 'o' { 'ơ' } else { 'ư' },
            ('a'..='z' | 'đ', _) if !matches!(c, 'f' | 'j' | 'w' | 'z') => letters.push(c),
            _ => return false,
        }
    }
    if tones > 1 {
        return false;
    }
    let s: String = letters.into_iter().collect();
    INITIALS.iter().any(|initial| {
        s.strip_prefix(initial).is_some_and(|rest| {
            let split = rest.find(|c| !is_vowel(c)).unwrap_or(rest.len());
            let (nucleus, last) = rest.split_at(split);
            NUCLEI.contains(&nucleus) && FINALS.contains(&last)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/encodings/",
                $name
            ))
            .as_slice()
        };
    }

    /// The reference text: the UTF-8 fixture, which is already NFC.
    fn reference() -> String {
        let text = std::str::from_utf8(fixture!("utf8.csv"))
            .unwrap()
            .to_string();
        assert_eq!(nfc(text.clone()), text, "utf8.csv must be NFC");
        text
    }

    fn assert_fixture(bytes: &[u8], expected: Encoding) {
        assert_eq!(detect(bytes), expected);
        let (text, encoding) = decode(bytes).unwrap();
        assert_eq!(encoding, expected);
        assert_eq!(text.replace("\r\n", "\n"), reference(), "{expected:?}");
    }

    #[test]
    fn fixture_reference_covers_the_alphabet() {
        let text = reference().to_lowercase();
        for c in "ăâêôơưđ".chars() {
            assert!(text.contains(c), "{c}");
        }
        for tone in ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'] {
            assert!(text.nfd().any(|c| c == tone), "{tone:?}");
        }
        assert!(reference().contains("NGUYỄN THỊ HƯỜNG"));
    }

    #[test]
    fn utf8_fixture() {
        assert_fixture(fixture!("utf8.csv"), Encoding::Utf8);
    }

    #[test]
    fn utf8_bom_fixture() {
        let bytes = fixture!("utf8-bom.csv");
        assert!(bytes.starts_with(&UTF8_BOM));
        assert_fixture(bytes, Encoding::Utf8Bom);
    }

    #[test]
    fn utf16le_fixture() {
        let bytes = fixture!("utf16le.csv");
        assert!(bytes.starts_with(&[0xFF, 0xFE]));
        assert_fixture(bytes, Encoding::Utf16Le);
        assert!(
            decode(bytes).unwrap().0.contains("\r\n"),
            "line ends are kept"
        );
    }

    #[test]
    fn nfd_fixture_becomes_nfc() {
        let bytes = fixture!("nfd.csv");
        assert_ne!(
            bytes,
            fixture!("utf8.csv"),
            "the fixture must really be NFD"
        );
        assert_fixture(bytes, Encoding::Utf8);
    }

    #[test]
    fn tcvn3_fixture() {
        let bytes = fixture!("tcvn3.csv");
        assert!(std::str::from_utf8(bytes).is_err());
        assert_fixture(bytes, Encoding::Tcvn3);
    }

    #[test]
    fn vni_fixture() {
        let bytes = fixture!("vni.csv");
        assert!(std::str::from_utf8(bytes).is_err());
        assert_fixture(bytes, Encoding::VniWindows);
    }

    #[test]
    fn vni_saved_as_utf8_is_recovered() {
        // what a program that took the VNI file for cp1252 writes when it saves as UTF-8
        let bytes = fixture!("vni.csv");
        let mojibake: String = bytes
            .iter()
            .map(|&b| match b {
                0x80..=0x9F => CP1252_80[usize::from(b - 0x80)],
                _ => char::from(b),
            })
            .collect();
        assert!(
            mojibake.contains("Vieät") || mojibake.contains("ö"),
            "{mojibake}"
        );
        let (text, encoding) = decode(mojibake.as_bytes()).expect("decodes");
        assert_eq!(encoding, Encoding::VniInUtf8);
        assert_eq!(text, reference());
        // real UTF-8 Vietnamese, and Latin-1 words, are left alone
        assert_eq!(decode(reference().as_bytes()).unwrap().1, Encoding::Utf8);
        assert_eq!(
            decode("Café, naïve, Zürich\n".as_bytes()).unwrap().1,
            Encoding::Utf8
        );
    }

    #[test]
    fn legacy_fixtures_are_not_read_with_the_other_table() {
        let tcvn3 = Plausibility::of(&nfc(decode_vni(fixture!("tcvn3.csv"))));
        let vni = Plausibility::of(&nfc(decode_tcvn3(fixture!("vni.csv"))));
        assert!(!tcvn3.plausible(), "TCVN3 read as VNI: {tcvn3:?}");
        assert!(!vni.plausible(), "VNI read as TCVN3: {vni:?}");
    }

    #[test]
    fn bomless_utf16() {
        let text = "MaKhuPho,TenKhuPho\r\nKP01,Phước Bình\r\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&le).unwrap(), (text.to_string(), Encoding::Utf16Le));
        assert_eq!(decode(&be).unwrap(), (text.to_string(), Encoding::Utf16Be));
        let mut bom_be = vec![0xFE, 0xFF];
        bom_be.extend_from_slice(&be);
        assert_eq!(
            decode(&bom_be).unwrap(),
            (text.to_string(), Encoding::Utf16Be)
        );
    }

    #[test]
    fn broken_unicode_is_an_error() {
        let mut bom = UTF8_BOM.to_vec();
        bom.extend_from_slice(b"ab\nc\xFF");
        let e = decode(&bom).unwrap_err();
        assert!(e.contains("dòng 2, byte thứ 8"), "{e}");
        assert!(decode(&[0xFF, 0xFE, 0x41]).is_err());
        assert!(decode(&[0xFF, 0xFE, 0x00, 0xD8]).is_err(), "lone surrogate");
        assert!(
            decode(&[0xFF, 0xFE, 0x00, 0x00, 0x41, 0, 0, 0]).is_err(),
            "UTF-32"
        );
    }

    #[test]
    fn ascii_stays_utf8() {
        let ascii = b"MaKhuPho,TenKhuPho,GhiChu\nKP01,Khu pho 1,\tx\r\n";
        assert_eq!(detect(ascii), Encoding::Utf8);
        assert_eq!(decode(ascii).unwrap().0.as_bytes(), ascii);
        assert_eq!(decode(b"").unwrap(), (String::new(), Encoding::Utf8));
    }

    #[test]
    fn tcvn3_capitals_in_control_codes() {
        // "ÚT" and "THỲ" written with TCVN3 capitals only: 7-bit, valid UTF-8.
        let bytes = b"Ho ten\n\x01T THAO, \x16 KIEN\n";
        assert_eq!(detect(bytes), Encoding::Tcvn3);
        assert_eq!(decode(bytes).unwrap().0, "Ho ten\nÚT THAO, Ý KIEN\n");
        // A stray control code alone does not make ASCII into TCVN3.
        assert_eq!(detect(b"abc\x01def"), Encoding::Utf8);
    }

    #[test]
    fn tcvn3_standalone_tone_marks_compose() {
        // ê (AA) + sắc (B3) → ế; đ (AE) + ư (AD) + ơ (AC) + huyền (B0) + ng → đường.
        let (text, encoding) = decode(b"Ti\xAA\xB3n, \xAE\xAD\xAC\xB0ng").unwrap();
        assert_eq!(encoding, Encoding::Tcvn3);
        assert_eq!(text, "Tiến, đường");
    }

    #[test]
    fn vni_uppercase_and_lowercase_bytes() {
        // NGUYỄN (EÃ), PHƯỜNG (ÖÔØ), Đắk (ñ + aé) in one line.
        let (text, encoding) = decode(b"NGUYE\xC3N PH\xD6\xD4\xD8NG, \xD1a\xE9k").unwrap();
        assert_eq!(encoding, Encoding::VniWindows);
        assert_eq!(text, "NGUYỄN PHƯỜNG, Đắk");
    }

    #[test]
    fn too_little_evidence_is_an_error() {
        // "Bìn" in VNI, "Bỡn" in TCVN3: both plausible, no way to choose.
        let e = decode(&[0x42, 0xEC, 0x6E]).unwrap_err();
        assert!(e.contains("TCVN3"), "{e}");
        assert_eq!(detect(&[0x42, 0xEC, 0x6E]), Encoding::Utf8);
    }

    #[test]
    fn latin1_is_an_error() {
        let latin1: Vec<u8> = "Grüße aus Köln, café crème, naïve señor, Ærø, façade"
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect();
        assert!(std::str::from_utf8(&latin1).is_err());
        let e = decode(&latin1).unwrap_err();
        assert!(e.contains("không nhận ra bảng mã"), "{e}");
        assert_eq!(detect(&latin1), Encoding::Utf8);
    }

    #[test]
    fn random_binary_is_an_error() {
        // xorshift, so the bytes are the same on every run.
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        for len in [16, 64, 512, 4096] {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state.to_le_bytes()[3]
                })
                .collect();
            assert!(decode(&bytes).is_err(), "{len} random bytes decoded");
        }
    }

    #[test]
    fn detect_agrees_with_decode() {
        for bytes in [
            fixture!("utf8.csv"),
            fixture!("utf8-bom.csv"),
            fixture!("utf16le.csv"),
            fixture!("nfd.csv"),
            fixture!("tcvn3.csv"),
            fixture!("vni.csv"),
        ] {
            assert_eq!(detect(bytes), decode(bytes).unwrap().1);
        }
    }

    /// A file is streamed only when its text is its bytes after the mark, and every cell of it
    /// is what [`decode`] gives; the other fixtures are read whole.
    #[test]
    fn streamed_only_where_the_text_is_the_bytes() {
        for (bytes, streamed) in [
            (fixture!("utf8.csv"), Some(0)),
            (fixture!("utf8-bom.csv"), Some(3)),
            (fixture!("nfd.csv"), Some(0)),
            (fixture!("utf16le.csv"), None),
            (fixture!("tcvn3.csv"), None),
            (fixture!("vni.csv"), None),
            (b"Ma,Ten\x01\n1,x\n".as_slice(), None),
            (b"Ma,Ten\n1,Vi\xc3\xaa\xc3\xa4t\n".as_slice(), None),
            (b"Ma,Ten\n1,caf\xc3".as_slice(), None),
            (b"".as_slice(), Some(0)),
        ] {
            assert_eq!(streamable_utf8(bytes).unwrap(), streamed);
            let Some(skip) = streamed else { continue };
            let (text, _) = decode(bytes).unwrap();
            let cells = |t: &str| -> Vec<String> {
                t.split([',', '\n', '\r']).map(str::to_string).collect()
            };
            let raw = std::str::from_utf8(&bytes[skip..]).unwrap();
            let streamed: Vec<String> = cells(raw)
                .iter()
                .map(|c| {
                    let mut out = String::new();
                    push_nfc(&mut out, c);
                    out
                })
                .collect();
            assert_eq!(streamed, cells(&text));
        }
    }

    #[test]
    fn syllables() {
        for ok in [
            "Phước", "NGUYỄN", "Thị", "hường", "Ủy", "Xoài", "giữa", "quốc", "nghiêng", "Đắk",
            "khuya", "gìn", "tuyển", "người",
        ] {
            assert!(is_vietnamese_syllable(ok), "{ok}");
        }
        for bad in [
            "Vieọt",
            "Grỹòe",
            "café",
            "Mỹller",
            "ñaêk",
            "ạá",
            "Ph\u{AD}íc",
            "ǹ",
        ] {
            assert!(!is_vietnamese_syllable(bad), "{bad}");
        }
    }
}
