//! The Cargo workspaces under `tests/fixtures/cargo-*`, each with a real `Cargo.lock`, read the
//! way a user meets them: which services `isogen generate` finds and what it writes (snapshot
//! of its output on a fresh copy), that the committed Dockerfiles are what it renders today,
//! and the exit code and message when one manifest is broken.
//!
//! | fixture | shapes |
//! | --- | --- |
//! | cargo-platform | virtual manifest, `crates/*` + `services/*/*` globs, `exclude` (one excluded crate's manifest does not even parse), `default-members`, `[workspace.package]`/`[workspace.dependencies]` inheritance, a renamed path dependency, three binaries in one member (`src/main.rs`, `src/bin/x.rs`, `src/bin/y/main.rs`), a `[[bin]]` named unlike its package at a custom path, a dev-dependency on a member, `tests/` |
//! | cargo-edge | a root package that is a member beside `crates/*`, `autobins = false` with two `[[bin]]`s, `build.rs` in the service and in a shared crate, a build-dependency on a member, optional dependencies behind features, target-specific dependencies, `[patch.crates-io]` pointing at a member, `.cargo/config.toml`, `rust-toolchain.toml`, `include_str!` of root files, assets |
//! | cargo-engine | edition 2024 and resolver 3, a proc-macro crate, a member with a library and a binary, declared `[[bench]]`/`[[example]]`/`[[test]]` plus inferred examples and tests, a dev-dependency cycle through a member, a dashed package with an underscored binary |
//! | cargo-mixed | a pnpm workspace and a Cargo workspace in one repository (`apps/web` is Node, `apps/api` is Rust), crates vendored with `cargo vendor` and `[source]` in `.cargo/config.toml`, a feature enabled on a path dependency |
//! | cargo-nested | deep member globs, a nested workspace excluded, an excluded path dependency (`third_party`), edition 2015 (declared bins turn inference off), `[lib]` with a custom name and path, `package.build` at a custom path, a renamed registry dependency, an optional member dependency, an `xtask`, `build.target-dir` in `.cargo/config.toml` |
//! | cargo-directory | a server with its CLI tools beside it (lldap's shape): only the package that depends on a server framework (tiny_http) is a service, `set-password` and `migration-tool` are tools; the server needs a subcommand (`args = ["run"]`), writes to a `writable` folder that is a `VOLUME`, includes a root `version.json` with `include_str!` (a build input found by discovery), `builder_packages`, `runtime_packages`, `expose`, `env` |
//! | cargo-kv | one package with two server binaries and a client (mini-redis's and sshx's shape): the servers are services, `kv-cli` is a tool by its name; a crate's `build.rs` reads `proto/kv.proto` at the workspace root (a build input found in the build script) |
//! | cargo-native | a build script that runs `pkg-config` for the system SQLite and a binary linking `libsqlite3.so.0`: `builder_packages` and `runtime_packages` |
//! | cargo-frontend | a server that serves `dist/` from its working directory, written by the root package.json's `vite build` (rustpad's shape): an asset `{ from_root = "dist" }`, and the warning that isogen does not build it |
//! | cargo-thin | a thin binary over a server library (kanidm's `kanidmd`, garage): `daemon` depends on no framework itself but on `idm-core`, which starts a tiny_http server, so `idmd` is a service; a tool over a library that only uses the framework's types (`idm-types`) stays a tool; a server package's second binary whose sources name no server crate (qdrant's `wal_inspector`) is a tool; the hand-written `server/Dockerfile` above the daemon's folder runs `idmd server` |
//! | cargo-relay | a server package at the root with a second server binary and a `-utils` tool (rustdesk-server's shape); a gRPC framework that is a workspace member, depended on by path (tonic's own repository): `interop`'s `server` builds a server and is a service, its `client` and the client-only `probe` are tools, though the framework crate's own sources hold server code |
//! | cargo-store | a thin root binary over a server library that declares the command line, whose subcommand is required (surrealdb's `surreal`: `args = ["start"]`, refused without); a member with only a `[[test]]` (typst's `tests`); an `include_bytes!` of an absolute path in a `/* */` comment (stalwart); a load tester that starts a server of its own (firezone's `firezone-loadtest`: a tool); a site builder whose `serve` previews with live reload (zola's shape: a tool) |
//! | cargo-cluster | a server with the command-line tools restate ships beside it, each depending on a server framework: `cluster` of package `cluster-cli` (none of its subcommands, `dev` and `services`, serves), `clusterctl` (`ctl` glued to the name), `cluster-doctor` (a required subcommand none of whose choices serves: `log-server` inspects one); shadowsocks-rust's shape: `proxy-server` serves through its package's library, `proxy-url` names only the server crate's config types (a tool); a hand-written root `Dockerfile` with one target per image, the server run through an entrypoint script with arguments |
//! | cargo-sockets | a server on plain sockets beside its client in one root package (mini-redis's shape: `[[bin]]`s at `src/bin/server.rs` and `src/bin/cli.rs`, no server framework): `cache-server` is a service by its name and its `TcpListener::bind`, `cache-cli` (a required subcommand) is a tool; a member `tunnel` that listens only under its `server` subcommand (bore's shape) stays a tool |
//! | cargo-p2p | a daemon on a server framework beside a download client in one package (dragonfly's `dfdaemon` and `dfget <URL>`): `p2pget`, whose clap command line requires a positional argument, is a tool; `p2pd` is the service |
//! | cargo-loopback | servers that listen on the loopback address only, unreachable from outside their container: `pubsub-server` binds `format!("127.0.0.1:{port}")` (mini-redis's server), `relay` takes `--listen` (`RELAY_LISTEN`) with the default `127.0.0.1:8080`; generate warns with file and line and the fix (a code change; the `env` or `args` line); `pubsub-cli`'s `--host 127.0.0.1` (a client's) and the test module's bind are not named (`tests/it/loopback.rs`) |
//! | cargo-ntp | a time daemon on plain sockets with its control tool and its Prometheus exporter in one package (ntpd-rs's `ntp-daemon`, `ntp-ctl`, `ntp-metrics-exporter`): the daemon and the exporter are services by their names, the `-ctl` is a tool; `[workspace.lints.rust] missing_docs = "deny"` applies to every target, the stubs of the dependency-only build too |
//! | cargo-burrow | a reverse tunnel whose one binary serves or connects as its config file says (rathole's `rathole <CONFIG>`): a tool by default; listed in `services` with `args` naming the config file it ships as an asset, refused without `args` |
//! | cargo-cli-args | command lines that need more than the binary's name: a proxy on plain sockets whose `start` needs `-c <config>`, an `Option` that clap lets it leave out but its code turns into an error (sozu's `get_config_file_path`: `None => ... .ok_or(..)`), so the `args` isogen proposes carry it and `args` without it are warned about; a CLI whose clap struct lives in its package's library (`use evaluations::Args`, tensorzero's `evaluations`) with a required option (`--variant-name`): a tool, refused without `args` when listed; the gateway that serves with the workspace's tiny_http crate |
//! | cargo-resolver | a DNS server whose only server framework is an optional dependency behind a feature the defaults leave off (hickory-dns's hyper, behind `prometheus-metrics`): a tool that says so, with its listener in a workspace library; a gateway on plain sockets whose serving subcommand requires its config file (`Start { config: PathBuf }`: `args = ["start", "<config>"]`); a thin binary over a tiny_http library that binds `127.0.0.1` (warned, at the library's line) |
//! | cargo-search | a search server beside its offline maintenance tool (meilisearch's shape): `search`'s build script downloads its dashboard with an HTTP client crate (`minreq`; meilisearch's `reqwest`) behind the default feature `dashboard` (a warning with the file, line and feature, and `no_default_features = true` with the other default features, `index/all-languages`); its clap option's variable and loopback default are constants, the default given through a function (meilisearch's `MEILI_HTTP_ADDR`, `localhost:7700`: warned, with the variable); `searchtool` is a tool |
//! | cargo-idm | an identity server over its core library beside a CLI (kanidm's shape): `.cargo/config.toml` links with `clang` and `-fuse-ld=lld` on Linux (a warning naming the lines and `builder_packages = ["clang", "lld"]`); the core puts a constant of the proto crate, `127.0.0.1:8443`, in place of an unset `bindaddress` whose variable the proto crate's clap struct declares (warned, with `IDM_BINDADDRESS`); the daemon needs `args = ["server"]` |
//! | cargo-gossip | a gossip database's agent and its client in one binary (corrosion's `corrosion agent`): `args = ["agent"]`; its QUIC transport `[patch]`ed to a fork on GitHub, so Cargo.lock takes `quicwire` and `quicwire-proto` from git: a warning naming the repository and the crates before the build, which clones it |
//! | cargo-registry | a crate registry server whose command line lives in its settings crate behind a wrapper (kellnr's `kellnr_settings::parse_cli()`, imported with `use`): an optional subcommand whose absence the code answers with the help (run bare it exits 0 having served nothing), refused without `args` at the settings crate's line, with `args = ["start", "--data-dir", "<data-dir>"]` from the `start` variant's flattened `ServerArgs` in another file; a mirror whose settings come through `Loader::default().load()`, a call isogen cannot follow: a warning that it cannot tell |
//! | cargo-sso | a sign-on server whose handlers crate embeds the front end's build output with rust-embed from the workspace root (rauthy's `#[folder = "../../static/v1/"]`), not committed: a build input of the service (the sources stage copies `static/v1`) and a warning to build it first; `args = ["serve"]` |
//! | cargo-pooler | a Postgres pooler (pgdog's shape): `pooler` runs bare, its clap subcommand an `Option`; its admin console's `enum ParseResult`, documented `/// Parser result.`, is no command line; `.cargo/config.toml` links with clang and, through `--ld-path=/usr/bin/mold`, with mold (a warning naming both lines); a JSON-schema generator under `scripts/*` is a tool |
//! | cargo-graphdb | a graph database server (atomic-server's shape): `graph-server` runs bare, its optional subcommand an enum that derives `Parser`; its build script runs `pnpm` (named in a variable) to build the front end in `browser/` unless `server/assets_tmp` holds it (a warning: no Debian package installs pnpm); `graph-cli` is a tool |
//! | cargo-wiki | a knowledge server keeping its search index under $HOME through `directories` (atomic-server's shape): a warning naming the crate, with `writable` and `env` HOME, silenced by `HOME` in `env`; its `serve` subcommand's `--config` lives in the struct its `Serve(ServeArgs)` variant holds (`args = ["serve", "--config", "<config>"]`, `export`'s `--out` not asked for); `build_inputs = ["schema", "schema/vendor"]` and `include_str!`s of files in them, copied once; `wiki-sync` reads `--config` through a flattened struct (`cli.server.config`) |
//! | cargo-deployer | a deployment platform's CLI (shuttle's shape), not generated (nothing serves): `cargo-deployer` (binaries `cargo-deployer` and `deployer`) depends on a server framework for the local server its `run` starts, but a `cargo-<name>` binary is a cargo subcommand, a developer's tool; `generate` exits 2 naming each binary |
//! | cargo-gateway | an access gateway (warpgate's shape): `gateway` depends on no server framework, only on `gateway-http`, whose library starts the tiny_http server (`use tiny_http::{Response, Server};` then `Server::http`, the framework's `Server` imported in a group); the libraries `gateway-http`, `gateway-admin` and `gateway-common` each carry a binary that prints an OpenAPI document or a JSON schema and exits (warpgate's `warpgate-admin`, `config-schema`): tools, and `gateway-http` is still the server library `gateway` runs |
//! | cargo-index | a package index's backend in one root package beside `crates/*` (crates.io's shape): one binary `index-app` whose clap command line is an enum deriving `Parser` (`Server`, `BackgroundWorker`, `Monitor`, the admin commands `#[command(flatten)]`ed in), so `args = ["server"]` (refused without, choosing among `server, background-worker, monitor`), though an admin subcommand's variant `EnqueueJob(enqueue_job::Command)` names another module's `Command`; a `Procfile` runs `server` and `background-worker`; the root `migrations/` folder read with `include_str!`; a test-database crate with a setup binary (a tool) |
//! | cargo-perf | a benchmark results site beside its collector tool and a shared database crate (rustc-perf's shape): `site` (tiny_http) is the service; `collector` and `database`'s `postgres-to-sqlite` are tools, and the crates kept as benchmark input under `collector/compile-benchmarks/*` (not members: each its own `[workspace]`; one binds a socket, as cargo's own sources there do) are not the collector's sources; `site` embeds `frontend/dist` with rust-embed, which git keeps with only a `.gitkeep` and npm builds (a warning); the front end's `node_modules` inside the crate stays out of the build context |
//! | cargo-columns | a columnar query server beside its CLI on one library (roapi's shape): the server's `ui` module, compiled only with its non-default `ui` feature (`#[cfg(feature = "ui")] mod ui;`), embeds the front end's uncommitted `../columns-ui/dist` with rust-embed (no build input and no warning in a default build; both with `features = ["ui"]`); the library's optional dependency behind `database` comes from a fork on GitHub, which no service builds but cargo's workspace resolve clones (a warning saying so) |
//! | cargo-tunnel | one binary run as several services (bore's `bore server`; crates.io's `server` and `background-worker` of one binary): a root package on plain sockets whose `tunnel` is a tool by default, with a hand-written root `Dockerfile` that runs it bare; isogen.toml makes `tunnel-server` and `tunnel-relay` of it (`bin = "tunnel"` and their `args`), each in its own `<service>.Dockerfile` beside the hand-written one; the `Procfile` runs the same two processes (one left out of isogen.toml is named by a warning with the section to add) |
//! | cargo-sheets | a spreadsheet's servers beside its npm-workspace front end (quadratic's shape): the core crate, behind its `js` feature that the multiplayer server enables, imports the client's worker callbacks with `#[wasm_bindgen(module = "/../sheets-client/src/worker/callbacks.ts")]` over two lines, a file the macro reads on every target (a build input the sources stage copies); the shared crate's SSH tunnel binds `SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)`, a random local port, not the listener (no loopback warning); the root package.json's npm `workspaces` (no pnpm-workspace.yaml, no lockfile) named by a warning as unread (`tests/it/cargo_build_needs.rs`); `sheets-core`'s `export_types` is a tool; `sheets-worker` (no server framework, a tool by default) is built by its hand-written `Dockerfile.worker` and run through `ENTRYPOINT ["./entrypoint.sh"]`, a copied script that ends in `exec ./sheets-worker` (quadratic's cloud worker): named by a warning |
//!
//! Building and running their images with buildah is `tests/it/buildah/cargo.rs` and, for the
//! servers of cargo-directory and cargo-kv, `tests/it/buildah/cargo_servers.rs` (ignored by
//! default: slow).

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Every Cargo fixture, with the services isogen must find in it.
const FIXTURES: &[(&str, &[&str])] = &[
    (
        "cargo-platform",
        &[
            "billing-api",
            "billing-export",
            "billing-reconcile",
            "indexer",
        ],
    ),
    ("cargo-edge", &["edge", "edge-admin"]),
    (
        "cargo-engine",
        &["engine", "scheduler", "scheduler-gc", "worker_pool"],
    ),
    ("cargo-mixed", &["api", "web"]),
    ("cargo-nested", &["gateway", "notifier"]),
    ("cargo-directory", &["dirsrv"]),
    ("cargo-kv", &["kv-replica", "kv-server"]),
    ("cargo-native", &["notes-server"]),
    ("cargo-frontend", &["pad-server"]),
    ("cargo-relay", &["relay", "relay-hub", "server"]),
    ("cargo-thin", &["engine", "idmd"]),
    ("cargo-store", &["store"]),
    ("cargo-cluster", &["cluster-server", "proxy-server"]),
    ("cargo-sockets", &["cache-server"]),
    ("cargo-p2p", &["p2pd"]),
    ("cargo-loopback", &["pubsub-server", "relay"]),
    ("cargo-ntp", &["time-daemon", "time-metrics-exporter"]),
    ("cargo-burrow", &["burrow"]),
    ("cargo-resolver", &["zone-api"]),
    ("cargo-cli-args", &["gateway"]),
    ("cargo-search", &["search"]),
    ("cargo-idm", &["idmd"]),
    ("cargo-gossip", &["gossip"]),
    ("cargo-sso", &["sso"]),
    ("cargo-registry", &["registry", "registry-mirror"]),
    ("cargo-pooler", &["pooler"]),
    ("cargo-graphdb", &["graph-server"]),
    ("cargo-wiki", &["wiki", "wiki-sync"]),
    ("cargo-gateway", &["gateway"]),
    ("cargo-index", &["index-app"]),
    ("cargo-perf", &["site"]),
    ("cargo-columns", &["columns-api"]),
    ("cargo-tunnel", &["tunnel-relay", "tunnel-server"]),
    ("cargo-sheets", &["sheets-multiplayer"]),
];

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn isogen() -> Command {
    Command::cargo_bin("isogen").unwrap()
}

