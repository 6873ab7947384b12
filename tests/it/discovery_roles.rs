//! Which packages are services, wherever they sit (`web/`, `worker/` at the root), and
//! `isogen list`, which shows every package's role and the reason.

use std::path::Path;

use assert_cmd::Command;

fn isogen() -> Command {
    Command::cargo_bin("isogen").unwrap()
}

fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// Root-level `web/` and `worker/` with start scripts, a library, a CLI and a Next.js app.
const ROOT_LAYOUT: &[(&str, &str)] = &[
    (
        "package.json",
        r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
    ),
    ("pnpm-workspace.yaml", "packages:\n  - '*'\n  - tools/*\n"),
    ("pnpm-lock.yaml", "lockfileVersion: '9.0'\nimporters:\n  .: {}\n  web: {}\n  worker: {}\n  lib: {}\n  site: {}\n  tools/cli: {}\n"),
    (
        "web/package.json",
        r#"{"name":"@r/web","version":"1.0.0","scripts":{"start":"node server.js"}}"#,
    ),
    ("web/server.js", crate::SERVE_CJS),
    (
        "worker/package.json",
        r#"{"name":"@r/worker","version":"1.0.0","scripts":{"start:prod":"NODE_ENV=production node main.js","dev":"nodemon main.js"}}"#,
    ),
    ("worker/main.js", crate::SERVE_CJS),
    (
        "lib/package.json",
        r#"{"name":"@r/lib","version":"1.0.0","main":"index.js"}"#,
    ),
    ("lib/index.js", ""),
    (
        "site/package.json",
        r#"{"name":"@r/site","version":"1.0.0","scripts":{"dev":"vite"}}"#,
    ),
    (
        "tools/cli/package.json",
        r#"{"name":"@r/cli","version":"1.0.0","bin":"./cli.js","scripts":{"start":"node cli.js"}}"#,
    ),
    ("tools/cli/cli.js", ""),
];

