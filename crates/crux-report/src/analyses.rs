//! What `crux run`, `crux sensitivity` and `crux voi` compute and print,
//! from a resolved model to their JSON documents and terminal text, so that
//! every front end (the CLI, the Python package) gives the very same output.
//!
//! [`run`] answers a model's page (or, for a model without one, summarises
//! net across its axis); [`sensitivity`] computes Sobol indices of net at one
//! grid point; [`value_of_information`] EVPI and EVPPI per crux at one point
//! or across the axis. [`grid_point`] is the point an analysis defaults to.

use crate::json::{ResultsDocument, RunDocument, SensitivityDocument};
use crate::results::{Options, Results, compute, open_frontier_point};
use crate::{markdown, text};
use crux_analysis::grid::point_at;
use crux_analysis::inputs::Inputs;
use crux_analysis::sobol::{Indices, Sensitivity, SobolOptions, sobol_indices};
use crux_analysis::voi::{
    DEFAULT_INNER, EvppiMethod, Method, PointValue, VoiOptions, value_of_information as compute_value,
};
use crux_engine::format::{short, significant};
use crux_engine::{Engine, RunOptions, RunOutput};
use crux_lang::{Diagnostics, hir};
use serde_json::{Map, Value, json};

/// Samples of `open_now` whose median places the open frontier now.
const OPEN_NOW_SAMPLES: usize = 10_000;

/// The grid index for `at`: the nearest grid point, if `at` lies on the axis
/// (within half a step of its ends). Without `at`, the open frontier now
/// (the grid point nearest the median of `[context] open_now`) for a model
/// with one, else the middle of the axis; a model without an axis has a
/// single point and takes no `at`.
pub fn grid_point(model: &hir::Model, at: Option<f64>) -> Result<usize, Diagnostics> {
    match (at, &model.file.axis) {
        (Some(value), _) => point_at(model, value).map_err(|error| vec![error]),
        (None, None) => Ok(0),
        (None, Some(axis)) => Ok(open_frontier_point(model, OPEN_NOW_SAMPLES, 1)?.unwrap_or(axis.len() / 2)),
    }
}

/// The axis value of grid point `index` as shown to users, with the axis name.
pub fn describe_point(model: &hir::Model, engine: &Engine, index: usize) -> String {
    point_words(model, engine.grid(), index)
}

/// Grid point `index` of `grid` (the model's) as shown to users: `c = 26`,
/// or "the model's single point" without an axis.
pub fn point_words(model: &hir::Model, grid: &[f64], index: usize) -> String {
    match &model.file.axis {
        Some(axis) => format!("{} = {}", axis.name.name, short(grid[index])),
        None => "the model's single point".to_string(),
    }
}

/// The axis value of a grid point, or `None` for a model without an axis.
pub fn axis_value(model: &hir::Model, engine: &Engine, index: usize) -> Option<f64> {
    model.file.axis.as_ref().map(|_| engine.grid()[index])
}

/// The result of `crux run`: a page answered, or a plain run.
#[derive(Debug)]
pub enum RunReport {
    Page(Box<Results>),
    Plain { output: RunOutput, samples: usize, seed: u64 },
}

/// Runs a model: a model with a page, or any model when `page` is true,
/// gets its page answered (with the analyses `options` ask for); any other
/// gets a plain run.
pub fn run(model: &hir::Model, options: &Options, page: bool) -> Result<RunReport, Diagnostics> {
    if page || !model.file.outline.is_empty() {
        return Ok(RunReport::Page(Box::new(compute(model, options)?)));
    }
    let engine = Engine::new(model)?;
    let mut run_options = RunOptions::new(options.samples, options.seed);
    run_options.progress = options.progress;
    let output = engine.run(&run_options).map_err(|error| vec![error])?;
    Ok(RunReport::Plain { output, samples: options.samples, seed: options.seed })
}

impl RunReport {
    /// The run's summary of net and the mechanisms at each grid point.
    pub fn output(&self) -> &RunOutput {
        match self {
            RunReport::Page(results) => &results.run,
            RunReport::Plain { output, .. } => output,
        }
    }

