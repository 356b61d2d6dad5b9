//! Book-keeping shared by every source reader.

use std::collections::BTreeSet;

use crate::extract::{ExtractFile, SourceFile};
use crate::fields::{FieldError, Fields};
use crate::parallel::Checked;
use crate::raw::RawRecord;
use sha2::{Digest, Sha256};

use crate::{
    Batch, FileInfo, IngestError, Limits, RefusedFile, Rejection, Result, RowCounts, TableData,
};

/// Book-keeping of one read of a source: the files, the counts and the rejected rows.
pub(crate) struct Run {
    source: String,
    pub files: Vec<FileInfo>,
    refused: Vec<RefusedFile>,
    rejections: Vec<Rejection>,
    rejected_rows: BTreeSet<(String, u64)>,
    pub counts: RowCounts,
    pub limits: Limits,
    /// The latest time a record can say something happened: a day after this read began.
    pub latest_event: i64,
}

impl Run {
    pub fn new(source: &str, limits: Limits) -> Self {
        Self {
            source: source.to_string(),
            limits,
            latest_event: (chrono::Utc::now() + chrono::Duration::days(1)).timestamp_micros(),
            files: Vec::new(),
            refused: Vec::new(),
            rejections: Vec::new(),
            rejected_rows: BTreeSet::new(),
            counts: RowCounts::default(),
        }
    }

    /// The content address of the files read so far.
    pub fn batch_id(&self) -> String {
        crate::batch::batch_id(&self.source, &self.files, &self.refused)
    }

    /// The batch: `tables` (built with [`Run::batch_id`]), the quarantine, the counts.
    pub fn into_batch(mut self, id: String, mut tables: Vec<TableData>) -> Result<Batch> {
        self.counts.quarantined = self.rejected_rows.len() as u64;
        self.counts.accepted = self.counts.read - self.counts.quarantined;
        if !self.rejections.is_empty() {
            tables.push(crate::quarantine::table(&self.rejections, &id)?);
        }
        Ok(Batch {
            source: self.source,
            batch_id: id,
            files: self.files,
            refused: self.refused,
            tables,
            rejections: self.rejections,
            counts: self.counts,
        })
    }

    /// Reads one file with `read`, which gives what the file holds for the reader to keep. When
    /// it fails (unreadable, not the extract it claims to be, over a limit, a column changed
    /// type), everything it counted or quarantined is taken back, the file is refused with the
    /// reason, and the run goes on with the next file.
    pub fn isolated<T>(
        &mut self,
        sf: &SourceFile,
        read: impl FnOnce(&mut Run) -> Result<T>,
    ) -> Option<T> {
        let (files, rejections, counts) = (self.files.len(), self.rejections.len(), self.counts);
        match read(self) {
            Ok(kept) => Some(kept),
            Err(e) => {
                let sha256 = match self.files.get(files) {
                    Some(info) => info.sha256.clone(),
                    None => sf.sha256.clone().unwrap_or_else(|| hash(&sf.path)),
                };
                self.files.truncate(files);
                self.rejections.truncate(rejections);
                self.rejected_rows.retain(|(sha, _)| *sha != sha256);
                self.counts = counts;
                self.refuse(refusal(sf, sha256, e.reason()));
                None
            }
        }
    }

    /// Reads one file [`Run::isolated`] on every core ([`crate::parallel::each_checked`]):
    /// `parse` turns each record into a value, or leaves its errors in the fields and the row
    /// goes to quarantine; a column that changed type refuses the file. Gives the file and its
    /// valid values.
    pub fn checked<T: Send>(
        &mut self,
        sf: &SourceFile,
        required: &[&str],
        tz: chrono_tz::Tz,
        parse: impl Fn(&RawRecord, &str, &mut Fields) -> Option<T> + Sync,
    ) -> Option<(FileInfo, Vec<T>)> {
        self.isolated(sf, |run| {
            let rules = crate::parallel::Rules {
                tz,
                latest: run.latest_event,
                personal: &[],
            };
            let limits = run.limits;
            let mut valid = Vec::new();
            let (file, drift) = crate::parallel::each_checked(
                sf,
                required,
                &limits,
                rules,
                |rec, f| parse(rec, &sf.display, f),
                |info, checked| match checked {
                    Checked::Valid(v) => valid.push(v),
                    Checked::Invalid(row, errors) => run.reject_errors(info, row, errors),
                },
            )?;
            drift.check(&file.path)?;
            run.add_file(file.clone());
            Ok((file, valid))
        })
    }

