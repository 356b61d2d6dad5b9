//! A province's wards side by side (`chiso indicators --province`), and synthetic provinces
//! for tests and benchmarks (`chiso sample --wards N`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use metrics::province::{ProvinceRow, WardLake};
use metrics::{AsOf, Catalogue, Period};
use warehouse::Lake;

use crate::Config;

/// Every ward's table for `period` and the province's, as the wards' lakes stand at `at`
/// (a time, or the latest).
pub async fn table(cfg: &Config, period: Period, at: AsOf) -> Result<Vec<ProvinceRow>> {
    let catalogue = Catalogue::load(&cfg.path(&cfg.ward.catalogue))?;
    let wards = ward_lakes(cfg)?;
    Ok(metrics::province::evaluate(
        &wards,
        &catalogue,
        cfg.timezone(),
        at,
        &cfg.max_ages(),
        period,
    )
    .await?)
}

/// The province's wards with their lakes opened (on the store of `[lake]`, with its options).
pub fn ward_lakes(cfg: &Config) -> Result<Vec<WardLake>> {
    let Some(province) = &cfg.province else {
        bail!("no [province] in the deployment file: list the wards and their lakes there");
    };
    let options: std::collections::HashMap<String, String> =
        cfg.lake.options.clone().into_iter().collect();
    province
        .wards
        .iter()
        .map(|w| {
            let lake = Lake::open_with(&w.lake, &cfg.base_dir, options.clone())
                .with_context(|| format!("ward {}", w.code))?
                .with_engine(cfg.engine.clone());
            Ok(WardLake {
                code: w.code.clone(),
                name: w.name.clone(),
                lake,
            })
        })
        .collect()
}

/// The province table as text: the province's figure per indicator, how many wards meet
/// the target, and the best and the last ward.
pub fn as_text(rows: &[ProvinceRow], title: &str) -> String {
    let mut out = format!("{title}\n");
    let mut group = "";
    for r in rows {
        if r.group != group {
            group = &r.group;
            out.push_str(&format!("\n{}. {}\n", r.group, r.group_name));
        }
        let f = &r.figure;
        let frac = crate::indicators::fraction(f);
        let met = match r.wards_judged {
            0 => String::new(),
            n => format!("đạt {}/{n} phường", r.wards_met),
        };
        out.push_str(&format!(
            "{:<6} {:<10} {:>16} {:>19}  {:<18} {met:<15} — {}\n",
            r.id, r.unit, f.value_text, frac, f.status_text, r.name
        ));
        let ranked: Vec<_> = r.wards.iter().filter(|w| w.rank.is_some()).collect();
        if let (Some(best), Some(last)) = (ranked.first(), ranked.last())
            && ranked.len() > 1
            && best.value != last.value
        {
            out.push_str(&format!(
                "       cao nhất: {} {}; thấp nhất: {} {}\n",
                best.name, best.value_text, last.name, last.value_text
            ));
        }
    }
    out
}

