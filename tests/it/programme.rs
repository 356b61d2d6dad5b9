//! Every indicator of Phụ lục 1 from I.6 on, the operations figures, the 6 rõ registry and
//! reporting as of an earlier lake, on the whole-ward fixture (`ward_fixture.rs`; I.1–I.5 are in
//! `indicators.rs`). Expected values are computed by hand in the comments from the tables
//! there.

use chrono::NaiveDate;
use metrics::{AsOf, Evaluator, Period, PeriodRule, Status};

use crate::helpers::Fixture;

fn p(s: &str) -> Period {
    s.parse().unwrap()
}

async fn ratio(ev: &Evaluator, id: &str, period: &str, unit: Option<&str>) -> (u64, u64, String) {
    let v = ev.value(id, p(period), unit).await.unwrap();
    (
        v.numerator.unwrap(),
        v.denominator.unwrap(),
        v.value_text.clone(),
    )
}

/// A breakdown as (key, numerator, denominator).
async fn breakdown(ev: &Evaluator, id: &str, period: &str, by: &str) -> Vec<(String, u64, u64)> {
    ev.breakdown(id, p(period), by)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.key.unwrap(), b.numerator, b.denominator))
        .collect()
}

/// A GET through the router: status and JSON body.
async fn get(
    app: &crate::browser::Visitor,
    uri: &str,
) -> (axum::http::StatusCode, serde_json::Value) {
    let a = app.clone().get(uri).await;
    (a.status, a.json())
}

async fn ward() -> (Fixture, Evaluator) {
    ward_on(Fixture::whole_ward()).await
}

/// The whole-ward fixture ingested, wherever its lake is.
async fn ward_on(fx: Fixture) -> (Fixture, Evaluator) {
    for r in fx.ingest_all().await {
        // HS99 (an unknown procedure) is the one row refused
        let refused = u64::from(r.source == "one_stop");
        assert_eq!(
            r.counts.quarantined, refused,
            "{}: {:?}",
            r.source, r.counts
        );
    }
    let ev = fx.evaluator().await;
    (fx, ev)
}

#[tokio::test]
async fn government_indicators_i6_to_i8() {
    let (_fx, ev) = ward().await;
    // I.6 June: courses begun by 30/06 list CB1, CB2, CB3 (CB1 twice, counted once); "Đạt":
    // CB1, CB3 → 2 / 3
    assert_eq!(
        ratio(&ev, "I.6", "2026-06", None).await,
        (2, 3, "66,7 %".into())
    );
    // July adds CB4 (Đạt) → 3 / 4
    assert_eq!(
        ratio(&ev, "I.6", "2026-07", None).await,
        (3, 4, "75,0 %".into())
    );
    // February: no course yet → zero denominator → no data, never 0 %
    let feb = ev.value("I.6", p("2026-02"), None).await.unwrap();
    assert_eq!((feb.denominator, feb.value), (Some(0), None));
    assert_eq!(feb.value_text, "chưa có dữ liệu");
    assert_eq!(feb.status, Status::ChuaCoDuLieu);
    // June is below the 100 % target; the monthly values 33,3 (Mar), 33,3, 66,7, 66,7 (Jun)
    // rise 13,3 points a month: 100 % is reached in September, before the end of 2026, so it
    // is "chưa đạt", not at risk
    let june = ev.value("I.6", p("2026-06"), None).await.unwrap();
    assert_eq!(june.status, Status::ChuaDat);
    let proj = june.projection.unwrap();
    assert_eq!(proj.points, 4);
    assert!((proj.slope_per_month.unwrap() - 40.0 / 3.0).abs() < 1e-6);
    assert_eq!(proj.reaches_target_on, NaiveDate::from_ymd_opt(2026, 9, 30));

    // I.7 June: online dossiers finished in June: HS01, HS02, HS06, HS08 (HS03 is unfinished);
    // HS08 was rated unsatisfied → 3 / 4
    assert_eq!(
        ratio(&ev, "I.7", "2026-06", None).await,
        (3, 4, "75,0 %".into())
    );
    // August: HA01, HA02 (late), HA03 (two supplement requests), HA06 (received in July,
    // finished late in August), HA07 (unsatisfied) → only HA01: 1 / 5
    assert_eq!(
        ratio(&ev, "I.7", "2026-08", None).await,
        (1, 5, "20,0 %".into())
    );

    // I.8: under way in March, done on 25/06 with evidence
    let may = ev.value("I.8", p("2026-05"), None).await.unwrap();
    assert_eq!(may.status, Status::ChuaDat);
    assert_eq!(
        may.value_text,
        "Hoàn thành (mốc 2026): Đang thực hiện, cập nhật 25/03/2026"
    );
    let june = ev.value("I.8", p("2026-06"), None).await.unwrap();
    assert_eq!(june.status, Status::Dat);
    assert_eq!(
        june.milestone_state.unwrap().evidence.as_deref(),
        Some("Biên bản kỳ họp số 05 ngày 20/06/2026")
    );
    // before any report: no data
    let feb = ev.value("I.8", p("2026-02"), None).await.unwrap();
    assert_eq!(feb.status, Status::ChuaCoDuLieu);
}

