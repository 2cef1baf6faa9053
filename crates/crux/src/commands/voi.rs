//! `crux voi`: the expected value of perfect information, and of partial
//! perfect information per crux, for the decision "release iff E[net] > 0".

use crate::commands::target;
use crate::input::Override;
use crate::{Format, Outcome};
use crux_analysis::inputs::Inputs;
use crux_analysis::voi::{DEFAULT_INNER, PointValue, VoiOptions, value_of_information};
use crux_engine::format::significant;
use crux_lang::Sources;
use serde_json::{Map, Value, json};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct VoiArgs {
    /// The model file (.toml).
    pub model: Option<PathBuf>,
    /// The point of the axis to analyse (the nearest grid point; default: the open frontier now, else the middle of the axis).
    #[arg(long, value_name = "C", allow_negative_numbers = true, conflicts_with = "across")]
    pub at: Option<f64>,
    /// Every grid point of the axis instead of one.
    #[arg(long)]
    pub across: bool,
    /// Model runs for EVPI, and again for each crux's EVPPI.
    #[arg(long, short = 'n', default_value_t = 100_000)]
    pub samples: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Replace a param's value: NAME=EXPR (repeatable).
    #[arg(long = "set", value_name = "NAME=EXPR")]
    pub overrides: Vec<Override>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn voi(sources: &mut Sources, args: &VoiArgs) -> Outcome {
    let (model, engine) = target::load(sources, args.model.as_deref(), &args.overrides)?;
    let points: Vec<usize> =
        if args.across { (0..engine.grid().len()).collect() } else { vec![target::point(&model, args.at)?] };
    let inputs = Inputs::of(&engine);
    let values = value_of_information(&engine, &inputs, &VoiOptions::new(args.samples, args.seed, points))?;
    let names: Vec<&str> = inputs.groups.iter().map(|group| group.name.as_str()).collect();
    let unit = &model.file.header.unit;
    Ok(match args.format {
        Format::Json => {
            let point_document = |value: &PointValue| {
                let mut evppi = Map::new();
                let mut errors = Map::new();
                for (name, estimate) in names.iter().zip(&value.evppi) {
                    evppi.insert(name.to_string(), json!(estimate.value));
                    errors.insert(name.to_string(), json!(estimate.standard_error));
                }
                json!({
                    "at": target::axis_value(&model, &engine, value.point),
                    "expected_net": value.expected_net,
                    "evpi": value.evpi.value,
                    "evpi_se": value.evpi.standard_error,
                    "evppi": Value::Object(evppi),
                    "evppi_se": Value::Object(errors),
                })
            };
            let mut document = if args.across {
                json!({"points": values.iter().map(point_document).collect::<Vec<_>>()})
            } else {
                point_document(&values[0])
            };
            let map = document.as_object_mut().expect("an object");
            map.insert("unit".into(), json!(unit));
            map.insert("samples".into(), json!(args.samples));
            map.insert("seed".into(), json!(args.seed));
            serde_json::to_string(&document).expect("the value-of-information document serialises") + "\n"
        }
        Format::Text | Format::Md => {
            let mut text = format!(
                "Value of information for the decision \"release iff E[net] > 0\", in {unit}\n\
                 ({} model runs for EVPI and per crux, {DEFAULT_INNER} inner runs per outer point, seed {}).\n\
                 EVPI: expected gain from learning everything before deciding; EVPPI: from learning\n\
                 one crux's params exactly. ± is one standard error.\n",
                args.samples, args.seed
            );
            if args.across {
                text.push_str(&across_table(&model, &engine, &names, &values));
            } else {
                text.push_str(&point_table(&model, &engine, &names, &values[0]));
            }
            text
        }
    })
}

fn number(value: f64) -> String {
    significant(value, 3)
}

fn point_table(
    model: &crux_lang::hir::Model,
    engine: &crux_engine::Engine,
    names: &[&str],
    value: &PointValue,
) -> String {
    let mut text = format!(
        "\nAt {}: E[net] = {}, so the decision now is {}.\n",
        target::describe(model, engine, value.point),
        number(value.expected_net),
        if value.expected_net > 0.0 { "to release" } else { "not to release" }
    );
    let mut rows: Vec<(&str, f64, f64)> = names
        .iter()
        .zip(&value.evppi)
        .map(|(name, estimate)| (*name, estimate.value, estimate.standard_error))
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    let width = rows.iter().map(|row| row.0.chars().count() + 6).max().unwrap_or(0).max(17);
    text.push_str(&format!(
        "\n{:<width$}  {:>8} ± {}\n",
        "EVPI (everything)",
        number(value.evpi.value),
        number(value.evpi.standard_error)
    ));
    for (name, estimate, error) in rows {
        text.push_str(&format!("{:<width$}  {:>8} ± {}\n", format!("EVPPI {name}"), number(estimate), number(error)));
    }
    text
}

fn across_table(
    model: &crux_lang::hir::Model,
    engine: &crux_engine::Engine,
    names: &[&str],
    values: &[PointValue],
) -> String {
    let axis = model.file.axis.as_ref().map_or("point".to_string(), |axis| axis.name.name.clone());
    let mut text = format!("\n{axis:>8}  {:>9}  {:>9}", "E[net]", "EVPI");
    let widths: Vec<usize> = names.iter().map(|name| name.chars().count().max(9)).collect();
    for (name, width) in names.iter().zip(&widths) {
        text.push_str(&format!("  {name:>width$}"));
    }
    text.push('\n');
    for value in values {
        text.push_str(&format!(
            "{:>8}  {:>9}  {:>9}",
            target::axis_value(model, engine, value.point).map_or("-".to_string(), number),
            number(value.expected_net),
            number(value.evpi.value)
        ));
        for (estimate, width) in value.evppi.iter().zip(&widths) {
            text.push_str(&format!("  {:>width$}", number(estimate.value)));
        }
        text.push('\n');
    }
    text
}
