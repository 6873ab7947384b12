//! Every kind of error a user can meet, through the real CLI: one snapshot per case of the exit
//! code and stderr (temporary paths shown as `[DIR]`), so a change to any message is a reviewed
//! change. Each `isogen::Error` variant and the `isogen.toml` errors have at least one case;
//! every case also checks that nothing was printed on stdout and no Dockerfile was written.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A small pnpm workspace with one service (`@x/api`) using one library.
const PNPM: &[(&str, &str)] = &[
    (
        "package.json",
        r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
    ),
    (
        "pnpm-workspace.yaml",
        "packages:\n  - packages/*\n  - services/*\n",
    ),
    ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
    (
        "packages/lib/package.json",
        r#"{"name":"@x/lib","version":"1.0.0","main":"dist/index.js","scripts":{"build":"tsc"}}"#,
    ),
    (
        "services/api/package.json",
        r#"{"name":"@x/api","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"workspace:*"}}"#,
    ),
];

/// A Cargo workspace with one binary crate.
const CARGO: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        "[workspace]\nmembers = [\"services/*\"]\nresolver = \"2\"\n",
    ),
    ("Cargo.lock", "version = 4\n"),
    (
        "services/ledger/Cargo.toml",
        "[package]\nname = \"ledger\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    ),
    ("services/ledger/src/main.rs", "fn main() {}\n"),
];

/// `base` with `changes` written over it (an empty text removes the file), and `image.tar`, a
/// real docker-archive (tests/fixtures/images), for the verify and inspect cases.
fn workspace(base: &[(&str, &str)], changes: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        image_fixture("docker-archive.tar"),
        dir.path().join("image.tar"),
    )
    .unwrap();
    for (path, text) in base.iter().chain(changes) {
        let p = dir.path().join(path);
        if text.is_empty() {
            let _ = std::fs::remove_file(&p);
            continue;
        }
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn image_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/images")
        .join(name)
}

