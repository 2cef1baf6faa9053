//! The value of information for the decision "release iff E[net] > 0", or
//! for the model's own `[decision]` among several options.
//!
//! Deciding now gives `max(E[net], 0)`; deciding after learning everything
//! gives `E[max(net, 0)]`. Their difference is the expected value of perfect
//! information, EVPI. Learning only the draws of one group `G` (a crux) gives
//! `E_G[max(E[net | G], 0)]`; its gain over deciding now is the expected value
//! of partial perfect information, EVPPI(G). Both are in net's unit (bp).
//!
//! EVPI is estimated on `N` scrambled Sobol' points of all draws.
//!
//! EVPPI uses a nested design that the engine makes cheap: `M` outer points
//! of the group's draws (scrambled Sobol'), and for each of them `K` inner
//! rows of the other draws (independent pseudo-random uniforms), evaluated
//! together through [`Engine::net_from_uniforms`] (`M * K = N` evaluations
//! per group). The mean of the inner rows estimates `E[net | G = g_j]`.
//!
//! Bias and its control. The plain nested estimate `mean_j max(m_j, 0)`
//! (with `m_j` the inner mean) is biased upwards: noise in `m_j` looks like
//! information. Where the decision is on a knife edge (E[net] near 0) that
//! bias is of order `sd(net) / sqrt(K)` even for a crux that does not
//! matter at all, and it would credit irrelevant cruxes with value. So each
//! inner row is valued under the decision taken on the *other* rows of its
//! outer point (leave-one-out cross-fitting):
//!
//! `z_j = mean_k f_jk 1[(S_j - f_jk) / (K - 1) > 0]`, with `S_j = sum_k f_jk`.
//!
//! That is the gain of a decision rule that really could be followed, so its
//! expectation never exceeds the EVPPI, and a crux that does not change net
//! gets at most 0 in expectation. When the conditional mean `E[net | G]` has a
//! density `p` near 0, the shortfall is `p(0) E[var(net | G)] / (2 (K - 1))`
//! to first order (checked in the tests); it is largest, about
//! `0.17 sd(net | G) / sqrt(K - 1)`, for a crux whose conditional means sit
//! within about one inner standard error of a knife-edge decision. With the
//! default [`DEFAULT_INNER`] that is under 2.2% of `sd(net)`: a conservative
//! estimate, never an invented one. Outer Monte Carlo error is reported as a
//! standard error (`sd / sqrt(M)` over outer points, conservative for
//! scrambled points). Estimates below 0, which only noise and the
//! conservative bias produce, are reported as 0. A group that holds every
//! draw needs no inner rows (`K = 1`, exact decisions).
//!
//! The regression design ([`Method::Regression`], the default) pools every
//! sample instead: one set of `N` joint samples (the EVPI's), and for each
//! group a regression of net on the group's draws (Strong, Oakley and
//! Brennan 2014), cross-fitted in halves so that, like the nested design's,
//! its estimate is the value of a decision rule that could be followed
//! ([`crate::regression`] says which regression and why). It has no
//! knife-edge shortfall where the regression follows net, costs one model
//! evaluation for all groups, and its standard error is that of a mean over
//! `N` rows. Where net depends on a group's draws in ways the regression
//! cannot follow, its decisions are worse and its estimate low, never high;
//! the nested design (`Method::Nested`), which assumes nothing of net's
//! shape, is the check there. Each group's estimate names its method
//! ([`EvppiMethod`]): exact for a group that holds every draw (EVPPI =
//! EVPI), else the regression's kind, its columns, its R^2 and its plug-in
//! estimate.
//!
//! A model with a `[decision]` is decided among its options instead
//! ([`crate::decision`] values each on the joint sample's rows): deciding now
//! takes the option of greatest E[value] ([`PointValue::best`]), EVPI is
//! `E[max_k v_k] - max_k E[v_k]` (the mean, over rows, of the best option's
//! gain over the one chosen now) and each group's EVPPI comes from a
//! regression of every option's value on the group's draws, each row decided
//! by the largest fitted value. Release or not is the two options `net` and
//! `0`, and gives the same estimates. Only the regression design values
//! several options.

