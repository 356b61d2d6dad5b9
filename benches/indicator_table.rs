//! Benchmark (not a test): the full indicator table — Phụ lục 1 and the operations figures,
//! each with its status and projection — for every month of the sample and for the ward and
//! each khu phố, over a lake made by `chiso sample --scale N` and `chiso ingest` (scale 37 is
//! about one million dossiers). Prints the wall time and the peak resident memory of the
//! tables alone; the sample and the ingest are timed apart.
//!
//! Then the same numerators and denominators from DuckDB (PyPI, installed here if missing)
//! over the Parquet files of the same lake snapshot, with the catalogue's own conditions: one
//! query per measure for every month at once, a range join of the months for as-of measures,
//! grouped for the ward and per khu phố. It checks that both engines give the same figures and
//! prints both times and their ratio.
//!
//! ```text
//! cargo bench --bench indicator_table -- --scale 37 --until 2026-10
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use chrono::TimeZone;
use metrics::{Basis, Measure, Period, PeriodRule};

mod common;

fn main() -> anyhow::Result<()> {
    if common::ingest_if_asked()? {
        return Ok(());
    }
    if let Some(config) = common::arg("--measure") {
        return measure(Path::new(&config));
    }
    let scale: f64 = common::arg("--scale").map_or(Ok(37.0), |s| s.parse())?;
    let until: metrics::Period = common::arg("--until")
        .unwrap_or_else(|| "2026-10".to_string())
        .parse()?;
    let dir = tempfile::tempdir()?;
    let path = common::sample_lake(dir.path(), scale, until)?;

    // the tables are measured in a fresh process: memory the ingest left behind is not theirs
    let out = std::process::Command::new(std::env::current_exe()?)
        .args([
            "--measure",
            &path.display().to_string(),
            "--until",
            &until.to_string(),
        ])
        .status()?;
    anyhow::ensure!(out.success(), "the measuring run failed");
    Ok(())
}

