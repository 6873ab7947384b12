//! Next.js apps as `isogen generate` meets them, on copies of tests/fixtures/pnpm9-next (a
//! pnpm workspace made with real pnpm: `apps/web` with `output: "standalone"`, `apps/site`
//! running `next start -p 4000`, both importing the internal `@nx/greet`) with their config
//! or start script changed: what the Dockerfile runs and ships, and what is refused.
//! The fixture's own Dockerfiles are snapshot in `generate::real_workspaces_*`; the opt-in
//! buildah test `buildah::next` builds and runs them.

use assert_cmd::Command;

fn isogen() -> Command {
    Command::cargo_bin("isogen").unwrap()
}

/// A copy of the fixture with `edits` (relative path, new contents) applied.
fn next_workspace(edits: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = crate::fixture_copy::copy("pnpm9-next", false);
    for (path, text) in edits {
        let to = dir.path().join(path);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, text).unwrap();
    }
    dir
}

/// The Dockerfile `generate --stdout` prints for one service (exit 0 asserted).
fn dockerfile(ws: &tempfile::TempDir, service: &str) -> String {
    let out = isogen()
        .args(["generate", "--stdout", "--service", service])
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8(out.stdout).unwrap()
}

/// `generate` exits 2 with every needle in its error, and writes nothing.
fn refused(ws: &tempfile::TempDir, needles: &[&str]) {
    let out = isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    for n in needles {
        assert!(err.contains(n), "no `{n}` in:\n{err}");
    }
    assert!(!ws.path().join("apps/web/Dockerfile").exists());
}

const SITE_MANIFEST: &str = r#"{
  "name": "@nx/site",
  "version": "0.1.0",
  "private": true,
  "scripts": { "build": "next build", "start": "START" },
  "dependencies": {
    "@nx/greet": "workspace:*",
    "next": "15.5.29",
    "react": "19.1.10",
    "react-dom": "19.1.10"
  }
}"#;

#[test]
fn standalone_takes_the_port_and_host_of_next_start_as_its_variables() {
    let manifest = SITE_MANIFEST.replace("START", "next start -p 4000 -H 127.0.0.1");
    let ws = next_workspace(&[
        ("apps/site/package.json", &manifest),
        (
            "apps/site/next.config.js",
            "module.exports = { output: 'standalone' };\n",
        ),
    ]);
    let text = dockerfile(&ws, "site");
    for line in [
        "ENV PORT=\"4000\"",
        "ENV HOSTNAME=\"127.0.0.1\"",
        "CMD [\"node\", \"/app/apps/site/server.js\"]",
        "COPY --from=builder /standalone/ ./",
    ] {
        assert!(text.contains(line), "no `{line}` in\n{text}");
    }
    assert!(!text.contains("npm install --omit=dev"), "{text}");
}

/// The standalone server.js listens on `HOSTNAME`, which docker sets to the container's id:
/// the image sets `0.0.0.0`, as Next's own Dockerfile does, and says nothing; a start script's
/// `-H 127.0.0.1` (standalone) or `-H localhost` (`next start`) is kept but named, since
/// nothing outside the container reaches a loopback listener.
#[test]
fn a_loopback_hostname_is_named_and_the_default_listens_everywhere() {
    let standalone = (
        "apps/site/next.config.js",
        "module.exports = { output: 'standalone' };\n",
    );
    let stderr_of = |ws: &tempfile::TempDir| {
        let out = isogen()
            .args(["generate", "--stdout", "--service", "site"])
            .arg(ws.path())
            .assert()
            .success()
            .get_output()
            .clone();
        String::from_utf8(out.stderr).unwrap()
    };
    let manifest = SITE_MANIFEST.replace("START", "next start -p 4000");
    let ws = next_workspace(&[("apps/site/package.json", &manifest), standalone]);
    assert!(dockerfile(&ws, "site").contains("ENV HOSTNAME=\"0.0.0.0\""));
    assert!(!stderr_of(&ws).contains("listens on"), "{}", stderr_of(&ws));
    let manifest = SITE_MANIFEST.replace("START", "next start -p 4000 -H 127.0.0.1");
    let ws = next_workspace(&[("apps/site/package.json", &manifest), standalone]);
    let err = stderr_of(&ws);
    assert!(
        err.contains("apps/site/package.json: the Next.js server listens on `127.0.0.1` only (server.js's `HOSTNAME=127.0.0.1`)"),
        "{err}"
    );
    let manifest = SITE_MANIFEST.replace("START", "next start -H localhost");
    let ws = next_workspace(&[("apps/site/package.json", &manifest)]);
    let err = stderr_of(&ws);
    assert!(
        err.contains("the Next.js server listens on `localhost` only (`next start -H localhost`)"),
        "{err}"
    );
}

