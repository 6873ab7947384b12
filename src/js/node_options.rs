//! Node's own command-line conventions that several pipelines read: `NODE_OPTIONS` split as
//! node splits it, and the preload flags (`-r`/`--require`, `--import`) among options.
//!
//! Pure string work, like the rest of [`crate::js`]: it never reads the disk and never
//! resolves what a preload names.

/// `NODE_OPTIONS` split as node splits it (src/node_options.cc, `ParseNodeOptionsEnvVar`):
/// spaces separate options, double quotes group, a backslash inside quotes escapes the next
/// character; single quotes are ordinary characters.
pub fn split_node_options(value: &str) -> Vec<String> {
    let mut argv: Vec<String> = Vec::new();
    let (mut quoted, mut new_arg) = (false, true);
    let mut chars = value.chars();
    while let Some(mut c) = chars.next() {
        if c == '\\' && quoted {
            match chars.next() {
                Some(next) => c = next,
                None => break,
            }
        } else if c == ' ' && !quoted {
            new_arg = true;
            continue;
        } else if c == '"' {
            quoted = !quoted;
            continue;
        }
        match argv.last_mut() {
            Some(last) if !new_arg => last.push(c),
            _ => argv.push(c.to_string()),
        }
        new_arg = false;
    }
    argv
}

/// A module node loads before the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreloadFlag {
    pub specifier: String,
    /// `--import` (else `-r`/`--require`).
    pub import: bool,
}

/// The preload flag at `args[i]` (`-r x`, `--require=x`, `--import x`) and how many arguments
/// it takes; `None` when `args[i]` is not one (or its value is missing).
pub fn preload_at(args: &[String], i: usize) -> Option<(PreloadFlag, usize)> {
    let a = args.get(i)?.as_str();
    for (flag, import) in [("-r", false), ("--require", false), ("--import", true)] {
        if a == flag {
            let specifier = args.get(i + 1)?.clone();
            return Some((PreloadFlag { specifier, import }, 2));
        }
        if let Some(v) = a.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            let specifier = v.to_string();
            return Some((PreloadFlag { specifier, import }, 1));
        }
    }
    None
}

/// Every preload among `args`, in order (other options skipped).
pub fn preloads(args: &[String]) -> Vec<PreloadFlag> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match preload_at(args, i) {
            Some((p, n)) => {
                out.push(p);
                i += n;
            }
            None => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_options_split_as_node_splits_them() {
        assert_eq!(
            split_node_options(r#"  -r "./a b.js"  --title="x \"y\"" 'q r' "#),
            vec!["-r", "./a b.js", "--title=x \"y\"", "'q", "r'"]
        );
    }

    #[test]
    fn preloads_are_found_in_every_spelling() {
        let args =
            split_node_options("--max-old-space-size=512 -r ./a.js --import=./b.mjs --require");
        let got: Vec<(String, bool)> = preloads(&args)
            .into_iter()
            .map(|p| (p.specifier, p.import))
            .collect();
        assert_eq!(
            got,
            vec![("./a.js".into(), false), ("./b.mjs".into(), true)]
        );
    }
}
