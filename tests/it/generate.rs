//! `isogen generate` and `isogen templates` as a user runs them: the real binary on workspaces
//! built in temporary folders (or copied from tests/fixtures), every exit code, and snapshots
//! of what it renders.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn isogen() -> Command {
    Command::cargo_bin("isogen").unwrap()
}

/// Writes `files` (relative path, contents) under a new temporary folder.
fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// A copy of tests/fixtures/<name> (without node_modules or build output).
fn fixture(name: &str) -> tempfile::TempDir {
    crate::fixture_copy::copy(name, false)
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

const MINIMAL: &[(&str, &str)] = &[
    (
        "package.json",
        r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
    ),
    (
        "pnpm-workspace.yaml",
        "packages:\n  - packages/*\n  - services/*\n",
    ),
    ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
    (
        "packages/lib/package.json",
        r#"{"name":"@x/lib","version":"1.0.0","main":"dist/index.js","scripts":{"build":"tsc"}}"#,
    ),
    (
        "services/api/package.json",
        r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"workspace:*"}}"#,
    ),
];

// ---------------------------------------------------------------------------------------------
// Snapshots of what users read.

#[test]
fn fixture_renders_like_the_snapshot() {
    let ws = fixture("pnpm-ts");
    let out = isogen()
        .args(["generate", "--dry-run"])
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!("pnpm_ts_dry_run", String::from_utf8(out).unwrap());
}

/// Everything a real workspace may throw at the generator at once: nested and negated globs,
/// default and named catalogs, peers, aliases, `exports`-only packages, `files`, a nameless
/// package, patches, a pnpmfile, `.nvmrc`, and every `isogen.toml` override.
fn everything() -> tempfile::TempDir {
    workspace(&[
        (
            "package.json",
            r#"{"name":"big","private":true,"packageManager":"pnpm@9.12.0+sha512.abc","pnpm":{"patchedDependencies":{"left-pad@1.3.0":"patches/left-pad@1.3.0.patch"}}}"#,
        ),
        (
            "pnpm-workspace.yaml",
            "packages:\n  - 'libs/**'\n  - 'platform/*/*'\n  - '!libs/legacy'\n  - '!**/fixtures/**'\ncatalog:\n  zod: ^3.23.8\ncatalogs:\n  react17:\n    react: ^17.0.2\n",
        ),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
        (".npmrc", "node-linker=hoisted\n"),
        (".pnpmfile.cjs", "module.exports = {}\n"),
        (".nvmrc", "lts/jod\n"),
        ("tsconfig.json", "{}"),
        ("tsconfig.build.json", "{}"),
        ("patches/left-pad@1.3.0.patch", ""),
        (
            "libs/core/package.json",
            r#"{"name":"@big/core","version":"3.1.0","type":"module","exports":{".":{"types":"./build/index.d.ts","import":"./build/index.js"}},"scripts":{"build":"tsc -b","prepare":"husky"},"dependencies":{"zod":"catalog:"},"devDependencies":{"vitest":"^2.0.0"}}"#,
        ),
        (
            "libs/ui/react/package.json",
            r#"{"name":"@big/react","version":"0.9.0","main":"src/index.tsx","publishConfig":{"main":"lib/index.js","exports":{".":"./lib/index.js"},"access":"public"},"files":["lib","assets/**"],"scripts":{"build":"tsc"},"dependencies":{"react":"catalog:react17"},"peerDependencies":{"@big/core":"workspace:^"}}"#,
        ),
        (
            "libs/legacy/package.json",
            r#"{"name":"@big/legacy","version":"0.0.1"}"#,
        ),
        (
            "libs/core/fixtures/x/package.json",
            r#"{"name":"@big/core","version":"9.9.9"}"#,
        ),
        (
            "libs/plain/package.json",
            r#"{"version":"1.0.0","main":"index.js"}"#,
        ),
        ("libs/plain/index.js", "module.exports = 1;\n"),
        (
            "libs/types/package.json",
            r#"{"name":"@big/types","version":"1.0.0","types":"src/index.ts"}"#,
        ),
        ("libs/types/src/index.ts", "export type Id = string;\n"),
        (
            "libs/nomain/package.json",
            r#"{"name":"@big/nomain","version":"1.0.0"}"#,
        ),
        ("libs/nomain/index.js", "module.exports = 2;\n"),
        (
            "platform/services/billing/package.json",
            r#"{"name":"@big/billing","version":"1.4.2","description":"Bills\n  customers.","main":"./dist/server.js","scripts":{"build":"tsc","start":"node dist/server.js"},"dependencies":{"core":"workspace:@big/core@^","@big/react":"workspace:~","left-pad":"1.3.0","plain":"workspace:../../../libs/plain","@big/types":"workspace:*","@big/nomain":"workspace:*"},"devDependencies":{"typescript":"^5.6.0","@big/test-kit":"workspace:*"}}"#,
        ),
        (
            "platform/tools/test-kit/package.json",
            r#"{"name":"@big/test-kit","version":"0.0.0","main":"dist/index.js","scripts":{"build":"tsc"},"devDependencies":{"@big/core":"workspace:*"}}"#,
        ),
        (
            "isogen.toml",
            r#"
[generate]
uid = 2000
app_root = "/srv"

[generate.node]
image = "registry.example.com/node:22@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
runtime_image = "gcr.io/distroless/nodejs22-debian12"
pnpm_install = "corepack"

[generate.services.billing]
port = 8080
healthcheck = ["node", "/srv/platform/services/billing/dist/health.js"]
env = { LOG_FORMAT = "json", GREETING = "it's \"quoted\"" }
build = "pnpm run build --sourceMap false"
"#,
        ),
    ])
}

