//! What each shipped package's folder contributes to the image besides package.json: the
//! build output, or (for packages nothing builds) what `npm pack` would ship and exists.
//!
//! It decides from the folder facts discovery read ([`PackageFolder`]); it never reads the
//! disk, and a name a Dockerfile line cannot carry is left out with a warning, never copied
//! half-quoted.
//!
//! [`PackageFolder`]: crate::workspace::pnpm::folder::PackageFolder

use crate::generate::cfg::is_plain_path;
use crate::workspace::pnpm::NodePackage;
use crate::workspace::{relpath, Package, Workspace};

/// What an internal package without a build step ships. With a `files` field: those of its
/// paths that exist in the workspace (nothing builds the others, and a COPY of a missing path
/// fails the build). Plain JavaScript (no `tsconfig*.json` of its own): its whole folder, as
/// `npm pack` would ship it, since its entry may `require` any of its files. Otherwise (a
/// TypeScript package built by something else): its entry's output folder or file when it
/// exists, or Node's default `index.js` when it declares no entry; a types-only package thus
/// ships only its package.json. An entry that is TypeScript source (`"main": "index.ts"`,
/// bundled by the service) ships nothing of its folder, and is added to `typescript` as
/// (manifest, name, entry) for [`typescript_warning`].
pub(super) fn unbuilt_paths(
    ws: &Workspace,
    p: &Package,
    n: &NodePackage,
    warnings: &mut Vec<String>,
    typescript: &mut Vec<(String, String, String)>,
) -> Vec<String> {
    if n.files.is_none() && n.folder.plain_js {
        return package_contents(ws, p, n, warnings);
    }
    let mut declared = if n.entry.is_none() && n.files.is_none() {
        vec!["index.js".to_string()]
    } else {
        n.runtime_paths(n.entry.as_deref(), &n.out_dir)
    };
    // `files: ["*.js", "lib"]`: a pattern at the top names files that are there already; and
    // npm pack ships the `main` file whatever `files` says (when it is there: below).
    declared.extend(top_level_file_globs(n));
    if n.files.is_some() {
        if let Some(first) = n.entry.as_deref().and_then(|e| e.split('/').next()) {
            declared.push(first.to_string());
        }
    }
    declared.sort();
    declared.dedup();
    if let Some(entry) = n.entry.as_deref().filter(|e| is_typescript(e)) {
        // A "just-in-time" package (`"main": "index.ts"`, no build): Node cannot load it, so
        // its sources are no run-time file; the service's bundler must inline it.
        declared.retain(|rel| entry != rel && !entry.starts_with(&format!("{rel}/")));
        typescript.push((p.manifest.clone(), p.name.clone(), entry.to_string()));
        return declared
            .into_iter()
            .filter(|rel| n.folder.has(rel))
            .collect();
    }
    if let Some(entry) = &n.entry {
        if !n.folder.entry_exists {
            let there: Vec<&str> = declared
                .iter()
                .filter(|rel| n.folder.has(rel))
                .map(String::as_str)
                .collect();
            warnings.push(format!(
                "{}: `{}` loads {entry}, which is not in the workspace, and nothing in the image's build makes it (no `build` script, no tsconfig `references` from a package that is built), so the image ships only its package.json{}; add a `build` script to it",
                p.manifest,
                p.name,
                if there.is_empty() { String::new() } else { format!(" and {}", there.join(", ")) }
            ));
        }
    }
    declared
        .into_iter()
        .filter(|rel| n.folder.has(rel))
        .collect()
}

/// One warning for the internal packages of service `service` whose entry is TypeScript
/// that nothing builds (`typescript`, from [`unbuilt_paths`]): a service may use nine of
/// them, said on one line, not nine.
pub(super) fn typescript_warning(
    service: &str,
    typescript: &[(String, String, String)],
) -> Option<String> {
    const FIX: &str = "(tsup or tsdown `noExternal`, webpack's `externals` or its webpack-node-externals `allowlist`, Vite's `ssr.noExternal`, esbuild)";
    // Also said when a `build` leaves `main` on the TypeScript file (`tsc` with `noEmit`).
    match typescript {
        [] => None,
        [(manifest, name, entry)] => Some(format!(
            "{manifest}: the entry of `{name}` is TypeScript ({entry}) and nothing builds it, so Node cannot load it: the image ships its package.json and dependencies, not its sources; a service that uses it must bundle it {FIX}, or give it a `build` script that writes JavaScript and point its `main` there"
        )),
        many => {
            let named: Vec<String> = many
                .iter()
                .map(|(manifest, name, entry)| {
                    let dir = manifest.strip_suffix("package.json").unwrap_or_default();
                    format!("`{name}` ({dir}{entry})")
                })
                .collect();
            Some(format!(
                "service `{service}` uses {} internal packages whose entry is TypeScript that nothing builds, so Node cannot load them: {}; the image ships their package.json and dependencies, not their sources: the service must bundle them {FIX}, or each needs a `build` script that writes JavaScript and a `main` pointing there",
                many.len(),
                named.join(", ")
            ))
        }
    }
}

