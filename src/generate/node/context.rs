//! The context of one pnpm service: its entry and what its image ships, the packages the
//! build installs and builds, the packages the runtime ships (with their manifest rewrites),
//! and the root files the stages copy. Each step is a function below; [`context`] runs them.
//!
//! It is a pure function of the workspace model and the config (discovery read every file it
//! needs); it never reads the disk, and an input it cannot turn into a working Dockerfile is
//! an error naming the file or the config key.

use std::collections::BTreeSet;
use std::path::Path;

use super::next::{NextKind, NextPlan};
use super::runfiles::{RunFile, RunFiles};
use super::runtime::{injected_only, install_leftovers, prod_filters, runtime_packages, Shipping};
use super::settings::settings;
use super::shipped::package_contents;
use super::tsconfig::{built_by_references, tsconfig_extends};
use super::{check_dir, is_build_output, node_of, selector, shell_dir};
use super::{BuildPackage, NodeContext, RuntimePackage};
use crate::error::{Error, Result};
use crate::generate::cfg::{
    is_plain_path, AssetSetting, GenerateConfig, Healthcheck, ServiceConfig, ServiceKind,
};
use crate::generate::templates::shell_quote;
use crate::generate::{common_context, reject_keys, CommonContext};
use crate::workspace::pnpm::freshness::Stale;
use crate::workspace::pnpm::WORKSPACE_FILE;
use crate::workspace::pnpm::{out_dir_of, NodePackage, PnpmWorkspace, StartCommand, LOCKFILE};
use crate::workspace::{Package, Service, Workspace};

/// The service being generated, with its config section.
struct Svc<'a> {
    ws: &'a Workspace,
    pnpm: &'a PnpmWorkspace,
    service: &'a Service,
    pkg: &'a Package,
    node: &'a NodePackage,
    overrides: Option<&'a ServiceConfig>,
    /// `[generate.services.<name>]`, for messages.
    section: String,
    /// The script that builds a package (`build`, or `[generate.node] build_script`).
    build_script: &'a str,
    config_path: &'a Path,
    /// The image's Node version, when the settings give one (for the TypeScript entry's
    /// refusal: see [`super::ts_entry`]).
    node_version: Option<String>,
    /// The files of its own package it can load, for the dotenv and run-path warnings.
    loadable: super::loadable::Loadable,
}

/// The Node version of the service's images (its warnings are `settings`' own, told once).
fn image_node(
    pnpm: &PnpmWorkspace,
    config: &GenerateConfig,
    service: &str,
    config_path: &Path,
) -> Option<String> {
    let settings = settings(pnpm, config, service, config_path, &mut Vec::new());
    settings.ok().map(|s| s.version)
}

/// The pnpm side of the workspace model; an error for a workspace that has none.
fn pnpm_of(ws: &Workspace) -> Result<&PnpmWorkspace> {
    (ws.pnpm.as_ref())
        .ok_or_else(|| Error::workspace(&ws.root, "not a pnpm workspace (no pnpm-workspace.yaml)"))
}

/// Computes the context of one service.
pub fn context(
    ws: &Workspace,
    service: &Service,
    config: &GenerateConfig,
    config_path: &Path,
    warnings: &mut Vec<String>,
) -> Result<NodeContext> {
    let pnpm = pnpm_of(ws)?;
    refuse_stale_lockfile(ws, pnpm, service, warnings)?;
    let mut common = common_context(ws, service, config, config_path, "pnpm")?;
    let pkg = ws.service_package(service);
    let svc = Svc {
        ws,
        pnpm,
        service,
        pkg,
        node: node_of(pkg)?,
        overrides: config.service(&service.name),
        section: format!("[generate.services.{}]", service.name),
        build_script: config.node.build_script.as_deref().unwrap_or("build"),
        config_path,
        node_version: image_node(pnpm, config, &service.name, config_path),
        loadable: Default::default(),
    };
    svc.reject_cargo_keys()?;
    let next_plan = svc.next_plan(&common.service.workdir, warnings)?;
    let (out_dir, service_copy, entry) =
        svc.what_runs(next_plan.as_ref(), &mut common, warnings)?;
    let mut node = settings(pnpm, config, &service.name, config_path, warnings)?;
    let install = install_settings(&svc, &mut node, warnings);
    svc.check_one_line_commands()?;
    let mut packages = svc.build_packages(&out_dir, &node.pnpm_version, warnings)?;
    svc.mark_injected(&mut packages)?;
    svc.warn_build_packages(&packages, &service_copy, warnings);
    if pnpm.split_lockfiles {
        node.lockfile = split_lockfiles_complete(&packages, &service.name, warnings);
    }
    let install_filters = vec![format!("{}...", selector(pkg, svc.node))];
    let inject_refresh = inject_refresh(&packages, node.lockfile, &install_filters);
    let referenced = built_by_references(ws, pnpm, &packages, warnings);
    let runtime_packages = runtime_packages(
        &Shipping {
            ws,
            pnpm,
            service,
            service_copy: &service_copy,
            entry: &entry,
            referenced: &referenced,
            build_script: svc.build_script,
            app_root: &common.app_root,
            assets: &svc.package_assets(),
            next_compiles: (next_plan.as_ref()).is_some_and(|p| p.context.kind != NextKind::Custom),
        },
        warnings,
    )?;
    svc.warn_run_paths(&runtime_packages, &entry, &common.service.workdir, warnings);
    let standalone = (next_plan.as_ref()).is_some_and(|p| p.context.kind == NextKind::Standalone);
    if !standalone {
        super::toolchain_deps::warn(ws, service, warnings);
    }
    let run_files = svc.run_files(&runtime_packages, &entry, &common, warnings)?;
    let npmrc_write = npmrc_without_node(pnpm, &node.image, warnings);
    let root_files = root_files(pnpm, npmrc_write.npmrc_rewrite, warnings);
    let (tsconfig_extends, build_files, local_dirs) = svc.files_outside(&packages, warnings)?;
    let tarballs = super::local_dirs::local_tarballs(ws, &packages);
    check_copyable(ws, pnpm, &tarballs)?;
    Ok(NodeContext {
        debian: super::debian::packages(svc.overrides, &packages, &runtime_packages),
        install_leftovers: install_leftovers(pnpm, &root_files, &tarballs, &runtime_packages),
        context_excludes: context_excludes(&packages, &referenced),
        common,
        node,
        root_files,
        patch_copies: super::patch_copies::patch_copies(&pnpm.patches),
        patches: pnpm.patches.clone(),
        tsconfigs: pnpm.tsconfigs.clone(),
        tsconfig_extends,
        build_files,
        local_dirs,
        tarballs,
        build_args: svc.build_args(),
        install_args: svc.install_args(),
        npmrc: pnpm.npmrc,
        npmrc_secret: pnpm.npmrc && pnpm.npmrc_credentials,
        npmrc_write,
        pnpm_store: super::PNPM_STORE.to_string(),
        install_filters,
        prod_filters: prod_filters(ws, service)?,
        rebuild: !install.ignore_scripts,
        rebuild_flags: rebuild_flags(&install.install_flags),
        injected_only: injected_only(ws, pnpm, service),
        dev_peers: super::dev_peers::dev_peers(ws, pnpm, service, standalone, warnings),
        install,
        packages,
        runtime_packages,
        inject_refresh,
        run_files,
        next: next_plan.map(|p| p.context),
    })
}

