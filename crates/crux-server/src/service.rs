//! What the API and the pages both do, between the handlers and the
//! computations: running the model with a client's beliefs for the JSON
//! document or the web page, and the compare and group views of stored
//! profiles (chosen by `profiles`, the store's service). Handlers call these
//! and only shape the response.

use crate::compute::{self, ModelRun, ReportRun, bounded};
use crate::error::{ApiError, located};
use crate::profiles::{Selected, select_profiles};
use crate::state::AppState;
use crate::wire::{
    CompareResponse, CruxDisagreement, CruxFlips, Disagreement, MemberPosition, Outlook, ParamDifference, PoolResponse,
    ProfileInfo, ProfileOutlook, SelectionQuery,
};
use axum::http::StatusCode;
use crux_analysis::inputs::OTHER_GROUP;
use crux_report::Options;
use crux_worldview::compare::{View, compute_view, double_crux};
use crux_worldview::group::{Method, group_view};
use crux_worldview::{Beliefs, Member, linear_pool};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Runs the model with `overrides` the way `crux run` does (the JSON of
/// `POST /api/run`): a model without a page and without overrides runs the
/// engine compiled at start.
pub async fn run(
    state: &Arc<AppState>,
    overrides: BTreeMap<String, String>,
    samples: usize,
    seed: u64,
) -> Result<ModelRun, ApiError> {
    let worker = state.clone();
    bounded(&state.slots, state.run_bytes(samples), move |budget| {
        let base = &worker.base_engine;
        if base.model().file.outline.is_empty() && worker.changes_nothing(&overrides)? {
            let output = compute::run_engine(base, worker.base_sources(), samples, seed, false, budget)?;
            return Ok(ModelRun::Plain { model: base.model().clone(), output, samples, seed });
        }
        let (model, sources) = worker.model_with(&overrides)?;
        compute::run_model(model, &sources, samples, seed, false, &[], budget)
    })
    .await
}

/// The web page's run of the model with `overrides`: the report and the
/// share of the uncertainty each crux carries.
pub async fn report(
    state: &Arc<AppState>,
    overrides: BTreeMap<String, String>,
    samples: usize,
    seed: u64,
) -> Result<ReportRun, ApiError> {
    let worker = state.clone();
    bounded(&state.slots, state.run_bytes(samples), move |budget| {
        let (model, sources) = worker.model_with(&overrides)?;
        let worldviews = worker.preset_worldviews(&model, &overrides);
        let rows = worker.limits.page_sensitivity_samples;
        compute::report_run(model, &sources, samples, seed, rows, &worldviews, budget)
    })
    .await
}

/// The web page's run at the model's own beliefs, computed once.
pub async fn default_report(state: &Arc<AppState>) -> Result<Arc<ReportRun>, ApiError> {
    state
        .default_report
        .get_or_try_init(|| async {
            report(state, BTreeMap::new(), state.limits.default_samples, 1).await.map(Arc::new)
        })
        .await
        .cloned()
}

/// The params some view sets away from the model, and the per-crux disagreement of several belief sets.
pub fn disagreement(state: &AppState, views: &[Beliefs]) -> (Vec<ParamDifference>, Vec<CruxDisagreement>) {
    let mut differences = Vec::new();
    for param in &state.base.params {
        let expressions: Vec<String> = views.iter().map(|view| view.text(param).to_string()).collect();
        if expressions.iter().any(|text| text != &param.text) {
            differences.push(ParamDifference {
                param: param.name.name.clone(),
                crux: param.crux.as_ref().map(|crux| crux.name.clone()),
                default: param.text.clone(),
                expressions,
            });
        }
    }
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for param in &state.base.params {
        let group = param.crux.as_ref().map_or(OTHER_GROUP.to_string(), |crux| crux.name.clone());
        match groups.iter_mut().find(|(name, _)| *name == group) {
            Some((_, params)) => params.push(param.name.name.clone()),
            None => groups.push((group, vec![param.name.name.clone()])),
        }
    }
    let mut cruxes: Vec<CruxDisagreement> = groups
        .into_iter()
        .map(|(crux, params)| {
            let held: Vec<Vec<&str>> = views
                .iter()
                .map(|view| params.iter().map(|name| view.overrides.get(name).map_or("", String::as_str)).collect())
                .collect();
            let mut distinct = held.clone();
            distinct.sort();
            distinct.dedup();
            let off_default = held.iter().filter(|beliefs| beliefs.iter().any(|text| !text.is_empty())).count();
            CruxDisagreement { crux, params, distinct_views: distinct.len(), views_off_default: off_default }
        })
        .collect();
    cruxes.sort_by(|a, b| b.distinct_views.cmp(&a.distinct_views).then(b.views_off_default.cmp(&a.views_off_default)));
    (differences, cruxes)
}

/// Runs each selected profile with one seed, and finds the double crux of each pair.
pub async fn compare_profiles(state: &Arc<AppState>, selection: &SelectionQuery) -> Result<CompareResponse, ApiError> {
    let requested = state.samples(selection.samples)?;
    let seed = selection.seed.unwrap_or(1);
    let Selected { profiles, left_out } = select_profiles(state, selection.ids()?).await?;
    let worker = state.clone();
    // The views run one after the other, each with at most the page's samples.
    let bytes = state.run_bytes(requested.min(state.limits.max_page_samples));
    bounded(&state.slots, bytes, move |budget| {
        let views = views_of(&worker, &profiles)?;
        let paired = views.len().min(DOUBLE_CRUX_PROFILES);
        let mut computations = views.len();
        for a in 0..paired {
            for b in a + 1..paired {
                computations += 2 * differing_cruxes(&worker, &views[a], &views[b]);
            }
        }
        let samples = worker.view_samples(requested, computations);
        let check = |_: u64| budget.check();
        let options = Options { progress: Some(&check), interrupt: Some(&check), ..Options::new(samples, seed) };
        let mut sources = worker.sources();
        let mut profile_outlooks = Vec::with_capacity(views.len());
        let mut positions = Vec::with_capacity(views.len());
        let mut axis = Vec::new();
        for (profile, view) in profiles.iter().zip(&views) {
            let (position, results) = compute_view(&mut sources, &worker.base, view, &options)
                .map_err(|diagnostics| stale(profile, located(&diagnostics, &sources)))?;
            axis.clone_from(&results.run.points);
            positions.push(position.clone());
            profile_outlooks.push(ProfileOutlook {
                profile: profile.clone(),
                position,
                outlook: Outlook::of_run(&results.run),
            });
        }
        let mut double_cruxes = Vec::new();
        for a in 0..paired {
            for b in a + 1..paired {
                let found = double_crux(
                    &mut sources,
                    &worker.base,
                    (&views[a], &positions[a]),
                    (&views[b], &positions[b]),
                    &options,
                )
                .map_err(|diagnostics| located(&diagnostics, &sources))?;
                double_cruxes.push(found);
            }
        }
        let pairs = views.len() * views.len().saturating_sub(1) / 2;
        let beliefs: Vec<Beliefs> = views.into_iter().map(|view| view.beliefs).collect();
        let (differences, cruxes) = disagreement(&worker, &beliefs);
        Ok(CompareResponse {
            samples,
            seed,
            axis,
            profiles: profile_outlooks,
            double_cruxes,
            pairs_without_double_crux: pairs - paired * paired.saturating_sub(1) / 2,
            differences,
            cruxes,
            left_out,
        })
    })
    .await
}

/// The most profiles whose every pair gets a double crux (each pair costs
/// two model runs per crux the pair differs on).
pub const DOUBLE_CRUX_PROFILES: usize = 4;

/// Each profile as a view (labelled with its name), after checking that its
/// beliefs still apply to the model.
fn views_of(state: &AppState, profiles: &[ProfileInfo]) -> Result<Vec<View>, ApiError> {
    profiles
        .iter()
        .map(|profile| {
            state.model_with(&profile.overrides).map_err(|error| stale(profile, error))?;
            Ok(View {
                label: profile.name.clone(),
                beliefs: Beliefs { overrides: profile.overrides.clone(), ..Beliefs::default() },
            })
        })
        .collect()
}

/// How many crux groups views `a` and `b` hold different beliefs on.
fn differing_cruxes(state: &AppState, a: &View, b: &View) -> usize {
    state
        .base
        .outline
        .cruxes
        .iter()
        .filter(|crux| a.beliefs.with_group_from(&b.beliefs, &state.base, &crux.id.name) != a.beliefs)
        .count()
}

/// A stored profile that no longer applies to the model.
fn stale(profile: &ProfileInfo, error: ApiError) -> ApiError {
    ApiError::with_status(
        StatusCode::CONFLICT,
        format!("profile {} (\"{}\") no longer applies to this model: {}", profile.id, profile.name, error.message()),
    )
}

/// Pools the selected stored profiles (linear pool, equal weights).
pub async fn pool_profiles(
    state: &Arc<AppState>,
    selection: &SelectionQuery,
) -> Result<(PoolResponse, ReportRun), ApiError> {
    let requested = state.samples(selection.samples)?;
    let seed = selection.seed.unwrap_or(1);
    let Selected { profiles, left_out } = select_profiles(state, selection.ids()?).await?;
    if profiles.is_empty() {
        return Err(ApiError::with_status(StatusCode::NOT_FOUND, "no stored profiles to pool; save a profile first"));
    }
    let worker = state.clone();
    // The views run one after the other, each with at most the page's samples; the pool keeps its net.
    let bytes = 2 * state.run_bytes(requested.min(state.limits.max_page_samples));
    bounded(&state.slots, bytes, move |budget| {
        let views = views_of(&worker, &profiles)?;
        // Members, the pool (for its answers and for its charts), and each swap of a crux between two members.
        let mut computations = views.len() + 2;
        for a in &views {
            for b in &views {
                computations += differing_cruxes(&worker, a, b);
            }
        }
        let samples = worker.view_samples(requested, computations);
        let check = |_: u64| budget.check();
        let options = Options { progress: Some(&check), interrupt: Some(&check), ..Options::new(samples, seed) };
        let mut sources = worker.sources();
        let weights = vec![1.0; views.len()];
        let group = group_view(&mut sources, &worker.base, &views, &weights, Method::Linear, &options)
            .map_err(|diagnostics| located(&diagnostics, &sources))?;
        let members: Vec<Member> =
            views.iter().map(|view| Member { beliefs: view.beliefs.clone(), weight: 1.0 }).collect();
        let pooled_file =
            linear_pool(&mut sources, &worker.base, &members).map_err(|diagnostics| located(&diagnostics, &sources))?;
        let pooled_model =
            crux_lang::resolve::resolve(pooled_file).map_err(|diagnostics| located(&diagnostics, &sources))?;
        let output = compute::run(&pooled_model, &sources, samples, seed, true, budget)?;
        let now = compute::now_point(&pooled_model);
        let run = ReportRun::new(&ModelRun::Plain { model: pooled_model, output, samples, seed }, now);
        let beliefs: Vec<Beliefs> = views.into_iter().map(|view| view.beliefs).collect();
        let (_, cruxes) = disagreement(&worker, &beliefs);
        let crossings: Vec<Option<f64>> =
            group.members.iter().map(|member| member.threshold.and_then(|threshold| threshold.mean_crossing)).collect();
        let ats: Vec<f64> = crossings.iter().flatten().copied().collect();
        let start = run.document.axis.as_ref().and_then(|axis| axis.values.first().copied());
        let disagreement = Disagreement {
            summary: group.disagreement.clone(),
            crux_flips: group
                .crux_flips
                .iter()
                .map(|(crux, flips)| CruxFlips { crux: crux.clone(), title: worker.crux_title(crux), flips: *flips })
                .collect(),
            mean_crossing_range: (!ats.is_empty()).then(|| {
                [
                    ats.iter().copied().fold(f64::INFINITY, f64::min),
                    ats.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                ]
            }),
            never_negative: crossings.iter().filter(|crossing| crossing.is_none()).count(),
            negative_from_start: crossings.iter().filter(|crossing| crossing.is_some() && **crossing == start).count(),
            most_disputed: cruxes.first().filter(|crux| crux.distinct_views > 1).map(|crux| crux.crux.clone()),
            cruxes,
        };
        let document = PoolResponse {
            method: group.method.to_string(),
            samples,
            seed,
            members: profiles
                .into_iter()
                .zip(group.members)
                .map(|(profile, position)| MemberPosition { profile, position })
                .collect(),
            pooled_position: group.pooled,
            pooled: serde_json::to_value(&run.document).expect("the run document serialises"),
            outlook: Outlook::of(&run.document),
            disagreement,
            left_out,
        };
        Ok((document, run))
    })
    .await
}
