//! JavaScript and TypeScript sources, read with a real parser (oxc): the static import
//! specifiers of one file ([`static_imports`]), with their line and kind; the values an
//! object key is given ([`property_values`], for config files such as `next.config.mjs`);
//! the string literals written as relative paths ([`relative_path_literals`], for the build
//! helpers a script runs); the lines that call dotenv's `config()` ([`dotenv_config_calls`]);
//! the `.listen(...)` calls and the host each gives ([`listen_calls`]);
//! what a module runs when it loads and whether it may keep Node running ([`imports_and_load_effects`]);
//! whether a file writes a `package.json` ([`writes_package_json`]);
//! the line where a file exports a name ([`export_line`], for AWS Lambda handlers);
//! the dependencies a tsup/tsdown config inlines
//! ([`bundle_patterns`]); what a webpack config ([`webpack_config`]) or a Vite config's server
//! build ([`vite_config`]) inlines and leaves external; the paths a file writes under the working folder and the literals
//! that climb out of its package ([`run_paths`]); whether a specifier names one of Node's built-in modules
//! ([`is_builtin`]); `NODE_OPTIONS` split as node splits it and the preload flags among
//! options ([`split_node_options`], [`preloads`]).
//!
//! A leaf module: it imports no other module of this crate (`workspace`, `generate` and
//! `verify` all use it), never reads the disk (the caller hands it the text) and never
//! resolves a specifier (what a specifier reaches is the caller's business).

mod builtins;
mod bundle_configs;
mod bundle_patterns;
mod dotenv_calls;
mod exports;
mod imports;
mod listens;
mod literals;
mod load_effects;
mod manifest_writes;
mod node_options;
mod properties;
mod run_paths;
mod specifier;

pub use builtins::is_builtin;
pub use bundle_configs::{vite_config, webpack_config, Listed, Setting, ViteConfig, WebpackConfig};
pub use bundle_patterns::{bundle_externals, bundle_patterns, BundleExternals, BundlePattern};
pub use dotenv_calls::{dotenv_config_calls, DotenvCall, EnvPath};
pub use exports::export_line;
pub use imports::{static_imports, Import, ImportKind, JsParseError};
pub use listens::{listen_calls, may_call_listen, ListenCall, ListenHost};
pub use literals::relative_path_literals;
pub use load_effects::{imports_and_load_effects, LoadEffects};
pub use manifest_writes::writes_package_json;
pub use node_options::{preload_at, preloads, split_node_options, PreloadFlag};
pub use properties::{property_values, PropertyValue};
pub use run_paths::{run_paths, Base, RunPaths, Write};
pub use specifier::package_name;
