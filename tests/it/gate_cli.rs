//! isogen as CI users drive it, run as the real binary: `verify`'s gate flags (`--fail-on`,
//! `--allow/--warn/--deny RULE`), what the policy file's globs say about themselves, and the
//! commands around the gate (`rules`, `explain`, `init`, `completions`, `man`, `--color`,
//! `--version`).

use std::path::{Path, PathBuf};

use crate::image_support::{saved_image, sha256, LayerTar};
use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{json, Value};

fn isogen(cwd: &Path) -> Command {
    let mut c = Command::cargo_bin("isogen").unwrap();
    c.current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    c
}

/// A `docker save` archive of a Node service `billing` run as `user`, with `extra` layers.
fn billing_image(dir: &Path, name: &str, user: &str, extra: &[Vec<u8>]) -> PathBuf {
    let base = LayerTar::new()
        .dir("etc")
        .file(
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001::/app:/sbin/nologin\n",
        )
        .file("etc/group", b"root:x:0:\napp:x:10001:\n")
        .dir("usr/bin")
        .file("usr/bin/node", b"\x7fELF\x02\x01\x01")
        .finish();
    let app = LayerTar::new()
        .dir("app/services/billing/dist")
        .file(
            "app/services/billing/package.json",
            br#"{"name":"@acme/billing","version":"1.0.0","main":"dist/main.js"}"#,
        )
        .file("app/services/billing/dist/main.js", b"")
        .finish();
    let mut layers = vec![base, app];
    layers.extend(extra.iter().cloned());
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();
    let config = json!({
        "architecture": "amd64", "os": "linux",
        "config": {
            "User": user,
            "Cmd": ["node", "/app/services/billing/dist/main.js"],
            "Labels": {"dev.isogen.service": "billing"},
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    });
    let path = dir.join(name);
    std::fs::write(&path, saved_image(&config, &layers, "acme/billing:1")).unwrap();
    path
}

/// An image with two error findings: `user-root` and `secret-env-file`.
fn bad_image(dir: &Path) -> PathBuf {
    let env = LayerTar::new()
        .file("app/services/billing/.env", b"DB_PASSWORD=x\n")
        .finish();
    billing_image(dir, "bad.tar", "root", &[env])
}

fn rules_of(out: &[u8]) -> Vec<(String, String)> {
    let v: Value = serde_json::from_slice(out).unwrap();
    v["images"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("rule"), s("severity"))
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn fail_on_and_per_run_overrides_set_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let bad = bad_image(dir.path());
    let run = |args: &[&str], code: i32| {
        let out = isogen(dir.path())
            .args(["verify", "--format", "json"])
            .arg(&bad)
            .args(args)
            .assert()
            .code(code);
        rules_of(&out.get_output().stdout)
    };
    let both = [("user-root", "error"), ("secret-env-file", "error")];
    assert_eq!(run(&[], 1), pairs(&both));
    // Both demoted to warnings: the default gate passes, --fail-on warning does not.
    let demoted = ["--warn", "user-root", "--warn", "secret-env-file"];
    let warnings = pairs(&[("user-root", "warning"), ("secret-env-file", "warning")]);
    assert_eq!(run(&demoted, 0), warnings);
    assert_eq!(
        run(&[&demoted[..], &["--fail-on", "warning"]].concat(), 1),
        warnings
    );
    // The report says what the exit code says.
    let out = isogen(dir.path())
        .args(["verify", "--format", "json", "--fail-on", "warning"])
        .arg(&bad)
        .args(demoted)
        .assert()
        .code(1);
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        (&v["passed"], &v["images"][0]["passed"]),
        (&json!(false), &json!(false))
    );
    isogen(dir.path())
        .args(["verify", "--fail-on", "warning"])
        .arg(&bad)
        .args(demoted)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "acme/billing:1: FAILED (0 errors, 2 warnings)",
        ));
    // The test report fails the warnings that fail the gate.
    let junit = |fail_on: &str| {
        let out = isogen(dir.path())
            .args(["verify", "--format", "junit", "--fail-on", fail_on])
            .arg(&bad)
            .args(demoted)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(
        junit("warning").contains("<testsuites name=\"isogen verify\" tests=\"29\" failures=\"2\"")
    );
    assert!(
        junit("error").contains("<testsuites name=\"isogen verify\" tests=\"29\" failures=\"0\"")
    );
    // Off entirely: nothing left to fail on.
    let off = ["--allow", "user-root", "--allow", "secret-env-file"];
    assert_eq!(run(&[&off[..], &["--fail-on", "warning"]].concat(), 0), []);
    let out = isogen(dir.path())
        .args(["verify", "--format", "json"])
        .arg(&bad)
        .args(off)
        .assert()
        .code(0);
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let skipped = v["images"][0]["skipped"].as_array().unwrap();
    assert!(
        skipped
            .contains(&json!({"rule": "user-root", "reason": "turned off for this run (--allow)"})),
        "{skipped:?}"
    );
    // --deny wins over --allow for the same rule.
    assert_eq!(
        run(&[&off[..], &["--deny", "user-root"]].concat(), 1),
        pairs(&[("user-root", "error")])
    );
}