/// Every month's table for the ward and each khu phố, over the lake of the deployment at
/// `config`: first each indicator alone, cold, then the whole set.
fn measure(config: &Path) -> anyhow::Result<()> {
    let cfg = chiso::Config::load(config)?;
    let until: metrics::Period = common::arg("--until")
        .unwrap_or_else(|| "2026-10".to_string())
        .parse()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let lake = chiso::pipeline::open_lake(&cfg)?;
    common::reset_peak();
    let started = Instant::now();
    let (tables, figures, months, slowest, ours, job) = runtime.block_on(async {
        let ev = chiso::indicators::evaluator(&cfg, &lake).await?;
        let months: Vec<metrics::Period> = {
            let mut out = Vec::new();
            let mut m = metrics::Period::Month {
                year: 2025,
                month: 7,
            };
            while m <= until {
                out.push(m);
                m = metrics::Period::month_of(m.last_day().succ_opt().unwrap_or(m.last_day()));
            }
            out
        };
        // each indicator's first figure, for the ward, with its trend: what a cold cache costs
        let cat = ev.catalogue().clone();
        let mut slowest = Vec::new();
        for ind in cat.indicators.iter().chain(&cat.operations) {
            let t = Instant::now();
            ev.value(&ind.id, until, None).await?;
            slowest.push((t.elapsed().as_secs_f64(), ind.id.clone()));
        }
        slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
        let units: Vec<Option<String>> = std::iter::once(None)
            .chain(cfg.ward.units.iter().map(|u| Some(u.code.clone())))
            .collect();
        let (mut tables, mut figures) = (0, 0);
        let mut ours = Figures::new();
        for m in &months {
            for u in &units {
                let t = ev.report(*m, u.as_deref()).await?;
                tables += 1;
                figures += t.indicators.len() + t.operations.len();
                for r in t.indicators.iter().chain(&t.operations) {
                    if let (Some(n), Some(d)) = (r.figure.numerator, r.figure.denominator) {
                        ours.insert((r.id.clone(), m.to_string(), u.clone()), (n, d));
                    }
                }
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        let job = duckdb_job(&ev, &lake, &months).await?;
        anyhow::Ok((tables, figures, months.len(), slowest, (ours, seconds), job))
    })?;
    let (ours, seconds) = ours;
    println!(
        "indicator_table: {tables} tables ({months} months × ward and {} khu phố), {figures} \
         figures with status and projection, in {seconds:.1} s ({:.0} ms a table); peak memory {}",
        cfg.ward.units.len(),
        seconds * 1000.0 / tables as f64,
        common::peak_mib().map_or("unknown".to_string(), |p| format!("{p:.0} MiB"))
    );
    let top: Vec<String> = slowest
        .iter()
        .take(5)
        .map(|(s, id)| format!("{id} {s:.2} s"))
        .collect();
    println!("  slowest first figures: {}", top.join(", "));

    common::duckdb::ensure()?;
    let out = common::duckdb::run("indicator_table.py", &job)?;
    let theirs = duckdb_figures(&out, &cfg);
    let mut compared = 0;
    let mut differ = Vec::new();
    for (key, mine) in &ours {
        // a source DuckDB was not asked about (a milestone row) is not compared
        if !job["queries"]
            .as_array()
            .is_some_and(|q| q.iter().any(|q| q["id"] == key.0.as_str()))
        {
            continue;
        }
        compared += 1;
        let other = theirs.get(key).copied().unwrap_or((0, 0));
        if other != *mine {
            differ.push(format!("{key:?}: chiso {mine:?}, duckdb {other:?}"));
        }
    }
    let duck = out["seconds"].as_f64().unwrap_or(f64::NAN);
    println!(
        "duckdb {}: the same {compared} numerators and denominators in {duck:.1} s; peak memory {:.0} MiB",
        common::duckdb::VERSION,
        out["peak_mib"].as_f64().unwrap_or(f64::NAN)
    );
    println!(
        "ratio: chiso takes {:.2} × DuckDB's time (goal ≤ 0,5)",
        seconds / duck
    );
    anyhow::ensure!(
        differ.is_empty(),
        "{} figures differ, first: {}",
        differ.len(),
        differ
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    );
    Ok(())
}

/// Numerator and denominator by indicator, month and khu phố (`None`: the ward).
type Figures = BTreeMap<(String, String, Option<String>), (u64, u64)>;

/// DuckDB's rows as figures, for the configured khu phố.
fn duckdb_figures(out: &serde_json::Value, cfg: &chiso::Config) -> Figures {
    let mut f = Figures::new();
    let Some(results) = out["results"].as_object() else {
        return f;
    };
    for (id, rows) in results {
        for r in rows.as_array().into_iter().flatten() {
            let period = r[0].as_str().unwrap_or_default().to_string();
            let whole = r[2].as_i64() == Some(1);
            let unit = r[1].as_str().map(str::to_string);
            if !whole
                && !cfg
                    .ward
                    .units
                    .iter()
                    .any(|u| Some(&u.code) == unit.as_ref())
            {
                continue;
            }
            let n = r[3].as_u64().unwrap_or(0);
            let d = r[4].as_u64().unwrap_or(0);
            f.insert(
                (id.clone(), period, if whole { None } else { unit }),
                (n, d),
            );
        }
    }
    f
}

/// What DuckDB is given: the files of the snapshot the evaluator reads, the catalogue's views,
/// each month's window under each rule, and a query per measure.
async fn duckdb_job(
    ev: &metrics::Evaluator,
    lake: &warehouse::Lake,
    months: &[Period],
) -> anyhow::Result<serde_json::Value> {
    let at = match ev.lake_version() {
        Some(v) => metrics::AsOf::Version(v),
        None => metrics::AsOf::Latest,
    };
    let mut tables = serde_json::Map::new();
    for (name, uris) in lake.files_as_of(at).await? {
        let paths: Vec<String> = uris
            .iter()
            .filter_map(|u| match url::Url::parse(u) {
                Ok(url) => url.to_file_path().ok().map(|p| p.display().to_string()),
                Err(_) => Some(u.clone()),
            })
            .collect();
        if !paths.is_empty() {
            tables.insert(name, paths.into());
        }
    }
    let tz = ev.timezone();
    let instant = |d: chrono::NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| {
                t.with_timezone(&chrono::Utc)
                    .format("%Y-%m-%d %H:%M:%S+00")
                    .to_string()
            })
    };
    let mut windows = Vec::new();
    for rule in [PeriodRule::Calendar, PeriodRule::Nd09] {
        for m in months {
            let w = m.window(rule);
            windows.push(serde_json::json!([
                rule_id(rule),
                m.to_string(),
                instant(w.from),
                instant(w.to.succ_opt().unwrap_or(w.to)),
                w.from.to_string(),
                w.to.to_string(),
            ]));
        }
    }
    let cat = ev.catalogue();
    let views: Vec<serde_json::Value> = cat
        .views
        .iter()
        .filter(|v| ev.session().table_exist(v.name.as_str()).unwrap_or(false))
        .map(|v| serde_json::json!({"name": v.name, "sql": v.sql}))
        .collect();
    let mut queries = Vec::new();
    for ind in cat.indicators.iter().chain(&cat.operations) {
        let Some(m) = &ind.measure else { continue };
        let Ok(df) = ev.session().table(m.source.as_str()).await else {
            continue;
        };
        let dates: Vec<String> = df
            .schema()
            .fields()
            .iter()
            .filter(|f| matches!(f.data_type(), arrow::datatypes::DataType::Date32))
            .map(|f| f.name().clone())
            .collect();
        queries.push(serde_json::json!({
            "id": ind.id,
            "sql": duckdb_sql(m, &dates),
        }));
    }
    Ok(serde_json::json!({
        "threads": std::thread::available_parallelism().map_or(2, |n| n.get()),
        "tables": tables,
        "views": views,
        "windows": windows,
        "queries": queries,
    }))
}

