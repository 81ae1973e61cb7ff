//! Integration tests: the real binary against real peers on 127.0.0.1 (ephemeral ports).

mod cases;
mod support;
