//! Computes everything a model's page asks: the grid run, the values at the
//! open frontier now, the evaluation verdicts, the capability threshold and
//! the answer to each policy implication, and, when asked, each crux's share
//! of the uncertainty of net now and the value of resolving it. Rendering is elsewhere
//! ([`crate::markdown`], [`crate::json`], [`crate::text`]).
//!
//! Every analysis uses the same samples and seed, so that sample `i` is the
//! same draw of the params throughout (common random numbers): the shifted
//! run of the compute-governance answer differs from the main run only by
//! the shift.

use crux_analysis::evsi::StudyValue;
use crux_analysis::inputs::{Inputs, OTHER_GROUP, OTHER_GROUP_NAME};
use crux_analysis::policy::{Best, ReleasePolicy, ReleaseSchedule, shift_param, value_release_rules_over};
use crux_analysis::probe::{Capability, Probe, ProbeResults, Quantity, run_probes, stream_probes, summarise_probes};
use crux_analysis::robustness::{ROBUSTNESS_SAMPLES, Robustness, is_judgement_source, robustness};
use crux_analysis::sobol::{SobolOptions, sobol_indices};
use crux_analysis::stats::Summary;
use crux_analysis::threshold::{Threshold, Timeline};
use crux_analysis::verdict::{Verdict, VerdictTally};
use crux_analysis::voi::{Estimate, Method, VoiOptions, value_of_information, value_of_options, value_of_studies};
use crux_engine::format::short;
use crux_engine::{Engine, PointSummary, RunOptions, RunOutput};
use crux_lang::model::Side;
use crux_lang::outline::{Analysis, Assessment, At};
use crux_lang::{Diagnostic, Diagnostics, hir};

/// How to compute.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    pub samples: usize,
    pub seed: u64,
    /// Called with the number of sample-points finished, from any thread.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Called like `progress` during the runs that `progress` does not count
    /// (the probes), so that a caller with a time limit can stop those too
    /// (by unwinding out of the callback).
    pub interrupt: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Whether to fill [`Results::sensitivity`] (Sobol indices and the
    /// value of information per crux at the open frontier now).
    pub sensitivity: bool,
    /// Whether to fill [`Results::robustness`] (off by default: about
    /// `2 * judgement params + 1` grid runs of at most [`ROBUSTNESS_SAMPLES`]
    /// samples, which `crux run` and the web page turn on and a caller that
    /// computes many views skips).
    pub robustness: bool,
    /// Whether the model's runs spread over rayon's threads (the default) or
    /// run on the calling thread ([`RunOptions::parallel`]); the results are the same.
    pub parallel: bool,
    /// Other worldviews of the same model (its presets), answered beside it
    /// in [`Results::worldviews`].
    pub worldviews: &'a [Worldview],
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("samples", &self.samples)
            .field("seed", &self.seed)
            .field("sensitivity", &self.sensitivity)
            .field("robustness", &self.robustness)
            .field("parallel", &self.parallel)
            .finish()
    }
}

impl<'a> Options<'a> {
    /// Without the sensitivity analysis, which a front end turns on.
    pub fn new(samples: usize, seed: u64) -> Self {
        Options {
            samples,
            seed,
            progress: None,
            interrupt: None,
            sensitivity: false,
            robustness: false,
            parallel: true,
            worldviews: &[],
        }
    }

    /// The engine's run options for the runs [`Options::total_work`] counts.
    fn run_options(&self) -> RunOptions<'a> {
        RunOptions {
            crossings: true,
            progress: self.progress,
            parallel: self.parallel,
            ..RunOptions::new(self.samples, self.seed)
        }
    }

    /// The engine's run options for probe runs, which report no progress
    /// (but may be interrupted).
    fn probe_options(&self) -> RunOptions<'a> {
        RunOptions { progress: self.interrupt, crossings: false, ..self.run_options() }
    }

    /// The sample-points the computation reports through `progress`: two
    /// grid runs when the page asks how a param shift moves the threshold.
    pub fn total_work(model: &hir::Model, samples: usize) -> u64 {
        let points = model.file.axis.as_ref().map_or(1, |axis| axis.len()) as u64;
        let shifts = model
            .file
            .outline
            .policies
            .iter()
            .chain(model.file.outline.cruxes.iter().flat_map(|crux| &crux.notes))
            .filter(|item| matches!(item.answer, Some(Analysis::ComputeGovernance { .. })))
            .count() as u64;
        samples as u64 * points * (1 + shifts)
    }
}

