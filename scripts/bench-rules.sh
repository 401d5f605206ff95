#!/usr/bin/env bash
# Runs the earning-rules JMH benchmark (RuleEvaluationBenchmark: 100 rules, a 20-line basket, one purchase
# evaluation): 1 fork, 3 warm-up and 5 measurement iterations of 1 s, average time in microseconds.
# Needs only the Maven dependencies already in ~/.m2 (offline). Results: docs/earning-rules.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -o test-compile
mvn -q -B -o dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  org.loyaltyengine.rules.RuleEvaluationBenchmark "$@"
