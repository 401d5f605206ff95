#!/usr/bin/env bash
# Capacity run with the Gatling suite (gatling/, docs/capacity.md). One simulation per run:
#   1. builds the jar when missing or older than the sources;
#   2. seeds the tenant (a throwaway database is created when missing; an existing one is only topped up)
#      and exports the member CSV the Gatling feeders read;
#   3. starts CAPACITY_NODES server processes on this machine (clustered with `serve --cluster` when the jar
#      has it) and, for EarnAndRedeem, the partner simulator, the earn rules, tiers, partner and reward;
#   4. warms up with the same simulation (CAPACITY_WARMUP seconds, no assertions, no report);
#   5. runs the simulation with its assertions, sampling the CPU of every process (top every 2 s) and the
#      exact CPU time of the servers and of the Gatling JVM (/proc/<pid>/stat);
#   6. for EarnAndRedeem, waits for fulfillment to drain and checks every redemption of the run is fulfilled
#      and the ledger invariants of every member it touched;
#   7. writes the key figures to bench-results/capacity-<stamp>.md (the Gatling HTML report next to it, in
#      bench-results/capacity-<stamp>/; both git-ignored) and stops what it started.
# Run from the repository root: scripts/capacity.sh       (settings: environment variables below)
# Smoke run:  CAPACITY_LABEL=smoke CAPACITY_MEMBERS=10000 CAPACITY_DB=loyalty_capsmoke CAPACITY_USERS=50 \
#             CAPACITY_DURATION=20 CAPACITY_WARMUP=10 CAPACITY_GATLING_OPTS='-DminRps=off -Dp90Ms=off' scripts/capacity.sh
set -euo pipefail
export LC_ALL=C

