//! Verdicts about module graphs and dependency resolution on images built in code: a relative
//! import across packages that breaks in the image's layout, pnpm's isolated layout, npm's
//! `--install-links` copies, and the dev-dependency verdict that must not depend on whether the
//! workspace is known.

use std::path::{Path, PathBuf};

use super::testkit::{node_base, ImageBuilder, TreeBuilder, APP_GROUP, APP_PASSWD};
use super::tests::{generated_billing, workspace};
use super::*;
use crate::config::Config;

fn check_with(image: &Image, ws: Option<&Workspace>) -> Verdict {
    let config = Config::parse("", Path::new("isogen.toml")).unwrap();
    check(
        image,
        &Request {
            service: Some("billing"),
            workspace: ws,
            config: &config.verify,
            config_path: PathBuf::from("isogen.toml"),
        },
    )
    .unwrap()
}

fn rules(v: &Verdict, least: Severity) -> Vec<RuleId> {
    let mut ids: Vec<RuleId> = v
        .findings
        .iter()
        .filter(|f| f.severity >= least)
        .map(|f| f.rule)
        .collect();
    ids.dedup();
    ids
}

/// The same errors with and without the workspace.
fn errors_both_ways(image: &Image) -> Vec<RuleId> {
    let ws = workspace();
    let with = rules(&check_with(image, Some(&ws)), Severity::Error);
    let without = rules(&check_with(image, None), Severity::Error);
    assert_eq!(with, without, "the verdict flips with --workspace");
    with
}

#[test]
fn a_relative_import_into_another_package_that_the_layout_breaks_is_an_error() {
    let image = generated_billing()
        .with(|t| {
            t.layer(4).file(
                "/app/services/billing/dist/main.js",
                "const shared = require('@acme/shared');\nconst x = require('../../../shared/dist/index.js');\n",
            )
        })
        .build();
    assert_eq!(errors_both_ways(&image), vec![RuleId::ModuleNotFound]);
    let v = check_with(&image, None);
    let f = v
        .findings
        .iter()
        .find(|f| f.rule == RuleId::ModuleNotFound)
        .unwrap();
    assert_eq!(f.paths, vec!["/app/services/billing/dist/main.js"]);
    assert_eq!(f.values, vec!["../../../shared/dist/index.js"]);
    assert_eq!(f.layer.as_ref().map(|l| l.index), Some(4));
    insta::assert_snapshot!(f.message, @r#"/app/services/billing/dist/main.js:2 imports "../../../shared/dist/index.js", which does not resolve in the image: no file /app/shared/dist/index.js (MODULE_NOT_FOUND)"#);
    // The path to where the package really is resolves.
    let image = generated_billing()
        .with(|t| {
            t.layer(4).file(
                "/app/services/billing/dist/main.js",
                "const x = require('../../../packages/shared/dist/index.js');\n",
            )
        })
        .build();
    assert_eq!(errors_both_ways(&image), Vec::<RuleId>::new());
}

#[test]
fn esm_imports_without_extension_and_undeclared_packages_are_errors() {
    let image = generated_billing()
        .with(|t| {
            t.layer(4).file(
                "/app/services/billing/dist/main.js",
                "import { a } from './routes/invoices';\nimport z from 'zod/lib/index.js';\nimport l from 'lodash';\nimport fs from 'node:fs';\n",
            )
        })
        .build();
    let v = check_with(&image, None);
    let found: Vec<(&str, &str)> = v
        .findings
        .iter()
        .filter(|f| f.rule == RuleId::ModuleNotFound)
        .map(|f| {
            (
                f.values[0].as_str(),
                f.message.rsplit(": ").next().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "./routes/invoices",
                "no file /app/services/billing/dist/routes/invoices (MODULE_NOT_FOUND)"
            ),
            (
                "lodash",
                "no node_modules folder up the tree holds lodash (MODULE_NOT_FOUND)"
            ),
        ]
    );
}

#[test]
fn a_file_whose_content_was_not_kept_is_a_warning_not_a_pass() {
    let image = generated_billing()
        .with(|t| t.layer(4).uncaptured("/app/services/billing/dist/main.js"))
        .build();
    let v = check_with(&image, None);
    assert_eq!(rules(&v, Severity::Error), Vec::<RuleId>::new());
    let f = v
        .findings
        .iter()
        .find(|f| f.rule == RuleId::ModuleGraphIncomplete)
        .unwrap();
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.paths, vec!["/app/services/billing/dist/main.js"]);
}

