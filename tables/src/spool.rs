//! A table's rows on their way to the lake. A run can read millions of rows: they are held
//! in memory only while few, and written to a temporary Arrow IPC file beyond that, so that
//! the size of what a run reads does not decide how much memory it needs.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::Arc;

use arrow::array::{BooleanArray, StringArray};
use arrow::compute::{concat_batches, filter_record_batch, take_record_batch};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::FileWriter;
use arrow::record_batch::RecordBatch;

/// Rows a spool holds in memory before it moves them to disk.
const IN_MEMORY_ROWS: usize = 64 * 1024;

/// Rows being written, in the order they come.
pub struct Spool {
    schema: SchemaRef,
    /// The table's schema when its last column is left to [`Rows::stamp`].
    stamped: Option<SchemaRef>,
    held: Vec<RecordBatch>,
    held_rows: usize,
    disk: Option<(Arc<Spilled>, FileWriter<BufWriter<File>>)>,
    /// Rows of each batch as stored (held, or written to disk): where a batch starts.
    lengths: Vec<usize>,
    rows: usize,
}

impl Spool {
    pub fn new(schema: SchemaRef) -> Self {
        Self {
            schema,
            stamped: None,
            held: Vec::new(),
            held_rows: 0,
            disk: None,
            lengths: Vec::new(),
            rows: 0,
        }
    }

    /// Rows of a table whose last column holds one text for every row, known only once every
    /// row is read (the batch id): the spool takes the other columns ([`Spool::schema`]) and
    /// [`Rows::stamp`] adds that one as the rows are read.
    pub fn stamped(table: SchemaRef) -> Self {
        let fields = table.fields();
        let rest = arrow::datatypes::Schema::new(fields[..fields.len().saturating_sub(1)].to_vec());
        Self {
            stamped: Some(table),
            ..Self::new(Arc::new(rest))
        }
    }

    /// The columns a pushed batch has.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Rows pushed so far: the next row's position.
    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn push(&mut self, batch: RecordBatch) -> Result<(), ArrowError> {
        self.rows += batch.num_rows();
        if let Some((_, w)) = &mut self.disk {
            return write_small(w, &batch, &mut self.lengths);
        }
        self.held_rows += batch.num_rows();
        self.lengths.push(batch.num_rows());
        self.held.push(batch);
        if self.held_rows > IN_MEMORY_ROWS {
            // unnamed: nothing is left behind when the process is killed
            let file = tempfile::tempfile()?;
            let mut w = FileWriter::try_new(BufWriter::new(file.try_clone()?), &self.schema)?;
            self.lengths.clear();
            for b in self.held.drain(..) {
                write_small(&mut w, &b, &mut self.lengths)?;
            }
            self.held_rows = 0;
            self.disk = Some((Arc::new(Spilled(file)), w));
        }
        Ok(())
    }

    /// The rows pushed, to be read back as often as needed.
    pub fn finish(self) -> Result<Rows, ArrowError> {
        let file = match self.disk {
            Some((file, mut w)) => {
                w.finish()?;
                Some(file)
            }
            None => None,
        };
        Ok(Rows {
            schema: self.schema,
            stamped: self.stamped,
            held: Arc::new(self.held),
            file,
            stored: 0..self.lengths.len(),
            lengths: Arc::new(self.lengths),
            dropped: None,
            constant: None,
            total: self.rows,
            rows: self.rows,
        })
    }
}

/// Rows of a batch as the spool writes it to disk: each batch read back is a buffer of its
/// own, and whoever reads the rows (a Parquet writer's queue) may hold several at once.
const DISK_BATCH_ROWS: usize = 8 * 1024;

fn write_small(
    w: &mut FileWriter<BufWriter<File>>,
    batch: &RecordBatch,
    lengths: &mut Vec<usize>,
) -> Result<(), ArrowError> {
    let mut at = 0;
    while at < batch.num_rows() {
        let n = DISK_BATCH_ROWS.min(batch.num_rows() - at);
        w.write(&batch.slice(at, n))?;
        lengths.push(n);
        at += n;
    }
    Ok(())
}

/// Positions of rows left out: a bit per row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dropped(Vec<u64>);

