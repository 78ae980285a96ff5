// Loopback OpenID provider for the Palisade demo and the integration tests.
//
// Issues JWT access tokens (typ at+jwt) by the client-credentials grant for the resource
// `urn:palisade:demo-api`: iss http://127.0.0.1:<port>, aud urn:palisade:demo-api,
// sub and client_id the client's id, scope the granted scopes. Keys are generated at start and
// live only in memory: an ES256 and an RS256 key, both published at /jwks.
//
// Clients (client_secret_basic; the secrets are public, this only ever serves loopback demos):
//   demo-client    demo-client-secret    accounts:read transfers:write
//   reader-client  reader-client-secret  accounts:read
//   admin-client   admin-client-secret   accounts:read accounts:admin transfers:write
// A token request names the resource and the scopes it wants, e.g.
//   curl -u demo-client:demo-client-secret -d grant_type=client_credentials \
//     -d resource=urn:palisade:demo-api -d 'scope=accounts:read transfers:write' \
//     http://127.0.0.1:18081/token
// Without a resource the provider issues an opaque token, which the gateway refuses.
//
//   node server.mjs --port 18081
//
// Environment:
//   PORT                       listening port on 127.0.0.1 when --port is not given (default 18081)
//   PALISADE_IDP_SIGNING_ALG   ES256 (default) or RS256: which key signs access tokens
//   PALISADE_IDP_TOKEN_TTL     access-token lifetime in seconds (default 3600)
//   PALISADE_IDP_ADMIN         1 enables the test-only /__admin endpoints (default off)
//
// Test-only endpoints (PALISADE_IDP_ADMIN=1):
//   POST /__admin/rotate?alg=ES256|RS256[&retire=1]
//        adds a fresh key, makes it the access-token signer; retire=1 drops every older key
//        from the JWKS. Answers {"kid": "..."}.
//   POST /__admin/sign  body {"header": {...}, "claims": {...}, "kid": "...",
//                             "unpublished_alg": "ES256"|"RS256", "hmac_secret": "..."}
//        signs arbitrary claims for negative tests (expired, wrong audience, ...) and answers
//        {"token": "..."}. By default with the current signer (or the key named by kid); with
//        unpublished_alg by a throwaway key that is not in the JWKS; with hmac_secret by HS256
//        over that secret (e.g. the published public key, to test algorithm confusion). The
//        header's alg/typ/kid default to the key's and may be overridden through "header".
import { createServer } from 'node:http';
import {
  createHmac, generateKeyPairSync, randomBytes, sign as cryptoSign,
} from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

const AUDIENCE = 'urn:palisade:demo-api';
const API_SCOPES = ['accounts:read', 'accounts:admin', 'transfers:write'];

// Client secrets are fixed and public: this provider only ever serves loopback demos and tests.
const CLIENTS = [
  { client_id: 'demo-client', client_secret: 'demo-client-secret', scope: 'accounts:read transfers:write' },
  { client_id: 'reader-client', client_secret: 'reader-client-secret', scope: 'accounts:read' },
  { client_id: 'admin-client', client_secret: 'admin-client-secret', scope: 'accounts:read accounts:admin transfers:write' },
];

