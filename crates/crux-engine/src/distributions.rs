//! Distributions: parameter validation, fast random draws, and quantile
//! functions (used for truncation and for draws from given uniforms, as the
//! sensitivity analysis needs). A draw whose parameters are constant can carry
//! a table of its quantile function ([`tabulate`]) where that function is
//! iterative (beta), so that draws from uniforms cost tens of nanoseconds.

use crate::math::{self, BetaQuantileTable, normal_cdf, normal_quantile};
use crate::program::DrawDist;
use crux_lang::Diagnostic;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::sync::{Arc, OnceLock};

/// A distribution with validated, canonical parameters.
#[derive(Debug, Clone)]
pub enum Shape {
    Normal {
        mean: f64,
        sd: f64,
    },
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    /// `low + scale * Beta(alpha, beta)` (PERT is a scaled beta).
    Beta {
        alpha: f64,
        beta: f64,
        low: f64,
        scale: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Bernoulli {
        p: f64,
    },
    /// Cumulative weights, normalised so that the last is 1.
    Categorical {
        cumulative: Vec<f64>,
    },
    Truncated {
        inner: Box<Shape>,
        low: f64,
        high: f64,
        cdf_low: f64,
        cdf_high: f64,
    },
    /// A shape with an iterative quantile function and a table of it, built
    /// on the first quantile asked for (see [`tabulate`]). Draws and the CDF
    /// are those of the inner shape.
    Tabulated(Arc<Tabulated>),
}

/// A beta shape and its quantile table, built once on first use (by
/// whichever thread asks first; the table depends only on the shape, so
/// results do not depend on threads).
#[derive(Debug)]
pub struct Tabulated {
    pub shape: Shape,
    table: OnceLock<BetaQuantileTable>,
}

impl Tabulated {
    fn quantile(&self, u: f64) -> f64 {
        let Shape::Beta { alpha, beta, low, scale } = self.shape else { return quantile(&self.shape, u) };
        let table = self.table.get_or_init(|| BetaQuantileTable::new(alpha, beta));
        let unit = table.quantile(u).unwrap_or_else(|| math::beta_quantile(alpha, beta, u));
        low + scale * unit
    }
}

/// Gives `shape` (and a truncated shape's inner one) a quantile table where
/// its quantile function is iterative: a beta with neither shape 1. For draws
/// whose parameters are the same in every sample, which are evaluated from
/// many uniforms; building the table costs about a millisecond, on first use.
pub fn tabulate(shape: Shape) -> Shape {
    match shape {
        Shape::Beta { alpha, beta, .. } if alpha != 1.0 && beta != 1.0 => {
            Shape::Tabulated(Arc::new(Tabulated { shape, table: OnceLock::new() }))
        }
        Shape::Truncated { inner, low, high, cdf_low, cdf_high } => {
            Shape::Truncated { inner: Box::new(tabulate(*inner)), low, high, cdf_low, cdf_high }
        }
        other => other,
    }
}

fn invalid(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(message)
}

/// Checks `dist` with parameter values `values` (in `DrawDist::operands` order).
pub fn validate(dist: &DrawDist, values: &[f64]) -> Result<(), Diagnostic> {
    shape(dist, values).map(|_| ())
}

/// Validates parameters and converts them to a [`Shape`].
pub fn shape(dist: &DrawDist, values: &[f64]) -> Result<Shape, Diagnostic> {
    if let Some(bad) = values.iter().find(|value| !value.is_finite()) {
        return Err(invalid(format!("a parameter of this distribution is {bad}"))
            .with_help("distribution parameters must be finite numbers"));
    }
    let shape = match dist {
        DrawDist::Normal { .. } => {
            let (mean, sd) = (values[0], values[1]);
            if sd <= 0.0 {
                return Err(invalid(format!("`normal` needs sd > 0, but sd is {sd}"))
                    .with_help("for a fixed value write the number itself (or `pointmass(x)`)"));
            }
            Shape::Normal { mean, sd }
        }
        DrawDist::NormalInterval { z, .. } => {
            let (low, high) = (values[0], values[1]);
            if low >= high {
                return Err(invalid(format!(
                    "`normal` with an interval needs the low quantile below the high one, but got {low} and {high}"
                )));
            }
            Shape::Normal { mean: (low + high) / 2.0, sd: (high - low) / (2.0 * z) }
        }
        DrawDist::LogNormal { .. } => {
            let (mu, sigma) = (values[0], values[1]);
            if sigma <= 0.0 {
                return Err(invalid(format!("`lognormal` needs sigma > 0, but sigma is {sigma}")));
            }
            Shape::LogNormal { mu, sigma }
        }
        DrawDist::LogNormalInterval { z, written_as_to, .. } => {
            let (low, high) = (values[0], values[1]);
            let written =
                if *written_as_to { format!("`{low} to {high}`") } else { "`lognormal` with an interval".to_string() };
            if low <= 0.0 || high <= 0.0 {
                return Err(invalid(format!("{written} needs both ends > 0, because it is a lognormal")).with_help(
                    format!("for a range that reaches zero or below, use `normal({{p5: {low}, p95: {high}}})`"),
                ));
            }
            if low >= high {
                return Err(invalid(format!("{written} needs the low end below the high end"))
                    .with_help(format!("write `{high} to {low}`, or use `normal({{p5: {high}, p95: {low}}})`")));
            }
            let (log_low, log_high) = (low.ln(), high.ln());
            Shape::LogNormal { mu: (log_low + log_high) / 2.0, sigma: (log_high - log_low) / (2.0 * z) }
        }
        DrawDist::Uniform { .. } => {
            let (low, high) = (values[0], values[1]);
            if low >= high {
                return Err(invalid(format!("`uniform` needs low < high, but got {low} and {high}")));
            }
            Shape::Uniform { low, high }
        }
        DrawDist::Beta { .. } => {
            let (alpha, beta) = (values[0], values[1]);
            if alpha <= 0.0 || beta <= 0.0 {
                return Err(invalid(format!("`beta` needs both shape parameters > 0, but got {alpha} and {beta}"))
                    .with_help("for a mean and a concentration, write `beta({mean: 0.7, k: 10})`"));
            }
            check_beta_concentration(alpha, beta)?;
            Shape::Beta { alpha, beta, low: 0.0, scale: 1.0 }
        }
        DrawDist::BetaMean { .. } => {
            let (mean, k) = (values[0], values[1]);
            if mean <= 0.0 || mean >= 1.0 {
                return Err(invalid(format!("`beta({{mean, k}})` needs 0 < mean < 1, but mean is {mean}")));
            }
            if k <= 0.0 {
                return Err(invalid(format!("`beta({{mean, k}})` needs k > 0, but k is {k}"))
                    .with_help("k = alpha + beta: larger k means a narrower distribution"));
            }
            let (alpha, beta) = (mean * k, (1.0 - mean) * k);
            check_beta_concentration(alpha, beta)?;
            Shape::Beta { alpha, beta, low: 0.0, scale: 1.0 }
        }
        DrawDist::Triangular { .. } | DrawDist::Pert { .. } => {
            let (min, mode, max) = (values[0], values[1], values[2]);
            let name = if matches!(dist, DrawDist::Pert { .. }) { "pert" } else { "triangular" };
            if !(min < max && min <= mode && mode <= max) {
                return Err(invalid(format!(
                    "`{name}` needs min <= mode <= max with min < max, but got {min}, {mode}, {max}"
                )));
            }
            if matches!(dist, DrawDist::Pert { .. }) {
                let range = max - min;
                Shape::Beta {
                    alpha: 1.0 + 4.0 * (mode - min) / range,
                    beta: 1.0 + 4.0 * (max - mode) / range,
                    low: min,
                    scale: range,
                }
            } else {
                Shape::Triangular { min, mode, max }
            }
        }
        DrawDist::Bernoulli { .. } => {
            let p = values[0];
            if !(0.0..=1.0).contains(&p) {
                return Err(invalid(format!("`bernoulli` needs 0 <= p <= 1, but p is {p}")));
            }
            Shape::Bernoulli { p }
        }
        DrawDist::Categorical { .. } => {
            if let Some(negative) = values.iter().find(|weight| **weight < 0.0) {
                return Err(invalid(format!("mixture weights must not be negative, but one is {negative}")));
            }
            let total: f64 = values.iter().sum();
            if total <= 0.0 || !total.is_finite() {
                return Err(invalid("mixture weights must add up to a positive number"));
            }
            let mut running = 0.0;
            let mut cumulative: Vec<f64> = values
                .iter()
                .map(|weight| {
                    running += weight / total;
                    running
                })
                .collect();
            if let Some(last) = cumulative.last_mut() {
                *last = 1.0;
            }
            Shape::Categorical { cumulative }
        }
        DrawDist::Truncated { inner, .. } => {
            let inner_count = values.len() - 2;
            let (low, high) = (values[inner_count], values[inner_count + 1]);
            let inner = shape(inner, &values[..inner_count])?;
            if low >= high {
                return Err(invalid(format!("`truncate` needs low < high, but got {low} and {high}")));
            }
            let (cdf_low, cdf_high) = (cdf(&inner, low), cdf(&inner, high));
            if cdf_high - cdf_low <= 0.0 {
                return Err(invalid(format!(
                    "the distribution has no probability between {low} and {high}, so it cannot be truncated there"
                )));
            }
            Shape::Truncated { inner: Box::new(inner), low, high, cdf_low, cdf_high }
        }
    };
    Ok(shape)
}

/// The largest beta shape parameter accepted. Beyond it the distribution is
/// narrower than a ten-thousandth of its mean, indistinguishable from a
/// normal, and its CDF and quantile (used by truncation and the analyses)
/// would need more continued-fraction terms than they are allowed.
pub const MAX_BETA_SHAPE: f64 = 1e6;

fn check_beta_concentration(alpha: f64, beta: f64) -> Result<(), Diagnostic> {
    if alpha <= MAX_BETA_SHAPE && beta <= MAX_BETA_SHAPE {
        return Ok(());
    }
    let total = alpha + beta;
    let mean = alpha / total;
    let sd = (alpha / total * (beta / total) / (total + 1.0)).sqrt();
    Err(invalid(format!(
        "`beta` shape parameters above {MAX_BETA_SHAPE:e} are not supported, but got {alpha} and {beta}"
    ))
    .with_help(format!(
        "a beta this concentrated is a normal: write `normal({}, {})`",
        crate::format::significant(mean, 6),
        crate::format::significant(sd, 3)
    )))
}

/// P(X <= x).
pub fn cdf(shape: &Shape, x: f64) -> f64 {
    match shape {
        Shape::Normal { mean, sd } => normal_cdf((x - mean) / sd),
        Shape::LogNormal { mu, sigma } => {
            if x <= 0.0 {
                0.0
            } else {
                normal_cdf((x.ln() - mu) / sigma)
            }
        }
        Shape::Uniform { low, high } => ((x - low) / (high - low)).clamp(0.0, 1.0),
        Shape::Beta { alpha, beta, low, scale } => {
            let unit = (x - low) / scale;
            if unit <= 0.0 {
                0.0
            } else if unit >= 1.0 {
                1.0
            } else {
                math::beta_regularized(*alpha, *beta, math::ln_beta(*alpha, *beta), unit).0
            }
        }
        Shape::Triangular { min, mode, max } => {
            if x <= *min {
                0.0
            } else if x >= *max {
                1.0
            } else if x <= *mode {
                (x - min).powi(2) / ((max - min) * (mode - min))
            } else {
                1.0 - (max - x).powi(2) / ((max - min) * (max - mode))
            }
        }
        Shape::Bernoulli { p } => {
            if x < 0.0 {
                0.0
            } else if x < 1.0 {
                1.0 - p
            } else {
                1.0
            }
        }
        Shape::Categorical { cumulative } => {
            if x < 0.0 {
                0.0
            } else {
                cumulative[(x.floor() as usize).min(cumulative.len() - 1)]
            }
        }
        Shape::Tabulated(tabulated) => cdf(&tabulated.shape, x),
        Shape::Truncated { inner, low, high, cdf_low, cdf_high } => {
            if x < *low {
                0.0
            } else if x >= *high {
                1.0
            } else {
                (cdf(inner, x) - cdf_low) / (cdf_high - cdf_low)
            }
        }
    }
}

/// The value with P(X <= value) = u, for u in (0, 1).
pub fn quantile(shape: &Shape, u: f64) -> f64 {
    match shape {
        Shape::Normal { mean, sd } => mean + sd * normal_quantile(u),
        Shape::LogNormal { mu, sigma } => math::exp(mu + sigma * normal_quantile(u)),
        Shape::Uniform { low, high } => low + (high - low) * u,
        Shape::Beta { alpha, beta, low, scale } => low + scale * math::beta_quantile(*alpha, *beta, u),
        Shape::Tabulated(tabulated) => tabulated.quantile(u),
        Shape::Triangular { min, mode, max } => {
            let split = (mode - min) / (max - min);
            if u < split {
                min + (u * (max - min) * (mode - min)).sqrt()
            } else {
                max - ((1.0 - u) * (max - min) * (max - mode)).sqrt()
            }
        }
        Shape::Bernoulli { p } => math::from_bool(u > 1.0 - p),
        Shape::Categorical { cumulative } => {
            cumulative.iter().position(|c| u < *c).unwrap_or(cumulative.len() - 1) as f64
        }
        Shape::Truncated { inner, low, high, cdf_low, cdf_high } => {
            // Far in a tail the probability can round to 0 or 1, where a
            // quantile is infinite or NaN: keep it inside (0, 1) and the range.
            let p = (cdf_low + u * (cdf_high - cdf_low)).clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0);
            let value = quantile(inner, p);
            if value.is_nan() { if p > 0.5 { *high } else { *low } } else { value.clamp(*low, *high) }
        }
    }
}

