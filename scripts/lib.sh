# Shared by the project's scripts. Sourced, not run.

# Everything the scripts make at run time lives here (git-ignored).
LOCAL_DIR=${LOCAL_DIR:-$PWD/.cognito-local}
COGNITO_PORT=${COGNITO_PORT:-9229}
LAMBDA_PORT=${LAMBDA_PORT:-9001}

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

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

# Never let the AWS SDK look for credentials or a region on an EC2 metadata endpoint: locally
# there is none, and the request would leave the machine.
export AWS_EC2_METADATA_DISABLED=true

# start_cognito_local DIR PORT [with-lambda]
# Starts cognito-local on 127.0.0.1:PORT with its data in DIR/.cognito (kept between runs).
# With a third argument, the PreSignUp trigger calls the Rust Lambda through invoke-local.
start_cognito_local() {
  local dir=$1 port=$2 with_lambda=${3:-}
  mkdir -p "$dir/.cognito"
  local triggers='{}'
  [ -n "$with_lambda" ] && triggers='{ "PreSignUp": "pre-sign-up" }'
  cat > "$dir/.cognito/config.json" <<JSON
{
  "TokenConfig": { "IssuerDomain": "http://127.0.0.1:$port" },
  "LambdaClient": {
    "endpoint": "http://127.0.0.1:$LAMBDA_PORT",
    "region": "local",
    "credentials": { "accessKeyId": "local", "secretAccessKey": "local" }
  },
  "TriggerFunctions": $triggers
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

# start_lambda_runner DIR: the Lambda Invoke API for the PreSignUp trigger, on LAMBDA_PORT.
start_lambda_runner() {
  local dir=$1
  mkdir -p "$dir"
  cargo build -q -p pre-sign-up --features local --bin invoke-local
  LAMBDA_PORT=$LAMBDA_PORT "$(cargo_target_dir)/debug/invoke-local" >"$dir/invoke-local.log" 2>&1 &
  echo $! >"$dir/invoke-local.pid"
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$LAMBDA_PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  die "invoke-local did not start (log: $dir/invoke-local.log)"
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

cargo_target_dir() {
  cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])'
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
ENV
}

# A stable cookie key for local runs, so sessions survive `cargo leptos watch` restarts.
local_session_key() {
  local file=$LOCAL_DIR/session.key
  mkdir -p "$LOCAL_DIR"
  [ -s "$file" ] || head -c 64 /dev/urandom | base64 -w0 >"$file"
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
  export BENCH_EMAIL=bench-$(date +%s)@example.com BENCH_PASSWORD=Correct-Horse-9
  cognito_call SignUp "{\"ClientId\":\"$COGNITO_CLIENT_ID\",\"Username\":\"$BENCH_EMAIL\",\"Password\":\"$BENCH_PASSWORD\"}" >/dev/null
  cognito_call AdminConfirmSignUp "{\"UserPoolId\":\"$COGNITO_USER_POOL_ID\",\"Username\":\"$BENCH_EMAIL\"}" >/dev/null
  env LEPTOS_OUTPUT_NAME=leptos-cognito LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_HASH_FILES=true LEPTOS_SITE_ADDR=127.0.0.1:$port LEPTOS_ENV=PROD RUST_LOG=warn APP_URL=$BENCH_URL \
    SESSION_KEY="$(head -c 64 /dev/urandom | base64 -w0)" CONFIRMATION_MODE=admin "$@" \
    "$CARGO_TARGET_DIR/release/leptos-cognito" >"$dir/server.log" 2>&1 &
  export SERVER_PID=$!
  echo "$SERVER_PID" >"$dir/server.pid"
  wait_for_http "$BENCH_URL/health" 30
}

# cognito_call OPERATION JSON: one call to the emulator's JSON API (COGNITO_URL).
cognito_call() {
  curl -fsS "$COGNITO_URL/" -H "Content-Type: application/x-amz-json-1.1" \
    -H "X-Amz-Target: AWSCognitoIdentityProviderService.$1" -d "$2"
}
