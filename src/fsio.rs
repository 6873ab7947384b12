//! Every read that `generate` makes of the disk (the config, discovery, the templates, the
//! CLI's warnings) goes through here, so that a run can record what it read: each file read,
//! each path probed and each folder listed, with the status the kernel gave for it just before
//! (device, inode, size, permission bits, modification and change times). `generate --check`
//! stores that record after a run that passed (`src/cli/check_cache.rs`), and a later run that
//! finds every status unchanged knows it would read the same bytes and listings again.
//!
//! It never writes and never prints; it records nothing unless [`start`] was called (then a
//! global log, shared by every thread, grows until [`finish`]). A tidy test keeps the modules
//! that `generate` runs from reading the disk any other way.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How recently changed a path may be and still be trusted by its status alone: a second
/// change within the same clock tick of the file system could leave every field as it was.
pub const RACY: Duration = Duration::from_secs(3);

static RECORDING: AtomicBool = AtomicBool::new(false);
/// Set when a status too recent to be trusted was seen: the record is dropped and nothing more
/// is recorded (a fresh checkout, where every file is seconds old, pays for no record).
static ABANDONED: AtomicBool = AtomicBool::new(false);
/// The racy limit of the run being recorded (`started - RACY`, seconds and nanoseconds).
static LIMIT: Mutex<(i64, i64)> = Mutex::new((i64::MAX, 0));
static LOG: Mutex<BTreeSet<Seen>> = Mutex::new(BTreeSet::new());

/// What was done with a path.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum How {
    /// Its bytes were read (or its status looked up, symlinks followed).
    Read,
    /// Its own status was looked up, a symlink not followed (or the link read).
    Link,
    /// Its entries were listed.
    Listed,
}

/// A path's status, as compared: a change to a file's bytes, name or permissions changes at
/// least its change time (which no program can set), its inode or its size.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mode: u32,
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
}

/// One recorded look at a path: `stat` is `None` when the lookup failed (no such path, no
/// permission); the same failure later counts as unchanged.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Seen {
    pub path: PathBuf,
    pub how: How,
    pub stat: Option<Stat>,
}

/// Whether this platform gives the status fields compared (Unix).
pub const SUPPORTED: bool = cfg!(unix);

/// Starts recording (clearing any earlier record) for a run that began at `started`: as soon
/// as a status changed less than [`RACY`] before it (or later) is seen, the record could not
/// be stored ([`racy`]), so it is dropped and recording stops.
pub fn start(started: SystemTime) {
    if SUPPORTED {
        lock().clear();
        *LIMIT.lock().unwrap_or_else(|p| p.into_inner()) = racy_limit(started);
        ABANDONED.store(false, Ordering::SeqCst);
        RECORDING.store(true, Ordering::SeqCst);
    }
}

/// Stops recording and returns every distinct look, in path order; `None` when the record was
/// abandoned (a status too recent to be trusted was seen) or never started.
pub fn finish() -> Option<Vec<Seen>> {
    let was = RECORDING.swap(false, Ordering::SeqCst);
    let log = std::mem::take(&mut *lock());
    if !was || ABANDONED.load(Ordering::SeqCst) {
        return None;
    }
    Some(log.into_iter().collect())
}

fn lock() -> std::sync::MutexGuard<'static, BTreeSet<Seen>> {
    LOG.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Adds a look to the record, or abandons the record when its status is too recent.
fn insert(seen: Seen) {
    let limit = *LIMIT.lock().unwrap_or_else(|p| p.into_inner());
    if seen
        .stat
        .is_some_and(|s| s.mtime >= limit || s.ctime >= limit)
    {
        ABANDONED.store(true, Ordering::SeqCst);
        RECORDING.store(false, Ordering::SeqCst);
        lock().clear();
        return;
    }
    let mut log = lock();
    // Checked under the lock: a look made while another thread abandoned is not kept.
    if RECORDING.load(Ordering::Relaxed) {
        log.insert(seen);
    }
}