fn service_names(dir: &Path) -> Vec<String> {
    let out = isogen()
        .args(["plan"])
        .arg(dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan: serde_json::Value = serde_json::from_slice(&out).unwrap();
    plan["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn packages_with_a_start_command_anywhere_are_services_and_libraries_are_not() {
    let ws = workspace(ROOT_LAYOUT);
    assert_eq!(service_names(ws.path()), ["web", "worker"]);
    // `[workspace] services` still replaces the rule.
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nservices = [\"web\"]\n",
    )
    .unwrap();
    assert_eq!(service_names(ws.path()), ["web"]);
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nnot_services = [\"worker\"]\n",
    )
    .unwrap();
    assert_eq!(service_names(ws.path()), ["web"]);
}

fn list(dir: &Path, args: &[&str]) -> String {
    let out = isogen()
        .current_dir(dir)
        .arg("list")
        .args(args)
        .assert()
        .success()
        .get_output()
        .clone();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn list_shows_every_package_with_its_role_and_reason() {
    let ws = workspace(ROOT_LAYOUT);
    insta::assert_snapshot!("list_root_layout", list(ws.path(), &[]));
    insta::assert_snapshot!(
        "list_root_layout_json",
        list(ws.path(), &["--format", "json"])
    );
    // A Next.js app is a service candidate that generate refuses, with generate's reason.
    std::fs::write(
        ws.path().join("site/package.json"),
        r#"{"name":"@r/site","version":"1.0.0","scripts":{"start":"next start"}}"#,
    )
    .unwrap();
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nnot_services = [\"worker\"]\n",
    )
    .unwrap();
    insta::assert_snapshot!("list_root_layout_refused", list(ws.path(), &[]));
}

#[test]
fn list_on_the_fixtures_and_the_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in [
        "services-example",
        "tests/fixtures/cargo-mixed",
        "tests/fixtures/cargo-engine",
        "tests/fixtures/cargo-directory",
        "tests/fixtures/cargo-nested",
        "tests/fixtures/cargo-relay",
        "tests/fixtures/cargo-thin",
        "tests/fixtures/cargo-store",
        "tests/fixtures/cargo-cluster",
        "tests/fixtures/cargo-sockets",
        "tests/fixtures/cargo-p2p",
        "tests/fixtures/cargo-ntp",
        "tests/fixtures/cargo-burrow",
        "tests/fixtures/cargo-resolver",
        "tests/fixtures/cargo-gateway",
        "tests/fixtures/pnpm10-apps-libs",
        "tests/fixtures/pnpm9-shop",
    ] {
        let name = format!("list_{}", dir.rsplit('/').next().unwrap());
        insta::assert_snapshot!(name, list(root, &[dir]));
    }
}

/// `apps/*` as karakeep and postiz have them: a server with a start script, a CLI and an MCP
/// server that only declare a `bin` (no script starts them), an SDK published from `apps/sdk`
/// (`main` and `types`, no start), and a job run through its `bin`.
const APPS_LAYOUT: &[(&str, &str)] = &[
    (
        "package.json",
        r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
    ),
    ("pnpm-workspace.yaml", "packages:\n  - apps/*\n"),
    ("pnpm-lock.yaml", "lockfileVersion: '9.0'\nimporters:\n  .: {}\n  apps/api: {}\n  apps/cli: {}\n  apps/mcp: {}\n  apps/sdk: {}\n  apps/reporter: {}\n"),
    (
        "apps/api/package.json",
        r#"{"name":"@k/api","version":"1.0.0","scripts":{"start":"node server.js"}}"#,
    ),
    ("apps/api/server.js", crate::SERVE_CJS),
    (
        "apps/cli/package.json",
        r#"{"name":"@k/cli","version":"1.0.0","bin":{"k":"dist/index.mjs"},"scripts":{"run":"tsx src/index.ts"}}"#,
    ),
    (
        "apps/mcp/package.json",
        r#"{"name":"@k/mcp","version":"1.0.0","bin":{"k-mcp":"dist/index.js"}}"#,
    ),
    (
        "apps/sdk/package.json",
        r#"{"name":"@k/node","version":"1.0.8","main":"dist/index.js","types":"dist/index.d.ts","files":["dist"],"scripts":{"publish":"tsup && pnpm publish"}}"#,
    ),
    (
        "apps/reporter/package.json",
        r#"{"name":"reporter","version":"0.1.0","bin":{"reporter":"./bin/reporter.js"}}"#,
    ),
    ("apps/reporter/bin/reporter.js", ""),
];

#[test]
fn a_cli_or_a_library_in_apps_that_nothing_starts_gets_no_dockerfile() {
    let ws = workspace(APPS_LAYOUT);
    assert_eq!(service_names(ws.path()), ["api", "mcp", "reporter"]);
    let out = list(ws.path(), &[]);
    let row = |folder: &str| {
        out.lines()
            .find(|l| l.contains(folder))
            .unwrap_or_else(|| panic!("no {folder} in {out}"))
            .to_string()
    };
    assert!(row("apps/cli").starts_with("tool"), "{out}");
    assert!(
        row("apps/cli").contains("its name `cli` says it is a tool"),
        "{out}"
    );
    assert!(row("apps/sdk").starts_with("not a service"), "{out}");
    assert!(
        row("apps/sdk").contains("a library: no start command"),
        "{out}"
    );
    // `[workspace] services` makes them services all the same.
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nservices = [\"apps/*\"]\n",
    )
    .unwrap();
    assert_eq!(
        service_names(ws.path()),
        ["api", "cli", "mcp", "reporter", "sdk"]
    );
}

/// jitsu's layout: a Next.js app in `webapps/` whose only production start is `console:start`
/// (`next start`), and an end-to-end test package that depends on it.
const NAMED_NEXT_START: &[(&str, &str)] = &[
    (
        "package.json",
        r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
    ),
    ("pnpm-workspace.yaml", "packages:\n  - webapps/*\n  - e2e\n"),
    (
        "pnpm-lock.yaml",
        "lockfileVersion: '9.0'\nimporters:\n  .: {}\n  webapps/console: {}\n  e2e: {}\n",
    ),
    (
        "webapps/console/package.json",
        r#"{"name":"@j/console","version":"1.0.0","scripts":{"console:dev":"next dev","console:start":"next start","build":"next build"},"dependencies":{"next":"14.2.3"}}"#,
    ),
    (
        "e2e/package.json",
        r#"{"name":"@j/e2e","version":"1.0.0","scripts":{"test":"playwright test"},"dependencies":{"@j/console":"workspace:*"}}"#,
    ),
];

#[test]
fn a_next_app_started_by_a_script_of_its_own_name_is_a_service() {
    let ws = workspace(NAMED_NEXT_START);
    assert_eq!(service_names(ws.path()), ["console"]);
    let listed = list(ws.path(), &[]);
    assert!(
        listed.contains("its `console:start` script runs `next start` (a Next.js app)"),
        "{listed}"
    );
}

/// karakeep's and jitsu's front ends: in `apps/`, a browser extension and a static Astro site
/// (built, never started: no start script, `main` or `bin`) beside a server; in `webapps/`, a
/// Next.js app deployed on Vercel (`next build`, no `next start`).
const FRONT_ENDS: &[(&str, &str)] = &[
    (
        "package.json",
        r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
    ),
    ("pnpm-workspace.yaml", "packages:\n  - apps/*\n  - webapps/*\n"),
    (
        "pnpm-lock.yaml",
        "lockfileVersion: '9.0'\nimporters:\n  .: {}\n  apps/api: {}\n  apps/browser-extension:\n    devDependencies:\n      vite:\n        specifier: 5.0.0\n        version: 5.0.0\n  apps/landing:\n    dependencies:\n      astro:\n        specifier: 4.0.0\n        version: 4.0.0\n  webapps/ee-api:\n    dependencies:\n      next:\n        specifier: 14.2.3\n        version: 14.2.3\n",
    ),
    (
        "apps/api/package.json",
        r#"{"name":"@k/api","version":"1.0.0","scripts":{"start":"node server.js"}}"#,
    ),
    ("apps/api/server.js", crate::SERVE_CJS),
    (
        "apps/browser-extension/package.json",
        r#"{"name":"@k/browser-extension","version":"1.0.0","type":"module","scripts":{"dev":"vite","build":"tsc && vite build"},"devDependencies":{"vite":"5.0.0"}}"#,
    ),
    (
        "apps/landing/package.json",
        r#"{"name":"@k/landing","version":"1.0.0","type":"module","scripts":{"dev":"astro dev","build":"astro build","preview":"astro preview"},"dependencies":{"astro":"4.0.0"}}"#,
    ),
    (
        "webapps/ee-api/package.json",
        r#"{"name":"@j/ee-api","version":"1.0.0","scripts":{"dev":"next dev","build":"next build"},"dependencies":{"next":"14.2.3"}}"#,
    ),
];

#[test]
fn a_front_end_that_nothing_starts_is_not_a_service_and_blocks_nothing() {
    let ws = workspace(FRONT_ENDS);
    assert_eq!(service_names(ws.path()), ["api"]);
    insta::assert_snapshot!("list_front_ends", list(ws.path(), &[]));
    isogen().arg("generate").arg(ws.path()).assert().success();
    assert!(ws.path().join("apps/api/Dockerfile").is_file());
    assert!(!ws.path().join("apps/browser-extension/Dockerfile").exists());
    // Listed in `[workspace] services`, it is a service again, refused with the fixes.
    std::fs::remove_file(ws.path().join("apps/api/Dockerfile")).unwrap();
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nservices = [\"apps/*\"]\n",
    )
    .unwrap();
    let out = isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(
        err.contains("the service `browser-extension` has no entry"),
        "{err}"
    );
    assert!(!ws.path().join("apps/api/Dockerfile").exists());
}

/// As `isogen list formbricks` showed `@formbricks/database` as `@database` and, run inside
/// the repository, `'../../types/common'` as `'..types/common'`: the workspace folder comes
/// off the paths of a refused service's reason, never off package names or specifiers.
#[test]
fn list_keeps_package_names_and_specifiers_whole_in_a_refusal() {
    let ws = workspace(&[
        (
            "acme/package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
        ),
        (
            "acme/pnpm-workspace.yaml",
            "packages:\n  - apps/*\n  - packages/*\n",
        ),
        ("acme/pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
        (
            "acme/packages/lib/package.json",
            r#"{"name":"@acme/lib","version":"1.0.0","main":"dist/index.js","scripts":{"build":"tsc"}}"#,
        ),
        ("acme/packages/lib/src/index.ts", "export const x = 1;\n"),
        (
            "acme/apps/api/package.json",
            r#"{"name":"@acme/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc","start":"node dist/main.js"},"dependencies":{"@acme/lib":"workspace:*"}}"#,
        ),
        (
            "acme/apps/api/src/main.ts",
            "import { x } from '../../../packages/lib/src/index';\nconsole.log(x);\n",
        ),
    ]);
    let from_outside = list(ws.path(), &["acme"]);
    let from_inside = list(&ws.path().join("acme"), &[]);
    for text in [&from_outside, &from_inside] {
        assert!(
            text.contains("apps/api/src/main.ts:1: '../../../packages/lib/src/index' reaches packages/lib/src/index, a file `@acme/lib` does not ship"),
            "{text}"
        );
    }
}

/// Front ends whose start script serves their build with a preview, development or static
/// file server (Vite's docs: `vite preview` is not designed as a production server): in
/// `apps/` and at the root, beside a server.
const STATIC_FRONT_ENDS: &[(&str, &str)] = &[
    (
        "package.json",
        r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
    ),
    ("pnpm-workspace.yaml", "packages:\n  - apps/*\n  - admin\n"),
    (
        "pnpm-lock.yaml",
        "lockfileVersion: '9.0'\nimporters:\n  .: {}\n  admin: {}\n  apps/api: {}\n  apps/docs: {}\n  apps/spa: {}\n  apps/web: {}\n",
    ),
    (
        "apps/api/package.json",
        r#"{"name":"@s/api","version":"1.0.0","scripts":{"start":"node server.js"}}"#,
    ),
    ("apps/api/server.js", crate::SERVE_CJS),
    (
        "apps/web/package.json",
        r#"{"name":"@s/web","version":"1.0.0","type":"module","scripts":{"dev":"vite","build":"tsc -b && vite build","start":"vite preview --host 0.0.0.0 --port 4173"}}"#,
    ),
    (
        "apps/docs/package.json",
        r#"{"name":"@s/docs","version":"1.0.0","type":"module","scripts":{"dev":"astro dev","build":"astro build","start":"astro preview"}}"#,
    ),
    (
        "apps/spa/package.json",
        r#"{"name":"@s/spa","version":"1.0.0","scripts":{"build":"react-scripts build","start":"npx serve -s build -l 3000"}}"#,
    ),
    (
        "admin/package.json",
        r#"{"name":"@s/admin","version":"1.0.0","scripts":{"build":"vite build","start":"pnpm run preview","preview":"vite preview"}}"#,
    ),
];

#[test]
fn a_front_end_served_by_a_preview_or_file_server_is_not_a_service_and_blocks_nothing() {
    let ws = workspace(STATIC_FRONT_ENDS);
    assert_eq!(service_names(ws.path()), ["api"]);
    insta::assert_snapshot!("list_static_front_ends", list(ws.path(), &[]));
    let out = isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(ws.path().join("apps/api/Dockerfile").is_file());
    for dir in ["apps/web", "apps/docs", "apps/spa", "admin"] {
        assert!(!ws.path().join(dir).join("Dockerfile").exists(), "{dir}");
    }
    // Not services, so no warning about a start script isogen could not read.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("is not a start command isogen reads"),
        "{err}"
    );
    // Listed in `[workspace] services`, one is refused naming what it is.
    std::fs::remove_file(ws.path().join("apps/api/Dockerfile")).unwrap();
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nservices = [\"apps/api\", \"apps/web\"]\n",
    )
    .unwrap();
    let out = isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(
        err.contains("apps/web/package.json: `web` is listed in [workspace] services")
            && err.contains("a static front end: its `start` script runs `vite preview`"),
        "{err}"
    );
    assert!(!ws.path().join("apps/api/Dockerfile").exists());
}

/// Cargo programs on plain sockets, no server framework (mini-redis', bore's and hickory's
/// resolver tools' shapes): a key-value store whose `kv-server` binary calls
/// `TcpListener::bind` beside its `kv-cli`, a relay whose `relay-server` needs a subcommand, a
/// tunnel whose one binary listens through a workspace library, and a resolver CLI that only
/// binds a UDP socket to send queries (its listener is in a test module). `kv-server` is a
/// service: its name says it serves, it listens, and it runs with no argument (mini-redis's
/// `mini-redis-server` was a tool, and `generate` refused the repository). The others stay
/// tools (a server on plain sockets often needs a subcommand or a config file to serve, and
/// some are CLIs with a server mode), and those that listen say where, with how to make one a
/// service.
const PLAIN_SOCKETS: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        "[workspace]\nmembers = [\"kv\", \"relay\", \"tunnel\", \"tunnel-net\", \"resolve\"]\nresolver = \"2\"\n",
    ),
    ("Cargo.lock", "version = 4\n"),
    (
        "kv/Cargo.toml",
        "[package]\nname = \"kv\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[bin]]\nname = \"kv-server\"\npath = \"src/bin/server.rs\"\n\n[[bin]]\nname = \"kv-cli\"\npath = \"src/bin/cli.rs\"\n\n[dependencies]\ntokio = \"1\"\n",
    ),
    (
        "kv/src/bin/server.rs",
        "use tokio::net::TcpListener;\n\n#[tokio::main]\nasync fn main() {\n    let listener = TcpListener::bind(\"0.0.0.0:6379\").await.unwrap();\n    loop { let _ = listener.accept().await; }\n}\n",
    ),
    (
        "kv/src/bin/cli.rs",
        "fn main() { let _ = std::net::TcpStream::connect(\"127.0.0.1:6379\"); }\n",
    ),
    (
        "relay/Cargo.toml",
        "[package]\nname = \"relay\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[bin]]\nname = \"relay-server\"\npath = \"src/main.rs\"\n\n[dependencies]\nclap = { version = \"4\", features = [\"derive\"] }\n",
    ),
    (
        "relay/src/main.rs",
        "use clap::{Parser, Subcommand};\n\n#[derive(Parser)]\nstruct Cli {\n    #[command(subcommand)]\n    command: Command,\n}\n\n#[derive(Subcommand)]\nenum Command {\n    Start { config: String },\n    Check { config: String },\n}\n\nfn main() {\n    if let Command::Start { .. } = Cli::parse().command {\n        let l = std::net::TcpListener::bind(\"0.0.0.0:7000\").unwrap();\n        for _ in l.incoming() {}\n    }\n}\n",
    ),
    (
        "tunnel/Cargo.toml",
        "[package]\nname = \"tunnel\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntunnel-net = { path = \"../tunnel-net\" }\n",
    ),
    (
        "tunnel/src/main.rs",
        "fn main() { tunnel_net::serve(std::env::args().nth(1)); }\n",
    ),
    (
        "tunnel-net/Cargo.toml",
        "[package]\nname = \"tunnel-net\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    ),
    (
        "tunnel-net/src/lib.rs",
        "pub fn serve(addr: Option<String>) {\n    let Some(addr) = addr else { return };\n    let l = std::net::TcpListener::bind(addr).unwrap();\n    for _ in l.incoming() {}\n}\n",
    ),
    (
        "resolve/Cargo.toml",
        "[package]\nname = \"resolve\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    ),
    (
        "resolve/src/main.rs",
        "fn main() {\n    let s = std::net::UdpSocket::bind(\"0.0.0.0:0\").unwrap();\n    s.send_to(b\"q\", \"9.9.9.9:53\").unwrap();\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn answers() { let _ = std::net::TcpListener::bind(\"127.0.0.1:0\"); }\n}\n",
    ),
];

#[test]
fn a_cargo_server_on_plain_sockets_is_a_service_when_its_name_says_so_and_a_tool_that_listens_says_where(
) {
    let ws = workspace(PLAIN_SOCKETS);
    insta::assert_snapshot!("list_plain_sockets", list(ws.path(), &[]));
    let out = isogen()
        .arg("generate")
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(ws.path().join("kv/Dockerfile").is_file(), "{err}");
    let dockerfile = std::fs::read_to_string(ws.path().join("kv/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("CMD [\"/app/kv-server\"]") && !dockerfile.contains("kv-cli\n"),
        "{dockerfile}"
    );
    for dir in ["relay", "tunnel", "resolve"] {
        assert!(!ws.path().join(dir).join("Dockerfile").exists(), "{dir}");
    }
    // `isogen list` names each tool: the listening ones with the site and the fix, not
    // `resolve`.
    let text = list(ws.path(), &[]);
    let row = |pkg: &str| {
        text.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(pkg))
            .unwrap_or_else(|| panic!("no row for {pkg}:\n{text}"))
            .to_string()
    };
    assert!(row("kv").starts_with("service"), "{text}");
    assert!(
        row("kv").contains("the name of `kv-server` says it serves, and it calls `TcpListener::bind` at kv/src/bin/server.rs:5")
            && row("kv").contains("not services: kv-cli"),
        "{text}"
    );
    assert!(
        row("relay").starts_with("tool")
            && row("relay").contains("calls `TcpListener::bind` at relay/src/main.rs:17;"),
        "{text}"
    );
    assert!(
        row("tunnel").starts_with("tool")
            && row("tunnel")
                .contains("calls `TcpListener::bind` at tunnel-net/src/lib.rs:3 in tunnel-net;"),
        "{text}"
    );
    assert!(!row("resolve").contains("calls"), "{text}");
}

/// create-t3-turbo's `apps/expo`: an Expo app whose `main` is its `index.ts` (the React Native
/// bundle's entry) and whose scripts run `expo start`. It was refused as a service whose entry
/// is TypeScript, with `entry = "dist/index.js"` as the fix; it is no service at all, and
/// `isogen list` says what it is.
#[test]
fn an_expo_app_in_apps_is_not_a_service() {
    let ws = workspace(&[
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
        ),
        ("pnpm-workspace.yaml", "packages:\n  - apps/*\n"),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\nimporters:\n  .: {}\n  apps/expo:\n    dependencies:\n      expo:\n        specifier: ~54.0.20\n        version: 54.0.20\n      react-native:\n        specifier: ~0.81.4\n        version: 0.81.4\n  apps/api: {}\n",
        ),
        (
            "apps/expo/package.json",
            r#"{"name":"@acme/expo","private":true,"main":"index.ts","scripts":{"dev":"expo start","android":"expo run:android"},"dependencies":{"expo":"~54.0.20","react-native":"~0.81.4"}}"#,
        ),
        ("apps/expo/index.ts", "import 'expo-router/entry';\n"),
        (
            "apps/api/package.json",
            r#"{"name":"@acme/api","version":"1.0.0","scripts":{"start":"node server.js"}}"#,
        ),
        ("apps/api/server.js", crate::SERVE_CJS),
    ]);
    let out = isogen()
        .arg("list")
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("not a service")
            && l.contains("@acme/expo")
            && l.contains("a React Native app (it depends on `expo`)")),
        "{text}"
    );
    isogen().arg("generate").arg(ws.path()).assert().success();
    assert!(ws.path().join("apps/api/Dockerfile").is_file());
    assert!(!ws.path().join("apps/expo/Dockerfile").exists());
}

