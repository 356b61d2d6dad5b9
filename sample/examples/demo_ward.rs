//! Writes the demo ward's sample: `cargo run -p sample --example demo_ward -- OUT [SCALE] [UNTIL]`
//! (UNTIL as `YYYY-MM`). The CLI's `chiso sample` reads the ward from `pipelines.toml` instead.

use std::time::Instant;

use sample::{MarketSpec, SampleSpec, UnitSpec, WardSpec, write_sample};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: demo_ward OUT [SCALE] [YYYY-MM]")?;
    let scale: f64 = args.next().map_or(Ok(1.0), |s| s.parse())?;
    let until = args.next().unwrap_or_else(|| "2026-10".to_string());
    let (y, m) = until.split_once('-').ok_or("UNTIL is YYYY-MM")?;
    let units = [
        ("KP01", "Khu phố Xuân Bình", 9800, true),
        ("KP02", "Khu phố Phước Bình", 10400, true),
        ("KP03", "Khu phố Tân Đồng 1", 8900, false),
        ("KP04", "Khu phố Tân Đồng 2", 9100, true),
        ("KP05", "Khu phố Tiến Hưng 1", 8700, false),
        ("KP06", "Khu phố Tiến Hưng 2", 7600, false),
        ("KP07", "Khu phố Tiến Hưng 3", 8300, true),
        ("KP08", "Khu phố Phú Thanh", 9500, true),
        ("KP09", "Khu phố Phước Thiện", 8800, true),
        ("KP10", "Khu phố Tân Xuân", 10100, false),
        ("KP11", "Khu phố Tân Bình", 9200, false),
        ("KP12", "Khu phố Phú Mỹ", 7400, false),
    ];
    let spec = SampleSpec {
        seed: 42,
        scale,
        until_year: y.parse()?,
        until_month: m.parse()?,
        ward: WardSpec {
            code: "25216".into(),
            name: "Phường Bình Phước".into(),
            units: units
                .iter()
                .map(|(code, name, population, pilot)| UnitSpec {
                    code: (*code).into(),
                    name: (*name).into(),
                    population: *population,
                    pilot: *pilot,
                })
                .collect(),
            markets: vec![MarketSpec {
                code: "CHO_DONG_XOAI".into(),
                name: "Chợ Đồng Xoài".into(),
            }],
            tasks: Vec::new(),
        },
    };
    let started = Instant::now();
    let manifest = write_sample(&spec, std::path::Path::new(&out))?;
    eprintln!(
        "{} dossiers, {} files in {:.2?}",
        manifest.dossier_count,
        manifest.files.len(),
        started.elapsed()
    );
    Ok(())
}
