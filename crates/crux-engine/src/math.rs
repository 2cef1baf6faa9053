//! Scalar numeric building blocks shared by the vector kernels, constant
//! folding and diagnostics, so that all three compute bit-identical values.
//!
//! [`exp`] is a branch-free polynomial exponential that the compiler can
//! vectorise (the standard library's `exp` is an opaque libm call). Its error
//! is at most about one unit in the last place; tests compare it with `f64::exp`.

// Published constants are kept with all their digits, as printed at the source.
#![allow(clippy::excessive_precision)]

/// 1.5 * 2^52: adding it rounds a double to an integer held in the low mantissa bits.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split into a high part with trailing zero bits and a low correction,
/// so that `n * LN2_HI` is exact for the integers `n` used here.
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
/// Above this `exp` overflows to infinity; below `EXP_MIN` it underflows to zero.
const EXP_MAX: f64 = 709.782_712_893_384;
const EXP_MIN: f64 = -745.133_219_101_941_1;

/// `e^x`, vectorisable. NaN in gives NaN out; overflow gives infinity.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    let clamped = x.clamp(EXP_MIN, EXP_MAX);
    // n = round(x / ln 2), r = x - n ln 2 with |r| <= ln2 / 2.
    let shifted = clamped * LOG2_E + ROUND_MAGIC;
    let n = shifted - ROUND_MAGIC;
    let n_int = (shifted.to_bits() as i64).wrapping_sub(ROUND_MAGIC.to_bits() as i64);
    let r = (clamped - n * LN2_HI) - n * LN2_LO;
    // Taylor series of e^r to degree 13 (truncation error below 2^-60 for |r| <= 0.35).
    let mut p = 1.0 / 6_227_020_800.0;
    p = p * r + 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // Scale by 2^n in two steps so that subnormal results are reached without
    // an out-of-range exponent.
    let half = n_int >> 1;
    let rest = n_int - half;
    let scale_a = f64::from_bits(((half + 1023) as u64) << 52);
    let scale_b = f64::from_bits(((rest + 1023) as u64) << 52);
    let result = p * scale_a * scale_b;
    let result = if x > EXP_MAX { f64::INFINITY } else { result };
    let result = if x < EXP_MIN { 0.0 } else { result };
    if x.is_nan() { x } else { result }
}

/// The logistic function `1 / (1 + e^-x)`.
#[inline(always)]
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + exp(-x))
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
