//! Helpers of the store tests.

pub mod postgres;
