//! One-stop dossiers (hồ sơ TTHC): the CSV export as of 31/12/2025 and the API pages from
//! 01/12/2025, with the irregularities real extracts have.
//!
//! Each dossier is simulated as a whole (received, in progress, finished, handed over); the
//! extracts then show it as it stood at the export's cut-off and at the sample's end. Months are
//! generated one at a time and API states are spooled to disk in order, so memory stays bounded by
//! about three months of dossiers whatever the scale.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike, Weekday};

use crate::calendar::{
    Month, add_working_days, at, is_saturday_desk, is_working_day, office_moment,
};
use crate::catalogue::{PROCEDURES, Procedure};
use crate::names::{Person, nfd};
use crate::output::{Output, Sink, csv_error, csv_finish, csv_writer, io_error, push_json_str};
use crate::pages::PageWriter;
use crate::period::{Period, api_from, export_cutoff, ramp};
use crate::rng::{Rng, Weighted};
use crate::{SampleError, SampleSpec};

/// Agency prefix of dossier codes, as in `000.00.23.H64-260305-0012`.
const AGENCY: &str = "000.00.23.H64";
/// About 1,700 dossiers a month at scale 1: a month has about 23 day-weights (busier Mondays,
/// Saturday mornings at a fifth).
const PER_WORKING_DAY: f64 = 1700.0 / 23.0;

pub(crate) const EXPORT_PATH: &str = "one_stop/export/ho_so_export.csv";
pub(crate) const API_DIR: &str = "one_stop/api";
/// Ordered API states until their total, which every page states, is known.
const SPOOL: &str = "one_stop/api/.states.spool";

/// Field order of both the CSV header and the JSON objects (docs/extracts.md).
pub(crate) const COLUMNS: [&str; 22] = [
    "MaHoSo",
    "MaTTHC",
    "TenTTHC",
    "MaLinhVuc",
    "MaDonVi",
    "KenhThucHien",
    "PhiDiaGioi",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "NgayTra",
    "TrangThaiHoSo",
    "SoLanBoSung",
    "HoSoCoThanhPhanSoHoa",
    "DuocTaiSuDung",
    "CoKetQuaDienTu",
    "DuocThanhToanTrucTuyen",
    "DanhGiaHaiLong",
    "MaKhuPho",
    "NgayCapNhat",
    "ChuHoSo",
    "SoCCCD",
];

/// What the dossier extracts hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DossierCounts {
    /// Dossiers received in the period.
    pub(crate) dossiers: usize,
    /// Distinct states sent by the export or the API (without duplicates and bad rows).
    pub(crate) states: usize,
    pub(crate) export_rows: usize,
    pub(crate) api_records: usize,
    pub(crate) api_pages: usize,
    /// Rows repeated verbatim, in the export and the API together.
    pub(crate) duplicate_rows: usize,
    /// Rows that a reader must reject, in the export and the API together.
    pub(crate) bad_rows: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    /// Status 3: an online submission not accepted.
    Refused,
    /// Status 7: the citizen withdrew it.
    Withdrawn,
}

#[derive(Debug, Clone)]
struct Dossier {
    code: String,
    procedure: &'static Procedure,
    unit: usize,
    resident: u64,
    channel: i64,
    out_of_area: bool,
    received: NaiveDateTime,
    /// When processing started and the system recorded it.
    started: NaiveDateTime,
    due: NaiveDateTime,
    outcome: Outcome,
    /// When processing finished, or the dossier was refused or withdrawn; may lie after the
    /// sample's end, and then the sample shows the dossier unfinished.
    closed: NaiveDateTime,
    returned: Option<NaiveDateTime>,
    supplements: i64,
    digitised: bool,
    reused: bool,
    e_result: bool,
    payment: i64,
    rating: Option<i64>,
    /// Sends its in-progress state as a record of its own.
    extra_state: bool,
}

/// One state of a dossier, as recorded at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    status: i64,
    at: NaiveDateTime,
    finished: Option<NaiveDateTime>,
    returned: Option<NaiveDateTime>,
    /// Processing finished: the e-result and the rating exist.
    done: bool,
}

