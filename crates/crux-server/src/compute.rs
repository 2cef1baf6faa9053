//! Running the engine for a request, within bounds: a computation waits for
//! one of a fixed number of slots (503 with `Retry-After` when none frees up
//! in time), runs on the server's compute threads (one per slot), and is
//! cancelled when it runs past the time limit or when its request goes away.
//!
//! A computation that starts alone spreads over every compute thread. A run
//! of `POST /api/run` (a plain run, or a page's runs and probes) that starts
//! beside others runs on a single thread; sensitivity, the page's crux
//! importance and the compare and group views still spread. The compute
//! threads are long-lived and stay busy under load, so they stay spread over
//! the cores: running each request on a thread of its own (a blocking
//! thread, or a pool per thread) left the cores idle 14 to 18% of the time.
//!
//! Cancellation: the engine reports progress after every block of samples;
//! the progress callback checks a deadline and a cancel flag and, when either
//! has passed, unwinds out of the engine with a [`Cancelled`] payload
//! (`resume_unwind`, so no panic message is printed). Rayon carries the
//! unwind back to the caller, and blocks not yet started are skipped.

use crate::error::{ApiError, located};
use crate::metrics::Metrics;
use axum::http::StatusCode;
use crux_analysis::inputs::Inputs;
use crux_analysis::sobol::{SobolOptions, sobol_indices_checked};
use crux_analysis::threshold::Threshold;
use crux_engine::{Engine, RunOptions, RunOutput};
use crux_lang::{Sources, hir};
use crux_report::charts;
use crux_report::json::{ResultsDocument, RunDocument, SensitivityDocument};
use crux_report::results::{Answer, Worldview};
use crux_report::{Options, Results};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The computation slots: how many computations run at once, the threads
/// they run on (one per slot), and how long a computation may wait and run.
#[derive(Debug)]
pub struct Slots {
    permits: Arc<Semaphore>,
    pool: Arc<rayon::ThreadPool>,
    concurrent: usize,
    queue_wait: Duration,
    timeout: Duration,
    /// The memory budget, in KiB: each computation holds its estimate while it runs.
    memory: Arc<Semaphore>,
    memory_budget: usize,
    metrics: Arc<Metrics>,
}

impl Slots {
    /// `concurrent` slots (at least one), each with a compute thread, sharing
    /// `memory_budget` bytes; computations are counted in `metrics`.
    pub fn new(
        concurrent: usize,
        queue_wait: Duration,
        timeout: Duration,
        memory_budget: usize,
        metrics: Arc<Metrics>,
    ) -> Result<Slots, String> {
        let concurrent = concurrent.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(concurrent)
            .thread_name(|index| format!("crux-compute-{index}"))
            .build()
            .map_err(|error| format!("cannot start the compute threads: {error}"))?;
        Ok(Slots {
            permits: Arc::new(Semaphore::new(concurrent)),
            pool: Arc::new(pool),
            concurrent,
            queue_wait,
            timeout,
            memory: Arc::new(Semaphore::new((memory_budget / 1024).clamp(1, Semaphore::MAX_PERMITS))),
            memory_budget,
            metrics,
        })
    }
}

/// The unwind payload of a cancelled computation.
struct Cancelled;

/// The time and the cancel flag a computation runs under, and whether it may
/// spread over every core.
#[derive(Debug)]
pub struct Budget {
    cancel: Arc<AtomicBool>,
    deadline: Instant,
    parallel: bool,
}

impl Budget {
    /// Unwinds out of the computation if it was cancelled or ran out of time.
    pub fn check(&self) {
        if self.cancel.load(Ordering::Relaxed) || Instant::now() >= self.deadline {
            resume_unwind(Box::new(Cancelled));
        }
    }

    /// Run options whose progress callback checks this budget.
    pub fn options<'a>(&'a self, samples: usize, seed: u64, check: &'a (dyn Fn(u64) + Sync)) -> RunOptions<'a> {
        let mut options = RunOptions::new(samples, seed);
        options.progress = Some(check);
        options.parallel = self.parallel;
        options
    }
}

