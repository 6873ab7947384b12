//! The name of each service's image: `[generate] image_name`, a pattern such as
//! `"ghcr.io/acme/{service}"` (default `"{service}"`), used by `plan`, the bake file and the
//! compose file alike so they always agree. The tag is not part of it (the bake file and the
//! compose file take it from a `TAG` variable).

use std::path::Path;

use crate::error::{Error, Result};
use crate::workspace::Ecosystem;

/// The pattern used when `[generate] image_name` is not set.
pub const DEFAULT_PATTERN: &str = "{service}";

/// The image name of `service` from `pattern`: `{service}` (lowercased) and `{ecosystem}`
/// (`pnpm`, `cargo`) replaced; checked against the image reference grammar (lowercase path
/// components, an optional `host[:port]/` first, no tag or digest).
pub fn image_name(
    pattern: Option<&str>,
    service: &str,
    ecosystem: Ecosystem,
    config_path: &Path,
) -> Result<String> {
    let pattern = pattern.unwrap_or(DEFAULT_PATTERN);
    let bad = |why: String| {
        Error::config(
            config_path,
            format!("[generate] image_name = {pattern:?}: {why} (expected e.g. \"ghcr.io/acme/{{service}}\")"),
        )
    };
    if !pattern.contains("{service}") {
        return Err(bad(
            "must contain `{service}`, or every image gets one name".into(),
        ));
    }
    let ecosystem = match ecosystem {
        Ecosystem::Pnpm => "pnpm",
        Ecosystem::Cargo => "cargo",
    };
    let name = pattern
        .replace("{service}", &service.to_ascii_lowercase())
        .replace("{ecosystem}", ecosystem);
    if let Some(start) = name.find('{') {
        let end = name[start..]
            .find('}')
            .map_or(name.len(), |e| start + e + 1);
        return Err(bad(format!(
            "unknown placeholder `{}` (there are `{{service}}` and `{{ecosystem}}`)",
            &name[start..end]
        )));
    }
    check_reference_name(&name).map_err(|why| {
        bad(format!(
            "gives `{name}` for the service `{service}`, which is not an image name: {why}"
        ))
    })?;
    Ok(name)
}

/// The `name` part of an image reference (distribution's reference grammar): components of
/// `[a-z0-9]` separated by `.`, `_`, `__` or dashes; the first may be a registry host with a
/// port.
fn check_reference_name(name: &str) -> std::result::Result<(), &'static str> {
    if name.contains('@') {
        return Err("a digest does not belong in the name");
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    let host = if parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost") {
        Some(parts.remove(0))
    } else {
        None
    };
    if let Some(host) = host {
        let (h, port) = host.split_once(':').unwrap_or((host, "1"));
        if h.is_empty()
            || !h
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
            || port.is_empty()
            || !port.chars().all(|c| c.is_ascii_digit())
        {
            return Err("the registry host is not `host[:port]`");
        }
    }
    for part in parts {
        let ok = !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            && part.starts_with(|c: char| c.is_ascii_alphanumeric())
            && part.ends_with(|c: char| c.is_ascii_alphanumeric())
            && !part.contains("..")
            && !part.contains("___");
        if !ok {
            return Err("each path component is lowercase letters and digits separated by `.`, `_` or `-` (a tag comes from TAG)");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(pattern: Option<&str>, service: &str) -> Result<String> {
        image_name(pattern, service, Ecosystem::Pnpm, Path::new("isogen.toml"))
    }

    #[test]
    fn patterns_fill_in_and_are_checked() {
        assert_eq!(name(None, "Api").unwrap(), "api");
        assert_eq!(
            name(Some("localhost:5000/acme/{ecosystem}-{service}"), "api").unwrap(),
            "localhost:5000/acme/pnpm-api"
        );
        let err = name(Some("acme/app"), "api").unwrap_err().to_string();
        assert!(err.contains("must contain `{service}`"), "{err}");
        let err = name(Some("acme/{service}:{tag}"), "api")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown placeholder `{tag}`"), "{err}");
        let err = name(Some("acme/{service}:1"), "api")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not an image name"), "{err}");
        assert!(name(None, "my_svc").is_ok());
        assert!(name(None, "-x").is_err());
    }
}
