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
/// range (`foo@^1` -> `foo`, `@s/p@1>@s/c` -> `@s/c`).
pub fn selector_target(selector: &str) -> &str {
    let last = selector.rsplit('>').next().unwrap_or(selector).trim();
    name_of_part(last)
}

/// `name@range` -> `name` (scoped names keep their leading `@`).
pub fn name_of_part(part: &str) -> &str {
    let first = part.chars().next().map_or(0, char::len_utf8);
    match part[first..].find('@') {
        Some(i) => &part[..first + i],
        None => part,
    }
}