#[test]
fn everything_renders_like_the_snapshot() {
    let ws = everything();
    let run = || {
        isogen()
            .args(["generate", "--dry-run"])
            .arg(ws.path())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let out = run();
    // Deterministic: maps (env, catalogs, ...) render in the same order every time.
    for _ in 0..3 {
        assert_eq!(run(), out);
    }
    insta::assert_snapshot!("everything_dry_run", String::from_utf8(out).unwrap());
}

#[test]
fn everything_rewrites_every_spec_form() {
    let ws = everything();
    let out = isogen()
        .args(["generate", "--stdout"])
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    // catalog:, workspace: aliases and peers reach pnpm as written: the production install
    // reads the original manifests (no dependency is rewritten) from the lockfile.
    assert!(!text.contains("dependencies["), "{text}");
    assert!(
        text.contains("pnpm install --frozen-lockfile --prod --ignore-scripts"),
        "{text}"
    );
    // unbuilt packages ship what exists: Node's default index.js, nothing for types only
    assert!(
        text.contains("COPY --from=builder /srv/libs/nomain/index.js libs/nomain/index.js"),
        "{text}"
    );
    assert!(
        text.contains("COPY libs/types/package.json libs/types/\nCOPY libs/plain"),
        "{text}"
    );
    assert!(
        !text.contains("COPY --from=builder /srv/libs/types/src"),
        "{text}"
    );
    assert!(
        !text.contains("COPY --from=builder /srv/libs/types/dist"),
        "{text}"
    );
    // publishConfig fields are applied, as pnpm publish would
    assert!(text.contains(" main=lib/index.js "), "{text}");
    assert!(
        text.contains(r#"npm pkg set --json 'exports={".":"./lib/index.js"}'"#),
        "{text}"
    );
    assert!(!text.contains("access"), "{text}");
    // dev-only packages are built for, never shipped
    assert!(
        text.contains("COPY platform/tools/test-kit/package.json"),
        "{text}"
    );
    assert!(!text.contains("/srv/platform/tools/test-kit/"), "{text}");
    // negated and never-searched folders are not packages
    assert!(!text.contains("legacy"), "{text}");
    assert!(!text.contains("fixtures"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Writing, re-running, --check.

#[test]
fn generate_check_is_clean_after_generate_and_dirty_after_a_manifest_edit() {
    let ws = fixture("pnpm-ts");
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("created services/api/Dockerfile"))
        .stdout(predicate::str::contains(
            "created services/api/Dockerfile.dockerignore",
        ))
        .stdout(predicate::str::contains(
            "created services/worker/Dockerfile",
        ));
    let first = read(ws.path(), "services/api/Dockerfile");
    assert!(first.starts_with("# @generated by isogen (isogen generate)"));

    // Re-running changes nothing, byte for byte.
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("4 files unchanged"));
    assert_eq!(read(ws.path(), "services/api/Dockerfile"), first);

    isogen()
        .args(["generate", "--check"])
        .arg(ws.path())
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty());

    // The worker gains a dependency on core: its Dockerfile and ignore file drift, api's not.
    let manifest = ws.path().join("services/worker/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        r#""@fx/util": "workspace:~""#,
        r#""@fx/util": "workspace:~", "@fx/core": "workspace:*""#,
    );
    std::fs::write(&manifest, text).unwrap();
    lock_dependency(ws.path(), "services/worker", "@fx/core", "workspace:*");
    isogen()
        .args(["generate", "--check"])
        .arg(ws.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "would update services/worker/Dockerfile",
        ))
        .stdout(predicate::str::contains(
            "would update services/worker/Dockerfile.dockerignore",
        ))
        .stdout(predicate::str::contains("services/api").not())
        .stderr(predicate::str::contains(
            "2 of 4 generated files would change",
        ));
    // --check wrote nothing.
    assert!(!read(ws.path(), "services/worker/Dockerfile").contains("packages/core"));

    isogen()
        .args(["generate", "--diff"])
        .arg(ws.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("--- a/services/worker/Dockerfile"))
        .stdout(predicate::str::contains(
            "+COPY packages/core/package.json packages/core/",
        ));

    isogen().arg("generate").arg(ws.path()).assert().success();
    isogen()
        .args(["generate", "--check"])
        .arg(ws.path())
        .assert()
        .code(0);
}

#[test]
fn no_arguments_means_the_current_directory() {
    let ws = workspace(MINIMAL);
    isogen()
        .arg("generate")
        .current_dir(ws.path())
        .assert()
        .success();
    assert!(ws.path().join("services/api/Dockerfile").is_file());
    assert!(ws
        .path()
        .join("services/api/Dockerfile.dockerignore")
        .is_file());
    // Nothing else: no temp files left behind.
    let names: Vec<String> = std::fs::read_dir(ws.path().join("services/api"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn hand_written_dockerfiles_are_left_alone_unless_forced() {
    let ws = workspace(MINIMAL);
    std::fs::write(ws.path().join("services/api/Dockerfile"), "FROM scratch\n").unwrap();
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("services/api/Dockerfile"))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(read(ws.path(), "services/api/Dockerfile"), "FROM scratch\n");
    assert!(!ws
        .path()
        .join("services/api/Dockerfile.dockerignore")
        .exists());

    isogen()
        .args(["generate", "--check"])
        .arg(ws.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("services/api/Dockerfile"));

    isogen()
        .args(["generate", "--force"])
        .arg(ws.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "replaced (--force) services/api/Dockerfile",
        ));
    assert!(read(ws.path(), "services/api/Dockerfile").starts_with("# @generated by isogen"));
}

#[test]
fn stdout_prints_only_dockerfiles_and_writes_nothing() {
    let ws = workspace(MINIMAL);
    isogen()
        .args(["generate", "--stdout", "--service", "api"])
        .arg(ws.path())
        .assert()
        .success()
        .stdout(predicate::str::starts_with("# @generated by isogen"))
        .stdout(predicate::str::contains(
            "CMD [\"node\", \"/app/services/api/dist/main.js\"]",
        ))
        .stdout(predicate::str::contains("==>").not());
    assert!(!ws.path().join("services/api/Dockerfile").exists());
}

#[test]
fn unknown_service_is_a_usage_error() {
    let ws = workspace(MINIMAL);
    isogen()
        .args(["generate", "--service", "nope"])
        .arg(ws.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no service `nope`"))
        .stderr(predicate::str::contains("services: api"));
}

// ---------------------------------------------------------------------------------------------
// Unusable input: exit 2, the file named, nothing written.

fn with(files: &[(&'static str, &'static str)]) -> tempfile::TempDir {
    let mut all: Vec<(&str, &str)> = MINIMAL
        .iter()
        .filter(|(p, _)| !files.iter().any(|(q, _)| q == p))
        .copied()
        .collect();
    all.extend_from_slice(files);
    workspace(&all)
}

fn fails_naming(ws: &tempfile::TempDir, needles: &[&str]) {
    let mut assert = isogen().arg("generate").arg(ws.path()).assert().code(2);
    for n in needles {
        assert = assert.stderr(predicate::str::contains(*n));
    }
    assert!(!ws.path().join("services/api/Dockerfile").exists());
}

#[test]
fn bad_yaml_names_the_file_line_and_column() {
    let ws = with(&[("pnpm-workspace.yaml", "packages:\n  - services/*\n  - [\n")]);
    fails_naming(&ws, &["pnpm-workspace.yaml:"]);
    let out = isogen().arg("generate").arg(ws.path()).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.lines()
            .next()
            .unwrap()
            .contains("pnpm-workspace.yaml:3:")
            || err.contains("pnpm-workspace.yaml:4:"),
        "{err}"
    );
}

#[test]
fn bad_json_names_the_file_line_and_column() {
    let ws = with(&[(
        "packages/lib/package.json",
        "{\n  \"name\": \"@x/lib\",\n  \"version\": 1.0.0\n}\n",
    )]);
    fails_naming(&ws, &["packages/lib/package.json:3:"]);
}

#[test]
fn a_runtime_cycle_between_internal_packages_is_installed_as_pnpm_does() {
    // pnpm links packages that depend on each other and only warns; the image ships both.
    let ws = with(&[
        (
            "packages/lib/package.json",
            r#"{"name":"@x/lib","version":"1.0.0","main":"dist/index.js","scripts":{"build":"tsc"},"dependencies":{"@x/other":"workspace:*"}}"#,
        ),
        (
            "packages/other/package.json",
            r#"{"name":"@x/other","version":"1.0.0","main":"index.js","dependencies":{"@x/lib":"workspace:^"}}"#,
        ),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    for needle in [
        "--filter @x/other --filter @x/lib --filter @x/api",
        "COPY --from=builder /app/packages/lib/dist packages/lib/dist",
        "pnpm --filter @x/lib run build",
    ] {
        assert!(dockerfile.contains(needle), "{needle}: {dockerfile}");
    }
}

#[test]
fn a_workspace_spec_naming_no_package_names_the_manifest_and_spec() {
    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","main":"dist/main.js","dependencies":{"@x/missing":"workspace:^"}}"#,
    )]);
    fails_naming(
        &ws,
        &[
            "services/api/package.json",
            "`dependencies.@x/missing: workspace:^`",
            "not a package of this workspace",
        ],
    );
}

#[test]
fn an_unknown_catalog_entry_is_named() {
    let ws = with(&[(
        "packages/lib/package.json",
        r#"{"name":"@x/lib","main":"dist/index.js","dependencies":{"zod":"catalog:"}}"#,
    )]);
    fails_naming(&ws, &["packages/lib/package.json", "catalog", "zod"]);
}

#[test]
fn duplicate_package_names_name_both_manifests() {
    let ws = with(&[(
        "packages/copy/package.json",
        r#"{"name":"@x/lib","main":"dist/index.js"}"#,
    )]);
    fails_naming(
        &ws,
        &[
            "packages/copy/package.json",
            "packages/lib/package.json",
            "`@x/lib`",
        ],
    );
}

/// Two services in folders of one name (it was an error naming both) take their parent
/// folder (`apps-api`, `services-api`), and both get a Dockerfile.
#[test]
fn two_services_with_one_name_are_named() {
    let ws = with(&[
        (
            "pnpm-workspace.yaml",
            "packages:\n  - packages/*\n  - services/*\n  - apps/*\n",
        ),
        (
            "apps/api/package.json",
            r#"{"name":"@x/api-app","main":"dist/main.js","scripts":{"build":"tsc"}}"#,
        ),
    ]);
    let out = isogen().arg("list").arg(ws.path()).assert().success();
    let list = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(list.contains("[services: apps-api]"), "{list}");
    assert!(list.contains("[services: services-api]"), "{list}");
    isogen().arg("generate").arg(ws.path()).assert().success();
    assert!(ws.path().join("apps/api/Dockerfile").exists());
    assert!(ws.path().join("services/api/Dockerfile").exists());
}

#[test]
fn a_service_without_entry_says_how_to_fix_it() {
    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","scripts":{"build":"tsc"}}"#,
    )]);
    fails_naming(
        &ws,
        &[
            "services/api/package.json",
            "\"main\"",
            "[generate.services.api]",
            "entry",
        ],
    );
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.api]\nentry = \"dist/server.js\"\n",
    )
    .unwrap();
    isogen().arg("generate").arg(ws.path()).assert().success();
    assert!(read(ws.path(), "services/api/Dockerfile")
        .contains(r#"CMD ["node", "/app/services/api/dist/server.js"]"#));
}

/// latitude-llm's apps: no `main` and no start script; the build runs tsdown (format cjs in
/// a `"type": "module"` package) and `dev` runs `tsx watch src/server`; or the build is tsc
/// with an `outDir`. The refusal names the file the build writes, not `dist/main.js`.
#[test]
fn a_service_without_entry_is_told_the_file_its_build_writes() {
    let stderr = |ws: &tempfile::TempDir| {
        let out = isogen().arg("generate").arg(ws.path()).assert().code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(!ws.path().join("services/api/Dockerfile").exists());
        err.replace(&ws.path().display().to_string(), "[DIR]")
    };
    let tsdown = with(&[
        (
            "services/api/package.json",
            r#"{"name":"@x/api","type":"module","scripts":{"build":"tsdown","dev":"tsx watch src/server"}}"#,
        ),
        (
            "services/api/tsdown.config.ts",
            "import { defineConfig } from 'tsdown'\nexport default defineConfig({ entry: ['src/server.ts'], format: ['cjs'], noExternal: [/^@x\\//] })\n",
        ),
    ]);
    let tsc = with(&[
        (
            "services/api/package.json",
            r#"{"name":"@x/api","scripts":{"build":"tsc","dev":"tsx watch src/server.ts"}}"#,
        ),
        (
            "services/api/tsconfig.json",
            r#"{"compilerOptions":{"outDir":"dist","rootDir":"src"},"include":["src"]}"#,
        ),
        ("services/api/src/server.ts", "export {};\n"),
    ]);
    insta::assert_snapshot!(
        "no_entry_built_file",
        format!("tsdown:\n{}\ntsc:\n{}", stderr(&tsdown), stderr(&tsc))
    );
}

#[test]
fn a_deno_or_bun_service_or_a_next_app_without_next_is_refused_by_name() {
    for (script, kind) in [
        ("NODE_ENV=production deno run -A src/serve.ts", "Deno app"),
        ("bun run src/index.ts", "Bun app"),
        (
            "next start",
            "runs `next` when it starts, but `next` is not in its `dependencies`",
        ),
    ] {
        let manifest = format!(
            r#"{{"name":"@x/api","main":"src/index.ts","scripts":{{"start":{script:?}}}}}"#
        );
        let ws = workspace(
            &MINIMAL
                .iter()
                .filter(|(p, _)| *p != "services/api/package.json")
                .copied()
                .chain([("services/api/package.json", manifest.as_str())])
                .collect::<Vec<_>>(),
        );
        let mut needles = vec!["services/api/package.json", kind];
        if !script.starts_with("next") {
            needles.extend([script, "not_services"]);
        }
        fails_naming(&ws, &needles);
    }
}

/// A dev server as the start of a package that builds a Node server (tsx, tsc), or of a
/// front end with a server-side rendering adapter (SvelteKit's adapter-node, whose
/// production server is `node build`), is a service without its production command: refused
/// with the fixes (a static front end is no service at all: see discovery_roles).
#[test]
fn a_service_whose_start_is_a_dev_server_says_so() {
    for (manifest, program) in [
        (
            r#"{"name":"@x/api","scripts":{"build":"tsc","start":"tsx watch src/main.ts"}}"#,
            "tsx",
        ),
        (
            r#"{"name":"@x/api","scripts":{"build":"vite build","start":"vite preview"},"devDependencies":{"@sveltejs/adapter-node":"5.0.0"}}"#,
            "vite",
        ),
    ] {
        let ws = with(&[("services/api/package.json", manifest)]);
        fails_naming(
            &ws,
            &[
                "services/api/package.json",
                &format!("development command `{program}`"),
                "start:prod",
                "not_services",
            ],
        );
    }
}

/// `assets` of a Node service: shipped from the builder at the same path under the service's
/// folder; a path outside the package is named.
#[test]
fn node_assets_ship_under_the_service_folder() {
    let ws = with(&[
        (
            "isogen.toml",
            "[generate.services.api]\nassets = [\"static/\", \"./config/app.json\"]\n",
        ),
        ("services/api/static/index.html", "<p>ok</p>"),
        ("services/api/config/app.json", "{}"),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    for path in ["static", "config/app.json"] {
        assert!(
            dockerfile.contains(&format!(
                "COPY --from=builder /app/services/api/{path} /app/services/api/{path}\n"
            )),
            "{path}: {dockerfile}"
        );
    }
    for bad in ["../secrets", "node_modules/x", "/etc/passwd"] {
        let config = format!("[generate.services.api]\nassets = [\"{bad}\"]\n");
        let ws = with(&[("isogen.toml", Box::leak(config.into_boxed_str()))]);
        fails_naming(&ws, &["isogen.toml", "[generate.services.api] assets", bad]);
    }
}

/// A `migrations/` (or `drizzle/`) folder ships when the start command migrates, not
/// otherwise (a folder of the package the service never reads stays out).
#[test]
fn migration_folders_ship_when_the_start_command_migrates() {
    let migrating = r#"{"name":"@x/api","version":"1.0.0","scripts":{"build":"tsc","start":"node dist/migrate.js && node dist/main.js"},"dependencies":{"@x/lib":"workspace:*"}}"#;
    let serving = r#"{"name":"@x/api","version":"1.0.0","scripts":{"build":"tsc","start":"node dist/main.js"},"dependencies":{"@x/lib":"workspace:*"}}"#;
    for (manifest, shipped) in [(migrating, true), (serving, false)] {
        let ws = with(&[
            ("services/api/package.json", manifest),
            (
                "services/api/migrations/001_init.sql",
                "CREATE TABLE t (id int);",
            ),
            (
                "services/api/drizzle/0000_init.sql",
                "CREATE TABLE t (id int);",
            ),
        ]);
        isogen().arg("generate").arg(ws.path()).assert().success();
        let dockerfile = read(ws.path(), "services/api/Dockerfile");
        for folder in ["migrations", "drizzle"] {
            let copy = format!(
                "COPY --from=builder /app/services/api/{folder} /app/services/api/{folder}"
            );
            assert_eq!(
                dockerfile.contains(&copy),
                shipped,
                "{folder}: {dockerfile}"
            );
        }
    }
}

/// `prisma migrate deploy && node dist/main.js`: the migration runs under node from the
/// service's own `node_modules` when `prisma` is a production dependency (never `npx`, which
/// would download it); as a devDependency the image has no prisma, so the CMD runs the
/// service alone and generate names the step it left out and the two fixes.
#[test]
fn a_migration_tool_step_runs_when_the_tool_is_a_dependency_else_is_named() {
    let manifest = |kind: &str| {
        format!(
            r#"{{"name":"@x/api","version":"1.0.0","scripts":{{"build":"tsc","start":"npx prisma migrate deploy && node dist/main.js"}},"dependencies":{{"@x/lib":"workspace:*"}},"{kind}":{{"prisma":"7.10.0"}}}}"#
        )
    };
    let prod = manifest("dependencies");
    let ws = workspace(&[]);
    for (path, text) in MINIMAL {
        let text = if *path == "services/api/package.json" {
            prod.as_str()
        } else {
            text
        };
        let p = ws.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains(r#"CMD ["/bin/sh", "-c", "node node_modules/prisma/build/index.js migrate deploy && exec node /app/services/api/dist/main.js"]"#),
        "{dockerfile}"
    );
    let dev = manifest("devDependencies");
    let p = ws.path().join("services/api/package.json");
    std::fs::write(&p, dev).unwrap();
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "services/api/package.json: the `start` script runs steps before the service that the image cannot run, so its CMD runs `node dist/main.js` alone and leaves out every step (prisma migrate deploy): `prisma migrate deploy`: `prisma` is a devDependency in services/api/package.json, and the image installs only dependencies; move `prisma` to dependencies, or set `cmd` in [generate.services.api] of isogen.toml",
        ));
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains(r#"CMD ["node", "/app/services/api/dist/main.js"]"#),
        "{dockerfile}"
    );
}

/// `"start": "bash scripts/start.sh"`: the image ships the script and runs it with bash, with
/// the service's node_modules/.bin on PATH; the node file it execs is the entry, so `dist`
/// ships. A step that cannot work in the image (a devDependency through `npx`: it would be
/// downloaded at every start) and a line isogen cannot read are refused with file and line.
#[test]
fn an_entrypoint_script_ships_and_runs_or_is_refused_with_its_line() {
    const API: &str = r#"{"name":"@x/api","version":"1.0.0","scripts":{"build":"tsc","start":"bash scripts/start.sh"},"dependencies":{"@x/lib":"workspace:*","prisma":"7.10.0"}}"#;
    let ws = with(&[
        ("services/api/package.json", API),
        (
            "services/api/scripts/start.sh",
            "#!/usr/bin/env bash
set -euo pipefail
npx prisma migrate deploy
exec node dist/main.js
",
        ),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    for line in [
        r#"CMD ["/bin/bash", "/app/services/api/scripts/start.sh"]"#,
        "COPY --from=builder /app/services/api/scripts scripts
",
        "COPY --from=builder /app/services/api/dist dist
",
        r#"ENV PATH="/app/services/api/node_modules/.bin:/usr/local/sbin:"#,
    ] {
        assert!(dockerfile.contains(line), "{line}: {dockerfile}");
    }

    const DEV: &str = r#"{"name":"@x/api","version":"1.0.0","scripts":{"build":"tsc","start":"sh ./entrypoint.sh"},"devDependencies":{"prisma":"7.10.0"}}"#;
    let ws = with(&[
        ("services/api/package.json", DEV),
        (
            "services/api/entrypoint.sh",
            "#!/bin/sh
set -e

npx prisma migrate deploy
exec node dist/main.js
",
        ),
    ]);
    fails_naming(
        &ws,
        &[
            "services/api/entrypoint.sh",
            "line 4: `npx prisma migrate deploy` needs `prisma`, a devDependency in services/api/package.json: the image installs only dependencies (and `npx` would download it at every start); move `prisma` to dependencies",
            "or set `cmd` in [generate.services.api] of isogen.toml",
        ],
    );

    let ws = with(&[
        ("services/api/package.json", DEV),
        (
            "services/api/entrypoint.sh",
            "#!/bin/sh
if [ -n \"$MIGRATE\" ]; then npx prisma migrate deploy; fi
exec node dist/main.js
",
        ),
    ]);
    fails_naming(
        &ws,
        &[
            "services/api/entrypoint.sh",
            "line 2: isogen cannot read `if [ -n",
            "or set `cmd` in [generate.services.api] of isogen.toml",
        ],
    );
}

/// An internal package whose entry is its TypeScript source and that nothing builds (the
/// "just-in-time" packages a service bundles with tsup's `noExternal`, as a real pnpm 8
/// workspace had nine of): Node cannot load it, so the image ships its package.json and
/// dependencies but not its `.ts` files (which verify reports as sources), and says why.
#[test]
fn a_typescript_entry_nothing_builds_is_not_shipped_and_is_named() {
    let ws = with(&[
        (
            "packages/lib/package.json",
            r#"{"name":"@x/lib","version":"1.0.0","main":"index.ts","dependencies":{"ms":"2.1.3"}}"#,
        ),
        ("packages/lib/index.ts", "export const x = 1;\n"),
        ("packages/lib/tsconfig.json", "{}"),
    ]);
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "packages/lib/package.json: the entry of `@x/lib` is TypeScript (index.ts) and nothing builds it, so Node cannot load it",
        ));
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        !dockerfile.contains("packages/lib/index.ts"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("COPY packages/lib/package.json packages/lib/"),
        "{dockerfile}"
    );
}

/// jitsu's `juava`: `"main": "src/index.ts"` and a `build` script that runs `tsc` with
/// `noEmit` (a type check; the services' webpack inlines the package). The build leaves the
/// entry TypeScript, so the image must not ship `src/` (TypeScript sources, which fail
/// verify's `sources` rule, and Node cannot load them): package.json only, and the entry named.
#[test]
fn a_built_package_whose_entry_stays_typescript_ships_no_sources() {
    let ws = with(&[
        (
            "packages/lib/package.json",
            r#"{"name":"@x/lib","version":"1.0.0","main":"src/index.ts","types":"src/index.ts","scripts":{"compile":"tsc -p .","build":"pnpm compile"},"dependencies":{"ms":"2.1.3"}}"#,
        ),
        ("packages/lib/src/index.ts", "export const x = 1;\n"),
        (
            "packages/lib/tsconfig.json",
            r#"{"compilerOptions":{"rootDir":"./src","noEmit":true}}"#,
        ),
    ]);
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "packages/lib/package.json: the entry of `@x/lib` is TypeScript (src/index.ts) and nothing builds it",
        ));
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(!dockerfile.contains("packages/lib/src"), "{dockerfile}");
    assert!(
        dockerfile.contains("COPY packages/lib/package.json packages/lib/"),
        "{dockerfile}"
    );
}

/// latitude-llm's apps: the service's `tsdown` build inlines its "just-in-time" internal
/// packages (`deps.alwaysBundle: [/@(platform|domain|repo)\/.*/]`), so they need no build of
/// their own and the warning that Node cannot load them would be false. tsup's `noExternal`
/// the same; a package the config does not name is still named.
#[test]
fn internal_typescript_packages_the_service_bundles_are_not_named() {
    let lib = (
        "packages/lib/package.json",
        r#"{"name":"@x/lib","version":"1.0.0","main":"src/index.ts","dependencies":{"ms":"2.1.3"}}"#,
    );
    let warned = "the entry of `@x/lib` is TypeScript (src/index.ts) and nothing builds it";
    for (config, text, build) in [
        (
            "services/api/tsdown.config.ts",
            "import { defineConfig } from 'tsdown'\nexport default defineConfig({ entry: ['src/server.ts'], format: ['cjs'], deps: { alwaysBundle: [/@(x|y)\\/.*/], neverBundle: [/^@z\\//] } })\n",
            "tsdown",
        ),
        (
            "services/api/tsup.config.ts",
            "export default { entry: ['src/server.ts'], noExternal: ['@x/lib'] }\n",
            "tsup",
        ),
    ] {
        let manifest = format!(
            r#"{{"name":"@x/api","version":"1.0.0","scripts":{{"build":"{build}","start":"node dist/server.cjs"}},"dependencies":{{"@x/lib":"workspace:*"}}}}"#
        );
        let ws = with(&[lib, ("packages/lib/src/index.ts", "export const x = 1;\n")]);
        std::fs::write(ws.path().join("services/api/package.json"), &manifest).unwrap();
        std::fs::write(ws.path().join(config), text).unwrap();
        isogen()
            .arg("generate")
            .arg(ws.path())
            .assert()
            .success()
            .stderr(predicate::str::contains(warned).not());
        // Without the config's inlining, the same package is named.
        std::fs::write(ws.path().join(config), "export default { entry: ['src/server.ts'] }\n")
            .unwrap();
        isogen()
            .args(["generate", "--check"])
            .arg(ws.path())
            .assert()
            .stderr(predicate::str::contains(warned));
    }
}

/// `files` naming a folder deep in the sources (a NestJS backend's `src/mailer/templates`)
/// ships that folder, not every TypeScript source beside it.
#[test]
fn a_files_entry_inside_the_sources_ships_only_that_folder() {
    let api = r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","files":["dist","src/mailer/templates"],"scripts":{"build":"tsc"},"dependencies":{"@x/lib":"workspace:*"}}"#;
    let ws = with(&[
        ("services/api/package.json", api),
        ("services/api/src/mailer/templates/welcome.hbs", "hi"),
        ("services/api/src/main.ts", crate::SERVE_ESM),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains(
            "COPY --from=builder /app/services/api/src/mailer/templates src/mailer/templates"
        ),
        "{dockerfile}"
    );
    assert!(
        !dockerfile.contains("/app/services/api/src src"),
        "{dockerfile}"
    );
}

/// Prisma 7's `prisma.config.ts` reads its URL with `env("DATABASE_URL")`, which throws when
/// the variable is unset, even for `prisma generate` (seen on a real NestJS backend: the build
/// stopped at `PrismaConfigEnvError`). The generate step gets a placeholder of the schema's
/// datasource scheme; generate connects to nothing.
#[test]
fn prisma_generate_gets_a_placeholder_for_the_configs_env_calls() {
    let api = r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@prisma/client":"7.8.0"},"devDependencies":{"prisma":"7.8.0"}}"#;
    let schema = "generator client {\n  provider = \"prisma-client\"\n  output   = \"../src/generated/prisma\"\n}\n\ndatasource db {\n  provider = \"postgresql\"\n}\n";
    let config = "import { defineConfig, env } from 'prisma/config';\nexport default defineConfig({ schema: 'prisma/schema.prisma', datasource: { url: env('DATABASE_URL') } });\n";
    let ws = with(&[
        ("services/api/package.json", api),
        ("services/api/prisma/schema.prisma", schema),
        ("services/api/prisma.config.ts", config),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains(
            r#"RUN DATABASE_URL="${DATABASE_URL:-postgresql://build:build@localhost:5432/build}" pnpm --filter @x/api exec prisma generate"#
        ),
        "{dockerfile}"
    );
    // The placeholder is the build step's only: the image sets no DATABASE_URL.
    assert!(!dockerfile.contains("ENV DATABASE_URL"), "{dockerfile}");
}

/// A package on `@prisma/client` with a schema but no `prisma` CLI cannot generate its client:
/// generate says so; with the CLI, the builder runs `prisma generate` before the build.
#[test]
fn prisma_generate_runs_before_the_build_and_needs_the_cli() {
    let schema = "generator client {\n  provider = \"prisma-client-js\"\n  output = \"../generated/client\"\n}\n";
    let without = r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@prisma/client":"7.10.0"}}"#;
    let ws = with(&[
        ("services/api/package.json", without),
        ("services/api/prisma/schema.prisma", schema),
    ]);
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "services/api/package.json: `@x/api` uses Prisma (prisma/schema.prisma) but has no `prisma` dependency",
        ));
    let with_cli = r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@prisma/client":"7.10.0"},"devDependencies":{"prisma":"7.10.0"}}"#;
    let ws = with(&[
        ("services/api/package.json", with_cli),
        ("services/api/prisma/schema.prisma", schema),
        ("services/api/prisma/migrations/0_init/migration.sql", "--"),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    let generate = dockerfile
        .find("RUN pnpm --filter @x/api exec prisma generate\n")
        .expect(&dockerfile);
    let build = dockerfile
        .find("RUN pnpm --filter @x/api run build")
        .unwrap();
    assert!(generate < build, "{dockerfile}");
    for path in [
        "prisma/schema.prisma",
        "prisma/migrations",
        "generated/client",
    ] {
        assert!(
            dockerfile.contains(&format!(
                "COPY --from=builder /app/services/api/{path} /app/services/api/{path}\n"
            )),
            "{path}: {dockerfile}"
        );
    }
}

/// `"main": "./src/index.ts"` (a build that rewrites package.json to `./dist/index.js`):
/// isogen reads package.json before the build, so it refuses rather than run a `.ts` file
/// under plain node, and names the built file to set.
#[test]
fn a_typescript_entry_is_refused_with_the_built_file_to_name() {
    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","main":"./src/index.ts","scripts":{"build":"tsc && node scripts/rewrite-main.js"}}"#,
    )]);
    // isogen's default, Node 26, strips types: the refusal says it would run it, and why not.
    fails_naming(
        &ws,
        &[
            "services/api/package.json",
            "`src/index.ts`",
            "Node 26, the image's, would run it by stripping its types",
            r#"entry = "dist/index.js""#,
        ],
    );
    // Node 20 does not.
    std::fs::write(ws.path().join(".nvmrc"), "20\n").unwrap();
    fails_naming(
        &ws,
        &[
            "services/api/package.json",
            "`src/index.ts`",
            "plain `node` cannot run",
            r#"entry = "dist/index.js""#,
        ],
    );
    // A start script naming the built file wins over `main`.
    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","main":"./src/index.ts","scripts":{"build":"tsc","start":"node dist/index.js"}}"#,
    )]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    assert!(read(ws.path(), "services/api/Dockerfile")
        .contains(r#"CMD ["node", "/app/services/api/dist/index.js"]"#));
}

#[test]
fn a_package_running_several_processes_is_one_service_each() {
    // Three workers and no `start`: `main` is a module of exports, not a process.
    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","main":"dist/index.js","scripts":{"build":"tsc","start:dev":"tsx watch src/mailer.ts","start:mailer":"node dist/mailer.js","start:billing":"QUEUE=billing node --enable-source-maps dist/billing.js","start:cron":"pnpm run cron","cron":"node dist/cron.js"},"dependencies":{"@x/lib":"workspace:*"}}"#,
    )]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    assert!(!ws.path().join("services/api/Dockerfile").exists());
    // The options a process's script gives node are kept.
    for (service, file) in [
        (
            "api-billing",
            r#""--enable-source-maps", "/app/services/api/dist/billing.js""#,
        ),
        ("api-cron", r#""/app/services/api/dist/cron.js""#),
        ("api-mailer", r#""/app/services/api/dist/mailer.js""#),
    ] {
        let dockerfile = read(ws.path(), &format!("services/api/{service}.Dockerfile"));
        assert!(
            dockerfile.contains(&format!(r#"CMD ["node", {file}]"#)),
            "{service}: {dockerfile}"
        );
        assert!(
            dockerfile.contains(&format!("dev.isogen.service=\"{service}\""))
                || dockerfile.contains(&format!("dev.isogen.service={service}")),
            "{service}: {dockerfile}"
        );
        assert!(ws
            .path()
            .join(format!("services/api/{service}.Dockerfile.dockerignore"))
            .exists());
        // The environment a process's script sets goes with that process only.
        assert_eq!(
            dockerfile.contains("QUEUE"),
            service == "api-billing",
            "{service}: {dockerfile}"
        );
    }
}

#[test]
fn the_production_start_script_and_its_environment_make_the_cmd() {
    // NestJS: `start` runs the dev server, `start:prod` the build, behind an env assignment.
    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","scripts":{"build":"tsc","start":"pnpm start:dev","start:dev":"nest start --watch","start:prod":"NODE_ENV=production node dist/main"}}"#,
    )]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains(r#"CMD ["node", "/app/services/api/dist/main.js"]"#),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("NODE_ENV"), "{dockerfile}");
}

#[test]
fn unknown_config_keys_are_named() {
    let ws = with(&[(
        "isogen.toml",
        "[generate.node]\nimage = \"node:20\"\nimgae = \"x\"\n",
    )]);
    fails_naming(&ws, &["isogen.toml:3:", "imgae"]);
    let ws = with(&[("isogen.toml", "[generate.services.nope]\nport = 1\n")]);
    fails_naming(&ws, &["isogen.toml", "no service is named `nope`"]);
    let ws = with(&[(
        "isogen.toml",
        "[generate.node]\nimage = \"node@sha256:1234\"\n",
    )]);
    fails_naming(&ws, &["isogen.toml", "image", "64 hex digits"]);
    // Cargo-only keys on a Node service would be silently ignored: they are named instead.
    for key in ["features = [\"tls\"]", "no_default_features = true"] {
        let config = format!("[generate.services.api]\n{key}\n");
        let ws = with(&[("isogen.toml", Box::leak(config.into_boxed_str()))]);
        let name = key.split(' ').next().unwrap();
        fails_naming(
            &ws,
            &[
                "isogen.toml",
                &format!("[generate.services.api] {name}: only for Cargo services"),
            ],
        );
    }
}

#[test]
fn not_a_workspace() {
    let dir = tempfile::tempdir().unwrap();
    isogen()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a workspace"));
}

// ---------------------------------------------------------------------------------------------
// Services: the default rule and the config.

#[test]
fn services_from_config_replace_the_default_rule() {
    let ws = with(&[("isogen.toml", "[workspace]\nservices = [\"packages/*\"]\n")]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    assert!(ws.path().join("packages/lib/Dockerfile").is_file());
    assert!(!ws.path().join("services/api/Dockerfile").exists());

    // Nothing left is an error (a `--check` in CI must not pass having checked nothing), naming
    // the default rule and the settings.
    let ws = with(&[("isogen.toml", "[workspace]\nnot_services = [\"api\"]\n")]);
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no services found"))
        .stderr(predicate::str::contains("under services/ or apps/"))
        .stderr(predicate::str::contains("[workspace] services"))
        .stderr(predicate::str::contains("`isogen list`"));

    // A service that stops being one leaves its generated files: isogen says so.
    let ws = workspace(MINIMAL);
    isogen().arg("generate").arg(ws.path()).assert().success();
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nservices = [\"packages/*\"]\n",
    )
    .unwrap();
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "services/api/Dockerfile was generated by isogen, but `@x/api` is no longer a service",
        ));
    assert!(
        ws.path().join("services/api/Dockerfile").exists(),
        "never deleted"
    );
}

// ---------------------------------------------------------------------------------------------
// Templates.

#[test]
fn templates_are_written_out_and_used() {
    let ws = workspace(MINIMAL);
    let tpl: PathBuf = ws.path().join("my-templates");
    isogen()
        .arg("templates")
        .arg(&tpl)
        .assert()
        .success()
        .stdout(predicate::str::contains("node.Dockerfile.tera"));
    assert!(tpl.join("README.md").is_file());
    assert!(tpl.join("node.dockerignore.tera").is_file());
    // A second time refuses, naming what exists.
    isogen()
        .arg("templates")
        .arg(&tpl)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("node.Dockerfile.tera"));

    // The project's template replaces one block of the default.
    std::fs::write(
        tpl.join("node.Dockerfile.tera"),
        "{% extends \"isogen/node.Dockerfile.tera\" %}{% block runtime %}{{ super() }}\nENV TZ=UTC\n{% endblock runtime %}",
    )
    .unwrap();
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate]\ntemplates = \"my-templates\"\n",
    )
    .unwrap();
    isogen().arg("generate").arg(ws.path()).assert().success();
    let text = read(ws.path(), "services/api/Dockerfile");
    assert!(text.contains("FROM base AS deps"), "{text}");
    assert!(text.trim_end().ends_with("ENV TZ=UTC"), "{text}");

    // A broken template is exit 2 naming it.
    std::fs::write(tpl.join("node.dockerignore.tera"), "{{ nope(").unwrap();
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("node.dockerignore.tera"));
}

