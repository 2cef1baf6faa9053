//! Output of `crux run`: picks the renderer for the format. The documents
//! and views themselves live in `crux-report`.

use crate::Format;
use crux_engine::RunOutput;
use crux_lang::hir;
use crux_report::PageResults;
use crux_report::json::{PageDocument, RunDocument};
use crux_report::{markdown, text};

/// A model's page with its answers, in `format`.
pub fn page(model: &hir::Model, results: &PageResults, format: Format) -> String {
    match format {
        Format::Md => markdown::render(model, results) + "\n",
        Format::Json => json(&PageDocument::new(model, results)),
        Format::Text => text::render(model, results),
    }
}

/// A plain run (a model without a page), in `format` (text or JSON).
pub fn run(model: &hir::Model, output: &RunOutput, samples: usize, seed: u64, format: Format) -> String {
    match format {
        Format::Json => json(&RunDocument::new(model, output, samples, seed)),
        Format::Md | Format::Text => text::run_table(model, output, samples, seed),
    }
}

fn json(document: &impl serde::Serialize) -> String {
    serde_json::to_string(document).expect("the documents serialise") + "\n"
}
