//! Which of a run's rows are kept: one row per key. The same row sent twice counts once; for a
//! table kept latest-by-time a later state replaces an earlier one; two different rows under
//! one key (at one time) are a conflict. Every valid row goes to the table's spool as it
//! arrives; the keeper holds only its hashes and where it is (48 bytes), spread over
//! temporary files by key once there are many, and decides at the end of the run, a part of
//! the keys at a time, so that what a run holds in memory does not grow with what it reads.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fs::File;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use tables::{Dropped, FileInfo};

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

/// The hashes are compared within one run only, so any fixed seeds do: a quality hash a word
/// at a time (SipHash took a twentieth of the checking).
pub fn hash64(v: &impl Hash) -> u64 {
    foldhash::quality::FixedState::with_seed(0x243f_6a88_85a3_08d3).hash_one(v)
}

pub fn hash128(v: &impl Hash) -> [u64; 2] {
    [
        hash64(v),
        foldhash::quality::FixedState::with_seed(0x1319_8a2e_0370_7344).hash_one(v),
    ]
}

/// Offers held in memory before they are spread over files by key.
const HELD: usize = 256 * 1024;
/// Files the offers are spread over: a part's keys are decided together, so the memory the
/// decision takes is a part's share of the run.
const PARTS: usize = 64;

/// One row offered, as held and as written: 48 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Offer {
    key: [u64; 2],
    content: u64,
    /// The latest-by value (0 for tables kept first-come).
    at: i64,
    /// Position in the spool.
    pos: u64,
    /// Index in [`Keeper::files`].
    file: u32,
    row: u32,
}

impl Offer {
    const BYTES: usize = 48;

    fn to_bytes(self) -> [u8; Self::BYTES] {
        let mut b = [0; Self::BYTES];
        b[0..8].copy_from_slice(&self.key[0].to_le_bytes());
        b[8..16].copy_from_slice(&self.key[1].to_le_bytes());
        b[16..24].copy_from_slice(&self.content.to_le_bytes());
        b[24..32].copy_from_slice(&self.at.to_le_bytes());
        b[32..40].copy_from_slice(&self.pos.to_le_bytes());
        b[40..44].copy_from_slice(&self.file.to_le_bytes());
        b[44..48].copy_from_slice(&self.row.to_le_bytes());
        b
    }

    fn from_bytes(b: &[u8]) -> Self {
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or_default());
        Self {
            key: [u64_at(0), u64_at(8)],
            content: u64_at(16),
            at: u64_at(24) as i64,
            pos: u64_at(32),
            file: u32_at(40),
            row: u32_at(44),
        }
    }

    /// The part of the keys this offer's key falls in.
    fn part(&self) -> usize {
        (self.key[1] >> (64 - PARTS.trailing_zeros())) as usize
    }
}

/// Offers in the order they came: in memory while few, then each part in its own file.
struct Offers {
    held: Vec<Offer>,
    /// Offers held before they are spread ([`HELD`]).
    limit: usize,
    parts: Vec<BufWriter<File>>,
}

impl Offers {
    fn new() -> Self {
        Self {
            held: Vec::new(),
            limit: HELD,
            parts: Vec::new(),
        }
    }

    fn push(&mut self, o: Offer) -> std::io::Result<()> {
        self.held.push(o);
        if self.held.len() >= self.limit {
            self.spread()?;
        }
        Ok(())
    }

    fn spread(&mut self) -> std::io::Result<()> {
        if self.parts.is_empty() {
            // unnamed: nothing is left behind when the process is killed
            self.parts = (0..PARTS)
                .map(|_| tempfile::tempfile().map(|f| BufWriter::with_capacity(16 << 10, f)))
                .collect::<std::io::Result<_>>()?;
        }
        for o in self.held.drain(..) {
            self.parts[o.part()].write_all(&o.to_bytes())?;
        }
        Ok(())
    }

    /// Each part's offers, in the order they came, one part at a time.
    fn each_part(mut self, mut decide: impl FnMut(&[Offer])) -> std::io::Result<()> {
        if self.parts.is_empty() {
            decide(&self.held);
            return Ok(());
        }
        self.spread()?;
        let mut bytes = Vec::new();
        let mut part = Vec::new();
        for w in std::mem::take(&mut self.parts) {
            let mut file = w.into_inner().map_err(|e| e.into_error())?;
            file.seek(SeekFrom::Start(0))?;
            bytes.clear();
            file.read_to_end(&mut bytes)?;
            part.clear();
            part.extend(bytes.chunks_exact(Offer::BYTES).map(Offer::from_bytes));
            decide(&part);
        }
        Ok(())
    }
}

