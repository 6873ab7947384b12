//! The differential test of issue 8: every adversarial image (tests/it/image_support/adversarial.rs)
//! is read by isogen and by the Go oracle (tests/oracle/main.go: Go's archive/tar and
//! encoding/json, containerd's layer application, runc's user resolution). It fails when
//! isogen passes (`verify` exit 0) an image whose runtime view runs as root, through a shell,
//! without its program, with a secret, or as another image; and when isogen reads an image
//! (`inspect` exit 0) into another file tree than the runtime's. Refusing (exit 2) is always
//! allowed. Skipped, saying so, when `go` is not installed.
//!
//! Size: the named cases plus `ISOGEN_ORACLE_CASES` random ones (default 40) from
//! `ISOGEN_ORACLE_SEED` (default 1); `cargo xtask oracle --cases N` runs it long.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::image_support::adversarial::{self, Case};
use serde_json::Value;

fn oracle_binary() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("isogen-oracle");
    std::fs::create_dir_all(&dir).ok()?;
    let bin = dir.join("oracle");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/main.go");
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(&source)
        .env("GO111MODULE", "off")
        .env("GOCACHE", dir.join("gocache"))
        .env("GOFLAGS", "-mod=mod")
        .output();
    match out {
        Ok(o) if o.status.success() => Some(bin),
        Ok(o) => panic!(
            "the Go oracle does not build: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => None,
    }
}

/// The isogen under test: this build, or `ISOGEN_ORACLE_BIN` (to run the cases against another
/// build, e.g. an older release).
fn isogen_bin() -> PathBuf {
    std::env::var_os("ISOGEN_ORACLE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| assert_cmd::cargo::cargo_bin("isogen"))
}

fn isogen(args: &[&str], image: &Path) -> (i32, Vec<u8>) {
    let out = Command::new(isogen_bin())
        .args(args)
        .arg(image)
        .current_dir(image.parent().unwrap())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), out.stdout)
}

/// Non-directory paths -> kind and link target, and the directories, of one tree.
type Tree = (BTreeMap<String, (String, String)>, Vec<String>);

