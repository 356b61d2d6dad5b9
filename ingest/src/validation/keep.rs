//! Which of a run's rows are kept, decided as they arrive: one row per key. The same row sent
//! twice counts once; for a table kept latest-by-time a later state replaces an earlier one;
//! two different rows under one key (at one time) are a conflict. Only a row's hashes and
//! where it is are held, never the row: its values go on to the table's spool.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use tables::Dropped;

/// A row's key and content, hashed by the worker that read it. The key takes 128 bits, so
/// that two keys of one run never meet by chance; the content is compared only between rows
/// of one key, where 64 bits are plenty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hashed {
    pub key: [u64; 2],
    pub content: u64,
}

impl Hashed {
    pub fn of(key: &impl Hash, content: &impl Hash) -> Self {
        Self {
            key: hash128(key),
            content: hash64(content),
        }
    }
}

pub fn hash64(v: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

pub fn hash128(v: &impl Hash) -> [u64; 2] {
    let mut second = DefaultHasher::new();
    second.write_u64(0x517c_c1b7_2722_0a95);
    v.hash(&mut second);
    [hash64(v), second.finish()]
}

/// What becomes of a row offered to a [`Keeper`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A key not seen yet, or a later state of one: the row is kept at the position offered.
    Keep,
    /// The same row again: counted once.
    Duplicate,
    /// An earlier state than the one kept: history, not the latest.
    Older,
    /// A different row under the same key (and time): the row kept is this one.
    Conflict { file: Arc<str>, row: u64 },
}

/// The row kept for a key. 48 bytes with its key: what a run holds per row.
#[derive(Debug, Clone, Copy)]
struct Entry {
    content: u64,
    /// The latest-by value (0 for tables kept first-come).
    at: i64,
    /// Position in the spool.
    pos: u64,
    /// Index in [`Keeper::files`].
    file: u32,
    row: u32,
}

/// One row per key over a run's files. A file's rows count only once the whole file is good:
/// what it kept is marked with the file, what it replaced is remembered until
/// [`Keeper::accept`], and [`Keeper::refuse`] takes both back.
pub struct Keeper {
    /// A later state replaces an earlier one (`MergeRule::LatestBy`); otherwise the first row
    /// of a key stays and a different one conflicts.
    latest: bool,
    kept: HashMap<[u64; 2], Entry>,
    /// What the current file's rows replaced, with the key.
    replaced: Vec<([u64; 2], Entry)>,
    dropped: Dropped,
    files: Vec<Arc<str>>,
    /// The current file's index in `files`, once a row of it was kept.
    file: Option<u32>,
    /// Where the current file's rows start.
    start: usize,
}

impl Keeper {
    pub fn new(latest: bool) -> Self {
        Self {
            latest,
            kept: HashMap::new(),
            replaced: Vec::new(),
            dropped: Dropped::default(),
            files: Vec::new(),
            file: None,
            start: 0,
        }
    }

    /// A file (or page) starts; its rows will be kept from position `at` on.
    pub fn begin(&mut self, at: usize) {
        self.replaced.clear();
        self.file = None;
        self.start = at;
    }

    /// The current file is good: its rows join the run's.
    pub fn accept(&mut self) {
        for (_, e) in self.replaced.drain(..) {
            self.dropped.drop_row(e.pos as usize);
        }
    }

    /// The current file is refused: its rows, kept up to position `end`, are left out and
    /// what they replaced stands again.
    pub fn refuse(&mut self, end: usize) {
        self.dropped.drop_range(self.start..end);
        if let Some(file) = self.file {
            // refusals are rare: a look at every key is cheaper than a copy of the file's
            self.kept.retain(|_, e| e.file != file);
        }
        for (key, e) in self.replaced.drain(..).rev() {
            if Some(e.file) != self.file {
                self.kept.insert(key, e);
            }
        }
    }