/// Everything computed for a model's page.
#[derive(Debug, Clone)]
pub struct Results {
    pub samples: usize,
    pub seed: u64,
    /// The grid run (summaries; per-sample values are not kept).
    pub run: RunOutput,
    /// Net and each mechanism at the open frontier now.
    pub now: Option<Now>,
    /// Each context value, summarised over samples, with its field name.
    pub context: Vec<(&'static str, Summary)>,
    /// Each param, summarised over samples (indexed like the model's params).
    pub params: Vec<ParamRange>,
    /// One per evaluation row: the computed verdict, `None` for fixed text.
    pub evaluation: Vec<Option<Verdict>>,
    /// The answers of [`Options::worldviews`], in their order.
    pub worldviews: Vec<WorldviewAnswer>,
    /// One per evaluation row: the mean effects behind a computed verdict at
    /// "now", over the samples its condition counts (why the model says
    /// what it says), `None` for fixed text or a verdict elsewhere.
    pub evaluation_effects: Vec<Option<ConditionalEffects>>,
    /// The capability threshold (when the model has an axis).
    pub threshold: Option<Threshold>,
    /// One per policy: the computed answer.
    pub policies: Vec<Option<Answer>>,
    /// One per crux, one per note: the computed answer.
    pub crux_notes: Vec<Vec<Option<Answer>>>,
    /// Variance-based sensitivity and value of information per crux, when
    /// an analysis has filled them (see [`Sensitivity`]).
    pub sensitivity: Option<Sensitivity>,
    /// Where E[net] turns negative, and P(net > 0) now, with each
    /// judgement-only param held at its 10th and 90th percentile, at
    /// [`robustness_samples`] samples: for a model with an axis of more than
    /// one point and at least one random judgement param, when
    /// [`Options::robustness`] is on (the default), else `None`.
    pub robustness: Option<Robustness>,
    /// The options of the model's `[decision]` along the axis: `None` for
    /// a model without one (release or not).
    pub decision: Option<DecisionResults>,
    /// What each study the model declares is worth (`[studies.<id>]`), at
    /// the open frontier now (or the middle of the axis): empty for a model
    /// without studies.
    pub studies: Option<Studies>,
}

/// The value of the studies a model declares, at one grid point.
#[derive(Debug, Clone)]
pub struct Studies {
    /// Where they were valued, such as " (c = 26.3)", or empty without an axis.
    pub at: String,
    /// Model runs of the joint sample.
    pub runs: usize,
    /// One per study, in file order, with its title.
    pub values: Vec<(String, StudyValue)>,
}

/// The options of a model's `[decision]`, valued at every grid point.
#[derive(Debug, Clone)]
pub struct DecisionResults {
    /// The decision's title, if it has one.
    pub title: Option<String>,
    /// How reports name each option (its title, or its id), in file order.
    pub options: Vec<String>,
    /// Model runs per grid point.
    pub runs: usize,
    /// One per grid point, in order.
    pub points: Vec<DecisionPoint>,
    /// The index in `points` of the open frontier now (or the middle of the axis).
    pub now: usize,
}

/// The options at one grid point.
#[derive(Debug, Clone)]
pub struct DecisionPoint {
    /// The axis value, or `None` for a model without an axis.
    pub at: Option<f64>,
    /// E[value] of each option, in file order.
    pub expected_values: Vec<f64>,
    /// The option with the greatest E[value].
    pub best: usize,
    /// What knowing every param before choosing would be worth.
    pub evpi: Estimate,
}

/// Model runs per grid point that value a report's decision options.
pub const DECISION_RUNS: usize = 1 << 14;

/// The options of the model's `[decision]` at every grid point, from
/// [`DECISION_RUNS`] runs; `None` for a model without a decision.
pub fn decision_values(
    model: &hir::Model,
    engine: &Engine,
    now: usize,
    seed: u64,
) -> Result<Option<DecisionResults>, Diagnostics> {
    let Some(decision) = &model.file.decision else { return Ok(None) };
    let inputs = Inputs::of(engine);
    let points: Vec<usize> = (0..engine.grid().len()).collect();
    let options = VoiOptions::new(DECISION_RUNS, seed, points);
    let values = value_of_options(engine, &inputs, &options).map_err(|diagnostic| vec![diagnostic])?;
    let points = values
        .into_iter()
        .map(|value| DecisionPoint {
            at: model.file.axis.as_ref().map(|_| engine.grid()[value.point]),
            best: value.best.unwrap_or(0),
            expected_values: value.expected_values,
            evpi: value.evpi,
        })
        .collect();
    Ok(Some(DecisionResults {
        title: decision.title.clone(),
        options: decision.options.iter().map(|option| option.name().to_string()).collect(),
        runs: DECISION_RUNS,
        points,
        now,
    }))
}

/// Model runs of the joint sample that values a report's studies.
pub const STUDY_RUNS: usize = 1 << 16;

/// What each study of the model is worth at grid point `point`, from
/// [`STUDY_RUNS`] runs; `None` for a model without studies.
pub fn study_values(
    model: &hir::Model,
    engine: &Engine,
    point: usize,
    seed: u64,
) -> Result<Option<Studies>, Diagnostics> {
    if model.file.studies.is_empty() {
        return Ok(None);
    }
    let inputs = Inputs::of(engine);
    let options = VoiOptions::new(STUDY_RUNS, seed, vec![point]);
    let values = value_of_studies(engine, &inputs, &options).map_err(|diagnostic| vec![diagnostic])?;
    let at = model
        .file
        .axis
        .as_ref()
        .map(|axis| format!(" ({} = {})", axis.name.name, short(engine.grid()[point])))
        .unwrap_or_default();
    let values = model
        .file
        .studies
        .iter()
        .zip(values.into_iter().next().unwrap_or_default())
        .map(|(study, value)| (study.name().to_string(), value))
        .collect();
    Ok(Some(Studies { at, runs: STUDY_RUNS, values }))
}

/// Another worldview of the model: a named profile applied to it.
#[derive(Debug, Clone)]
pub struct Worldview {
    pub name: String,
    pub model: hir::Model,
}

/// A worldview's answers to the page's main questions, with the report's
/// seed and the first [`robustness_samples`] of its samples.
#[derive(Debug, Clone)]
pub struct WorldviewAnswer {
    pub name: String,
    pub samples: usize,
    /// E[net] and P(net > 0) at "now".
    pub now: Option<(f64, f64)>,
    /// Where E[net] turns negative for good (`None`: not within the grid).
    pub mean_crossing: Option<f64>,
    /// One per evaluation row, as [`Results::evaluation`].
    pub evaluation: Vec<Option<Verdict>>,
}

/// Values at the open frontier now.
#[derive(Debug, Clone)]
pub struct Now {
    pub net: Summary,
    pub p_positive: f64,
    /// Each mechanism's effect (positive: its size as a benefit or a risk),
    /// indexed like the model's mechanisms.
    pub mechanisms: Vec<Summary>,
}

/// Mean effects at "now" over the samples an evaluation row counts.
#[derive(Debug, Clone)]
pub struct ConditionalEffects {
    /// The sum of the benefits' mean effects.
    pub benefits: f64,
    /// The sum of the risks' mean effects (positive: their size).
    pub risks: f64,
    /// The largest benefit and the largest risk: (mechanism index, mean).
    pub largest_benefit: Option<(usize, f64)>,
    pub largest_risk: Option<(usize, f64)>,
}

/// The sums behind [`ConditionalEffects`], counted a part of the samples at
/// a time: each mechanism's effect summed over the samples whose condition
/// is true, in sample order.
#[derive(Debug, Clone)]
struct EffectTally {
    count: usize,
    sums: Vec<f64>,
}

impl EffectTally {
    fn new(mechanisms: usize) -> EffectTally {
        // `-0.0`, the neutral element `Iterator::sum` starts from.
        EffectTally { count: 0, sums: vec![-0.0; mechanisms] }
    }

