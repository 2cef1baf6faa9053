//! What the server holds between requests: the model (read once at start),
//! the store, the limits and the computation slots; and applying a client's
//! beliefs (param overrides) to the model, with every problem located in the
//! expression the client wrote.

use crate::auth::Access;
use crate::compute::{ReportRun, Slots};
use crate::error::{ApiError, BELIEF_SOURCE, located};
use crate::metrics::Metrics;
use crate::security::Hosts;
use crate::{Config, Limits};
use crux_lang::model::{ModelFile, parse_model};
use crux_lang::resolve::resolve;
use crux_lang::{Sources, hir};
use crux_store::{ModelSource, Store};
use crux_worldview::Beliefs;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StartError {
    pub message: String,
}

/// The bytes a run keeps per sample besides the quantiles' values (see
/// [`AppState::run_bytes`]).
pub const PER_SAMPLE_BYTES: usize = 64;

/// The bytes a run needs whatever its samples (see [`AppState::run_bytes`]).
pub const RUN_BASE_BYTES: usize = 32 << 20;

/// The fewest samples of a view in a comparison or group, however many views it computes.
pub const MIN_VIEW_SAMPLES: usize = 1000;

/// The shared state of the server.
#[derive(Debug)]
pub struct AppState {
    pub model: ModelSource,
    /// The parsed model and the sources it was read from (cloned per request).
    base_sources: Sources,
    pub base: ModelFile,
    /// The model as read, compiled once: what a request without overrides runs.
    pub base_engine: crux_engine::Engine,
    pub store: Mutex<Store>,
    /// Whether the store was found read-only at start (writes answer 503).
    pub store_read_only: bool,
    /// `sqlite` or `postgres`.
    pub store_backend: &'static str,
    pub limits: Limits,
    /// Who may use the server.
    pub access: Arc<Access>,
    /// The host names the server answers to.
    pub hosts: Arc<Hosts>,
    /// The counters behind `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The computation slots and the threads computations run on.
    pub slots: Slots,
    /// The web page's run at the model's own beliefs, computed once.
    pub default_report: tokio::sync::OnceCell<Arc<ReportRun>>,
}

impl AppState {
    /// Reads and checks the model and opens the store.
    pub fn new(config: Config) -> Result<AppState, StartError> {
        let mut sources = Sources::new();
        let file = sources.add(config.model.name.clone(), config.model.text.as_str());
        let base = parse_model(&mut sources, file).map_err(|diagnostics| model_error(&config.model, &diagnostics))?;
        let resolved = resolve(base.clone()).map_err(|diagnostics| model_error(&config.model, &diagnostics))?;
        let base_engine =
            crux_engine::Engine::new(&resolved).map_err(|diagnostics| model_error(&config.model, &diagnostics))?;
        let store = match &config.db {
            Some(location) => Store::open_location(location),
            None => Store::open_in_memory(),
        }
        .map_err(|error| StartError { message: error.message })?;
        let store_read_only = store.read_only();
        if store_read_only {
            let location = config.db.as_ref().map_or_else(|| "(in memory)".to_string(), |db| db.display());
            tracing::warn!(
                store = %location,
                "the profile store is read-only: profiles are shown, but saving, editing and deleting them answer 503"
            );
        }
        let store_backend = store.backend_name();
        let metrics = Arc::new(Metrics::new());
        let limits = &config.limits;
        let slots =
            Slots::new(limits.concurrent, limits.queue_wait, limits.timeout, limits.memory_budget, metrics.clone())
                .map_err(|message| StartError { message })?;
        Ok(AppState {
            model: config.model,
            base_sources: sources,
            base,
            base_engine,
            store: Mutex::new(store),
            store_read_only,
            store_backend,
            access: Arc::new(config.access),
            hosts: Arc::new(Hosts::new(&config.allowed_hosts)),
            metrics,
            slots,
            limits: config.limits,
            default_report: tokio::sync::OnceCell::new(),
        })
    }

    /// The sources of the model as read.
    pub fn base_sources(&self) -> &Sources {
        &self.base_sources
    }

    /// Whether `overrides` (within the limits) change nothing: the model as read answers them.
    pub fn changes_nothing(&self, overrides: &BTreeMap<String, String>) -> Result<bool, ApiError> {
        self.check_overrides(overrides)?;
        Ok(self.beliefs(overrides).overrides.is_empty())
    }

    /// The model with `overrides` applied, resolved; with the sources for locating problems.
    pub fn model_with(&self, overrides: &BTreeMap<String, String>) -> Result<(hir::Model, Sources), ApiError> {
        self.check_overrides(overrides)?;
        let mut sources = self.base_sources.clone();
        let mut model = self.base.clone();
        let beliefs = self.beliefs(overrides);
        beliefs
            .apply(&mut sources, &mut model, BELIEF_SOURCE)
            .map_err(|diagnostics| located(&diagnostics, &sources))?;
        let resolved = resolve(model).map_err(|diagnostics| located(&diagnostics, &sources))?;
        Ok((resolved, sources))
    }

