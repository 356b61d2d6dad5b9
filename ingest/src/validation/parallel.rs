//! One file's records checked on every core: this thread reads the file and hands chunks of
//! rows (of a CSV, pieces of its bytes) to worker threads, which parse them, make them
//! records, type and validate them, and build the valid rows' columns; the results come back
//! in the file's order, so that what is kept and what is quarantined, and in what order, is
//! the same as when one thread does it all.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};

use crate::extract::SourceFile;
use crate::fields::{Drift, FieldError, Fields};
use crate::limits::Limits;
use crate::raw::RawRecord;
use crate::records::Row;
use crate::{FileInfo, IngestError, Result};

/// Records handed to a worker at a time: enough to make the hand-over cheap, few enough that
/// what is in flight stays small.
const CHUNK: usize = 2048;

/// What checking one record gave.
pub enum Checked<T> {
    /// The record's value.
    Valid(T),
    /// The record's row and its field errors, personal values already masked.
    Invalid(u64, Vec<FieldError>),
}

/// What a worker makes of a chunk's valid rows besides what comes back row by row: their
/// columns, built where they were checked, so that the reading thread only appends them
/// (building them there held up the reading of the next rows).
pub trait Build {
    /// What checking a valid record gives to build from.
    type Value;
    /// What a chunk's rows come to.
    type Built: Send;
    fn push(&mut self, row: u64, value: Self::Value);
    /// The rows pushed since the last call, every one of them from `file`.
    fn finish(&mut self, file: &str) -> Self::Built;
}

/// Nothing built: each record's value comes back on its own.
pub struct Nothing;

impl Build for Nothing {
    type Value = ();
    type Built = ();
    fn push(&mut self, _: u64, _: ()) {}
    fn finish(&mut self, _: &str) {}
}

/// One chunk of a file, checked: what its valid rows built, and every record's result in
/// the file's order.
pub struct Chunk<T, B> {
    pub built: B,
    pub checked: Vec<Checked<T>>,
    /// A row of the chunk's piece could not be read: the file stops there.
    error: Option<IngestError>,
}

impl<T, B> Chunk<T, B> {
    /// What the valid rows built and their values, in the file's order; each invalid row's
    /// number and errors go to `reject`.
    pub fn split(self, mut reject: impl FnMut(u64, Vec<FieldError>)) -> (B, Vec<T>) {
        let mut valid = Vec::with_capacity(self.checked.len());
        for checked in self.checked {
            match checked {
                Checked::Valid(v) => valid.push(v),
                Checked::Invalid(row, errors) => reject(row, errors),
            }
        }
        (self.built, valid)
    }
}

/// What checking needs of the read besides the record.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    pub tz: chrono_tz::Tz,
    /// [`crate::run::Run::latest_event`].
    pub latest: i64,
    /// Fields whose values never reach the quarantine in clear.
    pub personal: &'a [&'a str],
}

/// Reads `sf` and checks each record with `check` on worker threads; `take` gets every result
/// on this thread, in the file's order. Gives the file and what the records' fields showed of
/// their types ([`Drift`]); a read error (unreadable, over a limit) stops it.
pub fn each_checked<T: Send>(
    sf: &SourceFile,
    required: &[&str],
    limits: &Limits,
    rules: Rules<'_>,
    check: impl Fn(&RawRecord, &mut Fields) -> Option<T> + Sync,
    mut take: impl FnMut(&FileInfo, Checked<T>),
) -> Result<(FileInfo, Drift)> {
    each_chunk(
        sf,
        required,
        limits,
        rules,
        |rec, f| check(rec, f).map(|v| (v, ())),
        || Nothing,
        |info, chunk| {
            for c in chunk.checked {
                take(info, c);
            }
        },
    )
}

/// As [`each_checked`], a chunk at a time: `check` gives what comes back of each valid
/// record and what goes into the chunk's [`Build`], which each worker makes with `build`.
pub fn each_chunk<T: Send, B: Build>(
    sf: &SourceFile,
    required: &[&str],
    limits: &Limits,
    rules: Rules<'_>,
    check: impl Fn(&RawRecord, &mut Fields) -> Option<(T, B::Value)> + Sync,
    build: impl Fn() -> B + Sync,
    take: impl FnMut(&FileInfo, Chunk<T, B::Built>),
) -> Result<(FileInfo, Drift)> {
    let counted = Counted {
        rows: limits.rows,
        path: &sf.path,
    };
    pooled(rules, Some(counted), check, build, take, |push| {
        crate::records::each_row(sf, required, limits, push)
    })
}

