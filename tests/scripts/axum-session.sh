#!/usr/bin/env bash
# examples/axum-session (a plain axum app with cognito-auth's session) against a pool of
# cognito-local, as its README tells a user to run it: a wrong password gets the app's words,
# the right one a session in encrypted HttpOnly cookies (no token readable in them), which the
# server refreshes on its own once the access token has expired (the pool's tokens here live
# ten seconds), and a sign-out refuses a copy of the cookies kept from before it.
#
#   tests/scripts/axum-session.sh ENV_FILE PORT DIR
#
# ENV_FILE is what `provision` (scripts/lib.sh) wrote for an app client without a secret; the
# example's binary must be built (cargo build -p axum-session).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
env_file=$1 port=$2 dir=$3
mkdir -p "$dir"
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a
export COGNITO_URL=$AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER
email=session-$(date +%s%N)@example.com password=Correct-Horse-9
cognito_call SignUp "{\"ClientId\":\"$COGNITO_CLIENT_ID\",\"Username\":\"$email\",\"Password\":\"$password\"}" >/dev/null
cognito_call AdminConfirmSignUp "{\"UserPoolId\":\"$COGNITO_USER_POOL_ID\",\"Username\":\"$email\"}" >/dev/null

trap 'stop_pids "$dir"' EXIT
base=http://127.0.0.1:$port
start_example axum-session "$port" "$dir" "$base/me" 401

# expect WHAT STATUS BODY_FRAGMENT [CURL_ARGS...]: one call, its status and a piece of its body.
expect() { expect_answer axum-session "$dir" "$@"; }
jar=$dir/cookies
expect "no session" 401 signed_out "$base/me"
expect "a wrong password, in the app's words" 401 "Wrong e-mail address or password." \
  --data-urlencode "email=$email" --data-urlencode "password=Wrong-Horse-9" "$base/sign-in"
expect "the right one starts a session" 303 "" -c "$jar" \
  --data-urlencode "email=$email" --data-urlencode "password=$password" "$base/sign-in"
grep -qi '^set-cookie: lc-session=.*HttpOnly' "$dir/headers" || die "axum-session: the session cookie is not HttpOnly"
grep -qi '^set-cookie: lc-refresh=.*HttpOnly' "$dir/headers" || die "axum-session: the refresh cookie is not HttpOnly"
# Sealed: no JWT (base64 of `{"`) and no address in what the browser holds.
if grep -q -e 'eyJ' -e "${email%@*}" "$jar"; then die "axum-session: a token or the address is readable in the cookies"; fi
expect "the session" 200 "\"email\":\"$email\"" -b "$jar" -c "$jar" "$base/me"
expect "the page knows who is signed in" 200 "Signed in as <b>$email</b>" -b "$jar" -c "$jar" "$base/"

# The access token lives ten seconds: once it has expired, the next request still has a session,
# refreshed by the middleware with the refresh token it alone can read.
sleep 11
expect "the session, refreshed by the server after its token expired" 200 '"refreshed_at":1' -b "$jar" -c "$jar" "$base/me"
grep -qi '^set-cookie: lc-session=' "$dir/headers" || die "axum-session: the refreshed session was not written back"

cp "$jar" "$dir/kept"
expect "sign out" 303 "" -b "$jar" -c "$jar" -X POST "$base/sign-out"
expect "signed out" 401 signed_out -b "$jar" "$base/me"
expect "a copy of the cookies kept from before the sign-out is refused" 401 signed_out -b "$dir/kept" "$base/me"