/// The status of `path` now, as [`Seen::stat`] holds it.
pub fn stat(path: &Path, how: How) -> Option<Stat> {
    let meta = match how {
        How::Link => std::fs::symlink_metadata(path),
        How::Read | How::Listed => std::fs::metadata(path),
    };
    meta.ok().and_then(|m| status(&m))
}

#[cfg(unix)]
fn status(m: &std::fs::Metadata) -> Option<Stat> {
    use std::os::unix::fs::MetadataExt;
    Some(Stat {
        dev: m.dev(),
        ino: m.ino(),
        size: m.size(),
        mode: m.mode(),
        mtime: (m.mtime(), m.mtime_nsec()),
        ctime: (m.ctime(), m.ctime_nsec()),
    })
}

#[cfg(not(unix))]
fn status(_: &std::fs::Metadata) -> Option<Stat> {
    None
}

/// Records a look at `path` (its status taken now, before the caller reads it), when recording.
pub fn note(path: &Path, how: How) {
    if RECORDING.load(Ordering::Relaxed) {
        let seen = Seen {
            path: path.to_path_buf(),
            how,
            stat: stat(path, how),
        };
        insert(seen);
    }
}

/// Whether every look in `seen` would find the same status now (several at once).
pub fn unchanged(seen: &[Seen]) -> bool {
    crate::par::map(seen, |s| stat(&s.path, s.how) == s.stat)
        .into_iter()
        .all(|same| same)
}

/// Whether some status in `seen` changed less than [`RACY`] before `started` (when the run
/// that recorded it began) or later: such a record cannot be trusted, as a change during the
/// run, or a second change within the same clock tick, would not show in the status.
pub fn racy(seen: &[Seen], started: SystemTime) -> bool {
    let limit = racy_limit(started);
    seen.iter()
        .filter_map(|s| s.stat)
        .any(|s| s.mtime >= limit || s.ctime >= limit)
}

/// `started - RACY` as (seconds, nanoseconds) since the epoch; a time before which nothing is
/// (`(i64::MIN, 0)`, everything racy) when it cannot be computed.
fn racy_limit(started: SystemTime) -> (i64, i64) {
    match started
        .checked_sub(RACY)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
    {
        Some(limit) => (limit.as_secs() as i64, i64::from(limit.subsec_nanos())),
        None => (i64::MIN, 0),
    }
}

/// `std::fs::read_to_string`, recorded.
pub fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let bytes = read(path.as_ref())?;
    String::from_utf8(bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// `std::fs::read`, recorded. When recording, the status is that of the file opened (one
/// `fstat` of it, not a second lookup of the path), taken before its bytes are read.
pub fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref();
    if !RECORDING.load(Ordering::Relaxed) {
        return std::fs::read(path);
    }
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) => {
            note(path, How::Read);
            return Err(e);
        }
    };
    let meta = file.metadata();
    let seen = Seen {
        path: path.to_path_buf(),
        how: How::Read,
        stat: meta.as_ref().ok().and_then(status),
    };
    insert(seen);
    let mut bytes = Vec::with_capacity(meta.map_or(0, |m| m.len() as usize));
    io::Read::read_to_end(&mut file, &mut bytes)?;
    Ok(bytes)
}

/// `std::fs::metadata` (symlinks followed), recorded (from the same lookup).
pub fn metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    looked_up(path.as_ref(), How::Read, std::fs::metadata(path.as_ref()))
}

/// `std::fs::symlink_metadata`, recorded (from the same lookup).
pub fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    looked_up(
        path.as_ref(),
        How::Link,
        std::fs::symlink_metadata(path.as_ref()),
    )
}

/// Records the status a lookup of `path` gave, when recording, and returns it.
fn looked_up(
    path: &Path,
    how: How,
    meta: io::Result<std::fs::Metadata>,
) -> io::Result<std::fs::Metadata> {
    if RECORDING.load(Ordering::Relaxed) {
        let seen = Seen {
            path: path.to_path_buf(),
            how,
            stat: meta.as_ref().ok().and_then(status),
        };
        insert(seen);
    }
    meta
}

