//! Reading a run the way the page shows it, with the analyses' own rules
//! (crux-analysis; the verdict along the axis is its `verdict::shown_stretches`):
//! where a curve stays below its level (the mean crossing of the
//! report, the API's even-odds crossing), where E[net] crosses zero between grid points
//! (for the chart). The threshold itself, per sample and for the histogram,
//! is crux-analysis's `Threshold`, the one the report and `crux plot` read.

use crux_analysis::crossing::{Crossing, zero_crossing};
use crux_analysis::threshold::stays_below;
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
/// mean crossing for E[net] and 0; for P(net > 0) and 0.5, the API's even-odds
/// crossing, which is not the report's median crossing: see crux-analysis's `Threshold`).
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

/// The axis values of a run (one point, 0, without an axis).
pub fn axis_values(document: &RunDocument) -> Vec<f64> {
    match &document.axis {
        Some(axis) => axis.values.clone(),
        None => vec![0.0; document.net.mean.len()],
    }
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
}
