//! The counts kept per day: every figure they give equals the figure counted from the raw
//! tables, and keeping them run by run gives the same rows as recomputing them whole.

use metrics::{Evaluator, Period, PeriodRule};

use crate::helpers::{Fixture, HEADER};

/// Every month of 2026, its quarters, halves and the year.
fn periods() -> Vec<Period> {
    let mut out: Vec<Period> = (1..=12)
        .map(|month| Period::Month { year: 2026, month })
        .collect();
    for p in [
        "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026-H1", "2026-H2", "2026",
    ] {
        out.push(p.parse().unwrap());
    }
    out
}

/// The figure of every computable indicator, period and khu phố, and every breakdown, read
/// by both evaluators.
async fn same_figures(kept: &Evaluator, raw: &Evaluator) {
    let cat = kept.catalogue().clone();
    for ind in cat.indicators.iter().chain(&cat.operations) {
        let Some(m) = &ind.measure else { continue };
        for period in periods() {
            for unit in [None, Some("KP01"), Some("KP02"), Some("KP09")] {
                if unit.is_some() && m.column("khu_pho").is_none() {
                    continue;
                }
                let a = kept.value(&ind.id, period, unit).await.unwrap();
                let b = raw.value(&ind.id, period, unit).await.unwrap();
                assert_eq!(
                    (a.numerator, a.denominator, &a.status),
                    (b.numerator, b.denominator, &b.status),
                    "{} {period} {unit:?}",
                    ind.id
                );
            }
            for dim in m.breakdowns.keys() {
                assert_eq!(
                    kept.breakdown(&ind.id, period, dim).await.unwrap(),
                    raw.breakdown(&ind.id, period, dim).await.unwrap(),
                    "{} {period} by {dim}",
                    ind.id
                );
            }
        }
    }
}

#[tokio::test]
async fn kept_counts_give_the_figures_of_the_raw_tables() {
    let fx = Fixture::whole_ward();
    fx.ingest_all().await;
    let kept = fx.evaluator().await;
    // every event and as-of measure, and the conditions measures written as parts, are kept;
    // distinct counts and catalogues are not
    let cat = kept.catalogue().clone();
    let mut from_kept = Vec::new();
    for ind in cat.indicators.iter().chain(&cat.operations) {
        if kept.counts_kept(&ind.id).await.unwrap() {
            from_kept.push(ind.id.as_str());
        }
    }
    assert_eq!(
        from_kept,
        [
            "I.3", "I.4", "I.5", "I.7", "II.1", "II.2", "II.3", "II.4", "II.5", "II.6", "VH.1",
            "VH.2", "VH.3", "VH.4", "VH.5"
        ]
    );
    let raw = fx.evaluator().await.by_window();
    same_figures(&kept, &raw).await;
    // under Nghị định 09's windows too
    let rule = Some(PeriodRule::Nd09);
    same_figures(
        &kept.with_other_rule(rule).await.unwrap(),
        &raw.with_other_rule(rule).await.unwrap(),
    )
    .await;
}

/// What the last keeping pass of the rollup table did: indicators recomputed whole, and
/// those recomputed day by day.
async fn last_pass(fx: &Fixture) -> (Vec<String>, Vec<String>) {
    let info = fx
        .lake()
        .last_commit_info(metrics::rollup::TABLE)
        .await
        .unwrap()
        .expect("a rollup commit");
    let whole = serde_json::from_value(info["chiso.whole"].clone()).unwrap();
    let days: std::collections::BTreeMap<String, usize> =
        serde_json::from_value(info["chiso.days"].clone()).unwrap();
    (whole, days.into_keys().collect())
}

/// Recomputing everything changes nothing.
async fn rebuild_finds_them_equal(fx: &Fixture, after: &str) {
    let k = chiso::pipeline::rebuild_rollups(&fx.cfg, &fx.lake())
        .await
        .unwrap();
    assert!(
        k.commit.is_none(),
        "after {after}: a rebuild changed the kept counts of {:?}",
        k.whole
    );
    assert!(!k.whole.is_empty(), "after {after}: nothing recomputed");
}

