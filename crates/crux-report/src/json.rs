//! The JSON documents of `crux run --format json`. Field names are stable:
//! other tools read them.
//!
//! [`RunDocument`] describes a run: the model, the samples and seed, the axis
//! and net's summary at each grid point, and each mechanism's mean.
//! [`ResultsDocument`] adds what a model's page asks: values at the open
//! frontier now (`now`), `context`, the `evaluation` rows, the `threshold`,
//! the answer to each of the `policies`, the `sensitivity` of the decision
//! to each crux and the `robustness` of the threshold to each judgement. Effects, probabilities and
//! shares are rounded to four significant figures; capabilities, years and
//! context values to six.

use crate::format::{json_number as round, json_precise as precise};
use crate::results::{Answer, Results};
use crate::sentences;
use crate::words::Words;
use crux_analysis::inputs::Inputs;
use crux_analysis::robustness::Robustness;
use crux_analysis::sobol::{Indices, Sensitivity};
use crux_analysis::stats::Summary;
use crux_analysis::threshold::{Quantiles, Threshold, Year};
use crux_engine::RunOutput;
use crux_lang::hir;
use crux_lang::outline::Assessment;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The JSON document of a run.
#[derive(Debug, Serialize)]
pub struct RunDocument {
    pub model: ModelInfo,
    pub samples: usize,
    pub seed: u64,
    pub axis: Option<AxisInfo>,
    pub net: NetColumns,
    pub mechanisms: Map<String, Value>,
}

