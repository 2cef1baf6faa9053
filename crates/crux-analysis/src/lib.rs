//! Analyses on top of the Crux engine.
//!
//! [`inputs`] gathers a model's independent random draws into factors (one
//! per declaration that writes a distribution) and groups (one per crux).
//! [`sobol`] computes first- and total-order Sobol indices of net with a
//! Saltelli design on scrambled Sobol' points ([`sequence`]); [`voi`] the
//! expected value of perfect information and of partial perfect information
//! per group, for the decision "release iff E[net] > 0"; [`crossing`] where
//! net turns negative along the axis, on average and per sample. These analyses only
//! call the engine; they know nothing of files, terminals or HTTP.

pub mod crossing;
pub mod inputs;
pub mod sequence;
pub mod sobol;
pub mod voi;