#[tokio::test]
async fn society_and_economy_indicators() {
    let (_fx, ev) = ward().await;
    // II.1 June: KP01's June sheet (650 activated / 1.000) and KP02's May sheet, its latest
    // (1.000 / 2.000) → 1.650 / 3.000
    assert_eq!(
        ratio(&ev, "II.1", "2026-06", None).await,
        (1650, 3000, "55,0 %".into())
    );
    // May: 600 + 1.000 → 1.600 / 3.000
    assert_eq!(
        ratio(&ev, "II.1", "2026-05", None).await,
        (1600, 3000, "53,3 %".into())
    );
    // April: no statistics yet → no data
    assert_eq!(
        ev.value("II.1", p("2026-04"), None).await.unwrap().value,
        None
    );
    // by khu phố in June: KP01 650 / 1.000, KP02 1.000 / 2.000
    assert_eq!(
        breakdown(&ev, "II.1", "2026-06", "khu_pho").await,
        [("KP01".into(), 650, 1000), ("KP02".to_string(), 1000, 2000)]
    );
    assert_eq!(
        ratio(&ev, "II.1", "2026-06", Some("KP02")).await.2,
        "50,0 %"
    );
    // only two monthly values: too few to project, so "chưa đạt" against ≥ 70 %
    let ii1 = ev.value("II.1", p("2026-06"), None).await.unwrap();
    assert_eq!(ii1.status, Status::ChuaDat);
    assert_eq!(ii1.projection.unwrap().value_at_deadline, None);

    // II.2 June: 350 + 600 completed / 700 + 1.500 adults
    assert_eq!(
        ratio(&ev, "II.2", "2026-06", None).await,
        (950, 2200, "43,2 %".into())
    );

    // II.3 June: KP01's June tally (420 paid / 700) and KP02's March one (600 / 1.500)
    assert_eq!(
        ratio(&ev, "II.3", "2026-06", None).await,
        (1020, 2200, "46,4 %".into())
    );
    assert_eq!(
        ratio(&ev, "II.3", "2026-03", None).await,
        (900, 2200, "40,9 %".into())
    );

    // II.4 Q1: H1 meets all five, H2 and H3 miss one → 1 / 3
    assert_eq!(
        ratio(&ev, "II.4", "2026-Q1", None).await,
        (1, 3, "33,3 %".into())
    );
    // Q2: H2 re-evaluated and met all, H4 evaluated → H1, H2, H4 of 4
    assert_eq!(
        ratio(&ev, "II.4", "2026-Q2", None).await,
        (3, 4, "75,0 %".into())
    );
    assert_eq!(
        ev.value("II.4", p("2026-Q2"), None).await.unwrap().status,
        Status::Dat
    );
    assert_eq!(
        ratio(&ev, "II.4", "2026-Q2", Some("KP02")).await,
        (1, 2, "50,0 %".into())
    );

    // II.5 Q1: KP01 meets all six criteria, KP02 five → 1 / 2; the 2026 target "Thí điểm,
    // hình thành mô hình" is met by the one pilot
    let ii5 = ev.value("II.5", p("2026-Q1"), None).await.unwrap();
    assert_eq!((ii5.numerator, ii5.denominator), (Some(1), Some(2)));
    assert_eq!(ii5.status, Status::Dat);

    // II.6 Q2: B1 (cashless) and B3 (management, e-invoice) of B1–B3 → 2 / 3; Q3: B2 sells
    // online now → 3 / 3
    assert_eq!(
        ratio(&ev, "II.6", "2026-Q2", None).await,
        (2, 3, "66,7 %".into())
    );
    assert_eq!(
        ratio(&ev, "II.6", "2026-Q3", None).await,
        (3, 3, "100,0 %".into())
    );
    assert_eq!(
        breakdown(&ev, "II.6", "2026-Q2", "linh_vuc").await,
        [
            ("Doanh nghiệp".to_string(), 1, 1),
            ("Hộ kinh doanh".to_string(), 1, 2)
        ]
    );

    // II.7 June: pilot stalls S1–S3; S1 accepts QR and was paid by QR; S2 accepts POS but
    // was paid in cash; S3 was paid by transfer but never confirmed acceptance → 1 / 3
    assert_eq!(
        ratio(&ev, "II.7", "2026-06", None).await,
        (1, 3, "33,3 %".into())
    );
    // July: S1 and S2 accept digital payment but no fee was paid (S1's bill is unpaid) → 0 / 3
    assert_eq!(
        ratio(&ev, "II.7", "2026-07", None).await,
        (0, 3, "0,0 %".into())
    );
    // monthly 0, 0, 0, 0, 0 (Jan–May), 33,3 (Jun): +4,76 points a month reaches 46,0 % by
    // December, short of 60 %: at risk; the line reaches 60 % only in March 2027
    let ii7 = ev.value("II.7", p("2026-06"), None).await.unwrap();
    assert_eq!(ii7.status, Status::NguyCo);
    let proj = ii7.projection.unwrap();
    assert!(
        (proj.value_at_deadline.unwrap() - 46.031746).abs() < 1e-4,
        "{proj:?}"
    );
    assert_eq!(proj.reaches_target_on, NaiveDate::from_ymd_opt(2027, 3, 31));
}

