//! Counting a measure's parts per day over a session.

use std::collections::{BTreeMap, HashMap};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;

use super::Entry;
use super::parts::{self, Part, Query, Shape};
use crate::catalogue::RollupPart;
use crate::measure::ColumnKind;
use crate::{Measure, MetricsError, Result};

/// One measure being counted per day.
pub(crate) struct Measured<'a> {
    pub id: &'a str,
    pub m: &'a Measure,
    pub parts: &'a [Part],
    pub offset: i64,
}

impl Measured<'_> {
    /// The entries of every breakdown (`""`: the whole ward) on `days`, or on every day: one
    /// scan per part at the finest grain, summed here into each breakdown.
    pub(crate) async fn entries(
        &self,
        ctx: &SessionContext,
        days: Option<&[i64]>,
    ) -> Result<BTreeMap<String, Vec<Entry>>> {
        let (dims, columns) = self.dimensions();
        let names: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
        self.summed(ctx, &columns, days, move |sums| entries_of(&names, sums))
            .await
    }

    /// The measure's breakdowns and the column of each, in the same order.
    fn dimensions(&self) -> (Vec<&str>, Vec<&str>) {
        self.m
            .breakdowns
            .iter()
            .map(|(d, c)| (d.as_str(), c.as_str()))
            .unzip()
    }

    /// The entries of one breakdown column (`None`: the whole ward).
    pub(crate) async fn dimension(
        &self,
        ctx: &SessionContext,
        column: Option<&str>,
        days: Option<&[i64]>,
    ) -> Result<Vec<Entry>> {
        let columns: Vec<&str> = column.into_iter().collect();
        self.summed(ctx, &columns, days, |sums| {
            let picked = sums
                .into_iter()
                .last()
                .expect("the whole ward's sums come first, always");
            picked.entries()
        })
        .await
    }

    /// The counts of every part on `days` (or every day), for the whole ward (first) and by
    /// each of `columns`, given to `finish`: a part gives its counts at the finest grain (tens
    /// of thousands of rows a year), summed with the values interned, off the runtime.
    async fn summed<T: Send + 'static>(
        &self,
        ctx: &SessionContext,
        columns: &[&str],
        days: Option<&[i64]>,
        finish: impl FnOnce(Vec<Interned>) -> T + Send + 'static,
    ) -> Result<T> {
        let mut batches = Vec::new();
        for part in self.parts {
            batches.push(
                self.batches(ctx, part, &self.m.source, columns, days)
                    .await?,
            );
        }
        let shapes: Vec<Shape> = self.parts.iter().map(Part::shape).collect();
        let k = columns.len();
        off_the_runtime(move || Ok(finish(sums_of(k, &shapes, &batches, 0)?)))
            .await
            .map_err(|e| self.query(e))
    }

    /// The days one part counts something on over `source`.
    pub(crate) async fn days(
        &self,
        ctx: &SessionContext,
        part: &Part,
        source: &str,
    ) -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for b in self.batches(ctx, part, source, &[], None).await? {
            let day = warehouse::columns::int64(b.column(0)).map_err(|e| self.query(e))?;
            out.extend(day.into_iter().flatten());
        }
        Ok(out)
    }

    /// One part's counts over `source` as the query gives them: the day, the values of
    /// `columns`, the numerator and the denominator.
    async fn batches(
        &self,
        ctx: &SessionContext,
        part: &Part,
        source: &str,
        columns: &[&str],
        days: Option<&[i64]>,
    ) -> Result<Vec<RecordBatch>> {
        let kinds = kinds(ctx, &self.m.source, part).await;
        let kind = |c: &str| kinds.get(c).copied().unwrap_or(ColumnKind::Instant);
        let sql = parts::sql(
            part,
            &Query {
                measure: self.m,
                source,
                values: columns,
                days,
                offset_seconds: self.offset,
            },
            &kind,
        );
        ctx.sql(&sql)
            .await
            .map_err(|e| self.query(e))?
            .collect()
            .await
            .map_err(|e| self.query(e))
    }

    pub(crate) fn query(&self, source: datafusion::error::DataFusionError) -> MetricsError {
        MetricsError::Query {
            indicator: self.id.to_string(),
            source,
        }
    }
}

/// Whether two measures are counted by the same scan ([`together`]): measures of one part
/// of day counts (an event measure, or one part of a measure of conditions given as a
/// measure of that part alone) over the same source, on the same day column, by the same
/// breakdowns.
pub(crate) fn same_scan(a: &Measured<'_>, b: &Measured<'_>) -> bool {
    let (Some((column_a, _, _)), Some((column_b, _, _))) = (a.day_counts(), b.day_counts()) else {
        return false;
    };
    column_a == column_b
        && a.m.source == b.m.source
        && a.m.breakdowns == b.m.breakdowns
        && a.offset == b.offset
}

