//! Which Node major the workspace asks for, and where it says so. Sources, in order (the first
//! that names a usable version wins): `use-node-version` of the root `.npmrc` (the exact Node
//! pnpm runs every script with: teable pins 20.9.0 under `engines.node: ">=20.0.0"`),
//! `engines.node` of the root package.json (an npm range),
//! `.nvmrc` / `.node-version`, `.tool-versions` / `mise.toml`, `volta.node` of the root
//! package.json. `[generate.node] version` of isogen.toml, which wins over all of them, and the
//! default when none names one, are generate's business.
//!
//! An npm range becomes one major by this rule: the newest Node LTS line ([`LTS_MAJORS`]) the
//! range allows some release of (`>=18` -> 26, `18 - 22` -> 22, `^18 || ^20` -> 20); when it
//! allows none of them, the newest major below 100 it allows if it is bounded above (`^23.1`
//! -> 23, `<16` -> 15), else the oldest it allows (`>=28` -> 28). Ranges are read with
//! `nodejs-semver`, as npm reads them.
//!
//! Pure functions over text the readers hand in, plus [`discover`], which reads the version
//! files at the root; nothing here picks a default or looks at isogen.toml.

use std::path::Path;

use nodejs_semver::{Range, Version};
use serde::Serialize;
use serde_json::Value;

/// The Node release lines that are (or were) LTS, oldest first: a range that allows several
/// gets the newest of them.
pub const LTS_MAJORS: &[u64] = &[18, 20, 22, 24, 26];

/// What the workspace says about its Node version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeVersion {
    /// The major the images use (`22`).
    pub major: String,
    /// Where it came from, for the Dockerfile's comment (`engines.node ">=20" in package.json`).
    pub source: String,
}

/// The major an npm range selects (see the module documentation); `None` when the range
/// cannot be read or allows no release at all.
pub fn major_for_range(range: &str) -> Option<u64> {
    let range = Range::parse(range.trim()).ok()?;
    let allows =
        |major: u64| Range::parse(format!("{major}.x")).is_ok_and(|m| range.allows_any(&m));
    if let Some(&lts) = LTS_MAJORS.iter().rev().find(|&&m| allows(m)) {
        return Some(lts);
    }
    if !allows(99) {
        (0..99).rev().find(|&m| allows(m))
    } else {
        (0..99).find(|&m| allows(m))
    }
}

/// The major a version file names (`.nvmrc`, `.node-version`, `.tool-versions`, mise, Volta):
/// a version (`v20.11.1`, `20`), a range, or an LTS code name (`lts/iron`); `None` for names
/// with no fixed major (`node`, `lts/*`, `latest`).
pub fn major_for_version_text(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    if let Some(name) = t.strip_prefix("lts/") {
        return match name {
            "hydrogen" => Some(18),
            "iron" => Some(20),
            "jod" => Some(22),
            "krypton" => Some(24),
            "lithium" => Some(26),
            _ => None,
        };
    }
    let t = t.trim_start_matches('v');
    if let Ok(v) = Version::parse(t) {
        return Some(v.major());
    }
    major_for_range(t)
}

/// The first source at `root` that names a usable Node version; `root_manifest` is the root
/// package.json when there is one. Unreadable version files count as absent.
pub fn discover(root: &Path, root_manifest: Option<&Value>) -> Option<NodeVersion> {
    let found = |major: u64, source: String| NodeVersion {
        major: major.to_string(),
        source,
    };
    if let Some(v) = use_node_version(root) {
        if let Some(m) = major_for_version_text(&v) {
            return Some(found(m, format!("use-node-version={v} in .npmrc")));
        }
    }
    if let Some(range) = root_manifest.and_then(|j| j.pointer("/engines/node")?.as_str()) {
        if let Some(m) = major_for_range(range) {
            return Some(found(m, format!("engines.node {range:?} in package.json")));
        }
    }
    for name in [".nvmrc", ".node-version"] {
        let Some(line) = first_line(root, name) else {
            continue;
        };
        if let Some(m) = major_for_version_text(&line) {
            return Some(found(m, format!("{name} ({line})")));
        }
    }
    let read = |name: &str| crate::fsio::read_to_string(root.join(name)).ok();
    if let Some((m, v)) = read(".tool-versions").as_deref().and_then(tool_versions) {
        return Some(found(m, format!(".tool-versions (nodejs {v})")));
    }
    for name in ["mise.toml", ".mise.toml"] {
        if let Some((m, v)) = read(name).as_deref().and_then(mise_toml) {
            return Some(found(m, format!("{name} (node = {v:?})")));
        }
    }
    let volta = root_manifest.and_then(|j| j.pointer("/volta/node")?.as_str());
    if let Some(v) = volta {
        if let Some(m) = major_for_version_text(v) {
            return Some(found(m, format!("volta.node {v:?} in package.json")));
        }
    }
    None
}

/// `use-node-version` of the root `.npmrc`, when set.
fn use_node_version(root: &Path) -> Option<String> {
    let text = crate::fsio::read_to_string(root.join(".npmrc")).ok()?;
    let npmrc = super::npmrc::Npmrc::parse(&text);
    let v = npmrc.settings.get("use-node-version")?.trim();
    (!v.is_empty() && !v.chars().any(char::is_control)).then(|| v.to_string())
}

/// The first line of a version file that is not empty or a comment.
fn first_line(root: &Path, name: &str) -> Option<String> {
    let text = crate::fsio::read_to_string(root.join(name)).ok()?;
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| !l.chars().any(char::is_control))
        .map(str::to_string)
}