/// Keys are hashes already: their words are mixed, not hashed again.
#[derive(Default)]
struct Mixed(u64);

impl Hasher for Mixed {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A row whose key another row holds with a different content: quarantined, naming the row
/// kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Position of the row in the spool.
    pub pos: u64,
    pub file: FileInfo,
    pub row: u64,
    /// The file and row of the row kept.
    pub kept: (Arc<str>, u64),
}

/// What a keeper decided for a run.
#[derive(Debug, Default)]
pub struct Decided {
    /// Positions of rows left out: sent twice, replaced by a later state, older than the
    /// state kept, in conflict, or of a refused file.
    pub dropped: Dropped,
    /// Rows that were the same row again, or an earlier state than the one kept.
    pub duplicates: u64,
    /// In the order the rows came.
    pub conflicts: Vec<Conflict>,
}

/// One row per key over a run's files. A refused file's rows count for nothing: they are
/// left out and take no part in the decision.
pub struct Keeper {
    /// A later state replaces an earlier one (`MergeRule::LatestBy`); otherwise the first row
    /// of a key stays and a different one conflicts.
    latest: bool,
    offers: Offers,
    /// Files that offered rows, and whether each was refused.
    files: Vec<(FileInfo, bool)>,
    dropped: Dropped,
    /// The current file's index in `files`, once it offered a row.
    file: Option<u32>,
    /// Where the current file's rows start.
    start: usize,
}

impl Keeper {
    pub fn new(latest: bool) -> Self {
        Self {
            latest,
            offers: Offers::new(),
            files: Vec::new(),
            dropped: Dropped::default(),
            file: None,
            start: 0,
        }
    }

    /// A file (or page) starts; its rows are at positions from `at` on.
    pub fn begin(&mut self, at: usize) {
        self.file = None;
        self.start = at;
    }

    /// The current file is refused: its rows, up to position `end`, are left out.
    pub fn refuse(&mut self, end: usize) {
        self.dropped.drop_range(self.start..end);
        if let Some(file) = self.file {
            self.files[file as usize].1 = true;
        }
    }

    /// Row `row` of the current file `file`, at position `at`; `order` is its latest-by
    /// value.
    pub fn offer(
        &mut self,
        h: Hashed,
        order: i64,
        at: usize,
        (file, row): (&FileInfo, u64),
    ) -> crate::Result<()> {
        let files = &mut self.files;
        let file = *self.file.get_or_insert_with(|| {
            files.push((file.clone(), false));
            (files.len() - 1) as u32
        });
        self.offers
            .push(Offer {
                key: h.key,
                content: h.content,
                at: order,
                pos: at as u64,
                file,
                row: u32::try_from(row).unwrap_or(u32::MAX),
            })
            .map_err(spilled)
    }

    /// Decides every key, a part of the keys at a time, each part's rows in the order they
    /// came.
    pub fn finish(self) -> crate::Result<Decided> {
        let Keeper {
            latest,
            offers,
            files,
            dropped,
            ..
        } = self;
        let mut decided = Decided {
            dropped,
            ..Decided::default()
        };
        let mut conflicts = Vec::new();
        let mut kept: HashMap<[u64; 2], Offer, BuildHasherDefault<Mixed>> = HashMap::default();
        offers
            .each_part(|part| {
                kept.clear();
                kept.reserve(part.len());
                for o in part.iter().filter(|o| !files[o.file as usize].1) {
                    let mut entry = match kept.entry(o.key) {
                        Entry::Vacant(v) => {
                            v.insert(*o);
                            continue;
                        }
                        Entry::Occupied(e) => e,
                    };
                    let prev = *entry.get();
                    if prev.content == o.content {
                        decided.duplicates += 1;
                        decided.dropped.drop_row(o.pos as usize);
                    } else if latest && prev.at != o.at {
                        if o.at < prev.at {
                            decided.duplicates += 1;
                            decided.dropped.drop_row(o.pos as usize);
                        } else {
                            decided.dropped.drop_row(prev.pos as usize);
                            entry.insert(*o);
                        }
                    } else {
                        decided.dropped.drop_row(o.pos as usize);
                        conflicts.push((*o, prev));
                    }
                }
            })
            .map_err(spilled)?;
        conflicts.sort_by_key(|(o, _)| o.pos);
        decided.conflicts = conflicts
            .into_iter()
            .map(|(o, prev)| Conflict {
                pos: o.pos,
                file: files[o.file as usize].0.clone(),
                row: o.row as u64,
                kept: (
                    files[prev.file as usize].0.path.as_str().into(),
                    prev.row as u64,
                ),
            })
            .collect();
        Ok(decided)
    }
}

