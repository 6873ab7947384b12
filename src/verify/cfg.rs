//! `[verify]` in `isogen.toml`: the policy.
//!
//! ```toml
//! [verify]
//! app_root = "/app"                 # where the service lives; default: found from the image
//! allow = ["/app/services/web/public/**"]   # exempt from every rule
//! deny = ["**/*.map"]               # flagged as `denied-path`
//! [verify.rules]
//! package-manager = "off"           # error | warning | info | off
//! [verify.services.billing]         # per-service overrides (same keys)
//! rules = { user-unresolvable = "warning" }
//! ```
//!
//! Globs: a pattern starting with `/` is matched against the absolute image path; any other
//! pattern matches at any depth (`*.map` is `**/*.map`). A pattern also matches everything under
//! a directory it matches. Unknown keys, unknown rule ids, bad globs and relative app roots are
//! errors at load time (with the file, line and key), never silently ignored.
//!
//! This module only deserializes and merges the policy: it never reads a file itself
//! (`config.rs` hands it the parsed TOML) and never looks at an image.

use std::collections::BTreeMap;
use std::fmt;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::diags::{self, RuleId, Severity};

/// `[verify]` in `isogen.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyConfig {
    /// Where the service lives in the image (absolute). Default: `/app` when the service is
    /// there, else found from where the service is.
    #[serde(default)]
    pub app_root: Option<AppRoot>,
    /// Paths exempt from every rule.
    #[serde(default)]
    pub allow: Globs,
    /// Paths that must not be in the image (`denied-path`).
    #[serde(default)]
    pub deny: Globs,
    /// Severity per rule id.
    #[serde(default)]
    pub rules: RuleLevels,
    /// Per-service overrides, by service name.
    #[serde(default)]
    pub services: BTreeMap<String, ServicePolicy>,
    /// Files `generate` ships next to a service (`[generate.services.<name>] assets`, under
    /// its app root), by service name: the service's own, not foreign content. Filled from the
    /// `[generate]` section when `isogen.toml` is parsed (`config.rs`), never written in `[verify]`.
    #[serde(skip)]
    pub assets: BTreeMap<String, Globs>,
    /// The package.json script that builds a package (`[generate.node] build_script`, default
    /// `build`): an internal package without it ships its folder as generate copies it. Filled
    /// like `assets`.
    #[serde(skip)]
    pub build_script: Option<String>,
    /// Rule levels set for one run (`verify --allow/--warn/--deny RULE`): over the policy's,
    /// the per-service ones included. Never written in `[verify]`.
    #[serde(skip)]
    pub overrides: BTreeMap<RuleId, Level>,
}

/// `[verify.services.<name>]`: replaces `app_root`, adds globs, overrides rule levels.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicePolicy {
    #[serde(default)]
    pub app_root: Option<AppRoot>,
    #[serde(default)]
    pub allow: Globs,
    #[serde(default)]
    pub deny: Globs,
    #[serde(default)]
    pub rules: RuleLevels,
}

/// What a rule is set to in the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
    Off,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Info => Some(Severity::Info),
            Level::Off => None,
        }
    }
}

/// An absolute, normalised path (`/app`, never `/app/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRoot(pub String);

impl<'de> Deserialize<'de> for AppRoot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if !s.starts_with('/') {
            return Err(de::Error::custom(format!(
                "app_root must be an absolute path in the image, got {s:?}"
            )));
        }
        let norm = super::fs::normalize(&s);
        Ok(AppRoot(norm))
    }
}

/// Rule id -> level; unknown ids are rejected while deserializing.
#[derive(Debug, Default, Clone)]
pub struct RuleLevels(pub BTreeMap<RuleId, Level>);

impl<'de> Deserialize<'de> for RuleLevels {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RuleLevels;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of rule id = \"error\" | \"warning\" | \"info\" | \"off\"")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RuleLevels, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    let Some(rule) = RuleId::parse(&key) else {
                        return Err(de::Error::custom(format!(
                            "unknown rule id `{key}` (known rule ids: {})",
                            diags::known_ids()
                        )));
                    };
                    let level: Level = map.next_value()?;
                    out.insert(rule, level);
                }
                Ok(RuleLevels(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Globs as written, compiled once.
#[derive(Clone, Default)]
pub struct Globs {
    pub patterns: Vec<String>,
    /// Where each pattern is written (`isogen.toml:12`), when it came from a file: filled by
    /// [`VerifyConfig::locate`] from the byte spans kept while deserializing.
    pub locations: Vec<Option<String>>,
    spans: Vec<Option<std::ops::Range<usize>>>,
    set: Option<GlobSet>,
}

impl fmt::Debug for Globs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.patterns).finish()
    }
}

