//! `crux sensitivity`: Sobol indices of net per param and per crux at one point.

use crate::commands::target;
use crate::input::Override;
use crate::{Format, Outcome};
use crux_lang::Sources;
use crux_report::analyses;
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
    let (model, _) = target::load(sources, args.model.as_deref(), &args.overrides)?;
    let point = target::point(&model, args.at)?;
    let report = analyses::sensitivity(&model, point, args.samples, args.seed)?;
    Ok(match args.format {
        Format::Json => report.json(),
        Format::Text | Format::Md => report.text(),
    })
}
