mod close;
mod json;
mod listen;
mod ping;
mod pipe;
mod script;
mod shipped;
mod usage;
