//! What a Cargo service's build needs that the build image may not give, as met on real
//! workspaces and told by `generate` in the first run:
//!
//! - kanidm's `.cargo/config.toml` links with `clang` and `-fuse-ld=lld` on Linux
//!   (tests/fixtures/cargo-idm): the Rust image has neither, the build stops at its first link;
//!   `builder_packages = ["clang", "lld"]` silences it;
//! - meilisearch's `build.rs` downloads its mini-dashboard with `reqwest` when its default
//!   feature `mini-dashboard` is on (tests/fixtures/cargo-search, with `minreq`): a builder
//!   without network access stops there; the warning names the file, line and feature and the
//!   isogen.toml line that builds without it (the package's other default features kept),
//!   which silences it and reaches the generated `cargo build`;
//! - kanidm's `tss-esapi-sys` (bindgen, libclang) is listed in Cargo.lock under
//!   `kanidm-hsm-crypto`, but only its `tpm` feature builds it, which no crate of the server
//!   enables: no libclang warning.

use std::path::Path;

use assert_cmd::Command;

fn isogen() -> Command {
    Command::cargo_bin("isogen").unwrap()
}

/// stderr of `isogen generate` on `ws` (which must succeed), paths from the workspace root.
fn generate_stderr(ws: &Path) -> String {
    let out = isogen().arg("generate").arg(ws).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stderr)
        .unwrap()
        .replace(&format!("{}/", ws.display()), "")
}

#[test]
fn kanidm_link_settings_name_clang_and_lld_until_builder_packages_installs_them() {
    let ws = crate::fixture_copy::copy("cargo-idm", false);
    let stderr = generate_stderr(ws.path());
    let link: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("links with"))
        .collect();
    assert_eq!(
        link,
        [
            "warning: service `idmd`: .cargo/config.toml links with `clang` (line 4: \
          [target.x86_64-unknown-linux-gnu] linker = \"clang\") and `lld` (line 5: \
          [target.x86_64-unknown-linux-gnu] rustflags link-arg=-fuse-ld=lld), which the \
          default build image does not have, so `cargo build` would stop at the first link \
          (\"linker `clang` not found\"). Add builder_packages = [\"clang\", \"lld\"] to \
          [generate.services.idmd] of isogen.toml"
        ]
    );
    let config = ws.path().join("isogen.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}builder_packages = [\"clang\"]\n")).unwrap();
    let stderr = generate_stderr(ws.path());
    assert!(
        stderr.contains("links with `lld` (line 5:") && !stderr.contains("`clang` (line 4"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("[\"clang\"]", "[\"clang\", \"lld\"]")).unwrap();
    assert!(!generate_stderr(ws.path()).contains("links with"));
}

#[test]
fn meilisearch_dashboard_download_names_the_feature_and_the_line_that_builds_without_it() {
    let ws = crate::fixture_copy::copy("cargo-search", false);
    let stderr = generate_stderr(ws.path());
    let download: Vec<&str> = stderr.lines().filter(|l| l.contains("downloads")).collect();
    assert_eq!(
        download,
        [
            "warning: service `search`: the build script of crate `search` downloads at build \
          time (`minreq`, crates/search/build.rs:13) when feature `dashboard` is on, as it is \
          in this build: the image build needs network access to what it fetches, and stops \
          there on a builder without it (an offline CI runner, a sandbox). To build without \
          it, set no_default_features = true and features = [\"index/all-languages\"] (its \
          other default features) in [generate.services.search] of isogen.toml."
        ]
    );
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.search]\nno_default_features = true\nfeatures = [\"index/all-languages\"]\n",
    )
    .unwrap();
    let stderr = generate_stderr(ws.path());
    assert!(!stderr.contains("downloads"), "{stderr}");
    let dockerfile = std::fs::read_to_string(ws.path().join("crates/search/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("--no-default-features --features index/all-languages"),
        "{dockerfile}"
    );
    // Turned on again by a feature given in isogen.toml: the fix is to leave that one out.
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.search]\nno_default_features = true\nfeatures = [\"dashboard\"]\n",
    )
    .unwrap();
    let stderr = generate_stderr(ws.path());
    assert!(
        stderr.contains("To build without it, leave `dashboard` out of `features` in [generate.services.search]"),
        "{stderr}"
    );
}

