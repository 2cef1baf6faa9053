//! The robustness of the answer: each judgement-only param held at its 10th
//! and 90th percentile, in the JSON, the document and the Markdown report.

mod common;

use crux_analysis::robustness::is_judgement_source;
use crux_lang::Sources;
use crux_report::build::document;
use crux_report::document::{Block, SectionKind};
use crux_report::json::ResultsDocument;
use crux_report::markdown;
use crux_report::sentences::robustness_range;
use crux_report::words::Words;

const SAMPLES: usize = 4000;

#[test]
fn the_builtin_model_lists_its_judgements_by_swing() {
    let model = common::builtin(&[]);
    let results = common::results(&model, SAMPLES);
    let robustness = results.robustness.as_ref().expect("the built-in model has judgement params and an axis");
    let json = serde_json::to_value(ResultsDocument::new(&model, &results)).expect("serialises");
    let rows = json["robustness"].as_array().expect("`robustness` is a list");
    assert!(rows.len() >= 5, "{} rows", rows.len());
    assert_eq!(rows.len(), robustness.rows.len());
    let grid = robustness.grid.clone();
    let beyond = grid[grid.len() - 1] + (grid[1] - grid[0]);
    let crossing = |value: &serde_json::Value| match value {
        serde_json::Value::Null => beyond,
        value => value.as_f64().expect("a crossing is a number or null"),
    };
    let mut previous = f64::INFINITY;
    for row in rows {
        let name = row["param"].as_str().expect("param");
        let index = model.param_index(name).expect("a param of the model");
        let param = &model.file.params[index];
        assert!(is_judgement_source(param.source.as_deref()), "{name} is a judgement param");
        for field in
            ["label", "low", "high", "crossing_low", "crossing_high", "now_p_positive_low", "now_p_positive_high"]
        {
            assert!(row.get(field).is_some(), "{name} has `{field}`");
        }
        assert!(row["low"].as_f64().expect("low") <= row["high"].as_f64().expect("high"), "{name}: low <= high");
        for field in ["now_p_positive_low", "now_p_positive_high"] {
            let p = row[field].as_f64().expect("a probability");
            assert!((0.0..=1.0).contains(&p), "{name}: {field} = {p}");
        }
        let swing = (crossing(&row["crossing_high"]) - crossing(&row["crossing_low"])).abs();
        assert!(swing <= previous + 1e-9, "{name}: swing {swing} after {previous}");
        previous = swing;
    }
    // A param without a judgement source, or a constant, has no row.
    for name in ["misuse_harm", "year_now", "actor_spread"] {
        if model.param_index(name).is_some() {
            assert!(rows.iter().all(|row| row["param"] != name), "{name} is not held");
        }
    }
}

#[test]
fn the_report_has_a_robustness_section_after_the_policies() {
    let model = common::builtin(&[]);
    let results = common::results(&model, SAMPLES);
    let robustness = results.robustness.as_ref().expect("computed");
    let document = document(&model, &results);
    let kinds: Vec<&SectionKind> = document.sections.iter().map(|section| &section.kind).collect();
    let at =
        |kind: &SectionKind| kinds.iter().position(|k| *k == kind).unwrap_or_else(|| panic!("{kind:?} in {kinds:?}"));
    assert_eq!(at(&SectionKind::Robustness), at(&SectionKind::Policies) + 1);
    assert!(at(&SectionKind::Robustness) < at(&SectionKind::Details));
    let section = &document.sections[at(&SectionKind::Robustness)];
    let chart = section.blocks.iter().find_map(|block| match block {
        Block::Chart(chart) => Some(chart),
        _ => None,
    });
    let chart = chart.expect("the section has the tornado");
    match &chart.chart {
        crux_plot::Chart::Swing(swing) => assert_eq!(swing.rows.len(), robustness.rows.len()),
        other => panic!("a swing tornado, not {other:?}"),
    }
    assert!(!chart.caption.is_empty());
    let markdown = markdown::render(&model, &results);
    assert!(markdown.contains("## How robust the answer is"), "{markdown}");
    assert!(markdown.contains("Holding one judgement at a time at its 10th or 90th percentile, E[net] "), "{markdown}");
    assert!(markdown.contains(&format!("| `{}` |", robustness.rows[0].name)), "{markdown}");
    let range = robustness_range(Words::new(&model), robustness).expect("a range").to_plain();
    assert!(["between ", "at ", "never "].iter().any(|start| range.starts_with(start)), "{range}");
    let (min, max) = robustness.crossing_range();
    if let Some(min) = min {
        assert!(range.contains(&format!("c = {}", crux_report::format::capability(min))), "{range}");
    }
    if max.is_none() {
        assert!(range.contains("never within the grid"), "{range}");
    }
}

