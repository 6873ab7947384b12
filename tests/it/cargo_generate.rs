//! What a user reads from `isogen generate` on Cargo workspaces: the rendered Dockerfiles and
//! ignore files (insta snapshots), and the exit codes and messages of the CLI.

use std::path::Path;

use assert_cmd::Command;
use isogen::config::Config;
use isogen::generate::{plan, Options};
use isogen::workspace::Workspace;
use predicates::prelude::*;

/// Writes `files` under a fresh folder. Without an isogen.toml among them, one making every
/// binary a service is added: these tests are about the build plan, not which binaries run a
/// server (tests/it covers that rule).
fn fixture(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if !files.iter().any(|(p, _)| *p == "isogen.toml") {
        std::fs::write(dir.path().join("isogen.toml"), ALL_BINS).unwrap();
    }
    for (path, content) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
    dir
}

const ALL_BINS: &str = "[workspace]\nservices = [\"*\"]\n";

/// Every file `generate` would write for `services` (all when empty), as (path, contents).
fn rendered(root: &Path, services: &[&str]) -> Vec<(String, String)> {
    let config = Config::load_from_root(root).unwrap();
    let ws = Workspace::discover(root, &config.workspace).unwrap();
    let options = Options {
        services: services.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    plan(&ws, &config.generate, &options)
        .unwrap()
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect()
}

fn services_example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("services-example")
}

#[test]
fn services_example_ledger() {
    let files = rendered(&services_example(), &["ledger"]);
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "crates/ledger/Dockerfile",
            "crates/ledger/Dockerfile.dockerignore"
        ]
    );
    insta::assert_snapshot!("ledger.Dockerfile", files[0].1);
    insta::assert_snapshot!("ledger.Dockerfile.dockerignore", files[1].1);
}

#[test]
fn services_example_two_binaries_of_one_package() {
    let files = rendered(&services_example(), &["inventory-api", "inventory-sync"]);
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "crates/inventory/inventory-api.Dockerfile",
            "crates/inventory/inventory-api.Dockerfile.dockerignore",
            "crates/inventory/inventory-sync.Dockerfile",
            "crates/inventory/inventory-sync.Dockerfile.dockerignore",
        ]
    );
    insta::assert_snapshot!("inventory-api.Dockerfile", files[0].1);
    // The two images differ only in the binary they build and run.
    let bin = |s: &str| {
        s.replace("inventory-api", "BIN")
            .replace("inventory-sync", "BIN")
    };
    let (api, sync) = (bin(&files[0].1), bin(&files[2].1));
    assert_eq!(api, sync);
}

/// A root package that is also a member, a `[patch]` path crate, required features, assets,
/// cache mounts, a custom profile, pinned images and per-service settings from isogen.toml.
#[test]
fn configured_root_package_with_patch_and_cache_mounts() {
    let dir = fixture(&[
        (
            "Cargo.toml",
            r#"[package]
name = "gateway"
version = "1.4.0"
edition = "2021"
description = "Edge gateway"

[workspace]
members = ["crates/*"]

[dependencies]
proto = { path = "crates/proto" }

[[bin]]
name = "gateway"
path = "src/main.rs"
required-features = ["tls"]

[features]
tls = []
metrics = []

[patch.crates-io]
itoa = { path = "vendor/itoa" }

[profile.dist]
inherits = "release"
lto = true
"#,
        ),
        ("Cargo.lock", "version = 4\n"),
        ("rust-toolchain.toml", "[toolchain]\nchannel = \"1.80\"\n"),
        ("build.rs", "fn main() {}\n"),
        ("src/main.rs", "fn main() {}\n"),
        (
            "crates/proto/Cargo.toml",
            "[package]\nname = \"proto\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("crates/proto/src/lib.rs", ""),
        (
            "crates/admin/Cargo.toml",
            "[package]\nname = \"admin\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("crates/admin/src/main.rs", "fn main() {}\n"),
        (
            "vendor/itoa/Cargo.toml",
            "[package]\nname = \"itoa\"\nversion = \"1.0.99\"\nedition = \"2018\"\n",
        ),
        ("vendor/itoa/src/lib.rs", ""),
        (
            "isogen.toml",
            &format!(
                r#"[workspace]
services = ["gateway"]

[generate]
uid = 20000
app_root = "/srv"

[generate.cargo]
runtime_image = "gcr.io/distroless/cc-debian12@sha256:{}"
profile = "dist"
features = ["metrics"]
cache_mounts = true

[generate.services.gateway]
port = 8443
healthcheck = ["/srv/gateway", "--health"]
env = {{ RUST_LOG = "info" }}
assets = ["config/routes.toml", "static/"]
"#,
                "0".repeat(64)
            ),
        ),
    ]);
    let files = rendered(dir.path(), &[]);
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["Dockerfile", "Dockerfile.dockerignore"]);
    insta::assert_snapshot!("gateway-configured.Dockerfile", files[0].1);
    insta::assert_snapshot!("gateway-configured.Dockerfile.dockerignore", files[1].1);
}

#[test]
fn cli_generate_then_check_is_clean_and_a_manifest_edit_is_drift() {
    let dir = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"svc\"]\n"),
        ("Cargo.lock", "version = 4\n"),
        (
            "svc/Cargo.toml",
            "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("svc/src/main.rs", "fn main() {}\n"),
    ]);
    let isogen = || Command::cargo_bin("isogen").unwrap();
    isogen().arg("generate").arg(dir.path()).assert().success();
    assert!(dir.path().join("svc/Dockerfile").is_file());
    isogen()
        .args(["generate", "--check"])
        .arg(dir.path())
        .assert()
        .code(0);
    // A new library crate the service does not use still changes every Dockerfile: cargo reads
    // every member, so the deps stage must copy its manifest.
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[workspace]\nmembers = [\"svc\", \"lib\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("lib/src")).unwrap();
    std::fs::write(
        dir.path().join("lib/Cargo.toml"),
        "[package]\nname = \"lib\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("lib/src/lib.rs"), "").unwrap();
    isogen()
        .args(["generate", "--check"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("svc/Dockerfile"));
}

#[test]
fn cli_bad_member_manifest_exits_2_naming_the_file_and_place() {
    let dir = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
        ("Cargo.lock", "version = 4\n"),
        (
            "crates/api/Cargo.toml",
            "[package]\nname = \"api\"\nversion = \"0.1.0\n",
        ),
        ("crates/api/src/main.rs", "fn main() {}\n"),
    ]);
    Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("crates/api/Cargo.toml:3:"));
    assert!(
        !dir.path().join("crates/api/Dockerfile").exists(),
        "nothing is written"
    );
}

#[test]
fn cli_member_without_manifest_and_glob_matching_nothing_exit_2() {
    let dir = fixture(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\", \"tools/*\"]\n",
        ),
        ("crates/api/src/main.rs", "fn main() {}\n"),
    ]);
    Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("crates/api/Cargo.toml"));
    std::fs::write(
        dir.path().join("crates/api/Cargo.toml"),
        "[package]\nname = \"api\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "Cargo.toml: workspace member pattern `tools/*` matches no folder",
        ));
}

