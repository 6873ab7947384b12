//! `isogen list`: every workspace package with its role and the reason, from one discovery
//! (`workspace::roles`), with the services `generate` would refuse marked as refused (its own
//! error as the reason, from a plan that writes nothing).

use std::fmt::Write as _;
use std::path::Path;

use isogen::workspace::roles::{self, PackageRole, Role};
use isogen::Result;

/// The rows of `isogen list` for the workspace at `dir`, and warnings for stderr.
pub fn rows(dir: &Path) -> Result<(Vec<PackageRole>, Vec<String>)> {
    let config = isogen::config::Config::load_from_root(dir)?;
    let ws = isogen::workspace::Workspace::discover(dir, &config.workspace)?;
    let mut rows = roles::roles(&ws, &config.workspace)?;
    note_loopbacks(&ws, &config.generate, &mut rows);
    let mut warnings = Vec::new();
    warnings.extend(ws.unread_cargo_warning());
    warnings.extend(ws.unread_npm_warning());
    warnings.extend((ws.pnpm.as_ref()).and_then(isogen::workspace::pnpm::no_packages_warning));
    warnings.extend(isogen::generate::procfile::warnings(&ws, &config.generate));
    if ws.services.is_empty() {
        warnings.push("no package is a service: `isogen generate` would exit 2".to_string());
        return Ok((rows, warnings));
    }
    let options = isogen::generate::Options {
        keep_going: true,
        ..Default::default()
    };
    let plan = match isogen::generate::plan(&ws, &config.generate, &options) {
        Ok(plan) => plan,
        Err(e) => {
            warnings.push(format!("`isogen generate` cannot plan: {e}"));
            return Ok((rows, warnings));
        }
    };
    // Paths in the errors, relative to the workspace root.
    let root = format!("{}/", dir.display());
    // A stale lockfile no service installs from refuses nothing, but is said.
    let stale = (plan.warnings.iter()).filter(|w| w.contains("ERR_PNPM_OUTDATED_LOCKFILE"));
    warnings.extend(stale.map(|w| without_root(w, &root)));
    let messages: Vec<(String, String)> = plan
        .failed
        .iter()
        .map(|(s, e)| (s.clone(), without_root(&reason(e), &root)))
        .collect();
    let everywhere =
        messages.len() == ws.services.len() && messages.windows(2).all(|w| w[0].1 == w[1].1);
    if everywhere && messages.len() > 1 {
        // One workspace-wide problem (a stale lockfile): said once, roles kept.
        warnings.push(format!(
            "`isogen generate` fails for every service: {}",
            messages[0].1
        ));
        return Ok((rows, warnings));
    }
    // The same failing imports (of an internal package many services use) are said in full
    // once; the other services' rows name the service they were said for.
    let mut first_with: Vec<(&[String], &str)> = Vec::new();
    for ((service, mut why), (name, error)) in messages.into_iter().zip(&plan.failed) {
        if let isogen::Error::Imports { lines, .. } = error {
            match first_with.iter().find(|(l, _)| *l == lines.as_slice()) {
                Some((_, first)) => {
                    let n = lines.len();
                    let s = if n == 1 { "" } else { "s" };
                    why = format!("the same {n} import{s} as `{first}`");
                }
                None => first_with.push((lines, name)),
            }
        }
        if let Some(row) = rows.iter_mut().find(|r| r.services.contains(&service)) {
            let who = if row.services.len() > 1 {
                format!("`{service}`")
            } else {
                "it".to_string()
            };
            row.reason = format!("{}; generate refuses {who}: {why}", row.reason);
            row.role = Role::Refused;
        }
    }
    Ok((rows, warnings))
}

/// A refused service's error as a row's reason: a service failed by several problems gets
/// each on its own indented line (the error's own text separates them with `error: `, the
/// prefix `main.rs` prints, which would read as a second message inside the row).
fn reason(e: &isogen::Error) -> String {
    match e {
        isogen::Error::Service(parts) => {
            let lines: Vec<String> = parts
                .iter()
                .map(|p| p.to_string().replace('\n', "\n  "))
                .collect();
            format!("{} problems:\n  {}", parts.len(), lines.join("\n  "))
        }
        other => other.to_string(),
    }
}

/// Adds to each service's row where it listens on a loopback address only (generate's
/// warning, shortened: the fix is generate's to say).
fn note_loopbacks(
    ws: &isogen::workspace::Workspace,
    config: &isogen::generate::GenerateConfig,
    rows: &mut [PackageRole],
) {
    for service in &ws.services {
        let found =
            isogen::generate::loopback::loopbacks(ws, service, config.service(&service.name));
        let Some(row) = rows.iter_mut().find(|r| r.services.contains(&service.name)) else {
            continue;
        };
        for l in found {
            row.reason = format!(
                "{}; `{}` listens only on {} at {}, unreachable from outside its container \
                 (`isogen generate` says the fix)",
                row.reason, service.name, l.binds, l.site
            );
        }
    }
}

/// The human table: role, package, folder, reason.
pub fn text(rows: &[PackageRole]) -> String {
    let width = |f: fn(&PackageRole) -> usize| rows.iter().map(f).max().unwrap_or(0);
    let role_w = width(|r| r.role.label().len());
    let name_w = width(|r| r.name.len());
    let dir_w = width(|r| r.folder.len());
    let mut out = String::new();
    for r in rows {
        let services = if r.services.len() > 1 || r.services.iter().any(|s| s != &r.name) {
            format!(" [services: {}]", r.services.join(", "))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:<role_w$}  {:<name_w$}  {:<dir_w$}  {}{services}",
            r.role.label(),
            r.name,
            r.folder,
            r.reason
        );
    }
    out
}

/// The JSON document: `{"schema_version": 1, "packages": [...]}`.
pub fn json(rows: &[PackageRole]) -> Result<String> {
    let doc = serde_json::json!({ "schema_version": 1, "packages": rows });
    serde_json::to_string_pretty(&doc)
        .map(|s| s + "\n")
        .map_err(|e| isogen::Error::Usage(format!("cannot write JSON: {e}")))
}

/// `text` with the workspace folder `root` (`formbricks/`, `./`) taken off the paths it
/// starts: only where a path can start (the text's or a line's start, after a space or `(`),
/// so a package named after the folder (`@formbricks/types`) and a relative specifier
/// (`'../../types/common'`) stay as they are.
fn without_root(text: &str, root: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(root) {
        let boundary = out.is_empty() && at == 0
            || rest[..at]
                .chars()
                .next_back()
                .or_else(|| out.chars().next_back())
                .is_some_and(|c| c.is_whitespace() || c == '(');
        out.push_str(&rest[..at]);
        if !boundary {
            out.push_str(root);
        }
        rest = &rest[at + root.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::without_root;

    #[test]
    fn only_paths_lose_the_workspace_folder() {
        let text = "formbricks/apps/web/package.json: x\n  a.ts:2: '../../types/api-key' reaches `@formbricks/types` (formbricks/packages/types)";
        assert_eq!(
            without_root(text, "formbricks/"),
            "apps/web/package.json: x\n  a.ts:2: '../../types/api-key' reaches `@formbricks/types` (packages/types)"
        );
        assert_eq!(
            without_root("./apps/a.ts:1: '../../types/x' and './y'", "./"),
            "apps/a.ts:1: '../../types/x' and './y'"
        );
    }
}
