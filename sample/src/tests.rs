//! Whole-sample tests: determinism, the contract's structure, the trends the dashboards show.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Command;

use chrono::NaiveDateTime;
use serde_json::Value;

use super::*;

/// The demo ward of `pipelines.toml`.
fn ward() -> WardSpec {
    let units = [
        ("KP01", "Khu phố Xuân Bình", 9800, true),
        ("KP02", "Khu phố Phước Bình", 10400, true),
        ("KP03", "Khu phố Tân Đồng 1", 8900, false),
        ("KP04", "Khu phố Tân Đồng 2", 9100, true),
        ("KP05", "Khu phố Tiến Hưng 1", 8700, false),
        ("KP06", "Khu phố Tiến Hưng 2", 7600, false),
        ("KP07", "Khu phố Tiến Hưng 3", 8300, true),
        ("KP08", "Khu phố Phú Thanh", 9500, true),
        ("KP09", "Khu phố Phước Thiện", 8800, true),
        ("KP10", "Khu phố Tân Xuân", 10100, false),
        ("KP11", "Khu phố Tân Bình", 9200, false),
        ("KP12", "Khu phố Phú Mỹ", 7400, false),
    ];
    WardSpec {
        code: "25216".into(),
        name: "Phường Bình Phước".into(),
        units: units
            .iter()
            .map(|(code, name, population, pilot)| UnitSpec {
                code: (*code).into(),
                name: (*name).into(),
                population: *population,
                pilot: *pilot,
            })
            .collect(),
        markets: vec![MarketSpec {
            code: "CHO_DONG_XOAI".into(),
            name: "Chợ Đồng Xoài".into(),
        }],
        tasks: Vec::new(),
    }
}

fn spec(seed: u64, scale: f64, until: (i32, u32)) -> SampleSpec {
    SampleSpec {
        seed,
        scale,
        until_year: until.0,
        until_month: until.1,
        ward: ward(),
    }
}

fn generate(spec: &SampleSpec) -> (tempfile::TempDir, Manifest) {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = write_sample(spec, dir.path()).expect("sample written");
    (dir, manifest)
}

fn read(dir: &Path, rel: &str) -> Vec<u8> {
    fs::read(dir.join(rel)).expect("file readable")
}

fn parse_time(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%d/%m/%Y %H:%M:%S"))
        .ok()
}

/// All records of a paged directory, checking the paging on the way.
fn pages(dir: &Path, rel_dir: &str) -> Vec<Value> {
    let mut names: Vec<String> = fs::read_dir(dir.join(rel_dir))
        .expect("page directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("page-") && n.ends_with(".json")),
        "{names:?}"
    );
    let mut records = Vec::new();
    let mut total = None;
    for (i, name) in names.iter().enumerate() {
        let page: Value =
            serde_json::from_slice(&read(dir, &format!("{rel_dir}/{name}"))).expect("page is JSON");
        assert_eq!(page["page"], i + 1);
        assert_eq!(page["pageSize"], 500);
        assert_eq!(page["totalPages"], names.len());
        assert_eq!(name, &format!("page-{:04}.json", i + 1));
        let t = page["totalRecords"].as_u64().expect("totalRecords");
        assert_eq!(*total.get_or_insert(t), t);
        let data = page["data"].as_array().expect("data");
        assert!(data.len() <= 500);
        if i + 1 < names.len() {
            assert_eq!(data.len(), 500);
        }
        records.extend(data.iter().cloned());
    }
    assert_eq!(total, Some(records.len() as u64));
    records
}

fn export_rows(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = read(dir, dossiers::EXPORT_PATH);
    assert!(bytes.starts_with(output::BOM));
    assert!(bytes.windows(2).any(|w| w == b"\r\n"));
    let mut r = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("row").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("inside")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, fs::read(&p).expect("file"));
            }
        }
    }
    out
}

