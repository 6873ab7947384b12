//! `cargo xtask base-images`: the local base images the generated Dockerfiles start `FROM`.
//!
//! No registry is reachable here, so the Node base image is assembled from this machine's own
//! Node (the `node` binary, npm and corepack, the shared libraries `ldd` names), busybox-static
//! for `/bin/sh` and the usual utilities, minimal `/etc/passwd` and `/etc/group`, and the
//! system CA bundle (the package registries sit behind a TLS proxy whose CA is only in that
//! bundle). It is tagged with the name generated Dockerfiles use by default,
//! `docker.io/library/node:<major>-bookworm-slim`, so an unmodified generated Dockerfile builds.
//!
//! The image is rebuilt only when its inputs change (a digest of the root filesystem and the
//! Containerfile is kept in a label): the storage is shared, and a needless rebuild would give
//! the image a new id and invalidate every `--layers` cache built on top of it.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::cmd::{buildah, Cmd};

/// The label holding the digest of what the image was built from.
pub(crate) const INPUTS_LABEL: &str = "dev.isogen.e2e.inputs-sha256";
/// Where the system CA bundle lives, on the host and in the image.
pub(crate) const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
/// Busybox applets left out: fake package managers would mislead tools that detect the distro.
const SKIPPED_APPLETS: &[&str] = &["dpkg", "dpkg-deb", "rpm", "rpm2cpio", "busybox"];

/// A base image made (or found up to date) by [`build_node`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct BaseImage {
    /// Every name the image is tagged with; the first is the one generated Dockerfiles use.
    pub names: Vec<String>,
    pub id: String,
    /// The Node version inside (`v20.20.2`).
    pub node_version: String,
    /// Whether this run built it (false: it was already up to date).
    pub built: bool,
}

/// The names a Node base image of this major version gets.
pub fn node_image_names(major: &str) -> Vec<String> {
    vec![
        format!("docker.io/library/node:{major}-bookworm-slim"),
        format!("localhost/isogen-e2e/node-base:{major}"),
    ]
}

/// Builds the Node base image into the shared storage, or leaves it when already up to date.
/// `work_dir` receives the root filesystem tarball and the Containerfile.
pub fn build_node(work_dir: &Path) -> Result<BaseImage> {
    let node = which("node")?;
    let node_version = Cmd::new(&node).arg("--version").read()?;
    let major = node_version
        .trim_start_matches('v')
        .split('.')
        .next()
        .filter(|m| !m.is_empty())
        .with_context(|| format!("unexpected `node --version` output {node_version:?}"))?
        .to_owned();
    let names = node_image_names(&major);

    fs::create_dir_all(work_dir).with_context(|| format!("creating {}", work_dir.display()))?;
    let rootfs = RootFs::for_node(&node)?;
    let containerfile = node_containerfile(&node_version);

    // Writing and hashing the ~120 MB tarball is the slow part; a digest of the sources'
    // metadata, remembered beside it, says whether the last computed inputs digest still holds.
    let sources = rootfs.sources_digest(&containerfile)?;
    let memo_path = work_dir.join("inputs.memo");
    let memo = fs::read_to_string(&memo_path).unwrap_or_default();
    if let Some((memo_sources, memo_inputs)) = memo.trim().split_once(' ') {
        if memo_sources == sources {
            if let Some(image) = up_to_date(&names, memo_inputs, &node_version)? {
                return Ok(image);
            }
        }
    }

    let tar_path = work_dir.join("rootfs.tar");
    let rootfs_digest = rootfs
        .write_tar(&tar_path)
        .with_context(|| format!("writing {}", tar_path.display()))?;
    let inputs = hex(&Sha256::new()
        .chain_update(rootfs_digest.as_bytes())
        .chain_update(containerfile.as_bytes())
        .finalize());
    fs::write(&memo_path, format!("{sources} {inputs}\n"))
        .with_context(|| format!("writing {}", memo_path.display()))?;
    if let Some(image) = up_to_date(&names, &inputs, &node_version)? {
        let _ = fs::remove_file(&tar_path);
        return Ok(image);
    }

    let id = build_from_rootfs(work_dir, &containerfile, &names, &inputs)?;
    // The tarball is only an input of the build; keep target/ small.
    let _ = fs::remove_file(&tar_path);
    Ok(BaseImage {
        names,
        id,
        node_version,
        built: true,
    })
}

