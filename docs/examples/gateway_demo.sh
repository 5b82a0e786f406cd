#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# docs/examples/gateway.cpp against wacht-emulator (the backend API, the Frontend API's JWKS and session
# tokens, and the webhook worker): a short scripted load of valid, expired, forged and rotated-key
# tokens, good and tampered webhooks, and the emulator's own deliveries, every answer checked.
# usage: gateway_demo.sh PATH/TO/wacht-emulator PATH/TO/gateway      (run by `bash .ci/demo all`)
set -euo pipefail
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

started() { # LOG PREFIX PID: the rest of the log's line that starts with PREFIX (10 s at most)
  for _ in $(seq 1 100); do
    local line
    line=$(sed -n "s/^$2 //p" "$1" | head -n1)
    [ -n "$line" ] && { echo "$line"; return 0; }
    kill -0 "$3" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: no \"$2\" line" >&2
  cat "$1" >&2
  return 1
}

"$1" --port 0 --api-key demo-key --ca-out "$work/ca.pem" > "$work/emulator.log" 2>&1 &
pids+=($!)
api=$(started "$work/emulator.log" "listening on" "${pids[0]}")
publishable_key=$(started "$work/emulator.log" "publishable key" "${pids[0]}")
secret="whsec_$(head -c 32 /dev/urandom | base64 -w0)"
# GATEWAY_MIN_REFRESH_MS=0: the rotated key is fetched at once (the default waits 30 s between refreshes).
WACHT_API_URL=$api WACHT_API_KEY=demo-key WACHT_CA_FILE=$work/ca.pem WACHT_PUBLISHABLE_KEY=$publishable_key \
  WACHT_WEBHOOK_SECRET=$secret GATEWAY_MIN_REFRESH_MS=0 "$2" > "$work/gateway.log" 2>&1 &
pids+=($!)
gateway=$(started "$work/gateway.log" "gateway listening on" "${pids[1]}")
echo "emulator $api ($publishable_key), gateway $gateway"

emulator() { # METHOD PATH [JSON]: the body of an emulator route's answer (fails on an HTTP error)
  curl -sS --fail-with-body --cacert "$work/ca.pem" -H "Authorization: Bearer demo-key" -X "$1" \
    ${3:+-H "Content-Type: application/json" --data "$3"} "$api$2"
}
mint() { emulator POST /_emulator/session-tokens "$1" | jq -r .token; }

checks=0
expect() { # NAME STATUS JQ-FILTER VALUE CURL-ARGS...: one request to the gateway, its status and body
  local name=$1 status=$2 filter=$3 value=$4
  shift 4
  local got actual
  got=$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' "$@")
  actual=$(jq -r "$filter" < "$work/body" 2>/dev/null || cat "$work/body")
  if [ "$got" != "$status" ] || [ "$actual" != "$value" ]; then
    echo "FAIL $name: HTTP $got, $filter = '$actual' (expected HTTP $status, '$value')"
    cat "$work/headers" "$work/body"
    exit 1
  fi
  checks=$((checks + 1))
  echo "ok   $name: HTTP $got, $filter = $actual"
}
expect_header() { # NAME HEADER VALUE: a header of the last answer
  local actual
  actual=$(grep -i "^$2:" "$work/headers" | cut -d' ' -f2- | tr -d '\r')
  [ "$actual" = "$3" ] || { echo "FAIL $1: $2: '$actual' (expected '$3')"; exit 1; }
  checks=$((checks + 1))
  echo "ok   $1: $2: $actual"
}
jwks_fetches() {
  emulator GET /_emulator/requests | jq '[.requests[] | select(.target == "/.well-known/jwks.json")] | length'
}

# --- Seed: Ada administers Acme, Grace only reads it; the emulator delivers its events to the gateway.
ada=$(emulator POST /_emulator/users '{"first_name":"Ada","email_address":"ada@example.com"}' | jq -r .id)
ada_membership=$(emulator POST "/_emulator/users/$ada/organization-memberships" \
  '{"organization":{"name":"Acme"},"roles":[{"name":"admin","permissions":["org:read","org:manage_members"]}]}' | jq -r .id)
grace=$(emulator POST /_emulator/users '{"first_name":"Grace","email_address":"grace@example.com"}' | jq -r .id)
grace_membership=$(emulator POST "/_emulator/users/$grace/organization-memberships" \
  '{"organization":{"name":"Acme"},"roles":[{"name":"viewer","permissions":["org:read"]}]}' | jq -r .id)