CAPACITY_SIMULATION=${CAPACITY_SIMULATION:-ReadCapacity}  # ReadCapacity | EarnAndRedeem
CAPACITY_MODEL=${CAPACITY_MODEL:-closed}            # ReadCapacity: closed (users) | open (rate)
CAPACITY_NODES=${CAPACITY_NODES:-1}                 # server processes on this machine; Gatling round-robins over them
CAPACITY_CLUSTER=${CAPACITY_CLUSTER:-auto}          # 1: serve --cluster; 0: independent nodes; auto: 1 when N > 1 and the jar knows --cluster
CAPACITY_MEMBERS=${CAPACITY_MEMBERS:-500000}
CAPACITY_DB=${CAPACITY_DB:-loyalty_capacity}
CAPACITY_USERS=${CAPACITY_USERS:-1500}              # closed model: concurrent users
CAPACITY_RATE=${CAPACITY_RATE:-}                    # open model: requests/s (default 6000 reads, 2000 mixed)
CAPACITY_RAMP=${CAPACITY_RAMP:-30}                  # seconds of ramp-up, part of the measured run
CAPACITY_DURATION=${CAPACITY_DURATION:-60}          # seconds of steady load after the ramp
CAPACITY_WARMUP=${CAPACITY_WARMUP:-60}              # seconds of unmeasured load first (JIT: ~45-60 s on 2 cores); 0 = none
CAPACITY_GATLING_OPTS=${CAPACITY_GATLING_OPTS:-}    # extra -D for both Gatling runs, e.g. -DminRps=off for a smoke run
CAPACITY_PORT=${CAPACITY_PORT:-18100}               # first node's port; node i listens on CAPACITY_PORT + i - 1
CAPACITY_SIM_PORT=${CAPACITY_SIM_PORT:-19100}
CAPACITY_HZ_PORT=${CAPACITY_HZ_PORT:-15701}         # clustered: node i's Hazelcast port is CAPACITY_HZ_PORT + i - 1
CAPACITY_SIM_LATENCY_MS=${CAPACITY_SIM_LATENCY_MS:-50}
CAPACITY_PG=${CAPACITY_PG:-postgresql://postgres@127.0.0.1:5432}
CAPACITY_REDIS_URL=${CAPACITY_REDIS_URL:-redis://127.0.0.1:6379}
CAPACITY_REDIS_PREFIX=${CAPACITY_REDIS_PREFIX:-capacity}
CAPACITY_SERVER_JAVA_OPTS=${CAPACITY_SERVER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}
CAPACITY_SIM_JAVA_OPTS=${CAPACITY_SIM_JAVA_OPTS:--Xms384m -Xmx384m -XX:+UseParallelGC}
CAPACITY_CSV=${CAPACITY_CSV:-gatling/data/capacity-members.csv}
CAPACITY_ADMIN_KEY=${CAPACITY_ADMIN_KEY:-}          # reuse a seeded tenant: no seeding, CAPACITY_CSV must list its members
CAPACITY_QUIET_WAIT=${CAPACITY_QUIET_WAIT:-900}     # seconds to wait for load average < CAPACITY_QUIET_LOAD; 0 = do not wait
CAPACITY_QUIET_LOAD=${CAPACITY_QUIET_LOAD:-1.5}
CAPACITY_DRAIN_WAIT=${CAPACITY_DRAIN_WAIT:-300}     # EarnAndRedeem: longest wait for the fulfillment queue to drain
CAPACITY_LABEL=${CAPACITY_LABEL:-}                  # free text in the report, e.g. "smoke"

# The benchmark library of scripts/bench.sh: say/die, bounded commands, the build (bench_build), stop_pid and
# the ledger invariant check (check_invariants). This script keeps its own job: the Gatling suite on one or
# several (clustered) nodes.
source scripts/lib/bench-common.sh
source scripts/lib/bench-pg.sh
source scripts/lib/bench-server.sh
BENCH_INVARIANT_TIMEOUT=${BENCH_INVARIANT_TIMEOUT:-60}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT=bench-results/capacity-$STAMP.md
RAW=bench-results/capacity-$STAMP
CLK_TCK=$(getconf CLK_TCK)
REWARD=gc-capacity

SERVER_PIDS=()
SIM_PID=
GATLING_MVN_PID=
SAMPLER_PIDS=()

cleanup() {
  local pid i=0
  for pid in "${SAMPLER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  stop_pid "$GATLING_MVN_PID" "Gatling (maven)"
  for pid in "${SERVER_PIDS[@]}"; do i=$((i + 1)); stop_pid "$pid" "node $i"; done
  stop_pid "$SIM_PID" "partner simulator"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# ---------------------------------------------------------------- settings

case $CAPACITY_SIMULATION in
  ReadCapacity)
    case $CAPACITY_MODEL in closed|open) ;; *) die "CAPACITY_MODEL must be closed or open" ;; esac
    CAPACITY_RATE=${CAPACITY_RATE:-6000} ;;
  EarnAndRedeem)
    CAPACITY_MODEL=open
    CAPACITY_RATE=${CAPACITY_RATE:-2000} ;;
  *) die "CAPACITY_SIMULATION must be ReadCapacity or EarnAndRedeem" ;;
esac
[[ $CAPACITY_NODES =~ ^[1-9][0-9]?$ ]] || die "CAPACITY_NODES must be 1..99"
[[ -f pom.xml && -d scripts && -f gatling/pom.xml ]] || die "run from the repository root"
for tool in java mvn psql curl top; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

# Gatling and the servers hold a socket per closed-model user; in the open model a stalled server makes the
# shared pool open a connection per request in flight (up to rate x the 10 s timeout).
needed_files=$(( CAPACITY_USERS * 2 + 4096 ))
if [[ $CAPACITY_MODEL == open ]]; then
  needed_files=$(awk -v r="$CAPACITY_RATE" -v n="$needed_files" 'BEGIN { m = r * 10 * 2 + 4096; printf "%d", (m > n ? m : n) }')
fi
if (( $(ulimit -n) < needed_files )); then
  hard=$(ulimit -Hn)
  [[ $hard == unlimited ]] || (( hard >= needed_files )) || { say "warning: ulimit -n capped at $hard (wanted $needed_files)"; needed_files=$hard; }
  ulimit -n "$needed_files" 2>/dev/null || die "cannot raise ulimit -n to $needed_files"
fi

wait_until_quiet() {
  local waited=0 load
  (( CAPACITY_QUIET_WAIT > 0 )) || return 0
  while :; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    awk -v l="$load" -v m="$CAPACITY_QUIET_LOAD" 'BEGIN { exit !(l < m) }' && return 0
    (( waited < CAPACITY_QUIET_WAIT )) || die "the machine is still busy after ${CAPACITY_QUIET_WAIT}s (load $load)"
    say "waiting for a quiet machine: load $load (below $CAPACITY_QUIET_LOAD wanted)"
    sleep 30
    waited=$((waited + 30))
  done
}

