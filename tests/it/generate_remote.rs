//! Packages fetched from outside the public npm registry, as `isogen generate` names them: a
//! GitHub tarball (`resolution: {tarball: https://codeload.github.com/...}`), a git
//! repository (`resolution: {type: git, repo, commit}`) and a registry `.npmrc` sets for a
//! scope (no URL in the lockfile), in lockfiles v9 and v6, through the real binary.

use assert_cmd::Command;

/// The service's manifest: a GitHub dependency, a private-registry one, a git devDependency.
const MANIFEST: &str = r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"oidc-provider":"github:panva/node-oidc-provider#5e7a","@taskforcesh/bullmq-pro":"7.1.0","ms":"2.1.3"},"devDependencies":{"seed-tool":"git+https://gitlab.com/acme/seed-tool.git#c0ffee"}}"#;

const NPMRC: &str = "@taskforcesh:registry=https://npm.taskforce.sh/\n//npm.taskforce.sh/:_authToken=${NPM_TASKFORCESH_TOKEN}\n";

const LOCK_V9: &str = "lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .: {}

  services/api:
    dependencies:
      '@taskforcesh/bullmq-pro':
        specifier: 7.1.0
        version: 7.1.0
      ms:
        specifier: 2.1.3
        version: 2.1.3
      oidc-provider:
        specifier: github:panva/node-oidc-provider#5e7a
        version: https://codeload.github.com/panva/node-oidc-provider/tar.gz/5e7a
    devDependencies:
      seed-tool:
        specifier: git+https://gitlab.com/acme/seed-tool.git#c0ffee
        version: git+https://gitlab.com/acme/seed-tool.git#c0ffee

packages:

  '@taskforcesh/bullmq-pro@7.1.0':
    resolution: {integrity: sha512-pro}

  ms@2.1.3:
    resolution: {integrity: sha512-ms}

  oidc-provider@https://codeload.github.com/panva/node-oidc-provider/tar.gz/5e7a:
    resolution: {tarball: https://codeload.github.com/panva/node-oidc-provider/tar.gz/5e7a}
    version: 8.4.6

  seed-tool@git+https://gitlab.com/acme/seed-tool.git#c0ffee:
    resolution: {commit: c0ffee, repo: https://gitlab.com/acme/seed-tool.git, type: git}
    version: 0.3.0

snapshots:

  '@taskforcesh/bullmq-pro@7.1.0':
    dependencies:
      ms: 2.1.3

  ms@2.1.3: {}

  oidc-provider@https://codeload.github.com/panva/node-oidc-provider/tar.gz/5e7a: {}

  seed-tool@git+https://gitlab.com/acme/seed-tool.git#c0ffee: {}
";

const LOCK_V6: &str = "lockfileVersion: '6.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .: {}

  services/api:
    dependencies:
      '@taskforcesh/bullmq-pro':
        specifier: 7.1.0
        version: 7.1.0
      ms:
        specifier: 2.1.3
        version: 2.1.3
      oidc-provider:
        specifier: github:panva/node-oidc-provider#5e7a
        version: github.com/panva/node-oidc-provider/5e7a
    devDependencies:
      seed-tool:
        specifier: git+https://gitlab.com/acme/seed-tool.git#c0ffee
        version: '@gitlab.com/acme/seed-tool/c0ffee'

packages:

  /@taskforcesh/bullmq-pro@7.1.0:
    resolution: {integrity: sha512-pro}
    dependencies:
      ms: 2.1.3
    dev: false

  /ms@2.1.3:
    resolution: {integrity: sha512-ms}
    dev: false

  github.com/panva/node-oidc-provider/5e7a:
    resolution: {tarball: https://codeload.github.com/panva/node-oidc-provider/tar.gz/5e7a}
    name: oidc-provider
    version: 8.4.6
    dev: false

  '@gitlab.com/acme/seed-tool/c0ffee':
    resolution: {commit: c0ffee, repo: https://gitlab.com/acme/seed-tool.git, type: git}
    name: seed-tool
    version: 0.3.0
    dev: true
";

/// A one-service workspace with `lockfile` and `npmrc` (when given), generated: stderr.
fn generate(lockfile: &str, npmrc: Option<&str>, manifest: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let root = r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#;
    let mut files = vec![
        ("package.json", root),
        ("pnpm-workspace.yaml", "packages:\n  - services/*\n"),
        ("pnpm-lock.yaml", lockfile),
        ("services/api/package.json", manifest),
    ];
    if let Some(npmrc) = npmrc {
        files.push((".npmrc", npmrc));
    }
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .arg("generate")
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// The one warning about packages from outside the npm registry.
fn remote_warning(stderr: &str) -> &str {
    let found: Vec<&str> = (stderr.lines())
        .filter(|l| l.contains("from outside the npm registry"))
        .collect();
    assert_eq!(found.len(), 1, "{stderr}");
    found[0]
}

#[test]
fn packages_from_github_git_and_a_scoped_registry_are_named_with_their_hosts() {
    for (version, lock) in [("v9", LOCK_V9), ("v6", LOCK_V6)] {
        let stderr = generate(lock, Some(NPMRC), MANIFEST);
        let w = remote_warning(&stderr);
        for expected in [
            "`api`",
            "codeload.github.com: oidc-provider@8.4.6 (tarball)",
            "gitlab.com: seed-tool@0.3.0 (git, build only)",
            "npm.taskforce.sh: @taskforcesh/bullmq-pro@7.1.0 (registry)",
            "npm.taskforce.sh is a registry other than registry.npmjs.org",
            "the build secret `npmrc`",
            "--secret id=npmrc,src=.npmrc",
        ] {
            assert!(w.contains(expected), "{version}: {expected:?} not in {w}");
        }
        // Packages of the public registry are not named.
        assert!(!w.contains("ms@"), "{version}: {w}");
    }
}

#[test]
fn without_a_scope_registry_or_credentials_the_advice_says_what_to_add() {
    // The registry's `.npmrc` line missing: the scoped package comes from npmjs.org.
    let stderr = generate(LOCK_V9, None, MANIFEST);
    let w = remote_warning(&stderr);
    assert!(!w.contains("bullmq-pro"), "{w}");
    assert!(!w.contains("registry other than"), "{w}");
    // A scope registry without credentials: how to add them.
    let stderr = generate(
        LOCK_V9,
        Some("@taskforcesh:registry=https://npm.taskforce.sh/\n"),
        MANIFEST,
    );
    let w = remote_warning(&stderr);
    assert!(w.contains("put them in the root .npmrc"), "{w}");
}

#[test]
fn a_workspace_of_registry_packages_only_gets_no_such_warning() {
    let manifest = r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"ms":"2.1.3"}}"#;
    let lock = "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n\n  services/api:\n    dependencies:\n      ms:\n        specifier: 2.1.3\n        version: 2.1.3\n\npackages:\n\n  ms@2.1.3:\n    resolution: {integrity: sha512-ms}\n\nsnapshots:\n\n  ms@2.1.3: {}\n";
    let stderr = generate(lock, Some("registry=https://mirror.acme.dev/\n"), manifest);
    assert!(!stderr.contains("outside the npm registry"), "{stderr}");
}
