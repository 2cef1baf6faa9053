//! Shared helpers of the server's tests: the fixture model, a state with
//! small limits, requests sent straight to the router, and a live server on
//! a loopback port.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use crux_server::{AppState, Config, Limits, router};
use crux_store::ModelSource;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

pub fn fixture_model() -> ModelSource {
    let path = crux_test_support::fixture("cruxes.toml");
    ModelSource { name: "cruxes.toml".to_string(), text: std::fs::read_to_string(path).expect("fixture") }
}

/// The built-in open-weights safety model, the one `crux serve` serves without a path.
pub fn builtin_model() -> ModelSource {
    ModelSource {
        name: crux_report::builtin::OPEN_SOURCE_SAFETY_NAME.to_string(),
        text: crux_report::builtin::OPEN_SOURCE_SAFETY.to_string(),
    }
}

pub fn limits() -> Limits {
    Limits {
        max_samples: 200_000,
        default_samples: 4_000,
        max_page_samples: 50_000,
        max_sensitivity_samples: 1 << 14,
        default_sensitivity_samples: 1 << 10,
        page_sensitivity_samples: 1 << 9,
        max_body_bytes: 64 * 1024,
        max_expression_bytes: 1024,
        max_text_chars: 500,
        concurrent: 2,
        queue_wait: Duration::from_secs(10),
        timeout: Duration::from_secs(60),
        max_profiles: 8,
        view_samples_budget: 200_000,
        memory_budget: 2 << 30,
        quotas: crux_server::Quotas { per_author: Some(50), total: Some(100) },
        profiles_page: 20,
    }
}

pub fn app_with(limits: Limits) -> Router {
    app_of(fixture_model(), limits)
}

pub fn app_of(model: ModelSource, limits: Limits) -> Router {
    app_from(Config::new(model, limits))
}

/// The router of a server started with `config`.
pub fn app_from(config: Config) -> Router {
    let state = AppState::new(config).expect("the model loads");
    router(Arc::new(state))
}

pub fn app() -> Router {
    app_with(limits())
}

/// A response's status, headers and body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }

    /// The error message of an error reply.
    pub fn message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message: {}", self.body))
            .to_string()
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("a body").to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// A request with `headers`, and a body (JSON unless a content type is given).
pub async fn request(app: &Router, method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    send(app, builder.body(Body::from(body.to_string())).unwrap()).await
}

pub async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub async fn post(app: &Router, uri: &str, body: impl Into<String>) -> Reply {
    let request = Request::post(uri).header("content-type", "application/json").body(Body::from(body.into())).unwrap();
    send(app, request).await
}

pub async fn post_html(app: &Router, uri: &str, body: impl Into<String>) -> Reply {
    let request = Request::post(uri)
        .header("content-type", "application/json")
        .header("accept", "text/html")
        .body(Body::from(body.into()))
        .unwrap();
    send(app, request).await
}

/// A server listening on a free loopback port, as `crux serve` runs it.
pub struct LiveServer {
    pub addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), crux_server::StartError>>,
}

impl LiveServer {
    /// Starts serving `config` and waits until it listens.
    pub async fn start(config: Config) -> LiveServer {
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(crux_server::serve(
            config,
            "127.0.0.1:0".parse().unwrap(),
            move |addr| {
                let _ = ready_tx.send(addr);
            },
            async move {
                let _ = stop_rx.await;
            },
        ));
        let addr = ready_rx.await.expect("the server starts");
        LiveServer { addr, stop, task }
    }

    /// Shuts it down and checks that it stopped cleanly.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().expect("the server stops cleanly");
    }
}
