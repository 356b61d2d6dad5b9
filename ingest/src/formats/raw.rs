//! Records as they come: a field-name → text map with the record's place in its file.
//! Both the CSV export and the API's JSON pages become these, so validation is written once.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use crate::extract::ExtractFile;
use crate::{IngestError, Result};

/// The names of a file's fields, shared by all its records: a record holds only its values,
/// and a field is found by its name's hash (validation asks for each field of every row by
/// name: a binary search's string comparisons were a tenth of the checking, and a map keyed by
/// the names still compared each name found with a call to `memcmp`).
#[derive(Debug, Clone)]
pub struct Names {
    /// (name, position) sorted by name; of a name given twice, the last position, as a map
    /// built from the row would keep.
    sorted: Vec<(String, usize)>,
    /// A name's hash → its place in `sorted`; [`SHARED`] when two names share a hash.
    index: HashMap<u64, usize, BuildHasherDefault<Identity>>,
}

/// In [`Names::index`]: more than one name has this hash.
const SHARED: usize = usize::MAX;

/// A name's hash, which keys [`Names::index`] as it is.
fn name_hash(name: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x517c_c1b7_2722_0a95).hash_one(name)
}

/// A hasher that gives back the `u64` it is given: the keys are hashes already.
#[derive(Default)]
struct Identity(u64);

impl std::hash::Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl Names {
    /// Names at their positions; empty names (unnamed columns) are left out.
    pub fn new(names: impl IntoIterator<Item = String>) -> Self {
        let mut sorted: Vec<(String, usize)> = names
            .into_iter()
            .enumerate()
            .filter(|(_, n)| !n.is_empty())
            .map(|(i, n)| (n, i))
            .collect();
        // stable: of equal names the last position ends up last, and is the one kept
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut kept: Vec<(String, usize)> = Vec::with_capacity(sorted.len());
        for (n, i) in sorted {
            match kept.last_mut() {
                Some(last) if last.0 == n => last.1 = i,
                _ => kept.push((n, i)),
            }
        }
        let mut index: HashMap<u64, usize, BuildHasherDefault<Identity>> = HashMap::default();
        for (at, (name, _)) in kept.iter().enumerate() {
            index
                .entry(name_hash(name))
                .and_modify(|e| *e = SHARED)
                .or_insert(at);
        }
        Self {
            sorted: kept,
            index,
        }
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The names in the order [`RawRecord::fields`] gives them.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.sorted.iter().map(|(n, _)| n.as_str())
    }

    /// Each name with the position of its value in a row, in the order of [`Names::iter`].
    pub fn positions(&self) -> impl Iterator<Item = (&str, usize)> {
        self.sorted.iter().map(|(n, i)| (n.as_str(), *i))
    }

    /// One past the last position a name reads a value from.
    pub fn width(&self) -> usize {
        self.sorted.iter().map(|(_, i)| i + 1).max().unwrap_or(0)
    }

    /// Whether `name` is one of the names: a set of codes is looked up this way too (by the
    /// hash alone: a row's code is a text of its own, at an address asked by once).
    pub fn contains(&self, name: &str) -> bool {
        self.place(name).is_some()
    }

    fn position(&self, name: &str) -> Option<usize> {
        // validation asks for the same fields of every row, by the same literals: where the
        // text at this address was found last is tried first, and taken only when the name
        // there is the one asked for, so a stale or foreign slot costs a miss, never a
        // wrong answer
        let address = name.as_ptr() as usize;
        let slot = ((address >> 3) ^ (address >> 11)) % FOUND_SLOTS;
        let (last, at) = FOUND.with(|found| found[slot].get());
        if last == address
            && let Some((n, position)) = self.sorted.get(at)
            && crate::text::same(n, name)
        {
            return Some(*position);
        }
        let at = self.place(name)?;
        FOUND.with(|found| found[slot].set((address, at)));
        Some(self.sorted[at].1)
    }

    /// Where `name` is in `sorted`, by its hash.
    fn place(&self, name: &str) -> Option<usize> {
        match *self.index.get(&name_hash(name))? {
            SHARED => self
                .sorted
                .binary_search_by(|(n, _)| n.as_str().cmp(name))
                .ok(),
            at => crate::text::same(&self.sorted[at].0, name).then_some(at),
        }
    }
}

