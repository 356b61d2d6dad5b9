//! Benchmark (not a test): the full indicator table — Phụ lục 1 and the operations figures,
//! each with its status and projection — for every month of the sample and for the ward and
//! each khu phố, over a lake made by `chiso sample --scale N` and `chiso ingest` (scale 37 is
//! about one million dossiers). Prints the wall time and the peak resident memory of the
//! tables alone; the sample and the ingest are timed apart.
//!
//! ```text
//! cargo bench --bench indicator_table -- --scale 37 --until 2026-10
//! ```

use std::path::Path;
use std::time::Instant;

mod common;

fn main() -> anyhow::Result<()> {
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
    let (tables, figures, months, slowest) = runtime.block_on(async {
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
        for m in &months {
            for u in &units {
                let t = ev.report(*m, u.as_deref()).await?;
                tables += 1;
                figures += t.indicators.len() + t.operations.len();
            }
        }
        anyhow::Ok((tables, figures, months.len(), slowest))
    })?;
    let seconds = started.elapsed().as_secs_f64();
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
    Ok(())
}
