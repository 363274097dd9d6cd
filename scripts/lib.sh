# shellcheck shell=bash
# Shared by the project's scripts. Sourced, not run.

# Everything the scripts make at run time lives here (git-ignored).
LOCAL_DIR=${LOCAL_DIR:-$PWD/.cognito-local}
COGNITO_PORT=${COGNITO_PORT:-9229}
LAMBDA_PORT=${LAMBDA_PORT:-9001}

# Written for the bash 3.2 that macOS ships and for BSD and GNU tools alike: no GNU-only flags,
# no bash 4 features. `shellcheck` checks every script (scripts/test runs it).

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# 64 random bytes as one line of base64 (GNU's `base64 -w0` does not exist on macOS).
random_key() { head -c 64 /dev/urandom | base64 | tr -d '\n'; }

# Whether something listens on 127.0.0.1:PORT (any HTTP answer, or a refused request, counts
# as "no" only when curl could not connect at all).
port_answers() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/" 2>/dev/null) || true
  [ -n "$code" ] && [ "$code" != 000 ]
}

# kill_tree PID: stops PID and every process it started (cargo, and the test binary it runs).
kill_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
  kill -TERM "$1" 2>/dev/null || true
}

# with_time_limit SECONDS COMMAND...: runs COMMAND; past SECONDS it is stopped, with one line
# saying so, and this fails — so a test that hangs fails CI instead of stalling it.
with_time_limit() {
  local seconds=$1 pid watcher status=0
  shift
  "$@" &
  pid=$!
  (
    sleep "$seconds"
    printf 'error: still running after %s s, stopped: %s\n' "$seconds" "$*" >&2
    kill_tree "$pid"
  ) &
  watcher=$!
  wait "$pid" || status=$?
  kill_tree "$watcher"
  wait "$watcher" 2>/dev/null || true
  return "$status"
}

# Waits until an HTTP URL answers, or fails after $2 seconds.
wait_for_http() {
  local url=$1 seconds=${2:-30}
  for _ in $(seq $((seconds * 10))); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  die "$url did not answer within ${seconds}s"
}

ROOT=${ROOT:-$PWD}

# One build directory for every clone on this machine (CI tests a fresh clone each time): the
# dependencies are compiled once, not once per clone. Override with CARGO_TARGET_DIR.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/leptos-cognito/target}
COGNITO_LOCAL_BIN=$ROOT/scripts/cognito-local/node_modules/.bin/cognito-local

# The Python tools (cargo-lambda; for the tests also cfn-lint and checkov) live in one virtual
# environment per machine, like the build directory, at the versions in scripts/python/.
TOOLS_VENV=${TOOLS_VENV:-$HOME/.cache/leptos-cognito/venv}
export PATH="$TOOLS_VENV/bin:$PATH"

# Never let the AWS SDK look for credentials or a region on an EC2 metadata endpoint: locally
# there is none, and the request would leave the machine.
export AWS_EC2_METADATA_DISABLED=true

# start_cognito_local DIR PORT [TRIGGER...]
# Starts cognito-local on 127.0.0.1:PORT with its data in DIR/.cognito (kept between runs).
# Each TRIGGER (custom-message, pre-sign-up) calls the project's Rust Lambda of that name through
# the Lambda Invoke API on LAMBDA_PORT (start_lambdas).
start_cognito_local() {
  local dir=$1 port=$2 trigger triggers=
  shift 2
  mkdir -p "$dir/.cognito"
  for trigger in "$@"; do
    case $trigger in
      custom-message) triggers="$triggers${triggers:+, }\"CustomMessage\": \"custom-message\"" ;;
      pre-sign-up) triggers="$triggers${triggers:+, }\"PreSignUp\": \"pre-sign-up\"" ;;
      *) die "start_cognito_local: unknown trigger $trigger" ;;
    esac
  done
  cat > "$dir/.cognito/config.json" <<JSON
{
  "TokenConfig": { "IssuerDomain": "http://127.0.0.1:$port" },
  "LambdaClient": {
    "endpoint": "http://127.0.0.1:$LAMBDA_PORT",
    "region": "local",
    "credentials": { "accessKeyId": "local", "secretAccessKey": "local" }
  },
  "TriggerFunctions": { $triggers }
}
JSON
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then
    die "port $port is already in use (another cognito-local?); stop it or set COGNITO_PORT"
  fi
  (cd "$dir" && HOST=127.0.0.1 PORT=$port exec "$COGNITO_LOCAL_BIN") >"$dir/cognito-local.log" 2>&1 &
  echo $! >"$dir/cognito-local.pid"
  wait_for_http "http://127.0.0.1:$port/health" 30
  echo "cognito-local on http://127.0.0.1:$port (data: $dir/.cognito, log: $dir/cognito-local.log)" >&2
}

