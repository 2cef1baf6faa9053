//! The capability threshold: where open release turns net negative.
//!
//! Three readings, all on the axis grid and all defined the same way, as the
//! first grid point from which a curve stays below its level to the end of
//! the grid:
//! - the **mean crossing**: where E[net] stays below 0;
//! - the **median crossing**: where P(net > 0) stays below 0.5 (the median
//!   of net stays negative);
//! - the **per-sample threshold**: for each sample, the first grid point from
//!   which that sample's net stays negative. Samples whose net is still
//!   non-negative at the end of the grid "never" cross and are counted apart;
//!   the quantiles are over the samples that cross.
//!
//! With a context (the open frontier now, the year now, the frontier's growth
//! per year, one value per sample), a capability also gets the year in which
//! the open frontier reaches it: `year_now + (capability - open_now) / growth`,
//! which is in the past when the frontier is already beyond it.

use crate::stats::Summary;
use crux_engine::{NetSamples, PointSummary};

/// The first index from which every value is below `level`; `None` when the
/// last value is not below it.
pub fn stays_below(values: &[f64], level: f64) -> Option<usize> {
    let mut index = values.len();
    while index > 0 && values[index - 1] < level {
        index -= 1;
    }
    (index < values.len()).then_some(index)
}

/// Per sample, the grid index from which its net stays negative (`None`: never).
pub fn sample_thresholds(net: &NetSamples) -> Vec<Option<usize>> {
    (0..net.samples)
        .map(|sample| {
            let mut index = net.points;
            while index > 0 && net.get(sample, index - 1) < 0.0 {
                index -= 1;
            }
            (index < net.points).then_some(index)
        })
        .collect()
}

/// Per-sample values of "now", for turning capabilities into years.
#[derive(Debug, Clone, Copy)]
pub struct Timeline<'a> {
    /// The capability of the open frontier now.
    pub open_now: &'a [f64],
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

    /// The year the open frontier reaches `capability`, over the samples.
    pub fn years(&self, capability: f64) -> Option<Summary> {
        let years: Vec<f64> = (0..self.open_now.len()).filter_map(|sample| self.year(sample, capability)).collect();
        Summary::of(&years)
    }
}

/// The per-sample threshold, summarised.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleThreshold {
    pub samples: usize,
    /// Share of samples whose net is not negative at the end of the grid.
    pub never_share: f64,
    /// Share of samples whose net is negative across the whole grid.
    pub from_start_share: f64,
    /// The threshold (axis value) among the samples that cross.
    pub capability: Option<Summary>,
    /// The year the sample's open frontier reaches its threshold, among the
    /// samples that cross (and whose frontier gets there).
    pub year: Option<Summary>,
}

/// Every reading of the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The axis grid.
    pub grid: Vec<f64>,
    /// Grid index from which E[net] stays negative.
    pub mean_crossing: Option<usize>,
    /// Grid index from which P(net > 0) stays below 0.5.
    pub median_crossing: Option<usize>,
    /// The year the open frontier reaches the mean crossing, over samples.
    pub mean_crossing_year: Option<Summary>,
    pub sample: SampleThreshold,
}

impl Threshold {
    /// Analyses a run over the whole grid that kept every net value.
    pub fn new(grid: &[f64], summaries: &[PointSummary], net: &NetSamples, timeline: Option<&Timeline>) -> Threshold {
        let means: Vec<f64> = summaries.iter().map(|summary| summary.mean).collect();
        let positives: Vec<f64> = summaries.iter().map(|summary| summary.p_positive).collect();
        let mean_crossing = stays_below(&means, 0.0);
        let median_crossing = stays_below(&positives, 0.5);
        let per_sample = sample_thresholds(net);
        let samples = per_sample.len();
        let crossing: Vec<(usize, usize)> =
            per_sample.iter().enumerate().filter_map(|(sample, index)| index.map(|index| (sample, index))).collect();
        let capabilities: Vec<f64> = crossing.iter().map(|(_, index)| grid[*index]).collect();
        let years: Vec<f64> = match timeline {
            Some(timeline) => {
                crossing.iter().filter_map(|(sample, index)| timeline.year(*sample, grid[*index])).collect()
            }
            None => Vec::new(),
        };
        let share = |count: usize| if samples == 0 { f64::NAN } else { count as f64 / samples as f64 };
        Threshold {
            grid: grid.to_vec(),
            mean_crossing,
            median_crossing,
            mean_crossing_year: mean_crossing.zip(timeline).and_then(|(index, timeline)| timeline.years(grid[index])),
            sample: SampleThreshold {
                samples,
                never_share: share(samples - crossing.len()),
                from_start_share: share(crossing.iter().filter(|(_, index)| *index == 0).count()),
                capability: Summary::of(&capabilities),
                year: Summary::of(&years),
            },
        }
    }

    pub fn mean_crossing_value(&self) -> Option<f64> {
        self.mean_crossing.map(|index| self.grid[index])
    }

    pub fn median_crossing_value(&self) -> Option<f64> {
        self.median_crossing.map(|index| self.grid[index])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crux_engine::{Engine, RunOptions};
    use crux_lang::Sources;

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
        let output = engine.run(&RunOptions { keep_net: true, ..RunOptions::new(samples, 3) }).expect("runs");
        let net = output.net_samples.as_ref().expect("kept");
        let params = engine.param_samples(samples, 3).expect("params");
        // The open frontier is at 1 now and grows by 0.5 per year from 2026.
        let open_now = vec![1.0; samples];
        let year_now = vec![2026.0; samples];
        let growth = vec![0.5; samples];
        let timeline = Timeline { open_now: &open_now, year_now: &year_now, growth: &growth };
        let threshold = Threshold::new(engine.grid(), &output.net, net, Some(&timeline));
        // Per sample: the first grid point above k, or never.
        for (sample, index) in sample_thresholds(net).iter().enumerate() {
            let (k, never) = (params[0][sample], params[1][sample]);
            let expected = (never == 0.0).then(|| ((k / 0.5).floor() as usize) + 1);
            assert_eq!(*index, expected, "sample {sample}: k = {k}");
        }
        // E[net] = 2 + 20 - c: never negative on this grid; P(net > 0) stays
        // at least 0.2, so the median crosses where k < c for 5/8 of the
        // crossing samples: c = 2.5 has P(k > 2.5) * 0.8 + 0.2 = 0.4.
        assert_eq!(threshold.mean_crossing, None);
        assert_eq!(threshold.median_crossing_value(), Some(2.5));
        let sample = &threshold.sample;
        assert!((sample.never_share - 0.2).abs() < 0.01, "{}", sample.never_share);
        assert_eq!(sample.from_start_share, 0.0);
        let capability = sample.capability.expect("some samples cross");
        // k uniform on (1, 3) -> threshold 1.5, 2, 2.5 or 3 with weights 1/4, 1/4, 1/4, 1/4
        // (1.5 for k in (1, 1.5), ...): the median is between 2 and 2.5.
        assert!((2.0..=2.5).contains(&capability.p50), "{capability:?}");
        assert_eq!((capability.p05, capability.p95), (1.5, 3.0));
        let year = sample.year.expect("years");
        assert_eq!((year.p05, year.p95), (2027.0, 2030.0));
        assert_eq!(timeline.year(0, 0.0), Some(2024.0));
    }
}
