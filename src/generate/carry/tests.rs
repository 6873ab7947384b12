//! What `--force` keeps of a hand-written Dockerfile, decision by decision.

use super::*;

const CARGO_GENERATED: &str = "ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12\nFROM ${RUNTIME_IMAGE} AS runtime\nWORKDIR /app\nUSER 10001:10001\nCMD [\"/app/lldap\"]\n";
const NODE_GENERATED: &str = "FROM node:20-slim AS runtime\nWORKDIR /app/services/api\nENV NODE_ENV=production\nUSER 10001:10001\nCMD [\"node\", \"/app/services/api/dist/main.js\"]\n";

fn target(generated: &'static str) -> Target<'static> {
    Target {
        generated,
        existing: None,
        section: "[generate.services.x]",
        service: None,
        uid: 10001,
        takes_workdir: generated == CARGO_GENERATED,
        package_dir: "",
        cargo_package: (generated == CARGO_GENERATED).then_some("lldap"),
        exists: &|_| false,
    }
}

fn verdicts(hand: &str, generated: &'static str) -> (Vec<(String, Verdict)>, Settings) {
    let c = carry(hand, &target(generated)).unwrap();
    let items = c
        .items
        .into_iter()
        .map(|i| (i.instruction, i.verdict))
        .collect();
    (items, c.settings)
}

/// The verdict of the first item whose instruction starts with `keyword`.
fn of<'a>(items: &'a [(String, Verdict)], keyword: &str) -> &'a Verdict {
    &items
        .iter()
        .find(|(text, _)| text.starts_with(keyword))
        .unwrap_or_else(|| panic!("no {keyword} in {items:?}"))
        .1
}

#[test]
fn a_cargo_subcommand_becomes_args_and_a_shell_healthcheck_on_distroless_is_dropped() {
    let hand = "FROM debian:12-slim\nCOPY lldap /usr/local/bin/lldap\nHEALTHCHECK CMD curl -f http://localhost:17170/health\nCMD [\"/usr/local/bin/lldap\", \"run\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert!(matches!(of(&items, "HEALTHCHECK"), Verdict::Dropped(why) if why.contains("/bin/sh")));
    assert_eq!(of(&items, "CMD"), &Verdict::Kept("args = [\"run\"]".into()));
    assert_eq!(settings.args, ["run"]);
    assert!(settings.healthcheck.is_none());
}

#[test]
fn package_managers_shell_forms_and_other_layouts_are_dropped_with_a_reason() {
    for (cmd, needle) in [
        ("CMD [\"npm\", \"start\"]", "package manager `npm`"),
        ("CMD node dist/main.js", "shell form"),
        ("CMD [\"node\", \"server.js\"]", "paths of the hand-written"),
    ] {
        let hand = format!("FROM node:20\nWORKDIR /usr/src/app\n{cmd}\n");
        let (items, settings) = verdicts(&hand, NODE_GENERATED);
        assert!(
            matches!(of(&items, "CMD"), Verdict::Dropped(why) if why.contains(needle)),
            "{cmd}: {items:?}"
        );
        assert!(settings.is_empty(), "{cmd}");
    }
}

/// openpanel's api: corepack's and npm's settings configure the package manager of the build
/// stages, not the service; only the service's own variable is kept.
#[test]
fn corepack_and_npm_config_variables_in_either_case_are_dropped() {
    let hand = "FROM node:22-slim\nENV COREPACK_INTEGRITY_KEYS=0\nENV npm_config_build_from_source=true NPM_CONFIG_LOGLEVEL=warn\nENV NODE_OPTIONS=\"--report-on-fatalerror\"\nCMD [\"node\", \"dist/main.js\"]\n";
    let (items, settings) = verdicts(hand, NODE_GENERATED);
    for key in ["ENV COREPACK", "ENV npm_config"] {
        assert!(
            matches!(of(&items, key), Verdict::Dropped(why) if why.contains("package manager")),
            "{key}: {items:?}"
        );
    }
    assert_eq!(
        settings.env.keys().collect::<Vec<_>>(),
        ["NODE_OPTIONS"],
        "{items:?}"
    );
}

/// warpgate's runtime stage: `ENV DEBIAN_FRONTEND=noninteractive` is for its own `apt-get`
/// installs, not a setting of the service (the generated image installs its packages itself).
#[test]
fn debian_frontend_in_the_final_stage_is_dropped_as_apts() {
    let hand = "FROM debian:12-slim\nENV DEBIAN_FRONTEND=noninteractive RUST_LOG=info\nRUN apt-get update && apt-get install -y ca-certificates\nCOPY lldap /app/lldap\nCMD [\"/app/lldap\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert!(
        matches!(of(&items, "ENV DEBIAN_FRONTEND"), Verdict::Dropped(why) if why.contains("apt")),
        "{items:?}"
    );
    assert_eq!(settings.env.keys().collect::<Vec<_>>(), ["RUST_LOG"]);
}