use crate::decision::OptionEngines;
use crate::evsi::{StudyValue, study_values};
use crate::inputs::Inputs;
use crate::regression::{self, Design, Input, Kind};
use crate::sequence::{mix, scrambled_sobol};
pub use crate::stats::Estimate;
use crux_engine::Engine;
use crux_engine::program::{DrawDist, Operand, SampleStep};
use crux_lang::Diagnostic;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Inner rows per outer point of the EVPPI design.
pub const DEFAULT_INNER: usize = 64;

/// Rows of uniforms per engine call, rounded down to whole outer points.
const ROWS_PER_CALL: usize = 1 << 16;

/// What to compute.
#[derive(Debug, Clone)]
pub struct VoiOptions {
    /// Model evaluations for EVPI and for each group's EVPPI.
    pub samples: usize,
    pub seed: u64,
    /// Grid points at which to evaluate.
    pub points: Vec<usize>,
    /// Inner rows per outer point of the nested design (at least 2).
    pub inner: usize,
    /// How to estimate each group's EVPPI.
    pub method: Method,
}

impl VoiOptions {
    pub fn new(samples: usize, seed: u64, points: Vec<usize>) -> Self {
        VoiOptions { samples, seed, points, inner: DEFAULT_INNER, method: Method::Regression }
    }
}

/// The design of the EVPPI estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// A regression of net on each group's draws over one joint sample.
    #[default]
    Regression,
    /// Outer points of the group, inner rows of the rest, per group.
    Nested,
}

/// Samples per column of a regression design, at the least.
pub const MIN_ROWS_PER_COLUMN: usize = 20;

/// The most values of net (samples times points) the regression design keeps.
pub const REGRESSION_MAX_VALUES: usize = 1 << 27;

/// How a group's EVPPI was estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EvppiMethod {
    /// The group holds every draw: its EVPPI is the EVPI.
    Exact,
    /// The nested design with this many inner rows per outer point.
    Nested { inner: usize },
    /// A regression of this kind, with this many columns, explaining this
    /// share of the variance of net, and its plug-in estimate.
    Regression { kind: Kind, columns: usize, r_squared: f64, plug_in: f64 },
}

impl EvppiMethod {
    /// A short name: `exact`, `nested`, `gam` (splines and pairwise tensor
    /// products, 1 to 4 draws) or `additive` (splines and pairwise products
    /// of the main draws, 5 or more).
    pub fn name(&self) -> &'static str {
        match self {
            EvppiMethod::Exact => "exact",
            EvppiMethod::Nested { .. } => "nested",
            EvppiMethod::Regression { kind: Kind::Smooth, .. } => "gam",
            EvppiMethod::Regression { kind: Kind::Additive, .. } => "additive",
        }
    }
}

/// The value of information at one grid point.
#[derive(Debug, Clone, PartialEq)]
pub struct PointValue {
    /// The grid index.
    pub point: usize,
    /// E[net] from the EVPI sample.
    pub expected_net: f64,
    pub evpi: Estimate,
    /// EVPPI of each group of [`Inputs::groups`], in order.
    pub evppi: Vec<Estimate>,
    /// How each group's EVPPI was estimated, in the same order.
    pub methods: Vec<EvppiMethod>,
    /// What each study of the model is worth ([`crate::evsi`]), in file order.
    pub studies: Vec<StudyValue>,
    /// For a model with a `[decision]`: E[value] of each option, in file
    /// order (empty for release-or-not).
    pub expected_values: Vec<f64>,
    /// For a model with a `[decision]`: the option with the greatest
    /// expected value, the one chosen now (the first of equals).
    pub best: Option<usize>,
}

