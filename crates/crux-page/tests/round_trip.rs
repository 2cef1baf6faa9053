//! Pages in, pages out: every fixture page imports into a model that the
//! language accepts, and rendering that model without numbers says exactly
//! what the page said (same headings, table rows, list items, bold notes and
//! paragraphs, in order; spacing, table alignment and escaping may differ).

use crux_lang::{Sources, model::parse_model};
use crux_page::elements::{differences, outline};
use crux_page::{body, frontmatter, import, render::render, text::clean};
use std::path::{Path, PathBuf};

fn pages_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pages")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(pages_dir().join(name)).unwrap_or_else(|error| panic!("fixture {name}: {error}"))
}

/// Imports `bytes`, checks the model, renders it without numbers and returns
/// the page as read (repaired) and the rendered page.
fn round_trip(name: &str, bytes: &[u8]) -> (String, String, crux_page::Imported) {
    let mut sources = Sources::new();
    let imported = import(&mut sources, name, bytes).unwrap_or_else(|errors| panic!("{name}: {errors:?}"));
    let file = sources.add(format!("{name}.toml"), imported.model.as_str());
    let model = parse_model(&mut sources, file)
        .unwrap_or_else(|errors| panic!("{name}: model rejected: {errors:?}\n{}", imported.model));
    let model = crux_lang::resolve::resolve(model).unwrap_or_else(|errors| panic!("{name}: {errors:?}"));
    let rendered = render(&model.file);
    let original = clean(bytes).expect("the page is text").text;
    (original, rendered, imported)
}

fn assert_same_content(name: &str, original: &str, rendered: &str) {
    let expected = outline(body(original));
    let actual = outline(body(rendered));
    let differences = differences(&expected, &actual);
    assert!(differences.is_empty(), "{name}: the rendered page differs:\n{}\n---\n{rendered}", differences.join("\n"));
    assert!(expected.len() > 5, "{name}: the outline is suspiciously short: {expected:?}");
    // Frontmatter: same title, description and extra fields.
    let read = |page: &str| {
        let split = frontmatter::split(page).expect("frontmatter");
        split.yaml.map(|(yaml, base)| frontmatter::read(&yaml, base).expect("valid YAML")).unwrap_or_default()
    };
    let (before, after) = (read(original), read(rendered));
    assert_eq!(after.description, before.description, "{name}: description");
    assert_eq!(after.extra, before.extra, "{name}: extra frontmatter");
    if before.title.is_some() {
        assert_eq!(after.title, before.title, "{name}: title");
    }
}

#[test]
fn every_fixture_page_round_trips() {
    let mut names: Vec<String> = std::fs::read_dir(pages_dir())
        .expect("the fixture pages")
        .map(|entry| entry.expect("a fixture").file_name().to_string_lossy().to_string())
        .filter(|name| name.ends_with(".md"))
        .collect();
    names.sort();
    assert!(names.len() >= 6, "expected the shared page and five written pages, found {names:?}");
    for name in &names {
        let (original, rendered, _) = round_trip(name, &fixture(name));
        assert_same_content(name, &original, &rendered);
        // A second round trip changes nothing more.
        let (_, again, _) = round_trip(name, rendered.as_bytes());
        assert_eq!(again, rendered, "{name}: rendering is not stable");
    }
}

#[test]
fn the_shared_page_is_the_fixture_and_imports_fully() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pages/open-source.md");
    let bytes = match std::fs::read(&shared) {
        Ok(bytes) => {
            assert_eq!(
                bytes,
                fixture("open-source.md"),
                "tests/fixtures/pages/open-source.md must be a byte-identical copy"
            );
            bytes
        }
        Err(_) => {
            println!("../shared is absent: using the fixture copy of the page");
            fixture("open-source.md")
        }
    };
    let (_, _, imported) = round_trip("open-source.md", &bytes);
    let draft = &imported.draft;
    assert_eq!(draft.title, "Open Source Safety");
    assert_eq!(draft.question.as_ref().map(|lead| lead.label.as_str()), Some("The question"));
    assert_eq!(draft.evaluation.len(), 4);
    assert_eq!(
        draft.evaluation[1],
        ["If alignment hard".to_string(), "Unclear".to_string(), "Could go either way".to_string()]
    );
    let names: Vec<&str> = draft.mechanisms.iter().map(|mechanism| mechanism.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "More safety research",
            "Decentralization",
            "Transparency",
            "Accountability",
            "Red-teaming",
            "Misuse",
            "Proliferation",
            "Undoing safety",
            "Irreversibility",
            "Race dynamics"
        ]
    );
    let cruxes: Vec<(Option<u32>, &str, usize, usize)> =
        draft.cruxes.iter().map(|crux| (crux.number, crux.title.as_str(), crux.rows.len(), crux.notes.len())).collect();
    assert_eq!(
        cruxes,
        [
            (Some(1), "Net Effect on Safety?", 3, 0),
            (Some(2), "Capability Threshold", 2, 1),
            (Some(3), "Compute vs. Weights", 2, 0)
        ]
    );
    assert_eq!(draft.cruxes[1].notes[0].label, "Key question");
    assert_eq!(draft.policies.len(), 4);
    // The one repair: the mojibake dash, reported with its place.
    assert_eq!(imported.warnings.len(), 1, "{:?}", imported.warnings);
    assert!(imported.warnings[0].message.contains("`â€”` -> `—`"));
    assert!(imported.model.contains("\"thing to work on\"—it's"));
}

