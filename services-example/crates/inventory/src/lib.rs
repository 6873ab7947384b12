//! Stock levels shared by the inventory API and the sync job.

pub const STOCK: &[(&str, i64)] = &[("widget", 42), ("gadget", 7), ("gizmo", 0)];

pub fn stock_of(sku: &str) -> Option<i64> {
    STOCK.iter().find(|(s, _)| *s == sku).map(|&(_, n)| n)
}