#[test]
fn cli_missing_lockfile_exits_2() {
    let dir = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"api\"]\n"),
        (
            "api/Cargo.toml",
            "[package]\nname = \"api\"\nversion = \"0.1.0\"\n",
        ),
        ("api/src/main.rs", "fn main() {}\n"),
    ]);
    Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no Cargo.lock"));
}

#[test]
fn cli_services_example_cargo_dockerfiles_are_committed_and_current() {
    Command::cargo_bin("isogen")
        .unwrap()
        .args([
            "generate",
            "--check",
            "--service",
            "ledger",
            "--service",
            "inventory-api",
        ])
        .args(["--service", "inventory-sync"])
        .arg(services_example())
        .assert()
        .code(0);
}

/// `.cargo/config.toml` may move the build output (`build.target-dir`) or cross-compile
/// (`build.target`); the builder stage must copy the binary from where cargo really put it.
#[test]
fn cargo_config_target_dir_and_target_triple_are_followed() {
    let files = |config: &str| {
        fixture(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"svc\"]\n"),
            ("Cargo.lock", "version = 4\n"),
            (".cargo/config.toml", config),
            (
                "svc/Cargo.toml",
                "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("svc/src/main.rs", "fn main() {}\n"),
        ])
    };
    let builder_run = |dockerfile: &str| -> String {
        let start = dockerfile.find("FROM deps AS builder").unwrap();
        let end = dockerfile[start..].find("\n\n").unwrap() + start;
        dockerfile[start..end].to_string()
    };

    let dir = files("[build]\ntarget-dir = \"build-out\"\n");
    let df = rendered(dir.path(), &[]).remove(0).1;
    let run = builder_run(&df);
    assert!(
        run.contains("cargo build --locked --release --target-dir /build/target -p svc --bin svc")
            && run.contains("cp /build/target/release/svc /out/svc"),
        "{run}"
    );

    let dir = files("[build]\ntarget = \"x86_64-unknown-linux-musl\"\n");
    let df = rendered(dir.path(), &[]).remove(0).1;
    let run = builder_run(&df);
    assert!(
        run.contains("cp /build/target/x86_64-unknown-linux-musl/release/svc /out/svc"),
        "{run}"
    );

    // A config cargo would refuse is an error naming it, like a manifest.
    let dir =
        files("[build]\ntarget = [\"x86_64-unknown-linux-gnu\", \"aarch64-unknown-linux-gnu\"]\n");
    Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(".cargo/config.toml")
                .and(predicate::str::contains("one target")),
        );
    let dir = files("[build\ntarget = 1\n");
    Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(".cargo/config.toml:1:"));
}

/// A package at the workspace root owns the root folder minus the folders of other packages,
/// as cargo sees it: `include_str!("../README.md")`, a `templates/` folder read at compile
/// time or a `migrations/` folder a macro embeds must reach the build. Other packages' folders,
/// dot-entries (`.git`, `.env`), build output and isogen's own files stay out.
#[test]
fn a_root_package_builds_from_the_root_minus_other_packages() {
    let dir = fixture(&[
        (
            "Cargo.toml",
            "[package]\nname = \"site\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\nmembers = [\"crates/*\"]\n\n[dependencies]\nrender = { path = \"crates/render\" }\n",
        ),
        ("Cargo.lock", "version = 4\n"),
        (
            "src/main.rs",
            "const PAGE: &str = include_str!(\"../templates/page.html\");\nfn main() { println!(\"{PAGE}\"); }\n",
        ),
        ("src/lib.rs", "#![doc = include_str!(\"../README.md\")]\n"),
        ("README.md", "# site\n"),
        ("templates/page.html", "<p>hi</p>\n"),
        ("migrations/0001_init.sql", "create table t (id int);\n"),
        (
            "crates/render/Cargo.toml",
            "[package]\nname = \"render\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("crates/render/src/lib.rs", ""),
        (
            "crates/tool/Cargo.toml",
            "[package]\nname = \"tool\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("crates/tool/src/main.rs", "fn main() {}\n"),
        // A folder holding a package of another workspace (or of pnpm) is not the root
        // package's either.
        ("web/package.json", "{\"name\": \"web\"}\n"),
        ("web/index.js", ""),
        ("examples-ws/demo/Cargo.toml", "[workspace]\n"),
        (".env", "TOKEN=x\n"),
        ("meeting notes.txt", "not source\n"),
        (".github/workflows/ci.yml", "on: push\n"),
        ("target/release/site", ""),
        ("isogen.toml", "[workspace]\nservices = [\"site\"]\n"),
    ]);
    let files = rendered(dir.path(), &["site"]);
    let df = &files[0].1;
    let sources: Vec<&str> = df
        .lines()
        .skip_while(|l| !l.starts_with("FROM scratch AS sources"))
        .skip(1)
        .take_while(|l| l.starts_with("COPY "))
        .collect();
    assert_eq!(
        sources,
        [
            "COPY crates/render /crates/render",
            "COPY README.md /README.md",
            "COPY migrations /migrations",
            "COPY src /src",
            "COPY templates /templates",
        ],
        "{df}"
    );
    let ignore = &files[1].1;
    for kept in ["!README.md", "!templates", "!migrations", "!src"] {
        assert!(ignore.lines().any(|l| l == kept), "{kept} in\n{ignore}");
    }
    for left in ["!web", "!.env", "!examples-ws", "!target", "!crates/tool\n"] {
        assert!(!ignore.contains(left), "{left} in\n{ignore}");
    }
}

/// Features can be set for one service (`[generate.services.<name>] features`); a feature the
/// service's package does not have is an error from generate naming isogen.toml, not a failed
/// `cargo build` minutes into an image build.
#[test]
fn features_per_service_and_unknown_features_named_at_generate_time() {
    let files = |config: &str| {
        fixture(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n"),
            ("Cargo.lock", "version = 4\n"),
            (
                "a/Cargo.toml",
                "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[features]\nfast = []\n\n[dependencies]\nitoa = { version = \"1\", optional = true }\n",
            ),
            ("a/src/main.rs", "fn main() {}\n"),
            (
                "b/Cargo.toml",
                "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("b/src/main.rs", "fn main() {}\n"),
            ("isogen.toml", &format!("{ALL_BINS}{config}")),
        ])
    };
    let build_line = |files: &[(String, String)], path: &str| -> String {
        let df = &files.iter().find(|(p, _)| p == path).unwrap().1;
        df.lines()
            .find(|l| l.contains("&& cargo build"))
            .unwrap()
            .to_string()
    };

    // `itoa` is an optional dependency: an implicit feature of the same name.
    let dir = files(
        "[generate.services.a]\nfeatures = [\"fast\", \"itoa\"]\nno_default_features = true\n",
    );
    let out = rendered(dir.path(), &[]);
    assert!(
        build_line(&out, "a/Dockerfile")
            .ends_with("-p a --bin a --no-default-features --features fast,itoa"),
        "{}",
        build_line(&out, "a/Dockerfile")
    );
    assert!(build_line(&out, "b/Dockerfile").ends_with("-p b --bin b"));

    let dir = files("[generate.cargo]\nfeatures = [\"fast\"]\n");
    Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("isogen.toml").and(predicate::str::contains(
                "package `b` (service `b`) has no feature `fast`",
            )),
        );
    assert!(!dir.path().join("a/Dockerfile").exists(), "nothing written");

    let dir = files("[generate.services.a]\nfeatures = [\"fasst\"]\n");
    Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "[generate.services.a] features: package `a` (service `a`) has no feature `fasst` (its features: fast, itoa)",
        ));
}