/// Whether `name` is a file `isogen generate` writes.
fn generated(name: &str) -> bool {
    name == "Dockerfile" || name.ends_with(".Dockerfile") || name.ends_with(".dockerignore")
}

/// A copy of the fixture without what `isogen generate` wrote (and without build output).
fn fresh_copy(name: &str) -> tempfile::TempDir {
    let src = fixture_dir(name);
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(&src)
        .into_iter()
        .filter_entry(|e| !matches!(e.file_name().to_str(), Some("target" | "node_modules")))
    {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&src).unwrap();
        let to = dir.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else if !generated(entry.file_name().to_str().unwrap()) {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}

/// stdout and stderr of a command, the temporary folder's path replaced by `<ws>`.
/// `isogen list` of the workspace in `dir`, as [`shown`].
fn list_of(dir: &tempfile::TempDir) -> String {
    let out = isogen().arg("list").arg(dir.path()).output().unwrap();
    shown(&out, dir.path())
}

/// The row of package `name` in `list`'s output.
fn row_of(list: &str, name: &str) -> String {
    list.lines()
        .find(|l| l.contains(&format!("  {name}  ")))
        .unwrap_or_else(|| panic!("{name} in {list}"))
        .to_string()
}

fn shown(out: &std::process::Output, dir: &Path) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.replace(&dir.display().to_string(), "<ws>")
}

#[test]
fn every_fixture_has_a_lockfile_and_no_build_output() {
    for (name, _) in FIXTURES {
        let dir = fixture_dir(name);
        assert!(dir.join("Cargo.lock").is_file(), "{name}: Cargo.lock");
        let lock = std::fs::read_to_string(dir.join("Cargo.lock")).unwrap();
        assert!(
            lock.contains("source = \"registry+https://github.com/rust-lang/crates.io-index\""),
            "{name}: a real registry dependency"
        );
        for e in walkdir::WalkDir::new(&dir) {
            let e = e.unwrap();
            let n = e.file_name().to_str().unwrap();
            assert!(
                !(e.file_type().is_dir() && matches!(n, "target" | "build-out")),
                "{name}: build output committed at {}",
                e.path().display()
            );
        }
    }
}

