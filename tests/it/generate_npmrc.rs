//! `.npmrc` and the pnpm settings as `isogen generate` handles them, through the real binary:
//! registry credentials never reach the Dockerfile, the build context or a layer (a build
//! secret instead); `node-linker`, `ignore-scripts` and the other layout settings are acted on
//! or named in a warning.

use assert_cmd::Command;

/// A workspace of one service and one internal package, with a lockfile pnpm accepts.
const BASE: &[(&str, &str)] = &[
    (
        "package.json",
        r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9","devDependencies":{"typescript":"5.6.3"}}"#,
    ),
    (
        "pnpm-workspace.yaml",
        "packages:\n  - packages/*\n  - services/*\n",
    ),
    (
        "pnpm-lock.yaml",
        "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    devDependencies:\n      typescript:\n        specifier: 5.6.3\n        version: 5.6.3\n\n  packages/lib: {}\n\n  services/api:\n    dependencies:\n      '@x/lib':\n        specifier: workspace:*\n        version: link:../../packages/lib\n\npackages:\n\n  typescript@5.6.3:\n    resolution: {integrity: sha512-hjcS1mhfuyi4WW8IWtjP7brDrG2cuDZukyrYrSauoXGNgx0S7zceP07adYkJycEr56BOUTNPzbInooiN3fn1qw==}\n    engines: {node: '>=14.17'}\n    hasBin: true\n\nsnapshots:\n\n  typescript@5.6.3: {}\n",
    ),
    (
        "packages/lib/package.json",
        r#"{"name":"@x/lib","version":"1.0.0","main":"dist/index.js","scripts":{"build":"tsc"}}"#,
    ),
    (
        "services/api/package.json",
        r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"workspace:*"}}"#,
    ),
];

