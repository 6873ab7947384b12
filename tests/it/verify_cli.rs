//! `isogen verify` run as a user would, on real `docker save` archives written here: exit 0 for
//! a clean image, 1 for an error-level finding, 2 for anything unusable (no service, a corrupt
//! archive, a bad policy), one report for several images, and each format parseable.

use std::path::{Path, PathBuf};

use crate::image_support::{saved_image, sha256, LayerTar};
use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{json, Value};

fn isogen(cwd: &Path) -> Command {
    let mut c = Command::cargo_bin("isogen").unwrap();
    c.current_dir(cwd).env("NO_COLOR", "1");
    c
}

/// A `docker save` archive with this config and these (uncompressed) layers.
fn docker_image(config: Value, layers: &[Vec<u8>]) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();
    let mut config = config;
    config["architecture"] = json!("amd64");
    config["os"] = json!("linux");
    config["rootfs"] = json!({"type": "layers", "diff_ids": diff_ids});
    config["history"] = json!(diff_ids
        .iter()
        .enumerate()
        .map(|(i, _)| json!({"created_by": format!("step {i}")}))
        .collect::<Vec<_>>());
    saved_image(&config, layers, "localhost/acme/billing:1")
}

const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001::/app:/sbin/nologin\n";
const GROUP: &[u8] = b"root:x:0:\napp:x:10001:\n";
const BILLING: &[u8] = br#"{"name":"@acme/billing","version":"1.0.0","main":"dist/main.js",
  "dependencies":{"@acme/logger":"file:../../packages/logger","ms":"^2.1.3"},
  "devDependencies":{"typescript":"~5.9.3"}}"#;
const LOGGER: &[u8] =
    br#"{"name":"@acme/logger","version":"1.0.0","main":"dist/index.js","types":"dist/index.d.ts"}"#;

fn base_layer() -> Vec<u8> {
    LayerTar::new()
        .dir("etc")
        .file("etc/passwd", PASSWD)
        .file("etc/group", GROUP)
        .dir("usr")
        .dir("usr/bin")
        .file("usr/bin/node", b"\x7fELF\x02\x01\x01")
        .finish()
}

fn app_layer() -> Vec<u8> {
    LayerTar::new()
        .dir("app")
        .dir("app/packages/logger/dist")
        .file("app/packages/logger/package.json", LOGGER)
        .file("app/packages/logger/dist/index.js", b"module.exports = {}")
        .dir("app/services/billing/dist")
        .file("app/services/billing/package.json", BILLING)
        .file(
            "app/services/billing/dist/main.js",
            b"require('@acme/logger')",
        )
        .dir("app/services/billing/node_modules/ms")
        .file(
            "app/services/billing/node_modules/ms/package.json",
            br#"{"name":"ms","version":"2.1.3"}"#,
        )
        .file("app/services/billing/node_modules/ms/index.js", b"")
        .symlink(
            "app/services/billing/node_modules/@acme/logger",
            "../../../../packages/logger",
        )
        .finish()
}

fn config(user: &str, label: bool) -> Value {
    let mut c = json!({"config": {
        "User": user,
        "Cmd": ["node", "/app/services/billing/dist/main.js"],
        "WorkingDir": "/app/services/billing",
        "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"],
    }});
    if label {
        c["config"]["Labels"] = json!({"dev.isogen.service": "billing"});
    }
    c
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn image(&self, name: &str, config: Value, layers: &[Vec<u8>]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, docker_image(config, layers)).unwrap();
        path
    }
    fn good(&self) -> PathBuf {
        self.image(
            "good.tar",
            config("10001:10001", true),
            &[base_layer(), app_layer()],
        )
    }
    fn bad(&self) -> PathBuf {
        let leak = LayerTar::new()
            .dir("root")
            .file(
                "root/.npmrc",
                b"//registry.npmjs.org/:_authToken=npm_0123456789abcdef\n",
            )
            .finish();
        let delete = LayerTar::new()
            .dir("root")
            .file("root/.wh..npmrc", b"")
            .finish();
        self.image(
            "bad.tar",
            config("root", true),
            &[base_layer(), app_layer(), leak, delete],
        )
    }
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

