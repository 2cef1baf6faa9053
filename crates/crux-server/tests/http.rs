//! HTTP tests of every endpoint: what good requests return, and that every
//! kind of bad input (malformed JSON, unknown params, invalid expressions,
//! huge sample counts, oversized bodies, deep nesting, script in stored
//! text) gets the right 4xx with a useful message while the server keeps serving.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{LiveServer, app, app_of, app_with, builtin_model, fixture_model, get, limits, post, post_html, send};
use crux_analysis::inputs::Inputs;
use crux_analysis::sobol::{SobolOptions, sobol_indices};
use crux_engine::{Engine, RunOptions};
use crux_lang::Sources;
use crux_report::json::{RunDocument, SensitivityDocument};
use crux_server::Limits;
use serde_json::{Value, json};
use std::time::Duration;

/// The model as `crux run` reads it.
fn resolved(model: &crux_store::ModelSource) -> crux_lang::hir::Model {
    let mut sources = Sources::new();
    let file = sources.add(model.name.clone(), model.text.as_str());
    crux_lang::load(&mut sources, file).expect("the model loads")
}

/// Asserts two JSON values are equal, naming the first place they differ.
fn assert_same(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(b)) => {
            assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "keys at {path}");
            for (key, value) in a {
                assert_same(value, &b[key], &format!("{path}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "length at {path}");
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                assert_same(x, y, &format!("{path}[{index}]"));
            }
        }
        _ => assert_eq!(actual, expected, "at {path}"),
    }
}

#[tokio::test]
async fn run_returns_the_document_of_crux_run() {
    let app = app();
    let reply = post(&app, "/api/run", json!({"samples": 3000, "seed": 7}).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // The same document, built by the same code, as `crux run --format json`.
    let resolved = resolved(&fixture_model());
    let output = Engine::new(&resolved).unwrap().run(&RunOptions::new(3000, 7)).unwrap();
    // Compared as text read back, as a client reads either.
    let text = serde_json::to_string(&RunDocument::new(&resolved, &output, 3000, 7)).unwrap();
    let expected: Value = serde_json::from_str(&text).unwrap();
    assert_same(&reply.json(), &expected, "");
    assert_eq!(expected["net"]["mean"].as_array().unwrap().len(), 61);
}

#[tokio::test]
async fn overrides_change_the_result() {
    let app = app();
    let base = post(&app, "/api/run", json!({"samples": 4000}).to_string()).await.json();
    let later = post(
        &app,
        "/api/run",
        json!({"samples": 4000, "overrides": {"misuse_threshold": "normal(28.5, 0.2)"}}).to_string(),
    )
    .await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.body);
    let later = later.json();
    let at = |document: &Value, point: usize| document["net"]["p_positive"][point].as_f64().unwrap();
    // At c = 27 (point 40), a later misuse threshold makes net positive far more often.
    assert!(at(&later, 40) > at(&base, 40) + 0.2, "{} vs {}", at(&later, 40), at(&base, 40));
    // An override equal to the model's own expression changes nothing.
    let same = post(&app, "/api/run", json!({"samples": 4000, "overrides": {"severity": "5 to 60"}}).to_string()).await;
    assert_eq!(same.json(), base);
    // Nor does one written differently: the model compiled for the request
    // answers as the one compiled at start.
    let rewritten =
        post(&app, "/api/run", json!({"samples": 4000, "overrides": {"severity": "(5 to 60)"}}).to_string()).await;
    assert_eq!(rewritten.status, StatusCode::OK, "{}", rewritten.body);
    assert_eq!(rewritten.json(), base);
}