mkdir -p "$RAW" "$(dirname "$CAPACITY_CSV")"

# ---------------------------------------------------------------- build and seed

bench_build

PG_URL=$CAPACITY_PG/$CAPACITY_DB
db_exists=$(psql "$CAPACITY_PG/postgres" -XAtc "select count(*) from pg_database where datname = '$CAPACITY_DB'")
if [[ -z $CAPACITY_ADMIN_KEY ]]; then
  wait_until_quiet
  # The seeder creates the database when missing and seeds it (minutes for 500,000 members); on a seeded
  # one it only tops up, exports the CSV and makes a new admin key (keys are stored hashed: an old one
  # cannot be shown again).
  if [[ $db_exists == 0 ]]; then
    say "database $CAPACITY_DB is missing: seeding $CAPACITY_MEMBERS members x 10 transactions"
  else
    say "database $CAPACITY_DB exists: topping up to $CAPACITY_MEMBERS members and exporting the CSV"
  fi
  LOYALTY_PG_URL=$PG_URL LOYALTY_REDIS_URL=$CAPACITY_REDIS_URL LOYALTY_REDIS_KEY_PREFIX=$CAPACITY_REDIS_PREFIX \
    java -jar "$JAR" seed --tenant demo --members "$CAPACITY_MEMBERS" --transactions-per-member 10 \
    --export "$CAPACITY_CSV" > "$RAW/seed.txt" \
    || die "seeding failed (see $RAW/seed.txt); after an incompatible schema change drop the database:
       dropdb -h 127.0.0.1 -U postgres $CAPACITY_DB"
  ADMIN_KEY=$(sed -n 's/^ADMIN_KEY=//p' "$RAW/seed.txt" | tail -n 1)
  [[ -n $ADMIN_KEY ]] || die "the seeder printed no ADMIN_KEY (see $RAW/seed.txt)"
  sed -i 's/^ADMIN_KEY=.*/ADMIN_KEY=(redacted)/' "$RAW/seed.txt"
else
  [[ $db_exists == 1 ]] || die "CAPACITY_ADMIN_KEY is set but database $CAPACITY_DB does not exist"
  ADMIN_KEY=$CAPACITY_ADMIN_KEY
