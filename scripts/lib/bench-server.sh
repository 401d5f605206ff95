# scripts/bench.sh, part of its one library: the build, the server under test, the partner simulator, and the
# tenant set-up every workload shares (earning rules, tiers, a pos key, the gift-card reward).

JAR=target/loyalty-engine.jar

bench_build() {
  if [[ ! -f $JAR || ! -f target/test-classes/org/loyaltyengine/bench/OpenLoop.class \
        || -n $(find src pom.xml conf -newer "$JAR" -print -quit) ]]; then
    say "building (mvn package, which also compiles the open-loop generator)"
    # Offline first (a shared machine's ~/.m2 has everything); a fresh machine downloads once.
    bounded 900 mvn -q -B -ntp -o -DskipTests package > "$RAW/build.txt" 2>&1 \
      || bounded 1200 mvn -q -B -ntp -DskipTests package >> "$RAW/build.txt" 2>&1 || die "build failed (see $RAW/build.txt)"
  fi
}

# Refuses a port something else listens on: the bench never measures someone else's process.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# server_start [keep]: "keep" restarts on the Redis state the last server left (a restart within a run).
server_start() {
  port_free "$BENCH_PORT" || die "port $BENCH_PORT is taken (set BENCH_PORT)"
  # Every run starts with an empty Redis prefix, so runs compare (and a warm read model is not inherited).
  if [[ ${1:-} != keep ]]; then
    redis-cli -u "$BENCH_REDIS_URL" --scan --pattern "$BENCH_REDIS_PREFIX*" 2>/dev/null \
      | xargs -r -n 500 redis-cli -u "$BENCH_REDIS_URL" del > /dev/null 2>&1 || true
  fi
  say "starting the server on port $BENCH_PORT"
  # The load comes from one API key: its rate limit is raised far above any rate this box can serve, so the
  # limiter's cost (one Redis call per request) is measured but it never answers 429 (override any of these).
  # shellcheck disable=SC2086 # a list of JVM flags
  LOYALTY_RATE_LIMIT_KEY_PER_SECOND=${LOYALTY_RATE_LIMIT_KEY_PER_SECOND:-1000000} \
    LOYALTY_RATE_LIMIT_KEY_BURST=${LOYALTY_RATE_LIMIT_KEY_BURST:-1000000} \
    LOYALTY_RATE_LIMIT_TENANT_PER_SECOND=${LOYALTY_RATE_LIMIT_TENANT_PER_SECOND:-1000000} \
    LOYALTY_RATE_LIMIT_TENANT_BURST=${LOYALTY_RATE_LIMIT_TENANT_BURST:-1000000} \
    LOYALTY_HTTP_PORT=$BENCH_PORT LOYALTY_PG_URL=$PG_URL LOYALTY_REDIS_URL=$BENCH_REDIS_URL \
    LOYALTY_REDIS_KEY_PREFIX=$BENCH_REDIS_PREFIX LOYALTY_HTTP_ACCESS_LOG=false \
    LOYALTY_ADMISSION_LATENCY_SHEDDING=$BENCH_LATENCY_SHEDDING \
    LOYALTY_FULFILLMENT_ALLOWED_TARGETS=${LOYALTY_FULFILLMENT_ALLOWED_TARGETS:-127.0.0.1} \
    LOYALTY_METRICS_PORT=${LOYALTY_METRICS_PORT:-${BENCH_METRICS_PORT:-0}} \
    nice -n "${BENCH_SERVER_NICE:-0}" java $BENCH_SERVER_JAVA_OPTS -jar "$JAR" > "$RAW/server.log" 2>&1 &
  SERVER_PID=$!
  on_exit server_stop
  local i
  for (( i = 0; i < 240; i++ )); do
    curl -sf -o /dev/null "$BASE/health/ready" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$RAW/server.log" >&2; die "the server exited"; }
    sleep 0.5
  done
  die "the server is not ready after 120 s (see $RAW/server.log)"
}