/// The base workspace with `files` added or replaced, generated: (Dockerfile, ignore file,
/// stderr).
fn generate(files: &[(&str, &str)]) -> (String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let all = BASE
        .iter()
        .filter(|(p, _)| !files.iter().any(|(q, _)| q == p))
        .chain(files);
    for (path, text) in all {
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
    let read = |rel: &str| std::fs::read_to_string(dir.path().join(rel)).unwrap();
    (
        read("services/api/Dockerfile"),
        read("services/api/Dockerfile.dockerignore"),
        stderr,
    )
}

const SECRET_MOUNT: &str = "--mount=type=secret,id=npmrc,target=/root/.npmrc";

#[test]
fn registry_credentials_are_a_build_secret_never_in_the_dockerfile_or_the_context() {
    let npmrc = "@x:registry=https://npm.acme.dev/\n//npm.acme.dev/:_authToken=npm_s3cr3tT0ken\n_auth=dXNlcjpwYXNz\nauto-install-peers=true\n";
    let (dockerfile, ignore, _) = generate(&[(".npmrc", npmrc)]);
    for secret in ["npm_s3cr3tT0ken", "dXNlcjpwYXNz", "_authToken", "_auth="] {
        assert!(!dockerfile.contains(secret), "{secret} in\n{dockerfile}");
        assert!(!ignore.contains(secret), "{secret} in\n{ignore}");
    }
    // Not in the build context, not copied: written without its credentials.
    assert!(!ignore.contains("!.npmrc"), "{ignore}");
    assert!(!dockerfile.contains("COPY .npmrc"), "{dockerfile}");
    // Written twice (deps and runtime-deps), removed after the production install.
    assert_eq!(
        dockerfile
            .matches(
                "RUN printf '%s\\n' @x:registry=https://npm.acme.dev/ auto-install-peers=true > .npmrc\n"
            )
            .count(),
        2,
        "{dockerfile}"
    );
    // Every pnpm command that may fetch (the deps install and its rebuild, the production
    // install and its rebuild) gets the real file as a secret.
    assert_eq!(dockerfile.matches(SECRET_MOUNT).count(), 4, "{dockerfile}");
    assert!(
        dockerfile.contains("RUN rm -rf package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc "),
        "{dockerfile}"
    );
}

#[test]
fn an_npmrc_without_credentials_is_copied_as_before_and_nothing_is_mounted() {
    let (dockerfile, ignore, _) = generate(&[(".npmrc", "auto-install-peers=true\n")]);
    assert!(ignore.contains("!.npmrc"), "{ignore}");
    assert!(dockerfile.contains(" .npmrc ./\n"), "{dockerfile}");
    assert!(!dockerfile.contains("type=secret"), "{dockerfile}");
    assert!(!dockerfile.contains("printf"), "{dockerfile}");
}

#[test]
fn every_pnpm_install_keeps_its_store_in_a_cache_mount() {
    let (dockerfile, _, _) = generate(&[]);
    assert!(
        dockerfile.contains(
            "RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \\\n    pnpm install --frozen-lockfile --ignore-scripts --store-dir /pnpm/store --filter @x/api...\n"
        ),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains(
            "RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \\\n    pnpm install --frozen-lockfile --prod --ignore-scripts --store-dir /pnpm/store --filter @x/lib --filter @x/api\n"
        ),
        "{dockerfile}"
    );
    assert!(!dockerfile.contains("npm install --omit"), "{dockerfile}");
}

#[test]
fn ignore_scripts_puts_the_root_bin_on_the_builders_path_and_names_unbuilt_addons() {
    let path = "ENV PATH=/app/node_modules/.bin:$PATH\n";
    let rebuild = "pnpm rebuild --pending";
    let (plain, _, _) = generate(&[]);
    assert!(!plain.contains(path), "{plain}");
    assert!(plain.contains(rebuild), "{plain}");

    let (dockerfile, _, stderr) = generate(&[(".npmrc", "ignore-scripts=true\n")]);
    let builder = dockerfile.split("AS builder\n").nth(1).unwrap();
    assert!(builder.starts_with("# ignore-scripts"), "{builder}");
    assert!(builder.contains(path), "{builder}");
    assert!(
        stderr.contains(".npmrc: `ignore-scripts = true`") && stderr.contains("native addons"),
        "{stderr}"
    );
    assert!(!dockerfile.contains(rebuild), "{dockerfile}");

    // pnpm reads it in pnpm-workspace.yaml too: no rebuild either.
    let (dockerfile, _, stderr) = generate(&[(
        "pnpm-workspace.yaml",
        "packages:\n  - packages/*\n  - services/*\nignoreScripts: true\n",
    )]);
    assert!(dockerfile.contains(path), "{dockerfile}");
    assert!(
        stderr.contains("pnpm-workspace.yaml: `ignore-scripts = true`")
            && stderr.contains("native addons"),
        "{stderr}"
    );
    assert!(!dockerfile.contains(rebuild), "{dockerfile}");
}

#[test]
fn a_hoisted_node_linker_is_overridden_for_the_build_installs() {
    for (file, text) in [
        (".npmrc", "node-linker=hoisted\n"),
        (
            "pnpm-workspace.yaml",
            "packages:\n  - packages/*\n  - services/*\nnodeLinker: hoisted\n",
        ),
    ] {
        let (dockerfile, _, stderr) = generate(&[(file, text)]);
        assert!(
            dockerfile
                .contains("--store-dir /pnpm/store --node-linker=isolated --filter @x/api...\n"),
            "{dockerfile}"
        );
        assert!(
            stderr.contains(&format!("{file}: `node-linker = hoisted`"))
                && stderr.contains("pnpm issue 5891"),
            "{stderr}"
        );
    }
    // isolated is the default: nothing added, nothing said.
    let (dockerfile, _, stderr) = generate(&[(".npmrc", "node-linker=isolated\n")]);
    assert!(!dockerfile.contains("--node-linker"), "{dockerfile}");
    assert!(!stderr.contains("node-linker"), "{stderr}");
}

/// A comment after a value (cosmo's `.npmrc`: `strict-peer-dependencies=false # If this is
/// enabled, ...`) is no part of the value, as npm's and pnpm's ini reader takes it: the
/// default value says nothing, and a hoisted linker is still seen and overridden.
#[test]
fn a_comment_after_a_value_is_not_part_of_it() {
    let npmrc = "strict-peer-dependencies=false # If this is enabled, commands will fail if there is a missing or invalid peer dependency in the tree.\nnode-linker=hoisted ; flat, as the deploy expects\nfetch-retries=\"10\"\n";
    let (dockerfile, _, stderr) = generate(&[(".npmrc", npmrc)]);
    assert!(!stderr.contains("strict-peer-dependencies"), "{stderr}");
    assert!(
        stderr.contains(".npmrc: `node-linker = hoisted`:"),
        "{stderr}"
    );
    assert!(
        dockerfile.contains("--store-dir /pnpm/store --node-linker=isolated --filter @x/api...\n"),
        "{dockerfile}"
    );
}

/// The other layout settings give the default Dockerfile and a warning naming each.
#[test]
fn other_layout_settings_keep_the_dockerfile_and_are_named() {
    // The same allow list in both (without one, pnpm 9 may build anything: the full image).
    let allow = "packages:\n  - packages/*\n  - services/*\nonlyBuiltDependencies:\n  - bcrypt\n";
    let (default, _, _) = generate(&[(".npmrc", "\n"), ("pnpm-workspace.yaml", allow)]);
    let npmrc = "shamefully-hoist=true\npublic-hoist-pattern[]=*eslint*\nhoist-pattern[]=*types*\nauto-install-peers=false\nstrict-peer-dependencies=true\ndedupe-peer-dependents=false\n";
    let (dockerfile, _, stderr) = generate(&[
        (".npmrc", npmrc),
        (
            "pnpm-workspace.yaml",
            "packages:\n  - packages/*\n  - services/*\nonlyBuiltDependencies:\n  - bcrypt\n",
        ),
    ]);
    // Both copy their .npmrc; nothing else differs.
    assert_eq!(dockerfile, default);
    insta::assert_snapshot!(stderr);
}

/// With a pnpm 8 lockfile (which records `requiresBuild`), the warning names the native
/// addons of the service's production closure, and only those.
#[test]
fn ignore_scripts_names_the_addons_a_v6_lockfile_marks() {
    let lock = "lockfileVersion: '6.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    devDependencies:\n      esbuild:\n        specifier: 0.19.0\n        version: 0.19.0\n\n  packages/lib:\n    dependencies:\n      bcrypt:\n        specifier: 5.1.1\n        version: 5.1.1\n\n  services/api:\n    dependencies:\n      '@x/lib':\n        specifier: workspace:*\n        version: link:../../packages/lib\n\npackages:\n\n  /bcrypt@5.1.1:\n    resolution: {integrity: sha512-AGBHOG5hPYZ5Xl9KXzU5iKq9516yEmvCKDg3ecP5kX2aB6UqTeXZxk2ELnDgDm6BQSMlLt9rDB4LoSMx0rYwww==}\n    requiresBuild: true\n    dependencies:\n      node-addon-api: 5.1.0\n    dev: false\n\n  /node-addon-api@5.1.0:\n    resolution: {integrity: sha512-eh0GgfEkpnoWDq+VY8OyvYhFEzBk6jIYbRKdIlyTiAXIVJ8PyBaKb0rp7oDtoddbdoHWhq8wwr+XZ81F1rpNdA==}\n    dev: false\n\n  /esbuild@0.19.0:\n    resolution: {integrity: sha512-i7i8TP4vuG55bKeLyqqk5sTPu1ZjPH3wkcLvAj/0X/222iWFo3AJUYRKjbOoY6BWFMH3teizxHEdV9Su5ESl0w==}\n    requiresBuild: true\n    dev: true\n";
    let (_, _, stderr) = generate(&[
        ("pnpm-lock.yaml", lock),
        (".npmrc", "ignore-scripts=true\n"),
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@8.15.9","devDependencies":{"esbuild":"0.19.0"}}"#,
        ),
        (
            "packages/lib/package.json",
            r#"{"name":"@x/lib","version":"1.0.0","main":"dist/index.js","scripts":{"build":"tsc"},"dependencies":{"bcrypt":"5.1.1"}}"#,
        ),
    ]);
    assert!(
        stderr.contains("so bcrypt (marked requiresBuild in pnpm-lock.yaml, in the production dependencies of `api`) is not built in its image"),
        "{stderr}"
    );
    assert!(!stderr.contains("esbuild"), "{stderr}");
}

