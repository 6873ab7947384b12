//! Developer tasks, in Rust: `cargo xtask ci | e2e | bench`.
//!
//! TODO: implement.

mod bench;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("bench") {
        if let Err(message) = bench::run(&args[1..]) {
            eprintln!("xtask bench: {message}");
            std::process::exit(2);
        }
        return;
    }
    let task = std::env::args().nth(1).unwrap_or_default();
    eprintln!("xtask: unknown task {task:?}");
    std::process::exit(2);
}
