//! A drop folder as an officer's week fills it: a file that is no extract, a spreadsheet saved
//! by Excel on a Vietnamese Windows, a workbook that inflates to gigabytes, a pasted essay in a
//! name field, dates that cannot be. Each bad file is refused alone with its reason, each bad
//! row quarantined with its reason, and everything else loads.

use sha2::{Digest, Sha256};

use crate::helpers::{Fixture, count, dossiers_csv};

/// The single text cell of a query.
async fn text(lake: &warehouse::Lake, sql: &str) -> String {
    let ctx = lake.session().await.unwrap();
    let b = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    warehouse::columns::utf8(b[0].column(0)).unwrap()[0]
        .clone()
        .unwrap_or_default()
}

/// Every dossier state the lake holds, with where it was read, as one string.
const STATES: &str = "SELECT string_agg(concat_ws('|', ma_ho_so, CAST(ngay_cap_nhat AS VARCHAR), \
    CAST(trang_thai_ho_so AS VARCHAR), ten_tthc, ma_khu_pho, CAST(ngay_tra AS VARCHAR), \
    _file, CAST(_row AS VARCHAR)), ';' ORDER BY ma_ho_so, ngay_cap_nhat) \
    FROM one_stop_dossier_history";

#[tokio::test]
async fn a_garbage_file_is_refused_alone_and_once_until_its_bytes_change() {
    let fx = Fixture::new();
    let garbage_path = fx.dir.path().join("extracts/ho_so_hong.csv");
    let garbage = sample::hostile::garbage(4096, 7);
    std::fs::write(&garbage_path, &garbage).unwrap();

    // the good export loads as if it were alone
    let first = fx.ingest().await;
    assert_eq!(first.counts.accepted, 16, "{first:?}");
    assert_eq!(first.counts.quarantined, 1);
    assert_eq!(first.refused.len(), 1, "{first:?}");
    let refused = &first.refused[0];
    assert_eq!(refused.path, "extracts/ho_so_hong.csv");
    assert_eq!(refused.sha256, hex::encode(Sha256::digest(&garbage)));
    assert_eq!(refused.bytes, 4096);
    assert!(!refused.reason.is_empty() && !refused.reason.contains("/tmp"));
    let summary = chiso::pipeline::describe(&first);
    assert!(
        summary.contains("refused extracts/ho_so_hong.csv — "),
        "{summary}"
    );
    let alone = Fixture::new();
    alone.ingest().await;
    assert_eq!(
        text(&fx.lake(), STATES).await,
        text(&alone.lake(), STATES).await
    );
    let june = "2026-06".parse().unwrap();
    let i3 = fx.evaluator().await.value("I.3", june, None).await.unwrap();
    let reference = alone.evaluator().await.value("I.3", june, None).await;
    let reference = reference.unwrap();
    assert_eq!(
        (i3.numerator, i3.denominator),
        (reference.numerator, reference.denominator)
    );

    // recorded once: in its table and in the run log, which says the run committed
    let lake = fx.lake();
    assert_eq!(
        count(&lake, "SELECT count(*) FROM ingest_refused_files").await,
        1
    );
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM ingest_runs WHERE outcome = 'committed' \
             AND files_refused LIKE '%extracts/ho_so_hong.csv%'"
        )
        .await,
        1
    );

    // not tried again while its bytes stay the same
    let second = fx.ingest().await;
    assert!(second.batch_id.is_empty(), "{second:?}");
    assert_eq!(second.skipped_files, 3);
    assert_eq!(
        count(&lake, "SELECT count(*) FROM ingest_refused_files").await,
        1
    );

    // freshness names it, and the source is not late for it
    let now = chrono::Utc::now();
    let fresh = lake.freshness(&fx.cfg.max_ages(), now).await.unwrap();
    let one_stop = fresh.iter().find(|f| f.source == "one_stop").unwrap();
    assert_eq!(one_stop.refused.len(), 1);
    assert_eq!(one_stop.refused[0].path, "extracts/ho_so_hong.csv");
    assert_eq!(one_stop.last_outcome.as_deref(), Some("nothing_new"));

    // other bytes are tried again; refused again, and the run says every new file was
    std::fs::write(&garbage_path, sample::hostile::garbage(2048, 8)).unwrap();
    let third = fx.ingest().await;
    assert_eq!(third.refused.len(), 1);
    assert!(third.files.is_empty());
    assert_eq!(warehouse::Outcome::of(&third), warehouse::Outcome::Refused);
    assert_eq!(
        count(&lake, "SELECT count(*) FROM ingest_refused_files").await,
        2
    );

    // the corrected file under the same name loads, and nothing is listed as refused any more
    let corrected = dossiers_csv().replace("HS0", "HS3").replace("HS1", "HS4");
    std::fs::write(&garbage_path, corrected).unwrap();
    let fourth = fx.ingest().await;
    assert!(fourth.refused.is_empty(), "{fourth:?}");
    assert_eq!(fourth.counts.accepted, 12, "{fourth:?}");
    let fresh = lake
        .freshness(&fx.cfg.max_ages(), chrono::Utc::now())
        .await
        .unwrap();
    let one_stop = fresh.iter().find(|f| f.source == "one_stop").unwrap();
    assert!(one_stop.refused.is_empty(), "{:?}", one_stop.refused);
}

