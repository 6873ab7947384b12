//! Shapes seen on real pnpm monorepos isogen had not met (Flowise, teable), as small
//! hand-written fixtures: what generate installs and what it warns about, as a user reads it.

use assert_cmd::Command;

fn isogen() -> Command {
    Command::cargo_bin("isogen").unwrap()
}

/// `generate --dry-run` of a copy of fixture `name`: (stdout, stderr).
fn dry_run(ws: &std::path::Path) -> (String, String) {
    let out = isogen()
        .args(["generate", "--dry-run"])
        .arg(ws)
        .assert()
        .success()
        .get_output()
        .clone();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `generate --dry-run --keep-going` of a copy of `pnpm9-examples`, whose one refused service
/// makes the exit 2: (stdout, stderr).
fn examples_dry_run() -> (String, String) {
    let ws = crate::fixture_copy::copy("pnpm9-examples", false);
    refused_dry_run(ws.path(), &["--keep-going"])
}

/// `generate --dry-run <more>` of `ws` that refuses a service (exit 2): (stdout, stderr).
fn refused_dry_run(ws: &std::path::Path, more: &[&str]) -> (String, String) {
    let out = isogen()
        .args(["generate", "--dry-run"])
        .args(more)
        .arg(ws)
        .assert()
        .code(2);
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (
        text(&out.get_output().stdout),
        text(&out.get_output().stderr),
    )
}

/// Flowise: no `packageManager`, `engines.pnpm: "^10.26.0"`, a v9 lockfile (which pnpm 9 reads
/// too) and `pnpm.onlyBuiltDependencies` (a pnpm 10 allow list). The image installs pnpm 10,
/// not 9 (which would run every dependency's install script), and the warning says why.
#[test]
fn engines_pnpm_chooses_the_pnpm_major_when_package_manager_is_missing() {
    let ws = crate::fixture_copy::copy("pnpm10-engines-only", false);
    let (stdout, stderr) = dry_run(ws.path());
    assert!(stdout.contains("RUN npm install -g pnpm@10\n"), "{stdout}");
    assert!(!stdout.contains("pnpm@9"), "{stdout}");
    assert!(
        stderr.contains("installing pnpm@10 (the lockfile's version and engines.pnpm \"^10.26.0\" of package.json)"),
        "{stderr}"
    );
}

/// Flowise's api-documentation: `import express from 'express'` with express declared nowhere
/// but `@types/express` in the root's devDependencies, under `shamefully-hoist = true`. The
/// workspace loads the hoisted express 4; the image's closure hoisted express 5 (an
/// auto-installed peer), which crashed at start. The default import is a value the compiler
/// keeps, so the types package does not excuse it: generate names the file, line and fix.
#[test]
fn an_undeclared_default_import_is_named_though_its_types_are_declared() {
    let ws = crate::fixture_copy::copy("pnpm10-engines-only", false);
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains("warning: packages/api-docs/server.mjs:1: imports `express`, which packages/api-docs/package.json does not declare; .npmrc: `shamefully-hoist = true`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("add \"express\" to its dependencies"),
        "{stderr}"
    );

    // A named import may carry only types (the compiler drops it): not named.
    let server = ws.path().join("packages/api-docs/server.mjs");
    std::fs::write(
        &server,
        "import { Request } from 'express';\nimport { createServer } from 'node:http';\ncreateServer().listen(3000);\n",
    )
    .unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(!stderr.contains("imports `express`"), "{stderr}");
}

