//! Benchmark (not a test): a one-stop CSV export of N dossier rows (default one million) into
//! an empty lake, as `chiso ingest` does it (read, checked, pseudonymised, committed, indicator
//! rollups kept). Prints rows per second and the peak resident memory of the ingest alone;
//! then DuckDB's `COPY (SELECT * FROM read_csv(…)) TO … (FORMAT parquet)` of the same file
//! (PyPI, installed here if missing) and the ratio of the two times.
//!
//! ```text
//! cargo bench --bench ingest_dossiers -- --rows 1000000
//! ```
//!
//! `--repeat N` runs the ingest (each time into a lake of its own) and DuckDB's copy in turn
//! N times and prints the median of each and of their ratios: on a machine whose timings
//! swing from one run to the next, one pair says little.

use std::io::Write;
use std::path::Path;

mod common;

const PROCEDURES: [(&str, &str, &str); 4] = [
    ("1.001193", "Đăng ký khai sinh", "HT"),
    ("1.000894", "Đăng ký kết hôn", "HT"),
    ("2.000815", "Chứng thực bản sao từ bản chính", "CT"),
    ("1.004227", "Xác nhận tình trạng hôn nhân", "HT"),
];

const HEADER: &str = "MaHoSo,MaTTHC,TenTTHC,MaLinhVuc,MaDonVi,KenhThucHien,PhiDiaGioi,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy,NgayTra,TrangThaiHoSo,SoLanBoSung,HoSoCoThanhPhanSoHoa,DuocTaiSuDung,CoKetQuaDienTu,DuocThanhToanTrucTuyen,DanhGiaHaiLong,MaKhuPho,NgayCapNhat,ChuHoSo,SoCCCD";

const SURNAMES: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
const GIVEN: [&str; 8] = [
    "Văn An",
    "Thị Bích",
    "Văn Cường",
    "Thị Dung",
    "Minh Hải",
    "Thu Hà",
    "Quốc Huy",
    "Ngọc Lan",
];

/// A small deterministic generator, so that every run ingests the same bytes.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Writes the catalogue and `rows` dossier states (finished ones, 12 khu phố, 2025–2026),
/// streaming, so the writer's memory does not count against the ingest.
fn write_extracts(dir: &Path, rows: u64) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("extracts"))?;
    let mut cat = String::from(
        "\u{FEFF}MaTTHC,TenTTHC,MaLinhVuc,TenLinhVuc,CapThucHien,CoDVCTT,DuDieuKienToanTrinh,YeuCauKetQuaGiay,CoPhi\n",
    );
    for (code, name, field) in PROCEDURES {
        cat.push_str(&format!("{code},{name},{field},Hộ tịch,Cấp xã,1,1,0,0\n"));
    }
    std::fs::write(dir.join("extracts/danh_muc_tthc.csv"), cat)?;

    write_dossiers(&dir.join("extracts/ho_so_export.csv"), rows, 0)
}

/// Writes `rows` dossier states to `path`; `later` hours are added to each finish (and update)
/// time, so that a re-sent export carries newer states of the same dossiers.
fn write_dossiers(path: &Path, rows: u64, later: i64) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::new(file);
    write!(w, "\u{FEFF}{HEADER}\r\n")?;
    let mut rng = Lcg(20260701);
    for i in 0..rows {
        let (code, name, field) = PROCEDURES[rng.below(4) as usize];
        // 480 days from July 2025: none of them in the future, which the reader refuses
        let day = rng.below(480);
        let date = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap() + chrono::Days::new(day);
        let received = date.and_hms_opt(7 + rng.below(10) as u32, rng.below(60) as u32, 0);
        let received = received.unwrap();
        let due = received + chrono::Duration::days(3);
        let done = received + chrono::Duration::hours(4 + rng.below(80) as i64 + later);
        let fmt = |t: chrono::NaiveDateTime| t.format("%d/%m/%Y %H:%M:%S").to_string();
        let channel = 1 + rng.below(3);
        writeln!(
            w,
            "HS{i:08},{code},{name},{field},25216,{channel},0,{},{},{},{},10,{},{},{},{},0,{},KP{:02},{},{} {},07920{:07}\r",
            fmt(received),
            fmt(due),
            fmt(done),
            fmt(done),
            rng.below(3),
            rng.below(2),
            rng.below(2),
            rng.below(2),
            1 + rng.below(3),
            1 + rng.below(12),
            fmt(done),
            SURNAMES[rng.below(8) as usize],
            GIVEN[rng.below(8) as usize],
            rng.below(10_000_000),
        )?;
    }
    w.flush()
}

fn pipelines(lake: &str) -> String {
    let units: String = (1..=12)
        .map(|k| format!("[[ward.units]]\ncode = \"KP{k:02}\"\nname = \"Khu phố {k}\"\n"))
        .collect();
    let catalogue = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/catalogue/indicators.toml");
    format!(
        r#"[ward]
code = "25216"
name = "Phường Bình Phước"
province = "Tỉnh Đồng Nai"
catalogue = "{}"
{units}
[lake]
location = "{lake}"

[server]
address = "127.0.0.1:0"

[sources.one_stop]
system = "one_stop"
files = {{ catalogue = ["extracts/danh_muc_tthc.csv"], dossiers = ["extracts/ho_so_*.csv"] }}
"#,
        catalogue.display().to_string().replace('\\', "/")
    )
}

/// The argument that makes this process one measured ingest of the file, into the lake of
/// the pipelines.toml that follows.
const ROUND: &str = "--ingest-round";

/// How that process tells the seconds it took.
const SECONDS: &str = "seconds: ";

