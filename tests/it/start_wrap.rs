//! Start scripts wrapped in a shell (`dotenv -e ../.env -- sh -c '<script>'`, as a real pnpm
//! monorepo's main app had), the warning `generate` gives for a start script it cannot read
//! (the app would otherwise get no Dockerfile in silence), and the Dockerfile and warning
//! lines that used to repeat themselves.

use std::path::Path;

use assert_cmd::Command;

fn isogen() -> Command {
    Command::cargo_bin("isogen").unwrap()
}

/// A pnpm workspace: the root files, then `files` (relative path, contents).
fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root: &[(&str, &str)] = &[
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
        ),
        (
            "pnpm-workspace.yaml",
            "packages:\n  - packages/*\n  - web\n  - worker\n",
        ),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
    ];
    for (path, text) in root.iter().chain(files) {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

/// `generate`'s stderr with the temporary folder's path taken out.
fn generate_stderr(ws: &tempfile::TempDir) -> String {
    let out = isogen().arg("generate").arg(ws.path()).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stderr)
        .unwrap()
        .replace(&format!("{}/", ws.path().display()), "")
}

/// A worker at the root of the workspace whose start runs node behind `dotenv ... -- sh -c`:
/// it is a service, and its CMD runs the steps, then node, as the quoted script does.
#[test]
fn a_start_behind_sh_c_is_read_like_a_plain_one() {
    let ws = workspace(&[(
        "worker/package.json",
        r#"{"name":"@x/worker","version":"1.0.0","scripts":{"build":"tsc","start":"dotenv -e ../.env -- sh -c 'NODE_ENV=production node dist/migrate.js && node dist/index.js'"}}"#,
    )]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "worker/Dockerfile");
    assert!(
        dockerfile.contains(
            r#"CMD ["/bin/sh", "-c", "NODE_ENV=production node dist/migrate.js && exec node /app/worker/dist/index.js"]"#
        ),
        "{dockerfile}"
    );
}

/// A main app whose start isogen cannot read (`sh -c` of a tool step `;` then `next start`) and
/// a worker it can: `generate` writes the worker's Dockerfile and says, in the same run,
/// which app got none, its script, and both fixes.
#[test]
fn generate_names_a_start_script_it_cannot_read() {
    let ws = workspace(&[
        (
            "web/package.json",
            r#"{"name":"@x/web","version":"1.0.0","scripts":{"build":"next build","start":"dotenv -e ../.env -- sh -c 'prisma migrate deploy; next start'"}}"#,
        ),
        (
            "worker/package.json",
            r#"{"name":"@x/worker","version":"1.0.0","scripts":{"build":"tsc","start":"node dist/index.js"}}"#,
        ),
    ]);
    let stderr = generate_stderr(&ws);
    insta::assert_snapshot!("generate_unread_start", stderr);
    assert!(ws.path().join("worker/Dockerfile").exists());
    assert!(!ws.path().join("web/Dockerfile").exists());
    // `not_services` silences it.
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nnot_services = [\"web\"]\n",
    )
    .unwrap();
    assert!(!generate_stderr(&ws).contains("web/package.json"));
}

/// `NODE_ENV=production node dist/index.js`: the image sets `NODE_ENV=production` once.
#[test]
fn node_env_production_is_set_once() {
    let ws = workspace(&[(
        "worker/package.json",
        r#"{"name":"@x/worker","version":"1.0.0","scripts":{"build":"tsc","start":"NODE_ENV=production PORT=3000 node dist/index.js"}}"#,
    )]);
    isogen().arg("generate").arg(ws.path()).assert().success();
    let dockerfile = read(ws.path(), "worker/Dockerfile");
    assert_eq!(dockerfile.matches("NODE_ENV").count(), 1, "{dockerfile}");
    assert!(dockerfile.contains("ENV PORT=\"3000\""), "{dockerfile}");
}