/// teable: the Prisma package keeps one schema per database (`prisma/postgres/schema.prisma`,
/// `prisma/sqlite/schema.prisma`) and passes `--schema` by hand. generate says the image gets
/// no client and how to name the schema; once named, the build runs `prisma generate`.
#[test]
fn a_prisma_schema_outside_the_default_places_is_named_and_then_generated() {
    let ws = crate::fixture_copy::copy("pnpm9-prisma-per-db", false);
    let (stdout, stderr) = dry_run(ws.path());
    assert!(!stdout.contains("prisma generate"), "{stdout}");
    assert!(
        stderr.contains("warning: packages/db/package.json: `@tbl/db` depends on Prisma but has no schema where Prisma looks by default"),
        "{stderr}"
    );
    assert!(
        stderr.contains("it has prisma/postgres/schema.prisma, prisma/sqlite/schema.prisma, so the build runs no `prisma generate`"),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#""prisma": { "schema": "prisma/postgres/schema.prisma" }"#),
        "{stderr}"
    );
    // `packages/db/lint-staged.config.js` requires `../../lint-staged.common.js` (outside any
    // package), as teable's ten packages do: a git hook's config, never read by a build.
    assert!(!stderr.contains("lint-staged"), "{stderr}");

    let manifest = ws.path().join("packages/db/package.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    json["prisma"]["schema"] = "prisma/postgres/schema.prisma".into();
    std::fs::write(&manifest, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let (stdout, stderr) = dry_run(ws.path());
    assert!(stdout.contains("exec prisma generate"), "{stdout}");
    assert!(!stderr.contains("depends on Prisma but"), "{stderr}");
    // Prisma 5's `prisma-client-js` copies the Rust query engine library into the client; no
    // npm package ships it, so generate downloads it: the Dockerfile names the exact files
    // (the engines commit from `@prisma/engines-version` in the lockfile) and both ways to
    // give them without binaries.prisma.sh.
    for line in [
        "ARG PRISMA_SCHEMA_ENGINE_BINARY",
        "ARG PRISMA_ENGINES_MIRROR",
        "ARG PRISMA_QUERY_ENGINE_LIBRARY",
        "# Prisma 5.11.0 (`@tbl/db`) also needs its Rust query engine",
        "all_commits/efd2449663b3d73d637ea1fd226bafbcf45b3102/<platform>/libquery_engine.so.node.gz",
        "libquery_engine-<platform>.so.node",
        "engineType = \"client\"",
    ] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    // `prisma` as a devDependency, as Prisma's docs install it (openpanel's `packages/db`):
    // the lockfile's version of it is read all the same.
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    let prisma = json["dependencies"]
        .as_object_mut()
        .unwrap()
        .remove("prisma")
        .unwrap();
    json["devDependencies"] = serde_json::json!({ "prisma": prisma });
    std::fs::write(&manifest, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let lock = ws.path().join("pnpm-lock.yaml");
    let text = std::fs::read_to_string(&lock).unwrap();
    let moved = text.replace(
        "        version: 5.11.0(prisma@5.11.0)\n      prisma:\n",
        "        version: 5.11.0(prisma@5.11.0)\n    devDependencies:\n      prisma:\n",
    );
    assert_ne!(moved, text);
    std::fs::write(&lock, moved).unwrap();
    let (stdout, stderr) = dry_run(ws.path());
    assert!(!stderr.contains("ERR_PNPM_OUTDATED_LOCKFILE"), "{stderr}");
    assert!(
        stdout.contains("# Prisma 5.11.0 (`@tbl/db`) also needs its Rust query engine")
            && stdout.contains("ARG PRISMA_QUERY_ENGINE_LIBRARY"),
        "{stdout}"
    );
    // With `engineType = "client"` (Prisma 6.16+, a driver adapter) there is no Rust engine.
    let schema = ws.path().join("packages/db/prisma/postgres/schema.prisma");
    let text = std::fs::read_to_string(&schema).unwrap();
    std::fs::write(
        &schema,
        text.replace(
            "provider = \"prisma-client-js\"",
            "provider = \"prisma-client-js\"\n  engineType = \"client\"",
        ),
    )
    .unwrap();
    let (stdout, _) = dry_run(ws.path());
    assert!(
        stdout.contains("ARG PRISMA_SCHEMA_ENGINE_BINARY"),
        "{stdout}"
    );
    assert!(!stdout.contains("PRISMA_ENGINES_MIRROR"), "{stdout}");
    assert!(!stdout.contains("query engine"), "{stdout}");
}

/// plane: React Router apps whose `start` is `serve -s build/client -l 3001` (a static file
/// server) are front ends, not services (main's `front_end` rule, met here on a real shape):
/// `list` says so (generate used to refuse them with "add `main: dist/main.js`", a fix that
/// cannot work); the Node service beside them is generated. Made a service by isogen.toml,
/// the front end is refused with what it is.
#[test]
fn a_front_end_served_as_static_files_is_no_service_and_refused_by_name() {
    let ws = crate::fixture_copy::copy("pnpm10-static-front", false);
    let list = isogen().arg("list").arg(ws.path()).assert().success();
    let list = String::from_utf8(list.get_output().stdout.clone()).unwrap();
    let admin = list.lines().find(|l| l.contains("apps/admin")).unwrap();
    assert!(admin.starts_with("not a service"), "{list}");
    assert!(
        admin.contains("a static front end: its `start` script runs `serve`, a static file server"),
        "{list}"
    );
    let (stdout, stderr) = dry_run(ws.path());
    assert!(
        stdout.contains("CMD [\"node\", \"/app/apps/live/src/start.mjs\"]"),
        "{stdout}"
    );
    assert!(!stdout.contains("apps/admin/Dockerfile"), "{stdout}");
    assert!(!stderr.contains("dist/main.js"), "{stderr}");

    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nservices = [\"admin\", \"live\"]\n",
    )
    .unwrap();
    let out = isogen()
        .args(["generate", "--dry-run"])
        .arg(ws.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("`admin` is listed in [workspace] services of isogen.toml, but it is a static front end: its `start` script runs `serve`"),
        "{stderr}"
    );
    assert!(!stderr.contains("dist/main.js"), "{stderr}");
}

/// teable's `.npmrc` pins `use-node-version=20.9.0` (under `engines.node: ">=20.0.0"`): pnpm
/// then downloads that Node from nodejs.org at every install and run, which failed the build
/// offline (`getaddrinfo ENOTFOUND nodejs.org`) and ran another Node than the image. The images
/// are Node 20, the stages write `.npmrc` without the setting, and a warning says so.
#[test]
fn use_node_version_picks_the_node_major_and_stays_out_of_the_build() {
    let ws = crate::fixture_copy::copy("pnpm9-prisma-per-db", false);
    let (stdout, stderr) = dry_run(ws.path());
    assert!(
        stdout.contains("# Node 20: use-node-version=20.9.0 in .npmrc."),
        "{stdout}"
    );
    assert!(
        stdout.contains("ARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim"),
        "{stdout}"
    );
    assert!(!stdout.contains("COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc"));
    let writes = "RUN printf '%s\\n' engine-strict=true auto-install-peers=true 'save-prefix='\\'''\\''' > .npmrc";
    assert_eq!(stdout.matches(writes).count(), 2, "{stdout}");
    assert!(
        !stdout
            .lines()
            .any(|l| l.starts_with("RUN printf") && l.contains("use-node-version")),
        "{stdout}"
    );
    assert!(
        stderr.contains("warning: .npmrc: `use-node-version=20.9.0`: pnpm downloads Node 20.9.0 from nodejs.org for every install and script of the build"),
        "{stderr}"
    );
}

/// plane's `space`: a React Router server app started by `PORT=3002 react-router-serve
/// ./build/server/index.js` (a command of a dependency), with no `main`. The refusal names the
/// script and the settings that can run it, not `"main": "dist/main.js"`.
#[test]
fn a_start_script_that_runs_another_program_is_named_in_the_refusal() {
    let ws = crate::fixture_copy::copy("pnpm10-static-front", false);
    let root = ws.path();
    std::fs::create_dir_all(root.join("apps/space/app")).unwrap();
    std::fs::write(
        root.join("apps/space/package.json"),
        r#"{"name":"space","version":"1.0.0","type":"module","scripts":{"dev":"react-router dev","build":"react-router build","start":"PORT=3002 react-router-serve ./build/server/index.js"}}"#,
    )
    .unwrap();
    let lock = std::fs::read_to_string(root.join("pnpm-lock.yaml")).unwrap();
    let lock = lock.replace("  apps/live: {}\n", "  apps/live: {}\n\n  apps/space: {}\n");
    std::fs::write(root.join("pnpm-lock.yaml"), lock).unwrap();
    let out = isogen()
        .args(["generate", "--dry-run"])
        .arg(root)
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("the service `space` has no entry: its `start` script runs `PORT=3002 react-router-serve ./build/server/index.js`, not `node <file>`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("set `cmd` in [generate.services.space]"),
        "{stderr}"
    );
    assert!(!stderr.contains("dist/main.js"), "{stderr}");
}

/// Flowise's server: `"start": "run-script-os"` whose Linux variant is `cd bin && ./run
/// start` (an oclif launcher with a node `#!` line, its `bin`), given the server subcommand
/// `start`. It is a service (it was a tool with no word about its start script): the image
/// runs the launcher as the script does, from `bin/`. The same launcher run with no
/// subcommand stays a tool, and `list` and the "no services" error name the script
/// run-script-os runs and the isogen.toml settings that make it a service.
#[test]
fn a_server_started_through_run_script_os_and_its_bin_launcher_is_a_service() {
    let ws = crate::fixture_copy::copy("pnpm10-oclif-server", false);
    let list = isogen().arg("list").arg(ws.path()).assert().success();
    let list = String::from_utf8(list.get_output().stdout.clone()).unwrap();
    insta::assert_snapshot!("oclif_server_list", list);
    let (stdout, stderr) = dry_run(ws.path());
    assert!(
        stdout.contains("CMD [\"/bin/sh\", \"-c\", \"cd bin && exec node ./run start\"]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("COPY --from=builder /app/packages/server/bin bin"),
        "{stdout}"
    );
    assert!(!stdout.contains("dist/index.js\"]"), "{stdout}");
    assert!(!stderr.contains("warning"), "{stderr}");

    // The launcher with no subcommand: a command-line tool, named with the fix.
    let manifest = ws.path().join("packages/server/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("./run start", "./run")).unwrap();
    let out = isogen()
        .args(["generate", "--dry-run"])
        .arg(ws.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let stderr = stderr.replace(&ws.path().display().to_string(), "<workspace>");
    insta::assert_snapshot!("oclif_server_no_services", stderr);

    // A launcher that is no node file is no service either.
    std::fs::write(&manifest, text).unwrap();
    std::fs::write(
        ws.path().join("packages/server/bin/run"),
        "#!/bin/sh\nexec node ../dist/commands/start.js\n",
    )
    .unwrap();
    let list = isogen().arg("list").arg(ws.path()).assert().success();
    let list = String::from_utf8(list.get_output().stdout.clone()).unwrap();
    assert!(list.contains("tool              flowise-like"), "{list}");
}

/// novel: the workspace root's package.json and the editor package the app depends on are both
/// named `novel`. `--filter novel` selected the root too, and the production stage's `pnpm
/// rebuild` ran the root's `prepare: husky install` without husky: the build failed. The
/// package is selected by its folder instead, the root never.
#[test]
fn a_package_named_as_the_workspace_root_is_selected_by_its_folder() {
    let ws = crate::fixture_copy::copy("pnpm9-root-name", false);
    let (stdout, _) = dry_run(ws.path());
    assert!(
        stdout.contains("RUN pnpm --filter '{packages/editor}' run build\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("--prod --ignore-scripts --store-dir /pnpm/store --filter '{packages/editor}' --filter notes\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("--filter editor"), "{stdout}");
}

/// novel: the app declares `typescript` in `dependencies` and the root `turbo`; both ship with
/// the production install, and `isogen verify` failed the image (`toolchain`,
/// `workspace-tooling`) with no word from generate. generate names each and the fix. verify
/// now passes a build tool the production closure declares (papra runs migrations with `tsx`
/// at run time; its image passed while generate said verify would fail it): the warning says
/// so, and keeps the failure for turbo.
#[test]
fn build_tools_in_production_dependencies_are_named_with_the_verify_rule() {
    let ws = crate::fixture_copy::copy("pnpm9-root-name", false);
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains("warning: apps/notes/package.json: `typescript` is in its production dependencies, so the image of `notes` ships it (a build tool; `isogen verify` accepts it as part of the production closure): move it to devDependencies (the build stage installs those) unless the service runs it at run time"),
        "{stderr}"
    );
    assert!(!stderr.contains("fails it (rule toolchain)"), "{stderr}");
    assert!(
        stderr.contains("`isogen verify` fails every image for turbo (workspace-tooling)"),
        "{stderr}"
    );
}

/// dokploy's `@dokploy/server`: its package.json points `main` and `exports` at
/// `src/*.ts`, and its `build` script first runs `npm run switch:prod`
/// (`node scripts/switchToDist.js`), which rewrites them to `dist`. The image ships the
/// repository's manifest, so its services would load the TypeScript sources: generate says
/// so, naming the script, and the fix (`publishConfig`, which the image applies).
#[test]
fn a_build_that_rewrites_its_package_json_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("package.json", r#"{"name":"root","private":true,"packageManager":"pnpm@10.22.0"}"#),
        ("pnpm-workspace.yaml", "packages:\n  - apps/*\n  - packages/*\n"),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n\n  apps/schedules:\n    dependencies:\n      '@d/core':\n        specifier: workspace:*\n        version: link:../../packages/core\n      '@d/server':\n        specifier: workspace:*\n        version: link:../../packages/server\n\n  packages/core: {}\n\n  packages/server: {}\n"),
        // trigger.dev's core: its build stamps the version into the build output with a
        // script that reads package.json (and names it in a comment) but writes only
        // `dist/*/version.js`: no rewrite.
        (
            "packages/core/package.json",
            r#"{"name":"@d/core","version":"4.1.0","type":"module","main":"./dist/index.js","scripts":{"build":"tsc && pnpm run update-version","update-version":"tsx ../../scripts/updateVersion.ts"}}"#,
        ),
        (
            "scripts/updateVersion.ts",
            "import * as fs from 'node:fs/promises';\nimport * as path from 'node:path';\nimport { readPackageJSON } from 'pkg-types';\n// Reads the version from the package.json file of the package.\nconst pkg = await readPackageJSON(process.cwd());\nconst file = path.join(process.cwd(), 'dist', 'version.js');\nconst text = await fs.readFile(file, 'utf-8');\nawait fs.writeFile(file, text.replace('0.0.0', pkg.version));\n",
        ),
        ("packages/core/src/index.ts", "export const VERSION = '0.0.0';\n"),
        (
            "packages/server/package.json",
            r#"{"name":"@d/server","version":"1.0.0","type":"module","main":"./src/index.ts","exports":{".":"./src/index.ts"},"scripts":{"build":"npm run switch:prod && tsc --project tsconfig.server.json","switch:prod":"node scripts/switchToDist.js"}}"#,
        ),
        (
            "packages/server/scripts/switchToDist.js",
            "import fs from 'node:fs';\nconst packagePath = new URL('../package.json', import.meta.url);\nconst pkg = JSON.parse(fs.readFileSync(packagePath, 'utf-8'));\npkg.main = './dist/index.js';\nfs.writeFileSync(packagePath, JSON.stringify(pkg, null, 2));\n",
        ),
        ("packages/server/src/index.ts", "export const run = (): void => {};\n"),
        (
            "apps/schedules/package.json",
            r#"{"name":"@d/schedules","version":"1.0.0","type":"module","scripts":{"build":"tsc","start":"node dist/index.js"},"dependencies":{"@d/core":"workspace:*","@d/server":"workspace:*"}}"#,
        ),
        ("apps/schedules/src/index.ts", "import { run } from '@d/server';\nrun();\n"),
    ];
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (stdout, stderr) = dry_run(dir.path());
    // The script that `build` runs by name (`pnpm run update-version`) runs a file outside the
    // package: the builder copies it and the build context lets it in (trigger.dev's core
    // build failed with ERR_MODULE_NOT_FOUND for /app/scripts/updateVersion.ts).
    assert!(
        stdout.contains("\nCOPY scripts/updateVersion.ts scripts/updateVersion.ts\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\n!scripts/updateVersion.ts\n"), "{stdout}");
    assert!(
        stderr.contains("warning: packages/server/package.json: its build rewrites package.json (`switch:prod`: node scripts/switchToDist.js), but the image ships the repository's package.json and what it names (src/index.ts), not what the build wrote"),
        "{stderr}"
    );
    assert!(stderr.contains("in `publishConfig`"), "{stderr}");
    assert!(!stderr.contains("packages/core/package.json"), "{stderr}");
}

/// wundergraph/cosmo and electric-sql/electric: services whose hand-written Dockerfile sits in
/// their own folder but that the default rule leaves out (cosmo's `admission-server`, no
/// start script, `dev: tsx watch`; electric's examples with only a `dev` script), a
/// package.json of front-end tooling beside an Elixir image (not a Node service), a workspace
/// package in a dot folder that a glob names (`examples/.shared`), and an `.npmrc` comment
/// after a value. The first run names each deployed package and the setting to add; the dot
/// folder is a package (a dependency on it resolves); the comment is no part of the value.
#[test]
fn packages_a_handwritten_dockerfile_runs_are_named_and_dot_folders_are_packages() {
    let ws = crate::fixture_copy::copy("pnpm9-root-deployed", true);
    let (_, stderr) = dry_run(ws.path());
    insta::assert_snapshot!(stderr);
    assert!(!stderr.contains("examples/phoenix"), "{stderr}");
    assert!(!stderr.contains("strict-peer-dependencies"), "{stderr}");
    let list = isogen()
        .args(["list", "."])
        .current_dir(ws.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list = String::from_utf8(list).unwrap();
    assert!(
        list.contains(
            "internal package  @rd/examples-shared  examples/.shared  used by @rd/example-todo"
        ),
        "{list}"
    );

    // Said once: not_services silences it.
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nnot_services = [\"admission-server\", \"examples/todo\"]\n",
    )
    .unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(!stderr.contains("hand-written"), "{stderr}");
}

/// atproto (pnpm 8): `packages/bsync`'s `start` runs `node --enable-source-maps dist/bin.js`,
/// its `build` is `tsc --build tsconfig.build.json` with `rootDir` `./src` and no `src/bin.ts`
/// (the deployed process is `services/bsync/index.ts`, run by a hand-written Dockerfile). The
/// image built and stopped at start with MODULE_NOT_FOUND; generate refuses it, naming the
/// missing source and the fixes, and accepts it once the source is there.
#[test]
fn a_start_script_running_a_file_no_compile_input_becomes_is_refused() {
    let ws = crate::fixture_copy::copy("pnpm8-stale-start", false);
    let out = isogen()
        .args(["generate", "--check"])
        .arg(ws.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    for part in [
        "packages/sync/package.json: the service `sync` starts `dist/bin.js` (its `start` script), but its `build` script compiles tsconfig.build.json (`rootDir` `src`, `outDir` `dist`) and no input becomes `dist/bin.js`: there is no `src/bin.ts`",
        "the image would build and stop at start with MODULE_NOT_FOUND",
        "add its name to `not_services` in [workspace] of isogen.toml",
        "set `entry = \"dist/bin.js\"` in [generate.services.sync] of isogen.toml",
    ] {
        assert!(stderr.contains(part), "{part:?} not in {stderr}");
    }
    std::fs::write(
        ws.path().join("packages/sync/src/bin.ts"),
        "import { SyncService } from './index.js'\nconsole.log(new SyncService().start(3000))\n",
    )
    .unwrap();
    let (stdout, _) = dry_run(ws.path());
    assert!(
        stdout.contains(
            "CMD [\"node\", \"--enable-source-maps\", \"/app/packages/sync/dist/bin.js\"]"
        ),
        "{stdout}"
    );
}

/// atproto: the root package.json keeps yarn's `"workspaces": {"packages": [...]}` beside
/// pnpm's workspace file and `.npmrc` sets `include-workspace-root`; npm, run in a package
/// folder to strip its manifest, took the root for its workspace root and stopped the build
/// with EWORKSPACESINVALID. The command keeps npm to the folder's own package.json.
#[test]
fn manifests_are_stripped_without_npm_reading_the_roots_workspaces_field() {
    let ws = crate::fixture_copy::copy("pnpm8-stale-start", false);
    std::fs::write(ws.path().join("packages/sync/src/bin.ts"), crate::SERVE_ESM).unwrap();
    let (stdout, _) = dry_run(ws.path());
    assert!(
        stdout.contains("RUN cd /app/packages/sync && npm pkg delete --workspaces=false scripts\n"),
        "{stdout}"
    );
}

/// trpc's examples: `examples/minimal-react/server` and `examples/minimal-content-types/server`
/// are both `server`. `isogen list` stopped at the clash (and keystone's two
/// `nextjs-frontend` apps the same way) before saying anything else. Each service of such a
/// group is named with its parent folder, and both get a Dockerfile.
#[test]
fn services_in_folders_of_one_name_are_named_with_their_parent_folder() {
    let ws = crate::fixture_copy::copy("pnpm9-examples", false);
    let out = isogen().arg("list").arg(ws.path()).assert().success();
    let list = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for (folder, name) in [
        ("examples/minimal-react/server", "minimal-react-server"),
        (
            "examples/minimal-content-types/server",
            "minimal-content-types-server",
        ),
    ] {
        let row = list.lines().find(|l| l.contains(folder)).unwrap_or("");
        assert!(
            row.starts_with("service") && row.contains(&format!("[services: {name}]")),
            "{list}"
        );
    }
    // `--keep-going`: the others are written; the refused one still makes the exit 2.
    isogen()
        .args(["generate", "--keep-going"])
        .arg(ws.path())
        .assert()
        .code(2);
    let dockerfile =
        std::fs::read_to_string(ws.path().join("examples/minimal-react/server/Dockerfile"))
            .unwrap();
    assert!(
        dockerfile.contains("dev.isogen.service=\"minimal-react-server\""),
        "{dockerfile}"
    );
    assert!(ws
        .path()
        .join("examples/minimal-content-types/server/Dockerfile")
        .exists());
}

/// trpc's `examples/.experimental/next-app-dir` depends on `"trpc-api": "link:./src/trpc"`,
/// no workspace package: `isogen list` and `generate` stopped there for the whole workspace
/// of 20 services. The problem refuses the services that install that package (list marks
/// them refused, generate names the manifest and entry), a package no service installs only
/// gets a warning, and the other services are generated.
#[test]
fn a_dependency_no_image_can_ship_refuses_only_the_services_that_install_it() {
    let ws = crate::fixture_copy::copy("pnpm9-examples", false);
    let out = isogen().arg("list").arg(ws.path()).assert().success();
    let list = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let row = (list.lines())
        .find(|l| l.contains("examples/.experimental/app-dir"))
        .unwrap_or("");
    assert!(
        row.starts_with("refused")
            && row.contains("`dependencies.app-api: link:./src/api`: `./src/api` is not a package of this workspace"),
        "{list}"
    );
    let out = isogen().arg("generate").arg(ws.path()).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains(
            "examples/.experimental/app-dir/package.json: `dependencies.app-api: link:./src/api`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: examples/sketch/package.json: `dependencies.sketch-kit: link:../../vendor/sketch-kit`")
            && stderr.contains("(no service installs this package, so generate goes on without it)"),
        "{stderr}"
    );
    assert!(!ws
        .path()
        .join("examples/minimal-react/server/Dockerfile")
        .exists());
    isogen()
        .args(["generate", "--keep-going"])
        .arg(ws.path())
        .assert()
        .code(2);
    assert!(ws
        .path()
        .join("examples/minimal-react/server/Dockerfile")
        .exists());
    assert!(!ws
        .path()
        .join("examples/.experimental/app-dir/Dockerfile")
        .exists());
}

/// trpc's `@trpc/server` asks for `typescript` as a peer (`>=5.7.2`); generate said
/// "`typescript` is in its production dependencies ... `isogen verify` fails it" once per
/// package and service (50 lines), though no manifest lists it there and verify passes a
/// package the production closure needs.
#[test]
fn a_peer_dependency_on_a_build_tool_is_not_called_a_production_dependency() {
    let (stdout, stderr) = examples_dry_run();
    // The services that ship `@ex/server` are rendered, with no word about `typescript`.
    assert!(
        stdout.contains("dev.isogen.service=\"minimal-react-server\""),
        "{stdout}"
    );
    assert!(!stderr.contains("production dependencies"), "{stderr}");
}

/// trpc's packages build with tsdown, whose `tsdown.config.ts` imports
/// `../../scripts/entrypoints.js` (which re-exports `./entrypoints.ts`): generate warned "a
/// tool's config file: the image's build fails if it reads" it, and every example's build
/// failed. The builder now copies the files a package's config imports from outside it,
/// transitively, and the build context lets them in.
#[test]
fn files_a_build_config_imports_from_outside_the_package_are_copied_to_the_builder() {
    let (stdout, stderr) = examples_dry_run();
    let dockerfile = stdout
        .split("==> ")
        .find(|s| s.starts_with("examples/minimal-react/server/Dockerfile "))
        .unwrap_or("");
    for f in ["scripts/entrypoints.mjs", "scripts/write-entrypoints.mjs"] {
        assert!(
            dockerfile.contains(&format!("\nCOPY {f} {f}\n")),
            "{dockerfile}"
        );
        assert!(stdout.contains(&format!("\n!{f}\n")), "{stdout}");
    }
    assert!(!stderr.contains("tool's config file"), "{stderr}");
}

/// papra's `packages/app/Dockerfile` (a package with no start script) builds the whole
/// product from the root and runs `pnpm deploy --filter=@papra/app-server`: generate said
/// the Dockerfile's image runs `@papra/app` and told the user to make it a service. The
/// image runs the deployed package (a service already), so nothing is said about it.
#[test]
fn a_handwritten_dockerfile_that_deploys_another_package_is_not_its_folders() {
    let (_, stderr) = examples_dry_run();
    assert!(
        stderr.contains("examples/.experimental/app-dir"),
        "{stderr}"
    );
    assert!(!stderr.contains("examples/bundle/Dockerfile"), "{stderr}");
}

/// electric-sql/electric's agents-server: `"files": ["dist", "drizzle", "src"]` publishes the
/// TypeScript sources beside the build. The image ships what Node loads (`dist`, and `drizzle`,
/// read at run time) and leaves `src` out, saying so, so the image passes `verify`'s `sources`
/// rule (generate shipped `src` and verify failed the image generate had made).
#[test]
fn typescript_sources_that_files_publishes_are_left_out_with_a_warning() {
    let ws = crate::fixture_copy::copy("pnpm10-agents-server", false);
    let (stdout, stderr) = dry_run(ws.path());
    assert!(
        stdout.contains("COPY --from=builder /app/packages/agents-server/dist dist\nCOPY --from=builder /app/packages/agents-server/drizzle drizzle\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("agents-server/src"), "{stdout}");
    assert!(
        stderr.contains("warning: packages/agents-server/package.json: `files` publishes src/ (5 files), TypeScript sources that the build compiles into its output; Node does not load them in production, so the image leaves them out"),
        "{stderr}"
    );
}

/// electric's agents-server, at run time: its logger creates `logs` under `process.cwd()`,
/// its embedded stream store keeps `${cwd}/.streams-data`, and it serves the agent UI from
/// `../../../agents-ui/dist`, a devDependency's build output. In the image the working folder
/// belongs to root (EACCES) and the UI is not shipped; generate names each file:line, the
/// `writable` setting to add, and the dependency to declare. Once `writable` lists the
/// folders, only the UI is named. A write whose failure a `try` handles says so.
#[test]
fn run_time_writes_and_a_sibling_packages_output_are_named_with_the_fix() {
    let ws = crate::fixture_copy::copy("pnpm10-agents-server", false);
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains("warning: agents-server: its code writes at run time under its working folder (/app/packages/agents-server in the image), which root owns in the image while the service runs as its own user, so the write fails with EACCES: `.streams-data` (packages/agents-server/src/server.ts:6), `logs` (packages/agents-server/src/utils/log.ts:5,6,7); add `writable = [\".streams-data\", \"logs\"]` to [generate.services.agents-server] in isogen.toml"),
        "{stderr}"
    );
    let ui = "warning: packages/agents-server/src/routing/ui-router.ts:9: `../../../agents-ui/dist` reaches packages/agents-ui/dist, in `@ax/agents-ui` (a devDependency of packages/agents-server/package.json), which the image does not ship, so the service finds nothing there at run time; declare `@ax/agents-ui` in the `dependencies` of packages/agents-server/package.json";
    assert!(stderr.contains(ui), "{stderr}");

    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.agents-server]\nwritable = [\"logs\", { path = \"/app/packages/agents-server/.streams-data\", volume = true }]\n",
    )
    .unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(!stderr.contains("writes at run time"), "{stderr}");
    assert!(stderr.contains(ui), "{stderr}");

    // hoppscotch's schema emitter: a write in a `try` whose `catch` logs the failure is named
    // as caught (the service goes on), not as a certain failure.
    std::fs::write(
        ws.path().join("packages/agents-server/src/schema-emit.ts"),
        "import * as fs from 'node:fs'\nimport * as path from 'node:path'\n\nexport function emitSchema(text: string): void {\n  try {\n    const destination = path.resolve(process.cwd(), 'gen/schema.gql')\n    fs.mkdirSync(path.dirname(destination), { recursive: true })\n    fs.writeFileSync(path.resolve(process.cwd(), 'gen/schema.gql'), text)\n  } catch (e) {\n    console.error(`Failed writing schema: ${e}`)\n  }\n}\n",
    )
    .unwrap();
    // Loaded by the server (a file it never imports is not its code at run time).
    let entry = ws.path().join("packages/agents-server/src/entrypoint.ts");
    let text = std::fs::read_to_string(&entry).unwrap();
    std::fs::write(&entry, format!("import './schema-emit.js'\n{text}")).unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains("`gen` (packages/agents-server/src/schema-emit.ts:8, in a `try` whose `catch` handles the failure: the service goes on without it)"),
        "{stderr}"
    );
}

/// atproto, papra: a pnpm that pins itself (`devEngines.packageManager`, pnpm 11) writes
/// `pnpm-lock.yaml` as two YAML documents, pnpm's own environment first. isogen reads the
/// project's document, as pnpm does: the same Dockerfiles as without the environment.
#[test]
fn a_lockfile_that_opens_on_pnpms_environment_document_is_read_as_pnpm_reads_it() {
    let ws = crate::fixture_copy::copy("pnpm11-addon", false);
    let (before, _) = dry_run(ws.path());
    let lock = ws.path().join("pnpm-lock.yaml");
    let project = std::fs::read_to_string(&lock).unwrap();
    let environment = "---\nlockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    configDependencies: {}\n    packageManagerDependencies:\n      pnpm:\n        specifier: 11.11.0\n        version: 11.11.0\n\npackages:\n\n  pnpm@11.11.0:\n    resolution: {integrity: sha512-AAAA}\n    hasBin: true\n\nsnapshots:\n\n  pnpm@11.11.0: {}\n\n---\n";
    std::fs::write(&lock, format!("{environment}{project}")).unwrap();
    let (after, stderr) = dry_run(ws.path());
    assert!(!stderr.contains("multiple YAML documents"), "{stderr}");
    assert_eq!(after, before);
}

/// logto: every package's `tsup.config.ts` imports `../../tsup.shared.config.js` (ESM's `.js`
/// for the `.ts` file at the root) and every front end's `vite.config.ts` imports
/// `../../vite.shared.config` (no extension). The builder copied both files, yet generate
/// warned, once per package, that "the image's build does not have it". The import names the
/// file the builder copies: nothing to say.
#[test]
fn a_shared_root_config_imported_as_js_or_without_extension_is_not_called_missing() {
    let ws = crate::fixture_copy::copy("pnpm9-shared-configs", false);
    let (stdout, stderr) = dry_run(ws.path());
    for f in ["tsup.shared.config.ts", "vite.shared.config.ts"] {
        assert!(stdout.contains(&format!("\nCOPY {f} {f}\n")), "{stdout}");
    }
    assert!(!stderr.contains("shared.config"), "{stderr}");
}

/// logto's front ends (`@logto/console`, built for the service `core`, which serves their
/// output) call dotenv's `config({ path: await findUp('.env', {}) })` in `vite.config.ts`:
/// generate told the user to give `core` its variables with `env`, though only `vite build`
/// loads that file and the image never runs it.
#[test]
fn a_dotenv_call_in_a_build_tools_config_is_not_a_run_time_warning() {
    let ws = crate::fixture_copy::copy("pnpm9-shared-configs", false);
    let (_, stderr) = dry_run(ws.path());
    assert!(!stderr.contains("dotenv"), "{stderr}");
    // The same call in the service's code still is one.
    let index = ws.path().join("packages/core/src/index.ts");
    let code = std::fs::read_to_string(&index).unwrap();
    std::fs::write(
        &index,
        format!("import {{ config }} from 'dotenv';\nconfig();\n{code}"),
    )
    .unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains("warning: packages/core/src/index.ts:2: dotenv's `config()` loads `.env` from the working folder (/app/packages/core/.env in the image)"),
        "{stderr}"
    );
}

/// novu's `apps/web` (Create React App) starts with `pnpm panda --watch & cross-env
/// NODE_OPTIONS=... PORT=4200 react-app-rewired start`: a code generator in the background and
/// the development server in the foreground. Its sibling `apps/widget` (`react-app-rewired
/// start` alone) was a static front end, but `web` was a service that generate refused with
/// "set `cmd`": the background `&` hid the foreground command from the front-end rule.
#[test]
fn a_front_end_whose_start_backgrounds_a_watcher_is_no_service() {
    let ws = crate::fixture_copy::copy("pnpm10-static-front", false);
    let manifest = ws.path().join("apps/admin/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "\"start\": \"serve -s build/client -l 3001\"",
        "\"start\": \"pnpm panda --watch & cross-env NODE_OPTIONS=--max_old_space_size=8192 PORT=4200 react-app-rewired start\"",
    );
    std::fs::write(&manifest, text).unwrap();
    let list = isogen().arg("list").arg(ws.path()).assert().success();
    let list = String::from_utf8(list.get_output().stdout.clone()).unwrap();
    let admin = list.lines().find(|l| l.contains("apps/admin")).unwrap();
    assert!(
        admin.contains("not a service")
            && admin.contains("a static front end: its `start` script runs `react-app-rewired start`, Create React App's development server"),
        "{list}"
    );
    let (stdout, _) = dry_run(ws.path());
    assert!(!stdout.contains("apps/admin/Dockerfile"), "{stdout}");
}

/// novu: `@novu/testing` (a production dependency of every service) lazily requires
/// `@novu/ee-auth`, which it does not declare; ee-auth depends on application-generic, which
/// depends on testing. generate refused five services with "add \"@novu/ee-auth\":
/// \"workspace:*\" to its dependencies", a fix that makes a dependency cycle. The problem
/// names the cycle and the fix that works; as the require() runs only inside a function
/// (test helpers the services never call), it is a warning, not a refusal; the same require
/// at the top of the file, which runs whenever the file loads, refuses the service.
#[test]
fn an_undeclared_import_whose_declaration_would_be_a_cycle_says_so() {
    let ws = crate::fixture_copy::copy("pnpm9-ee-cycle", false);
    let run = |code: i32| {
        let out = isogen()
            .args(["generate", "--dry-run"])
            .arg(ws.path())
            .assert()
            .code(code);
        String::from_utf8(out.get_output().stderr.clone()).unwrap()
    };
    let cycle = "libs/testing/index.js:6: '@ee/auth' reaches `@ee/auth` (enterprise/auth), which libs/testing/package.json does not declare and cannot: `@ee/auth` depends on `@ee/testing` (@ee/auth -> @ee/generic -> @ee/testing), so declaring it would be a cycle; move the code that needs `@ee/auth` into `@ee/auth` or into a package that depends on it";
    let stderr = run(0);
    assert!(
        stderr.contains(&format!("warning: {cycle}; not an error for `api`: the require() runs only when the code around it runs")),
        "{stderr}"
    );
    assert!(
        !stderr.contains("workspace:*\" to its dependencies"),
        "{stderr}"
    );
    // At the top of the file it runs whenever the file loads: the service is refused.
    let index = ws.path().join("libs/testing/index.js");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(
        &index,
        text.replace(
            "  const enterpriseModule = require('@ee/auth');\n",
            "  const enterpriseModule = auth;\n",
        )
        .replace(
            "exports.fakeUser",
            "const auth = require('@ee/auth');\nexports.fakeUser",
        ),
    )
    .unwrap();
    let stderr = run(2);
    assert!(
        stderr.contains("libs/testing/index.js:1: '@ee/auth' reaches `@ee/auth`"),
        "{stderr}"
    );
    assert!(!stderr.contains("not an error for `api`"), "{stderr}");
}

/// unkey's `internal/api` has `"prepare": "tsc"`: `pnpm rebuild --recursive` in the deps
/// stage runs a selected workspace package's own lifecycle scripts, where only its manifest
/// is, so tsc printed its help and the build stopped. pnpm10-locked's `packages/core` has
/// `"prepare": "node build.js"` (build.js is not in the deps stage): its manifest is set aside
/// without `prepare` for the rebuild and put back before the builder copies it; the service,
/// which has no lifecycle script, is left alone. The builder still runs `build`.
#[test]
fn a_workspace_packages_prepare_script_does_not_run_in_the_deps_stage() {
    let ws = crate::fixture_copy::copy("pnpm10-locked", false);
    let (stdout, _) = dry_run(ws.path());
    assert!(
        stdout.contains("    cp packages/core/package.json packages/core/package.json.isogen && (cd packages/core && npm pkg delete --workspaces=false scripts.prepare) \\\n && pnpm rebuild --pending --recursive --store-dir /pnpm/store --filter @locked/api... \\\n && mv packages/core/package.json.isogen packages/core/package.json\n"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("services/api/package.json.isogen"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "RUN pnpm --config.verify-deps-before-run=false --filter @locked/core run build"
        ),
        "{stdout}"
    );
}

/// trigger.dev: the webapp depends on `@internal/dashboard-agent`, which develops with the
/// workspace's CLI (`"trigger.dev": "workspace:*"` in its devDependencies, for `trigger dev`).
/// generate warned twice that the CLI's `dotEnv.ts` loads an env file in the webapp's image,
/// though nothing the webapp runs loads the CLI. A dotenv call in the agent itself still is one.
#[test]
fn a_dotenv_call_in_a_dev_dependency_of_an_internal_package_is_not_a_run_time_warning() {
    let dir = tempfile::tempdir().unwrap();
    let link = |name: &str, to: &str| {
        format!("      '{name}':\n        specifier: workspace:*\n        version: link:{to}\n")
    };
    let lock = format!(
        "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {{}}\n\n  apps/web:\n    dependencies:\n{}\n  packages/agent:\n    devDependencies:\n{}\n  packages/cli: {{}}\n",
        link("@t/agent", "../../packages/agent"),
        link("@t/cli", "../cli"),
    );
    let files = [
        ("package.json", r#"{"name":"root","private":true,"packageManager":"pnpm@10.33.2"}"#.to_string()),
        ("pnpm-workspace.yaml", "packages:\n  - apps/*\n  - packages/*\n".to_string()),
        ("pnpm-lock.yaml", lock),
        (
            "apps/web/package.json",
            r#"{"name":"web","version":"1.0.0","scripts":{"start":"node server.js"},"dependencies":{"@t/agent":"workspace:*"}}"#.to_string(),
        ),
        (
            "apps/web/server.js",
            "require('@t/agent');\nrequire('node:http').createServer().listen(3000);\n".to_string(),
        ),
        (
            "packages/agent/package.json",
            r#"{"name":"@t/agent","version":"1.0.0","main":"index.js","scripts":{"dev":"trigger dev"},"devDependencies":{"@t/cli":"workspace:*"}}"#.to_string(),
        ),
        ("packages/agent/index.js", "module.exports = {};\n".to_string()),
        (
            "packages/cli/package.json",
            r#"{"name":"@t/cli","version":"1.0.0","main":"dotEnv.js","bin":{"trigger":"dotEnv.js"}}"#.to_string(),
        ),
        (
            "packages/cli/dotEnv.js",
            "const { config } = require('dotenv');\nconfig({ path: process.env.ENV_FILE });\n".to_string(),
        ),
    ];
    for (path, text) in &files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (stdout, stderr) = dry_run(dir.path());
    assert!(stdout.contains("apps/web/Dockerfile"), "{stdout}");
    assert!(!stderr.contains("dotenv"), "{stderr}");
    std::fs::write(
        dir.path().join("packages/agent/index.js"),
        "require('dotenv').config();\nmodule.exports = {};\n",
    )
    .unwrap();
    let (_, stderr) = dry_run(dir.path());
    assert!(
        stderr.contains("warning: packages/agent/index.js:1: dotenv's `config()` loads"),
        "{stderr}"
    );
}

/// unkey's portal (TanStack Start on Nitro): `vite build` writes `.output/server/index.mjs`,
/// a server bundle with the workspace packages it imports inlined, TypeScript entries
/// included. The image ships `.output` and runs it; no "TypeScript that nothing builds"
/// warning for `@nt/db` and `@nt/hash` (the same packages under a plain `node dist/main.js`
/// service get it).
#[test]
fn a_nitro_server_output_bundles_the_typescript_packages_it_imports() {
    let ws = crate::fixture_copy::copy("pnpm9-nitro-app", false);
    let (stdout, stderr) = dry_run(ws.path());
    assert!(
        stdout.contains("COPY --from=builder /app/apps/portal/.output .output"),
        "{stdout}"
    );
    assert!(
        stdout.contains("CMD [\"node\", \"/app/apps/portal/.output/server/index.mjs\"]"),
        "{stdout}"
    );
    assert!(
        !stderr.contains("TypeScript that nothing builds"),
        "{stderr}"
    );
    let manifest = ws.path().join("apps/portal/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("node .output/server/index.mjs", "node dist/main.js"),
    )
    .unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains("uses 2 internal packages whose entry is TypeScript that nothing builds"),
        "{stderr}"
    );
}

/// wundergraph/cosmo (pnpm 8, lockfile v6): the root package.json pins
/// `packageManager: pnpm@8.7.0` and says `engines.pnpm: "9"`; pnpm refuses to install when its
/// own version is outside `engines.pnpm`, so the image build stopped at the deps stage with
/// ERR_PNPM_UNSUPPORTED_ENGINE. generate and `--check` refuse first, naming the two fields and
/// the lockfile's pnpm, and write nothing; once they agree the service is generated.
#[test]
fn a_package_manager_outside_engines_pnpm_is_refused() {
    let ws = crate::fixture_copy::copy("pnpm8-engines-pnpm", false);
    for args in [&["generate"][..], &["generate", "--check"]] {
        let out = isogen().args(args).arg(ws.path()).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        for part in [
            "package.json: `packageManager: \"pnpm@8.7.0\"`: `engines.pnpm` (\"9\") of the root package.json does not admit pnpm 8.7.0",
            "ERR_PNPM_UNSUPPORTED_ENGINE",
            "pnpm-lock.yaml is lockfile v6.0, which pnpm 8 writes",
            "change `packageManager` or `engines.pnpm`",
        ] {
            assert!(stderr.contains(part), "{part:?} not in {stderr}");
        }
    }
    assert!(!ws.path().join("controlplane/Dockerfile").exists());

    // Set in isogen.toml instead, the version is the config's to fix.
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.node]\npnpm_version = \"8.15.9\"\n",
    )
    .unwrap();
    let out = isogen().arg("generate").arg(ws.path()).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("isogen.toml")
            && stderr.contains("[generate.node] pnpm_version = \"8.15.9\": `engines.pnpm` (\"9\")"),
        "{stderr}"
    );
    std::fs::remove_file(ws.path().join("isogen.toml")).unwrap();

    let manifest = ws.path().join("package.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("\"pnpm\": \"9\"", "\"pnpm\": \"8\""),
    )
    .unwrap();
    let (stdout, _) = dry_run(ws.path());
    assert!(stdout.contains("RUN npm install -g pnpm@8.7.0"), "{stdout}");
}

/// makeplane/plane: `.npmrc` has `public-hoist-pattern[] = typescript`, and `typescript`, a
/// devDependency, resolves an optional peer of a production dependency. The runtime-deps stage
/// removed its `node_modules/.pnpm` folder, but the hoisted link `/app/node_modules/typescript`
/// and the shims `/app/node_modules/.bin/tsc` stayed, pointing at nothing, and verify failed
/// the image (`toolchain`: typescript is in the image). The stage's own command, run on that
/// layout, leaves no link or shim of the removed package anywhere under node_modules.
#[test]
fn removed_dev_peers_leave_no_publicly_hoisted_link_or_shim() {
    let ws = crate::fixture_copy::copy("pnpm10-hoisted-dev-peer", false);
    let (stdout, _) = dry_run(ws.path());
    let start = stdout
        .find("RUN cd /app/node_modules/.pnpm")
        .expect(&stdout);
    let lines: Vec<&str> = stdout[start..].lines().collect();
    let end = lines.iter().position(|l| !l.ends_with('\\')).unwrap();
    let root = tempfile::tempdir().unwrap();
    let r = root.path().to_str().unwrap();
    let script = lines[..=end]
        .join("\n")
        .trim_start_matches("RUN ")
        .replace("/tmp/isogen-dev-peers", &format!("{r}/isogen-dev-peers"))
        .replace("/app/", &format!("{r}/app/"));

    // The layout `pnpm install --prod` leaves, as in plane's image.
    let nm = root.path().join("app/node_modules");
    let ts = nm.join(".pnpm/typescript@5.8.3/node_modules/typescript");
    let abitype = nm.join(".pnpm/abitype@1.0.8_typescript@5.8.3/node_modules");
    for dir in [&ts, &abitype.join("abitype"), &nm.join(".bin")] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(ts.join("package.json"), "{}").unwrap();
    std::fs::write(abitype.join("abitype/package.json"), "{}").unwrap();
    let link = std::os::unix::fs::symlink;
    link(
        "../../typescript@5.8.3/node_modules/typescript",
        abitype.join("typescript"),
    )
    .unwrap();
    link(
        ".pnpm/typescript@5.8.3/node_modules/typescript",
        nm.join("typescript"),
    )
    .unwrap();
    let shim = format!(
        "#!/bin/sh\nexec node \"{}/app/node_modules/.pnpm/typescript@5.8.3/node_modules/typescript/bin/tsc\" \"$@\"\n",
        r
    );
    std::fs::write(nm.join(".bin/tsc"), shim).unwrap();

    let status = std::process::Command::new("sh")
        .args(["-c", &script])
        .status()
        .unwrap();
    assert!(status.success(), "{script}");
    let left = |p: &std::path::Path| p.symlink_metadata().is_ok();
    assert!(!left(&ts), "the peer's folder");
    assert!(!left(&abitype.join("typescript")), "its link in .pnpm");
    assert!(!left(&nm.join("typescript")), "the publicly hoisted link");
    assert!(!left(&nm.join(".bin/tsc")), "the root's .bin shim");
    assert!(
        left(&abitype.join("abitype/package.json")),
        "what production needs"
    );
}

/// openpanel's api ships `undici@8.10.0`, whose `engines.node` in pnpm-lock.yaml is
/// `>=22.19.0`, and nothing in the workspace named a Node version: the images were Node 20
/// (isogen's default until r19) without a word. On isogen's default (26, the Active LTS) it
/// runs, and nothing is said; once the workspace names Node 20 (`.nvmrc`), generate names the
/// package and the fix. The other service ships no such package.
#[test]
fn production_dependencies_that_need_a_newer_node_are_named() {
    let ws = crate::fixture_copy::copy("pnpm10-type-import", false);
    let (stdout, stderr) = dry_run(ws.path());
    assert!(stdout.contains("node:26-bookworm-slim"), "{stdout}");
    assert!(!stderr.contains("its images run Node"), "{stderr}");
    std::fs::write(ws.path().join(".nvmrc"), "20\n").unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains("warning: api: its images run Node 20 (.nvmrc (20)), which production dependencies it ships do not run on, as pnpm-lock.yaml records their engines: undici@8.10.0 (engines.node \">=22.19.0\"); the service may fail at start: name Node 22 (engines.node of the root package.json, .nvmrc, or [generate.node] version in isogen.toml)"),
        "{stderr}"
    );
    assert!(!stderr.contains("start: its images run"), "{stderr}");
}

