//! `chiso verify`: an annex checked with nothing but the archive. Every file against
//! `SHA256SUMS`, every record against its check code, and every figure counted again from its
//! records. The first file or record that does not match is named.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use sha2::{Digest, Sha256};
use zip::ZipArchive;

use super::recount::{Recounter, record_hash};
use super::{FIGURE, FigureFile, RECORD_HASHES, RECORDS, SUMS};

/// What a passing check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub files: usize,
    /// Per indicator with a record list, what was counted again.
    pub figures: Vec<Recounted>,
}

/// One indicator's record list counted again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recounted {
    pub id: String,
    pub records: u64,
    /// Numerator and denominator; `None` for status reports.
    pub totals: Option<(i128, i128)>,
}

/// The first thing that does not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {reason}", .record.map(|r| format!(", bản ghi thứ {r} (dòng {})", r + 1)).unwrap_or_default())]
pub struct VerifyFailure {
    /// The file inside the archive (or the archive itself).
    pub file: String,
    /// The 1-based record of a record list (the CSV line is one more: the header).
    pub record: Option<u64>,
    pub reason: String,
}

pub(super) fn fail(file: &str, reason: impl Into<String>) -> VerifyFailure {
    VerifyFailure {
        file: file.to_string(),
        record: None,
        reason: reason.into(),
    }
}

pub(super) type Zip = ZipArchive<File>;

pub(super) fn open(path: &Path) -> Result<Zip, VerifyFailure> {
    let name = path.display().to_string();
    let f = File::open(path).map_err(|e| fail(&name, format!("không mở được: {e}")))?;
    ZipArchive::new(f).map_err(|e| fail(&name, format!("không phải tệp ZIP đọc được: {e}")))
}

