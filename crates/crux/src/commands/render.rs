//! `crux render`: a model's page as Markdown, with its numbers (the report of
//! `crux run`) or, with `--no-numbers`, only what the page says.

use crate::Outcome;
use crate::commands::run::progress_bar;
use crate::commands::write_output;
use crate::input::{Failure, load_model, read_text};
use crux_lang::Sources;
use crux_report::{Options, compute};
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
    let page = if args.no_numbers {
        crux_page::render::render(&model.file)
    } else {
        let bar = progress_bar(Options::total_work(&model, args.samples), true);
        let tick = |done: u64| bar.inc(done);
        let options = Options { progress: Some(&tick), ..Options::new(args.samples, args.seed) };
        let results = compute(&model, &options);
        bar.finish_and_clear();
        crux_report::markdown::render(&model, &results.map_err(Failure::input)?) + "\n"
    };
    write_output(args.output.as_deref(), page, &format!("{name}: rendered the page"))
}