#[test]
fn tss_esapi_sys_behind_a_tpm_feature_the_server_leaves_off_needs_no_libclang() {
    let reg = "source = \"registry+https://github.com/rust-lang/crates.io-index\"";
    let lock = format!(
        "version = 4\n\n\
         [[package]]\nname = \"crypto\"\nversion = \"0.1.0\"\ndependencies = [\"hsm-crypto\"]\n\n\
         [[package]]\nname = \"idmd\"\nversion = \"0.1.0\"\ndependencies = [\"crypto\", \"tiny_http\"]\n\n\
         [[package]]\nname = \"tiny_http\"\nversion = \"0.12.0\"\n{reg}\n\n\
         [[package]]\nname = \"hsm-crypto\"\nversion = \"0.3.6\"\n{reg}\ndependencies = [\"tss-esapi\", \"tss-esapi-sys\"]\n\n\
         [[package]]\nname = \"tss-esapi\"\nversion = \"8.0.0\"\n{reg}\ndependencies = [\"tss-esapi-sys\"]\n\n\
         [[package]]\nname = \"tss-esapi-sys\"\nversion = \"0.6.0\"\n{reg}\ndependencies = [\"bindgen\"]\n\n\
         [[package]]\nname = \"bindgen\"\nversion = \"0.72.0\"\n{reg}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("Cargo.lock", lock.as_str()),
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crypto\", \"idmd\"]\n",
        ),
        (
            "crypto/Cargo.toml",
            "[package]\nname = \"crypto\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [features]\ntpm = [\"hsm-crypto/tpm\"]\n\n[dependencies]\nhsm-crypto = \"0.3\"\n",
        ),
        ("crypto/src/lib.rs", "pub fn key() {}\n"),
        (
            "idmd/Cargo.toml",
            "[package]\nname = \"idmd\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [features]\ntpm = [\"crypto/tpm\"]\n\n\
             [dependencies]\ncrypto = { path = \"../crypto\" }\ntiny_http = \"0.12\"\n",
        ),
        (
            "idmd/src/main.rs",
            "fn main() { let _ = tiny_http::Server::http(\"0.0.0.0:8443\"); crypto::key(); }\n",
        ),
    ];
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let stderr = generate_stderr(dir.path());
    assert!(!stderr.contains("libclang"), "{stderr}");
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[generate.services.idmd]\nfeatures = [\"tpm\"]\n",
    )
    .unwrap();
    let stderr = generate_stderr(dir.path());
    assert!(
        stderr.contains("(`tss-esapi-sys`, in Cargo.lock)"),
        "{stderr}"
    );
}

