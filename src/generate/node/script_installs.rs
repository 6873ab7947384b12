//! Build scripts that install packages on their own (`cd dist && npm install`, `yarn
//! install`, `npm i left-pad`): the versions they fetch are chosen at build time, outside
//! `pnpm-lock.yaml`, and ship in the image, so it does not run what the lockfile pins and CI
//! tested. Each is a warning naming the package.json, the script, the command and why.
//!
//! It follows the script into the scripts it runs by name (`npm run bundle`, `pnpm
//! postbuild`) and the `pre`/`post` scripts of each. Pure: it reads the manifest's scripts,
//! never the disk, and it never refuses.

use std::collections::{BTreeMap, BTreeSet};

/// The warning for each install command that `script` of the package (`manifest`, its
/// `scripts`) runs, directly or through the scripts it names.
pub(super) fn warnings(
    manifest: &str,
    scripts: &BTreeMap<String, String>,
    script: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    for name in reached(scripts, script) {
        let Some(text) = scripts.get(&name) else {
            continue;
        };
        for command in commands(text) {
            if installs(&words(command)) {
                out.push(format!(
                    "{manifest}: the `{name}` script runs `{command}`, which resolves versions on its own, outside pnpm-lock.yaml, and the image ships what it installs, not what the lockfile pins and CI tested; declare those packages in {manifest} so pnpm installs them as locked (or bundle them)"
                ));
            }
        }
    }
    out
}

/// `script` and the scripts of the package it runs, transitively: by name (`npm run
/// bundle`, `pnpm update-version`) and the `pre`/`post` scripts of each; those the package
/// has, `script` first, in the order they are met.
pub(super) fn reached(scripts: &BTreeMap<String, String>, script: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![script.to_string()];
    let mut out = Vec::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(text) = scripts.get(&name) else {
            continue;
        };
        out.push(name.clone());
        let named = commands(text).filter_map(|c| named_script(&words(c), scripts));
        todo.extend(named.collect::<Vec<_>>().into_iter().rev());
        todo.extend(["pre", "post"].map(|p| format!("{p}{name}")));
    }
    out
}

/// The commands of a shell line (split at `&&`, `||`, `;`, `|`), trimmed.
fn commands(line: &str) -> impl Iterator<Item = &str> {
    line.split(['&', '|', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

/// The words of `command`, environment assignments (`NODE_ENV=production`) left out.
fn words(command: &str) -> Vec<String> {
    let words = shlex::split(command)
        .unwrap_or_else(|| command.split_whitespace().map(str::to_string).collect());
    words
        .into_iter()
        .skip_while(|w| w.split_once('=').is_some_and(|(k, _)| is_name(k)))
        .collect()
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `words` install packages outside the lockfile (`npm install`, `npm i`, `npm ci`,
/// `npm add`, `yarn`, `yarn install`, `yarn add`, `pnpm add`, `bun install`).
fn installs(words: &[String]) -> bool {
    let Some((program, args)) = words.split_first() else {
        return false;
    };
    let verb = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(String::as_str);
    matches!(
        (program.as_str(), verb),
        (
            "npm",
            Some("install" | "i" | "ci" | "add" | "isntall" | "in")
        ) | ("yarn", None | Some("install" | "add"))
            | ("pnpm", Some("add"))
            | ("bun", Some("install" | "i" | "add"))
    )
}

/// The script of the same package that `words` runs by name (`npm run x`, `pnpm run x`,
/// `pnpm x`, `yarn x`), when it has one.
fn named_script(words: &[String], scripts: &BTreeMap<String, String>) -> Option<String> {
    let (program, args) = words.split_first()?;
    if !["npm", "pnpm", "yarn", "bun"].contains(&program.as_str()) {
        return None;
    }
    let mut rest = args.iter().filter(|a| !a.starts_with('-'));
    let first = rest.next()?;
    let name = if ["run", "run-script"].contains(&first.as_str()) {
        rest.next()?
    } else {
        first
    };
    scripts.contains_key(name).then(|| name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scripts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn installs_in_the_script_and_the_scripts_it_runs_are_named() {
        let s = scripts(&[
            ("build", "tsc && pnpm run bundle"),
            (
                "bundle",
                "webpack && cd dist && NODE_ENV=production npm i --no-audit",
            ),
            ("postbuild", "yarn"),
            ("lint", "npm install eslint"),
        ]);
        let w = warnings("services/rotor/package.json", &s, "build");
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w.iter().any(|l| l.starts_with(
                "services/rotor/package.json: the `bundle` script runs `NODE_ENV=production npm i --no-audit`, which resolves versions on its own"
            )),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|l| l.contains("the `postbuild` script runs `yarn`")),
            "{w:?}"
        );
    }

    #[test]
    fn other_package_manager_commands_are_not_installs() {
        let s = scripts(&[(
            "build",
            "tsc -p tsconfig.build.json && npm run copy && pnpm install --frozen-lockfile && yarn build && npm ls",
        )]);
        assert!(warnings("package.json", &s, "build").is_empty());
        let s = scripts(&[("build", "npm run build")]);
        assert!(warnings("package.json", &s, "build").is_empty());
    }
}
