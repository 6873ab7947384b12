//! isogen's Cargo discovery against cargo's own view (`cargo metadata --no-deps`), on
//! services-example and on workspaces built here with the awkward cases (globs, excludes,
//! renamed and moved binaries, inherited fields, a root package, excluded path dependencies).
//! Skipped when no cargo is on the machine: isogen itself never runs cargo.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use isogen::workspace::{Ecosystem, Workspace, WorkspaceConfig};

/// (package name, bins as `name=path`, lib crate name), members only
type View = BTreeSet<(String, BTreeSet<String>, Option<String>)>;

fn cargo() -> Option<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(&cargo)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| cargo)
}

/// Cargo's members and their targets.
fn cargo_view(cargo: &str, root: &Path) -> View {
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| members.contains(p["id"].as_str().unwrap()))
        .map(|p| {
            let dir = Path::new(p["manifest_path"].as_str().unwrap())
                .parent()
                .unwrap()
                .to_path_buf();
            let mut bins = BTreeSet::new();
            let mut lib = None;
            for t in p["targets"].as_array().unwrap() {
                let kinds: Vec<&str> = t["kind"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_str().unwrap())
                    .collect();
                let src = Path::new(t["src_path"].as_str().unwrap());
                let rel = src
                    .strip_prefix(&dir)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string();
                if kinds.contains(&"bin") {
                    bins.insert(format!("{}={rel}", t["name"].as_str().unwrap()));
                } else if kinds
                    .iter()
                    .any(|k| ["lib", "rlib", "proc-macro", "cdylib", "staticlib"].contains(k))
                {
                    lib = Some(t["name"].as_str().unwrap().replace('-', "_"));
                }
            }
            (p["name"].as_str().unwrap().to_string(), bins, lib)
        })
        .collect()
}

fn isogen_view(root: &Path) -> View {
    let ws = Workspace::discover(root, &WorkspaceConfig::default()).unwrap();
    ws.packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Cargo)
        .filter(|p| p.cargo.as_ref().unwrap().member)
        .map(|p| {
            let c = p.cargo.as_ref().unwrap();
            (
                p.name.clone(),
                c.bins
                    .iter()
                    .map(|b| format!("{}={}", b.name, b.path))
                    .collect(),
                c.lib.as_ref().map(|l| l.name.clone()),
            )
        })
        .collect()
}

fn fixture(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
    dir
}

const MAIN: &str = "fn main() {}\n";

#[test]
fn services_example_matches_cargo_metadata() {
    let Some(cargo) = cargo() else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("services-example");
    if !root.join("Cargo.toml").is_file() {
        return;
    }
    let theirs = cargo_view(&cargo, &root);
    assert!(!theirs.is_empty());
    assert_eq!(isogen_view(&root), theirs);
}

