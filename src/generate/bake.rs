//! `docker-bake.hcl`: one BuildKit bake target per service (context `.`, its Dockerfile, tags
//! from `[generate] image_name` and a `TAG` variable, the same OCI labels as its Dockerfile,
//! registry cache hooks through a `CACHE_REF` variable), a `default` group with every service
//! and a group per ecosystem. Written by `isogen bake`, and by `generate` when
//! `[generate] bake = true`, through the same writer as the Dockerfiles (header, drift check,
//! never over a hand-written file).
//!
//! HCL is written here by hand: every string goes through [`quote`], which escapes what HCL
//! would otherwise read as syntax (`"`, `\`, `${`, `%{`). Nothing here runs docker.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::image_name::image_name;
use super::{common_context, GeneratedFile};
use crate::error::{Error, Result};
use crate::generate::cfg::GenerateConfig;
use crate::workspace::{Ecosystem, Service, Workspace};

/// The file name, at the workspace root.
pub const FILE: &str = "docker-bake.hcl";
/// The command its header names (`generate` with `[generate] bake = true` writes the same).
pub const COMMAND: &str = "isogen bake";

/// Names the bake file uses for its groups: a service may not be called so.
const GROUPS: &[&str] = &["default", "pnpm", "cargo", "affected"];

/// An HCL string literal holding `s` exactly.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A template string: `before`, then the variable `var` interpolated, then `after`.
fn with_var(before: &str, var: &str, after: &str) -> String {
    let (a, b) = (quote(before), quote(after));
    format!("{}${{{var}}}{}", &a[..a.len() - 1], &b[1..])
}

