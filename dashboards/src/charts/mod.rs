//! Charts for the dashboard and the reports.
//!
//! plotters draws to its SVG backend and [`svg_to_png`] rasterises that SVG with resvg and the
//! bundled fonts. plotters' own bitmap text misplaces Vietnamese diacritics ("Bình" came out as
//! "B ình"); resvg shapes text with rustybuzz and gets every letter right. The SVG is also served
//! to browsers as is, so it names its fonts by family and stays valid standalone SVG.

mod bars;
mod format;
mod indicator;
mod png;
mod series;
mod spark;

pub use bars::{Bar, BarChart, bar_height, bars_svg};
pub use format::format_vi;
pub use indicator::indicator_chart;
pub use png::svg_to_png;
pub use series::{HEIGHT, WIDTH, series_svg};
pub use spark::sparkline;

/// One month (or other period) of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPoint {
    /// What the x axis shows for this point, e.g. "07/2025".
    pub label: String,
    /// `None` means no data for the period: drawn as a gap, never as zero.
    pub value: Option<f64>,
}

/// A line chart of an indicator over time, with an optional target line.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesChart {
    pub title: String,
    pub subtitle: Option<String>,
    /// Y axis description, e.g. "Tỷ lệ (%)".
    pub y_label: String,
    /// X axis description, e.g. "Tháng".
    pub x_label: String,
    pub points: Vec<SeriesPoint>,
    pub target: Option<f64>,
    /// Text drawn on the target line, e.g. "Chỉ tiêu 2026: ≥ 90 %".
    pub target_label: Option<String>,
    /// Later milestones' targets, each a lighter dashed line with its label.
    pub milestones: Vec<(f64, String)>,
    /// Top of the y axis, 100.0 for percentages. The axis grows past it when a value or the
    /// target is larger, so nothing is ever drawn off the chart.
    pub y_max: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("chart input is not drawable: {0}")]
    InvalidInput(String),
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    #[error("the chart SVG could not be read by resvg: {0}")]
    Svg(#[from] resvg::usvg::Error),
    #[error("cannot allocate a {width}x{height} image for the chart")]
    Pixmap { width: u32, height: u32 },
    #[error("encoding the chart as PNG failed: {0}")]
    Png(String),
}

/// Colours every chart uses: the Okabe–Ito set, told apart with any colour vision.
pub struct Palette {
    pub series: &'static str,
    pub target: &'static str,
    /// Bars meeting the target, and bars below it.
    pub good: &'static str,
    pub bad: &'static str,
}

pub const PALETTE: Palette = Palette {
    series: "#0072B2",
    target: "#D55E00",
    good: "#009E73",
    bad: "#E69F00",
};

/// Every piece of chart text uses this list: Noto Sans for letters, DejaVu Sans for symbols
/// Noto lacks (≥, ≤), and a generic family so a browser without either still shows text.
pub(crate) const FONT_FAMILY: &str = "Noto Sans, DejaVu Sans, sans-serif";

#[cfg(test)]
mod tests {
    use resvg::tiny_skia::Pixmap;

    use super::*;

    const TITLE: &str = "Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến (toàn trình)";
    /// Private use: none of the bundled fonts has it, so it renders as the missing-glyph box.
    const MISSING: char = '\u{E000}';

    fn month(m: u32, value: Option<f64>) -> SeriesPoint {
        SeriesPoint {
            label: format!("{m:02}/2025"),
            value,
        }
    }

    fn sample_chart() -> SeriesChart {
        let values = [
            Some(61.0),
            Some(64.5),
            Some(70.2),
            None,
            Some(74.0),
            Some(78.8),
            Some(81.3),
            None,
            None,
            Some(86.1),
            Some(88.4),
            Some(92.5),
        ];
        SeriesChart {
            title: TITLE.to_string(),
            subtitle: Some(
                "Phường Hòa Bình · Nguồn: Hệ thống thông tin giải quyết TTHC".to_string(),
            ),
            y_label: "Tỷ lệ (%)".to_string(),
            x_label: "Tháng".to_string(),
            points: (1..=12).zip(values).map(|(m, v)| month(m, v)).collect(),
            target: Some(90.0),
            target_label: Some("Chỉ tiêu 2026: ≥ 90 %".to_string()),
            milestones: Vec::new(),
            y_max: 100.0,
        }
    }

