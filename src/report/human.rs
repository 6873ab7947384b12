//! The terminal report, after rustc's diagnostics: `severity[rule]: message`, the paths with
//! `-->`, the layer, the hint. Readable without colour; colour (when asked, i.e. on a TTY) only
//! emphasises.
//!
//! Formatting only: it never decides what passed, a finding's severity or which findings
//! exist, and it prints nothing (it returns the text; the CLI writes it).

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::{Counts, ImageReport, Report};
use crate::image::escape_controls as esc;
use crate::verify::{Finding, NameSource, Severity};

/// Paths shown per finding before "and N more".
const MAX_PATHS: usize = 8;

struct Paint {
    on: bool,
}

impl Paint {
    fn p(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
    fn sev(&self, s: Severity) -> Style {
        let c = match s {
            Severity::Error => AnsiColor::Red,
            Severity::Warning => AnsiColor::Yellow,
            Severity::Info => AnsiColor::Cyan,
        };
        Style::new().bold().fg_color(Some(c.into()))
    }
}

fn short_digest(d: &str) -> &str {
    let hex = d.strip_prefix("sha256:").unwrap_or(d);
    &hex[..hex.len().min(12)]
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn counts_text(c: Counts) -> String {
    let mut parts = vec![plural(c.errors, "error"), plural(c.warnings, "warning")];
    if c.infos > 0 {
        parts.push(plural(c.infos, "note"));
    }
    parts.join(", ")
}

fn finding(out: &mut String, f: &Finding, paint: &Paint) {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let blue = Style::new().bold().fg_color(Some(AnsiColor::Blue.into()));
    let label = match f.severity {
        Severity::Info => "note",
        s => s.as_str(),
    };
    let _ = writeln!(
        out,
        "{}: {}",
        paint.p(paint.sev(f.severity), &format!("{label}[{}]", f.rule)),
        paint.p(bold, &esc(&f.message))
    );
    let arrow = paint.p(blue, "-->");
    for p in f.paths.iter().take(MAX_PATHS) {
        let _ = writeln!(out, "   {arrow} {}", esc(p));
    }
    if f.paths.len() > MAX_PATHS {
        let _ = writeln!(out, "   {arrow} ... and {} more", f.paths.len() - MAX_PATHS);
    }
    for v in &f.values {
        let _ = writeln!(out, "   {} {}", paint.p(blue, "  ="), esc(v));
    }
    let bar = paint.p(blue, "  |");
    if let Some(l) = &f.layer {
        let by = l
            .created_by
            .as_deref()
            .map(|c| format!(" ({})", esc(&shorten_step(c, 70))))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "   {bar} layer {} {}{}",
            l.index,
            short_digest(&l.digest),
            paint.p(dim, &by)
        );
    }
    if let Some(h) = &f.hidden {
        let _ = writeln!(
            out,
            "   {bar} {} by layer {} {}",
            h.how,
            h.layer.index,
            short_digest(&h.layer.digest)
        );
    }
    let _ = writeln!(out, "   {} {}", paint.p(blue, "  = hint:"), f.hint);
}

/// A build step shortened to `max` characters; a COPY or ADD keeps its destination (what the
/// finding is about) and loses the middle of its sources instead.
fn shorten_step(step: &str, max: usize) -> String {
    let step = step.split_whitespace().collect::<Vec<_>>().join(" ");
    let step = step.strip_suffix(" # buildkit").unwrap_or(&step);
    if step.chars().count() <= max {
        return step.to_string();
    }
    let copy = ["COPY ", "ADD "].iter().any(|k| step.contains(k));
    // `#(nop) COPY file:abc in /app/x` (docker's classic builder), else the last word.
    let dest = match step.rsplit_once(" in ") {
        Some((_, dest)) if step.contains("#(nop)") => dest,
        _ => step.rsplit(' ').next().unwrap_or(""),
    };
    let room = max.saturating_sub(dest.chars().count() + 4);
    if !copy || room < 10 {
        return truncate(step, max);
    }
    format!("{}... {dest}", step.chars().take(room).collect::<String>())
}

fn truncate(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        s
    } else {
        format!("{}...", s.chars().take(max).collect::<String>())
    }
}