impl Dropped {
    pub fn drop_row(&mut self, at: usize) {
        let (word, bit) = (at / 64, at % 64);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << bit;
    }

    pub fn drop_range(&mut self, rows: std::ops::Range<usize>) {
        for at in rows {
            self.drop_row(at);
        }
    }

    pub fn contains(&self, at: usize) -> bool {
        self.0
            .get(at / 64)
            .is_some_and(|w| w & (1 << (at % 64)) != 0)
    }

    /// How many rows are left out.
    pub fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// How many rows at these positions are left out.
    fn count_in(&self, rows: Range<usize>) -> usize {
        rows.filter(|at| self.contains(*at)).count()
    }

    /// The positions left out, without the words that leave none out at the end: two
    /// drops of the same rows are equal whatever their length.
    fn words(&self) -> &[u64] {
        let used = self.0.iter().rposition(|w| *w != 0).map_or(0, |i| i + 1);
        &self.0[..used]
    }

    fn union(&mut self, other: &Dropped) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (w, o) in self.0.iter_mut().zip(&other.0) {
            *w |= o;
        }
    }
}

/// Rows a spool took, possibly with some left out; cheap to clone (the rows are shared).
#[derive(Clone)]
pub struct Rows {
    schema: SchemaRef,
    stamped: Option<SchemaRef>,
    held: Arc<Vec<RecordBatch>>,
    file: Option<Arc<Spilled>>,
    /// Rows of each stored batch.
    lengths: Arc<Vec<usize>>,
    /// The stored batches these rows come from: all of them, or a part ([`Rows::parts`]).
    stored: Range<usize>,
    dropped: Option<Arc<Dropped>>,
    /// A last column with the same text in every row, added as the rows are read: the
    /// schema with it and the text.
    constant: Option<(SchemaRef, Arc<str>)>,
    /// Rows the spool took.
    total: usize,
    /// Rows left.
    rows: usize,
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows")
            .field("rows", &self.rows)
            .field("on_disk", &self.file.is_some())
            .finish()
    }
}

impl Rows {
    /// Rows already in memory.
    pub fn from_batches(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        let rows = batches.iter().map(|b| b.num_rows()).sum();
        let lengths: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
        Self {
            schema,
            stamped: None,
            held: Arc::new(batches),
            file: None,
            stored: 0..lengths.len(),
            lengths: Arc::new(lengths),
            dropped: None,
            constant: None,
            total: rows,
            rows,
        }
    }

    /// The same rows without those at the positions in `dropped` (positions are counted
    /// over every row the spool took).
    pub fn without(&self, mut dropped: Dropped) -> Self {
        if let Some(earlier) = &self.dropped {
            dropped.union(earlier);
        }
        // positions past the last row are not rows: forgotten, so they are not counted
        let words = self.total.div_ceil(64);
        dropped.0.truncate(words);
        if dropped.0.len() == words && !self.total.is_multiple_of(64) {
            dropped.0[words - 1] &= (1 << (self.total % 64)) - 1;
        }
        let mut rows = Self {
            dropped: Some(Arc::new(dropped)),
            ..self.clone()
        };
        rows.rows = rows.left();
        rows
    }

    /// Rows of the stored batches these rows come from, not left out.
    fn left(&self) -> usize {
        let whole = self.stored == (0..self.lengths.len());
        let (from, to) = (self.first_row(), self.first_row() + self.stored_rows());
        match &self.dropped {
            None => to - from,
            Some(d) if whole => self.total - d.count(),
            Some(d) => to - from - d.count_in(from..to),
        }
    }

    /// Position of the first row of the stored batches these rows come from.
    fn first_row(&self) -> usize {
        self.lengths[..self.stored.start].iter().sum()
    }

    /// Rows of the stored batches these rows come from, left out or not.
    fn stored_rows(&self) -> usize {
        self.lengths[self.stored.clone()].iter().sum()
    }

