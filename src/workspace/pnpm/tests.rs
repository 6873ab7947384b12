//! Unit tests of pnpm discovery: entries, start scripts, shipped paths, lockfiles, globs.

use super::*;
use serde_json::json;

#[test]
fn exports_entry_forms() {
    assert_eq!(
        exports_entry(&json!("./dist/index.js")).as_deref(),
        Some("dist/index.js")
    );
    assert_eq!(
        exports_entry(&json!({".": "./lib/main.js", "./util": "./lib/util.js"})).as_deref(),
        Some("lib/main.js")
    );
    assert_eq!(
        exports_entry(&json!({"types": "./dist/index.d.ts", "import": "./dist/index.mjs", "require": "./dist/index.cjs"}))
            .as_deref(),
        Some("dist/index.mjs")
    );
    assert_eq!(
        exports_entry(
            &json!({".": {"node": {"import": "./build/node.mjs"}, "default": "./build/browser.js"}})
        )
        .as_deref(),
        Some("build/node.mjs")
    );
    assert_eq!(
        exports_entry(&json!({".": [{"default": "./out/a.js"}, "./out/b.js"]})).as_deref(),
        Some("out/a.js")
    );
    assert_eq!(exports_entry(&json!({"./feature": "./x.js"})), None);
    assert_eq!(exports_entry(&json!({"types": "./x.d.ts"})), None);
}

#[test]
fn the_only_bin_command_is_a_service_entry() {
    let b = |v: Value| bin_entry(&v, "@acme/report");
    assert_eq!(b(json!("./cli.js")).as_deref(), Some("cli.js"));
    assert_eq!(
        b(json!({"reporter": "./bin/reporter.js"})).as_deref(),
        Some("bin/reporter.js")
    );
    assert_eq!(
        b(json!({"report": "bin/a.js", "report-admin": "bin/b.js"})).as_deref(),
        Some("bin/a.js")
    );
    assert_eq!(b(json!({"a": "bin/a.js", "b": "bin/b.js"})), None);
    assert_eq!(b(json!("../outside.js")), None);
    assert_eq!(b(json!(["x"])), None);

    let n = NodePackage {
        out_dir: "dist".into(),
        bin: Some("bin/reporter.js".into()),
        ..Default::default()
    };
    assert_eq!(n.service_entry(), Some("bin/reporter.js"));
    assert_eq!(n.service_out_dir(), "bin");
    let n = NodePackage {
        entry: Some("dist/main.js".into()),
        ..n
    };
    assert_eq!(n.service_entry(), Some("dist/main.js"));
    assert_eq!(n.service_out_dir(), "dist");
    // `npm init` leaves `"main": "index.js"`; the start script says what the service runs.
    let n = NodePackage {
        entry: Some("index.js".into()),
        out_dir: String::new(),
        start_entry: Some("build/main.js".into()),
        ..n
    };
    assert_eq!(n.service_entry(), Some("build/main.js"));
    assert_eq!(n.service_out_dir(), "build");
}

