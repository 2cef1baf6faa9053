//! With the sensitivity analysis on, the report names the crux that carries
//! most of the uncertainty of net now and what resolving it is worth, in the
//! compute-governance and career-choices answers; with it off, those answers
//! mark the gap instead.

mod common;

use crux_report::{Options, compute, markdown};

const SAMPLES: usize = 5_000;

#[test]
fn the_report_names_each_cruxs_share_and_value_when_sensitivity_is_on() {
    let model = common::builtin(&[]);
    let options = Options { sensitivity: true, ..Options::new(SAMPLES, common::DEFAULT_SEED) };
    let results = compute(&model, &options).expect("the page computes");
    let sensitivity = results.sensitivity.as_ref().expect("the sensitivity is filled");
    let cruxes: Vec<&str> = model.file.outline.cruxes.iter().map(|crux| crux.id.name.as_str()).collect();
    for item in &sensitivity.cruxes {
        assert!(
            (-0.1..=1.1).contains(&item.first_order) && item.first_order <= item.total + 0.1,
            "{}: S1 {} and ST {} are shares with S1 <= ST",
            item.crux,
            item.first_order,
            item.total
        );
        assert!(item.value_of_information.is_some_and(|value| value >= 0.0), "{}: EVPPI >= 0", item.crux);
    }
    let largest = sensitivity.cruxes.iter().max_by(|a, b| a.total.total_cmp(&b.total)).expect("cruxes");
    assert!(cruxes.contains(&largest.crux.as_str()), "`{}` is one of the page's cruxes", largest.crux);
    assert!(largest.total > 0.1, "the largest crux carries a real share: {}", largest.total);

    let page = markdown::render(&model, &results);
    let lines: Vec<&str> = page.lines().filter(|line| line.contains("**Sensitivity**")).collect();
    assert_eq!(lines.len(), 2, "the compute-governance and career-choices answers both use it:\n{page}");
    for line in &lines {
        assert!(
            line.contains("% of the uncertainty in net for the next open frontier release"),
            "a share in percent: {line}"
        );
        assert!(line.contains("resolving it is worth"), "the value of resolving it: {line}");
    }
    let governance = lines[0];
    assert!(governance.contains("Crux 3 (Compute vs. Weights)"), "compute governance names its crux: {governance}");
    let career = lines[1];
    assert!(career.contains(&format!("{} carries", largest.name)), "career choices leads with the largest: {career}");
    assert!(
        page.contains("**Which crux matters most** for net for the next open frontier release"),
        "the summary names the crux that matters most:\n{page}"
    );
    assert!(page.contains("| Crux | Share of the uncertainty (total index) |"), "the table of shares:\n{page}");
    assert!(page.contains("N = 8192 rows"), "the sample sizes are stated");
    assert!(!page.contains("_Not computed in this report"), "no gap left when sensitivity is on");
}

#[test]
fn without_sensitivity_the_answers_mark_the_gap() {
    let model = common::builtin(&[]);
    let results = common::results(&model, SAMPLES);
    assert!(results.sensitivity.is_none());
    assert!(markdown::render(&model, &results).contains("_Not computed in this report"));
}

#[test]
fn the_importance_chart_names_cruxes_by_title_and_keeps_the_largest_params() {
    use crux_analysis::inputs::Inputs;
    use crux_analysis::sobol::{SobolOptions, sobol_indices};
    use crux_report::charts::{IMPORTANCE_PARAMS, crux_title, importance_chart};
    let model = common::builtin(&[]);
    let engine = crux_engine::Engine::new(&model).expect("compiles");
    let inputs = Inputs::of(&engine);
    let point = engine.grid().len() / 2;
    let sensitivity = sobol_indices(&engine, &inputs, &SobolOptions::new(256, 3, point)).expect("indices");
    let crux_plot::Chart::Tornado(tornado) = importance_chart(&model, &inputs, &sensitivity, "c = 26") else {
        panic!("a tornado");
    };
    assert_eq!(tornado.title, "Which inputs carry the uncertainty of net at c = 26");
    let [cruxes, params] = tornado.sections.as_slice() else { panic!("two sections: {tornado:?}") };
    // Each crux once, by its title, with its group's indices, largest total first.
    assert_eq!(cruxes.rows.len(), inputs.groups.len());
    for (group, indices) in inputs.groups.iter().zip(&sensitivity.groups) {
        let title = model.file.outline.crux(&group.name).map_or("Other params".to_string(), crux_title);
        let row = cruxes.rows.iter().find(|row| row.label == title).unwrap_or_else(|| panic!("{title}"));
        assert_eq!((row.total, row.first, row.total_conf), (indices.total, indices.first, indices.total_conf));
    }
    assert!(cruxes.rows.iter().any(|row| row.label.starts_with("Crux 1 (")), "{cruxes:?}");
    assert!(cruxes.rows.windows(2).all(|pair| pair[0].total >= pair[1].total));
    // The params: the largest totals, at most IMPORTANCE_PARAMS of them.
    let mut totals: Vec<f64> = sensitivity.factors.iter().map(|indices| indices.total).collect();
    totals.sort_by(|a, b| b.total_cmp(a));
    let shown: Vec<f64> = params.rows.iter().map(|row| row.total).collect();
    assert_eq!(shown, totals[..totals.len().min(IMPORTANCE_PARAMS)]);
    if totals.len() > IMPORTANCE_PARAMS {
        assert_eq!(params.heading, format!("Params (the {IMPORTANCE_PARAMS} largest of {})", totals.len()));
    }
}
