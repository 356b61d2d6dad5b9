//! A figure's records written as they stream out of the query: the CSV anyone can count, the
//! check code of each record, and a spreadsheet copy for people. Only one batch of records is
//! in memory at a time; the files grow in a temporary folder until they go into the archive.

use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type, TimeUnit};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use chrono::{Datelike, NaiveDate, Timelike};
use chrono_tz::Tz;
use datafusion::physical_plan::SendableRecordBatchStream;
use futures::StreamExt;
use metrics::Recount;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::recount::{Recounter, record_hash};
use crate::documents::DocError;

/// Rows a worksheet holds below its header; later records go on the next sheet.
const SHEET_ROWS: u32 = 1_048_575;

/// The files of one record list and what was counted in them.
pub struct RecordFiles {
    pub csv: PathBuf,
    pub hashes: PathBuf,
    pub xlsx: PathBuf,
    pub rows: u64,
    /// The lake batches and source files the records came from (`_batch_id`, `_file`).
    pub batches: BTreeSet<(String, String)>,
    pub totals: Option<(i128, i128)>,
}

/// Writes the records of `stream` under `dir` as `records.csv`, `records.sha256` and
/// `records.xlsx`, counting them by `recount` on the way.
pub async fn write(
    mut stream: SendableRecordBatchStream,
    recount: &Recount,
    tz: Tz,
    dir: &Path,
) -> Result<RecordFiles, DocError> {
    let header: Vec<String> = stream
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut counter = Recounter::new(recount, &header).map_err(DocError::Mismatch)?;
    let batch_column = header.iter().position(|h| h == "_batch_id");
    let file_column = header.iter().position(|h| h == "_file");
    let files = RecordFiles {
        csv: dir.join("records.csv"),
        hashes: dir.join("records.sha256"),
        xlsx: dir.join("records.xlsx"),
        rows: 0,
        batches: BTreeSet::new(),
        totals: None,
    };
    let mut csv = csv::Writer::from_writer(BufWriter::new(std::fs::File::create(&files.csv)?));
    csv.write_record(&header)?;
    let mut hashes = BufWriter::new(std::fs::File::create(&files.hashes)?);
    let mut book = Sheets::new(&header)?;
    let mut batches = BTreeSet::new();
    let options = FormatOptions::default();
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| DocError::Query(e.to_string()))?;
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        let cells = batch
            .columns()
            .iter()
            .map(|c| Cells::of(c, tz))
            .collect::<Result<Vec<_>, _>>()?;
        let mut fields = vec![String::new(); header.len()];
        for row in 0..batch.num_rows() {
            for (i, f) in formatters.iter().enumerate() {
                fields[i] = f.value(row).to_string();
            }
            csv.write_record(&fields)?;
            writeln!(hashes, "{}", record_hash(&fields))?;
            counter
                .add(&fields)
                .map_err(|e| DocError::Mismatch(format!("bản ghi {}: {e}", counter.rows())))?;
            if let (Some(b), Some(f)) = (batch_column, file_column)
                && !fields[b].is_empty()
            {
                // few distinct pairs: look before allocating
                let seen = batches
                    .iter()
                    .any(|(x, y): &(String, String)| x == &fields[b] && y == &fields[f]);
                if !seen {
                    batches.insert((fields[b].clone(), fields[f].clone()));
                }
            }
            book.row(&cells, &fields, row)?;
        }
    }
    csv.flush()?;
    hashes.flush()?;
    book.save(&files.xlsx)?;
    Ok(RecordFiles {
        rows: counter.rows(),
        batches,
        totals: counter.totals(),
        ..files
    })
}

/// How a column goes into the spreadsheet: numbers as numbers, dates as dates, the rest as
/// text (never as a formula).
enum Cells {
    Numbers(ArrayRef),
    Days(ArrayRef),
    /// Microseconds since 1970 (UTC), shown in local time.
    Instants(ArrayRef, Tz),
    Text,
}