# ministack (scripts/python/ministack.txt) has a virtual environment of its own: it pins a
# botocore that checkov's boto3 (scripts/python/test.txt) refuses.
MINISTACK_VENV=${MINISTACK_VENV:-$HOME/.cache/leptos-cognito/ministack-venv}

# start_ministack DIR PORT: the second emulator, a fuller Cognito than cognito-local (see the
# docs/emulators.md's table), on 127.0.0.1:PORT with its state (signing keys) in DIR/state.
# AUTH=true makes it check SECRET_HASH and SigV4 signatures (the root key is the local/local that
# provision signs with); IOT_MTLS_ENABLED=0 keeps it off port 8883. It "sends"
# e-mail through its SES, readable at /_ministack/ses/messages (end2end/tests/cognito-local.ts).
start_ministack() {
  local dir=$1 port=$2
  mkdir -p "$dir/state"
  if port_answers "$port"; then
    die "port $port is already in use; stop what listens there or choose another ministack port"
  fi
  (cd "$dir" && GATEWAY_PORT=$port BIND_HOST=127.0.0.1 MINISTACK_HOST=127.0.0.1 SERVICES=cognito-idp,ses \
    AUTH=true AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local IOT_MTLS_ENABLED=0 \
    STATE_DIR=$dir/state MINISTACK_REGION=us-east-1 \
    exec "$MINISTACK_VENV/bin/python" -m ministack) >"$dir/ministack.log" 2>&1 &
  echo $! >"$dir/ministack.pid"
  wait_for_http "http://127.0.0.1:$port/_ministack/health" 30
  echo "ministack on http://127.0.0.1:$port (state: $dir/state, log: $dir/ministack.log)" >&2
}

# find_redis: sets REDIS_SERVER to a redis-server (Redis 7, or Valkey's valkey-server) for the
# session store's tests: REDIS_SERVER as given, else one on the PATH; on Debian or Ubuntu as
# root (CI), Debian's redis-server is installed when there is none.
find_redis() {
  local found
  if [ -n "${REDIS_SERVER:-}" ]; then
    [ -x "$(command -v "$REDIS_SERVER")" ] || die "REDIS_SERVER=$REDIS_SERVER is not an executable redis-server; point it at one, or unset it"
  elif found=$(command -v redis-server || command -v valkey-server); then
    REDIS_SERVER=$found
  elif is_debian_root; then
    step "installing Debian's redis-server (the session store's tests)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    REDIS_SERVER=$(command -v redis-server)
  else
    die "no redis-server for the session store's tests: install Redis 7 (macOS: brew install redis; Ubuntu/Debian: apt install redis-server; Fedora: dnf install redis), or set REDIS_SERVER"
  fi
  "$REDIS_SERVER" --version | grep -qE 'v=([7-9]|[1-9][0-9])\.' ||
    die "$REDIS_SERVER is older than Redis 7 ($("$REDIS_SERVER" --version | head -c 80)); the store needs 7 (EXPIREAT GT/NX)"
  export REDIS_SERVER
}

# tcp_open PORT: something accepts TCP connections on 127.0.0.1:PORT (bash's /dev/tcp; an HTTP
# request, as port_answers sends, is refused by Redis as an attack).
tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_redis DIR PORT: a Redis on 127.0.0.1:PORT with nothing on disk, until stop_pids DIR.
start_redis() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  if tcp_open "$port"; then
    die "port $port is already in use; stop what listens there or set E2E_REDIS_PORT"
  fi
  "$REDIS_SERVER" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
  echo $! >"$dir/redis.pid"
  for _ in $(seq 100); do
    if tcp_open "$port"; then
      echo "redis on 127.0.0.1:$port (log: $dir/redis.log)" >&2
      return 0
    fi
    sleep 0.1
  done
  die "redis-server did not start on port $port (see $dir/redis.log)"
}

