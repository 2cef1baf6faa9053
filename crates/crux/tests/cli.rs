//! End-to-end tests of the `crux` binary: exit codes, the JSON contract,
//! determinism across thread counts, and the diagnostics of malformed models
//! (snapshots of exactly what a user sees on stderr): those the engine finds
//! (invalid distribution parameters, non-finite values), and for the exit
//! code one of the language's, whose rendering crux-lang's fixtures pin
//! (`crates/crux-lang/tests/fixtures/diagnostics`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn repo_path(relative: &str) -> PathBuf {
    crux_test_support::repo_path(relative)
}

/// crux-lang's diagnostic fixtures: malformed models with their expected renderings.
fn language_fixtures() -> PathBuf {
    repo_path("crates/crux-lang/tests/fixtures/diagnostics")
}

/// Runs `crux` with `args` in `directory`, with colour and progress off.
fn crux(directory: &Path, args: &[&str], threads: Option<usize>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_crux"));
    command.args(args).current_dir(directory).env("NO_COLOR", "1");
    if let Some(threads) = threads {
        command.env("RAYON_NUM_THREADS", threads.to_string());
    }
    command.output().expect("the crux binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn malformed_models_get_exit_code_2_and_a_located_diagnostic() {
    let directory = fixtures().join("invalid");
    let mut names: Vec<String> = std::fs::read_dir(&directory)
        .expect("fixtures")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 7, "the engine's malformed models");
    for name in names {
        let output = crux(&directory, &["run", &name, "--samples", "2000", "--format", "json"], None);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: exit code; stderr:\n{stderr}");
        assert!(output.stdout.is_empty(), "{name}: nothing on stdout");
        assert!(stderr.contains(&format!("[{name}:")), "{name}: file:line:col is shown:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{name}: no panic");
        insta::assert_snapshot!(name.trim_end_matches(".toml"), stderr);
    }
}

#[test]
fn a_language_diagnostic_exits_with_code_2_and_prints_what_crux_lang_renders() {
    let directory = language_fixtures();
    let output = crux(&directory, &["run", "unknown-name.toml", "--samples", "2000"], None);
    assert_eq!(output.status.code(), Some(2), "stderr:\n{}", text(&output.stderr));
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let expected = std::fs::read_to_string(directory.join("unknown-name.expected")).expect("the expected rendering");
    assert_eq!(text(&output.stderr), expected);
}

#[test]
fn check_refuses_a_citation_missing_from_the_bibliography() {
    let directory = language_fixtures();
    let output = crux(&directory, &["check", "unknown-reference.toml"], None);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    assert!(stderr.contains("[unknown-reference.toml:6:"), "file:line:col of the id:\n{stderr}");
    assert!(stderr.contains("`righeti2025` is not in the model's references"), "{stderr}");
    assert!(stderr.contains("did you mean `righetti2025`?"), "{stderr}");
}

#[test]
fn bad_command_lines_get_exit_code_2() {
    let directory = repo_path("bench");
    let cases: [&[&str]; 6] = [
        &["run", "ref-v1.toml", "--samples", "0"],
        &["run", "ref-v1.toml", "--samples", "many"],
        &["run", "no-such-model.toml"],
        &["run", "ref-v1.toml", "--set", "hazrd=1 to 2"],
        &["run", "ref-v1.toml", "--set", "hazard=5 to 1"],
        &["run", "ref-v1.toml", "--format", "xml"],
    ];
    for args in cases {
        let output = crux(&directory, args, None);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output.stderr));
        assert!(!text(&output.stderr).contains("panicked"), "{args:?}");
    }
    let output = crux(&directory, &["run", "ref-v1.toml", "--set", "hazrd=1 to 2"], None);
    assert!(text(&output.stderr).contains("did you mean `hazard`?"), "{}", text(&output.stderr));
}

#[test]
fn run_json_has_the_documented_shape() {
    let output = crux(&repo_path("bench"), &["run", "ref-v1.toml", "--samples", "20000", "--format", "json"], None);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(document["model"]["id"], "ref-v1");
    assert_eq!(document["samples"], 20000);
    assert_eq!(document["seed"], 1);
    let values = document["axis"]["values"].as_array().expect("axis values");
    assert_eq!(values.len(), 61);
    assert_eq!(values[1].as_f64(), Some(23.1), "grid values are from + i * step");
    for key in ["mean", "sd", "p05", "p25", "p50", "p75", "p95", "p_positive"] {
        assert_eq!(document["net"][key].as_array().map(Vec::len), Some(61), "net.{key}");
    }
    let mechanisms = document["mechanisms"].as_object().expect("mechanisms");
    let ids: Vec<&str> = mechanisms.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        [
            "research",
            "decentralization",
            "transparency",
            "accountability",
            "redteam",
            "misuse",
            "proliferation",
            "irreversibility",
            "race"
        ]
    );
    assert_eq!(mechanisms["misuse"]["side"], "risk");
    assert_eq!(mechanisms["misuse"]["mean"].as_array().map(Vec::len), Some(61));
}

#[test]
fn a_model_without_an_axis_is_evaluated_at_one_point() {
    let output = crux(&fixtures(), &["run", "no-axis.toml", "--samples", "5000", "--format", "json"], None);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(document["axis"].is_null());
    assert_eq!(document["net"]["mean"].as_array().map(Vec::len), Some(1));
    let mean = document["net"]["mean"][0].as_f64().unwrap();
    assert!((mean - 3.0).abs() < 0.1, "net = 5 - normal(2, 1) has mean 3, got {mean}");
}

#[test]
fn the_same_seed_gives_identical_json_on_one_and_four_threads() {
    let args = ["run", "ref-v1.toml", "--samples", "200000", "--seed", "9", "--format", "json"];
    let one = crux(&repo_path("bench"), &args, Some(1));
    let four = crux(&repo_path("bench"), &args, Some(4));
    assert!(one.status.success() && four.status.success());
    assert_eq!(text(&one.stdout), text(&four.stdout));
}

#[test]
fn set_replaces_a_param() {
    let base = crux(&repo_path("bench"), &["run", "ref-v1.toml", "--samples", "20000", "--format", "json"], None);
    let changed = crux(
        &repo_path("bench"),
        &["run", "ref-v1.toml", "--samples", "20000", "--format", "json", "--set", "proliferation=pointmass(0)"],
        None,
    );
    let base: serde_json::Value = serde_json::from_slice(&base.stdout).unwrap();
    let changed: serde_json::Value = serde_json::from_slice(&changed.stdout).unwrap();
    assert_eq!(changed["mechanisms"]["proliferation"]["mean"][60].as_f64(), Some(0.0));
    assert!(base["mechanisms"]["proliferation"]["mean"][60].as_f64().unwrap() > 0.0);
}

#[test]
fn check_accepts_a_valid_model() {
    let output = crux(&repo_path("bench"), &["check", "ref-v1.toml"], None);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("ok"));
}
