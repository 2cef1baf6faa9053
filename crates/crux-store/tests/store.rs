//! The store: validation before storing, round trips, migrations, export,
//! and clear errors when the database cannot be written; then the suite of
//! managing a store (edit, delete, pages, quotas, idempotency, read-only,
//! two handles on one database), run on SQLite and on a real PostgreSQL.

mod support;

use crux_lang::Sources;
use crux_store::{ErrorKind, Inserted, Location, MIGRATIONS, ModelSource, NewProfile, Quotas, Store, ValidatedProfile};

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
    let mut store = Store::open(&path).unwrap();
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
    assert!(read_only.read_only(), "a read-only store is detected when it is opened");
    let error = read_only.add("b", &profile).expect_err("read-only");
    assert_eq!(error.kind, ErrorKind::ReadOnly);
    assert!(!error.public_message().contains(&*directory.to_string_lossy()), "{}", error.public_message());
    assert!(error.message.contains("readonly") || error.message.contains("read-only"), "{}", error.message);

    let page_count: i64 = store.page_count().unwrap();
    let mut full =
        Store::open_with(&path, |connection| connection.pragma_update(None, "max_page_count", page_count)).unwrap();
    let big = GOOD.replace("Optimist", &"x".repeat(200_000));
    let error = full.add("c", &validate(&model(), "big.toml", &big).unwrap()).expect_err("disk full");
    assert!(error.message.contains("full"), "{}", error.message);
    drop(full);
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.count().unwrap(), 1, "the failed writes left nothing behind");
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn a_file_opened_read_only_is_detected_and_still_read() {
    let directory = tempdir("mode-ro");
    let path = directory.join("crux.db");
    Store::open(&path).unwrap().add("a", &validate(&model(), "p.toml", GOOD).unwrap()).unwrap();
    let mut store = Store::open(std::path::Path::new(&format!("file:{}?mode=ro", path.display()))).unwrap();
    assert!(store.read_only());
    assert_eq!(store.list(None).unwrap().len(), 1);
    let error = store.delete(1, None).expect_err("read-only");
    assert_eq!(error.kind, ErrorKind::ReadOnly);
    assert!(Store::open(&path).unwrap().get(1).unwrap().is_some(), "nothing was deleted");
}

/// The store suite: each case gets a fresh, empty database and opens it
/// (once or more) through its location.
mod suite {
    use super::*;

    pub type Case = fn(&dyn Fn() -> Store, &Location);

    pub const CASES: &[(&str, Case)] = &[
        ("round_trip", round_trip),
        ("edit_and_delete_by_the_author", edit_and_delete_by_the_author),
        ("profiles_without_an_author_are_anyones", profiles_without_an_author_are_anyones),
        ("pages", pages),
        ("quotas", quotas),
        ("idempotency", idempotency),
        ("two_handles_see_each_others_writes", two_handles_see_each_others_writes),
        ("schema_and_integrity", schema_and_integrity),
    ];

    fn stored(store: &mut Store, respondent: &str, author: Option<&str>, name: &str) -> Result<i64, ErrorKind> {
        let text = GOOD.replace("Optimist", name);
        let profile = validate(&model(), "p.toml", &text).unwrap();
        let new = NewProfile { respondent, author, profile: &profile, idempotency: None };
        store.insert(&new, &Quotas::default()).map(Inserted::id).map_err(|error| error.kind)
    }

    fn round_trip(open: &dyn Fn() -> Store, _: &Location) {
        let mut store = open();
        assert!(!store.read_only());
        let id = stored(&mut store, "respondent 1", Some("alice"), "Optimist").unwrap();
        let all = store.list(None).unwrap();
        assert_eq!(all.len(), 1);
        let profile = &all[0];
        assert_eq!(
            (profile.id, profile.respondent.as_str(), profile.author.as_deref()),
            (id, "respondent 1", Some("alice"))
        );
        assert_eq!((profile.name.as_str(), profile.model_id.as_str()), ("Optimist", "tiny"));
        assert_eq!(profile.model_hash, model().hash());
        assert_eq!(profile.profile_toml, GOOD);
        assert!(profile.created_at.ends_with('Z') && profile.created_at.len() >= 20, "{}", profile.created_at);
        assert_eq!(profile.updated_at, None);
        assert_eq!(store.get(id).unwrap().as_ref(), Some(profile));
        assert_eq!(store.get(id + 100).unwrap(), None);
        assert_eq!(store.list(Some("other")).unwrap().len(), 0);
        assert_eq!(store.count_of(Some("tiny")).unwrap(), 1);
        assert_eq!(store.count_of(Some("other")).unwrap(), 0);
    }

