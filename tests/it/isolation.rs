//! Source-level isolation through the CLI, on two fixtures shaped like real repositories:
//! `pnpm9-service-imports` (a worker that imports the api service's code through tsconfig
//! `paths`, a relative path and the api's package name: refused, with file and line) and
//! `pnpm9-relative-dist` (a service that imports its declared internal package's build output
//! by relative path: accepted, since the image keeps the workspace layout).

use std::path::Path;

use assert_cmd::Command;

/// A copy of `tests/fixtures/<name>` in a temporary folder.
fn fixture(name: &str) -> tempfile::TempDir {
    crate::fixture_copy::copy(name, true)
}

/// Exit code and stderr of `isogen <args> <dir>`, the folder shown as `[DIR]`.
fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "[DIR]");
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_worker_importing_the_api_service_is_refused_with_file_and_line() {
    let ws = fixture("pnpm9-service-imports");
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 2, "{stderr}");
    insta::assert_snapshot!("service_imports_service", stderr);
    // The spec file imports the api too, but tests never reach an image.
    assert!(!stderr.contains("main.spec.ts"), "{stderr}");
}

#[test]
fn keep_going_writes_the_api_and_refuses_the_worker() {
    let ws = fixture("pnpm9-service-imports");
    let (code, stderr) = run(ws.path(), &["generate", "--keep-going"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(ws.path().join("apps/api/Dockerfile").is_file(), "{stderr}");
    assert!(
        !ws.path().join("apps/worker/Dockerfile").exists(),
        "{stderr}"
    );
    assert!(
        stderr.contains("service `worker` imports service `api`"),
        "{stderr}"
    );
}

#[test]
fn a_relative_import_of_a_declared_packages_build_output_is_accepted() {
    let ws = fixture("pnpm9-relative-dist");
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");

    // The same import into the package's sources (which the image does not ship) is refused.
    let main = ws.path().join("apps/notifier/src/main.ts");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(
        &main,
        text.replace("shared/dist/format", "shared/src/format"),
    )
    .unwrap();
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 2, "{stderr}");
    insta::assert_snapshot!("relative_import_of_unshipped_sources", stderr);
}

/// A temporary workspace of `files` (path, text).
fn inline(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn what_cannot_break_the_image_is_a_warning() {
    // `@x/testkit` is only a devDependency of the api: its `require()` of an undeclared
    // workspace package never runs in the image, and the compiler does not follow it. A tool's
    // config file at the top of the api reaches a root file.
    let ws = inline(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
        ),
        (
            "pnpm-workspace.yaml",
            "packages:\n  - packages/*\n  - services/*\n",
        ),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
        ("prettier.base.js", "module.exports = {};\n"),
        (
            "packages/other/package.json",
            r#"{"name":"@x/other","version":"1.0.0","main":"index.js"}"#,
        ),
        ("packages/other/index.js", "module.exports = 1;\n"),
        (
            "packages/testkit/package.json",
            r#"{"name":"@x/testkit","version":"1.0.0","main":"index.js"}"#,
        ),
        (
            "packages/testkit/index.js",
            "module.exports = () => require('@x/other');\n",
        ),
        (
            "services/api/package.json",
            r#"{"name":"@x/api","version":"1.0.0","main":"server.js","devDependencies":{"@x/testkit":"workspace:*"}}"#,
        ),
        ("services/api/server.js", crate::SERVE_CJS),
        (
            "services/api/prettier.config.js",
            "module.exports = require('../../prettier.base.js');\n",
        ),
    ]);
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("warnings_only", stderr);
}

#[test]
fn an_internal_package_consumed_as_typescript_source_has_its_imports_checked() {
    // graphql-hive's `@hive/storage`: `"main": "./src/index.ts"` (its dependents bundle the
    // source), and src/index.ts imports another package's source by relative path without
    // declaring it. The entry's folder is source, not build output, so its imports count:
    // the service's build would stop at "Could not resolve '../../api/src/shared/entities'".
    let ws = inline(&[
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
            "packages/api/package.json",
            r#"{"name":"@x/api","version":"1.0.0","main":"./src/index.ts"}"#,
        ),
        ("packages/api/src/index.ts", "export const x = 1;\n"),
        (
            "packages/api/src/shared/entities.ts",
            "export const role = 'admin';\n",
        ),
        (
            "packages/storage/package.json",
            r#"{"name":"@x/storage","version":"1.0.0","main":"./src/index.ts","exports":{".":"./src/index.ts"}}"#,
        ),
        (
            "packages/storage/src/index.ts",
            "import { role } from '../../api/src/shared/entities';\nexport const who = role;\n",
        ),
        (
            "services/tokens/package.json",
            r#"{"name":"@x/tokens","version":"1.0.0","main":"dist/index.js","scripts":{"build":"tsc"},"devDependencies":{"@x/storage":"workspace:*"}}"#,
        ),
        (
            "services/tokens/src/index.ts",
            "import { who } from '@x/storage';\nconsole.log(who);\n",
        ),
    ]);
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("packages/storage/src/index.ts:1: '../../api/src/shared/entities' reaches `@x/api` (packages/api), which packages/storage/package.json does not declare"),
        "{stderr}"
    );
}

