//! Unit tests of the Node context: manifest rewrites and overrides, on workspaces made on
//! disk (discovery) and in memory (the context alone).

use super::*;
use crate::workspace::WorkspaceConfig;
use std::path::Path;

fn discover(files: &[(&str, &str)]) -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let ws = Workspace::discover(dir.path(), &WorkspaceConfig::default()).unwrap();
    (dir, ws)
}

/// A service entry's line that starts a server: an entry that starts nothing is refused.
const LISTENS: &str = "require('node:http').createServer().listen(3000);\n";

/// The Node context of `service`.
fn node_context(ws: &Workspace, service: &str) -> (NodeContext, Vec<String>) {
    let config = crate::config::Config::default();
    let mut warnings = Vec::new();
    let svc = ws.service(service).unwrap();
    let ctx = context(
        ws,
        svc,
        &config.generate,
        Path::new("isogen.toml"),
        &mut warnings,
    )
    .unwrap();
    (ctx, warnings)
}

#[test]
fn the_production_install_reads_the_original_manifests_and_ships_one_copy_of_each_package() {
    let (_dir, ws) = discover(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@10.34.9","pnpm":{"overrides":{"loose-envify":"-"}}}"#,
        ),
        (
            "pnpm-workspace.yaml",
            "packages: ['packages/*', 'services/*']\ncatalog:\n  ms: ^2.1.3\n",
        ),
        (
            "packages/a/package.json",
            r#"{"name":"@s/a","version":"1.5.0","main":"src/index.ts","publishConfig":{"main":"dist/index.js"},"scripts":{"build":"tsc"},"dependencies":{"ms":"catalog:"}}"#,
        ),
        (
            "packages/b/package.json",
            r#"{"name":"@s/b","version":"2.0.0","main":"index.js","peerDependencies":{"@s/c":"workspace:~"},"devDependencies":{"@s/d":"workspace:*"}}"#,
        ),
        ("packages/b/index.js", "module.exports = 1;\n"),
        (
            "packages/c/package.json",
            r#"{"name":"@s/c","version":"3.1.4","main":"index.js"}"#,
        ),
        ("packages/c/index.js", "module.exports = 1;\n"),
        (
            "packages/d/package.json",
            r#"{"name":"@s/d","version":"0.0.1"}"#,
        ),
        (
            "services/x/package.json",
            r#"{"name":"x","main":"src/main.js","dependencies":{"@s/a":"workspace:*","@s/b":"workspace:^"},"dependenciesMeta":{"@s/a":{"injected":true}}}"#,
        ),
        (
            "services/x/src/main.js",
            &format!("require('@s/a');\n{LISTENS}"),
        ),
    ]);
    let (ctx, warnings) = node_context(&ws, "x");
    let dirs: Vec<&str> = ctx
        .runtime_packages
        .iter()
        .map(|p| p.dir.as_str())
        .collect();
    // Dependencies first, the service last; the peer @s/c ships, dev-only @s/d does not.
    assert_eq!(
        dirs,
        ["packages/a", "packages/c", "packages/b", "services/x"]
    );
    // Each package of the closure selected by itself (svc... would miss the peer).
    assert_eq!(ctx.prod_filters, ["@s/a", "@s/c", "@s/b", "x"]);
    let a = &ctx.runtime_packages[0];
    assert_eq!(a.manifest, "packages/a/package.json");
    assert_eq!(
        a.publish.as_deref(),
        Some("cd /app/packages/a && npm pkg set main=dist/index.js")
    );
    assert_eq!(
        a.strip.as_deref(),
        Some("cd /app/packages/a && npm pkg delete scripts")
    );
    assert_eq!(
        ctx.runtime_packages[2].strip.as_deref(),
        Some("cd /app/packages/b && npm pkg delete devDependencies")
    );
    // dependenciesMeta says injected, but no lockfile says pnpm did it: the folder stays.
    assert!(ctx.injected_only.is_empty(), "{:?}", ctx.injected_only);
    assert!(ctx.rebuild);
    assert_eq!(
        ctx.install_leftovers,
        ["package.json", "pnpm-workspace.yaml"],
        "no lockfile in this workspace"
    );
    // pnpm applies its own overrides, patches and peers: nothing to warn about any more.
    assert!(
        !warnings
            .iter()
            .any(|w| w.contains("override") || w.contains("(npm)")),
        "{warnings:?}"
    );
}

