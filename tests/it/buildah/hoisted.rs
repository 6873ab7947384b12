//! A pnpm 8 workspace as large teams have them, `node-linker=hoisted` + `ignore-scripts=true`
//! (tests/fixtures/pnpm8-hoisted-fleet): generate names both settings, every service builds
//! (tsc from the root's devDependencies on PATH), the deps stage holds only the service's
//! closure (no other service's packages, although a hoisted `pnpm install --filter` would
//! install them all), the image's `node_modules` is exactly what `pnpm-lock.yaml` resolves
//! for the service (`orders` has the `uuid@8` that a hoisted install nests under the service,
//! the others the root's `uuid@9`; only `notify` has `escape-html`), the service starts and
//! answers, and `isogen verify --workspace` passes the exported archive. Shaped like
//! graphql-hive: `notify` builds with a repository script (`node ../../scripts/build.mjs`, which
//! imports and reads files next to it) and the root's devDependencies install a local folder
//! (`file:rules`), both of which the build stages must have.
//!
//! ```sh
//! cargo test --test it buildah::hoisted -- --ignored --nocapture
//! ISOGEN_FLEET_SERVICES=all cargo test --test it buildah::hoisted -- --ignored --nocapture
//! ```
//!
//! Slow (real builds against the npm registry) and needs buildah and the local base images
//! (`cargo xtask base-images`), so it is ignored by default. Builds `orders` and `notify`
//! unless `ISOGEN_FLEET_SERVICES` names others (`all`: the five); the images are
//! `localhost/isogen-gen/fleet-<service>[-deps]`, removed once checked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use super::support::{buildah, config, container, export_and_verify, generated_fixture};

const FIXTURE: &str = "pnpm8-hoisted-fleet";
const SERVICES: &[&str] = &["gateway", "orders", "billing", "notify", "users"];
const DEFAULT_SERVICES: &[&str] = &["orders", "notify"];
/// Packages installed from a folder of the repository (the root's `file:rules`), not the
/// registry: the deps stage fails without them, and they have no locked version.
const LOCAL_FOLDERS: &[&str] = &["eslint-plugin-fleet"];

/// The parts of a v6 (pnpm 8) `pnpm-lock.yaml` the comparison reads.
#[derive(Deserialize)]
struct Lockfile {
    importers: BTreeMap<String, Importer>,
    #[serde(default)]
    packages: BTreeMap<String, LockedPackage>,
}

#[derive(Deserialize, Default)]
struct Importer {
    #[serde(default)]
    dependencies: BTreeMap<String, Locked>,
    #[serde(default, rename = "optionalDependencies")]
    optional: BTreeMap<String, Locked>,
    #[serde(default, rename = "devDependencies")]
    dev: BTreeMap<String, Locked>,
}

#[derive(Deserialize)]
struct Locked {
    version: String,
}

#[derive(Deserialize, Default)]
struct LockedPackage {
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "optionalDependencies")]
    optional: BTreeMap<String, String>,
}

/// Every (name, version) the lockfile installs for `importers`: their dependencies (and
/// devDependencies with `dev`), workspace links followed to their importers, then each
/// package's dependencies, transitively. v6 keys are `/name@version(peers)`.
fn closure(lock: &Lockfile, importers: &[&str], dev: bool) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = importers.iter().map(|s| s.to_string()).collect();
    let mut packages: Vec<(String, String)> = Vec::new();
    while let Some(dir) = todo.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        let imp = &lock.importers[&dir];
        let dev_deps = dev.then_some(&imp.dev).into_iter().flatten();
        for (name, dep) in imp.dependencies.iter().chain(&imp.optional).chain(dev_deps) {
            match dep.version.strip_prefix("link:") {
                Some(rel) => todo.push(join(&dir, rel)),
                // A local folder (`file:rules`): no registry version to compare.
                None if dep.version.starts_with("file:") => {}
                None => packages.push((name.clone(), dep.version.clone())),
            }
        }
    }
    let mut seen = BTreeSet::new();
    while let Some((name, version)) = packages.pop() {
        let key = format!("/{name}@{version}");
        if !seen.insert(key.clone()) {
            continue;
        }
        let plain = version.split('(').next().unwrap_or(&version).to_string();
        out.insert((name, plain));
        let p = (lock.packages.get(&key)).unwrap_or_else(|| panic!("no {key} in pnpm-lock.yaml"));
        for (n, v) in p.dependencies.iter().chain(&p.optional) {
            packages.push((n.clone(), v.clone()));
        }
    }
    out
}