    fn edit_and_delete_by_the_author(open: &dyn Fn() -> Store, _: &Location) {
        let mut store = open();
        let id = stored(&mut store, "Alice", Some("alice"), "Optimist").unwrap();
        let edited =
            validate(&model(), "p.toml", &GOOD.replace("0.5 to 2", "1 to 3").replace("Optimist", "Edited")).unwrap();
        let error = store.update(id, Some("bob"), "Bob", &edited).expect_err("bob is not the author");
        assert_eq!(error.kind, ErrorKind::NotAuthor);
        assert!(error.message.contains("alice"), "{}", error.message);
        let error = store.update(id, None, "Nobody", &edited).expect_err("an unknown writer is not the author");
        assert_eq!(error.kind, ErrorKind::NotAuthor);
        assert_eq!(store.get(id).unwrap().unwrap().name, "Optimist", "refused edits changed nothing");
        store.update(id, Some("alice"), "Alice again", &edited).unwrap();
        let profile = store.get(id).unwrap().unwrap();
        assert_eq!((profile.name.as_str(), profile.respondent.as_str()), ("Edited", "Alice again"));
        assert!(profile.profile_toml.contains("1 to 3"));
        assert_eq!(profile.author.as_deref(), Some("alice"), "the author stays");
        assert!(profile.updated_at.is_some());
        assert_eq!(store.delete(id, Some("bob")).expect_err("bob").kind, ErrorKind::NotAuthor);
        assert!(store.get(id).unwrap().is_some());
        store.delete(id, Some("alice")).unwrap();
        assert_eq!(store.get(id).unwrap(), None);
        assert_eq!(store.delete(id, Some("alice")).expect_err("gone").kind, ErrorKind::NotFound);
        assert_eq!(store.update(id, Some("alice"), "A", &edited).expect_err("gone").kind, ErrorKind::NotFound);
        assert_eq!(store.count().unwrap(), 0);
    }

    fn profiles_without_an_author_are_anyones(open: &dyn Fn() -> Store, _: &Location) {
        let mut store = open();
        let first = stored(&mut store, "Someone", None, "First").unwrap();
        let second = stored(&mut store, "Someone", None, "Second").unwrap();
        let edited = validate(&model(), "p.toml", &GOOD.replace("Optimist", "Renamed")).unwrap();
        store.update(first, None, "Someone", &edited).unwrap();
        store.delete(second, Some("carol")).unwrap();
        let names: Vec<String> = store.list(None).unwrap().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["Renamed"]);
    }

    fn pages(open: &dyn Fn() -> Store, _: &Location) {
        let mut store = open();
        let ids: Vec<i64> = (0..7).map(|n| stored(&mut store, "r", None, &format!("P{n}")).unwrap()).collect();
        let ids_of = |page: Vec<crux_store::StoredProfile>| page.into_iter().map(|p| p.id).collect::<Vec<_>>();
        assert_eq!(ids_of(store.page(None, None, Some(3)).unwrap()), ids[..3]);
        assert_eq!(ids_of(store.page(None, Some(ids[2]), Some(3)).unwrap()), ids[3..6]);
        assert_eq!(ids_of(store.page(Some("tiny"), Some(ids[5]), Some(3)).unwrap()), ids[6..]);
        assert!(store.page(None, Some(ids[6]), Some(3)).unwrap().is_empty());
        assert!(store.page(Some("other"), None, Some(3)).unwrap().is_empty());
        assert_eq!(ids_of(store.newest(Some("tiny"), 2).unwrap()), ids[5..]);
        assert_eq!(ids_of(store.newest(None, 100).unwrap()), ids);
        assert_eq!(store.count().unwrap(), 7);
    }

    fn quotas(open: &dyn Fn() -> Store, _: &Location) {
        let mut store = open();
        let quotas = Quotas { per_author: Some(2), total: Some(3) };
        let profile = validate(&model(), "p.toml", GOOD).unwrap();
        let mut add = |respondent: &str, author: Option<&str>| {
            store
                .insert(&NewProfile { respondent, author, profile: &profile, idempotency: None }, &quotas)
                .map_err(|error| (error.kind, error.message))
        };
        add("Alice", Some("alice")).unwrap();
        add("Alice's colleague", Some("alice")).unwrap();
        let (kind, message) = add("Alice", Some("alice")).expect_err("alice's quota");
        assert_eq!(kind, ErrorKind::Quota);
        assert!(message.contains("alice") && message.contains('2'), "{message}");
        // Without an author, the respondent's name is what the quota counts.
        add("Bob", None).unwrap();
        let (kind, message) = add("Carol", None).expect_err("the store's quota");
        assert_eq!(kind, ErrorKind::Quota);
        assert!(message.contains("the store") && message.contains('3'), "{message}");
        assert_eq!(store.count().unwrap(), 3);
    }

    fn idempotency(open: &dyn Fn() -> Store, _: &Location) {
        let mut store = open();
        let profile = validate(&model(), "p.toml", GOOD).unwrap();
        let other = validate(&model(), "p.toml", &GOOD.replace("Optimist", "Other")).unwrap();
        let quotas = Quotas::default();
        let new =
            |profile, hash| NewProfile { respondent: "r", author: None, profile, idempotency: Some(("key-1", hash)) };
        let first = store.insert(&new(&profile, "hash-a"), &quotas).unwrap();
        assert!(matches!(first, Inserted::Created(_)));
        let again = store.insert(&new(&profile, "hash-a"), &quotas).unwrap();
        assert_eq!(again, Inserted::Replayed(first.id()));
        assert_eq!(store.count().unwrap(), 1, "a replay stores nothing");
        let error = store.insert(&new(&other, "hash-b"), &quotas).expect_err("another request under the same key");
        assert_eq!(error.kind, ErrorKind::IdempotencyConflict);
        assert_eq!(store.count().unwrap(), 1);
        let fresh =
            NewProfile { respondent: "r", author: None, profile: &other, idempotency: Some(("key-2", "hash-b")) };
        assert!(matches!(store.insert(&fresh, &quotas).unwrap(), Inserted::Created(_)));
        assert_eq!(store.count().unwrap(), 2);
    }

    fn two_handles_see_each_others_writes(open: &dyn Fn() -> Store, location: &Location) {
        if *location == Location::Sqlite(":memory:".into()) {
            return;
        }
        let mut one = open();
        let mut two = open();
        let id = stored(&mut one, "r", Some("alice"), "From one").unwrap();
        assert_eq!(two.get(id).unwrap().unwrap().name, "From one");
        let edited = validate(&model(), "p.toml", &GOOD.replace("Optimist", "Edited by two")).unwrap();
        two.update(id, Some("alice"), "r", &edited).unwrap();
        assert_eq!(one.get(id).unwrap().unwrap().name, "Edited by two");
        two.delete(id, Some("alice")).unwrap();
        assert_eq!(one.count().unwrap(), 0);
    }

    fn schema_and_integrity(open: &dyn Fn() -> Store, _: &Location) {
        let mut store = open();
        let latest = store.latest_schema_version();
        assert!(latest >= 1);
        assert_eq!(store.schema_version().unwrap(), latest);
        stored(&mut store, "r", None, "P").unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok");
        drop(store);
        // Opening again migrates nothing and keeps the profile.
        let mut again = open();
        assert_eq!(again.schema_version().unwrap(), latest);
        assert_eq!(again.count().unwrap(), 1);
    }
}