#[tokio::test]
async fn data_and_operations_figures() {
    let (_fx, ev) = ward().await;
    // III.2: first phase not started; in March more than six months remain (chưa đạt), in
    // July less (nguy cơ)
    let march = ev.value("III.2", p("2026-03"), None).await.unwrap();
    assert_eq!(march.status, Status::ChuaDat);
    let july = ev.value("III.2", p("2026-07"), None).await.unwrap();
    assert_eq!(july.status, Status::NguyCo);
    // III.1: no milestone report, but the Kho groups: one-stop, VNeID and uploads under Dân
    // cư, market and survey under Kinh doanh, petitions under Đô thị – môi trường, training
    // under Văn hóa – xã hội, all just ingested → 4 of 8 fresh
    let iii1 = ev.value("III.1", p("2026-06"), None).await.unwrap();
    let groups = iii1.kho_groups.unwrap();
    assert_eq!(groups.len(), 8);
    let fresh: Vec<&str> = groups
        .iter()
        .filter(|g| g.fresh)
        .map(|g| g.id.as_str())
        .collect();
    assert_eq!(
        fresh,
        [
            "dan_cu",
            "kinh_doanh",
            "do_thi_moi_truong",
            "van_hoa_xa_hoi"
        ]
    );
    assert!(
        iii1.value_text.contains("4/8 nhóm dữ liệu"),
        "{}",
        iii1.value_text
    );

    // VH.1 June: finished in June HS01, HS02, HS04, HS05 (one supplement request: on time),
    // HS06, HS07, HS08, HS11 all on time; HS03 unfinished and past due on 30/06 → 8 / 9
    assert_eq!(
        ratio(&ev, "VH.1", "2026-06", None).await,
        (8, 9, "88,9 %".into())
    );
    // August: finished HA01, HA07 on time; HA02, HA06 late; HA03 late by its two supplement
    // requests; unfinished and past due at 31/08: HS03, HS09, HS10, HA04 (HA05 is not due
    // yet) → 2 / 9
    assert_eq!(
        ratio(&ev, "VH.1", "2026-08", None).await,
        (2, 9, "22,2 %".into())
    );
    // July: nothing finished; unfinished and past due at 31/07: HS03, HS09, HS10 and HA06
    // (finished only on 03/08) → 0 / 4
    assert_eq!(
        ratio(&ev, "VH.1", "2026-07", None).await,
        (0, 4, "0,0 %".into())
    );
    // by channel: online 2 / 8, counter (HA04) 0 / 1
    assert_eq!(
        breakdown(&ev, "VH.1", "2026-08", "kenh").await,
        [("1".to_string(), 0, 1), ("2".to_string(), 2, 8)]
    );
    // March: nothing finished, nothing past due → no data
    assert_eq!(
        ev.value("VH.1", p("2026-03"), None).await.unwrap().value,
        None
    );

    // VH.2 June: PA1 on time, PA2 late, PA3 unfinished past due; PA4 not due; PA5 refused
    // (out of scope) → 1 / 3; KP01: PA1, PA3 → 1 / 2
    assert_eq!(
        ratio(&ev, "VH.2", "2026-06", None).await,
        (1, 3, "33,3 %".into())
    );
    assert_eq!(
        ratio(&ev, "VH.2", "2026-06", Some("KP01")).await,
        (1, 2, "50,0 %".into())
    );
    // VH.3 June: handled PA1 (public), PA2 (not) → 1 / 2
    assert_eq!(
        ratio(&ev, "VH.3", "2026-06", None).await,
        (1, 2, "50,0 %".into())
    );
    // VH.4 June bills: 1.700.000 paid of 1.700.000; July: S1's 500.000 unpaid → 0 %, not
    // "no data"
    assert_eq!(
        ratio(&ev, "VH.4", "2026-06", None).await,
        (1_700_000, 1_700_000, "100,0 %".into())
    );
    assert_eq!(
        ratio(&ev, "VH.4", "2026-07", None).await,
        (0, 500_000, "0,0 %".into())
    );
    // an operations figure without a target is judged against nothing
    assert_eq!(
        ev.value("VH.4", p("2026-06"), None).await.unwrap().status,
        Status::KhongCoMucTieu
    );
    // VH.5 June payments: QR 500.000 + transfer 400.000 + POS 300.000 of 1.700.000
    assert_eq!(
        ratio(&ev, "VH.5", "2026-06", None).await,
        (1_200_000, 1_700_000, "70,6 %".into())
    );
}