/// `install_flags` as `pnpm rebuild` takes them: `--node-linker=isolated` becomes
/// `--config.node-linker=isolated` (pnpm 8 refuses the bare flag there).
fn rebuild_flags(install_flags: &[String]) -> Vec<String> {
    (install_flags.iter())
        .map(|f| f.replacen("--", "--config.", 1))
        .collect()
}

/// A lockfile pnpm's frozen install would refuse (`ERR_PNPM_OUTDATED_LOCKFILE`) stops
/// generate for a service whose image installs from what changed: a manifest of the service
/// or of a package its build takes, or a workspace-wide file (the root package.json, the
/// catalogs, the overrides). The error names the first such file and lists every difference.
/// A stale manifest outside the service's closure is only a warning: the deps stage copies
/// the closure's manifests alone, and pnpm checks only the projects it installs.
fn refuse_stale_lockfile(
    ws: &Workspace,
    pnpm: &PnpmWorkspace,
    service: &Service,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let closure: BTreeSet<&str> = std::iter::once(service.package)
        .chain(service.build_closure.iter().copied())
        .filter_map(|i| ws.packages.get(i))
        .map(|p| p.manifest.as_str())
        .collect();
    let outside = |s: &&Stale| {
        s.package.is_some() && s.file != "package.json" && !closure.contains(s.file.as_str())
    };
    let describe = |s: &Stale| match &s.package {
        Some(name) => format!("`{name}` ({}): {}", s.file, s.differences.join(", ")),
        None => format!("{}: {}", s.file, s.differences.join(", ")),
    };
    for s in pnpm.stale.iter().filter(outside) {
        warnings.push(format!(
            "{} is out of date ({}); the images of services that do not install that package build (their deps stage copies only their own packages' manifests), but `pnpm install --frozen-lockfile` of the whole workspace (CI, a developer's checkout) stops with ERR_PNPM_OUTDATED_LOCKFILE: run `pnpm install` and commit {}",
            s.lockfile,
            describe(s),
            s.lockfile
        ));
    }
    let stale: Vec<&Stale> = pnpm.stale.iter().filter(|s| !outside(s)).collect();
    let Some(first) = stale.first() else {
        return Ok(());
    };
    let lockfiles: BTreeSet<&str> = stale.iter().map(|s| s.lockfile.as_str()).collect();
    let lockfiles: Vec<&str> = lockfiles.into_iter().collect();
    let details: Vec<String> = stale.iter().map(|s| describe(s)).collect();
    Err(Error::workspace(
        ws.root.join(&first.file),
        format!(
            "{} is out of date ({}); the image build's `pnpm install --frozen-lockfile` would stop with ERR_PNPM_OUTDATED_LOCKFILE: run `pnpm install` and commit {}",
            lockfiles.join(", "),
            details.join("; "),
            lockfiles.join(", ")
        ),
    ))
}

