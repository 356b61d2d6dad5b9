//! A province: its wards' lakes read side by side, the province's figure made of the wards'
//! numerators and denominators summed.

use std::process::Command;

use chiso::config::{ProvinceConfig, ProvinceWard};
use metrics::province::ProvinceRow;
use metrics::{AsOf, Period};

use crate::helpers::Fixture;

fn row<'a>(rows: &'a [ProvinceRow], id: &str) -> &'a ProvinceRow {
    rows.iter().find(|r| r.id == id).unwrap()
}

/// Three small wards: the whole-ward fixture (June I.3 5 / 9; August VH.1 2 / 9), the same
/// after its HS03 finished on 08/06 with an electronic result (June I.3 6 / 9; in August HS03
/// is no longer open and past due: VH.1 2 / 8), and a ward with the one-stop extract alone
/// (June as the first; in August nothing finished, HS03, HS09 and HS10 open and past due:
/// VH.1 0 / 3).
/// The three wards, ingested, and a home deployment whose `[province]` lists them.
async fn three_wards() -> (Vec<Fixture>, Fixture) {
    let mut wards = Vec::new();
    for kind in ["whole", "later", "one_stop"] {
        let fx = match kind {
            "one_stop" => Fixture::new(),
            _ => Fixture::whole_ward(),
        };
        match kind {
            "one_stop" => {
                fx.ingest().await;
            }
            "later" => {
                fx.add_api_page();
                fx.ingest_all().await;
            }
            _ => {
                fx.ingest_all().await;
            }
        }
        wards.push(fx);
    }
    let mut home = Fixture::new();
    home.cfg.province = Some(ProvinceConfig {
        name: "Tỉnh Thử Nghiệm".into(),
        wards: ["25216", "25219", "25222"]
            .iter()
            .zip(&wards)
            .enumerate()
            .map(|(i, (code, fx))| ProvinceWard {
                code: code.to_string(),
                name: format!("Phường {}", ["Một", "Hai", "Ba"][i]),
                lake: fx.lake_dir().display().to_string(),
            })
            .collect(),
        reports: None,
    });
    (wards, home)
}