#[test]
fn the_same_entry_at_another_path_is_the_same_command() {
    let hand = "FROM node:20\nWORKDIR /usr/src/app\nCMD [\"node\", \"dist/main\"]\n";
    let (items, settings) = verdicts(hand, NODE_GENERATED);
    assert!(matches!(of(&items, "CMD"), Verdict::Dropped(why) if why.contains("same entry")));
    assert!(settings.is_empty());
}

#[test]
fn what_isogen_toml_or_the_generated_file_sets_already_is_not_carried() {
    let existing = ServiceConfig {
        env: [("PORT".to_string(), "8080".to_string())].into(),
        port: Some(8080),
        ..Default::default()
    };
    let t = Target {
        existing: Some(&existing),
        ..target(NODE_GENERATED)
    };
    let hand = "FROM node:20\nENV PORT=3000 NODE_ENV=production\nEXPOSE 8080\nUSER node\n";
    let c = carry(hand, &t).unwrap();
    let v: Vec<&Verdict> = c.items.iter().map(|i| &i.verdict).collect();
    assert!(matches!(v[0], Verdict::Dropped(w) if w.contains("isogen.toml sets env.PORT")));
    assert_eq!(v[1], &Verdict::Same);
    assert_eq!(v[2], &Verdict::Same);
    assert!(matches!(v[3], Verdict::Dropped(w) if w.contains("uid")));
    assert!(c.settings.is_empty());
}

#[test]
fn kept_settings_join_isogen_toml_keeping_its_comments() {
    let text = "# mine\n[generate.services.api]\nport = 3000 # the port\nenv = { A = \"1\" }\n";
    let settings = Settings {
        env: [("B".to_string(), "two words".to_string())].into(),
        expose: vec![9090],
        writable: vec![Writable {
            path: "data".into(),
            volume: true,
        }],
        ..Default::default()
    };
    let out = toml::add(text, "api", &settings).unwrap();
    assert_eq!(
        out,
        "# mine\n[generate.services.api]\nport = 3000 # the port\nenv = { A = \"1\", B = \"two words\" }\nexpose = [9090]\nwritable = [{ path = \"data\", volume = true }]\n"
    );
    let fresh = toml::add("", "my-svc", &settings).unwrap();
    assert!(fresh.starts_with("[generate.services.my-svc]\n"), "{fresh}");
}

/// pgcat's shape: a config file copied from the build context and a working directory of its
/// own are named as dropped, each with what to do; its stop signal is kept as `stop_signal`;
/// a copy from a stage is isogen's to replace and is not listed.
#[test]
fn context_files_and_workdir_are_named_as_dropped_and_the_stop_signal_kept() {
    let hand = "FROM rust:1 AS builder\nCOPY . .\nRUN cargo build --release\nFROM debian:12-slim\nCOPY --from=builder /target/release/lldap /usr/bin/lldap\nCOPY lldap.toml /etc/lldap/lldap.toml\nADD static ./static\nWORKDIR /etc/lldap\nSTOPSIGNAL SIGINT\nCMD [\"/usr/bin/lldap\", \"run\"]\n";
    let (items, _) = verdicts(hand, CARGO_GENERATED);
    let texts: Vec<&str> = items.iter().map(|(t, _)| t.as_str()).collect();
    assert!(!texts.iter().any(|t| t.contains("--from")), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("COPY . .")), "{texts:?}");
    assert!(matches!(of(&items, "COPY lldap.toml"),
        Verdict::Dropped(why) if why.contains("at /etc/lldap/lldap.toml") && why.contains("`assets` in [generate.services.x]")));
    assert!(matches!(of(&items, "ADD static"),
        Verdict::Dropped(why) if why.contains("at /static")));
    assert!(matches!(of(&items, "WORKDIR /etc/lldap"),
        Verdict::Dropped(why) if why.contains("works in /app") && why.contains("not in /etc/lldap")));
    assert_eq!(
        of(&items, "STOPSIGNAL"),
        &Verdict::Kept("stop_signal = \"SIGINT\"".into())
    );
    // The same working directory as the generated one is not worth a line.
    let (items, _) = verdicts(
        "FROM debian:12\nWORKDIR /app\nCMD [\"/app/lldap\"]\n",
        CARGO_GENERATED,
    );
    assert!(
        !items.iter().any(|(t, _)| t.starts_with("WORKDIR")),
        "{items:?}"
    );
}