#[test]
fn start_scripts_that_run_node_give_the_entry() {
    let e = |s| start_script_entry(s);
    assert_eq!(e("node dist/main.js").as_deref(), Some("dist/main.js"));
    assert_eq!(
        e("node ./build/server.mjs --port 3000").as_deref(),
        Some("build/server.mjs")
    );
    assert_eq!(
        e("node --enable-source-maps -r dotenv/config dist/index.js").as_deref(),
        Some("dist/index.js")
    );
    assert_eq!(e("node dist"), None);
    assert_eq!(e("tsx src/main.ts"), None);
    assert_eq!(
        e("NODE_ENV=production node dist/main.js").as_deref(),
        Some("dist/main.js")
    );
    assert_eq!(
        e("cross-env NODE_ENV=production node dist/index.js").as_deref(),
        Some("dist/index.js")
    );
    assert_eq!(
        e("dotenv -e ../../.env -- node dist/index.js").as_deref(),
        Some("dist/index.js")
    );
    // Without `--`, dotenv-cli runs the first word after its options.
    assert_eq!(
        e("dotenv -e ../../.env node dist/index.js").as_deref(),
        Some("dist/index.js")
    );
    assert_eq!(
        e("dotenv -e a.env -e b.env -o node dist/index.js").as_deref(),
        Some("dist/index.js")
    );
    // `-c` takes a value or none: what follows it is not read.
    assert_eq!(e("dotenv -c node dist/index.js"), None);
    // `node .` runs the package itself, resolved from the manifest (see below).
    assert_eq!(e("NODE_ENV=production node .").as_deref(), Some("."));
    assert_eq!(e("node ./ --port 3000").as_deref(), Some("."));
    assert_eq!(e("node dist/main").as_deref(), Some("dist/main.js"));
    assert_eq!(
        e("node 'dist/my server.js'").as_deref(),
        Some("dist/my server.js")
    );
    assert_eq!(e("node src/index.ts"), None);
    // Run a, then the service: the service is b.
    assert_eq!(
        e("node dist/a.js && node dist/b.js").as_deref(),
        Some("dist/b.js")
    );
    assert_eq!(e("node"), None);
    let o = start_script_node_options;
    assert_eq!(
        o("node --enable-source-maps -r dotenv/config --import ./tracing.mjs dist/index.js"),
        [
            "--enable-source-maps",
            "-r dotenv/config",
            "--import ./tracing.mjs"
        ]
    );
    assert!(o("node dist/main.js --port 3000").is_empty());
    assert!(o("tsx --watch src/main.ts").is_empty());
}

#[test]
fn node_dot_runs_main_or_index_js() {
    use super::start_script::package_itself;
    assert_eq!(package_itself(Some("build/index.js")), "build/index.js");
    assert_eq!(package_itself(Some("lib/main")), "lib/main.js");
    assert_eq!(package_itself(Some("server.cjs")), "server.cjs");
    assert_eq!(package_itself(None), "index.js");
    assert_eq!(package_itself(Some("")), "index.js");
}

#[test]
fn runtime_paths_from_files_then_out_dir_then_entry() {
    let mut n = NodePackage {
        entry: Some("lib/index.js".into()),
        out_dir: "lib".into(),
        ..Default::default()
    };
    assert_eq!(n.runtime_paths(n.entry.as_deref(), "lib"), vec!["lib"]);
    n.files = Some(vec![
        "dist/**/*.js".into(),
        "!dist/**/*.test.js".into(),
        "assets".into(),
        "*.md".into(),
    ]);
    assert_eq!(
        n.runtime_paths(n.entry.as_deref(), "lib"),
        vec!["assets", "dist"]
    );
    // A folder deep in the sources ships alone, not every source beside it (a NestJS backend
    // listing `src/mailer/templates`); a path inside another one ships with it.
    n.files = Some(vec![
        "prisma".into(),
        "dist".into(),
        "dist/types/".into(),
        "src/mailer/templates".into(),
        "lib/*/x.js".into(),
    ]);
    assert_eq!(
        n.runtime_paths(n.entry.as_deref(), "lib"),
        vec!["dist", "lib", "prisma", "src/mailer/templates"]
    );
    let n = NodePackage {
        entry: Some("index.js".into()),
        ..Default::default()
    };
    assert_eq!(n.runtime_paths(n.entry.as_deref(), ""), vec!["index.js"]);
}