    /// Leaves out the row at `at`, kept in the spool for another table.
    pub fn leave_out(&mut self, at: usize) {
        self.dropped.drop_row(at);
    }

    /// Decides on row `row` of the current file (named `file`, for the conflicts it may be
    /// part of later), which would be kept at position `at`; `order` is its latest-by value.
    pub fn offer(
        &mut self,
        h: Hashed,
        order: i64,
        at: usize,
        (file, row): (&Arc<str>, u64),
    ) -> Verdict {
        let files = &mut self.files;
        let file = *self.file.get_or_insert_with(|| {
            files.push(Arc::clone(file));
            (files.len() - 1) as u32
        });
        let entry = Entry {
            content: h.content,
            at: order,
            pos: at as u64,
            file,
            row: u32::try_from(row).unwrap_or(u32::MAX),
        };
        let Some(prev) = self.kept.get(&h.key).copied() else {
            self.kept.insert(h.key, entry);
            return Verdict::Keep;
        };
        if prev.content == h.content {
            return Verdict::Duplicate;
        }
        if self.latest && prev.at != order {
            if order < prev.at {
                return Verdict::Older;
            }
            self.replaced.push((h.key, prev));
            self.kept.insert(h.key, entry);
            return Verdict::Keep;
        }
        Verdict::Conflict {
            file: self
                .files
                .get(prev.file as usize)
                .cloned()
                .unwrap_or_default(),
            row: prev.row as u64,
        }
    }

    /// Positions of rows left out: replaced by later states, or of refused files.
    pub fn dropped(&self) -> Dropped {
        self.dropped.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(key: &str, content: &str) -> Hashed {
        Hashed::of(&key, &(key, content))
    }

    #[test]
    fn first_row_stays_and_a_different_one_conflicts() {
        let mut k = Keeper::new(false);
        k.begin(0);
        let f: Arc<str> = "a.csv".into();
        assert_eq!(k.offer(h("1", "x"), 0, 0, (&f, 2)), Verdict::Keep);
        assert_eq!(k.offer(h("1", "x"), 0, 1, (&f, 3)), Verdict::Duplicate);
        assert_eq!(k.offer(h("2", "x"), 0, 1, (&f, 4)), Verdict::Keep);
        k.accept();
        k.begin(2);
        let f: Arc<str> = "b.csv".into();
        assert_eq!(
            k.offer(h("1", "y"), 0, 2, (&f, 7)),
            Verdict::Conflict {
                file: "a.csv".into(),
                row: 2
            }
        );
        k.accept();
        assert_eq!(k.dropped().count(), 0);
    }

    #[test]
    fn later_states_replace_earlier_ones_and_a_refused_file_changes_nothing() {
        let mut k = Keeper::new(true);
        k.begin(0);
        let f: Arc<str> = "a.csv".into();
        assert_eq!(k.offer(h("1", "s1"), 10, 0, (&f, 2)), Verdict::Keep);
        assert_eq!(k.offer(h("1", "s0"), 5, 1, (&f, 3)), Verdict::Older);
        k.accept();
        // a refused file's later state is forgotten: the first state stays the latest
        k.begin(1);
        let f: Arc<str> = "b.csv".into();
        assert_eq!(k.offer(h("1", "s2"), 20, 1, (&f, 2)), Verdict::Keep);
        k.refuse(2);
        assert!(k.dropped().contains(1) && !k.dropped().contains(0));
        k.begin(2);
        let f: Arc<str> = "c.csv".into();
        assert_eq!(k.offer(h("1", "s3"), 30, 2, (&f, 2)), Verdict::Keep);
        assert_eq!(
            k.offer(h("1", "other"), 30, 3, (&f, 3)),
            Verdict::Conflict {
                file: "c.csv".into(),
                row: 2
            }
        );
        k.accept();
        let d = k.dropped();
        assert!(d.contains(0) && d.contains(1) && !d.contains(2));
    }
}
