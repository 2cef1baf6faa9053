//! The capability threshold: where open release turns net negative.
//!
//! Three readings, all on the axis grid and all defined the same way, as the
//! first grid point from which a curve stays below its level to the end of
//! the grid:
//! - the **mean crossing**: where E[net] stays below 0;
//! - the **median crossing**: where the median of net stays below 0. (Not
//!   "P(net > 0) below 0.5": where net is exactly 0 in most samples, as below
//!   a model's open frontier, P(net > 0) is below 0.5 without net being negative.)
//! - the **per-sample threshold**: for each sample, the first grid point from
//!   which that sample's net stays negative ([`Crossings`], found by the
//!   engine block by block as it runs, without keeping net values). A sample
//!   whose net is still non-negative at the end of the grid "never" crosses
//!   and counts as beyond the grid's end (+infinity): the quantiles are over
//!   all samples, and a quantile that lands beyond the grid is `None`. The
//!   quantiles over only the samples that cross are kept apart, under a name
//!   that says so ([`SampleThreshold::capability_if_crossing`]).
//!
//! With a context (the open frontier now, the year now, the frontier's growth
//! per year, one value per sample), a capability also gets the year in which
//! the open frontier reaches it: `year_now + (capability - open_now) / growth`.
//! A capability the frontier has already reached is [`Year::Passed`] rather
//! than a year in the past, and one it never reaches (or a threshold beyond
//! the grid) is [`Year::Beyond`].
//!
//! This is the one definition of the threshold: the report, its JSON, `crux
//! plot` and the web page all read this struct.

use crate::stats::Summary;
use crux_engine::{Crossings, PointSummary};

/// The first index from which every value is below `level`; `None` when the
/// last value is not below it.
pub fn stays_below(values: &[f64], level: f64) -> Option<usize> {
    let mut index = values.len();
    while index > 0 && values[index - 1] < level {
        index -= 1;
    }
    (index < values.len()).then_some(index)
}

/// Per-sample values of "now", for turning capabilities into years.
#[derive(Debug, Clone, Copy)]
pub struct Timeline<'a> {
    /// The capability of the open frontier now.
    pub open_now: &'a [f64],
    /// The year of "now".
    pub year_now: &'a [f64],
    /// Growth of the open frontier, in axis units per year.
    pub growth: &'a [f64],
}

impl Timeline<'_> {
    /// The year in which sample `sample`'s open frontier reaches `capability`;
    /// `None` if it never does (no growth, and the frontier is below it).
    pub fn year(&self, sample: usize, capability: f64) -> Option<f64> {
        let gap = capability - self.open_now[sample];
        let growth = self.growth[sample];
        if gap <= 0.0 && growth <= 0.0 {
            return Some(self.year_now[sample]);
        }
        (growth > 0.0).then(|| self.year_now[sample] + gap / growth)
    }

    /// Sample `sample`'s year for `capability` on the line of [`quantile`]:
    /// -infinity when the open frontier has already reached it (the year is
    /// not after the year now), +infinity when it never does.
    fn year_key(&self, sample: usize, capability: f64) -> f64 {
        match self.year(sample, capability) {
            Some(year) if year <= self.year_now[sample] => f64::NEG_INFINITY,
            Some(year) => year,
            None => f64::INFINITY,
        }
    }

    /// The year the open frontier reaches `capability`, over all samples.
    pub fn years(&self, capability: f64) -> Quantiles<Year> {
        let mut keys: Vec<f64> = (0..self.open_now.len()).map(|sample| self.year_key(sample, capability)).collect();
        Quantiles::of(&mut keys).map(Year::from_key)
    }
}

/// The 5%, 50% and 95% quantiles of a per-sample value over all samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantiles<T> {
    /// The 5% quantile.
    pub p05: T,
    /// The median.
    pub p50: T,
    /// The 95% quantile.
    pub p95: T,
}