// ---------------------------------------------------------------------------------------------
// The documentation of template variables cannot drift from what templates get.

fn key_paths(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                // Namespaces (`service`, `node`, `user`) are documented through their members.
                if !v.is_object() {
                    out.push(path.clone());
                }
                key_paths(v, &path, out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items.iter().filter(|i| i.is_object()) {
                key_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_template_variable_is_documented() {
    let readme = include_str!("../../templates/README.md");
    for ws_dir in [fixture("pnpm-ts"), everything()] {
        let config = isogen::config::Config::load_from_root(ws_dir.path()).unwrap();
        let ws = isogen::workspace::Workspace::discover(ws_dir.path(), &config.workspace).unwrap();
        for service in &ws.services {
            let ctx = isogen::generate::node::context(
                &ws,
                service,
                &config.generate,
                Path::new("isogen.toml"),
                &mut Vec::new(),
            )
            .unwrap();
            let json = serde_json::to_value(&ctx).unwrap();
            let mut paths = Vec::new();
            key_paths(&json, "", &mut paths);
            for p in paths {
                // Map keys of `env` and list items of labels are data, not variables.
                if p.starts_with("env.") || p.starts_with("labels[].") {
                    continue;
                }
                assert!(
                    readme.contains(&format!("`{p}`")),
                    "templates/README.md does not document `{p}`"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Plain JavaScript: packages that nothing builds ship what `npm pack` would.

#[test]
fn plain_js_packages_without_files_ship_their_whole_folder() {
    let ws = workspace(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
        ),
        (
            "pnpm-workspace.yaml",
            "packages: ['packages/*', 'services/*']\n",
        ),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
        (
            "packages/strings/package.json",
            r#"{"name":"@x/strings","version":"1.0.0","main":"index.js"}"#,
        ),
        (
            "packages/strings/index.js",
            "module.exports = require('./lib/case');\n",
        ),
        (
            "packages/strings/lib/case.js",
            "exports.kebab = (s) => s;\n",
        ),
        ("packages/strings/README.md", "# strings\n"),
        ("packages/strings/.eslintrc.json", "{}\n"),
        ("packages/strings/index.test.js", "\n"),
        ("packages/strings/test/case.test.js", "\n"),
        (
            "packages/strings/__fixtures__/x/package.json",
            r#"{"name":"@x/strings"}"#,
        ),
        (
            "services/gw/package.json",
            r#"{"name":"@x/gw","version":"1.0.0","main":"server.js","dependencies":{"@x/strings":"workspace:*"}}"#,
        ),
        (
            "services/gw/server.js",
            "require('./routes/health');\nrequire('node:http').createServer().listen(3000);\n",
        ),
        ("services/gw/routes/health.js", "exports.ok = 1;\n"),
        ("services/gw/.env", "SECRET=1\n"),
    ]);
    let out = isogen()
        .args(["generate", "--stdout"])
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for line in [
        "COPY --from=builder /app/packages/strings/index.js packages/strings/index.js",
        "COPY --from=builder /app/packages/strings/lib packages/strings/lib",
        "COPY --from=builder /app/packages/strings/README.md packages/strings/README.md",
        "COPY --from=builder /app/services/gw/server.js server.js",
        "COPY --from=builder /app/services/gw/routes routes",
    ] {
        assert!(text.contains(line), "no `{line}` in\n{text}");
    }
    // Dotfiles (.env, linters' configs), tests and the generated files themselves never ship.
    assert!(!text.contains(".eslintrc"), "{text}");
    assert!(!text.contains("test"), "{text}");
    assert!(!text.contains("fixtures"), "{text}");
    assert!(!text.contains(".env"), "{text}");
}

/// Without `packageManager`, pnpm's major comes from the lockfile; the warning says so once,
/// not once per service.
#[test]
fn a_workspace_wide_warning_is_printed_once() {
    let ws = workspace(&[
        ("package.json", r#"{"name":"root","private":true}"#),
        ("pnpm-workspace.yaml", "packages: ['services/*']\n"),
        ("pnpm-lock.yaml", "lockfileVersion: '6.0'\n"),
        (
            "services/a/package.json",
            r#"{"name":"a","main":"index.js"}"#,
        ),
        ("services/a/index.js", crate::SERVE_CJS),
        (
            "services/b/package.json",
            r#"{"name":"b","main":"index.js"}"#,
        ),
        ("services/b/index.js", crate::SERVE_CJS),
    ]);
    let out = isogen().arg("generate").arg(ws.path()).assert().success();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(err.matches("no `packageManager").count(), 1, "{err}");
    assert!(err.contains("installing pnpm@8"), "{err}");
    // Plain-JS services need no build: nothing to warn about.
    assert!(!err.contains("no `build` script"), "{err}");
    assert!(read(ws.path(), "services/a/Dockerfile").contains("npm install -g pnpm@8\n"));
}

/// `shared-workspace-lockfile=false`: every package has its own pnpm-lock.yaml, and a frozen
/// install needs each of them; the run-time pins come from them too.
#[test]
fn per_package_lockfiles_are_copied_and_pinned_from() {
    let lock = |deps: &str| {
        format!("lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    dependencies:\n{deps}\npackages: {{}}\n")
    };
    let util_lock = lock("      ms:\n        specifier: ^2.1.0\n        version: 2.1.3\n");
    let api_lock = lock("      '@s/util':\n        specifier: workspace:*\n        version: link:../../packages/util\n      picocolors:\n        specifier: ^1.1.0\n        version: 1.1.1\n");
    let ws = workspace(&[
        (
            "package.json",
            r#"{"name":"split","private":true,"packageManager":"pnpm@9.15.9"}"#,
        ),
        (
            "pnpm-workspace.yaml",
            "packages: ['packages/*', 'services/*']\n",
        ),
        (
            ".npmrc",
            "# one lockfile per package\nshared-workspace-lockfile = false\n",
        ),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\nimporters:\n  .: {}\n",
        ),
        (
            "packages/util/package.json",
            r#"{"name":"@s/util","version":"1.0.0","main":"index.js","dependencies":{"ms":"^2.1.0"}}"#,
        ),
        ("packages/util/index.js", "\n"),
        ("packages/util/pnpm-lock.yaml", &util_lock),
        (
            "services/api/package.json",
            r#"{"name":"@s/api","version":"1.0.0","main":"main.js","dependencies":{"@s/util":"workspace:*","picocolors":"^1.1.0"}}"#,
        ),
        ("services/api/main.js", crate::SERVE_CJS),
        ("services/api/pnpm-lock.yaml", &api_lock),
    ]);
    let out = isogen()
        .args(["generate", "--stdout"])
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for line in [
        "COPY packages/util/package.json packages/util/pnpm-lock.yaml packages/util/\n",
        "COPY services/api/package.json services/api/pnpm-lock.yaml services/api/\n",
        "    pnpm install --frozen-lockfile ",
        "--prod --ignore-scripts --store-dir /pnpm/store --filter @s/util --filter @s/api\n",
    ] {
        assert!(text.contains(line), "no `{line}` in\n{text}");
    }
    // The lockfiles never reach the image: the production install reads them, then they go.
    assert!(
        !text.contains("COPY --from=builder /app/services/api/pnpm-lock.yaml"),
        "{text}"
    );
    assert!(
        text.contains("packages/util/pnpm-lock.yaml services/api/pnpm-lock.yaml \\\n"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Real workspaces made with real pnpm (tests/fixtures/PNPM-WORKSPACES.md): what a user sees.

/// A service manifest, the internal package it starts depending on, and its Dockerfile.
type DriftEdit = (&'static str, &'static str, &'static str);

/// Each committed workspace: its folder, and a service manifest that gains an internal
/// dependency it did not reach before (the drift check), with that service's Dockerfile.
const REAL_WORKSPACES: &[(&str, Option<DriftEdit>)] = &[
    (
        "pnpm10-apps-libs",
        Some((
            "apps/reporter/package.json",
            "@acme/store",
            "apps/reporter/Dockerfile",
        )),
    ),
    (
        "pnpm8-nested",
        Some((
            "packages/platform/services/notifier/package.json",
            "@nested/eslint-config",
            "packages/platform/services/notifier/Dockerfile",
        )),
    ),
    (
        "pnpm9-peers",
        Some((
            "services/audit/package.json",
            "@corp/metrics",
            "services/audit/Dockerfile",
        )),
    ),
    (
        "pnpm9-esm",
        Some((
            "services/internal/jobs/package.json",
            "@esm/db",
            "services/internal/jobs/Dockerfile",
        )),
    ),
    ("pnpm9-split-lock", None),
    // One service, one internal package: nothing left to reach.
    ("pnpm10-locked", None),
    (
        "pnpm9-shop",
        Some((
            "apps/ledger/package.json",
            "@shop/clock",
            "apps/ledger/Dockerfile",
        )),
    ),
    // Both services already reach every library.
    ("pnpm9-cjs-backend", None),
    // Run-time files: Prisma (custom and default output), migrate-then-serve, assets.
    ("pnpm9-runfiles", None),
    // Next.js apps: `output: "standalone"` (web) and `next start -p 4000` (site).
    ("pnpm9-next", None),
    // The same apps on Next 14 (React 18): the standalone output's layout of Next 13.4 to 14.
    ("pnpm9-next14", None),
    // Next.js apps that migrate before they serve (`node scripts/migrate.mjs && next start`,
    // `sh -c 'pnpm run migrate && exec next start -p 4000'`).
    ("pnpm9-next-migrate", None),
    // A service started by its entrypoint script (a dependency's tool, node, exec node).
    ("pnpm9-entrypoint", None),
    // Prisma 7 with the `prisma` CLI a production dependency, `prisma.config.ts` published.
    ("pnpm9-prisma-cli", None),
    // pnpm 11 on Node 22: settings and a catalog in pnpm-workspace.yaml, an allowed native addon.
    ("pnpm11-addon", None),
    // node-linker=hoisted + ignore-scripts=true: every service reaches every package.
    ("pnpm8-hoisted-fleet", None),
];

/// `pnpm add`: the dependency goes into the manifest and into the lockfile's importer.
fn add_dependency(root: &Path, manifest: &str, name: &str, spec: &str) {
    let path = root.join(manifest);
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    json["dependencies"][name] = serde_json::Value::String(spec.into());
    std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let importer = manifest.trim_end_matches("/package.json");
    lock_dependency(root, importer, name, spec);
}

/// What `pnpm install` writes into `pnpm-lock.yaml` (v6/v9 layout) for a new dependency of
/// `importer`; nothing when the lockfile has no such importer.
fn lock_dependency(root: &Path, importer: &str, name: &str, spec: &str) {
    let path = root.join("pnpm-lock.yaml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let Some(at) = lines
        .iter()
        .position(|l| *l == format!("  {importer}:") || *l == format!("  '{importer}':"))
    else {
        return;
    };
    let end = (at + 1..lines.len())
        .find(|&i| !lines[i].is_empty() && !lines[i].starts_with("    "))
        .unwrap_or(lines.len());
    let entry = [
        format!("      '{name}':"),
        format!("        specifier: {spec}"),
        "        version: link:../x".to_string(),
    ];
    let (insert_at, mut block) = match (at + 1..end).find(|&i| lines[i] == "    dependencies:") {
        Some(deps) => (deps + 1, Vec::new()),
        None => (at + 1, vec!["    dependencies:".to_string()]),
    };
    block.extend(entry);
    lines.splice(insert_at..insert_at, block);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn real_workspaces_render_like_their_snapshots() {
    for (name, _) in REAL_WORKSPACES {
        let ws = fixture(name);
        let out = isogen()
            .args(["generate", "--dry-run"])
            .arg(ws.path())
            .assert()
            .success()
            .get_output()
            .clone();
        let text = format!(
            "{}\n==> stderr <==\n{}",
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap()
        );
        insta::assert_snapshot!(format!("real_{name}"), text);
    }
}

#[test]
fn real_workspaces_check_clean_rerun_quiet_and_drift_after_a_new_internal_dependency() {
    for (name, edit) in REAL_WORKSPACES {
        let ws = fixture(name);
        isogen().arg("generate").arg(ws.path()).assert().success();
        isogen()
            .args(["generate", "--check"])
            .arg(ws.path())
            .assert()
            .code(0)
            .stdout(predicate::str::is_empty());
        // A re-run rewrites nothing.
        isogen()
            .arg("generate")
            .arg(ws.path())
            .assert()
            .success()
            .stdout(predicate::str::is_empty());
        let Some((manifest, dep, dockerfile)) = edit else {
            continue;
        };
        let before = read(ws.path(), dockerfile);
        add_dependency(ws.path(), manifest, dep, "workspace:*");
        isogen()
            .args(["generate", "--check"])
            .arg(ws.path())
            .assert()
            .code(1)
            .stdout(predicate::str::contains(format!(
                "would update {dockerfile}\n"
            )));
        assert_eq!(read(ws.path(), dockerfile), before, "{name}: --check wrote");
        isogen().arg("generate").arg(ws.path()).assert().success();
        let after = read(ws.path(), dockerfile);
        let dep_manifest_copied = after
            .lines()
            .any(|l| l.starts_with("COPY ") && l.contains("/package.json") && !before.contains(l));
        assert!(dep_manifest_copied, "{name}: {dep} not copied:\n{after}");
        isogen()
            .args(["generate", "--check"])
            .arg(ws.path())
            .assert()
            .code(0);
    }
}

#[test]
fn real_workspaces_leave_a_hand_written_dockerfile_alone() {
    let ws = fixture("pnpm9-peers");
    let mine = "FROM node:20\nCOPY . .\nCMD [\"node\", \"services/audit/main.js\"]\n";
    std::fs::write(ws.path().join("services/audit/Dockerfile"), mine).unwrap();
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("services/audit/Dockerfile"))
        .stderr(predicate::str::contains("nothing was written"));
    assert_eq!(read(ws.path(), "services/audit/Dockerfile"), mine);
    assert!(!ws.path().join("services/orders/Dockerfile").exists());
    // Only the other service: fine.
    isogen()
        .args(["generate", "--service", "orders"])
        .arg(ws.path())
        .assert()
        .success();
    assert_eq!(read(ws.path(), "services/audit/Dockerfile"), mine);
}

#[test]
fn real_workspaces_name_the_broken_file() {
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "pnpm8-nested",
            "pnpm-workspace.yaml",
            "packages:\n  - \"packages/**\n  - \"!packages/archive/**\"\n",
            &["pnpm-workspace.yaml:"],
        ),
        (
            "pnpm10-apps-libs",
            "libs/store/package.json",
            "{\n  \"name\": \"@acme/store\",\n  \"version\": \"2.0.1\",\n}\n",
            &["libs/store/package.json:4:"],
        ),
        (
            "pnpm9-peers",
            "services/orders/package.json",
            r#"{"name":"@corp/orders","main":"dist/main.js","dependencies":{"core":"workspace:corp-kernel@^"}}"#,
            &[
                "services/orders/package.json",
                "`corp-kernel` is not a package of this workspace",
            ],
        ),
        (
            "pnpm9-shop",
            "pnpm-workspace.yaml",
            "packages:\n  - \"apps/*\"\n  - \"libs/*\"\ncatalog:\n  ms: [^2.1.3\n  zod: ^3.23.8\n",
            &["pnpm-workspace.yaml:"],
        ),
        (
            "pnpm9-cjs-backend",
            "shared/errors/package.json",
            "{\n  \"name\": \"@backend/errors\"\n  \"main\": \"lib/index.js\"\n}\n",
            &["shared/errors/package.json:3:"],
        ),
    ];
    for (name, file, text, needles) in cases {
        let ws = fixture(name);
        std::fs::write(ws.path().join(file), text).unwrap();
        let mut assert = isogen().arg("generate").arg(ws.path()).assert().code(2);
        for n in *needles {
            assert = assert.stderr(predicate::str::contains(*n));
        }
        let written: Vec<_> = walkdir::WalkDir::new(ws.path())
            .into_iter()
            .flatten()
            .filter(|e| e.file_name() == "Dockerfile")
            .collect();
        assert!(written.is_empty(), "{name}: wrote {written:?}");
    }
}

/// The workspace's own path never reaches a Dockerfile: one under a folder with spaces
/// renders exactly as anywhere else.
#[test]
fn a_workspace_under_a_path_with_spaces_renders_the_same() {
    let ws = fixture("pnpm9-peers");
    let outer = tempfile::tempdir().unwrap();
    let spaced = outer.path().join("my projects").join("corp monorepo");
    std::fs::create_dir_all(spaced.parent().unwrap()).unwrap();
    std::fs::rename(ws.path(), &spaced)
        .or_else(|_| {
            // Another file system: copy instead.
            for e in walkdir::WalkDir::new(ws.path()).into_iter().flatten() {
                let to = spaced.join(e.path().strip_prefix(ws.path()).unwrap());
                if e.file_type().is_dir() {
                    std::fs::create_dir_all(&to)?;
                } else {
                    std::fs::copy(e.path(), &to)?;
                }
            }
            Ok::<_, std::io::Error>(())
        })
        .unwrap();
    let elsewhere = fixture("pnpm9-peers");
    let render = |dir: &Path| {
        isogen()
            .args(["generate", "--dry-run"])
            .arg(dir)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    assert_eq!(render(&spaced), render(elsewhere.path()));
    isogen()
        .arg("generate")
        .current_dir(&spaced)
        .assert()
        .success();
    assert!(spaced.join("services/orders/Dockerfile").is_file());
}

// ---------------------------------------------------------------------------------------------
// pnpm edge cases (QA round 4).

/// Windows editors save package.json with a UTF-8 byte order mark; npm and pnpm read it.
#[test]
fn manifests_with_a_byte_order_mark_are_read() {
    let ws = with(&[
        (
            "package.json",
            "\u{feff}{\"name\":\"root\",\"private\":true,\"packageManager\":\"pnpm@9.15.9\"}",
        ),
        (
            "pnpm-workspace.yaml",
            "\u{feff}packages:\n  - packages/*\n  - services/*\n",
        ),
        (
            "packages/lib/package.json",
            "\u{feff}{\"name\":\"@x/lib\",\"version\":\"1.0.0\",\"main\":\"dist/index.js\",\"scripts\":{\"build\":\"tsc\"}}",
        ),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains("packages/lib/package.json"),
        "{dockerfile}"
    );
}

/// pnpm refuses to install a `workspace:` range the target's version does not satisfy.
#[test]
fn a_workspace_range_the_target_does_not_satisfy_is_named() {
    let ws = with(&[
        (
            "packages/lib/package.json",
            r#"{"name":"@x/lib","version":"1.4.0","main":"dist/index.js"}"#,
        ),
        (
            "services/api/package.json",
            r#"{"name":"@x/api","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"workspace:^2.0.0"}}"#,
        ),
    ]);
    fails_naming(
        &ws,
        &["services/api/package.json", "@x/lib", "^2.0.0", "1.4.0"],
    );
    // Ranges it does satisfy, aliases included, are fine.
    for spec in [
        "workspace:^1.2.0",
        "workspace:>=1.0.0 <2",
        "workspace:1.x || 3",
        "workspace:1.4.0",
        "workspace:@x/lib@~1.4",
    ] {
        let ws = with(&[
            (
                "packages/lib/package.json",
                r#"{"name":"@x/lib","version":"1.4.0","main":"dist/index.js"}"#,
            ),
            (
                "services/api/package.json",
                Box::leak(
                    format!(r#"{{"name":"@x/api","main":"dist/main.js","scripts":{{"build":"tsc"}},"dependencies":{{"@x/lib":"{spec}"}}}}"#)
                        .into_boxed_str(),
                ),
            ),
        ]);
        isogen().arg("generate").arg(ws.path()).assert().success();
    }
    // An alias is named by its target.
    let ws = with(&[
        (
            "packages/lib/package.json",
            r#"{"name":"@x/lib","version":"1.4.0","main":"dist/index.js"}"#,
        ),
        (
            "services/api/package.json",
            r#"{"name":"@x/api","main":"dist/main.js","scripts":{"build":"tsc"},"devDependencies":{"lib":"workspace:@x/lib@^1.5.0"}}"#,
        ),
    ]);
    fails_naming(
        &ws,
        &["services/api/package.json", "@x/lib", "^1.5.0", "1.4.0"],
    );
    // A peer range is the consumer's business, not this install's: not checked.
    let ws = with(&[
        (
            "packages/lib/package.json",
            r#"{"name":"@x/lib","version":"1.4.0","main":"dist/index.js"}"#,
        ),
        (
            "services/api/package.json",
            r#"{"name":"@x/api","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"workspace:*"},"peerDependencies":{"@x/lib":"workspace:^2.0.0"}}"#,
        ),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
}

/// The runtime install is npm's: pnpm's overrides become npm `overrides` of the service's
/// package.json, pinned to what the lockfile resolved, and the service's own dependency on an
/// overridden package takes the same value (npm stops with EOVERRIDE otherwise).
#[test]
fn pnpm_overrides_are_applied_by_the_production_install() {
    let ws = with(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9","pnpm":{"overrides":{"ms":"^2.1.0","express>qs":"~6.11.0","left-pad":"-"}}}"#,
        ),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\n\noverrides:\n  ms: ^2.1.0\n  express>qs: ~6.11.0\n  left-pad: '-'\n\nimporters:\n\n  services/api:\n    dependencies:\n      '@x/lib':\n        specifier: workspace:*\n        version: link:../../packages/lib\n      express:\n        specifier: ^4.21.0\n        version: 4.21.2\n      ms:\n        specifier: ^2.0.0\n        version: 2.1.3\n\npackages:\n\n  ms@2.1.3:\n    resolution: {integrity: sha512-x}\n\n  qs@6.11.2:\n    resolution: {integrity: sha512-y}\n\n  qs@6.13.0:\n    resolution: {integrity: sha512-z}\n",
        ),
        (
            "services/api/package.json",
            r#"{"name":"@x/api","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"workspace:*","ms":"^2.0.0","express":"^4.21.0"}}"#,
        ),
    ]);
    let out = isogen().arg("generate").arg(ws.path()).assert().success();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    // pnpm applies its overrides (`-` included) in the production install from the lockfile.
    assert!(!err.contains("override"), "{err}");
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(!dockerfile.contains("overrides"), "{dockerfile}");
    assert!(!dockerfile.contains("npm install --omit"), "{dockerfile}");
    assert!(
        dockerfile.contains("pnpm install --frozen-lockfile --prod --ignore-scripts"),
        "{dockerfile}"
    );
}

/// Injected workspace packages are copied into node_modules by the install, before they are
/// built: the builder copies them again after their build.
#[test]
fn injected_workspace_packages_are_refreshed_after_their_build() {
    let refresh = "RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile --offline --ignore-scripts --filter @x/api... --store-dir /pnpm/store";
    let plain = with(&[]);
    isogen()
        .arg("generate")
        .arg(plain.path())
        .assert()
        .success();
    assert!(!read(plain.path(), "services/api/Dockerfile").contains("--offline"));

    let meta = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"workspace:*"},"dependenciesMeta":{"@x/lib":{"injected":true}}}"#,
    )]);
    let global = with(&[(
        "pnpm-workspace.yaml",
        "packages:\n  - packages/*\n  - services/*\ninjectWorkspacePackages: true\n",
    )]);
    for ws in [meta, global] {
        isogen().arg("generate").arg(ws.path()).assert().success();
        let dockerfile = read(ws.path(), "services/api/Dockerfile");
        let lib = dockerfile
            .find("RUN pnpm --filter @x/lib run build")
            .unwrap();
        let again = dockerfile
            .find(refresh)
            .unwrap_or_else(|| panic!("{dockerfile}"));
        let api = dockerfile
            .find("RUN pnpm --filter @x/api run build")
            .unwrap();
        assert!(lib < again && again < api, "{dockerfile}");
        assert_eq!(dockerfile.matches(refresh).count(), 1, "{dockerfile}");
    }
}

/// pnpm 10 also reads an `npm:`-style alias of a workspace package,
/// `"lib": "npm:@x/lib@workspace:*"`: an internal edge like `workspace:@x/lib@*`.
#[test]
fn an_npm_style_workspace_alias_is_an_internal_dependency() {
    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"lib":"npm:@x/lib@workspace:^1.0.0"}}"#,
    )]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains("COPY packages/lib/package.json packages/lib/"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("--filter @x/lib --filter @x/api\n"),
        "{dockerfile}"
    );
    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"lib":"npm:@x/lib@workspace:^3"}}"#,
    )]);
    fails_naming(&ws, &["services/api/package.json", "^3", "1.0.0"]);
}

