//! `[compose]` of `isogen.toml`: what `compose.yaml` needs beyond `[generate]` (whose port,
//! health check and user it reuses). Unknown keys are errors.
//!
//! ```toml
//! [compose.services.gateway]
//! depends_on = ["billing", "catalog"]   # started (healthy, when they have a health check) first
//! profiles = ["edge"]                   # only with `docker compose --profile edge`
//! host_port = 8080                      # the host side of `port` (default: the same number)
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

/// `[compose]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComposeConfig {
    #[serde(default)]
    pub services: BTreeMap<String, ComposeService>,
}

/// `[compose.services.<service>]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComposeService {
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub profiles: Vec<String>,
    pub host_port: Option<u16>,
}
