//! `crux voi`: the expected value of perfect information, and of partial
//! perfect information per crux, for the decision "release iff E[net] > 0".

use crate::commands::target;
use crate::input::Override;
use crate::{Format, Outcome};
use crux_analysis::voi::Method;
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
    /// Model runs: one joint sample for EVPI and every crux's EVPPI by regression; with `--method nested`, for EVPI and again for each crux.
    #[arg(long, short = 'n', default_value_t = 100_000)]
    pub samples: usize,
    /// How to estimate each crux's EVPPI: a regression of net on the crux's draws over one sample, or the nested design (outer points of the crux, inner runs of the rest).
    #[arg(long, value_enum, default_value_t = VoiMethod::Regression)]
    pub method: VoiMethod,
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

/// The EVPPI designs.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoiMethod {
    Regression,
    Nested,
}

pub fn voi(sources: &mut Sources, args: &VoiArgs) -> Outcome {
    let (model, _) = target::load(sources, args.model.as_deref(), &args.overrides)?;
    let point = if args.across { None } else { Some(target::point(&model, args.at)?) };
    let method = match args.method {
        VoiMethod::Regression => Method::Regression,
        VoiMethod::Nested => Method::Nested,
    };
    let report = analyses::value_of_information_by(&model, point, args.samples, args.seed, method)?;
    Ok(match args.format {
        Format::Json => report.json(),
        Format::Text | Format::Md => report.text(),
    })
}
