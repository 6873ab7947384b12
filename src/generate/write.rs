//! Writing generated files: the header, the hand-written-file guard, atomic replacement,
//! `--check` (drift) and printing.
//!
//! Rules:
//! - every file gets [`header`] as its first line, so isogen knows it may overwrite it;
//! - an existing file whose first line is not isogen's header is hand-written: without
//!   `--force`, nothing at all is written (or checked) and the run fails naming every such file;
//! - a file is replaced by writing a temporary file in the same folder and renaming it over
//!   the old one, so a reader never sees half a file (not fsynced: that cost more than the
//!   rest of a run); a new file (on Linux) is written as an unnamed inode of its folder
//!   (`O_TMPFILE`) and linked in under its name once complete, which is atomic too and
//!   cheaper (no temporary name to create and rename; BENCHMARKS.md, Round 24);
//! - unchanged files are not touched (their modification time stays), so re-running is a no-op.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{GeneratedFile, GENERATED_BY, HEADER_PREFIX};
use crate::error::{Error, Result};

/// The first line of every file `isogen generate` writes.
pub fn header() -> String {
    header_for(GENERATED_BY)
}

/// The first line of a file written by `command` (`isogen bake`, ...).
pub fn header_for(command: &str) -> String {
    format!("{HEADER_PREFIX} ({command}): do not edit; change isogen.toml or the templates and run it again.")
}

/// A generated file's full text: the header, then the rendered contents.
pub fn with_header(contents: &str) -> String {
    format!("{}\n{contents}", header())
}

impl GeneratedFile {
    /// The file's full text: the header naming its command, then its contents.
    pub fn text(&self) -> String {
        format!("{}\n{}", header_for(self.command), self.contents)
    }
}

/// Whether `text` (an existing file) was written by isogen.
pub fn has_header(text: &str) -> bool {
    text.starts_with(HEADER_PREFIX)
}

/// What to do with the planned files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write them (over hand-written files only with `force`).
    Write { force: bool },
    /// Write nothing; report files that would change (with a unified diff when `diff`).
    Check { diff: bool, force: bool },
    /// Print every file, each after a `==> path <==` line.
    DryRun,
    /// Print only the Dockerfiles (one after another), nothing else.
    Stdout,
}

/// The state of one planned file against the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Create,
    Update,
    Unchanged,
    /// Exists and was not written by isogen.
    HandWritten,
}

/// What happened (or would happen) to each file.
#[derive(Debug, Default)]
pub struct Outcome {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    /// Hand-written files replaced because of `--force`.
    pub forced: Vec<String>,
}

impl Outcome {
    /// Files that differ from what isogen would write.
    pub fn changed(&self) -> usize {
        self.created.len() + self.updated.len() + self.forced.len()
    }
}

/// Applies `mode` to `files` (paths relative to `root`); messages go to `out`.
pub fn apply(
    root: &Path,
    files: &[GeneratedFile],
    mode: Mode,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let force = match mode {
        Mode::DryRun | Mode::Stdout => {
            print_files(files, mode, out)?;
            return Ok(Outcome::default());
        }
        Mode::Write { force } | Mode::Check { force, .. } => force,
    };
    let planned = compare(root, files)?;
    refuse_hand_written(&planned, force)?;

    let mut outcome = Outcome::default();
    for p in &planned {
        let list = match p.status {
            Status::Create => &mut outcome.created,
            Status::Update => &mut outcome.updated,
            Status::Unchanged => &mut outcome.unchanged,
            Status::HandWritten => &mut outcome.forced,
        };
        list.push(p.file.path.clone());
    }
    let changed: Vec<&Planned> = planned
        .iter()
        .filter(|p| p.status != Status::Unchanged)
        .collect();
    if let Mode::Check { diff, .. } = mode {
        for p in &changed {
            show_change(p, diff, out)?;
        }
        return Ok(outcome);
    }
    // Every file is staged (written to a temporary file beside it, several at once) before any
    // is replaced: a file that cannot be written (a read-only folder) stops everything with
    // nothing written, and the temporary files already made are deleted as they are dropped.
    // Staged under the folder's absolute path, so tempfile does not ask for the working folder
    // once per file; messages keep the path as given.
    let base = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let staged = crate::par::map(&changed, |p| {
        let at = base.join(&p.file.path);
        stage_new_or_named(p, &at).map_err(|e| nothing_written(e, &p.file.path))
    })
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    rename_all(staged, &changed, out)?;
    Ok(outcome)
}