impl Dossier {
    fn in_progress(&self) -> State {
        let status = match self.outcome {
            Outcome::Refused => 1,
            _ if self.supplements > 0 => 5,
            _ => 4,
        };
        State {
            status,
            at: self.started,
            finished: None,
            returned: None,
            done: false,
        }
    }

    /// The state current at `t` (not before reception).
    fn state_at(&self, t: NaiveDateTime) -> State {
        if self.closed > t {
            return self.in_progress();
        }
        let closed = |status| State {
            status,
            at: self.closed,
            finished: None,
            returned: None,
            done: false,
        };
        match self.outcome {
            Outcome::Refused => closed(3),
            Outcome::Withdrawn => closed(7),
            Outcome::Done => match self.returned {
                Some(r) if r <= t => State {
                    status: 10,
                    at: r,
                    finished: Some(self.closed),
                    returned: Some(r),
                    done: true,
                },
                _ => State {
                    status: 9,
                    at: self.closed,
                    finished: Some(self.closed),
                    returned: None,
                    done: true,
                },
            },
        }
    }
}

/// The shape of the ward: who files what, and how each khu phố trails or leads.
struct Model<'a> {
    spec: &'a SampleSpec,
    period: &'a Period,
    units: Weighted,
    procedures: Weighted,
    /// Added to the month's online share, per khu phố.
    online_offset: Vec<f64>,
    lagging: usize,
}

