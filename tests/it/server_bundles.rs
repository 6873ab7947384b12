//! Services whose own webpack or Vite server (SSR) build inlines their internal packages
//! (tests/fixtures/pnpm9-webpack-services, shaped like jitsu's rotor and profiles, and
//! tests/fixtures/pnpm9-remix-ssr, shaped like trigger.dev's Remix webapp): packages the build
//! inlines are not called "nothing builds them", as tsup's `noExternal` already is not; what
//! the config leaves to Node, or computes at run time, still is, with the config's line.

use assert_cmd::Command;

fn isogen() -> Command {
    Command::cargo_bin("isogen").unwrap()
}

/// `generate --dry-run` of `ws`: its stderr (the run must succeed).
fn warnings(ws: &std::path::Path) -> String {
    let out = isogen()
        .args(["generate", "--dry-run"])
        .arg(ws)
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8(out.stderr).unwrap()
}

/// The typescript warning's line for service `service` (or the one-package form).
fn unbuilt(stderr: &str, service: &str) -> Option<String> {
    let many = format!("warning: service `{service}` uses ");
    stderr
        .lines()
        .find(|l| {
            l.starts_with(&many) && l.contains("whose entry is TypeScript that nothing builds")
        })
        .map(str::to_string)
}

/// jitsu's rotor: `webpack` (its `externals` names only `isolated-vm`) inlines every internal
/// package; profiles: `webpack-node-externals` whose `allowlist` takes the workspace packages
/// back (its config named by `--config`, behind `cross-env`). Neither is warned about.
#[test]
fn internal_packages_a_service_webpack_inlines_are_not_called_unbuilt() {
    let ws = crate::fixture_copy::copy("pnpm9-webpack-services", false);
    let stderr = warnings(ws.path());
    assert_eq!(unbuilt(&stderr, "rotor"), None, "{stderr}");
    assert_eq!(unbuilt(&stderr, "profiles"), None, "{stderr}");

    // What a config leaves to Node is still named: `externals` naming juava, an allowlist
    // that does not take juava back, a start script that runs tsc's output, not webpack's.
    let rotor = ws.path().join("services/rotor/webpack.config.js");
    let text = std::fs::read_to_string(&rotor).unwrap();
    std::fs::write(
        &rotor,
        text.replace(
            "\"isolated-vm\": ",
            "juava: \"commonjs juava\",\n    \"isolated-vm\": ",
        ),
    )
    .unwrap();
    let stderr = warnings(ws.path());
    // One package left out (services/sync's warning, naming its unread line, aside): said in
    // the one-package form, without the one the configs still inline.
    let juava = "warning: libs/juava/package.json: the entry of `juava` is TypeScript (src/index.ts) and nothing builds it";
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with(juava) && !l.contains("computes at run time")),
        "{stderr}"
    );
    let left_out = |stderr: &str| {
        stderr
            .lines()
            .any(|l| l.starts_with(juava) && !l.contains("computes at run time"))
    };
    std::fs::write(&rotor, &text).unwrap();
    assert!(!left_out(&warnings(ws.path())));
    let profiles = ws.path().join("services/profiles/webpack.prod.cjs");
    let text = std::fs::read_to_string(&profiles).unwrap();
    std::fs::write(&profiles, text.replace(", \"juava\"", "")).unwrap();
    let stderr = warnings(ws.path());
    assert!(left_out(&stderr), "{stderr}");
    assert!(
        !stderr.contains("`@acme/core-functions` (libs/core"),
        "{stderr}"
    );

    let manifest = ws.path().join("services/rotor/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("dist/main.js", "dist/index.js")).unwrap();
    let stderr = warnings(ws.path());
    let line = unbuilt(&stderr, "rotor").expect(&stderr);
    assert!(
        line.contains("`@acme/core-functions` (libs/core/src/index.ts)"),
        "{line}"
    );
}

/// A webpack config whose `externals` holds a function (it decides per request when the
/// build runs): isogen cannot tell what it leaves to Node, keeps the warning, and names the
/// config's line.
#[test]
fn a_webpack_externals_function_keeps_the_warning_and_names_its_line() {
    let ws = crate::fixture_copy::copy("pnpm9-webpack-services", false);
    let stderr = warnings(ws.path());
    assert!(
        stderr.contains("warning: libs/juava/package.json: the entry of `juava` is TypeScript (src/index.ts) and nothing builds it"),
        "{stderr}"
    );
    assert!(
        stderr.contains("; webpack (services/sync/webpack.config.mjs) computes at run time what it inlines (services/sync/webpack.config.mjs:10 (`externals`)), and isogen does not run the config, so it cannot tell whether the build inlines them"),
        "{stderr}"
    );
}

/// trigger.dev's webapp: `build` runs `pnpm run build:remix` (`remix vite:build`, behind
/// `cross-env`); Vite's server build inlines linked workspace packages except what
/// `ssr.external` / `build.rollupOptions.external` name. Only `@internal/database` is named.
#[test]
fn a_remix_vite_server_build_inlines_what_ssr_external_does_not_name() {
    let ws = crate::fixture_copy::copy("pnpm9-remix-ssr", false);
    let stderr = warnings(ws.path());
    assert!(
        stderr.contains("warning: internal-packages/database/package.json: the entry of `@internal/database` is TypeScript"),
        "{stderr}"
    );
    assert!(!stderr.contains("`@internal/redis`"), "{stderr}");
    assert!(!stderr.contains("`@internal/emails`"), "{stderr}");

    // `ssr.external: true` leaves every package to Node: all three are named again.
    let config = ws.path().join("apps/webapp/vite.config.ts");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("external: [\"@internal/database\"]", "external: true"),
    )
    .unwrap();
    let line = unbuilt(&warnings(ws.path()), "webapp").unwrap_or_default();
    assert!(line.contains("uses 3 internal packages"), "{line}");

    // A client-only `vite build` (no `--ssr`, no `build.ssr`) inlines nothing for the server.
    std::fs::write(&config, &text).unwrap();
    let manifest = ws.path().join("apps/webapp/package.json");
    let m = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, m.replace("remix vite:build", "vite build")).unwrap();
    let line = unbuilt(&warnings(ws.path()), "webapp").unwrap_or_default();
    assert!(line.contains("uses 3 internal packages"), "{line}");
}
