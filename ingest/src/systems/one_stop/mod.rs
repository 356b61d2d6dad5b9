//! The one-stop system (Hệ thống Một cửa điện tử): procedure catalogue and dossier states,
//! from its CSV export and its API's JSON pages.

pub mod catalogue;
pub mod dossier;

use std::collections::{BTreeMap, BTreeSet};

use chrono_tz::Tz;

use crate::extract::{ExtractFile, SourceFile};
use crate::parallel::Chunk;
use crate::run::Run;
use crate::{Batch, KhoGroup, Pseudonymiser, Result, Ward};

pub use dossier::{DossierContent, Offered};

/// The one-stop system: its catalogue and its dossiers, from files; dossiers also from its
/// API's pages (`updatedSince`, local time `yyyyMMddHHmmss`).
pub const SYSTEM: crate::source::System = crate::source::System {
    id: "one_stop",
    tables: &[
        crate::source::Table {
            id: "catalogue",
            group: KhoGroup::DanCu,
            dataset: None,
        },
        crate::source::Table {
            id: "dossiers",
            group: KhoGroup::DanCu,
            dataset: None,
        },
    ],
    reader: crate::source::Reader::OneStop,
    by_file_name: false,
    pages: Some(crate::source::Pages {
        table: "dossiers",
        watermark: (dossier::HISTORY_TABLE, "ngay_cap_nhat"),
        token_env: "CHISO_ONE_STOP_TOKEN",
        since_param: crate::http::PORTAL_SINCE_PARAM,
        since_format: crate::http::PORTAL_SINCE_FORMAT,
    }),
    lookups: &[(catalogue::TABLE, "ma_tthc")],
    url_env: "",
};

/// The files of one run.
#[derive(Debug, Clone, Default)]
pub struct OneStopFiles {
    pub catalogue: Vec<SourceFile>,
    pub dossiers: Vec<SourceFile>,
    /// API pages already fetched ([`crate::http::fetch_pages`]).
    pub pages: Vec<ExtractFile>,
}

/// Everything reading needs besides the files.
pub struct Context<'a> {
    /// Source name from pipelines.toml.
    pub source: &'a str,
    pub ward: &'a Ward,
    /// Group of the dossier tables.
    pub group: KhoGroup,
    /// Group of the catalogue.
    pub catalogue_group: KhoGroup,
    pub pseudonymiser: &'a Pseudonymiser,
    /// Procedure codes already in the lake, for dossiers whose catalogue came in an
    /// earlier run.
    pub known_procedures: BTreeSet<String>,
    pub limits: crate::Limits,
}

/// Reads one run's files into a batch.
pub fn read(files: &OneStopFiles, ctx: &Context) -> Result<Batch> {
    let tz: Tz = ctx
        .ward
        .timezone
        .parse()
        .unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
    let mut run = Run::new(ctx.source, ctx.limits);

    let mut procedures: BTreeMap<String, catalogue::Procedure> = BTreeMap::new();
    for sf in &files.catalogue {
        let checked = run.checked(sf, &catalogue::REQUIRED, tz, catalogue::parse);
        let Some((file, valid)) = checked else {
            continue;
        };
        for p in valid {
            match procedures.get(&p.ma_tthc) {
                Some(prev) if prev_content_eq(prev, &p) => run.counts.duplicates += 1,
                Some(prev) => run.reject_row(
                    &file,
                    p.row,
                    "MaTTHC",
                    &p.ma_tthc,
                    format!(
                        "trùng mã TTHC với dòng {} của {} nhưng khác nội dung",
                        prev.row, prev.file
                    ),
                ),
                None => {
                    procedures.insert(p.ma_tthc.clone(), p);
                }
            }
        }
    }

    let known = crate::raw::Names::new(
        ctx.known_procedures
            .iter()
            .chain(procedures.keys())
            .cloned(),
    );
    let rules = dossier::Rules {
        ward: ctx.ward,
        procedures: &known,
        pseudonymiser: ctx.pseudonymiser,
    };
    // exports can hold millions of rows: each is checked as it is read and goes on to the
    // spool; a file's states count once the whole file is known to be good
    let mut stage = dossier::Stage::new();
    let columns = stage.columns();
    let checking = crate::parallel::Rules {
        tz,
        latest: run.latest_event,
        personal: &dossier::PERSONAL,
    };
    let mut failed = None;
    for sf in &files.dossiers {
        stage.begin();
        let read = run.isolated(sf, |run| {
            let (info, drift) = crate::parallel::each_chunk(
                sf,
                &dossier::REQUIRED,
                &ctx.limits,
                checking,
                |rec, f| dossier::parse(rec, &rules, f),
                &columns,
                |file, chunk| keep_states(&mut stage, run, file, chunk, &mut failed),
            )?;
            if let Some(e) = failed.take() {
                return Err(e);
            }
            drift.check(&info.path)?;
            run.add_file(info);
            Ok(())
        });
        if read.is_none() {
            stage.refuse();
        }
    }
    for page in &files.pages {
        let (file, records) = run.take_page(page)?;
        stage.begin();
        let drift = crate::parallel::records_chunked(
            &file,
            records,
            checking,
            |rec, f| dossier::parse(rec, &rules, f),
            &columns,
            |file, chunk| keep_states(&mut stage, &mut run, file, chunk, &mut failed),
        );
        if let Some(e) = failed.take() {
            return Err(e);
        }
        drift.check(&file.path)?;
    }

    let id = run.batch_id();
    let mut tables = Vec::new();
    if !procedures.is_empty() {
        let rows: Vec<_> = procedures.into_values().collect();
        tables.push(catalogue::table(&rows, ctx.catalogue_group, &id)?);
    }
    let staged = stage.finish(ctx.group, &id)?;
    run.counts.duplicates += staged.duplicates;
    for (c, ma_ho_so) in staged.conflicts {
        let (kept_file, kept_row) = c.kept;
        run.reject_row(
            &c.file,
            c.row,
            "MaHoSo",
            &ma_ho_so,
            format!(
                "cùng MaHoSo và NgayCapNhat với dòng {kept_row} của {kept_file} nhưng khác nội dung"
            ),
        );
    }
    if let Some((history, latest)) = staged.tables {
        tables.extend([history, latest]);
    }
    run.into_batch(id, tables)
}

