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
    let mut p = EXP_COEFFICIENTS[11];
    for &coefficient in EXP_COEFFICIENTS[..11].iter().rev() {
        p = p.mul_add(r, coefficient);
    }
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
