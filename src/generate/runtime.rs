//! The per-service settings that shape how an image runs, for every ecosystem
//! (`[generate.services.<name>]` of isogen.toml): `cmd`/`args`, `expose`, `healthcheck` with its
//! timings, and `writable` folders (owned by the service's user, optionally a `VOLUME`). Their
//! shapes are checked while isogen.toml is read (so a bad value is named with its file, line
//! and column); what depends on the service (its working directory, the app root) is checked
//! here and turned into template variables.
//!
//! Pure: nothing here reads or writes files.

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::workspace::path::is_plain_path;

/// A health check: a shell command line, an exec-form argument list, or a table with the
/// command and Docker's timings (`{ cmd = [...], interval = "30s", retries = 3 }`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Healthcheck {
    Shell(String),
    Exec(Vec<String>),
    Options(Box<HealthcheckOptions>),
}

impl Healthcheck {
    /// The command: itself, or the `cmd` of the table form (never a table).
    pub fn command(&self) -> &Healthcheck {
        match self {
            Healthcheck::Options(o) => &o.cmd,
            other => other,
        }
    }
}

/// The table form of `healthcheck`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HealthcheckOptions {
    /// The command (a shell line or an exec-form list; not a table).
    pub cmd: Healthcheck,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub start_period: Option<Duration>,
    pub start_interval: Option<Duration>,
    pub retries: Option<u32>,
}

/// A Go duration as Docker reads `HEALTHCHECK --interval=...`: `30s`, `1m30s`, `500ms`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Duration(pub String);

/// A folder the service writes to: a path, or `{ path = "data", volume = true }`. Relative
/// paths are relative to the service's working directory.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Writable {
    pub path: String,
    pub volume: bool,
}

