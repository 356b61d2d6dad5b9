//! Rollups: what each ratio measure counts, per local day, unit and breakdown value, kept in
//! the lake table [`TABLE`] and brought up to date by every ingest run, in the run that
//! changes their sources ([`keep::update`]). A figure for any window is then a sum of kept
//! days instead of a scan of the raw tables.
//!
//! - an `event` measure keeps its day counts;
//! - an `as_of` measure keeps the changes of its states: each state `+` on its day and `−` on
//!   the day the key's next state replaces it, so the state at any period's end is a running
//!   sum;
//! - a `conditions` measure keeps the parts its catalogue entry declares (VH.1: dossiers
//!   finished per day, plus those open and overdue as spans); one without parts, or one
//!   counting distinct values, stays on the raw tables.
//!
//! Each measure's rows carry a marker (`loai = 'dinh_nghia'`) with the SHA-256 of its
//! definition and the versions of the raw tables they were computed from. A run recomputes,
//! for each measure whose raw tables it changed, only the days its rows fell on before and
//! after; a measure whose definition changed, or whose tables moved in a way the run cannot
//! account for, is recomputed whole. `chiso rollups rebuild` recomputes everything.

pub mod count;
pub mod index;
pub mod keep;
pub mod parts;

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Date32Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Date32Type, Field, Int64Type, Schema};
use arrow::record_batch::RecordBatch;
use sha2::{Digest, Sha256};
use tables::{MergeRule, TableSpec};

pub use index::{Entry, Series};
pub use keep::{rebuild, update};
pub use parts::{Part, Shape, parts};

use crate::{Catalogue, Measure, MetricsError, Result};

/// The lake table of kept counts.
pub const TABLE: &str = "indicator_rollups";

/// `loai` of a measure's marker row.
const MARKER: &str = "dinh_nghia";

/// Changes to how rows are kept that make every kept row stale.
const FORMAT: &str = "chiso-rollup-1";

/// The table's declaration.
pub fn spec() -> TableSpec {
    TableSpec {
        name: TABLE.to_string(),
        group: None,
        description: "Số đếm theo ngày của các chỉ tiêu, cập nhật khi nạp dữ liệu".to_string(),
        schema: Arc::new(Schema::new(vec![
            Field::new("chi_so", DataType::Utf8, false),
            Field::new("chieu", DataType::Utf8, false),
            Field::new("loai", DataType::Utf8, false),
            Field::new("ngay", DataType::Date32, true),
            Field::new("gia_tri", DataType::Utf8, true),
            Field::new("tu_so", DataType::Int64, false),
            Field::new("mau_so", DataType::Int64, false),
            Field::new("nguon", DataType::Utf8, true),
        ])),
        key: ["chi_so", "chieu", "loai", "ngay", "gia_tri"]
            .map(String::from)
            .to_vec(),
        merge: MergeRule::Upsert,
        unit_column: None,
    }
}

/// One measure's kept rows: its definition, the raw tables' versions they stand for, and
/// its entries per breakdown (`""`: the whole ward).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kept {
    pub definition: String,
    pub sources: BTreeMap<String, u64>,
    pub entries: BTreeMap<String, Vec<Entry>>,
}

/// Every measure's kept rows, by indicator id.
pub type Stored = BTreeMap<String, Kept>;

