//! An extract file as records, whatever its format: CSV (any supported encoding), XLSX, or
//! an API's JSON page.

use std::io::{Read, Seek, SeekFrom};

use sha2::{Digest, Sha256};

use crate::extract::{ExtractFile, SourceFile};
use crate::limits::{self, Limits};
use crate::raw::{self, RawRecord};
use crate::{FileInfo, IngestError, Result};

/// Reads `sf` one record at a time, giving each with the file's identity (path and SHA-256,
/// known before the first record); returns that identity with the number of records. A CSV
/// is streamed: only its bytes and text are held, never all its records.
pub fn each(
    sf: &SourceFile,
    required: &[&str],
    limits: &Limits,
    mut f: impl FnMut(&FileInfo, RawRecord) -> Result<()>,
) -> Result<FileInfo> {
    each_row(sf, required, limits, |info, row| f(info, row.into_record()))
}

/// A record, or a CSV row's cells that make one ([`Row::into_record`]).
pub enum Row {
    Record(RawRecord),
    Cells(raw::Cells),
}

impl Row {
    pub fn into_record(self) -> RawRecord {
        match self {
            Row::Record(r) => r,
            Row::Cells(c) => c.into_record(),
        }
    }
}

/// Where the text of `sf` starts and its SHA-256 when it is UTF-8 that can be read as it
/// streams ([`crate::encoding::streamable_utf8`]), found in one pass that hashes it too
/// (unless it is hashed already).
fn streamable(sf: &SourceFile) -> std::io::Result<Option<(u64, String)>> {
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

/// As [`each`], leaving a CSV row's cells for the caller to make into a record.
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
    let mut info = FileInfo {
        path: sf.display.clone(),
        sha256,
        bytes: size,
        rows: 0,
    };
    let shown = info.clone();
    let mut meter = crate::progress::Meter::new(&info.path, info.bytes, crate::progress::EVERY);
    let mut counted = |r: Row| {
        if let Some(m) = meter.tick() {
            crate::progress::report_file(&shown.path, meter.rows(), false, &m);
        }
        if meter.rows() > limits.rows {
            return Err(IngestError::Format {
                path: sf.path.clone(),
                message: format!(
                    "tệp có hơn {} dòng, vượt giới hạn (limits.rows)",
                    tables::number::integer(limits.rows)
                ),
            });
        }
        f(&shown, r)
    };
    if let Some((skip, _)) = streamed {
        let mut file = std::fs::File::open(&sf.path).map_err(io)?;
        file.seek(SeekFrom::Start(skip)).map_err(io)?;
        raw::csv_read(&info.path, file, required, limits.field_bytes, |c| {
            counted(Row::Cells(c))
        })?;
    } else if ext == "xlsx" {
        for r in crate::sheet::xlsx_records(&info.path, &bytes, required, limits)? {
            counted(Row::Record(r))?;
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
                counted(Row::Record(r))?;
            }
        } else {
            raw::csv_rows(&file, required, limits.field_bytes, |c| {
                counted(Row::Cells(c))
            })?;
        }
    }
    if let Some(m) = meter.done() {
        crate::progress::report_file(&info.path, meter.rows(), true, &m);
    }
    info.rows = meter.rows();
    Ok(info)
}