/// kanidm's daemon picks its build profile from `KANIDM_BUILD_PROFILE`, which its build script
/// reads (tests/fixtures/cargo-idm: `IDM_BUILD_PROFILE`): `build_args` in the service's settings
/// (as for Node services) declares it an `ARG` of both build stages, so `--build-arg` reaches
/// both `cargo build`s, and the runtime image never has it.
#[test]
fn kanidm_build_profile_is_a_build_arg_of_both_cargo_build_stages() {
    let ws = crate::fixture_copy::copy("cargo-idm", false);
    generate_stderr(ws.path());
    let dockerfile = std::fs::read_to_string(ws.path().join("server/daemon/Dockerfile")).unwrap();
    let args: Vec<String> = (dockerfile.match_indices("ARG IDM_BUILD_PROFILE\n"))
        .map(|(at, _)| {
            let from = dockerfile[..at].rfind("\nFROM ").unwrap();
            dockerfile[from + 1..].lines().next().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        args,
        ["FROM ${RUST_IMAGE} AS deps", "FROM deps AS builder"],
        "{dockerfile}"
    );
    // Declared before the builds that read it.
    let deps = &dockerfile[dockerfile.find("AS deps\n").unwrap()..];
    assert!(
        deps.find("ARG IDM_BUILD_PROFILE").unwrap() < deps.find("cargo build").unwrap(),
        "{dockerfile}"
    );
    let runtime = &dockerfile[dockerfile.find("AS runtime\n").unwrap()..];
    assert!(!runtime.contains("IDM_BUILD_PROFILE"), "{runtime}");
}

/// corrosion patches its QUIC crates to a fork on GitHub (tests/fixtures/cargo-gossip): the
/// build clones it, so generate names the repository and its crates before any build.
#[test]
fn corrosion_git_dependencies_are_named_before_the_build() {
    let ws = crate::fixture_copy::copy("cargo-gossip", false);
    let stderr = generate_stderr(ws.path());
    let git: Vec<&str> = stderr.lines().filter(|l| l.contains("from git")).collect();
    assert_eq!(
        git,
        [
            "warning: service `gossip` builds crates from git (`quicwire`, `quicwire-proto`, \
             `source = \"git+https://github.com/example-fork/quicwire?rev=ed052b9aac0ab803a4c8838b9a21034aa919dcbc\"` \
             in Cargo.lock): the image build's `cargo build` clones \
             https://github.com/example-fork/quicwire?rev=ed052b9aac0ab803a4c8838b9a21034aa919dcbc \
             and stops there on a builder that reaches crates.io but not that host (an offline \
             CI runner, a sandbox). Depend on a crates.io release, or keep a copy in the \
             repository as a path crate (`[patch]` with `path = ...`: isogen copies it into the \
             deps stage)"
        ]
    );
}

/// A registry crate whose build script downloads (windmill's `deno_core` builds on `v8`,
/// which fetches a prebuilt V8 library from GitHub releases) is named too; one the service
/// does not build is not.
#[test]
fn a_registry_crate_whose_build_script_downloads_is_named() {
    let reg = "source = \"registry+https://github.com/rust-lang/crates.io-index\"";
    let lock = format!(
        "version = 4\n\n\
         [[package]]\nname = \"worker\"\nversion = \"0.1.0\"\ndependencies = [\"deno_core\", \"tiny_http\"]\n\n\
         [[package]]\nname = \"tool\"\nversion = \"0.1.0\"\ndependencies = [\"ort\"]\n\n\
         [[package]]\nname = \"tiny_http\"\nversion = \"0.12.0\"\n{reg}\n\n\
         [[package]]\nname = \"deno_core\"\nversion = \"0.300.0\"\n{reg}\ndependencies = [\"v8\"]\n\n\
         [[package]]\nname = \"v8\"\nversion = \"130.0.1\"\n{reg}\n\n\
         [[package]]\nname = \"ort\"\nversion = \"2.0.0\"\n{reg}\ndependencies = [\"ort-sys\"]\n\n\
         [[package]]\nname = \"ort-sys\"\nversion = \"2.0.0\"\n{reg}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("Cargo.lock", lock.as_str()),
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"worker\", \"tool\"]\n",
        ),
        (
            "worker/Cargo.toml",
            "[package]\nname = \"worker\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\ndeno_core = \"0.300\"\ntiny_http = \"0.12\"\n",
        ),
        (
            "worker/src/main.rs",
            "fn main() { let _ = tiny_http::Server::http(\"0.0.0.0:8000\"); }\n",
        ),
        (
            "tool/Cargo.toml",
            "[package]\nname = \"tool\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nort = \"2\"\n",
        ),
        ("tool/src/main.rs", "fn main() {}\n"),
    ];
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let stderr = generate_stderr(dir.path());
    let fetched: Vec<&str> = stderr.lines().filter(|l| l.contains("downloads")).collect();
    assert_eq!(
        fetched,
        [
            "warning: service `worker` builds crate `v8` (in Cargo.lock), whose build script \
             downloads a prebuilt V8 library from GitHub releases while the image builds: a \
             builder without network access to it (an offline CI runner, a sandbox) stops \
             there. To build offline, set RUSTY_V8_ARCHIVE to a copy of that archive the \
             builder can read"
        ]
    );
}

/// rauthy's handlers crate embeds `#[folder = "../../static/v1/"]`, its front end's build
/// output at the workspace root (tests/fixtures/cargo-sso): the image build must copy it from
/// there (the sources stage), and the warning says to build it first, not that the crate's
/// folder brings it.
#[test]
fn rauthy_front_end_embedded_from_the_root_is_a_build_input() {
    let ws = crate::fixture_copy::copy("cargo-sso", false);
    let stderr = generate_stderr(ws.path());
    let embeds: Vec<&str> = stderr.lines().filter(|l| l.contains("embeds")).collect();
    assert_eq!(
        embeds,
        [
            "warning: service `sso`: src/api/src/lib.rs:6 embeds the folder static/v1 at \
             compile time, and it does not exist: another build writes it (a front end's build \
             output?), which the image build does not run, so `cargo build` would stop there. \
             Build it before building the image: the image build copies it from the workspace \
             root (a build input of the service), so it embeds the static/v1 it finds there"
        ]
    );
    let dockerfile = std::fs::read_to_string(ws.path().join("src/bin/Dockerfile")).unwrap();
    let sources = &dockerfile[dockerfile.find("AS sources\n").unwrap()..];
    let sources = &sources[..sources.find("\nFROM ").unwrap()];
    assert!(
        sources.contains("\nCOPY static/v1 /static/v1"),
        "{dockerfile}"
    );
    let ignore =
        std::fs::read_to_string(ws.path().join("src/bin/Dockerfile.dockerignore")).unwrap();
    assert!(ignore.contains("static/v1"), "{ignore}");
}