/// What a user sees running `isogen generate` on each workspace for the first time: one
/// Dockerfile and ignore file per service, nothing else.
#[test]
fn generate_finds_every_service_of_every_fixture() {
    for (name, services) in FIXTURES {
        let dir = fresh_copy(name);
        let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            shown(&out, dir.path())
        );
        insta::assert_snapshot!(format!("generate-{name}"), shown(&out, dir.path()));
        let config = isogen::config::Config::load_from_root(dir.path()).unwrap();
        let ws = isogen::workspace::Workspace::discover(dir.path(), &config.workspace).unwrap();
        let mut found: Vec<&str> = ws.services.iter().map(|s| s.name.as_str()).collect();
        found.sort();
        assert_eq!(found, *services, "{name}");
    }
}

/// The committed Dockerfiles are what isogen renders today (they are what
/// tests/it/buildah/cargo.rs builds).
#[test]
fn committed_dockerfiles_are_current() {
    for (name, _) in FIXTURES {
        let dir = fixture_dir(name);
        let out = isogen()
            .args(["generate", "--check"])
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: run `isogen generate tests/fixtures/{name}`:\n{}",
            shown(&out, &dir)
        );
    }
}

/// Per service: the cargo command, the crates whose real sources enter the build (never a
/// dev-dependency, never an unrelated member), and the binary's place in the image.
#[test]
fn build_plans_of_every_service() {
    for (name, _) in FIXTURES {
        let dir = fixture_dir(name);
        let config = isogen::config::Config::load_from_root(&dir).unwrap();
        let ws = isogen::workspace::Workspace::discover(&dir, &config.workspace).unwrap();
        let mut lines = Vec::new();
        for service in &ws.services {
            if ws.service_package(service).ecosystem != isogen::workspace::Ecosystem::Cargo {
                continue;
            }
            let c = isogen::generate::cargo::template_context(
                &ws,
                service,
                &config.generate,
                Path::new("isogen.toml"),
            )
            .unwrap();
            lines.push(format!(
                "{} ({})\n  dockerfile: {}\n  build: {}\n  sources: {}\n  stubs: {}\n  binary: {} <- {}\n",
                service.name,
                c.cargo.package,
                c.common.service.dockerfile,
                c.cargo.build_command,
                c.cargo.sources.join(" "),
                c.cargo.stubs.len(),
                c.cargo.binary,
                c.cargo.artifact,
            ));
        }
        insta::assert_snapshot!(format!("plans-{name}"), lines.join("\n"));
    }
}

// ---------------------------------------------------------------------------------------------
// Broken manifests: exit 2, the file named (with line and column for TOML), nothing written.

fn fails(dir: &tempfile::TempDir, needles: &[&str]) -> String {
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {text}");
    for n in needles {
        assert!(text.contains(n), "{n:?} in {text}");
    }
    for e in walkdir::WalkDir::new(dir.path()) {
        let e = e.unwrap();
        assert!(
            !generated(e.file_name().to_str().unwrap()),
            "nothing written: {}",
            e.path().display()
        );
    }
    text
}

fn edit(dir: &tempfile::TempDir, rel: &str, from: &str, to: &str) {
    crate::fixture_copy::edit(dir.path(), rel, from, to);
}

#[test]
fn broken_member_toml_names_file_line_and_column() {
    let dir = fresh_copy("cargo-platform");
    edit(
        &dir,
        "services/search/indexer/Cargo.toml",
        "name = \"indexer\"",
        "name = \"indexer",
    );
    let text = fails(
        &dir,
        &["<ws>/services/search/indexer/Cargo.toml:8:16: invalid basic string"],
    );
    insta::assert_snapshot!("broken-member-toml", text);
}

#[test]
fn broken_root_toml_names_file_line_and_column() {
    let dir = fresh_copy("cargo-edge");
    edit(&dir, "Cargo.toml", "[features]", "[features");
    let text = fails(&dir, &["<ws>/Cargo.toml:22:10: unclosed table"]);
    insta::assert_snapshot!("broken-root-toml", text);
}

#[test]
fn member_glob_matching_nothing_is_named() {
    let dir = fresh_copy("cargo-nested");
    edit(
        &dir,
        "Cargo.toml",
        "\"tools/xtask\"]",
        "\"tools/xtask\", \"plugins/*\"]",
    );
    let text = fails(&dir, &["<ws>/Cargo.toml", "`plugins/*` matches no folder"]);
    insta::assert_snapshot!("member-glob-matches-nothing", text);
}

#[test]
fn missing_lockfile_says_how_to_make_one() {
    let dir = fresh_copy("cargo-engine");
    std::fs::remove_file(dir.path().join("Cargo.lock")).unwrap();
    fails(
        &dir,
        &[
            "<ws>/Cargo.toml",
            "no Cargo.lock",
            "cargo generate-lockfile",
        ],
    );
}

#[test]
fn path_dependency_outside_the_workspace_is_named() {
    let dir = fresh_copy("cargo-mixed");
    edit(
        &dir,
        "crates/domain/Cargo.toml",
        "[dependencies]\n",
        "[dependencies]\nshared-models = { path = \"../../../models\" }\n",
    );
    let text = fails(
        &dir,
        &[
            "<ws>/crates/domain/Cargo.toml:10:17: path dependency",
            "outside the workspace root",
        ],
    );
    insta::assert_snapshot!("path-dependency-outside", text);
}

#[test]
fn excluded_crates_are_never_read() {
    // crates/experimental's manifest does not parse: cargo never reads an excluded folder, nor
    // does isogen. Taking it out of `exclude` makes it a member, and the error appears.
    let dir = fresh_copy("cargo-platform");
    isogen()
        .args(["generate", "--dry-run"])
        .arg(dir.path())
        .assert()
        .code(0);
    edit(
        &dir,
        "Cargo.toml",
        "exclude = [\"crates/experimental\", ",
        "exclude = [",
    );
    fails(&dir, &["<ws>/crates/experimental/Cargo.toml:4:"]);
}

/// shadowsocks' and restate's shape (tests/fixtures/cargo-cluster/Dockerfile): a root
/// Dockerfile with one target per image. The server's stage runs it through an entrypoint
/// script with arguments, which the generated image (which runs it bare) would lack: the first
/// run names them, read from the server's own stage, not from the final one. The final stage
/// ships `clusterctl` in a tools image that runs a shell: no warning that a tool is deployed.
#[test]
fn a_server_stage_of_a_multi_target_dockerfile_gives_its_arguments_in_the_first_run() {
    let dir = fresh_copy("cargo-cluster");
    // fresh_copy leaves out every `Dockerfile`, the hand-written one too.
    std::fs::copy(
        fixture_dir("cargo-cluster").join("Dockerfile"),
        dir.path().join("Dockerfile"),
    )
    .unwrap();
    let out = isogen()
        .args(["generate", "--check"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = shown(&out, dir.path());
    assert!(
        text.contains(
            "warning: Dockerfile is a hand-written Dockerfile that builds service `cluster-server` (line 10)"
        ),
        "{text}"
    );
    assert!(
        text.contains("-> args = [\"--bind\", \"0.0.0.0:18450\"] (its entrypoint script `docker-entrypoint.sh` is dropped"),
        "{text}"
    );
    assert!(!text.contains("/bin/bash"), "{text}");
    assert!(!text.contains("binary `clusterctl`"), "{text}");
}

/// kanidm's shape: the daemon needs a subcommand (refused until `args` is set) and its
/// hand-written `server/Dockerfile`, above the package folder, runs `idmd server` and exposes a
/// port. The first run says both: the refusal, and the settings of that Dockerfile (`args =
/// ["server"]` among them), not the settings only once the refusal is answered; nothing is
/// written.
#[test]
fn a_refused_service_still_gets_the_hints_of_its_hand_written_dockerfile_in_the_first_run() {
    let dir = fresh_copy("cargo-thin");
    edit(
        &dir,
        "isogen.toml",
        "args = [\"server\"]\nexpose = [18443]\n",
        "",
    );
    // fresh_copy leaves out every `Dockerfile`, the hand-written one too.
    std::fs::copy(
        fixture_dir("cargo-thin").join("server/Dockerfile"),
        dir.path().join("server/Dockerfile"),
    )
    .unwrap();
    // kanidmd's command line: clap, in a file pasted in with `include!`.
    edit(
        &dir,
        "server/daemon/src/main.rs",
        "fn main",
        "include!(\"./opt.rs\");\nfn main",
    );
    std::fs::write(
        dir.path().join("server/daemon/src/opt.rs"),
        "#[derive(Debug, Parser)]\nstruct Opt {\n    #[command(subcommand)]\n    commands: IdmdOpt,\n}\n",
    )
    .unwrap();
    let out = isogen()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("binary `idmd` (service `idmd`) needs a subcommand"),
        "{err}"
    );
    assert!(
        err.contains("server/Dockerfile is a hand-written Dockerfile that builds service `idmd`"),
        "{err}"
    );
    assert!(
        err.contains("CMD [\"/sbin/idmd\", \"server\"] -> args = [\"server\"]"),
        "{err}"
    );
    assert!(err.contains("EXPOSE 18443 -> expose = [18443]"), "{err}");
    assert!(!dir.path().join("server/daemon/Dockerfile").exists());
    assert!(!dir.path().join("engine/Dockerfile").exists());
    // With --keep-going the other service is written, and the hints come all the same.
    let out = isogen()
        .args(["generate", "--keep-going"])
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("CMD [\"/sbin/idmd\", \"server\"] -> args = [\"server\"]"),
        "{err}"
    );
    assert!(dir.path().join("engine/Dockerfile").exists());
    assert!(!dir.path().join("server/daemon/Dockerfile").exists());
}

