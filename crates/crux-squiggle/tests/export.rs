//! The Squiggle export: what the code says (names, rewrites, draws defined
//! once), that docs/squiggle.md shows exactly what the command writes, and,
//! where Node.js and Squiggle 0.10 are installed (`npm ci --prefix
//! tests/squiggle`), that Squiggle runs the code and gets Crux's numbers.

use crux_engine::{Engine, RunOptions};
use crux_lang::{Sources, hir};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

fn load(path: &Path) -> hir::Model {
    let mut sources = Sources::new();
    let text = std::fs::read_to_string(path).expect("the model file");
    let file = sources.add(path.display().to_string(), text);
    crux_lang::load(&mut sources, file).expect("the model loads")
}

fn features() -> hir::Model {
    load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/features.toml"))
}

#[test]
fn names_rewrites_and_draws() {
    let export = crux_squiggle::export(&features());
    let code = &export.code;
    for expected in [
        "//   Scale -> scale\n",
        "//   mean -> mean_2\n",
        "scale = normal(2, 0.5)\n",
        "share_mean = beta(3.2, 4.8)\n",
        "peaked = 0 + 10 * beta(1.8, 4.2)\n",
        "interval_normal = normal({p10: 1, p90: 3})\n",
        "interval_log = lognormal({p25: 2, p75: 4})\n",
        "ranged = 1 to 5\n",
        "scaled = SampleSet.map(scale, {|scale| sample(normal(scale, 0.1))})\n",
        "picked = SampleSet.map3(coin, 10 to 20, 1 to 2, {|coin, draw, draw_2| if coin != 0 then draw else draw_2})\n",
        "net_share = min(max(share * 2, 0.1), 0.9)\n",
        "growth(x) = 1 / (1 + exp(-((x - scale) / spread)))\n",
        // A draw inside a function of the axis is defined once, as Crux draws it once per sample.
        "noise_draw = normal(0, 1)\nnoise(x) = x * noise_draw\n",
        // Squiggle's prefix minus binds tighter than `^`.
        "powered(x) = -(ranged ^ 2) / 10 + 2 ^ (-x)\n",
        "gate(x) = SampleSet.map2(coin, share, {|coin, share| if x > 1 && !(coin == 1) || share >= 0.5 then 1 else 0})\n",
        "net(x) = upside_effect(x) + steady_effect(x) - (downside_effect(x) + scatter_effect(x))\n",
        "grid = List.map(List.upTo(0, 4), {|i| 0 + i * 0.5})\n",
        "//   pert(a, m, b) (which Squiggle 0.10 lacks)",
        "//   logistic(x) (which Squiggle 0.10 lacks)",
        "//   clamp(x, low, high) (which Squiggle 0.10 lacks)",
    ] {
        assert!(code.contains(expected), "missing {expected:?} in:\n{code}");
    }
    assert!(export.warnings.is_empty(), "{:?}", export.warnings);
}

#[test]
fn a_draw_that_depends_on_the_axis_is_a_warning() {
    let mut sources = Sources::new();
    let text = "[model]\nid = \"m\"\n[axis]\nname = \"c\"\nfrom = 0.0\nto = 1.0\nstep = 0.5\n[derived]\nd = \"normal(c, 1)\"\n[mechanisms.m]\nside = \"risk\"\neffect = \"d\"\n";
    let file = sources.add("m.toml", text);
    let model = crux_lang::load(&mut sources, file).expect("loads");
    let export = crux_squiggle::export(&model);
    assert!(export.code.contains("d(c) = normal(c, 1)\n"), "{}", export.code);
    assert_eq!(export.warnings.len(), 1);
    assert!(export.warnings[0].message.contains("`d` draws a distribution whose parameters depend on the axis"));
}

#[test]
fn the_docs_show_the_export_of_ref_v1() {
    let docs = std::fs::read_to_string(repo("docs/squiggle.md")).expect("docs/squiggle.md");
    let start = docs.find("```squiggle\n").expect("a squiggle code block") + "```squiggle\n".len();
    let end = start + docs[start..].find("\n```").expect("the end of the block");
    let export = crux_squiggle::export(&load(&repo("bench/ref-v1.toml")));
    assert_eq!(
        &docs[start..end],
        export.code.trim_end(),
        "regenerate the block with `crux export --squiggle bench/ref-v1.toml`"
    );
}

/// Runs exported code in Squiggle 0.10 and returns its rows, or why it
/// cannot (Node.js or the Squiggle package is missing).
fn run_in_squiggle(code: &str, samples: usize) -> Result<Vec<serde_json::Value>, &'static str> {
    let runner = repo("tests/squiggle");
    if Command::new("node").arg("--version").output().is_err() {
        return Err("skipped: Node.js is not installed, so Squiggle cannot run the exported code");
    }
    if !runner.join("node_modules/@quri/squiggle-lang").is_dir() {
        return Err("skipped: @quri/squiggle-lang is not installed; run `npm ci --prefix tests/squiggle`");
    }
    // Tests run in parallel: each run gets a file of its own.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = std::env::temp_dir().join(format!("crux-squiggle-{}-{run}.squiggle", std::process::id()));
    std::fs::write(&file, code).expect("a temporary file");
    let output = Command::new("node")
        .arg(runner.join("run.mjs"))
        .arg(&file)
        .arg(samples.to_string())
        .output()
        .expect("node runs");
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "Squiggle rejected the code:\n{}\n{code}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(serde_json::from_slice(&output.stdout).expect("rows as JSON"))
}