    /// The JSON document of `crux run --format json`, with a final newline.
    pub fn json(&self, model: &hir::Model) -> String {
        let text = match self {
            RunReport::Page(results) => serde_json::to_string(&ResultsDocument::new(model, results)),
            RunReport::Plain { output, samples, seed } => {
                serde_json::to_string(&RunDocument::new(model, output, *samples, *seed))
            }
        };
        text.expect("the documents serialise") + "\n"
    }

    /// The page as Markdown (`crux run --format md`), for a page report.
    pub fn markdown(&self, model: &hir::Model) -> Option<String> {
        match self {
            RunReport::Page(results) => Some(markdown::render(model, results) + "\n"),
            RunReport::Plain { .. } => None,
        }
    }

    /// The terminal text of `crux run --format text`.
    pub fn text(&self, model: &hir::Model) -> String {
        match self {
            RunReport::Page(results) => text::render(model, results),
            RunReport::Plain { output, samples, seed } => text::run_table(model, output, *samples, *seed),
        }
    }
}

/// What `crux sensitivity` computes: Sobol indices of net at one grid point.
#[derive(Debug)]
pub struct SensitivityReport {
    pub inputs: Inputs,
    pub result: Sensitivity,
    pub point: usize,
    pub seed: u64,
    description: String,
    at: Option<f64>,
    unit: String,
}

/// Sobol indices of net per param and per crux at grid point `point`, from a
/// Saltelli design of `samples` rows.
pub fn sensitivity(
    model: &hir::Model,
    point: usize,
    samples: usize,
    seed: u64,
) -> Result<SensitivityReport, Diagnostics> {
    let engine = Engine::new(model)?;
    let inputs = Inputs::of(&engine);
    let result =
        sobol_indices(&engine, &inputs, &SobolOptions::new(samples, seed, point)).map_err(|error| vec![error])?;
    Ok(SensitivityReport {
        inputs,
        result,
        point,
        seed,
        description: describe_point(model, &engine, point),
        at: axis_value(model, &engine, point),
        unit: model.file.header.unit.clone(),
    })
}

impl SensitivityReport {
    /// The JSON document of `crux sensitivity --format json`, with a final newline.
    pub fn json(&self) -> String {
        let document = SensitivityDocument::new(&self.inputs, &self.result, self.at, self.seed);
        serde_json::to_string(&document).expect("the sensitivity document serialises") + "\n"
    }

    /// The tables of `crux sensitivity`: per crux (when the model has cruxes) and per param.
    pub fn text(&self) -> String {
        let unit = &self.unit;
        let result = &self.result;
        let mut text = format!(
            "Sobol indices of net at {} (N = {}, {} model runs, seed {})\n\
             E[net] = {} {unit}, variance {} {unit}^2. S1: share of the variance an input explains alone;\n\
             ST: alone and in interactions. ± is the half-width of a 95% bootstrap interval.\n",
            self.description,
            result.samples,
            result.evaluations,
            self.seed,
            significant(result.mean, 4),
            significant(result.variance, 4),
        );
        if self.inputs.factors.iter().any(|factor| factor.crux.is_some()) {
            text.push_str(&indices_table("crux", &result.named_groups(&self.inputs)));
        }
        text.push_str(&indices_table("param", &result.named_factors(&self.inputs)));
        text
    }
}

/// Rows sorted by total index, largest first.
fn indices_table(heading: &str, rows: &[(String, Indices)]) -> String {
    let mut sorted: Vec<&(String, Indices)> = rows.iter().collect();
    sorted.sort_by(|a, b| b.1.total.total_cmp(&a.1.total));
    let width = sorted.iter().map(|(name, _)| name.chars().count()).max().unwrap_or(0).max(heading.len());
    let mut text = format!("\n{heading:<width$}  {:>6}{:10}{:>6}\n", "S1", "", "ST");
    for (name, indices) in sorted {
        text.push_str(&format!(
            "{name:<width$}  {:>6.3} ± {:<5.3}  {:>6.3} ± {:.3}\n",
            indices.first, indices.first_conf, indices.total, indices.total_conf,
        ));
    }
    text
}

