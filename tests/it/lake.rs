//! Ingest into the lake: commits, idempotence, status updates, quarantine.

use crate::helpers::{Fixture, count};

#[tokio::test]
async fn first_ingest_commits_every_table_with_provenance() {
    let fx = Fixture::new();
    let r = fx.ingest().await;
    // 4 catalogue rows + 13 dossier rows; HS05 is sent twice verbatim; HS99 is bad
    assert_eq!(r.counts.read, 17);
    assert_eq!(r.counts.duplicates, 1);
    assert_eq!(r.counts.quarantined, 1);
    assert_eq!(r.counts.accepted, 16);
    let lake = fx.lake();
    assert_eq!(
        count(&lake, "SELECT count(*) FROM one_stop_procedures").await,
        4
    );
    // HS01..HS11, HS05 once
    assert_eq!(
        count(&lake, "SELECT count(*) FROM one_stop_dossiers").await,
        11
    );
    assert_eq!(
        count(&lake, "SELECT count(*) FROM one_stop_dossier_history").await,
        11
    );
    assert_eq!(count(&lake, "SELECT count(*) FROM ingest_runs").await, 1);

    // the commit info names the source, the batch and the SHA-256 of each file
    let info = lake
        .last_commit_info("one_stop_dossiers")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info["chiso.source"], "one_stop");
    assert_eq!(info["chiso.batch_id"], r.batch_id.as_str());
    let files = info["chiso.files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let export = std::fs::read(fx.dir.path().join("extracts/ho_so_export.csv")).unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&export))
    };
    assert!(files.iter().any(|f| f["sha256"] == sha.as_str()));
    assert_eq!(info["chiso.rows"]["quarantined"], 1);
    assert_eq!(info["chiso.rows"]["read"], 17);

    // tables are filed under their Kho dữ liệu group
    let tables = lake.tables().await.unwrap();
    let dossiers = tables
        .iter()
        .find(|t| t.name == "one_stop_dossiers")
        .unwrap();
    assert_eq!(dossiers.group.as_deref(), Some("dan_cu"));
}

/// Names of a table's data files.
fn data_files(fx: &Fixture, table: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fx.lake_dir().join(table))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".parquet"))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_first_run_writes_the_rows_both_dossier_tables_get_once() {
    // every state is its dossier's latest: the history and the latest-state tables get the
    // same rows, written once and copied
    let fx = Fixture::new();
    fx.ingest().await;
    let written = data_files(&fx, "one_stop_dossier_history");
    assert!(!written.is_empty());
    assert_eq!(data_files(&fx, "one_stop_dossiers"), written);
    let lake = fx.lake();
    let rows = "SELECT ma_ho_so, ngay_cap_nhat, trang_thai_ho_so, ma_khu_pho, _batch_id FROM";
    let read = |table: &str| {
        let (lake, sql) = (&lake, format!("{rows} {table} ORDER BY ma_ho_so"));
        async move {
            let ctx = lake.session().await.unwrap();
            let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
            arrow::util::pretty::pretty_format_batches(&batches)
                .unwrap()
                .to_string()
        }
    };
    let history = read("one_stop_dossier_history").await;
    assert_eq!(read("one_stop_dossiers").await, history);
    assert_eq!(history.matches("| HS").count(), 11);
    let info = lake
        .last_commit_info("one_stop_dossiers")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info["chiso.table"], "one_stop_dossiers");
    assert_eq!(info["chiso.rows"]["read"], 17);

    // HS03 comes twice: the latest state leaves its older one out, so each table is
    // written its own rows
    let fx = Fixture::new();
    fx.add_api_page();
    fx.ingest().await;
    assert_ne!(
        data_files(&fx, "one_stop_dossiers"),
        data_files(&fx, "one_stop_dossier_history")
    );
    let lake = fx.lake();
    assert_eq!(hs03(&lake).await, (10, 2));
    assert_eq!(
        count(&lake, "SELECT count(*) FROM one_stop_dossiers").await,
        11
    );
}

