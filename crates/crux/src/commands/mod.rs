//! One module per subcommand.

pub mod check;
pub mod compare;
pub mod plot;
pub mod profiles;
pub mod run;
pub mod sensitivity;
pub mod serve;
mod target;
pub mod voi;