/// Three internal packages whose entry is TypeScript nothing builds: one warning line for the
/// service naming the three, not three lines.
#[test]
fn typescript_entries_nothing_builds_are_one_line_per_service() {
    let lib =
        |name: &str| format!(r#"{{"name":"@x/{name}","version":"1.0.0","main":"src/index.ts"}}"#);
    let (a, b, c) = (lib("a"), lib("b"), lib("c"));
    let ws = workspace(&[
        (
            "worker/package.json",
            r#"{"name":"@x/worker","version":"1.0.0","scripts":{"build":"tsup","start":"node dist/index.js"},"dependencies":{"@x/a":"workspace:*","@x/b":"workspace:*","@x/c":"workspace:*"}}"#,
        ),
        ("packages/a/package.json", &a),
        ("packages/a/src/index.ts", "export const a = 1;\n"),
        ("packages/a/tsconfig.json", "{}"),
        ("packages/b/package.json", &b),
        ("packages/b/src/index.ts", "export const b = 1;\n"),
        ("packages/b/tsconfig.json", "{}"),
        ("packages/c/package.json", &c),
        ("packages/c/src/index.ts", "export const c = 1;\n"),
        ("packages/c/tsconfig.json", "{}"),
    ]);
    let stderr = generate_stderr(&ws);
    insta::assert_snapshot!("generate_typescript_entries_grouped", stderr);
}

/// A worker whose start loads the repository's `.env` through dotenv-cli (`dotenv -e ../.env
/// -v PORT=3000 --`) and a web server whose start gives node `--env-file`: the images hold no
/// env file and their CMDs load none, so `generate` names each script and file in the first
/// run with the two ways to give the variables; the `-v` variable is set in the image; `env`
/// in the service's section silences it.
#[test]
fn an_env_file_the_start_script_loads_is_named_with_how_to_give_its_variables() {
    let ws = workspace(&[
        (
            "worker/package.json",
            r#"{"name":"@x/worker","version":"1.0.0","scripts":{"build":"tsc","start":"dotenv -e ../.env -v PORT=3000 -- node dist/index.js"}}"#,
        ),
        (
            "web/package.json",
            r#"{"name":"@x/web","version":"1.0.0","scripts":{"build":"tsc","start":"node --env-file=.env.production dist/server.js"}}"#,
        ),
        (".env", "DATABASE_URL=postgres://secret\n"),
        ("web/.env.production", "API_KEY=secret\n"),
    ]);
    let stderr = generate_stderr(&ws);
    insta::assert_snapshot!("generate_env_files", stderr);
    let worker = read(ws.path(), "worker/Dockerfile");
    assert!(worker.contains("ENV PORT=\"3000\""), "{worker}");
    assert!(
        worker.contains(r#"CMD ["node", "/app/worker/dist/index.js"]"#),
        "{worker}"
    );
    let web = read(ws.path(), "web/Dockerfile");
    assert!(
        web.contains(r#"CMD ["node", "/app/web/dist/server.js"]"#),
        "{web}"
    );
    for ignore in [
        "worker/Dockerfile.dockerignore",
        "web/Dockerfile.dockerignore",
    ] {
        assert!(read(ws.path(), ignore).contains("**/.env\n"), "{ignore}");
    }
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.worker.env]\nLOG_LEVEL = \"info\"\n",
    )
    .unwrap();
    let stderr = generate_stderr(&ws);
    assert!(!stderr.contains("`../.env`"), "{stderr}");
    assert!(stderr.contains("`.env.production`"), "{stderr}");
}

/// A service whose own source imports `dotenv/config` and a workspace package it uses that
/// requires it: each loads the working folder's `.env` when it runs, which the image does not
/// hold. `generate` names each file and line, the image's working folder and the two ways to
/// give the variables; a test file's import is not named; `env` in the section silences it.
#[test]
fn a_dotenv_config_import_in_the_sources_is_named_with_how_to_give_its_variables() {
    let ws = workspace(&[
        (
            "worker/package.json",
            r#"{"name":"@x/worker","version":"1.0.0","scripts":{"build":"tsc","start":"node dist/index.js"},"dependencies":{"@x/db":"workspace:*","dotenv":"^16.4.0"}}"#,
        ),
        (
            "worker/src/index.ts",
            "import 'dotenv/config';\nimport { db } from '@x/db';\nsetInterval(() => console.log(db), 60_000);\n",
        ),
        (
            "worker/src/index.test.ts",
            "import 'dotenv/config';\n",
        ),
        (
            "packages/db/package.json",
            r#"{"name":"@x/db","version":"1.0.0","main":"index.js","dependencies":{"dotenv":"^16.4.0"}}"#,
        ),
        (
            "packages/db/index.js",
            "// the connection string comes from .env\nrequire('dotenv/config');\nexports.db = process.env.DATABASE_URL;\n",
        ),
    ]);
    let stderr = generate_stderr(&ws);
    insta::assert_snapshot!("generate_dotenv_config_imports", stderr);
    assert!(!stderr.contains("index.test.ts"), "{stderr}");
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.worker.env]\nLOG_LEVEL = \"info\"\n",
    )
    .unwrap();
    let stderr = generate_stderr(&ws);
    assert!(!stderr.contains("dotenv/config"), "{stderr}");
}

