//! Charts of Crux results, drawn with plotters as SVG and PNG files.
//!
//! This crate only draws, to files ([`Chart::write`]) or as inline SVG for a
//! web page ([`inline`]): it takes plain chart descriptions ([`Chart`]:
//! numbers, labels and units) and writes them. Computing what goes in them is
//! the engine's and the analyses' job; choosing which charts to make is the
//! command line's. PNG text is rendered with DejaVu Sans, bundled in the
//! binary, so charts look the same on a machine without system fonts; SVG
//! text names the generic `sans-serif` family, which every viewer has.

#![forbid(unsafe_code)]

mod draw;
pub mod inline;
mod layout;

use std::path::{Path, PathBuf};

/// One chart to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    Bands(Bands),
    Histogram(Histogram),
    Tornado(Tornado),
    Contributions(Contributions),
    Lines(Lines),
    Swing(Swing),
}

/// A quantity across an axis: its mean, a 50% band and a 90% band.
#[derive(Debug, Clone, PartialEq)]
pub struct Bands {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x: Vec<f64>,
    pub mean: Vec<f64>,
    pub median: Vec<f64>,
    /// Quantiles 5%, 25%, 75%, 95% at each x.
    pub p05: Vec<f64>,
    pub p25: Vec<f64>,
    pub p75: Vec<f64>,
    pub p95: Vec<f64>,
    /// Vertical marks, such as the threshold where the mean crosses zero.
    pub marks: Vec<Mark>,
}

/// A labelled vertical line at `x`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub x: f64,
    pub label: String,
}

/// Shares of samples in bins of an axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// `(low, high, share in percent)` per bin.
    pub bins: Vec<(f64, f64, f64)>,
    /// A line of text under the title, such as the share that never crosses.
    pub note: Option<String>,
    pub marks: Vec<Mark>,
}

/// Sensitivity indices as horizontal bars: total order (light, with its 95%
/// interval) and first order (dark) for each row, in sections.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    pub title: String,
    pub x_label: String,
    pub sections: Vec<TornadoSection>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TornadoSection {
    pub heading: String,
    pub rows: Vec<TornadoRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TornadoRow {
    pub label: String,
    pub first: f64,
    pub total: f64,
    /// Half-width of the total index's 95% interval.
    pub total_conf: f64,
}

/// How far a result moves when one input at a time takes a low and a high
/// value: for each row, a bar from the base line to the result at the low
/// value and one from the base line to the result at the high value, so that
/// together they span the row's swing, largest swing first (the caller's order).
#[derive(Debug, Clone, PartialEq)]
pub struct Swing {
    pub title: String,
    pub x_label: String,
    /// The result with every input as it is, drawn as a vertical line.
    pub base: f64,
    pub base_label: String,
    /// What the two bars of a row stand for, such as "held at its 10th percentile".
    pub low_name: String,
    pub high_name: String,
    pub rows: Vec<SwingRow>,
    /// Vertical marks, such as the end of the axis.
    pub marks: Vec<Mark>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SwingRow {
    pub label: String,
    /// The result at the input's low and at its high value, where drawn.
    pub low: f64,
    pub high: f64,
    /// The result written beside each end, such as "26.4" or "never".
    pub low_text: String,
    pub high_text: String,
}

/// Signed contributions to a total, as horizontal bars.
#[derive(Debug, Clone, PartialEq)]
pub struct Contributions {
    pub title: String,
    pub x_label: String,
    pub rows: Vec<Contribution>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub label: String,
    /// Signed: benefits positive, risks negative.
    pub value: f64,
    pub kind: ContributionKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContributionKind {
    Benefit,
    Risk,
    Total,
}

/// Named series of points sharing an axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Lines {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub marks: Vec<Mark>,
    /// Draw a horizontal line at y = 0.
    pub zero_line: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Why a chart could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot write `{}`: {message}", path.display())]
pub struct PlotError {
    pub path: PathBuf,
    pub message: String,
}

impl Chart {
    /// The chart's title.
    pub fn title(&self) -> &str {
        match self {
            Chart::Bands(chart) => &chart.title,
            Chart::Histogram(chart) => &chart.title,
            Chart::Tornado(chart) => &chart.title,
            Chart::Contributions(chart) => &chart.title,
            Chart::Lines(chart) => &chart.title,
            Chart::Swing(chart) => &chart.title,
        }
    }

    /// Width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Chart::Tornado(tornado) => {
                let rows: usize = tornado.sections.iter().map(|section| section.rows.len() + 1).sum();
                (960, (150 + 26 * rows as u32).max(360))
            }
            Chart::Contributions(contributions) => (960, (150 + 34 * contributions.rows.len() as u32).max(360)),
            Chart::Swing(swing) => (960, (170 + 34 * swing.rows.len() as u32).max(360)),
            _ => (960, 560),
        }
    }

    /// Writes `stem.svg` and `stem.png` in `directory`; returns their paths.
    pub fn write(&self, directory: &Path, stem: &str) -> Result<Vec<PathBuf>, PlotError> {
        let svg = directory.join(format!("{stem}.svg"));
        let png = directory.join(format!("{stem}.png"));
        draw::svg(self, &svg).map_err(|message| PlotError { path: svg.clone(), message })?;
        draw::png(self, &png).map_err(|message| PlotError { path: png.clone(), message })?;
        Ok(vec![svg, png])
    }

    /// The chart as SVG text.
    pub fn to_svg(&self) -> Result<String, String> {
        draw::svg_string(self)
    }
}