/// oxigraph's shape: the hand-written Dockerfile sits where isogen writes the refused
/// service's (`cli/Dockerfile`), its `ENTRYPOINT` + `CMD ["serve", ...]` giving the subcommand
/// the binary needs. The first run names what `--force` would keep from it (nothing
/// written); `--force` reads it for the refused service too, so the run passes, isogen.toml
/// gets the arguments and the generated Dockerfile runs them.
#[test]
fn force_takes_a_refused_services_arguments_from_the_hand_written_dockerfile_at_its_path() {
    let dir = fresh_copy("cargo-registry");
    std::fs::remove_file(dir.path().join("isogen.toml")).unwrap();
    std::fs::write(
        dir.path().join("registry/Dockerfile"),
        "FROM rust:1.80 AS builder\nWORKDIR /src\nCOPY . .\nRUN cargo build --release -p registry\n\n\
         FROM debian:bookworm-slim\nCOPY --from=builder /src/target/release/registry /usr/local/bin/registry\n\
         VOLUME /data\nEXPOSE 8000\nENTRYPOINT [\"/usr/local/bin/registry\"]\n\
         CMD [\"start\", \"--data-dir\", \"/data\"]\n",
    )
    .unwrap();
    let kept = "CMD [\"start\", \"--data-dir\", \"/data\"] -> args = [\"start\", \"--data-dir\", \"/data\"]";
    let hand_written = std::fs::read_to_string(dir.path().join("registry/Dockerfile")).unwrap();
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(2), "{text}");
    for needle in [
        "binary `registry` (service `registry`) needs a subcommand",
        kept,
        "`isogen generate --force` adds the kept settings",
    ] {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
    // Nothing written: no isogen.toml, the hand-written file as it was, no other Dockerfile.
    assert!(!dir.path().join("isogen.toml").exists(), "{text}");
    assert!(!dir.path().join("mirror/Dockerfile").exists(), "{text}");
    let after = std::fs::read_to_string(dir.path().join("registry/Dockerfile")).unwrap();
    assert_eq!(after, hand_written);
    let out = isogen()
        .args(["generate", "--force"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(kept), "{text}");
    let toml = std::fs::read_to_string(dir.path().join("isogen.toml")).unwrap();
    assert!(
        toml.contains("args = [\"start\", \"--data-dir\", \"/data\"]"),
        "{toml}"
    );
    let dockerfile = std::fs::read_to_string(dir.path().join("registry/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("CMD [\"/app/registry\", \"start\", \"--data-dir\", \"/data\"]"),
        "{dockerfile}"
    );
}

/// surrealdb's shape: the binary's `main` only calls the server library, which declares the
/// command line; without `args`, the service is refused at the library's line, in the first
/// run, and the other members (a tests-only one, a commented-out include of an absolute path,
/// a load tester with a server of its own) neither fail the run nor become services.
#[test]
fn a_thin_binary_whose_library_requires_a_subcommand_is_refused_until_args_are_set() {
    let dir = fresh_copy("cargo-store");
    std::fs::remove_file(dir.path().join("isogen.toml")).unwrap();
    let text = fails(
        &dir,
        &[
            "server/src/cli.rs:8: binary `store` (service `store`) needs a subcommand",
            "args = [\"<subcommand>\", ...] (the one that serves: one of start, version; by its name, args = [\"start\"])",
        ],
    );
    assert!(!text.contains("store-loadtest"), "{text}");
    let list = list_of(&dir);
    let role = |name: &str| row_of(&list, name);
    assert!(role("store").starts_with("refused"), "{list}");
    assert!(role("store-tests").starts_with("not a service"), "{list}");
    assert!(role("store-loadtest").starts_with("tool"), "{list}");
    assert!(
        role("store-site").starts_with("tool") && role("store-site").contains("live-reload"),
        "{list}"
    );
}

/// crates.io's shape: the one binary's command line is `#[derive(clap::Parser)] enum Command`,
/// a required subcommand, and its flattened admin commands hold `#[clap(subcommand)]
/// EnqueueJob(enqueue_job::Command)`. isogen took that tuple variant's type for the enum's own
/// name and wrote `CMD ["/app/crates-io"]`, which prints the usage and exits 2. Without `args`
/// the service is refused at the enum's line, the flattened `Admin` variant not offered.
#[test]
fn a_parser_enum_beside_another_modules_command_enum_is_refused_until_args_are_set() {
    let dir = fresh_copy("cargo-index");
    std::fs::remove_file(dir.path().join("isogen.toml")).unwrap();
    let text = fails(
        &dir,
        &[
            "<ws>/src/bin/index-app/main.rs:10: binary `index-app` (service `index-app`) needs a subcommand",
            "(the one that serves: one of server, background-worker, monitor; by its name, args = [\"server\"])",
        ],
    );
    assert!(!text.contains("admin"), "{text}");
    let list = list_of(&dir);
    let role = |name: &str| row_of(&list, name);
    assert!(role("index_app").starts_with("refused"), "{list}");
    assert!(
        role("index_test_db").contains("`nextest_setup` is a tool"),
        "{list}"
    );
}

/// rustc-perf's shape: the collector's folder holds copies of real crates that it compiles as
/// benchmarks (cargo's own sources among them, whose `TcpListener::bind` `isogen list` gave as
/// the collector's); the site embeds `frontend/dist`, which holds only a `.gitkeep` until npm
/// builds it (the image build passed and the site served no scripts, with no word from
/// isogen); the front end's `node_modules` in the site's folder entered the build context.
#[test]
fn benchmark_crates_in_a_tools_folder_an_embedded_placeholder_and_node_modules() {
    let dir = fresh_copy("cargo-perf");
    let out = isogen().arg("list").arg(dir.path()).output().unwrap();
    let list = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(0), "{list}");
    assert!(!list.contains("TcpListener"), "{list}");
    assert!(
        list.contains("its binary `collector` is a tool: package `collector` depends on no server framework\n"),
        "{list}"
    );
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "site/src/resources.rs:10 embeds the folder site/frontend/dist at compile time, and it holds only hidden files"
        ),
        "{text}"
    );
    assert!(!text.contains("frontend/static"), "{text}");
    let ignore = std::fs::read_to_string(dir.path().join("site/Dockerfile.dockerignore")).unwrap();
    assert!(ignore.contains("\n!site\n"), "{ignore}");
    assert!(ignore.contains("\n**/node_modules\n"), "{ignore}");
    // Once npm has built it, nothing to say.
    std::fs::write(dir.path().join("site/frontend/dist/bundle.js"), "").unwrap();
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert!(!text.contains("embeds the folder"), "{text}");
}

/// rustdesk-server's `hbbs` checks its SQL with `sqlx::query!` at compile time, with
/// `DATABASE_URL` in the root `.env` and no offline query data: the image build (whose context
/// never holds `.env`) stopped at the macro. generate warns with the file and line of the call
/// and the `build_inputs` entry that fixes it; once the `.env` is a build input, or offline data
/// is committed, it says nothing, and the `.env` reaches the build.
#[test]
fn sqlx_query_macros_without_offline_data_name_the_env_the_build_needs() {
    let dir = fresh_copy("cargo-relay");
    let manifest = dir.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text.replace(
        "tiny_http = \"0.12\"\n",
        "tiny_http = \"0.12\"\nsqlx = { version = \"0.6\", features = [\"sqlite\", \"macros\"] }\n",
    );
    std::fs::write(&manifest, text).unwrap();
    std::fs::write(
        dir.path().join("src/database.rs"),
        "pub async fn count(db: &mut sqlx::SqliteConnection) {\n    // sqlx::query!(\"old\")\n    \
         let _ = sqlx::query!(\"select count(*) as n from peer\").fetch_one(db).await;\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "DATABASE_URL=sqlite://./db.sqlite3\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = isogen().args(args).arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", shown(&out, dir.path()));
        shown(&out, dir.path())
    };
    let text = run(&["generate"]);
    assert!(
        text.contains(
            "service `relay` builds crate `relay`, whose sqlx query macros (src/database.rs:3) \
             read DATABASE_URL at compile time from .env"
        ) && text.contains("Add build_inputs = [\".env\"] to [generate.services.relay]"),
        "{text}"
    );
    // `relay-hub` is a binary of the same crate: its build needs the `.env` too.
    assert!(
        text.contains("service `relay-hub` builds crate `relay`, whose sqlx query macros"),
        "{text}"
    );
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[generate.services.relay]\nbuild_inputs = [\".env\"]\n",
    )
    .unwrap();
    let text = run(&["generate", "--force"]);
    assert!(!text.contains("service `relay` builds crate"), "{text}");
    assert!(text.contains("service `relay-hub` builds crate"), "{text}");
    let dockerfile = std::fs::read_to_string(dir.path().join("relay.Dockerfile")).unwrap();
    assert!(dockerfile.contains("COPY .env /.env\n"), "{dockerfile}");
    std::fs::remove_file(dir.path().join("isogen.toml")).unwrap();
    std::fs::create_dir(dir.path().join(".sqlx")).unwrap();
    let text = run(&["generate", "--force"]);
    assert!(!text.contains("sqlx query macros"), "{text}");
}

