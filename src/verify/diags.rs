//! The registry of the rules `verify` knows: each rule's id ([`RuleId`], a typed enum; its
//! string is what users write in `[verify.rules]` and what reports carry), default severity,
//! one-line summary and hint ([`RULES`], [`rules`]), and every message a rule can write
//! ([`Diag`]'s constructors, grouped by rule in registry order). Rule checks never write a
//! message text themselves; they call a constructor here.
//!
//! Ids are part of the public contract (JSON, SARIF and JUnit reports, the policy file): never
//! rename one; retire it and add a new one instead. A snapshot test pins the list. Nothing here
//! looks at an image or formats a report.

use serde::{Deserialize, Serialize};

/// How bad a finding is. `Error` findings make `verify` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    // Ordered from least to most severe so `max()` gives the worst.
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The group a rule belongs to, for reports that want to sort or filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    User,
    Layout,
    OtherService,
    Tooling,
    Toolchain,
    Sources,
    DevDependencies,
    Entrypoint,
    Secrets,
    Policy,
    Modules,
}

/// One rule's fixed description.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    pub id: RuleId,
    pub category: Category,
    pub default_severity: Severity,
    /// What the rule checks, one line.
    pub summary: &'static str,
    /// How to fix a finding of this rule.
    pub hint: &'static str,
    /// The rule can only run when a workspace is known (`--workspace`).
    pub needs_workspace: bool,
}

macro_rules! rules {
    ($( $variant:ident = $id:literal, $cat:ident, $sev:ident, ws: $ws:literal,
        $summary:literal, $hint:literal; )*) => {
        /// A rule's id. Its string form ([`RuleId::as_str`]) is what users write in
        /// `[verify.rules]` and what reports carry; the order is report order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $( $variant, )*
        }

        impl RuleId {
            /// The stable id (`user-root`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( RuleId::$variant => $id, )*
                }
            }
        }

        /// Every rule, in report order (the order of [`RuleId`]).
        pub const RULES: &[Rule] = &[
            $( Rule {
                id: RuleId::$variant,
                category: Category::$cat,
                default_severity: Severity::$sev,
                summary: $summary,
                hint: $hint,
                needs_workspace: $ws,
            }, )*
        ];
    };
}

impl RuleId {
    /// The rule with this id string (as written in `[verify.rules]`).
    pub fn parse(id: &str) -> Option<RuleId> {
        RULES.iter().map(|r| r.id).find(|r| r.as_str() == id)
    }

