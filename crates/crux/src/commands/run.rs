//! `crux run`: run a model and print its summary.

use crate::input::{load_model, read_text};
use crate::output::run_table;
use crate::{Format, Outcome, RunArgs};
use crux_engine::{Engine, RunOptions};
use crux_lang::Sources;
use crux_output::RunDocument;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub fn run(sources: &mut Sources, args: &RunArgs) -> Outcome {
    let text = read_text(&args.model)?;
    let model = load_model(sources, &args.model.display().to_string(), &text, &args.overrides)?;
    let engine = Engine::new(&model)?;
    let total = (args.samples as u64).saturating_mul(engine.grid().len() as u64);
    let bar = progress_bar(total, args.format != Format::Json);
    let tick = |done: u64| bar.inc(done);
    let mut options = RunOptions::new(args.samples, args.seed);
    options.progress = Some(&tick);
    let output = engine.run(&options);
    bar.finish_and_clear();
    let output = output?;
    Ok(match args.format {
        Format::Json => {
            let document = RunDocument::new(&model, &output, args.samples, args.seed);
            document.to_json() + "\n"
        }
        Format::Text => run_table(&model, &output, args.samples, args.seed),
    })
}

/// A progress bar on stderr, shown only when stderr is a terminal.
pub fn progress_bar(total: u64, wanted: bool) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(8));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bar:40} {percent:>3}% {human_pos}/{human_len} sample-points, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
