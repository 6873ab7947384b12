//! A [`Plan`] as CI reads it: JSON (the whole plan), a GitHub Actions matrix, a GitLab child
//! pipeline, or a bake group of the services to build. Text only: no I/O.

use serde_json::{json, Value};

use super::{Plan, PlannedService};
use crate::error::{Error, Result};
use crate::generate::bake;

/// The output formats of `isogen plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    GithubMatrix,
    Gitlab,
    Bake,
}

/// The name of the group `--format bake` writes.
pub const BAKE_GROUP: &str = "affected";

/// The text of `plan` in `format`.
pub fn render(plan: &Plan, format: Format) -> Result<String> {
    let json_error = |e: serde_json::Error| Error::Usage(format!("cannot write the plan: {e}"));
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(plan).map_err(json_error)? + "\n"),
        Format::GithubMatrix => {
            Ok(serde_json::to_string(&github_matrix(plan)).map_err(json_error)? + "\n")
        }
        Format::Gitlab => gitlab(plan),
        Format::Bake => Ok(bake_group(plan)),
    }
}

fn matrix_entry(s: &PlannedService) -> Value {
    json!({
        "service": s.name,
        "ecosystem": s.ecosystem,
        "folder": s.folder,
        "package": s.package,
        "dockerfile": s.dockerfile,
        "image": s.image,
    })
}

/// `{"include": [...]}`: what `strategy: matrix: ${{ fromJSON(...) }}` reads, one job per
/// service. GitHub refuses an empty matrix, so a workflow tests `include[0]` first.
pub fn github_matrix(plan: &Plan) -> Value {
    json!({ "include": plan.services.iter().map(matrix_entry).collect::<Vec<_>>() })
}

/// A GitLab child pipeline: one `isogen-build` job with a `parallel:matrix` of the services,
/// extending `.isogen-build`, a job template the pipeline supplies (prepended to this file).
/// With no service to build, one job that says so (a child pipeline needs a job).
fn gitlab(plan: &Plan) -> Result<String> {
    let mut text = String::from(
        "# isogen plan --format gitlab: a child pipeline with one build job per service.\n\
         # Put your `.isogen-build` job template before this (its script reads SERVICE,\n\
         # ECOSYSTEM, FOLDER, PACKAGE, DOCKERFILE and IMAGE).\n",
    );
    let pipeline = if plan.services.is_empty() {
        json!({
            "stages": ["build"],
            "isogen-nothing-to-build": {
                "stage": "build",
                "script": ["echo 'isogen plan: no service to build'"],
            },
        })
    } else {
        let matrix: Vec<Value> = plan
            .services
            .iter()
            .map(|s| {
                json!({
                    "SERVICE": s.name,
                    "ECOSYSTEM": s.ecosystem,
                    "FOLDER": s.folder,
                    "PACKAGE": s.package,
                    "DOCKERFILE": s.dockerfile,
                    "IMAGE": s.image,
                })
            })
            .collect();
        json!({
            "stages": ["build"],
            "isogen-build": {
                "stage": "build",
                "extends": ".isogen-build",
                "parallel": { "matrix": matrix },
            },
        })
    };
    let yaml = serde_saphyr::to_string(&pipeline)
        .map_err(|e| Error::Usage(format!("cannot write the plan as YAML: {e}")))?;
    text.push_str(&yaml);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// `group "affected" { targets = [...] }`, to pass to bake with the generated file:
/// `docker buildx bake -f docker-bake.hcl -f affected.hcl affected`.
fn bake_group(plan: &Plan) -> String {
    let targets: Vec<String> = plan
        .services
        .iter()
        .map(|s| bake::target_name(&s.name))
        .collect();
    format!(
        "# isogen plan --format bake: the services to build, as a group of the targets of {}.\n{}",
        bake::FILE,
        bake::group(BAKE_GROUP, &targets)
    )
}
