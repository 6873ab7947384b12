//! Reading the files of a pnpm workspace as pnpm does: text without a byte order mark, JSON
//! and YAML with errors that name the file (and `line:column`), and the small typed getters
//! the other readers share (string lists, string maps).
//!
//! It only reads; it never decides what the facts mean, and never panics on outside data.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};

/// A text file without its UTF-8 byte order mark: editors on Windows write one, and npm, pnpm
/// and Node all skip it (`strip-bom`), so a manifest that starts with it is a valid manifest.
pub fn read_text(path: &Path) -> Result<String> {
    let text = crate::fsio::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

pub(crate) fn read_yaml(path: &Path) -> Result<Value> {
    let text = read_text(path)?;
    if text.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    let value: Value = serde_saphyr::from_str(&text).map_err(|e| yaml_error(path, &e))?;
    match value {
        Value::Null => Ok(Value::Object(Default::default())),
        Value::Object(_) => Ok(value),
        _ => Err(Error::Parse {
            path: path.to_path_buf(),
            location: None,
            message: "expected a mapping at the top level (with a `packages:` list)".into(),
        }),
    }
}

/// A YAML error as `file:line:col: message` (the message without its own position).
pub(crate) fn yaml_error(path: &Path, e: &serde_saphyr::Error) -> Error {
    let message = e.without_snippet().to_string();
    let message = message.lines().next().unwrap_or(&message).trim();
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    Error::Parse {
        path: path.to_path_buf(),
        location: e.location().map(|l| format!("{}:{}", l.line(), l.column())),
        message: message.to_string(),
    }
}

/// Reads and parses a JSON file; errors carry `line:column`.
pub fn read_json(path: &Path) -> Result<Value> {
    let text = read_text(path)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        location: Some(format!("{}:{}", e.line(), e.column())),
        message: strip_serde_position(&e.to_string()),
    })?;
    if !value.is_object() {
        return Err(Error::Parse {
            path: path.to_path_buf(),
            location: None,
            message: "expected a JSON object".into(),
        });
    }
    Ok(value)
}

/// serde_json appends " at line X column Y", which the error already carries.
pub(crate) fn strip_serde_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

pub(crate) fn string_list(yaml: &Value, key: &str, path: &Path) -> Result<Vec<String>> {
    match yaml.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(Error::Parse {
                    path: path.to_path_buf(),
                    location: None,
                    message: format!("`{key}` must be a list of strings, found {other}"),
                }),
            })
            .collect(),
        Some(other) => Err(Error::Parse {
            path: path.to_path_buf(),
            location: None,
            message: format!("`{key}` must be a list of strings, found {other}"),
        }),
    }
}

pub(crate) fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn string_map(v: &Value, what: &str, path: &Path) -> Result<BTreeMap<String, String>> {
    let Value::Object(map) = v else {
        return Err(Error::Parse {
            path: path.to_path_buf(),
            location: None,
            message: format!("`{what}` must map package names to version ranges"),
        });
    };
    map.iter()
        .map(|(k, v)| {
            scalar_string(v)
                .map(|s| (k.clone(), s))
                .ok_or_else(|| Error::Parse {
                    path: path.to_path_buf(),
                    location: None,
                    message: format!("`{what}.{k}` must be a version range string, found {v}"),
                })
        })
        .collect()
}