/// EVPI and EVPPI of every group at each of `options.points`.
pub fn value_of_information(
    engine: &Engine,
    inputs: &Inputs,
    options: &VoiOptions,
) -> Result<Vec<PointValue>, Diagnostic> {
    let n = options.samples;
    if n < 2 {
        return Err(Diagnostic::error("the value of information needs at least 2 samples"));
    }
    if n > crux_engine::run::MAX_SAMPLES {
        return Err(Diagnostic::error(format!(
            "{n} samples is more than the limit of {}",
            crux_engine::run::MAX_SAMPLES
        )));
    }
    if options.inner < 2 {
        return Err(Diagnostic::error("the inner sample of the EVPPI design needs at least 2 rows"));
    }
    let dimension = inputs.dimension;
    let points = &options.points;
    if let Some(decision) = &engine.model().file.decision {
        if options.method == Method::Nested {
            return Err(Diagnostic::error("the nested design values only the decision to release or not")
                .at(decision.span)
                .with_help("the model's [decision] has its options valued by the regression design (the default)"));
        }
        let engines = OptionEngines::new(engine.model(), engine, decision).map_err(|mut errors| errors.remove(0))?;
        if dimension == 0 {
            return certain_decision(engine, &engines, inputs, points);
        }
        return regression_design(engine, inputs, options, Some(&engines));
    }
    if options.method == Method::Regression && dimension > 0 {
        return regression_design(engine, inputs, options, None);
    }
    let evpi = if dimension == 0 {
        let net = engine.net_from_uniforms(&[], points)?;
        net.iter().map(|column| (column[0], Estimate::default())).collect()
    } else {
        let uniforms = evpi_uniforms(n, dimension, options.seed)?;
        let mut sums = vec![Sums::default(); points.len()];
        for start in (0..n).step_by(ROWS_PER_CALL) {
            let end = (start + ROWS_PER_CALL).min(n);
            let chunk: Vec<Vec<f64>> = uniforms.iter().map(|column| column[start..end].to_vec()).collect();
            let net = engine.net_from_uniforms(&chunk, points)?;
            for (sums, column) in sums.iter_mut().zip(&net) {
                sums.add(column);
            }
        }
        sums.iter().map(Sums::evpi).collect::<Vec<_>>()
    };
    let mut values: Vec<PointValue> = points
        .iter()
        .zip(&evpi)
        .map(|(point, (expected_net, evpi))| PointValue {
            point: *point,
            expected_net: *expected_net,
            evpi: *evpi,
            evppi: Vec::with_capacity(inputs.groups.len()),
            methods: Vec::with_capacity(inputs.groups.len()),
            studies: Vec::new(),
            expected_values: Vec::new(),
            best: None,
        })
        .collect();
    let studies = &engine.model().file.studies;
    if dimension == 0 {
        // Nothing is uncertain: no study can change the decision.
        for value in &mut values {
            value.studies = studies.iter().map(StudyValue::worthless).collect();
        }
    } else if !studies.is_empty() {
        let (uniforms, net) = joint_sample(engine, inputs, options)?;
        let decisions: Vec<Vec<&[f64]>> = net.iter().map(|column| vec![column.as_slice()]).collect();
        add_studies(engine, inputs, options, &uniforms, &decisions, &mut values)?;
    }
    for (index, group) in inputs.groups.iter().enumerate() {
        let key = mix(options.seed ^ mix(0x9e11 + index as u64));
        let estimates = evppi(engine, dimension, &group.draws, n, options.inner, key, points)?;
        let method = if group.draws.len() == dimension {
            EvppiMethod::Exact
        } else {
            EvppiMethod::Nested { inner: options.inner }
        };
        for (value, estimate) in values.iter_mut().zip(estimates) {
            value.evppi.push(estimate);
            value.methods.push(method);
        }
    }
    Ok(values)
}

