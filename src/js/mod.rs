//! JavaScript and TypeScript source analysis shared by the pipelines: the static import
//! specifiers of one file ([`static_imports`]), read with a real parser (oxc), never a lexer of
//! our own.
//!
//! A leaf module: it imports no other module of the crate (`workspace`, `generate` and `verify`
//! may all use it), does no I/O (the caller hands it the file's text) and never judges what an
//! import reaches.

mod imports;

pub use imports::{static_imports, Import, ImportKind, JsParseError};
