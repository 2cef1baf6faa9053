//! Scalar numeric building blocks shared by the vector kernels, constant
//! folding and diagnostics, so that all three compute bit-identical values.
//!
//! [`exp`] is a branch-free polynomial exponential that the compiler can
//! vectorise (the standard library's `exp` is an opaque libm call). Its error
//! is at most about one unit in the last place; tests compare it with `f64::exp`.
//! Its polynomial uses fused multiply-adds, which are exactly rounded by
//! IEEE 754 and so give the same bits on every machine: a single instruction
//! in the engine's AVX2 + FMA code path (and on aarch64), a libm call elsewhere.

// Published constants are kept with all their digits, as printed at the source.
#![allow(clippy::excessive_precision)]

/// 1.5 * 2^52: adding it rounds a double to an integer held in the low mantissa bits.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split into a high part with trailing zero bits and a low correction,
/// so that `n * LN2_HI` is exact for the integers `n` used here.
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
/// Inputs are clamped to this range, just wider than where `e^x` is finite
/// and non-zero, so that the scaling by `2^n` overflows to infinity above it
/// and underflows to zero below it without any special case.
const EXP_CLAMP_LOW: f64 = -746.0;
const EXP_CLAMP_HIGH: f64 = 710.0;
/// Keeps `n + EXP_OFFSET` non-negative, so that halving it is a logical shift.
const EXP_OFFSET: u64 = 1100;
/// Coefficients of a degree-11 polynomial closest to `e^r` on
/// `[-ln 2 / 2, ln 2 / 2]` in the Chebyshev sense (error 3.2e-18, far below
/// the 1.1e-16 of a double), lowest degree first.
const EXP_COEFFICIENTS: [f64; 12] = [
    1.0,
    1.0,
    0.500_000_000_000_001_9,
    0.166_666_666_666_666_8,
    0.041_666_666_666_488_1,
    0.008_333_333_333_319_601,
    0.001_388_888_895_231_477_5,
    0.000_198_412_698_900_471_13,
    2.480_148_548_232_849_4e-5,
    2.755_724_091_857_897e-6,
    2.763_263_963_904_103e-7,
    2.511_003_760_596_377_7e-8,
];

/// `e^x`, vectorisable. NaN in gives NaN out; overflow gives infinity.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // `clamp` passes NaN through unchanged.
    let clamped = x.clamp(EXP_CLAMP_LOW, EXP_CLAMP_HIGH);
    // n = round(x / ln 2), r = x - n ln 2 with |r| <= ln2 / 2.
    let shifted = clamped * LOG2_E + ROUND_MAGIC;
    let n = shifted - ROUND_MAGIC;
    let r = (clamped - n * LN2_HI) - n * LN2_LO;
    // Estrin's scheme: pairs, then pairs of pairs, so that the chain of
    // dependent operations is four fused multiply-adds deep instead of eleven.
    let c = &EXP_COEFFICIENTS;
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let p01 = c[1].mul_add(r, c[0]);
    let p23 = c[3].mul_add(r, c[2]);
    let p45 = c[5].mul_add(r, c[4]);
    let p67 = c[7].mul_add(r, c[6]);
    let p89 = c[9].mul_add(r, c[8]);
    let p1011 = c[11].mul_add(r, c[10]);
    let low = p23.mul_add(r2, p01);
    let middle = p67.mul_add(r2, p45);
    let high = p1011.mul_add(r2, p89);
    let p = high.mul_add(r8, middle.mul_add(r4, low));
    // Scale by 2^n in two halves, so that results down to the subnormal range
    // come from in-range exponents and round only once, at the last product.
    let offset = shifted.to_bits().wrapping_sub(ROUND_MAGIC.to_bits()).wrapping_add(EXP_OFFSET);
    let half = offset >> 1;
    let rest = offset - half;
    let bias = 1023 - EXP_OFFSET / 2;
    let scale_a = f64::from_bits((half + bias) << 52);
    let scale_b = f64::from_bits((rest + bias) << 52);
    p * scale_a * scale_b
}