#[tokio::test]
async fn sensitivity_returns_the_document_of_crux_sensitivity() {
    let app = app();
    let reply = post(&app, "/api/sensitivity", json!({"samples": 1024, "seed": 3, "at": 27}).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // The same document, built by the same code, as `crux sensitivity --format json`.
    let resolved = resolved(&fixture_model());
    let engine = Engine::new(&resolved).unwrap();
    let inputs = Inputs::of(&engine);
    let point = resolved.file.axis.as_ref().unwrap().nearest_index(27.0);
    let result = sobol_indices(&engine, &inputs, &SobolOptions::new(1024, 3, point)).unwrap();
    let text =
        serde_json::to_string(&SensitivityDocument::new(&inputs, &result, Some(engine.grid()[point]), 3)).unwrap();
    let expected: Value = serde_json::from_str(&text).unwrap();
    assert_same(&reply.json(), &expected, "");
    let document = reply.json();
    assert!((document["at"].as_f64().unwrap() - 27.0).abs() < 1e-9, "{document}");
    let groups = document["groups"].as_object().unwrap();
    assert_eq!(groups.keys().collect::<Vec<_>>(), ["capability", "misuse", "benefits"]);
    assert_eq!(document["params"].as_object().unwrap().len(), 6);
    for (name, indices) in groups {
        let total = indices["ST"].as_f64().unwrap();
        assert!((-0.1..=1.2).contains(&total), "{name}: {indices}");
    }
}

#[tokio::test]
async fn sensitivity_follows_the_beliefs() {
    let app = app();
    let total = |document: &Value, crux: &str| document["groups"][crux]["ST"].as_f64().unwrap();
    let base = post(&app, "/api/sensitivity", json!({"samples": 2048, "at": 28}).to_string()).await.json();
    // Certain about misuse: the misuse crux carries no uncertainty any more.
    let certain = post(
        &app,
        "/api/sensitivity",
        json!({"samples": 2048, "at": 28, "overrides": {"severity": "30", "safeguards": "0.8"}}).to_string(),
    )
    .await;
    assert_eq!(certain.status, StatusCode::OK, "{}", certain.body);
    let certain = certain.json();
    // A crux without random draws has no share to report.
    assert!(total(&base, "misuse") > 0.05, "{base}");
    assert!(certain["groups"].get("misuse").is_none(), "{certain}");
    assert!(total(&certain, "capability") > total(&base, "capability"), "{base} vs {certain}");
    // Surer about the harm alone: the misuse crux carries less of it.
    let surer = post(
        &app,
        "/api/sensitivity",
        json!({"samples": 2048, "at": 28, "overrides": {"severity": "25 to 35"}}).to_string(),
    )
    .await
    .json();
    assert!(total(&surer, "misuse") < total(&base, "misuse") - 0.05, "{base} vs {surer}");
}

#[tokio::test]
async fn bad_sensitivity_requests_get_400_with_a_useful_message() {
    let app = app();
    for (body, expected) in [
        (json!({"overrides": {"severty": "1 to 2"}}).to_string(), "no param `severty`"),
        (json!({"overrides": {"severity": "5 to * 3"}}).to_string(), "expected"),
        (json!({"samples": 1_000_000_000u64}).to_string(), "more than this server's limit of 16384"),
        (json!({"samples": 1}).to_string(), "at least 2"),
        (json!({"at": 40}).to_string(), "off the axis"),
        (json!({"sample": 100}).to_string(), "unknown field `sample`"),
        ("{\"samples\": ".to_string(), "invalid JSON request"),
        (json!({"samples": 256, "overrides": {"severity": "30", "safeguards": "1", "research": "3", "openness": "2", "misuse_threshold": "26", "misuse_width": "0.5"}}).to_string(), "nothing to analyse"),
    ] {
        let reply = post(&app, "/api/sensitivity", body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {}", reply.body);
        assert!(reply.message().contains(expected), "{body}: {}", reply.body);
    }
    let reply = post(&app, "/api/sensitivity", json!({"overrides": {"severty": "1 to 2"}}).to_string()).await;
    assert_eq!(reply.json()["error"]["help"][0], "did you mean `severity`?");
    let padding = "x".repeat(100 * 1024);
    let reply = post(&app, "/api/sensitivity", json!({"overrides": {"severity": padding}}).to_string()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Past the time limit the analysis is stopped, and the server goes on serving.
    let hurried = app_with(crux_server::Limits { timeout: Duration::from_millis(20), ..limits() });
    let reply = post(&hurried, "/api/sensitivity", json!({"samples": 16384}).to_string()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    let reply = post(&app, "/api/sensitivity", json!({"samples": 64}).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn unknown_params_get_400_with_a_suggestion() {
    let app = app();
    let reply = post(&app, "/api/run", json!({"overrides": {"severty": "1 to 2"}}).to_string()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body = reply.json();
    assert_eq!(body["error"]["message"], "the model has no param `severty`");
    assert_eq!(body["error"]["param"], "severty");
    assert_eq!(body["error"]["help"][0], "did you mean `severity`?");
    assert!(body["error"]["line"].is_number() && body["error"]["col"].is_number(), "{body}");
}

#[tokio::test]
async fn invalid_expressions_are_located_in_the_field() {
    let app = app();
    let reply = post(&app, "/api/run", json!({"overrides": {"severity": "5 to * 3"}}).to_string()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["error"]["param"], "severity");
    assert_eq!(body["error"]["line"], 1);
    assert_eq!(body["error"]["col"], 6, "{body}");
    // An invalid distribution is caught when the model is compiled, and located too.
    let reply = post(&app, "/api/run", json!({"overrides": {"severity": "50 to 5"}}).to_string()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.json()["error"]["param"], "severity", "{}", reply.body);
    // A name the model does not know, inside an expression.
    let reply = post(&app, "/api/run", json!({"overrides": {"severity": "sevrity * 2"}}).to_string()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("sevrity"), "{}", reply.body);
    // Several bad fields at once are all reported.
    let reply = post(&app, "/api/run", json!({"overrides": {"severity": "5 to", "research": "(1"}}).to_string()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["errors"].as_array().map(Vec::len), Some(2), "{}", reply.body);
}

#[tokio::test]
async fn malformed_json_gets_400_with_line_and_column() {
    let app = app();
    let reply = post(&app, "/api/run", "{\"overrides\": {\n  \"severity\": }").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body = reply.json();
    assert!(body["error"]["message"].as_str().unwrap().starts_with("invalid JSON request"), "{body}");
    assert_eq!(body["error"]["line"], 2);
    for (text, expected) in [
        (r#"{"samples": "many"}"#, "invalid type"),
        (r#"{"sample": 10}"#, "unknown field `sample`"),
        (r#"{"overrides": ["severity"]}"#, "invalid type"),
        ("", "EOF"),
        ("not json", "expected"),
    ] {
        let reply = post(&app, "/api/run", text).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{text}");
        assert!(reply.message().contains(expected), "{text}: {}", reply.body);
    }
}

#[tokio::test]
async fn sample_counts_are_bounded() {
    let app = app();
    for (samples, expected) in [
        ("1000000000", "more than this server's limit of 200000"),
        ("0", "at least 2"),
        ("1", "at least 2"),
        ("1e9", "invalid type"),
        ("-5", "invalid value"),
        ("100000000000000000000000", "invalid"),
    ] {
        let reply = post(&app, "/api/run", format!(r#"{{"samples": {samples}}}"#)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{samples}: {}", reply.body);
        assert!(reply.message().contains(expected), "{samples}: {}", reply.body);
    }
    let reply = get(&app, "/api/pool?samples=1000000000").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let app = app();
    let padding = "x".repeat(100 * 1024);
    let reply = post(&app, "/api/run", json!({"overrides": {"severity": padding}}).to_string()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.message().contains("larger than"), "{}", reply.body);
    let reply = post(&app, "/api/profiles", json!({"name": "big", "notes": "y".repeat(80 * 1024)}).to_string()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn long_and_deeply_nested_expressions_get_400() {
    let app = app();
    let deep = format!("{}1{}", "(".repeat(300), ")".repeat(300));
    let reply = post(&app, "/api/run", json!({"overrides": {"severity": deep}}).to_string()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.message().contains("nest"), "{}", reply.body);
    let long = format!("1{}", " + 1".repeat(400));
    let reply = post(&app, "/api/run", json!({"overrides": {"severity": long}}).to_string()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("limit is 1024 bytes"), "{}", reply.body);
    assert_eq!(reply.json()["error"]["param"], "severity");
}

#[tokio::test]
async fn computations_past_the_time_limit_are_stopped() {
    let app = app_with(crux_server::Limits { timeout: Duration::from_millis(30), ..limits() });
    let reply = post(&app, "/api/run", json!({"samples": 200000}).to_string()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert!(reply.message().contains("limit"), "{}", reply.body);
    // The server goes on serving.
    let reply = post(&app, "/api/run", json!({"samples": 100}).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excess_requests_get_503_with_retry_after() {
    let app = app_with(crux_server::Limits { concurrent: 1, queue_wait: Duration::from_millis(20), ..limits() });
    let busy = app.clone();
    let long = tokio::spawn(async move { post(&busy, "/api/run", json!({"samples": 200000}).to_string()).await });
    tokio::time::sleep(Duration::from_millis(40)).await;
    let reply = post(&app, "/api/run", json!({"samples": 100}).to_string()).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.body);
    assert_eq!(reply.headers.get("retry-after").map(|value| value.to_str().unwrap()), Some("1"));
    assert_eq!(long.await.unwrap().status, StatusCode::OK);
    let reply = post(&app, "/api/run", json!({"samples": 100}).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn the_html_fragment_is_the_results_part_of_the_page() {
    let app = app();
    let reply = post_html(&app, "/api/run", json!({"samples": 2000}).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    for id in ["summary", "arguments", "key-question"] {
        assert!(reply.body.contains(&format!("<section id=\"{id}\"")), "{id}");
    }
    assert!(reply.body.contains("id=\"net-chart\""));
    // The crux-importance chart: a bar per crux in its cruxes' section,
    // recomputed with the beliefs.
    let bars = |html: &str| -> Vec<String> {
        let chart = html.split("id=\"importance-chart\"").nth(1).expect("the chart").split("</svg>").next().unwrap();
        let cruxes = chart
            .split("<g class=\"section\" data-heading=\"Cruxes (their params varied together)\">")
            .nth(1)
            .expect("a section of cruxes")
            .split("<g class=\"section\"")
            .next()
            .unwrap();
        cruxes
            .split("<g class=\"row\" data-label=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().to_string())
            .collect()
    };
    assert!(reply.body.contains("id=\"importance-chart\""), "{}", reply.body);
    let mut names = bars(&reply.body);
    names.sort();
    assert_eq!(names, ["Benefits", "Capability threshold", "Misuse"]);
    let certain =
        post_html(&app, "/api/run", json!({"overrides": {"severity": "30", "safeguards": "0.8"}}).to_string()).await;
    assert_eq!(certain.status, StatusCode::OK, "{}", certain.body);
    let mut names = bars(&certain.body);
    names.sort();
    assert_eq!(names, ["Benefits", "Capability threshold"], "a crux held with certainty carries no uncertainty");
    // Errors stay JSON.
    let reply = post_html(&app, "/api/run", json!({"overrides": {"nope": "1"}}).to_string()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"]["param"], "nope");
}

#[tokio::test]
async fn the_page_is_a_complete_report_without_script() {
    let app = app();
    let reply = get(&app, "/").await;
    assert_eq!(reply.status, StatusCode::OK);
    let page = &reply.body;
    for part in [
        "Open release, in miniature",
        "Evaluation summary",
        "id=\"verdict\"",
        "Arguments for",
        "Academics can study real models",
        "Arguments against",
        "Your beliefs on Capability threshold",
        "Your beliefs on Misuse",
        "Key question",
        "id=\"net-chart\"",
        "id=\"threshold-chart\"",
        "id=\"importance-chart\"",
        "name=\"set.misuse_threshold\"",
        "value=\"normal(26.5, 0.8)\"",
        "class=\"p5\"",
    ] {
        assert!(page.contains(part), "the page shows {part}");
    }
    // The form's query recomputes the page.
    let moved = get(&app, "/?set.misuse_threshold=normal%2828.5%2C+0.2%29").await;
    assert_eq!(moved.status, StatusCode::OK);
    assert!(moved.body.contains("value=\"normal(28.5, 0.2)\""));
    let verdict = |html: &str| html.split("id=\"verdict\"").nth(1).unwrap().split("</p>").next().unwrap().to_string();
    assert_ne!(verdict(page), verdict(&moved.body));
    // A bad belief shows its message next to its field, and the rest of the report.
    let bad = get(&app, "/?set.severity=5+to").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("class=\"field-error\">expected"), "{}", bad.body);
    assert!(bad.body.contains("Evaluation summary"));
    assert_eq!(get(&app, "/assets/app.js").await.status, StatusCode::OK);
    assert_eq!(get(&app, "/assets/style.css").await.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_paths_and_methods_get_4xx() {
    let app = app();
    let reply = get(&app, "/etc/passwd").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.message().contains("no such page"));
    let reply = get(&app, "/api/run").await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn the_model_endpoint_lists_params_with_their_cruxes() {
    let app = app();
    let body = get(&app, "/api/model").await.json();
    assert_eq!(body["id"], "test-cruxes");
    let params = body["params"].as_array().unwrap();
    assert_eq!(params.len(), 6);
    assert_eq!(params[0]["name"], "misuse_threshold");
    assert_eq!(params[0]["crux"], "capability");
    assert_eq!(body["hash"].as_str().unwrap().len(), 64);
}

async fn save(app: &axum::Router, body: Value) -> common::Reply {
    post(app, "/api/profiles", body.to_string()).await
}

#[tokio::test]
async fn profiles_are_validated_stored_listed_and_escaped() {
    let app = app();
    assert_eq!(get(&app, "/api/profiles").await.json(), json!([]));
    let reply = save(
        &app,
        json!({"name": "<script>alert(1)</script>", "respondent": "Ada \"A\" <b>", "notes": "It's\nlate", "overrides": {"misuse_threshold": "normal(28, 0.5)", "severity": "5 to 60"}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let stored = reply.json();
    assert_eq!(stored["name"], "<script>alert(1)</script>");
    assert_eq!(stored["notes"], "It's\nlate");
    // Only beliefs that differ from the model's are kept.
    assert_eq!(stored["overrides"], json!({"misuse_threshold": "normal(28, 0.5)"}));
    assert_eq!(stored["current"], true);
    let list = get(&app, "/api/profiles").await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Stored text is escaped on every page that shows it.
    for page in ["/", "/compare", "/group"] {
        let reply = get(&app, page).await;
        assert_eq!(reply.status, StatusCode::OK, "{page}: {}", reply.body);
        assert!(!reply.body.contains("<script>alert"), "{page} escapes the name");
        assert!(!reply.body.contains("<b>"), "{page} escapes the respondent");
        assert!(reply.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page} shows the name");
    }
    // A second profile with markup in its name, respondent and notes: shown as text on every page.
    let reply = save(
        &app,
        json!({"name": "\"><img src=x onerror=alert(2)>", "respondent": "<script>alert(3)</script>", "notes": "[x](javascript:alert(4)) <script>alert(5)</script>", "overrides": {"severity": "10 to 90"}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    for page in ["/", "/compare", "/group"] {
        let reply = get(&app, page).await;
        assert_eq!(reply.status, StatusCode::OK, "{page}: {}", reply.body);
        assert!(!reply.body.contains("<script>alert"), "{page} escapes the respondent and notes");
        assert!(!reply.body.contains("<img"), "{page} escapes the name");
        assert!(!reply.body.contains("href=\"javascript"), "{page} links no script");
        assert!(reply.body.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"), "{page} shows the name");
    }
    let compare = get(&app, "/compare").await.body;
    assert!(compare.contains("&lt;script&gt;alert(3)&lt;/script&gt;"), "the respondent");
    assert!(compare.contains("[x](javascript:alert(4)) &lt;script&gt;alert(5)&lt;/script&gt;"), "the notes");
}

#[tokio::test]
async fn invalid_profiles_are_refused_and_not_stored() {
    let app = app();
    for (body, status, expected) in [
        (json!({"name": "x", "overrides": {"sevrity": "1"}}), StatusCode::BAD_REQUEST, "no param `sevrity`"),
        (json!({"name": "x", "overrides": {"severity": "1 to"}}), StatusCode::BAD_REQUEST, "expected"),
        (json!({"name": "  "}), StatusCode::BAD_REQUEST, "needs a name"),
        (json!({"name": "x", "notes": "n".repeat(600)}), StatusCode::BAD_REQUEST, "longer than 500"),
        (json!({"name": "x\u{7}"}), StatusCode::BAD_REQUEST, "control characters"),
        (json!({"nam": "x"}), StatusCode::BAD_REQUEST, "unknown field"),
        (json!({"name": 5}), StatusCode::BAD_REQUEST, "invalid type"),
    ] {
        let reply = save(&app, body.clone()).await;
        assert_eq!(reply.status, status, "{body}: {}", reply.body);
        assert!(reply.message().contains(expected), "{body}: {}", reply.body);
    }
    assert_eq!(get(&app, "/api/profiles").await.json(), json!([]));
}

#[tokio::test]
async fn compare_and_pool_show_profiles_side_by_side_and_together() {
    let app = app();
    assert_eq!(get(&app, "/api/pool").await.status, StatusCode::NOT_FOUND);
    let early = save(&app, json!({"name": "Early", "overrides": {"misuse_threshold": "normal(26, 0.3)"}})).await.json();
    let late = save(
        &app,
        json!({"name": "Late", "overrides": {"misuse_threshold": "normal(27.5, 0.3)", "research": "3 to 30"}}),
    )
    .await
    .json();
    let (a, b) = (early["id"].as_i64().unwrap(), late["id"].as_i64().unwrap());
    let reply = get(&app, &format!("/api/compare?ids={a},{b}&samples=3000")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let comparison = reply.json();
    assert_eq!(comparison["profiles"].as_array().unwrap().len(), 2);
    let crossing = |index: usize| {
        let outlook = &comparison["profiles"][index]["outlook"];
        outlook["mean_crossing"]["at"].as_f64().unwrap_or_else(|| panic!("a crossing: {outlook}"))
    };
    assert!(crossing(0) < crossing(1), "the early view turns negative earlier");
    let differences: Vec<&str> =
        comparison["differences"].as_array().unwrap().iter().map(|d| d["param"].as_str().unwrap()).collect();
    assert_eq!(differences, ["misuse_threshold", "research"]);
    // Each profile's answers (crux-worldview's position) agree with its curves.
    for index in 0..2 {
        let profile = &comparison["profiles"][index];
        assert_eq!(profile["position"]["threshold"]["mean_crossing"].as_f64(), Some(crossing(index)), "{profile}");
    }
    // The double crux: the pair differs on two cruxes; the capability threshold separates them most.
    let pair = &comparison["double_cruxes"][0];
    assert_eq!((pair["a"].as_str(), pair["b"].as_str()), (Some("Early"), Some("Late")));
    let swapped: Vec<&str> = pair["swaps"].as_array().unwrap().iter().map(|s| s["crux"].as_str().unwrap()).collect();
    assert_eq!(swapped, ["capability", "capability", "benefits", "benefits"]);
    assert_eq!(pair["main_crux"], "capability", "{pair}");
    assert!(pair["summary"].as_str().unwrap().contains("Capability threshold"), "{pair}");
    let html = get(&app, &format!("/compare?id={a}&id={b}")).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("Early") && html.body.contains("Late") && html.body.contains("normal(27.5, 0.3)"));
    assert!(html.body.contains("id=\"double-crux\"") && html.body.contains("class=\"main-crux\""), "{}", html.body);

    let pool = get(&app, "/api/pool?samples=3000").await;
    assert_eq!(pool.status, StatusCode::OK, "{}", pool.body);
    let pool = pool.json();
    assert_eq!(pool["members"].as_array().unwrap().len(), 2);
    let range = pool["disagreement"]["mean_crossing_range"].as_array().unwrap();
    assert!((range[0].as_f64().unwrap() - crossing(0)).abs() < 1e-9);
    assert!((range[1].as_f64().unwrap() - crossing(1)).abs() < 1e-9);
    let pooled = pool["outlook"]["mean_crossing"]["at"].as_f64().unwrap();
    assert!(pooled > crossing(0) && pooled < crossing(1), "the pool lies between its members: {pooled}");
    assert_eq!(pool["disagreement"]["most_disputed"], "capability");
    // crux-worldview's group view: its sentences and the flips per crux.
    let summary = pool["disagreement"]["summary"].as_array().unwrap();
    assert!(!summary.is_empty(), "{pool}");
    let flips: Vec<&str> =
        pool["disagreement"]["crux_flips"].as_array().unwrap().iter().map(|f| f["title"].as_str().unwrap()).collect();
    assert_eq!(flips, ["Capability threshold", "Misuse", "Benefits"]);
    assert!(pool["pooled_position"]["threshold"].is_object(), "{pool}");
    // At the pool's sample count: the median thresholds in the summary depend on it.
    let group = get(&app, "/group?samples=3000").await;
    assert_eq!(group.status, StatusCode::OK);
    assert!(group.body.contains("id=\"crux-flips\"") && group.body.contains(summary[0].as_str().unwrap()));

    for (uri, status) in [
        ("/api/compare?ids=abc", StatusCode::BAD_REQUEST),
        ("/api/compare?ids=999", StatusCode::NOT_FOUND),
        ("/api/compare?path=/etc/passwd", StatusCode::BAD_REQUEST),
        ("/api/pool?seed=-1", StatusCode::BAD_REQUEST),
        ("/api/pool?ids=1,999", StatusCode::NOT_FOUND),
        ("/compare?ids=x", StatusCode::BAD_REQUEST),
    ] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, status, "{uri}: {}", reply.body);
    }
}

#[tokio::test]
async fn the_openapi_document_matches_the_endpoints() {
    let app = app();
    let reply = get(&app, "/api/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    let document = reply.json();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    let expected = [
        ("/api/run", "post"),
        ("/api/sensitivity", "post"),
        ("/api/model", "get"),
        ("/api/profiles", "get"),
        ("/api/profiles", "post"),
        ("/api/profiles/{id}", "put"),
        ("/api/profiles/{id}", "delete"),
        ("/api/compare", "get"),
        ("/api/pool", "get"),
        ("/api/openapi.json", "get"),
    ];
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |method| (path.clone(), method.clone())))
        .collect();
    documented.sort();
    let mut wanted: Vec<(String, String)> = expected.iter().map(|(p, m)| (p.to_string(), m.to_string())).collect();
    wanted.sort();
    assert_eq!(documented, wanted);
    // Each documented operation answers (not 404/405) on the router.
    for (path, method) in &wanted {
        let request = Request::builder().method(method.to_uppercase().as_str()).uri(path.as_str());
        let request = if method == "post" || method == "put" {
            request.header("content-type", "application/json").body(Body::from("{}")).unwrap()
        } else {
            request.body(Body::empty()).unwrap()
        };
        let status = send(&app, request).await.status;
        assert!(status != StatusCode::NOT_FOUND || path == "/api/pool", "{method} {path}: {status}");
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
    }
    // A stretch's verdict is the page's and the report's: it may be "No effect".
    let verdict = &document["components"]["schemas"]["StretchInfo"]["properties"]["verdict"];
    assert!(verdict.to_string().contains("No effect"), "{verdict}");
    // Every schema a path refers to is defined.
    let text = document.to_string();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "schema {name} is defined");
    }
}

/// Sends raw bytes to a live server and returns the status line's code (0 when the connection closes without one).
fn raw_status(addr: std::net::SocketAddr, request: &[u8]) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = stream.write_all(request);
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let text = String::from_utf8_lossy(&reply);
    text.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_server_answers_bad_requests_and_keeps_serving() {
    let config = crux_server::Config::new(fixture_model(), limits());
    let server = LiveServer::start(config).await;
    let addr = server.addr;
    assert!(addr.ip().is_loopback());
    let run = |body: &str| {
        format!(
            "POST /api/run HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (run("{\"samples\": 100, ").into_bytes(), 400),
        (run("{\"overrides\": {\"x\": \"1\"}}").into_bytes(), 400),
        (run("{\"samples\": 99999999999}").into_bytes(), 400),
        (
            b"POST /api/run HTTP/1.1\r\nHost: localhost\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\n"
                .to_vec(),
            413,
        ),
        (b"GET /../../etc/passwd HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".to_vec(), 404),
    ];
    for (request, expected) in cases {
        let shown = String::from_utf8_lossy(&request[..40.min(request.len())]).into_owned();
        let status = tokio::task::spawn_blocking(move || raw_status(addr, &request)).await.unwrap();
        assert_eq!(status, expected, "{shown}");
    }
    // Bytes that are not HTTP: the connection is answered with 400 or closed.
    let status = tokio::task::spawn_blocking(move || raw_status(addr, b"\x00\x01garbage\r\n\r\n")).await.unwrap();
    assert!(status == 400 || status == 0, "{status}");
    let status =
        tokio::task::spawn_blocking(move || raw_status(addr, run("{\"samples\": 500}").as_bytes())).await.unwrap();
    assert_eq!(status, 200, "still serving");
    server.stop().await;
}

/// The `data-*` attributes of each `<g class="row">` of the page's chart `id`, in order.
fn chart_rows(page: &str, id: &str) -> Vec<Vec<(String, String)>> {
    let chart = page.split(&format!("<svg id=\"{id}\"")).nth(1).unwrap_or_else(|| panic!("the page has {id}"));
    let chart = chart.split("</svg>").next().unwrap();
    chart
        .split("<g class=\"row\"")
        .skip(1)
        .map(|row| {
            let tag = row.split('>').next().unwrap();
            tag.split(" data-")
                .skip(1)
                .map(|attribute| {
                    let (name, value) = attribute.split_once("=\"").expect("name=\"value\"");
                    (name.to_string(), value.trim_end_matches('"').to_string())
                })
                .collect()
        })
        .collect()
}

fn pairs(values: &[(&str, String)]) -> Vec<(String, String)> {
    values.iter().map(|(name, value)| (name.to_string(), value.clone())).collect()
}

#[tokio::test]
async fn the_page_draws_the_importance_and_robustness_charts_crux_plot_draws() {
    // One seed: the page's crux-importance chart and robustness tornado
    // carry the numbers of crux-report's descriptions (the ones `crux plot`
    // writes as sensitivity.svg and robustness.svg), computed here apart
    // from the server with the same samples, rows and seed.
    const SAMPLES: usize = 2000;
    const SEED: u64 = 7;
    let app = app_of(builtin_model(), limits());
    let reply = post_html(&app, "/api/run", json!({"samples": SAMPLES, "seed": SEED}).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let page = &reply.body;
    let model = resolved(&builtin_model());
    let engine = Engine::new(&model).expect("compiles");
    let inputs = Inputs::of(&engine);

    // Importance: the page's Sobol design (its rows, "now" as `crux plot`
    // finds it, 200 resamples).
    let point = crux_report::analyses::grid_point(&model, None).expect("now");
    assert_ne!(point, engine.grid().len() / 2, "now is not the middle of the axis, so the test tells them apart");
    let mut options = SobolOptions::new(limits().page_sensitivity_samples, SEED, point);
    options.resamples = 200;
    let sensitivity = sobol_indices(&engine, &inputs, &options).expect("indices");
    let at = crux_report::analyses::point_words(&model, engine.grid(), point);
    let crux_plot::Chart::Tornado(tornado) = crux_report::charts::importance_chart(&model, &inputs, &sensitivity, &at)
    else {
        panic!("a tornado");
    };
    let expected: Vec<Vec<(String, String)>> = tornado
        .sections
        .iter()
        .flat_map(|section| &section.rows)
        .map(|row| {
            pairs(&[
                ("label", crux_plot::inline::escape(&row.label)),
                ("total", row.total.to_string()),
                ("first", row.first.to_string()),
                ("total-conf", row.total_conf.to_string()),
            ])
        })
        .collect();
    assert!(tornado.sections.len() == 2 && expected.len() > 5, "cruxes and params: {tornado:?}");
    assert_eq!(chart_rows(page, "importance-chart"), expected);
    assert!(page.contains(&format!("<title id=\"importance-chart-title\">{}</title>", tornado.title)), "{page}");

    // Robustness: the report's analysis at the same samples and seed.
    let options = crux_report::Options { robustness: true, ..crux_report::Options::new(SAMPLES, SEED) };
    let results = crux_report::compute(&model, &options).expect("computes");
    let robustness = results.robustness.as_ref().expect("the built-in model has judgement params");
    let crux_plot::Chart::Swing(swing) =
        crux_report::build::robustness_chart(crux_report::words::Words::new(&model), robustness)
    else {
        panic!("a swing chart");
    };
    let expected: Vec<Vec<(String, String)>> = swing
        .rows
        .iter()
        .map(|row| {
            pairs(&[
                ("label", crux_plot::inline::escape(&row.label)),
                ("low", row.low.to_string()),
                ("high", row.high.to_string()),
                ("low-text", row.low_text.clone()),
                ("high-text", row.high_text.clone()),
            ])
        })
        .collect();
    assert!(expected.len() >= 5, "{swing:?}");
    assert_eq!(chart_rows(page, "robustness-chart"), expected);
    // The key figures on the chart: the earliest, latest and base crossing.
    let (min, max) = robustness.crossing_range();
    let text = |crossing: Option<f64>| crossing.map_or_else(|| "never".to_string(), crux_report::format::capability);
    let figures = format!(
        "data-crossing-min=\"{}\" data-crossing-max=\"{}\" data-crossing-base=\"{}\"",
        text(min),
        text(max),
        text(robustness.base.crossing)
    );
    assert!(page.contains(&figures), "{figures} in {page}");
    // The mechanisms at "now" and the policy curve are on the page too.
    assert!(chart_rows(page, "mechanisms-chart").len() == model.file.mechanisms.len() + 1, "with net");
    assert!(page.contains("<svg id=\"policy-chart\""), "the regulation policy curve");
}

#[tokio::test]
async fn the_builtin_model_is_answered_as_its_page() {
    let app = app_of(builtin_model(), limits());
    let reply = post(&app, "/api/run", json!({"samples": 2000, "seed": 5}).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // The JSON of `crux run --format json` for a model with a page.
    let resolved = resolved(&builtin_model());
    let results = crux_report::compute(&resolved, &crux_report::Options::new(2000, 5)).unwrap();
    let text = serde_json::to_string(&crux_report::json::ResultsDocument::new(&resolved, &results)).unwrap();
    let expected: Value = serde_json::from_str(&text).unwrap();
    assert_same(&reply.json(), &expected, "");
    for field in ["evaluation", "threshold", "policies", "now"] {
        assert!(!expected[field].is_null(), "{field}");
    }
    let page = get(&app, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    let order = [
        "Evaluation Summary",
        "id=\"net-chart\"",
        "id=\"importance-chart\"",
        "data-label=\"Crux 1 (",
        "Arguments for",
        "Arguments Against",
        "Crux 1:",
        "Your beliefs on Crux 1:",
        "Crux 2:",
        "name=\"set.c_misuse\"",
        "Policy Implications",
        "data-kind=\"robustness\"",
        "How robust the answer is",
        // The tornado where the document puts its chart: after the table of swings, before the presets.
        "id=\"robustness-chart\"",
        "The presets side by side",
        "Security first",
        "References",
        "https://arxiv.org/abs/2310.20624",
        "id=\"profiles\"",
    ];
    let mut from = 0;
    for part in order {
        let at = body[from..].find(part).unwrap_or_else(|| panic!("the page shows {part} after the parts before it"));
        from += at + part.len();
    }
    let fragment =
        post_html(&app, "/api/run", json!({"overrides": {"c_misuse": "normal({p5: 27, p95: 29})"}}).to_string()).await;
    assert_eq!(fragment.status, StatusCode::OK, "{}", fragment.body);
    assert!(fragment.body.contains("Policy Implications") && fragment.body.contains("id=\"charts\""));
    assert!(!fragment.body.contains("<form"), "the fragment holds results only");
}

#[tokio::test]
async fn model_text_in_the_report_is_escaped() {
    // Script, an attribute break-out and a `javascript:` link in the page's
    // text, a crux's description, a param's note and a param's source.
    const HOSTILE: &str = r#"'<script>alert(1)</script> "><img src=x onerror=alert(2)> [click](javascript:alert(3))'"#;
    let mut model = builtin_model();
    for from in [
        r#"body = "Your view on open source affects:""#,
        r#"description = "Whether aligning advanced models is hard or easy: the scenario behind the evaluation's two conditional rows.""#,
        r#"note = "Negative when centralized control is safer (Crux 1).""#,
        r#"source = "judgement: late November 2026, the date the frontier values describe""#,
    ] {
        assert_eq!(model.text.matches(from).count(), 1, "{from}");
        let key = from.split(" = ").next().unwrap();
        model.text = model.text.replace(from, &format!("{key} = {HOSTILE}"));
    }
    let app = app_of(model, limits());
    let page = get(&app, "/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let fragment = post_html(&app, "/api/run", json!({"samples": 1000}).to_string()).await;
    assert_eq!(fragment.status, StatusCode::OK, "{}", fragment.body);
    for body in [&page.body, &fragment.body] {
        assert!(!body.contains("<script>alert"), "no script");
        assert!(!body.contains("<img"), "no image");
        assert!(!body.contains("href=\"javascript"), "no script link");
        assert!(!body.contains("onerror=alert(2)>"), "no attribute break-out");
    }
    let shown = "&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(2)&gt; [click](javascript:alert(3))";
    // The page text, the crux's description, the note and the source are each shown as text.
    assert!(page.body.matches(shown).count() >= 4, "{}", page.body.matches(shown).count());
}

/// A model without page, axis or context (net = x + y, in deaths) gets a
/// complete page: a verdict on net, its benefits, its unit, never bp.
#[tokio::test]
async fn a_model_without_page_or_axis_gets_a_complete_page() {
    let path = crux_test_support::fixture("alpha-beta.toml");
    let model = crux_store::ModelSource {
        name: "alpha-beta.toml".to_string(),
        text: std::fs::read_to_string(path).expect("the fixture"),
    };
    let app = app_of(model, limits());
    let page = get(&app, "/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("id=\"verdict\"") && body.contains("P(net &gt; 0) = 0.5"), "a verdict on net");
    assert!(body.contains("deaths"), "the model's unit");
    assert!(!body.contains(" bp"), "never bp");
    assert!(body.contains("name=\"set.x\"") && body.contains("name=\"set.y\""), "a belief editor for each param");
}

#[tokio::test]
async fn a_run_larger_than_the_memory_budget_is_refused_and_a_smaller_one_runs() {
    // The fixture's estimate is about 32 MiB plus (points + 64) bytes a
    // sample: 48 MiB takes 20,000 samples and refuses 200,000.
    let app = app_with(Limits { memory_budget: 48 << 20, ..limits() });
    let reply = post(&app, "/api/run", r#"{"samples": 200000}"#).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert!(reply.message().contains("more than this server's memory budget of 48 MiB"), "{}", reply.body);
    let reply = post(&app, "/api/run", r#"{"samples": 20000}"#).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}
