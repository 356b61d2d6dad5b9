//! Tables declared as data: each column's source name, lake name, type and whether it is
//! required or personal. One reader validates any such table from any extract (CSV, XLSX,
//! JSON pages, SQL rows), so a new source is a declaration, not new parsing code.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Int64Array, Int64Builder,
    StringArray, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use chrono_tz::Tz;
use sha2::{Digest, Sha256};
use tables::Spool;

use crate::extract::{ExtractFile, SourceFile};
use crate::fields::Fields;
use crate::keep::{Hashed, Keeper};
use crate::parallel::Chunk;
use crate::raw::RawRecord;
use crate::run::Run;
use crate::{
    Batch, FileInfo, KhoGroup, MergeRule, Pseudonymiser, Result, TableData, TableSpec, Ward,
};

/// A column's type as the source writes it and as the lake keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text, NFC.
    Text,
    /// One of a closed list of codes.
    Code(&'static [&'static str]),
    /// A khu phố code of the ward (pipelines.toml).
    Unit,
    /// A name, phone number or ID: stored as its keyed hash, never in clear.
    Personal,
    /// Free text a person wrote: digit runs long enough to be a phone or ID number are masked.
    FreeText,
    /// A whole number in a range.
    Int { min: i64, max: i64 },
    /// An exact decimal with this many digits after the point (amounts, areas).
    Decimal { scale: i8 },
    /// 0/1 (also true/false).
    Flag,
    /// A calendar date, local.
    Date,
    /// A date-time at which something happened, local unless it says otherwise; kept as UTC.
    /// Not more than a day after now.
    Instant,
    /// A date-time set for later (a due time); kept as UTC.
    Deadline,
}

impl Kind {
    fn data_type(self) -> DataType {
        match self {
            Kind::Text | Kind::Code(_) | Kind::Unit | Kind::Personal | Kind::FreeText => {
                DataType::Utf8
            }
            Kind::Int { .. } => DataType::Int64,
            Kind::Decimal { scale } => DataType::Decimal128(DECIMAL_PRECISION, scale),
            Kind::Flag => DataType::Boolean,
            Kind::Date => DataType::Date32,
            Kind::Instant | Kind::Deadline => {
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
            }
        }
    }
}

const DECIMAL_PRECISION: u8 = 18;

/// One column of a declared table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Field name in the extract.
    pub source: &'static str,
    /// Column name in the lake.
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

/// Shorthand for a required column.
pub const fn req(source: &'static str, name: &'static str, kind: Kind) -> Column {
    Column {
        source,
        name,
        kind,
        required: true,
    }
}

/// Shorthand for an optional column.
pub const fn opt(source: &'static str, name: &'static str, kind: Kind) -> Column {
    Column {
        source,
        name,
        kind,
        required: false,
    }
}

/// A value read from one field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    Null,
    Text(String),
    Int(i64),
    Decimal(i128),
    Flag(bool),
    Date(i32),
    Instant(i64),
}

impl Value {
    /// The date, if this is one.
    pub fn as_date(&self) -> Option<i32> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }

    /// The instant (UTC microseconds), if this is one.
    pub fn as_instant(&self) -> Option<i64> {
        match self {
            Value::Instant(t) => Some(*t),
            _ => None,
        }
    }

    /// Where this value falls among the values of a latest-by column (a number, a date or an
    /// instant; nothing comes first).
    fn order(&self) -> i64 {
        match self {
            Value::Int(i) => *i,
            Value::Date(d) => *d as i64,
            Value::Instant(t) => *t,
            Value::Null | Value::Text(_) | Value::Decimal(_) | Value::Flag(_) => i64::MIN,
        }
    }
}

/// A rule across the fields of one row, run after each field has been read.
pub type RowRule = fn(&Row<'_>, &mut Fields);

/// One row's values, in the order of the dataset's columns.
pub struct Row<'a> {
    dataset: &'a Dataset,
    values: &'a [Value],
}

impl Row<'_> {
    /// The value of the column with this lake name.
    pub fn get(&self, name: &str) -> &Value {
        self.dataset
            .columns
            .iter()
            .position(|c| c.name == name)
            .map(|i| &self.values[i])
            .unwrap_or(&Value::Null)
    }
}

