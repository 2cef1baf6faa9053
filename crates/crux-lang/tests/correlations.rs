//! `[[correlations]]` in models and profiles: what is accepted, what is
//! refused and where the error points.

use crux_lang::profile::parse_profile;
use crux_lang::{Diagnostics, Sources, hir};

const PARAMS: &str = "[model]\nid = \"m\"\n\n[params]\n\
    a = { value = \"normal(0, 1)\", crux = \"g\" }\n\
    b = { value = \"1 to 10\", crux = \"g\" }\n\
    c = { value = \"beta(2, 3)\", crux = \"g\" }\n\
    d = { value = \"uniform(0, 1)\", crux = \"h\" }\n\
    e = { value = \"normal(a, 1)\", crux = \"g\" }\n\
    f = { value = \"if d > 0.5 then 1 to 2 else 3 to 4\", crux = \"g\" }\n\
    t = { value = \"truncate(pert(0, 1, 5), 0.5, 4)\", crux = \"g\" }\n\
    loose = \"normal(0, 1)\"\n\n\
    [derived]\nsum = \"a + b\"\n\n";

const TAIL: &str = "\n[mechanisms.m]\nside = \"benefit\"\neffect = \"a + b + c + d + e + f + t + loose\"\n";

fn entry(a: &str, b: &str, rank: &str) -> String {
    format!("[[correlations]]\nparams = [\"{a}\", \"{b}\"]\nrank = {rank}\n\n")
}

fn load(entries: &str) -> (Sources, Result<hir::Model, Diagnostics>) {
    let mut sources = Sources::new();
    let file = sources.add("m.toml", format!("{PARAMS}{entries}{TAIL}"));
    let result = crux_lang::load(&mut sources, file);
    (sources, result)
}

/// The one error of a model that must fail, with its location.
fn error(entries: &str) -> (String, String, Vec<String>) {
    let (sources, result) = load(entries);
    let errors = result.expect_err("the model is refused");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    let span = error.span.expect("the error has a place");
    (error.message.clone(), sources.location(span), error.help.clone())
}

/// The line of the `n`-th line of the entries (1-based), in the model file.
fn line(n: usize) -> usize {
    PARAMS.lines().count() + n
}

#[test]
fn a_valid_set_builds_one_group_per_crux() {
    let (_, result) = load(&(entry("a", "b", "0.5") + &entry("c", "a", "-0.3") + &entry("t", "b", "0")));
    let model = result.expect("valid");
    assert_eq!(model.correlations.len(), 1, "one crux with correlations");
    let group = &model.correlations[0];
    assert_eq!(group.crux, "g");
    // The rank-0 entry leaves `t` out; members in file order.
    assert_eq!(group.params, vec![0, 1, 2]);
    let rho = crux_lang::correlation::spearman_to_pearson(0.5);
    assert!((group.pearson[1] - rho).abs() < 1e-15);
    assert!((group.pearson[2] - crux_lang::correlation::spearman_to_pearson(-0.3)).abs() < 1e-15);
    assert_eq!(group.pearson[5], 0.0, "b ~ c is not set");
    // L L^T is the matrix.
    let (k, l) = (3, &group.cholesky);
    for i in 0..k {
        for j in 0..k {
            let product: f64 = (0..k).map(|m| l[i * k + m] * l[j * k + m]).sum();
            assert!((product - group.pearson[i * k + j]).abs() < 1e-12);
        }
    }
}

#[test]
fn each_refused_entry_is_an_error_at_its_place() {
    let (message, location, _) = error(&entry("a", "b", "1.5"));
    assert!(message.contains("between -1 and 1"), "{message}");
    assert_eq!(location, format!("m.toml:{}:8", line(3)));

    let (message, location, help) = error(&entry("a", "bb", "0.5"));
    assert_eq!(message, "the model has no param `bb`");
    assert_eq!(location, format!("m.toml:{}:16", line(2)));
    assert_eq!(help, vec!["did you mean `b`?".to_string()]);

    let (_, _, help) = error(&entry("a", "sum", "0.5"));
    assert!(help[0].contains("`sum` is a derived value"), "{help:?}");

    let (message, location, help) = error(&(entry("a", "b", "0.5") + &entry("b", "a", "0.3")));
    assert_eq!(message, "`b` and `a` are correlated twice");
    assert_eq!(location, format!("m.toml:{}:10", line(6)));
    assert!(help[0].contains(&format!("listed first at m.toml:{}:10", line(2))), "{help:?}");

    let (message, _, _) = error(&entry("a", "a", "0.5"));
    assert_eq!(message, "`a` is correlated with itself");

    let (message, location, _) = error(&entry("a", "d", "0.5"));
    assert!(message.contains("`a` is in the crux `g` and `d` is in the crux `h`"), "{message}");
    assert_eq!(location, format!("m.toml:{}:10", line(2)));
    let (message, _, _) = error(&entry("a", "loose", "0.5"));
    assert!(message.contains("`loose` is in no crux"), "{message}");

    let (message, _, help) = error(&entry("a", "e", "0.5"));
    assert!(message.contains("`e` cannot be correlated") && message.contains("depend on `a`"), "{message}");
    assert!(help[0].contains("normal, lognormal"), "{help:?}");
    let (message, _, _) = error(&entry("f", "a", "0.5"));
    assert!(message.contains("`f` cannot be correlated: it is a formula"), "{message}");

    let (message, _, _) = error("[[correlations]]\nparams = [\"a\", \"b\", \"c\"]\nrank = 0.5\n\n");
    assert!(message.contains("names two params, but this one names 3"), "{message}");
}