/// As postiz shares code (Nx style): `libraries/*` folders with no package.json, reached from
/// each app through `paths` of the root tsconfig (`@acme/nest/*` -> `libraries/nest/src/*`).
/// The image's build copies only packages, so tsc would fail with TS2307: refused, one line
/// per pattern however many imports use it. A catch-all `"*"` pattern (the compiler falls back
/// to node_modules from it) is not.
#[test]
fn paths_into_a_shared_folder_that_is_no_package_are_refused_once_per_pattern() {
    let ws = inline(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
        ),
        ("pnpm-workspace.yaml", "packages:\n  - apps/*\n  - libraries/*\n"),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
        (
            "tsconfig.base.json",
            r#"{"compilerOptions":{"baseUrl":".","paths":{"@acme/nest/*":["libraries/nest/src/*"],"@acme/api/*":["apps/api/src/*"],"*":["types/*"]}}}"#,
        ),
        ("libraries/nest/src/db.ts", "export const db = 1;\n"),
        ("libraries/nest/src/queue.ts", "export const queue = 1;\n"),
        (
            "apps/api/package.json",
            r#"{"name":"@acme/api","version":"1.0.0","scripts":{"build":"tsc","start":"node dist/main.js"}}"#,
        ),
        (
            "apps/api/tsconfig.json",
            r#"{"extends":"../../tsconfig.base.json","compilerOptions":{"outDir":"dist"}}"#,
        ),
        (
            "apps/api/src/main.ts",
            "import { db } from '@acme/nest/db';\nimport { queue } from '@acme/nest/queue';\nimport { x } from '@acme/api/x';\nimport express from 'express';\n",
        ),
        ("apps/api/src/x.ts", "export const x = 1;\n"),
    ]);
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr
            .contains("apps/api/src/main.ts:1: '@acme/nest/db', through `paths` \"@acme/nest/*\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("which is in no workspace package"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(and 1 more imports through the same pattern)"),
        "{stderr}"
    );
    assert!(!stderr.contains("main.ts:2:"), "{stderr}");
    assert!(!stderr.contains("express"), "{stderr}");
    assert!(!stderr.contains("@acme/api/x"), "{stderr}");
}

/// As karakeep's `packages/sdk`: its tsconfig has `"baseUrl": "."`, and its vite.config.mts
/// imports `vite-tsconfig-paths`, which it does not declare (only the flat layout made it
/// load). `tsc` resolves a bare specifier from `baseUrl` only when a file or folder is there,
/// so this one is a package import, and the undeclared-dependency warning is given; a
/// `baseUrl` import of a file that exists (`src/format`) is the package's own code.
#[test]
fn a_bare_import_with_no_file_under_base_url_is_a_package_import() {
    let ws = inline(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
        ),
        (".npmrc", "node-linker=hoisted\n"),
        (
            "pnpm-workspace.yaml",
            "packages:\n  - packages/*\n  - apps/*\n",
        ),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
        (
            "packages/sdk/package.json",
            r#"{"name":"@x/sdk","version":"1.0.0","main":"dist/index.js","scripts":{"build":"vite build"}}"#,
        ),
        (
            "packages/sdk/tsconfig.json",
            r#"{"compilerOptions":{"baseUrl":".","outDir":"dist"}}"#,
        ),
        (
            "packages/sdk/vite.config.mts",
            "import tsconfigPaths from \"vite-tsconfig-paths\";\nexport default { plugins: [tsconfigPaths()] };\n",
        ),
        (
            "packages/sdk/src/index.ts",
            "import { format } from \"src/format\";\nexport const hello = format;\n",
        ),
        ("packages/sdk/src/format.ts", "export const format = 1;\n"),
        (
            "apps/web/package.json",
            r#"{"name":"@x/web","version":"1.0.0","main":"server.js","dependencies":{"@x/sdk":"workspace:*"}}"#,
        ),
        (
            "apps/web/server.js",
            "require('@x/sdk');\nrequire('node:http').createServer().listen(3000);\n",
        ),
    ]);
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    let named: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(": imports `"))
        .collect();
    assert_eq!(named.len(), 1, "{stderr}");
    assert!(
        named[0].starts_with("warning: packages/sdk/vite.config.mts:1: imports `vite-tsconfig-paths`, which packages/sdk/package.json does not declare; .npmrc: `node-linker = hoisted`"),
        "{stderr}"
    );
}