    /// The presets written for this model, each applied to it before
    /// `overrides`, for the page's side-by-side (a preset that does not fit
    /// is left out).
    pub fn preset_worldviews(
        &self,
        model: &hir::Model,
        overrides: &BTreeMap<String, String>,
    ) -> Vec<crux_report::results::Worldview> {
        crux_worldview::presets::preset_worldviews(model, |name| {
            let mut sources = self.base_sources.clone();
            let mut file = self.base.clone();
            let text = crux_worldview::presets::preset(name)?;
            let profile_file = sources.add(format!("{name} (preset)"), text);
            crux_lang::profile::parse_profile(&mut sources, profile_file).ok()?.apply(&mut file).ok()?;
            self.beliefs(overrides).apply(&mut sources, &mut file, BELIEF_SOURCE).ok()?;
            resolve(file).ok()
        })
    }

    /// The overrides that change something (an expression equal to the model's is no change).
    pub fn beliefs(&self, overrides: &BTreeMap<String, String>) -> Beliefs {
        Beliefs {
            overrides: overrides
                .iter()
                .filter(|(name, text)| self.base.param(name).is_none_or(|param| param.text.trim() != text.trim()))
                .map(|(name, text)| (name.clone(), text.trim().to_string()))
                .collect(),
            ..Beliefs::default()
        }
    }

    fn check_overrides(&self, overrides: &BTreeMap<String, String>) -> Result<(), ApiError> {
        if overrides.len() > self.base.params.len() {
            return Err(ApiError::bad_request(format!(
                "{} overrides, but the model has only {} params",
                overrides.len(),
                self.base.params.len()
            )));
        }
        for (name, text) in overrides {
            if text.len() > self.limits.max_expression_bytes {
                return Err(ApiError::bad_request(format!(
                    "the expression for `{name}` is {} bytes long; the limit is {} bytes",
                    text.len(),
                    self.limits.max_expression_bytes
                ))
                .with_param(name));
            }
        }
        Ok(())
    }

    /// The sources the model was read from, to add a request's texts to.
    pub fn sources(&self) -> Sources {
        self.base_sources.clone()
    }

    /// How a crux is named on pages: "Crux 2 (Capability Threshold)", or its title, or its id.
    pub fn crux_title(&self, id: &str) -> String {
        self.base.outline.crux(id).map_or_else(|| id.to_string(), crux_worldview::compare::crux_title)
    }

    /// Samples of each view when a request computes `computations` views:
    /// `requested`, or fewer so that all of them together stay within
    /// `limits.view_samples_budget` (but not below [`MIN_VIEW_SAMPLES`]).
    pub fn view_samples(&self, requested: usize, computations: usize) -> usize {
        let requested = requested.min(self.limits.max_page_samples);
        let share = self.limits.view_samples_budget / computations.max(1);
        requested.min(share.max(MIN_VIEW_SAMPLES))
    }

    /// An estimate of the memory one run of `samples` samples may need at its
    /// peak, in bytes. No analysis keeps every net value: what grows with
    /// the samples is the values the engine keeps around each quantile
    /// (about a tenth of the samples at every grid point, 8 bytes each:
    /// under one byte a sample per point, counted as one), and
    /// [`PER_SAMPLE_BYTES`] for each sample's crossing, the context columns
    /// read per sample and the threshold's selection; plus [`RUN_BASE_BYTES`]
    /// for the program, the robustness runs (of at most 20,000 samples) and
    /// the documents. Measured with `/usr/bin/time -v` on the built-in model
    /// (71 points): 150 MiB at 10^6 samples and 858 MiB at 10^7
    /// (bench/RESULTS.md), against estimates of 161 MiB and 1.29 GiB.
    pub fn run_bytes(&self, samples: usize) -> usize {
        let points = self.base_engine.grid().len().max(1);
        samples.saturating_mul(points + PER_SAMPLE_BYTES).saturating_add(RUN_BASE_BYTES)
    }

    /// Checks a sample count against the limits (`None`: the default).
    pub fn samples(&self, samples: Option<u64>) -> Result<usize, ApiError> {
        checked_samples(samples, self.limits.default_samples, self.limits.max_samples, "samples")
    }

    /// Checks the rows of a sensitivity analysis against the limits (`None`: the default).
    pub fn sensitivity_samples(&self, samples: Option<u64>) -> Result<usize, ApiError> {
        checked_samples(
            samples,
            self.limits.default_sensitivity_samples,
            self.limits.max_sensitivity_samples,
            "rows of the sensitivity design",
        )
    }
}

fn checked_samples(samples: Option<u64>, default: usize, max: usize, what: &str) -> Result<usize, ApiError> {
    let Some(samples) = samples else { return Ok(default) };
    if samples < 2 {
        return Err(ApiError::bad_request(format!("samples must be at least 2, not {samples}")));
    }
    if samples > max as u64 {
        return Err(ApiError::bad_request(format!(
            "{samples} samples is more than this server's limit of {max} {what} per request"
        )));
    }
    Ok(samples as usize)
}

fn model_error(model: &ModelSource, diagnostics: &[crux_lang::Diagnostic]) -> StartError {
    let mut sources = Sources::new();
    let file = sources.add(model.name.clone(), model.text.as_str());
    let lines: Vec<String> = diagnostics
        .iter()
        .map(|diagnostic| match diagnostic.span {
            Some(span) if span.file == file => format!("{}: {}", sources.location(span), diagnostic.message),
            _ => format!("{}: {}", model.name, diagnostic.message),
        })
        .collect();
    StartError { message: format!("the model does not load:\n{}", lines.join("\n")) }
}
