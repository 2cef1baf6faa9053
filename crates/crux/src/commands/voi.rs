//! `crux voi`: the expected value of perfect information, and of partial
//! perfect information per crux, for the decision "release iff E[net] > 0".

use crate::commands::target;
use crate::input::Override;
use crate::{Format, Outcome};
use crux_lang::Sources;
use crux_report::analyses;
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
    let (model, _) = target::load(sources, args.model.as_deref(), &args.overrides)?;
    let point = if args.across { None } else { Some(target::point(&model, args.at)?) };
    let report = analyses::value_of_information(&model, point, args.samples, args.seed)?;
    Ok(match args.format {
        Format::Json => report.json(),
        Format::Text | Format::Md => report.text(),
    })
}
