//! The workspace's cargo configuration (`.cargo/config`, `.cargo/config.toml`): the facts that
//! change where a build writes or what it reads, `build.target` and vendored `[source]`
//! directories, and the linker programs it asks for on Linux (`linker = "clang"`,
//! `-fuse-ld=lld` in `rustflags`: kanidm's), which the build image may lack. Everything else
//! in it is left to cargo in the build stage.
//!
//! It reads that one file; it never evaluates environment variables or the user's config.

use std::path::Path;

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::manifest::read;
use super::model::LinkTool;
use super::paths::normalize;
use crate::error::{line_col, Error, Result};

/// What [`read_cargo_config`] finds: `build.target`, the vendor folders, the link programs.
#[derive(Debug, Default)]
pub(super) struct CargoConfigFacts {
    pub build_target: Option<String>,
    pub vendor_dirs: Vec<String>,
    pub link_tools: Vec<LinkTool>,
}

/// From the workspace's cargo config (`.cargo/config`, which cargo prefers, else
/// `.cargo/config.toml`): `build.target`, and the `directory` of every `[source.<name>]`
/// (vendored crates; relative to the root, as cargo reads paths in a config). A config that does
/// not parse, builds several targets at once, or vendors from outside the root is an error
/// naming it: cargo would refuse the first, isogen ships one binary, and the root is the build
/// context.
pub(super) fn read_cargo_config(root: &Path) -> Result<CargoConfigFacts> {
    let Some(rel) = [".cargo/config", ".cargo/config.toml"]
        .into_iter()
        .find(|f| crate::fsio::is_file(root.join(f)))
    else {
        return Ok(CargoConfigFacts::default());
    };
    let path = root.join(rel);
    let text = read(&path)?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| Error::Parse {
        path: path.clone(),
        location: e.span().map(|s| line_col(&text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    let mut vendor_dirs = Vec::new();
    let sources = table.get("source").and_then(|s| s.as_table());
    for (name, source) in sources.into_iter().flatten() {
        let Some(dir) = source.get("directory").and_then(|d| d.as_str()) else {
            continue;
        };
        let norm = normalize("", dir)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| {
                Error::workspace(
                    &path,
                    format!(
                    "[source.{name}] directory = {dir:?} is outside the workspace root; the root \
                     is the build context, so vendored crates must live under it"
                ),
                )
            })?;
        if !vendor_dirs.contains(&norm) {
            vendor_dirs.push(norm);
        }
    }
    let target = table.get("build").and_then(|b| b.get("target"));
    let triple = match target {
        None => {
            return Ok(CargoConfigFacts {
                build_target: None,
                vendor_dirs,
                link_tools: link_tools(rel, &text, None),
            })
        }
        Some(toml::Value::String(t)) => t.clone(),
        Some(toml::Value::Array(a)) if a.len() == 1 && a[0].is_str() => {
            a[0].as_str().unwrap_or_default().to_string()
        }
        Some(other) => {
            return Err(Error::workspace(
                &path,
                format!(
                    "[build] target = {other}: isogen builds a service for one target; set one \
                     triple here, or none"
                ),
            ))
        }
    };
    // A custom target spec (`targets/my-os.json`) writes to `target/my-os/`.
    let name = match triple.strip_suffix(".json") {
        Some(spec) => spec.rsplit(['/', '\\']).next().unwrap_or(spec).to_string(),
        None => triple,
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(Error::workspace(
            &path,
            format!("[build] target = {name:?} is not a target triple"),
        ));
    }
    Ok(CargoConfigFacts {
        link_tools: link_tools(rel, &text, Some(&name)),
        build_target: Some(name),
        vendor_dirs,
    })
}

/// The parts of a cargo config that name link programs, with their places.
#[derive(Deserialize, Default)]
struct LinkConfig {
    #[serde(default)]
    build: LinkSection,
    #[serde(default)]
    host: LinkSection,
    #[serde(default)]
    target: BTreeMap<String, LinkSection>,
}

/// `linker` and `rustflags` of one section (`[build]`, `[host]`, `[target.<key>]`).
#[derive(Deserialize, Default)]
struct LinkSection {
    linker: Option<Spanned<String>>,
    rustflags: Option<Spanned<Flags>>,
}

/// `rustflags`: one string split at spaces, or a list.
#[derive(Deserialize)]
#[serde(untagged)]
enum Flags {
    Line(String),
    List(Vec<String>),
}

/// Link programs and the Debian package that installs each; the C compiler (`cc`, `gcc`),
/// `ld.gold` (binutils) and `rust-lld` (shipped with rustc) are in every Rust build image.
const LINK_PROGRAMS: &[(&str, &str)] = &[
    ("clang", "clang"),
    ("clang++", "clang"),
    ("lld", "lld"),
    ("ld.lld", "lld"),
    ("mold", "mold"),
    ("ld.mold", "mold"),
];

/// The link programs `text` (the cargo config at `rel`) asks for when the build image (Linux)
/// builds for `build_target`, or for its own triple when none is set: `[target.<triple>]`
/// tables of a Linux triple (that one alone when `build.target` is set), `[target.'cfg(..)']`
/// tables that name Linux or unix and no `not(`, `[build]` and `[host]`; from `linker`
/// (`clang`, `/usr/bin/clang-16`) and from the `-fuse-ld=`, `--ld-path=` and `-C linker=`
/// flags of `rustflags`. First place of each program; a config that does not have this shape names
/// none (cargo reports its errors itself).
fn link_tools(rel: &str, text: &str, build_target: Option<&str>) -> Vec<LinkTool> {
    let Ok(config) = toml::from_str::<LinkConfig>(text) else {
        return Vec::new();
    };
    let applies = |key: &str| {
        if let Some(cfg) = key.strip_prefix("cfg(") {
            return (cfg.contains("linux") || cfg.contains("unix")) && !cfg.contains("not(");
        }
        match build_target {
            Some(t) => key == t,
            None => key.contains("-linux-"),
        }
    };
    // x86_64 tables first: the place named is the one most builders read.
    let mut targets: Vec<_> = config.target.iter().filter(|(k, _)| applies(k)).collect();
    targets.sort_by_key(|(k, _)| !k.starts_with("x86_64-"));
    let sections = [
        ("build".to_string(), &config.build),
        ("host".to_string(), &config.host),
    ]
    .into_iter()
    .chain(targets.into_iter().map(|(k, v)| (format!("target.{k}"), v)));
    let mut out: Vec<LinkTool> = Vec::new();
    let mut add = |program: &str, section: &str, setting: String, at: usize| {
        let name = program.rsplit('/').next().unwrap_or(program);
        let debian = LINK_PROGRAMS
            .iter()
            .find(|(p, _)| *p == name)
            .map(|(_, d)| d.to_string())
            .or_else(|| {
                let version = name.strip_prefix("clang-")?;
                version
                    .chars()
                    .all(|c| c.is_ascii_digit())
                    .then(|| name.to_string())
            });
        let Some(debian) = debian else { return };
        if out.iter().any(|t| t.debian == debian) {
            return;
        }
        let line = line_col(text, at);
        out.push(LinkTool {
            program: name.to_string(),
            debian,
            file: rel.to_string(),
            line: line.split(':').next().unwrap_or("1").parse().unwrap_or(1),
            setting: format!("[{section}] {setting}"),
        });
    };
    for (section, s) in sections {
        if let Some(linker) = &s.linker {
            let setting = format!("linker = {:?}", linker.get_ref());
            add(linker.get_ref(), &section, setting, linker.span().start);
        }
        let Some(flags) = &s.rustflags else { continue };
        let list: Vec<&str> = match flags.get_ref() {
            Flags::Line(l) => l.split_whitespace().collect(),
            Flags::List(l) => l.iter().map(String::as_str).collect(),
        };
        let mut previous = "";
        for flag in list {
            let value = flag.strip_prefix("-C").unwrap_or(flag);
            let arg = value
                .strip_prefix("link-arg=")
                .or_else(|| value.strip_prefix("link-args="))
                .unwrap_or(value);
            // clang's `--ld-path=/usr/bin/mold` names the linker program by path (pgdog's
            // config), as `-fuse-ld=` names it by flavour.
            let ld = (arg.strip_prefix("-fuse-ld="))
                .or_else(|| arg.strip_prefix("--ld-path="))
                .or_else(|| arg.strip_prefix("-Wl,--ld-path="));
            if let Some(ld) = ld {
                add(
                    ld,
                    &section,
                    format!("rustflags {flag}"),
                    flags.span().start,
                );
            } else if let Some(linker) = value.strip_prefix("linker=") {
                let shown = match previous {
                    "-C" => format!("-C {flag}"),
                    _ => flag.to_string(),
                };
                add(
                    linker,
                    &section,
                    format!("rustflags {shown}"),
                    flags.span().start,
                );
            }
            previous = flag;
        }
    }
    out
}

#[cfg(test)]
mod link_tests {
    use super::*;

    #[test]
    fn kanidm_links_with_clang_and_lld_on_linux_only() {
        let text = r#"
[target.x86_64-unknown-linux-gnu]
linker = "clang"
rustflags = ["-C", "link-arg=-fuse-ld=lld", "-C", "force-frame-pointers=yes"]

[target.aarch64-apple-darwin]
linker = "/opt/homebrew/bin/mold"
"#;
        let found = link_tools(".cargo/config.toml", text, None);
        let named: Vec<(&str, &str, usize)> = found
            .iter()
            .map(|t| (t.program.as_str(), t.debian.as_str(), t.line))
            .collect();
        assert_eq!(named, [("clang", "clang", 3), ("lld", "lld", 4)]);
        assert_eq!(
            found[0].setting,
            "[target.x86_64-unknown-linux-gnu] linker = \"clang\""
        );
        assert_eq!(
            found[1].setting,
            "[target.x86_64-unknown-linux-gnu] rustflags link-arg=-fuse-ld=lld"
        );
        // A build for another target is not linked by that table.
        assert!(link_tools("c", text, Some("x86_64-unknown-linux-musl")).is_empty());
    }

    #[test]
    fn rustflags_as_a_line_cfg_tables_and_programs_every_image_has() {
        let text = r#"
[build]
rustflags = "-C link-arg=-fuse-ld=mold"

[target.'cfg(target_os = "linux")']
rustflags = ["-Clinker=clang-16"]

[target.'cfg(not(target_os = "linux"))']
rustflags = ["-Clinker=clang"]

[host]
linker = "gcc"
"#;
        let found = link_tools("c", text, None);
        let named: Vec<&str> = found.iter().map(|t| t.debian.as_str()).collect();
        assert_eq!(named, ["mold", "clang-16"]);
        // pgdog: clang links, through `--ld-path`, with mold.
        let pgdog = r#"
[target.'cfg(all())']
rustflags = ["--cfg", "tokio_unstable"]

[target.x86_64-unknown-linux-gnu]
linker = "/usr/bin/clang"
rustflags = ["-C", "link-arg=--ld-path=/usr/bin/mold"]
"#;
        let found = link_tools("c", pgdog, None);
        let named: Vec<(&str, &str, usize)> = found
            .iter()
            .map(|t| (t.program.as_str(), t.debian.as_str(), t.line))
            .collect();
        assert_eq!(named, [("clang", "clang", 6), ("mold", "mold", 7)]);
        assert_eq!(
            found[1].setting,
            "[target.x86_64-unknown-linux-gnu] rustflags link-arg=--ld-path=/usr/bin/mold"
        );
        assert!(link_tools(
            "c",
            "[target.x86_64-unknown-linux-gnu]\nlinker = \"rust-lld\"\n",
            None
        )
        .is_empty());
    }
}
