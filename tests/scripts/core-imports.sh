#!/usr/bin/env bash
# The identity core still in the app (src/auth/ but its flows, mod.rs, validate.rs and totp.rs,
# which are the app's: server functions, the pages' view types and their words, the QR code's
# picture; the types the core shares are cognito_auth::types) is on its way into
# crates/cognito-auth, which cannot import the app at all. Until it is there, this keeps it from
# growing new ties to the app: every `crate::<module>` it takes from the app's own modules must be
# one of the ties listed below, each of them a cut still to make.
# A new tie fails; so does a listed one that is gone (take it off the list: the ratchet only
# tightens).
set -euo pipefail
cd "$(dirname "$0")/../.."

allowed='src/auth/cognito/mod.rs error
src/auth/cognito/oauth.rs config
src/auth/cognito/oauth.rs error
src/auth/cognito/pool.rs config
src/auth/cognito/pool.rs error
src/auth/limits.rs error
src/auth/session/mod.rs error'

app='config|error|i18n|state|router|refusals|telemetry|routes|pages|app|api|components'
found=$(
  for file in src/auth/{clock,csrf,expiring,limits}.rs src/auth/cognito/*.rs src/auth/session/*.rs; do
    # The code, not its tests (`mod tests` closes each file; tests may build the app's config).
    awk '/^mod tests \{/ { exit } { print }' "$file" | grep -v '^\s*//' | grep -oE "crate::($app)\b" | sed "s|crate::|$file |" || true
  done | sort -u
)
new=$(comm -13 <(printf '%s\n' "$allowed" | sort -u) <(printf '%s\n' "$found"))
gone=$(comm -23 <(printf '%s\n' "$allowed" | sort -u) <(printf '%s\n' "$found"))
if [ -n "$new" ]; then
  printf 'the core imports from the app where it did not (cut it, as the crates do):\n%s\n' "$new" >&2
  exit 1
fi
if [ -n "$gone" ]; then
  printf 'these ties are cut: take them off the list in %s:\n%s\n' "$0" "$gone" >&2
  exit 1
fi
printf '  ok       the core: %s ties to the app left, none new\n' "$(printf '%s\n' "$found" | wc -l)" >&2
