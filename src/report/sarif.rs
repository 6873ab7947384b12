//! SARIF 2.1.0 (<https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>), for code
//! scanning. One run for the whole call (code-scanning services expect one run per tool and
//! category), every rule described in `tool.driver.rules`, one result per finding.
//!
//! A result's physical location is the Dockerfile that builds the service when the workspace
//! says which (so the finding shows up on it), else the image archive itself. The offending
//! paths inside the image are logical locations (`<image>:/app/...`) and are repeated in the
//! message. `partialFingerprints` keep a finding's identity stable across runs.
//!
//! Formatting only: it never changes a finding's rule, severity or paths, and prints nothing.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{ImageReport, Report};
use crate::verify::{diags, Finding, Severity, RULES};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn fingerprint(service: &str, f: &Finding) -> String {
    let mut h = Sha256::new();
    h.update(service.as_bytes());
    h.update([0]);
    h.update(f.rule.as_str().as_bytes());
    for p in f.paths.iter().chain(f.values.iter()) {
        h.update([0]);
        h.update(p.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A relative URI reference for a path as given on the command line.
fn uri(path: &str) -> String {
    path.trim_start_matches("./")
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_string(),
            '#' => "%23".to_string(),
            '?' => "%3F".to_string(),
            '%' => "%25".to_string(),
            '\\' => "/".to_string(),
            c => c.to_string(),
        })
        .collect()
}

pub fn render(report: &Report) -> String {
    let results: Vec<Value> = report
        .images
        .iter()
        .flat_map(|img| img.findings.iter().map(move |f| result(img, f)))
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rule_descriptors(),
            }},
            "automationDetails": {"id": "isogen-verify/"},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{
                "executionSuccessful": true,
                "properties": {"passed": report.passed, "images": report.images.iter().map(|i| &i.source).collect::<Vec<_>>()}
            }],
        }]
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

/// `tool.driver.rules`: every rule, whether it found something or not.
fn rule_descriptors() -> Vec<Value> {
    RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": diags::details(r.id)},
                "help": {"text": r.hint},
                "defaultConfiguration": {"level": level(r.default_severity)},
                "properties": {"category": r.category, "tags": ["isogen", "container"]}
            })
        })
        .collect()
}

/// One finding as a SARIF result.
fn result(img: &ImageReport, f: &Finding) -> Value {
    let mut text = format!(
        "{} [{}, service {}]",
        f.message,
        img.title(),
        img.service.name
    );
    if !f.paths.is_empty() {
        text.push_str(&format!(": {}", f.paths.join(", ")));
    }
    if !f.values.is_empty() {
        text.push_str(&format!(" ({})", f.values.join("; ")));
    }
    let mut result = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": text},
        "locations": [location(img, f)],
        "partialFingerprints": {"isogenFinding/v1": fingerprint(&img.service.name, f)},
        "properties": properties(img, f),
    });
    if let Some(i) = RULES.iter().position(|r| r.id == f.rule) {
        result["ruleIndex"] = json!(i);
    }
    result
}

/// Where a finding shows: the Dockerfile that builds the service (else the image archive),
/// and the offending paths in the image as logical locations.
fn location(img: &ImageReport, f: &Finding) -> Value {
    let artifact = match &img.dockerfile {
        Some(d) => json!({"uri": uri(d), "uriBaseId": "%SRCROOT%"}),
        None if img.source.starts_with('/') => {
            json!({"uri": format!("file://{}", uri(&img.source))})
        }
        None => json!({"uri": uri(&img.source), "uriBaseId": "%SRCROOT%"}),
    };
    let mut physical = json!({"artifactLocation": artifact});
    if img.dockerfile.is_some() {
        physical["region"] = json!({"startLine": 1});
    }
    let logical: Vec<Value> = f
        .paths
        .iter()
        .map(|p| json!({"fullyQualifiedName": format!("{}:{p}", img.title()), "kind": "resource"}))
        .collect();
    let mut location = json!({"physicalLocation": physical});
    if !logical.is_empty() {
        location["logicalLocations"] = Value::Array(logical);
    }
    location
}

/// isogen's own facts about a finding: image, service, paths, values, layers.
fn properties(img: &ImageReport, f: &Finding) -> Value {
    let mut props = json!({
        "image": img.source,
        "imageNames": img.names,
        "service": img.service.name,
        "paths": f.paths,
        "values": f.values,
    });
    if let Some(l) = &f.layer {
        props["layer"] = json!({"index": l.index, "digest": l.digest});
    }
    if let Some(h) = &f.hidden {
        props["hidden"] =
            json!({"how": h.how, "byLayer": h.layer.index, "byLayerDigest": h.layer.digest});
    }
    props
}
