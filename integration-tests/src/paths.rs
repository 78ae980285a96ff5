//! Where things are: the repository, Envoy, the wasm modules, the IdP.
//!
//! Each can be overridden by an environment variable, for CI layouts that differ.

use std::path::{Path, PathBuf};

use crate::error::HarnessError;
use crate::render::Filter;

/// The repository root (this crate's parent folder).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// `PALISADE_ENVOY`, else the project's pinned `.venv/bin/envoy` (made by `make setup`).
pub fn envoy_binary() -> Result<PathBuf, HarnessError> {
    let path = std::env::var_os("PALISADE_ENVOY")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/envoy"));
    match path.is_file() {
        true => Ok(path),
        false => Err(HarnessError::new(format!(
            "no Envoy at {}: run `make setup` (or set PALISADE_ENVOY)",
            path.display()
        ))),
    }
}

/// `PALISADE_WASM_DIR`, else `target/wasm32-wasip1/release` (under `CARGO_TARGET_DIR` if set).
pub fn wasm_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PALISADE_WASM_DIR") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    repo_root().join(target).join("wasm32-wasip1/release")
}

/// The filter's release module, or an error telling how to build it.
pub fn wasm_module(dir: &Path, filter: Filter) -> Result<PathBuf, HarnessError> {
    let path = dir.join(filter.module_file());
    match path.is_file() {
        true => Ok(path),
        false => Err(HarnessError::new(format!(
            "missing wasm module {}: build the filters first with `make build` \
             (cargo build -p palisade-{} --target wasm32-wasip1 --release)",
            path.display(),
            filter.name()
        ))),
    }
}

/// The IdP's entry script, checked to have its npm dependencies installed.
pub fn idp_script() -> Result<PathBuf, HarnessError> {
    let idp = repo_root().join("idp");
    match idp.join("node_modules/oidc-provider").is_dir() {
        true => Ok(idp.join("server.mjs")),
        false => Err(HarnessError::new(
            "idp/node_modules is missing: run `make setup` (npm ci in idp/)",
        )),
    }
}

/// Per-run folder for rendered configs and logs, under `target/palisade-it/`.
pub fn run_dir(label: &str) -> Result<PathBuf, HarnessError> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static RUNS: AtomicU32 = AtomicU32::new(0);
    let serial = RUNS.fetch_add(1, Ordering::SeqCst);
    let label: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let dir = repo_root()
        .join("target/palisade-it")
        .join(format!("{label}-{}-{serial}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
