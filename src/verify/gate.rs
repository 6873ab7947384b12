//! `verify` as a CI gate: the exit threshold (`--fail-on`), the per-run rule overrides
//! (`--allow/--warn/--deny RULE`, over the `[verify]` policy), and the policy's allow globs that
//! match nothing in an image (a stale exemption hides nothing, or a typo exempts nothing).
//!
//! Decides on counts and policies only: never reads images itself, never prints.

use std::collections::{BTreeMap, HashSet};

use super::cfg::{Level, Policy};
use super::diags::{self, RuleId, Severity};
use super::fs;
use crate::error::{Error, Result};
use crate::image::Image;

/// The least severity that fails the gate (`verify --fail-on`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FailOn {
    /// Exit 1 on an error-level finding (the default).
    #[default]
    Error,
    /// Exit 1 on an error- or warning-level finding.
    Warning,
}

impl FailOn {
    /// The least severity that fails the gate.
    pub fn least(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
        }
    }

    /// Whether findings of these severities fail the gate.
    pub fn fails(self, severities: impl IntoIterator<Item = Severity>) -> bool {
        severities.into_iter().any(|s| s >= self.least())
    }
}

/// Per-run rule levels from `--allow`, `--warn` and `--deny` (each a list of rule ids). A rule
/// named twice keeps the last level in the order allow, warn, deny (so deny wins). An unknown id
/// is a usage error naming the flag, the id and the ids close to it.
pub fn overrides(
    allow: &[String],
    warn: &[String],
    deny: &[String],
) -> Result<BTreeMap<RuleId, Level>> {
    let mut out = BTreeMap::new();
    for (flag, ids, level) in [
        ("--allow", allow, Level::Off),
        ("--warn", warn, Level::Warning),
        ("--deny", deny, Level::Error),
    ] {
        for id in ids {
            let rule = diags::lookup(id).map_err(|e| Error::Usage(format!("{flag}: {e}")))?;
            out.insert(rule, level);
        }
    }
    Ok(out)
}

/// An allow glob of the policy that matched no path of one image.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnusedAllow {
    /// The glob and where it is written: `"/app/public/**" (isogen.toml:4)`.
    pub glob: String,
    /// Whether it comes from `[verify.services.<name>]` (else the global `[verify]`).
    pub per_service: bool,
}

/// The allow globs of `policy` that match no path `image` ships (visible or hidden, nor any
/// folder above one).
pub fn unused_allows(policy: &Policy, image: &Image) -> Vec<UnusedAllow> {
    let mut used: Vec<Vec<bool>> = policy
        .allow
        .iter()
        .map(|g| vec![false; g.patterns.len()])
        .collect();
    if policy.allow.iter().all(|g| g.is_empty()) {
        return Vec::new();
    }
    // Borrowed from the image: no allocation per path and folder.
    let mut seen: HashSet<&str> = HashSet::new();
    let paths = image
        .tree
        .entries
        .keys()
        .chain(image.tree.hidden.iter().map(|h| h.entry.path.as_str()));
    for path in paths {
        for p in fs::self_and_ancestors(path) {
            if !seen.insert(p) {
                break;
            }
            for (globs, used) in policy.allow.iter().zip(used.iter_mut()) {
                for i in globs.matching(p) {
                    used[i] = true;
                }
            }
        }
    }
    let mut out = Vec::new();
    for (n, (globs, used)) in policy.allow.iter().zip(&used).enumerate() {
        for (i, _) in used.iter().enumerate().filter(|(_, u)| !**u) {
            out.push(UnusedAllow {
                glob: globs.describe(i),
                per_service: n > 0,
            });
        }
    }
    out
}

/// Warnings for the allow globs unused in a run, from `(image, its unused allows)` pairs: a
/// service's own glob is named for each image of it that lacks the path; a global glob only
/// when no image of the run has a path it matches.
pub fn unused_allow_warnings(per_image: &[(String, Vec<UnusedAllow>)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut global: BTreeMap<&str, usize> = BTreeMap::new();
    for (image, unused) in per_image {
        for u in unused {
            if u.per_service {
                out.push(format!(
                    "{image}: allow glob {} of [verify.services] matches nothing in this image; remove it or fix it",
                    u.glob
                ));
            } else {
                *global.entry(u.glob.as_str()).or_default() += 1;
            }
        }
    }
    for (glob, n) in global {
        if n == per_image.len() {
            let which = if n == 1 { "the image" } else { "any image" };
            out.push(format!(
                "[verify] allow glob {glob} matches nothing in {which}; remove it or fix it"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_warning_also_fails_on_errors() {
        use Severity::*;
        assert!(!FailOn::Error.fails([Warning, Info]));
        assert!(FailOn::Error.fails([Info, Error]));
        assert!(FailOn::Warning.fails([Warning]));
        assert!(!FailOn::Warning.fails([Info]));
        assert!(!FailOn::Warning.fails([]));
    }

    #[test]
    fn overrides_name_the_flag_and_the_close_ids() {
        let o = overrides(&["sources".into()], &[], &["package-manager".into()]).unwrap();
        assert_eq!(o.get(&RuleId::Sources), Some(&Level::Off));
        assert_eq!(o.get(&RuleId::PackageManager), Some(&Level::Error));
        let err = overrides(&[], &[], &["secret-npmr".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--deny: unknown rule id `secret-npmr`; did you mean `secret-npmrc`?"),
            "{err}"
        );
    }

    #[test]
    fn an_allow_glob_is_used_by_a_path_it_matches_visible_hidden_or_above_one() {
        use crate::config::Config;
        use crate::verify::testkit::ImageBuilder;
        let config = Config::parse(
            "[verify]\nallow = [\"/app/dist\", \"*.map\", \"/app/old/**\", \"/app/public/**\"]\n\
             [verify.services.web]\nallow = [\"/srv\"]\n",
            std::path::Path::new("isogen.toml"),
        )
        .unwrap();
        let image = ImageBuilder::new("web")
            .with(|t| {
                t.file("/app/dist/main.js", "")
                    .file("/app/dist/main.js.map", "{}")
                    .file("/app/old/x.js", "")
                    .layer(2)
                    .delete("/app/old")
            })
            .build();
        let unused = unused_allows(&config.verify.policy_for("web"), &image);
        assert_eq!(
            unused,
            vec![
                UnusedAllow {
                    glob: "\"/app/public/**\" (isogen.toml:2)".into(),
                    per_service: false
                },
                UnusedAllow {
                    glob: "\"/srv\" (isogen.toml:4)".into(),
                    per_service: true
                },
            ]
        );
    }

    #[test]
    fn global_globs_are_unused_only_when_no_image_uses_them() {
        let g = |glob: &str, per_service| UnusedAllow {
            glob: glob.into(),
            per_service,
        };
        let warnings = unused_allow_warnings(&[
            ("a.tar".into(), vec![g("\"x\"", false), g("\"y\"", false)]),
            ("b.tar".into(), vec![g("\"x\"", false), g("\"z\"", true)]),
        ]);
        assert_eq!(
            warnings,
            vec![
                "b.tar: allow glob \"z\" of [verify.services] matches nothing in this image; remove it or fix it",
                "[verify] allow glob \"x\" matches nothing in any image; remove it or fix it",
            ]
        );
    }
}
