//! `palisade-trim [DIR]`: trims every filter module in DIR (default: the workspace's
//! `target/wasm32-wasip1/release`) to the stream callbacks its package names, in place.

use palisade_trim::module::without_exports;
use palisade_trim::{is_unused_callback, STREAM_CALLBACKS};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// A filter package: its module's file name and the stream callbacks it implements.
struct Filter {
    module: String,
    callbacks: Vec<String>,
}

fn metadata() -> Result<Value, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .output()
        .map_err(|err| format!("cargo metadata: {err}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    serde_json::from_slice(&output.stdout).map_err(|err| format!("cargo metadata: {err}"))
}

/// Every package that names its stream callbacks; a name outside the ABI's is refused.
fn filters(metadata: &Value) -> Result<Vec<Filter>, String> {
    let packages = metadata
        .get("packages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut filters = Vec::new();
    for package in packages {
        let listed = package.pointer("/metadata/palisade/stream_callbacks");
        let Some(listed) = listed.and_then(Value::as_array) else {
            continue;
        };
        let name = package
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut callbacks = Vec::new();
        for callback in listed {
            let callback = callback.as_str().unwrap_or_default();
            if !STREAM_CALLBACKS.contains(&callback) {
                return Err(format!(
                    "{name}: stream_callbacks: unknown callback {callback:?}"
                ));
            }
            callbacks.push(callback.to_string());
        }
        let module = format!("{}.wasm", name.replace('-', "_"));
        filters.push(Filter { module, callbacks });
    }
    Ok(filters)
}

fn trim(path: &Path, callbacks: &[String]) -> Result<Vec<String>, String> {
    let shown = path.display();
    let module = std::fs::read(path).map_err(|err| format!("{shown}: {err}"))?;
    let (trimmed, removed) =
        without_exports(&module, |export| is_unused_callback(export, callbacks))
            .map_err(|err| format!("{shown}: {err}"))?;
    if !removed.is_empty() {
        let partial = path.with_extension("wasm.trimming");
        std::fs::write(&partial, &trimmed).map_err(|err| format!("{shown}: {err}"))?;
        std::fs::rename(&partial, path).map_err(|err| format!("{shown}: {err}"))?;
    }
    Ok(removed)
}

fn run() -> Result<(), String> {
    let metadata = metadata()?;
    let dir = match std::env::args().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let target = metadata.get("target_directory").and_then(Value::as_str);
            PathBuf::from(target.unwrap_or("target")).join("wasm32-wasip1/release")
        }
    };
    for filter in filters(&metadata)? {
        let removed = trim(&dir.join(&filter.module), &filter.callbacks)?;
        let removed = match removed.is_empty() {
            true => "nothing (already trimmed)".to_string(),
            false => removed.join(" "),
        };
        println!("{}: removed {removed}", filter.module);
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("palisade-trim: {err}");
            ExitCode::FAILURE
        }
    }
}
