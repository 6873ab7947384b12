//! The image's JSON documents (`index.json`, indexes, manifests, the config, `manifest.json`)
//! read as Go's `encoding/json` reads them in docker and containerd, or refused.
//!
//! Go matches an object key to a struct field case-insensitively (`"user"` and `"Uſer"` both
//! set `User`) and lets the last of duplicate keys win; serde matches exactly and keeps one of
//! them. Rather than imitate both rules, isogen refuses what would make them disagree: any
//! duplicate key, and any key of a known field spelled in another case. What is left reads the
//! same in Go and here. This module never parses the documents into values; it only checks keys.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Which document is read: decides the field names Go would match.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Doc {
    /// `index.json`, nested indexes and image manifests (OCI and docker media types).
    OciJson,
    /// The image config.
    Config,
    /// `docker save`'s `manifest.json`.
    DockerManifest,
}

impl Doc {
    fn fields(self) -> &'static [&'static str] {
        match self {
            Doc::OciJson => &[
                "schemaVersion",
                "mediaType",
                "artifactType",
                "config",
                "layers",
                "manifests",
                "subject",
                "annotations",
                "digest",
                "size",
                "urls",
                "platform",
                "architecture",
                "os",
                "os.version",
                "os.features",
                "variant",
                "features",
                "data",
            ],
            Doc::Config => &[
                "architecture",
                "os",
                "os.version",
                "os.features",
                "variant",
                "config",
                "rootfs",
                "history",
                "created",
                "author",
                "container_config",
                "docker_version",
                "container",
                "id",
                "parent",
                "type",
                "diff_ids",
                "created_by",
                "comment",
                "empty_layer",
                "Hostname",
                "Domainname",
                "User",
                "AttachStdin",
                "AttachStdout",
                "AttachStderr",
                "ExposedPorts",
                "Tty",
                "OpenStdin",
                "StdinOnce",
                "Env",
                "Cmd",
                "Healthcheck",
                "ArgsEscaped",
                "Image",
                "Volumes",
                "WorkingDir",
                "Entrypoint",
                "NetworkDisabled",
                "MacAddress",
                "OnBuild",
                "Labels",
                "StopSignal",
                "StopTimeout",
                "Shell",
                "Test",
                "Interval",
                "Timeout",
                "StartPeriod",
                "StartInterval",
                "Retries",
            ],
            Doc::DockerManifest => &["Config", "RepoTags", "Layers", "LayerSources", "Parent"],
        }
    }

    /// Descriptor keys inside `LayerSources` values.
    fn nested(self) -> &'static [&'static str] {
        match self {
            Doc::DockerManifest => &[
                "mediaType",
                "digest",
                "size",
                "urls",
                "annotations",
                "platform",
            ],
            _ => &[],
        }
    }
}

/// Fields whose value is a map of free keys (label names, ports): keys are compared exactly there.
const MAP_FIELDS: &[&str] = &[
    "Labels",
    "annotations",
    "ExposedPorts",
    "Volumes",
    "LayerSources",
];

