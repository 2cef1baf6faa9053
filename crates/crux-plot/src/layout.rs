//! What the file charts (`draw`) and the inline charts (`inline`) share of a
//! chart's geometry: the data range of each axis, and the order of a row
//! chart's lines (top to bottom), so that a chart covers the same values in
//! a file and on a page.

use crate::{ContributionKind, Contributions, Swing, Tornado, TornadoRow};

/// `(low, high)` of the values, widened by a margin and never empty.
pub(crate) fn extent(values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    let (mut low, mut high) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if !low.is_finite() {
        return (-1.0, 1.0);
    }
    if include_zero {
        low = low.min(0.0);
        high = high.max(0.0);
    }
    let span = (high - low).max(1e-12 * high.abs().max(1.0));
    (low - 0.05 * span, high + 0.05 * span)
}

/// One line of a tornado chart: a section's heading or one of its rows.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Line<'a> {
    /// The heading and the section's index.
    Heading(&'a str, usize),
    Row(&'a TornadoRow),
}

/// A tornado's lines, top to bottom: each section's heading, then its rows.
pub(crate) fn tornado_lines(tornado: &Tornado) -> Vec<Line<'_>> {
    tornado
        .sections
        .iter()
        .enumerate()
        .flat_map(|(index, section)| {
            std::iter::once(Line::Heading(&section.heading, index)).chain(section.rows.iter().map(Line::Row))
        })
        .collect()
}

/// The x range of a tornado: from 0 to a little past the largest total
/// index's upper 95% bound (at least 0.05, at most 1).
pub(crate) fn tornado_range(tornado: &Tornado) -> (f64, f64) {
    let high = tornado
        .sections
        .iter()
        .flat_map(|section| &section.rows)
        .map(|row| row.total + row.total_conf)
        .fold(0.0, f64::max)
        .clamp(0.05, 1.0)
        * 1.08;
    (0.0, high)
}

/// The x range of a contributions chart: every value and 0, with room for
/// the value written beside each bar.
pub(crate) fn contributions_range(contributions: &Contributions) -> (f64, f64) {
    let (low, high) = extent(contributions.rows.iter().map(|row| row.value), true);
    let room = 0.12 * (high - low);
    (if low < 0.0 { low - room } else { low }, if high > 0.0 { high + room } else { high })
}

/// The x range of a swing chart: every row's two ends, the base and the
/// marks, with room for the values written beside the bars.
pub(crate) fn swing_range(swing: &Swing) -> (f64, f64) {
    let values = swing
        .rows
        .iter()
        .flat_map(|row| [row.low, row.high])
        .chain(std::iter::once(swing.base))
        .chain(swing.marks.iter().map(|mark| mark.x));
    let (low, high) = extent(values, false);
    let room = 0.1 * (high - low);
    (low - room, high + room)
}

/// The legend of a tornado: the total index's bar, the first-order index's
/// bar and the total index's 95% interval.
pub(crate) const TORNADO_LEGEND: [&str; 3] =
    ["total order ST (alone and in interactions)", "first order S1 (alone)", "95% interval of ST"];

/// A contribution's kind in a legend and a text alternative.
pub(crate) fn kind_name(kind: ContributionKind) -> &'static str {
    match kind {
        ContributionKind::Benefit => "benefit",
        ContributionKind::Risk => "risk",
        ContributionKind::Total => "net",
    }
}

/// The kinds of contribution a chart has, in legend order.
pub(crate) fn kinds_present(contributions: &Contributions) -> Vec<ContributionKind> {
    [ContributionKind::Benefit, ContributionKind::Risk, ContributionKind::Total]
        .into_iter()
        .filter(|kind| contributions.rows.iter().any(|row| row.kind == *kind))
        .collect()
}