#[test]
fn the_store_suite_on_sqlite() {
    for (name, case) in suite::CASES {
        let directory = tempdir(&format!("suite-{name}"));
        let location = Location::Sqlite(directory.join("crux.db"));
        let open = || Store::open_location(&location).unwrap_or_else(|error| panic!("{name}: {error}"));
        case(&open, &location);
        let memory = Location::Sqlite(":memory:".into());
        if *name != "schema_and_integrity" {
            let store = std::cell::RefCell::new(Some(Store::open_in_memory().unwrap()));
            let open = || store.borrow_mut().take().expect("an in-memory store is opened once");
            case(&open, &memory);
        }
    }
}

#[test]
fn the_store_suite_on_postgres() {
    let Some(cluster) = support::postgres::cluster_or_skip("the_store_suite_on_postgres") else { return };
    for (name, case) in suite::CASES {
        let location = Location::Postgres(cluster.database());
        let open = || Store::open_location(&location).unwrap_or_else(|error| panic!("{name}: {error}"));
        case(&open, &location);
    }
    // A database whose transactions are read-only (a standby, say) is detected and refused.
    let url = cluster.database();
    Store::connect(&url).unwrap().add("r", &validate(&model(), "p.toml", GOOD).unwrap()).unwrap();
    let database = url.rsplit('/').next().unwrap().to_string();
    cluster.execute(&url, &format!("ALTER DATABASE {database} SET default_transaction_read_only = on"));
    let mut store = Store::connect(&url).unwrap();
    assert!(store.read_only());
    assert_eq!(store.list(None).unwrap().len(), 1);
    let error = store.add("r", &validate(&model(), "p.toml", GOOD).unwrap()).expect_err("read-only");
    assert_eq!(error.kind, ErrorKind::ReadOnly);
    // A wrong address fails with the address, without its password.
    let wrong = url.replace("postgres://postgres@", "postgres://postgres:secret@").replace("/crux_test", "/missing_db");
    let error = Store::connect(&wrong).expect_err("no such database");
    assert!(error.message.contains("postgres:***@") && !error.message.contains("secret"), "{}", error.message);
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