/// The logistic function `1 / (1 + e^-x)`.
#[inline(always)]
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + exp(-x))
}

/// The softplus function `ln(1 + e^x)`, the integral of [`logistic`]:
/// written `max(x, 0) + ln(1 + e^-|x|)` so that it neither overflows for large
/// `x` nor loses the tail for very negative `x`.
#[inline(always)]
pub fn softplus(x: f64) -> f64 {
    x.max(0.0) + exp(-x.abs()).ln_1p()
}

/// Truth value of a number: anything but zero (and NaN) is true.
#[inline(always)]
pub fn truth(x: f64) -> bool {
    x != 0.0 && !x.is_nan()
}

#[inline(always)]
pub fn from_bool(value: bool) -> f64 {
    if value { 1.0 } else { 0.0 }
}

// Coefficients of Wichura's AS 241 (PPND16), highest degree first.
const CENTRAL_NUMERATOR: [f64; 8] = [
    2509.0809287301226727,
    33430.575583588128105,
    67265.770927008700853,
    45921.953931549871457,
    13731.693765509461125,
    1971.5909503065514427,
    133.14166789178437745,
    3.387132872796366608,
];
const CENTRAL_DENOMINATOR: [f64; 8] = [
    5226.495278852545925,
    28729.085735721942674,
    39307.89580009271061,
    21213.794301586595867,
    5394.1960214247511077,
    687.1870074920579083,
    42.313330701600911252,
    1.0,
];
const NEAR_NUMERATOR: [f64; 8] = [
    7.7454501427834140764e-4,
    0.0227238449892691845833,
    0.24178072517745061177,
    1.27045825245236838258,
    3.64784832476320460504,
    5.7694972214606914055,
    4.6303378461565452959,
    1.42343711074968357734,
];
const NEAR_DENOMINATOR: [f64; 8] = [
    1.05075007164441684324e-9,
    5.475938084995344946e-4,
    0.0151986665636164571966,
    0.14810397642748007459,
    0.68976733498510000455,
    1.6763848301838038494,
    2.05319162663775882187,
    1.0,
];
const FAR_NUMERATOR: [f64; 8] = [
    2.01033439929228813265e-7,
    2.71155556874348757815e-5,
    0.0012426609473880784386,
    0.026532189526576123093,
    0.29656057182850489123,
    1.7848265399172913358,
    5.4637849111641143699,
    6.6579046435011037772,
];
const FAR_DENOMINATOR: [f64; 8] = [
    2.04426310338993978564e-15,
    1.4215117583164458887e-7,
    1.8463183175100546818e-5,
    7.868691311456132591e-4,
    0.0148753612908506148525,
    0.13692988092273580531,
    0.59983220655588793769,
    1.0,
];

fn polynomial(coefficients: &[f64; 8], x: f64) -> f64 {
    coefficients.iter().fold(0.0, |sum, c| sum * x + c)
}