#[test]
fn a_package_the_lockfile_injects_for_every_dependent_ships_only_its_injected_copy() {
    let lock = |api_core: &str| {
        format!(
            "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {{}}\n\n  packages/core: {{}}\n\n  packages/util:\n    dependencies:\n      '@s/core':\n        specifier: workspace:*\n        version: link:../core\n\n  services/x:\n    dependencies:\n      '@s/core':\n        specifier: workspace:*\n        version: {api_core}\n      '@s/util':\n        specifier: workspace:*\n        version: file:packages/util\n    dependenciesMeta:\n      '@s/core':\n        injected: true\n      '@s/util':\n        injected: true\n"
        )
    };
    let files = |lockfile: String| {
        vec![
            (
                "package.json".to_string(),
                r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#.to_string(),
            ),
            ("pnpm-workspace.yaml".into(), "packages: ['packages/*', 'services/*']\n".into()),
            ("pnpm-lock.yaml".into(), lockfile),
            ("packages/core/package.json".into(), r#"{"name":"@s/core","version":"1.0.0","main":"index.js"}"#.into()),
            ("packages/core/index.js".into(), "\n".into()),
            ("packages/util/package.json".into(), r#"{"name":"@s/util","version":"1.0.0","main":"index.js","dependencies":{"@s/core":"workspace:*"}}"#.into()),
            ("packages/util/index.js".into(), "\n".into()),
            ("services/x/package.json".into(), r#"{"name":"x","main":"main.js","dependencies":{"@s/core":"workspace:*","@s/util":"workspace:*"},"dependenciesMeta":{"@s/core":{"injected":true},"@s/util":{"injected":true}}}"#.into()),
            ("services/x/main.js".into(), LISTENS.into()),
        ]
    };
    let run = |lockfile: String| {
        let f = files(lockfile);
        let refs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let (_dir, ws) = discover(&refs);
        node_context(&ws, "x").0.injected_only
    };
    // @s/util is injected for its only dependent: its folder goes. @s/core is injected for the
    // service but linked for @s/util: both copies are loaded, the folder stays.
    assert_eq!(run(lock("file:packages/core")), ["packages/util"]);
    // Linked for every dependent: nothing is removed.
    assert_eq!(
        run(lock("link:../../packages/core")
            .replace("file:packages/util", "link:../../packages/util")),
        Vec::<String>::new()
    );
}

/// The rendered files of every service, by path.
fn render(ws: &Workspace) -> Vec<(String, String)> {
    let config = crate::config::Config::default();
    let plan = crate::generate::plan(ws, &config.generate, &Default::default()).unwrap();
    plan.files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect()
}

#[test]
fn a_commented_out_extends_does_not_hide_the_real_one() {
    let (_dir, ws) = discover(&[
        (
            "package.json",
            r#"{"name":"root","packageManager":"pnpm@9.12.0"}"#,
        ),
        ("pnpm-workspace.yaml", "packages: ['services/*']\n"),
        ("tooling/base.json", r#"{"compilerOptions": {"strict": true}}"#),
        ("tooling/old.json", "{}"),
        (
            "services/api/package.json",
            r#"{"name":"api","main":"dist/main.js","scripts":{"build":"tsc"}}"#,
        ),
        (
            "services/api/tsconfig.json",
            "{\n  // \"extends\": \"../../tooling/old.json\",\n  \"extends\": \"../../tooling/base\",\n  \"compilerOptions\": { \"outDir\": \"dist\", },\n}\n",
        ),
    ]);
    let files = render(&ws);
    let dockerfile = &files
        .iter()
        .find(|(p, _)| p == "services/api/Dockerfile")
        .unwrap()
        .1;
    assert!(
        dockerfile.contains("COPY tooling/base.json tooling/base.json\n"),
        "{dockerfile}"
    );
    assert!(!dockerfile.contains("tooling/old.json"), "{dockerfile}");
}

/// A workspace made in memory: one service depending on one internal package, no disk.
fn in_memory() -> Workspace {
    use crate::workspace::pnpm::folder::{PackageFolder, TopEntry};
    use crate::workspace::pnpm::DeclaredDep;
    use crate::workspace::{DepKind, Ecosystem, InternalDep};
    let folder = |names: &[&str], entry_exists| PackageFolder {
        top_level: names
            .iter()
            .map(|n| TopEntry {
                name: n.to_string(),
                exists: true,
            })
            .collect(),
        tsconfigs: vec![],
        plain_js: true,
        entry_exists,
        files: vec![],
        links: vec![],
        unlisted: vec![],
    };
    let lib = Package {
        ecosystem: Ecosystem::Pnpm,
        name: "@m/lib".into(),
        version: Some("1.0.0".into()),
        dir: "packages/lib".into(),
        manifest: "packages/lib/package.json".into(),
        internal_deps: vec![],
        external_deps: vec![],
        dev_deps: vec![],
        node: Some(NodePackage {
            has_name: true,
            module_type: "commonjs".into(),
            main: Some("index.js".into()),
            entry: Some("index.js".into()),
            folder: folder(&["index.js", "package.json", "README.md"], true),
            ..Default::default()
        }),
        cargo: None,
    };
    let api = Package {
        name: "api".into(),
        version: Some("0.1.0".into()),
        dir: "services/api".into(),
        manifest: "services/api/package.json".into(),
        internal_deps: vec![InternalDep {
            alias: "@m/lib".into(),
            package: 0,
            kind: DepKind::Normal,
            spec: "workspace:*".into(),
        }],
        node: Some(NodePackage {
            has_name: true,
            module_type: "commonjs".into(),
            main: Some("server.js".into()),
            entry: Some("server.js".into()),
            deps: vec![DeclaredDep {
                kind: DepKind::Normal,
                key: "@m/lib".into(),
                spec: "workspace:*".into(),
                catalog_range: None,
                internal: Some(0),
            }],
            folder: folder(&["server.js", "package.json"], true),
            ..Default::default()
        }),
        ..lib.clone()
    };
    Workspace {
        root: "/nonexistent/isogen-in-memory".into(),
        packages: vec![lib, api],
        services: vec![Service {
            name: "api".into(),
            package: 1,
            entry: "server.js".into(),
            runtime_closure: vec![0],
            build_closure: vec![0],
        }],
        pnpm: Some(crate::workspace::pnpm::PnpmWorkspace {
            globs: vec!["packages/*".into(), "services/*".into()],
            root_manifest: true,
            pnpm_version: Some("9.12.0".into()),
            node_version: Some(crate::workspace::pnpm::node_version::NodeVersion {
                major: "22".into(),
                source: ".nvmrc (22)".into(),
            }),
            ..Default::default()
        }),
        cargo: None,
    }
}

#[test]
fn a_workspace_made_in_memory_renders_without_a_disk() {
    let ws = in_memory();
    let files = render(&ws);
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "services/api/Dockerfile",
            "services/api/Dockerfile.dockerignore"
        ]
    );
    let dockerfile = &files[0].1;
    for line in [
        "ARG NODE_IMAGE=node:22-bookworm-slim",
        "RUN npm install -g pnpm@9.12.0",
        "CMD [\"node\", \"/app/services/api/server.js\"]",
        "--prod --ignore-scripts --store-dir /pnpm/store --filter @m/lib --filter api",
    ] {
        assert!(dockerfile.contains(line), "{line}\n{dockerfile}");
    }
    // The plain-JS internal package ships what npm pack would: its files, not README aside.
    assert!(dockerfile.contains("packages/lib/index.js"), "{dockerfile}");
    let ctx = context(
        &ws,
        &ws.services[0],
        &Default::default(),
        Path::new("isogen.toml"),
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(ctx.node.version_source, ".nvmrc (22)");
    assert_eq!(
        ctx.root_files,
        ["package.json", "pnpm-workspace.yaml"],
        "no lockfile in memory: none copied"
    );
}

#[test]
fn the_node_version_says_where_it_comes_from() {
    let mut ws = in_memory();
    // The image's Node version, where it came from, and the warnings.
    let node_of = |ws: &Workspace, config: &GenerateConfig| {
        let mut warnings = Vec::new();
        let ctx = context(
            ws,
            &ws.services[0],
            config,
            Path::new("isogen.toml"),
            &mut warnings,
        )
        .unwrap();
        (ctx.node.version, ctx.node.version_source, warnings)
    };
    let source = |ws: &Workspace, config: &GenerateConfig| {
        let (version, source, _) = node_of(ws, config);
        (version, source)
    };
    let mut config = GenerateConfig::default();
    config.node.version = Some("v24.1".into());
    assert_eq!(
        source(&ws, &config),
        (
            "24.1".into(),
            "[generate.node] version in isogen.toml".into()
        )
    );
    config.node.version = None;
    assert_eq!(source(&ws, &config).1, ".nvmrc (22)");
    ws.pnpm.as_mut().unwrap().node_version = None;
    assert_eq!(
        source(&ws, &config),
        (
            DEFAULT_NODE_MAJOR.into(),
            "isogen's default; nothing in the workspace names a version".into()
        )
    );
    // isogen's default runs pnpm 11 (which needs Node >= 22.13); a named older Node is warned
    // about.
    ws.pnpm.as_mut().unwrap().pnpm_version = Some("11.29.0".into());
    let (version, version_source, warnings) = node_of(&ws, &config);
    assert_eq!(
        (version.as_str(), version_source.as_str()),
        (
            DEFAULT_NODE_MAJOR,
            "isogen's default; nothing in the workspace names a version"
        )
    );
    assert!(
        !warnings.iter().any(|w| w.contains("cannot run pnpm")),
        "{warnings:?}"
    );
    config.node.version = Some("20".into());
    let (version, _, warnings) = node_of(&ws, &config);
    assert_eq!(version, "20");
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "Node 20 ([generate.node] version in isogen.toml) cannot run pnpm 11.29.0"
        )),
        "{warnings:?}"
    );
    config.node.version = None;
    ws.pnpm.as_mut().unwrap().pnpm_version = Some("9.12.0".into());
    // Both images set: the version names neither, and the Dockerfile says nothing of it.
    config.node.image = Some("registry.example/node:22".into());
    assert_eq!(source(&ws, &config).1, "");
}

