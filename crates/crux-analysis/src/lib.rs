//! Analyses of a model, on top of the engine's public API.
//!
//! Each module owns one question a report or a user asks of a model:
//! [`probe`] evaluates per-sample quantities at a capability that differs
//! per sample (net and each mechanism at the open frontier now, context
//! values, conditions); [`threshold`] finds the capability where net turns
//! negative (in expectation, in probability and per sample); [`verdict`]
//! labels a probability Positive, Unclear or Negative; [`policy`] compares
//! release thresholds ("open below T") and measures how far the threshold
//! moves when a param shifts; [`stats`] holds the small summaries they share.
//! [`inputs`] gathers a model's independent random draws into factors (one
//! per declaration that writes a distribution) and groups (one per crux);
//! [`sobol`] computes first- and total-order Sobol indices of net with a
//! Saltelli design on scrambled Sobol' points ([`sequence`]); [`voi`] the
//! expected value of perfect information and of partial perfect information
//! per group, for the decision "release iff E[net] > 0" or among the options
//! of a model's `[decision]` (each option valued per sample by [`decision`]),
//! by a regression on one joint sample ([`regression`]) or a nested design, and [`evsi`] the
//! expected value of sample information of the studies a model declares; [`crossing`] where
//! net turns negative along the axis for the charts; [`grid`] which grid
//! point an axis value names; [`robustness`] where E[net] turns negative,
//! and P(net > 0) now, when one judgement-only param at a time is held at
//! its 10th or 90th percentile. Nothing here reads
//! files, prints or serves HTTP: front ends do that.

#![forbid(unsafe_code)]

pub mod crossing;
pub mod decision;
pub mod evsi;
pub mod grid;
pub mod inputs;
pub mod policy;
pub mod probe;
pub mod regression;
pub mod robustness;
pub mod sequence;
pub mod sobol;
pub mod stats;
pub mod threshold;
pub mod verdict;
pub mod voi;