/// The bake target name of a service: bake allows `[A-Za-z0-9_-]`; anything else becomes `_`.
pub fn target_name(service: &str) -> String {
    service
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A `group "name" { targets = [...] }` block.
pub fn group(name: &str, targets: &[String]) -> String {
    let list: Vec<String> = targets.iter().map(|t| quote(t)).collect();
    format!(
        "group {} {{\n  targets = [{}]\n}}\n",
        quote(name),
        list.join(", ")
    )
}

/// The bake file for every service of `ws` (without the header).
pub fn file(
    ws: &Workspace,
    config: &GenerateConfig,
    config_path: &std::path::Path,
) -> Result<GeneratedFile> {
    let mut services: Vec<&Service> = ws.services.iter().collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    let mut names: BTreeMap<String, &str> = BTreeMap::new();
    for s in &services {
        let target = target_name(&s.name);
        if GROUPS.contains(&target.as_str()) {
            return Err(Error::Usage(format!(
                "the service `{}` has the name of a group of {FILE} ({}); rename it, or leave it out with `[workspace] not_services`",
                s.name,
                GROUPS.join(", ")
            )));
        }
        if let Some(other) = names.insert(target.clone(), &s.name) {
            return Err(Error::Usage(format!(
                "the services `{other}` and `{}` would both be the bake target `{target}`; rename one",
                s.name
            )));
        }
    }
    let mut text = String::from(
        "# Build every image with `docker buildx bake`, one ecosystem with `docker buildx bake pnpm`\n\
         # (or cargo), one service with `docker buildx bake <service>`. TAG is the images' tag,\n\
         # REVISION their org.opencontainers.image.revision label; CACHE_REF, when set, turns on a\n\
         # registry cache with one ref per service (CACHE_REF:<service>).\n\n",
    );
    for (var, default) in [("TAG", "latest"), ("REVISION", ""), ("CACHE_REF", "")] {
        let _ = writeln!(
            text,
            "variable {} {{\n  default = {}\n}}\n",
            quote(var),
            quote(default)
        );
    }
    let all: Vec<String> = services.iter().map(|s| target_name(&s.name)).collect();
    text.push_str(&group("default", &all));
    for (ecosystem, label) in [(Ecosystem::Pnpm, "pnpm"), (Ecosystem::Cargo, "cargo")] {
        let members: Vec<String> = services
            .iter()
            .filter(|s| ws.service_package(s).ecosystem == ecosystem)
            .map(|s| target_name(&s.name))
            .collect();
        if !members.is_empty() {
            text.push('\n');
            text.push_str(&group(label, &members));
        }
    }
    for s in services {
        text.push('\n');
        text.push_str(&target(ws, config, s, config_path)?);
    }
    Ok(GeneratedFile {
        path: FILE.into(),
        service: String::new(),
        bin: None,
        contents: text,
        command: COMMAND,
    })
}

fn target(
    ws: &Workspace,
    config: &GenerateConfig,
    s: &Service,
    config_path: &std::path::Path,
) -> Result<String> {
    let ecosystem = ws.service_package(s).ecosystem;
    let word = match ecosystem {
        Ecosystem::Pnpm => "pnpm",
        Ecosystem::Cargo => "cargo",
    };
    let image = image_name(
        config.image_name.as_deref(),
        &s.name,
        ecosystem,
        config_path,
    )?;
    let common = common_context(ws, s, config, config_path, word)?;
    let name = target_name(&s.name);
    let mut t = format!("target {} {{\n", quote(&name));
    let _ = writeln!(t, "  context    = \".\"");
    let _ = writeln!(t, "  dockerfile = {}", quote(&ws.dockerfile_path(s)));
    let _ = writeln!(
        t,
        "  tags       = [{}]",
        with_var(&format!("{image}:"), "TAG", "")
    );
    t.push_str("  labels = {\n");
    for label in &common.labels {
        let _ = writeln!(t, "    {} = {}", quote(&label.key), quote(&label.value));
    }
    t.push_str("    \"org.opencontainers.image.revision\" = REVISION\n  }\n");
    let from = with_var("type=registry,ref=", "CACHE_REF", &format!(":{name}"));
    let to = with_var(
        "type=registry,ref=",
        "CACHE_REF",
        &format!(":{name},mode=max"),
    );
    let _ = writeln!(t, "  cache-from = CACHE_REF == \"\" ? [] : [{from}]");
    let _ = writeln!(t, "  cache-to   = CACHE_REF == \"\" ? [] : [{to}]");
    t.push_str("}\n");
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn example() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("services-example")
    }

    fn load(root: &Path, config: &str) -> (Workspace, crate::config::Config) {
        let config = crate::config::Config::parse(config, Path::new("isogen.toml")).unwrap();
        let ws = Workspace::discover(root, &config.workspace).unwrap();
        (ws, config)
    }

    /// (name, targets) of every group.
    type Groups = Vec<(String, Vec<String>)>;

    /// The groups, and (name, dockerfile) of every target, as hcl-rs reads them.
    fn parsed(text: &str) -> (Groups, Vec<(String, String)>) {
        let body: hcl::Body = hcl::from_str(text).unwrap();
        let label = |b: &hcl::Block| b.labels()[0].as_str().to_string();
        let attr = |b: &hcl::Block, key: &str| -> hcl::Expression {
            b.body()
                .attributes()
                .find(|a| a.key() == key)
                .unwrap_or_else(|| panic!("{key} missing"))
                .expr()
                .clone()
        };
        let mut groups = Vec::new();
        let mut targets = Vec::new();
        for b in body.blocks() {
            match b.identifier() {
                "group" => {
                    let hcl::Expression::Array(items) = attr(b, "targets") else {
                        panic!("targets is not a list")
                    };
                    let names = items
                        .iter()
                        .map(|e| match e {
                            hcl::Expression::String(s) => s.clone(),
                            other => panic!("{other:?}"),
                        })
                        .collect();
                    groups.push((label(b), names));
                }
                "target" => {
                    let hcl::Expression::String(d) = attr(b, "dockerfile") else {
                        panic!("dockerfile is not a string")
                    };
                    assert_eq!(attr(b, "context"), hcl::Expression::String(".".into()));
                    for key in ["tags", "labels", "cache-from", "cache-to"] {
                        attr(b, key);
                    }
                    targets.push((label(b), d));
                }
                "variable" => {}
                other => panic!("unexpected block {other}"),
            }
        }
        (groups, targets)
    }

    #[test]
    fn services_example_bake_file() {
        let root = example();
        let (ws, config) = load(
            &root,
            &format!(
                "{}\n[generate]\nimage_name = \"registry.example.com/acme/{{service}}\"\n",
                crate::fsio::read_to_string(root.join("isogen.toml")).unwrap()
            ),
        );
        let file = file(&ws, &config.generate, &config.display_path()).unwrap();
        let text = file.text();
        assert!(
            text.starts_with("# @generated by isogen (isogen bake)"),
            "{text}"
        );
        insta::assert_snapshot!("bake_services_example", text);
        let (groups, targets) = parsed(&text);
        let names: Vec<&str> = groups.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(names, vec!["default", "pnpm", "cargo"]);
        assert_eq!(groups[0].1.len(), ws.services.len());
        assert_eq!(groups[1].1, vec!["billing", "catalog", "gateway"]);
        for s in &ws.services {
            let (_, dockerfile) = targets.iter().find(|t| t.0 == s.name).unwrap();
            assert_eq!(*dockerfile, ws.dockerfile_path(s));
            assert!(crate::fsio::is_file(root.join(dockerfile)), "{dockerfile}");
        }
        assert!(text.contains("tags       = [\"registry.example.com/acme/ledger:${TAG}\"]"));
        buildx_print(&root, &text);
    }

    /// `docker buildx bake --print` over the file, where buildx is installed.
    fn buildx_print(root: &Path, text: &str) {
        let has_buildx = std::process::Command::new("docker")
            .args(["buildx", "version"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !has_buildx {
            eprintln!("skipped `docker buildx bake --print`: docker buildx is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(&path, text).unwrap();
        let out = std::process::Command::new("docker")
            .current_dir(root)
            .args(["buildx", "bake", "--print", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            printed["target"]["ledger"]["dockerfile"].is_string(),
            "{printed}"
        );
    }

    #[test]
    fn generate_writes_it_when_asked() {
        let (ws, config) = load(&example(), "[generate]\nbake = true\n");
        let plan = crate::generate::plan(&ws, &config.generate, &Default::default()).unwrap();
        let bake = plan.files.iter().find(|f| f.path == FILE).unwrap();
        assert_eq!(
            bake.text(),
            file(&ws, &config.generate, &config.display_path())
                .unwrap()
                .text()
        );
        let options = crate::generate::Options {
            services: vec!["billing".into()],
            ..Default::default()
        };
        let plan = crate::generate::plan(&ws, &config.generate, &options).unwrap();
        assert!(
            plan.files.iter().all(|f| f.path != FILE),
            "a partial run leaves it"
        );
        let (ws, config) = load(&example(), "");
        let plan = crate::generate::plan(&ws, &config.generate, &Default::default()).unwrap();
        assert!(plan.files.iter().all(|f| f.path != FILE), "off by default");
    }

    #[test]
    fn a_service_named_like_a_group_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::write(r.join("pnpm-workspace.yaml"), "packages:\n  - services/*\n").unwrap();
        std::fs::write(r.join("package.json"), r#"{"name":"root"}"#).unwrap();
        std::fs::create_dir_all(r.join("services/default")).unwrap();
        std::fs::write(
            r.join("services/default/package.json"),
            r#"{"name":"d","main":"index.js"}"#,
        )
        .unwrap();
        let (ws, config) = load(r, "");
        let err = file(&ws, &config.generate, &config.display_path())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the service `default` has the name of a group"),
            "{err}"
        );
    }

    #[test]
    fn quote_escapes_hcl_syntax() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("${x} %{y} $z"), r#""$${x} %%{y} $z""#);
        assert_eq!(quote("l1\nl2"), r#""l1\nl2""#);
        assert_eq!(target_name("api.v2"), "api_v2");
        let body: hcl::Body = hcl::from_str(&format!("a = {}", quote("${x} \"q\" \\"))).unwrap();
        let value = body.attributes().next().unwrap().expr().clone();
        assert_eq!(value, hcl::Expression::String("${x} \"q\" \\".into()));
    }
}
