//! A table's rows on their way to the lake. A run can read millions of rows: they are held
//! in memory only while few, and written to a temporary Arrow IPC file beyond that, so that
//! the size of what a run reads does not decide how much memory it needs.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom};
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
    disk: Option<(Arc<File>, FileWriter<BufWriter<File>>)>,
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
            return write_small(w, &batch);
        }
        self.held_rows += batch.num_rows();
        self.held.push(batch);
        if self.held_rows > IN_MEMORY_ROWS {
            // unnamed: nothing is left behind when the process is killed
            let file = tempfile::tempfile()?;
            let mut w = FileWriter::try_new(BufWriter::new(file.try_clone()?), &self.schema)?;
            for b in self.held.drain(..) {
                write_small(&mut w, &b)?;
            }
            self.held_rows = 0;
            self.disk = Some((Arc::new(file), w));
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

fn write_small(w: &mut FileWriter<BufWriter<File>>, batch: &RecordBatch) -> Result<(), ArrowError> {
    let mut at = 0;
    while at < batch.num_rows() {
        let n = DISK_BATCH_ROWS.min(batch.num_rows() - at);
        w.write(&batch.slice(at, n))?;
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
    file: Option<Arc<File>>,
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
        Self {
            schema,
            stamped: None,
            held: Arc::new(batches),
            file: None,
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
        Self {
            rows: self.total - dropped.count(),
            dropped: Some(Arc::new(dropped)),
            ..self.clone()
        }
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

    /// Every row the spool took, as it took them.
    fn taken(&self) -> Result<Taken, ArrowError> {
        Ok(match &self.file {
            Some(file) => Box::new(FileReader::try_new(
                BufReader::new(At {
                    file: file.clone(),
                    pos: 0,
                }),
                None,
            )?),
            None => Box::new(self.held.as_ref().clone().into_iter().map(Ok)),
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
        for batch in self.taken()? {
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
        let read = self.taken()?;
        let (dropped, constant) = (self.dropped.clone(), self.constant.clone());
        let mut at = 0;
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
    file: Arc<File>,
    pos: u64,
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(self.file.as_ref(), buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(self.file.as_ref(), buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for At {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let (base, by) = match to {
            SeekFrom::Start(n) => (0, n as i64),
            SeekFrom::Current(d) => (self.pos, d),
            SeekFrom::End(d) => (self.file.metadata()?.len(), d),
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
