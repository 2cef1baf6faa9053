//! `crux import`: a knowledge-base page into a model file that keeps
//! everything the page says, with placeholders left to quantify.

use crate::Outcome;
use crate::commands::write_output;
use crate::diagnostics::write_warnings;
use crate::input::{Failure, read_bytes};
use crux_lang::Sources;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The page (Markdown with YAML frontmatter).
    page: PathBuf,
    /// Write the model here instead of to stdout.
    #[arg(long, short = 'o', value_name = "MODEL.toml")]
    output: Option<PathBuf>,
}

pub fn import(sources: &mut Sources, args: &ImportArgs) -> Outcome {
    let bytes = read_bytes(&args.page)?;
    let name = args.page.display().to_string();
    let imported = crux_page::import(sources, &name, &bytes).map_err(Failure::input)?;
    write_warnings(sources, &imported.warnings);
    let draft = &imported.draft;
    let summary = format!(
        "{name}: imported {} mechanisms (placeholders), {} cruxes (no params yet), {} evaluation rows, {} policies, {} sections",
        draft.mechanisms.len(),
        draft.cruxes.len(),
        draft.evaluation.len(),
        draft.policies.len(),
        draft.sections.len()
    );
    write_output(args.output.as_deref(), imported.model, &summary)
}
