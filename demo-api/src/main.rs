//! `palisade-demo-api [--port N]`: runs the demo bank on 127.0.0.1 (else `PORT`, else 18080;
//! port 0 picks a free one) and prints `palisade-demo-api listening port=<port>` once it listens.

use std::io::Write;

use palisade_demo_api::DemoApi;

fn main() {
    let port = match port_from_args() {
        Ok(port) => port,
        Err(why) => exit_with(&why),
    };
    let api = match DemoApi::start(port) {
        Ok(api) => api,
        Err(why) => exit_with(&format!("cannot listen on 127.0.0.1:{port}: {why}")),
    };
    println!("palisade-demo-api listening port={}", api.port());
    let _ = std::io::stdout().flush();
    api.wait();
}

fn exit_with(why: &str) -> ! {
    eprintln!("palisade-demo-api: {why}");
    std::process::exit(2)
}

fn port_from_args() -> Result<u16, String> {
    let args: Vec<String> = std::env::args().collect();
    let raw = match args.iter().position(|arg| arg == "--port") {
        Some(index) => args.get(index + 1).cloned().ok_or("--port needs a value")?,
        None => std::env::var("PORT").unwrap_or_else(|_| "18080".into()),
    };
    raw.parse().map_err(|_| format!("invalid port: {raw}"))
}
