//! The benchmark's tables as Markdown, and writing them into BENCHMARKS.md between
//! `<!-- bench:begin -->` and `<!-- bench:end -->` (everything outside the markers is kept).

use std::fs;
use std::path::Path;

use super::generate::GenerateResult;
use super::measure::{Stats, Tool};
use super::shapes::{Built, Shape};
use super::Options;

pub struct Section {
    name: String,
    title: String,
    describe: String,
    decompressor: &'static str,
    rows: Vec<(String, Stats)>,
}

impl Section {
    pub fn new(shape: &Shape, built: &Built, tools: &[Tool], stats: Vec<Stats>) -> Self {
        Section {
            name: shape.name.to_string(),
            title: shape.title.to_string(),
            describe: built.describe(),
            decompressor: super::decompressor(built.comp),
            rows: tools.iter().map(|t| t.name.clone()).zip(stats).collect(),
        }
    }

    fn wall(&self, name: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|(n, s)| n == name && s.runs > 0)
            .map(|(_, s)| s.wall)
    }

    pub fn markdown(&self) -> String {
        let floor = self.wall("floor");
        let dive = self.wall("dive --ci");
        let ratio = |wall: f64, base: Option<f64>| match base {
            Some(b) if b > 0.0 && wall.is_finite() => format!("{:.2}x", wall / b),
            _ => "-".into(),
        };
        let mut text = format!(
            "### {}: {}\n\n{}; floor decompressor: `{}`.\n\n",
            self.name, self.title, self.describe, self.decompressor
        );
        text.push_str("| tool | wall s (median) | x floor | x dive | CPU s | CPU/wall | peak RSS MiB | runs | exit |\n");
        text.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (name, s) in &self.rows {
            if s.runs == 0 {
                text.push_str(&format!("| {name} | failed | | | | | | 0 | |\n"));
                continue;
            }
            let codes = if s.codes.is_empty() {
                "0".to_string()
            } else {
                s.codes
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            text.push_str(&format!(
                "| {name} | {:.3} | {} | {} | {:.2} | {:.2} | {:.1} | {} | {codes} |\n",
                s.wall,
                ratio(s.wall, floor),
                ratio(s.wall, dive),
                s.cpu,
                s.cpu / s.wall.max(0.001),
                s.rss_kib as f64 / 1024.0,
                s.runs,
            ));
        }
        text
    }
}

fn machine() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let sha = if cpuinfo.contains(" sha_ni") {
        ", SHA-NI"
    } else {
        ""
    };
    format!("{} cores, {model}{sha}", super::cores())
}

fn command(options: &Options) -> String {
    let mut c = String::from("cargo xtask bench");
    if options.quick {
        c.push_str(" --quick");
    }
    c.push_str(&format!(" --runs {}", options.runs));
    if options.baseline.is_some() {
        c.push_str(" --baseline <isogen built from the commit before>");
    }
    for only in &options.only {
        c.push_str(&format!(" --only {only}"));
    }
    c
}

pub fn write(
    path: &Path,
    options: &Options,
    sections: &[Section],
    generate: Option<&GenerateResult>,
) -> Result<(), String> {
    let mut body = format!(
        "<!-- bench:begin -->\n## Measured\n\nMachine: {}. Command: `{}`. Inputs in the page cache; \
         medians of the runs, tools interleaved; peak RSS is GNU time's maximum resident set size \
         (of the largest process of a pipeline); CPU is user + system.\n\n",
        machine(),
        command(options)
    );
    for section in sections {
        body.push_str(&section.markdown());
        body.push('\n');
    }
    if let Some(g) = generate {
        body.push_str(&g.markdown());
        body.push('\n');
    }
    body.push_str("<!-- bench:end -->");
    let old = fs::read_to_string(path).unwrap_or_default();
    let text = match (
        old.find("<!-- bench:begin -->"),
        old.find("<!-- bench:end -->"),
    ) {
        (Some(a), Some(b)) if a < b => {
            format!(
                "{}{body}{}",
                &old[..a],
                &old[b + "<!-- bench:end -->".len()..]
            )
        }
        _ if old.is_empty() => format!("# Benchmarks\n\n{body}\n"),
        _ => format!("{old}\n{body}\n"),
    };
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
