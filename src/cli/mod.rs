//! Pieces of the command line that are more than a call and a print: the inputs a command
//! names (found and loaded once, then handed down) and what the terminal shows while it works.
//! Part of the binary, not the library; nothing here decides what a command finds.

pub mod carry;
pub mod check_cache;
pub mod deployed;
pub mod elsewhere;
pub mod list;
pub mod progress;
pub mod verify;
