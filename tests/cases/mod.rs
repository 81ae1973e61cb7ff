mod close;
mod json;
mod listen;
mod pipe;
mod usage;
