//! The profile store over HTTP: views that work with any number of stored
//! profiles, invalid profiles listed with their reason and left out,
//! a read-only store answered with 503 (and no paths), pages, quotas,
//! idempotency keys, the page's unknown `set.` params, and two replicas on
//! one PostgreSQL database.

mod common;
#[path = "../../crux-store/tests/support/postgres.rs"]
mod postgres;

use axum::http::StatusCode;
use common::{app_from, app_with, fixture_model, get, limits, post, request};
use crux_server::{Config, Location, Quotas};
use serde_json::{Value, json};

fn temp(name: &str) -> std::path::PathBuf {
    let directory = std::env::temp_dir().join(format!("crux-server-profiles-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

fn profile(index: usize) -> String {
    let low = 2 + index;
    json!({"name": format!("View {index}"), "respondent": format!("R{index}"), "overrides": {"severity": format!("{low} to {}", low * 10)}})
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_profiles_are_compared_and_pooled_by_selection() {
    let app = app_with(common::limits());
    for index in 0..30 {
        let reply = post(&app, "/api/profiles", profile(index)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    // The page lists a page of them, with a link to the next.
    let page = get(&app, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("View 19") && !page.body.contains("View 20<"), "the first 20");
    assert!(page.body.contains("profiles_after=20"), "a link to the next page");
    let next = get(&app, "/?profiles_after=20").await;
    assert!(next.body.contains("View 20") && next.body.contains("View 29") && !next.body.contains(">View 3<"));
    for path in ["/compare", "/group", "/api/compare?samples=1000", "/api/pool?samples=1000"] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", &reply.body[..reply.body.len().min(400)]);
    }
    // The newest 8 (the limit) are taken, and the rest named as left out.
    let comparison = get(&app, "/api/compare?samples=1000").await.json();
    let names: Vec<&str> =
        comparison["profiles"].as_array().unwrap().iter().map(|p| p["profile"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, (22..30).map(|index| format!("View {index}")).collect::<Vec<_>>());
    let left_out = comparison["left_out"].as_array().unwrap();
    assert!(left_out.iter().any(|entry| entry["reason"].as_str().unwrap().contains("newest 8")), "{left_out:?}");
    // The page's own "Compare selected" (every box ticked) works too.
    let ids: Vec<String> = (1..=30).map(|id| format!("id={id}")).collect();
    let selected = get(&app, &format!("/compare?{}", ids.join("&"))).await;
    assert_eq!(selected.status, StatusCode::OK);
    assert!(selected.body.contains("id=\"left-out\""));
    let group = get(&app, "/group").await;
    assert!(
        group.body.contains("The linear pool of 8 stored profiles"),
        "{}",
        &group.body[..2000.min(group.body.len())]
    );
}

/// A store holding one valid profile, one whose text no longer parses and
/// one that sets a param the model no longer has.
fn store_with_broken_profiles(directory: &std::path::Path) -> std::path::PathBuf {
    let db = directory.join("crux.db");
    let app = app_from(Config { db: Some(Location::Sqlite(db.clone())), ..Config::new(fixture_model(), limits()) });
    drop(app);
    let connection = rusqlite::Connection::open(&db).unwrap();
    let hash = fixture_model().hash();
    let insert = |name: &str, text: &str| {
        connection
            .execute(
                "INSERT INTO profiles (respondent, model_id, model_hash, name, profile_toml) VALUES ('r', 'test-cruxes', ?1, ?2, ?3)",
                rusqlite::params![hash, name, text],
            )
            .unwrap();
    };
    insert("Good", "[profile]\nname = \"Good\"\n\n[params]\nseverity = \"10 to 90\"\n");
    insert("Broken", "[profile]\nname = \"Broken\"\n[params\nseverity = \"10 to 90\"\n");
    insert("Stale", "[profile]\nname = \"Stale\"\n\n[params]\nretired_param = \"1 to 2\"\n");
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unparseable_profile_is_listed_as_invalid_and_left_out() {
    let directory = temp("invalid");
    let db = store_with_broken_profiles(&directory);
    let app = app_from(Config { db: Some(Location::Sqlite(db)), ..Config::new(fixture_model(), limits()) });
    let list = get(&app, "/api/profiles").await.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert!(list[0]["invalid"].is_null());
    let broken = list[1]["invalid"].as_str().expect("the broken one is invalid");
    assert!(broken.contains("profile 2:3:"), "located: {broken}");
    assert_eq!(list[1]["overrides"], json!({}));
    let stale = list[2]["invalid"].as_str().expect("the stale one is invalid");
    assert!(stale.contains("retired_param"), "{stale}");
    // Left out of compare and pool, never counted as the model's own beliefs.
    let comparison = get(&app, "/api/compare?samples=1000").await.json();
    let names: Vec<&str> =
        comparison["profiles"].as_array().unwrap().iter().map(|p| p["profile"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Good"]);
    let left_out: Vec<i64> =
        comparison["left_out"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(left_out, [2, 3]);
    let pool = get(&app, "/api/pool?samples=1000").await.json();
    assert_eq!(pool["members"].as_array().unwrap().len(), 1);
    // Named explicitly, it is a conflict with the reason.
    let named = get(&app, "/api/compare?ids=1,2&samples=1000").await;
    assert_eq!(named.status, StatusCode::CONFLICT);
    assert!(named.message().contains("cannot be used"), "{}", named.body);
    // The page shows it as invalid, with no box to tick.
    let page = get(&app, "/").await.body;
    assert!(page.contains("Invalid: profile 2:3:"), "{page}");
    assert_eq!(page.matches("name=\"id\" value=").count(), 1, "only the valid profile can be selected");
    let compare_page = get(&app, "/compare").await;
    assert_eq!(compare_page.status, StatusCode::OK);
    assert!(compare_page.body.contains("id=\"left-out\""));
}

#[tokio::test]
async fn a_read_only_store_answers_writes_with_503_and_no_paths() {
    let directory = temp("read-only");
    let db = store_with_broken_profiles(&directory);
    let location = Location::Sqlite(format!("file:{}?mode=ro", db.display()).into());
    let app = app_from(Config { db: Some(location), ..Config::new(fixture_model(), limits()) });
    assert_eq!(get(&app, "/healthz").await.json()["store"], "read-only");
    assert_eq!(get(&app, "/api/profiles").await.json().as_array().unwrap().len(), 3, "reads still work");
    let json_type = [("content-type", "application/json")];
    let replies = [
        post(&app, "/api/profiles", profile(1)).await,
        request(&app, "PUT", "/api/profiles/1", &json_type, &profile(2)).await,
        request(&app, "DELETE", "/api/profiles/1", &[], "").await,
    ];
    for reply in replies {
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.body);
        assert!(reply.message().contains("read-only"), "{}", reply.body);
        let root = directory.to_string_lossy();
        assert!(
            !reply.body.contains(&*root) && !reply.body.contains("/tmp") && !reply.body.contains("crux.db"),
            "{}",
            reply.body
        );
    }
    assert_eq!(get(&app, "/api/profiles").await.json().as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn profiles_come_in_pages_within_quotas_and_once_per_key() {
    let mut limits = limits();
    limits.profiles_page = 4;
    limits.quotas = Quotas { per_author: Some(3), total: Some(6) };
    let app = app_with(limits);
    let save = |respondent: &str, name: &str| json!({"name": name, "respondent": respondent}).to_string();
    for index in 0..3 {
        assert_eq!(post(&app, "/api/profiles", save("Ann", &format!("A{index}"))).await.status, StatusCode::CREATED);
    }
    let over = post(&app, "/api/profiles", save("Ann", "A3")).await;
    assert_eq!(over.status, StatusCode::INSUFFICIENT_STORAGE, "{}", over.body);
    assert!(over.message().contains("`Ann` already holds its limit of 3"), "{}", over.body);
    for index in 0..3 {
        assert_eq!(post(&app, "/api/profiles", save(&format!("B{index}"), "B")).await.status, StatusCode::CREATED);
    }
    let full = post(&app, "/api/profiles", save("C", "C")).await;
    assert_eq!(full.status, StatusCode::INSUFFICIENT_STORAGE);
    assert!(full.message().contains("the store already holds its limit of 6"));
    // Pages of 4: a Link to the next, and the total.
    let first = get(&app, "/api/profiles").await;
    assert_eq!(first.json().as_array().unwrap().len(), 4);
    assert_eq!(first.headers["x-total-count"], "6");
    let link = first.headers["link"].to_str().unwrap().to_string();
    assert_eq!(link, "</api/profiles?after=4&limit=4>; rel=\"next\"");
    let second = get(&app, "/api/profiles?after=4&limit=4").await;
    let ids: Vec<i64> = second.json().as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [5, 6]);
    assert!(!second.headers.contains_key("link"));
    assert_eq!(get(&app, "/api/profiles?page=2").await.status, StatusCode::BAD_REQUEST);
    // An idempotency key: a retry stores nothing new.
    request(&app, "DELETE", "/api/profiles/6", &[], "").await;
    let headers = [("content-type", "application/json"), ("idempotency-key", "retry-1")];
    let first = request(&app, "POST", "/api/profiles", &headers, &save("D", "Once")).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = request(&app, "POST", "/api/profiles", &headers, &save("D", "Once")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.json()["id"], first.json()["id"]);
    let other = request(&app, "POST", "/api/profiles", &headers, &save("D", "Another")).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(get(&app, "/api/profiles?limit=4&after=4").await.json().as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn unknown_set_params_on_the_page_are_shown_as_errors() {
    let app = common::app();
    let page = get(&app, "/?set.severty=5+to+50").await;
    assert_eq!(page.status, StatusCode::OK);
    let error_line = page.body.split("id=\"form-error\"").nth(1).unwrap().split("</p>").next().unwrap();
    assert!(!error_line.contains("hidden"), "{error_line}");
    assert!(error_line.contains("set.severty"), "{error_line}");
    assert!(error_line.contains("severity"), "the suggestion: {error_line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_postgres_see_each_others_writes() {
    // The test server's client blocks: set it up off the async workers.
    let started = tokio::task::block_in_place(|| {
        let cluster = postgres::cluster_or_skip("two_replicas_on_one_postgres_see_each_others_writes")?;
        let url = cluster.database();
        Some((cluster, url))
    });
    let Some((_cluster, url)) = started else { return };
    let replica =
        || app_from(Config { db: Some(Location::Postgres(url.clone())), ..Config::new(fixture_model(), limits()) });
    let (one, two) = (replica(), replica());
    let saved = post(&one, "/api/profiles", profile(1)).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let id = saved.json()["id"].as_i64().unwrap();
    let seen: Value = get(&two, "/api/profiles").await.json();
    assert_eq!(seen[0]["name"], "View 1");
    let json_type = [("content-type", "application/json")];
    let edited = request(&two, "PUT", &format!("/api/profiles/{id}"), &json_type, &profile(2)).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(get(&one, "/api/profiles").await.json()[0]["name"], "View 2");
    assert_eq!(post(&two, "/api/profiles", profile(3)).await.status, StatusCode::CREATED);
    let comparison = get(&one, "/api/compare?samples=1000").await;
    assert_eq!(comparison.status, StatusCode::OK);
    assert_eq!(comparison.json()["profiles"].as_array().unwrap().len(), 2);
    assert_eq!(request(&one, "DELETE", &format!("/api/profiles/{id}"), &[], "").await.status, StatusCode::NO_CONTENT);
    assert_eq!(get(&two, "/api/profiles").await.json().as_array().unwrap().len(), 1);
}