impl Globs {
    pub fn new(patterns: Vec<String>) -> Result<Globs, String> {
        let mut b = GlobSetBuilder::new();
        for p in &patterns {
            b.add(compile(p)?);
        }
        let set = b.build().map_err(|e| e.to_string())?;
        Ok(Globs {
            locations: vec![None; patterns.len()],
            spans: vec![None; patterns.len()],
            patterns,
            set: Some(set),
        })
    }

    /// The indices of the patterns `path` itself matches.
    pub fn matching(&self, path: &str) -> Vec<usize> {
        self.set.as_ref().map_or_else(Vec::new, |s| s.matches(path))
    }

    /// Pattern `i` as a user finds it: `"*.map" (isogen.toml:7)`.
    pub fn describe(&self, i: usize) -> String {
        let pattern = self.patterns.get(i).map_or("", String::as_str);
        match self.locations.get(i).and_then(Option::as_deref) {
            Some(at) => format!("{pattern:?} ({at})"),
            None => format!("{pattern:?}"),
        }
    }

    fn locate(&mut self, text: &str, file: &std::path::Path) {
        self.locations = self
            .spans
            .iter()
            .map(|span| {
                let span = span.as_ref()?;
                let line = crate::error::line_col(text, span.start);
                let line = line.split(':').next().unwrap_or("1");
                Some(format!("{}:{line}", file.display()))
            })
            .collect();
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `path` (absolute) or one of its ancestors matches.
    pub fn matches(&self, path: &str) -> bool {
        let Some(set) = &self.set else { return false };
        if set.is_empty() {
            return false;
        }
        super::fs::self_and_ancestors(path).any(|p| set.is_match(p))
    }

    /// Whether `path` itself (not an ancestor) matches.
    pub fn matches_exactly(&self, path: &str) -> bool {
        self.set.as_ref().is_some_and(|s| s.is_match(path))
    }
}

fn compile(pattern: &str) -> Result<Glob, String> {
    let full = if pattern.starts_with('/') {
        pattern.trim_end_matches('/').to_string()
    } else {
        format!("**/{}", pattern.trim_end_matches('/'))
    };
    GlobBuilder::new(&full)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("bad glob {pattern:?}: {}", e.kind()))
}

impl<'de> Deserialize<'de> for Globs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // toml hands out each string's byte span, so a finding can name the pattern's line.
        let spanned = Vec::<toml::Spanned<String>>::deserialize(d)?;
        let spans = spanned.iter().map(|s| Some(s.span())).collect();
        let patterns = spanned.into_iter().map(toml::Spanned::into_inner).collect();
        let mut globs = Globs::new(patterns).map_err(de::Error::custom)?;
        globs.spans = spans;
        Ok(globs)
    }
}

/// The policy in force for one service: the global `[verify]` merged with its
/// `[verify.services.<name>]`.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub app_root: Option<String>,
    pub allow: Vec<Globs>,
    pub deny: Vec<Globs>,
    /// The service's configured assets (see [`VerifyConfig::assets`]).
    pub assets: Globs,
    levels: BTreeMap<RuleId, Level>,
    /// The rules whose level this run set (`--allow/--warn/--deny`), over the policy file's.
    pub set_by_run: std::collections::BTreeSet<RuleId>,
}

impl Policy {
    /// The severity of `rule` under this policy; None when turned off.
    pub fn severity(&self, rule: &diags::Rule) -> Option<Severity> {
        match self.levels.get(&rule.id) {
            Some(level) => level.severity(),
            None => Some(rule.default_severity),
        }
    }

    pub fn allowed(&self, path: &str) -> bool {
        self.allow.iter().any(|g| g.matches(path))
    }

    /// The deny patterns `path` matches exactly.
    pub fn denied(&self, path: &str) -> bool {
        self.deny.iter().any(|g| g.matches_exactly(path))
    }

    /// The first deny pattern `path` matches exactly, described with its place in the policy
    /// file (`"*.map" (isogen.toml:7)`).
    pub fn denied_by(&self, path: &str) -> Option<String> {
        self.deny.iter().find_map(|g| {
            let i = *g.matching(path).first()?;
            Some(g.describe(i))
        })
    }

    pub fn set_level(&mut self, rule: RuleId, level: Level) {
        self.levels.insert(rule, level);
    }
}

