//! The "not a workspace" error for a folder that is not a workspace root but holds some below
//! it: a repository whose Cargo workspaces live in `server/` and `bridge/` (svix-webhooks)
//! makes a first run at its root name those folders, so the user knows where to point isogen.
//!
//! It only looks for the marker files (`pnpm-workspace.yaml`, a `Cargo.toml` with
//! `[workspace]` or a lone `[package]`) a few folders deep; it never reads a workspace. Below
//! a package folder that discovery already walked, it takes the folders and files from that
//! walk rather than listing them again.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use super::pnpm::folder::PackageFolder;
use super::{cargo, pnpm};
use crate::error::Error;

/// Package folders (workspace-relative) whose walk discovery kept.
pub(super) type Walked<'a> = HashMap<&'a str, &'a PackageFolder>;

/// How deep below the folder to look (`server/`, `rust/server/`, `a/b/c/`).
const MAX_DEPTH: usize = 3;
/// How many folders the error names.
const MAX_NAMED: usize = 8;

/// Folders never searched: build output, dependencies, version control.
const SKIPPED: &[&str] = &["target", "node_modules", "vendor", "dist", "build"];

/// The error for `root`, which is not a workspace root, naming the workspace roots below it.
pub(super) fn not_a_workspace(root: &Path) -> Error {
    let base = format!(
        "not a workspace: no {} and no Cargo.toml with [workspace]",
        pnpm::WORKSPACE_FILE
    );
    let single = single_pnpm_project(root);
    let base = if single {
        format!(
            "{base}: its package.json and {LOCKFILE} make it a single pnpm project, which isogen \
             does not read (it builds the packages a {ws} lists, with one {LOCKFILE} at the \
             workspace root); a {ws} in a folder above whose `packages:` names this folder, \
             and `pnpm install` run there, make it a workspace package isogen builds",
            ws = pnpm::WORKSPACE_FILE,
        )
    } else {
        base
    };
    let mut projects = Vec::new();
    if !single {
        single_projects_below(root, "", 0, &mut projects);
    }
    let base =
        match projects.len() {
            0 => base,
            n => format!(
            "{base}; single pnpm projects below it (package.json and {LOCKFILE}, no {}), which \
             isogen does not read: {}{}",
            pnpm::WORKSPACE_FILE,
            projects.iter().take(MAX_NAMED).cloned().collect::<Vec<_>>().join(", "),
            if n > MAX_NAMED {
                format!(", and {} more", n - MAX_NAMED)
            } else {
                String::new()
            }
        ),
        };
    let base = match npm_workspaces_note(root) {
        Some(note) => format!("{base}; {note}"),
        None => base,
    };
    let found = below(root, &Walked::new());
    let message = match found.first() {
        None => base,
        Some(first) => {
            let mut named: Vec<String> = found.iter().take(MAX_NAMED).cloned().collect();
            if found.len() > MAX_NAMED {
                named.push(format!("and {} more", found.len() - MAX_NAMED));
            }
            format!(
                "{base}; workspaces below it: {}; run isogen in one of them (`isogen generate \
                 {}`); each is built from its own folder, so a path dependency that leaves it \
                 cannot be built",
                named.join(", "),
                shown(&root.join(first.trim_end_matches('/'))),
            )
        }
    };
    Error::workspace(root, message)
}

/// pnpm's lockfile, which a single project keeps beside its package.json.
const LOCKFILE: &str = "pnpm-lock.yaml";

/// Whether `dir` is a pnpm project of its own: a package.json and a pnpm-lock.yaml, and no
/// workspace file (firecrawl's `apps/api`, `apps/playwright-service-ts`).
fn single_pnpm_project(dir: &Path) -> bool {
    crate::fsio::is_file(dir.join("package.json"))
        && crate::fsio::is_file(dir.join(LOCKFILE))
        && !crate::fsio::is_file(dir.join(pnpm::WORKSPACE_FILE))
}

