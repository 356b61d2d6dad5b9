//! A province's annex: every ward's own annex, whole and unchanged (`phuong-<code>.zip`), and
//! `tong-hop.csv`, each ward's numerator and denominator of every indicator and the province's
//! sums. `chiso verify` checks each ward's annex as it checks a ward's, then that the summary
//! repeats the wards' figures and that the province's figure is their sum.

use std::io::{Seek, Write};

use chrono::NaiveDate;
use metrics::{Evaluator, Period, format};
use serde::{Deserialize, Serialize};

use super::verify::{fail, open, read};
use super::{
    AnnexSpec, MANIFEST, Manifest, ManifestFile, ManifestIndicator, README, Recounted, SUMS,
    VerifyFailure,
};
use crate::documents::archive::{Archive, sha256sums};
use crate::documents::{DocError, province_scope};

/// The manifest's kind for a province's annex.
pub const KIND: &str = "phu_luc_minh_chung_tinh";
/// The summary of every ward's figures and the province's sums.
pub const SUMMARY: &str = "tong-hop.csv";

/// What a province's annex covers.
#[derive(Debug, Clone)]
pub struct ProvinceAnnexSpec {
    /// "Tỉnh Đồng Nai".
    pub province: String,
    pub indicators: Vec<String>,
    pub period: Period,
    pub date: Option<NaiveDate>,
}

/// `manifest.json` of a province's annex.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProvinceManifest {
    pub kind: String,
    pub province: String,
    pub period: String,
    pub period_label: String,
    pub date: Option<NaiveDate>,
    pub wards: Vec<WardAnnex>,
    /// The province's figures: the wards' numerators and denominators summed.
    pub indicators: Vec<ManifestIndicator>,
    pub files: Vec<ManifestFile>,
}

/// One ward's annex inside the province's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WardAnnex {
    pub code: String,
    pub name: String,
    pub file: String,
    pub sha256: String,
    pub lake_version: Option<u64>,
}

/// The file a ward's annex is stored as.
pub fn ward_file(code: &str) -> String {
    format!("phuong-{code}.zip")
}

/// A province's annex being written, one ward at a time (each ward's evaluator can be
/// dropped before the next is opened).
pub struct ProvinceAnnex<W: Write + Seek> {
    zip: Archive<W>,
    spec: ProvinceAnnexSpec,
    wards: Vec<(WardAnnex, Manifest)>,
}

impl<W: Write + Seek> ProvinceAnnex<W> {
    pub fn new(out: W, spec: ProvinceAnnexSpec) -> Self {
        Self {
            zip: Archive::large(out, spec.date),
            spec,
            wards: Vec::new(),
        }
    }

    /// Adds a ward's annex, made from its evaluator by the ward's own annex writer.
    pub async fn add_ward(
        &mut self,
        code: &str,
        name: &str,
        ev: &Evaluator,
    ) -> Result<(), DocError> {
        if self.wards.iter().any(|(w, _)| w.code == code) {
            return Err(DocError::Request(format!("phường {code} có hai lần")));
        }
        let spec = AnnexSpec {
            ward: name.to_string(),
            indicators: self.spec.indicators.clone(),
            period: self.spec.period,
            unit: None,
            date: self.spec.date,
        };
        let tmp = tempfile::tempfile()?;
        let (file, manifest) = super::write(ev, &spec, std::io::BufWriter::new(tmp)).await?;
        let mut file = file.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        let path = ward_file(code);
        self.zip.add_reader(&path, file)?;
        let sha256 = self
            .zip
            .entries()
            .last()
            .map(|e| e.sha256.clone())
            .unwrap_or_default();
        self.wards.push((
            WardAnnex {
                code: code.to_string(),
                name: name.to_string(),
                file: path,
                sha256,
                lake_version: manifest.lake_version,
            },
            manifest,
        ));
        Ok(())
    }

