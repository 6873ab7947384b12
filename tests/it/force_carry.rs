//! `generate --force` over hand-written Dockerfiles (tests/fixtures/handwritten) in real
//! fixtures: what it keeps goes into isogen.toml, what it drops is named with the reason, and
//! the next `generate --check` is clean.

use std::path::Path;

use assert_cmd::Command;

fn isogen() -> Command {
    Command::cargo_bin("isogen").unwrap()
}

/// A copy of tests/fixtures/<name>, without Dockerfiles or build output.
fn fixture(name: &str) -> tempfile::TempDir {
    crate::fixture_copy::copy(name, false)
}

fn handwritten(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/handwritten")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// Runs `generate --force` in `dir`; returns its stdout and the isogen.toml it leaves, and
/// checks that `generate --check` is clean afterwards.
fn force(dir: &Path) -> String {
    let out = isogen()
        .current_dir(dir)
        .args(["generate", "--force", "."])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    isogen()
        .current_dir(dir)
        .args(["generate", "--check", "."])
        .assert()
        .success();
    let toml = std::fs::read_to_string(dir.join("isogen.toml")).unwrap_or_default();
    format!(
        "$ isogen generate --force .\n{}\n--- isogen.toml\n{toml}",
        String::from_utf8_lossy(&out)
    )
}

#[test]
fn a_pnpm_deploy_dockerfile_keeps_its_run_time_settings() {
    let ws = fixture("pnpm9-esm");
    let mut text = handwritten("pnpm9-esm-deploy.Dockerfile");
    let cmd = text.rfind("CMD [").unwrap();
    text.truncate(cmd);
    text.push_str(
        "ENV PORT=3000 \\\n    LOG_LEVEL=\"info debug\" PNPM_HOME=/pnpm PATH=$PNPM_HOME:$PATH\n\
         EXPOSE 3000 9229/udp\nVOLUME [\"/app/data\", \"/tmp/cache\"]\n\
         HEALTHCHECK --interval=30s --retries=3 CMD [\"node\", \"dist/health.js\"]\n\
         USER root\n\
         CMD [\"tini\", \"--\", \"node\", \"--enable-source-maps\", \"dist/index.js\", \"--port\", \"3000\"]\n",
    );
    std::fs::write(ws.path().join("services/public/web/Dockerfile"), text).unwrap();
    let shown = force(ws.path());
    insta::assert_snapshot!(shown);
    let dockerfile =
        std::fs::read_to_string(ws.path().join("services/public/web/Dockerfile")).unwrap();
    for line in [
        "ENV PORT=\"3000\"",
        "EXPOSE 3000",
        "VOLUME [\"/app/services/public/web/data\"]",
        "HEALTHCHECK --interval=30s --retries=3 CMD [\"node\", \"dist/health.js\"]",
        "CMD [\"node\", \"--enable-source-maps\", \"/app/services/public/web/dist/index.js\", \"--port\", \"3000\"]",
    ] {
        assert!(dockerfile.contains(line), "{line} in\n{dockerfile}");
    }
}

#[test]
fn a_cargo_dockerfile_keeps_its_arguments_and_says_why_it_drops_the_rest() {
    let ws = fixture("cargo-mixed");
    let ws_path = ws.path();
    let plan = isogen()
        .current_dir(ws_path)
        .args(["plan", "."])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan: serde_json::Value = serde_json::from_slice(&plan).unwrap();
    let first = &plan["services"][0];
    let dockerfile = first["dockerfile"].as_str().unwrap();
    let bin = first["name"].as_str().unwrap();
    let text = format!(
        "FROM rust:1 AS build\nCOPY . .\nRUN cargo build --release\n\
         FROM debian:bookworm-slim\nCOPY --from=build /target/release/{bin} /usr/local/bin/\n\
         USER nonroot\nHEALTHCHECK CMD curl -f http://localhost/\n\
         ENTRYPOINT [\"/usr/local/bin/{bin}\"]\nCMD [\"serve\", \"--verbose\"]\n"
    );
    std::fs::write(ws_path.join(dockerfile), text).unwrap();
    let shown = force(ws_path).replace(bin, "<bin>");
    insta::assert_snapshot!(shown);
}

#[test]
fn a_dockerfile_that_does_not_parse_is_replaced_and_named() {
    let ws = fixture("pnpm9-esm");
    std::fs::write(
        ws.path().join("services/public/web/Dockerfile"),
        "FROM node:20\nCMD [\"node\", \"dist/index.js\"\nRUN <<EOF\n",
    )
    .unwrap();
    let shown = force(ws.path());
    assert!(
        shown.contains("services/public/web/Dockerfile: line ")
            && shown.contains("keeps none of its settings"),
        "{shown}"
    );
}

#[test]
fn a_kept_setting_the_generator_refuses_writes_nothing() {
    let ws = fixture("pnpm9-esm");
    let hand = "FROM node:20\nWORKDIR /srv/web\nVOLUME /app\nCMD [\"node\", \"dist/index.js\"]\n";
    let path = ws.path().join("services/public/web/Dockerfile");
    std::fs::write(&path, hand).unwrap();
    let toml = std::fs::read_to_string(ws.path().join("isogen.toml")).unwrap();
    let out = isogen()
        .current_dir(ws.path())
        .args(["generate", "--force", "."])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("writable") && stderr.contains("--force would add to isogen.toml"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), hand);
    assert_eq!(
        std::fs::read_to_string(ws.path().join("isogen.toml")).unwrap(),
        toml
    );
}