/// A declared table: where its rows come from and how they meet the rows already kept.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub table: &'static str,
    /// One line for people: what one row is.
    pub description: &'static str,
    pub columns: &'static [Column],
    /// Lake names of the natural key.
    pub key: &'static [&'static str],
    pub merge: MergeRule,
    /// Lake name of the khu phố column, for freshness per unit.
    pub unit_column: Option<&'static str>,
    pub rules: &'static [RowRule],
}

impl Dataset {
    /// Source names of the required columns: a file lacking one is not this extract.
    pub fn required(&self) -> Vec<&'static str> {
        self.columns
            .iter()
            .filter(|c| c.required)
            .map(|c| c.source)
            .collect()
    }

    /// The lake table's declaration: the columns, then provenance (`_file`, `_row`,
    /// `_batch_id`).
    pub fn spec(&self, group: KhoGroup) -> TableSpec {
        let mut fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| Field::new(c.name, c.kind.data_type(), !c.required))
            .collect();
        fields.push(Field::new("_file", DataType::Utf8, false));
        fields.push(Field::new("_row", DataType::Int64, false));
        fields.push(Field::new("_batch_id", DataType::Utf8, false));
        TableSpec {
            name: self.table.to_string(),
            group: Some(group),
            description: self.description.to_string(),
            schema: Arc::new(Schema::new(fields)),
            key: self.key.iter().map(|k| k.to_string()).collect(),
            merge: self.merge.clone(),
            unit_column: self.unit_column.map(str::to_string),
        }
    }

    fn key_of(&self, values: &[Value]) -> Vec<Value> {
        let row = Row {
            dataset: self,
            values,
        };
        self.key.iter().map(|k| row.get(k).clone()).collect()
    }

    fn personal(&self) -> Vec<&'static str> {
        self.columns
            .iter()
            .filter(|c| matches!(c.kind, Kind::Personal))
            .map(|c| c.source)
            .collect()
    }
}

/// What a reader needs besides the records.
pub struct Context<'a> {
    pub ward: &'a Ward,
    pub tz: Tz,
    pub pseudonymiser: &'a Pseudonymiser,
    pub limits: crate::Limits,
}

/// What the reading thread keeps of a valid row (its values go to the worker's
/// [`Columns`]): its number, its key and content hashed, its latest-by value.
type Offered = (u64, Hashed, i64);

/// What [`Reader::check`] reads: a file, or records already read from a page or a database.
enum Read<'a> {
    File(&'a SourceFile),
    Records(FileInfo, Vec<RawRecord>),
}

/// Reads records of one dataset, keeping one row per key: the rows kept go to a spool as
/// they come, and only their hashes stay in memory.
struct Reader<'a> {
    parser: Parser<'a>,
    keeper: Keeper,
    spool: Spool,
}

/// Turns a record into the dataset's values: what the workers run.
#[derive(Clone, Copy)]
struct Parser<'a> {
    dataset: &'a Dataset,
    ctx: &'a Context<'a>,
}

impl<'a> Reader<'a> {
    fn new(dataset: &'a Dataset, ctx: &'a Context<'a>) -> Self {
        Self {
            parser: Parser { dataset, ctx },
            keeper: Keeper::new(matches!(dataset.merge, MergeRule::LatestBy(_))),
            // the batch id is known once every file is read: it is stamped as rows are read
            spool: Spool::stamped(dataset.spec(KhoGroup::DanCu).schema),
        }
    }

