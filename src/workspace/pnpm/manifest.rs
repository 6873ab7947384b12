//! One package.json: name, version, entry (`main`, `exports`, a `start` script of the form
//! `node <file>`, a single `bin`), output folder, `files`, scripts, `publishConfig` and
//! `dependenciesMeta`, as the [`NodePackage`] facts of the model.
//!
//! It reads the manifest's JSON (parsed by the caller) and nothing else; dependencies and the
//! package folder's files are read by `deps` and `folder`. It never decides what an image ships.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::deps::DeclaredDep;
use super::files::string_map;
use super::folder::PackageFolder;
use super::next_config::NextConfig;
use super::overrides::name_of_part;
use super::start_script::{package_itself, processes, service_start, StartCommand, PACKAGE_ITSELF};
use crate::error::{Error, Result};
use crate::workspace::{relpath, Ecosystem, Package};

/// The `publishConfig` fields `pnpm publish` moves to the top of the manifest
/// (<https://pnpm.io/package_json#publishconfig>).
const PUBLISH_OVERRIDES: &[&str] = &[
    "bin",
    "browser",
    "es2015",
    "esnext",
    "exports",
    "imports",
    "main",
    "module",
    "type",
    "types",
    "typesVersions",
    "typings",
    "umd:main",
    "unpkg",
];

/// Per-package pnpm facts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NodePackage {
    /// Whether package.json has a `name` (a nameless package is known by its folder, and pnpm
    /// selects it with `{<folder>}`).
    pub has_name: bool,
    /// Whether pnpm must select it by folder (`{<folder>}`), not by name: it has no name, or
    /// the workspace root's package.json has the same one (novel: both are `novel`), where
    /// `--filter <name>` selects the root too and `pnpm rebuild` runs the root's lifecycle
    /// scripts (`prepare: husky install`) in a stage without its devDependencies.
    pub select_by_folder: bool,
    pub description: Option<String>,
    /// `"module"` or `"commonjs"` (the default when `type` is absent).
    pub module_type: String,
    pub main: Option<String>,
    /// What `node` runs or loads: `main`, else the `exports` map's `.` entry (conditions
    /// `node`, `import`, `require`, `default`, nested, in the order the map gives), else the
    /// file of a `start` script that is `node [options] <file>`; relative to the package
    /// folder without `./`. `None` when the package declares none of them.
    pub entry: Option<String>,
    /// The folder the build writes to and the image ships: the first folder of `entry`
    /// (`dist`, `lib`, `build`); `""` when the entry lies at the top of the package; `dist`
    /// when there is no entry.
    pub out_dir: String,
    /// The file of its only `bin` command (a string `bin`, a map with one entry, or the entry
    /// named like the package): what runs a service that declares no `entry` otherwise.
    pub bin: Option<String>,
    /// The file its `start` script runs when that is `node [options] <file>`: what runs the
    /// package as a service (`pnpm start`), before `main` and `exports`, which say what
    /// importing it loads (`npm init` writes `"main": "index.js"` whatever the service runs).
    pub start_entry: Option<String>,
    /// The script that runs the package as a service (`start`, else `start:prod`, ...: see
    /// [`service_start`]) and what it runs; `None` when it has none of them.
    #[serde(skip)]
    pub start: Option<(String, StartCommand)>,
    /// The `start:<name>` scripts of a package that runs several processes and no single
    /// one (see [`processes`]): each becomes a service of its own.
    #[serde(skip)]
    pub processes: Vec<(String, StartCommand)>,
    /// The shell script its start script runs (`sh ./entrypoint.sh`), as discovery read it;
    /// the `node` file the script ends with is [`start_entry`](Self::start_entry).
    #[serde(skip)]
    pub entry_script: Option<super::EntryScript>,
    /// Whether the package file its start script runs by itself (`cd bin && ./run start`)
    /// starts with a node `#!` line (read at discovery; see [`super::launcher`]).
    #[serde(skip)]
    pub start_file_node: bool,
    /// Whether package.json (or its `publishConfig`) names type declarations (`types` or
    /// `typings`): the package is meant to be imported, as a library is.
    pub declares_types: bool,
    /// `files` of package.json: what the package publishes, when it says so.
    pub files: Option<Vec<String>>,
    pub scripts: BTreeMap<String, String>,
    /// Script name -> the repository files outside the package folder it runs by a relative
    /// path and the files they import (`tsx ../../scripts/build.ts`; see
    /// [`script_files`](super::script_files)), read at discovery.
    #[serde(skip)]
    pub script_files: BTreeMap<String, Vec<String>>,
    /// The repository files outside the package folder that its tool config files import
    /// (see [`script_files::config_imports`](super::script_files::config_imports)).
    #[serde(skip)]
    pub config_files: Vec<String>,
    pub engines_node: Option<String>,
    /// The fields of `publishConfig` that pnpm writes over the manifest when it publishes
    /// (`main`, `exports`, `types`, `bin`, ...): the image ships the package as published.
    pub publish_overrides: BTreeMap<String, Value>,
    /// Every declared dependency, in manifest order, per kind.
    pub deps: Vec<DeclaredDep>,
    /// The dependencies `dependenciesMeta` marks `injected: true` (pnpm copies them into
    /// `node_modules` at install time instead of linking them).
    pub injected: BTreeSet<String>,
    /// What the package folder holds on disk (read at discovery: generate never looks).
    pub folder: PackageFolder,
    /// Its Prisma schema and client generator, when it uses Prisma (read at discovery).
    pub prisma: Option<super::prisma::Prisma>,
    /// When it depends on Prisma but has no schema where Prisma looks by default: the
    /// `.prisma` files of the package (teable keeps `prisma/postgres/schema.prisma` and
    /// `prisma/sqlite/schema.prisma` and passes `--schema`), relative to its folder.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prisma_elsewhere: Vec<String>,
    /// For a Next.js app (it depends on `next`, or has a `next.config.*`): what its config
    /// says about the build output. `None` for any other package.
    pub next: Option<NextConfig>,
    /// Which workspace packages its `build` script's bundler (tsup, tsdown, webpack, a Vite
    /// server build) inlines, by its config's literals (read at discovery; none when unknown).
    #[serde(skip)]
    pub bundles: super::bundler::Inlining,
    /// What its `build` script's tsup/tsdown writes, by its config (read at discovery).
    #[serde(skip)]
    pub bundler_output: Option<super::bundler::BundlerOutput>,
    /// How its `build` script rewrites its own package.json, when it does (see
    /// [`manifest_rewrite`](super::manifest_rewrite); read at discovery).
    #[serde(skip)]
    pub manifest_rewrite: Option<String>,
    /// What shows it is an AWS Lambda handler that nothing starts (see
    /// [`lambda`](super::lambda); read at discovery).
    #[serde(skip)]
    pub lambda: Option<String>,
}

