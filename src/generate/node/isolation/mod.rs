//! Source-level isolation, before any build: every import of a service's sources and of its
//! internal packages' sources that reaches another service's code, a workspace package the
//! importing package does not declare, a declared package's files that it does not ship, or
//! a file in no package at all. Each is a line naming the file, the line and the specifier;
//! a service with any is an error (exit 2) that says how to fix each. Registry packages the
//! image would not have where the importer looks ([`undeclared`]: undeclared ones a flat
//! `node_modules` hides, ones only the root declares) are warnings.
//!
//! What an import reaches comes from [`reach`] (relative paths, tsconfig `paths`, package
//! names); the build tsconfig's project `references` count as imports of the folders they
//! name (`tsc -b` builds them). A relative import into a declared internal package's shipped output
//! (`../../packages/shared/dist/x`) is accepted: the image keeps the workspace layout under
//! the app root, so the path resolves there as it does in the repository. An import of only
//! types counts (the build needs the files) and says so. An import by path of a package the
//! importer does not declare, but that the service's build (and, for code that runs, its
//! image) has all the same through another package, is only a warning; for a Next.js app
//! (not a custom server) no internal package's code runs from its folder: `next build`
//! bundles it, so the build having the target is enough (a declared package's unshipped
//! sources included), except for the packages its config leaves external
//! (`serverExternalPackages`, see [`external`]), which Node loads from `node_modules`. A
//! build tool's config at the top of a package (`tailwind.config.ts`) may read any file of a
//! declared package: it runs only in the builder, which copies the whole folder. A package an
//! import reaches without a declaration has its own imports checked in the same run.
//!
//! Pure: it reads the facts discovery gathered (`PnpmWorkspace::sources`, the tsconfig
//! facts), never the disk.

mod bundled;
mod erased;
mod reach;
mod read;
mod undeclared;

pub(crate) use bundled::check as check_bundle_externals;

use std::collections::{BTreeMap, BTreeSet};

use reach::{Resolver, Target, Via};

use crate::error::{Error, Result};
use crate::js::ImportKind;
use crate::workspace::pnpm::sources::SourceImport;
use crate::workspace::pnpm::tsconfig::Tsconfig;
use crate::workspace::pnpm::{PnpmWorkspace, StartCommand};
use crate::workspace::{relpath, Package, Service, Workspace};

/// Where each import of each package's sources lands, worked out once per package and shared
/// by every service that checks it: an internal library 150 services depend on is resolved
/// once, not 150 times (the resolution reads only the package, its tsconfig and the list of
/// packages, never the service). Build one per run with [`Resolved::new`].
pub(crate) struct Resolved {
    /// Per package (by index), the target of each of its imports [`checked_imports`] yields,
    /// in that order (`None`: resolved from `node_modules` or Node).
    targets: Vec<std::sync::OnceLock<Vec<Option<Target>>>>,
    /// Per package (by index), the files its build or the running service reads
    /// ([`read::read_files`]; `None`: every file counts).
    read: Vec<std::sync::OnceLock<Option<BTreeSet<String>>>>,
}

impl Resolved {
    /// An empty cache for the packages of `ws`.
    pub(crate) fn new(ws: &Workspace) -> Resolved {
        Resolved {
            targets: ws
                .packages
                .iter()
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            read: ws
                .packages
                .iter()
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        }
    }

    /// Whether the build of package `index` or the running service reads `file`.
    fn reads(&self, ws: &Workspace, pnpm: &PnpmWorkspace, index: usize, file: &str) -> bool {
        let read = self.read[index]
            .get_or_init(|| read::read_files(&ws.packages, pnpm, &ws.packages[index]));
        read.as_ref().is_none_or(|r| r.contains(file))
    }

    /// The targets of the imports of package `index`, resolved on first use.
    fn of(&self, ws: &Workspace, pnpm: &PnpmWorkspace, index: usize) -> &[Option<Target>] {
        self.targets[index].get_or_init(|| {
            let p = &ws.packages[index];
            let Some(sources) = pnpm.sources.get(&p.dir) else {
                return Vec::new();
            };
            let tsconfig = build_tsconfig(p);
            let paths = tsconfig
                .as_deref()
                .map(|t| Tsconfig::module_paths(&pnpm.tsconfig_files, t))
                .unwrap_or_default();
            let base_url = tsconfig
                .as_deref()
                .and_then(|t| Tsconfig::base_url(&pnpm.tsconfig_files, t));
            let resolver = Resolver {
                packages: &ws.packages,
                paths: &paths,
                tsconfig: tsconfig.as_deref(),
                base_url: base_url.as_deref(),
            };
            checked_imports(&sources.imports)
                .map(|i| resolver.resolve(&i.file, &i.specifier))
                .collect()
        })
    }
}