#[tokio::test]
async fn the_sql_shown_gives_the_figure() {
    let (_fx, ev) = ward().await;
    let cat = ev.catalogue().clone();
    for ind in cat.indicators.iter().chain(&cat.operations) {
        let Some(m) = &ind.measure else { continue };
        for (period, unit) in [("2026-06", None), ("2026-08", Some("KP01"))] {
            if unit.is_some() && m.column("khu_pho").is_none() {
                continue;
            }
            let v = ev.value(&ind.id, p(period), unit).await.unwrap();
            let sql = ev
                .explain_sql(&ind.id, p(period), unit)
                .await
                .unwrap()
                .unwrap();
            let b = ev
                .session()
                .sql(&sql)
                .await
                .unwrap()
                .collect()
                .await
                .unwrap();
            let (mut n, mut d) = (0, 0);
            for b in &b {
                for (col, acc) in [(1, &mut n), (2, &mut d)] {
                    let c = arrow::compute::cast(b.column(col), &arrow::datatypes::DataType::Int64)
                        .unwrap();
                    let c = arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(&c);
                    *acc += c.iter().flatten().sum::<i64>() as u64;
                }
            }
            assert_eq!(
                (Some(n), Some(d)),
                (v.numerator, v.denominator),
                "{} {period} {unit:?}\n{sql}",
                ind.id
            );
        }
    }
    // periods are cut at local midnight: June starts at 17:00 UTC on 31 May
    let sql = ev
        .explain_sql("I.3", p("2026-06"), None)
        .await
        .unwrap()
        .unwrap();
    assert!(
        sql.contains("ngay_tiep_nhan >= TIMESTAMP '2026-05-31T17:00:00Z'"),
        "{sql}"
    );
    // the definition in plain Vietnamese
    let e = ev.explain("VH.1", p("2026-06"), None).await.unwrap();
    let text = e.text();
    for part in [
        "Tử số: Số hồ sơ kết thúc xử lý trong kỳ",
        "Mẫu số:",
        "Kỳ tính: 01/06/2026 – 30/06/2026",
        "Chia theo: khu phố / tổ dân phố, lĩnh vực, đơn vị xử lý, kênh",
        "Căn cứ: Quyết định 766/QĐ-TTg",
        "SQL:",
    ] {
        assert!(text.contains(part), "{part}\n{text}");
    }
}