/// The host Node's full image, `node:<major>-bookworm`: the base image's files plus python3,
/// make and g++ and the host's Node headers (`<prefix>/include/node`, with
/// `npm_config_nodedir` so node-gyp does not download them), for the build stages of services
/// whose dependencies compile native addons. Built only on request (`--full`, or by e2e when a
/// Dockerfile asks for it).
pub fn build_node_full(work_dir: &Path) -> Result<BaseImage> {
    let node = which("node")?;
    let node_version = Cmd::new(&node).arg("--version").read()?;
    let major = node_version
        .trim_start_matches('v')
        .split('.')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut fs = RootFs::for_node(&node)?;
    crate::node_release::add_toolchain(&mut fs)?;
    let prefix = canonical(&node)?
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .context("node's folder has no parent")?;
    let headers = prefix.join("include/node");
    if !headers.join("node_api.h").is_file() {
        bail!(
            "no Node headers at {} (apt-get install libnode-dev, or the nodejs package that ships them)",
            headers.display()
        );
    }
    fs.add_tree_at(&headers, &headers)?;
    let containerfile = node_containerfile(&node_version).replace(
        &format!("NODE_EXTRA_CA_CERTS={CA_BUNDLE}\n"),
        &format!(
            "NODE_EXTRA_CA_CERTS={CA_BUNDLE} \\\n    npm_config_nodedir={}\n",
            prefix.display()
        ),
    );
    crate::node_release::build_image(
        &fs,
        &containerfile,
        &crate::node_release::full_names(&major),
        work_dir,
        node_version.trim_start_matches('v'),
    )
}

/// Builds `containerfile` in `work_dir` (which holds the `rootfs.tar` it adds), labelled with
/// `inputs` and tagged with every name; returns the image id.
pub(crate) fn build_from_rootfs(
    work_dir: &Path,
    containerfile: &str,
    names: &[String],
    inputs: &str,
) -> Result<String> {
    let containerfile_path = work_dir.join("Containerfile");
    fs::write(&containerfile_path, containerfile)
        .with_context(|| format!("writing {}", containerfile_path.display()))?;
    let mut bud = buildah().args(["bud", "--isolation", "chroot", "--quiet"]);
    bud = bud.args(["--label", &format!("{INPUTS_LABEL}={inputs}")]);
    for name in names {
        bud = bud.args(["-t", name]);
    }
    Ok(bud
        .arg("-f")
        .arg(&containerfile_path)
        .arg(work_dir)
        .read()?
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned())
}

/// The image, tagged with every name, when it exists and was built from these inputs.
fn up_to_date(names: &[String], inputs: &str, node_version: &str) -> Result<Option<BaseImage>> {
    let Some(id) = up_to_date_image(&names[0], inputs)? else {
        return Ok(None);
    };
    eprintln!("base-images: {} is up to date ({id:.12})", names[0]);
    for name in &names[1..] {
        buildah().args(["tag", &id, name]).quiet().read()?;
    }
    Ok(Some(BaseImage {
        names: names.to_vec(),
        id,
        node_version: node_version.to_owned(),
        built: false,
    }))
}

