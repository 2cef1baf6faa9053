//! The JSON API: running the model with a client's beliefs, the profile
//! store, comparing profiles and pooling them, and the OpenAPI document
//! generated from these handlers (`GET /api/openapi.json`).
//!
//! Handlers only read the request and shape the response; the work is in
//! [`crate::service`], the types in [`crate::wire`]. Request bodies are read
//! by [`JsonBody`], which answers malformed JSON, unknown fields and
//! oversized bodies with the API's error shape.

use crate::auth::Identity;
use crate::compute;
use crate::error::{ApiError, ErrorBody};
use crate::profiles;
use crate::service;
use crate::state::AppState;
use crate::templates;
use crate::wire::{
    CompareResponse, ModelResponse, PageQuery, ParamInfo, PoolResponse, ProfileInfo, QueryOf, RunRequest, SaveProfile,
    SelectionQuery, SensitivityRequest,
};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use crux_store::Inserted;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Instant;
use utoipa::OpenApi;

/// The API's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/run", post(run))
        .route("/api/sensitivity", post(sensitivity))
        .route("/api/model", get(model))
        .route("/api/profiles", get(list_profiles).post(save_profile))
        .route("/api/profiles/{id}", put(update_profile).delete(delete_profile))
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
        list_profiles,
        save_profile,
        update_profile,
        delete_profile,
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
        let run = service::report(&state, request.overrides, samples, seed).await?;
        let fragment = templates::results(&state, &run, Some(started.elapsed()));
        return Ok(Html(fragment).into_response());
    }
    let run = service::run(&state, request.overrides, samples, seed).await?;
    Ok(Json(run.json()).into_response())
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
    let run = compute::bounded(&state.slots, bytes, move |budget| {
        let (model, sources) = worker.model_with(&request.overrides)?;
        compute::sensitivity(&model, &sources, &options, budget)
    })
    .await?;
    Ok(Json(run.document).into_response())
}

