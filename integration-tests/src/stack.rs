//! One test's world: the demo API (in-process), the IdP and Envoy on free loopback ports.

mod envoy;
mod observe;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use palisade_demo_api::DemoApi;
use serde_json::Value;

pub use envoy::Refusal;
pub use observe::RecordedRequest;

use crate::error::HarnessError;
use crate::http::{self, Request, Response};
use crate::idp;
use crate::paths;
use crate::process::{tail, Process};
use crate::render::{self, Filter, Ports, RenderOptions, Sources};

/// How to start a [`Stack`]: every filter by default, Envoy with one worker.
#[derive(Debug, Clone)]
pub struct StackBuilder {
    filters: Vec<Filter>,
    patches: BTreeMap<Filter, Value>,
    concurrency: u32,
    idp_env: Vec<(String, String)>,
    template: Option<String>,
    label: String,
    /// Where the filter modules are; `None` for [`paths::wasm_dir`].
    wasm_dir: Option<PathBuf>,
}

impl Default for StackBuilder {
    fn default() -> Self {
        let label = std::thread::current().name().unwrap_or("stack").to_string();
        StackBuilder {
            filters: Filter::ALL.to_vec(),
            patches: BTreeMap::new(),
            concurrency: 1,
            idp_env: Vec::new(),
            template: None,
            label,
            wasm_dir: None,
        }
    }
}

impl StackBuilder {
    /// Only these filters (kept in the fixed chain order); `&[]` gives a passthrough Envoy.
    pub fn filters(mut self, filters: &[Filter]) -> Self {
        self.filters = Filter::ALL
            .into_iter()
            .filter(|f| filters.contains(f))
            .collect();
        self
    }

    /// No Palisade filter at all: header stripping and the router only.
    pub fn passthrough(self) -> Self {
        self.filters(&[])
    }

    /// A JSON merge patch (RFC 7386) over the filter's `envoy-configs/demo/<f>.json`.
    pub fn patch(mut self, filter: Filter, patch: Value) -> Self {
        let merged = self.patches.entry(filter).or_insert(Value::Null);
        match merged.is_null() {
            true => *merged = patch,
            false => render::merge_patch(merged, &patch),
        }
        self
    }

    /// Envoy's `--concurrency` (worker threads).
    pub fn concurrency(mut self, workers: u32) -> Self {
        self.concurrency = workers;
        self
    }

    /// An environment variable for the IdP, e.g. `PALISADE_IDP_SIGNING_ALG=RS256`.
    pub fn idp_env(mut self, name: &str, value: &str) -> Self {
        self.idp_env.push((name.to_string(), value.to_string()));
        self
    }

    /// Names the run folder under `target/palisade-it/` (default: the test's name).
    pub fn label(mut self, label: &str) -> Self {
        self.label = label.to_string();
        self
    }

    /// Renders this template text instead of `envoy-configs/demo.template.yaml`.
    pub fn template(mut self, template: &str) -> Self {
        self.template = Some(template.to_string());
        self
    }

    /// Loads the filter modules from `dir` instead of [`paths::wasm_dir`] (bench variants).
    pub fn wasm_dir(mut self, dir: &Path) -> Self {
        self.wasm_dir = Some(dir.to_path_buf());
        self
    }

    /// Starts the API, the IdP and Envoy, and waits until all answer.
    pub fn start(self) -> Result<Stack, HarnessError> {
        let run_dir = paths::run_dir(&self.label)?;
        let api = DemoApi::start(0)?;
        let (idp, idp_port) = idp::start(&self.idp_env, &run_dir.join("idp.log"))?;
        let (envoy, ports) = envoy::start_ready(&self, &run_dir, api.port(), idp_port)?;
        Ok(Stack {
            ports,
            workers: self.concurrency,
            envoy,
            idp,
            _api: api,
            run_dir,
        })
    }

