//! A build script that runs a repository file from outside its package, as real monorepos
//! write it (`"build": "tsx ../../../scripts/runify.ts"`, graphql-hive's 18 services): the
//! builder must copy that file and what it imports or reads next to it, or the image build
//! stops with "Cannot find module". tests/fixtures/pnpm8-hoisted-fleet's `notify` builds with
//! `node ../../scripts/build.mjs` (which imports `./tsc-args.mjs` and reads `./banner.txt`).
//! Likewise a root devDependency installed from a folder of the repository (`file:rules`):
//! the deps stage needs that folder.

use std::path::Path;

use assert_cmd::Command;

fn generated(file: &str) -> (tempfile::TempDir, String, String) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pnpm8-hoisted-fleet");
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", src.display()))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .success();
    let dockerfile = std::fs::read_to_string(dir.path().join(file)).unwrap();
    let ignore = std::fs::read_to_string(dir.path().join(format!("{file}.dockerignore"))).unwrap();
    (dir, dockerfile, ignore)
}

#[test]
fn the_builder_copies_the_repository_files_a_build_script_runs_and_what_they_read() {
    let (_dir, dockerfile, ignore) = generated("services/notify/Dockerfile");
    let builder = dockerfile
        .split("FROM base AS builder")
        .nth(1)
        .and_then(|rest| rest.split("\nFROM ").next())
        .unwrap();
    for file in [
        "scripts/build.mjs",
        "scripts/tsc-args.mjs",
        "scripts/banner.txt",
    ] {
        assert!(
            builder.contains(&format!("COPY {file} {file}\n")),
            "the builder copies {file}:\n{builder}"
        );
        assert!(
            ignore.contains(&format!("\n!{file}\n")),
            "the context has {file}:\n{ignore}"
        );
    }
    // A file of the same folder that the build does not use stays out, and the image
    // never ships any of them.
    assert!(!dockerfile.contains("scripts/release.mjs"));
    let runtime = dockerfile.split("AS runtime-deps").nth(1).unwrap();
    assert!(!runtime.contains("scripts/"), "{runtime}");
}

#[test]
fn a_service_whose_build_runs_only_its_own_files_copies_no_repository_file() {
    let (_dir, dockerfile, _) = generated("services/orders/Dockerfile");
    assert!(!dockerfile.contains("scripts/"), "{dockerfile}");
}

#[test]
fn the_deps_stage_copies_a_local_folder_the_roots_dev_dependencies_install() {
    // `"eslint-plugin-fleet": "file:rules"` in the root's devDependencies: pnpm installs the
    // root project with every filtered install and reads the folder (ENOENT without it).
    let (_dir, dockerfile, ignore) = generated("services/orders/Dockerfile");
    let deps = dockerfile
        .split("FROM base AS deps")
        .nth(1)
        .and_then(|rest| rest.split("\nFROM ").next())
        .unwrap();
    let copy = deps
        .find("COPY rules/ rules/\n")
        .expect("the deps stage copies rules/");
    assert!(copy < deps.find("pnpm install").unwrap(), "{deps}");
    assert!(ignore.contains("\n!rules\n"), "{ignore}");
    let runtime = dockerfile.split("AS runtime-deps").nth(1).unwrap();
    assert!(!runtime.contains("rules/"), "{runtime}");
}

/// As jitsu's rotor: its build bundles, then runs `npm install` inside `dist/`, which picks
/// versions outside pnpm-lock.yaml that the image ships. generate names the package.json,
/// the script and the command; a build script without one gets no such warning.
#[test]
fn a_build_script_that_installs_on_its_own_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
        ),
        ("pnpm-workspace.yaml", "packages:\n  - services/*\n"),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n\n  services/rotor: {}\n",
        ),
        (
            "services/rotor/package.json",
            r#"{"name":"@x/rotor","version":"1.0.0","main":"dist/main.js","scripts":{"build":"node build.mjs && pnpm run install-deps","install-deps":"cd dist && npm install --no-audit"}}"#,
        ),
        ("services/rotor/build.mjs", "console.log('bundled');\n"),
    ];
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let run = || {
        let out = Command::cargo_bin("isogen")
            .unwrap()
            .env("NO_COLOR", "1")
            .args(["generate", "--dry-run"])
            .arg(dir.path())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = run();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: services/rotor/package.json: the `install-deps` script runs `npm install --no-audit`, which resolves versions on its own, outside pnpm-lock.yaml"),
        "{stderr}"
    );

    let manifest = dir.path().join("services/rotor/package.json");
    std::fs::write(
        &manifest,
        r#"{"name":"@x/rotor","version":"1.0.0","main":"dist/main.js","scripts":{"build":"node build.mjs"}}"#,
    )
    .unwrap();
    let (code, stderr) = run();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("resolves versions on its own"), "{stderr}");
}