/// Puts every staged file in place (renamed over its target, or an unnamed new file linked in),
/// several at once (each in its own folder, so they do not wait on one another), then says
/// what was done in the files' order. Should a rename or link fail (after staging in the same folder, only if the folder changed under
/// the run), the others still happen and are reported, and the first failure is the error.
fn rename_all(staged: Vec<Staged>, changed: &[&Planned], out: &mut dyn Write) -> Result<()> {
    let pairs: Vec<(Staged, &Planned)> = staged.into_iter().zip(changed.iter().copied()).collect();
    let renamed = crate::par::map(&pairs, |(staged, p)| staged.put(p));
    let mut first_error = None;
    for ((staged, p), result) in pairs.into_iter().zip(renamed) {
        if let Err(e) = result {
            // Dropped: the temporary file is deleted (an unnamed one is freed on close).
            first_error.get_or_insert(Error::io(&p.path, e));
            continue;
        }
        // In place: nothing left to delete under a temporary name.
        staged.keep();
        let verb = match p.status {
            Status::Create => "created",
            Status::HandWritten => "replaced (--force)",
            _ => "updated",
        };
        writeln!(out, "{verb} {}", p.file.path).map_err(io_out)?;
    }
    first_error.map_or(Ok(()), Err)
}

fn io_out(e: std::io::Error) -> Error {
    Error::io("<stdout>", e)
}

/// `--dry-run` (every file, each under a `==> path <==` line) and `--stdout` (the
/// Dockerfiles alone, a blank line between them).
fn print_files(files: &[GeneratedFile], mode: Mode, out: &mut dyn Write) -> Result<()> {
    let mut first = true;
    for f in files {
        if matches!(mode, Mode::DryRun) {
            writeln!(out, "==> {} <==", f.path).map_err(io_out)?;
        } else if !f.path.ends_with(super::DOCKERFILE) {
            continue;
        } else if !first {
            writeln!(out).map_err(io_out)?;
        }
        first = false;
        out.write_all(f.text().as_bytes()).map_err(io_out)?;
    }
    Ok(())
}

/// One file to write, next to what is on disk.
struct Planned<'a> {
    file: &'a GeneratedFile,
    path: PathBuf,
    new: String,
    old: Option<String>,
    /// The old file's permission bits (None: no file yet).
    mode: Option<u32>,
    status: Status,
}

