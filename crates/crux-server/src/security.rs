//! Checks that assume a hostile network and hostile web pages: the `Host`
//! header must name this server (against DNS rebinding), a request that
//! changes anything must be JSON from the server's own origin (against
//! cross-site writes: a form on another site can send `text/plain`, and a
//! browser names the page's origin in `Origin`), and every response carries
//! headers that forbid framing, sniffing, referrers and any script or style
//! not served by the server itself.

use crate::auth;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy of every response: nothing but the server's
/// own script, style and fetches; no framing, no plugins, no base rewriting.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The layers that add the security headers to every response.
pub fn header_layers() -> [SetResponseHeaderLayer<HeaderValue>; 5] {
    let layer = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    [
        layer(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        layer(header::REFERRER_POLICY, "no-referrer"),
        layer(header::X_FRAME_OPTIONS, "DENY"),
        layer(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ]
}

/// The names the server answers to.
#[derive(Debug, Clone)]
pub struct Hosts {
    /// Lower-case host names (without ports).
    names: Vec<String>,
}

impl Hosts {
    /// `localhost`, this machine's host name, and `extra` (names, with or
    /// without a port). IP addresses are always accepted: DNS rebinding needs a name.
    pub fn new(extra: &[String]) -> Hosts {
        let mut names = vec!["localhost".to_string()];
        if let Ok(name) = rustix::system::uname().nodename().to_str()
            && !name.is_empty()
        {
            names.push(name.to_ascii_lowercase());
        }
        names.extend(extra.iter().map(|name| host_name(name).to_ascii_lowercase()));
        names.sort();
        names.dedup();
        Hosts { names }
    }

    /// Whether `host` (a `Host` header: name or address, with or without a port) names this server.
    pub fn allows(&self, host: &str) -> bool {
        let name = host_name(host);
        let bare = name.trim_start_matches('[').trim_end_matches(']');
        if bare.parse::<IpAddr>().is_ok() {
            return true;
        }
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.names.iter().any(|allowed| *allowed == name || name.ends_with(".localhost") && allowed == "localhost")
    }
}

/// The host part of `host[:port]` or `[v6]:port`.
fn host_name(authority: &str) -> &str {
    let authority = authority.trim();
    if authority.starts_with('[') {
        return authority.split_once(']').map_or(authority, |(address, _)| &authority[..=address.len()]);
    }
    match authority.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|ch| ch.is_ascii_digit()) => name,
        _ => authority,
    }
}

/// Refuses requests whose `Host` names another server (421), before anything else runs.
pub async fn check_host(State(hosts): State<Arc<Hosts>>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).map(|value| value.to_str().unwrap_or("\u{0}"));
    if let Some(host) = host
        && !hosts.allows(host)
    {
        tracing::warn!(host = %host.escape_debug(), "refused a request for another host name");
        return ApiError::with_status(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "this server does not answer to the host name `{}`; whoever runs it can add it with --allowed-host",
                host.escape_debug()
            ),
        )
        .into_response();
    }
    next.run(request).await
}

/// Whether a method changes state (or starts work) on the server.
fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The scheme-less authority of an `Origin` or `Referer` value (`None` for `null` or garbage).
fn authority_of(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then_some(authority)
}

/// Whether the request's `Origin` (or, without one, its `Referer`) is the server itself.
/// A request with neither does not come from a web page: browsers send
/// `Origin` with every cross-origin write.
fn same_origin(headers: &HeaderMap, hosts: &Hosts) -> Result<(), String> {
    let source = headers
        .get(header::ORIGIN)
        .map(|value| ("Origin", value))
        .or_else(|| headers.get(header::REFERER).map(|value| ("Referer", value)));
    let Some((which, value)) = source else { return Ok(()) };
    let text = value.to_str().unwrap_or("");
    let Some(authority) = authority_of(text) else {
        return Err(format!("the request's {which} (`{}`) is not this server", text.escape_debug()));
    };
    let matches = match headers.get(header::HOST).and_then(|host| host.to_str().ok()) {
        Some(host) => host.trim().eq_ignore_ascii_case(authority),
        None => hosts.allows(authority),
    };
    if matches {
        Ok(())
    } else {
        Err(format!("the request comes from another site ({which} `{}`)", text.escape_debug()))
    }
}

/// Checks every write: JSON only (415 otherwise), from the server's own
/// origin (403 otherwise), with the CSRF token when the login cookie is what
/// authenticated it (403 otherwise).
pub async fn check_writes(State(hosts): State<Arc<Hosts>>, request: Request, next: Next) -> Response {
    if !is_write(request.method()) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    let has_body = request.method() != Method::DELETE;
    if has_body && !json {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "refused a write that is not JSON");
        return ApiError::with_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "this server takes writes as JSON only: send `Content-Type: application/json`",
        )
        .into_response();
    }
    if let Err(why) = same_origin(headers, &hosts) {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "refused a cross-site write: {why}");
        return ApiError::with_status(StatusCode::FORBIDDEN, format!("{why}; cross-site writes are refused"))
            .into_response();
    }
    if let Err(error) = auth::check_csrf(&request) {
        return error.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_names_of_this_server_or_addresses() {
        let hosts = Hosts::new(&["crux.example.org:443".to_string()]);
        for host in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
            "10.1.2.3",
            "crux.example.org",
            "CRUX.example.org.:8080",
            "app.localhost",
        ] {
            assert!(hosts.allows(host), "{host}");
        }
        for host in ["evil.example", "evil.example:8080", "crux.example.org.evil.example", "", "localhost.evil"] {
            assert!(!hosts.allows(host), "{host}");
        }
    }

    #[test]
    fn origins_are_compared_with_the_host() {
        let hosts = Hosts::new(&[]);
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_static(value));
            }
            map
        };
        assert!(
            same_origin(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]), &hosts).is_ok()
        );
        assert!(
            same_origin(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://evil.example")]), &hosts).is_err()
        );
        assert!(same_origin(&headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]), &hosts).is_err());
        assert!(
            same_origin(&headers(&[("host", "127.0.0.1:8080"), ("referer", "http://127.0.0.1:8080/?set.x=1")]), &hosts)
                .is_ok()
        );
        assert!(
            same_origin(&headers(&[("host", "127.0.0.1:8080"), ("referer", "http://evil.example/")]), &hosts).is_err()
        );
        assert!(same_origin(&headers(&[("host", "127.0.0.1:8080")]), &hosts).is_ok(), "not from a page");
        assert!(same_origin(&headers(&[("origin", "http://evil.example")]), &hosts).is_err());
    }
}
