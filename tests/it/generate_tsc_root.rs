//! A NestJS + Prisma service (tests/fixtures/pnpm9-nest-prisma) whose tsconfig sets `outDir`
//! but no `rootDir` while `prisma.config.ts` sits at the package top: tsc then writes
//! `dist/src/main.js`, and the `start` script's `dist/main` would not exist in the image.
//! generate refuses it (exit 2, nothing written) with the fixes; each fix generates.

use std::path::Path;

use assert_cmd::Command;

/// A copy of tests/fixtures/pnpm9-nest-prisma.
fn fixture() -> tempfile::TempDir {
    crate::fixture_copy::copy("pnpm9-nest-prisma", true)
}

const BACKEND: &str = "packages/backend";

fn write(dir: &Path, rel: &str, text: &str) {
    std::fs::write(dir.join(rel), text).unwrap();
}

/// `isogen generate <dir>`: (exit code, stdout, stderr with the folder as `[DIR]`).
fn generate(dir: &Path) -> (i32, String, String) {
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .env("NO_COLOR", "1")
        .arg("generate")
        .arg(dir)
        .output()
        .unwrap();
    let shown = dir.display().to_string();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).replace(&shown, "[DIR]"),
        String::from_utf8_lossy(&out.stderr).replace(&shown, "[DIR]"),
    )
}

fn dockerfile(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join(BACKEND).join("Dockerfile")).ok()
}

#[test]
fn a_root_widened_by_prisma_config_is_refused_with_the_fixes() {
    let ws = fixture();
    let (code, stdout, stderr) = generate(ws.path());
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(dockerfile(ws.path()).is_none(), "a Dockerfile was written");
    for part in [
        "packages/backend/tsconfig.build.json",
        "`prisma.config.ts`",
        "tsc writes `dist/src/main.js` (not `dist/main.js`)",
        "add `prisma.config.ts` to `exclude`",
        "\"rootDir\": \"src\"",
        "start `node dist/src/main.js`",
    ] {
        assert!(stderr.contains(part), "missing {part:?} in {stderr}");
    }
    insta::assert_snapshot!("nest_prisma_widened_root", stderr);
}

#[test]
fn with_root_dir_set_it_generates_the_start_entry() {
    let ws = fixture();
    write(
        ws.path(),
        &format!("{BACKEND}/tsconfig.build.json"),
        r#"{
  "extends": "./tsconfig.json",
  "compilerOptions": { "rootDir": "./src" },
  "include": ["src"],
  "exclude": ["node_modules", "test", "dist", "**/*spec.ts"]
}
"#,
    );
    let (code, stdout, stderr) = generate(ws.path());
    assert_eq!(code, 0, "{stdout}{stderr}");
    let dockerfile = dockerfile(ws.path()).unwrap();
    assert!(dockerfile.contains("dist/main.js"), "{dockerfile}");
}

#[test]
fn excluding_the_file_or_naming_the_real_entry_generates() {
    // The file excluded: tsc's root is `src` again.
    let ws = fixture();
    write(
        ws.path(),
        &format!("{BACKEND}/tsconfig.build.json"),
        r#"{"extends": "./tsconfig.json", "exclude": ["node_modules", "dist", "prisma.config.ts"]}"#,
    );
    let (code, stdout, stderr) = generate(ws.path());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(dockerfile(ws.path()).unwrap().contains("dist/main.js"));

    // `entry` in isogen.toml overrides what the start script says.
    let ws = fixture();
    write(
        ws.path(),
        "isogen.toml",
        "[generate.services.backend]\nentry = \"dist/src/main.js\"\n",
    );
    let (code, stdout, stderr) = generate(ws.path());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(dockerfile(ws.path()).unwrap().contains("dist/src/main.js"));

    // The start script pointed at what tsc writes.
    let ws = fixture();
    let manifest = std::fs::read_to_string(ws.path().join(BACKEND).join("package.json")).unwrap();
    write(
        ws.path(),
        &format!("{BACKEND}/package.json"),
        &manifest.replace("node dist/main", "node dist/src/main"),
    );
    let (code, stdout, stderr) = generate(ws.path());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(dockerfile(ws.path()).unwrap().contains("dist/src/main.js"));
}
