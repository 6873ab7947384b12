//! The Cargo build plan on workspaces written to temporary folders.

use std::path::Path;

use super::*;
use crate::generate::cfg::AssetSetting;
use crate::workspace::WorkspaceConfig;

fn fixture(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
    dir
}

fn pkg(name: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
}

const MAIN: &str = "fn main() {}\n";

/// A workspace with a service depending (normal, build, dev) on libraries, a two-binary
/// package, a proc-macro, a patched crate and an unrelated member.
fn sample() -> tempfile::TempDir {
    fixture(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\", \"services/*\"]\n\n[patch.crates-io]\nitoa = { path = \"vendor/itoa\" }\n",
        ),
        ("Cargo.lock", "version = 4\n"),
        (".cargo/config.toml", "[net]\nretry = 5\n"),
        (
            "services/api/Cargo.toml",
            &format!(
                "{}\n[dependencies]\ncore = {{ path = \"../../crates/core\" }}\n\n[build-dependencies]\ngen = {{ path = \"../../crates/gen\" }}\n\n[dev-dependencies]\ntestkit = {{ path = \"../../crates/testkit\" }}\n\n[[bin]]\nname = \"api\"\npath = \"src/main.rs\"\nrequired-features = [\"tls\"]\n\n[features]\ntls = []\n",
                pkg("api-svc")
            ),
        ),
        ("services/api/src/main.rs", MAIN),
        ("services/api/build.rs", MAIN),
        (
            "services/jobs/Cargo.toml",
            &format!("{}\n[features]\nmetrics = []\ntls = []\n", pkg("jobs")),
        ),
        ("services/jobs/src/bin/jobs-worker.rs", MAIN),
        ("services/jobs/src/bin/jobs-cron/main.rs", MAIN),
        ("crates/core/Cargo.toml", &format!("{}\n[dependencies]\nmacros = {{ path = \"../macros\" }}\n", pkg("core"))),
        ("crates/core/src/lib.rs", ""),
        ("crates/macros/Cargo.toml", &format!("{}\n[lib]\nproc-macro = true\n", pkg("macros"))),
        ("crates/macros/src/lib.rs", ""),
        ("crates/gen/Cargo.toml", &pkg("gen")),
        ("crates/gen/src/lib.rs", ""),
        ("crates/testkit/Cargo.toml", &pkg("testkit")),
        ("crates/testkit/src/lib.rs", ""),
        ("crates/testkit/tests/it.rs", ""),
        ("vendor/itoa/Cargo.toml", &pkg("itoa")),
        ("vendor/itoa/src/lib.rs", ""),
    ])
}

fn ws(dir: &Path) -> Workspace {
    // Every binary a service: these tests are about the build plan, not the service rule.
    let config = WorkspaceConfig {
        services: Some(vec!["*".into()]),
        ..Default::default()
    };
    Workspace::discover(dir, &config).unwrap()
}

fn ctx(ws: &Workspace, service: &str, config: &CargoConfig) -> Result<CargoContext> {
    let s = ws.service(service).unwrap();
    context(ws, s, config, "/app", None, Path::new("isogen.toml"))
}

#[test]
fn dockerfile_paths_one_per_package_or_per_binary() {
    let dir = sample();
    let w = ws(dir.path());
    let path = |s: &str| w.dockerfile_path(w.service(s).unwrap());
    assert_eq!(path("api"), "services/api/Dockerfile");
    assert_eq!(path("jobs-worker"), "services/jobs/jobs-worker.Dockerfile");
    assert_eq!(path("jobs-cron"), "services/jobs/jobs-cron.Dockerfile");
}