/// Imports a fixture and returns its warnings' messages.
fn warnings(name: &str) -> Vec<String> {
    let mut sources = Sources::new();
    let imported = import(&mut sources, name, &fixture(name)).expect("imports");
    imported.warnings.iter().map(|warning| warning.message.clone()).collect()
}

#[test]
fn quirks_are_reported() {
    let governance = warnings("compute-governance.md");
    assert!(governance.iter().any(|message| message.contains("glued")), "{governance:?}");
    let interpretability = warnings("interpretability.md");
    assert!(interpretability.iter().any(|message| message.starts_with("repaired 5 mojibake")), "{interpretability:?}");
    assert_eq!(
        interpretability.iter().filter(|message| message.starts_with("MDX statement")).count(),
        1,
        "{interpretability:?}"
    );
    assert!(interpretability.iter().any(|message| message.starts_with("MDX component")), "{interpretability:?}");
    let pause = warnings("pause-advocacy.md");
    assert!(pause.iter().any(|message| message.contains("more cells than its header")), "{pause:?}");
    let bio = warnings("biosecurity-uplift.md");
    assert!(bio.iter().any(|message| message.contains("not UTF-8")), "{bio:?}");
}

#[test]
fn structures_of_the_written_pages() {
    let mut sources = Sources::new();
    let governance = import(&mut sources, "g.md", &fixture("compute-governance.md")).expect("imports").draft;
    assert_eq!(governance.title, "Compute Governance: Chips as a Lever");
    assert_eq!(governance.question.as_ref().map(|lead| lead.label.as_str()), Some("The approach"));
    assert_eq!(
        governance.frontmatter.as_deref(),
        Some(
            "sidebar:\n  order: 12\n  label: Compute governance\ntags: [governance, compute, export-controls]\nlastEdited: 2025-03-14"
        )
    );
    assert_eq!(governance.evaluation[2][2], "Costs innovation | may push work offshore");
    assert_eq!(governance.mechanisms[1].mechanism, "Large runs need \\$10M+ and months of planning");
    assert_eq!(governance.mechanisms[2].mechanism, "Few fabs | few chokepoints");
    assert_eq!(governance.cruxes[0].sides.len(), 3);
    let labels: Vec<&str> = governance.cruxes[0].notes.iter().map(|note| note.label.as_str()).collect();
    assert_eq!(labels, ["Key question", "Core limitation"]);
    assert_eq!(governance.policies[0].label.as_deref(), Some("Export controls"));
    assert_eq!(governance.policies[2].label, None);

    let thresholds = import(&mut sources, "t.md", &fixture("compute-thresholds.md")).expect("imports").draft;
    let ids: Vec<&str> = thresholds.mechanisms.iter().map(|mechanism| mechanism.id.as_str()).collect();
    assert_eq!(ids, ["simplicity", "net_mechanism", "predictability", "misuse", "misuse_2"]);
    assert_eq!(thresholds.evaluation.len(), 1);
    let cruxes: Vec<(Option<u32>, &str)> =
        thresholds.cruxes.iter().map(|crux| (crux.number, crux.id.as_str())).collect();
    assert_eq!(cruxes, [(None, "where_should_the_line_be"), (Some(4), "will_it_be_updated")]);

    let pause = import(&mut sources, "p.md", &fixture("pause-advocacy.md")).expect("imports").draft;
    assert!(pause.evaluation.is_empty() && pause.mechanisms.is_empty());
    assert!(pause.cruxes[0].sides.is_empty());
    assert_eq!(pause.cruxes[0].notes.len(), 2);
    assert_eq!(
        pause.policies.iter().filter_map(|item| item.label.as_deref()).collect::<Vec<_>>(),
        ["Governments", "Labs", "Funders"]
    );
}

#[test]
fn bad_pages_are_clear_errors_or_warnings() {
    let error = |bytes: &[u8]| {
        let mut sources = Sources::new();
        let errors = import(&mut sources, "bad.md", bytes).expect_err("refused");
        errors.iter().map(|error| error.message.clone()).collect::<Vec<_>>().join("; ")
    };
    assert!(error(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0").contains("binary"));
    assert!(error(b"").contains("empty"));
    assert!(error(b"\n \n").contains("empty"));
    let mut huge = b"---\ntitle: Huge\n---\n".to_vec();
    while huge.len() < 10 * 1024 * 1024 {
        huge.extend_from_slice(b"| a | b |\n|---|---|\n| x | y |\n\n");
    }
    assert!(error(&huge).contains("MB"));
    assert!(error(b"---\ntitle: Open\n\n## Heading\n").contains("never closed"));
    assert!(error(b"---\ntitle: [broken\n---\ntext\n").contains("not valid YAML"));

    let mut sources = Sources::new();
    let imported =
        import(&mut sources, "notes/plain-page.md", b"## Only a heading\n\n- and a list\n").expect("imports");
    assert_eq!(imported.draft.title, "plain-page");
    assert!(imported.warnings[0].message.contains("no frontmatter"));
}

/// Found by fuzzing: an evaluation table whose later rows have fewer cells
/// than its header (the page's two argument tables run into it). Importing
/// must not panic (short rows get empty cells, as GFM says), the model loads
/// and the rows are rendered back.
#[test]
fn rows_shorter_than_their_header_get_empty_cells() {
    let bytes = include_bytes!("regressions/short-row.md");
    let (_, rendered, _) = round_trip("short-row.md", bytes);
    assert!(rendered.contains("| Decentralization | Reduces concentration of AI power |"), "{rendered}");
}
