//! Charts as accessible inline SVG for a web page: the same [`Chart`]
//! descriptions that [`Chart::write`] draws to files, written as SVG
//! markup with a `<title>`, a `<desc>` that says in words what the chart
//! shows (its text alternative: every row's or series' values), axis
//! labels, and CSS classes for the page's style sheet (`grid`, `tick`,
//! `label`, `axis-label`, `band90`, `band50`, `median`, `mean`, `zero`,
//! `bar` with `total`, `first`, `low`, `high`, `benefit`, `risk` or `net`,
//! `whisker`, `series` with `series-0` to `series-7`, `threshold`,
//! `threshold-label`). Every text is escaped here.
//!
//! Every kind is drawn. The row charts (the tornado, the contributions and
//! the swing chart) share one layout ([`ROW`] pixels a row, labels in the
//! [`LABELS`] pixels on the left) and the data ranges of the file charts;
//! each row is a `<g class="row">` whose data attributes carry its label
//! and its numbers (`data-label`, and `data-total`, `data-first`,
//! `data-total-conf`; `data-value`, `data-kind`; or `data-low`,
//! `data-high`, `data-low-text`, `data-high-text`) as the description
//! holds them, so that a page's tests read what was drawn.

use crate::draw::tick;
use crate::layout::{
    Line, TORNADO_LEGEND, contributions_range, extent, kind_name, kinds_present, swing_range, tornado_lines,
    tornado_range,
};
use crate::{Bands, Chart, Contributions, Histogram, Lines, Swing, Tornado};
use std::fmt::Write;

/// The width of a chart's view box, in pixels.
pub const WIDTH: f64 = 640.0;
/// The height of a chart's view box (a row chart's grows with its rows).
pub const HEIGHT: f64 = 300.0;
/// The margin left of the plot (for the y ticks and label).
pub const LEFT: f64 = 64.0;
/// The margin right of the plot.
pub const RIGHT: f64 = 16.0;
/// The margin above the plot.
pub const TOP: f64 = 16.0;
/// The margin below the plot (for the x ticks and label).
pub const BOTTOM: f64 = 48.0;
/// The height of one row of a row chart.
pub const ROW: f64 = 26.0;
/// The width left of a row chart's plot, for the rows' labels.
pub const LABELS: f64 = 220.0;
/// The height of one line of a legend under a chart.
pub const LEGEND: f64 = 20.0;
/// The most characters of a row's label drawn (the text alternative and
/// `data-label` hold all of it).
const LABEL_CHARS: usize = 34;

/// The chart as an `<svg>` element with id `id`, or `None` for a chart
/// with nothing to draw (too few points, no rows).
pub fn svg(chart: &Chart, id: &str) -> Option<String> {
    svg_with_data(chart, id, &[])
}

/// [`svg`], with `data-NAME="VALUE"` attributes on the `<svg>` element for
/// each `(NAME, VALUE)` of `data` (a page's key figures of the chart).
pub fn svg_with_data(chart: &Chart, id: &str, data: &[(String, String)]) -> Option<String> {
    let head = Head { id, data };
    match chart {
        Chart::Bands(bands) => bands_svg(bands, &head),
        Chart::Histogram(histogram) => histogram_svg(histogram, &head),
        Chart::Tornado(tornado) => tornado_svg(tornado, &head),
        Chart::Contributions(contributions) => contributions_svg(contributions, &head),
        Chart::Lines(lines) => lines_svg(lines, &head),
        Chart::Swing(swing) => swing_svg(swing, &head),
    }
}

/// Text made safe for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// A linear map from data to pixels.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// The data's range.
    pub from: (f64, f64),
    /// The pixels' range.
    pub to: (f64, f64),
}

impl Scale {
    /// The pixel of a data value.
    pub fn at(&self, value: f64) -> f64 {
        let (d0, d1) = self.from;
        let (r0, r1) = self.to;
        if d1 == d0 { (r0 + r1) / 2.0 } else { r0 + (value - d0) / (d1 - d0) * (r1 - r0) }
    }
}

/// About `count` round tick values covering `low..=high`.
pub fn ticks(low: f64, high: f64, count: usize) -> Vec<f64> {
    if high <= low || !low.is_finite() || !high.is_finite() {
        return vec![low];
    }
    let raw = (high - low) / count.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw);
    let first = (low / step).ceil() as i64;
    let last = (high / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// A number as a data attribute holds it: the shortest text that reads
/// back as the same `f64`.
fn number(value: f64) -> String {
    format!("{value}")
}

/// A row's label as drawn: at most [`LABEL_CHARS`] characters.
fn shortened(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_string()
    } else {
        let kept: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{}…", kept.trim_end())
    }
}

/// The `<svg>` element's id and extra data attributes.
struct Head<'a> {
    id: &'a str,
    data: &'a [(String, String)],
}

