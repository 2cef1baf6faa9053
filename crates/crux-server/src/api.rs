//! The JSON API: running the model with a client's beliefs, the profile
//! store, comparing profiles and pooling them, and the OpenAPI document
//! generated from these handlers (`GET /api/openapi.json`).
//!
//! Request bodies are read by [`JsonBody`], which answers malformed JSON,
//! unknown fields and oversized bodies with the API's error shape.

use crate::compute::{self, PageRun, bounded, page_run};
use crate::error::{ApiError, ErrorBody};
use crate::html;
pub use crate::manage::{LeftOut, ProfileInfo, SaveProfile, Selected, select_profiles};
use crate::state::{AppState, located};
use crate::summary::{Place, axis_values, stays_below_from, verdict_stretches};
use axum::body::Bytes;
use axum::extract::{FromRequest, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use crux_engine::RunOutput;
use crux_report::Options;
use crux_report::json::RunDocument;
use crux_worldview::compare::{DoubleCrux, Position, View, compute_view, double_crux};
use crux_worldview::group::{Method, group_view};
use crux_worldview::{Beliefs, Member, linear_pool};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use utoipa::{OpenApi, ToSchema};

/// The API's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/run", post(run))
        .route("/api/sensitivity", post(sensitivity))
        .route("/api/model", get(model))
        .route("/api/compare", get(compare))
        .route("/api/pool", get(pool))
        .route("/api/openapi.json", get(openapi))
}

/// The OpenAPI document of the API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Crux",
        description = "Run a Crux model with your own beliefs, store belief profiles, compare and pool them."
    ),
    paths(
        run,
        sensitivity,
        model,
        crate::manage::list_profiles,
        crate::manage::save_profile,
        crate::manage::update_profile,
        crate::manage::delete_profile,
        compare,
        pool,
        openapi
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// A JSON request body, read within the body limit; problems become API errors.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            let status = rejection.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::with_status(status, "the request body is larger than this server accepts")
            } else {
                ApiError::with_status(status, format!("cannot read the request body: {}", rejection.body_text()))
            }
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|error| json_error(&error))
    }
}

fn json_error(error: &serde_json::Error) -> ApiError {
    let text = error.to_string();
    let message = match text.rfind(" at line ") {
        Some(index) => text[..index].to_string(),
        None => text,
    };
    let mut api_error = ApiError::bad_request(format!("invalid JSON request: {message}"));
    if error.line() > 0 {
        api_error.details[0].line = Some(error.line());
        api_error.details[0].col = Some(error.column());
    }
    api_error
}

/// A run: the beliefs that differ from the model's, and how many samples.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Param name to expression, in the model's expression syntax (`"5 to 50"`).
    #[serde(default)]
    pub overrides: BTreeMap<String, String>,
    /// Monte Carlo samples (default: the server's, at most its limit).
    pub samples: Option<u64>,
    /// Random seed: the same seed gives the same numbers.
    pub seed: Option<u64>,
}

/// Runs the model with the given beliefs.
///
/// Returns the same JSON document as `crux run --format json`. With
/// `Accept: text/html`, returns instead the results part of the page (what the
/// page swaps in when a belief changes).
#[utoipa::path(
    post,
    path = "/api/run",
    request_body = RunRequest,
    responses(
        (status = 200, description = "The JSON of `crux run --format json`: model, samples, seed, axis, net and mechanisms; for a model with a page also now, context, evaluation, threshold and policies", body = Object, content_type = "application/json"),
        (status = 400, description = "Bad input: malformed JSON, an unknown param, an invalid expression, too many samples", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "The computation ran past the time limit and was stopped", body = ErrorBody),
        (status = 503, description = "Every computation slot is busy; retry after the `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn run(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<RunRequest>,
) -> Result<Response, ApiError> {
    let samples = state.samples(request.samples)?;
    let seed = request.seed.unwrap_or(1);
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        let samples = samples.min(state.limits.max_page_samples);
        let started = Instant::now();
        let worker = state.clone();
        let bytes = state.run_bytes(samples);
        let run =
            bounded(&state, bytes, move |budget| page_run(&worker, &request.overrides, samples, seed, budget)).await?;
        let fragment = html::results(&state, &run, Some(started.elapsed()));
        return Ok(Html(fragment).into_response());
    }
    let worker = state.clone();
    let document = bounded(&state, state.run_bytes(samples), move |budget| {
        Ok(compute::answer(&worker, &request.overrides, samples, seed, false, budget)?.json())
    })
    .await?;
    Ok(Json(document).into_response())
}

