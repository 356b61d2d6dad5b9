//! The one-stop system (Hệ thống Một cửa điện tử): procedure catalogue and dossier states,
//! from its CSV export and its API's JSON pages.

pub mod catalogue;
pub mod dossier;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono_tz::Tz;

use crate::extract::{ExtractFile, SourceFile};
use crate::parallel::Checked;
use crate::run::Run;
use crate::{Batch, KhoGroup, Pseudonymiser, Result, Ward};

pub use dossier::{DossierContent, DossierState};

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

    let mut known = ctx.known_procedures.clone();
    known.extend(procedures.keys().cloned());
    let rules = dossier::Rules {
        ward: ctx.ward,
        procedures: &known,
        pseudonymiser: ctx.pseudonymiser,
    };
    let mut states: BTreeMap<(String, i64), DossierState> = BTreeMap::new();
    // exports can hold millions of rows: each is parsed as it is read, only states are kept;
    // a file's states join the others once the whole file is known to be good
    let checking = crate::parallel::Rules {
        tz,
        latest: run.latest_event,
        personal: &dossier::PERSONAL,
    };
    for sf in &files.dossiers {
        let name: Arc<str> = sf.display.as_str().into();
        let fresh = run.isolated(sf, |run| {
            let mut fresh = BTreeMap::new();
            let (info, drift) = crate::parallel::each_checked(
                sf,
                &dossier::REQUIRED,
                &ctx.limits,
                checking,
                |rec, f| dossier::parse(rec, &name, &rules, f),
                |file, checked| match checked {
                    Checked::Valid(state) => keep_state((&states, &mut fresh), run, file, state),
                    Checked::Invalid(row, errors) => run.reject_errors(file, row, errors),
                },
            )?;
            drift.check(&info.path)?;
            run.add_file(info);
            Ok(fresh)
        });
        states.extend(fresh.unwrap_or_default());
    }
    for page in &files.pages {
        let (file, records) = run.take_page(page)?;
        let mut fresh = BTreeMap::new();
        let name: Arc<str> = file.path.as_str().into();
        let drift = crate::parallel::records_checked(
            &file,
            records,
            checking,
            |rec, f| dossier::parse(rec, &name, &rules, f),
            |file, checked| match checked {
                Checked::Valid(state) => keep_state((&states, &mut fresh), &mut run, file, state),
                Checked::Invalid(row, errors) => run.reject_errors(file, row, errors),
            },
        );
        drift.check(&file.path)?;
        states.extend(fresh);
    }

    let id = run.batch_id();
    let mut tables = Vec::new();
    if !procedures.is_empty() {
        let rows: Vec<_> = procedures.into_values().collect();
        tables.push(catalogue::table(&rows, ctx.catalogue_group, &id)?);
    }
    if let Some((history, latest)) = dossier::tables(ctx.group, states.into_values(), &id)? {
        tables.extend([history, latest]);
    }
    run.into_batch(id, tables)
}

type States = BTreeMap<(String, i64), DossierState>;

/// Keeps a valid state among the file's (`seen.1`); the same state sent twice, here or in an
/// earlier file (`seen.0`), counts once, and a different state under the same key is
/// quarantined.
fn keep_state(
    seen: (&States, &mut States),
    run: &mut Run,
    file: &crate::FileInfo,
    state: DossierState,
) {
    let key = (state.content.ma_ho_so.clone(), state.content.ngay_cap_nhat);
    let (earlier, fresh) = seen;
    match earlier.get(&key).or_else(|| fresh.get(&key)) {
        Some(prev) if prev.content == state.content => run.counts.duplicates += 1,
        Some(prev) => run.reject_row(
            file,
            state.row,
            "MaHoSo",
            &state.content.ma_ho_so,
            format!(
                "cùng MaHoSo và NgayCapNhat với dòng {} của {} nhưng khác nội dung",
                prev.row, prev.file
            ),
        ),
        None => {
            fresh.insert(key, state);
        }
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
