//! `isogen verify`: rules over (merged image tree, image config, workspace, policy) -> findings.
//! Rules never do I/O: everything they look at was read before.
//!
//! TODO(issue 4): implement.

use serde::Deserialize;

/// `[verify]` in `isogen.toml`: the policy.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyConfig {}