/// A `link:`/`file:` run-time dependency on a folder that is no workspace package: neither
/// the install stage nor the image has it, so the image cannot be built as written.
#[test]
fn a_link_to_a_folder_outside_the_workspace_packages_is_named() {
    // A tarball is copied when it is in the repository (`file:../../vendor/other.tgz`:
    // a_vendored_tarball_dependency_is_copied_to_both_installs), not from outside it.
    for (spec, why) in [
        ("link:../../vendor/other", "not a package of this workspace"),
        ("file:../../../other.tgz", "a tarball outside the workspace"),
    ] {
        let text = format!(
            r#"{{"name":"@x/api","main":"dist/main.js","scripts":{{"build":"tsc"}},"dependencies":{{"@x/lib":"workspace:*","other":"{spec}"}}}}"#
        );
        let ws = with(&[
            (
                "services/api/package.json",
                Box::leak(text.into_boxed_str()),
            ),
            // The folder exists (one that does not is named as missing).
            ("vendor/other/index.js", ""),
        ]);
        fails_naming(&ws, &["services/api/package.json", spec, why]);
    }
    // A dev-only link is the build's business (pnpm links it; the image never has it).
    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"link:../../packages/lib"},"devDependencies":{"tool":"link:../../tools/x"}}"#,
    )]);
    isogen().arg("generate").arg(ws.path()).assert().success();
}