/// Runs isogen in `dir` with `args` (`{dir}` in an argument is replaced by `dir`) and returns
/// what a user reads: the exit code and stderr, temporary paths as `[DIR]`.
fn run(dir: &Path, args: &[&str]) -> String {
    let shown = dir.display().to_string();
    let args: Vec<String> = args.iter().map(|a| a.replace("{dir}", &shown)).collect();
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.stdout.is_empty(),
        "{args:?} printed on stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let written: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("Dockerfile"))
        .map(|e| e.path().display().to_string())
        .collect();
    assert!(written.is_empty(), "{args:?} wrote {written:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&shown, "[DIR]");
    let code = out
        .status
        .code()
        .map_or("killed".to_owned(), |c| c.to_string());
    format!("exit {code}\n{stderr}")
}

macro_rules! case {
    ($name:ident, $base:expr, $changes:expr, $args:expr) => {
        #[test]
        fn $name() {
            let dir = workspace($base, $changes);
            insta::assert_snapshot!(stringify!($name), run(dir.path(), $args));
        }
    };
}

// Error::Io: a file named on the command line cannot be read.
case!(
    io_config_file_missing,
    PNPM,
    &[],
    &[
        "verify",
        "--workspace",
        "{dir}",
        "--config",
        "{dir}/missing.toml",
        "--service",
        "api",
        "{dir}/image.tar"
    ]
);

// Error::Parse, for each format isogen reads.
case!(
    parse_isogen_toml,
    PNPM,
    &[("isogen.toml", "[generate\nuid = 1000\n")],
    &["generate", "{dir}"]
);
case!(
    parse_package_json,
    PNPM,
    &[("services/api/package.json", "{\"name\": \"@x/api\",\n}\n")],
    &["generate", "{dir}"]
);
case!(
    parse_pnpm_workspace_yaml,
    PNPM,
    &[(
        "pnpm-workspace.yaml",
        "packages:\n  - services/*\n - oops\n"
    )],
    &["generate", "{dir}"]
);
case!(
    parse_cargo_toml,
    CARGO,
    &[(
        "services/ledger/Cargo.toml",
        "[package\nname = \"ledger\"\n"
    )],
    &["generate", "{dir}"]
);

// isogen.toml: unknown keys and values that cannot be.
case!(
    config_unknown_key,
    PNPM,
    &[("isogen.toml", "[workspace]\nservicez = [\"api\"]\n")],
    &["generate", "{dir}"]
);
case!(
    config_wrong_type,
    PNPM,
    &[("isogen.toml", "[generate]\nuid = \"root\"\n")],
    &["generate", "{dir}"]
);
case!(
    config_unknown_service,
    PNPM,
    &[("isogen.toml", "[generate.services.nope]\nport = 8080\n")],
    &["generate", "{dir}"]
);
case!(
    config_service_matches_nothing,
    PNPM,
    &[(
        "isogen.toml",
        "[workspace]\nservices = [\"services/nope\"]\n"
    )],
    &["generate", "{dir}"]
);
case!(
    config_bad_policy_value,
    PNPM,
    &[("isogen.toml", "[verify.rules]\nsecret-file = \"loud\"\n")],
    &[
        "verify",
        "--workspace",
        "{dir}",
        "--service",
        "api",
        "{dir}/image.tar"
    ]
);

// Error::Workspace: well-formed files that do not make a workspace.
case!(
    workspace_not_found,
    &[],
    &[("README.md", "nothing here\n")],
    &["generate", "{dir}"]
);
case!(
    workspace_duplicate_package_names,
    PNPM,
    &[(
        "packages/lib2/package.json",
        r#"{"name":"@x/lib","version":"1.0.0"}"#
    )],
    &["generate", "{dir}"]
);

// Error::WorkspaceAt: one value of a manifest, with line and column.
case!(
    workspace_at_inherited_dependency_missing,
    CARGO,
    &[(
        "services/ledger/Cargo.toml",
        "[package]\nname = \"ledger\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nserde = { workspace = true }\n"
    )],
    &["generate", "{dir}"]
);

// Error::Template: a project template that does not parse.
case!(
    template_does_not_parse,
    PNPM,
    &[
        ("isogen.toml", "[generate]\ntemplates = \"tpl\"\n"),
        ("tpl/node.Dockerfile.tera", "FROM {{ base_image \n"),
    ],
    &["generate", "{dir}"]
);

// Error::Usage: the command line asks for what cannot be.
case!(
    usage_unknown_service,
    PNPM,
    &[],
    &["generate", "{dir}", "--service", "nope"]
);
case!(
    usage_image_label_names_no_service,
    PNPM,
    &[],
    &["verify", "--workspace", "{dir}", "{dir}/image.tar"]
);
case!(
    usage_bad_platform,
    &[],
    &[],
    &["inspect", "--platform", "linux/", "{dir}/image.tar"]
);
case!(
    usage_unknown_flag,
    &[],
    &[],
    &["generate", "--dockerfile-name", "x"]
);

// Error::Image: archives that cannot be read exactly.
case!(
    image_not_an_archive,
    &[],
    &[("image.tar", "not a tar at all\n")],
    &["inspect", "{dir}/image.tar"]
);
case!(image_missing, &[], &[], &["inspect", "{dir}/missing.tar"]);

#[test]
fn image_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(image_fixture("docker-archive.tar")).unwrap();
    std::fs::write(dir.path().join("image.tar"), &bytes[..bytes.len() / 2]).unwrap();
    insta::assert_snapshot!(
        "image_truncated",
        run(dir.path(), &["inspect", "{dir}/image.tar"])
    );
}

// Error::Imports: sources that cross package boundaries, for every service in one run. The
// worker reaches the api by tsconfig `paths`, by a relative path and by its package name (only
// types), and its library's sources through `baseUrl` (`express` stays the npm package's); the api reaches its declared library's sources (not shipped), an undeclared
// workspace package, and a file in no package.
const CROSSING: &[(&str, &str)] = &[
    (
        "packages/util/package.json",
        r#"{"name":"@x/util","version":"1.0.0","main":"dist/index.js","scripts":{"build":"tsc"}}"#,
    ),
    ("packages/lib/src/index.ts", "export const lib = 1;\n"),
    ("scripts/seed.js", "module.exports = {};\n"),
    (
        "services/api/src/main.ts",
        "import { lib } from '../../../packages/lib/src/index';\nimport { util } from '@x/util/dist/strings';\nconst seed = require('../../../scripts/seed');\nimport { readFileSync } from 'node:fs';\nimport express from 'express';\n",
    ),
    ("services/api/src/users.ts", "export const users = [];\n"),
    (
        "services/worker/package.json",
        r#"{"name":"@x/worker","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"workspace:*"}}"#,
    ),
    (
        "services/worker/tsconfig.json",
        "{\n  // the api's code, by path\n  \"compilerOptions\": { \"baseUrl\": \"../..\", \"paths\": { \"@api/*\": [\"services/api/src/*\"] } },\n}\n",
    ),
    (
        "services/worker/src/main.ts",
        "import { lib } from '@x/lib';\nimport { users } from '@api/users';\nexport { users as all } from '../../api/src/users';\nimport type { Api } from '@x/api';\nimport { lib as again } from 'packages/lib/src/index';\nimport express from 'express';\n",
    ),
];
case!(
    imports_cross_packages,
    PNPM,
    CROSSING,
    &["generate", "{dir}"]
);