/// The home deployment's file with the three wards as its `[province]`, for the CLI.
fn province_file(home: &Fixture, wards: &[Fixture]) -> std::path::PathBuf {
    let path = home.dir.path().join("pipelines.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n[province]\nname = \"Tỉnh Thử Nghiệm\"\n");
    for (code, fx) in ["25216", "25219", "25222"].iter().zip(wards) {
        text.push_str(&format!(
            "[[province.wards]]\ncode = \"{code}\"\nname = \"Phường {code}\"\nlake = \"{}\"\n",
            fx.lake_dir().display()
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn the_province_sums_its_wards_numerators_and_denominators() {
    let (wards, home) = three_wards().await;
    let june: Period = "2026-06".parse().unwrap();
    let rows = chiso::province::table(&home.cfg, june, AsOf::Latest)
        .await
        .unwrap();

    // by hand: I.3 (5 + 6 + 5) / (9 + 9 + 9)
    let i3 = row(&rows, "I.3");
    assert_eq!(
        (i3.figure.numerator, i3.figure.denominator),
        (Some(16), Some(27))
    );
    assert_eq!(i3.figure.value_text, "59,3 %");
    // ranked: the ward with the later run first, the other two sharing second place
    let ranks: Vec<_> = i3
        .wards
        .iter()
        .map(|w| (w.code.as_str(), w.rank, w.numerator))
        .collect();
    assert_eq!(
        ranks,
        [
            ("25219", Some(1), Some(6)),
            ("25216", Some(2), Some(5)),
            ("25222", Some(2), Some(5))
        ]
    );
    // every summable row is the sum of its wards, whatever the indicator
    let mut summed = 0;
    for r in &rows {
        let n: Option<u64> = r.wards.iter().map(|w| w.numerator).sum();
        let d: Option<u64> = r.wards.iter().map(|w| w.denominator).sum();
        if let (Some(n), Some(d)) = (n, d) {
            assert_eq!(
                (r.figure.numerator, r.figure.denominator),
                (Some(n), Some(d)),
                "{}",
                r.id
            );
            summed += 1;
        }
        assert_eq!(r.wards.len(), 3, "{}", r.id);
        let met = r
            .wards
            .iter()
            .filter(|w| w.status == metrics::Status::Dat)
            .count();
        assert_eq!(r.wards_met, met, "{}", r.id);
    }
    // the one-stop rows, which all three wards have
    assert!(summed >= 5, "{summed} rows summed");
    // August VH.1: (2 + 2 + 0) / (9 + 8 + 3) = 20,0 %, where the mean of the wards'
    // percentages (22,2 %, 25,0 %, 0,0 %) would say 15,7 %
    let august = chiso::province::table(&home.cfg, "2026-08".parse().unwrap(), AsOf::Latest)
        .await
        .unwrap();
    let vh1 = row(&august, "VH.1");
    assert_eq!(
        (vh1.figure.numerator, vh1.figure.denominator),
        (Some(4), Some(20))
    );
    assert_eq!(vh1.figure.value_text, "20,0 %");

    // the service shows the same: the API, the page of every indicator, the page of one
    let mut site = chiso::site::site_with_province(&home.cfg).unwrap();
    site.default_period = june;
    let state = dashboards::AppState::new(site, home.lake(), home.evaluator().await);
    let app = dashboards::app(state);
    let mut ubnd = crate::browser::Visitor::ubnd(app.clone(), &home.cfg).await;
    let api: serde_json::Value =
        serde_json::from_slice(&ubnd.get("/api/province").await.body).unwrap();
    let api_i3 = api
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "I.3")
        .unwrap();
    assert_eq!(
        (api_i3["numerator"].as_u64(), api_i3["denominator"].as_u64()),
        (Some(16), Some(27))
    );
    let list = String::from_utf8(ubnd.get("/tinh").await.body).unwrap();
    assert!(
        list.contains("Tỉnh Thử Nghiệm") && list.contains("16 / 27") && list.contains("59,3 %"),
        "{list}"
    );
    let one = String::from_utf8(ubnd.get("/tinh/I.3?period=2026-06").await.body).unwrap();
    let (hai, mot, ba) = (
        one.find("Phường Hai"),
        one.find("Phường Một"),
        one.find("Phường Ba"),
    );
    assert!(hai < mot && mot < ba && hai.is_some(), "ranked: {one}");
    let mut kp =
        crate::browser::Visitor::account(app, &home.cfg, "kp01", "khu_pho", Some("KP01")).await;
    assert_eq!(
        kp.get("/tinh").await.status,
        axum::http::StatusCode::FORBIDDEN
    );

    // the CLI prints the same, as JSON and as CSV
    let path = province_file(&home, &wards);
    let cli = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_chiso"))
            .args([
                "--config",
                path.to_str().unwrap(),
                "indicators",
                "--province",
            ])
            .args(["--period", "2026-06", "--format", format])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let json: serde_json::Value = serde_json::from_str(&cli("json")).unwrap();
    let i3 = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "I.3")
        .unwrap();
    assert_eq!(
        (i3["numerator"].as_u64(), i3["denominator"].as_u64()),
        (Some(16), Some(27))
    );
    let csv = cli("csv");
    assert!(csv.contains("I.3,2026-06,,,,16,27,"), "{csv}");
    assert!(
        csv.contains("I.3,2026-06,25219,Phường 25219,1,6,9,"),
        "{csv}"
    );
    let table = cli("table");
    assert!(
        table.contains("59,3 %") && table.contains("16/27"),
        "{table}"
    );
}

/// `chiso sample --wards 3` writes three distinct wards with their own deployment files and
/// the province's file; each ward ingested into its prefix of one bucket, the province's
/// table is the wards' sums.
#[tokio::test]
async fn a_sampled_province_on_s3_is_ingested_ward_by_ward_and_read_whole() {
    let s3 = crate::s3_server::S3Server::start();
    s3.bucket("tinh").await;
    let (dir, cfg) = crate::helpers::sample_deployment(0.02, (2026, 3));
    let cfg = s3.deploy_to(&cfg, "tinh");
    let out = dir.path().join("tinh");
    // each command run from the deployment file's directory, naming it by a relative path
    let chiso = |config: &std::path::Path, args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_chiso"));
        c.current_dir(config.parent().unwrap())
            .args(["--config", "pipelines.toml"])
            .args(args)
            .env("CHISO_PSEUDONYM_KEY", "province-test-key-0123456789");
        let out = c.output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let base = cfg.base_dir.join("pipelines.toml");
    chiso(
        &base,
        &[
            "sample",
            "--out",
            out.to_str().unwrap(),
            "--wards",
            "3",
            "--scale",
            "0.02",
            "--until",
            "2026-03",
            "--lake",
            "s3://tinh/phuong",
        ],
    );
    let province = chiso::Config::load(&out.join("pipelines.toml")).unwrap();
    let wards = &province.province.as_ref().unwrap().wards;
    assert_eq!(wards.len(), 3);
    let mut per_ward = Vec::new();
    for w in wards {
        assert_eq!(w.lake, format!("s3://tinh/phuong/{}", w.code));
        let file = out.join(&w.code).join("pipelines.toml");
        let ward = chiso::Config::load(&file).unwrap();
        // the catalogue and the plans are where the base deployment keeps them
        for p in [&ward.ward.catalogue, &ward.ward.plans] {
            assert!(
                std::path::Path::new(p).is_absolute() && std::path::Path::new(p).exists(),
                "{p}"
            );
        }
        assert_eq!(
            (ward.ward.code.as_str(), ward.lake.location.as_str()),
            (w.code.as_str(), w.lake.as_str())
        );
        chiso(&file, &["ingest"]);
        let json = chiso(
            &file,
            &["indicators", "--period", "2026-03", "--format", "json"],
        );
        per_ward.push(serde_json::from_str::<serde_json::Value>(&json).unwrap());
    }
    let json = chiso(
        &out.join("pipelines.toml"),
        &[
            "indicators",
            "--province",
            "--period",
            "2026-03",
            "--format",
            "json",
        ],
    );
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let of = |report: &serde_json::Value, id: &str, field: &str| -> Option<u64> {
        report["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .chain(report["operations"].as_array().unwrap())
            .find(|r| r["id"] == id)
            .and_then(|r| r[field].as_u64())
    };
    let mut distinct = std::collections::BTreeSet::new();
    for id in ["I.3", "I.4", "VH.1", "II.1"] {
        let r = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap();
        for field in ["numerator", "denominator"] {
            let sum: u64 = per_ward.iter().map(|w| of(w, id, field).unwrap()).sum();
            assert_eq!(r[field].as_u64(), Some(sum), "{id} {field}");
        }
        for w in &per_ward {
            distinct.insert(of(w, id, "denominator"));
        }
    }
    // the wards are not three copies of one
    assert!(distinct.len() > 4, "{distinct:?}");
}

/// The province's own reports, as `[province.reports]` sets them.
const PROVINCE_REPORTS: &str = r#"
[province.reports]
place = "Thử Nghiệm"

[province.reports.monthly]
style = "hanh_chinh"
issuer = ["ỦY BAN NHÂN DÂN", "TỈNH THỬ NGHIỆM"]
number = "Số:        /BC-UBND"
motto = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
subject = "Kết quả thực hiện các chỉ tiêu chuyển đổi số của các phường"
recipients = ["Bộ Khoa học và Công nghệ (để báo cáo);", "Lưu: VT."]
signature = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]

[province.reports.quarterly]
style = "dang"
issuer = ["TỈNH ỦY THỬ NGHIỆM"]
number = "Số      -BC/TU"
motto = ["ĐẢNG CỘNG SẢN VIỆT NAM"]
subject = "Sơ kết thực hiện các chỉ tiêu chuyển đổi số của các phường"
recipients = ["Các đảng ủy phường;", "Lưu Văn phòng Tỉnh ủy."]
signature = ["T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ"]
"#;

/// The province's report and annex come from the same machinery as a ward's: the report
/// holds the summed figure and every ward's standing in three formats; the annex holds every
/// ward's own annex whole and a summary that `chiso verify` adds up again, and a summary that
/// does not add up, or that misquotes a ward, is named.
#[tokio::test]
async fn the_province_s_report_and_annex_prove_its_sums() {
    use crate::documents::{entry, pdf_text, soffice, with_entry};
    let (wards, home) = three_wards().await;
    let path = province_file(&home, &wards);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(PROVINCE_REPORTS);
    std::fs::write(&path, text).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_chiso"))
            .arg("--config")
            .arg(&path)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let out_dir = home.dir.path().join("tinh");
    let (ok, said) = run(&[
        "report",
        "monthly",
        "--province",
        "--period",
        "2026-06",
        "--date",
        "2026-07-03",
        "--evidence",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(ok, "{said}");
    let stem = out_dir.join("bao-cao-thang-2026-06-tinh");
    let pdf = stem.with_extension("pdf");
    let annex = out_dir.join("bao-cao-thang-2026-06-tinh-minh-chung.zip");
    for f in [
        &pdf,
        &stem.with_extension("docx"),
        &stem.with_extension("xlsx"),
        &annex,
    ] {
        assert!(f.exists(), "{} missing: {said}", f.display());
    }

    // the report: the province's letterhead, the summed figure, the wards' standing
    let text = pdf_text(&pdf, None);
    for want in [
        "ỦY BAN NHÂN DÂN",
        "TỈNH THỬ NGHIỆM",
        "Thử Nghiệm, ngày 03 tháng 7 năm 2026",
        "59,3 %",
        "16 / 27",
        "Phường 25219",
        "Phường 25222",
        "KẾT QUẢ CỦA CÁC PHƯỜNG",
        "[Cán bộ điền:",
    ] {
        assert!(text.contains(want), "the PDF lacks “{want}”: {text}");
    }
    assert!(!text.contains('\u{FFFD}'), "{text}");
    let docx_pdf = soffice(&stem.with_extension("docx"), "pdf", &out_dir.join("docx"));
    let docx_text = pdf_text(&docx_pdf, None);
    assert!(
        docx_text.contains("16 / 27") && docx_text.contains("Phường 25219"),
        "{docx_text}"
    );
    // the spreadsheet: the province's sheet as shown, and every ward's figure on the next
    let xlsx = stem.with_extension("xlsx");
    let csv = soffice(
        &xlsx,
        "csv:Text - txt - csv (StarCalc):44,34,76",
        &out_dir.join("xlsx"),
    );
    let sheet = std::fs::read_to_string(&csv).unwrap();
    let i3: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(sheet.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .find(|r| r.get(0) == Some("I.3"))
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!((i3[5].as_str(), i3[6].as_str()), ("16", "27"), "{sheet}");
    let workbook = String::from_utf8(entry(&xlsx, "xl/workbook.xml")).unwrap();
    assert!(workbook.contains(r#"name="Các phường""#), "{workbook}");
    let strings = String::from_utf8(entry(&xlsx, "xl/sharedStrings.xml")).unwrap();
    assert!(strings.contains("Phường 25219"), "{strings}");

    // the annex: three ward annexes and the summary, added up again offline
    let (ok, said) = run(&["verify", annex.to_str().unwrap()]);
    assert!(ok, "{said}");
    assert!(
        said.contains("I.3") && said.contains("tử số 16, mẫu số 27"),
        "{said}"
    );
    let summary = String::from_utf8(entry(&annex, "tong-hop.csv")).unwrap();
    assert!(
        summary.contains("I.3,") && summary.contains(",,Tỉnh Thử Nghiệm,,"),
        "{summary}"
    );
    for code in ["25216", "25219", "25222"] {
        let ward = out_dir.join(format!("{code}.zip"));
        std::fs::write(&ward, entry(&annex, &format!("phuong-{code}.zip"))).unwrap();
        dashboards::documents::evidence::verify(&ward).unwrap();
    }

    // a summary that does not add up, with its hash made to match, is named
    let forge = |from: &str, to: &str, name: &str| {
        assert!(summary.contains(from), "{from} not in {summary}");
        let edited = summary.replacen(from, to, 1);
        let sums = String::from_utf8(entry(&annex, "SHA256SUMS")).unwrap();
        let old = dashboards::documents::archive::sha256_hex(summary.as_bytes());
        let new = dashboards::documents::archive::sha256_hex(edited.as_bytes());
        let half = out_dir.join(format!("{name}-half.zip"));
        let forged = out_dir.join(format!("{name}.zip"));
        with_entry(&annex, "tong-hop.csv", edited.as_bytes(), &half);
        with_entry(
            &half,
            "SHA256SUMS",
            sums.replace(&old, &new).as_bytes(),
            &forged,
        );
        dashboards::documents::evidence::verify(&forged).unwrap_err()
    };
    let i3_total = summary
        .lines()
        .find(|l| l.starts_with("I.3,") && l.contains(",,Tỉnh Thử Nghiệm,,"))
        .unwrap()
        .to_string();
    let err = forge(&i3_total, &i3_total.replace(",16,27,", ",17,27,"), "sum");
    assert_eq!(err.file, "tong-hop.csv", "{err}");
    assert!(err.reason.contains("không bằng tổng"), "{err}");
    let i3_ward = summary
        .lines()
        .find(|l| l.starts_with("I.3,") && l.contains(",25219,"))
        .unwrap()
        .to_string();
    let err = forge(&i3_ward, &i3_ward.replace(",6,9,", ",5,9,"), "ward");
    assert!(err.reason.contains("25219"), "{err}");
}