stop_pid() { # PID NAME
  [[ -n $1 ]] && kill -0 "$1" 2>/dev/null || return 0
  say "stopping $2 (pid $1)"
  kill "$1" 2>/dev/null || true
  local i
  for (( i = 0; i < 30; i++ )); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL "$1" 2>/dev/null || true
}
server_stop() { stop_pid "${SERVER_PID:-}" server; }

sim_start() {
  [[ -z ${SIM_PID:-} ]] || return 0
  port_free "$BENCH_SIM_PORT" || die "port $BENCH_SIM_PORT is taken (set BENCH_SIM_PORT)"
  # shellcheck disable=SC2086
  java $BENCH_SIM_JAVA_OPTS -jar "$JAR" partner-sim --port "$BENCH_SIM_PORT" --latency-ms "$BENCH_SIM_LATENCY_MS" \
    --max-keys 1000000 --max-codes 1000000 > "$RAW/partner-sim.log" 2>&1 &
  SIM_PID=$!
  on_exit 'stop_pid "${SIM_PID:-}" "partner simulator"'
  local i
  for (( i = 0; i < 120; i++ )); do
    curl -sf -o /dev/null "http://127.0.0.1:$BENCH_SIM_PORT/stats" && return 0
    sleep 0.5
  done
  die "the partner simulator did not start (see $RAW/partner-sim.log)"
}

# api METHOD PATH [BODY]: prints the body; sets A_STATUS; fails unless 2xx (or 409 with API_ALLOW_409).
api() {
  local out
  out=$(curl -s --max-time 30 -w '\n%{http_code}' -X "$1" "$BASE$2" -H "Authorization: Bearer ${API_KEY:-$ADMIN_KEY}" \
    -H 'Content-Type: application/json' ${3:+--data-binary "$3"})
  A_STATUS=${out##*$'\n'}
  [[ $A_STATUS == 2* || ( $A_STATUS == 409 && -n ${API_ALLOW_409:-} ) ]] || die "$1 $2 answered $A_STATUS: ${out%$'\n'*}"
  printf '%s\n' "${out%$'\n'*}"
}

# The workload every run shares: ten purchase rules and a custom-event rule, two tiers, a pos key (as a till).
tenant_setup() {
  source scripts/lib/bench-workload.sh
  api PUT /v1/earning-rules "$EARN_RULES" > "$RAW/rules-put.json"
  # A new tier set has the server render every read-model document again (~2 min at 500,000 members): a
  # reused database that already has this set keeps it.
  if python3 -c 'import json, sys; a = json.loads(sys.argv[1]); a.pop("version", None); sys.exit(a != json.loads(sys.argv[2]))' \
      "$(api GET /v1/tiers)" "$EARN_TIERS"; then
    say "tiers already in place: kept"
  else
    api PUT /v1/tiers "$EARN_TIERS" > "$RAW/tiers-put.json"
  fi
  POS_KEY=$(api POST /v1/api-keys '{"name": "bench till", "scopes": ["pos"]}' | sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p')
  [[ -n $POS_KEY ]] || die "could not create a pos key"
  sleep 1.5 # the settings cache (rules and tiers versions) refreshes within LOYALTY_CACHE_TENANT_TTL_MS
}

# The redemption workload's partner and reward: a gift card of BENCH_REDEEM_COST points, unlimited stock.
reward_setup() {
  sim_start
  REWARD=bench-giftcard
  api PUT /v1/partners/giftco "{\"url\": \"http://127.0.0.1:$BENCH_SIM_PORT\", $BENCH_PARTNER}" > "$RAW/partner-put.json"
  local body="\"name\": \"Benchmark gift card\", \"type\": \"gift_card\", \"costPoints\": $BENCH_REDEEM_COST,
    \"partner\": \"giftco\", \"partnerSku\": \"GC-BENCH\""
  API_ALLOW_409=1 api POST /v1/rewards "{\"rewardId\": \"$REWARD\", $body}" > /dev/null
  [[ $A_STATUS != 409 ]] || api PUT "/v1/rewards/$REWARD" "{\"rewardId\": \"$REWARD\", $body}" > /dev/null
  sleep 1.5
}