#[test]
fn lockfile_importers_v9_and_v5() {
    let dir = tempfile::tempdir().unwrap();
    let v9 = dir.path().join("v9.yaml");
    std::fs::write(
        &v9,
        "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      typescript:\n        specifier: 5.6.3\n        version: 5.6.3\n  services/api:\n    dependencies:\n      ms:\n        specifier: 'catalog:'\n        version: 2.1.3\n      react-dom:\n        specifier: ^18.2.0\n        version: 18.3.1(react@18.3.1)\n      '@x/lib':\n        specifier: workspace:*\n        version: link:../../packages/lib\n    optionalDependencies:\n      fsevents:\n        specifier: ~2.3.2\n        version: 2.3.3\npackages:\n  ms@2.1.3:\n    resolution: {integrity: sha512-x}\n",
    )
    .unwrap();
    let pnpm = PnpmWorkspace {
        locked: lockfile::read_lockfile(&v9).unwrap().importers,
        ..Default::default()
    };
    let v = |key, spec| pnpm.locked_version("services/api", key, spec);
    assert_eq!(v("ms", "catalog:").as_deref(), Some("2.1.3"));
    assert_eq!(v("react-dom", "^18.2.0").as_deref(), Some("18.3.1"));
    assert_eq!(v("fsevents", "~2.3.2").as_deref(), Some("2.3.3"));
    // A stale entry (package.json changed since) or a link is not a pin.
    assert_eq!(v("react-dom", "^18.3.0"), None);
    assert_eq!(v("@x/lib", "workspace:*"), None);
    assert_eq!(
        pnpm.locked_version("", "typescript", "5.6.3"),
        None,
        "devDependencies are not read"
    );

    let v5 = dir.path().join("v5.yaml");
    std::fs::write(
        &v5,
        "lockfileVersion: 5.4\nimporters:\n  services/api:\n    specifiers:\n      ms: ^2.1.0\n    dependencies:\n      ms: 2.1.3\n",
    )
    .unwrap();
    let pnpm = PnpmWorkspace {
        locked: lockfile::read_lockfile(&v5).unwrap().importers,
        ..Default::default()
    };
    assert_eq!(
        pnpm.locked_version("services/api", "ms", "^2.1.0")
            .as_deref(),
        Some("2.1.3")
    );

    std::fs::write(&v5, "importers: [\n").unwrap();
    let err = lockfile::read_lockfile(&v5).unwrap_err().to_string();
    assert!(err.contains("v5.yaml"), "{err}");
}

#[test]
fn lockfile_package_keys_of_every_version() {
    let k = |key| lockfile::package_key(key);
    let nv = |n: &str, v: &str| Some((n.to_string(), v.to_string()));
    assert_eq!(k("ms@2.1.3"), nv("ms", "2.1.3"));
    assert_eq!(k("@s/a@1.0.0-rc.1"), nv("@s/a", "1.0.0-rc.1"));
    assert_eq!(k("/ms@2.1.3"), nv("ms", "2.1.3"));
    assert_eq!(k("/@s/a@1.2.0(react@18.2.0)"), nv("@s/a", "1.2.0"));
    assert_eq!(k("/ms/2.1.3"), nv("ms", "2.1.3"));
    assert_eq!(k("/@s/a/1.2.0_react@18.2.0"), nv("@s/a", "1.2.0"));
    assert_eq!(k("@x/lib@file:packages/lib"), None);
    assert_eq!(k("foo@https://example.com/foo.tgz"), None);

    // A v6 lockfile's overrides and packages.
    let dir = tempfile::tempdir().unwrap();
    let v6 = dir.path().join("v6.yaml");
    std::fs::write(
        &v6,
        "\u{feff}lockfileVersion: '6.0'\n\noverrides:\n  ms: ^2.1.0\n  debug: 4\n\nimporters:\n\n  services/api:\n    dependencies:\n      debug:\n        specifier: ^4.3.0\n        version: 4.3.7\n\npackages:\n\n  /debug@4.3.7:\n    resolution: {integrity: sha512-x}\n\n  /ms@2.1.3:\n    resolution: {integrity: sha512-y}\n",
    )
    .unwrap();
    let lock = lockfile::read_lockfile(&v6).unwrap();
    assert_eq!(lock.overrides.get("ms").map(String::as_str), Some("^2.1.0"));
    assert_eq!(lock.overrides.get("debug").map(String::as_str), Some("4"));
    assert_eq!(
        lock.versions.keys().map(String::as_str).collect::<Vec<_>>(),
        ["debug", "ms"]
    );
    assert_eq!(lock.importers["services/api"]["debug"].version, "4.3.7");
    assert_eq!(lockfile::read_lockfile_version(&v6).as_deref(), Some("6.0"));
}

