//! The Markdown report of the built-in model at the default seed and a small
//! sample count, with the sensitivity analysis as `crux run` does it, kept as
//! a snapshot (`cargo insta review` to accept a change).

mod common;

use crux_report::{Options, compute, markdown};

#[test]
fn markdown_report_of_the_builtin_model() {
    let model = common::builtin(&[]);
    let options = Options { sensitivity: true, robustness: true, ..Options::new(2000, common::DEFAULT_SEED) };
    let results = compute(&model, &options).expect("the page computes");
    insta::assert_snapshot!(markdown::render(&model, &results));
}

#[test]
fn the_report_is_the_same_when_its_runs_stay_on_one_thread() {
    let model = common::builtin(&[]);
    let spread = compute(&model, &Options::new(3000, common::DEFAULT_SEED)).expect("the page computes");
    let one_thread = Options { parallel: false, ..Options::new(3000, common::DEFAULT_SEED) };
    let sequential = compute(&model, &one_thread).expect("the page computes");
    assert_eq!(markdown::render(&model, &sequential), markdown::render(&model, &spread));
    let json = |results| serde_json::to_string(&crux_report::json::ResultsDocument::new(&model, results)).unwrap();
    assert_eq!(json(&sequential), json(&spread));
}
