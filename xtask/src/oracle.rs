//! `cargo xtask oracle [--cases N] [--seed S]`: the differential test against the Go oracle
//! (tests/it/image_oracle.rs) at a size CI cannot afford: N random adversarial images (default
//! 2000) from seed S (default: a new one each run, printed so a failure can be replayed).

use std::path::Path;

use anyhow::{bail, Result};

use crate::cmd::Cmd;

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut cases = 2000u64;
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs());
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = |v: Option<&String>| -> Result<u64> {
            match v.map(|v| v.parse::<u64>()) {
                Some(Ok(n)) => Ok(n),
                _ => bail!("oracle: {arg} needs a number"),
            }
        };
        match arg.as_str() {
            "--cases" => cases = value(args.next())?,
            "--seed" => seed = value(args.next())?,
            other => bail!("oracle: unknown argument {other:?}"),
        }
    }
    println!("oracle: {cases} random cases from seed {seed} (replay with --seed {seed})");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    Cmd::new(cargo)
        .args([
            "test",
            "--test",
            "it",
            "--",
            "image_oracle::",
            "--nocapture",
        ])
        .env("ISOGEN_ORACLE_CASES", cases.to_string())
        .env("ISOGEN_ORACLE_SEED", seed.to_string())
        .current_dir(root)
        .run()
}
