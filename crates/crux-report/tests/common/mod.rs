//! Shared helpers of the report tests: the built-in model, loaded with
//! optional overrides, and its computed page.

#![allow(dead_code)]

use crux_lang::model::parse_model;
use crux_lang::resolve::resolve;
use crux_lang::{Sources, Span, hir};
use crux_report::builtin::{OPEN_SOURCE_SAFETY, OPEN_SOURCE_SAFETY_NAME};
use crux_report::{Options, Results, compute};

/// The default seed of `crux run`.
pub const DEFAULT_SEED: u64 = 1;

/// The built-in model with `overrides` (`name`, expression) applied, as `--set` does.
pub fn builtin(overrides: &[(&str, &str)]) -> hir::Model {
    let mut sources = Sources::new();
    let file = sources.add(OPEN_SOURCE_SAFETY_NAME, OPEN_SOURCE_SAFETY);
    let mut model = parse_model(&mut sources, file).expect("the built-in model parses");
    for (name, expr) in overrides {
        let source = sources.add(format!("--set {name}"), format!("{name}={expr}"));
        model
            .set_param(name, Span::new(source, 0, name.len()), expr, source, name.len() + 1)
            .expect("the override applies");
    }
    resolve(model).expect("the built-in model resolves")
}

pub fn results(model: &hir::Model, samples: usize) -> Results {
    compute(model, &Options { robustness: true, ..Options::new(samples, DEFAULT_SEED) }).expect("the page computes")
}

/// The knowledge-base page the built-in model answers: the shared copy when
/// the workspace sits next to it, else the byte-identical copy kept here.
/// Returns the text and where it came from.
pub fn page() -> (String, String) {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/open-source.md");
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/pages/open-source.md");
    let kept = std::fs::read(fixture).expect("the fixture copy of the page exists");
    match std::fs::read(shared) {
        Ok(bytes) => {
            assert_eq!(bytes, kept, "tests/fixtures/open-source.md differs from {shared}: copy it again");
            (String::from_utf8(bytes).expect("UTF-8"), shared.to_string())
        }
        Err(_) => (String::from_utf8(kept).expect("UTF-8"), fixture.to_string()),
    }
}