#[test]
fn single_project_lockfiles() {
    let dir = tempfile::tempdir().unwrap();
    // pnpm 8 with shared-workspace-lockfile=false: a v6 lockfile without importers.
    let v6 = dir.path().join("v6.yaml");
    std::fs::write(
        &v6,
        "lockfileVersion: '6.0'\n\ndependencies:\n  ms:\n    specifier: ^2.1.0\n    version: 2.1.3\n\npackages:\n\n  /ms@2.1.3:\n    resolution: {integrity: sha512-x}\n",
    )
    .unwrap();
    let pnpm = PnpmWorkspace {
        locked: lockfile::read_lockfile(&v6).unwrap().importers,
        ..Default::default()
    };
    assert_eq!(
        pnpm.locked_version("", "ms", "^2.1.0").as_deref(),
        Some("2.1.3")
    );
}

#[test]
fn globs_append_package_json_and_negate() {
    let (inc, exc) = workspace_file::compile_globs(
        &[
            "packages/**".into(),
            "services/*".into(),
            "!packages/legacy".into(),
            "!**/fixtures/**".into(),
        ],
        Path::new("pnpm-workspace.yaml"),
    )
    .unwrap();
    let sel = |p: &str| inc.is_match(p) && !exc.is_match(p);
    assert!(sel("packages/a/package.json"));
    assert!(sel("packages/nested/deep/package.json"));
    assert!(sel("services/api/package.json"));
    assert!(!sel("services/api/inner/package.json"));
    assert!(!sel("packages/legacy/package.json"));
    assert!(sel("packages/legacy/inner/package.json"));
    assert!(!sel("packages/x/fixtures/y/package.json"));
    assert!(!sel("other/package.json"));
}

#[test]
fn start_commands_are_read_by_what_they_run() {
    use crate::workspace::pnpm::{start_command, StartCommand as C};
    let node = |env: &[(&str, &str)], options: &[&str], file: &str| C::Node {
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        options: options.iter().map(|o| o.to_string()).collect(),
        file: file.into(),
        args: Vec::new(),
        before: Vec::new(),
    };
    assert_eq!(
        start_command("NODE_ENV=production PORT=3000 node -r dotenv/config dist/server.mjs"),
        node(
            &[("NODE_ENV", "production"), ("PORT", "3000")],
            &["-r dotenv/config"],
            "dist/server.mjs"
        )
    );
    assert_eq!(
        start_command("NODE_ENV=production deno run -A src/serve.ts"),
        C::Unsupported("Deno")
    );
    assert_eq!(start_command("bun run src/index.ts"), C::Unsupported("Bun"));
    assert_eq!(
        start_command("NODE_OPTIONS=--max-old-space-size=512 next start -p 4000 -H 0.0.0.0"),
        C::Next {
            env: [(
                "NODE_OPTIONS".to_string(),
                "--max-old-space-size=512".to_string()
            )]
            .into(),
            options: ["-p", "4000", "-H", "0.0.0.0"].map(String::from).to_vec(),
            before: Vec::new(),
        }
    );
    assert_eq!(start_command("next"), C::Dev("next dev".into()));
    assert_eq!(start_command("next build"), C::Other);
    assert_eq!(
        start_command("next dev --turbopack"),
        C::Dev("next dev".into())
    );
    assert_eq!(start_command("nodemon"), C::Dev("nodemon".into()));
    assert_eq!(
        start_command("pnpm start:dev"),
        C::Script("start:dev".into(), vec![])
    );
    assert_eq!(
        start_command("npm run start:prod"),
        C::Script("start:prod".into(), vec![])
    );
    assert_eq!(
        start_command("pnpm run --silent serve"),
        C::Script("serve".into(), vec![])
    );
    assert_eq!(start_command("node 'unterminated"), C::Other);
    // The words after the file are the program's arguments, kept for the CMD.
    assert_eq!(
        start_command("exec node --enable-source-maps dist/main.js --port 3000 serve"),
        C::Node {
            env: Default::default(),
            options: vec!["--enable-source-maps".into()],
            file: "dist/main.js".into(),
            args: ["--port", "3000", "serve"].map(String::from).to_vec(),
            before: Vec::new(),
        }
    );
}

