//! The proof that matters, on a second workspace: the Dockerfiles isogen generates for
//! tests/fixtures/pnpm-ts (`catalog:` specs, a `workspace:` alias, an ESM-only `exports`
//! package, a `prepare` script) build with buildah, their services start, every internal
//! package resolves in the image, and `isogen verify` passes the exported images.
//!
//! There is one harness for this, `cargo xtask e2e` (xtask/src/e2e.rs); this test only runs it
//! on the fixture, so the two never drift:
//!
//! ```sh
//! cargo xtask e2e --workspace tests/fixtures/pnpm-ts --generate --no-variants
//! cargo test --test it buildah::node -- --ignored --nocapture    # the same
//! ```
//!
//! The real workspaces of tests/fixtures/PNPM-WORKSPACES.md are built below, each service
//! started with what it must print and the modules it must import checked by name
//! (`ISOGEN_FIXTURES=pnpm8-nested,pnpm9-esm` picks some).
//!
//! Slow (minutes: pnpm builds against the registry) and needs buildah, so it is ignored by
//! default and not part of `.ci/run`. The fixture's images are
//! `localhost/isogen-e2e/ws-pnpm-ts/<service>` (outputs in target/e2e/workspaces/pnpm-ts/), the
//! real workspaces' `localhost/isogen-gen/<fixture>-<service>`, removed once checked.

use std::path::Path;
use std::process::Command;

use super::support::{build, buildah, config, container, export_and_verify};

/// `cargo xtask e2e --workspace tests/fixtures/<fixture> --generate` (build, start, health,
/// internal packages resolved in the image, `isogen verify`), with `build_args` given to every
/// build (`ISOGEN_E2E_BUILD_ARGS`); asserts it passed.
fn e2e_generated(fixture: &str, build_args: Option<&str>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["xtask", "e2e", "--workspace"])
        .arg(root.join("tests/fixtures").join(fixture))
        .args(["--generate", "--no-variants", "--only", "pnpm"])
        .current_dir(root);
    if let Some(args) = build_args {
        command.env("ISOGEN_E2E_BUILD_ARGS", args);
    }
    let status = command.status().expect("cargo runs");
    assert!(
        status.success(),
        "cargo xtask e2e on tests/fixtures/{fixture} failed"
    );
}

/// The build argument that lets Prisma's generate run without binaries.prisma.sh.
const OFFLINE_PRISMA: Option<&str> = Some("PRISMA_SCHEMA_ENGINE_BINARY=/bin/true");

#[test]
#[ignore = "slow: builds images with buildah (cargo xtask e2e on the fixture)"]
fn generated_dockerfiles_build_and_their_services_start() {
    e2e_generated("pnpm-ts", None);
}

/// Real workspaces whose services listen on `PORT` and answer 200 on `/healthz`: the same
/// `cargo xtask e2e --workspace DIR --generate` as pnpm-ts (build, start, health, internal
/// packages resolved in the image, `isogen verify`). `ISOGEN_FIXTURES` picks some.
const SERVED: &[&str] = &["pnpm9-shop", "pnpm9-cjs-backend"];

#[test]
#[ignore = "slow: builds images with buildah (cargo xtask e2e on each fixture)"]
fn served_workspaces_build_start_answer_health_and_verify() {
    let only = std::env::var("ISOGEN_FIXTURES").ok();
    for fixture in SERVED {
        if only
            .as_deref()
            .is_some_and(|o| !o.split(',').any(|f| f.trim() == *fixture))
        {
            continue;
        }
        e2e_generated(fixture, None);
    }
}

/// tests/fixtures/pnpm9-runfiles: run-time files and start commands. `notes` (Prisma 7,
/// `prisma-client` generator with a custom output, compiled by tsc; applies
/// `prisma/migrations` at start), `orders` (Prisma 7 `prisma-client-js` with the default
/// output, staged into its `node_modules/.prisma`), `ledger` (`node lib/migrate.js && node
/// lib/server.js`: a shell that runs the migration, then execs the server; `migrations/`
/// shipped because the start command migrates), `pages` (`assets` and a `-r` preload). Each
/// must start, answer 200 on `/healthz` (which fails unless its run-time files are there), and
/// pass `isogen verify --workspace` on its export.
///
/// The build host reaches the npm registry only, not binaries.prisma.sh: the builds get
/// `--build-arg PRISMA_SCHEMA_ENGINE_BINARY=/bin/true` (the generated Dockerfiles declare that
/// `ARG`; `prisma generate` does not run the schema engine, and Prisma 7 needs no other engine).
#[test]
#[ignore = "slow: builds images with buildah (cargo xtask e2e on the fixture)"]
fn run_time_files_and_start_commands_build_start_and_verify() {
    e2e_generated("pnpm9-runfiles", OFFLINE_PRISMA);
}

