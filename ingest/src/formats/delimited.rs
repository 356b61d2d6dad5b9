//! CSV rows read from bytes as they are needed: a file of millions of rows is parsed a chunk
//! at a time, so what reading holds does not grow with the file. Past its header, a file can
//! also be cut into pieces of whole records ([`Pieces`]), which other threads parse while the
//! next piece is read.

use std::io::Read;

use csv_core::{ReadRecordResult, ReaderBuilder};

use crate::raw::RowCells;
use crate::{IngestError, Result};

/// Bytes read from the input at a time.
const CHUNK: usize = 1 << 20;

/// Bytes of a piece ([`Pieces`]): a few thousand rows, as many as a worker checks at a time.
/// Small in this crate's tests, so that they cut their files in many places.
const PIECE: usize = if cfg!(test) { 256 } else { 512 << 10 };

/// The rows of UTF-8 CSV bytes (no byte-order mark), each with the line it starts on and its
/// cells in NFC.
pub struct Rows<R> {
    path: String,
    input: R,
    reader: csv_core::Reader,
    delimiter: u8,
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
        let delimiter = delimiter(head);
        let eof = end == 0;
        Ok(Self::over(path, input, delimiter, (buf, end, eof), 1))
    }

    /// Rows parsed from `buf[..end]` onwards, then from `input` unless `eof`; the first
    /// starts on `line`.
    fn over(
        path: &str,
        input: R,
        delimiter: u8,
        (buf, end, eof): (Vec<u8>, usize, bool),
        line: u64,
    ) -> Self {
        Self {
            path: path.to_string(),
            input,
            reader: ReaderBuilder::new().delimiter(delimiter).build(),
            delimiter,
            buf,
            start: 0,
            end,
            eof,
            line,
            out: vec![0; 4096],
            ends: vec![0; 64],
        }
    }

    /// The field separator.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The rest of the input cut into pieces of whole records, from the end of the last row
    /// read.
    pub fn into_pieces(self) -> Pieces<R> {
        Pieces {
            carry: self.buf[self.start..self.end].to_vec(),
            path: self.path,
            input: self.input,
            eof: self.eof,
            line: self.line,
            finder: ReaderBuilder::new().delimiter(self.delimiter).build(),
            out: Vec::new(),
            ends: vec![0; 1024],
        }
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
        let ends = &self.ends[..endlen];
        let len = ends.last().copied().unwrap_or(0);
        // nearly every row is UTF-8 and NFC as a whole, cut between characters: its text is
        // its bytes, checked once instead of a cell at a time (where it is not, the cells are
        // checked one by one, saying where)
        if let Ok(whole) = simdutf8::basic::from_utf8(&self.out[..len])
            && crate::text::surely_nfc(whole)
            && ends.iter().all(|&e| whole.is_char_boundary(e))
        {
            return Ok(Some((
                line,
                RowCells::Cut {
                    text: whole.to_string(),
                    ends: ends.to_vec(),
                },
            )));
        }
        let mut text = String::with_capacity(len);
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

impl Rows<std::io::Empty> {
    /// The rows of a piece ([`Pieces`]) separated by `delimiter`, parsed from its own bytes
    /// (no copy into a buffer of the reader's).
    pub fn piece(path: &str, piece: Piece, delimiter: u8) -> Self {
        let end = piece.bytes.len();
        Self::over(
            path,
            std::io::empty(),
            delimiter,
            (piece.bytes, end, true),
            piece.line,
        )
    }
}

/// A run of whole records of a CSV file, as its bytes.
#[derive(Debug, Clone)]
pub struct Piece {
    pub bytes: Vec<u8>,
    /// The line of its first byte.
    pub line: u64,
}

/// A CSV file's bytes cut into pieces, each ending where a record ends, so that each can be
/// parsed on its own: the thread that reads the file only looks for where records end (where
/// there is no quote, at the last line end) and counts lines.
pub struct Pieces<R> {
    path: String,
    input: R,
    /// Bytes read past the end of the last piece.
    carry: Vec<u8>,
    eof: bool,
    /// Line of the next piece's first byte.
    line: u64,
    /// Finds where records end in bytes holding quotes.
    finder: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl<R: Read> Pieces<R> {
    /// The next piece: `None` at the end.
    pub fn next_piece(&mut self) -> Result<Option<Piece>> {
        let mut bytes = std::mem::take(&mut self.carry);
        let mut want = PIECE;
        loop {
            if !self.eof && bytes.len() < want {
                let from = bytes.len();
                // read into the vector's spare room: zeroing it first was a tenth of the
                // time of the threads that parse the pieces
                bytes.reserve_exact(want - from);
                let n = (&mut self.input)
                    .take((want - from) as u64)
                    .read_to_end(&mut bytes)
                    .map_err(|source| io_error(&self.path, source))?;
                self.eof = from + n < want;
            }
            if bytes.is_empty() {
                return Ok(None);
            }
            // what is left of the first read may be more than a piece
            let within = want.min(bytes.len());
            let cut = if self.eof && bytes.len() <= want {
                Some(bytes.len())
            } else {
                self.record_end(&bytes[..within])
            };
            match cut {
                Some(cut) if cut > 0 => {
                    self.carry = bytes[cut..].to_vec();
                    bytes.truncate(cut);
                    let line = self.line;
                    self.line += memchr::memchr_iter(b'\n', &bytes).count() as u64;
                    return Ok(Some(Piece { bytes, line }));
                }
                // a record longer than a piece
                _ => want *= 2,
            }
        }
    }

    /// Where the last record that ends in `bytes` ends (they start where a record starts).
    fn record_end(&mut self, bytes: &[u8]) -> Option<usize> {
        if memchr::memchr(b'"', bytes).is_none() {
            // without a quote every line end ends a record
            return memchr::memrchr2(b'\n', b'\r', bytes).map(|i| i + 1);
        }
        // a quoted field may hold line ends: the parser says where records end; what it
        // writes is not needed, and no record writes more than it reads
        if self.out.len() < bytes.len() {
            self.out.resize(bytes.len(), 0);
        }
        self.finder.reset();
        let (mut at, mut end) = (0, None);
        loop {
            let (result, nin, _, _) =
                self.finder
                    .read_record(&bytes[at..], &mut self.out, &mut self.ends);
            at += nin;
            match result {
                ReadRecordResult::Record => end = Some(at),
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::OutputFull
                | ReadRecordResult::InputEmpty
                | ReadRecordResult::End => return end,
            }
        }
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
    fill_io(input, buf).map_err(|source| io_error(path, source))
}

fn io_error(path: &str, source: std::io::Error) -> IngestError {
    IngestError::Io {
        path: path.into(),
        source,
    }
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

    /// Cut into pieces, each parsed on its own, a file gives the rows it gives read in one
    /// pass, on the same lines: with and without quoted line ends, whatever the line ends.
    #[test]
    fn pieces_parsed_apart_give_the_rows_of_one_pass() {
        let short = "Ma,Ten\r\n1,\"Nguy\u{1ec5}n, V\u{103}n\"\r\n\r\n\n2,\"d\u{f2}ng\r\nhai \"\"x\"\"\"\n3,Ph\u{1b0}\u{301}\u{2a}c\r4,";
        let mut quoted = String::from("Ma,Ten\n");
        let mut plain = String::from("Ma,Ten\r\n");
        for i in 0..500 {
            if i % 7 == 0 {
                quoted.push_str(&format!("{i},\"dòng\n{i}, \"\"{i}\"\"\"\r\n"));
            } else {
                quoted.push_str(&format!("{i},tên {i}\n"));
            }
            plain.push_str(&format!(
                "{i},tên {i}{}",
                if i % 5 == 0 { "\r" } else { "\r\n" }
            ));
        }
        for text in [short, quoted.as_str(), plain.as_str()] {
            let want = rows(text, CHUNK);
            let mut head = Rows::new("t.csv", text.as_bytes(), |_| b',').unwrap();
            let (line, cells) = head.next().unwrap().unwrap();
            let mut got = vec![(line, cells.into_list())];
            let mut pieces = head.into_pieces();
            let mut cut = 0;
            while let Some(piece) = pieces.next_piece().unwrap() {
                cut += 1;
                for row in Rows::piece("t.csv", piece, b',') {
                    let (line, cells) = row.unwrap();
                    got.push((line, cells.into_list()));
                }
            }
            assert_eq!(got, want);
            assert!(cut > 10 || text.len() < PIECE, "{cut} pieces");
        }
    }
}