/// As [`each_chunk`], for records already read (an API page, a database's rows) from `info`.
pub fn records_chunked<T: Send, B: Build>(
    info: &FileInfo,
    records: Vec<RawRecord>,
    rules: Rules<'_>,
    check: impl Fn(&RawRecord, &mut Fields) -> Option<(T, B::Value)> + Sync,
    build: impl Fn() -> B + Sync,
    take: impl FnMut(&FileInfo, Chunk<T, B::Built>),
) -> Drift {
    let given = pooled(rules, None, check, build, take, |push| {
        for r in records {
            push(info, Row::Record(r))?;
        }
        Ok(info.clone())
    });
    // only reading can fail, and these records are read already
    given.map(|(_, drift)| drift).unwrap_or_default()
}

/// A chunk of rows (or one piece) on its way to a worker: its place in the file and the
/// file's name.
type Job = (u64, Arc<str>, Vec<Row>);

/// A file's rows are counted as their results come back, a CSV's pieces being parsed by the
/// workers: progress is reported, and a file of more than `rows` stops.
#[derive(Clone, Copy)]
struct Counted<'a> {
    rows: u64,
    path: &'a std::path::Path,
}

/// The workers at `check`, fed by `read`, which pushes every row with the file it is from and
/// gives that file once all are pushed; the file comes back with its rows counted.
fn pooled<T: Send, B: Build>(
    rules: Rules<'_>,
    counted: Option<Counted<'_>>,
    check: impl Fn(&RawRecord, &mut Fields) -> Option<(T, B::Value)> + Sync,
    build: impl Fn() -> B + Sync,
    mut take: impl FnMut(&FileInfo, Chunk<T, B::Built>),
    read: impl FnOnce(&mut dyn FnMut(&FileInfo, Row) -> Result<()>) -> Result<FileInfo>,
) -> Result<(FileInfo, Drift)> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8));
    std::thread::scope(|scope| {
        let (jobs, queue) = sync_channel::<Job>(workers * 2);
        let queue = Arc::new(Mutex::new(queue));
        let (done, results) = channel::<(u64, Chunk<T, B::Built>)>();
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let queue = Arc::clone(&queue);
                let done = done.clone();
                let (check, build) = (&check, &build);
                // named, so a profile tells the checking from the reading
                std::thread::Builder::new()
                    .name("chiso-check".to_string())
                    .spawn_scoped(scope, move || work(&queue, &done, rules, check, build()))
                    .expect("a checking worker starts")
            })
            .collect();
        drop(done);
        let mut order = InOrder::new(results, counted);
        let mut chunk = Vec::new();
        let mut sent = 0u64;
        // the file's name as its rows carry it, made once
        let mut name: Option<Arc<str>> = None;
        let read = read(&mut |info, row| {
            // a piece is a chunk of its own
            let piece = matches!(row, Row::Piece(_));
            chunk.push(row);
            if piece || chunk.len() == CHUNK {
                let name = name.get_or_insert_with(|| info.path.as_str().into());
                send(&jobs, &mut sent, name, &mut chunk);
                order.take_ready(info, &mut take);
            }
            order.failed.take().map_or(Ok(()), Err)
        });
        if let Ok(info) = &read
            && !chunk.is_empty()
        {
            let name = name.get_or_insert_with(|| info.path.as_str().into());
            send(&jobs, &mut sent, name, &mut chunk);
        }
        // the workers stop once the queue is empty and closed
        drop(jobs);
        let mut drift = Drift::default();
        for h in handles {
            drift.merge(h.join().expect("a checking worker does not panic"));
        }
        let mut info = read?;
        order.take_all(&info, sent, &mut take);
        if let Some(e) = order.failed.take() {
            return Err(e);
        }
        info.rows = order.rows;
        if let Some(m) = order.meter.as_ref().and_then(|m| m.done()) {
            crate::progress::report_file(&info.path, info.rows, true, &m);
        }
        Ok((info, drift))
    })
}

fn send(jobs: &SyncSender<Job>, sent: &mut u64, name: &Arc<str>, chunk: &mut Vec<Row>) {
    // a piece goes alone: room for a chunk of rows is made only when rows come
    let full = std::mem::take(chunk);
    // the workers hold the queue until it closes, so a send cannot fail
    let _ = jobs.send((*sent, Arc::clone(name), full));
    *sent += 1;
}