    fn render(chart: &SeriesChart) -> Pixmap {
        let svg = series_svg(chart).expect("chart draws");
        let png = svg_to_png(&svg).expect("chart rasterises");
        Pixmap::decode_png(&png).expect("PNG decodes")
    }

    fn luma(p: &Pixmap, x: u32, y: u32) -> u32 {
        let c = p.pixel(x, y).expect("inside the image").demultiply();
        (299 * u32::from(c.red()) + 587 * u32::from(c.green()) + 114 * u32::from(c.blue())) / 1000
    }

    /// The top-left corner of a chart whose title is `text`, where the first letters of the
    /// title land, drawn by exactly the path a real chart takes (series_svg → svg_to_png).
    fn title_corner(text: &str) -> Vec<u32> {
        let chart = SeriesChart {
            title: text.to_string(),
            subtitle: None,
            points: Vec::new(),
            target: None,
            target_label: None,
            ..sample_chart()
        };
        let p = render(&chart);
        let mut out = Vec::new();
        for y in 0..64 {
            for x in 0..96 {
                out.push(luma(&p, x, y));
            }
        }
        out
    }

    fn ink(pixels: &[u32]) -> usize {
        pixels.iter().filter(|&&l| l < 128).count()
    }

    fn differing(a: &[u32], b: &[u32]) -> usize {
        a.iter()
            .zip(b)
            .filter(|(x, y)| x.abs_diff(**y) > 64)
            .count()
    }

    #[test]
    fn every_title_letter_renders_as_a_real_glyph() {
        let tofu = title_corner(&MISSING.to_string());
        assert!(
            ink(&tofu) > 20,
            "the missing-glyph box should be visible, else the comparison proves nothing"
        );
        let mut seen = std::collections::BTreeSet::new();
        for c in TITLE.chars().filter(|c| !c.is_whitespace()) {
            if !seen.insert(c) {
                continue;
            }
            let glyph = title_corner(&c.to_string());
            assert!(ink(&glyph) > 5, "{c:?} rendered blank");
            assert!(
                differing(&glyph, &tofu) > 20,
                "{c:?} ({:04X}) rendered as the missing-glyph box",
                u32::from(c)
            );
        }
        assert!(seen.len() > 20, "the title has many distinct letters");
    }

    #[test]
    fn vietnamese_diacritics_are_drawn() {
        let o = title_corner("o");
        let o_circ = title_corner("ô");
        let o_circ_grave = title_corner("ồ");
        assert!(differing(&o_circ_grave, &o) > 10, "ồ drew like o");
        assert!(differing(&o_circ_grave, &o_circ) > 5, "ồ drew like ô");
        assert!(differing(&o_circ, &o) > 10, "ô drew like o");
        // The marks add ink above the letter rather than replacing it.
        assert!(ink(&o_circ_grave) > ink(&o_circ) && ink(&o_circ) > ink(&o));
    }

    #[test]
    fn symbols_missing_from_noto_fall_back_to_dejavu() {
        let tofu = title_corner(&MISSING.to_string());
        for c in ['≥', '≤'] {
            let glyph = title_corner(&c.to_string());
            assert!(ink(&glyph) > 5, "{c} rendered blank");
            assert!(differing(&glyph, &tofu) > 20, "{c} rendered as a box");
        }
    }

    #[test]
    fn chart_png_is_960_by_540_with_a_dark_title() {
        let p = render(&sample_chart());
        assert_eq!((p.width(), p.height()), (960, 540));
        let title_band: Vec<u32> = (10..50)
            .flat_map(|y| (20..700).map(move |x| (x, y)))
            .map(|(x, y)| luma(&p, x, y))
            .collect();
        assert!(
            title_band.iter().filter(|&&l| l < 60).count() > 500,
            "the title should be dark text"
        );
        // Opaque white page: a chart pasted into a document must not turn black.
        let corner = p.pixel(959, 539).expect("inside").demultiply();
        assert_eq!(
            (corner.red(), corner.green(), corner.blue(), corner.alpha()),
            (255, 255, 255, 255)
        );
    }