fn rule_id(rule: PeriodRule) -> &'static str {
    match rule {
        PeriodRule::Calendar => "calendar",
        PeriodRule::Nd09 => "nd09",
    }
}

/// A measure's numerator and denominator for every window at once, for the ward and per khu
/// phố, written for DuckDB from the catalogue's conditions. `dates` are the source's date
/// columns (the others are instants).
fn duckdb_sql(m: &Measure, dates: &[String]) -> String {
    let fill = |c: &str| {
        c.replace("{start}", "w.w_start")
            .replace("{end}", "w.w_end")
            .replace("{first_day}", "w.w_first")
            .replace("{last_day}", "w.w_last")
    };
    let scope = m
        .filter
        .as_deref()
        .map(|f| format!("({}) AND ", fill(f)))
        .unwrap_or_default();
    let den = format!("{scope}({})", fill(&m.denominator));
    let num = format!("{den} AND ({})", fill(&m.numerator));
    let count = m.count.as_deref().unwrap_or("rows");
    let agg = |cond: &str, summed: Option<&str>| {
        if let Some(c) = count.strip_prefix("distinct:") {
            format!("count(DISTINCT CASE WHEN {cond} THEN {} END)", c.trim())
        } else if let Some(c) = count.strip_prefix("sum:") {
            format!(
                "coalesce(sum(CASE WHEN {cond} THEN CAST({} AS BIGINT) END), 0)",
                summed.unwrap_or(c.trim())
            )
        } else {
            format!("count(CASE WHEN {cond} THEN 1 END)")
        }
    };
    let is_date = |c: &str| dates.iter().any(|d| d == c);
    let src = &m.source;
    let (from, on) = match &m.basis {
        // a column may be an expression over the source's columns: left unqualified
        Basis::Event { column: c } if is_date(c) || c.starts_with("to_date(") => {
            (src.clone(), format!("{c} BETWEEN w.w_first AND w.w_last"))
        }
        Basis::Event { column: c } => (src.clone(), format!("{c} >= w.w_start AND {c} < w.w_end")),
        Basis::AsOf { column: c, key } => {
            let from = format!(
                "(SELECT *, lead({c}) OVER (PARTITION BY {} ORDER BY {c}) AS _next FROM {src}                  WHERE {c} IS NOT NULL)",
                key.join(", ")
            );
            let on = if is_date(c) {
                format!("s.{c} <= w.w_last AND (s._next IS NULL OR s._next > w.w_last)")
            } else {
                format!("s.{c} < w.w_end AND (s._next IS NULL OR s._next >= w.w_end)")
            };
            (from, on)
        }
        Basis::Current | Basis::Conditions => (src.clone(), "TRUE".to_string()),
    };
    let rule = rule_id(m.period_rule);
    let (unit, group) = match m.column("khu_pho") {
        Some(u) => (
            format!("CAST(s.{u} AS VARCHAR) AS unit, GROUPING(s.{u}) AS whole"),
            format!("GROUPING SETS ((w.period), (w.period, s.{u}))"),
        ),
        None => (
            "NULL AS unit, 1 AS whole".to_string(),
            "w.period".to_string(),
        ),
    };
    format!(
        "SELECT w.period, {unit}, {}, {} FROM {from} s JOIN windows w ON w.rule = '{rule}' AND {on}          GROUP BY {group}",
        agg(&num, None),
        agg(&den, m.denominator_sum.as_deref()),
    )
}
