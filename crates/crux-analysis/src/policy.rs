//! Release policies: which capability threshold a regulator should set, and
//! how far the threshold moves when a param shifts.
//!
//! **Release threshold.** The policy "open below T" lets models of
//! capability below `T` be released openly and keeps the others closed
//! (whose marginal effect of openness is then zero). Its value is the
//! expected net per frontier release over the horizon: in each sample, the
//! open frontier moves from `open_now` to `open_now + growth * horizon`, one
//! release per moment, so capabilities are spread uniformly over that path.
//! Each grid point stands for the stretch of path nearest to it; the part of
//! the path beyond the grid counts at the last grid point (where the model's
//! logistic factors are close to saturation), and its share is reported.
//! The best `T` maximises the expected value; the regret of another `T` is
//! what it loses against the best.
//!
//! **Param shift.** [`shift_param`] adds a constant to one param in every
//! sample (the same draws, moved), so that re-running with the same seed
//! shows the effect of that change alone.

use crux_engine::NetSamples;
use crux_lang::ast::BinaryOp;
use crux_lang::hir::{self, ExprKind};

/// Per-sample paths of the open frontier over the horizon.
#[derive(Debug, Clone, Copy)]
pub struct ReleasePaths<'a> {
    pub open_now: &'a [f64],
    /// Axis units per year.
    pub growth: &'a [f64],
    /// Years.
    pub horizon: &'a [f64],
}

/// The value of "open below T" for every T on the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleasePolicy {
    /// The axis grid: the candidate thresholds.
    pub grid: Vec<f64>,
    /// Expected net per release (in the model's unit) contributed by releases
    /// at each grid point, averaged over samples.
    pub contributions: Vec<f64>,
    /// Share of the releases on the path that lie beyond the grid's end.
    pub beyond_grid_share: f64,
}

/// The threshold with the highest expected value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Best {
    /// `None`: no threshold (open everything) is best.
    pub threshold: Option<f64>,
    pub value: f64,
}

impl ReleasePolicy {
    /// Analyses a run over the whole grid that kept every net value.
    pub fn new(grid: &[f64], net: &NetSamples, paths: &ReleasePaths) -> ReleasePolicy {
        let points = grid.len();
        let step = if points > 1 { grid[1] - grid[0] } else { 1.0 };
        let mut sums = vec![0.0; points];
        let mut beyond = 0.0;
        for sample in 0..net.samples {
            let start = paths.open_now[sample];
            let end = start + (paths.growth[sample] * paths.horizon[sample]).max(0.0);
            let length = end - start;
            let last = grid[points - 1];
            if length > 0.0 {
                beyond += ((end - start.max(last)).max(0.0)) / length;
            } else if start > last {
                beyond += 1.0;
            }
            for (index, weight) in path_weights(grid, step, start, end) {
                sums[index] += weight * net.get(sample, index);
            }
        }
        let samples = net.samples.max(1) as f64;
        ReleasePolicy {
            grid: grid.to_vec(),
            contributions: sums.iter().map(|sum| sum / samples).collect(),
            beyond_grid_share: beyond / samples,
        }
    }

    /// The expected value of "open below `threshold`"; `None` is no threshold.
    pub fn value(&self, threshold: Option<f64>) -> f64 {
        let limit = threshold.unwrap_or(f64::INFINITY);
        // A small tolerance, so that T = 25 excludes the grid point 25.000000000000004.
        self.grid
            .iter()
            .zip(&self.contributions)
            .filter(|(x, _)| **x < limit - 1e-9)
            .map(|(_, contribution)| contribution)
            .sum()
    }

    /// The value of "open below T" for every T on the grid, in grid order.
    pub fn curve(&self) -> Vec<f64> {
        let mut total = 0.0;
        let mut out = Vec::with_capacity(self.grid.len());
        for contribution in &self.contributions {
            out.push(total);
            total += contribution;
        }
        out
    }

    /// The best threshold on the grid, or none.
    pub fn best(&self) -> Best {
        let curve = self.curve();
        let mut best = Best { threshold: None, value: self.value(None) };
        for (x, value) in self.grid.iter().zip(curve) {
            if value > best.value {
                best = Best { threshold: Some(*x), value };
            }
        }
        best
    }

    /// What "open below `threshold`" loses against the best threshold.
    pub fn regret(&self, threshold: Option<f64>) -> f64 {
        self.best().value - self.value(threshold)
    }
}

