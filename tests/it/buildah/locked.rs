//! The production install is the lockfile's, exactly: the image isogen generates for
//! tests/fixtures/pnpm10-locked (transitive dependencies, an auto-installed and an unmet peer,
//! a `patchedDependencies` patch, a `packageExtensions` entry, overrides with a `"-"` removal)
//! is built with buildah, and EVERY package folder under a `node_modules` of the image (its
//! package.json: name, version) is compared with what `pnpm-lock.yaml` resolves for the
//! service's production closure; the patch must be applied, the internal package must be
//! there once (at its workspace folder), pnpm's record of the install
//! (`node_modules/.pnpm/lock.yaml`) must be in the image with every package's locked
//! integrity, the service must start and `isogen verify --workspace` must pass the exported
//! archive, its `version-not-locked` and `integrity-not-locked` comparisons run.
//!
//! ```sh
//! cargo test --test it buildah::locked -- --ignored --nocapture
//! ```
//!
//! Slow (a real build against the npm registry) and needs buildah and the local base images
//! (`cargo xtask base-images`), so it is ignored by default. The image is
//! `localhost/isogen-gen/pnpm10-locked-api`, removed once checked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use super::support::{build, buildah, container, export_and_verify, generated_fixture, run_in};

const FIXTURE: &str = "pnpm10-locked";
const SERVICE_DIR: &str = "services/api";
const IMAGE: &str = "localhost/isogen-gen/pnpm10-locked-api";

#[derive(Deserialize)]
pub(super) struct Lockfile {
    importers: BTreeMap<String, Importer>,
    #[serde(default)]
    packages: BTreeMap<String, Package>,
    #[serde(default)]
    snapshots: BTreeMap<String, Snapshot>,
}

#[derive(Deserialize, Default)]
struct Package {
    #[serde(default, rename = "peerDependenciesMeta")]
    peers_meta: BTreeMap<String, PeerMeta>,
    #[serde(default)]
    resolution: Resolution,
}

#[derive(Deserialize, Default)]
struct Resolution {
    #[serde(default)]
    integrity: Option<String>,
}

