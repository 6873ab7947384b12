//! Verdicts on images built in code: the generator's layout and hand-written layouts must pass,
//! and each deliberately bad variant must be reported by exactly the rule made for it.
//! The images are built in code (`testkit`); no test here reads an archive.

use std::path::{Path, PathBuf};

use super::testkit::{node_base, ImageBuilder, TreeBuilder, APP_GROUP, APP_PASSWD};
use super::*;
use crate::config::Config;
use crate::workspace::{DepKind, Ecosystem, InternalDep, Package, Service, Workspace};

fn pkg(name: &str, dir: &str, eco: Ecosystem) -> Package {
    Package {
        ecosystem: eco,
        name: name.into(),
        version: Some("1.0.0".into()),
        dir: dir.into(),
        manifest: format!("{dir}/package.json"),
        internal_deps: vec![],
        external_deps: vec![],
        dev_deps: vec![],
        node: None,
        cargo: None,
    }
}

/// billing -> @acme/shared; payments -> @acme/shared; @acme/unused; a root with devDeps.
pub fn workspace() -> Workspace {
    let mut billing = pkg("@acme/billing", "services/billing", Ecosystem::Pnpm);
    billing.internal_deps.push(InternalDep {
        alias: "@acme/shared".into(),
        package: 1,
        kind: DepKind::Normal,
        spec: "workspace:*".into(),
    });
    billing.internal_deps.push(InternalDep {
        alias: "@acme/testkit".into(),
        package: 4,
        kind: DepKind::Dev,
        spec: "workspace:*".into(),
    });
    billing.external_deps = vec!["zod".into()];
    billing.dev_deps = vec!["typescript".into(), "vitest".into()];
    let mut shared = pkg("@acme/shared", "packages/shared", Ecosystem::Pnpm);
    shared.external_deps = vec!["zod".into()];
    shared.dev_deps = vec!["typescript".into()];
    let mut payments = pkg("@acme/payments", "services/payments", Ecosystem::Pnpm);
    payments.internal_deps = billing.internal_deps.clone();
    let unused = pkg("@acme/unused", "packages/unused", Ecosystem::Pnpm);
    let testkit = pkg("@acme/testkit", "packages/testkit", Ecosystem::Pnpm);
    let mut root = pkg("acme", "", Ecosystem::Pnpm);
    root.dev_deps = vec!["turbo".into(), "eslint".into()];
    let ledger = pkg("ledger", "crates/ledger", Ecosystem::Cargo);
    Workspace {
        root: PathBuf::from("/work/acme"),
        packages: vec![billing, shared, payments, unused, testkit, root, ledger],
        services: vec![
            Service {
                name: "billing".into(),
                package: 0,
                entry: "dist/main.js".into(),
                runtime_closure: vec![1],
                build_closure: vec![1, 4],
            },
            Service {
                name: "payments".into(),
                package: 2,
                entry: "dist/main.js".into(),
                runtime_closure: vec![1],
                build_closure: vec![1, 4],
            },
            Service {
                name: "ledger".into(),
                package: 6,
                entry: "ledger".into(),
                runtime_closure: vec![],
                build_closure: vec![],
            },
            Service {
                name: "ledger-admin".into(),
                package: 6,
                entry: "ledger-admin".into(),
                runtime_closure: vec![],
                build_closure: vec![],
            },
        ],
        pnpm: None,
        cargo: None,
    }
}

pub(super) const BILLING_PKG: &str = r#"{"name":"@acme/billing","version":"1.0.0","main":"dist/main.js",
  "dependencies":{"@acme/shared":"file:../../packages/shared","zod":"^3.23.0"},
  "devDependencies":{"typescript":"^5.4.0","vitest":"^1.6.0","@acme/testkit":"file:../../packages/testkit"}}"#;
const SHARED_PKG: &str = r#"{"name":"@acme/shared","version":"1.0.0","main":"dist/index.js","types":"dist/index.d.ts",
  "dependencies":{"zod":"^3.23.0"},"devDependencies":{"typescript":"^5.4.0"}}"#;

/// The image isogen's generator makes for billing (CONTRACTS.md), on the official Node base.
pub fn generated_billing() -> ImageBuilder {
    ImageBuilder::new("billing")
        .entrypoint(&["docker-entrypoint.sh"])
        .cmd(&["node", "/app/services/billing/dist/main.js"])
        .workdir("/app/services/billing")
        .user("10001:10001")
        .label("dev.isogen.service", "billing")
        .label("dev.isogen.package", "@acme/billing")
        .label("dev.isogen.ecosystem", "pnpm")
        .with(|t| {
            node_base(t)
                .layer(1)
                .file("/etc/passwd", APP_PASSWD)
                .file("/etc/group", APP_GROUP)
                .layer(2)
                .file("/app/packages/shared/package.json", SHARED_PKG)
                .files(&[
                    "/app/packages/shared/dist/index.js",
                    "/app/packages/shared/dist/index.d.ts",
                ])
                .file("/app/services/billing/package.json", BILLING_PKG)
                .files(&[
                    "/app/services/billing/dist/main.js",
                    "/app/services/billing/dist/routes/invoices.js",
                ])
                .layer(3)
                .symlink(
                    "/app/services/billing/node_modules/@acme/shared",
                    "../../../../packages/shared",
                )
                .file(
                    "/app/services/billing/node_modules/zod/package.json",
                    r#"{"name":"zod","version":"3.23.8"}"#,
                )
                .files(&[
                    "/app/services/billing/node_modules/zod/lib/index.js",
                    "/app/services/billing/node_modules/zod/src/index.ts",
                ])
                .file(
                    "/app/services/billing/node_modules/.package-lock.json",
                    "{}",
                )
                .file("/app/services/billing/package-lock.json", "{}")
        })
}

/// The seed's hand-written layout: /app/shared + /app/service, shared installed as a real
/// folder, no labels (the service is given with --service).
fn hand_written() -> ImageBuilder {
    ImageBuilder::new("orders")
        .cmd(&["node", "dist/index.js"])
        .workdir("/app/service")
        .user("node")
        .with(|t| {
            node_base(t)
                .layer(1)
                .file("/app/shared/package.json", SHARED_PKG)
                .files(&["/app/shared/dist/index.js"])
                .file(
                    "/app/service/package.json",
                    &BILLING_PKG.replace("file:../../packages/shared", "file:../shared"),
                )
                .files(&["/app/service/dist/index.js"])
                .file(
                    "/app/service/node_modules/@acme/shared/package.json",
                    SHARED_PKG,
                )
                .files(&["/app/service/node_modules/@acme/shared/dist/index.js"])
                .file(
                    "/app/service/node_modules/zod/package.json",
                    r#"{"name":"zod"}"#,
                )
        })
}

/// A Cargo service image: the binary only, on a small base with a passwd.
fn ledger() -> ImageBuilder {
    ImageBuilder::new("ledger")
        .cmd(&["/app/ledger"])
        .user("10001:10001")
        .label("dev.isogen.service", "ledger")
        .label("dev.isogen.ecosystem", "cargo")
        .with(|t| {
            t.file("/etc/passwd", APP_PASSWD)
                .file("/etc/group", APP_GROUP)
                .files(&[
                    "/usr/lib/x86_64-linux-gnu/libc.so.6",
                    "/usr/share/doc/libc6/copyright",
                ])
                .layer(1)
                .exe("/app/ledger", "\x7fELF\x02\x01")
        })
}

fn run(
    image: &Image,
    service: Option<&str>,
    ws: Option<&Workspace>,
    toml: &str,
) -> Result<Verdict> {
    let config = Config::parse(toml, Path::new("isogen.toml"))?;
    check(
        image,
        &Request {
            service,
            workspace: ws,
            config: &config.verify,
            config_path: PathBuf::from("isogen.toml"),
        },
    )
}

fn errors(v: &Verdict) -> Vec<RuleId> {
    let mut ids: Vec<RuleId> = v
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.rule)
        .collect();
    ids.dedup();
    ids
}

fn verdict(image: ImageBuilder) -> Verdict {
    let ws = workspace();
    run(&image.build(), None, Some(&ws), "").unwrap()
}

fn finding(v: &Verdict, rule: RuleId) -> &Finding {
    v.findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {:#?}", v.findings))
}

#[test]
fn generated_image_passes_with_only_package_manager_warnings() {
    let v = verdict(generated_billing());
    assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);
    let warned: Vec<RuleId> = v.findings.iter().map(|f| f.rule).collect();
    assert!(
        warned.iter().all(|r| *r == RuleId::PackageManager),
        "{warned:?}"
    );
    assert_eq!(v.service.root.as_deref(), Some("/app/services/billing"));
    assert_eq!(v.service.app_root.as_deref(), Some("/app"));
    // The test workspace has no pnpm-lock.yaml to compare the packages with.
    let skipped: Vec<RuleId> = v.skipped.iter().map(|s| s.rule).collect();
    assert_eq!(
        skipped,
        [RuleId::VersionNotLocked, RuleId::IntegrityNotLocked]
    );
    // The base's npm/npx, corepack, yarn: one finding per tool.
    assert_eq!(v.findings.len(), 3, "{:#?}", v.findings);
}

