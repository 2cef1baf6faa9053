//! Worldviews end to end: presets, profiles applied to runs, the double
//! crux named correctly, and pooling.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn crux(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crux")).args(args).current_dir(fixtures()).output().expect("crux runs")
}

fn json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

#[test]
fn two_profiles_that_differ_on_one_crux_are_separated_by_that_crux() {
    let output = crux(&[
        "compare",
        "profiles/threshold-near.toml",
        "profiles/threshold-far.toml",
        "--samples",
        "4000",
        "--format",
        "json",
    ]);
    let document = json(&output);
    let pairs = document["double_cruxes"].as_array().expect("pairs");
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["main_crux"], "threshold");
    let swapped: Vec<&str> =
        pairs[0]["swaps"].as_array().unwrap().iter().map(|s| s["crux"].as_str().unwrap()).collect();
    assert!(swapped.iter().all(|crux| *crux == "threshold"), "only the differing crux is swapped: {swapped:?}");
    let summary = pairs[0]["summary"].as_str().unwrap();
    assert!(summary.contains("Crux 2 (Capability Threshold)"), "{summary}");
}

#[test]
fn the_presets_disagree_visibly() {
    let document = json(&crux(&[
        "compare",
        "open-release-advocate",
        "conditional-on-capability",
        "security-first",
        "--samples",
        "4000",
        "--format",
        "json",
    ]));
    let positions = document["positions"].as_array().unwrap();
    let p_now: Vec<f64> = positions.iter().map(|p| p["now"]["p_positive"].as_f64().unwrap()).collect();
    assert!(p_now[0] > p_now[1] && p_now[1] > p_now[2], "advocate > conditional > security-first: {p_now:?}");
    assert!(p_now[0] - p_now[2] > 0.1, "the advocate and security-first are far apart: {p_now:?}");
    let median = |p: &serde_json::Value| p["threshold"]["mean_crossing"].as_f64();
    assert_ne!(median(&positions[0]), median(&positions[2]));
}

#[test]
fn a_profile_applies_to_a_run_and_unknown_params_are_refused() {
    let base = json(&crux(&["run", "--samples", "4000", "--format", "json"]));
    let viewed = json(&crux(&["run", "--samples", "4000", "--format", "json", "--profile", "security-first"]));
    assert_ne!(base["net"]["mean"], viewed["net"]["mean"]);
    let bad = "[profile]\nname = \"Typo\"\n\n[params]\nc_misue = \"normal(26, 1)\"\n";
    let path = std::env::temp_dir().join(format!("crux-typo-{}.toml", std::process::id()));
    std::fs::write(&path, bad).unwrap();
    let output = crux(&["run", "--samples", "1000", "--profile", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did you mean `c_misuse`?"), "{stderr}");
}

#[test]
fn pooling_identical_profiles_equals_one_and_order_does_not_matter() {
    let one = json(&crux(&["pool", "security-first", "--samples", "3000", "--format", "json"]));
    let two = json(&crux(&["pool", "security-first", "security-first", "--samples", "3000", "--format", "json"]));
    assert_eq!(one["pooled"]["now"], two["pooled"]["now"]);
    assert_eq!(one["pooled"]["threshold"], two["pooled"]["threshold"]);
    let forward = json(&crux(&[
        "pool",
        "open-release-advocate",
        "security-first",
        "--weights",
        "1,3",
        "--samples",
        "3000",
        "--format",
        "json",
    ]));
    let backward = json(&crux(&[
        "pool",
        "security-first",
        "open-release-advocate",
        "--weights",
        "3,1",
        "--samples",
        "3000",
        "--format",
        "json",
    ]));
    assert_eq!(forward["pooled"]["now"], backward["pooled"]["now"]);
    // More weight on the security-first view lowers the group's P(net > 0) now.
    let even =
        json(&crux(&["pool", "open-release-advocate", "security-first", "--samples", "3000", "--format", "json"]));
    let p = |doc: &serde_json::Value| doc["pooled"]["now"]["p_positive"].as_f64().unwrap();
    assert!(p(&forward) < p(&even), "{} vs {}", p(&forward), p(&even));
}

#[test]
fn a_model_without_page_or_axis_gets_a_double_crux_on_net() {
    // net = x + y; A holds x ~ normal(2, 1), B x ~ normal(-2, 1); y alike.
    let model = crux_test_support::fixture("alpha-beta.toml");
    let args = ["compare", "two-cruxes/a.toml", "two-cruxes/b.toml", "--model", model.to_str().expect("a UTF-8 path")];
    let document = json(&crux(&[&args[..], &["--samples", "4000", "--format", "json"]].concat()));
    let positions = document["positions"].as_array().expect("positions");
    let mean = |index: usize| positions[index]["now"]["mean"].as_f64().expect("E[net] of the view");
    assert!((mean(0) - 2.0).abs() < 0.15 && (mean(1) + 2.0).abs() < 0.15, "{positions:?}");
    let pair = &document["double_cruxes"][0];
    assert_eq!(pair["main_crux"], "alpha");
    let summary = pair["summary"].as_str().expect("a summary");
    assert!(summary.contains("crux alpha") && summary.contains("E[net] from") && summary.contains("P(net > 0) from"));
    for format in ["md", "text"] {
        let output = crux(&[&args[..], &["--samples", "4000", "--format", format]].concat());
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let text = String::from_utf8(output.stdout).expect("UTF-8");
        assert!(text.contains("disagree mainly on crux alpha"), "{format}:\n{text}");
        assert!(text.contains("E[net] now (deaths)"), "{format}: the model's unit:\n{text}");
        assert!(!text.contains("bp") && !text.contains("same beliefs"), "{format}:\n{text}");
        assert!(!text.contains("FLOP"), "{format}: no rows a model without an axis cannot answer:\n{text}");
    }
}

#[test]
fn a_profile_citing_a_reference_the_model_lacks_is_refused_at_its_place() {
    let bad =
        "[profile]\nname = \"Cites\"\nnotes = \"\"\"\nAs the uplift trial found [@wiliams2025], little uplift.\"\"\"\n";
    let path = std::env::temp_dir().join(format!("crux-cites-{}.toml", std::process::id()));
    std::fs::write(&path, bad).unwrap();
    let output = crux(&["run", "--samples", "1000", "--profile", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`wiliams2025` is not in the model's references"), "{stderr}");
    assert!(stderr.contains("did you mean `williams2025`?"), "{stderr}");
    // Line 4, column 29: where `wiliams2025` starts in the file.
    assert!(stderr.contains(&format!("{}:4:29", path.display())), "{stderr}");
    assert!(output.stdout.is_empty());
    // The presets' notes cite only the built-in model's references.
    for preset in ["security-first", "open-release-advocate", "conditional-on-capability"] {
        let output = crux(&["run", "--samples", "1000", "--profile", preset, "--no-robustness"]);
        assert!(output.status.success(), "{preset}: {}", String::from_utf8_lossy(&output.stderr));
    }
}
