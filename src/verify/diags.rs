//! The rules `verify` knows: each with a stable id (what users write in `[verify.rules]` and what
//! reports carry), a default severity, a one-line summary, and a hint saying how to fix it.
//!
//! Ids are part of the public contract (JSON, SARIF and JUnit reports, the policy file): never
//! rename one; retire it and add a new one instead. A snapshot test pins the list.

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
}

/// Every rule, in report order: id, default severity, summary and hint (what `isogen rules`
/// lists).
pub fn rules() -> impl Iterator<Item = &'static Rule> {
    RULES.iter()
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