#[test]
fn a_computed_output_runs_next_start_and_says_what_it_assumed() {
    let ws = next_workspace(&[(
        "apps/web/next.config.mjs",
        "export default { output: process.env.STANDALONE ? 'standalone' : undefined };\n",
    )]);
    let text = dockerfile(&ws, "web");
    assert!(
        text.contains("next.config.mjs computes `output` when it runs: assumed not \"standalone\""),
        "{text}"
    );
    assert!(
        text.contains(r#"CMD ["node", "/app/apps/web/node_modules/next/dist/bin/next", "start"]"#),
        "{text}"
    );
    assert!(
        text.contains("COPY --from=builder /app/apps/web/.next .next"),
        "{text}"
    );
}

/// liam's docs app runs `next start` without `output: "standalone"`: its image was 861 MB (Next's
/// SWC binaries, `@swc/core`, `@sentry/cli`, esbuild from the production install). The
/// Dockerfile of such an app (`apps/site`) suggests the standalone output, naming the config
/// file; an app that has it (`apps/web`), or whose config computes `output`, gets no such note.
#[test]
fn a_next_start_app_without_standalone_output_is_told_how_to_ship_less() {
    let ws = next_workspace(&[]);
    let suggestion = "For a smaller image set `output: \"standalone\"` in next.config.js";
    let site = dockerfile(&ws, "site");
    assert!(site.contains(suggestion), "{site}");
    assert!(
        site.contains("`next` with its SWC compiler binary"),
        "{site}"
    );
    let web = dockerfile(&ws, "web");
    assert!(!web.contains("For a smaller image"), "{web}");
    let computed = next_workspace(&[(
        "apps/web/next.config.mjs",
        "export default { output: process.env.STANDALONE ? 'standalone' : undefined };\n",
    )]);
    let web = dockerfile(&computed, "web");
    assert!(!web.contains("For a smaller image"), "{web}");
}

#[test]
fn a_static_export_is_refused_naming_the_config() {
    let ws = next_workspace(&[(
        "apps/web/next.config.mjs",
        "export default { output: 'export' };\n",
    )]);
    refused(
        &ws,
        &[
            "apps/web/next.config.mjs",
            "output: \"export\"",
            "not_services",
        ],
    );
}

#[test]
fn a_computed_dist_dir_is_refused_naming_the_config() {
    let ws = next_workspace(&[(
        "apps/web/next.config.mjs",
        "export default { output: 'standalone', distDir: process.env.OUT };\n",
    )]);
    refused(&ws, &["apps/web/next.config.mjs", "`distDir` is computed"]);
}

#[test]
fn a_custom_server_ships_its_file_and_the_next_build() {
    let manifest = SITE_MANIFEST.replace("START", "NODE_ENV=production node server.js");
    let ws = next_workspace(&[
        ("apps/site/package.json", &manifest),
        (
            "apps/site/server.js",
            "const next = require('next');\nconst app = next({ dev: false });\napp.prepare().then(() => require('http').createServer(app.getRequestHandler()).listen(3000));\n",
        ),
    ]);
    let text = dockerfile(&ws, "site");
    for line in [
        "COPY --from=builder /app/apps/site/.next .next",
        "COPY --from=builder /app/apps/site/public public",
        "COPY --from=builder /app/apps/site/next.config.js next.config.js",
        "COPY --from=builder /app/apps/site/server.js server.js",
        "RUN rm -rf apps/site/.next/cache apps/site/.next/types apps/site/.next/standalone",
        "CMD [\"node\", \"/app/apps/site/server.js\"]",
    ] {
        assert!(text.contains(line), "no `{line}` in\n{text}");
    }
}

#[test]
fn next_dev_alone_is_refused() {
    let manifest = SITE_MANIFEST.replace("START", "next dev");
    let ws = next_workspace(&[("apps/site/package.json", &manifest)]);
    refused(
        &ws,
        &["apps/site/package.json", "development command `next dev`"],
    );
}

#[test]
fn a_shell_next_start_is_refused_and_no_start_script_means_next_start() {
    let manifest = SITE_MANIFEST.replace("START", "next start -p $PORT");
    let ws = next_workspace(&[("apps/site/package.json", &manifest)]);
    refused(
        &ws,
        &[
            "apps/site/package.json",
            "runs `next start` through the shell",
            "PORT",
            "set `args` (the `next start` options",
        ],
    );
    // The fix the refusal names works: `args` in isogen.toml are the `next start` options.
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.site]\nargs = [\"-p\", \"4000\"]\n",
    )
    .unwrap();
    let text = dockerfile(&ws, "site");
    assert!(
        text.contains(r#"CMD ["node", "/app/apps/site/node_modules/next/dist/bin/next", "start", "-p", "4000"]"#),
        "{text}"
    );
    let manifest = SITE_MANIFEST.replace(r#", "start": "START""#, "");
    let ws = next_workspace(&[("apps/site/package.json", &manifest)]);
    let text = dockerfile(&ws, "site");
    assert!(
        text.contains("no start script: the image runs `next start`"),
        "{text}"
    );
    assert!(
        text.contains(r#"CMD ["node", "/app/apps/site/node_modules/next/dist/bin/next", "start"]"#),
        "{text}"
    );
}

#[test]
fn a_computed_tracing_root_is_named_as_an_assumption() {
    let ws = next_workspace(&[(
        "apps/web/next.config.mjs",
        "import path from 'node:path';\nexport default {\n  output: 'standalone',\n  outputFileTracingRoot: path.join(import.meta.dirname, '../../'),\n};\n",
    )]);
    let text = dockerfile(&ws, "web");
    assert!(
        text.contains("# next.config.mjs sets `outputFileTracingRoot`: assumed to be the workspace root or the app folder"),
        "{text}"
    );
    assert!(
        text.contains(r#"CMD ["node", "/app/apps/web/server.js"]"#),
        "{text}"
    );
}

/// A copy of the fixture without its lockfile, so a test may change dependencies.
fn unlocked(edits: &[(&str, &str)]) -> tempfile::TempDir {
    let ws = next_workspace(edits);
    std::fs::remove_file(ws.path().join("pnpm-lock.yaml")).unwrap();
    ws
}

/// langfuse's shape (`prisma migrate deploy && next start`): the migration runs under node
/// from the app's own node_modules, then `next start` replaces the shell; Prisma's schema and
/// migrations ship.
#[test]
fn a_migration_before_next_start_runs_first() {
    let manifest = SITE_MANIFEST
        .replace(
            "START",
            "dotenv -e ../../.env -- sh -c 'prisma migrate deploy && next start -p 4000'",
        )
        .replace(
            r#""next": "15.5.29","#,
            r#""next": "15.5.29", "prisma": "6.19.0","#,
        );
    let ws = unlocked(&[
        ("apps/site/package.json", &manifest),
        (
            "apps/site/prisma/schema.prisma",
            &format!("{DATASOURCE}{GENERATOR}"),
        ),
    ]);
    std::fs::create_dir_all(ws.path().join("apps/site/prisma/migrations/1_init")).unwrap();
    std::fs::write(
        ws.path()
            .join("apps/site/prisma/migrations/1_init/migration.sql"),
        "CREATE TABLE a (id INTEGER);\n",
    )
    .unwrap();
    let text = dockerfile(&ws, "site");
    for line in [
        r#"CMD ["/bin/sh", "-c", "node node_modules/prisma/build/index.js migrate deploy && exec node /app/apps/site/node_modules/next/dist/bin/next start -p 4000"]"#,
        "COPY --from=builder /app/apps/site/prisma/schema.prisma /app/apps/site/prisma/schema.prisma",
        "COPY --from=builder /app/apps/site/prisma/migrations /app/apps/site/prisma/migrations",
        "# Before the server, the CMD runs the steps of the `start` script: node node_modules/prisma/build/index.js migrate deploy.",
    ] {
        assert!(text.contains(line), "no `{line}` in\n{text}");
    }
    // A schema kept for migrations only (no client generator): its folder ships.
    std::fs::write(ws.path().join("apps/site/prisma/schema.prisma"), DATASOURCE).unwrap();
    let text = dockerfile(&ws, "site");
    let line = "COPY --from=builder /app/apps/site/prisma /app/apps/site/prisma";
    assert!(text.contains(line), "no `{line}` in\n{text}");
}

const DATASOURCE: &str =
    "datasource db {\n  provider = \"sqlite\"\n  url = env(\"DATABASE_URL\")\n}\n";
const GENERATOR: &str = "generator client {\n  provider = \"prisma-client-js\"\n}\n";

/// A step the image cannot run is refused by name: a devDependency's tool, a tool under the
/// standalone output (which ships only what `next build` traced), a command isogen does not
/// know; a step that runs a script isogen cannot read leaves `next start` unread.
#[test]
fn a_step_before_next_that_cannot_run_is_refused_by_name() {
    let dev = SITE_MANIFEST
        .replace("START", "prisma migrate deploy && next start")
        .replace(
            r#""private": true,"#,
            r#""private": true, "devDependencies": { "prisma": "6.19.0" },"#,
        );
    refused(
        &unlocked(&[("apps/site/package.json", &dev)]),
        &[
            "apps/site/package.json",
            "runs steps before Next.js that its image cannot run",
            "`prisma migrate deploy`: `prisma` is a devDependency",
        ],
    );
    let prod = SITE_MANIFEST
        .replace("START", "prisma migrate deploy && next start")
        .replace(
            r#""next": "15.5.29","#,
            r#""next": "15.5.29", "prisma": "6.19.0","#,
        );
    refused(
        &unlocked(&[
            ("apps/site/package.json", &prod),
            (
                "apps/site/next.config.js",
                "module.exports = { output: 'standalone' };\n",
            ),
        ]),
        &[
            "`prisma migrate deploy`: the standalone output ships only the node_modules `next build` traced",
            "no `prisma` command",
        ],
    );
    let unknown = SITE_MANIFEST.replace("START", "wait-on tcp:db:5432 && next start");
    refused(
        &next_workspace(&[("apps/site/package.json", &unknown)]),
        &["`wait-on tcp:db:5432`: isogen does not know which file the `wait-on` command runs"],
    );
    let script = SITE_MANIFEST.replace("START", "pnpm run migrate && next start");
    refused(
        &next_workspace(&[("apps/site/package.json", &script)]),
        &[
            "runs `next start` through the shell",
            "a script made of those",
        ],
    );
}

/// The internal package as karakeep's `@karakeep/shared` has it: `"main": "index.ts"`, no
/// build script. `next build` compiles a workspace package it imports (pnpm links it from
/// outside node_modules), so neither way of running Next.js needs a build of it, and the
/// warning that Node cannot load it is for plain `node` services only.
const GREET_TS: &str = r#"{
  "name": "@nx/greet",
  "version": "1.0.0",
  "type": "module",
  "main": "index.ts",
  "exports": { ".": "./index.ts" }
}"#;

/// stderr of `generate --stdout --service <service>` (exit 0 asserted).
fn warnings_of(ws: &tempfile::TempDir, service: &str) -> String {
    let out = isogen()
        .args(["generate", "--stdout", "--service", service])
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn next_compiles_a_typescript_internal_package_so_no_warning_says_node_cannot_load_it() {
    let ws = next_workspace(&[
        ("packages/greet/package.json", GREET_TS),
        (
            "packages/greet/index.ts",
            "export const greet = (n: string) => `hi ${n}`;\n",
        ),
    ]);
    for service in ["web", "site"] {
        let err = warnings_of(&ws, service);
        assert!(!err.contains("TypeScript"), "{service}: {err}");
    }
    // A custom server is plain `node server.js`: its own require of the package is Node's.
    let custom = SITE_MANIFEST.replace("START", "node server.js");
    std::fs::write(ws.path().join("apps/site/package.json"), custom).unwrap();
    std::fs::write(
        ws.path().join("apps/site/server.js"),
        "require('@nx/greet');\n",
    )
    .unwrap();
    let err = warnings_of(&ws, "site");
    assert!(err.contains("is TypeScript (index.ts)"), "{err}");
}

/// As rallly's landing app reads `NEXT_PUBLIC_APP_BASE_URL` in next.config.ts while it builds
/// (`new URL(path, undefined)` throws): `build_args` declares it as an `ARG` of the builder,
/// before the build, so `--build-arg` reaches `next build` and the runtime image never has it.
/// A name that is no variable is refused while isogen.toml is read.
#[test]
fn build_args_reach_next_build_and_only_the_builder() {
    let ws = next_workspace(&[(
        "isogen.toml",
        "[generate.services.web]\nbuild_args = [\"NEXT_PUBLIC_APP_BASE_URL\", \"SKIP_ENV_VALIDATION\"]\n",
    )]);
    let text = dockerfile(&ws, "web");
    let builder = text.split("AS builder").nth(1).unwrap();
    let builder = builder.split("\nFROM ").next().unwrap();
    let arg = builder.find("ARG NEXT_PUBLIC_APP_BASE_URL\nARG SKIP_ENV_VALIDATION\n");
    let build = builder.find("run build");
    assert!(arg.is_some() && arg < build, "{text}");
    assert_eq!(
        text.matches("NEXT_PUBLIC_APP_BASE_URL").count(),
        1,
        "{text}"
    );

    let ws = next_workspace(&[(
        "isogen.toml",
        "[generate.services.web]\nbuild_args = [\"NEXT-URL\"]\n",
    )]);
    refused(&ws, &["isogen.toml", "`NEXT-URL` is not a variable name"]);
}

/// create-t3-turbo: `"start": "pnpm with-env next start"` with `"with-env": "dotenv -e
/// ../../.env --"`. pnpm appends `next start` to the script's text; isogen read `with-env`
/// alone (`dotenv -e ../../.env --`, no command) and refused the app for having no entry.
/// The app runs `next start`, and the env file dotenv-cli loaded is named.
#[test]
fn a_start_that_passes_next_start_to_a_with_env_script_runs_next_start() {
    let manifest = SITE_MANIFEST.replace(
        r#""start": "START""#,
        r#""start": "pnpm with-env next start -p 4000", "with-env": "dotenv -e ../../.env --""#,
    );
    let ws = next_workspace(&[("apps/site/package.json", &manifest)]);
    let out = isogen()
        .args(["generate", "--stdout", "--service", "site"])
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(r#"CMD ["node", "/app/apps/site/node_modules/next/dist/bin/next", "start", "-p", "4000"]"#),
        "{text}"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(
            "apps/site/package.json: the `with-env` script loads `../../.env` (dotenv -e)"
        ),
        "{err}"
    );
}

/// A `serverExternalPackages` the config computes (`[...shared, "@nx/greet"]`) is not
/// guessed: generate says which names it took as external and how to make the rest known.
#[test]
fn a_computed_server_external_packages_is_named() {
    let ws = next_workspace(&[(
        "apps/site/next.config.js",
        "const shared = ['sharp'];\nmodule.exports = { serverExternalPackages: [...shared, '@nx/greet'] };\n",
    )]);
    let err = warnings_of(&ws, "site");
    assert!(
        err.contains(
            "apps/site/next.config.js: `serverExternalPackages` is computed when the config runs"
        ),
        "{err}"
    );
}

/// create-t3-turbo's next.config.js imports `jiti` (a devDependency) to load its env schema.
/// `next start` loads the config when the server starts, from the production install, which
/// leaves devDependencies out: the server would stop with ERR_MODULE_NOT_FOUND. generate names
/// each import the image cannot resolve (a package not in `dependencies`, a file of the app
/// it does not ship), with file, line and fix; builtins and `next` itself are fine, and a
/// standalone server (which never loads the config) is not warned about.
#[test]
fn config_imports_next_start_cannot_resolve_are_named() {
    // Imports the config runs whenever it loads: `next start` would stop at once, so the app
    // is refused, each import named with its fix.
    let config = "import path from 'node:path';\nimport { PHASE_PRODUCTION_BUILD } from 'next/constants.js';\nimport { createJiti } from 'jiti';\nimport './env.mjs';\nexport default { output: OUTPUT };\n";
    let ws = next_workspace(&[
        (
            "apps/site/next.config.js",
            &config.replace("OUTPUT", "undefined"),
        ),
        (
            "apps/web/next.config.mjs",
            &config.replace("OUTPUT", "'standalone'"),
        ),
        ("apps/site/env.mjs", "export const env = {};\n"),
    ]);
    let out = isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("next.config.js: `next start` runs this config whenever the server starts, and the image cannot resolve what it imports at its top level, so the server would stop at once (ERR_MODULE_NOT_FOUND): `@nx/site` is refused"),
        "{err}"
    );
    assert!(
        err.contains("\n  apps/site/next.config.js:3: imports `jiti`, which `next start` loads with the config when the server starts, but `jiti` is not in the `dependencies` of apps/site/package.json"),
        "{err}"
    );
    assert!(
        err.contains("\n  apps/site/next.config.js:4: imports `./env.mjs`, which `next start` loads with the config when the server starts, but the image ships only .next, public, next.config.js of the app"),
        "{err}"
    );
    for fine in ["`node:path`", "`next`", "apps/web/next.config.mjs"] {
        assert!(!err.contains(fine), "{fine} in {err}");
    }
    assert!(!ws.path().join("apps/site/Dockerfile").exists());
    assert!(!ws.path().join("apps/web/Dockerfile").exists());
}

/// The same imports behind a check or in the `webpack` hook (which `next start` never runs,
/// jitsu's and many apps' `@next/bundle-analyzer` shape): the app generates, and each is a
/// warning, not a refusal.
#[test]
fn config_imports_behind_a_branch_are_warnings() {
    let config = "const analyze = process.env.ANALYZE === 'true' ? require('@next/bundle-analyzer')({ enabled: true }) : (c) => c;\nmodule.exports = analyze({\n  webpack: (cfg) => {\n    require('./tools/webpack-extra.js');\n    return cfg;\n  },\n});\n";
    let ws = next_workspace(&[("apps/site/next.config.js", config)]);
    let out = isogen()
        .args(["generate", "--dry-run"])
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("warning: apps/site/next.config.js:1: imports `@next/bundle-analyzer`, which `next start` loads with the config when the server starts, but `@next/bundle-analyzer` is not in the `dependencies`"),
        "{err}"
    );
    assert!(
        err.contains("warning: apps/site/next.config.js:4: imports `./tools/webpack-extra.js`"),
        "{err}"
    );
    assert!(!err.contains("is refused"), "{err}");
}

/// tests/fixtures/pnpm9-next-ts: the standalone app has `typescript` as a devDependency (as
/// every TypeScript app has), and Next's file tracing copies it into `.next/standalone`:
/// next-server.js's trace follows Next's next.config.ts loader (a `require('typescript')`
/// that pnpm's hoisting resolves), which the standalone server.js never runs. `isogen verify`
/// failed such images (toolchain, dev-dependency) that generate had written (seen on
/// create-t3-turbo). The builder removes it unless a page's or route's own trace lists it,
/// and the Dockerfile says why.
#[test]
fn typescript_next_traces_for_its_config_loader_is_removed_from_the_standalone_tree() {
    let ws = crate::fixture_copy::copy("pnpm9-next-ts", false);
    let text = dockerfile(&ws, "web");
    for needle in [
        "next-server.js's trace follows Next's next.config.ts loader, which server.js never runs",
        "RUN t=apps/web/.next/server; traced() { find \"$t\" -name '*.nft.json' -exec grep -l \"/node_modules/$1/\" {} + | grep -q .; }; \\\n    if traced typescript; then",
        "else find /standalone \\( -path '*/node_modules/typescript' -o -path '*/node_modules/.pnpm/typescript@*' \\) -prune -exec rm -rf {} +",
        // What the trace reached only through typescript (uploadthing's example app).
        "for n in source-map-support source-map buffer-from; do",
    ] {
        assert!(text.contains(needle), "no `{needle}` in:\n{text}");
    }
    // The removal happens in the builder, before runtime-deps copies the tree.
    let removed = text.find("-prune -exec rm -rf").unwrap();
    assert!(removed < text.find("COPY --from=builder /standalone/").unwrap());
}

/// tests/fixtures/pnpm9-next-dev-peer: `sass` (a fork, from git) is a devDependency of the app
/// and resolves an optional peer of `next`, so a production install would ship it, and its
/// `node_modules/.pnpm` folder cannot be named safely: `next start` is warned. A standalone
/// app has no production install (create-t3-turbo got the note for its Expo peers): no word.
#[test]
fn the_optional_peer_note_is_only_for_apps_with_a_production_install() {
    let ws = crate::fixture_copy::copy("pnpm9-next-dev-peer", false);
    let note = "only because devDependencies resolved optional peers";
    let stderr = warnings_of(&ws, "web");
    assert!(!stderr.contains(note), "{stderr}");
    std::fs::write(
        ws.path().join("apps/web/next.config.mjs"),
        "export default {};\n",
    )
    .unwrap();
    let stderr = warnings_of(&ws, "web");
    assert!(
        stderr.contains(note) && stderr.contains("sass@git+https://"),
        "{stderr}"
    );
}

/// homarr's Next.js app (and its internal packages) import the workspace root's package.json
/// by path for the version. Every build stage has it (the deps stage copies it) and `next
/// build` bundles that code, so the app is not refused; a plain Node service that reads it at
/// run time still is (its image does not ship the root manifest).
#[test]
fn the_root_package_json_imported_by_bundled_next_code_is_not_refused() {
    let ws = next_workspace(&[(
        "apps/web/app/version.js",
        "import root from \"../../../package.json\";\n\nexport const version = root.version ?? \"dev\";\n",
    )]);
    assert!(dockerfile(&ws, "web").contains("CMD [\"node\", \"/app/apps/web/server.js\"]"));
    let ws = crate::fixture_copy::copy("pnpm9-dotenv-calls", false);
    std::fs::write(
        ws.path().join("services/mailer/src/version.js"),
        "exports.version = require(\"../../../package.json\").version;\n",
    )
    .unwrap();
    let out = isogen().arg("generate").arg(ws.path()).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains(
            "services/mailer/src/version.js:1: '../../../package.json' reaches package.json"
        ),
        "{stderr}"
    );
}

const GREET_FILES: &str = r#"{
  "name": "@nx/greet",
  "version": "1.0.0",
  "type": "module",
  "main": "index.js",
  "exports": { ".": "./index.js" },
  "files": ["index.js"]
}"#;