/// `sh -c '<script>'` behind wrappers (langfuse's `dotenv -e ../.env -- sh -c '...'`): the
/// quoted script is read as a start script, under the assignments made before the shell.
#[test]
fn a_shell_c_script_is_read_as_the_script_it_quotes() {
    use crate::workspace::pnpm::{start_command, StartCommand as C};
    assert_eq!(
        start_command("dotenv -e ../.env -- sh -c 'next start -p 3000'"),
        C::Next {
            env: std::collections::BTreeMap::new(),
            options: ["-p", "3000"].map(String::from).to_vec(),
            before: Vec::new(),
        }
    );
    let env = |pairs: &[(&str, &str)]| -> std::collections::BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(
        start_command(
            "NODE_ENV=production PORT=1 cross-env bash -c \"PORT=2 prisma migrate deploy && PORT=3 node dist/server.js\""
        ),
        C::Node {
            env: env(&[("NODE_ENV", "production"), ("PORT", "3")]),
            options: Vec::new(),
            file: "dist/server.js".into(),
            args: Vec::new(),
            before: vec!["PORT=2 prisma migrate deploy".into()],
        }
    );
    assert_eq!(
        start_command("sh -c 'pnpm start:prod'"),
        C::Script("start:prod".into(), vec![])
    );
    // Operators outside the quotes, or inside, or a script glued to other text: not read.
    for unread in [
        "FOO=$BAR sh -c 'node dist/a.js'",
        "sh -c 'node dist/a.js' > log",
        "sh -c 'node dist/a.js | tee log'",
        "sh -c \"node \\\"dist/a.js\\\"\"",
        "sh -c x'node dist/a.js'",
    ] {
        assert_eq!(start_command(unread), C::Other, "{unread}");
    }
}

#[test]
fn run_a_then_b_is_read_as_steps_before_the_service() {
    use crate::workspace::pnpm::{start_command, StartCommand as C};
    let before = |script: &str| match start_command(script) {
        C::Node { before, file, .. } => Some((before, file)),
        _ => None,
    };
    assert_eq!(
        before("node dist/migrate.mjs && node dist/server.mjs"),
        Some((
            vec!["node dist/migrate.mjs".into()],
            "dist/server.mjs".into()
        ))
    );
    // Each step keeps its own assignments and arguments; wrappers are peeled.
    assert_eq!(
        before("cross-env DB=./data/app.db node dist/migrate.js up && NODE_ENV=production node -r dotenv/config dist/main.js"),
        Some((
            vec!["DB=./data/app.db node dist/migrate.js up".into()],
            "dist/main.js".into()
        ))
    );
    assert_eq!(
        before("node a.js && node 'b c.js' && node dist/server.js"),
        Some((
            vec!["node a.js".into(), "node 'b c.js'".into()],
            "dist/server.js".into()
        ))
    );
    // A dependency's tool, also through `npx` or `pnpm exec` (the same local bin).
    for script in [
        "prisma migrate deploy && node dist/server.js",
        "npx prisma migrate deploy && node dist/server.js",
        "npx --no-install prisma migrate deploy && node dist/server.js",
        "pnpm exec prisma migrate deploy && node dist/server.js",
    ] {
        assert_eq!(
            before(script),
            Some((
                vec!["prisma migrate deploy".into()],
                "dist/server.js".into()
            )),
            "{script}"
        );
    }
    // Only `node` and tool steps, and only `&&` between them: not another script, a path, a
    // download (`npx --yes`).
    for other in [
        "pnpm db:migrate && node dist/server.js",
        "./migrate.sh && node dist/server.js",
        "npx --yes prisma migrate deploy && node dist/server.js",
        "exec node dist/migrate.js && node dist/server.js",
        "node dist/a.js & node dist/b.js",
        "node dist/a.js &&& node dist/b.js",
        "node dist/a.js || node dist/b.js",
        "node dist/a.js && ",
        "&& node dist/b.js",
    ] {
        assert_eq!(start_command(other), C::Other, "{other}");
    }
}