// Error::Imports shared: an internal package every service uses (splits-network's
// shared-access-context) imports a workspace package it does not declare. The same import
// fails each service; generate says it once, naming them all, and `list` says it in full on
// the first service's row and names that service on the others'.
const SHARED_CROSSING: &[(&str, &str)] = &[
    (
        "packages/types/package.json",
        r#"{"name":"@x/types","version":"1.0.0","main":"dist/index.js","scripts":{"build":"tsc"}}"#,
    ),
    (
        "packages/lib/src/index.ts",
        "import type { Plan } from '@x/types';\nexport const lib = 1;\n",
    ),
    (
        "services/api/src/main.ts",
        "import { lib } from '@x/lib';\nimport { createServer } from 'node:http';\ncreateServer().listen(lib);\n",
    ),
    (
        "services/billing/package.json",
        r#"{"name":"@x/billing","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"workspace:*"}}"#,
    ),
    (
        "services/billing/src/main.ts",
        "import { lib } from '@x/lib';\nimport { createServer } from 'node:http';\ncreateServer().listen(lib);\n",
    ),
    (
        "services/mail/package.json",
        r#"{"name":"@x/mail","version":"1.0.0","main":"dist/main.js","scripts":{"build":"tsc"},"dependencies":{"@x/lib":"workspace:*"}}"#,
    ),
    (
        "services/mail/src/main.ts",
        "import { lib } from '@x/lib';\nimport { createServer } from 'node:http';\ncreateServer().listen(lib);\n",
    ),
];
case!(
    imports_shared_by_services,
    PNPM,
    SHARED_CROSSING,
    &["generate", "{dir}"]
);

/// What `isogen list <dir>` prints on stdout.
fn list(dir: &Path) -> String {
    let out = Command::cargo_bin("isogen")
        .unwrap()
        .args(["list"])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn imports_shared_by_services_listed() {
    let dir = workspace(PNPM, SHARED_CROSSING);
    let text = list(dir.path());
    assert_eq!(
        text.matches("packages/lib/src/index.ts:1: '@x/types'")
            .count(),
        1,
        "{text}"
    );
    for service in ["billing", "mail"] {
        let row = (text.lines())
            .find(|l| l.contains(&format!("services/{service} ")))
            .unwrap_or_else(|| panic!("no row for {service}: {text}"));
        assert!(
            row.contains("generate refuses it: the same 1 import as `api`"),
            "{row}"
        );
    }
}

// Error::Service: one service failed by two independent problems (an undeclared import and a
// TypeScript entry, as openpanel's `start` had). `generate` prints each as its own `error:`;
// `list` puts both in the service's row, each on its own line, with no `error:` inside the row
// (which would read as a second message of the command).
const TWO_PROBLEMS: &[(&str, &str)] = &[
    (
        "packages/types/package.json",
        r#"{"name":"@x/types","version":"1.0.0","main":"dist/index.js","scripts":{"build":"tsc"}}"#,
    ),
    (
        "services/api/package.json",
        r#"{"name":"@x/api","version":"1.0.0","scripts":{"build":"tsc","start":"node src/main.ts"},"dependencies":{"@x/lib":"workspace:*"}}"#,
    ),
    (
        "services/api/src/main.ts",
        "import { plan } from '@x/types';\n",
    ),
];

#[test]
fn two_problems_of_one_service_listed() {
    let dir = workspace(PNPM, TWO_PROBLEMS);
    let text = list(dir.path());
    let row = text
        .split("\nservice")
        .chain(text.split("\nrefused"))
        .find(|r| r.contains("services/api "))
        .unwrap_or(&text);
    assert!(row.contains("generate refuses it: 2 problems:\n"), "{text}");
    assert!(row.contains("\n    services/api/src/main.ts:1: "), "{text}");
    assert!(
        row.contains("\n  services/api/package.json: the entry `src/main.ts`"),
        "{text}"
    );
    assert!(!text.contains("error:"), "{text}");
}