/// A sensitivity analysis: beliefs as for a run, the rows of the design and the point of the axis.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensitivityRequest {
    /// Param name to expression, in the model's expression syntax (`"5 to 50"`).
    #[serde(default)]
    pub overrides: BTreeMap<String, String>,
    /// Rows N of each matrix of the Saltelli design (the model runs N * (2 + params + cruxes) times;
    /// a power of two keeps the Sobol' points balanced). Default and limit: the server's.
    pub samples: Option<u64>,
    /// Random seed of the scrambled Sobol' points and of the bootstrap.
    pub seed: Option<u64>,
    /// The axis value to analyse (the nearest grid point; default: the middle of the axis).
    pub at: Option<f64>,
}

/// Sobol indices of net at one point of the axis, per param and per crux.
///
/// Returns the same JSON document as `crux sensitivity --format json`:
/// `{"at", "samples", "seed", "evaluations", "mean", "variance", "params": {NAME: {"S1", "S1_conf", "ST", "ST_conf"}}, "groups": {CRUX: {...}}}`.
/// `S1` is the share of the variance of net a param (or crux) explains alone,
/// `ST` alone and in interactions; `_conf` is the half-width of a 95% bootstrap interval.
#[utoipa::path(
    post,
    path = "/api/sensitivity",
    request_body = SensitivityRequest,
    responses(
        (status = 200, description = "The JSON of `crux sensitivity --format json`: at, samples, seed, evaluations, mean, variance, params and groups (each name to S1, S1_conf, ST, ST_conf)", body = Object, content_type = "application/json"),
        (status = 400, description = "Bad input: malformed JSON, an unknown param, an invalid expression, too many samples, a point off the axis, a net that does not vary", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "The computation ran past the time limit and was stopped", body = ErrorBody),
        (status = 503, description = "Every computation slot is busy; retry after the `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn sensitivity(
    State(state): State<Arc<AppState>>,
    JsonBody(request): JsonBody<SensitivityRequest>,
) -> Result<Response, ApiError> {
    let options = compute::SensitivityRequestOptions {
        samples: state.sensitivity_samples(request.samples)?,
        seed: request.seed.unwrap_or(1),
        at: request.at,
        resamples: crux_analysis::sobol::DEFAULT_RESAMPLES,
    };
    let worker = state.clone();
    // The design's rows times (2 + factors + cruxes) evaluations at one point, a few numbers each.
    let bytes = options.samples.saturating_mul(2 + 2 * state.base.params.len()).saturating_mul(64) + (16 << 20);
    let run = bounded(&state, bytes, move |budget| {
        let (model, sources) = worker.model_with(&request.overrides)?;
        compute::sensitivity(&model, &sources, &options, budget)
    })
    .await?;
    Ok(Json(run.document).into_response())
}

/// One param of the model, as a client may set it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParamInfo {
    pub name: String,
    /// The model's expression.
    pub default: String,
    pub label: Option<String>,
    /// The crux group the param belongs to.
    pub crux: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
}

/// The model: its id, title and the params a client can set.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelDocument {
    pub id: String,
    pub title: String,
    pub description: String,
    pub unit: String,
    /// SHA-256 of the model text: which exact model the numbers come from.
    pub hash: String,
    pub params: Vec<ParamInfo>,
}

/// The model and its params.
#[utoipa::path(get, path = "/api/model", responses((status = 200, description = "The model", body = ModelDocument)))]
pub async fn model(State(state): State<Arc<AppState>>) -> Json<ModelDocument> {
    let header = &state.base.header;
    Json(ModelDocument {
        id: header.id.clone(),
        title: header.title.clone(),
        description: header.description.clone(),
        unit: header.unit.clone(),
        hash: state.model.hash(),
        params: state
            .base
            .params
            .iter()
            .map(|param| ParamInfo {
                name: param.name.name.clone(),
                default: param.text.clone(),
                label: param.label.clone(),
                crux: param.crux.as_ref().map(|crux| crux.name.clone()),
                source: param.source.clone(),
                note: param.note.clone(),
            })
            .collect(),
    })
}

