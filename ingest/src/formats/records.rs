//! An extract file as records, whatever its format: CSV (any supported encoding), XLSX, or
//! an API's JSON page.

use std::io::{Read, Seek, SeekFrom};

use sha2::{Digest, Sha256};

use crate::extract::{ExtractFile, SourceFile};
use crate::limits::{self, Limits};
use crate::raw::{self, RawRecord};
use crate::{FileInfo, IngestError, Result};

/// A record, a CSV row's cells that make one ([`raw::Cells::into_record`]), or a piece of a
/// CSV file's rows for the thread that checks them to parse ([`raw::Piece::each`]).
pub enum Row {
    Record(RawRecord),
    Cells(raw::Cells),
    Piece(raw::Piece),
}

/// Where the text of `sf` starts and its SHA-256 when it is UTF-8 that can be read as it
/// streams ([`crate::encoding::streamable_utf8`]), found in one pass that hashes it too
/// (unless it is hashed already).
fn streamable(sf: &SourceFile) -> std::io::Result<Option<(u64, String)>> {
    if let (Some(streams_from), Some(sha256)) = (sf.streams_from, &sf.sha256) {
        return Ok(streams_from.map(|skip| (skip, sha256.clone())));
    }
    struct Hashing<R> {
        input: R,
        hasher: Option<Sha256>,
    }
    impl<R: Read> Read for Hashing<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.input.read(buf)?;
            if let Some(h) = &mut self.hasher {
                h.update(&buf[..n]);
            }
            Ok(n)
        }
    }
    let mut read = Hashing {
        input: std::fs::File::open(&sf.path)?,
        hasher: sf.sha256.is_none().then(Sha256::new),
    };
    let Some(skip) = crate::encoding::streamable_utf8(&mut read)? else {
        return Ok(None);
    };
    let sha256 = match read.hasher {
        Some(h) => hex::encode(h.finalize()),
        None => sf.sha256.clone().unwrap_or_default(),
    };
    Ok(Some((skip as u64, sha256)))
}

/// Reads `sf`, giving its rows with the file's identity (path and SHA-256, known before the
/// first row); returns that identity, its rows left for whoever checks them to count. A CSV
/// is given in pieces of whole rows, which the reader of a UTF-8 file reads as it streams:
/// only a few pieces are held, never all its records.
pub fn each_row(
    sf: &SourceFile,
    required: &[&str],
    limits: &Limits,
    mut f: impl FnMut(&FileInfo, Row) -> Result<()>,
) -> Result<FileInfo> {
    let io = |source| IngestError::Io {
        path: sf.path.clone(),
        source,
    };
    let size = std::fs::metadata(&sf.path).map_err(io)?.len();
    if size > limits.file_bytes {
        return Err(IngestError::Format {
            path: sf.path.clone(),
            message: limits::over(
                "tệp nặng",
                limits::bytes(size),
                limits::bytes(limits.file_bytes),
                "file_bytes",
            ),
        });
    }
    let ext = sf
        .path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    // a UTF-8 CSV is read as it streams, once a first pass has hashed it and made sure of its
    // encoding; anything else is read whole
    let streamed = match ext.as_str() {
        "xlsx" | "json" => None,
        _ => streamable(sf).map_err(io)?,
    };
    let (bytes, sha256) = match &streamed {
        Some((_, sha256)) => (Vec::new(), sha256.clone()),
        None => {
            let bytes = std::fs::read(&sf.path).map_err(io)?;
            let sha256 = sf
                .sha256
                .clone()
                .unwrap_or_else(|| hex::encode(Sha256::digest(&bytes)));
            (bytes, sha256)
        }
    };
    let info = FileInfo {
        path: sf.display.clone(),
        sha256,
        bytes: size,
        rows: 0,
    };
    let csv_part = |p| match p {
        raw::Part::Cells(c) => Row::Cells(c),
        raw::Part::Piece(p) => Row::Piece(p),
    };
    if let Some((skip, _)) = streamed {
        let mut file = std::fs::File::open(&sf.path).map_err(io)?;
        file.seek(SeekFrom::Start(skip)).map_err(io)?;
        raw::csv_parts(&info.path, file, required, limits.field_bytes, |p| {
            f(&info, csv_part(p))
        })?;
    } else if ext == "xlsx" {
        for r in crate::sheet::xlsx_records(&info.path, &bytes, required, limits)? {
            f(&info, Row::Record(r))?;
        }
    } else {
        let (text, encoding) =
            crate::encoding::decode(&bytes).map_err(|message| IngestError::Encoding {
                path: sf.path.clone(),
                message,
            })?;
        drop(bytes);
        if matches!(
            encoding,
            crate::encoding::Encoding::Tcvn3
                | crate::encoding::Encoding::VniWindows
                | crate::encoding::Encoding::VniInUtf8
        ) {
            // a guess, however good: the person who sent the file should know it was made
            crate::progress::report(&format!(
                "{}: đọc theo bảng mã {} và chuyển sang Unicode",
                info.path,
                encoding.name()
            ));
        }
        let file = ExtractFile {
            info: info.clone(),
            text,
        };
        if ext == "json" {
            for r in raw::json_page_records(&file, limits.field_bytes)? {
                f(&info, Row::Record(r))?;
            }
        } else {
            raw::csv_parts(
                &info.path,
                file.text.as_bytes(),
                required,
                limits.field_bytes,
                |p| f(&info, csv_part(p)),
            )?;
        }
    }
    Ok(info)
}
