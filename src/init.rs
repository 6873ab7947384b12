//! `isogen init`: a commented `isogen.toml` for the workspace found at a folder: the services
//! isogen found there listed, every setting shown commented at its default (so the file
//! changes nothing until a line is uncommented), one line per verify rule at its default
//! severity.
//!
//! Writes one file, atomically, and never over an existing one unless asked (`--force`). Never
//! writes anything when the folder is not a workspace.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::config::FILE_NAME;
use crate::error::{Error, Result};
use crate::generate::{cargo, cfg};
use crate::verify::diags;
use crate::workspace::{Ecosystem, Workspace, WorkspaceConfig};

/// Finds the workspace at `dir` and writes `dir/isogen.toml` for it; returns the path written.
/// An existing file is an error naming it, unless `force`.
pub fn init(dir: &Path, force: bool) -> Result<PathBuf> {
    let path = dir.join(FILE_NAME);
    if !force && path.exists() {
        return Err(Error::config(
            &path,
            "already exists; isogen init never overwrites it (pass --force to replace it)",
        ));
    }
    let ws = Workspace::discover(dir, &WorkspaceConfig::default())?;
    let text = render(&ws);
    write(&path, text.as_bytes(), force)?;
    Ok(path)
}

/// Writes through a temporary file in the same folder, renamed into place: a reader sees the
/// old file or the whole new one. Without `force`, the rename refuses to replace a file that
/// appeared meanwhile.
fn write(path: &Path, bytes: &[u8], force: bool) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io(tmp.path(), e))?;
    let persisted = if force {
        tmp.persist(path)
    } else {
        tmp.persist_noclobber(path)
    };
    persisted.map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// The commented file for `ws`.
pub fn render(ws: &Workspace) -> String {
    let mut out = String::new();
    out.push_str(HEADER);
    workspace_section(ws, &mut out);
    generate_section(ws, &mut out);
    verify_section(&mut out);
    out
}

const HEADER: &str = "\
# isogen.toml: isogen's settings for this workspace, written by `isogen init`.
# Every setting is optional; a commented line shows the default. Unknown keys are errors.
# Check it with `isogen generate --check`; `isogen rules` lists the verify rules.

";

/// `# key = value   # comment`, the comments lined up.
fn setting(out: &mut String, key_value: &str, comment: &str) {
    if comment.is_empty() {
        let _ = writeln!(out, "# {key_value}");
    } else {
        let _ = writeln!(out, "# {key_value:<34} # {comment}");
    }
}

fn workspace_section(ws: &Workspace, out: &mut String) {
    out.push_str("[workspace]\n# The services found by the default rule:\n");
    if ws.pnpm.is_some() {
        out.push_str(
            "#   pnpm: the packages whose parent folder is services/ or apps/, and those whose\n\
             #   scripts start them in production (`start` running `node <file>`).\n",
        );
    }
    if ws.cargo.is_some() {
        out.push_str(
            "#   Cargo: the binaries of members that run a server (axum, actix-web, tonic, ...;\n\
             #   `isogen list` says why each binary is a service or a tool).\n",
        );
    }
    out.push_str(
        "# Listing services here replaces the rule (package names, service names or folders,\n",
    );
    out.push_str("# globs allowed); not_services removes packages from it.\n");
    if ws.services.is_empty() {
        out.push_str("# (none found)\n");
        setting(out, "services = []", "");
    } else {
        out.push_str("# services = [\n");
        for s in &ws.services {
            let p = ws.service_package(s);
            let what = match p.ecosystem {
                Ecosystem::Pnpm => format!("pnpm package {}", p.name),
                Ecosystem::Cargo => format!("binary of Cargo package {}", p.name),
            };
            let _ = writeln!(
                out,
                "#   {:<32} # {what}, in {}",
                toml_str(&s.name) + ",",
                dir_of(&p.dir)
            );
        }
        out.push_str("# ]\n");
    }
    setting(out, "not_services = []", "");
    out.push('\n');
}

fn dir_of(dir: &str) -> &str {
    if dir.is_empty() {
        "."
    } else {
        dir
    }
}

/// A TOML basic string (JSON's escapes are TOML's).
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

