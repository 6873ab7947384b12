//! A minimal HTTP/1.1 server for the example services: one request per connection, parsed with
//! `httparse`, answered by a routing function. It prints one readiness line once it listens,
//! which is what the e2e checks wait for.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

pub use wire::{object, Value};

/// What a route answers.
pub struct Response {
    pub status: u16,
    pub body: String,
}

impl Response {
    pub fn json(status: u16, body: String) -> Response {
        Response { status, body }
    }

    pub fn not_found() -> Response {
        Response::json(404, object(&[("error", Value::Str("not found"))]))
    }
}

/// The port to listen on: `PORT`, else `default`.
pub fn port(default: u16) -> u16 {
    std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(default)
}

/// The readiness line printed once the server listens.
pub fn readiness_line(service: &str, port: u16) -> String {
    format!("{service} ready on 0.0.0.0:{port}")
}

/// Listens on `0.0.0.0:port` and answers every request with `route(method, path)`.
pub fn serve(service: &str, port: u16, route: impl Fn(&str, &str) -> Response) -> io::Result<()> {
    let listener = TcpListener::bind(("0.0.0.0", port))?;
    println!("{}", readiness_line(service, port));
    io::stdout().flush()?;
    for stream in listener.incoming() {
        let stream = stream?;
        if let Err(e) = handle(stream, &route) {
            eprintln!("{service}: connection error: {e}");
        }
    }
    Ok(())
}

fn handle(stream: TcpStream, route: &impl Fn(&str, &str) -> Response) -> io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut head = Vec::new();
    // Read up to the blank line that ends the request head.
    loop {
        let before = head.len();
        reader.read_until(b'\n', &mut head)?;
        if head.len() == before || head.ends_with(b"\r\n\r\n") || head.len() > 16 * 1024 {
            break;
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    let response = match request.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {
            route(request.method.unwrap_or("GET"), request.path.unwrap_or("/"))
        }
        _ => Response::json(400, object(&[("error", Value::Str("bad request"))])),
    };
    write_response(stream, &response)
}

fn write_response(mut stream: TcpStream, response: &Response) -> io::Result<()> {
    let reason = match response.status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Unknown",
    };
    write!(
        stream,
        "HTTP/1.1 {} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
        response.status,
        response.body.len(),
        response.body
    )?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn answers_a_request_over_tcp() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            handle(stream, &|method: &str, path: &str| {
                Response::json(
                    200,
                    object(&[("method", Value::Str(method)), ("path", Value::Str(path))]),
                )
            })
            .unwrap();
        });
        let mut client = TcpStream::connect(addr).unwrap();
        client
            .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        client.read_to_string(&mut answer).unwrap();
        server.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(
            answer.ends_with(r#"{"method":"GET","path":"/health"}"#),
            "{answer}"
        );
    }
}
