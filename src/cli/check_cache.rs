//! The `generate --check` cache: a `--check` that passed stores what it read (every file,
//! probed path and listed folder, with its status: `isogen::fsio`), the generated files'
//! status, the warnings it printed and the isogen binary it ran; a later `--check` of the
//! same workspace, with the same arguments, from the same folder, that finds every one of
//! those statuses unchanged prints the same warnings and passes without reading the
//! workspace again. Anything that differs, or any doubt, runs the full check.
//!
//! The entry lives outside the workspace: `$XDG_CACHE_HOME/isogen/check/` (else
//! `~/.cache/isogen/check/`), one file per workspace named by the SHA-256 of its canonical
//! path; it is never written into the workspace, and a failure to read or write it is ignored
//! (the full check runs). `ISOGEN_CHECK_CACHE=off` disables it, `=trace` says on stderr what it
//! did. A record that changed less than `fsio::RACY` before its run began is not stored (a
//! second change in the same clock tick would not show in a status).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use isogen::fsio::{self, How, Seen, Stat};
use sha2::{Digest, Sha256};

/// What must be equal for an entry to apply: the binary, where it ran and what it was asked.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Key {
    version: String,
    exe: Option<Stat>,
    cwd: PathBuf,
    dir: PathBuf,
    services: Vec<String>,
    templates: Option<PathBuf>,
    keep_going: bool,
}

impl Key {
    /// The key of a `generate --check` run; `None` when a path is not UTF-8 (then no cache).
    pub fn new(
        dir: &Path,
        services: &[String],
        templates: Option<&Path>,
        keep_going: bool,
    ) -> Option<Key> {
        let exe = std::env::current_exe().ok()?;
        let utf8 = |p: &Path| p.to_str().map(PathBuf::from);
        Some(Key {
            version: env!("ISOGEN_VERSION").to_string(),
            exe: fsio::stat(&exe, How::Read),
            cwd: utf8(&std::env::current_dir().ok()?)?,
            dir: utf8(dir)?,
            services: services.to_vec(),
            templates: match templates {
                Some(t) => Some(utf8(t)?),
                None => None,
            },
            keep_going,
        })
    }
}

/// One workspace's entry.
#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    key: Key,
    /// The warnings the passing run printed (each after `warning: `), in order.
    warnings: Vec<String>,
    /// How many generated files it found up to date.
    files: usize,
    /// Every look at the disk, the generated files' included.
    seen: Vec<Seen>,
}

/// What a hit prints.
pub struct Hit {
    pub warnings: Vec<String>,
    pub files: usize,
}

/// The cache of one workspace for one `--check` run.
pub struct Cache {
    key: Key,
    file: PathBuf,
    trace: bool,
}

/// A run being recorded.
pub struct Recording {
    cache: Cache,
    started: SystemTime,
}

impl Cache {
    /// The cache for `dir`, `None` when disabled or when there is nowhere to keep it.
    pub fn open(dir: &Path, key: Option<Key>) -> Option<Cache> {
        let setting = std::env::var("ISOGEN_CHECK_CACHE").unwrap_or_default();
        if setting == "off" || !fsio::SUPPORTED {
            return None;
        }
        let trace = setting == "trace";
        let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
            Some(x) => PathBuf::from(x),
            None => {
                PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".cache")
            }
        };
        let canonical = std::fs::canonicalize(dir).ok()?;
        let name = hex(&Sha256::digest(canonical.as_os_str().as_encoded_bytes()));
        Some(Cache {
            key: key?,
            file: base.join("isogen/check").join(&name[..32]),
            trace,
        })
    }

    /// The stored outcome, when every status it recorded is unchanged.
    pub fn hit(&self) -> Option<Hit> {
        let entry: Entry = match std::fs::read(&self.file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        {
            Some(entry) => entry,
            None => return self.say(None, "miss (no entry)"),
        };
        if entry.key != self.key {
            return self.say(None, "miss (another binary, folder or arguments)");
        }
        if !fsio::unchanged(&entry.seen) {
            return self.say(None, "miss (a file or folder changed)");
        }
        let hit = Hit {
            warnings: entry.warnings,
            files: entry.files,
        };
        self.say(Some(hit), "hit")
    }

    fn say<T>(&self, value: T, what: &str) -> T {
        if self.trace {
            eprintln!("check cache: {what} ({})", self.file.display());
        }
        value
    }

    /// Starts recording what the full run reads.
    pub fn record(self) -> Recording {
        let started = SystemTime::now();
        fsio::start(started);
        Recording {
            cache: self,
            started,
        }
    }
}

impl Recording {
    /// Stores the record of a run that passed, with the generated files (paths under `root`)
    /// looked at now; nothing when some status is too recent to be trusted.
    pub fn store(self, root: &Path, generated: &[String], warnings: Vec<String>) {
        for path in generated {
            fsio::note(&root.join(path), How::Read);
        }
        let cache = self.cache;
        // `None`: recording stopped at the first status too recent to trust (a fresh checkout,
        // whose files are all seconds old, records almost nothing).
        let Some(seen) = fsio::finish().filter(|seen| !fsio::racy(seen, self.started)) else {
            cache.say((), "not stored (something changed in the last seconds)");
            return;
        };
        let entry = Entry {
            key: cache.key,
            warnings,
            files: generated.len(),
            seen,
        };
        let stored = write(&cache.file, &entry).is_some();
        if cache.trace {
            eprintln!(
                "check cache: {} ({})",
                if stored { "stored" } else { "not stored" },
                cache.file.display()
            );
        }
    }
}

fn write(file: &Path, entry: &Entry) -> Option<()> {
    let bytes = serde_json::to_vec(entry).ok()?;
    let dir = file.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).ok()?;
    std::io::Write::write_all(&mut tmp, &bytes).ok()?;
    tmp.persist(file).ok()?;
    Some(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