impl<'a> Model<'a> {
    fn new(spec: &'a SampleSpec, period: &'a Period) -> Model<'a> {
        let units = &spec.ward.units;
        let lagging = units.len() - 1;
        let online_offset = units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                if i == lagging && units.len() > 1 {
                    -0.15
                } else {
                    let mut rng = Rng::stream(spec.seed, "unit-online", i as u64);
                    (rng.f64() - 0.5) * 0.04 + if u.pilot { 0.015 } else { 0.0 }
                }
            })
            .collect();
        Model {
            spec,
            period,
            units: Weighted::new(units.iter().map(|u| f64::from(u.population))),
            procedures: Weighted::new(PROCEDURES.iter().map(|p| p.weight)),
            online_offset,
            lagging,
        }
    }

    fn minutes(rng: &mut Rng, lo: i64, hi: i64) -> Duration {
        Duration::seconds(rng.range(lo * 60, hi * 60))
    }

    /// One dossier received at `received`, without its code.
    fn dossier(&self, rng: &mut Rng, received: NaiveDateTime) -> Dossier {
        let t = self.period.progress(Month::of(received.date()));
        let procedure = &PROCEDURES[self.procedures.sample(rng)];
        let unit = self.units.sample(rng);
        let lag = unit == self.lagging && self.spec.ward.units.len() > 1;
        let resident = rng.below(u64::from(self.spec.ward.units[unit].population.max(1)));

        let online_p = if procedure.online_service {
            let adjust = if procedure.fully_online { 0.03 } else { -0.12 };
            // The lagging khu phố's gap widens a little as the others approach saturation.
            let widening = if lag { 0.03 * t } else { 0.0 };
            (ramp(0.55, 0.92, t) + self.online_offset[unit] - widening + adjust).clamp(0.02, 0.98)
        } else {
            0.0
        };
        let channel = if rng.chance(online_p) {
            2
        } else if rng.chance(0.015) {
            3
        } else {
            1
        };
        let online = channel == 2;
        let out_of_area = rng.chance(ramp(0.02, 0.05, t));
        let (p1, p2) = if procedure.days <= 1 {
            (0.04, 0.004)
        } else {
            (0.14, 0.04)
        };
        let supplements = if rng.chance(p2) {
            2
        } else if rng.chance(p1) {
            1
        } else {
            0
        };
        let lag_penalty = if lag { 0.07 } else { 0.0 };
        let digitised =
            rng.chance(ramp(0.70, 0.95, t) + if online { 0.03 } else { -0.08 } - lag_penalty);
        let reused = rng.chance(if digitised {
            ramp(0.62, 0.90, t) - lag_penalty
        } else {
            0.08
        });
        let payment = if !procedure.fee {
            0
        } else if online && rng.chance(0.9) {
            1
        } else {
            2
        };
        let due = at(
            add_working_days(received.date(), procedure.days),
            received.hour(),
            received.minute(),
            received.second(),
        );
        let started = received + Self::minutes(rng, 5, 90);
        let outcome = if online && rng.chance(0.012) {
            Outcome::Refused
        } else if rng.chance(0.003) {
            Outcome::Withdrawn
        } else {
            Outcome::Done
        };
        let closed = match outcome {
            Outcome::Refused => started + Self::minutes(rng, 30, 240),
            Outcome::Withdrawn => {
                let k = rng.range(1, i64::from(procedure.days)) as u32;
                let c = office_moment(rng, add_working_days(received.date(), k));
                c.max(started + Duration::minutes(10))
            }
            Outcome::Done => self.finish_time(rng, procedure, supplements, started, due),
        };
        let e_result = outcome == Outcome::Done
            && rng.chance(ramp(0.80, 0.97, t) + if online { 0.02 } else { -0.05 });
        let returned = match outcome {
            Outcome::Done if online && e_result && !procedure.paper_result => {
                Some(closed + Self::minutes(rng, 1, 45))
            }
            Outcome::Done if !rng.chance(0.04) => {
                let d = add_working_days(closed.date(), rng.range(0, 3) as u32);
                let r = office_moment(rng, d);
                Some(if r <= closed {
                    closed + Self::minutes(rng, 5, 90)
                } else {
                    r
                })
            }
            _ => None,
        };
        let rating = if outcome == Outcome::Done && online && rng.chance(0.6) {
            let x = rng.f64();
            Some(if x < 0.91 {
                1
            } else if x < 0.96 {
                2
            } else {
                3
            })
        } else {
            None
        };
        Dossier {
            code: String::new(),
            procedure,
            unit,
            resident,
            channel,
            out_of_area,
            received,
            started,
            due,
            outcome,
            closed,
            returned,
            supplements,
            digitised,
            reused,
            e_result,
            payment,
            rating,
            extra_state: rng.chance(0.02),
        }
    }

    /// Mostly early within the legal time, about 5 % late; supplements push the finish back.
    fn finish_time(
        &self,
        rng: &mut Rng,
        procedure: &Procedure,
        supplements: i64,
        started: NaiveDateTime,
        due: NaiveDateTime,
    ) -> NaiveDateTime {
        let late = rng.chance(0.045 + if supplements >= 2 { 0.15 } else { 0.0 });
        if late {
            let d = add_working_days(due.date(), rng.range(1, 5) as u32);
            return office_moment(rng, d).max(due + Duration::hours(1));
        }
        let days = procedure.days;
        let skew = if supplements > 0 { 0.5 } else { 1.8 };
        let k = ((f64::from(days + 1) * rng.f64().powf(skew)).floor() as u32).min(days);
        let mut c = office_moment(rng, add_working_days(started.date(), k));
        if c <= started {
            c = started + Self::minutes(rng, 10, 150);
        }
        if c > due {
            c = due - Self::minutes(rng, 1, 30);
        }
        c.max(started + Duration::minutes(1))
    }

    /// Dossiers received in `month`, in order of reception, with their codes.
    fn month(&self, month: Month) -> (Vec<Dossier>, BTreeMap<NaiveDate, u32>) {
        let mut rng = Rng::stream(
            self.spec.seed,
            "dossiers",
            self.period.month_index(month) as u64,
        );
        let days: Vec<(NaiveDate, f64)> = month
            .days()
            .filter_map(|d| {
                let w = if is_working_day(d) {
                    match d.weekday() {
                        Weekday::Mon => 1.25,
                        Weekday::Tue => 1.05,
                        Weekday::Fri => 0.9,
                        _ => 1.0,
                    }
                } else if is_saturday_desk(d) {
                    0.2
                } else {
                    return None;
                };
                Some((d, w))
            })
            .collect();
        let weights = Weighted::new(days.iter().map(|(_, w)| *w));
        let expected = weights.total() * PER_WORKING_DAY * self.spec.scale;
        let wobble = (1.0 + 0.03 * rng.normal()).max(0.5);
        let n = rng.round_random(expected * wobble);
        let mut dossiers: Vec<Dossier> = (0..n)
            .map(|_| {
                let day = days[weights.sample(&mut rng)].0;
                let received = office_moment(&mut rng, day);
                self.dossier(&mut rng, received)
            })
            .collect();
        dossiers.sort_by_key(|d| d.received);
        let mut per_day: BTreeMap<NaiveDate, u32> = BTreeMap::new();
        for d in &mut dossiers {
            let n = per_day.entry(d.received.date()).or_insert(0);
            *n += 1;
            d.code = code(d.received.date(), *n);
        }
        (dossiers, per_day)
    }
}

