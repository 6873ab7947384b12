//! Command-line tools whose server is a live-reload preview: a static site generator or a
//! typesetter that serves what it builds while it watches the files (zola's `zola serve`, on
//! axum; typst's `typst watch`, through `typst-kit`'s tiny_http server). Such a package depends
//! on a server framework (or on a workspace library that starts a server), yet it deploys no
//! server: its command line requires a subcommand, and it (or that library) depends on a
//! file-watcher crate. Its binaries are tools; `[workspace] services` still makes them services.
//!
//! A server that reloads its configuration or certificates watches files too (wstunnel, whose
//! subcommands are `client` and `server`), so three signs are needed: a subcommand required by
//! every binary of the package, a watcher, and a command line (the file that requires the
//! subcommand) offering both a build verb (`Build`, `Compile`) and a preview verb (`Serve`,
//! `Watch`) as variants. It reads those command-line files only, looking for the variant names
//! at the start of a line; it parses no Rust.

use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

use crate::workspace::Package;

/// File-watcher crates: what a live-reload preview is built on.
pub const FILE_WATCHERS: &[&str] = &[
    "notify",
    "notify-debouncer-full",
    "notify-debouncer-mini",
    "hotwatch",
    "watchexec",
];

/// Sets [`super::model::CargoPackage::live_reload`] of every package with binaries that all
/// need a subcommand and that runs a server next to a file watcher (its own dependency or its
/// server library's).
pub(super) fn mark_live_reload(root: &Path, packages: &mut [Package]) {
    for k in 0..packages.len() {
        let Some(c) = packages[k].cargo.as_ref() else {
            continue;
        };
        let all_need_subcommands = !c.bins.is_empty()
            && c.bins
                .iter()
                .all(|b| c.required_subcommands.iter().any(|r| r.bin == b.name));
        if !all_need_subcommands
            || !super::services::runs_server(&packages[k])
            || !c
                .required_subcommands
                .iter()
                .any(|r| builds_and_previews(&root.join(&r.file)))
        {
            continue;
        }
        let lib = c
            .server_lib
            .as_ref()
            .and_then(|l| packages.iter().find(|p| p.name == l.name));
        let watcher = watcher_of(&packages[k]).or_else(|| lib.and_then(watcher_of));
        if let Some(c) = packages[k].cargo.as_mut() {
            c.live_reload = watcher;
        }
    }
}

/// The file-watcher crate `p` depends on, if any.
fn watcher_of(p: &Package) -> Option<String> {
    FILE_WATCHERS
        .iter()
        .find(|w| p.external_deps.iter().any(|d| d == *w))
        .map(|w| w.to_string())
}

/// Whether the command line in `file` has a build verb and a preview verb among its variants
/// (zola's `Build` and `Serve`, typst's `Compile` and `Watch`).
fn builds_and_previews(file: &Path) -> bool {
    static VERBS: OnceLock<[Regex; 2]> = OnceLock::new();
    let [build, preview] = VERBS.get_or_init(|| {
        [
            Regex::new(r"(?m)^\s*(Build|Compile)\b\s*[({,]").expect("a valid pattern"),
            Regex::new(r"(?m)^\s*(Serve|Watch)\b\s*[({,]").expect("a valid pattern"),
        ]
    });
    crate::fsio::read_to_string(file)
        .is_ok_and(|text| build.is_match(&text) && preview.is_match(&text))
}

#[cfg(test)]
mod tests {
    use super::builds_and_previews;

    #[test]
    fn a_build_and_a_preview_verb_make_a_site_tool_and_client_server_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let check = |text: &str| {
            let path = dir.path().join("cli.rs");
            std::fs::write(&path, text).unwrap();
            builds_and_previews(&path)
        };
        assert!(check("pub enum Command {\n    Init {\n    },\n    Build {\n        base_url: String,\n    },\n    Serve {\n    },\n}\n"));
        assert!(check(
            "pub enum Command {\n    Compile(CompileCommand),\n    Watch(WatchCommand),\n}\n"
        ));
        assert!(!check(
            "enum Commands {\n    Client(Box<Client>),\n    Server(Box<Server>),\n}\n"
        ));
        assert!(!check("enum Commands {\n    Build,\n    Start,\n}\n"));
    }
}
