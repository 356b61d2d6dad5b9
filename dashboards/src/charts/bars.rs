//! The breakdown bar chart: one horizontal bar per khu phố (lĩnh vực, đơn vị, kênh), worst
//! first, the target as a dashed line, the value written at each bar's end.

use super::format::format_value;
use super::{FONT_FAMILY, PALETTE};
use crate::markup::escape;

/// Width of a bar chart.
pub const BAR_WIDTH: u32 = 960;
const ROW: u32 = 30;
const TOP: u32 = 74;
const BOTTOM: u32 = 36;
const LABEL: f64 = 300.0;

/// Height of a bar chart of `rows` bars.
pub fn bar_height(rows: usize) -> u32 {
    TOP + BOTTOM + ROW * rows.max(1) as u32
}

/// One bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    /// Percentage; `None` draws no bar and says so.
    pub value: Option<f64>,
    /// Written after the value, e.g. "12 / 40".
    pub detail: String,
}

/// A bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub title: String,
    pub subtitle: String,
    pub bars: Vec<Bar>,
    pub target: Option<f64>,
    pub target_label: Option<String>,
}

/// The chart as standalone SVG, with `<title>` and a `<desc>` listing every value.
pub fn bars_svg(chart: &BarChart) -> String {
    let w = f64::from(BAR_WIDTH);
    let h = bar_height(chart.bars.len());
    let plot = w - LABEL - 150.0;
    let top = chart
        .bars
        .iter()
        .filter_map(|b| b.value)
        .chain(chart.target)
        .fold(100.0f64, f64::max);
    let x = |v: f64| LABEL + v.clamp(0.0, top) / top * plot;
    let desc = chart
        .bars
        .iter()
        .map(|b| {
            format!(
                "{}: {}",
                b.label,
                b.value
                    .map(|v| format!("{} %", format_value(v)))
                    .unwrap_or_else(|| "chưa có dữ liệu".into())
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" font-family="{FONT_FAMILY}"><title>{title}</title><desc>{desc}</desc><rect width="100%" height="100%" fill="#ffffff"/><text x="16" y="28" font-size="18" font-weight="700" fill="#1b1f24">{title}</text><text x="16" y="50" font-size="13" fill="#5f6368">{sub}</text>"##,
        title = escape(&chart.title),
        desc = escape(&desc),
        sub = escape(&chart.subtitle),
    );
    for (i, b) in chart.bars.iter().enumerate() {
        let y = f64::from(TOP + ROW * i as u32);
        let label = shorten(&b.label, 38);
        s.push_str(&format!(
            r##"<text x="{lx}" y="{ty:.1}" font-size="13" text-anchor="end" fill="#1b1f24">{}</text>"##,
            escape(&label),
            lx = LABEL - 10.0,
            ty = y + 19.0
        ));
        match b.value {
            Some(v) => {
                let below = chart.target.is_some_and(|t| v < t);
                let colour = if below { PALETTE.bad } else { PALETTE.good };
                s.push_str(&format!(
                    r##"<rect x="{LABEL}" y="{y:.1}" width="{bw:.1}" height="{bh}" fill="{colour}"/><text x="{tx:.1}" y="{ty:.1}" font-size="13" fill="#1b1f24">{val} %  ({detail})</text>"##,
                    bw = (x(v) - LABEL).max(1.0),
                    bh = ROW - 8,
                    tx = x(v) + 6.0,
                    ty = y + 17.0,
                    val = format_value(v),
                    detail = escape(&b.detail),
                ));
            }
            None => s.push_str(&format!(
                r##"<text x="{LABEL}" y="{ty:.1}" font-size="13" font-style="italic" fill="#5f6368">chưa có dữ liệu</text>"##,
                ty = y + 17.0
            )),
        }
    }
    let bottom = f64::from(h - BOTTOM);
    if let Some(t) = chart.target {
        s.push_str(&format!(
            r##"<line x1="{tx:.1}" x2="{tx:.1}" y1="{y1}" y2="{bottom}" stroke="{c}" stroke-width="2" stroke-dasharray="6 4"/><text x="{tx:.1}" y="{ly}" font-size="12" text-anchor="middle" fill="{c}">{label}</text>"##,
            tx = x(t),
            y1 = TOP - 8,
            ly = TOP - 12,
            c = PALETTE.target,
            label = escape(chart.target_label.as_deref().unwrap_or("Mục tiêu")),
        ));
    }
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        s.push_str(&format!(
            r##"<text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="middle" fill="#5f6368">{} %</text>"##,
            format_value(tick),
            tx = x(tick),
            ty = bottom + 20.0
        ));
    }
    s.push_str("</svg>");
    super::png::mark_symbols_in_text(&s)
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_name_every_value_and_mark_those_below_target() {
        let chart = BarChart {
            title: "I.3 theo khu phố <KP>".into(),
            subtitle: "Tháng 06/2026".into(),
            bars: vec![
                Bar {
                    label: "Khu phố Xuân Bình".into(),
                    value: Some(50.0),
                    detail: "2 / 4".into(),
                },
                Bar {
                    label: "Khu phố Phước Bình".into(),
                    value: Some(95.2),
                    detail: "20 / 21".into(),
                },
                Bar {
                    label: "Khu phố Tân Đồng 1".into(),
                    value: None,
                    detail: String::new(),
                },
            ],
            target: Some(90.0),
            target_label: Some("Mục tiêu 2026: ≥ 90 %".into()),
        };
        let svg = bars_svg(&chart);
        assert!(svg.contains("<title>I.3 theo khu phố &lt;KP&gt;</title>"));
        assert!(svg.contains("Khu phố Xuân Bình: 50 %; Khu phố Phước Bình: 95,2 %; Khu phố Tân Đồng 1: chưa có dữ liệu"));
        assert_eq!(svg.matches(PALETTE.bad).count(), 1);
        assert_eq!(svg.matches(PALETTE.good).count(), 1);
        assert!(svg.contains("95,2 %  (20 / 21)"));
        // "≥" is set in the font that has it, not left to draw as a box
        let at = svg.find('≥').unwrap();
        assert!(svg[..at].ends_with("\">"), "{}", &svg[at - 80..at + 10]);
        assert!(
            svg[at - 80..at].contains("DejaVu Sans"),
            "{}",
            &svg[at - 80..at + 10]
        );
        assert!(crate::charts::svg_to_png(&svg).is_ok());
    }
}