impl NodePackage {
    /// What `node` runs when this package is a service: the file of its `start` script
    /// ([`start_entry`](Self::start_entry)), else its [`entry`](Self::entry), else the file of
    /// its only `bin` command (`npx <name>` would run it).
    pub fn service_entry(&self) -> Option<&str> {
        self.start_entry
            .as_deref()
            .or(self.entry.as_deref())
            .or(self.bin.as_deref())
    }

    /// The script that runs `entry` with `node` (the start script, or one of the
    /// [`processes`](Self::processes)): its name and its [`StartCommand::Node`] (the
    /// environment it sets, the options it gives node, the steps it runs first).
    pub fn script_running(&self, entry: &str) -> Option<(&str, &StartCommand)> {
        self.start
            .iter()
            .chain(&self.processes)
            .find(
                |(_, command)| matches!(command, StartCommand::Node { file, .. } if file == entry),
            )
            .map(|(name, command)| (name.as_str(), command))
    }

    /// The output folder that goes with [`service_entry`](Self::service_entry).
    pub fn service_out_dir(&self) -> String {
        match (&self.start_entry, &self.entry, &self.bin) {
            (Some(start), _, _) => out_dir_of(Some(start)),
            (None, None, Some(bin)) => out_dir_of(Some(bin)),
            _ => self.out_dir.clone(),
        }
    }