/// The single pnpm projects (see [`single_pnpm_project`]) below `rel`, a few folders deep, in
/// walk order; not below one (its own folders are its code).
fn single_projects_below(root: &Path, rel: &str, depth: usize, found: &mut Vec<String>) {
    if depth >= MAX_DEPTH {
        return;
    }
    let Ok(entries) = crate::fsio::read_dir(root.join(rel)) else {
        return;
    };
    let mut folders: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !skipped(name))
        .collect();
    folders.sort_unstable();
    for name in folders {
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if single_pnpm_project(&root.join(&child)) {
            found.push(format!("{child}/"));
        } else if !is_root(&root.join(&child)) {
            single_projects_below(root, &child, depth + 1, found);
        }
    }
}

/// The Cargo workspaces (`[workspace]`; a lone crate there is more often a native addon a
/// pnpm package builds) below a root that is a pnpm workspace only (tensorzero keeps its Cargo
/// workspace in `crates/`, beside a root `pnpm-workspace.yaml`): a run at the root reads the
/// pnpm side alone, so these are named for the user to run isogen there.
pub(super) fn cargo_roots_below(root: &Path, walked: &Walked) -> Vec<String> {
    below(root, walked)
        .into_iter()
        .filter(|rel| {
            let manifest = root.join(rel.trim_end_matches('/')).join("Cargo.toml");
            crate::fsio::read_to_string(manifest)
                .ok()
                .and_then(|text| text.parse::<toml::Table>().ok())
                .is_some_and(|t| t.contains_key("workspace"))
        })
        .collect()
}

/// The warning for Cargo projects below a pnpm-only root, when there are some.
pub(super) fn unread_cargo_warning(root: &Path, walked: &Walked) -> Option<String> {
    let found = cargo_roots_below(root, walked);
    let first = found.first()?;
    Some(format!(
        "the root has no Cargo.toml, so this run reads only the pnpm workspace; Cargo projects \
         below it: {}; their services get Dockerfiles from a run there (`isogen generate {}`)",
        found.join(", "),
        shown(&root.join(first.trim_end_matches('/'))),
    ))
}

/// The warning for a Cargo workspace root whose package.json declares npm or yarn
/// workspaces (quadratic's root: `quadratic-api`, `quadratic-client`, ... beside its Cargo
/// servers): the run reads the Cargo side only, and says so rather than leave the Node
/// services out in silence.
pub(super) fn unread_npm_warning(root: &Path) -> Option<String> {
    let note = npm_workspaces_note(root)?;
    Some(format!(
        "the root is a Cargo workspace and no pnpm one, so this run reads only the Cargo side \
         and the Node packages get no image: {note}"
    ))
}

/// How many of the `workspaces` entries a message names.
const MAX_NPM_NAMED: usize = 6;

