//! Drawing each kind of chart on any plotters backend.

use crate::layout::{
    Line, TORNADO_LEGEND, contributions_range, extent, kind_name, kinds_present, swing_range, tornado_lines,
    tornado_range,
};
use crate::{Bands, Chart, ContributionKind, Contributions, Histogram, Lines, Mark, Swing, Tornado};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{SegmentValue, SegmentedCoord};
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::OnceLock;

const FONT: &str = "sans-serif";
const BLUE: RGBColor = RGBColor(31, 95, 168);
const LIGHT_BLUE: RGBColor = RGBColor(158, 194, 230);
const PALE_BLUE: RGBColor = RGBColor(212, 228, 245);
const GREEN: RGBColor = RGBColor(46, 139, 87);
const RED: RGBColor = RGBColor(200, 60, 50);
const GREY: RGBColor = RGBColor(110, 110, 110);
const ORANGE: RGBColor = RGBColor(230, 126, 34);
const DARK: RGBColor = RGBColor(40, 40, 40);
/// Colours of line series, in turn.
const SERIES: [RGBColor; 8] = [
    RGBColor(20, 20, 20),
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
];

type Result<T> = std::result::Result<T, String>;

fn fail<E: std::fmt::Display>(error: E) -> String {
    error.to_string()
}

/// Registers the bundled font for bitmap text, once.
fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        let regular = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok();
        let bold = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok();
        regular && bold
    });
    if ok { Ok(()) } else { Err("the bundled font could not be loaded".to_string()) }
}

pub fn svg(chart: &Chart, path: &Path) -> Result<()> {
    let text = svg_string(chart)?;
    write_whole(path, text.as_bytes())
}

pub fn svg_string(chart: &Chart) -> Result<String> {
    register_font()?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, chart.size()).into_drawing_area();
        draw(chart, &root)?;
        root.present().map_err(fail)?;
    }
    Ok(text)
}

pub fn png(chart: &Chart, path: &Path) -> Result<()> {
    register_font()?;
    // Drawn to a temporary sibling (the backend picks the format from the
    // extension), then renamed, so that a failure never leaves half a file.
    let temporary = path.with_extension("partial.png");
    let drawn = (|| {
        let root = BitMapBackend::new(&temporary, chart.size()).into_drawing_area();
        draw(chart, &root)?;
        root.present().map_err(fail)
    })();
    let renamed = drawn.and_then(|()| std::fs::rename(&temporary, path).map_err(fail));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    renamed
}

/// Writes a file through a temporary sibling, so that a failure never leaves half a file.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let temporary = path.with_extension("partial");
    std::fs::write(&temporary, bytes).map_err(fail)?;
    std::fs::rename(&temporary, path).map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        error.to_string()
    })
}

fn draw<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> Result<()> {
    root.fill(&WHITE).map_err(fail)?;
    match chart {
        Chart::Bands(bands) => draw_bands(bands, root),
        Chart::Histogram(histogram) => draw_histogram(histogram, root),
        Chart::Tornado(tornado) => draw_tornado(tornado, root),
        Chart::Contributions(contributions) => draw_contributions(contributions, root),
        Chart::Lines(lines) => draw_lines(lines, root),
        Chart::Swing(swing) => draw_swing(swing, root),
    }
}

/// A number for an axis tick: few digits, no trailing zeros.
pub(crate) fn tick(value: f64) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs().log10().floor();
    let decimals = (2.0 - magnitude).clamp(0.0, 6.0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

fn caption_style() -> TextStyle<'static> {
    (FONT, 24).into_font().style(FontStyle::Bold).color(&DARK)
}

fn draw_marks<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    marks: &[Mark],
    (y_low, y_high): (f64, f64),
) -> Result<()> {
    let x_range = chart.x_range();
    let middle = (x_range.start + x_range.end) / 2.0;
    for (index, mark) in marks.iter().enumerate() {
        chart
            .draw_series(DashedLineSeries::new(
                [(mark.x, y_low), (mark.x, y_high)],
                8,
                5,
                ShapeStyle::from(&RED).stroke_width(2),
            ))
            .map_err(fail)?;
        let y = y_high - (0.06 + 0.07 * index as f64) * (y_high - y_low);
        // Right of the line in the left half of the chart, left of it in the
        // right half, so that a label stays inside the plot.
        let (text, anchor) = if mark.x <= middle {
            (format!(" {}", mark.label), HPos::Left)
        } else {
            (format!("{} ", mark.label), HPos::Right)
        };
        chart
            .draw_series(std::iter::once(Text::new(
                text,
                (mark.x, y),
                (FONT, 16).into_font().color(&RED).pos(Pos::new(anchor, VPos::Center)),
            )))
            .map_err(fail)?;
    }
    Ok(())
}

