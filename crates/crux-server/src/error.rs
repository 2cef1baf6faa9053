//! Errors as the API returns them: `{"error": {"message", "line", "col", ...}}`
//! with a 4xx status for anything a client sent, and diagnostics of the model
//! language turned into that shape (the same message as the command line,
//! with the line and column in the text the client gave). The lowest layer of
//! the server: it depends on no other module.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use crux_lang::{Diagnostic, Sources};
use serde::Serialize;
use utoipa::ToSchema;

/// One problem, located when it has a place in a text the client sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// What is wrong, as the command line says it.
    pub message: String,
    /// One-based line in the text the problem is in (the param's expression, or the JSON body).
    pub line: Option<usize>,
    /// One-based column (in characters) on that line.
    pub col: Option<usize>,
    /// The param whose expression has the problem, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// Suggestions, such as `did you mean `hazard`?`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub help: Vec<String>,
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The first problem.
    pub error: ErrorDetail,
    /// Every problem found, the first included (several params can be wrong at once).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorDetail>,
}

/// An error response: a status and the problems.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub details: Vec<ErrorDetail>,
    /// Seconds after which a retry may succeed (for 503).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// A problem with what the client sent.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::with_status(StatusCode::BAD_REQUEST, message)
    }

    pub fn with_status(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            details: vec![ErrorDetail {
                message: message.into(),
                line: None,
                col: None,
                param: None,
                help: Vec::new(),
            }],
            retry_after: None,
        }
    }

    /// Every computation slot is busy.
    pub fn busy() -> Self {
        ApiError {
            retry_after: Some(1),
            ..ApiError::with_status(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is busy with other computations; try again in a moment",
            )
        }
    }

    /// A failure the client did not cause.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::with_status(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// Diagnostics of the model language, located in `sources`. `param_of`
    /// names the param a source text belongs to, when it is one.
    pub fn from_diagnostics(
        diagnostics: &[Diagnostic],
        sources: &Sources,
        param_of: impl Fn(crux_lang::FileId) -> Option<String>,
    ) -> Self {
        let details = diagnostics
            .iter()
            .map(|diagnostic| {
                let (line, col, param) = match diagnostic.span {
                    Some(span) => {
                        let (line, col) = sources.get(span.file).line_col(span.start as usize);
                        (Some(line), Some(col), param_of(span.file))
                    }
                    None => (None, None, None),
                };
                ErrorDetail { message: diagnostic.message.clone(), line, col, param, help: diagnostic.help.clone() }
            })
            .collect();
        ApiError { status: StatusCode::BAD_REQUEST, details, retry_after: None }
    }

    pub fn with_param(mut self, param: &str) -> Self {
        for detail in &mut self.details {
            detail.param.get_or_insert_with(|| param.to_string());
        }
        self
    }

    /// The body as it is sent.
    pub fn body(&self) -> ErrorBody {
        let first = self.details.first().cloned().unwrap_or(ErrorDetail {
            message: "unknown error".to_string(),
            line: None,
            col: None,
            param: None,
            help: Vec::new(),
        });
        let errors = if self.details.len() > 1 { self.details.clone() } else { Vec::new() };
        ErrorBody { error: first, errors }
    }

    /// The first message, for pages.
    pub fn message(&self) -> String {
        self.body().error.message
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Unknown paths: a JSON 404 that lists what exists.
pub async fn not_found() -> ApiError {
    ApiError::with_status(
        StatusCode::NOT_FOUND,
        "no such page; the pages are /, /compare and /group, the API is described at /api/openapi.json",
    )
}

/// The source-name prefix of a client's param expression: `belief: NAME`.
pub const BELIEF_SOURCE: &str = "belief";

/// Diagnostics located in the client's expressions (or the model file).
pub fn located(diagnostics: &[Diagnostic], sources: &Sources) -> ApiError {
    ApiError::from_diagnostics(diagnostics, sources, |file| {
        sources.get(file).name.strip_prefix(BELIEF_SOURCE).and_then(|rest| rest.strip_prefix(": ")).map(str::to_string)
    })
}