    /// This rule's registry entry: severity, summary, hint.
    pub fn rule(self) -> &'static Rule {
        // RULES lists every variant in declaration order (built by the same macro).
        &RULES[self as usize]
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

rules! {
    UserUnset = "user-unset", User, Error, ws: false,
        "The image config sets a non-root user",
        "Add `USER 10001:10001` (a numeric uid:gid with an entry in /etc/passwd) to the final stage.";
    UserRoot = "user-root", User, Error, ws: false,
        "The configured user is not root (by name, uid 0, or a passwd entry with uid 0)",
        "Create an unprivileged user in the final stage and switch to it with `USER <uid>:<gid>`.";
    UserUnresolvable = "user-unresolvable", User, Error, ws: false,
        "The configured user (and named group) resolve in the image's /etc/passwd (and /etc/group)",
        "Write the user into /etc/passwd (and its group into /etc/group) in the final stage, e.g. `echo 'app:x:10001:10001::/app:/sbin/nologin' >> /etc/passwd`.";
    ServiceMissing = "service-missing", Layout, Error, ws: false,
        "The image holds the service it claims to be (its package.json, entry file or binary)",
        "Check that the image was built from the right Dockerfile, or pass the right --service.";
    AppRootForeign = "app-root-foreign", Layout, Error, ws: false,
        "Under the app root there is only the service and the internal packages it needs",
        "Copy only the service and the internal packages it depends on into the final stage; or allow the path in [verify] allow.";
    InternalPackageExtra = "internal-package-extra", Layout, Error, ws: false,
        "Internal packages are shipped as their build output (dist) and package.json only",
        "In the final stage copy only `dist/` and `package.json` of each internal package.";
    InternalPackageTwice = "internal-package-twice", Layout, Warning, ws: false,
        "Each internal package is shipped once (one real folder; a symlink to it is the same copy)",
        "Link internal packages instead of copying them (pnpm's default; npm without --install-links), or ship only the copy Node loads.";
    OtherService = "other-service", OtherService, Error, ws: true,
        "No other service of the workspace is in the image (folders, package names, binaries)",
        "Build each service in its own image: copy only this service and its internal packages into the final stage.";
    WorkspaceTooling = "workspace-tooling", Tooling, Error, ws: false,
        "No workspace tooling: pnpm, nx, turbo, lerna, rush, the pnpm store, workspace manifests",
        "Install production dependencies in the final stage without the workspace's package manager (e.g. `npm install --omit=dev`), and do not copy workspace files.";
    WorkspaceProtocol = "workspace-protocol", Tooling, Error, ws: false,
        "No package.json in the image needs a `workspace:` or `catalog:` dependency that is not installed in it",
        "Install the internal package in the final stage (`pnpm deploy --prod`, or rewrite `workspace:` specs to `file:` paths of the copied packages and resolve `catalog:` specs before `npm install`).";
    Toolchain = "toolchain", Toolchain, Error, ws: false,
        "No build toolchain: TypeScript (tsc), ts-node, tsx, C compilers, make, cargo, rustc, rustup",
        "Build in an earlier stage and copy only the build output into a fresh runtime base image.";
    PackageManager = "package-manager", Toolchain, Warning, ws: false,
        "No package manager (npm, npx, yarn, corepack) in the runtime image",
        "Use a runtime base without package managers (or remove them after installing); set this rule to \"off\" in [verify.rules] to accept the base image's own.";
    Sources = "sources", Sources, Error, ws: false,
        "No sources: *.ts (but *.d.ts), tsconfig*.json, src/ of the service and its packages, *.rs, Cargo.toml/Cargo.lock, target/",
        "Copy only build output (dist/, the binary) into the final stage, not the package folders.";
    DevDependency = "dev-dependency", DevDependencies, Error, ws: false,
        "No dev dependencies installed in node_modules",
        "Install with `npm install --omit=dev` (or `pnpm install --prod`) in the final stage instead of copying the build stage's node_modules.";
    EntrypointMissing = "entrypoint-missing", Entrypoint, Error, ws: false,
        "The image config says what to run (Entrypoint or Cmd)",
        "Add `CMD [\"node\", \"/app/<service>/dist/main.js\"]` (or the binary's absolute path) to the final stage.";
    EntrypointShell = "entrypoint-shell", Entrypoint, Error, ws: false,
        "The entrypoint is in exec form, not run through a shell",
        "Use the exec form: `CMD [\"node\", \"/app/<service>/dist/main.js\"]`, not `CMD node ...` or `sh -c`.";
    EntrypointIndirect = "entrypoint-indirect", Entrypoint, Error, ws: false,
        "The entrypoint runs the service directly: `node <its file>` or its binary, no package-manager script, start script or service-selecting argument",
        "Run the service's own entry file with node (or its binary) directly, not `npm start`, a start script, or a script that picks a service.";
    EntrypointNotFound = "entrypoint-not-found", Entrypoint, Error, ws: false,
        "The file the entrypoint runs exists in the image",
        "Check the path in CMD/ENTRYPOINT against the files the final stage copies (symlinks are followed).";
    SecretNpmrc = "secret-npmrc", Secrets, Error, ws: false,
        "No .npmrc (or .yarnrc) with registry credentials",
        "Pass registry credentials as a build secret (`RUN --mount=type=secret`) and never copy .npmrc into an image layer; rotate the token.";
    SecretEnvFile = "secret-env-file", Secrets, Error, ws: false,
        "No .env files",
        "Add `.env*` to .dockerignore and pass configuration as environment variables at run time.";
    SecretPrivateKey = "secret-private-key", Secrets, Error, ws: false,
        "No private keys (PEM/OpenSSH private keys, PKCS#12 bundles)",
        "Mount keys at run time (a secret volume); remove the key from the build context and rotate it.";
    SecretCloudCredentials = "secret-cloud-credentials", Secrets, Error, ws: false,
        "No credential files: cloud (AWS, GCP, Azure), kubeconfig, docker auth, .netrc, .git-credentials, cargo/pypi tokens",
        "Never copy credential files into an image; use the platform's workload identity or run-time secrets, and rotate the leaked credentials.";
    SecretGit = "secret-git", Secrets, Error, ws: false,
        "No .git directories (history, remotes, possibly credentials)",
        "Add `.git` to .dockerignore.";
    DeniedPath = "denied-path", Policy, Error, ws: false,
        "No path matches a deny glob of the [verify] policy",
        "Remove the path from the image, or change the deny globs in isogen.toml.";
    ModuleNotFound = "module-not-found", Modules, Error, ws: false,
        "Every import of the service's module graph resolves in the image as Node resolves it",
        "Make the import resolve in the image: ship the file or declare and install the package; an import that crosses package folders by relative path (`../../shared/dist/x.js`) breaks when the layout changes: import the internal package by its name instead.";
    ModuleOptionalMissing = "module-optional-missing", Modules, Info, ws: false,
        "Optional modules (required inside a try whose catch handles their absence) the image does not hold",
        "Nothing to do if the service is meant to run without it; otherwise declare the package in dependencies so the production install ships it.";
    ModuleGraphIncomplete = "module-graph-incomplete", Modules, Warning, ws: false,
        "Every file of the service's module graph could be read for the module-not-found check",
        "Pass --workspace so isogen knows the internal packages it must read; a file over the size or memory limit, or one the parser refuses, is not checked: check its imports by hand.";
    VersionNotLocked = "version-not-locked", Modules, Error, ws: true,
        "Every package in the image's node_modules is the version pnpm-lock.yaml locks for the service's production closure",
        "Install the service's production closure from the lockfile (`pnpm install --frozen-lockfile --prod --filter <service>...`, as isogen's Dockerfile does), and declare in package.json every package the service's code imports, so the lockfile pins it rather than hoisting picking one.";
    IntegrityNotLocked = "integrity-not-locked", Modules, Error, ws: true,
        "Every package in the image's node_modules was installed from the tarball pnpm-lock.yaml locks (the integrity pnpm's install recorded in node_modules/.pnpm/lock.yaml)",
        "Install the service's production closure with pnpm from the workspace's pnpm-lock.yaml (`pnpm install --frozen-lockfile --prod --filter <service>...`, as isogen's Dockerfile does) and keep node_modules/.pnpm/lock.yaml in the image, so that what it records can be compared.";
}

/// The hint of `module-graph-incomplete` when `--workspace` was given (or found): the
/// registry's hint opens with "Pass --workspace", which that user already did.
pub const MODULE_GRAPH_INCOMPLETE_WITH_WORKSPACE: &str =
    "A file over the size or memory limit, a package in node_modules that is not a package of the workspace, or one the parser refuses, is not checked: check its imports by hand.";

/// The message of a `dev-dependency` finding on packages the workspace root's `dependencies`
/// install (with `--workspace`).
const ROOT_DEPENDENCIES: &str = "packages the workspace lists only as devDependencies are installed because the workspace root's package.json lists them (or what needs them) in `dependencies`: pnpm's production install always installs the root project, whatever --filter selects";

/// Its hint: what `isogen generate` says about the same packages.
pub const ROOT_DEPENDENCIES_HINT: &str = "Move them to the devDependencies of the workspace root's package.json (or declare each in the packages that use it): a production install (`--prod`, `--omit=dev`) cannot leave out the root's `dependencies`.";

/// The hint a finding carries: the registry's, but for the one rule whose hint depends on
/// whether a workspace was given, and for `dev-dependency` on the root's dependencies.
pub fn hint_for(rule: RuleId, message: &str, workspace: bool) -> &'static str {
    match rule {
        RuleId::ModuleGraphIncomplete if workspace => MODULE_GRAPH_INCOMPLETE_WITH_WORKSPACE,
        RuleId::DevDependency if message.contains(ROOT_DEPENDENCIES) => ROOT_DEPENDENCIES_HINT,
        _ => rule.rule().hint,
    }
}

