//! Where a package with no server framework opens a listening socket (`TcpListener::bind`,
//! `UnixListener::bind`, `TcpListener::from_std`), in its own sources or in a workspace crate
//! it depends on: a hint for `isogen list` and generate, and a service only for a binary named
//! as a server that runs without arguments (mini-redis's `mini-redis-server`; see
//! `super::services::socket_server`). Real servers on plain sockets (sozu on mio, rathole,
//! bore, mini-redis, rustdesk-server) all listen so, but most need arguments to serve (`sozu
//! start -c config.toml`, `bore server`, `rathole server.toml`) and some are command-line tools
//! with a server mode (bore's `bore-cli`, atuin's `atuin server start`), so making every one a
//! service by default would write CMDs that print usage. UDP `bind` is not looked at: clients bind UDP sockets too (a resolver's, a metrics
//! sender's).
//!
//! It reads `.rs` files (not `target/`, `tests/`, `benches/`, `examples/`, `tests.rs`, nor
//! anything after a `#[cfg(test)] mod`); it never parses Rust beyond finding the markers.

use std::path::Path;

/// Calls that open a listening socket.
const LISTENER_MARKERS: &[&str] = &[
    "TcpListener::bind",
    "UnixListener::bind",
    "TcpListener::from_std",
    "UnixListener::from_std",
];

/// Folders and files whose code is never the program's (`target` and `.git` are never read).
const NOT_PROGRAM_FILES: &[&str] = &[
    "tests", "benches", "examples", "fuzz", "tests.rs", "test.rs",
];

/// The first place (`` `TcpListener::bind` at <dir>/src/server.rs:43 ``, relative to `root`) where
/// the `.rs` files under `dir` (`""`: the root package, whose sources are under `src/`) open a
/// listening socket outside test code; `None` when they do not.
pub(super) fn listener_site(root: &Path, dir: &str) -> Option<String> {
    let top = super::rs_files::package_sources(root, dir);
    super::rs_files::rs_files(&top, NOT_PROGRAM_FILES).find_map(|e| {
        let text = crate::fsio::read_to_string(e.path()).ok()?;
        let (line, marker) = first_marker(&text)?;
        let rel = e
            .path()
            .strip_prefix(root)
            .ok()?
            .to_string_lossy()
            .into_owned();
        Some(format!("`{marker}` at {rel}:{line}"))
    })
}