/// The image id when an image of that name exists and was built from these inputs.
pub(crate) fn up_to_date_image(name: &str, inputs: &str) -> Result<Option<String>> {
    let out = buildah()
        .args(["inspect", "--type", "image", "--format"])
        .arg(format!(
            "{{{{.FromImageID}}}} {{{{index .OCIv1.Config.Labels \"{INPUTS_LABEL}\"}}}}"
        ))
        .arg(name)
        .quiet()
        .output_raw()?;
    if !out.status.success() {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.split_whitespace();
    match (fields.next(), fields.next()) {
        (Some(id), Some(label)) if label == inputs => Ok(Some(id.to_owned())),
        _ => Ok(None),
    }
}

fn node_containerfile(node_version: &str) -> String {
    // PATH and HOME as the official image has them; NODE_EXTRA_CA_CERTS so that Node (and
    // pnpm, which npm's cafile does not reach) trusts the registry proxy.
    format!(
        "FROM scratch\n\
         ADD rootfs.tar /\n\
         ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\\n    \
         HOME=/root \\\n    \
         NODE_VERSION={version} \\\n    \
         NODE_EXTRA_CA_CERTS={CA_BUNDLE}\n\
         LABEL org.opencontainers.image.title=\"node\" \\\n      \
         org.opencontainers.image.description=\"Local Node base image made by cargo xtask base-images from the host's Node\"\n\
         CMD [\"node\"]\n",
        version = node_version.trim_start_matches('v'),
    )
}

/// An entry of the root filesystem being assembled, keyed by its absolute path in the image.
pub(crate) enum Entry {
    Dir { mode: u32 },
    File { source: PathBuf, mode: u32 },
    Bytes { data: Vec<u8>, mode: u32 },
    Symlink { target: PathBuf },
}

/// The root filesystem of a base image, built up from host files.
pub(crate) struct RootFs {
    pub(crate) entries: BTreeMap<PathBuf, Entry>,
}

impl RootFs {
    pub(crate) fn new() -> Self {
        RootFs {
            entries: BTreeMap::new(),
        }
    }

    /// The host's merged-/usr symlinks (`/bin -> usr/bin`, ...), so paths baked into binaries
    /// (the ELF interpreter `/lib64/ld-linux-x86-64.so.2`) resolve.
    pub(crate) fn merged_usr(&mut self) {
        for top in ["/bin", "/sbin", "/lib", "/lib64"] {
            if let Ok(target) = fs::read_link(top) {
                self.entries.insert(top.into(), Entry::Symlink { target });
            }
        }
    }

    /// `/tmp`, `/var/tmp` (sticky) and `/root`.
    pub(crate) fn system_dirs(&mut self) {
        self.entries
            .insert("/tmp".into(), Entry::Dir { mode: 0o1777 });
        self.entries
            .insert("/var/tmp".into(), Entry::Dir { mode: 0o1777 });
        self.entries
            .insert("/root".into(), Entry::Dir { mode: 0o700 });
    }

    /// What a base that builds needs besides its tools: root and nobody in `/etc/passwd` and
    /// `/etc/group`, NSS order, the host's CA bundle (the registries are behind a TLS proxy),
    /// and the system folders.
    pub(crate) fn builder_basics(&mut self) -> Result<()> {
        self.add_bytes(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
            0o644,
        );
        self.add_bytes("/etc/group", "root:x:0:\nnogroup:x:65534:\n", 0o644);
        // glibc >= 2.34 has the files and dns NSS modules built in; this makes the order explicit.
        self.add_bytes(
            "/etc/nsswitch.conf",
            "passwd: files\ngroup: files\nhosts: files dns\n",
            0o644,
        );
        self.add_file(Path::new(CA_BUNDLE))?;
        self.system_dirs();
        Ok(())
    }

    fn for_node(node: &Path) -> Result<Self> {
        let mut fs = RootFs::new();
        fs.merged_usr();

        let node = canonical(node)?;
        fs.add_file(&node)?;
        let libs = shared_libraries(&node)?;
        // The rest of glibc that node:<major>-bookworm-slim has and node itself does not link:
        // native addons from npm (libsql's, for one) need librt and friends.
        let libc_dir = libs
            .iter()
            .find(|l| l.file_name().is_some_and(|n| n == "libc.so.6"))
            .and_then(|l| l.parent())
            .map(Path::to_path_buf);
        for lib in &libs {
            fs.add_file(lib)?;
        }
        if let Some(dir) = libc_dir {
            for name in GLIBC_EXTRA {
                let lib = dir.join(name);
                if lib.is_file() && !libs.contains(&lib) {
                    fs.add_file(&lib)?;
                }
            }
        }

        // npm and corepack beside node, with the bin symlinks the host has for them.
        let bin_dir = node
            .parent()
            .context("node has no parent folder")?
            .to_owned();
        let prefix = bin_dir.parent().context("node's folder has no parent")?;
        let modules = prefix.join("lib/node_modules");
        for tool in ["npm", "corepack"] {
            fs.add_tree(&modules.join(tool))
                .with_context(|| format!("copying {tool} (expected at {})", modules.display()))?;
        }
        for link in ["npm", "npx", "corepack"] {
            let path = bin_dir.join(link);
            let target = fs::read_link(&path)
                .with_context(|| format!("{} is not a symlink", path.display()))?;
            fs.entries.insert(path, Entry::Symlink { target });
        }
        // npm's global config: trust the proxy's CA.
        fs.add_bytes(
            prefix.join("etc/npmrc"),
            format!("cafile={CA_BUNDLE}\nupdate-notifier=false\nfund=false\naudit=false\n"),
            0o644,
        );

        fs.add_busybox()?;

        fs.builder_basics()?;
        fs.entries
            .insert("/usr/local/bin".into(), Entry::Dir { mode: 0o755 });
        Ok(fs)
    }

    pub(crate) fn add_bytes(
        &mut self,
        path: impl Into<PathBuf>,
        data: impl Into<Vec<u8>>,
        mode: u32,
    ) {
        self.entries.insert(
            path.into(),
            Entry::Bytes {
                data: data.into(),
                mode,
            },
        );
    }

    /// Adds a host file at its canonical folder (so no path goes through a symlinked folder),
    /// with the content of what it finally points to.
    pub(crate) fn add_file(&mut self, path: &Path) -> Result<()> {
        let parent = path.parent().context("file without a folder")?;
        let name = path.file_name().context("file without a name")?;
        let at = canonical(parent)?.join(name);
        let source = canonical(path)?;
        let meta =
            fs::metadata(&source).with_context(|| format!("reading {}", source.display()))?;
        self.entries.insert(
            at,
            Entry::File {
                source,
                mode: meta.permissions().mode() & 0o7777,
            },
        );
        Ok(())
    }

    /// Adds a host folder tree as it is (symlinks kept as symlinks).
    fn add_tree(&mut self, root: &Path) -> Result<()> {
        self.add_tree_at(root, root)
    }

    /// Adds the host tree `src` (a file or folder; symlinks kept) at `dst` in the image.
    pub(crate) fn add_tree_at(&mut self, src: &Path, dst: &Path) -> Result<()> {
        let meta =
            fs::symlink_metadata(src).with_context(|| format!("reading {}", src.display()))?;
        let mode = meta.mode() & 0o7777;
        if meta.file_type().is_symlink() {
            let target = fs::read_link(src)?;
            self.entries
                .insert(dst.to_owned(), Entry::Symlink { target });
        } else if meta.is_dir() {
            self.entries.insert(dst.to_owned(), Entry::Dir { mode });
            for child in fs::read_dir(src).with_context(|| format!("listing {}", src.display()))? {
                let child = child?;
                self.add_tree_at(&child.path(), &dst.join(child.file_name()))?;
            }
        } else if meta.is_file() {
            self.entries.insert(
                dst.to_owned(),
                Entry::File {
                    source: src.to_owned(),
                    mode,
                },
            );
        }
        Ok(())
    }

    /// busybox as /bin/sh and the usual utilities: one static binary plus applet symlinks,
    /// never replacing a file already placed (node, npm, ...).
    pub(crate) fn add_busybox(&mut self) -> Result<()> {
        let busybox = canonical(&which("busybox")?)?;
        let ldd = Cmd::new("ldd").arg(&busybox).quiet().output_raw()?;
        let ldd_text = String::from_utf8_lossy(&ldd.stdout).to_string()
            + &String::from_utf8_lossy(&ldd.stderr);
        if !(ldd_text.contains("not a dynamic executable")
            || ldd_text.contains("statically linked"))
        {
            bail!(
                "{} is not statically linked; install busybox-static (apt-get install busybox-static)",
                busybox.display()
            );
        }
        let bin = canonical(Path::new("/bin"))?;
        self.entries.insert(
            bin.join("busybox"),
            Entry::File {
                source: busybox.clone(),
                mode: 0o755,
            },
        );
        // The shell of system accounts (`nobody`, and the app user generated Dockerfiles add).
        self.entries.insert(
            "/usr/sbin/nologin".into(),
            Entry::Symlink {
                target: bin.join("busybox"),
            },
        );
        let list = Cmd::new(&busybox).arg("--list").quiet().read()?;
        for applet in list.lines().map(str::trim) {
            if applet.is_empty() || applet.contains('/') || SKIPPED_APPLETS.contains(&applet) {
                continue;
            }
            let at = bin.join(applet);
            self.entries.entry(at).or_insert_with(|| Entry::Symlink {
                target: "busybox".into(),
            });
        }
        Ok(())
    }

    /// A digest of what the tarball would hold, from metadata only (paths, modes, sizes and
    /// modification times of host files; inline content; link targets).
    pub(crate) fn sources_digest(&self, containerfile: &str) -> Result<String> {
        let mut hasher = Sha256::new();
        hasher.update(containerfile.as_bytes());
        for (at, entry) in &self.entries {
            hasher.update(at.to_string_lossy().as_bytes());
            match entry {
                Entry::Dir { mode } => hasher.update(format!("\0dir {mode}\0")),
                Entry::File { source, mode } => {
                    let meta = fs::metadata(source)
                        .with_context(|| format!("reading {}", source.display()))?;
                    hasher.update(format!(
                        "\0file {mode} {} {} {} {}\0",
                        source.display(),
                        meta.len(),
                        meta.mtime(),
                        meta.mtime_nsec()
                    ));
                }
                Entry::Bytes { data, mode } => {
                    hasher.update(format!("\0bytes {mode}\0"));
                    hasher.update(data);
                }
                Entry::Symlink { target } => {
                    hasher.update(format!("\0link {}\0", target.display()))
                }
            }
        }
        Ok(hex(&hasher.finalize()))
    }

    /// Writes the tarball (owner root, parents before children) and returns its sha256.
    pub(crate) fn write_tar(&self, path: &Path) -> Result<String> {
        let file = fs::File::create(path)?;
        let mut tar = tar::Builder::new(HashingWriter {
            inner: io::BufWriter::new(file),
            hasher: Sha256::new(),
        });
        tar.follow_symlinks(false);
        let mut dirs_done = std::collections::BTreeSet::new();
        for (at, entry) in &self.entries {
            // Parents that no entry names explicitly get 0755 (BTreeMap order puts explicit
            // parents first, since a path sorts before its children).
            for ancestor in at.ancestors().skip(1).collect::<Vec<_>>().into_iter().rev() {
                if ancestor == Path::new("/") || dirs_done.contains(ancestor) {
                    continue;
                }
                dirs_done.insert(ancestor.to_owned());
                if !self.entries.contains_key(ancestor) {
                    append(&mut tar, ancestor, &Entry::Dir { mode: 0o755 })?;
                }
            }
            if matches!(entry, Entry::Dir { .. }) {
                dirs_done.insert(at.clone());
            }
            append(&mut tar, at, entry)?;
        }
        let mut writer = tar.into_inner()?;
        writer.flush()?;
        Ok(hex(&writer.hasher.finalize()))
    }
}

fn append<W: Write>(tar: &mut tar::Builder<W>, at: &Path, entry: &Entry) -> Result<()> {
    let name = at.strip_prefix("/").unwrap_or(at);
    let mut header = tar::Header::new_gnu();
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    match entry {
        Entry::Dir { mode } => {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(*mode);
            header.set_size(0);
            tar.append_data(&mut header, name, io::empty())?;
        }
        Entry::File { source, mode } => {
            let file =
                fs::File::open(source).with_context(|| format!("reading {}", source.display()))?;
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(*mode);
            header.set_size(file.metadata()?.len());
            tar.append_data(&mut header, name, file)?;
        }
        Entry::Bytes { data, mode } => {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(*mode);
            header.set_size(data.len() as u64);
            tar.append_data(&mut header, name, data.as_slice())?;
        }
        Entry::Symlink { target } => {
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_mode(0o777);
            header.set_size(0);
            tar.append_link(&mut header, name, target)?;
        }
    }
    Ok(())
}

/// glibc libraries of the Debian slim images beyond what node links (see `for_node`).
pub(crate) const GLIBC_EXTRA: &[&str] = &[
    "librt.so.1",
    "libdl.so.2",
    "libpthread.so.0",
    "libutil.so.1",
    "libresolv.so.2",
    "libm.so.6",
];

/// The shared libraries `ldd` lists for a binary, the dynamic loader included.
pub(crate) fn shared_libraries(binary: &Path) -> Result<Vec<PathBuf>> {
    let out = Cmd::new("ldd").arg(binary).quiet().read()?;
    let mut libs = Vec::new();
    for line in out.lines() {
        // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
        let path = match line.split_once("=>") {
            Some((_, rest)) => rest.split_whitespace().next(),
            None => line.split_whitespace().next(),
        };
        if let Some(path) = path.filter(|p| p.starts_with('/')) {
            libs.push(PathBuf::from(path));
        } else if line.contains("not found") {
            bail!("ldd {}: {}", binary.display(), line.trim());
        }
    }
    Ok(libs)
}

pub(crate) fn which(program: &str) -> Result<PathBuf> {
    let paths = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .with_context(|| format!("`{program}` is not on PATH"))
}

pub(crate) fn canonical(path: &Path) -> Result<PathBuf> {
    fs::canonicalize(path).with_context(|| format!("resolving {}", path.display()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Passes writes through while hashing them.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Proves the Node base image can do what a generated Dockerfile's build stages need:
/// install pnpm with npm, and install a package from the npm registry with pnpm.
pub fn smoke_test(image: &str, pnpm_version: &str, work_dir: &Path) -> Result<()> {
    let dir = work_dir.join("smoke");
    fs::create_dir_all(&dir)?;
    let containerfile = format!(
        "FROM {image}\n\
         RUN npm install -g pnpm@{pnpm_version} && pnpm --version\n\
         RUN mkdir /smoke && cd /smoke && echo '{{\"name\":\"smoke\",\"version\":\"1.0.0\"}}' > package.json \\\n \
         && pnpm add is-number@7 && node -e 'console.log(\"is-number:\", require(\"is-number\")(5))'\n"
    );
    fs::write(dir.join("Containerfile"), containerfile)?;
    buildah()
        .args([
            "bud",
            "--isolation",
            "chroot",
            "--layers=false",
            "-t",
            "localhost/isogen-e2e/node-smoke:latest",
            "-f",
        ])
        .arg(dir.join("Containerfile"))
        .arg(&dir)
        .run()?;
    let _ = buildah()
        .args(["rmi", "localhost/isogen-e2e/node-smoke:latest"])
        .quiet()
        .output_raw();
    Ok(())
}