/// A uniform draw in the open interval (0, 1).
#[inline]
pub fn open_uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Fills `out` with independent draws from `shape`. Inlined, so that the
/// arithmetic on the draws uses the vector width of the caller.
#[inline(always)]
pub fn sample_into(shape: &Shape, out: &mut [f64], rng: &mut Xoshiro256PlusPlus) {
    match shape {
        Shape::Normal { mean, sd } => {
            for value in out.iter_mut() {
                let z: f64 = StandardNormal.sample(rng);
                *value = mean + sd * z;
            }
        }
        Shape::LogNormal { mu, sigma } => {
            for value in out.iter_mut() {
                *value = StandardNormal.sample(rng);
            }
            for value in out.iter_mut() {
                *value = math::exp(mu + sigma * *value);
            }
        }
        Shape::Uniform { low, high } => {
            for value in out.iter_mut() {
                *value = low + (high - low) * open_uniform(rng);
            }
        }
        Shape::Beta { alpha, beta, low, scale } => sample_beta(*alpha, *beta, *low, *scale, out, rng),
        Shape::Tabulated(tabulated) => sample_into(&tabulated.shape, out, rng),
        Shape::Bernoulli { p } => {
            for value in out.iter_mut() {
                *value = math::from_bool(open_uniform(rng) < *p);
            }
        }
        Shape::Triangular { .. } | Shape::Categorical { .. } | Shape::Truncated { .. } => {
            for value in out.iter_mut() {
                *value = quantile(shape, open_uniform(rng));
            }
        }
    }
}

