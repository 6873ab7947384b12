//! Discovery edge cases, each on a workspace written to a temporary folder.

use std::path::Path;

use super::*;
use crate::error::Error;
use crate::workspace::{DepKind, Workspace, WorkspaceConfig};

/// Writes `files` (path, content) under a fresh temporary folder.
fn fixture(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
    dir
}

fn discover_with(dir: &Path, config: &WorkspaceConfig) -> Result<Workspace> {
    Workspace::discover(dir, config)
}

/// Every binary a service: these tests are about reading workspaces, not about which binaries
/// run servers (that rule has its own tests, with the default config).
fn all_bins() -> WorkspaceConfig {
    WorkspaceConfig {
        services: Some(vec!["*".into()]),
        ..Default::default()
    }
}

fn discover(dir: &Path) -> Workspace {
    discover_with(dir, &all_bins()).unwrap()
}

fn err(dir: &Path) -> String {
    discover_with(dir, &all_bins()).unwrap_err().to_string()
}

fn pkg(name: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
}

const MAIN: &str = "fn main() {}\n";

/// A package that runs a server (it depends on axum).
fn server(name: &str) -> String {
    format!("{}\n[dependencies]\naxum = \"0.7\"\n", pkg(name))
}

fn names(ws: &Workspace) -> Vec<&str> {
    ws.packages.iter().map(|p| p.name.as_str()).collect()
}

fn services(ws: &Workspace) -> Vec<&str> {
    ws.services.iter().map(|s| s.name.as_str()).collect()
}

fn bins(ws: &Workspace, package: &str) -> Vec<(String, String)> {
    let p = ws.packages.iter().find(|p| p.name == package).unwrap();
    p.cargo
        .as_ref()
        .unwrap()
        .bins
        .iter()
        .map(|b| (b.name.clone(), b.path.clone()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn member_globs_expand_to_folders_sorted_and_skip_files() {
    let ws = fixture(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\", \"tools/cli\"]\n",
        ),
        ("crates/b/Cargo.toml", &pkg("b")),
        ("crates/b/src/lib.rs", ""),
        ("crates/a/Cargo.toml", &pkg("a")),
        ("crates/a/src/main.rs", MAIN),
        ("crates/README.md", "not a member"),
        ("tools/cli/Cargo.toml", &pkg("cli")),
        ("tools/cli/src/main.rs", MAIN),
    ]);
    let w = discover(ws.path());
    assert_eq!(names(&w), ["a", "b", "cli"]);
    assert_eq!(services(&w), ["a", "cli"]);
    let cargo = w.cargo.as_ref().unwrap();
    assert_eq!(cargo.members.len(), 3);
    assert_eq!(cargo.root_package, None);
    assert_eq!(w.packages[0].dir, "crates/a");
    assert_eq!(w.packages[0].manifest, "crates/a/Cargo.toml");
}

#[test]
fn double_star_glob_finds_nested_members() {
    let ws = fixture(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"services/**/svc-*\"]\n",
        ),
        ("services/eu/svc-a/Cargo.toml", &pkg("svc-a")),
        ("services/eu/svc-a/src/main.rs", MAIN),
        ("services/us/east/svc-b/Cargo.toml", &pkg("svc-b")),
        ("services/us/east/svc-b/src/main.rs", MAIN),
    ]);
    let w = discover(ws.path());
    assert_eq!(services(&w), ["svc-a", "svc-b"]);
}

#[test]
fn exclude_is_a_path_prefix_and_literal_members_win() {
    let ws = fixture(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\", \"crates/legacy/keep\"]\nexclude = [\"crates/legacy\", \"crates/old/\"]\n",
        ),
        ("crates/a/Cargo.toml", &pkg("a")),
        ("crates/a/src/main.rs", MAIN),
        ("crates/old/Cargo.toml", &pkg("old")),
        ("crates/old/src/main.rs", MAIN),
        ("crates/legacy/Cargo.toml", "[workspace]\n"),
        ("crates/legacy/keep/Cargo.toml", &pkg("keep")),
        ("crates/legacy/keep/src/main.rs", MAIN),
    ]);
    let w = discover(ws.path());
    assert_eq!(names(&w), ["a", "keep"]);
    assert_eq!(services(&w), ["a", "keep"]);
}

