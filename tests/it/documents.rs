//! The documents people sign and file, checked as an inspector and an officer would: the
//! evidence annexes of the whole-ward fixture (`ward_fixture.rs`) counted back to their
//! figures and tampered with, and the monthly and quarterly reports read back from PDF, DOCX
//! and XLSX by other programs (poppler, LibreOffice).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use dashboards::documents::evidence::{self, AnnexSpec};
use metrics::Period;
use unicode_normalization::UnicodeNormalization;

use crate::helpers::{Fixture, PERSONAL};

fn p(s: &str) -> Period {
    s.parse().unwrap()
}

/// The letterheads of the fixture's reports, as a deployment writes them.
pub(crate) const REPORTS: &str = r#"
[reports]
outbox = "outbox"
place = "Thử Nghiệm"

[reports.monthly]
style = "hanh_chinh"
issuer = ["ỦY BAN NHÂN DÂN", "PHƯỜNG THỬ NGHIỆM"]
number = "Số:        /BC-UBND"
motto = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
subject = "Kết quả thực hiện các chỉ tiêu chuyển đổi số"
recipients = ["Ủy ban nhân dân tỉnh (để báo cáo);", "Lưu: VT, VP."]
signature = ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
schedule = "0 0 7 5 * *"

[reports.quarterly]
style = "dang"
issuer = ["ĐẢNG BỘ TỈNH ĐỒNG NAI", "ĐẢNG ỦY PHƯỜNG THỬ NGHIỆM"]
number = "Số      -BC/ĐU"
motto = ["ĐẢNG CỘNG SẢN VIỆT NAM"]
subject = "Sơ kết thực hiện các chỉ tiêu chuyển đổi số"
recipients = ["Ban Thường vụ Tỉnh ủy (để báo cáo);", "Lưu Văn phòng Đảng ủy."]
signature = ["T/M ĐẢNG ỦY", "BÍ THƯ"]
formats = ["pdf"]
"#;

/// The whole-ward fixture, ingested, with the reports set up.
async fn ward() -> Fixture {
    let fx = Fixture::whole_ward();
    fx.ingest_all().await;
    let path = crate::ward_fixture::config_path(&fx);
    let mut toml = std::fs::read_to_string(&path).unwrap();
    toml.push_str(REPORTS);
    std::fs::write(&path, toml).unwrap();
    let cfg = chiso::Config::load(&path).unwrap();
    Fixture { dir: fx.dir, cfg }
}

fn chiso(fx: &Fixture, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_chiso"))
        .arg("--config")
        .arg(crate::ward_fixture::config_path(fx))
        .args(args)
        .output()
        .unwrap()
}

fn run_ok(fx: &Fixture, args: &[&str]) -> String {
    let out = chiso(fx, args);
    assert!(
        out.status.success(),
        "chiso {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Reads one file of a ZIP.
pub(crate) fn entry(zip: &Path, name: &str) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut f = z.by_name(name).unwrap();
    let mut out = Vec::new();
    f.read_to_end(&mut out).unwrap();
    out
}

/// A copy of the archive with one entry's bytes replaced.
pub(crate) fn with_entry(zip: &Path, name: &str, bytes: &[u8], out: &Path) {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(out).unwrap());
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let n = f.name().unwrap().to_string();
        w.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        if n == name {
            w.write_all(bytes).unwrap();
        } else {
            std::io::copy(&mut f, &mut w).unwrap();
        }
    }
    w.finish().unwrap();
}

fn annex_spec(fx: &Fixture, ids: &[&str], period: &str, unit: Option<&str>) -> AnnexSpec {
    let site = chiso::site::site(&fx.cfg);
    AnnexSpec {
        ward: site.ward_name.clone(),
        indicators: ids.iter().map(|s| s.to_string()).collect(),
        period: p(period),
        unit: unit.map(|u| site.units.iter().find(|(c, _)| c == u).cloned().unwrap()),
        date: chrono::NaiveDate::from_ymd_opt(2026, 9, 5),
    }
}

