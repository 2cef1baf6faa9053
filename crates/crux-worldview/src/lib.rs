//! Worldviews: what a person believes, how two views differ, and how a
//! group's views combine.
//!
//! [`beliefs`] turns profiles into belief sets and swaps one crux group's
//! beliefs between views (the double crux); [`pool`] combines many views.

#![forbid(unsafe_code)]

pub mod beliefs;
pub mod compare;
pub mod group;
pub mod pool;
pub mod presets;
pub mod report;

pub use beliefs::Beliefs;
pub use pool::{Member, geometric_pool, linear_pool};
