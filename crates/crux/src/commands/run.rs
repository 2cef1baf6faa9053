//! `crux run`: run a model (the built-in one without a path) and print its
//! page with the answers, or, for a model without a page, its summary.

use crate::commands::{plot, target};
use crate::input::{Failure, model_text, parse_model_with, profile_text};
use crate::{Format, Outcome, RunArgs};
use crux_engine::Engine;
use crux_lang::resolve::resolve;
use crux_lang::{Sources, hir};
use crux_report::analyses::{self, RunReport};
use crux_report::results::Worldview;
use crux_report::{Options, Results};
use crux_worldview::presets::preset_worldviews;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;

pub fn run(sources: &mut Sources, args: &RunArgs) -> Outcome {
    let model = load(sources, args.model.as_deref(), args)?;
    let worldviews = if args.profile.is_none() { presets_of(sources, &model, args)? } else { Vec::new() };
    let has_page = !model.file.outline.is_empty();
    let format = args.format.unwrap_or(if has_page { Format::Md } else { Format::Text });
    let wanted = format != Format::Json;
    if args.plots.is_some() && format != Format::Md {
        return Err(Failure::input(vec![
            crux_lang::Diagnostic::error(
                "`--plots DIR` links the charts from the Markdown report, so it needs `--format md`",
            )
            .with_help("`crux plot --out DIR` writes the charts alone"),
        ]));
    }
    let page = has_page || format == Format::Md;
    let total = if page {
        Options::total_work(&model, args.samples)
    } else {
        let points = model.file.axis.as_ref().map_or(1, |axis| axis.len());
        (args.samples as u64).saturating_mul(points as u64)
    };
    let bar = progress_bar(total, wanted);
    let tick = |done: u64| bar.inc(done);
    let options = Options {
        progress: Some(&tick),
        sensitivity: !args.no_sensitivity,
        robustness: !args.no_robustness,
        worldviews: &worldviews,
        ..Options::new(args.samples, args.seed)
    };
    let report = analyses::run(&model, &options, page);
    bar.finish_and_clear();
    let report = report.map_err(Failure::input)?;
    let mut text = match format {
        Format::Json => report.json(&model),
        Format::Text => report.text(&model),
        Format::Md => report.markdown(&model).expect("a page report for --format md"),
    };
    if let (Some(directory), RunReport::Page(results)) = (&args.plots, &report) {
        text.push_str(&charts_section(&model, results, args, directory)?);
    }
    Ok(text)
}

/// Writes the charts to `directory` and returns the Markdown section that
/// links them (the paths as given, so relative to where the command ran).
fn charts_section(model: &hir::Model, results: &Results, args: &RunArgs, directory: &Path) -> Result<String, Failure> {
    let engine = Engine::new(model)?;
    let point = target::point(model, None)?;
    let written = plot::write_charts(model, &engine, point, args.samples, args.seed, Some(results), directory)?;
    let mut section = "## Charts\n\n".to_string();
    for chart in &written {
        let Some(svg) = chart.paths.first() else { continue };
        let png = chart.paths.get(1).map(|png| format!(" ([PNG]({}))", link(png))).unwrap_or_default();
        section.push_str(&format!("![{}]({}){png}\n\n", chart.title.replace(['[', ']'], ""), link(svg)));
    }
    section.pop();
    Ok(section)
}

/// A path as a Markdown link target: forward slashes, spaces escaped.
fn link(path: &Path) -> String {
    path.display().to_string().replace('\\', "/").replace(' ', "%20")
}

/// The presets written for this model, each applied to the model as given
/// and then the `--set` overrides, for the report's side-by-side.
fn presets_of(sources: &mut Sources, model: &hir::Model, args: &RunArgs) -> Result<Vec<Worldview>, Failure> {
    let text = model_text(args.model.as_deref())?;
    Ok(preset_worldviews(model, |name| {
        let preset = profile_text(Path::new(name)).ok()?;
        resolve(parse_model_with(sources, &text, Some(&preset), &args.overrides).ok()?).ok()
    }))
}

/// Loads the model at `path` (or the built-in model) with the profile and overrides.
fn load(sources: &mut Sources, path: Option<&Path>, args: &RunArgs) -> Result<hir::Model, Failure> {
    let model = model_text(path)?;
    let profile = args.profile.as_deref().map(profile_text).transpose()?;
    Ok(resolve(parse_model_with(sources, &model, profile.as_ref(), &args.overrides)?)?)
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