/// Every file of `dir` (path and contents), to tell that a run wrote nothing.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn check_with_force_previews_what_force_keeps_and_drops_and_writes_nothing() {
    let ws = fixture("pnpm9-esm");
    let hand = "FROM node:20\nWORKDIR /app/services/public/web\nCOPY . .\n\
                ENV PORT=3000 NODE_ENV=production\nEXPOSE 3000\nUSER root\n\
                HEALTHCHECK CMD wget -q -O- http://localhost:3000/health\n\
                CMD [\"node\", \"dist/index.js\"]\n";
    std::fs::write(ws.path().join("services/public/web/Dockerfile"), hand).unwrap();
    let before = tree(ws.path());
    let out = isogen()
        .current_dir(ws.path())
        .args(["generate", "--check", "--force", "--diff", "."])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(tree(ws.path()), before, "--check --force wrote something");
    let preview = String::from_utf8_lossy(&out.stdout).into_owned();
    // Only the isogen.toml part of the preview (the Dockerfiles' diffs are generated text,
    // snapshot elsewhere).
    let shown: String = preview
        .split_inclusive('\n')
        .take_while(|l| !l.starts_with("would create") && !l.starts_with("would replace"))
        .collect();
    insta::assert_snapshot!(shown);
    assert!(
        preview.contains("would replace (hand-written, --force) services/public/web/Dockerfile"),
        "{preview}"
    );
    // What the preview announced is what --force then does.
    let report: String = preview
        .split_inclusive('\n')
        .take_while(|l| !l.starts_with("would "))
        .collect();
    let forced = force(ws.path());
    assert!(forced.contains(&report), "{report}\nnot in\n{forced}");
    let toml = std::fs::read_to_string(ws.path().join("isogen.toml")).unwrap();
    for line in shown
        .lines()
        .filter(|l| l.starts_with("+") && !l.starts_with("+++"))
    {
        assert!(toml.contains(&line[1..]), "{line} not in\n{toml}");
    }
}

/// vaultwarden's shape: the hand-written image works in `/` and makes `/data` a VOLUME, and the
/// service keeps its data in the relative folder `data` by default; the generated image works
/// in the service's folder, where `data` cannot be created. The dropped `WORKDIR` names the
/// volume, where the relative path lands now, and both fixes (`env`, `writable`).
#[test]
fn a_dropped_workdir_names_the_volume_a_relative_path_reached() {
    let ws = fixture("cargo-mixed");
    let plan = isogen()
        .current_dir(ws.path())
        .args(["plan", "."])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan: serde_json::Value = serde_json::from_slice(&plan).unwrap();
    let first = &plan["services"][0];
    let dockerfile = first["dockerfile"].as_str().unwrap();
    let bin = first["name"].as_str().unwrap();
    let text = format!(
        "FROM rust:1 AS build\nCOPY . .\nRUN cargo build --release\n\
         FROM debian:bookworm-slim\nCOPY --from=build /target/release/{bin} /{bin}\n\
         VOLUME /data\nWORKDIR /\nCMD [\"/{bin}\"]\n"
    );
    std::fs::write(ws.path().join(dockerfile), text).unwrap();
    let shown = force(ws.path());
    let line = shown.lines().find(|l| l.contains("WORKDIR /")).unwrap();
    assert!(
        line.contains("dropped")
            && line.contains("its VOLUME /data (`data` from /) was reached by a relative path")
            && line.contains("a folder the service's user cannot create")
            && line.contains("add `writable = [\"data\"]`"),
        "{shown}"
    );
}

