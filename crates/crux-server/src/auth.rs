//! Who may use the server: a team token (Jupyter-style) and, optionally,
//! per-person tokens whose holders are recorded as the authors of the
//! profiles they store.
//!
//! When a token is configured every request needs one, except `GET /healthz`
//! and the page's static assets: the API takes `Authorization: Bearer TOKEN`;
//! a browser opens the page once with `?token=TOKEN`, is redirected to the
//! same address without it, and from then on sends an `HttpOnly`,
//! `SameSite=Strict` cookie. Requests that the cookie authenticates must also
//! carry the CSRF token (`X-CSRF-Token`, which the page's script reads from a
//! second, script-readable cookie) when they change the store. Tokens are
//! compared by their SHA-256 digests in constant time, and a per-person
//! token file holds only digests.

use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, html};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The cookie that carries the token after a login.
pub const TOKEN_COOKIE: &str = "crux_token";
/// The cookie the page's script reads the CSRF token from.
pub const CSRF_COOKIE: &str = "crux_csrf";
/// The header that carries the CSRF token on writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A SHA-256 digest of a token.
pub type Digest32 = [u8; 32];

fn digest(token: &str) -> Digest32 {
    Sha256::digest(token.as_bytes()).into()
}

/// One person who may use the server with a token of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    /// SHA-256 of their token.
    pub token_sha256: Digest32,
}

/// Who may use the server.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// The team token: whoever holds it may use the server without being named.
    team: Option<Digest32>,
    /// Per-person tokens.
    users: Vec<User>,
}

impl Access {
    /// No token: anyone who reaches the server may use it (for a server on loopback only).
    pub fn open() -> Access {
        Access::default()
    }

    /// The team token and the per-person tokens.
    pub fn new(team_token: Option<&str>, users: Vec<User>) -> Access {
        Access { team: team_token.map(digest), users }
    }

    /// Whether requests need a token.
    pub fn required(&self) -> bool {
        self.team.is_some() || !self.users.is_empty()
    }

    /// Whether per-person tokens are in use (so profiles have authors and only they edit them).
    pub fn has_users(&self) -> bool {
        !self.users.is_empty()
    }

    /// Who holds `token`, comparing digests in constant time (every entry is compared, whatever matches).
    pub fn identify(&self, token: &str) -> Option<Identity> {
        let presented = digest(token);
        let mut found: Option<Identity> = None;
        for user in &self.users {
            if bool::from(user.token_sha256.ct_eq(&presented)) && found.is_none() {
                found = Some(Identity::User(user.name.clone()));
            }
        }
        if let Some(team) = &self.team
            && bool::from(team.ct_eq(&presented))
            && found.is_none()
        {
            found = Some(Identity::Team);
        }
        found
    }
}

/// Reads a per-person token file: TOML with one table per person,
/// `[users.NAME]` and `token_sha256 = "64 hex digits"` (the SHA-256 of their
/// token, as `printf %s TOKEN | sha256sum` prints it).
pub fn parse_users(text: &str) -> Result<Vec<User>, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        users: indexmap::IndexMap<String, Entry>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        token_sha256: String,
    }
    let file: File = toml::from_str(text).map_err(|error| error.to_string())?;
    let mut users = Vec::with_capacity(file.users.len());
    for (name, entry) in file.users {
        let hex = entry.token_sha256.trim();
        if name.trim().is_empty() || name.chars().any(char::is_control) {
            return Err(format!("`{name}` is not a usable name"));
        }
        let bytes: Option<Vec<u8>> = (hex.len() == 64)
            .then(|| (0..32).map(|index| u8::from_str_radix(&hex[2 * index..2 * index + 2], 16).ok()).collect())
            .flatten();
        let Some(bytes) = bytes else {
            return Err(format!("users.{name}.token_sha256 must be 64 hex digits (the SHA-256 of the token)"));
        };
        let mut token_sha256 = [0u8; 32];
        token_sha256.copy_from_slice(&bytes);
        if users.iter().any(|user: &User| user.token_sha256 == token_sha256) {
            return Err(format!("users.{name} has the same token as another user"));
        }
        users.push(User { name, token_sha256 });
    }
    if users.is_empty() {
        return Err("the file names no users".to_string());
    }
    Ok(users)
}

