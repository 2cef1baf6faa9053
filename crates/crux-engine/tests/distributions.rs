//! Every distribution of the language, sampled by the engine, against its
//! analytic mean, standard deviation and quantiles (within five standard
//! errors of the Monte Carlo estimate).

use crux_engine::{PointSummary, RunOptions};
use crux_test_support::{engine, single};
use statrs::distribution::{Beta, ContinuousCDF, LogNormal, Normal, Triangular, Uniform};

const SAMPLES: usize = 200_000;
const PROBABILITIES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

fn summary(expression: &str) -> PointSummary {
    let output = engine(&single(expression)).run(&RunOptions::new(SAMPLES, 7)).expect("runs");
    output.net[0]
}

fn quantiles(summary: &PointSummary) -> [f64; 5] {
    [summary.p05, summary.p25, summary.p50, summary.p75, summary.p95]
}

/// Checks mean and sd against analytic values, and that the analytic CDF at
/// each sample quantile is within five binomial standard errors of its level.
fn check(expression: &str, mean: f64, sd: f64, cdf: impl Fn(f64) -> f64) {
    let s = summary(expression);
    let n = SAMPLES as f64;
    assert!((s.mean - mean).abs() <= 5.0 * sd / n.sqrt(), "{expression}: mean {} vs {mean}", s.mean);
    // The standard error of a sample sd is about sd / sqrt(2n) for light tails; allow 10 of them.
    assert!((s.sd - sd).abs() <= 10.0 * sd / (2.0 * n).sqrt(), "{expression}: sd {} vs {sd}", s.sd);
    for (p, q) in PROBABILITIES.iter().zip(quantiles(&s)) {
        let level = cdf(q);
        let error = 5.0 * (p * (1.0 - p) / n).sqrt();
        assert!((level - p).abs() <= error, "{expression}: quantile {p} is {q}, where the CDF is {level}");
    }
}

#[test]
fn normal() {
    let reference = Normal::new(3.0, 2.0).unwrap();
    check("normal(3, 2)", 3.0, 2.0, |x| reference.cdf(x));
    check("normal({mean: 3, sd: 2})", 3.0, 2.0, |x| reference.cdf(x));
}

#[test]
fn normal_from_interval() {
    let z = 1.644_853_626_951_472_2;
    let (mean, sd) = (5.5, 4.5 / z);
    let reference = Normal::new(mean, sd).unwrap();
    check("normal({p5: 1, p95: 10})", mean, sd, |x| reference.cdf(x));
    let s = summary("normal({p5: 1, p95: 10})");
    assert!((s.p05 - 1.0).abs() < 0.05 && (s.p95 - 10.0).abs() < 0.05, "{s:?}");
}

#[test]
fn lognormal() {
    let (mu, sigma) = (1.0f64, 0.5f64);
    let mean = (mu + sigma * sigma / 2.0).exp();
    let sd = mean * ((sigma * sigma).exp() - 1.0).sqrt();
    let reference = LogNormal::new(mu, sigma).unwrap();
    check("lognormal(1, 0.5)", mean, sd, |x| reference.cdf(x));
}

#[test]
fn to_and_lognormal_interval_put_five_percent_in_each_tail() {
    for expression in ["2 to 20", "lognormal({p5: 2, p95: 20})"] {
        let s = summary(expression);
        let tolerance = 5.0 * (0.05f64 * 0.95 / SAMPLES as f64).sqrt();
        let mu = (2f64.ln() + 20f64.ln()) / 2.0;
        let sigma = (20f64.ln() - 2f64.ln()) / (2.0 * 1.644_853_626_951_472_2);
        let reference = LogNormal::new(mu, sigma).unwrap();
        assert!((reference.cdf(s.p05) - 0.05).abs() < tolerance, "{expression}: p05 = {}", s.p05);
        assert!((reference.cdf(s.p95) - 0.95).abs() < tolerance, "{expression}: p95 = {}", s.p95);
        let mean = (mu + sigma * sigma / 2.0).exp();
        let sd = mean * ((sigma * sigma).exp() - 1.0).sqrt();
        check(expression, mean, sd, |x| reference.cdf(x));
    }
}

#[test]
fn uniform() {
    let reference = Uniform::new(2.0, 6.0).unwrap();
    check("uniform(2, 6)", 4.0, 4.0 / 12f64.sqrt(), |x| reference.cdf(x));
}

