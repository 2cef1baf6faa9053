//! What the server reads from requests and writes in responses: the request
//! bodies and queries (deserialised with serde by axum's extractors) and the
//! response bodies of the API, which the pages render too. Types only, with
//! the small conversions that fill them from the analyses.

use crate::error::ApiError;
use crate::summary::{Place, axis_values, stays_below_from};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use crux_analysis::verdict::shown_stretches;
use crux_engine::RunOutput;
use crux_report::json::RunDocument;
use crux_worldview::compare::{DoubleCrux, Position};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A run: the beliefs that differ from the model's, and how many samples.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Param name to expression, in the model's expression syntax (`"5 to 50"`).
    #[serde(default)]
    pub overrides: BTreeMap<String, String>,
    /// Monte Carlo samples (default: the server's, at most its limit).
    pub samples: Option<u64>,
    /// Random seed: the same seed gives the same numbers.
    pub seed: Option<u64>,
}

/// A sensitivity analysis: beliefs as for a run, the rows of the design and the point of the axis.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensitivityRequest {
    /// Param name to expression, in the model's expression syntax (`"5 to 50"`).
    #[serde(default)]
    pub overrides: BTreeMap<String, String>,
    /// Rows N of each matrix of the Saltelli design (the model runs N * (2 + params + cruxes) times;
    /// a power of two keeps the Sobol' points balanced). Default and limit: the server's.
    pub samples: Option<u64>,
    /// Random seed of the scrambled Sobol' points and of the bootstrap.
    pub seed: Option<u64>,
    /// The axis value to analyse (the nearest grid point; default: the middle of the axis).
    pub at: Option<f64>,
}

/// One param of the model, as a client may set it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParamInfo {
    pub name: String,
    /// The model's expression.
    pub default: String,
    pub label: Option<String>,
    /// The crux group the param belongs to.
    pub crux: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
}

/// The model: its id, title and the params a client can set.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelResponse {
    pub id: String,
    pub title: String,
    pub description: String,
    pub unit: String,
    /// SHA-256 of the model text: which exact model the numbers come from.
    pub hash: String,
    pub params: Vec<ParamInfo>,
}

/// A profile to store: a name for the view, who holds it, why, and the beliefs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveProfile {
    pub name: String,
    #[serde(default)]
    pub respondent: String,
    #[serde(default)]
    pub notes: String,
    /// Param name to expression: the beliefs that differ from the model's.
    #[serde(default)]
    pub overrides: BTreeMap<String, String>,
}

/// A stored profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileInfo {
    pub id: i64,
    pub name: String,
    pub respondent: String,
    /// Who stored it, where the server has per-person tokens: only they may edit or delete it.
    pub author: Option<String>,
    pub created_at: String,
    pub updated_at: Option<String>,
    pub notes: String,
    pub overrides: BTreeMap<String, String>,
    /// Whether it was checked against exactly this model text (same hash).
    pub current: bool,
    /// Why the profile cannot be used any more (it no longer parses, or no
    /// longer applies to the model); it is then left out of comparisons and pools.
    pub invalid: Option<String>,
}

/// A stored profile a comparison or pool did not take, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeftOut {
    /// The profile's id (none for a count of older profiles).
    pub id: Option<i64>,
    pub name: String,
    pub reason: String,
}

/// The query of `GET /api/profiles`: a page of profiles.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Only profiles with a larger id (the last id of the previous page).
    pub after: Option<i64>,
    /// The most profiles to return (default and limit: the server's page size).
    pub limit: Option<usize>,
}

/// Where on the axis a curve stays below its level for good: `at` a grid
/// value, `below` (from the start of the axis) or `never`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CrossingInfo {
    /// `at`, `below` or `never`.
    pub kind: String,
    pub at: Option<f64>,
}

impl From<Place> for CrossingInfo {
    fn from(place: Place) -> Self {
        match place {
            Place::At(value) => CrossingInfo { kind: "at".to_string(), at: Some(value) },
            Place::FromStart => CrossingInfo { kind: "below".to_string(), at: None },
            Place::Never => CrossingInfo { kind: "never".to_string(), at: None },
        }
    }
}

/// A stretch of the axis with one verdict, as the report and the page's verdict line read it:
/// "No effect" where net is exactly 0 in at least 90% of the samples, else the verdict on
/// P(net > 0) (Positive >= 0.7, Negative <= 0.3, else Unclear).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StretchInfo {
    pub from: f64,
    pub to: f64,
    /// "Positive", "Unclear", "Negative" or "No effect".
    pub verdict: String,
}

