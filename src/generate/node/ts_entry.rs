//! The refusal of a service whose entry is TypeScript source (`"main": "./src/index.ts"`,
//! `"start": "node index.ts"`, `entry = "index.ts"`). On a Node version that strips types by
//! default (22.18 and later 22.x, 23.6 and later, 24 and later: Node's "Modules: TypeScript"
//! page), `node index.ts` runs erasable-only TypeScript itself (bluesky-social/atproto's
//! services on Node 24); isogen still refuses it, saying so: its image ships the build's
//! output, not sources (its `sources` rule refuses `.ts` files there), it would have to ship
//! the entry's whole module graph as run-time code, and Node refuses what it cannot erase
//! (`enum`, `namespace` with values, parameter properties, `import x = require(...)`) and
//! TypeScript under `node_modules`, and ignores tsconfig (`paths`).
//!
//! Pure: it builds the message from what its caller read.

use crate::workspace::pnpm::NODE_VALUE_OPTIONS;

/// Whether the image's Node (a version as isogen.toml or the workspace names it: `24`,
/// `22.11.0`, `lts`) runs a `.ts` file by stripping its types without a flag. A bare major
/// (`22`) is its newest release, as the image tag `node:22` is.
pub(super) fn strips_types_by_default(version: &str) -> bool {
    let mut parts = version.trim_start_matches('v').split('.');
    let Some(Ok(major)) = parts.next().map(str::parse::<u64>) else {
        return false;
    };
    let minor = parts.next().and_then(|m| m.parse::<u64>().ok());
    match major {
        0..=21 => false,
        22 => minor.is_none_or(|m| m >= 18),
        23 => minor.is_none_or(|m| m >= 6),
        _ => true,
    }
}

/// The TypeScript file a start script runs with `node` (`node --enable-source-maps
/// index.ts`: its last command's first word after `node` and its options that ends in `.ts`,
/// `.mts`, `.cts` or `.tsx`), which the start-script reader leaves as no `node <file>`.
pub(super) fn ts_file_started(text: &str) -> Option<String> {
    let last = text.rsplit("&&").next()?;
    let mut words = (last.split_whitespace())
        .skip_while(|w| w.contains('=') || matches!(*w, "exec" | "env" | "cross-env"));
    if words.next()? != "node" {
        return None;
    }
    let file = loop {
        let w = words.next()?;
        if matches!(w, "-e" | "--eval" | "-p" | "--print") {
            return None;
        }
        if NODE_VALUE_OPTIONS.contains(&w) {
            words.next()?;
        } else if !w.starts_with('-') {
            break w;
        }
    };
    let ts = [".ts", ".mts", ".cts", ".tsx"]
        .iter()
        .any(|e| file.ends_with(e));
    ts.then(|| crate::workspace::relpath::clean(file))
}

/// What the refusal says. `source` says where the entry comes from (`its \`start\` script`);
/// `built` is the file a build would write (`dist/index.js`); `node` the image's Node version.
pub(super) struct Refusal<'a> {
    pub entry: &'a str,
    pub service: &'a str,
    pub source: &'a str,
    pub built: &'a str,
    pub section: &'a str,
    pub node: Option<&'a str>,
}

impl Refusal<'_> {
    pub(super) fn message(&self) -> String {
        let Refusal {
            entry,
            service,
            source,
            built,
            section,
            ..
        } = self;
        match self.node.filter(|v| strips_types_by_default(v)) {
            Some(version) => format!(
                "the entry `{entry}` of the service `{service}` (from {source}) is TypeScript source; Node {version}, the image's, would run it by stripping its types (on by default since Node 22.18 and 23.6), but isogen does not ship TypeScript as run-time code: its image holds the build's output, not the `.ts` files the entry imports, and Node refuses syntax it cannot erase (`enum`, `namespace`, parameter properties, `import x = require()`) and ignores tsconfig `paths`; compile it and name the built file, e.g. `entry = \"{built}\"` in {section} of isogen.toml, or a `start` script `node {built}`, or keep a hand-written Dockerfile for it and add `{service}` to `not_services` in [workspace]"
            ),
            None => format!(
                "the entry `{entry}` of the service `{service}` (from {source}) is TypeScript source, which plain `node` cannot run; if its build rewrites package.json to point at the built file, isogen does not see that (it reads package.json before the build): name the built file, e.g. `entry = \"{built}\"` in {section} of isogen.toml, or a `start` script `node {built}`"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{strips_types_by_default, ts_file_started};

    #[test]
    fn the_typescript_file_a_start_script_runs_is_found() {
        let f = |t: &str| ts_file_started(t);
        assert_eq!(
            f("node --enable-source-maps index.ts").as_deref(),
            Some("index.ts")
        );
        assert_eq!(
            f("NODE_ENV=production node ./src/main.mts").as_deref(),
            Some("src/main.mts")
        );
        assert_eq!(f("node dist/index.js"), None);
        assert_eq!(f("tsx src/index.ts"), None);
        assert_eq!(
            f("node -r ./tracing.ts --import ./otel.ts dist/main.js"),
            None
        );
        assert_eq!(
            f("node --import ./otel.mjs server.ts").as_deref(),
            Some("server.ts")
        );
    }

    #[test]
    fn type_stripping_is_on_from_22_18_and_23_6() {
        for on in [
            "24", "v24.18.0", "25", "22", "22.18.0", "22.20", "23", "23.6.0",
        ] {
            assert!(strips_types_by_default(on), "{on}");
        }
        for off in ["20", "21.7", "22.17.1", "22.11", "23.5.0", "lts", ""] {
            assert!(!strips_types_by_default(off), "{off}");
        }
    }
}
