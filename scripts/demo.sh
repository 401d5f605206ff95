#!/usr/bin/env bash
# Starts Loyalty Engine with demo data: installs/starts PostgreSQL and Redis if needed, builds the jar,
# seeds the "demo" tenant (DEMO_MEMBERS members, 10 purchases each), starts the partner simulator, sets up a
# small program (an earning rule, a gift-card reward), starts a real Kafka broker (KRaft, from the jar's Maven
# Central artifacts) for the event stream, then serves on port 8080 (Ctrl-C stops everything).
# The server logs one access-log line per request here (LOYALTY_HTTP_ACCESS_LOG=true unless set); what else it
# may print, and why, is in docs/observability.md ("What the demo prints").
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
ensure_all

step() { printf '\n==> %s\n' "$*"; }

# Runs a long step with its output in a log file, saying every 10 s that it is still at it; on failure shows
# the log's end. Usage: run_logged LOG "what it does" command...
run_logged() {
  local log=$1 what=$2 started=$SECONDS pid
  shift 2
  "$@" > "$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( (SECONDS - started) % 10 == 0 )) && kill -0 "$pid" 2>/dev/null; then
      echo "    ... still $what ($((SECONDS - started)) s; log: $log)"
    fi
  done
  if ! wait "$pid"; then
    # Maven's console library writes colour resets even in batch mode: strip escape codes from what we show.
    tail -n 30 "$log" | sed 's/\x1b\[[0-9;]*m//g' >&2
    echo "failed: $what (full log: $log)" >&2
    exit 1
  fi
  echo "    done in $((SECONDS - started)) s"
}

DEMO_MEMBERS="${DEMO_MEMBERS:-10000}"
export LOYALTY_OPERATOR_TOKEN="${LOYALTY_OPERATOR_TOKEN:-demo-operator-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
PORT="${LOYALTY_HTTP_PORT:-8080}"
# The demo's webhook receivers run on this machine: let webhooks reach loopback (docs/webhooks.md, SSRF guard).
export LOYALTY_WEBHOOKS_ALLOWED_TARGETS="${LOYALTY_WEBHOOKS_ALLOWED_TARGETS:-127.0.0.1}"
# So does the partner simulator: let partner calls reach loopback too (docs/security.md, SSRF guard).
export LOYALTY_FULFILLMENT_ALLOWED_TARGETS="${LOYALTY_FULFILLMENT_ALLOWED_TARGETS:-127.0.0.1}"

mkdir -p target
if [ ! -f target/loyalty-engine.jar ] || [ -n "$(find src pom.xml conf -newer target/loyalty-engine.jar -print -quit)" ]; then
  step "building target/loyalty-engine.jar (mvn package, tests skipped; a few minutes the first time, when Maven downloads the dependencies)"
  run_logged target/demo-build.log "building" mvn -B -ntp -DskipTests package
fi

step "seeding tenant 'demo': $DEMO_MEMBERS members with 10 purchases each (creates database and schema on the first run, then bulk COPY)"
run_logged target/demo-seed.log "seeding" java -jar target/loyalty-engine.jar seed --tenant demo --members "$DEMO_MEMBERS" \
  --transactions-per-member 10 --export gatling/data/members.csv
grep '^seed: ' target/demo-seed.log || true
ADMIN_KEY=$(sed -n 's/^ADMIN_KEY=//p' target/demo-seed.log)
# The key is shown once, in the banner below; the log keeps it no longer than this run needs.
sed -i 's/^ADMIN_KEY=.*/ADMIN_KEY=(shown in the banner)/' target/demo-seed.log