/// A workspace that builds offline from `cargo vendor` output: the vendored folder the cargo
/// config names must be in the deps stage, or cargo cannot resolve a single dependency.
#[test]
fn vendored_sources_named_by_the_cargo_config_reach_the_deps_stage() {
    let dir = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"svc\"]\n"),
        ("Cargo.lock", "version = 4\n"),
        (
            ".cargo/config.toml",
            "[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n[source.vendored-sources]\ndirectory = \"third-party/vendor\"\n",
        ),
        ("third-party/vendor/itoa/Cargo.toml", "[package]\nname = \"itoa\"\n"),
        (
            "svc/Cargo.toml",
            "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nitoa = \"1\"\n",
        ),
        ("svc/src/main.rs", "fn main() {}\n"),
    ]);
    let files = rendered(dir.path(), &[]);
    let (df, ignore) = (&files[0].1, &files[1].1);
    let deps_stage = &df[..df.find("FROM ${RUST_IMAGE} AS deps").unwrap()];
    assert!(
        deps_stage.contains("COPY third-party/vendor /third-party/vendor"),
        "{df}"
    );
    assert!(
        ignore.lines().any(|l| l == "!third-party/vendor"),
        "{ignore}"
    );

    std::fs::write(
        dir.path().join(".cargo/config.toml"),
        "[source.vendored]\ndirectory = \"../elsewhere/vendor\"\n",
    )
    .unwrap();
    Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(".cargo/config.toml")
                .and(predicate::str::contains("../elsewhere/vendor")),
        );
}

/// Runs `isogen generate` on `files` and asserts exit 2, every needle in stderr, no panic or
/// serde wording, and nothing written.
fn generate_exits_2(files: &[(&str, &str)], needles: &[&str]) {
    let dir = fixture(files);
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{files:?}: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in: {stderr}");
    }
    for wording in ["untagged enum", "panicked", "invalid type: map"] {
        assert!(!stderr.contains(wording), "{wording:?} in: {stderr}");
    }
    let written: Vec<_> = walkdir::WalkDir::new(dir.path())
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("Dockerfile"))
        .collect();
    assert!(written.is_empty(), "nothing is written: {written:?}");
}

const LOCK: (&str, &str) = ("Cargo.lock", "version = 4\n");
const MAIN: (&str, &str) = ("src/main.rs", "fn main() {}\n");

fn package(extra: &str) -> String {
    format!("[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{extra}")
}

/// Cargo refuses a target whose file is missing; so does generate, naming the manifest and the
/// key, instead of writing a Dockerfile whose build fails later.
#[test]
fn target_paths_that_do_not_exist_exit_2_naming_the_key() {
    let bin = package("\n[[bin]]\nname = \"worker\"\npath = \"src/bin/wrker.rs\"\n");
    generate_exits_2(
        &[("Cargo.toml", &bin), LOCK, MAIN],
        &["Cargo.toml:8:", "[[bin]] `worker`", "src/bin/wrker.rs"],
    );
    let lib = package("\n[lib]\npath = \"src/library.rs\"\n");
    generate_exits_2(
        &[("Cargo.toml", &lib), LOCK, MAIN],
        &["Cargo.toml:7:", "[lib]", "src/library.rs"],
    );
    let build = package("build = \"gen.rs\"\n");
    generate_exits_2(
        &[("Cargo.toml", &build), LOCK, MAIN],
        &["Cargo.toml:5:", "package.build", "gen.rs"],
    );
    // Outside the package folder: cargo builds it, but the image build copies only the
    // package's folder and would compile the stub in its place (a binary that does nothing).
    generate_exits_2(
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
            LOCK,
            (
                "crates/api/Cargo.toml",
                "[package]\nname = \"api\"\nversion = \"0.1.0\"\n\n[[bin]]\nname = \"api\"\npath = \"../../shared/main.rs\"\n",
            ),
            ("shared/main.rs", "fn main() {}\n"),
        ],
        &["crates/api/Cargo.toml:7:", "outside the package folder"],
    );
    // A member's: the member's manifest is named.
    generate_exits_2(
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
            LOCK,
            (
                "crates/api/Cargo.toml",
                "[package]\nname = \"api\"\nversion = \"0.1.0\"\n\n[[bin]]\nname = \"api\"\npath = \"main.rs\"\n",
            ),
            ("crates/api/src/main.rs", "fn main() {}\n"),
        ],
        &["crates/api/Cargo.toml:7:", "main.rs"],
    );
}

/// `field.workspace = true` needs the field in the root's [workspace.package] (or the
/// dependency in [workspace.dependencies]), whatever the field.
#[test]
fn inherited_fields_the_workspace_does_not_define_exit_2() {
    let root = "[workspace]\nmembers = [\"api\"]\n\n[workspace.package]\nversion = \"1.0.0\"\n";
    for (field, needle) in [
        ("license.workspace = true", "`license`"),
        ("authors = { workspace = true }", "`authors`"),
        ("edition.workspace = true", "`edition`"),
        ("rust-version.workspace = true", "`rust-version`"),
    ] {
        let member = format!("[package]\nname = \"api\"\nversion.workspace = true\n{field}\n");
        generate_exits_2(
            &[
                ("Cargo.toml", root),
                LOCK,
                ("api/Cargo.toml", &member),
                ("api/src/main.rs", "fn main() {}\n"),
            ],
            &["api/Cargo.toml:4:", needle, "[workspace.package]"],
        );
    }
    let member = "[package]\nname = \"api\"\nversion = \"0.1.0\"\n\n[lints]\nworkspace = true\n";
    generate_exits_2(
        &[
            ("Cargo.toml", root),
            LOCK,
            ("api/Cargo.toml", member),
            ("api/src/main.rs", "fn main() {}\n"),
        ],
        &["api/Cargo.toml", "[workspace.lints]"],
    );
    let member = "[package]\nname = \"api\"\nversion = \"0.1.0\"\n\n[build-dependencies]\ncc.workspace = true\n";
    generate_exits_2(
        &[
            ("Cargo.toml", root),
            LOCK,
            ("api/Cargo.toml", member),
            ("api/src/main.rs", "fn main() {}\n"),
        ],
        &["api/Cargo.toml:6:", "`cc`", "[workspace.dependencies]"],
    );
}