# start_double SCRIPT DIR PORT ENV_FILE [VAR=VALUE...]: a test double of Cognito calls no
# emulator has (end2end/doubles/SCRIPT) on 127.0.0.1:PORT, in front of the cognito-local that
# ENV_FILE (written by `provision`) points at, with its settings VAR=VALUE. ENV_FILE is then
# pointed at the double, and gains DOUBLE_URL and COGNITO_UPSTREAM_URL (cognito-local itself).
start_double() {
  local script=$1 dir=$2 port=$3 env_file=$4 upstream pool
  shift 4
  upstream=$(sed -n 's/^AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=//p' "$env_file")
  pool=$(sed -n 's/^COGNITO_USER_POOL_ID=//p' "$env_file")
  if [ -z "$upstream" ] || [ -z "$pool" ]; then die "start_double: $env_file lacks the endpoint or the pool"; fi
  mkdir -p "$dir"
  (cd "$ROOT/end2end" && exec env PORT="$port" UPSTREAM="$upstream" POOL_ID="$pool" ISSUER_DOMAIN="$upstream" \
    COGNITO_LOCAL_KEY="$ROOT/scripts/cognito-local/node_modules/cognito-local/lib/keys/cognitoLocal.private.json" \
    "$@" node "doubles/$script") >"$dir/double.log" 2>&1 &
  echo $! >"$dir/double.pid"
  for _ in $(seq 1 100); do tcp_open "$port" && break; sleep 0.1; done
  tcp_open "$port" || die "the test double $script did not start (log: $dir/double.log)"
  sed -i "s|^AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=.*|AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=http://127.0.0.1:$port|" "$env_file"
  printf '%s\n' "DOUBLE_URL=http://127.0.0.1:$port" "COGNITO_UPSTREAM_URL=$upstream" >>"$env_file"
}