    /// The same rows cut into at most `n` parts of whole stored batches, each about as
    /// large, in order: for as many writers.
    pub fn parts(&self, n: usize) -> Vec<Rows> {
        let each = self.stored_rows().div_ceil(n.max(1)).max(1);
        let mut parts = Vec::new();
        let (mut start, mut held) = (self.stored.start, 0);
        for i in self.stored.clone() {
            held += self.lengths[i];
            if held >= each || i + 1 == self.stored.end {
                let mut part = Self {
                    stored: start..i + 1,
                    ..self.clone()
                };
                part.rows = part.left();
                if part.rows > 0 {
                    parts.push(part);
                }
                (start, held) = (i + 1, 0);
            }
        }
        parts
    }

    /// True when both are the same rows of the same spool, with the same columns: what is
    /// written of one serves for the other.
    pub fn same_rows(&self, other: &Rows) -> bool {
        let file = match (&self.file, &other.file) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        let dropped = |r: &Rows| r.dropped.as_ref().map_or(&[][..], |d| d.words()).to_vec();
        let constant = |r: &Rows| r.constant.as_ref().map(|(s, t)| (s.clone(), t.clone()));
        file && Arc::ptr_eq(&self.held, &other.held)
            && self.stored == other.stored
            && dropped(self) == dropped(other)
            && constant(self) == constant(other)
    }

    /// The same rows with a last column holding `text` in every row, as `schema` (the
    /// spool's columns and that one) declares it: for a value known only once every row is
    /// read, such as the batch id.
    pub fn with_constant(&self, schema: SchemaRef, text: &str) -> Self {
        Self {
            constant: Some((schema, text.into())),
            ..self.clone()
        }
    }

    /// The rows of a [`Spool::stamped`] with `text` in their last column.
    pub fn stamp(&self, text: &str) -> Self {
        match &self.stamped {
            Some(table) => self.with_constant(table.clone(), text),
            None => self.clone(),
        }
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.rows
    }

    pub fn schema(&self) -> SchemaRef {
        match &self.constant {
            Some((schema, _)) => schema.clone(),
            None => self.schema.clone(),
        }
    }

    /// The stored batches in `range`, as the spool took them.
    fn taken(&self, range: Range<usize>) -> Result<Taken, ArrowError> {
        Ok(match &self.file {
            Some(file) => {
                let mut read = FileReader::try_new(
                    BufReader::new(At {
                        file: file.clone(),
                        pos: 0,
                    }),
                    None,
                )?;
                if range.start < read.num_batches() {
                    read.set_index(range.start)?;
                }
                Box::new(read.take(range.len()))
            }
            None => {
                let held = self.held.clone();
                Box::new(range.map(move |i| Ok(held[i].clone())))
            }
        })
    }

    /// The rows at these positions (counted over every row the spool took, whether left
    /// out or not), in the spool's columns: to name a few rows after the run, such as those
    /// in conflict.
    pub fn at(&self, positions: &[usize]) -> Result<RecordBatch, ArrowError> {
        let mut wanted = positions.to_vec();
        wanted.sort_unstable();
        let mut picked = Vec::new();
        let mut start = 0;
        let mut next = wanted.iter().peekable();
        for batch in self.taken(0..self.lengths.len())? {
            if next.peek().is_none() {
                break;
            }
            let batch = batch?;
            let end = start + batch.num_rows();
            let mut here = Vec::new();
            while let Some(&&at) = next.peek() {
                if at >= end {
                    break;
                }
                here.push((at - start) as u64);
                next.next();
            }
            if !here.is_empty() {
                let here = arrow::array::UInt64Array::from(here);
                picked.push(take_record_batch(&batch, &here)?);
            }
            start = end;
        }
        concat_batches(&self.schema, &picked)
    }