#[tokio::test]
async fn every_annex_counts_back_to_its_figure() {
    let fx = ward().await;
    let ev = fx.evaluator().await;
    let cat = ev.catalogue();
    let all: Vec<String> = cat
        .indicators
        .iter()
        .chain(&cat.operations)
        .map(|i| i.id.clone())
        .collect();
    let ids: Vec<&str> = all.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().unwrap();
    for (period, unit) in [
        ("2026-06", None),
        ("2026-08", None),
        ("2026-06", Some("KP01")),
        ("2026-Q2", Some("KP02")),
    ] {
        let spec = annex_spec(&fx, &ids, period, unit);
        let path = dir.path().join(format!("{period}-{unit:?}.zip"));
        dashboards::documents::produce::write_annex(&ev, &spec, &path)
            .await
            .unwrap();
        let report = evidence::verify(&path).unwrap_or_else(|e| panic!("{period} {unit:?}: {e}"));
        for evidence::Recounted {
            id,
            records,
            totals,
        } in &report.figures
        {
            let v = ev.value(id, p(period), unit).await.unwrap();
            let fig: evidence::FigureFile =
                serde_json::from_slice(&entry(&path, &format!("{id}/figure.json"))).unwrap();
            assert_eq!(
                (fig.numerator, fig.denominator),
                (v.numerator, v.denominator),
                "{id} {period} {unit:?}"
            );
            if let Some((n, d)) = totals {
                assert_eq!(
                    (Some(*n as u64), Some(*d as u64)),
                    (v.numerator, v.denominator),
                    "{id} {period} {unit:?}: {records} records"
                );
            }
        }
        // personal data only as tokens
        let csv = String::from_utf8(entry(&path, "I.3/records.csv")).unwrap();
        for clear in PERSONAL {
            assert!(!csv.contains(clear), "{clear} in clear in the annex");
        }
    }
}