/// A vector store shaped like qdrant and a search engine shaped like quickwit: servers whose
/// packages also hold developer binaries that reach the server's modules or library for their
/// types (so their sources name the server's crates) and only print or write a file.
const GENERATORS: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        "[workspace]\nmembers = [\"store\", \"search-cli\", \"search-serve\"]\nresolver = \"2\"\n",
    ),
    ("Cargo.lock", "version = 4\n"),
    (
        "store/Cargo.toml",
        "[package]\nname = \"store\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [[bin]]\nname = \"schema_generator\"\npath = \"src/schema_generator.rs\"\n\n\
         [[bin]]\nname = \"model_testing\"\npath = \"src/model_testing.rs\"\n\
         required-features = [\"service_debug\"]\n\n\
         [[bin]]\nname = \"replica\"\npath = \"src/replica.rs\"\nrequired-features = [\"cluster\"]\n\n\
         [features]\ndefault = [\"full\"]\nfull = [\"cluster\"]\ncluster = []\nservice_debug = []\n\n\
         [dependencies]\nactix-web = \"4\"\n",
    ),
    (
        "store/src/main.rs",
        "mod actix;\nfn main() { actix::serve(); }\n",
    ),
    (
        "store/src/actix/mod.rs",
        "pub fn serve() { actix_web::HttpServer::new(|| actix_web::App::new()); }\n",
    ),
    (
        "store/src/schema_generator.rs",
        "mod actix;\nfn main() { println!(\"{{}}\"); }\n",
    ),
    (
        "store/src/model_testing.rs",
        "mod actix;\nfn main() {}\n",
    ),
    (
        "store/src/replica.rs",
        "mod actix;\nfn main() { actix::serve(); }\n",
    ),
    (
        "search-cli/Cargo.toml",
        "[package]\nname = \"search-cli\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [[bin]]\nname = \"search\"\npath = \"src/main.rs\"\n\n\
         [[bin]]\nname = \"generate_markdown\"\npath = \"src/generate_markdown.rs\"\n\n\
         [dependencies]\nsearch-serve = { path = \"../search-serve\" }\n",
    ),
    ("search-cli/src/lib.rs", "pub mod cli;\n"),
    ("search-cli/src/cli.rs", "pub fn build_cli() {}\n"),
    (
        "search-cli/src/main.rs",
        "fn main() { search_cli::cli::build_cli(); search_serve::serve(); }\n",
    ),
    (
        "search-cli/src/generate_markdown.rs",
        "use search_cli::cli::build_cli;\nuse search_serve::BuildInfo;\n\
         #[tokio::main]\nasync fn main() { build_cli(); println!(\"# search\"); }\n",
    ),
    (
        "search-serve/Cargo.toml",
        "[package]\nname = \"search-serve\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nwarp = \"0.3\"\n",
    ),
    (
        "search-serve/src/lib.rs",
        "pub struct BuildInfo;\npub fn serve() { warp::serve(routes()); }\n",
    ),
];

