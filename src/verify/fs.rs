//! Looking things up in a [`MergedTree`] the way a process in the container would: absolute
//! paths, symlinks followed (relative and absolute targets, bounded depth), hard links to their
//! target's content. Pure functions over already-read data; no I/O.
//! They never touch the host's filesystem: every path is a path inside the image.

use crate::image::{EntryKind, EntryRef, MergedTree};

/// Symlink hops before giving up, as Linux's `MAXSYMLINKS`.
const MAX_HOPS: usize = 40;

/// `/a/./b//c/../d/` -> `/a/b/d`; always absolute, `/` for the root.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// `base` joined with `rel` (absolute `rel` replaces `base`), normalised.
pub fn join(base: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        normalize(rel)
    } else {
        normalize(&format!("{base}/{rel}"))
    }
}

/// The parent directory (`/` for top-level paths and the root).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// The last segment.
pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `path`, its parent, ..., `/`.
pub fn self_and_ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(path);
    std::iter::from_fn(move || {
        let cur = next?;
        next = if cur == "/" || cur.is_empty() {
            None
        } else {
            Some(parent(cur))
        };
        Some(cur)
    })
}

/// Whether `path` is `dir` or below it.
pub fn is_within(path: &str, dir: &str) -> bool {
    dir == "/"
        || path == dir
        || (path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/')
}

/// Whether any segment of `path` is `node_modules`.
pub fn in_node_modules(path: &str) -> bool {
    path.split('/').any(|s| s == "node_modules")
}

/// The package folder a path in `node_modules` belongs to (`.../node_modules/@s/x/lib/a.js` ->
/// `.../node_modules/@s/x`), with its name.
pub fn package_dir(path: &str) -> Option<(&str, &str)> {
    let start = after_last_node_modules(path)?;
    let rest = &path[start..];
    let mut parts = rest.split('/');
    let first = parts.next()?;
    let len = if first.starts_with('@') {
        first.len() + 1 + parts.next()?.len()
    } else {
        first.len()
    };
    if first.starts_with('.') {
        return None;
    }
    let dir = &path[..start + len];
    Some((dir, &path[start..start + len]))
}

/// Where what follows the last `/node_modules/` of `path` starts. Walks the slashes from the
/// end (memrchr) rather than building a substring searcher per call, which showed in profiles
/// of 100k-entry images.
fn after_last_node_modules(path: &str) -> Option<usize> {
    const SEG: &[u8] = b"/node_modules/";
    let bytes = path.as_bytes();
    let mut end = bytes.len();
    while let Some(i) = bytes[..end].iter().rposition(|&b| b == b'/') {
        if bytes[i..].starts_with(SEG) {
            return Some(i + SEG.len());
        }
        end = i;
    }
    None
}

/// The visible filesystem of an image.
#[derive(Clone, Copy)]
pub struct Fs<'a> {
    pub tree: &'a MergedTree,
}

impl<'a> Fs<'a> {
    pub fn new(tree: &'a MergedTree) -> Self {
        Fs { tree }
    }