function portFromArgs() {
  const index = process.argv.indexOf('--port');
  const raw = index >= 0 ? process.argv[index + 1] : (process.env.PORT ?? '18081');
  const port = Number.parseInt(raw, 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port: ${raw}`);
  }
  return port;
}

function signingAlgFromEnv() {
  const alg = process.env.PALISADE_IDP_SIGNING_ALG ?? 'ES256';
  if (alg !== 'ES256' && alg !== 'RS256') {
    throw new Error(`PALISADE_IDP_SIGNING_ALG must be ES256 or RS256, not ${alg}`);
  }
  return alg;
}

let keySerial = 0;

// A private JWK with kid, alg and use set; the provider publishes its public half at /jwks.
function generateKey(alg) {
  keySerial += 1;
  const pair = alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = pair.privateKey.export({ format: 'jwk' });
  const kid = `${alg.toLowerCase()}-${keySerial}-${randomBytes(4).toString('hex')}`;
  return { jwk: { ...jwk, kid, alg, use: 'sig' }, privateKey: pair.privateKey };
}

// Keys and the signer choice; the provider is rebuilt from this whenever it changes.
const state = {
  keys: [],
  signerKid: '',
  ttl: Number.parseInt(process.env.PALISADE_IDP_TOKEN_TTL ?? '3600', 10),
};

function signerKey() {
  return state.keys.find((key) => key.jwk.kid === state.signerKid);
}

function resourceServerInfo(_ctx, indicator, client) {
  if (indicator !== AUDIENCE) {
    throw new errors.InvalidTarget();
  }
  const signer = signerKey();
  return {
    audience: AUDIENCE,
    scope: client.scope ?? '',
    accessTokenTTL: state.ttl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: signer.jwk.alg, kid: signer.jwk.kid } },
  };
}

function buildProvider(issuer) {
  return new Provider(issuer, {
    clients: CLIENTS.map((client) => ({
      ...client,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: state.keys.map((key) => key.jwk) },
    // Listing the API scopes here makes the provider hold each client to its own scope list.
    scopes: ['openid', ...API_SCOPES],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => false,
        getResourceServerInfo: resourceServerInfo,
      },
    },
    routes: { jwks: '/jwks' },
    ttl: { ClientCredentials: state.ttl },
    cookies: { keys: [randomBytes(32).toString('hex')] },
  });
}

function base64url(value) {
  return Buffer.from(value).toString('base64url');
}

// Compact JWS over the given header and claims (test-only endpoint); undefined when the
// request names no usable key.
function signToken(request) {
  const key = signingKeyFor(request);
  if (!key) {
    return undefined;
  }
  const header = { alg: key.alg, typ: 'at+jwt', ...(key.kid ? { kid: key.kid } : {}), ...(request.header ?? {}) };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(request.claims ?? {}))}`;
  return `${input}.${key.sign(Buffer.from(input)).toString('base64url')}`;
}

function signingKeyFor(request) {
  if (typeof request.hmac_secret === 'string') {
    const secret = Buffer.from(request.hmac_secret);
    return { alg: 'HS256', sign: (data) => createHmac('sha256', secret).update(data).digest() };
  }
  let key;
  if (request.unpublished_alg === 'ES256' || request.unpublished_alg === 'RS256') {
    key = generateKey(request.unpublished_alg);
  } else {
    key = state.keys.find((candidate) => candidate.jwk.kid === (request.kid ?? state.signerKid));
  }
  if (!key) {
    return undefined;
  }
  const options = key.jwk.alg === 'ES256'
    ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' }
    : key.privateKey;
  return { alg: key.jwk.alg, kid: key.jwk.kid, sign: (data) => cryptoSign('sha256', data, options) };
}

function rotate(url) {
  const alg = url.searchParams.get('alg') ?? signerKey().jwk.alg;
  if (alg !== 'ES256' && alg !== 'RS256') {
    return undefined;
  }
  const fresh = generateKey(alg);
  state.keys = url.searchParams.get('retire') === '1' ? [fresh] : [fresh, ...state.keys];
  state.signerKid = fresh.jwk.kid;
  return fresh.jwk.kid;
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handleAdmin(req, res, url, rebuild) {
  if (req.method === 'POST' && url.pathname === '/__admin/rotate') {
    const kid = rotate(url);
    if (!kid) {
      reply(res, 400, { error: 'alg must be ES256 or RS256' });
      return;
    }
    rebuild();
    reply(res, 200, { kid });
    return;
  }
  if (req.method === 'POST' && url.pathname === '/__admin/sign') {
    let request;
    try {
      request = JSON.parse(await readBody(req));
    } catch {
      reply(res, 400, { error: 'body must be JSON' });
      return;
    }
    const token = signToken(request);
    reply(res, token ? 200 : 400, token ? { token } : { error: 'no such key' });
    return;
  }
  reply(res, 404, { error: 'not found' });
}

function main() {
  const port = portFromArgs();
  const adminEnabled = process.env.PALISADE_IDP_ADMIN === '1';
  const alg = signingAlgFromEnv();
  const es256 = generateKey('ES256');
  const rs256 = generateKey('RS256');
  state.keys = [es256, rs256];
  state.signerKid = alg === 'ES256' ? es256.jwk.kid : rs256.jwk.kid;

  let handler;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (adminEnabled && url.pathname.startsWith('/__admin/')) {
      handleAdmin(req, res, url, () => { handler = buildProvider(issuer).callback(); })
        .catch(() => reply(res, 500, { error: 'admin request failed' }));
      return;
    }
    handler(req, res);
  });

  let issuer = '';
  server.listen(port, '127.0.0.1', () => {
    issuer = `http://127.0.0.1:${server.address().port}`;
    handler = buildProvider(issuer).callback();
    console.log(`palisade-idp listening issuer=${issuer} signing_alg=${alg} admin=${adminEnabled}`);
  });

  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