/// Fills `out` with `low + scale * Beta(alpha, beta)` draws: `U^(1/alpha)`
/// when `beta` is 1 (and its mirror when `alpha` is 1), the ratio of two
/// gamma draws when both shapes are at least 1, and otherwise (small shapes,
/// where gamma draws can underflow) Cheng's algorithm from `rand_distr`.
/// Inlined so that the engine's AVX2 + FMA code path compiles its
/// exponential with fused multiply-add instructions rather than libm calls.
#[inline(always)]
fn sample_beta(alpha: f64, beta: f64, low: f64, scale: f64, out: &mut [f64], rng: &mut Xoshiro256PlusPlus) {
    if beta == 1.0 {
        for value in out.iter_mut() {
            *value = low + scale * math::exp(open_uniform(rng).ln() / alpha);
        }
    } else if alpha == 1.0 {
        for value in out.iter_mut() {
            *value = low + scale * -(open_uniform(rng).ln() / beta).exp_m1();
        }
    } else if alpha >= 1.0 && beta >= 1.0 {
        let (first, second) = (GammaShape::new(alpha), GammaShape::new(beta));
        for value in out.iter_mut() {
            let x = first.sample(rng);
            let y = second.sample(rng);
            *value = low + scale * (x / (x + y));
        }
    } else {
        match rand_distr::Beta::new(alpha, beta) {
            Ok(distribution) => {
                for value in out.iter_mut() {
                    *value = low + scale * distribution.sample(rng);
                }
            }
            Err(_) => out.fill(f64::NAN),
        }
    }
}

