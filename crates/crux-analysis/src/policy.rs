//! Release policies: which capability threshold a regulator should set, and
//! how far the threshold moves when a param shifts.
//!
//! **Release rule.** The rule "open below T" lets a model be released openly
//! when its capability, as the rule measures it, is below `T`, and keeps it
//! closed otherwise (a closed release's marginal effect of openness is zero).
//! Its value is the expected net per frontier release over the years the
//! rule governs: in each sample, one release at every moment of the horizon
//! (`[context] horizon`, years), each the next open frontier release of its
//! year (`[context] next_release`), valued with the world of that year.
//!
//! - The years are taken in steps of [`YEAR_STEP`], at each step's middle.
//! - With `[context] years_ahead`, the model's own world moves: that param
//!   is set to each year, so the frontiers and actors of that year value the
//!   release, and `next_release` is that year's next release. Without it the
//!   world stays as it is now and the release advances by `growth` per year.
//! - A rule written in raw training FLOP measures less on an axis of
//!   effective compute as algorithms improve: with `[context] rule_drift`
//!   (axis units per year), a release of capability `x` in year `y` counts as
//!   `x - rule_drift * y` for the rule.
//! - Each release is evaluated at its own capability (the model's formulas
//!   hold beyond the grid); the share of releases beyond the grid's end is
//!   reported, and only "no threshold" opens those.
//!
//! The best `T` on the grid maximises the expected value; the regret of
//! another rule is what it loses against the best.
//!
//! **Param shift.** [`shift_param`] adds a constant to one param in every
//! sample (the same draws, moved), so that re-running with the same seed
//! shows the effect of that change alone; [`set_param`] holds a param at a
//! value in every sample.

use crate::probe::{Capability, Probe, Quantity, run_probes, stream_probes};
use crux_engine::RunOptions;
use crux_lang::ast::{self, BinaryOp};
use crux_lang::hir::{self, ExprKind};
use crux_lang::{Diagnostic, Diagnostics};

/// The years between the release moments a rule is valued at.
pub const YEAR_STEP: f64 = 0.25;

/// The longest horizon a release rule is valued over, in years.
pub const MAX_HORIZON_YEARS: f64 = 25.0;

/// The frontier releases a rule governs, as a model's `[context]` states them.
#[derive(Debug, Clone)]
pub struct ReleaseSchedule {
    /// The capability of the next open frontier release (per sample).
    pub next_release: ast::Expr,
    /// Growth of the open frontier, in axis units per year (used when the
    /// model's world does not move with `years_ahead`).
    pub growth: ast::Expr,
    /// The years of releases the rule governs (per sample).
    pub horizon: ast::Expr,
    /// Axis units per year by which a rule's threshold moves up the axis.
    pub rule_drift: Option<ast::Expr>,
    /// The param that sets the year of the model's world.
    pub years_ahead: Option<usize>,
}

/// The value of "open below T" for every T on the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleasePolicy {
    /// The axis grid: the candidate thresholds.
    pub grid: Vec<f64>,
    /// Expected net per release (in the model's unit) contributed by the
    /// releases that the rule measures below the grid's first point (index
    /// 0), between grid points `k - 1` and `k` (index `k`), and at or beyond
    /// its last point (the last index), averaged over samples.
    pub contributions: Vec<f64>,
    /// Share of the releases whose capability lies beyond the grid's end.
    pub beyond_grid_share: f64,
    /// The largest horizon over the samples, in years.
    pub longest_horizon: f64,
}

/// The threshold with the highest expected value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Best {
    /// `None`: no threshold (open everything) is best.
    pub threshold: Option<f64>,
    pub value: f64,
}

/// One frontier release of one sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Release {
    /// Its capability on the axis.
    pub capability: f64,
    /// Its capability as the rule measures it.
    pub rule_capability: f64,
    /// Its net effect.
    pub net: f64,
    /// Its share of the sample's releases.
    pub weight: f64,
}

impl ReleasePolicy {
    /// Values the rules on `grid` over the releases of `samples` samples.
    pub fn from_releases(grid: &[f64], samples: usize, releases: impl IntoIterator<Item = Release>) -> Self {
        let mut tally = RuleTally::new(grid, samples);
        for release in releases {
            tally.add(&release);
        }
        tally.policy()
    }

    /// The expected value of "open below `threshold`"; `None` is no
    /// threshold. A threshold is taken at its nearest grid point.
    pub fn value(&self, threshold: Option<f64>) -> f64 {
        match threshold {
            None => self.contributions.iter().sum(),
            Some(threshold) => self.contributions[..=self.nearest(threshold)].iter().sum(),
        }
    }