emulator POST /_emulator/webhooks/endpoint "{\"url\":\"$gateway/webhooks\",\"signing_secret\":\"$secret\"}" > /dev/null
ada_token=$(mint "{\"user_id\":\"$ada\",\"organization_membership_id\":\"$ada_membership\"}")
grace_token=$(mint "{\"user_id\":\"$grace\",\"organization_membership_id\":\"$grace_membership\"}")
bearer() { echo "Authorization: Bearer $1"; }

# --- Session tokens (§5.9)
expect "valid token" 200 .first_name Ada -H "$(bearer "$ada_token")" "$gateway/me"
expect "valid token, lower-case scheme" 200 .first_name Grace -H "Authorization: bearer $grace_token" "$gateway/me"
# The inbound request id reaches the backend API (the emulator logs it) and the SDK's events (the
# gateway's "backend" lines name the route template, never the user's id); one the SDK refuses sends
# nothing.
expect "request id forwarded" 200 .first_name Ada -H "$(bearer "$ada_token")" -H "X-Request-Id: demo-req-42" "$gateway/me"
seen=$(emulator GET /_emulator/requests | jq -r '[.requests[] | select(.request_id == "demo-req-42")
  | "\(.method) \(.target | sub("/users/[0-9]+/"; "/users/{id}/")) \(.status)"] | join(", ")')
[ "$seen" = "GET /users/{id}/details 200" ] || { echo "FAIL: the emulator saw with demo-req-42: '$seen'"; exit 1; }
grep -q "^backend GET /users/{user_id}/details 200 .* id=demo-req-42$" "$work/gateway.log" ||
  { echo "FAIL: no backend event line for demo-req-42"; cat "$work/gateway.log"; exit 1; }
! grep "^backend " "$work/gateway.log" | grep -q "$ada" || { echo "FAIL: a user id in the event lines"; exit 1; }
checks=$((checks + 3))
echo "ok   request id: the emulator saw $seen with it; the gateway logged the route template"
expect "request id the SDK refuses" 400 .error invalid_request_id -H "$(bearer "$ada_token")" \
  -H "X-Request-Id: $(printf 'x%.0s' $(seq 1 200))" "$gateway/me"
expect "permission held" 200 .admin true -H "$(bearer "$ada_token")" "$gateway/admin"
expect "permission missing" 403 .error forbidden -H "$(bearer "$grace_token")" "$gateway/admin"
expect "no token" 401 .error unauthenticated "$gateway/me"
expect_header "no token" WWW-Authenticate "Bearer"
expired=$(mint "{\"user_id\":\"$ada\",\"lifetime_seconds\":-10}")
expect "expired token" 401 .error token_expired -H "$(bearer "$expired")" "$gateway/me"
expect_header "expired token" WWW-Authenticate 'Bearer error="invalid_token", error_description="token expired"'
IFS=. read -r ada_header _ ada_signature <<< "$ada_token"
IFS=. read -r _ grace_payload _ <<< "$grace_token"
forged="$ada_header.$grace_payload.$ada_signature" # Grace's claims under Ada's signature
expect "forged token" 401 .error signature_invalid -H "$(bearer "$forged")" "$gateway/admin"
expect_header "forged token" WWW-Authenticate 'Bearer error="invalid_token"'
unsigned="$(printf '{"alg":"none","typ":"JWT"}' | base64 -w0 | tr '+/' '-_' | tr -d =).$grace_payload."
expect "alg none" 401 .error token_malformed -H "$(bearer "$unsigned")" "$gateway/admin"
expect "garbage" 401 .error token_malformed -H "Authorization: Bearer not-a-token" "$gateway/me"
[ "$(jwks_fetches)" = 1 ] || { echo "FAIL: the gateway fetched the JWKS $(jwks_fetches) times before the rotation"; exit 1; }

# --- Key rotation: a token signed by the new key makes one JWKS fetch; the old key stays for its grace.
emulator POST /_emulator/keys/rotate '{"grace_seconds":600}' > /dev/null
rotated=$(mint "{\"user_id\":\"$ada\",\"organization_membership_id\":\"$ada_membership\"}")
for i in 1 2 3; do
  expect "rotated-key token ($i)" 200 .admin true -H "$(bearer "$rotated")" "$gateway/admin"
done
expect "token of the previous key" 200 .first_name Ada -H "$(bearer "$ada_token")" "$gateway/me"
fetches=$(jwks_fetches)
[ "$fetches" = 2 ] || { echo "FAIL: $fetches JWKS fetches (expected 2: start-up, rotation)"; exit 1; }
echo "ok   rotation: 2 JWKS fetches in all"

