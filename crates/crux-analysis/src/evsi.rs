//! The expected value of sample information (EVSI) of the studies a model
//! declares (`[studies.<id>]`, read by `crux_lang::studies`), for the same
//! decision as [`crate::voi`].
//!
//! A study of param `theta` reports data `X`: `theta + normal(0, noise_sd)`,
//! or the successes in `n` trials of probability `theta`. Deciding after it
//! gives `E_X[max(E[net | X], 0)]`; its gain over deciding now is the EVSI.
//! It is estimated by simulating the study's data and regressing net on it
//! (the regression method of Strong et al. 2015, with the data as its own
//! summary statistic, which is sufficient for one normal or binomial
//! observation): on the joint sample of [`crate::voi`] each row's `theta`
//! is the param's value in that row ([`Engine::params_from_uniforms`]) and
//! `X` is drawn from one more column of the same scrambled Sobol' points
//! (through the normal quantile, or the binomial one), so the data is
//! correlated with the row exactly as a study's would be. Net is regressed
//! on `X` with a natural spline at `X`'s quantiles (or, for data of at most
//! 32 distinct values such as a small binomial count, the indicators of each
//! value, which span every function of it) and valued cross-fitted in halves
//! as in [`crate::regression`]: each row decided by the other half's fit and
//! valued at its own net, so the estimate is conservative and a study of an
//! irrelevant param is worth at most 0 in expectation.
//!
//! Its ceiling is the EVPPI of the measured param alone (a study with no
//! noise), estimated the same way with `theta` itself as the data. A study's
//! net value is its EVSI less its cost.

use crate::regression::{self, Design, Fitted, Input, Kind};
use crate::stats::Estimate;
use crux_engine::Engine;
use crux_engine::math::normal_quantile;
use crux_lang::Diagnostic;
use crux_lang::studies::{Observation, Study};

/// Knots of the spline of a study's data.
const DATA_KNOTS: usize = 8;

/// Trials above which a binomial count is drawn by its normal approximation.
const EXACT_TRIALS: u64 = 1000;

/// What one study is worth at one grid point.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyValue {
    /// The study's id.
    pub name: String,
    /// The param it measures.
    pub measures: String,
    /// EVSI, in net's unit.
    pub evsi: Estimate,
    /// The EVPPI of the measured param: what a study without noise would be worth.
    pub ceiling: Estimate,
    /// The study's cost, from the model (0 without one).
    pub cost: f64,
}

impl StudyValue {
    /// `study` valued at `evsi`, under the ceiling `ceiling`.
    pub fn of(study: &Study, evsi: Estimate, ceiling: Estimate) -> StudyValue {
        StudyValue {
            name: study.id.name.clone(),
            measures: study.measures.name.clone(),
            evsi,
            ceiling,
            cost: study.cost.unwrap_or(0.0),
        }
    }

    /// `study` where nothing is uncertain: worth nothing, as is perfect
    /// information.
    pub fn worthless(study: &Study) -> StudyValue {
        StudyValue::of(study, Estimate::default(), Estimate::default())
    }

    /// EVSI less the cost.
    pub fn net_value(&self) -> f64 {
        self.evsi.value - self.cost
    }
}

/// Each study's EVSI and ceiling at each point, on the joint sample
/// `uniforms` (one column per draw) for the decision at each point
/// (`decisions[point]`: net alone, release or not, or each option's values,
/// as [`regression::evppi`] takes them); `noise[s]` is
/// the column of uniforms of study `s`'s sampling noise. Returns
/// `[point][study]`.
pub fn study_values(
    engine: &Engine,
    studies: &[Study],
    uniforms: &[Vec<f64>],
    noise: &[Vec<f64>],
    decisions: &[Vec<&[f64]>],
) -> Result<Vec<Vec<StudyValue>>, Diagnostic> {
    let file = &engine.model().file;
    let mut by_point: Vec<Vec<StudyValue>> = vec![Vec::with_capacity(studies.len()); decisions.len()];
    for (study, noise) in studies.iter().zip(noise) {
        let index = file.params.iter().position(|param| param.name.name == study.measures.name).ok_or_else(|| {
            Diagnostic::error(format!("the model has no param `{}`", study.measures.name)).at(study.measures.span)
        })?;
        let theta = engine.params_from_uniforms(uniforms, &[index])?.remove(0);
        let data = observe(study, &theta, noise)?;
        let evsi = regress(&data, decisions);
        let ceiling = regress(&theta, decisions);
        for ((values, evsi), ceiling) in by_point.iter_mut().zip(evsi).zip(ceiling) {
            values.push(StudyValue::of(study, estimate(evsi), estimate(ceiling)));
        }
    }
    Ok(by_point)
}

