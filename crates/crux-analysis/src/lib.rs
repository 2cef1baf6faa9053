//! Analyses of a model's results, on top of the engine's public API.
//!
//! Each module owns one question that a report asks of a model:
//! [`probe`] evaluates per-sample quantities at a capability that differs
//! per sample (net and each mechanism at the open frontier now, context
//! values, conditions); [`threshold`] finds the capability where net turns
//! negative (in expectation, in probability and per sample); [`verdict`]
//! labels a probability Positive, Unclear or Negative; [`policy`] compares
//! release thresholds ("open below T") and measures how far the threshold
//! moves when a param shifts; [`stats`] holds the small summaries they share.
//! Nothing here reads files or prints: front ends do that.

pub mod policy;
pub mod probe;
pub mod stats;
pub mod threshold;
pub mod verdict;