fn code(day: NaiveDate, n: u32) -> String {
    format!(
        "{AGENCY}-{:02}{:02}{:02}-{n:04}",
        day.year() % 100,
        day.month(),
        day.day()
    )
}

/// A value as the source system holds it, before a sink writes it its own way.
#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Num(i64),
    Date(NaiveDateTime),
    /// Written as is, whatever the sink: the unreadable date of a bad row.
    Raw(&'static str),
    Null,
}

fn opt_date(d: Option<NaiveDateTime>) -> Value {
    d.map_or(Value::Null, Value::Date)
}

fn build_row(spec: &SampleSpec, d: &Dossier, s: &State, rng: &mut Rng) -> Vec<Value> {
    let unit = &spec.ward.units[d.unit];
    let person = Person::resident(spec.seed, d.unit, d.resident);
    // Some clerks' machines send names decomposed.
    let name = if rng.chance(0.02) {
        nfd(&person.name)
    } else {
        person.name
    };
    vec![
        Value::Text(d.code.clone()),
        Value::Text(d.procedure.code.to_string()),
        Value::Text(d.procedure.name.to_string()),
        Value::Text(d.procedure.field.to_string()),
        Value::Text(spec.ward.code.clone()),
        Value::Num(d.channel),
        Value::Num(i64::from(d.out_of_area)),
        Value::Date(d.received),
        Value::Date(d.due),
        opt_date(s.finished),
        opt_date(s.returned),
        Value::Num(s.status),
        Value::Num(d.supplements),
        Value::Num(i64::from(d.digitised)),
        Value::Num(i64::from(d.reused)),
        Value::Num(i64::from(s.done && d.e_result)),
        Value::Num(d.payment),
        if s.done {
            d.rating.map_or(Value::Null, Value::Num)
        } else {
            Value::Null
        },
        Value::Text(unit.code.clone()),
        Value::Date(s.at),
        Value::Text(name),
        Value::Text(person.cccd),
    ]
}

fn iso(d: NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

fn vietnamese(d: NaiveDateTime) -> String {
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02}:{:02}",
        d.day(),
        d.month(),
        d.year(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// Share of dates written in the other system's format.
const OTHER_DATE_FORMAT: f64 = 0.03;

/// JSON: ISO dates, a few in `dd/MM/yyyy HH:mm:ss`.
fn to_json(row: &[Value], rng: &mut Rng) -> String {
    let mut s = String::with_capacity(640);
    s.push('{');
    for (i, (name, v)) in COLUMNS.iter().zip(row).enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('"');
        s.push_str(name);
        s.push_str("\": ");
        match v {
            Value::Text(t) => push_json_str(&mut s, t),
            Value::Num(n) => s.push_str(&n.to_string()),
            Value::Date(d) => {
                let text = if rng.chance(OTHER_DATE_FORMAT) {
                    vietnamese(*d)
                } else {
                    iso(*d)
                };
                push_json_str(&mut s, &text);
            }
            Value::Raw(r) => push_json_str(&mut s, r),
            Value::Null => s.push_str("null"),
        }
    }
    s.push('}');
    s
}

/// CSV: `dd/MM/yyyy HH:mm:ss` dates, a few in ISO.
fn to_csv(row: &[Value], rng: &mut Rng) -> Vec<String> {
    row.iter()
        .map(|v| match v {
            Value::Text(t) => t.clone(),
            Value::Num(n) => n.to_string(),
            Value::Date(d) => {
                if rng.chance(OTHER_DATE_FORMAT) {
                    iso(*d)
                } else {
                    vietnamese(*d)
                }
            }
            Value::Raw(r) => (*r).to_string(),
            Value::Null => String::new(),
        })
        .collect()
}

/// Rows a reader must reject, one of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bad {
    UnknownProcedure,
    Channel7,
    UnreadableDate,
    MissingCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Export,
    Api,
}