fn estimate(fitted: Fitted) -> Estimate {
    Estimate { value: fitted.value, standard_error: fitted.standard_error }
}

/// The cross-fitted value of deciding on a regression of net on `data`, per decision.
fn regress(data: &[f64], decisions: &[Vec<&[f64]>]) -> Vec<Fitted> {
    let design = Design::new(Kind::Smooth, vec![Input::for_values(data, DATA_KNOTS)], &[0]);
    regression::evppi(&design, &[data], decisions)
}

/// The study's data in each row: the param's value `theta` observed through
/// the study, with the row's uniform `noise`.
fn observe(study: &Study, theta: &[f64], noise: &[f64]) -> Result<Vec<f64>, Diagnostic> {
    match study.observation {
        Observation::Normal { noise_sd } => {
            Ok(theta.iter().zip(noise).map(|(theta, u)| theta + noise_sd * normal_quantile(*u)).collect())
        }
        Observation::Binomial { trials } => {
            if let Some(bad) = theta.iter().find(|theta| !(0.0..=1.0).contains(*theta)) {
                return Err(Diagnostic::error(format!(
                    "study `{}` counts successes in {trials} trials, but `{}` takes the value {bad}, which is not a probability",
                    study.id.name, study.measures.name
                ))
                .at(study.measures.span)
                .with_help("a binomial study (`trials`) measures a param between 0 and 1; use `noise_sd` for others"));
            }
            Ok(theta.iter().zip(noise).map(|(theta, u)| binomial_quantile(trials, *theta, *u)).collect())
        }
    }
}

/// The smallest `k` with `P(Binomial(n, p) <= k) >= u`: exact up to
/// [`EXACT_TRIALS`] trials (by the pmf's recurrence, from the tail of the
/// smaller probability), by the normal approximation with continuity
/// correction above.
pub fn binomial_quantile(n: u64, p: f64, u: f64) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return n as f64;
    }
    if p > 0.5 {
        return n as f64 - binomial_quantile(n, 1.0 - p, 1.0 - u);
    }
    if n > EXACT_TRIALS {
        let mean = n as f64 * p;
        let sd = (mean * (1.0 - p)).sqrt();
        return (mean + sd * normal_quantile(u) + 0.5).floor().clamp(0.0, n as f64);
    }
    let ratio = p / (1.0 - p);
    let mut pmf = (1.0 - p).powi(n as i32);
    let mut cdf = pmf;
    let mut k = 0;
    while cdf < u && k < n {
        pmf *= (n - k) as f64 / (k + 1) as f64 * ratio;
        k += 1;
        cdf += pmf;
    }
    k as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_quantiles_match_the_distribution() {
        // n = 4, p = 0.3: P(0) = 0.2401, P(<=1) = 0.6517, P(<=2) = 0.9163, P(<=3) = 0.9919.
        for (u, k) in [(0.1, 0.0), (0.25, 1.0), (0.65, 1.0), (0.66, 2.0), (0.95, 3.0), (0.995, 4.0)] {
            assert_eq!(binomial_quantile(4, 0.3, u), k, "u = {u}");
        }
        // Mirrored for p > 1/2: Binomial(4, 0.7) = 4 - Binomial(4, 0.3).
        assert_eq!(binomial_quantile(4, 0.7, 0.5), 3.0);
        assert_eq!(binomial_quantile(4, 0.7, 0.9), 4.0);
        assert_eq!(binomial_quantile(4, 0.0, 0.9), 0.0);
        assert_eq!(binomial_quantile(4, 1.0, 0.1), 4.0);
        // Mean of many draws near n p, exact and approximate.
        for n in [50, 5000] {
            let draws = 20_000;
            let mean: f64 = (0..draws).map(|i| binomial_quantile(n, 0.2, (i as f64 + 0.5) / draws as f64)).sum::<f64>()
                / draws as f64;
            assert!((mean - 0.2 * n as f64).abs() < 0.01 * n as f64, "n = {n}: {mean}");
        }
    }
}
