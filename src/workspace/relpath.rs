//! Workspace-relative paths as the model keeps them: `/`-separated, no `.` segments, no
//! leading `./`, never leaving the workspace root. The one normaliser of the workspace side
//! (package folders, `workspace:`/`file:`/`link:` targets, tsconfig `extends` and
//! `references`, patch files, `path =` dependencies).
//!
//! Pure string work: it never touches the filesystem and never resolves symlinks.

/// `base/rel` with `.` and `..` resolved, `/`-separated (`\` is read as `/` too); `None` when
/// `rel` is absolute or climbs above the root. `base` is already normal (`""` is the root).
pub fn join(base: &str, rel: &str) -> Option<String> {
    if rel.starts_with(['/', '\\']) || std::path::Path::new(rel).is_absolute() {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for seg in rel.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// A path as written in a manifest, trimmed and without leading `./` (`./dist/main.js` ->
/// `dist/main.js`); `..` stays (callers that must stay inside a folder check for it).
pub fn clean(path: &str) -> String {
    path.trim().trim_start_matches("./").to_string()
}

/// `dir/name`, or `name` alone when `dir` is the root (`""`).
pub fn child(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether `path` is the folder `dir` or inside it (`apps/api/src` is within `apps/api`, not
/// within `apps/ap`), without building `dir/`: callers ask it per package, per entry.
pub fn within(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The folder of a workspace-relative file (`""` for a file at the root).
pub fn parent(file: &str) -> &str {
    file.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_means_the_folder_or_below_it() {
        assert!(within("apps/api", "apps/api") && within("apps/api/src/x.ts", "apps/api"));
        assert!(!within("apps/api2", "apps/api") && !within("apps", "apps/api"));
    }

    #[test]
    fn join_resolves_dots_and_refuses_to_leave_the_root() {
        assert_eq!(join("packages/a", "../b").as_deref(), Some("packages/b"));
        assert_eq!(join("a", "./b/../c").as_deref(), Some("a/c"));
        assert_eq!(join("", "x\\y").as_deref(), Some("x/y"));
        assert_eq!(join("a", "../../x"), None);
        assert_eq!(join("a", "/etc/passwd"), None);
        assert_eq!(join("a", "..").as_deref(), Some(""));
    }

    #[test]
    fn clean_child_parent() {
        assert_eq!(clean(" ./dist/main.js "), "dist/main.js");
        assert_eq!(clean("../x"), "../x");
        assert_eq!(child("", "tsconfig.json"), "tsconfig.json");
        assert_eq!(
            child("packages/a", "tsconfig.json"),
            "packages/a/tsconfig.json"
        );
        assert_eq!(parent("packages/a/tsconfig.json"), "packages/a");
        assert_eq!(parent("tsconfig.json"), "");
    }
}
