//! The trend sparkline: a small SVG of monthly values beside a figure, gaps where a month has
//! no data, the target as a dashed line and the last value as a dot.

use super::PALETTE;
use crate::markup::escape;

pub const SPARK_WIDTH: f64 = 120.0;
pub const SPARK_HEIGHT: f64 = 32.0;

/// The sparkline of `values` (percentages; `None` is a gap) against `target`, described by
/// `title` for screen readers.
pub fn sparkline(values: &[Option<f64>], target: Option<f64>, title: &str) -> String {
    let (w, h, pad) = (SPARK_WIDTH, SPARK_HEIGHT, 3.0);
    let top = values
        .iter()
        .flatten()
        .copied()
        .chain(target)
        .fold(100.0f64, f64::max);
    let x = |i: usize| {
        if values.len() <= 1 {
            w / 2.0
        } else {
            pad + i as f64 * (w - 2.0 * pad) / (values.len() - 1) as f64
        }
    };
    let y = |v: f64| h - pad - v.clamp(0.0, top) / top * (h - 2.0 * pad);
    let mut out = format!(
        r#"<svg class="spark" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img"><title>{}</title>"#,
        escape(title)
    );
    if let Some(t) = target {
        out.push_str(&format!(
            r#"<line x1="0" x2="{w}" y1="{y:.1}" y2="{y:.1}" stroke="{}" stroke-dasharray="3 2" stroke-width="1"/>"#,
            PALETTE.target,
            y = y(t)
        ));
    }
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, out: &mut String| {
        if run.len() > 1 {
            out.push_str(&format!(
                r#"<polyline fill="none" stroke="{}" stroke-width="1.8" points="{}"/>"#,
                PALETTE.series,
                run.join(" ")
            ));
        }
        run.clear();
    };
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => run.push(format!("{:.1},{:.1}", x(i), y(*v))),
            None => flush(&mut run, &mut out),
        }
    }
    flush(&mut run, &mut out);
    if let Some((i, Some(v))) = values.iter().enumerate().rev().find(|(_, v)| v.is_some()) {
        out.push_str(&format!(
            r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{}"/>"#,
            x(i),
            y(*v),
            PALETTE.series
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn gaps_break_the_line_and_the_title_is_escaped() {
        let s = super::sparkline(
            &[Some(10.0), Some(20.0), None, Some(30.0), Some(40.0)],
            Some(90.0),
            "I.3 <12 tháng>",
        );
        assert_eq!(s.matches("<polyline").count(), 2);
        assert!(s.contains("<title>I.3 &lt;12 tháng&gt;</title>"));
        assert!(s.contains("stroke-dasharray"));
        assert!(s.contains("<circle"));
        let empty = super::sparkline(&[None, None], None, "x");
        assert!(!empty.contains("<polyline") && !empty.contains("<circle"));
    }
}
