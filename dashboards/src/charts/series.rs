//! The monthly series chart: one accent line, a dashed target, Vietnamese labels.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::format::{format_value, format_vi, nice_ticks};
use super::png::{mark_symbols_in_text, text_width};
use super::{ChartError, FONT_FAMILY, SeriesChart};

pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 540;

// Okabe–Ito: blue for the series, vermilion for the target, reddish purple for later
// milestones; told apart with any colour vision (see `super::PALETTE`).
const ACCENT: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const TARGET: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const LATER: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
const INK: RGBColor = RGBColor(0x1B, 0x1F, 0x24);
const MUTED: RGBColor = RGBColor(0x5F, 0x63, 0x68);
const GRID: RGBColor = RGBColor(0xE3, 0xE6, 0xEA);
const AXIS: RGBColor = RGBColor(0x9A, 0xA0, 0xA6);

const MARGIN_X: i32 = 28;
const MARGIN_RIGHT: i32 = 32;
const TITLE_PX: f64 = 22.0;
const TITLE_LINE: i32 = 30;
const SUBTITLE_PX: f64 = 15.0;
const TICK_PX: f64 = 13.0;
const DESC_PX: f64 = 14.0;
const NOTE_PX: f64 = 12.0;
const VALUE_PX: f64 = 14.0;
const TARGET_PX: f64 = 13.0;
const TICK_MARK: i32 = 4;
const PLOT_MARGIN_TOP: i32 = 12;
/// plotters' SVG backend writes `font-size` as the style's size divided by 1.24.
const PLOTTERS_FONT_SCALE: f64 = 1.24;

fn text_style(px: f64, color: &RGBColor, bold: bool) -> TextStyle<'static> {
    let weight = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    FontDesc::new(
        FontFamily::Name(FONT_FAMILY),
        px * PLOTTERS_FONT_SCALE,
        weight,
    )
    .color(color)
}