#[tokio::test]
async fn semicolon_tab_and_pipe_files_load_to_the_same_rows_as_the_comma_one() {
    let comma = Fixture::new();
    let reference = comma.ingest().await;
    let expected = text(&comma.lake(), STATES).await;
    assert!(expected.contains("HS01|"), "{expected}");
    for separator in [";", "\t", "|"] {
        let fx = Fixture::new();
        // a title row above the header, with a comma of its own, as offices write them
        let export = format!(
            "Danh sách hồ sơ, tháng 6/2026\n{}",
            dossiers_csv()
                .trim_start_matches('\u{feff}')
                .replace(',', separator)
        );
        std::fs::write(fx.dir.path().join("extracts/ho_so_export.csv"), export).unwrap();
        let r = fx.ingest().await;
        assert!(r.refused.is_empty(), "{separator:?}: {r:?}");
        assert_eq!(r.counts, reference.counts, "{separator:?}");
        // the same states, each a line further down for the title
        let got = text(&fx.lake(), STATES).await;
        let shifted: Vec<String> = expected
            .split(';')
            .map(|s| {
                let (head, row) = s.rsplit_once('|').unwrap();
                let row: u64 = row.parse().unwrap();
                let row = if head.contains("ho_so_export.csv") {
                    row + 1
                } else {
                    row
                };
                format!("{head}|{row}")
            })
            .collect();
        assert_eq!(got, shifted.join(";"), "{separator:?}");
    }
}

#[tokio::test]
async fn a_workbook_that_inflates_past_its_limit_is_refused_from_its_directory() {
    let fx = Fixture::new();
    let path = fx.dir.path().join("pipelines.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("{toml}\n[sources.vneid]\nsystem = \"vneid\"\nfiles = [\"extracts/vneid/*\"]\n"),
    )
    .unwrap();
    let cfg = chiso::Config::load(&path).unwrap();
    let dir = fx.dir.path().join("extracts/vneid");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("vneid_2026-06.csv"),
        "NgaySoLieu,MaDonVi,DanSo,NguoiTruongThanh,SoKichHoat,SoHoanThanhPhoCap\n\
         30/06/2026,KP01,1000,800,600,500\n30/06/2026,KP02,900,700,500,400\n",
    )
    .unwrap();
    // 300 MiB of worksheet in a file of a few hundred kilobytes; the limit is 256 MiB
    let bomb = sample::hostile::xlsx_bomb(300 << 20);
    assert!(bomb.len() < 2 << 20, "{}", bomb.len());
    std::fs::write(dir.join("vneid_2026-06.xlsx"), bomb).unwrap();

    let key = ingest::Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap();
    let lake = chiso::pipeline::open_lake(&cfg).unwrap();
    let r = chiso::pipeline::ingest(&cfg, &lake, Some("vneid"), &key)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(r.counts.accepted, 2, "{r:?}");
    assert_eq!(r.refused.len(), 1, "{r:?}");
    let reason = &r.refused[0].reason;
    assert!(
        reason.contains("xl/worksheets/sheet1.xml")
            && reason.contains("300 MiB")
            && reason.contains("256 MiB (limits.xlsx_part_bytes)"),
        "{reason}"
    );
}

