//! What sqlx's compile-time checked query macros (`sqlx::query!`, `query_as!`,
//! `query_scalar!`, `query_file!`, ...) of a crate need when it builds: a database reached
//! through `DATABASE_URL`, which sqlx reads from the environment or from a `.env` file (the
//! crate's folder or one above it, up to the workspace root), or offline query data committed
//! with the sources (`.sqlx/` of `cargo sqlx prepare`, sqlx 0.6's `sqlx-data.json`).
//! rustdesk-server's `src/database.rs` calls `sqlx::query!` with `DATABASE_URL` in the root
//! `.env` and no offline data: an image build whose context leaves `.env` out stops there.
//!
//! It reads the package's `.rs` files outside test code, comments blanked, for the first macro
//! call, and the `.env` files for a `DATABASE_URL=` line; it parses no Rust beyond that.

use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

use super::model::SqlxMacros;

/// Folders and files whose code is not the program's.
const TEST_CODE: &[&str] = &["tests", "benches", "examples", "tests.rs", "test.rs"];

/// The offline query data a crate's folder (or the root) may hold.
const OFFLINE_DATA: &[&str] = &[".sqlx", "sqlx-data.json"];

/// For the package in `dir` (relative to `root`; `""` for the root package): where its sources
/// first call a checked query macro, whether offline data is at hand, and the `.env` that sets
/// `DATABASE_URL`. `None` when no source calls one.
pub(super) fn sqlx_macros(root: &Path, dir: &str) -> Option<SqlxMacros> {
    let site = first_call(root, dir)?;
    let mut offline = false;
    let mut env_file = None;
    let mut here = dir.to_string();
    loop {
        let folder = root.join(&here);
        offline |= OFFLINE_DATA
            .iter()
            .any(|d| crate::fsio::exists(folder.join(d)));
        if env_file.is_none() && sets_database_url(&folder.join(".env")) {
            env_file = Some(if here.is_empty() {
                ".env".to_string()
            } else {
                format!("{here}/.env")
            });
        }
        if here.is_empty() {
            break;
        }
        here = here.rsplit_once('/').map_or("", |(up, _)| up).to_string();
    }
    Some(SqlxMacros {
        site,
        offline,
        env_file,
    })
}

/// `<file>:<line>` (relative to `root`) of the first checked query macro call of the package.
fn first_call(root: &Path, dir: &str) -> Option<String> {
    static CALL: OnceLock<Regex> = OnceLock::new();
    let call = CALL.get_or_init(|| {
        Regex::new(
            r"\b(?:sqlx::)?query(?:_as|_scalar|_file|_file_as|_file_scalar)?(?:_unchecked)?!\s*\(",
        )
        .expect("a valid pattern")
    });
    let top = super::rs_files::package_sources(root, dir);
    super::rs_files::rs_files(&top, TEST_CODE).find_map(|entry| {
        let text = crate::fsio::read_to_string(entry.path()).ok()?;
        if !text.contains("query") {
            return None;
        }
        let code = super::rs_comments::blank_comments(&text);
        let line = code.lines().position(|l| call.is_match(l))?;
        let file = entry.path().strip_prefix(root).unwrap_or(entry.path());
        Some(format!(
            "{}:{}",
            file.to_string_lossy().replace('\\', "/"),
            line + 1
        ))
    })
}

/// Whether the `.env` file at `path` exists and sets `DATABASE_URL` (`export` allowed).
fn sets_database_url(path: &Path) -> bool {
    let Ok(text) = crate::fsio::read_to_string(path) else {
        return false;
    };
    text.lines().any(|l| {
        let l = l.trim_start();
        let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
        l.strip_prefix("DATABASE_URL")
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn the_first_macro_call_and_the_nearest_env_that_sets_database_url_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            ".env",
            "RUST_LOG=info\nexport DATABASE_URL = sqlite://./app.db\n",
        );
        write(root, "crates/db/.env", "RUST_LOG=debug\n");
        write(
            root,
            "crates/db/src/lib.rs",
            "// sqlx::query!(\"old\")\nmod store;\n",
        );
        write(
            root,
            "crates/db/src/store.rs",
            "use sqlx::query_as;\n\nfn f() {\n    let r = query_as!(Row, \"select 1\");\n}\n",
        );
        let found = sqlx_macros(root, "crates/db").unwrap();
        assert_eq!(found.site, "crates/db/src/store.rs:4");
        assert_eq!(found.env_file.as_deref(), Some(".env"));
        assert!(!found.offline);
    }

    #[test]
    fn offline_data_beside_the_crate_or_at_the_root_counts_and_no_macro_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "src/db.rs",
            "fn f() { sqlx::query!(\"select 1\"); }\n",
        );
        write(root, "sqlx-data.json", "{}\n");
        write(
            root,
            "api/src/main.rs",
            "fn main() { sqlx::query(\"select 1\"); }\n",
        );
        let found = sqlx_macros(root, "").unwrap();
        assert_eq!(found.site, "src/db.rs:1");
        assert!(found.offline);
        assert_eq!(found.env_file, None);
        assert!(sqlx_macros(root, "api").is_none());
    }
}