/// rustdesk-server: while only `hbbs` served, its package's file was `Dockerfile`; once `hbbr`
/// is a service too, each gets `<bin>.Dockerfile` and the old `Dockerfile` is left. generate
/// says where the services went, not that the package is "no longer a service".
#[test]
fn a_dockerfile_left_when_a_second_binary_serves_names_the_files_that_replace_it() {
    let dir = fresh_copy("cargo-relay");
    std::fs::copy(
        fixture_dir("cargo-relay").join("relay.Dockerfile"),
        dir.path().join("Dockerfile"),
    )
    .unwrap();
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "Dockerfile was generated by isogen, but `relay`'s services are now written to \
             relay-hub.Dockerfile, relay.Dockerfile; delete it"
        ),
        "{text}"
    );
    assert!(!text.contains("is no longer a service"), "{text}");
    assert!(dir.path().join("Dockerfile").exists(), "never deleted");
}

/// rustdesk-server's hbbs writes its key and `db_v2.sqlite3` into its working folder, which is
/// the app root (root's, and `writable` may not hold the binary). `workdir` moves the working
/// folder out of the app root, where it may be writable itself; a relative, app-root or system
/// `workdir` is refused naming isogen.toml.
#[test]
fn a_server_that_writes_beside_itself_gets_a_writable_workdir() {
    let dir = fresh_copy("cargo-relay");
    let toml = dir.path().join("isogen.toml");
    std::fs::write(
        &toml,
        "[generate.services.relay]\nworkdir = \"/data\"\nwritable = [{ path = \"/data\", volume = true }]\n",
    )
    .unwrap();
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert!(out.status.success(), "{text}");
    let dockerfile = std::fs::read_to_string(dir.path().join("relay.Dockerfile")).unwrap();
    let runtime = &dockerfile[dockerfile.rfind("\nFROM ").unwrap()..];
    let chown = runtime
        .find("/tmp/empty/ /data/")
        .expect("/data created for the user");
    let workdir = runtime.find("\nWORKDIR /data\n").expect("WORKDIR /data");
    assert!(chown < workdir, "{runtime}");
    assert!(runtime.contains("VOLUME [\"/data\"]"), "{runtime}");
    assert!(runtime.contains("CMD [\"/app/relay\"]"), "{runtime}");
    // The other service keeps the app root.
    let hub = std::fs::read_to_string(dir.path().join("relay-hub.Dockerfile")).unwrap();
    assert!(hub.contains("\nWORKDIR /app\n"), "{hub}");

    for bad in ["data", "/app", "/app/data", "/etc/relay", "/data/../app"] {
        std::fs::write(
            &toml,
            format!("[generate.services.relay]\nworkdir = \"{bad}\"\n"),
        )
        .unwrap();
        let dir2 = fresh_copy("cargo-relay");
        std::fs::copy(&toml, dir2.path().join("isogen.toml")).unwrap();
        let text = fails(
            &dir2,
            &[
                "isogen.toml",
                &format!("[generate.services.relay] workdir \"{bad}\": expected an absolute folder outside the app root /app"),
            ],
        );
        assert!(!text.contains("panicked"), "{text}");
    }
}

