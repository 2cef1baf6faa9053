//! Extreme but valid inputs: every summary is finite and close to the
//! analytic value, or the run is refused with a diagnostic that names the
//! expression. Never NaN, never infinity, never a panic.

use crux_engine::{Engine, PointSummary, RunOptions};
use crux_lang::{Diagnostic, Sources};
use crux_test_support::single;

/// What a case must give.
#[derive(Debug)]
enum Expect {
    /// Finite summaries, with this mean and sd (relative tolerance `tolerance`).
    Summary { mean: f64, sd: f64, tolerance: f64 },
    /// Finite summaries, nothing more known in closed form.
    Finite,
    /// Finite summaries or a diagnostic (a degenerate but valid input).
    FiniteOrError,
    /// A diagnostic whose message, or the source its span points at, contains this text.
    Error(&'static str),
}

const CASES: &[(&str, Expect)] = &[
    ("normal(0, 1e-300)", Expect::Summary { mean: 0.0, sd: 1e-300, tolerance: 0.02 }),
    ("normal(0, 1e300)", Expect::Summary { mean: 0.0, sd: 1e300, tolerance: 0.02 }),
    ("normal(1e300, 1e290)", Expect::Summary { mean: 1e300, sd: 1e290, tolerance: 0.02 }),
    ("normal(5, 1e-200)", Expect::Summary { mean: 5.0, sd: 0.0, tolerance: 0.0 }),
    ("1 to 1e12", Expect::Finite),
    ("lognormal(0, 30)", Expect::Finite),
    ("beta(1e-3, 1e-3)", Expect::Summary { mean: 0.5, sd: 0.4998, tolerance: 0.02 }),
    ("beta(1e3, 1e-3)", Expect::Finite),
    ("uniform(-1e300, 1e300)", Expect::Summary { mean: 0.0, sd: 5.773_502_691_896_258e299, tolerance: 0.02 }),
    ("pointmass(1e-300)", Expect::Summary { mean: 1e-300, sd: 0.0, tolerance: 1e-12 }),
    ("triangular(0, 1e-300, 1e-300)", Expect::Finite),
    // Found by fuzzing: the beta CDF (for the truncation) panicked inside statrs.
    ("truncate(beta(6.47577e-319, 1.4512546893580897e121), -4.252558376500915e71, 8e-323)", Expect::FiniteOrError),
    ("truncate(beta(0.5, 0.5), 0.2, 0.3)", Expect::Finite),
    // Found by fuzzing: this took minutes (the CDF's continued fraction does not converge).
    ("truncate(beta(1.9e185, 1.9e185), -5.5e-222, 1.98e-319)", Expect::Error("not supported")),
    ("beta({mean: 0.5, k: 1e9})", Expect::Error("not supported")),
    ("truncate(beta(1e6, 2e5), 0.8, 0.9)", Expect::Summary { mean: 0.833_333, sd: 3.402e-4, tolerance: 0.02 }),
    ("exp(uniform(800, 900))", Expect::Error("exp(uniform(800, 900))")),
    ("1e300 * 1e300", Expect::Error("1e300 * 1e300")),
    ("normal(0, 1) / 0", Expect::Error("normal(0, 1) / 0")),
];

fn finite(summary: &PointSummary) -> bool {
    [summary.mean, summary.sd, summary.p05, summary.p25, summary.p50, summary.p75, summary.p95, summary.p_positive]
        .iter()
        .all(|value| value.is_finite())
}

fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    if expected == 0.0 {
        actual.abs() <= tolerance.max(f64::MIN_POSITIVE)
    } else {
        ((actual - expected) / expected).abs() <= tolerance
    }
}

/// What is wrong with failing with `errors` where `expect` was expected, if anything.
fn judge_failure(errors: &[Diagnostic], sources: &Sources, expect: &Expect) -> Option<String> {
    let message = errors.iter().map(|error| error.message.as_str()).collect::<Vec<_>>().join("; ");
    let label =
        errors.iter().filter_map(|error| error.span).map(|span| sources.text(span)).collect::<Vec<_>>().join("; ");
    match expect {
        Expect::FiniteOrError => None,
        Expect::Error(text) if message.contains(text) || label.contains(text) => None,
        Expect::Error(text) => Some(format!("error does not point at `{text}`: {message} (at `{label}`)")),
        _ => Some(format!("unexpected error: {message} (at `{label}`)")),
    }
}

#[test]
fn extreme_inputs_give_finite_results_or_a_clear_error() {
    let mut failures = Vec::new();
    for (expression, expect) in CASES {
        let mut sources = Sources::new();
        let file = sources.add("extreme.toml", single(expression));
        let model = crux_lang::load(&mut sources, file).unwrap_or_else(|errors| panic!("{expression}: {errors:?}"));
        // Constant expressions are evaluated, and refused, when the model compiles.
        let engine = match Engine::new(&model) {
            Ok(engine) => engine,
            Err(errors) => {
                if let Some(problem) = judge_failure(&errors, &sources, expect) {
                    failures.push(format!("{expression}: does not compile: {problem}"));
                }
                continue;
            }
        };
        for samples in [1, 2, 20_000] {
            let result = engine.run(&RunOptions::new(samples, 7));
            let problem = match (result, expect) {
                (Ok(output), Expect::Error(_)) => Some(format!("ran ({:?}) instead of failing", output.net[0])),
                (Err(diagnostic), expect) => judge_failure(std::slice::from_ref(&diagnostic), &sources, expect),
                (Ok(output), expect) => {
                    let summary = output.net[0];
                    if !finite(&summary) {
                        Some(format!("non-finite summary {summary:?}"))
                    } else if let (Expect::Summary { mean, sd, tolerance }, true) = (expect, samples == 20_000) {
                        let mean_tolerance = if *mean == 0.0 { 0.05 * sd } else { *tolerance };
                        (!close(summary.mean, *mean, mean_tolerance) || !close(summary.sd, *sd, *tolerance))
                            .then(|| format!("mean {} sd {}, expected {mean} and {sd}", summary.mean, summary.sd))
                    } else {
                        None
                    }
                }
            };
            if let Some(problem) = problem {
                failures.push(format!("{expression} at {samples} samples: {problem}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn runs_that_would_take_minutes_are_refused_up_front() {
    let text = std::fs::read_to_string(crux_test_support::repo_path("bench/ref-v1.toml"))
        .unwrap()
        .replace("step = 0.1", "step = 0.01");
    let mut sources = Sources::new();
    let file = sources.add("fine-grid.toml", text);
    let engine = Engine::new(&crux_lang::load(&mut sources, file).unwrap()).unwrap();
    let started = std::time::Instant::now();
    let error = engine.run(&RunOptions::new(100_000_000, 1)).expect_err("6e10 sample-points are refused");
    assert!(error.message.contains("601 grid points"), "{}", error.message);
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "refused before any work");
    assert!(engine.run(&RunOptions::new(1_000, 1)).is_ok());
}
