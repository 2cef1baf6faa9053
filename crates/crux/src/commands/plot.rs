//! `crux plot`: charts of a model as SVG and PNG files (also written by
//! `crux run --plots`). The engine, the analyses and the report compute; this
//! module only chooses the charts and their labels.

use crate::Outcome;
use crate::commands::target;
use crate::input::{Failure, Override};
use crux_analysis::inputs::Inputs;
use crux_analysis::sobol::{SobolOptions, sobol_indices};
use crux_analysis::threshold::Threshold;
use crux_analysis::voi::{VoiOptions, value_of_information};
use crux_engine::{Engine, RunOptions};
use crux_lang::outline::Analysis;
use crux_lang::{Diagnostic, Sources, hir};
use crux_plot::{Chart, Lines, Series};
use crux_report::charts::{
    axis_label, importance_chart, mechanism_chart, net_chart, policy_chart, threshold_chart, unit,
};
use crux_report::results::{Answer, has_robustness};
use crux_report::{Options, Results, compute};
use std::path::{Path, PathBuf};

/// Most rows of the Saltelli design for the sensitivity chart.
const SENSITIVITY_SAMPLES: usize = 1 << 14;
/// Most model runs per crux for the value-of-information chart.
const VOI_SAMPLES: usize = 1 << 16;
/// Cruxes (or params) drawn in the value-of-information chart.
const VOI_LINES: usize = 7;

#[derive(clap::Args)]
pub struct PlotArgs {
    /// The model file (.toml).
    pub model: Option<PathBuf>,
    /// The directory to write the charts to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The point of the axis for the sensitivity and mechanism charts
    /// (the nearest grid point; default: the open frontier now, else the middle of the axis).
    #[arg(long, value_name = "C", allow_negative_numbers = true)]
    pub at: Option<f64>,
    /// Monte Carlo samples for the bands, thresholds and mechanisms; the
    /// sensitivity chart uses up to 2^14 rows and the value-of-information
    /// chart up to 2^16 runs per crux, fewer when this is smaller.
    #[arg(long, short = 'n', default_value_t = 100_000)]
    pub samples: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Replace a param's value: NAME=EXPR (repeatable).
    #[arg(long = "set", value_name = "NAME=EXPR")]
    pub overrides: Vec<Override>,
}

pub fn plot(sources: &mut Sources, args: &PlotArgs) -> Outcome {
    let (model, engine) = target::load(sources, args.model.as_deref(), &args.overrides)?;
    let point = target::point(&model, args.at)?;
    // The policy curve comes from the page's regulation answer, when the page asks it.
    let results = if has_release_policy(&model) || has_robustness(&model) {
        let options = Options { robustness: true, ..Options::new(args.samples, args.seed) };
        Some(compute(&model, &options).map_err(Failure::input)?)
    } else {
        None
    };
    let written = write_charts(&model, &engine, point, args.samples, args.seed, results.as_ref(), &args.out)?;
    let files: usize = written.iter().map(|chart| chart.paths.len()).sum();
    let mut text = format!("wrote {} charts ({files} files) to {}:\n", written.len(), args.out.display());
    for path in written.iter().flat_map(|chart| &chart.paths) {
        text.push_str(&format!("  {}\n", path.display()));
    }
    Ok(text)
}

/// A chart written to files.
pub struct Written {
    pub title: String,
    /// The SVG file, then the PNG file.
    pub paths: Vec<PathBuf>,
}

/// Whether the model's page asks which release threshold a regulator should set.
pub fn has_release_policy(model: &hir::Model) -> bool {
    model.file.outline.policies.iter().any(|item| matches!(item.answer, Some(Analysis::ReleaseThreshold { .. })))
}

/// Writes every chart the model supports to `out` (created if missing):
/// net with bands, the threshold histogram, mechanisms at grid point
/// `point`, the sensitivity tornado, the value of information across the
/// axis and, given the page's results, the policy curve (with a regulation
/// answer) and the robustness tornado (with judgement params).
pub fn write_charts(
    model: &hir::Model,
    engine: &Engine,
    point: usize,
    samples: usize,
    seed: u64,
    results: Option<&Results>,
    out: &Path,
) -> Result<Vec<Written>, Failure> {
    std::fs::create_dir_all(out)
        .map_err(|error| Failure::from(Diagnostic::error(format!("cannot create `{}`: {error}", out.display()))))?;
    let mut written = Vec::new();
    for (stem, chart) in charts(model, engine, point, samples, seed, results)? {
        let paths = chart.write(out, &stem).map_err(|error| Failure::from(Diagnostic::error(error.to_string())))?;
        written.push(Written { title: chart.title().to_string(), paths });
    }
    Ok(written)
}

