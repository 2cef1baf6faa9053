//! Reading a run the way the page does: where on the axis net turns
//! negative (for the mean, for P(net > 0) = 0.5 and per sample), and the
//! verdict label of a probability that net is positive.

use crux_engine::NetSamples;
use crux_engine::quantile::quantiles;
use crux_report::json::RunDocument;

/// The labelling rule of a verdict on P(net > 0).
pub const POSITIVE_AT_LEAST: f64 = 0.7;
pub const NEGATIVE_AT_MOST: f64 = 0.3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Positive,
    Unclear,
    Negative,
}

impl Verdict {
    pub fn of(p_positive: f64) -> Verdict {
        if p_positive >= POSITIVE_AT_LEAST {
            Verdict::Positive
        } else if p_positive <= NEGATIVE_AT_MOST {
            Verdict::Negative
        } else {
            Verdict::Unclear
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Positive => "Positive",
            Verdict::Unclear => "Unclear",
            Verdict::Negative => "Negative",
        }
    }
}

/// Where a curve goes from above a level to below it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crossing {
    /// At this axis value (interpolated between grid points).
    At(f64),
    /// Already below the level at the start of the axis.
    Below,
    /// Never below the level on the axis.
    Never,
}

/// The first place where `values` (over `axis`) falls below `level`.
pub fn crossing(axis: &[f64], values: &[f64], level: f64) -> Crossing {
    let Some(index) = values.iter().position(|value| *value < level) else { return Crossing::Never };
    if index == 0 {
        return Crossing::Below;
    }
    let (x0, x1, y0, y1) = (axis[index - 1], axis[index], values[index - 1], values[index]);
    let fraction = if y0 == y1 { 0.0 } else { (y0 - level) / (y0 - y1) };
    Crossing::At(x0 + fraction * (x1 - x0))
}

/// A stretch of the axis with one verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stretch {
    pub from: f64,
    pub to: f64,
    pub verdict: Verdict,
}

/// The axis cut into stretches of equal verdict on P(net > 0).
pub fn verdict_stretches(document: &RunDocument) -> Vec<Stretch> {
    let axis = axis_values(document);
    let mut stretches: Vec<Stretch> = Vec::new();
    for (x, p) in axis.iter().zip(&document.net.p_positive) {
        let verdict = Verdict::of(*p);
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

/// The per-sample capability where net turns negative.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// Thresholds of the samples that turn negative on the axis (axis start
    /// for those negative from the start).
    pub values: Vec<f64>,
    /// Share of samples negative from the start of the axis.
    pub below_share: f64,
    /// Share of samples never negative on the axis.
    pub never_share: f64,
    /// 5%, 50% and 95% quantiles of `values`.
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

/// Per-sample thresholds from every net value of a run (`None` without an axis
/// of at least two points, or when no sample turns negative).
pub fn thresholds(net: &NetSamples, axis: &[f64]) -> Option<Thresholds> {
    if axis.len() < 2 || net.samples == 0 {
        return None;
    }
    let mut values = Vec::with_capacity(net.samples);
    let (mut below, mut never) = (0usize, 0usize);
    let mut curve = vec![0.0; axis.len()];
    for sample in 0..net.samples {
        for (point, value) in curve.iter_mut().enumerate() {
            *value = net.get(sample, point);
        }
        match crossing(axis, &curve, 0.0) {
            Crossing::At(x) => values.push(x),
            Crossing::Below => {
                below += 1;
                values.push(axis[0]);
            }
            Crossing::Never => never += 1,
        }
    }
    if values.is_empty() {
        return None;
    }
    let q = quantiles(&[&values], &[0.05, 0.5, 0.95]);
    let total = net.samples as f64;
    Some(Thresholds {
        values,
        below_share: below as f64 / total,
        never_share: never as f64 / total,
        p05: q[0],
        p50: q[1],
        p95: q[2],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_interpolates_between_grid_points() {
        let axis = [0.0, 1.0, 2.0];
        assert_eq!(crossing(&axis, &[2.0, 1.0, -1.0], 0.0), Crossing::At(1.5));
        assert_eq!(crossing(&axis, &[-1.0, 1.0, 2.0], 0.0), Crossing::Below);
        assert_eq!(crossing(&axis, &[1.0, 1.0, 2.0], 0.0), Crossing::Never);
        assert_eq!(crossing(&axis, &[0.9, 0.6, 0.1], 0.5), Crossing::At(1.2));
    }

    #[test]
    fn verdicts_follow_the_labelling_rule() {
        assert_eq!(Verdict::of(0.7), Verdict::Positive);
        assert_eq!(Verdict::of(0.69), Verdict::Unclear);
        assert_eq!(Verdict::of(0.31), Verdict::Unclear);
        assert_eq!(Verdict::of(0.3), Verdict::Negative);
    }
}
