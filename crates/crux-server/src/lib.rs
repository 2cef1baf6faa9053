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
//! cancelled when it runs over) and concurrent computations. The server never
//! reads or writes a path that a client gives: the model and the store are
//! chosen by whoever starts it.

pub mod api;
mod compute;
pub mod error;
mod pages;
mod service;
mod state;
mod summary;
mod svg;
mod templates;
pub mod wire;

pub use state::{AppState, StartError};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::path::PathBuf;
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
        }
    }
}

/// How to start the server: the model, the store and the limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// The model: a name for messages and its TOML text.
    pub model: crux_store::ModelSource,
    /// The store's database file (`None`: a store in memory, gone when the server stops).
    pub db: Option<PathBuf>,
    pub limits: Limits,
}

/// The application: every route, with the state it shares.
pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.limits.max_body_bytes;
    Router::new()
        .route("/", get(pages::report))
        .route("/compare", get(pages::compare))
        .route("/group", get(pages::group))
        .route("/assets/app.js", get(pages::script))
        .route("/assets/style.css", get(pages::style))
        .merge(api::routes())
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), refuse_large_bodies))
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
    let state = Arc::new(AppState::new(config)?);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|error| StartError { message: format!("cannot listen on {addr}: {error}") })?;
    let bound = listener.local_addr().map_err(|error| StartError { message: error.to_string() })?;
    ready(bound);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|error| StartError { message: format!("the server stopped: {error}") })
}
