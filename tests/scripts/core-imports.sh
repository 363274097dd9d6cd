#!/usr/bin/env bash
# The identity core lives in crates/cognito-jwt and crates/cognito-auth, which cannot import the
# app (Cargo has no way back) and must not pull in Leptos: the check below reads their
# dependency tree. What is left in src/auth/ is the app's (its flows/, mod.rs, validate.rs,
# totp.rs, context.rs and verifier.rs: server functions, the pages' view types and their words,
# the QR code's picture, the server functions' context) but for csrf.rs; a file there that is
# none of those is core, and every path into the app that its code names
# (tests/scripts/core_imports.py reads them: `crate::x`, grouped imports, `super::` paths that
# climb out, the app's parts of src/auth/, the `t!` macro) fails, unless it is one of the ties
# listed below (none: the list only shrinks).
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
# The crates' own dependencies (not their tests'): no Leptos, no app.
leptos=$(cargo tree --locked -p cognito-jwt -p cognito-auth --all-features -e normal --prefix none \
  | grep -E '^(leptos|leptos-cognito|tachys|server_fn) ' || true)
if [ -n "$leptos" ]; then
  printf 'the library crates depend on the app or on Leptos:\n%s\n' "$leptos" >&2
  exit 1
fi
printf '  ok       the core: %s ties to the app left, none new; the crates carry no Leptos\n' "$(printf '%s\n' "$found" | grep -c .)" >&2