/// A kept stop signal is written as `stop_signal`; `STOPSIGNAL SIGTERM` is the generated
/// image's already; a variable is no signal isogen can write.
#[test]
fn a_stop_signal_is_kept_as_the_setting_unless_it_is_sigterm() {
    let settings = Settings {
        stop_signal: Some(crate::generate::cfg::StopSignal("SIGQUIT".into())),
        ..Default::default()
    };
    let out = toml::add("", "api", &settings).unwrap();
    assert_eq!(out, "[generate.services.api]\nstop_signal = \"SIGQUIT\"\n");
    let hand =
        |signal: &str| format!("FROM debian:12\nSTOPSIGNAL {signal}\nCMD [\"/app/lldap\"]\n");
    let (items, _) = verdicts(&hand("SIGTERM"), CARGO_GENERATED);
    assert_eq!(of(&items, "STOPSIGNAL"), &Verdict::Same);
    let (items, _) = verdicts(&hand("$SIG"), CARGO_GENERATED);
    assert!(matches!(of(&items, "STOPSIGNAL"),
        Verdict::Dropped(why) if why.contains("is not a signal") && why.contains("`stop_signal`")));
}

/// As rallly's hand-written web image (`node:24-slim` plus `apt-get install curl`) checks its
/// health with curl: the generated runtime (a Node `-slim` image) has no curl, so the carried
/// check would mark the container unhealthy for ever. Dropped, with a command that works.
#[test]
fn a_curl_or_wget_healthcheck_is_dropped_on_a_slim_runtime() {
    for check in [
        "HEALTHCHECK CMD curl --fail --noproxy '*' http://localhost:${PORT}/api/status || exit 1",
        "HEALTHCHECK CMD [\"/usr/bin/wget\", \"-q\", \"http://localhost:3000/\"]",
    ] {
        let hand = format!("FROM node:24-slim\nRUN apt-get install -y curl wget\n{check}\nCMD [\"node\", \"/app/services/api/dist/main.js\"]\n");
        let (items, settings) = verdicts(&hand, NODE_GENERATED);
        assert!(
            matches!(of(&items, "HEALTHCHECK"), Verdict::Dropped(why) if why.contains("which the runtime image (node:20-slim) does not have") && why.contains("fetch(")),
            "{check}: {items:?}"
        );
        assert!(settings.healthcheck.is_none(), "{check}");
    }
    // A check with node is kept.
    let hand = "FROM node:24-slim\nHEALTHCHECK CMD node -e \"fetch('http://localhost:3000/')\"\n";
    let (items, _) = verdicts(hand, NODE_GENERATED);
    assert!(
        matches!(of(&items, "HEALTHCHECK"), Verdict::Kept(_)),
        "{items:?}"
    );
}

/// garage's root Dockerfile copies the binary a Nix build left in `result/bin/`: that line is
/// the binary the generated image builds itself, not a run-time file to list in `assets`.
#[test]
fn a_copy_of_the_prebuilt_binary_is_named_as_the_binary() {
    let hand = "FROM scratch\nENV RUST_LOG=garage=info\nCOPY result/bin/lldap /\nCMD [\"/lldap\", \"run\"]\n";
    let (items, _) = verdicts(hand, CARGO_GENERATED);
    assert!(matches!(of(&items, "COPY result/bin/lldap"),
        Verdict::Dropped(why) if why.contains("the service's binary") && !why.contains("assets")));
}

/// symbolicator's Dockerfile copies a binary its CI built, named through an `ARG`
/// (`ARG BINARY=./binaries/$TARGETPLATFORM/symbolicator`, `COPY --chmod=0755 ${BINARY}
/// /bin/symbolicator`): the service's binary, not a run-time file to list in `assets`.
#[test]
fn a_copy_of_the_prebuilt_binary_named_through_an_arg_is_named_as_the_binary() {
    let hand = "FROM gcr.io/distroless/cc-debian12:nonroot\nARG TARGETPLATFORM\nARG BINARY=./binaries/$TARGETPLATFORM/lldap\nCOPY --chmod=0755 ${BINARY} /bin/lldap\nENTRYPOINT [\"/bin/lldap\"]\n";
    let (items, _) = verdicts(hand, CARGO_GENERATED);
    assert!(matches!(of(&items, "COPY --chmod=0755 ${BINARY}"),
        Verdict::Dropped(why) if why.contains("the service's binary") && !why.contains("assets")));
    // An ARG naming another file is still a run-time file of the build context.
    let hand = "FROM debian:12-slim\nARG CONFIG=config/prod.toml\nCOPY $CONFIG /etc/lldap.toml\nCMD [\"/usr/local/bin/lldap\"]\n";
    let (items, _) = verdicts(hand, CARGO_GENERATED);
    assert!(matches!(of(&items, "COPY $CONFIG"),
        Verdict::Dropped(why) if why.contains("assets")));
}