/// `NODE_OPTIONS` preloads load in every node process, before the command line's: one that
/// does not resolve stops node; one that does is a root of the graph (what it imports must
/// resolve too).
#[test]
fn node_options_preloads_are_checked_like_the_command_lines() {
    let image = generated_billing()
        .env(
            "NODE_OPTIONS",
            r#"--max-old-space-size=512 --require "./dist/otel setup.js""#,
        )
        .build();
    let v = check_with(&image, None);
    let f = v
        .findings
        .iter()
        .find(|f| f.rule == RuleId::ModuleNotFound)
        .expect("the missing preload is a finding");
    assert_eq!(f.values, vec!["./dist/otel setup.js"]);
    insta::assert_snapshot!(f.message, @r#"the image's NODE_OPTIONS preloads "./dist/otel setup.js" (--require, from /app/services/billing), which does not resolve in the image, so node stops before the service starts: no file /app/services/billing/dist/otel setup.js (MODULE_NOT_FOUND)"#);
    let image = generated_billing()
        .env("NODE_OPTIONS", "--import=./dist/otel.mjs")
        .with(|t| {
            t.layer(4).file(
                "/app/services/billing/dist/otel.mjs",
                "import './gone.mjs';\n",
            )
        })
        .build();
    let v = check_with(&image, None);
    let found: Vec<&str> = v
        .findings
        .iter()
        .filter(|f| f.rule == RuleId::ModuleNotFound)
        .map(|f| f.values[0].as_str())
        .collect();
    assert_eq!(found, vec!["./gone.mjs"]);
    let image = generated_billing()
        .env(
            "NODE_OPTIONS",
            "--enable-source-maps -r ./dist/routes/invoices",
        )
        .build();
    assert_eq!(errors_both_ways(&image), Vec::<RuleId>::new());
}

const SHARED: &str = r#"{"name":"@acme/shared","version":"1.0.0","main":"dist/index.js",
  "dependencies":{"zod":"^3.23.0","express":"^4"},"devDependencies":{"typescript":"^5.4.0"}}"#;
const BILLING: &str = r#"{"name":"@acme/billing","version":"1.0.0","main":"dist/main.js",
  "dependencies":{"@acme/shared":"file:../../packages/shared","zod":"^3.23.0"}}"#;

fn billing_image(f: impl FnOnce(TreeBuilder) -> TreeBuilder) -> ImageBuilder {
    ImageBuilder::new("billing")
        .cmd(&["node", "/app/services/billing/dist/main.js"])
        .workdir("/app/services/billing")
        .user("10001:10001")
        .with(|t| {
            let t = node_base(t)
                .layer(1)
                .file("/etc/passwd", APP_PASSWD)
                .file("/etc/group", APP_GROUP)
                .layer(2)
                .file("/app/services/billing/package.json", BILLING)
                .file(
                    "/app/services/billing/dist/main.js",
                    "require('@acme/shared'); require('zod');",
                );
            f(t)
        })
}

