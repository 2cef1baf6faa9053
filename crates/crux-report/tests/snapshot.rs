//! The Markdown report of the built-in model at the default seed and a small
//! sample count, kept as a snapshot (`cargo insta review` to accept a change).

mod common;

use crux_report::markdown;

#[test]
fn markdown_report_of_the_builtin_model() {
    let model = common::builtin(&[]);
    let results = common::results(&model, 2000);
    insta::assert_snapshot!(markdown::render(&model, &results));
}
