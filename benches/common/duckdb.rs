//! The general-purpose engine the benchmarks measure chiso against: DuckDB (PyPI), run by a
//! Python script of `benches/duckdb/` over the same files, in the same run.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// The DuckDB release compared against.
pub const VERSION: &str = "2.0.1";

/// Installs DuckDB for the benchmark if this machine lacks it (never for the tests).
pub fn ensure() -> anyhow::Result<()> {
    let have = Command::new("python3")
        .args([
            "-c",
            &format!("import duckdb, sys; sys.exit(duckdb.__version__ != '{VERSION}')"),
        ])
        .status()?;
    if !have.success() {
        println!("duckdb: installing {VERSION} from PyPI");
        let ok = Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                &format!("duckdb=={VERSION}"),
            ])
            .status()?;
        anyhow::ensure!(ok.success(), "pip install duckdb=={VERSION} failed");
    }
    Ok(())
}

/// Runs `benches/duckdb/<script>` with `job` (JSON) and returns what it printed (JSON).
pub fn run(script: &str, job: &serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("job.json");
    std::fs::write(&path, serde_json::to_vec(job)?)?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/duckdb")
        .join(script);
    let out = Command::new("python3").arg(&script).arg(&path).output()?;
    anyhow::ensure!(
        out.status.success(),
        "{}: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_slice(&out.stdout)?)
}