/// What a legend entry shows.
#[derive(Clone, Copy)]
enum Swatch {
    Block(RGBColor),
    Thin(RGBColor),
    Line(RGBColor),
}

/// Splits off a strip at the bottom of `root` and draws a legend in it, in one row.
fn legend_strip<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[(Swatch, &str)],
) -> Result<DrawingArea<DB, Shift>> {
    let (upper, lower) = root.split_vertically(root.dim_in_pixel().1 - 36);
    let mut x = 100;
    for (swatch, label) in entries {
        let element: DynElement<DB, (i32, i32)> = match swatch {
            Swatch::Block(color) => Rectangle::new([(x, 8), (x + 24, 22)], color.filled()).into_dyn(),
            Swatch::Thin(color) => Rectangle::new([(x, 12), (x + 24, 18)], color.filled()).into_dyn(),
            Swatch::Line(color) => {
                PathElement::new([(x, 15), (x + 24, 15)], ShapeStyle::from(color).stroke_width(1)).into_dyn()
            }
        };
        lower.draw(&element).map_err(fail)?;
        lower.draw(&Text::new(label.to_string(), (x + 30, 7), (FONT, 15).into_font().color(&DARK))).map_err(fail)?;
        x += 40 + 9 * label.chars().count() as i32;
    }
    Ok(upper)
}

