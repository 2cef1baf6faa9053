//! `crux._crux`: the native half of the Python package `crux` (see
//! `python/`). Glue only, like the CLI: it reads model and profile texts,
//! applies overrides, and calls the library crates, returning their JSON
//! documents, Markdown and Arrow record batches unchanged, so that the
//! package's numbers are the CLI's for the same seed. Every computation runs
//! with the GIL released. Problems become `crux.CruxError` with the message,
//! the file, line and column of the first error, and the rendered text.

use arrow_pyarrow::ToPyArrow;
use crux_lang::model::{ModelFile, Side, parse_model};
use crux_lang::profile::parse_profile;
use crux_lang::resolve::resolve;
use crux_lang::{Diagnostic, Diagnostics, Sources, Span, hir};
use crux_report::Options;
use crux_report::analyses;
use crux_report::builtin::{OPEN_SOURCE_SAFETY, OPEN_SOURCE_SAFETY_NAME};
use crux_samples::{At, Plan, SamplesError};
use crux_worldview::compare::{compare, views_of_profiles};
use crux_worldview::presets::{PRESETS, preset, preset_worldviews};
use crux_worldview::report::{double_cruxes_markdown, positions_markdown};
use pyo3::prelude::*;
use serde_json::json;
use std::path::{Path, PathBuf};

/// A failure with the sources its diagnostics point into.
struct Failure {
    sources: Sources,
    diagnostics: Diagnostics,
}

impl Failure {
    fn new(sources: Sources, diagnostics: Diagnostics) -> Self {
        Failure { sources, diagnostics }
    }

    fn alone(message: String) -> Self {
        Failure { sources: Sources::new(), diagnostics: vec![Diagnostic::error(message)] }
    }

    /// As a `crux.CruxError`.
    fn into_py(self, py: Python<'_>) -> PyErr {
        let rendered: Vec<String> =
            self.diagnostics.iter().map(|diagnostic| render(&self.sources, diagnostic)).collect();
        let first = self.diagnostics.iter().find(|diagnostic| diagnostic.is_error()).or(self.diagnostics.first());
        let message = first.map_or_else(|| "unknown error".to_string(), |diagnostic| diagnostic.message.clone());
        let place = first.and_then(|diagnostic| diagnostic.span).map(|span| {
            let file = self.sources.get(span.file);
            let (line, column) = file.line_col(span.start as usize);
            (file.name.clone(), line, column)
        });
        let (file, line, column) = match place {
            Some((file, line, column)) => (Some(file), Some(line), Some(column)),
            None => (None, None, None),
        };
        let error = py
            .import("crux._errors")
            .and_then(|module| module.getattr("CruxError"))
            .and_then(|class| class.call1((message, file, line, column, rendered.join("\n"))));
        match error {
            Ok(value) => PyErr::from_value(value),
            Err(error) => error,
        }
    }
}

/// A diagnostic as plain text: `file:line:col: error: message`, the line and
/// a caret under the place, then each help.
fn render(sources: &Sources, diagnostic: &Diagnostic) -> String {
    let severity = if diagnostic.is_error() { "error" } else { "warning" };
    let mut text = match diagnostic.span {
        Some(span) => {
            let file = sources.get(span.file);
            let (line, column) = file.line_col(span.start as usize);
            let source_line = file.text.lines().nth(line - 1).unwrap_or("");
            let width = span_width(sources, span).max(1);
            let label = diagnostic.label.as_deref().map(|label| format!(" {label}")).unwrap_or_default();
            format!(
                "{}:{line}:{column}: {severity}: {}\n  {source_line}\n  {}{}{label}\n",
                file.name,
                diagnostic.message,
                " ".repeat(column - 1),
                "^".repeat(width)
            )
        }
        None => format!("{severity}: {}\n", diagnostic.message),
    };
    for help in &diagnostic.help {
        text.push_str(&format!("  help: {help}\n"));
    }
    text
}

/// The width in characters of a span on its first line.
fn span_width(sources: &Sources, span: Span) -> usize {
    sources.text(span).lines().next().map_or(1, |line| line.chars().count())
}

/// A model's text with the name its messages show.
#[pyclass(frozen, module = "crux._crux", name = "NativeModel")]
struct NativeModel {
    name: String,
    text: String,
}

/// Reads a profile: a file, or the name of a preset.
fn profile_text(spec: &str) -> Result<(String, String), Failure> {
    let path = Path::new(spec);
    if !path.exists() {
        if let Some(text) = preset(spec) {
            return Ok((format!("preset {spec}"), text.to_string()));
        }
        let names: Vec<&str> = PRESETS.iter().map(|(name, _)| *name).collect();
        return Err(Failure::new(
            Sources::new(),
            vec![
                Diagnostic::error(format!("cannot read `{spec}`: no such file, and no preset has that name"))
                    .with_help(format!("the presets are {}", names.join(", "))),
            ],
        ));
    }
    read(path).map(|text| (spec.to_string(), text))
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|error| Failure::alone(format!("cannot read `{}`: {error}", path.display())))
}