    /// Paths (relative to the package folder) the runtime image ships besides package.json:
    /// the folders (or files) of `files` up to their first glob when package.json has it, else the output folder,
    /// or `entry` itself when it lies at the top of the package.
    pub fn runtime_paths(&self, entry: Option<&str>, out_dir: &str) -> Vec<String> {
        let mut paths = BTreeSet::new();
        if let Some(files) = &self.files {
            for f in files {
                let f = f.trim().trim_start_matches("./");
                if f.starts_with('!') || f.is_empty() {
                    continue;
                }
                // The folders before the first glob (`dist/**/*.js` -> `dist`,
                // `src/mailer/templates` -> itself, not all of `src`); a glob in the first
                // segment cannot be a COPY source we can name: the output folder ships instead
                // (below).
                let plain: Vec<&str> = f
                    .trim_end_matches('/')
                    .split('/')
                    .take_while(|s| !s.contains(['*', '?', '[', '{']))
                    .collect();
                if plain.is_empty() || plain == ["package.json"] {
                    continue;
                }
                paths.insert(plain.join("/"));
            }
        }
        // A path inside another one ships with it.
        let all = paths.clone();
        paths.retain(|p| {
            !all.iter()
                .any(|q| q != p && p.starts_with(q.as_str()) && p[q.len()..].starts_with('/'))
        });
        if paths.is_empty() {
            match entry {
                Some(entry) if !entry.contains('/') && out_dir.is_empty() => {
                    paths.insert(entry.to_string());
                }
                _ if !out_dir.is_empty() => {
                    paths.insert(out_dir.to_string());
                }
                _ => {}
            }
        }
        paths.into_iter().collect()
    }
}

/// Reads one package.json (already parsed) into a [`Package`] without its dependencies (the
/// edges need every package first) and without its folder facts.
pub(super) fn read_package(
    json: &Value,
    dir: &str,
    manifest: &str,
    root: &Path,
) -> Result<Package> {
    let path = root.join(manifest);
    let fields = Fields { json, path: &path };
    let name = fields.string("name")?.filter(|n| !n.is_empty());
    for (key, value) in [
        ("name", name.as_deref()),
        ("version", json.get("version").and_then(Value::as_str)),
    ] {
        if let Some(v) = value.filter(|v| v.chars().any(|c| c.is_whitespace() || c.is_control())) {
            return Err(fields.error(format!(
                "`{key}` {v:?} contains whitespace; it cannot be a package {key}"
            )));
        }
    }
    let has_name = name.is_some();
    // A package without a name can still be a service (pnpm allows it); it is known by its
    // folder then, and cannot be the target of a `workspace:` spec.
    let name = name.unwrap_or_else(|| dir.to_string());
    let node = read_node_facts(&fields, &name, has_name)?;
    Ok(Package {
        ecosystem: Ecosystem::Pnpm,
        name,
        version: fields.string("version")?,
        dir: dir.to_string(),
        manifest: manifest.to_string(),
        internal_deps: Vec::new(),
        external_deps: Vec::new(),
        dev_deps: Vec::new(),
        node: Some(node),
        cargo: None,
    })
}

/// A package.json's top-level fields, with errors that name the file.
struct Fields<'a> {
    json: &'a Value,
    path: &'a Path,
}

impl Fields<'_> {
    fn error(&self, message: String) -> Error {
        Error::Parse {
            path: self.path.to_path_buf(),
            location: None,
            message,
        }
    }

    /// A string field; absent and `null` are `None`, any other type an error.
    fn string(&self, key: &str) -> Result<Option<String>> {
        match self.json.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.error(format!("`{key}` must be a string, found {other}"))),
        }
    }

    /// `files`: a list of strings, when given.
    fn files(&self) -> Result<Option<Vec<String>>> {
        match self.json.get("files") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => Ok(Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            )),
            Some(other) => {
                Err(self.error(format!("`files` must be a list of strings, found {other}")))
            }
        }
    }
}

