//! The market management database, as an SQL dump that loads unchanged into PostgreSQL and
//! MariaDB: only syntax both accept (plain string literals for dates, TRUE/FALSE, '' quoting, no
//! backslashes, one multi-row INSERT per 500 rows).

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::calendar::{Month, at, ymd};
use crate::names;
use std::path::PathBuf;

use crate::output::{Output, Sink, csv_error, csv_finish, csv_writer};
use crate::period::{Period, ramp};
use crate::rng::{Rng, pick_weighted};
use crate::{SampleError, SampleSpec};

pub(crate) const DUMP_PATH: &str = "market/market_dump.sql";
/// The market software's CSV export: one file per table.
pub(crate) const CSV_DIR: &str = "market/csv";

/// Rows per INSERT statement.
const BATCH: usize = 500;
/// Stalls of one market at scale 1.
const STALLS_PER_MARKET: f64 = 300.0;

#[cfg(test)]
pub(crate) const TABLES: [&str; 5] = [
    "traders",
    "stalls",
    "contracts",
    "fee_collections",
    "payment_acceptance",
];

const DDL: &str = "\
DROP TABLE IF EXISTS payment_acceptance;
DROP TABLE IF EXISTS fee_collections;
DROP TABLE IF EXISTS contracts;
DROP TABLE IF EXISTS stalls;
DROP TABLE IF EXISTS traders;

CREATE TABLE traders (
    id INTEGER NOT NULL,
    code VARCHAR(20) NOT NULL,
    full_name VARCHAR(100) NOT NULL,
    phone VARCHAR(15),
    business_line VARCHAR(60),
    registered_on DATE,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE stalls (
    id INTEGER NOT NULL,
    code VARCHAR(20) NOT NULL,
    market_code VARCHAR(40) NOT NULL,
    zone VARCHAR(40) NOT NULL,
    area_m2 NUMERIC(6,2) NOT NULL,
    position VARCHAR(40),
    pilot_model BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE contracts (
    id INTEGER NOT NULL,
    stall_id INTEGER NOT NULL,
    trader_id INTEGER NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    monthly_fee NUMERIC(12,0) NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (stall_id) REFERENCES stalls (id),
    FOREIGN KEY (trader_id) REFERENCES traders (id)
);

CREATE TABLE fee_collections (
    id INTEGER NOT NULL,
    receipt_no VARCHAR(20) NOT NULL,
    stall_id INTEGER NOT NULL,
    billing_month CHAR(7) NOT NULL,
    amount_due NUMERIC(12,0) NOT NULL,
    amount_paid NUMERIC(12,0) NOT NULL,
    paid_at TIMESTAMP NULL,
    method VARCHAR(20),
    e_invoice BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (stall_id) REFERENCES stalls (id)
);

CREATE TABLE payment_acceptance (
    id INTEGER NOT NULL,
    stall_id INTEGER NOT NULL,
    method VARCHAR(10) NOT NULL,
    confirmed_on DATE NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (stall_id) REFERENCES stalls (id)
);

CREATE INDEX fee_collections_updated_at ON fee_collections (updated_at);
";

/// What the dump holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MarketCounts {
    pub(crate) traders: usize,
    pub(crate) stalls: usize,
    pub(crate) contracts: usize,
    pub(crate) fee_collections: usize,
    pub(crate) payment_acceptance: usize,
}

/// Zones of a market: name, goods, rent per m² per month, typical area.
const ZONES: [(&str, &str, f64, (f64, f64)); 5] = [
    ("A", "Rau củ quả, trái cây", 60_000.0, (4.0, 9.0)),
    ("B", "Thịt, cá, thủy hải sản", 80_000.0, (4.0, 8.0)),
    ("C", "Tạp hóa, hàng khô", 55_000.0, (6.0, 16.0)),
    ("D", "Quần áo, vải, giày dép", 50_000.0, (6.0, 20.0)),
    ("E", "Ăn uống", 70_000.0, (6.0, 14.0)),
];

const LINES: [[&str; 3]; 5] = [
    ["Rau củ quả", "Trái cây", "Hoa tươi"],
    ["Thịt heo", "Thịt bò, gia cầm", "Thủy hải sản"],
    ["Tạp hóa", "Gạo, ngũ cốc", "Gia vị, hàng khô"],
    ["Quần áo", "Vải, may mặc", "Giày dép, túi xách"],
    ["Cơm, phở, hủ tiếu", "Cà phê, giải khát", "Bánh, chè"],
];

/// Position and its rent factor, with how common it is.
const POSITIONS: [((&str, f64), f64); 4] = [
    (("Mặt tiền", 1.3), 0.2),
    (("Góc", 1.2), 0.1),
    (("Lối đi chính", 1.1), 0.3),
    (("Trong nhà lồng", 1.0), 0.4),
];

struct Stall {
    id: usize,
    pilot: bool,
    /// Draw deciding when the stall starts to accept digital payment.
    adoption: f64,
    /// Keeps paying its fee in cash even when it accepts QR.
    cash_only: bool,
    /// Contracts in order: (contract id, trader id, start, end, fee).
    contracts: Vec<(usize, usize, NaiveDate, Option<NaiveDate>, i64)>,
}

fn q(s: &str) -> String {
    // The dump must not hold backslashes: MariaDB would read them as escapes.
    format!("'{}'", s.replace('\\', "/").replace('\'', "''"))
}

fn date(d: NaiveDate) -> String {
    format!("'{}'", d.format("%Y-%m-%d"))
}

fn ts(t: NaiveDateTime) -> String {
    format!("'{}'", t.format("%Y-%m-%d %H:%M:%S"))
}

fn boolean(b: bool) -> &'static str {
    if b { "TRUE" } else { "FALSE" }
}

