//! One module per subcommand.

pub mod check;
pub mod compare;
pub mod profiles;
pub mod run;
pub mod serve;