    /// The rows, a batch at a time, read from disk as they are asked for.
    pub fn batches(
        &self,
    ) -> Result<impl Iterator<Item = Result<RecordBatch, ArrowError>> + use<>, ArrowError> {
        let read = self.taken(self.stored.clone())?;
        let (dropped, constant) = (self.dropped.clone(), self.constant.clone());
        let mut at = self.first_row();
        Ok(read.filter_map(move |batch| {
            let batch = match batch {
                Ok(b) => b,
                Err(e) => return Some(Err(e)),
            };
            let start = at;
            at += batch.num_rows();
            let batch = match &dropped {
                Some(dropped) => {
                    let keep: BooleanArray =
                        (start..at).map(|i| Some(!dropped.contains(i))).collect();
                    match filter_record_batch(&batch, &keep) {
                        Ok(b) => b,
                        Err(e) => return Some(Err(e)),
                    }
                }
                None => batch,
            };
            if batch.num_rows() == 0 {
                return None;
            }
            Some(match &constant {
                Some((schema, text)) => {
                    let mut columns = batch.columns().to_vec();
                    let text = StringArray::from_iter_values(std::iter::repeat_n(
                        text.as_ref(),
                        batch.num_rows(),
                    ));
                    columns.push(Arc::new(text));
                    RecordBatch::try_new(schema.clone(), columns)
                }
                None => Ok(batch),
            })
        }))
    }

    /// Every row in memory at once: for small tables and tests.
    pub fn collect(&self) -> Result<Vec<RecordBatch>, ArrowError> {
        self.batches()?.collect()
    }
}

type Taken = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

/// A reader of the spool's file at its own offset: readers of one spool do not move each
/// other's.
struct At {
    file: Arc<Spilled>,
    pos: u64,
}

/// The spool's file. The last close of a file of rows frees its pages, a hundred megabytes
/// for a large extract: tens of milliseconds of the kernel's time that the run, between
/// writing its tables and counting its rollups, does not wait for.
struct Spilled(File);

impl Drop for Spilled {
    fn drop(&mut self) {
        // a second descriptor of the file, closed last, on a thread of its own; should the
        // thread not start, the file closes here as it would have
        if let Ok(last) = self.0.try_clone() {
            let _ = std::thread::Builder::new()
                .name("chiso-spool-close".to_string())
                .spawn(move || drop(last));
        }
    }
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(&self.file.0, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(&self.file.0, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for At {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let (base, by) = match to {
            SeekFrom::Start(n) => (0, n as i64),
            SeekFrom::Current(d) => (self.pos, d),
            SeekFrom::End(d) => (self.file.0.metadata()?.len(), d),
        };
        self.pos = base.checked_add_signed(by).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start")
        })?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray, Int64Array};
    use arrow::datatypes::{DataType, Field, Int64Type, Schema};

