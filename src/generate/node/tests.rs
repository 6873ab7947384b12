//! Unit tests of the Node context: manifest rewrites and overrides, on workspaces made on
//! disk (discovery) and in memory (the context alone).

use super::*;
use crate::workspace::WorkspaceConfig;

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

/// (delete, set) of every shipped package of `service`, by package name.
fn rewrites(ws: &Workspace, service: &str) -> Vec<(String, Vec<String>, Vec<String>)> {
    let svc = ws.service(service).unwrap();
    let pnpm = ws.pnpm.as_ref().unwrap();
    svc.runtime_closure
        .iter()
        .chain(std::iter::once(&svc.package))
        .map(|&i| {
            let (d, s) = runtime_rewrite(ws, svc, i, pnpm).unwrap();
            (ws.package(i).name.clone(), d, s)
        })
        .collect()
}

#[test]
fn every_workspace_form_becomes_a_file_path_transitively() {
    let (_dir, ws) = discover(&[
        (
            "pnpm-workspace.yaml",
            "packages: ['packages/*', 'services/*']\ncatalog:\n  ms: ^2.1.3\n",
        ),
        (
            "packages/a/package.json",
            r#"{"name":"@s/a","version":"1.5.0","dependencies":{"ms":"catalog:"}}"#,
        ),
        (
            "packages/b/package.json",
            r#"{"name":"@s/b","version":"2.0.0","dependencies":{"@s/a":"workspace:^"},"peerDependencies":{"@s/c":"workspace:~"},"devDependencies":{"@s/d":"workspace:*"},"scripts":{"prepare":"tsc"}}"#,
        ),
        (
            "packages/c/package.json",
            r#"{"name":"@s/c","version":"3.1.4"}"#,
        ),
        (
            "packages/d/package.json",
            r#"{"name":"@s/d","version":"0.0.1"}"#,
        ),
        (
            "packages/e/package.json",
            r#"{"name":"@s/e","version":"1.0.0"}"#,
        ),
        (
            "packages/f/package.json",
            r#"{"name":"@s/f","version":"1.0.0"}"#,
        ),
        (
            "services/x/package.json",
            r#"{"name":"x","main":"dist/main.js","dependencies":{"@s/b":"workspace:*","@s/e":"workspace:1.0.0","alias-f":"workspace:@s/f@^1.0.0"},"optionalDependencies":{"@s/a":"workspace:~"}}"#,
        ),
    ]);
    let r = rewrites(&ws, "x");
    let names: Vec<&str> = r.iter().map(|(n, _, _)| n.as_str()).collect();
    // Dependencies first, the service last; dev-only @s/d is not shipped.
    assert_eq!(names, ["@s/a", "@s/c", "@s/b", "@s/e", "@s/f", "x"]);
    let get = |name: &str| r.iter().find(|(n, _, _)| n == name).unwrap().clone();
    assert_eq!(get("@s/a").2, vec!["dependencies[ms]=^2.1.3"]);
    let (_, del_b, set_b) = get("@s/b");
    assert_eq!(del_b, vec!["scripts", "devDependencies"]);
    assert_eq!(
        set_b,
        vec![
            "dependencies[@s/a]=file:../a",
            "peerDependencies[@s/c]=~3.1.4"
        ]
    );
    let (_, del_x, set_x) = get("x");
    assert!(del_x.is_empty());
    assert_eq!(
        set_x,
        vec![
            "dependencies[@s/b]=file:../../packages/b",
            "dependencies[@s/e]=file:../../packages/e",
            "dependencies[alias-f]=file:../../packages/f",
            "optionalDependencies[@s/a]=file:../../packages/a",
            // b's peer on c, provided by the service so npm never asks the registry
            "dependencies[@s/c]=file:../../packages/c",
        ]
    );
}

#[test]
fn pnpm_overrides_become_npm_overrides_of_the_service() {
    let (_dir, ws) = discover(&[
        (
            "package.json",
            r#"{"name":"root","devDependencies":{"typescript":"5.6.3"},"pnpm":{"overrides":{"react@<18":"17.0.2","tslib":"$typescript"}}}"#,
        ),
        (
            "pnpm-workspace.yaml",
            "packages: ['packages/*', 'services/*']\ncatalog:\n  semver: ^7.6.0\noverrides:\n  semver: 'catalog:'\n  '@s/x>debug': ^4\n  '@s/x': ^1.0.0\n  foo: link:../foo\n",
        ),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\npackages:\n  semver@7.6.3:\n    resolution: {integrity: x}\n  semver@6.3.1:\n    resolution: {integrity: x}\n  debug@4.3.7:\n    resolution: {integrity: x}\n  debug@4.4.0:\n    resolution: {integrity: x}\n  /@s/x@1.2.0(react@17.0.2):\n    resolution: {integrity: x}\n",
        ),
        (
            "packages/a/package.json",
            r#"{"name":"@s/a","version":"1.0.0","main":"index.js","dependencies":{"semver":"^6.0.0"}}"#,
        ),
        (
            "services/x/package.json",
            r#"{"name":"x","main":"dist/main.js","dependencies":{"@s/a":"workspace:*","semver":"catalog:"}}"#,
        ),
    ]);
    let pnpm = ws.pnpm.as_ref().unwrap();
    let mut warnings = Vec::new();
    let (map, plain) = npm_overrides(pnpm, &mut warnings);
    assert_eq!(
        serde_json::Value::Object(map).to_string(),
        r#"{"react@<18":"17.0.2","tslib":"5.6.3","@s/x":{".":"1.2.0","debug":"^4"},"semver":"7.6.3"}"#
    );
    assert_eq!(
        plain.into_iter().collect::<Vec<_>>(),
        [
            ("@s/x".to_string(), "1.2.0".to_string()),
            ("semver".into(), "7.6.3".into()),
            ("tslib".into(), "5.6.3".into())
        ]
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("pnpm-workspace.yaml") && warnings[0].contains("foo: link:../foo"),
        "{warnings:?}"
    );
    // The service's own `semver` equals its override; the internal package keeps its pin.
    let r = rewrites(&ws, "x");
    assert_eq!(
        r[1].2,
        vec![
            "dependencies[@s/a]=file:../../packages/a",
            "dependencies[semver]=7.6.3"
        ]
    );
    assert!(r[0].2.is_empty(), "{:?}", r[0]);
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
        "dependencies[@m/lib]=file:../../packages/lib",
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
    let source = |ws: &Workspace, config: &GenerateConfig| {
        let ctx = context(
            ws,
            &ws.services[0],
            config,
            Path::new("isogen.toml"),
            &mut Vec::new(),
        )
        .unwrap();
        (ctx.node.version, ctx.node.version_source)
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
    // Both images set: the version names neither, and the Dockerfile says nothing of it.
    config.node.image = Some("registry.example/node:22".into());
    assert_eq!(source(&ws, &config).1, "");
}