#[derive(Debug, Clone, Copy)]
struct BadRow {
    target: Target,
    kind: Bad,
    day: NaiveDate,
}

/// A receiving day at about `frac` of the way from `lo` to `hi`.
fn day_within(lo: NaiveDate, hi: NaiveDate, frac: f64) -> Option<NaiveDate> {
    if hi < lo {
        return None;
    }
    let span = (hi - lo).num_days();
    let target = lo + Duration::days((span as f64 * frac).round() as i64);
    let open = |d: &NaiveDate| is_working_day(*d) || is_saturday_desk(*d);
    let forward = target.iter_days().take_while(|d| *d <= hi).find(open);
    forward.or_else(|| {
        let mut d = target;
        while d >= lo {
            if open(&d) {
                return Some(d);
            }
            d = d.pred_opt()?;
        }
        None
    })
}

/// Exactly two bad rows in the export and four in the API, whatever the scale.
fn plan_bad_rows(period: &Period, cutoff: NaiveDateTime) -> Vec<BadRow> {
    let mut plan = Vec::new();
    let start = period.start.first_day();
    for (kind, frac) in [(Bad::UnknownProcedure, 0.35), (Bad::UnreadableDate, 0.7)] {
        if let Some(day) = day_within(start, cutoff.date(), frac) {
            plan.push(BadRow {
                target: Target::Export,
                kind,
                day,
            });
        }
    }
    let api_start = api_from().date();
    let kinds = [
        (Bad::UnknownProcedure, 0.2),
        (Bad::Channel7, 0.4),
        (Bad::UnreadableDate, 0.6),
        (Bad::MissingCode, 0.8),
    ];
    for (kind, frac) in kinds {
        if let Some(day) = day_within(api_start, period.end.date(), frac) {
            plan.push(BadRow {
                target: Target::Api,
                kind,
                day,
            });
        }
    }
    plan
}

fn spoil(row: &mut [Value], kind: Bad, target: Target) {
    match kind {
        Bad::UnknownProcedure => {
            row[1] = Value::Text("9.999999".into());
            row[2] = Value::Text("Thủ tục đã bãi bỏ".into());
        }
        Bad::Channel7 => row[5] = Value::Num(7),
        Bad::UnreadableDate => {
            row[7] = Value::Raw(match target {
                Target::Export => "31/02/2025 25:00:00",
                Target::Api => "31/02/2026 25:00:00",
            })
        }
        Bad::MissingCode => row[0] = Value::Null,
    }
}

/// The one-stop CSV export. Rows are written month by month in order of reception; about 1 %
/// come again a few rows later.
struct Export {
    w: csv::Writer<Sink>,
    path: PathBuf,
    fmt: Rng,
    dup: Rng,
    /// Rows of the month being generated: (received, row, may be repeated).
    month: Vec<(NaiveDateTime, Vec<String>, bool)>,
    /// Rows to write again, with how many rows to wait first.
    repeats: Vec<(u32, Vec<String>)>,
}