/// Checks a token given to the server: long enough to resist guessing, and
/// made of characters that survive a cookie and a query string unchanged.
pub fn check_token(token: &str) -> Result<(), String> {
    if token.len() < 16 {
        return Err(format!("the token is {} characters long; use at least 16", token.len()));
    }
    if let Some(bad) = token.chars().find(|ch| !(ch.is_ascii_alphanumeric() || "-._~".contains(*ch))) {
        return Err(format!("the token contains `{bad}`; use letters, digits and - . _ ~ only"));
    }
    Ok(())
}

/// A fresh random token: 32 bytes from the operating system's generator, in hex.
pub fn generate_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The server needs no token.
    Open,
    /// A holder of the team token.
    Team,
    /// A person with a token of their own.
    User(String),
}

impl Identity {
    /// The author a profile stored by this identity records.
    pub fn author(&self) -> Option<&str> {
        match self {
            Identity::User(name) => Some(name),
            Identity::Open | Identity::Team => None,
        }
    }
}

/// How a request was authenticated: whether the browser's cookie did it (so
/// writes must prove they come from the page, with the CSRF token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    None,
    Bearer,
    Cookie,
}

/// The CSRF token of a session holding `token`: derived from it, so every
/// replica computes the same one and nobody without the token can.
pub fn csrf_token(token: &str) -> String {
    Sha256::digest(format!("crux-csrf\0{token}").as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The `token` query parameter, and the query without it.
fn query_token(query: &str) -> (Option<String>, String) {
    let mut token = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        match pair.split_once('=') {
            // Tokens are made of unreserved characters only (see `check_token`), so never percent-encoded.
            Some(("token", value)) => token = Some(value.to_string()),
            _ => rest.push(pair),
        }
    }
    (token, rest.join("&"))
}

/// Paths served without a token: the health check and the page's static files (no data in them).
fn is_public(path: &str) -> bool {
    path == "/healthz" || path.starts_with("/assets/")
}

/// The authentication layer: identifies the request (its [`Identity`] and
/// [`Credential`] go into the request's extensions), logs in with `?token=`,
/// and answers 401 without a valid token.
pub async fn authenticate(State(access): State<Arc<Access>>, mut request: Request, next: Next) -> Response {
    if !access.required() {
        request.extensions_mut().insert(Identity::Open);
        request.extensions_mut().insert(Credential::None);
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    if let Some(token) = bearer(request.headers()) {
        return match access.identify(token) {
            Some(identity) => {
                request.extensions_mut().insert(identity);
                request.extensions_mut().insert(Credential::Bearer);
                next.run(request).await
            }
            None => unauthorized(&path, "the bearer token is not valid"),
        };
    }
    if request.method() == Method::GET
        && let (Some(token), rest) = query_token(request.uri().query().unwrap_or(""))
    {
        // A login: set the cookies and send the browser to the same address without the token.
        if access.identify(&token).is_none() {
            return unauthorized(&path, "the token in the address is not valid");
        }
        let location = if rest.is_empty() { path.clone() } else { format!("{path}?{rest}") };
        return login(&token, &location);
    }
    if let Some(token) = cookie(request.headers(), TOKEN_COOKIE)
        && let Some(identity) = access.identify(token)
    {
        let csrf = csrf_token(token);
        request.extensions_mut().insert(identity);
        request.extensions_mut().insert(Credential::Cookie);
        request.extensions_mut().insert(CsrfExpected(csrf));
        return next.run(request).await;
    }
    if is_public(&path) {
        request.extensions_mut().insert(Credential::None);
        return next.run(request).await;
    }
    unauthorized(&path, "this server needs a token")
}

/// The CSRF token a cookie-authenticated request must carry on writes.
#[derive(Debug, Clone)]
pub struct CsrfExpected(pub String);

/// Checks the CSRF token of a write that the cookie authenticated.
pub fn check_csrf(request: &Request) -> Result<(), ApiError> {
    if request.extensions().get::<Credential>() != Some(&Credential::Cookie) {
        return Ok(());
    }
    let expected = request.extensions().get::<CsrfExpected>().map(|csrf| csrf.0.as_bytes());
    let presented = request.headers().get(CSRF_HEADER).map(HeaderValue::as_bytes);
    match (expected, presented) {
        (Some(expected), Some(presented)) if bool::from(expected.ct_eq(presented)) => Ok(()),
        _ => Err(ApiError::with_status(
            StatusCode::FORBIDDEN,
            "this write lacks the page's CSRF token (the X-CSRF-Token header); reload the page, or use a bearer token",
        )),
    }
}

fn login(token: &str, location: &str) -> Response {
    let cookie = format!("{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
    let csrf = format!("{CSRF_COOKIE}={}; Path=/; SameSite=Strict", csrf_token(token));
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_string())]).into_response();
    for value in [cookie, csrf] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// 401: a JSON error for the API, a page with a token field for a browser.
fn unauthorized(path: &str, why: &str) -> Response {
    let mut response = if path.starts_with("/api/") || path == "/metrics" {
        ApiError::with_status(
            StatusCode::UNAUTHORIZED,
            format!("{why}: send `Authorization: Bearer TOKEN` (the token printed when the server started, or yours)"),
        )
        .into_response()
    } else {
        let body = sign_in(why, path);
        (StatusCode::UNAUTHORIZED, Html(body)).into_response()
    };
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"crux\""));
    response
}

