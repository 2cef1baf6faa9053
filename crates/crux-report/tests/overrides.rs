//! Changing a crux moves the answers: `--set study_value="30 to 300"` (outside
//! study of a frontier-relevant open model worth about three times the
//! default) raises the chance that the next open frontier release is safer,
//! moves where E[net] turns negative up the axis (or off the grid), and
//! raises both conditional verdicts' probabilities.

mod common;

const SAMPLES: usize = 5000;

#[test]
fn a_larger_value_of_outside_study_moves_the_threshold_and_the_verdicts() {
    let defaults = common::builtin(&[]);
    let larger = common::builtin(&[("study_value", "30 to 300")]);
    let before = common::results(&defaults, SAMPLES);
    let after = common::results(&larger, SAMPLES);
    let crossing = |results: &crux_report::Results| {
        results.threshold.as_ref().and_then(|threshold| threshold.mean_crossing_value()).unwrap_or(f64::INFINITY)
    };
    assert!(crossing(&after) >= crossing(&before) + 1.0, "{} -> {}", crossing(&before), crossing(&after));
    let probabilities = |results: &crux_report::Results| -> Vec<f64> {
        results.evaluation.iter().flatten().map(|verdict| verdict.probability).collect()
    };
    let (old, new) = (probabilities(&before), probabilities(&after));
    assert_eq!(old.len(), 2);
    for (p_before, p_after) in old.iter().zip(&new) {
        assert!(p_after > &(p_before + 0.2), "{p_before} -> {p_after}");
    }
    let now = |results: &crux_report::Results| results.now.as_ref().expect("computed").p_positive;
    assert!(now(&after) > now(&before) + 0.2, "{} -> {}", now(&before), now(&after));
}