/// What each study of the model is worth at each of `options.points`
/// (`[point][study]`), on the joint sample of [`value_of_information`]
/// (the same values as its `studies`), without the EVPPI of the groups.
pub fn value_of_studies(
    engine: &Engine,
    inputs: &Inputs,
    options: &VoiOptions,
) -> Result<Vec<Vec<StudyValue>>, Diagnostic> {
    if engine.model().file.studies.is_empty() {
        return Ok(vec![Vec::new(); options.points.len()]);
    }
    let mut values: Vec<PointValue> = options
        .points
        .iter()
        .map(|point| PointValue {
            point: *point,
            expected_net: 0.0,
            evpi: Estimate::default(),
            evppi: Vec::new(),
            methods: Vec::new(),
            studies: Vec::new(),
            expected_values: Vec::new(),
            best: None,
        })
        .collect();
    if inputs.dimension == 0 {
        return Ok(vec![Vec::new(); options.points.len()]);
    }
    let (uniforms, net) = joint_sample(engine, inputs, options)?;
    let option_values = match &engine.model().file.decision {
        Some(decision) => {
            let engines =
                OptionEngines::new(engine.model(), engine, decision).map_err(|mut errors| errors.remove(0))?;
            Some(option_sample(&engines, &uniforms, options)?)
        }
        None => None,
    };
    let decisions = decision_columns(&net, option_values.as_ref());
    add_studies(engine, inputs, options, &uniforms, &decisions, &mut values)?;
    Ok(values.into_iter().map(|value| value.studies).collect())
}

/// For a model with a `[decision]`: E[value] of each option, the best
/// option and the EVPI over the options at each of `options.points`, on the
/// joint sample of [`value_of_information`] (the same values), without the
/// EVPPI of the groups or the studies. A model without a decision gives
/// no points.
pub fn value_of_options(engine: &Engine, inputs: &Inputs, options: &VoiOptions) -> Result<Vec<PointValue>, Diagnostic> {
    let Some(decision) = &engine.model().file.decision else { return Ok(Vec::new()) };
    let engines = OptionEngines::new(engine.model(), engine, decision).map_err(|mut errors| errors.remove(0))?;
    if inputs.dimension == 0 {
        return certain_decision(engine, &engines, inputs, &options.points);
    }
    let (uniforms, net) = joint_sample(engine, inputs, options)?;
    let by_point = option_sample(&engines, &uniforms, options)?;
    Ok(options
        .points
        .iter()
        .zip(&net)
        .zip(&by_point)
        .map(|((point, column), options)| {
            let mut sums = Sums::default();
            sums.add(column);
            let (expected_values, best, evpi) = decision_evpi(options);
            PointValue {
                point: *point,
                expected_net: sums.evpi().0,
                evpi,
                evppi: Vec::new(),
                methods: Vec::new(),
                studies: Vec::new(),
                expected_values,
                best,
            }
        })
        .collect())
}

/// The joint sample of EVPI, the regressions and the studies: `n`
/// scrambled Sobol' points of every draw, `[draw][row]` (public so that a
/// check can recompute an estimate from the same rows).
pub fn joint_uniforms(n: usize, dimension: usize, seed: u64) -> Result<Vec<Vec<f64>>, Diagnostic> {
    evpi_uniforms(n, dimension, seed)
}

/// The EVPI's sample: `n` scrambled Sobol' points of every draw.
fn evpi_uniforms(n: usize, dimension: usize, seed: u64) -> Result<Vec<Vec<f64>>, Diagnostic> {
    scrambled_sobol(n, 0, dimension, mix(seed ^ 0xe791))
}

/// Each option's value on the joint sample's rows, `[point][option][row]`.
fn option_sample(
    engines: &OptionEngines,
    uniforms: &[Vec<f64>],
    options: &VoiOptions,
) -> Result<Vec<Vec<Vec<f64>>>, Diagnostic> {
    let (n, points) = (options.samples, &options.points);
    let mut by_point: Vec<Vec<Vec<f64>>> = vec![vec![Vec::with_capacity(n); engines.names.len()]; points.len()];
    for start in (0..n).step_by(ROWS_PER_CALL) {
        let end = (start + ROWS_PER_CALL).min(n);
        let chunk: Vec<Vec<f64>> = uniforms.iter().map(|column| column[start..end].to_vec()).collect();
        for (all, part) in by_point.iter_mut().zip(engines.values(&chunk, points)?) {
            for (column, values) in all.iter_mut().zip(part) {
                column.extend(values);
            }
        }
    }
    Ok(by_point)
}

