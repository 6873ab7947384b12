//! Deliberately bad images: each is a good service's Dockerfile changed by a small edit, built,
//! exported, and then `isogen verify` must flag it with exactly the listed error-level rule(s).
//!
//! This is the one place to add a bad variant: append to [`VARIANTS`]. The edits are applied
//! to the service's (generated) Dockerfile text; that edited Dockerfile is what the variant
//! *is* (it is written to `target/e2e/variants/<name>/Dockerfile`). An edit whose anchor text
//! is not found fails the run rather than silently building a good image.
//!
//! Building every variant from scratch would repeat the service's whole build (pnpm against the
//! registry, a production install) for each. When every edit touches only the final stage
//! (appended steps, a config instruction replaced), [`plan`] gives an equivalent build on top of
//! the good image instead: the appended steps after `FROM <good image id>`, and a replaced
//! config instruction (`USER`, `CMD`, ...) as its new value appended (config instructions make
//! no layer, and the last one wins). Only a general [`Edit::Replace`] needs the full build.

use crate::export::Format;

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
    /// The archives it is exported as (docker-archive alone is enough to check a rule; a few
    /// variants also go through oci-archive and zstd, so hidden content and whiteouts are read
    /// from every format).
    pub exports: &'static [Format],
    /// A known bug that keeps the verdict from being `expect` yet, described for whoever fixes
    /// it (e2e then reports the mismatch without failing, and fails once it passes, so the
    /// note is removed). `expect` stays what is right.
    pub known_issue: Option<&'static str>,
}