impl Measured<'_> {
    /// The day column, numerator and denominator of a measure of one part of day counts.
    fn day_counts(&self) -> Option<(&str, &str, &str)> {
        match self.parts {
            [
                Part::Counted(RollupPart::Days {
                    column,
                    numerator,
                    denominator,
                }),
            ] => Some((column, numerator, denominator)),
            _ => None,
        }
    }
}

/// The entries of every day of measures that share a scan ([`same_scan`]), in their order,
/// from one query: a scan and a grouping for them all instead of one each.
pub(crate) async fn together(
    ctx: &SessionContext,
    members: &[Measured<'_>],
) -> Result<Vec<BTreeMap<String, Vec<Entry>>>> {
    let Some(first) = members.first() else {
        return Ok(Vec::new());
    };
    let Some((column, _, _)) = first.day_counts() else {
        return Err(MetricsError::Rollup(format!(
            "{}: only day counts share a scan",
            first.id
        )));
    };
    let mut aggregates = Vec::new();
    for one in members {
        match one.day_counts() {
            Some((_, numerator, denominator)) if same_scan(first, one) => {
                aggregates.push(one.m.aggregates_of(numerator, denominator));
            }
            _ => {
                return Err(MetricsError::Rollup(format!(
                    "{} and {} do not share a scan",
                    first.id, one.id
                )));
            }
        }
    }
    let (dims, columns) = first.dimensions();
    let kinds = kinds(ctx, &first.m.source, &first.parts[0]).await;
    let kind = |c: &str| kinds.get(c).copied().unwrap_or(ColumnKind::Instant);
    let query = Query {
        measure: first.m,
        source: &first.m.source,
        values: &columns,
        days: None,
        offset_seconds: first.offset,
    };
    let sql = parts::days_sql(column, &aggregates, &query, &kind);
    let batches = ctx
        .sql(&sql)
        .await
        .map_err(|e| first.query(e))?
        .collect()
        .await
        .map_err(|e| first.query(e))?;
    let names: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    let n = members.len();
    off_the_runtime(move || {
        (0..n)
            .map(|j| {
                let sums = sums_of(
                    names.len(),
                    &[Shape::Days],
                    std::slice::from_ref(&batches),
                    j,
                )?;
                Ok(entries_of(&names, sums))
            })
            .collect()
    })
    .await
    .map_err(|e| first.query(e))
}

/// Runs `f` (summing a query's rows, tens of milliseconds of one core) on a thread of its
/// own: on the thread polling the counting, it held up the planning and the start of the
/// next query while the runtime's workers waited.
async fn off_the_runtime<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, datafusion::error::DataFusionError> + Send + 'static,
) -> std::result::Result<T, datafusion::error::DataFusionError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(done) => done,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(datafusion::error::DataFusionError::External(Box::new(e))),
    }
}

/// The sums of each part's rows (`batches[i]` of `shapes[i]`), for the whole ward (first)
/// and each of `k` breakdowns, read as the `measure`-th counts.
fn sums_of(
    k: usize,
    shapes: &[Shape],
    batches: &[Vec<RecordBatch>],
    measure: usize,
) -> std::result::Result<Vec<Interned>, datafusion::error::DataFusionError> {
    let mut sums: Vec<Interned> = (0..=k).map(|_| Interned::default()).collect();
    for (shape, batches) in shapes.iter().zip(batches) {
        add_rows(&mut sums, *shape, batches, measure)?;
    }
    Ok(sums)
}

/// Adds a part's rows (`_ngay`, a value per breakdown, then a numerator and a denominator
/// for each measure counted) to `sums`: the whole ward's first, then one per breakdown. The
/// counts read are the `measure`-th pair.
fn add_rows(
    sums: &mut [Interned],
    shape: Shape,
    batches: &[RecordBatch],
    measure: usize,
) -> std::result::Result<(), datafusion::error::DataFusionError> {
    let k = sums.len() - 1;
    for b in batches {
        let day = warehouse::columns::int64(b.column(0))?;
        let values = (1..=k)
            .map(|i| arrow::compute::cast(b.column(i), &DataType::Utf8))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let num = warehouse::columns::int64(b.column(k + 1 + 2 * measure))?;
        let den = warehouse::columns::int64(b.column(k + 2 + 2 * measure))?;
        for r in 0..b.num_rows() {
            let Some(d) = day[r] else { continue };
            let counts = (num[r].unwrap_or(0), den[r].unwrap_or(0));
            sums[0].add(shape, d, None, counts);
            for (i, v) in values.iter().enumerate() {
                let v = v.as_string::<i32>();
                let value = (!v.is_null(r)).then(|| v.value(r));
                sums[i + 1].add(shape, d, value, counts);
            }
        }
    }
    Ok(())
}

