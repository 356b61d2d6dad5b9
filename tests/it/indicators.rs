//! I.1–I.5 on the fixture, computed by hand (see the tables in helpers.rs).

use metrics::{Period, Status};

use crate::helpers::Fixture;

fn p(s: &str) -> Period {
    s.parse().unwrap()
}

#[tokio::test]
async fn catalogue_indicators() {
    let fx = Fixture::new();
    fx.ingest().await;
    let ev = fx.evaluator().await;
    // I.1: P1, P2, P3 have an online service out of 4 procedures = 75 %
    let i1 = ev.value("I.1", p("2026-06"), None).await.unwrap();
    assert_eq!((i1.numerator, i1.denominator), (Some(3), Some(4)));
    assert_eq!(i1.value_text, "75,0 %");
    // target 100 %; the catalogue has no history, so no trend is projected
    assert_eq!(i1.status, Status::ChuaDat);
    assert_eq!(i1.projection, None);
    // I.2: P1, P2 are eligible for a fully online service: 2 / 4 = 50 %
    let i2 = ev.value("I.2", p("2026-06"), None).await.unwrap();
    assert_eq!((i2.numerator, i2.denominator), (Some(2), Some(4)));
    assert_eq!(i2.value, Some(50.0));
}

#[tokio::test]
async fn dossier_indicators_for_june() {
    let fx = Fixture::new();
    fx.ingest().await;
    let ev = fx.evaluator().await;
    let june = p("2026-06");
    // June dossiers (local time): HS01–HS09 = 9; HS10 is July locally, HS11 is May.
    // I.3 online and (no paper result or e-result): HS01, HS02, HS06, HS08, HS09 = 5 / 9
    // (HS03 is online but its procedure needs a paper result and it has no e-result yet)
    let i3 = ev.value("I.3", june, None).await.unwrap();
    assert_eq!((i3.numerator, i3.denominator), (Some(5), Some(9)));
    assert_eq!(i3.value_text, "55,6 %");
    assert_eq!(i3.status, Status::ChuaDat);
    assert_eq!(i3.target_text.as_deref(), Some("≥ 90%"));
    // I.4 digitised and (no paper result or e-result): HS01, HS02, HS04, HS07, HS08, HS09 = 6 / 9
    let i4 = ev.value("I.4", june, None).await.unwrap();
    assert_eq!((i4.numerator, i4.denominator), (Some(6), Some(9)));
    assert_eq!(i4.value_text, "66,7 %");
    // I.5 reused: HS01, HS03, HS06, HS07, HS08 = 5 / 9
    let i5 = ev.value("I.5", june, None).await.unwrap();
    assert_eq!((i5.numerator, i5.denominator), (Some(5), Some(9)));

    // by khu phố: KP01 has HS01, HS02, HS05, HS07, HS09; online: HS01, HS02, HS09 = 3 / 5
    let kp01 = ev.value("I.3", june, Some("KP01")).await.unwrap();
    assert_eq!((kp01.numerator, kp01.denominator), (Some(3), Some(5)));
    // KP02 has HS03, HS04, HS06, HS08; online: HS06, HS08 = 2 / 4
    let kp02 = ev.value("I.3", june, Some("KP02")).await.unwrap();
    assert_eq!((kp02.numerator, kp02.denominator), (Some(2), Some(4)));

    // July holds HS10 alone (received 00:30 on 1 July, local time): online, P1 = 1 / 1
    let july = ev.value("I.3", p("2026-07"), None).await.unwrap();
    assert_eq!((july.numerator, july.denominator), (Some(1), Some(1)));
    assert_eq!(july.status, Status::Dat);
    // Q2 = April–June: HS11 (May, counter) + the 9 of June = 10; online 5
    let q2 = ev.value("I.3", p("2026-Q2"), None).await.unwrap();
    assert_eq!((q2.numerator, q2.denominator), (Some(5), Some(10)));
}

#[tokio::test]
async fn the_latest_state_decides() {
    let fx = Fixture::new();
    fx.ingest().await;
    fx.add_api_page();
    fx.ingest().await;
    let ev = fx.evaluator().await;
    // HS03 now has an electronic result: I.3 6 / 9, I.4 7 / 9, I.5 unchanged 5 / 9,
    // and HS03 still counts once
    let june = p("2026-06");
    let i3 = ev.value("I.3", june, None).await.unwrap();
    assert_eq!((i3.numerator, i3.denominator), (Some(6), Some(9)));
    let i4 = ev.value("I.4", june, None).await.unwrap();
    assert_eq!((i4.numerator, i4.denominator), (Some(7), Some(9)));
    let i5 = ev.value("I.5", june, None).await.unwrap();
    assert_eq!((i5.numerator, i5.denominator), (Some(5), Some(9)));
}

#[tokio::test]
async fn no_data_is_never_zero() {
    let fx = Fixture::new();
    fx.ingest().await;
    let ev = fx.evaluator().await;
    // no dossier was received in March: zero denominator
    let march = ev.value("I.3", p("2026-03"), None).await.unwrap();
    assert_eq!(march.denominator, Some(0));
    assert_eq!(march.value, None);
    assert_eq!(march.value_text, "chưa có dữ liệu");
    assert_eq!(march.status, Status::ChuaCoDuLieu);
    // I.6 has no source yet
    let i6 = ev.value("I.6", p("2026-06"), None).await.unwrap();
    assert_eq!((i6.numerator, i6.value), (None, None));
    // an empty lake: every indicator is "no data"
    let empty = Fixture::new();
    let ev = empty.evaluator().await;
    for row in ev.table(p("2026-06"), None).await.unwrap() {
        assert_eq!(row.figure.value, None, "{}", row.id);
        assert_eq!(row.figure.status, Status::ChuaCoDuLieu, "{}", row.id);
    }
}

#[tokio::test]
async fn the_indicator_table_has_all_seventeen_rows() {
    let fx = Fixture::new();
    fx.ingest().await;
    let ev = fx.evaluator().await;
    let rows = ev.table(p("2026-06"), None).await.unwrap();
    assert_eq!(rows.len(), 17);
    let text = chiso::indicators::as_text(&rows, "t");
    assert!(text.contains("chưa có dữ liệu"));
    assert!(text.contains("55,6 %"));
    let csv = chiso::indicators::as_csv(&rows).unwrap();
    assert_eq!(csv.lines().count(), 18);
    assert!(
        csv.lines()
            .any(|l| l.starts_with("I.3,I,3,") && l.contains(",5,9,")),
        "{csv}"
    );
}
