//! Tools beside the server in one package: qdrant's package depends on actix-web and holds
//! `qdrant` (whose `main.rs` declares `mod actix;`) and `wal_inspector`, `segment_inspector`,
//! `schema_generator` (files that use only the storage crates). When its siblings serve
//! through the package's own library (shadowsocks-rust's `ssserver` calls
//! `shadowsocks_rust::service::server`), a binary that names neither that library nor a
//! framework, only a server crate it depends on (`ssurl`, for its config types), is a tool too.
//! When a package that runs a
//! server has several binaries, a binary whose sources (its root file and the module files its
//! `mod` declarations reach) name none of the crates that serve (the package's server
//! frameworks, its own library, a workspace crate it depends on that depends on a framework or
//! runs a server) is a tool, provided a sibling binary names one, unless its own module files
//! name a listening socket type (`TcpListener`, `UnixListener`): rustdesk-server's relay `hbbr`
//! beside the axum-serving `hbbs` accepts plain TCP connections on a listener its common crate
//! opens, a server of its own. When none names a serving crate (the server is
//! reached some other way), every binary stays as the package rule says.
//!
//! It reads the binaries' module files only and parses nothing beyond `mod name;` lines and
//! `#[path = "..."]` attributes; it never chooses services.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;

use super::server_lib::ServingLibs;
use crate::workspace::{DepKind, Package};

/// The most module files read for one binary (a guard against a pathological tree).
const MAX_FILES: usize = 2000;

/// Sets [`super::model::CargoPackage::side_tools`] of every package that runs a server and has
/// several binaries. `dirs[k]` is the folder of `packages[k]`, at `first + k` in the workspace.
pub(super) fn mark_side_tools(
    root: &Path,
    libs: &mut ServingLibs,
    dirs: &[&str],
    packages: &mut [Package],
    first: usize,
) {
    for i in 0..packages.len() {
        let Some(c) = packages[i].cargo.as_ref() else {
            continue;
        };
        let serves = super::services::runs_server(&packages[i]);
        if !serves || c.bins.len() < 2 {
            continue;
        }
        let names = serving_crates(libs, packages, i, first);
        let dir = root.join(dirs.get(i).copied().unwrap_or(""));
        let own: Vec<String> = c.lib.iter().map(|l| l.name.replace('-', "_")).collect();
        let direct: Vec<String> = c.frameworks.iter().map(|f| f.replace('-', "_")).collect();
        // (binary, names a serving crate, names the package's own library, names a framework)
        let naming: Vec<(String, bool, bool, bool)> = c
            .bins
            .iter()
            .map(|b| {
                (
                    b.name.clone(),
                    names_any(&dir, &b.path, &names),
                    names_any(&dir, &b.path, &own),
                    names_any(&dir, &b.path, &direct),
                )
            })
            .collect();
        if !naming.iter().any(|n| n.1) {
            continue;
        }
        // shadowsocks-rust: `sslocal`, `ssserver`, ... serve through the package's own library
        // (`shadowsocks_rust::service::server`); `ssurl` only reaches `shadowsocks_service`'s
        // config types, never the library that runs the servers: a tool.
        let through_own = naming.iter().any(|n| n.2);
        let tools = naming
            .into_iter()
            .filter(|(_, serving, own, direct)| !serving || (through_own && !own && !direct))
            .map(|n| n.0)
            .filter(|name| {
                let bin = c.bins.iter().find(|b| &b.name == name);
                !bin.is_some_and(|b| names_listener(&dir, &b.path))
            })
            .collect();
        if let Some(c) = packages[i].cargo.as_mut() {
            c.side_tools = tools;
        }
    }
}

/// Text in a binary's own module files that says it runs something long-lived: an async entry
/// point or a runtime it builds (a server's `main`), besides the server markers of
/// [`super::serves`] and the listener types of [`LISTENER_TYPES`].
const RUNTIME_ENTRIES: &[&str] = &[
    "async fn main",
    "::main]",
    "#[launch]",
    "block_on(",
    "Runtime::new",
    "runtime::Builder",
    "System::new",
];