/// The `nodejs` (or `node`) line of asdf's `.tool-versions`: `nodejs 20.11.1 18.19.0` means
/// the first version, the others are fallbacks.
pub fn tool_versions(text: &str) -> Option<(u64, String)> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or_default())
        .find_map(|l| {
            let mut words = l.split_whitespace();
            matches!(words.next()?, "nodejs" | "node")
                .then(|| words.next())
                .flatten()
        })
        .and_then(|v| major_for_version_text(v).map(|m| (m, v.to_string())))
}

/// `[tools] node` of a mise configuration: a string, a list (the first is the default), or a
/// table with `version`. Text that is not TOML names nothing.
pub fn mise_toml(text: &str) -> Option<(u64, String)> {
    let doc: toml::Table = toml::from_str(text).ok()?;
    let node = doc.get("tools")?.get("node")?;
    let version = match node {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => match items.first()? {
            toml::Value::String(s) => s.clone(),
            toml::Value::Table(t) => t.get("version")?.as_str()?.to_string(),
            _ => return None,
        },
        toml::Value::Table(t) => t.get("version")?.as_str()?.to_string(),
        _ => return None,
    };
    major_for_version_text(&version).map(|m| (m, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_gets_the_newest_lts_line_it_allows() {
        let m = |r| major_for_range(r);
        // The two readings the old Cargo-semver code got wrong.
        assert_eq!(m("18 - 22"), Some(22));
        assert_eq!(m(">=18"), Some(26));
        assert_eq!(m(">= 18.0.0"), Some(26));
        assert_eq!(m("^18 || ^20"), Some(20));
        assert_eq!(m("20.x"), Some(20));
        assert_eq!(m("*"), Some(26));
        assert_eq!(m("^24.1"), Some(24));
        assert_eq!(m(">=18 <21"), Some(20));
        assert_eq!(m("^18.17.0"), Some(18));
        assert_eq!(m(">=22"), Some(26));
        assert_eq!(m("~22.3"), Some(22));
        assert_eq!(m("^18.18 || ^20.9 || >=22"), Some(26));
        // No LTS line allowed: the newest when bounded above, else the oldest.
        assert_eq!(m("^23.1"), Some(23));
        assert_eq!(m("<16"), Some(15));
        assert_eq!(m(">=28"), Some(28));
        assert_eq!(m("latest"), None);
    }

    #[test]
    fn version_texts() {
        let m = |t| major_for_version_text(t);
        assert_eq!(m("v20.11.1\n"), Some(20));
        assert_eq!(m("22"), Some(22));
        assert_eq!(m("lts/iron"), Some(20));
        assert_eq!(m("lts/lithium"), Some(26));
        assert_eq!(m("lts/*"), None);
        assert_eq!(m("node"), None);
        assert_eq!(
            tool_versions("python 3.12\nnodejs 22.11.0 20.0.0 # main\n"),
            Some((22, "22.11.0".into()))
        );
        assert_eq!(tool_versions("ruby 3\n"), None);
        assert_eq!(
            mise_toml("[tools]\nnode = \"24\"\n"),
            Some((24, "24".into()))
        );
        assert_eq!(
            mise_toml("[tools]\nnode = [\"22.1\", \"20\"]\n"),
            Some((22, "22.1".into()))
        );
        assert_eq!(
            mise_toml("[tools.node]\nversion = \"lts/jod\"\n"),
            Some((22, "lts/jod".into()))
        );
        assert_eq!(mise_toml("[tools\n"), None);
    }

    #[test]
    fn sources_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |name: &str, text: &str| std::fs::write(root.join(name), text).unwrap();
        let json = serde_json::json!({"volta": {"node": "18.19.0"}});
        let d = |j: &Value| discover(root, Some(j)).map(|v| (v.major, v.source));
        assert_eq!(
            d(&json),
            Some(("18".into(), "volta.node \"18.19.0\" in package.json".into()))
        );
        write("mise.toml", "[tools]\nnode = \"20\"\n");
        assert_eq!(
            d(&json),
            Some(("20".into(), "mise.toml (node = \"20\")".into()))
        );
        write(".tool-versions", "nodejs 22.1.0\n");
        assert_eq!(
            d(&json),
            Some(("22".into(), ".tool-versions (nodejs 22.1.0)".into()))
        );
        write(".node-version", "# pinned\n23.0.0\n");
        assert_eq!(
            d(&json),
            Some(("23".into(), ".node-version (23.0.0)".into()))
        );
        write(".nvmrc", "lts/*\n");
        assert_eq!(d(&json).unwrap().0, "23", "lts/* names no major: next file");
        write(".nvmrc", "v24.1.0\n");
        assert_eq!(d(&json), Some(("24".into(), ".nvmrc (v24.1.0)".into())));
        write(".npmrc", "engine-strict=true\nuse-node-version=20.9.0\n");
        let engines = serde_json::json!({"engines": {"node": ">=20.0.0"}});
        assert_eq!(
            d(&engines),
            Some(("20".into(), "use-node-version=20.9.0 in .npmrc".into())),
            "pnpm's exact pin wins over a range that allows 24"
        );
        std::fs::remove_file(root.join(".npmrc")).unwrap();
        let json = serde_json::json!({"engines": {"node": "18 - 22"}});
        assert_eq!(
            d(&json),
            Some((
                "22".into(),
                "engines.node \"18 - 22\" in package.json".into()
            ))
        );
    }
}