/// pnpm9-runfiles and pnpm9-prisma-cli (Node `^20.19.0`) ship the Prisma 7.10 CLI, whose
/// engines.node (`^20.19 || ^22.12 || >=24.0`) allows Node 20; below it `@prisma/dev`'s
/// `@prisma/streams-local` says `>=22.0.0`, and is loaded only by `prisma dev`. The services
/// build, start and verify on Node 20 (tests/it/buildah/node.rs): no warning.
#[test]
fn engines_below_a_package_that_allows_the_node_are_not_named() {
    for fixture in ["pnpm9-runfiles", "pnpm9-prisma-cli"] {
        let ws = crate::fixture_copy::copy(fixture, false);
        let (stdout, stderr) = dry_run(ws.path());
        assert!(
            stdout.contains("node:20-bookworm-slim"),
            "{fixture}: {stdout}"
        );
        assert!(
            !stderr.contains("its images run Node"),
            "{fixture}: {stderr}"
        );
    }
}

/// Openpanel-dev/openpanel's api: `@openpanel/db` installs the Prisma CLI as a devDependency
/// (as Prisma's docs say to) and `@prisma/client` as a dependency. The Dockerfile runs
/// `prisma generate`, and now also declares the query engine's build arguments with the
/// comment that names them (they were missing: only a production `prisma` was looked up, so
/// a build without binaries.prisma.sh had no way to give the engine). A codegen script beside
/// the service (`scripts/get-bots.ts`, run by hand with `pnpm gen:bots`) that writes next to
/// itself is not run-time code: no EACCES warning, until the service's own code does it.
/// `@openpanel/db`'s `codegen` runs `prisma generate && jiti prisma/prisma-json-types.ts`, which
/// types the client's Json fields; the worker's build (`tsc` of `@openpanel/importer`) failed
/// with TS2322 when only `prisma generate` ran. The build runs the script.
#[test]
fn a_dev_dependency_prisma_gets_the_engine_arguments_and_a_codegen_script_is_not_run_time() {
    let ws = crate::fixture_copy::copy("pnpm10-openpanel-api", false);
    let (stdout, stderr) = dry_run(ws.path());
    assert!(
        stdout.contains("# Prisma 5.11.0 (`@op/db`) also needs its Rust query engine"),
        "{stdout}"
    );
    assert!(
        stdout.contains("all_commits/efd2449663b3d73d637ea1fd226bafbcf45b3102/"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nARG PRISMA_QUERY_ENGINE_LIBRARY\n"),
        "{stdout}"
    );
    // Its `codegen` script finishes the client after `prisma generate`: the build runs it.
    assert!(
        stdout
            .contains("RUN pnpm --config.verify-deps-before-run=false --filter @op/db run codegen"),
        "{stdout}"
    );
    assert!(!stderr.contains("writes at run time"), "{stderr}");
    // Prisma 5's engine links libssl.so.3, which node:*-bookworm-slim lacks: the runtime image
    // gets libssl3's files from a stage of their own (the client failed at its first query).
    assert!(
        stdout.contains("\n && apt-get download libssl3 \\\n")
            && stdout.contains("# Added by isogen: libssl3: the Prisma query engine of `@op/db` (Prisma 5.11.0) links libssl.so.3")
            && stdout.contains("\nCOPY --from=runtime-packages /tmp/root/ /\n"),
        "{stdout}"
    );

    // The same write in a module the server imports is named.
    let index = ws.path().join("apps/api/src/index.js");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, format!("import '../scripts/get-bots.js';\n{text}")).unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains("warning: api: its code writes at run time under its working folder (/app/apps/api in the image) or next to its compiled modules")
            && stderr.contains("apps/api/scripts/get-bots.js:13"),
        "{stderr}"
    );
}