/// Keeps a chunk's valid states ([`dossier::Stage::take`]); which states count is decided
/// once every file is read. Invalid ones go to quarantine; states that cannot be written stop
/// the file (`failed`).
fn keep_states(
    stage: &mut dossier::Stage,
    run: &mut Run,
    file: &crate::FileInfo,
    chunk: Chunk<Offered, dossier::Built>,
    failed: &mut Option<crate::IngestError>,
) {
    let (built, valid) = chunk.split(|row, errors| run.reject_errors(file, row, errors));
    if failed.is_some() {
        return;
    }
    if let Err(e) = stage.take(file, built, valid) {
        *failed = Some(e);
    }
}

fn prev_content_eq(a: &catalogue::Procedure, b: &catalogue::Procedure) -> bool {
    let strip = |p: &catalogue::Procedure| catalogue::Procedure {
        file: String::new(),
        row: 0,
        ..p.clone()
    };
    strip(a) == strip(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ward;
    use arrow::array::AsArray;
    use arrow::datatypes::TimestampMicrosecondType;

    const HEADER: &str =
        "MaHoSo,MaTTHC,KenhThucHien,NgayTiepNhan,TrangThaiHoSo,NgayCapNhat,MaKhuPho";

    /// A file of one state per dossier `HS000`…, recorded at `hour` on 01/06/2026; the
    /// channel is `channel(i)`.
    fn states(
        dir: &std::path::Path,
        name: &str,
        hour: u32,
        dossiers: impl Iterator<Item = usize>,
        channel: impl Fn(usize) -> String,
    ) -> SourceFile {
        let mut text = format!("{HEADER}\n");
        for i in dossiers {
            text.push_str(&format!(
                "HS{i:03},P1,{},01/06/2026 07:00:00,{},01/06/2026 {hour:02}:00:00,KP01\n",
                channel(i),
                hour
            ));
        }
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        SourceFile::new(path, name.to_string())
    }

    /// (MaHoSo, hour of NgayCapNhat) of every row of a table.
    fn rows(t: &crate::TableData) -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for b in t.rows.collect().unwrap() {
            let ids = b.column(0).as_string::<i32>();
            let at = b
                .column(b.schema().index_of("ngay_cap_nhat").unwrap())
                .as_primitive::<TimestampMicrosecondType>();
            for i in 0..b.num_rows() {
                let hour = (at.value(i) / 3_600_000_000 + 7) % 24;
                out.push((ids.value(i).to_string(), hour));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn the_latest_state_of_each_dossier_wherever_it_comes_and_nothing_of_a_refused_file() {
        let dir = tempfile::tempdir().unwrap();
        let n = 300;
        // later states before earlier ones, in one file
        let mut a = format!("{HEADER}\n");
        for i in 0..n {
            for hour in [9, 8] {
                a.push_str(&format!(
                    "HS{i:03},P1,1,01/06/2026 07:00:00,{hour},01/06/2026 {hour:02}:00:00,KP01\n"
                ));
            }
        }
        std::fs::write(dir.path().join("a.csv"), a).unwrap();
        let a = SourceFile::new(dir.path().join("a.csv"), "a.csv".to_string());
        // the channel became a label in nearly every row: refused whole, though its few good
        // rows were read first
        let b = states(dir.path(), "b.csv", 11, 0..n, |i| {
            if i % 20 == 0 {
                "1".to_string()
            } else {
                "Trực tuyến".to_string()
            }
        });
        // later states of the even dossiers
        let c = states(
            dir.path(),
            "c.csv",
            10,
            (0..n).filter(|i| i % 2 == 0),
            |_| "2".into(),
        );
        let ward = Ward::one_unit();
        let key = Pseudonymiser::new(b"test-key-0123456789".to_vec()).unwrap();
        let ctx = Context {
            source: "one_stop",
            ward: &ward,
            group: KhoGroup::DanCu,
            catalogue_group: KhoGroup::DanCu,
            pseudonymiser: &key,
            known_procedures: ["P1".to_string()].into(),
            limits: crate::Limits::default(),
        };
        let files = OneStopFiles {
            catalogue: vec![],
            dossiers: vec![a, b, c],
            pages: vec![],
        };
        let batch = read(&files, &ctx).unwrap();
        assert_eq!(batch.refused.len(), 1, "{:?}", batch.refused);
        let (history, latest) = (&batch.tables[0], &batch.tables[1]);
        assert_eq!(history.spec.name, dossier::HISTORY_TABLE);
        let mut want_history: Vec<(String, i64)> = (0..n)
            .flat_map(|i| [(format!("HS{i:03}"), 8), (format!("HS{i:03}"), 9)])
            .chain(
                (0..n)
                    .filter(|i| i % 2 == 0)
                    .map(|i| (format!("HS{i:03}"), 10)),
            )
            .collect();
        want_history.sort();
        assert_eq!(rows(history), want_history);
        assert_eq!(history.num_rows(), want_history.len());
        let want_latest: Vec<(String, i64)> = (0..n)
            .map(|i| (format!("HS{i:03}"), if i % 2 == 0 { 10 } else { 9 }))
            .collect();
        assert_eq!(rows(latest), want_latest);
        assert_eq!(latest.num_rows(), n);
    }
}
