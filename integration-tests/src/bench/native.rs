//! Native Envoy filters equivalent to Palisade's authn and authz on the demo API, inserted into
//! the demo template before the Palisade filters.

/// Envoy's jwt_authn for the demo IdP; `cached` turns on its verified-token cache.
pub fn jwt_authn(cached: bool) -> String {
    let cache = if cached {
        "                  jwt_cache_config: { jwt_cache_size: 1000 }\n"
    } else {
        ""
    };
    format!(
        r#"          - name: envoy.filters.http.jwt_authn
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
              providers:
                idp:
                  issuer: http://127.0.0.1:{{{{IDP_PORT}}}}
                  audiences: [urn:palisade:demo-api]
                  remote_jwks:
                    http_uri:
                      uri: http://127.0.0.1:{{{{IDP_PORT}}}}/jwks
                      cluster: palisade_idp
                      timeout: 5s
                    cache_duration: 300s
                    async_fetch: {{ fast_listener: false }}
                  forward: false
                  payload_in_metadata: jwt_payload
                  # The identity Palisade authn forwards in the demo configuration.
                  claim_to_headers:
                  - {{ header_name: x-palisade-subject, claim_name: sub }}
                  - {{ header_name: x-palisade-client-id, claim_name: client_id }}
                  - {{ header_name: x-palisade-scopes, claim_name: scope }}
{cache}              rules:
              - match: {{ prefix: "/health" }}
              - match: {{ prefix: "/" }}
                requires: {{ provider_name: idp }}
"#
    )
}

/// Envoy's RBAC with the demo contract's operations and scopes, reading jwt_authn's payload
/// (RE2 matches the whole value, hence the `(.* )?` around a space-delimited scope).
pub fn rbac() -> String {
    let operations = [
        ("health", "GET", "^/health$", None),
        ("list-accounts", "GET", "^/accounts$", Some("accounts:read")),
        (
            "get-account",
            "GET",
            "^/accounts/[a-z0-9-]+$",
            Some("accounts:read"),
        ),
        (
            "close-account",
            "DELETE",
            "^/accounts/[a-z0-9-]+$",
            Some("accounts:admin"),
        ),
        (
            "create-transfer",
            "POST",
            "^/transfers$",
            Some("transfers:write"),
        ),
    ];
    let mut yaml = String::from(
        r#"          - name: envoy.filters.http.rbac
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
              rules:
                action: ALLOW
                policies:
"#,
    );
    for (name, method, path, scope) in operations {
        yaml.push_str(&format!(
            r#"                  {name}:
                    permissions:
                    - and_rules:
                        rules:
                        - header: {{ name: ":method", string_match: {{ exact: {method} }} }}
                        - url_path: {{ path: {{ safe_regex: {{ regex: "{path}" }} }} }}
                    principals:
"#
        ));
        match scope {
            None => yaml.push_str("                    - any: true\n"),
            Some(scope) => yaml.push_str(&format!(
                r#"                    - metadata:
                        filter: envoy.filters.http.jwt_authn
                        path: [ {{ key: jwt_payload }}, {{ key: scope }} ]
                        value: {{ string_match: {{ safe_regex: {{ regex: "(.* )?{scope}( .*)?" }} }} }}
"#
            )),
        }
    }
    yaml
}

/// The demo template with `filters` inserted before the Palisade filters.
pub fn template_with(template: &str, filters: &str) -> String {
    const MARKER: &str = "          # palisade-filter audit begin";
    match template.find(MARKER) {
        Some(at) => format!("{}{filters}{}", &template[..at], &template[at..]),
        None => template.to_string(),
    }
}
