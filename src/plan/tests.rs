//! `plan` on real git repositories made here: a pnpm + Cargo workspace, committed, then
//! changed (edits, renames, deletions, lockfile-only changes) and planned `--since` the commit.

use std::path::Path;
use std::process::Command;

use super::*;
use crate::config::Config;
use crate::workspace::Workspace;

const LOCK: &str = r#"lockfileVersion: '9.0'

importers:

  .: {}

  packages/lib:
    dependencies:
      ms:
        specifier: ^2
        version: 2.1.3

  services/api:
    dependencies:
      '@acme/lib':
        specifier: workspace:*
        version: link:../../packages/lib
      express:
        specifier: ^4
        version: 4.19.2

  services/web:
    dependencies:
      left-pad:
        specifier: ^1
        version: 1.3.0

packages:

  express@4.19.2:
    resolution: {integrity: sha512-express}

  left-pad@1.3.0:
    resolution: {integrity: sha512-leftpad}

  ms@2.1.3:
    resolution: {integrity: sha512-ms}

snapshots:

  express@4.19.2: {}

  left-pad@1.3.0: {}

  ms@2.1.3: {}
"#;

const CARGO_LOCK: &str = r#"version = 4

[[package]]
name = "core"
version = "0.1.0"
dependencies = ["itoa"]

[[package]]
name = "engine"
version = "0.1.0"
dependencies = ["core"]

[[package]]
name = "itoa"
version = "1.0.11"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "tool"
version = "0.1.0"
dependencies = ["rand"]