# start_webauthn_double DIR PORT ENV_FILE ORIGIN: the browser tests' stand-in for Cognito's
# passwordless sign-in (end2end/doubles/cognito-webauthn.mjs), for pages at ORIGIN (the relying
# party is ORIGIN's host). Tests only: no user of the app runs it, and it is never the default
# (docs/passkeys.md).
start_webauthn_double() {
  local dir=$1 port=$2 env_file=$3 origin=$4 rp
  rp=${origin#*://}
  rp=${rp%%[:/]*}
  start_double cognito-webauthn.mjs "$dir" "$port" "$env_file" "RP_ID=$rp" "ORIGINS=$origin"
}

# start_srp_double DIR PORT ENV_FILE [DEVICES]: a stand-in for Cognito's SRP sign-in and device
# tracking (end2end/doubles/cognito-srp.mjs): an app client that allows only SRP (Amplify's and
# the console's default), in a pool that remembers devices as DEVICES says (opt-in, always, off).
start_srp_double() {
  start_double cognito-srp.mjs "$1" "$2" "$3" FLOWS=srp "DEVICES=${4:-opt-in}"
}

# start_test_idp DIR PORT CLIENT_ID SECRET REDIRECT_URI: "Google" for the browser tests, a real
# OpenID Provider (end2end/doubles/oidc-provider.mjs, npm oidc-provider) on 127.0.0.1:PORT whose
# one client is the pool's (CLIENT_ID, SECRET), answering at REDIRECT_URI (the pool's
# /oauth2/idpresponse). Tests only (docs/federation.md).
start_test_idp() {
  local dir=$1 port=$2 client_id=$3 secret=$4 redirect=$5
  mkdir -p "$dir"
  if port_answers "$port"; then
    die "port $port is already in use; stop what listens there or choose another port for the test identity provider"
  fi
  (cd "$ROOT/end2end" && IDP_PORT=$port IDP_CLIENT_ID=$client_id IDP_CLIENT_SECRET=$secret \
    IDP_REDIRECT_URIS=$redirect exec node doubles/oidc-provider.mjs) >"$dir/idp.log" 2>&1 &
  echo $! >"$dir/idp.pid"
  wait_for_http "http://127.0.0.1:$port/.well-known/openid-configuration" 30
}

# start_lambdas DIR APP_URL [cargo-lambda watch flags]: the project's Lambda functions
# (lambda/custom-message, lambda/pre-sign-up) behind `cargo lambda watch`, the standard Lambda
# emulator, which serves the Invoke API cognito-local calls on 127.0.0.1:LAMBDA_PORT. The
# messages link to APP_URL.
start_lambdas() {
  local dir=$1 app_url=$2
  shift 2
  mkdir -p "$dir"
  if port_answers "$LAMBDA_PORT"; then
    die "port $LAMBDA_PORT is already in use (another cargo lambda watch?); stop it or set LAMBDA_PORT"
  fi
  # Built now: otherwise watch compiles a function at its first invocation, while cognito-local
  # (and the person signing up) waits.
  cargo build -q --locked -p pre-sign-up -p custom-message
  # On SIGTERM it stops the function processes it started, too.
  cargo lambda watch --quiet -A 127.0.0.1 -P "$LAMBDA_PORT" --env-var "APP_URL=$app_url" "$@" \
    >"$dir/lambda.log" 2>&1 &
  echo $! >"$dir/lambda.pid"
  local started='' function
  for _ in $(seq 300); do
    if port_answers "$LAMBDA_PORT"; then started=1; break; fi
    sleep 0.1
  done
  [ -n "$started" ] || die "cargo lambda watch did not start (log: $dir/lambda.log)"
  # One call each, answered before cognito-local starts: watch starts a function's process at
  # its first invocation (`cargo run`, seconds on a busy machine), and a sign-up that waited
  # for that would outlast the app's 3-second Cognito timeout. The events are the functions'
  # own test fixtures, as cognito-local sends them; answering changes nothing anywhere.
  for function in custom-message:cognito-local-sign-up-ja pre-sign-up:cognito-local-sign-up; do
    curl -fsS -o /dev/null -m 120 "http://127.0.0.1:$LAMBDA_PORT/2015-03-31/functions/${function%%:*}/invocations" \
      --data-binary "@$ROOT/lambda/${function%%:*}/tests/events/${function#*:}.json" ||
      die "the ${function%%:*} Lambda did not answer its first call (log: $dir/lambda.log)"
  done
}

# prune_test_binaries DEPS_DIR JSON...: removes from DEPS_DIR (target/debug/deps) the test
# executables that no current test target builds any more. JSON: `cargo test --no-run
# --message-format=json` output naming the current ones. An executable that is hard-linked
# elsewhere (a binary cargo copied to target/debug) is kept.
prune_test_binaries() {
  local deps=$1
  shift
  python3 - "$deps" "$@" <<'PY'
import json, os, re, sys
deps, current = sys.argv[1], set()
for path in sys.argv[2:]:
    with open(path) as f:
        for line in f:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("executable"):
                current.add(os.path.realpath(message["executable"]))
if not current:
    sys.exit("prune_test_binaries: cargo named no test executable; nothing removed")
freed = 0
for name in os.listdir(deps):
    path = os.path.join(deps, name)
    if not re.fullmatch(r"[A-Za-z0-9_]+-[0-9a-f]{16}", name) or os.path.realpath(path) in current:
        continue
    st = os.stat(path)
    if os.path.isfile(path) and os.access(path, os.X_OK) and st.st_nlink == 1:
        freed += st.st_size
        os.remove(path)
        if os.path.exists(path + ".d"):
            os.remove(path + ".d")
print(f"  removed stale test binaries: {freed / 1e9:.1f} GB", file=sys.stderr)
PY
}

# stop_pids DIR: stops whatever the functions above started in DIR.
stop_pids() {
  local dir=$1 f
  for f in "$dir"/*.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
}

# provision DIR PORT CLIENT_NAME TOKEN_SECONDS [ENV_FILE [COGNITO_SETUP_FLAGS...]]: creates the
# pool (authenticator apps allowed, MFA optional) and an app client on the cognito-local at
# PORT, whose data is in DIR, and writes ENV_FILE (default DIR/app.env) with everything the
# app needs to reach it. `--with-secret` makes a client with a secret.
provision() {
  local dir=$1 port=$2 client=$3 seconds=$4 env_file=${5:-$1/app.env}
  shift $(($# < 5 ? $# : 5))
  local ids=$env_file.ids
  AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=http://127.0.0.1:$port \
  AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
    cargo run -q -p cognito-setup -- create --client "$client" --access-token-seconds "$seconds" \
    --env-file "$ids" "$@"
  local COGNITO_CLIENT_SECRET=
  # shellcheck disable=SC1090
  . "$ids"
  cat >"$env_file" <<ENV
COGNITO_USER_POOL_ID=$COGNITO_USER_POOL_ID
COGNITO_CLIENT_ID=$COGNITO_CLIENT_ID
${COGNITO_CLIENT_SECRET:+COGNITO_CLIENT_SECRET=$COGNITO_CLIENT_SECRET}
AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=http://127.0.0.1:$port
COGNITO_ISSUER=http://127.0.0.1:$port/$COGNITO_USER_POOL_ID
AWS_REGION=us-east-1
AWS_ACCESS_KEY_ID=local
AWS_SECRET_ACCESS_KEY=local
COGNITO_LOCAL_DB=$dir/.cognito/db
COGNITO_LOCAL_LOG=$dir/cognito-local.log
ENV
}

# ministack_env ENV_FILE PORT: points an env file that `provision` wrote against ministack at
# PORT at ministack's tokens: it signs them with `iss` as on AWS
# (https://cognito-idp.<region>.amazonaws.com/<pool>) and serves the JWKS itself.
ministack_env() {
  local env_file=$1 port=$2 pool
  pool=$(sed -n 's/^COGNITO_USER_POOL_ID=//p' "$env_file")
  [ -n "$pool" ] || die "ministack_env: no COGNITO_USER_POOL_ID in $env_file"
  grep -v -e '^COGNITO_ISSUER=' -e '^COGNITO_LOCAL_' "$env_file" >"$env_file.tmp"
  cat >>"$env_file.tmp" <<ENV
COGNITO_ISSUER=https://cognito-idp.us-east-1.amazonaws.com/$pool
COGNITO_JWKS_URL=http://127.0.0.1:$port/$pool/.well-known/jwks.json
MINISTACK_URL=http://127.0.0.1:$port
ENV
  mv "$env_file.tmp" "$env_file"
}

# A stable cookie key for local runs, so sessions survive `cargo leptos watch` restarts.
local_session_key() {
  local file=$LOCAL_DIR/session.key
  mkdir -p "$LOCAL_DIR"
  [ -s "$file" ] || random_key >"$file"
  cat "$file"
}

# start_release_stack DIR APP_PORT COGNITO_PORT [EXTRA_ENV...]
# For the benchmark and load commands: builds the release server (assets precompressed), starts
# cognito-local on COGNITO_PORT with a pool whose access tokens live an hour, the server on
# APP_PORT (PID in DIR/server.pid), and creates one confirmed user. Exports BENCH_URL,
# COGNITO_URL, BENCH_EMAIL, BENCH_PASSWORD, SERVER_PID and the pool's ids. Stop with
# `stop_pids DIR`.
start_release_stack() {
  local dir=$1 port=$2 cognito_port=$3
  shift 3
  mkdir -p "$(dirname "$dir")"
  step "building the release server"
  cargo leptos build --release --split --precompress --cargo-locked >"$dir.build.log" 2>&1 ||
    { cat "$dir.build.log"; die "release build failed"; }
  stop_pids "$dir" 2>/dev/null || true
  rm -rf "$dir"
  mkdir -p "$dir"
  start_cognito_local "$dir" "$cognito_port"
  provision "$dir" "$cognito_port" bench 3600 2>/dev/null
  set -a
  # shellcheck disable=SC1091
  . "$dir/app.env"
  set +a
  export BENCH_URL=http://127.0.0.1:$port COGNITO_URL=http://127.0.0.1:$cognito_port
  BENCH_EMAIL=bench-$(date +%s)@example.com
  export BENCH_EMAIL BENCH_PASSWORD=Correct-Horse-9
  cognito_call SignUp "{\"ClientId\":\"$COGNITO_CLIENT_ID\",\"Username\":\"$BENCH_EMAIL\",\"Password\":\"$BENCH_PASSWORD\"}" >/dev/null
  cognito_call AdminConfirmSignUp "{\"UserPoolId\":\"$COGNITO_USER_POOL_ID\",\"Username\":\"$BENCH_EMAIL\"}" >/dev/null
  start_release_server "$dir" "$port" server "$@"
}

# start_release_server DIR PORT NAME [VAR=VALUE...]: one more release server on PORT for the
# stack of start_release_stack (its pool and client, the same SESSION_KEY: another instance
# behind the same balancer), logging to DIR/NAME.log; sets SERVER_PID.
start_release_server() {
  local dir=$1 port=$2 name=$3
  shift 3
  SESSION_KEY=${SESSION_KEY:-$(random_key)}
  export SESSION_KEY
  env LEPTOS_OUTPUT_NAME=leptos-cognito LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_HASH_FILES=true LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_ENV=PROD RUST_LOG=warn APP_URL="$BENCH_URL" \
    CONFIRMATION_MODE=admin "$@" \
    "$CARGO_TARGET_DIR/release/leptos-cognito" >"$dir/$name.log" 2>&1 &
  export SERVER_PID=$!
  echo "$SERVER_PID" >"$dir/$name.pid"
  wait_for_http "http://127.0.0.1:$port/health" 30
}

# cognito_call OPERATION JSON: one call to the emulator's JSON API (COGNITO_URL).
cognito_call() {
  curl -fsS "$COGNITO_URL/" -H "Content-Type: application/x-amz-json-1.1" \
    -H "X-Amz-Target: AWSCognitoIdentityProviderService.$1" -d "$2"
}

# --- what a machine needs --------------------------------------------------------------------

# The commands are the same on every machine; only where things are differs.
is_debian_root() { [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; }

# version_at_least HAVE WANT: dotted versions, numerically.
version_at_least() {
  local have=$1 want=$2 h w
  while [ -n "$want" ]; do
    h=${have%%.*} w=${want%%.*}
    [ "${h:-0}" -gt "$w" ] 2>/dev/null && return 0
    [ "${h:-0}" -lt "$w" ] 2>/dev/null && return 1
    [ "$have" = "${have#*.}" ] && have=0 || have=${have#*.}
    [ "$want" = "${want#*.}" ] && want= || want=${want#*.}
  done
  return 0
}

RUST_MIN=1.95
NODE_MIN=20
PYTHON_MIN=3.9
DISK_MIN_GB=15

# preflight WHAT: one short list of what this machine has and lacks for `run` or `test`,
# before any long build; stops with what to install when something cannot be installed here.
preflight() {
  local what=$1 missing=0 rust node python free_kb
  step "checking this machine (for $what)"
  rust=$(rustc --version 2>/dev/null | awk '{ print $2 }') || true
  if [ -n "$rust" ] && version_at_least "$rust" "$RUST_MIN"; then
    printf '  ok       Rust %s\n' "$rust" >&2
  else
    printf '  missing  Rust %s or newer (have: %s) — https://rustup.rs, then: rustup update\n' "$RUST_MIN" "${rust:-none}" >&2
    missing=1
  fi
  if command -v rustup >/dev/null; then
    if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
      printf '  ok       wasm32-unknown-unknown target\n' >&2
    else
      printf '  install  wasm32-unknown-unknown target (rustup target add, done next)\n' >&2
    fi
  else
    printf '  missing  rustup (needed to add the wasm target) — https://rustup.rs\n' >&2
    missing=1
  fi
  node=$(node --version 2>/dev/null | tr -d v) || true
  if [ -n "$node" ] && version_at_least "$node" "$NODE_MIN"; then
    printf '  ok       Node %s, npm %s\n' "$node" "$(npm --version 2>/dev/null || echo missing)" >&2
    command -v npm >/dev/null || missing=1
  else
    printf '  missing  Node %s or newer with npm (have: %s) — macOS: brew install node; Ubuntu/Debian: apt install nodejs npm; Fedora: dnf install nodejs npm\n' "$NODE_MIN" "${node:-none}" >&2
    missing=1
  fi
  python=$(python3 --version 2>/dev/null | awk '{ print $2 }') || true
  if [ -n "$python" ] && version_at_least "$python" "$PYTHON_MIN"; then
    printf '  ok       Python %s (for cargo-lambda%s, from PyPI)\n' "$python" "$([ "$what" = test ] && echo ', cfn-lint, checkov')" >&2
  else
    printf '  missing  Python %s or newer with venv (have: %s) — macOS: brew install python; Ubuntu/Debian: apt install python3-venv; Fedora: dnf install python3\n' "$PYTHON_MIN" "${python:-none}" >&2
    missing=1
  fi
  command -v curl >/dev/null || { printf '  missing  curl\n' >&2; missing=1; }
  free_kb=$(df -Pk . | awk 'NR == 2 { print $4 }')
  if [ "${free_kb:-0}" -ge $((DISK_MIN_GB * 1024 * 1024)) ]; then
    printf '  ok       %s GB free disk\n' "$((free_kb / 1024 / 1024))" >&2
  else
    printf '  low      %s GB free disk; the first build needs about %s GB\n' "$((${free_kb:-0} / 1024 / 1024))" "$DISK_MIN_GB" >&2
  fi
  [ "$missing" = 0 ] || die "install what is missing above, then run this again"
  if ! command -v cargo-leptos >/dev/null || ! command -v wasm-bindgen >/dev/null; then
    printf '  first run: the tools build from crates.io (cargo-leptos, wasm-bindgen-cli%s): expect 30-45 minutes on 2 cores, seconds afterwards\n' \
      "$([ "$what" = test ] && echo ', wasm-opt, cargo-audit')" >&2
  fi
}

# find_browser: sets CHROMIUM_PATH to a Chromium or Chrome the browser tests can drive:
# CHROMIUM_PATH as given, else Playwright's own Chromium, else the usual places on Linux and
# macOS; on Debian or Ubuntu as root, Debian's Chromium is installed when there is none.
find_browser() {
  local candidate
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    [ -x "$CHROMIUM_PATH" ] || die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable browser; point it at Chromium or Chrome, or unset it"
    return 0
  fi
  for candidate in \
    "$HOME"/.cache/ms-playwright/chromium-*/chrome-linux*/chrome \
    "$HOME"/Library/Caches/ms-playwright/chromium-*/chrome-mac*/Chromium.app/Contents/MacOS/Chromium \
    "$HOME/Library/Caches/ms-playwright/chromium-"*/chrome-mac*/"Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing" \
    /usr/bin/chromium /usr/bin/chromium-browser /snap/bin/chromium \
    /usr/bin/google-chrome /usr/bin/google-chrome-stable /opt/google/chrome/chrome \
    "/Applications/Chromium.app/Contents/MacOS/Chromium" \
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"; do
    if [ -x "$candidate" ]; then
      export CHROMIUM_PATH=$candidate
      return 0
    fi
  done
  if is_debian_root; then
    step "installing Debian's Chromium"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    export CHROMIUM_PATH=/usr/bin/chromium
    return 0
  fi
  die "no Chromium or Chrome found for the browser tests: install one (macOS: brew install --cask chromium; Ubuntu: apt install chromium-browser; Fedora: dnf install chromium), or run \`npx --prefix end2end playwright install chromium\` (needs the internet), or set CHROMIUM_PATH"
}

# start_example NAME PORT DIR URL STATUS: runs examples/NAME's built binary on 127.0.0.1:PORT
# (its log in DIR/NAME.log, stopped on exit by the caller's `stop_pids DIR`) and waits until URL
# answers STATUS.
start_example() {
  local name=$1 port=$2 dir=$3 url=$4 status=$5
  ADDR=127.0.0.1:$port "$CARGO_TARGET_DIR/debug/$name" >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)" = "$status" ] && return 0
    sleep 0.1
  done
  die "$name did not start on 127.0.0.1:$port (log: $dir/$name.log)"
}

# expect_answer NAME DIR WHAT STATUS BODY_FRAGMENT [CURL_ARGS...]: one call to the example NAME,
# its status and a piece of its body (the answer's headers land in DIR/headers).
expect_answer() {
  local name=$1 dir=$2 what=$3 status=$4 fragment=$5 got body
  shift 5
  body=$(curl -s -D "$dir/headers" -o - "$@") || die "$name, $what: no answer (log: $dir/$name.log)"
  got=$(sed -n 's/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$dir/headers" | tail -1)
  [ "$got" = "$status" ] || die "$name, $what: expected $status, got $got: $body (log: $dir/$name.log)"
  case $body in *"$fragment"*) ;; *) die "$name, $what: no \`$fragment\` in $body" ;; esac
  printf '  ok       %s: %s\n' "$name" "$what" >&2
}
