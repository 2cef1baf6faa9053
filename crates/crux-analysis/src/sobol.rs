//! Variance-based global sensitivity: first-order and total-order Sobol
//! indices of net at one grid point, per factor and per group.
//!
//! The design is Saltelli's: two matrices `A` and `B` of `N` rows each, taken
//! from one scrambled Sobol' sequence of dimension `2D` (`D` draws; `A` the
//! first `D` columns, `B` the last `D`), and for every factor or group `G` a
//! matrix `A_B^(G)`: `A` with the columns of `G`'s draws taken from `B`. All
//! draws of a group are switched together, which gives the group's closed and
//! total indices. Net is evaluated on every row through the engine's quantile
//! functions ([`Engine::net_from_uniforms`]), in large batches that the engine
//! runs in parallel: `N * (2 + factors + groups)` evaluations in all (fewer
//! when a group's draws equal a factor's, which is then evaluated once).
//!
//! With `f` centred on the mean of `f(A)` and `f(B)`, and `V` the variance of
//! `f(A)` and `f(B)` pooled:
//!
//! - first order (Saltelli et al. 2010): `S1 = mean(f(B) * (f(A_B) - f(A))) / V`;
//! - total order (Jansen 1999): `ST = mean((f(A) - f(A_B))^2) / 2 / V`.
//!
//! Confidence intervals: rows are resampled with replacement
//! ([`DEFAULT_RESAMPLES`] times, each resample from its own stream keyed by the
//! seed), the estimators recomputed, and the interval reported as
//! `1.96 *` the standard deviation of the resampled estimates: a half-width,
//! as SALib reports `S1_conf`. The bootstrap sums are computed in fixed order,
//! so a seed gives the same intervals on any number of threads.

use crate::inputs::Inputs;
use crate::sequence::{mix, scrambled_sobol};
use crux_engine::Engine;
use crux_lang::Diagnostic;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Bootstrap resamples for the confidence intervals.
pub const DEFAULT_RESAMPLES: usize = 1000;

/// The normal quantile of 0.975: a 95% interval is this many standard errors wide on each side.
const Z_975: f64 = 1.959_963_984_540_054;

/// Rows of uniforms handed to the engine per call: large enough to keep every
/// core busy, small enough to bound memory (`D` columns of this many values).
const ROWS_PER_CALL: usize = 1 << 17;

/// Resamples summed together in one pass over the rows.
const RESAMPLE_BATCH: usize = 16;

/// What to compute.
#[derive(Debug, Clone, Copy)]
pub struct SobolOptions {
    /// Rows `N` of each matrix of the design; a power of two keeps the
    /// Sobol' points balanced.
    pub samples: usize,
    pub seed: u64,
    /// The grid point at which net is analysed.
    pub point: usize,
    /// Bootstrap resamples (0 skips the confidence intervals).
    pub resamples: usize,
    /// Whether to compute each factor's indices as well as each group's;
    /// without them the design needs one block per group, not per factor,
    /// and [`Sensitivity::factors`] comes back empty.
    pub factors: bool,
}

impl SobolOptions {
    pub fn new(samples: usize, seed: u64, point: usize) -> Self {
        SobolOptions { samples, seed, point, resamples: DEFAULT_RESAMPLES, factors: true }
    }
}

/// First- and total-order indices with the half-widths of their 95% intervals.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Indices {
    pub first: f64,
    pub first_conf: f64,
    pub total: f64,
    pub total_conf: f64,
}

/// The indices of every factor and group of [`Inputs`], in their order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub samples: usize,
    /// Mean and variance of net at the point, from `A` and `B`.
    pub mean: f64,
    pub variance: f64,
    pub factors: Vec<Indices>,
    pub groups: Vec<Indices>,
    /// Model evaluations used.
    pub evaluations: usize,
}

impl Sensitivity {
    /// Each factor's indices with its label ([`Inputs::label`]), in the order of `inputs`.
    pub fn named_factors(&self, inputs: &Inputs) -> Vec<(String, Indices)> {
        (0..inputs.factors.len()).map(|index| (inputs.label(index), self.factors[index])).collect()
    }

    /// Each group's indices with its name, in the order of `inputs`.
    pub fn named_groups(&self, inputs: &Inputs) -> Vec<(String, Indices)> {
        inputs.groups.iter().zip(&self.groups).map(|(group, indices)| (group.name.clone(), *indices)).collect()
    }
}

/// Sobol indices of net at `options.point` for every factor and group of `inputs`.
pub fn sobol_indices(engine: &Engine, inputs: &Inputs, options: &SobolOptions) -> Result<Sensitivity, Diagnostic> {
    sobol_indices_checked(engine, inputs, options, &|| {})
}