/// One ingest of the extracts beside `path`, measured and printed.
fn ingest_round(path: &Path, rows: u64) -> anyhow::Result<()> {
    let cfg = chiso::Config::load(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let size = std::fs::metadata(dir.join("extracts/ho_so_export.csv"))?.len();
    let (report, seconds, peak) = common::measured_ingest(&cfg, Some("one_stop"))?;
    let r = &report[0];
    println!(
        "ingest_dossiers: {rows} rows ({:.0} MiB CSV) → lake in {seconds:.1} s: {:.0} rows/s; \
         accepted {}, quarantined {}; peak memory {}",
        size as f64 / 1048576.0,
        rows as f64 / seconds,
        r.counts.accepted,
        r.counts.quarantined,
        peak.map_or("unknown".to_string(), |p| format!("{p:.0} MiB"))
    );
    anyhow::ensure!(
        r.counts.accepted == rows + PROCEDURES.len() as u64,
        "every generated row (and the catalogue) must be accepted: {:?}",
        r.counts
    );
    println!("{SECONDS}{seconds}");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let rows = common::arg("--rows")
        .map(|n| n.replace('_', "").parse::<u64>())
        .transpose()?
        .unwrap_or(1_000_000);
    if let Some(path) = common::arg(ROUND) {
        return ingest_round(Path::new(&path), rows);
    }
    let repeat = common::arg("--repeat")
        .map(|n| n.parse::<usize>())
        .transpose()?
        .unwrap_or(1)
        .max(1);
    let dir = tempfile::tempdir()?;
    write_extracts(dir.path(), rows)?;
    common::duckdb::ensure()?;
    let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..repeat {
        // a lake of its own each time, the same file new to it; each ingest in a process of
        // its own, as `chiso ingest` runs: what the writer of the file or an earlier round
        // left behind in this one does not count against it
        let path = dir.path().join(format!("pipelines-{round}.toml"));
        std::fs::write(&path, pipelines(&format!("lake-{round}")))?;
        let out = std::process::Command::new(std::env::current_exe()?)
            .args([
                ROUND,
                &path.display().to_string(),
                "--rows",
                &rows.to_string(),
            ])
            .stderr(std::process::Stdio::inherit())
            .output()?;
        let printed = String::from_utf8_lossy(&out.stdout);
        print!(
            "{}",
            printed
                .lines()
                .filter(|l| !l.starts_with(SECONDS))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        );
        anyhow::ensure!(out.status.success(), "the ingest failed");
        let seconds: f64 = printed
            .lines()
            .find_map(|l| l.strip_prefix(SECONDS))
            .ok_or_else(|| anyhow::anyhow!("the ingest did not say how long it took"))?
            .trim()
            .parse()?;

        let csv = dir.path().join("extracts/ho_so_export.csv");
        let out = common::duckdb::run(
            "ingest_csv.py",
            &serde_json::json!({
                "threads": std::thread::available_parallelism().map_or(2, |n| n.get()),
                "csv": csv.display().to_string(),
                "parquet": dir.path().join(format!("duckdb-{round}.parquet")).display().to_string(),
            }),
        )?;
        let duck = out["seconds"].as_f64().unwrap_or(f64::NAN);
        println!(
            "duckdb {}: COPY read_csv → parquet of {} rows in {duck:.1} s; peak memory {:.0} MiB",
            common::duckdb::VERSION,
            out["rows"],
            out["peak_mib"].as_f64().unwrap_or(f64::NAN)
        );
        println!(
            "ratio: chiso takes {:.2} × DuckDB's time (goal ≤ 2)",
            seconds / duck
        );
        ours.push(seconds);
        theirs.push(duck);
        ratios.push(seconds / duck);
    }
    if repeat > 1 {
        println!(
            "median of {repeat}: chiso {:.2} s, DuckDB {:.2} s; ratio {:.2} × (goal ≤ 2; \
             lowest {:.2}, highest {:.2})",
            median(&mut ours),
            median(&mut theirs),
            median(&mut ratios),
            ratios.first().copied().unwrap_or(f64::NAN),
            ratios.last().copied().unwrap_or(f64::NAN),
        );
    }
    // the re-sent states go to the last round's lake
    let cfg = chiso::Config::load(&dir.path().join(format!("pipelines-{}.toml", repeat - 1)))?;

    // a day's re-sent states: the first 1 000 dossiers finished an hour later; the rollups are
    // recounted only on the days those dossiers fall on
    let resent = 1_000.min(rows);
    write_dossiers(&dir.path().join("extracts/ho_so_gui_lai.csv"), resent, 1)?;
    let (report, seconds, peak) = common::measured_ingest(&cfg, Some("one_stop"))?;
    let lake = chiso::pipeline::open_lake(&cfg)?;
    let info = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(lake.last_commit_info(metrics::rollup::TABLE))?
        .unwrap_or_default();
    println!(
        "re-sent {resent} dossiers → lake in {seconds:.2} s ({} rows changed); rollups recounted \
         day by day: {}; whole: {}; peak memory {}",
        report[0]
            .tables
            .iter()
            .filter(|t| t.table == "one_stop_dossiers")
            .map(|t| t.rows_changed)
            .sum::<u64>(),
        info.get("chiso.days")
            .map_or("none".to_string(), |v| v.to_string()),
        info.get("chiso.whole")
            .map_or("none".to_string(), |v| v.to_string()),
        peak.map_or("unknown".to_string(), |p| format!("{p:.0} MiB"))
    );
    Ok(())
}

/// The middle value (the mean of the two middle ones for an even count); sorts `values`.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