/// Node 25 and later ship no corepack: pnpm_install = "corepack" on the default image of
/// Node 26 fails the build, and a warning says so; on Node 24 it does not.
#[test]
fn corepack_on_a_node_that_ships_none_is_warned_about() {
    let ws = in_memory();
    let mut config = GenerateConfig::default();
    config.node.pnpm_install = Some(crate::generate::cfg::PnpmInstall::Corepack);
    for (version, warned) in [("26", true), ("24", false)] {
        config.node.version = Some(version.into());
        let mut warnings = Vec::new();
        context(
            &ws,
            &ws.services[0],
            &config,
            Path::new("isogen.toml"),
            &mut warnings,
        )
        .unwrap();
        assert_eq!(
            warnings.iter().any(|w| w.starts_with(&format!(
                "pnpm_install = \"corepack\" with Node {version} ([generate.node] version in isogen.toml): Node 25 and later ship no corepack"
            ))),
            warned,
            "{warnings:?}"
        );
    }
}

#[test]
fn the_stale_lockfile_fixture_is_refused_in_process() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pnpm9-stale-lock");
    let ws = Workspace::discover(&root, &WorkspaceConfig::default()).unwrap();
    let stale = &ws.pnpm.as_ref().unwrap().stale;
    assert_eq!(stale.len(), 1, "{stale:?}");
    let err = context(
        &ws,
        &ws.services[0],
        &GenerateConfig::default(),
        Path::new("isogen.toml"),
        &mut Vec::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("added `zod`") && err.contains("pnpm install"),
        "{err}"
    );
}