/// rqbit's shape: the hand-written WORKDIR is kept as `workdir` and volumes under it stay
/// relative to it, unless an ENV or the command names the absolute folder (then the setting
/// keeps it, so the folder the service is pointed at exists and is writable).
#[test]
fn a_volume_named_by_an_env_or_the_command_keeps_its_absolute_path() {
    let hand = "FROM debian:12-slim\nWORKDIR /home/rqbit\nENV XDG_DATA_HOME=/home/rqbit/db\n\
                VOLUME /home/rqbit/db\nVOLUME /home/rqbit/cache\nVOLUME /home/rqbit/downloads\n\
                VOLUME /home/rqbit/data\n\
                CMD [\"/bin/rqbit\", \"server\", \"start\", \"/home/rqbit/downloads\", \"--db\", \"/home/rqbit/database\"]\n";
    let (_, settings) = verdicts(hand, CARGO_GENERATED);
    let paths: Vec<&str> = settings.writable.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/home/rqbit/db", "cache", "/home/rqbit/downloads", "data"]
    );
    assert_eq!(settings.workdir.as_deref(), Some("/home/rqbit"));
}

/// kanidm's shape: the health check runs the service's own binary at the hand-written image's
/// path; the setting names it where the generated image has it.
#[test]
fn a_healthcheck_running_the_service_binary_uses_the_generated_path() {
    let hand = "FROM debian:12-slim\nCOPY lldap /sbin/lldap\n\
                HEALTHCHECK --interval=60s CMD [\"/sbin/lldap\", \"healthcheck\"]\n\
                CMD [\"/sbin/lldap\", \"run\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert!(
        matches!(of(&items, "HEALTHCHECK"), Verdict::Kept(k) if k.contains("cmd = [\"/app/lldap\", \"healthcheck\"]")),
        "{items:?}"
    );
    assert!(settings.healthcheck.is_some());
}

/// rqbit's shape: a CA bundle downloaded by `ADD <url>` and an `ENV` pointing at it; the
/// generated image ships neither, so the ENV is not suggested (it would name a missing file).
#[test]
fn an_env_naming_a_file_a_dropped_add_put_there_is_dropped_too() {
    let hand = "FROM debian:12-slim\nENV SSL_CERT_FILE=/etc/ssl/cacerts.pem\n\
                ADD https://curl.se/ca/cacert.pem /etc/ssl/cacerts.pem\nENV RUST_LOG=info\n\
                CMD [\"/bin/lldap\", \"run\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert!(
        matches!(of(&items, "ADD"), Verdict::Dropped(why) if why.starts_with("a file downloaded from https://curl.se/ca/cacert.pem at build time at /etc/ssl/cacerts.pem")),
        "{items:?}"
    );
    assert!(
        matches!(of(&items, "ENV SSL_CERT_FILE"), Verdict::Dropped(why) if why.contains("line 3 puts there")),
        "{items:?}"
    );
    assert_eq!(settings.env.keys().collect::<Vec<_>>(), ["RUST_LOG"]);
}

/// vaultwarden's shape: scripts copied from the build context to `/`, a health check that runs
/// one of them, and a data folder in an `ENV`. The health check is dropped with the script (it
/// would always fail); an `ENV` naming another absolute path is not caught by the copy to `/`.
#[test]
fn a_health_check_running_a_dropped_script_is_dropped_with_it() {
    let hand = "FROM debian:12-slim\nENV DATA_FOLDER=/data\nVOLUME /data\nWORKDIR /\nCOPY docker/healthcheck.sh docker/start.sh /\nCOPY --from=build /app/vaultwarden .\nHEALTHCHECK --interval=60s --timeout=10s CMD [\"/healthcheck.sh\"]\nCMD [\"/start.sh\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert!(
        matches!(of(&items, "HEALTHCHECK"),
        Verdict::Dropped(why) if why.contains("it runs /healthcheck.sh, which the instruction on line 5")
            && why.contains("`healthcheck` in [generate.services.x]")),
        "{items:?}"
    );
    assert!(settings.healthcheck.is_none());
    assert!(
        matches!(of(&items, "ENV DATA_FOLDER"), Verdict::Kept(_)),
        "{items:?}"
    );
    assert_eq!(
        settings.env.get("DATA_FOLDER").map(String::as_str),
        Some("/data")
    );
}