impl Svc<'_> {
    /// The Next.js plan of the service, unless `entry` in isogen.toml names what runs.
    fn next_plan(
        &self,
        workdir: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Option<super::next::NextPlan>> {
        if self.overrides.and_then(|o| o.entry.as_deref()).is_some() {
            return Ok(None);
        }
        super::next::plan(
            self.ws,
            self.pkg,
            self.node,
            (
                &self.section,
                &self.package_assets(),
                self.overrides
                    .is_some_and(|o| o.cmd.is_some() || !o.args.is_empty()),
            ),
            workdir,
            warnings,
        )
    }

    /// `build_args` of the service's settings: the builder's `ARG`s.
    fn build_args(&self) -> Vec<String> {
        (self.overrides.iter())
            .flat_map(|o| o.build_args.iter().map(|a| a.declaration()))
            .collect()
    }

    /// The warnings for the registry packages whose install scripts download during the
    /// build ([`super::downloads`]), but those whose skip variable `build_args` sets.
    fn warn_downloads(&self, pnpm_version: &str, warnings: &mut Vec<String>) {
        let set: Vec<&str> = (self.overrides.iter())
            .flat_map(|o| o.build_args.iter().map(|a| a.name()))
            .collect();
        let (ws, pnpm, service) = (self.ws, self.pnpm, self.service);
        warnings.extend(super::downloads::warnings(
            ws,
            pnpm,
            service,
            pnpm_version,
            &set,
        ));
    }

    /// The `build_args` that dependencies' install scripts read: the install stages' `ARG`s.
    fn install_args(&self) -> Vec<String> {
        (self.overrides.iter())
            .flat_map(|o| o.build_args.iter())
            .filter(|a| super::downloads::read_by_install_scripts(a.name()))
            .map(|a| a.declaration())
            .collect()
    }

    /// The output folder, what the image ships of the service's folder and the CMD (in
    /// `common`): a Next.js app's plan, or the entry of any other service (a custom Next.js
    /// server: its entry, plus what its plan ships).
    fn what_runs(
        &self,
        next_plan: Option<&NextPlan>,
        common: &mut CommonContext,
        warnings: &mut Vec<String>,
    ) -> Result<(String, Vec<String>, String)> {
        let (out_dir, service_copy, entry) = match next_plan {
            Some(plan) if plan.cmd.is_some() => (
                plan.context.dist_dir.clone(),
                plan.copy.clone(),
                String::new(),
            ),
            _ => {
                let (entry, out_dir) = self.entry_and_out_dir()?;
                let mut copy = self.service_copy(&entry, &out_dir, warnings)?;
                common.service.cmd = super::command::node_cmd(
                    self.node,
                    &entry,
                    &common.service.workdir,
                    &self.pkg.manifest,
                    &self.section,
                    warnings,
                );
                self.run_entry_script(&mut copy, common, warnings)?;
                if self.overrides.is_none_or(|o| o.entry.is_none()) {
                    let workdir = &common.service.workdir;
                    if let Some(cmd) = super::launcher::cmd(self.node, workdir, &mut copy) {
                        common.service.cmd = cmd;
                    }
                }
                if let Some(plan) = &next_plan {
                    copy.extend(plan.copy.iter().cloned());
                    copy.sort();
                    copy.dedup();
                }
                (out_dir, copy, entry)
            }
        };
        if let Some(plan) = &next_plan {
            if let Some(cmd) = &plan.cmd {
                common.service.cmd = cmd.clone();
            }
            for (key, value) in &plan.env {
                common
                    .env
                    .entry(key.clone())
                    .or_insert_with(|| value.clone());
            }
            if let (Some(port), NextKind::Standalone) = (common.port, plan.context.kind) {
                common.env.insert("PORT".into(), port.to_string());
            }
            let configured = (self.overrides)
                .is_some_and(|o| o.env.contains_key("HOSTNAME"))
                .then_some((self.config_path, self.section.as_str()));
            super::next::warn_loopback(
                self.pkg,
                &common.env,
                &common.service.cmd,
                configured,
                warnings,
            );
        }
        common.service.cmd = super::command::configured(
            std::mem::take(&mut common.service.cmd),
            self.overrides,
            &self.section,
            self.config_path,
        )?;
        if next_plan.is_none() {
            let node_options = common.env.get("NODE_OPTIONS").map(String::as_str);
            self.check_idle_entry(&entry, (&common.service.cmd, node_options), warnings)?;
        }
        super::env_files::warn(
            self.pkg,
            self.node,
            &entry,
            self.overrides,
            &self.section,
            warnings,
        );
        super::env_files::warn_imports(
            self.ws,
            self.pnpm,
            (self.service, &entry, &self.loadable),
            self.overrides,
            &self.section,
            &common.service.workdir,
            warnings,
        );
        Ok((out_dir, service_copy, entry))
    }

    /// A service whose start script runs a shell script of its package (and no `entry` or
    /// `cmd` setting replaces it): the image ships the script and runs it (see
    /// [`super::entry_script`]).
    fn run_entry_script(
        &self,
        copy: &mut Vec<String>,
        common: &mut CommonContext,
        warnings: &mut Vec<String>,
    ) -> Result<()> {
        let configured = self
            .overrides
            .is_some_and(|o| o.entry.is_some() || o.cmd.is_some());
        let Some(script) = self.node.entry_script.as_ref() else {
            return Ok(());
        };
        if configured || !self.node.processes.is_empty() {
            return Ok(());
        }
        let plan = super::entry_script::plan(
            self.ws,
            self.pkg,
            self.node,
            script,
            &common.service.workdir,
            &self.section,
            warnings,
        )?;
        common.service.cmd = plan.cmd;
        if !copy.contains(&plan.copy) {
            copy.push(plan.copy);
            copy.sort();
        }
        common.env.entry("PATH".into()).or_insert(plan.path);
        Ok(())
    }

    /// Cargo-only keys in a Node service's section are a mistake worth stopping for.
    fn reject_cargo_keys(&self) -> Result<()> {
        let Some(o) = self.overrides else {
            return Ok(());
        };
        reject_keys(
            self.config_path,
            &self.section,
            &[
                ("features", !o.features.is_empty()),
                ("no_default_features", o.no_default_features.is_some()),
            ],
            &format!(
                "only for Cargo services; `{}` is a Node service (its image ships the `dist` \
                 of its package, `out_dir` names another folder, `assets` adds files)",
                self.service.name
            ),
        )
    }

    /// A service whose start script runs what isogen cannot put in an image (Deno, Bun) is
    /// refused by name, before `main` is taken for an entry it is not.
    fn refuse_start(&self) -> Result<()> {
        if let Some(reason) = crate::workspace::pnpm::front_end::static_front_end(self.pkg) {
            return Err(Error::workspace(
                self.ws.root.join(&self.pkg.manifest),
                format!(
                    "`{}` is listed in [workspace] services of isogen.toml, but it is {reason}; remove it from that list (isogen builds images of Node servers), or set `entry` in {} if it has a Node server after all",
                    self.service.name, self.section
                ),
            ));
        }
        self.refuse_typescript_start()?;
        let (script, kind) = match &self.node.start {
            Some((script, StartCommand::Unsupported(kind))) => (script, *kind),
            // A dev server and nothing else to run: a front end served by a dev server, or
            // a service whose production command isogen did not find.
            // stack-auth's mock-oauth-server: `tsx src/index.ts`, and `"main": "index.js"`
            // (npm init's default) names a file that does not exist and no build writes.
            Some((script, StartCommand::Dev(program)))
                if self.node.bin.is_none()
                    && (self.node.entry.is_none() || self.main_never_written()) =>
            {
                // karakeep's workers: `tsx index.ts`, and tsdown writes `dist/index.js`.
                let fix = match self.built_entry() {
                    Some((file, how)) => format!(
                        "set `entry = \"{file}\"` in {} (the file its build writes: {how})",
                        self.section
                    ),
                    None => format!(
                        "set `entry` in {} (the built file `node` runs)",
                        self.section
                    ),
                };
                return Err(Error::workspace(
                    self.ws.root.join(&self.pkg.manifest),
                    format!(
                        "the service `{}` has no production start command: its `{script}` script runs the development command `{program}`, and no `start:prod`, `start:production`, `prod` or `serve` script runs `node <file>`{}; {fix}, or add `{}` to `not_services` in [workspace] of isogen.toml when it is not a Node service (a front end built to static files)",
                        self.service.name,
                        match &self.node.entry {
                            Some(main) => format!(" (its `main`, {main}, is not in {} and no `{}` script writes it)", self.pkg.dir, self.build_script),
                            None => String::new(),
                        },
                        self.service.name
                    ),
                ));
            }
            // A shell script isogen cannot read says so before `main` is taken for an entry.
            Some((_, StartCommand::ShellScript { .. })) => {
                let Some(script) = &self.node.entry_script else {
                    return Ok(());
                };
                let file = crate::workspace::relpath::child(&self.pkg.dir, &script.path);
                return super::entry_script::readable(script, &file, &self.section)
                    .map(|_| ())
                    .map_err(|m| Error::workspace(self.ws.root.join(&file), m));
            }
            _ => return Ok(()),
        };
        Err(Error::workspace(
            self.ws.root.join(&self.pkg.manifest),
            format!(
                "the service `{}` is a {kind} app (its `{script}` script runs `{}`): isogen does not build {kind} images yet; add `{}` to `not_services` in [workspace] of isogen.toml, or set `entry` in {} if it also runs under plain `node`",
                self.service.name,
                self.node.scripts.get(script).map_or("", String::as_str),
                self.service.name,
                self.section
            ),
        ))
    }

    /// The entry file and the output folder of the service (config first, then package.json).
    fn entry_and_out_dir(&self) -> Result<(String, String)> {
        let section = &self.section;
        let entry_override = self.overrides.and_then(|o| o.entry.as_deref());
        let entry = match entry_override {
            Some(e) => e.trim().trim_start_matches("./").to_string(),
            // One of several processes of the package: the file its script runs.
            None if !self.node.processes.is_empty() => self.service.entry.clone(),
            None => {
                self.refuse_start()?;
                match self.node.service_entry() {
                    Some(entry) => entry.to_string(),
                    None => return Err(self.no_entry()),
                }
            }
        };
        let out_dir = match self.overrides.and_then(|o| o.out_dir.as_deref()) {
            Some(d) => d
                .trim()
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_string(),
            // The manifest's output folder when it holds the configured entry; otherwise the
            // entry's own first folder: powersync's `service` has no `main` (the guess would be
            // `dist`) and tsc writes `lib/entry.js`, so `entry = "lib/entry.js"` ships `lib`.
            None if entry_override.is_some() => {
                let manifest = &self.node.out_dir;
                if !manifest.is_empty() && crate::workspace::relpath::within(&entry, manifest) {
                    manifest.clone()
                } else {
                    out_dir_of(Some(&entry))
                }
            }
            None if !self.node.processes.is_empty() => out_dir_of(Some(&entry)),
            None => self.node.service_out_dir(),
        };
        self.refuse_typescript_entry(&entry, entry_override.is_some())?;
        if entry_override.is_none() {
            self.refuse_unwritten_entry(&entry)?;
        }
        for (what, value) in [("entry", &entry), ("out_dir", &out_dir)] {
            if !value.is_empty() && (!is_plain_path(value) || value.split('/').any(|s| s == "..")) {
                return Err(Error::config(
                    self.config_path,
                    format!("{section} {what} = {value:?}: expected a path inside the service folder, without spaces or quotes"),
                ));
            }
        }
        Ok((entry, out_dir))
    }

    /// The file the service's build writes that `node` would run and how that was derived
    /// ([`built_entry`]), when discovery's facts say.
    ///
    /// [`built_entry`]: crate::workspace::pnpm::built_entry::built_entry
    fn built_entry(&self) -> Option<(String, String)> {
        use crate::workspace::pnpm::built_entry::{built_entry, explicit_tsc};
        let dir = &self.pkg.dir;
        let tsc = (self.pnpm.tsc_builds.get(dir).cloned())
            .or_else(|| explicit_tsc(dir, self.node, &self.pnpm.tsconfig_files));
        built_entry(dir, self.node, tsc.as_ref())
    }

    /// The refusal of a service with no entry, suggesting the file its build writes when
    /// discovery's facts say which ([`built_entry`]), else the generic `dist/main.js`.
    ///
    /// [`built_entry`]: crate::workspace::pnpm::built_entry::built_entry
    fn no_entry(&self) -> Error {
        let (name, section) = (&self.service.name, &self.section);
        let built = self.built_entry();
        if let Some(message) = self.start_not_node().filter(|_| built.is_none()) {
            return Error::workspace(self.ws.root.join(&self.pkg.manifest), message);
        }
        let fix = match built {
            Some((file, how)) => format!(
                "its build writes `{file}` ({how}): set `entry = \"{file}\"` in {section} of isogen.toml, or add `\"main\": \"{file}\"` to package.json"
            ),
            None => format!(
                "add `\"main\": \"dist/main.js\"` (the file `node` runs) to package.json, or set `entry = \"dist/main.js\"` in {section} of isogen.toml"
            ),
        };
        Error::workspace(
            self.ws.root.join(&self.pkg.manifest),
            format!(
                "the service `{name}` has no entry: package.json has no `main`, no `exports` entry for \".\", no `start` script of the form `node <file>` and no single `bin` command; {fix} (or add `{name}` to `not_services` in [workspace] when it is not a service)"
            ),
        )
    }

    /// The refusal of a service with no entry whose start script runs a program that is not
    /// `node` (`react-router-serve ./build/server/index.js`, a server of its dependencies, as
    /// plane's `space` does): `main: dist/main.js` would not be what it runs. `None` when
    /// there is no such script, or the build shows which file to run.
    fn start_not_node(&self) -> Option<String> {
        let (script, StartCommand::Other) = self.node.start.as_ref()? else {
            return None;
        };
        let text = self.node.scripts.get(script)?;
        let (name, section) = (&self.service.name, &self.section);
        Some(format!(
            "the service `{name}` has no entry: its `{script}` script runs `{text}`, not `node <file>` (nor `next start` or a shell script of the package), and package.json has no `main` or single `bin`; isogen does not run that command by itself: set `cmd` in {section} of isogen.toml to the exec form of what it runs (a dependency's command is `node` with its file under node_modules) and `out_dir` to the folder its build writes, or add `{name}` to `not_services` in [workspace] when it is not a service"
        ))
    }

    /// A start script that runs a TypeScript file with `node` (`node index.ts`, which Node
    /// 22.18+ and 23.6+ run by stripping types) is refused with [`super::ts_entry`]'s reasons,
    /// not as a command isogen does not read or a development command.
    fn refuse_typescript_start(&self) -> Result<()> {
        let Some((script, _)) = &self.node.start else {
            return Ok(());
        };
        let text = self.node.scripts.get(script).map_or("", String::as_str);
        match super::ts_entry::ts_file_started(text) {
            Some(file) => self.refuse_typescript_entry(&file, false),
            None => Ok(()),
        }
    }

    /// An entry that is TypeScript source (`"main": "./src/index.ts"`, which a build may
    /// rewrite to `./dist/index.js` in package.json: isogen reads package.json before the
    /// build) cannot run under plain `node`: refused, with the built file to name instead.
    fn refuse_typescript_entry(&self, entry: &str, configured: bool) -> Result<()> {
        let Some(ext) = [".ts", ".mts", ".cts", ".tsx"]
            .into_iter()
            .find(|e| entry.ends_with(e))
        else {
            return Ok(());
        };
        let js = match ext {
            ".mts" => ".mjs",
            ".cts" => ".cjs",
            _ => ".js",
        };
        let stem = &entry[..entry.len() - ext.len()];
        let built = format!(
            "dist/{}{js}",
            stem.strip_prefix("src/")
                .unwrap_or(stem.rsplit('/').next().unwrap_or(stem))
        );
        let started = (self.node.start.as_ref())
            .filter(|(script, _)| {
                let text = self.node.scripts.get(script).map_or("", String::as_str);
                super::ts_entry::ts_file_started(text).as_deref() == Some(entry)
            })
            .map(|(script, _)| script);
        let source = match (configured, started) {
            (true, _) => format!("`entry` in {}", self.section),
            (false, Some(script)) => format!("its `{script}` script"),
            (false, None) => "`main`, `exports` or `bin` of its package.json".to_string(),
        };
        let message = super::ts_entry::Refusal {
            entry,
            service: &self.service.name,
            source: &source,
            built: &built,
            section: &self.section,
            node: self.node_version.as_deref(),
        }
        .message();
        Err(if configured {
            Error::config(self.config_path, message)
        } else {
            Error::workspace(self.ws.root.join(&self.pkg.manifest), message)
        })
    }

    /// A CMD that runs `entry` with `node` when nothing the entry's source imports starts
    /// anything: refused when nothing in it runs at load, a warning when nothing in it may keep
    /// Node running ([`super::idle_entry`]). Not when the CMD runs something else (a launcher
    /// given the entry as an argument) or preloads a module that may start something, on its
    /// command line or in the image's `NODE_OPTIONS` (`node_options`), which node applies
    /// first.
    fn check_idle_entry(
        &self,
        entry: &str,
        (cmd, node_options): (&[String], Option<&str>),
        warnings: &mut Vec<String>,
    ) -> Result<()> {
        let entry = entry.trim_start_matches("./");
        let runs_entry = super::idle_entry::node_script(cmd)
            .is_some_and(|w| w == entry || w.ends_with(&format!("/{entry}")));
        let preloads_inert = node_options.is_none_or(super::idle_entry::preloads_start_nothing);
        if entry.is_empty() || !runs_entry || !preloads_inert {
            return Ok(());
        }
        let Some(found) = super::idle_entry::finding(self.ws, self.pnpm, self.service, entry)
        else {
            return Ok(());
        };
        let mut message = found.message(&self.service.name, entry, &self.section);
        match found {
            super::idle_entry::Finding::DeclaresOnly { .. } => {
                message.push_str(&super::idle_entry::launcher_hint(
                    &self.node.scripts,
                    entry,
                    &self.section,
                ));
                let configured = self.overrides.is_some_and(|o| o.entry.is_some());
                Err(if configured {
                    Error::config(self.config_path, message)
                } else {
                    Error::workspace(self.ws.root.join(&self.pkg.manifest), message)
                })
            }
            super::idle_entry::Finding::NothingKeepsRunning { .. } => {
                // `kind = "job"`: exiting is what the service is for.
                let job = self.overrides.and_then(|o| o.kind) == Some(ServiceKind::Job);
                if !job {
                    warnings.push(message);
                }
                Ok(())
            }
        }
    }

    /// Whether `env` of the service's section in isogen.toml sets `NODE_OPTIONS`.
    fn configures_node_options(&self) -> bool {
        self.overrides
            .is_some_and(|o| o.env.contains_key("NODE_OPTIONS"))
    }

    /// An entry the package's own `tsc` build writes under another path (a widened
    /// `rootDir`; see [`super::tsc_output`]) is refused with the fixes.
    fn refuse_unwritten_entry(&self, entry: &str) -> Result<()> {
        let Some(build) = self.pnpm.tsc_builds.get(&self.pkg.dir) else {
            return Ok(());
        };
        if build.script != self.build_script || self.overrides.is_some_and(|o| o.build.is_some()) {
            return Ok(());
        }
        let source = match self.node.script_running(entry) {
            Some((script, _)) => format!("its `{script}` script"),
            None => "its package.json".to_string(),
        };
        let svc = super::tsc_output::Service {
            name: &self.service.name,
            dir: &self.pkg.dir,
            entry,
            source,
            section: &self.section,
        };
        super::tsc_output::check(&self.ws.root, build, &svc)
    }

    /// What the service's sources write under its working folder, or read from another
    /// package's folder, that the image does not allow (see [`super::run_paths`]).
    fn warn_run_paths(
        &self,
        runtime: &[RuntimePackage],
        entry: &str,
        workdir: &str,
        warnings: &mut Vec<String>,
    ) {
        let (ws, service, section) = (self.ws, self.service, &self.section);
        super::run_paths::warn(
            ws,
            (service, entry, &self.loadable),
            runtime,
            self.overrides,
            section,
            workdir,
            warnings,
        );
    }

    /// `main` names a file the package folder does not have, and nothing builds the package:
    /// the image would copy a file that is not there.
    fn main_never_written(&self) -> bool {
        self.node.entry.is_some() && !self.service_built() && !self.node.folder.entry_exists
    }

    /// Whether the service's package is built (a build script, or `build` in the config).
    fn service_built(&self) -> bool {
        self.overrides.and_then(|o| o.build.as_deref()).is_some()
            || self.node.scripts.contains_key(self.build_script)
    }

    /// What the image ships of the service's own folder; the entry must be in it.
    fn service_copy(
        &self,
        entry: &str,
        out_dir: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<String>> {
        let n = self.node;
        let service_built = self.service_built();
        let copy = match self.overrides.and_then(|o| o.out_dir.as_deref()) {
            Some(_) if !out_dir.is_empty() => vec![out_dir.to_string()],
            _ if !service_built && n.files.is_none() && n.folder.plain_js => {
                package_contents(self.ws, self.pkg, n, warnings)
            }
            _ => n.runtime_paths(Some(entry), out_dir),
        };
        if copy
            .iter()
            .any(|p| crate::workspace::relpath::within(entry, p))
        {
            return Ok(copy);
        }
        let section = &self.section;
        Err(Error::workspace(
            self.ws.root.join(&self.pkg.manifest),
            format!(
                "the entry `{entry}` of the service `{}` is not in what its image ships ({}){}; set `out_dir` (or `entry`) in {section} of isogen.toml",
                self.service.name,
                if copy.is_empty() { "nothing".to_string() } else { copy.join(", ") },
                if service_built {
                    String::new()
                } else {
                    format!(": package.json has no `{}` script to make it (add one, or set `build` in {section})", self.build_script)
                }
            ),
        ))
    }

    /// `build` and a shell `healthcheck` go into one Dockerfile line each.
    fn check_one_line_commands(&self) -> Result<()> {
        let Some(o) = self.overrides else {
            return Ok(());
        };
        let shell = match &o.healthcheck {
            Some(Healthcheck::Shell(s)) => Some(("healthcheck", s.as_str())),
            _ => None,
        };
        for (key, value) in o
            .build
            .as_deref()
            .map(|b| ("build", b))
            .into_iter()
            .chain(shell)
        {
            if value.contains(['\n', '\r']) || value.trim().is_empty() {
                return Err(Error::config(
                    self.config_path,
                    format!(
                        "{} {key}: expected one non-empty line (join commands with &&)",
                        self.section
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The files and folders outside the package folders that the build stages copy by
    /// their own paths: the tsconfigs the packages extend, the files the build scripts run,
    /// the folders `file:` dependencies install from.
    fn files_outside(
        &self,
        packages: &[BuildPackage],
        warnings: &mut Vec<String>,
    ) -> Result<(Vec<String>, Vec<String>, Vec<String>)> {
        let (ws, pnpm) = (self.ws, self.pnpm);
        let tsconfig_extends = tsconfig_extends(ws, pnpm, packages, warnings);
        let build_files = super::build_files::build_files(
            ws,
            pnpm,
            packages,
            self.build_script,
            self.overrides.and_then(|o| o.build.as_deref()),
            &tsconfig_extends,
        );
        let local_dirs = super::local_dirs::local_dirs(ws, pnpm, packages);
        check_copyable(
            ws,
            pnpm,
            &[tsconfig_extends.as_slice(), &build_files, &local_dirs].concat(),
        )?;
        Ok((tsconfig_extends, build_files, local_dirs))
    }

    /// The build closure and the service itself, dependencies first.
    fn build_order(&self) -> impl Iterator<Item = usize> + '_ {
        self.service
            .build_closure
            .iter()
            .copied()
            .chain(std::iter::once(self.service.package))
    }

    /// Every package the frozen install and the builds touch.
    fn build_packages(
        &self,
        out_dir: &str,
        pnpm_version: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<BuildPackage>> {
        let flags = super::settings::run_flags(pnpm_version);
        let mut packages = Vec::new();
        for i in self.build_order() {
            let p = self.ws.package(i);
            let n = node_of(p)?;
            let is_service = i == self.service.package;
            check_dir(p, &self.ws.root)?;
            let selector = selector(p, n);
            let build = match (is_service, self.overrides.and_then(|o| o.build.as_deref())) {
                (true, Some(cmd)) => Some(format!("cd {} && {cmd}", shell_dir(&p.dir))),
                _ if n.scripts.contains_key(self.build_script) => {
                    warnings.extend(super::script_installs::warnings(
                        &p.manifest,
                        &n.scripts,
                        self.build_script,
                    ));
                    Some(format!(
                        "pnpm{flags} --filter {} run {}",
                        shell_quote(&selector),
                        shell_quote(self.build_script)
                    ))
                }
                _ => None,
            };
            packages.push(BuildPackage {
                prisma_generate: super::runfiles::prisma_generate(
                    p,
                    n,
                    (&selector, self.build_script),
                    flags,
                    warnings,
                ),
                prisma_engine: super::runfiles::prisma_query_engine(self.pnpm, p, n),
                name: p.name.clone(),
                dir: p.dir.clone(),
                manifest: p.manifest.clone(),
                lockfile: self
                    .pnpm
                    .package_lockfiles
                    .contains(&p.dir)
                    .then(|| format!("{}/{LOCKFILE}", p.dir)),
                is_service,
                selector,
                build,
                out_dir: if is_service {
                    out_dir.to_string()
                } else {
                    n.out_dir.clone()
                },
                injected: false,
                lifecycle: (super::LIFECYCLE_SCRIPTS.iter())
                    .filter(|s| n.scripts.contains_key(**s))
                    .map(|s| s.to_string())
                    .collect(),
            });
        }
        Ok(packages)
    }

    /// Injected workspace packages: copied by the deps stage's install, before they are built.
    fn mark_injected(&self, packages: &mut [BuildPackage]) -> Result<()> {
        for i in self.build_order() {
            let p = self.ws.package(i);
            let n = node_of(p)?;
            for d in &p.internal_deps {
                let target = self.ws.package(d.package);
                if self.pnpm.inject_workspace_packages
                    || n.injected.contains(&d.alias)
                    || n.injected.contains(&target.name)
                {
                    if let Some(b) = packages.iter_mut().find(|b| b.dir == target.dir) {
                        b.injected = true;
                    }
                }
            }
        }
        Ok(())
    }

    /// The service's `assets` of its own folder (relative to it).
    fn package_assets(&self) -> Vec<String> {
        (self.overrides.into_iter())
            .flat_map(|o| &o.assets)
            .filter_map(|a| match a {
                crate::generate::asset_setting::AssetSetting::Package(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }

    /// What the build of `packages` should be told: an unbuilt service, packages fetched from
    /// outside the npm registry.
    fn warn_build_packages(
        &self,
        packages: &[BuildPackage],
        service_copy: &[String],
        warnings: &mut Vec<String>,
    ) {
        self.warn_unbuilt_service(packages, service_copy, warnings);
        super::remote_sources::warn(self.ws, self.pnpm, self.service, packages, warnings);
    }

    /// A plain-JS service needs no build; a TypeScript one without a build step likely does.
    fn warn_unbuilt_service(
        &self,
        packages: &[BuildPackage],
        service_copy: &[String],
        warnings: &mut Vec<String>,
    ) {
        if packages.last().is_some_and(|p| p.build.is_none()) && !self.node.folder.plain_js {
            warnings.push(format!(
                "{}: the service `{}` has no `{}` script; its image ships `{}` as the workspace has it (set `build` in {} to build it)",
                self.pkg.manifest,
                self.service.name,
                self.build_script,
                service_copy.join(", "),
                self.section
            ));
        }
    }

    /// What the runtime stage copies from the builder besides the build output (see
    /// [`super::runfiles`]), leaving out what the image ships already.
    fn run_files(
        &self,
        runtime: &[RuntimePackage],
        entry: &str,
        common: &CommonContext,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<RunFile>> {
        let app_root = common.app_root.as_str();
        let node_options = common.env.get("NODE_OPTIONS").map(String::as_str);
        // What the service's own image ships from its build (`dist`): a preload under it is
        // build output (refly's api: `-r ./dist/scripts/preload.js` from `src/scripts/`).
        let built: &[String] = (runtime.iter())
            .find(|r| r.is_service && r.dir == self.pkg.dir)
            .map_or(&[], |r| r.copy.as_slice());
        let rf = RunFiles {
            app_root,
            section: &self.section,
            config_path: self.config_path,
        };
        let in_package = |dir: &str, rel: &str| {
            let path = format!(
                "{app_root}/{}",
                if dir.is_empty() {
                    rel.to_string()
                } else {
                    format!("{dir}/{rel}")
                }
            );
            RunFile {
                from: path.clone(),
                to: path,
            }
        };
        let assets = self
            .overrides
            .map(|o| o.assets.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|a| match a {
                AssetSetting::Package(p) => Ok(p.clone()),
                AssetSetting::Root { from_root, .. } => Err(Error::config(
                    self.config_path,
                    format!(
                        "{} assets: {{ from_root = {from_root:?} }} is for Cargo services only; \
                         a Node service ships paths of its package folder",
                        self.section
                    ),
                )),
            })
            .collect::<Result<Vec<String>>>()?;
        let mut out: Vec<RunFile> = rf
            .assets(self.pkg, &assets)?
            .into_iter()
            .chain(rf.migrations(self.node, entry))
            .chain(rf.step_files(self.node, entry))
            .chain(rf.preloads(
                self.pkg,
                self.node,
                (entry, built),
                (node_options, self.configures_node_options()),
                warnings,
            ))
            .map(|rel| in_package(&self.pkg.dir, &rel))
            .collect();
        let shipped = self
            .service
            .runtime_closure
            .iter()
            .chain([&self.service.package]);
        for &i in shipped {
            let p = self.ws.package(i);
            out.extend(rf.prisma(p, node_of(p)?, warnings));
        }
        // Already in the image: under a path some package ships.
        let shipped: Vec<String> = runtime
            .iter()
            .flat_map(|r| r.copy.iter().map(|c| in_package(&r.dir, c).to))
            .collect();
        out.retain(|f| {
            !shipped
                .iter()
                .any(|s| crate::workspace::relpath::within(&f.to, s))
        });
        out.sort_by(|a, b| a.to.cmp(&b.to));
        out.dedup();
        Ok(out)
    }
}

/// With `shared-workspace-lockfile=false`, a frozen install needs the lockfile of every
/// package it installs: whether they all have one (a warning names those that do not).
/// What the installs do about the pnpm settings, for the packages the image ships; the build
/// image becomes the full one when their dependencies compile native addons. Also the
/// warnings for install scripts that download ([`Svc::warn_downloads`]).
fn install_settings(
    svc: &Svc<'_>,
    node: &mut super::NodeSettings,
    warnings: &mut Vec<String>,
) -> super::pnpm_settings::InstallSettings {
    let (ws, service, pnpm) = (svc.ws, svc.service, svc.pnpm);
    let shipped: Vec<&str> = (service.runtime_closure.iter())
        .chain([&service.package])
        .map(|&i| ws.package(i).dir.as_str())
        .collect();
    let install = super::pnpm_settings::install_settings(pnpm, &service.name, &shipped, warnings);
    super::settings::warn_engines(node, pnpm, (&service.name, &shipped), warnings);
    super::settings::full_builder(node, &install.builds, install.builds_unknown);
    svc.warn_downloads(&node.pnpm_version, warnings);
    install
}

fn split_lockfiles_complete(
    packages: &[BuildPackage],
    service: &str,
    warnings: &mut Vec<String>,
) -> bool {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|p| p.lockfile.is_none())
        .map(|p| p.dir.as_str())
        .collect();
    if !missing.is_empty() {
        warnings.push(format!(
            ".npmrc sets shared-workspace-lockfile=false, but {} {} no {LOCKFILE}, so the deps stage of `{service}` cannot install with --frozen-lockfile; run `pnpm install` and commit the lockfiles",
            missing.join(", "),
            if missing.len() == 1 { "has" } else { "have" },
        ));
    }
    missing.is_empty()
}

/// The command that refreshes injected packages after they are built (see
/// [`NodeContext::inject_refresh`]).
fn inject_refresh(
    packages: &[BuildPackage],
    frozen: bool,
    install_filters: &[String],
) -> Option<String> {
    packages
        .iter()
        .any(|p| p.injected && p.build.is_some() && !p.is_service)
        .then(|| {
            let mut cmd = String::from("pnpm install");
            if frozen {
                cmd.push_str(" --frozen-lockfile");
            }
            cmd.push_str(" --offline --ignore-scripts");
            for f in install_filters {
                cmd.push_str(" --filter ");
                cmd.push_str(&shell_quote(f));
            }
            cmd
        })
}

/// The public lines of `.npmrc` without `use-node-version`, and whether the file set it (then
/// the stages write those lines instead of copying it), with a warning naming the setting.
/// `image` is the build stages' image.
fn npmrc_without_node(
    pnpm: &PnpmWorkspace,
    image: &str,
    warnings: &mut Vec<String>,
) -> super::NpmrcWrite {
    let is_node = |l: &String| {
        l.split_once('=')
            .is_some_and(|(k, _)| k.trim() == "use-node-version")
    };
    let Some(line) = pnpm.npmrc_public.iter().find(|l| is_node(l)) else {
        return super::NpmrcWrite {
            npmrc_lines: pnpm.npmrc_public.clone(),
            npmrc_rewrite: false,
        };
    };
    let version = line.split_once('=').map_or("", |(_, v)| v.trim());
    warnings.push(format!(
        ".npmrc: `use-node-version={version}`: pnpm downloads Node {version} from nodejs.org for every install and script of the build (the build fails without that network, and runs another Node than the image); the image's build writes .npmrc without it and runs with the Node of {image}; set version = \"{version}\" in [generate.node] of isogen.toml for that exact release"
    ));
    let lines = pnpm.npmrc_public.iter().filter(|l| !is_node(l));
    super::NpmrcWrite {
        npmrc_lines: lines.cloned().collect(),
        npmrc_rewrite: !pnpm.npmrc_credentials,
    }
}

/// Root files the deps stage copies, with a warning when the install cannot be frozen.
/// `npmrc_rewrite`: the stages write `.npmrc` themselves.
fn root_files(
    pnpm: &PnpmWorkspace,
    npmrc_rewrite: bool,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let mut root_files = vec![];
    if pnpm.root_manifest {
        root_files.push("package.json".to_string());
    }
    if pnpm.lockfile {
        root_files.push(LOCKFILE.to_string());
    } else if !pnpm.split_lockfiles && pnpm.lockfile_present {
        warnings.push(format!(
            "{LOCKFILE}: the file is empty, so the deps stage cannot install with --frozen-lockfile (pnpm refuses an empty lockfile); run `pnpm install` and commit the lockfile"
        ));
    } else if !pnpm.split_lockfiles {
        warnings.push(format!(
            "{WORKSPACE_FILE}: no {LOCKFILE} next to it, so the deps stage cannot install with --frozen-lockfile; run `pnpm install` and commit the lockfile"
        ));
    }
    root_files.push(WORKSPACE_FILE.to_string());
    // An `.npmrc` with credentials stays out of the context: the build gets it as a secret.
    if pnpm.npmrc && !pnpm.npmrc_credentials && !npmrc_rewrite {
        root_files.push(".npmrc".into());
    }
    if pnpm.pnpmfile {
        root_files.push(".pnpmfile.cjs".into());
    }
    root_files
}

/// Patch files, tsconfig files and the files build scripts run are copied by their own
/// paths: each must be one a Dockerfile line can carry.
fn check_copyable(ws: &Workspace, pnpm: &PnpmWorkspace, own_paths: &[String]) -> Result<()> {
    for f in pnpm.patches.iter().chain(&pnpm.tsconfigs).chain(own_paths) {
        if !is_plain_path(f) || f.split('/').any(|s| s == "..") {
            return Err(Error::workspace(
                ws.root.join(f),
                "this path cannot be copied by a Dockerfile (spaces, quotes or `..`)",
            ));
        }
    }
    Ok(())
}

/// Build output folders kept out of the build context (see [`NodeContext::context_excludes`]).
fn context_excludes(packages: &[BuildPackage], referenced: &BTreeSet<String>) -> Vec<String> {
    packages
        .iter()
        .filter(|p| {
            (p.build.is_some() || referenced.contains(&p.dir)) && is_build_output(&p.out_dir)
        })
        .map(|p| {
            if p.dir.is_empty() {
                p.out_dir.clone()
            } else {
                format!("{}/{}", p.dir, p.out_dir)
            }
        })
        .collect()
}
