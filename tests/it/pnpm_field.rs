//! The pnpm settings of the root package.json's `pnpm` field, as a user reads them in
//! `generate --check`'s output: each message names the setting as package.json spells it
//! (`pnpm.overrides`, `pnpm.patchedDependencies`, `pnpm.onlyBuiltDependencies`,
//! `pnpm.neverBuiltDependencies`, and `resolutions`), and the same setting in
//! pnpm-workspace.yaml as that file spells it, so the reader knows which line to edit. One
//! snapshot holds every case (its workspace change, exit code, what generate printed, and the
//! Dockerfile's lines about patches when it wrote one).

use assert_cmd::Command;

const LOCK: &str = "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .: {}\n\n  services/api: {}\n";

/// `generate` on a one-service workspace with `manifest` as its root package.json,
/// `yaml_extra` appended to pnpm-workspace.yaml and `files` added: the exit code, stderr (the
/// "created" lines left out, the workspace's folder as `<ws>`) and the Dockerfile's lines
/// naming `patches/`.
fn check(manifest: &str, yaml_extra: &str, files: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!("packages:\n  - services/*\n{yaml_extra}");
    let api = r#"{"name":"@x/api","version":"1.0.0","main":"main.js","scripts":{"start":"node main.js"}}"#;
    let all = [
        ("package.json", manifest),
        ("pnpm-workspace.yaml", yaml.as_str()),
        ("pnpm-lock.yaml", LOCK),
        ("services/api/package.json", api),
        (
            "services/api/main.js",
            "require('node:http').createServer().listen(3000, '0.0.0.0');\n",
        ),
    ];
    for (path, text) in all.iter().chain(files) {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .env("NO_COLOR", "1")
        .arg("generate")
        .arg(dir.path())
        .output()
        .unwrap();
    let ws = dir.path().display().to_string();
    let mut shown: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("created "))
        .map(|l| l.replace(&ws, "<ws>"))
        .collect();
    let dockerfile = std::fs::read_to_string(dir.path().join("services/api/Dockerfile"));
    let patched = dockerfile
        .iter()
        .flat_map(|d| d.lines())
        .filter(|l| l.contains("patches/"));
    shown.extend(patched.map(|l| format!("Dockerfile: {l}")));
    (out.status.code().unwrap_or(-1), shown.join("\n"))
}

/// What the case is, the root package.json, the lines added to pnpm-workspace.yaml, the
/// files added.
type Case<'a> = (&'a str, String, &'a str, &'a [(&'a str, &'a str)]);

fn root(pnpm: &str) -> String {
    format!(r#"{{"name":"root","private":true,"packageManager":"pnpm@9.15.9",{pnpm}}}"#)
}

#[test]
fn the_pnpm_fields_settings_are_named_as_package_json_spells_them() {
    let patch = [("patches/ms@2.1.3.patch", "--- a/index.js\n+++ b/index.js\n")];
    let cases: Vec<Case> = vec![
        (
            "pnpm.overrides the lockfile lacks",
            root(r#""pnpm":{"overrides":{"ms":"2.1.3"}}"#),
            "",
            &[],
        ),
        (
            "resolutions the lockfile lacks",
            root(r#""resolutions":{"ms":"2.1.3"}"#),
            "",
            &[],
        ),
        (
            "overrides of pnpm-workspace.yaml the lockfile lacks",
            root(r#""private":true"#),
            "overrides:\n  ms: 2.1.3\n",
            &[],
        ),
        (
            "pnpm.overrides not a map",
            root(r#""pnpm":{"overrides":["ms@2.1.3"]}"#),
            "",
            &[],
        ),
        (
            "pnpm.onlyBuiltDependencies",
            root(r#""pnpm":{"onlyBuiltDependencies":["bcrypt"]}"#),
            "",
            &[],
        ),
        (
            "pnpm.neverBuiltDependencies",
            root(r#""pnpm":{"neverBuiltDependencies":["bcrypt"]}"#),
            "",
            &[],
        ),
        (
            "onlyBuiltDependencies of pnpm-workspace.yaml",
            root(r#""private":true"#),
            "onlyBuiltDependencies:\n  - bcrypt\n",
            &[],
        ),
        (
            "pnpm.onlyBuiltDependencies not a list",
            root(r#""pnpm":{"onlyBuiltDependencies":{"bcrypt":true}}"#),
            "",
            &[],
        ),
        (
            "pnpm.patchedDependencies with its file",
            root(r#""pnpm":{"patchedDependencies":{"ms@2.1.3":"patches/ms@2.1.3.patch"}}"#),
            "",
            &patch,
        ),
        (
            "pnpm.patchedDependencies without its file",
            root(r#""pnpm":{"patchedDependencies":{"ms@2.1.3":"patches/ms@2.1.3.patch"}}"#),
            "",
            &[],
        ),
        (
            "patchedDependencies of pnpm-workspace.yaml without its file",
            root(r#""private":true"#),
            "patchedDependencies:\n  ms@2.1.3: patches/ms@2.1.3.patch\n",
            &[],
        ),
        (
            "pnpm.patchedDependencies not a map",
            root(r#""pnpm":{"patchedDependencies":["patches/ms@2.1.3.patch"]}"#),
            "",
            &[],
        ),
    ];
    let mut report = String::new();
    for (what, manifest, yaml, files) in cases {
        let (code, stderr) = check(&manifest, yaml, files);
        report.push_str(&format!("## {what}: exit {code}\n{stderr}\n\n"));
    }
    insta::assert_snapshot!(report);
}