/// Where on the axis a curve stays below its level for good: `at` a grid
/// value, `below` (from the start of the axis) or `never`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CrossingInfo {
    /// `at`, `below` or `never`.
    pub kind: String,
    pub at: Option<f64>,
}

impl From<Place> for CrossingInfo {
    fn from(place: Place) -> Self {
        match place {
            Place::At(value) => CrossingInfo { kind: "at".to_string(), at: Some(value) },
            Place::FromStart => CrossingInfo { kind: "below".to_string(), at: None },
            Place::Never => CrossingInfo { kind: "never".to_string(), at: None },
        }
    }
}

/// A stretch of the axis with one verdict on P(net > 0) (Positive >= 0.7, Negative <= 0.3, else Unclear).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StretchInfo {
    pub from: f64,
    pub to: f64,
    pub verdict: String,
}

/// What one view concludes along the axis.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Outlook {
    /// From where E[net] stays negative (the report's mean crossing).
    pub mean_crossing: CrossingInfo,
    /// From where P(net > 0) stays below 0.5 (the report's median crossing).
    pub even_odds_crossing: CrossingInfo,
    /// The axis cut into stretches of equal verdict.
    pub verdicts: Vec<StretchInfo>,
    /// P(net > 0) at each grid point.
    pub p_positive: Vec<f64>,
    /// E[net] at each grid point.
    pub mean: Vec<f64>,
}

impl Outlook {
    pub fn new(axis: &[f64], mean: Vec<f64>, p_positive: Vec<f64>) -> Outlook {
        Outlook {
            mean_crossing: stays_below_from(axis, &mean, 0.0).into(),
            even_odds_crossing: stays_below_from(axis, &p_positive, 0.5).into(),
            verdicts: verdict_stretches(axis, &p_positive)
                .into_iter()
                .map(|stretch| StretchInfo {
                    from: stretch.from,
                    to: stretch.to,
                    verdict: stretch.verdict.as_str().to_string(),
                })
                .collect(),
            p_positive,
            mean,
        }
    }

    pub fn of(document: &RunDocument) -> Outlook {
        Outlook::new(&axis_values(document), document.net.mean.clone(), document.net.p_positive.clone())
    }

    fn of_run(output: &RunOutput) -> Outlook {
        Outlook::new(
            &output.points,
            output.net.iter().map(|point| point.mean).collect(),
            output.net.iter().map(|point| point.p_positive).collect(),
        )
    }
}

/// A stored profile with what it concludes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileOutlook {
    pub profile: ProfileInfo,
    /// The view's answers to the model's page, as `crux compare` reads them:
    /// `evaluation` (dimension, verdict, p_positive per row), `now` (mean,
    /// p_positive and verdict at the open frontier now), `threshold`
    /// (mean_crossing, p50, p05, p95, year_p50, never_share of the per-sample
    /// threshold) and `best_release_threshold`; `null` where the model does not ask.
    #[schema(value_type = Object)]
    pub position: Position,
    pub outlook: Outlook,
}

/// A group member: the stored profile and its answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberPosition {
    pub profile: ProfileInfo,
    /// The member's answers, as in [`ProfileOutlook`].
    #[schema(value_type = Object)]
    pub position: Position,
}

/// One param on which the compared views differ.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParamDifference {
    pub param: String,
    pub crux: Option<String>,
    /// The model's own expression.
    pub default: String,
    /// Each view's expression, in the order of the profiles.
    pub expressions: Vec<String>,
}

/// One crux's share of the disagreement among views.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CruxDisagreement {
    /// The crux group (`(no crux)` for params outside every group).
    pub crux: String,
    pub params: Vec<String>,
    /// How many different belief sets the views hold on this crux.
    pub distinct_views: usize,
    /// How many views differ from the model's defaults on it.
    pub views_off_default: usize,
}