/// Slots of [`FOUND`]: room for the fields of a few systems' records.
const FOUND_SLOTS: usize = 128;

thread_local! {
    /// By the address of a name asked for ([`Names::position`]): that address and the place
    /// in [`Names::sorted`] where the name was found. A hash and a probe for each field of
    /// every row were a tenth of the checking of a one-stop export.
    static FOUND: [std::cell::Cell<(usize, usize)>; FOUND_SLOTS] =
        const { [const { std::cell::Cell::new((0, usize::MAX)) }; FOUND_SLOTS] };
}

/// One source record before validation: field name → text, with its place in its file.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// Row number as a person finds it (see [`crate::Rejection::row`]).
    pub row: u64,
    names: Arc<Names>,
    values: RowCells,
    /// Fields refused before any reading, with the reason; the value kept is a short preview.
    pub refused: Vec<(String, String)>,
}

impl RawRecord {
    /// A record whose fields longer than `field_bytes` are refused (the row goes to
    /// quarantine, naming the limit) and kept only as a preview.
    pub fn new(row: u64, fields: BTreeMap<String, String>, field_bytes: usize) -> RawRecord {
        let (names, values): (Vec<String>, Vec<String>) = fields.into_iter().unzip();
        Self::from_values(row, Arc::new(Names::new(names)), values, field_bytes)
    }

    /// As [`RawRecord::new`], from values at the positions `names` gives.
    pub fn from_values(
        row: u64,
        names: Arc<Names>,
        values: Vec<String>,
        field_bytes: usize,
    ) -> RawRecord {
        Self::from_cells(row, names, RowCells::List(values), field_bytes)
    }

    /// As [`RawRecord::from_values`], from cells as read.
    pub fn from_cells(
        row: u64,
        names: Arc<Names>,
        mut values: RowCells,
        field_bytes: usize,
    ) -> RawRecord {
        let mut refused = Vec::new();
        // no cell is longer than the row's text
        let short = matches!(&values, RowCells::Cut { text, .. } if text.len() <= field_bytes);
        let too_long = !short
            && names
                .sorted
                .iter()
                .any(|(_, i)| values.get(*i).is_some_and(|v| v.len() > field_bytes));
        if too_long {
            let mut list = values.into_list();
            for (name, i) in &names.sorted {
                let Some(value) = list.get_mut(*i).filter(|v| v.len() > field_bytes) else {
                    continue;
                };
                refused.push((
                    name.clone(),
                    crate::limits::over(
                        "trường dài",
                        crate::limits::bytes(value.len() as u64),
                        crate::limits::bytes(field_bytes as u64),
                        "field_bytes",
                    ),
                ));
                let preview: String = value.chars().take(40).collect();
                *value = format!("{preview}…");
            }
            values = RowCells::List(list);
        }
        RawRecord {
            row,
            names,
            values,
            refused,
        }
    }

    /// The field's text, empty when absent or null.
    pub fn get(&self, name: &str) -> &str {
        self.names
            .position(name)
            .and_then(|i| self.values.get(i))
            .unwrap_or("")
    }

    /// The names of the fields, shared with the other records of the file.
    pub fn names(&self) -> &Arc<Names> {
        &self.names
    }

    /// Whether each cell holds more than white space, in the row's order (the positions of
    /// [`Names::positions`]).
    pub fn filled(&self) -> impl Iterator<Item = bool> {
        self.values.iter().map(|v| !crate::text::trim(v).is_empty())
    }

    /// Every field, by name.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names.sorted.iter().map(|(n, i)| {
            let v = self.values.get(*i).unwrap_or("");
            (n.as_str(), v)
        })
    }
}

/// Rows a title may sit above the header in: officers' spreadsheets put the office and the
/// report's name there.
const HEADER_SEARCH_ROWS: usize = 20;

