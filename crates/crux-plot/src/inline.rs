//! Charts as accessible inline SVG for a web page: the same [`Chart`]
//! descriptions that [`Chart::write`] draws to files, written as SVG
//! markup with a `<title>`, a `<desc>` that says in words what the chart
//! shows (its text alternative), axis labels, and CSS classes for the page's
//! style sheet (`grid`, `tick`, `axis-label`, `band90`, `band50`, `median`,
//! `mean`, `zero`, `bar`, `threshold`, `threshold-label`). Every text is
//! escaped here.
//!
//! Drawn inline: net with its bands ([`Chart::Bands`]) and the threshold
//! histogram ([`Chart::Histogram`]); other kinds return `None`.

use crate::draw::tick;
use crate::{Bands, Chart, Histogram};
use std::fmt::Write;

/// The width of a chart's view box, in pixels.
pub const WIDTH: f64 = 640.0;
/// The height of a chart's view box.
pub const HEIGHT: f64 = 300.0;
/// The margin left of the plot (for the y ticks and label).
pub const LEFT: f64 = 64.0;
/// The margin right of the plot.
pub const RIGHT: f64 = 16.0;
/// The margin above the plot.
pub const TOP: f64 = 16.0;
/// The margin below the plot (for the x ticks and label).
pub const BOTTOM: f64 = 48.0;

/// The chart as an `<svg>` element with id `id`, or `None` for a kind not
/// drawn inline or a chart with too few points to draw.
pub fn svg(chart: &Chart, id: &str) -> Option<String> {
    match chart {
        Chart::Bands(bands) => bands_svg(bands, id),
        Chart::Histogram(histogram) => histogram_svg(histogram, id),
        _ => None,
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

/// The opening tag with the title and the text alternative, the grid, the
/// ticks and the axis labels.
fn frame(out: &mut String, id: &str, (title, description): (&str, &str), x: &Scale, y: &Scale, labels: (&str, &str)) {
    let _ = write!(
        out,
        r#"<svg id="{id}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>"#,
        id = escape(id),
        title = escape(title),
        description = escape(description)
    );
    for value in ticks(x.from.0, x.from.1, 8) {
        let px = x.at(value);
        let _ = write!(
            out,
            r##"<line x1="{px:.1}" x2="{px:.1}" y1="{TOP}" y2="{b:.1}" class="grid"/><text x="{px:.1}" y="{t:.1}" class="tick" text-anchor="middle">{label}</text>"##,
            b = HEIGHT - BOTTOM,
            t = HEIGHT - BOTTOM + 16.0,
            label = tick(value)
        );
    }
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
    let _ = write!(
        out,
        r##"<text x="{cx:.1}" y="{by:.1}" class="axis-label" text-anchor="middle">{x_label}</text><text transform="translate(14 {cy:.1}) rotate(-90)" class="axis-label" text-anchor="middle">{y_label}</text>"##,
        cx = (LEFT + WIDTH - RIGHT) / 2.0,
        by = HEIGHT - 8.0,
        cy = (TOP + HEIGHT - BOTTOM) / 2.0,
        x_label = escape(labels.0),
        y_label = escape(labels.1)
    );
}

/// A vertical mark across the plot with its label beside it, on the side with room.
fn mark(out: &mut String, px: f64, label: &str) {
    let (tx, anchor) = if px > WIDTH / 2.0 { (px - 4.0, "end") } else { (px + 4.0, "start") };
    let _ = write!(
        out,
        r#"<line class="threshold" x1="{px:.1}" x2="{px:.1}" y1="{TOP}" y2="{b:.1}"/><text class="threshold-label" x="{tx:.1}" y="{ty:.1}" text-anchor="{anchor}">{label}</text>"#,
        b = HEIGHT - BOTTOM,
        ty = TOP + 12.0,
        label = escape(label)
    );
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

fn line(out: &mut String, x: &Scale, y: &Scale, axis: &[f64], values: &[f64], class: &str) {
    let points: Vec<String> =
        axis.iter().zip(values).map(|(a, v)| format!("{:.1},{:.1}", x.at(*a), y.at(*v))).collect();
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

fn bands_svg(bands: &Bands, id: &str) -> Option<String> {
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
    let description = bands_description(bands);
    frame(&mut out, id, (&bands.title, &description), &x, &y, (&bands.x_label, &bands.y_label));
    band(&mut out, &x, &y, axis, (&bands.p05, &bands.p95), "band90");
    band(&mut out, &x, &y, axis, (&bands.p25, &bands.p75), "band50");
    let zero = y.at(0.0);
    let _ = write!(out, r#"<line class="zero" x1="{LEFT}" x2="{:.1}" y1="{zero:.1}" y2="{zero:.1}"/>"#, WIDTH - RIGHT);
    line(&mut out, &x, &y, axis, &bands.median, "median");
    line(&mut out, &x, &y, axis, &bands.mean, "mean");
    for m in &bands.marks {
        mark(&mut out, x.at(m.x), &m.label);
    }
    out.push_str("</svg>");
    Some(out)
}

fn histogram_svg(histogram: &Histogram, id: &str) -> Option<String> {
    let (first, last) = (histogram.bins.first()?, histogram.bins.last()?);
    let top = histogram.bins.iter().map(|bin| bin.2).fold(0.0f64, f64::max).max(1e-9);
    let x = Scale { from: (first.0, last.1), to: (LEFT, WIDTH - RIGHT) };
    let y = Scale { from: (0.0, top * 1.1), to: (HEIGHT - BOTTOM, TOP) };
    let mut out = String::new();
    let mut description = format!("{} by {}.", histogram.y_label, histogram.x_label);
    if let Some(note) = &histogram.note {
        let _ = write!(description, " {note}.");
    }
    frame(&mut out, id, (&histogram.title, &description), &x, &y, (&histogram.x_label, &histogram.y_label));
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
    for m in &histogram.marks {
        mark(&mut out, x.at(m.x), &m.label);
    }
    out.push_str("</svg>");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mark;

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
}