/// openpanel's hand-written Dockerfiles carry `ENV COREPACK_INTEGRITY_KEYS=0` (the
/// workaround of nodejs/corepack#612) and `ENV npm_config_build_from_source=true` into their
/// final stage: both configure a package manager, which the generated runtime image never
/// runs, so neither becomes the service's `env`.
#[test]
fn package_manager_settings_of_any_case_are_not_carried() {
    let ws = fixture("pnpm9-esm");
    let hand = "FROM node:22-slim\nENV COREPACK_INTEGRITY_KEYS=0\n\
                ENV npm_config_build_from_source=true\nENV LOG_LEVEL=info\n\
                CMD [\"node\", \"dist/index.js\"]\n";
    std::fs::write(ws.path().join("services/public/web/Dockerfile"), hand).unwrap();
    let shown = force(ws.path());
    for key in ["COREPACK_INTEGRITY_KEYS", "npm_config_build_from_source"] {
        assert!(
            shown.contains(&format!(
                "ENV {key}=0: it configures a package manager or toolchain"
            )) || shown.contains(&format!(
                "ENV {key}=true: it configures a package manager or toolchain"
            )),
            "{key}: {shown}"
        );
    }
    let toml = shown.split("--- isogen.toml").nth(1).unwrap();
    assert!(toml.contains("LOG_LEVEL"), "{shown}");
    assert!(
        !toml.contains("COREPACK") && !toml.contains("npm_config"),
        "{shown}"
    );
}

#[test]
fn a_builder_stages_arg_and_a_shell_form_cmds_variables_are_carried() {
    // Cap's apps/web/Dockerfile: `ARG NEXT_PUBLIC_DOCKER_BUILD=true` in the builder stage,
    // which `next build` reads, and `CMD HOSTNAME="0.0.0.0" node apps/web/server.js`.
    let ws = fixture("pnpm9-next");
    let hand = "# syntax=docker.io/docker/dockerfile:1\nARG APP_ENV=docker\n\
        FROM node:24-alpine AS base\nRUN corepack enable\n\
        FROM base AS builder\nWORKDIR /app\nCOPY . .\nRUN pnpm i --frozen-lockfile\n\
        ARG NEXT_PUBLIC_DOCKER_BUILD=true\nARG APP_ENV\nARG TARGETARCH\nARG PNPM_VERSION=9\n\
        ENV NEXT_PUBLIC_WEB_URL=http://localhost:3000\nRUN pnpm run build:web\n\
        FROM base AS unused\nARG NOT_COPIED=1\n\
        FROM base AS runner\nWORKDIR /app\n\
        COPY --from=builder /app/apps/web/.next/standalone ./\n\
        USER nextjs\nEXPOSE 3000\nCMD HOSTNAME=\"0.0.0.0\" NODE_OPTIONS=--max-old-space-size=2048 node apps/web/server.js\n";
    std::fs::write(ws.path().join("apps/web/Dockerfile"), hand).unwrap();
    let shown = force(ws.path());
    insta::assert_snapshot!(shown);
    assert!(!shown.contains("NOT_COPIED"), "{shown}");
    let dockerfile = std::fs::read_to_string(ws.path().join("apps/web/Dockerfile")).unwrap();
    let builder = &dockerfile[dockerfile.find("AS builder").unwrap()..];
    let builder = &builder[..builder.find("\nFROM ").unwrap()];
    for line in ["ARG NEXT_PUBLIC_DOCKER_BUILD=true", "ARG APP_ENV=docker"] {
        assert!(builder.contains(line), "{line} in\n{builder}");
    }
    let runtime = &dockerfile[dockerfile.rfind("\nFROM ").unwrap()..];
    assert!(
        runtime.contains("NODE_OPTIONS=\"--max-old-space-size=2048\""),
        "{runtime}"
    );
}
