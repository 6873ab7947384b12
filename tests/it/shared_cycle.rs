//! `tests/fixtures/pnpm9-shared-cycle`, shaped like real workspaces isogen met: internal
//! packages that depend on each other at run time (`db` -> `queue` -> `db`, which pnpm links
//! and installs), one of them loading an undeclared sibling by relative path that the
//! service's image has anyway, a service started by `NODE_ENV=production node .` outside
//! `apps/`, a `bin` package whose `start` is `node .` (a tool), and a service started by
//! `dotenv -e ../../.env node dist/index.js` (no `--`). Every one of them used to be refused or
//! missed; now `list` and `generate` read them as pnpm and Node do.

use std::path::Path;

use assert_cmd::Command;

fn fixture() -> tempfile::TempDir {
    crate::fixture_copy::copy("pnpm9-shared-cycle", true)
}

/// Exit code, stdout and stderr of `isogen <args> <dir>`, the folder shown as `[DIR]`.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    let shown = |b: &[u8]| String::from_utf8_lossy(b).replace(&dir.display().to_string(), "[DIR]");
    (
        out.status.code().unwrap_or(-1),
        shown(&out.stdout),
        shown(&out.stderr),
    )
}

#[test]
fn list_reads_the_cycle_node_dot_and_the_bin_package() {
    let ws = fixture();
    let (code, stdout, stderr) = run(ws.path(), &["list"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("shared_cycle_list", stdout);
}

#[test]
fn generate_writes_both_services_and_warns_about_the_undeclared_path() {
    let ws = fixture();
    let (code, _, stderr) = run(ws.path(), &["generate"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("shared_cycle_generate_stderr", stderr);
    let gateway = std::fs::read_to_string(ws.path().join("packages/gateway/Dockerfile")).unwrap();
    assert!(
        gateway.contains(r#"CMD ["node", "/app/packages/gateway/lib/server.js"]"#),
        "{gateway}"
    );
    let api = std::fs::read_to_string(ws.path().join("apps/api/Dockerfile")).unwrap();
    assert!(
        api.contains(r#"CMD ["node", "/app/apps/api/dist/index.js"]"#),
        "{api}"
    );
    // Both members of the cycle ship, with the package queue loads by path.
    for p in ["packages/db", "packages/queue", "packages/validation"] {
        assert!(
            api.contains(&format!("--from=builder /app/{p}/")),
            "{p}: {api}"
        );
    }
    assert!(!ws.path().join("packages/cli/Dockerfile").exists());
}

#[test]
fn an_undeclared_path_import_the_image_lacks_is_still_refused() {
    let ws = fixture();
    // The gateway no longer reaches validation through db: nothing ships it.
    let db = ws.path().join("packages/db/package.json");
    let text = std::fs::read_to_string(&db).unwrap();
    std::fs::write(
        &db,
        text.replace(r#", "@cyc/validation": "workspace:*""#, ""),
    )
    .unwrap();
    let index = ws.path().join("packages/db/index.js");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(
        &index,
        text.replace("require('@cyc/validation')", "{ check() {} }"),
    )
    .unwrap();
    let lock = ws.path().join("pnpm-lock.yaml");
    let text = std::fs::read_to_string(&lock).unwrap();
    std::fs::write(
        &lock,
        text.replace(
            "        version: link:../queue\n      '@cyc/validation':\n        specifier: workspace:*\n        version: link:../validation\n",
            "        version: link:../queue\n",
        ),
    )
    .unwrap();
    let (code, _, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("packages/queue/index.js:2: '../validation' reaches `@cyc/validation`"),
        "{stderr}"
    );
}