/// The standard normal quantile function (Wichura's AS 241, PPND16), accurate
/// to about 1e-16. `p` must lie in (0, 1).
pub fn normal_quantile(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * polynomial(&CENTRAL_NUMERATOR, r) / polynomial(&CENTRAL_DENOMINATOR, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let r = (-tail.ln()).sqrt();
    let value = if r <= 5.0 {
        polynomial(&NEAR_NUMERATOR, r - 1.6) / polynomial(&NEAR_DENOMINATOR, r - 1.6)
    } else {
        polynomial(&FAR_NUMERATOR, r - 5.0) / polynomial(&FAR_DENOMINATOR, r - 5.0)
    };
    if q < 0.0 { -value } else { value }
}

/// The standard normal cumulative distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

/// z such that P(Z <= z) = 0.95: half-width of a 90% interval in sds.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// ln B(a, b), the log of the beta function. When the larger shape is at
/// least [`STIRLING_FROM`] or the smaller one is below 1,
/// `ln Γ(large) - ln Γ(small + large)` comes from Stirling's series as one
/// difference, rather than as two logs whose difference loses digits (which
/// matters for a small shape, where the beta quantile's error is that of
/// `ln B` divided by the small shape).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    let (small, mut large) = if a <= b { (a, b) } else { (b, a) };
    if large < STIRLING_FROM && small >= 1.0 {
        return statrs::function::beta::ln_beta(a, b);
    }
    // ln Γ(x) - ln Γ(x + d) = that at x + 1, plus ln(1 + d / x): shift up to
    // where Stirling's series is exact (multiplying the factors, one log).
    let mut factor = 1.0;
    while large < STIRLING_FROM {
        factor *= (large + small) / large;
        large += 1.0;
    }
    let sum = small + large;
    let difference = -(large - 0.5) * (small / large).ln_1p() - small * sum.ln() + small + stirling_remainder(large)
        - stirling_remainder(sum);
    statrs::function::gamma::ln_gamma(small) + difference + factor.ln()
}

/// Where [`ln_beta`] switches to Stirling's series: there its remainder,
/// summed to the `x^-13` term, is exact to below 1e-17.
const STIRLING_FROM: f64 = 15.0;

/// `ln Γ(x) - ((x - 1/2) ln x - x + ln(2π)/2)` for x >= 15, by Stirling's series.
fn stirling_remainder(x: f64) -> f64 {
    // B_2k / (2k (2k - 1)) for k = 1..7, highest first.
    const COEFFICIENTS: [f64; 7] =
        [1.0 / 156.0, -691.0 / 360_360.0, 1.0 / 1188.0, -1.0 / 1680.0, 1.0 / 1260.0, -1.0 / 360.0, 1.0 / 12.0];
    let inverse = 1.0 / x;
    let square = inverse * inverse;
    COEFFICIENTS.iter().fold(0.0, |sum, c| sum * square + c) * inverse
}

/// Continued-fraction iterations allowed for the incomplete beta function;
/// it needs about `sqrt(max(a, b))` of them, so this covers shapes far above 10^6.
const BETA_FRACTION_ITERATIONS: usize = 2000;

/// The continued fraction of the incomplete beta function (modified Lentz's
/// method), which converges fast for `x < (a + 1) / (a + b + 2)`.
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let guard = |value: f64| if value.abs() < TINY { TINY } else { value };
    let (sum, above, below) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - sum * x / above);
    let mut h = d;
    for m in 1..=BETA_FRACTION_ITERATIONS {
        let m = m as f64;
        let twice = 2.0 * m;
        let even = m * (b - m) * x / ((below + twice) * (a + twice));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (sum + m) * x / ((a + twice) * (above + twice));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() <= f64::EPSILON {
            break;
        }
    }
    h
}

/// The regularized incomplete beta function and its complement,
/// `(I_x(a, b), 1 - I_x(a, b))`, each with a small relative error (the
/// smaller of the two is computed directly, never as a difference from 1).
/// `ln_beta` is `ln B(a, b)`, passed in so that a caller evaluating one shape
/// at many points computes it once.
pub fn beta_regularized(a: f64, b: f64, ln_beta: f64, x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    if x >= 1.0 {
        return (1.0, 0.0);
    }
    // x^a (1 - x)^b / B(a, b).
    let front = (a * x.ln() + b * (-x).ln_1p() - ln_beta).exp();
    if x * (a + b + 2.0) < a + 1.0 {
        let lower = (front * beta_fraction(a, b, x) / a).min(1.0);
        (lower, 1.0 - lower)
    } else {
        let upper = (front * beta_fraction(b, a, 1.0 - x) / b).min(1.0);
        (1.0 - upper, upper)
    }
}

/// A Halley step on `ln x` below this (relative to `max(1, |ln x|)`) ends the
/// beta quantile's iteration.
const HALLEY_DONE: f64 = 1e-9;