#[test]
fn generators_and_binaries_behind_non_default_features_are_tools_beside_the_server() {
    let ws = workspace(GENERATORS);
    // `replica` needs `cluster`, which the default features enable (through `full`): a
    // plain `cargo build` builds it, so it stays a service.
    assert_eq!(service_names(ws.path()), ["replica", "search", "store"]);
    insta::assert_snapshot!("list_generators", list(ws.path(), &[]));
}

/// rqbit's shape: a library that starts an axum server (its HTTP API), a thin command-line
/// binary over it (a service), and a Tauri desktop app over the same library, which is no
/// service (a desktop app links the server to run it inside the app).
#[test]
fn a_desktop_app_over_a_server_library_is_not_a_service() {
    let package = |name: &str, deps: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{deps}")
    };
    let ws = workspace(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/torrent\", \"crates/lib\", \"desktop/src-tauri\"]\nresolver = \"2\"\n",
        ),
        ("Cargo.lock", "version = 4\n"),
        ("crates/lib/Cargo.toml", &package("libtorrent", "axum = \"0.8\"\n")),
        (
            "crates/lib/src/lib.rs",
            "pub async fn api(l: tokio::net::TcpListener) { axum::serve(l, router()).await; }\n",
        ),
        (
            "crates/torrent/Cargo.toml",
            &package("torrent", "libtorrent = { path = \"../lib\" }\n"),
        ),
        ("crates/torrent/src/main.rs", "fn main() { libtorrent::api(); }\n"),
        (
            "desktop/src-tauri/Cargo.toml",
            &package(
                "torrent-desktop",
                "tauri = \"2\"\nlibtorrent = { path = \"../../crates/lib\" }\n",
            ),
        ),
        (
            "desktop/src-tauri/src/main.rs",
            "fn main() { tauri::Builder::default().run(); }\n",
        ),
    ]);
    assert_eq!(service_names(ws.path()), ["torrent"]);
    let rows = list(ws.path(), &[]);
    let desktop = rows
        .lines()
        .find(|l| l.contains("torrent-desktop "))
        .unwrap_or_else(|| panic!("{rows}"));
    assert!(desktop.starts_with("tool"), "{desktop}");
    assert!(
        desktop.contains("a desktop app: it depends on tauri"),
        "{desktop}"
    );
}