impl<'de> Deserialize<'de> for Healthcheck {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Healthcheck;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a shell command line, an exec-form list, or a table `{ cmd = ..., \
                     interval = \"30s\", timeout = \"5s\", start_period = \"10s\", retries = 3 }`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Healthcheck, E> {
                Ok(Healthcheck::Shell(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                seq: A,
            ) -> std::result::Result<Healthcheck, A::Error> {
                Vec::<String>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(Healthcheck::Exec)
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<Healthcheck, A::Error> {
                let o =
                    HealthcheckOptions::deserialize(de::value::MapAccessDeserializer::new(map))?;
                if matches!(o.cmd, Healthcheck::Options(_)) {
                    return Err(de::Error::custom(
                        "healthcheck `cmd` is a shell line or a list, not a table",
                    ));
                }
                Ok(Healthcheck::Options(Box::new(o)))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if is_duration(&text) {
            Ok(Duration(text))
        } else {
            Err(de::Error::custom(format!(
                "{text:?} is not a duration (expected e.g. \"30s\", \"1m30s\", \"500ms\")"
            )))
        }
    }
}

impl<'de> Deserialize<'de> for Writable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            path: String,
            #[serde(default)]
            volume: bool,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Writable;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a folder, or a table `{ path = \"data\", volume = true }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Writable, E> {
                Ok(Writable {
                    path: v.to_string(),
                    volume: false,
                })
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<Writable, A::Error> {
                let t = Table::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Writable {
                    path: t.path,
                    volume: t.volume,
                })
            }
        }
        let w = d.deserialize_any(V)?;
        let clean = w.path.trim_end_matches('/');
        if clean.is_empty() || !is_plain_path(clean) || clean.split('/').any(|p| p == "..") {
            return Err(de::Error::custom(format!(
                "writable {:?}: expected a plain folder path (letters, digits, `/._-@+:~`; no \
                 `..`)",
                w.path
            )));
        }
        Ok(w)
    }
}

/// `30s`, `1m30s`, `1h`, `500ms`, `2us`: one or more `<digits><unit>`.
pub(crate) fn is_duration(s: &str) -> bool {
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let Some(unit) = ["ns", "us", "ms", "s", "m", "h"]
            .into_iter()
            .find(|u| rest.starts_with(u))
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

/// A writable folder as the templates get it: absolute.
#[derive(Debug, Clone, Serialize)]
pub struct WritableDir {
    pub path: String,
    pub volume: bool,
}

/// The run-time template variables of one service (besides `env`, which the ecosystems share
/// already).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunContext {
    /// The ports to `EXPOSE`: `port`, then `expose`, without repeats.
    pub expose: Vec<u16>,
    /// The health check's command (`HEALTHCHECK CMD ...`), a shell line or a list.
    pub healthcheck: Option<Healthcheck>,
    /// `--interval=30s` ... before `CMD` in `HEALTHCHECK`.
    pub healthcheck_options: Vec<String>,
    /// Folders created empty and owned by the service's user.
    pub writable: Vec<WritableDir>,
    /// Their missing parents, created empty and owned by root first (so only the folder itself
    /// is the user's), shallowest first.
    pub writable_parents: Vec<String>,
    /// The writable folders marked `volume = true`.
    pub volumes: Vec<String>,
    /// `stop_signal`, for `STOPSIGNAL` (`SIGINT`); none for the runtime's SIGTERM.
    pub stop_signal: Option<String>,
}

/// The settings of one service, checked against where it runs. `section` names it in errors;
/// `workdir` is its working directory in the image; `app_root` the app root.
pub struct RunSettings<'a> {
    pub section: &'a str,
    pub port: Option<u16>,
    pub expose: &'a [u16],
    pub healthcheck: Option<&'a Healthcheck>,
    pub writable: &'a [Writable],
    pub stop_signal: Option<&'a super::stop_signal::StopSignal>,
    pub workdir: &'a str,
    pub app_root: &'a str,
}

impl RunSettings<'_> {
    pub fn context(&self, config_path: &Path) -> Result<RunContext> {
        let bad = |what: String| Error::config(config_path, format!("{} {what}", self.section));
        let mut expose: Vec<u16> = Vec::new();
        for &p in self.port.iter().chain(self.expose) {
            if p == 0 {
                return Err(bad("expose: 0 is not a port".into()));
            }
            if !expose.contains(&p) {
                expose.push(p);
            }
        }
        let (healthcheck, healthcheck_options) = match self.healthcheck {
            None => (None, Vec::new()),
            Some(Healthcheck::Options(o)) => (Some(o.cmd.clone()), options(o)),
            Some(other) => (Some(other.clone()), Vec::new()),
        };
        if let Some(cmd) = &healthcheck {
            check_command(cmd).map_err(|why| bad(format!("healthcheck: {why}")))?;
        }
        let mut writable = Vec::new();
        for w in self.writable {
            let path = self
                .absolute(&w.path)
                .map_err(|why| bad(format!("writable: {why}")))?;
            if !writable.iter().any(|d: &WritableDir| d.path == path) {
                writable.push(WritableDir {
                    path,
                    volume: w.volume,
                });
            }
        }
        let writable_parents = self.parents(&writable);
        let volumes = writable
            .iter()
            .filter(|w| w.volume)
            .map(|w| w.path.clone())
            .collect();
        Ok(RunContext {
            expose,
            healthcheck,
            healthcheck_options,
            writable,
            writable_parents,
            volumes,
            stop_signal: self.stop_signal.map(|s| s.0.clone()),
        })
    }

    /// `path` made absolute (relative ones from the working directory) and checked: not the
    /// app root or a folder holding it, not a system folder.
    fn absolute(&self, path: &str) -> std::result::Result<String, String> {
        let joined = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}/{path}", self.workdir)
        };
        let parts: Vec<&str> = joined
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        let abs = format!("/{}", parts.join("/"));
        let holds = |inner: &str| inner == abs || inner.starts_with(&format!("{abs}/"));
        // A working directory set outside the app root holds none of the service's files: it
        // may be writable itself (a service that writes beside itself).
        let own_workdir = !self.workdir.starts_with(&format!("{}/", self.app_root))
            && self.workdir != self.app_root;
        let is_workdir = own_workdir && abs == self.workdir;
        if parts.is_empty() || holds(self.app_root) || (holds(self.workdir) && !is_workdir) {
            return Err(format!(
                "{path:?} is {abs}, which holds the service's own files: name a folder inside \
                 it (e.g. \"data\")"
            ));
        }
        const SYSTEM: &[&str] = &["/tmp", "/var/tmp", "/proc", "/sys", "/dev", "/etc", "/usr"];
        if let Some(sys) = SYSTEM
            .iter()
            .find(|s| abs == **s || abs.starts_with(&format!("{s}/")))
        {
            return Err(format!(
                "{path:?} is under {sys}, which the image's system owns (/tmp is already \
                 writable by everyone)"
            ));
        }
        Ok(abs)
    }

    /// The folders between `/` and each writable folder that the image does not already have
    /// (the app root, the working directory and the folders holding them exist).
    fn parents(&self, writable: &[WritableDir]) -> Vec<String> {
        let exists = |dir: &str| {
            let holds = |inner: &str| inner == dir || inner.starts_with(&format!("{dir}/"));
            holds(self.app_root) || holds(self.workdir)
        };
        let mut out: Vec<String> = Vec::new();
        for w in writable {
            let mut dir = String::new();
            let parts: Vec<&str> = w.path.split('/').filter(|p| !p.is_empty()).collect();
            for part in &parts[..parts.len().saturating_sub(1)] {
                dir = format!("{dir}/{part}");
                let writable_itself = writable.iter().any(|o| o.path == dir);
                if !exists(&dir) && !writable_itself && !out.contains(&dir) {
                    out.push(dir.clone());
                }
            }
        }
        out.sort_by_key(|d| d.matches('/').count());
        out
    }
}

fn options(o: &HealthcheckOptions) -> Vec<String> {
    let mut out = Vec::new();
    for (flag, value) in [
        ("interval", &o.interval),
        ("timeout", &o.timeout),
        ("start-period", &o.start_period),
        ("start-interval", &o.start_interval),
    ] {
        if let Some(Duration(v)) = value {
            out.push(format!("--{flag}={v}"));
        }
    }
    if let Some(r) = o.retries {
        out.push(format!("--retries={r}"));
    }
    out
}

/// A health check's command: one non-empty shell line, or a non-empty list.
fn check_command(cmd: &Healthcheck) -> std::result::Result<(), String> {
    match cmd {
        Healthcheck::Shell(s) if s.trim().is_empty() || s.contains(['\n', '\r']) => {
            Err("expected one non-empty line (join commands with &&)".into())
        }
        Healthcheck::Exec(v) if v.is_empty() || v[0].is_empty() => {
            Err("the list is empty: name the program first".into())
        }
        _ => Ok(()),
    }
}

/// The exec-form `CMD` of a service: its own `cmd` when set (as written), else `default`; then
/// `args`. `section` names the setting in errors.
pub fn command(
    default: Vec<String>,
    cmd: Option<&[String]>,
    args: &[String],
    section: &str,
    config_path: &Path,
) -> Result<Vec<String>> {
    let mut out = match cmd {
        Some([]) => {
            return Err(Error::config(
                config_path,
                format!("{section} cmd: the list is empty: name the program first"),
            ))
        }
        Some(c) => c.to_vec(),
        None => default,
    };
    out.extend(args.iter().cloned());
    Ok(out)
}

/// `dir` as a `workdir` setting takes it: an absolute plain folder (no `.`/`..`, no trailing
/// slash) outside `app_root` (which holds the binary) and outside the system's folders; `None`
/// when it is not one.
pub fn workdir_folder(dir: &str, app_root: &str) -> Option<String> {
    let clean = dir.trim_end_matches('/');
    let plain = clean.starts_with('/')
        && clean.len() > 1
        && clean
            .split('/')
            .skip(1)
            .all(|p| !p.is_empty() && p != "." && p != "..")
        && crate::workspace::path::is_plain_path(clean);
    let inside_app = clean == app_root || clean.starts_with(&format!("{app_root}/"));
    let system = [
        "/bin", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr",
    ]
    .iter()
    .any(|s| clean == *s || clean.starts_with(&format!("{s}/")));
    (plain && !inside_app && !system).then(|| clean.to_string())
}

/// The warning for ports below 1024 in `port`/`expose` (vaultwarden's `EXPOSE 80` with
/// `ROCKET_PORT=80`): the image runs as a non-root user, which Docker lets bind them (it sets
/// `net.ipv4.ip_unprivileged_port_start=0` in the container) but a runtime that keeps the
/// kernel's default (1024; Kubernetes, a host-network run) does not: the service then fails
/// to listen.
pub fn privileged_port_warning(service: &str, ports: impl Iterator<Item = u16>) -> Option<String> {
    let mut low: Vec<u16> = ports.filter(|&p| p < 1024).collect();
    low.dedup();
    let first = *low.first()?;
    let list = low
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "service `{service}`: port {list} in [generate.services.{service}] is below 1024, and \
         the image runs as a non-root user: Docker lets it listen there (it sets \
         net.ipv4.ip_unprivileged_port_start=0 in the container), Kubernetes and other \
         runtimes that keep the kernel's default (1024) do not, and the service then fails to \
         start. Make it listen on a port of 1024 or more (its own setting, in `env`) and \
         publish that (`expose = [{}]`), or map the low port outside the container",
        u32::from(first) + 8000
    ))
}

#[cfg(test)]
mod port_tests {
    use super::privileged_port_warning;

    #[test]
    fn a_port_below_1024_is_named_with_a_higher_one_to_use() {
        let w = privileged_port_warning("vaultwarden", [80, 3012].into_iter()).unwrap();
        assert!(
            w.contains("port 80 in [generate.services.vaultwarden] is below 1024"),
            "{w}"
        );
        assert!(w.contains("`expose = [8080]`"), "{w}");
        assert_eq!(
            privileged_port_warning("api", [3000, 8080].into_iter()),
            None
        );
    }
}
