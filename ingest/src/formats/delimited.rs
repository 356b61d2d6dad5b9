//! CSV rows read from bytes as they are needed: a file of millions of rows is parsed a chunk
//! at a time, so what reading holds does not grow with the file.

use std::io::Read;

use csv_core::{ReadRecordResult, ReaderBuilder};

use crate::raw::RowCells;
use crate::{IngestError, Result};

/// Bytes read from the input at a time.
const CHUNK: usize = 1 << 20;

/// The rows of UTF-8 CSV bytes (no byte-order mark), each with the line it starts on and its
/// cells in NFC.
pub struct Rows<R> {
    path: String,
    input: R,
    reader: csv_core::Reader,
    buf: Vec<u8>,
    /// `buf[start..end]` is read and not parsed yet.
    start: usize,
    end: usize,
    eof: bool,
    /// Line of the next byte to parse (1-based).
    line: u64,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl<R: Read> Rows<R> {
    /// Reads the first chunk, which `delimiter` is given as text to choose the separator.
    pub fn new(path: &str, input: R, delimiter: impl FnOnce(&str) -> u8) -> Result<Self> {
        Self::chunked(path, input, CHUNK, delimiter)
    }

    fn chunked(
        path: &str,
        mut input: R,
        chunk: usize,
        delimiter: impl FnOnce(&str) -> u8,
    ) -> Result<Self> {
        let mut buf = vec![0; chunk];
        let end = fill(&mut input, &mut buf, path)?;
        let head = match std::str::from_utf8(&buf[..end]) {
            Ok(text) => text,
            // cut inside a character, or not UTF-8 at all (an error once the rows are read)
            Err(e) => std::str::from_utf8(&buf[..e.valid_up_to()]).unwrap_or_default(),
        };
        let reader = ReaderBuilder::new().delimiter(delimiter(head)).build();
        Ok(Self {
            path: path.to_string(),
            input,
            reader,
            buf,
            start: 0,
            end,
            eof: end == 0,
            line: 1,
            out: vec![0; 4096],
            ends: vec![0; 64],
        })
    }

    fn error(&self, message: String) -> IngestError {
        IngestError::Format {
            path: std::path::PathBuf::from(&self.path),
            message,
        }
    }

    /// Reads more once every byte read is parsed; false at the end of the input.
    fn more(&mut self) -> Result<bool> {
        if self.start < self.end {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        self.start = 0;
        self.end = fill(&mut self.input, &mut self.buf, &self.path)?;
        self.eof = self.end == 0;
        Ok(!self.eof)
    }

    /// The next row: `None` at the end.
    fn next_row(&mut self) -> Result<Option<(u64, RowCells)>> {
        // a record starts at its first byte that does not end a line: the line ends of
        // the previous one and blank lines are counted here, not given to the parser
        loop {
            if !self.more()? {
                return Ok(None);
            }
            let rest = &self.buf[self.start..self.end];
            let skip = rest
                .iter()
                .position(|b| !matches!(b, b'\r' | b'\n'))
                .unwrap_or(rest.len());
            self.line += rest[..skip].iter().filter(|b| **b == b'\n').count() as u64;
            self.start += skip;
            if self.start < self.end {
                break;
            }
        }
        let line = self.line;
        let (mut outlen, mut endlen) = (0, 0);
        loop {
            let input = &self.buf[self.start..self.end];
            let (result, nin, nout, nend) =
                self.reader
                    .read_record(input, &mut self.out[outlen..], &mut self.ends[endlen..]);
            self.line += input[..nin].iter().filter(|b| **b == b'\n').count() as u64;
            self.start += nin;
            outlen += nout;
            endlen += nend;
            match result {
                ReadRecordResult::InputEmpty => {
                    self.more()?;
                }
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => break,
                ReadRecordResult::End => {
                    if endlen == 0 {
                        return Ok(None);
                    }
                    break;
                }
            }
        }
        let mut text = String::with_capacity(self.ends[..endlen].last().copied().unwrap_or(0));
        let mut ends = Vec::with_capacity(endlen);
        let mut from = 0;
        for &to in &self.ends[..endlen] {
            let bytes = &self.out[from..to];
            let cell = std::str::from_utf8(bytes).map_err(|e| {
                self.error(format!(
                    "CSV không đọc được: dòng {line}: ô không phải UTF-8 hợp lệ (byte thứ {} của ô)",
                    e.valid_up_to() + 1
                ))
            })?;
            crate::encoding::push_nfc(&mut text, cell);
            ends.push(text.len());
            from = to;
        }
        Ok(Some((line, RowCells::Cut { text, ends })))
    }
}

impl<R: Read> Iterator for Rows<R> {
    type Item = Result<(u64, RowCells)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}

/// Fills `buf` from `input` as far as it goes; the bytes read.
fn fill(input: &mut impl Read, buf: &mut [u8], path: &str) -> Result<usize> {
    fill_io(input, buf).map_err(|source| IngestError::Io {
        path: path.into(),
        source,
    })
}

/// [`fill`], with the I/O error as it is.
pub(crate) fn fill_io(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, chunk: usize) -> Vec<(u64, Vec<String>)> {
        Rows::chunked("t.csv", text.as_bytes(), chunk, |_| b',')
            .unwrap()
            .map(|r| r.map(|(line, cells)| (line, cells.into_list())))
            .collect::<Result<_>>()
            .unwrap()
    }

    /// Whatever the chunk size, the same rows on the same lines: line ends of any kind, blank
    /// lines, quoted fields over lines, separators and quotes inside quotes, a last row with
    /// no line end, decomposed Vietnamese made NFC.
    #[test]
    fn the_same_rows_whatever_the_chunks() {
        let text = "Ma,Ten\r\n1,\"Nguy\u{1ec5}n, V\u{103}n\"\r\n\r\n\n2,\"d\u{f2}ng\r\nhai \"\"x\"\"\"\n3,Ph\u{1b0}\u{301}\u{2a}c\r4,";
        let want: Vec<(u64, Vec<String>)> = vec![
            (1, vec!["Ma".into(), "Ten".into()]),
            (2, vec!["1".into(), "Nguyễn, Văn".into()]),
            (5, vec!["2".into(), "dòng\r\nhai \"x\"".into()]),
            (7, vec!["3".into(), "Phứ*c".into()]),
            (7, vec!["4".into(), "".into()]),
        ];
        for chunk in [1, 2, 3, 5, 7, 64, CHUNK] {
            assert_eq!(rows(text, chunk), want, "chunk {chunk}");
        }
        assert!(rows("", 4).is_empty());
        assert!(rows("\r\n\n", 1).is_empty());
    }
}