/// What `crux voi` computes: EVPI and EVPPI per crux at one or every grid point.
#[derive(Debug)]
pub struct ValueReport {
    pub values: Vec<PointValue>,
    pub names: Vec<String>,
    /// Every grid point (`--across`) rather than one.
    pub across: bool,
    pub samples: usize,
    pub seed: u64,
    pub method: Method,
    model: hir::Model,
    engine: Engine,
}

/// The value of perfect information, in total and per crux, for the decision
/// "release iff E[net] > 0" (or among the options of the model's
/// `[decision]`), at `points` (every grid point with `across`),
/// with each crux's EVPPI by regression.
pub fn value_of_information(
    model: &hir::Model,
    point: Option<usize>,
    samples: usize,
    seed: u64,
) -> Result<ValueReport, Diagnostics> {
    value_of_information_by(model, point, samples, seed, Method::Regression)
}

/// [`value_of_information`] with the EVPPI estimated by `method`.
pub fn value_of_information_by(
    model: &hir::Model,
    point: Option<usize>,
    samples: usize,
    seed: u64,
    method: Method,
) -> Result<ValueReport, Diagnostics> {
    let engine = Engine::new(model)?;
    let across = point.is_none();
    let points: Vec<usize> = match point {
        Some(point) => vec![point],
        None => (0..engine.grid().len()).collect(),
    };
    let inputs = Inputs::of(&engine);
    let options = VoiOptions { method, ..VoiOptions::new(samples, seed, points) };
    let values = compute_value(&engine, &inputs, &options).map_err(|error| vec![error])?;
    let names = inputs.groups.iter().map(|group| group.name.clone()).collect();
    Ok(ValueReport { values, names, across, samples, seed, method, model: model.clone(), engine })
}

/// A method's name and, for a regression, its columns and R^2, for the JSON.
fn method_document(method: &EvppiMethod) -> Value {
    match method {
        EvppiMethod::Regression { columns, r_squared, plug_in, .. } => {
            json!({"method": method.name(), "columns": columns, "r_squared": r_squared, "plug_in": plug_in})
        }
        EvppiMethod::Nested { inner } => json!({"method": method.name(), "inner": inner}),
        EvppiMethod::Exact => json!({"method": method.name()}),
    }
}

impl ValueReport {
    /// The JSON document of `crux voi --format json`, with a final newline.
    pub fn json(&self) -> String {
        let point_document = |value: &PointValue| {
            let mut evppi = Map::new();
            let mut errors = Map::new();
            let mut methods = Map::new();
            for ((name, estimate), method) in self.names.iter().zip(&value.evppi).zip(&value.methods) {
                evppi.insert(name.clone(), json!(estimate.value));
                errors.insert(name.clone(), json!(estimate.standard_error));
                methods.insert(name.clone(), method_document(method));
            }
            let mut document = json!({
                "at": axis_value(&self.model, &self.engine, value.point),
                "expected_net": value.expected_net,
                "evpi": value.evpi.value,
                "evpi_se": value.evpi.standard_error,
                "evppi": Value::Object(evppi),
                "evppi_se": Value::Object(errors),
                "evppi_method": Value::Object(methods),
            });
            if let Some(decision) = &self.model.file.decision {
                let mut expected = Map::new();
                for (option, mean) in decision.options.iter().zip(&value.expected_values) {
                    expected.insert(option.id.name.clone(), json!(mean));
                }
                let best = value.best.map(|best| decision.options[best].id.name.clone());
                document
                    .as_object_mut()
                    .expect("an object")
                    .insert("decision".into(), json!({"expected_value": Value::Object(expected), "best": best}));
            }
            if !self.model.file.studies.is_empty() {
                let studies: Vec<Value> = value
                    .studies
                    .iter()
                    .map(|study| {
                        json!({
                            "id": study.name,
                            "measures": study.measures,
                            "evsi": study.evsi.value,
                            "evsi_se": study.evsi.standard_error,
                            "ceiling": study.ceiling.value,
                            "ceiling_se": study.ceiling.standard_error,
                            "cost": study.cost,
                            "net_value": study.net_value(),
                        })
                    })
                    .collect();
                document.as_object_mut().expect("an object").insert("studies".into(), json!(studies));
            }
            document
        };
        let mut document = if self.across {
            json!({"points": self.values.iter().map(point_document).collect::<Vec<_>>()})
        } else {
            point_document(&self.values[0])
        };
        let map = document.as_object_mut().expect("an object");
        if let Some(decision) = &self.model.file.decision {
            let options: Vec<Value> = decision
                .options
                .iter()
                .map(|option| json!({"id": option.id.name, "title": option.title, "value": option.text}))
                .collect();
            map.insert("options".into(), json!(options));
        }
        map.insert("unit".into(), json!(self.model.file.header.unit));
        map.insert("samples".into(), json!(self.samples));
        map.insert("seed".into(), json!(self.seed));
        map.insert(
            "method".into(),
            json!(match self.method {
                Method::Regression => "regression",
                Method::Nested => "nested",
            }),
        );
        serde_json::to_string(&document).expect("the value-of-information document serialises") + "\n"
    }