    /// Writes the summary, the README, the manifest and the sums.
    pub fn finish(mut self) -> Result<(W, ProvinceManifest), DocError> {
        let totals = sums(&self.spec.indicators, &self.wards);
        self.zip
            .add(SUMMARY, &summary_csv(&self.spec, &self.wards, &totals)?)?;
        self.zip
            .add(README, readme(&self.spec, &self.wards).as_bytes())?;
        let manifest = ProvinceManifest {
            kind: KIND.to_string(),
            province: self.spec.province.clone(),
            period: self.spec.period.to_string(),
            period_label: self.spec.period.label_vi(),
            date: self.spec.date,
            wards: self.wards.iter().map(|(w, _)| w.clone()).collect(),
            indicators: totals,
            files: self.zip.entries().iter().map(ManifestFile::from).collect(),
        };
        self.zip
            .add(MANIFEST, &serde_json::to_vec_pretty(&manifest)?)?;
        let sums = sha256sums(self.zip.entries());
        self.zip.add(SUMS, sums.as_bytes())?;
        Ok((self.zip.finish()?, manifest))
    }
}

/// The province's figure of each indicator: numerators and denominators summed over the
/// wards that have both, never an average of the wards' percentages.
fn sums(ids: &[String], wards: &[(WardAnnex, Manifest)]) -> Vec<ManifestIndicator> {
    ids.iter()
        .map(|id| {
            let figures: Vec<&ManifestIndicator> = wards
                .iter()
                .filter_map(|(_, m)| m.indicators.iter().find(|i| &i.id == id))
                .collect();
            let pairs: Vec<(u64, u64)> = figures
                .iter()
                .filter_map(|f| f.numerator.zip(f.denominator))
                .collect();
            let (numerator, denominator) = if pairs.is_empty() {
                (None, None)
            } else {
                let (n, d) = pairs.iter().fold((0, 0), |(n, d), (a, b)| (n + a, d + b));
                (Some(n), Some(d))
            };
            ManifestIndicator {
                id: id.clone(),
                name: figures.first().map(|f| f.name.clone()).unwrap_or_default(),
                folder: String::new(),
                records: figures.iter().map(|f| f.records).sum(),
                numerator,
                denominator,
                value_text: match (numerator, denominator) {
                    (Some(n), Some(d)) if d > 0 => format::percent(n as f64 * 100.0 / d as f64),
                    _ => metrics::evaluate::NO_DATA.to_string(),
                },
            }
        })
        .collect()
}

/// The columns of `tong-hop.csv`.
pub const SUMMARY_COLUMNS: [&str; 9] = [
    "id",
    "chi_tieu",
    "ma_phuong",
    "ten_phuong",
    "phien_ban",
    "so_ban_ghi",
    "tu_so",
    "mau_so",
    "gia_tri",
];

fn summary_csv(
    spec: &ProvinceAnnexSpec,
    wards: &[(WardAnnex, Manifest)],
    totals: &[ManifestIndicator],
) -> Result<Vec<u8>, DocError> {
    let num = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(SUMMARY_COLUMNS)?;
    for total in totals {
        // the province's own row first: its ward code is empty
        w.write_record([
            total.id.as_str(),
            &total.name,
            "",
            &spec.province,
            "",
            &total.records.to_string(),
            &num(total.numerator),
            &num(total.denominator),
            &total.value_text,
        ])?;
        for (ward, m) in wards {
            let Some(f) = m.indicators.iter().find(|i| i.id == total.id) else {
                continue;
            };
            w.write_record([
                f.id.as_str(),
                &f.name,
                &ward.code,
                &ward.name,
                &num(ward.lake_version),
                &f.records.to_string(),
                &num(f.numerator),
                &num(f.denominator),
                &f.value_text,
            ])?;
        }
    }
    w.into_inner()
        .map_err(|e| DocError::Io(std::io::Error::other(e.to_string())))
}