/// The model and its params.
#[utoipa::path(get, path = "/api/model", responses((status = 200, description = "The model", body = ModelResponse)))]
pub async fn model(State(state): State<Arc<AppState>>) -> Json<ModelResponse> {
    let header = &state.base.header;
    Json(ModelResponse {
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

/// The stored profiles of this model, a page at a time; each says whether it is still valid.
#[utoipa::path(
    get,
    path = "/api/profiles",
    params(
        ("after" = Option<i64>, Query, description = "Only profiles with a larger id (the last id of the previous page)"),
        ("limit" = Option<usize>, Query, description = "The most profiles to return (default and limit: the server's page size)"),
    ),
    responses(
        (status = 200, description = "Stored profiles, oldest first; a `Link: <...>; rel=\"next\"` header gives the next page, `X-Total-Count` the number stored", body = Vec<ProfileInfo>),
        (status = 400, description = "Bad query", body = ErrorBody),
    )
)]
pub async fn list_profiles(
    State(state): State<Arc<AppState>>,
    QueryOf(page): QueryOf<PageQuery>,
) -> Result<Response, ApiError> {
    let size = state.limits.profiles_page.max(1);
    let limit = page.limit.unwrap_or(size).clamp(1, size);
    let (profiles, more, total) = profiles::profile_page(&state, page.after, limit).await?;
    let mut response = Json(&profiles).into_response();
    if more && let Some(last) = profiles.last() {
        let link = format!("</api/profiles?after={}&limit={limit}>; rel=\"next\"", last.id);
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    response.headers_mut().insert("x-total-count", HeaderValue::from(total));
    Ok(response)
}

/// Stores the given beliefs as a named profile, after checking them against the model.
///
/// With an `Idempotency-Key` header, a repeated request (a retry after a lost
/// answer) stores nothing new and answers with the first one's profile.
#[utoipa::path(
    post,
    path = "/api/profiles",
    request_body = SaveProfile,
    params(("Idempotency-Key" = Option<String>, Header, description = "A key of the client's choosing: the same request sent again with it stores nothing new")),
    responses(
        (status = 201, description = "Stored", body = ProfileInfo),
        (status = 200, description = "Stored before, under the same idempotency key (`Idempotent-Replayed: true`)", body = ProfileInfo),
        (status = 400, description = "Bad input: a missing name, too long a text, an unknown param or an invalid expression", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "The idempotency key was used for a different profile", body = ErrorBody),
        (status = 503, description = "The store is read-only or unavailable", body = ErrorBody),
        (status = 507, description = "A quota is reached: the author's or the store's", body = ErrorBody),
    )
)]
pub async fn save_profile(
    State(state): State<Arc<AppState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<SaveProfile>,
) -> Result<Response, ApiError> {
    let (inserted, info) = profiles::save(&state, &identity, &headers, &request).await?;
    let mut response = Json(info).into_response();
    match inserted {
        Inserted::Created(_) => *response.status_mut() = StatusCode::CREATED,
        Inserted::Replayed(_) => {
            response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
    }
    Ok(response)
}

/// Replaces a stored profile's name, respondent, notes and beliefs.
#[utoipa::path(
    put,
    path = "/api/profiles/{id}",
    request_body = SaveProfile,
    params(("id" = i64, Path, description = "The profile's id")),
    responses(
        (status = 200, description = "Edited", body = ProfileInfo),
        (status = 400, description = "Bad input, as for saving", body = ErrorBody),
        (status = 403, description = "The profile has another author", body = ErrorBody),
        (status = 404, description = "No such profile", body = ErrorBody),
        (status = 503, description = "The store is read-only or unavailable", body = ErrorBody),
    )
)]
pub async fn update_profile(
    State(state): State<Arc<AppState>>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
    JsonBody(request): JsonBody<SaveProfile>,
) -> Result<Json<ProfileInfo>, ApiError> {
    profiles::update(&state, &identity, id, &request).await.map(Json)
}

/// Deletes a stored profile.
#[utoipa::path(
    delete,
    path = "/api/profiles/{id}",
    params(("id" = i64, Path, description = "The profile's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The profile has another author", body = ErrorBody),
        (status = 404, description = "No such profile", body = ErrorBody),
        (status = 503, description = "The store is read-only or unavailable", body = ErrorBody),
    )
)]
pub async fn delete_profile(
    State(state): State<Arc<AppState>>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    profiles::delete(&state, &identity, id).await.map(|()| StatusCode::NO_CONTENT)
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
        (status = 200, description = "The comparison", body = CompareResponse),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 404, description = "No such profile", body = ErrorBody),
        (status = 409, description = "A stored profile no longer applies to the model", body = ErrorBody),
        (status = 422, description = "The computation ran past the time limit and was stopped", body = ErrorBody),
        (status = 503, description = "Busy", body = ErrorBody),
    )
)]
pub async fn compare(
    State(state): State<Arc<AppState>>,
    QueryOf(selection): QueryOf<SelectionQuery>,
) -> Result<Json<CompareResponse>, ApiError> {
    service::compare_profiles(&state, &selection).await.map(Json)
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
        (status = 200, description = "The pooled view", body = PoolResponse),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 404, description = "No such profile, or none stored", body = ErrorBody),
        (status = 409, description = "A stored profile no longer applies to the model", body = ErrorBody),
        (status = 422, description = "The computation ran past the time limit and was stopped", body = ErrorBody),
        (status = 503, description = "Busy", body = ErrorBody),
    )
)]
pub async fn pool(
    State(state): State<Arc<AppState>>,
    QueryOf(selection): QueryOf<SelectionQuery>,
) -> Result<Json<PoolResponse>, ApiError> {
    service::pool_profiles(&state, &selection).await.map(|(response, _)| Json(response))
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", responses((status = 200, description = "The OpenAPI document of this API")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
