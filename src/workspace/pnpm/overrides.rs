//! pnpm's `overrides`: where they are written (`resolutions` and `pnpm.overrides` of the root
//! package.json, `overrides` of `pnpm-workspace.yaml`, or the lockfile's `overrides:` as the
//! install applied them) and what pnpm does to their values (`$name` and `catalog:`).
//!
//! Pure data work on what the readers found; it never reads a file and never turns an
//! override into npm's form (generate does that).

use std::collections::{BTreeMap, HashMap};

use crate::workspace::spec::{self, Catalogs};

/// Adds `more` to `overrides`: a selector already there takes the new spec in place.
pub(super) fn merge_overrides(
    overrides: &mut Vec<(String, String)>,
    more: BTreeMap<String, String>,
) {
    for (k, v) in more {
        match overrides.iter_mut().find(|(s, _)| *s == k) {
            Some(entry) => entry.1 = v,
            None => overrides.push((k, v)),
        }
    }
}

/// What pnpm does to override values before it applies them: `$name` becomes the root's own
/// spec of `name`, `catalog:` the catalog's range (unresolvable ones stay as written).
pub(super) fn resolve_values(
    overrides: &mut [(String, String)],
    root_deps: &HashMap<String, String>,
    catalogs: &Catalogs,
) {
    for (selector, spec) in overrides {
        if let Some(name) = spec.strip_prefix('$') {
            if let Some(v) = root_deps.get(name) {
                *spec = v.clone();
            }
        } else if spec::is_catalog(spec) {
            let name = selector_target(selector);
            if let Ok(Some(range)) = spec::resolve_catalog(catalogs, name, spec) {
                *spec = range;
            }
        }
    }
}

/// The package an override selector changes: the last part of `parent>child`, without its
/// range (`foo@^1` -> `foo`, `@s/p@1>@s/c` -> `@s/c`, `foo@>=3 <3.4` -> `foo`).
pub fn selector_target(selector: &str) -> &str {
    name_of_part(selector[child_start(selector)..].trim())
}

/// Whether the selector names a parent (`parent>child`): it then applies below that package
/// only, never to a workspace package's own dependency.
pub fn has_parent(selector: &str) -> bool {
    child_start(selector) > 0
}

/// Where the child part starts: after the last `>` that separates parent and child, which is
/// one preceded by a character other than a space, `|` or `@` (pnpm's `[^ |@]>`); the `>` of
/// a range (`foo@>=3`, `foo@1 || >2`) is not one.
fn child_start(selector: &str) -> usize {
    let bytes = selector.as_bytes();
    (1..bytes.len())
        .rev()
        .find(|&i| bytes[i] == b'>' && !matches!(bytes[i - 1], b' ' | b'|' | b'@'))
        .map_or(0, |i| i + 1)
}

/// `name@range` -> `name` (scoped names keep their leading `@`).
pub fn name_of_part(part: &str) -> &str {
    let first = part.chars().next().map_or(0, char::len_utf8);
    match part[first..].find('@') {
        Some(i) => &part[..first + i],
        None => part,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_with_greater_than_is_not_a_parent() {
        assert_eq!(selector_target("dompurify@>=3 <3.4.13"), "dompurify");
        assert!(!has_parent("dompurify@>=3 <3.4.13"));
        assert!(!has_parent("ws@1 || >2"));
        assert_eq!(selector_target("express@^4>body-parser"), "body-parser");
        assert!(has_parent("express@^4>body-parser"));
        assert_eq!(selector_target("@s/p@1>@s/c@>=2"), "@s/c");
        assert_eq!(selector_target("@types/node"), "@types/node");
    }
}
