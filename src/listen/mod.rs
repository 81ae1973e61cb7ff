//! The server side of `wsprobe listen`: the connection hub for broadcasts ([`hub`]), who may
//! connect ([`policy`]), plain HTTP on the same port ([`http`]) and a program per connection
//! ([`exec`]).

pub mod exec;
pub mod http;
pub mod hub;
pub mod policy;
