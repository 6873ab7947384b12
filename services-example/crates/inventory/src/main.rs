//! The inventory API: `GET /health`, `GET /stock/<sku>`.

use kit::{object, Response, Value};

fn route(method: &str, path: &str) -> Response {
    match (method, path) {
        ("GET", "/health") => Response::json(200, object(&[("status", Value::Str("ok"))])),
        ("GET", p) if p.starts_with("/stock/") => {
            let sku = &p["/stock/".len()..];
            match inventory::stock_of(sku) {
                Some(n) => Response::json(
                    200,
                    object(&[
                        ("sku", Value::Str(sku)),
                        ("available", Value::Int(n)),
                        ("in_stock", Value::Bool(n > 0)),
                    ]),
                ),
                None => Response::not_found(),
            }
        }
        _ => Response::not_found(),
    }
}

fn main() -> std::io::Result<()> {
    kit::serve("inventory-api", kit::port(8082), route)
}
