#!/usr/bin/env bash
# Runs the whole test suite against real local PostgreSQL and Redis (installed/started when needed).
# Each test class makes its own database and Redis key prefix and removes them afterwards.
# With no arguments it first runs the benchmark harness in smoke mode (scripts/bench.sh all --smoke: tiny data,
# seconds per phase, about two minutes) so the harness never rots; LOYALTY_BENCH_SMOKE=0 skips it. Its verdict
# is printed before Maven's, so the Surefire summary stays the last test-runner output.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
ensure_all
ensure_promtool

smoke_failed=0
if [ $# -eq 0 ] && [ "${LOYALTY_BENCH_SMOKE:-1}" != 0 ]; then
  ensure_bench_tools
  mkdir -p target
  echo "benchmark harness smoke run: scripts/bench.sh all --smoke (log: target/bench-smoke.log)"
  if timeout 600 scripts/bench.sh all --smoke > target/bench-smoke.log 2>&1; then
    echo "bench smoke: 1 passed, 0 failed"
  else
    smoke_failed=1
    tail -n 30 target/bench-smoke.log
    echo "bench smoke: 0 passed, 1 failed"
  fi
fi

status=0
mvn -B -ntp test "$@" || status=$?
if [ "$status" -eq 0 ] && [ "$smoke_failed" -ne 0 ]; then status=1; fi
exit "$status"