/// The opening tag with the title and the text alternative.
fn open(out: &mut String, head: &Head, (title, description): (&str, &str), height: f64) {
    let id = escape(head.id);
    let _ = write!(
        out,
        r#"<svg id="{id}" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-title {id}-desc""#
    );
    for (name, value) in head.data {
        let _ = write!(out, r#" data-{}="{}""#, escape(name), escape(value));
    }
    let _ = write!(
        out,
        r#"><title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>"#,
        title = escape(title),
        description = escape(description)
    );
}

/// Vertical grid lines from `top` to `bottom` at about `count` round values
/// of `x`, each with its value under it.
fn x_grid(out: &mut String, x: &Scale, (top, bottom): (f64, f64), count: usize) {
    for value in ticks(x.from.0, x.from.1, count) {
        let px = x.at(value);
        let _ = write!(
            out,
            r##"<line x1="{px:.1}" x2="{px:.1}" y1="{top}" y2="{bottom:.1}" class="grid"/><text x="{px:.1}" y="{t:.1}" class="tick" text-anchor="middle">{label}</text>"##,
            t = bottom + 16.0,
            label = tick(value)
        );
    }
}

/// An axis label centred under the plot from `left` to the right margin.
fn x_label(out: &mut String, left: f64, y: f64, label: &str) {
    let _ = write!(
        out,
        r##"<text x="{cx:.1}" y="{y:.1}" class="axis-label" text-anchor="middle">{label}</text>"##,
        cx = (left + WIDTH - RIGHT) / 2.0,
        label = escape(label)
    );
}

/// The grid, the ticks and the axis labels of a chart on two scales, the
/// plot from `y.to.1` (top) to `y.to.0` (bottom).
fn frame(out: &mut String, x: &Scale, y: &Scale, labels: (&str, &str)) {
    let (bottom, top) = y.to;
    x_grid(out, x, (top, bottom), 8);
    for value in ticks(y.from.0, y.from.1, 6) {
        let py = y.at(value);
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{r:.1}" y1="{py:.1}" y2="{py:.1}" class="grid"/><text x="{t:.1}" y="{ty:.1}" class="tick" text-anchor="end">{label}</text>"##,
            r = WIDTH - RIGHT,
            t = LEFT - 6.0,
            ty = py + 4.0,
            label = tick(value)
        );
    }
    x_label(out, LEFT, bottom + 40.0, labels.0);
    let _ = write!(
        out,
        r##"<text transform="translate(14 {cy:.1}) rotate(-90)" class="axis-label" text-anchor="middle">{y_label}</text>"##,
        cy = (top + bottom) / 2.0,
        y_label = escape(labels.1)
    );
}

/// A vertical mark from `top` to `bottom` with its label beside it, on the
/// side with room; the `index`-th mark's label is one line lower than the one before.
fn mark(out: &mut String, px: f64, (top, bottom): (f64, f64), label: &str, index: usize) {
    let (tx, anchor) = if px > WIDTH / 2.0 { (px - 4.0, "end") } else { (px + 4.0, "start") };
    let _ = write!(
        out,
        r#"<line class="threshold" x1="{px:.1}" x2="{px:.1}" y1="{top}" y2="{bottom:.1}"/><text class="threshold-label" x="{tx:.1}" y="{ty:.1}" text-anchor="{anchor}">{label}</text>"#,
        ty = top + 12.0 + 14.0 * index as f64,
        label = escape(label)
    );
}