/// Each file compared with what is on disk, several at once; reads only. The error is that of
/// the first file (in `files`' order) that could not be read.
fn compare<'a>(root: &Path, files: &'a [GeneratedFile]) -> Result<Vec<Planned<'a>>> {
    crate::par::map(files, |file| {
        let path = root.join(&file.path);
        let new = file.text();
        let (old, mode) = match read_with_mode(&path) {
            Ok((bytes, mode)) => (
                Some(String::from_utf8_lossy(&bytes).into_owned()),
                Some(mode),
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (None, None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let status = match &old {
            None => Status::Create,
            // Empty: nothing to lose (and what a power cut can leave of an unsynced write).
            Some(text) if text.is_empty() => Status::Update,
            Some(text) if !has_header(text) => Status::HandWritten,
            Some(text) if *text == new => Status::Unchanged,
            Some(_) => Status::Update,
        };
        Ok(Planned {
            file,
            path,
            new,
            old,
            mode,
            status,
        })
    })
    .into_iter()
    .collect()
}

/// A file's bytes and permission bits, from one open (the mode comes from the open file, so
/// staging its replacement needs no second lookup of the path).
fn read_with_mode(path: &Path) -> std::io::Result<(Vec<u8>, u32)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    #[cfg(unix)]
    let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777;
    #[cfg(not(unix))]
    let mode = 0o644;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok((bytes, mode))
}

/// Files without isogen's header stop everything unless `--force`.
fn refuse_hand_written(planned: &[Planned], force: bool) -> Result<()> {
    let hand_written: Vec<&Planned> = planned
        .iter()
        .filter(|p| p.status == Status::HandWritten)
        .collect();
    if hand_written.is_empty() || force {
        return Ok(());
    }
    // A Cargo service in the package's `Dockerfile` (bore's hand-written one at the root) can
    // keep it: the same binary as a service of another name is written beside it.
    let beside: Vec<String> = (hand_written.iter())
        .filter(|p| p.file.path.rsplit('/').next() == Some("Dockerfile"))
        .filter_map(|p| {
            let bin = p.file.bin.as_ref()?;
            let name = format!("{}-server", p.file.service);
            let dir = p.file.path.strip_suffix("Dockerfile").unwrap_or_default();
            Some(format!(
                "\nto keep {}, run the binary as a service of another name instead: rename \
                 [generate.services.{}] of isogen.toml to [generate.services.{name}] with bin = \
                 \"{bin}\" (and the same `args`), which writes {dir}{name}.Dockerfile beside it, \
                 and leave `{}` itself out (out of [workspace] services, or in \
                 not_services)",
                p.file.path, p.file.service, p.file.service
            ))
        })
        .collect();
    let paths: Vec<&str> = hand_written.iter().map(|p| p.file.path.as_str()).collect();
    Err(Error::Usage(format!(
        "refusing to overwrite {} not written by isogen (the first line is not `{HEADER_PREFIX} ...`): {}\nnothing was written; use --force to replace {}, or leave the service out with `[workspace] not_services` in isogen.toml{}",
        if paths.len() == 1 { "a file" } else { "files" },
        paths.join(", "),
        if paths.len() == 1 { "it" } else { "them" },
        beside.concat(),
    )))
}

/// `--check`: the file that would change, with its diff when asked.
fn show_change(p: &Planned, diff: bool, out: &mut dyn Write) -> Result<()> {
    let verb = match p.status {
        Status::Create => "would create",
        Status::HandWritten => "would replace (hand-written, --force)",
        _ => "would update",
    };
    writeln!(out, "{verb} {}", p.file.path).map_err(io_out)?;
    if diff {
        let old = p.old.as_deref().unwrap_or("");
        let text = similar::TextDiff::from_lines(old, p.new.as_str())
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{}", p.file.path), &format!("b/{}", p.file.path))
            .to_string();
        out.write_all(text.as_bytes()).map_err(io_out)?;
    }
    Ok(())
}

/// A staging failure, saying that no file was written.
fn nothing_written(e: Error, path: &str) -> Error {
    match e {
        Error::Io { path: p, source } => Error::Usage(format!(
            "cannot write {path} ({}: {source}); nothing was written",
            p.display()
        )),
        other => other,
    }
}

/// Writes `bytes` to `path` atomically (see [`stage`]): for a file that is not generated
/// (isogen.toml, when `--force` keeps a hand-written Dockerfile's settings in it).
pub fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, bytes)
}

/// Replaces `path` with `bytes` through a temporary file in the same folder and a rename
/// (atomic for readers; not flushed to disk). Keeps the old file's permissions; a new file
/// gets 0644.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mode = current_mode(path);
    stage(path, bytes, mode)?
        .persist(path)
        .map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// The permission bits of the file at `path`, None when there is none.