/// Profiles side by side, run with common random numbers (one seed).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompareDocument {
    /// Monte Carlo samples of each view computed.
    pub samples: usize,
    pub seed: u64,
    /// The axis grid.
    pub axis: Vec<f64>,
    pub profiles: Vec<ProfileOutlook>,
    /// The double crux of each pair of profiles (of the first few): the crux
    /// whose beliefs, taken from the other view, flip the verdict or move the
    /// threshold most. Fields: a, b, swaps (crux, crux_title, view, from_view,
    /// verdict_before, verdict_after, threshold_before, threshold_after),
    /// main_crux and summary.
    #[schema(value_type = Vec<Object>)]
    pub double_cruxes: Vec<DoubleCrux>,
    /// Pairs of profiles without a double crux (only the first few profiles are paired).
    pub pairs_without_double_crux: usize,
    pub differences: Vec<ParamDifference>,
    pub cruxes: Vec<CruxDisagreement>,
    /// Stored profiles not compared, and why (invalid, or beyond the most taken at once).
    pub left_out: Vec<LeftOut>,
}

/// Query parameters of the compare and pool endpoints.
#[derive(Debug, Default)]
pub struct SelectionQuery {
    pub ids: Option<Vec<i64>>,
    pub samples: Option<u64>,
    pub seed: Option<u64>,
}

impl SelectionQuery {
    pub fn parse(query: Option<&str>) -> Result<SelectionQuery, ApiError> {
        let mut selection = SelectionQuery::default();
        for (key, value) in form_pairs(query.unwrap_or("")) {
            let number = |what: &str| {
                value
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| ApiError::bad_request(format!("`{what}` must be a whole number, not `{value}`")))
            };
            match key.as_str() {
                "ids" => {
                    let mut ids = Vec::new();
                    for part in value.split(',').map(str::trim).filter(|part| !part.is_empty()) {
                        ids.push(part.parse::<i64>().map_err(|_| {
                            ApiError::bad_request(format!(
                                "`ids` is a comma-separated list of profile ids, not `{value}`"
                            ))
                        })?);
                    }
                    selection.ids.get_or_insert_with(Vec::new).extend(ids);
                }
                "id" => {
                    let id = value
                        .trim()
                        .parse::<i64>()
                        .map_err(|_| ApiError::bad_request(format!("`id` must be a profile id, not `{value}`")))?;
                    selection.ids.get_or_insert_with(Vec::new).push(id);
                }
                "samples" => selection.samples = Some(number("samples")?),
                "seed" => selection.seed = Some(number("seed")?),
                other => {
                    return Err(ApiError::bad_request(format!(
                        "unknown query parameter `{other}`; this takes `ids`, `samples` and `seed`"
                    )));
                }
            }
        }
        Ok(selection)
    }
}

/// Decoded `key=value` pairs of a query string.
pub fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

