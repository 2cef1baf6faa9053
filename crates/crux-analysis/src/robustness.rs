//! How robust the answer is to the model's judgement calls: where E[net]
//! turns negative, and P(net > 0) now, when one judgement-only param at a
//! time is held at the 10th or at the 90th percentile of its draws.
//!
//! A *judgement param* is a param whose `source` starts with "judgement"
//! (any case, after leading spaces) and whose value is random: it writes a
//! distribution of its own (it owns at least one of the engine's draws, as
//! [`Inputs`] counts them) and its draws are not all equal. A param computed
//! from other params, or a constant, is not one.
//!
//! For each, the model is run twice more with [`set_param`]: the param held
//! at its low value in every sample, then at its high value, every other
//! draw as it was (same seed, common random numbers). Each run gives the
//! mean crossing, the first grid point from which E[net] stays below zero
//! ([`stays_below`]), or `None` when it never does within the grid, and,
//! when the model says where "now" is (`[context] next_release` or
//! `open_now`), E[net] and P(net > 0) of a release now. The base row is the
//! model as drawn, with the same samples. Rows are sorted by the swing of
//! the crossing, largest first (a crossing beyond the grid counts as the
//! grid's end plus one step), ties by the swing of P(net > 0) now.
//!
//! Cost: one grid run and one probe run for the base, and for each side of
//! each judgement param.

use crate::inputs::{Inputs, Owner};
use crate::policy::set_param;
use crate::probe::{Capability, Probe, Quantity, run_probes};
use crate::threshold::stays_below;
use crux_engine::quantile::order_statistics;
use crux_engine::{Engine, RunOptions};
use crux_lang::{Diagnostics, hir};

/// The percentiles a judgement param is held at.
pub const LOW_PERCENTILE: f64 = 0.10;
/// See [`LOW_PERCENTILE`].
pub const HIGH_PERCENTILE: f64 = 0.90;

/// The most samples a report spends on each run of the robustness analysis.
pub const ROBUSTNESS_SAMPLES: usize = 20_000;

/// What one run of the model says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// The axis value from which E[net] stays negative; `None`: never within the grid.
    pub crossing: Option<f64>,
    /// E[net] of a release now (`None` for a model without "now").
    pub now_mean: Option<f64>,
    /// P(net > 0) of a release now.
    pub now_p_positive: Option<f64>,
}

/// One judgement param held at its low and at its high value.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The param's index in the model.
    pub param: usize,
    /// Its name.
    pub name: String,
    /// Its label, if it has one.
    pub label: Option<String>,
    /// Its 10th and 90th percentile over the run's draws.
    pub low: f64,
    pub high: f64,
    /// The model with the param held at `low`.
    pub at_low: Outcome,
    /// The model with the param held at `high`.
    pub at_high: Outcome,
}

impl Row {
    pub fn crossing_low(&self) -> Option<f64> {
        self.at_low.crossing
    }

    pub fn crossing_high(&self) -> Option<f64> {
        self.at_high.crossing
    }

    pub fn now_p_positive_low(&self) -> Option<f64> {
        self.at_low.now_p_positive
    }

    pub fn now_p_positive_high(&self) -> Option<f64> {
        self.at_high.now_p_positive
    }
}

/// The robustness analysis of a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Robustness {
    /// The axis grid the crossings are on.
    pub grid: Vec<f64>,
    /// Samples and seed of every run.
    pub samples: usize,
    pub seed: u64,
    /// Every param as drawn.
    pub base: Outcome,
    /// One row per judgement param, by decreasing swing.
    pub rows: Vec<Row>,
}

impl Robustness {
    /// The axis value that stands for "never within the grid" when swings
    /// are compared: the grid's end plus one step.
    pub fn beyond_grid(&self) -> f64 {
        beyond_grid(&self.grid)
    }

    /// How far the crossing moves between the low and the high value of a row.
    pub fn crossing_swing(&self, row: &Row) -> f64 {
        let beyond = self.beyond_grid();
        let key = |crossing: Option<f64>| crossing.unwrap_or(beyond);
        (key(row.at_high.crossing) - key(row.at_low.crossing)).abs()
    }

