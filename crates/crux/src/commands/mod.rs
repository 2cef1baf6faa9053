//! One module per subcommand.

pub mod check;
pub mod plot;
pub mod run;
pub mod sensitivity;
mod target;
pub mod voi;