impl Quantiles<f64> {
    /// The quantiles of `values` (reordered in place; may hold ±infinity),
    /// by [`quantile`]; NaN for no values. Only the order statistics the
    /// quantiles need are selected, without sorting or copying `values`.
    fn of(values: &mut [f64]) -> Quantiles<f64> {
        let mut ranks: Vec<usize> = [0.05, 0.5, 0.95]
            .iter()
            .flat_map(|q| {
                let (low, high) = ranks_around(values.len(), *q);
                [low, high]
            })
            .collect();
        ranks.sort_unstable();
        ranks.dedup();
        // Each selection leaves every later rank in the part after it.
        let mut selected = Vec::with_capacity(ranks.len());
        let mut start = 0;
        let len = values.len();
        for rank in ranks.iter().copied().filter(|rank| *rank < len) {
            let (_, value, _) = values[start..].select_nth_unstable_by(rank - start, f64::total_cmp);
            selected.push((rank, *value));
            start = rank + 1;
        }
        let at = |rank: usize| selected.iter().find(|(r, _)| *r == rank).map_or(f64::NAN, |(_, value)| *value);
        Quantiles::by_rank(len, at)
    }

    /// The quantiles of `len` sorted values whose `rank`-th is `at(rank)`.
    fn by_rank(len: usize, at: impl Fn(usize) -> f64) -> Quantiles<f64> {
        let q = |q| quantile_by(len, &at, q);
        Quantiles { p05: q(0.05), p50: q(0.5), p95: q(0.95) }
    }
}

impl<T> Quantiles<T> {
    /// Each quantile through `f`.
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Quantiles<U> {
        Quantiles { p05: f(self.p05), p50: f(self.p50), p95: f(self.p95) }
    }
}

/// The `q` quantile of sorted values that may hold ±infinity, by numpy's
/// linear interpolation between the two order statistics around rank
/// `(n - 1) q`. Between a finite value and an infinite one the infinite one
/// wins (as in arithmetic on the extended line); between -infinity and
/// +infinity, the nearer rank. NaN for no values.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    quantile_by(sorted.len(), |rank| sorted[rank], q)
}

/// The two ranks [`quantile`] interpolates between for `len` values.
fn ranks_around(len: usize, q: f64) -> (usize, usize) {
    let rank = (len.max(1) - 1) as f64 * q.clamp(0.0, 1.0);
    let low = rank.floor() as usize;
    (low, (low + 1).min(len.max(1) - 1))
}

/// [`quantile`] of `len` sorted values whose `rank`-th is `at(rank)`.
fn quantile_by(len: usize, at: impl Fn(usize) -> f64, q: f64) -> f64 {
    if len == 0 {
        return f64::NAN;
    }
    let rank = (len - 1) as f64 * q.clamp(0.0, 1.0);
    let (low, high) = ranks_around(len, q);
    let fraction = rank - low as f64;
    let (a, b) = (at(low), at(high));
    if fraction == 0.0 || a == b {
        a
    } else if a.is_finite() && b.is_finite() {
        a + (b - a) * fraction
    } else if a == f64::NEG_INFINITY && b == f64::INFINITY {
        if fraction < 0.5 { a } else { b }
    } else if b == f64::INFINITY {
        b
    } else {
        a
    }
}

/// The `rank`-th of the sorted per-sample thresholds: `counts[k]` samples
/// at `grid[k]` (in grid order), then every other sample at +infinity.
fn threshold_at_rank(grid: &[f64], counts: &[usize], rank: usize) -> f64 {
    let mut below = 0;
    for (point, count) in grid.iter().zip(counts) {
        below += count;
        if rank < below {
            return *point;
        }
    }
    f64::INFINITY
}

/// A quantile of the year in which the open frontier reaches a threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Year {
    /// The open frontier has already reached it: not a forecast.
    Passed,
    /// In this year (after the year now).
    In(f64),
    /// Never within the grid: the threshold is beyond the grid's end, or the
    /// open frontier does not grow.
    Beyond,
}

impl Year {
    fn from_key(key: f64) -> Year {
        if key == f64::NEG_INFINITY {
            Year::Passed
        } else if key == f64::INFINITY || key.is_nan() {
            Year::Beyond
        } else {
            Year::In(key)
        }
    }

    /// The year, when it is one.
    pub fn value(self) -> Option<f64> {
        match self {
            Year::In(year) => Some(year),
            Year::Passed | Year::Beyond => None,
        }
    }
}

