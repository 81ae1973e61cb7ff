mod close;
mod json;
mod listen;
mod pipe;
mod shipped;
mod usage;
