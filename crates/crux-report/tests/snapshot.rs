//! The Markdown report of the built-in model at the default seed and a small
//! sample count, with the sensitivity analysis as `crux run` does it, kept as
//! a snapshot (`cargo insta review` to accept a change).

mod common;

use crux_report::{Options, compute, markdown};

#[test]
fn markdown_report_of_the_builtin_model() {
    let model = common::builtin(&[]);
    let options = Options { sensitivity: true, ..Options::new(2000, common::DEFAULT_SEED) };
    let results = compute(&model, &options).expect("the page computes");
    insta::assert_snapshot!(markdown::render(&model, &results));
}