/// karakeep's workers (pnpm 11, `nodeLinker: hoisted`, `.nvmrc` 24): `start` runs `tsx watch
/// index.ts`, `start:prod` `tsx index.ts`, no `dev`, and `tsdown` builds two entries. The
/// refusal said "set `entry`" without the file; it names `dist/index.js` now, from the tsdown
/// entry the start script runs. With it set, the image's Node 24 was said not to run
/// `@img/sharp-win32-ia32@0.35.3` (`engines.node ^20.9.0`), a Windows package pnpm never
/// installs on Linux: no warning now; nor a note naming an empty `allowBuilds` (`sharp: false`).
#[test]
fn a_tsx_started_worker_gets_its_tsdown_entry_and_windows_engines_are_not_named() {
    let ws = crate::fixture_copy::copy("pnpm11-tsdown-workers", false);
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(
        stderr.contains("the service `workers` has no production start command: its `start` script runs the development command `tsx`, and no `start:prod`, `start:production`, `prod` or `serve` script runs `node <file>`; set `entry = \"dist/index.js\"` in [generate.services.workers] (the file its build writes: tsdown, tsdown.config.ts: format esm, entry index.ts)"),
        "{stderr}"
    );
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.workers]\nentry = \"dist/index.js\"\n",
    )
    .unwrap();
    let (stdout, stderr) = dry_run(ws.path());
    assert!(
        stdout.contains("CMD [\"node\", \"/app/apps/workers/dist/index.js\"]"),
        "{stdout}"
    );
    assert!(stdout.contains("node:24-bookworm-slim"), "{stdout}");
    assert!(!stderr.contains("its images run Node"), "{stderr}");
    assert!(!stderr.contains("`allowBuilds: `"), "{stderr}");
}