/// [`sobol_indices`], calling `check` between batches of model evaluations
/// and of bootstrap resamples, so that a caller can stop a long computation
/// (by unwinding out of `check`).
pub fn sobol_indices_checked(
    engine: &Engine,
    inputs: &Inputs,
    options: &SobolOptions,
    check: &(dyn Fn() + Sync),
) -> Result<Sensitivity, Diagnostic> {
    let n = options.samples;
    if n < 2 {
        return Err(Diagnostic::error("sensitivity analysis needs at least 2 samples"));
    }
    if n > crux_engine::run::MAX_SAMPLES {
        return Err(Diagnostic::error(format!(
            "{n} samples is more than the limit of {}",
            crux_engine::run::MAX_SAMPLES
        )));
    }
    let dimension = inputs.dimension;
    if dimension == 0 {
        return Err(Diagnostic::error("the model has no random draws, so nothing to analyse")
            .with_help("give some params a distribution, such as `\"5 to 50\"`"));
    }
    // The sets of draws to switch: factors first, then groups; a set equal to
    // an earlier one is evaluated once.
    let factor_count = if options.factors { inputs.factors.len() } else { 0 };
    let wanted: Vec<&[usize]> = inputs.factors[..factor_count]
        .iter()
        .map(|factor| factor.draws.as_slice())
        .chain(inputs.groups.iter().map(|group| group.draws.as_slice()))
        .collect();
    let mut sets: Vec<&[usize]> = Vec::new();
    let slot: Vec<usize> = wanted
        .iter()
        .map(|draws| match sets.iter().position(|set| set == draws) {
            Some(index) => index,
            None => {
                sets.push(draws);
                sets.len() - 1
            }
        })
        .collect();

    let base = scrambled_sobol(n, 0, 2 * dimension, options.seed)?;
    let (a, b) = base.split_at(dimension);
    // Blocks of the design: A, B, then A_B for each set.
    let blocks = 2 + sets.len();
    let block_of = |block: usize, draw: usize| -> &[f64] {
        match block {
            0 => &a[draw],
            1 => &b[draw],
            _ if sets[block - 2].binary_search(&draw).is_ok() => &b[draw],
            _ => &a[draw],
        }
    };
    let per_call = (ROWS_PER_CALL / n).max(1);
    let mut outputs: Vec<Vec<f64>> = Vec::with_capacity(blocks);
    let mut start = 0;
    while start < blocks {
        check();
        let end = (start + per_call).min(blocks);
        let uniforms: Vec<Vec<f64>> = (0..dimension)
            .into_par_iter()
            .map(|draw| {
                let mut column = Vec::with_capacity((end - start) * n);
                for block in start..end {
                    column.extend_from_slice(block_of(block, draw));
                }
                column
            })
            .collect();
        let mut net = engine.net_from_uniforms(&uniforms, &[options.point])?;
        let net = net.pop().unwrap_or_default();
        outputs.extend(net.chunks(n).map(<[f64]>::to_vec));
        start = end;
    }

    let estimates = Estimates::new(&outputs);
    let tiny = 1e-24 * estimates.mean * estimates.mean;
    if estimates.variance.is_nan() || estimates.variance <= tiny.max(f64::MIN_POSITIVE) {
        return Err(Diagnostic::error("net does not vary at this point, so its variance has no parts to share out")
            .with_help("choose another point of the axis with --at"));
    }
    let point = estimates.indices();
    let conf = bootstrap(&estimates, options.resamples, options.seed, check);
    let indices: Vec<Indices> = point
        .iter()
        .enumerate()
        .map(|(set, (first, total))| Indices {
            first: *first,
            total: *total,
            first_conf: conf.get(set).map_or(0.0, |c| c.0),
            total_conf: conf.get(set).map_or(0.0, |c| c.1),
        })
        .collect();
    Ok(Sensitivity {
        samples: n,
        mean: estimates.mean,
        variance: estimates.variance,
        factors: slot[..factor_count].iter().map(|set| indices[*set]).collect(),
        groups: slot[factor_count..].iter().map(|set| indices[*set]).collect(),
        evaluations: blocks * n,
    })
}

/// Per-row terms of the estimators, centred, in one row-major table:
/// `[y_A + y_B, y_A^2 + y_B^2, then per set: y_B (y_AB - y_A), (y_A - y_AB)^2]`.
struct Estimates {
    rows: usize,
    width: usize,
    terms: Vec<f64>,
    mean: f64,
    variance: f64,
}

