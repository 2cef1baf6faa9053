//! The defaults reproduce the page: with the built-in model's default
//! parameters and the default seed, "If alignment easy" is Positive, "If
//! alignment hard" is Unclear, a release at the open frontier now has
//! P(net > 0) >= 0.5, at c = 29 E[net] < 0 and P(net > 0) < 0.45, and the
//! E[net] zero crossing lies inside the grid.
//!
//! The test uses 20,000 samples (so that it stays quick in debug builds) and
//! asserts each point with a margin of at least four Monte Carlo standard
//! errors, so that it holds at `crux run`'s 100,000 samples as well.

mod common;

use crux_analysis::verdict::Label;
use crux_lang::hir;
use crux_report::PageResults;
use std::sync::OnceLock;

const SAMPLES: usize = 20_000;

/// The built-in model and its page at the default seed, computed once.
fn defaults() -> &'static (hir::Model, PageResults) {
    static DEFAULTS: OnceLock<(hir::Model, PageResults)> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let model = common::builtin(&[]);
        let results = common::results(&model, SAMPLES);
        (model, results)
    })
}

/// The standard error of a share `p` estimated from `count` samples.
fn standard_error(p: f64, count: usize) -> f64 {
    (p * (1.0 - p) / count as f64).sqrt()
}

#[test]
fn defaults_reproduce_the_page() {
    let (model, results) = defaults();
    let page = &model.file.page;
    let row = |dimension: &str| {
        let index = page.evaluation.iter().position(|row| row.dimension == dimension).expect("the row exists");
        results.evaluation[index].expect("the row is computed")
    };

    let easy = row("If alignment easy");
    assert_eq!(easy.label, Label::Positive);
    assert!(easy.probability - 4.0 * standard_error(easy.probability, easy.samples) >= 0.7, "{easy:?}");

    let hard = row("If alignment hard");
    assert_eq!(hard.label, Label::Unclear);
    let margin = 4.0 * standard_error(hard.probability, hard.samples);
    assert!(hard.probability + margin < 0.7 && hard.probability - margin > 0.3, "{hard:?}");

    let now = results.now.as_ref().expect("the open frontier now is computed");
    assert!(
        now.p_positive - 4.0 * standard_error(now.p_positive, SAMPLES) >= 0.5,
        "P(net > 0) now = {}",
        now.p_positive
    );

    let last = results.run.net.last().expect("grid points");
    assert_eq!(*results.run.points.last().expect("grid points"), 29.0);
    assert!(last.mean + 4.0 * last.sd / (SAMPLES as f64).sqrt() < 0.0, "E[net] at 29 = {}", last.mean);
    assert!(last.p_positive + 4.0 * standard_error(last.p_positive, SAMPLES) < 0.45, "P at 29 = {}", last.p_positive);

    let threshold = results.threshold.as_ref().expect("the threshold is computed");
    let crossing = threshold.mean_crossing.expect("E[net] turns negative within the grid");
    assert!(crossing > 0, "E[net] must be positive at the start of the grid");
    let before = &results.run.net[crossing - 1];
    assert!(before.mean >= 0.0 && results.run.net[crossing].mean < 0.0);
}

#[test]
fn the_threshold_answers_the_key_question() {
    let (_, results) = defaults();
    let threshold = results.threshold.as_ref().expect("computed");
    let mean = threshold.mean_crossing_value().expect("inside the grid");
    let median = threshold.median_crossing_value().expect("inside the grid");
    // E[net] turns negative before the median does: the losses are heavier-tailed.
    assert!((26.5..=28.5).contains(&mean), "{mean}");
    assert!(median >= mean, "{median} < {mean}");
    let sample = &threshold.sample;
    assert!(sample.never_share > 0.0 && sample.never_share < 1.0);
    let capability = sample.capability.expect("some samples cross");
    assert!(capability.p05 <= capability.p50 && capability.p50 <= capability.p95);
    let year = sample.year.expect("years");
    assert!(year.p05 <= year.p50 && year.p50 <= year.p95);
    // The open frontier grows by about an order of magnitude a year, so the
    // mean crossing is reached within a few years of now.
    let reached = threshold.mean_crossing_year.expect("years");
    assert!(reached.p50 > 2026.9 && reached.p50 < 2032.0, "{reached:?}");
}