/// Every rule id, comma-separated (for error messages).
pub fn known_ids() -> String {
    RULES
        .iter()
        .map(|r| r.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What each rule checks, in full (`isogen rules`, `isogen explain`, SARIF's `fullDescription`),
/// by rule id: the long form of [`Rule::summary`]. A test checks that every rule has exactly one.
pub const DETAILS: &[(&str, &str)] = &[
    ("user-unset", "The image config sets a `User`. Without one the container runs as root."),
    ("user-root", "The user is not root: not `root`, not uid 0, not a user whose /etc/passwd entry has uid 0."),
    ("user-unresolvable", "The user resolves in the image's /etc/passwd (and a named group in /etc/group). A numeric uid without an entry runs, but tools and `runAsNonRoot` checks cannot map it, so it is reported too."),
    ("service-missing", "The image holds the service it is checked as: its package.json or entry file (pnpm), or its binary (Cargo)."),
    ("app-root-foreign", "Under the app root there is nothing but the service, its internal packages, `node_modules` and the files `[generate.services.<name>] assets` ships for it: no unused workspace package, no stray files or folders."),
    ("internal-package-extra", "Internal packages ship only their output folders (`dist`, and those their `main`/`exports`/`types`/`bin`/`files` name), `package.json`, `node_modules`, README/LICENSE/CHANGELOG/NOTICE and lockfiles. A package without a build script is plain JavaScript and may ship its folder."),
    ("internal-package-twice", "Each internal package of the service is in the image once: no two real folders whose package.json has its name (its workspace folder and a copy in node_modules, as npm's `--install-links` or a copied build stage makes it). A symlink to the package is the same copy. The finding names every copy and the one Node loads from the service's folder: the other is never loaded and can differ from it."),
    ("other-service", "No other service of the workspace anywhere: no package.json with its name (in node_modules too), no folder of it, no executable named like its Cargo binary. Files the OS package manager installed are never another service. Needs a workspace (`--workspace`)."),
    ("workspace-tooling", "No pnpm (package, binaries, store, corepack's cached pnpm), nx, turbo, lerna or rush; no pnpm-workspace.yaml, pnpm-lock.yaml, .pnpmfile.cjs, nx.json, turbo.json, lerna.json, rush.json, .nx/.turbo caches; no npm/yarn workspace root manifest."),
    ("workspace-protocol", "No visible package.json has a `workspace:` or `catalog:` dependency whose package is not installed where Node looks for it. `pnpm deploy` keeps the specs but installs the packages: that passes."),
    ("toolchain", "No typescript, ts-node, tsx, ts-node-dev or @swc/cli package; no tsc, C compilers, make, cmake, cargo, rustc, rustup or rustdoc in a PATH folder; no /usr/local/cargo, /usr/local/rustup, rustlib, ~/.cargo, ~/.rustup."),
    ("package-manager", "No npm/npx, yarn or corepack installed globally (outside the app root). A warning by default: the Node image ships them."),
    ("sources", "No *.ts/*.tsx/*.mts/*.cts (declarations are fine), tsconfig*.json, src/ folders of the service or its packages (unless their entry points are there), *.rs, Cargo.toml, Cargo.lock, Cargo target/ folders, nor the rest of a crate folder copied into the image."),
    ("dev-dependency", "No package in the app's node_modules that the manifests list only as devDependencies and that nothing needed at run time depends on (nor the packages only those need)."),
    ("entrypoint-missing", "The image config's Entrypoint or Cmd runs something (not bare `node`)."),
    ("entrypoint-shell", "The entrypoint is in exec form: not the shell form of CMD, not `sh -c ...`."),
    ("entrypoint-indirect", "The service runs directly: no npm/pnpm/yarn/npx/nx/turbo/pm2, no start script (a shell script that is not a pass-through wrapper), no `node -e`, no file outside the service's package, no argument picking another service to run."),
    ("entrypoint-not-found", "The file node runs (with Node's own lookup) or the program exists in the merged file tree, symlinks followed, relative to WorkingDir and PATH."),
    ("module-not-found", "From the file node runs, every static `require(\"x\")`, `import`, `export ... from` and `import(\"x\")` with a literal specifier of the service's own code (files outside node_modules, and its internal packages) resolves in the merged file tree by Node's rules: CommonJS extensions and directory `main`/`index` for require, exact files for ESM imports, `exports`/`imports` maps with the conditions node, import or require, module-sync, default; node_modules up from each file's real path, symlinks followed, NODE_PATH for require. An import of a third-party package is checked by resolving it to its file; that package's own code is not parsed. Built-in modules are ignored; type-only imports are erased. The modules the command preloads (`-r`/`--require`, `--import` in CMD/ENTRYPOINT, and before them those of the image's `NODE_OPTIONS`, split as node splits it) must resolve from the working directory, and their own imports are followed too. A `require()`/`import()` inside a `try` whose `catch` handles the failure (does not simply throw it again) is module-optional-missing's instead."),
    ("module-optional-missing", "A `require()` or `import()` of the service's own code, run inside a `try` block whose `catch` handles the failure (it does not end in an unconditional `throw`), that does not resolve in the image: the program was written to run without it (`try { require('pino-pretty') } catch {}`). Reported for information, naming the file and line; a function defined inside the `try` runs later, outside it, so its imports are module-not-found's."),
    ("version-not-locked", "With --workspace and a shared pnpm-lock.yaml (v6 or v9): every package folder under the workspace root in the image is a name and version of the production closure the lockfile locks for the service and its internal packages; each importer's dependency and each package's dependency link is the version the lockfile locks for it; and a package the service's code imports without declaring it (found through hoisting) is the version the workspace's own install hoists (pnpm's hoisting order), as under shamefully-hoist a different one runs in the image than in CI."),
    ("integrity-not-locked", "With --workspace and a shared pnpm-lock.yaml (v6 or v9): pnpm's current lockfile in the image (`node_modules/.pnpm/lock.yaml` under the workspace root, which a pnpm install writes: every package it linked, with the integrity of the tarball it checked and unpacked) is read, and every third-party package folder of the image whose name and version the service's production closure locks with an integrity must be recorded there with that same integrity. A folder the install did not record (another tool put it there) and a current lockfile isogen cannot read are errors too; an image without one is listed as skipped, with where it was looked for: then only versions are compared (version-not-locked)."),
    ("module-graph-incomplete", "The files of the service's module graph that the module-not-found check could not read: their content was not kept (over the memory budget for sources, or an internal package copied into node_modules when no workspace says it is one), cut at the per-file limit, or refused by the parser. Their imports are not checked."),
    ("secret-npmrc", "No .npmrc/npmrc/.yarnrc/.yarnrc.yml with a literal _authToken, _auth, _password, npmAuthToken or npmAuthIdent (a `${ENV}` reference is not a secret)."),
    ("secret-env-file", "No .env, .env.* or .envrc files (.env.example/.sample/.template/.dist/.defaults/.schema are fine)."),
    ("secret-private-key", "No PEM/OpenSSH/PuTTY private keys (told by content), id_rsa/id_ed25519/..., *.p12/*.pfx/*.jks/*.keystore."),
    ("secret-cloud-credentials", "No ~/.aws/credentials, gcloud and Azure config folders, Google service-account key JSON, kubeconfig, docker config.json with auths, .netrc, .git-credentials, .pgpass, .pypirc with a password, cargo/gem or Terraform credentials."),
    ("secret-git", "No .git directories: they carry the history, the remotes and sometimes credentials."),
    ("denied-path", "No path matches a `deny` glob of the [verify] policy in isogen.toml; the finding names the glob and its line."),
];

/// The full description of the rule `id` (see [`DETAILS`]); its summary when it has none.
pub fn details(id: RuleId) -> &'static str {
    DETAILS
        .iter()
        .find(|(i, _)| *i == id.as_str())
        .map_or(id.rule().summary, |(_, d)| *d)
}

/// The rule with this id, or a message naming the unknown id and the known ids closest to it.
pub fn lookup(id: &str) -> Result<RuleId, String> {
    RuleId::parse(id).ok_or_else(|| {
        let close = similar_ids(id);
        let hint = match close.as_slice() {
            [] => String::new(),
            ids => format!(
                "; did you mean {}?",
                ids.iter()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        };
        format!("unknown rule id `{id}`{hint} (`isogen rules` lists every rule)")
    })
}

/// Known rule ids close to `id` (a typo: a few edits away; or a part of the id), closest first.
pub fn similar_ids(id: &str) -> Vec<&'static str> {
    let id = id.trim().to_ascii_lowercase();
    let mut scored: Vec<(bool, usize, &'static str)> = RULES
        .iter()
        .filter_map(|r| {
            let known = r.id.as_str();
            let edits = strsim::levenshtein(&id, known);
            let part = id.len() >= 3 && (known.contains(id.as_str()) || id.contains(known));
            // A part of the id (`npmrc`) is the surer guess: it ranks first.
            (edits <= 2 + id.len() / 8 || part).then_some((!part, edits, known))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, _, id)| id).collect()
}

/// One rule's message about one cause, before the paths, values and layer it concerns are
/// attached: what a check hands the collector. Made only by the constructors below, grouped by
/// rule in registry order, so a message always goes with its rule and every text a rule can
/// say is in this file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diag {
    pub(in crate::verify) rule: RuleId,
    pub(in crate::verify) message: String,
}

impl Diag {
    fn new(rule: RuleId, message: impl Into<String>) -> Diag {
        Diag {
            rule,
            message: message.into(),
        }
    }
}

/// `user-unset`, `user-root`, `user-unresolvable`.
impl Diag {
    pub(crate) fn user_unset() -> Diag {
        Diag::new(
            RuleId::UserUnset,
            "the image sets no User, so the container runs as root",
        )
    }

    pub(crate) fn user_root(user: &str) -> Diag {
        Diag::new(
            RuleId::UserRoot,
            format!("the image runs as root (User {user})"),
        )
    }

    /// A named user whose passwd entry has uid 0.
    pub(crate) fn user_root_in_passwd(name: &str) -> Diag {
        Diag::new(
            RuleId::UserRoot,
            format!("User {name} has uid 0 in /etc/passwd: it is root"),
        )
    }

    /// A passwd entry whose uid field is not `0` but reads as 0 (empty, malformed, or 0 in 32
    /// bits) the way runc and containerd read it.
    pub(crate) fn user_root_in_passwd_line(user: &str, uid: i64, line: &str) -> Diag {
        Diag::new(
            RuleId::UserRoot,
            format!("User {user} is uid {uid} through /etc/passwd (`{line}`): it is root"),
        )
    }

    /// A numeric uid that is 0 once stored in 32 bits (`4294967296`).
    pub(crate) fn user_root_wrapped(user: &str, uid: i64) -> Diag {
        Diag::new(
            RuleId::UserRoot,
            format!(
                "the image runs as root (User {user}: runtimes read the uid as {uid}, stored in 32 bits as 0)"
            ),
        )
    }

    /// An explicit group that is gid 0 (`User 1001:0`).
    pub(crate) fn user_root_group(user: &str, gid: i64) -> Diag {
        Diag::new(
            RuleId::UserRoot,
            format!("User {user} runs with the root group (gid {gid}, 0 in 32 bits)"),
        )
    }

    pub(crate) fn user_without_passwd(user: &str) -> Diag {
        Diag::new(
            RuleId::UserUnresolvable,
            format!("User {user} cannot be resolved: the image has no /etc/passwd"),
        )
    }

    pub(crate) fn uid_not_in_passwd(uid: i64) -> Diag {
        Diag::new(
            RuleId::UserUnresolvable,
            format!("uid {uid} has no entry in /etc/passwd"),
        )
    }

    pub(crate) fn user_not_in_passwd(name: &str) -> Diag {
        Diag::new(
            RuleId::UserUnresolvable,
            format!("user {name:?} is not in /etc/passwd (the container will not start)"),
        )
    }

    pub(crate) fn group_not_in_group(group: &str) -> Diag {
        Diag::new(
            RuleId::UserUnresolvable,
            format!("group {group:?} is not in /etc/group (the container will not start)"),
        )
    }
}

/// `service-missing`.
impl Diag {
    pub(crate) fn service_binary_missing(service: &str, bin: &str) -> Diag {
        Diag::new(
            RuleId::ServiceMissing,
            format!("service {service} is not in the image: no binary named {bin}"),
        )
    }

    /// `package_names`: the names the service's package.json may carry.
    pub(crate) fn service_package_missing<'a>(
        service: &str,
        package_names: impl IntoIterator<Item = &'a String>,
    ) -> Diag {
        let names = package_names
            .into_iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(" or ");
        Diag::new(
            RuleId::ServiceMissing,
            format!(
                "service {service} is not in the image: no package.json named {names} and no entry file of it"
            ),
        )
    }
}

/// `app-root-foreign`, `internal-package-extra`.
impl Diag {
    /// The files of a package whose folder holds the service's (a workspace root copied to
    /// the app root); `package`: its workspace name, when it is a workspace package.
    pub(crate) fn app_root_around_service(package: Option<&str>) -> Diag {
        let what = match package {
            Some(name) => format!("workspace package {name}"),
            None => "a package".to_string(),
        };
        Diag::new(
            RuleId::AppRootForeign,
            format!("{what} around the service's folder left its files under the app root"),
        )
    }

    pub(crate) fn app_root_unneeded_package(package: &str) -> Diag {
        Diag::new(
            RuleId::AppRootForeign,
            format!("workspace package {package} is in the image, but the service does not need it at run time"),
        )
    }

    pub(crate) fn app_root_unknown_package() -> Diag {
        Diag::new(
            RuleId::AppRootForeign,
            "a package the service does not depend on is under the app root",
        )
    }

    pub(crate) fn app_root_foreign_content() -> Diag {
        Diag::new(
            RuleId::AppRootForeign,
            "content under the app root belongs to neither the service nor its packages",
        )
    }

    /// The internal package `name` has a real folder at each of `copies`; Node loads
    /// `loaded` from the service's folder.
    pub(crate) fn internal_package_twice(
        name: &str,
        copies: &[String],
        loaded: Option<&str>,
    ) -> Diag {
        let which = match loaded {
            Some(l) => format!(
                "Node loads {l} from the service; the other copy is never loaded and can differ from it"
            ),
            None => "Node loads none of them from the service's folder".to_string(),
        };
        Diag::new(
            RuleId::InternalPackageTwice,
            format!(
                "the internal package {name} is shipped {} times, at {}: {which}",
                copies.len(),
                copies.join(" and ")
            ),
        )
    }

    pub(crate) fn internal_package_extra() -> Diag {
        Diag::new(
            RuleId::InternalPackageExtra,
            "an internal package ships more than its build output and package.json",
        )
    }
}

/// `other-service`.
impl Diag {
    pub(crate) fn other_service_package(service: &str) -> Diag {
        Diag::new(
            RuleId::OtherService,
            format!("service {service} is in the image (its package)"),
        )
    }

    /// `folder`: its folder relative to the workspace root.
    pub(crate) fn other_service_folder(service: &str, folder: &str) -> Diag {
        Diag::new(
            RuleId::OtherService,
            format!("service {service} is in the image (its folder {folder})"),
        )
    }

    pub(crate) fn other_service_folder_name(service: &str, folder: &str) -> Diag {
        Diag::new(
            RuleId::OtherService,
            format!("service {service} is in the image (a folder named {folder})"),
        )
    }

    /// The image's `key` label (`dev.isogen.service`, `dev.isogen.package`) names `value`, not
    /// `service`; `other` is the workspace service it names, when known.
    pub(crate) fn other_service_label(
        key: &str,
        value: &str,
        other: Option<&str>,
        service: &str,
    ) -> Diag {
        let other = other.map_or(String::new(), |o| {
            format!(" (service {o} of the workspace)")
        });
        Diag::new(
            RuleId::OtherService,
            format!("the image's {key} label names {value}{other}, but it is checked as service {service}"),
        )
    }

    pub(crate) fn other_service_binary(service: &str) -> Diag {
        Diag::new(
            RuleId::OtherService,
            format!("service {service} is in the image (its binary)"),
        )
    }
}

/// `workspace-tooling`, `workspace-protocol`.
impl Diag {
    pub(crate) fn workspace_tooling(tool: &str) -> Diag {
        Diag::new(
            RuleId::WorkspaceTooling,
            format!("workspace tooling ({tool}) is in the image"),
        )
    }

    pub(crate) fn workspace_root_manifest() -> Diag {
        Diag::new(
            RuleId::WorkspaceTooling,
            "a workspace root manifest (`workspaces`) is in the image",
        )
    }

    /// `manifest`: the package.json; `specs`: its unresolved `name: spec` entries.
    pub(crate) fn workspace_protocol(manifest: &str, specs: &[String]) -> Diag {
        Diag::new(
            RuleId::WorkspaceProtocol,
            format!(
                "{manifest} needs packages through pnpm specs that nothing in the image resolves ({})",
                specs.join(", ")
            ),
        )
    }
}

/// `toolchain`, `package-manager`.
impl Diag {
    pub(crate) fn toolchain(what: &str) -> Diag {
        Diag::new(
            RuleId::Toolchain,
            format!("build toolchain ({what}) is in the image"),
        )
    }

    pub(crate) fn package_manager(name: &str) -> Diag {
        Diag::new(
            RuleId::PackageManager,
            format!("package manager {name} is in the image"),
        )
    }
}

/// `sources`.
impl Diag {
    pub(crate) fn cargo_target_folder() -> Diag {
        Diag::new(RuleId::Sources, "a Cargo target/ folder is in the image")
    }

    pub(crate) fn src_folder() -> Diag {
        Diag::new(RuleId::Sources, "a package's src/ folder is in the image")
    }

    pub(crate) fn typescript_sources() -> Diag {
        Diag::new(RuleId::Sources, "TypeScript sources are in the image")
    }

    pub(crate) fn typescript_configs() -> Diag {
        Diag::new(RuleId::Sources, "TypeScript configs are in the image")
    }

    pub(crate) fn rust_sources() -> Diag {
        Diag::new(RuleId::Sources, "Rust sources are in the image")
    }

    pub(crate) fn cargo_manifests() -> Diag {
        Diag::new(RuleId::Sources, "Cargo manifests are in the image")
    }

    pub(crate) fn crate_folder() -> Diag {
        Diag::new(RuleId::Sources, "a Cargo crate's folder is in the image")
    }
}

/// `dev-dependency`.
impl Diag {
    pub(crate) fn dev_dependencies() -> Diag {
        Diag::new(RuleId::DevDependency, "dev dependencies are installed")
    }

    /// Dev dependencies that pnpm installs because the workspace root's `dependencies` name
    /// them: `--omit=dev` does not remove them; its hint is [`ROOT_DEPENDENCIES_HINT`].
    pub(crate) fn root_dependencies() -> Diag {
        Diag::new(RuleId::DevDependency, ROOT_DEPENDENCIES)
    }

    pub(crate) fn dev_only_dependencies() -> Diag {
        Diag::new(
            RuleId::DevDependency,
            "packages that only dev dependencies need are installed",
        )
    }
}

/// `entrypoint-missing`, `entrypoint-shell`, `entrypoint-indirect`, `entrypoint-not-found`.
impl Diag {
    pub(crate) fn entrypoint_missing() -> Diag {
        Diag::new(
            RuleId::EntrypointMissing,
            "the image config has no Entrypoint or Cmd that runs anything",
        )
    }

    pub(crate) fn node_without_script() -> Diag {
        Diag::new(
            RuleId::EntrypointMissing,
            "the entrypoint runs node without a script",
        )
    }

    /// `command`: the shell's command line (empty: an interactive shell).
    pub(crate) fn entrypoint_shell(command: &str) -> Diag {
        Diag::new(
            RuleId::EntrypointShell,
            if command.is_empty() {
                "the entrypoint starts a shell".to_string()
            } else {
                format!("the entrypoint runs through a shell: {command:?}")
            },
        )
    }

    pub(crate) fn entrypoint_package_manager(tool: &str, args: &[String]) -> Diag {
        let command = std::iter::once(tool)
            .chain(args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        Diag::new(
            RuleId::EntrypointIndirect,
            format!("the entrypoint runs `{command}` through a package manager instead of the service itself"),
        )
    }

    pub(crate) fn entrypoint_start_script(path: &str) -> Diag {
        Diag::new(
            RuleId::EntrypointIndirect,
            format!("the entrypoint runs the start script {path} instead of the service itself"),
        )
    }

    pub(crate) fn entrypoint_inline_code() -> Diag {
        Diag::new(
            RuleId::EntrypointIndirect,
            "the entrypoint runs code given to node on the command line (-e/-p/stdin)",
        )
    }

    /// `dir`: the other service's folder in the image.
    pub(crate) fn entrypoint_other_services_file(
        file: &str,
        other: &str,
        dir: &str,
        service: &str,
    ) -> Diag {
        Diag::new(
            RuleId::EntrypointIndirect,
            format!("the entrypoint runs {file} of service {other} ({dir}), not {service}"),
        )
    }

    /// `dir`: the package folder the file belongs to.
    pub(crate) fn entrypoint_package_file(file: &str, dir: &str, service: &str) -> Diag {
        Diag::new(
            RuleId::EntrypointIndirect,
            format!("the entrypoint runs {file}, which belongs to {dir}, not to service {service}"),
        )
    }

    pub(crate) fn entrypoint_foreign_file(file: &str, service: &str) -> Diag {
        Diag::new(
            RuleId::EntrypointIndirect,
            format!("the entrypoint runs {file}, which is not part of service {service} (a start script?)"),
        )
    }

    pub(crate) fn entrypoint_selects_service(other: &str) -> Diag {
        Diag::new(
            RuleId::EntrypointIndirect,
            format!("the entrypoint passes another service's name ({other}) as an argument"),
        )
    }

    pub(crate) fn entrypoint_other_services_binary(bin: &str, other: &str) -> Diag {
        Diag::new(
            RuleId::EntrypointIndirect,
            format!("the entrypoint runs {bin}, the binary of service {other}"),
        )
    }

    /// A Node service whose entrypoint runs a program outside its package instead of node.
    pub(crate) fn entrypoint_not_node(bin: &str) -> Diag {
        Diag::new(
            RuleId::EntrypointIndirect,
            format!("the entrypoint runs {bin}, not node with the service's entry file"),
        )
    }

    pub(crate) fn node_script_not_found(script: &str) -> Diag {
        Diag::new(
            RuleId::EntrypointNotFound,
            format!("node's script {script} does not exist in the image"),
        )
    }

    pub(crate) fn program_not_found(program: &str) -> Diag {
        Diag::new(
            RuleId::EntrypointNotFound,
            format!("the entrypoint's program {program} does not exist in the image"),
        )
    }
}

/// `module-not-found`, `module-graph-incomplete`.
impl Diag {
    /// `file`:`line` imports `specifier`, and Node fails on it with `failure`.
    pub(crate) fn module_not_found(
        file: &str,
        line: u32,
        specifier: &str,
        failure: &crate::verify::modgraph::Failure,
    ) -> Diag {
        let why = failure_text(failure);
        Diag::new(
            RuleId::ModuleNotFound,
            format!(
                "{file}:{line} imports {specifier:?}, which does not resolve in the image: {why}"
            ),
        )
    }

    /// The command (or the image's `NODE_OPTIONS`) preloads `p` from the working directory
    /// `workdir`, and Node fails on it before the service starts.
    pub(crate) fn preload_not_found(
        p: &crate::verify::launch::Preload,
        workdir: &str,
        failure: &crate::verify::modgraph::Failure,
    ) -> Diag {
        let why = failure_text(failure);
        let (who, flag) = match (p.from_env, p.import) {
            (false, false) => ("the command", "--require"),
            (false, true) => ("the command", "--import"),
            (true, false) => ("the image's NODE_OPTIONS", "--require"),
            (true, true) => ("the image's NODE_OPTIONS", "--import"),
        };
        let specifier = &p.specifier;
        Diag::new(
            RuleId::ModuleNotFound,
            format!(
                "{who} preloads {specifier:?} ({flag}, from {workdir}), which does not resolve in the image, so node stops before the service starts: {why}"
            ),
        )
    }

    /// `file`:`line` requires `specifier` inside a `try` whose `catch` handles the failure,
    /// and it does not resolve: the service runs without it.
    pub(crate) fn optional_module_missing(file: &str, line: u32, specifier: &str) -> Diag {
        Diag::new(
            RuleId::ModuleOptionalMissing,
            format!(
                "{file}:{line} loads {specifier:?} inside a try whose catch handles its absence, and it is not in the image: the service runs without it"
            ),
        )
    }

    pub(crate) fn module_graph_not_kept(files: usize) -> Diag {
        Diag::new(
            RuleId::ModuleGraphIncomplete,
            format!("{files} file(s) of the module graph were not read (their content was not kept: over the memory budget for sources, or a package in node_modules not known as internal): their imports are not checked"),
        )
    }

    pub(crate) fn module_graph_truncated(files: usize) -> Diag {
        Diag::new(
            RuleId::ModuleGraphIncomplete,
            format!("{files} file(s) of the module graph are larger than isogen reads ({} MiB each): their imports are not checked", crate::verify::SOURCE_MAX_BYTES >> 20),
        )
    }

    pub(crate) fn module_graph_unparsed(files: usize) -> Diag {
        Diag::new(
            RuleId::ModuleGraphIncomplete,
            format!("{files} file(s) of the module graph could not be parsed: their imports are not checked"),
        )
    }
}

/// `version-not-locked`.
impl Diag {
    /// The package folder `dir` holds `package`, which the closure does not hold at all.
    pub(crate) fn not_in_closure(dir: &str, package: &str) -> Diag {
        Diag::new(
            RuleId::VersionNotLocked,
            format!("{dir} is {package}, which is not in the production closure pnpm-lock.yaml locks for the service"),
        )
    }

    /// `packages` (`name@version`) are installed in the `node_modules` of `holder`, a package
    /// root inside the service's folder that no lockfile project is; `manifest`: the service's
    /// package.json in the workspace.
    pub(crate) fn nested_install_not_locked(
        holder: &str,
        packages: &[String],
        manifest: &str,
    ) -> Diag {
        let shown: Vec<&str> = packages.iter().take(5).map(String::as_str).collect();
        let more = match packages.len().saturating_sub(shown.len()) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        Diag::new(
            RuleId::VersionNotLocked,
            format!("{} package(s) in {holder}/node_modules ({}{more}) were installed for {holder}/package.json, which is not a project of pnpm-lock.yaml (the build wrote it and installed its dependencies on its own, `npm install` in the service's output?): nothing locks their versions; declare those dependencies in {manifest} so pnpm installs them as locked", packages.len(), shown.join(", ")),
        )
    }

    /// The package folder `dir` holds `name` at `found`; the closure locks `locked`.
    pub(crate) fn version_not_locked(dir: &str, name: &str, found: &str, locked: &str) -> Diag {
        Diag::new(
            RuleId::VersionNotLocked,
            format!("{dir} is {name} {found}, but pnpm-lock.yaml locks {locked} for the service's production closure"),
        )
    }

    /// `dependent` (an importer folder or `name@version`) resolves `name` through the link
    /// `path` to `found`; the lockfile locks `locked` for that edge.
    pub(crate) fn link_not_locked(
        path: &str,
        dependent: &str,
        name: &str,
        found: &str,
        locked: &str,
    ) -> Diag {
        Diag::new(
            RuleId::VersionNotLocked,
            format!(
                "{path} gives {dependent} {name} {found}, but pnpm-lock.yaml locks {locked} for it"
            ),
        )
    }

    /// The service's code imports `name` without its package declaring it (`at`: the first
    /// importing file and line, `more`: how many other imports): the image loads `path` at
    /// `found`, the workspace's install hoists `hoisted`.
    pub(crate) fn undeclared_not_hoisted(
        name: &str,
        at: &str,
        more: usize,
        path: &str,
        found: &str,
        hoisted: &str,
    ) -> Diag {
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        Diag::new(
            RuleId::VersionNotLocked,
            format!("{at}{more} import(s) {name}, which the importing package.json does not declare: the image loads {path} ({name} {found}), but the workspace's install hoists {hoisted}, so the service runs another version than in the workspace; declare {name} in that package.json"),
        )
    }
}

/// `integrity-not-locked`.
impl Diag {
    /// The package folder `dir` holds `package`, which pnpm's current lockfile `lock` records
    /// with the integrity `found` (None: none), while pnpm-lock.yaml locks `locked`.
    pub(crate) fn integrity_not_locked(
        dir: &str,
        package: &str,
        lock: &str,
        found: Option<&str>,
        locked: &str,
    ) -> Diag {
        let found = match found {
            Some(i) => format!("the integrity {i}"),
            None => "no integrity".into(),
        };
        Diag::new(
            RuleId::IntegrityNotLocked,
            format!("{dir} is {package}, which {lock} records with {found}, but pnpm-lock.yaml locks it with the integrity {locked}: the image holds another tarball than the one the workspace locks"),
        )
    }

    /// The package folder `dir` holds `package`, which pnpm's current lockfile `lock` does
    /// not record: something other than that install put it there.
    pub(crate) fn integrity_not_recorded(dir: &str, package: &str, lock: &str) -> Diag {
        Diag::new(
            RuleId::IntegrityNotLocked,
            format!("{dir} is {package}, which {lock} (what the image's pnpm install put in node_modules) does not record: another step put it there, and its integrity cannot be compared with pnpm-lock.yaml's"),
        )
    }

    /// pnpm's current lockfile `path` is in the image but could not be read (`why`).
    pub(crate) fn installed_lock_unreadable(path: &str, why: &str) -> Diag {
        Diag::new(
            RuleId::IntegrityNotLocked,
            format!("{path} (pnpm's record of what it installed) could not be read: {why}; no package's integrity was compared with pnpm-lock.yaml"),
        )
    }
}

/// Why Node fails on an import, as its error says it.
fn failure_text(failure: &crate::verify::modgraph::Failure) -> String {
    use crate::verify::modgraph::Failure as F;
    match failure {
        F::NotFound { tried } => format!("no file {tried} (MODULE_NOT_FOUND)"),
        F::PackageNotFound { name } => {
            format!("no node_modules folder up the tree holds {name} (MODULE_NOT_FOUND)")
        }
        F::DirectoryImport { dir } => format!(
            "{dir} is a folder, and an ESM import needs the file with its extension (ERR_UNSUPPORTED_DIR_IMPORT)"
        ),
        F::NotExported { package, subpath } => format!(
            "the `exports` of {package} has no {subpath:?} for these conditions (ERR_PACKAGE_PATH_NOT_EXPORTED)"
        ),
        F::ImportNotDefined => {
            "no `imports` entry of the enclosing package.json matches (ERR_PACKAGE_IMPORT_NOT_DEFINED)".into()
        }
        F::InvalidTarget { package, target } => format!(
            "the package.json of {package} maps it to {target:?}, which Node refuses (ERR_INVALID_PACKAGE_TARGET)"
        ),
        F::InvalidSpecifier => "Node refuses the specifier (ERR_INVALID_MODULE_SPECIFIER)".into(),
        F::TypeScript { file, in_node_modules: true } => format!(
            "it is the TypeScript file {file}, and Node does not strip the types of files under node_modules (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING): ship the package's build output"
        ),
        F::TypeScript { file, .. } => format!(
            "it is the TypeScript file {file}, and the image's Node does not strip types (Node 22.18 and 23.6 on do; ERR_UNKNOWN_FILE_EXTENSION): ship the package's build output"
        ),
    }
}

/// `secret-*`.
impl Diag {
    /// `file`: the config file's name (`.npmrc`, `.yarnrc.yml`, ...).
    pub(crate) fn registry_token(file: &str) -> Diag {
        Diag::new(
            RuleId::SecretNpmrc,
            format!("{file} holds a registry auth token"),
        )
    }

    pub(crate) fn env_file() -> Diag {
        Diag::new(RuleId::SecretEnvFile, ".env file in the image")
    }

    pub(crate) fn private_key() -> Diag {
        Diag::new(RuleId::SecretPrivateKey, "private key in the image")
    }

    /// `what`: whose credentials (`AWS credentials`, `a kubeconfig`, ...).
    pub(crate) fn credentials(what: &str) -> Diag {
        Diag::new(
            RuleId::SecretCloudCredentials,
            format!("{what} in the image"),
        )
    }

    pub(crate) fn git_directory() -> Diag {
        Diag::new(
            RuleId::SecretGit,
            "a .git directory ships the repository's history and remotes",
        )
    }
}

/// `denied-path`.
impl Diag {
    /// `glob`: the deny glob and where it is written (`"*.map" (isogen.toml:7)`).
    pub(crate) fn denied_path(glob: &str) -> Diag {
        Diag::new(
            RuleId::DeniedPath,
            format!("the policy denies this path (deny glob {glob})"),
        )
    }
}

/// A finding about paths a later layer hid: the message says so first.
pub(crate) fn shipped_but_hidden(how: &str, layer: usize, message: &str) -> String {
    format!("shipped but hidden ({how} in layer {layer}): {message}")
}

/// Why a rule did not run.
pub(crate) mod skip {
    /// For the rules that need to know the other services.
    pub(crate) const NO_WORKSPACE: &str =
        "no workspace: pass --workspace DIR (or run in the workspace root) to know the other services";
    /// For `version-not-locked`, without a workspace.
    pub(crate) const NO_WORKSPACE_LOCKFILE: &str =
        "no workspace: pass --workspace DIR (or run in the workspace root) to compare the image's packages with its pnpm-lock.yaml";
    /// For `version-not-locked`, when the lockfile cannot be compared with.
    pub(crate) const NO_LOCKED_CLOSURE: &str =
        "no shared pnpm-lock.yaml of version 6 or 9 says what the service's production closure is (none, per-package lockfiles, an older version, or not a pnpm service)";
    /// For `integrity-not-locked`, when the image holds no pnpm current lockfile at `path`.
    pub(crate) fn no_installed_lock(path: &str) -> String {
        format!("the image holds no {path}, the record a pnpm install writes of what it put in node_modules (no pnpm install there, or a later step deleted it): no package's integrity was compared; versions were (version-not-locked)")
    }
    /// For `integrity-not-locked`, when the folder of the image's install is not known.
    pub(crate) const NO_INSTALL_ROOT: &str =
        "the workspace root's folder in the image could not be told (the service's package is not at its workspace path, and there is no app root), so neither could where pnpm's current lockfile is";
    /// For the rules that need the policy's severity.
    pub(crate) const TURNED_OFF: &str = "turned off by the [verify] policy";
    /// For the rules `verify --allow RULE` turned off.
    pub(crate) const ALLOWED_BY_RUN: &str = "turned off for this run (--allow)";

    /// Why no app root could be told: the service is directly in a system folder (`dir`).
    pub(crate) fn in_system_directory(dir: &str) -> String {
        format!("the service is in a system directory ({dir})")
    }
    /// Why no app root could be told: neither the service's package nor its binary is there.
    pub(crate) const SERVICE_NOT_FOUND: &str = "the service was not found in the image";

    /// For the app-root rules, when no app root could be told (`note` says why).
    pub(crate) fn no_app_root(note: &str) -> String {
        format!("no app root to check: {note}; set [verify] app_root")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_stable() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id.as_str()).collect();
        let listed = ids.join("\n");
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len(), "duplicate rule id");
        insta::assert_snapshot!("rule_ids", listed);
    }

    #[test]
    fn every_id_is_its_own_entry_and_parses_back() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.id as usize, i, "{}", r.id);
            assert_eq!(r.id.rule().id, r.id);
            assert_eq!(RuleId::parse(r.id.as_str()), Some(r.id));
        }
        assert_eq!(RuleId::parse("toolchian"), None);
    }

    #[test]
    fn ids_are_kebab_case_and_texts_are_one_line() {
        for r in RULES {
            assert!(
                r.id.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                r.id
            );
            assert!(!r.summary.contains('\n') && !r.hint.contains('\n'));
            assert!(r.hint.ends_with('.'), "hint of {} ends with a period", r.id);
        }
    }

    #[test]
    fn every_rule_has_exactly_one_description() {
        for r in RULES {
            let n = DETAILS
                .iter()
                .filter(|(id, _)| *id == r.id.as_str())
                .count();
            assert_eq!(n, 1, "{} has {n} entries in DETAILS", r.id);
        }
        for (id, text) in DETAILS {
            assert!(
                RuleId::parse(id).is_some(),
                "DETAILS names unknown rule {id}"
            );
            assert!(!text.contains('\n') && text.ends_with('.'), "{id}");
        }
    }

    #[test]
    fn unknown_ids_name_the_close_ones() {
        assert_eq!(lookup("toolchian").unwrap_err(), "unknown rule id `toolchian`; did you mean `toolchain`? (`isogen rules` lists every rule)");
        assert_eq!(similar_ids("npmrc"), vec!["secret-npmrc"]);
        assert!(lookup("zzz")
            .unwrap_err()
            .starts_with("unknown rule id `zzz` ("));
        assert_eq!(lookup("user-root"), Ok(RuleId::UserRoot));
    }
}
