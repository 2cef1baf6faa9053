//! `crux export --squiggle`: a model as Squiggle code.

use crate::Outcome;
use crate::commands::write_output;
use crate::diagnostics::write_warnings;
use crate::input::{load_model, read_text};
use crux_lang::Sources;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Export as Squiggle code (the only format so far).
    #[arg(long, required = true)]
    squiggle: bool,
    /// The model file (.toml).
    model: PathBuf,
    /// Write the code here instead of to stdout.
    #[arg(long, short = 'o', value_name = "FILE.squiggle")]
    output: Option<PathBuf>,
}

pub fn export(sources: &mut Sources, args: &ExportArgs) -> Outcome {
    let text = read_text(&args.model)?;
    let name = args.model.display().to_string();
    let model = load_model(sources, &name, &text, &[])?;
    let export = crux_squiggle::export(&model);
    write_warnings(sources, &export.warnings);
    write_output(args.output.as_deref(), export.code, &format!("{name}: exported as Squiggle"))
}
