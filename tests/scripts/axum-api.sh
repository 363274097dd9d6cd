#!/usr/bin/env bash
# examples/axum-api (a plain axum API with cognito-jwt) against a pool of cognito-local, as its
# README tells a user to run it: a user signs in at the pool, and the API answers their access
# token, refuses none, a forged one and a non-admin's call to the admin route, each with its
# RFC 6750 answer, and lets a member of `admins` into the admin route.
#
#   tests/scripts/axum-api.sh ENV_FILE PORT DIR
#
# ENV_FILE is what `provision` (scripts/lib.sh) wrote for an app client without a secret; the
# example's binary must be built (cargo build -p axum-api).
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
email=api-$(date +%s%N)@example.com password=Correct-Horse-9
cognito_call SignUp "{\"ClientId\":\"$COGNITO_CLIENT_ID\",\"Username\":\"$email\",\"Password\":\"$password\"}" >/dev/null
cognito_call AdminConfirmSignUp "{\"UserPoolId\":\"$COGNITO_USER_POOL_ID\",\"Username\":\"$email\"}" >/dev/null
token=$(cognito_call InitiateAuth "{\"ClientId\":\"$COGNITO_CLIENT_ID\",\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"AuthParameters\":{\"USERNAME\":\"$email\",\"PASSWORD\":\"$password\"}}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["AuthenticationResult"]["AccessToken"])')

trap 'stop_pids "$dir"' EXIT
base=http://127.0.0.1:$port
start_example axum-api "$port" "$dir" "$base/me" 401

# expect WHAT STATUS BODY_FRAGMENT [CURL_ARGS...]: one call, its status and a piece of its body.
expect() { expect_answer axum-api "$dir" "$@"; }
expect "the user's access token" 200 '"sub"' -H "Authorization: Bearer $token" "$base/me"
expect "no token" 401 missing_token "$base/me"
grep -qi '^www-authenticate: Bearer realm="cognito"' "$dir/headers" || die "axum-api: no bare challenge for a request without a token"
expect "a forged token" 401 "signature is invalid" -H "Authorization: Bearer ${token%.*}.AAAA" "$base/me"
expect "the admin route, not an admin" 403 insufficient_scope -H "Authorization: Bearer $token" "$base/admin"

# A member of `admins` passes the same route (the group comes from the token's cognito:groups).
cognito_call CreateGroup "{\"UserPoolId\":\"$COGNITO_USER_POOL_ID\",\"GroupName\":\"admins\"}" >/dev/null 2>&1 || true
cognito_call AdminAddUserToGroup "{\"UserPoolId\":\"$COGNITO_USER_POOL_ID\",\"Username\":\"$email\",\"GroupName\":\"admins\"}" >/dev/null
admin_token=$(cognito_call InitiateAuth "{\"ClientId\":\"$COGNITO_CLIENT_ID\",\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"AuthParameters\":{\"USERNAME\":\"$email\",\"PASSWORD\":\"$password\"}}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["AuthenticationResult"]["AccessToken"])')
expect "the admin route, an admin" 200 'welcome, admin' -H "Authorization: Bearer $admin_token" "$base/admin"