    /// Validates the records of one file, page or database read on every core: rows with
    /// errors go to quarantine, the others are kept ([`Reader::keep`]) for the file's part
    /// of the run; the caller accepts or refuses the file afterwards. Fails when a column
    /// changed type.
    fn check(&mut self, run: &mut Run, read: Read<'_>) -> Result<FileInfo> {
        let parser = self.parser;
        let personal = parser.dataset.personal();
        let rules = crate::parallel::Rules {
            tz: parser.ctx.tz,
            latest: run.latest_event,
            personal: &personal,
        };
        self.keeper.begin(self.position());
        let mut failed = None;
        let check = |rec: &RawRecord, f: &mut Fields<'_>| {
            let values = parser.parse(f);
            let hashed = Hashed::of(&parser.dataset.key_of(&values), &values);
            Some(((rec.row, hashed, parser.order(&values)), values))
        };
        let schema = self.spool.schema();
        let columns = || Columns {
            dataset: parser.dataset,
            schema: schema.clone(),
            rows: Vec::new(),
        };
        let take = |info: &FileInfo, chunk: Chunk<Offered, Built>| {
            let (built, valid) = chunk.split(|row, errors| run.reject_errors(info, row, errors));
            if failed.is_none()
                && let Err(e) = self.keep(info, built, valid)
            {
                failed = Some(e);
            }
        };
        let (info, drift) = match read {
            Read::File(sf) => {
                let required = parser.dataset.required();
                crate::parallel::each_chunk(
                    sf,
                    &required,
                    &parser.ctx.limits,
                    rules,
                    check,
                    columns,
                    take,
                )?
            }
            Read::Records(info, records) => {
                let drift =
                    crate::parallel::records_chunked(&info, records, rules, check, columns, take);
                (info, drift)
            }
        };
        if let Some(e) = failed {
            return Err(e);
        }
        drift.check(&info.path)?;
        Ok(info)
    }

    /// The position the next row kept takes in the spool.
    fn position(&self) -> usize {
        self.spool.len()
    }

    /// Takes a chunk of valid rows of `info`: their columns and, in the same order, what the
    /// keeper is offered of each. Which rows count is decided once every file is read
    /// ([`Reader::table`]).
    fn keep(&mut self, info: &FileInfo, built: Built, offered: Vec<Offered>) -> Result<()> {
        let built_error = |source| tables::BuildError {
            table: self.parser.dataset.table.to_string(),
            source,
        };
        let start = self.position();
        let batch = built.map_err(built_error)?;
        if batch.num_rows() > 0 {
            self.spool.push(batch).map_err(built_error)?;
        }
        for (i, (row, hashed, order)) in offered.into_iter().enumerate() {
            self.keeper.offer(hashed, order, start + i, (info, row))?;
        }
        Ok(())
    }

    /// Rows kept, as the lake table, read from the spool as they are committed: one row per
    /// key. The same row sent twice counts once; two different rows with one key are
    /// resolved by the merge rule (the later state wins) or, where there is no order,
    /// quarantined.
    fn table(self, run: &mut Run, group: KhoGroup, batch_id: &str) -> Result<Option<TableData>> {
        let dataset = self.parser.dataset;
        let spec = dataset.spec(group);
        let built = |source| tables::BuildError {
            table: spec.name.clone(),
            source,
        };
        let rows = self.spool.finish().map_err(built)?;
        let decided = self.keeper.finish()?;
        run.counts.duplicates += decided.duplicates;
        if !decided.conflicts.is_empty() {
            let positions: Vec<usize> = decided.conflicts.iter().map(|c| c.pos as usize).collect();
            let picked = rows.at(&positions).map_err(built)?;
            let field = dataset.key.first().copied().unwrap_or_default();
            let source = dataset
                .columns
                .iter()
                .find(|c| c.name == field)
                .map(|c| c.source)
                .unwrap_or(field);
            for (i, c) in decided.conflicts.iter().enumerate() {
                let shown = dataset
                    .key
                    .iter()
                    .filter_map(|name| {
                        let at = dataset.columns.iter().position(|c| c.name == *name)?;
                        let column = &dataset.columns[at];
                        let v = value_at(column.kind, picked.column(at), i);
                        Some(shown(Some(column.kind), &v, self.parser.ctx.tz))
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let (kept_file, kept_row) = &c.kept;
                run.reject_row(
                    &c.file,
                    c.row,
                    source,
                    &shown,
                    format!(
                        "cùng khóa với dòng {kept_row} của {kept_file} nhưng khác nội dung; kiểm tra lại nguồn"
                    ),
                );
            }
        }
        let rows = rows.without(decided.dropped).stamp(batch_id);
        if rows.num_rows() == 0 {
            return Ok(None);
        }
        Ok(Some(TableData { spec, rows }))
    }
}

/// The value at row `i` of a column of this kind, as read ([`column`] backwards).
fn value_at(kind: Kind, array: &ArrayRef, i: usize) -> Value {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{Date32Type, Decimal128Type, Int64Type, TimestampMicrosecondType};
    if array.is_null(i) {
        return Value::Null;
    }
    match kind {
        Kind::Text | Kind::Code(_) | Kind::Unit | Kind::Personal | Kind::FreeText => {
            Value::Text(array.as_string::<i32>().value(i).to_string())
        }
        Kind::Int { .. } => Value::Int(array.as_primitive::<Int64Type>().value(i)),
        Kind::Decimal { .. } => Value::Decimal(array.as_primitive::<Decimal128Type>().value(i)),
        Kind::Flag => Value::Flag(array.as_boolean().value(i)),
        Kind::Date => Value::Date(array.as_primitive::<Date32Type>().value(i)),
        Kind::Instant | Kind::Deadline => {
            Value::Instant(array.as_primitive::<TimestampMicrosecondType>().value(i))
        }
    }
}

impl Parser<'_> {
    /// A row's latest-by value (0 for a table kept first-come).
    fn order(&self, values: &[Value]) -> i64 {
        match &self.dataset.merge {
            MergeRule::LatestBy(col) => Row {
                dataset: self.dataset,
                values,
            }
            .get(col)
            .order(),
            _ => 0,
        }
    }

    fn parse(&self, f: &mut Fields) -> Vec<Value> {
        let values: Vec<Value> = self
            .dataset
            .columns
            .iter()
            .map(|c| self.value(c, f))
            .collect();
        let row = Row {
            dataset: self.dataset,
            values: &values,
        };
        for rule in self.dataset.rules {
            rule(&row, f);
        }
        values
    }

    fn value(&self, c: &Column, f: &mut Fields) -> Value {
        let text = |f: &mut Fields| {
            if c.required {
                Some(f.required_text(c.source)).filter(|t| !t.is_empty())
            } else {
                f.text(c.source)
            }
        };
        let v = match c.kind {
            Kind::Text => text(f).map(Value::Text),
            Kind::FreeText => text(f).map(|t| Value::Text(mask_numbers(&t))),
            Kind::Personal => text(f)
                .and_then(|t| self.ctx.pseudonymiser.token(&t))
                .map(Value::Text),
            Kind::Code(codes) => text(f).and_then(|t| {
                if codes.contains(&t.as_str()) {
                    Some(Value::Text(t))
                } else {
                    f.reject(c.source, format!("phải là một trong: {}", codes.join(", ")));
                    None
                }
            }),
            Kind::Unit => text(f).and_then(|t| {
                if self.ctx.ward.unit(&t).is_some() {
                    Some(Value::Text(t))
                } else {
                    f.reject(
                        c.source,
                        "mã khu phố không có trong danh sách khu phố (pipelines.toml)",
                    );
                    None
                }
            }),
            Kind::Int { min, max } => f.int64_in(c.source, min, max, c.required).map(Value::Int),
            Kind::Decimal { scale } => f.decimal(c.source, scale, c.required).map(Value::Decimal),
            Kind::Flag => {
                let v = f.flag(c.source);
                if v.is_none() && c.required && f.errors.iter().all(|e| e.field != c.source) {
                    f.reject(c.source, "bắt buộc nhưng để trống");
                }
                v.map(Value::Flag)
            }
            Kind::Date => f.date(c.source, c.required).map(Value::Date),
            Kind::Instant => f.happened(c.source, c.required).map(Value::Instant),
            Kind::Deadline => f.instant(c.source, c.required).map(Value::Instant),
        };
        v.unwrap_or(Value::Null)
    }
}