#[test]
fn required_features_the_package_does_not_define_exit_2() {
    let manifest = package(
        "\n[features]\nmetrics = []\n\n[[bin]]\nname = \"svc\"\npath = \"src/main.rs\"\nrequired-features = [\"tls\"]\n",
    );
    generate_exits_2(
        &[("Cargo.toml", &manifest), LOCK, MAIN],
        &["Cargo.toml:12:", "`tls`", "metrics"],
    );
    // An optional dependency's implicit feature counts; `dep/feature` is left to cargo.
    let manifest = package(
        "\n[dependencies]\nrustls = { version = \"0.23\", optional = true }\n\n[[bin]]\nname = \"svc\"\npath = \"src/main.rs\"\nrequired-features = [\"rustls\", \"rustls/ring\"]\n",
    );
    let dir = fixture(&[("Cargo.toml", &manifest), LOCK, MAIN]);
    Command::cargo_bin("isogen")
        .unwrap()
        .args(["generate", "--dry-run"])
        .arg(dir.path())
        .assert()
        .code(0);
}

#[test]
fn a_lockfile_that_does_not_parse_exits_2_naming_it() {
    let manifest = package("");
    generate_exits_2(
        &[
            ("Cargo.toml", &manifest),
            ("Cargo.lock", "version = 4\n\n[[package]\nname = \"svc\"\n"),
            MAIN,
        ],
        &["Cargo.lock:3:"],
    );
    generate_exits_2(
        &[
            ("Cargo.toml", &manifest),
            ("Cargo.lock", "version = 4\n\n[[package]]\nname = 3\n"),
            MAIN,
        ],
        &["Cargo.lock:4:"],
    );
}

/// Wrong types are named by file, line and key in cargo's words, not serde's enum names.
#[test]
fn features_and_package_fields_of_the_wrong_type_exit_2() {
    for (manifest, needles) in [
        (
            package("\n[features]\ndefault = \"tls\"\n"),
            vec!["Cargo.toml:7:", "expected a sequence"],
        ),
        (
            package("\n[features]\ndefault = [1]\n"),
            vec!["Cargo.toml:7:", "expected a string"],
        ),
        (
            package("\n[features]\ndefault = [\"tls\"]\n"),
            vec!["Cargo.toml:7:", "`default`", "`tls`"],
        ),
        (
            "[package]\nname = 3\nversion = \"0.1.0\"\n".to_string(),
            vec!["Cargo.toml:2:", "expected a string"],
        ),
        (
            "[package]\nname = \"svc\"\nedition = 2021\n".to_string(),
            vec![
                "Cargo.toml:3:",
                "expected a string or `{ workspace = true }`",
            ],
        ),
        (
            "[package]\nname = \"svc\"\nversion = { workspace = \"yes\" }\n".to_string(),
            vec!["Cargo.toml:3:"],
        ),
        (
            package("build = 3\n"),
            vec!["Cargo.toml:5:", "expected a boolean or a string"],
        ),
        (
            package("autobins = \"no\"\n"),
            vec!["Cargo.toml:5:", "expected a boolean"],
        ),
    ] {
        generate_exits_2(&[("Cargo.toml", &manifest), LOCK, MAIN], &needles);
    }
}

/// Cargo follows a symlinked member folder, but a build context does not carry what is behind
/// the link: generate says so (before, the member was silently no member, and every Dockerfile
/// of the workspace missed it).
#[cfg(unix)]
#[test]
fn a_symlinked_member_folder_exits_2_naming_the_link() {
    let dir = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
        LOCK,
        (
            "real/b/Cargo.toml",
            "[package]\nname = \"b\"\nversion = \"0.1.0\"\n",
        ),
        ("real/b/src/main.rs", "fn main() {}\n"),
        (
            "crates/a/Cargo.toml",
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\n",
        ),
        ("crates/a/src/main.rs", "fn main() {}\n"),
    ]);
    std::os::unix::fs::symlink("../real/b", dir.path().join("crates/b")).unwrap();
    Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("crates/b/Cargo.toml"))
        .stderr(predicate::str::contains("symbolic link `crates/b`"));
    assert!(!dir.path().join("crates/a/Dockerfile").exists());
}

/// Names go into `cargo build -p`, file names and the Dockerfile's shell commands: a package name
/// cargo refuses, and a binary name that is not plain, exit 2 instead of a Dockerfile whose
/// `cp /build/target/release/x;rm -rf ...` runs a second command.
#[test]
fn package_and_binary_names_that_are_not_plain_exit_2() {
    generate_exits_2(
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"my app\"\nversion = \"0.1.0\"\n",
            ),
            LOCK,
            MAIN,
        ],
        &["Cargo.toml:2:", "invalid package name \"my app\""],
    );
    let bin = package("\n[[bin]]\nname = \"x;rm -rf\"\npath = \"src/main.rs\"\n");
    generate_exits_2(
        &[("Cargo.toml", &bin), LOCK, MAIN],
        &[
            "Cargo.toml",
            "binary \"x;rm -rf\" of package `svc` cannot be a service",
        ],
    );
    for name in ["", "deps"] {
        let bin = package(&format!(
            "\n[[bin]]\nname = \"{name}\"\npath = \"src/main.rs\"\n"
        ));
        generate_exits_2(&[("Cargo.toml", &bin), LOCK, MAIN], &["Cargo.toml"]);
    }
    // Left out of the services, such a binary is no problem.
    let dir = fixture(&[
        ("Cargo.toml", &bin),
        LOCK,
        MAIN,
        ("src/bin/ok.rs", "fn main() {}\n"),
        ("isogen.toml", "[workspace]\nservices = [\"ok\"]\n"),
    ]);
    Command::cargo_bin("isogen")
        .unwrap()
        .args(["generate", "--dry-run"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Image of the service `ok`"));
}

/// A dependency declared several times (dev, per target) is optional when any declaration is,
/// as cargo has it (fastrand's `js` feature and indexmap's `dep:serde` are written so): such
/// features are accepted, not refused as naming a non-optional dependency.
#[test]
fn a_feature_naming_a_dependency_optional_in_one_of_its_declarations_is_accepted() {
    let manifest = package(
        "\n[features]\njs = [\"getrandom\"]\nserde = [\"dep:serde\"]\n\
         \n[dev-dependencies]\ngetrandom = \"0.2\"\nserde = \"1\"\n\
         \n[target.'cfg(target_os = \"unknown\")'.dependencies]\n\
         getrandom = { version = \"0.2\", optional = true }\n\
         \n[target.\"cfg(any())\".dependencies]\nserde = { version = \"1\", optional = true }\n",
    );
    let dir = fixture(&[("Cargo.toml", &manifest), LOCK, MAIN]);
    Command::cargo_bin("isogen")
        .unwrap()
        .args(["generate", "--dry-run"])
        .arg(dir.path())
        .assert()
        .success();
}

// ---------------------------------------------------------------------------------------------
// Which binaries are services, per-service run settings, every error in one run.

/// A workspace of a server (axum) and a CLI (clap): only the server gets an image; a
/// workspace of tools only is exit 2 naming the rule and the settings.
#[test]
fn only_binaries_of_packages_that_run_a_server_are_services() {
    let server = "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\naxum = \"0.7\"\n";
    let cli = "[package]\nname = \"admin-cli\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nclap = \"4\"\n";
    let dir = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"api\", \"cli\"]\n"),
        LOCK,
        ("api/Cargo.toml", server),
        ("api/src/main.rs", "fn main() {}\n"),
        ("cli/Cargo.toml", cli),
        ("cli/src/main.rs", "fn main() {}\n"),
        ("isogen.toml", ""),
    ]);
    let paths: Vec<String> = rendered(dir.path(), &[])
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(paths, ["api/Dockerfile", "api/Dockerfile.dockerignore"]);

    generate_exits_2(
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"cli\"]\n"),
            LOCK,
            ("cli/Cargo.toml", cli),
            ("cli/src/main.rs", "fn main() {}\n"),
            ("isogen.toml", ""),
        ],
        &[
            "no services found",
            "depends on a server framework (axum, actix-web",
            "[workspace] services",
            "not_services",
        ],
    );
}