/// Gamma(shape, 1) for shape >= 1 by Marsaglia and Tsang's method.
struct GammaShape {
    d: f64,
    c: f64,
}

impl GammaShape {
    fn new(shape: f64) -> Self {
        let d = shape - 1.0 / 3.0;
        GammaShape { d, c: 1.0 / (9.0 * d).sqrt() }
    }

    #[inline]
    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        loop {
            let x: f64 = StandardNormal.sample(rng);
            let v = 1.0 + self.c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = open_uniform(rng);
            let square = x * x;
            if u < 1.0 - 0.0331 * square * square || u.ln() < 0.5 * square + self.d * (1.0 - v + v.ln()) {
                return self.d * v;
            }
        }
    }
}

/// One draw from `shape`.
pub fn sample_one(shape: &Shape, rng: &mut Xoshiro256PlusPlus) -> f64 {
    let mut out = [0.0];
    sample_into(shape, &mut out, rng);
    out[0]
}

/// Analytic mean and standard deviation, where they are simple (for tests and reports).
pub fn moments(shape: &Shape) -> Option<(f64, f64)> {
    Some(match shape {
        Shape::Normal { mean, sd } => (*mean, *sd),
        Shape::LogNormal { mu, sigma } => {
            let mean = (mu + sigma * sigma / 2.0).exp();
            (mean, mean * ((sigma * sigma).exp() - 1.0).sqrt())
        }
        Shape::Uniform { low, high } => ((low + high) / 2.0, (high - low) / 12f64.sqrt()),
        Shape::Beta { alpha, beta, low, scale } => {
            let total = alpha + beta;
            let mean = alpha / total;
            let variance = alpha * beta / (total * total * (total + 1.0));
            (low + scale * mean, scale * variance.sqrt())
        }
        Shape::Triangular { min, mode, max } => {
            let mean = (min + mode + max) / 3.0;
            let variance = (min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0;
            (mean, variance.sqrt())
        }
        Shape::Bernoulli { p } => (*p, (p * (1.0 - p)).sqrt()),
        Shape::Tabulated(tabulated) => return moments(&tabulated.shape),
        Shape::Categorical { .. } | Shape::Truncated { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The Kolmogorov-Smirnov distance between `draws` and the CDF of `shape`.
    fn distance(shape: &Shape, draws: &mut [f64]) -> f64 {
        draws.sort_by(f64::total_cmp);
        let n = draws.len() as f64;
        draws
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let level = cdf(shape, *x);
                (level - i as f64 / n).abs().max((level - (i + 1) as f64 / n).abs())
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn beta_draws_follow_the_beta_distribution_on_every_path() {
        const N: usize = 100_000;
        // beta = 1, alpha = 1, both >= 1 (gamma ratio), and small shapes (Cheng's algorithm).
        let shapes = [(9.0, 1.0), (1.0, 3.0), (8.0, 2.0), (2.0, 5.0), (0.5, 0.5), (0.3, 4.0)];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(17);
        for (alpha, beta) in shapes {
            let shape = Shape::Beta { alpha, beta, low: -1.0, scale: 3.0 };
            let mut draws = vec![0.0; N];
            sample_into(&shape, &mut draws, &mut rng);
            let (mean, sd) = moments(&shape).expect("beta has moments");
            let sample_mean = draws.iter().sum::<f64>() / N as f64;
            assert!(
                (sample_mean - mean).abs() < 5.0 * sd / (N as f64).sqrt(),
                "beta({alpha}, {beta}) mean {sample_mean}"
            );
            // The 0.1% critical value of the KS distance is about 1.95 / sqrt(n).
            let d = distance(&shape, &mut draws);
            assert!(d < 1.95 / (N as f64).sqrt(), "beta({alpha}, {beta}): KS distance {d}");
        }
    }
}