/// refly's api and sandbox-agent (pnpm 10). The api's `build` runs `node scripts/build.js`,
/// which runs tsc and writes templates next to itself: build-time code, yet it was named as
/// the service writing at run time (EACCES). Its `start` preloads `./dist/scripts/preload.js`,
/// which tsc writes from `src/scripts/preload.ts`: it was "not in the package". The
/// sandbox-agent's tsconfig sets `"rootDir": "./"`, so tsc writes `dist/src/index.js` while
/// `start` runs `dist/index.js`: a true refusal, whose message said "sets `outDir` and no
/// `rootDir`" and named an empty list of files to exclude.
#[test]
fn a_build_program_is_not_run_time_code_and_an_explicit_root_dir_is_named() {
    let ws = crate::fixture_copy::copy("pnpm10-tsc-build-script", false);
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(
        stderr.contains("packages/sandbox-agent/tsconfig.json: the service `sandbox-agent` starts `dist/index.js` (its `start` script), but its `build` script compiles with tsconfig.json, whose `rootDir` is the package folder, so tsc writes `src/` under `dist/` and the entry as `dist/src/index.js` (not `dist/index.js`): the image would stop at start with MODULE_NOT_FOUND; fix one of: set `\"rootDir\": \"src\"` in tsconfig.json, or start `node dist/src/index.js`, or set `entry = \"dist/src/index.js\"` in [generate.services.sandbox-agent] of isogen.toml"),
        "{stderr}"
    );
    assert!(!stderr.contains("writes at run time"), "{stderr}");
    assert!(!stderr.contains("preloads"), "{stderr}");

    // A preload neither in the package nor under its build output is still named.
    let manifest = ws.path().join("apps/api/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("./dist/scripts/preload.js", "./lib/preload.js"),
    )
    .unwrap();
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(
        stderr.contains(
            "the `start` script preloads `./lib/preload.js`, which is not in the package"
        ),
        "{stderr}"
    );
}

/// `list` of the workspace at `ws`.
fn list(ws: &std::path::Path) -> String {
    let out = isogen().arg("list").arg(ws).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// tests/fixtures/pnpm10-cap-shapes, shaped like CapSoftware/Cap: `apps/desktop` is a Tauri
/// app's front end (`@tauri-apps/api`, `build: vinxi build`, a `dev` that runs `node
/// ../../scripts/local-cargo.mjs`) and `apps/discord-bot` a Cloudflare Worker (`start:
/// wrangler dev`). Both were services that generate refused for having no entry, failing the
/// run; neither runs on Node in a container. A Node server that also has a Worker adapter
/// (`examples/adapters-server`) is not called a Worker. `list` says what each is, and generate writes
/// the one real service's Dockerfile and nothing for them.
#[test]
fn a_tauri_front_end_and_a_cloudflare_worker_are_not_services() {
    let ws = crate::fixture_copy::copy("pnpm10-cap-shapes", false);
    let text = list(ws.path());
    let row = |name: &str| {
        (text.lines())
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{text}"))
            .to_string()
    };
    let desktop = row("@cap/desktop");
    assert!(
        desktop.starts_with("not a service")
            && desktop
                .contains("a Tauri desktop app's front end (it depends on `@tauri-apps/api`)"),
        "{desktop}"
    );
    let bot = row("@cap/discord-bot");
    assert!(
        bot.starts_with("not a service")
            && bot.contains("a Cloudflare Worker (its `start` script runs `wrangler dev`)"),
        "{bot}"
    );
    assert!(row("@cap/web").starts_with("service"), "{text}");
    // uploadthing's backend-adapters server: `dev:cf: wrangler dev` beside `dev:hono: tsx
    // watch src/hono.ts` and `build: tsc` is a Node server with a Worker adapter, no Worker.
    let adapters = row("@example/adapters-server");
    assert!(
        adapters.starts_with("not a service") && !adapters.contains("Cloudflare"),
        "{adapters}"
    );
    isogen().arg("generate").arg(ws.path()).assert().success();
    assert!(ws.path().join("apps/web/Dockerfile").exists());
    assert!(!ws.path().join("apps/desktop/Dockerfile").exists());
    assert!(!ws.path().join("apps/discord-bot/Dockerfile").exists());
}

/// Cap's internal packages build with tsdown, whose `tsdown.config.ts` imports `tsdown`, a
/// devDependency of the root only: the build has it, and the service never loads the config.
/// generate warned that the service would throw MODULE_NOT_FOUND, once per package. The same
/// import from a file the service loads is still named.
#[test]
fn a_build_tools_config_importing_a_root_dev_dependency_is_no_run_time_warning() {
    let ws = crate::fixture_copy::copy("pnpm10-cap-shapes", false);
    let (_, stderr) = dry_run(ws.path());
    assert!(!stderr.contains("imports `tsdown`"), "{stderr}");
    std::fs::write(
        ws.path().join("packages/utils/src/index.ts"),
        "import { build } from \"tsdown\";\nexport const greeting = () => String(build);\n",
    )
    .unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains("warning: packages/utils/src/index.ts:1: imports `tsdown`, which packages/utils/package.json does not declare; only the root package.json declares it, in devDependencies"),
        "{stderr}"
    );
}

/// Cap's web app ships sharp, whose optional `@img/sharp-win32-ia32` records engines.node
/// `^20.9.0`: the images run Node 24, now 26 (`>=20`), and generate warned that the service may fail
/// at start, suggesting Node 20, for a Windows package that is never installed in a Linux
/// image. A package for another platform is not read; a Linux one the service depends on still is.
#[test]
fn the_engines_of_packages_for_another_platform_are_not_read() {
    let ws = crate::fixture_copy::copy("pnpm10-cap-shapes", false);
    let (stdout, stderr) = dry_run(ws.path());
    assert!(
        stdout.contains("# Node 26: engines.node \">=20\""),
        "{stdout}"
    );
    assert!(!stderr.contains("do not run on"), "{stderr}");
    let lock = ws.path().join("pnpm-lock.yaml");
    // (sharp itself, a dependency the service declares; its Linux binary below it is sharp's
    // business: an optional dependency pnpm skips where it does not fit.)
    let text = std::fs::read_to_string(&lock).unwrap().replace(
        "engines: {node: ^20.9.0 || >=22.0.0}\n\n  tsdown",
        "engines: {node: ^20.9.0}\n\n  tsdown",
    );
    std::fs::write(&lock, text).unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains(
            "as pnpm-lock.yaml records their engines: sharp@0.35.3 (engines.node \"^20.9.0\")"
        ),
        "{stderr}"
    );
}