#[test]
fn deny_brings_back_a_rule_the_policy_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let bad = bad_image(dir.path());
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[verify.rules]\nuser-root = \"off\"\nsecret-env-file = \"off\"\n",
    )
    .unwrap();
    let out = isogen(dir.path())
        .args(["verify", "--format", "json"])
        .arg(&bad)
        .assert()
        .code(0);
    assert_eq!(rules_of(&out.get_output().stdout), []);
    let out = isogen(dir.path())
        .args(["verify", "--format", "json", "--deny", "secret-env-file"])
        .arg(&bad)
        .assert()
        .code(1);
    assert_eq!(
        rules_of(&out.get_output().stdout),
        pairs(&[("secret-env-file", "error")])
    );
}

#[test]
fn an_unknown_rule_id_is_exit_2_naming_it_and_the_close_ones() {
    let dir = tempfile::tempdir().unwrap();
    let bad = bad_image(dir.path());
    isogen(dir.path())
        .args(["verify", "--allow", "secret-env"])
        .arg(&bad)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "--allow: unknown rule id `secret-env`; did you mean `secret-env-file` or `secret-git`?",
        ));
    isogen(dir.path())
        .args(["verify", "--fail-on", "info"])
        .arg(&bad)
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn policy_globs_name_their_line_in_isogen_toml() {
    let dir = tempfile::tempdir().unwrap();
    let map = LayerTar::new()
        .file("app/services/billing/dist/main.js.map", b"{}")
        .finish();
    let image = billing_image(dir.path(), "map.tar", "10001:10001", &[map]);
    std::fs::write(
        dir.path().join("isogen.toml"),
        "[verify]\n\
         allow = [\n  \"/app/services/billing/dist\",\n  \"/app/public/**\",\n]\n\
         deny = [\"*.map\"]\n",
    )
    .unwrap();
    // The allowed folder exempts the map, so deny it under another name.
    std::fs::write(
        dir.path().join("deny.toml"),
        "# policy\n[verify]\n\ndeny = [\"*.map\"]\n",
    )
    .unwrap();
    isogen(dir.path())
        .args(["verify", "--config", "deny.toml"])
        .arg(&image)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "the policy denies this path (deny glob \"*.map\" (deny.toml:4))",
        ))
        .stderr(predicate::str::contains("allow glob").not());
    isogen(dir.path())
        .arg("verify")
        .arg(&image)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "warning: [verify] allow glob \"/app/public/**\" (./isogen.toml:4) matches nothing in the image",
        ))
        .stderr(predicate::str::contains("billing/dist\"").not());
}