/// Where the imports of one package's sources land, resolved as the checks resolve them
/// (relative paths, the build tsconfig's `paths` and `baseUrl`, workspace package names), for
/// the other parts of generate that follow imports.
pub(crate) struct PackageResolver {
    paths: crate::workspace::pnpm::tsconfig::ResolvedPaths,
    tsconfig: Option<String>,
    base_url: Option<String>,
}

impl PackageResolver {
    pub(crate) fn new(pnpm: &PnpmWorkspace, p: &Package) -> PackageResolver {
        let tsconfig = build_tsconfig(p);
        let paths = (tsconfig.as_deref())
            .map(|t| Tsconfig::module_paths(&pnpm.tsconfig_files, t))
            .unwrap_or_default();
        let base_url =
            (tsconfig.as_deref()).and_then(|t| Tsconfig::base_url(&pnpm.tsconfig_files, t));
        PackageResolver {
            paths,
            tsconfig,
            base_url,
        }
    }

    /// The workspace-relative path `specifier`, written in `file`, names (without the
    /// extension Node or the bundler adds) and the package whose folder holds it; `None` for
    /// what resolves from `node_modules` or Node itself.
    pub(crate) fn target(
        &self,
        packages: &[Package],
        file: &str,
        specifier: &str,
    ) -> Option<(String, Option<usize>)> {
        let resolver = Resolver {
            packages,
            paths: &self.paths,
            tsconfig: self.tsconfig.as_deref(),
            base_url: self.base_url.as_deref(),
        };
        let t = resolver.resolve(file, specifier)?;
        Some((t.path, t.owner))
    }
}

/// The imports the checks look at: all but those of git-hook tool configs.
fn checked_imports(imports: &[SourceImport]) -> impl Iterator<Item = &SourceImport> {
    imports.iter().filter(|i| !git_hook_config(&i.file))
}

