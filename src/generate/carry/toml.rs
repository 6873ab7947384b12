//! Writes carried settings into isogen.toml's text with `toml_edit`, so the user's comments,
//! order and formatting stay: `[generate.services.<name>]` is created when missing, and a key
//! already there is extended (`env`, `expose`, `writable`), never replaced.
//!
//! Pure: text in, text out; the CLI reads and writes the file and checks the result by
//! parsing it as isogen reads its config.

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, TableLike, Value};

use super::Settings;
use crate::generate::runtime::{Duration, Healthcheck};

/// `text` (isogen.toml, possibly empty) with `settings` added to the section of `service`.
pub fn add(text: &str, service: &str, settings: &Settings) -> Result<String, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let section = section(&mut doc, service)?;
    if !settings.env.is_empty() {
        let env = section
            .entry("env")
            .or_insert(Item::Value(Value::InlineTable(InlineTable::new())));
        let env = env.as_table_like_mut().ok_or("`env` is not a table")?;
        for (k, v) in &settings.env {
            if !env.contains_key(k) {
                env.insert(k, Item::Value(Value::from(v.as_str())));
            }
        }
        if let Some(Item::Value(Value::InlineTable(t))) = section.get_mut("env") {
            t.fmt();
        }
    }
    let list = |section: &mut dyn TableLike, key: &str| -> Result<(), String> {
        if section.get(key).is_none() {
            section.insert(key, Item::Value(Value::Array(Array::new())));
        }
        Ok(())
    };
    if !settings.expose.is_empty() {
        list(section, "expose")?;
        let a = array(section, "expose")?;
        for &p in &settings.expose {
            a.push(i64::from(p));
        }
    }
    if !settings.writable.is_empty() {
        list(section, "writable")?;
        let a = array(section, "writable")?;
        for w in &settings.writable {
            let mut t = InlineTable::new();
            t.insert("path", Value::from(w.path.as_str()));
            t.insert("volume", Value::from(w.volume));
            a.push(Value::InlineTable(t));
        }
    }
    if !settings.build_args.is_empty() {
        list(section, "build_args")?;
        let a = array(section, "build_args")?;
        for arg in &settings.build_args {
            let name = arg.split_once('=').map_or(arg.as_str(), |(n, _)| n);
            let listed = a.iter().any(|v| {
                v.as_str()
                    .is_some_and(|s| s.split_once('=').map_or(s, |(n, _)| n) == name)
            });
            if !listed {
                a.push(arg.as_str());
            }
        }
    }
    if let Some(h) = &settings.healthcheck {
        section.insert("healthcheck", Item::Value(healthcheck_value(h)));
    }
    if let Some(cmd) = &settings.cmd {
        section.insert("cmd", Item::Value(Value::Array(Array::from_iter(cmd))));
    }
    if let Some(signal) = &settings.stop_signal {
        section.insert("stop_signal", Item::Value(Value::from(signal.0.as_str())));
    }
    if let Some(dir) = &settings.workdir {
        section.insert("workdir", Item::Value(Value::from(dir.as_str())));
    }
    if !settings.args.is_empty() {
        let args = Array::from_iter(&settings.args);
        section.insert("args", Item::Value(Value::Array(args)));
    }
    if !settings.features.is_empty() {
        let features = Array::from_iter(&settings.features);
        section.insert("features", Item::Value(Value::Array(features)));
    }
    if settings.no_default_features {
        section.insert("no_default_features", Item::Value(Value::from(true)));
    }
    Ok(doc.to_string())
}

/// `[generate.services.<service>]`, created (with implicit parents) when missing.
fn section<'a>(doc: &'a mut DocumentMut, service: &str) -> Result<&'a mut dyn TableLike, String> {
    let implicit = || {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    };
    let generate = doc
        .entry("generate")
        .or_insert_with(implicit)
        .as_table_like_mut()
        .ok_or("`generate` is not a table")?;
    let services = generate
        .entry("services")
        .or_insert_with(implicit)
        .as_table_like_mut()
        .ok_or("`generate.services` is not a table")?;
    services
        .entry(service)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| format!("`generate.services.{service}` is not a table"))
}

fn array<'a>(section: &'a mut dyn TableLike, key: &str) -> Result<&'a mut Array, String> {
    section
        .get_mut(key)
        .and_then(Item::as_array_mut)
        .ok_or_else(|| format!("`{key}` is not a list"))
}

/// A health check as isogen.toml writes it.
pub fn healthcheck_value(h: &Healthcheck) -> Value {
    match h {
        Healthcheck::Shell(s) => Value::from(s.as_str()),
        Healthcheck::Exec(list) => Value::Array(Array::from_iter(list)),
        Healthcheck::Options(o) => {
            let mut t = InlineTable::new();
            t.insert("cmd", healthcheck_value(&o.cmd));
            for (key, value) in [
                ("interval", &o.interval),
                ("timeout", &o.timeout),
                ("start_period", &o.start_period),
                ("start_interval", &o.start_interval),
            ] {
                if let Some(Duration(d)) = value {
                    t.insert(key, Value::from(d.as_str()));
                }
            }
            if let Some(r) = o.retries {
                t.insert("retries", Value::from(i64::from(r)));
            }
            Value::InlineTable(t)
        }
    }
}