/// kellnr's shape: `ENTRYPOINT ["/bin/sh", "-c", "update-ca-certificates && kellnr start"]`
/// runs the service last, with its subcommand: the subcommand is kept as `args`, and the step
/// before it is named as not run. A script whose last step holds a variable is not read.
#[test]
fn a_shell_script_ending_in_the_service_keeps_its_arguments() {
    let hand = "FROM alpine:3\nENTRYPOINT [\"/bin/sh\", \"-c\" , \"update-ca-certificates && lldap run\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert!(
        matches!(of(&items, "ENTRYPOINT"),
        Verdict::Kept(why) if why.starts_with("args = [\"run\"]") && why.contains("after `update-ca-certificates`")),
        "{items:?}"
    );
    assert_eq!(settings.args, ["run"]);
    let hand = "FROM alpine:3\nCMD [\"/bin/sh\", \"-c\", \"mkdir -p /d && exec /home/app/lldap run ${PORT}\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert!(
        matches!(of(&items, "CMD"), Verdict::Dropped(_)),
        "{items:?}"
    );
    assert!(settings.args.is_empty());
}

/// rustdesk's hbbs shape: a Cargo service that writes its key and database into its working
/// folder keeps the hand-written `WORKDIR` as `workdir` (the binary does not depend on where it
/// runs); a Node service, a system folder or a `workdir` isogen.toml sets already drop it.
#[test]
fn a_cargo_services_workdir_is_kept_as_the_setting() {
    let hand =
        "FROM debian:12-slim\nWORKDIR /root\nCOPY --from=b /r/hbbs /usr/bin/hbbs\nCMD [\"hbbs\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert_eq!(
        of(&items, "WORKDIR"),
        &Verdict::Kept("workdir = \"/root\"".into())
    );
    assert_eq!(settings.workdir.as_deref(), Some("/root"));
    let text = toml::add("", "hbbs", &settings).unwrap();
    assert!(text.contains("workdir = \"/root\""), "{text}");

    let node = "FROM node:20\nWORKDIR /data\nCMD [\"node\", \"dist/main.js\"]\n";
    let (items, settings) = verdicts(node, NODE_GENERATED);
    assert!(matches!(of(&items, "WORKDIR"), Verdict::Dropped(w) if w.contains("not in /data")));
    assert_eq!(settings.workdir, None);

    let system = "FROM debian:12\nWORKDIR /etc/hbbs\nCMD [\"/usr/bin/hbbs\"]\n";
    let (items, settings) = verdicts(system, CARGO_GENERATED);
    assert!(matches!(of(&items, "WORKDIR"),
        Verdict::Dropped(w) if w.contains("`workdir` takes an absolute folder outside")));
    assert_eq!(settings.workdir, None);

    let existing = ServiceConfig {
        workdir: Some("/srv".into()),
        ..Default::default()
    };
    let t = Target {
        existing: Some(&existing),
        ..target(CARGO_GENERATED)
    };
    let c = carry(hand, &t).unwrap();
    assert!(c.items.iter().any(|i| matches!(&i.verdict,
        Verdict::Dropped(w) if w.contains("isogen.toml sets workdir = \"/srv\" already"))));
    assert_eq!(c.settings.workdir, None);
}