/// One CSV row per indicator and ward, the province's own row first (ward code empty).
pub fn as_csv(rows: &[ProvinceRow], period: Period) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "ky",
        "ma_phuong",
        "ten_phuong",
        "hang",
        "tu_so",
        "mau_so",
        "gia_tri",
        "gia_tri_hien_thi",
        "danh_gia",
    ])?;
    let num = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let val = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
    for r in rows {
        let f = &r.figure;
        w.write_record([
            r.id.as_str(),
            &period.to_string(),
            "",
            "",
            "",
            &num(f.numerator),
            &num(f.denominator),
            &val(f.value),
            &f.value_text,
            &f.status_text,
        ])?;
        for ward in &r.wards {
            w.write_record([
                r.id.as_str(),
                &period.to_string(),
                &ward.code,
                &ward.name,
                &ward.rank.map(|r| r.to_string()).unwrap_or_default(),
                &num(ward.numerator),
                &num(ward.denominator),
                &val(ward.value),
                &ward.value_text,
                &ward.status_text,
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Ward names for a synthetic province, numbered past the list's end.
const NAMES: [&str; 20] = [
    "Bình Phước",
    "Tân Phong",
    "Long Bình",
    "Trảng Dài",
    "Hố Nai",
    "Tam Hiệp",
    "Bửu Long",
    "Phước Tân",
    "Long Hưng",
    "Tân Triều",
    "Đồng Xoài",
    "Tân Bình",
    "Minh Hưng",
    "Chơn Thành",
    "Bình Long",
    "An Lộc",
    "Phước Long",
    "Thác Mơ",
    "Long Khánh",
    "Bảo Vinh",
];

/// A synthetic province of `n` wards under `out`: for each ward `out/<code>/` holds its
/// sample extracts and its own deployment file, whose lake is `<lake>/<code>` (by default
/// `out/<code>/lake`); `out/pipelines.toml` is the province's, listing every ward's lake, with
/// the first ward as its home ward. The wards differ in seed, size and khu phố populations.
/// Returns each ward's deployment file and what its sample holds.
#[allow(clippy::too_many_arguments)]
pub fn write_wards(
    cfg: &Config,
    base_file: &Path,
    out: &Path,
    n: usize,
    seed: u64,
    scale: f64,
    until: (i32, u32),
    lake: Option<&str>,
) -> Result<Vec<(PathBuf, sample::Manifest)>> {
    if n == 0 {
        bail!("--wards: at least one ward");
    }
    let text = std::fs::read_to_string(base_file)
        .with_context(|| format!("reading {}", base_file.display()))?;
    let base: toml::Table = toml::from_str(&text)?;
    let first_code: u32 = cfg.ward.code.parse().unwrap_or(25216);
    let mut listed = Vec::new();
    let mut files = Vec::new();
    let mut home = None;
    for i in 0..n {
        let code = format!("{:05}", first_code + 3 * i as u32);
        let name = match NAMES.get(i) {
            Some(n) => format!("Phường {n}"),
            None => format!("Phường {} {}", NAMES[i % NAMES.len()], i / NAMES.len() + 1),
        };
        // from 0.6 to 1.4 times the given scale, fixed by the seed and the ward
        let size =
            0.6 + 0.8 * ((seed + i as u64).wrapping_mul(2_654_435_761) % 1000) as f64 / 1000.0;
        let own_lake = lake.map(|root| format!("{}/{code}", root.trim_end_matches('/')));
        let ward = WardSketch {
            code: &code,
            name: &name,
            size,
        };
        let dir = out.join(&code);
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("pipelines.toml");
        let t = ward_table(
            cfg,
            &base,
            &ward,
            own_lake.as_deref().unwrap_or("lake"),
            "sample/",
        );
        std::fs::write(&file, toml::to_string(&t)?)?;
        let ward_cfg = Config::load(&file)?;
        let spec = ward_cfg.sample_spec(seed + i as u64, scale * size, until);
        let manifest = sample::write_sample(&spec, &dir.join("sample"))
            .with_context(|| format!("writing the sample of ward {code}"))?;
        // the lake as the province's file names it, from `out`
        let listed_lake = own_lake.unwrap_or_else(|| format!("{code}/lake"));
        if i == 0 {
            home = Some(ward_table(
                cfg,
                &base,
                &ward,
                &listed_lake,
                &format!("{code}/sample/"),
            ));
        }
        listed.push(toml::Value::Table(toml::Table::from_iter([
            ("code".to_string(), toml::Value::String(code.clone())),
            ("name".to_string(), toml::Value::String(name.clone())),
            ("lake".to_string(), toml::Value::String(listed_lake)),
        ])));
        files.push((file, manifest));
    }
    let mut province = home.expect("one ward at least");
    province.insert(
        "province".into(),
        toml::Value::Table(toml::Table::from_iter([
            (
                "name".to_string(),
                toml::Value::String(cfg.ward.province.clone()),
            ),
            ("wards".to_string(), toml::Value::Array(listed)),
        ])),
    );
    if let Some(reports) = province_reports(&base, &cfg.ward.province)
        && let Some(p) = province
            .get_mut("province")
            .and_then(toml::Value::as_table_mut)
    {
        p.insert("reports".into(), reports);
    }
    let file = out.join("pipelines.toml");
    std::fs::write(&file, toml::to_string(&province)?)?;
    Ok(files)
}

/// Who issues, receives and signs one kind of the province's reports.
struct Letterhead<'a> {
    kind: &'a str,
    issuer: Vec<&'a str>,
    number: &'a str,
    recipients: Vec<&'a str>,
    signature: Vec<&'a str>,
}

/// The province's own reports, made over from the base's `[reports]`: the province's People's
/// Committee signs the monthly report, its party committee the quarterly review.
fn province_reports(base: &toml::Table, province: &str) -> Option<toml::Value> {
    let mut r = base.get("reports")?.as_table()?.clone();
    r.remove("outbox");
    let bare = province
        .strip_prefix("Tỉnh ")
        .or_else(|| province.strip_prefix("Thành phố "))
        .unwrap_or(province);
    r.insert("place".into(), toml::Value::String(bare.into()));
    let strings = |v: &[&str]| {
        toml::Value::Array(
            v.iter()
                .map(|s| toml::Value::String(s.to_string()))
                .collect(),
        )
    };
    let upper = province.to_uppercase();
    let party = if province.starts_with("Thành phố") {
        format!("THÀNH ỦY {}", bare.to_uppercase())
    } else {
        format!("TỈNH ỦY {}", bare.to_uppercase())
    };
    let kinds = [
        Letterhead {
            kind: "monthly",
            issuer: vec!["ỦY BAN NHÂN DÂN", upper.as_str()],
            number: "Số:        /BC-UBND",
            recipients: vec![
                "Bộ Khoa học và Công nghệ (để báo cáo);",
                "Thường trực Tỉnh ủy (để báo cáo);",
                "Ủy ban nhân dân các phường;",
                "Lưu: VT, KGVX.",
            ],
            signature: vec!["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        },
        Letterhead {
            kind: "quarterly",
            issuer: vec![party.as_str()],
            number: "Số      -BC/TU",
            recipients: vec![
                "Văn phòng Trung ương Đảng (để báo cáo);",
                "Các đồng chí Tỉnh ủy viên;",
                "Các đảng ủy phường;",
                "Lưu Văn phòng Tỉnh ủy.",
            ],
            signature: vec!["T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ"],
        },
    ];
    for l in kinds {
        let Some(k) = r.get_mut(l.kind).and_then(toml::Value::as_table_mut) else {
            continue;
        };
        k.insert("issuer".into(), strings(&l.issuer));
        k.insert("number".into(), toml::Value::String(l.number.into()));
        k.insert("recipients".into(), strings(&l.recipients));
        k.insert("signature".into(), strings(&l.signature));
        k.insert("signer".into(), toml::Value::String(String::new()));
        // the province's reports are asked for, not scheduled by a ward's service
        k.remove("schedule");
        k.remove("addressee");
    }
    Some(toml::Value::Table(r))
}

struct WardSketch<'a> {
    code: &'a str,
    name: &'a str,
    size: f64,
}

/// The base deployment made over for one ward: its code and name, its khu phố populations
/// scaled, the catalogue and plans read where the base reads them, its sample's files under
/// `sample_dir`, its lake at `lake`.
fn ward_table(
    cfg: &Config,
    base: &toml::Table,
    ward: &WardSketch,
    lake: &str,
    sample_dir: &str,
) -> toml::Table {
    let mut t = base.clone();
    t.remove("province");
    redirect(&mut t, sample_dir);
    let abs = |p: &str| toml::Value::String(cfg.path(p).display().to_string());
    if let Some(w) = t.get_mut("ward").and_then(toml::Value::as_table_mut) {
        w.insert("code".into(), toml::Value::String(ward.code.into()));
        w.insert("name".into(), toml::Value::String(ward.name.into()));
        w.insert("catalogue".into(), abs(&cfg.ward.catalogue));
        w.insert("plans".into(), abs(&cfg.ward.plans));
        if let Some(units) = w.get_mut("units").and_then(toml::Value::as_array_mut) {
            for u in units.iter_mut().filter_map(toml::Value::as_table_mut) {
                if let Some(p) = u.get("population").and_then(toml::Value::as_integer) {
                    let scaled = (p as f64 * ward.size).round() as i64;
                    u.insert("population".into(), toml::Value::Integer(scaled.max(1)));
                }
            }
        }
    }
    // the reports are signed in the ward's own place
    if let Some(r) = t.get_mut("reports").and_then(toml::Value::as_table_mut)
        && r.contains_key("place")
    {
        let place = ward.name.strip_prefix("Phường ").unwrap_or(ward.name);
        r.insert("place".into(), toml::Value::String(place.into()));
    }
    let lake_table = t
        .entry("lake")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let Some(l) = lake_table.as_table_mut() {
        l.insert("location".into(), toml::Value::String(lake.into()));
    }
    t
}

/// Every string naming the base's sample files (`data/sample/…`, where `chiso demo` writes
/// them, or `sample/…`) names the ward's instead.
fn redirect(t: &mut toml::Table, sample_dir: &str) {
    fn walk(v: &mut toml::Value, to: &str) {
        match v {
            toml::Value::String(s) => {
                let rest = s
                    .strip_prefix("data/sample/")
                    .or_else(|| s.strip_prefix("sample/"));
                if let Some(rest) = rest {
                    *s = format!("{to}{rest}");
                }
            }
            toml::Value::Array(a) => a.iter_mut().for_each(|v| walk(v, to)),
            toml::Value::Table(t) => t.iter_mut().for_each(|(_, v)| walk(v, to)),
            _ => {}
        }
    }
    t.iter_mut().for_each(|(_, v)| walk(v, sample_dir));
}
