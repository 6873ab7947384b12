//! Verdicts on a service whose build writes a package of its own into its output and installs
//! that package's dependencies there (jitsu's rotor: `cp dist_package.json dist/package.json
//! && cd dist && npm install`): the entry `dist/main.js` belongs to the service, and what the
//! nested `dist/node_modules` holds is resolved from `dist/package.json`, as Node resolves it
//! from the entry, with and without the workspace.

use std::path::{Path, PathBuf};

use super::testkit::ImageBuilder;
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

/// The test workspace, where another package lists `minimist` as a devDependency (jitsu's
/// console does).
fn workspace_with_dev_minimist() -> Workspace {
    let mut ws = workspace();
    ws.packages[3].dev_deps.push("minimist".into());
    ws
}

/// Every error as (rule, first path).
fn errors(v: &Verdict) -> Vec<(RuleId, String)> {
    (v.findings.iter())
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.rule, f.paths.first().cloned().unwrap_or_default()))
        .collect()
}

const DIST: &str = "/app/services/billing/dist";

/// The generated billing image, with the nested package `dist_manifest` at `dist/` and
/// isolated-vm -> prebuild-install -> minimist installed by npm in `dist/node_modules`.
fn nested(dist_manifest: &str) -> ImageBuilder {
    let pkg = |name: &str, text: &str| {
        (
            format!("{DIST}/node_modules/{name}/package.json"),
            text.to_string(),
        )
    };
    let packages = [
        pkg(
            "isolated-vm",
            r#"{"name":"isolated-vm","version":"5.0.1","main":"isolated-vm.js","dependencies":{"prebuild-install":"^7.1.1"}}"#,
        ),
        pkg(
            "prebuild-install",
            r#"{"name":"prebuild-install","version":"7.1.2","dependencies":{"minimist":"^1.2.3"}}"#,
        ),
        pkg("minimist", r#"{"name":"minimist","version":"1.2.8"}"#),
    ];
    let dist_manifest = dist_manifest.to_string();
    generated_billing().with(move |mut t| {
        t = t
            .layer(4)
            .file(&format!("{DIST}/package.json"), &dist_manifest)
            .file(&format!("{DIST}/package-lock.json"), "{}")
            .file(&format!("{DIST}/node_modules/.package-lock.json"), "{}")
            .file(
                &format!("{DIST}/main.js"),
                "const ivm = require('isolated-vm');\n",
            )
            .files(&[&format!("{DIST}/node_modules/isolated-vm/isolated-vm.js")]);
        for (path, text) in &packages {
            t = t.file(path, text);
        }
        t
    })
}

const ROTOR_DIST: &str =
    r#"{"name":"billing-dist","version":"0.0.0","dependencies":{"isolated-vm":"5.0.1"}}"#;

#[test]
fn a_nested_package_in_the_services_output_is_the_services_and_its_dependencies_are_needed() {
    let image = nested(ROTOR_DIST).build();
    for ws in [Some(workspace_with_dev_minimist()), None] {
        let v = check_with(&image, ws.as_ref());
        assert_eq!(errors(&v), vec![], "workspace: {}", ws.is_some());
        assert_eq!(
            v.service.root.as_deref(),
            Some("/app/services/billing"),
            "the service's folder stays its package's"
        );
    }
}

#[test]
fn what_only_the_nested_packages_dev_dependencies_need_is_still_a_dev_dependency() {
    let manifest = r#"{"name":"billing-dist","version":"0.0.0","dependencies":{"isolated-vm":"5.0.1"},"devDependencies":{"jest-util":"29.7.0"}}"#;
    let image = nested(manifest)
        .with(|t| {
            t.file(
                &format!("{DIST}/node_modules/jest-util/package.json"),
                r#"{"name":"jest-util","version":"29.7.0","dependencies":{"picomatch":"^2"}}"#,
            )
            .file(
                &format!("{DIST}/node_modules/picomatch/package.json"),
                r#"{"name":"picomatch","version":"2.3.1"}"#,
            )
        })
        .build();
    let ws = workspace_with_dev_minimist();
    for ws in [Some(&ws), None] {
        let v = check_with(&image, ws);
        assert_eq!(
            errors(&v),
            vec![
                (
                    RuleId::DevDependency,
                    format!("{DIST}/node_modules/jest-util")
                ),
                (
                    RuleId::DevDependency,
                    format!("{DIST}/node_modules/picomatch")
                ),
            ],
            "workspace: {}",
            ws.is_some()
        );
    }
}

/// A package root in the service's folder that carries another workspace package's name is
/// not the service's to vouch for: still an error, and the entry that runs from it too.
#[test]
fn a_nested_package_named_as_another_workspace_package_is_not_the_services() {
    let manifest = ROTOR_DIST.replace("billing-dist", "@acme/unused");
    let v = check_with(
        &nested(&manifest).build(),
        Some(&workspace_with_dev_minimist()),
    );
    let rules: Vec<RuleId> = errors(&v).into_iter().map(|(r, _)| r).collect();
    assert!(rules.contains(&RuleId::EntrypointIndirect), "{rules:?}");
    assert!(rules.contains(&RuleId::DevDependency), "{rules:?}");
}

/// A nested package root off the entry's way up (a sibling folder of the output) is nothing
/// Node goes through from the entry: its packages are judged as before.
#[test]
fn a_nested_package_the_entry_does_not_resolve_through_is_not_the_services() {
    let image = nested(ROTOR_DIST)
        .with(|t| {
            t.file(
                "/app/services/billing/dist/main.js",
                "require('./routes/invoices.js');\n",
            )
            .file(
                "/app/services/billing/main.js",
                "require('./dist/main.js');\n",
            )
        })
        .cmd(&["node", "/app/services/billing/main.js"])
        .build();
    let v = check_with(&image, Some(&workspace_with_dev_minimist()));
    let rules: Vec<RuleId> = errors(&v).into_iter().map(|(r, _)| r).collect();
    assert!(rules.contains(&RuleId::DevDependency), "{rules:?}");
}
