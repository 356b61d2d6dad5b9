//! One file's records checked on every core: this thread reads the file and hands chunks of
//! rows to worker threads, which make them records, type and validate them; the results come back in the
//! file's order, so that what is kept and what is quarantined, and in what order, is the same
//! as when one thread does it all.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};

use crate::extract::SourceFile;
use crate::fields::{Drift, FieldError, Fields};
use crate::limits::Limits;
use crate::raw::RawRecord;
use crate::records::Row;
use crate::{FileInfo, Result};

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
    take: impl FnMut(&FileInfo, Checked<T>),
) -> Result<(FileInfo, Drift)> {
    pooled(rules, check, take, |push| {
        crate::records::each_row(sf, required, limits, |info, row| {
            push(info, row);
            Ok(())
        })
    })
}

/// As [`each_checked`], for records already read (an API page, a database's rows) from `info`.
pub fn records_checked<T: Send>(
    info: &FileInfo,
    records: Vec<RawRecord>,
    rules: Rules<'_>,
    check: impl Fn(&RawRecord, &mut Fields) -> Option<T> + Sync,
    take: impl FnMut(&FileInfo, Checked<T>),
) -> Drift {
    let given = pooled(rules, check, take, |push| {
        for r in records {
            push(info, Row::Record(r));
        }
        Ok(info.clone())
    });
    // only reading can fail, and these records are read already
    given.map(|(_, drift)| drift).unwrap_or_default()
}

/// The workers at `check`, fed by `read`, which pushes every row with the file it is from and
/// gives that file once all are pushed.
fn pooled<T: Send>(
    rules: Rules<'_>,
    check: impl Fn(&RawRecord, &mut Fields) -> Option<T> + Sync,
    mut take: impl FnMut(&FileInfo, Checked<T>),
    read: impl FnOnce(&mut dyn FnMut(&FileInfo, Row)) -> Result<FileInfo>,
) -> Result<(FileInfo, Drift)> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8));
    std::thread::scope(|scope| {
        let (jobs, queue) = sync_channel::<(u64, Vec<Row>)>(workers * 2);
        let queue = Arc::new(Mutex::new(queue));
        let (done, results) = channel::<(u64, Vec<Checked<T>>)>();
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let queue = Arc::clone(&queue);
                let done = done.clone();
                let check = &check;
                // named, so a profile tells the checking from the reading
                std::thread::Builder::new()
                    .name("chiso-check".to_string())
                    .spawn_scoped(scope, move || work(&queue, &done, rules, check))
                    .expect("a checking worker starts")
            })
            .collect();
        drop(done);
        let mut order = InOrder::new(results);
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut sent = 0u64;
        let read = read(&mut |info, row| {
            chunk.push(row);
            if chunk.len() == CHUNK {
                send(&jobs, &mut sent, &mut chunk);
                order.take_ready(info, &mut take);
            }
        });
        if read.is_ok() && !chunk.is_empty() {
            send(&jobs, &mut sent, &mut chunk);
        }
        // the workers stop once the queue is empty and closed
        drop(jobs);
        let mut drift = Drift::default();
        for h in handles {
            drift.merge(h.join().expect("a checking worker does not panic"));
        }
        let info = read?;
        order.take_all(&info, sent, &mut take);
        Ok((info, drift))
    })
}

fn send<T>(jobs: &SyncSender<(u64, Vec<T>)>, sent: &mut u64, chunk: &mut Vec<T>) {
    let full = std::mem::replace(chunk, Vec::with_capacity(CHUNK));
    // the workers hold the queue until it closes, so a send cannot fail
    let _ = jobs.send((*sent, full));
    *sent += 1;
}

fn work<T>(
    queue: &Mutex<Receiver<(u64, Vec<Row>)>>,
    done: &std::sync::mpsc::Sender<(u64, Vec<Checked<T>>)>,
    rules: Rules<'_>,
    check: &(impl Fn(&RawRecord, &mut Fields) -> Option<T> + Sync),
) -> Drift {
    let mut drift = Drift::default();
    loop {
        let next = queue.lock().map(|q| q.recv());
        let Ok(Ok((seq, rows))) = next else {
            return drift;
        };
        let checked = rows
            .into_iter()
            .map(|row| {
                let rec = &row.into_record();
                let mut f = Fields::new(rec, rules.tz, rules.latest);
                let value = check(rec, &mut f);
                drift.observe(rec, &f.errors);
                match value {
                    Some(v) if f.errors.is_empty() => Checked::Valid(v),
                    _ => Checked::Invalid(rec.row, masked(f.errors, rules.personal)),
                }
            })
            .collect();
        if done.send((seq, checked)).is_err() {
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

/// Results put back in the order their chunks were sent.
struct InOrder<T> {
    results: Receiver<(u64, Vec<Checked<T>>)>,
    waiting: BTreeMap<u64, Vec<Checked<T>>>,
    next: u64,
}

impl<T> InOrder<T> {
    fn new(results: Receiver<(u64, Vec<Checked<T>>)>) -> Self {
        Self {
            results,
            waiting: BTreeMap::new(),
            next: 0,
        }
    }

    /// Takes what has arrived, without waiting.
    fn take_ready(&mut self, info: &FileInfo, take: &mut impl FnMut(&FileInfo, Checked<T>)) {
        while let Ok((seq, checked)) = self.results.try_recv() {
            self.waiting.insert(seq, checked);
        }
        self.flush(info, take);
    }

    /// Takes every chunk up to `sent`, waiting for those still being checked.
    fn take_all(
        &mut self,
        info: &FileInfo,
        sent: u64,
        take: &mut impl FnMut(&FileInfo, Checked<T>),
    ) {
        self.flush(info, take);
        while self.next < sent {
            let Ok((seq, checked)) = self.results.recv() else {
                break;
            };
            self.waiting.insert(seq, checked);
            self.flush(info, take);
        }
    }

    fn flush(&mut self, info: &FileInfo, take: &mut impl FnMut(&FileInfo, Checked<T>)) {
        while let Some(checked) = self.waiting.remove(&self.next) {
            for c in checked {
                take(info, c);
            }
            self.next += 1;
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
}
