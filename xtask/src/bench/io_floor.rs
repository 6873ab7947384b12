//! The file-system work of a cold `isogen generate`, and nothing else: the generate bench's
//! floor (`cargo xtask generate-io-floor WORKSPACE LIST`, run by the bench as a tool).
//!
//! It lists every folder of WORKSPACE once and reads every file in it once, on as many threads
//! as there are cores, then creates, on the same threads, the files LIST names (`size path`
//! lines, written by [`write_list`] from a tree `isogen generate` made: its `Dockerfile`s and
//! ignore files) at the same paths in WORKSPACE and with as many bytes. No parsing, no rendering: whatever a
//! generator computes, it cannot be faster than this on the same files. isogen reads fewer
//! files than this (not the READMEs, tests and other files no rule looks at) but also probes
//! paths that do not exist and looks at statuses, which this does not; the files are created
//! directly (`O_CREAT|O_EXCL`), not staged and linked in as isogen does (Round 24 measured that
//! difference: about 2.7 ms of CPU for 400 files).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(args: &[String]) -> Result<(), String> {
    let [workspace, list_file] = args else {
        return Err("usage: cargo xtask generate-io-floor WORKSPACE LIST".into());
    };
    let workspace = Path::new(workspace);
    let outputs: Vec<(PathBuf, usize)> = fs::read_to_string(list_file)
        .map_err(|e| format!("{list_file}: {e}"))?
        .lines()
        .filter_map(|line| {
            let (len, path) = line.split_once(' ')?;
            Some((PathBuf::from(path), len.parse().ok()?))
        })
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // The root and its folders are listed here; each folder below them is a thread's whole.
    let mut roots = Vec::new();
    let mut read = 0usize;
    for entry in list(workspace)? {
        let path = entry.0;
        if entry.1 {
            for sub in list(&path)? {
                if sub.1 {
                    roots.push(sub.0);
                } else {
                    read += fs::read(&sub.0)
                        .map_err(|e| format!("{}: {e}", sub.0.display()))?
                        .len();
                }
            }
        } else {
            read += fs::read(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .len();
        }
    }
    let work = |t: usize| -> Result<usize, String> {
        let mut bytes = 0;
        for root in roots.iter().skip(t).step_by(threads) {
            bytes += walk(root)?;
        }
        Ok(bytes)
    };
    let read: usize = read
        + std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads).map(|t| s.spawn(move || work(t))).collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a floor thread panicked"))
                .sum::<Result<usize, String>>()
        })?;
    let body = vec![b'x'; outputs.iter().map(|o| o.1).max().unwrap_or(0)];
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (outputs, body) = (&outputs, &body);
                s.spawn(move || -> Result<(), String> {
                    for (rel, len) in outputs.iter().skip(t).step_by(threads) {
                        let path = workspace.join(rel);
                        let mut file = fs::OpenOptions::new()
                            .write(true)
                            .create_new(true)
                            .open(&path)
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                        file.write_all(&body[..*len])
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().expect("a floor thread panicked"))
    })?;
    std::hint::black_box(read);
    Ok(())
}

/// (path, is a folder) of each entry of `dir`.
fn list(dir: &Path) -> Result<Vec<(PathBuf, bool)>, String> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        entries.push((entry.path(), kind.is_dir()));
    }
    Ok(entries)
}

/// Every folder below `dir` listed and every file read; the bytes read.
fn walk(dir: &Path) -> Result<usize, String> {
    let mut bytes = 0;
    for (path, is_dir) in list(dir)? {
        bytes += if is_dir {
            walk(&path)?
        } else {
            fs::read(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .len()
        };
    }
    Ok(bytes)
}

/// Writes to `list` the `size path` line of each generated file of `generated` (its
/// `Dockerfile`s and `Dockerfile.dockerignore`s, paths relative to it), for [`run`].
pub fn write_list(generated: &Path, list: &Path) -> Result<(), String> {
    let text: String = outputs(generated)?
        .iter()
        .map(|(path, len)| format!("{len} {}\n", path.display()))
        .collect();
    fs::write(list, text).map_err(|e| format!("{}: {e}", list.display()))
}

fn outputs(generated: &Path) -> Result<Vec<(PathBuf, usize)>, String> {
    let mut found = Vec::new();
    let mut stack = vec![generated.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for (path, is_dir) in list(&dir)? {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if is_dir {
                stack.push(path);
            } else if name == "Dockerfile" || name == "Dockerfile.dockerignore" {
                let len = fs::metadata(&path).map_err(|e| e.to_string())?.len() as usize;
                let rel = path.strip_prefix(generated).map_err(|e| e.to_string())?;
                found.push((rel.to_path_buf(), len));
            }
        }
    }
    found.sort();
    Ok(found)
}
