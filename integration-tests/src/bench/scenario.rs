//! The scenarios of one bench run: each a chain of filters and a kind of traffic.

use serde_json::{json, Value};

use super::native;
use super::{load, Traffic};
use crate::{paths, Filter, HarnessError, Stack};

/// One Envoy configuration under load.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    /// Palisade filters in the chain.
    pub filters: &'static [Filter],
    /// Native jwt_authn: `None` for none, `Some(cached)` otherwise.
    pub native_jwt: Option<bool>,
    pub native_rbac: bool,
    /// Palisade authn's token cache on or off.
    pub authn_cached: bool,
    /// Which key the IdP signs with.
    pub alg: &'static str,
    pub traffic: Traffic,
}

const NONE: &[Filter] = &[];
const AUTHN: &[Filter] = &[Filter::Authn];
const AUTHN_AUTHZ: &[Filter] = &[Filter::Authn, Filter::Authz];
const VALIDATE: &[Filter] = &[Filter::Validate];

const fn scenario(name: &'static str, filters: &'static [Filter], alg: &'static str) -> Scenario {
    Scenario {
        name,
        filters,
        native_jwt: None,
        native_rbac: false,
        authn_cached: true,
        alg,
        traffic: Traffic::Reads,
    }
}

/// Every scenario, in the order they are reported.
pub const SCENARIOS: [Scenario; 16] = [
    scenario("passthrough", NONE, "ES256"),
    Scenario {
        native_jwt: Some(true),
        ..scenario("native jwt_authn ES256 cached", NONE, "ES256")
    },
    scenario("palisade authn ES256 cached", AUTHN, "ES256"),
    Scenario {
        native_jwt: Some(false),
        ..scenario("native jwt_authn ES256 uncached", NONE, "ES256")
    },
    Scenario {
        authn_cached: false,
        ..scenario("palisade authn ES256 uncached", AUTHN, "ES256")
    },
    Scenario {
        native_jwt: Some(true),
        ..scenario("native jwt_authn RS256 cached", NONE, "RS256")
    },
    scenario("palisade authn RS256 cached", AUTHN, "RS256"),
    Scenario {
        native_jwt: Some(false),
        ..scenario("native jwt_authn RS256 uncached", NONE, "RS256")
    },
    Scenario {
        authn_cached: false,
        ..scenario("palisade authn RS256 uncached", AUTHN, "RS256")
    },
    Scenario {
        native_jwt: Some(true),
        native_rbac: true,
        ..scenario("native jwt_authn + rbac", NONE, "ES256")
    },
    scenario("palisade authn + authz", AUTHN_AUTHZ, "ES256"),
    Scenario {
        traffic: Traffic::ReadsAndWrites,
        ..scenario("palisade five filters", &Filter::ALL, "ES256")
    },
    Scenario {
        traffic: Traffic::Batch(ONE_KB),
        ..scenario("passthrough 1 KB body", NONE, "ES256")
    },
    Scenario {
        traffic: Traffic::Batch(ONE_KB),
        ..scenario("palisade validate 1 KB body", VALIDATE, "ES256")
    },
    Scenario {
        traffic: Traffic::Batch(SIXTY_FOUR_KB),
        ..scenario("passthrough 64 KB body", NONE, "ES256")
    },
    Scenario {
        traffic: Traffic::Batch(SIXTY_FOUR_KB),
        ..scenario("palisade validate 64 KB body", VALIDATE, "ES256")
    },
];

/// Transfers in a batch body of about 1 KB and 64 KB (each transfer is 55 bytes of JSON).
const ONE_KB: usize = 18;
const SIXTY_FOUR_KB: usize = 1190;

impl Scenario {
    /// Starts the scenario's stack, waits until a token passes, and warms it up; the filter
    /// modules come from `wasm_dir` when given.
    pub fn start(
        &self,
        warmup: u32,
        connections: u32,
        wasm_dir: Option<&std::path::Path>,
    ) -> Result<(Stack, String), HarnessError> {
        let template =
            std::fs::read_to_string(paths::repo_root().join("envoy-configs/demo.template.yaml"))?;
        let mut native = String::new();
        if let Some(cached) = self.native_jwt {
            native.push_str(&native::jwt_authn(cached));
        }
        if self.native_rbac {
            native.push_str(&native::rbac());
        }
        let mut builder = Stack::builder()
            .label(&format!("bench-{}", self.name.replace([' ', '+'], "-")))
            .concurrency(1)
            .filters(self.filters)
            .template(&native::template_with(&template, &native))
            .idp_env("PALISADE_IDP_SIGNING_ALG", self.alg);
        if !self.authn_cached {
            builder = builder.patch(Filter::Authn, json!({"cache_entries": 0}));
        }
        if let Some(dir) = wasm_dir {
            builder = builder.wasm_dir(dir);
        }
        // The demo's rate limits would refuse a bench's worth of requests.
        builder = builder.patch(
            Filter::Authz,
            json!({"rate_limits": Value::Null, "max_concurrent_per_principal": Value::Null}),
        );
        builder = builder.patch(
            Filter::Validate,
            json!({"max_body_bytes": 131072, "json": {"max_array_items": 2000},
                   "openapi": super::document_for_batches_of(2000)}),
        );
        let stack = builder.start()?;
        let token = stack.token("demo-client")?;
        wait_until_allowed(&stack, &token)?;
        load(&stack, &token, self.traffic, warmup, connections)?;
        Ok((stack, token))
    }
}

/// Until the JWKS is fetched (Palisade or native), requests are refused.
fn wait_until_allowed(stack: &Stack, token: &str) -> Result<(), HarnessError> {
    for _ in 0..100 {
        if stack.get("/accounts/a1", Some(token))?.status == 200 {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err(HarnessError::new(
        "the scenario never allowed a valid token",
    ))
}