#[test]
fn same_spec_gives_identical_bytes_and_seed_changes_dossiers() {
    let s = spec(7, 0.1, (2026, 2));
    let (a, ma) = generate(&s);
    let (b, mb) = generate(&s);
    let fa = files_of(a.path());
    let fb = files_of(b.path());
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (k, v) in &fa {
        assert!(v == &fb[k], "{k} differs between two runs");
    }
    assert_eq!(ma, mb);
    // The manifest lists every other file, with its hash.
    let listed: BTreeSet<&str> = ma.files.iter().map(|f| f.path.as_str()).collect();
    let present: BTreeSet<&str> = fa
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "manifest.json")
        .collect();
    assert_eq!(listed, present);
    for f in &ma.files {
        use sha2::Digest;
        assert_eq!(hex::encode(sha2::Sha256::digest(&fa[&f.path])), f.sha256);
        assert_eq!(fa[&f.path].len() as u64, f.bytes);
    }
    let (c, _) = generate(&spec(8, 0.1, (2026, 2)));
    assert_ne!(
        read(a.path(), dossiers::EXPORT_PATH),
        read(c.path(), dossiers::EXPORT_PATH)
    );
    assert_ne!(
        read(a.path(), "one_stop/api/page-0001.json"),
        read(c.path(), "one_stop/api/page-0001.json")
    );
}

#[test]
fn api_pages_and_export_follow_the_contract() {
    let (dir, manifest) = generate(&spec(11, 0.25, (2026, 3)));
    let dir = dir.path();
    let api = pages(dir, dossiers::API_DIR);
    assert_eq!(api.len(), manifest.api_records);
    let (header, export) = export_rows(dir);
    assert_eq!(header, dossiers::COLUMNS);
    assert_eq!(export.len(), manifest.export_rows);

    let known: BTreeSet<String> = catalogue::PROCEDURES
        .iter()
        .map(|p| p.code.to_string())
        .collect();
    let api_from = parse_time("2025-12-01T00:00:00").expect("time");
    let mut bad = 0;
    let mut seen: BTreeMap<(NaiveDateTime, String), String> = BTreeMap::new();
    let mut finished_in_api = BTreeSet::new();
    let mut previous: Option<(NaiveDateTime, String)> = None;
    let mut other_format = 0;
    for rec in &api {
        let obj = rec.as_object().expect("object");
        assert_eq!(obj.keys().len(), dossiers::COLUMNS.len());
        let updated = parse_time(rec["NgayCapNhat"].as_str().expect("NgayCapNhat")).expect("date");
        if !rec["NgayCapNhat"]
            .as_str()
            .unwrap_or_default()
            .contains('T')
        {
            other_format += 1;
        }
        assert!(updated >= api_from);
        let code = rec["MaHoSo"].as_str().unwrap_or_default().to_string();
        let key = (updated, code.clone());
        if let Some(p) = &previous {
            assert!(p <= &key, "API out of order: {p:?} then {key:?}");
        }
        previous = Some(key);
        let is_bad = code.is_empty()
            || !known.contains(rec["MaTTHC"].as_str().unwrap_or_default())
            || !(1..=3).contains(&rec["KenhThucHien"].as_i64().unwrap_or(0))
            || parse_time(rec["NgayTiepNhan"].as_str().unwrap_or_default()).is_none();
        if is_bad {
            bad += 1;
            continue;
        }
        assert!(
            rec["MaHoSo"]
                .as_str()
                .expect("code")
                .starts_with("000.00.23.H64-")
        );
        assert_eq!(rec["MaDonVi"], "25216");
        assert!(rec["SoCCCD"].as_str().expect("cccd").len() == 12);
        assert!(rec["DanhGiaHaiLong"].is_null() || rec["DanhGiaHaiLong"].is_i64());
        let line = rec.to_string();
        // One state per dossier and time: a repeat must be the same record verbatim.
        if let Some(before) = seen.insert((updated, code.clone()), line.clone()) {
            assert_eq!(before, line, "two different states of {code} at {updated}");
        }
        if matches!(rec["TrangThaiHoSo"].as_i64(), Some(9 | 10)) {
            finished_in_api.insert(code);
        }
    }
    assert_eq!(bad, 4, "bad rows in the API");
    assert!(other_format > 0 && other_format * 10 < api.len());
    assert!(api.len() > seen.len(), "some API rows are repeated");

    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (code_i, status_i, proc_i, received_i) = (
        col("MaHoSo"),
        col("TrangThaiHoSo"),
        col("MaTTHC"),
        col("NgayTiepNhan"),
    );
    let mut export_bad = 0;
    let mut in_progress_then_finished = 0;
    let mut rows = BTreeSet::new();
    for row in &export {
        let bad_row = row[code_i].is_empty()
            || !known.contains(&row[proc_i])
            || parse_time(&row[received_i]).is_none();
        if bad_row {
            export_bad += 1;
            continue;
        }
        rows.insert(row.clone());
        if matches!(row[status_i].as_str(), "4" | "5") && finished_in_api.contains(&row[code_i]) {
            in_progress_then_finished += 1;
        }
    }
    assert_eq!(export_bad, 2, "bad rows in the export");
    assert!(rows.len() < export.len(), "some export rows are repeated");
    assert!(
        in_progress_then_finished > 0,
        "no dossier exported in progress and finished later"
    );
}