/// Multi-row INSERTs of at most `BATCH` rows.
struct Inserts<'s> {
    sink: &'s mut Sink,
    head: String,
    in_statement: usize,
    rows: usize,
    /// The same rows as the market software's CSV export of the table.
    csv: csv::Writer<Sink>,
    csv_path: PathBuf,
}

impl<'s> Inserts<'s> {
    fn new(
        sink: &'s mut Sink,
        out: &mut Output,
        table: &str,
        columns: &str,
    ) -> Result<Inserts<'s>, SampleError> {
        let (mut csv, csv_path) = csv_writer(out.create(&format!("{CSV_DIR}/{table}.csv"))?)?;
        csv.write_record(columns.split(", "))
            .map_err(csv_error(&csv_path))?;
        Ok(Inserts {
            sink,
            head: format!("INSERT INTO {table} ({columns}) VALUES\n"),
            in_statement: 0,
            rows: 0,
            csv,
            csv_path,
        })
    }

    fn row(&mut self, values: &str) -> Result<(), SampleError> {
        if self.in_statement == BATCH {
            self.sink.put_str(";\n")?;
            self.in_statement = 0;
        }
        if self.in_statement == 0 {
            self.sink.put_str(&self.head)?;
        } else {
            self.sink.put_str(",\n")?;
        }
        self.sink.put_str("(")?;
        self.sink.put_str(values)?;
        self.sink.put_str(")")?;
        self.in_statement += 1;
        self.rows += 1;
        self.csv
            .write_record(csv_fields(values))
            .map_err(csv_error(&self.csv_path))
    }

    fn finish(self) -> Result<usize, SampleError> {
        if self.in_statement > 0 {
            self.sink.put_str(";\n")?;
        }
        self.sink.put_str("\n")?;
        csv_finish(self.csv, &self.csv_path)?;
        Ok(self.rows)
    }
}

/// The SQL literals of one VALUES row as the export writes them: text unquoted, NULL empty,
/// booleans 1/0, numbers as they are.
fn csv_fields(values: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = values.chars().peekable();
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' if quoted && chars.peek() == Some(&'\'') => {
                cur.push('\'');
                chars.next();
            }
            '\'' => {
                quoted = !quoted;
                was_quoted = true;
            }
            ',' if !quoted => out.push(literal(std::mem::take(&mut cur), was_quoted)),
            c if !quoted && c.is_whitespace() => {}
            c => cur.push(c),
        }
        if c == ',' && !quoted {
            was_quoted = false;
        }
    }
    out.push(literal(cur, was_quoted));
    out
}

