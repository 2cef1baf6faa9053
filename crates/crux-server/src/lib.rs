//! The Crux web app: a model's report as a page that people can question,
//! backed by the same engine as the command line and by the elicitation store.
//!
//! [`router`] builds the axum application: the page (`/`), the compare and
//! group views, and the JSON API under `/api` (documented by the OpenAPI
//! document at `/api/openapi.json`, generated from the handlers in [`api`]).
//!
//! The server is split by layer, each module using only those below it:
//! - handlers: [`api`] (JSON) and `pages` (HTML), thin: they read the
//!   request, call the service and shape the response;
//! - `templates`: the pages' HTML;
//! - `service`: what the API and the pages share (a run with a client's
//!   beliefs, the profile store, the compare and group views);
//! - `state` (the model, the store, the limits), [`wire`] (request and
//!   response types), `compute` (computations within the server's bounds)
//!   and [`error`] (the error shape, at the bottom).
//!
//! Everything a request can make the server do is bounded by [`Limits`]:
//! samples, body size, expression length, computation time (the work is
//! cancelled when it runs over), memory and concurrent computations. The
//! server never reads or writes a path that a client gives: the model and the
//! store are chosen by whoever starts it.
//!
//! Around the routes, as layers composed in [`router`]: the access log and
//! the request counters ([`telemetry`]), the security headers and the `Host`
//! check ([`security`]), authentication ([`auth`]) and the checks on writes
//! (JSON from the server's own origin, with the CSRF token of a cookie
//! session). [`serve`] accepts connections within [`ConnectionLimits`]
//! ([`connections`]). `profiles` is the store's service (pages, edits,
//! quotas, invalid profiles, errors without paths).

#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
mod browser;
mod compute;
pub mod connections;
pub mod error;
pub mod metrics;
mod profiles;
pub mod security;
mod service;
mod state;
mod summary;
pub mod telemetry;
mod templates;
pub mod wire;

pub use auth::Access;
pub use connections::ConnectionLimits;
pub use crux_store::{Location, Quotas};
pub use state::{AppState, StartError};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// What one request may make the server do.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The most Monte Carlo samples one request may ask for.
    pub max_samples: usize,
    /// Samples of the page, the compare and group views, and of API requests that do not say.
    pub default_samples: usize,
    /// The most samples of a run for the page (which keeps every sample for the threshold histogram).
    pub max_page_samples: usize,
    /// The most rows N of the Saltelli design one sensitivity request may ask
    /// for (the model runs N * (2 + params + cruxes) times).
    pub max_sensitivity_samples: usize,
    /// Rows N of a sensitivity request that does not say.
    pub default_sensitivity_samples: usize,
    /// Rows N of the crux-importance chart on the page.
    pub page_sensitivity_samples: usize,
    /// The largest request body, in bytes.
    pub max_body_bytes: usize,
    /// The longest expression a client may send for one param, in bytes.
    pub max_expression_bytes: usize,
    /// The longest profile name, respondent label or notes, in characters.
    pub max_text_chars: usize,
    /// Computations running at once; more requests wait up to `queue_wait`.
    pub concurrent: usize,
    /// How long a request waits for a computation slot before it gets 503.
    pub queue_wait: Duration,
    /// The longest one computation may run before it is cancelled.
    pub timeout: Duration,
    /// The most profiles one comparison or pool takes.
    pub max_profiles: usize,
    /// Samples of all the views one comparison or group view computes
    /// together (each member, the pool, each crux swapped between two views):
    /// with many views, each gets fewer samples.
    pub view_samples_budget: usize,
    /// Memory the computations running at once may reserve, in bytes: each
    /// reserves an estimate of what it needs before it starts, and waits (up
    /// to `queue_wait`) while the others hold too much.
    pub memory_budget: usize,
    /// How many profiles the store may hold, per author and in total.
    pub quotas: Quotas,
    /// The most profiles one page of `GET /api/profiles` (and of the report's list) holds.
    pub profiles_page: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_samples: 1_000_000,
            default_samples: 20_000,
            max_page_samples: 200_000,
            max_sensitivity_samples: 1 << 16,
            default_sensitivity_samples: 1 << 12,
            page_sensitivity_samples: 1 << 11,
            max_body_bytes: 256 * 1024,
            max_expression_bytes: 4096,
            max_text_chars: 4000,
            concurrent: std::thread::available_parallelism().map_or(2, |cores| cores.get()),
            queue_wait: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
            max_profiles: 24,
            view_samples_budget: 200_000,
            memory_budget: default_memory_budget(),
            quotas: Quotas { per_author: Some(200), total: Some(10_000) },
            profiles_page: 100,
        }
    }
}

