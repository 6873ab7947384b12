//! What a service's build fetches from somewhere else than crates.io, named before the build:
//!
//! - git dependencies: `Cargo.lock` entries whose `source` is `git+<url>` (corrosion patches
//!   `quinn`, `quinn-proto` and `quinn-udp` to a fork on GitHub). The deps stage's `cargo
//!   build` clones each repository, so a builder that reaches crates.io but not that host (an
//!   offline CI runner, a sandbox, a mirror-only network) stops there with "failed to load
//!   source for dependency".
//! - registry crates whose build script downloads at build time ([`DOWNLOADERS`]: `v8`, which
//!   `deno_core` builds on, fetches a prebuilt V8 library from GitHub releases; `ort-sys`
//!   fetches ONNX Runtime; ...). The same builder stops in the middle of `cargo build`.
//!
//! One warning per git repository of Cargo.lock (those the service's build reaches,
//! `lock_walk::reachable`, and the others, which cargo's resolve of the whole workspace clones
//! as well: roapi's optional `connectorx`) and per downloading crate the build reaches, naming
//! the crates, the URL and what to do. It reads `Cargo.lock`
//! only; it never changes a Dockerfile. The workspace's own build scripts that download are
//! `downloads`' (found in their sources).

use std::collections::BTreeMap;

use super::lock_walk::{entries, gated_off, name, reachable, Build};
use crate::workspace::Workspace;

/// Registry crates whose build script downloads (by default), what it fetches, and how to
/// build without it.
const DOWNLOADERS: &[(&str, &str, &str)] = &[
    (
        "v8",
        "a prebuilt V8 library from GitHub releases",
        "set RUSTY_V8_ARCHIVE to a copy of that archive the builder can read",
    ),
    (
        "ort-sys",
        "ONNX Runtime binaries (its default `download-binaries` feature)",
        "point ORT_LIB_LOCATION at a copy, or build without `download-binaries`",
    ),
    (
        "onnxruntime-sys",
        "ONNX Runtime binaries",
        "set ORT_STRATEGY=system with ORT_LIB_LOCATION at a copy",
    ),
    (
        "skia-bindings",
        "prebuilt Skia binaries from GitHub releases",
        "set SKIA_BINARIES_URL to a file:// copy in the build context",
    ),
    (
        "protoc-prebuilt",
        "a protoc release from GitHub",
        "install protobuf-compiler (builder_packages) and use prost-build's PROTOC instead",
    ),
    (
        "tensorflow-sys",
        "a prebuilt TensorFlow library",
        "install TensorFlow in the build image and point the crate at it",
    ),
    (
        "lindera-ipadic",
        "its dictionary (mecab-ipadic)",
        "build without the feature that embeds the dictionary",
    ),
    (
        "lindera-unidic",
        "its dictionary (UniDic)",
        "build without the feature that embeds the dictionary",
    ),
    (
        "lindera-ko-dic",
        "its dictionary (ko-dic)",
        "build without the feature that embeds the dictionary",
    ),
    (
        "lindera-cc-cedict",
        "its dictionary (CC-CEDICT)",
        "build without the feature that embeds the dictionary",
    ),
];

/// One warning per git repository of `Cargo.lock` (whether the build of `build.package`
/// reaches it or not) and per downloading registry crate that build reaches.
pub(super) fn warnings(
    ws: &Workspace,
    lockfile: Option<&str>,
    build: &Build<'_>,
    service: &str,
) -> Vec<String> {
    let entries = entries(&ws.root, lockfile);
    let reached = reachable(ws, &entries, build.package, &gated_off(ws, build));
    let source = |e: &toml::Table| {
        e.get("source")
            .and_then(toml::Value::as_str)
            .map(str::to_string)
    };
    // `git+https://host/repo?rev=abc#<commit>`: the repository (with its branch, tag or rev,
    // as Cargo.toml asked) and the crates the lockfile takes from it.
    // Every git repository of Cargo.lock, not only those the build reaches: cargo resolves
    // the whole workspace (every member, optional and dev-dependencies, other targets' ones),
    // so `cargo build -p <service>` clones roapi's `connectorx`, an optional dependency of a
    // library behind a feature the server leaves off, all the same.
    let mut repos: BTreeMap<String, (Vec<&str>, bool)> = BTreeMap::new();
    for e in &entries {
        let Some(url) = source(e).and_then(|s| s.strip_prefix("git+").map(str::to_string)) else {
            continue;
        };
        let url = url.split('#').next().unwrap_or(&url).to_string();
        let (crates, built) = repos.entry(url).or_default();
        if !crates.contains(&name(e)) {
            crates.push(name(e));
        }
        *built |= reached.iter().any(|r| std::ptr::eq(*r, e));
    }
    let mut out = Vec::new();
    for (url, (mut crates, built)) in repos {
        crates.sort_unstable();
        let named: Vec<String> = crates.iter().map(|c| format!("`{c}`")).collect();
        let (what, them) = match crates.len() {
            1 => ("a crate", "it"),
            _ => ("crates", "them"),
        };
        let head = if built {
            format!("service `{service}` builds {what} from git")
        } else {
            format!(
                "service `{service}` does not build {them}, but Cargo.lock takes {what} from git"
            )
        };
        let why = if built {
            String::new()
        } else {
            " (cargo resolves the whole workspace, with every optional and dev-dependency, \
             before it builds one package, so a crate the service never compiles is cloned all \
             the same)"
                .to_string()
        };
        out.push(format!(
            "{head} ({}, `source = \"git+{url}\"` in Cargo.lock): the image build's `cargo \
             build` clones {url}{why} and stops there on a builder that reaches crates.io but \
             not that host (an offline CI runner, a sandbox). Depend on a crates.io release, or \
             keep a copy in the repository as a path crate (`[patch]` with `path = ...`: isogen \
             copies it into the deps stage)",
            named.join(", ")
        ));
    }
    let mut downloaders: Vec<&(&str, &str, &str)> = (DOWNLOADERS.iter())
        .filter(|(c, _, _)| reached.iter().any(|e| name(e) == *c && source(e).is_some()))
        .collect();
    downloaders.dedup();
    for (c, what, fix) in downloaders {
        out.push(format!(
            "service `{service}` builds crate `{c}` (in Cargo.lock), whose build script \
             downloads {what} while the image builds: a builder without network access to it \
             (an offline CI runner, a sandbox) stops there. To build offline, {fix}"
        ));
    }
    out
}