fn readme(spec: &ProvinceAnnexSpec, wards: &[(WardAnnex, Manifest)]) -> String {
    let made = spec
        .date
        .map(|d| format!("; lập ngày {}", format::date(d)))
        .unwrap_or_default();
    let mut out = format!(
        "PHỤ LỤC MINH CHỨNG SỐ LIỆU TOÀN {}\r\n\
         {} — {}{made}\r\n\r\n\
         - {SUMMARY}: mỗi chỉ tiêu một dòng của toàn {} (mã phường để trống) rồi một dòng mỗi \
         phường: phiên bản dữ liệu, số bản ghi, tử số, mẫu số, giá trị. Tử số, mẫu số toàn {} \
         là tổng tử số, mẫu số của các phường (không lấy bình quân tỷ lệ).\r\n\
         - phuong-<mã>.zip: phụ lục minh chứng của từng phường, nguyên vẹn như phường tự lập: \
         mọi bản ghi, câu lệnh SQL, lần nạp và mã SHA-256 (xem README.txt trong từng tệp).\r\n\
         - {MANIFEST} liệt kê các phường, các chỉ tiêu và mọi tệp kèm SHA-256; {SUMS} là mã \
         SHA-256 của mọi tệp.\r\n\r\n\
         Kiểm tra: chiso verify <tệp này> kiểm tra từng phụ lục phường (mọi tệp, mọi bản ghi, \
         đếm lại tử số, mẫu số), rồi đối chiếu {SUMMARY} với phụ lục của từng phường và cộng \
         lại số liệu toàn {}.\r\n\r\nCác phường:\r\n",
        spec.province.to_uppercase(),
        spec.province,
        spec.period.label_vi(),
        province_scope(&spec.province),
        province_scope(&spec.province),
        province_scope(&spec.province),
    );
    for (w, _) in wards {
        out.push_str(&format!(
            "- {} {}: {}{}\r\n",
            w.code,
            w.name,
            w.file,
            w.lake_version
                .map(|v| format!(", phiên bản dữ liệu v{v}"))
                .unwrap_or_default()
        ));
    }
    out
}

/// A figure as a line of the summary or a ward's annex states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Figure {
    records: Option<u64>,
    numerator: Option<u64>,
    denominator: Option<u64>,
}

/// The province's line of an indicator, and what its wards' lines add up to.
struct Total {
    id: String,
    stated: Figure,
    records: u64,
    /// Numerators and denominators summed over the wards that have both.
    sums: Option<(u64, u64)>,
}

