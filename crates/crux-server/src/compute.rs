//! Running the engine for a request, within bounds: a computation waits for
//! one of a fixed number of slots (503 with `Retry-After` when none frees up
//! in time), runs on a blocking thread, and is cancelled when it runs past
//! the time limit or when its request goes away.
//!
//! Cancellation: the engine reports progress after every block of samples;
//! the progress callback checks a deadline and a cancel flag and, when either
//! has passed, unwinds out of the engine with a [`Cancelled`] payload
//! (`resume_unwind`, so no panic message is printed). Rayon carries the
//! unwind back to the caller, and blocks not yet started are skipped.

use crate::error::ApiError;
use crate::state::{AppState, located};
use crate::summary::{self, Thresholds};
use axum::http::StatusCode;
use crux_engine::{Engine, RunOptions, RunOutput};
use crux_lang::{Sources, hir};
use crux_report::json::{PageDocument, RunDocument};
use crux_report::{Options, PageResults};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The unwind payload of a cancelled computation.
struct Cancelled;

/// The time and the cancel flag a computation runs under.
#[derive(Debug)]
pub struct Budget {
    cancel: Arc<AtomicBool>,
    deadline: Instant,
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

/// Runs `work` on a blocking thread once a computation slot is free, within
/// the time limit.
pub async fn bounded<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&Budget) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let permit = tokio::time::timeout(state.limits.queue_wait, state.permits.clone().acquire_owned())
        .await
        .map_err(|_| ApiError::busy())?
        .map_err(|_| ApiError::busy())?;
    let cancel = Arc::new(AtomicBool::new(false));
    let _guard = CancelOnDrop(cancel.clone());
    let timeout = state.limits.timeout;
    let budget = Budget { cancel, deadline: Instant::now() + timeout };
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        catch_unwind(AssertUnwindSafe(|| work(&budget)))
    });
    match task.await {
        Ok(Ok(result)) => result,
        Ok(Err(payload)) if payload.is::<Cancelled>() => Err(too_long(timeout)),
        Ok(Err(_)) | Err(_) => Err(ApiError::internal("the computation failed unexpectedly")),
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
    keep_net: bool,
    budget: &Budget,
) -> Result<RunOutput, ApiError> {
    let engine = Engine::new(model).map_err(|diagnostics| located(&diagnostics, sources))?;
    let check = |_: u64| budget.check();
    let mut options = budget.options(samples, seed, &check);
    options.keep_net = keep_net;
    engine.run(&options).map_err(|diagnostic| located(&[diagnostic], sources))
}

/// A model answered: its page's results, or, for a model without a page, its run.
#[derive(Debug)]
pub enum Answer {
    Page { model: hir::Model, results: Box<PageResults> },
    Run { model: hir::Model, output: RunOutput, samples: usize, seed: u64 },
}

impl Answer {
    /// The JSON of `crux run --format json` for this answer.
    pub fn json(&self) -> serde_json::Value {
        let value = match self {
            Answer::Page { model, results } => serde_json::to_value(PageDocument::new(model, results)),
            Answer::Run { model, output, samples, seed } => {
                serde_json::to_value(RunDocument::new(model, output, *samples, *seed))
            }
        };
        value.expect("the run documents serialise")
    }
}

/// Runs the model with `overrides` the way `crux run` does: the page's
/// analyses for a model with a page, a plain run otherwise.
pub fn answer(
    state: &AppState,
    overrides: &std::collections::BTreeMap<String, String>,
    samples: usize,
    seed: u64,
    keep_net: bool,
    budget: &Budget,
) -> Result<Answer, ApiError> {
    let (model, sources) = state.model_with(overrides)?;
    if model.file.page.is_empty() {
        let output = run(&model, &sources, samples, seed, keep_net, budget)?;
        return Ok(Answer::Run { model, output, samples, seed });
    }
    let check = |_: u64| budget.check();
    let options = Options { progress: Some(&check), ..Options::new(samples, seed) };
    let results = crux_report::compute(&model, &options).map_err(|diagnostics| located(&diagnostics, &sources))?;
    Ok(Answer::Page { model, results: Box::new(results) })
}

/// What the page shows of one answer: the run, the per-sample thresholds
/// (for a model without a page) and the page's report in Markdown.
#[derive(Debug)]
pub struct PageRun {
    pub document: RunDocument,
    pub thresholds: Option<Thresholds>,
    pub markdown: Option<String>,
}

impl PageRun {
    pub fn new(answer: &Answer) -> PageRun {
        match answer {
            Answer::Run { model, output, samples, seed } => PageRun {
                document: RunDocument::new(model, output, *samples, *seed),
                thresholds: output.net_samples.as_ref().and_then(|net| summary::thresholds(net, &output.points)),
                markdown: None,
            },
            Answer::Page { model, results } => PageRun {
                document: RunDocument::new(model, &results.run, results.samples, results.seed),
                thresholds: None,
                markdown: Some(crux_report::markdown::render(model, results)),
            },
        }
    }
}

/// Runs the model with `overrides` for the page.
pub fn page_run(
    state: &AppState,
    overrides: &std::collections::BTreeMap<String, String>,
    samples: usize,
    seed: u64,
    budget: &Budget,
) -> Result<PageRun, ApiError> {
    Ok(PageRun::new(&answer(state, overrides, samples, seed, true, budget)?))
}
