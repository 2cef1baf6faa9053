//! Correlated beliefs: the `[[correlations]]` entries of a model file or a
//! profile, and their check against the model.
//!
//! ```toml
//! [[correlations]]
//! params = ["misuse_harm", "c_misuse"]
//! rank = -0.4            # Spearman rank correlation, in [-1, 1]
//! reason = "why these beliefs move together"
//! ```
//!
//! Reading ([`read`]) checks each entry on its own: two different params, a
//! rank in [-1, 1], no pair listed twice. Checking against the resolved
//! params ([`groups`]) asks more: each param is one continuous random draw
//! (drawn by its quantile function, so that a copula can set its rank
//! correlation and leave its marginal alone), both params of an entry are in
//! the same crux (per-crux sensitivity and value of information need
//! independent groups), and each crux's matrix is one that some joint
//! distribution has: positive semi-definite once each Spearman rank `r` is
//! converted to the Gaussian copula's Pearson correlation `2 sin(pi r / 6)`.
//! The result is one [`CorrelationGroup`] per crux, with the Cholesky factor
//! the engine multiplies its normal scores by. This module draws nothing.

use crate::ast::Ident;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::span::{FileId, Sources, Span};
use serde::Deserialize;
use toml::Spanned;

/// One `[[correlations]]` entry: the rank correlation of two params.
#[derive(Debug, Clone)]
pub struct Correlation {
    /// The two params, as written (with their spans).
    pub params: [Ident; 2],
    /// Spearman's rank correlation, in [-1, 1].
    pub rank: f64,
    pub rank_span: Span,
    /// Why the two beliefs move together.
    pub reason: Option<String>,
    /// The span of the `params` list, where errors about the entry point.
    pub span: Span,
}

impl Correlation {
    /// Whether this entry is about the same (unordered) pair of params as `other`.
    pub fn same_pair(&self, other: &Correlation) -> bool {
        let (a, b) = (&self.params[0].name, &self.params[1].name);
        let (c, d) = (&other.params[0].name, &other.params[1].name);
        (a == c && b == d) || (a == d && b == c)
    }

    /// `a` and `b`, as reports and diagnostics name the entry.
    pub fn describe(&self) -> String {
        format!("`{}` ~ `{}` (rank {})", self.params[0].name, self.params[1].name, self.rank)
    }
}

/// A `[[correlations]]` entry as TOML gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCorrelation {
    params: Spanned<Vec<Spanned<String>>>,
    rank: Spanned<f64>,
    reason: Option<String>,
}

/// Reads `[[correlations]]` entries of the file `file`, each checked on its
/// own: two different params, a finite rank in [-1, 1], no pair twice.
pub(crate) fn read(
    raw: Vec<RawCorrelation>,
    file: FileId,
    sources: &Sources,
    diagnostics: &mut Diagnostics,
) -> Vec<Correlation> {
    let mut out: Vec<Correlation> = Vec::new();
    for entry in raw {
        let span = Span::new(file, entry.params.span().start, entry.params.span().end);
        let names = entry.params.get_ref();
        if names.len() != 2 {
            diagnostics.push(
                Diagnostic::error(format!("a correlation names two params, but this one names {}", names.len()))
                    .at(span)
                    .with_help("write `params = [\"a\", \"b\"]`; for three params, write one entry per pair"),
            );
            continue;
        }
        let ident = |name: &Spanned<String>| Ident {
            name: name.get_ref().clone(),
            span: Span::new(file, name.span().start, name.span().end),
        };
        let params = [ident(&names[0]), ident(&names[1])];
        let rank_span = Span::new(file, entry.rank.span().start, entry.rank.span().end);
        let rank = *entry.rank.get_ref();
        if params[0].name == params[1].name {
            diagnostics.push(
                Diagnostic::error(format!("`{}` is correlated with itself", params[0].name))
                    .at(params[1].span)
                    .with_help("a correlation is between two different params"),
            );
            continue;
        }
        if !rank.is_finite() || rank.abs() > 1.0 {
            diagnostics.push(
                Diagnostic::error(format!("a rank correlation lies between -1 and 1, but this one is {rank}"))
                    .at(rank_span),
            );
            continue;
        }
        let correlation = Correlation { params, rank, rank_span, reason: entry.reason, span };
        if let Some(first) = out.iter().find(|earlier| earlier.same_pair(&correlation)) {
            diagnostics.push(
                Diagnostic::error(format!(
                    "`{}` and `{}` are correlated twice",
                    correlation.params[0].name, correlation.params[1].name
                ))
                .at(span)
                .with_help(format!("the pair is listed first at {}; keep one entry", sources.location(first.span))),
            );
            continue;
        }
        out.push(correlation);
    }
    out
}