/// What to say about the root package.json's `workspaces` field (npm's array, or yarn's
/// `{ "packages": [...] }`), when it names some: isogen reads pnpm workspaces only, and how
/// to make one of these (the lockfile to import, if there is one).
fn npm_workspaces_note(root: &Path) -> Option<String> {
    let text = crate::fsio::read_to_string(root.join("package.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let field = json.get("workspaces")?;
    let list = field
        .as_array()
        .or_else(|| field.get("packages").and_then(|p| p.as_array()))?;
    let names: Vec<&str> = list.iter().filter_map(|v| v.as_str()).collect();
    if names.is_empty() {
        return None;
    }
    let yarn = crate::fsio::is_file(root.join("yarn.lock"));
    let npm_lock = crate::fsio::is_file(root.join("package-lock.json"));
    let manager = if yarn { "yarn" } else { "npm" };
    let import = match (yarn, npm_lock) {
        (true, _) => "`pnpm import` makes it from yarn.lock".to_string(),
        (false, true) => "`pnpm import` makes it from package-lock.json".to_string(),
        (false, false) => {
            "there is no package-lock.json or yarn.lock to import: `pnpm install` writes it"
                .to_string()
        }
    };
    let mut shown: Vec<String> = (names.iter().take(MAX_NPM_NAMED))
        .map(|n| n.to_string())
        .collect();
    if names.len() > MAX_NPM_NAMED {
        shown.push(format!("and {} more", names.len() - MAX_NPM_NAMED));
    }
    Some(format!(
        "package.json declares {manager} workspaces (`workspaces`: {}), which isogen does not \
         read: it builds the packages of a pnpm workspace, from its {ws} and one {LOCKFILE}; a \
         {ws} whose `packages:` lists those folders, and a {LOCKFILE} ({import}), make them \
         one",
        shown.join(", "),
        ws = pnpm::WORKSPACE_FILE,
    ))
}

/// `path` as a user would type it: `server`, not `./server`.
fn shown(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

/// The top-most workspace roots below `root` (`server/`, `bridge/`), in walk order (names
/// sorted per folder); a root's own folders are not searched (its members are lone-looking
/// packages). The folders in `walked` are not listed again.
fn below(root: &Path, walked: &Walked) -> Vec<String> {
    let mut found = Vec::new();
    search(root, "", 0, walked, &mut found);
    found
}

/// Lists the folder `rel` (at `depth` below the root) and looks at each folder in it.
fn search(root: &Path, rel: &str, depth: usize, walked: &Walked, found: &mut Vec<String>) {
    let Ok(entries) = crate::fsio::read_dir(root.join(rel)) else {
        return;
    };
    let mut folders: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort_unstable();
    for name in folders {
        let child = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        crate::fsio::note(&root.join(&child), crate::fsio::How::Listed);
        if skipped(&name) {
            continue;
        }
        if let Some(folder) = walked.get(child.as_str()) {
            from_walk(root, &child, depth + 1, folder, found);
        } else if is_root(&root.join(&child)) {
            found.push(format!("{child}/"));
        } else if depth + 1 < MAX_DEPTH {
            search(root, &child, depth + 1, walked, found);
        }
    }
}

/// A folder name the search never goes into.
fn skipped(name: &str) -> bool {
    name.starts_with('.') || SKIPPED.contains(&name)
}

/// Whether the folder at `dir` holds a workspace root's marker file.
fn is_root(dir: &Path) -> bool {
    crate::fsio::is_file(dir.join(pnpm::WORKSPACE_FILE)) || cargo::is_workspace_root(dir)
}

/// [`search`] of the package folder `rel` (at `depth`) from the walk discovery made of it: the
/// marker files are looked at only where the walk saw a file (or symlink) of that name.
fn from_walk(
    root: &Path,
    rel: &str,
    depth: usize,
    folder: &PackageFolder,
    found: &mut Vec<String>,
) {
    let top: BTreeSet<&str> = folder.top_level.iter().map(|e| e.name.as_str()).collect();
    if marked(root, rel, |name| top.contains(name)) {
        found.push(format!("{rel}/"));
        return;
    }
    // Below, a folder is a root only if the walk saw a marker file in it, or if the walk could
    // not list it (then it is looked at): with neither, nothing below can be one, and the sets
    // below need not be built (most package folders: 220 on the bench's workspace).
    let is_marker = |path: &String| {
        let name = path.rsplit('/').next().unwrap_or(path);
        name == pnpm::WORKSPACE_FILE || name == cargo::MANIFEST
    };
    if folder.unlisted.is_empty() && !folder.files.iter().chain(&folder.links).any(is_marker) {
        return;
    }
    // Every folder below it within reach, from the paths the walk saw, in walk order.
    let seen: BTreeSet<&str> = folder
        .files
        .iter()
        .chain(&folder.links)
        .map(String::as_str)
        .collect();
    let unlisted: BTreeSet<&str> = folder.unlisted.iter().map(String::as_str).collect();
    let mut folders: BTreeSet<Vec<&str>> = BTreeSet::new();
    let paths = seen
        .iter()
        .map(|p| (*p, false))
        .chain(unlisted.iter().map(|p| (*p, true)));
    for (path, is_folder) in paths {
        let parts: Vec<&str> = path.split('/').collect();
        let deepest = parts.len() - usize::from(!is_folder);
        for k in 1..=deepest.min(MAX_DEPTH.saturating_sub(depth)) {
            if parts[..k].iter().any(|p| skipped(p)) {
                break;
            }
            folders.insert(parts[..k].to_vec());
        }
    }
    let mut roots: Vec<Vec<&str>> = Vec::new();
    for parts in folders {
        if roots.iter().any(|r| parts.starts_with(r)) {
            continue;
        }
        let sub = parts.join("/");
        let dir = format!("{rel}/{sub}");
        let root_here = if unlisted.contains(sub.as_str()) {
            is_root(&root.join(&dir))
        } else {
            marked(root, &dir, |name| {
                seen.contains(format!("{sub}/{name}").as_str())
            })
        };
        if root_here {
            found.push(format!("{dir}/"));
            roots.push(parts);
        }
    }
}

/// Whether the folder `dir` holds a marker file, looked at only when `has` says the walk saw
/// an entry of that name there.
fn marked(root: &Path, dir: &str, has: impl Fn(&str) -> bool) -> bool {
    let path = root.join(dir);
    (has(pnpm::WORKSPACE_FILE) && crate::fsio::is_file(path.join(pnpm::WORKSPACE_FILE)))
        || (has(cargo::MANIFEST) && cargo::is_workspace_root(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn an_npm_or_yarn_workspace_root_is_named_with_the_lockfile_to_import() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "package.json",
            r#"{"private": true, "workspaces": ["api", "client", "shared", "a", "b", "c", "d"]}"#,
        );
        write(
            root,
            "api/package.json",
            r#"{"scripts": {"start": "node s.js"}}"#,
        );
        let message = not_a_workspace(root).to_string();
        assert!(
            message.contains(
                "package.json declares npm workspaces (`workspaces`: api, client, shared, a, b, \
                 c, and 1 more), which isogen does not read"
            ) && message.contains("`pnpm install` writes it"),
            "{message}"
        );
        write(root, "package-lock.json", "{}");
        let message = not_a_workspace(root).to_string();
        assert!(
            message.contains("`pnpm import` makes it from package-lock.json"),
            "{message}"
        );
        // yarn's `{ "packages": [...] }` form, with its lockfile.
        write(
            root,
            "package.json",
            r#"{"workspaces": {"packages": ["api"], "nohoist": []}}"#,
        );
        write(root, "yarn.lock", "");
        let warning = unread_npm_warning(root).unwrap();
        assert!(
            warning.contains("declares yarn workspaces (`workspaces`: api)")
                && warning.contains("`pnpm import` makes it from yarn.lock"),
            "{warning}"
        );
        // No `workspaces`, or an empty one: nothing to say.
        write(root, "package.json", r#"{"workspaces": []}"#);
        assert_eq!(unread_npm_warning(root), None);
        write(root, "package.json", "{}");
        assert!(!not_a_workspace(root).to_string().contains("workspaces ("));
    }

    #[test]
    fn names_the_top_most_workspaces_below_and_not_their_members() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "package.json", "{}");
        write(
            root,
            "server/Cargo.toml",
            "[workspace]\nmembers = [\"api\"]\n",
        );
        write(root, "server/api/Cargo.toml", "[package]\nname = \"api\"\n");
        write(root, "web/pnpm-workspace.yaml", "packages: []\n");
        write(root, "sdk/rust/Cargo.toml", "[package]\nname = \"sdk\"\n");
        write(root, "server/target/x/Cargo.toml", "[workspace]\n");
        write(root, ".github/Cargo.toml", "[workspace]\n");
        assert_eq!(
            below(root, &Walked::new()),
            ["sdk/rust/", "server/", "web/"]
        );
        let message = not_a_workspace(root).to_string();
        assert!(
            message.contains("workspaces below it: sdk/rust/, server/, web/"),
            "{message}"
        );
        let first = shown(&root.join("sdk/rust"));
        assert!(
            message.contains(&format!("`isogen generate {first}`")),
            "{message}"
        );
        assert_eq!(shown(Path::new("./server")), "server");
        // From a pnpm-only root, only the Cargo workspaces are named (not the lone crate).
        assert_eq!(cargo_roots_below(root, &Walked::new()), ["server/"]);
        let warning = unread_cargo_warning(root, &Walked::new()).unwrap();
        assert!(
            warning.contains("Cargo projects below it: server/"),
            "{warning}"
        );
    }

    #[test]
    fn a_walked_package_folder_gives_what_listing_it_again_gives() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "pnpm-workspace.yaml", "packages: [\"packages/*\"]\n");
        write(root, "crates/Cargo.toml", "[workspace]\n");
        write(root, "packages/app/package.json", "{}");
        write(root, "packages/app/sub/Cargo.toml", "[workspace]\n");
        write(root, "packages/app/sub/inner/Cargo.toml", "[workspace]\n");
        write(
            root,
            "packages/app/native/Cargo.toml",
            "[package]\nname = \"n\"\n",
        );
        write(root, "packages/app/notes/Cargo.toml.txt", "");
        write(root, "packages/app/target/Cargo.toml", "[workspace]\n");
        write(root, "packages/app/.hidden/Cargo.toml", "[workspace]\n");
        write(root, "packages/app/a/b/Cargo.toml", "[workspace]\n");
        write(
            root,
            "packages/app/web/pnpm-workspace.yaml",
            "packages: []\n",
        );
        write(root, "packages/lib/package.json", "{}");
        write(root, "packages/lib/Cargo.toml", "[workspace]\n");
        write(root, "elsewhere/Cargo.toml", "[workspace]\n");
        #[cfg(unix)]
        {
            std::fs::create_dir_all(root.join("packages/app/linked")).unwrap();
            std::os::unix::fs::symlink(
                root.join("elsewhere/Cargo.toml"),
                root.join("packages/app/linked/Cargo.toml"),
            )
            .unwrap();
        }
        let app = PackageFolder::read(root, "packages/app", None).unwrap();
        let lib = PackageFolder::read(root, "packages/lib", None).unwrap();
        let walked: Walked = [("packages/app", &app), ("packages/lib", &lib)].into();
        let listed = below(root, &Walked::new());
        assert_eq!(below(root, &walked), listed);
        let mut expected = vec![
            "crates/",
            "elsewhere/",
            "packages/app/native/",
            "packages/app/sub/",
            "packages/app/web/",
            "packages/lib/",
        ];
        if cfg!(unix) {
            expected.insert(2, "packages/app/linked/");
        }
        assert_eq!(listed, expected);
    }

    /// mendableai/firecrawl: no workspace file anywhere; `apps/api` and
    /// `apps/playwright-service-ts` are pnpm projects of their own (package.json and
    /// pnpm-lock.yaml), `apps/rust-sdk` a crate. At the root the error names the projects; in
    /// `apps/api` it says what the folder is and how to make it a workspace package.
    #[test]
    fn single_pnpm_projects_are_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for app in ["apps/api", "apps/playwright-service-ts"] {
            write(root, &format!("{app}/package.json"), "{}");
            write(
                root,
                &format!("{app}/pnpm-lock.yaml"),
                "lockfileVersion: '9.0'\n",
            );
        }
        write(
            root,
            "apps/api/sharedLibs/crawler/Cargo.toml",
            "[package]\nname = \"crawler\"\n",
        );
        write(root, "apps/api/sub/x/package.json", "{}");
        write(root, "apps/api/sub/x/pnpm-lock.yaml", "");
        write(root, "apps/js-sdk/package.json", "{}");
        write(
            root,
            "apps/rust-sdk/Cargo.toml",
            "[package]\nname = \"sdk\"\n",
        );
        let message = not_a_workspace(root).to_string();
        assert!(
            message.contains("single pnpm projects below it (package.json and pnpm-lock.yaml, no pnpm-workspace.yaml), which isogen does not read: apps/api/, apps/playwright-service-ts/;"),
            "{message}"
        );
        assert!(
            message.contains("workspaces below it: apps/rust-sdk/;"),
            "{message}"
        );
        let message = not_a_workspace(&root.join("apps/api")).to_string();
        assert!(
            message.contains("make it a single pnpm project, which isogen does not read"),
            "{message}"
        );
        assert!(
            message.contains("`packages:` names this folder"),
            "{message}"
        );
        assert!(!message.contains("single pnpm projects below"), "{message}");
    }

    #[test]
    fn a_folder_with_no_workspace_below_says_only_that() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "README.md", "hi");
        let message = not_a_workspace(dir.path()).to_string();
        assert!(
            message.ends_with("no Cargo.toml with [workspace]"),
            "{message}"
        );
    }
}
