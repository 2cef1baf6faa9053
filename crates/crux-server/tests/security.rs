//! What a server exposed to a team network must refuse: requests without
//! the token (or with a wrong one), writes from other sites (text/plain
//! forms, foreign origins, cookie sessions without the CSRF token), requests
//! for other host names; and the security headers on every response.

mod common;

use axum::http::{StatusCode, header};
use common::{Reply, app_from, fixture_model, get, limits, request};
use crux_server::auth::{CSRF_COOKIE, TOKEN_COOKIE, User, csrf_token};
use crux_server::{Access, Config};
use serde_json::json;
use sha2::{Digest, Sha256};

const TOKEN: &str = "team-token-0123456789abcdef";
const ALICE: &str = "alice-token-0123456789abcdef";
const BOB: &str = "bob-token-0123456789abcdef0";

fn user(name: &str, token: &str) -> User {
    User { name: name.to_string(), token_sha256: Sha256::digest(token.as_bytes()).into() }
}

/// A server with a team token and two people with tokens of their own.
fn guarded() -> axum::Router {
    let mut config = Config::new(fixture_model(), limits());
    config.access = Access::new(Some(TOKEN), vec![user("alice", ALICE), user("bob", BOB)]);
    app_from(config)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn profiles(app: &axum::Router) -> Vec<serde_json::Value> {
    let reply = request(app, "GET", "/api/profiles", &[("authorization", &bearer(TOKEN))], "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json().as_array().unwrap().clone()
}

#[tokio::test]
async fn no_token_or_a_wrong_one_gets_401_and_the_right_one_200() {
    let app = guarded();
    for path in ["/", "/api/model", "/api/profiles", "/compare", "/metrics"] {
        let none = get(&app, path).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(none.headers.contains_key(header::WWW_AUTHENTICATE), "{path}");
        for wrong in [bearer("team-token-0123456789abcdeF"), bearer(""), "Basic dGVhbQ==".to_string()] {
            let reply = request(&app, "GET", path, &[("authorization", &wrong)], "").await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path} with {wrong}");
        }
        let wrong_cookie = format!("{TOKEN_COOKIE}=not-the-token");
        assert_eq!(request(&app, "GET", path, &[("cookie", &wrong_cookie)], "").await.status, StatusCode::UNAUTHORIZED);
        for token in [TOKEN, ALICE, BOB] {
            let reply = request(&app, "GET", path, &[("authorization", &bearer(token))], "").await;
            assert_eq!(reply.status, StatusCode::OK, "{path} with a good token: {}", reply.body);
        }
    }
    // The API's 401 is JSON; the page's asks for the token.
    assert!(get(&app, "/api/model").await.message().contains("Bearer"));
    assert!(get(&app, "/").await.body.contains("name=\"token\""));
    // A run without the token computes nothing.
    let run = request(&app, "POST", "/api/run", &[("content-type", "application/json")], "{\"samples\": 100}").await;
    assert_eq!(run.status, StatusCode::UNAUTHORIZED);
    // The health check and the static files are open; nothing else is.
    assert_eq!(get(&app, "/healthz").await.status, StatusCode::OK);
    assert_eq!(get(&app, "/assets/style.css").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_page_signs_in_once_with_the_token_then_uses_a_cookie() {
    let app = guarded();
    let login = get(&app, &format!("/?token={TOKEN}&set.severity=5+to+50")).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    // Sent on to the same page without the token in the address.
    assert_eq!(login.headers[header::LOCATION], "/?set.severity=5+to+50");
    let cookies: Vec<&str> = login.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
    let session = cookies.iter().find(|c| c.starts_with(TOKEN_COOKIE)).expect("the token cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"), "{session}");
    let csrf = cookies.iter().find(|c| c.starts_with(CSRF_COOKIE)).expect("the CSRF cookie");
    assert!(csrf.contains("SameSite=Strict") && !csrf.contains("HttpOnly"), "the page's script reads it: {csrf}");
    let cookie = format!("{TOKEN_COOKIE}={TOKEN}");
    let page = request(&app, "GET", "/", &[("cookie", &cookie)], "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Evaluation summary") || page.body.contains("id=\"summary\""));
    // A wrong token in the address is refused and sets nothing.
    let wrong = get(&app, "/?token=guess").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(!wrong.headers.contains_key(header::SET_COOKIE));
    // Writes from the cookie session need the CSRF token the page's script sends.
    let body = json!({"name": "From the page"}).to_string();
    let json_type = ("content-type", "application/json");
    let without = request(&app, "POST", "/api/profiles", &[json_type, ("cookie", &cookie)], &body).await;
    assert_eq!(without.status, StatusCode::FORBIDDEN, "{}", without.body);
    assert!(without.message().contains("CSRF"));
    let forged =
        request(&app, "POST", "/api/profiles", &[json_type, ("cookie", &cookie), ("x-csrf-token", "00")], &body).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(profiles(&app).await.is_empty(), "nothing stored");
    let csrf = csrf_token(TOKEN);
    let with =
        request(&app, "POST", "/api/profiles", &[json_type, ("cookie", &cookie), ("x-csrf-token", &csrf)], &body).await;
    assert_eq!(with.status, StatusCode::CREATED, "{}", with.body);
}

#[tokio::test]
async fn cross_site_writes_are_refused_and_store_nothing() {
    let app = common::app();
    let body = json!({"name": "csrf", "notes": "="}).to_string();
    // The form a foreign page can post: text/plain, with a foreign Origin (and without one).
    for origin in [Some("http://evil.example"), None] {
        let mut headers = vec![("content-type", "text/plain")];
        if let Some(origin) = origin {
            headers.push(("origin", origin));
        }
        let reply = request(&app, "POST", "/api/profiles", &headers, &body).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", reply.body);
    }
    // JSON from a foreign origin, or with a foreign Referer, or from an opaque origin.
    let foreign: [(&str, &str); 3] =
        [("origin", "http://evil.example"), ("referer", "http://evil.example/page"), ("origin", "null")];
    for (name, value) in foreign {
        let headers = [("content-type", "application/json"), ("host", "127.0.0.1:8080"), (name, value)];
        let reply = request(&app, "POST", "/api/profiles", &headers, &body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{name}: {value}: {}", reply.body);
        assert!(reply.message().contains("cross-site"));
        let run = request(&app, "POST", "/api/run", &headers, "{\"samples\": 100}").await;
        assert_eq!(run.status, StatusCode::FORBIDDEN, "runs are refused too");
        let delete = request(&app, "DELETE", "/api/profiles/1", &headers[1..], "").await;
        assert_eq!(delete.status, StatusCode::FORBIDDEN);
    }
    let list = get(&app, "/api/profiles").await;
    assert_eq!(list.json(), json!([]), "nothing was stored");
    // The server's own page (same origin) and programs (no Origin) may write.
    let own = [("content-type", "application/json"), ("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")];
    assert_eq!(request(&app, "POST", "/api/profiles", &own, &body).await.status, StatusCode::CREATED);
    let script = [("content-type", "application/json; charset=utf-8")];
    assert_eq!(request(&app, "POST", "/api/profiles", &script, &body).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn foreign_host_names_are_refused() {
    let mut config = Config::new(fixture_model(), limits());
    config.allowed_hosts = vec!["crux.example.org".to_string()];
    let app = app_from(config);
    for host in ["evil.example", "evil.example:8080", "localhost.evil.example"] {
        let reply = request(&app, "GET", "/api/model", &[("host", host)], "").await;
        assert_eq!(reply.status, StatusCode::MISDIRECTED_REQUEST, "{host}");
        assert!(reply.message().contains("--allowed-host"));
        let write = request(
            &app,
            "POST",
            "/api/profiles",
            &[("host", host), ("content-type", "application/json")],
            "{\"name\": \"x\"}",
        )
        .await;
        assert_eq!(write.status, StatusCode::MISDIRECTED_REQUEST);
    }
    for host in [
        "localhost:8080",
        "127.0.0.1:8080",
        "[::1]:8080",
        "192.168.1.20:8080",
        "crux.example.org",
        "CRUX.EXAMPLE.ORG:443",
    ] {
        assert_eq!(request(&app, "GET", "/api/model", &[("host", host)], "").await.status, StatusCode::OK, "{host}");
    }
    assert_eq!(get(&app, "/api/profiles").await.json(), json!([]));
}

fn assert_security_headers(reply: &Reply, what: &str) {
    let value = |name: &str| reply.headers.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let csp = value("content-security-policy");
    for directive in ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(value("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(value("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(value("x-frame-options"), "DENY", "{what}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = common::app();
    assert_security_headers(&get(&app, "/").await, "page");
    assert_security_headers(&get(&app, "/assets/app.js").await, "script");
    assert_security_headers(&get(&app, "/api/model").await, "API");
    assert_security_headers(&get(&app, "/nowhere").await, "404");
    assert_security_headers(&get(&app, "/healthz").await, "health");
    let bad = request(&app, "POST", "/api/run", &[("content-type", "application/json")], "{").await;
    assert_security_headers(&bad, "400");
    let guarded = guarded();
    assert_security_headers(&get(&guarded, "/").await, "401 page");
    assert_security_headers(&get(&guarded, "/api/model").await, "401 API");
    assert_security_headers(&request(&guarded, "GET", "/", &[("host", "evil.example")], "").await, "421");
}

#[tokio::test]
async fn only_the_author_edits_or_deletes_a_profile() {
    let app = guarded();
    let json_type = ("content-type", "application/json");
    let alice = bearer(ALICE);
    let bob = bearer(BOB);
    let team = bearer(TOKEN);
    let body =
        json!({"name": "Alice's view", "respondent": "Alice", "overrides": {"severity": "10 to 80"}}).to_string();
    let saved = request(&app, "POST", "/api/profiles", &[json_type, ("authorization", &alice)], &body).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let saved = saved.json();
    assert_eq!(saved["author"], "alice");
    let id = saved["id"].as_i64().unwrap();
    let path = format!("/api/profiles/{id}");
    let edit = json!({"name": "Edited", "respondent": "Alice", "overrides": {"severity": "20 to 90"}}).to_string();
    for (who, token) in [("bob", &bob), ("the team token", &team)] {
        let reply = request(&app, "PUT", &path, &[json_type, ("authorization", token)], &edit).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{who}: {}", reply.body);
        assert!(reply.message().contains("only its author"), "{}", reply.body);
        let reply = request(&app, "DELETE", &path, &[("authorization", token)], "").await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(profiles(&app).await[0]["name"], "Alice's view", "refused edits changed nothing");
    let reply = request(&app, "PUT", &path, &[json_type, ("authorization", &alice)], &edit).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let edited = reply.json();
    assert_eq!(edited["name"], "Edited");
    assert_eq!(edited["overrides"]["severity"], "20 to 90");
    assert!(edited["updated_at"].is_string());
    // An edit is checked like a new profile.
    let bad = json!({"name": "X", "overrides": {"severty": "1 to 2"}}).to_string();
    let reply = request(&app, "PUT", &path, &[json_type, ("authorization", &alice)], &bad).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(request(&app, "DELETE", &path, &[("authorization", &alice)], "").await.status, StatusCode::NO_CONTENT);
    assert!(profiles(&app).await.is_empty());
    assert_eq!(request(&app, "DELETE", &path, &[("authorization", &alice)], "").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_personal_tokens_anyone_edits_and_deletes() {
    let app = common::app();
    let json_type = [("content-type", "application/json")];
    let saved = request(&app, "POST", "/api/profiles", &json_type, &json!({"name": "Mine"}).to_string()).await.json();
    assert!(saved["author"].is_null());
    let path = format!("/api/profiles/{}", saved["id"]);
    let reply = request(&app, "PUT", &path, &json_type, &json!({"name": "Yours"}).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(request(&app, "DELETE", &path, &[], "").await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn metrics_are_behind_the_token_and_count_requests() {
    let app = guarded();
    assert_eq!(get(&app, "/metrics").await.status, StatusCode::UNAUTHORIZED);
    let run = request(
        &app,
        "POST",
        "/api/run",
        &[("content-type", "application/json"), ("authorization", &bearer(TOKEN))],
        "{\"samples\": 200}",
    )
    .await;
    assert_eq!(run.status, StatusCode::OK);
    let metrics = request(&app, "GET", "/metrics", &[("authorization", &bearer(TOKEN))], "").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.headers[header::CONTENT_TYPE].to_str().unwrap().contains("openmetrics-text"));
    let text = &metrics.body;
    assert!(text.contains("crux_http_requests_total{method=\"GET\",status=\"401\"} 1"), "{text}");
    assert!(text.contains("crux_http_requests_total{method=\"POST\",status=\"200\"} 1"), "{text}");
    assert!(text.contains("crux_computations_total{outcome=\"finished\"} 1"), "{text}");
    assert!(text.contains("crux_computations_running 0"), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    let health = get(&app, "/healthz").await;
    assert_eq!(health.json(), json!({"status": "ok", "store": "writable"}));
}
