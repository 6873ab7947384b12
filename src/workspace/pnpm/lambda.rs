//! AWS Lambda handlers: a package that nothing starts (no start-like script, no `start:*`
//! processes, no `bin`, no Next.js app) whose handler file exports `handler` (`src/handler.ts`
//! with `export async function handler(event)`: inbox-zero's `apps/image-proxy-aws`), or
//! that depends on the Lambda runtime's types or middleware (`@types/aws-lambda`,
//! `@middy/core`, ...). The Lambda runtime imports the module and calls `handler` per event;
//! Serverless, SST, CDK or SAM deploy it. `node` running it in a container would load it and
//! exit at once: not a service, so isogen writes it no Dockerfile and says why.
//!
//! [`read`] runs at discovery and reads only the few files a handler lives in (`handler`,
//! `lambda`, `index` or `main` with a JavaScript or TypeScript extension, at the top of the
//! package or in `src/`, and the source of `main`); [`reason`] is pure.

use std::path::Path;

use super::NodePackage;

/// Dependencies only a Lambda function has.
const LAMBDA_DEPS: &[&str] = &[
    "@types/aws-lambda",
    "aws-lambda",
    "@middy/core",
    "@aws-lambda-powertools/logger",
    "@aws-lambda-powertools/tracer",
    "@aws-lambda-powertools/metrics",
    "aws-serverless-express",
    "@vendia/serverless-express",
    "@codegenie/serverless-express",
    "serverless-http",
];

/// The file names a handler is kept in (without extension).
const HANDLER_STEMS: &[&str] = &["handler", "lambda", "index", "main"];
const EXTENSIONS: &[&str] = &[".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

/// What shows the package is a Lambda handler (`` `src/handler.ts:31` exports `handler` `` or
/// `` it depends on `@types/aws-lambda` ``), or `None`. `root`/`dir` locate the package
/// folder; `node` must be read already (its scripts, deps, folder listing, start).
pub fn read(root: &Path, dir: &str, node: &NodePackage) -> Option<String> {
    if node.start.is_some() || !node.processes.is_empty() || node.bin.is_some() {
        return None;
    }
    let main_source = node.entry.as_deref().map(source_of);
    let candidates = node.folder.files.iter().filter(|f| {
        let (folder, name) = f.rsplit_once('/').unwrap_or(("", f.as_str()));
        let in_place = folder.is_empty() || folder == "src";
        let named = EXTENSIONS.iter().any(|ext| {
            name.strip_suffix(ext)
                .is_some_and(|stem| HANDLER_STEMS.contains(&stem))
        });
        (in_place && named) || main_source.as_deref() == Some(f.as_str())
    });
    for file in candidates {
        let path = root.join(dir).join(file);
        let Ok(text) = crate::fsio::read_to_string(&path) else {
            continue;
        };
        if let Ok(Some(line)) = crate::js::export_line(Path::new(file), &text, "handler") {
            return Some(format!("`{file}:{line}` exports `handler`"));
        }
    }
    let dep = (node.deps.iter()).find(|d| LAMBDA_DEPS.contains(&d.key.as_str()))?;
    Some(format!("it depends on `{}`", dep.key))
}

/// The TypeScript source that builds `entry` (`dist/index.js` -> `src/index.ts`), or `entry`
/// itself for plain JavaScript: the first folder swapped for `src`, the extension for `.ts`.
fn source_of(entry: &str) -> String {
    let rest = entry.split_once('/').map_or(entry, |(_, r)| r);
    let stem = rest.rsplit_once('.').map_or(rest, |(s, _)| s);
    format!("src/{stem}.ts")
}

/// Why the package is a Lambda handler and gets no Dockerfile, when discovery found it one
/// (see the module) and it is no Next.js app.
pub fn reason(node: &NodePackage) -> Option<String> {
    if node.next.is_some() {
        return None;
    }
    let evidence = node.lambda.as_deref()?;
    Some(format!(
        "an AWS Lambda handler ({evidence}, and no script starts it): the Lambda runtime \
         calls its `handler`, deployed by Serverless, SST, CDK or SAM, not run by `node` in a \
         container; no Dockerfile ([workspace] services of isogen.toml makes it a service if \
         it also runs a server)"
    ))
}

#[cfg(test)]
mod tests {
    use super::source_of;

    #[test]
    fn the_source_of_a_built_entry_is_its_typescript_in_src() {
        assert_eq!(source_of("dist/index.js"), "src/index.ts");
        assert_eq!(
            source_of("dist/lambda/handler.mjs"),
            "src/lambda/handler.ts"
        );
    }
}
