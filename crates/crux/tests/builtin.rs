//! End-to-end: `crux run` and `crux check` without a model file use the
//! built-in open-weights safety model.

use serde_json::Value;
use std::process::{Command, Output};

fn crux(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crux")).args(args).output().expect("crux runs")
}

fn json(args: &[&str]) -> Value {
    let output = crux(args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("valid JSON")
}

#[test]
fn run_without_a_model_prints_the_page_as_markdown() {
    let output = crux(&["run", "-n", "1000"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(text.starts_with("---\ntitle: Open Source Safety\n"), "{}", &text[..200.min(text.len())]);
    for heading in ["## Evaluation Summary", "## Crux 2: Capability Threshold", "## Policy Implications"] {
        assert!(text.contains(heading), "missing {heading}");
    }
}

#[test]
fn json_carries_the_page_answers_under_stable_names() {
    let document = json(&["run", "-n", "2000", "--format", "json"]);
    assert_eq!(document["model"]["id"], "open-source-safety");
    assert_eq!(document["axis"]["values"].as_array().map(Vec::len), Some(71));
    let evaluation = document["evaluation"].as_array().expect("rows");
    assert_eq!(evaluation.len(), 4);
    assert_eq!(evaluation[1]["dimension"], "If alignment hard");
    assert!(evaluation[1]["p_positive"].is_f64());
    assert!(evaluation[0]["p_positive"].is_null());
    // The page's own assessment beside every row, and why where they differ.
    assert_eq!(evaluation[0]["page_assessment"], "High");
    assert_eq!(evaluation[1]["page_assessment"], "Unclear");
    assert_eq!(evaluation[2]["page_assessment"], "Positive");
    for row in evaluation {
        let differs = row["assessment"] != row["page_assessment"];
        assert_eq!(row["why_different"].is_string(), differs, "{row}");
    }
    // The bibliography: every cited id with a title and a link.
    let references = document["references"].as_array().expect("references");
    assert!(references.len() >= 30);
    for reference in references {
        assert!(reference["title"].is_string() && reference["url"].is_string(), "{reference}");
    }
    // Robustness: judgement params held at their 10th and 90th percentiles.
    let robustness = document["robustness"].as_array().expect("robustness");
    assert!(robustness.len() >= 5);
    for row in robustness {
        for field in
            ["param", "low", "high", "crossing_low", "crossing_high", "now_p_positive_low", "now_p_positive_high"]
        {
            assert!(row.get(field).is_some(), "robustness.{field}: {row}");
        }
    }
    let threshold = &document["threshold"];
    for field in ["mean_crossing", "median_crossing"] {
        assert!(threshold[field].is_f64(), "{field}: {}", threshold[field]);
    }
    // Quantiles over all samples: a number, or null beyond the grid.
    for field in ["p05", "p50", "p95"] {
        let value = &threshold["sample"][field];
        assert!(value.is_f64() || value.is_null(), "sample.{field}: {value}");
        let year = &threshold["year"][field];
        assert!(year.is_f64() || year.is_null() || year == "passed", "year.{field}: {year}");
    }
    for field in ["never_share", "from_start_share", "passed_share"] {
        assert!(threshold["sample"][field].is_f64(), "sample.{field}");
    }
    let policies = document["policies"].as_array().expect("policies");
    let answers: Vec<&str> = policies.iter().map(|policy| policy["answer"].as_str().unwrap_or("")).collect();
    assert_eq!(answers, ["support_release", "release_threshold", "compute_governance", "career_choices"]);
    assert!(policies[1]["result"]["best"]["value"].is_f64());
    let label = policies[1]["result"]["compare"][0]["label"].as_str().expect("a label");
    assert!(label.starts_with("hypothetical: open below the EU AI Act"), "{label}");
}

#[test]
fn set_moves_the_threshold_and_the_verdicts() {
    let before = json(&["run", "-n", "4000", "--format", "json", "--no-robustness"]);
    let after = json(&["run", "-n", "4000", "--format", "json", "--no-robustness", "--set", "study_value=30 to 300"]);
    let crossing = |document: &Value| document["threshold"]["mean_crossing"].as_f64().unwrap_or(f64::INFINITY);
    assert!(crossing(&after) >= crossing(&before) + 1.0);
    let easy = |document: &Value| document["evaluation"][2]["p_positive"].as_f64().expect("a probability");
    assert!(easy(&after) > easy(&before) + 0.2, "{} -> {}", easy(&before), easy(&after));
    assert!(before["robustness"].is_null(), "--no-robustness leaves it out");
}

#[test]
fn check_without_a_model_checks_the_builtin_one() {
    let output = crux(&["check"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(text.starts_with("open-source-safety.toml (built in): ok"), "{text}");
}

#[test]
fn an_unknown_param_in_set_is_an_input_error() {
    let output = crux(&["run", "-n", "100", "--set", "c_misue=27"]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("the model has no param `c_misue`") && text.contains("did you mean `c_misuse`?"), "{text}");
}
