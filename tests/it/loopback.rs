//! Services that listen on a loopback address only (tests/fixtures/pnpm9-loopback,
//! tests/fixtures/cargo-loopback): inside a container that is the container's own loopback,
//! so the server starts but nothing outside reaches it. `generate` names the file and line and
//! the fix that fits (the `env` line, the `args` line, a code change); the setting silences
//! it, a loopback value in the setting does not; `list` notes it on the service's row; a
//! service that listens on every interface is never named; a service refused for another
//! reason still has it named, in the same run as the error.

use assert_cmd::Command;

fn isogen() -> Command {
    Command::cargo_bin("isogen").unwrap()
}

/// stderr of `isogen generate` on `ws` (which must succeed), paths from the workspace root.
fn generate_stderr(ws: &tempfile::TempDir) -> String {
    let out = isogen().arg("generate").arg(ws.path()).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stderr)
        .unwrap()
        .replace(&format!("{}/", ws.path().display()), "")
}

/// The lines of `text` that say a service listens on loopback only.
fn loopback_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.contains("listens only on"))
        .collect()
}

/// Fastify's `listen({ port })` (localhost by default) and `HOST ?? 'localhost'` are named;
/// Fastify given `host: '0.0.0.0'` is not.
#[test]
fn node_services_on_loopback_are_named_with_their_fix() {
    let ws = crate::fixture_copy::copy("pnpm9-loopback", false);
    let stderr = generate_stderr(&ws);
    insta::assert_snapshot!(
        "generate_pnpm9_loopback",
        loopback_lines(&stderr).join("\n")
    );
    assert!(!stderr.contains("`billing`"), "{stderr}");
    // A `.listen` on a line of its own (a chain prettier broke) is read too.
    assert!(
        stderr.contains("services/mailer/src/server.js:11: `mailer` listens only on `127.0.0.1` (written in the code)"),
        "{stderr}"
    );
    // The exact line the warning gives, pasted into isogen.toml, silences it.
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.events]\nenv = { HOST = \"0.0.0.0\" }\n",
    )
    .unwrap();
    let stderr = generate_stderr(&ws);
    assert!(!stderr.contains("`events` listens"), "{stderr}");
    let dockerfile = std::fs::read_to_string(ws.path().join("services/events/Dockerfile")).unwrap();
    assert!(dockerfile.contains("ENV HOST=\"0.0.0.0\""), "{dockerfile}");
    // A loopback value given there is said as such.
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.events]\nenv = { HOST = \"127.0.0.1\" }\n",
    )
    .unwrap();
    let stderr = generate_stderr(&ws);
    assert!(
        stderr.contains(
            "`events` listens only on `127.0.0.1` (isogen.toml's `env` gives `HOST` that value)"
        ),
        "{stderr}"
    );
}