/// The Pearson correlation of a Gaussian copula's normal scores that gives
/// Spearman's rank correlation `rank`: `2 sin(pi rank / 6)`.
pub fn spearman_to_pearson(rank: f64) -> f64 {
    2.0 * (std::f64::consts::PI * rank / 6.0).sin()
}

/// The distribution kinds a correlated param may have, for messages.
pub const CORRELATABLE: &str = "normal, lognormal, `a to b`, uniform, beta, triangular and pert, or a truncation of one of them, \
     with numbers for parameters";

/// How far below zero a pivot may round and still count as zero.
const PIVOT_TOLERANCE: f64 = 1e-10;

/// The lower-triangular Cholesky factor of the symmetric `k x k` matrix `a`,
/// or `None` when `a` is not positive semi-definite. A pivot within rounding
/// of zero is taken as zero (the matrix is then singular but possible, as for
/// a rank of exactly 1); the entries below it must then vanish too.
pub fn cholesky(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    for j in 0..k {
        let pivot = a[j * k + j] - (0..j).map(|m| l[j * k + m] * l[j * k + m]).sum::<f64>();
        if pivot < -PIVOT_TOLERANCE {
            return None;
        }
        let diagonal = pivot.max(0.0).sqrt();
        l[j * k + j] = diagonal;
        for i in j + 1..k {
            let rest = a[i * k + j] - (0..j).map(|m| l[i * k + m] * l[j * k + m]).sum::<f64>();
            if diagonal <= PIVOT_TOLERANCE.sqrt() {
                if rest.abs() > 1e-7 {
                    return None;
                }
            } else {
                l[i * k + j] = rest / diagonal;
            }
        }
    }
    Some(l)
}

/// The smallest set of rows (in the matrix's order) whose principal
/// submatrix is not positive semi-definite; for large groups, the shortest
/// leading block that is not.
pub(crate) fn smallest_impossible(a: &[f64], k: usize) -> Vec<usize> {
    let sub = |rows: &[usize]| {
        let n = rows.len();
        let mut out = vec![0.0; n * n];
        for (i, &r) in rows.iter().enumerate() {
            for (j, &c) in rows.iter().enumerate() {
                out[i * n + j] = a[r * k + c];
            }
        }
        cholesky(&out, n).is_none()
    };
    if k <= 12 {
        let mut masks: Vec<u32> = (1..(1u32 << k)).filter(|mask| mask.count_ones() >= 2).collect();
        masks.sort_by_key(|mask| (mask.count_ones(), *mask));
        for mask in masks {
            let rows: Vec<usize> = (0..k).filter(|i| mask & (1 << i) != 0).collect();
            if sub(&rows) {
                return rows;
            }
        }
    }
    (2..=k).map(|n| (0..n).collect::<Vec<_>>()).find(|rows| sub(rows)).unwrap_or_else(|| (0..k).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_becomes_pearson_with_the_ends_fixed() {
        assert_eq!(spearman_to_pearson(0.0), 0.0);
        assert!((spearman_to_pearson(1.0) - 1.0).abs() < 1e-15);
        assert!((spearman_to_pearson(-1.0) + 1.0).abs() < 1e-15);
        // 2 sin(0.8 pi / 6) = 0.8135
        assert!((spearman_to_pearson(0.8) - 0.813473).abs() < 1e-6);
    }

    #[test]
    fn cholesky_rebuilds_the_matrix_and_refuses_impossible_ones() {
        let a = [1.0, 0.5, 0.3, 0.5, 1.0, -0.2, 0.3, -0.2, 1.0];
        let l = cholesky(&a, 3).expect("positive definite");
        for i in 0..3 {
            for j in 0..3 {
                let product: f64 = (0..3).map(|m| l[i * 3 + m] * l[j * 3 + m]).sum();
                assert!((product - a[i * 3 + j]).abs() < 1e-12);
            }
        }
        // A perfect correlation is singular but possible.
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2).is_some());
        // a ~ b and a ~ c strongly positive, b ~ c strongly negative: impossible.
        let bad = [1.0, 0.9, 0.9, 0.9, 1.0, -0.9, 0.9, -0.9, 1.0];
        assert!(cholesky(&bad, 3).is_none());
        assert_eq!(smallest_impossible(&bad, 3), vec![0, 1, 2]);
    }

    #[test]
    fn the_smallest_impossible_set_leaves_out_bystanders() {
        // Rows 0, 2, 3 are impossible together; row 1 is independent of all.
        let k = 4;
        let mut a = vec![0.0; k * k];
        for i in 0..k {
            a[i * k + i] = 1.0;
        }
        for (i, j, rho) in [(0, 2, 0.9), (0, 3, 0.9), (2, 3, -0.9)] {
            a[i * k + j] = rho;
            a[j * k + i] = rho;
        }
        assert_eq!(smallest_impossible(&a, k), vec![0, 2, 3]);
    }
}