impl NativeModel {
    /// The model file parsed, with a profile and overrides applied, and the sources.
    fn parsed(&self, profile: Option<&str>, set: &[(String, String)]) -> Result<(Sources, ModelFile), Failure> {
        let mut sources = Sources::new();
        let profile = profile.map(profile_text).transpose()?;
        let file = sources.add(self.name.clone(), self.text.as_str());
        let mut parsed = match parse_model(&mut sources, file) {
            Ok(parsed) => parsed,
            Err(diagnostics) => return Err(Failure::new(sources, diagnostics)),
        };
        if let Some((name, text)) = profile {
            let profile_file = sources.add(name, text);
            if let Err(diagnostics) =
                parse_profile(&mut sources, profile_file).and_then(|profile| profile.apply(&mut parsed))
            {
                return Err(Failure::new(sources, diagnostics));
            }
        }
        let mut diagnostics = Vec::new();
        for (name, expr) in set {
            let source = sources.add(format!("set {name}"), format!("{name}={expr}"));
            let name_span = Span::new(source, 0, name.len());
            if let Err(error) = parsed.set_param(name, name_span, expr, source, name.len() + 1) {
                diagnostics.push(error);
            }
        }
        if !diagnostics.is_empty() {
            return Err(Failure::new(sources, diagnostics));
        }
        Ok((sources, parsed))
    }

    /// The resolved model with a profile and overrides applied, and the sources.
    fn resolved(&self, profile: Option<&str>, set: &[(String, String)]) -> Result<(Sources, hir::Model), Failure> {
        let (sources, parsed) = self.parsed(profile, set)?;
        match resolve(parsed) {
            Ok(model) => Ok((sources, model)),
            Err(diagnostics) => Err(Failure::new(sources, diagnostics)),
        }
    }
}

/// Runs `work` on the resolved model with the GIL released.
fn with_model<T: Send>(
    py: Python<'_>,
    model: &NativeModel,
    profile: Option<&str>,
    set: &[(String, String)],
    work: impl FnOnce(&hir::Model) -> Result<T, Diagnostics> + Send,
) -> PyResult<T> {
    py.detach(|| {
        let (sources, resolved) = model.resolved(profile, set)?;
        work(&resolved).map_err(|diagnostics| Failure::new(sources, diagnostics))
    })
    .map_err(|failure: Failure| failure.into_py(py))
}

