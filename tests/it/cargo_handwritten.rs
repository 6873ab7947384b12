//! A Cargo server deployed by a hand-written Dockerfile that is not where isogen writes its own
//! (tests/fixtures/cargo-proxy, sozu's shape: a proxy on plain sockets, no server framework,
//! `Dockerfile` at the workspace root with `EXPOSE`, `VOLUME` and `ENTRYPOINT` + `CMD ["start",
//! "-c", ...]`). The first run names the binary the default rule made a tool and the setting
//! that makes it a service; once it is one, generate lists the hand-written run-time settings
//! to set, and says nothing more once isogen.toml has them.

use std::path::Path;

use assert_cmd::Command;

fn isogen() -> Command {
    Command::cargo_bin("isogen").unwrap()
}

/// A copy of tests/fixtures/cargo-proxy, its hand-written Dockerfile included.
fn proxy() -> tempfile::TempDir {
    crate::fixture_copy::copy("cargo-proxy", true)
}

/// `isogen generate --dry-run .` in `dir`: its exit code and stderr.
fn dry_run(dir: &Path) -> (Option<i32>, String) {
    let out = isogen()
        .current_dir(dir)
        .args(["generate", "--dry-run", "."])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_first_run_names_the_deployed_binary_the_default_rule_made_a_tool() {
    let ws = proxy();
    let (code, stderr) = dry_run(ws.path());
    assert_eq!(code, Some(2), "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn once_a_service_the_hand_written_run_time_settings_are_listed_until_set() {
    let ws = proxy();
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nservices = [\"proxy\"]\n",
    )
    .unwrap();
    let (code, stderr) = dry_run(ws.path());
    assert_eq!(code, Some(0), "{stderr}");
    insta::assert_snapshot!(stderr);

    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nservices = [\"proxy\"]\n\n[generate.services.proxy]\n\
         args = [\"start\", \"-c\", \"/app/deploy/config.toml\"]\n\
         expose = [80, 443]\nwritable = [{ path = \"/run/proxy\", volume = true }]\n",
    )
    .unwrap();
    let (code, stderr) = dry_run(ws.path());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("hand-written"), "{stderr}");
}

/// The dropped `COPY os-build/config.toml /etc/proxy/config.toml` names the exact `assets`
/// line; pasted into isogen.toml, the generated image copies the file there and the line is
/// the same in both, no longer dropped.
#[test]
fn the_assets_line_a_dropped_copy_names_ships_the_file_where_it_was() {
    let ws = proxy();
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[workspace]\nservices = [\"proxy\"]\n",
    )
    .unwrap();
    let (_, stderr) = dry_run(ws.path());
    let line =
        "assets = [{ from_root = \"os-build/config.toml\", to = \"/etc/proxy/config.toml\" }]";
    assert!(
        stderr.contains(&format!(
            "set `{line}` in [generate.services.proxy] (it lands there)"
        )),
        "{stderr}"
    );
    std::fs::write(
        ws.path().join("isogen.toml"),
        format!("[workspace]\nservices = [\"proxy\"]\n\n[generate.services.proxy]\n{line}\n"),
    )
    .unwrap();
    let out = isogen()
        .current_dir(ws.path())
        .args(["generate", "--dry-run", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        stdout.contains("COPY os-build/config.toml /etc/proxy/config.toml"),
        "{stdout}"
    );
    assert!(
        stderr.contains("COPY os-build/config.toml /etc/proxy/config.toml (the generated Dockerfile has it too)"),
        "{stderr}"
    );
    assert!(!stderr.contains("dropped line 18"), "{stderr}");
}

#[test]
fn a_repository_of_several_workspaces_names_them_at_its_root() {
    let repo = tempfile::tempdir().unwrap();
    let ws = proxy();
    std::fs::rename(ws.path(), repo.path().join("proxy")).unwrap();
    std::fs::write(repo.path().join("package.json"), "{}").unwrap();
    let out = isogen()
        .current_dir(repo.path())
        .args(["list", "."])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    insta::assert_snapshot!(String::from_utf8_lossy(&out));
}

/// kanidm's shape (tests/fixtures/cargo-thin): the daemon is a thin binary over the server
/// library, and the hand-written Dockerfile that runs it with its `server` subcommand lives in
/// the folder above the daemon's package (`server/Dockerfile` for `server/daemon`). The first
/// run finds the daemon and names that file's settings, the subcommand among them.
#[test]
fn a_dockerfile_above_the_package_folder_names_the_subcommand_of_a_thin_server() {
    let ws = crate::fixture_copy::copy("cargo-thin", true);
    std::fs::remove_file(ws.path().join("isogen.toml")).unwrap();
    let (code, stderr) = dry_run(ws.path());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "server/Dockerfile is a hand-written Dockerfile that builds service `idmd` (line 6)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("CMD [\"/sbin/idmd\", \"server\"] -> args = [\"server\"]"),
        "{stderr}"
    );
}