/// warpgate's shape: library crates that depend on a server framework (poem) and that the
/// server's package uses (`warpgate` depends on `warpgate-protocol-http`, `warpgate-admin`,
/// `warpgate-common`) each carry a small binary that prints a spec and exits
/// (`warpgate-admin`'s `main.rs` prints its OpenAPI document, `warpgate-common`'s
/// `config-schema` its JSON schema). By the package rule those binaries were services (the
/// package depends on poem). Sets [`super::model::CargoPackage::library_tools`]: each binary of
/// a package with a library that another workspace package with binaries uses (normal
/// dependencies, transitively) and whose module files hold no async entry or runtime
/// ([`RUNTIME_ENTRIES`]), no server marker and no listener type. Runs before the server
/// libraries are marked: a library whose binaries are all such tools is a server library.
pub(super) fn mark_library_tools(
    root: &Path,
    dirs: &[&str],
    packages: &mut [Package],
    first: usize,
) {
    let mut found: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    // The workspace crates each package with binaries uses, each worked out once.
    let users: Vec<(usize, Vec<usize>)> = (0..packages.len())
        .filter(|&j| (packages[j].cargo.as_ref()).is_some_and(|u| !u.bins.is_empty()))
        .map(|j| (j, super::server_lib::closure(packages, j, first)))
        .collect();
    for i in 0..packages.len() {
        let Some(c) = packages[i].cargo.as_ref() else {
            continue;
        };
        if c.lib.is_none() || c.bins.is_empty() || c.frameworks.is_empty() {
            continue;
        }
        let user = (users.iter())
            .find(|(j, uses)| *j != i && uses.contains(&i))
            .map(|(j, _)| *j);
        let Some(user) = user else {
            continue;
        };
        let dir = root.join(dirs.get(i).copied().unwrap_or(""));
        let tools: Vec<(String, String)> = c
            .bins
            .iter()
            .filter(|b| !runs_long(&dir, &b.path))
            .map(|b| (b.name.clone(), packages[user].name.clone()))
            .collect();
        if !tools.is_empty() {
            found.push((i, tools));
        }
    }
    for (i, tools) in found {
        if let Some(c) = packages[i].cargo.as_mut() {
            c.library_tools = tools;
        }
    }
}

/// Whether the module tree of the binary whose root file is `bin_path` (relative to `dir`)
/// holds, outside comments, an async entry or runtime, a server marker or a listener type.
fn runs_long(dir: &Path, bin_path: &str) -> bool {
    module_files(&dir.join(bin_path)).iter().any(|file| {
        crate::fsio::read_to_string(file).is_ok_and(|text| {
            let code = super::rs_comments::blank_comments(&text);
            RUNTIME_ENTRIES
                .iter()
                .chain(super::serves::SERVER_MARKERS)
                .chain(super::serves::FRAMEWORK_SERVER_MARKERS)
                .chain(LISTENER_TYPES)
                .any(|m| code.contains(m))
                || super::serves::builds_imported_server(&code)
        })
    })
}

/// The crate names (as Rust code writes them, `-` as `_`) whose use in a binary's sources says
/// it runs the package's server: its frameworks, its own library, and the server libraries it
/// depends on (by the name its manifest gives them).
fn serving_crates(
    libs: &mut ServingLibs,
    packages: &[Package],
    i: usize,
    first: usize,
) -> Vec<String> {
    let rust = |s: &str| s.replace('-', "_");
    let Some(c) = packages[i].cargo.as_ref() else {
        return Vec::new();
    };
    let mut names: Vec<String> = c.frameworks.iter().map(|f| rust(f)).collect();
    if let Some(lib) = &c.lib {
        names.push(rust(&lib.name));
    }
    for d in packages[i]
        .internal_deps
        .iter()
        .filter(|d| d.kind == DepKind::Normal)
    {
        let Some(k) = d.package.checked_sub(first) else {
            continue;
        };
        if libs.serves(packages, k) {
            names.push(rust(&d.alias));
        }
    }
    names
}

/// Whether the module tree of the binary whose root file is `bin_path` (relative to `dir`)
/// names one of `crates` (`crate::`, `use crate`, `extern crate crate`).
fn names_any(dir: &Path, bin_path: &str, crates: &[String]) -> bool {
    module_files(&dir.join(bin_path)).iter().any(|file| {
        crate::fsio::read_to_string(file)
            .is_ok_and(|text| crates.iter().any(|name| names_crate(&text, name)))
    })
}

/// Types whose name in a binary's own sources says it accepts connections.
const LISTENER_TYPES: &[&str] = &["TcpListener", "UnixListener"];

/// Whether the module tree of the binary whose root file is `bin_path` (relative to `dir`)
/// names a listening socket type as a whole word outside `//` comments.
fn names_listener(dir: &Path, bin_path: &str) -> bool {
    module_files(&dir.join(bin_path)).iter().any(|file| {
        crate::fsio::read_to_string(file).is_ok_and(|text| {
            let code = super::rs_comments::blank_comments(&text);
            LISTENER_TYPES.iter().any(|t| {
                code.match_indices(t).any(|(at, _)| {
                    let before = code[..at].chars().next_back();
                    let after = code[at + t.len()..].chars().next();
                    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                    !word(before) && !word(after)
                })
            })
        })
    })
}

/// Whether `text` names crate `name` as a path root: `name::`, `use name`, `extern crate name`,
/// not as the tail of a longer identifier (`my_axum::`).
fn names_crate(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = &text[at + name.len()..];
        let starts = !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let path = after.starts_with("::");
        let used = {
            let head = text[..at].trim_end();
            (head.ends_with("use") || head.ends_with("extern crate"))
                && !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        };
        starts && (path || used)
    })
}

/// The files of the module tree rooted at `root_file`: the file itself and, recursively, the
/// files its `mod name;` declarations load (`name.rs` or `name/mod.rs` beside a root or
/// `mod.rs` file, under `<stem>/` beside any other; `#[path = "..."]` relative to the
/// declaring file's folder).
pub(super) fn module_files(root_file: &Path) -> Vec<PathBuf> {
    module_tree(root_file, true)
}