/// tests/fixtures/pnpm9-tsx-workers, shaped like karakeep's `apps/workers`: `start: tsx watch
/// index.ts`, `start:prod: tsx index.ts` (TypeScript run by tsx in production) and `build:
/// tsdown` with a `tsdown.config.ts` (format esm, outDir dist, a `"type": "module"` package).
/// The refusal said to set `entry` to "the built file" without naming it, though the build's
/// config says it; it names `dist/index.js`, and with that entry generate writes the image.
#[test]
fn a_service_started_by_tsx_is_refused_with_the_file_its_build_writes() {
    let ws = crate::fixture_copy::copy("pnpm9-tsx-workers", false);
    let out = isogen()
        .args(["generate", "--dry-run"])
        .arg(ws.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("the service `workers` has no production start command: its `start` script runs the development command `tsx`")
            && stderr.contains("set `entry = \"dist/index.js\"` in [generate.services.workers] (the file its build writes: tsdown, tsdown.config.ts: format esm, entry index.ts)"),
        "{stderr}"
    );
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.workers]\nentry = \"dist/index.js\"\n",
    )
    .unwrap();
    let (stdout, _) = dry_run(ws.path());
    assert!(
        stdout.contains("CMD [\"node\", \"/app/apps/workers/dist/index.js\"]"),
        "{stdout}"
    );
}

/// karakeep's workers (before they declared `better-sqlite3`): tsdown leaves a native addon
/// external (`external: [...]`) that only the internal package it inlines (`noExternal`)
/// declares; the image built, then stopped at start with ERR_MODULE_NOT_FOUND. Here with tsup
/// and `sharp`; generate refuses it before any build, naming the config, the package, the
/// file importing it and the dependency to add.
#[test]
fn a_package_the_bundle_leaves_external_must_be_declared_by_the_service() {
    let ws = crate::fixture_copy::copy("pnpm10-tsup-external", false);
    let (stdout, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("apps/worker/tsup.config.ts: tsup bundles service `worker` but leaves `sharp` to Node at run time (its `external` list names it), and apps/worker/package.json does not declare it in dependencies: packages/db/src/index.ts:1 imports it; `@bx/db` declares it, but the bundle inlines that code into apps/worker/dist, where Node looks only in the service's node_modules; the image installs only what the service declares, so it would stop at start with ERR_MODULE_NOT_FOUND; add \"sharp\": \"0.34.5\" to the dependencies of apps/worker/package.json"),
        "{stderr}"
    );

    // tsup's `skipNodeModulesBundle` leaves every package external: the same refusal.
    let config = ws.path().join("apps/worker/tsup.config.ts");
    let text = std::fs::read_to_string(&config).unwrap();
    let skip = text.replace("external: [\"sharp\"],", "skipNodeModulesBundle: true,");
    std::fs::write(&config, &skip).unwrap();
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(
        stderr.contains("leaves `sharp` to Node at run time (`skipNodeModulesBundle: true` leaves every package external)"),
        "{stderr}"
    );

    // Without `external`, tsup bundles `sharp` (the service does not declare it): nothing left
    // to Node, nothing refused.
    std::fs::write(&config, text.replace("external: [\"sharp\"],", "")).unwrap();
    let (stdout, stderr) = dry_run(ws.path());
    assert!(stdout.contains("apps/worker/Dockerfile"), "{stdout}");
    assert!(!stderr.contains("to Node at run time"), "{stderr}");
}

/// refly's `packages/openapi-schema/scripts/generate-docs.ts`: a script run by hand
/// (`generate:docs`), outside the tsconfig's `include: ["src/**/*"]`, imports another package
/// by relative path. Neither the build nor the service reads it: a warning, not a refusal.
/// Once the build compiles it (`include`), or a compiled file imports it, it is refused again.
#[test]
fn an_import_in_a_file_nothing_reads_is_only_a_warning() {
    let ws = crate::fixture_copy::copy("pnpm10-unread-script", false);
    let (stdout, stderr) = dry_run(ws.path());
    assert!(stdout.contains("apps/api/Dockerfile"), "{stdout}");
    assert!(
        stderr.contains("warning: packages/schema/scripts/generate-docs.ts:3: '../../i18n/src/en' reaches `@ru/i18n` (packages/i18n), which packages/schema/package.json does not declare; add \"@ru/i18n\": \"workspace:*\" to its dependencies and import it by its name; not an error for `api`: neither the build nor the service reads packages/schema/scripts/generate-docs.ts (packages/schema/tsconfig.json does not compile it; no build, install or start script runs it; nothing they read imports it): only a script run by hand does"),
        "{stderr}"
    );

    let refused = "error: service `api` imports code its image's build does not have (1 import):\n  packages/schema/scripts/generate-docs.ts:3: '../../i18n/src/en' reaches `@ru/i18n`";
    let tsconfig = ws.path().join("packages/schema/tsconfig.json");
    let text = std::fs::read_to_string(&tsconfig).unwrap();
    let wider = text.replace(r#"["src/**/*"]"#, r#"["src/**/*", "scripts"]"#);
    std::fs::write(&tsconfig, wider).unwrap();
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(stderr.contains(refused), "{stderr}");

    std::fs::write(&tsconfig, text).unwrap();
    let index = ws.path().join("packages/schema/src/index.ts");
    std::fs::write(
        &index,
        "export const schemaVersion = \"1.4.0\";\nexport const docs = () => import(\"../scripts/generate-docs\");\n",
    )
    .unwrap();
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(stderr.contains(refused), "{stderr}");
}

/// refly's sandbox-agent: an entry that only re-exports, one module calling `dotenv.config()`
/// at load, nothing that keeps Node running: a warning naming the entry; its sibling `api`,
/// whose entry is `export * from './server'` and whose server listens, gets none.
#[test]
fn an_entry_whose_graph_starts_nothing_is_named() {
    let ws = crate::fixture_copy::copy("pnpm10-idle-entry", false);
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains(
            "the service `sandbox-agent` runs `dist/src/index.js`, built from \
             `apps/sandbox-agent/src/index.ts`, but nothing in it or the 3 modules it imports \
             starts what keeps Node running"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("the service `api` runs"), "{stderr}");
    assert!(
        stderr.contains("set `kind = \"job\"` in [generate.services.sandbox-agent] to say so"),
        "{stderr}"
    );
}

/// A one-shot job (a migration, a cron task) prints and exits by design: `kind = "job"` in
/// its section of isogen.toml says so and the idle warning goes; another value is refused
/// naming the file; an entry that runs nothing at all is refused, job or not.
#[test]
fn a_service_declared_a_job_is_not_warned_that_it_exits() {
    let ws = crate::fixture_copy::copy("pnpm10-idle-entry", false);
    let config = ws.path().join("isogen.toml");
    std::fs::write(
        &config,
        "[generate.services.sandbox-agent]\nkind = \"job\"\n",
    )
    .unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(
        !stderr.contains("the service `sandbox-agent` runs"),
        "{stderr}"
    );

    std::fs::write(
        &config,
        "[generate.services.sandbox-agent]\nkind = \"cronjob\"\n",
    )
    .unwrap();
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(
        stderr.contains("isogen.toml:2:8: unknown variant `cronjob`, expected `server` or `job`"),
        "{stderr}"
    );

    std::fs::write(
        &config,
        "[generate.services.sandbox-agent]\nkind = \"job\"\n",
    )
    .unwrap();
    let config_ts = ws.path().join("apps/sandbox-agent/src/config.ts");
    std::fs::write(
        &config_ts,
        "export const config = { workdir: '/tmp/sandbox' };\n",
    )
    .unwrap();
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(
        stderr.contains("only declare and export: run as the CMD, Node loads them and exits 0"),
        "{stderr}"
    );
}

/// Services that start what keeps Node running in each way real entries do, and entries whose
/// effect isogen cannot read: none is refused or warned about. An entry of declarations only
/// is refused, with or without a preload that starts nothing, and one whose `start` script
/// hands it to a launcher (`fastify start app.js`) says so and names `cmd`. A bundle whose
/// build names another source than the entry's name gives (`esbuild src/server.ts
/// --outfile=dist/index.js`) is not judged from `src/index.ts`.
#[test]
fn entries_that_start_a_server_in_any_shape_are_not_called_idle() {
    const FILES: &[(&str, &str)] = &[
        ("tla/main.mjs", "const app = await import('./app.mjs');\nexport default app;\n"),
        ("tla/app.mjs", "export const app = {};\n"),
        ("cjs-require/index.js", "require('./server');\n"),
        ("cjs-require/server.js", "require('http').createServer().listen(3000);\n"),
        ("side-import/index.mjs", "import './server.mjs';\n"),
        ("side-import/server.mjs", "import { createServer } from 'node:http';\ncreateServer().listen(3000);\n"),
        ("cjs-exports/index.js", "const app = require('express')();\nmodule.exports = app;\napp.listen(3000);\n"),
        ("iife/index.js", "(async () => {\n  const { app } = require('./app');\n  app.listen(3000);\n})();\n"),
        ("iife/app.js", "exports.app = require('express')();\n"),
        ("main-fn/index.js", "async function main() {\n  require('./s').go();\n}\nmain();\n"),
        ("main-fn/s.js", "exports.go = () => {};\n"),
        ("ipc/index.js", "process.on('message', (m) => console.log(m));\n"),
        ("static-block/index.js", "class App {\n  static {\n    require('http').createServer().listen(3000);\n  }\n}\nmodule.exports = App;\n"),
        ("npm-side/index.js", "require('verdaccio/build/start');\n"),
        ("computed/index.js", "module.exports = require(require('path').join(__dirname, 'server'));\n"),
        ("preloaded/index.mjs", "export const x = 1;\n"),
        ("preloaded/instrument.mjs", "export {};\n"),
        ("stub/index.js", "module.exports = {};\n"),
        ("stub-dotenv/index.js", "module.exports = {};\n"),
        ("launched/app.js", "module.exports = async function (fastify) {};\n"),
        ("bundled/src/index.ts", "export * from './server';\n"),
        ("bundled/src/server.ts", "export const x = 1;\n"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "package.json",
        r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
    );
    write("pnpm-workspace.yaml", "packages:\n  - apps/*\n");
    write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
    for (path, text) in FILES {
        write(&format!("apps/{path}"), text);
        let (name, file) = path.split_once('/').unwrap();
        let start = match name {
            "preloaded" => "node --import ./instrument.mjs index.mjs".to_string(),
            "stub-dotenv" => "node -r dotenv/config index.js".to_string(),
            "launched" => "fastify start -l info app.js".to_string(),
            "bundled" if file == "src/index.ts" => "node dist/index.js\",\"build\":\"esbuild src/server.ts --bundle --outfile=dist/index.js".to_string(),
            _ if file.starts_with("index.") || file == "main.mjs" => format!("node {file}"),
            _ => continue,
        };
        let main = if name == "launched" {
            r#""main":"app.js","#
        } else {
            ""
        };
        let manifest = format!(
            r#"{{"name":"{name}","version":"1.0.0",{main}"scripts":{{"start":"{start}"}}}}"#
        );
        write(&format!("apps/{name}/package.json"), &manifest);
    }
    let (code, stderr) = {
        let out = isogen()
            .args(["generate", "--dry-run", "--keep-going"])
            .arg(dir.path())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    assert_eq!(code, Some(2), "{stderr}");
    let named: Vec<&str> = (stderr.lines()).filter(|l| l.contains(" runs `")).collect();
    assert_eq!(named.len(), 3, "{stderr}");
    for service in ["stub", "stub-dotenv", "launched"] {
        assert!(
            named.iter().any(|l| l.starts_with("error: ")
                && l.contains(&format!("the service `{service}` runs"))),
            "{stderr}"
        );
    }
    assert!(
        stderr.contains("its `start` script runs `fastify start -l info app.js`, which loads `app.js` itself: set `cmd`"),
        "{stderr}"
    );
}

/// tests/fixtures/pnpm11-payload-templates, shaped like payloadcms/payload (pnpm 11.9, Next.js
/// templates in the workspace). Its real lockfile holds `libc: glibc` as a string (pnpm copies
/// sass-embedded's `"libc": "glibc"` as the manifest has it), which the lockfile reader took
/// for a list only: `isogen list` stopped at once with `pnpm-lock.yaml:528:11: expected
/// sequence start`, before any output.
#[test]
fn a_lockfile_platform_field_written_as_one_name_is_read() {
    let ws = crate::fixture_copy::copy("pnpm11-payload-templates", false);
    let text = list(ws.path());
    let row = (text.lines())
        .find(|l| l.contains("templates/website"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains("`next start`"), "{row}");
}

/// payload's `packages/richtext-lexical/tsconfig.json` names `../next` in `references` without
/// declaring `@payloadcms/next`, which the template depends on itself: its build has the
/// folder, yet every template was refused ("the image's build does not have it"). A warning
/// now; a referenced package the service's build really lacks is still refused.
#[test]
fn a_tsconfig_reference_the_services_build_has_anyway_is_a_warning() {
    let ws = crate::fixture_copy::copy("pnpm11-payload-templates", false);
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.website]\nassets = [\"redirects.ts\"]\n",
    )
    .unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains("warning: packages/richtext/tsconfig.json: `references` names \"../next-adapter\", the package `@cms/next-adapter`, which packages/richtext/package.json does not declare; not an error for `website`: its build has `@cms/next-adapter` all the same"),
        "{stderr}"
    );

    let tsconfig = ws.path().join("packages/richtext/tsconfig.json");
    let text = std::fs::read_to_string(&tsconfig).unwrap();
    std::fs::write(&tsconfig, text.replace("../next-adapter", "../search")).unwrap();
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(
        stderr.contains("packages/richtext/tsconfig.json: `references` names \"../search\", the package `@cms/search`, which packages/richtext/package.json does not declare, so the image's build does not have it"),
        "{stderr}"
    );
}

/// payload's website template: `next.config.ts` imports `./redirects` (redirects.ts), which
/// `next start` compiles with the config (Next's require hook loads `.ts`). The refusal asked
/// for "the file (as JavaScript node can load)" in `assets`, and `assets = ["redirects.ts"]`
/// was refused all the same (the extensionless import matched no asset). It names the file
/// now, accepts it, and the image carries the start script's `cross-env NODE_OPTIONS=...`.
#[test]
fn a_typescript_file_a_next_config_ts_imports_ships_as_an_asset() {
    let ws = crate::fixture_copy::copy("pnpm11-payload-templates", false);
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(
        stderr.contains("templates/website/next.config.ts:4: imports `./redirects`, which `next start` loads with the config when the server starts, but the image ships only .next, public, next.config.ts of the app: add \"redirects.ts\" to `assets` in [generate.services.website] of isogen.toml"),
        "{stderr}"
    );

    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.website]\nassets = [\"redirects.ts\"]\n",
    )
    .unwrap();
    let (stdout, stderr) = dry_run(ws.path());
    assert!(!stderr.contains("./redirects"), "{stderr}");
    assert!(
        stdout.contains(
            "COPY --from=builder /app/templates/website/redirects.ts /app/templates/website/redirects.ts\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("ENV NODE_OPTIONS=\"--no-deprecation\"\n"),
        "{stdout}"
    );
}

/// Next.js 15 loads a `next.config.ts` through the `typescript` package under `next start`
/// too, and tries to `npm install` it when the image's production install left it out (a
/// devDependency): the server stopped at once with "Failed to load next.config.ts" (seen on
/// pnpm11-payload-templates' website on Next 15.5, built with buildah). Refused with the
/// fixes; the same app on `output: "standalone"` or a JavaScript config is not.
#[test]
fn a_next_15_typescript_config_under_next_start_needs_typescript_at_run_time() {
    let ws = crate::fixture_copy::copy("pnpm9-next-ts", false);
    let web = ws.path().join("apps/web");
    let config = std::fs::read_to_string(web.join("next.config.mjs")).unwrap();
    let started = config.replace("output: \"standalone\",", "");
    std::fs::write(web.join("next.config.mjs"), &started).unwrap();
    dry_run(ws.path());

    std::fs::remove_file(web.join("next.config.mjs")).unwrap();
    std::fs::write(web.join("next.config.ts"), &started).unwrap();
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(
        stderr.contains("apps/web/next.config.ts: Next.js 15.5.29 loads next.config.ts under `next start` through the `typescript` package (to read tsconfig.json), but `typescript` is not in the `dependencies` of apps/web/package.json"),
        "{stderr}"
    );
    assert!(stderr.contains("fix one of: move `typescript` to `dependencies`, write the config as next.config.mjs, use `output: \"standalone\"`"), "{stderr}");

    std::fs::write(web.join("next.config.ts"), &config).unwrap();
    dry_run(ws.path());
}

/// tests/fixtures/pnpm10-root-link, shaped like saleor/apps: every package links the SDK to
/// the root's own install (`"is-number": "link:../../node_modules/is-number"`, a root
/// dependency), so that all share one copy. The folder is absent until `pnpm install` makes
/// it, and isogen refused every service ("is no folder ... pnpm links a path that is not
/// there"). The service generates; the deps stage does not copy the folder (the install makes
/// it); the root-dependencies note leaves the linked SDK out (it is there to be shared).
#[test]
fn a_link_to_the_roots_own_install_of_a_root_dependency_is_a_dependency() {
    let ws = crate::fixture_copy::copy("pnpm10-root-link", false);
    let (stdout, stderr) = dry_run(ws.path());
    assert!(
        stdout.contains("CMD [\"node\", \"/app/apps/api/server.js\"]")
            && !stdout.contains("node_modules/is-number"),
        "{stdout}"
    );
    assert!(
        !stderr.contains("is no folder") && !stderr.contains("its dependencies (is-number)"),
        "{stderr}"
    );
}

/// The same link to a package only the root's devDependencies declare: the build's install
/// makes the folder, the image's production install does not, so a package that loads it at
/// run time is refused with that reason and the two fixes (a devDependency link is fine).
#[test]
fn a_link_to_the_roots_install_of_a_root_dev_dependency_is_refused_with_the_fix() {
    let ws = crate::fixture_copy::copy("pnpm10-root-link", false);
    let message = "tools/admin/package.json: `dependencies.is-odd: link:../../node_modules/is-odd`: `../../node_modules/is-odd` is the workspace root's own install of `is-odd`, a devDependency of the root package.json: the image's production install (`pnpm install --prod`) leaves the root's devDependencies out, so nothing could load `is-odd` there; move `is-odd` to `dependencies` of the root package.json (the link keeps one copy for every package) or depend on its version here (`catalog:`), then run `pnpm install`";
    // No service installs tools/admin: a warning.
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains(&format!("warning: {message} (no service installs")),
        "{stderr}"
    );
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nservices = [\"apps/api\", \"tools/admin\"]\n",
    )
    .unwrap();
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    let error = stderr.lines().find(|l| l.starts_with("error: "));
    assert!(error.is_some_and(|e| e.ends_with(message)), "{stderr}");
}

