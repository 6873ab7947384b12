//! A hand-written Dockerfile that builds a Cargo service but is not where isogen writes that
//! service's Dockerfile (sozu's and svix-server's `Dockerfile` at the workspace root, isogen's
//! in the crate's folder): `--force` never reads it, so its run-time settings (`EXPOSE`,
//! `VOLUME`, the `start -c ...` arguments after `ENTRYPOINT`) would be silently missing from
//! the generated image. `generate` warns, listing what `generate::carry` would keep (as
//! isogen.toml settings) and what it drops, so the first run says what to set.
//!
//! Likewise a binary the default rule makes a tool but a hand-written Dockerfile builds (a
//! server on a framework isogen does not know) is named with the setting that makes it a
//! service.
//!
//! It reads only Dockerfiles at the workspace root, in the service's package folder, in the
//! folders above it (kanidm's `server/Dockerfile` builds `server/daemon`) and in a top-level
//! `docker/`, `deploy/` or `dockerfiles/` folder (not test images deep in the tree); it writes
//! nothing.

use std::path::Path;

use isogen::config::Config;
use isogen::generate::carry::Verdict;
use isogen::generate::{write, GeneratedFile, DOCKERFILE};
use isogen::workspace::roles::{self, Role};
use isogen::workspace::{Ecosystem, Workspace};

/// Top-level folders that hold deployment Dockerfiles.
const DEPLOY_DIRS: &[&str] = &["docker", "deploy", "dockerfiles"];

/// One warning per (hand-written file, service) pair whose settings isogen.toml lacks.
pub fn warnings(
    root: &Path,
    ws: &Workspace,
    config: &Config,
    files: &[GeneratedFile],
) -> Vec<String> {
    let generated: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut out = Vec::new();
    for file in files.iter().filter(|f| f.path.ends_with(DOCKERFILE)) {
        let Some(service) = ws.services.iter().find(|s| s.name == file.service) else {
            continue;
        };
        let package = ws.service_package(service);
        if package.ecosystem != Ecosystem::Cargo {
            continue;
        }
        for (path, text) in candidates(root, &package.dir, &generated) {
            let Some(line) = builds(&text, &service.entry, Some(&package.name)) else {
                continue;
            };
            let section = format!("[generate.services.{}]", file.service);
            let Ok(carried) = super::carry::carry_into(&text, file, &section, (config, ws)) else {
                continue;
            };
            if !carried
                .items
                .iter()
                .any(|i| matches!(i.verdict, Verdict::Kept(_)))
            {
                continue;
            }
            let mut warning = format!(
                "{path} is a hand-written Dockerfile that builds service `{}` (line {line}), but \
                 isogen writes {}: none of its run-time settings reach the generated image \
                 (`--force` reads only a Dockerfile at the path it writes). Set what the \
                 service needs in {section} of isogen.toml:",
                file.service, file.path
            );
            for item in &carried.items {
                warning.push('\n');
                warning.push_str(&super::carry::item_line(item, "to set"));
            }
            out.push(warning);
        }
    }
    out
}

/// One warning per Cargo binary the default rule makes a tool that a hand-written Dockerfile
/// builds: a server without a framework isogen knows (sozu's proxy on mio) is deployed, so
/// the first run names it and the setting that makes it a service.
pub fn deployed_tools(root: &Path, ws: &Workspace, config: &Config) -> isogen::Result<Vec<String>> {
    let rows = roles::roles(ws, &config.workspace)?;
    let mut out = Vec::new();
    for (package, row) in ws.packages.iter().zip(&rows) {
        let Some(cargo) = package.cargo.as_ref().filter(|_| row.role == Role::Tool) else {
            continue;
        };
        // `-p <package>` names the binary only when the package has one.
        let name = (cargo.bins.len() == 1).then_some(package.name.as_str());
        for bin in &cargo.bins {
            let Some(reason) = isogen::workspace::tool_reason(package, &bin.name) else {
                continue;
            };
            let built = candidates(root, &package.dir, &[])
                .into_iter()
                .filter(|(path, text)| runs(root, path, text, &bin.name))
                .find_map(|(path, text)| builds(&text, &bin.name, name).map(|l| (path, l)));
            if let Some((path, line)) = built {
                out.push(format!(
                    "binary `{}` of package `{}` is a tool by default ({reason}), so it gets no \
                     Dockerfile, but the hand-written {path} builds it (line {line}): if it is a \
                     deployed server, list it with the other services in [workspace] services \
                     of isogen.toml (that list replaces the default rule) and set its \
                     arguments in [generate.services.{}]; if it is not, add it to [workspace] \
                     not_services to silence this",
                    bin.name, package.name, bin.name
                ));
            }
        }
    }
    Ok(out)
}

/// The hand-written Dockerfiles (path relative to `root`, text) in the places a deployment
/// Dockerfile lives, skipping isogen's own and the paths this run writes.
fn candidates(root: &Path, package_dir: &str, generated: &[&str]) -> Vec<(String, String)> {
    let mut dirs = vec![String::new()];
    let mut dir = package_dir;
    while !dir.is_empty() {
        dirs.push(dir.to_string());
        dir = dir.rsplit_once('/').map_or("", |(up, _)| up);
    }
    for d in DEPLOY_DIRS {
        if !dirs.iter().any(|x| x == d) {
            dirs.push(d.to_string());
        }
    }
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(entries) = isogen::fsio::read_dir(root.join(&dir)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| is_dockerfile_name(n))
            .collect();
        names.sort();
        for name in names {
            let rel = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            if generated.contains(&rel.as_str()) {
                continue;
            }
            let Ok(bytes) = isogen::fsio::read(root.join(&rel)) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if !write::has_header(&text) {
                found.push((rel, text));
            }
        }
    }
    found
}

