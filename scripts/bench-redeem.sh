#!/usr/bin/env bash
# Redemption benchmark: seeds a tenant, starts the partner simulator (BENCH_SIM_LATENCY_MS per gift-card call)
# and the server, configures the partner giftco and a cheap gift_card reward with unlimited stock, and in one
# run measures
#   (a) POST /v1/redemptions, closed loop (wrk, BENCH_CONNECTIONS connections, unique redemption ids, random
#       members),
#   (b) the same, open loop at BENCH_RATE redemptions/s (OpenLoopPosts, latency from the intended send time),
#   (c) fulfillment: the queue depth (fulfillment jobs not done) every BENCH_QUEUE_SAMPLE seconds during (a),
#       (b) and the drains after each, and how long each drain took (bounded by BENCH_DRAIN_WAIT),
#   (d) server CPU, heap and GC during (a) and (b), how the cores were split between processes, PostgreSQL wait
#       events (pg_stat_activity sampled twice a second) and WAL per redemption,
#   (e) after the run: every accepted redemption fulfilled, the simulator issued exactly one card per fulfilled
#       redemption (no card twice), and the ledger invariants of every member the run touched.
# Results go to stdout and bench-results/redeem-<timestamp>.md (raw outputs next to it). See docs/benchmarks.md.
# Builds the jar when it is missing or older than the sources.
# Run from the repository root: scripts/bench-redeem.sh
set -euo pipefail
# /metrics on the API port is operator-only: the server started below inherits this token, curl sends it.
export LOYALTY_OPERATOR_TOKEN="${LOYALTY_OPERATOR_TOKEN:-bench-operator-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export LC_ALL=C

BENCH_MEMBERS=${BENCH_MEMBERS:-100000}
BENCH_DB=${BENCH_DB:-loyalty_redeembench}
BENCH_DURATION=${BENCH_DURATION:-30}         # seconds of (a) and of (b)
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-200}  # wrk connections for the warm-up and (a)
BENCH_RATE=${BENCH_RATE:-1000}               # (b) arrival rate, redemptions per second
BENCH_PORT=${BENCH_PORT:-18095}
BENCH_SIM_PORT=${BENCH_SIM_PORT:-19095}
BENCH_SIM_LATENCY_MS=${BENCH_SIM_LATENCY_MS:-50}
BENCH_WARMUP=${BENCH_WARMUP:-60}             # seconds of closed-loop redemptions before anything is measured
BENCH_COST=${BENCH_COST:-10}                 # points per redemption of the benchmark reward
BENCH_PARTNER=${BENCH_PARTNER:-'"batchSize": 50, "maxConcurrency": 16, "ratePerSecond": 5000'}
BENCH_QUEUE_SAMPLE=${BENCH_QUEUE_SAMPLE:-3}  # seconds between queue-depth samples
BENCH_DRAIN_WAIT=${BENCH_DRAIN_WAIT:-300}    # longest wait for the fulfillment queue to drain, each time
BENCH_OPEN_CONNECTIONS=${BENCH_OPEN_CONNECTIONS:-200}
BENCH_WRK_THREADS=${BENCH_WRK_THREADS:-2}
BENCH_WRK_TIMEOUT=${BENCH_WRK_TIMEOUT:-5s}   # slower responses count as wrk timeout errors
BENCH_PG=${BENCH_PG:-postgresql://postgres@127.0.0.1:5432}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
BENCH_REDIS_PREFIX=${BENCH_REDIS_PREFIX:-bench-redeem}
BENCH_SERVER_JAVA_OPTS=${BENCH_SERVER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}
BENCH_SIM_JAVA_OPTS=${BENCH_SIM_JAVA_OPTS:--Xms384m -Xmx384m -XX:+UseParallelGC}
BENCH_CSV=${BENCH_CSV:-gatling/data/redeem-members.csv}
# Set to reuse an already seeded tenant (its admin key; BENCH_CSV must list its members): skips seeding.
BENCH_ADMIN_KEY=${BENCH_ADMIN_KEY:-}
# Waits (polling every 30 s) up to this many seconds for other benchmarks to end and the load to drop.
BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-1500}
BENCH_QUIET_LOAD=${BENCH_QUIET_LOAD:-2}

JAR=target/loyalty-engine.jar
GENERATOR_CLASS=target/test-classes/org/loyaltyengine/bench/OpenLoopPosts.class
BASE=http://127.0.0.1:$BENCH_PORT
SIM=http://127.0.0.1:$BENCH_SIM_PORT
REWARD=gc-bench
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT=bench-results/redeem-$STAMP.md
RAW=bench-results/redeem-$STAMP
CLK_TCK=$(getconf CLK_TCK)
# Every redemption id of this run starts with this, so ids never repeat across runs and the checks can find
# the redemptions (and members) of the run.
PREFIX=rb-$STAMP

SERVER_PID=
SIM_PID=
QUEUE_PID=
SAMPLER_PIDS=()

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

cleanup() {
  local pid
  for pid in "${SAMPLER_PIDS[@]}" $QUEUE_PID; do kill "$pid" 2>/dev/null || true; done
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    say "stopping server (pid $SERVER_PID)"
    kill "$SERVER_PID"
    for _ in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ -n $SIM_PID ]] && kill -0 "$SIM_PID" 2>/dev/null; then
    say "stopping the partner simulator (pid $SIM_PID)"
    kill "$SIM_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# This script, its subshells and the processes that started it (e.g. timeout) do not count as others.
ancestors() {
  local pid=$$ out=
  while [[ -n $pid && $pid != 0 && $pid != 1 ]]; do
    out+=" $pid"
    pid=$(awk '{ print $4 }' "/proc/$pid/stat" 2>/dev/null || true)
  done
  echo "$out"
}
SELF_PIDS=$(ancestors)