#[test]
fn a_clean_image_exits_0_with_a_readable_report() {
    let f = Fixture::new();
    isogen(f.path())
        .arg("verify")
        .arg(f.good())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "as service billing (from label dev.isogen.service)",
        ))
        .stdout(predicate::str::contains(
            "localhost/acme/billing:1: passed (0 errors, 0 warnings)",
        ))
        .stdout(predicate::str::contains(
            "skipped: rule other-service did not run",
        ))
        .stdout(predicate::str::contains("\x1b").not());
}

#[test]
fn an_error_finding_exits_1_and_json_names_rule_paths_and_layers() {
    let f = Fixture::new();
    let out = isogen(f.path())
        .args(["verify", "--format", "json"])
        .arg(f.bad())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["passed"], false);
    let findings = v["images"][0]["findings"].as_array().unwrap();
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["user-root", "secret-npmrc"], "{findings:#?}");
    assert_eq!(findings[0]["values"], json!(["User: root"]));
    let npmrc = &findings[1];
    assert_eq!(npmrc["paths"], json!(["/root/.npmrc"]));
    assert_eq!(npmrc["layer"]["index"], 2);
    assert_eq!(npmrc["hidden"]["how"], "deleted");
    assert_eq!(npmrc["hidden"]["layer"]["index"], 3);
}

#[test]
fn several_images_give_one_report() {
    let f = Fixture::new();
    let (good, bad) = (f.good(), f.bad());
    for format in ["json", "sarif", "junit", "human"] {
        let out = isogen(f.path())
            .args(["verify", "--format", format])
            .arg(&good)
            .arg(&bad)
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        match format {
            "json" => assert_eq!(
                json_of(text.as_bytes())["images"].as_array().unwrap().len(),
                2
            ),
            "sarif" => {
                let v = json_of(text.as_bytes());
                assert_eq!(v["version"], "2.1.0");
                assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 2);
            }
            "junit" => {
                let doc = roxmltree::Document::parse(&text).unwrap();
                let suites = doc
                    .descendants()
                    .filter(|n| n.has_tag_name("testsuite"))
                    .count();
                assert_eq!(suites, 2);
            }
            _ => assert!(
                text.contains("2 images checked: 1 failed (2 errors, 0 warnings)"),
                "{text}"
            ),
        }
    }
}

#[test]
fn no_service_and_no_label_exits_2() {
    let f = Fixture::new();
    let image = f.image(
        "nolabel.tar",
        config("10001", false),
        &[base_layer(), app_layer()],
    );
    isogen(f.path())
        .arg("verify")
        .arg(&image)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("no dev.isogen.service label"))
        .stderr(predicate::str::contains("--service"));
    isogen(f.path())
        .args(["verify", "--service", "@acme/billing"])
        .arg(&image)
        .assert()
        .code(0);
}

#[test]
fn a_corrupt_or_missing_archive_exits_2_and_prints_no_report() {
    let f = Fixture::new();
    let good = std::fs::read(f.good()).unwrap();
    let cut = f.path().join("cut.tar");
    std::fs::write(&cut, &good[..good.len() / 2]).unwrap();
    for bad in [cut, f.path().join("missing.tar")] {
        isogen(f.path())
            .arg("verify")
            .arg(f.good())
            .arg(&bad)
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::starts_with("error: "));
    }
}

#[test]
fn a_bad_policy_exits_2_naming_file_and_key() {
    let f = Fixture::new();
    std::fs::write(
        f.path().join("isogen.toml"),
        "[verify.rules]\ntoolchian = \"off\"\n",
    )
    .unwrap();
    isogen(f.path())
        .arg("verify")
        .arg(f.good())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("isogen.toml:"))
        .stderr(predicate::str::contains("unknown rule id `toolchian`"));
}

