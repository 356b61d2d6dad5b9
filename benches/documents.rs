//! Benchmark (not a test): the documents over a lake of about one million dossiers (`chiso
//! sample --scale 37`): the monthly report as PDF, the quarterly review as PDF with all its
//! charts, and the evidence annex of I.3 for a month. Each is made in a fresh process, so the
//! wall time and peak resident memory printed are its own.
//!
//! ```text
//! cargo bench --bench documents -- --scale 37 --until 2026-10
//! ```

use std::path::Path;
use std::time::Instant;

use dashboards::documents::evidence::AnnexSpec;
use dashboards::documents::produce::{self, ProduceRequest};
use dashboards::documents::report::{Format, ReportKind};

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
    for what in ["monthly", "quarterly", "annex"] {
        let out = std::process::Command::new(std::env::current_exe()?)
            .args(["--measure", &path.display().to_string()])
            .args(["--what", what, "--until", &until.to_string()])
            .status()?;
        anyhow::ensure!(out.success(), "measuring {what} failed");
    }
    Ok(())
}

/// Makes one document over the lake of the deployment at `config`.
fn measure(config: &Path) -> anyhow::Result<()> {
    let cfg = chiso::Config::load(config)?;
    let until: metrics::Period = common::arg("--until")
        .unwrap_or_else(|| "2026-10".to_string())
        .parse()?;
    let what = common::arg("--what").unwrap_or_else(|| "monthly".to_string());
    let out = tempfile::tempdir()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let date = until.last_day().succ_opt().unwrap_or(until.last_day());
    common::reset_peak();
    let started = Instant::now();
    let (label, bytes) = runtime.block_on(async {
        let lake = chiso::pipeline::open_lake(&cfg)?;
        let ev = chiso::indicators::evaluator(&cfg, &lake).await?;
        let site = chiso::site::site(&cfg);
        let reports = cfg
            .reports
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no [reports]"))?;
        let report = |kind, period| ProduceRequest {
            kind,
            period,
            unit: None,
            date,
            formats: vec![Format::Pdf],
            evidence: false,
        };
        let files = match what.as_str() {
            "monthly" => {
                produce::produce(
                    &ev,
                    &site,
                    reports,
                    &report(ReportKind::Monthly, until),
                    out.path(),
                )
                .await?
            }
            "quarterly" => {
                let q = metrics::Period::quarter_of(until.last_day());
                produce::produce(
                    &ev,
                    &site,
                    reports,
                    &report(ReportKind::Quarterly, q),
                    out.path(),
                )
                .await?
            }
            _ => {
                let spec = AnnexSpec {
                    ward: site.ward_name.clone(),
                    indicators: vec!["I.3".to_string()],
                    period: until,
                    unit: None,
                    date: Some(date),
                };
                vec![produce::write_annex(&ev, &spec, &out.path().join("i3.zip")).await?]
            }
        };
        let label = match what.as_str() {
            "monthly" => format!("monthly report {} (PDF)", until),
            "quarterly" => "quarterly review (PDF, all charts)".to_string(),
            _ => format!("I.3 evidence annex {until}"),
        };
        anyhow::Ok((label, files.iter().map(|f| f.bytes).sum::<u64>()))
    })?;
    println!(
        "documents: {label}: {:.1} s, {:.1} MiB written; peak memory {}",
        started.elapsed().as_secs_f64(),
        bytes as f64 / 1048576.0,
        common::peak_mib().map_or("unknown".to_string(), |p| format!("{p:.0} MiB"))
    );
    Ok(())
}
