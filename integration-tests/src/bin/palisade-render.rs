//! `palisade-render [--check] [--out PATH] [--ports ENVOY,ADMIN,API,IDP]`
//!
//! Writes `envoy-configs/demo.yaml` from the template and the filters' demo configs (all five
//! filters, the demo ports 10000, 9901, 18080, 18081). With `--check` it writes nothing and
//! exits 1 if the committed file is stale. `--out` and `--ports` render a copy elsewhere, e.g.
//! to run the demo on other ports (`scripts/run-demo.sh` reads the same ports from the env).

use std::path::PathBuf;
use std::process::ExitCode;

use palisade_integration_tests::paths::repo_root;
use palisade_integration_tests::render::{demo_yaml_for, Ports, DEMO_YAML};

fn value_of(args: &[String], name: &str) -> Option<String> {
    let index = args.iter().position(|arg| arg == name)?;
    args.get(index + 1).cloned()
}

fn parse_ports(list: &str) -> Result<Ports, String> {
    let ports: Vec<u16> = list
        .split(',')
        .map(|port| port.trim().parse().map_err(|_| format!("bad port {port}")))
        .collect::<Result<_, _>>()?;
    match ports.as_slice() {
        [envoy, admin, api, idp] => Ok(Ports {
            envoy: *envoy,
            admin: *admin,
            api: *api,
            idp: *idp,
        }),
        _ => Err("--ports takes ENVOY,ADMIN,API,IDP".into()),
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let root = repo_root();
    let ports = match value_of(args, "--ports") {
        Some(list) => parse_ports(&list)?,
        None => Ports::DEMO,
    };
    let path = value_of(args, "--out").map_or_else(|| root.join(DEMO_YAML), PathBuf::from);
    let yaml = demo_yaml_for(&root, ports).map_err(|e| e.to_string())?;
    if args.iter().any(|arg| arg == "--check") {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        return match current == yaml {
            true => Ok(()),
            false => Err(format!("{} is stale: run `make render`", path.display())),
        };
    }
    std::fs::write(&path, yaml).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("palisade-render: {why}");
            ExitCode::FAILURE
        }
    }
}
