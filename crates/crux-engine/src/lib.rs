//! The Crux Monte Carlo engine.
//!
//! [`compile`] turns a resolved model into a [`program::Program`]: flat
//! instruction lists whose values are hoisted to the level they need
//! (constant, per grid point, per sample, per sample and point). [`Engine`]
//! runs it over blocks of samples in parallel, with random streams keyed by
//! (seed, block, draw), so a seed gives identical output on any thread count.
//! Correlated params are drawn through a Gaussian copula ([`copula`]).
//! [`Sampler`] streams the per-sample values of a run (params, derived
//! values, mechanism effects and net) block by block, in order.
//! The engine knows nothing of files, terminals or HTTP.

pub mod compile;
pub mod copula;
pub mod distributions;
pub mod exec;
pub mod format;
pub mod math;
mod memory;
pub mod ops;
pub mod program;
pub mod quantile;
pub mod run;
pub mod samples;
mod select;
mod streams;

pub use compile::{compile, compile_with_derived};
pub use run::{Crossings, Engine, MechanismSummary, NetSamples, PointSummary, RunOptions, RunOutput};
pub use samples::{ColumnKind, SampleBlock, SampleColumn, Sampler, StreamError};
