//! What the workspace's tests share. A dev-dependency only: nothing here is
//! part of Crux itself.
//!
//! - [`modules`]: the module graph of a crate, read from its source text, and
//!   its cycles (modules that import each other), so that a test can keep
//!   every crate's modules in one-way layers.

#![forbid(unsafe_code)]

pub mod modules;

use std::path::{Path, PathBuf};

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace root exists")
}
