//! Node's built-in modules (`module.builtinModules` of Node 22/24): a specifier naming one (or
//! any `node:` specifier) is never looked up in the file tree. Data only.

const BUILTINS: &[&str] = &[
    "_http_agent",
    "_http_client",
    "_http_common",
    "_http_incoming",
    "_http_outgoing",
    "_http_server",
    "_stream_duplex",
    "_stream_passthrough",
    "_stream_readable",
    "_stream_transform",
    "_stream_wrap",
    "_stream_writable",
    "_tls_common",
    "_tls_wrap",
    "assert",
    "assert/strict",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "dns/promises",
    "domain",
    "events",
    "fs",
    "fs/promises",
    "http",
    "http2",
    "https",
    "inspector",
    "inspector/promises",
    "module",
    "net",
    "os",
    "path",
    "path/posix",
    "path/win32",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "readline/promises",
    "repl",
    "stream",
    "stream/consumers",
    "stream/promises",
    "stream/web",
    "string_decoder",
    "sys",
    "timers",
    "timers/promises",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "util/types",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// Whether `specifier` names a built-in module (`fs`, `fs/promises`, `node:test`).
pub fn is_builtin(specifier: &str) -> bool {
    specifier.starts_with("node:") || BUILTINS.contains(&specifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_with_and_without_the_prefix() {
        for s in [
            "fs",
            "fs/promises",
            "node:fs",
            "node:test",
            "worker_threads",
        ] {
            assert!(is_builtin(s), "{s}");
        }
        for s in ["fs/x", "lodash", "./fs", "test"] {
            assert!(!is_builtin(s), "{s}");
        }
    }
}