/// The share of a path from `start` to `end` nearest to each grid point.
fn path_weights(grid: &[f64], step: f64, start: f64, end: f64) -> Vec<(usize, f64)> {
    let points = grid.len();
    let nearest = |x: f64| (((x - grid[0]) / step).round().max(0.0) as usize).min(points - 1);
    let (first, last) = (nearest(start), nearest(end));
    let length = end - start;
    if length <= 0.0 || first == last {
        return vec![(first, 1.0)];
    }
    (first..=last)
        .map(|index| {
            let low = if index == 0 { f64::NEG_INFINITY } else { grid[index] - step / 2.0 };
            let high = if index == points - 1 { f64::INFINITY } else { grid[index] + step / 2.0 };
            let overlap = (end.min(high) - start.max(low)).max(0.0);
            (index, overlap / length)
        })
        .collect()
}

/// The model with `by` added to param `param` in every sample.
pub fn shift_param(model: &hir::Model, param: usize, by: f64) -> hir::Model {
    let mut shifted = model.clone();
    let expr = &mut shifted.params[param];
    let span = expr.span;
    let original = std::mem::replace(expr, hir::Expr { kind: ExprKind::Number(0.0), span });
    *expr = hir::Expr {
        kind: ExprKind::Binary(
            BinaryOp::Add,
            Box::new(original),
            Box::new(hir::Expr { kind: ExprKind::Number(by), span }),
        ),
        span,
    };
    shifted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crux_engine::{Engine, RunOptions};
    use crux_lang::Sources;

    fn load(text: &str) -> hir::Model {
        let mut sources = Sources::new();
        let file = sources.add("policy.toml", text);
        crux_lang::load(&mut sources, file).expect("loads")
    }

    #[test]
    fn path_weights_split_the_path_between_grid_points() {
        let grid = [0.0, 1.0, 2.0, 3.0];
        let weights = path_weights(&grid, 1.0, 0.5, 2.5);
        assert_eq!(weights, vec![(1, 0.5), (2, 0.5), (3, 0.0)]);
        let total: f64 = weights.iter().map(|(_, weight)| weight).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert_eq!(path_weights(&grid, 1.0, 1.2, 1.3), vec![(1, 1.0)]);
        // Beyond the grid, the rest of the path counts at the last point.
        assert_eq!(path_weights(&grid, 1.0, 2.0, 6.0), vec![(2, 0.125), (3, 0.875)]);
    }

    /// net = 2 - c, the same in every sample: releases below 2 help, above 2
    /// harm, so the best threshold is T = 2 (open below 2).
    const DETERMINISTIC: &str = r#"
[model]
id = "deterministic"
[axis]
name = "c"
from = 0
to = 4
step = 1
[params]
k = "2"
[mechanisms.gain]
side = "benefit"
effect = "k"
[mechanisms.loss]
side = "risk"
effect = "c"
"#;

    #[test]
    fn the_best_threshold_of_a_known_model() {
        let model = load(DETERMINISTIC);
        let engine = Engine::new(&model).expect("compiles");
        let samples = 100;
        let output = engine.run(&RunOptions { keep_net: true, ..RunOptions::new(samples, 1) }).expect("runs");
        let net = output.net_samples.expect("kept");
        // Every path runs from 0 to 4 (growth 1 per year, 4 years): the nearest
        // grid points get 1/8, 1/4, 1/4, 1/4, 1/8 of the releases.
        let (open_now, growth, horizon) = (vec![0.0; samples], vec![1.0; samples], vec![4.0; samples]);
        let paths = ReleasePaths { open_now: &open_now, growth: &growth, horizon: &horizon };
        let policy = ReleasePolicy::new(engine.grid(), &net, &paths);
        let expected = [2.0 / 8.0, 1.0 / 4.0, 0.0, -1.0 / 4.0, -2.0 / 8.0];
        for (got, want) in policy.contributions.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{:?}", policy.contributions);
        }
        assert_eq!(policy.beyond_grid_share, 0.0);
        let best = policy.best();
        assert_eq!(best.threshold, Some(2.0));
        assert!((best.value - 0.5).abs() < 1e-12);
        assert!((policy.value(None) - 0.0).abs() < 1e-12);
        assert!((policy.regret(None) - 0.5).abs() < 1e-12);
        assert!((policy.regret(Some(1.0)) - 0.25).abs() < 1e-12);
        assert!((policy.regret(Some(2.0))).abs() < 1e-12);
        assert_eq!(policy.curve()[0], 0.0);
    }

    #[test]
    fn shifting_a_param_moves_every_sample_by_the_same_amount() {
        let model = load(DETERMINISTIC.replace("k = \"2\"", "k = \"normal(2, 1)\"").as_str());
        let index = model.param_index("k").expect("declared");
        let shifted = shift_param(&model, index, 1.0);
        let before = Engine::new(&model).expect("compiles").param_samples(500, 9).expect("params");
        let after = Engine::new(&shifted).expect("compiles").param_samples(500, 9).expect("params");
        for (a, b) in before[index].iter().zip(&after[index]) {
            assert!((b - a - 1.0).abs() < 1e-12);
        }
    }
}