/// Refuses `service` when its sources or its internal packages' sources import across a
/// package boundary; unreadable sources become warnings. `resolved` is the run's cache of
/// where imports land.
///
/// `build` is the name of the script that builds each package (`build`, or `[generate.node]
/// build_script`), `None` for the service's own when isogen.toml sets its `build` command
/// (then nothing is known of it): an import of only types in a package whose build strips
/// them without reading their files is a warning, not a refusal ([`erased`]).
///
/// Checked: the service and its build closure; then every workspace package an import
/// reaches without a declaration, with its own dependencies: the build will compile that code
/// once it is declared, so its crossings are reported in this run, not in the next one
/// (inngest's dashboard reached `@inngest/components` through tsconfig `paths`, and only
/// after declaring it did generate say that components imports the dev-server-ui service).
pub(crate) fn check(
    ws: &Workspace,
    service: &Service,
    resolved: &Resolved,
    build: (&str, bool),
    warnings: &mut Vec<String>,
) -> Result<()> {
    let Some(pnpm) = &ws.pnpm else {
        return Ok(());
    };
    let mut lines = Vec::new();
    let mut todo: Vec<usize> = std::iter::once(service.package)
        .chain(service.build_closure.iter().copied())
        .collect();
    let mut queued: BTreeSet<usize> = todo.iter().copied().collect();
    let mut at = 0;
    while at < todo.len() {
        let index = todo[at];
        at += 1;
        let p = &ws.packages[index];
        let reached_only = index != service.package && !service.build_closure.contains(&index);
        if reached_only {
            for d in &p.internal_deps {
                if queued.insert(d.package) {
                    todo.push(d.package);
                }
            }
        }
        let Some(sources) = pnpm.sources.get(&p.dir) else {
            continue;
        };
        for why in &sources.unreadable {
            warnings.push(format!(
                "{why}; isogen could not check the imports of this file"
            ));
        }
        if let Some(file) = &build_tsconfig(p) {
            lines.extend(references(ws, service, index, pnpm, file, warnings));
        }
        let targets = resolved.of(ws, pnpm, index);
        let mut registry = Vec::new();
        let mut per_pattern: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (import, target) in checked_imports(&sources.imports).zip(targets) {
            let Some(target) = target else {
                registry.push(import);
                continue;
            };
            let ctx = Importer { ws, service, index };
            let Some((line, why)) = ctx.judge(import, target, build, resolved, pnpm) else {
                continue;
            };
            if let Some(owner) = target.owner.filter(|_| why.is_none()) {
                if ctx.other_service(owner).is_none() && queued.insert(owner) {
                    todo.push(owner);
                }
            }
            match (why, &target.via) {
                // One line per `paths` pattern: a shared folder is imported hundreds of times.
                (None, Via::Paths { pattern, .. }) => match per_pattern.get_mut(pattern) {
                    Some((_, more)) => *more += 1,
                    None => {
                        per_pattern.insert(pattern.clone(), (lines.len(), 0));
                        lines.push(line);
                    }
                },
                (None, _) => lines.push(line),
                (Some(why), _) => warnings.push(format!("{line}; {why}")),
            }
        }
        for (at, more) in per_pattern.into_values().filter(|(_, more)| *more > 0) {
            lines[at].push_str(&format!(
                " (and {more} more imports through the same pattern)"
            ));
        }
        if reached_only {
            // Its registry dependencies come with the declaration the lines above ask for.
            continue;
        }
        let shipped = index == service.package || service.runtime_closure.contains(&index);
        let mut undeclared = undeclared::warnings(pnpm, p, shipped, &registry);
        if !undeclared.is_empty() {
            // A registry package that a file nothing reads imports cannot be missed.
            registry.retain(|i| resolved.reads(ws, pnpm, index, &i.file));
            undeclared = undeclared::warnings(pnpm, p, shipped, &registry);
        }
        warnings.extend(undeclared);
    }
    lines.dedup();
    if lines.is_empty() {
        return Ok(());
    }
    Err(Error::Imports {
        services: vec![service.name.clone()],
        lines,
    })
}

/// The project `references` of the package's build tsconfig (`file`) that `tsc -b` would build
/// but the service's image does not have: another service, or a package the importing package
/// does not declare and the service's build does not have through another package (payload's
/// `packages/richtext-lexical` names `../next`, which `templates/blank` depends on itself: a
/// warning, as for an undeclared relative import the build has all the same).
fn references(
    ws: &Workspace,
    service: &Service,
    index: usize,
    pnpm: &PnpmWorkspace,
    file: &str,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let p = &ws.packages[index];
    let Some(facts) = pnpm.tsconfig_files.get(file) else {
        return Vec::new();
    };
    let importer = Importer { ws, service, index };
    let mut out = Vec::new();
    for path in &facts.references {
        let Some(folder) = super::tsconfig::reference_folder(&p.dir, path) else {
            continue;
        };
        let Some(owner) = reach::owner_of(&ws.packages, &folder) else {
            continue;
        };
        if owner == index {
            continue;
        }
        let q = &ws.packages[owner];
        if let Some(other) = importer.other_service(owner) {
            out.push(format!(
                "{file}: service `{}` imports service `{other}` (`references` names \"{path}\", so `tsc -b` builds {}); move the shared code into an internal package that both declare as a dependency",
                service.name, q.dir
            ));
        } else if p.internal_deps.iter().any(|d| d.package == owner) {
            continue;
        } else if owner == service.package || service.build_closure.contains(&owner) {
            warnings.push(format!(
                "{file}: `references` names \"{path}\", the package `{}`, which {} does not declare; not an error for `{}`: its build has `{}` all the same (through another package), so the path resolves there; add \"{}\": \"workspace:*\" to its dependencies so that it does for every service",
                q.name, p.manifest, service.name, q.name, q.name
            ));
        } else {
            out.push(format!(
                "{file}: `references` names \"{path}\", the package `{}`, which {} does not declare, so the image's build does not have it; add \"{}\": \"workspace:*\" to its dependencies",
                q.name, p.manifest, q.name
            ));
        }
    }
    out
}