/// Go's case folding for matching a key to an (ASCII) field name: ASCII letters ignore case,
/// and `ſ` (U+017F) and `K` (U+212A, Kelvin) fold to `s` and `k`.
fn folds_to(key: &str, field: &str) -> bool {
    let mut key = key.chars().map(|c| match c {
        '\u{17f}' => 's',
        '\u{212a}' => 'k',
        c => c.to_ascii_lowercase(),
    });
    let mut field = field.chars().map(|c| c.to_ascii_lowercase());
    loop {
        match (key.next(), field.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// Ok when every key reads the same in Go and in serde; else why not, naming the key and where
/// it is (`config.User`).
pub(crate) fn check_keys(bytes: &[u8], doc: Doc) -> Result<(), String> {
    let problem = RefCell::new(None);
    let walker = Walker {
        doc,
        free_keys: false,
        path: String::new(),
        problem: &problem,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let outcome = walker.deserialize(&mut de);
    if let Some(problem) = problem.into_inner() {
        return Err(problem);
    }
    // Syntax errors are reported by the parse that follows, with its own wording.
    let _ = outcome;
    Ok(())
}

struct Walker<'a> {
    doc: Doc,
    /// The object is a map of free keys (labels): only duplicates matter.
    free_keys: bool,
    path: String,
    problem: &'a RefCell<Option<String>>,
}

impl<'a> Walker<'a> {
    fn child(&self, key: &str) -> Walker<'a> {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        Walker {
            doc: self.doc,
            free_keys: !self.free_keys && MAP_FIELDS.contains(&key),
            path,
            problem: self.problem,
        }
    }

    fn fail<E: serde::de::Error>(&self, message: String) -> E {
        self.problem.borrow_mut().get_or_insert(message);
        E::custom("refused")
    }

    fn check_key<E: serde::de::Error>(
        &self,
        key: &str,
        seen: &mut HashSet<String>,
    ) -> Result<(), E> {
        let at = if self.path.is_empty() {
            String::new()
        } else {
            format!(" in `{}`", self.path)
        };
        if !seen.insert(key.to_string()) {
            return Err(self.fail(format!(
                "key `{key}`{at} appears twice; Go's encoding/json (docker, containerd) keeps the last, other readers the first, so isogen refuses the document as ambiguous"
            )));
        }
        if self.free_keys {
            return Ok(());
        }
        let known = || self.doc.fields().iter().chain(self.doc.nested());
        if known().any(|field| *field == key) {
            return Ok(());
        }
        for field in known() {
            if folds_to(key, field) {
                return Err(self.fail(format!(
                    "key `{key}`{at} differs only by case from the field `{field}`; Go's encoding/json (docker, containerd) reads it as `{field}`, so isogen refuses the document as ambiguous"
                )));
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Walker<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walker<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            self.check_key(&key, &mut seen)?;
            map.next_value_seed(self.child(&key))?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let path = format!("{}[]", self.path);
        let element = || Walker {
            doc: self.doc,
            free_keys: false,
            path: path.clone(),
            problem: self.problem,
        };
        while seq.next_element_seed(element())?.is_some() {}
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(doc: Doc, text: &str) -> Result<(), String> {
        check_keys(text.as_bytes(), doc)
    }

    #[test]
    fn duplicates_anywhere_are_refused() {
        let err = check(Doc::Config, r#"{"config":{"User":"app","User":"root"}}"#).unwrap_err();
        assert!(err.contains("`User` in `config` appears twice"), "{err}");
        let err = check(Doc::Config, r#"{"config":{"Labels":{"a":"1","a":"2"}}}"#).unwrap_err();
        assert!(err.contains("`a` in `config.Labels`"), "{err}");
        let err = check(
            Doc::OciJson,
            r#"{"manifests":[{"digest":"a","digest":"b"}]}"#,
        )
        .unwrap_err();
        assert!(err.contains("`digest` in `manifests[]`"), "{err}");
    }

    #[test]
    fn case_variants_of_known_fields_are_refused_as_go_would_match_them() {
        for key in ["user", "USER", "Uſer"] {
            let text = format!(r#"{{"config":{{"User":"app","{key}":"root"}}}}"#);
            let err = check(Doc::Config, &text).unwrap_err();
            assert!(
                err.contains("differs only by case from the field `User`"),
                "{err}"
            );
        }
        let err = check(Doc::Config, r#"{"config":{"entrypoint":["sh"]}}"#).unwrap_err();
        assert!(err.contains("`Entrypoint`"), "{err}");
        let err = check(
            Doc::DockerManifest,
            r#"[{"config":"x.json","Config":"y.json"}]"#,
        )
        .unwrap_err();
        assert!(err.contains("`Config`"), "{err}");
        let err = check(Doc::OciJson, r#"{"Layers":[]}"#).unwrap_err();
        assert!(err.contains("`layers`"), "{err}");
        // The Kelvin sign folds to k.
        let err = check(Doc::Config, "{\"config\":{\"Wor\u{212a}ingDir\":\"/\"}}").unwrap_err();
        assert!(err.contains("`WorkingDir`"), "{err}");
    }

    #[test]
    fn free_keys_and_unknown_fields_pass() {
        check(
            Doc::Config,
            r#"{"config":{"Labels":{"user":"x","User":"y"},"ExposedPorts":{"80/tcp":{}}},"rootfs":{"type":"layers","diff_ids":[]},"x-custom":1}"#,
        )
        .unwrap();
        check(Doc::DockerManifest, r#"[{"Config":"c.json","Layers":["a"],"LayerSources":{"sha256:a":{"mediaType":"m","size":1,"digest":"sha256:a"}}}]"#).unwrap();
        // Syntax errors are left to the parser.
        check(Doc::Config, "{").unwrap();
    }
}
