//! `crux sensitivity`: Sobol indices of net per param and per crux at one point.

use crate::commands::target;
use crate::input::Override;
use crate::{Format, Outcome};
use crux_analysis::inputs::Inputs;
use crux_analysis::sobol::{Indices, SobolOptions, sobol_indices};
use crux_engine::format::significant;
use crux_lang::Sources;
use crux_report::json::SensitivityDocument;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct SensitivityArgs {
    /// The model file (.toml).
    pub model: Option<PathBuf>,
    /// The point of the axis to analyse (the nearest grid point; default: the open frontier now, else the middle of the axis).
    #[arg(long, value_name = "C", allow_negative_numbers = true)]
    pub at: Option<f64>,
    /// Rows N of each matrix of the Saltelli design; the model runs N * (2 + params + cruxes) times.
    #[arg(long, short = 'n', default_value_t = 1 << 14)]
    pub samples: usize,
    /// Random seed of the scrambled Sobol' points and the bootstrap.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Replace a param's value: NAME=EXPR (repeatable).
    #[arg(long = "set", value_name = "NAME=EXPR")]
    pub overrides: Vec<Override>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn sensitivity(sources: &mut Sources, args: &SensitivityArgs) -> Outcome {
    let (model, engine) = target::load(sources, args.model.as_deref(), &args.overrides)?;
    let point = target::point(&model, args.at)?;
    let inputs = Inputs::of(&engine);
    let result = sobol_indices(&engine, &inputs, &SobolOptions::new(args.samples, args.seed, point))?;
    let factors = result.named_factors(&inputs);
    let groups = result.named_groups(&inputs);
    Ok(match args.format {
        Format::Json => {
            let document =
                SensitivityDocument::new(&inputs, &result, target::axis_value(&model, &engine, point), args.seed);
            serde_json::to_string(&document).expect("the sensitivity document serialises") + "\n"
        }
        Format::Text | Format::Md => {
            let unit = &model.file.header.unit;
            let mut text = format!(
                "Sobol indices of net at {} (N = {}, {} model runs, seed {})\n\
                 E[net] = {} {unit}, variance {} {unit}^2. S1: share of the variance an input explains alone;\n\
                 ST: alone and in interactions. ± is the half-width of a 95% bootstrap interval.\n",
                target::describe(&model, &engine, point),
                args.samples,
                result.evaluations,
                args.seed,
                significant(result.mean, 4),
                significant(result.variance, 4),
            );
            let by_crux = inputs.factors.iter().any(|factor| factor.crux.is_some());
            if by_crux {
                text.push_str(&table("crux", &groups));
            }
            text.push_str(&table("param", &factors));
            text
        }
    })
}

/// Rows sorted by total index, largest first.
fn table(heading: &str, rows: &[(String, Indices)]) -> String {
    let mut sorted: Vec<&(String, Indices)> = rows.iter().collect();
    sorted.sort_by(|a, b| b.1.total.total_cmp(&a.1.total));
    let width = sorted.iter().map(|(name, _)| name.chars().count()).max().unwrap_or(0).max(heading.len());
    let mut text = format!("\n{heading:<width$}  {:>6}{:10}{:>6}\n", "S1", "", "ST");
    for (name, indices) in sorted {
        text.push_str(&format!(
            "{name:<width$}  {:>6.3} ± {:<5.3}  {:>6.3} ± {:.3}\n",
            indices.first, indices.first_conf, indices.total, indices.total_conf,
        ));
    }
    text
}