/// Globs matching each service's assets, from where they land in its image (absolute paths
/// by service name; a folder covers what is under it).
pub fn asset_globs(destinations: BTreeMap<String, Vec<String>>) -> BTreeMap<String, Globs> {
    destinations
        .into_iter()
        .filter_map(|(name, paths)| {
            let patterns = paths.iter().map(|p| globset::escape(p)).collect();
            Globs::new(patterns).ok().map(|g| (name, g))
        })
        .collect()
}

impl VerifyConfig {
    /// The policy for the service `name`.
    pub fn policy_for(&self, name: &str) -> Policy {
        let mut policy = Policy {
            app_root: self.app_root.as_ref().map(|r| r.0.clone()),
            allow: vec![self.allow.clone()],
            deny: vec![self.deny.clone()],
            assets: self.assets.get(name).cloned().unwrap_or_default(),
            levels: self.rules.0.clone(),
            set_by_run: Default::default(),
        };
        if let Some(s) = self.services.get(name) {
            if let Some(root) = &s.app_root {
                policy.app_root = Some(root.0.clone());
            }
            policy.allow.push(s.allow.clone());
            policy.deny.push(s.deny.clone());
            policy
                .levels
                .extend(s.rules.0.iter().map(|(k, v)| (*k, *v)));
        }
        policy
            .levels
            .extend(self.overrides.iter().map(|(k, v)| (*k, *v)));
        policy.set_by_run = self.overrides.keys().copied().collect();
        policy
    }

    /// Fills in where each allow/deny glob is written (`file:line`), from the text it was
    /// parsed from.
    pub fn locate(&mut self, text: &str, file: &std::path::Path) {
        let services = self.services.values_mut();
        let globs = [&mut self.allow, &mut self.deny]
            .into_iter()
            .chain(services.flat_map(|s| [&mut s.allow, &mut s.deny]));
        for g in globs {
            g.locate(text, file);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::verify::diags::{RuleId, Severity};
    use std::path::Path;

    fn parse(text: &str) -> crate::Result<Config> {
        Config::parse(text, Path::new("isogen.toml"))
    }

    #[test]
    fn full_policy_parses_and_merges_per_service() {
        let c = parse(
            r#"
[verify]
app_root = "/srv/app/"
allow = ["/app/public/**"]
deny = ["*.map"]
[verify.rules]
package-manager = "off"
sources = "warning"
[verify.services.billing]
app_root = "/opt/billing"
deny = ["/opt/billing/debug"]
rules = { sources = "error", user-unresolvable = "info" }
"#,
        )
        .unwrap();
        let p = c.verify.policy_for("web");
        assert_eq!(p.app_root.as_deref(), Some("/srv/app"));
        assert_eq!(p.severity(RuleId::PackageManager.rule()), None);
        assert_eq!(p.severity(RuleId::Sources.rule()), Some(Severity::Warning));
        assert!(p.allowed("/app/public/x/y.png"));
        assert!(!p.allowed("/app/publicity"));
        assert!(p.denied("/app/dist/main.js.map"));
        assert!(!p.denied("/opt/billing/debug"));

        let b = c.verify.policy_for("billing");
        assert_eq!(b.app_root.as_deref(), Some("/opt/billing"));
        assert_eq!(b.severity(RuleId::Sources.rule()), Some(Severity::Error));
        assert_eq!(
            b.severity(RuleId::UserUnresolvable.rule()),
            Some(Severity::Info)
        );
        assert_eq!(b.severity(RuleId::PackageManager.rule()), None);
        assert!(b.denied("/opt/billing/debug") && b.denied("/x/a.map"));
    }

    #[test]
    fn unknown_rule_id_names_file_and_key() {
        let err = parse("[verify.rules]\ntoolchian = \"off\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("isogen.toml:"), "{err}");
        assert!(err.contains("unknown rule id `toolchian`"), "{err}");
        let err = parse("[verify.services.a.rules]\nnope = \"off\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`nope`"), "{err}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        for (text, needle) in [
            ("[verify]\nallow_list = []\n", "allow_list"),
            ("[verify.services.a]\ncolour = 1\n", "colour"),
            ("[verify.rules]\nsources = \"fatal\"\n", "fatal"),
            ("[verify]\napp_root = \"app\"\n", "absolute"),
            ("[verify]\ndeny = [\"[\"]\n", "bad glob"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.starts_with("isogen.toml:"), "{err}");
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }
}
