//! What `isogen verify` checks against, as the command line names it: the workspace
//! (`--workspace`, else the current directory when it is one) and the policy file
//! (`--config`, else `isogen.toml` at the workspace root, else here), each read once and
//! handed to `verify`. It only finds and loads these inputs; it never reads an image or
//! judges one.

use std::path::{Path, PathBuf};

use isogen::config::{Config, FILE_NAME};
use isogen::workspace::Workspace;
use isogen::Result;

/// The loaded inputs of one `isogen verify` call.
pub struct Inputs {
    pub config: Config,
    /// The policy file, for errors about it (`isogen.toml` when there is none).
    pub config_path: PathBuf,
    pub workspace: Option<Workspace>,
}

/// Finds and loads the workspace and the policy; errors name the folder or the file.
pub fn load(workspace: Option<&Path>, config: Option<&Path>) -> Result<Inputs> {
    let ws_root = match workspace {
        Some(dir) => {
            if !Workspace::is_workspace(dir) {
                return Err(Workspace::not_a_workspace(dir));
            }
            Some(dir.to_path_buf())
        }
        None => Workspace::is_workspace(Path::new(".")).then(|| PathBuf::from(".")),
    };
    let loaded = match (config, &ws_root) {
        (Some(path), _) => Config::load(path)?,
        (None, Some(root)) => Config::load_from_root(root)?,
        (None, None) => Config::load_from_root(Path::new("."))?,
    };
    let config_path = config
        .map(Path::to_path_buf)
        .or_else(|| loaded.source.clone())
        .unwrap_or_else(|| PathBuf::from(FILE_NAME));
    let workspace = match &ws_root {
        Some(root) => Some(Workspace::discover(root, &loaded.workspace)?),
        None => None,
    };
    Ok(Inputs {
        config: loaded,
        config_path,
        workspace,
    })
}