impl Export {
    fn new(out: &mut Output, seed: u64) -> Result<Export, SampleError> {
        let (mut w, path) = csv_writer(out.create(EXPORT_PATH)?)?;
        w.write_record(COLUMNS).map_err(csv_error(&path))?;
        Ok(Export {
            w,
            path,
            fmt: Rng::stream(seed, "export-format", 0),
            dup: Rng::stream(seed, "export-duplicates", 0),
            month: Vec::new(),
            repeats: Vec::new(),
        })
    }

    fn add(&mut self, spec: &SampleSpec, d: &Dossier, s: &State, bad: Option<Bad>) {
        let mut row = build_row(spec, d, s, &mut self.fmt);
        if let Some(kind) = bad {
            spoil(&mut row, kind, Target::Export);
        }
        let row = to_csv(&row, &mut self.fmt);
        self.month.push((d.received, row, bad.is_none()));
    }

    fn put(&mut self, row: &[String], counts: &mut DossierCounts) -> Result<(), SampleError> {
        self.w.write_record(row).map_err(csv_error(&self.path))?;
        counts.export_rows += 1;
        Ok(())
    }

    fn write_month(&mut self, counts: &mut DossierCounts) -> Result<(), SampleError> {
        let mut rows = std::mem::take(&mut self.month);
        rows.sort_by_key(|(received, _, _)| *received);
        for (_, row, may_repeat) in rows {
            self.put(&row, counts)?;
            if may_repeat && self.dup.chance(0.01) {
                let wait = self.dup.range(0, 4) as u32;
                self.repeats.push((wait + 1, row));
            }
            for r in &mut self.repeats {
                r.0 -= 1;
            }
            while let Some(pos) = self.repeats.iter().position(|r| r.0 == 0) {
                let (_, again) = self.repeats.remove(pos);
                self.put(&again, counts)?;
                counts.duplicate_rows += 1;
            }
        }
        Ok(())
    }

    fn finish(mut self, counts: &mut DossierCounts) -> Result<(), SampleError> {
        for (_, again) in std::mem::take(&mut self.repeats) {
            self.put(&again, counts)?;
            counts.duplicate_rows += 1;
        }
        csv_finish(self.w, &self.path)
    }
}

/// An API state waiting for its month to be complete.
struct Pending {
    at: NaiveDateTime,
    code: String,
    seq: u64,
    line: String,
    may_repeat: bool,
}

/// The one-stop API. States are held until no later month can add one before them, then spooled
/// to disk in the API's order (NgayCapNhat, then MaHoSo); the pages are cut once the total is
/// known. About 1 % of states are sent twice in a row.
struct Api {
    fmt: Rng,
    dup: Rng,
    pending: BTreeMap<Month, Vec<Pending>>,
    seq: u64,
    spool: Sink,
}

impl Api {
    fn new(out: &Output, seed: u64) -> Result<Api, SampleError> {
        Ok(Api {
            fmt: Rng::stream(seed, "api-format", 0),
            dup: Rng::stream(seed, "api-duplicates", 0),
            pending: BTreeMap::new(),
            seq: 0,
            spool: out.scratch(SPOOL)?,
        })
    }

    fn add(&mut self, spec: &SampleSpec, d: &Dossier, s: &State, bad: Option<Bad>) {
        let mut row = build_row(spec, d, s, &mut self.fmt);
        if let Some(kind) = bad {
            spoil(&mut row, kind, Target::Api);
        }
        self.seq += 1;
        let code = if bad == Some(Bad::MissingCode) {
            String::new()
        } else {
            d.code.clone()
        };
        let pending = Pending {
            at: s.at,
            code,
            seq: self.seq,
            line: to_json(&row, &mut self.fmt),
            may_repeat: bad.is_none(),
        };
        self.pending
            .entry(Month::of(s.at.date()))
            .or_default()
            .push(pending);
    }