/// The decision at each point as the regressions take it: the options'
/// values, or net alone (release or not).
fn decision_columns<'a>(net: &'a [Vec<f64>], options: Option<&'a Vec<Vec<Vec<f64>>>>) -> Vec<Vec<&'a [f64]>> {
    match options {
        Some(by_point) => by_point.iter().map(|options| options.iter().map(Vec::as_slice).collect()).collect(),
        None => net.iter().map(|column| vec![column.as_slice()]).collect(),
    }
}

/// A decision in a model without uncertainty: every option's value is
/// known, so nothing is worth learning.
fn certain_decision(
    engine: &Engine,
    engines: &OptionEngines,
    inputs: &Inputs,
    points: &[usize],
) -> Result<Vec<PointValue>, Diagnostic> {
    let net = engine.net_from_uniforms(&[], points)?;
    let options = engines.values(&[], points)?;
    let studies = &engine.model().file.studies;
    Ok(points
        .iter()
        .zip(net)
        .zip(options)
        .map(|((point, net), options)| {
            let means: Vec<f64> = options.iter().map(|column| column[0]).collect();
            PointValue {
                point: *point,
                expected_net: net[0],
                evpi: Estimate::default(),
                evppi: vec![Estimate::default(); inputs.groups.len()],
                methods: vec![EvppiMethod::Exact; inputs.groups.len()],
                studies: studies.iter().map(StudyValue::worthless).collect(),
                best: regression::choose(&means),
                expected_values: means,
            }
        })
        .collect())
}

/// E[value] of each option and the EVPI over them, `E[max_k v_k] -
/// max_k E[v_k]`, as the mean of each row's gain over the option chosen now.
fn decision_evpi(options: &[Vec<f64>]) -> (Vec<f64>, Option<usize>, Estimate) {
    let rows = options.first().map_or(0, Vec::len);
    let count = rows as f64;
    let means: Vec<f64> = options.iter().map(|column| column.iter().sum::<f64>() / count).collect();
    let now = regression::choose(&means).unwrap_or(0);
    let (mut sum, mut squares) = (0.0, 0.0);
    for row in 0..rows {
        let best = options.iter().map(|column| column[row]).fold(f64::NEG_INFINITY, f64::max);
        let gain = best - options[now][row];
        sum += gain;
        squares += gain * gain;
    }
    (means, Some(now), estimate(sum, squares, count))
}