    /// Adds one part: each mechanism's values, and the condition's (when given).
    fn add(&mut self, values: &[&[f64]], condition: Option<&[f64]>) {
        let counted = |sample: usize| condition.is_none_or(|condition| crux_engine::math::truth(condition[sample]));
        let samples = values.first().map_or(0, |column| column.len());
        self.count += (0..samples).filter(|sample| counted(*sample)).count();
        for (sum, column) in self.sums.iter_mut().zip(values) {
            for sample in (0..samples).filter(|sample| counted(*sample)) {
                *sum += column[sample];
            }
        }
    }
}

impl ConditionalEffects {
    /// Means of each mechanism's effects over the samples counted; `None`
    /// when none was.
    fn of(model: &hir::Model, tally: &EffectTally) -> Option<ConditionalEffects> {
        if tally.count == 0 {
            return None;
        }
        let mut effects = ConditionalEffects { benefits: 0.0, risks: 0.0, largest_benefit: None, largest_risk: None };
        for (index, sum) in tally.sums.iter().enumerate() {
            let mean = sum / tally.count as f64;
            let (total, largest) = match model.file.mechanisms[index].side {
                Side::Benefit => (&mut effects.benefits, &mut effects.largest_benefit),
                Side::Risk => (&mut effects.risks, &mut effects.largest_risk),
            };
            *total += mean;
            if largest.is_none_or(|(_, best)| mean.abs() > best.abs()) {
                *largest = Some((index, mean));
            }
        }
        Some(effects)
    }
}

/// A param's spread over the samples.
#[derive(Debug, Clone)]
pub struct ParamRange {
    pub summary: Summary,
    /// For a param that is 0 or 1 in every sample: the share of ones.
    pub share_true: Option<f64>,
}

/// The sensitivity and value-of-information analyses of the decision: the
/// share of the uncertainty of net at the open frontier now that each crux
/// carries, and what resolving it would be worth. [`compute`] fills
/// `Results::sensitivity` when [`Options::sensitivity`] is set (see
/// [`crux_sensitivity`]); the renderers show it with the policies and in the
/// compute-governance and career-choices answers.
#[derive(Debug, Clone, Default)]
pub struct Sensitivity {
    /// What the shares explain, such as "net at the open frontier now (c = 26.3)".
    pub target: String,
    pub cruxes: Vec<CruxSensitivity>,
    /// Rows N of each matrix of the Saltelli design, and the model runs it took.
    pub sobol_rows: usize,
    pub sobol_runs: usize,
    /// Model runs of the value-of-information design, and inner runs per outer point.
    pub value_runs: usize,
    pub value_inner: usize,
    /// Expected value of perfect information on everything, in the model's unit.
    pub evpi: Option<f64>,
}

impl Sensitivity {
    /// The crux with the largest total index (the largest share of the uncertainty).
    pub fn largest_share(&self) -> Option<&CruxSensitivity> {
        self.cruxes.iter().max_by(|a, b| a.total.total_cmp(&b.total))
    }

    /// The crux whose resolution is worth most.
    pub fn largest_value(&self) -> Option<&CruxSensitivity> {
        self.cruxes
            .iter()
            .filter(|item| item.value_of_information.is_some())
            .max_by(|a, b| a.value_of_information.unwrap_or(0.0).total_cmp(&b.value_of_information.unwrap_or(0.0)))
    }

