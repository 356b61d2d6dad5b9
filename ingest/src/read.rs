//! One read of one source: whatever arrived by its transports, into one batch, by the
//! system's reader.

use std::collections::{BTreeMap, BTreeSet};

use chrono_tz::Tz;

use crate::declared::{self, Input};
use crate::extract::{ExtractFile, SourceFile};
use crate::raw::RawRecord;
use crate::source::{Reader, Source};
use crate::{Batch, FileInfo, Pseudonymiser, RefusedFile, Result, Ward};

/// What arrived for one run.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Files per table, each not seen before.
    pub files: BTreeMap<&'static str, Vec<SourceFile>>,
    /// Files found by a pattern that fill no table (named after none): refused alone.
    pub unclaimed: Vec<SourceFile>,
    /// API pages, all of one fetch.
    pub pages: Vec<ExtractFile>,
    /// Database rows per table: their content address, and the records.
    pub rows: BTreeMap<&'static str, (FileInfo, Vec<RawRecord>)>,
}

impl Inputs {
    /// Nothing to read.
    pub fn is_empty(&self) -> bool {
        self.files.values().all(Vec::is_empty)
            && self.unclaimed.is_empty()
            && self.pages.is_empty()
            && self.rows.is_empty()
    }
}

/// What reading needs besides the inputs.
pub struct Context<'a> {
    pub ward: &'a Ward,
    pub tz: Tz,
    pub pseudonymiser: &'a Pseudonymiser,
    /// Values already in the lake, per (table, column) of the system's lookups.
    pub lookups: BTreeMap<(&'static str, &'static str), BTreeSet<String>>,
}

/// Reads one run of the source `name` into a batch: every file alone (a bad one refused, the
/// others in), the pages of a fetch and the rows of a query as wholes.
pub fn read(name: &str, source: &Source, ctx: &Context, mut inputs: Inputs) -> Result<Batch> {
    let system = source.system;
    let table = |id: &str| system.table(id).expect("the system's own table");
    let mut by_table = std::mem::take(&mut inputs.files);
    let mut files = |id: &str| by_table.remove(id).unwrap_or_default();
    match system.reader {
        Reader::OneStop => {
            let files = crate::one_stop::OneStopFiles {
                catalogue: files("catalogue"),
                dossiers: files("dossiers"),
                pages: inputs.pages,
            };
            let lookup = system.lookups.first().and_then(|k| ctx.lookups.get(k));
            let one_stop = crate::one_stop::Context {
                source: name,
                ward: ctx.ward,
                group: source.group_of(table("dossiers")),
                catalogue_group: source.group_of(table("catalogue")),
                pseudonymiser: ctx.pseudonymiser,
                known_procedures: lookup.cloned().unwrap_or_default(),
                limits: source.limits,
            };
            crate::one_stop::read(&files, &one_stop)
        }
        Reader::Declared => {
            let declared = declared::Context {
                ward: ctx.ward,
                tz: ctx.tz,
                pseudonymiser: ctx.pseudonymiser,
                limits: source.limits,
            };
            let datasets: Vec<_> = system
                .tables
                .iter()
                .filter_map(|t| t.dataset.map(|d| (t, d())))
                .collect();
            let pages_of = system.pages.as_ref().map(|p| p.table);
            let found: Vec<Vec<SourceFile>> = datasets.iter().map(|(t, _)| files(t.id)).collect();
            let mut parts = Vec::new();
            for ((t, dataset), files) in datasets.iter().zip(&found) {
                let mut input: Vec<Input> = files.iter().map(Input::File).collect();
                if pages_of == Some(t.id) {
                    input.extend(inputs.pages.iter().map(Input::Page));
                }
                if let Some((info, records)) = inputs.rows.remove(t.id) {
                    input.push(Input::Records(info, records));
                }
                parts.push((dataset, source.group_of(t), input));
            }
            // files are left unclaimed only where tables are told apart by file name, which
            // only declared systems do (the market)
            let unclaimed = inputs
                .unclaimed
                .iter()
                .map(|f| unclaimed(source, f))
                .collect();
            declared::read_grouped(name, &declared, parts, unclaimed)
        }
    }
}

/// The refusal of a file that fills no table of a source whose tables are told apart by
/// file name.
fn unclaimed(source: &Source, f: &SourceFile) -> RefusedFile {
    crate::run::refusal(
        f,
        f.sha256.clone().unwrap_or_default(),
        format!(
            "tên tệp không ứng với bảng nào của {}; đặt tên tệp theo bảng: {}",
            source.system.id,
            source
                .system
                .tables
                .iter()
                .map(|t| format!("{}.csv", t.id))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}
