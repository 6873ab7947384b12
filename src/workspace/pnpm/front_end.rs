//! Static front ends: a package whose start script runs a front-end tool's development or
//! preview server (`vite`, `vite preview`, `astro preview`, `react-scripts start`, `ng serve`,
//! ...) or a static file server over its build (`serve -s dist`, `http-server`), and that has
//! nothing `node` could run itself (no `main`, `exports`, `bin` or `node <file>`) and no
//! server-side rendering adapter. Such a package is built to static files and served by a
//! web server or a CDN: not a Node service, so isogen writes it no Dockerfile and says why.
//!
//! The tools' own documentation is the evidence: Vite's `vite preview` "Locally preview the
//! production build. Do not use this as a production server as it's not designed for it";
//! Astro's `astro preview` is a local preview "not designed to be run in production"; `serve`
//! and `http-server` serve a folder of files.
//!
//! A React Native app (it depends on `expo` or `react-native`: create-t3-turbo's `apps/expo`,
//! whose `main` is the app's `index.ts`) is a front end too: its bundle runs on phones, built
//! by Expo's or React Native's tooling, never by `node` in a container. So is an Electron
//! desktop app (it depends on `electron`; inbox-zero's `apps/desktop`, `start: electron .`),
//! and a Tauri app's front end (it depends on `@tauri-apps/api` or `@tauri-apps/cli`; Cap's
//! `apps/desktop`, a SolidStart app built by `vinxi build` into the Tauri app's webview). A
//! Cloudflare Worker (it depends on `wrangler` and a script runs `wrangler dev` or `wrangler
//! deploy`; Cap's `apps/discord-bot`, `start: wrangler dev`) runs on Cloudflare's workerd
//! runtime, not on Node in a container: no Dockerfile either.
//!
//! Pure: it reads the model discovery built, never the disk.

use super::start_script::{last_command, StartCommand};
use super::NodePackage;
use crate::workspace::Package;

/// Dependencies that make a front-end build a Node server (server-side rendering): its
/// production command is the adapter's server, not a static file server.
const SSR_ADAPTERS: &[&str] = &[
    "@sveltejs/adapter-node",
    "@astrojs/node",
    "nuxt",
    "@remix-run/node",
    "@remix-run/serve",
    "@react-router/node",
    "@react-router/serve",
    "@angular/ssr",
    "@nguniversal/express-engine",
    "vike",
    "vite-plugin-ssr",
    "@analogjs/platform",
    "@tanstack/react-start",
    "@solidjs/start",
];

/// Static file servers: whatever their arguments, they serve a folder of files.
const FILE_SERVERS: &[&str] = &["serve", "http-server", "sirv", "live-server", "lite-server"];

/// What a command (its words, program first) serves when it is a front-end tool's development
/// or preview server or a static file server: the command as shown (`vite preview`) and what
/// it is. `None` for any other command (`vite build`, `node dist/main.js`).
pub fn static_server(words: &[String]) -> Option<(String, &'static str)> {
    let (program, args) = words.split_first()?;
    let sub = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(String::as_str);
    let what = match (program.as_str(), sub) {
        ("vite", Some("preview")) => {
            "Vite's local preview of the build (Vite's docs: not designed as a production server)"
        }
        ("vite", Some("build" | "optimize")) => return None,
        // `vite`, `vite dev`, `vite serve`, `vite <root>`.
        ("vite", _) => "Vite's development server",
        ("astro", Some("preview")) => {
            "Astro's local preview of the build (Astro's docs: not designed for production)"
        }
        ("astro", Some("dev")) => "Astro's development server",
        ("react-scripts" | "react-app-rewired" | "craco", Some("start")) => {
            "Create React App's development server"
        }
        ("vue-cli-service", Some("serve")) => "Vue CLI's development server",
        ("ng", Some("serve")) => "Angular's development server",
        ("webpack", Some("serve")) | ("webpack-dev-server", _) => "webpack's development server",
        ("parcel", None | Some("serve")) => "Parcel's development server",
        ("gatsby", Some("develop")) => "Gatsby's development server",
        ("gatsby", Some("serve")) => "Gatsby's local preview of the build",
        ("docusaurus", Some("start")) => "Docusaurus's development server",
        ("docusaurus", Some("serve")) => "Docusaurus's local preview of the build",
        (p, _) if FILE_SERVERS.contains(&p) => "a static file server",
        _ => return None,
    };
    let shown = match sub {
        Some(s) if !FILE_SERVERS.contains(&program.as_str()) => format!("{program} {s}"),
        _ => program.clone(),
    };
    Some((shown, what))
}

