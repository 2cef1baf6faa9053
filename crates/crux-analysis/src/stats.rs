//! Small summaries of per-sample values shared by the analyses: the mean and
//! the 5%, 50% and 95% quantiles (numpy's default interpolation).

use crux_engine::PointSummary;
use crux_engine::quantile::quantiles;

/// An estimate with its Monte Carlo standard error.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Estimate {
    pub value: f64,
    pub standard_error: f64,
}

/// Mean and 90% interval of a set of per-sample values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub mean: f64,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
    /// How many values were summarised.
    pub count: usize,
}

impl Summary {
    /// Summarises `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        let [p05, p50, p95] = quantiles(&[values], &[0.05, 0.5, 0.95])[..] else {
            unreachable!("three probabilities give three quantiles")
        };
        Some(Summary { mean: mean(values), p05, p50, p95, count: values.len() })
    }

    /// The summary the engine made of `count` values at one point.
    pub fn from_point(point: &PointSummary, count: usize) -> Summary {
        Summary { mean: point.mean, p05: point.p05, p50: point.p50, p95: point.p95, count }
    }
}

/// The mean, summed in order (deterministic).
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_a_known_set() {
        let values: Vec<f64> = (0..=100).map(f64::from).collect();
        let summary = Summary::of(&values).expect("values");
        assert_eq!((summary.mean, summary.p05, summary.p50, summary.p95, summary.count), (50.0, 5.0, 50.0, 95.0, 101));
        assert!(Summary::of(&[]).is_none());
    }
}
