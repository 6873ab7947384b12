//! The image's users as the runtime resolves them: `/etc/passwd` and `/etc/group` parsed the way
//! runc's `libcontainer/user` (moby/sys/user) parses them, and a config `User` resolved the way
//! runc's `GetExecUser` resolves it, numbers parsed as Go's `strconv.Atoi` parses them.
//!
//! What runc does and isogen must follow: every line is trimmed and split on `:`; numeric fields
//! that do not parse read as 0 (an empty or malformed uid is root); the first entry matching
//! wins; a numeric `User` is a uid first (`-0`, `+0` and `000` are 0), a name only otherwise.
//! containerd truncates ids to 32 bits, so a uid whose low 32 bits are 0 is root too. This
//! module only computes; it never reports.

/// One line of `/etc/passwd`, as runc reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct PasswdEntry {
    pub name: String,
    pub uid: i64,
    pub gid: i64,
    pub home: String,
    /// The line as written (trimmed), for messages.
    pub line: String,
}

/// One line of `/etc/group`, as runc reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupEntry {
    pub name: String,
    pub gid: i64,
}

/// Go's `strconv.Atoi`: Ok for an optional sign and decimal digits that fit in 64 bits. Err
/// holds what Go returns beside its error (0 for a syntax error, the clamped value when out of
/// range), which is what runc keeps when it ignores the error.
pub fn go_atoi(text: &str) -> Result<i64, i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(0);
    }
    text.parse::<i64>().map_err(|_| {
        if text.starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        }
    })
}

/// runc's numeric field: the value, errors ignored.
fn number(field: Option<&str>) -> i64 {
    field.map_or(0, |f| go_atoi(f).unwrap_or_else(|v| v))
}

/// Lines Go's `bytes.TrimSpace` leaves non-empty, trimmed.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| {
            l.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\u{85}' || c == '\u{a0}')
        })
        .filter(|l| !l.is_empty())
}

/// `name:password:uid:gid:gecos:home:shell`; missing fields are empty (numbers 0).
pub fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    lines(text)
        .map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            PasswdEntry {
                name: f[0].to_string(),
                uid: number(f.get(2).copied()),
                gid: number(f.get(3).copied()),
                home: f.get(5).map(|h| h.to_string()).unwrap_or_default(),
                line: line.to_string(),
            }
        })
        .collect()
}

/// `name:password:gid:members`.
pub fn parse_group(text: &str) -> Vec<GroupEntry> {
    lines(text)
        .map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            GroupEntry {
                name: f[0].to_string(),
                gid: number(f.get(2).copied()),
            }
        })
        .collect()
}

/// Is this id root once a runtime stores it in 32 bits?
pub fn is_root_id(id: i64) -> bool {
    id as u32 == 0
}

/// How `User` resolves.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// The uid the process gets, when it resolves.
    pub uid: Option<i64>,
    /// The passwd entry the user part matched (the first one).
    pub entry: Option<PasswdEntry>,
    /// The gid the explicit group part (`User app:grp`) resolves to, when there is one.
    pub group_gid: Option<i64>,
    /// Why the user or group does not resolve (runc refuses to start the container).
    pub problem: Option<Unresolved>,
}

/// Why `User` does not resolve.
#[derive(Debug, Clone, PartialEq)]
pub enum Unresolved {
    /// A user name and no /etc/passwd.
    NoPasswd,
    /// A user name /etc/passwd does not hold.
    UserNotInPasswd(String),
    /// A group name /etc/group does not hold.
    GroupNotInGroup(String),
}

