#!/usr/bin/env bash
# The run command (scripts/dev) as on a developer's own machine: apt-get, apt, sudo, dnf and
# brew are stubs on PATH that fail and note the call. The app must come up on local Cognito,
# answer /health and / and hydrate in a browser, no stub may have been called, and SIGTERM to
# the run command's process group (what Ctrl-C does in a terminal) must stop everything it
# started. Needs the browser tests' tools (scripts/install-tools --for-tests) and CHROMIUM_PATH,
# as scripts/test has them.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh

tmp=$(mktemp -d)
mkdir -p "$tmp/bin"
for cmd in apt-get apt sudo dnf brew; do
  cat >"$tmp/bin/$cmd" <<STUB
#!/bin/sh
echo "$cmd \$*" >>"$tmp/called"
echo "$cmd: not available on this machine (stub of tests/scripts/dev-smoke.sh)" >&2
exit 1
STUB
  chmod +x "$tmp/bin/$cmd"
done

app_port=${SMOKE_PORT:-3110}
cognito_port=${SMOKE_COGNITO_PORT:-9339}
lambda_port=${SMOKE_LAMBDA_PORT:-9311}
log=$tmp/dev.log
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM -- "-$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# Its own process group (job control on), as a terminal gives it.
set -m
PATH="$tmp/bin:$PATH" LOCAL_DIR="$tmp/local" COGNITO_PORT=$cognito_port LAMBDA_PORT=$lambda_port \
  LEPTOS_SITE_ADDR=127.0.0.1:$app_port LEPTOS_RELOAD_PORT=${SMOKE_RELOAD_PORT:-3111} \
  bash scripts/dev >"$log" 2>&1 &
pid=$!
set +m

fail() {
  tail -n 40 "$log" >&2
  die "$*"
}
for _ in $(seq 1200); do
  curl -fsS -o /dev/null "http://127.0.0.1:$app_port/health" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || fail "scripts/dev stopped before the app answered"
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$app_port/health" | grep -q '"ok"' || fail "/health did not answer within 10 minutes"
curl -fsS "http://127.0.0.1:$app_port/" | grep -q "Amazon Cognito in front of a Leptos app" || fail "/ did not render the home page"
[ ! -e "$tmp/called" ] || fail "scripts/dev called a system package manager: $(cat "$tmp/called")"
# The browser tests run on the release build; this is the debug build people develop on: it
# renders, hydrates and serves its bundle right in a browser (home.spec, Playwright project dev).
printf 'APP_URL=http://127.0.0.1:%s\n' "$app_port" >"$tmp/dev.env"
(cd end2end && E2E_RUNS="dev=$tmp/dev.env" npx playwright test) || fail "the debug build failed home.spec in a browser"

kill -TERM -- "-$pid"
stopped=
for _ in $(seq 100); do
  if ! kill -0 "$pid" 2>/dev/null && ! port_answers "$app_port" && ! port_answers "$cognito_port" &&
    ! port_answers "$lambda_port"; then
    stopped=1
    break
  fi
  sleep 0.2
done
[ -n "$stopped" ] || fail "scripts/dev, the app, cognito-local or cargo lambda watch still runs 20 s after SIGTERM"
wait "$pid" 2>/dev/null || true
pid=
printf 'scripts/dev came up without apt-get or sudo, answered /health and /, hydrated in a browser, and stopped on SIGTERM\n' >&2