/// The definition of a measure as kept: what its figures depend on besides the data.
pub fn definition(catalogue: &Catalogue, m: &Measure, offset_seconds: i64) -> String {
    let view = catalogue
        .views
        .iter()
        .find(|v| v.name == m.source)
        .map(|v| v.sql.as_str());
    let text = serde_json::json!({
        "format": FORMAT,
        "source": m.source,
        "view": view,
        "filter": m.filter,
        "count": m.count,
        "denominator_sum": m.denominator_sum,
        "parts": parts(m),
        "breakdowns": m.breakdowns,
        "offset_seconds": offset_seconds,
    })
    .to_string();
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Reads the table's rows (as DataFusion returns them: text may come as views or
/// dictionaries).
pub fn from_batches(batches: &[RecordBatch]) -> Result<Stored> {
    let mut out = Stored::new();
    let schema = spec().schema;
    for b in batches {
        let mut cols = Vec::new();
        for f in schema.fields() {
            let c = b
                .column_by_name(f.name())
                .ok_or_else(|| MetricsError::Rollup(format!("{TABLE}: no column {}", f.name())))?;
            cols.push(
                arrow::compute::cast(c, f.data_type())
                    .map_err(|e| MetricsError::Rollup(format!("{TABLE}: {}: {e}", f.name())))?,
            );
        }
        let text = |i: usize| cols[i].as_string::<i32>();
        let (ids, dims, kinds, values, sources) = (text(0), text(1), text(2), text(4), text(7));
        let days = cols[3].as_primitive::<Date32Type>();
        let (nums, dens) = (
            cols[5].as_primitive::<Int64Type>(),
            cols[6].as_primitive::<Int64Type>(),
        );
        for r in 0..b.num_rows() {
            let kept = out.entry(ids.value(r).to_string()).or_default();
            let kind = kinds.value(r);
            if kind == MARKER {
                kept.definition = values.value(r).to_string();
                kept.sources = serde_json::from_str(sources.value(r))
                    .map_err(|e| MetricsError::Rollup(format!("{TABLE}: {e}")))?;
                continue;
            }
            let shape = Shape::of_id(kind)
                .ok_or_else(|| MetricsError::Rollup(format!("{TABLE}: loai “{kind}”")))?;
            kept.entries
                .entry(dims.value(r).to_string())
                .or_default()
                .push(Entry {
                    shape,
                    day: days.value(r) as i64,
                    value: (!values.is_null(r)).then(|| values.value(r).to_string()),
                    numerator: nums.value(r),
                    denominator: dens.value(r),
                });
        }
    }
    for kept in out.values_mut() {
        kept.normalise();
    }
    Ok(out)
}

impl Kept {
    /// Entries in one order whatever computed them, so that two keepings compare equal
    /// when they hold the same counts.
    pub fn normalise(&mut self) {
        for list in self.entries.values_mut() {
            list.sort_by(|a, b| (a.shape, &a.value, a.day).cmp(&(b.shape, &b.value, b.day)));
            // two parts of one shape counting on the same day and value make one row
            list.dedup_by(|later, kept| {
                let same =
                    (later.shape, &later.value, later.day) == (kept.shape, &kept.value, kept.day);
                if same {
                    kept.numerator += later.numerator;
                    kept.denominator += later.denominator;
                }
                same
            });
            list.retain(|e| e.numerator != 0 || e.denominator != 0);
        }
        self.entries.retain(|_, l| !l.is_empty());
    }
}

/// The table's rows, one measure's together (entries as [`Kept::normalise`] left them).
pub fn to_batch(stored: &Stored) -> Result<RecordBatch> {
    let mut rows = Rows::default();
    for (id, kept) in stored {
        rows.push(id, "", MARKER, None, Some(kept.definition.clone()), (0, 0));
        let sources = serde_json::to_string(&kept.sources)
            .map_err(|e| MetricsError::Rollup(e.to_string()))?;
        *rows.sources.last_mut().expect("just pushed") = Some(sources);
        for (dim, entries) in &kept.entries {
            for e in entries {
                let day = i32::try_from(e.day).ok();
                let counts = (e.numerator, e.denominator);
                rows.push(id, dim, e.shape.id(), day, e.value.clone(), counts);
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(rows.ids)),
        Arc::new(StringArray::from(rows.dims)),
        Arc::new(StringArray::from(rows.kinds)),
        Arc::new(Date32Array::from(rows.days)),
        Arc::new(StringArray::from(rows.values)),
        Arc::new(Int64Array::from(rows.nums)),
        Arc::new(Int64Array::from(rows.dens)),
        Arc::new(StringArray::from(rows.sources)),
    ];
    RecordBatch::try_new(spec().schema, columns).map_err(|e| MetricsError::Rollup(e.to_string()))
}

/// The table's columns being filled.
#[derive(Default)]
struct Rows {
    ids: Vec<String>,
    dims: Vec<String>,
    kinds: Vec<&'static str>,
    days: Vec<Option<i32>>,
    values: Vec<Option<String>>,
    nums: Vec<i64>,
    dens: Vec<i64>,
    sources: Vec<Option<String>>,
}

impl Rows {
    fn push(
        &mut self,
        id: &str,
        dim: &str,
        kind: &'static str,
        day: Option<i32>,
        value: Option<String>,
        (n, d): (i64, i64),
    ) {
        self.ids.push(id.to_string());
        self.dims.push(dim.to_string());
        self.kinds.push(kind);
        self.days.push(day);
        self.values.push(value);
        self.nums.push(n);
        self.dens.push(d);
        self.sources.push(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_rows_read_back_the_same() {
        let mut stored = Stored::new();
        stored.insert(
            "I.3".into(),
            Kept {
                definition: "abc".into(),
                sources: [("one_stop_dossiers".to_string(), 4)].into(),
                entries: [(
                    "khu_pho".to_string(),
                    vec![Entry {
                        shape: Shape::Changes,
                        day: 20_600,
                        value: Some("KP01".into()),
                        numerator: -1,
                        denominator: 2,
                    }],
                )]
                .into(),
            },
        );
        let b = to_batch(&stored).unwrap();
        assert_eq!(b.num_rows(), 2);
        assert_eq!(from_batches(&[b]).unwrap(), stored);
    }
}