/// tests/fixtures/pnpm10-turbo-lint, shaped like saleor/apps: the service's build lints
/// (`eslint src && ...`; `next build` lints too) with a shared config that loads
/// `eslint-plugin-turbo`, whose `no-undeclared-env-vars` rule reads the root's `turbo.json`.
/// The builder did not copy it, so every `process.env.X` was a lint error and saleor's
/// `next build` stopped. The builder copies it (never shipped); without the plugin it does not.
#[test]
fn a_build_that_lints_with_eslint_plugin_turbo_gets_the_root_turbo_json() {
    let ws = crate::fixture_copy::copy("pnpm10-turbo-lint", false);
    let (stdout, _) = dry_run(ws.path());
    let builder = stdout
        .split("FROM base AS builder")
        .nth(1)
        .and_then(|s| s.split("FROM base AS runtime-deps").next())
        .unwrap_or_default();
    assert!(builder.contains("COPY turbo.json turbo.json\n"), "{stdout}");
    assert!(stdout.contains("\n!turbo.json\n"), "{stdout}");
    let runtime = (stdout.split("FROM ${NODE_RUNTIME_IMAGE}").nth(1))
        .and_then(|s| s.split("==>").next())
        .unwrap_or_default();
    assert!(!runtime.contains("turbo"), "{stdout}");
    // Without the plugin, turbo.json is nothing the build reads.
    let edit =
        |rel: &str, from: &str, to: &str| crate::fixture_copy::edit(ws.path(), rel, from, to);
    edit(
        "packages/eslint-config/package.json",
        "eslint-plugin-turbo",
        "eslint-plugin-other",
    );
    edit(
        "pnpm-lock.yaml",
        "      eslint-plugin-turbo:\n",
        "      eslint-plugin-other:\n",
    );
    let (stdout, _) = dry_run(ws.path());
    assert!(!stdout.contains("turbo.json"), "{stdout}");
}

/// stack-auth's `apps/mock-oauth-server`: `"main": "index.js"` (npm init's default, a file
/// the package never had), no build script, and `start` running `tsx src/index.ts` (tsx a
/// devDependency). generate took `main` for the entry and wrote a Dockerfile whose runtime
/// stage copies `index.js` from the builder: the build stops there. It is refused as a
/// service with no production start command, naming `main`; with `index.js` written, or a
/// build script, `main` is the entry again.
#[test]
fn a_dev_start_with_a_main_no_build_writes_is_refused_naming_main() {
    let ws = crate::fixture_copy::copy("pnpm10-tsx-start-stale-main", false);
    let (_, stderr) = refused_dry_run(ws.path(), &[]);
    assert!(
        stderr.contains("apps/mock-oauth/package.json: the service `mock-oauth` has no production start command: its `start` script runs the development command `tsx`, and no `start:prod`, `start:production`, `prod` or `serve` script runs `node <file>` (its `main`, index.js, is not in apps/mock-oauth and no `build` script writes it)"),
        "{stderr}"
    );
    std::fs::write(
        ws.path().join("apps/mock-oauth/index.js"),
        "require('node:http').createServer((_q, s) => s.end('ok')).listen(8114, '0.0.0.0');\n",
    )
    .unwrap();
    let (stdout, _) = dry_run(ws.path());
    assert!(
        stdout.contains(r#"CMD ["node", "/app/apps/mock-oauth/index.js"]"#),
        "{stdout}"
    );
}

/// `NODE_OPTIONS` in `env` of isogen.toml: node applies its preloads before the command
/// line's, so they count as the command line's do. A preload of the package's own may start
/// the server (no idle warning) and ships in the image; one known to start nothing
/// (`-r dotenv/config`) leaves the warning; a TypeScript preload is named with the setting.
#[test]
fn node_options_preloads_in_env_count_as_the_command_lines() {
    let ws = crate::fixture_copy::copy("pnpm10-idle-entry", false);
    let config = ws.path().join("isogen.toml");
    std::fs::write(
        ws.path().join("apps/sandbox-agent/instrument.mjs"),
        "import { createServer } from 'node:http';\ncreateServer().listen(3000);\n",
    )
    .unwrap();
    let set = |value: &str| {
        std::fs::write(
            &config,
            format!("[generate.services.sandbox-agent]\nenv = {{ NODE_OPTIONS = \"{value}\" }}\n"),
        )
        .unwrap()
    };
    let idle = "the service `sandbox-agent` runs `dist/src/index.js`";

    set("--import ./instrument.mjs");
    let (stdout, stderr) = dry_run(ws.path());
    assert!(!stderr.contains(idle), "{stderr}");
    assert!(
        stdout.contains("/app/apps/sandbox-agent/instrument.mjs"),
        "{stdout}"
    );

    set("-r dotenv/config");
    let (_, stderr) = dry_run(ws.path());
    assert!(stderr.contains(idle), "{stderr}");

    set("--require ./tracing.ts");
    let (_, stderr) = dry_run(ws.path());
    assert!(
        stderr.contains("isogen.toml: `NODE_OPTIONS` in `env` of [generate.services.sandbox-agent] preloads `./tracing.ts`, which is a TypeScript file that plain node cannot load"),
        "{stderr}"
    );
}

/// Shaped like saleor/apps: the root devDependency `@sentry/cli@1.77.3`, allowed to build by
/// `onlyBuiltDependencies`, downloads its binary in every service's deps stage (saleor's smtp
/// build needed `SENTRYCLI_SKIP_DOWNLOAD=1` on a builder without that host); sharp 0.32.6
/// downloads libvips. Each is named before the build with the version and the fix; the skip
/// variable set in `build_args` reaches the install stages, where `pnpm rebuild` runs the
/// script; a package pnpm 10 does not build is not named.
#[test]
fn install_scripts_that_download_are_named_before_the_build() {
    let ws = crate::fixture_copy::copy("pnpm10-install-download", false);
    let (_, stderr) = dry_run(ws.path());
    for service in ["api", "images"] {
        assert!(
            stderr.contains(&format!("service `{service}`: `@sentry/cli@1.77.3` (pnpm-lock.yaml) downloads the sentry-cli binary from downloads.sentry-cdn.com (its `install` script) during the build's `pnpm install`")),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!("set `build_args = [\"SENTRYCLI_SKIP_DOWNLOAD=1\"]` in [generate.services.{service}] of isogen.toml")),
            "{stderr}"
        );
    }
    assert!(
        stderr.contains("service `images`: `sharp@0.32.6` (pnpm-lock.yaml) downloads libvips"),
        "{stderr}"
    );
    assert!(!stderr.contains("service `api`: `sharp@"), "{stderr}");

    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.api]\nbuild_args = [\"SENTRYCLI_SKIP_DOWNLOAD=1\", \"NEXT_PUBLIC_URL\"]\n",
    )
    .unwrap();
    let out = isogen()
        .args(["generate", "--dry-run", "--service", "api"])
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let dockerfile = String::from_utf8(out.stdout).unwrap();
    let stage = |name: &str| {
        let from = dockerfile.find(&format!("AS {name}\n")).unwrap();
        let rest = &dockerfile[from..];
        rest[..rest[1..].find("\nFROM ").map_or(rest.len(), |e| e + 1)].to_string()
    };
    for name in ["deps", "runtime-deps"] {
        let s = stage(name);
        assert!(s.contains("ARG SENTRYCLI_SKIP_DOWNLOAD=1\n"), "{s}");
        assert!(!s.contains("NEXT_PUBLIC_URL"), "{s}");
    }
    let warned = String::from_utf8(out.stderr).unwrap();
    assert!(!warned.contains("@sentry/cli@1.77.3"), "{warned}");

    let yaml = ws.path().join("pnpm-workspace.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, text.replace("  - \"@sentry/cli\"\n", "")).unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(!stderr.contains("@sentry/cli@1.77.3"), "{stderr}");
    assert!(stderr.contains("`sharp@0.32.6`"), "{stderr}");
}

