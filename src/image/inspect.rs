//! `isogen inspect IMAGE`: the merged file tree and what each layer added, as text or JSON, for
//! finding out why a rule fired (which layer shipped a file, what a later layer hid).
//!
//! This only formats an [`Image`]; it reads nothing itself.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::path::escape_controls as esc;
use super::{EntryKind, EntryRef, Hidden, Image};

/// Per-layer totals, from the entries each layer shipped (visible or hidden since).
#[derive(Debug, Default, Clone, Serialize)]
pub struct LayerTotals {
    /// Files, links and directories the layer shipped (whiteouts not counted).
    pub entries: u64,
    /// Sum of the sizes of the regular files it shipped (uncompressed).
    pub file_bytes: u64,
    /// Of those, entries still visible in the merged tree.
    pub visible_entries: u64,
    pub visible_file_bytes: u64,
}

/// Totals for each layer of `image`, by index.
pub fn layer_totals(image: &Image) -> Vec<LayerTotals> {
    let mut totals = vec![LayerTotals::default(); image.layers.len()];
    let mut add = |entry: EntryRef, visible: bool| {
        if let Some(t) = totals.get_mut(entry.layer) {
            let bytes = if entry.kind == EntryKind::File {
                entry.size
            } else {
                0
            };
            // Saturating: sparse files may state sizes whose sum does not fit in 64 bits.
            t.entries += 1;
            t.file_bytes = t.file_bytes.saturating_add(bytes);
            if visible {
                t.visible_entries += 1;
                t.visible_file_bytes = t.visible_file_bytes.saturating_add(bytes);
            }
        }
    };
    for entry in image.tree.entries.values() {
        add(entry, true);
    }
    for shipped in &image.tree.hidden {
        add(shipped.entry.view(), false);
    }
    totals
}

/// The JSON form: the image (as serialized by its types), its config, and the layer totals.
pub fn write_json(image: &Image, out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct Inspect<'a> {
        image: &'a Image,
        config: &'a oci_spec::image::ImageConfiguration,
        layer_totals: Vec<LayerTotals>,
    }
    let value = Inspect {
        image,
        config: &image.config,
        layer_totals: layer_totals(image),
    };
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}

/// The human form: a header, one line per layer, the tree, then what ships hidden.
pub fn write_text(image: &Image, out: &mut dyn Write) -> io::Result<()> {
    let format = serde_json::to_value(image.format)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    writeln!(
        out,
        "image:    {} ({format})",
        esc(&image.source.display().to_string())
    )?;
    if !image.names.is_empty() {
        writeln!(out, "names:    {}", esc(&image.names.join(", ")))?;
    }
    writeln!(out, "platform: {}", image.platform)?;
    if !image.other_platforms.is_empty() {
        writeln!(
            out,
            "also:     {} (in the archive, not shown)",
            esc(&image.other_platforms.join(", "))
        )?;
    }
    if let Some(digest) = &image.manifest_digest {
        writeln!(out, "manifest: {digest}")?;
    }
    writeln!(out, "config:   {}", image.config_digest)?;
    if let Some(config) = image.config.config() {
        if let Some(user) = config.user() {
            writeln!(out, "user:     {}", esc(user))?;
        }
        if let Some(entrypoint) = config.entrypoint() {
            writeln!(out, "entrypoint: {entrypoint:?}")?;
        }
        if let Some(cmd) = config.cmd() {
            writeln!(out, "cmd:      {cmd:?}")?;
        }
        if let Some(labels) = config.labels() {
            let sorted: BTreeMap<_, _> = labels.iter().collect();
            for (key, value) in sorted {
                writeln!(out, "label:    {}={}", esc(key), esc(value))?;
            }
        }
    }

    writeln!(out)?;
    writeln!(out, "layers ({}):", image.layers.len())?;
    writeln!(
        out,
        "  {:>2}  {:<19}  {:>10}  {:<4}  {:>7}  {:>10}  created by",
        "#", "digest", "stored", "comp", "entries", "file bytes"
    )?;
    for (i, (layer, totals)) in image.layers.iter().zip(layer_totals(image)).enumerate() {
        writeln!(
            out,
            "  {:>2}  {:<19}  {:>10}  {:<4}  {:>7}  {:>10}  {}",
            i + 1,
            short(&layer.digest),
            human_bytes(layer.size),
            layer.compression,
            totals.entries,
            human_bytes(totals.file_bytes),
            layer
                .created_by
                .as_deref()
                .map(|c| esc(&one_line(c)).into_owned())
                .unwrap_or_default()
        )?;
    }

    writeln!(out)?;
    writeln!(out, "tree ({} entries):", image.tree.entries.len())?;
    for entry in image.tree.entries.values() {
        writeln!(out, "  {}", entry_line(entry))?;
    }
    if !image.tree.hidden.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "hidden ({} entries shipped by a layer and hidden by a later one):",
            image.tree.hidden.len()
        )?;
        for shipped in &image.tree.hidden {
            let why = match shipped.hidden {
                Hidden::Deleted { by_layer } => format!("deleted by layer {}", by_layer + 1),
                Hidden::Overwritten { by_layer } => {
                    format!("overwritten by layer {}", by_layer + 1)
                }
            };
            writeln!(out, "  {}  ({why})", entry_line(shipped.entry.view()))?;
        }
    }
    Ok(())
}

fn entry_line(entry: EntryRef) -> String {
    let kind = match entry.kind {
        EntryKind::File => '-',
        EntryKind::Dir => 'd',
        EntryKind::Symlink => 'l',
        EntryKind::HardLink => 'h',
        EntryKind::Other => '?',
    };
    let mut line = format!(
        "{kind}{} {:>11} {:>10}  L{:<2} {}",
        permissions(u32::from(entry.mode)),
        format!("{}:{}", entry.uid(), entry.gid()),
        if entry.kind == EntryKind::File {
            human_bytes(entry.size)
        } else {
            String::new()
        },
        entry.layer + 1,
        esc(entry.path)
    );
    if let Some(target) = entry.link_target() {
        line.push_str(match entry.kind {
            EntryKind::HardLink => " => ",
            _ => " -> ",
        });
        line.push_str(&esc(target));
    }
    line
}

fn permissions(mode: u32) -> String {
    let mut out = String::with_capacity(9);
    for (shift, special, special_char) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (mode >> shift) & 0o7;
        out.push(if bits & 4 != 0 { 'r' } else { '-' });
        out.push(if bits & 2 != 0 { 'w' } else { '-' });
        out.push(match (bits & 1 != 0, mode & special != 0) {
            (true, true) => special_char,
            (false, true) => special_char.to_ascii_uppercase(),
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    out
}

fn short(digest: &str) -> &str {
    let end = digest.len().min("sha256:".len() + 12);
    &digest[..end]
}

fn one_line(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 80 {
        let cut: String = flat.chars().take(79).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

/// `1.5 MiB`-style sizes.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_modes_and_sizes() {
        assert_eq!(permissions(0o755), "rwxr-xr-x");
        assert_eq!(permissions(0o4755), "rwsr-xr-x");
        assert_eq!(permissions(0o1777), "rwxrwxrwt");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }
}