fn draw_bands<DB: DrawingBackend>(bands: &Bands, root: &DrawingArea<DB, Shift>) -> Result<()> {
    let (x_low, x_high) = (bands.x[0], *bands.x.last().unwrap_or(&bands.x[0]));
    let x_high = if x_high > x_low { x_high } else { x_low + 1.0 };
    let (y_low, y_high) = extent(bands.p05.iter().chain(&bands.p95).chain(&bands.mean).copied(), true);
    let mut chart = xy_chart(root, &bands.title, (&bands.x_label, &bands.y_label), x_low..x_high, y_low..y_high)?;
    let band = |low: &[f64], high: &[f64]| -> Vec<(f64, f64)> {
        let mut points: Vec<(f64, f64)> = bands.x.iter().copied().zip(high.iter().copied()).collect();
        points.extend(bands.x.iter().copied().zip(low.iter().copied()).rev());
        points
    };
    chart
        .draw_series(std::iter::once(Polygon::new(band(&bands.p05, &bands.p95), PALE_BLUE.filled())))
        .map_err(fail)?
        .label("90% of samples (5% to 95%)")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], PALE_BLUE.filled()));
    chart
        .draw_series(std::iter::once(Polygon::new(band(&bands.p25, &bands.p75), LIGHT_BLUE.filled())))
        .map_err(fail)?
        .label("50% of samples (25% to 75%)")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], LIGHT_BLUE.filled()));
    chart
        .draw_series(LineSeries::new([(x_low, 0.0), (x_high, 0.0)], ShapeStyle::from(&BLACK).stroke_width(1)))
        .map_err(fail)?;
    chart
        .draw_series(LineSeries::new(
            bands.x.iter().copied().zip(bands.median.iter().copied()),
            ShapeStyle::from(&BLUE).stroke_width(1),
        ))
        .map_err(fail)?
        .label("median")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], ShapeStyle::from(&BLUE).stroke_width(1)));
    chart
        .draw_series(LineSeries::new(
            bands.x.iter().copied().zip(bands.mean.iter().copied()),
            ShapeStyle::from(&BLUE).stroke_width(3),
        ))
        .map_err(fail)?
        .label("mean")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], ShapeStyle::from(&BLUE).stroke_width(3)));
    draw_marks(&mut chart, &bands.marks, (y_low, y_high))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .label_font((FONT, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(fail)
}

fn draw_histogram<DB: DrawingBackend>(histogram: &Histogram, root: &DrawingArea<DB, Shift>) -> Result<()> {
    let x_low = histogram.bins.iter().map(|bin| bin.0).fold(f64::INFINITY, f64::min);
    let x_high = histogram.bins.iter().map(|bin| bin.1).fold(f64::NEG_INFINITY, f64::max);
    let (x_low, x_high) = if x_low < x_high { (x_low, x_high) } else { (0.0, 1.0) };
    let top = histogram.bins.iter().map(|bin| bin.2).fold(0.0, f64::max).max(1e-9) * 1.15;
    let area = match &histogram.note {
        Some(note) => {
            let (upper, lower) = root.split_vertically(root.dim_in_pixel().1 - 40);
            lower.draw(&Text::new(note.clone(), (80, 8), (FONT, 16).into_font().color(&DARK))).map_err(fail)?;
            upper
        }
        None => root.clone(),
    };
    let labels = (histogram.x_label.as_str(), histogram.y_label.as_str());
    let mut chart = xy_chart(&area, &histogram.title, labels, x_low..x_high, 0.0..top)?;
    chart
        .draw_series(
            histogram
                .bins
                .iter()
                .map(|(low, high, share)| Rectangle::new([(*low, 0.0), (*high, *share)], BLUE.mix(0.75).filled())),
        )
        .map_err(fail)?;
    draw_marks(&mut chart, &histogram.marks, (0.0, top))
}

fn draw_tornado<DB: DrawingBackend>(tornado: &Tornado, root: &DrawingArea<DB, Shift>) -> Result<()> {
    // One line per row, and one per section heading, top to bottom.
    let lines = tornado_lines(tornado);
    let count = lines.len() as i32;
    let (_, high) = tornado_range(tornado);
    let label_of = |position: i32| -> String {
        // Position 0 is the bottom line.
        match lines.get((count - 1 - position) as usize) {
            Some(Line::Row(row)) => row.label.clone(),
            _ => String::new(),
        }
    };
    let area = legend_strip(
        root,
        &[
            (Swatch::Block(LIGHT_BLUE), TORNADO_LEGEND[0]),
            (Swatch::Thin(BLUE), TORNADO_LEGEND[1]),
            (Swatch::Line(DARK), TORNADO_LEGEND[2]),
        ],
    )?;
    let mut chart = row_chart(&area, &tornado.title, &tornado.x_label, (0.0, high), count, &label_of)?;
    let rows: Vec<(i32, &crate::TornadoRow)> = lines
        .iter()
        .enumerate()
        .filter_map(|(index, line)| match line {
            Line::Row(row) => Some((count - 1 - index as i32, *row)),
            Line::Heading(..) => None,
        })
        .collect();
    let bar = |position: i32, value: f64| {
        [(0.0, SegmentValue::Exact(position)), (value.max(0.0), SegmentValue::Exact(position + 1))]
    };
    chart
        .draw_series(rows.iter().map(|(position, row)| {
            let mut rectangle = Rectangle::new(bar(*position, row.total), LIGHT_BLUE.filled());
            rectangle.set_margin(3, 3, 0, 0);
            rectangle
        }))
        .map_err(fail)?;
    chart
        .draw_series(rows.iter().map(|(position, row)| {
            let mut rectangle = Rectangle::new(bar(*position, row.first), BLUE.filled());
            rectangle.set_margin(9, 9, 0, 0);
            rectangle
        }))
        .map_err(fail)?;
    chart
        .draw_series(rows.iter().filter(|(_, row)| row.total_conf > 0.0).map(|(position, row)| {
            PathElement::new(
                [
                    ((row.total - row.total_conf).max(0.0), SegmentValue::CenterOf(*position)),
                    (row.total + row.total_conf, SegmentValue::CenterOf(*position)),
                ],
                ShapeStyle::from(&DARK).stroke_width(1),
            )
        }))
        .map_err(fail)?;
    let headings = lines.iter().enumerate().filter_map(|(index, line)| match line {
        Line::Heading(text, _) => Some((count - 1 - index as i32, *text)),
        Line::Row(_) => None,
    });
    chart
        .draw_series(headings.map(|(position, text)| {
            Text::new(
                format!(" {text}"),
                (0.0, SegmentValue::CenterOf(position)),
                (FONT, 17).into_font().style(FontStyle::Bold).color(&DARK).pos(Pos::new(HPos::Left, VPos::Center)),
            )
        }))
        .map_err(fail)?;
    Ok(())
}

/// The layout the bands, histogram and lines charts share: `x` across and
/// `y` up, with the caption, both axes' labels and a light grid drawn.
fn xy_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    (x_label, y_label): (&str, &str),
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, caption_style())
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(80)
        .build_cartesian_2d(x, y)
        .map_err(fail)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .x_label_formatter(&|x| tick(*x))
        .y_label_formatter(&|y| tick(*y))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(fail)?;
    Ok(chart)
}