/// Each breakdown's entries (`""`: the whole ward, first), leaving out those with none.
fn entries_of(dims: &[String], sums: Vec<Interned>) -> BTreeMap<String, Vec<Entry>> {
    let names = std::iter::once("").chain(dims.iter().map(String::as_str));
    names
        .zip(sums)
        .map(|(dim, sums)| (dim.to_string(), sums.entries()))
        .filter(|(_, list)| !list.is_empty())
        .collect()
}

/// One breakdown's counts by shape, day and value, each value kept once.
#[derive(Default)]
struct Interned {
    /// Value → its number; `None` (no value) is 0.
    ids: HashMap<String, u32, Fast>,
    values: Vec<Option<String>>,
    sums: HashMap<(Shape, i64, u32), (i64, i64), Fast>,
}

/// A hasher for the counts' own keys, which no one outside chooses: the default hasher's
/// resistance to chosen keys made a third of the summing.
type Fast = foldhash::fast::FixedState;

impl Interned {
    fn add(&mut self, shape: Shape, day: i64, value: Option<&str>, (n, d): (i64, i64)) {
        if self.values.is_empty() {
            self.values.push(None);
        }
        let id = match value {
            None => 0,
            Some(v) => match self.ids.get(v) {
                Some(id) => *id,
                None => {
                    let id = self.values.len() as u32;
                    self.ids.insert(v.to_string(), id);
                    self.values.push(Some(v.to_string()));
                    id
                }
            },
        };
        let e = self.sums.entry((shape, day, id)).or_default();
        e.0 += n;
        e.1 += d;
    }

    /// The entries of the summed counts, in the order [`super::Kept::normalise`] keeps
    /// them (by shape, value, day: sorting them again there finds them in order); a day
    /// whose counts cancel out holds nothing.
    fn entries(self) -> Vec<Entry> {
        let values = self.values;
        // each value's place among the values in order: entries sort on numbers, not texts
        let mut order: Vec<u32> = (0..values.len() as u32).collect();
        order.sort_by(|a, b| values[*a as usize].cmp(&values[*b as usize]));
        let mut rank = vec![0u32; values.len()];
        for (r, id) in order.into_iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        let mut kept: Vec<_> = self
            .sums
            .into_iter()
            .filter(|(_, (n, d))| *n != 0 || *d != 0)
            .collect();
        kept.sort_unstable_by_key(|((shape, day, id), _)| (*shape, rank[*id as usize], *day));
        kept.into_iter()
            .map(|((shape, day, id), (numerator, denominator))| Entry {
                shape,
                day,
                value: values[id as usize].clone(),
                numerator,
                denominator,
            })
            .collect()
    }
}