/// Iterations allowed for the beta quantile: from the initial guess it
/// converges in two to four, and bisection of the whole range of `ln x`
/// down to rounding takes about 60.
const BETA_QUANTILE_ITERATIONS: usize = 120;

/// The beta quantile: `x` with `I_x(a, b) = u`, for `u` in (0, 1), with
/// about 1e-14 relative error in `x` where the problem is well conditioned
/// (the error is at most that of `ln B(a, b)` divided by the elasticity
/// `d ln I / d ln x`, which is about `a` in the lower tail).
///
/// The initial guess is that of AS 109 (Cornish-Fisher through Carter's
/// approximation for `a, b > 1`, the two power tails otherwise), refined by
/// Halley's method on `ln x` (on the side of 1/2 where `x` lies, working with
/// `1 - x` and the complement when `x` is above 1/2), inside a bracket that
/// falls back to bisection if a step leaves it. Closed forms when a shape is 1.
pub fn beta_quantile(a: f64, b: f64, u: f64) -> f64 {
    if u.is_nan() {
        return f64::NAN;
    }
    beta_quantile_pair(a, b, u, 1.0 - u).0
}

/// The beta quantile as `(x, 1 - x)` for the probability `p` given with its
/// complement `q = 1 - p` (so that each keeps its relative precision near 0 and 1).
fn beta_quantile_pair(a: f64, b: f64, p: f64, q: f64) -> (f64, f64) {
    if p.is_nan() || a.is_nan() || b.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if p <= 0.0 {
        return (0.0, 1.0);
    }
    if q <= 0.0 {
        return (1.0, 0.0);
    }
    // ln p and ln q from whichever of p and q is the more precise.
    let ln_p = if q < 0.5 { (-q).ln_1p() } else { p.ln() };
    let ln_q = if p < 0.5 { (-p).ln_1p() } else { q.ln() };
    if b == 1.0 {
        return ((ln_p / a).exp(), -(ln_p / a).exp_m1());
    }
    if a == 1.0 {
        return (-(ln_q / b).exp_m1(), (ln_q / b).exp());
    }
    let ln_beta = ln_beta(a, b);
    // The initial guess, as (x, 1 - x).
    let (guess, guess_complement) = if a > 1.0 && b > 1.0 {
        // The upper-tail normal quantile, as AS 109 uses it.
        let z = if p <= 0.5 { -normal_quantile(p) } else { normal_quantile(q) };
        let r = (z * z - 3.0) / 6.0;
        let (s, t) = (1.0 / (2.0 * a - 1.0), 1.0 / (2.0 * b - 1.0));
        let h = 2.0 / (s + t);
        let w = z * (h + r).sqrt() / h - (t - s) * (r + 5.0 / 6.0 - 2.0 / (3.0 * h));
        let ratio = b * (2.0 * w).exp();
        (a / (a + ratio), ratio / (a + ratio))
    } else {
        // The lower tail behaves as x^a / (a B), the upper as (1 - x)^b / (b B);
        // split the probability between them in proportion.
        let (ln_a, ln_b) = ((a / (a + b)).ln(), (b / (a + b)).ln());
        let lower = (a * ln_a - a.ln()).exp();
        let upper = (b * ln_b - b.ln()).exp();
        let total = lower + upper;
        if p < lower / total {
            let x = ((a * total * p).ln() / a).exp();
            (x, 1.0 - x)
        } else {
            let y = ((b * total * q).ln() / b).exp();
            (1.0 - y, y)
        }
    };
    // Solve for whichever of x and 1 - x is below 1/2 (so that it keeps its
    // relative precision); if the guess picked the wrong side, the solution
    // lands well above 1/2 and the other side is solved from there.
    if guess <= 0.5 {
        let x = solve_lower_side(a, b, ln_beta, p, q, guess);
        if x <= WRONG_SIDE {
            (x, 1.0 - x)
        } else {
            let y = solve_lower_side(b, a, ln_beta, q, p, 1.0 - x);
            (1.0 - y, y)
        }
    } else {
        let y = solve_lower_side(b, a, ln_beta, q, p, guess_complement);
        if y <= WRONG_SIDE {
            (1.0 - y, y)
        } else {
            let x = solve_lower_side(a, b, ln_beta, p, q, 1.0 - y);
            (x, 1.0 - x)
        }
    }
}