impl Estimates {
    fn new(outputs: &[Vec<f64>]) -> Estimates {
        let (f_a, f_b) = (&outputs[0], &outputs[1]);
        let rows = f_a.len();
        let mean = (f_a.iter().sum::<f64>() + f_b.iter().sum::<f64>()) / (2 * rows) as f64;
        let sets = outputs.len() - 2;
        let width = 2 + 2 * sets;
        let mut terms = vec![0.0; rows * width];
        terms.par_chunks_mut(width).enumerate().for_each(|(row, out)| {
            let (y_a, y_b) = (f_a[row] - mean, f_b[row] - mean);
            out[0] = y_a + y_b;
            out[1] = y_a * y_a + y_b * y_b;
            for set in 0..sets {
                let y_ab = outputs[2 + set][row] - mean;
                out[2 + 2 * set] = y_b * (y_ab - y_a);
                out[3 + 2 * set] = (y_a - y_ab) * (y_a - y_ab);
            }
        });
        let mut estimates = Estimates { rows, width, terms, mean, variance: 0.0 };
        let sums = estimates.sums();
        estimates.variance = variance(&sums, rows);
        estimates
    }

    /// Column sums of the terms.
    fn sums(&self) -> Vec<f64> {
        let mut sums = vec![0.0; self.width];
        for terms in self.terms.chunks(self.width) {
            for (sum, term) in sums.iter_mut().zip(terms) {
                *sum += term;
            }
        }
        sums
    }

    fn indices(&self) -> Vec<(f64, f64)> {
        indices_from_sums(&self.sums(), self.rows)
    }
}

fn variance(sums: &[f64], rows: usize) -> f64 {
    let pooled = (2 * rows) as f64;
    sums[1] / pooled - (sums[0] / pooled).powi(2)
}

fn indices_from_sums(sums: &[f64], rows: usize) -> Vec<(f64, f64)> {
    let variance = variance(sums, rows);
    sums[2..].chunks(2).map(|pair| (pair[0] / rows as f64 / variance, pair[1] / (2 * rows) as f64 / variance)).collect()
}

/// Half-widths of the 95% bootstrap intervals of every set's `(S1, ST)`.
fn bootstrap(estimates: &Estimates, resamples: usize, seed: u64, check: &(dyn Fn() + Sync)) -> Vec<(f64, f64)> {
    if resamples < 2 {
        return Vec::new();
    }
    let rows = estimates.rows;
    let width = estimates.width;
    let batches = resamples.div_ceil(RESAMPLE_BATCH);
    // Each batch draws its resamples' row counts, then sums every resample in
    // one pass over the rows.
    let results: Vec<Vec<Vec<(f64, f64)>>> = (0..batches)
        .into_par_iter()
        .map(|batch| {
            check();
            let first = batch * RESAMPLE_BATCH;
            let count = RESAMPLE_BATCH.min(resamples - first);
            let mut counts = vec![0u32; count * rows];
            for (resample, counts) in counts.chunks_mut(rows).enumerate() {
                let key = mix(seed ^ 0xb007_57a9 ^ mix((first + resample) as u64));
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(key);
                for _ in 0..rows {
                    // Lemire's multiply-shift: a row index, biased by less than 2^-32.
                    counts[((u128::from(rng.next_u64()) * rows as u128) >> 64) as usize] += 1;
                }
            }
            let mut sums = vec![0.0; count * width];
            for (row, terms) in estimates.terms.chunks(width).enumerate() {
                for resample in 0..count {
                    let weight = counts[resample * rows + row];
                    if weight != 0 {
                        let weight = f64::from(weight);
                        let out = &mut sums[resample * width..(resample + 1) * width];
                        for (sum, term) in out.iter_mut().zip(terms) {
                            *sum += weight * term;
                        }
                    }
                }
            }
            sums.chunks(width).map(|sums| indices_from_sums(sums, rows)).collect()
        })
        .collect();
    let all: Vec<&Vec<(f64, f64)>> = results.iter().flatten().collect();
    let sets = (width - 2) / 2;
    (0..sets)
        .map(|set| {
            let first: Vec<f64> = all.iter().map(|values| values[set].0).collect();
            let total: Vec<f64> = all.iter().map(|values| values[set].1).collect();
            (Z_975 * standard_deviation(&first), Z_975 * standard_deviation(&total))
        })
        .collect()
}

fn standard_deviation(values: &[f64]) -> f64 {
    let count = values.len() as f64;
    let mean = values.iter().sum::<f64>() / count;
    (values.iter().map(|value| (value - mean) * (value - mean)).sum::<f64>() / (count - 1.0)).sqrt()
}
