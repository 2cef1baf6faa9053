//! The value of information for the decision "release iff E[net] > 0".
//!
//! Deciding now gives `max(E[net], 0)`; deciding after learning everything
//! gives `E[max(net, 0)]`. Their difference is the expected value of perfect
//! information, EVPI. Learning only the draws of one group `G` (a crux) gives
//! `E_G[max(E[net | G], 0)]`; its gain over deciding now is the expected value
//! of partial perfect information, EVPPI(G). Both are in net's unit (bp).
//!
//! EVPI is estimated on `N` scrambled Sobol' points of all draws.
//!
//! EVPPI uses a nested design that the engine makes cheap: `M` outer points
//! of the group's draws (scrambled Sobol'), and for each of them `K` inner
//! rows of the other draws (independent pseudo-random uniforms), evaluated
//! together through [`Engine::net_from_uniforms`] (`M * K = N` evaluations
//! per group). The mean of the inner rows estimates `E[net | G = g_j]`.
//!
//! Bias and its control. The plain nested estimate `mean_j max(m_j, 0)`
//! (with `m_j` the inner mean) is biased upwards: noise in `m_j` looks like
//! information. Where the decision is on a knife edge (E[net] near 0) that
//! bias is of order `sd(net) / sqrt(K)` even for a crux that does not
//! matter at all, and it would credit irrelevant cruxes with value. So each
//! inner row is valued under the decision taken on the *other* rows of its
//! outer point (leave-one-out cross-fitting):
//!
//! `z_j = mean_k f_jk 1[(S_j - f_jk) / (K - 1) > 0]`, with `S_j = sum_k f_jk`.
//!
//! That is the gain of a decision rule that really could be followed, so its
//! expectation never exceeds the EVPPI, and a crux that does not change net
//! gets at most 0 in expectation. When the conditional mean `E[net | G]` has a
//! density `p` near 0, the shortfall is `p(0) E[var(net | G)] / (2 (K - 1))`
//! to first order (checked in the tests); it is largest, about
//! `0.17 sd(net | G) / sqrt(K - 1)`, for a crux whose conditional means sit
//! within about one inner standard error of a knife-edge decision. With the
//! default [`DEFAULT_INNER`] that is under 2.2% of `sd(net)`: a conservative
//! estimate, never an invented one. Outer Monte Carlo error is reported as a
//! standard error (`sd / sqrt(M)` over outer points, conservative for
//! scrambled points). Estimates below 0, which only noise and the
//! conservative bias produce, are reported as 0. A group that holds every
//! draw needs no inner rows (`K = 1`, exact decisions).
//!
//! The alternative, a regression of net on the group's inputs (Strong, Oakley
//! and Brennan 2014), pools outer points and so can do better on knife edges,
//! but needs a flexible regression in as many dimensions as the group has
//! draws (ten or more for a crux), where splines or Gaussian processes are
//! slow and their smoothing bias hard to bound; the nested design only
//! assumes that the engine can re-evaluate the model at chosen inputs.

use crate::inputs::Inputs;
use crate::sequence::{mix, scrambled_sobol};
use crux_engine::Engine;
use crux_lang::Diagnostic;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Inner rows per outer point of the EVPPI design.
pub const DEFAULT_INNER: usize = 64;

/// Rows of uniforms per engine call, rounded down to whole outer points.
const ROWS_PER_CALL: usize = 1 << 16;

/// What to compute.
#[derive(Debug, Clone)]
pub struct VoiOptions {
    /// Model evaluations for EVPI and for each group's EVPPI.
    pub samples: usize,
    pub seed: u64,
    /// Grid points at which to evaluate.
    pub points: Vec<usize>,
    /// Inner rows per outer point (at least 2).
    pub inner: usize,
}

impl VoiOptions {
    pub fn new(samples: usize, seed: u64, points: Vec<usize>) -> Self {
        VoiOptions { samples, seed, points, inner: DEFAULT_INNER }
    }
}

/// An estimate with its Monte Carlo standard error.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Estimate {
    pub value: f64,
    pub standard_error: f64,
}

/// The value of information at one grid point.
#[derive(Debug, Clone, PartialEq)]
pub struct PointValue {
    /// The grid index.
    pub point: usize,
    /// E[net] from the EVPI sample.
    pub expected_net: f64,
    pub evpi: Estimate,
    /// EVPPI of each group of [`Inputs::groups`], in order.
    pub evppi: Vec<Estimate>,
}