/// The integrity `lock` (a v9 lockfile: the workspace's, or pnpm's current lockfile of an
/// install) records for each (name, version) of `packages`.
fn integrities(
    lock: &Lockfile,
    packages: &BTreeSet<(String, String)>,
) -> BTreeMap<String, Option<String>> {
    (packages.iter())
        .map(|(n, v)| {
            let key = format!("{n}@{v}");
            let integrity = lock
                .packages
                .get(&key)
                .and_then(|p| p.resolution.integrity.clone());
            (key, integrity)
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct PeerMeta {
    #[serde(default)]
    optional: bool,
}

#[derive(Deserialize, Default)]
struct Importer {
    #[serde(default)]
    dependencies: BTreeMap<String, Locked>,
    #[serde(default, rename = "optionalDependencies")]
    optional: BTreeMap<String, Locked>,
}

#[derive(Deserialize)]
struct Locked {
    version: String,
}

#[derive(Deserialize, Default)]
struct Snapshot {
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "optionalDependencies")]
    optional: BTreeMap<String, String>,
}

/// `name@version(peers)(patch_hash=...)` of a dependency as the lockfile writes it: the
/// snapshot key, and (name, version) without the suffixes.
fn snapshot_key(name: &str, version: &str) -> (String, (String, String)) {
    // An alias (`npm:` form) is written `real-name@version` (peers in parentheses after it).
    let head = version.split('(').next().unwrap_or(version);
    let (name, version) = match head.rfind('@').filter(|&i| i > 0) {
        Some(i) => (&version[..i], &version[i + 1..]),
        None => (name, version),
    };
    let plain = version.split('(').next().unwrap_or(version);
    (
        format!("{name}@{version}"),
        (name.to_string(), plain.to_string()),
    )
}

/// Every (name, version) the lockfile installs for the production closure of `importer`:
/// its `dependencies` and `optionalDependencies`, workspace links followed to their importers,
/// then each snapshot's dependencies, transitively, except its OPTIONAL peers
/// (`peerDependenciesMeta.<name>.optional`): npm's `--omit=dev` never installs a lone optional
/// peer, and the generated Dockerfile removes the ones `pnpm install --prod` installs because
/// a devDependency resolved them (pnpm/pnpm#15344). An optional peer that a production
/// dependency also needs is reached through that dependency.
/// The inventory script's output parsed (every package folder, one JSON object a line), and
/// the `(name, version)` of the folders under a `node_modules`.
pub(super) fn inventory_of(inventory: &str) -> (Vec<Found>, BTreeSet<(String, String)>) {
    let found: Vec<Found> = inventory
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let installed = found
        .iter()
        .filter(|f| f.node_modules)
        .map(|f| (f.name.clone(), f.version.clone().unwrap_or_default()))
        .collect();
    (found, installed)
}

/// [`locked_closure`] of `importer` in `root`'s pnpm-lock.yaml.
pub(super) fn locked_closure_of(root: &Path, importer: &str) -> BTreeSet<(String, String)> {
    let lock: Lockfile =
        serde_saphyr::from_str(&std::fs::read_to_string(root.join("pnpm-lock.yaml")).unwrap())
            .unwrap();
    locked_closure(&lock, importer)
}

pub(super) fn locked_closure(lock: &Lockfile, importer: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut seen_importers = BTreeSet::new();
    let mut seen_snapshots = BTreeSet::new();
    let mut importers = vec![importer.to_string()];
    let mut snapshots: Vec<(String, String)> = Vec::new();
    while let Some(dir) = importers.pop() {
        if !seen_importers.insert(dir.clone()) {
            continue;
        }
        let imp = &lock.importers[&dir];
        for (name, dep) in imp.dependencies.iter().chain(&imp.optional) {
            match dep.version.strip_prefix("link:") {
                Some(rel) => importers.push(join(&dir, rel)),
                None => snapshots.push((name.clone(), dep.version.clone())),
            }
        }
    }
    while let Some((name, version)) = snapshots.pop() {
        let (key, plain) = snapshot_key(&name, &version);
        if !seen_snapshots.insert(key.clone()) {
            continue;
        }
        let meta = lock.packages.get(&format!("{}@{}", plain.0, plain.1));
        out.insert(plain);
        let snap = lock
            .snapshots
            .get(&key)
            .unwrap_or_else(|| panic!("no snapshot {key} in pnpm-lock.yaml"));
        for (n, v) in snap.dependencies.iter().chain(&snap.optional) {
            if meta.is_some_and(|m| m.peers_meta.get(n).is_some_and(|p| p.optional)) {
                continue;
            }
            snapshots.push((n.clone(), v.clone()));
        }
    }
    out
}

/// `dir/rel` with `..` resolved (workspace-relative, `/`-separated).
fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Run inside the image: every real folder (not a symlink) under /app whose parent is a
/// `node_modules` (or a scope in one) and that holds a package.json, plus every package.json
/// naming a workspace package, as JSON lines `{path, name, version, patched}`.
pub(super) const INVENTORY: &str = r#"
const fs = require("node:fs"), path = require("node:path");
const isPkgDir = (p) => {
  const parent = path.basename(path.dirname(p));
  const grand = path.basename(path.dirname(path.dirname(p)));
  return parent === "node_modules" || (parent.startsWith("@") && grand === "node_modules");
};
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue; // symlinks are not followed: each real copy once
    const p = path.join(dir, e.name);
    const pj = path.join(p, "package.json");
    if (fs.existsSync(pj)) {
      const j = JSON.parse(fs.readFileSync(pj, "utf8"));
      const internal = typeof j.name === "string" && j.name.startsWith("@locked/");
      if (isPkgDir(p) || internal) {
        let patched = null;
        if (j.name === "ms") patched = fs.readFileSync(path.join(p, "index.js"), "utf8").includes("patchedByLockfile");
        console.log(JSON.stringify({ path: p, name: j.name, version: j.version, patched, node_modules: isPkgDir(p) }));
      }
    }
    walk(p);
  }
};
walk("/app");
"#;

#[derive(Deserialize, Debug)]
pub(super) struct Found {
    pub path: String,
    pub name: String,
    pub version: Option<String>,
    patched: Option<bool>,
    pub node_modules: bool,
}