/// A chunk's valid rows as the spool's columns.
type Built = std::result::Result<RecordBatch, arrow::error::ArrowError>;

/// Builds a chunk's valid rows into the spool's columns, on the worker that checked them.
struct Columns<'a> {
    dataset: &'a Dataset,
    schema: arrow::datatypes::SchemaRef,
    rows: Vec<(u64, Vec<Value>)>,
}

impl crate::parallel::Build for Columns<'_> {
    type Value = Vec<Value>;
    type Built = Built;

    fn push(&mut self, row: u64, values: Vec<Value>) {
        self.rows.push((row, values));
    }

    fn finish(&mut self, file: &str) -> Built {
        let rows = std::mem::take(&mut self.rows);
        let columns = self.dataset.columns;
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len() + 2);
        for (i, c) in columns.iter().enumerate() {
            arrays.push(column(c.kind, rows.iter().map(|(_, values)| &values[i]))?);
        }
        arrays.push(Arc::new(StringArray::from_iter_values(
            std::iter::repeat_n(file, rows.len()),
        )));
        arrays.push(Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|(row, _)| *row as i64),
        )));
        RecordBatch::try_new(self.schema.clone(), arrays)
    }
}

fn column<'v>(
    kind: Kind,
    values: impl Iterator<Item = &'v Value>,
) -> std::result::Result<ArrayRef, arrow::error::ArrowError> {
    Ok(match kind {
        Kind::Text | Kind::Code(_) | Kind::Unit | Kind::Personal | Kind::FreeText => {
            let mut b = StringBuilder::new();
            for v in values {
                match v {
                    Value::Text(t) => b.append_value(t),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        Kind::Int { .. } => {
            let mut b = Int64Builder::new();
            for v in values {
                b.append_option(match v {
                    Value::Int(i) => Some(*i),
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }
        Kind::Decimal { scale } => {
            let mut b = Decimal128Builder::new();
            for v in values {
                b.append_option(match v {
                    Value::Decimal(d) => Some(*d),
                    _ => None,
                });
            }
            Arc::new(
                b.finish()
                    .with_precision_and_scale(DECIMAL_PRECISION, scale)?,
            )
        }
        Kind::Flag => {
            let mut b = BooleanBuilder::new();
            for v in values {
                b.append_option(match v {
                    Value::Flag(x) => Some(*x),
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }
        Kind::Date => {
            let mut b = Date32Builder::new();
            for v in values {
                b.append_option(v.as_date());
            }
            Arc::new(b.finish())
        }
        Kind::Instant | Kind::Deadline => {
            let mut b = TimestampMicrosecondBuilder::new().with_timezone("UTC");
            for v in values {
                b.append_option(v.as_instant());
            }
            Arc::new(b.finish())
        }
    })
}

/// A value as the person who typed it would write it: dates `dd/MM/yyyy`, times local,
/// decimals with their point; for quarantine rows an officer reads.
fn shown(kind: Option<Kind>, v: &Value, tz: Tz) -> String {
    match v {
        Value::Null => String::new(),
        Value::Text(t) => t.clone(),
        Value::Int(i) => i.to_string(),
        Value::Decimal(d) => match kind {
            Some(Kind::Decimal { scale }) if scale > 0 => {
                let unit = 10i128.pow(scale as u32);
                let sign = if *d < 0 { "-" } else { "" };
                let (int, frac) = (d.abs() / unit, d.abs() % unit);
                format!("{sign}{int}.{frac:0width$}", width = scale as usize)
            }
            _ => d.to_string(),
        },
        Value::Flag(b) => if *b { "1" } else { "0" }.to_string(),
        Value::Date(days) => crate::time::from_epoch_days(*days)
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|| days.to_string()),
        Value::Instant(t) => chrono::DateTime::<chrono::Utc>::from_timestamp_micros(*t)
            .map(|t| t.with_timezone(&tz).format("%d/%m/%Y %H:%M:%S").to_string())
            .unwrap_or_else(|| t.to_string()),
    }
}

/// Digit runs of nine or more (phone numbers, citizen IDs), spaces and dots allowed between
/// digits, become `***`: people write their number into the text of a petition.
pub fn mask_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let mut j = i;
            let mut digits = 0;
            let mut end = i;
            while j < chars.len()
                && (chars[j].is_ascii_digit() || matches!(chars[j], ' ' | '.' | '-'))
            {
                if chars[j].is_ascii_digit() {
                    digits += 1;
                    end = j + 1;
                }
                j += 1;
            }
            if digits >= 9 {
                out.push_str("***");
            } else {
                out.extend(&chars[i..end]);
            }
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Where a dataset's records come from.
pub enum Input<'a> {
    /// A CSV, XLSX or JSON file.
    File(&'a SourceFile),
    /// An API page already fetched.
    Page(&'a ExtractFile),
    /// Records already read (SQL rows): the rows' content address, and the records
    /// numbered by their id. A rejected row is filed under the table (`info.path`), not under
    /// this run's result, so that a bad row read again by a later run is quarantined once.
    Records(FileInfo, Vec<RawRecord>),
}

/// Reads one batch of a source made of declared tables: each dataset from its inputs. A file
/// that cannot be read, lacks a required column, is over a limit or has a column that changed
/// type is refused alone, and the batch holds every other file; a page or a set of database
/// rows fails the whole batch (a fetch is all its pages or nothing).
pub fn read(
    source: &str,
    ctx: &Context,
    group: KhoGroup,
    parts: Vec<(&Dataset, Vec<Input>)>,
) -> Result<Batch> {
    let parts = parts.into_iter().map(|(d, i)| (d, group, i)).collect();
    read_grouped(source, ctx, parts, Vec::new())
}

/// [`read`] for a source whose tables are filed under different Kho dữ liệu groups (the
/// officers' uploads): each dataset with its own group. `refused` are files refused before
/// reading, which the batch records with the others.
pub fn read_grouped(
    source: &str,
    ctx: &Context,
    parts: Vec<(&Dataset, KhoGroup, Vec<Input>)>,
    refused: Vec<crate::RefusedFile>,
) -> Result<Batch> {
    let mut run = Run::new(source, ctx.limits);
    for f in refused {
        run.refuse(f);
    }
    let mut readers = Vec::new();
    for (dataset, group, inputs) in parts {
        let mut reader = Reader::new(dataset, ctx);
        for input in inputs {
            let checked = match input {
                Input::File(sf) => run.isolated(sf, |run| {
                    let info = reader.check(run, Read::File(sf))?;
                    run.add_file(info);
                    Ok(())
                }),
                Input::Page(page) => {
                    let (info, records) = run.take_page(page)?;
                    reader.check(&mut run, Read::Records(info, records))?;
                    Some(())
                }
                Input::Records(info, recs) => {
                    let (info, recs) = run.take_records(info, recs);
                    let origin = FileInfo {
                        sha256: hex::encode(Sha256::digest(info.path.as_bytes())),
                        ..info
                    };
                    reader.check(&mut run, Read::Records(origin, recs))?;
                    Some(())
                }
            };
            if checked.is_none() {
                reader.keeper.refuse(reader.position());
            }
        }
        readers.push((reader, group));
    }
    let id = run.batch_id();
    let mut tables = Vec::new();
    for (reader, group) in readers {
        tables.extend(reader.table(&mut run, group, &id)?);
    }
    run.into_batch(id, tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A later state replaces an earlier one by the order of its latest-by column, which only
    /// numbers, dates and instants have ([`Value::order`]): text there would make every state
    /// equal, and each a conflict.
    #[test]
    fn every_latest_by_column_is_ordered() {
        let datasets = crate::source::SYSTEMS
            .iter()
            .flat_map(|s| s.tables)
            .filter_map(|t| t.dataset)
            .map(|d| d());
        let mut checked = 0;
        for d in datasets {
            let MergeRule::LatestBy(col) = &d.merge else {
                continue;
            };
            let kind = d.columns.iter().find(|c| c.name == col).map(|c| c.kind);
            assert!(
                matches!(
                    kind,
                    Some(Kind::Int { .. } | Kind::Date | Kind::Instant | Kind::Deadline)
                ),
                "{}: latest by {col}, a {kind:?} column",
                d.table
            );
            checked += 1;
        }
        assert!(checked > 0, "some declared table is kept latest-by");
    }

    #[test]
    fn long_digit_runs_are_masked() {
        assert_eq!(
            mask_numbers("Gọi 0912 345 678 hoặc CCCD 079203001234, nhà số 12"),
            "Gọi *** hoặc CCCD ***, nhà số 12"
        );
        assert_eq!(mask_numbers("ngày 12/05/2026"), "ngày 12/05/2026");
    }
}
