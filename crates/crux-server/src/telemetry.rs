//! What the server tells its operators: structured logs of every request
//! (tracing, through tower-http's `TraceLayer`, with the client's address and
//! never the query string, which may hold a token), counters in the
//! Prometheus text format at `GET /metrics` (behind the token), and
//! `GET /healthz` (open) for load balancers.

use crate::metrics::Metrics;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, body::Body};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnBodyChunk, DefaultOnEos, DefaultOnFailure, DefaultOnResponse, MakeSpan, TraceLayer};
use tracing::Level;

/// `GET /metrics`: the counters.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

/// `GET /healthz`: 200 while the server answers; says whether the store takes writes.
pub async fn healthz(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let store = if state.store_read_only { "read-only" } else { "writable" };
    Json(serde_json::json!({"status": "ok", "store": store}))
}

/// Counts every response by method and status (the 401s and 4xx of the checks included).
pub async fn count_requests(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    metrics.request(&method, response.status().as_u16());
    response
}

/// The span of one request: method, path (never the query) and the client's address.
#[derive(Debug, Clone, Copy)]
pub struct RequestSpan;

impl MakeSpan<Body> for RequestSpan {
    fn make_span(&mut self, request: &Request) -> tracing::Span {
        let remote = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0);
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            remote = remote.map_or_else(|| "-".to_string(), |addr| addr.to_string()),
        )
    }
}

/// The access log: a line per response (status, latency) at info, server errors at error.
pub fn trace_layer() -> TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    RequestSpan,
    (),
    DefaultOnResponse,
    DefaultOnBodyChunk,
    DefaultOnEos,
    DefaultOnFailure,
> {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(DefaultOnResponse::new().level(Level::INFO))
        .on_failure(DefaultOnFailure::new().level(Level::ERROR))
}
