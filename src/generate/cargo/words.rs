//! The small string checks and joins of the Cargo build plan: which words a Dockerfile and a
//! shell can carry as they are (profile and feature names, image references) and how one is
//! quoted when it cannot.
//!
//! Pure string functions: no I/O, no knowledge of the workspace.

/// A path that can stand unquoted in `COPY` and in a shell command.
pub(super) use crate::workspace::path::is_plain_path as is_path;

pub(super) fn join(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

pub(super) fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
}

/// `name` or `dep/feature` / `dep?/feature`.
pub(super) fn is_feature(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/?+.".contains(c))
}

pub(super) fn is_image_reference(s: &str) -> bool {
    if s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || "\"'\\$`".contains(c))
    {
        return false;
    }
    match s.split_once('@') {
        None => true,
        Some((_, digest)) => digest
            .strip_prefix("sha256:")
            .is_some_and(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit())),
    }
}

/// One POSIX shell word: as is when it is plain, else single-quoted.
pub(super) fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.starts_with('~')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@:,=".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
