//! Whether a package's sources start a server, for the frameworks that are clients as often as
//! servers (`tonic` and `hyper`: a gRPC or HTTP client depends on them too). A package whose
//! only framework is one of those is a server when its `.rs` files build one
//! (`Server::builder`, `serve_connection`, `hyper::server`, ...); otherwise its binaries are
//! tools, as a gRPC client CLI beside its server is.
//!
//! A library crate that depends on any server framework and whose sources start a server (the
//! markers above plus each framework's own: `axum::serve`, `HttpServer::new`, ...) makes a thin
//! binary over it a server ([`library_starts_server`], used by [`super::server_lib`]).
//!
//! It reads the package's `.rs` files (not `target/`, not other members' folders when the
//! package is at the root); it never parses Rust beyond finding the markers.

use std::path::Path;

/// Frameworks a client depends on as well as a server.
pub(super) const CLIENT_OR_SERVER: &[&str] = &["hyper", "tonic", "oxhttp"];

/// Text that only server code holds (tonic's and hyper's server builders and connections,
/// oxhttp's `Server`: oxigraph's `oxigraph serve`).
pub(super) const SERVER_MARKERS: &[&str] = &[
    "oxhttp::Server",
    "Server::builder",
    "transport::Server",
    "server::conn",
    "serve_connection",
    "Server::bind",
    "hyper::server",
    "hyper_util::server",
];

/// Text that starts a server with the frameworks clients do not use (axum, actix-web, warp,
/// rocket, ...): what a server library's sources hold besides [`SERVER_MARKERS`]. A crate that
/// only uses a framework's types (an error type that implements actix-web's `ResponseError`)
/// holds none.
pub(super) const FRAMEWORK_SERVER_MARKERS: &[&str] = &[
    "axum::serve",
    "axum_server::",
    "HttpServer::new",
    "warp::serve",
    "rocket::build",
    "rocket::custom",
    "#[launch]",
    "#[rocket::launch]",
    "poem::Server",
    "salvo::Server",
    "tiny_http::Server",
    "rouille::start_server",
    "HttpServerStarter",
    "tide::new",
    "gotham::start",
    "trillium_tokio::run",
    "viz::serve",
];

/// Whether the `.rs` files under `dir` (relative to `root`; `""`: the root package, whose own
/// sources are under `src/`) hold a server marker.
pub(super) fn starts_server(root: &Path, dir: &str) -> bool {
    any_source(root, dir, &[], |text| {
        SERVER_MARKERS.iter().any(|m| text.contains(m))
    })
}

/// Whether the library sources under `dir` start a server with any framework. Test code is
/// left out (folders `tests`, `test`, `benches`, `examples`, files `tests.rs`, `test.rs`,
/// at any depth): a client crate's test may start a mock server.
pub(super) fn library_starts_server(root: &Path, dir: &str) -> bool {
    const TEST_CODE: &[&str] = &[
        "tests", "test", "benches", "examples", "tests.rs", "test.rs",
    ];
    any_source(root, dir, TEST_CODE, |text| {
        SERVER_MARKERS
            .iter()
            .chain(FRAMEWORK_SERVER_MARKERS)
            .any(|m| text.contains(m))
            || builds_imported_server(text)
    })
}

/// Frameworks whose server type is called `Server` and is often imported in a group
/// (`use poem::{Route, Server};`), so that the code that starts it reads `Server::new(...)`
/// with no crate name before it.
const GROUPED_SERVER_FRAMEWORKS: &str = "poem|tiny_http|salvo|oxhttp";

/// Whether `text` imports a framework's `Server` in a `use` group and builds one:
/// warpgate's `use poem::{..., Route, Server};` then
/// `Server::new_with_acceptor(acceptor).run(app)`, or `use tiny_http::{Response, Server};`
/// then `Server::http(...)`. A plain `use poem::Server;` is a marker already.
pub(super) fn builds_imported_server(text: &str) -> bool {
    use std::sync::OnceLock;
    static GROUP: OnceLock<regex::Regex> = OnceLock::new();
    static BUILD: OnceLock<regex::Regex> = OnceLock::new();
    let group = GROUP.get_or_init(|| {
        regex::Regex::new(&format!(
            r"\buse\s+(?:{GROUPED_SERVER_FRAMEWORKS})::\{{[^}}]*\bServer\b"
        ))
        .expect("a valid regex")
    });
    let build = BUILD
        .get_or_init(|| regex::Regex::new(r"(?:^|[^:\w])Server::\w+\s*\(").expect("a valid regex"));
    group.is_match(text) && build.is_match(text)
}

/// Whether a `.rs` file under `dir` (not under `target` or `.git`, and not a file or under
/// a folder named in `skip`) satisfies `hit`.
fn any_source(root: &Path, dir: &str, skip: &[&str], hit: impl Fn(&str) -> bool) -> bool {
    let top = super::rs_files::package_sources(root, dir);
    super::rs_files::rs_files(&top, skip)
        .filter_map(|e| crate::fsio::read_to_string(e.path()).ok())
        .any(|text| hit(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grpc_client_is_not_a_server_and_a_grpc_server_is() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "cli/src/main.rs",
            "let channel = tonic::transport::Channel::from_static(url).connect().await?;",
        );
        write(
            "server/src/grpc.rs",
            "tonic::transport::Server::builder().add_service(svc).serve(addr).await?;",
        );
        assert!(!starts_server(dir.path(), "cli"));
        assert!(starts_server(dir.path(), "server"));
    }

    /// warpgate's `warpgate-protocol-http` imports poem's `Server` in a group and starts it
    /// with `Server::new_with_acceptor`; a crate that imports only poem's routing types, or
    /// names `Server` without building one, starts none.
    #[test]
    fn a_server_imported_in_a_use_group_and_built_is_found() {
        let poem = "use poem::{Endpoint, Route, Server};\n\
                    Server::new_with_acceptor(acceptor).run(app).await?;";
        assert!(builds_imported_server(poem));
        let tiny = "use tiny_http::{Response, Server};\nlet s = Server::http(addr)?;";
        assert!(builds_imported_server(tiny));
        assert!(!builds_imported_server(
            "use poem::{Endpoint, Route};\nRoute::new().at(\"/\", ep)"
        ));
        assert!(!builds_imported_server(
            "use poem::{Route, Server};\nfn kind() -> &'static str { \"Server\" }"
        ));
        assert!(!builds_imported_server(
            "use poem::Route;\nuse other::{Server};\nServer::new(x)"
        ));
        assert!(!builds_imported_server(
            "use poem::{Route, Server};\nlet s = my::Server::new(x);"
        ));
    }
}
