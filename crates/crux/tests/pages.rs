//! End-to-end tests of `crux import`, `crux render` and `crux export`: the
//! page in shared/ imports into a model that `crux check` accepts and that
//! lists what is left to quantify; rendering it without numbers says what the
//! page said; bad pages exit with code 2 and a clear message, never a panic,
//! and leave no output file behind.

use crux_page::elements::{differences, outline};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

fn crux(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crux")).args(args).env("NO_COLOR", "1").output().expect("the crux binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh, empty scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("crux-pages-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).expect("a scratch folder");
    directory
}

/// The page in shared/, or its byte-identical fixture copy (and why) when shared/ is absent.
fn shared_page() -> (PathBuf, Option<&'static str>) {
    let shared = repo_path("../shared/pages/open-source.md");
    if shared.is_file() {
        (shared, None)
    } else {
        (
            repo_path("tests/fixtures/pages/open-source.md"),
            Some("../shared is absent: using tests/fixtures/pages/open-source.md"),
        )
    }
}

#[test]
fn the_shared_page_imports_checks_and_renders_back() {
    let directory = scratch("shared");
    let model = directory.join("open-source.toml");
    let (page, note) = shared_page();
    if let Some(note) = note {
        println!("{note}");
    }
    let output = crux(&["import", page.to_str().unwrap(), "-o", model.to_str().unwrap()]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("repaired 1 mojibake character"), "the repair is reported:\n{stderr}");
    assert!(stderr.contains("open-source.md:19:57"), "with its place:\n{stderr}");
    assert!(text(&output.stdout).contains("imported 10 mechanisms (placeholders), 3 cruxes"));

    let check = crux(&["check", model.to_str().unwrap()]);
    let listed = text(&check.stdout);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert!(listed.contains("ok (0 params, 0 derived, 10 mechanisms"), "{listed}");
    assert!(listed.contains("left to quantify (13):"), "{listed}");
    for line in [
        "mechanism `more_safety_research` (More safety research): placeholder effect `0`",
        "mechanism `race_dynamics` (Race dynamics): placeholder effect `0`",
        "crux `net_effect_on_safety` (Crux 1: Net Effect on Safety?): no params yet",
        "crux `capability_threshold` (Crux 2: Capability Threshold): no params yet",
        "crux `compute_vs_weights` (Crux 3: Compute vs. Weights): no params yet",
    ] {
        assert!(listed.contains(line), "missing `{line}` in:\n{listed}");
    }

    let rendered = crux(&["render", "--no-numbers", model.to_str().unwrap()]);
    assert_eq!(rendered.status.code(), Some(0), "{}", text(&rendered.stderr));
    let original = crux_page::text::clean(&std::fs::read(&page).unwrap()).unwrap().text;
    let rendered = text(&rendered.stdout);
    let differences = differences(&outline(crux_page::body(&original)), &outline(crux_page::body(&rendered)));
    assert!(differences.is_empty(), "{}\n---\n{rendered}", differences.join("\n"));

    // With numbers: the model still renders, placeholders and all.
    let numbers = crux(&[
        "render",
        model.to_str().unwrap(),
        "--samples",
        "2000",
        "-o",
        directory.join("page.md").to_str().unwrap(),
    ]);
    assert_eq!(numbers.status.code(), Some(0), "{}", text(&numbers.stderr));
    let page = std::fs::read_to_string(directory.join("page.md")).unwrap();
    assert!(page.contains("Answered by Crux") && page.contains("## Crux 2: Capability Threshold"), "{page}");
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn import_writes_the_model_to_stdout_without_output() {
    let output = crux(&["import", repo_path("tests/fixtures/pages/pause-advocacy.md").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let model = text(&output.stdout);
    assert!(model.starts_with("# Imported from"), "{model}");
    assert!(model.contains("[cruxes.is_a_pause_enforceable]"), "{model}");
    assert!(text(&output.stderr).contains("more cells than its header"));
}

#[test]
fn the_built_in_model_renders_with_its_numbers() {
    let model = repo_path("models/open-source-safety.toml");
    let output = crux(&["render", model.to_str().unwrap(), "--samples", "2000", "--seed", "3"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let page = text(&output.stdout);
    assert!(
        page.contains("**Key question**: At what capability level does open source become net negative?"),
        "{page}"
    );
    assert!(page.contains("P(net > 0)"), "the numbers are in: {page}");
    let plain = crux(&["render", "--no-numbers", model.to_str().unwrap()]);
    assert!(!text(&plain.stdout).contains("Answered by Crux"));
}

#[test]
fn bad_pages_exit_with_code_2_and_leave_no_file() {
    let directory = scratch("bad");
    let mut huge = b"---\ntitle: Huge\n---\n".to_vec();
    while huge.len() < 10 * 1024 * 1024 {
        huge.extend_from_slice(b"| a | b |\n|---|---|\n| x | y |\n\n");
    }
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("binary.md", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10".to_vec(), "binary"),
        ("empty.md", Vec::new(), "the page is empty"),
        ("huge.md", huge, "pages larger than 4 MB"),
        ("unclosed.md", b"---\ntitle: Open\n\n## Heading\n".to_vec(), "never closed"),
        ("yaml.md", b"---\ntitle: [broken\n---\n\ntext\n".to_vec(), "not valid YAML"),
    ];
    for (name, bytes, message) in cases {
        let page = directory.join(name);
        std::fs::write(&page, bytes).unwrap();
        let model = directory.join(format!("{name}.toml"));
        let output = crux(&["import", page.to_str().unwrap(), "-o", model.to_str().unwrap()]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(!model.exists(), "{name}: no model file is written");
        assert!(
            std::fs::read_dir(&directory).unwrap().all(|entry| !entry
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".partial"))
        );
    }
    let missing = crux(&["import", directory.join("missing.md").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("no such file"));
    // A page without frontmatter imports, with a warning.
    let plain = directory.join("plain.md");
    std::fs::write(&plain, "## A heading\n\n- an item\n").unwrap();
    let output = crux(&["import", plain.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output.stderr).contains("the page has no frontmatter"));
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn export_writes_squiggle_and_needs_its_format() {
    let model = repo_path("bench/ref-v1.toml");
    let output = crux(&["export", "--squiggle", model.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let code = text(&output.stdout);
    assert!(code.starts_with("// Crux model `ref-v1`"), "{code}");
    assert!(code.contains("net(c) = ") && code.trim_end().ends_with("table"), "{code}");
    let without = crux(&["export", model.to_str().unwrap()]);
    assert_eq!(without.status.code(), Some(2));
    assert!(text(&without.stderr).contains("--squiggle"));
    let broken = crux(&["export", "--squiggle", repo_path("tests/fixtures/pages/open-source.md").to_str().unwrap()]);
    assert_eq!(broken.status.code(), Some(2), "a page is not a model: {}", text(&broken.stderr));
}