SIM_PORT="${DEMO_PARTNER_PORT:-9090}"
step "starting the partner simulator (port $SIM_PORT, log target/partner-sim.log) and a Kafka broker (log target/kafka.log)"
java -jar target/loyalty-engine.jar partner-sim --port "$SIM_PORT" --latency-ms 50 > target/partner-sim.log 2>&1 &
SIM=$!
KAFKA_PORT="${DEMO_KAFKA_PORT:-9092}"
java -jar target/loyalty-engine.jar kafka --port "$KAFKA_PORT" --dir data/kafka > target/kafka.log 2>&1 &
KAFKA=$!
trap 'kill $SIM $KAFKA 2>/dev/null; wait $SIM $KAFKA 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 120); do
  grep -q '^KAFKA_BOOTSTRAP=' target/kafka.log 2>/dev/null && break
  kill -0 $KAFKA 2>/dev/null || { tail -n 20 target/kafka.log >&2; echo "the Kafka broker exited" >&2; exit 1; }
  sleep 0.5
done
export LOYALTY_KAFKA_BOOTSTRAP="$(sed -n 's/^KAFKA_BOOTSTRAP=//p' target/kafka.log)"
echo "    Kafka broker on $LOYALTY_KAFKA_BOOTSTRAP (data in data/kafka)"
# One access-log line per request (logger=access), so every curl below shows up in the server's output.
export LOYALTY_HTTP_ACCESS_LOG="${LOYALTY_HTTP_ACCESS_LOG:-true}"
step "starting the server on port $PORT (its log follows; access log on)"
java -jar target/loyalty-engine.jar serve &
SERVER=$!
trap 'kill $SERVER $SIM $KAFKA 2>/dev/null; wait $SERVER $SIM $KAFKA 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  kill -0 $SERVER 2>/dev/null || { echo "the server exited; see the log above" >&2; exit 1; }
  sleep 0.5
done

# A small program for the demo tenant: 1 point per EUR, a gift card served by the partner simulator.
step "setting up the demo program: an earning rule, the gift-card partner, a reward"
api() { curl -fs -X "$1" "http://127.0.0.1:$PORT$2" -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' -d "$3" >/dev/null; }
api PUT /v1/earning-rules '{"rules": [{"id": "base", "trigger": "purchase", "award": {"type": "per_spend", "points": 1, "perAmount": 100}}]}'
api PUT /v1/partners/giftco "{\"url\": \"http://127.0.0.1:$SIM_PORT\"}"
api POST /v1/rewards '{"rewardId": "gc-10", "name": "10 EUR gift card", "type": "gift_card", "costPoints": 1000, "partner": "giftco", "partnerSku": "GC-10"}' || true

cat <<MSG

Loyalty Engine is running on http://127.0.0.1:$PORT with the demo tenant.
Admin key (shown once):  $ADMIN_KEY
Operator token:          $LOYALTY_OPERATOR_TOKEN

  curl -s -H "Authorization: Bearer $ADMIN_KEY" http://127.0.0.1:$PORT/v1/members/member-0000001/status
  curl -s -H "Authorization: Bearer $ADMIN_KEY" http://127.0.0.1:$PORT/v1/members/member-0000001
  curl -s -H "Authorization: Bearer $ADMIN_KEY" "http://127.0.0.1:$PORT/v1/members/member-0000001/transactions?limit=3"
  curl -s -X POST -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' http://127.0.0.1:$PORT/v1/redemptions \
       -d '{"redemptionId": "demo-1", "memberExternalId": "member-0000001", "rewardId": "gc-10"}'
  curl -s -H "Authorization: Bearer $ADMIN_KEY" http://127.0.0.1:$PORT/v1/redemptions/demo-1

  curl -s -H "Authorization: Bearer $ADMIN_KEY" "http://127.0.0.1:$PORT/v1/analytics/summary?from=$(date +%F)&to=$(date +%F)"

The partner simulator (gift cards, 50 ms latency) runs on port $SIM_PORT: curl -s http://127.0.0.1:$SIM_PORT/control
Domain events go to Kafka topic loyalty.events on $LOYALTY_KAFKA_BOOTSTRAP (docs/events.md).
Prometheus metrics: curl -s http://127.0.0.1:$PORT/metrics (alerting rules, dashboard, tracing: docs/observability.md).

Ctrl-C stops the server (the data stays in database 'loyalty').
MSG
wait $SERVER