/// A quarter of this machine's memory, at least 512 MiB (1 GiB when it cannot be read).
pub fn default_memory_budget() -> usize {
    let info = rustix::system::sysinfo();
    let total = usize::try_from(info.totalram).unwrap_or(usize::MAX).saturating_mul(info.mem_unit.max(1) as usize);
    if total == 0 { 1 << 30 } else { (total / 4).max(512 << 20) }
}

/// How to start the server: the model, the store, the limits and who may use it.
#[derive(Debug, Clone)]
pub struct Config {
    /// The model: a name for messages and its TOML text.
    pub model: crux_store::ModelSource,
    /// The store: a SQLite file or a PostgreSQL database (`None`: a store in
    /// memory, gone when the server stops).
    pub db: Option<Location>,
    pub limits: Limits,
    /// Who may use the server (the team token and per-person tokens).
    pub access: Access,
    /// Host names the server answers to besides `localhost`, this machine's
    /// name and IP addresses (`--allowed-host`).
    pub allowed_hosts: Vec<String>,
    /// How connections are bounded.
    pub connections: ConnectionLimits,
}

impl Config {
    /// A server of `model` within `limits`, with a store in memory, open to
    /// anyone who reaches it (for a server on loopback) and the default connection limits.
    pub fn new(model: crux_store::ModelSource, limits: Limits) -> Config {
        Config {
            model,
            db: None,
            limits,
            access: Access::open(),
            allowed_hosts: Vec::new(),
            connections: ConnectionLimits::default(),
        }
    }
}

/// The application: every route, with the state it shares, inside the
/// layers every request goes through (outermost first): the access log, the
/// request counters, the security headers, the `Host` check, the refusal of
/// declared bodies over the limit, authentication, the checks on writes and
/// the body limit while a body is read.
pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.limits.max_body_bytes;
    let [csp, nosniff, referrer, frames, opener] = security::header_layers();
    Router::new()
        .route("/", get(browser::report))
        .route("/compare", get(browser::compare))
        .route("/group", get(browser::group))
        .route("/assets/app.js", get(browser::script))
        .route("/assets/style.css", get(browser::style))
        .route("/healthz", get(telemetry::healthz))
        .route("/metrics", get(telemetry::metrics))
        .merge(api::routes())
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.hosts.clone(), security::check_writes))
        .layer(middleware::from_fn_with_state(state.access.clone(), auth::authenticate))
        .layer(middleware::from_fn_with_state(state.clone(), refuse_large_bodies))
        .layer(middleware::from_fn_with_state(state.hosts.clone(), security::check_host))
        .layer(csp)
        .layer(nosniff)
        .layer(referrer)
        .layer(frames)
        .layer(opener)
        .layer(middleware::from_fn_with_state(state.metrics.clone(), telemetry::count_requests))
        .layer(telemetry::trace_layer())
        .with_state(state)
}

/// Answers a request whose declared body is over the limit at once, without
/// reading it (bodies without a declared length are cut at the limit while read).
async fn refuse_large_bodies(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > state.limits.max_body_bytes as u64) {
        return error::ApiError::with_status(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than this server accepts ({} bytes)", state.limits.max_body_bytes),
        )
        .into_response();
    }
    next.run(request).await
}

/// Serves `config` on `addr` until `shutdown` resolves. Calls `ready` with the
/// bound address once the server listens (port 0 picks a free port).
pub async fn serve(
    config: Config,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let connections = config.connections.clone();
    let state = Arc::new(AppState::new(config)?);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|error| StartError { message: format!("cannot listen on {addr}: {error}") })?;
    let bound = listener.local_addr().map_err(|error| StartError { message: error.to_string() })?;
    ready(bound);
    tracing::info!(
        address = %bound,
        max_connections = connections.max_connections,
        header_timeout_s = connections.header_timeout.as_secs_f64(),
        token = state.access.required(),
        store = state.store_backend,
        "listening"
    );
    let metrics = state.metrics.clone();
    connections::serve(listener, router(state), connections, metrics, shutdown).await;
    Ok(())
}