#[derive(Debug, Serialize)]
pub struct ModelInfo {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct AxisInfo {
    pub name: String,
    pub label: String,
    pub values: Vec<f64>,
}

#[derive(Debug, Serialize, Default)]
pub struct NetColumns {
    pub mean: Vec<f64>,
    pub sd: Vec<f64>,
    pub p05: Vec<f64>,
    pub p25: Vec<f64>,
    pub p50: Vec<f64>,
    pub p75: Vec<f64>,
    pub p95: Vec<f64>,
    pub p_positive: Vec<f64>,
}

impl RunDocument {
    pub fn new(model: &hir::Model, output: &RunOutput, samples: usize, seed: u64) -> Self {
        let header = &model.file.header;
        let mut net = NetColumns::default();
        for summary in &output.net {
            net.mean.push(summary.mean);
            net.sd.push(summary.sd);
            net.p05.push(summary.p05);
            net.p25.push(summary.p25);
            net.p50.push(summary.p50);
            net.p75.push(summary.p75);
            net.p95.push(summary.p95);
            net.p_positive.push(summary.p_positive);
        }
        let mechanisms = output
            .mechanisms
            .iter()
            .map(|mechanism| {
                let side = if mechanism.benefit { "benefit" } else { "risk" };
                (mechanism.id.clone(), json!({ "side": side, "mean": mechanism.mean }))
            })
            .collect();
        RunDocument {
            model: ModelInfo { id: header.id.clone(), title: header.title.clone() },
            samples,
            seed,
            axis: model.file.axis.as_ref().map(|axis| AxisInfo {
                name: axis.name.name.clone(),
                label: axis.label.clone(),
                values: output.points.clone(),
            }),
            net,
            mechanisms,
        }
    }
}

/// The JSON document of a model with a page: the run, then the page's answers.
#[derive(Debug, Serialize)]
pub struct ResultsDocument {
    #[serde(flatten)]
    pub run: RunDocument,
    pub now: Value,
    pub context: Map<String, Value>,
    pub evaluation: Vec<Value>,
    pub threshold: Value,
    pub policies: Vec<Value>,
    /// Each crux's share of the uncertainty of net at the open frontier now
    /// and the value of resolving it; `null` when the analysis did not run.
    pub sensitivity: Value,
    /// One row per judgement-only param, largest swing first (see
    /// [`robustness_json`]); `null` for a model without an axis or without
    /// judgement params.
    pub robustness: Value,
    /// The works the model cites: `{id, authors, title, year, venue, url, doi}`.
    pub references: Vec<Value>,
    /// What each declared study is worth: `{id, title, measures, evsi, evsi_se,
    /// ceiling, ceiling_se, cost, net_value}`; absent for a model without studies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub studies: Option<Vec<Value>>,
    /// The options of the model's `[decision]`: `{title, options: [{id,
    /// title}], points: [{at, expected_value: {id: value}, best, evpi}]}`;
    /// absent for a model without a decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Value>,
}

impl ResultsDocument {
    pub fn new(model: &hir::Model, results: &Results) -> Self {
        let page = &model.file.outline;
        let now = match &results.now {
            Some(now) => {
                let mechanisms: Map<String, Value> = model
                    .file
                    .mechanisms
                    .iter()
                    .zip(&now.mechanisms)
                    .map(|(mechanism, summary)| (mechanism.id.name.clone(), summary_json(summary)))
                    .collect();
                json!({
                    "net": summary_json(&now.net),
                    "p_positive": round(now.p_positive),
                    "mechanisms": mechanisms,
                })
            }
            None => Value::Null,
        };
        let context =
            results.context.iter().map(|(name, summary)| (name.to_string(), precise_summary_json(summary))).collect();
        let evaluation = page
            .evaluation
            .iter()
            .zip(&results.evaluation)
            .zip(&results.evaluation_effects)
            .map(|((row, computed), effects)| {
                let (assessment, rule) = match (&row.assessment, computed) {
                    (Assessment::Verdict(rule), Some(verdict)) => {
                        (verdict.label.as_str().to_string(), Some(rule.text.clone()))
                    }
                    (Assessment::Verdict(rule), None) => (rule.text.clone(), Some(rule.text.clone())),
                    (Assessment::Fixed(text), _) => (text.clone(), None),
                };
                let page_assessment = row.page_assessment.as_deref().map(str::trim);
                let why = match (&row.assessment, computed, effects, page_assessment) {
                    (Assessment::Verdict(rule), Some(verdict), Some(effects), Some(page))
                        if !page.eq_ignore_ascii_case(verdict.label.as_str()) =>
                    {
                        Some(sentences::evaluation_differs(
                            Words::new(model),
                            page,
                            verdict.label.as_str(),
                            rule,
                            effects,
                        ))
                    }
                    _ => None,
                };
                json!({
                    "dimension": row.dimension,
                    "assessment": assessment,
                    "page_assessment": page_assessment,
                    "why_different": why,
                    "notes": row.notes,
                    "computed": rule,
                    "p_positive": computed.map(|verdict| round(verdict.probability)),
                    "samples": computed.map(|verdict| verdict.samples),
                })
            })
            .collect();
        let threshold = results.threshold.as_ref().map_or(Value::Null, threshold_json);
        let policies = page
            .policies
            .iter()
            .zip(&results.policies)
            .map(|(item, answer)| {
                json!({
                    "text": item.text,
                    "answer": item.answer.as_ref().map(|answer| answer.name()),
                    "result": answer.as_ref().map_or(Value::Null, |answer| answer_json(model, results, answer)),
                })
            })
            .collect();
        let studies = results.studies.as_ref().map(|studies| {
            model
                .file
                .studies
                .iter()
                .zip(&studies.values)
                .map(|(study, (title, value))| {
                    json!({
                        "id": study.id.name,
                        "title": title,
                        "measures": value.measures,
                        "evsi": round(value.evsi.value),
                        "evsi_se": round(value.evsi.standard_error),
                        "ceiling": round(value.ceiling.value),
                        "ceiling_se": round(value.ceiling.standard_error),
                        "cost": value.cost,
                        "net_value": round(value.net_value()),
                    })
                })
                .collect()
        });
        let decision = results.decision.as_ref().zip(model.file.decision.as_ref()).map(|(values, decision)| {
            let options: Vec<Value> =
                decision.options.iter().map(|option| json!({"id": option.id.name, "title": option.title})).collect();
            let points: Vec<Value> = values
                .points
                .iter()
                .map(|point| {
                    let expected: serde_json::Map<String, Value> = decision
                        .options
                        .iter()
                        .zip(&point.expected_values)
                        .map(|(option, value)| (option.id.name.clone(), json!(round(*value))))
                        .collect();
                    json!({
                        "at": point.at,
                        "expected_value": expected,
                        "best": decision.options[point.best].id.name,
                        "evpi": round(point.evpi.value),
                    })
                })
                .collect();
            json!({"title": decision.title, "options": options, "points": points})
        });
        ResultsDocument {
            decision,
            studies,
            run: RunDocument::new(model, &results.run, results.samples, results.seed),
            now,
            context,
            evaluation,
            threshold,
            policies,
            references: model
                .file
                .cited_references()
                .into_iter()
                .map(|reference| {
                    json!({
                        "id": reference.id,
                        "authors": reference.authors,
                        "title": reference.title,
                        "year": reference.year,
                        "venue": reference.venue,
                        "url": reference.link(),
                        "doi": reference.doi,
                    })
                })
                .collect(),
            robustness: results
                .robustness
                .as_ref()
                .map_or(Value::Null, |robustness| robustness_json(model, robustness)),
            sensitivity: results.sensitivity.as_ref().map_or(Value::Null, |sensitivity| {
                json!({
                    "target": sensitivity.target,
                    "largest_share": sensitivity.largest_share().map(|item| item.crux.clone()),
                    "largest_value": sensitivity.largest_value().map(|item| item.crux.clone()),
                    "evpi": sensitivity.evpi.map(round),
                    "sobol_rows": sensitivity.sobol_rows,
                    "sobol_runs": sensitivity.sobol_runs,
                    "value_runs": sensitivity.value_runs,
                    "value_inner": sensitivity.value_inner,
                    "cruxes": crux_share(results, None),
                })
            }),
        }
    }
}

/// The robustness analysis under its stable names: a list of `{param,
/// label, low, high, crossing_low, crossing_high, now_p_positive_low,
/// now_p_positive_high, now_mean_low, now_mean_high}`, one per judgement
/// param held at its 10th (`low`) and 90th (`high`) percentile, largest swing
/// of the crossing first. A crossing is where E[net] stays negative from,
/// `null` when it never does within the grid; the values now are `null` for
/// a model that does not say where now is.
pub fn robustness_json(model: &hir::Model, robustness: &Robustness) -> Value {
    Value::Array(
        robustness
            .rows
            .iter()
            .map(|row| {
                json!({
                    "param": row.name,
                    "label": model.file.params[row.param].label,
                    "low": precise(row.low),
                    "high": precise(row.high),
                    "crossing_low": row.at_low.crossing.map(precise),
                    "crossing_high": row.at_high.crossing.map(precise),
                    "now_p_positive_low": row.at_low.now_p_positive.map(round),
                    "now_p_positive_high": row.at_high.now_p_positive.map(round),
                    "now_mean_low": row.at_low.now_mean.map(round),
                    "now_mean_high": row.at_high.now_mean.map(round),
                })
            })
            .collect(),
    )
}

/// The mean and quantiles of an effect.
fn summary_json(summary: &Summary) -> Value {
    json!({
        "mean": round(summary.mean),
        "p05": round(summary.p05),
        "p50": round(summary.p50),
        "p95": round(summary.p95),
    })
}

/// The mean and quantiles of a context value.
fn precise_summary_json(summary: &Summary) -> Value {
    json!({
        "mean": precise(summary.mean),
        "p05": precise(summary.p05),
        "p50": precise(summary.p50),
        "p95": precise(summary.p95),
    })
}

/// Quantiles of a capability or a year.
fn quantiles_json(summary: Option<&Summary>) -> Value {
    match summary {
        Some(summary) => {
            json!({ "p05": precise(summary.p05), "p50": precise(summary.p50), "p95": precise(summary.p95) })
        }
        None => json!({ "p05": null, "p50": null, "p95": null }),
    }
}

/// The threshold under its stable names: `mean_crossing` (where E[net]
/// stays negative), `median_crossing` (where the median of net stays
/// negative), `mean_crossing_year`, `sample` and `year`.
///
/// `sample.p05`, `p50` and `p95` are quantiles of the per-sample threshold
/// over all samples, a sample whose net never turns negative on the grid
/// counting as beyond the grid's end: a quantile beyond the grid is `null`.
/// `sample.never_share` is the share that never turns negative,
/// `from_start_share` the share negative over the whole grid,
/// `passed_share` the share whose threshold the open frontier has already
/// reached now, `flop` the quantiles as FLOP (`null` beyond the grid), and
/// `if_crossing` the quantiles among the samples that cross only (`null`
/// when none does). `year` (and `mean_crossing_year`) give the year the open
/// frontier reaches the threshold: a number, `null` beyond the grid, or
/// `"passed"` when the frontier is already there.
pub fn threshold_json(threshold: &Threshold) -> Value {
    let sample = &threshold.sample;
    let capability = sample.capability;
    let or_null = |value: Option<f64>, f: fn(f64) -> f64| value.map_or(Value::Null, |value| json!(f(value)));
    let flop = |value: f64| round(10f64.powf(value));
    let year = |year: Year| match year {
        Year::In(year) => json!(precise(year)),
        Year::Passed => json!("passed"),
        Year::Beyond => Value::Null,
    };
    let years = |quantiles: &Quantiles<Year>| json!({ "p05": year(quantiles.p05), "p50": year(quantiles.p50), "p95": year(quantiles.p95) });
    let sample_json = json!({
        "p05": or_null(capability.p05, precise),
        "p50": or_null(capability.p50, precise),
        "p95": or_null(capability.p95, precise),
        "never_share": round(sample.never_share),
        "from_start_share": round(sample.from_start_share),
        "passed_share": sample.passed_share.map(round),
        "flop": {
            "p05": or_null(capability.p05, flop),
            "p50": or_null(capability.p50, flop),
            "p95": or_null(capability.p95, flop),
        },
        "if_crossing": sample.capability_if_crossing.as_ref().map(|summary| quantiles_json(Some(summary))),
    });
    json!({
        "mean_crossing": threshold.mean_crossing_value().map(precise),
        "median_crossing": threshold.median_crossing_value().map(precise),
        "mean_crossing_year": threshold.mean_crossing_year.as_ref().map(years),
        "sample": sample_json,
        "year": sample.year.as_ref().map_or_else(|| json!({ "p05": null, "p50": null, "p95": null }), years),
    })
}

fn answer_json(model: &hir::Model, results: &Results, answer: &Answer) -> Value {
    match answer {
        Answer::Threshold => results.threshold.as_ref().map_or(Value::Null, threshold_json),
        Answer::SupportRelease { net, p_positive } => {
            let mut value = summary_json(net);
            value["p_positive"] = json!(round(*p_positive));
            value
        }
        Answer::ReleaseThreshold(release) => json!({
            "thresholds": release.policy.grid.iter().copied().map(precise).collect::<Vec<_>>(),
            "value": release.policy.curve().into_iter().map(round).collect::<Vec<_>>(),
            "best": { "threshold": release.best.threshold.map(precise), "value": round(release.best.value) },
            "compare": release.comparisons.iter().map(|item| json!({
                "label": item.label,
                "threshold": item.threshold,
                "value": round(item.value),
                "regret": round(item.regret),
            })).collect::<Vec<_>>(),
            "no_threshold": { "value": round(release.no_threshold.0), "regret": round(release.no_threshold.1) },
            "horizon": precise_summary_json(&release.horizon),
            "beyond_grid_share": round(release.policy.beyond_grid_share),
        }),
        Answer::ComputeGovernance(shift) => {
            let point = |point: &crate::results::ShiftPoint| {
                json!({
                    "mean_crossing": point.threshold.mean_crossing_value().map(precise),
                    "median_crossing": point.threshold.median_crossing_value().map(precise),
                    "sample_p50": point.threshold.sample.capability.p50.map(precise),
                    "never_share": round(point.threshold.sample.never_share),
                    "p_positive_now": point.p_positive_now.map(round),
                    "mean_now": point.mean_now.map(round),
                })
            };
            json!({
                "param": shift.param,
                "crux": shift.crux,
                "shift": shift.shift,
                "before": point(&shift.before),
                "after": point(&shift.after),
                "crux_share": crux_share(results, shift.crux.as_deref()),
            })
        }
        Answer::CareerChoices { now, at_crossing } => {
            let list = |items: &[(usize, f64)]| {
                items
                    .iter()
                    .map(|(index, mean)| json!({ "mechanism": model.file.mechanisms[*index].id.name, "net_mean": round(*mean) }))
                    .collect::<Vec<_>>()
            };
            json!({
                "now": list(now),
                "at_mean_crossing": at_crossing
                    .as_ref()
                    .map(|(x, items)| json!({ "at": precise(*x), "mechanisms": list(items) })),
                "crux_shares": crux_share(results, None),
            })
        }
    }
}

/// The sensitivity per crux, `null` until the sensitivity analysis fills it.
fn crux_share(results: &Results, crux: Option<&str>) -> Value {
    match &results.sensitivity {
        Some(sensitivity) => Value::Array(
            sensitivity
                .cruxes
                .iter()
                .filter(|item| crux.is_none_or(|id| item.crux == id))
                .map(|item| {
                    json!({
                        "crux": item.crux,
                        "name": item.name,
                        "first_order": round(item.first_order),
                        "total": round(item.total),
                        "total_conf": round(item.total_conf),
                        "value_of_information": item.value_of_information.map(round),
                        "value_error": round(item.value_error),
                    })
                })
                .collect(),
        ),
        None => Value::Null,
    }
}

/// The JSON document of `crux sensitivity --format json` (and of the web
/// app's `POST /api/sensitivity`): Sobol indices of net at one grid point,
/// per param (`params`) and per crux (`groups`), each with `S1`, `S1_conf`,
/// `ST` and `ST_conf` (the `_conf` values are half-widths of 95% intervals).
#[derive(Debug, Clone, Serialize)]
pub struct SensitivityDocument {
    /// The axis value analysed (`null` for a model without an axis).
    pub at: Option<f64>,
    pub samples: usize,
    pub seed: u64,
    pub evaluations: usize,
    pub mean: f64,
    pub variance: f64,
    pub params: Map<String, Value>,
    pub groups: Map<String, Value>,
}

impl SensitivityDocument {
    pub fn new(inputs: &Inputs, result: &Sensitivity, at: Option<f64>, seed: u64) -> Self {
        let object = |rows: Vec<(String, Indices)>| -> Map<String, Value> {
            rows.into_iter()
                .map(|(name, indices)| {
                    (
                        name,
                        json!({"S1": indices.first, "S1_conf": indices.first_conf, "ST": indices.total, "ST_conf": indices.total_conf}),
                    )
                })
                .collect()
        };
        SensitivityDocument {
            at,
            samples: result.samples,
            seed,
            evaluations: result.evaluations,
            mean: result.mean,
            variance: result.variance,
            params: object(result.named_factors(inputs)),
            groups: object(result.named_groups(inputs)),
        }
    }
}
