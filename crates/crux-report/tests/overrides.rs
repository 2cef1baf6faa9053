//! Changing a crux moves the answers: `--set c_misuse="normal({p5: 25, p95: 26})"`
//! (misuse becomes catastrophic about 1.5 orders of magnitude sooner) moves
//! the capability threshold down and turns the verdicts.

mod common;

use crux_analysis::verdict::Label;

const SAMPLES: usize = 5000;

#[test]
fn an_earlier_misuse_threshold_moves_the_threshold_and_the_verdicts() {
    let defaults = common::builtin(&[]);
    let sooner = common::builtin(&[("c_misuse", "normal({p5: 25, p95: 26})")]);
    let before = common::results(&defaults, SAMPLES);
    let after = common::results(&sooner, SAMPLES);
    let crossing = |results: &crux_report::PageResults| {
        results.threshold.as_ref().and_then(|threshold| threshold.mean_crossing_value()).expect("inside the grid")
    };
    assert!(crossing(&after) <= crossing(&before) - 1.0, "{} -> {}", crossing(&before), crossing(&after));
    let median = |results: &crux_report::PageResults| {
        results.threshold.as_ref().and_then(|threshold| threshold.sample.capability.p50).expect("on the grid")
    };
    assert!(median(&after) < median(&before) - 1.0, "{} -> {}", median(&before), median(&after));
    let verdicts = |results: &crux_report::PageResults| -> Vec<(Label, f64)> {
        results.evaluation.iter().flatten().map(|verdict| (verdict.label, verdict.probability)).collect()
    };
    let (old, new) = (verdicts(&before), verdicts(&after));
    assert_eq!(old.len(), 2);
    for ((_, p_before), (_, p_after)) in old.iter().zip(&new) {
        assert!(p_after < &(p_before - 0.2), "{p_before} -> {p_after}");
    }
    assert_eq!(old[1].0, Label::Positive);
    assert_ne!(new[1].0, Label::Positive, "\"If alignment easy\" should no longer be Positive");
    let now = |results: &crux_report::PageResults| results.now.as_ref().expect("computed").p_positive;
    assert!(now(&after) < 0.5 && now(&before) > 0.5);
}