/// unkey's dashboard (`next start`): its `tailwind.config.js` lists the sources of its
/// internal UI package as `content` (`../../internal/ui/src/**/*.tsx`). Tailwind reads them
/// while `next build` runs (the builder has them); the service never loads that config, so no
/// warning says the image lacks them. The same path read by the app's own code still is one.
#[test]
fn a_build_tool_configs_paths_into_another_package_are_no_run_time_warning() {
    let ws = next_workspace(&[
        ("packages/greet/package.json", GREET_FILES),
        ("packages/greet/src/button.js", "export const button = 1;\n"),
        (
            "apps/site/tailwind.config.js",
            "module.exports = {\n  content: [\"./app/**/*.js\", \"../../packages/greet/src/**/*.js\"],\n};\n",
        ),
        (
            "apps/site/postcss.config.mjs",
            "export default { plugins: { tailwindcss: { config: \"../../packages/greet/src/tw.js\" } } };\n",
        ),
    ]);
    let err = warnings_of(&ws, "site");
    assert!(!err.contains("reaches"), "{err}");

    std::fs::write(
        ws.path().join("apps/site/app/banner.js"),
        "import { join } from \"node:path\";\nexport const dir = join(import.meta.dirname, \"../../../packages/greet/src\");\n",
    )
    .unwrap();
    let err = warnings_of(&ws, "site");
    assert!(
        err.contains(
            "apps/site/app/banner.js:2: `../../../packages/greet/src` reaches packages/greet/src"
        ),
        "{err}"
    );
    assert!(!err.contains("tailwind.config.js"), "{err}");
}