/// tests/fixtures/pnpm9-prisma-cli: Prisma 7 with the `prisma` CLI a production dependency and
/// `files: ["prisma", "prisma.config.ts", "dist"]` (shaped like hoppscotch's backend). The
/// client is generated in the build stage (`prisma.config.ts` reads `env("DATABASE_URL")`,
/// which the build gives a placeholder), the production install carries the CLI, and the
/// image ships `prisma/` and `prisma.config.ts` beside `dist/`. The server applies
/// `prisma/migrations` itself and answers 200 on `/healthz` only through the generated client,
/// so a missing client or migration folder fails the start; the export must pass `isogen
/// verify --workspace` (the published config is not a source left in). The same offline
/// `PRISMA_SCHEMA_ENGINE_BINARY` build argument as pnpm9-runfiles.
#[test]
#[ignore = "slow: builds an image with buildah (cargo xtask e2e on the fixture)"]
fn a_production_prisma_cli_builds_starts_and_verifies() {
    e2e_generated("pnpm9-prisma-cli", OFFLINE_PRISMA);
}

/// tests/fixtures/pnpm9-entrypoint: `"start": "sh ./entrypoint.sh"`, a script that runs a
/// dependency's tool by its bin name (`migrate-db up migrations`: found on PATH, which the
/// image sets to the service's node_modules/.bin first), a `node` step, then `exec node
/// lib/server.js`. The image must ship the script and the migrations, start, answer 200 on
/// `/healthz` (only once both steps ran), and pass `isogen verify --workspace` (which reads
/// the script through to the node it execs).
#[test]
#[ignore = "slow: builds an image with buildah (cargo xtask e2e on the fixture)"]
fn an_entrypoint_script_builds_runs_its_steps_and_verifies() {
    e2e_generated("pnpm9-entrypoint", None);
}

// ---------------------------------------------------------------------------------------------
// The real pnpm workspaces of tests/fixtures/PNPM-WORKSPACES.md: every service built, started,
// its internal packages imported inside the image, and the exported archive verified.

/// A service of a real workspace: its folder, a line its entry prints with ISOGEN_SMOKE=1, and
/// the modules that must resolve from its folder inside the image.
struct RealService {
    dir: &'static str,
    prints: &'static str,
    modules: &'static [&'static str],
}

const REAL: &[(&str, &[RealService])] = &[
    (
        "pnpm10-apps-libs",
        &[
            RealService {
                dir: "apps/api",
                prints: "api listening on 3000 with 1 item",
                modules: &["@acme/store", "@acme/log", "@acme/config"],
            },
            RealService {
                dir: "apps/reporter",
                prints: "report done at level info",
                modules: &["@acme/log", "@acme/config"],
            },
        ],
    ),
    (
        "pnpm8-nested",
        &[
            RealService {
                dir: "packages/platform/services/gateway",
                prints: "GATEWAY UP ON /HEALTH-CHECK!",
                modules: &["@nested/http", "@nested/strings"],
            },
            RealService {
                dir: "packages/platform/services/notifier",
                prints: "notifier polling /pending-messages every 5 seconds",
                modules: &["@nested/http"],
            },
        ],
    ),
    (
        "pnpm9-peers",
        &[
            RealService {
                dir: "services/orders",
                prints: "orders ready, core 2.3.0",
                // corp-core only under its alias `core`: the image keeps pnpm's layout, where
                // a package resolves only by the names its package.json declares.
                modules: &["core", "logger", "@corp/metrics"],
            },
            RealService {
                dir: "services/audit",
                prints: "audit trail on, retention 30 days (core 2.3.0)",
                modules: &["@corp/log", "corp-core"],
            },
        ],
    ),
    (
        "pnpm9-esm",
        &[
            RealService {
                dir: "services/public/web",
                prints: "web: hello db at postgres:, cache ttl 2 minutes",
                modules: &["@esm/db", "@esm/kit", "@esm/kit/time"],
            },
            RealService {
                dir: "services/internal/jobs",
                prints: "jobs: hello jobs via kit, every 1 hour",
                modules: &["@esm/kit", "@esm/kit/time"],
            },
        ],
    ),
    (
        "pnpm9-shared-cycle",
        &[RealService {
            dir: "packages/gateway",
            prints: "gateway saved an event through db and queue",
            // db <-> queue is a cycle of links; queue loads validation by relative path.
            modules: &["@cyc/db"],
        }],
    ),
    (
        "pnpm10-root-link",
        &[RealService {
            dir: "apps/api",
            prints: "api: one sdk true, 42 is a number: true",
            // The SDK is a link to the root's own install: one copy for the service and
            // @rl/shared.
            modules: &["@rl/shared", "is-number"],
        }],
    ),
    (
        "pnpm10-turbo-lint",
        &[RealService {
            dir: "apps/api",
            // Its build lints against the root's turbo.json (eslint-plugin-turbo).
            prints: "api: linted against turbo.json, mode production",
            modules: &[],
        }],
    ),
    (
        "pnpm9-split-lock",
        &[RealService {
            dir: "services/api",
            prints: "api 1 minute",
            modules: &["@split/util"],
        }],
    ),
];