/// tests/fixtures/pnpm8-hoisted-fleet (pnpm 8, `ignore-scripts=true`, no package of any
/// service's production closure marked `requiresBuild`): a v6 lockfile marks every package
/// with an install script, so the warning says nothing is lost instead of warning of
/// unbuilt native addons that do not exist (and of a fix that changes nothing).
#[test]
fn ignore_scripts_with_a_v6_lockfile_marking_none_says_nothing_is_lost() {
    let ws = crate::fixture_copy::copy("pnpm8-hoisted-fleet", false);
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .args(["generate", "--dry-run", "--service", "orders"])
        .arg(ws.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("(no `pnpm rebuild`), so nothing is lost in the image of a service none of whose production dependencies pnpm-lock.yaml marks requiresBuild"),
        "{stderr}"
    );
    assert!(!stderr.contains("such as bcrypt"), "{stderr}");
    assert!(!stderr.contains("remove the setting"), "{stderr}");
}

/// tests/fixtures/pnpm11-addon (pnpm 11, lockfile v9, `allowBuilds: {fs-ext: true}`): the
/// build stages use the full Node image, which can compile fs-ext, and the runtime stays slim;
/// with `ignoreScripts: true` added, the warning names fs-ext and the build stays slim; in
/// `.npmrc`, which pnpm 11 no longer reads settings from, it changes nothing and is named.
#[test]
fn an_allowed_native_addon_gets_a_compiler_or_is_named_when_scripts_are_ignored() {
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pnpm11-addon");
    let run = |extra_yaml: &str, npmrc: &str| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        copy_fixture(&fixture, &root);
        let yaml = root.join("pnpm-workspace.yaml");
        let text = std::fs::read_to_string(&yaml).unwrap() + extra_yaml;
        std::fs::write(&yaml, text).unwrap();
        if !npmrc.is_empty() {
            std::fs::write(root.join(".npmrc"), npmrc).unwrap();
        }
        let out = Command::cargo_bin("isogen")
            .unwrap()
            .arg("generate")
            .arg(&root)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dockerfile = std::fs::read_to_string(root.join("services/ledger/Dockerfile")).unwrap();
        (dockerfile, String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (dockerfile, _) = run("", "");
    assert!(
        dockerfile.contains("\nARG NODE_IMAGE=node:22-bookworm\n"),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("\nARG NODE_RUNTIME_IMAGE=node:22-bookworm-slim\n"));
    assert!(dockerfile.contains("# fs-ext builds a native addon at install"));
    assert!(dockerfile.contains("pnpm rebuild --pending"));

    let (dockerfile, stderr) = run("ignoreScripts: true\n", "");
    assert!(
        stderr.contains("so fs-ext (allowed to build by the workspace's allowBuilds or onlyBuiltDependencies, in the production dependencies of `ledger`) is not built in its image"),
        "{stderr}"
    );
    assert!(dockerfile.contains("\nARG NODE_IMAGE=node:22-bookworm-slim\n"));
    assert!(!dockerfile.contains("pnpm rebuild"));

    // pnpm 11 reads only auth and registry settings from .npmrc: these change nothing (it
    // builds fs-ext, isolated layout), so the Dockerfile is the default one, and both are named.
    let (with_npmrc, stderr) = run("", "ignore-scripts=true\nnode-linker=hoisted\n");
    assert!(
        with_npmrc.contains("\nARG NODE_IMAGE=node:22-bookworm\n"),
        "{with_npmrc}"
    );
    assert!(with_npmrc.contains("pnpm rebuild --pending"));
    assert!(!with_npmrc.contains("--node-linker"), "{with_npmrc}");
    for key in ["`ignore-scripts = true`", "`node-linker = hoisted`"] {
        assert!(
            stderr.contains(&format!(".npmrc: {key}: pnpm 11.29.0 reads only auth and registry settings from .npmrc and ignores this one")),
            "{stderr}"
        );
    }
}

fn copy_fixture(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_fixture(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// With a flat node_modules (`node-linker=hoisted`), a package can load what only another
/// package declares; the image installs each package's own dependencies, so generate names
/// each such import (file, line, package, fix). A root devDependency loaded at run time by
/// the service is named whatever the linker; a type-only import of one, or a built-in, is not.
#[test]
fn imports_that_only_a_flat_node_modules_resolves_are_named() {
    let source = (
        "services/api/src/main.ts",
        "import { readFileSync } from \"node:fs\";\nimport path from \"path\";\nimport { v4 } from \"uuid\";\nimport type { Foo } from \"typescript\";\nconst ts = require(\"typescript\");\nimport { lib } from \"@x/lib\";\nimport { v1 } from \"uuid/v1\";\nimport { Request } from \"express\";\nimport { createServer } from \"node:http\";\ncreateServer().listen(3000);\n",
    );
    // The service declares `@types/express` (and the lockfile records it).
    let lock = BASE[2].1.replace(
        "  services/api:\n",
        "  services/api:\n    devDependencies:\n      '@types/express':\n        specifier: 4.17.21\n        version: 4.17.21\n",
    );
    let manifest = r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"workspace:*"},"devDependencies":{"@types/express":"4.17.21"}}"#;
    let typed = [
        ("pnpm-lock.yaml", lock.as_str()),
        ("services/api/package.json", manifest),
        source,
    ];
    let (_, _, stderr) = generate(&[&[(".npmrc", "node-linker=hoisted\n")], &typed[..]].concat());
    let named: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(": imports `"))
        .collect();
    assert_eq!(named.len(), 2, "{stderr}");
    assert!(
        named[0].starts_with("warning: services/api/src/main.ts:5: imports `typescript`, which services/api/package.json does not declare; only the root package.json declares it, in devDependencies"),
        "{stderr}"
    );
    assert!(
        named[1].starts_with("warning: services/api/src/main.ts:3: imports `uuid` (and 1 more import), which services/api/package.json does not declare; .npmrc: `node-linker = hoisted` lets it load")
            && named[1].ends_with("add \"uuid\" to its dependencies"),
        "{stderr}"
    );
    // The isolated layout: an undeclared package fails in the workspace too; only the root's
    // devDependency loaded at run time is named.
    let (_, _, stderr) = generate(&typed);
    let named: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(": imports `"))
        .collect();
    assert_eq!(named.len(), 1, "{stderr}");
    assert!(named[0].contains("imports `typescript`"), "{stderr}");
}