/// `std::fs::read_link`, recorded.
pub fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    note(path.as_ref(), How::Link);
    std::fs::read_link(path)
}

/// `Path::is_file`, recorded.
pub fn is_file(path: impl AsRef<Path>) -> bool {
    metadata(path).is_ok_and(|m| m.is_file())
}

/// `Path::is_dir`, recorded.
pub fn is_dir(path: impl AsRef<Path>) -> bool {
    metadata(path).is_ok_and(|m| m.is_dir())
}

/// `Path::exists`, recorded.
pub fn exists(path: impl AsRef<Path>) -> bool {
    metadata(path).is_ok()
}

/// `std::fs::read_dir`, the folder recorded as listed.
pub fn read_dir(path: impl AsRef<Path>) -> io::Result<std::fs::ReadDir> {
    note(path.as_ref(), How::Listed);
    std::fs::read_dir(path)
}

/// `walkdir::WalkDir::new(root)`, the root recorded as listed; every folder the walk yields
/// must be passed to [`walked`] before the walk goes into it.
pub fn walk(root: impl AsRef<Path>) -> walkdir::WalkDir {
    note(root.as_ref(), How::Listed);
    walkdir::WalkDir::new(root)
}

/// Records a folder a walk yields (and will list, unless told to skip it): call it on every
/// entry, before asking the walk for the next one.
pub fn walked(entry: &walkdir::DirEntry) {
    if entry.file_type().is_dir() || entry.path_is_symlink() {
        note(entry.path(), How::Listed);
    }
}

/// A walk's entries, each folder recorded as it is yielded ([`walked`]).
pub fn walked_all<I>(it: I) -> impl Iterator<Item = walkdir::Result<walkdir::DirEntry>>
where
    I: Iterator<Item = walkdir::Result<walkdir::DirEntry>>,
{
    it.inspect(|e| {
        if let Ok(e) = e {
            walked(e);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_to_a_read_file_or_a_listed_folder_shows_and_nothing_is_recorded_unless_started() {
        // One test: the record is global, and other tests may read while it is on.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.json");
        std::fs::write(&file, "{}").unwrap();
        assert!(!exists(dir.path().join("x")));
        // A run that began now: the file, written just before, is too recent to be trusted,
        // and the record is dropped at the first look at it.
        start(SystemTime::now());
        read_to_string(&file).unwrap();
        assert_eq!(finish(), None);
        // A run that began 4 s from now: the file is older than `RACY` for it.
        start(SystemTime::now() + Duration::from_secs(4));
        read_to_string(&file).unwrap();
        let _ = read_dir(dir.path()).unwrap().count();
        assert!(!is_file(dir.path().join("missing")));
        let mut seen = finish().unwrap();
        seen.retain(|s| s.path.starts_with(dir.path()));
        let paths: Vec<_> = seen.iter().map(|s| (s.path.clone(), s.how)).collect();
        assert_eq!(
            paths,
            [
                (dir.path().to_path_buf(), How::Listed),
                (file.clone(), How::Read),
                (dir.path().join("missing"), How::Read),
            ]
        );
        assert_eq!(seen[2].stat, None);
        assert!(unchanged(&seen));
        assert!(racy(&seen, SystemTime::now()));
        assert!(!racy(&seen, SystemTime::now() + Duration::from_secs(4)));
        // A new file: the folder and the probe differ.
        std::fs::write(dir.path().join("missing"), "").unwrap();
        assert!(!unchanged(&seen));
        // Same size, new bytes: the change time moves.
        std::thread::sleep(Duration::from_millis(20));
        let before = stat(&file, How::Read);
        std::fs::write(&file, "[]").unwrap();
        assert_ne!(stat(&file, How::Read), before);
    }
}
