//! ZIP archives that come out byte for byte the same each time they are made from the same
//! contents: every entry carries the same given time (or the format's epoch, 1980-01-01) and
//! the same permissions, and entries are written in the order they are added. Evidence
//! annexes and DOCX files are made this way, so a report made again is the same file.

use std::io::{self, Read, Seek, Write};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

/// One file written into an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// A ZIP being written.
pub struct Archive<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    options: SimpleFileOptions,
    entries: Vec<Entry>,
}

impl<W: Write + Seek> Archive<W> {
    /// A new archive whose entries are dated `date` (midnight), or 1980-01-01 without one.
    /// Entries are plain ZIP, as office suites expect of a DOCX.
    pub fn new(out: W, date: Option<NaiveDate>) -> Self {
        Self::with_size(out, date, false)
    }

    /// An archive whose entries may pass 4 GiB (ZIP64), for record lists at province scale.
    pub fn large(out: W, date: Option<NaiveDate>) -> Self {
        Self::with_size(out, date, true)
    }

    fn with_size(out: W, date: Option<NaiveDate>, large: bool) -> Self {
        let time = date
            .and_then(|d| {
                zip::DateTime::from_date_and_time(
                    u16::try_from(d.year()).ok()?,
                    d.month() as u8,
                    d.day() as u8,
                    0,
                    0,
                    0,
                )
                .ok()
            })
            .unwrap_or_default();
        Self {
            zip: zip::ZipWriter::new(out),
            options: SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .last_modified_time(time)
                .unix_permissions(0o644)
                .large_file(large),
            entries: Vec::new(),
        }
    }

    /// Adds a file from memory.
    pub fn add(&mut self, path: &str, bytes: &[u8]) -> io::Result<()> {
        self.add_reader(path, bytes)
    }

    /// Adds a file read to its end from `r`, hashing it on the way.
    pub fn add_reader(&mut self, path: &str, mut r: impl Read) -> io::Result<()> {
        self.zip
            .start_file(path, self.options)
            .map_err(io::Error::other)?;
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = r.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            self.zip.write_all(&buf[..n])?;
            total += n as u64;
        }
        self.entries.push(Entry {
            path: path.to_string(),
            sha256: hex::encode(hasher.finalize()),
            bytes: total,
        });
        Ok(())
    }

    /// The files written so far, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Writes the central directory and hands the output back.
    pub fn finish(self) -> io::Result<W> {
        self.zip.finish().map_err(io::Error::other)
    }
}

/// The lines `sha256sum -c` reads: `<hash>  <path>`.
pub fn sha256sums(entries: &[Entry]) -> String {
    entries
        .iter()
        .map(|e| format!("{}  {}\n", e.sha256, e.path))
        .collect()
}

/// SHA-256 of bytes, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(date: Option<NaiveDate>) -> Vec<u8> {
        let mut a = Archive::new(io::Cursor::new(Vec::new()), date);
        a.add("a/README.txt", "Phụ lục minh chứng".as_bytes())
            .unwrap();
        a.add("b.csv", b"x,y\n1,2\n").unwrap();
        assert_eq!(a.entries()[1].sha256, sha256_hex(b"x,y\n1,2\n"));
        a.finish().unwrap().into_inner()
    }

    #[test]
    fn the_same_contents_make_the_same_bytes() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 5);
        assert_eq!(make(d), make(d));
        assert_ne!(make(d), make(None));
        let mut z = zip::ZipArchive::new(io::Cursor::new(make(d))).unwrap();
        let f = z.by_name("a/README.txt").unwrap();
        let t = f.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day()), (2026, 11, 5));
    }

    #[test]
    fn sums_in_the_format_sha256sum_reads() {
        let e = [Entry {
            path: "x/y.csv".into(),
            sha256: "ab".into(),
            bytes: 1,
        }];
        assert_eq!(sha256sums(&e), "ab  x/y.csv\n");
    }
}