    /// The cruxes by decreasing total index.
    pub fn ranked(&self) -> Vec<&CruxSensitivity> {
        let mut cruxes: Vec<&CruxSensitivity> = self.cruxes.iter().collect();
        cruxes.sort_by(|a, b| b.total.total_cmp(&a.total));
        cruxes
    }
}

#[derive(Debug, Clone, Default)]
pub struct CruxSensitivity {
    /// The crux id.
    pub crux: String,
    /// How the page names it: "Crux 3 (Compute vs. Weights)", or its title.
    pub name: String,
    /// Share of the variance of the target explained by this crux alone.
    pub first_order: f64,
    /// Share including interactions with other cruxes: its share of the uncertainty.
    pub total: f64,
    /// Half-width of the 95% bootstrap interval of `total` (0 when not computed).
    pub total_conf: f64,
    /// Expected value of resolving this crux before deciding (EVPPI), in the
    /// model's unit, when computed.
    pub value_of_information: Option<f64>,
    /// Standard error of `value_of_information`.
    pub value_error: f64,
}

/// The computed answer to a policy or a note.
#[derive(Debug, Clone)]
pub enum Answer {
    /// The threshold (rendered from `Results::threshold`).
    Threshold,
    /// E[net] and P(net > 0) of a release at the open frontier now.
    SupportRelease {
        net: Summary,
        p_positive: f64,
    },
    ReleaseThreshold(ReleaseAnswer),
    ComputeGovernance(Box<ShiftAnswer>),
    /// Mechanisms ordered by the size of their mean effect now and at the
    /// mean crossing (indices into the model's mechanisms, with the mean).
    CareerChoices {
        now: Vec<(usize, f64)>,
        at_crossing: Option<(f64, Vec<(usize, f64)>)>,
    },
}

#[derive(Debug, Clone)]
pub struct ReleaseAnswer {
    pub policy: ReleasePolicy,
    pub best: Best,
    /// Each named threshold of the page, with its value and regret.
    pub comparisons: Vec<ComparisonResult>,
    /// Expected value and regret of no threshold (open everything).
    pub no_threshold: (f64, f64),
    /// Horizon in years over samples.
    pub horizon: Summary,
}

#[derive(Debug, Clone)]
pub struct ComparisonResult {
    pub label: String,
    /// The threshold T of "open below T".
    pub threshold: f64,
    /// Expected net per release.
    pub value: f64,
    /// What it loses against the best threshold.
    pub regret: f64,
}

#[derive(Debug, Clone)]
pub struct ShiftAnswer {
    pub param: String,
    /// The param's crux, if any.
    pub crux: Option<String>,
    pub shift: f64,
    pub before: ShiftPoint,
    pub after: ShiftPoint,
}

#[derive(Debug, Clone)]
pub struct ShiftPoint {
    pub threshold: Threshold,
    /// P(net > 0) at the open frontier now.
    pub p_positive_now: Option<f64>,
    /// E[net] at the open frontier now.
    pub mean_now: Option<f64>,
}

/// Probes of one computation, by role.
struct ProbePlan {
    probes: Vec<Probe>,
    net_now: Option<usize>,
    mechanisms_now: Vec<usize>,
    context: Vec<(&'static str, usize)>,
    /// Per evaluation row: (net probe, condition probe).
    evaluation: Vec<Option<(usize, Option<usize>)>>,
}

impl ProbePlan {
    /// Every probe the page's answers read: net and each mechanism at "now",
    /// the context values and the evaluation rows' nets and conditions.
    fn new(model: &hir::Model) -> ProbePlan {
        ProbePlan::with(model, true)
    }

    /// Only what the evaluation rows' verdicts and net at "now" need (a
    /// worldview's answer): no mechanisms, no context.
    fn verdicts_only(model: &hir::Model) -> ProbePlan {
        ProbePlan::with(model, false)
    }

    fn with(model: &hir::Model, details: bool) -> ProbePlan {
        let page = &model.file.outline;
        let mut plan = ProbePlan {
            probes: Vec::new(),
            net_now: None,
            mechanisms_now: Vec::new(),
            context: Vec::new(),
            evaluation: Vec::new(),
        };
        if let Some(now) = page.context.now() {
            let at = || Capability::Expr(now.expr.clone());
            plan.net_now = Some(plan.push(Probe::new(at(), Quantity::Net)));
            for index in (0..model.file.mechanisms.len()).filter(|_| details) {
                let probe = plan.push(Probe::new(at(), Quantity::Mechanism(index)));
                plan.mechanisms_now.push(probe);
            }
        }
        for (name, value) in page.context.values().into_iter().filter(|_| details) {
            let probe = plan.push(Probe::value(&value.expr));
            plan.context.push((name, probe));
        }
        for row in &page.evaluation {
            let Assessment::Verdict(verdict) = &row.assessment else {
                plan.evaluation.push(None);
                continue;
            };
            let net = match verdict.at {
                At::Now => plan.net_now.expect("`at now` is checked to have an open frontier"),
                At::Value(x) => plan.push(Probe::new(Capability::Value(x), Quantity::Net)),
            };
            let condition = verdict.given.as_ref().map(|given| plan.push(Probe::value(given)));
            plan.evaluation.push(Some((net, condition)));
        }
        plan
    }

    fn push(&mut self, probe: Probe) -> usize {
        self.probes.push(probe);
        self.probes.len() - 1
    }

