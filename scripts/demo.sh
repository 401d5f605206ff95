#!/usr/bin/env bash
# Starts Loyalty Engine with demo data: installs/starts PostgreSQL and Redis if needed, builds the jar,
# seeds the "demo" tenant (DEMO_MEMBERS members, 10 purchases each), starts the partner simulator, sets up a
# small program (an earning rule, a gift-card reward), starts a real Kafka broker (KRaft, from the jar's Maven
# Central artifacts) for the event stream, then serves on port 8080 (Ctrl-C stops everything).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
ensure_all

DEMO_MEMBERS="${DEMO_MEMBERS:-10000}"
export LOYALTY_OPERATOR_TOKEN="${LOYALTY_OPERATOR_TOKEN:-demo-operator-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
PORT="${LOYALTY_HTTP_PORT:-8080}"
# The demo's webhook receivers run on this machine: let webhooks reach loopback (docs/webhooks.md, SSRF guard).
export LOYALTY_WEBHOOKS_ALLOWED_TARGETS="${LOYALTY_WEBHOOKS_ALLOWED_TARGETS:-127.0.0.1}"

if [ ! -f target/loyalty-engine.jar ] || [ -n "$(find src pom.xml conf -newer target/loyalty-engine.jar -print -quit)" ]; then
  echo "building target/loyalty-engine.jar..."
  mvn -B -q -ntp -DskipTests package
fi

echo "seeding tenant 'demo' with $DEMO_MEMBERS members..."
SEED_OUT=$(java -jar target/loyalty-engine.jar seed --tenant demo --members "$DEMO_MEMBERS" \
  --transactions-per-member 10 --export gatling/data/members.csv)
echo "$SEED_OUT" | grep -v '^ADMIN_KEY=' || true
ADMIN_KEY=$(echo "$SEED_OUT" | sed -n 's/^ADMIN_KEY=//p')

SIM_PORT="${DEMO_PARTNER_PORT:-9090}"
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
echo "Kafka broker on $LOYALTY_KAFKA_BOOTSTRAP (data in data/kafka)"
java -jar target/loyalty-engine.jar serve &
SERVER=$!
trap 'kill $SERVER $SIM $KAFKA 2>/dev/null; wait $SERVER $SIM $KAFKA 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  kill -0 $SERVER 2>/dev/null || { echo "the server exited; see the log above" >&2; exit 1; }
  sleep 0.5
done

# A small program for the demo tenant: 1 point per EUR, a gift card served by the partner simulator.
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

Ctrl-C stops the server (the data stays in database 'loyalty').
MSG
wait $SERVER
