//! Whether a package's build strips TypeScript types without reading the files they name: an
//! `import type` there is gone from the output and the build never opens its target, so a
//! type import of another service (openpanel's `apps/start`, a Vite/Nitro app, importing
//! `type ChatApp` from `../../../api/src/agents/app`) cannot break the image's build, nor the
//! image. A build that type-checks (`tsc`, `vue-tsc`, `next build`, `nest build`, a bundler
//! with a checker or declaration plugin) needs those files, and what isogen cannot read
//! (`node build.mjs`, tsup or tsdown, whose declarations may be on by default) counts as one.
//!
//! Pure: it reads the package's scripts and the imports discovery found in its tool configs.

use std::collections::BTreeMap;

use crate::workspace::pnpm::server_bundle::script_commands;
use crate::workspace::pnpm::sources::PackageSources;
use crate::workspace::relpath;

/// Bundlers that compile TypeScript by dropping its types, never checking them, each with the
/// verb that builds (`None`: the program itself builds).
const ERASERS: &[(&str, Option<&str>)] = &[
    ("vite", Some("build")),
    ("vinxi", Some("build")),
    ("nitro", Some("build")),
    ("nitropack", Some("build")),
    ("react-router", Some("build")),
    ("remix", Some("vite:build")),
    ("remix", Some("build")),
    ("astro", Some("build")),
    ("esbuild", None),
    ("rolldown", None),
    ("swc", None),
    ("babel", None),
];

/// Commands that only move files around a build.
const FILE_COMMANDS: &[&str] = &[
    "rm",
    "rimraf",
    "del",
    "cp",
    "mv",
    "mkdir",
    "shx",
    "copyfiles",
    "cpx",
    "cpy",
    "echo",
    "touch",
    "true",
];

/// Plugins that make a bundler check types or write declarations (which resolve the imported
/// files): with one in a tool config, the build needs the files.
const TYPE_PLUGINS: &[&str] = &[
    "vite-plugin-checker",
    "vite-plugin-dts",
    "unplugin-dts",
    "rollup-plugin-dts",
    "@rollup/plugin-typescript",
    "rollup-plugin-typescript2",
];

/// The build commands of script `script` of a package in `dir`, shown as written
/// (`vite build`), when all of them strip types without reading what they name (see the
/// module doc); `None` when one may read them or the script runs no such bundler.
pub(super) fn erasing_build(
    dir: &str,
    scripts: &BTreeMap<String, String>,
    script: &str,
    sources: Option<&PackageSources>,
) -> Option<String> {
    let commands = script_commands(scripts, script);
    let mut bundlers = Vec::new();
    for words in &commands {
        let program = words.first()?.rsplit('/').next().unwrap_or_default();
        let verb = words[1..].iter().find(|w| !w.starts_with('-'));
        let erases = ERASERS
            .iter()
            .any(|(p, v)| *p == program && v.is_none_or(|v| verb.is_some_and(|w| w == v)));
        if erases {
            bundlers.push(format!("`{}`", words.join(" ")));
        } else if !FILE_COMMANDS.contains(&program) {
            return None;
        }
    }
    let checker = sources.is_some_and(|s| {
        s.imports.iter().any(|i| {
            let name = i.file.rsplit('/').next().unwrap_or(&i.file);
            relpath::parent(&i.file) == dir
                && name.contains(".config.")
                && TYPE_PLUGINS
                    .iter()
                    .any(|p| i.specifier == *p || i.specifier.starts_with(&format!("{p}/")))
        })
    });
    (!bundlers.is_empty() && !checker).then(|| bundlers.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::js::ImportKind;
    use crate::workspace::pnpm::sources::SourceImport;

    fn scripts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        (pairs.iter())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn config_import(file: &str, specifier: &str) -> PackageSources {
        PackageSources {
            imports: vec![SourceImport {
                file: file.into(),
                line: 1,
                specifier: specifier.into(),
                kind: ImportKind::Import,
                type_only: false,
                binds_value: true,
                unconditional: true,
            }],
            ..PackageSources::default()
        }
    }

    #[test]
    fn a_vite_build_behind_a_script_and_wrappers_erases_types() {
        let s = scripts(&[
            ("build", "rm -rf .output && pnpm with-env vite build"),
            ("with-env", "dotenv -e ../../.env -c --"),
        ]);
        assert_eq!(
            erasing_build("apps/start", &s, "build", None).as_deref(),
            Some("`vite build`")
        );
    }

    #[test]
    fn a_type_check_or_an_unknown_step_needs_the_files() {
        for build in [
            "tsc && vite build",
            "vue-tsc --noEmit && vite build",
            "next build",
            "nest build",
            "tsup",
            "tsdown",
            "node build.mjs",
            "rm -rf dist",
            "vite",
        ] {
            let s = scripts(&[("build", build)]);
            assert_eq!(
                erasing_build("apps/web", &s, "build", None),
                None,
                "{build}"
            );
        }
        assert_eq!(
            erasing_build("apps/web", &scripts(&[]), "build", None),
            None
        );
    }

    #[test]
    fn a_checker_or_declaration_plugin_in_a_config_needs_the_files() {
        let s = scripts(&[("build", "vite build")]);
        let checker = config_import("apps/web/vite.config.ts", "vite-plugin-checker");
        assert_eq!(erasing_build("apps/web", &s, "build", Some(&checker)), None);
        // The same import in a source file is no plugin of the build.
        let source = config_import("apps/web/src/x.ts", "vite-plugin-checker");
        assert!(erasing_build("apps/web", &s, "build", Some(&source)).is_some());
    }
}