/// What a legend entry shows: a bar or a line, with its CSS classes.
enum Swatch<'a> {
    Bar(&'a str),
    Line(&'a str),
}

/// Where each legend entry goes from `left`: its x and its line, a new
/// line when an entry would pass the right margin.
fn legend_places(left: f64, entries: &[(Swatch, &str)]) -> Vec<(f64, usize)> {
    let (mut x, mut line) = (left, 0);
    let mut places = Vec::new();
    for (_, text) in entries {
        let width = 28.0 + 6.0 * text.chars().count() as f64;
        if x > left && x + width > WIDTH - RIGHT {
            (x, line) = (left, line + 1);
        }
        places.push((x, line));
        x += width;
    }
    places
}

/// How many lines a legend takes.
fn legend_lines(left: f64, entries: &[(Swatch, &str)]) -> usize {
    legend_places(left, entries).last().map_or(0, |(_, line)| line + 1)
}

/// A legend from `left`, its first line's text on baseline `y`, [`LEGEND`] pixels a line.
fn legend(out: &mut String, left: f64, y: f64, entries: &[(Swatch, &str)]) {
    for ((swatch, text), (x, line)) in entries.iter().zip(legend_places(left, entries)) {
        let y = y + LEGEND * line as f64;
        match swatch {
            Swatch::Bar(class) => {
                let _ = write!(out, r#"<rect class="{class}" x="{x:.1}" y="{:.1}" width="12" height="10"/>"#, y - 9.0);
            }
            Swatch::Line(class) => {
                let _ = write!(
                    out,
                    r#"<line class="{class}" x1="{x:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}"/>"#,
                    x + 12.0,
                    ly = y - 4.0
                );
            }
        }
        let _ = write!(out, r#"<text x="{:.1}" y="{y:.1}" class="tick">{}</text>"#, x + 16.0, escape(text));
    }
}

fn band(out: &mut String, x: &Scale, y: &Scale, axis: &[f64], (low, high): (&[f64], &[f64]), class: &str) {
    let mut points = String::new();
    for (value, level) in axis.iter().zip(high) {
        let _ = write!(points, "{:.1},{:.1} ", x.at(*value), y.at(*level));
    }
    for (value, level) in axis.iter().zip(low).rev() {
        let _ = write!(points, "{:.1},{:.1} ", x.at(*value), y.at(*level));
    }
    let _ = write!(out, r#"<polygon class="{class}" points="{}"/>"#, points.trim_end());
}

fn polyline(out: &mut String, x: &Scale, y: &Scale, points: impl Iterator<Item = (f64, f64)>, class: &str) {
    let points: Vec<String> = points.map(|(a, v)| format!("{:.1},{:.1}", x.at(a), y.at(v))).collect();
    let _ = write!(out, r#"<polyline class="{class}" points="{}"/>"#, points.join(" "));
}

/// The text alternative of a bands chart: the mean and the 90% band at both ends, and the marks.
fn bands_description(bands: &Bands) -> String {
    let last = bands.x.len() - 1;
    let at = |index: usize| {
        format!(
            "at {} the mean is {} (90% band {} to {})",
            tick(bands.x[index]),
            tick(bands.mean[index]),
            tick(bands.p05[index]),
            tick(bands.p95[index])
        )
    };
    let mut text = format!("{} against {}: {}; {}.", bands.y_label, bands.x_label, at(0), at(last));
    for mark in &bands.marks {
        let _ = write!(text, " {}.", mark.label);
    }
    text
}

fn bands_svg(bands: &Bands, head: &Head) -> Option<String> {
    let axis = &bands.x;
    if axis.len() < 2 {
        return None;
    }
    let low = bands.p05.iter().copied().fold(0.0f64, f64::min);
    let high = bands.p95.iter().copied().fold(0.0f64, f64::max);
    let pad = (high - low).max(1e-9) * 0.05;
    let x = Scale { from: (axis[0], axis[axis.len() - 1]), to: (LEFT, WIDTH - RIGHT) };
    let y = Scale { from: (low - pad, high + pad), to: (HEIGHT - BOTTOM, TOP) };
    let mut out = String::new();
    open(&mut out, head, (&bands.title, &bands_description(bands)), HEIGHT);
    frame(&mut out, &x, &y, (&bands.x_label, &bands.y_label));
    band(&mut out, &x, &y, axis, (&bands.p05, &bands.p95), "band90");
    band(&mut out, &x, &y, axis, (&bands.p25, &bands.p75), "band50");
    let zero = y.at(0.0);
    let _ = write!(out, r#"<line class="zero" x1="{LEFT}" x2="{:.1}" y1="{zero:.1}" y2="{zero:.1}"/>"#, WIDTH - RIGHT);
    polyline(&mut out, &x, &y, axis.iter().copied().zip(bands.median.iter().copied()), "median");
    polyline(&mut out, &x, &y, axis.iter().copied().zip(bands.mean.iter().copied()), "mean");
    for (index, m) in bands.marks.iter().enumerate() {
        mark(&mut out, x.at(m.x), (TOP, HEIGHT - BOTTOM), &m.label, index);
    }
    out.push_str("</svg>");
    Some(out)
}

fn histogram_svg(histogram: &Histogram, head: &Head) -> Option<String> {
    let (first, last) = (histogram.bins.first()?, histogram.bins.last()?);
    let top = histogram.bins.iter().map(|bin| bin.2).fold(0.0f64, f64::max).max(1e-9);
    let x = Scale { from: (first.0, last.1), to: (LEFT, WIDTH - RIGHT) };
    let y = Scale { from: (0.0, top * 1.1), to: (HEIGHT - BOTTOM, TOP) };
    let mut out = String::new();
    let mut description = format!("{} by {}.", histogram.y_label, histogram.x_label);
    if let Some(note) = &histogram.note {
        let _ = write!(description, " {note}.");
    }
    open(&mut out, head, (&histogram.title, &description), HEIGHT);
    frame(&mut out, &x, &y, (&histogram.x_label, &histogram.y_label));
    for (low, high, share) in &histogram.bins {
        let (x0, x1) = (x.at(*low), x.at(*high));
        let y0 = y.at(*share);
        let _ = write!(
            out,
            r#"<rect class="bar" x="{:.1}" y="{y0:.1}" width="{:.1}" height="{:.1}"/>"#,
            x0 + 0.5,
            (x1 - x0 - 1.0).max(0.5),
            (HEIGHT - BOTTOM - y0).max(0.0)
        );
    }
    for (index, m) in histogram.marks.iter().enumerate() {
        mark(&mut out, x.at(m.x), (TOP, HEIGHT - BOTTOM), &m.label, index);
    }
    out.push_str("</svg>");
    Some(out)
}

/// The text alternative of a series: every point when there are few, else
/// where it starts, its highest and lowest points and where it ends.
fn series_words(points: &[(f64, f64)]) -> String {
    let at = |(x, y): (f64, f64)| format!("{} at {}", tick(y), tick(x));
    if points.len() <= 12 {
        return points.iter().map(|point| at(*point)).collect::<Vec<_>>().join(", ");
    }
    let highest = points.iter().copied().fold(points[0], |best, point| if point.1 > best.1 { point } else { best });
    let lowest = points.iter().copied().fold(points[0], |best, point| if point.1 < best.1 { point } else { best });
    format!(
        "from {} to {}, highest {}, lowest {}",
        at(points[0]),
        at(points[points.len() - 1]),
        at(highest),
        at(lowest)
    )
}

fn lines_svg(lines: &Lines, head: &Head) -> Option<String> {
    let all = || lines.series.iter().flat_map(|series| series.points.iter());
    if all().count() < 2 {
        return None;
    }
    let x = Scale { from: extent(all().map(|point| point.0), false), to: (LEFT, WIDTH - RIGHT) };
    let y = Scale { from: extent(all().map(|point| point.1), lines.zero_line), to: (HEIGHT - BOTTOM, TOP) };
    let height = HEIGHT + LEGEND * lines.series.len() as f64;
    let mut description = format!("{} against {}.", lines.y_label, lines.x_label);
    for series in &lines.series {
        let _ = write!(description, " {}: {}.", series.name, series_words(&series.points));
    }
    for m in &lines.marks {
        let _ = write!(description, " {}.", m.label);
    }
    let mut out = String::new();
    open(&mut out, head, (&lines.title, &description), height);
    frame(&mut out, &x, &y, (&lines.x_label, &lines.y_label));
    if lines.zero_line {
        let zero = y.at(0.0);
        let _ =
            write!(out, r#"<line class="zero" x1="{LEFT}" x2="{:.1}" y1="{zero:.1}" y2="{zero:.1}"/>"#, WIDTH - RIGHT);
    }
    for (index, series) in lines.series.iter().enumerate() {
        let class = format!("series series-{}", index % 8);
        let _ = write!(out, r#"<g class="line" data-label="{}">"#, escape(&series.name));
        polyline(&mut out, &x, &y, series.points.iter().copied(), &class);
        out.push_str("</g>");
        legend(&mut out, LEFT, HEIGHT + LEGEND * index as f64 + 4.0, &[(Swatch::Line(&class), &series.name)]);
    }
    for (index, m) in lines.marks.iter().enumerate() {
        mark(&mut out, x.at(m.x), (TOP, HEIGHT - BOTTOM), &m.label, index);
    }
    out.push_str("</svg>");
    Some(out)
}

/// The layout every row chart shares: `count` rows of [`ROW`] pixels, one
/// under another from [`TOP`], each labelled in the [`LABELS`] pixels on the
/// left, across a horizontal scale; the ticks and the axis label under the
/// rows, and a legend line under them.
struct Rows<'a> {
    x: Scale,
    count: usize,
    legend: &'a [(Swatch<'a>, &'a str)],
}

impl<'a> Rows<'a> {
    fn new(range: (f64, f64), count: usize, legend: &'a [(Swatch<'a>, &'a str)]) -> Rows<'a> {
        Rows { x: Scale { from: range, to: (LABELS, WIDTH - RIGHT) }, count, legend }
    }

    /// The bottom of the last row.
    fn bottom(&self) -> f64 {
        TOP + ROW * self.count as f64
    }

    /// The whole chart's height, with its legend.
    fn height(&self) -> f64 {
        self.bottom() + BOTTOM + LEGEND * legend_lines(RIGHT, self.legend) as f64
    }

    /// The top of row `index`.
    fn top(&self, index: usize) -> f64 {
        TOP + ROW * index as f64
    }

    /// The grid with its ticks, the axis label and the legend (from the chart's left edge).
    fn frame(&self, out: &mut String, label: &str) {
        x_grid(out, &self.x, (TOP, self.bottom()), 6);
        x_label(out, LABELS, self.bottom() + 36.0, label);
        legend(out, RIGHT, self.bottom() + BOTTOM + LEGEND - 8.0, self.legend);
    }

    /// Row `index`'s label, right-aligned left of the plot.
    fn label(&self, out: &mut String, index: usize, label: &str) {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" class="tick label" text-anchor="end">{}</text>"#,
            LABELS - 8.0,
            self.top(index) + ROW / 2.0 + 4.0,
            escape(&shortened(label))
        );
    }

    /// A bar from `from` to `to` (data values) within row `index`, `inset`
    /// pixels from the row's top and `height` high.
    fn bar(&self, out: &mut String, index: usize, (from, to): (f64, f64), (inset, height): (f64, f64), class: &str) {
        let (a, b) = (self.x.at(from), self.x.at(to));
        let _ = write!(
            out,
            r#"<rect class="{class}" x="{:.1}" y="{:.1}" width="{:.1}" height="{height:.1}"/>"#,
            a.min(b),
            self.top(index) + inset,
            (a - b).abs().max(0.5)
        );
    }

    /// A value written beside the end of a bar at `value`, right of it when
    /// the bar goes right from `base`, else left of it; `baseline` is the
    /// text's baseline below the row's top.
    fn value(&self, out: &mut String, index: usize, (base, value): (f64, f64), baseline: f64, text: &str) {
        let px = self.x.at(value);
        let (tx, anchor) = if value >= base { (px + 3.0, "start") } else { (px - 3.0, "end") };
        let _ = write!(
            out,
            r#"<text x="{tx:.1}" y="{:.1}" class="tick" text-anchor="{anchor}">{}</text>"#,
            self.top(index) + baseline,
            escape(text)
        );
    }

    /// A vertical line across every row at `value`.
    fn vertical(&self, out: &mut String, value: f64, class: &str) {
        let px = self.x.at(value);
        let _ =
            write!(out, r#"<line class="{class}" x1="{px:.1}" x2="{px:.1}" y1="{TOP}" y2="{:.1}"/>"#, self.bottom());
    }
}

fn tornado_svg(tornado: &Tornado, head: &Head) -> Option<String> {
    if tornado.sections.iter().all(|section| section.rows.is_empty()) {
        return None;
    }
    let lines = tornado_lines(tornado);
    let entries = [
        (Swatch::Bar("bar total"), TORNADO_LEGEND[0]),
        (Swatch::Bar("bar first"), TORNADO_LEGEND[1]),
        (Swatch::Line("whisker"), TORNADO_LEGEND[2]),
    ];
    let rows = Rows::new(tornado_range(tornado), lines.len(), &entries);
    let mut description = format!("{}, by row.", tornado.x_label);
    for section in &tornado.sections {
        let _ = write!(description, " {}:", section.heading);
        for row in &section.rows {
            let _ = write!(
                description,
                " {}: total {} (95% interval {} to {}), first order {};",
                row.label,
                tick(row.total),
                tick(row.total - row.total_conf),
                tick(row.total + row.total_conf),
                tick(row.first)
            );
        }
        if description.ends_with(';') {
            description.pop();
            description.push('.');
        }
    }
    let mut out = String::new();
    open(&mut out, head, (&tornado.title, &description), rows.height());
    rows.frame(&mut out, &tornado.x_label);
    let end = rows.x.from.1;
    for (index, line) in lines.iter().enumerate() {
        match line {
            Line::Heading(heading, section) => {
                if *section > 0 {
                    out.push_str("</g>");
                }
                let _ = write!(
                    out,
                    r#"<g class="section" data-heading="{heading}"><text x="8" y="{:.1}" class="axis-label heading">{heading}</text>"#,
                    rows.top(index) + ROW / 2.0 + 4.0,
                    heading = escape(heading)
                );
            }
            Line::Row(row) => {
                let _ = write!(
                    out,
                    r#"<g class="row" data-label="{}" data-total="{}" data-first="{}" data-total-conf="{}">"#,
                    escape(&row.label),
                    number(row.total),
                    number(row.first),
                    number(row.total_conf)
                );
                rows.label(&mut out, index, &row.label);
                let total = row.total.clamp(0.0, end);
                rows.bar(&mut out, index, (0.0, total), (4.0, ROW - 8.0), "bar total");
                rows.bar(&mut out, index, (0.0, row.first.clamp(0.0, total)), (ROW / 2.0 - 3.0, 6.0), "bar first");
                if row.total_conf > 0.0 {
                    let low = rows.x.at((row.total - row.total_conf).clamp(0.0, end));
                    let high = rows.x.at((row.total + row.total_conf).clamp(0.0, end));
                    let cy = rows.top(index) + ROW / 2.0;
                    let _ = write!(
                        out,
                        r#"<line class="whisker" x1="{low:.1}" x2="{high:.1}" y1="{cy:.1}" y2="{cy:.1}"/><line class="whisker" x1="{high:.1}" x2="{high:.1}" y1="{a:.1}" y2="{b:.1}"/>"#,
                        a = cy - 4.0,
                        b = cy + 4.0
                    );
                }
                out.push_str("</g>");
            }
        }
    }
    out.push_str("</g></svg>");
    Some(out)
}

fn contributions_svg(contributions: &Contributions, head: &Head) -> Option<String> {
    if contributions.rows.is_empty() {
        return None;
    }
    let classes: Vec<String> =
        kinds_present(contributions).into_iter().map(|kind| format!("bar {}", kind_name(kind))).collect();
    let entries: Vec<(Swatch, &str)> = kinds_present(contributions)
        .into_iter()
        .zip(&classes)
        .map(|(kind, class)| (Swatch::Bar(class), kind_name(kind)))
        .collect();
    let rows = Rows::new(contributions_range(contributions), contributions.rows.len(), &entries);
    let words: Vec<String> = contributions
        .rows
        .iter()
        .map(|row| format!("{} ({}) {}", row.label, kind_name(row.kind), tick(row.value)))
        .collect();
    let description = format!("{}: {}.", contributions.x_label, words.join("; "));
    let mut out = String::new();
    open(&mut out, head, (&contributions.title, &description), rows.height());
    rows.frame(&mut out, &contributions.x_label);
    for (index, row) in contributions.rows.iter().enumerate() {
        let kind = kind_name(row.kind);
        let _ = write!(
            out,
            r#"<g class="row" data-label="{}" data-value="{}" data-kind="{kind}">"#,
            escape(&row.label),
            number(row.value)
        );
        rows.label(&mut out, index, &row.label);
        rows.bar(&mut out, index, (0.0, row.value), (5.0, ROW - 10.0), &format!("bar {kind}"));
        rows.value(&mut out, index, (0.0, row.value), ROW / 2.0 + 4.0, &tick(row.value));
        out.push_str("</g>");
    }
    rows.vertical(&mut out, 0.0, "zero");
    out.push_str("</svg>");
    Some(out)
}

fn swing_svg(swing: &Swing, head: &Head) -> Option<String> {
    if swing.rows.is_empty() {
        return None;
    }
    let entries = [
        (Swatch::Bar("bar low"), swing.low_name.as_str()),
        (Swatch::Bar("bar high"), swing.high_name.as_str()),
        (Swatch::Line("zero base"), swing.base_label.as_str()),
    ];
    let rows = Rows::new(swing_range(swing), swing.rows.len(), &entries);
    let mut description = format!("{}, one row at a time. {}.", swing.x_label, swing.base_label);
    for row in &swing.rows {
        let _ = write!(
            description,
            " {}: {} {}, {} {}.",
            row.label, row.low_text, swing.low_name, row.high_text, swing.high_name
        );
    }
    for m in &swing.marks {
        let _ = write!(description, " {}.", m.label);
    }
    let mut out = String::new();
    open(&mut out, head, (&swing.title, &description), rows.height());
    rows.frame(&mut out, &swing.x_label);
    for (index, m) in swing.marks.iter().enumerate() {
        mark(&mut out, rows.x.at(m.x), (TOP, rows.bottom()), &m.label, index);
    }
    let half = ROW / 2.0 - 3.0;
    for (index, row) in swing.rows.iter().enumerate() {
        let _ = write!(
            out,
            r#"<g class="row" data-label="{}" data-low="{}" data-high="{}" data-low-text="{}" data-high-text="{}">"#,
            escape(&row.label),
            number(row.low),
            number(row.high),
            escape(&row.low_text),
            escape(&row.high_text)
        );
        rows.label(&mut out, index, &row.label);
        rows.bar(&mut out, index, (swing.base, row.low), (3.0, half), "bar low");
        rows.value(&mut out, index, (swing.base, row.low), half, &row.low_text);
        rows.bar(&mut out, index, (swing.base, row.high), (ROW / 2.0, half), "bar high");
        rows.value(&mut out, index, (swing.base, row.high), ROW / 2.0 + half - 2.0, &row.high_text);
        out.push_str("</g>");
    }
    rows.vertical(&mut out, swing.base, "zero base");
    out.push_str("</svg>");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mark;

    #[test]
    fn a_legend_wraps_before_the_right_margin() {
        let short = [(Swatch::Bar("bar low"), "low"), (Swatch::Bar("bar high"), "high")];
        assert_eq!(legend_lines(RIGHT, &short), 1);
        let long = "a legend entry of some sixty characters, long enough to wrap";
        let entries = [(Swatch::Bar("bar low"), long), (Swatch::Bar("bar high"), long), (Swatch::Line("zero"), long)];
        let places = legend_places(RIGHT, &entries);
        assert_eq!(places.iter().map(|place| place.1).collect::<Vec<_>>(), [0, 1, 2]);
        assert!(places.iter().all(|(x, _)| *x == RIGHT));
    }

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(23.0, 29.0, 8), vec![23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0]);
        let values = ticks(-12.0, 40.0, 6);
        assert_eq!(values, vec![-10.0, 0.0, 10.0, 20.0, 30.0, 40.0]);
    }

    #[test]
    fn a_histogram_has_a_title_a_text_alternative_and_escaped_labels() {
        let chart = Chart::Histogram(Histogram {
            title: "<script>".to_string(),
            x_label: "c \"x\"".to_string(),
            y_label: "share (%)".to_string(),
            bins: vec![(0.0, 1.0, 40.0), (1.0, 2.0, 60.0)],
            note: Some("median 1.5".to_string()),
            marks: vec![Mark { x: 1.5, label: "median 1.5".to_string() }],
        });
        let svg = svg(&chart, "h").expect("drawn");
        assert!(svg.contains(r#"role="img" aria-labelledby="h-title h-desc""#), "{svg}");
        assert!(svg.contains("<title id=\"h-title\">&lt;script&gt;</title>"), "{svg}");
        assert!(svg.contains("<desc id=\"h-desc\">share (%) by c &quot;x&quot;. median 1.5.</desc>"), "{svg}");
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 2);
        assert!(svg.contains(">median 1.5</text>"), "{svg}");
    }

    /// The `(name, value)` data attributes of every `<g class="row"` element.
    fn rows(svg: &str) -> Vec<Vec<(String, String)>> {
        svg.split("<g class=\"row\"")
            .skip(1)
            .map(|rest| {
                let tag = rest.split('>').next().unwrap();
                tag.split(" data-")
                    .skip(1)
                    .map(|attribute| {
                        let (name, value) = attribute.split_once("=\"").unwrap();
                        (name.to_string(), value.trim_end_matches('"').to_string())
                    })
                    .collect()
            })
            .collect()
    }

    fn accessible(svg: &str, id: &str) {
        assert!(svg.starts_with(&format!("<svg id=\"{id}\" class=\"chart\"")), "{svg}");
        assert!(svg.contains(&format!(r#"role="img" aria-labelledby="{id}-title {id}-desc""#)), "{svg}");
        assert!(svg.contains(&format!("<title id=\"{id}-title\">")), "{svg}");
        assert!(svg.contains("class=\"axis-label\""), "{svg}");
        assert!(svg.ends_with("</svg>"), "{svg}");
        assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count(), "{svg}");
        assert!(!svg.contains("<script"), "{svg}");
    }

    fn description(svg: &str) -> &str {
        let desc = svg.split("<desc id=\"").nth(1).unwrap();
        desc.split_once("\">").unwrap().1.split("</desc>").next().unwrap()
    }

    #[test]
    fn a_tornado_lists_every_row_with_its_indices() {
        use crate::{Tornado, TornadoRow, TornadoSection};
        let row =
            |label: &str, first, total, total_conf| TornadoRow { label: label.to_string(), first, total, total_conf };
        let chart = Chart::Tornado(Tornado {
            title: "Shares & <more>".to_string(),
            x_label: "Sobol index".to_string(),
            sections: vec![
                TornadoSection { heading: "Cruxes".to_string(), rows: vec![row("a\"b", 0.25, 0.5, 0.125)] },
                TornadoSection {
                    heading: "Params".to_string(),
                    rows: vec![row("p", 0.1, 0.2, 0.0), row("q", 0.0, 0.05, 0.01)],
                },
            ],
        });
        let svg = svg(&chart, "importance-chart").expect("drawn");
        accessible(&svg, "importance-chart");
        assert!(svg.contains("<title id=\"importance-chart-title\">Shares &amp; &lt;more&gt;</title>"), "{svg}");
        assert_eq!(
            description(&svg),
            "Sobol index, by row. Cruxes: a&quot;b: total 0.5 (95% interval 0.375 to 0.625), first order 0.25. \
             Params: p: total 0.2 (95% interval 0.2 to 0.2), first order 0.1; q: total 0.05 (95% interval 0.04 to 0.06), first order 0."
        );
        let rows = rows(&svg);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0],
            [("label", "a&quot;b"), ("total", "0.5"), ("first", "0.25"), ("total-conf", "0.125")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert_eq!(svg.matches("<g class=\"section\"").count(), 2);
        assert!(svg.contains("data-heading=\"Params\""));
        // One whisker (two lines) per row with an interval.
        assert_eq!(svg.matches("class=\"whisker\" x1").count(), 2 * 2 + 1, "with the legend's swatch");
        let empty = Chart::Tornado(Tornado { title: String::new(), x_label: String::new(), sections: Vec::new() });
        assert!(super::svg(&empty, "e").is_none());
    }

    #[test]
    fn contributions_have_signed_bars_by_kind() {
        use crate::{Contribution, ContributionKind, Contributions};
        let row = |label: &str, value, kind| Contribution { label: label.to_string(), value, kind };
        let chart = Chart::Contributions(Contributions {
            title: "Mechanisms".to_string(),
            x_label: "mean contribution".to_string(),
            rows: vec![
                row("research", 3.0, ContributionKind::Benefit),
                row("misuse", -4.5, ContributionKind::Risk),
                row("net", -1.5, ContributionKind::Total),
            ],
        });
        let svg = svg(&chart, "mechanisms-chart").expect("drawn");
        accessible(&svg, "mechanisms-chart");
        assert_eq!(description(&svg), "mean contribution: research (benefit) 3; misuse (risk) -4.5; net (net) -1.5.");
        let kinds: Vec<String> = rows(&svg).iter().map(|row| row[2].1.clone()).collect();
        assert_eq!(kinds, ["benefit", "risk", "net"]);
        assert_eq!(rows(&svg)[1][1], ("value".to_string(), "-4.5".to_string()));
        // A risk's bar ends left of the zero line, a benefit's right of it.
        let zero: f64 =
            svg.split("<line class=\"zero\" x1=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        let bar = |class: &str| -> (f64, f64) {
            let rest = svg.split(&format!("<rect class=\"bar {class}\" x=\"")).nth(2).unwrap();
            let x: f64 = rest.split('"').next().unwrap().parse().unwrap();
            let width: f64 = rest.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
            (x, x + width)
        };
        assert!((bar("benefit").0 - zero).abs() < 0.11 && bar("benefit").1 > zero);
        assert!((bar("risk").1 - zero).abs() < 0.11 && bar("risk").0 < zero);
    }

    #[test]
    fn a_swing_chart_names_both_ends_of_every_row_and_its_marks() {
        use crate::{Swing, SwingRow};
        let chart = Chart::Swing(Swing {
            title: "Robust?".to_string(),
            x_label: "c from which E[net] stays negative".to_string(),
            base: 24.0,
            base_label: "every judgement as drawn: 24".to_string(),
            low_name: "held at its 10th percentile".to_string(),
            high_name: "held at its 90th percentile".to_string(),
            rows: vec![SwingRow {
                label: "x<y".to_string(),
                low: 23.0,
                high: 26.0,
                low_text: "23".to_string(),
                high_text: "never".to_string(),
            }],
            marks: vec![Mark { x: 25.0, label: "end of the grid (c = 25)".to_string() }],
        });
        let svg = svg_with_data(&chart, "robustness-chart", &[("crossing-min".to_string(), "23".to_string())])
            .expect("drawn");
        accessible(&svg, "robustness-chart");
        assert!(
            svg.contains("aria-labelledby=\"robustness-chart-title robustness-chart-desc\" data-crossing-min=\"23\">"),
            "{svg}"
        );
        assert_eq!(
            description(&svg),
            "c from which E[net] stays negative, one row at a time. every judgement as drawn: 24. \
             x&lt;y: 23 held at its 10th percentile, never held at its 90th percentile. end of the grid (c = 25)."
        );
        assert_eq!(
            rows(&svg)[0],
            [("label", "x&lt;y"), ("low", "23"), ("high", "26"), ("low-text", "23"), ("high-text", "never")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert!(svg.contains(">end of the grid (c = 25)</text>"), "{svg}");
        assert!(svg.contains("<rect class=\"bar low\"") && svg.contains("<rect class=\"bar high\""));
    }

    #[test]
    fn lines_name_every_series_in_the_text_alternative() {
        use crate::{Lines, Series};
        let long: Vec<(f64, f64)> = (0..20).map(|i| (i as f64, if i == 7 { 5.0 } else { -(i as f64) })).collect();
        let chart = Chart::Lines(Lines {
            title: "Policy".to_string(),
            x_label: "T".to_string(),
            y_label: "net".to_string(),
            series: vec![
                Series { name: "open below T".to_string(), points: long },
                Series { name: "no threshold".to_string(), points: vec![(0.0, 1.0), (19.0, 1.0)] },
            ],
            marks: vec![Mark { x: 7.0, label: "best T = 7".to_string() }],
            zero_line: true,
        });
        let svg = svg(&chart, "policy-chart").expect("drawn");
        accessible(&svg, "policy-chart");
        assert_eq!(
            description(&svg),
            "net against T. open below T: from 0 at 0 to -19 at 19, highest 5 at 7, lowest -19 at 19. \
             no threshold: 1 at 0, 1 at 19. best T = 7."
        );
        assert_eq!(svg.matches("<polyline class=\"series series-").count(), 2);
        assert!(svg.contains(">best T = 7</text>") && svg.contains("class=\"zero\""));
    }
}
