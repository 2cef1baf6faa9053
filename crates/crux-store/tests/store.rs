//! The store: validation before storing, round trips, migrations, export,
//! and clear errors when the database cannot be written.

use crux_lang::Sources;
use crux_store::{MIGRATIONS, ModelSource, Store, ValidatedProfile};

fn validate(model: &ModelSource, name: &str, text: &str) -> Result<ValidatedProfile, crux_lang::Diagnostics> {
    crux_store::validate(&mut Sources::new(), model, name, text)
}

fn model() -> ModelSource {
    let text = "[model]\nid = \"tiny\"\n\n[params]\nrisk = \"1 to 10\"\nbenefit = \"normal(5, 1)\"\n\n\
                [mechanisms.gain]\nside = \"benefit\"\neffect = \"benefit\"\n\n\
                [mechanisms.harm]\nside = \"risk\"\neffect = \"risk\"\n";
    ModelSource { name: "tiny.toml".to_string(), text: text.to_string() }
}

const GOOD: &str = "[profile]\nname = \"Optimist\"\nauthor = \"A\"\n\n[params]\nrisk = \"0.5 to 2\"\n";

#[test]
fn a_valid_profile_is_stored_and_read_back() {
    let mut store = Store::open_in_memory().unwrap();
    let profile = validate(&model(), "optimist.toml", GOOD).expect("valid");
    let id = store.add("respondent 1", &profile).unwrap();
    let stored = store.list(None).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, id);
    assert_eq!(stored[0].respondent, "respondent 1");
    assert_eq!(stored[0].name, "Optimist");
    assert_eq!(stored[0].model_id, "tiny");
    assert_eq!(stored[0].model_hash, model().hash());
    assert_eq!(stored[0].profile_toml, GOOD);
    assert!(stored[0].created_at.ends_with('Z'));
    assert_eq!(store.list(Some("other")).unwrap().len(), 0);
}

#[test]
fn invalid_profiles_are_refused_with_the_reason() {
    let cases = [
        ("[profile]\nname = \"X\"\n[params]\nrsk = \"1 to 2\"\n", "did you mean `risk`?"),
        ("[profile]\nname = \"X\"\n[params]\nrisk = \"5 to 1\"\n", "low end below the high end"),
        ("[profile]\nname = \"X\"\n[params]\nrisk = \"1 +\"\n", "expected a value"),
        ("[profile]\n[params]\n", "missing field `name`"),
        ("[profile]\nname = \"X\"\nmodel = \"another\"\n", "for the model `another`"),
        ("not toml at all [", ""),
    ];
    for (text, expected) in cases {
        let error = validate(&model(), "bad.toml", text).expect_err(text);
        let messages: Vec<String> = error.iter().map(|d| format!("{} {}", d.message, d.help.join(" "))).collect();
        assert!(messages.join("\n").contains(expected), "{text}: {messages:?}");
        assert!(error.iter().all(|d| d.span.is_some()), "{text}: every reason has a place");
    }
}

#[test]
fn reopening_keeps_profiles_and_the_schema_version() {
    let directory = tempdir("reopen");
    let path = directory.join("crux.db");
    {
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
        store.add("a", &validate(&model(), "p.toml", GOOD).unwrap()).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
    assert_eq!(store.count().unwrap(), 1);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn export_writes_one_file_per_profile() {
    let directory = tempdir("export");
    let mut store = Store::open(&directory.join("crux.db")).unwrap();
    store.add("a", &validate(&model(), "p.toml", GOOD).unwrap()).unwrap();
    store.add("b", &validate(&model(), "p.toml", &GOOD.replace("Optimist", "Second view")).unwrap()).unwrap();
    let written = store.export(&directory.join("out")).unwrap();
    let names: Vec<String> = written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["1-optimist.toml", "2-second-view.toml"]);
    let text = std::fs::read_to_string(&written[1]).unwrap();
    assert!(text.contains("name = \"Second view\""));
    assert!(validate(&model(), "exported.toml", &text).is_ok(), "an exported profile validates again");
}

#[test]
fn a_read_only_or_full_database_gives_a_clear_error() {
    let directory = tempdir("faults");
    let path = directory.join("crux.db");
    let mut store = Store::open(&path).unwrap();
    let profile = validate(&model(), "p.toml", GOOD).unwrap();
    store.add("a", &profile).unwrap();

    let mut read_only =
        Store::open_with(&path, |connection| connection.pragma_update(None, "query_only", true)).unwrap();
    let error = read_only.add("b", &profile).expect_err("read-only");
    assert!(error.message.contains("readonly") || error.message.contains("read-only"), "{}", error.message);

    let page_count: i64 = store.page_count().unwrap();
    let mut full =
        Store::open_with(&path, |connection| connection.pragma_update(None, "max_page_count", page_count)).unwrap();
    let big = GOOD.replace("Optimist", &"x".repeat(200_000));
    let error = full.add("c", &validate(&model(), "big.toml", &big).unwrap()).expect_err("disk full");
    assert!(error.message.contains("full"), "{}", error.message);
    drop(full);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.count().unwrap(), 1, "the failed writes left nothing behind");
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let directory = std::env::temp_dir().join(format!("crux-store-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

mod properties {
    use super::*;
    use crux_engine::{Engine, RunOptions};
    use crux_lang::model::parse_model;
    use crux_lang::profile::parse_profile;
    use crux_lang::resolve::resolve;
    use proptest::prelude::*;

    fn expression() -> impl Strategy<Value = String> {
        prop_oneof![
            (0.001f64..100.0, 1.001f64..100.0).prop_map(|(low, ratio)| format!("{low} to {}", low * ratio)),
            (-10f64..10.0, 0.01f64..5.0).prop_map(|(mean, sd)| format!("normal({mean}, {sd})")),
            (0.1f64..10.0, 0.1f64..10.0).prop_map(|(a, b)| format!("beta({a}, {b})")),
            (-10f64..10.0).prop_map(|x| format!("pointmass({x})")),
            prop::sample::select(vec!["benefit * 2".to_string(), "max(benefit, 1)".to_string()]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// A profile that validates always applies and runs.
        #[test]
        fn a_profile_that_validates_always_applies(risk in prop::option::of(expression()), name in "[A-Za-z ]{1,20}") {
            let mut text = format!("[profile]\nname = \"{name}\"\n\n[params]\n");
            if let Some(risk) = &risk {
                text.push_str(&format!("risk = \"{risk}\"\n"));
            }
            let Ok(validated) = validate(&model(), "generated.toml", &text) else {
                return Ok(());
            };
            let mut sources = Sources::new();
            let model_file = sources.add("tiny.toml", model().text);
            let profile_file = sources.add("generated.toml", validated.text.as_str());
            let mut parsed = parse_model(&mut sources, model_file).unwrap();
            parse_profile(&mut sources, profile_file).unwrap().apply(&mut parsed).unwrap();
            let engine = Engine::new(&resolve(parsed).unwrap()).unwrap();
            prop_assert!(engine.run(&RunOptions::new(500, 1)).is_ok());
        }
    }
}