/// EVPI, and each group's EVPPI by regression, on the EVPI's sample: for
/// release or not, or (with `engines`) over the options of the model's decision.
fn regression_design(
    engine: &Engine,
    inputs: &Inputs,
    options: &VoiOptions,
    engines: Option<&OptionEngines>,
) -> Result<Vec<PointValue>, Diagnostic> {
    let (n, points) = (options.samples, &options.points);
    let (uniforms, net) = joint_sample(engine, inputs, options)?;
    let option_values = engines.map(|engines| option_sample(engines, &uniforms, options)).transpose()?;
    let mut values: Vec<PointValue> = points
        .iter()
        .zip(&net)
        .enumerate()
        .map(|(index, (point, column))| {
            let mut sums = Sums::default();
            sums.add(column);
            let (expected_net, release_evpi) = sums.evpi();
            let (expected_values, best, evpi) = match &option_values {
                Some(by_point) => decision_evpi(&by_point[index]),
                None => (Vec::new(), None, release_evpi),
            };
            PointValue {
                point: *point,
                expected_net,
                evpi,
                evppi: Vec::with_capacity(inputs.groups.len()),
                methods: Vec::with_capacity(inputs.groups.len()),
                studies: Vec::new(),
                expected_values,
                best,
            }
        })
        .collect();
    let decisions = decision_columns(&net, option_values.as_ref());
    add_studies(engine, inputs, options, &uniforms, &decisions, &mut values)?;
    let shapes = draw_shapes(engine);
    // Each draw's regression column: its uniform for indicators, else its normal score.
    let scores: Vec<Vec<f64>> = uniforms
        .par_iter()
        .zip(&shapes)
        .map(|(column, shape)| match shape {
            Some(_) => Vec::new(),
            None => column.iter().map(|u| crux_engine::math::normal_quantile(*u)).collect(),
        })
        .collect();
    let column = |draw: usize| if shapes[draw].is_some() { &uniforms[draw] } else { &scores[draw] };
    for group in &inputs.groups {
        if group.draws.len() == inputs.dimension {
            for value in &mut values {
                value.evppi.push(value.evpi);
                value.methods.push(EvppiMethod::Exact);
            }
            continue;
        }
        let columns: Vec<&[f64]> = group.draws.iter().map(|draw| column(*draw).as_slice()).collect();
        let design = group_design(&shapes, &group.draws, &columns, &net);
        if n < MIN_ROWS_PER_COLUMN * design.columns() {
            return Err(Diagnostic::error(format!(
                "{n} samples is too few for the regression design of `{}`: it needs at least {}",
                group.name,
                MIN_ROWS_PER_COLUMN * design.columns()
            )));
        }
        let fits = regression::evppi(&design, &columns, &decisions);
        for (value, fit) in values.iter_mut().zip(fits) {
            value.evppi.push(Estimate { value: fit.value, standard_error: fit.standard_error });
            value.methods.push(EvppiMethod::Regression {
                kind: design.kind,
                columns: fit.columns,
                r_squared: fit.r_squared,
                plug_in: fit.plug_in,
            });
        }
    }
    Ok(values)
}

/// The joint sample of EVPI and the regressions: the EVPI's uniforms and net
/// at each point, `[point][row]`.
#[allow(clippy::type_complexity)]
fn joint_sample(
    engine: &Engine,
    inputs: &Inputs,
    options: &VoiOptions,
) -> Result<(Vec<Vec<f64>>, Vec<Vec<f64>>), Diagnostic> {
    let (n, points) = (options.samples, &options.points);
    if n.saturating_mul(points.len()) > REGRESSION_MAX_VALUES {
        return Err(Diagnostic::error(format!(
            "{n} samples at {} points is more than the regression design keeps ({} values of net); \
             use fewer samples or points",
            points.len(),
            REGRESSION_MAX_VALUES
        )));
    }
    let uniforms = evpi_uniforms(n, inputs.dimension, options.seed)?;
    let mut net: Vec<Vec<f64>> = vec![Vec::with_capacity(n); points.len()];
    for start in (0..n).step_by(ROWS_PER_CALL) {
        let end = (start + ROWS_PER_CALL).min(n);
        let chunk: Vec<Vec<f64>> = uniforms.iter().map(|column| column[start..end].to_vec()).collect();
        for (all, column) in net.iter_mut().zip(engine.net_from_uniforms(&chunk, points)?) {
            all.extend(column);
        }
    }
    Ok((uniforms, net))
}

/// Each study's EVSI at each point, on the joint sample, its noise drawn
/// from further dimensions of the same Sobol' points.
fn add_studies(
    engine: &Engine,
    inputs: &Inputs,
    options: &VoiOptions,
    uniforms: &[Vec<f64>],
    decisions: &[Vec<&[f64]>],
    values: &mut [PointValue],
) -> Result<(), Diagnostic> {
    let studies = &engine.model().file.studies;
    if studies.is_empty() {
        return Ok(());
    }
    let noise = scrambled_sobol(options.samples, inputs.dimension, studies.len(), mix(options.seed ^ 0xe791))?;
    for (value, studies) in values.iter_mut().zip(study_values(engine, studies, uniforms, &noise, decisions)?) {
        value.studies = studies;
    }
    Ok(())
}

