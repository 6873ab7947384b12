//! The module graph and Node's resolution on hand-made trees: both install layouts (npm's
//! `--install-links` copies and pnpm's isolated symlinks), `exports`/`imports` maps, ESM's
//! exact files, and files that could not be read.

use super::*;
use crate::image::MergedTree;
use crate::verify::testkit::TreeBuilder;

fn graph(tree: &MergedTree, entry: &str) -> Graph {
    let fs = Fs::new(tree);
    let resolver = Resolver::new(fs, Vec::new());
    walk(fs, &resolver, &[entry.to_string()], &|p| {
        !fs::in_node_modules(p)
    })
}

/// (file:line, specifier) of each import that does not resolve.
fn broken(g: &Graph) -> Vec<(String, String)> {
    g.unresolved
        .iter()
        .map(|u| (format!("{}:{}", u.file, u.line), u.specifier.clone()))
        .collect()
}

fn resolve(tree: &MergedTree, spec: &str, from: &str, mode: Mode) -> Result<Resolved, Failure> {
    Resolver::new(Fs::new(tree), Vec::new()).resolve(spec, from, mode)
}

fn file(p: &str) -> Result<Resolved, Failure> {
    Ok(Resolved::File(p.into()))
}

/// pnpm's isolated layout: the service and its internal package at their workspace paths,
/// their dependencies symlinked into the virtual store, each package's own dependencies its
/// siblings there.
fn pnpm_isolated() -> TreeBuilder {
    TreeBuilder::new()
        .file("/app/services/api/package.json", r#"{"name":"@fx/api","dependencies":{"@fx/core":"workspace:*","ms":"2.1.3"}}"#)
        .file("/app/services/api/dist/main.js", "const core = require('@fx/core');\nconst ms = require('ms');\nrequire('./routes');\nimport('node:fs');\n")
        .file("/app/services/api/dist/routes/index.js", "module.exports = require('../config.json');\n")
        .file("/app/services/api/dist/config.json", "{}")
        .symlink("/app/services/api/node_modules/@fx/core", "../../../../packages/core")
        .symlink("/app/services/api/node_modules/ms", "../../../node_modules/.pnpm/ms@2.1.3/node_modules/ms")
        .file("/app/packages/core/package.json", r#"{"name":"@fx/core","main":"dist/index.js","dependencies":{"debug":"4.3.4"}}"#)
        .file("/app/packages/core/dist/index.js", "exports.debug = require('debug');\nexports.self = require('./util');\n")
        .file("/app/packages/core/dist/util.js", "")
        .symlink("/app/packages/core/node_modules/debug", "../../../node_modules/.pnpm/debug@4.3.4/node_modules/debug")
        .file("/app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json", r#"{"name":"ms","main":"./index"}"#)
        .file("/app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js", "")
        .file("/app/node_modules/.pnpm/debug@4.3.4/node_modules/debug/package.json", r#"{"name":"debug","main":"./src/index.js","dependencies":{"ms":"2.1.2"}}"#)
        .file("/app/node_modules/.pnpm/debug@4.3.4/node_modules/debug/src/index.js", "require('ms')")
        .symlink("/app/node_modules/.pnpm/debug@4.3.4/node_modules/ms", "../../ms@2.1.3/node_modules/ms")
}

#[test]
fn pnpm_isolated_layout_resolves_through_the_virtual_store() {
    let t = pnpm_isolated().build();
    let g = graph(&t, "/app/services/api/dist/main.js");
    assert_eq!(broken(&g), Vec::<(String, String)>::new());
    assert!(g.unread.is_empty(), "{:?}", g.unread);
    // main.js, routes/index.js, core's index.js and util.js: third-party code is not parsed.
    assert_eq!(g.parsed, 4);
    // From the real path of a package in the store, its dependencies are its siblings.
    assert_eq!(
        resolve(
            &t,
            "ms",
            "/app/node_modules/.pnpm/debug@4.3.4/node_modules/debug/src/index.js",
            Mode::Require
        ),
        file("/app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js")
    );
    // The internal package's dependency resolves from its real folder, not the service's.
    assert_eq!(
        resolve(
            &t,
            "debug",
            "/app/packages/core/dist/index.js",
            Mode::Require
        ),
        file("/app/node_modules/.pnpm/debug@4.3.4/node_modules/debug/src/index.js")
    );
    assert_eq!(
        resolve(&t, "debug", "/app/services/api/dist/main.js", Mode::Require),
        Err(Failure::PackageNotFound {
            name: "debug".into()
        })
    );
}

#[test]
fn install_links_layout_resolves_the_copy_in_node_modules() {
    let t = TreeBuilder::new()
        .file("/app/services/api/dist/main.js", "require('@fx/core')")
        .file(
            "/app/services/api/node_modules/@fx/core/package.json",
            r#"{"name":"@fx/core","main":"dist/index.js"}"#,
        )
        .file(
            "/app/services/api/node_modules/@fx/core/dist/index.js",
            "require('ms'); require('./nope')",
        )
        .file(
            "/app/services/api/node_modules/ms/package.json",
            r#"{"name":"ms"}"#,
        )
        .file("/app/services/api/node_modules/ms/index.js", "")
        .build();
    let fs = Fs::new(&t);
    let resolver = Resolver::new(fs, Vec::new());
    let own = |p: &str| !fs::in_node_modules(p) || p.contains("/@fx/");
    let g = walk(
        fs,
        &resolver,
        &["/app/services/api/dist/main.js".to_string()],
        &own,
    );
    assert_eq!(
        broken(&g),
        vec![(
            "/app/services/api/node_modules/@fx/core/dist/index.js:1".to_string(),
            "./nope".to_string()
        )]
    );
}

/// The issue's case: a service reaches an internal package's build output by a relative path
/// that matched a hand-written layout one level shallower than the image's.
#[test]
fn a_relative_path_across_packages_breaks_with_the_layout() {
    let src = "const x = require('../../../shared/dist/x.js');\n";
    let deep = TreeBuilder::new()
        .file("/app/services/api/dist/main.js", src)
        .file("/app/packages/shared/dist/x.js", "")
        .build();
    let g = graph(&deep, "/app/services/api/dist/main.js");
    assert_eq!(g.unresolved.len(), 1);
    assert_eq!(g.unresolved[0].line, 1);
    assert_eq!(g.unresolved[0].specifier, "../../../shared/dist/x.js");
    assert_eq!(
        g.unresolved[0].failure,
        Failure::NotFound {
            tried: "/app/shared/dist/x.js".into()
        }
    );
    let shallow = TreeBuilder::new()
        .file("/app/services/api/dist/main.js", src)
        .file("/app/shared/dist/x.js", "")
        .build();
    assert!(graph(&shallow, "/app/services/api/dist/main.js")
        .unresolved
        .is_empty());
}

#[test]
fn esm_needs_the_exact_file_and_commonjs_probes() {
    let t = TreeBuilder::new()
        .file("/app/svc/package.json", r#"{"name":"svc","type":"module"}"#)
        .file("/app/svc/dist/main.js", "import './lib';\nimport './lib.js';\nimport './dir';\nimport x from './dir/index.js';\n")
        .file("/app/svc/dist/lib.js", "")
        .file("/app/svc/dist/dir/index.js", "")
        .file("/app/svc/dist/c.cjs", "require('./lib'); require('./dir'); require('.');")
        .build();
    let g = graph(&t, "/app/svc/dist/main.js");
    assert_eq!(
        g.unresolved
            .iter()
            .map(|u| (u.line, u.failure.clone()))
            .collect::<Vec<_>>(),
        vec![
            (
                1,
                Failure::NotFound {
                    tried: "/app/svc/dist/lib".into()
                }
            ),
            (
                3,
                Failure::DirectoryImport {
                    dir: "/app/svc/dist/dir".into()
                }
            ),
        ]
    );
    let g = graph(&t, "/app/svc/dist/c.cjs");
    assert_eq!(
        broken(&g),
        vec![("/app/svc/dist/c.cjs:1".to_string(), ".".to_string())]
    );
}

#[test]
fn exports_maps_with_conditions_and_subpaths() {
    let pkg = r#"{"name":"kit","main":"./legacy.js","exports":{
        ".":{"import":"./esm/index.mjs","require":"./cjs/index.cjs"},
        "./feature":"./esm/feature.mjs",
        "./utils/*":"./esm/utils/*.mjs",
        "./missing":"./esm/missing.mjs"}}"#;
    let t = TreeBuilder::new()
        .file("/app/node_modules/kit/package.json", pkg)
        .files(&[
            "/app/node_modules/kit/esm/index.mjs",
            "/app/node_modules/kit/cjs/index.cjs",
            "/app/node_modules/kit/esm/feature.mjs",
            "/app/node_modules/kit/esm/utils/a.mjs",
            "/app/node_modules/kit/esm/internal.mjs",
            "/app/node_modules/kit/legacy.js",
        ])
        .build();
    let from = "/app/dist/main.js";
    let r = |s: &str, m: Mode| resolve(&t, s, from, m);
    assert_eq!(
        r("kit", Mode::Import),
        file("/app/node_modules/kit/esm/index.mjs")
    );
    assert_eq!(
        r("kit", Mode::Require),
        file("/app/node_modules/kit/cjs/index.cjs")
    );
    assert_eq!(
        r("kit/feature", Mode::Import),
        file("/app/node_modules/kit/esm/feature.mjs")
    );
    assert_eq!(
        r("kit/utils/a", Mode::Require),
        file("/app/node_modules/kit/esm/utils/a.mjs")
    );
    assert_eq!(
        r("kit/esm/internal.mjs", Mode::Import),
        Err(Failure::NotExported {
            package: "/app/node_modules/kit".into(),
            subpath: "./esm/internal.mjs".into()
        })
    );
    assert_eq!(
        r("kit/missing", Mode::Require),
        Err(Failure::NotFound {
            tried: "/app/node_modules/kit/esm/missing.mjs".into()
        })
    );
    assert_eq!(r("fs/promises", Mode::Import), Ok(Resolved::Builtin));
    assert_eq!(r("node:sqlite", Mode::Require), Ok(Resolved::Builtin));
}

#[test]
fn imports_maps_self_reference_and_legacy_main() {
    let t = TreeBuilder::new()
        .file(
            "/app/svc/package.json",
            r##"{"name":"@acme/svc","exports":{"./db":"./dist/db.js"},
            "imports":{"#config":{"node":"./dist/config.js"},"#lodash":"lodash"}}"##,
        )
        .files(&["/app/svc/dist/db.js", "/app/svc/dist/config.js"])
        .file(
            "/app/svc/node_modules/lodash/package.json",
            r#"{"name":"lodash","main":"lodash"}"#,
        )
        .files(&["/app/svc/node_modules/lodash/lodash.js"])
        .build();
    let from = "/app/svc/dist/main.js";
    let r = |s: &str, m: Mode| resolve(&t, s, from, m);
    assert_eq!(r("#config", Mode::Import), file("/app/svc/dist/config.js"));
    assert_eq!(
        r("#lodash", Mode::Import),
        file("/app/svc/node_modules/lodash/lodash.js")
    );
    assert_eq!(r("#nope", Mode::Require), Err(Failure::ImportNotDefined));
    assert_eq!(r("@acme/svc/db", Mode::Import), file("/app/svc/dist/db.js"));
    // ESM's legacy main resolution adds `.js` to `main` as CommonJS would.
    assert_eq!(
        r("lodash", Mode::Import),
        file("/app/svc/node_modules/lodash/lodash.js")
    );
    assert_eq!(
        r("lodash/fp.js", Mode::Import),
        Err(Failure::NotFound {
            tried: "/app/svc/node_modules/lodash/fp.js".into()
        })
    );
}

#[test]
fn files_that_could_not_be_read_are_named() {
    let big = "x".repeat(10);
    let mut t = TreeBuilder::new()
        .file(
            "/app/dist/main.js",
            "require('./a'); require('./b'); require('./c'); require('./d.json')",
        )
        .uncaptured("/app/dist/a.js")
        .file("/app/dist/b.js", &big)
        .file("/app/dist/c.js", "const = ;")
        .file("/app/dist/d.json", "{")
        .build();
    if let Some(mut e) = t.entries.remove("/app/dist/b.js") {
        let content = e.shared_content().cloned();
        e.set_content(content, true);
        t.entries.insert(e);
    }
    let g = graph(&t, "/app/dist/main.js");
    assert!(g.unresolved.is_empty(), "{:?}", g.unresolved);
    let unread: Vec<(&str, &Unread)> = g.unread.iter().map(|(f, u)| (f.as_str(), u)).collect();
    assert_eq!(unread[0], ("/app/dist/a.js", &Unread::NotKept));
    assert_eq!(unread[1], ("/app/dist/b.js", &Unread::Truncated));
    assert!(matches!(
        unread[2],
        ("/app/dist/c.js", Unread::Parse { line: 1, .. })
    ));
    assert_eq!(unread.len(), 3);
}

#[test]
fn node_path_is_a_list_of_absolute_folders() {
    assert_eq!(
        node_path(Some("/opt/lib:rel:/x/../y")),
        vec!["/opt/lib", "/y"]
    );
    assert!(node_path(None).is_empty());
}

/// An optional require (in a `try` whose `catch` handles the failure) that does not resolve is
/// marked optional; the same require outside a `try` is not.
#[test]
fn an_optional_require_is_marked_and_preloads_are_roots() {
    let t = TreeBuilder::new()
        .file(
            "/app/api/main.js",
            "let pretty;\ntry { pretty = require('pino-pretty'); } catch {}\nrequire('./lib');\n",
        )
        .file("/app/api/lib.js", "require('redis');\n")
        .file("/app/api/preload.js", "require('./gone');\n")
        .build();
    let fs = Fs::new(&t);
    let resolver = Resolver::new(fs, Vec::new());
    let own = |p: &str| !fs::in_node_modules(p);
    let g = walk(fs, &resolver, &["/app/api/main.js".to_string()], &own);
    let got: Vec<(&str, bool)> = (g.unresolved.iter())
        .map(|u| (u.specifier.as_str(), u.optional))
        .collect();
    assert_eq!(got, [("redis", false), ("pino-pretty", true)]);
    // A preload is a root of its own: what it imports is checked too.
    let entries = [
        "/app/api/preload.js".to_string(),
        "/app/api/main.js".to_string(),
    ];
    let g = walk(fs, &resolver, &entries, &own);
    let specs: Vec<&str> = g.unresolved.iter().map(|u| u.specifier.as_str()).collect();
    assert_eq!(specs, ["redis", "pino-pretty", "./gone"]);
}

/// As dokploy's `@dokploy/server`: the repository's package.json exports `./src/index.ts`
/// (its build script rewrites it to `dist` before building). Node 22.18+ loads the TypeScript
/// file by stripping its types, so its imports are followed like any JavaScript's: the
/// extensionless ESM import inside fails as Node fails. A Node that does not strip types, or a
/// TypeScript file under node_modules, fails at the import of the file itself.
#[test]
fn a_typescript_entry_is_followed_where_node_strips_types_and_refused_elsewhere() {
    let t = TreeBuilder::new()
        .file(
            "/app/apps/sched/package.json",
            r#"{"name":"sched","type":"module","dependencies":{"@d/server":"workspace:*"}}"#,
        )
        .file(
            "/app/apps/sched/dist/index.js",
            "import { run } from '@d/server';\nrun();\n",
        )
        .symlink(
            "/app/apps/sched/node_modules/@d/server",
            "../../../../packages/server",
        )
        .file(
            "/app/packages/server/package.json",
            r#"{"name":"@d/server","type":"module","exports":{".":"./src/index.ts"}}"#,
        )
        .file(
            "/app/packages/server/src/index.ts",
            "import type { X } from './types';\nexport * from './services/admin';\n",
        )
        .file(
            "/app/packages/server/src/services/admin.ts",
            "export const run = (): void => {};\n",
        )
        .file(
            "/app/packages/server/src/types.ts",
            "export type X = number;\n",
        )
        .build();
    let fs = Fs::new(&t);
    let own = |p: &str| !fs::in_node_modules(p);
    let entry = ["/app/apps/sched/dist/index.js".to_string()];
    let strips = Resolver::new(fs, Vec::new()).with_type_stripping(strips_types(Some("24.4.0")));
    let g = walk(fs, &strips, &entry, &own);
    assert_eq!(
        broken(&g),
        [(
            "/app/packages/server/src/index.ts:2".to_string(),
            "./services/admin".to_string()
        )]
    );
    let old = Resolver::new(fs, Vec::new()).with_type_stripping(strips_types(Some("20.19.0")));
    let g = walk(fs, &old, &entry, &own);
    assert_eq!(
        g.unresolved[0].failure,
        Failure::TypeScript {
            file: "/app/packages/server/src/index.ts".into(),
            in_node_modules: false
        }
    );
    assert!(strips_types(Some("22.18.0")) && !strips_types(Some("23.5.0")) && strips_types(None));
}