    /// Counts a file read record by record ([`crate::records::each_row`]).
    pub fn add_file(&mut self, info: FileInfo) {
        self.counts.read += info.rows;
        self.files.push(info);
    }

    /// A file refused before it was opened.
    pub fn refuse(&mut self, file: RefusedFile) {
        crate::progress::report(&format!("{}: bị từ chối: {}", file.path, file.reason));
        self.refused.push(file);
    }

    pub fn take_page(&mut self, page: &ExtractFile) -> Result<(FileInfo, Vec<RawRecord>)> {
        if page.text.len() as u64 > self.limits.file_bytes {
            return Err(IngestError::Format {
                path: page.info.path.clone().into(),
                message: crate::limits::over(
                    "trang nặng",
                    crate::limits::bytes(page.text.len() as u64),
                    crate::limits::bytes(self.limits.file_bytes),
                    "file_bytes",
                ),
            });
        }
        let records = crate::raw::json_page_records(page, self.limits.field_bytes)?;
        if records.len() as u64 > self.limits.rows {
            return Err(IngestError::Format {
                path: page.info.path.clone().into(),
                message: format!(
                    "trang có hơn {} bản ghi, vượt giới hạn (limits.rows)",
                    tables::number::integer(self.limits.rows)
                ),
            });
        }
        let mut info = page.info.clone();
        info.rows = records.len() as u64;
        self.counts.read += info.rows;
        self.files.push(info.clone());
        Ok((info, records))
    }

    pub fn take_records(
        &mut self,
        mut info: FileInfo,
        records: Vec<RawRecord>,
    ) -> (FileInfo, Vec<RawRecord>) {
        info.rows = records.len() as u64;
        self.counts.read += info.rows;
        self.files.push(info.clone());
        (info, records)
    }

    /// Quarantines a row for its field errors, as they are (personal values already masked).
    pub fn reject_errors(&mut self, file: &FileInfo, row: u64, errors: Vec<FieldError>) {
        for e in errors {
            self.reject_row(file, row, &e.field, &e.value, e.reason);
        }
    }

    pub fn reject_row(
        &mut self,
        file: &FileInfo,
        row: u64,
        field: &str,
        value: &str,
        reason: String,
    ) {
        self.rejected_rows.insert((file.sha256.clone(), row));
        self.rejections.push(Rejection {
            source: self.source.clone(),
            file: file.path.clone(),
            file_sha256: file.sha256.clone(),
            row,
            field: field.to_string(),
            value: value.to_string(),
            reason,
        });
    }
}

/// The refusal of `sf`, whose bytes have this SHA-256 (empty when unknown).
pub(crate) fn refusal(sf: &SourceFile, sha256: String, reason: String) -> RefusedFile {
    RefusedFile {
        path: sf.display.clone(),
        sha256,
        bytes: std::fs::metadata(&sf.path).map(|m| m.len()).unwrap_or(0),
        reason,
    }
}

/// SHA-256 of a file, hex; empty when it cannot be read.
fn hash(path: &std::path::Path) -> String {
    let mut hasher = Sha256::new();
    match std::fs::File::open(path).and_then(|mut f| std::io::copy(&mut f, &mut hasher)) {
        Ok(_) => hex::encode(hasher.finalize()),
        Err(_) => String::new(),
    }
}
