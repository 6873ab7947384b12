//! `isogen verify --workspace` compares the packages of an image with `pnpm-lock.yaml`
//! (`version-not-locked`), on hand-made `docker save` archives in pnpm's layout and a small
//! workspace shaped like Flowise: `services/server` imports `express` without declaring it;
//! `packages/components` (its internal package) locks express 4, which the workspace's
//! `shamefully-hoist` install puts at the top; `body-kit`, a production dependency of the
//! server, needs express 5, which an image's smaller install may hoist instead. The same
//! images with pnpm's current lockfile (`node_modules/.pnpm/lock.yaml`) are checked by
//! `integrity-not-locked`: an integrity that differs from the lockfile's, a package folder the
//! install did not record, an unreadable record, and no record at all (skipped, saying so).

use std::path::{Path, PathBuf};

use crate::image_support::{saved_image, sha256, LayerTar};
use assert_cmd::Command;
use serde_json::{json, Value};

const LOCKFILE: &str = "lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .: {}

  packages/components:
    dependencies:
      express:
        specifier: ^4.21.0
        version: 4.21.2

  services/server:
    dependencies:
      '@s/components':
        specifier: workspace:*
        version: link:../../packages/components
      body-kit:
        specifier: 1.0.0
        version: 1.0.0(react@19.0.0)

packages:

  body-kit@1.0.0:
    resolution: {integrity: sha512-body}
    peerDependencies:
      react: '*'

  express@4.21.2:
    resolution: {integrity: sha512-four}

  express@5.0.1:
    resolution: {integrity: sha512-five}

  ms@2.0.0:
    resolution: {integrity: sha512-ms0}

  ms@2.1.3:
    resolution: {integrity: sha512-ms3}

  react@19.0.0:
    resolution: {integrity: sha512-react}

snapshots:

  body-kit@1.0.0(react@19.0.0):
    dependencies:
      express: 5.0.1
      react: 19.0.0

  express@4.21.2:
    dependencies:
      ms: 2.0.0

  express@5.0.1:
    dependencies:
      ms: 2.1.3

  ms@2.0.0: {}

  ms@2.1.3: {}

  react@19.0.0: {}
