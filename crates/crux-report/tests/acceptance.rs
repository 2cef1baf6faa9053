//! What version 2 of the built-in model must hold whatever its verdicts
//! (the model is not tuned to reproduce the page's):
//! - effects are marginal to the open frontier at release, so a release far
//!   below today's open frontier changes almost nothing: E[net] at c = 23 and
//!   c = 24 is within 1% of the largest |E[net]| on the grid;
//! - "now" is the next open frontier release, above the open frontier;
//! - every computed evaluation row carries the page's assessment beside the
//!   model's, and where they differ the notes say why;
//! - every cited id resolves in the bibliography, which has a link for each.
//!
//! The test uses 20,000 samples so that it stays quick in debug builds.

mod common;

use crux_lang::hir;
use crux_report::Results;
use std::sync::OnceLock;

const SAMPLES: usize = 20_000;

/// The built-in model and its page at the default seed, computed once.
fn defaults() -> &'static (hir::Model, Results) {
    static DEFAULTS: OnceLock<(hir::Model, Results)> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let model = common::builtin(&[]);
        let results = common::results(&model, SAMPLES);
        (model, results)
    })
}

#[test]
fn a_release_far_below_the_open_frontier_changes_almost_nothing() {
    let (_, results) = defaults();
    let largest = results.run.net.iter().map(|point| point.mean.abs()).fold(0.0, f64::max);
    assert!(largest > 0.0, "net is zero everywhere");
    for c in [23.0, 24.0] {
        let index = results.run.points.iter().position(|x| (*x - c).abs() < 1e-9).expect("on the grid");
        let mean = results.run.net[index].mean;
        assert!(mean.abs() <= 0.01 * largest, "E[net] at c = {c} is {mean}, against {largest} at most");
    }
}

#[test]
fn now_is_the_next_open_frontier_release() {
    let (_, results) = defaults();
    let context =
        |name: &str| results.context.iter().find(|(field, _)| *field == name).map(|(_, summary)| *summary).expect(name);
    let (open, next) = (context("open_now"), context("next_release"));
    assert!(next.p05 > open.p05 && next.p50 > open.p50 && next.p95 > open.p95, "{open:?} {next:?}");
    let now = results.now.as_ref().expect("computed");
    assert!(now.net.mean != 0.0, "a release above the open frontier has an effect");
}

#[test]
fn evaluation_rows_show_the_page_beside_the_model() {
    let (model, results) = defaults();
    let markdown = crux_report::markdown::render(model, results);
    for (row, computed) in model.file.outline.evaluation.iter().zip(&results.evaluation) {
        let page = row.page_assessment.as_deref().expect("every row of the built-in model has the page's assessment");
        let Some(verdict) = computed else { continue };
        let line = markdown
            .lines()
            .find(|line| line.starts_with(&format!("| {} |", row.dimension)))
            .expect("the row is in the report");
        assert!(line.contains(&format!("(page: {page})")), "{line}");
        if !page.eq_ignore_ascii_case(verdict.label.as_str()) {
            assert!(line.contains("The page says") && line.contains("because"), "{line}");
        }
    }
}

#[test]
fn every_citation_resolves_to_a_linked_reference() {
    let (model, _) = defaults();
    let cited = model.file.cited_references();
    assert!(cited.len() >= 30, "{} references cited", cited.len());
    for reference in cited {
        assert!(!reference.title.is_empty() && reference.link().is_some(), "{reference:?}");
    }
}

#[test]
fn the_built_in_model_of_the_tests_is_the_one_crux_embeds() {
    let file = std::fs::read_to_string(crux_test_support::builtin_path()).expect("the model's file");
    assert_eq!(file, crux_report::builtin::OPEN_SOURCE_SAFETY);
}