/// Resolves `spec` (`user[:group]`) as runc does against the image's files (None: no file).
pub fn resolve(
    spec: &str,
    passwd: Option<&[PasswdEntry]>,
    group: Option<&[GroupEntry]>,
) -> Resolution {
    let mut parts = spec.split(':');
    let user = parts.next().unwrap_or("");
    let group_arg = parts.next().unwrap_or("");
    let mut out = Resolution {
        uid: None,
        entry: None,
        group_gid: None,
        problem: None,
    };
    let numeric = go_atoi(user).ok();
    // An empty user part keeps runc's default, uid 0.
    let matches = |e: &&PasswdEntry| match (user.is_empty(), numeric) {
        (true, _) => e.uid == 0,
        (false, Some(uid)) => e.uid == uid,
        (false, None) => e.name == user,
    };
    out.entry = passwd.and_then(|p| p.iter().find(matches)).cloned();
    out.uid = match (&out.entry, numeric) {
        (Some(e), _) => Some(e.uid),
        (None, Some(uid)) => Some(uid),
        (None, None) if user.is_empty() => Some(0),
        (None, None) => {
            out.problem = Some(match passwd {
                Some(_) => Unresolved::UserNotInPasswd(user.to_string()),
                None => Unresolved::NoPasswd,
            });
            None
        }
    };
    if !group_arg.is_empty() {
        let numeric = go_atoi(group_arg).ok();
        let found = group.and_then(|g| {
            g.iter().find(|e| match numeric {
                Some(gid) => e.gid == gid,
                None => e.name == group_arg,
            })
        });
        out.group_gid = found.map(|g| g.gid).or(numeric);
        if out.group_gid.is_none() && out.problem.is_none() {
            out.problem = Some(Unresolved::GroupNotInGroup(group_arg.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_as_go_atoi() {
        assert_eq!(go_atoi("-0"), Ok(0));
        assert_eq!(go_atoi("+0"), Ok(0));
        assert_eq!(go_atoi("000"), Ok(0));
        assert_eq!(go_atoi("4294967296"), Ok(1 << 32));
        assert_eq!(go_atoi(""), Err(0));
        assert_eq!(go_atoi(" 1"), Err(0));
        assert_eq!(go_atoi("0x10"), Err(0));
        assert_eq!(go_atoi("99999999999999999999"), Err(i64::MAX));
    }

    #[test]
    fn passwd_lines_parse_as_runc_parses_them() {
        let p = parse_passwd("  app:x::1000::/app:/bin/sh  \n\nweb:x:1x:1\nshort\n#c:x:5:5\n");
        assert_eq!(p.len(), 4);
        assert_eq!(
            (p[0].name.as_str(), p[0].uid, p[0].home.as_str()),
            ("app", 0, "/app")
        );
        assert_eq!(p[1].uid, 0, "a malformed uid reads as 0");
        assert_eq!((p[2].name.as_str(), p[2].uid), ("short", 0));
        assert_eq!(p[3].name, "#c", "runc has no comments");
        assert_eq!(parse_group("app:x:10001:\n")[0].gid, 10001);
    }

    fn root(spec: &str, passwd: &str) -> bool {
        let p = parse_passwd(passwd);
        resolve(spec, Some(&p), None).uid.is_some_and(is_root_id)
    }

    #[test]
    fn root_in_every_spelling_runc_and_containerd_accept() {
        let passwd = "root:x:0:0::/root:/bin/sh\napp:x:10001:10001::/app:/bin/sh\n";
        for spec in ["0", "-0", "+0", "000", "root", "4294967296", ":1000", "0:0"] {
            assert!(root(spec, passwd), "{spec}");
        }
        for spec in ["10001", "app", "app:app"] {
            assert!(!root(spec, passwd), "{spec}");
        }
        // First match wins; an empty uid is 0.
        assert!(root(
            "app",
            "app:x::1::/:/bin/sh\napp:x:10001:1::/:/bin/sh\n"
        ));
        assert!(!root(
            "app",
            "app:x:10001:1::/:/bin/sh\napp:x:0:0::/:/bin/sh\n"
        ));
        // A numeric user matches a uid, never a name.
        assert!(!root(
            "10001",
            "10001:x:0:0::/:/bin/sh\napp:x:10001:1::/:/bin/sh\n"
        ));
    }

    #[test]
    fn names_that_do_not_resolve_say_why() {
        let p = parse_passwd("app:x:10001:10001::/:/bin/sh\n");
        let r = resolve("ghost", Some(&p), None);
        assert_eq!(r.problem, Some(Unresolved::UserNotInPasswd("ghost".into())));
        let r = resolve("app:staff", Some(&p), Some(&[]));
        assert_eq!(r.problem, Some(Unresolved::GroupNotInGroup("staff".into())));
        let r = resolve("app", None, None);
        assert_eq!(r.problem, Some(Unresolved::NoPasswd));
        assert_eq!(resolve("12345", None, None).uid, Some(12345));
    }
}