#[test]
fn plan_copies_every_manifest_stubs_every_target_and_only_needed_sources() {
    let dir = sample();
    let w = ws(dir.path());
    let c = ctx(&w, "api", &CargoConfig::default()).unwrap();
    assert_eq!(
        c.root_files,
        ["Cargo.toml", "Cargo.lock", ".cargo/config.toml"]
    );
    assert_eq!(
        c.manifests,
        [
            "crates/core/Cargo.toml",
            "crates/gen/Cargo.toml",
            "crates/macros/Cargo.toml",
            "crates/testkit/Cargo.toml",
            "services/api/Cargo.toml",
            "services/jobs/Cargo.toml",
        ]
    );
    assert_eq!(c.dependency_sources, ["vendor/itoa"]);
    let stubs: Vec<(&str, &str)> = c
        .stubs
        .iter()
        .map(|s| (s.path.as_str(), s.content.as_str()))
        .collect();
    assert_eq!(
        stubs,
        [
            ("crates/core/src/lib.rs", "/*! isogen stub */"),
            ("crates/gen/src/lib.rs", "/*! isogen stub */"),
            ("crates/macros/src/lib.rs", "/*! isogen stub */"),
            ("crates/testkit/src/lib.rs", "/*! isogen stub */"),
            (
                "services/api/src/main.rs",
                "/*! isogen stub */ fn main() {}"
            ),
            ("services/api/build.rs", "/*! isogen stub */ fn main() {}"),
            (
                "services/jobs/src/bin/jobs-cron/main.rs",
                "/*! isogen stub */ fn main() {}"
            ),
            (
                "services/jobs/src/bin/jobs-worker.rs",
                "/*! isogen stub */ fn main() {}"
            ),
        ]
    );
    // Build closure, dependencies first; testkit (dev-only) and jobs never.
    assert_eq!(
        c.sources,
        ["crates/macros", "crates/core", "crates/gen", "services/api"]
    );
    assert_eq!(
        c.build_command,
        "cargo build --locked --release --target-dir /build/target -p api-svc --bin api --features tls"
    );
    assert_eq!(c.binary, "/app/api");
    assert_eq!(c.built_binary, "/out/api");
    assert_eq!(c.artifact, "/build/target/release/api");
    assert!(c.mounts.is_empty());
}