/// The first knot of [`BetaQuantileTable`] in `t = ln(u / (1 - u))`; the
/// last is its negative. `u` from 3e-17 to 1 - 3e-17: every uniform the
/// engine draws (the smallest is 2^-54 = 5.6e-17) is inside.
const TABLE_START: f64 = -38.0;
/// Knots per unit of `t`.
const TABLE_DENSITY: f64 = 16.0;
/// The largest error the table may have at the middle of an interval (where
/// a quintic Hermite interpolant's error peaks), in `ln(x / (1 - x))`: at
/// least the relative error of `x` (its derivative in `y` is `x (1 - x)`).
const TABLE_TOLERANCE: f64 = 1e-11;

/// The beta quantile function of one shape, tabulated for fast evaluation:
/// `y = ln(x / (1 - x))` as a function of `t = ln(u / (1 - u))` is smooth,
/// with straight asymptotes (slopes `1/a` and `1/b`), so a quintic Hermite
/// interpolant from exact values and first and second derivatives at knots
/// `1/16` apart represents it to about 1e-12 (for shapes from 0.1 up). Every interval is checked at its
/// middle against [`beta_quantile`]; one that misses [`TABLE_TOLERANCE`] (an
/// extreme shape) is marked, and `u` there gets the exact solution.
#[derive(Debug, Clone)]
pub struct BetaQuantileTable {
    /// Per interval, the polynomial in the position `s` in [0, 1) within it,
    /// lowest degree first; NaN in the first where the table is not used.
    coefficients: Vec<[f64; 6]>,
}

impl BetaQuantileTable {
    /// Builds the table for Beta(a, b): about 2,400 exact quantiles.
    pub fn new(a: f64, b: f64) -> BetaQuantileTable {
        let ln_beta = ln_beta(a, b);
        let intervals = (-2.0 * TABLE_START * TABLE_DENSITY).round() as usize;
        let step = 1.0 / TABLE_DENSITY;
        // (y, dy/dt, d2y/dt2) at t, or None where they are not finite.
        let knot = |t: f64| -> Option<(f64, f64, f64)> {
            let (u, v) = logistic_pair(t);
            let (x, w) = beta_quantile_pair(a, b, u, v);
            if !(x > 0.0 && w > 0.0) {
                return None;
            }
            let y = x.ln() - w.ln();
            // dy/dt = u (1 - u) / (x^a (1 - x)^b / B); then the log-derivative.
            let slope = (u.ln() + v.ln() - a * x.ln() - b * w.ln() + ln_beta).exp();
            let curvature = slope * ((v - u) - slope * (a * w - b * x));
            [y, slope, curvature].iter().all(|value| value.is_finite()).then_some((y, slope, curvature))
        };
        let exact = |t: f64| -> Option<f64> {
            let (u, v) = logistic_pair(t);
            let (x, w) = beta_quantile_pair(a, b, u, v);
            (x > 0.0 && w > 0.0).then(|| x.ln() - w.ln())
        };
        let knots: Vec<Option<(f64, f64, f64)>> =
            (0..=intervals).map(|i| knot(TABLE_START + i as f64 * step)).collect();
        let coefficients = (0..intervals)
            .map(|i| {
                let unused = [f64::NAN; 6];
                let (Some((y0, d0, c0)), Some((y1, d1, c1))) = (knots[i], knots[i + 1]) else { return unused };
                let (d0, d1) = (d0 * step, d1 * step);
                let (c0, c1) = (c0 * step * step, c1 * step * step);
                let rise = y1 - y0;
                let polynomial = [
                    y0,
                    d0,
                    c0 / 2.0,
                    10.0 * rise - 6.0 * d0 - 4.0 * d1 - (3.0 * c0 - c1) / 2.0,
                    -15.0 * rise + 8.0 * d0 + 7.0 * d1 + (3.0 * c0 - 2.0 * c1) / 2.0,
                    6.0 * rise - 3.0 * d0 - 3.0 * d1 - (c0 - c1) / 2.0,
                ];
                let middle = TABLE_START + (i as f64 + 0.5) * step;
                match exact(middle) {
                    Some(y) if (horner(&polynomial, 0.5) - y).abs() <= TABLE_TOLERANCE => polynomial,
                    _ => unused,
                }
            })
            .collect();
        BetaQuantileTable { coefficients }
    }