#[test]
#[ignore = "slow: builds an image with buildah and installs from the npm registry"]
fn the_image_holds_exactly_what_the_lockfile_resolves() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(FIXTURE);
    generated_fixture(FIXTURE, &root);
    let dockerfile = format!("{SERVICE_DIR}/Dockerfile");
    build(&root, &dockerfile, IMAGE);
    let container = container(IMAGE);
    let run = |env: &[&str], args: &[&str]| run_in(&container, env, args);
    let started = run(
        &["ISOGEN_SMOKE=1"],
        &["node", "/app/services/api/src/main.js"],
    );
    let inventory = run(&[], &["node", "-e", INVENTORY]);
    let recorded = run(&[], &["cat", "/app/node_modules/.pnpm/lock.yaml"]);
    let archive = tmp.path().join("api.docker.tar");
    let verified = export_and_verify(IMAGE, &root, &archive);
    buildah(&["rm", &container]);
    buildah(&["rmi", IMAGE]);

    // The service ran: the patch, the auto-installed peer, the unmet peer, the relative path.
    assert_eq!(
        started.trim(),
        "api: patched true, valid true, hits 0, retention 172800000 ms"
    );

    let (found, installed) = inventory_of(&inventory);
    let expected = locked_closure_of(&root, SERVICE_DIR);
    let missing: Vec<_> = expected.difference(&installed).collect();
    let extra: Vec<_> = installed.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "the image differs from pnpm-lock.yaml:\n  missing {missing:?}\n  not locked {extra:?}\n{inventory}"
    );
    // pnpm's record of the install stays in the image, and every package of the closure is
    // there with the integrity pnpm-lock.yaml locks (what integrity-not-locked compares).
    let recorded: Lockfile = serde_saphyr::from_str(&recorded)
        .unwrap_or_else(|e| panic!("node_modules/.pnpm/lock.yaml: {e}\n{recorded}"));
    let workspace_lock: Lockfile =
        serde_saphyr::from_str(&std::fs::read_to_string(root.join("pnpm-lock.yaml")).unwrap())
            .unwrap();
    let locked = integrities(&workspace_lock, &expected);
    assert!(locked.values().all(Option::is_some), "{locked:?}");
    assert_eq!(integrities(&recorded, &expected), locked);
    // What npm would have chosen or kept is not there: the override below ajv's range, no
    // removed or dev-only package.
    assert!(installed.contains(&("fast-deep-equal".into(), "3.1.1".into())));
    assert!(installed.contains(&("is-number".into(), "7.0.0".into())));
    for gone in ["loose-envify", "js-tokens", "kleur"] {
        assert!(!installed.iter().any(|(n, _)| n == gone), "{gone} shipped");
    }
    let ms: Vec<&Found> = found.iter().filter(|f| f.name == "ms").collect();
    assert!(
        !ms.is_empty() && ms.iter().all(|f| f.patched == Some(true)),
        "{ms:?}"
    );
    // One copy of each workspace package, at its workspace folder.
    let internal: Vec<&str> = found
        .iter()
        .filter(|f| f.name.starts_with("@locked/"))
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(internal, ["/app/packages/core", "/app/services/api"]);

    match verified {
        Ok(report) => {
            println!("{report}");
            // verify compared the image with the lockfile (version-not-locked ran and found
            // nothing), rather than skipping the comparison.
            for rule in ["version-not-locked", "integrity-not-locked"] {
                assert!(
                    !report.contains(&format!("rule {rule} did not run")),
                    "{report}"
                );
            }
        }
        Err(report) => panic!("{report}"),
    }
}

#[test]
fn the_lockfile_closure_follows_links_peers_and_patches() {
    let lock: Lockfile = serde_saphyr::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(FIXTURE)
                .join("pnpm-lock.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    let names: Vec<String> = locked_closure(&lock, SERVICE_DIR)
        .into_iter()
        .map(|(n, v)| format!("{n}@{v}"))
        .collect();
    assert_eq!(
        names,
        [
            "ajv@8.20.0",
            "ajv-keywords@5.1.0",
            "debug@4.3.7",
            "fast-deep-equal@3.1.1",
            "fast-uri@3.1.9",
            "is-number@7.0.0",
            "json-schema-traverse@1.0.0",
            "ms@2.1.3",
            "redux@4.0.0",
            "redux-thunk@3.1.0",
            "require-from-string@2.0.2",
            "symbol-observable@1.2.0",
        ]
    );
}