/// What one view concludes along the axis.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Outlook {
    /// From where E[net] stays negative (the report's mean crossing).
    pub mean_crossing: CrossingInfo,
    /// From where P(net > 0) stays below 0.5 (the report's median crossing).
    pub even_odds_crossing: CrossingInfo,
    /// The axis cut into stretches of equal verdict.
    pub verdicts: Vec<StretchInfo>,
    /// P(net > 0) at each grid point.
    pub p_positive: Vec<f64>,
    /// E[net] at each grid point.
    pub mean: Vec<f64>,
}

impl Outlook {
    /// The outlook of E[net] (`mean`), P(net > 0) and the 5% and 95% points of net at each grid point of `axis`.
    pub fn new(axis: &[f64], mean: Vec<f64>, p_positive: Vec<f64>, (p05, p95): (&[f64], &[f64])) -> Outlook {
        Outlook {
            mean_crossing: stays_below_from(axis, &mean, 0.0).into(),
            even_odds_crossing: stays_below_from(axis, &p_positive, 0.5).into(),
            verdicts: shown_stretches(axis, &p_positive, p05, p95)
                .into_iter()
                .map(|(from, to, verdict)| StretchInfo { from, to, verdict: verdict.to_string() })
                .collect(),
            p_positive,
            mean,
        }
    }

    pub fn of(document: &RunDocument) -> Outlook {
        let net = &document.net;
        Outlook::new(&axis_values(document), net.mean.clone(), net.p_positive.clone(), (&net.p05, &net.p95))
    }

    pub fn of_run(output: &RunOutput) -> Outlook {
        let column = |value: fn(&crux_engine::PointSummary) -> f64| output.net.iter().map(value).collect::<Vec<f64>>();
        Outlook::new(
            &output.points,
            column(|point| point.mean),
            column(|point| point.p_positive),
            (&column(|point| point.p05), &column(|point| point.p95)),
        )
    }
}

/// A stored profile with what it concludes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileOutlook {
    pub profile: ProfileInfo,
    /// The view's answers to the model's page, as `crux compare` reads them:
    /// `evaluation` (dimension, verdict, p_positive per row), `now` (mean,
    /// p_positive and verdict at the open frontier now), `threshold`
    /// (mean_crossing, p50, p05, p95, year_p50, never_share of the per-sample
    /// threshold) and `best_release_threshold`; `null` where the model does not ask.
    #[schema(value_type = Object)]
    pub position: Position,
    pub outlook: Outlook,
}

/// A group member: the stored profile and its answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberPosition {
    pub profile: ProfileInfo,
    /// The member's answers, as in [`ProfileOutlook`].
    #[schema(value_type = Object)]
    pub position: Position,
}

/// One param on which the compared views differ.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParamDifference {
    pub param: String,
    pub crux: Option<String>,
    /// The model's own expression.
    pub default: String,
    /// Each view's expression, in the order of the profiles.
    pub expressions: Vec<String>,
}

/// One crux's share of the disagreement among views.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CruxDisagreement {
    /// The crux group (`other` for the params outside every group).
    pub crux: String,
    pub params: Vec<String>,
    /// How many different belief sets the views hold on this crux.
    pub distinct_views: usize,
    /// How many views differ from the model's defaults on it.
    pub views_off_default: usize,
}

/// Profiles side by side, run with common random numbers (one seed).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompareResponse {
    /// Monte Carlo samples of each view computed.
    pub samples: usize,
    pub seed: u64,
    /// The axis grid.
    pub axis: Vec<f64>,
    pub profiles: Vec<ProfileOutlook>,
    /// The double crux of each pair of profiles (of the first few): the crux
    /// whose beliefs, taken from the other view, flip the verdict or move the
    /// threshold most. Fields: a, b, swaps (crux, crux_title, view, from_view,
    /// verdict_before, verdict_after, threshold_before, threshold_after),
    /// main_crux and summary.
    #[schema(value_type = Vec<Object>)]
    pub double_cruxes: Vec<DoubleCrux>,
    /// Pairs of profiles without a double crux (only the first few profiles are paired).
    pub pairs_without_double_crux: usize,
    pub differences: Vec<ParamDifference>,
    pub cruxes: Vec<CruxDisagreement>,
    /// Stored profiles not compared, and why (invalid, or beyond the most taken at once).
    pub left_out: Vec<LeftOut>,
}

/// The query of the compare and pool endpoints and pages:
/// `ids=1,2` and/or `id=1&id=2` (the compare form's check boxes), `samples`, `seed`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionQuery {
    /// Comma-separated profile ids.
    pub ids: Option<String>,
    /// Profile ids, one per `id` key.
    #[serde(default)]
    pub id: Vec<i64>,
    pub samples: Option<u64>,
    pub seed: Option<u64>,
}