/// Two problems of one Cargo service come in one run (issue 9): kanidm's daemon needs its
/// `server` subcommand, and isogen.toml sets a Node-only key for it. Before, only the first
/// was told and the second waited for the next run.
#[test]
fn a_refused_command_line_and_a_bad_setting_of_one_service_come_in_one_run() {
    let ws = crate::fixture_copy::copy("cargo-idm", false);
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.idmd]\nout_dir = \"dist\"\n",
    )
    .unwrap();
    let out = isogen().arg("generate").arg(ws.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 2, "{stderr}");
    assert!(errors[0].contains("needs a subcommand"), "{stderr}");
    assert!(
        errors[1].contains("[generate.services.idmd]") && errors[1].contains("out_dir"),
        "{stderr}"
    );
}

/// roapi's server embeds its web console's build output (`#[folder = "../roapi-ui/dist"]`) in a
/// module compiled only with its non-default `ui` feature (`#[cfg(feature = "ui")] mod ui;`;
/// tests/fixtures/cargo-columns). A default build never reads the folder, which is not
/// committed: the image build must not copy it (a `COPY` of a missing folder stops the build)
/// and generate must not tell the user to build it. With `features = ["ui"]` it is both.
#[test]
fn roapi_console_embedded_behind_an_off_feature_is_no_build_input_until_the_feature_is_on() {
    let ws = crate::fixture_copy::copy("cargo-columns", false);
    let sources_of = |ws: &std::path::Path| {
        let dockerfile = std::fs::read_to_string(ws.join("columns-api/Dockerfile")).unwrap();
        let sources = &dockerfile[dockerfile.find("AS sources\n").unwrap()..];
        sources[..sources.find("\nFROM ").unwrap()].to_string()
    };
    let stderr = generate_stderr(ws.path());
    assert!(!stderr.contains("embeds"), "{stderr}");
    let sources = sources_of(ws.path());
    assert!(!sources.contains("columns-ui"), "{sources}");
    let ignore =
        std::fs::read_to_string(ws.path().join("columns-api/Dockerfile.dockerignore")).unwrap();
    assert!(!ignore.contains("columns-ui"), "{ignore}");

    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.columns-api]\nfeatures = [\"ui\"]\n",
    )
    .unwrap();
    let stderr = generate_stderr(ws.path());
    let embeds: Vec<&str> = stderr.lines().filter(|l| l.contains("embeds")).collect();
    assert_eq!(
        embeds,
        [
            "warning: service `columns-api`: columns-api/src/server/ui.rs:6 embeds the folder \
             columns-ui/dist at compile time (with feature `ui`, on in this build), and it does \
             not exist: another build writes it (a front end's build output?), which the image \
             build does not run, so `cargo build` would stop there. Build it before building \
             the image: the image build copies it from the workspace root (a build input of the \
             service), so it embeds the columns-ui/dist it finds there"
        ]
    );
    let sources = sources_of(ws.path());
    assert!(
        sources.contains("\nCOPY columns-ui/dist /columns-ui/dist"),
        "{sources}"
    );
}

/// roapi's library takes `connectorx` from a fork on GitHub as an optional dependency behind
/// `database`, which the server's build leaves off (tests/fixtures/cargo-columns). cargo still
/// resolves the whole workspace before building `-p roapi` and clones the fork: on a builder
/// that cannot reach GitHub the build stops at once. generate names it, and says the service
/// does not build it (so the user is not sent looking for the crate in the server).
#[test]
fn roapi_git_crate_behind_a_feature_the_server_leaves_off_is_still_named() {
    let ws = crate::fixture_copy::copy("cargo-columns", false);
    let stderr = generate_stderr(ws.path());
    let git: Vec<&str> = stderr.lines().filter(|l| l.contains("from git")).collect();
    assert_eq!(
        git,
        [
            "warning: service `columns-api` does not build it, but Cargo.lock takes a crate \
             from git (`connector`, `source = \
             \"git+https://github.com/example-fork/connector?rev=7d3e0a90c83934754a81b4ae9cc5ae4b0699d39c\"` \
             in Cargo.lock): the image build's `cargo build` clones \
             https://github.com/example-fork/connector?rev=7d3e0a90c83934754a81b4ae9cc5ae4b0699d39c \
             (cargo resolves the whole workspace, with every optional and dev-dependency, \
             before it builds one package, so a crate the service never compiles is cloned all \
             the same) and stops there on a builder that reaches crates.io but not that host \
             (an offline CI runner, a sandbox). Depend on a crates.io release, or keep a copy in \
             the repository as a path crate (`[patch]` with `path = ...`: isogen copies it into \
             the deps stage)"
        ]
    );
}

