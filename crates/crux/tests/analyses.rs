//! End-to-end tests of `crux sensitivity`, `crux voi` and `crux plot`: the
//! real binary on model files, its JSON, its exit codes and its files.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> String {
    workspace().join("crates/crux-analysis/tests/fixtures").join(name).display().to_string()
}

fn crux(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crux")).args(args).current_dir(workspace()).output().expect("crux runs")
}

fn json(output: &Output) -> Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

fn fails_with(output: &Output, words: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "exit code 2, stderr: {stderr}");
    assert!(stderr.contains(words), "stderr should mention `{words}`: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn sensitivity_json_has_params_and_cruxes() {
    let document = json(&crux(&["sensitivity", &fixture("two-cruxes.toml"), "-n", "4096", "--format", "json"]));
    assert_eq!(document["at"], Value::Null, "an axis-less model has no axis value");
    assert_eq!(document["samples"], 4096);
    for name in ["a", "b", "s"] {
        for key in ["S1", "S1_conf", "ST", "ST_conf"] {
            assert!(document["params"][name][key].is_f64(), "params.{name}.{key}");
        }
    }
    let levels = &document["groups"]["levels"];
    assert!((levels["S1"].as_f64().unwrap() - 2.0 / 3.0).abs() < 0.05);
    assert!((levels["ST"].as_f64().unwrap() - 1.0).abs() < 0.05);
    assert!((document["groups"]["sign"]["ST"].as_f64().unwrap() - 1.0 / 3.0).abs() < 0.05);
}

#[test]
fn sensitivity_on_the_benchmark_model_at_a_point() {
    let document =
        json(&crux(&["sensitivity", "bench/ref-v1.toml", "--at", "27.04", "-n", "1024", "--format", "json"]));
    assert_eq!(document["at"], 27.0, "the nearest grid point");
    assert_eq!(document["params"].as_object().unwrap().len(), 18);
    let text = crux(&["sensitivity", "bench/ref-v1.toml", "-n", "512"]);
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Sobol indices of net at c = 26"), "{text}");
    assert!(text.contains("misuse_severity"));
}

#[test]
fn voi_json_at_a_point_and_across() {
    let model = fixture("normal-net.toml");
    let document = json(&crux(&["voi", &model, "--at", "0", "-n", "20000", "--format", "json"]));
    assert_eq!(document["at"], 0.0);
    let evpi = document["evpi"].as_f64().unwrap();
    assert!((evpi - 5.0 / (2.0 * std::f64::consts::PI).sqrt()).abs() < 0.1, "EVPI {evpi}");
    for name in ["signal", "noise", "idle"] {
        assert!(document["evppi"][name].is_f64(), "evppi.{name}");
    }
    assert!(document["evppi"]["idle"].as_f64().unwrap() < 0.1);
    let across = json(&crux(&["voi", &model, "--across", "-n", "4000", "--format", "json"]));
    let points = across["points"].as_array().unwrap();
    assert_eq!(points.len(), 21);
    assert_eq!(points[0]["at"], -10.0);
    // Information is worth most where the decision is closest: mu = 0.
    let best = points.iter().max_by(|a, b| a["evpi"].as_f64().unwrap().total_cmp(&b["evpi"].as_f64().unwrap()));
    assert_eq!(best.unwrap()["at"], 0.0);
}

#[test]
fn bad_flags_exit_2_with_a_clear_message() {
    let model = fixture("normal-net.toml");
    fails_with(&crux(&["sensitivity", &model, "--at", "40"]), "off the axis");
    fails_with(&crux(&["sensitivity", &fixture("ishigami.toml"), "--at", "1"]), "has no axis");
    fails_with(&crux(&["sensitivity", &model, "--samples", "1"]), "at least 2 samples");
    fails_with(&crux(&["sensitivity", &model, "--samples", "lots"]), "invalid value");
    fails_with(&crux(&["voi", &model, "--at", "0", "--across"]), "cannot be used with");
    fails_with(&crux(&["voi", &model, "--samples", "10"]), "too few");
    fails_with(&crux(&["voi", "missing.toml"]), "no such file");
    fails_with(&crux(&["plot", &model]), "--out");
    fails_with(&crux(&["sensitivity", &model, "--set", "nothing=1"]), "no param `nothing`");
}

