//! One module per subcommand.

pub mod check;
pub mod profiles;
pub mod run;
