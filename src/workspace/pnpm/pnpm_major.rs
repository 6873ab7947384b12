//! The pnpm major a workspace without `packageManager` implies: the lowest major that reads
//! its lockfile's version and that `engines.pnpm` of the root package.json admits (Flowise
//! says `"engines": { "pnpm": "^10.26.0" }` over a v9 lockfile, which pnpm 9 reads too; pnpm
//! 9 and 10 differ in which install scripts run, so the major matters).
//!
//! It reads the two strings it is given; it never reads a file, and never names a major the
//! lockfile's version rules out.

use nodejs_semver::Range;

/// Where [`implied`] found its major.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `engines.pnpm` narrowed the lockfile's majors.
    Engines,
    /// The lockfile's version alone (no `engines.pnpm`, or one that admits none of them).
    Lockfile,
}

/// The majors of pnpm that write (and read) a lockfile version, oldest first.
fn lockfile_majors(lockfile_version: &str) -> &'static [u64] {
    if lockfile_version.starts_with('9') {
        &[9, 10, 11]
    } else if lockfile_version.starts_with('6') {
        &[8]
    } else if lockfile_version.starts_with("5.4") {
        &[7]
    } else {
        &[]
    }
}

/// The pnpm major to install and why (see the module doc); `None` when the lockfile's
/// version names no pnpm.
pub fn implied(
    lockfile_version: Option<&str>,
    engines_pnpm: Option<&str>,
) -> Option<(u64, Source)> {
    let majors = lockfile_majors(lockfile_version?);
    let first = *majors.first()?;
    let engines = engines_pnpm.and_then(|r| Range::parse(r.trim()).ok());
    let admitted = engines.and_then(|range| {
        majors
            .iter()
            .copied()
            .find(|m| Range::parse(format!("{m}.x")).is_ok_and(|major| range.allows_any(&major)))
    });
    Some(match admitted {
        Some(m) => (m, Source::Engines),
        None => (first, Source::Lockfile),
    })
}

/// Whether the range `engines_pnpm` admits pnpm `version` (an exact version, `8.7.0`, or a
/// major, `8`: any of its releases); `None` when either does not parse (pnpm then has no
/// range to hold the version to, or isogen no version to hold).
pub fn admits(engines_pnpm: &str, version: &str) -> Option<bool> {
    let range = Range::parse(engines_pnpm.trim()).ok()?;
    let version = Range::parse(version.trim()).ok()?;
    Some(range.allows_any(&version))
}

/// The pnpm majors that write a lockfile of `lockfile_version` (for messages: `8`, `9 to 11`).
pub fn writers(lockfile_version: &str) -> Option<String> {
    match lockfile_majors(lockfile_version) {
        [] => None,
        [one] => Some(one.to_string()),
        [first, .., last] => Some(format!("{first} to {last}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_pnpm_admits_a_version_or_a_major_in_its_range() {
        assert_eq!(admits("9", "8.7.0"), Some(false));
        assert_eq!(admits("8", "8.7.0"), Some(true));
        assert_eq!(admits(">=8.15.0", "9.12.3"), Some(true));
        assert_eq!(admits("^10.26.0", "10"), Some(true));
        assert_eq!(admits("^10", "8"), Some(false));
        assert_eq!(admits("please-use-pnpm", "8.7.0"), None);
        assert_eq!(writers("6.0").as_deref(), Some("8"));
        assert_eq!(writers("9.0").as_deref(), Some("9 to 11"));
    }

    #[test]
    fn engines_pnpm_picks_the_major_among_those_the_lockfile_allows() {
        assert_eq!(
            implied(Some("9.0"), Some("^10.26.0")),
            Some((10, Source::Engines))
        );
        assert_eq!(
            implied(Some("9.0"), Some(">=8.15.0")),
            Some((9, Source::Engines))
        );
        assert_eq!(implied(Some("9.0"), None), Some((9, Source::Lockfile)));
        // A range no major of the lockfile meets, or one that does not parse: the lockfile's.
        assert_eq!(
            implied(Some("6.0"), Some("^10")),
            Some((8, Source::Lockfile))
        );
        assert_eq!(
            implied(Some("9.0"), Some("please-use-pnpm")),
            Some((9, Source::Lockfile))
        );
        assert_eq!(implied(None, Some("^10")), None);
    }
}