/// rustdesk-server's own Dockerfile runs hbbs in `WORKDIR /root` with `VOLUME /root`, where it
/// writes its key and database. `--force` keeps that working folder as `workdir` (and the
/// volume as a writable one), so the generated image writes where the hand-written one did and
/// the next `generate --check` agrees.
#[test]
fn force_keeps_a_hand_written_working_folder_as_workdir() {
    let dir = fresh_copy("cargo-relay");
    std::fs::write(
        dir.path().join("relay.Dockerfile"),
        "FROM rust:1 AS build\nCOPY . .\nRUN cargo build --release\n\
         FROM debian:12-slim\nCOPY --from=build /target/release/relay /usr/bin/relay\n\
         WORKDIR /root\nVOLUME /root\nEXPOSE 21115\nCMD [\"relay\"]\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = isogen().args(args).arg(dir.path()).output().unwrap();
        (out.status.code(), shown(&out, dir.path()))
    };
    let (code, text) = run(&["generate", "--force"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("workdir = \"/root\""), "{text}");
    let toml = std::fs::read_to_string(dir.path().join("isogen.toml")).unwrap();
    assert!(toml.contains("workdir = \"/root\""), "{toml}");
    let dockerfile = std::fs::read_to_string(dir.path().join("relay.Dockerfile")).unwrap();
    assert!(dockerfile.contains("WORKDIR /root\n"), "{dockerfile}");
    assert!(dockerfile.contains("VOLUME [\"/root\"]"), "{dockerfile}");
    let (code, text) = run(&["generate", "--check"]);
    assert_eq!(code, Some(0), "{text}");
}

/// ntpd-rs's shape: `[workspace.lints.rust] missing_docs = "deny"` reaches every target, so an
/// undocumented stub stops the deps stage (`error: missing documentation for the crate`)
/// before any dependency is cached. The stubs the generated Dockerfile writes compile under
/// that lint: the `RUN` that writes them is run as it is, over the manifests alone, then
/// cargo builds the library stub offline.
#[test]
fn the_stubs_of_the_deps_stage_compile_in_a_workspace_that_denies_missing_docs() {
    let Ok(cargo) = std::env::var("CARGO") else {
        return;
    };
    let dir = fresh_copy("cargo-ntp");
    isogen().arg("generate").arg(dir.path()).assert().success();
    let dockerfile =
        std::fs::read_to_string(dir.path().join("timed/time-daemon.Dockerfile")).unwrap();
    // The deps stage's RUN: from `mkdir` to the `&& cargo build` that ends it.
    let run = dockerfile
        .split("\nRUN ")
        .find(|r| r.starts_with("mkdir -p") && r.contains("isogen stub"))
        .expect("the stubs' RUN");
    let stubs = run.split(" \\\n && cargo build").next().unwrap();
    let build = tempfile::tempdir().unwrap();
    for manifest in [
        "Cargo.toml",
        "Cargo.lock",
        "ntp-wire/Cargo.toml",
        "timed/Cargo.toml",
    ] {
        let to = build.path().join(manifest);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(dir.path().join(manifest), to).unwrap();
    }
    let sh = std::process::Command::new("sh")
        .arg("-c")
        .arg(stubs.replace(" \\\n", " "))
        .current_dir(build.path())
        .status()
        .unwrap();
    assert!(sh.success(), "{stubs}");
    let out = std::process::Command::new(cargo)
        .args([
            "build",
            "--offline",
            "--locked",
            "-p",
            "ntp-wire",
            "--target-dir",
        ])
        .arg(build.path().join("target"))
        .current_dir(build.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{stubs}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// rathole's shape: `burrow <CONFIG>` listed in `services` with no `args` is refused in the
/// first run, naming the binary, the argument, its line and the line to add; nothing is
/// written. With the fixture's `args` (the config file it ships as an asset) it is generated.
#[test]
fn a_listed_service_whose_command_line_requires_an_argument_is_refused_until_args_are_set() {
    let dir = fresh_copy("cargo-burrow");
    edit(&dir, "isogen.toml", "args = [\"/app/server.toml\"]\n", "");
    let text = fails(
        &dir,
        &[
            "src/main.rs:10: binary `burrow` (service `burrow`) needs an argument: its command \
             line requires `config` here",
            "[generate.services.burrow] of isogen.toml: args = [\"<config>\"]",
        ],
    );
    assert!(!text.contains("needs a subcommand"), "{text}");
    // `cmd` says it runs as it is: no refusal.
    edit(
        &dir,
        "isogen.toml",
        "assets = ",
        "cmd = [\"/app/burrow\", \"/app/server.toml\"]\nassets = ",
    );
    isogen().arg("generate").arg(dir.path()).assert().success();
    let dockerfile = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("CMD [\"/app/burrow\", \"/app/server.toml\"]"),
        "{dockerfile}"
    );
}

/// A package on plain sockets whose binary serves only when told how (bore's `bore server`,
/// rathole's `rathole <CONFIG>`) is a tool by default, and `isogen list` names the exact
/// setting that makes it a service, with the line of the command line that asks for it.
#[test]
fn list_names_the_args_that_make_a_listening_tool_a_service() {
    let dir = fresh_copy("cargo-burrow");
    std::fs::remove_file(dir.path().join("isogen.toml")).unwrap();
    let out = isogen().arg("list").arg(dir.path()).output().unwrap();
    let list = shown(&out, dir.path());
    assert!(
        list.contains(
            "and set args = [\"<config>\"] (its command line requires the argument `config` at \
             src/main.rs:10; a file it reads goes into the image with `assets`) in \
             [generate.services.burrow]"
        ),
        "{list}"
    );
    let out = isogen()
        .arg("list")
        .arg(fixture_dir("cargo-sockets"))
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    let tunnel = list.lines().find(|l| l.starts_with("tool")).unwrap();
    assert!(
        tunnel.contains(
            "and set args = [\"server\"] (its command line requires a subcommand at \
             tunnel/src/main.rs:8, and `server` of server, local serves by its name) in \
             [generate.services.tunnel]"
        ),
        "{tunnel}"
    );
}

/// sozu's shape (tests/fixtures/cargo-resolver's `gateway`): a server on plain sockets whose
/// serving subcommand itself requires its config file (`Start { config: PathBuf }`). Listed
/// in `services` with no `args`, it is refused with the whole line that runs it, the
/// subcommand and a placeholder for its argument, not `args = ["start"]`, which would print
/// the usage again; with that line filled in, it is generated.
#[test]
fn a_serving_subcommand_that_requires_an_argument_is_proposed_with_it() {
    let dir = fresh_copy("cargo-resolver");
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[workspace]\nservices = [\"zone-api\", \"gateway\"]\n",
    )
    .unwrap();
    fails(
        &dir,
        &[
            "gateway/src/main.rs:11: binary `gateway` (service `gateway`) needs a subcommand",
            "one of start, check; by its name, args = [\"start\", \"<config>\"]",
        ],
    );
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[workspace]\nservices = [\"zone-api\", \"gateway\"]\n\n[generate.services.gateway]\n\
         args = [\"start\", \"/app/gateway.conf\"]\n",
    )
    .unwrap();
    isogen().arg("generate").arg(dir.path()).assert().success();
    let dockerfile = std::fs::read_to_string(dir.path().join("gateway/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("CMD [\"/app/gateway\", \"start\", \"/app/gateway.conf\"]"),
        "{dockerfile}"
    );
}

/// hickory-dns's shape (tests/fixtures/cargo-resolver's `dnsd`): hyper is its only server
/// framework, an optional dependency behind `prometheus-metrics`, which the default features
/// leave off. A plain `cargo build` does not compile it, so it is no sign that `dnsd` serves:
/// `dnsd` is a tool whose reason says so, not a service that "depends on hyper". Once the
/// default features enable it, it counts.
#[test]
fn a_framework_behind_a_feature_the_defaults_leave_off_is_no_sign_of_a_server() {
    let dir = fresh_copy("cargo-resolver");
    let list = |dir: &tempfile::TempDir| {
        let out = isogen().arg("list").arg(dir.path()).output().unwrap();
        shown(&out, dir.path())
    };
    let text = list(&dir);
    let row = text.lines().find(|l| l.contains(" dnsd ")).unwrap();
    assert!(row.starts_with("tool "), "{text}");
    assert!(!row.contains("depends on hyper"), "{text}");
    assert!(
        row.contains("(hyper only behind a feature its default features leave off"),
        "{text}"
    );
    edit(
        &dir,
        "dnsd/Cargo.toml",
        "default = []",
        "default = [\"prometheus-metrics\"]",
    );
    let text = list(&dir);
    let row = text.lines().find(|l| l.contains(" dnsd ")).unwrap();
    assert!(
        row.starts_with("service ") && row.contains("depends on hyper"),
        "{text}"
    );
}

/// An asset written from the workspace root (`gateway/gateway.conf` for package `gateway`,
/// read as `gateway/gateway/gateway.conf`) is not there: generate says so with the path that
/// works, instead of a `generate --check` that passes and an image build that stops at its
/// `COPY` (as sozu's `bin/config.toml` did). The right path says nothing.
#[test]
fn a_package_asset_written_from_the_root_is_named_with_the_path_that_works() {
    let dir = fresh_copy("cargo-resolver");
    let config = |asset: &str| {
        format!(
            "[workspace]\nservices = [\"zone-api\", \"gateway\"]\n\n[generate.services.gateway]\n\
             args = [\"start\", \"/app/gateway.conf\"]\nassets = [\"{asset}\"]\n"
        )
    };
    std::fs::write(
        dir.path().join("isogen.toml"),
        config("gateway/gateway.conf"),
    )
    .unwrap();
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "gateway: the asset `gateway/gateway.conf` is not in the package folder \
             (gateway/gateway/gateway.conf does not exist): the image build fails at its COPY \
             until it exists; paths in `assets` are relative to the package folder: write \
             \"gateway.conf\""
        ),
        "{text}"
    );
    std::fs::write(dir.path().join("isogen.toml"), config("gateway.conf")).unwrap();
    let out = isogen()
        .args(["generate", "--force"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = shown(&out, dir.path());
    assert!(
        out.status.success() && !text.contains("the asset"),
        "{text}"
    );
}

/// sozu's shape (tests/fixtures/cargo-cli-args' `proxy`): `proxy start` needs `-c <config>`,
/// which clap lets it leave out (`config: Option<String>`, global) but whose absence its code
/// turns into an error (`None => option_env!(..).ok_or(UtilError::GetConfigFilePath)`). The
/// `args` isogen proposes carry the option; listed without `args`, it is refused with that
/// line; with `args = ["start"]` (what isogen used to propose), generate warns with the line
/// that gives it; with the option given, it says nothing.
#[test]
fn an_option_the_code_cannot_do_without_is_in_the_args_isogen_proposes() {
    let dir = fresh_copy("cargo-cli-args");
    let out = isogen().arg("list").arg(dir.path()).output().unwrap();
    let list = shown(&out, dir.path());
    let proxy = list
        .lines()
        .find(|l| l.starts_with("tool "))
        .unwrap_or_default();
    assert!(
        proxy.contains(
            "set args = [\"--config\", \"<config>\", \"start\"] (its command line requires a \
             subcommand at proxy/src/cli.rs:17, and `start` of start, status serves by its name; \
             it needs `-c`/`--config` (an option its command line at proxy/src/cli.rs:14 may \
             leave out, but its code fails without it at proxy/src/util.rs:12))"
        ),
        "{list}"
    );
    let config = |extra: &str| {
        std::fs::write(
            dir.path().join("isogen.toml"),
            format!("[workspace]\nservices = [\"gateway\", \"proxy\"]\n{extra}"),
        )
        .unwrap();
    };
    config("");
    fails(
        &dir,
        &[
            "proxy/src/cli.rs:17: binary `proxy` (service `proxy`) needs a subcommand",
            "by its name, args = [\"--config\", \"<config>\", \"start\"]; it needs \
             `-c`/`--config`",
        ],
    );
    config("\n[generate.services.proxy]\nargs = [\"start\"]\n");
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "warning: service `proxy`: `args` in [generate.services.proxy] of isogen.toml does \
             not give `-c`/`--config` (an option its command line at proxy/src/cli.rs:14 may \
             leave out, but its code fails without it at proxy/src/util.rs:12), so the image's \
             command would stop there; args = [\"--config\", \"<config>\", \"start\"]"
        ),
        "{text}"
    );
    for given in [
        "[\"start\", \"-c\", \"/app/proxy.toml\"]",
        "[\"--config=/app/proxy.toml\", \"start\"]",
    ] {
        config(&format!("\n[generate.services.proxy]\nargs = {given}\n"));
        let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
        let text = shown(&out, dir.path());
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(!text.contains("--config"), "{given}: {text}");
    }
}

/// tensorzero's shape (tests/fixtures/cargo-cli-args' `evaluations`): the binary parses
/// `Args`, which it imports from its package's library (`use evaluations::Args`), whose
/// `--variant-name` is a required option. Read where the struct is declared, it makes the
/// binary a tool (its package depends on the crate that serves), named as such on the
/// library's row of `isogen list`; listed as a service without `args`, it is refused with the
/// option; with it, generated.
#[test]
fn a_required_option_of_a_command_line_declared_in_a_library_is_read_there() {
    let dir = fresh_copy("cargo-cli-args");
    let out = isogen().arg("list").arg(dir.path()).output().unwrap();
    let list = shown(&out, dir.path());
    let row = list
        .lines()
        .find(|l| l.contains(" evaluations "))
        .unwrap_or_default();
    assert!(
        row.starts_with("internal package")
            && row.contains(
                "its binary `evaluations` is a tool: its command line requires an option \
                 (`--variant-name` at evaluations/src/cli.rs:20)"
            ),
        "{list}"
    );
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[workspace]\nservices = [\"gateway\", \"evaluations\"]\n",
    )
    .unwrap();
    fails(
        &dir,
        &[
            "evaluations/src/cli.rs:20: binary `evaluations` (service `evaluations`) needs an \
             option: its command line requires the option `--variant-name` here",
            "args = [\"--variant-name\", \"<variant-name>\"]",
        ],
    );
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[workspace]\nservices = [\"gateway\", \"evaluations\"]\n\n\
         [generate.services.evaluations]\nargs = [\"--variant-name\", \"baseline\"]\n",
    )
    .unwrap();
    isogen().arg("generate").arg(dir.path()).assert().success();
}

/// kellnr's shape (tests/fixtures/cargo-registry): `registry`'s main calls
/// `registry_settings::parse_cli()`, which parses the settings crate's `Cli`, whose subcommand
/// is an `Option` the code answers with the help: run bare, the binary prints it and exits 0,
/// serving nothing. Without `args` it is refused at the settings crate's line, naming where
/// the help is printed and the `start` arguments of the struct flattened from another file;
/// the mirror, whose settings come through a method isogen does not follow, is warned about
/// as "cannot tell", and `cmd` or `args` silence that.
#[test]
fn a_command_line_parsed_in_another_workspace_crate_behind_a_wrapper_is_followed() {
    let dir = fresh_copy("cargo-registry");
    std::fs::remove_file(dir.path().join("isogen.toml")).unwrap();
    let text = fails(
        &dir,
        &[
            "settings/src/cli.rs:17: binary `registry` (service `registry`) needs a subcommand: \
             its command line takes one here, and without one its code prints the help at \
             settings/src/cli.rs:52",
            "by its name, args = [\"start\", \"--data-dir\", \"<data-dir>\"]",
            "binary `registry-mirror` calls `registry_settings::Loader::default` of a workspace \
             crate that parses the command line `Cli` (settings/src/cli.rs:12) or `MirrorCli` \
             (settings/src/cli.rs:76), and isogen could not follow that call",
        ],
    );
    assert!(!text.contains("registry-mirror` (service"), "{text}");
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[generate.services.registry]\nargs = [\"start\", \"--data-dir\", \"/data\"]\n\n\
         [generate.services.registry-mirror]\ncmd = [\"/app/registry-mirror\"]\n",
    )
    .unwrap();
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("could not follow"), "{text}");
}

