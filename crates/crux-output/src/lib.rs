//! The stable output documents of Crux: what `crux run --format json` prints
//! and what the web server's `POST /api/run` returns, built by one piece of
//! code so that the two never drift apart. Field names are stable: other
//! tools read them.

use crux_engine::RunOutput;
use crux_lang::hir;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The JSON document of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunDocument {
    pub model: ModelInfo,
    pub samples: usize,
    pub seed: u64,
    /// The axis and its grid values; absent for a model without an axis (one point).
    pub axis: Option<AxisInfo>,
    /// Summaries of net at each grid point, as columns.
    pub net: NetColumns,
    /// Each mechanism's mean effect at each grid point, by mechanism id, in file order.
    pub mechanisms: IndexMap<String, MechanismColumn>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelInfo {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AxisInfo {
    pub name: String,
    pub label: String,
    pub values: Vec<f64>,
}

/// Net at each grid point: mean, standard deviation, quantiles and P(net > 0).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// One mechanism: its side and its mean effect at each grid point.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MechanismColumn {
    /// `benefit` or `risk`.
    pub side: String,
    pub mean: Vec<f64>,
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
                (mechanism.id.clone(), MechanismColumn { side: side.to_string(), mean: mechanism.mean.clone() })
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

    /// The JSON text of the document, one line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("the run document serialises")
    }
}