/// Online share of dossiers received in `month` (`YYYY-MM`), overall and for one khu phố.
fn online_share(records: &[(String, String, i64, String)], month: &str, unit: Option<&str>) -> f64 {
    let mut by_code: BTreeMap<&str, i64> = BTreeMap::new();
    for (code, received, channel, kp) in records {
        let m = parse_time(received).map(|t| t.format("%Y-%m").to_string());
        if m.as_deref() == Some(month) && unit.is_none_or(|u| u == kp) {
            by_code.insert(code, *channel);
        }
    }
    assert!(!by_code.is_empty(), "no dossier in {month}");
    by_code.values().filter(|c| **c == 2).count() as f64 / by_code.len() as f64
}

#[test]
fn online_share_rises_and_the_last_unit_lags() {
    let (dir, _) = generate(&spec(3, 0.5, (2026, 10)));
    let dir = dir.path();
    let mut records = Vec::new();
    let (header, export) = export_rows(dir);
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    for row in &export {
        if let Ok(channel) = row[col("KenhThucHien")].parse() {
            records.push((
                row[col("MaHoSo")].clone(),
                row[col("NgayTiepNhan")].clone(),
                channel,
                row[col("MaKhuPho")].clone(),
            ));
        }
    }
    for rec in pages(dir, dossiers::API_DIR) {
        records.push((
            rec["MaHoSo"].as_str().unwrap_or_default().to_string(),
            rec["NgayTiepNhan"].as_str().unwrap_or_default().to_string(),
            rec["KenhThucHien"].as_i64().unwrap_or_default(),
            rec["MaKhuPho"].as_str().unwrap_or_default().to_string(),
        ));
    }
    let first = online_share(&records, "2025-07", None);
    let last = online_share(&records, "2026-10", None);
    assert!(first > 0.45 && first < 0.65, "07/2025: {first}");
    assert!(last > 0.85, "10/2026: {last}");
    for month in ["2025-07", "2026-01", "2026-10"] {
        let ward = online_share(&records, month, None);
        let lagging = online_share(&records, month, Some("KP12"));
        assert!(
            lagging + 0.08 < ward,
            "{month}: KP12 {lagging} vs ward {ward}"
        );
    }
}