/// The sign-in page a browser gets without a valid token (`why`), with a
/// token field that signs it in at `path`.
fn sign_in(why: &str, path: &str) -> String {
    let page = html! {
        (DOCTYPE)
        "\n"
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Crux: sign in" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                main {
                    h1 { "Sign in" }
                    p.error { (why) "." }
                    form method="get" action=(path) {
                        label { "Token " input type="password" name="token" autocomplete="current-password" required; }
                        " "
                        button type="submit" { "Sign in" }
                    }
                    p {
                        "The token is printed by " code { "crux serve" } " when it starts, or set by whoever runs it ("
                        code { "CRUX_TOKEN" } ", " code { "--token-file" } ", " code { "--users" } ")."
                    }
                }
            }
        }
    };
    page.into_string() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_page_escapes_the_reason_and_the_path() {
        let page = sign_in("<b>expired</b>", "/x\"><script>alert(1)</script>");
        assert!(!page.contains("<b>") && !page.contains("<script>"), "{page}");
        assert!(page.contains("action=\"/x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""), "{page}");
        assert!(page.starts_with("<!DOCTYPE html>") && page.contains("name=\"token\""), "{page}");
    }

    #[test]
    fn tokens_identify_their_holders() {
        let alice = generate_token();
        let users = vec![User { name: "alice".to_string(), token_sha256: digest(&alice) }];
        let access = Access::new(Some("team-secret"), users);
        assert_eq!(access.identify(&alice), Some(Identity::User("alice".to_string())));
        assert_eq!(access.identify("team-secret"), Some(Identity::Team));
        assert_eq!(access.identify("team-secreT"), None);
        assert_eq!(access.identify(""), None);
        assert!(access.required() && access.has_users());
        assert!(!Access::open().required());
        assert_eq!(alice.len(), 64);
        assert_ne!(alice, generate_token());
    }

    #[test]
    fn user_files_hold_digests() {
        let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"; // sha256("test")
        let users = parse_users(&format!("[users.alice]\ntoken_sha256 = \"{hash}\"\n")).unwrap();
        assert_eq!(users[0].name, "alice");
        assert_eq!(users[0].token_sha256, digest("test"));
        assert!(parse_users("[users.bob]\ntoken_sha256 = \"abc\"\n").unwrap_err().contains("64 hex digits"));
        assert!(parse_users("[users.bob]\ntoken = \"plain\"\n").is_err(), "plain tokens are refused");
        assert!(parse_users("").is_err());
    }

    #[test]
    fn the_login_query_is_split_from_the_rest() {
        assert_eq!(query_token("token=a-b_c&set.x=1"), (Some("a-b_c".to_string()), "set.x=1".to_string()));
        assert_eq!(query_token("set.x=1"), (None, "set.x=1".to_string()));
    }
}