fn literal(v: String, quoted: bool) -> String {
    if quoted {
        return v;
    }
    match v.as_str() {
        "NULL" => String::new(),
        "TRUE" => "1".to_string(),
        "FALSE" => "0".to_string(),
        _ => v,
    }
}

fn random_day(rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    from + Duration::days(rng.range(0, (to - from).num_days()))
}

fn daytime(rng: &mut Rng, d: NaiveDate) -> NaiveDateTime {
    at(
        d,
        6 + rng.below(11) as u32,
        rng.below(60) as u32,
        rng.below(60) as u32,
    )
}

/// Writes the dump; returns row counts.
pub(crate) fn write(
    spec: &SampleSpec,
    period: &Period,
    out: &mut Output,
) -> Result<MarketCounts, SampleError> {
    let mut sink = out.create(DUMP_PATH)?;
    let end = period.end;
    let first = period.start.first_day();
    sink.put_str(&format!(
        "-- Phần mềm quản lý chợ: {}, dữ liệu đến {}\n-- Loads into PostgreSQL 15 and MariaDB 10.11.\n\nSET NAMES 'UTF8';\n\n",
        spec.ward
            .markets
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        end.format("%d/%m/%Y")
    ))?;
    sink.put_str(DDL)?;
    sink.put_str("\n")?;

    let mut counts = MarketCounts::default();
    let mut stalls: Vec<Stall> = Vec::new();
    let mut contract_id = 0;

    // traders and stalls
    let mut traders = Inserts::new(
        &mut sink,
        out,
        "traders",
        "id, code, full_name, phone, business_line, registered_on, updated_at",
    )?;
    let mut trader_id = 0;
    let mut stall_rows: Vec<String> = Vec::new();
    for (mi, market) in spec.ward.markets.iter().enumerate() {
        let mut rng = Rng::stream(spec.seed, "market", mi as u64);
        let n = rng.round_random(STALLS_PER_MARKET * spec.scale).max(4) as usize;
        let mut per_zone = [0usize; ZONES.len()];
        let mut previous_trader: Option<(usize, usize)> = None;
        for _ in 0..n {
            let zone = pick_weighted(
                &mut rng,
                &[(0, 0.3), (1, 0.2), (2, 0.2), (3, 0.2), (4, 0.1)],
            );
            let (zone_name, _, rent, (lo, hi)) = ZONES[zone];
            per_zone[zone] += 1;
            let id = stalls.len() + 1;
            let code = format!("{zone_name}-{:03}", per_zone[zone]);
            let area = ((lo + (hi - lo) * rng.f64()) * 4.0).round() / 4.0;
            let (position, factor) = pick_weighted(&mut rng, &POSITIONS);
            let pilot = rng.chance(0.6);
            let day = random_day(&mut rng, ymd(2025, 5, 1), ymd(2025, 6, 30));
            let stall_updated = daytime(&mut rng, day);
            stall_rows.push(format!(
                "{id}, {}, {}, {}, {area:.2}, {}, {}, {}",
                q(&code),
                q(&market.code),
                q(&format!("Khu {zone_name} - {}", ZONES[zone].1)),
                q(position),
                boolean(pilot),
                ts(stall_updated)
            ));
            let fee = ((area * rent * factor) / 10_000.0).round() as i64 * 10_000;

            // Some traders rent two neighbouring stalls of the same zone.
            let holder = match previous_trader {
                Some((t, z)) if z == zone && rng.chance(0.08) => t,
                _ => {
                    trader_id += 1;
                    write_trader(&mut traders, &mut rng, trader_id, zone)?;
                    trader_id
                }
            };
            previous_trader = Some((holder, zone));
            let start = random_day(&mut rng, ymd(2022, 1, 1), ymd(2025, 6, 1));
            let mut contracts = Vec::new();
            // A few stalls change hands during the period.
            let handover = rng
                .chance(0.06)
                .then(|| first + Duration::days(rng.range(30, 420)))
                .map(|d| Month::of(d).first_day())
                .filter(|d| *d <= end.date());
            contract_id += 1;
            match handover {
                Some(h) => {
                    contracts.push((contract_id, holder, start, Some(h - Duration::days(1)), fee));
                    trader_id += 1;
                    write_trader(&mut traders, &mut rng, trader_id, zone)?;
                    contract_id += 1;
                    let new_fee = fee + 20_000;
                    contracts.push((contract_id, trader_id, h, None, new_fee));
                }
                None => contracts.push((contract_id, holder, start, None, fee)),
            }
            stalls.push(Stall {
                id,
                pilot,
                adoption: rng.f64(),
                cash_only: rng.chance(0.05),
                contracts,
            });
        }
    }
    counts.traders = traders.finish()?;

    let mut inserts = Inserts::new(
        &mut sink,
        out,
        "stalls",
        "id, code, market_code, zone, area_m2, position, pilot_model, updated_at",
    )?;
    for row in &stall_rows {
        inserts.row(row)?;
    }
    counts.stalls = inserts.finish()?;
    drop(stall_rows);

    let mut inserts = Inserts::new(
        &mut sink,
        out,
        "contracts",
        "id, stall_id, trader_id, start_date, end_date, monthly_fee, updated_at",
    )?;
    for s in &stalls {
        for (id, trader, start, until, fee) in &s.contracts {
            let updated = until.map_or(at(*start, 8, 0, 0), |u| at(u, 16, 30, 0));
            inserts.row(&format!(
                "{id}, {}, {trader}, {}, {}, {fee}, {}",
                s.id,
                date(*start),
                until.map_or("NULL".to_string(), date),
                ts(updated)
            ))?;
        }
    }
    counts.contracts = inserts.finish()?;

    let acceptance = acceptance_dates(spec, period, &stalls);
    counts.fee_collections = write_fees(spec, period, &stalls, &acceptance, &mut sink, out)?;

    let mut inserts = Inserts::new(
        &mut sink,
        out,
        "payment_acceptance",
        "id, stall_id, method, confirmed_on, updated_at",
    )?;
    let mut rows: Vec<(NaiveDate, usize, &str)> = acceptance
        .iter()
        .zip(&stalls)
        .flat_map(|(a, s)| a.iter().map(move |(m, d)| (*d, s.id, *m)))
        .filter(|(d, _, _)| *d <= end.date())
        .collect();
    rows.sort();
    let mut rng = Rng::stream(spec.seed, "acceptance-rows", 0);
    for (i, (d, stall, method)) in rows.iter().enumerate() {
        inserts.row(&format!(
            "{}, {stall}, {}, {}, {}",
            i + 1,
            q(method),
            date(*d),
            ts(daytime(&mut rng, *d))
        ))?;
    }
    counts.payment_acceptance = inserts.finish()?;
    sink.finish()?;
    Ok(counts)
}