/// tests/fixtures/pnpm9-desktop-app, shaped like inbox-zero's `apps/desktop`: an Electron app
/// in `apps/` with `"main": "dist/main.js"` and `"start": "electron ."` (electron a
/// devDependency). It is not a service (it was one, with a Dockerfile running its main under
/// `node`), and `list` says why; the API beside it still is.
#[test]
fn an_electron_desktop_app_is_not_a_service() {
    let ws = crate::fixture_copy::copy("pnpm9-desktop-app", false);
    assert_eq!(service_names(ws.path()), ["api"]);
    let text = list(ws.path(), &[]);
    let desktop = text.lines().find(|l| l.contains("@da/desktop")).unwrap();
    assert!(
        desktop.starts_with("not a service")
            && desktop.contains("an Electron desktop app (it depends on `electron`)"),
        "{text}"
    );
    isogen().arg("generate").arg(ws.path()).assert().success();
    assert!(!ws.path().join("apps/desktop/Dockerfile").exists());
    assert!(ws.path().join("apps/api/Dockerfile").exists());
}

/// tests/fixtures/pnpm9-desktop-app's `apps/image-proxy-aws`, shaped like inbox-zero's: an AWS
/// Lambda handler in `apps/` (`src/handler.ts` exports `handler`, `build: tsc`, no start
/// script and no `main`). It was refused for having no entry, which failed the whole run; it
/// is listed as a Lambda handler with the file and line that show it, and gets no Dockerfile.
#[test]
fn an_aws_lambda_handler_is_not_a_service() {
    let ws = crate::fixture_copy::copy("pnpm9-desktop-app", false);
    assert_eq!(service_names(ws.path()), ["api"]);
    let text = list(ws.path(), &[]);
    let row = text
        .lines()
        .find(|l| l.contains("@da/image-proxy-aws"))
        .unwrap();
    assert!(
        row.starts_with("lambda handler")
            && row.contains("an AWS Lambda handler (`src/handler.ts:7` exports `handler`"),
        "{text}"
    );
    isogen().arg("generate").arg(ws.path()).assert().success();
    assert!(!ws.path().join("apps/image-proxy-aws/Dockerfile").exists());
}

