//! JUnit XML as GitLab, Jenkins (and most CI test reporters) ingest it: one `<testsuite>` per
//! image, one `<testcase>` per rule; a rule with findings that fail the gate (error-level, or
//! warnings too with `--fail-on warning`) is a `<failure>` (one per test case, listing every
//! finding), a rule that did not run is `<skipped>`, other findings are printed in the passing
//! case's `<system-out>`.
//!
//! Formatting only: it never decides what passed or failed beyond the severities in the
//! [`super::Report`] and its threshold (`fail_on`), and it prints nothing (it returns the text).

use std::fmt::Write;

use super::{ImageReport, Report};
use crate::verify::{Finding, Severity, RULES};

/// Escapes text for XML content and attribute values; drops characters XML 1.0 cannot hold.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn describe(f: &Finding) -> String {
    let mut s = format!("{}: {}\n", f.severity, f.message);
    for p in &f.paths {
        let _ = writeln!(s, "  path: {p}");
    }
    for v in &f.values {
        let _ = writeln!(s, "  value: {v}");
    }
    if let Some(l) = &f.layer {
        let _ = writeln!(s, "  layer: {} {}", l.index, l.digest);
    }
    if let Some(h) = &f.hidden {
        let _ = writeln!(
            s,
            "  {} by layer {} {}",
            h.how, h.layer.index, h.layer.digest
        );
    }
    let _ = writeln!(s, "  hint: {}", f.hint);
    s
}

fn suite(out: &mut String, img: &ImageReport, fail_on: Severity) -> (usize, usize, usize) {
    let class = format!("isogen.verify.{}", img.service.name);
    let mut cases = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for rule in RULES {
        tests += 1;
        let name = escape(rule.id.as_str());
        let classname = escape(&class);
        if let Some(sk) = img.skipped.iter().find(|s| s.rule == rule.id) {
            skipped += 1;
            let _ = writeln!(
                cases,
                "    <testcase name=\"{name}\" classname=\"{classname}\">\n      <skipped message=\"{}\"/>\n    </testcase>",
                escape(&sk.reason)
            );
            continue;
        }
        let found: Vec<&Finding> = img.findings.iter().filter(|f| f.rule == rule.id).collect();
        let errors: Vec<&&Finding> = found.iter().filter(|f| f.severity >= fail_on).collect();
        if !errors.is_empty() {
            failures += 1;
            let message = if errors.len() == 1 {
                errors[0].message.clone()
            } else {
                format!("{} ({} findings)", errors[0].message, errors.len())
            };
            let body: String = found
                .iter()
                .map(|f| describe(f))
                .collect::<Vec<_>>()
                .join("\n");
            let _ = writeln!(
                cases,
                "    <testcase name=\"{name}\" classname=\"{classname}\">\n      <failure message=\"{}\" type=\"{name}\">{}</failure>\n    </testcase>",
                escape(&message),
                escape(&body)
            );
        } else if !found.is_empty() {
            let body: String = found
                .iter()
                .map(|f| describe(f))
                .collect::<Vec<_>>()
                .join("\n");
            let _ = writeln!(
                cases,
                "    <testcase name=\"{name}\" classname=\"{classname}\">\n      <system-out>{}</system-out>\n    </testcase>",
                escape(&body)
            );
        } else {
            let _ = writeln!(
                cases,
                "    <testcase name=\"{name}\" classname=\"{classname}\"/>"
            );
        }
    }
    let suite_name = format!("{} ({})", img.title(), img.service.name);
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
        escape(&suite_name)
    );
    let _ = writeln!(out, "    <properties>");
    let mut props = vec![
        ("image", img.source.clone()),
        ("service", img.service.name.clone()),
        ("platform", img.platform.clone()),
        ("config_digest", img.config_digest.clone()),
    ];
    if let Some(d) = &img.manifest_digest {
        props.push(("manifest_digest", d.clone()));
    }
    for (k, v) in props {
        let _ = writeln!(
            out,
            "      <property name=\"{k}\" value=\"{}\"/>",
            escape(&v)
        );
    }
    let _ = writeln!(out, "    </properties>");
    out.push_str(&cases);
    let _ = writeln!(out, "  </testsuite>");
    (tests, failures, skipped)
}

pub fn render(report: &Report) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for img in &report.images {
        let (t, f, s) = suite(&mut suites, img, report.fail_on);
        tests += t;
        failures += f;
        skipped += s;
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"isogen verify\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n{suites}</testsuites>\n"
    )
}