fn generate_section(ws: &Workspace, out: &mut String) {
    out.push_str("[generate]\n");
    setting(
        out,
        &format!("uid = {}", cfg::DEFAULT_UID),
        "the runtime user's uid (and gid, unless gid is set)",
    );
    setting(
        out,
        &format!("app_root = {}", toml_str(cfg::DEFAULT_APP_ROOT)),
        "where the images hold the packages",
    );
    setting(
        out,
        "templates = \"isogen-templates\"",
        "own templates (`isogen templates` writes the defaults)",
    );
    if ws.pnpm.is_some() {
        out.push_str("\n[generate.node]\n");
        setting(
            out,
            "version = \"26\"",
            "default: engines.node, .nvmrc, .node-version, else 26 (the Active LTS)",
        );
        setting(
            out,
            "image = \"node:26-bookworm-slim\"",
            "build stages; name@sha256:<digest> pins one",
        );
        setting(out, "runtime_image = \"node:26-bookworm-slim\"", "");
        setting(
            out,
            "pnpm_version = \"9.12.0\"",
            "default: packageManager of the root package.json",
        );
        setting(out, "pnpm_install = \"npm\"", "or \"corepack\"");
        setting(
            out,
            "build_script = \"build\"",
            "the package.json script that builds a package",
        );
    }
    if ws.cargo.is_some() {
        out.push_str("\n[generate.cargo]\n");
        setting(
            out,
            &format!("image = {}", toml_str(cargo::DEFAULT_IMAGE)),
            "",
        );
        setting(
            out,
            &format!("runtime_image = {}", toml_str(cargo::DEFAULT_RUNTIME_IMAGE)),
            "",
        );
        setting(out, "profile = \"release\"", "");
        setting(out, "features = []", "");
        setting(out, "no_default_features = false", "");
        setting(
            out,
            "cache_mounts = false",
            "BuildKit cache mounts for the registry and target/",
        );
    }
    if let Some(s) = ws.services.first() {
        out.push_str("\n# Per service (by its name), e.g.:\n");
        setting(
            out,
            &format!("[generate.services.{}]", section_key(&s.name)),
            "",
        );
        setting(out, "port = 8080", "");
        setting(out, "env = { LOG_FORMAT = \"json\" }", "");
    }
    out.push('\n');
}

/// A TOML table key: bare when it can be.
fn section_key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        name.to_string()
    } else {
        toml_str(name)
    }
}

fn verify_section(out: &mut String) {
    out.push_str("[verify]\n");
    setting(
        out,
        "app_root = \"/app\"",
        "default: found from where the service is in the image",
    );
    setting(
        out,
        "allow = []",
        "globs exempt from every rule: \"/app/public/**\"",
    );
    setting(
        out,
        "deny = []",
        "globs reported as denied-path: \"**/*.map\"",
    );
    out.push_str(
        "\n[verify.rules]\n\
         # Each rule at its default severity: \"error\" | \"warning\" | \"info\" | \"off\".\n\
         # `isogen explain RULE` tells what a rule checks and how to fix its findings.\n",
    );
    for r in diags::RULES {
        setting(
            out,
            &format!("{} = \"{}\"", r.id, r.default_severity),
            r.summary,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn example() -> Workspace {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("services-example");
        Workspace::discover(&root, &Default::default()).unwrap()
    }

    #[test]
    fn the_file_parses_as_defaults_and_uncommented_it_still_parses() {
        let text = render(&example());
        let config = Config::parse(&text, Path::new(FILE_NAME)).unwrap();
        assert!(config.workspace.services.is_none());
        assert!(config.verify.rules.0.is_empty());
        // Every commented setting line, uncommented, is valid too (the services list aside,
        // which spans lines).
        let uncommented: String = text
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if rest.contains(" = ") && !rest.starts_with("services") => rest,
                Some(rest) if rest.starts_with("[generate.services.") => rest,
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let config = Config::parse(&uncommented, Path::new(FILE_NAME))
            .unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
        assert_eq!(config.verify.rules.0.len(), diags::RULES.len());
        assert_eq!(config.generate.uid, Some(cfg::DEFAULT_UID));
    }

    #[test]
    fn every_service_found_is_listed() {
        let ws = example();
        let text = render(&ws);
        for s in &ws.services {
            assert!(text.contains(&format!("#   \"{}\",", s.name)), "{}", s.name);
        }
    }
}