#[pymethods]
impl NativeModel {
    /// Reads and checks a model file.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<NativeModel> {
        let text = read(&path).map_err(|failure| failure.into_py(py))?;
        NativeModel::from_text(py, text, path.display().to_string())
    }

    /// The built-in open-weights safety model.
    #[staticmethod]
    fn builtin() -> NativeModel {
        NativeModel { name: OPEN_SOURCE_SAFETY_NAME.to_string(), text: OPEN_SOURCE_SAFETY.to_string() }
    }

    /// Checks a model given as text.
    #[staticmethod]
    fn from_text(py: Python<'_>, text: String, name: String) -> PyResult<NativeModel> {
        let model = NativeModel { name, text };
        with_model(py, &model, None, &[], |_| Ok(()))?;
        Ok(model)
    }

    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    #[getter]
    fn text(&self) -> &str {
        &self.text
    }

    /// A JSON description: id, title, unit, axis, params, derived values,
    /// mechanisms, cruxes, and whether it has a page and an open frontier now.
    fn info(&self, py: Python<'_>) -> PyResult<String> {
        with_model(py, self, None, &[], |model| {
            let file = &model.file;
            let side = |side: Side| if side == Side::Benefit { "benefit" } else { "risk" };
            let info = json!({
                "id": file.header.id,
                "title": file.header.title,
                "unit": file.header.unit,
                "axis": file.axis.as_ref().map(|axis| json!({
                    "name": axis.name.name,
                    "label": axis.label,
                    "values": axis.values(),
                })),
                "params": file.params.iter().map(|param| param.name.name.as_str()).collect::<Vec<_>>(),
                "derived": file.derived.iter().map(|derived| derived.name.name.as_str()).collect::<Vec<_>>(),
                "mechanisms": file.mechanisms.iter()
                    .map(|mechanism| json!({"id": mechanism.id.name, "side": side(mechanism.side)}))
                    .collect::<Vec<_>>(),
                "page": !file.outline.is_empty(),
                "open_now": file.outline.context.open_now.is_some(),
            });
            Ok(info.to_string())
        })
    }

    /// `crux run`: the JSON document, the Markdown page (for a page report)
    /// and the terminal text.
    #[pyo3(signature = (samples, seed, set, profile, sensitivity, robustness, page))]
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        py: Python<'_>,
        samples: usize,
        seed: u64,
        set: Vec<(String, String)>,
        profile: Option<String>,
        sensitivity: bool,
        robustness: bool,
        page: bool,
    ) -> PyResult<(String, Option<String>, String)> {
        with_model(py, self, profile.as_deref(), &set, |model| {
            // The presets side by side, as `crux run` shows them without a profile.
            let worldviews = if profile.is_none() {
                preset_worldviews(model, |name| self.resolved(Some(name), &set).ok().map(|(_, model)| model))
            } else {
                Vec::new()
            };
            let options = Options { sensitivity, robustness, worldviews: &worldviews, ..Options::new(samples, seed) };
            let report = analyses::run(model, &options, page)?;
            Ok((report.json(model), report.markdown(model), report.text(model)))
        })
    }

    /// `crux samples`: the schema and the record batches, in sample order.
    #[pyo3(signature = (samples, seed, at, set, profile))]
    fn samples<'py>(
        &self,
        py: Python<'py>,
        samples: usize,
        seed: u64,
        at: Option<Vec<f64>>,
        set: Vec<(String, String)>,
        profile: Option<String>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let (schema, batches) = with_model(py, self, profile.as_deref(), &set, |model| {
            let at = at.map_or(At::Default, At::Values);
            let plan = Plan::new(model, &at)?;
            let batches = plan.collect(samples, seed).map_err(|error| match error {
                SamplesError::Model(diagnostics) => diagnostics,
                SamplesError::Output(message) => vec![Diagnostic::error(message)],
            })?;
            Ok((plan.schema(), batches))
        })?;
        Ok((schema.as_ref().to_pyarrow(py)?, batches.to_pyarrow(py)?))
    }

    /// `crux sensitivity`: the JSON document and the text.
    #[pyo3(signature = (at, samples, seed, set, profile))]
    fn sensitivity(
        &self,
        py: Python<'_>,
        at: Option<f64>,
        samples: usize,
        seed: u64,
        set: Vec<(String, String)>,
        profile: Option<String>,
    ) -> PyResult<(String, String)> {
        with_model(py, self, profile.as_deref(), &set, |model| {
            let point = analyses::grid_point(model, at)?;
            let report = analyses::sensitivity(model, point, samples, seed)?;
            Ok((report.json(), report.text()))
        })
    }

    /// `crux voi`: the JSON document and the text.
    #[pyo3(signature = (at, across, samples, seed, set, profile))]
    #[allow(clippy::too_many_arguments)]
    fn voi(
        &self,
        py: Python<'_>,
        at: Option<f64>,
        across: bool,
        samples: usize,
        seed: u64,
        set: Vec<(String, String)>,
        profile: Option<String>,
    ) -> PyResult<(String, String)> {
        with_model(py, self, profile.as_deref(), &set, |model| {
            let point = if across { None } else { Some(analyses::grid_point(model, at)?) };
            let report = analyses::value_of_information(model, point, samples, seed)?;
            Ok((report.json(), report.text()))
        })
    }

    /// `crux compare`: the JSON document and the Markdown.
    #[pyo3(signature = (profiles, samples, seed))]
    fn compare(&self, py: Python<'_>, profiles: Vec<String>, samples: usize, seed: u64) -> PyResult<(String, String)> {
        py.detach(|| {
            let texts: Vec<(String, String)> =
                profiles.iter().map(|spec| profile_text(spec)).collect::<Result<_, _>>()?;
            let (mut sources, parsed) = self.parsed(None, &[])?;
            let result = views_of_profiles(&mut sources, &parsed, &texts)
                .and_then(|views| compare(&mut sources, &parsed, &views, &Options::new(samples, seed)));
            match result {
                Ok(comparison) => Ok((
                    comparison.json(),
                    format!(
                        "## Side by side\n\n{}\n## The double crux\n\n{}",
                        positions_markdown(&comparison.positions),
                        double_cruxes_markdown(&comparison.double_cruxes)
                    ),
                )),
                Err(diagnostics) => Err(Failure::new(sources, diagnostics)),
            }
        })
        .map_err(|failure: Failure| failure.into_py(py))
    }
}

/// The version of the native module (the workspace's).
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _crux(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<NativeModel>()?;
    module.add_function(wrap_pyfunction!(version, module)?)?;
    Ok(())
}
