//! Benchmark (not a test): a drop holding a good VNeID export beside a 1 GiB zip bomb, an
//! XLSX of about a megabyte whose worksheet inflates to a gibibyte. Prints how long the run
//! took and the peak resident memory of the ingest alone, which stays under 200 MiB: the bomb
//! is refused from the zip directory before anything is inflated.
//!
//! ```text
//! cargo bench --bench refusals -- --inflated-mib 1024
//! ```

use std::path::Path;

mod common;

/// The peak the refusal must stay under.
const PEAK_LIMIT_MIB: f64 = 200.0;

fn pipelines() -> String {
    let catalogue = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/catalogue/indicators.toml");
    format!(
        r#"[ward]
code = "25216"
name = "Phường Bình Phước"
province = "Tỉnh Đồng Nai"
catalogue = "{}"
[[ward.units]]
code = "KP01"
name = "Khu phố Xuân Bình"

[lake]
location = "lake"

[server]
address = "127.0.0.1:0"

[sources.vneid]
system = "vneid"
files = ["drop/*"]
"#,
        catalogue.display().to_string().replace('\\', "/")
    )
}

fn main() -> anyhow::Result<()> {
    let inflated_mib: u64 = common::arg("--inflated-mib")
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1024);
    let dir = tempfile::tempdir()?;
    let folder = dir.path().join("drop");
    std::fs::create_dir_all(&folder)?;
    std::fs::write(
        folder.join("vneid_2026-06.csv"),
        "NgaySoLieu,MaDonVi,DanSo,NguoiTruongThanh,SoKichHoat,SoHoanThanhPhoCap\n\
         30/06/2026,KP01,1000,800,600,500\n",
    )?;
    let bomb = sample::hostile::xlsx_bomb(inflated_mib << 20);
    std::fs::write(folder.join("vneid_2026-06.xlsx"), &bomb)?;
    let size = bomb.len();
    drop(bomb);
    let path = dir.path().join("pipelines.toml");
    std::fs::write(&path, pipelines())?;
    let cfg = chiso::Config::load(&path)?;
    let (report, seconds, peak) = common::measured_ingest(&cfg, Some("vneid"))?;
    let r = &report[0];
    println!(
        "refusals: a {inflated_mib} MiB worksheet in a {:.1} MiB XLSX refused in {seconds:.2} s \
         beside a good file; peak memory {}",
        size as f64 / 1048576.0,
        peak.map_or("unknown".to_string(), |p| format!("{p:.0} MiB"))
    );
    anyhow::ensure!(
        r.refused.len() == 1 && r.counts.accepted == 1,
        "the bomb refused, the good file in: {r:?}"
    );
    anyhow::ensure!(
        r.refused[0].reason.contains("limits.xlsx_part_bytes"),
        "refused for its size: {}",
        r.refused[0].reason
    );
    if let Some(p) = peak {
        anyhow::ensure!(
            p < PEAK_LIMIT_MIB,
            "peak memory {p:.0} MiB, over {PEAK_LIMIT_MIB} MiB"
        );
    }
    Ok(())
}
