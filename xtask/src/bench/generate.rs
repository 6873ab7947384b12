//! `isogen generate` at scale: a 200-service pnpm workspace (20 internal libraries, a lockfile,
//! a turbo.json) written here deterministically, then measured: `isogen generate` cold (no
//! Dockerfile yet), `isogen generate --check` of the unchanged tree, and one
//! `turbo prune --docker` (turbo from npm, installed under the output folder when npm can),
//! through the npm launcher (a Node script) and as its native binary alone.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::measure::{self, Stats, Tool};
use super::Options;

pub struct GenerateResult {
    services: usize,
    rows: Vec<(String, Stats)>,
    note: String,
}

impl GenerateResult {
    pub fn markdown(&self) -> String {
        let turbo = self
            .rows
            .iter()
            .find(|(n, s)| n.starts_with("turbo prune") && s.runs > 0)
            .map(|(_, s)| s.wall);
        let mut text = format!(
            "### generate: {} pnpm services, 20 internal libraries\n\n{}\n\n",
            self.services, self.note
        );
        text.push_str("| command | wall s (median) | x one turbo prune | CPU s | peak RSS MiB | runs | exit |\n");
        text.push_str("|---|---:|---:|---:|---:|---:|---|\n");
        for (name, s) in &self.rows {
            if s.runs == 0 {
                text.push_str(&format!("| {name} | failed | | | | 0 | |\n"));
                continue;
            }
            let ratio = turbo.map_or("-".into(), |t| format!("{:.2}x", s.wall / t));
            let codes = if s.codes.is_empty() {
                "0".into()
            } else {
                format!("{:?}", s.codes)
            };
            text.push_str(&format!(
                "| {name} | {:.3} | {ratio} | {:.2} | {:.1} | {} | {codes} |\n",
                s.wall,
                s.cpu,
                s.rss_kib as f64 / 1024.0,
                s.runs
            ));
        }
        text
    }
}

