//! `crux check`: validate a model without running it, and list what it
//! leaves to quantify (placeholders, cruxes without params).

use crate::Outcome;
use crate::input::{load_model, read_text};
use crux_engine::Engine;
use crux_lang::Sources;
use std::path::Path;

pub fn check(sources: &mut Sources, path: &Path) -> Outcome {
    let text = read_text(path)?;
    let model = load_model(sources, &path.display().to_string(), &text, &[])?;
    let engine = Engine::new(&model)?;
    let program = engine.program();
    let file = &model.file;
    let mut report = format!(
        "{}: ok ({} params, {} derived, {} mechanisms, {} random draws, {} grid points)\n",
        path.display(),
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