    fn context(&self, name: &str) -> Option<usize> {
        self.context.iter().find(|(field, _)| *field == name).map(|(_, index)| *index)
    }
}

/// Runs the model and every analysis its page asks for.
pub fn compute(model: &hir::Model, options: &Options) -> Result<Results, Diagnostics> {
    let engine = Engine::new(model)?;
    let page = &model.file.outline;
    let mut run = engine.run(&options.run_options()).map_err(|diagnostic| vec![diagnostic])?;
    let crossings = run.crossings.take().ok_or_else(|| vec![Diagnostic::error("the run found no crossings")])?;
    let params = param_ranges(&engine, options)?;
    let plan = ProbePlan::new(model);
    // The probes at "now" and the evaluation rows' conditions first: their
    // per-sample values serve only the verdicts and the effects behind them,
    // found here and dropped, so that the context's columns are all that is
    // held for the analyses that follow.
    let in_context: Vec<usize> = plan.context.iter().map(|(_, index)| *index).collect();
    let at_now: Vec<usize> = (0..plan.probes.len()).filter(|index| !in_context.contains(index)).collect();
    let mut probes = ProbeResults {
        values: vec![Vec::new(); plan.probes.len()],
        summaries: vec![PointSummary::default(); plan.probes.len()],
    };
    let chosen: Vec<Probe> = at_now.iter().map(|index| plan.probes[*index].clone()).collect();
    for (index, summary) in at_now.iter().zip(summarise_probes(model, &chosen, &options.probe_options())?) {
        probes.summaries[*index] = summary;
    }
    let samples_of = |index: usize| Summary::from_point(&probes.summaries[index], options.samples);
    let now = plan.net_now.map(|index| Now {
        net: samples_of(index),
        p_positive: probes.summaries[index].p_positive,
        mechanisms: plan.mechanisms_now.iter().map(|probe| samples_of(*probe)).collect(),
    });
    let mut tally = RowTally::new(model, &plan);
    let mut slot = vec![usize::MAX; plan.probes.len()];
    for (position, index) in at_now.iter().enumerate() {
        slot[*index] = position;
    }
    stream_probes(model, &chosen, &options.probe_options(), |part| tally.add(|index| part[slot[index]]))?;
    let (evaluation, evaluation_effects) = tally.finish(model)?;
    // Only the timeline and the horizon are needed per sample from here on;
    // the other context values are summarised by a run that keeps nothing.
    let context_where = |per_sample: bool| -> Vec<usize> {
        plan.context
            .iter()
            .filter(|(name, _)| PER_SAMPLE_CONTEXT.contains(name) == per_sample)
            .map(|(_, index)| *index)
            .collect()
    };
    let (per_sample, summarised) = (context_where(true), context_where(false));
    run_probes_into(model, &plan.probes, &per_sample, &options.probe_options(), &mut probes)?;
    let chosen: Vec<Probe> = summarised.iter().map(|index| plan.probes[*index].clone()).collect();
    for (index, summary) in summarised.iter().zip(summarise_probes(model, &chosen, &options.probe_options())?) {
        probes.summaries[*index] = summary;
    }
    let context = plan
        .context
        .iter()
        .map(|(name, index)| (*name, Summary::from_point(&probes.summaries[*index], options.samples)))
        .collect();
    let median = |name: &str| plan.context(name).map(|index| probes.summaries[index].p50);
    let now_index = median("next_release").or(median("open_now")).map(|median| median_point(model, median));
    let values = &probes.values;
    let column = |name: &str| plan.context(name).map(|index| values[index].as_slice());
    let timeline = match (column("open_now"), column("year_now"), column("growth")) {
        (Some(open_now), Some(year_now), Some(growth)) => Some(Timeline { open_now, year_now, growth }),
        _ => None,
    };
    let study_point = match (now_index, &model.file.axis) {
        (Some(now), _) => now,
        (None, Some(axis)) => axis.len() / 2,
        (None, None) => 0,
    };
    let studies = study_values(model, &engine, study_point, options.seed)?;
    let decision = decision_values(model, &engine, study_point, options.seed)?;
    let sensitivity = match (options.sensitivity, now_index) {
        (true, Some(now)) => Some(crux_sensitivity(model, &engine, now, options.seed)?),
        _ => None,
    };
    let has_grid = engine.grid().len() > 1;
    let threshold = has_grid.then(|| Threshold::new(engine.grid(), &run.net, &crossings, timeline.as_ref()));
    let computation = Computation {
        model,
        engine: &engine,
        run: &run,
        values,
        plan: &plan,
        threshold: threshold.as_ref(),
        timeline,
        now: now.as_ref(),
        options,
    };
    let policies = page
        .policies
        .iter()
        .map(|item| item.answer.as_ref().map(|answer| computation.answer(answer)).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let crux_notes = page
        .cruxes
        .iter()
        .map(|crux| {
            crux.notes
                .iter()
                .map(|item| item.answer.as_ref().map(|answer| computation.answer(answer)).transpose())
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Results {
        samples: options.samples,
        seed: options.seed,
        run,
        now,
        context,
        params,
        evaluation,
        worldviews: options
            .worldviews
            .iter()
            .map(|worldview| answer_worldview(worldview, options))
            .collect::<Result<Vec<_>, _>>()?,
        evaluation_effects,
        threshold,
        policies,
        crux_notes,
        sensitivity,
        robustness: robustness_of(model, options)?,
        decision,
        studies,
    })
}

/// The samples of each run of the robustness analysis: the report's, at
/// most [`ROBUSTNESS_SAMPLES`].
pub fn robustness_samples(samples: usize) -> usize {
    samples.min(ROBUSTNESS_SAMPLES)
}

/// Whether [`compute`] runs the robustness analysis of `model`: it has an
/// axis of more than one point and a param whose source is judgement.
pub fn has_robustness(model: &hir::Model) -> bool {
    let judgement = model.file.params.iter().any(|param| is_judgement_source(param.source.as_deref()));
    judgement && model.file.axis.as_ref().is_some_and(|axis| axis.len() > 1)
}

/// The robustness analysis of a model with an axis of more than one point
/// and at least one judgement param that is random; `None` for any other model.
fn robustness_of(model: &hir::Model, options: &Options) -> Result<Option<Robustness>, Diagnostics> {
    if !options.robustness || !has_robustness(model) {
        return Ok(None);
    }
    let run_options = RunOptions { samples: robustness_samples(options.samples), ..options.probe_options() };
    let result = robustness(model, &run_options)?;
    Ok((!result.rows.is_empty()).then_some(result))
}

/// The verdict of each computed evaluation row, from the plan's probe values.
/// The evaluation rows' verdicts, from every probe's values.
fn evaluation_verdicts(
    model: &hir::Model,
    plan: &ProbePlan,
    values: &[Vec<f64>],
) -> Result<Vec<Option<Verdict>>, Diagnostics> {
    let mut tally = RowTally::new(model, plan);
    tally.add(|index| values[index].as_slice());
    Ok(tally.finish(model)?.0)
}

/// One evaluation row with a computed verdict, counted so far.
struct RowCount<'m> {
    rule: &'m crux_lang::outline::Verdict,
    net_probe: usize,
    condition: Option<usize>,
    verdict: VerdictTally,
    /// For a verdict at "now": the mechanisms' effects behind it.
    effects: Option<EffectTally>,
}

/// What the evaluation rows need of the samples, counted a part of the
/// samples at a time, so that no per-sample value need be kept.
struct RowTally<'m> {
    rows: Vec<Option<RowCount<'m>>>,
    mechanisms_now: &'m [usize],
}

impl<'m> RowTally<'m> {
    fn new(model: &'m hir::Model, plan: &'m ProbePlan) -> RowTally<'m> {
        let rows = model
            .file
            .outline
            .evaluation
            .iter()
            .zip(&plan.evaluation)
            .map(|(row, probes)| match (&row.assessment, probes) {
                (Assessment::Verdict(rule), Some((net_probe, condition))) => Some(RowCount {
                    rule,
                    net_probe: *net_probe,
                    condition: *condition,
                    verdict: VerdictTally::default(),
                    effects: (rule.at == At::Now && !plan.mechanisms_now.is_empty())
                        .then(|| EffectTally::new(plan.mechanisms_now.len())),
                }),
                _ => None,
            })
            .collect();
        RowTally { rows, mechanisms_now: &plan.mechanisms_now }
    }