/// sshx's shape: a gRPC server and a gRPC client CLI both depend on tonic, the server's package
/// also holds a `-ctl` binary, and the protocol crate's build script compiles a `.proto` at the
/// workspace root with tonic-build. Only the server gets an image; its build gets `protoc` and
/// the root `.proto`. With the server gone, "no services" names each binary and why it is a
/// tool.
#[test]
fn grpc_clients_and_tool_named_binaries_are_tools_and_protoc_joins_the_build() {
    let pkg = |name: &str, deps: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n{deps}")
    };
    let server = pkg(
        "rpc-server",
        "[dependencies]\ntonic = \"0.12\"\nrpc-proto = { path = \"../proto-crate\" }\n",
    );
    let client = pkg("rpc", "[dependencies]\ntonic = \"0.12\"\n");
    let proto = pkg(
        "rpc-proto",
        "[build-dependencies]\ntonic-build = \"0.12\"\n",
    );
    let serve = "fn main() { tonic::transport::Server::builder(); }\n";
    let connect = "fn main() { tonic::transport::Channel::from_static(\"http://[::1]:50051\"); }\n";
    let build_rs = "fn main() { tonic_build::compile_protos(\"../proto/rpc.proto\").unwrap(); }\n";
    let mut files = vec![
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"server\", \"client\", \"proto-crate\"]\n",
        ),
        LOCK,
        ("isogen.toml", ""),
        ("proto/rpc.proto", "syntax = \"proto3\";\n"),
        ("proto-crate/Cargo.toml", &proto),
        ("proto-crate/build.rs", build_rs),
        ("proto-crate/src/lib.rs", ""),
        ("client/Cargo.toml", &client),
        ("client/src/main.rs", connect),
    ];
    // A thin binary over a workspace library that starts the server is a server too.
    let gateway = pkg(
        "gateway",
        "[dependencies]\ntonic = \"0.12\"\ngateway-core = { path = \"../gateway-core\" }\n",
    );
    let gateway_core = pkg("gateway-core", "[dependencies]\ntonic = \"0.12\"\n");
    let with_server = [
        ("server/Cargo.toml", server.as_str()),
        ("server/src/main.rs", serve),
        ("server/src/bin/rpc-ctl.rs", "fn main() {}\n"),
        ("gateway/Cargo.toml", gateway.as_str()),
        (
            "gateway/src/main.rs",
            "fn main() { gateway_core::run(); }\n",
        ),
        ("gateway-core/Cargo.toml", gateway_core.as_str()),
        (
            "gateway-core/src/lib.rs",
            "pub fn run() { tonic::transport::Server::builder(); }\n",
        ),
    ];
    let mut all: Vec<(&str, &str)> = files.iter().copied().chain(with_server).collect();
    all[0] = (
        "Cargo.toml",
        "[workspace]\nmembers = [\"server\", \"client\", \"proto-crate\", \"gateway\", \"gateway-core\"]\n",
    );
    let dir = fixture(&all);
    let files_out = rendered(dir.path(), &[]);
    let paths: Vec<&str> = files_out.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "gateway/Dockerfile",
            "gateway/Dockerfile.dockerignore",
            "server/Dockerfile",
            "server/Dockerfile.dockerignore"
        ]
    );
    let dockerfile = &files_out[2].1;
    assert!(
        dockerfile.contains("apt-get install -y --no-install-recommends protobuf-compiler"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("COPY proto/rpc.proto /proto/rpc.proto"),
        "{dockerfile}"
    );
    assert!(
        files_out[3].1.contains("\n!proto/rpc.proto\n"),
        "{}",
        files_out[3].1
    );

    files[0] = (
        "Cargo.toml",
        "[workspace]\nmembers = [\"client\", \"proto-crate\"]\n",
    );
    generate_exits_2(
        &files,
        &[
            "no services found",
            "Cargo binaries found, all tools:\n  rpc (package `rpc`): package `rpc` uses tonic but \
             its sources start no server",
        ],
    );
}

/// `cargo sqlx prepare --workspace` leaves the offline query data in `.sqlx/` at the root,
/// which `sqlx::query!` reads at compile time: it reaches the build of a service whose crates
/// use sqlx, and not the build of one that does not.
#[test]
fn root_sqlx_offline_data_is_a_build_input_of_sqlx_users_only() {
    let api = "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\naxum = \"0.7\"\nsqlx = \"0.8\"\n";
    let web = "[package]\nname = \"web\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\naxum = \"0.7\"\n";
    let dir = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"api\", \"web\"]\n"),
        LOCK,
        ("isogen.toml", ""),
        (".sqlx/query-1f2e.json", "{}\n"),
        ("api/Cargo.toml", api),
        ("api/src/main.rs", "fn main() {}\n"),
        ("web/Cargo.toml", web),
        ("web/src/main.rs", "fn main() {}\n"),
    ]);
    let files = rendered(dir.path(), &[]);
    let file = |path: &str| &files.iter().find(|(p, _)| p == path).unwrap().1;
    assert!(file("api/Dockerfile").contains("COPY .sqlx /.sqlx\n"));
    assert!(file("api/Dockerfile.dockerignore").contains("\n!.sqlx\n"));
    assert!(!file("web/Dockerfile").contains(".sqlx"));
}

/// Settings for a binary the default rule made a tool say why and how to make it a service, in
/// the same run as the services' own errors.
#[test]
fn settings_for_a_tool_binary_say_why_with_the_other_errors() {
    let kv = "[package]\nname = \"kvstore\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntiny_http = \"0.12\"\n";
    generate_exits_2(
        &[
            ("Cargo.toml", kv),
            LOCK,
            ("src/bin/kv-server.rs", "fn main() {}\n"),
            ("src/bin/kv-cli.rs", "fn main() {}\n"),
            (
                "isogen.toml",
                "[generate.services.kv-cli]\nargs = [\"get\"]\n\n[generate.services.kv-server]\nfeatures = [\"nope\"]\n",
            ),
        ],
        &[
            "[generate.services.kv-cli]: no service is named `kv-cli` (services: kv-server); \
             `kv-cli` is a binary of package `kvstore` that is a tool (its name says it is a \
             tool): add it to [workspace] services",
            "[generate.services.kv-server] features: package `kvstore` (service `kv-server`) \
             has no feature `nope`",
        ],
    );
}

