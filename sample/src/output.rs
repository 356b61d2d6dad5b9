//! Files under the output directory: creation with errors that name the path, the list of what
//! was written, and removal of what an earlier run left that this run would not overwrite.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::SampleError;

/// UTF-8 byte order mark: Vietnamese Excel users need it to open a CSV without mojibake.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The output directory and the files written to it, by relative path.
#[derive(Debug)]
pub(crate) struct Output {
    root: PathBuf,
    written: Vec<String>,
}

impl Output {
    pub(crate) fn new(root: &Path) -> Result<Output, SampleError> {
        fs::create_dir_all(root).map_err(io_error(root))?;
        Ok(Output {
            root: root.to_path_buf(),
            written: Vec::new(),
        })
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        rel.split('/')
            .fold(self.root.clone(), |p, part| p.join(part))
    }

    /// Creates `rel` (and its directories) and records it for the manifest.
    pub(crate) fn create(&mut self, rel: &str) -> Result<Sink, SampleError> {
        let path = self.prepare(rel)?;
        let file = File::create(&path).map_err(io_error(&path))?;
        self.written.push(rel.to_string());
        Ok(Sink {
            w: BufWriter::with_capacity(1 << 16, file),
            path,
        })
    }

    /// The path for `rel`, with its directory created, recorded for the manifest; for writers
    /// that open the file themselves.
    pub(crate) fn claim(&mut self, rel: &str) -> Result<PathBuf, SampleError> {
        let path = self.prepare(rel)?;
        self.written.push(rel.to_string());
        Ok(path)
    }

    fn prepare(&self, rel: &str) -> Result<PathBuf, SampleError> {
        let path = self.path(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_error(dir))?;
        }
        Ok(path)
    }

    /// A scratch file that is not part of the sample.
    pub(crate) fn scratch(&self, rel: &str) -> Result<Sink, SampleError> {
        let path = self.prepare(rel)?;
        let file = File::create(&path).map_err(io_error(&path))?;
        Ok(Sink {
            w: BufWriter::with_capacity(1 << 16, file),
            path,
        })
    }

    /// Removes files named `prefix…suffix` in directory `rel_dir`: an earlier, larger run may have
    /// left more pages or months than this one writes, and readers glob these directories.
    pub(crate) fn remove_stale(
        &self,
        rel_dir: &str,
        prefix: &str,
        suffix: &str,
    ) -> Result<(), SampleError> {
        let dir = self.path(rel_dir);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_error(&dir)(e)),
        };
        let mut stale = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_error(&dir))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with(prefix) && name.ends_with(suffix) && entry.path().is_file() {
                stale.push(entry.path());
            }
        }
        stale.sort();
        for path in stale {
            fs::remove_file(&path).map_err(io_error(&path))?;
        }
        Ok(())
    }

    /// Removes `rel` if it exists.
    pub(crate) fn remove(&self, rel: &str) -> Result<(), SampleError> {
        let path = self.path(rel);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_error(&path)(e)),
            _ => Ok(()),
        }
    }

    pub(crate) fn written(&self) -> &[String] {
        &self.written
    }
}

/// A buffered file being written.
#[derive(Debug)]
pub(crate) struct Sink {
    w: BufWriter<File>,
    path: PathBuf,
}

impl Sink {
    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<(), SampleError> {
        self.w.write_all(bytes).map_err(io_error(&self.path))
    }

    pub(crate) fn put_str(&mut self, s: &str) -> Result<(), SampleError> {
        self.put(s.as_bytes())
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn finish(mut self) -> Result<(), SampleError> {
        self.w.flush().map_err(io_error(&self.path))
    }
}

/// Lets the csv crate write through a sink; its errors are mapped back to the path by callers.
impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.w.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

pub(crate) fn io_error(path: &Path) -> impl Fn(io::Error) -> SampleError + '_ {
    move |source| SampleError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// CSV writer with Windows line ends, as the Vietnamese systems' exports have.
pub(crate) fn csv_writer(mut sink: Sink) -> Result<(csv::Writer<Sink>, PathBuf), SampleError> {
    sink.put(BOM)?;
    let path = sink.path().to_path_buf();
    let w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(sink);
    Ok((w, path))
}

pub(crate) fn csv_error(path: &Path) -> impl Fn(csv::Error) -> SampleError + '_ {
    move |source| SampleError::Csv {
        path: path.to_path_buf(),
        source,
    }
}

/// Flushes a CSV writer and its file.
pub(crate) fn csv_finish(w: csv::Writer<Sink>, path: &Path) -> Result<(), SampleError> {
    let sink = w.into_inner().map_err(|e| SampleError::Io {
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    sink.finish()
}

/// Appends `s` as a JSON string literal; written by hand because records are built field by
/// field in the contract's order, millions of times at large scales.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_round_trip() {
        let s = "Chứng thực \"bản sao\"\\\n\u{1}";
        let mut out = String::new();
        push_json_str(&mut out, s);
        let back: String = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(back, s);
    }
}