/// For one binary of a package with several: where its own code, or the library module it
/// hands its work to, opens a listening socket, so each binary's row names its own listener
/// (ntpd-rs's `ntp-metrics-exporter` calls `ntpd::metrics_exporter_main`, which lib.rs
/// re-exports from `metrics::exporter`: its listener is in `ntpd/src/metrics/exporter.rs`,
/// not in the daemon's `keyexchange.rs`). `bin_file` is the binary's root file; `lib` the
/// library's crate name (as code writes it) and root file. `None` when neither holds a
/// listener (the package's first site then stands for it).
pub(super) fn bin_listener_site(
    root: &Path,
    bin_file: &Path,
    lib: Option<(&str, &Path)>,
) -> Option<String> {
    let own = super::bin_sources::module_files(bin_file);
    if let Some(site) = first_site(root, &own) {
        return Some(site);
    }
    let (krate, lib_file) = lib?;
    let lib_text = crate::fsio::read_to_string(lib_file).ok()?;
    let pattern = regex::Regex::new(&format!(
        r"\b{krate}::((?:[a-z_][a-z0-9_]*::)*)([a-z_][a-z0-9_]*)\s*\("
    ))
    .ok()?;
    let texts = own
        .iter()
        .filter_map(|f| crate::fsio::read_to_string(f).ok());
    let calls: Vec<(Vec<String>, String)> = texts
        .flat_map(|text| {
            (pattern.captures_iter(&text))
                .map(|c| {
                    let module = c[1].split("::").filter(|m| !m.is_empty());
                    (module.map(str::to_string).collect(), c[2].to_string())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    calls.into_iter().find_map(|(module, function)| {
        let module = if module.is_empty() {
            reexported_from(&lib_text, &function)?
        } else {
            module
        };
        let file = module_file(lib_file.parent()?, &module)?;
        let owns = file.file_name().is_some_and(|n| n == "mod.rs");
        first_site(root, &super::bin_sources::module_tree(&file, owns))
    })
}

/// The module a crate root's `pub use a::b::f as name;` (or `pub use a::b::name;`) takes
/// `name` from: `["a", "b"]`.
fn reexported_from(lib_text: &str, name: &str) -> Option<Vec<String>> {
    lib_text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("pub use ")?.strip_suffix(';')?;
        let (path, alias) = match rest.split_once(" as ") {
            Some((p, a)) => (p.trim(), a.trim()),
            None => (rest.trim(), rest.rsplit("::").next()?.trim()),
        };
        let segments: Vec<&str> = path.trim_start_matches("crate::").split("::").collect();
        (alias == name && segments.len() > 1).then(|| {
            segments[..segments.len() - 1]
                .iter()
                .map(|s| s.to_string())
                .collect()
        })
    })
}

/// The file of module `module` (`["metrics", "exporter"]`) of the crate whose root file is in
/// `src`: `metrics/exporter.rs` or `metrics/exporter/mod.rs`, each step either way.
fn module_file(src: &Path, module: &[String]) -> Option<std::path::PathBuf> {
    let mut dir = src.to_path_buf();
    let mut file = None;
    for m in module {
        let flat = dir.join(format!("{m}.rs"));
        let nested = dir.join(m).join("mod.rs");
        file = Some(if crate::fsio::is_file(&flat) {
            flat
        } else if crate::fsio::is_file(&nested) {
            nested
        } else {
            return None;
        });
        dir = dir.join(m);
    }
    file
}

/// The first listener site of `files` (test files left out), as [`listener_site`] says it.
fn first_site(root: &Path, files: &[std::path::PathBuf]) -> Option<String> {
    files.iter().find_map(|f| {
        let rel = f.strip_prefix(root).ok()?;
        let test_code = rel
            .components()
            .any(|c| NOT_PROGRAM_FILES.contains(&c.as_os_str().to_str().unwrap_or_default()));
        if test_code {
            return None;
        }
        let text = crate::fsio::read_to_string(f).ok()?;
        let (line, marker) = first_marker(&text)?;
        let rel = rel.to_string_lossy().replace('\\', "/");
        Some(format!("`{marker}` at {rel}:{line}"))
    })
}

/// The line (1-based) and marker of the first listener call of `text` before its
/// `#[cfg(test)] mod ...` (a test module ends the program's code; a `#[cfg(test)]` item inside
/// it does not), outside `//` comments.
fn first_marker(text: &str) -> Option<(usize, &'static str)> {
    let test_module = text.match_indices("#[cfg(test)]").find_map(|(at, attr)| {
        let after = text[at + attr.len()..].trim_start();
        let after = after
            .strip_prefix("pub(crate) ")
            .or_else(|| after.strip_prefix("pub "))
            .unwrap_or(after);
        after.starts_with("mod ").then_some(at)
    });
    let program = &text[..test_module.unwrap_or(text.len())];
    program.lines().enumerate().find_map(|(i, line)| {
        let code = line.split("//").next().unwrap_or_default();
        LISTENER_MARKERS
            .iter()
            .find(|m| code.contains(*m))
            .map(|m| (i + 1, *m))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_is_found_outside_tests_and_comments_only() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "proxy/src/main.rs",
            "use mio::net::TcpListener;\n// TcpListener::bind is below\n#[cfg(test)]\nconst T: u8 = 1;\nfn main() {\n    let l = TcpListener::bind(addr)?;\n}\n",
        );
        write(
            "client/src/main.rs",
            "fn main() {\n    let s = TcpStream::connect(addr)?;\n    let u = UdpSocket::bind(\"0.0.0.0:0\")?;\n}\n#[cfg(test)]\nmod tests {\n    fn t() { TcpListener::bind(\"127.0.0.1:0\"); }\n}\n",
        );
        write(
            "client/tests/echo.rs",
            "fn t() { TcpListener::bind(\"127.0.0.1:0\"); }\n",
        );
        write(
            "client/src/net/tests.rs",
            "fn t() { UnixListener::bind(p); }\n",
        );
        assert_eq!(
            listener_site(dir.path(), "proxy").as_deref(),
            Some("`TcpListener::bind` at proxy/src/main.rs:6")
        );
        assert_eq!(listener_site(dir.path(), "client"), None);
    }
}