/// pnpm installs the workspace root's `dependencies` with any `--filter`: they are in every
/// service's image, so generate names them once (devDependencies are not installed by
/// `--prod` and are not named).
#[test]
fn the_roots_dependencies_are_named_as_shipped_in_every_image() {
    let root = r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9","dependencies":{"ms":"2.1.3"},"devDependencies":{"typescript":"5.6.3"}}"#;
    let lock = BASE[2]
        .1
        .replace(
            "  .:\n    devDependencies:\n",
            "  .:\n    dependencies:\n      ms:\n        specifier: 2.1.3\n        version: 2.1.3\n    devDependencies:\n",
        )
        .replace(
            "packages:\n\n  typescript@5.6.3:",
            "packages:\n\n  ms@2.1.3:\n    resolution: {integrity: sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==}\n\n  typescript@5.6.3:",
        )
        .replace("snapshots:\n\n", "snapshots:\n\n  ms@2.1.3: {}\n\n");
    let (_, _, stderr) = generate(&[("package.json", root), ("pnpm-lock.yaml", &lock)]);
    let named: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("the workspace root): its dependencies"))
        .collect();
    assert_eq!(named.len(), 1, "{stderr}");
    assert!(
        named[0].contains("(ms)") && !named[0].contains("typescript"),
        "{stderr}"
    );
    let (_, _, stderr) = generate(&[]);
    assert!(!stderr.contains("its dependencies ("), "{stderr}");
}