/// The layout the tornado, contributions and swing charts share: `count` labelled
/// rows (`label_of` a row's position, counted from the bottom) across
/// `low..high`, with the caption, the axis and a light vertical grid drawn.
fn row_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    (low, high): (f64, f64),
    count: i32,
    label_of: &dyn Fn(i32) -> String,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, SegmentedCoord<RangedCoordi32>>>> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, caption_style())
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(230)
        .build_cartesian_2d(low..high, (0..count - 1).into_segmented())
        .map_err(fail)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .x_label_formatter(&|x| tick(*x))
        .y_labels(count as usize)
        .y_label_formatter(&|value| match value {
            SegmentValue::CenterOf(position) => label_of(*position),
            _ => String::new(),
        })
        .disable_y_mesh()
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(fail)?;
    Ok(chart)
}

fn draw_contributions<DB: DrawingBackend>(contributions: &Contributions, root: &DrawingArea<DB, Shift>) -> Result<()> {
    let count = contributions.rows.len() as i32;
    let (low, high) = contributions_range(contributions);
    let label_of = |position: i32| -> String {
        contributions.rows.get((count - 1 - position) as usize).map_or(String::new(), |row| row.label.clone())
    };
    let color = |kind: ContributionKind| match kind {
        ContributionKind::Benefit => GREEN,
        ContributionKind::Risk => RED,
        ContributionKind::Total => BLUE,
    };
    let entries: Vec<(Swatch, &str)> =
        kinds_present(contributions).into_iter().map(|kind| (Swatch::Block(color(kind)), kind_name(kind))).collect();
    let area = legend_strip(root, &entries)?;
    let mut chart = row_chart(&area, &contributions.title, &contributions.x_label, (low, high), count, &label_of)?;
    chart
        .draw_series(contributions.rows.iter().enumerate().map(|(index, row)| {
            let position = count - 1 - index as i32;
            let mut rectangle = Rectangle::new(
                [(0.0, SegmentValue::Exact(position)), (row.value, SegmentValue::Exact(position + 1))],
                color(row.kind).filled(),
            );
            rectangle.set_margin(5, 5, 0, 0);
            rectangle
        }))
        .map_err(fail)?;
    chart
        .draw_series(contributions.rows.iter().enumerate().map(|(index, row)| {
            let position = count - 1 - index as i32;
            let text = format!(" {} ", tick(row.value));
            let style = (FONT, 14).into_font().color(&DARK);
            let side = if row.value >= 0.0 { HPos::Left } else { HPos::Right };
            let anchor = style.pos(Pos::new(side, VPos::Center));
            Text::new(text, (row.value, SegmentValue::CenterOf(position)), anchor)
        }))
        .map_err(fail)?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            [(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Last)],
            ShapeStyle::from(&BLACK).stroke_width(1),
        )))
        .map_err(fail)?;
    Ok(())
}

