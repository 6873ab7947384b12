//! `os/arch[/variant]` platforms: parsing `--platform`, the host's default, and matching the way
//! container runtimes do (containerd's `platforms.Normalize`: `aarch64` is `arm64`, `arm64`
//! means `arm64/v8`, a request without a variant accepts any variant).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl Platform {
    pub fn new(os: &str, arch: &str, variant: Option<&str>) -> Self {
        Platform {
            os: os.to_string(),
            arch: arch.to_string(),
            variant: variant.filter(|v| !v.is_empty()).map(str::to_string),
        }
    }

    /// Parses `os/arch[/variant]` as given to `--platform`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform::new(os, arch, None)),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform::new(os, arch, Some(variant)))
            }
            _ => Err(format!(
                "`{text}` is not a platform (expected os/arch or os/arch/variant, e.g. linux/amd64 or linux/arm64/v8)"
            )),
        }
    }

    /// The platform a container runtime on this machine would pull: always Linux (Docker
    /// Desktop on macOS and Windows runs Linux images), this CPU's architecture, any variant.
    pub fn host() -> Self {
        Platform::new("linux", &normalize_arch(std::env::consts::ARCH).0, None)
    }

    /// Does an image for `candidate` satisfy a request for `self`?
    pub fn accepts(&self, candidate: &Platform) -> bool {
        let (arch, implied) = normalize_arch(&self.arch);
        let (cand_arch, cand_implied) = normalize_arch(&candidate.arch);
        if self.os != candidate.os || arch != cand_arch {
            return false;
        }
        match self.variant.as_deref().or(implied.as_deref()) {
            None => true,
            Some(wanted) => {
                let have = candidate.variant.as_deref().or(cand_implied.as_deref());
                normalize_variant(&arch, Some(wanted)) == normalize_variant(&arch, have)
            }
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

/// GOARCH name for an architecture alias, plus the variant the alias implies (`armhf` is v7).
fn normalize_arch(arch: &str) -> (String, Option<String>) {
    let lower = arch.to_ascii_lowercase();
    let (name, variant) = match lower.as_str() {
        "x86_64" | "x86-64" | "amd64" => ("amd64", None),
        "aarch64" | "arm64" => ("arm64", None),
        "i386" | "i486" | "i586" | "i686" | "x86" | "386" => ("386", None),
        "armhf" | "armv7l" | "armv7" => ("arm", Some("v7")),
        "armel" | "armv6l" | "armv6" => ("arm", Some("v6")),
        "armv5" | "armv5l" => ("arm", Some("v5")),
        "powerpc64le" | "ppc64le" => ("ppc64le", None),
        _ => return (lower, None),
    };
    (name.to_string(), variant.map(str::to_string))
}

/// A variant in its canonical form for its architecture (`arm64` + `v8` is no variant).
fn normalize_variant(arch: &str, variant: Option<&str>) -> Option<String> {
    let variant = variant.map(str::to_ascii_lowercase);
    match (arch, variant.as_deref()) {
        ("arm64", Some("v8" | "8")) => None,
        ("amd64", Some("v1")) => None,
        ("arm", None) => Some("v7".into()),
        ("arm", Some(v)) if !v.starts_with('v') => Some(format!("v{v}")),
        _ => variant,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Platform {
        Platform::parse(text).unwrap()
    }

    #[test]
    fn parses_and_refuses() {
        assert_eq!(p("linux/arm64/v8").to_string(), "linux/arm64/v8");
        assert_eq!(p("linux/amd64").variant, None);
        for bad in ["linux", "linux/", "/amd64", "a/b/c/d", "linux/arm/"] {
            assert!(Platform::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn matches_like_a_runtime() {
        assert!(p("linux/amd64").accepts(&p("linux/amd64")));
        assert!(!p("linux/amd64").accepts(&p("linux/arm64")));
        assert!(!p("linux/amd64").accepts(&p("windows/amd64")));
        assert!(p("linux/arm64").accepts(&p("linux/arm64/v8")));
        assert!(p("linux/arm64/v8").accepts(&p("linux/arm64")));
        assert!(p("linux/aarch64").accepts(&p("linux/arm64")));
        assert!(p("linux/arm/v7").accepts(&p("linux/arm")));
        assert!(!p("linux/arm/v6").accepts(&p("linux/arm/v7")));
        assert!(p("linux/arm").accepts(&p("linux/arm/v7")));
        assert!(p("linux/x86_64").accepts(&p("linux/amd64")));
    }

    #[test]
    fn host_is_linux() {
        assert_eq!(Platform::host().os, "linux");
    }
}
