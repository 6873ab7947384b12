//! The one error type the library returns. Every variant names the file (or image, or template)
//! it is about and what is wrong with it; `main.rs` prints it once and exits 2.
//!
//! Never build these from `unwrap()`/`expect()` on outside input: return them.

use std::path::PathBuf;

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A file could not be parsed (YAML, JSON, TOML). `location` is `line:column` when known.
    #[error("{}{}: {message}", path.display(), location.as_deref().map(|l| format!(":{l}")).unwrap_or_default())]
    Parse {
        path: PathBuf,
        location: Option<String>,
        message: String,
    },

    /// The workspace is well-formed as files but wrong as a workspace (a cycle, an unknown
    /// `workspace:` target, two packages with one name, ...).
    #[error("{}: {message}", path.display())]
    Workspace { path: PathBuf, message: String },

    /// Like `Workspace`, about one value of the file: `path:line:column: message`, the form
    /// editors and terminals turn into a link.
    #[error("{}:{location}: {message}", path.display())]
    WorkspaceAt {
        path: PathBuf,
        location: String,
        message: String,
    },

    /// `isogen.toml` (or a flag) asks for something that cannot be.
    #[error("{}: {message}", path.display())]
    Config { path: PathBuf, message: String },

    /// A template failed to parse or render.
    #[error("template {name}: {message}")]
    Template { name: String, message: String },

    /// An image archive is unusable: unreadable, corrupt, truncated, a digest mismatch.
    /// `message` names the blob/layer digest and entry path when they are known.
    #[error("{}: {message}", path.display())]
    Image { path: PathBuf, message: String },

    /// The command line asks for something that cannot be (no such service, ...).
    #[error("{0}")]
    Usage(String),

    /// Imports of a service's sources (or its internal packages') that cross a package
    /// boundary: one line each, `file:line: what and the fix`. Several services share one
    /// error when the same imports (of an internal package they all use) fail them all.
    #[error("{}:\n  {}", imports_head(.services, .lines.len()), .lines.join("\n  "))]
    Imports {
        services: Vec<String>,
        lines: Vec<String>,
    },

    /// The problems of one service that fail it independently (its imports cross a package
    /// boundary, and it has no start command): all of them in one run, one a line.
    #[error("{}", join_errors(.0))]
    Service(Vec<Error>),

    /// Several services failed (generate reports them all in one run): one error a line, then
    /// how many and what was (not) written.
    #[error("{}\n{} services failed; nothing was written (`--keep-going` writes the others)", join_errors(.0), .0.len())]
    Several(Vec<Error>),
}

/// `1 import`, `3 imports`.
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// `service `api` imports code its image's build does not have (2 imports)`, or for several
/// services failed by the same imports, `services `a`, `b` and `c` import code ...`.
fn imports_head(services: &[String], n: usize) -> String {
    let named: Vec<String> = services.iter().map(|s| format!("`{s}`")).collect();
    match named.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!(
            "services {} and {last} import code their images' builds do not have ({})",
            rest.join(", "),
            count(n, "import")
        ),
        _ => format!(
            "service {} imports code its image's build does not have ({})",
            named.join(""),
            count(n, "import")
        ),
    }
}

/// Each error on its own line, as `main.rs` prints one (`error: ...`).
fn join_errors(errors: &[Error]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\nerror: ")
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn workspace(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Workspace {
            path: path.into(),
            message: message.into(),
        }
    }

    /// A workspace error at `location` (`line:column`) of the file at `path`.
    pub fn workspace_at(
        path: impl Into<PathBuf>,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::WorkspaceAt {
            path: path.into(),
            location: location.into(),
            message: message.into(),
        }
    }

    pub fn config(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Config {
            path: path.into(),
            message: message.into(),
        }
    }

    pub fn image(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Image {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// `line:column` (both 1-based) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary_compat(offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{line}:{col}")
}

trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, index: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut index: usize) -> usize {
        while index > 0 && !self.is_char_boundary(index) {
            index -= 1;
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\ncd", 4), "2:2");
        assert_eq!(line_col("é\nx", 3), "2:1");
    }
}