#[tokio::test]
async fn decree_09_windows_move_the_figures() {
    let (fx, _) = ward().await;
    let ev =
        chiso::indicators::evaluator_at(&fx.cfg, &fx.lake(), AsOf::Latest, Some(PeriodRule::Nd09))
            .await
            .unwrap();
    // the "June" report under Nghị định 09/2019 covers 15/05–14/06: received then are HS11
    // (31/05 23:00) and HS01–HS08 → 9 dossiers; HS09 (30/06) falls out
    let v = ev.value("I.3", p("2026-06"), None).await.unwrap();
    assert_eq!(v.window.from, NaiveDate::from_ymd_opt(2026, 5, 15).unwrap());
    assert_eq!(v.window.to, NaiveDate::from_ymd_opt(2026, 6, 14).unwrap());
    // online with an e-result where needed: HS01, HS02, HS06, HS08 → 4 / 9
    assert_eq!((v.numerator, v.denominator), (Some(4), Some(9)));
    // the year 2026 runs from 15/12/2025 to 14/12/2026: all 18 dossiers; online with an
    // e-result where needed: HS01, HS02, HS06, HS08, HS09, HS10, HA01, HA02, HA03, HA06, HA07
    let y = ev.value("I.3", p("2026"), None).await.unwrap();
    assert_eq!(
        y.window.from,
        NaiveDate::from_ymd_opt(2025, 12, 15).unwrap()
    );
    assert_eq!((y.numerator, y.denominator), (Some(11), Some(18)));
    // a figure whose conditions name the window: the on-time rule judged at the end of 14/06 —
    // HS01, HS02, HS04–HS08 and HS11 finished by then, on time; HS03 open and past due → 8 / 9
    let vh1 = ev.value("VH.1", p("2026-06"), None).await.unwrap();
    assert_eq!((vh1.numerator, vh1.denominator), (Some(8), Some(9)));
}

#[tokio::test]
async fn the_registry_of_tasks() {
    let (fx, ev) = ward().await;
    let on = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
    let tasks = ev.tasks(&fx.plans(), on, None).await.unwrap();
    let t = |id: &str| tasks.iter().find(|t| t.task.id == id).unwrap();
    // T-01 done on 15/06, on time; I.1 is the current catalogue, with nothing to compare;
    // I.6 is 2 / 3 officials in May and in June, short of 100 %: it did not move
    let t1 = t("T-01");
    assert_eq!(t1.status, "Hoàn thành");
    assert_eq!(t1.done_on, NaiveDate::from_ymd_opt(2026, 6, 15));
    assert!(!t1.overdue && !t1.done_late);
    assert_eq!(t1.effects[0].moved, None);
    assert_eq!(t1.effects[1].moved, Some(false));
    assert!(t1.done_without_effect);
    // T-02 done on 10/06: II.1 went from 53,3 % (May) to 55,0 % (June)
    let t2 = t("T-02");
    assert_eq!(t2.effects[0].moved, Some(true));
    assert_eq!(
        t2.effects[0].text,
        "II.1: 53,3 % (tháng 05/2026) → 55,0 % (tháng 06/2026); có chuyển biến"
    );
    assert!(!t2.done_without_effect);
    // T-03 was due on 30/06 and never reported: 15 days overdue on 15/07
    let t3 = t("T-03");
    assert_eq!(t3.status, "Chưa có báo cáo");
    assert_eq!((t3.overdue, t3.days_overdue), (true, Some(15)));
    // T-04 under way, due at the end of the year
    assert!(!t("T-04").overdue);
    // a unit sees the tasks it leads or takes part in
    let police = ev.tasks(&fx.plans(), on, Some("Công an")).await.unwrap();
    assert_eq!(
        police
            .iter()
            .map(|t| t.task.id.as_str())
            .collect::<Vec<_>>(),
        ["T-02"]
    );
    // on 12/06, T-01 is still reported under way (its "done" came on the 16th); T-03 is not
    // yet due
    let early = ev
        .tasks(
            &fx.plans(),
            NaiveDate::from_ymd_opt(2026, 6, 12).unwrap(),
            None,
        )
        .await
        .unwrap();
    let e1 = early.iter().find(|t| t.task.id == "T-01").unwrap();
    assert_eq!(e1.status, "Đang thực hiện");
    assert!(!early.iter().any(|t| t.overdue));
}

#[tokio::test]
async fn a_report_made_again_later_has_the_same_numbers() {
    reported_again_later(Fixture::whole_ward()).await;
}

