//! Verdicts: the probability of an event on net, optionally among the
//! samples that meet a condition, labelled with the rule of the evaluation
//! summary: Positive when the probability is at least 0.7, Negative when it
//! is at most 0.3, otherwise Unclear.

/// The smallest probability labelled Positive.
pub const POSITIVE_AT: f64 = 0.7;
/// The largest probability labelled Negative.
pub const NEGATIVE_AT: f64 = 0.3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Positive,
    Unclear,
    Negative,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Positive => "Positive",
            Label::Unclear => "Unclear",
            Label::Negative => "Negative",
        }
    }
}

/// How a grid point reads in a one-line verdict along the axis: "No
/// effect" when net is exactly 0 in at least 90% of the samples (as for a
/// release below the open frontier, which changes nothing), else the label
/// of P(net > 0), which would call such a point Negative.
pub fn shown_verdict(p_positive: f64, p05: f64, p95: f64) -> &'static str {
    if p05 == 0.0 && p95 == 0.0 { NO_EFFECT } else { label(p_positive).as_str() }
}

/// The words for a point where net is almost always exactly 0.
pub const NO_EFFECT: &str = "No effect";

/// The axis cut into stretches of equal [`shown_verdict`]: (from, to, verdict).
pub fn shown_stretches(points: &[f64], p_positive: &[f64], p05: &[f64], p95: &[f64]) -> Vec<(f64, f64, &'static str)> {
    let mut stretches: Vec<(f64, f64, &'static str)> = Vec::new();
    for (index, x) in points.iter().enumerate() {
        let verdict = shown_verdict(p_positive[index], p05[index], p95[index]);
        match stretches.last_mut() {
            Some(last) if last.2 == verdict => last.1 = *x,
            _ => stretches.push((*x, *x, verdict)),
        }
    }
    stretches
}

/// The label of a probability.
pub fn label(probability: f64) -> Label {
    if probability >= POSITIVE_AT {
        Label::Positive
    } else if probability <= NEGATIVE_AT {
        Label::Negative
    } else {
        Label::Unclear
    }
}

/// A computed verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// The share of counted samples in which the event holds.
    pub probability: f64,
    pub label: Label,
    /// How many samples met the condition (all of them without one).
    pub samples: usize,
}

/// The verdict on `event` over per-sample `values`, counting only the samples
/// whose `condition` value is true (non-zero), when a condition is given.
/// `None` when no sample meets the condition.
pub fn verdict(values: &[f64], event: impl Fn(f64) -> bool, condition: Option<&[f64]>) -> Option<Verdict> {
    let mut tally = VerdictTally::default();
    tally.add(values, event, condition);
    tally.verdict()
}

/// A [`verdict`] counted part by part, for samples that arrive a block at a
/// time: the same verdict as over all of them at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerdictTally {
    counted: usize,
    held: usize,
}

impl VerdictTally {
    /// Counts the samples of one part (`condition`, when given, is per sample of the part).
    pub fn add(&mut self, values: &[f64], event: impl Fn(f64) -> bool, condition: Option<&[f64]>) {
        for (index, value) in values.iter().enumerate() {
            if let Some(condition) = condition
                && !crux_engine::math::truth(condition[index])
            {
                continue;
            }
            self.counted += 1;
            self.held += usize::from(event(*value));
        }
    }

    /// The verdict over every sample counted; `None` when none met the condition.
    pub fn verdict(&self) -> Option<Verdict> {
        if self.counted == 0 {
            return None;
        }
        let probability = self.held as f64 / self.counted as f64;
        Some(Verdict { probability, label: label(probability), samples: self.counted })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_where_net_is_almost_always_zero_shows_no_effect() {
        // Net exactly 0 in 90% of samples at the first two points (P(net > 0)
        // small only because net is 0), then mostly negative, then positive.
        let stretches = shown_stretches(
            &[1.0, 2.0, 3.0, 4.0],
            &[0.01, 0.02, 0.1, 0.9],
            &[0.0, 0.0, -5.0, -1.0],
            &[0.0, 0.0, 0.5, 6.0],
        );
        assert_eq!(stretches, [(1.0, 2.0, NO_EFFECT), (3.0, 3.0, "Negative"), (4.0, 4.0, "Positive")]);
    }

    #[test]
    fn labels_follow_the_rule_at_its_edges() {
        assert_eq!(label(0.7), Label::Positive);
        assert_eq!(label(0.6999), Label::Unclear);
        assert_eq!(label(0.3001), Label::Unclear);
        assert_eq!(label(0.3), Label::Negative);
        assert_eq!(label(0.0), Label::Negative);
    }

    #[test]
    fn conditions_select_samples() {
        let values = [1.0, -1.0, 2.0, -3.0, 4.0];
        let hard = [1.0, 1.0, 0.0, 1.0, 0.0];
        let easy: Vec<f64> = hard.iter().map(|h| 1.0 - h).collect();
        let all = verdict(&values, |net| net > 0.0, None).expect("samples");
        assert_eq!((all.probability, all.samples), (0.6, 5));
        let given_hard = verdict(&values, |net| net > 0.0, Some(&hard)).expect("samples");
        assert_eq!((given_hard.probability, given_hard.label, given_hard.samples), (1.0 / 3.0, Label::Unclear, 3));
        let given_easy = verdict(&values, |net| net > 0.0, Some(&easy)).expect("samples");
        assert_eq!((given_easy.probability, given_easy.label), (1.0, Label::Positive));
        assert!(verdict(&values, |net| net > 0.0, Some(&[0.0; 5])).is_none());
    }
}