#[test]
fn vneid_counts_rise_and_never_fall() {
    let (dir, manifest) = generate(&spec(5, 0.05, (2026, 10)));
    let dir = dir.path();
    assert_eq!(manifest.vneid_rows, 16 * 12);
    let mut previous: Option<Vec<Vec<u64>>> = None;
    let mut first_act = 0.0;
    let mut last_act = 0.0;
    for month in Period::new(Month::new(2026, 10).expect("month")).months() {
        let label = month.label();
        let bytes = read(dir, &format!("vneid/vneid_{label}.csv"));
        assert!(bytes.starts_with(output::BOM));
        let xlsx = read(dir, &format!("vneid/vneid_{label}.xlsx"));
        assert!(xlsx.starts_with(b"PK"));
        let mut r = csv::Reader::from_reader(&bytes[3..]);
        let rows: Vec<Vec<u64>> = r
            .records()
            .map(|rec| {
                let rec = rec.expect("row");
                rec.iter()
                    .skip(3)
                    .map(|v| v.parse().expect("number"))
                    .collect()
            })
            .collect();
        assert_eq!(rows.len(), 12);
        if let Some(prev) = &previous {
            for (a, b) in prev.iter().zip(&rows) {
                assert!(
                    a.iter().zip(b).all(|(x, y)| x <= y),
                    "{label}: {a:?} -> {b:?}"
                );
            }
        }
        let act = rows.iter().map(|r| r[5]).sum::<u64>() as f64
            / rows.iter().map(|r| r[0]).sum::<u64>() as f64;
        if label == "2025-07" {
            first_act = act;
        }
        last_act = act;
        previous = Some(rows);
    }
    assert!(
        first_act < 0.5 && last_act > 0.65,
        "{first_act} -> {last_act}"
    );
}

#[test]
fn market_dump_has_every_table_and_portable_syntax() {
    let (dir, manifest) = generate(&spec(2, 1.0, (2026, 1)));
    let sql = String::from_utf8(read(dir.path(), market::DUMP_PATH)).expect("UTF-8");
    for table in market::TABLES {
        assert!(
            sql.contains(&format!("DROP TABLE IF EXISTS {table};")),
            "{table}"
        );
        assert!(sql.contains(&format!("CREATE TABLE {table} (")), "{table}");
        assert!(sql.contains(&format!("INSERT INTO {table} (")), "{table}");
    }
    assert!(!sql.contains('\\'));
    assert!(manifest.stall_count > 250 && manifest.stall_count < 350);
    assert_eq!(manifest.fee_collection_count, manifest.stall_count * 7);
    let inserts = sql.matches("INSERT INTO fee_collections").count();
    assert_eq!(inserts, manifest.fee_collection_count.div_ceil(500));
}

#[test]
fn petitions_are_paged_and_timely_mostly() {
    let (dir, manifest) = generate(&spec(9, 0.3, (2026, 6)));
    let records = pages(dir.path(), petitions::DIR);
    assert_eq!(records.len(), manifest.petition_count);
    let ids: BTreeSet<&str> = records
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), records.len());
    let done: Vec<&Value> = records
        .iter()
        .filter(|r| r["trang_thai"] == "da_xu_ly")
        .collect();
    let late = done
        .iter()
        .filter(|r| {
            let t = |k: &str| {
                chrono::DateTime::parse_from_rfc3339(r[k].as_str().expect("time")).expect("rfc3339")
            };
            t("ngay_hoan_thanh") > t("han_xu_ly")
        })
        .count();
    let share = late as f64 / done.len() as f64;
    assert!(share > 0.03 && share < 0.15, "late share {share}");
    assert!(records.iter().any(|r| r["trang_thai"] == "dang_xu_ly"));
    // each state says when it was recorded: not before its reception or its finish
    for r in &records {
        let t = |k: &str| {
            r[k].as_str()
                .map(|s| chrono::DateTime::parse_from_rfc3339(s).expect(k))
        };
        let updated = t("ngay_cap_nhat").expect("ngay_cap_nhat");
        assert!(updated >= t("ngay_tiep_nhan").expect("received"), "{r}");
        if let Some(done) = t("ngay_hoan_thanh") {
            assert_eq!(updated, done, "{r}");
        }
    }
}

