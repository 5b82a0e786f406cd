#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# A shell-driven test against wacht-emulator out of process: seeded from a fixture file, controlled
# through /_emulator/, checked with curl and jq.
# usage: emulator_shell_test.sh PATH/TO/wacht-emulator
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
"$1" --port 0 --api-key shell-key --seed-file "$here/emulator_fixture.json" --ca-out "$work/ca.pem" \
  > "$work/emulator.log" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true; rm -rf "$work"' EXIT
url=""
for _ in $(seq 1 100); do # up to 10 s for "listening on https://127.0.0.1:PORT"
  url=$(sed -n 's/^listening on //p' "$work/emulator.log")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/emulator.log"; exit 1; }

api() { # METHOD PATH [JSON BODY]: prints the body, then the status on its own line
  curl -sS --cacert "$work/ca.pem" -H "Authorization: Bearer shell-key" -X "$1" \
    ${3:+-H "Content-Type: application/json" --data "$3"} -w '\n%{http_code}' "$url$2"
}
expect() { # EXPECTED ACTUAL WHAT
  [ "$1" = "$2" ] || { echo "FAIL: $3: expected '$1', got '$2'"; exit 1; }
}

# The fixture's two users are there, newest first.
users=$(api GET "/users?sort_order=asc")
expect 200 "$(tail -n1 <<< "$users")" "GET /users status"
expect "Ada grace" "$(head -n-1 <<< "$users" | jq -r '[.data[] | if .first_name != "" then .first_name else .username end] | join(" ")')" "users"
ada=$(head -n-1 <<< "$users" | jq -r '.data[0].id')

# A fault for the next request to the sessions route, then gone.
api POST /_emulator/faults '{"spec":"status:status=503,path=/users/'"$ada"'/sessions,times=1"}' > /dev/null
expect 503 "$(api GET "/users/$ada/sessions" | tail -n1)" "faulted request"
expect 200 "$(api GET "/users/$ada/sessions" | tail -n1)" "after the fault"
api DELETE /_emulator/faults > /dev/null

# The fixture's session expires in 2030; move the clock past it.
expect 1 "$(api GET "/users/$ada/sessions" | head -n-1 | jq '.data | length')" "active sessions"
api POST /_emulator/clock '{"advance_ms": 315360000000}' > /dev/null # ten years
expect 0 "$(api GET "/users/$ada/sessions" | head -n-1 | jq '.data | length')" "sessions after ten years"

# The request log has what reached the API routes, with their statuses.
log=$(api GET /_emulator/requests | head -n-1)
expect "GET /users/$ada/sessions 503" "$(jq -r '.requests[1] | "\(.method) \(.target) \(.status)"' <<< "$log")" "request log"

# Reset: back to the fixture (it is loaded again), the clock back, the log empty.
api POST /_emulator/reset > /dev/null
expect 2 "$(api GET /users | head -n-1 | jq '.data | length')" "users after reset"
expect "GET /users 200" "$(api GET /_emulator/requests | head -n-1 | jq -r '.requests | map("\(.method) \(.target) \(.status)") | join(",")')" "log after the reset"
echo "emulator shell example: passed"