    /// The text of `crux voi`: a table at one point, or one row per grid point.
    pub fn text(&self) -> String {
        let unit = &self.model.file.header.unit;
        let design = match self.method {
            Method::Regression => format!(
                "{} model runs, one joint sample for EVPI and every crux; each crux's EVPPI by a regression\n\
                 of {} on its draws: gam (splines and pairwise tensor products, 1-4 draws) or additive\n\
                 (splines and pairwise products of its main draws, 5 or more); exact for a crux of every draw",
                self.samples,
                if self.model.file.decision.is_some() { "each option's value" } else { "net" }
            ),
            Method::Nested => {
                format!("{} model runs for EVPI and per crux, {DEFAULT_INNER} inner runs per outer point", self.samples)
            }
        };
        let decision = match &self.model.file.decision {
            Some(decision) => {
                let ids: Vec<&str> = decision.options.iter().map(|option| option.id.name.as_str()).collect();
                let title = decision.title.as_deref().map(|title| format!(" \"{title}\"")).unwrap_or_default();
                format!(
                    "the decision{title} among {} options ({}), each valued by its formula, the best E[value] chosen",
                    ids.len(),
                    ids.join(", ")
                )
            }
            None => "the decision \"release iff E[net] > 0\"".to_string(),
        };
        let mut text = format!(
            "Value of information for {decision}, in {unit}\n\
             ({design}; seed {}).\n\
             EVPI: expected gain from learning everything before deciding; EVPPI: from learning\n\
             one crux's params exactly. ± is one standard error.\n",
            self.seed
        );
        if self.across {
            text.push_str(&self.across_table());
        } else {
            text.push_str(&self.point_table(&self.values[0]));
        }
        text
    }

    fn point_table(&self, value: &PointValue) -> String {
        let mut text = match (&self.model.file.decision, value.best) {
            (Some(decision), Some(best)) => {
                let means: Vec<String> = decision
                    .options
                    .iter()
                    .zip(&value.expected_values)
                    .map(|(option, mean)| format!("{} {}", option.id.name, number(*mean)))
                    .collect();
                format!(
                    "\nAt {}: E[value] {}, so the decision now is {}.\n",
                    describe_point(&self.model, &self.engine, value.point),
                    means.join(", "),
                    decision.options[best].name()
                )
            }
            _ => format!(
                "\nAt {}: E[net] = {}, so the decision now is {}.\n",
                describe_point(&self.model, &self.engine, value.point),
                number(value.expected_net),
                if value.expected_net > 0.0 { "to release" } else { "not to release" }
            ),
        };
        if self.model.file.axis.is_some() && self.model.file.outline.context.now().is_some() {
            // Net at one grid point is not the report's "next release",
            // which puts each sample's release at its own open frontier.
            text.push_str(&format!(
                "(A release at {} in every sample; the report's \"next release\" puts each sample's\n\
                 release at its own next open release, so its E[net] differs.)\n",
                describe_point(&self.model, &self.engine, value.point)
            ));
        }
        let mut rows: Vec<(&str, f64, f64, String)> = self
            .names
            .iter()
            .zip(&value.evppi)
            .zip(&value.methods)
            .map(|((name, estimate), method)| {
                let how = match method {
                    EvppiMethod::Regression { columns, r_squared, .. } => {
                        format!("{}, {columns} columns, R² {:.2}", method.name(), r_squared)
                    }
                    _ => method.name().to_string(),
                };
                (name.as_str(), estimate.value, estimate.standard_error, how)
            })
            .collect();
        rows.sort_by(|a, b| b.1.total_cmp(&a.1));
        let width = rows.iter().map(|row| row.0.chars().count() + 6).max().unwrap_or(0).max(17);
        text.push_str(&format!(
            "\n{:<width$}  {:>8} ± {}\n",
            "EVPI (everything)",
            number(value.evpi.value),
            number(value.evpi.standard_error)
        ));
        for (name, estimate, error, how) in rows {
            let error = number(error);
            text.push_str(&format!(
                "{:<width$}  {:>8} ± {error:<8}  ({how})\n",
                format!("EVPPI {name}"),
                number(estimate)
            ));
        }
        text.push_str(&self.studies_table(value));
        text
    }