#[test]
fn tiny_and_early_samples_are_still_complete() {
    let (dir, manifest) = generate(&spec(1, 0.05, (2025, 8)));
    let api = pages(dir.path(), dossiers::API_DIR);
    assert!(api.is_empty());
    assert_eq!(manifest.api_pages, 1);
    assert!(manifest.dossier_count > 100 && manifest.dossier_count < 250);
    let (_, export) = export_rows(dir.path());
    assert!(export.len() >= manifest.dossier_count);
    assert!(dir.path().join("vneid/vneid_2025-08.xlsx").is_file());
    assert!(!dir.path().join("one_stop/api/.states.spool").exists());
}

#[test]
fn a_smaller_run_leaves_no_stale_pages() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_sample(&spec(1, 0.5, (2026, 3)), dir.path()).expect("first run");
    let m = write_sample(&spec(1, 0.05, (2026, 1)), dir.path()).expect("second run");
    let api = pages(dir.path(), dossiers::API_DIR);
    assert_eq!(api.len(), m.api_records);
    assert!(!dir.path().join("vneid/vneid_2026-03.csv").exists());
}

#[test]
fn invalid_specs_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    for s in [
        spec(1, 0.0, (2026, 1)),
        spec(1, 1.0, (2025, 6)),
        spec(1, 1.0, (2026, 13)),
    ] {
        assert!(matches!(
            write_sample(&s, dir.path()),
            Err(SampleError::Spec(_))
        ));
    }
    let mut s = spec(1, 1.0, (2026, 1));
    s.ward.units.clear();
    assert!(matches!(
        write_sample(&s, dir.path()),
        Err(SampleError::Spec(_))
    ));
}

