//! One module per subcommand; each turns its resolved arguments into an exit status.

pub mod bench;
pub mod check;
pub mod connect;
pub mod listen;
pub mod ping;