#[tokio::test]
async fn impossible_records_and_oversized_fields_are_quarantined_with_their_reason() {
    let fx = Fixture::new();
    let hs01 = dossiers_csv()
        .lines()
        .find(|l| l.starts_with("HS01,"))
        .unwrap()
        .to_string();
    let with = |id: &str, changes: &[(usize, &str)]| {
        let mut cells: Vec<String> = hs01.split(',').map(str::to_string).collect();
        cells[0] = id.to_string();
        for (i, v) in changes {
            cells[*i] = v.to_string();
        }
        cells.join(",")
    };
    let essay = "Đ".repeat(60_000);
    let extra = [
        // due before it was received
        with("HS21", &[(8, "01/06/2026 17:00:00")]),
        // finished and returned after the state that reports them was recorded
        with("HS22", &[(19, "03/06/2026 09:00:00")]),
        // received in a year that has not come
        with(
            "HS23",
            &[(7, "02/06/2099 08:00:00"), (8, "05/06/2099 17:00:00")],
        ),
        // 120 KB pasted into the procedure's name
        with("HS24", &[(2, essay.as_str())]),
    ];
    let export = format!("{}{}\n", dossiers_csv(), extra.join("\n"));
    std::fs::write(fx.dir.path().join("extracts/ho_so_export.csv"), export).unwrap();
    let r = fx.ingest().await;
    assert_eq!(r.counts.quarantined, 5, "{r:?}");
    assert_eq!(r.counts.accepted, 16);
    let lake = fx.lake();
    let reasons = text(
        &lake,
        "SELECT string_agg(concat_ws('|', value_row, field, reason), '\n' ORDER BY value_row, field) \
         FROM (SELECT CAST(row AS VARCHAR) AS value_row, field, reason FROM quarantine \
         WHERE row > 14)",
    )
    .await;
    assert_eq!(
        reasons,
        [
            "15|NgayHenTra|hạn trả trước ngày tiếp nhận",
            "16|NgayKetThucXuLy|kết thúc xử lý sau thời điểm cập nhật trạng thái (NgayCapNhat)",
            "16|NgayTra|ngày trả kết quả sau thời điểm cập nhật trạng thái (NgayCapNhat)",
            "17|NgayTiepNhan|thời điểm 02/06/2099 08:00 ở tương lai (quá một ngày sau lúc nạp)",
            "18|TenTTHC|trường dài 117,2 KiB, vượt giới hạn 64 KiB (limits.field_bytes)",
        ]
        .join("\n")
    );
    // the quarantine keeps a preview of the long value, not the value
    let kept = count(
        &lake,
        "SELECT CAST(max(character_length(value)) AS BIGINT) FROM quarantine \
         WHERE field = 'TenTTHC'",
    )
    .await;
    assert!(kept <= 41, "{kept}");
}

/// The fixture with `limits` set on its one-stop source.
fn limited(limits: &str) -> Fixture {
    let fx = Fixture::new();
    let path = fx.dir.path().join("pipelines.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("{toml}\n[sources.one_stop.limits]\n{limits}\n"),
    )
    .unwrap();
    Fixture {
        cfg: chiso::Config::load(&path).unwrap(),
        dir: fx.dir,
    }
}

#[tokio::test]
async fn a_source_sets_its_own_limits_and_a_file_over_one_is_refused_naming_it() {
    for (limits, named) in [
        (
            "rows = 10",
            "tệp có hơn 10 dòng, vượt giới hạn (limits.rows)",
        ),
        (
            "file_bytes = 1000",
            "tệp nặng 2,4 KiB, vượt giới hạn 1.000 byte (limits.file_bytes)",
        ),
    ] {
        let fx = limited(limits);
        let r = fx.ingest().await;
        // the catalogue (4 rows, 372 bytes) is within either limit; the export is not
        assert_eq!(r.counts.read, 4, "{limits}: {r:?}");
        assert_eq!(r.refused.len(), 1, "{limits}: {r:?}");
        assert_eq!(r.refused[0].path, "extracts/ho_so_export.csv");
        assert_eq!(r.refused[0].reason, named);
    }
}

#[tokio::test]
async fn a_market_export_named_after_no_table_is_refused_alone() {
    let (dir, cfg) = crate::helpers::sample_deployment(0.05, (2025, 9));
    std::fs::write(
        dir.path().join("sample/market/csv/ghi_chu.csv"),
        "ghi chú,của cán bộ\n1,2\n",
    )
    .unwrap();
    let key = ingest::Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap();
    let lake = chiso::pipeline::open_lake(&cfg).unwrap();
    let r = chiso::pipeline::ingest(&cfg, &lake, Some("market"), &key)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(r.files.len(), 5, "{r:?}");
    assert_eq!(r.refused.len(), 1);
    assert_eq!(r.refused[0].path, "sample/market/csv/ghi_chu.csv");
    assert!(
        r.refused[0].reason.contains("traders.csv, stalls.csv"),
        "{}",
        r.refused[0].reason
    );
}