/// The tsconfig file the package's build reads: `tsconfig.build.json` when it has one (what
/// NestJS and most build scripts pass to `tsc -p`), else `tsconfig.json`.
fn build_tsconfig(p: &Package) -> Option<String> {
    let names = &p.node.as_ref()?.folder.tsconfigs;
    ["tsconfig.build.json", "tsconfig.json"]
        .iter()
        .find(|n| names.iter().any(|t| t == *n))
        .map(|n| relpath::child(&p.dir, n))
}

/// One package of the service's build, importing.
struct Importer<'a> {
    ws: &'a Workspace,
    service: &'a Service,
    /// The importing package.
    index: usize,
}

impl Importer<'_> {
    /// The line for `import` reaching `target` when something is wrong with it, and why it
    /// is only a warning when it is one (`None`: a refusal).
    fn judge(
        &self,
        import: &SourceImport,
        target: &Target,
        build: (&str, bool),
        resolved: &Resolved,
        pnpm: &PnpmWorkspace,
    ) -> Option<(String, Option<String>)> {
        let problem = self.crossing(import, target)?;
        let mut line = format!("{}:{}: {problem}", import.file, import.line);
        let erased = self.erased(import, target, build);
        if erased.is_some() {
            line = line.replace(TYPE_NOTE, "");
        }
        let why = erased
            .or_else(|| {
                let read = resolved.reads(self.ws, pnpm, self.index, &import.file);
                (!read).then(|| self.unread(import))
            })
            .or_else(|| self.only_a_warning(import))
            .or_else(|| self.undeclared_but_present(import, target))
            .or_else(|| self.lazy_require(import, target));
        Some((line, why))
    }

    /// What is wrong with `import` reaching `target`, with the fix; `None` when nothing is.
    fn crossing(&self, import: &SourceImport, target: &Target) -> Option<String> {
        let p = &self.ws.packages[self.index];
        let shown = shown(import, target);
        let Some(owner) = target.owner else {
            // The workspace root's package.json is in every build stage (the deps stage copies
            // it; homarr's Next.js app imports it for its version): code `next build` bundles
            // reads it there; code run from the image would not find it.
            if target.path == "package.json"
                && target.via == Via::Relative
                && self.next_bundles(&[self.index])
            {
                return None;
            }
            // A file a tool config at the top of the package imports (trpc's
            // `tsdown.config.ts` -> `../../scripts/entrypoints.js`): the builder copies it.
            if target.via == Via::Relative && self.config_imports(import, &target.path) {
                return None;
            }
            // A `paths` target in no package is often a catch-all (`"*"`) the compiler falls
            // back from; a named pattern (`@acme/lib/*` -> `libraries/lib/src/*`, as Nx-style
            // repositories share code) is code the build needs and does not have.
            let named_paths = matches!(&target.via, Via::Paths { pattern, .. } if pattern != "*");
            return (target.via == Via::Relative || named_paths).then(|| {
                let reaches = if named_paths {
                    String::new()
                } else {
                    format!(" reaches {}", target.path)
                };
                format!(
                    "{shown}{reaches}, which is in no workspace package, so the image's build does not have it (it copies only the packages the service declares); move it into an internal package (a package.json, listed in pnpm-workspace.yaml) and import that by name{}",
                    type_note(import)
                )
            });
        };
        if owner == self.index {
            return None;
        }
        let q = &self.ws.packages[owner];
        if let Some(other) = self.other_service(owner) {
            let through = if self.index == self.service.package {
                String::new()
            } else if self.service.build_closure.contains(&self.index) {
                format!(", in its dependency `{}`", p.name)
            } else {
                format!(
                    ", in `{}`, which it imports without declaring it (above)",
                    p.name
                )
            };
            return Some(format!(
                "service `{}` imports service `{other}` ({shown}{through}); move the shared code into an internal package that both declare as a dependency{}",
                self.service.name,
                type_note(import)
            ));
        }
        let declared = p.internal_deps.iter().any(|d| d.package == owner)
            || (target.via == Via::Name && declares_key(p, &q.name));
        if !declared && owner == self.service.package {
            // Declaring the service would make a cycle: the service depends on this package.
            return Some(format!(
                "{shown} reaches `{}` ({}), the service that depends on `{}` (declaring it would be a cycle); move what it imports into {} or into an internal package both declare{}",
                q.name,
                q.dir,
                p.name,
                p.dir,
                type_note(import)
            ));
        }
        if !declared {
            return Some(self.undeclared(&shown, owner, import));
        }
        let by_path = matches!(target.via, Via::Relative | Via::BaseUrl { .. });
        // The builder copies each declared package's whole folder; only what runs from the
        // image must be shipped, and under a Next.js app nothing runs from a package's folder
        // but what its config leaves external. A build tool's config file runs only in the
        // builder (inngest's dashboard `tailwind.config.ts` extends
        // `../../packages/components/tailwind.config`, a file no build output holds).
        if self.build_tool_config(import) {
            return None;
        }
        let bundled = self.next_bundles(&[self.index, owner]);
        if by_path && !bundled && !ships(q, &target.path) {
            return Some(format!(
                "{shown} reaches {}, a file `{}` does not ship (the image has only its build output), so the build or the service would fail; import it by its name '{}'{}{}",
                target.path,
                q.name,
                q.name,
                self.external_note(&[self.index, owner]),
                type_note(import)
            ));
        }
        None
    }

    /// What is wrong with an import by `shown` of `owner`, a workspace package the importing
    /// package does not declare, with the fix: declare it, or, when declaring it would make a
    /// dependency cycle, move the code.
    fn undeclared(&self, shown: &str, owner: usize, import: &SourceImport) -> String {
        let (p, q) = (&self.ws.packages[self.index], &self.ws.packages[owner]);
        if let Some(path) = dependency_path(self.ws, owner, self.index) {
            // novu's libs/testing `require('@novu/ee-auth')`, while ee-auth depends on
            // application-generic, which depends on testing: declaring it is no fix.
            return format!(
                "{shown} reaches `{}` ({}), which {} does not declare and cannot: `{}` depends on `{}` ({}), so declaring it would be a cycle; move the code that needs `{}` into `{}` or into a package that depends on it{}",
                q.name,
                q.dir,
                p.manifest,
                q.name,
                p.name,
                path.join(" -> "),
                q.name,
                q.name,
                type_note(import)
            );
        }
        format!(
            "{shown} reaches `{}` ({}), which {} does not declare; add \"{}\": \"workspace:*\" to its dependencies and import it by its name{}",
            q.name,
            q.dir,
            p.manifest,
            q.name,
            type_note(import)
        )
    }

    /// Whether the service is a Next.js app whose build bundles the code of every one of
    /// `packages` (none of them loaded from `node_modules` at run time, see [`external`]).
    fn next_bundles(&self, packages: &[usize]) -> bool {
        let app = &self.ws.packages[self.service.package];
        if !next_bundles(app) {
            return false;
        }
        let external = external(self.ws, self.service);
        packages.iter().all(|i| !external.contains(i))
    }

    /// Says which of `packages` the Next.js config leaves external, when one is.
    fn external_note(&self, packages: &[usize]) -> String {
        let app = &self.ws.packages[self.service.package];
        if !next_bundles(app) {
            return String::new();
        }
        let external = external(self.ws, self.service);
        let Some(&i) = packages.iter().find(|i| external.contains(i)) else {
            return String::new();
        };
        let file = (app.node.as_ref())
            .and_then(|n| n.next.as_ref()?.file.clone())
            .unwrap_or_else(|| "next.config.js".into());
        format!(
            " (`{}` runs from node_modules at run time: {}/{file} lists it, or a package that depends on it, in serverExternalPackages, so `next build` does not bundle it)",
            self.ws.packages[i].name,
            app.dir
        )
    }

    /// Whether `import` is in a tool config file at the top of the importing package, the
    /// package has a `build` script, and `path` is among the files the builder copies for
    /// those configs (`config_files`).
    fn config_imports(&self, import: &SourceImport, path: &str) -> bool {
        let p = &self.ws.packages[self.index];
        let name = import.file.rsplit('/').next().unwrap_or(&import.file);
        relpath::parent(&import.file) == p.dir
            && name.contains(".config.")
            && (p.node.as_ref()).is_some_and(|n| {
                n.scripts.contains_key("build") && n.config_files.iter().any(|f| names(path, f))
            })
    }

    /// Whether `import` is in a build tool's config file at the top of the importing package
    /// (`tailwind.config.ts`, `vite.config.ts`, `tsup.config.ts`): the tool loads it in the
    /// builder, never from the image. `next.config.*` is not one: `next start` loads it.
    fn build_tool_config(&self, import: &SourceImport) -> bool {
        let p = &self.ws.packages[self.index];
        let name = import.file.rsplit('/').next().unwrap_or(&import.file);
        relpath::parent(&import.file) == p.dir
            && name.contains(".config.")
            && !name.starts_with("next.config.")
    }

    /// Why a crossing in a file that neither the build nor the service reads cannot break
    /// the image.
    fn unread(&self, import: &SourceImport) -> String {
        let p = &self.ws.packages[self.index];
        let tsconfig = build_tsconfig(p).unwrap_or_default();
        format!(
            "not an error for `{}`: neither the build nor the service reads {} ({tsconfig} does not compile it; no build, install or start script runs it; nothing they read imports it): only a script run by hand does",
            self.service.name, import.file
        )
    }

    /// Why a crossing at `import` cannot break the image, when it cannot: a `require()` or
    /// `import()` (the compiler does not need its target) in a package that is only built,
    /// never shipped; or a tool's config file at the top of the package (`*.config.*`), which
    /// the build may not read.
    fn only_a_warning(&self, import: &SourceImport) -> Option<String> {
        let p = &self.ws.packages[self.index];
        let shipped = self.index == self.service.package
            || self.service.runtime_closure.contains(&self.index);
        let at_run_time = matches!(import.kind, ImportKind::Require | ImportKind::DynamicImport);
        if at_run_time && !shipped {
            return Some(format!(
                "not an error for `{}`: `{}` is only built for it, never shipped, and the compiler does not follow a {}",
                self.service.name,
                p.name,
                if matches!(import.kind, ImportKind::Require) {
                    "require()"
                } else {
                    "dynamic import()"
                }
            ));
        }
        let name = import.file.rsplit('/').next().unwrap_or(&import.file);
        let top = relpath::parent(&import.file) == p.dir;
        if top && (name.contains(".config.") || name.starts_with('.')) {
            return Some(format!(
                "a tool's config file: the image's build fails if it reads {}",
                import.file
            ));
        }
        None
    }

    /// Why an import by path of a workspace package that the importing package does not
    /// declare still works in this service's image, when it does: the service's build has the
    /// package (the service itself, or in its build closure through another package), and
    /// when the import runs in a shipped package, the image ships it too (`packages/queue`
    /// importing `../../validation`, which `db`, a dependency of the service, declares).
    /// An import by name is not among them: pnpm's node_modules has no link for it.
    fn undeclared_but_present(&self, import: &SourceImport, target: &Target) -> Option<String> {
        let owner = target.owner?;
        let p = &self.ws.packages[self.index];
        let declared = p.internal_deps.iter().any(|d| d.package == owner);
        if declared || target.via == Via::Name || self.other_service(owner).is_some() {
            return None;
        }
        let s = self.service;
        let in_build = owner == s.package || s.build_closure.contains(&owner);
        let shipped = |i: usize| i == s.package || s.runtime_closure.contains(&i);
        let bundled = self.next_bundles(&[self.index, owner]);
        let runs = !import.type_only && !bundled && shipped(self.index);
        if !in_build || (runs && !(shipped(owner) && ships(&self.ws.packages[owner], &target.path)))
        {
            return None;
        }
        let how = if owner == s.package {
            "the service itself"
        } else {
            "through another package"
        };
        let bundled_note = if bundled && !import.type_only && shipped(self.index) {
            format!(
                " (`next build` bundles the code of `{}` into .next: nothing loads it from the package at run time)",
                p.name
            )
        } else {
            String::new()
        };
        Some(format!(
            "not an error for `{}`: its {} has `{}` all the same ({how}), so the path resolves there{bundled_note}",
            s.name,
            if runs { "image" } else { "build" },
            self.ws.packages[owner].name
        ))
    }

    /// Why an import of only types cannot break the image: the build that compiles the
    /// importing file strips them without reading their target ([`erased::erasing_build`]).
    /// That build is the importing package's own `build` script, or, for a package with none,
    /// the service's, which bundles it. `build`: see [`check`].
    fn erased(
        &self,
        import: &SourceImport,
        target: &Target,
        (script, service_configured): (&str, bool),
    ) -> Option<String> {
        if !import.type_only {
            return None;
        }
        let p = &self.ws.packages[self.index];
        let own = p.node.as_ref()?.scripts.contains_key(script);
        let builder = if own {
            self.index
        } else {
            self.service.package
        };
        if builder == self.service.package && service_configured {
            return None;
        }
        let b = &self.ws.packages[builder];
        let sources = self.ws.pnpm.as_ref()?.sources.get(&b.dir);
        let how = erased::erasing_build(&b.dir, &b.node.as_ref()?.scripts, script, sources)?;
        Some(format!(
            "not an error for `{}`: it imports only types, and the build of `{}` ({how}) strips them without reading {} (it checks no types), so the image builds and runs without it; a type check (`tsc --noEmit`) still needs it",
            self.service.name, b.name, target.path
        ))
    }

    /// Why a `require()` of a workspace package the importer does not declare (no other
    /// service) is a warning when it runs only when the code around it does (inside a
    /// function, a branch, a loop: novu's `@novu/testing` helpers call
    /// `require('@novu/ee-auth')` in functions the services never call): the compiler does
    /// not follow a require(), and loading the file does not run it, so the service starts;
    /// the call fails in the image if it ever runs.
    fn lazy_require(&self, import: &SourceImport, target: &Target) -> Option<String> {
        let owner = target.owner?;
        let lazy = matches!(import.kind, ImportKind::Require) && !import.unconditional;
        if !lazy || owner == self.index || self.other_service(owner).is_some() {
            return None;
        }
        Some(format!(
            "not an error for `{}`: the require() runs only when the code around it runs (a function, a branch), not when the file loads, and the compiler does not follow it, so the service builds and starts; if that code runs in the image, the require fails there",
            self.service.name
        ))
    }

    /// The name of the service (not this one) whose package is `owner`.
    fn other_service(&self, owner: usize) -> Option<String> {
        if owner == self.service.package {
            return None;
        }
        let names: BTreeSet<&str> = self
            .ws
            .services
            .iter()
            .filter(|s| s.package == owner)
            .map(|s| s.name.as_str())
            .collect();
        let first = names.iter().next()?;
        Some(first.to_string())
    }
}

