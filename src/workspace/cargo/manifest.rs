//! The shapes of a `Cargo.toml`, only the keys isogen needs (cargo's other keys are ignored),
//! and reading one into them with the file, line and column of a parse error. Deserialization
//! only: what the values mean (inheritance, targets, members) is decided by the other modules;
//! nothing here looks at other files.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::error::{line_col, Error, Result};

pub(super) type DepTable = BTreeMap<String, Spanned<toml::Value>>;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) struct Manifest {
    pub(super) package: Option<TomlPackage>,
    /// The pre-1.0 spelling of `[package]`, still accepted by cargo.
    pub(super) project: Option<TomlPackage>,
    pub(super) workspace: Option<TomlWorkspace>,
    pub(super) lib: Option<TomlTarget>,
    pub(super) bin: Option<Vec<TomlTarget>>,
    pub(super) example: Option<Vec<TomlTarget>>,
    pub(super) test: Option<Vec<TomlTarget>>,
    pub(super) bench: Option<Vec<TomlTarget>>,
    #[serde(default)]
    pub(super) dependencies: DepTable,
    #[serde(default, alias = "dev_dependencies")]
    pub(super) dev_dependencies: DepTable,
    #[serde(default, alias = "build_dependencies")]
    pub(super) build_dependencies: DepTable,
    #[serde(default)]
    pub(super) target: BTreeMap<String, TomlPlatform>,
    /// `[patch.<registry>]`: only read from the root manifest, where cargo reads it.
    #[serde(default)]
    pub(super) patch: BTreeMap<String, DepTable>,
    /// `[features]`: the names, to check the features isogen.toml asks for; what each enables,
    /// to refuse what cargo refuses (a feature naming neither a feature nor a dependency).
    #[serde(default)]
    pub(super) features: BTreeMap<String, Spanned<Vec<String>>>,
    /// `[lints]`: only `workspace = true` matters (it needs `[workspace.lints]`).
    pub(super) lints: Option<Spanned<toml::Table>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) struct TomlPlatform {
    #[serde(default)]
    pub(super) dependencies: DepTable,
    #[serde(default, alias = "dev_dependencies")]
    pub(super) dev_dependencies: DepTable,
    #[serde(default, alias = "build_dependencies")]
    pub(super) build_dependencies: DepTable,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) struct TomlPackage {
    pub(super) name: Option<Spanned<String>>,
    pub(super) version: Option<Inheritable<String>>,
    pub(super) edition: Option<Inheritable<String>>,
    pub(super) description: Option<Inheritable<String>>,
    pub(super) rust_version: Option<Inheritable<String>>,
    pub(super) build: Option<Spanned<BuildSetting>>,
    pub(super) autobins: Option<bool>,
    pub(super) autolib: Option<bool>,
    pub(super) autoexamples: Option<bool>,
    pub(super) autotests: Option<bool>,
    pub(super) autobenches: Option<bool>,
}

/// A `[package]` value that may come from `[workspace.package]` (`version.workspace = true`).
#[derive(Debug)]
pub(super) enum Inheritable<T> {
    Value(T),
    Inherit { workspace: bool },
}

/// By hand rather than `#[serde(untagged)]`, whose error ("data did not match any variant of
/// untagged enum") names neither what was found nor what is accepted.
impl<'de> Deserialize<'de> for Inheritable<String> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Inheritable<String>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or `{ workspace = true }`")
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> std::result::Result<Self::Value, E> {
                Ok(Inheritable::Value(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut workspace = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "workspace" {
                        return Err(serde::de::Error::custom(format!(
                            "unexpected key `{key}`: expected a string or `{{ workspace = true }}`"
                        )));
                    }
                    workspace = Some(map.next_value::<bool>()?);
                }
                let workspace = workspace.ok_or_else(|| {
                    serde::de::Error::custom("expected a string or `{ workspace = true }`")
                })?;
                Ok(Inheritable::Inherit { workspace })
            }
        }
        d.deserialize_any(V)
    }
}

/// `package.build`: `false`, `true` or the script's path.
#[derive(Debug)]
pub(super) enum BuildSetting {
    Enabled(bool),
    Path(String),
}

impl<'de> Deserialize<'de> for BuildSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = BuildSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a boolean or a string (the build script's path)")
            }
            fn visit_bool<E: serde::de::Error>(
                self,
                v: bool,
            ) -> std::result::Result<Self::Value, E> {
                Ok(BuildSetting::Enabled(v))
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> std::result::Result<Self::Value, E> {
                Ok(BuildSetting::Path(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) struct TomlTarget {
    pub(super) name: Option<String>,
    pub(super) path: Option<Spanned<String>>,
    pub(super) required_features: Option<Spanned<Vec<String>>>,
    #[serde(alias = "proc_macro")]
    pub(super) proc_macro: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) struct TomlWorkspace {
    pub(super) members: Option<Vec<String>>,
    #[serde(default)]
    pub(super) exclude: Vec<String>,
    pub(super) default_members: Option<Vec<String>>,
    #[serde(default)]
    pub(super) dependencies: DepTable,
    pub(super) package: Option<toml::Table>,
    pub(super) lints: Option<toml::Value>,
}

pub(super) fn read(path: &Path) -> Result<String> {
    crate::fsio::read_to_string(path).map_err(|e| Error::io(path, e))
}

pub(super) fn parse_manifest(text: &str, path: &Path) -> Result<Manifest> {
    toml::from_str(text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        location: e.span().map(|s| line_col(text, s.start)),
        message: e.message().trim().to_string(),
    })
}