    fn strip_tags(svg: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in svg.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn a_symbol_does_not_change_the_font_of_its_line() {
        // usvg's own fallback would set the whole line in DejaVu as soon as it held a "≥".
        let plain = title_corner("Chỉ tiêu");
        let with_symbol = title_corner("Chỉ tiêu ≥");
        assert!(ink(&plain) > 100);
        assert_eq!(
            differing(&plain, &with_symbol),
            0,
            "the letters before ≥ changed"
        );
    }

    #[test]
    fn only_characters_noto_lacks_are_marked() {
        assert_eq!(
            png::mark_symbols("Chỉ tiêu: ≥≤ 90 % → đạt"),
            "Chỉ tiêu: <tspan font-family=\"DejaVu Sans, sans-serif\">≥≤</tspan> 90 % \
             <tspan font-family=\"DejaVu Sans, sans-serif\">→</tspan> đạt"
        );
        // Neither font has it: left alone, it shows as a box rather than vanishing.
        assert_eq!(png::mark_symbols("\u{E000}"), "\u{E000}");
    }

    fn accent_polylines(svg: &str) -> usize {
        svg.split("<polyline")
            .skip(1)
            .filter(|el| {
                el.split("/>")
                    .next()
                    .is_some_and(|e| e.contains("stroke=\"#0072B2\""))
            })
            .count()
    }

    fn accent_markers(svg: &str) -> usize {
        svg.split("<circle")
            .skip(1)
            .filter(|el| {
                el.split("/>")
                    .next()
                    .is_some_and(|e| e.contains("fill=\"#0072B2\""))
            })
            .count()
    }

    #[test]
    fn a_month_without_data_breaks_the_line() {
        let chart = SeriesChart {
            points: vec![
                month(1, Some(50.0)),
                month(2, Some(60.0)),
                month(3, None),
                month(4, Some(70.0)),
                month(5, Some(80.0)),
            ],
            ..sample_chart()
        };
        let svg = series_svg(&chart).expect("chart draws");
        assert_eq!(
            accent_polylines(&svg),
            2,
            "one line before the gap, one after"
        );
        assert_eq!(
            accent_markers(&svg),
            4,
            "no marker (and no zero) for the empty month"
        );
        assert!(
            strip_tags(&svg).contains("Chỉ tiêu 2026: ≥ 90 %"),
            "target label is in the SVG"
        );
        assert!(
            svg.contains(r#"<tspan font-family="DejaVu Sans, sans-serif">≥</tspan>"#),
            "≥ is set in DejaVu, which has it"
        );
        assert!(svg.contains("không có số liệu"), "the gap is explained");

        let no_gap = SeriesChart {
            points: (1..=5)
                .map(|m| month(m, Some(f64::from(m) * 10.0)))
                .collect(),
            ..chart
        };
        let svg = series_svg(&no_gap).expect("chart draws");
        assert_eq!(accent_polylines(&svg), 1);
        assert_eq!(accent_markers(&svg), 5);
        assert!(!svg.contains("không có số liệu"));
    }

    #[test]
    fn an_isolated_month_gets_a_marker_but_no_line() {
        let chart = SeriesChart {
            points: vec![month(1, None), month(2, Some(40.0)), month(3, None)],
            ..sample_chart()
        };
        let svg = series_svg(&chart).expect("chart draws");
        assert_eq!(accent_polylines(&svg), 0);
        assert_eq!(accent_markers(&svg), 1);
    }

    #[test]
    fn svg_is_standalone_and_names_the_bundled_fonts() {
        let svg = series_svg(&sample_chart()).expect("chart draws");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("width=\"960\" height=\"540\""));
        let texts: Vec<&str> = svg.split("<text").skip(1).collect();
        assert!(texts.len() > 10);
        for t in texts {
            assert!(
                t.contains("font-family=\"Noto Sans, DejaVu Sans, sans-serif\""),
                "text without the bundled font list: {t}"
            );
        }
        assert!(svg.contains(TITLE), "title kept verbatim");
        assert!(
            svg.contains(">\n92,5\n<"),
            "latest value labelled with a decimal comma"
        );
        for tick in ["0", "20", "40", "60", "80", "100"] {
            assert!(svg.contains(&format!(">\n{tick}\n<")), "y tick {tick}");
        }
        assert!(
            svg.contains(">\n12/2025\n<"),
            "the latest month is labelled"
        );
    }

    #[test]
    fn many_months_thin_the_labels_but_keep_the_latest() {
        let points: Vec<SeriesPoint> = (0..60)
            .map(|i| SeriesPoint {
                label: format!("{:02}/{}", i % 12 + 1, 2021 + i / 12),
                value: Some(f64::from(i)),
            })
            .collect();
        let chart = SeriesChart {
            points,
            ..sample_chart()
        };
        let svg = series_svg(&chart).expect("chart draws");
        let shown = (0..60)
            .filter(|i| svg.contains(&format!(">\n{:02}/{}\n<", i % 12 + 1, 2021 + i / 12)))
            .count();
        assert!((6..=20).contains(&shown), "{shown} month labels shown");
        assert!(svg.contains(">\n12/2025\n<"));
    }

    #[test]
    fn values_above_y_max_extend_the_axis() {
        let chart = SeriesChart {
            points: vec![month(1, Some(40.0)), month(2, Some(130.0))],
            target: Some(150.0),
            ..sample_chart()
        };
        let svg = series_svg(&chart).expect("chart draws");
        assert!(svg.contains(">\n150\n<"), "axis reaches the target");
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        let bad_max = SeriesChart {
            y_max: 0.0,
            ..sample_chart()
        };
        assert!(matches!(
            series_svg(&bad_max),
            Err(ChartError::InvalidInput(_))
        ));
        let nan = SeriesChart {
            points: vec![month(7, Some(f64::NAN))],
            ..sample_chart()
        };
        let err = series_svg(&nan).expect_err("NaN refused");
        assert!(err.to_string().contains("07/2025"), "{err}");
    }

    #[test]
    fn a_chart_without_data_still_draws() {
        let chart = SeriesChart {
            points: vec![month(1, None), month(2, None)],
            ..sample_chart()
        };
        let svg = series_svg(&chart).expect("chart draws");
        assert!(svg.contains("Chưa có số liệu"));
        assert!(
            !svg.contains("không có số liệu"),
            "no gap note when there is no line"
        );
        assert!(svg_to_png(&svg).is_ok());
    }

    #[test]
    fn broken_svg_is_an_error_not_a_panic() {
        assert!(matches!(svg_to_png("<svg"), Err(ChartError::Svg(_))));
    }

    /// Writes the sample chart to $CHISO_CHART_SAMPLE (e.g. /tmp/chart.png) for a visual check.
    #[test]
    fn write_sample_when_asked() {
        if let Some(path) = std::env::var_os("CHISO_CHART_SAMPLE") {
            let svg = series_svg(&sample_chart()).expect("chart draws");
            let png = svg_to_png(&svg).expect("chart rasterises");
            std::fs::write(&path, png).expect("sample written");
            std::fs::write(std::path::Path::new(&path).with_extension("svg"), svg)
                .expect("sample written");
        }
    }

    #[test]
    fn every_milestone_is_labelled_and_the_svg_describes_itself() {
        let chart = SeriesChart {
            milestones: vec![
                (95.0, "Mục tiêu đến hết 2028: ≥ 95 %".to_string()),
                (100.0, "Mục tiêu đến hết 2030: 100 %".to_string()),
            ],
            ..sample_chart()
        };
        let svg = series_svg(&chart).unwrap();
        for label in ["Chỉ tiêu 2026", "đến hết 2028", "đến hết 2030"] {
            assert!(svg.contains(label), "{label} drawn");
        }
        let title = svg.find("<title>").unwrap();
        let desc = svg.find("<desc>").unwrap();
        assert!(title < desc && desc < svg.find("<rect").unwrap_or(usize::MAX));
        assert!(
            svg.contains("01/2025: "),
            "every month named in the description"
        );
        assert!(svg.contains("chưa có dữ liệu") || !chart.points.iter().any(|p| p.value.is_none()));
        assert!(svg.contains("stroke=\"#CC79A7\""), "later milestones drawn");
        render(&chart);
    }
}