fn image(out: &mut String, img: &ImageReport, paint: &Paint) {
    let bold = Style::new().bold();
    let s = &img.service;
    let from = match s.name_from {
        NameSource::Flag => "--service",
        NameSource::Label => "label dev.isogen.service",
        NameSource::ImageName => "the image name",
    };
    let manifest = img
        .manifest_digest
        .as_deref()
        .map(|d| format!(", manifest {}", short_digest(d)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} {} ({}{manifest}, {} layers)",
        paint.p(bold, "Checking"),
        esc(img.title()),
        img.platform,
        img.layers.len()
    );
    if !img.other_platforms.is_empty() {
        let _ = writeln!(
            out,
            "  also in the archive, not checked: {}",
            esc(&img.other_platforms.join(", "))
        );
    }
    if img.title() != img.source {
        let _ = writeln!(out, "  from {}", esc(&img.source));
    }
    let where_ = match (&s.root, &s.binary) {
        (Some(r), _) => format!(", found at {}", esc(r)),
        (None, Some(b)) => format!(", binary {}", esc(b)),
        (None, None) => ", not found in the image".to_string(),
    };
    let _ = writeln!(out, "  as service {} (from {from}){where_}", esc(&s.name));
    if let Some(root) = &s.app_root {
        let _ = writeln!(out, "  app root {}", esc(root));
    }
    if let Some(c) = &img.compared {
        let integrity = match &c.installed_lockfile {
            Some(path) => format!(
                "{} by integrity (recorded in {})",
                c.by_integrity,
                esc(path)
            ),
            None => "none by integrity".to_string(),
        };
        let _ = writeln!(
            out,
            "  compared {} third-party packages with {} by version, {integrity}",
            c.by_version,
            esc(&c.lockfile)
        );
    }
    let _ = writeln!(out);
    for f in &img.findings {
        finding(out, f, paint);
        let _ = writeln!(out);
    }
    for sk in &img.skipped {
        let _ = writeln!(
            out,
            "{}: rule {} did not run: {}",
            paint.p(Style::new().bold(), "skipped"),
            sk.rule,
            esc(&sk.reason)
        );
    }
    if !img.skipped.is_empty() {
        let _ = writeln!(out);
    }
    let verdict = if img.passed {
        paint.p(
            Style::new().bold().fg_color(Some(AnsiColor::Green.into())),
            "passed",
        )
    } else {
        paint.p(paint.sev(Severity::Error), "FAILED")
    };
    let _ = writeln!(
        out,
        "{}: {verdict} ({})",
        esc(img.title()),
        counts_text(img.counts)
    );
}

/// The report for people.
pub fn render(report: &Report, color: bool) -> String {
    let paint = Paint { on: color };
    let mut out = String::new();
    for (i, img) in report.images.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out);
        }
        image(&mut out, img, &paint);
    }
    if report.images.len() > 1 {
        let failed = report.images.iter().filter(|i| !i.passed).count();
        let _ = writeln!(
            out,
            "\n{} checked: {} failed ({})",
            plural(report.images.len(), "image"),
            failed,
            counts_text(report.counts)
        );
    }
    out
}

#[cfg(test)]
mod step_tests {
    use super::shorten_step;

    #[test]
    fn a_long_copy_keeps_its_destination() {
        let step = "COPY --from=build /src/services/billing/dist/a.js /src/services/billing/dist/b.js /src/services/billing/dist/c.js /app/services/billing/dist/ # buildkit";
        let short = shorten_step(step, 70);
        assert!(
            short.ends_with("... /app/services/billing/dist/"),
            "{short}"
        );
        assert!(short.chars().count() <= 70, "{short}");
        let classic = "/bin/sh -c #(nop) COPY dir:0123456789abcdef0123456789abcdef0123456789abcdef in /app/services/payments ";
        assert!(shorten_step(classic, 70).ends_with("... /app/services/payments"));
        assert_eq!(shorten_step("RUN true", 70), "RUN true");
    }
}
