//! Reading a run the way the page shows it, with the analyses' own rules
//! (crux-analysis): the verdict label of P(net > 0) along the axis cut into
//! stretches, where a curve stays below its level (the mean and median
//! crossings of the report), where E[net] crosses zero between grid points
//! (for the chart), and each sample's threshold for the histogram.

use crux_analysis::crossing::{Crossing, sample_thresholds, zero_crossing};
use crux_analysis::stats::Summary;
use crux_analysis::threshold::stays_below;
use crux_analysis::verdict::{Label, label};
use crux_engine::NetSamples;
use crux_report::json::RunDocument;

/// Where on the axis a curve turns below its level for good.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Place {
    /// At this axis value.
    At(f64),
    /// Below from the start of the axis.
    FromStart,
    /// Not below at the end of the axis.
    Never,
}

/// The first grid value from which `values` stay below `level` (the report's
/// mean crossing for E[net] and 0, its median crossing for P(net > 0) and 0.5).
pub fn stays_below_from(axis: &[f64], values: &[f64], level: f64) -> Place {
    match stays_below(values, level) {
        None => Place::Never,
        Some(0) => Place::FromStart,
        Some(index) => Place::At(axis[index]),
    }
}

/// Where E[net] crosses zero for good, interpolated between grid points (for the chart).
pub fn mean_zero(axis: &[f64], mean: &[f64]) -> Place {
    match zero_crossing(axis, mean) {
        Crossing::At(value) => Place::At(value),
        Crossing::Everywhere => Place::FromStart,
        Crossing::Never => Place::Never,
    }
}

/// A stretch of the axis with one verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stretch {
    pub from: f64,
    pub to: f64,
    pub verdict: Label,
}

/// The axis cut into stretches of equal verdict on P(net > 0).
pub fn verdict_stretches(axis: &[f64], p_positive: &[f64]) -> Vec<Stretch> {
    let mut stretches: Vec<Stretch> = Vec::new();
    for (x, p) in axis.iter().zip(p_positive) {
        let verdict = label(*p);
        match stretches.last_mut() {
            Some(last) if last.verdict == verdict => last.to = *x,
            _ => stretches.push(Stretch { from: *x, to: *x, verdict }),
        }
    }
    stretches
}

/// The axis values of a run (one point, 0, without an axis).
pub fn axis_values(document: &RunDocument) -> Vec<f64> {
    match &document.axis {
        Some(axis) => axis.values.clone(),
        None => vec![0.0; document.net.mean.len()],
    }
}

/// The per-sample capability where net turns negative for good.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// The threshold of every sample that crosses on the axis (the axis start
    /// for those negative from the start).
    pub values: Vec<f64>,
    /// Share of samples negative from the start of the axis.
    pub from_start_share: f64,
    /// Share of samples not negative at the end of the axis.
    pub never_share: f64,
    /// Quantiles of `values`.
    pub summary: Summary,
}

/// Per-sample thresholds from every net value of a run (`None` without an axis
/// of at least two points, or when no sample turns negative).
pub fn thresholds(net: &NetSamples, axis: &[f64]) -> Option<Thresholds> {
    if axis.len() < 2 || net.samples == 0 {
        return None;
    }
    let indices = sample_thresholds(net);
    let values: Vec<f64> = indices.iter().flatten().map(|index| axis[*index]).collect();
    let summary = Summary::of(&values)?;
    let total = net.samples as f64;
    Some(Thresholds {
        from_start_share: indices.iter().filter(|index| **index == Some(0)).count() as f64 / total,
        never_share: (net.samples - values.len()) as f64 / total,
        values,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_follow_the_report_rules() {
        let axis = [0.0, 1.0, 2.0, 3.0];
        assert_eq!(stays_below_from(&axis, &[2.0, 1.0, -1.0, -2.0], 0.0), Place::At(2.0));
        assert_eq!(stays_below_from(&axis, &[-1.0, -1.0, -1.0, -2.0], 0.0), Place::FromStart);
        // A dip that comes back up is not where it turns negative.
        assert_eq!(stays_below_from(&axis, &[1.0, -1.0, 1.0, 2.0], 0.0), Place::Never);
        assert_eq!(stays_below_from(&axis, &[0.9, 0.6, 0.4, 0.1], 0.5), Place::At(2.0));
        assert_eq!(mean_zero(&axis, &[2.0, 1.0, -1.0, -2.0]), Place::At(1.5));
    }

    #[test]
    fn stretches_use_the_verdict_rule() {
        let axis = [0.0, 1.0, 2.0, 3.0, 4.0];
        let stretches = verdict_stretches(&axis, &[0.9, 0.7, 0.5, 0.3, 0.1]);
        let labels: Vec<(f64, f64, Label)> = stretches.iter().map(|s| (s.from, s.to, s.verdict)).collect();
        assert_eq!(labels, [(0.0, 1.0, Label::Positive), (2.0, 2.0, Label::Unclear), (3.0, 4.0, Label::Negative)]);
    }
}