#[test]
fn the_policy_can_lower_a_rule_to_pass_the_gate() {
    let f = Fixture::new();
    let policy = f.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[verify.services.billing.rules]\nuser-root = \"warning\"\nsecret-npmrc = \"info\"\n",
    )
    .unwrap();
    isogen(f.path())
        .args(["verify", "--config"])
        .arg(&policy)
        .arg(f.bad())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[user-root]"))
        .stdout(predicate::str::contains("note[secret-npmrc]"));
}

#[test]
fn with_the_services_example_workspace_other_services_are_known() {
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("services-example");
    let f = Fixture::new();
    let catalog = LayerTar::new()
        .dir("app/services/catalog/dist")
        .file(
            "app/services/catalog/package.json",
            br#"{"name":"@acme/catalog"}"#,
        )
        .file("app/services/catalog/dist/main.js", b"")
        .finish();
    let image = f.image(
        "two.tar",
        config("10001:10001", true),
        &[base_layer(), app_layer(), catalog],
    );
    let out = isogen(f.path())
        .args(["verify", "--format", "json", "--workspace"])
        .arg(&ws)
        .arg(&image)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let img = &v["images"][0];
    // The versions are compared with the example's pnpm-lock.yaml; this hand-made image holds
    // no pnpm record of its install (node_modules/.pnpm/lock.yaml) to compare integrities with.
    let skipped: Vec<&Value> = (img["skipped"].as_array().unwrap().iter())
        .map(|s| &s["rule"])
        .collect();
    assert_eq!(skipped, [&json!("integrity-not-locked")]);
    let other: Vec<&Value> = img["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "other-service")
        .collect();
    assert_eq!(other.len(), 1, "{img:#?}");
    assert_eq!(other[0]["paths"], json!(["/app/services/catalog"]));
    // SARIF points at the service's Dockerfile when the workspace has it.
    let expected = ws
        .join("services/billing/Dockerfile")
        .is_file()
        .then_some("services/billing/Dockerfile");
    assert_eq!(img["dockerfile"], json!(expected));
    isogen(f.path())
        .args(["verify", "--service", "nope", "--workspace"])
        .arg(&ws)
        .arg(&image)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a service of the workspace"));
}

/// `module-graph-incomplete`'s hint tells a user without a workspace to pass `--workspace`,
/// and does not tell it to one who passed it.
#[test]
fn the_module_graph_hint_asks_for_workspace_only_when_it_was_not_given() {
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("services-example");
    let f = Fixture::new();
    let unparsable = LayerTar::new()
        .file(
            "app/services/billing/dist/main.js",
            b"require('@acme/logger'); {{{ (",
        )
        .finish();
    let image = f.image(
        "unparsed.tar",
        config("10001:10001", true),
        &[base_layer(), app_layer(), unparsable],
    );
    let hint = |with_workspace: bool| {
        let mut cmd = isogen(f.path());
        cmd.args(["verify", "--format", "json"]);
        if with_workspace {
            cmd.arg("--workspace").arg(&ws);
        }
        let out = cmd.arg(&image).output().unwrap();
        let v = json_of(&out.stdout);
        let found: Vec<String> = v["images"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "module-graph-incomplete")
            .map(|f| f["hint"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(found.len(), 1, "{v:#}");
        found[0].clone()
    };
    insta::assert_snapshot!(
        "module_graph_hint",
        format!(
            "without --workspace: {}\nwith --workspace: {}",
            hint(false),
            hint(true)
        )
    );
}

/// hoppscotch's backend: Prisma 7 keeps the database URL in `prisma.config.ts`, and the
/// `prisma` CLI is a production dependency so that `prisma migrate deploy` can run from the
/// image; `files` publishes the config and generate ships it beside `dist/`. verify accepted
/// the rest of that image and failed it for `sources` on this one file (generate and verify
/// disagreed). It is accepted at the top of a package whose image manifest lists `prisma`
/// among its dependencies, and still refused where nothing in production reads it.
#[test]
fn prisma_config_for_a_production_prisma_cli_is_no_source_left_in() {
    let ws = crate::fixture_copy::copy("pnpm9-prisma-cli", false);
    let generated = isogen(ws.path())
        .args(["generate", "--dry-run"])
        .arg(ws.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let generated = String::from_utf8(generated).unwrap();
    assert!(
        generated
            .contains("COPY --from=builder /app/apps/backend/prisma.config.ts prisma.config.ts"),
        "{generated}"
    );
    let image = |name: &str, manifest: &str| {
        let app = LayerTar::new()
            .dir("app")
            .dir("app/apps/backend/dist")
            .file("app/apps/backend/package.json", manifest.as_bytes())
            .file("app/apps/backend/dist/server.js", b"console.log('up')")
            .file(
                "app/apps/backend/prisma.config.ts",
                b"import { defineConfig } from 'prisma/config';\nexport default defineConfig({});\n",
            )
            .file("app/apps/backend/prisma/schema.prisma", b"")
            .finish();
        let mut c = config("10001:10001", false);
        c["config"]["Cmd"] = json!(["node", "/app/apps/backend/dist/server.js"]);
        c["config"]["WorkingDir"] = json!("/app/apps/backend");
        c["config"]["Labels"] = json!({"dev.isogen.service": "backend"});
        let path = ws.path().join(name);
        std::fs::write(&path, docker_image(c, &[base_layer(), app])).unwrap();
        path
    };
    let sources = |image: &Path| source_paths(ws.path(), image);
    let cli = image(
        "cli.tar",
        r#"{"name":"backend","version":"1.0.0","type":"module",
  "dependencies":{"@prisma/client":"7.10.0","prisma":"7.10.0"}}"#,
    );
    assert_eq!(sources(&cli), Vec::<String>::new());
    let no_cli = image(
        "no-cli.tar",
        r#"{"name":"backend","version":"1.0.0","type":"module",
  "dependencies":{"@prisma/client":"7.10.0"}}"#,
    );
    assert_eq!(sources(&no_cli), vec!["/app/apps/backend/prisma.config.ts"]);
}

/// A TypeScript file that a package's `files` lists (`"files": ["dist", "seed.ts"]`) ships
/// only when the service declares it in `assets`; generate and verify agree both ways: left
/// out with a warning and refused by `sources` when it is not declared, shipped and accepted
/// when it is.
#[test]
fn a_published_typescript_file_ships_and_passes_only_as_a_declared_asset() {
    let ws = tempfile::tempdir().unwrap();
    for (path, text) in [
        (
            "package.json",
            r#"{"name":"root","private":true,"packageManager":"pnpm@9.15.9"}"#,
        ),
        ("pnpm-workspace.yaml", "packages:\n  - services/*\n"),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n\n  services/api: {}\n",
        ),
        (
            "services/api/package.json",
            r#"{"name":"api","version":"1.0.0","main":"dist/main.js","files":["dist","seed.ts"],"scripts":{"build":"tsc"}}"#,
        ),
        (
            "services/api/tsconfig.json",
            r#"{"compilerOptions":{"outDir":"dist","rootDir":"src"},"include":["src"]}"#,
        ),
        ("services/api/src/main.ts", "console.log('up');\n"),
        ("services/api/seed.ts", "console.log('seed');\n"),
    ] {
        let p = ws.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let generate = || {
        let out = isogen(ws.path())
            .args(["generate", "--dry-run"])
            .arg(ws.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        (stdout, String::from_utf8(out.stderr).unwrap())
    };
    let app = LayerTar::new()
        .dir("app")
        .dir("app/services/api/dist")
        .file(
            "app/services/api/package.json",
            br#"{"name":"api","version":"1.0.0","main":"dist/main.js"}"#,
        )
        .file("app/services/api/dist/main.js", b"console.log('up')")
        .file("app/services/api/seed.ts", b"console.log('seed');\n")
        .finish();
    let mut c = config("10001:10001", false);
    c["config"]["Cmd"] = json!(["node", "/app/services/api/dist/main.js"]);
    c["config"]["WorkingDir"] = json!("/app/services/api");
    c["config"]["Labels"] = json!({"dev.isogen.service": "api"});
    let image = ws.path().join("api.tar");
    std::fs::write(&image, docker_image(c, &[base_layer(), app])).unwrap();
    let sources = || -> Vec<String> {
        let out = isogen(ws.path())
            .args(["verify", "--format", "json", "--workspace"])
            .arg(ws.path())
            .arg(&image)
            .output()
            .unwrap();
        let v = json_of(&out.stdout);
        (v["images"][0]["findings"].as_array().unwrap().iter())
            .filter(|f| f["rule"] == "sources")
            .flat_map(|f| f["paths"].as_array().unwrap().iter())
            .map(|p| p.as_str().unwrap().to_string())
            .collect()
    };
    let ships = |dockerfile: &str| {
        dockerfile
            .lines()
            .any(|l| l.starts_with("COPY") && l.contains("seed.ts"))
    };

    // Not declared: generate leaves it out and says so; verify refuses an image holding it.
    let (dockerfile, stderr) = generate();
    assert!(!ships(&dockerfile), "{dockerfile}");
    assert!(
        stderr.contains("services/api/package.json: `files` publishes seed.ts,")
            && stderr.contains("`assets`"),
        "{stderr}"
    );
    assert_eq!(sources(), vec!["/app/services/api/seed.ts"]);

    // Declared as an asset: generate ships it and verify accepts it.
    std::fs::write(
        ws.path().join("isogen.toml"),
        "[generate.services.api]\nassets = [\"seed.ts\"]\n",
    )
    .unwrap();
    let (dockerfile, _) = generate();
    assert!(ships(&dockerfile), "{dockerfile}");
    assert_eq!(sources(), Vec::<String>::new());
}

/// pnpm11-payload-templates' website (shaped like payload's templates) runs `next start`, which
/// compiles `next.config.ts` when the server starts, so generate ships it; verify failed the
/// built image for `sources` on that one file (generate and verify disagreed). Accepted at the
/// top of a service whose image manifest lists `next` in production, refused elsewhere.
#[test]
fn a_next_config_ts_that_next_start_runs_is_no_source_left_in() {
    let ws = crate::fixture_copy::copy("pnpm11-payload-templates", false);
    let image = |name: &str, manifest: &str| {
        let app = LayerTar::new()
            .dir("app")
            .dir("app/templates/website/.next")
            .file("app/templates/website/package.json", manifest.as_bytes())
            .file("app/templates/website/.next/BUILD_ID", b"x")
            .file(
                "app/templates/website/next.config.ts",
                b"export default { reactStrictMode: true }\n",
            )
            .finish();
        let mut c = config("10001:10001", false);
        c["config"]["Cmd"] = json!([
            "node",
            "/app/templates/website/node_modules/next/dist/bin/next",
            "start"
        ]);
        c["config"]["WorkingDir"] = json!("/app/templates/website");
        c["config"]["Labels"] = json!({"dev.isogen.service": "website"});
        let path = ws.path().join(name);
        std::fs::write(&path, docker_image(c, &[base_layer(), app])).unwrap();
        path
    };
    let sources = |image: &Path| source_paths(ws.path(), image);
    let next = image(
        "next.tar",
        r#"{"name":"website","version":"1.0.0","type":"module","dependencies":{"next":"16.3.0"}}"#,
    );
    assert_eq!(sources(&next), Vec::<String>::new());
    let other = image(
        "other.tar",
        r#"{"name":"website","version":"1.0.0","type":"module","dependencies":{"react":"19.1.10"}}"#,
    );
    assert_eq!(
        sources(&other),
        vec!["/app/templates/website/next.config.ts"]
    );
}

/// The paths of the `sources` findings of `verify --workspace ws image`.
fn source_paths(ws: &Path, image: &Path) -> Vec<String> {
    let out = isogen(ws)
        .args(["verify", "--format", "json", "--workspace"])
        .arg(ws)
        .arg(image)
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    v["images"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "sources")
        .flat_map(|f| f["paths"].as_array().unwrap().iter())
        .map(|p| p.as_str().unwrap().to_string())
        .collect()
}
