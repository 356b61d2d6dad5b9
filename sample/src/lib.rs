//! Deterministic synthetic source extracts for a demo ward, from 01/07/2025 to the end of a given
//! month: the files `chiso sample` writes and `ingest` reads, in the layout and with the
//! irregularities of `docs/extracts.md`.
//!
//! The same [`SampleSpec`] always gives byte-identical files: every random choice comes from the
//! crate's own generator seeded from [`SampleSpec::seed`], and nothing depends on the clock or on
//! hash-map order.

mod calendar;
mod catalogue;
mod dossiers;
pub mod hostile;
mod manifest;
mod market;
mod names;
mod output;
mod pages;
mod payments;
mod period;
mod petitions;
mod rng;
mod tasks;
mod uploads;
mod vneid;

use std::path::{Path, PathBuf};

pub use manifest::{Manifest, ManifestFile};

use calendar::Month;
use output::Output;
use period::Period;

/// One khu phố.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitSpec {
    pub code: String,
    pub name: String,
    /// Shapes volumes; the sample's VNeID statistics report about this many residents.
    pub population: u32,
    /// Part of the DC4.0 pilot.
    pub pilot: bool,
}

/// One market run by the ward.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketSpec {
    pub code: String,
    pub name: String,
}

/// The ward the sample describes. The last unit is the one that lags behind the others.
#[derive(Debug, Clone, PartialEq)]
pub struct WardSpec {
    pub code: String,
    pub name: String,
    pub units: Vec<UnitSpec>,
    pub markets: Vec<MarketSpec>,
    /// The 6 rõ tasks of the ward's plans, whose status reports the sample writes.
    pub tasks: Vec<TaskSpec>,
}

/// A 6 rõ task as the sample needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    pub id: String,
    pub start: Option<chrono::NaiveDate>,
    pub due: chrono::NaiveDate,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleSpec {
    pub seed: u64,
    /// Multiplies volumes: 1 is one real ward (about 1,700 dossiers a month).
    pub scale: f64,
    /// last month covered, inclusive
    pub until_year: i32,
    pub until_month: u32,
    pub ward: WardSpec,
}

#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("invalid sample specification: {0}")]
    Spec(String),
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write CSV {}: {source}", path.display())]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    /// A bug in the generator: it broke one of its own invariants.
    #[error("internal error: {0}")]
    Internal(String),
    #[error("cannot write spreadsheet {}: {source}", path.display())]
    Xlsx {
        path: PathBuf,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
}

/// Largest scale accepted: about 40 million dossiers, far beyond any test.
const MAX_SCALE: f64 = 1000.0;

fn validate(spec: &SampleSpec) -> Result<Period, SampleError> {
    let bad = |m: String| Err(SampleError::Spec(m));
    if !spec.scale.is_finite() || spec.scale <= 0.0 || spec.scale > MAX_SCALE {
        return bad(format!(
            "scale must be a number above 0 and at most {MAX_SCALE}, not {}",
            spec.scale
        ));
    }
    let Some(until) = Month::new(spec.until_year, spec.until_month) else {
        return bad(format!(
            "no such month: {}-{:02}",
            spec.until_year, spec.until_month
        ));
    };
    let period = Period::new(until);
    if until < period.start || until.year > 2100 {
        return bad(format!(
            "until must be between {} and 2100-12, not {}",
            period.start.label(),
            until.label()
        ));
    }
    if spec.ward.code.trim().is_empty() {
        return bad("the ward has no code".into());
    }
    if spec.ward.units.is_empty() {
        return bad("the ward has no khu phố".into());
    }
    let mut codes: Vec<&str> = spec.ward.units.iter().map(|u| u.code.as_str()).collect();
    codes.sort_unstable();
    if codes.windows(2).any(|w| w[0] == w[1]) || codes.iter().any(|c| c.trim().is_empty()) {
        return bad("khu phố codes must be present and distinct".into());
    }
    if spec.ward.units.iter().all(|u| u.population == 0) {
        return bad("every khu phố has a population of 0".into());
    }
    Ok(period)
}

/// Writes the sample into `out` (created if needed) and returns what was written; `manifest.json`
/// is written last, so its presence means the sample is complete.
pub fn write_sample(spec: &SampleSpec, out: &Path) -> Result<Manifest, SampleError> {
    let period = validate(spec)?;
    let mut output = Output::new(out)?;
    // Whoever finds a manifest may take the sample as complete: drop an earlier one until this
    // run is done.
    output.remove(manifest::PATH)?;
    let procedures = catalogue::write(&mut output)?;
    let dossiers = dossiers::write(spec, &period, &mut output)?;
    let vneid = vneid::write(spec, &period, &mut output)?;
    let market = market::write(spec, &period, &mut output)?;
    let petitions = petitions::write(spec, &period, &mut output)?;
    let mut uploads = uploads::write(spec, &period, &mut output)?;
    payments::write(spec, &period, &mut output, &mut uploads)?;
    tasks::write(spec, &period, &mut output, &mut uploads)?;
    let counts = manifest::Counts {
        procedures,
        dossiers,
        vneid_rows: vneid,
        market,
        petitions,
        uploads,
    };
    manifest::write(spec, &period, counts, &mut output)
}

#[cfg(test)]
mod tests;