/// inbox-zero's web app lists `"google": "link:@next/third-parties/google"`, a module path
/// written as a `link:`: the folder does not exist. The refusal says so and that removing the
/// dependency is the fix (it said to add the folder to the workspace's globs).
#[test]
fn a_link_to_a_folder_that_does_not_exist_is_named_as_such() {
    let ws = crate::fixture_copy::copy("pnpm9-desktop-app", false);
    std::fs::write(
        ws.path().join("apps/api/package.json"),
        r#"{"name":"@da/api","version":"1.0.0","scripts":{"start":"node server.js"},"dependencies":{"google":"link:@next/third-parties/google"}}"#,
    )
    .unwrap();
    let message = "`dependencies.google: link:@next/third-parties/google`: `@next/third-parties/google` is no folder (apps/api/@next/third-parties/google does not exist), so pnpm links a path that is not there and nothing can load `google`; remove the dependency";
    // `list` shows every package, the service refused with the reason.
    let out = isogen().arg("list").arg(ws.path()).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let row = stdout.lines().find(|l| l.contains("@da/api")).unwrap_or("");
    assert!(
        row.starts_with("refused") && row.contains(message),
        "{stdout}"
    );
    let out = isogen().arg("generate").arg(ws.path()).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!("apps/api/package.json: {message}")),
        "{stderr}"
    );
}