/// powersync-ja/powersync-service (pnpm 11): the one deployed package is `service/` (singular
/// folder, no start script, no `main`; tsc writes `lib/entry.js`), and its hand-written
/// Dockerfile copies the whole workspace to `/app` and runs `ENTRYPOINT ["node",
/// "service/lib/entry.js"]` with `CMD ["start"]`: without `start` the entry prints its usage
/// and exits 2. The first run names the entry inside the package and the argument; the
/// settings it names then give an image that ships `lib` and passes `start` (the entry alone
/// was refused as "not in what its image ships (dist)").
#[test]
fn a_root_built_dockerfile_names_the_package_entry_and_its_arguments() {
    let ws = crate::fixture_copy::copy("pnpm11-root-image", true);
    let out = isogen()
        .args(["generate", "--dry-run"])
        .arg(ws.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains(
            "service/Dockerfile is a hand-written Dockerfile whose image runs package \
             `@sp/service-image` (line 13: `node service/lib/entry.js start`)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "set `entry = \"lib/entry.js\"` and `args = [\"start\"]` in [generate.services.service]"
        ),
        "{stderr}"
    );

    // What the warning says to write.
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nservices = [\"service\"]\n\n[generate.services.service]\n\
         entry = \"lib/entry.js\"\nargs = [\"start\"]\n",
    )
    .unwrap();
    let out = isogen()
        .args(["generate", "--service", "service", "--stdout"])
        .arg(ws.path())
        .assert()
        .success();
    let dockerfile = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        dockerfile.contains("COPY --from=builder /app/service/lib lib\n"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("CMD [\"node\", \"/app/service/lib/entry.js\", \"start\"]\n"),
        "{dockerfile}"
    );
}

/// liam-hq/liam: `frontend/apps/assets` (`build: node scripts/build.js`, writing Vercel's
/// `.vercel/output`) and `frontend/apps/erd-sample` (`build` runs another package's CLI into
/// `dist`) have no start script, no `main` and a `vercel.json`: Vercel builds and serves them.
/// Their `build` running `node <file>` made them services generate refused with `"main":
/// "dist/main.js"` (a fix that cannot work), so the first run on liam exited 2 for both. They
/// are not services, `list` says why, and the Node service beside them (with a vercel.json
/// too, but started by `node server.js`) is generated.
#[test]
fn a_vercel_deployed_package_nothing_starts_is_no_service() {
    let ws = crate::fixture_copy::copy("pnpm10-vercel-static", false);
    let list = isogen().arg("list").arg(ws.path()).assert().success();
    let list = String::from_utf8(list.get_output().stdout.clone()).unwrap();
    for dir in ["apps/assets", "apps/erd-sample"] {
        let row = list.lines().find(|l| l.contains(dir)).unwrap();
        assert!(row.starts_with("not a service"), "{list}");
        assert!(
            row.contains("its vercel.json says Vercel builds and serves it"),
            "{list}"
        );
    }
    let web = list.lines().find(|l| l.contains("apps/web")).unwrap();
    assert!(web.starts_with("service"), "{list}");
    let (stdout, stderr) = dry_run(ws.path());
    assert!(
        stdout.contains("CMD [\"node\", \"/app/apps/web/server.js\"]"),
        "{stdout}"
    );
    assert!(!stdout.contains("apps/assets/Dockerfile"), "{stdout}");
    assert!(!stderr.contains("dist/main.js"), "{stderr}");
}

/// AmruthPillai/Reactive-Resume: an Nx single-package repository. Its pnpm-workspace.yaml
/// holds only `onlyBuiltDependencies` (no `packages:`), `apps/server` has a project.json and
/// no package.json, and the root package.json's `start` runs `node dist/apps/server/main`.
/// `isogen list` printed only "no package is a service" (not the warning generate gave), and
/// generate's warning told the user to "add globs such as `- services/*`", folders that hold
/// no package. Both now say the same: the root's start script, that isogen never builds the
/// root, and what would work.
#[test]
fn a_single_package_repository_whose_root_starts_the_server_is_named_by_list_and_generate() {
    let ws = crate::fixture_copy::copy("pnpm10-nx-root", false);
    let said = "pnpm-workspace.yaml: no `packages:` globs, so the pnpm workspace has no packages \
                besides its root, and the root package.json's `start` script runs `node \
                dist/apps/server/main`: isogen builds one image per workspace package, never \
                the workspace root";
    let list = isogen().arg("list").arg(ws.path()).assert().success();
    let stderr = String::from_utf8(list.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains(said), "{stderr}");
    assert!(
        stderr.contains("no package is a service: `isogen generate` would exit 2"),
        "{stderr}"
    );
    let out = isogen()
        .args(["generate", "--check"])
        .arg(ws.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains(said), "{stderr}");
    assert!(!stderr.contains("services/*"), "{stderr}");
    assert!(stderr.contains("no services found"), "{stderr}");
}

/// usertour's `apps/server`: `"build": "prisma generate && nest build"`. The Prisma step before
/// the build must not be the build script itself (the image built the server twice), and
/// `const templatePath = ... join('src/email-templates', fileName)`, which the server reads,
/// is no temporary folder it writes (`temp` inside `template`).
#[test]
fn a_build_script_that_generates_the_prisma_client_runs_once() {
    let ws = crate::fixture_copy::copy("pnpm9-nest-prisma-build", false);
    let (stdout, stderr) = dry_run(ws.path());
    let builds = stdout
        .lines()
        .filter(|l| l.contains("--filter @npb/server run build"))
        .count();
    assert_eq!(builds, 1, "{stdout}");
    let generate =
        "RUN pnpm --filter @npb/server exec prisma generate \\\n && mkdir -p /isogen/prisma";
    let build = "RUN pnpm --filter @npb/server run build\n";
    let (g, b) = (stdout.find(generate), stdout.find(build));
    assert!(g.is_some() && b.is_some() && g < b, "{stdout}");
    assert!(!stderr.contains("writes at run time"), "{stderr}");
    assert!(!stderr.contains("writable"), "{stderr}");
}

/// firecrawl's `apps/api`: one package deployed as three processes (docker-compose runs the
/// worker from the same image; its entrypoint picks by `FLY_PROCESS_GROUP`): the production
/// start `start:production` (`tsc && node dist/src/index.js`) beside `worker:production` and
/// `index-worker:production`, each `node <another file>`. Each is a service with its own
/// Dockerfile and CMD; `start:production:nobuild` and `flyio` run the same file as the start
/// (no process of their own), `db:migrate:production` is a one-off task. The `localhost`
/// listen of `src/index.ts` is named for `api` only: the workers never load that file.
#[test]
fn production_scripts_of_other_files_are_processes_beside_the_start() {
    let ws = crate::fixture_copy::copy("pnpm9-worker-scripts", true);
    let list = isogen()
        .arg("list")
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list = String::from_utf8(list).unwrap();
    assert!(
        list.contains("[services: api, api-index-worker, api-worker]"),
        "{list}"
    );
    let (stdout, stderr) = dry_run(ws.path());
    for (service, file) in [
        ("api", "dist/src/index.js"),
        ("api-worker", "dist/src/services/queue-worker.js"),
        (
            "api-index-worker",
            "dist/src/services/indexing/index-worker.js",
        ),
    ] {
        let header = format!("==> apps/api/{service}.Dockerfile <==\n");
        let at = stdout
            .find(&header)
            .unwrap_or_else(|| panic!("{service}: {stdout}"));
        let rest = &stdout[at + header.len()..];
        let dockerfile = &rest[..rest.find("==> ").unwrap_or(rest.len())];
        assert!(
            dockerfile.contains(&format!("CMD [\"node\", \"/app/apps/api/{file}\"]")),
            "{service}: {dockerfile}"
        );
        assert!(
            dockerfile.contains(&format!("dev.isogen.service=\"{service}\"")),
            "{service}: {dockerfile}"
        );
    }
    assert_eq!(stdout.matches(".Dockerfile <==").count(), 3, "{stdout}");
    assert!(!stdout.contains("apps/api/Dockerfile <=="), "{stdout}");
    assert!(
        stderr.contains("`api` listens only on `localhost`"),
        "{stderr}"
    );
    assert!(!stderr.contains("`api-worker` listens"), "{stderr}");
    assert!(!stderr.contains("`api-index-worker` listens"), "{stderr}");
}

/// usertour's server: `compile-email-template.ts` reads `join(__dirname, '../../email-templates',
/// fileName)` in production, from `dist/common/email/`, so `dist/email-templates`, which `nest
/// build` never writes (the templates are `.mjml` files in `src/email-templates`; usertour's own
/// Dockerfile copies them there by hand). The image would hold no templates and the server
/// would fail at its first mail; generate names the file, the line, the folder and the fix.
/// Once nest-cli.json copies them (`assets`), the warning goes.
#[test]
fn a_template_folder_read_next_to_the_compiled_module_that_the_build_never_writes_is_named() {
    let ws = crate::fixture_copy::copy("pnpm9-nest-prisma-build", false);
    let (_, stderr) = dry_run(ws.path());
    let warning = stderr
        .lines()
        .find(|l| l.contains("email-templates"))
        .unwrap_or_else(|| panic!("no warning about the email templates:\n{stderr}"));
    for part in [
        "apps/server/src/common/email/compile-email-template.ts:12:",
        "reaches `dist/email-templates` in the image",
        "`prisma generate && nest build`",
        "the sources have `src/email-templates`",
        "`cp -r src/email-templates dist/`",
        "\"assets\": [\"email-templates/**/*\"]",
    ] {
        assert!(warning.contains(part), "{part:?} not in {warning}");
    }
    let nest_cli = ws.path().join("apps/server/nest-cli.json");
    let text = std::fs::read_to_string(&nest_cli).unwrap();
    let text = text.replacen(
        "\"sourceRoot\": \"src\"",
        "\"sourceRoot\": \"src\",\n  \"compilerOptions\": { \"assets\": [\"email-templates/**/*\"] }",
        1,
    );
    assert!(text.contains("\"assets\""), "{text}");
    std::fs::write(&nest_cli, text).unwrap();
    let (_, stderr) = dry_run(ws.path());
    assert!(!stderr.contains("email-templates"), "{stderr}");
}

/// The shape the lead described for usertour (a folder at the repository level, outside every
/// package, read by path at run time): `apps/mailer/src/render.js` joins `__dirname` with
/// `../../../email-templates`, the root's `email-templates/`. No image ships a folder outside the
/// service's packages, so generate names the file and line and the two ways to ship it; a
/// climbing literal that names nothing in the workspace (`apps/api`) gives no warning.
#[test]
fn a_workspace_folder_outside_every_package_read_at_run_time_is_named() {
    let ws = crate::fixture_copy::copy("pnpm9-root-templates", false);
    let (_, stderr) = dry_run(ws.path());
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("outside every package"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    for part in [
        "apps/mailer/src/render.js:6: `../../../email-templates` reaches `email-templates`",
        "declare it in the `dependencies` of apps/mailer/package.json",
        "move it into apps/mailer and list it in `assets`",
    ] {
        assert!(
            warnings[0].contains(part),
            "{part:?} not in {}",
            warnings[0]
        );
    }
    assert!(!stderr.contains("shared-missing"), "{stderr}");
}

/// inngest's `ui/apps/dev-server-ui`: `"main": "n/a"`, no start script (`dev` runs `vite dev`,
/// `preview` runs `vite preview`, `build` ends with `vite build`): a single-page app the Go
/// dev server embeds. generate took `n/a` for its entry and wrote `CMD ["node",
/// "/app/apps/dev-server-ui/n/a"]`; the placeholder is no entry, so nothing starts it and it
/// is no service. The dashboard, with the same `main` and a start script, runs its start.
#[test]
fn a_placeholder_main_is_no_entry() {
    let ws = crate::fixture_copy::copy("pnpm10-tanstack-ui", false);
    crate::fixture_copy::edit(
        ws.path(),
        "apps/devserver/package.json",
        "\"start\": \"node .output/server/index.mjs\"",
        "\"preview\": \"vite preview\"",
    );
    let (stdout, _) = dry_run(ws.path());
    assert!(!stdout.contains("n/a"), "{stdout}");
    assert!(!stdout.contains("apps/devserver/Dockerfile"), "{stdout}");
    assert!(
        stdout.contains("CMD [\"node\", \"/app/apps/dashboard/.output/server/index.mjs\"]"),
        "{stdout}"
    );
    let out = isogen().arg("list").arg(ws.path()).assert().success();
    let list = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let row = list
        .lines()
        .find(|l| l.contains("apps/devserver"))
        .unwrap_or_default();
    assert!(
        row.starts_with("not a service") && row.contains("nothing starts it"),
        "{list}"
    );
}
