#!/usr/bin/env bash
# Runs the whole test suite against real local PostgreSQL and Redis (installed/started when needed).
# Each test class makes its own database and Redis key prefix and removes them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
ensure_all
ensure_promtool
exec mvn -B -ntp test "$@"
