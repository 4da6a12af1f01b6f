#!/usr/bin/env bash
# Builds and runs every test of Quell. Needs only the .NET SDK and Node.js; NuGet, npm and Debian packages supply the rest.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The console's browser tests drive Debian's Chromium through Playwright; Playwright never downloads a browser.
if [[ ! -x /usr/bin/chromium ]]; then
  echo "test.sh: installing Debian's chromium for the console tests" >&2
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || [[ ! -x /usr/bin/chromium ]]; then
    echo "test.sh: could not install chromium (apt-get install chromium); the console tests need /usr/bin/chromium" >&2
    exit 1
  fi
fi
# The instrumentation tests run real npm packages (OpenTelemetry, OpenLLMetry, OpenInference, Vercel AI SDK)
# pinned by tests/instrumentations/package-lock.json, with the machine's Node.js; a failed install fails the run.
command -v node >/dev/null || { echo "test.sh: Node.js is required by tests/instrumentations" >&2; exit 1; }
if ! cmp -s tests/instrumentations/package-lock.json tests/instrumentations/node_modules/.quell-lock; then
  (cd tests/instrumentations && npm ci --no-audit --no-fund --loglevel=error) || { echo "test.sh: npm ci in tests/instrumentations failed" >&2; exit 1; }
  cp tests/instrumentations/package-lock.json tests/instrumentations/node_modules/.quell-lock
fi
# The storage tests run every store against SQLite and a real PostgreSQL: a throwaway cluster from Debian's postgresql
# package, started here on a loopback port under a temp folder and removed at exit. When it cannot be installed or
# started, the PostgreSQL tests fail with the reason (QUELL_TEST_POSTGRES_ERROR); they never skip.
source tests/postgres-cluster.sh
quell_pg_start || true
results="$(mktemp -d)"
trap 'quell_pg_stop; rm -rf "$results"' EXIT
status=0
# npm packages the tests drive (pinned by each folder's package-lock.json). A failed install is reported and the
# tests that need the packages then fail with the reason; nothing is skipped.
for folder in tests/gateway-node; do
  if ! npm ci --prefix "$folder" --no-audit --no-fund --loglevel=error >/dev/null 2>&1; then
    echo "test.sh: npm ci in $folder failed; the tests that drive it will fail" >&2
  fi
done
dotnet test Quell.slnx -c Release --logger "trx;LogFileName=quell.trx" --results-directory "$results" || status=$?
# One plain closing line for CI readers: "N passed, N failed".
trx="$(find "$results" -name '*.trx' | head -n 1)"
if [[ -n "$trx" ]]; then
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  passed="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  failed="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  echo "tests: ${passed:-0} passed, ${failed:-0} failed"
fi
rm -rf "$results"
exit "$status"