/// An empty lockfile is no lockfile to pnpm: `--frozen-lockfile` would refuse to run.
#[test]
fn an_empty_lockfile_is_not_used_frozen_and_is_named() {
    let ws = with(&[("pnpm-lock.yaml", "")]);
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "pnpm-lock.yaml: the file is empty",
        ));
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(!dockerfile.contains("--frozen-lockfile"), "{dockerfile}");
    assert!(
        !dockerfile.contains("COPY package.json pnpm-lock.yaml"),
        "{dockerfile}"
    );
}

/// An empty pnpm-workspace.yaml, or one with only catalogs: no packages, said plainly.
#[test]
fn a_workspace_file_without_packages_says_so() {
    for text in ["", "catalog:\n  ms: ^2.1.3\n", "packages: []\n"] {
        let ws = with(&[(
            "pnpm-workspace.yaml",
            Box::leak(text.to_string().into_boxed_str()),
        )]);
        isogen()
            .args(["generate", "--check"])
            .arg(ws.path())
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "pnpm-workspace.yaml: no `packages:` globs",
            ))
            .stderr(predicate::str::contains("no services found"));
    }
}

/// A TypeScript service without a build script: the error says what is missing.
#[test]
fn a_service_without_build_script_is_told_so() {
    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","main":"dist/main.js","dependencies":{"@x/lib":"workspace:*"}}"#,
    )]);
    fails_naming(&ws, &["services/api/package.json", "no `build` script"]);
}