#[tokio::test]
async fn the_same_extract_twice_changes_nothing() {
    let fx = Fixture::new();
    fx.ingest().await;
    let lake = fx.lake();
    let before = lake.tables().await.unwrap();
    let r = fx.ingest().await;
    assert!(r.unchanged(), "{r:?}");
    // both files are recognised by their SHA-256 and not even read
    assert_eq!((r.skipped_files, r.counts.read), (2, 0));
    let after = lake.tables().await.unwrap();
    // data tables keep their versions; only the book-keeping records that a run happened
    let versions = |t: &[warehouse::TableInfo]| {
        t.iter()
            .filter(|t| !t.name.starts_with("ingest_"))
            .map(|t| (t.name.clone(), t.version))
            .collect::<Vec<_>>()
    };
    assert_eq!(versions(&before), versions(&after));
    assert_eq!(
        count(&lake, "SELECT count(*) FROM one_stop_dossiers").await,
        11
    );
    assert_eq!(count(&lake, "SELECT count(*) FROM quarantine").await, 1);
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM ingest_runs WHERE outcome = 'nothing_new' AND files_skipped = 2"
        )
        .await,
        1
    );
}

/// HS03's latest status and its number of states in the history.
async fn hs03(lake: &warehouse::Lake) -> (i64, i64) {
    let status =
        "SELECT CAST(trang_thai_ho_so AS BIGINT) FROM one_stop_dossiers WHERE ma_ho_so = 'HS03'";
    let states = "SELECT count(*) FROM one_stop_dossier_history WHERE ma_ho_so = 'HS03'";
    (count(lake, status).await, count(lake, states).await)
}

#[tokio::test]
async fn a_resent_dossier_updates_the_latest_state_and_adds_history() {
    let fx = Fixture::new();
    fx.ingest().await;
    fx.add_api_page();
    let r = fx.ingest().await;
    let changed: Vec<_> = r
        .tables
        .iter()
        .filter(|t| t.version.is_some())
        .map(|t| (t.table.as_str(), t.rows_changed))
        .collect();
    // the indicator rollups are brought up to date in the same run
    assert_eq!(
        changed[..2],
        [("one_stop_dossier_history", 1), ("one_stop_dossiers", 1)]
    );
    assert_eq!(changed[2].0, metrics::rollup::TABLE);
    assert_eq!(changed.len(), 3);
    let lake = fx.lake();
    assert_eq!(
        count(&lake, "SELECT count(*) FROM one_stop_dossiers").await,
        11
    );
    assert_eq!(hs03(&lake).await, (10, 2));
    // an older state arriving late never replaces a newer one
    std::fs::write(
        fx.dir.path().join("extracts/api/page-0002.json"),
        crate::helpers::API_PAGE
            .replace("\"TrangThaiHoSo\":10", "\"TrangThaiHoSo\":5")
            // not finished yet in that state
            .replace("\"2026-06-08T16:00:00\"", "null")
            .replace("\"2026-06-08T16:30:00\"", "null")
            .replace("08/06/2026 16:30:00", "05/06/2026 16:30:00"),
    )
    .unwrap();
    fx.ingest().await;
    assert_eq!(hs03(&lake).await, (10, 3));
}

#[tokio::test]
async fn a_bad_row_is_quarantined_with_its_reason() {
    let fx = Fixture::new();
    fx.ingest().await;
    let ctx = fx.lake().session().await.unwrap();
    let rows = ctx
        .sql("SELECT file, row, field, value, reason FROM quarantine")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let b = &rows[0];
    assert_eq!(b.num_rows(), 1);
    let s = |i: usize| {
        let c = arrow::compute::cast(b.column(i), &arrow::datatypes::DataType::Utf8).unwrap();
        arrow::array::AsArray::as_string::<i32>(&c)
            .value(0)
            .to_string()
    };
    assert_eq!(s(0), "extracts/ho_so_export.csv");
    // header is line 1; HS99 is the 13th data row
    let row =
        arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(b.column(1)).value(0);
    assert_eq!(row, 14);
    assert_eq!(s(2), "MaTTHC");
    assert_eq!(s(3), "9.999");
    assert!(s(4).contains("không có trong danh mục"), "{}", s(4));
}

