//! `palisade-keygen`: makes the secrets the authn filter accepts and prints what to configure.
//!
//! ```text
//! cargo run -p palisade-keygen -- api-key --consumer NAME [--pepper-file FILE]
//!     [--scopes a,b] [--roles r] [--valid-days 90]
//! cargo run -p palisade-keygen -- hmac-key --key-id ID [--consumer NAME]
//!     [--scopes a,b] [--roles r] [--valid-days 90]
//! cargo run -p palisade-keygen -- pepper
//! ```
//!
//! `api-key` prints the key once — hand it to the consumer, it is stored nowhere — and the
//! entry for `api_keys.keys` with the key's hash (SHA-256, or HMAC-SHA256 under the pepper in
//! FILE, which holds the base64url text configured as `api_keys.pepper`). `hmac-key` prints a
//! fresh shared secret and the entry for `hmac.keys`, which holds the secret itself: keep that
//! configuration as secret as the key. `pepper` prints a fresh pepper. Every secret is 256 bits
//! from the operating system's CSPRNG.

mod args;
mod generate;

use args::Command;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let command = match args::parse(&argv) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("palisade-keygen: {message}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    match run(command, now) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("palisade-keygen: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command, now: u64) -> Result<String, String> {
    let random = &generate::os_random;
    match command {
        Command::Help => Ok(args::USAGE.to_string()),
        Command::Pepper => Ok(format!("{}\n", generate::pepper(random)?)),
        Command::ApiKey(request) => {
            let pepper = match &request.pepper_file {
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .map_err(|err| format!("cannot read the pepper file: {err}"))?,
                ),
                None => None,
            };
            let issued = generate::api_key(&request, pepper.as_deref(), now, random)?;
            Ok(format!(
                "API key for {} (give it to the consumer now; it is not stored anywhere):\n{}\n\n\
                 Entry for api_keys.keys (api_keys.hash = \"{}\"):\n{}\n",
                request.holder.consumer,
                issued.key,
                issued.hash_kind,
                pretty(&issued.entry)
            ))
        }
        Command::HmacKey(request) => {
            let issued = generate::hmac_key(&request, now, random)?;
            Ok(format!(
                "HMAC secret for key id {} (give it to the client over a secure channel):\n{}\n\n\
                 Entry for hmac.keys (it holds the secret: keep the configuration secret too):\n\
                 {}\n",
                request.key_id,
                issued.secret,
                pretty(&issued.entry)
            ))
        }
    }
}

fn pretty(entry: &serde_json::Value) -> String {
    serde_json::to_string_pretty(entry).unwrap_or_else(|_| entry.to_string())
}
