//! The `COPY` instructions of the patch files (`patchedDependencies`): one per folder, so a
//! workspace with a dozen patches in `patches/` adds one layer per install stage, not a
//! dozen. Pure: paths in, groups out; it never reads the files or checks that they exist.

use std::collections::BTreeMap;

use serde::Serialize;

/// One `COPY <sources...> <dest>` of patch files that share a folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatchCopy {
    /// The patch files, workspace-relative, in the order `patchedDependencies` lists them.
    pub sources: Vec<String>,
    /// Their folder with a trailing `/` (`patches/`), or `./` for patches at the root: with
    /// several sources, docker and buildah need a destination that ends in `/`.
    pub dest: String,
}

/// Groups `patches` by folder, folders sorted, each patch once.
pub fn patch_copies(patches: &[String]) -> Vec<PatchCopy> {
    let mut by_dir: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for p in patches {
        let dir = p.rsplit_once('/').map_or("", |(d, _)| d);
        let files = by_dir.entry(dir).or_default();
        if !files.contains(p) {
            files.push(p.clone());
        }
    }
    by_dir
        .into_iter()
        .map(|(dir, sources)| PatchCopy {
            dest: if dir.is_empty() {
                "./".to_string()
            } else {
                format!("{dir}/")
            },
            sources,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn patches_in_one_folder_are_one_copy_and_root_patches_go_to_dot() {
        let got = patch_copies(&s(&[
            "patches/zod@3.patch",
            "root.patch",
            "patches/express@4.patch",
            "tools/patches/x.patch",
            "patches/zod@3.patch",
        ]));
        assert_eq!(
            got,
            vec![
                PatchCopy {
                    sources: s(&["root.patch"]),
                    dest: "./".into()
                },
                PatchCopy {
                    sources: s(&["patches/zod@3.patch", "patches/express@4.patch"]),
                    dest: "patches/".into()
                },
                PatchCopy {
                    sources: s(&["tools/patches/x.patch"]),
                    dest: "tools/patches/".into()
                },
            ]
        );
    }
}