/// A plain JavaScript internal package (no build step) ships the file its `main` names at the
/// top of its folder, as generate copies it: that file is its output, not extra content.
#[test]
fn plain_js_internal_package_with_a_top_level_main_passes() {
    const PLAIN: &str = r#"{"name":"@acme/shared","version":"1.0.0","main":"index.js","dependencies":{"zod":"^3.23.0"}}"#;
    let image = generated_billing().with(|t| {
        t.layer(4)
            .delete("/app/packages/shared/dist")
            .file("/app/packages/shared/package.json", PLAIN)
            .files(&["/app/packages/shared/index.js"])
            .file(
                "/app/services/billing/node_modules/@acme/shared/package.json",
                PLAIN,
            )
            .files(&["/app/services/billing/node_modules/@acme/shared/index.js"])
    });
    let v = verdict(image);
    assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);
    // Anything else at the top of such a package is still extra.
    let image = generated_billing().with(|t| {
        t.layer(4)
            .file("/app/packages/shared/package.json", PLAIN)
            .files(&[
                "/app/packages/shared/index.js",
                "/app/packages/shared/notes.js",
            ])
    });
    assert_eq!(errors(&verdict(image)), vec![RuleId::InternalPackageExtra]);
}

/// A plain-JS internal package that the workspace does not build ships as `npm pack` would
/// (its `main` requires files next to it): with the workspace known, that is its output.
#[test]
fn unbuilt_internal_package_may_ship_its_folder() {
    const PLAIN: &str = r#"{"name":"@acme/shared","version":"1.0.0","main":"index.js","dependencies":{"zod":"^3.23.0"}}"#;
    let image = generated_billing()
        .with(|t| {
            t.layer(4)
                .delete("/app/packages/shared/dist")
                .file("/app/packages/shared/package.json", PLAIN)
                .files(&[
                    "/app/packages/shared/index.js",
                    "/app/packages/shared/lib/case.js",
                ])
        })
        .build();
    let mut ws = workspace();
    // As built: with a build script, the same folder is extra content.
    ws.packages[1].node = Some(crate::workspace::pnpm::NodePackage {
        scripts: [("build".to_string(), "tsc".to_string())].into(),
        ..Default::default()
    });
    let v = run(&image, None, Some(&ws), "").unwrap();
    assert_eq!(errors(&v), vec![RuleId::InternalPackageExtra]);
    // Built, but by the script `[generate.node] build_script` names: extra content too.
    ws.packages[1].node = Some(crate::workspace::pnpm::NodePackage {
        scripts: [("compile".to_string(), "tsc".to_string())].into(),
        ..Default::default()
    });
    let compile = "[generate.node]\nbuild_script = \"compile\"\n";
    let v = run(&image, None, Some(&ws), compile).unwrap();
    assert_eq!(errors(&v), vec![RuleId::InternalPackageExtra]);
    // Not built by the workspace (plain JavaScript): fine.
    let v = run(&image, None, Some(&ws), "").unwrap();
    assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);
    ws.packages[1].node = Some(Default::default());
    let v = run(&image, None, Some(&ws), "").unwrap();
    assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);
}

#[test]
fn hand_written_layout_passes_with_and_without_workspace() {
    let ws = workspace();
    let image = hand_written().build();
    for (name, ws) in [
        ("billing", Some(&ws)),
        ("@acme/billing", Some(&ws)),
        ("billing", None),
    ] {
        let v = run(&image, Some(name), ws, "").unwrap();
        assert_eq!(
            errors(&v),
            Vec::<RuleId>::new(),
            "{name}: {:#?}",
            v.findings
        );
        assert_eq!(v.service.root.as_deref(), Some("/app/service"));
    }
    let v = run(&image, Some("billing"), None, "").unwrap();
    let skipped: Vec<RuleId> = v.skipped.iter().map(|s| s.rule).collect();
    assert_eq!(
        skipped,
        [
            RuleId::OtherService,
            RuleId::VersionNotLocked,
            RuleId::IntegrityNotLocked
        ]
    );
}

#[test]
fn cargo_image_passes() {
    let v = verdict(ledger());
    assert_eq!(v.findings.len(), 0, "{:#?}", v.findings);
    assert_eq!(v.service.binary.as_deref(), Some("/app/ledger"));
    assert_eq!(v.service.ecosystem, Some(Ecosystem::Cargo));
}

#[test]
fn service_from_label_or_flag_else_an_error() {
    let image = hand_written().build();
    let err = run(&image, None, None, "").unwrap_err().to_string();
    assert!(
        err.contains("dev.isogen.service") && err.contains("--service"),
        "{err}"
    );
    let ws = workspace();
    let err = run(&image, Some("nope"), Some(&ws), "")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"nope\"") && err.contains("billing, payments"),
        "{err}"
    );
    let err = run(
        &image,
        Some("billing"),
        Some(&ws),
        "[verify.services.biling]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("[verify.services.biling]"), "{err}");
}