fn write_trader(
    inserts: &mut Inserts<'_>,
    rng: &mut Rng,
    id: usize,
    zone: usize,
) -> Result<(), SampleError> {
    let name = names::full_name(rng);
    let phone = names::phone(rng);
    let line = rng.pick(&LINES[zone]);
    let registered = random_day(rng, ymd(2008, 1, 1), ymd(2025, 6, 1));
    let day = random_day(rng, registered.max(ymd(2024, 1, 1)), ymd(2025, 6, 30));
    let updated = daytime(rng, day);
    inserts.row(&format!(
        "{id}, {}, {}, {}, {}, {}, {}",
        q(&format!("HKD{id:05}")),
        q(&name),
        q(&phone),
        q(line),
        date(registered),
        ts(updated)
    ))
}

/// When each stall started to accept QR and POS: pilot stalls adopt sooner and more often.
fn acceptance_dates(
    spec: &SampleSpec,
    period: &Period,
    stalls: &[Stall],
) -> Vec<Vec<(&'static str, NaiveDate)>> {
    let first = period.start;
    // Months far enough ahead that every stall that ever adopts has done so.
    let horizon: Vec<Month> = std::iter::successors(Some(first), |m| Some(m.next()))
        .take(36)
        .collect();
    stalls
        .iter()
        .map(|s| {
            let mut rng = Rng::stream(spec.seed, "acceptance", s.id as u64);
            let share = |m: Month| {
                let t = period.progress(m);
                if s.pilot {
                    ramp(0.30, 0.88, t)
                } else {
                    ramp(0.10, 0.42, t)
                }
            };
            let mut out = Vec::new();
            let adopted = if s.adoption < share(first) {
                // Early adopters, before the sample starts.
                Some(random_day(&mut rng, ymd(2024, 9, 1), ymd(2025, 6, 30)))
            } else {
                // Adoption spreads through each month, so compare with the share at its end.
                horizon
                    .iter()
                    .find(|m| share(m.next()) > s.adoption)
                    .map(|m| random_day(&mut rng, m.first_day(), m.last_day()))
            };
            if let Some(d) = adopted {
                let qr = rng.chance(0.85);
                out.push((if qr { "qr" } else { "pos" }, d));
                if qr && rng.chance(0.2) {
                    out.push(("pos", d + Duration::days(rng.range(20, 200))));
                }
            }
            out
        })
        .collect()
}

