#!/usr/bin/env bash
# Runs the Palisade demo on loopback: the demo API (:18080), the IdP (:18081) and Envoy (:10000,
# admin :9901) with envoy-configs/demo.yaml, then prints four requests to try. Ctrl-C stops
# everything this script started. Called by `make run` after setup and build.
#
# To run it elsewhere, render a config for other ports and name them here, e.g.
#   cargo run -p palisade-integration-tests --bin palisade-render -- \
#     --ports 20000,20001,20002,20003 --out .run/demo.yaml
#   DEMO_CONFIG=.run/demo.yaml ENVOY_PORT=20000 ADMIN_PORT=20001 API_PORT=20002 IDP_PORT=20003 \
#     scripts/run-demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ENVOY_PORT=${ENVOY_PORT:-10000}
ADMIN_PORT=${ADMIN_PORT:-9901}
API_PORT=${API_PORT:-18080}
IDP_PORT=${IDP_PORT:-18081}
DEMO_CONFIG=${DEMO_CONFIG:-envoy-configs/demo.yaml}
RUN_DIR=.run
mkdir -p "$RUN_DIR"

pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  echo "stopped the demo"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Waits up to 60 s for a URL to answer 200; fails with the named log otherwise.
wait_for() {
  local url=$1 log=$2
  for _ in $(seq 1 300); do
    if curl -fs -o /dev/null "$url"; then
      return 0
    fi
    sleep 0.2
  done
  echo "not ready: $url; last lines of $log:" >&2
  tail -n 30 "$log" >&2
  exit 1
}

token_for() {
  local client=$1 scope=$2
  curl -fs -u "$client:$client-secret" \
    -d grant_type=client_credentials \
    -d resource=urn:palisade:demo-api \
    --data-urlencode "scope=$scope" \
    "http://127.0.0.1:$IDP_PORT/token" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

for port in $API_PORT $IDP_PORT $ENVOY_PORT $ADMIN_PORT; do
  if port_in_use "$port"; then
    echo "port $port on 127.0.0.1 is taken: stop whatever uses it first" >&2
    exit 1
  fi
done

target/debug/palisade-demo-api --port "$API_PORT" >"$RUN_DIR/api.log" 2>&1 &
pids+=($!)
(cd idp && exec node server.mjs --port "$IDP_PORT") >"$RUN_DIR/idp.log" 2>&1 &
pids+=($!)
.venv/bin/envoy -c "$DEMO_CONFIG" --concurrency 1 --disable-hot-restart \
  --log-format '[%Y-%m-%d %T.%e][%l][%n] %v' >"$RUN_DIR/envoy.log" 2>&1 &
pids+=($!)

wait_for "http://127.0.0.1:$API_PORT/health" "$RUN_DIR/api.log"
wait_for "http://127.0.0.1:$IDP_PORT/.well-known/openid-configuration" "$RUN_DIR/idp.log"
wait_for "http://127.0.0.1:$ADMIN_PORT/ready" "$RUN_DIR/envoy.log"

DEMO_TOKEN=$(token_for demo-client "accounts:read transfers:write")
READER_TOKEN=$(token_for reader-client "accounts:read")

# authn fetches the JWKS on a timer after start; until then it answers 503.
for _ in $(seq 1 100); do
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $DEMO_TOKEN" \
    "http://127.0.0.1:$ENVOY_PORT/accounts/a1")
  [ "$status" != 503 ] && break
  sleep 0.2
done

BASE="http://127.0.0.1:$ENVOY_PORT"
cat <<EOF

Palisade demo is up: Envoy $BASE (admin http://127.0.0.1:$ADMIN_PORT), demo API :$API_PORT,
IdP http://127.0.0.1:$IDP_PORT. Logs in $RUN_DIR/; audit records:
  grep palisade-audit $RUN_DIR/envoy.log

Tokens (valid one hour) are for demo-client (accounts:read transfers:write) and reader-client
(accounts:read). Try:

# 200: demo-client reads account a1
curl -i -H "Authorization: Bearer $DEMO_TOKEN" $BASE/accounts/a1

# 401 (authn): a token that is not one
curl -i -H "Authorization: Bearer not-a-token" $BASE/accounts/a1

# 403 (authz): reader-client may not create transfers
curl -i -X POST -H "Authorization: Bearer $READER_TOKEN" -H "Content-Type: application/json" \\
  -d '{"from":"a1","to":"a2","amount":10,"currency":"EUR"}' $BASE/transfers

# 400 (validate): a negative amount and a property the API does not define
curl -i -X POST -H "Authorization: Bearer $DEMO_TOKEN" -H "Content-Type: application/json" \\
  -d '{"from":"a1","to":"a2","amount":-10,"currency":"EUR","admin":true}' $BASE/transfers

Press Ctrl-C to stop.
EOF

wait -n "${pids[@]}" || true
echo "a demo process exited; see $RUN_DIR/*.log" >&2