#[tokio::test]
async fn a_file_missing_a_required_column_is_refused_whole() {
    let fx = Fixture::new();
    let broken = crate::helpers::dossiers_csv().replacen("KenhThucHien", "Kenh", 1);
    std::fs::write(fx.dir.path().join("extracts/ho_so_export.csv"), broken).unwrap();
    let r = fx.ingest().await;
    assert_eq!(r.refused.len(), 1, "{r:?}");
    assert_eq!(r.refused[0].path, "extracts/ho_so_export.csv");
    assert!(r.refused[0].reason.contains("KenhThucHien"), "{r:?}");
    // nothing of the file is in the lake, the catalogue beside it is; the run log says which
    // file was refused, and why
    let lake = fx.lake();
    assert_eq!(
        lake.table_names().await.unwrap(),
        [
            "ingest_files",
            "ingest_refused_files",
            "ingest_runs",
            "one_stop_procedures"
        ]
    );
    assert_eq!(r.counts.read, 4);
    let logged = "SELECT count(*) FROM ingest_runs WHERE outcome = 'committed' \
                  AND files_refused LIKE '%KenhThucHien%' AND rows_read = 4";
    assert_eq!(count(&lake, logged).await, 1);
}

#[tokio::test]
async fn overlapping_runs_of_a_source_are_refused() {
    let fx = Fixture::new();
    let lake = fx.lake();
    let held = lake.lock_source("one_stop").await.unwrap();
    let key = ingest::Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap();
    let err = chiso::pipeline::ingest(&fx.cfg, &lake, Some("one_stop"), &key)
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("another ingest of source “one_stop” is running"),
        "{err:#}"
    );
    assert!(lake.table_names().await.unwrap().is_empty());
    drop(held);
    assert_eq!(fx.ingest().await.counts.accepted, 16);
}

#[tokio::test]
async fn the_same_rows_in_a_new_file_are_not_counted_twice() {
    let fx = Fixture::new();
    fx.ingest().await;
    // the export again, re-saved with Windows line endings: new bytes, same rows
    let crlf = crate::helpers::dossiers_csv().replace('\n', "\r\n");
    std::fs::write(fx.dir.path().join("extracts/ho_so_export_2.csv"), crlf).unwrap();
    let r = fx.ingest().await;
    assert_eq!((r.skipped_files, r.counts.read), (2, 13));
    let changed: Vec<_> = r
        .tables
        .iter()
        .filter(|t| t.version.is_some())
        .map(|t| t.table.as_str())
        .collect();
    // the bad row arrived once more, in another file: it is recorded for that file too
    assert_eq!(changed, ["quarantine"]);
    let lake = fx.lake();
    assert_eq!(
        count(&lake, "SELECT count(*) FROM one_stop_dossiers").await,
        11
    );
    assert_eq!(
        count(&lake, "SELECT count(*) FROM one_stop_dossier_history").await,
        11
    );
}

#[tokio::test]
async fn freshness_per_source_and_khu_pho() {
    let fx = Fixture::new();
    let lake = fx.lake();
    let ages = fx.cfg.max_ages();
    assert_eq!(ages["one_stop"], 72);
    // before any run the source has never delivered: late
    let before = lake.freshness(&ages, chrono::Utc::now()).await.unwrap();
    assert!(before[0].late && before[0].last_arrival.is_none());

    fx.ingest().await;
    let now = chrono::Utc::now();
    let f = lake.freshness(&ages, now).await.unwrap();
    let s = &f[0];
    assert_eq!(s.source, "one_stop");
    assert!(!s.late, "{s:?}");
    assert_eq!(s.last_outcome.as_deref(), Some("committed"));
    let units: Vec<&str> = s.units.iter().map(|u| u.unit.as_str()).collect();
    assert_eq!(units, ["KP01", "KP02"]);
    // 73 hours later, with nothing new, the source and its khu phố are late
    let later = lake
        .freshness(&ages, now + chrono::Duration::hours(73))
        .await
        .unwrap();
    assert!(later[0].late);
    assert!(later[0].units.iter().all(|u| u.late));
    // a run that brings nothing new does not make the data fresh
    fx.ingest().await;
    let again = lake.freshness(&ages, now).await.unwrap();
    assert_eq!(again[0].last_arrival, s.last_arrival);
    assert_eq!(again[0].last_outcome.as_deref(), Some("nothing_new"));
}