/// The keeper's temporary files failed.
fn spilled(source: std::io::Error) -> crate::IngestError {
    crate::IngestError::Io {
        path: std::env::temp_dir(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(key: &str, content: &str) -> Hashed {
        Hashed::of(&key, &(key, content))
    }

    fn file(name: &str) -> FileInfo {
        FileInfo {
            path: name.to_string(),
            sha256: format!("sha-{name}"),
            bytes: 0,
            rows: 0,
        }
    }

    fn positions(d: &Dropped, n: usize) -> Vec<usize> {
        (0..n).filter(|i| d.contains(*i)).collect()
    }

    #[test]
    fn first_row_stays_and_a_different_one_conflicts() {
        let mut k = Keeper::new(false);
        let a = file("a.csv");
        k.begin(0);
        k.offer(h("1", "x"), 0, 0, (&a, 2)).unwrap();
        k.offer(h("1", "x"), 0, 1, (&a, 3)).unwrap();
        k.offer(h("2", "x"), 0, 2, (&a, 4)).unwrap();
        let b = file("b.csv");
        k.begin(3);
        k.offer(h("1", "y"), 0, 3, (&b, 7)).unwrap();
        let d = k.finish().unwrap();
        assert_eq!(positions(&d.dropped, 4), [1, 3]);
        assert_eq!(d.duplicates, 1);
        assert_eq!(
            d.conflicts,
            [Conflict {
                pos: 3,
                file: b,
                row: 7,
                kept: ("a.csv".into(), 2)
            }]
        );
    }

    #[test]
    fn later_states_replace_earlier_ones_and_a_refused_file_counts_for_nothing() {
        let mut k = Keeper::new(true);
        let a = file("a.csv");
        k.begin(0);
        k.offer(h("1", "s1"), 10, 0, (&a, 2)).unwrap();
        k.offer(h("1", "s0"), 5, 1, (&a, 3)).unwrap();
        // a refused file's later state is forgotten, and so is its conflict
        let b = file("b.csv");
        k.begin(2);
        k.offer(h("1", "s2"), 20, 2, (&b, 2)).unwrap();
        k.offer(h("1", "s2'"), 20, 3, (&b, 3)).unwrap();
        k.refuse(4);
        let c = file("c.csv");
        k.begin(4);
        k.offer(h("1", "s3"), 30, 4, (&c, 2)).unwrap();
        k.offer(h("1", "other"), 30, 5, (&c, 3)).unwrap();
        let d = k.finish().unwrap();
        assert_eq!(positions(&d.dropped, 6), [0, 1, 2, 3, 5]);
        assert_eq!(d.duplicates, 1, "the older state");
        assert_eq!(d.conflicts.len(), 1);
        assert_eq!(d.conflicts[0].kept, ("c.csv".into(), 2));
    }

    /// Many keys, spread over the parts' files: the same decisions as in memory.
    #[test]
    fn spread_over_files_the_decisions_are_the_same() {
        let run = |keeper: &mut Keeper| {
            let files: Vec<FileInfo> = (0..4).map(|i| file(&format!("f{i}.csv"))).collect();
            let mut at = 0;
            for (i, f) in files.iter().enumerate() {
                keeper.begin(at);
                for row in 0..20_000u64 {
                    let n = row * 7 + i as u64;
                    let key = (n % 5_000).to_string();
                    let state = n / 5_000;
                    let content = (state % 3).to_string();
                    let order = (state % 4) as i64;
                    keeper
                        .offer(h(&key, &content), order, at, (f, row))
                        .unwrap();
                    at += 1;
                }
                if i == 2 {
                    keeper.refuse(at);
                }
            }
            at
        };
        for latest in [false, true] {
            let mut memory = Keeper::new(latest);
            let n = run(&mut memory);
            assert!(memory.offers.parts.is_empty());
            let mut disk = Keeper::new(latest);
            disk.offers.limit = 1000;
            run(&mut disk);
            assert_eq!(disk.offers.parts.len(), PARTS);
            let (memory, disk) = (memory.finish().unwrap(), disk.finish().unwrap());
            assert_eq!(positions(&memory.dropped, n), positions(&disk.dropped, n));
            assert!(memory.dropped.count() > n / 4);
            assert_eq!(memory.duplicates, disk.duplicates);
            assert_eq!(memory.conflicts, disk.conflicts);
            assert!(!memory.conflicts.is_empty());
        }
    }
}