/// One bill per stall and month, paid mostly in the first weeks; cash gives way to transfers
/// and QR, faster in the pilot.
fn write_fees(
    spec: &SampleSpec,
    period: &Period,
    stalls: &[Stall],
    acceptance: &[Vec<(&'static str, NaiveDate)>],
    sink: &mut Sink,
    out: &mut Output,
) -> Result<usize, SampleError> {
    let end = period.end;
    let mut inserts = Inserts::new(
        sink,
        out,
        "fee_collections",
        "id, receipt_no, stall_id, billing_month, amount_due, amount_paid, paid_at, method, e_invoice, updated_at",
    )?;
    let mut id = 0;
    for month in period.months() {
        let mut rng = Rng::stream(spec.seed, "fees", period.month_index(month) as u64);
        let t = period.progress(month);
        let issued = at(month.first_day(), 7, 0, 0);
        let mut receipt = 0;
        for (s, accepts) in stalls.iter().zip(acceptance) {
            let Some(fee) = s
                .contracts
                .iter()
                .find(|(_, _, start, until, _)| {
                    *start <= month.last_day() && until.is_none_or(|u| u >= month.first_day())
                })
                .map(|c| c.4)
            else {
                continue;
            };
            id += 1;
            receipt += 1;
            let receipt_no = format!("BL{:02}{:02}-{receipt:05}", month.year % 100, month.month);
            let accepting = accepts.iter().any(|(_, d)| *d <= month.last_day());
            let x = rng.f64();
            let paid_in_full = x < 0.95;
            let partial = (0.95..0.97).contains(&x);
            let day = 1 + (rng.f64().powi(2) * 24.0) as i64;
            let paid_at = (paid_in_full || partial)
                .then(|| {
                    let d = month.first_day() + Duration::days(day);
                    at(
                        d,
                        6 + rng.below(11) as u32,
                        rng.below(60) as u32,
                        rng.below(60) as u32,
                    )
                })
                .filter(|p| *p <= end);
            let paid = match paid_at {
                None => 0,
                Some(_) if partial => fee / 20_000 * 10_000,
                Some(_) => fee,
            };
            let digital_share = if s.pilot {
                ramp(0.25, 0.80, t)
            } else {
                ramp(0.08, 0.40, t)
            } + if accepting { 0.15 } else { 0.0 };
            let method = paid_at.map(|_| {
                if s.cash_only || !rng.chance(digital_share) {
                    "tien_mat"
                } else {
                    pick_weighted(
                        &mut rng,
                        &[("qr", 0.55), ("chuyen_khoan", 0.35), ("pos", 0.10)],
                    )
                }
            });
            let e_invoice = paid_at.is_some() && rng.chance(ramp(0.20, 0.75, t));
            let updated = paid_at.unwrap_or(issued);
            inserts.row(&format!(
                "{id}, {}, {}, {}, {fee}, {paid}, {}, {}, {}, {}",
                q(&receipt_no),
                s.id,
                q(&month.label()),
                paid_at.map_or("NULL".to_string(), ts),
                method.map_or("NULL".to_string(), q),
                boolean(e_invoice),
                ts(updated)
            ))?;
        }
    }
    inserts.finish()
}