    /// The quantile at `u`, or None where the table does not cover `u`.
    #[inline]
    pub fn quantile(&self, u: f64) -> Option<f64> {
        let t = (u / (1.0 - u)).ln();
        let position = (t - TABLE_START) * TABLE_DENSITY;
        if !(position >= 0.0 && position < self.coefficients.len() as f64) {
            return None;
        }
        let index = position as usize;
        let polynomial = &self.coefficients[index];
        if polynomial[0].is_nan() {
            return None;
        }
        let y = horner(polynomial, position - index as f64);
        // x = e^y / (1 + e^y), without overflow at either end.
        Some(if y < 0.0 {
            let e = exp(y);
            e / (1.0 + e)
        } else {
            1.0 / (1.0 + exp(-y))
        })
    }

    /// The share of the range of `t` where the table is used (1 for all but extreme shapes).
    pub fn coverage(&self) -> f64 {
        let used = self.coefficients.iter().filter(|polynomial| !polynomial[0].is_nan()).count();
        used as f64 / self.coefficients.len() as f64
    }
}

#[inline(always)]
fn horner(polynomial: &[f64; 6], s: f64) -> f64 {
    polynomial.iter().rev().fold(0.0, |sum, c| sum * s + c)
}

/// `(u, 1 - u)` for `u = 1 / (1 + e^-t)`, each with its relative precision.
fn logistic_pair(t: f64) -> (f64, f64) {
    (1.0 / (1.0 + (-t).exp()), 1.0 / (1.0 + t.exp()))
}

/// A solution of [`solve_lower_side`] above this was on the wrong side of 1/2.
const WRONG_SIDE: f64 = 0.75;