fn work<T, B: Build>(
    queue: &Mutex<Receiver<Job>>,
    done: &std::sync::mpsc::Sender<(u64, Chunk<T, B::Built>)>,
    rules: Rules<'_>,
    check: &(impl Fn(&RawRecord, &mut Fields) -> Option<(T, B::Value)> + Sync),
    mut build: B,
) -> Drift {
    let mut drift = Drift::default();
    loop {
        let next = queue.lock().map(|q| q.recv());
        let Ok(Ok((seq, file, rows))) = next else {
            return drift;
        };
        let mut checked = Vec::with_capacity(rows.len());
        let mut one = |rec: RawRecord| {
            let mut f = Fields::new(&rec, rules.tz, rules.latest);
            let value = check(&rec, &mut f);
            drift.observe(&rec, &f.errors);
            checked.push(match value {
                Some((v, built)) if f.errors.is_empty() => {
                    build.push(rec.row, built);
                    Checked::Valid(v)
                }
                _ => Checked::Invalid(rec.row, masked(f.errors, rules.personal)),
            });
        };
        let mut error = None;
        for row in rows {
            match row {
                Row::Record(rec) => one(rec),
                Row::Cells(cells) => one(cells.into_record()),
                Row::Piece(piece) => {
                    if let Err(e) = piece.each(|cells| one(cells.into_record())) {
                        error = Some(e);
                        break;
                    }
                }
            }
        }
        let built = build.finish(&file);
        let chunk = Chunk {
            built,
            checked,
            error,
        };
        if done.send((seq, chunk)).is_err() {
            return drift;
        }
    }
}

/// Field errors as the quarantine keeps them: personal values as `***`.
pub fn masked(errors: Vec<FieldError>, personal: &[&str]) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            if personal.contains(&e.field.as_str()) {
                e.value = "***".to_string();
            }
            e
        })
        .collect()
}

/// Chunks put back in the order they were sent, and counted.
struct InOrder<'a, C> {
    results: Receiver<(u64, C)>,
    waiting: BTreeMap<u64, C>,
    next: u64,
    counted: Option<Counted<'a>>,
    meter: Option<crate::progress::Meter>,
    /// Rows taken.
    rows: u64,
    /// Why the file stops: a row that cannot be read, or too many rows. No chunk is taken
    /// after it.
    failed: Option<IngestError>,
}

impl<'a, T, B> InOrder<'a, Chunk<T, B>> {
    fn new(results: Receiver<(u64, Chunk<T, B>)>, counted: Option<Counted<'a>>) -> Self {
        Self {
            results,
            waiting: BTreeMap::new(),
            next: 0,
            counted,
            meter: None,
            rows: 0,
            failed: None,
        }
    }

    /// Takes what has arrived, without waiting.
    fn take_ready(&mut self, info: &FileInfo, take: &mut impl FnMut(&FileInfo, Chunk<T, B>)) {
        while let Ok((seq, chunk)) = self.results.try_recv() {
            self.waiting.insert(seq, chunk);
        }
        self.flush(info, take);
    }

    /// Takes every chunk up to `sent`, waiting for those still being checked.
    fn take_all(
        &mut self,
        info: &FileInfo,
        sent: u64,
        take: &mut impl FnMut(&FileInfo, Chunk<T, B>),
    ) {
        self.flush(info, take);
        while self.next < sent {
            let Ok((seq, chunk)) = self.results.recv() else {
                break;
            };
            self.waiting.insert(seq, chunk);
            self.flush(info, take);
        }
    }