/// wundergraph/cosmo's studio: a hand-written Dockerfile of a standalone app set
/// `ENV HOSTNAME localhost`; `--force` carried it into isogen.toml, and the loopback warning
/// then named the app's package.json and told to drop a `-H` its start script does not have.
/// The warning names isogen.toml's `env`, where the value is, and the fix there.
#[test]
fn a_loopback_hostname_from_isogen_toml_is_named_there() {
    let ws = next_workspace(&[
        (
            "apps/site/next.config.js",
            "module.exports = { output: 'standalone' };\n",
        ),
        (
            "apps/site/Dockerfile",
            "FROM node:20-slim\nWORKDIR /app\nCOPY apps/site/.next/standalone ./\nENV PORT 3000\nENV HOSTNAME localhost\nCMD [\"node\", \"./apps/site/server.js\"]\n",
        ),
    ]);
    isogen()
        .args(["generate", "--force", "--service", "site"])
        .arg(ws.path())
        .assert()
        .success();
    let config = std::fs::read_to_string(ws.path().join("isogen.toml")).unwrap();
    assert!(config.contains("HOSTNAME = \"localhost\""), "{config}");
    let err = warnings_of(&ws, "site");
    assert!(
        err.contains("isogen.toml: `HOSTNAME = \"localhost\"` in `env` of [generate.services.site] makes the Next.js server listen on `localhost` only")
            && err.contains("set it to \"0.0.0.0\", or remove it"),
        "{err}"
    );
    assert!(!err.contains("drop `-H"), "{err}");
}