    /// Spools the states of every month up to `through` (all months with `None`).
    fn flush(
        &mut self,
        through: Option<Month>,
        counts: &mut DossierCounts,
    ) -> Result<(), SampleError> {
        let done: Vec<Month> = self
            .pending
            .keys()
            .copied()
            .filter(|m| through.is_none_or(|t| *m <= t))
            .collect();
        for m in done {
            let mut states = self.pending.remove(&m).unwrap_or_default();
            states.sort_by(|a, b| (a.at, &a.code, a.seq).cmp(&(b.at, &b.code, b.seq)));
            for p in states {
                let times = if p.may_repeat && self.dup.chance(0.01) {
                    2
                } else {
                    1
                };
                for _ in 0..times {
                    self.spool.put_str(&p.line)?;
                    self.spool.put_str("\n")?;
                    counts.api_records += 1;
                }
                counts.duplicate_rows += times - 1;
            }
        }
        Ok(())
    }

    fn write_pages(
        mut self,
        out: &mut Output,
        counts: &mut DossierCounts,
    ) -> Result<(), SampleError> {
        self.flush(None, counts)?;
        let spool_path = self.spool.path().to_path_buf();
        self.spool.finish()?;
        let mut pages = PageWriter::new(out, API_DIR, counts.api_records)?;
        let file = File::open(&spool_path).map_err(io_error(&spool_path))?;
        for line in BufReader::new(file).lines() {
            pages.push(&line.map_err(io_error(&spool_path))?)?;
        }
        counts.api_pages = pages.finish()?;
        fs::remove_file(&spool_path).map_err(io_error(&spool_path))
    }
}

/// Writes the export and the API pages.
pub(crate) fn write(
    spec: &SampleSpec,
    period: &Period,
    out: &mut Output,
) -> Result<DossierCounts, SampleError> {
    let model = Model::new(spec, period);
    let end = period.end;
    let cutoff = export_cutoff().min(end);
    let api_start = api_from();
    let bad_plan = plan_bad_rows(period, cutoff);
    let mut bad_rng = Rng::stream(spec.seed, "bad-rows", 0);
    let mut export = Export::new(out, spec.seed)?;
    let mut api = Api::new(out, spec.seed)?;
    let mut counts = DossierCounts::default();

    for month in period.months() {
        let (dossiers, per_day) = model.month(month);
        counts.dossiers += dossiers.len();
        for d in &dossiers {
            // What the dossier recorded: its state at the end, its state when the export was
            // taken, and for a few their in-progress state as a record of its own.
            let export_state = (d.received <= cutoff).then(|| d.state_at(cutoff));
            let mut states: Vec<State> = [
                Some(d.state_at(end)),
                export_state,
                d.extra_state.then(|| d.in_progress()),
            ]
            .into_iter()
            .flatten()
            .collect();
            states.sort_by_key(|s| s.at);
            states.dedup_by_key(|s| s.at);
            for s in &states {
                let in_export = export_state == Some(*s);
                let in_api = s.at >= api_start && s.at <= end;
                if in_export {
                    export.add(spec, d, s, None);
                }
                if in_api {
                    api.add(spec, d, s, None);
                }
                counts.states += usize::from(in_export || in_api);
            }
        }

        // Bad rows take codes after the day's last good one, so no good code is reused.
        let mut extra_per_day: BTreeMap<NaiveDate, u32> = BTreeMap::new();
        for bad in bad_plan.iter().filter(|b| Month::of(b.day) == month) {
            let taken = per_day.get(&bad.day).copied().unwrap_or(0);
            let extra = extra_per_day.entry(bad.day).or_insert(0);
            *extra += 1;
            let received = office_moment(&mut bad_rng, bad.day);
            let mut d = model.dossier(&mut bad_rng, received);
            d.code = code(bad.day, taken + *extra);
            let s = d.in_progress();
            match bad.target {
                Target::Export => export.add(spec, &d, &s, Some(bad.kind)),
                Target::Api => api.add(spec, &d, &s, Some(bad.kind)),
            }
            counts.bad_rows += 1;
        }

        export.write_month(&mut counts)?;
        // Later months cannot add a state before the next month starts.
        api.flush(Some(month), &mut counts)?;
    }
    export.finish(&mut counts)?;
    api.write_pages(out, &mut counts)?;
    Ok(counts)
}