/// Records of a grid of cells (CSV or a worksheet) given with their row numbers. The header
/// is the first row, among the first few, that names every `required` column; rows above it
/// are titles. Fails as a whole when no row does: such a file is not the extract it claims
/// to be.
pub fn grid_records(
    path: &str,
    rows: Vec<(u64, Vec<String>)>,
    required: &[&str],
    field_bytes: usize,
) -> Result<Vec<RawRecord>> {
    let mut out = Vec::new();
    let rows = rows
        .into_iter()
        .map(|(at, cells)| Ok((at, RowCells::List(cells))));
    grid_each(path, rows, required, field_bytes, |r| {
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

/// As [`grid_records`], one record at a time: only the rows the header may be among are
/// held, so a file of millions of rows is read in constant memory.
pub fn grid_each(
    path: &str,
    rows: impl Iterator<Item = Result<(u64, RowCells)>>,
    required: &[&str],
    field_bytes: usize,
    mut f: impl FnMut(RawRecord) -> Result<()>,
) -> Result<()> {
    grid_rows(path, rows, required, field_bytes, |c| f(c.into_record()))
}

/// One row's cells under its file's header, not yet a record: turning cells into named
/// fields is left to whoever checks the record, which may be another thread.
#[derive(Debug, Clone)]
pub struct Cells {
    header: Arc<Names>,
    row: u64,
    cells: RowCells,
    field_bytes: usize,
}

impl Cells {
    /// The record these cells make under the header.
    pub fn into_record(self) -> RawRecord {
        RawRecord::from_cells(self.row, self.header, self.cells, self.field_bytes)
    }
}

/// A row's cells as read: a list of texts (a worksheet's), or one text cut at offsets (a
/// CSV's), which a record keeps as it is: two allocations a row, not one a cell.
#[derive(Debug, Clone)]
pub enum RowCells {
    List(Vec<String>),
    Cut { text: String, ends: Vec<usize> },
}

impl RowCells {
    /// The cells' texts.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (list, cut) = match self {
            RowCells::List(cells) => (Some(cells.iter().map(String::as_str)), None),
            RowCells::Cut { text, ends } => {
                let cells = ends.iter().scan(0, move |from, &to| {
                    let cell = text.get(*from..to).unwrap_or("");
                    *from = to;
                    Some(cell)
                });
                (None, Some(cells))
            }
        };
        list.into_iter().flatten().chain(cut.into_iter().flatten())
    }

    fn get(&self, i: usize) -> Option<&str> {
        match self {
            RowCells::List(cells) => cells.get(i).map(String::as_str),
            RowCells::Cut { text, ends } => {
                let from = if i == 0 { 0 } else { *ends.get(i - 1)? };
                text.get(from..*ends.get(i)?)
            }
        }
    }

    pub fn into_list(self) -> Vec<String> {
        match self {
            RowCells::List(cells) => cells,
            cut => cut.iter().map(str::to_string).collect(),
        }
    }
}

/// As [`grid_each`], giving each row's cells with the header instead of a record.
pub fn grid_rows(
    path: &str,
    mut rows: impl Iterator<Item = Result<(u64, RowCells)>>,
    required: &[&str],
    field_bytes: usize,
    mut f: impl FnMut(Cells) -> Result<()>,
) -> Result<()> {
    let (header, head) = header_of(path, &mut rows, required)?;
    let mut emit = |row: u64, cells: RowCells| {
        if blank(&cells) {
            return Ok(());
        }
        f(Cells {
            header: Arc::clone(&header),
            row,
            cells,
            field_bytes,
        })
    };
    for (row, cells) in head {
        emit(row, cells)?;
    }
    for row in rows {
        let (row, cells) = row?;
        emit(row, cells)?;
    }
    Ok(())
}

/// A row of empty cells: not a record.
fn blank(cells: &RowCells) -> bool {
    cells.iter().all(|v| crate::text::trim(v).is_empty())
}

/// A row's line and its cells.
type NumberedRow = (u64, RowCells);

/// The header among the first rows ([`find_header`]), and the rows read after it.
fn header_of(
    path: &str,
    rows: &mut impl Iterator<Item = Result<(u64, RowCells)>>,
    required: &[&str],
) -> Result<(Arc<Names>, Vec<NumberedRow>)> {
    let mut head = Vec::new();
    for row in rows.by_ref() {
        head.push(row?);
        if head.len() == HEADER_SEARCH_ROWS {
            break;
        }
    }
    let (at, header) = find_header(path, &head, required)?;
    let after = head.split_off(at + 1);
    Ok((Arc::new(Names::new(header)), after))
}

/// What the rows of a CSV file's pieces need to become cells.
#[derive(Debug)]
struct Layout {
    path: String,
    header: Arc<Names>,
    delimiter: u8,
    field_bytes: usize,
}

/// Rows of a CSV file past its header, as their bytes: parsed by the thread that checks
/// them ([`Piece::each`]).
#[derive(Debug)]
pub struct Piece {
    layout: Arc<Layout>,
    bytes: crate::formats::delimited::Piece,
}

impl Piece {
    /// Each row's cells, rows of empty cells left out as [`grid_rows`] leaves them; stops at a
    /// row that cannot be read.
    pub fn each(self, mut f: impl FnMut(Cells)) -> Result<()> {
        let layout = &self.layout;
        // the piece's own copy of the names: every row holds a reference to them, and the
        // count of one copy shared by the threads checking rows at once went back and forth
        // between their cores, and with it the names each field is looked up in
        let header = Arc::new(Names::clone(&layout.header));
        let rows =
            crate::formats::delimited::Rows::piece(&layout.path, self.bytes, layout.delimiter);
        for row in rows {
            let (row, cells) = row?;
            if blank(&cells) {
                continue;
            }
            f(Cells {
                header: Arc::clone(&header),
                row,
                cells,
                field_bytes: layout.field_bytes,
            });
        }
        Ok(())
    }
}

/// A CSV file as [`csv_parts`] gives it.
pub enum Part {
    /// A row among the first few, read with the header.
    Cells(Cells),
    /// Rows after those.
    Piece(Piece),
}

/// The rows of a CSV file's UTF-8 bytes (no byte-order mark), read as they are needed, under
/// its header (see [`grid_records`]): the first few as cells, the rest as pieces of whole rows
/// ([`Part::Piece`]) for other threads to parse.
pub fn csv_parts(
    path: &str,
    input: impl std::io::Read,
    required: &[&str],
    field_bytes: usize,
    mut f: impl FnMut(Part) -> Result<()>,
) -> Result<()> {
    let mut rows =
        crate::formats::delimited::Rows::new(path, input, |head| delimiter(head, required))?;
    let (header, head) = header_of(path, &mut rows, required)?;
    for (row, cells) in head {
        if !blank(&cells) {
            f(Part::Cells(Cells {
                header: Arc::clone(&header),
                row,
                cells,
                field_bytes,
            }))?;
        }
    }
    let layout = Arc::new(Layout {
        path: path.to_string(),
        header,
        delimiter: rows.delimiter(),
        field_bytes,
    });
    let mut pieces = rows.into_pieces();
    while let Some(bytes) = pieces.next_piece()? {
        f(Part::Piece(Piece {
            layout: Arc::clone(&layout),
            bytes,
        }))?;
    }
    Ok(())
}

/// The header row's position and its names, NFC.
fn find_header(
    path: &str,
    rows: &[(u64, RowCells)],
    required: &[&str],
) -> Result<(usize, Vec<String>)> {
    let found = rows.iter().position(|(_, cells)| {
        required
            .iter()
            .all(|r| cells.iter().any(|c| crate::text::clean(c) == *r))
    });
    let Some(at) = found else {
        let first = rows
            .iter()
            .find(|(_, c)| c.iter().any(|v| !v.trim().is_empty()))
            .map(|(_, c)| {
                c.iter()
                    .map(crate::text::clean)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|r| {
                !rows
                    .iter()
                    .any(|(_, c)| c.iter().any(|v| crate::text::clean(v) == *r))
            })
            .collect();
        return Err(IngestError::Format {
            path: std::path::PathBuf::from(path),
            message: format!(
                "không tìm thấy dòng tiêu đề có đủ các cột bắt buộc; thiếu cột “{}”; dòng đầu có: {first}",
                missing.join("”, “")
            ),
        });
    };
    Ok((at, rows[at].1.iter().map(crate::text::clean).collect()))
}

/// Records of a CSV file (see [`grid_records`]); row numbers are the file's line numbers.
pub fn csv_records(
    file: &ExtractFile,
    required: &[&str],
    field_bytes: usize,
) -> Result<Vec<RawRecord>> {
    let mut out = Vec::new();
    let bytes = file.text.as_bytes();
    csv_parts(&file.info.path, bytes, required, field_bytes, |part| {
        match part {
            Part::Cells(c) => out.push(c.into_record()),
            Part::Piece(p) => p.each(|c| out.push(c.into_record()))?,
        }
        Ok(())
    })?;
    Ok(out)
}

/// Field separators a spreadsheet program may write: Excel in the vi-VN locale writes `;`
/// (the comma is the decimal mark there), "Unicode text" is tab-separated, and some systems
/// export with `|`.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The separator under which a row among the first few names every `required` column: the
/// header decides, so a comma inside a title or a decimal does not. With no such row, the one
/// splitting some row into the most fields (the comma on a tie), so that the error names
/// the columns as the file has them.
fn delimiter(text: &str, required: &[&str]) -> u8 {
    let head = |d: u8| -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(d)
            .from_reader(text.as_bytes())
            .records()
            .take(HEADER_SEARCH_ROWS)
            .map_while(|r| r.ok())
            .map(|r| r.iter().map(str::to_string).collect())
            .collect()
    };
    let mut widest = (0, b',');
    for d in DELIMITERS {
        let rows = head(d);
        let names_all = rows.iter().any(|cells| {
            required
                .iter()
                .all(|r| cells.iter().any(|c| crate::text::clean(c) == *r))
        });
        if names_all && !required.is_empty() {
            return d;
        }
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        if width > widest.0 {
            widest = (width, d);
        }
    }
    widest.1
}

/// Records of one page of the one-stop API: `{"page", "pageSize", "totalPages",
/// "totalRecords", "data": [ {...}, … ]}`.
pub fn json_page_records(file: &ExtractFile, field_bytes: usize) -> Result<Vec<RawRecord>> {
    let path = || std::path::PathBuf::from(&file.info.path);
    let doc: serde_json::Value =
        serde_json::from_str(&file.text).map_err(|e| IngestError::Format {
            path: path(),
            message: format!("JSON không hợp lệ: {e}"),
        })?;
    let data = doc
        .get("data")
        .and_then(|d| d.as_array())
        .ok_or_else(|| IngestError::Format {
            path: path(),
            message: "không có mảng “data” của trang API".to_string(),
        })?;
    let mut out = Vec::with_capacity(data.len());
    for (i, item) in data.iter().enumerate() {
        let row = i as u64 + 1;
        let obj = item.as_object().ok_or_else(|| IngestError::Format {
            path: path(),
            message: format!("bản ghi {row} không phải đối tượng JSON"),
        })?;
        let fields = obj
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect();
        out.push(RawRecord::new(row, fields, field_bytes));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> ExtractFile {
        ExtractFile {
            info: crate::FileInfo {
                path: "t.csv".into(),
                sha256: String::new(),
                bytes: 0,
                rows: 0,
            },
            text: text.to_string(),
        }
    }

    fn lines(text: &str) -> Vec<u64> {
        csv_records(&file(text), &["A"], 1 << 16)
            .expect("records")
            .iter()
            .map(|r| r.row)
            .collect()
    }

    /// A set of codes is looked up as field names are: a code is found whole, not by a part.
    #[test]
    fn codes_are_found_in_a_set_of_names() {
        let codes = Names::new(["1.001193", "2.000815", "1.000894"].map(String::from));
        assert!(codes.contains("2.000815"));
        assert!(!codes.contains("2.000816"));
        assert!(!codes.contains("2.00081"));
        assert!(!codes.contains(""));
    }

    /// A name asked for by the same text in headers of other layouts, in turn, and by
    /// another text of the same letters at the same address, is found where each header has
    /// it: where it was found last is only ever a first guess.
    #[test]
    fn names_are_found_in_each_header_of_their_own() {
        let one = Names::new(["MaHoSo", "MaTTHC", "NgayCapNhat"].map(String::from));
        let two = Names::new(["NgayCapNhat", "X", "MaHoSo"].map(String::from));
        let three = Names::new(["Y", "MaTTHC"].map(String::from));
        for _ in 0..3 {
            assert_eq!(one.position("MaHoSo"), Some(0));
            assert_eq!(two.position("MaHoSo"), Some(2));
            assert_eq!(three.position("MaHoSo"), None);
            assert_eq!(one.position("NgayCapNhat"), Some(2));
            assert_eq!(two.position("NgayCapNhat"), Some(0));
            assert_eq!(three.position("MaTTHC"), Some(1));
            assert_eq!(one.position("MaTTHC"), Some(1));
        }
        // one buffer holding one name, then another of the same length, at one address
        let mut asked = String::from("MaTTHC");
        assert_eq!(one.position(&asked), Some(1));
        asked.replace_range(.., "MaHoSo");
        assert_eq!(one.position(&asked), Some(0));
        asked.replace_range(.., "ZZZZZZ");
        assert_eq!(one.position(&asked), None);
        // many other texts crowd the slots: every answer stays right
        let others: Vec<String> = (0..1000).map(|i| format!("code{i}")).collect();
        for (i, o) in others.iter().enumerate() {
            assert_eq!(one.position(o), None);
            if i % 7 == 0 {
                assert_eq!(two.position("X"), Some(1));
            }
        }
    }

    /// A field is found by its name whatever its length, a name it does not hold is not
    /// found, and of a name given twice the last column is the one read.
    #[test]
    fn fields_are_found_by_name() {
        let header = [
            "A",
            "Mã",
            "MaHoSo",
            "NgayCap",
            "NgayCapNhat",
            "HoSoCoThanhPhanSoHoa",
            "",
            "A",
            "DuocThanhToanTrucTuyen",
        ];
        let names = Arc::new(Names::new(header.iter().map(|s| s.to_string())));
        let values: Vec<String> = (0..header.len()).map(|i| format!("v{i}")).collect();
        let rec = RawRecord::from_values(2, names, values, 1 << 10);
        for (name, want) in [
            ("A", "v7"),
            ("Mã", "v1"),
            ("MaHoSo", "v2"),
            ("NgayCap", "v3"),
            ("NgayCapNhat", "v4"),
            ("HoSoCoThanhPhanSoHoa", "v5"),
            ("DuocThanhToanTrucTuyen", "v8"),
            ("", ""),
            ("B", ""),
            ("MaHoSX", ""),
            ("NgayCapNhaT", ""),
            ("HoSoCoThanhPhanSoHoX", ""),
            ("XoSoCoThanhPhanSoHoa", ""),
        ] {
            assert_eq!(rec.get(name), want, "{name}");
        }
    }

    #[test]
    fn the_header_line_decides_the_separator() {
        let read = |text: &str| {
            csv_records(&file(text), &["Mã", "Số tiền"], 1 << 16)
                .expect("records")
                .into_iter()
                .map(|r| (r.row, r.get("Mã").to_string(), r.get("Số tiền").to_string()))
                .collect::<Vec<_>>()
        };
        let expected = vec![
            (3, "A1".to_string(), "12,5".to_string()),
            (5, "B2\ndòng hai".to_string(), "7".to_string()),
        ];
        // a title with a comma above a semicolon header; decimals with a comma
        assert_eq!(
            read("Báo cáo, tháng 5\nMã;Số tiền\nA1;12,5\n\n\"B2\ndòng hai\";7\n"),
            expected
        );
        assert_eq!(
            read("Báo cáo, tháng 5\nMã\tSố tiền\nA1\t12,5\n\n\"B2\ndòng hai\"\t7\n"),
            expected
        );
        assert_eq!(
            read("Báo cáo, tháng 5\nMã|Số tiền\nA1|12,5\n\n\"B2\ndòng hai\"|7\n"),
            expected
        );
        assert_eq!(
            read("Báo cáo; tháng 5\nMã,Số tiền\nA1,\"12,5\"\n\n\"B2\ndòng hai\",7\n"),
            expected
        );
    }

    #[test]
    fn csv_rows_are_numbered_by_their_line_whatever_the_line_ends() {
        // header on line 1; the blank line 3 holds no record
        assert_eq!(lines("A,B\n1,2\n\n3,4\n"), [2, 4]);
        assert_eq!(lines("A,B\r\n1,2\r\n\r\n3,4\r\n"), [2, 4]);
        // a quoted field over two lines: the next record starts on line 4
        assert_eq!(lines("A,B\r\n\"x\r\ny\",2\r\n3,4"), [2, 4]);
    }
}
