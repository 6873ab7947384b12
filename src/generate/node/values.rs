//! The template values of the packages, converted once per run: a library that 150 services
//! build and ship appears, field for field the same, in 150 contexts, and turning it into
//! Tera's values (a map per package, its keys hashed, its lists copied) was 18M of the 31M
//! instructions of converting the 200 contexts of the bench's workspace (BENCHMARKS.md, "Round
//! 21 (generate: ...)"). Each distinct [`BuildPackage`] and [`RuntimePackage`] is converted once
//! and every context holds the same shared value (Tera's maps are reference-counted and never
//! changed by a template). A package is found by its name, then compared whole as the service
//! computed it, so a package whose fields differ for one service (its own package, a `copy`
//! list that depends on it) gets a value of its own; the service's own package, in no other
//! context, is converted and not kept.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use super::{BuildPackage, RuntimePackage};

/// Converted values by package name: each package as computed, with its value (usually one;
/// more when a field differs between services).
type Cache<T> = Mutex<HashMap<String, Vec<(T, tera::Value)>>>;

/// At most this many values kept per package name: a package whose fields differ for every
/// service is converted each time rather than searched among hundreds of variants.
const MAX_VARIANTS: usize = 8;

/// Converted package values, shared by the services rendering on every core. Build one per run
/// with [`PackageValues::default`].
#[derive(Default)]
pub struct PackageValues {
    build: Cache<BuildPackage>,
    runtime: Cache<RuntimePackage>,
}

impl PackageValues {
    /// `packages` as the template's `packages` list.
    pub fn build(&self, packages: &[BuildPackage]) -> tera::TeraResult<tera::Value> {
        list(&self.build, packages, |p| {
            (!p.is_service).then_some(&p.name)
        })
    }

    /// `packages` as the template's `runtime_packages` list.
    pub fn runtime(&self, packages: &[RuntimePackage]) -> tera::TeraResult<tera::Value> {
        list(&self.runtime, packages, |p| {
            (!p.is_service).then_some(&p.name)
        })
    }
}

/// The list of `items`' values, each distinct item converted at most once per cache: looked up
/// by the name `key` gives, then compared whole (hashing every field cost more than the
/// comparison). An item without a key (the service's own package, in no other service's
/// context) is converted and not kept.
fn list<T>(
    cache: &Cache<T>,
    items: &[T],
    key: fn(&T) -> Option<&String>,
) -> tera::TeraResult<tera::Value>
where
    T: Serialize + PartialEq + Clone,
{
    let mut cache = lock(cache);
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(name) = key(item) else {
            out.push(tera::Value::try_from_serializable(item)?);
            continue;
        };
        let known = cache.get(name).and_then(|seen| {
            seen.iter()
                .find(|(other, _)| other == item)
                .map(|(_, value)| value.clone())
        });
        let value = match known {
            Some(value) => value,
            None => {
                let value = tera::Value::try_from_serializable(item)?;
                let seen = cache.entry(name.clone()).or_default();
                if seen.len() < MAX_VARIANTS {
                    seen.push((item.clone(), value.clone()));
                }
                value
            }
        };
        out.push(value);
    }
    Ok(tera::Value::from(out))
}

fn lock<T>(cache: &Mutex<T>) -> MutexGuard<'_, T> {
    cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, is_service: bool) -> RuntimePackage {
        RuntimePackage {
            name: name.into(),
            dir: format!("libs/{name}"),
            manifest: format!("libs/{name}/package.json"),
            lockfile: None,
            is_service,
            copy: vec!["dist".into()],
            set: vec![],
            set_json: vec![],
            publish: None,
            strip: Some("npm pkg delete scripts".into()),
        }
    }

    #[test]
    fn a_cached_list_is_the_list_serde_gives_and_a_changed_field_is_not_taken_from_the_cache() {
        let values = PackageValues::default();
        let first = [package("a", false), package("b", false)];
        let direct = tera::Value::try_from_serializable(&first[..]).unwrap();
        assert_eq!(values.runtime(&first).unwrap(), direct);
        // Again from the cache: the same value.
        assert_eq!(values.runtime(&first).unwrap(), direct);
        // The same names, one field different: its own value, not the cached one.
        let mut changed = package("b", false);
        changed.copy.push("assets".into());
        let second = [package("a", false), changed];
        let direct = tera::Value::try_from_serializable(&second[..]).unwrap();
        assert_eq!(values.runtime(&second).unwrap(), direct);
        assert_ne!(values.runtime(&first).unwrap(), direct);
        // The service's own package: converted, never kept.
        let second = [package("a", false), package("b", true)];
        let direct = tera::Value::try_from_serializable(&second[..]).unwrap();
        assert_eq!(values.runtime(&second).unwrap(), direct);
        assert_ne!(values.runtime(&first).unwrap(), direct);
        assert_eq!(lock(&values.runtime).get("b").map(Vec::len), Some(2));
    }
}