/// Sets the cancel flag when dropped: when the request's future is dropped
/// (the client went away), the computation stops.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs `work` on a blocking thread once a computation slot is free and
/// `bytes` of the memory budget are, within the time limit. A computation
/// that needs more than the whole budget is refused at once.
pub async fn bounded<T: Send + 'static>(
    slots: &Slots,
    bytes: usize,
    work: impl FnOnce(&Budget) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let metrics = slots.metrics.clone();
    if bytes > slots.memory_budget {
        metrics.computation("over_budget");
        return Err(ApiError::with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "this computation needs about {} MiB, more than this server's memory budget of {} MiB; ask for fewer samples",
                bytes >> 20,
                slots.memory_budget >> 20
            ),
        ));
    }
    let budget_kib = (slots.memory_budget / 1024).max(1);
    let kib = u32::try_from(bytes.div_ceil(1024).clamp(1, budget_kib)).unwrap_or(u32::MAX);
    let (permits, memory) = (slots.permits.clone(), slots.memory.clone());
    let acquired = tokio::time::timeout(slots.queue_wait, async move {
        let permit = permits.acquire_owned().await?;
        let reserved = memory.acquire_many_owned(kib).await?;
        Ok::<_, tokio::sync::AcquireError>((permit, reserved))
    })
    .await;
    let Ok(Ok((permit, reserved))) = acquired else {
        metrics.computation("busy");
        return Err(ApiError::busy());
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let _guard = CancelOnDrop(cancel.clone());
    let timeout = slots.timeout;
    // Alone, a run (or a page's runs) spreads over every core; beside others,
    // which already keep the cores busy, it runs on one of them: spread out,
    // it would cost a fifth to a third more CPU (measured at 10^4 samples).
    let others_running = slots.permits.available_permits() + 1 < slots.concurrent;
    let budget = Budget { cancel, deadline: Instant::now() + timeout, parallel: !others_running };
    let pool = slots.pool.clone();
    let held = i64::from(kib) * 1024;
    metrics.running(1, held);
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let _reserved = reserved;
        catch_unwind(AssertUnwindSafe(|| pool.install(|| work(&budget))))
    });
    let outcome = task.await;
    metrics.running(-1, held);
    match outcome {
        Ok(Ok(result)) => {
            metrics.computation(if result.is_ok() { "finished" } else { "refused" });
            result
        }
        Ok(Err(payload)) if payload.is::<Cancelled>() => {
            metrics.computation("timeout");
            Err(too_long(timeout))
        }
        Ok(Err(_)) | Err(_) => {
            metrics.computation("failed");
            tracing::error!("a computation failed unexpectedly");
            Err(ApiError::internal("the computation failed unexpectedly"))
        }
    }
}

fn too_long(timeout: Duration) -> ApiError {
    ApiError::with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!(
            "the computation took longer than this server's limit of {} s and was stopped; ask for fewer samples",
            timeout.as_secs_f64()
        ),
    )
}

/// Compiles and runs a resolved model under a budget.
pub fn run(
    model: &hir::Model,
    sources: &Sources,
    samples: usize,
    seed: u64,
    crossings: bool,
    budget: &Budget,
) -> Result<RunOutput, ApiError> {
    let engine = Engine::new(model).map_err(|diagnostics| located(&diagnostics, sources))?;
    run_engine(&engine, sources, samples, seed, crossings, budget)
}

/// Runs a compiled model under a budget.
pub fn run_engine(
    engine: &Engine,
    sources: &Sources,
    samples: usize,
    seed: u64,
    crossings: bool,
    budget: &Budget,
) -> Result<RunOutput, ApiError> {
    let check = |_: u64| budget.check();
    let mut options = budget.options(samples, seed, &check);
    options.crossings = crossings;
    engine.run(&options).map_err(|diagnostic| located(&[diagnostic], sources))
}

/// A model run for a request: its report's results, or, for a model without
/// a page, its plain run.
#[derive(Debug)]
pub enum ModelRun {
    Report { model: hir::Model, results: Box<Results> },
    Plain { model: hir::Model, output: RunOutput, samples: usize, seed: u64 },
}

impl ModelRun {
    /// The JSON of `crux run --format json` for this run.
    pub fn json(&self) -> serde_json::Value {
        let value = match self {
            ModelRun::Report { model, results } => serde_json::to_value(ResultsDocument::new(model, results)),
            ModelRun::Plain { model, output, samples, seed } => {
                serde_json::to_value(RunDocument::new(model, output, *samples, *seed))
            }
        };
        value.expect("the run documents serialise")
    }
}

