//! One entry of `[generate.services.<name>] assets`: a path of the service's package (a
//! string), or a table naming a path from the workspace root (`{ from_root = "dist" }`), for
//! a run-time folder outside the crate, such as a frontend another build writes at the root.
//!
//! It only reads the setting's shape; where an entry lands and whether it is allowed is
//! decided by generate for each ecosystem.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// One `assets` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssetSetting {
    /// Relative to the package folder; lands at `<app_root>/<path>`.
    Package(String),
    /// `{ from_root = "dist", to = "dist" }`: `from_root` relative to the workspace root (the
    /// build context), landing at `to` relative to the service's working directory (the app
    /// root for Cargo; default: the same path as `from_root`), or at `to` if it is absolute.
    Root {
        from_root: String,
        to: Option<String>,
    },
}

impl AssetSetting {
    /// Where the entry lands under `app_root`, as written (unchecked).
    pub fn destination(&self, app_root: &str) -> String {
        let rel = match self {
            AssetSetting::Package(p) => p.as_str(),
            AssetSetting::Root { from_root, to } => match to {
                Some(t) if t.starts_with('/') => return t.trim_end_matches('/').to_string(),
                Some(t) => t.as_str(),
                None => from_root.as_str(),
            },
        };
        let rel = rel.trim_start_matches("./").trim_end_matches('/');
        format!("{app_root}/{rel}")
    }
}

impl<'de> Deserialize<'de> for AssetSetting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            from_root: String,
            to: Option<String>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AssetSetting;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a path in the package folder, or a table `{ from_root = \"dist\", to = \
                     \"dist\" }` (a path from the workspace root)",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<AssetSetting, E> {
                Ok(AssetSetting::Package(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<AssetSetting, A::Error> {
                let t = Table::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(AssetSetting::Root {
                    from_root: t.from_root,
                    to: t.to,
                })
            }
        }
        d.deserialize_any(V)
    }
}
