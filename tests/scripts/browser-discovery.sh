#!/usr/bin/env bash
# The test command's browser discovery (find_browser in scripts/lib.sh): CHROMIUM_PATH pointing
# at a browser is used as it is; pointing at nothing, the whole test command stops at once —
# before any build — with one line that says what to do, and a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh

browser=${CHROMIUM_PATH:?scripts/test exports the browser it found}
(
  CHROMIUM_PATH=$browser
  find_browser
  [ "$CHROMIUM_PATH" = "$browser" ] || die "CHROMIUM_PATH=$browser was not used as given (got $CHROMIUM_PATH)"
)

started=$SECONDS
if out=$(CHROMIUM_PATH=/nonexistent/chromium bash scripts/test 2>&1); then
  die "scripts/test passed with CHROMIUM_PATH pointing at nothing"
fi
printf '%s\n' "$out" | grep -qx "error: CHROMIUM_PATH=/nonexistent/chromium is not an executable browser; point it at Chromium or Chrome, or unset it" ||
  die "scripts/test did not say what is wrong with CHROMIUM_PATH; it printed: $out"
[ $((SECONDS - started)) -lt 60 ] || die "scripts/test took $((SECONDS - started)) s to notice the missing browser"
printf 'CHROMIUM_PATH=%s is used; CHROMIUM_PATH=/nonexistent/chromium stops the test command in %s s\n' \
  "$browser" "$((SECONDS - started))" >&2