[[package]]
name = "rand"
version = "0.8.5"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn git(root: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A pnpm service `api` using the internal `@acme/lib`, a pnpm service `web`, and Cargo binaries
/// `engine` (using the crate `core`) and `tool`; committed once.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "pnpm-workspace.yaml",
        "packages:\n  - services/*\n  - packages/*\n",
    );
    write(
        r,
        "package.json",
        r#"{"name":"root","private":true,"packageManager":"pnpm@9.12.0"}"#,
    );
    write(r, "pnpm-lock.yaml", LOCK);
    write(
        r,
        "services/api/package.json",
        r#"{"name":"@acme/api","version":"1.0.0","main":"dist/main.js","dependencies":{"@acme/lib":"workspace:*","express":"^4"}}"#,
    );
    write(r, "services/api/src/main.ts", "export {};\n");
    write(r, "services/api/src/old.ts", "export {};\n");
    write(
        r,
        "services/web/package.json",
        r#"{"name":"@acme/web","version":"1.0.0","main":"dist/main.js","dependencies":{"left-pad":"^1"}}"#,
    );
    write(r, "services/web/src/a.ts", "export const a = 1;\n");
    write(
        r,
        "packages/lib/package.json",
        r#"{"name":"@acme/lib","version":"1.0.0","main":"dist/index.js","dependencies":{"ms":"^2"}}"#,
    );
    write(r, "packages/lib/src/index.ts", "export {};\n");
    write(
        r,
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
    );
    write(r, "Cargo.lock", CARGO_LOCK);
    write(
        r,
        "crates/core/Cargo.toml",
        "[package]\nname = \"core\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(r, "crates/core/src/lib.rs", "\n");
    write(
        r,
        "crates/engine/Cargo.toml",
        "[package]\nname = \"engine\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\ncore = { path = \"../core\" }\n",
    );
    write(r, "crates/engine/src/main.rs", "fn main() {}\n");
    write(
        r,
        "crates/tool/Cargo.toml",
        "[package]\nname = \"tool\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(r, "crates/tool/src/main.rs", "fn main() {}\n");
    write(r, "README.md", "# acme\n");
    // engine and tool run no server framework: named, with the pnpm services, as services.
    write(
        r,
        "isogen.toml",
        "[workspace]\nservices = [\"services/*\", \"engine\", \"tool\"]\n",
    );
    git(r, &["init", "-q", "-b", "main"]);
    git(r, &["add", "-A"]);
    git(r, &["commit", "-q", "-m", "first"]);
    dir
}

fn run(root: &Path, since: Option<&str>) -> Result<Plan> {
    let config = Config::load_from_root(root)?;
    let ws = Workspace::discover(root, &config.workspace)?;
    plan(&ws, &config.generate, since)
}

/// (service, why, via) of every reason, for short assertions.
fn why(plan: &Plan) -> Vec<(String, Why, Option<String>)> {
    plan.services
        .iter()
        .flat_map(|s| {
            s.affected_by
                .iter()
                .flatten()
                .map(|r| (s.name.clone(), r.why, r.via.clone()))
        })
        .collect()
}

fn names(plan: &Plan) -> Vec<&str> {
    plan.services.iter().map(|s| s.name.as_str()).collect()
}

#[test]
fn without_since_every_service_is_listed() {
    let repo = repo();
    let plan = run(repo.path(), None).unwrap();
    insta::assert_json_snapshot!("plan_all", plan);
}

#[test]
fn nothing_changed_nothing_to_build() {
    let repo = repo();
    write(repo.path(), "README.md", "# acme, edited\n");
    let plan = run(repo.path(), Some("HEAD")).unwrap();
    assert!(plan.services.is_empty(), "{:?}", names(&plan));
    assert_eq!(
        plan.unaffected.as_deref().unwrap(),
        ["api", "engine", "tool", "web"]
    );
}

#[test]
fn an_internal_package_change_reaches_its_users_only() {
    let repo = repo();
    let r = repo.path();
    write(r, "packages/lib/src/index.ts", "export const x = 1;\n");
    write(r, "crates/core/src/lib.rs", "pub fn f() {}\n");
    git(r, &["commit", "-q", "-am", "lib"]);
    let plan = run(r, Some("HEAD~1")).unwrap();
    insta::assert_json_snapshot!("plan_internal_package", plan);
    assert_eq!(
        why(&plan),
        vec![
            ("api".into(), Why::InternalPackage, Some("@acme/lib".into())),
            ("engine".into(), Why::InternalPackage, Some("core".into())),
        ]
    );
}

#[test]
fn renames_and_deletions_count_where_they_were() {
    let repo = repo();
    let r = repo.path();
    git(r, &["mv", "services/web/src/a.ts", "services/web/src/b.ts"]);
    git(r, &["rm", "-q", "services/api/src/old.ts"]);
    git(r, &["commit", "-q", "-m", "move"]);
    let plan = run(r, Some("HEAD~1")).unwrap();
    assert_eq!(names(&plan), vec!["api", "web"]);
    let api = &plan.services[0].affected_by.as_ref().unwrap()[0];
    assert_eq!(
        (api.file.as_str(), api.change),
        ("services/api/src/old.ts", "deleted")
    );
    let web = &plan.services[1].affected_by.as_ref().unwrap()[0];
    assert_eq!(web.change, "renamed");
    assert_eq!(web.file, "services/web/src/b.ts");
    assert_eq!(web.from.as_deref(), Some("services/web/src/a.ts"));

    // A file moved out of a service still affects it; moved into another, that one too.
    git(r, &["mv", "services/web/src/b.ts", "packages/lib/src/b.ts"]);
    git(r, &["commit", "-q", "-m", "move out"]);
    let plan = run(r, Some("HEAD~1")).unwrap();
    assert_eq!(
        why(&plan),
        vec![
            ("api".into(), Why::InternalPackage, Some("@acme/lib".into())),
            ("web".into(), Why::Service, None),
        ]
    );
}

#[test]
fn a_lockfile_change_counts_only_for_the_importers_it_touches() {
    let repo = repo();
    let r = repo.path();
    // Only web's importer and the entry it installs.
    let lock = LOCK
        .replace("version: 1.3.0", "version: 1.3.1")
        .replace("left-pad@1.3.0", "left-pad@1.3.1");
    write(r, "pnpm-lock.yaml", &lock);
    git(r, &["commit", "-q", "-am", "bump left-pad"]);
    let plan = run(r, Some("HEAD~1")).unwrap();
    assert_eq!(names(&plan), vec!["web"]);
    let reasons = plan.services[0].affected_by.as_ref().unwrap();
    assert_eq!(reasons[0].why, Why::Lockfile);
    assert_eq!(
        reasons[0].detail.as_deref(),
        Some("importer `services/web` changed")
    );
    assert_eq!(
        reasons[1].detail.as_deref(),
        Some("packages it installs changed: left-pad@1.3.0, left-pad@1.3.1")
    );

    // An entry lib reaches (ms): api, through its internal package, and nobody else.
    write(
        r,
        "pnpm-lock.yaml",
        &lock.replace("sha512-ms", "sha512-ms2"),
    );
    git(r, &["commit", "-q", "-am", "ms integrity"]);
    let plan = run(r, Some("HEAD~1")).unwrap();
    assert_eq!(names(&plan), vec!["api"]);

    // lib's importer: api again, named as the way it comes.
    let lock = lock.replace("sha512-ms", "sha512-ms2");
    write(
        r,
        "pnpm-lock.yaml",
        &lock.replace("specifier: ^2", "specifier: ^2.1"),
    );
    git(r, &["commit", "-q", "-am", "lib spec"]);
    let plan = run(r, Some("HEAD~1")).unwrap();
    assert_eq!(
        why(&plan),
        vec![("api".into(), Why::Lockfile, Some("@acme/lib".into()))]
    );
}

#[test]
fn a_cargo_lock_change_counts_only_for_the_binaries_that_reach_it() {
    let repo = repo();
    let r = repo.path();
    write(r, "Cargo.lock", &CARGO_LOCK.replace("0.8.5", "0.8.6"));
    git(r, &["commit", "-q", "-am", "bump rand"]);
    let plan = run(r, Some("HEAD~1")).unwrap();
    assert_eq!(names(&plan), vec!["tool"]);
    let reason = &plan.services[0].affected_by.as_ref().unwrap()[0];
    assert_eq!(
        reason.detail.as_deref(),
        Some("crates it builds changed: rand")
    );

    let lock = CARGO_LOCK.replace("0.8.5", "0.8.6");
    write(r, "Cargo.lock", &lock.replace("1.0.11", "1.0.12"));
    let plan = run(r, Some("HEAD")).unwrap();
    assert_eq!(
        names(&plan),
        vec!["engine"],
        "uncommitted changes count too"
    );
}

#[test]
fn shared_files_reach_every_service_they_build() {
    let repo = repo();
    let r = repo.path();
    let config = std::fs::read_to_string(r.join("isogen.toml")).unwrap();
    write(
        r,
        "isogen.toml",
        &format!("{config}[generate]\nuid = 10002\n"),
    );
    let plan = run(r, Some("HEAD")).unwrap();
    assert_eq!(names(&plan), vec!["api", "engine", "tool", "web"]);
    git(r, &["add", "-A"]);
    git(r, &["commit", "-q", "-m", "config"]);

    write(
        r,
        "pnpm-workspace.yaml",
        "packages:\n  - services/*\n  - packages/*\n# note\n",
    );
    write(
        r,
        "rust-toolchain.toml",
        "[toolchain]\nchannel = \"1.85\"\n",
    );
    git(r, &["add", "-A"]);
    let plan = run(r, Some("HEAD")).unwrap();
    assert_eq!(
        why(&plan)
            .into_iter()
            .map(|(s, w, _)| (s, w))
            .collect::<Vec<_>>(),
        vec![
            ("api".into(), Why::Workspace),
            ("engine".into(), Why::Workspace),
            ("tool".into(), Why::Workspace),
            ("web".into(), Why::Workspace),
        ]
    );

    // A Dockerfile is its service's alone.
    git(r, &["commit", "-q", "-m", "ws"]);
    write(r, "services/api/Dockerfile", "FROM x\n");
    write(r, "services/api/Dockerfile.dockerignore", "*\n");
    git(r, &["add", "-A"]);
    let plan = run(r, Some("HEAD")).unwrap();
    assert_eq!(
        why(&plan),
        vec![
            ("api".into(), Why::Dockerfile, None),
            ("api".into(), Why::IgnoreFile, None),
        ]
    );
}

#[test]
fn git_problems_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "pnpm-workspace.yaml", "packages:\n  - services/*\n");
    write(r, "package.json", r#"{"name":"root"}"#);
    let err = run(r, Some("main")).unwrap_err().to_string();
    assert!(err.contains("not a git repository"), "{err}");

    let repo = repo();
    let err = run(repo.path(), Some("no-such-branch"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("--since no-such-branch: no such commit"),
        "{err}"
    );
    let err = run(repo.path(), Some("--output=x"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a git revision"), "{err}");
}

#[test]
fn formats_for_ci() {
    let repo = repo();
    let r = repo.path();
    write(r, "services/web/src/a.ts", "export const a = 2;\n");
    let plan = run(r, Some("HEAD")).unwrap();
    let matrix = format::render(&plan, format::Format::GithubMatrix).unwrap();
    assert_eq!(
        matrix,
        "{\"include\":[{\"service\":\"web\",\"ecosystem\":\"pnpm\",\"folder\":\"services/web\",\"package\":\"@acme/web\",\"dockerfile\":\"services/web/Dockerfile\",\"image\":\"web\"}]}\n"
    );
    insta::assert_snapshot!(
        "plan_gitlab",
        format::render(&plan, format::Format::Gitlab).unwrap()
    );
    let bake = format::render(&plan, format::Format::Bake).unwrap();
    let body: hcl::Body = hcl::from_str(&bake).unwrap();
    let group = body.blocks().find(|b| b.identifier() == "group").unwrap();
    assert_eq!(group.labels()[0].as_str(), "affected");

    let none = run(r, Some("HEAD")).map(|mut p| {
        p.services.clear();
        p
    });
    let text = format::render(&none.unwrap(), format::Format::Gitlab).unwrap();
    assert!(text.contains("isogen-nothing-to-build"), "{text}");
}

/// Every real lockfile of the fixtures (pnpm 8's v6, pnpm 9 and 10's v9: peers, aliases,
/// catalogs, patches) resolves each service's entries without falling back to "everything",
/// and a service's part holds fewer entries than the whole file when others install more.
#[test]
fn real_lockfiles_resolve_every_entry() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut roots: Vec<std::path::PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("pnpm-lock.yaml").is_file())
        .collect();
    roots.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("services-example"));
    assert!(roots.len() >= 9, "{roots:?}");
    let mut smaller_somewhere = false;
    for root in roots {
        let text = std::fs::read_to_string(root.join("pnpm-lock.yaml")).unwrap();
        let lock: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let config = Config::load_from_root(&root).unwrap();
        let ws = Workspace::discover(&root, &config.workspace).unwrap();
        for s in &ws.services {
            let package = ws.service_package(s);
            if package.ecosystem != crate::workspace::Ecosystem::Pnpm {
                continue;
            }
            let mut dirs = vec!["", package.dir.as_str()];
            dirs.extend(s.build_closure.iter().map(|&i| ws.package(i).dir.as_str()));
            let part = pnpm_lock::part(&lock, &dirs);
            assert!(!part.everything, "{}: {}", root.display(), s.name);
            let total: usize = ["packages", "snapshots"]
                .iter()
                .filter_map(|k| lock.get(k).and_then(|v| v.as_object()))
                .map(|m| m.len())
                .sum();
            smaller_somewhere |= part.entries.len() < total;
        }
    }
    assert!(
        smaller_somewhere,
        "every service's part was the whole lockfile"
    );
}