fn current_mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// `bytes` in a temporary file beside `path`, with the permissions `mode` of the file it
/// replaces (0644 for a new file), ready to be renamed over it; dropped unrenamed, it is
/// deleted.
fn stage(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<tempfile::NamedTempFile> {
    stage_at(path, path, bytes, mode)
}

/// A file ready to be put in place: a named temporary file beside it (renamed over it), or,
/// for a file that did not exist (Linux), an unnamed inode in its folder (`O_TMPFILE`), linked
/// in under its name once complete. Either way a reader sees no file or the whole file, and
/// one dropped before it is put in place leaves nothing behind.
enum Staged {
    Named(tempfile::NamedTempFile),
    #[cfg(target_os = "linux")]
    Unnamed(std::fs::File),
}

impl Staged {
    /// Puts the file at `p.path`. An unnamed file is linked in (`linkat`, which fails rather
    /// than replace a file); should a file have appeared there since it was compared, it is
    /// replaced as any existing file is, through a named temporary file and a rename.
    fn put(&self, p: &Planned) -> std::io::Result<()> {
        match self {
            Staged::Named(tmp) => std::fs::rename(tmp.path(), &p.path),
            #[cfg(target_os = "linux")]
            Staged::Unnamed(file) => match link_unnamed(file, &p.path) {
                Err(rustix::io::Errno::EXIST) => {
                    let tmp = stage(&p.path, p.new.as_bytes(), None).map_err(|e| match e {
                        Error::Io { source, .. } => source,
                        other => std::io::Error::other(other.to_string()),
                    })?;
                    tmp.persist(&p.path).map(|_| ()).map_err(|e| e.error)
                }
                linked => linked.map_err(Into::into),
            },
        }
    }

    /// After [`Staged::put`] succeeded: the temporary name is gone, nothing to delete.
    fn keep(self) {
        match self {
            Staged::Named(mut tmp) => tmp.disable_cleanup(true),
            #[cfg(target_os = "linux")]
            Staged::Unnamed(_) => {}
        }
    }
}

/// `p` staged beside `at` (its absolute path): unnamed when it is a new file and the folder
/// takes one, else a named temporary file (any failure of the unnamed way is retried the named
/// way, whose error is the one reported).
fn stage_new_or_named(p: &Planned, at: &Path) -> Result<Staged> {
    #[cfg(target_os = "linux")]
    if p.mode.is_none() && unnamed_files_linkable() {
        if let Some(folder) = at.parent() {
            if let Ok(file) = stage_unnamed(folder, p.new.as_bytes()) {
                return Ok(Staged::Unnamed(file));
            }
        }
    }
    stage_at(&p.path, at, p.new.as_bytes(), p.mode).map(Staged::Named)
}

/// Links the unnamed `file` in at `path`: by the descriptor itself (`AT_EMPTY_PATH`: Linux 6.10
/// and later for the file's opener, earlier only with `CAP_DAC_READ_SEARCH`), else by its
/// `/proc/self/fd` entry, a path the kernel resolves anew for each file. Where the first way
/// is refused once, the run uses the second for the rest.
#[cfg(target_os = "linux")]
fn link_unnamed(file: &std::fs::File, path: &Path) -> rustix::io::Result<()> {
    use rustix::fs::{linkat, AtFlags, CWD};
    use std::sync::atomic::{AtomicBool, Ordering};
    static BY_FD_REFUSED: AtomicBool = AtomicBool::new(false);
    if !BY_FD_REFUSED.load(Ordering::Relaxed) {
        match linkat(file, "", CWD, path, AtFlags::EMPTY_PATH) {
            Err(rustix::io::Errno::NOENT) => {}
            linked => return linked,
        }
    }
    use std::os::fd::AsRawFd;
    let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
    let linked = linkat(CWD, &proc_path, CWD, path, AtFlags::SYMLINK_FOLLOW);
    if linked.is_ok() {
        BY_FD_REFUSED.store(true, Ordering::Relaxed);
    }
    linked
}

/// Whether an open file can be linked in by its `/proc/self/fd` entry (procfs mounted).
#[cfg(target_os = "linux")]
fn unnamed_files_linkable() -> bool {
    static LINKABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *LINKABLE.get_or_init(|| Path::new("/proc/self/fd").is_dir())
}

/// `bytes` in an unnamed inode of `folder` (`O_TMPFILE`), mode 0644 whatever the umask, as a
/// named temporary file gets.
#[cfg(target_os = "linux")]
fn stage_unnamed(folder: &Path, bytes: &[u8]) -> std::io::Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    use std::os::unix::fs::PermissionsExt;
    let fd = rustix::fs::open(
        folder,
        OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    )?;
    let mut file = std::fs::File::from(fd);
    file.write_all(bytes)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    Ok(file)
}