#[test]
fn an_impossible_matrix_names_the_entries_that_make_it() {
    let entries = entry("a", "b", "0.9") + &entry("a", "c", "0.9") + &entry("t", "a", "0.2") + &entry("b", "c", "-0.9");
    let (message, location, help) = error(&entries);
    assert!(message.contains("`a`, `b`, `c` (crux `g`) are impossible together"), "{message}");
    // At the entry that completes the set: the fourth.
    assert_eq!(location, format!("m.toml:{}:10", line(14)));
    let named: Vec<&String> = help.iter().filter(|line| line.contains(" ~ ")).collect();
    assert_eq!(named.len(), 3, "a ~ b, a ~ c and b ~ c, not t ~ a: {help:?}");
    assert!(!help.iter().any(|line| line.contains("`t`")), "{help:?}");
    // Without b ~ c, a ~ b and a ~ c at 0.6 are possible, but not at 0.9
    // (b and c, both close to a, must then be correlated too).
    assert!(load(&(entry("a", "b", "0.6") + &entry("a", "c", "0.6"))).1.is_ok());
    assert!(load(&(entry("a", "b", "0.9") + &entry("a", "c", "0.9"))).1.is_err());
    // A perfect correlation is possible.
    assert!(load(&entry("a", "b", "1")).1.is_ok());
}

#[test]
fn a_profile_replaces_adds_and_is_checked_like_the_model() {
    let mut sources = Sources::new();
    let model_file = sources.add("m.toml", format!("{PARAMS}{}{TAIL}", entry("a", "b", "0.5")));
    let profile_text = format!("[profile]\nname = \"p\"\n\n{}{}", entry("b", "a", "-0.2"), entry("c", "t", "0.4"));
    let profile_file = sources.add("p.toml", profile_text);
    let profile = parse_profile(&mut sources, profile_file).expect("profile parses");
    let mut parsed = crux_lang::model::parse_model(&mut sources, model_file).expect("model parses");
    profile.apply(&mut parsed).expect("applies");
    assert_eq!(parsed.correlations.len(), 2, "b ~ a replaced a ~ b; c ~ t added");
    assert_eq!(parsed.correlations[0].rank, -0.2);
    let model = crux_lang::resolve::resolve(parsed).expect("valid");
    assert_eq!(model.correlations[0].params, vec![0, 1, 2, 6]);

    // An impossible profile is refused, at the profile's entry.
    let bad = format!("[profile]\nname = \"p\"\n\n{}{}", entry("a", "c", "0.9"), entry("b", "c", "-0.9"));
    let model_text = format!("{PARAMS}{}{TAIL}", entry("a", "b", "0.9"));
    let mut sources = Sources::new();
    let model_file = sources.add("m.toml", model_text);
    let profile_file = sources.add("bad.toml", bad);
    let profile = parse_profile(&mut sources, profile_file).expect("profile parses");
    let mut parsed = crux_lang::model::parse_model(&mut sources, model_file).expect("model parses");
    profile.apply(&mut parsed).expect("names are checked on resolve");
    let errors = crux_lang::resolve::resolve(parsed).expect_err("impossible");
    let location = sources.location(errors[0].span.expect("placed"));
    assert_eq!(location, "bad.toml:9:10", "{errors:?}");

    // A profile listing a pair twice is refused when it is read.
    let twice = format!("[profile]\nname = \"p\"\n\n{}{}", entry("a", "c", "0.1"), entry("c", "a", "0.2"));
    let file = sources.add("twice.toml", twice);
    let errors = parse_profile(&mut sources, file).expect_err("refused");
    assert!(errors[0].message.contains("correlated twice"), "{errors:?}");
}

#[test]
fn the_built_in_model_gives_a_reason_for_each_correlation() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/open-source-safety.toml");
    let mut sources = Sources::new();
    let file = sources.add("open-source-safety.toml", std::fs::read_to_string(path).expect("the built-in model"));
    let model = crux_lang::load(&mut sources, file).expect("the built-in model loads");
    assert!(!model.file.correlations.is_empty());
    for entry in &model.file.correlations {
        let reason = entry.reason.as_deref().unwrap_or_default();
        assert!(reason.starts_with("judgement: ") || reason.contains("[@"), "{}: {reason:?}", entry.describe());
    }
}