/// Each draw's regression input: the indicators of a discrete draw with
/// constant probabilities, else `None` (a spline).
fn draw_shapes(engine: &Engine) -> Vec<Option<Input>> {
    let constant = |operand: &Operand| match operand {
        Operand::Const(value) => Some(*value),
        _ => None,
    };
    engine
        .program()
        .sample_steps
        .iter()
        .filter_map(|step| match step {
            SampleStep::Draw(draw) => Some(&draw.dist),
            SampleStep::Compute(_) => None,
        })
        .map(|dist| match dist {
            DrawDist::Bernoulli { p } => constant(p).map(|p| Input::Steps(vec![1.0 - p])),
            DrawDist::Categorical { weights } => {
                let weights: Option<Vec<f64>> = weights.iter().map(constant).collect();
                weights.map(|weights| {
                    let total: f64 = weights.iter().sum();
                    let mut cumulative = 0.0;
                    let mut cuts = Vec::new();
                    for weight in &weights[..weights.len().saturating_sub(1)] {
                        cumulative += weight;
                        cuts.push(cumulative / total);
                    }
                    Input::Steps(cuts)
                })
            }
            _ => None,
        })
        .collect()
}

/// The regression design of a group with draws `draws` (columns `columns`: scores or uniforms):
/// smooth for up to four draws, else additive with the products of the
/// draws whose scores are most correlated with net at any point.
fn group_design(shapes: &[Option<Input>], draws: &[usize], columns: &[&[f64]], net: &[Vec<f64>]) -> Design {
    let kind = Kind::for_draws(draws.len());
    let knots = match kind {
        Kind::Smooth => regression::SMOOTH_KNOTS,
        Kind::Additive => regression::ADDITIVE_KNOTS,
    };
    let inputs: Vec<Input> =
        draws.iter().map(|draw| shapes[*draw].clone().unwrap_or_else(|| Input::spline(knots))).collect();
    let paired: Vec<usize> = match kind {
        Kind::Smooth => (0..draws.len()).collect(),
        Kind::Additive => {
            let strength: Vec<f64> = columns
                .par_iter()
                .zip(&inputs)
                .map(|(column, input)| {
                    net.iter().map(|values| correlation(&first_function(input, column), values).powi(2)).sum()
                })
                .collect();
            let mut order: Vec<usize> = (0..draws.len()).collect();
            order.sort_by(|a, b| strength[*b].total_cmp(&strength[*a]).then(a.cmp(b)));
            order.truncate(regression::PAIRED_DRAWS);
            order.sort_unstable();
            order
        }
    };
    Design::new(kind, inputs, &paired)
}

/// An input's first function (the value, or the first indicator) at each row.
fn first_function(input: &Input, column: &[f64]) -> Vec<f64> {
    column
        .iter()
        .map(|u| match input {
            Input::Direct(_) => *u,
            Input::Steps(cuts) => f64::from(u8::from(cuts.first().is_some_and(|cut| u > cut))),
            Input::Levels(levels) => f64::from(u8::from(levels.first().is_some_and(|level| u == level))),
        })
        .collect()
}

/// The correlation of two columns (0 when either is constant).
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let count = a.len() as f64;
    let (mean_a, mean_b) = (a.iter().sum::<f64>() / count, b.iter().sum::<f64>() / count);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x - mean_a, y - mean_b);
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    if aa > 0.0 && bb > 0.0 { ab / (aa * bb).sqrt() } else { 0.0 }
}

/// Running sums of net and of its positive part, in a fixed order.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    count: f64,
    net: f64,
    positive: f64,
    positive_squares: f64,
    negative: f64,
    negative_squares: f64,
}