/// cmd/args, env, expose, a healthcheck with timings, a stop signal, writable folders (one outside the app
/// root, so its parents are created root-owned first), a VOLUME, build inputs (configured, and
/// one found in include_str!), builder and runtime packages: what the Dockerfile says.
#[test]
fn run_settings_reach_the_cargo_dockerfile() {
    let server = "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\naxum = \"0.7\"\nsqlx = \"0.8\"\n";
    let dir = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"crates/api\"]\n"),
        LOCK,
        ("VERSION", "1.2.3\n"),
        ("crates/api/Cargo.toml", server),
        ("crates/api/.env", "DATABASE_URL=sqlite://build.db\n"),
        (
            "crates/api/src/main.rs",
            "const V: &str = include_str!(\"../../../VERSION\");\nfn main() { println!(\"{V}\"); }\n",
        ),
        (
            "isogen.toml",
            r#"[generate.services.api]
args = ["serve", "--port", "8080"]
port = 8080
expose = [9090, 8080]
env = { RUST_LOG = "info" }
healthcheck = { cmd = ["/app/api", "health"], interval = "30s", timeout = "5s", start_period = "1m", retries = 3 }
writable = ["data", { path = "/var/lib/api/state", volume = true }]
build_inputs = ["crates/api/.env"]
builder_packages = ["cmake", "protobuf-compiler"]
runtime_packages = ["libpq5"]
stop_signal = "sigint"
"#,
        ),
    ]);
    let files = rendered(dir.path(), &[]);
    insta::assert_snapshot!("api-run-settings.Dockerfile", files[0].1);
    insta::assert_snapshot!("api-run-settings.Dockerfile.dockerignore", files[1].1);
}

/// Settings that cannot work are named with the setting: a writable folder that would make the
/// app root the user's, one under /tmp, an empty cmd.
#[test]
fn run_settings_that_cannot_work_exit_2_naming_the_setting() {
    let server = "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\naxum = \"0.7\"\n";
    for (setting, needle) in [
        (
            "writable = [\".\"]",
            "writable: \".\" is /app, which holds the service's own files",
        ),
        ("writable = [\"/tmp/cache\"]", "is under /tmp"),
        ("cmd = []", "cmd: the list is empty"),
        (
            "healthcheck = { cmd = \"\" }",
            "healthcheck: expected one non-empty line",
        ),
    ] {
        generate_exits_2(
            &[
                ("Cargo.toml", server),
                LOCK,
                MAIN,
                (
                    "isogen.toml",
                    &format!("[generate.services.api]\n{setting}\n"),
                ),
            ],
            &["isogen.toml", "[generate.services.api]", needle],
        );
    }
}

/// Every failing service is reported in one run, each with its fix, and nothing is written;
/// `--keep-going` writes the services that work and still exits 2.
#[test]
fn every_failing_service_is_reported_and_nothing_is_written() {
    let pkg = |name: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\naxum = \"0.7\"\n")
    };
    let (a, b, c) = (pkg("a"), pkg("b"), pkg("c"));
    let dir = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\", \"c\"]\n"),
        LOCK,
        ("a/Cargo.toml", &a),
        ("a/src/main.rs", "fn main() {}\n"),
        ("b/Cargo.toml", &b),
        ("b/src/main.rs", "fn main() {}\n"),
        ("c/Cargo.toml", &c),
        ("c/src/main.rs", "fn main() {}\n"),
        (
            "isogen.toml",
            "[generate.services.a]\nfeatures = [\"nope\"]\n\n[generate.services.b]\nassets = [\"../up\"]\n",
        ),
    ]);
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "[generate.services.a] features: package `a` (service `a`) has no feature `nope`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("[generate.services.b] assets: \"../up\" must be a plain path"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 services failed; nothing was written"),
        "{stderr}"
    );
    assert!(!dir.path().join("c/Dockerfile").exists());

    let out = Command::cargo_bin("isogen")
        .unwrap()
        .args(["generate", "--keep-going"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(dir.path().join("c/Dockerfile").is_file());
    assert!(!dir.path().join("a/Dockerfile").exists());
}

/// Debian packages for a Node service, as for Cargo: `builder_packages` installed in the
/// stage every build stage starts from, `runtime_packages` unpacked into the runtime image
/// (Prisma's engine needs libssl3, a native addon its shared library); `workdir` is still
/// refused by name, never dropped.
#[test]
fn debian_packages_of_a_node_service_are_installed() {
    let dir = fixture(&[
        ("pnpm-workspace.yaml", "packages:\n  - services/*\n"),
        (
            "package.json",
            "{\"name\":\"root\",\"private\":true,\"packageManager\":\"pnpm@9.12.0\"}",
        ),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\nimporters:\n  .: {}\n  services/web: {}\n",
        ),
        (
            "services/web/package.json",
            "{\"name\":\"web\",\"version\":\"1.0.0\",\"main\":\"index.js\"}",
        ),
        ("services/web/index.js", crate::SERVE_CJS),
        (
            "isogen.toml",
            "[generate.services.web]\nbuilder_packages = [\"libvips-dev\"]\nruntime_packages = [\"libvips42\", \"libvips42\"]\n",
        ),
    ]);
    let dry_run = || {
        (Command::cargo_bin("isogen").unwrap())
            .args(["generate", "--dry-run"])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let out = dry_run();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("AS base\nENV CI=true\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends libvips-dev \\\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(" && apt-get download libvips42 \\\n")
            && stdout.contains("\nCOPY --from=runtime-packages /tmp/root/ /\n")
            && !stdout.contains("Added by isogen"),
        "{stdout}"
    );

    std::fs::write(
        dir.path().join("isogen.toml"),
        "[generate.services.web]\nworkdir = \"/data\"\n",
    )
    .unwrap();
    let out = dry_run();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("[generate.services.web] workdir: not supported for Node services yet"),
        "{stderr}"
    );
}

/// A root asset: built at the root by another tool, shipped at the working directory; a
/// mistyped table names isogen.toml's line and the keys it takes; nothing is written.
#[test]
fn cli_root_asset_is_shipped_once_built_and_a_bad_table_is_refused() {
    let files = [
        ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
        ("Cargo.lock", "version = 4\n"),
        (
            "crates/api/Cargo.toml",
            "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("crates/api/src/main.rs", "fn main() {}\n"),
        ("web/build/index.html", "<html></html>\n"),
        (
            "isogen.toml",
            "[workspace]\nservices = [\"*\"]\n\n[generate.services.api]\n\
             assets = [{ from_root = \"web/build\", to = \"build\" }]\n",
        ),
    ];
    let dir = fixture(&files);
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning"),
        "web/build exists: no warning"
    );
    let dockerfile = std::fs::read_to_string(dir.path().join("crates/api/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("COPY web/build /app/build\n")
            && dockerfile.contains("# Before building the image, build `web/build`"),
        "{dockerfile}"
    );
    let ignore =
        std::fs::read_to_string(dir.path().join("crates/api/Dockerfile.dockerignore")).unwrap();
    assert!(ignore.contains("\n!web/build\n"), "{ignore}");

    let dir = fixture(&files);
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[workspace]\nservices = [\"*\"]\n\n[generate.services.api]\n\
         assets = [{ src = \"web/build\" }]\n",
    )
    .unwrap();
    Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("isogen.toml:5:").and(predicate::str::contains(
                "unknown field `src`, expected `from_root` or `to`",
            )),
        );
    assert!(!dir.path().join("crates/api/Dockerfile").exists());
}