/// Whether the image `text` builds runs binary `bin`: its command (`ENTRYPOINT`/`CMD` of the
/// stage named after `bin`, else of the final stage) names it. restate's Dockerfile ships
/// `restatectl` beside `restate-server`, which it runs: a command-line tool in a server's
/// image, not a deployed server. A command that is a script the Dockerfile copies from the
/// build context runs `bin` when the script names it (quadratic's cloud worker:
/// `ENTRYPOINT ["./entrypoint.sh"]`, which ends in `exec ./quadratic-cloud-worker`). An
/// unreadable Dockerfile counts as running it. `path`: the Dockerfile's, workspace-relative.
fn runs(root: &Path, path: &str, text: &str, bin: &str) -> bool {
    use isogen::generate::carry::stage::{self, Form, What};
    let Ok(stage) = stage::service_stage(text, Some(bin)) else {
        return true;
    };
    let copied: Vec<&String> = (stage.found.iter())
        .filter_map(|f| match &f.what {
            What::CopyContext(sources, _) => Some(sources),
            _ => None,
        })
        .flatten()
        .collect();
    stage.found.iter().any(|f| match &f.what {
        What::Entrypoint(form) | What::Cmd(form) => {
            let words: Vec<&str> = match form {
                Form::Exec(list) => list.iter().map(String::as_str).collect(),
                Form::Shell(line) => line.split_whitespace().collect(),
            };
            words.iter().any(|w| w.rsplit('/').next() == Some(bin))
                || (words.iter()).any(|w| script_runs(root, path, &copied, w, bin))
        }
        _ => false,
    })
}

/// Whether the command word `word` is a script that a `COPY`/`ADD` of the stage's chain (not
/// `--from` a stage: `copied`, the sources [`What::CopyContext`] holds) takes from the build
/// context, read at the workspace root or beside the Dockerfile (`path`), and a line of the
/// script outside comments names `bin` (`exec ./<bin>`, `/app/<bin> serve`).
///
/// [`What::CopyContext`]: isogen::generate::carry::stage::What::CopyContext
fn script_runs(root: &Path, path: &str, copied: &[&String], word: &str, bin: &str) -> bool {
    let Some(name) = word.rsplit('/').next().filter(|n| !n.is_empty()) else {
        return false;
    };
    let dockerfile_dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    (copied.iter())
        .filter(|src| src.rsplit('/').next() == Some(name))
        .filter_map(|src| {
            isogen::fsio::read_to_string(root.join(src))
                .or_else(|_| isogen::fsio::read_to_string(root.join(dockerfile_dir).join(src)))
                .ok()
        })
        .any(|script| {
            (script.lines())
                .filter(|l| !l.trim_start().starts_with('#'))
                .any(|l| {
                    l.split_whitespace()
                        .any(|w| w.rsplit('/').next() == Some(bin))
                })
        })
}

pub(super) fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".dockerignore") {
        return false;
    }
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
}

/// The first line (1-based) of `text` that builds or copies binary `bin` of package
/// `package` (when given: the package's only binary): `--bin <bin>`, `-p`/`--package
/// <package>`, `.../release/<bin>` (any profile
/// folder: `release`, `debug`, a target triple's), or a `COPY`/`ADD` of `.../bin/<bin>` (a
/// binary built outside the Dockerfile: garage's `COPY result/bin/garage /` of a Nix build,
/// `cargo install`'s `/usr/local/cargo/bin/<bin>`).
fn builds(text: &str, bin: &str, package: Option<&str>) -> Option<usize> {
    let copied = format!("/bin/{bin}");
    let mut words = vec![
        format!("--bin {bin}"),
        format!("--bin={bin}"),
        format!("/release/{bin}"),
        format!("/debug/{bin}"),
    ];
    if let Some(package) = package {
        words.extend([
            format!("-p {package}"),
            format!("--package {package}"),
            format!("--package={package}"),
        ]);
    }
    text.lines().enumerate().find_map(|(i, line)| {
        if line.trim_start().starts_with('#') {
            return None;
        }
        let copy = line
            .split_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("COPY") || w.eq_ignore_ascii_case("ADD"));
        (words.iter().any(|w| has_word(line, w)) || (copy && has_word(line, &copied)))
            .then_some(i + 1)
    })
}

/// Whether `word` occurs in `line` and is not the start of a longer name (`-p api` is not
/// `-p api-gateway`).
fn has_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(at, _)| {
        let next = line[at + word.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || "-_.".contains(c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_or_copy_of_the_binary_names_its_line_and_a_longer_name_does_not() {
        let text = "FROM rust AS builder\n# cargo build -p proxy\nRUN cargo build --release\n\
                    COPY --from=builder /src/target/release/proxy /usr/local/bin/proxy\n";
        assert_eq!(builds(text, "proxy", Some("proxy")), Some(4));
        assert_eq!(
            builds("RUN cargo build -p proxy-lib\n", "proxy", Some("proxy")),
            None
        );
        assert_eq!(builds("RUN cargo build -p tools\n", "dns", None), None);
        assert_eq!(
            builds(
                "RUN cargo build --package svix-server --frozen\n",
                "svix-server",
                Some("svix-server")
            ),
            Some(1)
        );
        // garage's root Dockerfile copies the binary a Nix build made; a RUN naming the
        // path does not build it.
        assert_eq!(
            builds("FROM scratch\nCOPY result/bin/garage /\n", "garage", None),
            Some(2)
        );
        assert_eq!(builds("RUN rm /usr/bin/garage\n", "garage", None), None);
        assert!(is_dockerfile_name("bridge.Dockerfile"));
        assert!(is_dockerfile_name("Dockerfile.prod"));
        assert!(!is_dockerfile_name("Dockerfile.dockerignore"));
    }
}