# Other benchmarks on this machine (call it only when this script runs no load of its own).
other_benchmarks() {
  ps -eo pid=,ppid=,args= | awk -v self="$SELF_PIDS" -v me=$$ '
    BEGIN { n = split(self, a, " "); for (i = 1; i <= n; i++) skip[a[i]] = 1 }
    $3 == "ps" || $3 == "awk" { next }
    /wrk |pgbench|OpenLoopLoad|OpenLoopPosts|bench-reads|bench-earn|bench-redeem|bench-rules/ && !($1 in skip) && $2 != me {
      $2 = ""; print }'
}

# Waits until no other benchmark runs and the 1-minute load average is below BENCH_QUIET_LOAD (with any
# argument: only until no other benchmark runs, for when this script's own server already adds to the load).
wait_until_quiet() {
  local waited=0 others load max_load=$BENCH_QUIET_LOAD
  [[ -z ${1:-} ]] || max_load=1000000
  while :; do
    others=$(other_benchmarks)
    load=$(cut -d' ' -f1 /proc/loadavg)
    if [[ -z $others ]] && awk -v l="$load" -v m="$max_load" 'BEGIN { exit !(l < m) }'; then
      return 0
    fi
    (( waited < BENCH_QUIET_WAIT )) || die "the machine is still busy after ${BENCH_QUIET_WAIT}s (load $load; ${others:-no other benchmark})"
    say "waiting for a quiet machine: load $load${others:+; running: $(tr '\n' ';' <<< "$others")}"
    sleep 30
    waited=$((waited + 30))
  done
}


# ---------------------------------------------------------------- measurement helpers

to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 3600000
    printf "%.1f", n * f }'
}

# Sets W_RPS W_REQUESTS W_P50 W_P90 W_P99 W_MAX (ms) W_NON2XX W_SOCKET W_SOCKET_N W_CREATED W_STATUSES.
parse_wrk() {
  local f=$1
  W_RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$f")
  W_REQUESTS=$(awk '/requests in/ { print $1 }' "$f")
  W_P50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$f")")
  W_P90=$(to_ms "$(awk '$1 == "90%" { print $2 }' "$f")")
  W_P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$f")")
  W_MAX=$(to_ms "$(awk '$1 == "Latency" && $2 != "Distribution" { print $4; exit }' "$f")")
  W_NON2XX=$(awk '/Non-2xx or 3xx responses/ { n = $NF } END { print n + 0 }' "$f")
  W_SOCKET=$(awk '/Socket errors/ { gsub(",", ""); s = $4 " connect, " $6 " read, " $8 " write, " $10 " timeout" }
    END { print (s == "" ? "0" : s) }' "$f")
  W_SOCKET_N=$(awk '/Socket errors/ { gsub(",", ""); n = $4 + $6 + $8 + $10 } END { print n + 0 }' "$f")
  W_CREATED=$(awk '$1 == "STATUS" && $2 == 201 { n = $3 } END { print n + 0 }' "$f")
  W_STATUSES=$(awk '$1 == "STATUS" { printf "%s%s: %s", (n++ ? ", " : ""), $2, $3 } END { if (!n) printf "none" }' "$f")
}

proc_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
cache_lookups() {
  curl -s -H "Authorization: Bearer ${LOYALTY_OPERATOR_TOKEN:-}" "$BASE/metrics" | awk '/^loyalty_member_cache_lookups_total[{]/ {
      for (r in want) if (index($0, "result=\"" r "\"")) n[r] = $NF }
    BEGIN { want["hit"]; want["miss"]; want["bypass"] }
    END { printf "%.0f %.0f %.0f\n", n["hit"], n["miss"], n["bypass"] }'
}
circuit_opens() { grep -c 'event=circuit_open' "$RAW/server.log" || true; }

# PostgreSQL backends of the bench database, twice a second: what each active one is waiting for ("CPU" when
# it waits for nothing), plus how many sessions are idle in a transaction.
start_wait_sampler() {
  local phase=$1
  printf '%s\n' "select coalesce(wait_event_type || ':' || wait_event, 'CPU') from pg_stat_activity
    where datname = current_database() and state = 'active' and pid <> pg_backend_pid()
    union all select '--' ;" '\watch 0.5' | psql "$PG_URL" -XAtq > "$RAW/waits-$phase.txt" 2>&1 &
  SAMPLER_PIDS+=($!)
}

# "N samples, A active backends on average: CPU 40%, LWLock:WALWrite 20%, ..." (top 6, share of active samples).
summarize_waits() {
  awk '$0 == "--" { samples++; next } NF { n[$0]++; total++ }
    END {
      if (!samples) { print "no samples"; exit }
      printf "%d samples, %.1f active backends on average:", samples, total / samples
      for (k = 0; k < 6; k++) {
        best = ""; for (w in n) if (best == "" || n[w] > n[best]) best = w
        if (best == "") break
        printf "%s %s %.0f%%", (k ? "," : ""), best, 100 * n[best] / total
        delete n[best]
      }
      print ""
    }' "$RAW/waits-$1.txt"
}

# "wal_bytes wal_fpi checkpoints" so far, cluster-wide (so only meaningful on a quiet machine).
wal_counters() {
  psql "$PG_URL" -XAtF ' ' -c "select w.wal_bytes, w.wal_fpi, b.checkpoints_timed + b.checkpoints_req
    from pg_stat_wal w, pg_stat_bgwriter b"
}