/// tests/fixtures/pnpm9-dotenv-calls: the service and the internal package it uses call
/// dotenv's `config()` in each way sources write it (`require('dotenv').config()`, `const
/// dotenv = require('dotenv'); dotenv.config(...)`, `import dotenv from 'dotenv'` then
/// `dotenv.config()`, `const { config: loadEnv } = require('dotenv'); loadEnv()`): each loads
/// a `.env` of the working folder the image does not hold. `generate` names each call's file
/// and line with the image's working folder and how to give the variables; only the files
/// the server loads count (its entry and what it imports, `templates.mjs` through an
/// `import()`): not the test file's call, nor the seed script's `dotenv/config` nor the eval's
/// call beside the server (trigger.dev's webapp was warned about both); `env` in the
/// service's section silences it.
#[test]
fn dotenv_config_calls_in_the_sources_are_named_with_how_to_give_their_variables() {
    let ws = crate::fixture_copy::copy("pnpm9-dotenv-calls", false);
    let stderr = generate_stderr(&ws);
    insta::assert_snapshot!("generate_dotenv_config_calls", stderr);
    for unloaded in [
        "server.test.js",
        "scripts/seed.js",
        "subject.eval.js",
        "dotenv/config",
    ] {
        assert!(!stderr.contains(unloaded), "{unloaded}: {stderr}");
    }
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.mailer.env]\nSMTP_HOST = \"smtp.internal\"\n",
    )
    .unwrap();
    let stderr = generate_stderr(&ws);
    assert!(!stderr.contains("config()"), "{stderr}");
}

/// A Next.js app (`next build` bundles its folders by convention): a dotenv call in its
/// `instrumentation.ts` and in a file of `app/` is the server's (warned), one in a seed script
/// beside them that nothing imports is not (trigger.dev's webapp was warned about its seeds
/// and evals).
#[test]
fn a_next_apps_dotenv_calls_count_in_its_folders_not_in_its_seed_script() {
    let ws = crate::fixture_copy::copy("pnpm9-next", false);
    for (path, text) in [
        ("apps/web/instrumentation.ts", "import 'dotenv/config';\nexport function register() {}\n"),
        ("apps/web/app/settings.ts", "import dotenv from 'dotenv';\ndotenv.config({ path: '.env.web' });\nexport const s = 1;\n"),
        ("apps/web/seed.ts", "import dotenv from 'dotenv';\ndotenv.config({ path: '.env.seed' });\n"),
    ] {
        std::fs::write(ws.path().join(path), text).unwrap();
    }
    let stderr = generate_stderr(&ws);
    assert!(
        stderr.contains("apps/web/instrumentation.ts:1: `import 'dotenv/config'`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("apps/web/app/settings.ts:2: dotenv's `config()` loads `.env.web`"),
        "{stderr}"
    );
    assert!(!stderr.contains("seed.ts"), "{stderr}");
}