#[test]
fn a_model_without_a_page_gets_the_section_after_its_threshold() {
    let mut sources = Sources::new();
    let text = std::fs::read_to_string(crux_test_support::fixture("cruxes.toml")).unwrap();
    let file = sources.add("no-page.toml", text);
    let model = crux_lang::load(&mut sources, file).expect("the model loads");
    let results = common::results(&model, 2000);
    assert!(results.robustness.is_some(), "the fixture has a judgement param");
    let document = document(&model, &results);
    let kinds: Vec<&SectionKind> = document.sections.iter().map(|section| &section.kind).collect();
    let threshold = kinds.iter().position(|kind| **kind == SectionKind::Threshold).expect("a threshold");
    assert_eq!(kinds[threshold + 1], &SectionKind::Robustness, "{kinds:?}");
    let json = serde_json::to_value(ResultsDocument::new(&model, &results)).expect("serialises");
    assert_eq!(json["robustness"][0]["param"], "misuse_threshold");
}

#[test]
fn a_model_without_judgement_params_has_no_robustness() {
    let model = common::builtin(&[]);
    let mut plain = model.clone();
    for param in &mut plain.file.params {
        param.source = Some("a source".to_string());
    }
    let results = common::results(&plain, 500);
    assert!(results.robustness.is_none());
    let json = serde_json::to_value(ResultsDocument::new(&plain, &results)).expect("serialises");
    assert!(json["robustness"].is_null());
    let document = document(&plain, &results);
    assert!(document.sections.iter().all(|section| section.kind != SectionKind::Robustness));
}

#[test]
fn the_robustness_tornado_names_every_row_for_screen_readers() {
    // The description `crux plot` and the web page both draw, drawn inline.
    use crux_analysis::robustness::{Outcome, Robustness, Row};
    use crux_report::build::robustness_chart;
    let model = common::builtin(&[]);
    let outcome = |crossing| Outcome { crossing, now_mean: Some(1.0), now_p_positive: Some(0.5) };
    let row = |name: &str, low, high| Row {
        param: 0,
        name: name.to_string(),
        label: None,
        low: 0.0,
        high: 1.0,
        at_low: outcome(low),
        at_high: outcome(high),
    };
    let robustness = Robustness {
        grid: vec![23.0, 24.0, 25.0],
        samples: 1000,
        seed: 1,
        base: outcome(Some(24.0)),
        rows: vec![row("a<b", Some(23.0), None), row("flat", Some(24.0), Some(24.0))],
    };
    let chart = robustness_chart(Words::new(&model), &robustness);
    let svg = crux_plot::inline::svg(&chart, "robustness-chart").expect("a chart");
    assert!(svg.starts_with("<svg id=\"robustness-chart\""), "{svg}");
    assert!(svg.contains("role=\"img\"") && svg.contains("<title id=\"robustness-chart-title\">"), "{svg}");
    // Every row in the text alternative, its name escaped; "never" beyond the grid.
    assert!(svg.contains("a&lt;b: 23 held at its 10th percentile, never held at its 90th percentile."), "{svg}");
    assert!(svg.contains("flat: 24 held at its 10th percentile, 24 held at its 90th percentile."), "{svg}");
    assert!(svg.contains("every judgement as drawn: 24."), "{svg}");
    // A bar past the grid: drawn one step beyond its end, with the end marked.
    assert!(svg.contains("data-label=\"a&lt;b\" data-low=\"23\" data-high=\"26\""), "{svg}");
    assert!(svg.contains(">end of the grid (c = 25)</text>"), "{svg}");
    assert_eq!(svg.matches("<g class=\"row\"").count(), 2);
    assert!(svg.ends_with("</svg>"));
    let empty = Robustness { rows: Vec::new(), ..robustness };
    assert!(crux_plot::inline::svg(&robustness_chart(Words::new(&model), &empty), "robustness-chart").is_none());
}