#[tokio::test]
async fn an_annex_lists_the_records_by_hand_and_names_the_row_edited() {
    let fx = ward().await;
    let ev = fx.evaluator().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("i3.zip");
    let spec = annex_spec(&fx, &["I.3", "I.6", "II.1", "III.2"], "2026-06", None);
    dashboards::documents::produce::write_annex(&ev, &spec, &path)
        .await
        .unwrap();

    // I.3 in June: the nine dossiers received in June (local time) — HS01 to HS09; HS10 is
    // July's, HS11 May's, HS99 was quarantined. Online with an electronic result where one is
    // required: HS01 (P1 needs no paper), HS02 (e-result), HS06, HS08 (P3 needs no paper),
    // HS09 → 5 of 9; HS03 (P2 needs paper, no e-result yet) and HS04, HS05, HS07 (not online)
    // are out.
    let csv = entry(&path, "I.3/records.csv");
    let mut r = csv::Reader::from_reader(csv.as_slice());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let key = header.iter().position(|h| h == "ma_ho_so").unwrap();
    let flag = header.iter().position(|h| h == "trong_tu_so").unwrap();
    for c in [
        "_file",
        "_row",
        "_batch_id",
        "kenh_thuc_hien",
        "co_ket_qua_dien_tu",
    ] {
        assert!(header.iter().any(|h| h == c), "{c} in {header:?}");
    }
    let mut rows: Vec<(String, String)> = r
        .records()
        .map(|x| {
            let x = x.unwrap();
            (x[key].to_string(), x[flag].to_string())
        })
        .collect();
    rows.sort();
    let keys: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "HS01", "HS02", "HS03", "HS04", "HS05", "HS06", "HS07", "HS08", "HS09"
        ]
    );
    let inside: Vec<&str> = rows
        .iter()
        .filter(|(_, f)| f == "1")
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(inside, ["HS01", "HS02", "HS06", "HS08", "HS09"]);
    let fig: serde_json::Value = serde_json::from_slice(&entry(&path, "I.3/figure.json")).unwrap();
    assert_eq!(
        (fig["numerator"].as_u64(), fig["denominator"].as_u64()),
        (Some(5), Some(9))
    );

    // the source batches, with the extracts' SHA-256
    let batches = String::from_utf8(entry(&path, "I.3/batches.csv")).unwrap();
    let lines: Vec<&str> = batches.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "only the file June's records came from: {batches}"
    );
    assert!(lines[1].contains("ho_so_export.csv"), "{batches}");
    let extract = std::fs::read(fx.dir.path().join("extracts/ho_so_export.csv")).unwrap();
    let sha = dashboards::documents::archive::sha256_hex(&extract);
    assert!(lines[1].contains(&sha), "the extract's SHA-256: {batches}");
    // a milestone row lists its status reports with their evidence
    let reports = String::from_utf8(entry(&path, "III.2/records.csv")).unwrap();
    assert!(reports.contains("minh_chung"), "{reports}");
    // a README in Vietnamese, and sums sha256sum can read
    let readme = String::from_utf8(entry(&path, "README.txt")).unwrap();
    assert!(readme.contains("CÁCH KIỂM TRA") && readme.contains("trong_tu_so"));
    let unpacked = dir.path().join("unpacked");
    let mut z = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    z.extract(&unpacked).unwrap();
    let sums = Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(&unpacked)
        .output()
        .unwrap();
    assert!(
        sums.status.success(),
        "{}",
        String::from_utf8_lossy(&sums.stdout)
    );

    // the same version and date give the same archive, byte for byte
    let again = dir.path().join("again.zip");
    dashboards::documents::produce::write_annex(&ev, &spec, &again)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&again).unwrap()
    );

    // one record line edited: HS04 moved into the numerator
    let text = String::from_utf8(csv.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (n, line) = lines
        .iter()
        .enumerate()
        .find(|(_, l)| l.starts_with("HS04,") || l.contains(",HS04,"))
        .unwrap();
    let edited_line = format!("{}1", line.strip_suffix('0').unwrap());
    let mut edited = lines.clone();
    edited[n] = edited_line.as_str();
    let tampered = dir.path().join("tampered.zip");
    with_entry(
        &path,
        "I.3/records.csv",
        format!("{}\n", edited.join("\n")).as_bytes(),
        &tampered,
    );
    let err = evidence::verify(&tampered).unwrap_err();
    assert_eq!(err.file, "I.3/records.csv");
    assert_eq!(err.record, Some(n as u64), "{err}");
    assert!(
        err.to_string().contains(&format!("dòng {}", n + 1)),
        "{err}"
    );
    // and through the CLI, with no deployment at hand
    let out = Command::new(env!("CARGO_BIN_EXE_chiso"))
        .args(["--config", "/nonexistent/pipelines.toml", "verify"])
        .arg(&tampered)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("I.3/records.csv"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ok = Command::new(env!("CARGO_BIN_EXE_chiso"))
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains("I.3: 9 bản ghi; đếm lại tử số 5, mẫu số 9")
    );

    // a file added, or a figure changed, is named too
    let fig_edit = String::from_utf8(entry(&path, "I.3/figure.json"))
        .unwrap()
        .replace("\"numerator\": 5", "\"numerator\": 6");
    let forged = dir.path().join("forged.zip");
    with_entry(&path, "I.3/figure.json", fig_edit.as_bytes(), &forged);
    let err = evidence::verify(&forged).unwrap_err();
    assert_eq!(err.file, "I.3/figure.json", "{err}");
}

