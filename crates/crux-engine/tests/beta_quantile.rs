//! The beta quantile function (exact solver and per-shape table) against
//! reference values from mpmath at 40 digits over shapes from 1e-3 to 1e3 and
//! probabilities from 1e-300 to 1 - 1e-12 (tests/data/beta_quantiles.txt, made
//! by tests/data/beta_quantiles.py), against statrs where statrs is reliable,
//! and its properties (finite, within [0, 1], monotone, inverse of the CDF)
//! at random shapes and probabilities.

use crux_engine::distributions::{Shape, cdf, quantile, tabulate};
use crux_engine::math::{BetaQuantileTable, beta_quantile, beta_regularized, ln_beta};
use proptest::prelude::*;
use statrs::distribution::{Beta, ContinuousCDF};

/// The accuracy asked of the beta quantile, relative to the value.
const RELATIVE: f64 = 1e-10;

fn unit_beta(alpha: f64, beta: f64) -> Shape {
    Shape::Beta { alpha, beta, low: 0.0, scale: 1.0 }
}

/// Relative error, where the reference is a normal number; where it is
/// below the normal range (it underflows in any double computation), the
/// value must be as tiny.
fn error(value: f64, reference: f64) -> f64 {
    if reference >= f64::MIN_POSITIVE {
        ((value - reference) / reference).abs()
    } else if value < 1e-290 {
        0.0
    } else {
        f64::INFINITY
    }
}

fn reference_rows() -> Vec<[f64; 4]> {
    let text = include_str!("data/beta_quantiles.txt");
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let fields: Vec<f64> = line.split_whitespace().map(|field| field.parse().expect("a number")).collect();
            [fields[0], fields[1], fields[2], fields[3]]
        })
        .collect()
}

#[test]
fn exact_and_tabulated_quantiles_match_mpmath_over_extreme_shapes() {
    let rows = reference_rows();
    assert_eq!(rows.len(), 12 * 12 * 15);
    let mut worst = (0.0, [0.0; 4], "");
    let mut tabulated = tabulate(unit_beta(rows[0][0], rows[0][1]));
    for (index, row) in rows.iter().enumerate() {
        let [alpha, beta, u, reference] = *row;
        if index > 0 && (alpha, beta) != (rows[index - 1][0], rows[index - 1][1]) {
            tabulated = tabulate(unit_beta(alpha, beta));
        }
        for (value, path) in [(beta_quantile(alpha, beta, u), "exact"), (quantile(&tabulated, u), "table")] {
            assert!(value.is_finite() && (0.0..=1.0).contains(&value), "{path} beta({alpha}, {beta}) at {u}: {value}");
            let relative = error(value, reference);
            if relative > worst.0 {
                worst = (relative, *row, path);
            }
        }
    }
    assert!(
        worst.0 <= RELATIVE,
        "worst relative error {:e} ({}) at a, b, u, reference = {:?}",
        worst.0,
        worst.2,
        worst.1
    );
}