fn field(row: &serde_json::Value, name: &str) -> f64 {
    row[name].as_f64().unwrap_or_else(|| panic!("`{name}` in {row}"))
}

#[test]
fn squiggle_runs_every_feature_and_agrees_with_crux() {
    let model = features();
    let export = crux_squiggle::export(&model);
    let rows = match run_in_squiggle(&export.code, 10_000) {
        Ok(rows) => rows,
        Err(reason) => {
            println!("{reason}");
            return;
        }
    };
    let crux = Engine::new(&model).expect("compiles").run(&RunOptions::new(200_000, 7)).expect("runs");
    assert_eq!(rows.len(), crux.points.len());
    for (row, (point, summary)) in rows.iter().zip(crux.points.iter().zip(&crux.net)) {
        assert!((field(row, "x") - point).abs() < 1e-12);
        // Monte Carlo error of Squiggle's mean at 10,000 samples: sd / 100; allow 5 of them.
        let tolerance = 5.0 * summary.sd / (10_000f64).sqrt();
        let mean = field(row, "mean");
        assert!((mean - summary.mean).abs() < tolerance, "x = {point}: Squiggle {mean}, Crux {}", summary.mean);
        let positive = field(row, "p_positive");
        assert!(
            (positive - summary.p_positive).abs() < 0.02,
            "x = {point}: P(net > 0) {positive} vs {}",
            summary.p_positive
        );
    }
}

#[test]
fn squiggle_reproduces_the_reference_results_of_ref_v1() {
    let export = crux_squiggle::export(&load(&repo("bench/ref-v1.toml")));
    let rows = match run_in_squiggle(&export.code, 10_000) {
        Ok(rows) => rows,
        Err(reason) => {
            println!("{reason}");
            return;
        }
    };
    // bench/README.md: numpy with 10^7 samples.
    let reference: [(f64, f64, f64); 5] =
        [(23.0, 0.901, 0.943), (25.0, 2.86, 0.828), (26.0, 1.13, 0.716), (27.0, -5.57, 0.587), (29.0, -18.5, 0.447)];
    for (c, mean, positive) in reference {
        let row = rows.iter().find(|row| (field(row, "c") - c).abs() < 1e-9).expect("the grid point");
        // The sd of net reaches about 45 at c = 29: 5 standard errors at 10,000 samples is about 2.3.
        let tolerance = 0.05 * mean.abs() + 2.5;
        assert!((field(row, "mean") - mean).abs() < tolerance, "c = {c}: mean {} vs {mean}", field(row, "mean"));
        assert!(
            (field(row, "p_positive") - positive).abs() < 0.025,
            "c = {c}: P {} vs {positive}",
            field(row, "p_positive")
        );
    }
}

#[test]
fn correlations_squiggle_cannot_express_are_named_as_dropped() {
    let text = "[model]\nid = \"pair\"\n\n[params]\na = { value = \"normal(0, 1)\", crux = \"g\" }\n\
                b = { value = \"1 to 5\", crux = \"g\" }\nc = { value = \"uniform(0, 1)\", crux = \"g\" }\n\n\
                [[correlations]]\nparams = [\"a\", \"b\"]\nrank = 0.6\n\n\
                [[correlations]]\nparams = [\"a\", \"c\"]\nrank = 0\n\n\
                [mechanisms.sum]\nside = \"benefit\"\neffect = \"a + b + c\"\n";
    let mut sources = Sources::new();
    let file = sources.add("pair.toml", text);
    let model = crux_lang::load(&mut sources, file).expect("the model loads");
    let export = crux_squiggle::export(&model);
    let header: String = export.code.lines().take_while(|line| line.starts_with("//")).collect::<Vec<_>>().join("\n");
    assert!(header.contains("Squiggle 0.10 cannot correlate"), "{header}");
    assert!(header.contains("//   a ~ b (rank 0.6)"), "{header}");
    // A rank of 0 changes nothing, so nothing is dropped.
    assert!(!header.contains("a ~ c"), "{header}");
    assert!(
        export.warnings.iter().any(|warning| warning.message.contains("`a` ~ `b` (rank 0.6)")),
        "{:?}",
        export.warnings
    );
    // Without correlations, the header says nothing of them.
    assert!(!crux_squiggle::export(&features()).code.contains("cannot correlate"));
}

#[test]
fn a_decision_and_studies_are_named_as_not_exported() {
    let load = |name: &str| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crux-analysis/tests/fixtures").join(name);
        let mut sources = Sources::new();
        let file = sources.add(name, std::fs::read_to_string(path).expect("the fixture"));
        crux_lang::load(&mut sources, file).expect("the model loads")
    };
    let messages = |model: &crux_lang::hir::Model| -> Vec<String> {
        crux_squiggle::export(model).warnings.iter().map(|warning| warning.message.clone()).collect()
    };
    let decision = messages(&load("decision.toml"));
    assert!(decision.iter().any(|message| message.starts_with("the model's decision (")), "{decision:?}");
    let studies = messages(&load("studies.toml"));
    assert!(studies.iter().any(|message| message.contains("studies (`trial`")), "{studies:?}");
    // A model with neither gets neither warning.
    let plain = messages(&features());
    assert!(plain.iter().all(|message| !message.contains("decision") && !message.contains("studies")), "{plain:?}");
}