/// EVPI and EVPPI of every group at each of `options.points`.
pub fn value_of_information(
    engine: &Engine,
    inputs: &Inputs,
    options: &VoiOptions,
) -> Result<Vec<PointValue>, Diagnostic> {
    let n = options.samples;
    if n < 2 {
        return Err(Diagnostic::error("the value of information needs at least 2 samples"));
    }
    if n > crux_engine::run::MAX_SAMPLES {
        return Err(Diagnostic::error(format!(
            "{n} samples is more than the limit of {}",
            crux_engine::run::MAX_SAMPLES
        )));
    }
    if options.inner < 2 {
        return Err(Diagnostic::error("the inner sample of the EVPPI design needs at least 2 rows"));
    }
    let dimension = inputs.dimension;
    let points = &options.points;
    let evpi = if dimension == 0 {
        let net = engine.net_from_uniforms(&[], points)?;
        net.iter().map(|column| (column[0], Estimate::default())).collect()
    } else {
        let uniforms = scrambled_sobol(n, 0, dimension, mix(options.seed ^ 0xe791))?;
        let mut sums = vec![Sums::default(); points.len()];
        for start in (0..n).step_by(ROWS_PER_CALL) {
            let end = (start + ROWS_PER_CALL).min(n);
            let chunk: Vec<Vec<f64>> = uniforms.iter().map(|column| column[start..end].to_vec()).collect();
            let net = engine.net_from_uniforms(&chunk, points)?;
            for (sums, column) in sums.iter_mut().zip(&net) {
                sums.add(column);
            }
        }
        sums.iter().map(Sums::evpi).collect::<Vec<_>>()
    };
    let mut values: Vec<PointValue> = points
        .iter()
        .zip(&evpi)
        .map(|(point, (expected_net, evpi))| PointValue {
            point: *point,
            expected_net: *expected_net,
            evpi: *evpi,
            evppi: Vec::with_capacity(inputs.groups.len()),
        })
        .collect();
    for (index, group) in inputs.groups.iter().enumerate() {
        let key = mix(options.seed ^ mix(0x9e11 + index as u64));
        let estimates = evppi(engine, dimension, &group.draws, n, options.inner, key, points)?;
        for (value, estimate) in values.iter_mut().zip(estimates) {
            value.evppi.push(estimate);
        }
    }
    Ok(values)
}

/// Running sums of net and of its positive part, in a fixed order.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    count: f64,
    net: f64,
    positive: f64,
    positive_squares: f64,
    negative: f64,
    negative_squares: f64,
}

impl Sums {
    fn add(&mut self, values: &[f64]) {
        for &value in values {
            self.count += 1.0;
            self.net += value;
            let (positive, negative) = (value.max(0.0), (-value).max(0.0));
            self.positive += positive;
            self.positive_squares += positive * positive;
            self.negative += negative;
            self.negative_squares += negative * negative;
        }
    }

    /// E[net] and EVPI: `E[max(net, 0)] - max(E[net], 0)`, which is the mean
    /// negative part when E[net] > 0 and the mean positive part otherwise.
    fn evpi(&self) -> (f64, Estimate) {
        let mean = self.net / self.count;
        let (sum, squares) =
            if mean > 0.0 { (self.negative, self.negative_squares) } else { (self.positive, self.positive_squares) };
        (mean, estimate(sum, squares, self.count))
    }
}

fn estimate(sum: f64, squares: f64, count: f64) -> Estimate {
    let value = sum / count;
    let variance = ((squares / count - value * value) * count / (count - 1.0).max(1.0)).max(0.0);
    Estimate { value: value.max(0.0), standard_error: (variance / count).sqrt() }
}

/// EVPPI of the group with draws `group` at each point.
fn evppi(
    engine: &Engine,
    dimension: usize,
    group: &[usize],
    samples: usize,
    inner: usize,
    key: u64,
    points: &[usize],
) -> Result<Vec<Estimate>, Diagnostic> {
    let inner = if group.len() == dimension { 1 } else { inner };
    let outer = samples / inner;
    if outer < 2 {
        return Err(Diagnostic::error(format!(
            "{samples} samples is too few for the EVPPI design: it needs at least {}",
            2 * inner
        )));
    }
    let outer_points = scrambled_sobol(outer, 0, group.len(), key)?;
    let per_call = (ROWS_PER_CALL / inner).max(1);
    // Per point, per outer point: the cross-fitted decision value and the inner mean.
    let mut terms: Vec<Vec<(f64, f64)>> = vec![Vec::with_capacity(outer); points.len()];
    for first in (0..outer).step_by(per_call) {
        let last = (first + per_call).min(outer);
        let rows = (last - first) * inner;
        let uniforms: Vec<Vec<f64>> = (0..dimension)
            .into_par_iter()
            .map(|draw| match group.binary_search(&draw) {
                Ok(position) => {
                    let column = &outer_points[position][first..last];
                    column.iter().flat_map(|u| std::iter::repeat_n(*u, inner)).collect()
                }
                Err(_) => {
                    // Each draw's inner stream continues across calls: keyed by draw and first outer point.
                    let mut rng =
                        Xoshiro256PlusPlus::seed_from_u64(mix(key ^ mix(draw as u64) ^ ((first as u64) << 32)));
                    (0..rows).map(|_| open_uniform(&mut rng)).collect()
                }
            })
            .collect();
        let net = engine.net_from_uniforms(&uniforms, points)?;
        for (terms, column) in terms.iter_mut().zip(&net) {
            terms.extend(column.chunks(inner).map(|rows| {
                let sum: f64 = rows.iter().sum();
                let mean = sum / inner as f64;
                if inner == 1 {
                    return (mean.max(0.0), mean);
                }
                let others = (inner - 1) as f64;
                let valued: f64 =
                    rows.iter().map(|value| if (sum - value) / others > 0.0 { *value } else { 0.0 }).sum();
                (valued / inner as f64, mean)
            }));
        }
    }
    Ok(terms
        .iter()
        .map(|terms| {
            let count = terms.len() as f64;
            let mean_net = terms.iter().map(|(_, mean)| mean).sum::<f64>() / count;
            let decide_now = if mean_net > 0.0 { 1.0 } else { 0.0 };
            let (sum, squares) = terms.iter().fold((0.0, 0.0), |(sum, squares), (z, mean)| {
                let gain = z - decide_now * mean;
                (sum + gain, squares + gain * gain)
            });
            estimate(sum, squares, count)
        })
        .collect())
}

/// A uniform draw in the open interval (0, 1).
fn open_uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}