#[test]
fn list_notes_the_loopback_on_the_service_row() {
    let ws = crate::fixture_copy::copy("pnpm9-loopback", false);
    let out = isogen().arg("list").arg(ws.path()).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let row = |name: &str| {
        text.lines()
            .find(|l| l.contains(&format!("services/{name}")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        row("gateway").contains("`gateway` listens only on `localhost` (Fastify's `listen` given no `host`) at services/gateway/src/server.js:9"),
        "{text}"
    );
    assert!(row("events").contains("listens only on"), "{text}");
    assert!(!row("billing").contains("listens only on"), "{text}");
}

/// mini-redis's `format!("127.0.0.1:{port}")` and a clap default are named; the client's
/// `--host 127.0.0.1` and the bind in a test module are not.
#[test]
fn cargo_services_on_loopback_are_named_with_their_fix() {
    let ws = crate::fixture_copy::copy("cargo-loopback", false);
    let stderr = generate_stderr(&ws);
    insta::assert_snapshot!(
        "generate_cargo_loopback",
        loopback_lines(&stderr).join("\n")
    );
    assert!(!stderr.contains("cli.rs"), "{stderr}");
    assert!(!stderr.contains("server.rs:25"), "{stderr}");
    for setting in [
        "args = [\"--listen\", \"0.0.0.0:8080\"]",
        "args = [\"--listen=[::]:8080\"]",
        "env = { RELAY_LISTEN = \"0.0.0.0:8080\" }",
    ] {
        std::fs::write(
            ws.path().join("isogen.toml"),
            format!("[generate.services.relay]\n{setting}\n"),
        )
        .unwrap();
        let stderr = generate_stderr(&ws);
        assert!(!stderr.contains("`relay` listens"), "{setting}: {stderr}");
        assert!(stderr.contains("`pubsub-server` listens"), "{stderr}");
    }
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.relay]\nargs = [\"--listen\", \"localhost:8080\"]\n",
    )
    .unwrap();
    assert!(generate_stderr(&ws).contains("`relay` listens only on"));
}

/// The positional form (`app.listen(port)`: NestJS's on the Fastify adapter, Fastify 4's
/// legacy signature) in a package that uses Fastify binds localhost too; given a host, it is
/// silent.
#[test]
fn fastify_positional_listen_without_host_is_named() {
    let ws = crate::fixture_copy::copy("pnpm9-loopback", false);
    let server = ws.path().join("services/gateway/src/server.js");
    let text = std::fs::read_to_string(&server).unwrap();
    std::fs::write(
        &server,
        text.replace("app.listen({ port })", "app.listen(port)"),
    )
    .unwrap();
    let stderr = generate_stderr(&ws);
    assert!(
        stderr.contains("services/gateway/src/server.js:9: `gateway` listens only on `localhost` (Fastify's `listen`, and NestJS's on the Fastify adapter, given no host)"),
        "{stderr}"
    );
    assert!(stderr.contains("`listen(port, '0.0.0.0')`"), "{stderr}");
    std::fs::write(
        &server,
        text.replace("app.listen({ port })", "app.listen(port, '0.0.0.0')"),
    )
    .unwrap();
    assert!(!generate_stderr(&ws).contains("`gateway` listens"));
}

/// A thin binary over a server library (tests/fixtures/cargo-resolver's `zone-api` over
/// `zone-http`) binds where the library does: tiny_http's `Server::http("127.0.0.1:8053")` in
/// the library is named, with the code change that fixes it; once the library binds
/// `0.0.0.0`, nothing is said. A crate with binaries of its own that the service does not
/// link (`gateway`) and a bind on a non-loopback address (`dns-server`) say nothing.
#[test]
fn a_loopback_bind_in_a_workspace_library_the_service_runs_is_named() {
    let ws = crate::fixture_copy::copy("cargo-resolver", false);
    let stderr = generate_stderr(&ws);
    assert_eq!(
        loopback_lines(&stderr),
        vec![
            "warning: zone-http/src/lib.rs:5: `zone-api` listens only on `127.0.0.1:8053` \
             (written in the code): in a container that is the container's own loopback, so \
             nothing outside it reaches the server (`docker run -p`, a Kubernetes Service, \
             another container); bind `0.0.0.0` (or `[::]`) instead, or read the address from \
             an argument or a variable"
        ],
        "{stderr}"
    );
    let lib = ws.path().join("zone-http/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, text.replace("127.0.0.1:8053", "0.0.0.0:8053")).unwrap();
    assert!(loopback_lines(&generate_stderr(&ws)).is_empty());
}

/// A service refused for another reason (its entry is not built) has its loopback named in
/// the same run as the error, so a user fixes both at once.
#[test]
fn a_refused_service_still_has_its_loopback_named() {
    let ws = crate::fixture_copy::copy("pnpm9-loopback", false);
    let manifest = ws.path().join("services/events/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("node src/server.js", "node dist/server.js"),
    )
    .unwrap();
    let out = isogen().arg("generate").arg(ws.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("the entry `dist/server.js` of the service `events`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("services/events/src/server.js:16: `events` listens only on `localhost`"),
        "{stderr}"
    );
    assert!(!ws.path().join("services/gateway/Dockerfile").exists());
}

/// A Cargo service refused for its command line (tests/fixtures/cargo-loopback's
/// `pubsub-server`, made to require a positional argument and listed in `services`) has its loopback bind named in the
/// same run as the refusal, as a Node service has: one run shows both fixes.
#[test]
fn a_refused_cargo_service_still_has_its_loopback_named() {
    let ws = crate::fixture_copy::copy("cargo-loopback", false);
    let server = ws.path().join("pubsub/src/bin/server.rs");
    let text = std::fs::read_to_string(&server).unwrap();
    let edited = text.replace(
        "    #[arg(long)]\n    port: Option<u16>,",
        "    #[arg(long)]\n    port: Option<u16>,\n    /// The topic file.\n    topics: String,",
    );
    assert_ne!(edited, text);
    std::fs::write(&server, edited).unwrap();
    // A required argument makes it a tool by default; listed, it is a service again.
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nservices = [\"pubsub-server\", \"relay\"]\n",
    )
    .unwrap();
    let out = isogen().arg("generate").arg(ws.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8(out.stderr)
        .unwrap()
        .replace(&format!("{}/", ws.path().display()), "");
    assert!(
        stderr.contains("binary `pubsub-server` (service `pubsub-server`) needs an argument"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "warning: pubsub/src/bin/server.rs:19: `pubsub-server` listens only on \
             `127.0.0.1:{port}`"
        ),
        "{stderr}"
    );
}

/// meilisearch's shape (tests/fixtures/cargo-search): the clap option's variable and its
/// default are constants, the default given through a function (`env = MEILI_HTTP_ADDR`,
/// `default_value_t = default_http_addr()`, `"localhost:7700"`): named with the variable the
/// constant holds, silent once it is set to every interface.
#[test]
fn a_clap_default_through_a_constant_and_a_function_is_named() {
    let ws = crate::fixture_copy::copy("cargo-search", false);
    let stderr = generate_stderr(&ws);
    assert_eq!(
        loopback_lines(&stderr),
        [
            "warning: crates/search/src/main.rs:19: `search` listens only on `localhost:7700` \
          (its command line's default): in a container that is the container's own loopback, \
          so nothing outside it reaches the server (`docker run -p`, a Kubernetes Service, \
          another container); set `env = { SEARCH_HTTP_ADDR = \"0.0.0.0:7700\" }` (or `args = \
          [\"--http-addr\", \"0.0.0.0:7700\"]`) in [generate.services.search] of isogen.toml"
        ]
    );
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.search]\nenv = { SEARCH_HTTP_ADDR = \"0.0.0.0:7700\" }\n",
    )
    .unwrap();
    assert!(loopback_lines(&generate_stderr(&ws)).is_empty());
}

/// kanidm's shape (tests/fixtures/cargo-idm): the option has no default; the server's core
/// library puts a constant of another crate in place of an unset one
/// (`bindaddress.unwrap_or(DEFAULT_SERVER_ADDRESS.to_string())`, `"127.0.0.1:8443"` in the
/// proto crate). Named at the library's line with the option's variable; the client's
/// `DEFAULT_SERVER_LOCALHOST` (a tool's) is not; silent once the variable is set.
#[test]
fn a_loopback_constant_in_place_of_an_unset_option_is_named() {
    let ws = crate::fixture_copy::copy("cargo-idm", false);
    let stderr = generate_stderr(&ws);
    assert_eq!(
        loopback_lines(&stderr),
        [
            "warning: server/core/src/lib.rs:18: `idmd` listens only on `127.0.0.1:8443` (the \
          code's default when `bindaddress` is not set): in a container that is the \
          container's own loopback, so nothing outside it reaches the server (`docker run -p`, \
          a Kubernetes Service, another container); set `env = { IDM_BINDADDRESS = \
          \"0.0.0.0:8443\" }` in [generate.services.idmd] of isogen.toml"
        ]
    );
    let config = ws.path().join("isogen.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(
            "env = { IDM_DOMAIN = \"idm.example.com\" }",
            "env = { IDM_DOMAIN = \"idm.example.com\", IDM_BINDADDRESS = \"[::]:8443\" }",
        ),
    )
    .unwrap();
    assert!(loopback_lines(&generate_stderr(&ws)).is_empty());
}

/// oxigraph's shape: the listening address is an option of the serving subcommands
/// (`oxigraph serve --bind`, default `localhost:7878`, and the same in `serve-read-only`), so
/// the `args` line must name the subcommand first; `args = ["--bind", ...]` (what the warning
/// said) is an error of clap's top-level parser. With `args = ["serve"]` only `serve`'s option
/// is named (the other subcommand never runs); with the address given, nothing is.
#[test]
fn a_loopback_option_of_a_subcommand_gets_the_subcommand_in_its_args_line() {
    let ws = crate::fixture_copy::copy("cargo-loopback", false);
    std::fs::write(
        ws.path().join("relay/src/main.rs"),
        "use clap::{Parser, Subcommand};\n\
         \n\
         #[derive(Parser)]\n\
         struct Args {\n    #[command(subcommand)]\n    command: Command,\n}\n\
         \n\
         #[derive(Subcommand)]\n\
         enum Command {\n    \
             /// Serve read-write.\n    \
             Serve {\n        \
                 #[arg(short, long, default_value = \"localhost:7878\")]\n        \
                 bind: String,\n    \
             },\n    \
             /// Serve read-only.\n    \
             ServeReadOnly {\n        \
                 #[arg(short, long, default_value = \"localhost:7878\")]\n        \
                 bind: String,\n    \
             },\n}\n\
         \n\
         fn main() {\n    \
             let (Command::Serve { bind } | Command::ServeReadOnly { bind }) = Args::parse().command;\n    \
             let server = tiny_http::Server::http(&bind).expect(\"listen\");\n    \
             for request in server.incoming_requests() {\n        \
                 let _ = request.respond(tiny_http::Response::from_string(\"ok\"));\n    \
             }\n}\n",
    )
    .unwrap();
    let run = |toml: &str| {
        std::fs::write(ws.path().join("isogen.toml"), toml).unwrap();
        let out = isogen().arg("generate").arg(ws.path()).output().unwrap();
        let stderr = String::from_utf8(out.stderr)
            .unwrap()
            .replace(&format!("{}/", ws.path().display()), "");
        let relay: Vec<String> = loopback_lines(&stderr)
            .into_iter()
            .filter(|l| l.contains("`relay`"))
            .map(str::to_string)
            .collect();
        (out.status.code(), stderr, relay)
    };
    // No args: refused for the subcommand, and each serving subcommand's bind is named with
    // the line that runs it.
    let (code, stderr, relay) = run("");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("needs a subcommand"), "{stderr}");
    assert_eq!(relay.len(), 2, "{stderr}");
    assert!(
        relay[0].contains("set `args = [\"serve\", \"--bind\", \"0.0.0.0:7878\"]`")
            && relay[1]
                .contains("set `args = [\"serve-read-only\", \"--bind\", \"0.0.0.0:7878\"]`"),
        "{stderr}"
    );
    assert!(!stderr.contains("args = [\"--bind\""), "{stderr}");
    // The image runs `serve`: only its option is named.
    let (code, stderr, relay) = run("[generate.services.relay]\nargs = [\"serve\"]\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(relay.len(), 1, "{stderr}");
    assert!(
        relay[0].contains("relay/src/main.rs:14: `relay` listens only on `localhost:7878`")
            && relay[0].contains("set `args = [\"serve\", \"--bind\", \"0.0.0.0:7878\"]`"),
        "{stderr}"
    );
    // The address given after the subcommand: silent.
    let (code, stderr, relay) =
        run("[generate.services.relay]\nargs = [\"serve\", \"--bind\", \"0.0.0.0:7878\"]\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(relay.is_empty(), "{stderr}");
}