#[tokio::test]
async fn a_run_stopped_before_its_log_row_is_invisible_then_completed() {
    let fx = Fixture::new();
    fx.ingest().await;
    fx.add_api_page();
    // a run that committed its tables and died before writing its run-log row
    let lake = fx.lake();
    let key = ingest::Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap();
    let files = ingest::one_stop::OneStopFiles {
        catalogue: vec![],
        dossiers: fx.cfg.glob("extracts/api/*.json").unwrap(),
        pages: vec![],
    };
    let ctx = ingest::one_stop::Context {
        source: "one_stop",
        ward: &fx.cfg.ward,
        group: ingest::KhoGroup::DanCu,
        catalogue_group: ingest::KhoGroup::DanCu,
        pseudonymiser: &key,
        known_procedures: ["P1", "P2", "P3", "P4"].map(String::from).into(),
        limits: ingest::Limits::default(),
    };
    let batch = ingest::one_stop::read(&files, &ctx).unwrap();
    let half = lake.commit(&batch).await.unwrap();
    assert!(!half.unchanged());
    // readers still see the lake as the last logged run left it: HS03 in progress
    assert_eq!(hs03(&lake).await, (4, 1));
    let ev = fx.evaluator().await;
    let i3 = ev
        .value("I.3", "2026-06".parse().unwrap(), None)
        .await
        .unwrap();
    assert_eq!((i3.numerator, i3.denominator), (Some(5), Some(9)));
    // the next run reads the page again (no logged run vouches for it) and completes the work
    let r = fx.ingest().await;
    assert_eq!((r.skipped_files, r.counts.read), (2, 1));
    assert!(r.unchanged(), "its rows were already in the tables: {r:?}");
    assert_eq!(hs03(&lake).await, (10, 2));
    let ev = fx.evaluator().await;
    let i3 = ev
        .value("I.3", "2026-06".parse().unwrap(), None)
        .await
        .unwrap();
    assert_eq!((i3.numerator, i3.denominator), (Some(6), Some(9)));
}

#[tokio::test]
async fn a_page_whose_column_changed_type_is_refused_whole() {
    let fx = Fixture::new();
    fx.ingest().await;
    // the system now sends the channel as a label instead of its code, in every record
    let record = crate::helpers::API_PAGE
        .split_once("\"data\":[")
        .unwrap()
        .1
        .trim_end()
        .trim_end_matches("]}")
        .trim()
        .replace("\"KenhThucHien\":2", "\"KenhThucHien\":\"Trực tuyến\"");
    let records: Vec<String> = (0..6)
        .map(|i| record.replace("\"HS03\"", &format!("\"HS2{i}\"")))
        .collect();
    let page = format!(
        r#"{{"page":1,"pageSize":500,"totalPages":1,"totalRecords":6,"data":[{}]}}"#,
        records.join(",")
    );
    std::fs::write(fx.dir.path().join("extracts/api/page-0001.json"), page).unwrap();
    let r = fx.ingest().await;
    assert_eq!(r.refused.len(), 1, "{r:?}");
    let reason = &r.refused[0].reason;
    assert!(
        reason.contains("KenhThucHien") && reason.contains("đổi kiểu"),
        "{reason}"
    );
    assert_eq!(warehouse::Outcome::of(&r), warehouse::Outcome::Refused);
    // nothing earlier is lost, nothing of the page is in
    let lake = fx.lake();
    assert_eq!(
        count(&lake, "SELECT count(*) FROM one_stop_dossiers").await,
        11
    );
    assert_eq!(count(&lake, "SELECT count(*) FROM quarantine").await, 1);
}
