//! Paths as the rest of isogen writes them into Dockerfiles and shell commands: which ones can
//! stand unquoted. A leaf module (discovery uses it to skip odd names, generate to refuse them).
//!
//! Pure string functions: nothing here touches the filesystem.

/// Whether `s` can stand unquoted in a Dockerfile instruction and a shell command.
pub fn is_plain_path(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-@+:~".contains(c))
}