/// garage's and kanidmd's shape: the server's command line (clap or structopt) requires a
/// subcommand (`garage server`), in the top-level struct, possibly in a file pasted in with
/// `include!`. Run bare, the image would print the usage and exit, so generate refuses it,
/// naming the file and line, until `args` says what to run; a nested or optional subcommand
/// (lemmy's `migration <run>` under an `Option`) is no reason.
#[test]
fn a_server_whose_command_line_requires_a_subcommand_needs_args() {
    let server = "[package]\nname = \"store\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\naxum = \"0.7\"\n";
    let main = "include!(\"./opt.rs\");\nfn main() {}\n";
    let opt = "#[derive(StructOpt, Debug)]\n#[structopt(\n\tname = \"store\",\n)]\nstruct Opt {\n\t#[structopt(subcommand)]\n\tcmd: Command,\n}\n";
    let files = [
        ("Cargo.toml", "[workspace]\nmembers = [\"store\"]\n"),
        LOCK,
        ("isogen.toml", ""),
        ("store/Cargo.toml", server),
        ("store/src/main.rs", main),
        ("store/src/opt.rs", opt),
    ];
    generate_exits_2(
        &files,
        &[
            "store/src/opt.rs:6: binary `store` (service `store`) needs a subcommand",
            "args = [\"<subcommand>\", ...]",
        ],
    );

    let mut with_args = files.to_vec();
    with_args[2] = (
        "isogen.toml",
        "[generate.services.store]\nargs = [\"server\"]\n",
    );
    let dir = fixture(&with_args);
    let out = rendered(dir.path(), &[]);
    assert!(
        out[0].1.contains("CMD [\"/app/store\", \"server\"]"),
        "{}",
        out[0].1
    );

    let optional = "#[derive(Parser)]\nstruct Cmd {\n  #[command(subcommand)]\n  subcommand: Option<Sub>,\n}\n#[derive(Subcommand)]\nenum Sub {\n  Migration {\n    #[command(subcommand)]\n    subcommand: MigrationSub,\n  },\n}\n";
    let mut lemmy = files.to_vec();
    lemmy[5] = ("store/src/opt.rs", optional);
    let dir = fixture(&lemmy);
    assert_eq!(rendered(dir.path(), &[]).len(), 2);
}

/// One run says everything: the warnings of the services that plan (a system library the
/// runtime image lacks) come with another service's error, not once that error is fixed.
#[test]
fn the_warnings_of_the_other_services_come_with_an_error() {
    let server = |name: &str, deps: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\naxum = \"0.7\"\n{deps}"
        )
    };
    let lock = "version = 4\n\n[[package]]\nname = \"api\"\nversion = \"0.1.0\"\n\
                dependencies = [\"pq-sys\"]\n\n[[package]]\nname = \"pq-sys\"\nversion = \"0.7.5\"\n\
                source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
                [[package]]\nname = \"store\"\nversion = \"0.1.0\"\n";
    let opt = "#[derive(Parser)]\nstruct Opt {\n    #[command(subcommand)]\n    cmd: Cmd,\n}\n";
    let api = server("api", "pq-sys = \"0.7\"\n");
    let store = server("store", "");
    generate_exits_2(
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"api\", \"store\"]\n",
            ),
            ("Cargo.lock", lock),
            ("api/Cargo.toml", &api),
            ("api/src/main.rs", "fn main() {}\n"),
            ("store/Cargo.toml", &store),
            ("store/src/main.rs", "mod opt;\nfn main() {}\n"),
            ("store/src/opt.rs", opt),
        ],
        &[
            "warning: service `api` links the system library libpq.so.5",
            "binary `store` (service `store`) needs a subcommand",
        ],
    );
}

/// quickwit's and qdrant's shape: a `-sys` crate built with cmake (`rdkafka-sys` through
/// rdkafka's `cmake-build`) is named with the builder package that installs cmake; an optional
/// crate that only a non-default feature enables (qdrant's `gpu` crate and `shaderc-sys`),
/// though Cargo.lock lists it, is not; `builder_packages` silences the warning.
#[test]
fn a_build_that_runs_cmake_names_the_builder_package() {
    let lock = "version = 4\n\n\
        [[package]]\nname = \"api\"\nversion = \"0.1.0\"\ndependencies = [\"axum\", \"gpu\", \"rdkafka\"]\n\n\
        [[package]]\nname = \"gpu\"\nversion = \"0.1.0\"\ndependencies = [\"shaderc\"]\n\n\
        [[package]]\nname = \"shaderc\"\nversion = \"0.10.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\ndependencies = [\"shaderc-sys\"]\n\n\
        [[package]]\nname = \"shaderc-sys\"\nversion = \"0.10.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\ndependencies = [\"cmake\"]\n\n\
        [[package]]\nname = \"rdkafka\"\nversion = \"0.37.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\ndependencies = [\"rdkafka-sys\"]\n\n\
        [[package]]\nname = \"rdkafka-sys\"\nversion = \"4.8.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\ndependencies = [\"cmake\"]\n\n\
        [[package]]\nname = \"cmake\"\nversion = \"0.1.54\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
        [[package]]\nname = \"axum\"\nversion = \"0.7.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let files = [
        ("Cargo.toml", "[workspace]\nmembers = [\"api\", \"gpu\"]\n"),
        ("Cargo.lock", lock),
        (
            "api/Cargo.toml",
            "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [features]\ngpu = [\"gpu/gpu\"]\n\n[dependencies]\naxum = \"0.7\"\n\
             gpu = { path = \"../gpu\" }\nrdkafka = { version = \"0.37\", features = [\"cmake-build\"] }\n",
        ),
        ("api/src/main.rs", "fn main() {}\n"),
        (
            "gpu/Cargo.toml",
            "[package]\nname = \"gpu\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [features]\ngpu = [\"dep:shaderc\"]\n\n[dependencies]\nshaderc = { version = \"0.10\", optional = true }\n",
        ),
        ("gpu/src/lib.rs", ""),
    ];
    let dir = fixture(&files);
    let warnings = |dir: &Path| {
        let config = Config::load_from_root(dir).unwrap();
        let ws = Workspace::discover(dir, &config.workspace).unwrap();
        plan(&ws, &config.generate, &Options::default())
            .unwrap()
            .warnings
    };
    let found = warnings(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(
            "run cmake (through the `cmake` crate) at build time (`rdkafka-sys`, in Cargo.lock)"
        ),
        "{}",
        found[0]
    );
    assert!(found[0].contains("builder_packages = [\"cmake\", ...] to [generate.services.api]"));
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[generate.services.api]\nbuilder_packages = [\"cmake\"]\n",
    )
    .unwrap();
    assert!(warnings(dir.path()).is_empty());
}