/// The files of the module tree of `file`: a crate root (`owns_dir`: its modules are beside
/// it) or, for a non-root module file such as `src/metrics/exporter.rs`, its modules under
/// `src/metrics/exporter/` (a `mod.rs` owns its folder either way).
pub(super) fn module_tree(file: &Path, owns_dir: bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let mut stack = vec![(file.to_path_buf(), owns_dir)];
    while let Some((file, owns_dir)) = stack.pop() {
        if out.contains(&file) || out.len() >= MAX_FILES {
            continue;
        }
        let Ok(text) = crate::fsio::read_to_string(&file) else {
            continue;
        };
        let folder = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let children = if owns_dir || file.file_name().is_some_and(|n| n == "mod.rs") {
            folder.clone()
        } else {
            folder.join(file.file_stem().unwrap_or_default())
        };
        for (name, path_attr) in declared_modules(&text) {
            match path_attr {
                Some(p) => stack.push((folder.join(p.trim_start_matches("./")), true)),
                None => {
                    let flat = children.join(format!("{name}.rs"));
                    if crate::fsio::is_file(&flat) {
                        stack.push((flat, false));
                    } else {
                        stack.push((children.join(&name).join("mod.rs"), true));
                    }
                }
            }
        }
        out.push(file);
    }
    out
}

/// The `mod name;` declarations of `text`, each with the `#[path = "..."]` right before it,
/// and the files it pastes in with `include!("...")` (kanidmd's `include!("./opt.rs")`), as
/// modules at that path.
fn declared_modules(text: &str) -> Vec<(String, Option<String>)> {
    static INCLUDE: OnceLock<Regex> = OnceLock::new();
    let include = INCLUDE.get_or_init(|| {
        Regex::new(r#"^\s*include!\(\s*"([^"]+\.rs)"\s*\)"#).expect("a valid regex")
    });
    let mut out = mod_lines(text);
    for line in text.lines() {
        if let Some(c) = include.captures(line) {
            out.push((String::new(), Some(c[1].to_string())));
        }
    }
    out
}

/// The `mod name;` lines of `text`, each with the `#[path = "..."]` right before it.
fn mod_lines(text: &str) -> Vec<(String, Option<String>)> {
    static MOD: OnceLock<Regex> = OnceLock::new();
    static PATH: OnceLock<Regex> = OnceLock::new();
    let module = MOD.get_or_init(|| {
        Regex::new(r"^\s*(?:pub(?:\s*\([^)]*\))?\s+)?mod\s+(?:r#)?([A-Za-z_][A-Za-z0-9_]*)\s*;")
            .expect("a valid regex")
    });
    let path = PATH
        .get_or_init(|| Regex::new(r#"^\s*#\[path\s*=\s*"([^"]+)"\s*\]"#).expect("a valid regex"));
    let mut out = Vec::new();
    let mut pending: Option<String> = None;
    for line in text.lines() {
        if let Some(c) = path.captures(line) {
            pending = Some(c[1].to_string());
            continue;
        }
        if let Some(c) = module.captures(line) {
            out.push((c[1].to_string(), pending.take()));
        } else if !line.trim_start().starts_with("#[") {
            pending = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crate_is_named_as_a_path_root_not_as_a_longer_identifier() {
        assert!(names_crate("use actix_web::HttpServer;", "actix_web"));
        assert!(names_crate(
            "let s = ::tonic::transport::Uri::from(x);",
            "tonic"
        ));
        assert!(names_crate("use axum;\n", "axum"));
        assert!(!names_crate("use my_axum::Router;", "axum"));
        assert!(!names_crate("// see the axum docs", "axum"));
        assert!(!names_crate("use axum_extra::x;", "axum"));
    }

    #[test]
    fn the_module_tree_follows_mod_declarations_and_path_attributes() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(
            "src/main.rs",
            "mod http;\npub(crate) mod store;\n#[path = \"gen/api.rs\"]\nmod api;\nfn main() {}\n",
        );
        write("src/http/mod.rs", "mod routes;\n");
        write("src/http/routes.rs", "use actix_web::web;\n");
        write("src/store.rs", "mod wal;\n");
        write("src/store/wal.rs", "");
        write("src/gen/api.rs", "");
        write("src/wal_inspector.rs", "use storage::Wal;\nfn main() {}\n");
        let mut files: Vec<String> = module_files(&dir.path().join("src/main.rs"))
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        files.sort();
        assert_eq!(
            files,
            [
                "src/gen/api.rs",
                "src/http/mod.rs",
                "src/http/routes.rs",
                "src/main.rs",
                "src/store.rs",
                "src/store/wal.rs"
            ]
        );
        let crates = ["actix_web".to_string()];
        assert!(names_any(dir.path(), "src/main.rs", &crates));
        assert!(!names_any(dir.path(), "src/wal_inspector.rs", &crates));
    }
}
