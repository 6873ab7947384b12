//! The `stop_signal` setting of `[generate.services.<name>]`: the signal a container runtime
//! sends to stop the service (`STOPSIGNAL`), for a server that shuts down cleanly on another
//! signal than SIGTERM (`SIGINT`, `SIGQUIT`). A signal name as Docker reads one (case aside,
//! with or without `SIG`) or a number from 1 to 64, checked while isogen.toml is read and
//! written as `SIGINT` (or the number).
//!
//! Pure: it checks and spells a value; it never renders or reads a file.

use serde::{Deserialize, Serialize};

/// The Linux signal names (without `SIG`) a container runtime accepts for `STOPSIGNAL`.
const NAMES: &[&str] = &[
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "KILL", "USR1", "SEGV",
    "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
    "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "POLL", "PWR", "SYS",
];

/// A stop signal, spelled as `STOPSIGNAL` gets it (`SIGINT`, or a number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct StopSignal(pub String);

impl StopSignal {
    /// `text` as a stop signal (`SIGINT`, `sigint`, `INT`, `2`), or why it is not one.
    pub fn parse(text: &str) -> Result<StopSignal, String> {
        let t = text.trim();
        if let Ok(n) = t.parse::<u8>() {
            if (1..=64).contains(&n) {
                return Ok(StopSignal(n.to_string()));
            }
        }
        let upper = t.to_ascii_uppercase();
        let name = upper.strip_prefix("SIG").unwrap_or(&upper);
        if NAMES.contains(&name) {
            return Ok(StopSignal(format!("SIG{name}")));
        }
        Err(format!(
            "{text:?} is not a signal (expected a name such as \"SIGINT\" or \"SIGQUIT\", or a number from 1 to 64)"
        ))
    }

    /// Whether it is SIGTERM, what a container runtime sends when an image sets none.
    pub fn is_default(&self) -> bool {
        self.0 == "SIGTERM" || self.0 == "15"
    }
}

impl<'de> Deserialize<'de> for StopSignal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        StopSignal::parse(&text).map_err(|e| serde::de::Error::custom(format!("stop_signal: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::StopSignal;

    #[test]
    fn names_and_numbers_are_spelled_as_stopsignal_gets_them() {
        for (text, spelled) in [
            ("SIGINT", "SIGINT"),
            ("sigquit", "SIGQUIT"),
            ("USR2", "SIGUSR2"),
            ("2", "2"),
        ] {
            assert_eq!(StopSignal::parse(text), Ok(StopSignal(spelled.into())));
        }
        for bad in ["SIGNOPE", "0", "65", "$SIG", "", "SIG INT"] {
            let err = StopSignal::parse(bad).unwrap_err();
            assert!(err.contains("is not a signal"), "{bad}: {err}");
        }
        assert!(StopSignal::parse("term").unwrap().is_default());
        assert!(!StopSignal::parse("SIGINT").unwrap().is_default());
    }
}