/// quadratic's shape (tests/fixtures/cargo-sheets): the servers' core crate imports the
/// client's worker callbacks with `#[wasm_bindgen(module =
/// "/../sheets-client/src/worker/callbacks.ts")]`, a file outside every crate that the macro
/// reads when it expands, on the native target too ("failed to read file"): the sources stage
/// copies it, and its ignore file lets it in. The shared crate's SSH tunnel binds
/// `SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)`, a random local port that forwards to a
/// database, not the server's listener: no loopback warning.
#[test]
fn quadratic_wasm_bindgen_snippet_is_a_build_input_and_its_tunnel_port_no_listener() {
    let ws = crate::fixture_copy::copy("cargo-sheets", false);
    let stderr = generate_stderr(ws.path());
    assert!(!stderr.contains("listens only on"), "{stderr}");
    let dockerfile =
        std::fs::read_to_string(ws.path().join("sheets-multiplayer/Dockerfile")).unwrap();
    let sources = &dockerfile[dockerfile.find("AS sources\n").unwrap()..];
    let sources = &sources[..sources.find("\nFROM ").unwrap()];
    assert!(
        sources.contains(
            "\nCOPY sheets-client/src/worker/callbacks.ts /sheets-client/src/worker/callbacks.ts"
        ),
        "{sources}"
    );
    let ignore =
        std::fs::read_to_string(ws.path().join("sheets-multiplayer/Dockerfile.dockerignore"))
            .unwrap();
    assert!(
        ignore.contains("!sheets-client/src/worker/callbacks.ts"),
        "{ignore}"
    );
}

/// quadratic's root package.json declares npm workspaces (`quadratic-api`, `quadratic-client`,
/// ...) beside its Cargo workspace, with no pnpm-workspace.yaml and no lockfile
/// (tests/fixtures/cargo-sheets): a run there reads the Cargo side only, and says so, with
/// what makes the Node side a workspace isogen reads, instead of leaving the API out in
/// silence.
#[test]
fn quadratic_npm_workspaces_beside_the_cargo_ones_are_named_as_unread() {
    let ws = crate::fixture_copy::copy("cargo-sheets", false);
    let unread = "warning: the root is a Cargo workspace and no pnpm one, so this run reads only \
                  the Cargo side and the Node packages get no image: package.json declares npm \
                  workspaces (`workspaces`: sheets-api, sheets-client, sheets-multiplayer), \
                  which isogen does not read: it builds the packages of a pnpm workspace, from \
                  its pnpm-workspace.yaml and one pnpm-lock.yaml; a pnpm-workspace.yaml whose \
                  `packages:` lists those folders, and a pnpm-lock.yaml (there is no \
                  package-lock.json or yarn.lock to import: `pnpm install` writes it), make \
                  them one";
    let stderr = generate_stderr(ws.path());
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("npm"))
            .collect::<Vec<_>>(),
        [unread]
    );
    let list = isogen().arg("list").arg(ws.path()).output().unwrap();
    assert!(list.status.success());
    assert!(
        String::from_utf8(list.stderr).unwrap().contains(unread),
        "isogen list names it too"
    );
}

/// quadratic's cloud worker: a binary on no server framework (a tool by default) whose
/// hand-written Dockerfile builds it and runs it through `ENTRYPOINT ["./entrypoint.sh"]`, a
/// script it copies from the repository that ends in `exec ./quadratic-cloud-worker`
/// (tests/fixtures/cargo-sheets' `sheets-worker`): the repository deploys it, so the first
/// run names it and the setting that makes it a service, as it does for a `CMD` that names
/// the binary.
#[test]
fn quadratic_worker_run_by_an_entrypoint_script_of_a_hand_written_dockerfile_is_named() {
    let ws = crate::fixture_copy::copy("cargo-sheets", false);
    let worker = ws.path().join("sheets-worker");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/cargo-sheets/sheets-worker/Dockerfile.worker"),
        worker.join("Dockerfile.worker"),
    )
    .unwrap();
    let named = "warning: binary `sheets-worker` of package `sheets-worker` is a tool by default \
                 (package `sheets-worker` depends on no server framework), so it gets no \
                 Dockerfile, but the hand-written sheets-worker/Dockerfile.worker builds it \
                 (line 12)";
    assert!(generate_stderr(ws.path()).contains(named));
    // A script that does not run the binary (it ships as a tool beside another command).
    std::fs::write(
        worker.join("entrypoint.sh"),
        "#!/bin/sh\nexec ./other-server\n",
    )
    .unwrap();
    assert!(!generate_stderr(ws.path()).contains("sheets-worker` of package"));
}
