//! A binary's part of `Cargo.lock`: the `[[package]]` entries reachable from its package through
//! the lock graph (`dependencies = ["name", "name version", "name version (source)"]`), so that
//! bumping a crate only another binary uses leaves it alone. Pure functions over parsed TOML.

use std::collections::{BTreeMap, BTreeSet};

use toml::{Table, Value};

/// Entry key (`name version source`) -> entry.
pub type Part<'a> = BTreeMap<String, &'a Table>;

fn field<'a>(entry: &'a Table, key: &str) -> &'a str {
    entry.get(key).and_then(Value::as_str).unwrap_or("")
}

fn key(entry: &Table) -> String {
    format!(
        "{} {} {}",
        field(entry, "name"),
        field(entry, "version"),
        field(entry, "source")
    )
    .trim_end()
    .to_string()
}

/// The `[[package]]` tables of a parsed lockfile.
pub fn packages(lock: &Table) -> Vec<&Table> {
    lock.get("package")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_table)
        .collect()
}

/// The entries reachable from the workspace package `name` (the entry without a `source`).
/// `None` when the lockfile has no such package.
pub fn part<'a>(lock: &'a Table, name: &str) -> Option<Part<'a>> {
    let all = packages(lock);
    let start = all
        .iter()
        .find(|p| field(p, "name") == name && p.get("source").is_none())?;
    let mut out = Part::new();
    let mut queue = vec![*start];
    let mut seen = BTreeSet::new();
    while let Some(entry) = queue.pop() {
        if !seen.insert(key(entry)) {
            continue;
        }
        out.insert(key(entry), entry);
        let deps = entry.get("dependencies").and_then(Value::as_array);
        for dep in deps.into_iter().flatten().filter_map(Value::as_str) {
            queue.extend(resolve(&all, dep));
        }
    }
    Some(out)
}

/// The entries a `dependencies` string names: `name`, `name version` or
/// `name version (source)`; all candidates when it is ambiguous (never fewer than cargo).
fn resolve<'a>(all: &[&'a Table], dep: &str) -> Vec<&'a Table> {
    let mut words = dep.splitn(3, ' ');
    let name = words.next().unwrap_or("");
    let version = words.next();
    let source = words
        .next()
        .map(|s| s.trim_start_matches('(').trim_end_matches(')'));
    all.iter()
        .filter(|p| field(p, "name") == name)
        .filter(|p| version.is_none_or(|v| field(p, "version") == v))
        .filter(|p| source.is_none_or(|s| field(p, "source") == s))
        .copied()
        .collect()
}

/// The crates (names, sorted, deduplicated) whose entries differ between the two parts.
pub fn changed_crates(old: Option<&Part>, new: Option<&Part>) -> Vec<String> {
    let empty = Part::new();
    let old = old.unwrap_or(&empty);
    let new = new.unwrap_or(&empty);
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let names: BTreeSet<String> = keys
        .into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| k.split(' ').next().unwrap_or(k).to_string())
        .collect();
    names.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "api"
version = "0.1.0"
dependencies = ["core", "serde"]

[[package]]
name = "core"
version = "0.1.0"
dependencies = ["itoa 1.0.0"]

[[package]]
name = "worker"
version = "0.1.0"
dependencies = ["rand"]

[[package]]
name = "itoa"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "serde"
version = "1.0.1"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "rand"
version = "0.8.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    fn parse(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn closure_and_changes() {
        let old = parse(LOCK);
        let p = part(&old, "api").unwrap();
        let names: Vec<&str> = p.keys().map(|k| k.split(' ').next().unwrap()).collect();
        assert_eq!(names, vec!["api", "core", "itoa", "serde"]);
        let new = parse(&LOCK.replace("0.8.0", "0.8.5"));
        assert!(changed_crates(part(&old, "api").as_ref(), part(&new, "api").as_ref()).is_empty());
        assert_eq!(
            changed_crates(part(&old, "worker").as_ref(), part(&new, "worker").as_ref()),
            vec!["rand"]
        );
        let new = parse(&LOCK.replace("itoa 1.0.0", "itoa 1.0.1").replace(
            "name = \"itoa\"\nversion = \"1.0.0\"",
            "name = \"itoa\"\nversion = \"1.0.1\"",
        ));
        assert_eq!(
            changed_crates(part(&old, "api").as_ref(), part(&new, "api").as_ref()),
            vec!["core", "itoa"]
        );
        assert!(part(&old, "nope").is_none());
    }
}