/// The per-sample threshold, summarised over all samples.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleThreshold {
    /// How many samples.
    pub samples: usize,
    /// Share of samples whose net is not negative at the end of the grid
    /// ("never" within the grid: counted as beyond its end).
    pub never_share: f64,
    /// Share of samples whose net is negative across the whole grid.
    pub from_start_share: f64,
    /// How many samples have their threshold at each grid point (the
    /// histogram; the rest, `never_share`, are beyond the grid).
    pub counts: Vec<usize>,
    /// The threshold (axis value) over all samples, "never" counted as
    /// beyond the grid's end; `None` for a quantile beyond the grid.
    pub capability: Quantiles<Option<f64>>,
    /// The threshold among the samples that cross only (conditional on
    /// crossing; `None` when none does). Say so wherever it is shown.
    pub capability_if_crossing: Option<Summary>,
    /// The year each sample's open frontier reaches its threshold, over all
    /// samples (without a timeline, `None`).
    pub year: Option<Quantiles<Year>>,
    /// Share of samples whose threshold their open frontier has already
    /// reached now (without a timeline, `None`).
    pub passed_share: Option<f64>,
}

/// Every reading of the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The axis grid.
    pub grid: Vec<f64>,
    /// Grid index from which E[net] stays negative.
    pub mean_crossing: Option<usize>,
    /// Grid index from which the median of net stays negative.
    pub median_crossing: Option<usize>,
    /// The year the open frontier reaches the mean crossing, over samples.
    pub mean_crossing_year: Option<Quantiles<Year>>,
    /// The per-sample threshold.
    pub sample: SampleThreshold,
}

impl Threshold {
    /// Analyses a run over the whole grid with each sample's crossing.
    pub fn new(
        grid: &[f64],
        summaries: &[PointSummary],
        crossings: &Crossings,
        timeline: Option<&Timeline>,
    ) -> Threshold {
        let means: Vec<f64> = summaries.iter().map(|summary| summary.mean).collect();
        let medians: Vec<f64> = summaries.iter().map(|summary| summary.p50).collect();
        let mean_crossing = stays_below(&means, 0.0);
        let median_crossing = stays_below(&medians, 0.0);
        // Each sample's threshold is a grid point or "never": the counts per
        // point give every order statistic, so no per-sample value is copied.
        let samples = crossings.len();
        let mut counts = vec![0usize; grid.len()];
        let mut crossed_sum = 0.0;
        for index in crossings.iter().flatten() {
            counts[index] += 1;
            crossed_sum += grid[index];
        }
        let crossed: usize = counts.iter().sum();
        let capability = Quantiles::by_rank(samples, |rank| threshold_at_rank(grid, &counts, rank))
            .map(|value| value.is_finite().then_some(value));
        let capability_if_crossing = (crossed > 0).then(|| {
            let quantiles = Quantiles::by_rank(crossed, |rank| threshold_at_rank(grid, &counts, rank));
            Summary {
                mean: crossed_sum / crossed as f64,
                p05: quantiles.p05,
                p50: quantiles.p50,
                p95: quantiles.p95,
                count: crossed,
            }
        });
        let (year, passed_share) = match timeline {
            Some(timeline) => {
                let mut keys: Vec<f64> = crossings
                    .iter()
                    .enumerate()
                    .map(|(sample, index)| index.map_or(f64::INFINITY, |index| timeline.year_key(sample, grid[index])))
                    .collect();
                let passed = keys.iter().filter(|key| **key == f64::NEG_INFINITY).count();
                (Some(Quantiles::of(&mut keys).map(Year::from_key)), Some(share(passed, samples)))
            }
            None => (None, None),
        };
        Threshold {
            grid: grid.to_vec(),
            mean_crossing,
            median_crossing,
            mean_crossing_year: mean_crossing.zip(timeline).map(|(index, timeline)| timeline.years(grid[index])),
            sample: SampleThreshold {
                samples,
                never_share: share(samples - crossed, samples),
                from_start_share: share(counts.first().copied().unwrap_or(0), samples),
                counts,
                capability,
                capability_if_crossing,
                year,
                passed_share,
            },
        }
    }

