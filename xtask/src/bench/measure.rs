//! Running the tools under GNU time, interleaved (run 1 of every tool, then run 2...) so a
//! slow moment of a shared machine hits them all alike; medians of wall and CPU time, the
//! largest peak RSS. Nothing here builds inputs or formats tables.

use std::fs;
use std::process::Command;

/// One command to measure.
pub struct Tool {
    pub name: String,
    pub argv: Vec<String>,
    /// Extra environment (e.g. `ISOGEN_CORES`).
    pub env: Vec<(String, String)>,
    /// Measured once only (slow tools).
    pub once: bool,
    /// Working directory (isogen verify must not run inside a workspace it would pick up).
    pub cwd: Option<std::path::PathBuf>,
    /// A shell command run before each sample, not timed (e.g. a fresh copy of the input).
    pub prepare: Option<String>,
}

impl Tool {
    pub fn sh(name: &str, script: String) -> Tool {
        Tool {
            name: name.to_string(),
            argv: vec!["sh".into(), "-c".into(), script],
            env: Vec::new(),
            once: false,
            cwd: None,
            prepare: None,
        }
    }
}

#[derive(Clone, Default)]
pub struct Stats {
    pub wall: f64,
    pub cpu: f64,
    pub rss_kib: u64,
    pub runs: usize,
    /// Exit codes seen other than 0 (verify's 1 is a finding, not a failure).
    pub codes: Vec<i32>,
}

struct Sample {
    wall: f64,
    cpu: f64,
    rss_kib: u64,
    code: i32,
}

pub fn interleaved(tools: &[Tool], runs: usize) -> Vec<Stats> {
    let mut samples: Vec<Vec<Sample>> = tools.iter().map(|_| Vec::new()).collect();
    for run in 0..runs.max(1) {
        for (tool, out) in tools.iter().zip(&mut samples) {
            if tool.once && run > 0 {
                continue;
            }
            eprintln!("bench:   [{}/{}] {}", run + 1, runs, tool.name);
            match sample(tool) {
                Ok(s) => out.push(s),
                Err(e) => eprintln!("bench:   {}: {e}", tool.name),
            }
        }
    }
    samples.iter().map(|s| summarize(s)).collect()
}

fn summarize(samples: &[Sample]) -> Stats {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            f64::NAN
        } else if v.len() % 2 == 1 {
            v[v.len() / 2]
        } else {
            (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
        }
    };
    let mut codes: Vec<i32> = samples.iter().map(|s| s.code).filter(|&c| c != 0).collect();
    codes.dedup();
    Stats {
        wall: median(samples.iter().map(|s| s.wall).collect()),
        cpu: median(samples.iter().map(|s| s.cpu).collect()),
        rss_kib: samples.iter().map(|s| s.rss_kib).max().unwrap_or(0),
        runs: samples.len(),
        codes,
    }
}

fn sample(tool: &Tool) -> Result<Sample, String> {
    if let Some(prepare) = &tool.prepare {
        let status = Command::new("sh")
            .args(["-c", prepare])
            .status()
            .map_err(|e| format!("{prepare}: {e}"))?;
        if !status.success() {
            return Err(format!("{prepare}: {status}"));
        }
    }
    let report = std::env::temp_dir().join(format!("isogen-bench-time-{}", std::process::id()));
    let mut command = Command::new("/usr/bin/time");
    command
        .args(["-f", "%e %U %S %M", "-o"])
        .arg(&report)
        .args(&tool.argv)
        .envs(tool.env.iter().map(|(k, v)| (k, v)))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    if let Some(cwd) = &tool.cwd {
        command.current_dir(cwd);
    }
    let start = std::time::Instant::now();
    let output = command
        .output()
        .map_err(|e| format!("/usr/bin/time: {e}"))?;
    let elapsed = start.elapsed().as_secs_f64();
    let text = fs::read_to_string(&report).map_err(|e| format!("{}: {e}", report.display()))?;
    let _ = fs::remove_file(&report);
    let code = output.status.code().unwrap_or(-1);
    if code >= 2 {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: String = stderr.lines().rev().take(3).collect::<Vec<_>>().join(" | ");
        eprintln!("bench:   exit {code}: {tail}");
    }
    let last = text.lines().last().unwrap_or_default();
    let fields: Vec<f64> = last
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let [_, user, system, rss] = fields[..] else {
        return Err(format!("cannot parse GNU time's output {text:?}"));
    };
    Ok(Sample {
        wall: elapsed,
        cpu: user + system,
        rss_kib: rss as u64,
        code,
    })
}