/// Each bad variant: the generated image plus one mistake, flagged by exactly one rule.
#[test]
fn each_bad_variant_is_flagged_by_exactly_its_rule() {
    #[rustfmt::skip]
    let cases: Vec<(&str, ImageBuilder, RuleId)> = vec![
        ("pnpm left in", generated_billing().with(|t| t.layer(4)
            .file("/usr/local/lib/node_modules/pnpm/package.json", r#"{"name":"pnpm"}"#)
            .symlink("/usr/local/bin/pnpm", "../lib/node_modules/pnpm/bin/pnpm.cjs")), RuleId::WorkspaceTooling),
        ("pnpm store", generated_billing().with(|t| t.layer(4)
            .files(&["/app/.pnpm-store/v3/files/00/0a1b2c-index.json"])), RuleId::WorkspaceTooling),
        ("workspace file", generated_billing().with(|t| t.layer(4)
            .file("/app/pnpm-workspace.yaml", "packages: ['services/*']")), RuleId::WorkspaceTooling),
        ("workspace spec kept, its package not installed", generated_billing().with(|t| t.layer(4)
            .file("/app/services/billing/package.json", &BILLING_PKG.replace("file:../../packages/shared", "workspace:*"))
            .delete("/app/services/billing/node_modules/@acme/shared")),
            RuleId::WorkspaceProtocol),
        ("workspace spec kept over the tree npm installed from the rewritten one", generated_billing().with(|t| t
            .layer(3).file("/app/services/billing/node_modules/.package-lock.json", r#"{"lockfileVersion":3}"#)
            .layer(4).file("/app/services/billing/package.json", &BILLING_PKG.replace("file:../../packages/shared", "workspace:*"))),
            RuleId::WorkspaceProtocol),
        ("another service copied in", generated_billing().with(|t| t.layer(4)
            .file("/app/services/payments/package.json", r#"{"name":"@acme/payments"}"#)
            .files(&["/app/services/payments/dist/main.js"])), RuleId::OtherService),
        ("another service's manifest, workspace: specs and all", generated_billing().with(|t| t.layer(4)
            .file("/app/services/payments/package.json", r#"{"name":"@acme/payments","dependencies":{"@acme/shared":"workspace:*"}}"#)
            .files(&["/app/services/payments/dist/main.js"])), RuleId::OtherService),
        ("another service copied with its node_modules", generated_billing().with(|t| t.layer(4)
            .file("/app/services/payments/package.json", r#"{"name":"@acme/payments"}"#)
            .file("/app/services/payments/node_modules/@acme/unused/package.json", r#"{"name":"@acme/unused"}"#)
            .files(&["/app/services/payments/node_modules/@acme/unused/dist/index.js"])), RuleId::OtherService),
        ("another service's dist under its folder name", generated_billing().with(|t| t.layer(4)
            .files(&["/app/payments/dist/main.js"])), RuleId::OtherService),
        ("another service in node_modules", generated_billing().with(|t| t.layer(4)
            .file("/app/services/billing/node_modules/@acme/payments/package.json", r#"{"name":"@acme/payments"}"#)), RuleId::OtherService),
        ("another service added then deleted", generated_billing().with(|t| t.layer(4)
            .file("/app/services/payments/package.json", r#"{"name":"@acme/payments"}"#)
            .files(&["/app/services/payments/dist/main.js"])
            .layer(5).delete("/app/services/payments")), RuleId::OtherService),
        ("TypeScript sources left in", generated_billing().with(|t| t.layer(4)
            .files(&["/app/services/billing/src/main.ts", "/app/services/billing/tsconfig.json"])), RuleId::Sources),
        ("internal package sources", generated_billing().with(|t| t.layer(4)
            .files(&["/app/packages/shared/src/index.ts"])), RuleId::Sources),
        ("root user", generated_billing().user("root"), RuleId::UserRoot),
        ("uid 0", generated_billing().user("0:0"), RuleId::UserRoot),
        ("uid -0", generated_billing().user("-0"), RuleId::UserRoot),
        ("uid +0", generated_billing().user("+0:10001"), RuleId::UserRoot),
        ("uid 000", generated_billing().user("000"), RuleId::UserRoot),
        ("uid 2^32 (0 in 32 bits)", generated_billing().user("4294967296"), RuleId::UserRoot),
        ("root group", generated_billing().user("10001:0"), RuleId::UserRoot),
        ("passwd entry with an empty uid", generated_billing().user("app")
            .with(|t| t.layer(4).file("/etc/passwd", "app:x::10001::/app:/bin/sh\n")), RuleId::UserRoot),
        ("first passwd match wins", generated_billing().user("app")
            .with(|t| t.layer(4).file("/etc/passwd", " app:x:0:0::/:/bin/sh \napp:x:10001:10001::/app:/bin/sh\n")), RuleId::UserRoot),
        ("no user", generated_billing().without("User"), RuleId::UserUnset),
        ("uid without passwd entry", generated_billing().user("12345"), RuleId::UserUnresolvable),
        ("dev dependencies installed", generated_billing().with(|t| t.layer(4)
            .file("/app/services/billing/node_modules/typescript/package.json", r#"{"name":"typescript"}"#)
            .files(&["/app/services/billing/node_modules/typescript/lib/tsc.js"])
            .symlink("/app/services/billing/node_modules/.bin/tsc", "../typescript/bin/tsc")
            .file("/app/services/billing/node_modules/vitest/package.json", r#"{"name":"vitest","dependencies":{"tinypool":"^1"}}"#)
            .file("/app/services/billing/node_modules/tinypool/package.json", r#"{"name":"tinypool"}"#)), RuleId::DevDependency),
        ("internal dev-only package installed", generated_billing().with(|t| t.layer(4)
            .file("/app/services/billing/node_modules/@acme/testkit/package.json", r#"{"name":"@acme/testkit"}"#)), RuleId::DevDependency),
        ("npm start", generated_billing().cmd(&["npm", "start"]), RuleId::EntrypointIndirect),
        ("start-service script", generated_billing().entrypoint(&[]).cmd(&["/app/start-service.sh", "billing"])
            .with(|t| t.layer(4).exe("/app/start-service.sh", "#!/bin/sh\nexec node /app/services/$1/dist/main.js\n")), RuleId::EntrypointIndirect),
        ("node start script that picks a service", generated_billing().cmd(&["node", "/app/start.js"])
            .with(|t| t.layer(4).file("/app/start.js", "require(`./services/${process.env.SERVICE}/dist/main.js`)")), RuleId::EntrypointIndirect),
        ("shell form", generated_billing().entrypoint(&[]).cmd(&["/bin/sh", "-c", "node /app/services/billing/dist/main.js"]), RuleId::EntrypointShell),
        ("labelled as another package", generated_billing().label("dev.isogen.package", "@acme/payments"), RuleId::OtherService),
        ("init shim not in the image", generated_billing().entrypoint(&["tini", "--"]), RuleId::EntrypointNotFound),
        ("node not in the image", generated_billing().with(|t| t.layer(4).delete("/usr/local/bin/node")), RuleId::EntrypointNotFound),
        ("entry file missing", generated_billing().cmd(&["node", "/app/services/billing/dist/server.js"]), RuleId::EntrypointNotFound),
        ("no command", generated_billing().entrypoint(&[]).cmd(&[]), RuleId::EntrypointMissing),
        (".npmrc with a token", generated_billing().with(|t| t.layer(4)
            .file("/app/.npmrc", "//registry.npmjs.org/:_authToken=npm_AbCdEf0123456789\n")), RuleId::SecretNpmrc),
        (".npmrc token deleted later", generated_billing().with(|t| t.layer(4)
            .file("/root/.npmrc", "//registry.npmjs.org/:_authToken=npm_AbCdEf0123456789\n").layer(5).delete("/root/.npmrc")), RuleId::SecretNpmrc),
        (".env", generated_billing().with(|t| t.layer(4).file("/app/services/billing/.env", "DB_PASSWORD=x")), RuleId::SecretEnvFile),
        ("private key", generated_billing().with(|t| t.layer(4)
            .file("/app/services/billing/certs/server.key", "-----BEGIN PRIVATE KEY-----\nMII\n")), RuleId::SecretPrivateKey),
        ("aws credentials", generated_billing().with(|t| t.layer(4)
            .file("/root/.aws/credentials", "[default]\naws_access_key_id=AKIA\n")), RuleId::SecretCloudCredentials),
        (".git", generated_billing().with(|t| t.layer(4).files(&["/app/.git/HEAD", "/app/.git/config"])), RuleId::SecretGit),
        ("gcc", generated_billing().with(|t| t.layer(4).exe("/usr/bin/gcc-12", "\x7fELF").symlink("/usr/bin/gcc", "gcc-12")), RuleId::Toolchain),
        ("global typescript", generated_billing().with(|t| t.layer(4)
            .file("/usr/local/lib/node_modules/typescript/package.json", r#"{"name":"typescript"}"#)), RuleId::Toolchain),
        ("unused internal package", generated_billing().with(|t| t.layer(4)
            .file("/app/packages/unused/package.json", r#"{"name":"@acme/unused"}"#)
            .files(&["/app/packages/unused/dist/index.js"])), RuleId::AppRootForeign),
        ("stray folder", generated_billing().with(|t| t.layer(4).files(&["/app/scripts/migrate.sh"])), RuleId::AppRootForeign),
        ("internal package ships tests", generated_billing().with(|t| t.layer(4)
            .files(&["/app/packages/shared/test/index.test.js"])), RuleId::InternalPackageExtra),
    ];
    let ws = workspace();
    for (what, image, rule) in cases {
        let v = run(&image.build(), None, Some(&ws), "").unwrap();
        assert_eq!(errors(&v), vec![rule], "{what}: {:#?}", v.findings);
    }
}

/// A real hand-written Cargo image with the crate folder copied next to the binary
/// (`COPY crates/ledger /app/crates/ledger`): besides `Cargo.toml` and `src/`, the folder holds
/// what any crate folder holds (here isogen's Dockerfile and its ignore file, elsewhere a
/// README or build config). They came with the sources: one finding, `sources`, not also
/// `app-root-foreign` for the rest of the folder.
#[test]
fn a_crate_folder_copied_in_is_sources_whole() {
    let ws = workspace();
    let image = ledger().workdir("/app").cmd(&["./ledger"]).with(|t| {
        t.layer(2)
            .file(
                "/app/crates/ledger/Cargo.toml",
                "[package]\nname = \"ledger\"\n",
            )
            .files(&[
                "/app/crates/ledger/src/main.rs",
                "/app/crates/ledger/Dockerfile",
                "/app/crates/ledger/Dockerfile.dockerignore",
                "/app/crates/ledger/README.md",
            ])
    });
    let v = run(&image.build(), Some("ledger"), Some(&ws), "").unwrap();
    assert_eq!(errors(&v), vec![RuleId::Sources], "{:#?}", v.findings);
    let paths: Vec<&str> = v
        .findings
        .iter()
        .flat_map(|f| f.paths.iter().map(String::as_str))
        .collect();
    assert!(paths.contains(&"/app/crates/ledger"), "{paths:?}");
    // Copied in one layer and deleted in the next: still one rule, every finding hidden.
    let hidden = ledger().workdir("/app").cmd(&["./ledger"]).with(|t| {
        t.layer(2)
            .file(
                "/app/crates/ledger/Cargo.toml",
                "[package]\nname = \"ledger\"\n",
            )
            .files(&[
                "/app/crates/ledger/src/main.rs",
                "/app/crates/ledger/Dockerfile",
            ])
            .layer(3)
            .delete("/app/crates")
    });
    let v = run(&hidden.build(), Some("ledger"), Some(&ws), "").unwrap();
    assert_eq!(errors(&v), vec![RuleId::Sources], "{:#?}", v.findings);
    assert!(
        v.findings.iter().all(|f| f.hidden.is_some()),
        "{:#?}",
        v.findings
    );
    // The binary beside a Cargo.toml (a single-stage `COPY . .` build) is still the service,
    // and the service is not missing.
    let single = ledger().workdir("/app").with(|t| {
        t.layer(2)
            .file("/app/Cargo.toml", "[package]\nname = \"ledger\"\n")
    });
    let v = run(&single.build(), Some("ledger"), Some(&ws), "").unwrap();
    assert_eq!(errors(&v), vec![RuleId::Sources], "{:#?}", v.findings);
    assert!(
        v.findings
            .iter()
            .all(|f| !f.paths.iter().any(|p| p == "/app/ledger" || p == "/app")),
        "{:#?}",
        v.findings
    );
}

/// A gateway told where its neighbours are on the command line (a real hand-written image:
/// `CMD ["node", "dist/main.js", "--billing-host", "billing", ...]`): an option's value naming
/// another service is configuration, not a script picking which service to run. A positional
/// argument naming one still is.
#[test]
fn option_values_naming_other_services_are_configuration() {
    let ws = workspace();
    let main = "/app/services/billing/dist/main.js";
    let cases: Vec<(ImageBuilder, Vec<RuleId>)> = vec![
        (
            generated_billing().cmd(&["node", main, "--payments-host", "payments"]),
            vec![],
        ),
        (
            generated_billing().cmd(&["node", main, "--upstream=payments", "--", "x"]),
            vec![],
        ),
        (
            generated_billing().cmd(&["node", main, "payments"]),
            vec![RuleId::EntrypointIndirect],
        ),
        (
            ledger().cmd(&["/app/ledger", "--peer", "ledger-admin"]),
            vec![],
        ),
        (
            ledger().cmd(&["/app/ledger", "ledger-admin"]),
            vec![RuleId::EntrypointIndirect],
        ),
        // A selector option's value picks what runs: still a start-service argument.
        (
            generated_billing().cmd(&["node", main, "--service", "payments"]),
            vec![RuleId::EntrypointIndirect],
        ),
        (
            generated_billing().cmd(&["node", main, "--app=@acme/payments"]),
            vec![RuleId::EntrypointIndirect],
        ),
    ];
    for (image, want) in cases {
        let image = image.build();
        let v = run(&image, None, Some(&ws), "").unwrap();
        assert_eq!(
            errors(&v),
            want,
            "{:?}: {:#?}",
            image.config.config(),
            v.findings
        );
    }
}

/// Another service's build output copied inside the service's own folder under its folder
/// name (real hand-written images: `/prod/billing/catalog/dist/main.js` in pnpm deploy's
/// layout, `/app/service/catalog/dist/main.js` in the seed's) is that service: the folder
/// holds its entry file. A module of the service named like it (`dist/payments/client.js`)
/// is not.
#[test]
fn another_services_output_inside_the_service_folder_is_found() {
    let ws = workspace();
    let cases: Vec<(ImageBuilder, &str, Vec<RuleId>)> = vec![
        (
            pnpm_deploy("/prod/billing")
                .with(|t| t.layer(2).files(&["/prod/billing/payments/dist/main.js"])),
            "/prod/billing/payments",
            vec![RuleId::OtherService],
        ),
        (
            hand_written().with(|t| t.layer(2).files(&["/app/service/payments/dist/main.js"])),
            "/app/service/payments",
            vec![RuleId::OtherService],
        ),
        (
            pnpm_deploy("/prod/billing")
                .with(|t| t.layer(2).files(&["/prod/billing/dist/payments/client.js"])),
            "",
            vec![],
        ),
    ];
    for (image, path, want) in cases {
        let v = run(&image.build(), Some("billing"), Some(&ws), "").unwrap();
        assert_eq!(errors(&v), want, "{path}: {:#?}", v.findings);
        if !path.is_empty() {
            assert_eq!(
                finding(&v, RuleId::OtherService).paths,
                vec![path.to_string()]
            );
        }
    }
}

#[test]
fn cargo_bad_variants() {
    let ws = workspace();
    let cases: Vec<(&str, ImageBuilder, RuleId)> = vec![
        (
            "cargo left in",
            ledger().with(|t| {
                t.layer(2)
                    .exe("/usr/local/cargo/bin/cargo", "\x7fELF")
                    .exe("/usr/local/cargo/bin/rustc", "\x7fELF")
            }),
            RuleId::Toolchain,
        ),
        (
            "target left in",
            ledger().with(|t| {
                t.layer(2)
                    .files(&["/app/target/release/ledger", "/app/target/CACHEDIR.TAG"])
            }),
            RuleId::Sources,
        ),
        (
            "sources left in",
            ledger().with(|t| {
                t.layer(2).files(&[
                    "/app/crates/ledger/src/main.rs",
                    "/app/crates/ledger/Cargo.toml",
                ])
            }),
            RuleId::Sources,
        ),
        (
            "other binary",
            ledger().with(|t| t.layer(2).exe("/app/ledger-admin", "\x7fELF")),
            RuleId::OtherService,
        ),
        (
            "missing binary",
            ledger().cmd(&["/app/ledgerd"]),
            RuleId::EntrypointNotFound,
        ),
    ];
    for (what, image, rule) in cases {
        let v = run(&image.build(), None, Some(&ws), "").unwrap();
        let mut got = errors(&v);
        // A missing binary is also a missing service.
        got.retain(|r| *r != RuleId::ServiceMissing || rule != RuleId::EntrypointNotFound);
        assert_eq!(got, vec![rule], "{what}: {:#?}", v.findings);
    }
}

#[test]
fn hidden_findings_name_the_layer_that_added_and_the_one_that_hid() {
    let v = verdict(generated_billing().with(|t| {
        t.layer(4)
            .file(
                "/app/services/payments/package.json",
                r#"{"name":"@acme/payments"}"#,
            )
            .files(&["/app/services/payments/dist/main.js"])
            .layer(5)
            .delete("/app/services/payments")
    }));
    let f = finding(&v, RuleId::OtherService);
    assert_eq!(f.paths, vec!["/app/services/payments"]);
    assert_eq!(f.layer.as_ref().unwrap().index, 4);
    let h = f.hidden.as_ref().unwrap();
    assert_eq!((h.how, h.layer.index), ("deleted", 5));
    assert!(
        f.message
            .starts_with("shipped but hidden (deleted in layer 5)"),
        "{}",
        f.message
    );
}

/// The path rules split over threads (each over a run of consecutive entries) find exactly
/// what one pass finds: the same findings, paths, layers and hidden-by, in the same order.
#[test]
fn path_rules_on_several_threads_find_what_one_finds() {
    let image = generated_billing()
        .with(|t| {
            t.layer(4)
                .file(
                    "/usr/local/lib/node_modules/pnpm/package.json",
                    r#"{"name":"pnpm"}"#,
                )
                .files(&["/app/.pnpm-store/v3/files/00/0a1b2c-index.json"])
                .file(
                    "/app/services/payments/package.json",
                    r#"{"name":"@acme/payments"}"#,
                )
                .files(&[
                    "/app/services/payments/dist/main.js",
                    "/app/payments/dist/main.js",
                ])
                .files(&[
                    "/app/services/billing/src/main.ts",
                    "/app/services/billing/src/b/c.ts",
                ])
                .files(&[
                    "/app/packages/shared/src/index.ts",
                    "/app/services/billing/tsconfig.json",
                ])
                .files(&["/app/services/billing/.env", "/app/notes/todo.txt"])
                .layer(5)
                .delete("/app/services/payments")
                .files(&["/app/services/billing/src/late.ts", "/app/extra/x.js"])
        })
        // Another service's files from two layers, interleaved in path order: however the
        // entries are split, its one finding names both layers.
        .with(|mut t| {
            for (i, name) in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
                .iter()
                .enumerate()
            {
                t = t
                    .layer(4 + i % 2)
                    .files(&[&format!("/app/payments/dist/{name}.js")]);
            }
            t
        })
        .build();
    let ws = workspace();
    let config = Config::parse("", Path::new("isogen.toml")).unwrap();
    let request = Request {
        service: None,
        workspace: Some(&ws),
        config: &config.verify,
        config_path: PathBuf::from("isogen.toml"),
    };
    let one = format!("{:?}", super::check_on(&image, &request, Some(1)).unwrap());
    assert!(
        one.contains("OtherService") && one.contains("Sources"),
        "{one}"
    );
    for threads in 2..=7 {
        let several = format!(
            "{:?}",
            super::check_on(&image, &request, Some(threads)).unwrap()
        );
        assert_eq!(several, one, "{threads} threads");
    }
}

#[test]
fn a_folder_of_many_files_is_one_path() {
    let v = verdict(generated_billing().with(|t| {
        t.layer(4).files(&[
            "/app/services/billing/src/a.ts",
            "/app/services/billing/src/b/c.ts",
            "/app/services/billing/src/d.js",
        ])
    }));
    let f = finding(&v, RuleId::Sources);
    assert_eq!(f.paths, vec!["/app/services/billing/src"]);
}

#[test]
fn a_js_package_running_from_src_keeps_its_src() {
    let v = verdict(generated_billing().with(|t| {
        t.layer(4)
            .file(
                "/app/packages/shared/package.json",
                &SHARED_PKG.replace("dist/index.js", "src/index.js"),
            )
            .files(&["/app/packages/shared/src/index.js"])
    }));
    assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);
}

#[test]
fn policy_turns_rules_off_allows_and_denies() {
    let ws = workspace();
    let image = generated_billing()
        .with(|t| {
            t.layer(4)
                .files(&[
                    "/app/services/billing/src/a.ts",
                    "/app/services/billing/dist/main.js.map",
                ])
                .file("/app/services/billing/public/.env.production", "X=1")
        })
        .build();
    let v = run(&image, None, Some(&ws), "").unwrap();
    assert_eq!(errors(&v), vec![RuleId::Sources, RuleId::SecretEnvFile]);
    let toml = r#"
[verify]
allow = ["/app/services/billing/public"]
deny = ["*.map"]
[verify.rules]
package-manager = "off"
[verify.services.billing.rules]
sources = "warning"
"#;
    let v = run(&image, None, Some(&ws), toml).unwrap();
    let skipped: Vec<(RuleId, &str)> = (v.skipped.iter())
        .map(|s| (s.rule, s.reason.as_str()))
        .filter(|(r, _)| !matches!(r, RuleId::VersionNotLocked | RuleId::IntegrityNotLocked))
        .collect();
    assert_eq!(
        skipped,
        [(RuleId::PackageManager, "turned off by the [verify] policy")]
    );
    let got: Vec<(RuleId, Severity)> = v.findings.iter().map(|f| (f.rule, f.severity)).collect();
    assert_eq!(
        got,
        vec![
            (RuleId::DeniedPath, Severity::Error),
            (RuleId::Sources, Severity::Warning)
        ]
    );
    assert_eq!(
        v.findings[0].paths,
        vec!["/app/services/billing/dist/main.js.map"]
    );
}

#[test]
fn a_service_not_in_the_image_is_missing() {
    let ws = workspace();
    let v = run(
        &generated_billing().build(),
        Some("payments"),
        Some(&ws),
        "",
    )
    .unwrap();
    let ids = errors(&v);
    assert!(ids.contains(&RuleId::ServiceMissing), "{ids:?}");
    assert!(ids.contains(&RuleId::EntrypointIndirect), "{ids:?}");
}

/// A runtime image built on Debian or Alpine ships the OS's own programs; one named like another
/// service's binary (`ledger-admin` from a distribution package) is the OS's file, listed in its
/// package database, not that service. The same file put there by a later layer (a `COPY`
/// over it), or with no database naming it, is still reported.
#[test]
fn os_package_files_named_like_another_service_are_not_it() {
    let ws = workspace();
    let debian = |t: TreeBuilder| {
        t.layer(0).exe("/usr/bin/ledger-admin", "\x7fELF").file(
            "/var/lib/dpkg/info/ledger-tools.list",
            "/.\n/usr\n/usr/bin\n/usr/bin/ledger-admin\n",
        )
    };
    let cases: Vec<(&str, ImageBuilder, Vec<RuleId>)> = vec![
        ("dpkg lists it", ledger().with(debian), vec![]),
        (
            "dpkg lists it under /bin (usrmerge)",
            ledger().with(|t| {
                t.layer(0)
                    .symlink("/bin", "usr/bin")
                    .exe("/usr/bin/ledger-admin", "\x7fELF")
                    .file(
                        "/var/lib/dpkg/info/ledger-tools:amd64.list",
                        "/.\n/bin\n/bin/ledger-admin\n",
                    )
            }),
            vec![],
        ),
        (
            "distroless status.d md5sums list it",
            ledger().with(|t| {
                t.layer(0).exe("/usr/bin/ledger-admin", "\x7fELF").file(
                    "/var/lib/dpkg/status.d/ledger-tools.md5sums",
                    "d41d8cd98f00b204e9800998ecf8427e  usr/bin/ledger-admin\n",
                )
            }),
            vec![],
        ),
        (
            "apk's installed database lists it",
            ledger().with(|t| {
                t.layer(0).exe("/usr/bin/ledger-admin", "\x7fELF").file(
                    "/lib/apk/db/installed",
                    "C:Q1abc=\nP:ledger-tools\nV:1.0-r0\n\nF:usr\nF:usr/bin\nR:ledger-admin\na:0:0:755\n",
                )
            }),
            vec![],
        ),
        (
            "an update-alternatives link in a Debian image",
            ledger().with(|t| {
                t.layer(0)
                    .file("/var/lib/dpkg/info/ledger-tools.list", "/usr/bin/ledger-tools\n")
                    .symlink("/usr/bin/ledger-admin", "/etc/alternatives/ledger-admin")
                    .symlink("/etc/alternatives/ledger-admin", "/usr/bin/ledger-tools")
            }),
            vec![],
        ),
        (
            "no database names it",
            ledger().with(|t| t.layer(0).exe("/usr/bin/ledger-admin", "\x7fELF")),
            vec![RuleId::OtherService],
        ),
        (
            "a later layer put the other service over the OS's file",
            ledger().with(|t| debian(t).layer(2).exe("/usr/bin/ledger-admin", "\x7fELF\x02")),
            vec![RuleId::OtherService],
        ),
    ];
    for (what, image, rules) in cases {
        let v = run(&image.build(), None, Some(&ws), "").unwrap();
        assert_eq!(errors(&v), rules, "{what}: {:#?}", v.findings);
    }
    // The image reader captures the package databases for this.
    let c = capture(None, Default::default());
    for p in [
        "/var/lib/dpkg/info/libc6:amd64.list",
        "/var/lib/dpkg/info/bash.list",
        "/var/lib/dpkg/status.d/libc6.md5sums",
        "/lib/apk/db/installed",
        "/usr/lib/apk/db/installed",
    ] {
        assert!((c.wants)(p), "{p}");
    }
    for p in ["/var/lib/dpkg/info/bash.postinst", "/app/installed"] {
        assert!(!(c.wants)(p), "{p}");
    }
}

#[test]
fn capture_wants_what_the_rules_read() {
    let cfg = facts::RuntimeConfig {
        entrypoint: vec!["docker-entrypoint.sh".into()],
        cmd: vec!["node".into(), "dist/main.js".into()],
        working_dir: Some("/app/svc".into()),
        ..Default::default()
    };
    let c = capture(Some(&cfg), Default::default());
    for p in [
        "/etc/passwd",
        "/app/svc/package.json",
        "/app/node_modules/zod/package.json",
        "/app/.npmrc",
        "/root/.npmrc",
        "/app/svc/.env.local",
        "/app/certs/tls.key",
        "/usr/local/bin/docker-entrypoint.sh",
        "/app/svc/dist/main.js",
        "/root/.docker/config.json",
        // Keys are found by content, whatever their name.
        "/root/.ssh/deploy_key",
        "/home/node/.ssh/github",
        "/app/secrets/jwt-signing",
        "/srv/certs/tls_private",
    ] {
        assert!((c.wants)(p), "{p}");
    }
    for p in [
        "/usr/lib/libc.so.6",
        "/app/node_modules/x/index.js",
        "/app/svc/dist/other.js",
        "/etc/hostname",
        "/app/node_modules/.bin/tsc",
        "/app/ledger",
        "/usr/local/bin/ingest",
    ] {
        assert!(!(c.wants)(p), "{p}");
    }
}

/// 100k files in node_modules (a large real app), enough for the path rules to split over the
/// cores: no error. How fast is `cargo xtask bench`'s business, not a wall-clock assertion.
#[test]
fn a_large_node_modules_tree_has_no_errors() {
    let image = generated_billing()
        .with(|mut t| {
            t = t.layer(4);
            for p in 0..1000 {
                let dir = format!("/app/services/billing/node_modules/pkg{p}");
                t = t.file(
                    &format!("{dir}/package.json"),
                    &format!("{{\"name\":\"pkg{p}\"}}"),
                );
                let files: Vec<String> = (0..100)
                    .map(|f| format!("{dir}/lib/sub{}/f{f}.js", f % 7))
                    .collect();
                let refs: Vec<&str> = files.iter().map(String::as_str).collect();
                t = t.files(&refs);
            }
            t
        })
        .build();
    let ws = workspace();
    assert!(image.tree.entries.len() > 100_000);
    let v = run(&image, None, Some(&ws), "").unwrap();
    assert_eq!(errors(&v), Vec::<RuleId>::new());
}

/// isogen's output copied by hand to other folders: the `file:` specs no longer point anywhere,
/// node_modules holds the real packages, and the folder copies are the same packages again.
#[test]
fn moved_packages_with_stale_file_specs_pass() {
    let image = ImageBuilder::new("moved")
        .cmd(&["node", "dist/main.js"])
        .workdir("/app/billing")
        .user("node")
        .with(|t| {
            node_base(t)
                .layer(1)
                .file("/app/shared/package.json", SHARED_PKG)
                .files(&["/app/shared/dist/index.js"])
                .file("/app/billing/package.json", BILLING_PKG)
                .files(&["/app/billing/dist/main.js"])
                .file(
                    "/app/billing/node_modules/@acme/shared/package.json",
                    SHARED_PKG,
                )
                .files(&["/app/billing/node_modules/@acme/shared/dist/index.js"])
                .file(
                    "/app/billing/node_modules/zod/package.json",
                    r#"{"name":"zod"}"#,
                )
        })
        .build();
    let ws = workspace();
    for ws in [Some(&ws), None] {
        let v = run(&image, Some("billing"), ws, "").unwrap();
        assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);
    }
}

#[test]
fn npm_config_and_lockfiles_at_the_app_root_are_not_foreign() {
    let v = verdict(generated_billing().with(|t| {
        t.layer(4)
            .file("/app/.npmrc", "omit=dev\nfund=false\n")
            .file("/app/package-lock.json", "{}")
    }));
    assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);
}

/// What `[generate.services.<name>] assets` puts next to a Cargo binary is the service's own:
/// an image generate made from that config passes; the same files without the config are
/// foreign, and an asset holding a secret is still a secret.
#[test]
fn cargo_assets_from_the_generate_config_belong_to_the_service() {
    let ws = workspace();
    let with_assets = || {
        ledger().with(|t| {
            t.layer(2)
                .file("/app/config/ledger.toml", "port = 8080\n")
                .files(&["/app/static/index.html", "/app/static/css/site.css"])
        })
    };
    let config = "[generate.services.ledger]\nassets = [\"config/ledger.toml\", \"static/\"]\n";
    let v = run(&with_assets().build(), None, Some(&ws), config).unwrap();
    assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);

    let v = run(&with_assets().build(), None, Some(&ws), "").unwrap();
    assert_eq!(errors(&v), vec![RuleId::AppRootForeign]);

    let moved =
        "[generate]\napp_root = \"/srv\"\n[generate.services.ledger]\nassets = [\"static\"]\n";
    let v = run(&with_assets().build(), None, Some(&ws), moved).unwrap();
    assert_eq!(
        errors(&v),
        vec![RuleId::AppRootForeign],
        "assets are under /srv now"
    );

    let secret = ledger().with(|t| t.layer(2).file("/app/static/.env", "TOKEN=x\n"));
    let v = run(&secret.build(), None, Some(&ws), config).unwrap();
    assert_eq!(errors(&v), vec![RuleId::SecretEnvFile]);
}

/// What `pnpm --filter @acme/billing deploy --prod out` writes (pnpm 9 and 10 alike, seen in
/// real images): the package with its `workspace:` specs kept, and an isolated `node_modules`
/// whose packages live in the virtual store `node_modules/.pnpm`, linked from the top. pnpm's
/// own Docker recipe copies that folder into the runtime image.
fn pnpm_deploy(app: &str) -> ImageBuilder {
    let store = format!("{app}/node_modules/.pnpm");
    let shared = format!("{store}/@acme+shared@file+packages+shared/node_modules/@acme/shared");
    let zod = format!("{store}/zod@3.23.8/node_modules/zod");
    ImageBuilder::new("billing")
        .entrypoint(&["docker-entrypoint.sh"])
        .cmd(&["node", "dist/main.js"])
        .workdir(app)
        .user("node")
        .with(|t| {
            node_base(t)
                .layer(1)
                .file(
                    &format!("{app}/package.json"),
                    &BILLING_PKG
                        .replace("file:../../packages/shared", "workspace:*")
                        .replace("file:../../packages/testkit", "workspace:^"),
                )
                .files(&[&format!("{app}/dist/main.js")])
                .file(
                    &format!("{app}/node_modules/.modules.yaml"),
                    "layoutVersion: 5\nnodeLinker: isolated\n",
                )
                .file(&format!("{store}/lock.yaml"), "lockfileVersion: '9.0'\n")
                .file(&format!("{shared}/package.json"), SHARED_PKG)
                .files(&[&format!("{shared}/dist/index.js")])
                .symlink(
                    &format!("{store}/@acme+shared@file+packages+shared/node_modules/zod"),
                    "../../zod@3.23.8/node_modules/zod",
                )
                .file(
                    &format!("{zod}/package.json"),
                    r#"{"name":"zod","version":"3.23.8"}"#,
                )
                .files(&[&format!("{zod}/lib/index.js")])
                .symlink(
                    &format!("{store}/node_modules/zod"),
                    "../zod@3.23.8/node_modules/zod",
                )
                .symlink(
                    &format!("{app}/node_modules/@acme/shared"),
                    "../.pnpm/@acme+shared@file+packages+shared/node_modules/@acme/shared",
                )
                .symlink(
                    &format!("{app}/node_modules/zod"),
                    ".pnpm/zod@3.23.8/node_modules/zod",
                )
        })
}

#[test]
fn pnpm_deploy_output_passes() {
    let ws = workspace();
    for app in ["/usr/src/app", "/app"] {
        let image = pnpm_deploy(app).build();
        for w in [Some(&ws), None] {
            let v = run(&image, Some("billing"), w, "").unwrap();
            assert_eq!(errors(&v), Vec::<RuleId>::new(), "{app}: {:#?}", v.findings);
            assert_eq!(v.service.root.as_deref(), Some(app));
        }
    }
}

#[test]
fn pnpm_deploy_with_dev_dependencies_or_a_store_is_still_reported() {
    let ws = workspace();
    let store = "/usr/src/app/node_modules/.pnpm";
    let cases: Vec<(&str, ImageBuilder, RuleId)> = vec![
        // `pnpm deploy` without --prod: the dev dependencies are in the virtual store.
        (
            "deploy without --prod",
            pnpm_deploy("/usr/src/app").with(|t| {
                t.layer(2)
                    .file(
                        &format!("{store}/vitest@1.6.0/node_modules/vitest/package.json"),
                        r#"{"name":"vitest"}"#,
                    )
                    .symlink(
                        "/usr/src/app/node_modules/vitest",
                        ".pnpm/vitest@1.6.0/node_modules/vitest",
                    )
            }),
            RuleId::DevDependency,
        ),
        // The content-addressable store is pnpm's cache, not an installed package.
        (
            "pnpm store copied",
            pnpm_deploy("/usr/src/app").with(|t| {
                t.layer(2)
                    .files(&["/root/.local/share/pnpm/store/v3/files/00/abc"])
            }),
            RuleId::WorkspaceTooling,
        ),
        (
            "store in the app",
            pnpm_deploy("/usr/src/app").with(|t| {
                t.layer(2)
                    .files(&["/usr/src/app/.pnpm-store/v3/files/00/abc"])
            }),
            RuleId::WorkspaceTooling,
        ),
        // A workspace: spec whose package is not installed: the service cannot load it.
        (
            "workspace spec not installed",
            pnpm_deploy("/usr/src/app").with(|t| {
                t.layer(2)
                    .delete("/usr/src/app/node_modules/@acme/shared")
                    .delete(&format!("{store}/@acme+shared@file+packages+shared"))
            }),
            RuleId::WorkspaceProtocol,
        ),
    ];
    for (what, image, rule) in cases {
        let v = run(&image.build(), Some("billing"), Some(&ws), "").unwrap();
        assert_eq!(errors(&v), vec![rule], "{what}: {:#?}", v.findings);
    }
}

/// `pnpm deploy` without `--prod` (a real image of pnpm's recipe): typescript is in the virtual
/// store and linked twice, from the top `node_modules/typescript` and from pnpm's hoisted
/// `.pnpm/node_modules/typescript`. The links are the dev dependency itself: one cause, one
/// rule (`dev-dependency`), not also `toolchain` for the links.
#[test]
fn pnpm_deploy_links_to_a_dev_dependency_are_the_dev_dependency() {
    let ws = workspace();
    let app = "/prod/billing";
    let store = format!("{app}/node_modules/.pnpm");
    let ts = format!("{store}/typescript@5.9.3/node_modules/typescript");
    let image = pnpm_deploy(app)
        .with(|t| {
            t.layer(1)
                .file(
                    &format!("{ts}/package.json"),
                    r#"{"name":"typescript","version":"5.9.3","bin":{"tsc":"./bin/tsc"}}"#,
                )
                .files(&[&format!("{ts}/bin/tsc"), &format!("{ts}/lib/tsc.js")])
                .symlink(
                    &format!("{app}/node_modules/typescript"),
                    ".pnpm/typescript@5.9.3/node_modules/typescript",
                )
                .symlink(
                    &format!("{store}/node_modules/typescript"),
                    "../typescript@5.9.3/node_modules/typescript",
                )
                // pnpm writes shell shims, not links, in .bin.
                .exe(
                    &format!("{app}/node_modules/.bin/tsc"),
                    "#!/bin/sh\nexec node \"$basedir/../typescript/bin/tsc\" \"$@\"\n",
                )
        })
        .build();
    let v = run(&image, Some("billing"), Some(&ws), "").unwrap();
    assert_eq!(errors(&v), vec![RuleId::DevDependency], "{:#?}", v.findings);
    let dev = finding(&v, RuleId::DevDependency);
    assert_eq!(dev.paths, vec![ts.clone()], "{:#?}", v.findings);
    // A run-time dependency's links stay what they were (zod is not a dev dependency).
    assert!(v
        .findings
        .iter()
        .all(|f| f.paths.iter().all(|p| !p.contains("zod"))));
}

/// dokploy's `@trpc/server` declares `typescript` as a (required) peer dependency: pnpm's
/// production install links it, as the lockfile locks it. A toolchain package that the
/// production closure needs is not a build leftover: no `toolchain` finding (and no
/// `dev-dependency` though the service also lists it as a devDependency).
#[test]
fn a_toolchain_package_a_production_dependency_needs_is_not_a_leftover() {
    let ws = workspace();
    let app = "/app";
    let store = format!("{app}/node_modules/.pnpm");
    let ts = format!("{store}/typescript@5.9.3/node_modules/typescript");
    let image = pnpm_deploy(app)
        .with(|t| {
            t.layer(2)
                .file(
                    &format!("{store}/zod@3.23.8/node_modules/zod/package.json"),
                    r#"{"name":"zod","version":"3.23.8","peerDependencies":{"typescript":">=5"}}"#,
                )
                .file(
                    &format!("{ts}/package.json"),
                    r#"{"name":"typescript","version":"5.9.3","bin":{"tsc":"./bin/tsc"}}"#,
                )
                .files(&[&format!("{ts}/bin/tsc"), &format!("{ts}/lib/tsc.js")])
                .symlink(
                    &format!("{store}/zod@3.23.8/node_modules/typescript"),
                    "../../typescript@5.9.3/node_modules/typescript",
                )
                .symlink(
                    &format!("{store}/node_modules/typescript"),
                    "../typescript@5.9.3/node_modules/typescript",
                )
        })
        .build();
    let v = run(&image, Some("billing"), Some(&ws), "").unwrap();
    assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);
}

/// The common hand-written layout puts the service's package at the app root
/// (`WORKDIR /usr/src/app`, `COPY . .`): another service copied in below it is still another
/// service, found by its workspace folder or by its folder name holding its entry file, while
/// the service's own folders named like another service (a client module) are its business.
#[test]
fn another_service_inside_a_service_at_the_app_root_is_found() {
    let ws = workspace();
    let cases: Vec<(&str, ImageBuilder, Vec<RuleId>)> = vec![
        (
            "its dist under its folder name",
            pnpm_deploy("/usr/src/app")
                .with(|t| t.layer(2).files(&["/usr/src/app/payments/dist/main.js"])),
            vec![RuleId::OtherService],
        ),
        (
            "its workspace folder",
            pnpm_deploy("/usr/src/app").with(|t| {
                t.layer(2)
                    .files(&["/usr/src/app/services/payments/dist/main.js"])
            }),
            vec![RuleId::OtherService],
        ),
        (
            "a client module named like it",
            pnpm_deploy("/usr/src/app").with(|t| {
                t.layer(2).files(&[
                    "/usr/src/app/dist/services/payments/client.js",
                    "/usr/src/app/dist/payments/index.js",
                ])
            }),
            vec![],
        ),
    ];
    for (what, image, rules) in cases {
        let v = run(&image.build(), Some("billing"), Some(&ws), "").unwrap();
        assert_eq!(errors(&v), rules, "{what}: {:#?}", v.findings);
    }
}

/// A package whose folder holds the service (the workspace root copied to the app root) is
/// reported by its own files, not by its folder: that folder is the whole app, service included.
#[test]
fn a_package_around_the_service_is_reported_by_its_files() {
    let ws = workspace();
    for root_pkg in [
        r#"{"name":"acme","private":true}"#,
        r#"{"name":"something-else"}"#,
    ] {
        let image = generated_billing().with(|t| {
            t.layer(4)
                .file("/app/package.json", root_pkg)
                .files(&["/app/scripts/release.sh", "/app/Makefile"])
        });
        let v = run(&image.build(), None, Some(&ws), "").unwrap();
        assert_eq!(
            errors(&v),
            vec![RuleId::AppRootForeign],
            "{:#?}",
            v.findings
        );
        let paths: Vec<&str> = v
            .findings
            .iter()
            .filter(|f| f.rule == RuleId::AppRootForeign)
            .flat_map(|f| f.paths.iter().map(String::as_str))
            .collect();
        assert_eq!(
            paths,
            vec!["/app/Makefile", "/app/package.json", "/app/scripts"],
            "{root_pkg}: {:#?}",
            v.findings
        );
    }
}

/// A binary started through a shell or a script is still in the image: the shell is the
/// entrypoint rules' finding, not `service-missing`. Found by its name, with the workspace or
/// the label saying it is a Cargo service, and without either (only `--service`).
#[test]
fn a_binary_behind_a_shell_entrypoint_is_not_missing() {
    let ws = workspace();
    let shell = || {
        ledger()
            .cmd(&["/bin/sh", "-c", "exec /usr/local/bin/$APP"])
            .with(|t| t.layer(2).exe("/usr/local/bin/ledger", "\x7fELF\x02\x01"))
    };
    for (w, image) in [
        (Some(&ws), shell()),
        (None, shell()),
        (None, shell().without("Labels")),
    ] {
        let v = run(&image.build(), Some("ledger"), w, "").unwrap();
        assert_eq!(
            errors(&v),
            vec![RuleId::EntrypointShell],
            "{:#?}",
            v.findings
        );
        assert!(v.service.binary.is_some(), "{:#?}", v.service);
    }
}

/// No --service and no label: with a workspace, an image named like one of its services
/// (`registry/team/billing:1.4`) is checked as that service; otherwise it is still an error.
#[test]
fn the_image_name_tells_the_service_when_a_workspace_knows_it() {
    let ws = workspace();
    let named = || {
        let mut b = hand_written();
        b.rename("registry.acme.dev/team/billing");
        b.build()
    };
    let v = run(&named(), None, Some(&ws), "").unwrap();
    assert_eq!(v.service.name, "billing");
    assert_eq!(v.service.name_from, NameSource::ImageName);
    assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);
    // Not a service's name, or no workspace to say so: the clear error as before.
    let mut other = hand_written();
    other.rename("registry.acme.dev/team/backend");
    for (image, w) in [(other.build(), Some(&ws)), (named(), None)] {
        let err = run(&image, None, w, "").unwrap_err().to_string();
        assert!(err.contains("--service"), "{err}");
    }
}

/// Images without the service's package.json: a bundle (esbuild/ncc: one file) or the build
/// output and node_modules copied without the manifest. The entry file node runs is the
/// service; its folder (above `dist`) stands for the package.
fn without_manifest(files: &[&str], cmd: &[&str]) -> ImageBuilder {
    let files: Vec<String> = files.iter().map(|f| f.to_string()).collect();
    ImageBuilder::new("billing")
        .cmd(cmd)
        .workdir("/app")
        .user("node")
        .with(move |t| {
            let refs: Vec<&str> = files.iter().map(String::as_str).collect();
            node_base(t).layer(1).files(&refs).file(
                "/app/node_modules/zod/package.json",
                r#"{"name":"zod","version":"3.23.8"}"#,
            )
        })
}

#[test]
fn a_service_without_its_package_json_is_found_by_its_entry_file() {
    let ws = workspace();
    let bundle = || without_manifest(&["/app/server.js"], &["node", "/app/server.js"]);
    let dist = || {
        without_manifest(
            &["/app/dist/main.js", "/app/dist/routes/invoices.js"],
            &["node", "dist/main.js"],
        )
    };
    for (what, image) in [("bundle", bundle().build()), ("dist", dist().build())] {
        for w in [Some(&ws), None] {
            let v = run(&image, Some("billing"), w, "").unwrap();
            assert_eq!(
                errors(&v),
                Vec::<RuleId>::new(),
                "{what}: {:#?}",
                v.findings
            );
            assert_eq!(v.service.app_root.as_deref(), Some("/app"), "{what}");
        }
    }
    // What the workspace knows still counts: its dev dependencies, another service, sources.
    let cases: Vec<(ImageBuilder, RuleId)> = vec![
        (
            dist().with(|t| {
                t.layer(2).file(
                    "/app/node_modules/typescript/package.json",
                    r#"{"name":"typescript"}"#,
                )
            }),
            RuleId::DevDependency,
        ),
        (
            dist().with(|t| t.layer(2).files(&["/app/services/payments/dist/main.js"])),
            RuleId::OtherService,
        ),
        (
            dist().with(|t| t.layer(2).files(&["/app/src/main.ts"])),
            RuleId::Sources,
        ),
        (
            bundle().with(|t| t.layer(2).file("/app/.env", "X=1")),
            RuleId::SecretEnvFile,
        ),
    ];
    for (image, rule) in cases {
        let v = run(&image.build(), Some("billing"), Some(&ws), "").unwrap();
        assert_eq!(errors(&v), vec![rule], "{:#?}", v.findings);
    }
}

/// A Cargo binary copied under another name (`COPY ... /app/server`) is the service when the
/// entrypoint runs it and it is not another service's binary.
#[test]
fn a_renamed_binary_that_the_entrypoint_runs_is_the_service() {
    let ws = workspace();
    let image = |bin: &str| {
        ImageBuilder::new("ledger")
            .cmd(&[bin])
            .user("10001:10001")
            .with(|t| {
                t.file("/etc/passwd", APP_PASSWD)
                    .file("/etc/group", APP_GROUP)
                    .layer(1)
                    .exe(bin, "\x7fELF\x02\x01")
            })
            .build()
    };
    let v = run(&image("/app/server"), Some("ledger"), Some(&ws), "").unwrap();
    assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);
    assert_eq!(v.service.binary.as_deref(), Some("/app/server"));
    // Another service's binary is not taken for this one.
    let v = run(&image("/app/ledger-admin"), Some("ledger"), Some(&ws), "").unwrap();
    assert!(
        errors(&v).contains(&RuleId::ServiceMissing),
        "{:#?}",
        v.findings
    );
}

/// Build tools that write their own package.json next to the output (Nx's `generatePackageJson`,
/// a bundler's `dist/package.json`) name it as they like: the package the entrypoint runs is
/// the service unless its name is another workspace package's.
#[test]
fn the_package_the_entrypoint_runs_is_the_service_whatever_its_name() {
    let ws = workspace();
    let image = |name: &str| {
        let manifest =
            format!(r#"{{"name":"{name}","version":"0.0.1","dependencies":{{"zod":"^3"}}}}"#);
        ImageBuilder::new("billing")
            .cmd(&["node", "main.js"])
            .workdir("/app")
            .user("node")
            .with(move |t| {
                node_base(t)
                    .layer(1)
                    .file("/app/package.json", &manifest)
                    .files(&["/app/main.js", "/app/main.js.map"])
                    .file("/app/node_modules/zod/package.json", r#"{"name":"zod"}"#)
            })
            .build()
    };
    for name in ["billing-dist", "api"] {
        let v = run(&image(name), Some("billing"), Some(&ws), "").unwrap();
        assert_eq!(
            errors(&v),
            Vec::<RuleId>::new(),
            "{name}: {:#?}",
            v.findings
        );
        assert_eq!(v.service.root.as_deref(), Some("/app"));
    }
    let v = run(&image("@acme/payments"), Some("billing"), Some(&ws), "").unwrap();
    assert!(
        errors(&v).contains(&RuleId::ServiceMissing),
        "{:#?}",
        v.findings
    );
}

/// A bundler that writes `dist/package.json` with the service's own name (graphql-hive's
/// `runify`: `{"name":"@hive/webhooks","bin":"index.js"}`) next to the bundle: the service's
/// folder is the outer package, where generate put it, so its package.json is not foreign.
#[test]
fn a_bundle_s_package_json_named_like_the_service_does_not_move_the_service_folder() {
    let ws = workspace();
    for with_ws in [true, false] {
        let image = generated_billing()
            .with(|t| {
                t.layer(4).file(
                    "/app/services/billing/dist/package.json",
                    r#"{"name":"@acme/billing","version":"1.0.0","bin":"main.js"}"#,
                )
            })
            .build();
        let v = run(&image, Some("billing"), with_ws.then_some(&ws), "").unwrap();
        assert_eq!(
            v.service.root.as_deref(),
            Some("/app/services/billing"),
            "--workspace {with_ws}"
        );
        assert!(
            !errors(&v).contains(&RuleId::AppRootForeign),
            "--workspace {with_ws}: {:#?}",
            v.findings
        );
    }
}

#[test]
fn an_image_labelled_as_another_service_than_service_is_a_finding() {
    let ws = workspace();
    let image = generated_billing()
        .label("dev.isogen.service", "payments")
        .build();
    let v = run(&image, Some("billing"), Some(&ws), "").unwrap();
    assert_eq!(errors(&v), vec![RuleId::OtherService], "{:#?}", v.findings);
    assert!(
        v.findings[0].message.contains("label names payments"),
        "{:#?}",
        v.findings
    );
}

#[test]
fn another_service_copied_by_three_layers_is_one_finding_naming_them() {
    let ws = workspace();
    let image = generated_billing()
        .with(|t| {
            t.layer(4)
                .file(
                    "/app/services/payments/package.json",
                    r#"{"name":"@acme/payments"}"#,
                )
                .layer(5)
                .files(&["/app/services/payments/dist/main.js"])
                .layer(6)
                .files(&["/app/services/payments/dist/routes.js"])
        })
        .build();
    let v = run(&image, Some("billing"), Some(&ws), "").unwrap();
    let other: Vec<_> = v
        .findings
        .iter()
        .filter(|f| f.rule == RuleId::OtherService)
        .collect();
    assert_eq!(other.len(), 1, "{other:#?}");
    assert_eq!(
        other[0].values,
        vec!["layers: 4, 5, 6".to_string()],
        "{other:#?}"
    );
}

#[test]
fn user_root_fires_whatever_the_policy_gives_user_unresolvable() {
    let ws = workspace();
    for user in ["-0", "4294967296", "ghost-but-0:0"] {
        let image = generated_billing()
            .user(user)
            .with(|t| {
                t.layer(4)
                    .file("/etc/passwd", "app:x:10001:10001::/app:/bin/sh\n")
            })
            .build();
        let v = run(
            &image,
            Some("billing"),
            Some(&ws),
            "[verify.rules]\nuser-unresolvable = \"off\"\n",
        )
        .unwrap();
        assert!(
            v.findings.iter().any(|f| f.rule == RuleId::UserRoot),
            "{user}: {:#?}",
            v.findings
        );
    }
}

/// Next.js as isogen generates it: `node <app>/node_modules/next/dist/bin/next start` in the
/// app's folder is the service running (not a third party's file), and `.next/package.json`
/// (`{"type": "commonjs"}`, no name) is the build's module-type marker, not a foreign package.
/// The same bin with another subcommand, or without `next` among the dependencies, is still
/// `entrypoint-indirect`.
#[test]
fn next_start_and_the_next_build_folder_are_the_service() {
    let ws = workspace();
    let billing = r#"{"name":"@acme/billing","version":"1.0.0",
      "dependencies":{"@acme/shared":"file:../../packages/shared","next":"15.5.29"}}"#;
    let app = |cmd: &[&str], manifest: &str| {
        generated_billing().cmd(cmd).with(|t| {
            t.layer(4)
                .file("/app/services/billing/package.json", manifest)
                .file(
                    "/app/services/billing/node_modules/next/package.json",
                    r#"{"name":"next","version":"15.5.29","bin":{"next":"./dist/bin/next"}}"#,
                )
                .files(&["/app/services/billing/node_modules/next/dist/bin/next"])
                .file(
                    "/app/services/billing/.next/package.json",
                    r#"{"type": "commonjs"}"#,
                )
                .files(&["/app/services/billing/.next/server/app/page.js"])
        })
    };
    let bin = "/app/services/billing/node_modules/next/dist/bin/next";
    let v = run(
        &app(&["node", bin, "start", "-p", "4000"], billing).build(),
        None,
        Some(&ws),
        "",
    )
    .unwrap();
    assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);
    for (cmd, manifest) in [
        (["node", bin, "dev", "-p"], billing),
        (["node", bin, "start", "-p"], BILLING_PKG),
    ] {
        let v = run(&app(&cmd, manifest).build(), None, Some(&ws), "").unwrap();
        assert!(
            errors(&v).contains(&RuleId::EntrypointIndirect),
            "{cmd:?}: {:#?}",
            v.findings
        );
    }
}

/// A workspace root copied to the app root with its install (pnpm's virtual store and its
/// symlinks, as Next.js's standalone output has it): the install is judged by the dependency
/// rules; the root's own files are still reported.
#[test]
fn the_install_below_a_package_around_the_service_is_not_its_files() {
    let ws = workspace();
    let image = generated_billing().with(|t| {
        t.layer(4)
            .file("/app/package.json", r#"{"name":"acme","private":true}"#)
            .file(
                "/app/node_modules/.pnpm/zod@3.23.8/node_modules/zod/package.json",
                r#"{"name":"zod","version":"3.23.8","main":"index.js"}"#,
            )
            .files(&["/app/node_modules/.pnpm/zod@3.23.8/node_modules/zod/index.js"])
            .symlink(
                "/app/node_modules/.pnpm/next@15/node_modules/zod",
                "../../zod@3.23.8/node_modules/zod",
            )
    });
    let v = run(&image.build(), None, Some(&ws), "").unwrap();
    let paths: Vec<&str> = v
        .findings
        .iter()
        .filter(|f| f.rule == RuleId::AppRootForeign)
        .flat_map(|f| f.paths.iter().map(String::as_str))
        .collect();
    assert_eq!(paths, vec!["/app/package.json"], "{:#?}", v.findings);
}

/// A Next.js standalone tree keeps no dependency specs in the app's package.json (generate
/// strips them), yet Node loads the app's dependencies from its node_modules, and theirs: a
/// package only some workspace package lists as a devDependency, that a dependency the service
/// declares (in the workspace) needs, is not a dev dependency (uploadthing's example app:
/// next's postcss, a devDependency of the Tailwind examples).
#[test]
fn a_dependency_of_what_the_workspace_declares_is_needed_though_the_image_manifest_is_stripped() {
    let mut ws = workspace();
    ws.packages[1].dev_deps.push("picolib".into());
    let image = generated_billing().with(|t| {
        t.layer(4)
            .file(
                "/app/services/billing/package.json",
                r#"{"name":"@acme/billing","version":"1.0.0","main":"dist/main.js"}"#,
            )
            .file(
                "/app/services/billing/node_modules/zod/package.json",
                r#"{"name":"zod","version":"3.23.8","dependencies":{"picolib":"^1.0.0"}}"#,
            )
            .file(
                "/app/services/billing/node_modules/picolib/package.json",
                r#"{"name":"picolib","version":"1.0.0"}"#,
            )
            .files(&["/app/services/billing/node_modules/picolib/index.js"])
    });
    let v = run(&image.build(), None, Some(&ws), "").unwrap();
    assert!(
        !v.findings.iter().any(|f| f.rule == RuleId::DevDependency),
        "{:#?}",
        v.findings
    );
}

/// trigger.dev's `@trigger.dev/core`, built by tshy: its `dist/commonjs/package.json`
/// (`{"type": "commonjs"}`) and `dist/esm/package.json` (`{"type": "module"}`) set the module
/// type of the files below them. verify called each "a package the service does not depend
/// on" (`app-root-foreign`); they are part of the internal package. A named package there is
/// still foreign.
#[test]
fn module_type_markers_in_an_internal_packages_output_are_that_package() {
    let ws = workspace();
    let image = |marker: &str| {
        generated_billing().with(|t| {
            t.layer(4)
                .file("/app/packages/shared/dist/commonjs/package.json", marker)
                .file(
                    "/app/packages/shared/dist/esm/package.json",
                    r#"{"type": "module"}"#,
                )
                .files(&[
                    "/app/packages/shared/dist/commonjs/index.js",
                    "/app/packages/shared/dist/esm/index.js",
                ])
        })
    };
    let v = run(
        &image(r#"{"type": "commonjs"}"#).build(),
        None,
        Some(&ws),
        "",
    )
    .unwrap();
    assert_eq!(errors(&v), Vec::<RuleId>::new(), "{:#?}", v.findings);
    let named = r#"{"name":"left-over","version":"1.0.0","type":"commonjs"}"#;
    let v = run(&image(named).build(), None, Some(&ws), "").unwrap();
    assert!(
        errors(&v).contains(&RuleId::AppRootForeign),
        "{:#?}",
        v.findings
    );
}