/// How each date column of a part is read.
pub(crate) async fn kinds(
    ctx: &SessionContext,
    source: &str,
    part: &Part,
) -> BTreeMap<String, ColumnKind> {
    let mut out = BTreeMap::new();
    for c in part.date_columns() {
        if let Some(k) = crate::measure::kind_of(ctx, source, c).await {
            out.insert(c.to_string(), k);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{BooleanArray, Int32Array, StringArray, TimestampMicrosecondArray};
    use arrow::datatypes::{Field, Schema, TimeUnit};
    use datafusion::datasource::MemTable;

    use super::*;
    use crate::PeriodRule;
    use crate::catalogue::Basis;

    fn event(column: &str, filter: Option<&str>, numerator: &str) -> Measure {
        Measure {
            source: "ho_so".into(),
            basis: Basis::Event {
                column: column.into(),
            },
            filter: filter.map(str::to_string),
            numerator: numerator.into(),
            denominator: "TRUE".into(),
            count: None,
            denominator_sum: None,
            period_rule: PeriodRule::Calendar,
            breakdowns: [("khu_pho", "kp"), ("kenh", "kenh")]
                .map(|(d, c)| (d.to_string(), c.to_string()))
                .into(),
            numerator_vi: String::new(),
            denominator_vi: String::new(),
            filter_vi: None,
            period_rule_vi: String::new(),
            rollup: Vec::new(),
        }
    }

    /// Dossiers over three days around a local midnight, two khu phố (one row without),
    /// two channels.
    fn session() -> SessionContext {
        let hour = 3_600_000_000i64;
        let at: Vec<i64> = (0..40)
            .map(|i| 1_780_000_000_000_000 + i * 2 * hour)
            .collect();
        let done: Vec<Option<i64>> = at
            .iter()
            .enumerate()
            .map(|(i, t)| (i % 3 != 0).then_some(t + 30 * hour))
            .collect();
        let schema = Arc::new(Schema::new(vec![
            Field::new(
                "tiep_nhan",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                false,
            ),
            Field::new(
                "xong",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                true,
            ),
            Field::new("kp", DataType::Utf8, true),
            Field::new("kenh", DataType::Int32, false),
            Field::new("so_hoa", DataType::Boolean, false),
        ]));
        let n = at.len();
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(TimestampMicrosecondArray::from(at).with_timezone("UTC")),
                Arc::new(TimestampMicrosecondArray::from(done).with_timezone("UTC")),
                Arc::new(StringArray::from_iter((0..n).map(|i| match i % 5 {
                    0 => None,
                    r => Some(format!("KP0{}", r % 2 + 1)),
                }))),
                Arc::new(Int32Array::from_iter_values(
                    (0..n).map(|i| 1 + (i % 2) as i32),
                )),
                Arc::new(BooleanArray::from_iter((0..n).map(|i| Some(i % 4 == 0)))),
            ],
        )
        .unwrap();
        let ctx = SessionContext::new();
        let table = MemTable::try_new(schema, vec![vec![batch]]).unwrap();
        ctx.register_table("ho_so", Arc::new(table)).unwrap();
        ctx
    }

    #[tokio::test]
    async fn measures_sharing_a_scan_count_what_each_counts_alone() {
        let ctx = session();
        let measures = [
            event("tiep_nhan", None, "kenh = 2"),
            event("tiep_nhan", None, "so_hoa"),
            event("tiep_nhan", Some("kenh = 1"), "so_hoa OR kp = 'KP01'"),
        ];
        let parts: Vec<Vec<Part>> = measures.iter().map(|m| parts::parts(m).unwrap()).collect();
        let ids = ["a", "b", "c"];
        let offset = 7 * 3600;
        let members: Vec<Measured> = (0..3)
            .map(|i| Measured {
                id: ids[i],
                m: &measures[i],
                parts: &parts[i],
                offset,
            })
            .collect();
        assert!(same_scan(&members[0], &members[2]));
        let shared = together(&ctx, &members).await.unwrap();
        assert_eq!(shared.len(), 3);
        for (one, entries) in members.iter().zip(&shared) {
            let alone = one.entries(&ctx, None).await.unwrap();
            assert_eq!(entries, &alone, "{}", one.id);
            assert_eq!(
                alone.keys().collect::<Vec<_>>(),
                ["", "kenh", "khu_pho"],
                "{}",
                one.id
            );
        }
        assert_ne!(shared[0], shared[1], "each measure its own counts");

        // another day column, or other breakdowns, is another scan
        let finished = event("xong", None, "so_hoa");
        let finished_parts = parts::parts(&finished).unwrap();
        let other = Measured {
            id: "d",
            m: &finished,
            parts: &finished_parts,
            offset,
        };
        assert!(!same_scan(&members[0], &other));
        let mut by_kp = event("tiep_nhan", None, "so_hoa");
        by_kp.breakdowns.remove("kenh");
        let by_kp_parts = parts::parts(&by_kp).unwrap();
        let fewer = Measured {
            id: "e",
            m: &by_kp,
            parts: &by_kp_parts,
            offset,
        };
        assert!(!same_scan(&members[0], &fewer));
        let first = Measured {
            id: "a",
            m: &measures[0],
            parts: &parts[0],
            offset,
        };
        assert!(together(&ctx, &[first, other]).await.is_err());

        // a measure of conditions: its part of day counts shares the scan of the event
        // measures on that column, and counts there what it counts alone
        let mut conditions = event("tiep_nhan", Some("kp IS NOT NULL"), "FALSE");
        conditions.basis = Basis::Conditions;
        conditions.rollup = vec![
            RollupPart::Days {
                column: "tiep_nhan".into(),
                numerator: "so_hoa".into(),
                denominator: "TRUE".into(),
            },
            RollupPart::Spans {
                from: vec!["tiep_nhan".into()],
                until: "xong".into(),
                numerator: "FALSE".into(),
                denominator: "TRUE".into(),
            },
        ];
        let conditions_parts = parts::parts(&conditions).unwrap();
        let part = |k: usize| Measured {
            id: "f",
            m: &conditions,
            parts: &conditions_parts[k..=k],
            offset,
        };
        assert!(same_scan(&members[0], &part(0)));
        assert!(!same_scan(&members[0], &part(1)));
        let first = Measured {
            id: "a",
            m: &measures[0],
            parts: &parts[0],
            offset,
        };
        let shared = together(&ctx, &[first, part(0)]).await.unwrap();
        assert_eq!(shared[1], part(0).entries(&ctx, None).await.unwrap());
        assert_ne!(shared[1], shared[0]);
        assert!(!shared[1].is_empty());
    }
}