pub(super) fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_entry(|e| e.file_name() != "node_modules")
    {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// Builds, starts, probes and verifies one service of a generated workspace at `root`.
fn build_run_verify(root: &Path, fixture: &str, svc: &RealService, out: &Path) {
    let name = svc.dir.rsplit('/').next().unwrap();
    let image = format!("localhost/isogen-gen/{fixture}-{name}");
    let dockerfile = format!("{}/Dockerfile", svc.dir);
    build(root, &dockerfile, &image);
    let cmd: Vec<String> = serde_json::from_value(config(&image)["Cmd"].clone()).unwrap();
    let container = container(&image);
    let run = |args: &[&str]| {
        let mut all = vec!["run", "--isolation", "chroot", "-e", "ISOGEN_SMOKE=1"];
        all.push(&container);
        all.push("--");
        all.extend_from_slice(args);
        buildah(&all)
    };
    let text = |o: std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();
    let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
    // What the service printed, on either stream.
    let started = {
        let o = run(&cmd);
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let script = format!(
        "for (const m of {}) await import(m); console.log('resolved', {})",
        serde_json::to_string(svc.modules).unwrap(),
        svc.modules.len()
    );
    let resolved = text(run(&["node", "--input-type=module", "-e", &script]));
    let user = text(run(&["id", "-u"]));
    let archive = out.join(format!("{fixture}-{name}.docker.tar"));
    let verified = export_and_verify(&image, root, &archive);
    buildah(&["rm", &container]);
    buildah(&["rmi", &image]);
    println!("{fixture}/{name}: {}", started.trim());
    assert!(started.contains(svc.prints), "{fixture}/{name}: {started}");
    assert_eq!(resolved.trim(), format!("resolved {}", svc.modules.len()));
    assert_eq!(user.trim(), "10001");
    match verified {
        Ok(report) => println!("{report}"),
        Err(report) => panic!("{fixture}/{name}: {report}"),
    }
}

#[test]
#[ignore = "slow: builds twelve images with buildah"]
fn real_workspaces_build_run_and_verify() {
    // ISOGEN_FIXTURES=pnpm8-nested,pnpm9-esm builds only those.
    let only = std::env::var("ISOGEN_FIXTURES").ok();
    for (fixture, services) in REAL {
        if only
            .as_deref()
            .is_some_and(|o| !o.split(',').any(|f| f.trim() == *fixture))
        {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        // A path with spaces on the way, as on many laptops.
        let root = tmp.path().join("work space").join(fixture);
        copy_tree(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(fixture),
            &root,
        );
        let status = Command::new(env!("CARGO_BIN_EXE_isogen"))
            .arg("generate")
            .arg(&root)
            .status()
            .unwrap();
        assert!(status.success(), "{fixture}: generate failed");
        for svc in *services {
            build_run_verify(&root, fixture, svc, tmp.path());
        }
    }
}