/// Whether `path` is a TypeScript source (`.ts`, `.mts`, `.cts`, `.tsx`; not a declaration).
pub(super) fn is_typescript(path: &str) -> bool {
    let ts = [".ts", ".mts", ".cts", ".tsx"]
        .iter()
        .any(|e| path.ends_with(e));
    ts && ![".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .any(|e| path.ends_with(e))
}

/// The top-level names of an unbuilt package that a pattern of its `files` field matches in
/// its first segment (`*.js`, `*.d.ts`, `{index,cli}.js`), as npm pack would include them.
fn top_level_file_globs(n: &NodePackage) -> Vec<String> {
    let Some(files) = &n.files else {
        return Vec::new();
    };
    let mut set = globset::GlobSetBuilder::new();
    let mut any = false;
    for f in files {
        let f = f.trim().trim_start_matches("./");
        let first = f.split('/').next().unwrap_or(f);
        if f.starts_with('!') || !first.contains(['*', '?', '[', '{']) {
            continue;
        }
        if let Ok(g) = globset::Glob::new(first) {
            set.add(g);
            any = true;
        }
    }
    let (true, Ok(set)) = (any, set.build()) else {
        return Vec::new();
    };
    let mut out: Vec<String> = n
        .folder
        .top_level
        .iter()
        .map(|e| e.name.clone())
        .filter(|name| {
            set.is_match(name)
                && !name.starts_with('.')
                && !matches!(name.as_str(), "node_modules" | "package.json")
                && !name.starts_with("Dockerfile")
                && is_plain_path(name)
        })
        .collect();
    out.sort();
    out
}

/// Whether a top-level name of a package is there for its tests only: test folders
/// (`test`, `tests`, `__tests__`, `__mocks__`, fixtures, `coverage`) and test files
/// (`*.test.js`, `*.spec.mjs`, ...). They never run in the service.
fn is_test_only(name: &str) -> bool {
    matches!(
        name,
        "test"
            | "tests"
            | "__tests__"
            | "__mocks__"
            | "coverage"
            | "fixtures"
            | "__fixtures__"
            | "test-fixtures"
    ) || name.contains(".test.")
        || name.contains(".spec.")
}

/// The top-level files and folders of a package that `npm pack` would ship and the service may
/// run, sorted: everything but package.json (copied on its own), dotfiles (`.env`, linters'
/// settings, `.npmrc`), `node_modules`, lockfiles, the generated Dockerfile and ignore file,
/// TypeScript configs and build info, tests, and folders holding other workspace packages. Names a Dockerfile line cannot carry (spaces,
/// quotes) are left out with a warning.
pub(super) fn package_contents(
    ws: &Workspace,
    p: &Package,
    n: &NodePackage,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for entry in &n.folder.top_level {
        let name = entry.name.clone();
        let rel = if p.dir.is_empty() {
            name.clone()
        } else {
            format!("{}/{name}", p.dir)
        };
        let skipped = name.starts_with('.')
            || name == "node_modules"
            || name == "package.json"
            || name == crate::workspace::pnpm::LOCKFILE
            || name == crate::generate::DOCKERFILE
            || name.ends_with(".Dockerfile")
            || name.ends_with(".dockerignore")
            || name.ends_with(".tsbuildinfo")
            || (name.starts_with("tsconfig") && name.ends_with(".json"))
            || is_test_only(&name)
            || ws.packages.iter().any(|o| relpath::within(&o.dir, &rel));
        if skipped {
            continue;
        }
        if !is_plain_path(&name) {
            warnings.push(format!(
                "{rel}: not shipped, a Dockerfile line cannot copy a name with spaces or quotes; rename it, or list what the package ships in `files` of {}",
                p.manifest
            ));
            continue;
        }
        out.push(name);
    }
    out.sort();
    out
}