/// Reads a whole entry.
pub(super) fn read(zip: &mut Zip, name: &str) -> Result<Vec<u8>, VerifyFailure> {
    let mut f = zip
        .by_name(name)
        .map_err(|_| fail(name, "thiếu trong phụ lục"))?;
    let mut out = Vec::new();
    f.read_to_end(&mut out)
        .map_err(|e| fail(name, format!("không đọc được: {e}")))?;
    Ok(out)
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Checks the files of the annex at `path`: each against its hash, each record list against
/// its check codes and counted again into its figure.
pub fn files(path: &Path) -> Result<VerifyReport, VerifyFailure> {
    let mut zip = open(path)?;
    // a second reader: record lists are checked against their check codes side by side
    let mut codes_zip = open(path)?;
    let sums = String::from_utf8(read(&mut zip, SUMS)?)
        .map_err(|_| fail(SUMS, "không phải văn bản UTF-8"))?;
    let mut listed = Vec::new();
    for (i, line) in sums.lines().enumerate() {
        let (hash, name) = line
            .split_once("  ")
            .ok_or_else(|| fail(SUMS, format!("dòng {} không đúng dạng “mã  tệp”", i + 1)))?;
        listed.push((hash.to_string(), name.to_string()));
    }
    let in_sums: BTreeSet<&str> = listed.iter().map(|(_, n)| n.as_str()).collect();
    for name in zip.file_names() {
        let name = name.map_err(|e| fail(SUMS, format!("tên tệp không đọc được: {e}")))?;
        let name = name.as_ref();
        if name != SUMS && !in_sums.contains(name) && !name.ends_with('/') {
            return Err(fail(
                name,
                format!("có trong phụ lục nhưng không có trong {SUMS}"),
            ));
        }
    }
    let mut figures = Vec::new();
    for (hash, name) in &listed {
        if let Some(folder) = name.strip_suffix(&format!("/{RECORDS}")) {
            let figure: FigureFile =
                serde_json::from_slice(&read(&mut zip, &format!("{folder}/{FIGURE}"))?).map_err(
                    |e| {
                        fail(
                            &format!("{folder}/{FIGURE}"),
                            format!("không đọc được: {e}"),
                        )
                    },
                )?;
            let counted = records(&mut zip, &mut codes_zip, folder, hash, &figure)?;
            figures.push(Recounted {
                id: figure.id.clone(),
                records: figure.records,
                totals: counted,
            });
            continue;
        }
        let mut f = zip
            .by_name(name)
            .map_err(|_| fail(name, format!("có trong {SUMS} nhưng thiếu trong phụ lục")))?;
        let mut h = Hashing {
            inner: &mut f,
            hasher: Sha256::new(),
        };
        std::io::copy(&mut h, &mut std::io::sink())
            .map_err(|e| fail(name, format!("không đọc được: {e}")))?;
        if hex::encode(h.hasher.finalize()) != *hash {
            return Err(fail(name, "mã SHA-256 không khớp: tệp đã bị sửa"));
        }
    }
    Ok(VerifyReport {
        files: listed.len(),
        figures,
    })
}

/// One record list: each record against its check code, counted again, then the file's hash.
fn records(
    zip: &mut Zip,
    codes_zip: &mut Zip,
    folder: &str,
    hash: &str,
    figure: &FigureFile,
) -> Result<Option<(i128, i128)>, VerifyFailure> {
    let name = format!("{folder}/{RECORDS}");
    let codes_name = format!("{folder}/{RECORD_HASHES}");
    let mut codes = BufReader::new(
        codes_zip
            .by_name(&codes_name)
            .map_err(|_| fail(&codes_name, "thiếu trong phụ lục"))?,
    )
    .lines();
    let entry = zip
        .by_name(&name)
        .map_err(|_| fail(&name, "thiếu trong phụ lục"))?;
    let mut hashing = Hashing {
        inner: entry,
        hasher: Sha256::new(),
    };
    let mut counter = None;
    {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(&mut hashing);
        let header: Vec<String> = csv
            .headers()
            .map_err(|e| fail(&name, format!("không đọc được dòng tiêu đề: {e}")))?
            .iter()
            .map(str::to_string)
            .collect();
        if let Some(r) = &figure.recount {
            counter = Some(Recounter::new(r, &header).map_err(|e| fail(&name, e))?);
        }
        let mut n = 0u64;
        for rec in csv.records() {
            n += 1;
            let at = |reason: String| VerifyFailure {
                file: name.clone(),
                record: Some(n),
                reason,
            };
            let rec = rec.map_err(|e| at(format!("không đọc được: {e}")))?;
            let fields: Vec<&str> = rec.iter().collect();
            let code = codes
                .next()
                .transpose()
                .map_err(|e| fail(&codes_name, format!("không đọc được: {e}")))?
                .ok_or_else(|| at(format!("không có mã kiểm tra trong {RECORD_HASHES}")))?;
            if record_hash(&fields) != code.trim() {
                return Err(at(format!(
                    "nội dung không khớp mã kiểm tra trong {RECORD_HASHES}: bản ghi đã bị sửa"
                )));
            }
            if let Some(c) = counter.as_mut() {
                c.add(&fields).map_err(at)?;
            }
        }
        if codes.next().is_some() {
            return Err(fail(
                &name,
                format!("ít bản ghi hơn số mã kiểm tra trong {RECORD_HASHES}: có bản ghi bị xóa"),
            ));
        }
        if n != figure.records {
            return Err(fail(
                &name,
                format!("có {n} bản ghi, {FIGURE} ghi {}", figure.records),
            ));
        }
    }
    std::io::copy(&mut hashing, &mut std::io::sink())
        .map_err(|e| fail(&name, format!("không đọc được: {e}")))?;
    if hex::encode(hashing.hasher.finalize()) != hash {
        return Err(fail(&name, "mã SHA-256 không khớp: tệp đã bị sửa"));
    }
    let totals = counter.as_ref().and_then(|c| c.totals());
    if let Some((n, d)) = totals {
        let want = (
            figure.numerator.map(i128::from).unwrap_or(0),
            figure.denominator.map(i128::from).unwrap_or(0),
        );
        if (n, d) != want {
            return Err(fail(
                &name,
                format!(
                    "đếm lại được tử số {n}, mẫu số {d}; {FIGURE} ghi {}/{}",
                    want.0, want.1
                ),
            ));
        }
    }
    Ok(totals)
}
