//! The ledger service: `GET /health`, `GET /balance/<account>`.

use kit::{object, Response, Value};
use money::{total, Amount};

fn entries(account: &str) -> Option<Vec<Amount>> {
    match account {
        "acme" => Some(vec![
            Amount::eur(120_000),
            Amount::eur(-35_050),
            Amount::eur(999),
        ]),
        "globex" => Some(vec![Amount::eur(5_000)]),
        _ => None,
    }
}

fn route(method: &str, path: &str) -> Response {
    match (method, path) {
        ("GET", "/health") => Response::json(200, object(&[("status", Value::Str("ok"))])),
        ("GET", p) if p.starts_with("/balance/") => {
            match entries(&p["/balance/".len()..]).as_deref().and_then(total) {
                Some(balance) => Response::json(200, balance.to_json()),
                None => Response::not_found(),
            }
        }
        _ => Response::not_found(),
    }
}

fn main() -> std::io::Result<()> {
    kit::serve("ledger", kit::port(8081), route)
}
