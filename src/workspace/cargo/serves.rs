//! Whether a package's sources start a server, for the frameworks that are clients as often as
//! servers (`tonic` and `hyper`: a gRPC or HTTP client depends on them too). A package whose
//! only framework is one of those is a server when its `.rs` files build one
//! (`Server::builder`, `serve_connection`, `hyper::server`, ...); otherwise its binaries are
//! tools, as a gRPC client CLI beside its server is.
//!
//! It reads the package's `.rs` files (not `target/`, not other members' folders when the
//! package is at the root); it never parses Rust beyond finding the markers.

use std::path::Path;

/// Frameworks a client depends on as well as a server.
pub(super) const CLIENT_OR_SERVER: &[&str] = &["hyper", "tonic"];

/// Text that only server code holds (tonic's and hyper's server builders and connections).
const SERVER_MARKERS: &[&str] = &[
    "Server::builder",
    "transport::Server",
    "server::conn",
    "serve_connection",
    "Server::bind",
    "hyper::server",
    "hyper_util::server",
];

/// Whether the `.rs` files under `dir` (relative to `root`; `""`: the root package, whose own
/// sources are under `src/`) hold a server marker.
pub(super) fn starts_server(root: &Path, dir: &str) -> bool {
    let top = if dir.is_empty() {
        root.join("src")
    } else {
        root.join(dir)
    };
    walkdir::WalkDir::new(top)
        .into_iter()
        .filter_entry(|e| !matches!(e.file_name().to_str(), Some("target" | ".git")))
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .any(|text| SERVER_MARKERS.iter().any(|m| text.contains(m)))
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
}