    /// The axis value from which E[net] stays negative.
    pub fn mean_crossing_value(&self) -> Option<f64> {
        self.mean_crossing.map(|index| self.grid[index])
    }

    /// The axis value from which the median of net stays negative.
    pub fn median_crossing_value(&self) -> Option<f64> {
        self.median_crossing.map(|index| self.grid[index])
    }

    /// The grid's end: a quantile beyond it is "beyond" this value.
    pub fn grid_end(&self) -> f64 {
        self.grid.last().copied().unwrap_or(f64::NAN)
    }
}

/// `count` as a share of `total` (NaN for no samples).
fn share(count: usize, total: usize) -> f64 {
    if total == 0 { f64::NAN } else { count as f64 / total as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crux_engine::{Engine, RunOptions};
    use crux_lang::Sources;

    #[test]
    fn quantiles_count_infinities_as_beyond() {
        let mut values = vec![f64::INFINITY, 1.0, 2.0, 3.0];
        let quantiles = Quantiles::of(&mut values);
        assert_eq!(values, [1.0, 2.0, 3.0, f64::INFINITY]);
        // Ranks 0.15, 1.5 and 2.85: the last interpolates towards +infinity.
        assert_eq!(quantiles, Quantiles { p05: 1.15, p50: 2.5, p95: f64::INFINITY });
        let mut passed = vec![f64::NEG_INFINITY, f64::NEG_INFINITY, 5.0];
        assert_eq!(Quantiles::of(&mut passed).map(Year::from_key).p50, Year::Passed);
        assert_eq!(quantile(&[f64::NEG_INFINITY, f64::INFINITY], 0.4), f64::NEG_INFINITY);
        assert_eq!(quantile(&[f64::NEG_INFINITY, f64::INFINITY], 0.6), f64::INFINITY);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn selected_and_counted_quantiles_equal_those_of_the_sorted_values() {
        // Values with repeats and both infinities, in a scrambled order.
        let values: Vec<f64> = (0..1001)
            .map(|i| match (i * 7919) % 1001 {
                k if k < 40 => f64::NEG_INFINITY,
                k if k > 930 => f64::INFINITY,
                k => (k % 37) as f64 * 0.5,
            })
            .collect();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let expected = |sorted: &[f64]| [0.05, 0.5, 0.95].map(|q| quantile(sorted, q));
        for len in [1, 2, 3, 20, 1001] {
            let mut part = values[..len].to_vec();
            let mut part_sorted = part.clone();
            part_sorted.sort_by(f64::total_cmp);
            let got = Quantiles::of(&mut part);
            assert_eq!([got.p05, got.p50, got.p95].map(f64::to_bits), expected(&part_sorted).map(f64::to_bits));
        }
        // Per-sample thresholds as counts per grid point, the rest never.
        let grid = [23.0, 23.5, 24.0, 30.0];
        let counts = [3, 0, 5, 1];
        let never = 4;
        let mut expanded: Vec<f64> =
            grid.iter().zip(counts).flat_map(|(point, count)| std::iter::repeat_n(*point, count)).collect();
        expanded.extend(std::iter::repeat_n(f64::INFINITY, never));
        let counted = Quantiles::by_rank(expanded.len(), |rank| threshold_at_rank(&grid, &counts, rank));
        assert_eq!([counted.p05, counted.p50, counted.p95], expected(&expanded));
    }

    #[test]
    fn stays_below_finds_the_last_crossing() {
        assert_eq!(stays_below(&[3.0, 1.0, -1.0, -2.0], 0.0), Some(2));
        assert_eq!(stays_below(&[3.0, -1.0, 1.0, -2.0], 0.0), Some(3));
        assert_eq!(stays_below(&[-3.0, -1.0], 0.0), Some(0));
        assert_eq!(stays_below(&[-3.0, 0.0], 0.0), None);
        assert_eq!(stays_below(&[], 0.0), None);
    }

    /// net = k - c with k uniform on (1, 3) and c on 0..4 step 0.5: each
    /// sample crosses at the first grid point above k; the mean crossing is
    /// where E[net] = 2 - c < 0, from c = 2.5.
    const LINEAR: &str = r#"
[model]
id = "linear"
[axis]
name = "c"
from = 0
to = 4
step = 0.5
[params]
k = "uniform(1, 3)"
never = "bernoulli(0.2)"
[mechanisms.gain]
side = "benefit"
effect = "k + never * 100"
[mechanisms.loss]
side = "risk"
effect = "c"
"#;

    #[test]
    fn thresholds_of_a_model_with_known_answers() {
        let mut sources = Sources::new();
        let file = sources.add("linear.toml", LINEAR);
        let model = crux_lang::load(&mut sources, file).expect("loads");
        let engine = Engine::new(&model).expect("compiles");
        let samples = 20_000;
        let output = engine.run(&RunOptions { crossings: true, ..RunOptions::new(samples, 3) }).expect("runs");
        let crossings = output.crossings.as_ref().expect("found");
        let params = engine.param_samples(samples, 3).expect("params");
        // The open frontier is at 1 now and grows by 0.5 per year from 2026.
        let open_now = vec![1.0; samples];
        let year_now = vec![2026.0; samples];
        let growth = vec![0.5; samples];
        let timeline = Timeline { open_now: &open_now, year_now: &year_now, growth: &growth };
        let threshold = Threshold::new(engine.grid(), &output.net, crossings, Some(&timeline));
        // Per sample: the first grid point above k, or never.
        for (sample, index) in crossings.iter().enumerate() {
            let (k, never) = (params[0][sample], params[1][sample]);
            let expected = (never == 0.0).then(|| ((k / 0.5).floor() as usize) + 1);
            assert_eq!(index, expected, "sample {sample}: k = {k}");
        }
        // E[net] = 2 + 20 - c: never negative on this grid. The median of net
        // is where 0.8 P(k - c <= m) = 0.5, m = 2.25 - c: negative from c = 2.5.
        assert_eq!(threshold.mean_crossing, None);
        assert_eq!(threshold.median_crossing_value(), Some(2.5));
        let sample = &threshold.sample;
        assert!((sample.never_share - 0.2).abs() < 0.01, "{}", sample.never_share);
        assert_eq!(sample.from_start_share, 0.0);
        assert_eq!(
            sample.counts.iter().sum::<usize>() + (sample.never_share * samples as f64).round() as usize,
            samples
        );
        // Over all samples, "never" beyond the grid: 1.5, 2, 2.5 and 3 with
        // weight 0.2 each and beyond with 0.2, so the median is 2.5 and the
        // 95% quantile beyond the grid.
        assert_eq!(sample.capability, Quantiles { p05: Some(1.5), p50: Some(2.5), p95: None });
        // Among the samples that cross only: 1.5 to 3, median between 2 and 2.5.
        let crossing = sample.capability_if_crossing.expect("some samples cross");
        assert!((2.0..=2.5).contains(&crossing.p50), "{crossing:?}");
        assert_eq!((crossing.p05, crossing.p95), (1.5, 3.0));
        // Threshold 1.5 is reached in 2027, 2.5 in 2029; beyond the grid never.
        let year = sample.year.expect("years");
        assert_eq!(year, Quantiles { p05: Year::In(2027.0), p50: Year::In(2029.0), p95: Year::Beyond });
        assert_eq!(sample.passed_share, Some(0.0));
        assert_eq!(timeline.year(0, 0.0), Some(2024.0));

        // With the open frontier at 2 now, thresholds 1.5 and 2 (40% of
        // samples) are already passed: not years in the past.
        let open_now = vec![2.0; samples];
        let timeline = Timeline { open_now: &open_now, year_now: &year_now, growth: &growth };
        let threshold = Threshold::new(engine.grid(), &output.net, crossings, Some(&timeline));
        let year = threshold.sample.year.expect("years");
        assert_eq!(year, Quantiles { p05: Year::Passed, p50: Year::In(2027.0), p95: Year::Beyond });
        let passed = threshold.sample.passed_share.expect("a timeline");
        assert!((passed - 0.4).abs() < 0.02, "{passed}");
        assert_eq!(threshold.mean_crossing_year, None);
    }
}