/// oxigraph's shape: `oxigraph-cli` serves SPARQL with oxhttp (`use oxhttp::Server;` then
/// `Server::new(...)`, under `oxigraph serve`): oxhttp is a server framework, so the binary is
/// a service (it was a tool: "depends on no server framework"); a crate that only uses
/// oxhttp's `Client` stays a tool.
#[test]
fn an_oxhttp_server_is_a_service_and_an_oxhttp_client_is_not() {
    let manifest =
        "[package]\nname = \"oxigraph-cli\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                    [[bin]]\nname = \"oxigraph\"\npath = \"src/main.rs\"\n\n\
                    [dependencies]\noxhttp = \"0.3\"\n";
    let lock = "version = 4\n\n[[package]]\nname = \"oxigraph-cli\"\nversion = \"0.1.0\"\n\
                dependencies = [\"oxhttp\"]\n\n[[package]]\nname = \"oxhttp\"\nversion = \"0.3.0\"\n\
                source = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let services = |main: &str| {
        let dir = fixture(&[
            ("isogen.toml", ""),
            ("Cargo.toml", manifest),
            ("Cargo.lock", lock),
            ("src/main.rs", main),
        ]);
        let config = Config::load_from_root(dir.path()).unwrap();
        let ws = Workspace::discover(dir.path(), &config.workspace).unwrap();
        ws.services
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        services("use oxhttp::Server;\nfn main() { Server::new(|_| todo!()).spawn(); }\n"),
        ["oxigraph"]
    );
    assert!(services("fn main() { oxhttp::Client::new().request(r); }\n").is_empty());
}

/// vaultwarden's and wstunnel's shape: Cargo.lock lists crates that only a feature the build
/// leaves off compiles. vaultwarden asks diesel for Postgres only in its `postgresql` feature
/// (not default), yet the lockfile lists `pq-sys` under diesel; every aws-lc-rs entry lists
/// `aws-lc-fips-sys` (which runs cmake), built only with a `fips` feature. Neither is warned
/// about; enabling `postgresql` with isogen.toml `features` brings the libpq warning back.
#[test]
fn crates_only_a_feature_left_off_builds_are_not_warned_about() {
    let reg = "source = \"registry+https://github.com/rust-lang/crates.io-index\"";
    let lock = format!(
        "version = 4\n\n\
         [[package]]\nname = \"vault\"\nversion = \"0.1.0\"\ndependencies = [\"axum\", \"diesel\", \"rustls\"]\n\n\
         [[package]]\nname = \"axum\"\nversion = \"0.7.0\"\n{reg}\n\n\
         [[package]]\nname = \"diesel\"\nversion = \"2.3.7\"\n{reg}\ndependencies = [\"pq-sys\", \"mysqlclient-sys\"]\n\n\
         [[package]]\nname = \"pq-sys\"\nversion = \"0.7.5\"\n{reg}\n\n\
         [[package]]\nname = \"mysqlclient-sys\"\nversion = \"0.4.7\"\n{reg}\n\n\
         [[package]]\nname = \"rustls\"\nversion = \"0.23.0\"\n{reg}\ndependencies = [\"aws-lc-rs\"]\n\n\
         [[package]]\nname = \"aws-lc-rs\"\nversion = \"1.17.0\"\n{reg}\ndependencies = [\"aws-lc-fips-sys\", \"aws-lc-sys\"]\n\n\
         [[package]]\nname = \"aws-lc-sys\"\nversion = \"0.30.0\"\n{reg}\ndependencies = [\"cmake\"]\n\n\
         [[package]]\nname = \"aws-lc-fips-sys\"\nversion = \"0.13.0\"\n{reg}\ndependencies = [\"cmake\"]\n\n\
         [[package]]\nname = \"cmake\"\nversion = \"0.1.54\"\n{reg}\n"
    );
    let files = [
        ("Cargo.lock", lock.as_str()),
        (
            "Cargo.toml",
            "[package]\nname = \"vault\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [features]\ndefault = []\npostgresql = [\"diesel/postgres\"]\nmysql = [\"diesel/mysql\"]\n\n\
             [dependencies]\naxum = \"0.7\"\ndiesel = { version = \"2.3\", features = [\"chrono\"] }\n\
             rustls = \"0.23\"\n",
        ),
        ("src/main.rs", "fn main() {}\n"),
    ];
    let dir = fixture(&files);
    let warnings = |dir: &Path| {
        let config = Config::load_from_root(dir).unwrap();
        let ws = Workspace::discover(dir, &config.workspace).unwrap();
        plan(&ws, &config.generate, &Options::default())
            .unwrap()
            .warnings
    };
    let found = warnings(dir.path());
    assert!(found.is_empty(), "{found:?}");
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[generate.services.vault]\nfeatures = [\"postgresql\"]\n",
    )
    .unwrap();
    let found = warnings(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("libpq.so.5 (crate `pq-sys`"),
        "{}",
        found[0]
    );
}

/// rqbit's shape: a library's build script runs `npm install` and `npm run build` (its web
/// UI) in a `#[cfg(feature = "webui")]` block; the Rust image has no npm, so the warning names
/// the file, the line, the feature and the builder package, and `builder_packages` silences it.
#[test]
fn a_build_script_that_runs_npm_names_the_builder_package_and_the_feature() {
    let build = "fn main() {\n    #[cfg(feature = \"webui\")]\n    {\n        for cmd in [\"npm install\", \"npm run build\"] {\n            std::process::Command::new(\"sh\").arg(\"-c\").arg(cmd).status().unwrap();\n        }\n    }\n}\n";
    let files = [
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"torrent\", \"lib\"]\n",
        ),
        LOCK,
        (
            "torrent/Cargo.toml",
            "[package]\nname = \"torrent\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nlib = { path = \"../lib\" }\naxum = \"0.8\"\n",
        ),
        ("torrent/src/main.rs", "fn main() {}\n"),
        (
            "lib/Cargo.toml",
            "[package]\nname = \"lib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [features]\ndefault = [\"webui\"]\nwebui = []\n",
        ),
        ("lib/src/lib.rs", ""),
        ("lib/build.rs", build),
    ];
    let dir = fixture(&files);
    let warnings = |dir: &Path| {
        let config = Config::load_from_root(dir).unwrap();
        let ws = Workspace::discover(dir, &config.workspace).unwrap();
        plan(&ws, &config.generate, &Options::default())
            .unwrap()
            .warnings
    };
    let found = warnings(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("the build script of crate `lib` runs `npm` (lib/build.rs:4)"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("when feature `webui` of `lib` is on"),
        "{}",
        found[0]
    );
    assert!(found[0].contains("builder_packages = [\"npm\", ...] to [generate.services.torrent]"));
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[generate.services.torrent]\nbuilder_packages = [\"npm\"]\n",
    )
    .unwrap();
    assert!(warnings(dir.path()).is_empty());
}