impl Sums {
    fn add(&mut self, values: &[f64]) {
        for &value in values {
            self.count += 1.0;
            self.net += value;
            let (positive, negative) = (value.max(0.0), (-value).max(0.0));
            self.positive += positive;
            self.positive_squares += positive * positive;
            self.negative += negative;
            self.negative_squares += negative * negative;
        }
    }

    /// E[net] and EVPI: `E[max(net, 0)] - max(E[net], 0)`, which is the mean
    /// negative part when E[net] > 0 and the mean positive part otherwise.
    fn evpi(&self) -> (f64, Estimate) {
        let mean = self.net / self.count;
        let (sum, squares) =
            if mean > 0.0 { (self.negative, self.negative_squares) } else { (self.positive, self.positive_squares) };
        (mean, estimate(sum, squares, self.count))
    }
}

fn estimate(sum: f64, squares: f64, count: f64) -> Estimate {
    let value = sum / count;
    let variance = ((squares / count - value * value) * count / (count - 1.0).max(1.0)).max(0.0);
    Estimate { value: value.max(0.0), standard_error: (variance / count).sqrt() }
}

/// EVPPI of the group with draws `group` at each point.
fn evppi(
    engine: &Engine,
    dimension: usize,
    group: &[usize],
    samples: usize,
    inner: usize,
    key: u64,
    points: &[usize],
) -> Result<Vec<Estimate>, Diagnostic> {
    let inner = if group.len() == dimension { 1 } else { inner };
    let outer = samples / inner;
    if outer < 2 {
        return Err(Diagnostic::error(format!(
            "{samples} samples is too few for the EVPPI design: it needs at least {}",
            2 * inner
        )));
    }
    let outer_points = scrambled_sobol(outer, 0, group.len(), key)?;
    let per_call = (ROWS_PER_CALL / inner).max(1);
    // Per point, per outer point: the cross-fitted decision value and the inner mean.
    let mut terms: Vec<Vec<(f64, f64)>> = vec![Vec::with_capacity(outer); points.len()];
    for first in (0..outer).step_by(per_call) {
        let last = (first + per_call).min(outer);
        let rows = (last - first) * inner;
        let uniforms: Vec<Vec<f64>> = (0..dimension)
            .into_par_iter()
            .map(|draw| match group.binary_search(&draw) {
                Ok(position) => {
                    let column = &outer_points[position][first..last];
                    column.iter().flat_map(|u| std::iter::repeat_n(*u, inner)).collect()
                }
                Err(_) => {
                    // Each draw's inner stream continues across calls: keyed by draw and first outer point.
                    let mut rng =
                        Xoshiro256PlusPlus::seed_from_u64(mix(key ^ mix(draw as u64) ^ ((first as u64) << 32)));
                    (0..rows).map(|_| open_uniform(&mut rng)).collect()
                }
            })
            .collect();
        let net = engine.net_from_uniforms(&uniforms, points)?;
        for (terms, column) in terms.iter_mut().zip(&net) {
            terms.extend(column.chunks(inner).map(|rows| {
                let sum: f64 = rows.iter().sum();
                let mean = sum / inner as f64;
                if inner == 1 {
                    return (mean.max(0.0), mean);
                }
                let others = (inner - 1) as f64;
                let valued: f64 =
                    rows.iter().map(|value| if (sum - value) / others > 0.0 { *value } else { 0.0 }).sum();
                (valued / inner as f64, mean)
            }));
        }
    }
    Ok(terms
        .iter()
        .map(|terms| {
            let count = terms.len() as f64;
            let mean_net = terms.iter().map(|(_, mean)| mean).sum::<f64>() / count;
            let decide_now = if mean_net > 0.0 { 1.0 } else { 0.0 };
            let (sum, squares) = terms.iter().fold((0.0, 0.0), |(sum, squares), (z, mean)| {
                let gain = z - decide_now * mean;
                (sum + gain, squares + gain * gain)
            });
            estimate(sum, squares, count)
        })
        .collect())
}

/// A uniform draw in the open interval (0, 1).
fn open_uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}