    /// The entry at exactly `path`, symlinks not followed.
    pub fn get(&self, path: &str) -> Option<EntryRef<'a>> {
        self.tree.entries.get(path)
    }

    /// Whether anything is at `path` or below it (directories are not always listed as entries
    /// of their own in layer tars).
    pub fn exists(&self, path: &str) -> bool {
        self.get(path).is_some() || self.descendants(path).next().is_some()
    }

    /// Entries strictly below `dir`, in path order.
    pub fn descendants(&self, dir: &str) -> impl Iterator<Item = EntryRef<'a>> + 'a {
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        // `dir/` itself (only ever `/`) is not below `dir`.
        let len = prefix.len();
        self.tree
            .entries
            .from_path(&prefix)
            .take_while(move |e| e.path.starts_with(&prefix))
            .filter(move |e| e.path.len() > len)
    }

    /// Names of the direct children of `dir` (from entries, including implied directories).
    pub fn children(&self, dir: &str) -> Vec<String> {
        let base_len = if dir == "/" { 1 } else { dir.len() + 1 };
        let mut out: Vec<String> = Vec::new();
        for e in self.descendants(dir) {
            let rest = &e.path[base_len..];
            let name = rest.split('/').next().unwrap_or(rest);
            if out.last().map(String::as_str) != Some(name) {
                out.push(name.to_string());
            }
        }
        out.dedup();
        out
    }

    /// `path` with every symlink along it resolved, as the kernel would; None when a component
    /// is missing or the links loop.
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut hops = 0;
        let mut todo: Vec<String> = normalize(path)
            .split('/')
            .filter(|s| !s.is_empty())
            .rev()
            .map(String::from)
            .collect();
        let mut cur = String::from("/");
        while let Some(seg) = todo.pop() {
            if seg == ".." {
                cur = parent(&cur).to_string();
                continue;
            }
            if seg == "." {
                continue;
            }
            let next = join(&cur, &seg);
            match self.get(&next) {
                Some(e) if e.kind == EntryKind::Symlink => {
                    hops += 1;
                    if hops > MAX_HOPS {
                        return None;
                    }
                    let target = e.link_target().unwrap_or("");
                    if target.starts_with('/') {
                        cur = String::from("/");
                    }
                    for s in target.split('/').filter(|s| !s.is_empty()).rev() {
                        todo.push(s.to_string());
                    }
                }
                Some(_) => cur = next,
                None if self.descendants(&next).next().is_some() => cur = next,
                None => return None,
            }
        }
        Some(cur)
    }

    /// The entry `path` leads to after following symlinks (and hard links to their target).
    pub fn lookup(&self, path: &str) -> Option<(String, EntryRef<'a>)> {
        let real = self.resolve(path)?;
        let entry = self.get(&real)?;
        if entry.kind == EntryKind::HardLink {
            let target = normalize(entry.link_target().unwrap_or(""));
            if let Some(t) = self.get(&target) {
                // Captured content may sit on either side of a hard link.
                if entry.content().is_none() && t.content().is_some() {
                    return Some((real, t));
                }
            }
        }
        Some((real, entry))
    }

    /// Whether `path` leads to a regular file (following links).
    pub fn is_file(&self, path: &str) -> bool {
        self.lookup(path)
            .is_some_and(|(_, e)| matches!(e.kind, EntryKind::File | EntryKind::HardLink))
    }

    /// Whether `path` leads to a directory (following links).
    pub fn is_dir(&self, path: &str) -> bool {
        match self.resolve(path) {
            Some(real) => match self.get(&real) {
                Some(e) => e.kind == EntryKind::Dir,
                None => self.descendants(&real).next().is_some(),
            },
            None => false,
        }
    }

    /// Captured content of the file `path` leads to, as text (lossy).
    pub fn text(&self, path: &str) -> Option<String> {
        let (_, e) = self.lookup(path)?;
        e.content().map(|c| String::from_utf8_lossy(c).into_owned())
    }

    /// Captured content (possibly only its start) of the file `path` leads to.
    pub fn bytes(&self, path: &str) -> Option<&'a [u8]> {
        let (_, e) = self.lookup(path)?;
        e.content()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::testkit::TreeBuilder;

    #[test]
    fn path_helpers() {
        assert_eq!(normalize("/a/./b//c/../d/"), "/a/b/d");
        assert_eq!(normalize("x/.."), "/");
        assert_eq!(join("/app/svc", "dist/main.js"), "/app/svc/dist/main.js");
        assert_eq!(join("/app/svc", "../x"), "/app/x");
        assert_eq!(join("/app", "/usr/bin/node"), "/usr/bin/node");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(
            self_and_ancestors("/a/b").collect::<Vec<_>>(),
            vec!["/a/b", "/a", "/"]
        );
        assert!(is_within("/app/x", "/app") && is_within("/app", "/app"));
        assert!(!is_within("/apple", "/app"));
        assert!(in_node_modules("/app/node_modules/x/package.json"));
        assert!(in_node_modules("/app/node_modules") && in_node_modules("node_modules/x"));
        assert!(!in_node_modules("/app/my_node_modules/x") && !in_node_modules("/node_modulesx"));
        assert!(!in_node_modules("/app/node_modules.bak/x"));
    }

    #[test]
    fn package_dir_takes_the_last_node_modules() {
        assert_eq!(
            package_dir("/a/node_modules/b/node_modules/@s/c/lib/x.js"),
            Some(("/a/node_modules/b/node_modules/@s/c", "@s/c"))
        );
        assert_eq!(
            package_dir("/a/node_modules/node_modules/x"),
            Some(("/a/node_modules/node_modules/x", "x"))
        );
        assert_eq!(package_dir("/a/x_node_modules/b"), None);
        assert_eq!(package_dir("/a/node_modules"), None);
        assert_eq!(package_dir("/a/node_modules/.pnpm/x"), None);
    }

    #[test]
    fn resolves_symlinks_relative_absolute_and_in_the_middle() {
        let t = TreeBuilder::new()
            .file("/app/services/api/dist/main.js", "x")
            .symlink("/app/current", "services/api")
            .symlink("/usr/local/bin/node", "/opt/node/bin/node")
            .file("/opt/node/bin/node", "\x7fELF")
            .symlink("/loop/a", "b")
            .symlink("/loop/b", "a")
            .build();
        let fs = Fs::new(&t);
        assert_eq!(
            fs.resolve("/app/current/dist/main.js").as_deref(),
            Some("/app/services/api/dist/main.js")
        );
        assert!(fs.is_file("/app/current/dist/main.js"));
        assert!(fs.is_dir("/app/current/dist"));
        assert_eq!(fs.bytes("/usr/local/bin/node"), Some(&b"\x7fELF"[..]));
        assert_eq!(fs.resolve("/loop/a"), None);
        assert_eq!(fs.resolve("/app/missing"), None);
        assert_eq!(fs.children("/app"), vec!["current", "services"]);
    }
}
