//! `isogen rules` and `isogen explain RULE`: the rule registry ([`crate::verify::diags`]) as
//! users read it, in text or JSON. The same registry feeds the reports' rule descriptions
//! (SARIF's `tool.driver.rules`), so the two can never disagree.
//!
//! Formatting only: never looks at an image or a policy.

use anstyle::{AnsiColor, Style};
use serde_json::{json, Value};

use crate::verify::diags::{self, Rule, Severity};

fn paint(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

fn severity_style(s: Severity) -> Style {
    let color = match s {
        Severity::Error => AnsiColor::Red,
        Severity::Warning => AnsiColor::Yellow,
        Severity::Info => AnsiColor::Cyan,
    };
    Style::new().bold().fg_color(Some(color.into()))
}

/// One rule as an object: what `rules --format json` lists.
pub fn rule_json(r: &Rule) -> Value {
    json!({
        "id": r.id,
        "category": r.category,
        "default_severity": r.default_severity,
        "summary": r.summary,
        "checks": diags::details(r.id),
        "fix": r.hint,
        "needs_workspace": r.needs_workspace,
    })
}

/// Every rule, as JSON: `{"rules": [...]}` in report order.
pub fn list_json() -> String {
    let rules: Vec<Value> = diags::RULES.iter().map(rule_json).collect();
    let mut s = serde_json::to_string_pretty(&json!({ "rules": rules })).unwrap_or_default();
    s.push('\n');
    s
}

/// Every rule: id, default severity, what it checks and how to fix a finding.
pub fn list_text(color: bool) -> String {
    let mut out = String::new();
    let mut n = 0;
    for (i, r) in diags::RULES.iter().enumerate() {
        n += 1;
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&entry(r, color));
    }
    out.push_str(&format!(
        "\n{} rules. `isogen explain RULE` tells one; set their severity in [verify.rules] of isogen.toml, or for one run with `isogen verify --allow/--warn/--deny RULE`.\n",
        n
    ));
    out
}

fn entry(r: &Rule, color: bool) -> String {
    let bold = Style::new().bold();
    let mut out = format!(
        "{} ({})\n  checks: {}\n  fix:    {}\n",
        paint(color, bold, r.id.as_str()),
        paint(
            color,
            severity_style(r.default_severity),
            r.default_severity.as_str()
        ),
        diags::details(r.id),
        r.hint,
    );
    if r.needs_workspace {
        out.push_str("  needs:  a workspace (--workspace DIR, or run in its root)\n");
    }
    out
}

/// One rule in full, with how to change its severity.
pub fn explain_text(r: &Rule, color: bool) -> String {
    let bold = Style::new().bold();
    let mut out = format!(
        "{}: {}\n\n  default severity: {}\n  category:         {}\n",
        paint(color, bold, r.id.as_str()),
        r.summary,
        paint(
            color,
            severity_style(r.default_severity),
            r.default_severity.as_str()
        ),
        serde_json::to_value(r.category)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
    );
    if r.needs_workspace {
        out.push_str("  needs:            a workspace (--workspace DIR, or run in its root)\n");
    }
    out.push_str(&format!(
        "\n{}\n  {}\n\n{}\n  {}\n\n{}\n  in isogen.toml:  [verify.rules] {} = \"warning\"   (\"error\" | \"warning\" | \"info\" | \"off\")\n  for one run:     isogen verify --warn {} IMAGE   (or --allow / --deny)\n",
        paint(color, bold, "What it checks"),
        diags::details(r.id),
        paint(color, bold, "How to fix it"),
        r.hint,
        paint(color, bold, "Changing its severity"),
        r.id,
        r.id,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_list_every_rule_with_its_texts() {
        insta::assert_snapshot!("rules_text", list_text(false));
        let v: Value = serde_json::from_str(&list_json()).unwrap();
        let ids: Vec<&str> = v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        let all: Vec<&str> = diags::RULES.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, all);
        for r in v["rules"].as_array().unwrap() {
            for key in ["summary", "checks", "fix"] {
                assert!(!r[key].as_str().unwrap().is_empty(), "{key} of {}", r["id"]);
            }
        }
    }

    #[test]
    fn explain_tells_one_rule() {
        let r = diags::RuleId::OtherService.rule();
        insta::assert_snapshot!("explain_other_service", explain_text(r, false));
        assert!(explain_text(r, true).contains("\x1b["));
    }

    /// `isogen rules` and the SARIF report describe the same rules with the same texts.
    #[test]
    fn rules_and_the_sarif_rule_list_agree() {
        let report = super::super::Report::new(Vec::new(), None);
        let sarif: Value = serde_json::from_str(&super::super::sarif(&report)).unwrap();
        let driver = &sarif["runs"][0]["tool"]["driver"]["rules"];
        let listed: Value = serde_json::from_str(&list_json()).unwrap();
        let listed = listed["rules"].as_array().unwrap();
        let driver = driver.as_array().unwrap();
        assert_eq!(driver.len(), listed.len());
        for (s, l) in driver.iter().zip(listed) {
            assert_eq!(s["id"], l["id"]);
            assert_eq!(s["shortDescription"]["text"], l["summary"]);
            assert_eq!(s["fullDescription"]["text"], l["checks"]);
            assert_eq!(s["help"]["text"], l["fix"]);
            let level = match l["default_severity"].as_str().unwrap() {
                "info" => "note",
                other => other,
            };
            assert_eq!(s["defaultConfiguration"]["level"], level);
        }
    }
}