fn stdout_of(args: &[&str]) -> String {
    let dir = std::env::temp_dir();
    let out = isogen(&dir).args(args).assert().code(0);
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn rules_lists_every_rule_and_json_matches_the_sarif_rule_list() {
    let text = stdout_of(&["rules"]);
    assert!(text.contains("secret-npmrc (error)\n  checks: "), "{text}");
    assert!(!text.contains('\x1b'));
    let listed: Value = serde_json::from_str(&stdout_of(&["rules", "--format", "json"])).unwrap();
    let listed = listed["rules"].as_array().unwrap().clone();
    // Every rule of `isogen rules` is one the SARIF report describes, with the same texts.
    let dir = tempfile::tempdir().unwrap();
    let image = billing_image(dir.path(), "good.tar", "10001:10001", &[]);
    let out = isogen(dir.path())
        .args(["verify", "--format", "sarif"])
        .arg(&image)
        .assert()
        .code(0);
    let sarif: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let described = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(listed.len(), described.len());
    for (l, s) in listed.iter().zip(&described) {
        assert_eq!(l["id"], s["id"]);
        assert_eq!(l["checks"], s["fullDescription"]["text"]);
        assert_eq!(l["fix"], s["help"]["text"]);
    }
}

#[test]
fn explain_tells_one_rule_and_names_close_ids_for_a_typo() {
    insta::assert_snapshot!(
        "explain_secret_npmrc",
        stdout_of(&["explain", "secret-npmrc"])
    );
    isogen(&std::env::temp_dir())
        .args(["explain", "toolchian"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("error: unknown rule id `toolchian`; did you mean `toolchain`? (`isogen rules` lists every rule)\n");
}

#[test]
fn verify_help_points_at_rules_and_explain_not_at_docs() {
    let help = stdout_of(&["verify", "--help"]);
    assert!(
        help.contains("isogen rules") && help.contains("isogen explain RULE"),
        "{help}"
    );
    assert!(!help.contains("docs/"), "{help}");
    for flag in ["--fail-on", "--allow", "--warn", "--deny", "--color"] {
        assert!(help.contains(flag), "{flag}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

#[test]
fn init_writes_a_commented_config_once_and_force_replaces_it() {
    let ws = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pnpm9-shop"),
        ws.path(),
    );
    let config = ws.path().join("isogen.toml");
    let _ = std::fs::remove_file(&config);
    isogen(ws.path())
        .arg("init")
        .assert()
        .code(0)
        .stdout("")
        .stderr(predicate::str::contains("wrote ./isogen.toml"));
    let written = std::fs::read_to_string(&config).unwrap();
    insta::assert_snapshot!("init_pnpm9_shop", written);
    // isogen reads it: generate --check runs with it as with no file at all.
    isogen(ws.path())
        .args(["generate", "--dry-run"])
        .assert()
        .code(0);
    // Never over an existing file.
    std::fs::write(&config, "# mine\n").unwrap();
    isogen(ws.path())
        .arg("init")
        .arg(ws.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("isogen.toml: already exists")
                .and(predicate::str::contains("--force")),
        );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# mine\n");
    isogen(ws.path()).args(["init", "--force"]).assert().code(0);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), written);
    // Not a workspace: exit 2, nothing written.
    let empty = tempfile::tempdir().unwrap();
    isogen(empty.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a workspace"));
    assert!(!empty.path().join("isogen.toml").exists());
}

#[test]
fn completions_and_man_pages_come_from_the_cli_definition() {
    for (shell, needle) in [
        ("bash", "_isogen()"),
        ("zsh", "#compdef isogen"),
        ("fish", "complete -c isogen"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains(needle), "{shell}: {script}");
        assert!(
            script.contains("fail-on"),
            "{shell} completes verify's flags"
        );
    }
    isogen(&std::env::temp_dir())
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
    let page = stdout_of(&["man"]);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH isogen 1"),
        "{page}"
    );
    assert!(page.contains("verify") && page.contains("completions"));
    let dir = tempfile::tempdir().unwrap();
    isogen(dir.path())
        .args(["man", "--dir", "."])
        .assert()
        .code(0);
    for page in [
        "isogen.1",
        "isogen-verify.1",
        "isogen-rules.1",
        "isogen-init.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
}

#[test]
fn color_follows_the_flag_no_color_and_clicolor_force() {
    let colored = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::cargo_bin("isogen").unwrap();
        c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c
            .args(args)
            .arg("explain")
            .arg("user-root")
            .assert()
            .code(0);
        String::from_utf8_lossy(&out.get_output().stdout).contains('\x1b')
    };
    // Not a terminal: plain unless forced.
    assert!(!colored(&[], &[]));
    assert!(colored(&["--color", "always"], &[]));
    assert!(colored(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!colored(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    // NO_COLOR wins over CLICOLOR_FORCE; the flag wins over both.
    assert!(!colored(&[], &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]));
    assert!(colored(&["--color", "always"], &[("NO_COLOR", "1")]));
    // The flag is global: after the subcommand too.
    let mut c = Command::cargo_bin("isogen").unwrap();
    let out = c.args(["rules", "--color", "always"]).assert().code(0);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains('\x1b'));
}

#[test]
fn version_names_the_commit_in_a_git_checkout() {
    let version = stdout_of(&["--version"]);
    let expected = format!("isogen {}", env!("CARGO_PKG_VERSION"));
    assert!(version.starts_with(&expected), "{version}");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let here = Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .unwrap();
    let top =
        git(&["rev-parse", "--show-toplevel"]).and_then(|t| Path::new(&t).canonicalize().ok());
    if top.as_deref() == Some(here.as_path()) && std::env::var_os("ISOGEN_GIT_COMMIT").is_none() {
        let commit = git(&["rev-parse", "--short=10", "HEAD"]).unwrap();
        assert_eq!(version.trim(), format!("{expected} ({commit})"));
    }
}
