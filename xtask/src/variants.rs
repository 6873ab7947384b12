//! Deliberately bad images: each is a good service's Dockerfile changed by a small edit, built
//! like the good ones, exported, and then `isogen verify` must flag it with the listed rule(s).
//!
//! This is the one place to add a bad variant: append to [`VARIANTS`]. The edit is applied to
//! the service's (generated) Dockerfile text; an edit whose anchor text is not found fails the
//! run rather than silently building a good image.

/// One bad image to build and check.
pub struct Variant {
    /// Unique, used in the image name and file names (`[a-z0-9-]`).
    pub name: &'static str,
    /// The service whose Dockerfile it starts from (folder name).
    pub service: &'static str,
    /// What is wrong with it, in words (printed, and written to the manifest).
    pub why: &'static str,
    /// Applied in order to the Dockerfile text.
    pub edits: &'static [Edit],
    /// What `isogen verify` must say about it.
    pub expect: Expect,
}

#[allow(dead_code)] // every form is offered to whoever adds a variant
pub enum Edit {
    /// Append these lines at the end of the Dockerfile (inside the final stage, after CMD).
    Append(&'static str),
    /// Append these lines at the end, run as root (`USER 0` before, the final stage's last
    /// `USER` restored after), for steps that need to write outside the app user's reach.
    AppendAsRoot(&'static str),
    /// Replace the first occurrence of `from`, which must be present.
    Replace {
        from: &'static str,
        to: &'static str,
    },
}

/// The verdict a variant must get.
#[allow(dead_code)] // `AnyError` is for a variant whose exact rules are still open
pub enum Expect {
    /// Exit 1 with exactly these error-level rule ids (order does not matter).
    Rules(&'static [&'static str]),
    /// Exit 1, whatever the rule ids (a placeholder until the rule ids are fixed).
    AnyError,
}

/// The bad variants: one or more per rule of docs/verify.md (rule ids are the verifier's).
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "billing-root-user",
        service: "billing",
        why: "the final stage switches back to root",
        edits: &[Edit::Append("USER root")],
        expect: Expect::Rules(&["user-root"]),
    },
    Variant {
        name: "billing-pnpm-left-in",
        service: "billing",
        why: "pnpm installed globally in the runtime stage",
        edits: &[Edit::AppendAsRoot("RUN npm install -g pnpm@9.15.9")],
        expect: Expect::Rules(&["workspace-tooling"]),
    },
    Variant {
        name: "billing-sources-left-in",
        service: "billing",
        why: "the service's TypeScript sources and tsconfig copied into the runtime stage",
        edits: &[Edit::AppendAsRoot(
            "COPY services/billing/src /app/services/billing/src\n\
             COPY services/billing/tsconfig.json /app/services/billing/tsconfig.json",
        )],
        expect: Expect::Rules(&["sources"]),
    },
    Variant {
        name: "billing-npmrc-token-hidden",
        service: "billing",
        why: "an .npmrc with a registry token written in one layer and deleted in the next: \
              it still ships in the image",
        edits: &[Edit::AppendAsRoot(
            "RUN echo '//registry.npmjs.org/:_authToken=npm_9fK2xQ7mB4vL1zR8tY3wN6pC0sD5hJ2aE7uG' > /app/.npmrc\n\
             RUN rm /app/.npmrc",
        )],
        expect: Expect::Rules(&["secret-npmrc"]),
    },
];

/// Applies a variant's edits to a good Dockerfile.
pub fn apply(variant: &Variant, dockerfile: &str) -> Result<String, String> {
    let mut text = dockerfile.to_owned();
    for edit in variant.edits {
        match edit {
            Edit::Append(lines) => {
                ensure_newline(&mut text);
                text.push_str(lines);
                text.push('\n');
            }
            Edit::AppendAsRoot(lines) => {
                let user = last_user(&text).ok_or_else(|| {
                    format!(
                        "variant {}: AppendAsRoot needs a USER instruction in the Dockerfile",
                        variant.name
                    )
                })?;
                ensure_newline(&mut text);
                text.push_str(&format!("USER 0\n{lines}\nUSER {user}\n"));
            }
            Edit::Replace { from, to } => {
                if !text.contains(from) {
                    return Err(format!(
                        "variant {}: the text to replace is not in the Dockerfile: {from:?}",
                        variant.name
                    ));
                }
                text = text.replacen(from, to, 1);
            }
        }
    }
    Ok(text)
}

fn ensure_newline(text: &mut String) {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
}

/// The argument of the last `USER` instruction.
fn last_user(dockerfile: &str) -> Option<String> {
    dockerfile.lines().rev().find_map(|line| {
        let line = line.trim();
        let (keyword, rest) = line.split_once(char::is_whitespace)?;
        keyword
            .eq_ignore_ascii_case("USER")
            .then(|| rest.trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "FROM x AS runtime\nUSER 10001:10001\nCMD [\"node\", \"/app/main.js\"]\n";

    #[test]
    fn names_are_unique_and_services_exist_in_the_example() {
        let mut names: Vec<_> = VARIANTS.iter().map(|v| v.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), VARIANTS.len(), "duplicate variant name");
        for v in VARIANTS {
            assert!(
                v.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                v.name
            );
        }
    }

    #[test]
    fn append_as_root_restores_the_user() {
        let v = Variant {
            name: "t",
            service: "s",
            why: "",
            edits: &[Edit::AppendAsRoot("RUN touch /x")],
            expect: Expect::AnyError,
        };
        let out = apply(&v, GOOD).unwrap();
        assert!(
            out.ends_with("USER 0\nRUN touch /x\nUSER 10001:10001\n"),
            "{out}"
        );
    }

    #[test]
    fn replace_of_missing_text_is_an_error() {
        let v = Variant {
            name: "t",
            service: "s",
            why: "",
            edits: &[Edit::Replace {
                from: "USER nobody",
                to: "USER root",
            }],
            expect: Expect::AnyError,
        };
        assert!(apply(&v, GOOD).unwrap_err().contains("USER nobody"));
    }
}
