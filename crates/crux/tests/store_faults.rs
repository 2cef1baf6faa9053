//! The store survives a writer killed with SIGKILL in the middle of adding
//! profiles: the database opens, passes SQLite's integrity check, keeps every
//! profile whose commit was reported, and holds no half-written profile.

use crux_lang::Sources;
use crux_store::{ModelSource, Store, validate};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn a_writer_killed_mid_write_loses_nothing_committed_and_leaves_nothing_half_written() {
    let directory = std::env::temp_dir().join(format!("crux-killed-writer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    let model_path = fixtures().join("no-axis.toml");
    let model = ModelSource { name: "no-axis.toml".to_string(), text: std::fs::read_to_string(&model_path).unwrap() };
    let files: Vec<PathBuf> = (0..400)
        .map(|i| {
            let path = directory.join(format!("view-{i}.toml"));
            let text =
                format!("[profile]\nname = \"View {i}\"\nauthor = \"tester\"\n\n[params]\nrisk = \"normal({i}, 1)\"\n");
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    let db = directory.join("store.db");
    let mut reported_total = 0;
    for round in 0..3 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crux"))
            .arg("profiles")
            .arg("add")
            .args(&files)
            .arg("--model")
            .arg(&model_path)
            .arg("--db")
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("crux runs");
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait until writing has begun, then kill the writer part-way through.
        let first = receiver.recv_timeout(Duration::from_secs(60)).expect("the writer starts storing");
        assert!(first.starts_with("stored profile"), "{first}");
        std::thread::sleep(Duration::from_millis(20 + 40 * round));
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        reader.join().unwrap();
        let reported = 1 + receiver.try_iter().count();
        reported_total += reported;

        let mut store = Store::open(&db).expect("the database opens after the kill");
        assert_eq!(store.integrity_check().unwrap(), "ok");
        let stored = store.list(None).unwrap();
        assert!(
            stored.len() >= reported_total,
            "round {round}: {} stored, {reported_total} reported committed",
            stored.len()
        );
        assert!(stored.len() < 400 * (round as usize + 1), "round {round}: the writer was killed before it finished");
        for profile in &stored {
            validate(&mut Sources::new(), &model, "stored.toml", &profile.profile_toml)
                .unwrap_or_else(|errors| panic!("profile {} is not whole: {errors:?}", profile.id));
            assert!(profile.profile_toml.ends_with("1)\"\n"), "profile {} is cut short", profile.id);
        }
        reported_total = stored.len();
    }
    let _ = std::fs::remove_dir_all(&directory);
}