    /// The earliest and the latest crossing over the rows (both sides) and
    /// the base; `None` stands for "never within the grid" (later than any
    /// crossing on it).
    pub fn crossing_range(&self) -> (Option<f64>, Option<f64>) {
        let beyond = self.beyond_grid();
        let key = |crossing: &Option<f64>| crossing.unwrap_or(beyond);
        let crossings: Vec<Option<f64>> = std::iter::once(self.base.crossing)
            .chain(self.rows.iter().flat_map(|row| [row.at_low.crossing, row.at_high.crossing]))
            .collect();
        let min = crossings.iter().min_by(|a, b| key(a).total_cmp(&key(b))).copied().flatten();
        let max = crossings.iter().max_by(|a, b| key(a).total_cmp(&key(b))).copied().flatten();
        (min, max)
    }
}

fn beyond_grid(grid: &[f64]) -> f64 {
    match grid {
        [] => f64::INFINITY,
        [only] => *only + 1.0,
        [.., before, last] => *last + (*last - *before),
    }
}

/// Whether a param's source marks it as judgement alone.
pub fn is_judgement_source(source: Option<&str>) -> bool {
    source.is_some_and(|source| source.trim_start().to_lowercase().starts_with("judgement"))
}

/// The judgement params of the engine's model whose value is random, with
/// their draws (`params[param][sample]`, as [`Engine::param_samples`] gives them).
pub fn judgement_params(engine: &Engine, params: &[Vec<f64>]) -> Vec<usize> {
    let model = engine.model();
    let inputs = Inputs::of(engine);
    let owns_draw =
        |name: &str| inputs.factors.iter().any(|factor| factor.owner == Owner::Param && factor.name == name);
    (0..model.file.params.len())
        .filter(|index| {
            let param = &model.file.params[*index];
            let varies = params
                .get(*index)
                .is_some_and(|column| column.iter().any(|value| value.to_bits() != column[0].to_bits()));
            is_judgement_source(param.source.as_deref()) && owns_draw(&param.name.name) && varies
        })
        .collect()
}

/// The values a param is held at: the draws at ranks `round(p (n - 1))` for
/// p = 0.1 and 0.9 (values the param takes, so a 0/1 param is held at 0 or 1).
pub fn percentiles(column: &[f64]) -> (f64, f64) {
    let last = column.len().saturating_sub(1) as f64;
    let ranks = [(LOW_PERCENTILE * last).round() as usize, (HIGH_PERCENTILE * last).round() as usize];
    let values = order_statistics(&[column], &ranks);
    (values[0], values[1])
}

/// Runs the robustness analysis with the samples, seed, progress and
/// threading of `options` (which a report caps at [`ROBUSTNESS_SAMPLES`]).
/// A model without an axis of more than one point gets no crossings (every
/// crossing is `None`).
pub fn robustness(model: &hir::Model, options: &RunOptions) -> Result<Robustness, Diagnostics> {
    let engine = Engine::new(model)?;
    let options = RunOptions { keep_net: false, points: None, ..*options };
    let draws = engine.param_samples(options.samples, options.seed).map_err(|diagnostic| vec![diagnostic])?;
    let judgement = judgement_params(&engine, &draws);
    let base = outcome(model, &engine, &options)?;
    let mut rows = Vec::with_capacity(judgement.len());
    for index in judgement {
        let (low, high) = percentiles(&draws[index]);
        let side = |value: f64| -> Result<Outcome, Diagnostics> {
            let held = set_param(model, index, value);
            let engine = Engine::new(&held)?;
            outcome(&held, &engine, &options)
        };
        let param = &model.file.params[index];
        rows.push(Row {
            param: index,
            name: param.name.name.clone(),
            label: param.label.clone(),
            low,
            high,
            at_low: side(low)?,
            at_high: side(high)?,
        });
    }
    let mut robustness =
        Robustness { grid: engine.grid().to_vec(), samples: options.samples, seed: options.seed, base, rows };
    sort_rows(&mut robustness);
    Ok(robustness)
}