/// With `link-workspace-packages` (pnpm 8's default), a plain range on a workspace package is
/// linked to it: the lockfile says `link:`. Such an edge is internal like a `workspace:` one.
#[test]
fn a_plain_range_the_lockfile_linked_to_a_workspace_package_is_internal() {
    let ws = with(&[
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '6.0'\n\nimporters:\n\n  services/api:\n    dependencies:\n      '@x/lib':\n        specifier: ^1.0.0\n        version: link:../../packages/lib\n",
        ),
        (
            "services/api/package.json",
            r#"{"name":"@x/api","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"^1.0.0"}}"#,
        ),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains("COPY packages/lib/package.json packages/lib/"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("--filter @x/lib --filter @x/api\n"),
        "{dockerfile}"
    );
}

/// pnpm applies the patches in the production install too: no warning, the patch is copied
/// into the runtime-deps stage and removed after the install.
#[test]
fn patched_dependencies_are_applied_by_the_production_install() {
    let ws = with(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9","pnpm":{"patchedDependencies":{"ms@2.1.3":"patches/ms@2.1.3.patch"}}}"#,
        ),
        ("patches/ms@2.1.3.patch", ""),
    ]);
    let out = isogen().arg("generate").arg(ws.path()).assert().success();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(!err.contains("patch"), "{err}");
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    let runtime = &dockerfile[dockerfile.find("AS runtime-deps").unwrap()..];
    let copy = runtime
        .find("COPY patches/ms@2.1.3.patch patches/\n")
        .unwrap_or_else(|| panic!("{dockerfile}"));
    let install = runtime.find("pnpm install").unwrap();
    let removed = runtime.find(" patches/ms@2.1.3.patch patches ").unwrap();
    assert!(copy < install && install < removed, "{dockerfile}");
}