fi
[[ -s $CAPACITY_CSV ]] || die "$CAPACITY_CSV is missing or empty"
csv_ids=$(( $(wc -l < "$CAPACITY_CSV") - 1 ))
read -r tenant_id db_members < <(psql "$PG_URL" -XAtF ' ' -c "
  select t.id, count(m.id) from tenants t left join members m on m.tenant_id = t.id
   where t.name = 'demo' group by t.id")
(( db_members > 0 )) || die "tenant demo of $CAPACITY_DB has no members"

# ---------------------------------------------------------------- partner simulator and servers

wait_until_quiet
if [[ $CAPACITY_SIMULATION == EarnAndRedeem ]]; then
  say "starting the partner simulator on port $CAPACITY_SIM_PORT (${CAPACITY_SIM_LATENCY_MS} ms per call)"
  # shellcheck disable=SC2086 # a list of JVM flags
  java $CAPACITY_SIM_JAVA_OPTS -jar "$JAR" partner-sim --port "$CAPACITY_SIM_PORT" \
    --latency-ms "$CAPACITY_SIM_LATENCY_MS" --max-keys 1000000 --max-codes 1000000 > "$RAW/partner-sim.log" 2>&1 &
  SIM_PID=$!
  for _ in $(seq 1 60); do
    grep -q 'listening' "$RAW/partner-sim.log" && break
    kill -0 "$SIM_PID" 2>/dev/null || { cat "$RAW/partner-sim.log" >&2; die "the partner simulator exited"; }
    sleep 0.5
  done
  grep -q 'listening' "$RAW/partner-sim.log" || die "the partner simulator is not listening after 30 s"
fi

cluster=0
if [[ $CAPACITY_CLUSTER == 1 ]] || { [[ $CAPACITY_CLUSTER == auto ]] && (( CAPACITY_NODES > 1 )) \
    && java -jar "$JAR" help 2>&1 | grep -q -- '--cluster'; }; then
  cluster=1
fi
serve_args=(serve)
(( cluster )) && serve_args+=(--cluster)

BASE_URLS=()
start_node() { # INDEX
  local i=$1 port=$((CAPACITY_PORT + $1 - 1)) pid env=()
  env=(LOYALTY_HTTP_PORT="$port" LOYALTY_PG_URL="$PG_URL" LOYALTY_REDIS_URL="$CAPACITY_REDIS_URL"
       LOYALTY_REDIS_KEY_PREFIX="$CAPACITY_REDIS_PREFIX" LOYALTY_HTTP_ACCESS_LOG=false
       LOYALTY_FULFILLMENT_ALLOWED_TARGETS="${LOYALTY_FULFILLMENT_ALLOWED_TARGETS:-127.0.0.1}") # the simulator's loopback
  # Every member on loopback, each on its own Hazelcast port (auto-increment is off in conf/cluster.xml).
  if (( cluster )); then
    local members="" n
    for n in $(seq 1 "$CAPACITY_NODES"); do members+="${members:+,}127.0.0.1:$((CAPACITY_HZ_PORT + n - 1))"; done
    env+=(LOYALTY_CLUSTER_HOST=127.0.0.1 LOYALTY_CLUSTER_PORT=$((CAPACITY_HZ_PORT + i - 1))
          LOYALTY_CLUSTER_MEMBERS="$members" LOYALTY_CLUSTER_NAME="capacity-$STAMP")
  fi
  say "starting node $i on port $port (${serve_args[*]})"
  # shellcheck disable=SC2086 # a list of JVM flags
  env "${env[@]}" java $CAPACITY_SERVER_JAVA_OPTS -jar "$JAR" "${serve_args[@]}" > "$RAW/node$i.log" 2>&1 &
  pid=$!
  SERVER_PIDS+=("$pid")
  BASE_URLS+=("http://127.0.0.1:$port")
  for _ in $(seq 1 180); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready" && return 0
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$RAW/node$i.log" >&2; die "node $i exited"; }
    sleep 0.5
  done
  die "node $i is not ready after 90 s (see $RAW/node$i.log)"
}
# The first node applies migrations alone; the others start once it is ready.
for i in $(seq 1 "$CAPACITY_NODES"); do start_node "$i"; done
BASE=${BASE_URLS[0]}
base_urls=$(IFS=,; echo "${BASE_URLS[*]}")
http_instances=$(sed -n 's/.*httpInstances=\([0-9]*\).*/\1/p' "$RAW/node1.log" | head -n 1)

# Sets A_STATUS and A_BODY.
call() { # METHOD PATH [BODY]
  local out
  out=$(curl -s -w '\n%{http_code}' -X "$1" "$BASE$2" -H "Authorization: Bearer $ADMIN_KEY" \
    -H 'Content-Type: application/json' ${3:+--data-binary "$3"})
  A_STATUS=${out##*$'\n'}; A_BODY=${out%$'\n'*}
}
api() { # METHOD PATH [BODY] -> prints the body; fails unless the status is 2xx
  call "$@"
  [[ $A_STATUS == 2* ]] || die "$1 $2 answered $A_STATUS: $A_BODY"
  printf '%s\n' "$A_BODY"
}
new_key() { # NAME SCOPE
  api POST /v1/api-keys "{\"name\": \"$1\", \"scopes\": [\"$2\"]}" | sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p'
}

if [[ $CAPACITY_SIMULATION == EarnAndRedeem ]]; then
  # The earn workload of scripts/bench.sh, and a 10-point gift card fulfilled by the simulator as in its
  # redeem workload (seeded members hold ~3,000 points: no insufficient_points).
  source scripts/lib/bench-workload.sh
  api PUT /v1/earning-rules "$EARN_RULES" > /dev/null
  api PUT /v1/tiers "$EARN_TIERS" > /dev/null
  api PUT /v1/partners/giftco "{\"url\": \"http://127.0.0.1:$CAPACITY_SIM_PORT\", \"batchSize\": 50,
    \"maxConcurrency\": 16, \"ratePerSecond\": 5000}" > /dev/null
  REWARD_BODY="\"name\": \"Capacity gift card\", \"type\": \"gift_card\", \"costPoints\": 10,
    \"partner\": \"giftco\", \"partnerSku\": \"GC-CAPACITY\"}"
  call POST /v1/rewards "{\"rewardId\": \"$REWARD\", $REWARD_BODY"
  if [[ $A_STATUS == 409 ]]; then
    api PUT "/v1/rewards/$REWARD" "{\"rewardId\": \"$REWARD\", $REWARD_BODY" > /dev/null
  elif [[ $A_STATUS != 2* ]]; then
    die "POST /v1/rewards answered $A_STATUS: $A_BODY"
  fi
  LOAD_KEY=$(new_key "capacity till" pos)
else
  LOAD_KEY=$(new_key "capacity reader" read)
fi
[[ -n $LOAD_KEY ]] || die "could not create the load's API key"
sleep 1.5 # rules, tiers and rewards reach every node within LOYALTY_CACHE_TENANT_TTL_MS

# ---------------------------------------------------------------- Gatling

CSV_ABS=$(realpath "$CAPACITY_CSV")
# The one basket generator (org.loyaltyengine.seed.Baskets), through a file Gatling's Purchases reads.
BASKETS_ABS=$(realpath "$(dirname "$CAPACITY_CSV")")/baskets.txt
java -cp "$JAR" org.loyaltyengine.seed.Baskets 10000 5 42 > "$BASKETS_ABS"
gatling_args=(-B -f gatling/pom.xml gatling:test
  "-Dgatling.simulationClass=org.loyaltyengine.capacity.$CAPACITY_SIMULATION"
  "-DbaseUrls=$base_urls" "-DapiKey=$LOAD_KEY" "-Dcsv=$CSV_ABS" "-Dbaskets=$BASKETS_ABS" "-Dmodel=$CAPACITY_MODEL"
  "-Dusers=$CAPACITY_USERS" "-Drate=$CAPACITY_RATE" "-DrewardId=$REWARD")
# shellcheck disable=SC2206 # CAPACITY_GATLING_OPTS is a list of -D options
extra_opts=($CAPACITY_GATLING_OPTS)

if (( CAPACITY_WARMUP > 0 )); then
  say "warm-up: ${CAPACITY_WARMUP}s of $CAPACITY_SIMULATION, not measured"
  mvn "${gatling_args[@]}" "${extra_opts[@]}" -DrunId="$STAMP-w" -Dramp=10 -Dduration="$CAPACITY_WARMUP" \
    -Dgatling.noReports=true -Dp90Ms=off -Dp99Ms=off -DmaxErrorPct=off -DminRps=off > "$RAW/warmup.log" 2>&1 \
    || die "the warm-up run failed (see $RAW/warmup.log)"
fi

proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Requests each node has answered so far (Vert.x's HTTP server counter), space-separated in node order.
node_requests() {
  local url
  for url in "${BASE_URLS[@]}"; do
    curl -s "$url/metrics" | awk '/^loyalty_http_server_requests_total[{ ]/ { n += $NF } END { printf "%.0f ", n }'
  done
}
sum_ticks() { local t=0 pid; for pid in "$@"; do t=$((t + $(proc_ticks "$pid"))); done; echo "$t"; }

say "measured run: $CAPACITY_SIMULATION ($CAPACITY_MODEL), ramp ${CAPACITY_RAMP}s + ${CAPACITY_DURATION}s"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
read -r -a node_requests0 <<< "$(node_requests)"
mvn "${gatling_args[@]}" "${extra_opts[@]}" -DrunId="$STAMP" -Dramp="$CAPACITY_RAMP" -Dduration="$CAPACITY_DURATION" \
  -Dgatling.runDescription="capacity $STAMP ${CAPACITY_LABEL}" > "$RAW/gatling.log" 2>&1 &
GATLING_MVN_PID=$!
# Maven forks the Gatling JVM: the measurement window opens when it appears (Maven's own start-up and
# compilation stay outside), and its CPU is sampled every second while it lives (the last sample is its total).
gatling_pid=
for _ in $(seq 1 1200); do
  for child in $(pgrep -P "$GATLING_MVN_PID" || true); do
    grep -q 'io.gatling.app.Gatling' "/proc/$child/cmdline" 2>/dev/null && gatling_pid=$child
  done
  [[ -n $gatling_pid ]] && break
  kill -0 "$GATLING_MVN_PID" 2>/dev/null || break
  sleep 0.1
done
top -b -c -d 2 -n $(( (CAPACITY_RAMP + CAPACITY_DURATION) / 2 + 20 )) -w 512 > "$RAW/top.txt" &
SAMPLER_PIDS+=($!)
server_ticks0=$(sum_ticks "${SERVER_PIDS[@]}")
sim_ticks0=$( [[ -n $SIM_PID ]] && proc_ticks "$SIM_PID" || echo 0)
run_t0=$(date +%s.%N)
if [[ -n $gatling_pid ]]; then
  ( while kill -0 "$gatling_pid" 2>/dev/null; do proc_ticks "$gatling_pid" > "$RAW/gatling-ticks.txt.tmp" \
      && mv "$RAW/gatling-ticks.txt.tmp" "$RAW/gatling-ticks.txt"; sleep 1; done ) &
  SAMPLER_PIDS+=($!)
else
  say "warning: the Gatling JVM was not found under Maven (pid $GATLING_MVN_PID): its CPU is not reported"
fi
gatling_rc=0
# The window closes when the Gatling JVM exits (its report is written by then; Maven only prints after).
while [[ -n $gatling_pid ]] && kill -0 "$gatling_pid" 2>/dev/null; do sleep 0.2; done
run_t1=$(date +%s.%N)
server_ticks1=$(sum_ticks "${SERVER_PIDS[@]}")
sim_ticks1=$( [[ -n $SIM_PID ]] && proc_ticks "$SIM_PID" || echo 0)
wait "$GATLING_MVN_PID" || gatling_rc=$?
GATLING_MVN_PID=
for pid in "${SAMPLER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
wait "${SAMPLER_PIDS[@]}" 2>/dev/null || true
SAMPLER_PIDS=()
for i in "${!SERVER_PIDS[@]}"; do
  kill -0 "${SERVER_PIDS[$i]}" 2>/dev/null || die "node $((i + 1)) exited during the run (see $RAW/node$((i + 1)).log)"
done
read -r -a node_requests1 <<< "$(node_requests)"
per_node=
for i in "${!BASE_URLS[@]}"; do
  per_node+="${per_node:+, }node $((i + 1)): $(( ${node_requests1[$i]:-0} - ${node_requests0[$i]:-0} ))"
done

# ---------------------------------------------------------------- results

# Gatling names the report it wrote on its last lines.
report_dir=$(sed -n 's|.*Reports generated, please open the following file: file://\(.*\)/index.html.*|\1|p' \
  "$RAW/gatling.log" | tail -n 1)
[[ -n $report_dir && -f $report_dir/index.html ]] \
  || die "no Gatling report found (Maven exit $gatling_rc; see $RAW/gatling.log)"
cp -r "$report_dir" "$RAW/gatling-report"
# Global and per-request figures from the report (percentiles 50, 90, 99, 99.9: gatling/src/test/resources/gatling.conf)
# and our own chart of latency over time, small enough to commit with docs/capacity.md.
python3 scripts/lib/gatling-report.py "$report_dir" --svg "$RAW/latency-over-time.svg" \
  --title "$CAPACITY_SIMULATION ($CAPACITY_MODEL), $CAPACITY_NODES node(s), run $STAMP${CAPACITY_LABEL:+ ($CAPACITY_LABEL)}" \
  > "$RAW/figures.txt" || die "cannot read the Gatling report $report_dir"
read -r _ G_TOTAL G_OK G_KO G_RPS G_P50 G_P90 G_P99 G_P999 G_MAX G_MEAN < <(grep '^GLOBAL ' "$RAW/figures.txt")
G_ERR_PCT=$(awk -v k="$G_KO" -v n="$G_TOTAL" 'BEGIN { printf "%.3f", (n > 0 ? 100 * k / n : 0) }')
G_RPS=$(awk -v r="$G_RPS" 'BEGIN { printf "%.0f", r }')
per_request=$(awk '$1 == "REQUEST" { printf "| %s | %s | %s | %.0f | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8, $9 }' \
  "$RAW/figures.txt")
assertions=$(grep -E '^(Global|.*): .* : (true|false)' "$RAW/gatling.log" | sed 's/^/- /' || true)
elapsed=$(awk -v a="$run_t0" -v b="$run_t1" 'BEGIN { printf "%.1f", b - a }')
server_cpu=$(awk -v t="$((server_ticks1 - server_ticks0))" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t / hz }')
server_us_per_req=$(awk -v c="$server_cpu" -v n="$G_TOTAL" 'BEGIN { printf "%.0f", (n > 0 ? c * 1e6 / n : 0) }')
sim_cpu=$(awk -v t="$((sim_ticks1 - sim_ticks0))" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t / hz }')
gatling_cpu=n/a
if [[ -f $RAW/gatling-ticks.txt ]]; then
  gatling_cpu=$(awk -v hz="$CLK_TCK" '{ printf "%.1f", $1 / hz }' "$RAW/gatling-ticks.txt")
fi
# Average % of one core per process group over top's samples (the first covers no interval: skipped).
cpu_split=$(awk -v servers=" ${SERVER_PIDS[*]} " -v gatling="$gatling_pid" -v sim="$SIM_PID" -v cores="$(nproc)" '
  /^top -/ { n++; next }
  n >= 2 && /^%Cpu/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^id,?$/) idle += $i * cores }
  n >= 2 && $1 ~ /^[0-9]+$/ && NF >= 12 {
    cmd = $12; sub(/.*\//, "", cmd)
    g = index(servers, " " $1 " ") ? "server" : ($1 == gatling) ? "gatling" : ($1 == sim) ? "partner-sim" :
        (cmd ~ /^postgres/) ? "postgres" : (cmd ~ /^redis/) ? "redis" : "other"
    cpu[g] += $9
  }
  END {
    k = n - 1; if (k < 1) k = 1
    split("server gatling postgres redis partner-sim other", order, " ")
    for (i = 1; i <= 6; i++) if (order[i] in cpu) printf "%s %.0f%%, ", order[i], cpu[order[i]] / k
    printf "idle %.0f%%", idle / k
  }' "$RAW/top.txt")

# ---------------------------------------------------------------- EarnAndRedeem: fulfilment and ledger

checks=()
correct=1
if [[ $CAPACITY_SIMULATION == EarnAndRedeem ]]; then
  say "waiting for fulfillment to drain (at most ${CAPACITY_DRAIN_WAIT}s)"
  drained=
  for _ in $(seq 1 $((CAPACITY_DRAIN_WAIT * 2))); do
    left=$(psql "$PG_URL" -XAtc "select count(*) from fulfillment_jobs where status in ('queued', 'leased')")
    (( left == 0 )) && { drained=1; break; }
    sleep 0.5
  done
  read -r R_ALL R_FULFILLED R_OTHER < <(psql "$PG_URL" -XAtF ' ' -c "
    select count(*), count(*) filter (where status = 'fulfilled'), count(*) filter (where status <> 'fulfilled')
      from redemptions where tenant_id = '$tenant_id'
       and redemption_id >= 'capr-$STAMP-' and redemption_id < 'capr-$STAMP-~' and redemption_id like 'capr-$STAMP-%'")
  # The same invariants as scripts/bench.sh, over every member with a purchase of this run (warm-up included).
  INV_TX=$(psql "$PG_URL" -XAtc "select count(*) from transactions where tenant_id = '$tenant_id'
    and transaction_id >= 'cap-$STAMP-' and transaction_id < 'cap-$STAMP.'")
  check_invariants "select member_id from transactions where tenant_id = '$tenant_id'
    and transaction_id >= 'cap-$STAMP-' and transaction_id < 'cap-$STAMP.'"
  INV_V1=$INV_BALANCE; INV_V2=$INV_PENDING; INV_V3=$INV_AVAILABLE
  if [[ -n $drained ]]; then
    checks+=("fulfillment queue drained")
  else
    checks+=("fulfillment queue NOT drained after ${CAPACITY_DRAIN_WAIT}s")
  fi
  checks+=("redemptions of the run (warm-up included): $R_ALL, fulfilled $R_FULFILLED, other $R_OTHER")
  if [[ -z $drained ]] || (( R_OTHER > 0 || INV_V1 + INV_V2 + INV_V3 > 0 )); then correct=0; fi
  checks+=("purchases of the run (warm-up included): $INV_TX on $INV_MEMBERS members; ledger invariant violations: balance != ledger $INV_V1, pending != unreleased lots $INV_V2, available != released lots $INV_V3")
fi

# ---------------------------------------------------------------- report

if (( CAPACITY_NODES == 1 )); then
  topology="1 node"
elif (( cluster )); then
  topology="$CAPACITY_NODES nodes, clustered (serve --cluster), Gatling round-robin over them"
else
  topology="$CAPACITY_NODES independent nodes (no --cluster in this jar), Gatling round-robin over them"
fi
if [[ $CAPACITY_MODEL == closed ]]; then load="closed model, $CAPACITY_USERS users"; else load="open model, $CAPACITY_RATE req/s"; fi
verdict=$( (( gatling_rc == 0 )) && echo "all assertions met" || echo "Gatling exited $gatling_rc: an assertion failed (below) or the run broke" )
if (( ! correct )); then
  verdict+="; CORRECTNESS CHECK FAILED (below)"
  (( gatling_rc != 0 )) || gatling_rc=3
fi

{
  echo "# Capacity run $STAMP${CAPACITY_LABEL:+ ($CAPACITY_LABEL)}"
  echo
  echo "- simulation: **$CAPACITY_SIMULATION**, $load; ramp ${CAPACITY_RAMP}s + steady ${CAPACITY_DURATION}s" \
    "after a ${CAPACITY_WARMUP}s warm-up; extra options: \`${CAPACITY_GATLING_OPTS:-none}\`"
  echo "- topology: $topology; ${http_instances:-?} HTTP verticle instances per node; server JVM \`$CAPACITY_SERVER_JAVA_OPTS\`;" \
    "all on this machine with PostgreSQL, Redis and Gatling"
  echo "- machine: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
    "$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); load average before the run $load_before"
  echo "- $(java -version 2>&1 | head -n 1); PostgreSQL $(psql "$PG_URL" -XAtc 'show server_version')" \
    "(shared_buffers $(psql "$PG_URL" -XAtc 'show shared_buffers')); database $CAPACITY_DB with $db_members members," \
    "$csv_ids in the CSV"
  echo "- Gatling report: $RAW/gatling-report/index.html (latency percentiles over time, throughput, errors);" \
    "chart: $RAW/latency-over-time.svg"
  echo
  echo "| run | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  echo "| $STAMP | $G_RPS | $G_P50 | $G_P90 | $G_P99 | $G_P999 | $G_MAX | $G_KO of $G_TOTAL ($G_ERR_PCT %) |"
  echo
  echo "| request | count | failed | req/s | p50 ms | p90 ms | p99 ms | max ms |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  echo "$per_request"
  echo
  echo "| CPU while the Gatling JVM ran (${elapsed}s: its start-up, the load, its report) | |"
  echo "|---|---|"
  echo "| servers (/proc, utime + stime) | $server_cpu s, $(awk -v c="$server_cpu" -v e="$elapsed" 'BEGIN { printf "%.2f", c / e }') cores; $server_us_per_req µs per request |"
  echo "| Gatling JVM (/proc) | $gatling_cpu s$( [[ $gatling_cpu != n/a ]] && awk -v c="$gatling_cpu" -v e="$elapsed" 'BEGIN { printf ", %.2f cores", c / e }') |"
  [[ -n $SIM_PID ]] && echo "| partner simulator (/proc) | $sim_cpu s |"
  echo "| requests answered per node (/metrics) | $per_node |"
  echo "| split, top every 2 s (% of one core; $(nproc) cores = $(( $(nproc) * 100 ))%) | $cpu_split |"
  echo
  other=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<< "$cpu_split")
  if (( ${other:-0} >= 10 )); then
    echo "**Disturbed run:** other processes used ${other}% of a core; the figures do not show this machine's capacity."
    echo
  fi
  echo "Verdict: $verdict."
  [[ -n $assertions ]] && { echo; echo "$assertions"; }
  if (( ${#checks[@]} )); then
    echo
    for c in "${checks[@]}"; do echo "- $c"; done
  fi
} | tee "$REPORT"
say "written to $REPORT"
exit "$gatling_rc"