    fn numbers(rows: &Rows) -> Vec<i64> {
        rows.collect()
            .unwrap()
            .iter()
            .flat_map(|b| {
                let c = b.column(0).as_primitive::<Int64Type>();
                (0..c.len()).map(|i| c.value(i)).collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn rows_come_back_from_disk_in_order_without_those_left_out() {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
        let mut spool = Spool::new(schema.clone());
        let n = 3 * IN_MEMORY_ROWS as i64 + 5;
        for from in (0..n).step_by(10_000) {
            let to = (from + 10_000).min(n);
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![Arc::new(Int64Array::from_iter_values(from..to))],
            )
            .unwrap();
            spool.push(batch).unwrap();
        }
        assert_eq!(spool.len(), n as usize);
        let rows = spool.finish().unwrap();
        assert!(rows.file.is_some(), "past the limit the rows are on disk");
        assert!(rows.held.is_empty());
        assert_eq!(numbers(&rows), (0..n).collect::<Vec<_>>());

        let mut dropped = Dropped::default();
        dropped.drop_range(0..3);
        dropped.drop_row(100_000);
        // a position past the end changes nothing
        dropped.drop_row(n as usize + 7);
        let fewer = rows.without(dropped);
        assert_eq!(fewer.num_rows(), n as usize - 4);
        // a few rows by position, left out or not, from memory or disk, in position order
        let picked = fewer.at(&[100_000, 1, n as usize - 1]).unwrap();
        let picked = picked.column(0).as_primitive::<Int64Type>();
        assert_eq!(picked.values().to_vec(), [1, 100_000, n - 1]);
        let expected: Vec<i64> = (3..n).filter(|i| *i != 100_000).collect();
        assert_eq!(numbers(&fewer), expected);
        // read again: the same rows
        assert_eq!(numbers(&fewer), expected);

        let with = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("_batch_id", DataType::Utf8, false),
        ]));
        let stamped = fewer.with_constant(with, "b1");
        let batches = stamped.collect().unwrap();
        assert!(batches.iter().all(|b| b.num_columns() == 2));
        assert!(batches.iter().all(|b| {
            let c = b.column(1).as_string::<i32>();
            (0..c.len()).all(|i| c.value(i) == "b1")
        }));
    }

    /// A spool of the numbers `0..n`, pushed `step` at a time.
    fn counting(n: i64, step: usize) -> Rows {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
        let mut spool = Spool::new(schema.clone());
        for from in (0..n).step_by(step) {
            let to = (from + step as i64).min(n);
            let numbers = Int64Array::from_iter_values(from..to);
            spool
                .push(RecordBatch::try_new(schema.clone(), vec![Arc::new(numbers)]).unwrap())
                .unwrap();
        }
        spool.finish().unwrap()
    }

    #[test]
    fn parts_hold_every_row_once_in_order_from_disk_or_memory() {
        for (n, step) in [(3 * IN_MEMORY_ROWS as i64 + 5, 10_000), (1_000, 70)] {
            let rows = counting(n, step);
            let mut dropped = Dropped::default();
            dropped.drop_range(5..9);
            dropped.drop_row(n as usize - 1);
            let fewer = rows.without(dropped).stamp("b1");
            let parts = fewer.parts(2);
            assert_eq!(parts.len(), 2, "{n} rows");
            let sizes: Vec<usize> = parts.iter().map(Rows::num_rows).collect();
            assert_eq!(sizes.iter().sum::<usize>(), fewer.num_rows());
            assert!(sizes[0].abs_diff(sizes[1]) <= 2 * step.max(DISK_BATCH_ROWS));
            let all: Vec<i64> = parts.iter().flat_map(numbers).collect();
            assert_eq!(all, numbers(&fewer));
            for p in &parts {
                assert_eq!(numbers(p).len(), p.num_rows());
            }
            // more parts than batches: one a batch, none empty
            let many = counting(10, 4).parts(8);
            assert_eq!(
                many.iter().map(Rows::num_rows).collect::<Vec<_>>(),
                [4, 4, 2]
            );
        }
    }

    #[test]
    fn the_same_rows_are_known_as_such() {
        let rows = counting(100, 30);
        let mut some = Dropped::default();
        some.drop_row(3);
        let none = || rows.without(Dropped::default());
        assert!(none().same_rows(&rows));
        assert!(none().stamp("b").same_rows(&none().stamp("b")));
        assert!(!rows.without(some.clone()).same_rows(&rows));
        assert!(rows.without(some.clone()).same_rows(&rows.without(some)));
        // a drop past the last row leaves every row in
        let mut past = Dropped::default();
        past.drop_row(500);
        assert!(rows.without(past).same_rows(&rows));
        // the same numbers from another spool are not the same rows
        assert!(!counting(100, 30).same_rows(&rows));
        assert!(!rows.parts(2)[0].same_rows(&rows));
    }

    #[test]
    fn few_rows_stay_in_memory() {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
        let mut spool = Spool::new(schema.clone());
        spool
            .push(
                RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from(vec![1, 2, 3]))])
                    .unwrap(),
            )
            .unwrap();
        let rows = spool.finish().unwrap();
        assert!(rows.file.is_none());
        let mut dropped = Dropped::default();
        dropped.drop_row(1);
        assert_eq!(numbers(&rows.without(dropped)), [1, 3]);

        // a row high in a word that is not the spool's last
        let mut spool = Spool::new(rows.schema());
        let many = Int64Array::from_iter_values(0..100);
        spool
            .push(RecordBatch::try_new(rows.schema(), vec![Arc::new(many)]).unwrap())
            .unwrap();
        let rows = spool.finish().unwrap();
        let mut dropped = Dropped::default();
        dropped.drop_row(40);
        let fewer = rows.without(dropped);
        assert_eq!(fewer.num_rows(), 99);
        assert_eq!(
            numbers(&fewer),
            (0..100).filter(|i| *i != 40).collect::<Vec<_>>()
        );
    }
}
