//! Tokens minted outside our Rust code, by Node's crypto: fresh keys of every kind (RSA 2048,
//! P-256, P-384, Ed25519), their public JWKS, and compact JWS over any header and claims text —
//! including raw text with duplicate names, and HMAC with any secret.

use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};

const SCRIPT: &str = r#"
import { constants, createHmac, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
const input = JSON.parse(readFileSync(0, 'utf8'));
const b64 = (bytes) => Buffer.from(bytes).toString('base64url');
function fresh() {
  const keys = {};
  const add = (kid, pair) => { keys[kid] = { ...pair.privateKey.export({ format: 'jwk' }), kid }; };
  add('rsa-1', generateKeyPairSync('rsa', { modulusLength: 2048 }));
  add('ec256-1', generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  add('ec384-1', generateKeyPairSync('ec', { namedCurve: 'P-384' }));
  add('ed-1', generateKeyPairSync('ed25519'));
  return keys;
}
const keys = input.keys ?? fresh();
const publicJwk = ({ d, p, q, dp, dq, qi, ...rest }) => ({ ...rest, use: 'sig' });
const jwks = { keys: Object.values(keys).map(publicJwk) };
const KIDS = { RS: 'rsa-1', PS: 'rsa-1', ES256: 'ec256-1', ES384: 'ec384-1', EdDSA: 'ed-1' };
function signature(alg, kid, data, secret) {
  const hash = 'sha' + alg.slice(2);
  if (alg.startsWith('HS')) return createHmac(hash, Buffer.from(secret, 'base64url')).update(data).digest();
  const key = createPrivateKey({ key: keys[kid], format: 'jwk' });
  if (alg === 'EdDSA') return sign(null, data, key);
  if (alg.startsWith('PS')) {
    return sign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
  }
  if (alg.startsWith('ES')) return sign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
  return sign(hash, data, key);
}
const tokens = input.requests.map((request) => {
  const alg = request.sign_alg ?? request.alg;
  const kid = request.kid ?? KIDS[alg] ?? KIDS[alg.slice(0, 2)];
  const header = request.header_text ?? JSON.stringify({ alg: request.alg, kid, ...(request.header ?? {}) });
  const claims = request.claims_text ?? JSON.stringify(request.claims);
  const data = `${b64(header)}.${b64(claims)}`;
  return `${data}.${b64(signature(alg, kid, data, request.secret))}`;
});
process.stdout.write(JSON.stringify({ keys, jwks, tokens }));
"#;

/// What Node answered: the private keys (to sign again later), the public JWKS, the tokens.
pub struct Minted {
    pub keys: Value,
    pub jwks: Value,
    pub tokens: Vec<String>,
}

/// Signs each request (`{"alg", "claims" | "claims_text", "header" | "header_text", "kid",
/// "sign_alg", "secret"}`) with `keys`, or with fresh keys when `keys` is null.
pub fn mint(keys: &Value, requests: &[Value]) -> Minted {
    let input = json!({"keys": keys, "requests": requests});
    let mut child = Command::new("node")
        .args(["--input-type=module", "-e", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "node failed");
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    let tokens = answer["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|token| token.as_str().unwrap().to_string())
        .collect();
    Minted {
        keys: answer["keys"].clone(),
        jwks: answer["jwks"].clone(),
        tokens,
    }
}