/// langfuse's shape (`dotenv -e ../../.env -- sh -c 'prisma migrate deploy && next start'`):
/// the steps before `next start` are read as they are before `node <file>`.
#[test]
fn steps_before_next_start_are_read() {
    use crate::workspace::pnpm::{start_command, StartCommand as C};
    let next = |script: &str| match start_command(script) {
        C::Next {
            before, options, ..
        } => Some((before, options)),
        _ => None,
    };
    assert_eq!(
        next("dotenv -e ../../.env -- sh -c 'prisma migrate deploy && next start'"),
        Some((vec!["prisma migrate deploy".into()], Vec::new()))
    );
    assert_eq!(
        next("node scripts/migrate.mjs && next start -p 4000"),
        Some((
            vec!["node scripts/migrate.mjs".into()],
            vec!["-p".into(), "4000".into()]
        ))
    );
    // Without the package's scripts, a step that runs another script is not read.
    assert_eq!(next("pnpm run migrate && next start"), None);
}

/// `exec` replaces the shell with the command: the same command, in a start script or in the
/// script of `sh -c`, and as the last of the steps.
#[test]
fn exec_is_the_command_it_runs() {
    use crate::workspace::pnpm::{start_command, StartCommand as C};
    let file = |script: &str| match start_command(script) {
        C::Node {
            file, before, env, ..
        } => Some((file, before, env.into_iter().collect::<Vec<_>>())),
        _ => None,
    };
    assert_eq!(
        file("exec node dist/x.js"),
        Some(("dist/x.js".into(), Vec::new(), Vec::new()))
    );
    assert_eq!(
        file("PORT=1 exec NODE_ENV=production node dist/x.js"),
        Some((
            "dist/x.js".into(),
            Vec::new(),
            vec![
                ("NODE_ENV".into(), "production".into()),
                ("PORT".into(), "1".into())
            ]
        ))
    );
    assert_eq!(
        file("sh -c 'node dist/migrate.js && exec node dist/x.js'"),
        Some((
            "dist/x.js".into(),
            vec!["node dist/migrate.js".into()],
            Vec::new()
        ))
    );
    assert!(matches!(
        start_command("sh -c 'exec next start -p 4000'"),
        C::Next { options, .. } if options == ["-p", "4000"]
    ));
    assert_eq!(start_command("exec"), C::Other);
}