fn text(v: Option<u64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Checks what only a province's annex holds, once every file has matched its hash: each
/// ward's annex as a ward's is checked, the summary against the wards' annexes, and the
/// province's figures against the sums. Returns the province's figures counted again.
/// `None` for an annex without a summary: a ward's.
pub(super) fn verify(path: &std::path::Path) -> Result<Option<Vec<Recounted>>, VerifyFailure> {
    use std::io::Read;
    let mut zip = open(path)?;
    if zip.by_name(SUMMARY).is_err() {
        return Ok(None);
    }
    let manifest: ProvinceManifest = serde_json::from_slice(&read(&mut zip, MANIFEST)?)
        .map_err(|e| fail(MANIFEST, format!("không đọc được: {e}")))?;
    // (indicator, ward code) → the figure as the ward's own annex has it
    let mut wards: std::collections::BTreeMap<(String, String), Figure> = Default::default();
    for w in &manifest.wards {
        let mut tmp = tempfile::NamedTempFile::new()
            .map_err(|e| fail(&w.file, format!("không tạo được tệp tạm: {e}")))?;
        {
            let mut entry = zip
                .by_name(&w.file)
                .map_err(|_| fail(&w.file, "thiếu trong phụ lục"))?;
            std::io::copy(&mut entry, tmp.as_file_mut())
                .map_err(|e| fail(&w.file, format!("không đọc được: {e}")))?;
        }
        let inner = |e: VerifyFailure| VerifyFailure {
            file: format!("{}/{}", w.file, e.file),
            ..e
        };
        super::verify::files(tmp.path()).map_err(inner)?;
        let mut ward_zip = open(tmp.path()).map_err(inner)?;
        let mut bytes = Vec::new();
        ward_zip
            .by_name(MANIFEST)
            .map_err(|_| inner(fail(MANIFEST, "thiếu trong phụ lục")))?
            .read_to_end(&mut bytes)
            .map_err(|e| inner(fail(MANIFEST, format!("không đọc được: {e}"))))?;
        let m: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| inner(fail(MANIFEST, format!("không đọc được: {e}"))))?;
        for i in m.indicators {
            let figure = Figure {
                records: Some(i.records),
                numerator: i.numerator,
                denominator: i.denominator,
            };
            wards.insert((i.id, w.code.clone()), figure);
        }
    }
    let summary = read(&mut zip, SUMMARY)?;
    let mut csv = csv::Reader::from_reader(summary.as_slice());
    let header: Vec<String> = csv
        .headers()
        .map_err(|e| fail(SUMMARY, format!("không đọc được dòng tiêu đề: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    if header != SUMMARY_COLUMNS {
        return Err(fail(SUMMARY, "dòng tiêu đề không đúng"));
    }
    let number = |s: &str, line: u64| -> Result<Option<u64>, VerifyFailure> {
        if s.is_empty() {
            return Ok(None);
        }
        s.parse().map(Some).map_err(|_| VerifyFailure {
            file: SUMMARY.to_string(),
            record: Some(line),
            reason: format!("“{s}” không phải số"),
        })
    };
    let mut totals: Vec<Total> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, rec) in csv.records().enumerate() {
        let line = i as u64 + 1;
        let at = |reason: String| VerifyFailure {
            file: SUMMARY.to_string(),
            record: Some(line),
            reason,
        };
        let rec = rec.map_err(|e| at(format!("không đọc được: {e}")))?;
        let (id, code) = (rec[0].to_string(), rec[2].to_string());
        let stated = Figure {
            records: number(&rec[5], line)?,
            numerator: number(&rec[6], line)?,
            denominator: number(&rec[7], line)?,
        };
        if code.is_empty() {
            totals.push(Total {
                id,
                stated,
                records: 0,
                sums: None,
            });
            continue;
        }
        let Some(total) = totals.last_mut().filter(|t| t.id == id) else {
            return Err(at(format!(
                "dòng của phường {code} không theo sau dòng toàn tỉnh của {id}"
            )));
        };
        let Some(want) = wards.get(&(id.clone(), code.clone())) else {
            return Err(at(format!(
                "phường {code} không có phụ lục, hoặc phụ lục không có {id}"
            )));
        };
        if stated != *want {
            return Err(at(format!(
                "{id} của phường {code} ghi {}/{}, phụ lục của phường có {}/{}",
                &rec[6],
                &rec[7],
                text(want.numerator),
                text(want.denominator)
            )));
        }
        seen.insert((id, code));
        total.records += want.records.unwrap_or(0);
        if let (Some(n), Some(d)) = (want.numerator, want.denominator) {
            let (sn, sd) = total.sums.unwrap_or((0, 0));
            total.sums = Some((sn + n, sd + d));
        }
    }
    if let Some((id, code)) = wards.keys().find(|k| !seen.contains(*k)) {
        return Err(fail(SUMMARY, format!("thiếu dòng {id} của phường {code}")));
    }
    let mut out = Vec::new();
    for t in totals {
        let summed = Figure {
            records: Some(t.records),
            numerator: t.sums.map(|(n, _)| n),
            denominator: t.sums.map(|(_, d)| d),
        };
        if t.stated != summed {
            return Err(fail(
                SUMMARY,
                format!(
                    "số liệu toàn tỉnh của {} ({}/{}, {} bản ghi) không bằng tổng của các \
                     phường ({}/{}, {} bản ghi)",
                    t.id,
                    text(t.stated.numerator),
                    text(t.stated.denominator),
                    text(t.stated.records),
                    text(summed.numerator),
                    text(summed.denominator),
                    t.records
                ),
            ));
        }
        out.push(Recounted {
            id: t.id,
            records: t.records,
            totals: t.sums.map(|(n, d)| (i128::from(n), i128::from(d))),
        });
    }
    Ok(Some(out))
}
