use serde_json::json;

use super::*;

const TEMPLATE: &str = "\
# leading comment with {{PLACEHOLDERS}} that must vanish
admin: {{ADMIN_PORT}}
filters:
# palisade-filter audit begin
- audit: {{CONFIG:audit}}
# palisade-filter audit end
# palisade-filter authn begin
- authn: {{CONFIG:authn}} at {{WASM_DIR}}
# palisade-filter authn end
- router
cluster: {{API_PORT}} {{IDP_PORT}} {{ENVOY_PORT}}
";

fn sources() -> Sources {
    let mut configs = BTreeMap::new();
    configs.insert(Filter::Audit, json!({"sink": "log"}));
    configs.insert(
        Filter::Authn,
        json!({"jwks": "http://127.0.0.1:{{IDP_PORT}}/jwks", "openapi": "{{OPENAPI}}", "keep": 1}),
    );
    Sources {
        template: TEMPLATE.to_string(),
        openapi: json!({"openapi": "3.1.0", "note": "quote \" and 'apostrophe'"}),
        configs,
    }
}

fn options(filters: &[Filter]) -> RenderOptions {
    RenderOptions {
        ports: Ports {
            envoy: 1,
            admin: 2,
            api: 3,
            idp: 4,
        },
        wasm_dir: "/w".into(),
        filters: filters.to_vec(),
        patches: BTreeMap::new(),
    }
}

#[test]
fn renders_the_full_chain_with_quoted_configs() {
    let yaml = render(&sources(), &options(&[Filter::Audit, Filter::Authn])).unwrap();
    assert!(yaml.starts_with("# Generated from"));
    assert!(!yaml.contains("leading comment"));
    assert!(yaml.contains("admin: 2\n"));
    assert!(yaml.contains(r#"- audit: "{\"sink\":\"log\"}""#));
    assert!(yaml.contains(r#"\"jwks\":\"http://127.0.0.1:4/jwks\""#));
    assert!(yaml.contains(r#"\"openapi\":{\"note\":\"quote \\\" and 'apostrophe'\""#));
    assert!(yaml.contains(" at /w\n"));
    assert!(yaml.contains("cluster: 3 4 1\n"));
}

#[test]
fn leaves_out_filters_not_in_the_chain() {
    let yaml = render(&sources(), &options(&[Filter::Authn])).unwrap();
    assert!(!yaml.contains("audit"));
    assert!(yaml.contains("- authn: "));
    assert!(yaml.contains("- router\n"));

    let passthrough = render(&sources(), &options(&[])).unwrap();
    assert!(!passthrough.contains("authn"));
    assert!(passthrough.contains("- router\n"));
}

#[test]
fn applies_merge_patch_before_placeholders() {
    let mut opts = options(&[Filter::Authn]);
    opts.patches.insert(
        Filter::Authn,
        json!({"keep": null, "extra": "port {{API_PORT}}"}),
    );
    let yaml = render(&sources(), &opts).unwrap();
    assert!(!yaml.contains(r#"\"keep\""#));
    assert!(yaml.contains(r#"\"extra\":\"port 3\""#));
}

#[test]
fn refuses_a_chain_filter_without_config() {
    let err = render(&sources(), &options(&[Filter::Authz])).unwrap_err();
    assert!(err.to_string().contains("authz"));
}

#[test]
fn refuses_unknown_placeholders() {
    let mut sources = sources();
    sources.template.push_str("x: {{TYPO}}\n");
    assert!(render(&sources, &options(&[])).is_err());
}

#[test]
fn merge_patch_follows_rfc_7386() {
    let cases = [
        (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
        (
            json!({"a": "b"}),
            json!({"b": "c"}),
            json!({"a": "b", "b": "c"}),
        ),
        (json!({"a": "b"}), json!({"a": null}), json!({})),
        (
            json!({"a": [1]}),
            json!({"a": [2, 3]}),
            json!({"a": [2, 3]}),
        ),
        (
            json!({"a": {"b": 1, "c": 2}}),
            json!({"a": {"b": null, "d": 3}}),
            json!({"a": {"c": 2, "d": 3}}),
        ),
        (json!(["x"]), json!({"a": 1}), json!({"a": 1})),
        (json!({"a": 1}), json!("text"), json!("text")),
    ];
    for (mut target, patch, expected) in cases {
        merge_patch(&mut target, &patch);
        assert_eq!(target, expected, "patch {patch}");
    }
}

#[test]
fn the_real_template_renders_a_passthrough_chain() {
    let root = crate::paths::repo_root();
    let sources = Sources::load(&root, &[]).unwrap();
    let yaml = render(&sources, &options(&[])).unwrap();
    assert!(!yaml.contains("envoy.filters.http.wasm"));
    assert!(yaml.contains("header_mutation.v3.HeaderMutation"));
    assert!(yaml.contains("envoy.filters.http.router"));
}