    /// The grid index nearest `threshold`.
    fn nearest(&self, threshold: f64) -> usize {
        let after = self.grid.partition_point(|point| *point < threshold);
        match (after.checked_sub(1), self.grid.get(after)) {
            (Some(before), Some(next)) if threshold - self.grid[before] < next - threshold => before,
            (Some(before), None) => before,
            _ => after,
        }
    }

    /// The value of "open below T" for every T on the grid, in grid order.
    pub fn curve(&self) -> Vec<f64> {
        let mut total = 0.0;
        self.contributions[..self.grid.len()]
            .iter()
            .map(|contribution| {
                total += contribution;
                total
            })
            .collect()
    }

    /// The best threshold on the grid, or none.
    pub fn best(&self) -> Best {
        let mut best = Best { threshold: None, value: self.value(None) };
        for (x, value) in self.grid.iter().zip(self.curve()) {
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

/// The releases' contributions to the value of each rule, counted one
/// release at a time (so that no release need be kept).
struct RuleTally<'g> {
    grid: &'g [f64],
    contributions: Vec<f64>,
    beyond: f64,
    last: f64,
    scale: f64,
}

impl<'g> RuleTally<'g> {
    fn new(grid: &'g [f64], samples: usize) -> Self {
        RuleTally {
            grid,
            contributions: vec![0.0; grid.len() + 1],
            beyond: 0.0,
            last: grid.last().copied().unwrap_or(f64::INFINITY),
            scale: 1.0 / samples.max(1) as f64,
        }
    }

    fn add(&mut self, release: &Release) {
        // The number of grid points at or below the release: "open below
        // grid[k]" opens it when k is greater (with a tolerance, so that
        // T = 25 keeps a release measured at 25.000000000000004 closed).
        let bucket = self.grid.partition_point(|point| *point <= release.rule_capability + 1e-9);
        self.contributions[bucket] += release.weight * release.net * self.scale;
        if release.capability > self.last + 1e-9 {
            self.beyond += release.weight * self.scale;
        }
    }

    fn policy(self) -> ReleasePolicy {
        ReleasePolicy {
            grid: self.grid.to_vec(),
            contributions: self.contributions,
            beyond_grid_share: self.beyond,
            longest_horizon: 0.0,
        }
    }
}

/// Values "open below T" for every T on `grid`: runs the model once per
/// step of [`YEAR_STEP`] over the longest horizon, with the samples, seed and
/// threading of `options` (common random numbers: sample `i` is sample `i` of
/// the grid run). The horizon of each sample is computed first; a caller
/// that holds it already passes it to [`value_release_rules_over`].
pub fn value_release_rules(
    model: &hir::Model,
    grid: &[f64],
    schedule: &ReleaseSchedule,
    options: &RunOptions,
) -> Result<ReleasePolicy, Diagnostics> {
    let horizons = run_probes(model, &[Probe::value(&schedule.horizon)], options)?.values.swap_remove(0);
    value_release_rules_over(model, grid, schedule, &horizons, options)
}

/// [`value_release_rules`] with each sample's horizon given (`horizons[i]`
/// is sample `i`'s `schedule.horizon`). Each step's releases are valued block
/// by block as the engine makes them, so that memory does not grow with the
/// samples beyond `horizons`.
pub fn value_release_rules_over(
    model: &hir::Model,
    grid: &[f64],
    schedule: &ReleaseSchedule,
    horizons: &[f64],
    options: &RunOptions,
) -> Result<ReleasePolicy, Diagnostics> {
    if let Some(bad) = horizons.iter().find(|years| !(years.is_finite() && **years > 0.0)) {
        return Err(vec![
            Diagnostic::error(format!("the horizon of a release rule must be a positive number of years, not {bad}"))
                .at(schedule.horizon.span),
        ]);
    }
    let longest = horizons.iter().copied().fold(0.0, f64::max);
    if longest > MAX_HORIZON_YEARS {
        return Err(vec![
            Diagnostic::error(format!(
                "the horizon of a release rule reaches {longest:.1} years; at most {MAX_HORIZON_YEARS} are valued"
            ))
            .at(schedule.horizon.span),
        ]);
    }
    let steps = (longest / YEAR_STEP).ceil() as usize;
    let samples = horizons.len();
    let mut policy = RuleTally::new(grid, samples).policy();
    for step in 0..steps {
        let (start, year) = (step as f64 * YEAR_STEP, (step as f64 + 0.5) * YEAR_STEP);
        let (world, capability) = match schedule.years_ahead {
            Some(param) => (set_param(model, param, year), schedule.next_release.clone()),
            None => (model.clone(), plus_growth(&schedule.next_release, &schedule.growth, year)),
        };
        let mut probes =
            vec![Probe::new(Capability::Expr(capability.clone()), Quantity::Net), Probe::value(&capability)];
        if let Some(drift) = &schedule.rule_drift {
            probes.push(Probe::value(drift));
        }
        let mut part = RuleTally::new(grid, samples);
        let mut offset = 0;
        stream_probes(&world, &probes, &RunOptions { samples, ..*options }, |columns| {
            let (net, capabilities) = (columns[0], columns[1]);
            for (lane, horizon) in horizons[offset..offset + net.len()].iter().enumerate() {
                let weight = ((start + YEAR_STEP).min(*horizon) - start).max(0.0) / horizon;
                if weight > 0.0 {
                    let capability = capabilities[lane];
                    let drift = columns.get(2).map_or(0.0, |drift| drift[lane]);
                    part.add(&Release {
                        capability,
                        rule_capability: capability - drift * year,
                        net: net[lane],
                        weight,
                    });
                }
            }
            offset += net.len();
        })?;
        for (total, value) in policy.contributions.iter_mut().zip(&part.contributions) {
            *total += value;
        }
        policy.beyond_grid_share += part.beyond;
    }
    policy.longest_horizon = longest;
    Ok(policy)
}

/// `release + growth * years`.
fn plus_growth(release: &ast::Expr, growth: &ast::Expr, years: f64) -> ast::Expr {
    let span = release.span;
    let binary = |op, lhs: ast::Expr, rhs: ast::Expr| ast::Expr {
        kind: ast::ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) },
        span,
    };
    let years = ast::Expr { kind: ast::ExprKind::Number(years), span };
    binary(BinaryOp::Add, release.clone(), binary(BinaryOp::Mul, growth.clone(), years))
}

