//! What an analysis command runs on: the model (from a file, with `--set`
//! overrides) and the grid point chosen with `--at`.

use crate::input::{Failure, Override, load_model, model_text};
use crux_engine::Engine;
use crux_lang::{Sources, hir};
use crux_report::analyses;
use std::path::Path;

/// Loads the model an analysis command names, and compiles it.
pub fn load(
    sources: &mut Sources,
    model: Option<&Path>,
    overrides: &[Override],
) -> Result<(hir::Model, Engine), Failure> {
    let text = model_text(model)?;
    let model = load_model(sources, &text.name, &text.text, overrides)?;
    let engine = Engine::new(&model)?;
    Ok((model, engine))
}

/// The grid index for `--at C` (see [`crux_report::analyses::grid_point`]).
pub fn point(model: &hir::Model, at: Option<f64>) -> Result<usize, Failure> {
    Ok(analyses::grid_point(model, at)?)
}

/// The axis value of grid point `index` as shown to users, with the axis name.
pub fn describe(model: &hir::Model, engine: &Engine, index: usize) -> String {
    analyses::describe_point(model, engine, index)
}
