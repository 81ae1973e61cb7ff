mod close;
mod json;
mod listen;
mod pipe;
mod script;
mod shipped;
mod usage;