#[test]
fn the_production_start_script_is_found_behind_a_dev_start() {
    use crate::workspace::pnpm::{service_start, StartCommand as C};
    let scripts = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<String, String>>()
    };
    // NestJS: `start` is the dev server, `start:prod` runs the build.
    let (name, command) = service_start(&scripts(&[
        ("start", "pnpm start:dev"),
        ("start:dev", "nest start --watch"),
        ("start:prod", "node dist/main"),
    ]))
    .unwrap();
    assert_eq!(name, "start:prod");
    assert!(matches!(command, C::Node { file, .. } if file == "dist/main.js"));
    // `start` that calls another script is followed to it.
    let (name, _) = service_start(&scripts(&[
        ("start", "pnpm run serve"),
        ("serve", "node build/index.js"),
    ]))
    .unwrap();
    assert_eq!(name, "serve");
    // create-t3-turbo: the words after the script's name are appended to its text, as pnpm
    // does (`dotenv -e ../../.env -- next start`); in a step too.
    let with_env = ("with-env", "dotenv -e ../../.env --");
    let (name, command) =
        service_start(&scripts(&[("start", "pnpm with-env next start"), with_env])).unwrap();
    assert_eq!(name, "with-env");
    assert!(matches!(command, C::Next { options, .. } if options.is_empty()));
    let (_, command) = service_start(&scripts(&[
        (
            "start",
            "npm run with-env -- node dist/migrate.js && node dist/s.js -p 1",
        ),
        with_env,
    ]))
    .unwrap();
    assert!(
        matches!(&command, C::Node { file, args, before, .. }
            if file == "dist/s.js" && args == &["-p", "1"] && before == &["node dist/migrate.js"]),
        "{command:?}"
    );
    // Nothing runs node: the start script is kept, so a refusal can name what it runs.
    assert_eq!(
        service_start(&scripts(&[("start", "deno run -A src/serve.ts")])),
        Some(("start".into(), C::Unsupported("Deno")))
    );
    // A loop of scripts ends.
    assert_eq!(
        service_start(&scripts(&[("start", "pnpm a"), ("a", "pnpm start")])),
        Some(("start".into(), C::Other))
    );
    assert_eq!(service_start(&scripts(&[("build", "tsc")])), None);
    // A step that runs another script is replaced by that script's steps.
    let (_, command) = service_start(&scripts(&[
        ("start", "pnpm run migrate && exec next start"),
        ("migrate", "pnpm db:deploy && node scripts/seed.mjs"),
        ("db:deploy", "prisma migrate deploy"),
    ]))
    .unwrap();
    assert!(
        matches!(&command, C::Next { before, .. } if before == &["prisma migrate deploy", "node scripts/seed.mjs"]),
        "{command:?}"
    );
    // ... when it has steps only (not a server, a shell operator, a loop, a missing script).
    for migrate in ["node dist/a.js | tee log", "pnpm start", "pnpm gone"] {
        let (_, command) = service_start(&scripts(&[
            ("start", "pnpm run migrate && node dist/main.js"),
            ("migrate", migrate),
        ]))
        .unwrap();
        assert_eq!(command, C::Other, "{migrate}");
    }
}

#[test]
fn a_next_start_under_a_name_of_its_own_is_the_production_start() {
    use crate::workspace::pnpm::{service_start, StartCommand as C};
    let scripts = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<String, String>>()
    };
    // jitsu's console: `console:dev` and `console:start`, no `start`.
    let (name, command) = service_start(&scripts(&[
        ("console:dev", "next dev"),
        ("console:start", "next start"),
        ("build", "prisma generate && next build"),
    ]))
    .unwrap();
    assert_eq!(name, "console:start");
    assert!(matches!(command, C::Next { .. }));
    // A `start` that runs the dev server does not hide it either.
    let (name, command) = service_start(&scripts(&[
        ("start", "next dev"),
        ("web:start", "next start -p 4000"),
    ]))
    .unwrap();
    assert_eq!(name, "web:start");
    assert!(matches!(command, C::Next { .. }));
    // A production `start` that runs node still wins over any `next start`.
    let (name, _) = service_start(&scripts(&[
        ("start", "node server.js"),
        ("console:start", "next start"),
    ]))
    .unwrap();
    assert_eq!(name, "start");
}