/// A workspace in a subfolder of the repository: paths are relative to it, and changes outside
/// it are not seen.
#[test]
fn a_workspace_below_the_repository_root() {
    let repo = repo();
    let top = tempfile::tempdir().unwrap();
    let ws = top.path().join("platform");
    std::fs::rename(repo.path(), &ws).unwrap();
    std::fs::remove_dir_all(ws.join(".git")).unwrap();
    git(top.path(), &["init", "-q", "-b", "main"]);
    write(top.path(), "docs/notes.md", "x\n");
    git(top.path(), &["add", "-A"]);
    git(top.path(), &["commit", "-q", "-m", "first"]);
    write(top.path(), "docs/notes.md", "y\n");
    write(&ws, "services/web/src/a.ts", "export const a = 3;\n");
    let plan = run(&ws, Some("HEAD")).unwrap();
    assert_eq!(names(&plan), vec!["web"]);
    assert_eq!(
        plan.services[0].affected_by.as_ref().unwrap()[0].file,
        "services/web/src/a.ts"
    );
}

/// Every plan these tests make matches docs/plan-schema.json, which enforces it.
#[test]
fn json_matches_its_documented_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/plan-schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let repo = repo();
    let r = repo.path();
    git(r, &["mv", "services/web/src/a.ts", "services/web/src/b.ts"]);
    write(r, "packages/lib/src/index.ts", "export const y = 1;\n");
    write(r, "Cargo.lock", &CARGO_LOCK.replace("0.8.5", "0.8.6"));
    for since in [None, Some("HEAD")] {
        let plan = run(r, since).unwrap();
        let value = serde_json::to_value(&plan).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let broken =
        serde_json::json!({"schema_version": 1, "since": null, "services": [{"name": "x"}]});
    assert!(!validator.is_valid(&broken));
}
