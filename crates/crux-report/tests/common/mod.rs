//! Shared helpers of the report tests: the built-in model's computed page
//! (the model itself, with overrides, from crux-test-support).

#![allow(dead_code)]

use crux_lang::hir;
use crux_report::{Options, Results, compute};

/// The default seed of `crux run`.
pub const DEFAULT_SEED: u64 = 1;

pub use crux_test_support::builtin;

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