    /// Starts Envoy alone and expects it to refuse its configuration and exit.
    pub fn start_expecting_refusal(self) -> Result<Refusal, HarnessError> {
        let run_dir = paths::run_dir(&self.label)?;
        envoy::start_expecting_refusal(&self, &run_dir)
    }

    /// The rendered bootstrap for these ports.
    fn render(&self, ports: Ports) -> Result<String, HarnessError> {
        let wasm_dir = self.wasm_dir.clone().unwrap_or_else(paths::wasm_dir);
        for filter in &self.filters {
            paths::wasm_module(&wasm_dir, *filter)?;
        }
        let mut sources = Sources::load(&paths::repo_root(), &self.filters)?;
        if let Some(template) = &self.template {
            sources.template = template.clone();
        }
        let options = RenderOptions {
            ports,
            wasm_dir: wasm_dir.display().to_string(),
            filters: self.filters.clone(),
            patches: self.patches.clone(),
        };
        render::render(&sources, &options)
    }
}

/// A running stack. Dropping it stops everything; if the test is failing it first prints the
/// tails of Envoy's and the IdP's logs and keeps the run folder.
pub struct Stack {
    ports: Ports,
    workers: u32,
    envoy: Process,
    idp: Process,
    _api: DemoApi,
    run_dir: PathBuf,
}

impl Stack {
    /// A builder with all five filters and one Envoy worker.
    pub fn builder() -> StackBuilder {
        StackBuilder::default()
    }

    pub fn ports(&self) -> Ports {
        self.ports
    }

    /// Envoy's process id (for CPU accounting in the bench).
    pub fn envoy_pid(&self) -> u32 {
        self.envoy.pid()
    }

    /// Where the rendered `envoy.yaml` and the logs of this run are.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// Sends a request to Envoy's listener on a fresh connection.
    pub fn send(&self, request: &Request) -> Result<Response, HarnessError> {
        http::send(self.ports.envoy, request)
    }

    /// `GET path` through Envoy, optionally with a bearer token.
    pub fn get(&self, path: &str, token: Option<&str>) -> Result<Response, HarnessError> {
        let request = Request::get(path);
        self.send(&match token {
            Some(token) => request.bearer(token),
            None => request,
        })
    }

    /// A fresh access token for a demo client with all its scopes.
    pub fn token(&self, client: &str) -> Result<String, HarnessError> {
        idp::token(self.ports.idp, client)
    }

    /// Signs a token through the IdP's test-only endpoint (see [`idp::sign`]).
    pub fn sign_token(&self, request: &Value) -> Result<String, HarnessError> {
        idp::sign(self.ports.idp, request)
    }

    /// A token the IdP signs with the claims it would issue `client`, `extra` merged over them.
    pub fn sign_token_with(&self, client: &str, extra: &Value) -> Result<String, HarnessError> {
        let mut claims = idp::standard_claims(self.ports.idp, client);
        if let (Some(claims), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
            claims.extend(extra.clone());
        }
        self.sign_token(&serde_json::json!({ "claims": claims }))
    }

    /// Has the IdP add a fresh `alg` ("ES256" or "RS256") key that signs from now on;
    /// `retire` drops every older key from its JWKS. Returns the new kid.
    pub fn rotate_idp_key(&self, alg: &str, retire: bool) -> Result<String, HarnessError> {
        idp::rotate(self.ports.idp, alg, retire)
    }

    /// The issuer URL, `http://127.0.0.1:<idp port>`.
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports.idp)
    }

    /// The Envoy log so far.
    pub fn envoy_log(&self) -> String {
        self.envoy.log()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "---- envoy log (tail; full log in {}) ----\n{}\n---- idp log (tail) ----\n{}",
                self.envoy.log_path().display(),
                tail(&self.envoy.log(), 150),
                tail(&self.idp.log(), 30),
            );
            return;
        }
        let _ = std::fs::remove_dir_all(&self.run_dir);
    }
}
