//! isogen as CI users drive it, run as the real binary: `verify`'s gate flags (`--fail-on`,
//! `--allow/--warn/--deny RULE`), what the policy file's globs say about themselves, and the
//! commands around the gate (`rules`, `explain`, `init`, `completions`, `man`, `--color`,
//! `--version`).

mod image_support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use image_support::{archive, hex, sha256, LayerTar};
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
    let config = serde_json::to_vec(&config).unwrap();
    let config_name = format!("{}.json", hex(&sha256(&config)));
    let mut files = vec![(config_name.clone(), config)];
    let mut names = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        names.push(format!("{:064x}/layer.tar", i + 1));
        files.push((names[i].clone(), layer.clone()));
    }
    let manifest =
        json!([{"Config": config_name, "RepoTags": ["acme/billing:1"], "Layers": names}]);
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    let path = dir.join(name);
    std::fs::write(&path, archive(&files)).unwrap();
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
    // Off entirely: nothing left to fail on.
    let off = ["--allow", "user-root", "--allow", "secret-env-file"];
    assert_eq!(run(&[&off[..], &["--fail-on", "warning"]].concat(), 0), []);
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