/// Runs a resolved model the way `crux run` does: the page's analyses for a
/// model with a page, a plain run otherwise. `for_page` is the web page's
/// run: it keeps net for the charts and shows how robust the answer is,
/// with `worldviews` (the presets) side by side; `POST /api/run` leaves
/// those out, to stay fast.
pub fn run_model(
    model: hir::Model,
    sources: &Sources,
    samples: usize,
    seed: u64,
    for_page: bool,
    worldviews: &[Worldview],
    budget: &Budget,
) -> Result<ModelRun, ApiError> {
    let (crossings, robustness) = (for_page, for_page);
    if model.file.outline.is_empty() {
        let output = run(&model, sources, samples, seed, crossings, budget)?;
        return Ok(ModelRun::Plain { model, output, samples, seed });
    }
    let check = |_: u64| budget.check();
    let options = Options {
        progress: Some(&check),
        interrupt: Some(&check),
        parallel: budget.parallel,
        robustness,
        worldviews,
        ..Options::new(samples, seed)
    };
    let results = crux_report::compute(&model, &options).map_err(|diagnostics| located(&diagnostics, sources))?;
    Ok(ModelRun::Report { model, results: Box::new(results) })
}

/// What the web page shows of one model run: the run, the threshold (the
/// report's, crux-analysis's `Threshold`), the page's report as
/// crux-report's typed document (written as HTML by its `html` writer), the
/// share of the uncertainty each crux carries (or why it is not shown), and
/// the charts' descriptions: crux-report's, the ones `crux plot` draws.
#[derive(Debug)]
pub struct ReportRun {
    pub document: RunDocument,
    /// Where net turns negative, on an axis of at least two points.
    pub threshold: Option<Threshold>,
    /// The report of a model with a page, as a document (`None` for a plain
    /// run); its robustness section holds the robustness tornado.
    pub report: Option<crux_report::document::Document>,
    pub importance: Option<Result<SensitivityRun, String>>,
    pub charts: PageCharts,
}

/// The descriptions of a run's charts on the page (crux-report's `charts`,
/// as `crux plot` draws them).
#[derive(Debug, Default)]
pub struct PageCharts {
    /// Net across the axis with its bands, on an axis of at least two points.
    pub net: Option<crux_plot::Chart>,
    /// The histogram of per-sample thresholds, with [`ReportRun::threshold`].
    pub threshold: Option<crux_plot::Chart>,
    /// The mechanisms' mean effects at "now" (the grid point `crux plot`
    /// draws them at by default).
    pub mechanisms: Option<crux_plot::Chart>,
    /// The regulation policy curve, for a page that asks for a release threshold.
    pub policy: Option<crux_plot::Chart>,
}

/// "Now" as `crux plot` finds it (crux-report's `grid_point`), where the
/// page draws the mechanisms and the crux importance; the middle of the
/// axis should that fail.
pub fn now_point(model: &hir::Model) -> usize {
    let len = model.file.axis.as_ref().map_or(1, |axis| axis.len());
    crux_report::analyses::grid_point(model, None).unwrap_or(len / 2).min(len - 1)
}

impl ReportRun {
    /// What the page shows of `run`, with its mechanisms at grid point `now`
    /// ([`now_point`]).
    pub fn new(run: &ModelRun, now: usize) -> ReportRun {
        match run {
            ModelRun::Plain { model, output, samples, seed } => {
                let threshold = output
                    .crossings
                    .as_ref()
                    .filter(|_| output.points.len() > 1)
                    .map(|crossings| Threshold::new(&output.points, &output.net, crossings, None));
                ReportRun {
                    document: RunDocument::new(model, output, *samples, *seed),
                    charts: PageCharts::new(model, output, threshold.as_ref(), None, now),
                    threshold,
                    report: None,
                    importance: None,
                }
            }
            ModelRun::Report { model, results } => ReportRun {
                document: RunDocument::new(model, &results.run, results.samples, results.seed),
                charts: PageCharts::new(model, &results.run, results.threshold.as_ref(), Some(results), now),
                threshold: results.threshold.clone(),
                report: Some(crux_report::build::document(model, results)),
                importance: None,
            },
        }
    }
}