/// [`stage`], the temporary file made beside `at` (the same file as `path`, absolute), errors
/// naming `path`'s folder.
fn stage_at(
    path: &Path,
    at: &Path,
    bytes: &[u8],
    mode: Option<u32>,
) -> Result<tempfile::NamedTempFile> {
    let folder = |p: &Path| {
        p.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".isogen-")
        .suffix(".tmp")
        .tempfile_in(folder(at))
        .map_err(|e| Error::io(folder(path), e))?;
    // No fsync: the rename alone keeps readers from ever seeing half a file. An fsync per
    // file cost 1.2 s of a 1.4 s cold run on 200 services (BENCHMARKS.md), and a file lost to a
    // power cut is rewritten by the next run, as git leaves its checkout files unsynced.
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // On the open file (fchmod): no second lookup of the path.
        let mode = std::fs::Permissions::from_mode(mode.unwrap_or(0o644));
        tmp.as_file()
            .set_permissions(mode)
            .map_err(|e| Error::io(tmp.path(), e))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> GeneratedFile {
        GeneratedFile {
            path: path.into(),
            service: "s".into(),
            bin: None,
            contents: contents.into(),
            command: GENERATED_BY,
        }
    }

    #[test]
    fn writes_then_is_a_no_op_then_reports_drift() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![file("Dockerfile", "FROM x\n")];
        let mut out = Vec::new();
        let o = apply(dir.path(), &files, Mode::Write { force: false }, &mut out).unwrap();
        assert_eq!(o.created, vec!["Dockerfile"]);
        let text = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
        assert!(has_header(&text));
        assert!(text.ends_with("FROM x\n"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("Dockerfile"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o644);
        }

        let o = apply(
            dir.path(),
            &files,
            Mode::Check {
                diff: false,
                force: false,
            },
            &mut out,
        )
        .unwrap();
        assert_eq!(o.changed(), 0);

        let changed = vec![file("Dockerfile", "FROM y\n")];
        let mut out = Vec::new();
        let o = apply(
            dir.path(),
            &changed,
            Mode::Check {
                diff: true,
                force: false,
            },
            &mut out,
        )
        .unwrap();
        assert_eq!(o.updated, vec!["Dockerfile"]);
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("would update Dockerfile"), "{out}");
        assert!(out.contains("-FROM x\n+FROM y\n"), "{out}");
        // --check wrote nothing.
        assert!(std::fs::read_to_string(dir.path().join("Dockerfile"))
            .unwrap()
            .ends_with("FROM x\n"));
    }

    #[test]
    fn an_empty_file_is_replaced_not_guarded() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "").unwrap();
        let files = vec![file("Dockerfile", "FROM x\n")];
        let o = apply(
            dir.path(),
            &files,
            Mode::Write { force: false },
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(o.updated, vec!["Dockerfile"]);
        let text = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
        assert!(has_header(&text) && text.ends_with("FROM x\n"));
    }

    #[test]
    fn hand_written_files_stop_everything_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM mine\n").unwrap();
        let files = vec![
            file("a.dockerignore", "*\n"),
            file("Dockerfile", "FROM x\n"),
        ];
        let err = apply(
            dir.path(),
            &files,
            Mode::Write { force: false },
            &mut Vec::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("Dockerfile"), "{err}");
        assert!(err.contains("--force"), "{err}");
        assert!(
            !dir.path().join("a.dockerignore").exists(),
            "nothing written"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
            "FROM mine\n"
        );

        let o = apply(
            dir.path(),
            &files,
            Mode::Write { force: true },
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(o.forced, vec!["Dockerfile"]);
        assert!(has_header(
            &std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap()
        ));
    }

    #[test]
    fn one_file_that_cannot_be_written_means_none_is() {
        let dir = tempfile::tempdir().unwrap();
        // A folder that cannot take a file (here: missing; a read-only folder fails the same way
        // for a non-root user).
        let files = vec![
            file("a/Dockerfile", "FROM a\n"),
            file("missing/b/Dockerfile", "FROM b\n"),
        ];
        std::fs::create_dir(dir.path().join("a")).unwrap();
        let mut out = Vec::new();
        let err = apply(dir.path(), &files, Mode::Write { force: false }, &mut out).unwrap_err();
        assert!(err.to_string().contains("nothing was written"), "{err}");
        assert!(!dir.path().join("a/Dockerfile").exists());
        let left: Vec<_> = std::fs::read_dir(dir.path().join("a")).unwrap().collect();
        assert!(left.is_empty(), "temporary files left behind: {left:?}");
        assert!(out.is_empty());
    }

    #[test]
    fn with_many_files_staged_at_once_one_failure_still_means_none_is_written() {
        let dir = tempfile::tempdir().unwrap();
        // Enough files for several threads; the one that cannot be written is in the middle.
        let mut files: Vec<GeneratedFile> = (0..60)
            .map(|i| file(&format!("s{i:02}/Dockerfile"), "FROM x\n"))
            .collect();
        files.insert(30, file("missing/Dockerfile", "FROM y\n"));
        for i in 0..60 {
            std::fs::create_dir(dir.path().join(format!("s{i:02}"))).unwrap();
        }
        let mut out = Vec::new();
        let err = apply(dir.path(), &files, Mode::Write { force: false }, &mut out).unwrap_err();
        assert!(err.to_string().contains("missing/Dockerfile"), "{err}");
        assert!(err.to_string().contains("nothing was written"), "{err}");
        for i in 0..60 {
            let left: Vec<_> = std::fs::read_dir(dir.path().join(format!("s{i:02}")))
                .unwrap()
                .collect();
            assert!(left.is_empty(), "s{i:02}: files left behind: {left:?}");
        }
        assert!(out.is_empty());

        // Once the folder exists, every file is written and named in order.
        std::fs::create_dir(dir.path().join("missing")).unwrap();
        let o = apply(dir.path(), &files, Mode::Write { force: false }, &mut out).unwrap();
        assert_eq!(o.created.len(), 61);
        let printed = String::from_utf8(out).unwrap();
        let expected: String = files
            .iter()
            .map(|f| format!("created {}\n", f.path))
            .collect();
        assert_eq!(printed, expected);
    }

    /// `files`, planned as new files in `dir`.
    fn new_files<'f>(dir: &Path, files: &'f [GeneratedFile]) -> Vec<Planned<'f>> {
        files
            .iter()
            .map(|f| Planned {
                file: f,
                path: dir.join(&f.path),
                new: f.text(),
                old: None,
                mode: None,
                status: Status::Create,
            })
            .collect()
    }

    #[test]
    fn a_new_file_that_appears_before_it_is_put_in_place_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let files = [file("Dockerfile", "FROM x\n")];
        let planned = new_files(dir.path(), &files);
        let changed: Vec<&Planned> = planned.iter().collect();
        let at = dir.path().join("Dockerfile");
        let staged = vec![stage_new_or_named(changed[0], &at).unwrap()];
        // Staged as a new file; then something else writes one there first.
        std::fs::write(&at, "FROM someone-else\n").unwrap();
        let mut out = Vec::new();
        rename_all(staged, &changed, &mut out).unwrap();
        assert_eq!(std::fs::read_to_string(&at).unwrap(), files[0].text());
        assert_eq!(String::from_utf8(out).unwrap(), "created Dockerfile\n");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["Dockerfile"]);
    }

    #[test]
    fn a_failed_rename_is_the_error_and_the_other_files_are_still_renamed_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        // `b` is a folder with a file in it: a file cannot be renamed over it.
        std::fs::create_dir_all(dir.path().join("b/x")).unwrap();
        let files = [file("a", "A\n"), file("b", "B\n"), file("c", "C\n")];
        let planned = new_files(dir.path(), &files);
        let changed: Vec<&Planned> = planned.iter().collect();
        let staged = changed
            .iter()
            .map(|p| Staged::Named(stage(&p.path, p.new.as_bytes(), None).unwrap()))
            .collect();
        let mut out = Vec::new();
        let err = rename_all(staged, &changed, &mut out).unwrap_err();
        assert!(err.to_string().contains("/b"), "{err}");
        assert_eq!(String::from_utf8(out).unwrap(), "created a\ncreated c\n");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("c")).unwrap(),
            files[2].text()
        );
        // No temporary file is left behind.
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a", "b", "c"]);
    }
}
