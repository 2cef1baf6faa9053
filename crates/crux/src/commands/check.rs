//! `crux check`: validate a model without running it.

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
    Ok(format!(
        "{}: ok ({} params, {} derived, {} mechanisms, {} random draws, {} grid points)\n",
        path.display(),
        file.params.len(),
        file.derived.len(),
        file.mechanisms.len(),
        program.draw_count,
        program.grid.len()
    ))
}