#[test]
fn awkward_workspace_matches_cargo_metadata() {
    let Some(cargo) = cargo() else { return };
    let ws = fixture(&[
        (
            "Cargo.toml",
            r#"[package]
name = "root-app"
version.workspace = true
edition.workspace = true

[workspace]
resolver = "2"
members = ["crates/*", "services/**/svc-*", "legacy/kept"]
exclude = ["crates/skip", "legacy"]

[workspace.package]
version = "1.2.3"
edition = "2021"

[workspace.dependencies]
shared = { path = "crates/shared-impl", package = "shared" }

[dependencies]
shared.workspace = true
helper = { path = "tools/helper" }
"#,
        ),
        ("src/main.rs", MAIN),
        ("src/bin/root-extra.rs", MAIN),
        (
            "crates/shared-impl/Cargo.toml",
            "[package]\nname = \"shared\"\nversion.workspace = true\nedition.workspace = true\n",
        ),
        ("crates/shared-impl/src/lib.rs", ""),
        (
            "crates/multi/Cargo.toml",
            r#"[package]
name = "multi-bin"
version = "0.1.0"
edition = "2021"

[[bin]]
name = "gateway"
path = "src/main.rs"

[[bin]]
name = "admin"
path = "cmd/admin.rs"

[[bin]]
name = "tool"

[lib]
name = "multi_core"
path = "src/core.rs"
"#,
        ),
        ("crates/multi/src/main.rs", MAIN),
        ("crates/multi/src/core.rs", ""),
        ("crates/multi/cmd/admin.rs", MAIN),
        ("crates/multi/src/bin/tool/main.rs", MAIN),
        ("crates/multi/src/bin/other.rs", MAIN),
        (
            "crates/noauto/Cargo.toml",
            "[package]\nname = \"noauto\"\nversion = \"0.1.0\"\nedition = \"2021\"\nautobins = false\n\n[[bin]]\nname = \"declared\"\npath = \"src/declared.rs\"\n",
        ),
        ("crates/noauto/src/declared.rs", MAIN),
        ("crates/noauto/src/main.rs", MAIN),
        ("crates/noauto/src/bin/ignored.rs", MAIN),
        (
            "crates/old/Cargo.toml",
            "[package]\nname = \"old\"\nversion = \"0.1.0\"\n\n[[bin]]\nname = \"x\"\npath = \"src/x.rs\"\n",
        ),
        ("crates/old/src/x.rs", MAIN),
        ("crates/old/src/bin/y.rs", MAIN),
        ("crates/skip/Cargo.toml", "this is not even toml ["),
        (
            "services/eu/svc-pay/Cargo.toml",
            "[package]\nname = \"svc-pay\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nshared = { workspace = true }\n\n[target.'cfg(unix)'.dev-dependencies]\nmulti-bin = { path = \"../../../crates/multi\" }\n",
        ),
        ("services/eu/svc-pay/src/main.rs", MAIN),
        ("services/eu/svc-pay/src/bin/pay-cron.rs", MAIN),
        (
            "legacy/kept/Cargo.toml",
            "[package]\nname = \"kept\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("legacy/kept/src/main.rs", MAIN),
        ("legacy/dropped/Cargo.toml", "[package]\nname = \"dropped\"\n"),
        (
            "tools/helper/Cargo.toml",
            "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
        ),
        ("tools/helper/src/lib.rs", ""),
        ("tools/helper/src/main.rs", MAIN),
    ]);
    let theirs = cargo_view(&cargo, ws.path());
    assert_eq!(theirs.len(), 8, "{theirs:#?}");
    assert_eq!(isogen_view(ws.path()), theirs);
}

/// The committed Cargo fixtures (tests/fixtures/cargo-*): isogen's members and targets are
/// cargo's.
#[test]
fn fixtures_match_cargo_metadata() {
    let Some(cargo) = cargo() else { return };
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let root = entry.unwrap().path();
        let name = root.file_name().unwrap().to_str().unwrap().to_string();
        if !name.starts_with("cargo-") {
            continue;
        }
        let theirs = cargo_view(&cargo, &root);
        assert!(!theirs.is_empty(), "{name}");
        assert_eq!(isogen_view(&root), theirs, "{name}");
        seen += 1;
    }
    assert!(seen >= 5, "{seen} fixtures");
}

/// Cargo's `exclude` loses to any `members` entry that is a folder above the package (its
/// `is_excluded`: "explicit member" is a path prefix, not only an exact match): with `"."` in
/// members nothing is excluded, and a path dependency under a listed member is a member even
/// when `exclude` names it.
#[test]
fn members_above_an_excluded_folder_win_as_in_cargo() {
    let Some(cargo) = cargo() else { return };
    let pkg = |name: &str, extra: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{extra}")
    };
    let dot = fixture(&[
        (
            "Cargo.toml",
            &pkg(
                "root-app",
                "\n[workspace]\nmembers = [\".\", \"crates/*\"]\nexclude = [\"crates/skip\"]\n",
            ),
        ),
        ("src/main.rs", MAIN),
        ("crates/a/Cargo.toml", &pkg("a", "")),
        ("crates/a/src/main.rs", MAIN),
        ("crates/skip/Cargo.toml", &pkg("skip", "")),
        ("crates/skip/src/main.rs", MAIN),
    ]);
    let theirs = cargo_view(&cargo, dot.path());
    assert_eq!(theirs.len(), 3, "{theirs:#?}");
    assert_eq!(isogen_view(dot.path()), theirs);

    let nested = fixture(&[
        (
            "Cargo.toml",
            "[workspace]\nresolver = \"2\"\nmembers = [\"crates/*\", \"legacy\"]\nexclude = [\"crates/old\", \"legacy/sub\", \"vendor\"]\n",
        ),
        ("crates/a/Cargo.toml", &pkg("a", "\n[dependencies]\nv = { path = \"../../vendor/v\" }\n")),
        ("crates/a/src/main.rs", MAIN),
        ("crates/old/Cargo.toml", &pkg("old", "")),
        ("crates/old/src/main.rs", MAIN),
        ("legacy/Cargo.toml", &pkg("legacy", "\n[dependencies]\nsub = { path = \"sub\" }\n")),
        ("legacy/src/main.rs", MAIN),
        ("legacy/sub/Cargo.toml", &pkg("sub", "")),
        ("legacy/sub/src/lib.rs", ""),
        ("vendor/v/Cargo.toml", &pkg("v", "")),
        ("vendor/v/src/lib.rs", ""),
    ]);
    let theirs = cargo_view(&cargo, nested.path());
    assert_eq!(theirs.len(), 3, "{theirs:#?}");
    assert_eq!(isogen_view(nested.path()), theirs);
}