/// `npm init` writes `"main": "index.js"`, and many services keep it while `pnpm start` runs
/// the build output: the image runs (and ships) what the start script runs, not `main`.
#[test]
fn a_service_runs_what_its_start_script_runs_not_an_npm_init_main() {
    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","version":"1.0.0","main":"index.js","scripts":{"build":"tsc","start":"node build/main.js","test":"echo \"Error: no test specified\" && exit 1"},"dependencies":{"@x/lib":"workspace:*"}}"#,
    )]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains(r#"CMD ["node", "/app/services/api/build/main.js"]"#),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("COPY --from=builder /app/services/api/build build\n"),
        "{dockerfile}"
    );
    assert!(!dockerfile.contains("index.js"), "{dockerfile}");
}

/// `node dist/main.js --port 3000 serve`: the words after the file are the server's
/// arguments, and the image passes them on (they were dropped: the server started with its
/// defaults, or printed its usage). A start script isogen cannot read (`$PORT`) is named.
#[test]
fn the_arguments_of_the_start_script_reach_the_cmd() {
    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc","start":"NODE_ENV=production node --enable-source-maps dist/main.js --port 3000 serve"},"dependencies":{"@x/lib":"workspace:*"}}"#,
    )]);
    let out = isogen().arg("generate").arg(ws.path()).assert().success();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(!err.contains("not read"), "{err}");
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains(r#"CMD ["node", "--enable-source-maps", "/app/services/api/dist/main.js", "--port", "3000", "serve"]"#),
        "{dockerfile}"
    );

    let ws = with(&[(
        "services/api/package.json",
        r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc","start":"node dist/main.js --port $PORT"},"dependencies":{"@x/lib":"workspace:*"}}"#,
    )]);
    let out = isogen().arg("generate").arg(ws.path()).assert().success();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("the `start` script `node dist/main.js --port $PORT` is not read")
            && err.contains("set `args` (or `cmd`) in [generate.services.api]"),
        "{err}"
    );
}

/// TypeScript project references: the libraries have no `build` script, the service's
/// `tsc -b` builds them through the `references` of its tsconfig. Their output ships whether
/// or not the workspace holds a build of it (a fresh checkout and a developer's built tree
/// render the same Dockerfile).
#[test]
fn a_library_built_through_tsconfig_references_ships_its_output() {
    let files: &[(&str, &str)] = &[
        (
            "packages/lib/package.json",
            r#"{"name":"@x/lib","version":"1.0.0","main":"dist/index.js"}"#,
        ),
        (
            "packages/lib/tsconfig.json",
            r#"{"compilerOptions":{"composite":true,"outDir":"dist"}}"#,
        ),
        ("packages/lib/src/index.ts", "export const x = 1;\n"),
        (
            "services/api/tsconfig.json",
            "{\n  // built with tsc -b\n  \"compilerOptions\": {\"outDir\": \"dist\"},\n  \"references\": [{ \"path\": \"../../packages/lib/tsconfig.json\" }]\n}\n",
        ),
        (
            "services/api/package.json",
            r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc -b"},"dependencies":{"@x/lib":"workspace:*"}}"#,
        ),
    ];
    let ws = with(files);
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").not());
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains("COPY --from=builder /app/packages/lib/dist packages/lib/dist\n"),
        "{dockerfile}"
    );
    // A stale build in the workspace changes nothing.
    std::fs::create_dir_all(ws.path().join("packages/lib/dist")).unwrap();
    std::fs::write(ws.path().join("packages/lib/dist/index.js"), "").unwrap();
    isogen()
        .args(["generate", "--check"])
        .arg(ws.path())
        .assert()
        .code(0);
}

/// The same library without a reference to it: nothing builds it, and the user is told that
/// the image ships only its package.json.
#[test]
fn a_typescript_library_nothing_builds_is_named() {
    let ws = with(&[
        (
            "packages/lib/package.json",
            r#"{"name":"@x/lib","version":"1.0.0","main":"dist/index.js"}"#,
        ),
        ("packages/lib/src/index.ts", "export const x = 1;\n"),
    ]);
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "packages/lib/package.json: `@x/lib` loads dist/index.js, which is not in the workspace",
        ))
        .stderr(predicate::str::contains("add a `build` script to it"));
}

/// `node --import ./build/tracing.js -r dotenv/config build/main.js`: the CMD keeps the
/// preloads; `--env-file` (no `.env` is shipped) is left out, and the file named.
#[test]
fn node_options_of_the_start_script_are_kept_and_dev_only_ones_named() {
    let api = r#"{"name":"@x/api","version":"1.0.0","scripts":{"build":"tsc","start":"node --env-file=.env --import ./build/tracing.js -r dotenv/config build/main.js"},"dependencies":{"@x/lib":"workspace:*"}}"#;
    let ws = with(&[("services/api/package.json", api)]);
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "services/api/package.json: the `start` script loads `.env` (node --env-file, -r dotenv/config) when it starts, but the image holds no env file",
        ));
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains(
            r#"CMD ["node", "--import", "./build/tracing.js", "-r", "dotenv/config", "/app/services/api/build/main.js"]"#
        ),
        "{dockerfile}"
    );
}

/// `node -r ./tracing.js dist/main.js` (OpenTelemetry's usual setup) and the same through the
/// script's `NODE_OPTIONS`: the preloaded files of the package ship beside the output, where
/// node looks for them from the service folder; one the image cannot have is named.
#[test]
fn files_the_start_script_preloads_ship_or_are_named() {
    let api = r#"{"name":"@x/api","version":"1.0.0","scripts":{"build":"tsc","start":"NODE_OPTIONS='--import ./otel/register.mjs' node -r ./tracing dist/main.js"},"dependencies":{"@x/lib":"workspace:*"}}"#;
    let ws = with(&[
        ("services/api/package.json", api),
        ("services/api/tracing.js", "require('@x/lib');\n"),
        ("services/api/otel/register.mjs", "export {};\n"),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    for file in ["tracing.js", "otel/register.mjs"] {
        let copy = format!("COPY --from=builder /app/services/api/{file} /app/services/api/{file}");
        assert!(dockerfile.contains(&copy), "{copy}\n{dockerfile}");
    }
    // TypeScript, outside the package, or absent: named with the fix.
    let api = r#"{"name":"@x/api","version":"1.0.0","scripts":{"build":"tsc","start":"node -r ./tracing.ts --import ../../otel.mjs -r ./gone.js dist/main.js"},"dependencies":{"@x/lib":"workspace:*"}}"#;
    let ws = with(&[
        ("services/api/package.json", api),
        ("services/api/tracing.ts", "export {};\n"),
        ("otel.mjs", "export {};\n"),
    ]);
    let out = isogen().arg("generate").arg(ws.path()).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    for (spec, why) in [
        (
            "./tracing.ts",
            "is a TypeScript file that plain node cannot load",
        ),
        (
            "../../otel.mjs",
            "is outside the package, which the image does not ship",
        ),
        ("./gone.js", "is not in the package"),
    ] {
        let line = format!("services/api/package.json: the `start` script preloads `{spec}`, which {why}, so node would stop before the service starts");
        assert!(stderr.contains(&line), "{line}\n{stderr}");
    }
}

/// `prisma migrate deploy && node dist/server.js`: a step isogen cannot run is named, never
/// dropped in silence.
#[test]
fn start_steps_the_image_cannot_run_are_named_with_the_fix() {
    // A tool that is no dependency: the step is named, with why and the fix.
    let api = r#"{"name":"@x/api","version":"1.0.0","main":"dist/server.js","scripts":{"build":"tsc","start":"prisma migrate deploy && node dist/server.js"},"dependencies":{"@x/lib":"workspace:*"}}"#;
    let ws = with(&[("services/api/package.json", api)]);
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "services/api/package.json: the `start` script runs steps before the service that the image cannot run, so its CMD runs `node dist/server.js` alone and leaves out every step (prisma migrate deploy): `prisma migrate deploy`: `prisma` is not among the dependencies in services/api/package.json, so the image does not have it; add `prisma` to its dependencies, or set `cmd` in [generate.services.api] of isogen.toml",
        ));
    // Another script as a step is replaced by its steps (the same step, the same fix)...
    let api = r#"{"name":"@x/api","version":"1.0.0","main":"dist/server.js","scripts":{"build":"tsc","db:migrate":"prisma migrate deploy","start":"pnpm db:migrate && node dist/server.js"},"dependencies":{"@x/lib":"workspace:*"}}"#;
    let ws = with(&[("services/api/package.json", api)]);
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "leaves out every step (prisma migrate deploy): `prisma migrate deploy`: `prisma` is not among the dependencies",
        ));
    // ... unless that script is more than steps joined by `&&`: then it is not read at all.
    let api = r#"{"name":"@x/api","version":"1.0.0","main":"dist/server.js","scripts":{"build":"tsc","db:migrate":"prisma migrate deploy; echo done","start":"pnpm db:migrate && node dist/server.js"},"dependencies":{"@x/lib":"workspace:*"}}"#;
    let ws = with(&[("services/api/package.json", api)]);
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "services/api/package.json: the `start` script `pnpm db:migrate && node dist/server.js` is not read as steps before the service",
        ))
        .stderr(predicate::str::contains(
            "the CMD runs `node dist/server.js` alone and leaves the rest out: make each step a `node <file>` or tool command, or set `cmd` in [generate.services.api] of isogen.toml",
        ));
}