#[test]
fn run_script_os_runs_the_linux_variant_and_cd_moves_a_package_file() {
    use crate::workspace::pnpm::{service_start, StartCommand as C};
    let scripts = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<String, String>>()
    };
    let launcher = |args: &[&str]| C::PackageFile {
        dir: "bin".into(),
        file: "bin/run".into(),
        args: args.iter().map(|a| a.to_string()).collect(),
    };
    // Flowise's server: `:default` on Linux when no `:linux` or `:nix` variant exists.
    assert_eq!(
        service_start(&scripts(&[
            ("start", "run-script-os"),
            ("start:windows", "cd bin && run start"),
            ("start:default", "cd bin/ && ./run start"),
        ])),
        Some(("start:default".into(), launcher(&["start"])))
    );
    // `:linux` (also in a combined tag list) comes before `:nix`, `:nix` before `:default`.
    let (name, _) = service_start(&scripts(&[
        ("start", "run-os"),
        ("start:default", "node dist/default.js"),
        ("start:nix", "node dist/nix.js"),
        ("start:darwin:linux", "node dist/linux.js"),
    ]))
    .unwrap();
    assert_eq!(name, "start:darwin:linux");
    let (name, command) = service_start(&scripts(&[
        ("start", "run-script-os"),
        ("start:default", "node dist/default.js"),
        ("start:nix", "node dist/nix.js"),
        ("start:win32", "node dist/win.js"),
    ]))
    .unwrap();
    assert_eq!(name, "start:nix");
    assert!(matches!(command, C::Node { file, .. } if file == "dist/nix.js"));
    // No variant for Linux: nothing runs there.
    assert_eq!(
        service_start(&scripts(&[
            ("start", "run-script-os"),
            ("start:win32", "node dist/win.js"),
        ])),
        Some(("start".into(), C::Other))
    );
    // `cd` out of the package, or before anything but a package file, is not read.
    for text in [
        "cd .. && ./run start",
        "cd /srv && ./run",
        "cd bin && node run.js",
    ] {
        assert_eq!(start_command(text), C::Other, "{text}");
    }
    assert_eq!(
        start_command("./bin/run start --port 3000"),
        C::PackageFile {
            dir: String::new(),
            file: "bin/run".into(),
            args: vec!["start".into(), "--port".into(), "3000".into()],
        }
    );
}

#[test]
fn the_last_command_is_the_foreground_one_after_background_commands() {
    use super::start_script::last_command;
    let words = |t: &str| last_command(t).map(|w| w.join(" "));
    assert_eq!(
        words("pnpm panda --watch & cross-env PORT=4200 react-app-rewired start").as_deref(),
        Some("react-app-rewired start")
    );
    assert_eq!(
        words("vite build && vite preview").as_deref(),
        Some("vite preview")
    );
    // A command left in the background with nothing after it, or `&` inside a word: unread.
    assert_eq!(words("vite &"), None);
    assert_eq!(words("vite&serve"), None);
}

/// A production start that runs node, and other scripts that run node on other files
/// (firecrawl's `worker:production`, or a `start:worker`): the start first, then each other
/// process once; the same file again, one-off tasks, dev scripts and a package with one way
/// to start give none.
#[test]
fn processes_beside_a_production_start() {
    use crate::workspace::pnpm::start_script::{process_suffix, processes};
    let scripts = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<String, String>>()
    };
    let names = |pairs: &[(&str, &str)]| -> Vec<String> {
        processes(&scripts(pairs))
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    };
    assert_eq!(
        names(&[
            ("start", "node dist/server.js"),
            ("start:worker", "node dist/worker.js"),
            ("start:dev", "tsx watch src/server.ts"),
        ]),
        ["start", "start:worker"]
    );
    assert_eq!(
        names(&[
            ("start:production", "tsc && node dist/src/index.js"),
            ("start:production:nobuild", "node dist/src/index.js"),
            (
                "worker:production",
                "node dist/src/services/queue-worker.js"
            ),
            ("workers:prod", "node dist/src/services/queue-worker.js"),
            ("db:migrate:production", "node dist/src/migrate.js"),
            ("seed:prod", "node dist/seed.js"),
            ("build:prod", "node build.js"),
            ("start:migrate", "node dist/migrate.js"),
        ]),
        ["start:production", "worker:production"]
    );
    // One way to start, or only one-off tasks beside it: no processes.
    assert!(names(&[
        ("start", "node dist/main.js"),
        ("start:prod", "node dist/main.js")
    ])
    .is_empty());
    assert!(names(&[
        ("start", "node dist/main.js"),
        ("migrate:prod", "node dist/m.js")
    ])
    .is_empty());
    assert_eq!(
        process_suffix("index-worker:production"),
        Some("index-worker")
    );
    assert_eq!(process_suffix("start:api"), Some("api"));
    assert_eq!(process_suffix("start:production"), Some("production"));
    assert_eq!(process_suffix("start:prod:prod"), Some("prod:prod"));
    assert_eq!(process_suffix("prod"), None);
    assert_eq!(process_suffix("flyio"), None);
}