/// pgdog's shape: the server's clap subcommand is an `Option` (it runs bare, as `run`), and its
/// admin console parses SQL commands into an enum whose doc comment is `/// Parser result.`.
/// That enum is no command line: `pooler` is a service, not a tool "whose subcommands (pause,
/// reconnect, ...) do not serve". Its cargo config links through clang's `--ld-path` with
/// mold, which the warning names beside clang.
#[test]
fn an_enum_documented_as_a_parser_is_no_required_subcommand() {
    let dir = fresh_copy("cargo-pooler");
    let out = isogen().arg("list").arg(dir.path()).output().unwrap();
    let list = shown(&out, dir.path());
    let row = list
        .lines()
        .find(|l| l.contains(" pooler "))
        .unwrap_or_default();
    assert!(
        row.starts_with("service")
            && row.contains("its binaries run a server: it depends on tiny_http"),
        "{list}"
    );
    assert!(!list.contains("requires a subcommand"), "{list}");
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "`mold` (line 6: [target.x86_64-unknown-linux-gnu] rustflags \
             link-arg=--ld-path=/usr/bin/mold)"
        ) && text
            .contains("Add builder_packages = [\"clang\", \"mold\"] to [generate.services.pooler]"),
        "{text}"
    );
}

/// atomic-server's shape: `#[derive(Parser)] pub enum Command` is the optional subcommand of
/// the `Opts` struct the binary parses, not a command line that is only a choice of
/// subcommands (rauthy's `enum Args`), so `graph-server` runs bare and is a service. Its
/// build script runs pnpm, named in a variable, which no Debian package installs: the
/// warning names the line and says to build the front end first or use a build image with
/// it, not a `builder_packages` line that cannot work.
#[test]
fn an_optional_subcommand_enum_deriving_parser_leaves_the_server_a_service() {
    let dir = fresh_copy("cargo-graphdb");
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(dir.path().join("server/Dockerfile").is_file(), "{text}");
    assert!(
        text.contains(
            "the build script of crate `graph-server` runs `pnpm` (server/build.rs:18), which \
             the default build image does not have"
        ) && text.contains("No Debian package installs `pnpm`: build what it builds"),
        "{text}"
    );
    assert!(!text.contains("builder_packages = [\"pnpm\""), "{text}");
    // With the front end built into the crate's folder, the build script skips pnpm; the
    // warning stays (isogen does not read the script's condition), the Dockerfile is the same.
    let dockerfile = std::fs::read_to_string(dir.path().join("server/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("CMD [\"/app/graph-server\"]\n"),
        "{dockerfile}"
    );
}

/// shuttle's shape: `cargo-deployer` depends on a server framework (its `run` starts a local
/// server), but its binary `cargo-deployer` is a cargo subcommand (`cargo deployer`): the
/// package is a developer's CLI, so none of its binaries is a service (before, `generate`
/// refused both as services that need a subcommand, proposing `args = ["run"]`). Nothing
/// else serves: exit 2, each binary named with why.
#[test]
fn a_cargo_subcommand_is_a_tool_though_it_starts_a_local_server() {
    let dir = fresh_copy("cargo-deployer");
    let out = isogen().arg("list").arg(dir.path()).output().unwrap();
    let list = shown(&out, dir.path());
    let row = list
        .lines()
        .find(|l| l.contains(" cargo-deployer "))
        .unwrap_or_default();
    assert!(
        row.starts_with("tool")
            && row.contains(
                "its binaries (cargo-deployer, deployer) are a cargo subcommand: \
                 `cargo-deployer` runs as `cargo deployer`, a developer's command-line tool, \
                 though it depends on tiny_http"
            ),
        "{list}"
    );
    let text = fails(
        &dir,
        &[
            "no services found",
            "  deployer (package `cargo-deployer`): package `cargo-deployer` is a cargo \
             subcommand (its binary `cargo-deployer` runs as `cargo deployer`)",
        ],
    );
    assert!(!text.contains("needs a subcommand"), "{text}");
}

/// tests/fixtures/cargo-wiki without its isogen.toml, or with `text` as its isogen.toml.
fn wiki_with(config: Option<&str>) -> tempfile::TempDir {
    let dir = fresh_copy("cargo-wiki");
    match config {
        Some(text) => std::fs::write(dir.path().join("isogen.toml"), text).unwrap(),
        None => std::fs::remove_file(dir.path().join("isogen.toml")).unwrap(),
    }
    dir
}

/// The options a server's code needs, reached through nested fields: `wiki serve` takes
/// `--config` from the struct its `Serve(ServeArgs)` variant holds (given after `serve`, where
/// clap takes it), `wiki-sync` from a flattened struct it reads as `cli.server.config`. Each
/// is refused without `args`, with the `args` that give it; `args` without it are warned
/// about with the line that adds it after the subcommand; `wiki export`'s `--out` (another
/// subcommand's) is not asked for.
#[test]
fn options_of_a_subcommand_or_a_flattened_struct_that_the_code_needs_are_asked_for() {
    let dir = wiki_with(None);
    let text = fails(
        &dir,
        &[
            "binary `wiki` (service `wiki`) needs a subcommand",
            "by its name, args = [\"serve\", \"--config\", \"<config>\"]; it needs `--config` \
             of `serve` (an option its command line at wiki/src/main.rs:33 may leave out, but \
             its code fails without it at wiki/src/main.rs:49)",
        ],
    );
    assert!(!text.contains("--out"), "{text}");
    let dir = wiki_with(Some("[generate.services.wiki]\nargs = [\"serve\"]\n"));
    fails(
        &dir,
        &[
            "binary `wiki-sync` (service `wiki-sync`) needs `--config` (an option its command \
             line at sync/src/server.rs:9 may leave out, but its code fails without it at \
             sync/src/main.rs:18)",
            "args = [\"--config\", \"<config>\"]",
        ],
    );
    let dir = wiki_with(Some(
        "[generate.services.wiki]\nargs = [\"serve\"]\n\n\
         [generate.services.wiki-sync]\nargs = [\"--config\", \"sync.conf\"]\n",
    ));
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "service `wiki`: `args` in [generate.services.wiki] of isogen.toml does not give \
             `--config` of `serve`"
        ) && text.contains("args = [\"serve\", \"--config\", \"<config>\"]"),
        "{text}"
    );
    assert!(!text.contains("service `wiki-sync`: `args`"), "{text}");
}

/// A build input inside another (`schema/vendor` beside `schema` in isogen.toml, and the
/// files the wiki's `include_str!`s read in them) is copied once, as the outermost folder.
#[test]
fn a_build_input_inside_another_is_copied_once() {
    let dir = fresh_copy("cargo-wiki");
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert!(out.status.success(), "{text}");
    let dockerfile = std::fs::read_to_string(dir.path().join("wiki/Dockerfile")).unwrap();
    let copies: Vec<&str> = (dockerfile.lines())
        .filter(|l| l.starts_with("COPY schema"))
        .collect();
    assert_eq!(copies, ["COPY schema /schema"], "{dockerfile}");
    let ignore = std::fs::read_to_string(dir.path().join("wiki/Dockerfile.dockerignore")).unwrap();
    assert!(
        ignore.contains("\n!schema\n") && !ignore.contains("!schema/"),
        "{ignore}"
    );
}

/// atomic-server's shape: `wiki` depends on `directories` (Cargo.lock), which puts its data
/// under $HOME; in the image $HOME is the app root, which its user cannot write. generate
/// warns naming the crate, with `writable` and `env` HOME; `wiki-sync`, which does not, is
/// not named; setting HOME in `env` (as the fixture's isogen.toml does) silences it.
#[test]
fn a_service_that_finds_its_folders_under_home_is_warned_about() {
    let config = std::fs::read_to_string(fixture_dir("cargo-wiki").join("isogen.toml")).unwrap();
    let dir = wiki_with(Some(&config.replace("env = { HOME = \"/data\" }\n", "")));
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "service `wiki` runs with crate `directories` (in Cargo.lock, through crate \
             `wiki`), which finds folders under $HOME"
        ) && text.contains(
            "writable = [{ path = \"/data\", volume = true }] and env = { HOME = \"/data\" }"
        ),
        "{text}"
    );
    assert!(!text.contains("service `wiki-sync` runs with"), "{text}");
    let dir = fresh_copy("cargo-wiki");
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert!(!text.contains("finds folders under $HOME"), "{text}");
}