#[allow(dead_code)] // every form is offered to whoever adds a variant
pub enum Edit {
    /// Append these lines at the end of the Dockerfile (inside the final stage, after CMD).
    Append(&'static str),
    /// Append these lines at the end, run as root (`USER 0` before, the final stage's last
    /// `USER` restored after), for steps that need to write outside the app user's reach.
    AppendAsRoot(&'static str),
    /// Replace the final stage's config instruction `from` (a whole line: `USER ...`,
    /// `CMD ...`, `ENTRYPOINT ...`, `ENV ...`, `WORKDIR ...`, `LABEL ...`) with `to`; an empty
    /// `to` removes it. The line must be present in the final stage.
    ReplaceConfig {
        from: &'static str,
        to: &'static str,
    },
    /// Replace the first occurrence of `from`, which must be present, anywhere. The variant is
    /// then built from its whole Dockerfile (minutes), not on top of the good image.
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
    /// Exit 1 with exactly these error-level rule ids, every error-level finding reported as
    /// shipped but hidden (added in one layer, deleted or overwritten in a later one).
    HiddenRules(&'static [&'static str]),
    /// Exit 1, whatever the rule ids (a placeholder until the rule ids are fixed).
    AnyError,
}

const DOCKER: &[Format] = &[Format::Docker];
const DOCKER_OCI: &[Format] = &[Format::Docker, Format::Oci];
const ALL: &[Format] = &[Format::Docker, Format::Oci, Format::Zstd];

/// The bad variants: at least one per error rule of docs/verify.md that an image built from a
/// Dockerfile can break (rule ids are the verifier's, src/verify/diags.rs).
pub const VARIANTS: &[Variant] = &[
    // --- user
    Variant {
        name: "billing-root-user",
        service: "billing",
        why: "the final stage switches back to root",
        edits: &[Edit::Append("USER root")],
        expect: Expect::Rules(&["user-root"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-no-user",
        service: "billing",
        why: "the final stage sets no USER: the image runs as root by default",
        edits: &[Edit::ReplaceConfig {
            from: "USER 10001:10001",
            to: "",
        }],
        expect: Expect::Rules(&["user-unset"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-unknown-uid",
        service: "billing",
        why: "USER names a uid:gid that /etc/passwd does not have",
        edits: &[Edit::ReplaceConfig {
            from: "USER 10001:10001",
            to: "USER 12345:12345",
        }],
        expect: Expect::Rules(&["user-unresolvable"]),
        exports: DOCKER,
        known_issue: None,
    },
    // --- workspace tooling
    Variant {
        name: "billing-pnpm-left-in",
        service: "billing",
        why: "pnpm installed globally in the runtime stage",
        edits: &[Edit::AppendAsRoot("RUN npm install -g pnpm@9.15.9")],
        expect: Expect::Rules(&["workspace-tooling"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-workspace-file",
        service: "billing",
        why: "pnpm-workspace.yaml copied into the app root",
        edits: &[Edit::Append(
            "COPY pnpm-workspace.yaml /app/pnpm-workspace.yaml",
        )],
        expect: Expect::Rules(&["workspace-tooling"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-workspace-spec",
        service: "billing",
        why: "the service's manifest keeps a `workspace:` spec whose package is not installed where Node looks (its node_modules link removed), so the service's `require(\"@acme/logger\")` would throw MODULE_NOT_FOUND",
        edits: &[Edit::AppendAsRoot(
            "COPY services/billing/package.json /app/services/billing/package.json\n\
             RUN rm /app/services/billing/node_modules/@acme/logger",
        )],
        expect: Expect::Rules(&["module-not-found", "workspace-protocol"]),
        exports: DOCKER_OCI,
        known_issue: None,
    },
    // --- other services, layout
    Variant {
        name: "billing-other-service",
        service: "billing",
        why: "another service's manifest (catalog) copied into the image",
        edits: &[Edit::AppendAsRoot(
            "COPY services/catalog/package.json /app/services/catalog/package.json",
        )],
        expect: Expect::Rules(&["other-service"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-other-service-deleted",
        service: "billing",
        why: "another service copied in one layer and deleted in the next: it still ships",
        edits: &[Edit::AppendAsRoot(
            "COPY services/catalog/package.json /app/services/catalog/package.json\n\
             RUN rm -rf /app/services/catalog",
        )],
        expect: Expect::HiddenRules(&["other-service"]),
        exports: ALL,
        known_issue: None,
    },
    Variant {
        name: "billing-unused-package",
        service: "billing",
        why: "an internal package the service does not use (http-kit) under the app root",
        edits: &[Edit::AppendAsRoot(
            "COPY packages/http-kit/package.json /app/packages/http-kit/package.json",
        )],
        expect: Expect::Rules(&["app-root-foreign"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-internal-extra",
        service: "billing",
        why: "an internal package ships its tests, not only dist and package.json",
        edits: &[Edit::AppendAsRoot(
            "RUN mkdir -p /app/packages/logger/test \
             && echo \"require('node:assert').ok(require('..'))\" > /app/packages/logger/test/logger.test.js",
        )],
        expect: Expect::Rules(&["internal-package-extra"]),
        exports: DOCKER,
        known_issue: None,
    },
    // --- sources, toolchain, dev dependencies
    Variant {
        name: "billing-sources-left-in",
        service: "billing",
        why: "the service's TypeScript sources and tsconfig copied into the runtime stage",
        edits: &[Edit::AppendAsRoot(
            "COPY services/billing/src /app/services/billing/src\n\
             COPY services/billing/tsconfig.json /app/services/billing/tsconfig.json",
        )],
        expect: Expect::Rules(&["sources"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-gcc",
        service: "billing",
        why: "a C compiler (by name) on the PATH of the runtime image",
        edits: &[Edit::AppendAsRoot("RUN cp \"$(command -v node)\" /usr/bin/gcc")],
        expect: Expect::Rules(&["toolchain"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-dev-deps",
        service: "billing",
        why: "the service's dev dependencies (typescript, @types/node) installed in the image",
        edits: &[Edit::AppendAsRoot(
            "RUN mkdir -p /tmp/dev && cd /tmp/dev \
             && npm install --no-save --no-audit --no-fund typescript@5.9.3 @types/node@20 \
             && cp -r node_modules/typescript node_modules/@types /app/services/billing/node_modules/ \
             && rm -rf /tmp/dev",
        )],
        // Both are true: they are the service's devDependencies, and with --workspace neither
        // is in the production closure pnpm-lock.yaml locks.
        expect: Expect::Rules(&["dev-dependency", "version-not-locked"]),
        exports: DOCKER,
        known_issue: None,
    },
    // --- entrypoint
    Variant {
        name: "billing-start-script",
        service: "billing",
        why: "a start-service script that picks the service from $SERVICE runs instead of node",
        edits: &[
            Edit::AppendAsRoot(
                "RUN printf '#!/bin/sh\\nexec node /app/services/$SERVICE/dist/main.js\\n' > /app/start-service.sh \
                 && chmod +x /app/start-service.sh",
            ),
            Edit::Append("ENV SERVICE=billing"),
            Edit::ReplaceConfig {
                from: "CMD [\"node\", \"/app/services/billing/dist/main.js\"]",
                to: "CMD [\"/app/start-service.sh\"]",
            },
        ],
        expect: Expect::Rules(&["entrypoint-indirect"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-npm-start",
        service: "billing",
        why: "the service is started through `npm start`",
        edits: &[Edit::ReplaceConfig {
            from: "CMD [\"node\", \"/app/services/billing/dist/main.js\"]",
            to: "CMD [\"npm\", \"start\"]",
        }],
        expect: Expect::Rules(&["entrypoint-indirect"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-shell-form",
        service: "billing",
        why: "CMD in shell form: the service runs under /bin/sh -c",
        edits: &[Edit::ReplaceConfig {
            from: "CMD [\"node\", \"/app/services/billing/dist/main.js\"]",
            to: "CMD node /app/services/billing/dist/main.js",
        }],
        expect: Expect::Rules(&["entrypoint-shell"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-missing-entry",
        service: "billing",
        why: "CMD names an entry file the image does not have",
        edits: &[Edit::ReplaceConfig {
            from: "CMD [\"node\", \"/app/services/billing/dist/main.js\"]",
            to: "CMD [\"node\", \"/app/services/billing/dist/server.js\"]",
        }],
        expect: Expect::Rules(&["entrypoint-not-found"]),
        exports: DOCKER,
        known_issue: None,
    },
    // --- secrets
    Variant {
        name: "billing-npmrc-token-hidden",
        service: "billing",
        why: "an .npmrc with a registry token written in one layer and deleted in the next: \
              it still ships in the image",
        edits: &[Edit::AppendAsRoot(
            "RUN echo '//registry.npmjs.org/:_authToken=npm_9fK2xQ7mB4vL1zR8tY3wN6pC0sD5hJ2aE7uG' > /app/.npmrc\n\
             RUN rm /app/.npmrc",
        )],
        expect: Expect::HiddenRules(&["secret-npmrc"]),
        exports: DOCKER_OCI,
        known_issue: None,
    },
    Variant {
        name: "billing-env-file",
        service: "billing",
        why: "a .env file with a password beside the service",
        edits: &[Edit::AppendAsRoot(
            "RUN echo DB_PASSWORD=x > /app/services/billing/.env",
        )],
        expect: Expect::Rules(&["secret-env-file"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-private-key",
        service: "billing",
        why: "a PEM private key (generated at build time) beside the service",
        edits: &[Edit::AppendAsRoot(
            "RUN node -e \"process.stdout.write(require('node:crypto').generateKeyPairSync('ed25519')\
             .privateKey.export({ type: 'pkcs8', format: 'pem' }))\" > /app/services/billing/deploy-key.pem",
        )],
        expect: Expect::Rules(&["secret-private-key"]),
        exports: DOCKER_OCI,
        known_issue: None,
    },
    Variant {
        name: "billing-aws-credentials",
        service: "billing",
        why: "AWS credentials in root's home (AWS's documented example key pair)",
        edits: &[Edit::AppendAsRoot(
            "RUN mkdir -p /root/.aws \
             && printf '[default]\\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\\n' > /root/.aws/credentials",
        )],
        expect: Expect::Rules(&["secret-cloud-credentials"]),
        exports: DOCKER,
        known_issue: None,
    },
    Variant {
        name: "billing-git",
        service: "billing",
        why: "a .git directory at the app root",
        edits: &[Edit::AppendAsRoot(
            "RUN mkdir -p /app/.git/refs/heads && echo 'ref: refs/heads/main' > /app/.git/HEAD",
        )],
        expect: Expect::Rules(&["secret-git"]),
        exports: DOCKER,
        known_issue: None,
    },
];

/// How to build a variant.
#[derive(Debug, PartialEq)]
pub struct Plan {
    /// The whole edited Dockerfile: what the variant is.
    pub dockerfile: String,
    /// The final-stage steps to run on top of the good image (after `FROM <good image>`), when
    /// every edit allows it.
    pub on_good_image: Option<String>,
    /// Whether the steps on the good image need one layer each (`--layers`): when more than one
    /// of them makes content (RUN, COPY, ADD), as a Dockerfile build gives one layer per step
    /// and a variant may add something in one and delete it in the next. One layer otherwise
    /// (with vfs every extra layer is a full copy of the image).
    pub layers: bool,
    /// Workspace paths the added steps copy from the build context, beyond what the good
    /// Dockerfile's ignore file lets in.
    pub context_paths: Vec<String>,
}

/// Applies a variant's edits to a good Dockerfile and works out how to build it.
pub fn plan(variant: &Variant, dockerfile: &str) -> Result<Plan, String> {
    let err = |msg: String| format!("variant {}: {msg}", variant.name);
    let mut text = dockerfile.to_owned();
    ensure_newline(&mut text);
    // What goes on top of the good image, and whether that is still possible.
    let mut on_good = String::new();
    let mut quick = true;
    let final_stage_start = final_stage_start(dockerfile)
        .ok_or_else(|| err("the Dockerfile has no FROM".to_owned()))?;
    for edit in variant.edits {
        match edit {
            Edit::Append(lines) => {
                text.push_str(lines);
                text.push('\n');
                on_good.push_str(lines);
                on_good.push('\n');
            }
            Edit::AppendAsRoot(lines) => {
                let user = last_user(&text)
                    .ok_or_else(|| err("AppendAsRoot needs a USER instruction".to_owned()))?;
                let block = format!("USER 0\n{lines}\nUSER {user}\n");
                text.push_str(&block);
                on_good.push_str(&block);
            }
            Edit::ReplaceConfig { from, to } => {
                let keyword = keyword(from)
                    .filter(|k| CONFIG_KEYWORDS.contains(&k.as_str()))
                    .ok_or_else(|| {
                        err(format!(
                            "ReplaceConfig takes a config instruction ({}), not {from:?}",
                            CONFIG_KEYWORDS.join(", ")
                        ))
                    })?;
                let offset = line_offset(&text[final_stage_start..], from).ok_or_else(|| {
                    err(format!("the final stage has no line {from:?} to replace"))
                })? + final_stage_start;
                let end = offset + from.len() + 1; // the line and its newline
                let replacement = if to.is_empty() {
                    String::new()
                } else {
                    format!("{to}\n")
                };
                text.replace_range(offset..end.min(text.len()), &replacement);
                if to.is_empty() {
                    // What the stage inherits without the line: the empty value (the runtime
                    // base images here set neither USER nor an Entrypoint).
                    on_good.push_str(&format!("{keyword} {}\n", empty_value(&keyword)));
                } else {
                    on_good.push_str(to);
                    on_good.push('\n');
                }
            }
            Edit::Replace { from, to } => {
                if !text.contains(from) {
                    return Err(err(format!(
                        "the text to replace is not in the Dockerfile: {from:?}"
                    )));
                }
                text = text.replacen(from, to, 1);
                quick = false;
            }
        }
    }
    let steps: Vec<&str> = on_good
        .lines()
        .filter(|l| keyword(l).is_some_and(|k| matches!(k.as_str(), "RUN" | "COPY" | "ADD")))
        .collect();
    if on_good.contains("--from") {
        // A COPY --from names a stage of the full build, which the good image does not have.
        quick = false;
    }
    let context_paths = steps
        .iter()
        .filter(|l| keyword(l).is_some_and(|k| k == "COPY" || k == "ADD"))
        .flat_map(|l| copy_sources(l))
        .collect();
    Ok(Plan {
        dockerfile: text,
        layers: quick && steps.len() > 1,
        on_good_image: quick.then_some(on_good),
        context_paths,
    })
}

/// Instructions that change only the image config, never the filesystem.
const CONFIG_KEYWORDS: &[&str] = &[
    "USER",
    "CMD",
    "ENTRYPOINT",
    "ENV",
    "WORKDIR",
    "LABEL",
    "EXPOSE",
    "STOPSIGNAL",
];

fn empty_value(keyword: &str) -> &'static str {
    match keyword {
        "CMD" | "ENTRYPOINT" => "[]",
        _ => "\"\"",
    }
}

fn ensure_newline(text: &mut String) {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
}

/// The instruction keyword of a line, upper-cased.
fn keyword(line: &str) -> Option<String> {
    let word = line.split_whitespace().next()?;
    Some(word.to_ascii_uppercase())
}

/// Byte offset of the start of the final stage (its `FROM` line).
fn final_stage_start(dockerfile: &str) -> Option<usize> {
    let mut offset = 0;
    let mut last = None;
    for line in dockerfile.split_inclusive('\n') {
        if keyword(line).as_deref() == Some("FROM") {
            last = Some(offset);
        }
        offset += line.len();
    }
    last
}

/// Offset of the line that is exactly `wanted` (surrounding blanks ignored).
fn line_offset(text: &str, wanted: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim() == wanted.trim() {
            return Some(offset + (line.len() - line.trim_start().len()));
        }
        offset += line.len();
    }
    None
}

/// The context paths a `COPY`/`ADD` line reads (every argument but flags and the destination).
fn copy_sources(line: &str) -> Vec<String> {
    let args: Vec<&str> = line
        .split_whitespace()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    match args.split_last() {
        Some((_, sources)) => sources
            .iter()
            .map(|s| s.trim_start_matches("./").trim_end_matches('/').to_owned())
            .collect(),
        None => Vec::new(),
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

    const GOOD: &str = "FROM x AS build\nUSER 1\nRUN make\nFROM y AS runtime\nCOPY --from=build /out /app\nUSER 10001:10001\nCMD [\"node\", \"/app/main.js\"]\n";

    fn variant(edits: &'static [Edit]) -> Variant {
        Variant {
            name: "t",
            service: "s",
            why: "",
            edits,
            expect: Expect::AnyError,
            exports: DOCKER,
            known_issue: None,
        }
    }

    #[test]
    fn names_are_unique_and_well_formed() {
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
            assert!(v.exports.contains(&Format::Docker), "{}", v.name);
        }
    }

    /// Every variant applies to the committed Dockerfile of its service, and all of them build
    /// cheaply on the good image.
    #[test]
    fn every_variant_applies_to_the_example_and_builds_on_the_good_image() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../services-example");
        for v in VARIANTS {
            let good =
                std::fs::read_to_string(root.join("services").join(v.service).join("Dockerfile"))
                    .unwrap();
            let plan = plan(v, &good).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                plan.on_good_image.is_some(),
                "{} needs a full build",
                v.name
            );
            assert_ne!(plan.dockerfile, good, "{}", v.name);
        }
    }

    #[test]
    fn append_as_root_restores_the_user() {
        let p = plan(&variant(&[Edit::AppendAsRoot("RUN touch /x")]), GOOD).unwrap();
        assert!(
            p.dockerfile
                .ends_with("USER 0\nRUN touch /x\nUSER 10001:10001\n"),
            "{}",
            p.dockerfile
        );
        assert_eq!(
            p.on_good_image.as_deref(),
            Some("USER 0\nRUN touch /x\nUSER 10001:10001\n")
        );
        assert!(!p.layers, "one content step: one layer");
    }

    #[test]
    fn two_content_steps_keep_a_layer_each() {
        let p = plan(
            &variant(&[Edit::AppendAsRoot(
                "COPY a/b.json /app/b.json\nRUN rm /app/b.json",
            )]),
            GOOD,
        )
        .unwrap();
        assert!(p.layers);
        assert_eq!(p.context_paths, ["a/b.json"]);
    }

    #[test]
    fn replace_config_edits_the_final_stage_and_appends_on_the_good_image() {
        let p = plan(
            &variant(&[Edit::ReplaceConfig {
                from: "CMD [\"node\", \"/app/main.js\"]",
                to: "CMD node /app/main.js",
            }]),
            GOOD,
        )
        .unwrap();
        assert!(p
            .dockerfile
            .ends_with("USER 10001:10001\nCMD node /app/main.js\n"));
        assert_eq!(p.on_good_image.as_deref(), Some("CMD node /app/main.js\n"));
    }

    #[test]
    fn removing_user_drops_the_line_and_resets_it_on_the_good_image() {
        let p = plan(
            &variant(&[Edit::ReplaceConfig {
                from: "USER 10001:10001",
                to: "",
            }]),
            GOOD,
        )
        .unwrap();
        assert!(!p.dockerfile.contains("USER 10001"), "{}", p.dockerfile);
        assert!(
            p.dockerfile.contains("USER 1\n"),
            "earlier stages untouched"
        );
        assert_eq!(p.on_good_image.as_deref(), Some("USER \"\"\n"));
    }

    #[test]
    fn replace_config_only_looks_in_the_final_stage_and_only_at_config() {
        let earlier = plan(
            &variant(&[Edit::ReplaceConfig {
                from: "USER 1",
                to: "USER 2",
            }]),
            GOOD,
        );
        assert!(earlier.unwrap_err().contains("final stage has no line"));
        let not_config = plan(
            &variant(&[Edit::ReplaceConfig {
                from: "RUN make",
                to: "",
            }]),
            GOOD,
        );
        assert!(not_config.unwrap_err().contains("config instruction"));
    }

    #[test]
    fn a_general_replace_needs_the_full_build_and_missing_text_is_an_error() {
        let p = plan(
            &variant(&[Edit::Replace {
                from: "RUN make",
                to: "RUN make all",
            }]),
            GOOD,
        )
        .unwrap();
        assert_eq!(p.on_good_image, None);
        let missing = plan(
            &variant(&[Edit::Replace {
                from: "USER nobody",
                to: "USER root",
            }]),
            GOOD,
        );
        assert!(missing.unwrap_err().contains("USER nobody"));
    }
}
