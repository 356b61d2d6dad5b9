//! `manifest.json`: what a sample holds, so a reader can check it received every file intact.

use std::fs::File;
use std::io::Read;

use sha2::{Digest, Sha256};

use crate::dossiers::DossierCounts;
use crate::market::MarketCounts;
use crate::output::{Output, io_error, push_json_str};
use crate::period::Period;
use crate::uploads::UploadCounts;
use crate::{SampleError, SampleSpec};

pub(crate) const PATH: &str = "manifest.json";

/// One file of the sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestFile {
    /// Relative to the output directory, `/`-separated.
    pub path: String,
    /// Lower-case hex.
    pub sha256: String,
    pub bytes: u64,
}

/// What [`crate::write_sample`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub seed: u64,
    pub scale: f64,
    /// First day covered, `YYYY-MM-DD`.
    pub from: String,
    /// Last month covered, `YYYY-MM`.
    pub until: String,
    pub ward_code: String,
    /// Every file but the manifest itself, sorted by path.
    pub files: Vec<ManifestFile>,
    pub procedure_count: usize,
    /// Dossiers received in the period.
    pub dossier_count: usize,
    /// Distinct dossier states sent by the export or the API, without duplicates and bad rows.
    pub state_count: usize,
    pub export_rows: usize,
    pub api_records: usize,
    pub api_pages: usize,
    /// Rows repeated verbatim in the export and the API.
    pub duplicate_rows: usize,
    /// Rows of the export and the API that a reader must reject.
    pub bad_rows: usize,
    pub vneid_rows: usize,
    pub trader_count: usize,
    pub stall_count: usize,
    pub contract_count: usize,
    pub fee_collection_count: usize,
    pub payment_acceptance_count: usize,
    pub petition_count: usize,
    /// Distinct valid rows of each officers' upload: what its table holds once ingested.
    pub household_evaluation_count: usize,
    pub neighbourhood_evaluation_count: usize,
    pub training_record_count: usize,
    pub business_survey_count: usize,
    pub milestone_status_count: usize,
    pub task_status_count: usize,
    pub payment_tally_count: usize,
    /// Data rows in all upload files, bad rows and repeats included.
    pub upload_rows: usize,
    /// Rows of the uploads that a reader must reject.
    pub upload_bad_rows: usize,
    /// Rows of the uploads repeated verbatim.
    pub upload_duplicate_rows: usize,
}

pub(crate) struct Counts {
    pub(crate) procedures: usize,
    pub(crate) dossiers: DossierCounts,
    pub(crate) vneid_rows: usize,
    pub(crate) market: MarketCounts,
    pub(crate) petitions: usize,
    pub(crate) uploads: UploadCounts,
}

impl Manifest {
    /// The manifest as written to `manifest.json`: fixed key order, no timestamps.
    pub fn to_json(&self) -> String {
        let mut s = String::from("{\n");
        s.push_str(&format!("  \"seed\": {},\n", self.seed));
        s.push_str(&format!(
            "  \"scale\": {},\n",
            serde_json::Number::from_f64(self.scale).map_or("null".to_string(), |n| n.to_string())
        ));
        for (key, value) in [
            ("from", &self.from),
            ("until", &self.until),
            ("ward", &self.ward_code),
        ] {
            s.push_str(&format!("  \"{key}\": "));
            push_json_str(&mut s, value);
            s.push_str(",\n");
        }
        s.push_str("  \"counts\": {\n");
        let counts = [
            ("procedures", self.procedure_count),
            ("dossiers", self.dossier_count),
            ("dossier_states", self.state_count),
            ("export_rows", self.export_rows),
            ("api_records", self.api_records),
            ("api_pages", self.api_pages),
            ("duplicate_rows", self.duplicate_rows),
            ("bad_rows", self.bad_rows),
            ("vneid_rows", self.vneid_rows),
            ("traders", self.trader_count),
            ("stalls", self.stall_count),
            ("contracts", self.contract_count),
            ("fee_collections", self.fee_collection_count),
            ("payment_acceptance", self.payment_acceptance_count),
            ("petitions", self.petition_count),
            ("household_evaluations", self.household_evaluation_count),
            (
                "neighbourhood_evaluations",
                self.neighbourhood_evaluation_count,
            ),
            ("training_records", self.training_record_count),
            ("business_surveys", self.business_survey_count),
            ("milestone_statuses", self.milestone_status_count),
            ("task_statuses", self.task_status_count),
            ("payment_tallies", self.payment_tally_count),
            ("upload_rows", self.upload_rows),
            ("upload_bad_rows", self.upload_bad_rows),
            ("upload_duplicate_rows", self.upload_duplicate_rows),
        ];
        let lines: Vec<String> = counts
            .iter()
            .map(|(k, v)| format!("    \"{k}\": {v}"))
            .collect();
        s.push_str(&lines.join(",\n"));
        s.push_str("\n  },\n  \"files\": [");
        let files: Vec<String> = self
            .files
            .iter()
            .map(|f| {
                let mut line = String::from("\n    {\"path\": ");
                push_json_str(&mut line, &f.path);
                line.push_str(&format!(
                    ", \"sha256\": \"{}\", \"bytes\": {}}}",
                    f.sha256, f.bytes
                ));
                line
            })
            .collect();
        s.push_str(&files.join(","));
        s.push_str("\n  ]\n}\n");
        s
    }
}

fn hash_file(out: &Output, rel: &str) -> Result<ManifestFile, SampleError> {
    let path = out.path(rel);
    let mut file = File::open(&path).map_err(io_error(&path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io_error(&path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok(ManifestFile {
        path: rel.to_string(),
        sha256: hex::encode(hasher.finalize()),
        bytes,
    })
}

/// Hashes every file written and writes the manifest.
pub(crate) fn write(
    spec: &SampleSpec,
    period: &Period,
    counts: Counts,
    out: &mut Output,
) -> Result<Manifest, SampleError> {
    let mut paths: Vec<String> = out.written().to_vec();
    paths.sort();
    paths.dedup();
    let files = paths
        .iter()
        .map(|p| hash_file(out, p))
        .collect::<Result<Vec<_>, _>>()?;
    let d = counts.dossiers;
    let m = counts.market;
    let u = counts.uploads;
    let manifest = Manifest {
        seed: spec.seed,
        scale: spec.scale,
        from: period.first_day_label(),
        until: period.until.label(),
        ward_code: spec.ward.code.clone(),
        files,
        procedure_count: counts.procedures,
        dossier_count: d.dossiers,
        state_count: d.states,
        export_rows: d.export_rows,
        api_records: d.api_records,
        api_pages: d.api_pages,
        duplicate_rows: d.duplicate_rows,
        bad_rows: d.bad_rows,
        vneid_rows: counts.vneid_rows,
        trader_count: m.traders,
        stall_count: m.stalls,
        contract_count: m.contracts,
        fee_collection_count: m.fee_collections,
        payment_acceptance_count: m.payment_acceptance,
        petition_count: counts.petitions,
        household_evaluation_count: u.households,
        neighbourhood_evaluation_count: u.neighbourhoods,
        training_record_count: u.training,
        business_survey_count: u.businesses,
        milestone_status_count: u.milestones,
        task_status_count: u.tasks,
        payment_tally_count: u.payments,
        upload_rows: u.rows,
        upload_bad_rows: u.bad_rows,
        upload_duplicate_rows: u.duplicate_rows,
    };
    let mut sink = out.create(PATH)?;
    sink.put_str(&manifest.to_json())?;
    sink.finish()?;
    Ok(manifest)
}