async fn run(fx: &Fixture, source: &str) -> warehouse::CommitReport {
    let key = ingest::Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap();
    chiso::pipeline::ingest(&fx.cfg, &fx.lake(), Some(source), &key)
        .await
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn kept_run_by_run_they_equal_a_rebuild() {
    let fx = Fixture::whole_ward();
    let root = fx.dir.path().to_path_buf();
    // each source's first run keeps its measures whole, in the run's own log row
    for source in ["one_stop", "vneid", "market", "petitions", "uploads"] {
        let r = run(&fx, source).await;
        assert!(
            r.tables.iter().any(|t| t.table == metrics::rollup::TABLE),
            "{source}: {:?}",
            r.tables
        );
        rebuild_finds_them_equal(&fx, source).await;
    }

    // re-sent dossiers: HS03 finished (API page), HS09 finished and moved to KP02, HS11's
    // receipt corrected into June, HS04 re-sent unchanged, and a new one
    fx.add_api_page();
    let resent = [
        "HS09,P1,Đăng ký khai sinh,HT,25216,2,0,30/06/2026 23:30:00,03/07/2026 17:00:00,06/07/2026 10:00:00,06/07/2026 15:00:00,10,0,1,0,0,0,,KP02,06/07/2026 15:00:00,Đỗ Văn Minh,075123456789",
        "HS11,P1,Đăng ký khai sinh,HT,25216,1,0,01/06/2026 07:00:00,03/06/2026 17:00:00,01/06/2026 09:00:00,,9,0,0,0,0,0,,KP02,02/06/2026 09:00:00,Dương Văn Oanh,075123456791",
        "HS04,P3,Chứng thực bản sao từ bản chính,CT,25216,1,0,05/06/2026 08:00:00,05/06/2026 17:00:00,05/06/2026 11:00:00,05/06/2026 11:00:00,10,0,1,0,0,2,,KP02,05/06/2026 11:00:00,Phạm Thị Dung,075123456784",
        "HS12,P1,Đăng ký khai sinh,HT,25216,2,0,14/07/2026 08:00:00,17/07/2026 17:00:00,,,4,0,1,1,0,0,,KP01,14/07/2026 08:00:00,Ngô Văn Quang,075123456793",
    ];
    std::fs::write(
        root.join("extracts/ho_so_gui_lai.csv"),
        format!("\u{FEFF}{HEADER}\n{}\n", resent.join("\n")),
    )
    .unwrap();
    let before = fx.evaluator().await;
    let july = Period::Month {
        year: 2026,
        month: 7,
    };
    let i3 = before.value("I.3", july, None).await.unwrap();
    run(&fx, "one_stop").await;
    let (whole, days) = last_pass(&fx).await;
    assert!(whole.is_empty(), "{whole:?}");
    for id in ["I.3", "I.7", "VH.1"] {
        assert!(
            days.iter().any(|d| d == id),
            "{id} not kept day by day: {days:?}"
        );
    }
    rebuild_finds_them_equal(&fx, "re-sent dossiers").await;
    // and the kept figure moved: HS12 was received in July
    let after = fx.evaluator().await;
    assert!(after.counts_kept("VH.1").await.unwrap());
    let i3_after = after.value("I.3", july, None).await.unwrap();
    assert_eq!(i3_after.denominator, i3.denominator.map(|d| d + 1));
    // the lake as it stood before the re-sent dossiers reads the rollups of then
    let then = chiso::indicators::evaluator_at(
        &fx.cfg,
        &fx.lake(),
        metrics::AsOf::Version(before.lake_version().unwrap()),
        None,
    )
    .await
    .unwrap();
    assert!(then.counts_kept("I.3").await.unwrap());
    let i3_then = then.value("I.3", july, None).await.unwrap();
    assert_eq!(
        (i3_then.numerator, i3_then.denominator),
        (i3.numerator, i3.denominator)
    );
    same_figures(
        &then,
        &then.with_other_rule(None).await.unwrap().by_window(),
    )
    .await;

    // a petition finished late, re-sent
    std::fs::write(
        root.join("extracts/petitions/page-0002.json"),
        r#"{"page":1,"pageSize":50,"totalPages":1,"totalRecords":1,"data":[
{"id":"PA3","kenh":"DC4.0","tieu_de":"Lấn chiếm vỉa hè","linh_vuc":"An ninh trật tự","ma_khu_pho":"KP01","don_vi_xu_ly":"Công an phường","ngay_tiep_nhan":"2026-06-10T08:00:00+07:00","han_xu_ly":"2026-06-12T17:00:00+07:00","ngay_hoan_thanh":"2026-07-02T10:00:00+07:00","trang_thai":"da_xu_ly","cong_khai":1,"danh_gia":null,"nguoi_phan_anh":"Phan Thị Hai","so_dien_thoai":"0912345003","ngay_cap_nhat":"2026-07-02T10:00:00+07:00"}
]}"#,
    )
    .unwrap();
    run(&fx, "petitions").await;
    let (whole, days) = last_pass(&fx).await;
    assert!(whole.is_empty(), "{whole:?}");
    assert!(days.iter().any(|d| d == "VH.2"), "{days:?}");
    rebuild_finds_them_equal(&fx, "a re-sent petition").await;

    // a household evaluated again: its earlier state ends the day the new one starts
    let households = format!(
        "{}25/07/2026,KP02,H3,Lò Văn Ba,1,1,1,1,1,Đạt,\n",
        crate::ward_fixture::HOUSEHOLDS
    );
    std::fs::write(root.join("uploads/gia_dinh_so.csv"), households).unwrap();
    run(&fx, "uploads").await;
    let (whole, days) = last_pass(&fx).await;
    assert!(whole.is_empty(), "{whole:?}");
    assert!(days.iter().any(|d| d == "II.4"), "{days:?}");
    rebuild_finds_them_equal(&fx, "a household evaluated again").await;
    let raw = fx.evaluator().await.by_window();
    same_figures(&fx.evaluator().await, &raw).await;
}

