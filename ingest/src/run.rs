//! Book-keeping shared by every source reader.

use std::collections::BTreeSet;

use crate::extract::{ExtractFile, SourceFile};
use crate::fields::Fields;
use crate::raw::RawRecord;
use crate::{Batch, FileInfo, Rejection, Result, RowCounts, TableData};

/// Book-keeping of one read of a source: the files, the counts and the rejected rows.
pub(crate) struct Run {
    source: String,
    pub files: Vec<FileInfo>,
    rejections: Vec<Rejection>,
    rejected_rows: BTreeSet<(String, u64)>,
    pub counts: RowCounts,
}

impl Run {
    pub fn new(source: &str) -> Self {
        Self {
            source: source.to_string(),
            files: Vec::new(),
            rejections: Vec::new(),
            rejected_rows: BTreeSet::new(),
            counts: RowCounts::default(),
        }
    }

    /// The content address of the files read so far.
    pub fn batch_id(&self) -> String {
        crate::batch::batch_id(&self.source, &self.files)
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
            tables,
            rejections: self.rejections,
            counts: self.counts,
        })
    }

    pub fn open(
        &mut self,
        sf: &SourceFile,
        required: &[&str],
    ) -> Result<(FileInfo, Vec<RawRecord>)> {
        let (info, records) = crate::records::read(sf, required)?;
        self.counts.read += info.rows;
        self.files.push(info.clone());
        Ok((info, records))
    }

    /// Counts a file read record by record ([`crate::records::each`]).
    pub fn add_file(&mut self, info: FileInfo) {
        self.counts.read += info.rows;
        self.files.push(info);
    }

    pub fn take_page(&mut self, page: &ExtractFile) -> Result<(FileInfo, Vec<RawRecord>)> {
        let records = crate::raw::json_page_records(page)?;
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

    pub fn reject_fields(&mut self, file: &FileInfo, row: u64, f: Fields, personal: &[&str]) {
        for e in f.errors {
            let value = if personal.contains(&e.field.as_str()) {
                "***".to_string()
            } else {
                e.value
            };
            self.reject_row(file, row, &e.field, &value, e.reason);
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
