//! The `generate --check` cache as a user meets it: an unchanged tree passes from the cache
//! with the very output of a full check, and any edit to what the check reads (a manifest, the
//! lockfile, a source file whose imports are checked, isogen.toml, a template, a generated
//! Dockerfile, a new package folder) runs the full check, which fails exactly as without the
//! cache. Each test waits out `fsio::RACY` (3 s) once, as a record younger than that is never
//! stored.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

const TRACE_PREFIX: &str = "check cache: ";

/// A generated copy of a fixture whose passing `--check` is in a cache of its own.
struct Cached {
    tree: tempfile::TempDir,
    cache: tempfile::TempDir,
}

fn isogen(cache: &Path, setting: &str) -> Command {
    let mut cmd = Command::cargo_bin("isogen").unwrap();
    cmd.env("XDG_CACHE_HOME", cache)
        .env("ISOGEN_CHECK_CACHE", setting);
    cmd
}

impl Cached {
    fn new() -> Cached {
        let tree = crate::fixture_copy::copy("pnpm10-apps-libs", false);
        let cache = tempfile::tempdir().unwrap();
        let root = tree.path();
        std::fs::write(
            root.join("isogen.toml"),
            "[generate]\ntemplates = \"tpl\"\n",
        )
        .unwrap();
        isogen(cache.path(), "off")
            .arg("templates")
            .arg(root.join("tpl"))
            .assert()
            .success();
        isogen(cache.path(), "off")
            .arg("generate")
            .arg(root)
            .assert()
            .success();
        std::thread::sleep(std::time::Duration::from_millis(3200));
        let cached = Cached { tree, cache };
        let (first, trace) = cached.check();
        assert_eq!(trace, ["miss (no entry)", "stored"], "{first:?}");
        let (second, trace) = cached.check();
        assert_eq!(trace, ["hit"]);
        assert_eq!(second, cached.full_check());
        assert_eq!(second, first);
        assert_eq!(second.0, Some(0));
        cached
    }

    fn path(&self, rel: &str) -> std::path::PathBuf {
        self.tree.path().join(rel)
    }

    /// `--check` with the cache: (exit code, stdout, stderr without the trace), trace lines.
    fn check(&self) -> ((Option<i32>, String, String), Vec<String>) {
        let out = self.run("trace");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let (trace, rest): (Vec<&str>, Vec<&str>) =
            stderr.lines().partition(|l| l.starts_with(TRACE_PREFIX));
        let trace = trace
            .iter()
            .map(|l| {
                l[TRACE_PREFIX.len()..]
                    .split(" (/")
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        ((out.status.code(), stdout, rest.join("\n")), trace)
    }

    /// `--check` without the cache.
    fn full_check(&self) -> (Option<i32>, String, String) {
        let out = self.run("off");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stderr = stderr.lines().collect::<Vec<_>>().join("\n");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.code(), stdout, stderr)
    }

    fn run(&self, setting: &str) -> Output {
        isogen(self.cache.path(), setting)
            .arg("generate")
            .arg("--check")
            .arg(self.tree.path())
            .output()
            .unwrap()
    }

    /// After `edit`, the cache misses and the check fails as a full check does.
    fn assert_edit_fails_as_without_cache(&self, edit: impl FnOnce(&Cached)) {
        edit(self);
        let (cached, trace) = self.check();
        assert_eq!(trace, ["miss (a file or folder changed)"]);
        assert_ne!(cached.0, Some(0), "{cached:?}");
        assert_eq!(cached, self.full_check());
    }
}

fn replace(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} in {}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn an_edited_manifest_or_lockfile_runs_the_full_check() {
    let cached = Cached::new();
    cached.assert_edit_fails_as_without_cache(|c| {
        replace(
            &c.path("apps/api/package.json"),
            "dist/server.js",
            "dist/main.js",
        )
    });
    let cached = Cached::new();
    cached.assert_edit_fails_as_without_cache(|c| {
        replace(
            &c.path("pnpm-lock.yaml"),
            "specifier: ^1.1.0",
            "specifier: ^2.0.0",
        )
    });
}

#[test]
fn an_edited_source_file_runs_the_full_check() {
    let cached = Cached::new();
    cached.assert_edit_fails_as_without_cache(|c| {
        let path = c.path("apps/api/src/server.ts");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            format!("{text}import \"../../../libs/log/src/index.ts\";\n"),
        )
        .unwrap();
    });
}

#[test]
fn an_edited_config_or_template_runs_the_full_check() {
    let cached = Cached::new();
    cached.assert_edit_fails_as_without_cache(|c| {
        let path = c.path("isogen.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}uid = 10002\n")).unwrap();
    });
    let cached = Cached::new();
    cached.assert_edit_fails_as_without_cache(|c| {
        let path = c.path("tpl/node.Dockerfile.tera");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}\n# a line of our own\n")).unwrap();
    });
}

#[test]
fn a_hand_edited_dockerfile_or_a_new_package_runs_the_full_check() {
    let cached = Cached::new();
    cached.assert_edit_fails_as_without_cache(|c| {
        let path = c.path("apps/api/Dockerfile");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("FROM", "FROM  ")).unwrap();
    });
    let cached = Cached::new();
    cached.assert_edit_fails_as_without_cache(|c| {
        let dir = c.path("apps/worker");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("package.json"),
            r#"{"name":"@acme/worker","version":"1.0.0","main":"index.js","scripts":{"start":"node index.js"}}"#,
        )
        .unwrap();
        std::fs::write(dir.join("index.js"), "console.log(1);\n").unwrap();
    });
}

#[test]
fn an_edited_root_manifest_or_a_deleted_file_runs_the_full_check() {
    let cached = Cached::new();
    cached.assert_edit_fails_as_without_cache(|c| {
        let path = c.path("package.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let start = text.find("pnpm@10.34.9").unwrap();
        let end = start + text[start..].find('"').unwrap();
        let mut edited = text.clone();
        edited.replace_range(start..end, "pnpm@10.35.0");
        std::fs::write(&path, edited).unwrap();
    });
    let cached = Cached::new();
    cached.assert_edit_fails_as_without_cache(|c| {
        std::fs::remove_file(c.path("tsconfig.base.json")).unwrap();
    });
}

/// A fresh checkout: every file is seconds old, so nothing is stored (the record is dropped at
/// the first recent status) and the next check runs in full again, with the same output.
#[test]
fn a_tree_changed_in_the_last_seconds_is_checked_in_full_and_not_stored() {
    let tree = crate::fixture_copy::copy("pnpm10-apps-libs", false);
    let cache = tempfile::tempdir().unwrap();
    isogen(cache.path(), "off")
        .arg("generate")
        .arg(tree.path())
        .assert()
        .success();
    let cached = Cached { tree, cache };
    let (first, trace) = cached.check();
    assert_eq!(
        trace,
        [
            "miss (no entry)",
            "not stored (something changed in the last seconds)"
        ]
    );
    assert_eq!(first.0, Some(0), "{first:?}");
    let (second, trace) = cached.check();
    assert_eq!(trace[0], "miss (no entry)");
    assert_eq!(second, first);
    assert_eq!(second, cached.full_check());
}

#[test]
fn another_binary_folder_or_argument_is_a_miss() {
    let cached = Cached::new();
    let out = isogen(cached.cache.path(), "trace")
        .arg("generate")
        .arg("--check")
        .arg("--service")
        .arg("api")
        .arg(cached.tree.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("check cache: miss (another binary, folder or arguments)"),
        "{stderr}"
    );
    // Nothing of the cache is ever written into the workspace.
    let names: Vec<_> = std::fs::read_dir(cached.tree.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("cache"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}