/// npm's `--install-links` layout: the internal package copied into the service's
/// node_modules (and also at its workspace path), its own dependencies (express, and what
/// express needs) installed beside it. `debug` is only ever needed through express, and an
/// unrelated workspace package lists it as a devDependency: it is a production dependency.
#[test]
fn install_links_copies_resolve_their_own_dependencies_with_or_without_workspace() {
    let image = billing_image(|t| {
        let nm = "/app/services/billing/node_modules";
        t.file("/app/packages/shared/package.json", SHARED)
            .files(&["/app/packages/shared/dist/index.js"])
            .layer(3)
            .file(&format!("{nm}/@acme/shared/package.json"), SHARED)
            .file(
                &format!("{nm}/@acme/shared/dist/index.js"),
                "require('express')",
            )
            .file(
                &format!("{nm}/express/package.json"),
                r#"{"name":"express","dependencies":{"debug":"2"}}"#,
            )
            .files(&[&format!("{nm}/express/index.js")])
            .file(&format!("{nm}/debug/package.json"), r#"{"name":"debug"}"#)
            .files(&[&format!("{nm}/debug/src/index.js")])
            .file(&format!("{nm}/zod/package.json"), r#"{"name":"zod"}"#)
            .files(&[&format!("{nm}/zod/index.js")])
    })
    .build();
    let mut ws = workspace();
    ws.packages[1].external_deps = vec!["express".into(), "zod".into()];
    ws.packages[3].dev_deps = vec!["debug".into()];
    let with = rules(&check_with(&image, Some(&ws)), Severity::Error);
    let without = rules(&check_with(&image, None), Severity::Error);
    assert_eq!(with, Vec::<RuleId>::new());
    assert_eq!(without, Vec::<RuleId>::new());
}

/// pnpm's isolated layout (`pnpm install --prod` / `pnpm deploy`): the service and its
/// internal package at their workspace paths, every dependency a symlink into
/// `node_modules/.pnpm`, each package's own dependencies its siblings there.
#[test]
fn pnpm_isolated_layout_passes_with_or_without_workspace() {
    let store = "/app/node_modules/.pnpm";
    let image = billing_image(|t| {
        t.file("/app/packages/shared/package.json", SHARED)
            .file(
                "/app/packages/shared/dist/index.js",
                "require('express'); require('zod');",
            )
            .layer(3)
            .file("/app/node_modules/.modules.yaml", "layoutVersion: 5\n")
            .symlink(
                "/app/services/billing/node_modules/@acme/shared",
                "../../../../packages/shared",
            )
            .symlink(
                "/app/services/billing/node_modules/zod",
                &format!("{store}/zod@3.23.8/node_modules/zod"),
            )
            .symlink(
                "/app/packages/shared/node_modules/zod",
                "../../../node_modules/.pnpm/zod@3.23.8/node_modules/zod",
            )
            .symlink(
                "/app/packages/shared/node_modules/express",
                "../../../node_modules/.pnpm/express@4.21.0/node_modules/express",
            )
            .file(
                &format!("{store}/zod@3.23.8/node_modules/zod/package.json"),
                r#"{"name":"zod","main":"index.js"}"#,
            )
            .files(&[&format!("{store}/zod@3.23.8/node_modules/zod/index.js")])
            .file(
                &format!("{store}/express@4.21.0/node_modules/express/package.json"),
                r#"{"name":"express","dependencies":{"debug":"2"}}"#,
            )
            .files(&[&format!(
                "{store}/express@4.21.0/node_modules/express/index.js"
            )])
            .symlink(
                &format!("{store}/express@4.21.0/node_modules/debug"),
                "../../debug@2.6.9/node_modules/debug",
            )
            .file(
                &format!("{store}/debug@2.6.9/node_modules/debug/package.json"),
                r#"{"name":"debug"}"#,
            )
            .files(&[&format!("{store}/debug@2.6.9/node_modules/debug/index.js")])
    })
    .build();
    let mut ws = workspace();
    ws.packages[1].external_deps = vec!["express".into(), "zod".into()];
    ws.packages[3].dev_deps = vec!["debug".into()];
    let v = check_with(&image, Some(&ws));
    assert_eq!(
        rules(&v, Severity::Warning),
        vec![RuleId::PackageManager],
        "{:#?}",
        v.findings
    );
    let v = check_with(&image, None);
    assert_eq!(
        rules(&v, Severity::Warning),
        vec![RuleId::PackageManager],
        "{:#?}",
        v.findings
    );
}

/// npm's `--install-links` layout ships the internal package twice: at its workspace folder
/// and as a real folder in the service's node_modules. A warning names both and the one Node
/// loads; pnpm's symlink to the workspace folder is one copy, not two.
#[test]
fn an_internal_package_shipped_twice_is_a_warning_naming_both_and_the_loaded_one() {
    let nm = "/app/services/billing/node_modules";
    let twice = billing_image(|t| {
        t.file("/app/packages/shared/package.json", SHARED)
            .files(&["/app/packages/shared/dist/index.js"])
            .layer(3)
            .file(&format!("{nm}/@acme/shared/package.json"), SHARED)
            .files(&[&format!("{nm}/@acme/shared/dist/index.js")])
            .file(&format!("{nm}/zod/package.json"), r#"{"name":"zod"}"#)
            .files(&[&format!("{nm}/zod/index.js")])
    })
    .build();
    for ws in [Some(workspace()), None] {
        let v = check_with(&twice, ws.as_ref());
        let f = v
            .findings
            .iter()
            .find(|f| f.rule == RuleId::InternalPackageTwice)
            .unwrap_or_else(|| panic!("{:#?}", v.findings));
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(
            f.paths,
            [
                "/app/packages/shared",
                "/app/services/billing/node_modules/@acme/shared"
            ]
        );
        assert_eq!(
            f.message,
            "the internal package @acme/shared is shipped 2 times, at /app/packages/shared and /app/services/billing/node_modules/@acme/shared: Node loads /app/services/billing/node_modules/@acme/shared from the service; the other copy is never loaded and can differ from it"
        );
    }
    let linked = billing_image(|t| {
        t.file("/app/packages/shared/package.json", SHARED)
            .files(&["/app/packages/shared/dist/index.js"])
            .layer(3)
            .symlink(&format!("{nm}/@acme/shared"), "../../../../packages/shared")
            .file(&format!("{nm}/zod/package.json"), r#"{"name":"zod"}"#)
            .files(&[&format!("{nm}/zod/index.js")])
    })
    .build();
    let v = check_with(&linked, Some(&workspace()));
    assert!(
        v.findings
            .iter()
            .all(|f| f.rule != RuleId::InternalPackageTwice),
        "{:#?}",
        v.findings
    );
}

/// A dependency installed from a tarball of the repository (`"sheets-lite":
/// "file:vendor/sheets-lite-1.0.0.tgz"`, as formbricks vendors SheetJS) is a third-party
/// package at `.pnpm/<name>@file+<path of the tarball>`, not an internal package: its code
/// is only resolved, never read (it was reported as a file of the graph not read).
#[test]
fn a_vendored_tarball_dependency_is_third_party() {
    let tgz = "/app/node_modules/.pnpm/sheets-lite@file+services+billing+vendor+sheets-lite-1.0.0.tgz/node_modules/sheets-lite";
    let image = generated_billing()
        .with(|t| {
            t.layer(4)
                .file(
                    "/app/services/billing/package.json",
                    &super::tests::BILLING_PKG.replace(
                        r#""zod":"^3.23.0""#,
                        r#""zod":"^3.23.0","sheets-lite":"file:vendor/sheets-lite-1.0.0.tgz""#,
                    ),
                )
                .file(
                    "/app/services/billing/dist/main.js",
                    "require('@acme/shared');\nrequire('sheets-lite');\n",
                )
                .file(
                    &format!("{tgz}/package.json"),
                    r#"{"name":"sheets-lite","version":"1.0.0","main":"index.js"}"#,
                )
                .uncaptured(&format!("{tgz}/index.js"))
                .symlink(
                    "/app/services/billing/node_modules/sheets-lite",
                    "../../../node_modules/.pnpm/sheets-lite@file+services+billing+vendor+sheets-lite-1.0.0.tgz/node_modules/sheets-lite",
                )
        })
        .build();
    assert_eq!(errors_both_ways(&image), Vec::<RuleId>::new());
    let v = check_with(&image, None);
    let incomplete: Vec<_> = (v.findings.iter())
        .filter(|f| f.rule == RuleId::ModuleGraphIncomplete)
        .collect();
    assert!(incomplete.is_empty(), "{incomplete:?}");
}