start_samplers() {
  local phase=$1 seconds=$2
  top -b -c -d 2 -n $((seconds / 2 + 5)) -w 512 > "$RAW/top-$phase.txt" &
  SAMPLER_PIDS+=($!)
  jstat -gc "$SERVER_PID" 1000 $((seconds + 10)) > "$RAW/jstat-$phase.txt" &
  SAMPLER_PIDS+=($!)
  start_wait_sampler "$phase"
  read -r PHASE_HITS PHASE_MISSES PHASE_BYPASSES < <(cache_lookups)
  PHASE_OPENS=$(circuit_opens)
  read -r PHASE_WAL_BYTES PHASE_WAL_FPI PHASE_CHECKPOINTS < <(wal_counters)
  PHASE_TICKS=$(proc_cpu_ticks "$SERVER_PID")
  PHASE_START=$(date +%s.%N)
}

# "X KB WAL and Y full-page images per redemption; N checkpoints" for the phase just ended, given its
# redemptions (the fulfillment running meanwhile counts too).
wal_per_redemption() {
  awk -v b="$P_WAL_BYTES" -v f="$P_WAL_FPI" -v c="$P_CHECKPOINTS" -v n="$1" 'BEGIN {
    if (n > 0) printf "%.1f KB WAL and %.1f full-page images per redemption; %d checkpoints", b / n / 1024, f / n, c
    else printf "n/a" }'
}

