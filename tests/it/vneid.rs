//! VNeID statistics from the sample: CSV and the police's spreadsheet (title rows above the
//! header, numbers as Excel stores them) load to the same rows, counted once.

use crate::helpers::count;

fn setup() -> (tempfile::TempDir, chiso::Config) {
    crate::helpers::sample_deployment(0.05, (2025, 9))
}

async fn ingest(cfg: &chiso::Config) -> warehouse::CommitReport {
    let key = ingest::Pseudonymiser::new(b"fixture-key-0123456789".to_vec()).unwrap();
    let lake = chiso::pipeline::open_lake(cfg).unwrap();
    chiso::pipeline::ingest(cfg, &lake, Some("vneid"), &key)
        .await
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn csv_and_xlsx_give_the_same_rows_once() {
    let (dir, cfg) = setup();
    let r = ingest(&cfg).await;
    // 12 khu phố × 3 months (07–09/2025), each month as CSV and as XLSX
    assert_eq!(r.counts.read, 72);
    assert_eq!(r.counts.duplicates, 36, "{r:?}");
    assert_eq!(r.counts.quarantined, 0, "{:?}", r);
    let lake = chiso::pipeline::open_lake(&cfg).unwrap();
    assert_eq!(
        count(&lake, "SELECT count(*) FROM vneid_statistics").await,
        36
    );

    // one figure read from the CSV by hand equals the lake's
    let csv = std::fs::read_to_string(dir.path().join("sample/vneid/vneid_2025-09.csv")).unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let kp12 = lines.find(|l| l.contains(",KP12,")).unwrap();
    let cells: Vec<&str> = kp12.split(',').collect();
    let col = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()];
    let activated: i64 = col("SoKichHoat").parse().unwrap();
    assert_eq!(
        count(
            &lake,
            "SELECT so_kich_hoat FROM vneid_statistics \
             WHERE ma_don_vi = 'KP12' AND ngay_so_lieu = DATE '2025-09-30'"
        )
        .await,
        activated
    );

    // the same files again change nothing
    assert!(ingest(&cfg).await.unchanged());
}

#[tokio::test]
async fn a_month_sent_twice_with_different_figures_is_a_conflict() {
    let (dir, cfg) = setup();
    let path = dir.path().join("sample/vneid/vneid_2025-08.csv");
    let csv = std::fs::read_to_string(&path).unwrap();
    let line = csv
        .lines()
        .find(|l| l.contains(",KP03,"))
        .unwrap()
        .to_string();
    let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
    let last = cells.len() - 1;
    cells[last] = "0".to_string();
    std::fs::write(&path, csv.replace(&line, &cells.join(","))).unwrap();
    let r = ingest(&cfg).await;
    assert_eq!(r.counts.quarantined, 1, "{r:?}");
    let lake = chiso::pipeline::open_lake(&cfg).unwrap();
    let ctx = lake.session().await.unwrap();
    let b = ctx
        .sql("SELECT CAST(reason AS VARCHAR) FROM quarantine")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let reason = arrow::compute::cast(b[0].column(0), &arrow::datatypes::DataType::Utf8).unwrap();
    let reason = arrow::array::AsArray::as_string::<i32>(&reason)
        .value(0)
        .to_string();
    assert!(reason.contains("khác nội dung"), "{reason}");
}

/// A file drop on object storage: the same statistics under a store prefix (here the
/// `file://` store; `s3://` goes through the same listing) load like local files, are named by
/// their URL, and are passed over once ingested.
#[tokio::test]
async fn files_under_an_object_store_prefix_are_listed_fetched_and_remembered() {
    let (dir, mut cfg) = setup();
    let drop = dir.path().join("drop/2025");
    std::fs::create_dir_all(&drop).unwrap();
    for month in ["07", "08"] {
        std::fs::copy(
            dir.path()
                .join(format!("sample/vneid/vneid_2025-{month}.csv")),
            drop.join(format!("vneid_2025-{month}.csv")),
        )
        .unwrap();
    }
    // not matched by the pattern
    std::fs::write(drop.join("ghi_chu.txt"), "không phải số liệu").unwrap();
    let prefix = url::Url::from_directory_path(dir.path().join("drop")).unwrap();
    let pattern = format!("{prefix}**/vneid_*.csv");
    let vneid = cfg.sources.get_mut("vneid").expect("a vneid source");
    vneid.files = Some(ingest::source::Files::All(vec![pattern.clone()]));
    let r = ingest(&cfg).await;
    // 12 khu phố × 2 months, one file each
    assert_eq!(r.counts.read, 24, "{r:?}");
    assert_eq!(r.files.len(), 2);
    assert_eq!(
        r.files[0].path,
        format!("{prefix}2025/vneid_2025-07.csv"),
        "named by URL"
    );
    let again = ingest(&cfg).await;
    assert_eq!(again.skipped_files, 2, "{again:?}");
    assert!(again.batch_id.is_empty());
}