";

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "pnpm-workspace.yaml",
            "packages:\n  - services/*\n  - packages/*\n",
        ),
        ("package.json", r#"{"name":"flow","private":true}"#),
        (".npmrc", "shamefully-hoist=true\n"),
        ("pnpm-lock.yaml", LOCKFILE),
        (
            "packages/components/package.json",
            r#"{"name":"@s/components","version":"1.0.0","main":"index.js","dependencies":{"express":"^4.21.0"}}"#,
        ),
        (
            "packages/components/index.js",
            "module.exports = require('express');\n",
        ),
        (
            "services/server/package.json",
            r#"{"name":"@s/server","version":"1.0.0","main":"index.js","scripts":{"start":"node index.js"},"dependencies":{"@s/components":"workspace:*","body-kit":"1.0.0"}}"#,
        ),
        ("services/server/index.js", SERVER_JS),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const SERVER_JS: &str =
    "const express = require('express');\nrequire('@s/components');\nrequire('body-kit');\nexpress();\n";

/// The service's package.json in the images.
const SERVER_MANIFEST: &str = r#"{"name":"@s/server","version":"1.0.0","main":"index.js","dependencies":{"@s/components":"workspace:*","body-kit":"1.0.0"}}"#;

/// A `docker save` archive of these layers, labelled as the service `server`.
fn docker_image(layers: &[Vec<u8>]) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();
    let config = json!({
        "architecture": "amd64", "os": "linux",
        "config": {
            "User": "10001:10001",
            "Cmd": ["node", "/app/services/server/index.js"],
            "WorkingDir": "/app/services/server",
            "Labels": {"dev.isogen.service": "server"},
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    });
    saved_image(&config, layers, "localhost/flow/server:1")
}

/// A package of pnpm's virtual store: `.pnpm/<folder>/node_modules/<name>`, its manifest and
/// `index.js`, and its dependencies' links (name, store folder).
fn stored(t: LayerTar, folder: &str, name: &str, version: &str, deps: &[(&str, &str)]) -> LayerTar {
    let dir = format!("app/node_modules/.pnpm/{folder}/node_modules/{name}");
    let manifest = format!(r#"{{"name":"{name}","version":"{version}","main":"index.js"}}"#);
    let mut t = t
        .dir(&dir)
        .file(&format!("{dir}/package.json"), manifest.as_bytes())
        .file(&format!("{dir}/index.js"), b"module.exports = () => {};");
    for (dep, target) in deps {
        t = t.symlink(
            &format!("app/node_modules/.pnpm/{folder}/node_modules/{dep}"),
            &format!("../../{target}/node_modules/{dep}"),
        );
    }
    t
}

/// The image a frozen-lockfile production install gives, with `hoisted` (a store folder) at
/// `/app/node_modules/express`, `ms_for_five` the folder express 5's `ms` links to, and
/// `extra` more store packages (folder, name, version).
fn image(hoisted: &str, ms_for_five: &str, extra: &[(&str, &str, &str)]) -> Vec<u8> {
    image_recording(hoisted, ms_for_five, extra, None)
}

/// [`image`], with pnpm's current lockfile `/app/node_modules/.pnpm/lock.yaml` holding
/// `installed` when given.
fn image_recording(
    hoisted: &str,
    ms_for_five: &str,
    extra: &[(&str, &str, &str)],
    installed: Option<&str>,
) -> Vec<u8> {
    image_linking(hoisted, ms_for_five, extra, installed, &[])
}

/// [`image_recording`], with more files and symlinks in the service's layer: (path, target),
/// a file when the target is `""` (a line of JavaScript) or a JSON text (`{...}`).
fn image_linking(
    hoisted: &str,
    ms_for_five: &str,
    extra: &[(&str, &str, &str)],
    installed: Option<&str>,
    more: &[(&str, &str)],
) -> Vec<u8> {
    let base = LayerTar::new()
        .dir("etc")
        .file(
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001::/app:/sbin/nologin\n",
        )
        .file("etc/group", b"root:x:0:\napp:x:10001:\n")
        .file("usr/local/bin/node", b"\x7fELF\x02\x01\x01")
        .finish();
    let mut t = LayerTar::new()
        .file("app/package.json", br#"{"name":"flow","private":true}"#)
        .file(
            "app/packages/components/package.json",
            br#"{"name":"@s/components","version":"1.0.0","main":"index.js","dependencies":{"express":"^4.21.0"}}"#,
        )
        .file("app/packages/components/index.js", b"module.exports = require('express');\n")
        .symlink(
            "app/packages/components/node_modules/express",
            "../../../node_modules/.pnpm/express@4.21.2/node_modules/express",
        )
        .file(
            "app/services/server/package.json",
            (more.iter().find(|(p, _)| *p == "app/services/server/package.json"))
                .map_or(SERVER_MANIFEST, |(_, m)| m)
                .as_bytes(),
        )
        .file("app/services/server/index.js", SERVER_JS.as_bytes())
        .symlink("app/services/server/node_modules/@s/components", "../../../../packages/components")
        .symlink(
            "app/services/server/node_modules/body-kit",
            "../../../node_modules/.pnpm/body-kit@1.0.0_react@19.0.0/node_modules/body-kit",
        )
        .symlink(
            "app/node_modules/express",
            &format!(".pnpm/{hoisted}/node_modules/express"),
        );
    t = stored(
        t,
        "body-kit@1.0.0_react@19.0.0",
        "body-kit",
        "1.0.0",
        &[("express", "express@5.0.1"), ("react", "react@19.0.0")],
    );
    t = stored(
        t,
        "express@4.21.2",
        "express",
        "4.21.2",
        &[("ms", "ms@2.0.0")],
    );
    t = stored(
        t,
        "express@5.0.1",
        "express",
        "5.0.1",
        &[("ms", ms_for_five)],
    );
    t = stored(t, "ms@2.0.0", "ms", "2.0.0", &[]);
    t = stored(t, "ms@2.1.3", "ms", "2.1.3", &[]);
    t = stored(t, "react@19.0.0", "react", "19.0.0", &[]);
    for (folder, name, version) in extra {
        t = stored(t, folder, name, version, &[]);
    }
    if let Some(text) = installed {
        t = t.file("app/node_modules/.pnpm/lock.yaml", text.as_bytes());
    }
    for (path, target) in more
        .iter()
        .filter(|(p, _)| !p.ends_with("/server/package.json"))
    {
        t = if target.is_empty() {
            t.file(path, b"module.exports = 1;")
        } else if target.starts_with('{') {
            t.file(path, target.as_bytes())
        } else {
            t.symlink(path, target)
        };
    }
    docker_image(&[base, t.finish()])
}

/// The `version-not-locked` findings of `verify --workspace` on `image`: (message, paths).
fn not_locked(ws: &Path, image: Vec<u8>) -> Vec<(String, Value)> {
    let (findings, skipped) = verified(ws, image, "version-not-locked");
    assert_eq!(skipped, None);
    findings
}

/// The findings of `rule` that `verify --workspace --format json` reports on `image`
/// (message, paths; each an error), and why it skipped the rule, if it did.
fn verified(ws: &Path, image: Vec<u8>, rule: &str) -> (Vec<(String, Value)>, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("server.tar");
    std::fs::write(&path, image).unwrap();
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(["verify", "--format", "json", "--workspace"])
        .arg(ws)
        .arg(&path)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let img = &v["images"][0];
    let skipped = (img["skipped"].as_array().unwrap().iter())
        .find(|s| s["rule"] == rule)
        .map(|s| s["reason"].as_str().unwrap().to_string());
    let findings = (img["findings"].as_array().unwrap().iter())
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            assert_eq!(f["severity"], "error");
            (
                f["message"].as_str().unwrap().to_string(),
                f["paths"].clone(),
            )
        })
        .collect();
    (findings, skipped)
}

#[test]
fn an_image_installed_exactly_as_locked_has_no_finding() {
    let ws = workspace();
    let found = not_locked(ws.path(), image("express@4.21.2", "ms@2.1.3", &[]));
    assert_eq!(found, vec![]);
}

#[test]
fn an_undeclared_import_hoisted_to_another_version_than_the_workspaces_is_an_error() {
    let ws = workspace();
    let found = not_locked(ws.path(), image("express@5.0.1", "ms@2.1.3", &[]));
    assert_eq!(found.len(), 1, "{found:#?}");
    let (message, paths) = &found[0];
    assert_eq!(paths, &json!(["/app/services/server/index.js"]));
    for part in [
        "/app/services/server/index.js:1 import(s) express",
        "/app/node_modules/.pnpm/express@5.0.1/node_modules/express (express 5.0.1)",
        "the workspace's install hoists express@4.21.2",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
}

#[test]
fn a_version_the_lockfile_does_not_lock_and_a_package_outside_the_closure_are_errors() {
    let ws = workspace();
    let found = not_locked(
        ws.path(),
        image(
            "express@4.21.2",
            "ms@2.1.2",
            &[
                ("ms@2.1.2", "ms", "2.1.2"),
                ("left-pad@1.3.0", "left-pad", "1.3.0"),
            ],
        ),
    );
    let messages: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    let store = "/app/node_modules/.pnpm";
    assert!(messages.contains(&format!(
        "{store}/express@5.0.1/node_modules/ms gives express@5.0.1 ms ms@2.1.2, but pnpm-lock.yaml locks ms@2.1.3 for it"
    ).as_str()), "{messages:#?}");
    assert!(messages.contains(&format!(
        "{store}/ms@2.1.2/node_modules/ms is ms 2.1.2, but pnpm-lock.yaml locks 2.0.0, 2.1.3 for the service's production closure"
    ).as_str()), "{messages:#?}");
    assert!(messages.contains(&format!(
        "{store}/left-pad@1.3.0/node_modules/left-pad is left-pad@1.3.0, which is not in the production closure pnpm-lock.yaml locks for the service"
    ).as_str()), "{messages:#?}");
}

/// wundergraph/cosmo: the workspace root's own `dependencies` (graphiql there; `left-pad`
/// here) are in every service's image, because pnpm's production install always installs the
/// root project, exactly as locked; and a package that publishes `"version": "v5.0.0-beta.2"`
/// (redlock) is the `5.0.0-beta.2` pnpm-lock.yaml records, as npm and pnpm read it. The image
/// generate's Dockerfile gave cosmo's controlplane had 111 such findings; none is one.
#[test]
fn the_roots_dependencies_and_a_v_prefixed_version_are_as_locked() {
    let ws = workspace();
    let lock = root_left_pad(LOCKFILE)
        .replace(
            "      body-kit:\n        specifier: 1.0.0\n        version: 1.0.0(react@19.0.0)\n",
            "      body-kit:\n        specifier: 1.0.0\n        version: 1.0.0(react@19.0.0)\n      redlock:\n        specifier: 5.0.0-beta.2\n        version: 5.0.0-beta.2\n",
        )
        .replace(
            "  react@19.0.0:\n    resolution: {integrity: sha512-react}\n",
            "  react@19.0.0:\n    resolution: {integrity: sha512-react}\n\n  redlock@5.0.0-beta.2:\n    resolution: {integrity: sha512-lock}\n",
        )
        .replace(
            "  react@19.0.0: {}\n",
            "  react@19.0.0: {}\n\n  redlock@5.0.0-beta.2: {}\n",
        );
    assert_eq!(lock.matches("left-pad").count(), 3, "{lock}");
    assert_eq!(lock.matches("redlock").count(), 3, "{lock}");
    write_root_left_pad(ws.path(), &lock);
    std::fs::write(
        ws.path().join("services/server/package.json"),
        r#"{"name":"@s/server","version":"1.0.0","main":"index.js","scripts":{"start":"node index.js"},"dependencies":{"@s/components":"workspace:*","body-kit":"1.0.0","redlock":"5.0.0-beta.2"}}"#,
    )
    .unwrap();
    let found = not_locked(
        ws.path(),
        image(
            "express@4.21.2",
            "ms@2.1.3",
            &[
                ("left-pad@1.3.0", "left-pad", "1.3.0"),
                ("redlock@5.0.0-beta.2", "redlock", "v5.0.0-beta.2"),
            ],
        ),
    );
    assert_eq!(found, vec![]);
}

/// saleor/apps links its SDK to the root's own install (`"left-pad":
/// "link:../../node_modules/left-pad"`, a root dependency): what Node loads there is a
/// registry package of the root's install, with its own files (`chunk-*.js` beside its
/// `main`). verify took every `link:` target for an internal package and failed saleor's smtp
/// image with `internal-package-extra` on its 35 chunks.
#[test]
fn a_link_to_the_roots_install_is_a_registry_package() {
    let ws = workspace();
    let lock = root_left_pad(LOCKFILE)
        .replace(
            "        version: 1.0.0(react@19.0.0)\n",
            "        version: 1.0.0(react@19.0.0)\n      left-pad:\n        specifier: link:../../node_modules/left-pad\n        version: link:../../node_modules/left-pad\n",
        );
    write_root_left_pad(ws.path(), &lock);
    let manifest = r#"{"name":"@s/server","version":"1.0.0","main":"index.js","scripts":{"start":"node index.js"},"dependencies":{"@s/components":"workspace:*","body-kit":"1.0.0","left-pad":"link:../../node_modules/left-pad"}}"#;
    std::fs::write(ws.path().join("services/server/package.json"), manifest).unwrap();
    let store = "app/node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad";
    let chunks = [
        format!("{store}/chunk-2O5AMG7B.js"),
        format!("{store}/chunk-3OYW6U6K.mjs"),
    ];
    let more = [
        ("app/services/server/package.json", manifest),
        (
            "app/node_modules/left-pad",
            ".pnpm/left-pad@1.3.0/node_modules/left-pad",
        ),
        (
            "app/services/server/node_modules/left-pad",
            "../../../node_modules/left-pad",
        ),
        (chunks[0].as_str(), ""),
        (chunks[1].as_str(), ""),
    ];
    let extra = [("left-pad@1.3.0", "left-pad", "1.3.0")];
    let image = image_linking("express@4.21.2", "ms@2.1.3", &extra, None, &more);
    let (found, _) = verified(ws.path(), image, "internal-package-extra");
    assert_eq!(found, vec![]);
}

/// The lockfile with `left-pad@1.3.0` a `dependency` of the workspace root (its importer, its
/// package and its snapshot), and the root package.json that declares it.
fn root_left_pad(lock: &str) -> String {
    lock.replace(
        "  .: {}\n",
        "  .:\n    dependencies:\n      left-pad:\n        specifier: 1.3.0\n        version: 1.3.0\n",
    )
    .replace(
        "  ms@2.0.0:\n    resolution: {integrity: sha512-ms0}\n",
        "  left-pad@1.3.0:\n    resolution: {integrity: sha512-pad}\n\n  ms@2.0.0:\n    resolution: {integrity: sha512-ms0}\n",
    )
    .replace("  ms@2.0.0: {}\n", "  left-pad@1.3.0: {}\n\n  ms@2.0.0: {}\n")
}

fn write_root_left_pad(ws: &std::path::Path, lock: &str) {
    std::fs::write(ws.join("pnpm-lock.yaml"), lock).unwrap();
    std::fs::write(
        ws.join("package.json"),
        r#"{"name":"flow","private":true,"dependencies":{"left-pad":"1.3.0"}}"#,
    )
    .unwrap();
}

/// pnpm's current lockfile as the image's install writes it: the packages it linked, with
/// the integrity of each tarball (`debug`, `ms@2.0.0`'s: `sha512-...` as given).
fn current_lockfile(ms0: &str) -> String {
    let mut text = String::from("lockfileVersion: '9.0'\n\nimporters:\n\n  services/server:\n    dependencies:\n      body-kit:\n        specifier: 1.0.0\n        version: 1.0.0(react@19.0.0)\n\npackages:\n\n");
    for (key, integrity) in [
        ("body-kit@1.0.0", "sha512-body"),
        ("express@4.21.2", "sha512-four"),
        ("express@5.0.1", "sha512-five"),
        ("ms@2.0.0", ms0),
        ("ms@2.1.3", "sha512-ms3"),
        ("react@19.0.0", "sha512-react"),
    ] {
        text.push_str(&format!(
            "  {key}:\n    resolution: {{integrity: {integrity}}}\n\n"
        ));
    }
    text
}

const INTEGRITY: &str = "integrity-not-locked";

#[test]
fn an_image_whose_install_recorded_the_locked_integrities_has_no_integrity_finding() {
    let ws = workspace();
    let image = image_recording(
        "express@4.21.2",
        "ms@2.1.3",
        &[],
        Some(&current_lockfile("sha512-ms0")),
    );
    assert_eq!(verified(ws.path(), image, INTEGRITY), (vec![], None));
}

#[test]
fn a_package_installed_from_another_tarball_than_the_locked_one_is_an_error_naming_both() {
    let ws = workspace();
    let image = image_recording(
        "express@4.21.2",
        "ms@2.1.3",
        &[],
        Some(&current_lockfile("sha512-other")),
    );
    let (found, skipped) = verified(ws.path(), image, INTEGRITY);
    assert_eq!(skipped, None);
    assert_eq!(found.len(), 1, "{found:#?}");
    let (message, paths) = &found[0];
    let dir = "/app/node_modules/.pnpm/ms@2.0.0/node_modules/ms";
    assert_eq!(paths, &json!([dir]));
    assert_eq!(
        message,
        &format!("{dir} is ms@2.0.0, which /app/node_modules/.pnpm/lock.yaml records with the integrity sha512-other, but pnpm-lock.yaml locks it with the integrity sha512-ms0: the image holds another tarball than the one the workspace locks")
    );
}

#[test]
fn a_package_folder_the_install_did_not_record_is_an_error() {
    let ws = workspace();
    // react is installed, but the current lockfile (from another install) does not list it.
    let lock = current_lockfile("sha512-ms0").replace(
        "  react@19.0.0:\n    resolution: {integrity: sha512-react}\n",
        "",
    );
    let image = image_recording("express@4.21.2", "ms@2.1.3", &[], Some(&lock));
    let (found, _) = verified(ws.path(), image, INTEGRITY);
    let messages: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        messages,
        ["/app/node_modules/.pnpm/react@19.0.0/node_modules/react is react@19.0.0, which /app/node_modules/.pnpm/lock.yaml (what the image's pnpm install put in node_modules) does not record: another step put it there, and its integrity cannot be compared with pnpm-lock.yaml's"]
    );
}

#[test]
fn without_a_current_lockfile_integrity_is_skipped_saying_where_it_looked_and_an_unreadable_one_fails(
) {
    let ws = workspace();
    let (found, skipped) = verified(
        ws.path(),
        image("express@4.21.2", "ms@2.1.3", &[]),
        INTEGRITY,
    );
    assert_eq!(found, vec![]);
    let skipped = skipped.expect("integrity-not-locked is listed as skipped");
    assert!(
        skipped.starts_with("the image holds no /app/node_modules/.pnpm/lock.yaml"),
        "{skipped}"
    );
    assert!(
        skipped.contains("no package's integrity was compared"),
        "{skipped}"
    );

    let image = image_recording(
        "express@4.21.2",
        "ms@2.1.3",
        &[],
        Some("lockfileVersion: '9.0'\npackages: [\n"),
    );
    let (found, skipped) = verified(ws.path(), image, INTEGRITY);
    assert_eq!(skipped, None);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].0.starts_with("/app/node_modules/.pnpm/lock.yaml (pnpm's record of what it installed) could not be read: "),
        "{}",
        found[0].0
    );
    assert_eq!(found[0].1, json!(["/app/node_modules/.pnpm/lock.yaml"]));
}

