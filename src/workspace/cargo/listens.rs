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