/// As dokploy: pnpm 10 with its allow list in the root package.json's `pnpm` field
/// (`"pnpm": {"onlyBuiltDependencies": ["better-sqlite3", ...]}`), not in
/// pnpm-workspace.yaml. pnpm 10 reads it there and builds the addon at install, so the build
/// stages need a compiler (the full Node image); the runtime image stays slim. (isogen read
/// only pnpm-workspace.yaml, took pnpm 10 for building nothing, and the deps stage died in
/// node-gyp: "Could not find any Python installation to use".)
#[test]
fn an_allow_list_in_the_root_manifests_pnpm_field_gets_a_compiler() {
    let lock = "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .: {}\n\n  packages/lib:\n    dependencies:\n      bcrypt:\n        specifier: 5.1.1\n        version: 5.1.1\n\n  services/api:\n    dependencies:\n      '@x/lib':\n        specifier: workspace:*\n        version: link:../../packages/lib\n\npackages:\n\n  bcrypt@5.1.1:\n    resolution: {integrity: sha512-AGBHOG5hPYZ5Xl9KXzU5iKq9516yEmvCKDg3ecP5kX2aB6UqTeXZxk2ELnDgDm6BQSMlLt9rDB4LoSMx0rYwww==}\n    engines: {node: '>= 10.0.0'}\n\n  node-addon-api@5.1.0:\n    resolution: {integrity: sha512-eh0GgfEkpnoWDq+VY8OyvYhFEzBk6jIYbRKdIlyTiAXIVJ8PyBaKb0rp7oDtoddbdoHWhq8wwr+XZ81F1rpNdA==}\n\nsnapshots:\n\n  bcrypt@5.1.1:\n    dependencies:\n      node-addon-api: 5.1.0\n\n  node-addon-api@5.1.0: {}\n";
    let (dockerfile, _, _) = generate(&[
        ("pnpm-lock.yaml", lock),
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@10.22.0","pnpm":{"onlyBuiltDependencies":["bcrypt","esbuild"]}}"#,
        ),
        (
            "packages/lib/package.json",
            r#"{"name":"@x/lib","version":"1.0.0","main":"dist/index.js","scripts":{"build":"tsc"},"dependencies":{"bcrypt":"5.1.1"}}"#,
        ),
    ]);
    assert!(
        dockerfile.contains(
            "ARG NODE_IMAGE=node:26-bookworm\nARG NODE_RUNTIME_IMAGE=node:26-bookworm-slim\n"
        ),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("bcrypt builds a native addon at install"),
        "{dockerfile}"
    );
}

