//! `isogen verify --workspace` on a service whose build writes a package of its own into its
//! output and installs it there: tests/fixtures/pnpm9-nested-output (shaped like jitsu's
//! rotor: `cp dist_package.json ./dist/package.json && cd ./dist/ && npm install`), on a
//! hand-made `docker save` archive with the layout its generated Dockerfile gives (checked
//! against a buildah build of it): pnpm's production install of `kleur` for the service, and
//! `dist/package.json` with `debug` and `ms` that npm installed in `dist/node_modules`.
//!
//! The entry `dist/main.js` is the service's, and `ms` is what `debug` needs at run time,
//! although another workspace package lists `ms` as a devDependency; what npm installed there
//! is not locked by pnpm-lock.yaml, which verify says precisely.

use std::path::{Path, PathBuf};

use crate::image_support::{saved_image, sha256, LayerTar};
use assert_cmd::Command;
use serde_json::{json, Value};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pnpm9-nested-output")
}

/// A `docker save` archive of these layers, labelled as the fixture's service `relay`.
fn docker_image(layers: &[Vec<u8>]) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();
    let config = json!({
        "architecture": "amd64", "os": "linux",
        "config": {
            "User": "10001:10001",
            "Cmd": ["node", "/app/services/relay/dist/main.js"],
            "WorkingDir": "/app/services/relay",
            "Labels": {"dev.isogen.service": "relay", "dev.isogen.package": "@relay/relay", "dev.isogen.ecosystem": "pnpm"},
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    });
    saved_image(&config, layers, "localhost/relay:1")
}

const DIST: &str = "app/services/relay/dist";

/// The image; `dist_manifest`: the nested `dist/package.json`.
fn image(dist_manifest: &str) -> Vec<u8> {
    image_with(dist_manifest, true)
}

/// The image; `npm_marks`: npm's `package-lock.json` files beside what it installed (without
/// them, `dist/node_modules` looks like a bundler's copy of the build's install).
fn image_with(dist_manifest: &str, npm_marks: bool) -> Vec<u8> {
    let base = LayerTar::new()
        .dir("etc")
        .file(
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001::/app:/sbin/nologin\n",
        )
        .file("etc/group", b"root:x:0:\napp:x:10001:\n")
        .file("usr/local/bin/node", b"\x7fELF\x02\x01\x01")
        .finish();
    let kleur = "app/node_modules/.pnpm/kleur@4.1.5/node_modules/kleur";
    let installed = std::fs::read_to_string(fixture().join("pnpm-lock.yaml"))
        .unwrap()
        .replace("  packages/tools:\n    devDependencies:\n      ms:\n        specifier: 2.1.3\n        version: 2.1.3\n\n", "");
    let app = LayerTar::new()
        .file(
            "app/services/relay/package.json",
            br#"{"name":"@relay/relay","version":"0.0.0","private":true,"dependencies":{"kleur":"4.1.5"}}"#,
        )
        .symlink(
            "app/services/relay/node_modules/kleur",
            "../../../node_modules/.pnpm/kleur@4.1.5/node_modules/kleur",
        )
        .file(
            &format!("{kleur}/package.json"),
            br#"{"name":"kleur","version":"4.1.5","main":"index.js"}"#,
        )
        .file(&format!("{kleur}/index.js"), b"module.exports = {};\n")
        .file("app/node_modules/.pnpm/lock.yaml", installed.as_bytes())
        .file(
            &format!("{DIST}/main.js"),
            b"const kleur = require('kleur');\nconst log = require('debug')('relay');\n",
        )
        .file(&format!("{DIST}/package.json"), dist_manifest.as_bytes());
    let app = if npm_marks {
        app.file(&format!("{DIST}/package-lock.json"), b"{}")
            .file(&format!("{DIST}/node_modules/.package-lock.json"), b"{}")
    } else {
        app
    };
    let app = app
        .file(
            &format!("{DIST}/node_modules/debug/package.json"),
            br#"{"name":"debug","version":"4.3.7","main":"./src/index.js","dependencies":{"ms":"^2.1.3"}}"#,
        )
        .file(
            &format!("{DIST}/node_modules/debug/src/index.js"),
            b"module.exports = () => () => {};\n",
        )
        .file(
            &format!("{DIST}/node_modules/ms/package.json"),
            br#"{"name":"ms","version":"2.1.3","main":"./index"}"#,
        )
        .file(
            &format!("{DIST}/node_modules/ms/index.js"),
            b"module.exports = () => 0;\n",
        )
        .finish();
    docker_image(&[base, app])
}