/// Every chart the model supports, with its file stem.
fn charts(
    model: &hir::Model,
    engine: &Engine,
    point: usize,
    samples: usize,
    seed: u64,
    results: Option<&Results>,
) -> Result<Vec<(String, Chart)>, Failure> {
    let unit = unit(model);
    let at = target::describe(model, engine, point);
    let mut charts = Vec::new();
    let keep = RunOptions { crossings: model.file.axis.is_some(), ..RunOptions::new(samples, seed) };
    let run = engine.run(&keep)?;
    if let Some(axis) = &model.file.axis {
        let axis_label = axis_label(axis);
        charts.push(("net".to_string(), net_chart(model, &run)));
        if let Some(crossings) = run.crossings.as_ref().filter(|_| engine.grid().len() > 1) {
            let threshold = Threshold::new(engine.grid(), &run.net, crossings, None);
            charts.push(("thresholds".to_string(), threshold_chart(&threshold, &axis_label)));
        }
    }
    charts.push(("mechanisms".to_string(), mechanism_chart(model, &run, point, &at, &unit)));
    let inputs = Inputs::of(engine);
    if inputs.dimension > 0 {
        let rows = (samples / 4).clamp(256, SENSITIVITY_SAMPLES).next_power_of_two().min(SENSITIVITY_SAMPLES);
        charts.push(("sensitivity".to_string(), sensitivity_chart(model, engine, &inputs, (point, &at), rows, seed)?));
        if let Some(axis) = &model.file.axis {
            let runs = samples.min(VOI_SAMPLES);
            charts.push(("voi".to_string(), voi_chart(engine, &inputs, &axis_label(axis), &unit, runs, seed)?));
        }
    }
    let release = results.and_then(|results| {
        results.policies.iter().flatten().find_map(|answer| match answer {
            Answer::ReleaseThreshold(release) => Some(release),
            _ => None,
        })
    });
    if let (Some(release), Some(axis)) = (release, &model.file.axis) {
        charts.push(("policy".to_string(), policy_chart(release, &axis_label(axis), &unit)));
    }
    if let Some(robustness) = results.and_then(|results| results.robustness.as_ref()) {
        let chart = crux_report::build::robustness_chart(crux_report::words::Words::new(model), robustness);
        charts.push(("robustness".to_string(), chart));
    }
    Ok(charts)
}

fn sensitivity_chart(
    model: &hir::Model,
    engine: &Engine,
    inputs: &Inputs,
    (point, at): (usize, &str),
    rows: usize,
    seed: u64,
) -> Result<Chart, Failure> {
    let result = sobol_indices(engine, inputs, &SobolOptions::new(rows, seed, point))?;
    Ok(importance_chart(model, inputs, &result, at))
}

fn voi_chart(
    engine: &Engine,
    inputs: &Inputs,
    axis_label: &str,
    unit: &str,
    runs: usize,
    seed: u64,
) -> Result<Chart, Failure> {
    let by_crux = inputs.factors.iter().any(|factor| factor.crux.is_some());
    let points: Vec<usize> = (0..engine.grid().len()).collect();
    let values = value_of_information(engine, inputs, &VoiOptions::new(runs, seed, points))?;
    let grid = engine.grid();
    let mut series = vec![Series {
        name: "EVPI: learn everything".to_string(),
        points: values.iter().map(|v| (grid[v.point], v.evpi.value)).collect(),
    }];
    let mut groups: Vec<Series> = inputs
        .groups
        .iter()
        .enumerate()
        .map(|(index, group)| Series {
            name: format!("EVPPI: learn {}", group.name),
            points: values.iter().map(|v| (grid[v.point], v.evppi[index].value)).collect(),
        })
        .collect();
    let peak = |series: &Series| series.points.iter().map(|point| point.1).fold(0.0, f64::max);
    groups.sort_by(|a, b| peak(b).total_cmp(&peak(a)));
    groups.truncate(VOI_LINES);
    series.extend(groups);
    Ok(Chart::Lines(Lines {
        title: format!("What resolving each {} is worth", if by_crux { "crux" } else { "param" }),
        x_label: axis_label.to_string(),
        y_label: format!("expected value of information ({unit})"),
        series,
        marks: Vec::new(),
        zero_line: true,
    }))
}