/// Sorts the rows by decreasing swing of the crossing, then of P(net > 0)
/// now, then by param order (a stable sort).
fn sort_rows(robustness: &mut Robustness) {
    let beyond = robustness.beyond_grid();
    let key = |crossing: Option<f64>| crossing.unwrap_or(beyond);
    let swings = |row: &Row| {
        let crossing = (key(row.at_high.crossing) - key(row.at_low.crossing)).abs();
        let now = match (row.at_low.now_p_positive, row.at_high.now_p_positive) {
            (Some(low), Some(high)) => (high - low).abs(),
            _ => 0.0,
        };
        (crossing, now)
    };
    robustness.rows.sort_by(|a, b| {
        let (a, b) = (swings(a), swings(b));
        b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1))
    });
}

/// The crossing and the values now of one model.
fn outcome(model: &hir::Model, engine: &Engine, options: &RunOptions) -> Result<Outcome, Diagnostics> {
    let crossing = if engine.grid().len() > 1 {
        let run = engine.run(options).map_err(|diagnostic| vec![diagnostic])?;
        let means: Vec<f64> = run.net.iter().map(|summary| summary.mean).collect();
        stays_below(&means, 0.0).map(|index| run.points[index])
    } else {
        None
    };
    let (now_mean, now_p_positive) = match model.file.outline.context.now() {
        Some(now) => {
            let probe = Probe::new(Capability::Expr(now.expr.clone()), Quantity::Net);
            let results = run_probes(model, &[probe], options)?;
            (Some(results.summaries[0].mean), Some(results.summaries[0].p_positive))
        }
        None => (None, None),
    };
    Ok(Outcome { crossing, now_mean, now_p_positive })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crux_lang::Sources;

    fn load(text: &str) -> hir::Model {
        let mut sources = Sources::new();
        let file = sources.add("robustness.toml", text);
        crux_lang::load(&mut sources, file).expect("loads")
    }

    /// net = k + 2 * hard + 0.1 - c on c = 0..6 step 0.5, with "now" at c = 1
    /// (the 0.1 keeps every E[net] away from zero at a grid point).
    /// `k` is uniform on (1, 3): its 10th and 90th percentiles are 1.2 and
    /// 2.8. `hard` is bernoulli(0.5): held at 0 and 1. `sourced` cites a
    /// reference (not judgement), `fixed` is a constant, `scaled` is computed
    /// from `k` (no draw of its own): none of the three is held.
    const MODEL: &str = r#"
[model]
id = "robustness-test"
[axis]
name = "c"
from = 0
to = 6
step = 0.5
[params]
k = { value = "uniform(1, 3)", source = "  Judgement: a guess" }
hard = { value = "bernoulli(0.5)", source = "judgement" }
tiny = { value = "uniform(0, 0.001)", source = "judgement: hardly matters" }
sourced = { value = "uniform(0, 0.001)", source = "a study" }
fixed = { value = "2", source = "judgement: a constant" }
scaled = { value = "k * 0", source = "judgement: derived" }
now_at = "1"
[mechanisms.gain]
side = "benefit"
effect = "k + 2 * hard + tiny + sourced + scaled + 0.1"
[mechanisms.loss]
side = "risk"
effect = "c"
[context]
open_now = "now_at"
"#;

    fn run(samples: usize) -> Robustness {
        robustness(&load(MODEL), &RunOptions::new(samples, 5)).expect("runs")
    }

    #[test]
    fn judgement_params_are_the_random_ones_marked_judgement() {
        let model = load(MODEL);
        let engine = Engine::new(&model).expect("compiles");
        let draws = engine.param_samples(2000, 1).expect("draws");
        let names: Vec<&str> = judgement_params(&engine, &draws)
            .into_iter()
            .map(|index| model.file.params[index].name.name.as_str())
            .collect();
        assert_eq!(names, ["k", "hard", "tiny"]);
        assert!(is_judgement_source(Some(" JUDGEMENT weighing")));
        assert!(!is_judgement_source(Some("[@a]; judgement")));
        assert!(!is_judgement_source(None));
    }

    #[test]
    fn crossings_and_values_now_of_a_known_model() {
        let result = run(20_000);
        assert_eq!(result.samples, 20_000);
        assert_eq!(result.grid.len(), 13);
        // E[net] = 2 + 1 + 0.1 - c < 0 from c = 3.5.
        assert_eq!(result.base.crossing, Some(3.5));
        let names: Vec<&str> = result.rows.iter().map(|row| row.name.as_str()).collect();
        // Swings of the crossing: hard 2, k 1.5, tiny 0.
        assert_eq!(names, ["hard", "k", "tiny"]);
        let hard = &result.rows[0];
        assert_eq!((hard.low, hard.high), (0.0, 1.0));
        // hard = 0: E[net] = 2.1 - c, negative from 2.5; hard = 1: 4.1 - c, from 4.5.
        assert_eq!((hard.crossing_low(), hard.crossing_high()), (Some(2.5), Some(4.5)));
        let k = &result.rows[1];
        assert!((k.low - 1.2).abs() < 0.02 && (k.high - 2.8).abs() < 0.02, "{} {}", k.low, k.high);
        // k = 1.2: E[net] = 2.3 - c, from 2.5; k = 2.8: 3.9 - c, from 4.
        assert_eq!((k.crossing_low(), k.crossing_high()), (Some(2.5), Some(4.0)));
        // Now (c = 1): net = k + 2 hard - 1 is positive for every sample when
        // k = 2.8 or hard = 1; with hard = 0, positive when k > 1: always.
        assert_eq!(hard.now_p_positive_high(), Some(1.0));
        let k_now = k.at_low.now_mean.expect("now");
        assert!((k_now - (1.2 + 1.0 + 0.1 - 1.0)).abs() < 0.05, "{k_now}");
        assert_eq!(result.crossing_range(), (Some(2.5), Some(4.5)));
        assert!((result.crossing_swing(hard) - 2.0).abs() < 1e-12);
        assert_eq!(result.crossing_swing(&result.rows[2]), 0.0);
    }

    #[test]
    fn never_within_the_grid_counts_as_beyond_its_end() {
        // With hard worth 10, holding hard at 1 never crosses within 0..6.
        let text = MODEL.replace("2 * hard", "10 * hard");
        let result = robustness(&load(&text), &RunOptions::new(5000, 2)).expect("runs");
        // E[net] = 7.1 - c: never negative within the grid.
        assert_eq!(result.base.crossing, None);
        let hard = &result.rows[0];
        assert_eq!(hard.name, "hard");
        assert_eq!((hard.crossing_low(), hard.crossing_high()), (Some(2.5), None));
        assert_eq!(result.beyond_grid(), 6.5);
        assert!((result.crossing_swing(hard) - 4.0).abs() < 1e-12);
        assert_eq!(result.crossing_range(), (Some(2.5), None));
    }

    #[test]
    fn a_model_without_axis_or_judgement_has_no_rows_to_cross() {
        let text = MODEL
            .replace("[axis]\nname = \"c\"\nfrom = 0\nto = 6\nstep = 0.5\n", "")
            .replace("effect = \"c\"", "effect = \"3\"");
        let result = robustness(&load(&text), &RunOptions::new(1000, 1)).expect("runs");
        assert!(result.rows.iter().all(|row| row.crossing_low().is_none() && row.crossing_high().is_none()));
        let none = MODEL
            .replace("Judgement: a guess", "a study")
            .replace("\"judgement\"", "\"a study\"")
            .replace("judgement: hardly", "a study: hardly");
        let result = robustness(&load(&none), &RunOptions::new(1000, 1)).expect("runs");
        assert!(result.rows.is_empty());
        assert_eq!(result.crossing_range(), (Some(3.5), Some(3.5)));
    }

    #[test]
    fn percentiles_are_draws() {
        let column: Vec<f64> = (0..101).map(f64::from).collect();
        assert_eq!(percentiles(&column), (10.0, 90.0));
        let flags = [0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
        assert_eq!(percentiles(&flags), (0.0, 1.0));
    }
}