/// lukevella/rallly: `output: process.env.NEXT_PUBLIC_SELF_HOSTED === "true" ? "standalone" :
/// undefined`, and `@next/bundle-analyzer` (a devDependency) imported at the top of the
/// config. isogen cannot know the build makes standalone, so `next start` is refused; the fix
/// it gives says the config computes `output` and asks for the literal, not to "use" a setting
/// the config already has.
#[test]
fn a_refused_config_that_computes_output_asks_for_the_literal() {
    let ws = next_workspace(&[(
        "apps/site/next.config.js",
        "const withAnalyzer = require('@next/bundle-analyzer')({ enabled: false });\nmodule.exports = withAnalyzer({\n  output: process.env.SELF_HOSTED === 'true' ? 'standalone' : undefined,\n});\n",
    )]);
    let out = isogen().arg("generate").arg(ws.path()).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("apps/site/next.config.js:1: imports `@next/bundle-analyzer`")
            && err.contains("move it to `dependencies`, or make `output` the literal \"standalone\" (next.config.js computes it when it runs, so isogen cannot know that a build makes the standalone output"),
        "{err}"
    );
    assert!(!err.contains("or use `output: \"standalone\"`"), "{err}");
}

/// saleor/apps' apps run `next start` (Next 15.5) with a `next.config.ts` and `typescript` a
/// devDependency: the image built, and the server stopped at start (`Installing TypeScript as
/// it was not found while loading "next.config.ts"`, then `npm install` failed and `Failed to
/// load next.config.ts`). generate wrote that Dockerfile silently; it refuses it with the two
/// fixes. A standalone app with a TypeScript config is fine (its server has the config
/// inlined), and so is a JavaScript config.
#[test]
fn a_typescript_config_under_next_start_without_typescript_is_refused() {
    let ws = next_workspace(&[
        (
            "apps/site/next.config.ts",
            "import type { NextConfig } from 'next';\nconst config: NextConfig = {};\nexport default config;\n",
        ),
        (
            "apps/web/next.config.ts",
            "import type { NextConfig } from 'next';\nconst config: NextConfig = { output: 'standalone' };\nexport default config;\n",
        ),
    ]);
    std::fs::remove_file(ws.path().join("apps/site/next.config.js")).unwrap();
    std::fs::remove_file(ws.path().join("apps/web/next.config.mjs")).unwrap();
    refused(
        &ws,
        &["apps/site/next.config.ts: Next.js 15.5.29 loads next.config.ts under `next start` through the `typescript` package (to read tsconfig.json), but `typescript` is not in the `dependencies` of apps/site/package.json", "fix one of: move `typescript` to `dependencies`, write the config as next.config.mjs, use `output: \"standalone\"`"],
    );
    std::fs::rename(
        ws.path().join("apps/site/next.config.ts"),
        ws.path().join("apps/site/next.config.mjs"),
    )
    .unwrap();
    std::fs::write(
        ws.path().join("apps/site/next.config.mjs"),
        "const config = {};\nexport default config;\n",
    )
    .unwrap();
    assert!(dockerfile(&ws, "site").contains("next.config.mjs"));
    assert!(dockerfile(&ws, "web").contains("server.js"));
}