#[test]
fn exclude_is_not_a_glob() {
    // As in cargo: `exclude = ["crates/*"]` is a path that exists nowhere, so it excludes nothing.
    let ws = fixture(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/*\"]\n",
        ),
        ("crates/a/Cargo.toml", &pkg("a")),
        ("crates/a/src/main.rs", MAIN),
    ]);
    assert_eq!(services(&discover(ws.path())), ["a"]);
}

#[test]
fn root_package_is_a_member_and_its_folder_is_the_root() {
    let ws = fixture(&[
        (
            "Cargo.toml",
            &format!("{}\n[workspace]\nmembers = [\"lib\"]\n\n[dependencies]\nlib = {{ path = \"lib\" }}\n", pkg("app")),
        ),
        ("src/main.rs", MAIN),
        ("lib/Cargo.toml", &pkg("lib")),
        ("lib/src/lib.rs", ""),
    ]);
    let w = discover(ws.path());
    let cargo = w.cargo.as_ref().unwrap();
    assert_eq!(cargo.root_package, Some(0));
    assert_eq!(w.packages[0].dir, "");
    assert_eq!(w.packages[0].manifest, "Cargo.toml");
    assert_eq!(services(&w), ["app"]);
    assert_eq!(w.services[0].runtime_closure, vec![1]);
}

#[test]
fn a_lone_package_is_a_workspace_of_one() {
    let manifest = format!("{}\n[dependencies]\naxum = \"0.7\"\n", pkg("solo"));
    let ws = fixture(&[("Cargo.toml", &manifest), ("src/main.rs", MAIN)]);
    assert!(is_workspace_root(ws.path()));
    let w = discover_with(ws.path(), &WorkspaceConfig::default()).unwrap();
    assert_eq!(services(&w), ["solo"]);
}

#[test]
fn inferred_binaries_follow_cargo_naming() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"api\"]\n"),
        ("api/Cargo.toml", &pkg("api-server")),
        ("api/src/main.rs", MAIN),
        ("api/src/bin/migrate.rs", MAIN),
        ("api/src/bin/worker/main.rs", MAIN),
        ("api/src/bin/worker/jobs.rs", ""),
        ("api/src/bin/notes/README.md", "no main.rs: not a binary"),
    ]);
    let w = discover(ws.path());
    assert_eq!(
        bins(&w, "api-server"),
        pairs(&[
            ("api-server", "src/main.rs"),
            ("migrate", "src/bin/migrate.rs"),
            ("worker", "src/bin/worker/main.rs"),
        ])
    );
    assert_eq!(services(&w), ["api-server", "migrate", "worker"]);
}

#[test]
fn explicit_bins_rename_and_move_and_replace_inferred_ones() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"app\"]\n"),
        (
            "app/Cargo.toml",
            &format!(
                "{}\n[[bin]]\nname = \"gateway\"\npath = \"src/main.rs\"\n\n[[bin]]\nname = \"admin\"\npath = \"cmd/admin.rs\"\nrequired-features = [\"admin\"]\n\n[[bin]]\nname = \"tool\"\n\n[features]\nadmin = []\n",
                pkg("app")
            ),
        ),
        ("app/src/main.rs", MAIN),
        ("app/cmd/admin.rs", MAIN),
        ("app/src/bin/tool.rs", MAIN),
        ("app/src/bin/extra.rs", MAIN),
    ]);
    let w = discover(ws.path());
    // `src/main.rs` is taken by `gateway`, so no `app` binary is inferred from it.
    assert_eq!(
        bins(&w, "app"),
        pairs(&[
            ("gateway", "src/main.rs"),
            ("admin", "cmd/admin.rs"),
            ("tool", "src/bin/tool.rs"),
            ("extra", "src/bin/extra.rs"),
        ])
    );
    let app = w.packages[0].cargo.as_ref().unwrap();
    assert_eq!(app.bin("admin").unwrap().required_features, ["admin"]);
}

#[test]
fn autobins_false_keeps_only_declared_bins() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"app\"]\n"),
        (
            "app/Cargo.toml",
            &format!(
                "{}autobins = false\n\n[[bin]]\nname = \"only\"\npath = \"src/only.rs\"\n",
                pkg("app")
            ),
        ),
        ("app/src/main.rs", MAIN),
        ("app/src/only.rs", MAIN),
        ("app/src/bin/other.rs", MAIN),
    ]);
    assert_eq!(
        bins(&discover(ws.path()), "app"),
        pairs(&[("only", "src/only.rs")])
    );
}

#[test]
fn edition_2015_declared_bins_turn_inference_off() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"old\"]\n"),
        (
            "old/Cargo.toml",
            "[package]\nname = \"old\"\nversion = \"0.1.0\"\n\n[[bin]]\nname = \"x\"\npath = \"src/x.rs\"\n",
        ),
        ("old/src/x.rs", MAIN),
        ("old/src/bin/y.rs", MAIN),
    ]);
    let w = discover(ws.path());
    assert_eq!(bins(&w, "old"), pairs(&[("x", "src/x.rs")]));
    assert_eq!(w.packages[0].cargo.as_ref().unwrap().edition, "2015");
}

#[test]
fn declared_bin_without_file_names_the_manifest() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"app\"]\n"),
        (
            "app/Cargo.toml",
            &format!("{}\n[[bin]]\nname = \"ghost\"\n", pkg("app")),
        ),
        ("app/src/lib.rs", ""),
    ]);
    let e = err(ws.path());
    assert!(e.contains("app/Cargo.toml"), "{e}");
    assert!(
        e.contains("can't find `ghost` bin at `src/bin/ghost.rs`"),
        "{e}"
    );
}

#[test]
fn library_proc_macro_build_script_and_declared_targets_are_stubbable() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"m\", \"s\"]\n"),
        (
            "m/Cargo.toml",
            &format!("{}\n[lib]\nproc-macro = true\npath = \"lib.rs\"\n", pkg("my-macros")),
        ),
        ("m/lib.rs", ""),
        (
            "s/Cargo.toml",
            &format!(
                "{}build = \"gen/build.rs\"\n\n[[example]]\nname = \"demo\"\n\n[[test]]\nname = \"it\"\npath = \"checks/it.rs\"\n\n[[bench]]\nname = \"speed\"\n",
                pkg("svc")
            ),
        ),
        ("s/src/main.rs", MAIN),
        ("s/gen/build.rs", MAIN),
        ("s/examples/demo/main.rs", MAIN),
        ("s/checks/it.rs", ""),
        ("s/benches/speed.rs", MAIN),
        ("s/tests/inferred.rs", ""),
    ]);
    let w = discover(ws.path());
    let m = w.packages[0].cargo.as_ref().unwrap();
    let lib = m.lib.as_ref().unwrap();
    assert_eq!(
        (lib.name.as_str(), lib.path.as_str(), lib.proc_macro),
        ("my_macros", "lib.rs", true)
    );
    let s = w.packages[1].cargo.as_ref().unwrap();
    assert_eq!(
        s.stub_files(),
        vec![
            ("src/main.rs".to_string(), TargetKind::Bin),
            ("examples/demo/main.rs".to_string(), TargetKind::Example),
            ("checks/it.rs".to_string(), TargetKind::Test),
            ("benches/speed.rs".to_string(), TargetKind::Bench),
            ("gen/build.rs".to_string(), TargetKind::BuildScript),
        ]
    );
}

#[test]
fn build_rs_is_found_and_build_false_disables_it() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n"),
        ("a/Cargo.toml", &pkg("a")),
        ("a/src/main.rs", MAIN),
        ("a/build.rs", MAIN),
        ("b/Cargo.toml", &format!("{}build = false\n", pkg("b"))),
        ("b/src/main.rs", MAIN),
        ("b/build.rs", MAIN),
    ]);
    let w = discover(ws.path());
    assert_eq!(
        w.packages[0]
            .cargo
            .as_ref()
            .unwrap()
            .build_script
            .as_deref(),
        Some("build.rs")
    );
    assert_eq!(w.packages[1].cargo.as_ref().unwrap().build_script, None);
}

#[test]
fn inherited_package_fields_and_workspace_dependencies() {
    let ws = fixture(&[
        (
            "Cargo.toml",
            r#"[workspace]
members = ["crates/*"]

[workspace.package]
version = "2.3.4"
edition = "2021"
description = "shared description"

[workspace.dependencies]
serde = { version = "1", features = ["derive"] }
anyhow = "1"
core-lib = { path = "crates/core", package = "acme-core" }
"#,
        ),
        (
            "crates/core/Cargo.toml",
            "[package]\nname = \"acme-core\"\nversion.workspace = true\nedition.workspace = true\n\n[dependencies]\nserde.workspace = true\n",
        ),
        ("crates/core/src/lib.rs", ""),
        (
            "crates/api/Cargo.toml",
            r#"[package]
name = "api"
version = { workspace = true }
edition.workspace = true
description.workspace = true

[dependencies]
core-lib = { workspace = true, optional = true }
anyhow.workspace = true
"#,
        ),
        ("crates/api/src/main.rs", MAIN),
    ]);
    let w = discover(ws.path());
    let api = w.packages.iter().find(|p| p.name == "api").unwrap();
    assert_eq!(api.version.as_deref(), Some("2.3.4"));
    let details = api.cargo.as_ref().unwrap();
    assert_eq!(details.edition, "2021");
    assert_eq!(details.description.as_deref(), Some("shared description"));
    assert_eq!(api.external_deps, ["anyhow"]);
    assert_eq!(api.internal_deps.len(), 1);
    let dep = &api.internal_deps[0];
    assert_eq!(dep.alias, "core-lib");
    assert_eq!(w.packages[dep.package].name, "acme-core");
    assert_eq!(dep.kind, DepKind::Optional);
    assert_eq!(dep.spec, "workspace = true");
    let core = w.packages.iter().find(|p| p.name == "acme-core").unwrap();
    assert_eq!(core.external_deps, ["serde"]);
}

#[test]
fn missing_workspace_dependency_names_member_file_and_line() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"a\"]\n"),
        (
            "a/Cargo.toml",
            &format!("{}\n[dependencies]\nserde.workspace = true\n", pkg("a")),
        ),
        ("a/src/main.rs", MAIN),
    ]);
    let e = err(ws.path());
    assert!(e.contains("a/Cargo.toml:7:1: dependency `serde`"), "{e}");
    assert!(
        e.contains("`serde`") && e.contains("[workspace.dependencies]"),
        "{e}"
    );
}

#[test]
fn inherited_field_missing_from_workspace_package_is_an_error() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"a\"]\n"),
        (
            "a/Cargo.toml",
            "[package]\nname = \"a\"\nversion.workspace = true\n",
        ),
        ("a/src/main.rs", MAIN),
    ]);
    let e = err(ws.path());
    assert!(
        e.contains("a/Cargo.toml") && e.contains("[workspace.package]"),
        "{e}"
    );
}

#[test]
fn path_dependencies_of_every_kind_renamed_and_target_specific() {
    let ws = fixture(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"svc\", \"libs/*\"]\n",
        ),
        (
            "svc/Cargo.toml",
            &format!(
                r#"{}
[dependencies]
models = {{ path = "../libs/models-impl", package = "models" }}
rand = "0.8"

[dev-dependencies]
testkit = {{ path = "../libs/testkit" }}
proptest = "1"

[build-dependencies]
codegen = {{ path = "../libs/codegen" }}

[target.'cfg(unix)'.dependencies]
unix-only = {{ path = "../libs/unix-only" }}
"#,
                pkg("svc")
            ),
        ),
        ("svc/src/main.rs", MAIN),
        ("libs/models-impl/Cargo.toml", &pkg("models")),
        ("libs/models-impl/src/lib.rs", ""),
        (
            "libs/testkit/Cargo.toml",
            &format!(
                "{}\n[dependencies]\nsvc-client = {{ path = \"../client\" }}\n",
                pkg("testkit")
            ),
        ),
        ("libs/testkit/src/lib.rs", ""),
        ("libs/client/Cargo.toml", &pkg("svc-client")),
        ("libs/client/src/lib.rs", ""),
        ("libs/codegen/Cargo.toml", &pkg("codegen")),
        ("libs/codegen/src/lib.rs", ""),
        ("libs/unix-only/Cargo.toml", &pkg("unix-only")),
        ("libs/unix-only/src/lib.rs", ""),
    ]);
    let w = discover(ws.path());
    let svc = &w.packages[0];
    let edges: Vec<(&str, &str, DepKind)> = svc
        .internal_deps
        .iter()
        .map(|d| {
            (
                d.alias.as_str(),
                w.packages[d.package].name.as_str(),
                d.kind,
            )
        })
        .collect();
    assert_eq!(edges.len(), 4);
    assert!(edges.contains(&("models", "models", DepKind::Normal)));
    assert!(edges.contains(&("testkit", "testkit", DepKind::Dev)));
    assert!(edges.contains(&("codegen", "codegen", DepKind::Build)));
    assert!(edges.contains(&("unix-only", "unix-only", DepKind::Normal)));
    assert_eq!(svc.external_deps, ["rand"]);
    assert_eq!(svc.dev_deps, ["proptest"]);

    let s = &w.services[0];
    let closure = |ix: &[usize]| {
        ix.iter()
            .map(|&i| w.packages[i].name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(closure(&s.runtime_closure), ["models", "unix-only"]);
    // Build needs build-dependencies, never dev-dependencies (cargo build does not compile them).
    assert_eq!(
        closure(&s.build_closure),
        ["codegen", "models", "unix-only"]
    );
}

#[test]
fn path_dependencies_under_the_root_become_members_unless_excluded() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"app\"]\nexclude = [\"vendor\"]\n"),
        (
            "app/Cargo.toml",
            &format!("{}\n[dependencies]\nhelper = {{ path = \"../helper\" }}\npatched = {{ path = \"../vendor/patched\" }}\n", pkg("app")),
        ),
        ("app/src/main.rs", MAIN),
        ("helper/Cargo.toml", &pkg("helper")),
        ("helper/src/main.rs", MAIN),
        ("vendor/patched/Cargo.toml", &pkg("patched")),
        ("vendor/patched/src/main.rs", MAIN),
    ]);
    let w = discover(ws.path());
    let member = |n: &str| {
        w.packages
            .iter()
            .find(|p| p.name == n)
            .unwrap()
            .cargo
            .as_ref()
            .unwrap()
            .member
    };
    assert!(member("helper"));
    assert!(!member("patched"));
    // An excluded path dependency is built, but its binaries are not services.
    assert_eq!(services(&w), ["app", "helper"]);
    assert_eq!(w.cargo.as_ref().unwrap().packages.len(), 3);
}

#[test]
fn path_dependency_outside_the_workspace_is_an_error_with_location() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"app\"]\n"),
        (
            "app/Cargo.toml",
            &format!(
                "{}\n[dependencies]\nfar = {{ path = \"../../far\" }}\n",
                pkg("app")
            ),
        ),
        ("app/src/main.rs", MAIN),
    ]);
    let e = err(ws.path());
    assert!(
        e.contains(
            "app/Cargo.toml:7:7: path dependency `far` (../../far) is outside the workspace root"
        ),
        "{e}"
    );
}

#[test]
fn path_dependency_without_manifest_is_an_error() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"app\"]\n"),
        (
            "app/Cargo.toml",
            &format!(
                "{}\n[dependencies]\nx = {{ path = \"../x\" }}\n",
                pkg("app")
            ),
        ),
        ("app/src/main.rs", MAIN),
    ]);
    let e = err(ws.path());
    assert!(
        e.contains("app/Cargo.toml") && e.contains("`x` points at `x`, which has no Cargo.toml"),
        "{e}"
    );
}

#[test]
fn renamed_dependency_pointing_at_the_wrong_package_is_an_error() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"app\", \"lib\"]\n"),
        (
            "app/Cargo.toml",
            &format!(
                "{}\n[dependencies]\nlib = {{ path = \"../lib\" }}\n",
                pkg("app")
            ),
        ),
        ("app/src/main.rs", MAIN),
        ("lib/Cargo.toml", &pkg("real-name")),
        ("lib/src/lib.rs", ""),
    ]);
    let e = err(ws.path());
    assert!(
        e.contains("asks for package `lib` but `lib` holds package `real-name`"),
        "{e}"
    );
}

#[test]
fn member_glob_matching_nothing_is_an_error() {
    let ws = fixture(&[("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n")]);
    let e = err(ws.path());
    assert!(
        e.contains("Cargo.toml: workspace member pattern `crates/*` matches no folder"),
        "{e}"
    );
}

#[test]
fn member_without_manifest_names_the_expected_file() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
        ("crates/a/Cargo.toml", &pkg("a")),
        ("crates/a/src/main.rs", MAIN),
        ("crates/b/src/main.rs", MAIN),
    ]);
    let e = err(ws.path());
    assert!(e.contains("workspace member `crates/b`"), "{e}");
    assert!(e.contains("crates/b/Cargo.toml"), "{e}");
}

#[test]
fn bad_toml_is_a_parse_error_with_file_line_and_column() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"a\"]\n"),
        (
            "a/Cargo.toml",
            "[package]\nname = \"a\"\nversion = \"0.1.0\n",
        ),
    ]);
    let e = discover_with(ws.path(), &WorkspaceConfig::default()).unwrap_err();
    assert!(matches!(e, Error::Parse { .. }), "{e:?}");
    let e = e.to_string();
    assert!(e.contains("a/Cargo.toml:3:"), "{e}");
}

#[test]
fn bad_root_toml_is_found_as_a_workspace_and_reported() {
    let ws = fixture(&[("Cargo.toml", "[workspace\nmembers = []\n")]);
    assert!(is_workspace_root(ws.path()));
    let e = err(ws.path());
    assert!(e.contains("Cargo.toml:1:"), "{e}");
}

#[test]
fn nested_workspace_root_as_member_is_an_error() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"inner\"]\n"),
        (
            "inner/Cargo.toml",
            &format!("{}\n[workspace]\n", pkg("inner")),
        ),
        ("inner/src/main.rs", MAIN),
    ]);
    let e = err(ws.path());
    assert!(
        e.contains("inner/Cargo.toml") && e.contains("exclude"),
        "{e}"
    );
}

#[test]
fn default_members_are_recorded() {
    let ws = fixture(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\", \"b\"]\ndefault-members = [\"b\"]\n",
        ),
        ("a/Cargo.toml", &pkg("a")),
        ("a/src/main.rs", MAIN),
        ("b/Cargo.toml", &pkg("b")),
        ("b/src/main.rs", MAIN),
    ]);
    let w = discover(ws.path());
    assert_eq!(w.cargo.as_ref().unwrap().default_members, vec![1]);
    // default-members says what `cargo build` builds, not what is deployable.
    assert_eq!(services(&w), ["a", "b"]);
}

#[test]
fn explicit_services_by_bin_package_or_folder_and_not_services() {
    let files = [
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\", \"xtask\"]\n",
        ),
        ("crates/api/Cargo.toml", &server("api") as &str),
        ("crates/api/src/main.rs", MAIN),
        ("crates/api/src/bin/api-migrate.rs", MAIN),
        ("crates/worker/Cargo.toml", &server("worker")),
        ("crates/worker/src/main.rs", MAIN),
        ("crates/devtool/Cargo.toml", &server("devtool")),
        ("crates/devtool/src/main.rs", MAIN),
        ("crates/cli/Cargo.toml", &pkg("cli")),
        ("crates/cli/src/main.rs", MAIN),
        ("xtask/Cargo.toml", &server("xtask")),
        ("xtask/src/main.rs", MAIN),
    ];
    let owned: Vec<(String, String)> = files
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let refs: Vec<(&str, &str)> = owned
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let ws = fixture(&refs);

    // Default: every binary of every member that depends on a server framework (not `cli`),
    // xtask left out.
    assert_eq!(
        services(&discover_with(ws.path(), &WorkspaceConfig::default()).unwrap()),
        ["api", "api-migrate", "devtool", "worker"]
    );

    let config = WorkspaceConfig {
        services: None,
        not_services: vec!["devtool".into(), "api-migrate".into()],
        ..Default::default()
    };
    assert_eq!(
        services(&discover_with(ws.path(), &config).unwrap()),
        ["api", "worker"]
    );

    // The explicit list replaces the rule: a folder glob, a binary name; not_services is ignored.
    let config = WorkspaceConfig {
        services: Some(vec![
            "crates/w*".into(),
            "api-migrate".into(),
            "xtask".into(),
        ]),
        not_services: vec!["worker".into()],
        ..Default::default()
    };
    assert_eq!(
        services(&discover_with(ws.path(), &config).unwrap()),
        ["api-migrate", "worker", "xtask"]
    );

    // A tool becomes a service by name.
    let config = WorkspaceConfig {
        services: Some(vec!["cli".into()]),
        not_services: Vec::new(),
        ..Default::default()
    };
    assert_eq!(
        services(&discover_with(ws.path(), &config).unwrap()),
        ["cli"]
    );
}

#[test]
fn two_binaries_with_one_name_is_an_error_naming_both() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n"),
        ("a/Cargo.toml", &pkg("a")),
        ("a/src/bin/server.rs", MAIN),
        ("b/Cargo.toml", &pkg("b")),
        ("b/src/bin/server.rs", MAIN),
    ]);
    let e = err(ws.path());
    assert!(e.contains("two services are named `server`"), "{e}");
    assert!(
        e.contains("a/Cargo.toml") && e.contains("b/Cargo.toml"),
        "{e}"
    );
}

#[test]
fn two_packages_with_one_name_is_an_error() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n"),
        ("a/Cargo.toml", &pkg("same")),
        ("a/src/main.rs", MAIN),
        ("b/Cargo.toml", &pkg("same")),
        ("b/src/lib.rs", ""),
    ]);
    let e = err(ws.path());
    assert!(
        e.contains("two packages are named `same`: a/Cargo.toml and b/Cargo.toml"),
        "{e}"
    );
}

#[test]
fn cycle_over_normal_dependencies_is_named_but_dev_cycles_are_allowed() {
    let dev_cycle = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"svc\", \"kit\"]\n"),
        (
            "svc/Cargo.toml",
            &format!(
                "{}\n[dev-dependencies]\nkit = {{ path = \"../kit\" }}\n",
                pkg("svc")
            ),
        ),
        ("svc/src/main.rs", MAIN),
        (
            "kit/Cargo.toml",
            &format!(
                "{}\n[dependencies]\nsvc = {{ path = \"../svc\" }}\n",
                pkg("kit")
            ),
        ),
        ("kit/src/lib.rs", ""),
    ]);
    assert_eq!(services(&discover(dev_cycle.path())), ["svc"]);

    let cycle = fixture(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"svc\", \"a\", \"b\"]\n",
        ),
        (
            "svc/Cargo.toml",
            &format!(
                "{}\n[dependencies]\na = {{ path = \"../a\" }}\n",
                pkg("svc")
            ),
        ),
        ("svc/src/main.rs", MAIN),
        (
            "a/Cargo.toml",
            &format!("{}\n[dependencies]\nb = {{ path = \"../b\" }}\n", pkg("a")),
        ),
        ("a/src/lib.rs", ""),
        (
            "b/Cargo.toml",
            &format!(
                "{}\n[build-dependencies]\na = {{ path = \"../a\" }}\n",
                pkg("b")
            ),
        ),
        ("b/src/lib.rs", ""),
    ]);
    let e = err(cycle.path());
    assert!(
        e.contains("dependency cycle between workspace crates: a -> b -> a"),
        "{e}"
    );
}

#[test]
fn member_without_targets_is_an_error() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"a\"]\n"),
        ("a/Cargo.toml", &pkg("a")),
    ]);
    let e = err(ws.path());
    assert!(e.contains("a/Cargo.toml: no targets"), "{e}");
}

#[test]
fn a_member_with_only_tests_is_read_and_its_tests_get_stubs() {
    // typst's `tests` member: one `[[test]]` with `harness = false`, no library, no binary;
    // cargo builds it, so it is a member like any other.
    let ws = fixture(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\", \"suite\", \"inferred\"]\n",
        ),
        ("a/Cargo.toml", &pkg("a")),
        ("a/src/main.rs", MAIN),
        (
            "suite/Cargo.toml",
            &format!(
                "{}\n[[test]]\nname = \"tests\"\npath = \"src/tests.rs\"\nharness = false\n",
                pkg("suite")
            ),
        ),
        ("suite/src/tests.rs", MAIN),
        ("inferred/Cargo.toml", &pkg("inferred")),
        ("inferred/tests/it.rs", ""),
    ]);
    let ws = discover(ws.path());
    assert_eq!(services(&ws), ["a"]);
    for (name, stub) in [("suite", "src/tests.rs"), ("inferred", "tests/it.rs")] {
        let p = ws.packages.iter().find(|p| p.name == name).unwrap();
        let c = p.cargo.as_ref().unwrap();
        assert!(c.lib.is_none() && c.bins.is_empty(), "{name}");
        let declared: Vec<&str> = c.declared_targets.iter().map(|t| t.path.as_str()).collect();
        assert_eq!(
            declared,
            [stub],
            "{name}: the dependency stage needs a stub for it"
        );
    }
}

#[test]
fn build_files_and_lockfile_are_noticed() {
    let ws = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"a\"]\n"),
        ("Cargo.lock", "version = 4\n"),
        (".cargo/config.toml", "[net]\nretry = 3\n"),
        ("a/Cargo.toml", &pkg("a")),
        ("a/src/main.rs", MAIN),
    ]);
    let w = discover(ws.path());
    let cargo = w.cargo.as_ref().unwrap();
    assert_eq!(cargo.lockfile.as_deref(), Some("Cargo.lock"));
    assert_eq!(cargo.build_files, [".cargo/config.toml"]);
}

#[test]
fn normalize_folds_dots_and_refuses_to_leave_the_root() {
    assert_eq!(normalize("crates/a", "../b").as_deref(), Some("crates/b"));
    assert_eq!(normalize("", "./x/./y/").as_deref(), Some("x/y"));
    assert_eq!(normalize("a", "../..").as_deref(), None);
    assert_eq!(normalize("", "/abs").as_deref(), None);
}

#[test]
fn path_patches_are_packages_but_not_members() {
    let ws = fixture(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"app\"]\n\n[patch.crates-io]\nitoa = { path = \"vendor/itoa\" }\nserde = { git = \"https://example.com/serde\" }\n",
        ),
        ("app/Cargo.toml", &format!("{}\n[dependencies]\nitoa = \"1\"\n", pkg("app"))),
        ("app/src/main.rs", MAIN),
        ("vendor/itoa/Cargo.toml", &pkg("itoa")),
        ("vendor/itoa/src/lib.rs", ""),
    ]);
    let w = discover(ws.path());
    let cargo = w.cargo.as_ref().unwrap();
    assert_eq!(cargo.patches.len(), 1);
    let itoa = &w.packages[cargo.patches[0]];
    assert_eq!(
        (itoa.name.as_str(), itoa.dir.as_str()),
        ("itoa", "vendor/itoa")
    );
    assert!(!itoa.cargo.as_ref().unwrap().member);
    assert_eq!(services(&w), ["app"]);
}