/// The names of the packages on the shortest chain of internal dependencies (any kind) from
/// `from` to `to`, both included; `None` when `from` does not depend on `to`.
fn dependency_path(ws: &Workspace, from: usize, to: usize) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<usize, usize> = BTreeMap::from([(from, from)]);
    let mut queue = std::collections::VecDeque::from([from]);
    while let Some(at) = queue.pop_front() {
        if at == to {
            let mut path = vec![ws.packages[at].name.clone()];
            let mut i = at;
            while i != from {
                i = came_from[&i];
                path.push(ws.packages[i].name.clone());
            }
            path.reverse();
            return Some(path);
        }
        for d in &ws.packages[at].internal_deps {
            if let std::collections::btree_map::Entry::Vacant(e) = came_from.entry(d.package) {
                e.insert(at);
                queue.push_back(d.package);
            }
        }
    }
    None
}

/// Whether the relative import of `path` loads `file`, as the tools that read config files
/// resolve it: the file itself, `path` with an extension or `/index.<ext>` added
/// (`../../vite.shared.config`), or TypeScript's ESM names (`.js` for `.ts`, `.mjs` for
/// `.mts`, `.cjs` for `.cts`: `../../tsup.shared.config.js`).
fn names(path: &str, file: &str) -> bool {
    const EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs", "json"];
    if file == path {
        return true;
    }
    let added = file.strip_prefix(path).and_then(|rest| {
        let rest = rest.strip_prefix("/index").unwrap_or(rest);
        rest.strip_prefix('.')
    });
    if added.is_some_and(|ext| EXTENSIONS.contains(&ext)) {
        return true;
    }
    [
        ("js", "ts"),
        ("js", "tsx"),
        ("jsx", "tsx"),
        ("mjs", "mts"),
        ("cjs", "cts"),
    ]
    .iter()
    .any(|(js, ts)| {
        path.strip_suffix(js)
            .is_some_and(|stem| stem.ends_with('.') && file.strip_prefix(stem) == Some(*ts))
    })
}