/// A `COPY` of a file of the build context is dropped with the exact `assets` line, when the
/// file is found: relative to the package folder (a context of the package folder, or of the
/// root naming the package's path), or, for Cargo, a path of the root as `from_root` (`to`: where
/// the hand-written file put it); with where it lands in the generated image.
#[test]
fn a_dropped_copy_of_a_found_file_gets_its_exact_assets_line() {
    let files = [
        "services/api/config/default.json",
        "services/api/certs",
        "web/build",
    ];
    let exists = |p: &str| files.contains(&p);
    let node = Target {
        package_dir: "services/api",
        exists: &exists,
        ..target(NODE_GENERATED)
    };
    let hand = "FROM node:20-slim\nWORKDIR /srv\nCOPY config/default.json ./config/\nCOPY services/api/certs /etc/certs\nCOPY web/build /srv/public\nCOPY missing.txt /srv/\nCMD [\"node\", \"dist/main.js\"]\n";
    let items = carry(hand, &node).unwrap().items;
    let why = |prefix: &str| match &items
        .iter()
        .find(|i| i.instruction.starts_with(prefix))
        .unwrap()
        .verdict
    {
        Verdict::Dropped(why) => why.clone(),
        v => panic!("{prefix}: {v:?}"),
    };
    let config = why("COPY config/default.json");
    assert!(
        config.contains("set `assets = [\"config/default.json\"]` in [generate.services.x]"),
        "{config}"
    );
    assert!(
        config.contains("it lands at /app/services/api/config/default.json"),
        "{config}"
    );
    let certs = why("COPY services/api/certs");
    assert!(certs.contains("`assets = [\"certs\"]`"), "{certs}");
    assert!(certs.contains("/app/services/api/certs"), "{certs}");
    // Outside the package: a Node service has no such asset; the generic advice stays.
    let web = why("COPY web/build");
    assert!(!web.contains("assets = ["), "{web}");
    assert!(web.contains("list it in `assets`"), "{web}");
    assert!(!why("COPY missing.txt").contains("assets = ["));

    let cargo = Target {
        package_dir: "crates/server",
        exists: &|p: &str| p == "web/build",
        ..target(CARGO_GENERATED)
    };
    let hand = "FROM debian:12-slim\nCOPY web/build /app/public\nCMD [\"/app/lldap\"]\n";
    let items = carry(hand, &cargo).unwrap().items;
    match &items[0].verdict {
        Verdict::Dropped(why) => {
            assert!(
                why.contains("`assets = [{ from_root = \"web/build\", to = \"/app/public\" }]`"),
                "{why}"
            );
            assert!(why.contains("(it lands there)"), "{why}");
        }
        v => panic!("{v:?}"),
    }
}

/// `--start-interval` is kept (the engine that built the hand-written file takes it), but the
/// report says which engines refuse it: buildah 1.28 (Debian bookworm) fails the whole build on
/// it, and CI runners often have that one.
#[test]
fn a_kept_start_interval_names_the_engines_that_refuse_it() {
    let hand = "FROM node:24-slim\nHEALTHCHECK --interval=30s --start-period=20s --start-interval=2s CMD [\"node\", \"healthcheck.js\"]\n";
    let (items, settings) = verdicts(hand, NODE_GENERATED);
    assert!(
        matches!(of(&items, "HEALTHCHECK"), Verdict::Kept(k) if k.contains("start_interval = \"2s\"")
            && k.contains("--start-interval needs Docker Engine 25 or later")
            && k.contains("buildah 1.28")),
        "{items:?}"
    );
    assert!(settings.healthcheck.is_some());
    let hand = "FROM node:24-slim\nHEALTHCHECK --interval=30s CMD [\"node\", \"healthcheck.js\"]\n";
    let (items, _) = verdicts(hand, NODE_GENERATED);
    assert!(
        matches!(of(&items, "HEALTHCHECK"), Verdict::Kept(k) if !k.contains("Docker Engine")),
        "{items:?}"
    );
}

/// A build stage's `ARG` against isogen.toml's `build_args`, and a shell-form `CMD` whose
/// variables are kept while the command after them cannot be read as a list.
#[test]
fn build_args_listed_already_or_naming_variables_and_a_shell_cmd_with_a_pipe() {
    let existing = ServiceConfig {
        build_args: vec![
            crate::generate::cfg::BuildArg("SAME=1".into()),
            crate::generate::cfg::BuildArg("OTHER".into()),
        ],
        ..Default::default()
    };
    let t = Target {
        existing: Some(&existing),
        ..target(NODE_GENERATED)
    };
    let hand = "ARG V=2\nFROM node:20 AS build\nARG SAME=1 OTHER=3 FROM_VAR=$HOME\nARG V\nRUN x\n\
                FROM node:20-slim\nCOPY --from=build /a /a\n\
                CMD LOG=debug node dist/main.js | tee log\n";
    let c = carry(hand, &t).unwrap();
    let items: Vec<(String, Verdict)> = c
        .items
        .into_iter()
        .map(|i| (i.instruction, i.verdict))
        .collect();
    assert_eq!(of(&items, "ARG SAME"), &Verdict::Same);
    assert!(matches!(of(&items, "ARG OTHER"), Verdict::Dropped(w) if w.contains("\"OTHER\"")));
    assert!(matches!(of(&items, "ARG FROM_VAR"), Verdict::Dropped(w) if w.contains("variable")));
    // `ARG V` in the stage takes the global default.
    assert!(matches!(of(&items, "ARG V=2"), Verdict::Kept(_)));
    assert!(matches!(of(&items, "LOG=debug"), Verdict::Kept(_)));
    assert!(matches!(of(&items, "CMD"), Verdict::Dropped(w) if w.contains("shell form")));
    assert_eq!(c.settings.build_args, ["V=2"]);
    assert_eq!(
        c.settings.env,
        [("LOG".to_string(), "debug".to_string())].into()
    );
    // Written into isogen.toml beside what it lists, a name once.
    let text = "[generate.services.x]\nbuild_args = [\"OTHER\"]\n";
    let settings = Settings {
        build_args: vec!["OTHER=3".into(), "V=2".into()],
        ..Default::default()
    };
    assert_eq!(
        toml::add(text, "x", &settings).unwrap(),
        "[generate.services.x]\nbuild_args = [\"OTHER\", \"V=2\"]\n"
    );
}