fn draw_lines<DB: DrawingBackend>(lines: &Lines, root: &DrawingArea<DB, Shift>) -> Result<()> {
    let all = || lines.series.iter().flat_map(|series| series.points.iter());
    let (x_low, x_high) = extent(all().map(|point| point.0), false);
    let (y_low, y_high) = extent(all().map(|point| point.1), lines.zero_line);
    // The legend gets a panel of its own on the right, so it never hides a line.
    let width = root.dim_in_pixel().0;
    let (plot, legend) = root.split_horizontally(width - 290);
    let mut chart = xy_chart(&plot, &lines.title, (&lines.x_label, &lines.y_label), x_low..x_high, y_low..y_high)?;
    if lines.zero_line {
        chart
            .draw_series(LineSeries::new([(x_low, 0.0), (x_high, 0.0)], ShapeStyle::from(&GREY).stroke_width(1)))
            .map_err(fail)?;
    }
    for (index, series) in lines.series.iter().enumerate() {
        let color = SERIES[index % SERIES.len()];
        let stroke = if index == 0 { 3 } else { 2 };
        chart
            .draw_series(LineSeries::new(series.points.iter().copied(), ShapeStyle::from(&color).stroke_width(stroke)))
            .map_err(fail)?;
        let y = 80 + 26 * index as i32;
        legend
            .draw(&PathElement::new([(0, y), (28, y)], ShapeStyle::from(&color).stroke_width(stroke)))
            .map_err(fail)?;
        legend
            .draw(&Text::new(
                series.name.clone(),
                (36, y),
                (FONT, 15).into_font().color(&DARK).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(fail)?;
    }
    draw_marks(&mut chart, &lines.marks, (y_low, y_high))
}

fn draw_swing<DB: DrawingBackend>(swing: &Swing, root: &DrawingArea<DB, Shift>) -> Result<()> {
    let count = swing.rows.len().max(1) as i32;
    let (low, high) = swing_range(swing);
    let label_of = |position: i32| -> String {
        swing.rows.get((count - 1 - position) as usize).map_or(String::new(), |row| row.label.clone())
    };
    let area = legend_strip(
        root,
        &[
            (Swatch::Block(ORANGE), swing.low_name.as_str()),
            (Swatch::Block(BLUE), swing.high_name.as_str()),
            (Swatch::Line(DARK), swing.base_label.as_str()),
        ],
    )?;
    let mut chart = row_chart(&area, &swing.title, &swing.x_label, (low, high), count, &label_of)?;
    // Each row: the low value's bar in its upper half, the high value's in its lower half.
    let row_height = (chart.plotting_area().dim_in_pixel().1 as i32 / count).max(8);
    let half = row_height / 2;
    let bars = |upper: bool| {
        swing.rows.iter().enumerate().map(move |(index, row)| {
            let position = count - 1 - index as i32;
            let (value, color) = if upper { (row.low, ORANGE) } else { (row.high, BLUE) };
            let mut rectangle = Rectangle::new(
                [(swing.base, SegmentValue::Exact(position)), (value, SegmentValue::Exact(position + 1))],
                color.filled(),
            );
            if upper {
                rectangle.set_margin(3, (half - 1).max(0) as u32, 0, 0);
            } else {
                rectangle.set_margin((half - 1).max(0) as u32, 3, 0, 0);
            }
            rectangle
        })
    };
    chart.draw_series(bars(true)).map_err(fail)?;
    chart.draw_series(bars(false)).map_err(fail)?;
    let texts = swing.rows.iter().enumerate().flat_map(|(index, row)| {
        let position = count - 1 - index as i32;
        [(position, row.low, &row.low_text, -row_height / 4), (position, row.high, &row.high_text, row_height / 4)]
    });
    chart
        .draw_series(texts.map(|(position, value, text, offset)| {
            let side = if value >= swing.base { HPos::Left } else { HPos::Right };
            let style = (FONT, 13).into_font().color(&DARK).pos(Pos::new(side, VPos::Center));
            EmptyElement::at((value, SegmentValue::CenterOf(position)))
                + Text::new(format!(" {text} "), (0, offset), style)
        }))
        .map_err(fail)?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            [(swing.base, SegmentValue::Exact(0)), (swing.base, SegmentValue::Last)],
            ShapeStyle::from(&DARK).stroke_width(2),
        )))
        .map_err(fail)?;
    for mark in &swing.marks {
        chart
            .draw_series(std::iter::once(PathElement::new(
                [(mark.x, SegmentValue::Exact(0)), (mark.x, SegmentValue::Last)],
                ShapeStyle::from(&RED).stroke_width(1),
            )))
            .map_err(fail)?;
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((mark.x, SegmentValue::Last))
                    + Text::new(
                        format!(" {}", mark.label),
                        (0, 8),
                        (FONT, 14).into_font().color(&RED).pos(Pos::new(HPos::Right, VPos::Top)),
                    ),
            ))
            .map_err(fail)?;
    }
    Ok(())
}