# Sets P_CPU_S P_CORES P_HEAP_PEAK_MB P_OLD_MB P_GC P_HEAP_METRICS_MB P_SPLIT P_CACHE P_WAITS.
stop_samplers() {
  local phase=$1 gen_pid=${2:-} elapsed pid hits misses bypasses wal_bytes wal_fpi checkpoints
  elapsed=$(awk -v a="$PHASE_START" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  read -r wal_bytes wal_fpi checkpoints < <(wal_counters)
  P_WAL_BYTES=$((wal_bytes - PHASE_WAL_BYTES)); P_WAL_FPI=$((wal_fpi - PHASE_WAL_FPI))
  P_CHECKPOINTS=$((checkpoints - PHASE_CHECKPOINTS))
  read -r hits misses bypasses < <(cache_lookups)
  P_CACHE="$((hits - PHASE_HITS)) hit, $((misses - PHASE_MISSES)) miss, $((bypasses - PHASE_BYPASSES)) bypass;"
  P_CACHE+=" circuits (Redis or partner) opened $(( $(circuit_opens) - PHASE_OPENS )) times"
  P_CPU_S=$(awk -v t="$(( $(proc_cpu_ticks "$SERVER_PID") - PHASE_TICKS ))" -v hz="$CLK_TCK" \
    'BEGIN { printf "%.1f", t / hz }')
  P_CORES=$(awk -v c="$P_CPU_S" -v e="$elapsed" 'BEGIN { printf "%.2f", c / e }')
  for pid in "${SAMPLER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${SAMPLER_PIDS[@]}" 2>/dev/null || true
  SAMPLER_PIDS=()
  P_WAITS=$(summarize_waits "$phase")
  IFS=$'\t' read -r P_HEAP_PEAK_MB P_OLD_MB P_GC < <(awk '
    $1 == "S0C" { for (i = 1; i <= NF; i++) col[$i] = i; next }
    col["S0U"] && $1 ~ /^[0-9]/ {
      used = $col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"]
      if (used > peak) peak = used
      if (!seen) { y0 = $col["YGC"]; f0 = $col["FGC"]; t0 = $col["GCT"]; seen = 1 }
      old = $col["OU"]; y = $col["YGC"]; fg = $col["FGC"]; t = $col["GCT"]
    }
    END { printf "%.0f\t%.0f\t%d young + %d full, %.2f s\n", peak / 1024, old / 1024, y - y0, fg - f0, t - t0 }
  ' "$RAW/jstat-$phase.txt")
  P_HEAP_METRICS_MB=$(curl -s -H "Authorization: Bearer ${LOYALTY_OPERATOR_TOKEN:-}" "$BASE/metrics" | awk '/^jvm_memory_used_bytes[{]area="heap"/ { s += $NF }
    END { printf "%.0f", s / 1048576 }')
  P_SPLIT=$(split_cpu "$RAW/top-$phase.txt" "$gen_pid")
}

# Average %CPU per process group over top's samples (the first sample covers no interval: skipped).
split_cpu() {
  awk -v server="$SERVER_PID" -v sim="$SIM_PID" -v gen="$2" -v cores="$(nproc)" '
    function label(cmd,   i, a) {
      if (cmd != "java") return cmd
      for (i = 13; i <= NF; i++) {
        a = $i
        if (a == "-jar") { a = $(i + 1); sub(/.*\//, "", a); return "java " a }
        if (a == "-cp" || a == "-classpath") { i++; continue }
        if (a !~ /^-/) { sub(/.*\./, "", a); return "java " a }
      }
      return cmd
    }
    /^top -/ { n++; next }
    n >= 2 && /^%Cpu/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^id,?$/) idle += $i * cores }
    n >= 2 && $1 ~ /^[0-9]+$/ && NF >= 12 {
      cmd = $12; sub(/.*\//, "", cmd)
      g = ($1 == server) ? "server" : ($1 == sim) ? "partner-sim" : ($1 == gen) ? "generator" : (cmd == "wrk") ? "wrk" :
          (cmd == "pgbench") ? "pgbench" : (cmd ~ /^postgres/) ? "postgres" : (cmd ~ /^redis/) ? "redis" : "other"
      cpu[g] += $9
      if (g == "other") other[label(cmd)] += $9
    }
    END {
      k = n - 1; if (k < 1) k = 1
      split("server partner-sim wrk generator pgbench postgres redis", order, " ")
      for (i = 1; i <= 7; i++) if (order[i] in cpu) printf "%s %.0f%%, ", order[i], cpu[order[i]] / k
      printf "other %.0f%%", cpu["other"] / k
      for (j = 0; j < 2; j++) {
        best = ""; for (c in other) if (best == "" || other[c] > other[best]) best = c
        if (best != "" && other[best] / k >= 5) printf "%s%s %.0f%%", (j ? ", " : " ("), best, other[best] / k
        else break
        delete other[best]
      }
      printf "%s, idle %.0f%%", (j ? ")" : ""), idle / k
    }' "$1"
}

# ---------------------------------------------------------------- fulfillment queue

# "epoch sql_depth metrics_depth" every BENCH_QUEUE_SAMPLE s until killed: jobs not done (queued or leased;
# the two partial indexes find them) and the server's loyalty_fulfillment_queue_depth gauge (refreshed by the
# worker every 5 s, so it lags).
queue_depth() {
  psql "$PG_URL" -XAtc "select count(*) from fulfillment_jobs where status in ('queued', 'leased')"
}
start_queue_sampler() {
  while :; do
    printf '%s %s %s\n' "$(date +%s)" "$(queue_depth 2>/dev/null || echo NA)" \
      "$(curl -s -H "Authorization: Bearer ${LOYALTY_OPERATOR_TOKEN:-}" "$BASE/metrics" | awk '/^loyalty_fulfillment_queue_depth/ { printf "%.0f", $NF }')"
    sleep "$BENCH_QUEUE_SAMPLE"
  done > "$RAW/queue.txt" &
  QUEUE_PID=$!
}
# "start S, end E, max M (N samples)" of the SQL depth between two epochs.
queue_summary() {
  awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b && $2 != "NA" {
      if (!n++) first = $2
      last = $2; if ($2 > max) max = $2 }
    END { if (!n) print "no samples"; else printf "start %d, end %d, max %d (%d samples)", first, last, max, n }' \
    "$RAW/queue.txt"
}
# Waits until no job is left (or BENCH_DRAIN_WAIT s); sets D_SECONDS ("N s", or "not drained after N s").
drain() {
  local t0 depth now
  t0=$(date +%s.%N)
  while :; do
    depth=$(queue_depth)
    now=$(date +%s.%N)
    if (( depth == 0 )); then
      D_SECONDS=$(awk -v a="$t0" -v b="$now" 'BEGIN { printf "%.1f s", b - a }'); return
    fi
    if awk -v a="$t0" -v b="$now" -v m="$BENCH_DRAIN_WAIT" 'BEGIN { exit !(b - a >= m) }'; then
      D_SECONDS="NOT drained after $BENCH_DRAIN_WAIT s ($depth jobs left)"; return
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------- preparation

[[ -f pom.xml && -d scripts ]] || die "run from the repository root"
for tool in wrk psql curl jstat top; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
(( BENCH_DURATION >= 30 )) || say "warning: BENCH_DURATION=$BENCH_DURATION < 30: not comparable with the targets"

needed_files=$((BENCH_CONNECTIONS + BENCH_OPEN_CONNECTIONS + 1024))
if (( $(ulimit -n) < needed_files )); then
  ulimit -n "$needed_files" 2>/dev/null || die "cannot raise ulimit -n to $needed_files (hard limit $(ulimit -Hn))"
fi

mkdir -p "$RAW" "$(dirname "$BENCH_CSV")"
if [[ ! -f $JAR || ! -f $GENERATOR_CLASS || -n $(find src pom.xml conf -newer "$JAR" -print -quit) ]]; then
  say "building (mvn package, which also compiles the load generator)"
  mvn -q -B -o -DskipTests package
fi

PG_URL=$BENCH_PG/$BENCH_DB
if [[ -z $BENCH_ADMIN_KEY ]]; then
  wait_until_quiet
  say "seeding $BENCH_MEMBERS members x 10 transactions into $BENCH_DB (tops up; cheap when already seeded)"
  LOYALTY_PG_URL=$PG_URL LOYALTY_REDIS_URL=$BENCH_REDIS_URL LOYALTY_REDIS_KEY_PREFIX=$BENCH_REDIS_PREFIX \
    java -jar "$JAR" seed --tenant demo --members "$BENCH_MEMBERS" --transactions-per-member 10 \
    --export "$BENCH_CSV" > "$RAW/seed.txt"
  ADMIN_KEY=$(sed -n 's/^ADMIN_KEY=//p' "$RAW/seed.txt" | tail -n 1)
  [[ -n $ADMIN_KEY ]] || die "the seeder printed no ADMIN_KEY (see $RAW/seed.txt)"
  sed -i 's/^ADMIN_KEY=.*/ADMIN_KEY=(redacted)/' "$RAW/seed.txt"
else
  say "BENCH_ADMIN_KEY set: not seeding, reading members from $BENCH_CSV"
  ADMIN_KEY=$BENCH_ADMIN_KEY
fi
[[ -s $BENCH_CSV ]] || die "$BENCH_CSV is missing or empty"
csv_ids=$(( $(wc -l < "$BENCH_CSV") - 1 ))
read -r tenant_id db_members min_available avg_available < <(psql "$PG_URL" -XAtF ' ' -c "
  select t.id, count(m.id), coalesce(min(b.available), 0), coalesce(round(avg(b.available)), 0)
    from tenants t left join members m on m.tenant_id = t.id left join member_balances b on b.member_id = m.id
   where t.name = 'demo' group by t.id")
(( db_members > 0 )) || die "no members of tenant demo in $BENCH_DB"
# A member picked k times needs k x BENCH_COST points; 422 insufficient_points would be a setup problem.
(( min_available >= 20 * BENCH_COST )) \
  || say "warning: the poorest member has $min_available points, only $((min_available / BENCH_COST)) redemptions"

# ---------------------------------------------------------------- partner simulator and server

wait_until_quiet
say "starting the partner simulator on port $BENCH_SIM_PORT (${BENCH_SIM_LATENCY_MS} ms per call)"
# shellcheck disable=SC2086 # BENCH_SIM_JAVA_OPTS is a list of JVM flags
java $BENCH_SIM_JAVA_OPTS -jar "$JAR" partner-sim --port "$BENCH_SIM_PORT" --latency-ms "$BENCH_SIM_LATENCY_MS" \
  --max-keys 1000000 --max-codes 1000000 > "$RAW/partner-sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 60); do
  grep -q 'listening' "$RAW/partner-sim.log" && break
  kill -0 "$SIM_PID" 2>/dev/null || { cat "$RAW/partner-sim.log" >&2; die "the partner simulator exited"; }
  sleep 0.5
done
grep -q 'listening' "$RAW/partner-sim.log" || die "the partner simulator is not listening after 30 s"

say "starting the server on port $BENCH_PORT"
# shellcheck disable=SC2086 # BENCH_SERVER_JAVA_OPTS is a list of JVM flags
LOYALTY_HTTP_PORT=$BENCH_PORT LOYALTY_PG_URL=$PG_URL LOYALTY_REDIS_URL=$BENCH_REDIS_URL \
  LOYALTY_REDIS_KEY_PREFIX=$BENCH_REDIS_PREFIX LOYALTY_HTTP_ACCESS_LOG=false \
  java $BENCH_SERVER_JAVA_OPTS -jar "$JAR" > "$RAW/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null "$BASE/health/ready" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$RAW/server.log" >&2; die "the server exited"; }
  sleep 0.5
done
curl -sf -o /dev/null "$BASE/health/ready" || die "the server is not ready after 60 s (see $RAW/server.log)"
http_instances=$(sed -n 's/.*httpInstances=\([0-9]*\).*/\1/p' "$RAW/server.log" | head -n 1)
pg_pool=$(awk '/^pg:/ { pg = 1 } pg && /poolSize:/ { print $2; exit }' conf/application.yaml)
pg_pool=${LOYALTY_PG_POOL_SIZE:-$pg_pool}
server_env=$(env | grep '^LOYALTY_' | grep -v '^LOYALTY_OPERATOR_TOKEN=' | sort | tr '\n' ' ' || true)

# Sets A_STATUS and A_BODY.
call() { # METHOD PATH [BODY]
  local out
  out=$(curl -s -w '\n%{http_code}' -X "$1" "$BASE$2" -H "Authorization: Bearer ${CALL_KEY:-$ADMIN_KEY}" \
    -H 'Content-Type: application/json' ${3:+--data-binary "$3"})
  A_STATUS=${out##*$'\n'}; A_BODY=${out%$'\n'*}
}
api() { # METHOD PATH [BODY] -> prints the body; fails unless the status is 2xx
  call "$@"
  [[ $A_STATUS == 2* ]] || die "$1 $2 answered $A_STATUS: $A_BODY"
  printf '%s\n' "$A_BODY"
}

PARTNER="{\"url\": \"$SIM\", $BENCH_PARTNER}"
api PUT /v1/partners/giftco "$PARTNER" > "$RAW/partner-put.json"
REWARD_BODY="{\"name\": \"Benchmark gift card\", \"type\": \"gift_card\", \"costPoints\": $BENCH_COST,
  \"partner\": \"giftco\", \"partnerSku\": \"GC-BENCH\"}"
call POST /v1/rewards "{\"rewardId\": \"$REWARD\", ${REWARD_BODY#\{}"
if [[ $A_STATUS == 409 ]]; then
  api PUT "/v1/rewards/$REWARD" "{\"rewardId\": \"$REWARD\", ${REWARD_BODY#\{}" > /dev/null
elif [[ $A_STATUS != 2* ]]; then
  die "POST /v1/rewards answered $A_STATUS: $A_BODY"
fi
api GET "/v1/rewards/$REWARD" > "$RAW/reward.json"
POS_KEY=$(api POST /v1/api-keys '{"name": "bench-redeem till", "scopes": ["pos"]}' \
  | sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p')
[[ -n $POS_KEY ]] || die "could not create a pos key"

# One redemption by hand: it must be created (201, pending) and fulfilled by the simulator within 10 s.
sleep 1.5 # the settings cache refreshes within LOYALTY_CACHE_TENANT_TTL_MS
smoke_member=$(sed -n 2p "$BENCH_CSV" | cut -d, -f1)
CALL_KEY=$POS_KEY call POST /v1/redemptions \
  "{\"redemptionId\": \"$PREFIX-smoke\", \"memberExternalId\": \"$smoke_member\", \"rewardId\": \"$REWARD\", \"quantity\": 1}"
[[ $A_STATUS == 201 ]] || die "a redemption answered $A_STATUS, not 201: $A_BODY"
printf '%s\n' "$A_BODY" > "$RAW/smoke.json"
smoke_status=
for _ in $(seq 1 20); do
  smoke_status=$(psql "$PG_URL" -XAtc "select status from redemptions
    where tenant_id = '$tenant_id' and redemption_id = '$PREFIX-smoke'")
  [[ $smoke_status == pending ]] || break
  sleep 0.5
done
[[ $smoke_status == fulfilled ]] || die "the smoke redemption is '$smoke_status', not fulfilled, after 10 s"

# ---------------------------------------------------------------- the run

# Sets the W_* figures of a wrk output and W_ERRORS (every non-201 and every socket error).
wrk_phase() { # NAME SECONDS ID_PREFIX [--latency]
  /usr/bin/time -f '%U %S %e' -o "$RAW/wrk-time-$1.txt" \
    wrk -t "$BENCH_WRK_THREADS" -c "$BENCH_CONNECTIONS" -d "${2}s" --timeout "$BENCH_WRK_TIMEOUT" ${4:-} \
    -s scripts/bench-redeem.lua "$BASE" -- "$BENCH_CSV" "$POS_KEY" "$3" "$REWARD" > "$RAW/$1.txt"
  parse_wrk "$RAW/$1.txt"
  W_ERRORS=$(( W_REQUESTS - W_CREATED + W_SOCKET_N ))
}

wait_until_quiet benchmarks-only
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start_queue_sampler

say "warm-up: ${BENCH_WARMUP}s of redemptions, $BENCH_CONNECTIONS connections"
wrk_phase warmup "$BENCH_WARMUP" "$PREFIX-w"
say "warm-up: $W_RPS req/s, statuses $W_STATUSES"
drain; WARM_DRAIN=$D_SECONDS
say "queue after the warm-up drained in $WARM_DRAIN"

say "(a) redemptions, closed loop, $BENCH_CONNECTIONS connections, ${BENCH_DURATION}s"
A_T0=$(date +%s)
start_samplers closed "$BENCH_DURATION"
wrk_phase closed "$BENCH_DURATION" "$PREFIX-c" --latency
stop_samplers closed
A_T1=$(date +%s)
A_RPS=$W_RPS; A_REQUESTS=$W_REQUESTS; A_CREATED=$W_CREATED; A_P50=$W_P50; A_P90=$W_P90; A_P99=$W_P99
A_MAX=$W_MAX; A_SOCKET=$W_SOCKET; A_STATUSES=$W_STATUSES; A_ERRORS=$W_ERRORS
A_CPU_S=$P_CPU_S; A_CORES=$P_CORES; A_HEAP_PEAK=$P_HEAP_PEAK_MB; A_OLD=$P_OLD_MB; A_GC=$P_GC
A_HEAP_METRICS=$P_HEAP_METRICS_MB; A_SPLIT=$P_SPLIT; A_CACHE=$P_CACHE; A_WAITS=$P_WAITS
A_WAL=$(wal_per_redemption "$W_REQUESTS")
A_CPU_US_PER_REQ=$(awk -v c="$A_CPU_S" -v n="$A_REQUESTS" 'BEGIN { printf "%.0f", (n > 0 ? c * 1e6 / n : 0) }')
A_GEN_CPU=$(awk '{ printf "%.1f s (%.2f cores)", $1 + $2, ($1 + $2) / $3 }' "$RAW/wrk-time-closed.txt")
A_QUEUE=$(queue_summary "$A_T0" "$A_T1")
say "(a) $A_RPS req/s, p99 $A_P99 ms, statuses $A_STATUSES; queue $A_QUEUE"
drain; A_DRAIN=$D_SECONDS
A_QUEUE_DRAIN=$(queue_summary "$A_T1" "$(date +%s)")
say "queue after (a) drained in $A_DRAIN"

sleep 2
say "(b) redemptions, open loop at $BENCH_RATE/s, $BENCH_OPEN_CONNECTIONS connections, ${BENCH_DURATION}s (+5s warm-up)"
body="{\"redemptionId\":\"$PREFIX-o-{seq}\",\"memberExternalId\":\"{id}\",\"rewardId\":\"$REWARD\",\"quantity\":1}"
B_T0=$(date +%s)
start_samplers open $((BENCH_DURATION + 10))
java -Xms256m -Xmx256m -XX:+UseParallelGC -cp "target/test-classes:$JAR" org.loyaltyengine.bench.OpenLoopPosts \
  --url "$BASE/v1/redemptions" --body "$body" --ids "$BENCH_CSV" --header "Authorization: Bearer $POS_KEY" \
  --rate "$BENCH_RATE" --duration "$BENCH_DURATION" --warmup 5 \
  --connections "$BENCH_OPEN_CONNECTIONS" --event-loops 1 > "$RAW/open.txt" &
gen_pid=$!
wait "$gen_pid" || die "the open-loop generator failed (see $RAW/open.txt)"
stop_samplers open "$gen_pid"
B_T1=$(date +%s)
result_line=$(grep '^RESULT ' "$RAW/open.txt") || die "the open-loop generator printed no RESULT (see $RAW/open.txt)"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$result_line "; }
us_to_ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
B_RPS=$(field achieved_rps); B_OK_RPS=$(field ok_rps); B_SENT=$(field sent); B_CREATED=$(field created)
B_ERRORS=$(( B_SENT - B_CREATED ))
B_OUTCOMES=$(sed -n 's/.*outcomes {\(.*\)}$/\1/p' "$RAW/open.txt")
B_P50=$(us_to_ms "$(field p50_us)"); B_P90=$(us_to_ms "$(field p90_us)"); B_P99=$(us_to_ms "$(field p99_us)")
B_P999=$(us_to_ms "$(field p999_us)"); B_MAX=$(us_to_ms "$(field max_us)")
B_LAG=$(us_to_ms "$(field lag_p99_us)")
B_CPU_S=$P_CPU_S; B_CORES=$P_CORES; B_HEAP_PEAK=$P_HEAP_PEAK_MB; B_OLD=$P_OLD_MB; B_GC=$P_GC
B_HEAP_METRICS=$P_HEAP_METRICS_MB; B_SPLIT=$P_SPLIT; B_CACHE=$P_CACHE; B_WAITS=$P_WAITS
B_WAL=$(wal_per_redemption "$B_SENT")
B_GEN_CPU=$(awk -v c="$(field cpu_s)" -v d="$BENCH_DURATION" 'BEGIN { printf "%.1f s (%.2f cores)", c, c / d }')
B_QUEUE=$(queue_summary "$B_T0" "$B_T1")
say "(b) $B_RPS req/s, p99 $B_P99 ms, outcomes $B_OUTCOMES; queue $B_QUEUE"
drain; B_DRAIN=$D_SECONDS
B_QUEUE_DRAIN=$(queue_summary "$B_T1" "$(date +%s)")
say "queue after (b) drained in $B_DRAIN"
kill "$QUEUE_PID" 2>/dev/null || true; QUEUE_PID=
rss_peak_mb=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")

# ---------------------------------------------------------------- checks

say "(e) fulfillment, simulator and ledger checks"
RUN="tenant_id = '$tenant_id' and redemption_id >= '$PREFIX-' and redemption_id < '$PREFIX-~'
     and redemption_id like '$PREFIX-%'"
# Redemptions of this run by status; fulfilled ones without exactly one code; codes; distinct codes.
read -r R_ALL R_FULFILLED R_PENDING R_FAILED R_BADCODES R_CODES R_DISTINCT < <(psql "$PG_URL" -XAtF ' ' -c "
  with run as (select status, codes from redemptions where $RUN),
  c as (select x from run, jsonb_array_elements_text(coalesce(run.codes, '[]'::jsonb)) x)
  select (select count(*) from run), (select count(*) from run where status = 'fulfilled'),
         (select count(*) from run where status = 'pending'), (select count(*) from run where status = 'failed'),
         (select count(*) from run where status = 'fulfilled' and jsonb_array_length(codes) <> 1),
         (select count(*) from c), (select count(distinct x) from c)")
JOBS_LEFT=$(queue_depth)
ACCEPTED=$(( 1 + $(awk '$1 == "STATUS" && $2 == 201 { print $3 }' "$RAW/warmup.txt" | head -n 1) + A_CREATED + B_CREATED ))
curl -s "$SIM/stats" > "$RAW/sim-stats.json"
sim_stat() { sed -n "s/.*\"$1\" *: *\([0-9]*\).*/\1/p" "$RAW/sim-stats.json"; }
S_ISSUED=$(sim_stat issued); S_CODES=$(sim_stat codesIssued); S_REQUESTS=$(sim_stat requests)
S_BATCHES=$(sim_stat batches); S_DUP=$(sim_stat duplicateKeyHits); S_REJECTED=$(sim_stat rejected)
S_503=$(sim_stat errors503); S_TIMEOUTS=$(sim_stat timeouts)
# OpenLoopPosts also sends requests while opening its pool and during its warm-up: those are accepted too and
# count in R_ALL but not in ACCEPTED (B_CREATED covers the measured part only).
read -r INV_MEMBERS INV_V1 INV_V2 INV_V3 < <(psql "$PG_URL" -XAtF ' ' -c "
  with touched as (select distinct member_id from redemptions where $RUN),
  ledger as (select e.member_id, sum(e.points) as s from ledger_entries e join touched using (member_id) group by 1),
  lots as (select l.member_id, coalesce(sum(l.remaining) filter (where l.released), 0) as rel,
                  coalesce(sum(l.remaining) filter (where not l.released), 0) as unrel
             from point_lots l join touched using (member_id) group by 1)
  select count(*),
         count(*) filter (where b.available + b.pending <> coalesce(g.s, 0)),
         count(*) filter (where b.pending <> coalesce(o.unrel, 0)),
         count(*) filter (where (b.available >= 0 and b.available <> coalesce(o.rel, 0))
                             or (b.available < 0 and coalesce(o.rel, 0) <> 0))
    from touched t join member_balances b using (member_id)
    left join ledger g using (member_id) left join lots o using (member_id)")

# ---------------------------------------------------------------- report

verdict() { awk "BEGIN { print (($1) ? \"met\" : \"MISSED\") }"; }
heap_peak=$(( A_HEAP_PEAK > B_HEAP_PEAK ? A_HEAP_PEAK : B_HEAP_PEAK ))
a_other=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<< "$A_SPLIT")
b_other=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<< "$B_SPLIT")
violations=$((INV_V1 + INV_V2 + INV_V3))
sim_ok=$(( S_ISSUED == R_FULFILLED && S_CODES == R_CODES && R_CODES == R_DISTINCT && R_BADCODES == 0 ))
drained_ok=$(( JOBS_LEFT == 0 && R_PENDING == 0 && R_FAILED == 0 && R_ALL == R_FULFILLED ))

{
  echo "# Redemption benchmark, $STAMP"
  echo
  echo "- machine: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
    "$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
    "load average before the run $load_before"
  echo "- $(java -version 2>&1 | head -n 1); PostgreSQL $(psql "$PG_URL" -XAtc 'show server_version')" \
    "(shared_buffers $(psql "$PG_URL" -XAtc 'show shared_buffers'), synchronous_commit" \
    "$(psql "$PG_URL" -XAtc 'show synchronous_commit'))"
  echo "- server: \`$BENCH_SERVER_JAVA_OPTS\`, ${http_instances:-?} HTTP verticle instances, PostgreSQL pool" \
    "${pg_pool:-?} per instance; ${server_env:-no LOYALTY_* overrides in the environment}"
  echo "- partner simulator: ${BENCH_SIM_LATENCY_MS} ms per call, \`$BENCH_SIM_JAVA_OPTS\`; partner giftco" \
    "\`$BENCH_PARTNER\`; reward $REWARD: gift_card, $BENCH_COST points, unlimited stock, no member limit"
  echo "- database $BENCH_DB: $db_members members (available points before the run: min $min_available," \
    "avg $avg_available); $csv_ids member ids in $BENCH_CSV; redemption ids \`$PREFIX-*\`"
  echo "- (a)/(b): ${BENCH_DURATION}s each after a ${BENCH_WARMUP}s closed-loop warm-up; wrk -t$BENCH_WRK_THREADS" \
    "-c$BENCH_CONNECTIONS --timeout $BENCH_WRK_TIMEOUT; open loop $BENCH_RATE/s over $BENCH_OPEN_CONNECTIONS" \
    "connections; the queue is drained before (a) and before (b); raw outputs in $RAW/"
  echo
  echo "| Part | Throughput | p50 ms | p90 ms | p99 ms | max ms | Errors (every non-201) |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  echo "| (a) POST /v1/redemptions, closed loop, wrk $BENCH_CONNECTIONS conn | $A_RPS req/s | $A_P50 | $A_P90 |" \
    "$A_P99 | $A_MAX | $A_ERRORS of $A_REQUESTS (statuses $A_STATUSES; socket $A_SOCKET) |"
  echo "| (b) POST /v1/redemptions, open loop at $BENCH_RATE/s | $B_RPS req/s ($B_OK_RPS 2xx/s) | $B_P50 |" \
    "$B_P90 | $B_P99 (p99.9 $B_P999) | $B_MAX | $B_ERRORS of $B_SENT (outcomes $B_OUTCOMES) |"
  echo
  echo "| Fulfillment queue (jobs not done, every ${BENCH_QUEUE_SAMPLE}s) | (a) closed loop | (b) open loop |"
  echo "|---|---|---|"
  echo "| during the phase | $A_QUEUE | $B_QUEUE |"
  echo "| drain after the phase | $A_QUEUE_DRAIN; empty after **$A_DRAIN** | $B_QUEUE_DRAIN; empty after **$B_DRAIN** |"
  echo
  echo "Warm-up: $(awk '/^Requests\/sec:/ { printf "%.0f req/s", $2 }' "$RAW/warmup.txt"); its queue drained in $WARM_DRAIN."
  echo
  echo "| Resources | (a) closed loop | (b) open loop |"
  echo "|---|---|---|"
  echo "| server CPU (HTTP and fulfillment) | $A_CPU_S s ($A_CORES cores; $A_CPU_US_PER_REQ us per redemption) |" \
    "$B_CPU_S s ($B_CORES cores, incl. 5 s warm-up) |"
  echo "| load generator CPU | wrk $A_GEN_CPU | OpenLoopPosts $B_GEN_CPU; send lag p99 $B_LAG ms |"
  echo "| heap used: peak / old gen at end (jstat) | $A_HEAP_PEAK / $A_OLD MB | $B_HEAP_PEAK / $B_OLD MB |"
  echo "| heap used at end (/metrics) | $A_HEAP_METRICS MB | $B_HEAP_METRICS MB |"
  echo "| GC during the phase | $A_GC | $B_GC |"
  echo "| member cache lookups; circuits | $A_CACHE | $B_CACHE |"
  echo "| CPU split, top, % of one core ($(nproc) cores = $(( $(nproc) * 100 ))%) | $A_SPLIT | $B_SPLIT |"
  echo "| PostgreSQL backends (pg_stat_activity, active only) | $A_WAITS | $B_WAITS |"
  echo "| PostgreSQL WAL (cluster-wide, fulfillment included) | $A_WAL | $B_WAL (incl. 5 s warm-up) |"
  echo
  if (( a_other >= 10 || b_other >= 10 )); then
    echo "**Disturbed run:** other processes used ${a_other}% / ${b_other}% of a core during (a) / (b)."
    echo
  fi
  echo "Server peak RSS (VmHWM): $rss_peak_mb MB."
  echo
  echo "Checks after the run: $R_ALL redemptions of this run in the database (201s counted by the load tools:" \
    "$ACCEPTED, plus the open-loop generator's unmeasured warm-up); fulfilled $R_FULFILLED, pending $R_PENDING," \
    "failed $R_FAILED; jobs not done $JOBS_LEFT; fulfilled without exactly one code $R_BADCODES; codes" \
    "$R_CODES, distinct $R_DISTINCT. Partner simulator /stats: issued $S_ISSUED keys, $S_CODES codes," \
    "$S_REQUESTS calls in $S_BATCHES batches, duplicate-key replays $S_DUP, rejected $S_REJECTED, 503s $S_503," \
    "lost responses $S_TIMEOUTS. Ledger invariants of the $INV_MEMBERS members touched: balance <> ledger sum" \
    "**$INV_V1**; pending <> unreleased lots **$INV_V2**; available <> released lots **$INV_V3**."
  echo
  echo "| Target | Measured | |"
  echo "|---|---|---|"
  echo "| (a) >= 1,500 redemptions/s accepted, closed loop | $A_RPS req/s, $A_CREATED created, $A_ERRORS errors |" \
    "$(verdict "$A_RPS >= 1500 && $A_ERRORS == 0") |"
  echo "| (b) $BENCH_RATE/s with p99 <= 50 ms, zero errors | $B_RPS/s, p99 $B_P99 ms, $B_ERRORS errors |" \
    "$(verdict "$B_P99 <= 50 && $B_ERRORS == 0 && $B_RPS >= 0.99 * $BENCH_RATE") |"
  echo "| fulfillment keeps up during (b): queue end <= start + ${BENCH_RATE} (one second of arrivals) |" \
    "$B_QUEUE | $(awk -v q="$B_QUEUE" -v r="$BENCH_RATE" 'BEGIN { n = split(q, w, /[ ,]+/)
      for (i = 1; i < n; i++) { if (w[i] == "start") s = w[i + 1]; if (w[i] == "end") e = w[i + 1] }
      print (e != "" && e <= s + r) ? "met" : "MISSED" }') |"
  echo "| every accepted redemption fulfilled, queue empty | $R_FULFILLED of $R_ALL, $JOBS_LEFT jobs left |" \
    "$(verdict "$drained_ok == 1") |"
  echo "| simulator issued = fulfilled, no code twice | issued $S_ISSUED, fulfilled $R_FULFILLED, codes $R_CODES / $R_DISTINCT distinct / sim $S_CODES |" \
    "$(verdict "$sim_ok == 1") |"
  echo "| ledger invariants: 0 violations | $violations | $(verdict "$violations == 0") |"
  echo "| heap <= 512 MB | peak $heap_peak MB | $(verdict "$heap_peak <= 512") |"
} | tee "$REPORT"
say "written to $REPORT"