fn isogen_tree(inspect: &Value) -> Tree {
    let mut files = BTreeMap::new();
    let mut dirs = Vec::new();
    let entries = inspect["image"]["tree"]["entries"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (path, e) in entries {
        let kind = e["kind"].as_str().unwrap_or("").to_string();
        match kind.as_str() {
            "dir" => dirs.push(path),
            // A hard link is another name of its target's file: the runtime sees a file.
            "hardlink" | "file" => {
                files.insert(path, ("file".into(), String::new()));
            }
            "symlink" => {
                let link = e["link_target"].as_str().unwrap_or("").to_string();
                files.insert(path, ("symlink".into(), link));
            }
            other => {
                files.insert(path, (other.into(), String::new()));
            }
        }
    }
    (files, dirs)
}

fn oracle_tree(view: &Value) -> Tree {
    let mut files = BTreeMap::new();
    let mut dirs = Vec::new();
    for (path, n) in view["files"].as_object().cloned().unwrap_or_default() {
        let kind = n["type"].as_str().unwrap_or("").to_string();
        if kind == "dir" {
            dirs.push(path);
        } else {
            let link = n["link"].as_str().unwrap_or("").to_string();
            files.insert(path, (kind, link));
        }
    }
    (files, dirs)
}

/// Why the runtime view breaks a rule isogen must enforce, if it does.
fn breaks_a_rule(view: &Value) -> Option<String> {
    if view["root"] == true {
        return Some(format!(
            "runs as root (User {}, uid {})",
            view["user"], view["uid"]
        ));
    }
    if view["shell"] == true {
        return Some(format!("runs through a shell ({})", view["program"]));
    }
    if view["program_found"] != true {
        return Some(format!(
            "its program {} is not in the image",
            view["program"]
        ));
    }
    if view["secrets"].as_array().is_some_and(|s| !s.is_empty()) {
        return Some(format!("ships secrets {}", view["secrets"]));
    }
    if view["labels"]["dev.isogen.service"] != "billing" {
        return Some(format!("is labelled {}", view["labels"]));
    }
    None
}

/// The problems of one case; empty when isogen and the runtime agree (or isogen refused).
fn differ(oracle: &Path, case: &Case, dir: &Path, tally: &mut [usize; 3]) -> Vec<String> {
    let image = dir.join("image.tar");
    std::fs::write(&image, &case.bytes).unwrap();
    let out = Command::new(oracle).arg(&image).output().unwrap();
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let views = seen["views"].as_array().cloned().unwrap_or_default();
    let (verify, _) = isogen(
        &["verify", "--service", "billing", "--format", "json"],
        &image,
    );
    if let Some(t) = usize::try_from(verify).ok().and_then(|v| tally.get_mut(v)) {
        *t += 1;
    }
    if verify == 2 {
        return vec![];
    }
    let mut problems = Vec::new();
    if verify == 0 {
        for view in &views {
            if let Some(why) = breaks_a_rule(view) {
                problems.push(format!(
                    "verify passed, but as {} loads it the image {why}",
                    view["loader"]
                ));
            }
        }
    }
    let (inspect, stdout) = isogen(&["inspect", "--format", "json"], &image);
    if inspect != 0 {
        return problems;
    }
    let inspected: Value = serde_json::from_slice(&stdout).unwrap();
    let (files, dirs) = isogen_tree(&inspected);
    for view in &views {
        let (runtime_files, runtime_dirs) = oracle_tree(view);
        if files != runtime_files {
            let only_isogen: Vec<_> = files
                .iter()
                .filter(|(k, v)| runtime_files.get(*k) != Some(v))
                .collect();
            let only_runtime: Vec<_> = runtime_files
                .iter()
                .filter(|(k, v)| files.get(*k) != Some(v))
                .collect();
            problems.push(format!(
                "isogen reads another tree than {} does: isogen only {only_isogen:?}; runtime only {only_runtime:?}",
                view["loader"]
            ));
        }
        if let Some(d) = dirs.iter().find(|d| !runtime_dirs.contains(d)) {
            problems.push(format!(
                "isogen lists directory {d} that {} does not create",
                view["loader"]
            ));
        }
        let user = inspected["config"]["config"]["User"].as_str().unwrap_or("");
        if view["user"].as_str().unwrap_or("") != user {
            problems.push(format!(
                "isogen reads User {user:?}, {} reads {}",
                view["loader"], view["user"]
            ));
        }
    }
    if views.is_empty() {
        eprintln!(
            "note: {}: isogen reads it, the runtime does not ({})",
            case.name, seen["error"]
        );
    }
    problems
}

#[test]
fn isogen_never_passes_what_the_runtime_reads_differently() {
    let Some(oracle) = oracle_binary() else {
        eprintln!("SKIPPED: `go` is not installed, so the Go oracle cannot be built (apt-get install golang-go)");
        return;
    };
    let count = std::env::var("ISOGEN_ORACLE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let seed = std::env::var("ISOGEN_ORACLE_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let mut cases = adversarial::named();
    cases.extend(adversarial::random(seed, count));
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut tally = [0usize; 3];
    for case in &cases {
        for problem in differ(&oracle, case, dir.path(), &mut tally) {
            failures.push(format!("{}: {problem}", case.name));
        }
    }
    eprintln!(
        "{} cases: verify passed {}, found errors in {}, refused {}",
        cases.len(),
        tally[0],
        tally[1],
        tally[2]
    );
    // The clean image must pass, or the test proves nothing.
    let clean = dir.path().join("clean.tar");
    std::fs::write(&clean, &cases[0].bytes).unwrap();
    let out = Command::new(isogen_bin())
        .args(["verify", "--service", "billing"])
        .arg(&clean)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "the clean image does not pass: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