#[test]
fn a_build_stages_env_is_kept_in_build_args_unless_the_build_image_sets_it() {
    // A Cargo builder with sqlx's offline mode and its own flags; PATH and CARGO_HOME belong
    // to that build image, a value naming a variable cannot be carried.
    let hand = "FROM rust:1 AS builder\nENV SQLX_OFFLINE=true RUSTFLAGS=\"-C target-cpu=x86-64-v2\"\n\
                ENV PATH=/usr/local/cargo/bin:$PATH\nENV CARGO_HOME=/cargo\nENV OUT=$HOME/out\n\
                RUN cargo build --release\n\
                FROM debian:12-slim\nENV RUST_LOG=info\nCOPY --from=builder /target/release/lldap /app/lldap\n\
                CMD [\"/app/lldap\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert_eq!(
        of(&items, "ENV SQLX_OFFLINE"),
        &Verdict::Kept(
            "build_args = [\"SQLX_OFFLINE=true\"] (the generated build stages declare it with \
             this value, which their commands read as they read the ENV)"
                .into()
        )
    );
    assert!(matches!(of(&items, "ENV RUSTFLAGS=\"-C"), Verdict::Kept(_)));
    assert!(matches!(of(&items, "ENV PATH"), Verdict::Dropped(w) if w.contains("set their own")));
    assert!(matches!(of(&items, "ENV CARGO_HOME"), Verdict::Dropped(_)));
    assert!(matches!(of(&items, "ENV OUT"), Verdict::Dropped(w) if w.contains("variable")));
    assert_eq!(
        settings.build_args,
        ["SQLX_OFFLINE=true", "RUSTFLAGS=-C target-cpu=x86-64-v2"]
    );
    // The final stage's ENV is the run time's, not a build argument.
    assert_eq!(
        settings.env,
        [("RUST_LOG".to_string(), "info".to_string())].into()
    );
}

#[test]
fn a_hand_written_cargo_builds_feature_flags_are_kept_as_the_services_features() {
    // oxigraph's builder: features the image was built with, which a build with the
    // defaults would silently lose.
    let hand = "FROM rust:1 AS builder\nCOPY . .\n\
                RUN apt-get update && cargo build --release -p lldap --no-default-features \\\n  \
                --features rustls-webpki,geosparql -F \"http2 otel\" && strip x\n\
                RUN cargo build -p other-tool --features debug\n\
                RUN cargo build --bin lldap-migrate --features migrate\n\
                FROM debian:12-slim\nCOPY --from=builder /target/release/lldap /app/lldap\n\
                CMD [\"/app/lldap\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert_eq!(
        settings.features,
        ["rustls-webpki", "geosparql", "http2", "otel"]
    );
    assert!(settings.no_default_features);
    let cargo: Vec<&Verdict> = (items.iter())
        .filter(|(text, _)| text.contains("cargo"))
        .map(|(_, v)| v)
        .collect();
    // Another package's and another binary's builds are not this service's.
    assert_eq!(cargo.len(), 2, "{items:?}");
    assert!(matches!(cargo[0], Verdict::Kept(w) if w.starts_with("features = [\"rustls-webpki\"")));
    assert!(matches!(cargo[1], Verdict::Kept(w) if w.starts_with("no_default_features = true")));
    // A Node service's hand-written file has no cargo features to keep.
    let (items, settings) = verdicts(hand, NODE_GENERATED);
    assert!(settings.features.is_empty() && !settings.no_default_features);
    assert!(!items.iter().any(|(text, _)| text.contains("cargo build")));
}

#[test]
fn an_exec_form_cargo_build_keeps_its_features_too() {
    let hand = "FROM rust:1 AS builder\nCOPY . .\n\
                RUN [\"cargo\", \"build\", \"--release\", \"--features\", \"tls,metrics\"]\n\
                FROM debian:12-slim\nCOPY --from=builder /target/release/lldap /app/lldap\n\
                CMD [\"/app/lldap\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert_eq!(settings.features, ["tls", "metrics"], "{items:?}");
}