impl SelectionQuery {
    /// The selected profile ids (`None`: every stored profile).
    pub fn ids(&self) -> Result<Option<Vec<i64>>, ApiError> {
        if self.ids.is_none() && self.id.is_empty() {
            return Ok(None);
        }
        let mut ids = Vec::new();
        for part in self.ids.iter().flat_map(|text| text.split(',')).map(str::trim).filter(|part| !part.is_empty()) {
            ids.push(part.parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!(
                    "`ids` is a comma-separated list of profile ids, not `{}`",
                    self.ids.as_deref().unwrap_or_default()
                ))
            })?);
        }
        ids.extend(&self.id);
        Ok(Some(ids))
    }
}

/// The query of the report page: `set.NAME=EXPR` for each belief that
/// differs from the model's; other keys are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct BeliefsQuery(pub BTreeMap<String, String>);

impl BeliefsQuery {
    /// The beliefs, by param name.
    pub fn overrides(&self) -> BTreeMap<String, String> {
        self.0
            .iter()
            .filter_map(|(key, value)| key.strip_prefix("set.").map(|name| (name.to_string(), value.clone())))
            .collect()
    }
}

/// A group's pooled view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoolResponse {
    /// `linear`: each sample takes one member's whole belief set, members equally likely.
    pub method: String,
    /// Monte Carlo samples of each view computed.
    pub samples: usize,
    pub seed: u64,
    pub members: Vec<MemberPosition>,
    /// The pooled view's answers, as each member's `position`.
    #[schema(value_type = Object)]
    pub pooled_position: Position,
    /// The pooled run, in the shape of `crux run --format json` for a model without a page.
    #[schema(value_type = Object)]
    pub pooled: serde_json::Value,
    pub outlook: Outlook,
    pub disagreement: Disagreement,
    /// Stored profiles not pooled, and why (invalid, or beyond the most taken at once).
    pub left_out: Vec<LeftOut>,
}

/// How far the members are apart.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Disagreement {
    /// In sentences: the spread of verdicts and thresholds, and the crux the group disagrees on most.
    pub summary: Vec<String>,
    /// For each crux, in how many (member, other member) pairs the member's
    /// verdict at the open frontier flips when it takes the other's view of that crux.
    pub crux_flips: Vec<CruxFlips>,
    /// Lowest and highest member value of where E[net] stays negative (members with a crossing on the axis).
    pub mean_crossing_range: Option<[f64; 2]>,
    /// Members whose E[net] is not negative at the end of the axis, and those negative from its start.
    pub never_negative: usize,
    pub negative_from_start: usize,
    /// The crux the members' beliefs differ on most (most distinct belief sets).
    pub most_disputed: Option<String>,
    pub cruxes: Vec<CruxDisagreement>,
}

/// The verdict flips one crux causes among a group's members.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CruxFlips {
    pub crux: String,
    /// "Crux 2 (Capability Threshold)", or the crux's title.
    pub title: String,
    pub flips: usize,
}

/// A query string read with serde (repeated keys fill a list); a malformed
/// one, or one with an unknown key, is a 400 in the API's error shape.
#[derive(Debug)]
pub struct QueryOf<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryOf<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum_extra::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum_extra::extract::Query(value)| QueryOf(value))
            .map_err(|rejection| ApiError::bad_request(format!("invalid query: {}", rejection.body_text())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outlook_reads_the_axis_as_the_page_and_the_report_do() {
        // Net exactly 0 in nearly every sample at the first two points (a
        // release below the open frontier changes nothing), then negative.
        let axis = [1.0, 2.0, 3.0, 4.0];
        let (p05, p95) = ([0.0, 0.0, -5.0, -6.0], [0.0, 0.0, 0.5, 0.2]);
        let p_positive = vec![0.01, 0.02, 0.1, 0.05];
        let outlook = Outlook::new(&axis, vec![0.0, 0.0, -2.0, -3.0], p_positive.clone(), (&p05, &p95));
        let verdicts: Vec<(f64, f64, &str)> =
            outlook.verdicts.iter().map(|stretch| (stretch.from, stretch.to, stretch.verdict.as_str())).collect();
        assert_eq!(verdicts, [(1.0, 2.0, "No effect"), (3.0, 4.0, "Negative")]);
        assert_eq!(verdicts, shown_stretches(&axis, &p_positive, &p05, &p95));
    }
}