# --- A bounded load: 300 requests, four connections at a time (keep-alive), each answer checked.
for _ in $(seq 1 25); do printf 'url = "%s"\noutput = "/dev/null"\n' "$gateway/me"; done > "$work/requests.cfg"
load() { # COUNT STATUS TOKEN: COUNT/25 curls of 25 requests each, all at once
  local workers=() codes
  for w in $(seq 1 $(($1 / 25))); do
    curl -sS -H "$(bearer "$3")" -w '%{http_code}\n' -K "$work/requests.cfg" > "$work/load.$w" &
    workers+=($!)
  done
  wait "${workers[@]}"
  codes=$(cat "$work"/load.* | sort | uniq -c)
  rm -f "$work"/load.[0-9]*
  [ "$(echo $codes)" = "$1 $2" ] || { echo "FAIL load: $codes (expected $1 x $2)"; exit 1; }
  checks=$((checks + 1))
  echo "ok   load: $1 x HTTP $2"
}
load 100 200 "$rotated"
load 100 401 "$expired"
load 100 401 "$forged"

# --- Webhooks (§10.7): signed here with openssl, then a tampered body, a missing header, a stale delivery.
key_hex=$(printf '%s' "${secret#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
sign() { printf '%s' "$1.$2.$3" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" -binary | base64 -w0; }
now=$(date +%s)
body='{"type":"user.updated","timestamp":"2026-06-29T12:00:00.000Z","data":{"id":"1","first_name":"Zoë"}}'
signature="v1,$(sign msg_demo_1 "$now" "$body")"
expect "signed webhook" 200 .type user.updated -H "webhook-id: msg_demo_1" -H "webhook-timestamp: $now" \
  -H "webhook-signature: $signature" --data-binary "$body" "$gateway/webhooks"
expect "tampered webhook" 401 .error no_matching_signature -H "webhook-id: msg_demo_1" -H "webhook-timestamp: $now" \
  -H "webhook-signature: $signature" --data-binary "${body/Zoë/Eve}" "$gateway/webhooks"
expect "webhook without its id" 400 .error missing_header -H "webhook-timestamp: $now" \
  -H "webhook-signature: $signature" --data-binary "$body" "$gateway/webhooks"
old=$((now - 600))
expect "stale webhook" 401 .error timestamp_too_old -H "webhook-id: msg_demo_2" -H "webhook-timestamp: $old" \
  -H "webhook-signature: v1,$(sign msg_demo_2 "$old" "$body")" --data-binary "$body" "$gateway/webhooks"

# --- The emulator's own deliveries: a user created and one deleted through the backend API, a test event.
curl -sS --fail-with-body --cacert "$work/ca.pem" -H "Authorization: Bearer demo-key" -F first_name=Linus \
  -F last_name=Torvalds -F email_address=linus@example.com -F 'password=S3cure!pass' "$api/users" > /dev/null
curl -sS --fail-with-body --cacert "$work/ca.pem" -H "Authorization: Bearer demo-key" -X DELETE \
  "$api/users/$grace" > /dev/null
emulator POST /_emulator/webhooks/test '{"event":"user.created"}' > /dev/null
for _ in $(seq 1 100); do # up to 10 s for the three deliveries to succeed
  states=$(emulator GET /_emulator/webhooks | jq -r '[.deliveries[] | "\(.event_type):\(.state)"] | join(" ")')
  [ "$states" = "user.created:success user.deleted:success test.webhook:success" ] && break
  sleep 0.1
done
[ "$states" = "user.created:success user.deleted:success test.webhook:success" ] ||
  { echo "FAIL: deliveries: $states"; cat "$work/gateway.log"; exit 1; }
for type in user.created user.deleted test.webhook; do
  grep -q "^webhook $type msg_" "$work/gateway.log" || { echo "FAIL: the gateway did not log $type"; exit 1; }
done
echo "ok   the emulator's deliveries: $states"

# A token outlives its deleted user until it expires: the backend API says who is gone.
expect "deleted user's token" 404 .error user_not_found -H "$(bearer "$grace_token")" "$gateway/me"

# --- An unreachable JWKS (no copy yet) is a 503, not a 401: a second gateway, started during an outage.
emulator POST /_emulator/faults '{"spec":"status:status=500,path=/.well-known/jwks.json"}' > /dev/null
WACHT_API_URL=$api WACHT_API_KEY=demo-key WACHT_CA_FILE=$work/ca.pem WACHT_PUBLISHABLE_KEY=$publishable_key \
  WACHT_WEBHOOK_SECRET=$secret "$2" > "$work/gateway2.log" 2>&1 &
pids+=($!)
second=$(started "$work/gateway2.log" "gateway listening on" "${pids[2]}")
expect "JWKS outage" 503 .error jwks_unavailable -H "$(bearer "$ada_token")" "$second/me"
emulator DELETE /_emulator/faults > /dev/null

echo "gateway demo: $checks checks passed"
