//! What an analysis command runs on: the model (from a file, with `--set`
//! overrides) and the grid point chosen with `--at`.

use crate::input::{Failure, Override, load_model, model_text};
use crux_engine::Engine;
use crux_engine::format::short;
use crux_lang::{Diagnostic, Sources, hir};
use crux_report::results::open_frontier_point;
use std::path::Path;

/// Samples of `open_now` whose median places the open frontier now.
const OPEN_NOW_SAMPLES: usize = 10_000;

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

/// The grid index for `--at C`: the nearest grid point, if C lies on the axis
/// (within half a step of its ends). Without `--at`, the open frontier now
/// (the grid point nearest the median of `[context] open_now`) for a model
/// with one, else the middle of the axis; a model without an axis has a
/// single point and takes no `--at`.
pub fn point(model: &hir::Model, at: Option<f64>) -> Result<usize, Failure> {
    let Some(axis) = &model.file.axis else {
        return match at {
            None => Ok(0),
            Some(value) => {
                Err(Diagnostic::error(format!("--at {} does not apply: the model has no axis", short(value)))
                    .with_help("a model without an [axis] has a single point; leave out --at")
                    .into())
            }
        };
    };
    let Some(value) = at else {
        let now = open_frontier_point(model, OPEN_NOW_SAMPLES, 1).map_err(Failure::input)?;
        return Ok(now.unwrap_or(axis.len() / 2));
    };
    let (low, high) = (axis.from.min(axis.to), axis.from.max(axis.to));
    let slack = axis.step.abs() / 2.0;
    if !value.is_finite() || value < low - slack || value > high + slack {
        return Err(Diagnostic::error(format!("--at {} is off the axis", short(value)))
            .with_help(format!(
                "the axis `{}` runs from {} to {} in steps of {}",
                axis.name.name,
                short(axis.from),
                short(axis.to),
                short(axis.step)
            ))
            .into());
    }
    Ok(axis.nearest_index(value))
}

/// The axis value of grid point `index` as shown to users, with the axis name.
pub fn describe(model: &hir::Model, engine: &Engine, index: usize) -> String {
    match &model.file.axis {
        Some(axis) => format!("{} = {}", axis.name.name, short(engine.grid()[index])),
        None => "the model's single point".to_string(),
    }
}

/// The axis value of a grid point, or null (None) for a model without an axis.
pub fn axis_value(model: &hir::Model, engine: &Engine, index: usize) -> Option<f64> {
    model.file.axis.as_ref().map(|_| engine.grid()[index])
}