/// Why `package` is a static front end (see the module), or `None` when it is not one.
pub fn static_front_end(package: &Package) -> Option<String> {
    let node = package.node.as_ref()?;
    if let Some(reason) = (mobile_app(node))
        .or_else(|| desktop_app(node))
        .or_else(|| cloudflare_worker(node))
    {
        return Some(reason);
    }
    if node.next.is_some() || node.service_entry().is_some() || !node.processes.is_empty() {
        return None;
    }
    let (script, command) = node.start.as_ref()?;
    if !matches!(command, StartCommand::Dev(_) | StartCommand::Other) {
        return None;
    }
    if super::start_rule::builds_a_server(node) || ssr_adapter(node).is_some() {
        return None;
    }
    let words = last_command(node.scripts.get(script)?)?;
    let (shown, what) = static_server(&words)?;
    Some(format!(
        "a static front end: its `{script}` script runs `{shown}`, {what}, and it has no \
         `main`, `exports`, `bin` or `node <file>` script; no Dockerfile: serve the files its \
         build writes from a web server or a CDN"
    ))
}

/// Whether the package is a Next.js app, has `start:*` processes, or has a start script that
/// runs `node <file>`, `next start` or a shell script: then no framework dependency (Expo,
/// Electron) makes it a non-service.
fn runs_in_a_container(node: &NodePackage) -> bool {
    let starts = matches!(
        node.start,
        Some((
            _,
            StartCommand::Node { .. }
                | StartCommand::Next { .. }
                | StartCommand::ShellScript { .. }
        ))
    );
    node.next.is_some() || starts || !node.processes.is_empty()
}

/// Why the package is a React Native app: it depends on `expo` or `react-native`, is no
/// Next.js app, and no start script runs `node <file>`, `next start` or a shell script.
fn mobile_app(node: &NodePackage) -> Option<String> {
    if runs_in_a_container(node) {
        return None;
    }
    let dep = (node.deps.iter())
        .filter(|d| d.kind != crate::workspace::DepKind::Dev)
        .map(|d| d.key.as_str())
        .find(|k| matches!(*k, "expo" | "react-native"))?;
    Some(format!(
        "a React Native app (it depends on `{dep}`): its bundle runs on phones, built by Expo's \
         or React Native's tooling, not by `node` in a container; no Dockerfile"
    ))
}

/// Why the package is an Electron desktop app: it depends on `electron` (a devDependency, as
/// electron-builder wants it), is no Next.js app, and no start script runs `node <file>`,
/// `next start` or a shell script (inbox-zero's `apps/desktop`: `"main": "dist/main.js"`,
/// `"start": "electron ."`). Or a Tauri app's front end: it depends on `@tauri-apps/api` (the
/// webview's bridge to the Rust side) or `@tauri-apps/cli` (Cap's `apps/desktop`, whose
/// `build` is `vinxi build` and whose SolidStart dependency would otherwise make it a
/// server-side rendered app).
fn desktop_app(node: &NodePackage) -> Option<String> {
    if runs_in_a_container(node) {
        return None;
    }
    let deps = || node.deps.iter().map(|d| d.key.as_str());
    if let Some(dep) = deps().find(|k| matches!(*k, "electron" | "electron-nightly")) {
        return Some(format!(
            "an Electron desktop app (it depends on `{dep}`): it runs on users' machines, \
             packaged by electron-builder or Electron Forge, not by `node` in a container; no \
             Dockerfile"
        ));
    }
    let dep = deps().find(|k| matches!(*k, "@tauri-apps/api" | "@tauri-apps/cli"))?;
    Some(format!(
        "a Tauri desktop app's front end (it depends on `{dep}`): it runs in the app's webview \
         on users' machines, packaged by `tauri build`, not by `node` in a container; no \
         Dockerfile"
    ))
}