pub(crate) fn percent_decode(text: &str) -> String {
    let hex = |byte: u8| (byte as char).to_digit(16).map(|digit| digit as u8);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len() => match (hex(bytes[index + 1]), hex(bytes[index + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    index += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The params some view sets away from the model, and the per-crux disagreement of several belief sets.
pub fn disagreement(state: &AppState, views: &[Beliefs]) -> (Vec<ParamDifference>, Vec<CruxDisagreement>) {
    let mut differences = Vec::new();
    for param in &state.base.params {
        let expressions: Vec<String> = views.iter().map(|view| view.text(param).to_string()).collect();
        if expressions.iter().any(|text| text != &param.text) {
            differences.push(ParamDifference {
                param: param.name.name.clone(),
                crux: param.crux.as_ref().map(|crux| crux.name.clone()),
                default: param.text.clone(),
                expressions,
            });
        }
    }
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for param in &state.base.params {
        let group = param.crux.as_ref().map_or("(no crux)".to_string(), |crux| crux.name.clone());
        match groups.iter_mut().find(|(name, _)| *name == group) {
            Some((_, params)) => params.push(param.name.name.clone()),
            None => groups.push((group, vec![param.name.name.clone()])),
        }
    }
    let mut cruxes: Vec<CruxDisagreement> = groups
        .into_iter()
        .map(|(crux, params)| {
            let held: Vec<Vec<&str>> = views
                .iter()
                .map(|view| params.iter().map(|name| view.overrides.get(name).map_or("", String::as_str)).collect())
                .collect();
            let mut distinct = held.clone();
            distinct.sort();
            distinct.dedup();
            let off_default = held.iter().filter(|beliefs| beliefs.iter().any(|text| !text.is_empty())).count();
            CruxDisagreement { crux, params, distinct_views: distinct.len(), views_off_default: off_default }
        })
        .collect();
    cruxes.sort_by(|a, b| b.distinct_views.cmp(&a.distinct_views).then(b.views_off_default.cmp(&a.views_off_default)));
    (differences, cruxes)
}

/// Runs each selected profile with one seed, and finds the double crux of each pair.
pub async fn compare_profiles(state: &Arc<AppState>, selection: SelectionQuery) -> Result<CompareDocument, ApiError> {
    let requested = state.samples(selection.samples)?;
    let seed = selection.seed.unwrap_or(1);
    let Selected { profiles, left_out } = select_profiles(state, selection.ids).await?;
    let worker = state.clone();
    // The views run one after the other, each with at most the page's samples.
    let bytes = state.run_bytes(requested.min(state.limits.max_page_samples));
    bounded(state, bytes, move |budget| {
        let views = views_of(&worker, &profiles)?;
        let paired = views.len().min(DOUBLE_CRUX_PROFILES);
        let mut computations = views.len();
        for a in 0..paired {
            for b in a + 1..paired {
                computations += 2 * differing_cruxes(&worker, &views[a], &views[b]);
            }
        }
        let samples = worker.view_samples(requested, computations);
        let check = |_: u64| budget.check();
        let options = Options { progress: Some(&check), interrupt: Some(&check), ..Options::new(samples, seed) };
        let mut sources = worker.sources();
        let mut profile_outlooks = Vec::with_capacity(views.len());
        let mut positions = Vec::with_capacity(views.len());
        let mut axis = Vec::new();
        for (profile, view) in profiles.iter().zip(&views) {
            let (position, results) = compute_view(&mut sources, &worker.base, view, &options)
                .map_err(|diagnostics| stale(profile, located(&diagnostics, &sources)))?;
            axis.clone_from(&results.run.points);
            positions.push(position.clone());
            profile_outlooks.push(ProfileOutlook {
                profile: profile.clone(),
                position,
                outlook: Outlook::of_run(&results.run),
            });
        }
        let mut double_cruxes = Vec::new();
        for a in 0..paired {
            for b in a + 1..paired {
                let found = double_crux(
                    &mut sources,
                    &worker.base,
                    (&views[a], &positions[a]),
                    (&views[b], &positions[b]),
                    &options,
                )
                .map_err(|diagnostics| located(&diagnostics, &sources))?;
                double_cruxes.push(found);
            }
        }
        let pairs = views.len() * views.len().saturating_sub(1) / 2;
        let beliefs: Vec<Beliefs> = views.into_iter().map(|view| view.beliefs).collect();
        let (differences, cruxes) = disagreement(&worker, &beliefs);
        Ok(CompareDocument {
            samples,
            seed,
            axis,
            profiles: profile_outlooks,
            double_cruxes,
            pairs_without_double_crux: pairs - paired * paired.saturating_sub(1) / 2,
            differences,
            cruxes,
            left_out,
        })
    })
    .await
}

/// The most profiles whose every pair gets a double crux (each pair costs
/// two model runs per crux the pair differs on).
pub const DOUBLE_CRUX_PROFILES: usize = 4;

/// Each profile as a view (labelled with its name), after checking that its
/// beliefs still apply to the model.
fn views_of(state: &AppState, profiles: &[ProfileInfo]) -> Result<Vec<View>, ApiError> {
    profiles
        .iter()
        .map(|profile| {
            state.model_with(&profile.overrides).map_err(|error| stale(profile, error))?;
            Ok(View { label: profile.name.clone(), beliefs: Beliefs { overrides: profile.overrides.clone() } })
        })
        .collect()
}

/// How many crux groups views `a` and `b` hold different beliefs on.
fn differing_cruxes(state: &AppState, a: &View, b: &View) -> usize {
    state
        .base
        .page
        .cruxes
        .iter()
        .filter(|crux| a.beliefs.with_group_from(&b.beliefs, &state.base, &crux.id.name) != a.beliefs)
        .count()
}

/// A stored profile that no longer applies to the model (found while computing: it changed since it was selected).
fn stale(profile: &ProfileInfo, error: ApiError) -> ApiError {
    ApiError::with_status(
        StatusCode::CONFLICT,
        format!("profile {} (\"{}\") no longer applies to this model: {}", profile.id, profile.name, error.message()),
    )
}

/// Stored profiles side by side: each one's answers, the double crux of each pair, the params they differ on, and the cruxes those belong to.
#[utoipa::path(
    get,
    path = "/api/compare",
    params(
        ("ids" = Option<String>, Query, description = "Comma-separated profile ids (default: every stored profile)"),
        ("samples" = Option<u64>, Query, description = "Monte Carlo samples per view (fewer when many views must be computed; the document says how many)"),
        ("seed" = Option<u64>, Query, description = "Random seed, shared by every profile"),
    ),
    responses(
        (status = 200, description = "The comparison", body = CompareDocument),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 404, description = "No such profile", body = ErrorBody),
        (status = 409, description = "A stored profile no longer applies to the model", body = ErrorBody),
        (status = 422, description = "The computation ran past the time limit and was stopped", body = ErrorBody),
        (status = 503, description = "Busy", body = ErrorBody),
    )
)]
pub async fn compare(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<CompareDocument>, ApiError> {
    let selection = SelectionQuery::parse(query.as_deref())?;
    compare_profiles(&state, selection).await.map(Json)
}

/// A group's pooled view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoolDocument {
    /// `linear`: each sample takes one member's whole belief set, members equally likely.
    pub method: String,
    /// Monte Carlo samples of each view computed.
    pub samples: usize,
    pub seed: u64,
    pub members: Vec<MemberPosition>,
    /// The pooled view's answers, as each member's `position`.
    #[schema(value_type = Object)]
    pub pooled_position: Position,
    /// The pooled run, in the shape of `crux run --format json` for a model without a page.
    #[schema(value_type = Object)]
    pub pooled: serde_json::Value,
    pub outlook: Outlook,
    pub disagreement: Disagreement,
    /// Stored profiles not pooled, and why (invalid, or beyond the most taken at once).
    pub left_out: Vec<LeftOut>,
}

/// How far the members are apart.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Disagreement {
    /// In sentences: the spread of verdicts and thresholds, and the crux the group disagrees on most.
    pub summary: Vec<String>,
    /// For each crux, in how many (member, other member) pairs the member's
    /// verdict at the open frontier flips when it takes the other's view of that crux.
    pub crux_flips: Vec<CruxFlips>,
    /// Lowest and highest member value of where E[net] stays negative (members with a crossing on the axis).
    pub mean_crossing_range: Option<[f64; 2]>,
    /// Members whose E[net] is not negative at the end of the axis, and those negative from its start.
    pub never_negative: usize,
    pub negative_from_start: usize,
    /// The crux the members' beliefs differ on most (most distinct belief sets).
    pub most_disputed: Option<String>,
    pub cruxes: Vec<CruxDisagreement>,
}