/// warpgate's shape: the libraries that depend on the server framework each carry a spec
/// printer (`gateway-admin`, `gateway-http`, `config-schema`: a synchronous `main` that
/// prints and exits). They were services by the package rule, and `gateway`, the thin binary
/// over `gateway-http`'s server, was a tool (a crate with binaries of its own was no server
/// library, and its `Server`, imported in a `use` group, was not seen). Now the printers are
/// tools that say why, and `gateway` is the one service.
#[test]
fn spec_printers_of_server_libraries_are_tools_and_the_thin_server_is_the_service() {
    let dir = fresh_copy("cargo-gateway");
    let out = isogen().arg("list").arg(dir.path()).output().unwrap();
    let list = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(0), "{list}");
    let row = |name: &str| {
        list.lines()
            .find(|l| l.split_whitespace().nth(2) == Some(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        row("gateway").starts_with("service")
            && row("gateway").contains(
                "it depends on workspace crate gateway-http, which starts a server with tiny_http"
            ),
        "{list}"
    );
    for (package, bin) in [
        ("gateway-http", "gateway-http"),
        ("gateway-admin", "gateway-admin"),
        ("gateway-common", "config-schema"),
    ] {
        assert!(
            row(package).starts_with("internal package")
                && row(package).contains(&format!(
                    "its binary `{bin}` is a tool: its package `{package}` is a library that \
                     `gateway` uses, and its sources start no server"
                )),
            "{list}"
        );
    }
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(dir.path().join("gateway/Dockerfile").is_file(), "{text}");
    for printer in ["gateway-http", "gateway-admin", "gateway-common"] {
        assert!(
            !dir.path().join(printer).join("Dockerfile").exists(),
            "{text}"
        );
    }
}

/// A fresh copy of cargo-tunnel with its hand-written root `Dockerfile` (which `fresh_copy`
/// leaves out with the generated files).
fn tunnel_copy() -> tempfile::TempDir {
    let dir = fresh_copy("cargo-tunnel");
    std::fs::copy(
        fixture_dir("cargo-tunnel").join("Dockerfile"),
        dir.path().join("Dockerfile"),
    )
    .unwrap();
    dir
}

/// bore's shape: `[generate.services.<name>] bin` makes a service of a binary under another
/// name, with its own `args`; two such services of one binary get one `<service>.Dockerfile`
/// each, beside the package's hand-written `Dockerfile`, which stays as it was; `list` says
/// which binary each runs and why.
#[test]
fn a_service_section_with_bin_runs_that_binary_under_its_own_name() {
    let dir = tunnel_copy();
    let hand_written = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out, dir.path()));
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    assert_eq!(read("Dockerfile"), hand_written);
    let server = read("tunnel-server.Dockerfile");
    assert!(
        server.contains("CMD [\"/app/tunnel\", \"server\"]"),
        "{server}"
    );
    assert!(server.contains("--bin tunnel"), "{server}");
    assert!(
        server.contains("dev.isogen.service=\"tunnel-server\""),
        "{server}"
    );
    let relay = read("tunnel-relay.Dockerfile");
    assert!(
        relay.contains("CMD [\"/app/tunnel\", \"relay\", \"--port\", \"7836\"]"),
        "{relay}"
    );
    let row = row_of(&list_of(&dir), "tunnel-cli");
    assert!(
        row.starts_with("service")
            && row.contains(
                "`tunnel-server` runs binary `tunnel` ([generate.services.tunnel-server] bin of \
                 isogen.toml)"
            )
            && !row.contains("the default rule")
            && row.ends_with("[services: tunnel-relay, tunnel-server]"),
        "{row}"
    );
    // `not_services` leaves one out by its name.
    edit(
        &dir,
        "isogen.toml",
        "[generate.services.tunnel-relay]\n",
        "[workspace]\nnot_services = [\"tunnel-relay\"]\n\n[generate.services.tunnel-relay-off]\n",
    );
    edit(
        &dir,
        "isogen.toml",
        "bin = \"tunnel\"\nargs = [\"relay\"",
        "args = [\"relay\"",
    );
    let config = isogen::config::Config::load_from_root(dir.path()).unwrap();
    let ws = isogen::workspace::Workspace::discover(dir.path(), &config.workspace).unwrap();
    let names: Vec<&str> = ws.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["tunnel-server"]);
}

/// A `bin` naming no binary of the workspace, or the section's own name, is an error naming
/// isogen.toml, the section and the fix; exit 2, nothing written.
#[test]
fn a_bin_that_names_no_binary_or_the_service_itself_is_refused() {
    let dir = tunnel_copy();
    std::fs::remove_file(dir.path().join("Dockerfile")).unwrap();
    edit(
        &dir,
        "isogen.toml",
        "bin = \"tunnel\"\nargs = [\"server\"]",
        "bin = \"tunel\"\nargs = [\"server\"]",
    );
    fails(
        &dir,
        &[
            "isogen.toml: [generate.services.tunnel-server] bin = \"tunel\": no member of the \
           Cargo workspace has a binary named `tunel` (binaries: tunnel)",
        ],
    );
    edit(
        &dir,
        "isogen.toml",
        "[generate.services.tunnel-server]\nbin = \"tunel\"",
        "[generate.services.tunnel]\nbin = \"tunnel\"",
    );
    fails(
        &dir,
        &["[generate.services.tunnel] bin = \"tunnel\": `bin` runs a binary as another service"],
    );
}

/// The Procfile runs the binary with arguments no service runs it with: a warning in
/// `generate` and `list` names the line, the process and the section that gives it an image;
/// adding that section silences it. crates.io's shape (cargo-index): `release` (a job) and
/// `background_worker` beside the `web` process the image runs.
#[test]
fn a_procfile_process_no_service_runs_is_named_with_the_section_to_add() {
    let dir = tunnel_copy();
    let section = "[generate.services.tunnel-relay]\nbin = \"tunnel\"\nargs = [\"relay\", \"--port\", \"7836\"]\nexpose = [7836]\n";
    edit(&dir, "isogen.toml", section, "");
    let warning = "warning: Procfile:2: process `relay` runs binary `tunnel` with `relay --port \
                   7836`, which no service does, so it gets no image; to give it one, add \
                   [generate.services.relay] to isogen.toml with bin = \"tunnel\", args = \
                   [\"relay\", \"--port\", \"7836\"]";
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(warning), "{text}");
    assert!(!text.contains("Procfile:1"), "{text}");
    assert!(list_of(&dir).contains(warning));
    // The section the warning names, added as it says: no warning.
    let toml = std::fs::read_to_string(dir.path().join("isogen.toml")).unwrap();
    std::fs::write(
        dir.path().join("isogen.toml"),
        format!("{toml}\n[generate.services.relay]\nbin = \"tunnel\"\nargs = [\"relay\", \"--port\", \"7836\"]\n"),
    )
    .unwrap();
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("Procfile"), "{text}");
    assert!(dir.path().join("relay.Dockerfile").is_file());

    let list = list_of(&fresh_copy("cargo-index"));
    assert!(
        list.contains(
            "Procfile:1: process `release` runs binary `index-app` with `migrate`, which no \
             service does, so it gets no image; to give it one, add [generate.services.release] \
             to isogen.toml with bin = \"index-app\", args = [\"migrate\"], kind = \"job\""
        ),
        "{list}"
    );
    assert!(
        list.contains("[generate.services.background_worker] to isogen.toml with bin = \"index-app\", args = [\"background-worker\"]"),
        "{list}"
    );
    assert!(
        !list.contains("Procfile:2"),
        "the web process is the service: {list}"
    );
}

/// A bore-shaped workspace with only the tool and no isogen.toml: the "no services" error
/// names the Procfile's process and the section that makes it a service.
#[test]
fn no_services_names_the_procfile_processes() {
    let dir = tunnel_copy();
    std::fs::remove_file(dir.path().join("isogen.toml")).unwrap();
    std::fs::remove_file(dir.path().join("Dockerfile")).unwrap();
    fails(
        &dir,
        &[
            "Procfile:1: process `server` runs binary `tunnel` with `server`, which no service \
           does, so it gets no image; to give it one, add [generate.services.server] to \
           isogen.toml with bin = \"tunnel\", args = [\"server\"]",
        ],
    );
}

/// `bin` is a Cargo setting: in a workspace with no Cargo.toml it is an error naming the
/// section and what a Node package uses instead, not a silent "no service is named".
#[test]
fn bin_in_a_workspace_without_cargo_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("pnpm-workspace.yaml", "packages:\n  - \"services/*\"\n");
    write(
        "services/api/package.json",
        r#"{"name":"api","scripts":{"start":"node index.js"}}"#,
    );
    write("isogen.toml", "[generate.services.worker]\nbin = \"api\"\n");
    fails(
        &dir,
        &[
            "isogen.toml: [generate.services.worker] bin: `bin` names a Cargo binary, and this \
           workspace has no Cargo.toml",
        ],
    );
}

/// bore's first run as the `list` hint says (`services = ["bore"]`, `args = ["server"]`): the
/// root package's Dockerfile path holds the project's hand-written Dockerfile. The refusal
/// names the way to keep it (the binary as a service of another name, with `bin`), and
/// following it generates beside the hand-written file.
#[test]
fn refusing_a_hand_written_root_dockerfile_proposes_a_service_of_another_name() {
    let dir = tunnel_copy();
    let hand_written = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[workspace]\nservices = [\"tunnel\"]\n\n[generate.services.tunnel]\nargs = [\"server\"]\n",
    )
    .unwrap();
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    let text = shown(&out, dir.path());
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(
            "to keep Dockerfile, run the binary as a service of another name instead: rename \
             [generate.services.tunnel] of isogen.toml to [generate.services.tunnel-server] \
             with bin = \"tunnel\" (and the same `args`), which writes tunnel-server.Dockerfile \
             beside it"
        ),
        "{text}"
    );
    assert!(!dir.path().join("tunnel-server.Dockerfile").exists());
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[generate.services.tunnel-server]\nbin = \"tunnel\"\nargs = [\"server\"]\n",
    )
    .unwrap();
    let out = isogen().arg("generate").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out, dir.path()));
    assert!(dir.path().join("tunnel-server.Dockerfile").is_file());
    let now = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert_eq!(now, hand_written);
}

/// sccache's shape (its `sccache` client left out with `not_services` beside the server
/// binary): the service row of `list` names the entry that left each other binary out, not
/// the bare binary name.
#[test]
fn list_names_the_not_services_entry_of_a_sibling_binary() {
    let dir = fresh_copy("cargo-kv");
    edit(
        &dir,
        "isogen.toml",
        "[generate.services.kv-replica]\nexpose = [17302]\n",
        "[workspace]\nnot_services = [\"kv-rep*\"]\n",
    );
    let list = list_of(&dir);
    let row = list.lines().find(|l| l.starts_with("service")).unwrap();
    assert!(
        row.contains("kv-replica: `kv-rep*` in [workspace] not_services of isogen.toml"),
        "{row}"
    );
}
