//! `crux render`: a model's page as Markdown, with its numbers or (with
//! `--no-numbers`) only what the page says.

use crate::Outcome;
use crate::commands::write_output;
use crate::input::{load_model, read_text};
use crux_lang::Sources;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct RenderArgs {
    /// The model file (.toml).
    model: PathBuf,
    /// Write the page here instead of to stdout.
    #[arg(long, short = 'o', value_name = "PAGE.md")]
    output: Option<PathBuf>,
    /// Render only what the page says, without running the model.
    #[arg(long)]
    no_numbers: bool,
    /// Number of Monte Carlo samples.
    #[arg(long, short = 'n', default_value_t = 100_000)]
    samples: usize,
    /// Random seed: the same seed gives the same page.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn render(sources: &mut Sources, args: &RenderArgs) -> Outcome {
    let text = read_text(&args.model)?;
    let name = args.model.display().to_string();
    let model = load_model(sources, &name, &text, &[])?;
    let page = crux_page::render::render(&model.file, None);
    write_output(args.output.as_deref(), page, &format!("{name}: rendered the page"))
}
