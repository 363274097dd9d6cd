#!/usr/bin/env bash
# The identity core still in the app (src/auth/ but its flows/, mod.rs, validate.rs, totp.rs,
# context.rs and verifier.rs, which are the app's: server functions, the pages' view types and
# their words, the QR code's picture, the server functions' context; the types and the error
# codes the core shares are cognito_auth's) is on its way into crates/cognito-auth, which cannot
# import the app at all. It imports nothing from the app already, and this keeps it so: every
# path into the app that its code names (tests/scripts/core_imports.py reads them: `crate::x`,
# grouped imports, `super::` paths that climb out, the app's parts of src/auth/, the `t!` macro)
# fails, unless it is one of the ties listed below (none now: the list only shrinks).
set -euo pipefail
cd "$(dirname "$0")/../.."

allowed=''

found=$(python3 tests/scripts/core_imports.py .)
new=$(comm -13 <(printf '%s\n' "$allowed" | sort -u) <(printf '%s\n' "$found" | sort -u))
gone=$(comm -23 <(printf '%s\n' "$allowed" | sort -u) <(printf '%s\n' "$found" | sort -u))
if [ -n "$new" ]; then
  printf 'the core imports from the app where it did not (cut it, as the crates do):\n%s\n' "$new" >&2
  exit 1
fi
if [ -n "$gone" ]; then
  printf 'these ties are cut: take them off the list in %s:\n%s\n' "$0" "$gone" >&2
  exit 1
fi
printf '  ok       the core: %s ties to the app left, none new\n' "$(printf '%s\n' "$found" | grep -c .)" >&2