/// The Node facts of a manifest: entry, output folder, scripts, `publishConfig`, injected
/// dependencies (the folder facts and dependencies come later).
fn read_node_facts(fields: &Fields, name: &str, has_name: bool) -> Result<NodePackage> {
    let json = fields.json;
    let publish_overrides: BTreeMap<String, Value> = match json.get("publishConfig") {
        Some(Value::Object(pc)) => pc
            .iter()
            .filter(|(k, _)| PUBLISH_OVERRIDES.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => BTreeMap::new(),
    };
    let main = match publish_overrides.get("main") {
        Some(Value::String(m)) => Some(m.clone()),
        _ => fields.string("main")?,
    }
    .map(|m| relpath::clean(&m));
    let exports = publish_overrides
        .get("exports")
        .or_else(|| json.get("exports"));
    let scripts = match json.get("scripts") {
        Some(v @ Value::Object(_)) => string_map(v, "scripts", fields.path)?,
        _ => BTreeMap::new(),
    };
    let own_main = main.clone();
    let itself = |(name, command): (String, StartCommand)| match command {
        StartCommand::Node {
            env,
            options,
            file,
            args,
            before,
        } if file == PACKAGE_ITSELF => (
            name,
            StartCommand::Node {
                env,
                options,
                file: package_itself(own_main.as_deref()),
                args,
                before,
            },
        ),
        other => (name, other),
    };
    let start = service_start(&scripts).map(itself);
    let start_entry = match &start {
        Some((_, StartCommand::Node { file, .. })) => Some(file.clone()),
        _ => None,
    };
    let entry = main
        .clone()
        .filter(|m| !m.is_empty() && !placeholder_main(m))
        .or_else(|| exports.and_then(exports_entry))
        .or_else(|| start_entry.clone());
    let bin = publish_overrides
        .get("bin")
        .or_else(|| json.get("bin"))
        .and_then(|b| bin_entry(b, name));
    Ok(NodePackage {
        has_name,
        description: fields.string("description")?,
        module_type: fields
            .string("type")?
            .unwrap_or_else(|| "commonjs".to_string()),
        out_dir: out_dir_of(entry.as_deref()),
        main,
        entry,
        bin,
        start_entry,
        start,
        processes: processes(&scripts).into_iter().map(itself).collect(),
        entry_script: None,
        start_file_node: false,
        declares_types: ["types", "typings"]
            .iter()
            .any(|k| json.get(*k).is_some() || publish_overrides.contains_key(*k)),
        files: fields.files()?,
        scripts,
        script_files: BTreeMap::new(),
        config_files: Vec::new(),
        engines_node: json
            .pointer("/engines/node")
            .and_then(Value::as_str)
            .map(str::to_string),
        publish_overrides,
        deps: Vec::new(),
        injected: match json.get("dependenciesMeta") {
            Some(Value::Object(meta)) => meta
                .iter()
                .filter(|(_, m)| m.get("injected") == Some(&Value::Bool(true)))
                .map(|(k, _)| name_of_part(k).to_string())
                .collect(),
            _ => BTreeSet::new(),
        },
        select_by_folder: !has_name,
        ..Default::default()
    })
}

/// Whether `main` is a placeholder that says "no entry" rather than a file: inngest's
/// `apps/dev-server-ui` (a Vite single-page app that nothing starts) and `apps/dashboard`
/// have `"main": "n/a"`, which generate took for the file `n/a` and ran
/// (`CMD ["node", ".../n/a"]`).
fn placeholder_main(main: &str) -> bool {
    ["n/a", "na", "none", "null", "undefined", "-"]
        .iter()
        .any(|p| main.eq_ignore_ascii_case(p))
}

/// The output folder of a package whose entry is `entry`: its first folder (`dist/main.js` ->
/// `dist`); `""` for an entry at the top of the package (`index.js`); `dist` without an entry.
pub fn out_dir_of(entry: Option<&str>) -> String {
    match entry {
        Some(e) => e
            .split_once('/')
            .map(|(first, _)| first.to_string())
            .unwrap_or_default(),
        None => "dist".to_string(),
    }
}

/// The file of a package's only command: `"bin": "./cli.js"`, a `bin` map with one entry, or
/// the map's entry named like the package without its scope (what `npx <name>` runs). `None`
/// when the map names several commands and none is the package's own.
pub fn bin_entry(bin: &Value, package: &str) -> Option<String> {
    let file = match bin {
        Value::String(s) => s.as_str(),
        Value::Object(map) if map.len() == 1 => map.values().next()?.as_str()?,
        Value::Object(map) => {
            let own = package.rsplit('/').next().unwrap_or(package);
            map.get(own)?.as_str()?
        }
        _ => return None,
    };
    let file = relpath::clean(file);
    (!file.is_empty() && !file.starts_with('/') && !file.split('/').any(|s| s == ".."))
        .then_some(file)
}

/// The file the `exports` field gives for the package's main entry (`.`), with the conditions
/// Node matches when it runs a file directly; `None` when there is none.
pub fn exports_entry(exports: &Value) -> Option<String> {
    match exports {
        Value::String(s) => Some(relpath::clean(s)),
        Value::Array(items) => items.iter().find_map(exports_entry),
        Value::Object(map) => {
            // Either a subpath map (keys start with `.`) or a conditions map.
            if map.keys().any(|k| k.starts_with('.')) {
                map.get(".").and_then(exports_entry)
            } else {
                map.iter()
                    .filter(|(k, _)| {
                        matches!(k.as_str(), "node" | "import" | "require" | "default")
                    })
                    .find_map(|(_, v)| exports_entry(v))
            }
        }
        _ => None,
    }
}