/// The errors of `verify --workspace <fixture> --format json` on `image`: (rule, message,
/// paths).
fn errors(image: Vec<u8>) -> Vec<(String, String, Value)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.tar");
    std::fs::write(&path, image).unwrap();
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(["verify", "--format", "json", "--workspace"])
        .arg(fixture())
        .arg(&path)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (v["images"][0]["findings"].as_array().unwrap().iter())
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
                f["paths"].clone(),
            )
        })
        .collect()
}

const DIST_MANIFEST: &str =
    r#"{"name":"relay","version":"0.0.0","dependencies":{"debug":"4.3.7"}}"#;

#[test]
fn what_the_build_installed_in_the_services_output_is_needed_and_named_as_not_locked() {
    let found = errors(image(DIST_MANIFEST));
    // Not `dev-dependency` (ms is what debug needs), not `entrypoint-indirect` (dist/main.js
    // is the service's), not `app-root-foreign` (dist/ is the service's output): one
    // `version-not-locked` for the one cause, naming every folder.
    assert_eq!(found.len(), 1, "{found:#?}");
    let (rule, message, paths) = &found[0];
    assert_eq!(rule, "version-not-locked");
    assert_eq!(
        paths,
        &json!([
            format!("/{DIST}/node_modules/debug"),
            format!("/{DIST}/node_modules/ms")
        ])
    );
    for part in [
        format!("2 package(s) in /{DIST}/node_modules (debug@4.3.7, ms@2.1.3) were installed for /{DIST}/package.json"),
        "which is not a project of pnpm-lock.yaml".to_string(),
        "nothing locks their versions".to_string(),
        "declare those dependencies in services/relay/package.json".to_string(),
    ] {
        assert!(message.contains(&part), "{part:?} not in {message}");
    }
}

/// The nested package's devDependencies are the service's too: what only they need is a dev
/// dependency, whoever else lists it.
#[test]
fn what_only_the_nested_packages_dev_dependencies_need_is_a_dev_dependency() {
    let manifest = r#"{"name":"relay","version":"0.0.0","dependencies":{},"devDependencies":{"debug":"4.3.7"}}"#;
    let found = errors(image(manifest));
    let dev: Vec<&Value> = (found.iter())
        .filter(|(r, _, _)| r == "dev-dependency")
        .flat_map(|(_, _, p)| p.as_array().unwrap())
        .collect();
    assert_eq!(
        dev,
        [
            &json!(format!("/{DIST}/node_modules/debug")),
            &json!(format!("/{DIST}/node_modules/ms"))
        ],
        "{found:#?}"
    );
}

/// inngest's dashboard (TanStack Start on Nitro): the build writes `.output/server/package.json`
/// and copies the packages its server bundle traced from the build's frozen pnpm install into
/// `.output/server/node_modules`, with no package manager's marks. verify called all 298 of them
/// unlocked. A copy is as locked as the install it came from: each `name@version` the lockfile
/// records passes (`ms@2.1.3`), and one it does not (`debug@4.3.7`) is still named.
#[test]
fn a_traced_copy_of_the_install_in_the_output_is_checked_package_by_package() {
    let found = errors(image_with(DIST_MANIFEST, false));
    assert_eq!(found.len(), 1, "{found:#?}");
    let (rule, message, paths) = &found[0];
    assert_eq!(rule, "version-not-locked");
    assert_eq!(paths, &json!([format!("/{DIST}/node_modules/debug")]));
    assert!(
        message.contains(&format!(
            "1 package(s) in /{DIST}/node_modules (debug@4.3.7)"
        )),
        "{message}"
    );
}