/// plotters writes `font-size` as a float division ("15.000000000000002"); the SVG goes to
/// browsers and people read it, so sizes are rounded back to what was asked for.
fn tidy_font_sizes(svg: &str) -> String {
    const KEY: &str = "font-size=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find(KEY) {
        let (head, tail) = rest.split_at(start + KEY.len());
        out.push_str(head);
        let end = tail.find('"').unwrap_or(tail.len());
        let (number, after) = tail.split_at(end);
        match number.parse::<f64>() {
            Ok(size) => {
                let rounded = (size * 100.0).round() / 100.0;
                out.push_str(&rounded.to_string());
            }
            Err(_) => out.push_str(number),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn draw_err(e: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(e.to_string())
}

fn validate(chart: &SeriesChart) -> Result<(), ChartError> {
    if !(chart.y_max.is_finite() && chart.y_max > 0.0) {
        return Err(ChartError::InvalidInput(format!(
            "y_max must be a positive number, got {}",
            chart.y_max
        )));
    }
    if let Some(p) = chart
        .points
        .iter()
        .find(|p| p.value.is_some_and(|v| !v.is_finite()))
    {
        return Err(ChartError::InvalidInput(format!(
            "the value for {:?} is not a number; use None for a period without data",
            p.label
        )));
    }
    if let Some((t, _)) = chart.milestones.iter().find(|(t, _)| !t.is_finite()) {
        return Err(ChartError::InvalidInput(format!(
            "milestone target must be a number, got {t}"
        )));
    }
    if let Some(t) = chart.target.filter(|t| !t.is_finite()) {
        return Err(ChartError::InvalidInput(format!(
            "target must be a number, got {t}"
        )));
    }
    Ok(())
}

/// Greedy word wrap with real glyph widths; past `max_lines` the last line ends in "…".
fn wrap(text: &str, px: f64, bold: bool, max_width: f64, max_lines: usize) -> Vec<String> {
    let space = text_width("a a", px, bold) - text_width("aa", px, bold);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_w = 0.0;
    for word in text.split_whitespace() {
        let w = text_width(word, px, bold);
        if current.is_empty() {
            current = word.to_string();
            current_w = w;
        } else if current_w + space + w <= max_width {
            current.push(' ');
            current.push_str(word);
            current_w += space + w;
        } else {
            lines.push(std::mem::take(&mut current));
            current = word.to_string();
            current_w = w;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && text_width(&format!("{last} …"), px, bold) > max_width {
                last.pop();
            }
            last.push_str(" …");
        }
    }
    lines
}

/// Which month labels to print: as many as fit side by side, always including the latest
/// month, because that is the one a reader looks for first.
fn label_indices(labels: &[&str], plot_width: f64) -> Vec<usize> {
    let n = labels.len();
    let Some(longest) = labels.iter().max_by_key(|l| l.chars().count()) else {
        return Vec::new();
    };
    // Labels of the same length differ little in width; 10 % covers the difference.
    let label_w = text_width(longest, TICK_PX, false) * 1.1 + 14.0;
    let slots = ((plot_width / label_w).floor() as usize).max(1);
    let step = n.div_ceil(slots).max(1);
    let mut indices: Vec<usize> = (0..n).rev().step_by(step).collect();
    indices.reverse();
    indices
}

/// A linear f64 axis with ticks exactly where we put them. plotters' own f64 axis picks its
/// own ticks, and its `with_key_points` wrapper loses the label formatter on f64.
#[derive(Clone)]
struct TickedAxis {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl Ranged for TickedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        if span <= 0.0 {
            return (limit.0 + limit.1) / 2;
        }
        let share = (value - self.range.start) / span;
        limit.0 + (f64::from(limit.1 - limit.0) * share).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Light (minor) grid lines would only add noise.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// A point in backend pixels, and a straight piece of the data line between two of them.
type Px = (f64, f64);
type Segment = (Px, Px);

#[derive(Debug, Clone, Copy)]
struct Box2 {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Box2 {
    fn contains(&self, (x, y): Px, pad: f64) -> bool {
        x >= self.x0 - pad && x <= self.x1 + pad && y >= self.y0 - pad && y <= self.y1 + pad
    }
    fn overlaps(&self, other: &Box2) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }
}

/// How much of the data a label box would hide: points weigh more than line segments.
fn clash(b: &Box2, points: &[Px], segments: &[Segment]) -> usize {
    let hidden_points = points.iter().filter(|p| b.contains(**p, 7.0)).count();
    let hidden_line = segments
        .iter()
        .flat_map(|(a, z)| {
            (0..=16).map(move |k| {
                let t = f64::from(k) / 16.0;
                (a.0 + (z.0 - a.0) * t, a.1 + (z.1 - a.1) * t)
            })
        })
        .filter(|p| b.contains(*p, 3.0))
        .count();
    hidden_points * 8 + hidden_line
}

/// Draws the chart as a 960×540 standalone SVG.
pub fn series_svg(chart: &SeriesChart) -> Result<String, ChartError> {
    validate(chart)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(draw_err)?;
    }
    Ok(described(
        &mark_symbols_in_text(&tidy_font_sizes(&svg)),
        chart,
    ))
}

/// The SVG with a `<title>` and a `<desc>` naming every value and target, for screen readers
/// and for anyone who copies the chart without its page.
fn described(svg: &str, chart: &SeriesChart) -> String {
    let values = chart
        .points
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p.label,
                p.value
                    .map(|v| format!("{} %", format_value(v)))
                    .unwrap_or_else(|| "chưa có dữ liệu".to_string())
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let targets = chart
        .target_label
        .iter()
        .cloned()
        .chain(chart.milestones.iter().map(|(_, l)| l.clone()))
        .collect::<Vec<_>>()
        .join("; ");
    let mut desc = values;
    if !targets.is_empty() {
        desc.push_str(". ");
        desc.push_str(&targets);
    }
    let title = match &chart.subtitle {
        Some(s) => format!("{} ({s})", chart.title),
        None => chart.title.clone(),
    };
    let head = format!(
        "<title>{}</title><desc>{}</desc>",
        crate::markup::escape(&title),
        crate::markup::escape(&desc)
    );
    match svg
        .find("<svg")
        .and_then(|i| svg[i..].find('>').map(|j| i + j + 1))
    {
        Some(at) => format!("{}{head}{}", &svg[..at], &svg[at..]),
        None => svg.to_string(),
    }
}

type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn draw(root: &Root<'_>, chart: &SeriesChart) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let header_h = draw_header(root, chart)?;

    let n = chart.points.len();
    let runs = runs_with_data(chart);
    let data: Vec<(f64, f64)> = runs.iter().flatten().copied().collect();
    // With no data at all the chart says so in the middle; a note about gaps would be noise.
    let has_gap = !data.is_empty() && data.len() < n;

    // The y axis starts at zero so the height of the line reads honestly against the target,
    // and grows past y_max only when a value or the target would otherwise fall off the chart.
    let (lo, hi) = data
        .iter()
        .map(|&(_, v)| v)
        .chain(chart.target)
        .chain(chart.milestones.iter().map(|(t, _)| *t))
        .fold((0.0_f64, chart.y_max), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (y_ticks, decimals) = nice_ticks(lo, hi, 5);
    let y_bottom = y_ticks.first().copied().unwrap_or(0.0);
    let y_top_tick = y_ticks.last().copied().unwrap_or(chart.y_max);
    // Headroom so markers on the top grid line are not cut in half.
    let y_top = y_top_tick + (y_top_tick - y_bottom) * 0.04;

    let widest_tick = y_ticks
        .iter()
        .map(|v| text_width(&format_vi(*v, decimals), TICK_PX, false))
        .fold(0.0_f64, f64::max);
    let desc_band = (DESC_PX * 1.4).ceil() as i32;
    let y_area = desc_band + 10 + widest_tick.ceil() as i32 + 2 * TICK_MARK + 2;
    let x_area = 2 * TICK_MARK + (TICK_PX * 1.4) as i32 + 4 + desc_band;
    let footer = if has_gap { 26 } else { 12 };

    let plot_width = f64::from(WIDTH as i32 - MARGIN_X - y_area - MARGIN_RIGHT);
    let labels: Vec<&str> = chart.points.iter().map(|p| p.label.as_str()).collect();
    let x_ticks: Vec<f64> = label_indices(&labels, plot_width)
        .into_iter()
        .map(|i| i as f64)
        .collect();
    let x_end = n.max(1) as f64 - 0.5;

    let (_, body) = root.split_vertically(header_h);
    let mut ctx = ChartBuilder::on(&body)
        .margin_left(MARGIN_X)
        .margin_right(MARGIN_RIGHT)
        .margin_top(PLOT_MARGIN_TOP)
        .margin_bottom(footer)
        .y_label_area_size(y_area)
        .x_label_area_size(x_area)
        .build_cartesian_2d(
            TickedAxis {
                range: -0.5..x_end,
                ticks: x_ticks,
            },
            TickedAxis {
                range: y_bottom..y_top,
                ticks: y_ticks,
            },
        )
        .map_err(draw_err)?;

    let x_fmt = |x: &f64| {
        let i = x.round();
        if i < 0.0 {
            return String::new();
        }
        labels
            .get(i as usize)
            .map(|l| l.to_string())
            .unwrap_or_default()
    };
    let y_fmt = |v: &f64| format_vi(*v, decimals);
    ctx.configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS.stroke_width(1))
        .set_all_tick_mark_size(TICK_MARK)
        .x_label_style(text_style(TICK_PX, &MUTED, false))
        .y_label_style(text_style(TICK_PX, &MUTED, false))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .axis_desc_style(text_style(DESC_PX, &INK, false))
        .draw()
        .map_err(draw_err)?;

    for (t, _) in &chart.milestones {
        ctx.draw_series(DashedLineSeries::new(
            vec![(-0.5, *t), (x_end, *t)],
            4,
            4,
            LATER.stroke_width(2),
        ))
        .map_err(draw_err)?;
    }
    if let Some(target) = chart.target {
        ctx.draw_series(DashedLineSeries::new(
            vec![(-0.5, target), (x_end, target)],
            9,
            6,
            TARGET.stroke_width(2),
        ))
        .map_err(draw_err)?;
    }

    for run in runs.iter().filter(|r| r.len() > 1) {
        ctx.draw_series(LineSeries::new(run.iter().copied(), ACCENT.stroke_width(3)))
            .map_err(draw_err)?;
    }
    // Past ~60 months the markers would touch and turn the line into a bead string; then only
    // months standing alone (no line to show them) and the latest month keep a marker.
    let dense = plot_width / (n.max(1) as f64) < 14.0;
    let markers: Vec<(f64, f64)> = if dense {
        runs.iter()
            .filter(|r| r.len() == 1)
            .flatten()
            .chain(data.last())
            .copied()
            .collect()
    } else {
        data.clone()
    };
    // A white ring keeps each marker readable where the line crosses the grid.
    ctx.draw_series(markers.iter().map(|&p| Circle::new(p, 6, WHITE.filled())))
        .map_err(draw_err)?;
    ctx.draw_series(markers.iter().map(|&p| Circle::new(p, 4, ACCENT.filled())))
        .map_err(draw_err)?;

    // Labels go on top, placed in backend pixels where they hide the least data.
    let (px_range, py_range) = ctx.plotting_area().get_pixel_range();
    let coord = ctx.as_coord_spec();
    let to_px = |(x, y): (f64, f64)| {
        let (a, b) = coord.translate(&(x, y));
        (f64::from(a), f64::from(b))
    };
    let plot = Box2 {
        x0: f64::from(px_range.start),
        y0: f64::from(py_range.start),
        x1: f64::from(px_range.end),
        y1: f64::from(py_range.end),
    };
    let data_px: Vec<Px> = data.iter().copied().map(to_px).collect();
    let segments_px: Vec<Segment> = runs
        .iter()
        .flat_map(|r| r.windows(2).map(|w| (to_px(w[0]), to_px(w[1]))))
        .collect();

    let value_box = match data.last() {
        Some(&(_, v)) => Some(draw_latest_value(
            root,
            data_px.last().copied().unwrap_or_default(),
            v,
            &plot,
        )?),
        None => None,
    };
    let mut placed_labels: Vec<Box2> = Vec::new();
    if let (Some(target), Some(label)) = (
        chart.target,
        chart
            .target_label
            .as_deref()
            .filter(|l| !l.trim().is_empty()),
    ) {
        let (_, line_y) = to_px((0.0, target));
        let clear_of = Obstacles {
            points: &data_px,
            segments: &segments_px,
            value: value_box,
            labels: &[],
        };
        let placed = draw_target_label(root, label, line_y, &plot, &clear_of, &TARGET)?;
        placed_labels.push(placed);
    }
    for (t, label) in &chart.milestones {
        let (_, line_y) = to_px((0.0, *t));
        let clear_of = Obstacles {
            points: &data_px,
            segments: &segments_px,
            value: value_box,
            labels: &placed_labels,
        };
        let placed = draw_target_label(root, label, line_y, &plot, &clear_of, &LATER)?;
        placed_labels.push(placed);
    }

    if data.is_empty() {
        let style = text_style(16.0, &MUTED, false).pos(Pos::new(HPos::Center, VPos::Center));
        let centre = ((plot.x0 + plot.x1) / 2.0, (plot.y0 + plot.y1) / 2.0);
        root.draw_text(
            "Chưa có số liệu",
            &style,
            (centre.0 as i32, centre.1 as i32),
        )
        .map_err(draw_err)?;
    }
    if has_gap {
        draw_gap_note(root, &chart.x_label)?;
    }
    Ok(())
}

/// Title (two lines at most) and subtitle, left-aligned like a report. Returns the height used.
fn draw_header(root: &Root<'_>, chart: &SeriesChart) -> Result<i32, ChartError> {
    let text_room = f64::from(WIDTH as i32 - MARGIN_X - MARGIN_RIGHT);
    let mut y = 18;
    for line in wrap(&chart.title, TITLE_PX, true, text_room, 2) {
        let style = text_style(TITLE_PX, &INK, true).pos(Pos::new(HPos::Left, VPos::Top));
        root.draw_text(&line, &style, (MARGIN_X, y))
            .map_err(draw_err)?;
        y += TITLE_LINE;
    }
    if let Some(subtitle) = chart.subtitle.as_deref().filter(|s| !s.trim().is_empty()) {
        y += 2;
        for line in wrap(subtitle, SUBTITLE_PX, false, text_room, 1) {
            let style = text_style(SUBTITLE_PX, &MUTED, false).pos(Pos::new(HPos::Left, VPos::Top));
            root.draw_text(&line, &style, (MARGIN_X, y))
                .map_err(draw_err)?;
            y += 22;
        }
    }
    Ok(y + 10)
}

/// Runs of consecutive periods with data, as (index, value); a period without data ends a run,
/// so the line breaks there instead of dropping to zero or bridging the gap.
fn runs_with_data(chart: &SeriesChart) -> Vec<Vec<(f64, f64)>> {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for (i, p) in chart.points.iter().enumerate() {
        match p.value {
            Some(v) => current.push((i as f64, v)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// The latest value next to its point: the number the reader came for. Returns where it went.
fn draw_latest_value(
    root: &Root<'_>,
    (cx, cy): Px,
    value: f64,
    plot: &Box2,
) -> Result<Box2, ChartError> {
    let text = format_value(value);
    let w = text_width(&text, VALUE_PX, true);
    let h = VALUE_PX * 1.3;
    // It may rise into the small margin above the plot, but not into the subtitle.
    let above = cy - 10.0 - h >= plot.y0 - f64::from(PLOT_MARGIN_TOP);
    let (top, anchor_y, vpos) = if above {
        (cy - 10.0 - h, cy - 10.0, VPos::Bottom)
    } else {
        (cy + 10.0, cy + 10.0, VPos::Top)
    };
    let style = text_style(VALUE_PX, &ACCENT, true).pos(Pos::new(HPos::Center, vpos));
    root.draw_text(&text, &style, (cx as i32, anchor_y as i32))
        .map_err(draw_err)?;
    Ok(Box2 {
        x0: cx - w / 2.0,
        y0: top,
        x1: cx + w / 2.0,
        y1: top + h,
    })
}

/// What the target label should not cover.
struct Obstacles<'a> {
    points: &'a [Px],
    segments: &'a [Segment],
    value: Option<Box2>,
    /// Labels already drawn.
    labels: &'a [Box2],
}

/// The target label sits just above or below its line, at the right or the left end,
/// whichever of the four hides the least data.
fn draw_target_label(
    root: &Root<'_>,
    label: &str,
    line_y: f64,
    plot: &Box2,
    clear_of: &Obstacles<'_>,
    colour: &RGBColor,
) -> Result<Box2, ChartError> {
    let w = text_width(label, TARGET_PX, true);
    let h = TARGET_PX * 1.4;
    let pad = 4.0;
    let right = plot.x1 - 8.0 - w;
    let left = plot.x0 + 8.0;
    let above = line_y - 5.0 - h;
    let below = line_y + 5.0;
    let boxed = |(x0, y0): Px| Box2 {
        x0: x0 - pad,
        y0,
        x1: x0 + w + pad,
        y1: y0 + h,
    };
    let best = [(right, above), (left, above), (right, below), (left, below)]
        .into_iter()
        .filter(|&(_, y0)| y0 >= plot.y0 && y0 + h <= plot.y1)
        .min_by_key(|&c| {
            let b = boxed(c);
            let over_value = clear_of.value.is_some_and(|v| v.overlaps(&b));
            let over_label = clear_of.labels.iter().any(|l| l.overlaps(&b));
            clash(&b, clear_of.points, clear_of.segments)
                + if over_value { 50 } else { 0 }
                + if over_label { 100 } else { 0 }
        })
        .unwrap_or((right, above));
    let b = boxed(best);
    // Slightly see-through so a line passing behind the label still shows its course.
    root.draw(&Rectangle::new(
        [(b.x0 as i32, b.y0 as i32), (b.x1 as i32, b.y1 as i32)],
        WHITE.mix(0.85).filled(),
    ))
    .map_err(draw_err)?;
    let style = text_style(TARGET_PX, colour, true).pos(Pos::new(HPos::Left, VPos::Center));
    root.draw_text(label, &style, (best.0 as i32, (best.1 + h / 2.0) as i32))
        .map_err(draw_err)?;
    Ok(b)
}

/// Readers take a broken line for a drawing error unless the chart says what it means.
fn draw_gap_note(root: &Root<'_>, x_label: &str) -> Result<(), ChartError> {
    let unit = x_label.trim().to_lowercase();
    let unit = if unit.is_empty() {
        "kỳ".to_string()
    } else {
        unit
    };
    let note = format!("Chỗ đường bị ngắt: {unit} không có số liệu (không phải giá trị 0).");
    let style = text_style(NOTE_PX, &MUTED, false).pos(Pos::new(HPos::Left, VPos::Bottom));
    root.draw_text(&note, &style, (MARGIN_X, HEIGHT as i32 - 10))
        .map_err(draw_err)?;
    Ok(())
}