/// `node dist/migrate.js && node dist/server.js`: the image runs the migration, then execs
/// the service, from the service folder, as `pnpm start` would.
#[test]
fn run_a_then_b_runs_the_steps_then_execs_the_service() {
    let api = r#"{"name":"@x/api","version":"1.0.0","scripts":{"build":"tsc","start":"node dist/migrate.js && NODE_ENV=production node --enable-source-maps dist/server.js"},"dependencies":{"@x/lib":"workspace:*"}}"#;
    let ws = with(&[("services/api/package.json", api)]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains(
            r#"CMD ["/bin/sh", "-c", "node dist/migrate.js && exec node --enable-source-maps /app/services/api/dist/server.js"]"#
        ),
        "{dockerfile}"
    );
    // The template's own `ENV NODE_ENV=production`, not a second line saying the same.
    assert_eq!(dockerfile.matches("NODE_ENV").count(), 1, "{dockerfile}");
    // `args` go to the service's node, after the steps.
    let ws = with(&[
        ("services/api/package.json", api),
        (
            "isogen.toml",
            "[generate.services.api]\nargs = [\"--port\", \"8080\"]\n",
        ),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains(r#"/app/services/api/dist/server.js --port 8080"]"#),
        "{dockerfile}"
    );
    // Without steps, `args` are appended as words, the options kept.
    let plain = r#"{"name":"@x/api","version":"1.0.0","scripts":{"build":"tsc","start":"node --enable-source-maps dist/server.js"},"dependencies":{"@x/lib":"workspace:*"}}"#;
    let ws = with(&[
        ("services/api/package.json", plain),
        (
            "isogen.toml",
            "[generate.services.api]\nargs = [\"serve\"]\n",
        ),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains(
            r#"CMD ["node", "--enable-source-maps", "/app/services/api/dist/server.js", "serve"]"#
        ),
        "{dockerfile}"
    );
}

/// `"files": ["*.d.ts", "lib"]` with `"main": "index.js"`: npm pack ships the top-level files
/// a pattern matches and the `main` file whatever `files` says; so does the image (the entry
/// was left out, and the service could not load the package).
#[test]
fn an_unbuilt_package_ships_its_main_and_top_level_files_patterns() {
    let ws = with(&[
        (
            "packages/lib/package.json",
            r#"{"name":"@x/lib","version":"1.0.0","main":"index.js","types":"index.d.ts","files":["*.d.ts","lib","*.cjs"]}"#,
        ),
        (
            "packages/lib/index.js",
            "module.exports = require('./lib/a');\n",
        ),
        ("packages/lib/index.d.ts", "export {};\n"),
        ("packages/lib/lib/a.js", "module.exports = 1;\n"),
        ("packages/lib/notes.txt", "not shipped\n"),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    let copied: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("COPY --from=builder /app/packages/lib/"))
        .collect();
    assert_eq!(
        copied,
        [
            "COPY --from=builder /app/packages/lib/index.d.ts packages/lib/index.d.ts",
            "COPY --from=builder /app/packages/lib/index.js packages/lib/index.js",
            "COPY --from=builder /app/packages/lib/lib packages/lib/lib",
        ],
        "{dockerfile}"
    );
}

/// A shared tsconfig in a folder that is not a package (`tooling/`), extended without `.json`
/// and extending another: the builder copies both, or `tsc` stops ("Cannot read file").
#[test]
fn tsconfig_files_extended_from_outside_the_packages_are_copied() {
    let ws = with(&[
        (
            "packages/lib/tsconfig.json",
            "{\n  // shared options\n  \"extends\": [\"../../tooling/base\"],\n  \"compilerOptions\": {\"outDir\": \"dist\"}\n}\n",
        ),
        (
            "tooling/base.json",
            r#"{"extends": "./strict.json", "compilerOptions": {"module": "NodeNext"}}"#,
        ),
        ("tooling/strict.json", r#"{"compilerOptions": {"strict": true}}"#),
        ("tooling/unused.json", "{}"),
    ]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains(
            "COPY tooling/base.json tooling/base.json\nCOPY tooling/strict.json tooling/strict.json\n"
        ),
        "{dockerfile}"
    );
    assert!(!dockerfile.contains("unused"), "{dockerfile}");
    let ignore = read(ws.path(), "services/api/Dockerfile.dockerignore");
    assert!(
        ignore.contains("!tooling/base.json\n!tooling/strict.json\n"),
        "{ignore}"
    );
}

/// A manifest that changed since `pnpm install` ran: the frozen install of the image build
/// would stop, so generate (and `--check`) stop first, naming the package, the dependencies
/// and the fix, and write nothing.
#[test]
fn a_stale_lockfile_is_refused_naming_the_package_and_the_fix() {
    let ws = fixture("pnpm9-stale-lock");
    for args in [&["generate"][..], &["generate", "--check"]] {
        let out = isogen()
            .args(args)
            .arg(ws.path())
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr =
            String::from_utf8_lossy(&out.stderr).replace(&*ws.path().to_string_lossy(), "<ws>");
        for part in [
            "@stale/api",
            "added `zod`",
            "removed `kleur`",
            "`debug`",
            "run `pnpm install`",
        ] {
            assert!(stderr.contains(part), "{part}: {stderr}");
        }
        insta::assert_snapshot!("stale_lockfile", stderr);
    }
    assert!(!ws.path().join("services/api/Dockerfile").exists());
    // A second service that does not install `@stale/api`: only api is refused, once; the
    // worker is warned (its image would build).
    let worker = ws.path().join("services/worker");
    std::fs::create_dir_all(&worker).unwrap();
    std::fs::write(
        worker.join("package.json"),
        r#"{"name":"@stale/worker","version":"1.0.0","scripts":{"start":"node index.js"}}"#,
    )
    .unwrap();
    std::fs::write(worker.join("index.js"), "setInterval(() => {}, 1000);\n").unwrap();
    let out = isogen().arg("generate").arg(ws.path()).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(
        stderr
            .matches("would stop with ERR_PNPM_OUTDATED_LOCKFILE")
            .count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("the images of services that do not install that package build"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&worker).unwrap();
    // `pnpm install` brings the lockfile up to date: generate goes on.
    let lock = std::fs::read_to_string(ws.path().join("pnpm-lock.yaml"))
        .unwrap()
        .replace("specifier: ^4.3.0", "specifier: ^4.3.7")
        .replace(
            "      kleur:\n        specifier: ^4.1.5\n        version: 4.1.5\n",
            "",
        );
    std::fs::write(ws.path().join("pnpm-lock.yaml"), lock).unwrap();
    lock_dependency(ws.path(), "services/api", "zod", "^3.23.8");
    isogen().arg("generate").arg(ws.path()).assert().success();
}

/// pnpm 11 checks before each `pnpm run`/`pnpm exec` that node_modules matches the
/// workspace's settings, and reinstalls everything, install scripts included, when the deps
/// stage installed only the service's closure (karakeep: a full install in the builder that
/// compiled better-sqlite3 with no python). The builder's runs turn the check off from pnpm
/// 10 on (where the setting exists) and leave older pnpm alone.
#[test]
fn the_builder_runs_pnpm_without_its_deps_check_from_pnpm_10_on() {
    let stdout = |ws: &tempfile::TempDir| {
        let out = isogen()
            .args(["generate", "--stdout"])
            .arg(ws.path())
            .assert()
            .success()
            .get_output()
            .clone();
        String::from_utf8(out.stdout).unwrap()
    };
    let pnpm11 = stdout(&fixture("pnpm11-addon"));
    let runs: Vec<&str> = pnpm11
        .lines()
        .filter(|l| l.contains(" run build"))
        .collect();
    assert!(!runs.is_empty(), "{pnpm11}");
    for line in runs {
        assert!(
            line.starts_with("RUN pnpm --config.verify-deps-before-run=false --filter "),
            "{line}"
        );
    }
    let pnpm9 = stdout(&fixture("pnpm9-shop"));
    assert!(pnpm9.contains(" run build"), "{pnpm9}");
    assert!(!pnpm9.contains("verify-deps-before-run"), "{pnpm9}");
}

/// jitsu's rotor: pnpm 9, a v9 lockfile (no `requiresBuild` marks) and no allow list, so pnpm
/// runs every dependency's install script and nothing says which has one. Its webpack build
/// inlines native addons (`zstd-napi`'s compiled `build/`, through `node-loader`): the deps
/// stage runs the install scripts as pnpm would, and the build stages have a compiler. pnpm
/// 10 builds only what an allow list names: with none, the slim image stays.
#[test]
fn pnpm_9_builds_dependencies_in_the_deps_stage_on_the_full_image() {
    let ws = with(&[]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains("ARG NODE_IMAGE=node:26-bookworm\n")
            && dockerfile.contains("pnpm-lock.yaml (v9) does not say which do"),
        "{dockerfile}"
    );
    let deps = dockerfile.split("FROM base AS builder").next().unwrap();
    assert!(
        deps.contains(
            "pnpm rebuild --pending --recursive --store-dir /pnpm/store --filter @x/api..."
        ),
        "{dockerfile}"
    );
    let ws = with(&[(
        "package.json",
        r#"{"name":"root","private":true,"packageManager":"pnpm@10.12.1"}"#,
    )]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains("ARG NODE_IMAGE=node:26-bookworm-slim\n"),
        "{dockerfile}"
    );
}

/// `stop_signal` in a Node service's section is the image's `STOPSIGNAL`; a value that is no
/// signal stops generate naming isogen.toml, the key and the value.
#[test]
fn stop_signal_is_the_images_stopsignal_or_a_named_error() {
    let ws = with(&[(
        "isogen.toml",
        "[generate.services.api]\nstop_signal = \"SIGQUIT\"\n",
    )]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/api/Dockerfile");
    assert!(
        dockerfile.contains("\nSTOPSIGNAL SIGQUIT\nLABEL"),
        "{dockerfile}"
    );
    let ws = with(&[(
        "isogen.toml",
        "[generate.services.api]\nstop_signal = \"SIGNOPE\"\n",
    )]);
    fails_naming(
        &ws,
        &["isogen.toml", "stop_signal", "\"SIGNOPE\" is not a signal"],
    );
}

/// As formbricks vendors SheetJS (`"xlsx": "file:vendor/xlsx-0.20.3.tgz"` in `apps/web`):
/// a production dependency installed from a tarball of the repository. pnpm's frozen install
/// reads the file (and checks the lockfile's integrity), so both installs copy it to its own
/// path, the build context lets it in, and the image does not keep it. It was refused as
/// "not a package of this workspace, so the image cannot ship it", `isogen list` included.
#[test]
fn a_vendored_tarball_dependency_is_copied_to_both_installs() {
    let ws = fixture("pnpm9-vendored-tarball");
    isogen().arg("list").arg(ws.path()).assert().success();
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "services/sheets/Dockerfile");
    let tarball = "services/sheets/vendor/xlsx-lite-1.0.0.tgz";
    let copies = dockerfile
        .lines()
        .filter(|l| *l == format!("COPY {tarball} {tarball}"))
        .count();
    assert_eq!(copies, 2, "{dockerfile}");
    let ignore = read(ws.path(), "services/sheets/Dockerfile.dockerignore");
    assert!(
        ignore.lines().any(|l| l == format!("!{tarball}")),
        "{ignore}"
    );
    insta::assert_snapshot!("vendored_tarball_dockerfile", dockerfile);
}

/// tests/fixtures/pnpm9-stale-tool: the lockfile is out of date only for a tool
/// (`tools/seed` added `left-pad` without `pnpm install`), which no service installs. The
/// service's deps stage copies only its own packages' manifests, and pnpm checks only the
/// projects it installs, so its image builds: `list` shows it as a service and `generate`
/// writes it, both warning about the stale lockfile with the fix. A change to a manifest of
/// the service's closure is refused as before.
#[test]
fn a_stale_lockfile_outside_a_services_closure_warns_and_refuses_nothing() {
    let ws = fixture("pnpm9-stale-tool");
    let root = ws.path().to_string_lossy().to_string();
    let out = isogen().arg("list").arg(ws.path()).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).replace(&root, "<ws>");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("service") && l.contains("@stale/api")),
        "{stdout}"
    );
    let warning = "pnpm-lock.yaml is out of date (`@stale/seed` (tools/seed/package.json): the package is not in the lockfile)";
    assert!(stderr.contains(warning), "{stderr}");
    assert!(stderr.contains("run `pnpm install`"), "{stderr}");
    let out = isogen().arg("generate").arg(ws.path()).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");
    assert!(ws.path().join("services/api/Dockerfile").exists());
    // The service's internal package changes without `pnpm install`: its image would not build.
    std::fs::write(
        ws.path().join("packages/log/package.json"),
        r#"{"name":"@stale/log","version":"1.0.0","main":"index.js","dependencies":{"ms":"catalog:","zod":"^3.23.8"}}"#,
    )
    .unwrap();
    let out = isogen()
        .args(["generate", "--check"])
        .arg(ws.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("`@stale/log` (packages/log/package.json): added `zod`"),
        "{stderr}"
    );
}

/// tests/fixtures/pnpm10-ts-entry, shaped like bluesky-social/atproto's `services/pds` on
/// Node 24 (`.nvmrc`): its start script runs `node --enable-source-maps index.ts`, which Node
/// 24 runs by stripping types. isogen does not ship TypeScript as run-time code, and says so
/// in the first run, naming the Node version and the fixes (it said "not `node <file>`");
/// on a Node that does not strip types (22.11), the refusal says plain `node` cannot run it.
#[test]
fn a_typescript_start_file_is_refused_with_what_the_node_version_does() {
    let ws = crate::fixture_copy::copy("pnpm10-ts-entry", false);
    let out = isogen().arg("generate").arg(ws.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the entry `index.ts` of the service `pds` (from its `start` script) is TypeScript source; Node 24, the image's, would run it by stripping its types")
            && stderr.contains("isogen does not ship TypeScript as run-time code")
            && stderr.contains("`entry = \"dist/index.js\"` in [generate.services.pds]"),
        "{stderr}"
    );
    assert!(!ws.path().join("services/pds/Dockerfile").exists());
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.node]\nversion = \"22.11.0\"\n",
    )
    .unwrap();
    let out = isogen().arg("generate").arg(ws.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        stderr.contains("is TypeScript source, which plain `node` cannot run"),
        "{stderr}"
    );
}

/// A service refused for a setting it cannot take (`workdir` is Cargo's) still owns the
/// Dockerfile an earlier run wrote: the refusal names the setting, and no warning says the
/// service is "no longer a service".
#[test]
fn a_refused_service_keeps_its_files_and_is_not_called_gone() {
    let ws = workspace(MINIMAL);
    isogen().arg("generate").arg(ws.path()).assert().success();
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.api]\nworkdir = \"/data\"\n",
    )
    .unwrap();
    isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "[generate.services.api] workdir: not supported for Node services yet",
        ))
        .stderr(predicate::str::contains("no longer a service").not());
}