#[test]
fn config_changes_profile_features_images_and_mounts() {
    let dir = sample();
    let w = ws(dir.path());
    let config = CargoConfig {
        image: Some("registry.local/rust:1.80".into()),
        runtime_image: Some(format!("debian@sha256:{}", "a".repeat(64))),
        profile: Some("dist".into()),
        features: vec!["metrics".into(), "tls".into()],
        no_default_features: true,
        cache_mounts: true,
        cargo_home: Some("/opt/cargo".into()),
    };
    let c = ctx(&w, "jobs-worker", &config).unwrap();
    assert_eq!(
        c.build_command,
        "cargo build --locked --profile dist --target-dir /build/target -p jobs --bin jobs-worker --no-default-features --features metrics,tls"
    );
    assert_eq!(c.profile_dir, "dist");
    assert_eq!(c.image, "registry.local/rust:1.80");
    assert_eq!(
        c.mounts,
        [
            "--mount=type=cache,target=/opt/cargo/registry",
            "--mount=type=cache,target=/opt/cargo/git",
            "--mount=type=cache,target=/build/target",
        ]
    );
    let dev = ctx(
        &w,
        "jobs-worker",
        &CargoConfig {
            profile: Some("dev".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(dev.profile_dir, "debug");
    assert!(dev.build_command.contains("--profile dev"));
}

#[test]
fn bad_config_values_name_the_key() {
    let dir = sample();
    let w = ws(dir.path());
    let e = |config: CargoConfig| ctx(&w, "api", &config).unwrap_err().to_string();
    let msg = e(CargoConfig {
        image: Some("rust 1".into()),
        ..Default::default()
    });
    assert!(
        msg.starts_with("isogen.toml: [generate.cargo] image = \"rust 1\""),
        "{msg}"
    );
    let msg = e(CargoConfig {
        runtime_image: Some("x@sha256:abc".into()),
        ..Default::default()
    });
    assert!(msg.contains("runtime_image"), "{msg}");
    let msg = e(CargoConfig {
        profile: Some("a b".into()),
        ..Default::default()
    });
    assert!(msg.contains("profile"), "{msg}");
    let msg = e(CargoConfig {
        features: vec!["x;rm".into()],
        ..Default::default()
    });
    assert!(msg.contains("features"), "{msg}");
    let msg = e(CargoConfig {
        cargo_home: Some("relative".into()),
        ..Default::default()
    });
    assert!(msg.contains("cargo_home"), "{msg}");
}

#[test]
fn missing_lockfile_is_an_error_naming_the_manifest() {
    let dir = fixture(&[
        ("Cargo.toml", "[workspace]\nmembers = [\"a\"]\n"),
        ("a/Cargo.toml", &pkg("a")),
        ("a/src/main.rs", MAIN),
    ]);
    let w = ws(dir.path());
    let e = ctx(&w, "a", &CargoConfig::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("Cargo.toml: no Cargo.lock"), "{e}");
    assert!(e.contains("cargo generate-lockfile"), "{e}");
}

#[test]
fn root_package_copies_the_root_minus_other_packages() {
    let dir = fixture(&[
        (
            "Cargo.toml",
            &format!("{}\n[workspace]\nmembers = [\"lib\"]\n\n[dependencies]\nlib = {{ path = \"lib\" }}\n\n[[bin]]\nname = \"tool\"\npath = \"cmd/tool.rs\"\n", pkg("app")),
        ),
        ("Cargo.lock", "version = 4\n"),
        ("src/main.rs", MAIN),
        ("cmd/tool.rs", MAIN),
        ("build.rs", MAIN),
        ("lib/Cargo.toml", &pkg("lib")),
        ("lib/src/lib.rs", ""),
        ("README.md", "# app\n"),
        (".git/HEAD", "ref: refs/heads/main\n"),
    ]);
    let w = ws(dir.path());
    assert_eq!(
        w.dockerfile_path(w.service("app").unwrap()),
        "app.Dockerfile"
    );
    let c = ctx(&w, "app", &CargoConfig::default()).unwrap();
    assert_eq!(c.sources, ["lib", "README.md", "build.rs", "cmd", "src"]);
    assert_eq!(c.manifests, ["lib/Cargo.toml"]);
    let stubs: Vec<&str> = c.stubs.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        stubs,
        ["cmd/tool.rs", "src/main.rs", "build.rs", "lib/src/lib.rs"]
    );
}

#[test]
fn assets_stay_inside_the_package_and_land_under_the_app_root() {
    let dir = sample();
    let w = ws(dir.path());
    let s = w.service("api").unwrap();
    let ok = context(
        &w,
        s,
        &CargoConfig::default(),
        "/srv",
        Some(&ServiceConfig {
            assets: vec![
                AssetSetting::Package("config/".into()),
                AssetSetting::Package("./static/index.html".into()),
                root("dist/", None),
                root("web/build", Some("public")),
                root("docs", Some("/usr/share/api/docs")),
            ],
            ..Default::default()
        }),
        Path::new("isogen.toml"),
    )
    .unwrap();
    let assets: Vec<(&str, &str)> = ok
        .assets
        .iter()
        .map(|a| (a.src.as_str(), a.dest.as_str()))
        .collect();
    assert_eq!(
        assets,
        [
            ("services/api/config", "/srv/config"),
            ("services/api/static/index.html", "/srv/static/index.html"),
            ("dist", "/srv/dist"),
            ("web/build", "/srv/public"),
            ("docs", "/usr/share/api/docs"),
        ]
    );
    assert_eq!(ok.binary, "/srv/api");
    for bad in ["../secrets", "/etc/passwd", "a b", "api"] {
        let e = context(
            &w,
            s,
            &CargoConfig::default(),
            "/app",
            Some(&ServiceConfig {
                assets: vec![AssetSetting::Package(bad.into())],
                ..Default::default()
            }),
            Path::new("isogen.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("[generate.services.api] assets"), "{bad}: {e}");
    }
}

fn root(from_root: &str, to: Option<&str>) -> AssetSetting {
    AssetSetting::Root {
        from_root: from_root.into(),
        to: to.map(str::to_string),
    }
}

#[test]
fn root_assets_stay_inside_the_workspace_and_never_replace_the_binary() {
    let dir = sample();
    let w = ws(dir.path());
    let s = w.service("api").unwrap();
    for (bad, why) in [
        (root("../dist", None), "inside the workspace root"),
        (root("/srv/dist", None), "inside the workspace root"),
        (root("dist", Some("../x")), "must be a plain path"),
        (root("dist", Some("api")), "would overwrite the binary"),
        (root("dist", Some("/app")), "would overwrite the binary"),
    ] {
        let e = context(
            &w,
            s,
            &CargoConfig::default(),
            "/app",
            Some(&ServiceConfig {
                assets: vec![bad.clone()],
                ..Default::default()
            }),
            Path::new("isogen.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("[generate.services.api] assets") && e.contains(why),
            "{bad:?}: {e}"
        );
    }
}