/// As latitude-llm's services: test helpers (`src/test-utils/`, `src/testing/`), the test
/// runner's config and the setup file it names import `vitest`, which only the root declares, in devDependencies.
/// Tests never reach the image and the build never reads them: no warning. The same import
/// in the service's own code is still named.
#[test]
fn test_helpers_and_test_runner_configs_are_not_checked() {
    let files = [
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9","devDependencies":{"vitest":"2.1.8"}}"#,
        ),
        ("pnpm-workspace.yaml", "packages:\n  - apps/*\n"),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    devDependencies:\n      vitest:\n        specifier: 2.1.8\n        version: 2.1.8\n\n  apps/gateway: {}\n",
        ),
        ("vitest.shared.ts", "export default {};\n"),
        (
            "apps/gateway/package.json",
            r#"{"name":"@x/gateway","version":"1.0.0","main":"server.js"}"#,
        ),
        (
            "apps/gateway/server.js",
            "require('./src/app.js');\nrequire('node:http').createServer().listen(3000);\n",
        ),
        ("apps/gateway/src/app.js", "module.exports = 1;\n"),
        (
            "apps/gateway/vitest.config.ts",
            "import { defineConfig } from 'vitest/config';\nimport shared from '../../vitest.shared';\nexport default defineConfig({ ...shared, test: { setupFiles: ['./src/support/setup.js'] } });\n",
        ),
        (
            "apps/gateway/src/support/setup.js",
            "const { beforeAll } = require('vitest');\n",
        ),
        (
            "apps/gateway/src/test-utils/db.js",
            "const { vi } = require('vitest');\nmodule.exports = vi;\n",
        ),
        (
            "apps/gateway/src/testing/factories.js",
            "const { vi } = require('vitest');\nmodule.exports = vi;\n",
        ),
        (
            "apps/gateway/src/__tests__/app.js",
            "const { it } = require('vitest');\n",
        ),
    ];
    let ws = inline(&files);
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("vitest"), "{stderr}");
    assert!(!stderr.contains("config file"), "{stderr}");

    std::fs::write(
        ws.path().join("apps/gateway/src/app.js"),
        "const { vi } = require('vitest');\nmodule.exports = vi;\n",
    )
    .unwrap();
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: apps/gateway/src/app.js:1: imports `vitest`, which apps/gateway/package.json does not declare; only the root package.json declares it, in devDependencies"),
        "{stderr}"
    );
}