    fn flush(&mut self, info: &FileInfo, take: &mut impl FnMut(&FileInfo, Chunk<T, B>)) {
        while let Some(mut chunk) = self.waiting.remove(&self.next) {
            self.next += 1;
            if self.failed.is_some() {
                continue;
            }
            if let Some(e) = chunk.error.take() {
                self.failed = Some(e);
                continue;
            }
            self.rows += chunk.checked.len() as u64;
            if let Some(c) = self.counted {
                if self.rows > c.rows {
                    self.failed = Some(IngestError::Format {
                        path: c.path.to_path_buf(),
                        message: format!(
                            "tệp có hơn {} dòng, vượt giới hạn (limits.rows)",
                            tables::number::integer(c.rows)
                        ),
                    });
                    continue;
                }
                let meter = self.meter.get_or_insert_with(|| {
                    crate::progress::Meter::new(&info.path, info.bytes, crate::progress::EVERY)
                });
                if let Some(m) = meter.add(chunk.checked.len() as u64) {
                    crate::progress::report_file(&info.path, self.rows, false, &m);
                }
            }
            take(info, chunk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of several chunks, some rows invalid: every result comes back once, in the
    /// file's order, with its row number, and the field counts add up over the workers.
    #[test]
    fn results_come_back_in_the_files_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("so.csv");
        let rows = CHUNK * 3 + 17;
        let mut text = String::from("So,Ten\n");
        for i in 0..rows {
            let value = if i % 997 == 0 {
                "x".to_string()
            } else {
                i.to_string()
            };
            text.push_str(&format!("{value},Hồ sơ {i}\n"));
        }
        std::fs::write(&path, text).unwrap();
        let sf = SourceFile::new(path, "so.csv".to_string());
        let rules = Rules {
            tz: chrono_tz::Asia::Ho_Chi_Minh,
            latest: i64::MAX,
            personal: &["Ten"],
        };
        let mut seen = Vec::new();
        let (info, drift) = each_checked(
            &sf,
            &["So", "Ten"],
            &Limits::default(),
            rules,
            |rec, f| {
                let n = f.int64_in("So", 0, i64::MAX, true)?;
                if n % 2 == 1 {
                    f.reject("Ten", "thử");
                }
                Some((rec.row, n))
            },
            |_, checked| seen.push(checked),
        )
        .unwrap();
        assert_eq!(info.rows, rows as u64);
        assert_eq!(seen.len(), rows);
        for (i, c) in seen.iter().enumerate() {
            let line = i as u64 + 2;
            match c {
                Checked::Valid((row, n)) => {
                    assert_eq!((*row, *n), (line, i as i64));
                    assert!(i % 2 == 0 && i % 997 != 0, "row {line}");
                }
                Checked::Invalid(row, errors) => {
                    assert_eq!(*row, line);
                    let field = if i % 997 == 0 { "So" } else { "Ten" };
                    assert_eq!(errors[0].field, field, "row {line}");
                    assert!(field == "So" || i % 2 == 1, "row {line}");
                    if field == "Ten" {
                        assert_eq!(errors[0].value, "***", "a personal value is masked");
                    }
                }
            }
        }
        drift.check("so.csv").unwrap();
    }

    /// What the workers build of a chunk's valid rows holds those rows, in order, with the
    /// file's name, and nothing of the invalid ones.
    #[test]
    fn a_chunk_builds_its_valid_rows() {
        struct Listed(Vec<(u64, i64)>);
        impl Build for Listed {
            type Value = i64;
            type Built = (String, Vec<(u64, i64)>);
            fn push(&mut self, row: u64, value: i64) {
                self.0.push((row, value));
            }
            fn finish(&mut self, file: &str) -> Self::Built {
                (file.to_string(), std::mem::take(&mut self.0))
            }
        }
        let rows = CHUNK * 2 + 5;
        let records: Vec<RawRecord> = (0..rows)
            .map(|i| {
                let value = if i % 3 == 0 {
                    "x".to_string()
                } else {
                    i.to_string()
                };
                let fields = [("So".to_string(), value)].into_iter().collect();
                RawRecord::new(i as u64 + 2, fields, 1024)
            })
            .collect();
        let info = FileInfo {
            path: "trang-1.json".to_string(),
            sha256: String::new(),
            bytes: 0,
            rows: rows as u64,
        };
        let rules = Rules {
            tz: chrono_tz::Asia::Ho_Chi_Minh,
            latest: i64::MAX,
            personal: &[],
        };
        let (mut built, mut valid, mut invalid) = (Vec::new(), Vec::new(), 0);
        let mut chunks = 0;
        records_chunked(
            &info,
            records,
            rules,
            |rec, f| {
                f.int64_in("So", 0, i64::MAX, true)
                    .map(|n| (rec.row, n * 10))
            },
            || Listed(Vec::new()),
            |_, chunk: Chunk<u64, (String, Vec<(u64, i64)>)>| {
                chunks += 1;
                let (file, rows) = chunk.built;
                assert_eq!(file, "trang-1.json");
                let here: Vec<u64> = chunk
                    .checked
                    .iter()
                    .filter_map(|c| match c {
                        Checked::Valid(row) => Some(*row),
                        Checked::Invalid(..) => None,
                    })
                    .collect();
                assert_eq!(rows.iter().map(|(row, _)| *row).collect::<Vec<_>>(), here);
                invalid += chunk.checked.len() - here.len();
                valid.extend(here);
                built.extend(rows);
            },
        );
        assert_eq!(chunks, 3);
        let want: Vec<u64> = (0..rows)
            .filter(|i| i % 3 != 0)
            .map(|i| i as u64 + 2)
            .collect();
        assert_eq!(valid, want);
        assert_eq!(invalid, rows - want.len());
        assert!(built.iter().all(|(row, n)| *n == (*row as i64 - 2) * 10));
    }
}