impl Cells {
    fn of(c: &ArrayRef, tz: Tz) -> Result<Cells, DocError> {
        use arrow::compute::cast;
        Ok(match c.data_type() {
            t if t.is_integer() || t.is_floating() => Cells::Numbers(cast(c, &DataType::Float64)?),
            DataType::Date32 | DataType::Date64 => {
                Cells::Days(cast(&cast(c, &DataType::Date32)?, &DataType::Int32)?)
            }
            DataType::Timestamp(_, _) => Cells::Instants(
                cast(
                    &cast(c, &DataType::Timestamp(TimeUnit::Microsecond, None))?,
                    &DataType::Int64,
                )?,
                tz,
            ),
            _ => Cells::Text,
        })
    }
}

/// The spreadsheet copy, written row by row in constant memory.
struct Sheets {
    book: Workbook,
    header: Vec<String>,
    sheet: usize,
    row: u32,
    date: Format,
    instant: Format,
    number: Format,
}

impl Sheets {
    fn new(header: &[String]) -> Result<Self, DocError> {
        let mut s = Self {
            book: Workbook::new(),
            header: header.to_vec(),
            sheet: 0,
            row: 0,
            date: Format::new().set_num_format("dd/mm/yyyy"),
            instant: Format::new().set_num_format("dd/mm/yyyy hh:mm:ss"),
            number: Format::new().set_num_format("#,##0.##"),
        };
        s.book.set_properties(&crate::documents::xlsx_properties(
            "Danh sách bản ghi minh chứng",
            None,
        ));
        s.add_sheet()?;
        Ok(s)
    }

    fn add_sheet(&mut self) -> Result<(), DocError> {
        let n = self.book.worksheets().len();
        let ws = self.book.add_worksheet_with_constant_memory()?;
        ws.set_name(format!("Ban ghi {}", n + 1))?;
        let bold = Format::new().set_bold();
        for (i, h) in self.header.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, h, &bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        self.sheet = n;
        self.row = 0;
        Ok(())
    }

    fn row(&mut self, cells: &[Cells], text: &[String], r: usize) -> Result<(), DocError> {
        if self.row == SHEET_ROWS {
            self.add_sheet()?;
        }
        self.row += 1;
        let row = self.row;
        let ws = self.book.worksheet_from_index(self.sheet)?;
        for (i, c) in cells.iter().enumerate() {
            let col = i as u16;
            match c {
                Cells::Numbers(a) if a.is_valid(r) => {
                    let v = a.as_primitive::<Float64Type>().value(r);
                    ws.write_number_with_format(row, col, v, &self.number)?;
                }
                Cells::Days(a) if a.is_valid(r) => {
                    let days = a.as_primitive::<Int32Type>().value(r);
                    if let Some(d) = NaiveDate::from_num_days_from_ce_opt(
                        days + metrics::measure::UNIX_EPOCH_DAY,
                    ) {
                        let x = ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )?;
                        ws.write_datetime_with_format(row, col, &x, &self.date)?;
                    }
                }
                Cells::Instants(a, tz) if a.is_valid(r) => {
                    let micros = a.as_primitive::<Int64Type>().value(r);
                    if let Some(t) = chrono::DateTime::from_timestamp_micros(micros) {
                        let l = t.with_timezone(tz).naive_local();
                        let x = ExcelDateTime::from_ymd(
                            l.year() as u16,
                            l.month() as u8,
                            l.day() as u8,
                        )?
                        .and_hms(
                            l.hour() as u16,
                            l.minute() as u8,
                            l.second(),
                        )?;
                        ws.write_datetime_with_format(row, col, &x, &self.instant)?;
                    }
                }
                Cells::Text if !text[i].is_empty() => {
                    ws.write_string(row, col, &text[i])?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn save(mut self, path: &Path) -> Result<(), DocError> {
        self.book.save(path)?;
        Ok(())
    }
}