#[test]
fn cargo_features_isogen_toml_sets_already_are_the_same_or_dropped_and_all_features_is_named() {
    let hand = "FROM rust:1 AS builder\nRUN cargo install --path . --features=tls\n\
                RUN cargo build --all-features\n\
                FROM debian:12-slim\nCOPY --from=builder /usr/local/cargo/bin/lldap /app/lldap\n\
                CMD [\"/app/lldap\"]\n";
    let config: crate::config::Config = crate::config::Config::parse(
        "[generate.services.x]\nfeatures = [\"tls\"]\n",
        "isogen.toml".as_ref(),
    )
    .unwrap();
    let mut t = target(CARGO_GENERATED);
    t.existing = config.generate.service("x");
    let c = carry(hand, &t).unwrap();
    let of_line = |line: usize| -> Vec<&Verdict> {
        (c.items.iter())
            .filter(|i| i.line == line)
            .map(|i| &i.verdict)
            .collect()
    };
    assert_eq!(of_line(2), [&Verdict::Same]);
    assert!(
        matches!(of_line(3)[..], [Verdict::Dropped(w)] if w.contains("`--all-features` has no setting"))
    );
    assert!(c.settings.features.is_empty());
    // Listed otherwise: dropped, naming what isogen.toml says.
    let config: crate::config::Config = crate::config::Config::parse(
        "[generate.services.x]\nfeatures = [\"rustls\"]\n",
        "isogen.toml".as_ref(),
    )
    .unwrap();
    t.existing = config.generate.service("x");
    let c = carry(hand, &t).unwrap();
    assert!(matches!(&c.items[0].verdict, Verdict::Dropped(w) if w.contains("[\"rustls\"]")));
}

/// erxes' hand-written Dockerfiles run `node --import tsx` on sources: the fix is not a `cmd`
/// (that would put the toolchain back), the generated image runs the build's output.
#[test]
fn a_command_running_typescript_sources_is_dropped_naming_the_loader() {
    for (cmd, how) in [
        (
            "[\"node\", \"--import\", \"tsx\", \"services/api/src/main.ts\"]",
            "`--import tsx`",
        ),
        (
            "[\"node\", \"-r\", \"ts-node/register\", \"src/main.ts\"]",
            "`-r ts-node/register`",
        ),
        ("[\"tsx\", \"src/main.ts\"]", "with `tsx`"),
        ("[\"node\", \"src/main.ts\"]", "type stripping"),
    ] {
        let hand = format!("FROM node:22-slim\nWORKDIR /app\nCOPY . .\nCMD {cmd}\n");
        let (items, settings) = verdicts(&hand, NODE_GENERATED);
        assert!(
            matches!(of(&items, "CMD"), Verdict::Dropped(why)
                if why.contains(how) && why.contains("dist/main.js") && !why.contains("set `cmd`")),
            "{cmd}: {items:?}"
        );
        assert!(settings.cmd.is_none());
    }
}

/// roapi's builder runs `cargo build --release --locked --bin roapi --features ${FEATURES}`
/// with `ARG FEATURES="database,ui"`: the features are what the default stands for (isogen.toml
/// refuses `"${FEATURES}"`, which is no feature name); a build argument without a default
/// cannot be kept.
#[test]
fn cargo_features_named_through_a_build_arg_are_the_args_default() {
    let hand = "ARG FEATURES=\"database,ui\"\nFROM rust:1 AS builder\nARG FEATURES\nRUN cargo build --release --locked --features ${FEATURES}\n\
                FROM debian:12-slim\nCOPY --from=builder /target/release/lldap /usr/local/bin/lldap\nCMD [\"/usr/local/bin/lldap\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert_eq!(settings.features, ["database", "ui"]);
    assert_eq!(
        of(&items, "RUN cargo build"),
        &Verdict::Kept(
            "features = [\"database\", \"ui\"] (the generated build passes them to cargo)".into()
        )
    );
    let hand = "FROM rust:1 AS builder\nARG EXTRA\nRUN cargo build --release --features $EXTRA\n\
                FROM debian:12-slim\nCOPY --from=builder /target/release/lldap /usr/local/bin/lldap\nCMD [\"/usr/local/bin/lldap\"]\n";
    let (items, settings) = verdicts(hand, CARGO_GENERATED);
    assert!(settings.features.is_empty());
    assert!(matches!(of(&items, "RUN cargo build"),
        Verdict::Dropped(why) if why.contains("`$EXTRA` is a build argument without a default")));
}
