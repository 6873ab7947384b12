//! The inventory sync job: reports its readiness on a health port, then reconciles stock
//! levels every `SYNC_INTERVAL_SECS` (default 30) until stopped.

use std::time::Duration;

use kit::{object, Response, Value};

fn main() -> std::io::Result<()> {
    let interval = std::env::var("SYNC_INTERVAL_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30u64);
    std::thread::spawn(move || loop {
        let low: Vec<&str> = inventory::STOCK
            .iter()
            .filter(|(_, n)| *n < 10)
            .map(|(s, _)| *s)
            .collect();
        eprintln!(
            "inventory-sync: {} SKUs low on stock: {}",
            low.len(),
            low.join(", ")
        );
        std::thread::sleep(Duration::from_secs(interval));
    });
    kit::serve("inventory-sync", kit::port(8083), |method, path| {
        match (method, path) {
            ("GET", "/health") => Response::json(200, object(&[("status", Value::Str("ok"))])),
            _ => Response::not_found(),
        }
    })
}
