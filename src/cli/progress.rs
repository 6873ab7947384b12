//! What `isogen verify` shows while it reads images: a progress bar on stderr for large
//! inputs (only on a terminal), and each warning the library hands back, printed once.
//! It only draws and prints what `verify` reports; it never decides anything about an image.

use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use isogen::verify::run::{Observer, Warning};

/// Inputs whose layers are larger than this get a progress bar.
const LARGE: u64 = 16 << 20;

/// The [`Observer`] of `isogen verify`: bars when `bars` (stderr is a terminal), warnings
/// always.
pub struct Terminal {
    bars: bool,
    bar: Option<ProgressBar>,
}

impl Terminal {
    pub fn new(bars: bool) -> Terminal {
        Terminal { bars, bar: None }
    }
}

fn bar(path: &Path, total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({elapsed})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(format!("reading {}", path.display()));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

impl Observer for Terminal {
    fn reading(&mut self, path: &Path, stored_bytes: u64) -> Option<Box<dyn Fn(u64) + Sync>> {
        if !self.bars || stored_bytes < LARGE {
            return None;
        }
        let shown = bar(path, stored_bytes);
        self.bar = Some(shown.clone());
        Some(Box::new(move |n| shown.inc(n)))
    }

    fn read(&mut self, _path: &Path) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn warning(&mut self, warning: Warning) {
        eprintln!("warning: {warning}");
    }
}
