//! Paged JSON as the one-stop and petition APIs serve it:
//! `{"page": 1, "pageSize": 500, "totalPages": …, "totalRecords": …, "data": [ … ]}`.

use crate::SampleError;
use crate::output::{Output, Sink};

pub(crate) const PAGE_SIZE: usize = 500;

/// Writes records, already serialised as JSON objects, into `DIR/page-NNNN.json` files. The
/// total must be known up front because every page states it.
pub(crate) struct PageWriter<'o> {
    out: &'o mut Output,
    dir: String,
    total: usize,
    pages: usize,
    written: usize,
    current: Option<Sink>,
}

impl<'o> PageWriter<'o> {
    pub(crate) fn new(
        out: &'o mut Output,
        dir: &str,
        total: usize,
    ) -> Result<PageWriter<'o>, SampleError> {
        out.remove_stale(dir, "page-", ".json")?;
        Ok(PageWriter {
            out,
            dir: dir.to_string(),
            total,
            pages: total.div_ceil(PAGE_SIZE).max(1),
            written: 0,
            current: None,
        })
    }

    fn open(&mut self, page: usize) -> Result<Sink, SampleError> {
        let mut sink = self
            .out
            .create(&format!("{}/page-{page:04}.json", self.dir))?;
        sink.put_str(&format!(
            "{{\"page\": {page}, \"pageSize\": {PAGE_SIZE}, \"totalPages\": {}, \"totalRecords\": {}, \"data\": [",
            self.pages, self.total
        ))?;
        Ok(sink)
    }

    pub(crate) fn push(&mut self, record: &str) -> Result<(), SampleError> {
        if self.written >= self.total {
            return Err(SampleError::Internal(format!(
                "more than the {} records announced for {}",
                self.total, self.dir
            )));
        }
        let first_of_page = self.written.is_multiple_of(PAGE_SIZE);
        if first_of_page {
            if let Some(sink) = self.current.take() {
                close(sink)?;
            }
            let page = self.written / PAGE_SIZE + 1;
            self.current = Some(self.open(page)?);
        }
        if let Some(sink) = self.current.as_mut() {
            sink.put_str(if first_of_page { "\n" } else { ",\n" })?;
            sink.put_str(record)?;
        }
        self.written += 1;
        Ok(())
    }

    /// Closes the last page; with no records at all, one empty page is still written so that
    /// a reader finds the API's answer. Returns the number of pages.
    pub(crate) fn finish(mut self) -> Result<usize, SampleError> {
        if self.written != self.total {
            return Err(SampleError::Internal(format!(
                "{} records announced for {} but {} written",
                self.total, self.dir, self.written
            )));
        }
        match self.current.take() {
            Some(sink) => close(sink)?,
            None => {
                let mut sink = self.open(1)?;
                sink.put_str("]}\n")?;
                sink.finish()?;
            }
        }
        Ok(self.pages)
    }
}

fn close(mut sink: Sink) -> Result<(), SampleError> {
    sink.put_str("\n]}\n")?;
    sink.finish()
}
