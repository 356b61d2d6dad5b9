//! What the benchmarks share: the process's peak memory, and a lake made from the sample.

use std::path::{Path, PathBuf};

pub mod duckdb;
use std::time::Instant;

/// Peak resident memory of this process in MiB (Linux `VmHWM`).
pub fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Starts the peak over, so that only what follows is measured (Linux `clear_refs` 5).
#[allow(dead_code)]
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The ingest's progress lines on stderr, with the seconds since the benchmark began, so that
/// its stages can be told apart (reading, each table's commit, the rollups).
fn show_progress() {
    use tracing_subscriber::{EnvFilter, fmt};
    let _ = fmt()
        .with_env_filter(EnvFilter::new(tables::progress::TARGET))
        .with_timer(fmt::time::uptime())
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// One run of the sources of `cfg` (`only` one, or all), measured alone: the reports, the
/// seconds it took and the peak resident memory in MiB, counted from its start.
#[allow(dead_code)]
pub fn measured_ingest(
    cfg: &chiso::Config,
    only: Option<&str>,
) -> anyhow::Result<(Vec<warehouse::CommitReport>, f64, Option<f64>)> {
    // as the `chiso` binary does
    chiso::memory::few_arenas();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let key = ingest::Pseudonymiser::new(b"benchmark-key-0123456789".to_vec())?;
    show_progress();
    reset_peak();
    let started = Instant::now();
    let lake = chiso::pipeline::open_lake(cfg)?;
    let reports = runtime.block_on(chiso::pipeline::ingest(cfg, &lake, only, &key))?;
    Ok((reports, started.elapsed().as_secs_f64(), peak_mib()))
}

/// `--name value` from the command line.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// The repository's deployment in `dir` (catalogue and plans read from the repository), its
/// sample written at `scale` up to `until` and ingested into its lake; returns the path of its
/// pipelines.toml. Prints how long the sample and the ingest took.
#[allow(dead_code)]
pub fn sample_lake(dir: &Path, scale: f64, until: metrics::Period) -> anyhow::Result<PathBuf> {
    let metrics::Period::Month { year, month } = until else {
        anyhow::bail!("--until takes a month, like 2026-10");
    };
    let path = repository_deployment(dir, "")?;
    let cfg = chiso::Config::load(&path)?;

    let started = Instant::now();
    let manifest = sample::write_sample(
        &cfg.sample_spec(1, scale, (year, month)),
        &dir.join("data/sample"),
    )?;
    println!(
        "sample: scale {scale}: {} dossiers up to {} in {:.1} s",
        manifest.dossier_count,
        until.label_vi(),
        started.elapsed().as_secs_f64()
    );
    // the ingest runs in a fresh process: memory the sample's writer left behind is not its own
    let status = std::process::Command::new(std::env::current_exe()?)
        .args([INGEST, &path.display().to_string()])
        .status()?;
    anyhow::ensure!(status.success(), "the ingest failed");
    Ok(path)
}

/// The repository's pipelines.toml written into `dir`, the catalogue and the plans read from
/// the repository, `lake_options` (TOML inline-table entries) added to `[lake]`.
#[allow(dead_code)]
pub fn repository_deployment(dir: &Path, lake_options: &str) -> anyhow::Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(root.join("pipelines.toml"))?
        .replace(
            "catalogue = \"data/catalogue/indicators.toml\"",
            &format!(
                "catalogue = \"{}\"",
                root.join("data/catalogue/indicators.toml").display()
            ),
        )
        .replace(
            "plans = \"data/plans\"",
            &format!("plans = \"{}\"", root.join("data/plans").display()),
        );
    if !lake_options.is_empty() {
        text = text.replace(
            "location = \"data/lake\"",
            &format!("location = \"data/lake\"\noptions = {{ {lake_options} }}"),
        );
    }
    let path = dir.join("pipelines.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

/// The argument that makes a benchmark's process the ingest of [`sample_lake`].
const INGEST: &str = "--ingest-sample";

/// When this process was started by [`sample_lake`] to ingest, does it and says so: every
/// benchmark that makes a lake calls this first.
#[allow(dead_code)]
pub fn ingest_if_asked() -> anyhow::Result<bool> {
    let Some(config) = arg(INGEST) else {
        return Ok(false);
    };
    let cfg = chiso::Config::load(Path::new(&config))?;
    let (reports, seconds, peak) = measured_ingest(&cfg, None)?;
    let rows: u64 = reports.iter().map(|r| r.counts.accepted).sum();
    println!(
        "ingest: {rows} rows from {} sources in {seconds:.1} s; peak memory {}",
        reports.len(),
        peak.map_or("unknown".to_string(), |p| format!("{p:.0} MiB"))
    );
    Ok(true)
}