    /// Counts one part of the samples; `column` gives a probe's values (by
    /// its index in the plan) over that part.
    fn add<'v>(&mut self, column: impl Fn(usize) -> &'v [f64]) {
        let mechanisms: Vec<&[f64]> = self.mechanisms_now.iter().map(|probe| column(*probe)).collect();
        for row in self.rows.iter_mut().flatten() {
            let condition = row.condition.map(&column);
            let rule = row.rule;
            row.verdict.add(column(row.net_probe), |value| rule.holds(value), condition);
            if let Some(effects) = &mut row.effects {
                effects.add(&mechanisms, condition);
            }
        }
    }

    /// Each row's verdict and the effects behind it; an error for a row
    /// whose condition no sample met.
    #[allow(clippy::type_complexity)]
    fn finish(
        self,
        model: &hir::Model,
    ) -> Result<(Vec<Option<Verdict>>, Vec<Option<ConditionalEffects>>), Diagnostics> {
        let mut verdicts = Vec::with_capacity(self.rows.len());
        let mut effects = Vec::with_capacity(self.rows.len());
        for row in self.rows {
            let Some(row) = row else {
                verdicts.push(None);
                effects.push(None);
                continue;
            };
            let verdict = row.verdict.verdict().ok_or_else(|| {
                vec![
                    Diagnostic::error(format!("no sample meets the condition of `{}`", row.rule.text))
                        .at(row.rule.span)
                        .with_help(
                            "the verdict needs samples where the condition is true; check the condition's params",
                        ),
                ]
            })?;
            verdicts.push(Some(verdict));
            effects.push(row.effects.as_ref().and_then(|tally| ConditionalEffects::of(model, tally)));
        }
        Ok((verdicts, effects))
    }
}

/// The context values the answers read per sample after the page's first
/// analyses: the timeline of the open frontier and the release rules' horizon.
const PER_SAMPLE_CONTEXT: [&str; 4] = ["open_now", "year_now", "growth", "horizon"];

/// Runs the probes `which` of `probes` (one engine run), putting their
/// values and summaries at their indices in `into`.
fn run_probes_into(
    model: &hir::Model,
    probes: &[Probe],
    which: &[usize],
    options: &RunOptions,
    into: &mut ProbeResults,
) -> Result<(), Diagnostics> {
    let chosen: Vec<Probe> = which.iter().map(|index| probes[*index].clone()).collect();
    let results = run_probes(model, &chosen, options)?;
    for ((index, values), summary) in which.iter().zip(results.values).zip(results.summaries) {
        into.values[*index] = values;
        into.summaries[*index] = summary;
    }
    Ok(())
}

/// Memory for the param columns [`param_ranges`] holds at a time.
const PARAM_COLUMNS_BYTES: usize = 32 << 20;

/// Each param's spread over the samples, a few params at a time so that
/// memory does not grow with the number of params (checking the interrupt
/// before each pass).
fn param_ranges(engine: &Engine, options: &Options) -> Result<Vec<ParamRange>, Diagnostics> {
    let (samples, seed) = (options.samples, options.seed);
    let params: Vec<usize> = (0..engine.model().file.params.len()).collect();
    let per_pass = (PARAM_COLUMNS_BYTES / (8 * samples.max(1))).max(1);
    let mut ranges = Vec::with_capacity(params.len());
    for chunk in params.chunks(per_pass) {
        if let Some(interrupt) = options.interrupt {
            interrupt(0);
        }
        let columns = engine.param_columns(samples, seed, chunk).map_err(|diagnostic| vec![diagnostic])?;
        ranges.extend(columns.iter().map(|column| {
            ParamRange {
                summary: Summary::of(column).expect("at least one sample"),
                // A 0/1 param that is not the same in every sample.
                share_true: (column.iter().all(|value| *value == 0.0 || *value == 1.0)
                    && column.windows(2).any(|pair| pair[0] != pair[1]))
                .then(|| column.iter().sum::<f64>() / column.len() as f64),
            }
        }));
    }
    Ok(ranges)
}