/// The model with param `param` equal to `value` in every sample (its own
/// draws removed; every other draw keeps its random stream).
pub fn set_param(model: &hir::Model, param: usize, value: f64) -> hir::Model {
    let mut held = model.clone();
    let span = held.params[param].span;
    held.params[param] = hir::Expr { kind: ExprKind::Number(value), span };
    held
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

    /// net = 2 - c + k * years_ahead with k = 0 (a static world) or k = 1
    /// (a world whose benefit grows with time); the next release is at
    /// `years_ahead` when the world moves, else it starts at 0 and grows by 1
    /// a year; the rule governs 4 years of releases.
    fn text(moving: bool) -> String {
        let (k, release, years_ahead) =
            if moving { ("1", "years_ahead", "years_ahead = \"years_ahead\"\n") } else { ("0", "start", "") };
        format!(
            r#"
[model]
id = "deterministic"
[axis]
name = "c"
from = 0
to = 4
step = 1
[params]
k = "{k}"
start = "0"
years_ahead = "0"
growth = "1"
horizon = "4"
drift = "0.5"
[mechanisms.gain]
side = "benefit"
effect = "2 + k * years_ahead"
[mechanisms.loss]
side = "risk"
effect = "c"
[context]
next_release = "{release}"
growth = "growth"
horizon = "horizon"
{years_ahead}"#
        )
    }

    fn model(moving: bool) -> hir::Model {
        load(&text(moving))
    }

    fn schedule(model: &hir::Model, drift: bool) -> ReleaseSchedule {
        let context = &model.file.outline.context;
        ReleaseSchedule {
            next_release: context.next_release.as_ref().expect("set").expr.clone(),
            growth: context.growth.as_ref().expect("set").expr.clone(),
            horizon: context.horizon.as_ref().expect("set").expr.clone(),
            rule_drift: drift.then(|| crux_lang::parser::parse_expr("drift", crux_lang::FileId(0), 0).expect("parses")),
            years_ahead: context.years_ahead.as_ref().and_then(|param| model.param_index(&param.name)),
        }
    }

    #[test]
    fn the_best_threshold_of_a_known_model() {
        // Sixteen releases, at 0.125, 0.375, ..., 3.875, each with net 2 - x
        // and a sixteenth of the weight.
        let model = model(false);
        let grid = [0.0, 1.0, 2.0, 3.0, 4.0];
        let policy =
            value_release_rules(&model, &grid, &schedule(&model, false), &RunOptions::new(100, 1)).expect("values");
        assert_eq!(policy.longest_horizon, 4.0);
        let expected = [0.0, 6.0 / 16.0, 2.0 / 16.0, -2.0 / 16.0, -6.0 / 16.0, 0.0];
        for (got, want) in policy.contributions.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{:?}", policy.contributions);
        }
        assert_eq!(policy.beyond_grid_share, 0.0);
        let best = policy.best();
        assert_eq!(best.threshold, Some(2.0));
        assert!((best.value - 0.5).abs() < 1e-12);
        assert!(policy.value(None).abs() < 1e-12);
        assert!((policy.regret(None) - 0.5).abs() < 1e-12);
        assert!((policy.regret(Some(1.0)) - 0.125).abs() < 1e-12);
        assert!((policy.regret(Some(3.0)) - 0.125).abs() < 1e-12);
        assert!(policy.regret(Some(2.1)).abs() < 1e-12, "a threshold is taken at its nearest grid point");
        assert_eq!(policy.curve()[0], 0.0);
    }

    #[test]
    fn a_rule_in_raw_flop_drifts_up_the_axis() {
        // The rule measures a release in year y at x - 0.5 y = 0.5 y: "open
        // below 1" opens the first two years, whose releases are at x < 2.
        let model = model(false);
        let grid = [0.0, 1.0, 2.0, 3.0, 4.0];
        let policy =
            value_release_rules(&model, &grid, &schedule(&model, true), &RunOptions::new(50, 2)).expect("values");
        assert!((policy.value(Some(1.0)) - 0.5).abs() < 1e-12, "{:?}", policy.contributions);
        assert!((policy.value(Some(2.0)) - 0.0).abs() < 1e-12);
        assert_eq!(policy.best().threshold, Some(1.0));
    }

    #[test]
    fn a_moving_world_values_each_release_with_its_year() {
        // net = 2 - y + y = 2 for every release: open everything.
        let model = model(true);
        let grid = [0.0, 1.0, 2.0, 3.0];
        let policy =
            value_release_rules(&model, &grid, &schedule(&model, false), &RunOptions::new(50, 3)).expect("values");
        assert!((policy.value(None) - 2.0).abs() < 1e-12, "{:?}", policy.contributions);
        assert_eq!(policy.best().threshold, None);
        // Releases in the last year are at x in (3, 4): beyond the grid's end.
        assert!((policy.beyond_grid_share - 0.25).abs() < 1e-12, "{}", policy.beyond_grid_share);
        assert!((policy.contributions[4] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_horizon_that_is_not_a_positive_number_of_years_is_an_error() {
        let model = load(&text(false).replace(r#"horizon = "4""#, r#"horizon = "normal(1, 1)""#));
        let error = value_release_rules(&model, &[0.0, 1.0], &schedule(&model, false), &RunOptions::new(100, 1))
            .expect_err("some horizons are negative");
        assert!(error[0].message.contains("positive number of years"), "{}", error[0].message);
    }

    #[test]
    fn holding_a_param_leaves_the_other_draws_alone() {
        let text = text(false)
            .replace(r#"k = "0""#, r#"k = "normal(2, 1)""#)
            .replace(r#"start = "0""#, r#"start = "uniform(0, 1)""#);
        let model = load(&text);
        let held = set_param(&model, model.param_index("k").expect("declared"), 5.0);
        let before = Engine::new(&model).expect("compiles").param_samples(300, 4).expect("params");
        let after = Engine::new(&held).expect("compiles").param_samples(300, 4).expect("params");
        let (k, start) = (model.param_index("k").expect("k"), model.param_index("start").expect("start"));
        assert!(after[k].iter().all(|value| *value == 5.0));
        assert_eq!(before[start], after[start]);
    }

    #[test]
    fn shifting_a_param_moves_every_sample_by_the_same_amount() {
        let model = load(&text(false).replace(r#"k = "0""#, r#"k = "normal(2, 1)""#));
        let index = model.param_index("k").expect("declared");
        let shifted = shift_param(&model, index, 1.0);
        let before = Engine::new(&model).expect("compiles").param_samples(500, 9).expect("params");
        let after = Engine::new(&shifted).expect("compiles").param_samples(500, 9).expect("params");
        for (a, b) in before[index].iter().zip(&after[index]) {
            assert!((b - a - 1.0).abs() < 1e-12);
        }
    }
}
