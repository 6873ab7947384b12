//! `secret-*`: registry tokens in `.npmrc`/`.yarnrc`, `.env` files, private keys, credential
//! files of clouds and tools, `.git` directories. Checked in every layer: a secret a later layer
//! deletes is still in the image's bytes.
//!
//! Third-party packages (`node_modules`) and distribution data (`/usr/share`, `/usr/lib`) are
//! not searched for keys and `.env` files: test fixtures there are not the project's secrets and
//! would drown real findings. Registry tokens are searched everywhere.
//!
//! Like every rule, it looks only at the [`super::Ctx`] (no I/O) and never writes a message
//! text of its own: its messages are constructors in [`crate::verify::diags`].

use super::{Ctx, Hit};
use crate::image::EntryKind;
use crate::verify::diags::Diag;
use crate::verify::facts::Shipped;
use crate::verify::fs;

const KEY_NAMES: &[&str] = &[
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "id_ecdsa_sk",
    "id_ed25519_sk",
];
const ENV_EXAMPLES: &[&str] = &[
    "example", "sample", "template", "dist", "defaults", "schema",
];

/// Places whose files are distribution data, not the project's.
fn is_distribution(path: &str) -> bool {
    fs::in_node_modules(path)
        || [
            "/usr/share",
            "/usr/lib",
            "/usr/lib64",
            "/usr/local/lib",
            "/usr/include",
            "/proc",
            "/sys",
        ]
        .iter()
        .any(|d| fs::is_within(path, d))
}

/// A literal (not `${ENV}`) credential in npm/yarn config text.
pub fn npmrc_has_token(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            return false;
        }
        let (key, value) = match line.split_once('=').or_else(|| line.split_once(':')) {
            Some((k, v)) => (k.trim(), v.trim().trim_matches('"').trim_matches('\'')),
            None => return false,
        };
        let key = key.rsplit(':').next().unwrap_or(key).trim();
        let secret_key = matches!(
            key,
            "_authToken" | "_auth" | "_password" | "npmAuthToken" | "npmAuthIdent" | "_authtoken"
        );
        secret_key && !value.is_empty() && !value.starts_with("${") && !value.starts_with('$')
    })
}

fn contains(bytes: Option<&[u8]>, needle: &str) -> bool {
    bytes.is_some_and(|b| String::from_utf8_lossy(b).contains(needle))
}

pub fn classify(_ctx: &Ctx, s: Shipped) -> Option<Hit> {
    let path = s.entry.path;
    let base = fs::basename(path);
    let content = s.entry.content();
    let is_file = matches!(s.entry.kind, EntryKind::File | EntryKind::HardLink);

    // .git: the directory (or a worktree's .git file) and everything under it.
    if path.contains("/.git") && !fs::in_node_modules(path) {
        if let Some(git) = fs::self_and_ancestors(path).find(|a| fs::basename(a) == ".git") {
            return Some(Hit::new(Diag::git_directory(), git));
        }
    }

    if is_file
        && matches!(base, ".npmrc" | "npmrc" | ".yarnrc" | ".yarnrc.yml")
        && content.is_some_and(|c| npmrc_has_token(&String::from_utf8_lossy(c)))
    {
        return Some(Hit::new(Diag::registry_token(base), path));
    }

    if is_distribution(path) {
        return None;
    }

    if is_file && (base == ".env" || base == ".envrc" || base.starts_with(".env.")) {
        let suffix = base.trim_start_matches(".env").trim_start_matches('.');
        if !ENV_EXAMPLES.contains(&suffix) {
            return Some(Hit::new(Diag::env_file(), path));
        }
    }

    if is_file {
        let ext = base.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        let key_by_name =
            KEY_NAMES.contains(&base) || matches!(ext, "p12" | "pfx" | "jks" | "keystore");
        let key_by_content = matches!(ext, "pem" | "key" | "p8" | "ppk" | "")
            && (contains(content, "PRIVATE KEY-----") || contains(content, "PuTTY-User-Key-File"));
        if key_by_name || key_by_content {
            return Some(Hit::new(Diag::private_key(), path));
        }
    }

    credentials(path, is_file, content)
        .map(|(what, report)| Hit::new(Diag::credentials(what), report))
}

/// Credential files of clouds and tools, by location (and content where the name is common):
/// whose they are, and the path to report (a cloud's whole config folder).
fn credentials(
    path: &str,
    is_file: bool,
    content: Option<&[u8]>,
) -> Option<(&'static str, String)> {
    let base = fs::basename(path);
    let parent = fs::basename(fs::parent(path));
    let cloud_dir = path.contains("/.aws") || path.contains("/.azure") || path.contains("/gcloud");
    if let Some(dir) = fs::self_and_ancestors(path)
        .filter(|_| cloud_dir)
        .find(|a| a.ends_with("/.config/gcloud") || a.ends_with("/.azure") || a.ends_with("/.aws"))
        .filter(|_| is_file)
    {
        let what = if dir.ends_with("gcloud") {
            "Google Cloud credentials"
        } else if dir.ends_with("azure") {
            "Azure credentials"
        } else {
            "AWS credentials"
        };
        return (!dir.ends_with("/.aws") || base == "credentials").then(|| (what, dir.to_string()));
    }
    if !is_file {
        return None;
    }
    let what = if parent == ".kube" && base == "config" {
        "a kubeconfig"
    } else if parent == ".docker" && base == "config.json" && contains(content, "\"auth") {
        "docker registry credentials"
    } else if matches!(base, ".netrc" | "_netrc" | ".git-credentials" | ".pgpass") {
        "a credentials file"
    } else if base == ".pypirc" && contains(content, "password") {
        "PyPI credentials"
    } else if parent == ".cargo" && matches!(base, "credentials" | "credentials.toml") {
        "crates.io credentials"
    } else if parent == ".gem" && base == "credentials" {
        "RubyGems credentials"
    } else if base == "credentials.tfrc.json" {
        "Terraform credentials"
    } else if base.ends_with(".json")
        && contains(content, "\"service_account\"")
        && contains(content, "\"private_key\"")
    {
        "a Google Cloud service account key"
    } else {
        return None;
    };
    Some((what, path.to_string()))
}

#[cfg(test)]
mod tests {
    use super::npmrc_has_token;

    #[test]
    fn npmrc_tokens_literal_only() {
        assert!(npmrc_has_token(
            "//registry.npmjs.org/:_authToken=npm_abc123\n"
        ));
        assert!(npmrc_has_token("_auth = dXNlcjpwYXNz"));
        assert!(npmrc_has_token("npmAuthToken: \"abc\"\n"));
        assert!(!npmrc_has_token(
            "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"
        ));
        assert!(!npmrc_has_token(
            "node-linker=hoisted\nauto-install-peers=true\n"
        ));
        assert!(!npmrc_has_token("# _authToken=abc\n"));
    }
}