/// `dir/rel` with `..` resolved (workspace-relative; the root is `.`).
fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Run inside an image: `name@version` of every real folder (symlinks are not followed: each
/// copy once) under /app whose parent is a `node_modules` (or a scope in one), one a line.
const INVENTORY: &str = r#"
const fs = require("node:fs"), path = require("node:path");
const isPkgDir = (p) => {
  const parent = path.basename(path.dirname(p));
  const grand = path.basename(path.dirname(path.dirname(p)));
  return parent === "node_modules" || (parent.startsWith("@") && grand === "node_modules");
};
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const p = path.join(dir, e.name);
    const pj = path.join(p, "package.json");
    if (isPkgDir(p) && fs.existsSync(pj)) {
      const j = JSON.parse(fs.readFileSync(pj, "utf8"));
      console.log(`${j.name}@${j.version}`);
    }
    walk(p);
  }
};
walk("/app");
"#;

/// Run inside the image as its user: loads the entry file (the service listens on PORT),
/// then asks it for `/` until it answers, prints the body and exits.
const START_AND_ASK: &str = r#"
const http = require("node:http");
require(process.argv[1]);
const ask = (n) => http.get(`http://127.0.0.1:${process.env.PORT}/`, (res) => {
  let body = "";
  res.on("data", (c) => (body += c));
  res.on("end", () => { console.log(`answer ${res.statusCode} ${body}`); process.exit(0); });
}).on("error", () => (n > 0 ? setTimeout(() => ask(n - 1), 200) : process.exit(3)));
ask(100);
"#;

fn run(container: &str, user: Option<&str>, env: &[String], args: &[&str]) -> String {
    let mut all = vec!["run", "--isolation", "chroot"];
    if let Some(u) = user {
        all.extend(["--user", u]);
    }
    for e in env {
        all.extend(["-e", e.as_str()]);
    }
    all.push(container);
    all.push("--");
    all.extend_from_slice(args);
    let o = buildah(&all);
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The (name, version) pairs an inventory printed.
fn installed(inventory: &str) -> BTreeSet<(String, String)> {
    inventory
        .lines()
        .filter_map(|l| l.rsplit_once('@'))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .filter(|(n, _)| !n.starts_with("@fleet/") && !LOCAL_FOLDERS.contains(&n.as_str()))
        .collect()
}

fn bud(root: &Path, dockerfile: &str, image: &str, target: Option<&str>) {
    let dockerfile = root.join(dockerfile);
    let mut args = vec![
        "bud",
        "--isolation",
        "chroot",
        "--layers=false",
        "--pull=never",
    ];
    if let Some(t) = target {
        args.extend(["--target", t]);
    }
    args.extend(["-f", dockerfile.to_str().unwrap(), "-t", image]);
    args.push(root.to_str().unwrap());
    buildah(&args);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(43117)
}

fn picked() -> Vec<&'static str> {
    match std::env::var("ISOGEN_FLEET_SERVICES").ok().as_deref() {
        Some("all") => SERVICES.to_vec(),
        Some(list) => (SERVICES.iter().copied())
            .filter(|s| list.split(',').any(|p| p.trim() == *s))
            .collect(),
        None => DEFAULT_SERVICES.to_vec(),
    }
}