/// The verdict flips one crux causes among a group's members.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CruxFlips {
    pub crux: String,
    /// "Crux 2 (Capability Threshold)", or the crux's title.
    pub title: String,
    pub flips: usize,
}

/// Pools the selected stored profiles (linear pool, equal weights).
pub async fn pool_profiles(
    state: &Arc<AppState>,
    selection: SelectionQuery,
) -> Result<(PoolDocument, PageRun), ApiError> {
    let requested = state.samples(selection.samples)?;
    let seed = selection.seed.unwrap_or(1);
    let Selected { profiles, left_out } = select_profiles(state, selection.ids).await?;
    if profiles.is_empty() {
        return Err(ApiError::with_status(StatusCode::NOT_FOUND, "no stored profiles to pool; save a profile first"));
    }
    let worker = state.clone();
    // The views run one after the other, each with at most the page's samples; the pool keeps its net.
    let bytes = 2 * state.run_bytes(requested.min(state.limits.max_page_samples));
    bounded(state, bytes, move |budget| {
        let views = views_of(&worker, &profiles)?;
        // Members, the pool (for its answers and for its charts), and each swap of a crux between two members.
        let mut computations = views.len() + 2;
        for a in &views {
            for b in &views {
                computations += differing_cruxes(&worker, a, b);
            }
        }
        let samples = worker.view_samples(requested, computations);
        let check = |_: u64| budget.check();
        let options = Options { progress: Some(&check), interrupt: Some(&check), ..Options::new(samples, seed) };
        let mut sources = worker.sources();
        let weights = vec![1.0; views.len()];
        let group = group_view(&mut sources, &worker.base, &views, &weights, Method::Linear, &options)
            .map_err(|diagnostics| located(&diagnostics, &sources))?;
        let members: Vec<Member> =
            views.iter().map(|view| Member { beliefs: view.beliefs.clone(), weight: 1.0 }).collect();
        let pooled_file =
            linear_pool(&mut sources, &worker.base, &members).map_err(|diagnostics| located(&diagnostics, &sources))?;
        let pooled_model =
            crux_lang::resolve::resolve(pooled_file).map_err(|diagnostics| located(&diagnostics, &sources))?;
        let output = compute::run(&pooled_model, &sources, samples, seed, true, budget)?;
        let run = PageRun::new(&compute::Answer::Run { model: pooled_model, output, samples, seed });
        let beliefs: Vec<Beliefs> = views.into_iter().map(|view| view.beliefs).collect();
        let (_, cruxes) = disagreement(&worker, &beliefs);
        let crossings: Vec<Option<f64>> =
            group.members.iter().map(|member| member.threshold.and_then(|threshold| threshold.mean_crossing)).collect();
        let ats: Vec<f64> = crossings.iter().flatten().copied().collect();
        let start = run.document.axis.as_ref().and_then(|axis| axis.values.first().copied());
        let disagreement = Disagreement {
            summary: group.disagreement.clone(),
            crux_flips: group
                .crux_flips
                .iter()
                .map(|(crux, flips)| CruxFlips { crux: crux.clone(), title: worker.crux_title(crux), flips: *flips })
                .collect(),
            mean_crossing_range: (!ats.is_empty()).then(|| {
                [
                    ats.iter().copied().fold(f64::INFINITY, f64::min),
                    ats.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                ]
            }),
            never_negative: crossings.iter().filter(|crossing| crossing.is_none()).count(),
            negative_from_start: crossings.iter().filter(|crossing| crossing.is_some() && **crossing == start).count(),
            most_disputed: cruxes.first().filter(|crux| crux.distinct_views > 1).map(|crux| crux.crux.clone()),
            cruxes,
        };
        let document = PoolDocument {
            method: group.method.to_string(),
            samples,
            seed,
            members: profiles
                .into_iter()
                .zip(group.members)
                .map(|(profile, position)| MemberPosition { profile, position })
                .collect(),
            pooled_position: group.pooled,
            pooled: serde_json::to_value(&run.document).expect("the run document serialises"),
            outlook: Outlook::of(&run.document),
            disagreement,
            left_out,
        };
        Ok((document, run))
    })
    .await
}

/// The group view: the linear pool of stored profiles (equal weights) and how far its members disagree.
#[utoipa::path(
    get,
    path = "/api/pool",
    params(
        ("ids" = Option<String>, Query, description = "Comma-separated profile ids (default: every stored profile)"),
        ("samples" = Option<u64>, Query, description = "Monte Carlo samples per view (fewer when many views must be computed; the document says how many)"),
        ("seed" = Option<u64>, Query, description = "Random seed"),
    ),
    responses(
        (status = 200, description = "The pooled view", body = PoolDocument),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 404, description = "No such profile, or none stored", body = ErrorBody),
        (status = 409, description = "A stored profile no longer applies to the model", body = ErrorBody),
        (status = 422, description = "The computation ran past the time limit and was stopped", body = ErrorBody),
        (status = 503, description = "Busy", body = ErrorBody),
    )
)]
pub async fn pool(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<PoolDocument>, ApiError> {
    let selection = SelectionQuery::parse(query.as_deref())?;
    pool_profiles(&state, selection).await.map(|(document, _)| Json(document))
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", responses((status = 200, description = "The OpenAPI document of this API")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