/// stack-auth's apps start with `next start --port ${NEXT_PUBLIC_STACK_PORT_PREFIX:-81}01`
/// (Next 16.1): generate refused every one as "through the shell", and its fix (`cmd` in
/// isogen.toml) did not help. The image sets no such variable, so the shell would run
/// `next start --port 8101`: that runs, with a warning that says so; for the standalone output
/// the port becomes `PORT`.
#[test]
fn a_next_start_option_with_a_shell_default_runs_with_the_default() {
    let manifest = SITE_MANIFEST.replace(
        "START",
        "next start --port ${NEXT_PUBLIC_PORT_PREFIX:-81}01 -H ${HOST-0.0.0.0}",
    );
    let ws = next_workspace(&[("apps/site/package.json", &manifest)]);
    crate::fixture_copy::edit(
        ws.path(),
        "apps/web/package.json",
        r#""start": "next start""#,
        r#""start": "next start -p ${PORT_PREFIX:-40}00""#,
    );
    let text = dockerfile(&ws, "site");
    assert!(
        text.contains(r#"CMD ["node", "/app/apps/site/node_modules/next/dist/bin/next", "start", "--port", "8101", "-H", "0.0.0.0"]"#),
        "{text}"
    );
    let warnings = warnings_of(&ws, "site");
    assert!(
        warnings.contains("apps/site/package.json: the `start` script of `@nx/site` runs `next start --port ${NEXT_PUBLIC_PORT_PREFIX:-81}01 -H ${HOST-0.0.0.0}`; the image sets no variable of ${NEXT_PUBLIC_PORT_PREFIX:-81}, ${HOST-0.0.0.0}, so the shell would take their defaults: the image runs `next start --port 8101 -H 0.0.0.0`"),
        "{warnings}"
    );
    let text = dockerfile(&ws, "web");
    assert!(text.contains(r#"ENV PORT="4000""#), "{text}");
    assert!(
        text.contains(r#"CMD ["node", "/app/apps/web/server.js"]"#),
        "{text}"
    );
}

/// Next.js 16.0 and 16.1 still load a `next.config.ts` through `typescript` under `next start`
/// (16.1.7's transpile-config.js calls `verifyTypeScriptSetup`, which `npm install`s it when it
/// is missing; stack-auth is on 16.1.7); 16.2 reads tsconfig.json itself. The check stopped at
/// Next 15.
#[test]
fn a_typescript_config_under_next_16_1_start_without_typescript_is_refused_and_16_2_is_not() {
    let on = |version: &str| {
        let ws = next_workspace(&[(
            "apps/site/next.config.ts",
            "import type { NextConfig } from 'next';\nconst config: NextConfig = {};\nexport default config;\n",
        )]);
        std::fs::remove_file(ws.path().join("apps/site/next.config.js")).unwrap();
        for file in [
            "pnpm-lock.yaml",
            "apps/site/package.json",
            "apps/web/package.json",
        ] {
            let path = ws.path().join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace("15.5.29", version)).unwrap();
        }
        ws
    };
    refused(
        &on("16.1.7"),
        &["apps/site/next.config.ts: Next.js 16.1.7 loads next.config.ts under `next start` through the `typescript` package", "upgrade to Next.js 16.2 or later"],
    );
    refused(
        &on("16.0.0"),
        &["apps/site/next.config.ts: Next.js 16.0.0 loads next.config.ts"],
    );
    let ws = on("16.2.0");
    assert!(dockerfile(&ws, "site").contains("next.config.ts"));
}