/// Whether the service package `p` is a Next.js app that `next start` or the standalone
/// server runs: `next build` then bundles the internal packages' code it imports into `.next`
/// (a workspace package resolves outside `node_modules`, so Next never leaves it external),
/// and an import in that code is resolved once, in the build. A custom server (`node
/// server.js`) loads what it requires from the packages at run time.
fn next_bundles(p: &Package) -> bool {
    p.node.as_ref().is_some_and(|n| {
        n.next.is_some() && !matches!(n.start, Some((_, StartCommand::Node { .. })))
    })
}

/// The packages of the service's run-time closure that a Next.js app loads from
/// `node_modules` at run time: those its config lists in `serverExternalPackages` (or
/// `experimental.serverComponentsExternalPackages`), and the internal packages they depend
/// on (Node loads those from the external package's code). Their code runs from the image
/// as it is in the package: `next build` neither bundles nor compiles it.
pub(crate) fn external(ws: &Workspace, service: &Service) -> BTreeSet<usize> {
    let app = ws.service_package(service);
    let names = (app.node.as_ref())
        .and_then(|n| n.next.as_ref())
        .map(|c| c.external_packages.as_slice())
        .unwrap_or_default();
    let mut todo: Vec<usize> = (service.runtime_closure.iter().copied())
        .filter(|&i| names.contains(&ws.packages[i].name))
        .collect();
    let mut out = BTreeSet::new();
    while let Some(i) = todo.pop() {
        if out.insert(i) {
            let deps = ws.packages[i].internal_deps.iter();
            todo.extend(deps.filter(|d| d.kind.is_runtime()).map(|d| d.package));
        }
    }
    out
}

