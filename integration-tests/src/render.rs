//! Renders `envoy-configs/demo.template.yaml` into an Envoy bootstrap.
//!
//! A render chooses the ports, the folder of the wasm modules, which filters take part (always
//! in the template's fixed order) and optional JSON merge patches (RFC 7386) over each filter's
//! demo configuration `envoy-configs/demo/<filter>.json`.

mod config;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

pub use config::{filter_config, merge_patch};

use crate::error::HarnessError;

/// The five Palisade filters, in chain order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Filter {
    Audit,
    Authn,
    Authz,
    Validate,
    Output,
}

impl Filter {
    pub const ALL: [Filter; 5] = [
        Filter::Audit,
        Filter::Authn,
        Filter::Authz,
        Filter::Validate,
        Filter::Output,
    ];

    /// The stage name: `audit`, `authn`, `authz`, `validate`, `output`.
    pub fn name(self) -> &'static str {
        match self {
            Filter::Audit => "audit",
            Filter::Authn => "authn",
            Filter::Authz => "authz",
            Filter::Validate => "validate",
            Filter::Output => "output",
        }
    }

    /// The release module's file name, e.g. `palisade_authn.wasm`.
    pub fn module_file(self) -> String {
        format!("palisade_{}.wasm", self.name())
    }
}

/// The loopback ports of one stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    pub envoy: u16,
    pub admin: u16,
    pub api: u16,
    pub idp: u16,
}

impl Ports {
    /// The fixed ports of `make run`.
    pub const DEMO: Ports = Ports {
        envoy: 10000,
        admin: 9901,
        api: 18080,
        idp: 18081,
    };
}

/// Everything a render reads: the template, the OpenAPI document and the filters' configs.
#[derive(Debug, Clone)]
pub struct Sources {
    pub template: String,
    pub openapi: Value,
    pub configs: BTreeMap<Filter, Value>,
}

impl Sources {
    /// Reads the template, `schemas/demo-api.openapi.json` and the demo config of each filter.
    pub fn load(root: &Path, filters: &[Filter]) -> Result<Sources, HarnessError> {
        let template = read(&root.join("envoy-configs/demo.template.yaml"))?;
        let openapi = parse(&root.join("schemas/demo-api.openapi.json"))?;
        let mut configs = BTreeMap::new();
        for filter in filters {
            let path = root.join(format!("envoy-configs/demo/{}.json", filter.name()));
            configs.insert(*filter, parse(&path)?);
        }
        Ok(Sources {
            template,
            openapi,
            configs,
        })
    }
}

fn read(path: &Path) -> Result<String, HarnessError> {
    std::fs::read_to_string(path)
        .map_err(|e| HarnessError::new(format!("cannot read {}: {e}", path.display())))
}

fn parse(path: &Path) -> Result<Value, HarnessError> {
    serde_json::from_str(&read(path)?)
        .map_err(|e| HarnessError::new(format!("{} is not JSON: {e}", path.display())))
}

/// Where `make run` finds the modules: relative, because Envoy runs from the repository root.
pub const DEMO_WASM_DIR: &str = "target/wasm32-wasip1/release";
/// The committed, rendered demo bootstrap.
pub const DEMO_YAML: &str = "envoy-configs/demo.yaml";

/// `envoy-configs/demo.yaml` as it should be: all five filters, the demo ports.
pub fn demo_yaml(root: &Path) -> Result<String, HarnessError> {
    demo_yaml_for(root, Ports::DEMO)
}

/// The demo bootstrap (all five filters, modules under [`DEMO_WASM_DIR`]) for other ports.
pub fn demo_yaml_for(root: &Path, ports: Ports) -> Result<String, HarnessError> {
    let sources = Sources::load(root, &Filter::ALL)?;
    let options = RenderOptions {
        ports,
        wasm_dir: DEMO_WASM_DIR.to_string(),
        filters: Filter::ALL.to_vec(),
        patches: BTreeMap::new(),
    };
    render(&sources, &options)
}

/// What to render: ports, module folder, the chain and per-filter patches.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub ports: Ports,
    pub wasm_dir: String,
    pub filters: Vec<Filter>,
    pub patches: BTreeMap<Filter, Value>,
}

const GENERATED_NOTE: &str =
    "# Generated from envoy-configs/demo.template.yaml by palisade-render \
(cargo run -p palisade-integration-tests --bin palisade-render). Do not edit.\n";

/// The bootstrap YAML for `options`.
pub fn render(sources: &Sources, options: &RenderOptions) -> Result<String, HarnessError> {
    let mut yaml = String::from(GENERATED_NOTE);
    yaml.push_str(&select_filters(&sources.template, &options.filters));

    for filter in &options.filters {
        let demo = sources.configs.get(filter).ok_or_else(|| {
            HarnessError::new(format!("no demo config for the {} filter", filter.name()))
        })?;
        let config = filter_config(demo, options.patches.get(filter), sources, &options.ports)?;
        // A JSON string literal is also a valid YAML double-quoted scalar.
        let quoted = serde_json::to_string(&Value::String(config))?;
        yaml = yaml.replace(&format!("{{{{CONFIG:{}}}}}", filter.name()), &quoted);
    }
    let ports = &options.ports;
    for (name, value) in [
        ("ENVOY_PORT", ports.envoy.to_string()),
        ("ADMIN_PORT", ports.admin.to_string()),
        ("API_PORT", ports.api.to_string()),
        ("IDP_PORT", ports.idp.to_string()),
        ("WASM_DIR", options.wasm_dir.clone()),
    ] {
        yaml = yaml.replace(&format!("{{{{{name}}}}}"), &value);
    }
    match yaml.find("{{") {
        Some(at) => Err(HarnessError::new(format!(
            "placeholder left in the rendered config: {}",
            yaml.get(at..)
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
        ))),
        None => Ok(yaml),
    }
}

/// The template without its leading comment block and without the entries of filters that
/// are not in `filters` (blocks between `# palisade-filter <f> begin` and `... end`).
fn select_filters(template: &str, filters: &[Filter]) -> String {
    let mut out = String::new();
    let mut skipping: Option<String> = None;
    let body = template.lines().skip_while(|line| line.starts_with('#'));
    for line in body {
        let marker = line.trim().strip_prefix("# palisade-filter ");
        match (&skipping, marker) {
            (Some(name), Some(marker)) if *marker == format!("{name} end") => skipping = None,
            (Some(_), _) => {}
            (None, Some(marker)) => {
                let name = marker.split(' ').next().unwrap_or_default();
                if marker.ends_with(" begin") && !filters.iter().any(|f| f.name() == name) {
                    skipping = Some(name.to_string());
                }
            }
            (None, None) => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
