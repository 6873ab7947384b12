//! Pieces of the command line that are more than a call and a print: what the terminal shows
//! while a command works. Part of the binary, not the library; nothing here decides what a
//! command does or finds.

pub mod progress;