    /// Each declared study's EVSI, its ceiling (the EVPPI of the param it
    /// measures), its cost and its net value; nothing for a model without studies.
    fn studies_table(&self, value: &PointValue) -> String {
        if value.studies.is_empty() {
            return String::new();
        }
        let width = value.studies.iter().map(|study| study.name.chars().count()).max().unwrap_or(0).max(5);
        let measures = value.studies.iter().map(|study| study.measures.chars().count()).max().unwrap_or(0).max(8);
        let mut text = format!(
            "\nStudies: EVSI, the expected gain from the study's result before deciding (regression of net on\n\
             simulated results, cross-fitted); its ceiling is the EVPPI of the param it measures.\n\
             {:<width$}  {:<measures$}  {:>17}  {:>17}  {:>8}  {:>9}\n",
            "study", "measures", "EVSI", "ceiling", "cost", "EVSI-cost"
        );
        for study in &value.studies {
            let pair = |estimate: crux_analysis::voi::Estimate| {
                format!("{} ± {}", number(estimate.value), number(estimate.standard_error))
            };
            text.push_str(&format!(
                "{:<width$}  {:<measures$}  {:>17}  {:>17}  {:>8}  {:>9}\n",
                study.name,
                study.measures,
                pair(study.evsi),
                pair(study.ceiling),
                number(study.cost),
                number(study.net_value())
            ));
        }
        text
    }

    fn across_table(&self) -> String {
        let axis = self.model.file.axis.as_ref().map_or("point".to_string(), |axis| axis.name.name.clone());
        let decision = self.model.file.decision.as_ref();
        let best_width = decision
            .map_or(0, |decision| {
                decision.options.iter().map(|option| option.id.name.chars().count()).max().unwrap_or(0)
            })
            .max(4);
        let mut text = format!("\n{axis:>8}  {:>9}", "E[net]");
        if decision.is_some() {
            text.push_str(&format!("  {:>best_width$}", "best"));
        }
        text.push_str(&format!("  {:>9}", "EVPI"));
        let widths: Vec<usize> = self.names.iter().map(|name| name.chars().count().max(9)).collect();
        for (name, width) in self.names.iter().zip(&widths) {
            text.push_str(&format!("  {name:>width$}"));
        }
        text.push('\n');
        for value in &self.values {
            text.push_str(&format!(
                "{:>8}  {:>9}",
                axis_value(&self.model, &self.engine, value.point).map_or("-".to_string(), number),
                number(value.expected_net),
            ));
            if let Some(decision) = decision {
                let best = value.best.map_or("-", |best| decision.options[best].id.name.as_str());
                text.push_str(&format!("  {best:>best_width$}"));
            }
            text.push_str(&format!("  {:>9}", number(value.evpi.value)));
            for (estimate, width) in value.evppi.iter().zip(&widths) {
                text.push_str(&format!("  {:>width$}", number(estimate.value)));
            }
            text.push('\n');
        }
        text
    }
}

fn number(value: f64) -> String {
    significant(value, 3)
}