#[test]
fn quantiles_match_statrs_on_ordinary_shapes() {
    // statrs' inverse_cdf loops or panics on some extreme shapes and is off
    // in the far tails of small ones (beta(0.3, 0.3) at 1e-6: 2.0e-16, where
    // mpmath and Crux give 7.1e-20), so the comparison with it is on ordinary
    // shapes and probabilities (the extremes are checked against mpmath above).
    let shapes = [0.5, 0.9, 1.0, 1.7, 2.0, 3.5, 7.0, 10.0, 30.0];
    let probabilities = [1e-3, 0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98, 0.999];
    for alpha in shapes {
        for beta in shapes {
            let reference = Beta::new(alpha, beta).expect("valid shape");
            let tabulated = tabulate(unit_beta(alpha, beta));
            for u in probabilities {
                let expected = reference.inverse_cdf(u);
                for value in [beta_quantile(alpha, beta, u), quantile(&tabulated, u)] {
                    assert!(
                        error(value, expected) <= RELATIVE,
                        "beta({alpha}, {beta}) at {u}: {value} against statrs {expected}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_table_covers_ordinary_shapes_and_is_monotone_across_its_knots() {
    for (alpha, beta) in [(7.0, 3.0), (0.5, 0.5), (1.2, 22.0), (50.0, 50.0), (0.3, 4.0), (400.0, 2.5)] {
        let table = BetaQuantileTable::new(alpha, beta);
        assert_eq!(table.coverage(), 1.0, "beta({alpha}, {beta})");
        let tabulated = tabulate(unit_beta(alpha, beta));
        // 200,000 steps in t = ln(u / (1 - u)) from -37 to 37: about 180 per table interval.
        let mut previous = 0.0;
        for i in 0..=200_000 {
            let t = -37.0 + 74.0 * i as f64 / 200_000.0;
            let u = 1.0 / (1.0 + (-t).exp());
            let x = quantile(&tabulated, u);
            assert!(x >= previous, "beta({alpha}, {beta}) decreases at u = {u}: {x} < {previous}");
            previous = x;
        }
    }
}

/// A shape parameter spread evenly in log scale over [1e-3, 1e3].
fn shape_parameter() -> impl Strategy<Value = f64> {
    (-3.0f64..3.0).prop_map(|exponent| 10f64.powf(exponent))
}

/// A probability in (0, 1), often very near 0 or 1.
fn probability() -> impl Strategy<Value = f64> {
    prop_oneof![
        (1e-9f64..1.0 - 1e-9),
        (-300.0f64..-1.0).prop_map(|exponent| 10f64.powf(exponent)),
        (-15.0f64..-1.0).prop_map(|exponent| 1.0 - 10f64.powf(exponent)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn quantiles_are_finite_monotone_and_invert_the_cdf(
        alpha in shape_parameter(),
        beta in shape_parameter(),
        first in probability(),
        second in probability(),
    ) {
        let (low_u, high_u) = if first <= second { (first, second) } else { (second, first) };
        let tabulated = tabulate(unit_beta(alpha, beta));
        let ln_b = ln_beta(alpha, beta);
        for u in [low_u, high_u] {
            let x = beta_quantile(alpha, beta, u);
            prop_assert!(x.is_finite() && (0.0..=1.0).contains(&x), "beta({}, {}) at {}: {}", alpha, beta, u, x);
            prop_assert!(error(quantile(&tabulated, u), x) <= RELATIVE || x < 1e-290);
            // The true quantile lies within a relative 1e-10 of x: the CDF
            // (or its complement, where u is near 1) brackets u there.
            if x > 1e-290 && x < 1.0 - 1e-15 {
                let (below_lower, below_upper) = beta_regularized(alpha, beta, ln_b, x * (1.0 - RELATIVE));
                let (above_lower, above_upper) = beta_regularized(alpha, beta, ln_b, (x * (1.0 + RELATIVE)).min(1.0));
                if u < 0.5 {
                    prop_assert!(below_lower <= u && u <= above_lower, "beta({}, {}) at {}: {} not bracketed", alpha, beta, u, x);
                } else {
                    let v = 1.0 - u;
                    prop_assert!(above_upper <= v && v <= below_upper, "beta({}, {}) at {}: {} not bracketed", alpha, beta, u, x);
                }
            }
        }
        prop_assert!(beta_quantile(alpha, beta, low_u) <= beta_quantile(alpha, beta, high_u));
        prop_assert!(quantile(&tabulated, low_u) <= quantile(&tabulated, high_u));
        // The CDF the engine uses for truncation agrees with the quantile
        // (where x, below 1/2, keeps its relative precision).
        let x = quantile(&tabulated, 0.5);
        if x > 1e-290 && x < 0.5 {
            prop_assert!((cdf(&tabulated, x) - 0.5).abs() <= 1e-9);
        }
    }
}
