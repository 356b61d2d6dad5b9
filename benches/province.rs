//! Benchmark (not a test): a province. `chiso sample --wards N` writes N distinct wards
//! (scale 1, 22 months: about 30,000 dossiers each, 3 million for 100), each ward is ingested
//! into its own prefix of one bucket on a local S3 server (`moto_server`, started here), and
//! the province's table — every ward's figures side by side and the province's sums — is
//! computed for one month and for a year, each in a fresh process: wall time and peak
//! resident memory. `--store local` puts the wards' lakes on the local disk instead;
//! `--cluster standalone` (a build with the `cluster` feature) computes the same tables again
//! on a Ballista scheduler and executor inside the measuring process.
//!
//! ```text
//! cargo bench --bench province --features cluster -- --wards 100 --until 2026-10 --cluster standalone
//! ```

use std::path::Path;
use std::time::Instant;

use metrics::{AsOf, Period};

mod common;
#[path = "../tests/it/s3_server.rs"]
mod s3_server;

fn main() -> anyhow::Result<()> {
    if let Some(config) = common::arg("--measure") {
        return measure(Path::new(&config));
    }
    let wards: usize = common::arg("--wards").map_or(Ok(100), |s| s.parse())?;
    let scale: f64 = common::arg("--scale").map_or(Ok(1.0), |s| s.parse())?;
    let until: Period = common::arg("--until")
        .unwrap_or_else(|| "2026-10".to_string())
        .parse()?;
    let Period::Month { year, month } = until else {
        anyhow::bail!("--until takes a month, like 2026-10");
    };
    let on_s3 = common::arg("--store").as_deref() != Some("local");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let dir = tempfile::tempdir()?;
    let s3 = on_s3.then(s3_server::S3Server::start);
    let options = match &s3 {
        Some(s3) => {
            runtime.block_on(s3.bucket("tinh"));
            s3.options()
                .iter()
                .map(|(k, v)| format!("{k} = \"{v}\""))
                .collect::<Vec<_>>()
                .join(", ")
        }
        None => String::new(),
    };
    let base = common::repository_deployment(dir.path(), &options)?;
    let cfg = chiso::Config::load(&base)?;
    let out = dir.path().join("tinh");

    let started = Instant::now();
    let lake_root = on_s3.then_some("s3://tinh/phuong");
    let files =
        chiso::province::write_wards(&cfg, &base, &out, wards, 1, scale, (year, month), lake_root)?;
    let dossiers: usize = files.iter().map(|(_, m)| m.dossier_count).sum();
    println!(
        "sample: {wards} wards, {dossiers} dossiers up to {} in {:.1} s",
        until.label_vi(),
        started.elapsed().as_secs_f64()
    );

    // every ward's run in this process, one after another, as each ward's scheduler would
    chiso::memory::few_arenas();
    let key = ingest::Pseudonymiser::new(b"benchmark-key-0123456789".to_vec())?;
    common::reset_peak();
    let started = Instant::now();
    let mut rows = 0;
    for (file, _) in &files {
        let ward = chiso::Config::load(file)?;
        let lake = chiso::pipeline::open_lake(&ward)?;
        let reports = runtime.block_on(chiso::pipeline::ingest(&ward, &lake, None, &key))?;
        rows += reports.iter().map(|r| r.counts.accepted).sum::<u64>();
    }
    println!(
        "ingest: {rows} rows of {wards} wards into {} in {:.1} s; peak memory {}",
        if on_s3 {
            "S3 (moto_server)"
        } else {
            "the local disk"
        },
        started.elapsed().as_secs_f64(),
        common::peak_mib().map_or("unknown".into(), |p| format!("{p:.0} MiB"))
    );

    let province = out.join("pipelines.toml");
    let (month, whole_year) = (until.to_string(), year.to_string());
    let runs: [&[&str]; 3] = [
        &["--period", &month, "--open-only", "yes"],
        &["--period", &month],
        &["--period", &whole_year],
    ];
    // in this process, then on the cluster when one is named
    let engines: Vec<Vec<String>> = std::iter::once(Vec::new())
        .chain(common::arg("--cluster").map(|url| vec!["--cluster".to_string(), url]))
        .collect();
    for engine in &engines {
        for args in runs {
            let status = std::process::Command::new(std::env::current_exe()?)
                .args(["--measure", &province.display().to_string()])
                .args(args)
                .args(engine)
                .status()?;
            anyhow::ensure!(status.success(), "measuring {args:?} {engine:?} failed");
        }
    }
    drop(s3);
    Ok(())
}

/// The province's table for `--period`, in this fresh process: wall time and peak memory.
fn measure(config: &Path) -> anyhow::Result<()> {
    let mut cfg = chiso::Config::load(config)?;
    if let Some(url) = common::arg("--cluster") {
        cfg.use_cluster(&url)?;
    }
    let on = cfg.engine.describe().to_string();
    let period: Period = common::arg("--period")
        .ok_or_else(|| anyhow::anyhow!("--period"))?
        .parse()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if common::arg("--open-only").is_some() {
        // what one lake per ward costs: every ward's log read and its tables registered,
        // no figure computed
        let wards = chiso::province::ward_lakes(&cfg)?;
        let started = Instant::now();
        let mut tables = 0;
        for w in &wards {
            tables += runtime
                .block_on(w.lake.figures_as_of(AsOf::Latest))?
                .tables
                .len();
        }
        println!(
            "opening {} wards' snapshots ({tables} tables) [{on}]: {:.2} s",
            wards.len(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    common::reset_peak();
    let started = Instant::now();
    let rows = runtime.block_on(chiso::province::table(&cfg, period, AsOf::Latest))?;
    let seconds = started.elapsed().as_secs_f64();
    let i3 = rows.iter().find(|r| r.id == "I.3");
    println!(
        "province table {} [{on}]: {} indicators × {} wards in {seconds:.2} s; peak memory {}; I.3 {} ({} / {})",
        period.label_vi(),
        rows.len(),
        rows.first().map_or(0, |r| r.wards.len()),
        common::peak_mib().map_or("unknown".into(), |p| format!("{p:.0} MiB")),
        i3.map_or("", |r| r.figure.value_text.as_str()),
        i3.and_then(|r| r.figure.numerator).unwrap_or(0),
        i3.and_then(|r| r.figure.denominator).unwrap_or(0),
    );
    Ok(())
}
