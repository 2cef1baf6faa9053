//! The built-in model: the open-weights safety model that `crux run` runs
//! when no model file is given, embedded in the binary.

/// The name the built-in model's diagnostics show.
pub const OPEN_SOURCE_SAFETY_NAME: &str = "open-source-safety.toml (built in)";

/// The text of `models/open-source-safety.toml`.
pub const OPEN_SOURCE_SAFETY: &str = include_str!("../../../models/open-source-safety.toml");
