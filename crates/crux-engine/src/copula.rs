//! Correlated draws: the Gaussian copula of each crux's `[[correlations]]`.
//!
//! A correlated draw takes its value from a uniform by its quantile function,
//! like every draw of [`crate::exec::Randomness::Uniforms`]. Before that, the
//! uniforms of a copula's draws (the sample's own, from each draw's seeded
//! stream, or the given ones) become normal scores `z = Φ⁻¹(u)`, are mixed
//! by the Cholesky factor `L` of the correlation matrix (`x = L z`), and
//! become uniforms again (`u' = Φ(x)`). Each `u'` is uniform, so every
//! marginal is unchanged, and the ranks are correlated as the model says.
//! The transform works within one sample, so it is the same on any thread
//! count and for any number of samples.

use crate::distributions::open_uniform;
use crate::math::{normal_cdf, normal_quantile};
use crate::program::{Copula, SampleStep};
use crate::streams::{Randomness, stream_seed};
use crux_lang::hir;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The copulas of `model`: `param_draws[p]` is the index of the draw param
/// `p` ends with (a correlated param is one draw), `steps` the sample program.
pub(crate) fn copulas(model: &hir::Model, param_draws: &[Option<usize>], steps: &[SampleStep]) -> Vec<Copula> {
    let streams: Vec<u64> = steps
        .iter()
        .filter_map(|step| match step {
            SampleStep::Draw(draw) => Some(draw.stream),
            SampleStep::Compute(_) => None,
        })
        .collect();
    model
        .correlations
        .iter()
        .filter_map(|group| {
            let draws: Option<Vec<usize>> = group.params.iter().map(|param| param_draws[*param]).collect();
            let draws = draws?;
            let streams = draws.iter().map(|draw| streams[*draw]).collect();
            Some(Copula { draws, streams, factor: group.cholesky.clone() })
        })
        .collect()
}

/// The smallest and largest uniform a copula hands on: `Φ` of a far score
/// rounds to 0 or 1, where quantile functions are infinite.
const LOWEST: f64 = f64::MIN_POSITIVE;
const HIGHEST: f64 = 1.0 - f64::EPSILON / 2.0;

/// Fills `columns` (one per draw of `copula`, each `lanes` long) with the
/// correlated uniforms of one block: the draws' own uniforms, from their
/// seeded streams or the given columns (indexed by draw), through the copula.
/// `scores` is scratch space of at least the copula's size.
pub(crate) fn correlate(
    copula: &Copula,
    randomness: Randomness,
    columns: &mut [Vec<f64>],
    scores: &mut Vec<f64>,
    lanes: usize,
) {
    let k = copula.draws.len();
    for (j, column) in columns.iter_mut().enumerate().take(k) {
        let column = &mut column[..lanes];
        match randomness {
            Randomness::Seeded { seed, block } => {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream_seed(seed, block, copula.streams[j]));
                for value in column.iter_mut() {
                    *value = normal_quantile(open_uniform(&mut rng));
                }
            }
            Randomness::Uniforms(given) => {
                for (value, &u) in column.iter_mut().zip(given[copula.draws[j]]) {
                    *value = normal_quantile(u.clamp(LOWEST, HIGHEST));
                }
            }
        }
    }
    scores.resize(k, 0.0);
    for lane in 0..lanes {
        for (j, score) in scores.iter_mut().enumerate() {
            *score = columns[j][lane];
        }
        for (j, column) in columns.iter_mut().enumerate().take(k) {
            let row = &copula.factor[j * k..j * k + j + 1];
            let x: f64 = row.iter().zip(scores.iter()).map(|(l, z)| l * z).sum();
            column[lane] = normal_cdf(x).clamp(LOWEST, HIGHEST);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spearman's rank correlation of two columns without ties.
    fn spearman(a: &[f64], b: &[f64]) -> f64 {
        let ranks = |values: &[f64]| {
            let mut order: Vec<usize> = (0..values.len()).collect();
            order.sort_by(|i, j| values[*i].total_cmp(&values[*j]));
            let mut ranks = vec![0.0; values.len()];
            for (rank, index) in order.into_iter().enumerate() {
                ranks[index] = rank as f64;
            }
            ranks
        };
        let (ra, rb) = (ranks(a), ranks(b));
        let n = a.len() as f64;
        let mean = (n - 1.0) / 2.0;
        let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - mean) * (y - mean)).sum();
        let var: f64 = ra.iter().map(|x| (x - mean) * (x - mean)).sum();
        cov / var
    }

    #[test]
    fn the_copula_keeps_uniforms_uniform_and_sets_their_rank_correlation() {
        let rank: f64 = -0.6;
        let rho = crux_lang::correlation::spearman_to_pearson(rank);
        let copula =
            Copula { draws: vec![0, 1], streams: vec![11, 12], factor: vec![1.0, 0.0, rho, (1.0 - rho * rho).sqrt()] };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut columns = vec![vec![0.0; 1024]; 2];
        let mut scores = Vec::new();
        for block in 0..100 {
            correlate(&copula, Randomness::Seeded { seed: 5, block }, &mut columns, &mut scores, 1024);
            a.extend_from_slice(&columns[0]);
            b.extend_from_slice(&columns[1]);
        }
        assert!((spearman(&a, &b) - rank).abs() < 0.01, "rank {}", spearman(&a, &b));
        for column in [&a, &b] {
            assert!(column.iter().all(|u| *u > 0.0 && *u < 1.0));
            // Each decile holds a tenth of the values.
            for decile in 0..10 {
                let low = decile as f64 / 10.0;
                let share =
                    column.iter().filter(|u| **u >= low && **u < low + 0.1).count() as f64 / column.len() as f64;
                assert!((share - 0.1).abs() < 0.005, "decile {decile}: {share}");
            }
        }
    }
}