/// The same workspace, but the app's next.config.js lists `@x/email` in
/// `serverExternalPackages`: `next build` leaves it to Node, which loads it from node_modules
/// at run time, so the by-path imports in its code run from its folder in the image (where
/// the sources they reach are not shipped: refused, naming the config), and its TypeScript
/// entry is not compiled by Next (a warning says Node cannot load it).
#[test]
fn a_package_next_leaves_external_gets_no_bundling_relaxation() {
    let ws = inline(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
        ),
        ("pnpm-workspace.yaml", "packages:\n  - apps/*\n  - packages/*\n"),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
        (
            "packages/email/package.json",
            r#"{"name":"@x/email","version":"0.0.1","main":"./src/index.ts","dependencies":{"@x/utils":"workspace:*"}}"#,
        ),
        (
            "packages/email/src/index.ts",
            "export { default as LinksLimit } from './templates/links-limit';\nexport { plural } from '../../utils/src/plural';\n",
        ),
        (
            "packages/utils/package.json",
            r#"{"name":"@x/utils","version":"0.0.1","main":"dist/index.js","scripts":{"build":"tsc"}}"#,
        ),
        (
            "packages/utils/src/plural.ts",
            "export const plural = (n: number) => (n === 1 ? '' : 's');\n",
        ),
        (
            "packages/email/src/templates/links-limit.tsx",
            "import { WorkspaceProps } from '../../../../apps/web/lib/types';\nexport default function LinksLimit(p: { w: WorkspaceProps }) { return p.w.name; }\n",
        ),
        (
            "apps/web/package.json",
            r#"{"name":"web","private":true,"scripts":{"build":"next build","start":"next start"},"dependencies":{"@x/email":"workspace:*","next":"15.1.0"}}"#,
        ),
        ("apps/web/next.config.js", "module.exports = { serverExternalPackages: ['@x/email'] };\n"),
        (
            "apps/web/lib/types.ts",
            "export interface WorkspaceProps { name: string }\n",
        ),
        (
            "apps/web/app/page.tsx",
            "import { LinksLimit } from '@x/email';\nexport default function Page() { return LinksLimit({ w: { name: 'a' } }); }\n",
        ),
        ("apps/web/server.js", "require('next');\n"),
    ]);
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("packages/email/src/index.ts:2: '../../utils/src/plural' reaches packages/utils/src/plural, a file `@x/utils` does not ship"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(`@x/email` runs from node_modules at run time: apps/web/next.config.js lists it, or a package that depends on it, in serverExternalPackages, so `next build` does not bundle it)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("packages/email/src/templates/links-limit.tsx:1: '../../../../apps/web/lib/types' reaches `web` (apps/web), the service that depends on `@x/email`"),
        "{stderr}"
    );
    // Without the by-path imports, generate goes on and says Node cannot load the entry.
    std::fs::write(
        ws.path().join("packages/email/src/index.ts"),
        "export const hello = 'hi';\n",
    )
    .unwrap();
    std::fs::remove_dir_all(ws.path().join("packages/email/src/templates")).unwrap();
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr
            .contains("the entry of `@x/email` is TypeScript (src/index.ts) and nothing builds it"),
        "{stderr}"
    );
}

/// As dub's `@dub/email`: an internal package with a TypeScript entry, compiled by the
/// Next.js app that uses it, imports a type of that app by relative path without declaring
/// it (`../../../../apps/web/lib/types`). The app's build has the file and `next build`
/// bundles the package, so nothing resolves the path at run time: only a warning. Under a
/// custom server (`node server.js`) the package's code runs from its folder, where the
/// app's sources are not shipped: refused.
#[test]
fn imports_in_packages_a_next_app_bundles_need_only_the_build() {
    let ws = inline(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
        ),
        ("pnpm-workspace.yaml", "packages:\n  - apps/*\n  - packages/*\n"),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
        (
            "packages/email/package.json",
            r#"{"name":"@x/email","version":"0.0.1","main":"./src/index.ts","dependencies":{"@x/utils":"workspace:*"}}"#,
        ),
        (
            "packages/email/src/index.ts",
            "export { default as LinksLimit } from './templates/links-limit';\nexport { plural } from '../../utils/src/plural';\n",
        ),
        (
            "packages/utils/package.json",
            r#"{"name":"@x/utils","version":"0.0.1","main":"dist/index.js","scripts":{"build":"tsc"}}"#,
        ),
        (
            "packages/utils/src/plural.ts",
            "export const plural = (n: number) => (n === 1 ? '' : 's');\n",
        ),
        (
            "packages/email/src/templates/links-limit.tsx",
            "import { WorkspaceProps } from '../../../../apps/web/lib/types';\nexport default function LinksLimit(p: { w: WorkspaceProps }) { return p.w.name; }\n",
        ),
        (
            "apps/web/package.json",
            r#"{"name":"web","private":true,"scripts":{"build":"next build","start":"next start"},"dependencies":{"@x/email":"workspace:*","next":"15.1.0"}}"#,
        ),
        ("apps/web/next.config.js", "module.exports = {};\n"),
        (
            "apps/web/lib/types.ts",
            "export interface WorkspaceProps { name: string }\n",
        ),
        (
            "apps/web/app/page.tsx",
            "import { LinksLimit } from '@x/email';\nexport default function Page() { return LinksLimit({ w: { name: 'a' } }); }\n",
        ),
        ("apps/web/server.js", "require('next');\n"),
    ]);
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: packages/email/src/templates/links-limit.tsx:1: '../../../../apps/web/lib/types' reaches `web` (apps/web), the service that depends on `@x/email` (declaring it would be a cycle); move what it imports into packages/email or into an internal package both declare"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`next build` bundles the code of `@x/email`"),
        "{stderr}"
    );
    // As formbricks' `packages/database/zod/surveys.ts` imports `../../types/common`: the
    // sources of a declared package, which the builder has and next build bundles.
    assert!(!stderr.contains("plural"), "{stderr}");

    let manifest = ws.path().join("apps/web/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("\"next start\"", "\"node server.js\""),
    )
    .unwrap();
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("packages/email/src/templates/links-limit.tsx:1: '../../../../apps/web/lib/types' reaches `web` (apps/web), the service that depends on `@x/email`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("packages/email/src/index.ts:2: '../../utils/src/plural' reaches packages/utils/src/plural, a file `@x/utils` does not ship"),
        "{stderr}"
    );
}