/// June reported, a later run, and June read again as of the first report: the same numbers.
pub async fn reported_again_later(fx: Fixture) {
    let (fx, ev) = ward_on(fx).await;
    let version = ev.lake_version().expect("a lake version");
    let before = chrono::Utc::now();
    // June as first reported: I.3 5 / 9, VH.1 8 / 9
    assert_eq!(ratio(&ev, "I.3", "2026-06", None).await.0, 5);
    std::thread::sleep(std::time::Duration::from_millis(20));
    // HS03 arrives finished with an e-result
    fx.add_api_page();
    fx.ingest().await;
    let now = fx.evaluator().await;
    assert_eq!(
        ratio(&now, "I.3", "2026-06", None).await,
        (6, 9, "66,7 %".into())
    );
    assert_eq!(
        ratio(&now, "VH.1", "2026-06", None).await,
        (9, 9, "100,0 %".into())
    );
    assert!(now.lake_version() > Some(version));
    // as of the earlier version, and as of the time before the new run: the old numbers
    for at in [AsOf::Version(version), AsOf::Time(before)] {
        let then = chiso::indicators::evaluator_at(&fx.cfg, &fx.lake(), at, None)
            .await
            .unwrap();
        assert_eq!(
            ratio(&then, "I.3", "2026-06", None).await,
            (5, 9, "55,6 %".into()),
            "{at:?}"
        );
        assert_eq!(
            ratio(&then, "VH.1", "2026-06", None).await,
            (8, 9, "88,9 %".into()),
            "{at:?}"
        );
        assert_eq!(ratio(&then, "II.1", "2026-06", None).await.0, 1650);
        // III.1's Kho groups as they stood then: the one-stop run that came later is unseen
        let iii1 = then.value("III.1", p("2026-06"), None).await.unwrap();
        let dan_cu = iii1
            .kho_groups
            .unwrap()
            .into_iter()
            .find(|g| g.id == "dan_cu")
            .unwrap();
        assert!(dan_cu.fresh);
        assert!(dan_cu.last_arrival.unwrap() <= before, "{at:?}");
    }
    // a version the lake never had is refused
    let err = chiso::indicators::evaluator_at(&fx.cfg, &fx.lake(), AsOf::Version(10_000), None)
        .await
        .err()
        .unwrap();
    assert!(format!("{err:#}").contains("v10000"), "{err:#}");
}

#[tokio::test]
async fn the_cli_and_the_api_give_the_same_table() {
    let (fx, ev) = ward().await;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_chiso"))
            .args(["--config"])
            .arg(crate::ward_fixture::config_path(&fx))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let cli: serde_json::Value = serde_json::from_str(&run(&[
        "indicators",
        "--period",
        "2026-06",
        "--format",
        "json",
    ]))
    .unwrap();
    let explain = run(&["indicators", "--explain", "VH.1", "--period", "2026-06"]);
    for part in ["Tử số: ", "Mẫu số: ", "Quy tắc kỳ: ", "SQL:\nSELECT"] {
        assert!(explain.contains(part), "{part}\n{explain}");
    }
    let tasks = run(&["tasks", "--on", "2026-07-15", "--unit", "Công an"]);
    assert!(tasks.contains("T-02") && !tasks.contains("T-01"), "{tasks}");
    let nd09 = run(&["indicators", "--period", "2026-06", "--rule", "nd09"]);
    assert!(nd09.contains("15/05/2026 – 14/06/2026"), "{nd09}");

    let mut site = chiso::site::site(&fx.cfg);
    site.default_period = p("2026-06");
    let state = dashboards::AppState::new(site, fx.lake(), ev);
    let app = crate::browser::Visitor::ubnd(dashboards::app(state), &fx.cfg).await;
    let (status, api) = get(&app, "/api/indicators?period=2026-06").await;
    assert_eq!(status, 200);
    assert_eq!(cli, api);
    assert_eq!(api["indicators"].as_array().unwrap().len(), 17);
    assert_eq!(api["operations"].as_array().unwrap().len(), 5);
    assert_eq!(api["indicators"][15]["id"], "III.1");

    // /api/tasks and /api/indicators/{id}?by=
    let (status, tasks) = get(&app, "/api/tasks?on=2026-07-15").await;
    assert_eq!(status, 200);
    assert_eq!(
        (tasks["total"].as_u64(), tasks["overdue"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(tasks["done_without_effect"], 1);
    let (_, one) = get(&app, "/api/indicators/II.1?period=2026-06&by=khu_pho").await;
    assert_eq!(one["breakdown"][0]["key"], "KP01");
    assert_eq!(one["explanation"]["breakdowns"][0][0], "khu_pho");
    let (status, _) = get(&app, "/api/indicators/II.7?by=kenh").await;
    assert_eq!(status, 400);
    let (status, _) = get(&app, "/api/indicators?as_of=yesterday").await;
    assert_eq!(status, 400);
}