#[test]
fn beta() {
    let (a, b): (f64, f64) = (2.0, 5.0);
    let mean = a / (a + b);
    let sd = (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt();
    let reference = Beta::new(a, b).unwrap();
    check("beta(2, 5)", mean, sd, |x| reference.cdf(x));
}

#[test]
fn beta_from_mean_and_concentration() {
    let (a, b): (f64, f64) = (7.0, 3.0);
    let sd = (a * b / (100.0 * 11.0)).sqrt();
    let reference = Beta::new(a, b).unwrap();
    check("beta({mean: 0.7, k: 10})", 0.7, sd, |x| reference.cdf(x));
}

#[test]
fn triangular() {
    let (min, mode, max): (f64, f64, f64) = (0.0, 1.0, 4.0);
    let mean = (min + mode + max) / 3.0;
    let sd = ((min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0).sqrt();
    let reference = Triangular::new(min, max, mode).unwrap();
    check("triangular(0, 1, 4)", mean, sd, |x| reference.cdf(x));
}

#[test]
fn pert() {
    // PERT(0, 1, 4) is 4 * Beta(1 + 4 * 1/4, 1 + 4 * 3/4) = 4 * Beta(2, 4).
    let (a, b): (f64, f64) = (2.0, 4.0);
    let mean = 4.0 * a / (a + b);
    let sd = 4.0 * (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt();
    let reference = Beta::new(a, b).unwrap();
    check("pert(0, 1, 4)", mean, sd, |x| reference.cdf(x / 4.0));
}

#[test]
fn bernoulli_and_pointmass() {
    let s = summary("bernoulli(0.3)");
    let n = SAMPLES as f64;
    assert!((s.mean - 0.3).abs() < 5.0 * (0.21f64 / n).sqrt(), "{s:?}");
    assert_eq!((s.p05, s.p95), (0.0, 1.0));
    let s = summary("pointmass(5)");
    assert_eq!((s.mean, s.sd, s.p05, s.p95), (5.0, 0.0, 5.0, 5.0));
}

#[test]
fn mixture_takes_components_by_weight() {
    let mean = 0.3 * 0.0 + 0.7 * 10.0;
    let sd = (1.0f64 + 0.3 * 0.7 * 100.0).sqrt();
    let low = Normal::new(0.0, 1.0).unwrap();
    let high = Normal::new(10.0, 1.0).unwrap();
    let cdf = |x: f64| 0.3 * low.cdf(x) + 0.7 * high.cdf(x);
    check("mixture(normal(0, 1), normal(10, 1), [0.3, 0.7])", mean, sd, cdf);
    check("mx(normal(0, 1), normal(10, 1), [3, 7])", mean, sd, cdf);
}

#[test]
fn truncate_stays_in_range_and_renormalises() {
    let standard = Normal::new(0.0, 1.0).unwrap();
    let density = |x: f64| (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let mass = standard.cdf(2.0) - standard.cdf(-1.0);
    let mean = (density(-1.0) - density(2.0)) / mass;
    let second = 1.0 + (-density(-1.0) - 2.0 * density(2.0)) / mass;
    let sd = (second - mean * mean).sqrt();
    check("truncate(normal(0, 1), -1, 2)", mean, sd, |x| (standard.cdf(x) - standard.cdf(-1.0)) / mass);
    let values = &engine(&single("truncate(normal(0, 1), -1, 2)")).param_samples(SAMPLES, 3).unwrap()[0];
    assert!(values.iter().all(|x| (-1.0..=2.0).contains(x)));
}

#[test]
fn params_depending_on_params_are_drawn_per_sample() {
    // x ~ normal(m, 1) with m ~ normal(0, 1) is normal(0, sqrt 2).
    let text = "[model]\nid = \"h\"\n[params]\nm = \"normal(0, 1)\"\nx = \"normal(m, 1)\"\n[mechanisms.v]\nside = \"benefit\"\neffect = \"x\"\n";
    let s = engine(text).run(&RunOptions::new(SAMPLES, 11)).unwrap().net[0];
    let reference = Normal::new(0.0, 2f64.sqrt()).unwrap();
    let n = SAMPLES as f64;
    assert!(s.mean.abs() < 5.0 * 2f64.sqrt() / n.sqrt(), "{s:?}");
    assert!((reference.cdf(s.p95) - 0.95).abs() < 5.0 * (0.0475f64 / n).sqrt(), "{s:?}");
}