/// Solves `I_z(a, b) = p` (with `q = 1 - p`) for a `z` expected at or below
/// about 1/2, by Halley's method on `s = ln z`, starting from `start`.
fn solve_lower_side(a: f64, b: f64, ln_beta: f64, p: f64, q: f64, start: f64) -> f64 {
    // ln of the smallest positive double, and z <= 1.
    let (mut low, mut high) = (-745.2_f64, 0.0_f64);
    let mut s = start.clamp(f64::MIN_POSITIVE, 1.0).ln().min(-f64::EPSILON);
    // Work on whichever of I and 1 - I is the smaller target, in logs:
    // g(s) = ln I(e^s) - ln p, or ln(1 - I(e^s)) - ln q (which decreases).
    let use_lower = p <= 0.5;
    let target = if use_lower { p } else { q };
    for _ in 0..BETA_QUANTILE_ITERATIONS {
        let z = s.exp();
        if z <= 0.0 {
            return 0.0;
        }
        let (lower, upper) = beta_regularized(a, b, ln_beta, z);
        let value = if use_lower { lower } else { upper };
        if value <= 0.0 {
            // The tail probability underflowed: the lower one means z is too
            // small, the upper one too large. Bisect.
            if use_lower {
                low = s;
            } else {
                high = s;
            }
            s = 0.5 * (low + high);
            continue;
        }
        let residual = ((value - target) / target).ln_1p();
        if residual == 0.0 {
            return z;
        }
        // Below the root g < 0 for the lower tail (g > 0 for the upper one).
        if (residual < 0.0) == use_lower {
            low = s;
        } else {
            high = s;
        }
        // z times the density: z^a (1 - z)^(b - 1) / B(a, b).
        let slope_density = (a * s + (b - 1.0) * (-z).ln_1p() - ln_beta).exp();
        // g' = ±(z f) / value; g'' = g' (k - g') with k = a - (b - 1) z / (1 - z).
        let derivative = if use_lower { slope_density / value } else { -slope_density / value };
        let curvature = a - (b - 1.0) * z / (1.0 - z);
        let newton = residual / derivative;
        // Halley's correction only near the root, where it is small; far
        // from it Newton's step (or bisection, if that leaves the bracket).
        let correction = 0.5 * newton * (curvature - derivative);
        let step = if correction.abs() < 0.5 { newton / (1.0 - correction) } else { newton };
        let next = s - step;
        let scale = s.abs().max(1.0);
        if next.is_finite() && next > low && next < high {
            s = next;
            // Halley's method converges cubically: after a step this small
            // the error left is far below the rounding of the result.
            if step.abs() <= HALLEY_DONE * scale {
                break;
            }
        } else {
            s = 0.5 * (low + high);
        }
        if high - low <= 4.0 * f64::EPSILON * scale {
            break;
        }
    }
    s.exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn exp_matches_std_within_two_ulps() {
        let mut worst = 0;
        let mut x = -744.0;
        while x < 709.0 {
            for offset in [0.0, 0.123_456_789, 0.5, 0.777] {
                let value = x + offset;
                worst = worst.max(ulps(exp(value), value.exp()));
            }
            x += 0.9;
        }
        let mut small = -1.0;
        while small < 1.0 {
            worst = worst.max(ulps(exp(small), small.exp()));
            small += 0.000_97;
        }
        assert!(worst <= 2, "worst error {worst} ulps");
    }

    #[test]
    fn exp_matches_std_within_two_ulps_at_random_points_and_range_ends() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut uniform = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut worst = (0, 0.0);
        let mut check = |x: f64| {
            let error = ulps(exp(x), x.exp());
            if error > worst.0 {
                worst = (error, x);
            }
        };
        for _ in 0..2_000_000 {
            check(-746.0 + 1457.0 * uniform());
            check(-2.0 + 4.0 * uniform());
            check(1e-6 * (uniform() - 0.5));
        }
        let ends: [f64; 5] =
            [709.782_712_893_384, 709.782_712_893_383_9, 709.79, -708.396_418_532_264_1, -745.133_219_101_941_1];
        for x in ends {
            for step in -3i64..=3 {
                check(f64::from_bits(x.to_bits().wrapping_add_signed(step)));
            }
        }
        assert!(worst.0 <= 2, "worst error {} ulps at {}", worst.0, worst.1);
    }

    #[test]
    fn exp_edge_cases() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(1000.0), f64::INFINITY);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(-1000.0), 0.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert!(exp(-740.0) > 0.0, "subnormal results are reached");
        assert!(ulps(exp(-740.0), (-740.0f64).exp()) <= 2);
    }

    #[test]
    fn normal_quantile_matches_known_values_and_inverts_cdf() {
        let known = [
            (0.001, -3.090_232_306_167_813_5),
            (0.025, -1.959_963_984_540_054),
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (1e-10, -6.361_340_902_404_056),
        ];
        for (p, expected) in known {
            assert!((normal_quantile(p) - expected).abs() < 1e-14 * expected.abs().max(1.0), "p = {p}");
        }
        for p in [1e-300, 1e-12, 0.001, 0.05, 0.3, 0.7, 0.95, 0.999, 1.0 - 1e-12] {
            let back = normal_cdf(normal_quantile(p));
            assert!((back - p).abs() <= 1e-9 * p.min(1.0 - p).max(1e-300), "p = {p}: cdf = {back}");
        }
        assert!((normal_quantile(0.95) - Z95).abs() < 1e-15);
    }
}