/// Runs a database client; `None` when it is not installed or cannot connect.
fn run(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    if !out.status.success() {
        eprintln!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn psql() -> Command {
    let mut c = Command::new("psql");
    c.args([
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        "test",
        "-w",
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
    ])
    .env("PGCONNECT_TIMEOUT", "5");
    c
}

fn mariadb() -> Command {
    let mut c = Command::new("mariadb");
    c.args([
        "-h",
        "127.0.0.1",
        "-uroot",
        "--connect-timeout=5",
        "--batch",
        "--skip-column-names",
    ]);
    c
}

/// Loads the dump into scratch schemas of the local PostgreSQL and MariaDB and checks the row
/// counts. Both servers must be running (see the README): a dump nobody loaded proves nothing.
#[test]
fn market_dump_loads_into_postgres_and_mariadb() {
    let (dir, manifest) = generate(&spec(4, 0.3, (2026, 2)));
    let file = dir.path().join(market::DUMP_PATH);
    let file = file.to_str().expect("UTF-8 path");
    let expected = [
        ("traders", manifest.trader_count),
        ("stalls", manifest.stall_count),
        ("contracts", manifest.contract_count),
        ("fee_collections", manifest.fee_collection_count),
        ("payment_acceptance", manifest.payment_acceptance_count),
    ];
    let schema = format!("sample_test_{}", std::process::id());

    assert!(
        run(psql().args(["-c", "SELECT 1"])).is_some(),
        "PostgreSQL is not reachable on 127.0.0.1:5432"
    );
    {
        run(psql().args(["-c", &format!("CREATE SCHEMA IF NOT EXISTS {schema}")]))
            .expect("schema created");
        let loaded = run(psql()
            .env("PGOPTIONS", format!("-c search_path={schema}"))
            .args(["-f", file]));
        let mut counts = Vec::new();
        for (table, _) in expected {
            counts.push(run(
                psql().args(["-tAc", &format!("SELECT count(*) FROM {schema}.{table}")])
            ));
        }
        let name = run(psql().args([
            "-tAc",
            &format!("SELECT full_name FROM {schema}.traders WHERE id = 1"),
        ]));
        run(psql().args(["-c", &format!("DROP SCHEMA {schema} CASCADE")]));
        assert!(loaded.is_some(), "PostgreSQL refused the dump");
        for ((table, n), got) in expected.iter().zip(counts) {
            assert_eq!(
                got.map(|s| s.trim().to_string()),
                Some(n.to_string()),
                "PostgreSQL {table}"
            );
        }
        // Vietnamese text survives the load unchanged.
        let dump = String::from_utf8(read(dir.path(), market::DUMP_PATH)).expect("UTF-8");
        let name = name.expect("a trader").trim().to_string();
        assert!(
            !name.is_empty() && dump.contains(&format!("'{name}'")),
            "{name}"
        );
    }

    assert!(
        run(mariadb().args(["-e", "SELECT 1"])).is_some(),
        "MariaDB is not reachable on 127.0.0.1:3306"
    );
    {
        run(mariadb().args([
            "-e",
            &format!("CREATE DATABASE IF NOT EXISTS {schema} CHARACTER SET utf8mb4"),
        ]))
        .expect("database created");
        let loaded = run(mariadb().args([&schema, "-e", &format!("source {file}")]));
        let name = run(mariadb().args([
            "-e",
            &format!("SELECT full_name FROM {schema}.traders WHERE id = 1"),
        ]));
        let mut counts = Vec::new();
        for (table, _) in expected {
            counts.push(run(
                mariadb().args(["-e", &format!("SELECT count(*) FROM {schema}.{table}")])
            ));
        }
        run(mariadb().args(["-e", &format!("DROP DATABASE {schema}")]));
        assert!(loaded.is_some(), "MariaDB refused the dump");
        let dump = String::from_utf8(read(dir.path(), market::DUMP_PATH)).expect("UTF-8");
        let name = name.expect("a trader").trim().to_string();
        assert!(
            !name.is_empty() && dump.contains(&format!("'{name}'")),
            "{name}"
        );
        for ((table, n), got) in expected.iter().zip(counts) {
            assert_eq!(
                got.map(|s| s.trim().to_string()),
                Some(n.to_string()),
                "MariaDB {table}"
            );
        }
    }
}

/// Rows of an upload CSV as maps from column to value.
fn upload_csv(dir: &Path, rel: &str) -> Vec<BTreeMap<String, String>> {
    let bytes = read(dir, rel);
    assert!(bytes.starts_with(output::BOM), "{rel}");
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.expect("row").iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn uploads_follow_the_programme_and_carry_their_bad_rows() {
    let (dir, manifest) = generate(&spec(6, 0.1, (2026, 10)));
    let dir = dir.path();
    let rounds = ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"];
    let criteria = [
        "DinhDanhSo",
        "DichVuCongTrucTuyen",
        "ThanhToanSo",
        "AnToanThongTin",
        "KetNoiSoCongDong",
    ];
    let units: BTreeSet<String> = ward().units.iter().map(|u| u.code.clone()).collect();

    // "Gia đình số": the latest evaluation of each household decides; the share rises and the
    // last khu phố lags
    let mut latest: BTreeMap<String, (String, bool)> = BTreeMap::new();
    let mut household_rows = 0;
    let mut shares = Vec::new();
    for (i, q) in rounds.iter().enumerate() {
        let rows = upload_csv(dir, &format!("uploads/gia_dinh_so_{q}.csv"));
        household_rows += rows.len();
        let mut seen_this_round = BTreeSet::new();
        for r in &rows {
            let all = criteria.iter().all(|c| r[*c] == "1");
            let valid = units.contains(&r["MaKhuPho"])
                && !r["NgayDanhGia"].starts_with("32/")
                && (r["KetQua"] == "Đạt") == all;
            if !valid {
                continue;
            }
            seen_this_round.insert(r["MaHo"].clone());
            if i > 0 {
                // a household recognised once is not evaluated again
                assert!(
                    !latest.get(&r["MaHo"]).is_some_and(|(_, passed)| *passed),
                    "{} evaluated after passing",
                    r["MaHo"]
                );
            }
            latest.insert(r["MaHo"].clone(), (r["MaKhuPho"].clone(), all));
        }
        if i == 0 {
            assert_eq!(seen_this_round.len(), latest.len());
        }
        let share = |unit: Option<&str>| {
            let hs: Vec<bool> = latest
                .values()
                .filter(|(u, _)| unit.is_none_or(|x| x == u))
                .map(|(_, p)| *p)
                .collect();
            hs.iter().filter(|p| **p).count() as f64 / hs.len() as f64
        };
        shares.push((share(None), share(Some("KP12"))));
    }
    assert!(shares.windows(2).all(|w| w[0].0 <= w[1].0), "{shares:?}");
    assert!(shares[0].0 < 0.4 && shares[4].0 > 0.7, "{shares:?}");
    assert!(shares[4].1 + 0.08 < shares[4].0, "{shares:?}");
    // 1 repeated line and 3 bad lines in the first round
    assert_eq!(household_rows, manifest.household_evaluation_count + 4);

    // the business survey: any platform in use, rising
    let mut business_rows = 0;
    let mut using = Vec::new();
    for q in rounds {
        let rows = upload_csv(dir, &format!("uploads/khao_sat_nen_tang_so_{q}.csv"));
        business_rows += rows.len();
        let valid: Vec<_> = rows
            .iter()
            .filter(|r| {
                r["LoaiHinh"] != "HKD"
                    && !(r["NenTang"] == "Zalo"
                        && r["QuanTriSo"] == "0"
                        && r["BanHangSo"] == "0"
                        && r["ThanhToanKhongTienMat"] == "0"
                        && r["HoaDonDienTu"] == "0")
            })
            .collect();
        let any = valid
            .iter()
            .filter(|r| {
                [
                    "QuanTriSo",
                    "BanHangSo",
                    "ThanhToanKhongTienMat",
                    "HoaDonDienTu",
                ]
                .iter()
                .any(|c| r[*c] == "1")
            })
            .count();
        using.push(any as f64 / valid.len() as f64);
    }
    assert!(using[0] > 0.35 && using[0] < 0.65, "{using:?}");
    assert!(using[4] > 0.7, "{using:?}");
    assert_eq!(business_rows, manifest.business_survey_count + 3);

    // milestones: the paperless HĐND session is done in July 2026, reported on Friday 24/07
    // (the 25th is a Saturday), with its evidence
    let milestones = upload_csv(dir, "uploads/tien_do_moc_chi_tieu.csv");
    assert_eq!(milestones.len(), manifest.milestone_status_count + 2);
    let done: Vec<_> = milestones
        .iter()
        .filter(|r| {
            r["MaChiTieu"] == "I.8" && r["TrangThai"] == "Hoàn thành" && !r["MinhChung"].is_empty()
        })
        .collect();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0]["NgayCapNhat"], "24/07/2026");

    for rel in [
        "uploads/to_dan_pho_so_2025-Q3.xlsx",
        "uploads/to_dan_pho_so_2026-Q3.xlsx",
        "uploads/tap_huan_can_bo_2025.xlsx",
        "uploads/tap_huan_can_bo_2026.xlsx",
    ] {
        assert!(read(dir, rel).starts_with(b"PK"), "{rel}");
    }
    // no round for the quarter still running
    assert!(!dir.join("uploads/gia_dinh_so_2026-Q4.csv").exists());
    // 12 khu phố a round, and one bad line in the first
    assert_eq!(manifest.neighbourhood_evaluation_count, 12 * 5);
    // households, neighbourhoods, training, survey, milestones, the first payment tally
    assert_eq!(manifest.upload_bad_rows, 3 + 1 + 2 + 2 + 2 + 1);
    assert_eq!(manifest.payment_tally_count, 12 * 5);
    // no plans in this spec: no task reports, but an empty file with its header
    assert_eq!(manifest.task_status_count, 0);
    assert_eq!(manifest.upload_duplicate_rows, 2);
}