/// Why the package is a Cloudflare Worker: it depends on `wrangler`, its start script runs
/// `wrangler dev` (or, with no such start script, another script runs `wrangler dev`,
/// `wrangler deploy`, ... and its `build` and `dev` show no Node server), and no start script
/// runs `node <file>`, `next start` or a shell script (Cap's `apps/discord-bot`: `"start": "wrangler dev"`,
/// `"deploy": "wrangler deploy"`, a `wrangler.jsonc` beside it). Its code runs on Cloudflare's
/// workerd runtime, which `wrangler dev` emulates locally.
fn cloudflare_worker(node: &NodePackage) -> Option<String> {
    if runs_in_a_container(node) || !node.deps.iter().any(|d| d.key == "wrangler") {
        return None;
    }
    let runs_wrangler = |text: &str| {
        let words: Vec<&str> = text.split_whitespace().collect();
        (words.windows(2))
            .any(|w| w[0] == "wrangler" && matches!(w[1], "dev" | "deploy" | "publish" | "pages"))
    };
    let start = node.start.as_ref().map(|(script, _)| script.as_str());
    // Without a start script that runs wrangler, another script's `wrangler dev` shows a
    // Worker only when nothing shows a Node server: uploadthing's backend-adapters server has
    // `dev:cf: wrangler dev` beside `dev:express: tsx watch src/express.ts` and `build: tsc`.
    let (script, text) = (start.and_then(|s| Some((s, node.scripts.get(s)?.as_str()))))
        .filter(|(_, text)| runs_wrangler(text))
        .or_else(|| {
            (node.scripts.iter())
                .map(|(s, t)| (s.as_str(), t.as_str()))
                .find(|(_, text)| runs_wrangler(text))
                .filter(|_| !super::start_rule::builds_a_server(node))
        })?;
    Some(format!(
        "a Cloudflare Worker (its `{script}` script runs `{}`): it runs on Cloudflare's \
         workerd runtime, deployed with `wrangler deploy`, not by `node` in a container; no \
         Dockerfile",
        text.trim()
    ))
}

/// The server-side rendering adapter among the package's dependencies, if any.
fn ssr_adapter(node: &NodePackage) -> Option<&str> {
    node.deps
        .iter()
        .map(|d| d.key.as_str())
        .find(|k| SSR_ADAPTERS.contains(k))
}

#[cfg(test)]
mod tests {
    use super::static_server;

    fn shown(command: &str) -> Option<String> {
        let words: Vec<String> = command.split_whitespace().map(String::from).collect();
        static_server(&words).map(|(shown, _)| shown)
    }

    #[test]
    fn preview_and_development_servers_are_static_servers() {
        assert_eq!(
            shown("vite preview --port 4173").as_deref(),
            Some("vite preview")
        );
        assert_eq!(shown("vite").as_deref(), Some("vite"));
        assert_eq!(shown("vite --host").as_deref(), Some("vite"));
        assert_eq!(shown("astro preview").as_deref(), Some("astro preview"));
        assert_eq!(shown("serve -s dist").as_deref(), Some("serve"));
        assert_eq!(
            shown("http-server dist -p 8080").as_deref(),
            Some("http-server")
        );
        assert_eq!(
            shown("react-scripts start").as_deref(),
            Some("react-scripts start")
        );
        assert_eq!(shown("ng serve").as_deref(), Some("ng serve"));
    }

    #[test]
    fn builds_and_other_programs_are_not() {
        assert_eq!(shown("vite build"), None);
        assert_eq!(shown("astro build"), None);
        assert_eq!(shown("react-scripts build"), None);
        assert_eq!(shown("remix-serve build/server/index.js"), None);
        assert_eq!(shown("nest start"), None);
    }
}