/// electric-sql/electric: the workspace root lists `dotenv-cli` in `dependencies` (here
/// `left-pad`) while a package lists it as a devDependency. pnpm's production install puts it
/// in the image whatever `--filter` or `--prod` says, so `dev-dependency` must not tell the
/// user to "install with --omit=dev" (which changes nothing): it names the root's
/// `dependencies` and the fix `isogen generate`'s warning gives.
#[test]
fn a_dev_dependency_the_roots_dependencies_install_names_the_root_and_its_fix() {
    let ws = workspace();
    let lock = root_left_pad(LOCKFILE).replace(
            "  packages/components:\n    dependencies:\n      express:\n        specifier: ^4.21.0\n        version: 4.21.2\n",
            "  packages/components:\n    dependencies:\n      express:\n        specifier: ^4.21.0\n        version: 4.21.2\n    devDependencies:\n      left-pad:\n        specifier: 1.3.0\n        version: 1.3.0\n",
        );
    assert_eq!(lock.matches("left-pad").count(), 4, "{lock}");
    write_root_left_pad(ws.path(), &lock);
    std::fs::write(
        ws.path().join("packages/components/package.json"),
        r#"{"name":"@s/components","version":"1.0.0","main":"index.js","dependencies":{"express":"^4.21.0"},"devDependencies":{"left-pad":"1.3.0"}}"#,
    )
    .unwrap();
    let image = image(
        "express@4.21.2",
        "ms@2.1.3",
        &[("left-pad@1.3.0", "left-pad", "1.3.0")],
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.tar");
    std::fs::write(&path, image).unwrap();
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(["verify", "--format", "json", "--workspace"])
        .arg(ws.path())
        .arg(&path)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dev: Vec<&Value> = (v["images"][0]["findings"].as_array().unwrap().iter())
        .filter(|f| f["rule"] == "dev-dependency")
        .collect();
    assert_eq!(dev.len(), 1, "{dev:#?}");
    let message = dev[0]["message"].as_str().unwrap();
    let hint = dev[0]["hint"].as_str().unwrap();
    assert!(
        message.contains(
            "the workspace root's package.json lists them (or what needs them) in `dependencies`"
        ),
        "{message}"
    );
    assert!(
        !hint.contains("--omit=dev`)") || hint.contains("cannot leave out the root's"),
        "{hint}"
    );
    assert!(
        hint.starts_with("Move them to the devDependencies of the workspace root's package.json"),
        "{hint}"
    );
    assert_eq!(
        dev[0]["paths"],
        json!(["/app/node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad"])
    );
}

/// A pass says what it compared: the six third-party package folders of the image with
/// pnpm-lock.yaml by version, and by integrity when the install recorded them (the human
/// report's header line, and `compared` in JSON); without the record, none by integrity.
#[test]
fn a_pass_says_how_many_packages_it_compared_by_version_and_by_integrity() {
    let ws = workspace();
    let run = |image: Vec<u8>, format: &str| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.tar");
        std::fs::write(&path, image).unwrap();
        let out = Command::cargo_bin("isogen")
            .unwrap()
            .env("NO_COLOR", "1")
            .args(["verify", "--format", format, "--workspace"])
            .arg(ws.path())
            .arg(&path)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let recorded = || {
        image_recording(
            "express@4.21.2",
            "ms@2.1.3",
            &[],
            Some(&current_lockfile("sha512-ms0")),
        )
    };
    let human = run(recorded(), "human");
    assert!(
        human.contains("  compared 6 third-party packages with pnpm-lock.yaml by version, 6 by integrity (recorded in /app/node_modules/.pnpm/lock.yaml)\n"),
        "{human}"
    );
    let v: Value = serde_json::from_str(&run(recorded(), "json")).unwrap();
    assert_eq!(
        v["images"][0]["compared"],
        json!({"lockfile": "pnpm-lock.yaml", "by_version": 6, "by_integrity": 6, "installed_lockfile": "/app/node_modules/.pnpm/lock.yaml"})
    );
    let human = run(image("express@4.21.2", "ms@2.1.3", &[]), "human");
    assert!(
        human.contains(
            "  compared 6 third-party packages with pnpm-lock.yaml by version, none by integrity\n"
        ),
        "{human}"
    );
}
