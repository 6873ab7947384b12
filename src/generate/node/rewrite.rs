//! The shell commands that change the shipped manifests in the runtime-deps stage, around the
//! production install: before it, the `publishConfig` fields a package publishes (`main`,
//! `exports`, ... as `pnpm publish` would write them, so Node loads the built files); after
//! it, `scripts` and `devDependencies` removed (no lifecycle script of a workspace package
//! runs in `pnpm rebuild`, and the image's manifests declare what it ships).
//!
//! The install itself always reads the original manifests (a frozen install compares their
//! specifiers with the lockfile). Pure: it turns workspace facts into arguments; it never reads
//! a file and never writes a line break into a Dockerfile (the caller checks).

use crate::generate::templates::shell_quote;

/// `cd <folder> && npm pkg delete ... && npm pkg set ... && npm pkg set --json ...`, or
/// `None` when nothing changes. `no_workspaces`: the root package.json has a `workspaces`
/// field, which npm, run in a folder below it, reads as its own workspace root and refuses
/// when it is not an array of strings (yarn's `{"packages": [...]}`: EWORKSPACESINVALID):
/// `--workspaces=false` keeps npm to the folder's own package.json.
pub(super) fn rewrite_command(
    app_root: &str,
    dir: &str,
    delete: &[String],
    set: &[String],
    set_json: &[String],
    no_workspaces: bool,
) -> Option<String> {
    if delete.is_empty() && set.is_empty() && set_json.is_empty() {
        return None;
    }
    let folder = if dir.is_empty() {
        app_root.to_string()
    } else {
        format!("{app_root}/{dir}")
    };
    let mut cmd = format!("cd {}", shell_quote(&folder));
    for (verb, args) in [
        ("npm pkg delete", delete),
        ("npm pkg set", set),
        ("npm pkg set --json", set_json),
    ] {
        if args.is_empty() {
            continue;
        }
        cmd.push_str(" && ");
        cmd.push_str(verb);
        if no_workspaces && !dir.is_empty() {
            cmd.push_str(" --workspaces=false");
        }
        for a in args {
            cmd.push(' ');
            cmd.push_str(&shell_quote(a));
        }
    }
    Some(cmd)
}