/// A worldview's answers: one grid run (for where E[net] turns negative)
/// and the probes at "now", with the report's seed and the first
/// [`robustness_samples`] of its samples (sample `i` is the same draw).
fn answer_worldview(worldview: &Worldview, options: &Options) -> Result<WorldviewAnswer, Diagnostics> {
    let model = &worldview.model;
    let engine = Engine::new(model)?;
    let samples = robustness_samples(options.samples);
    let run_options = RunOptions { crossings: false, progress: options.interrupt, samples, ..options.run_options() };
    let run = engine.run(&run_options).map_err(|diagnostic| vec![diagnostic])?;
    let means: Vec<f64> = run.net.iter().map(|summary| summary.mean).collect();
    let mean_crossing = if run.points.len() > 1 {
        crux_analysis::threshold::stays_below(&means, 0.0).map(|index| run.points[index])
    } else {
        None
    };
    let plan = ProbePlan::verdicts_only(model);
    let probes = run_probes(model, &plan.probes, &RunOptions { samples, ..options.probe_options() })?;
    let now = plan.net_now.map(|index| (probes.summaries[index].mean, probes.summaries[index].p_positive));
    Ok(WorldviewAnswer {
        name: worldview.name.clone(),
        samples,
        now,
        mean_crossing,
        evaluation: evaluation_verdicts(model, &plan, &probes.values)?,
    })
}

/// Rows of each matrix of the Saltelli design in the report's sensitivity
/// analysis: with group indices only (one block per crux) the design is
/// `N * (2 + cruxes)` runs, a tenth of a second on the built-in model.
pub const SENSITIVITY_ROWS: usize = 1 << 13;

/// Bootstrap resamples for the intervals of the report's group indices.
const SENSITIVITY_RESAMPLES: usize = 200;

/// Model runs for the report's value of information (EVPI and each crux's EVPPI).
pub const VALUE_OF_INFORMATION_RUNS: usize = 1 << 15;

/// Inner rows per outer point of the report's EVPPI design.
const VALUE_OF_INFORMATION_INNER: usize = 64;

/// The grid point of "now": the one nearest the median of the capability of
/// the next open frontier release (or of the open frontier) over the samples
/// (0 for a model without an axis).
pub fn now_point(model: &hir::Model, now: &[f64]) -> usize {
    Summary::of(now).map_or(0, |summary| median_point(model, summary.p50))
}

/// The grid point nearest a median of "now" (see [`now_point`]).
fn median_point(model: &hir::Model, median: f64) -> usize {
    model.file.axis.as_ref().map_or(0, |axis| axis.nearest_index(median))
}

/// The grid point of "now" (see [`now_point`]) for a model with `[context]
/// next_release` or `open_now`, from `samples` draws; `None` for a model
/// without them.
pub fn open_frontier_point(model: &hir::Model, samples: usize, seed: u64) -> Result<Option<usize>, Diagnostics> {
    let Some(now) = model.file.outline.context.now() else { return Ok(None) };
    let values = run_probes(model, &[Probe::value(&now.expr)], &RunOptions::new(samples, seed))?;
    Ok(Some(now_point(model, &values.values[0])))
}

/// Each crux's first-order and total Sobol index of net, and its EVPPI, at
/// grid point `point`, with a design small enough for every report: group
/// indices only, [`SENSITIVITY_ROWS`] rows and a [`VALUE_OF_INFORMATION_RUNS`]
/// nested design.
pub fn crux_sensitivity(
    model: &hir::Model,
    engine: &Engine,
    point: usize,
    seed: u64,
) -> Result<Sensitivity, Diagnostics> {
    let inputs = Inputs::of(engine);
    let sobol_options = SobolOptions {
        resamples: SENSITIVITY_RESAMPLES,
        factors: false,
        ..SobolOptions::new(SENSITIVITY_ROWS, seed, point)
    };
    let indices = sobol_indices(engine, &inputs, &sobol_options).map_err(|diagnostic| vec![diagnostic])?;
    let voi_options = VoiOptions {
        inner: VALUE_OF_INFORMATION_INNER,
        method: Method::Nested,
        ..VoiOptions::new(VALUE_OF_INFORMATION_RUNS, seed, vec![point])
    };
    let values = value_of_information(engine, &inputs, &voi_options).map_err(|diagnostic| vec![diagnostic])?;
    let at = model
        .file
        .axis
        .as_ref()
        .map(|axis| format!(" ({} = {})", axis.name.name, short(engine.grid()[point])))
        .unwrap_or_default();
    let name = |id: &str| {
        model.file.outline.cruxes.iter().find(|crux| crux.id.name == id).map_or_else(
            || if id == OTHER_GROUP { OTHER_GROUP_NAME.to_string() } else { format!("`{id}`") },
            |crux| match crux.number {
                Some(number) => format!("Crux {number} ({})", crux.title),
                None => crux.title.clone(),
            },
        )
    };
    Ok(Sensitivity {
        target: format!("net for {}{at}", crate::words::Words::new(model).now()),
        cruxes: inputs
            .groups
            .iter()
            .zip(&indices.groups)
            .zip(&values[0].evppi)
            .map(|((group, indices), evppi)| CruxSensitivity {
                crux: group.name.clone(),
                name: name(&group.name),
                first_order: indices.first,
                total: indices.total,
                total_conf: indices.total_conf,
                value_of_information: Some(evppi.value),
                value_error: evppi.standard_error,
            })
            .collect(),
        sobol_rows: indices.samples,
        sobol_runs: indices.evaluations,
        value_runs: VALUE_OF_INFORMATION_RUNS,
        value_inner: VALUE_OF_INFORMATION_INNER,
        evpi: Some(values[0].evpi.value),
    })
}