/// As splits-network's `packages/shared-types` (generated types saved as UTF-16 LE by a
/// Windows shell) and `packages/basel-ui` (a Windows-1252 dash in a comment): `tsc` compiles
/// both, so their imports are checked like any other file's, not skipped with a warning.
#[test]
fn sources_in_utf16_or_with_a_stray_byte_have_their_imports_checked() {
    let ws = fixture("pnpm9-encodings");
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!stderr.contains("could not check"), "{stderr}");
    assert!(
        stderr.contains("packages/db-types/src/database.types.ts:2: '@enc/json' reaches `@enc/json` (packages/json), which packages/db-types/package.json does not declare"),
        "{stderr}"
    );
    assert!(
        stderr.contains("services/api/src/format.ts:1: '@enc/json' reaches `@enc/json` (packages/json), which services/api/package.json does not declare"),
        "{stderr}"
    );
}

/// Shaped like openpanel's `apps/start` (a TanStack Start app whose `pnpm with-env vite
/// build` writes a Nitro server) importing `type ChatApp` from the api service's sources:
/// Vite strips the type import without reading the file, so the image builds and runs
/// without the api, and generate says so in a warning instead of refusing the app. The same
/// import under a build that type-checks (`tsc --noEmit && ...`) is still refused.
#[test]
fn a_type_import_of_another_service_that_the_build_strips_is_a_warning() {
    let ws = fixture("pnpm10-type-import");
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: apps/start/src/agents/client.ts:3: service `start` imports service `api` ('../../../api/src/agents/app'); move the shared code into an internal package that both declare as a dependency; not an error for `start`: it imports only types, and the build of `start` (`vite build`) strips them without reading apps/api/src/agents/app (it checks no types)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("the build still needs the files"),
        "{stderr}"
    );

    let manifest = ws.path().join("apps/start/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let checked = text.replace(
        r#""build": "pnpm with-env vite build""#,
        r#""build": "tsc --noEmit && pnpm with-env vite build""#,
    );
    assert_ne!(checked, text);
    std::fs::write(&manifest, &checked).unwrap();
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("error: service `start` imports code its image's build does not have (1 import):\n  apps/start/src/agents/client.ts:3: service `start` imports service `api` ('../../../api/src/agents/app'); move the shared code into an internal package that both declare as a dependency (it imports only types, but the build still needs the files)"),
        "{stderr}"
    );
}

/// A refused import and another problem of the same service (openpanel's `apps/start` has
/// no start command generate reads either; here it starts TypeScript) come in one run, not
/// one after the other is fixed.
#[test]
fn a_service_refused_for_its_imports_also_reports_its_other_problems() {
    let ws = fixture("pnpm10-type-import");
    let manifest = ws.path().join("apps/start/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let broken = text
        .replace(
            r#""build": "pnpm with-env vite build""#,
            r#""build": "tsc --noEmit && pnpm with-env vite build""#,
        )
        .replace(
            r#""start": "node .output/server/index.mjs","#,
            r#""start": "node src/server.ts","#,
        );
    std::fs::write(&manifest, &broken).unwrap();
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("service `start` imports service `api`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the entry `src/server.ts` of the service `start`"),
        "{stderr}"
    );
    // `isogen list` shows both on the service's row.
    let (code, stdout) = {
        let out = Command::cargo_bin("isogen")
            .unwrap()
            .env("NO_COLOR", "1")
            .arg("list")
            .arg(ws.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.code().unwrap_or(-1), stdout)
    };
    assert_eq!(code, 0, "{stdout}");
    let row = stdout
        .lines()
        .skip_while(|l| !l.starts_with("refused"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(row.contains("imports service `api`"), "{stdout}");
    assert!(row.contains("the entry `src/server.ts`"), "{stdout}");
}

/// openpanel's `apps/api/scripts/get-bots.ts` writes `../src/bots/bots.ts` next to itself;
/// a `gen:bots` script runs it by hand, the server never loads it: no "writes at run time"
/// warning. The same write in a file the server imports is named.
#[test]
fn writes_in_scripts_the_server_never_loads_are_not_named() {
    let ws = fixture("pnpm10-type-import");
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("writes at run time"), "{stderr}");

    let script = ws.path().join("apps/api/scripts/get-bots.mjs");
    let refresh = std::fs::read_to_string(&script).unwrap();
    std::fs::write(ws.path().join("apps/api/src/refresh.ts"), refresh).unwrap();
    let index = ws.path().join("apps/api/src/index.ts");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, format!("import './refresh.js';\n{text}")).unwrap();
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("api: its code writes at run time under its working folder")
            && stderr.contains("apps/api/src/refresh.ts:"),
        "{stderr}"
    );
    assert!(!stderr.contains("scripts/get-bots.mjs"), "{stderr}");
}