/// Text of a PDF as poppler extracts it, whitespace runs made one space.
pub(crate) fn pdf_text(pdf: &Path, pages: Option<(u32, u32)>) -> String {
    let mut cmd = Command::new("pdftotext");
    cmd.arg("-raw");
    if let Some((f, l)) = pages {
        cmd.args(["-f", &f.to_string(), "-l", &l.to_string()]);
    }
    let out = cmd
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    squash(&String::from_utf8(out.stdout).unwrap())
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pdf_pages(pdf: &Path) -> u32 {
    let out = Command::new("pdfinfo").arg(pdf).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

/// LibreOffice converts `file` into `to` in `out`; returns the converted file.
pub(crate) fn soffice(file: &Path, to: &str, out: &Path) -> PathBuf {
    let profile = tempfile::tempdir().unwrap();
    let status = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args(["--headless", "--norestore", "--convert-to", to, "--outdir"])
        .arg(out)
        .arg(file)
        .output()
        .expect("LibreOffice (libreoffice-writer-nogui, libreoffice-calc-nogui) is installed");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let ext = to.split(':').next().unwrap();
    let made = out.join(file.with_extension(ext).file_name().unwrap());
    assert!(
        made.exists(),
        "LibreOffice made no {}: {}{}",
        made.display(),
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );
    made
}

#[tokio::test]
async fn the_monthly_report_in_three_formats_holds_the_figures() {
    let fx = ward().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a");
    let stdout = run_ok(
        &fx,
        &[
            "report",
            "monthly",
            "--period",
            "2026-06",
            "--date",
            "2026-07-05",
            "--out",
        ]
        .into_iter()
        .chain([out.to_str().unwrap()])
        .collect::<Vec<_>>(),
    );
    assert!(stdout.contains("bao-cao-thang-2026-06.pdf"), "{stdout}");
    let pdf = out.join("bao-cao-thang-2026-06.pdf");
    let docx = out.join("bao-cao-thang-2026-06.docx");
    let xlsx = out.join("bao-cao-thang-2026-06.xlsx");

    // the same version and date: the same bytes
    let again = dir.path().join("b");
    run_ok(
        &fx,
        &[
            "report",
            "monthly",
            "--period",
            "2026-06",
            "--date",
            "2026-07-05",
            "--as-of",
        ]
        .into_iter()
        .chain([version(&fx).as_str(), "--out", again.to_str().unwrap()])
        .collect::<Vec<_>>(),
    );
    for f in ["pdf", "docx", "xlsx"] {
        let name = format!("bao-cao-thang-2026-06.{f}");
        assert_eq!(
            std::fs::read(out.join(&name)).unwrap(),
            std::fs::read(again.join(&name)).unwrap(),
            "{name} made twice differs"
        );
    }

    let table = api_table(&fx, "2026-06").await;
    let text = pdf_text(&pdf, None);
    for must in [
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG THỬ NGHIỆM",
        "Số: /BC-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Thử Nghiệm, ngày 05 tháng 7 năm 2026",
        "BÁO CÁO",
        "Kết quả thực hiện các chỉ tiêu chuyển đổi số tháng 06/2026",
        "Nơi nhận:",
        "KT. CHỦ TỊCH",
        "Số liệu chốt đến ngày 30/06/2026 (phiên bản dữ liệu v",
        "TỒN TẠI, HẠN CHẾ",
        "NGUYÊN NHÂN",
        dashboards::documents::report::BLANK,
    ] {
        assert!(text.contains(must), "PDF lacks “{must}”:\n{text}");
    }
    assert_pdf_holds(&text, &table);
    // T-03 (due 30/06, never reported) is overdue by the report's date
    assert!(text.contains("T-03"), "{text}");

    // only the bundled fonts, embedded
    let fonts = Command::new("pdffonts").arg(&pdf).output().unwrap();
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in &rows {
        assert!(
            row.contains("LiberationSerif") || row.contains("DejaVu") || row.contains("NotoSans"),
            "a font that is not bundled: {row}"
        );
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type [encoding] emb sub uni object ID: emb is the fifth field from the end
        assert_eq!(cols[cols.len() - 5], "yes", "not embedded: {row}");
    }

    // DOCX and XLSX through LibreOffice hold the same figures
    let conv = dir.path().join("conv");
    let docx_pdf = soffice(&docx, "pdf", &conv);
    let docx_text = pdf_text(&docx_pdf, None);
    assert_pdf_holds(&docx_text, &table);
    assert!(docx_text.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    let document = String::from_utf8(entry(&docx, "word/document.xml")).unwrap();
    assert!(document.contains("<w:tblHeader/>"));
    let styles = String::from_utf8(entry(&docx, "word/styles.xml")).unwrap();
    assert!(styles.contains(r#"w:ascii="Times New Roman""#));

    // comma, double quote, UTF-8 (76); cells as shown
    let csv = soffice(&xlsx, "csv:Text - txt - csv (StarCalc):44,34,76", &conv);
    let sheet = std::fs::read_to_string(&csv).unwrap();
    let mut rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(sheet.as_bytes());
    let mut seen = 0;
    for rec in rows.records() {
        let rec = rec.unwrap();
        let Some(r) = table.iter().find(|r| rec.get(0) == r["id"].as_str()) else {
            continue;
        };
        seen += 1;
        assert_eq!(rec.get(3), r["name"].as_str());
        let num = |i: usize| rec.get(i).unwrap().replace([',', '.', ' '], "");
        if let (Some(n), Some(d)) = (r["numerator"].as_u64(), r["denominator"].as_u64()) {
            assert_eq!(num(7), n.to_string(), "{} numerator", r["id"]);
            assert_eq!(num(8), d.to_string(), "{} denominator", r["id"]);
        }
        assert_eq!(rec.get(5), Some("01/06/2026"), "{} from: a date", r["id"]);
    }
    assert_eq!(seen, 22);
}

/// The rows of `/api/indicators?period=` (Phụ lục 1, then the operations figures).
async fn api_table(fx: &Fixture, period: &str) -> Vec<serde_json::Value> {
    let state =
        dashboards::AppState::new(chiso::site::site(&fx.cfg), fx.lake(), fx.evaluator().await);
    let app = crate::browser::Visitor::ubnd(dashboards::app(state), &fx.cfg).await;
    let (status, _, body) = call(&app, get_req(&format!("/api/indicators?period={period}"))).await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let mut rows = json["indicators"].as_array().unwrap().clone();
    rows.extend(json["operations"].as_array().unwrap().iter().cloned());
    assert_eq!(rows.len(), 22);
    rows
}

/// Every indicator's name as the catalogue writes it, and every percentage as the API gives
/// it, in the text of a document.
fn assert_pdf_holds(text: &str, rows: &[serde_json::Value]) {
    assert_eq!(text, text.nfc().collect::<String>(), "the text is NFC");
    // a name in a narrow cell may break after a slash, where it has no space
    let solid = |s: &str| s.split_whitespace().collect::<String>();
    let all = solid(text);
    for r in rows {
        let name = r["name"].as_str().unwrap();
        assert!(all.contains(&solid(name)), "no name of {}: {name}", r["id"]);
        if !r["value"].is_null() {
            let v = r["value_text"].as_str().unwrap();
            assert!(text.contains(v), "no {v} of {}", r["id"]);
        }
    }
}

fn version(fx: &Fixture) -> String {
    let json = run_ok(
        fx,
        &["indicators", "--period", "2026-06", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    format!("v{}", v["lake_version"].as_u64().unwrap())
}

#[tokio::test]
async fn the_quarterly_review_has_charts_and_repeats_its_table_header() {
    let fx = ward().await;
    let dir = tempfile::tempdir().unwrap();
    run_ok(
        &fx,
        &[
            "report",
            "quarterly",
            "--period",
            "2026-Q2",
            "--date",
            "2026-07-10",
            "--format",
            "pdf,docx",
            "--out",
        ]
        .into_iter()
        .chain([dir.path().to_str().unwrap()])
        .collect::<Vec<_>>(),
    );
    let pdf = dir.path().join("bao-cao-quy-2026-Q2.pdf");
    let text = pdf_text(&pdf, None);
    for must in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "ĐẢNG ỦY PHƯỜNG THỬ NGHIỆM",
        "Số -BC/ĐU",
        "T/M ĐẢNG ỦY",
        "Các tháng trong quý II/2026",
        "Tháng 04/2026",
        "Tháng 06/2026",
        "Biểu đồ I.3:",
    ] {
        assert!(text.contains(must), "quarterly PDF lacks “{must}”:\n{text}");
    }
    assert_pdf_holds(&text, &api_table(&fx, "2026-Q2").await);
    assert!(!dir.path().join("bao-cao-quy-2026-Q2.xlsx").exists());
    // the charts are vector drawings, not pictures
    let images = Command::new("pdfimages")
        .arg("-list")
        .arg(&pdf)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&images.stdout).lines().count(),
        2,
        "no raster images: {}",
        String::from_utf8_lossy(&images.stdout)
    );
}

/// Pages of a PDF that show a table row but not its header row.
fn pages_without_header(pdf: &Path, row: &str, header: &str) -> (u32, Vec<u32>) {
    let mut with_rows = 0;
    let mut missing = Vec::new();
    for n in 1..=pdf_pages(pdf) {
        let t = pdf_text(pdf, Some((n, n)));
        if t.contains(row) {
            with_rows += 1;
            if !t.contains(header) {
                missing.push(n);
            }
        }
    }
    (with_rows, missing)
}

#[test]
fn a_long_table_repeats_its_header_row_on_every_page() {
    use dashboards::documents::report::tables::{Column, Row, Table};
    use dashboards::documents::report::{Block, DocStyle, Format, ReportDoc, ReportKind, render};
    let col = |title: &str, width: f64| Column {
        title: title.to_string(),
        width,
        align: "left".to_string(),
    };
    let doc = ReportDoc {
        kind: ReportKind::Monthly,
        style: DocStyle::HanhChinh,
        issuer: vec!["ỦY BAN NHÂN DÂN".into(), "PHƯỜNG THỬ NGHIỆM".into()],
        number: "Số:    /BC-UBND".into(),
        motto: vec![
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".into(),
            "Độc lập - Tự do - Hạnh phúc".into(),
        ],
        place_date: "Thử Nghiệm, ngày 05 tháng 7 năm 2026".into(),
        title: "BÁO CÁO".into(),
        subject: "Bảng dài".into(),
        addressee: None,
        blocks: vec![Block::Table(Table {
            columns: vec![col("Tiêu đề lặp lại", 3.0), col("Giá trị", 1.0)],
            rows: (1..=150)
                .map(|i| Row {
                    cells: vec![format!("Dòng số {i}"), format!("{i},0 %")],
                    group: false,
                })
                .collect(),
        })],
        recipients: vec!["Lưu: VT.".into()],
        signature: vec!["CHỦ TỊCH".into()],
        signer: String::new(),
        document_title: "Bảng dài".into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 7, 5).unwrap(),
        period: "2026-06".into(),
        lake_version: Some(1),
        rows: Vec::new(),
        months: Vec::new(),
        series: Vec::new(),
        province: Vec::new(),
    };
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("bang.pdf");
    std::fs::write(&pdf, render(&doc, Format::Pdf).unwrap()).unwrap();
    let (pages, missing) = pages_without_header(&pdf, "Dòng số", "Tiêu đề lặp lại");
    assert!(pages >= 3, "150 rows fill {pages} page(s)");
    assert!(
        missing.is_empty(),
        "PDF pages without the header row: {missing:?}"
    );

    let docx = dir.path().join("bang.docx");
    std::fs::write(&docx, render(&doc, Format::Docx).unwrap()).unwrap();
    let converted = soffice(&docx, "pdf", &dir.path().join("conv"));
    let (pages, missing) = pages_without_header(&converted, "Dòng số", "Tiêu đề lặp lại");
    assert!(pages >= 3, "150 rows fill {pages} page(s) in the DOCX");
    assert!(
        missing.is_empty(),
        "DOCX pages without the header row: {missing:?}"
    );
}

#[tokio::test]
async fn text_the_fonts_cannot_draw_is_refused() {
    let fx = ward().await;
    let path = crate::ward_fixture::config_path(&fx);
    let toml = std::fs::read_to_string(&path).unwrap().replace(
        "PHƯỜNG THỬ NGHIỆM\"]\nnumber = \"Số:",
        "PHƯỜNG 漢\"]\nnumber = \"Số:",
    );
    std::fs::write(&path, toml).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = chiso(
        &fx,
        &[
            "report", "monthly", "--period", "2026-06", "--format", "pdf", "--out",
        ]
        .into_iter()
        .chain([dir.path().to_str().unwrap()])
        .collect::<Vec<_>>(),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("U+6F22"), "{err}");
    assert!(!dir.path().join("bao-cao-thang-2026-06.pdf").exists());
}

/// A request through the router: status, headers and body.
async fn call(
    app: &crate::browser::Visitor,
    mut req: axum::http::Request<axum::body::Body>,
) -> (axum::http::StatusCode, axum::http::HeaderMap, Vec<u8>) {
    req.headers_mut()
        .insert("cookie", app.cookies.parse().unwrap());
    let a = app.clone().send(req).await;
    (a.status, a.headers, a.body)
}

fn get_req(uri: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::get(uri)
        .body(axum::body::Body::empty())
        .unwrap()
}

#[tokio::test]
async fn scheduled_reports_land_in_the_outbox_once_and_are_served() {
    let fx = ward().await;
    let cfg = std::sync::Arc::new(fx.cfg.clone());
    let state = dashboards::AppState::new(chiso::site::site(&cfg), fx.lake(), fx.evaluator().await);
    let outbox = fx.dir.path().join("outbox");

    // never produced: the monthly report (scheduled) is owed once, at start
    let _s = chiso::report_schedule::start(cfg.clone(), state.clone())
        .await
        .unwrap()
        .expect("the monthly report has a schedule");
    let lake = fx.lake();
    let mut productions = Vec::new();
    for _ in 0..240 {
        productions = lake.productions().await.unwrap();
        if !productions.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(productions.len(), 1, "one production recorded");
    let made = &productions[0];
    assert_eq!(
        (made.kind.as_str(), made.trigger.as_str()),
        ("monthly", "schedule")
    );
    assert_eq!(made.files.len(), 3, "{:?}", made.files);
    for f in &made.files {
        let bytes = std::fs::read(outbox.join(&f.name)).unwrap();
        assert_eq!(
            dashboards::documents::archive::sha256_hex(&bytes),
            f.sha256,
            "{}",
            f.name
        );
    }
    // started again: nothing is owed until the next scheduled time
    let _again = chiso::report_schedule::start(cfg.clone(), state.clone())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(lake.productions().await.unwrap().len(), 1);

    // the page lists it, produces one on demand, and serves the files
    let app = crate::browser::Visitor::ubnd(dashboards::app(state), &cfg).await;
    let (status, _, page) = call(&app, get_req("/bao-cao")).await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains(&made.files[0].name) && page.contains("theo lịch"),
        "{page}"
    );
    let form = format!(
        "_csrf={}&kind=quarterly&period=2026-Q2&unit=KP01&date=2026-07-10&pdf=on&evidence=on",
        app.csrf
    );
    let (status, headers, _) = call(
        &app,
        axum::http::Request::post("/bao-cao")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(form))
            .unwrap(),
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(headers["location"], "/bao-cao");
    let (_, _, page) = call(&app, get_req("/bao-cao")).await;
    let page = String::from_utf8(page).unwrap();
    for name in [
        "bao-cao-quy-2026-Q2-KP01.pdf",
        "bao-cao-quy-2026-Q2-KP01-minh-chung.zip",
    ] {
        assert!(
            page.contains(&format!("/bao-cao/tai/{name}")),
            "{name} listed"
        );
    }
    let (status, headers, pdf) =
        call(&app, get_req("/bao-cao/tai/bao-cao-quy-2026-Q2-KP01.pdf")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(pdf.starts_with(b"%PDF"));
    let (_, _, zip) = call(
        &app,
        get_req("/bao-cao/tai/bao-cao-quy-2026-Q2-KP01-minh-chung.zip"),
    )
    .await;
    let path = fx.dir.path().join("downloaded.zip");
    std::fs::write(&path, zip).unwrap();
    evidence::verify(&path).unwrap();
    for bad in [
        "/bao-cao/tai/..%2Fpipelines.toml",
        "/bao-cao/tai/.hidden",
        "/bao-cao/tai/nope.pdf",
    ] {
        let (status, _, _) = call(&app, get_req(bad)).await;
        assert_eq!(status, 404, "{bad}");
    }
    // one figure's annex straight from the API
    let (status, headers, zip) =
        call(&app, get_req("/api/indicators/I.3/evidence?period=2026-06")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/zip");
    std::fs::write(&path, zip).unwrap();
    let report = evidence::verify(&path).unwrap();
    assert_eq!(
        report.figures,
        vec![evidence::Recounted {
            id: "I.3".to_string(),
            records: 9,
            totals: Some((5, 9))
        }]
    );
}

#[tokio::test]
async fn spreadsheet_text_that_looks_like_a_formula_stays_text() {
    use dashboards::documents::report::{self, Format, ReportKind, ReportRequest};
    let fx = ward().await;
    let ev = fx.evaluator().await;
    let site = chiso::site::site(&fx.cfg);
    let reports = fx.cfg.reports.clone().unwrap();
    let mut doc = report::build(
        &ev,
        &ReportRequest {
            kind: ReportKind::Monthly,
            period: p("2026-06"),
            unit: None,
            date: chrono::NaiveDate::from_ymd_opt(2026, 7, 5).unwrap(),
            ward: &site.ward_name,
            place: &reports.place,
            setup: &reports.monthly,
            plans: &site.plans,
        },
    )
    .await
    .unwrap();
    let hostile = [
        "=HYPERLINK(\"http://x\",\"y\")",
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
    ];
    for (row, text) in doc.rows.iter_mut().zip(hostile) {
        row.name = text.to_string();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    std::fs::write(&path, report::render(&doc, Format::Xlsx).unwrap()).unwrap();
    let sheet = String::from_utf8(entry(&path, "xl/worksheets/sheet1.xml")).unwrap();
    assert!(!sheet.contains("<f>"), "no formula in the sheet");
    let strings = String::from_utf8(entry(&path, "xl/sharedStrings.xml")).unwrap();
    for text in ["+1+1", "-2+3", "@SUM(A1:A2)"] {
        assert!(strings.contains(text), "{text} kept as text");
    }
    let unescaped = strings.replace("&quot;", "\"");
    assert!(
        unescaped.contains("=HYPERLINK(\"http://x\",\"y\")"),
        "a formula kept as text"
    );
    // numbers are numbers and dates are dates: the first figure's numerator and window
    let first = &doc.rows[0].figure;
    let n = first.numerator.unwrap();
    assert!(
        sheet.contains(&format!("<v>{n}</v>")),
        "numerator {n} stored as a number"
    );
    // 01/06/2026, the window's first day, is Excel's day 46174
    assert!(
        sheet.contains("<v>46174</v>"),
        "the window's dates stored as dates"
    );
}