/// What the answers draw on.
struct Computation<'a> {
    model: &'a hir::Model,
    engine: &'a Engine,
    run: &'a RunOutput,
    values: &'a [Vec<f64>],
    plan: &'a ProbePlan,
    threshold: Option<&'a Threshold>,
    timeline: Option<Timeline<'a>>,
    now: Option<&'a Now>,
    options: &'a Options<'a>,
}

impl Computation<'_> {
    fn column(&self, name: &str) -> Option<&[f64]> {
        self.plan.context(name).map(|index| self.values[index].as_slice())
    }

    fn answer(&self, answer: &Analysis) -> Result<Answer, Diagnostics> {
        let missing = |what: &str| vec![Diagnostic::error(format!("the answer `{}` needs {what}", answer.name()))];
        Ok(match answer {
            Analysis::Threshold => {
                self.threshold.ok_or_else(|| missing("an axis with more than one point"))?;
                Answer::Threshold
            }
            Analysis::SupportRelease => {
                let now = self.now.ok_or_else(|| missing("`open_now` in [context]"))?;
                Answer::SupportRelease { net: now.net, p_positive: now.p_positive }
            }
            Analysis::ReleaseThreshold { compare } => {
                let context = &self.model.file.outline.context;
                let (Some(next_release), Some(growth), Some(horizon)) =
                    (context.now(), context.growth.as_ref(), context.horizon.as_ref())
                else {
                    return Err(missing("`open_now` or `next_release`, `growth` and `horizon` in [context]"));
                };
                let schedule = ReleaseSchedule {
                    next_release: next_release.expr.clone(),
                    growth: growth.expr.clone(),
                    horizon: horizon.expr.clone(),
                    rule_drift: context.rule_drift.as_ref().map(|drift| drift.expr.clone()),
                    years_ahead: context.years_ahead.as_ref().and_then(|param| self.model.param_index(&param.name)),
                };
                let horizon = self.column("horizon").ok_or_else(|| missing("`horizon` in [context]"))?;
                let policy = value_release_rules_over(
                    self.model,
                    self.engine.grid(),
                    &schedule,
                    horizon,
                    &self.options.probe_options(),
                )?;
                let best = policy.best();
                let comparisons = compare
                    .iter()
                    .map(|item| ComparisonResult {
                        label: item.label.clone(),
                        threshold: item.threshold,
                        value: policy.value(Some(item.threshold)),
                        regret: policy.regret(Some(item.threshold)),
                    })
                    .collect();
                let no_threshold = (policy.value(None), policy.regret(None));
                Answer::ReleaseThreshold(ReleaseAnswer {
                    policy,
                    best,
                    comparisons,
                    no_threshold,
                    horizon: Summary::of(horizon).expect("samples"),
                })
            }
            Analysis::ComputeGovernance { param, shift } => {
                let threshold = self.threshold.ok_or_else(|| missing("an axis with more than one point"))?;
                let index = self.model.param_index(&param.name).ok_or_else(|| missing("a param that exists"))?;
                let shifted = shift_param(self.model, index, *shift);
                let engine = Engine::new(&shifted)?;
                let mut run = engine.run(&self.options.run_options()).map_err(|diagnostic| vec![diagnostic])?;
                let crossings = run.crossings.take().ok_or_else(|| missing("each sample's crossing"))?;
                let after = Threshold::new(engine.grid(), &run.net, &crossings, self.timeline.as_ref());
                let now_after = match self.model.file.outline.context.now() {
                    Some(now) => {
                        let probe = Probe::new(Capability::Expr(now.expr.clone()), Quantity::Net);
                        let results = run_probes(&shifted, &[probe], &self.options.probe_options())?;
                        Some((results.summaries[0].mean, results.summaries[0].p_positive))
                    }
                    None => None,
                };
                Answer::ComputeGovernance(Box::new(ShiftAnswer {
                    param: param.name.clone(),
                    crux: self.model.file.params[index].crux.as_ref().map(|crux| crux.name.clone()),
                    shift: *shift,
                    before: ShiftPoint {
                        threshold: threshold.clone(),
                        p_positive_now: self.now.map(|now| now.p_positive),
                        mean_now: self.now.map(|now| now.net.mean),
                    },
                    after: ShiftPoint {
                        threshold: after,
                        p_positive_now: now_after.map(|(_, p_positive)| p_positive),
                        mean_now: now_after.map(|(mean, _)| mean),
                    },
                }))
            }
            Analysis::CareerChoices => {
                let ranked = |means: Vec<(usize, f64)>| {
                    let mut means = means;
                    means.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
                    means
                };
                let signed = |index: usize, mean: f64| {
                    if self.model.file.mechanisms[index].side == Side::Benefit { mean } else { -mean }
                };
                let now = self
                    .now
                    .map(|now| ranked(now.mechanisms.iter().enumerate().map(|(i, s)| (i, signed(i, s.mean))).collect()))
                    .unwrap_or_default();
                let at_crossing = self.threshold.and_then(|threshold| threshold.mean_crossing).map(|point| {
                    let means = self
                        .run
                        .mechanisms
                        .iter()
                        .enumerate()
                        .map(|(index, mechanism)| (index, signed(index, mechanism.mean[point])))
                        .collect();
                    (self.run.points[point], ranked(means))
                });
                Answer::CareerChoices { now, at_crossing }
            }
        })
    }
}