/// inngest's `ui` workspace: each app's `tailwind.config.ts` extends
/// `../../packages/components/tailwind.config`, a file of a declared internal package that no
/// build output holds. Tailwind loads it in the builder, which copies the package's whole
/// folder, so it is no problem (generate warned "the build or the service would fail" and
/// proposed importing a package whose `exports` do not name the file). The same import in
/// code the server runs is still refused.
#[test]
fn a_build_tool_config_may_import_a_declared_packages_unshipped_file() {
    let ws = fixture("pnpm10-tanstack-ui");
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("tailwind.config"), "{stderr}");
    crate::fixture_copy::edit(
        ws.path(),
        "apps/dashboard/src/routes/index.tsx",
        "export function Home",
        "export { default as theme } from '../../../../packages/components/tailwind.config';\n\nexport function Home",
    );
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("apps/dashboard/src/routes/index.tsx:3: '../../../../packages/components/tailwind.config' reaches packages/components/tailwind.config, a file `@tu/components` does not ship"),
        "{stderr}"
    );
}

/// inngest's dashboard imported `@inngest/components` through tsconfig `paths` without
/// declaring it, and components imports the dev-server-ui service's generated types by
/// relative path. generate named only the missing declaration; once it was added, the next
/// run refused the service-to-service import. Both come in the first run now.
#[test]
fn an_undeclared_packages_own_crossings_come_in_the_same_run() {
    let ws = fixture("pnpm10-tanstack-ui");
    let edit =
        |rel: &str, from: &str, to: &str| crate::fixture_copy::edit(ws.path(), rel, from, to);
    edit(
        "packages/components/src/FunctionConfiguration/FunctionConfiguration.tsx",
        "export type Trigger",
        "import { FunctionTriggerTypes } from '../../../../apps/devserver/src/store/generated-types';\n\nexport type Trigger",
    );
    edit(
        "packages/components/src/FunctionConfiguration/FunctionConfiguration.tsx",
        "{t.type}</li>",
        "{t.type === FunctionTriggerTypes.Cron ? 'cron' : t.type}</li>",
    );
    edit(
        "apps/dashboard/package.json",
        ",\n  \"dependencies\": {\n    \"@tu/components\": \"workspace:*\"\n  }",
        "",
    );
    edit(
        "pnpm-lock.yaml",
        "  apps/dashboard:\n    dependencies:\n      '@tu/components':\n        specifier: workspace:*\n        version: link:../../packages/components\n",
        "  apps/dashboard: {}\n",
    );
    let (code, stderr) = run(ws.path(), &["generate", "--dry-run"]);
    assert_eq!(code, 2, "{stderr}");
    for part in [
        "error: service `dashboard` imports code its image's build does not have (2 imports):",
        "apps/dashboard/src/routes/index.tsx:1: '@tu/components/Button/Button', through `paths` \"@tu/components/*\" of apps/dashboard/tsconfig.json to packages/components/src/Button/Button reaches `@tu/components` (packages/components), which apps/dashboard/package.json does not declare; add \"@tu/components\": \"workspace:*\"",
        "packages/components/src/FunctionConfiguration/FunctionConfiguration.tsx:1: service `dashboard` imports service `devserver` ('../../../../apps/devserver/src/store/generated-types', in `@tu/components`, which it imports without declaring it (above)); move the shared code into an internal package",
    ] {
        assert!(stderr.contains(part), "{part:?} not in {stderr}");
    }
}
