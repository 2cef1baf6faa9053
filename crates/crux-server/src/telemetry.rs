//! What the server tells its operators: structured logs of every request
//! (tracing, through tower-http's `TraceLayer`, with the client's address and
//! never the query string, which may hold a token), counters in the
//! Prometheus text format at `GET /metrics` (behind the token), and
//! `GET /healthz` (open) for load balancers.

use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, body::Body};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnBodyChunk, DefaultOnEos, DefaultOnFailure, DefaultOnResponse, MakeSpan, TraceLayer};
use tracing::Level;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    action: String,
}

/// The server's counters.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    computations: Family<OutcomeLabels, Counter>,
    computations_running: Gauge,
    memory_reserved: Gauge,
    connections_open: Gauge,
    connections_closed: Family<ReasonLabels, Counter>,
    profile_writes: Family<ActionLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("crux");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered, by method and status", requests.clone());
        let computations = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "computations",
            "Computations (runs, analyses, views) by outcome: finished, failed, timeout, busy (no slot in time), over_budget (more memory than the server's budget)",
            computations.clone(),
        );
        let computations_running = Gauge::default();
        registry.register("computations_running", "Computations running now", computations_running.clone());
        let memory_reserved = Gauge::default();
        registry.register(
            "memory_reserved_bytes",
            "Memory reserved by the computations running now (estimated before each starts)",
            memory_reserved.clone(),
        );
        let connections_open = Gauge::default();
        registry.register("connections_open", "Client connections open now", connections_open.clone());
        let connections_closed = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "connections_closed",
            "Client connections closed, by reason: done, header_timeout, evicted (the oldest idle one, at the cap), refused, descriptors, error, shutdown",
            connections_closed.clone(),
        );
        let profile_writes = Family::<ActionLabels, Counter>::default();
        registry.register("profile_writes", "Profiles created, updated and deleted", profile_writes.clone());
        Metrics {
            registry,
            requests,
            computations,
            computations_running,
            memory_reserved,
            connections_open,
            connections_closed,
            profile_writes,
        }
    }

    pub fn request(&self, method: &str, status: u16) {
        self.requests.get_or_create(&RequestLabels { method: method.to_string(), status: status.to_string() }).inc();
    }

    /// A computation ended (or never started) with `outcome`.
    pub fn computation(&self, outcome: &str) {
        self.computations.get_or_create(&OutcomeLabels { outcome: outcome.to_string() }).inc();
    }

    /// A computation started (`+1`) or ended (`-1`), holding `bytes` of the memory budget.
    pub fn running(&self, change: i64, bytes: i64) {
        self.computations_running.inc_by(change);
        self.memory_reserved.inc_by(change * bytes);
    }

    pub fn connection_opened(&self) {
        self.connections_open.inc();
    }

    /// A connection closed for `reason` (`refused` and `descriptors` were never open).
    pub fn connection_closed(&self, reason: &str) {
        if reason != "refused" && reason != "descriptors" {
            self.connections_open.dec();
        }
        self.connections_closed.get_or_create(&ReasonLabels { reason: reason.to_string() }).inc();
    }

    pub fn profile_write(&self, action: &str) {
        self.profile_writes.get_or_create(&ActionLabels { action: action.to_string() }).inc();
    }

    /// Every counter, in the Prometheus (OpenMetrics) text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }
}

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