#[test]
fn plot_writes_every_chart_as_svg_and_png() {
    let directory = std::env::temp_dir().join(format!("crux-plot-cli-{}", std::process::id()));
    let output = crux(&["plot", &fixture("normal-net.toml"), "--out", directory.to_str().unwrap(), "-n", "4000"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for stem in ["net", "thresholds", "mechanisms", "sensitivity", "voi"] {
        for extension in ["svg", "png"] {
            let path = directory.join(format!("{stem}.{extension}"));
            let bytes = std::fs::read(&path).unwrap_or_else(|_| panic!("{} exists", path.display()));
            assert!(bytes.len() > 2000, "{} has content", path.display());
        }
    }
    let net = std::fs::read_to_string(directory.join("net.svg")).unwrap();
    assert!(net.contains("mu (mean net)"), "the axis is labelled with its name and label");
    assert!(net.contains("not negative at the end"), "net rises with mu, so it never turns negative");
    // Where E[net] turns negative, the threshold is marked: net = benefit - slope * c
    // with E[benefit] = 5 and E[slope] = 1 crosses zero at c = 5.
    let falling = directory.join("falling");
    let output = crux(&["plot", &fixture("falling-net.toml"), "--out", falling.to_str().unwrap(), "-n", "20000"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let net = std::fs::read_to_string(falling.join("net.svg")).unwrap();
    let marked = net.split("E[net] = 0 at ").nth(1).expect("the threshold is marked");
    let value: f64 = marked[..marked.find('<').unwrap()].trim().parse().unwrap();
    assert!((value - 5.0).abs() < 0.1, "threshold at {value}");
    let thresholds = std::fs::read_to_string(falling.join("thresholds.svg")).unwrap();
    assert!(thresholds.contains("median 5"), "the median per-sample threshold is marked");
    // A model without an axis gets the charts that need no axis.
    let single = directory.join("single");
    let output = crux(&["plot", &fixture("two-cruxes.toml"), "--out", single.to_str().unwrap(), "-n", "2000"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(single.join("sensitivity.png").exists() && single.join("mechanisms.svg").exists());
    assert!(!single.join("net.svg").exists());
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn run_with_plots_writes_the_charts_and_links_them_with_the_policy_curve() {
    let directory = std::env::temp_dir().join(format!("crux-run-plots-{}", std::process::id()));
    let output = crux(&["run", "-n", "4000", "--plots", directory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let page = String::from_utf8(output.stdout).expect("UTF-8");
    let charts = page.split("## Charts").nth(1).expect("a Charts section at the end");
    for stem in ["net", "thresholds", "mechanisms", "sensitivity", "voi", "policy"] {
        let svg = directory.join(format!("{stem}.svg"));
        assert!(charts.contains(&format!("]({})", svg.display())), "{stem} is linked:\n{charts}");
        assert!(std::fs::metadata(directory.join(format!("{stem}.png"))).is_ok_and(|file| file.len() > 2000));
    }
    // The policy curve: expected net of "open below T" against T, with the
    // report's best T marked and the axis labelled with its unit.
    let policy = std::fs::read_to_string(directory.join("policy.svg")).unwrap();
    // "the best rule is "open below c = T"", or, when the best closes every
    // frontier release, "... keeps every one of them closed (T = 23 or ...".
    let best = match page.split("the best rule is \"open below c = ").nth(1) {
        Some(rest) => &rest[..rest.find('"').unwrap()],
        None => {
            let rest = page.split("keeps every one of them closed (T = ").nth(1).expect("the report's best T");
            &rest[..rest.find(' ').unwrap()]
        }
    };
    assert!(policy.contains(&format!("best T = {best}")), "the best T {best} is marked");
    assert!(policy.contains("expected net per frontier release (bp)"), "the y axis has its unit");
    assert!(policy.contains("log10"), "the x axis has its unit");
    assert!(page.contains("**Which crux matters most**"), "the sensitivity is on by default");
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn run_flags_for_charts_and_sensitivity() {
    fails_with(&crux(&["run", "-n", "2000", "--format", "json", "--plots", "charts"]), "needs `--format md`");
    let output = crux(&["run", "-n", "2000", "--no-sensitivity"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let page = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(!page.contains("**Which crux matters most**") && page.contains("_Not computed in this report"));
    let document = json(&crux(&["run", "-n", "2000", "--format", "json"]));
    let sensitivity = &document["sensitivity"];
    assert_eq!(sensitivity["sobol_rows"], 8192);
    let cruxes = sensitivity["cruxes"].as_array().expect("cruxes");
    assert_eq!(cruxes.len(), 5);
    assert!(cruxes.iter().all(|crux| crux["total"].is_number() && crux["value_of_information"].is_number()));
    assert!(sensitivity["largest_share"].is_string());
}

#[test]
fn voi_reports_each_crux_method_and_each_study() {
    let model = fixture("studies.toml");
    let document = json(&crux(&["voi", &model, "-n", "200000", "--format", "json"]));
    assert_eq!(document["method"], "regression");
    assert_eq!(document["evppi_method"]["x"]["method"], "gam");
    let studies = document["studies"].as_array().unwrap();
    assert_eq!(studies.len(), 2);
    let trial = &studies[0];
    assert_eq!(trial["id"], "trial");
    assert_eq!(trial["measures"], "x");
    // The normal-normal closed form: 0.3491; the ceiling is x's EVPPI.
    let evsi = trial["evsi"].as_f64().unwrap();
    assert!((evsi - 0.3491).abs() < 0.02 * 0.3491, "EVSI {evsi}");
    assert!(trial["ceiling"].as_f64().unwrap() > evsi);
    assert_eq!(trial["cost"], 0.1);
    assert!((trial["net_value"].as_f64().unwrap() - (evsi - 0.1)).abs() < 1e-9);
    let nested = json(&crux(&["voi", &model, "-n", "20000", "--method", "nested", "--format", "json"]));
    assert_eq!(nested["method"], "nested");
    assert_eq!(nested["evppi_method"]["y"]["method"], "nested");
    // Without studies, no studies field.
    let plain = json(&crux(&["voi", &fixture("normal-net.toml"), "--at", "0", "-n", "20000", "--format", "json"]));
    assert!(plain.get("studies").is_none());
}

#[test]
fn a_bad_study_exits_2_at_its_place() {
    let dir = std::env::temp_dir().join(format!("crux-study-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "[model]\nid = \"b\"\nunit = \"bp\"\n[params]\nrate = \"beta(2, 8)\"\n[mechanisms.m]\nside = \"benefit\"\n\
         effect = \"rate\"\n[studies.s]\nmeasures = \"rat\"\nnoise_sd = 1\n",
    )
    .unwrap();
    let output = crux(&["voi", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.toml:10:12"), "{stderr}");
    assert!(stderr.contains("did you mean `rate`"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn voi_values_a_decision_among_its_options() {
    let model = fixture("decision.toml");
    let document = json(&crux(&["voi", &model, "--across", "-n", "100000", "--format", "json"]));
    let options: Vec<&str> =
        document["options"].as_array().unwrap().iter().map(|option| option["id"].as_str().unwrap()).collect();
    assert_eq!(options, ["open", "api", "wait", "nothing"]);
    assert_eq!(document["options"][1]["title"], "API access only");
    let points = document["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    for point in points {
        let c = point["at"].as_f64().unwrap();
        let expected = &point["decision"]["expected_value"];
        let open = expected["open"].as_f64().unwrap();
        let api = expected["api"].as_f64().unwrap();
        // E[open] = 0.4 - 0.2 c, E[api] = 0.32 - 0.06 c (the fixture's comment).
        assert!((open - (0.4 - 0.2 * c)).abs() < 0.01, "E[open] {open} at c = {c}");
        assert!((api - (0.32 - 0.06 * c)).abs() < 0.01, "E[api] {api} at c = {c}");
        assert_eq!(expected["nothing"], 0.0);
        assert_eq!(point["decision"]["best"], if c == 0.0 { "open" } else { "api" });
        let evpi = point["evpi"].as_f64().unwrap();
        assert!(evpi > 0.1);
        for crux in ["x", "y"] {
            assert!(point["evppi"][crux].as_f64().unwrap() <= evpi + 0.01);
        }
    }
    let text = crux(&["voi", &model, "--at", "1", "-n", "20000"]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("among 4 options (open, api, wait, nothing)"), "{text}");
    assert!(text.contains("so the decision now is API access only"), "{text}");
    // The nested design values only release or not.
    let nested = crux(&["voi", &model, "--method", "nested", "-n", "20000"]);
    assert!(!nested.status.success());
    assert!(String::from_utf8_lossy(&nested.stderr).contains("nested design"));
    // Without a decision, no decision fields.
    let plain = json(&crux(&["voi", &fixture("normal-net.toml"), "--at", "0", "-n", "20000", "--format", "json"]));
    assert!(plain.get("decision").is_none() && plain.get("options").is_none());
}

#[test]
fn a_bad_decision_exits_2_at_its_place() {
    let dir = std::env::temp_dir().join(format!("crux-decision-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "[model]\nid = \"b\"\nunit = \"bp\"\n[params]\nrate = \"beta(2, 8)\"\n[mechanisms.m]\nside = \"benefit\"\n\
         effect = \"rate\"\n[decision.options.a]\nvalue = \"0.5 * rat\"\n[decision.options.b]\nvalue = \"0\"\n",
    )
    .unwrap();
    let output = crux(&["voi", path.to_str().unwrap()]);
    fails_with(&output, "bad.toml:10:16");
    assert!(String::from_utf8_lossy(&output.stderr).contains("did you mean `rate`"));
    let output = crux(&["check", path.to_str().unwrap()]);
    fails_with(&output, "unknown name `rat`");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn voi_on_the_built_in_model_says_its_point_is_not_the_next_release() {
    // `crux voi` values a release at one grid point in every sample; the
    // report's "next release" is each sample's own. The text says which.
    let output = crux(&["voi", "-n", "4000"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("so the decision now is"), "{text}");
    assert!(text.contains("in every sample; the report's \"next release\" puts each sample's"), "{text}");
    // A model without a "now" (ref-v1 has no [context]) says nothing of it.
    let plain = String::from_utf8(crux(&["voi", "bench/ref-v1.toml", "-n", "4000"]).stdout).unwrap();
    assert!(plain.contains("so the decision now is") && !plain.contains("next release"), "{plain}");
}