pub fn run(isogen: &Path, out: &Path, options: &Options) -> Result<GenerateResult, String> {
    let services = if options.quick { 40 } else { 200 };
    let template = out.join(format!("workspace-{services}"));
    let _ = fs::remove_dir_all(&template);
    write_workspace(&template, services)?;
    let cold = out.join("generate-cold");
    let checked = out.join("generate-checked");
    copy_tree(&template, &checked)?;
    let status = Command::new(isogen)
        .arg("generate")
        .arg(&checked)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!(
            "isogen generate {} failed: {status}",
            checked.display()
        ));
    }
    // The `--check` cache (outside the workspace, as for a user) is primed by one passing
    // check once the tree is older than the cache's racy window (3 s): the unchanged-tree rows
    // measure a check that finds it; the "cache off" row the full check. Each binary has its
    // own cache folder: sharing one, the two binaries' checks of the same tree replaced each
    // other's entry (one file per workspace), so both always missed.
    let mut binaries = vec![(String::new(), isogen.to_path_buf())];
    if let Some(baseline) = &options.baseline {
        binaries.push((" (baseline)".to_string(), baseline.clone()));
    }
    let cache_of = |suffix: &str| {
        out.join(if suffix.is_empty() {
            "check-cache"
        } else {
            "check-cache-baseline"
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(3200));
    for (suffix, bin) in &binaries {
        let cache = cache_of(suffix);
        let _ = fs::remove_dir_all(&cache);
        let _ = Command::new(bin)
            .args(["generate", "--check"])
            .arg(&checked)
            .env("XDG_CACHE_HOME", &cache)
            .stderr(std::process::Stdio::null())
            .status();
    }
    let cache_env = |suffix: &str, setting: &str| {
        vec![
            (
                "XDG_CACHE_HOME".to_string(),
                cache_of(suffix).display().to_string(),
            ),
            ("ISOGEN_CHECK_CACHE".to_string(), setting.to_string()),
        ]
    };
    // Moved aside, not deleted: ext4 allocates inodes slowly for a while after many were
    // freed (`recently_deleted`), which made the cold runs' system time vary fivefold.
    let aside = |path: &Path| {
        format!(
            "if [ -e '{0}' ]; then mv '{0}' '{0}.old.'$(date +%s%N); fi",
            path.display()
        )
    };
    let fresh = format!(
        "{} && cp -a '{}' '{}'",
        aside(&cold),
        template.display(),
        cold.display()
    );
    let fresh_checked = out.join("generate-checkout");
    let fresh_checkout = format!(
        "{} && cp -a '{}' '{}'",
        aside(&fresh_checked),
        checked.display(),
        fresh_checked.display()
    );
    let mut tools = Vec::new();
    for (suffix, bin) in &binaries {
        let mut generate = Tool::sh(
            &format!("isogen generate{suffix} (cold: no Dockerfile yet)"),
            format!("'{}' generate '{}'", bin.display(), cold.display()),
        );
        generate.prepare = Some(fresh.clone());
        generate.env = cache_env(suffix, "on");
        tools.push(generate);
        let check = |label: &str, setting: &str| {
            let mut check = Tool::sh(
                &format!("isogen generate --check{suffix} (unchanged tree{label})"),
                format!(
                    "'{}' generate --check '{}'",
                    bin.display(),
                    checked.display()
                ),
            );
            check.env = cache_env(suffix, setting);
            check
        };
        tools.push(check("", "on"));
        if suffix.is_empty() {
            tools.push(check(", cache off", "off"));
        }
        // What CI meets: a checkout made seconds before the check, with the cache on. Every
        // status is too recent to be trusted, so the check runs in full and stores nothing.
        let mut checkout = Tool::sh(
            &format!("isogen generate --check{suffix} (fresh checkout of it, cache on)"),
            format!(
                "'{}' generate --check '{}'",
                bin.display(),
                fresh_checked.display()
            ),
        );
        checkout.prepare = Some(fresh_checkout.clone());
        checkout.env = cache_env(suffix, "on");
        tools.push(checkout);
    }
    let mut note = format!(
        "Workspace written by `cargo xtask bench` ({services} services under apps/, each with 12 files and 2-3 internal dependencies). \
         Cold: each run of `isogen generate` and of turbo gets a fresh `cp -a` of the workspace, made just before it and not timed \
         (so its files are in the page cache, as after a checkout; no Dockerfile, no `.turbo` folder, and `generate` reads no cache: \
         the `--check` cache is only read by `--check`). \
         The `--check` rows check a tree the binary generated, with the cache primed (one passing check once the tree was 3 s old); \
         \"fresh checkout\" is a `cp -a` of that tree made just before each run, as in CI: its files are seconds old, so the check runs in full and stores nothing. \
         \"floor\" is `cargo xtask generate-io-floor` on the same fresh copy: every folder listed and every file read once, then the files \
         the generated tree holds created at the same paths with as many bytes, on every core, and nothing else (no parse, no render)."
    );
    // The floor: the same folders listed and files read, the same files created, by a
    // program that does nothing else (`io_floor`), on the same fresh copy.
    let outputs = out.join("generate-outputs.txt");
    super::io_floor::write_list(&checked, &outputs)?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut floor = Tool::sh(
        "floor: the file-system work alone (folders listed, files read, files created)",
        format!(
            "'{}' generate-io-floor '{}' '{}'",
            exe.display(),
            cold.display(),
            outputs.display()
        ),
    );
    floor.prepare = Some(fresh.clone());
    tools.push(floor);
    match install_turbo(out) {
        Ok(turbo) => {
            let prune = |name: &str, bin: &Path| {
                let mut prune = Tool::sh(
                    name,
                    format!(
                        "cd '{}' && '{}' prune --docker @mono/svc007 --out-dir '{}'",
                        cold.display(),
                        bin.display(),
                        out.join("turbo-out").display()
                    ),
                );
                prune.prepare = Some(format!("{fresh} && {}", aside(&out.join("turbo-out"))));
                prune.env = vec![
                    ("TURBO_TELEMETRY_DISABLED".into(), "1".into()),
                    ("DO_NOT_TRACK".into(), "1".into()),
                ];
                prune
            };
            tools.push(prune("turbo prune --docker (one service)", &turbo));
            // `node_modules/.bin/turbo` is a Node script that starts the platform binary (what
            // `npx turbo` and `pnpm turbo` run); the binary alone shows what Node's start costs.
            if let Some(native) = native_turbo(&turbo) {
                let name = "turbo prune --docker, its native binary (no Node launcher)";
                tools.push(prune(name, &native));
            }
        }
        Err(e) => note.push_str(&format!(" turbo not measured: {e}.")),
    }
    let stats = measure::interleaved(&tools, options.runs);
    let _ = Command::new("sh")
        .arg("-c")
        .arg(format!("rm -rf '{}'/*.old.*", out.display()))
        .status();
    Ok(GenerateResult {
        services,
        rows: tools.into_iter().map(|t| t.name).zip(stats).collect(),
        note,
    })
}

/// turbo from the npm registry (its platform binary comes as an npm package), once.
fn install_turbo(out: &Path) -> Result<PathBuf, String> {
    let prefix = out.join("turbo");
    let bin = prefix.join("node_modules/.bin/turbo");
    if bin.exists() {
        return Ok(bin);
    }
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
        .arg(&prefix)
        .arg("turbo@2")
        .status()
        .map_err(|e| format!("npm: {e}"))?;
    if !status.success() || !bin.exists() {
        return Err(format!("`npm install turbo@2` failed ({status})"));
    }
    Ok(bin)
}

/// The platform binary the npm launcher `bin` starts (`node_modules/@turbo/<platform>/bin/turbo`).
fn native_turbo(bin: &Path) -> Option<PathBuf> {
    let scope = bin.parent()?.parent()?.join("@turbo");
    let mut found: Vec<PathBuf> = fs::read_dir(scope)
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin/turbo")))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.into_iter().next()
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let _ = fs::remove_dir_all(to);
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .map_err(|e| e.to_string())?;
    status
        .success()
        .then_some(())
        .ok_or(format!("cp -a failed: {status}"))
}

fn put(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The internal libraries service `i` depends on.
fn deps_of(i: usize) -> Vec<usize> {
    let mut deps = vec![i % 20, (i * 7 + 3) % 20, (i * 13 + 5) % 20];
    deps.sort_unstable();
    deps.dedup();
    deps
}

fn write_workspace(root: &Path, services: usize) -> Result<(), String> {
    put(
        &root.join("package.json"),
        r#"{"name":"mono","private":true,"packageManager":"pnpm@9.15.9","devDependencies":{}}"#,
    )?;
    put(
        &root.join("pnpm-workspace.yaml"),
        "packages:\n  - \"apps/*\"\n  - \"libs/*\"\n",
    )?;
    put(
        &root.join("turbo.json"),
        r#"{"tasks":{"build":{"dependsOn":["^build"],"outputs":["dist/**"]}}}"#,
    )?;
    let mut importers = String::from("  .: {}\n\n");
    for lib in 0..20 {
        let dir = root.join(format!("libs/lib{lib:02}"));
        let dep = (lib % 5 != 0).then(|| lib - 1);
        let deps = dep.map_or(String::new(), |d| {
            format!(r#","@mono/lib{d:02}":"workspace:^""#)
        });
        put(
            &dir.join("package.json"),
            &format!(
                r#"{{"name":"@mono/lib{lib:02}","version":"1.0.0","main":"src/index.js","dependencies":{{"ms":"^2.1.3"{deps}}}}}"#
            ),
        )?;
        for f in 0..6 {
            put(
                &dir.join(format!("src/m{f}.js")),
                &format!("module.exports = () => {f};\n"),
            )?;
        }
        put(
            &dir.join("src/index.js"),
            "module.exports = require('./m0');\n",
        )?;
        importers.push_str(&format!(
            "  libs/lib{lib:02}:\n    dependencies:\n{}      ms:\n        specifier: ^2.1.3\n        version: 2.1.3\n\n",
            dep.map_or(String::new(), |d| format!(
                "      '@mono/lib{d:02}':\n        specifier: workspace:^\n        version: link:../lib{d:02}\n"
            ))
        ));
    }
    for i in 0..services {
        write_service(root, i, &mut importers)?;
    }
    put(&root.join("pnpm-lock.yaml"), &lockfile(&importers))
}

fn write_service(root: &Path, i: usize, importers: &mut String) -> Result<(), String> {
    let dir = root.join(format!("apps/svc{i:03}"));
    let libs: Vec<String> = deps_of(i)
        .iter()
        .map(|d| format!(r#""@mono/lib{d:02}":"workspace:^""#))
        .collect();
    put(
        &dir.join("package.json"),
        &format!(
            r#"{{"name":"@mono/svc{i:03}","version":"1.0.0","private":true,"scripts":{{"start":"node src/server.js","test":"node --test"}},"dependencies":{{{},"zod":"^3.23.8"}}}}"#,
            libs.join(",")
        ),
    )?;
    put(
        &dir.join("src/server.js"),
        "require('http').createServer(() => {}).listen(process.env.PORT);\n",
    )?;
    for r in 0..8 {
        put(
            &dir.join(format!("src/routes/r{r}.js")),
            &format!("module.exports = '{r}';\n"),
        )?;
    }
    put(&dir.join("test/server.test.js"), "require('node:test');\n")?;
    put(&dir.join("README.md"), &format!("# svc{i:03}\n"))?;
    importers.push_str(&format!("  apps/svc{i:03}:\n    dependencies:\n"));
    for d in deps_of(i) {
        importers.push_str(&format!(
            "      '@mono/lib{d:02}':\n        specifier: workspace:^\n        version: link:../../libs/lib{d:02}\n"
        ));
    }
    importers.push_str("      zod:\n        specifier: ^3.23.8\n        version: 3.25.76\n\n");
    Ok(())
}

fn lockfile(importers: &str) -> String {
    format!(
        "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n{importers}packages:\n\n  ms@2.1.3:\n    resolution: {{integrity: sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==}}\n\n  zod@3.25.76:\n    resolution: {{integrity: sha512-gzUt/qt81nXsFGKIFcC3YnfEAx5NkunCfnDlvuBSSFS02bcXu4Lmea0AFIUwbLWxWPx3d9p8S5QoaujKcNQxcQ==}}\n\nsnapshots:\n\n  ms@2.1.3: {{}}\n\n  zod@3.25.76: {{}}\n"
    )
}