#[tokio::test]
async fn a_changed_definition_is_kept_whole_again_and_not_read_before() {
    let fx = Fixture::new();
    fx.ingest().await;
    // the catalogue changes I.3's numerator: the counts kept under the old one no longer serve
    let path = fx.dir.path().join("indicators.toml");
    let text = std::fs::read_to_string(&fx.cfg.ward.catalogue).unwrap().replace(
        "numerator = \"kenh_thuc_hien = 2 AND (yeu_cau_ket_qua_giay IS NOT TRUE OR co_ket_qua_dien_tu)\"",
        "numerator = \"kenh_thuc_hien = 2\"",
    );
    std::fs::write(&path, text).unwrap();
    let mut cfg = fx.cfg.clone();
    cfg.ward.catalogue = path.display().to_string();
    let ev = chiso::indicators::evaluator(&cfg, &fx.lake())
        .await
        .unwrap();
    assert!(!ev.counts_kept("I.3").await.unwrap());
    assert!(ev.counts_kept("I.4").await.unwrap());
    let june = Period::Month {
        year: 2026,
        month: 6,
    };
    let raw = ev.value("I.3", june, None).await.unwrap();
    let k = chiso::pipeline::rebuild_rollups(&cfg, &fx.lake())
        .await
        .unwrap();
    assert!(k.commit.is_some());
    let ev = chiso::indicators::evaluator(&cfg, &fx.lake())
        .await
        .unwrap();
    assert!(ev.counts_kept("I.3").await.unwrap());
    let kept = ev.value("I.3", june, None).await.unwrap();
    assert_eq!(
        (kept.numerator, kept.denominator),
        (raw.numerator, raw.denominator)
    );
}
