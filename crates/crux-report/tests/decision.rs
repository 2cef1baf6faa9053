//! A model's `[decision]` in the report: a section that names the best
//! option now and along the axis, in the document (so in every writer and on
//! the web page) and in the page's JSON; nothing for a model without one.

use crux_lang::Sources;
use crux_report::build::document;
use crux_report::document::{Block, SectionKind};
use crux_report::json::ResultsDocument;
use crux_report::{Options, compute, html, markdown};

fn load(path: &str) -> crux_lang::hir::Model {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../crux-analysis/tests/fixtures/").to_string() + path;
    let mut sources = Sources::new();
    let file = sources.add(path.clone(), std::fs::read_to_string(&path).expect("the fixture exists"));
    crux_lang::load(&mut sources, file).expect("the fixture loads")
}

#[test]
fn the_report_names_the_best_option_along_the_axis() {
    let model = load("decision.toml");
    let results = compute(&model, &Options::new(4000, 1)).expect("the page computes");
    let decision = results.decision.as_ref().expect("a decision");
    let bests: Vec<usize> = decision.points.iter().map(|point| point.best).collect();
    // E[open] = 0.4 - 0.2 c, E[api] = 0.32 - 0.06 c (the fixture's comment).
    assert_eq!(bests, [0, 1, 1]);
    for point in &decision.points {
        let c = point.at.expect("an axis");
        assert!((point.expected_values[0] - (0.4 - 0.2 * c)).abs() < 0.03);
        assert!((point.expected_values[1] - (0.32 - 0.06 * c)).abs() < 0.03);
    }
    let report = document(&model, &results);
    let section = report.sections.iter().find(|section| section.kind == SectionKind::Decision).expect("a section");
    let Some(Block::Table(table)) = section.blocks.get(1) else { panic!("a table") };
    assert_eq!(table.rows.len(), 3);
    let written = markdown::write(&report);
    assert!(written.contains("## Which option is best"), "{written}");
    assert!(written.contains("open at c = 0, then API access only from c = 1 to 2"), "{written}");
    let page = html::write(&report, &|_| None).into_string();
    assert!(page.contains("data-kind=\"decision\""));
    let json = serde_json::to_value(ResultsDocument::new(&model, &results)).unwrap();
    let points = json["decision"]["points"].as_array().expect("decision points");
    assert_eq!(points[0]["best"], "open");
    assert_eq!(points[2]["best"], "api");
    assert_eq!(json["decision"]["options"][1]["title"], "API access only");
}

#[test]
fn a_model_without_a_decision_has_no_decision_section() {
    let model = load("normal-net.toml");
    let results = compute(&model, &Options::new(2000, 1)).expect("the page computes");
    assert!(results.decision.is_none());
    let report = document(&model, &results);
    assert!(report.sections.iter().all(|section| section.kind != SectionKind::Decision));
    let json = serde_json::to_value(ResultsDocument::new(&model, &results)).unwrap();
    assert!(json.get("decision").is_none());
}