/// Builds `service` (its deps stage, then the image) and checks it against `lock`.
fn check_service(root: &Path, lock: &Lockfile, service: &str) {
    let dir = format!("services/{service}");
    let dockerfile = format!("{dir}/Dockerfile");
    let image = format!("localhost/isogen-gen/fleet-{service}");

    // The deps stage: the service's closure with its and its packages' devDependencies, and
    // the root's (typescript), nothing another service alone needs.
    let deps_image = format!("{image}-deps");
    bud(root, &dockerfile, &deps_image, Some("deps"));
    let c = container(&deps_image);
    let deps_inventory = run(&c, None, &[], &["node", "-e", INVENTORY]);
    buildah(&["rm", &c]);
    buildah(&["rmi", &deps_image]);
    let deps_expected = closure(lock, &[".", &dir], true);
    assert_eq!(
        installed(&deps_inventory),
        deps_expected,
        "{service}: the deps stage differs from the service's locked closure (dev included)"
    );

    bud(root, &dockerfile, &image, None);
    let cmd = config(&image)["Cmd"].clone();
    let entry = cmd[1].as_str().unwrap().to_string();
    let c = container(&image);
    let inventory = run(&c, None, &[], &["node", "-e", INVENTORY]);
    let head = run(&c, None, &[], &["head", "-n", "1", &entry]);
    let port = free_port();
    let answer = run(
        &c,
        Some("10001:10001"),
        &[format!("PORT={port}")],
        &["node", "-e", START_AND_ASK, &entry],
    );
    buildah(&["rm", &c]);
    let tmp = tempfile::tempdir().unwrap();
    let verified = export_and_verify(&image, root, &tmp.path().join("image.tar"));
    buildah(&["rmi", &image]);

    let expected = closure(lock, &[&dir], false);
    let found = installed(&inventory);
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{service}: the image differs from pnpm-lock.yaml:\n  missing {missing:?}\n  not locked for it {extra:?}\n{inventory}"
    );
    assert!(
        answer.contains(&format!("answer 200 {{\"service\":\"{service}\"")),
        "{service} did not answer:\n{answer}"
    );
    if service == "notify" {
        // Built by the repository's script, which stamps its banner on the entry.
        assert!(head.contains("built by the fleet build script"), "{head}");
    }
    if let Err(report) = verified {
        panic!("{service}: {report}");
    }
}

#[test]
#[ignore = "slow: builds images with buildah and installs from the npm registry"]
fn hoisted_fleet_services_build_hold_their_locked_closure_start_and_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(FIXTURE);
    let stderr = generated_fixture(FIXTURE, &root);
    for named in ["`node-linker = hoisted`", "`ignore-scripts = true`"] {
        assert!(
            stderr.contains(named),
            "generate did not name {named}:\n{stderr}"
        );
    }
    let lock: Lockfile =
        serde_saphyr::from_str(&std::fs::read_to_string(root.join("pnpm-lock.yaml")).unwrap())
            .unwrap();
    for service in picked() {
        check_service(&root, &lock, service);
    }
}

#[test]
fn the_v6_closure_is_the_service_alone() {
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
    let names = |importers: &[&str], dev: bool| -> Vec<String> {
        (closure(&lock, importers, dev).into_iter())
            .map(|(n, v)| format!("{n}@{v}"))
            .collect()
    };
    // orders: its own uuid@8 (the one a hoisted install nests), ms through @fleet/config.
    assert_eq!(
        names(&["services/orders"], false),
        ["ms@2.1.3", "uuid@8.3.2"]
    );
    assert_eq!(
        names(&["services/notify"], false),
        ["escape-html@1.0.3", "ms@2.1.3"]
    );
    assert_eq!(
        names(&[".", "services/notify"], true),
        [
            "@types/escape-html@1.0.4",
            "@types/node@20.12.7",
            "escape-html@1.0.3",
            "ms@2.1.3",
            "typescript@5.4.5",
            "undici-types@5.26.5"
        ]
    );
}