/// Whether the manifest of `p` has `key` among its dependencies (any kind).
fn declares_key(p: &Package, key: &str) -> bool {
    p.node
        .as_ref()
        .is_some_and(|n| n.deps.iter().any(|d| d.key == key))
}

/// Whether the workspace-relative `path` is part of what package `q` ships: its folder
/// itself (the package's entry), its build output or `files`, or anything of a plain
/// JavaScript package.
fn ships(q: &Package, path: &str) -> bool {
    let Some(n) = q.node.as_ref() else {
        return false;
    };
    let rel = path
        .strip_prefix(&q.dir)
        .unwrap_or(path)
        .trim_start_matches('/');
    // npm and pnpm ship a package's package.json whatever `files` says.
    if rel.is_empty() || rel == "package.json" || (n.files.is_none() && n.folder.plain_js) {
        return true;
    }
    n.runtime_paths(n.entry.as_deref(), &n.out_dir)
        .iter()
        .any(|top| rel == top || rel.starts_with(&format!("{top}/")))
}

/// `'specifier'`, with how it got where it did.
fn shown(import: &SourceImport, target: &Target) -> String {
    match &target.via {
        Via::Relative | Via::Name => format!("'{}'", import.specifier),
        Via::Paths { tsconfig, pattern } => format!(
            "'{}', through `paths` \"{pattern}\" of {tsconfig} to {}",
            import.specifier, target.path
        ),
        Via::BaseUrl { tsconfig } => format!(
            "'{}', through `baseUrl` of {tsconfig} to {}",
            import.specifier, target.path
        ),
    }
}

/// What an import of only types adds to its line.
const TYPE_NOTE: &str = " (it imports only types, but the build still needs the files)";

fn type_note(import: &SourceImport) -> &'static str {
    if import.type_only {
        TYPE_NOTE
    } else {
        ""
    }
}

/// Whether `file` is the config of a tool that only git hooks run (lint-staged, commitlint),
/// never a build or the service: its imports cannot break an image (teable's ten
/// `lint-staged.config.js` importing `../../lint-staged.common.js` were ten warnings).
fn git_hook_config(file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    [
        "lint-staged.config.",
        ".lintstagedrc",
        "commitlint.config.",
        ".commitlintrc",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn an_import_names_the_file_its_tool_resolves() {
        assert!(names("tsup.shared.config.js", "tsup.shared.config.ts"));
        assert!(names("vite.shared.config", "vite.shared.config.ts"));
        assert!(names("scripts/entry", "scripts/entry/index.mjs"));
        assert!(names("scripts/x.js", "scripts/x.js"));
        assert!(!names("vite.shared.config", "vite.shared.configs.ts"));
        assert!(!names("tsup.shared.config.js", "tsup.shared.config.mts"));
        assert!(!names("a.js", "a.json"));
    }
}
