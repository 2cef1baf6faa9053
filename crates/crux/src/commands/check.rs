//! `crux check`: validate a model (the built-in one without a path) without
//! running it, and list what it leaves to quantify (placeholders, cruxes
//! without params).

use crate::Outcome;
use crate::input::{load_model, read_text};
use crux_engine::Engine;
use crux_lang::Sources;
use crux_report::builtin::{OPEN_SOURCE_SAFETY, OPEN_SOURCE_SAFETY_NAME};
use std::path::Path;

pub fn check(sources: &mut Sources, path: Option<&Path>) -> Outcome {
    let (name, text) = match path {
        Some(path) => (path.display().to_string(), read_text(path)?),
        None => (OPEN_SOURCE_SAFETY_NAME.to_string(), OPEN_SOURCE_SAFETY.to_string()),
    };
    let model = load_model(sources, &name, &text, &[])?;
    let engine = Engine::new(&model)?;
    let program = engine.program();
    let file = &model.file;
    let page = &file.outline;
    let page_parts = if page.is_empty() {
        String::new()
    } else {
        format!(
            "; page: {} evaluation rows, {} cruxes, {} policies, {} sections",
            page.evaluation.len(),
            page.cruxes.len(),
            page.policies.len(),
            page.sections.len()
        )
    };
    let mut report = format!(
        "{name}: ok ({} params, {} derived, {} mechanisms, {} random draws, {} grid points{page_parts})\n",
        file.params.len(),
        file.derived.len(),
        file.mechanisms.len(),
        program.draw_count,
        program.grid.len()
    );
    let left = crux_lang::quantify::to_quantify(file);
    if !left.is_empty() {
        report.push_str(&format!("left to quantify ({}):\n", left.len()));
        for item in left {
            report.push_str(&format!("  {item}\n"));
        }
    }
    Ok(report)
}