/// wundergraph/cosmo: the workspace root's production dependencies (graphiql) are in every
/// service's production install, with the optional peers a devDependency of the root resolved
/// for them (`@types/react-dom`): those are removed like the service's own, so the image
/// holds no dev-only package (verify's `dev-dependency` failed cosmo's controlplane on it).
#[test]
fn optional_peers_of_the_roots_dependencies_that_a_dev_dependency_resolved_are_removed() {
    let lock = "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    dependencies:\n      ui-kit:\n        specifier: 1.0.0\n        version: 1.0.0(@types/react-dom@18.3.0)\n    devDependencies:\n      '@types/react-dom':\n        specifier: 18.3.0\n        version: 18.3.0\n\n  packages/lib: {}\n\n  services/api:\n    dependencies:\n      '@x/lib':\n        specifier: workspace:*\n        version: link:../../packages/lib\n\npackages:\n\n  '@types/react-dom@18.3.0':\n    resolution: {integrity: sha512-dom}\n\n  ui-kit@1.0.0:\n    resolution: {integrity: sha512-kit}\n    peerDependencies:\n      '@types/react-dom': '*'\n    peerDependenciesMeta:\n      '@types/react-dom':\n        optional: true\n\nsnapshots:\n\n  '@types/react-dom@18.3.0': {}\n\n  ui-kit@1.0.0(@types/react-dom@18.3.0):\n    optionalDependencies:\n      '@types/react-dom': 18.3.0\n";
    let root = r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9","dependencies":{"ui-kit":"1.0.0"},"devDependencies":{"@types/react-dom":"18.3.0"}}"#;
    let (dockerfile, _, _) = generate(&[("package.json", root), ("pnpm-lock.yaml", lock)]);
    assert!(
        dockerfile.contains("#   @types/react-dom@18.3.0: optional peer of ui-kit@1.0.0"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("    @types+react-dom@18.3.0/ \\\n"),
        "{dockerfile}"
    );
}