impl PageCharts {
    fn new(
        model: &hir::Model,
        output: &RunOutput,
        threshold: Option<&Threshold>,
        results: Option<&Results>,
        point: usize,
    ) -> Self {
        let unit = charts::unit(model);
        let axis = model.file.axis.as_ref().filter(|_| output.points.len() > 1);
        let axis_label = axis.map(charts::axis_label);
        let at = crux_report::analyses::point_words(model, &output.points, point);
        let release = results.and_then(|results| {
            results.policies.iter().flatten().find_map(|answer| match answer {
                Answer::ReleaseThreshold(release) => Some(release),
                _ => None,
            })
        });
        PageCharts {
            net: axis.map(|_| charts::net_chart(model, output)),
            threshold: threshold
                .filter(|threshold| threshold.grid.len() > 1 && threshold.sample.samples > 0)
                .zip(axis_label.as_deref())
                .map(|(threshold, label)| charts::threshold_chart(threshold, label)),
            mechanisms: (!model.file.mechanisms.is_empty())
                .then(|| charts::mechanism_chart(model, output, point, &at, &unit)),
            policy: release
                .zip(axis_label.as_deref())
                .map(|(release, label)| charts::policy_chart(release, label, &unit)),
        }
    }
}

/// Runs a resolved model for the web page, with the crux-importance analysis
/// at `importance_rows` rows.
#[allow(clippy::too_many_arguments)]
pub fn report_run(
    model: hir::Model,
    sources: &Sources,
    samples: usize,
    seed: u64,
    importance_rows: usize,
    worldviews: &[Worldview],
    budget: &Budget,
) -> Result<ReportRun, ApiError> {
    // The share each crux carries at "now", where the report's sensitivity
    // and `crux plot` put it (the API's default stays the axis's middle).
    let now = now_point(&model);
    let at = model.file.axis.as_ref().map(|axis| axis.value(now));
    let options = SensitivityRequestOptions { samples: importance_rows, seed, at, resamples: PAGE_RESAMPLES };
    let importance = sensitivity(&model, sources, &options, budget).map_err(|error| error.message());
    let mut run = ReportRun::new(&run_model(model, sources, samples, seed, true, worldviews, budget)?, now);
    run.importance = Some(importance);
    Ok(run)
}

/// Bootstrap resamples of the page's crux-importance chart (its whiskers).
const PAGE_RESAMPLES: usize = 200;

/// Sobol indices of net at one grid point of a resolved model:
/// the document of `crux sensitivity --format json`. `at` picks the nearest
/// grid point (the middle of the axis when `None`).
pub fn sensitivity(
    model: &hir::Model,
    sources: &Sources,
    options: &SensitivityRequestOptions,
    budget: &Budget,
) -> Result<SensitivityRun, ApiError> {
    let engine = Engine::new(model).map_err(|diagnostics| located(&diagnostics, sources))?;
    let point = grid_point(model, options.at)?;
    let inputs = Inputs::of(&engine);
    let mut sobol = SobolOptions::new(options.samples, options.seed, point);
    sobol.resamples = options.resamples;
    let check = || budget.check();
    let result = sobol_indices_checked(&engine, &inputs, &sobol, &check)
        .map_err(|diagnostic| located(&[diagnostic], sources))?;
    let at = model.file.axis.as_ref().map(|_| engine.grid()[point]);
    let words = crux_report::analyses::point_words(model, engine.grid(), point);
    Ok(SensitivityRun {
        document: SensitivityDocument::new(&inputs, &result, at, options.seed),
        axis_name: model.file.axis.as_ref().map(|axis| axis.name.name.clone()),
        chart: charts::importance_chart(model, &inputs, &result, &words),
    })
}

/// How to compute Sobol indices for a request.
#[derive(Debug, Clone, Copy)]
pub struct SensitivityRequestOptions {
    pub samples: usize,
    pub seed: u64,
    pub at: Option<f64>,
    pub resamples: usize,
}

/// Sobol indices of a request: the JSON document, and the chart of the
/// cruxes' and the params' indices (crux-report's description, the one
/// `crux plot` draws).
#[derive(Debug, Clone)]
pub struct SensitivityRun {
    pub document: SensitivityDocument,
    pub axis_name: Option<String>,
    pub chart: crux_plot::Chart,
}

/// The grid index nearest `at`, if `at` lies on the axis (within half a step
/// of its ends); the middle of the axis without `at`.
fn grid_point(model: &hir::Model, at: Option<f64>) -> Result<usize, ApiError> {
    let Some(axis) = &model.file.axis else {
        return match at {
            None => Ok(0),
            Some(_) => {
                Err(ApiError::bad_request("`at` does not apply: the model has no axis, so it has a single point"))
            }
        };
    };
    let Some(value) = at else { return Ok(axis.len() / 2) };
    axis.index_on_axis(value).ok_or_else(|| {
        ApiError::bad_request(format!(
            "`at` = {value} is off the axis: `{}` runs from {} to {} in steps of {}",
            axis.name.name, axis.from, axis.to, axis.step
        ))
    })
}
