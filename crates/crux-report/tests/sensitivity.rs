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
