//! The pages' handlers: each reads its query, asks [`crate::service`] for
//! the computation and answers with the page [`crate::templates`] renders.
//! Errors are pages too, with the status of the error.

use crate::error::ApiError;
use crate::profiles;
use crate::service;
use crate::state::AppState;
use crate::templates;
use crate::wire::{BeliefsQuery, QueryOf, SelectionQuery};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

/// `GET /`: the report, with the beliefs in the query (`set.NAME=EXPR`) applied.
pub async fn report(State(state): State<Arc<AppState>>, Query(query): Query<BeliefsQuery>) -> Response {
    let beliefs = state.beliefs(&query.overrides()).overrides;
    let default_run = match service::default_report(&state).await {
        Ok(run) => run,
        Err(error) => return error_page(&state, &error),
    };
    let (run, errors) = if beliefs.is_empty() {
        (default_run, None)
    } else {
        match service::report(&state, beliefs.clone(), state.limits.default_samples, 1).await {
            Ok(run) => (Arc::new(run), None),
            Err(error) if error.status == StatusCode::BAD_REQUEST => (default_run, Some(unplaced(&state, error))),
            Err(error) => return error_page(&state, &error),
        }
    };
    let after = query.0.get("profiles_after").and_then(|value| value.trim().parse::<i64>().ok());
    let size = state.limits.profiles_page.max(1);
    let (profiles, more, _) = profiles::profile_page(&state, after, size).await.unwrap_or_default();
    Html(templates::report(&state, &run, &beliefs, errors.as_ref(), &profiles, more)).into_response()
}

/// Moves the problems of params the model does not have to the form's own
/// error line (no field of the form shows them), naming the `set.` parameter
/// and the suggestion.
fn unplaced(state: &AppState, mut error: ApiError) -> ApiError {
    for detail in &mut error.details {
        if let Some(param) = detail.param.take_if(|param| state.base.param(param).is_none()) {
            detail.message = format!("`set.{param}`: {}", detail.message);
            for help in detail.help.drain(..) {
                detail.message = format!("{} (help: {help})", detail.message);
            }
        }
    }
    error
}

/// `GET /compare?id=1&id=2` (or `?ids=1,2`): stored profiles side by side.
pub async fn compare(
    State(state): State<Arc<AppState>>,
    selection: Result<QueryOf<SelectionQuery>, ApiError>,
) -> Response {
    let result = match selection {
        Ok(QueryOf(selection)) => service::compare_profiles(&state, &selection).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(comparison) => Html(templates::compare(&state, &comparison)).into_response(),
        Err(error) => error_page(&state, &error),
    }
}

/// `GET /group`: the pooled view of the stored profiles, with the disagreement.
pub async fn group(
    State(state): State<Arc<AppState>>,
    selection: Result<QueryOf<SelectionQuery>, ApiError>,
) -> Response {
    let result = match selection {
        Ok(QueryOf(selection)) => service::pool_profiles(&state, &selection).await,
        Err(error) => Err(error),
    };
    match result {
        Ok((pool, run)) => Html(templates::group(&state, &pool, &run)).into_response(),
        Err(error) if error.status == StatusCode::NOT_FOUND => {
            Html(templates::group_empty(&state, &error)).into_response()
        }
        Err(error) => error_page(&state, &error),
    }
}

/// The error page, with the error's status.
fn error_page(state: &AppState, error: &ApiError) -> Response {
    let mut response = Html(templates::error_page(state, error)).into_response();
    *response.status_mut() = error.status;
    response
}

/// The page's script.
pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../assets/app.js"))
}

/// The page's style sheet.
pub async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("../assets/style.css"))
}

fn asset(content_type: &'static str, text: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], text).into_response()
}
