#!/usr/bin/env bash
# Earn-path benchmark: seeds a tenant, starts the server, uploads a 10-rule earning set and two tiers, and in
# one run measures
#   (c) the PostgreSQL ceiling of one earning: pgbench calling loyalty_earn(...) directly (the statement the
#       engine sends), random members, unique transaction ids, for each client count of BENCH_PGBENCH_CLIENTS,
#   (a) POST /v1/transactions, closed loop (wrk, BENCH_CONNECTIONS connections, unique purchases),
#   (b) the same, open loop at BENCH_RATE purchases/s (OpenLoopPosts, latency from the intended send time),
#   (d) server CPU, heap and GC during (a) and (b), how the cores were split between processes, and
#       PostgreSQL wait events (pg_stat_activity sampled twice a second),
#   (e) the ledger invariants of every member the run touched (balance = ledger sum; lots agree).
# Results go to stdout and bench-results/earn-<timestamp>.md (raw outputs next to it). See docs/benchmarks.md.
# Builds the jar when it is missing or older than the sources.
# Run from the repository root: scripts/bench-earn.sh
set -euo pipefail
# /metrics on the API port is operator-only: the server started below inherits this token, curl sends it.
export LOYALTY_OPERATOR_TOKEN="${LOYALTY_OPERATOR_TOKEN:-bench-operator-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export LC_ALL=C

BENCH_MEMBERS=${BENCH_MEMBERS:-500000}
BENCH_DB=${BENCH_DB:-loyalty_earnbench}
BENCH_DURATION=${BENCH_DURATION:-30}         # seconds of (a) and of (b)
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-200}  # wrk connections for the warm-up and (a)
BENCH_RATE=${BENCH_RATE:-2000}               # (b) arrival rate, purchases per second
BENCH_PORT=${BENCH_PORT:-18090}
BENCH_WARMUP=${BENCH_WARMUP:-60}             # seconds of closed-loop purchases before anything is measured
BENCH_PGBENCH_SECONDS=${BENCH_PGBENCH_SECONDS:-15}
BENCH_PGBENCH_CLIENTS=${BENCH_PGBENCH_CLIENTS:-8 16 32 64 200}
BENCH_OPEN_CONNECTIONS=${BENCH_OPEN_CONNECTIONS:-200}
BENCH_WRK_THREADS=${BENCH_WRK_THREADS:-2}
BENCH_WRK_TIMEOUT=${BENCH_WRK_TIMEOUT:-5s}   # slower responses count as wrk timeout errors
BENCH_LINES=${BENCH_LINES:-5}                # basket lines per purchase
BENCH_PG=${BENCH_PG:-postgresql://postgres@127.0.0.1:5432}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
BENCH_REDIS_PREFIX=${BENCH_REDIS_PREFIX:-bench-earn}
BENCH_SERVER_JAVA_OPTS=${BENCH_SERVER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}
BENCH_CSV=${BENCH_CSV:-gatling/data/members.csv}
# Set to reuse an already seeded tenant (its admin key; BENCH_CSV must list its members): skips seeding.
BENCH_ADMIN_KEY=${BENCH_ADMIN_KEY:-}
# Waits (polling every 30 s) up to this many seconds for other benchmarks to end and the load to drop.
BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-1200}
BENCH_QUIET_LOAD=${BENCH_QUIET_LOAD:-1.5}
# 1: record a JFR CPU profile of the server during (a) and summarise it (hot methods, packages).
BENCH_JFR=${BENCH_JFR:-0}
# 1: sample the whole machine with perf (cpu-clock, 250 Hz) during (a) and report where the CPU went, by
# process and binary and by symbol (JIT-compiled Java resolved through jcmd Compiler.perfmap).
BENCH_PERF=${BENCH_PERF:-0}
# When BENCH_RATE is above what (a) achieved, (b') repeats the open loop at this fraction of (a)'s rate
# (0: never), to show the latency at a load this machine sustains.
BENCH_SUSTAINED_FRACTION=${BENCH_SUSTAINED_FRACTION:-0.7}

JAR=target/loyalty-engine.jar
GENERATOR_CLASS=target/test-classes/org/loyaltyengine/bench/OpenLoopPosts.class
BASE=http://127.0.0.1:$BENCH_PORT
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT=bench-results/earn-$STAMP.md
RAW=bench-results/earn-$STAMP
CLK_TCK=$(getconf CLK_TCK)
# Every transaction id of this run starts with this, so ids never repeat across runs and the invariant check
# can find the members the run touched.
PREFIX=eb-$STAMP

SERVER_PID=
SAMPLER_PIDS=()

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

cleanup() {
  local pid
  [[ -z $SERVER_PID ]] || rm -f "/tmp/perf-$SERVER_PID.map"
  for pid in "${SAMPLER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    say "stopping server (pid $SERVER_PID)"
    kill "$SERVER_PID"
    for _ in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
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
    /wrk |pgbench|OpenLoopLoad|OpenLoopPosts|bench-reads|bench-earn/ && !($1 in skip) && $2 != me {
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

# ---------------------------------------------------------------- preparation

[[ -f pom.xml && -d scripts ]] || die "run from the repository root"
for tool in wrk pgbench psql curl jstat top; do
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
  # Seeding 500,000 members takes minutes of both cores: not while someone else measures.
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
read -r tenant_id db_members member_min_id member_max_id < <(psql "$PG_URL" -XAtF ' ' -c "
  select t.id, count(m.id), coalesce(min(m.id), 0), coalesce(max(m.id), 0)
    from tenants t left join members m on m.tenant_id = t.id where t.name = 'demo' group by t.id")
(( db_members > 0 )) || die "no members of tenant demo in $BENCH_DB"
# pgbench picks members by id in [min, max]: only sound when the tenant's ids are contiguous.
(( member_max_id - member_min_id + 1 == db_members )) \
  || die "tenant demo's member ids are not contiguous ($member_min_id..$member_max_id for $db_members members)"
(( csv_ids >= BENCH_MEMBERS )) || say "warning: $BENCH_CSV lists only $csv_ids members (BENCH_MEMBERS=$BENCH_MEMBERS)"

# ---------------------------------------------------------------- server

# Starting (JIT, migrations check) and loading the server costs CPU: not while someone else measures.
wait_until_quiet
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
# The caller's LOYALTY_* overrides (the script sets port, database, Redis and access log itself; no secrets).
server_env=$(env | grep '^LOYALTY_' \
  | grep -Ev '^LOYALTY_(OPERATOR_TOKEN|HTTP_PORT|PG_URL|PG_READ_URL|REDIS_URL|REDIS_KEY_PREFIX|HTTP_ACCESS_LOG)=' \
  | sort | tr '\n' ' ' || true)

# admin: PUT the rule set and tiers; the load uses a pos key, as a till would.
api() { # METHOD PATH [BODY] -> prints the body; fails unless the status is 2xx
  local out status
  out=$(curl -s -w '\n%{http_code}' -X "$1" "$BASE$2" -H "Authorization: Bearer $ADMIN_KEY" \
    -H 'Content-Type: application/json' ${3:+--data-binary "$3"})
  status=${out##*$'\n'}
  [[ $status == 2* ]] || die "$1 $2 answered $status: ${out%$'\n'*}"
  printf '%s\n' "${out%$'\n'*}"
}

# The earning rules and tiers of the benchmark (shared with scripts/capacity.sh).
source scripts/lib/earn-workload.sh
RULES=$EARN_RULES
TIERS=$EARN_TIERS
api PUT /v1/earning-rules "$RULES" > "$RAW/rules-put.json"
api PUT /v1/tiers "$TIERS" > "$RAW/tiers-put.json"
POS_KEY=$(api POST /v1/api-keys '{"name": "bench-earn till", "scopes": ["pos"]}' \
  | sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p')
[[ -n $POS_KEY ]] || die "could not create a pos key"
rules_count=$(api GET /v1/earning-rules | grep -o '"trigger"' | wc -l)
(( rules_count == 10 )) || die "the active rule set has $rules_count rules, not 10"

# One purchase by hand: it must be created (201), and show the rules at work.
sleep 1.5 # the settings cache (rules and tiers versions) refreshes within LOYALTY_CACHE_TENANT_TTL_MS
smoke_member=$(sed -n 2p "$BENCH_CSV" | cut -d, -f1)
smoke=$(curl -s -w '\n%{http_code}' -X POST "$BASE/v1/transactions" -H "Authorization: Bearer $POS_KEY" \
  -H 'Content-Type: application/json' --data-binary "{\"transactionId\": \"$PREFIX-smoke\",
    \"memberExternalId\": \"$smoke_member\", \"occurredAt\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"total\": 15000,
    \"currency\": \"EUR\", \"channel\": \"store\", \"storeId\": \"store-3\",
    \"items\": [{\"sku\": \"SKU-104\", \"category\": \"electronics\", \"quantity\": 1, \"amount\": 10000},
                {\"sku\": \"SKU-300\", \"category\": \"grocery\", \"quantity\": 2, \"amount\": 5000}]}")
[[ ${smoke##*$'\n'} == 201 ]] || die "a purchase answered ${smoke##*$'\n'}, not 201: ${smoke%$'\n'*}"
printf '%s\n' "${smoke%$'\n'*}" > "$RAW/smoke.json"

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

# "X KB WAL and Y full-page images per earning; N checkpoints" for the phase just ended, given its earnings.
wal_per_earning() {
  awk -v b="$P_WAL_BYTES" -v f="$P_WAL_FPI" -v c="$P_CHECKPOINTS" -v n="$1" 'BEGIN {
    if (n > 0) printf "%.1f KB WAL and %.1f full-page images per earning; %d checkpoints", b / n / 1024, f / n, c
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
  P_CACHE+=" Redis circuit opened $(( $(circuit_opens) - PHASE_OPENS )) times"
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
  awk -v server="$SERVER_PID" -v gen="$2" -v cores="$(nproc)" '
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
      g = ($1 == server) ? "server" : ($1 == gen) ? "generator" : (cmd == "wrk") ? "wrk" :
          (cmd == "pgbench") ? "pgbench" : (cmd ~ /^postgres/) ? "postgres" : (cmd ~ /^redis/) ? "redis" : "other"
      cpu[g] += $9
      if (g == "other") other[label(cmd)] += $9
    }
    END {
      k = n - 1; if (k < 1) k = 1
      split("server wrk generator pgbench postgres redis", order, " ")
      for (i = 1; i <= 6; i++) if (order[i] in cpu) printf "%s %.0f%%, ", order[i], cpu[order[i]] / k
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

# The raw SQL of one earning, as the engine sends it for a typical purchase of this run: loyalty_earn with
# a 5-line basket, one lot available at once, one cap counter (the monthly electronics cap; 60% of the
# baskets carry electronics), no budget, the two tiers. Random member, unique transaction id per client.
cat > "$RAW/earn.sql" <<SQL
\set member random($member_min_id, $member_max_id)
\set n :n + 1
\set points random(300, 1500)
select * from loyalty_earn('$tenant_id', :member, 'transaction', '$PREFIX-pgb' || :clients || '-' || :client_id::text || '-' || :n::text,
  '3f2a9c1e5b7d4f60a8c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5', now() - interval '1 hour', 51234, 'EUR',
  'store', 'store-17',
  '[{"sku":"SKU-104","category":"electronics","quantity":1,"amount":8999},{"sku":"SKU-300","category":"grocery","quantity":2,"amount":4598},{"sku":"SKU-511","category":"personal-care","quantity":3,"amount":17997},{"sku":"SKU-722","category":"household","quantity":1,"amount":9640},{"sku":"SKU-845","category":"clothing","quantity":2,"amount":10000}]'::text::jsonb,
  array[:points]::bigint[], array[now() - interval '1 hour']::timestamptz[], null,
  '[{"ruleId":"base","points":512},{"ruleId":"electronics-extra","points":179},{"ruleId":"personal-care","points":25}]'::text::jsonb,
  array['electronics-extra'], array['month:$(date -u +%Y-%m)'], array[179]::bigint[], array[1000000000]::bigint[],
  '{}'::text[], '{}'::bigint[], '{}'::bigint[],
  array['silver', 'gold'], array[2500, 6000]::bigint[], 365);
SQL

# Sets G_TPS G_LAT_MS G_NOTE for one pgbench run with $1 clients.
run_pgbench() {
  local clients=$1 out="$RAW/pgbench-$1.txt" max_conn used free
  read -r max_conn used < <(psql "$PG_URL" -XAtF ' ' -c "select current_setting('max_connections')::int
    - current_setting('superuser_reserved_connections')::int, (select count(*) from pg_stat_activity
    where backend_type = 'client backend')")
  free=$((max_conn - used - 2))
  G_NOTE=
  if (( clients > free )); then
    G_TPS=n/a; G_LAT_MS=n/a
    G_NOTE="not run: only $free of max_connections $((max_conn + 3)) free ($used in use, 3 reserved)"
    return
  fi
  start_samplers "pgbench-$clients" "$BENCH_PGBENCH_SECONDS"
  if pgbench "$PG_URL" -n -M prepared -f "$RAW/earn.sql" -D n=0 -D clients="$clients" -c "$clients" -j 2 \
      -T "$BENCH_PGBENCH_SECONDS" > "$out" 2>&1; then
    G_TPS=$(awk '/^tps = / { printf "%.0f", $3 }' "$out")
    G_LAT_MS=$(awk '/^latency average = / { print $4 }' "$out")
    G_DONE=$(awk '/^number of transactions actually processed:/ { split($NF, a, "/"); print a[1] }' "$out")
  else
    say "pgbench with $clients clients failed (see $out)"
    G_TPS=n/a; G_LAT_MS=n/a; G_NOTE="failed"
  fi
  stop_samplers "pgbench-$clients"
  G_SPLIT=$P_SPLIT; G_WAITS=$P_WAITS; G_WAL=$(wal_per_earning "${G_DONE:-0}")
}

# Hot methods (self) and packages (inclusive: a sample counts once for every package on its stack) of a JFR
# recording's execution samples, top 15 each, as markdown lines.
summarize_jfr() {
  jfr print --events jdk.ExecutionSample --stack-depth 64 "$1" > "${1%.jfr}-samples.txt"
  awk '
    /jdk.ExecutionSample/ { in_event = 1; depth = 0; delete seen; next }
    in_event && /stackTrace = \[/ { in_stack = 1; next }
    in_stack && /^[[:space:]]*\]/ { in_stack = 0; in_event = 0; samples++; next }
    in_stack && /line:/ {
      frame = $1; sub(/\(.*/, "", frame)
      if (depth++ == 0) self[frame]++
      pkg = frame; sub(/\.[^.]*\.[^.]*$/, "", pkg)
      if (!(pkg in seen)) { seen[pkg] = 1; incl[pkg]++ }
    }
    function top(arr, title,   k, best, w) {
      printf "%s:", title
      for (k = 0; k < 15; k++) {
        best = ""; for (w in arr) if (best == "" || arr[w] > arr[best]) best = w
        if (best == "") break
        printf "%s %s %.1f%%", (k ? "," : ""), best, 100 * arr[best] / samples
        delete arr[best]
      }
      print ""
    }
    END {
      if (!samples) { print "no samples"; exit }
      printf "%d execution samples.\n\n", samples
      top(self, "- hottest methods (self)")
      top(incl, "- packages (inclusive)")
    }' "${1%.jfr}-samples.txt"
}

# Where the machine's CPU went during a perf recording: by process and binary, and the hottest symbols, as
# markdown lines (top 12 each; the server's JIT-compiled code shows as java methods when a perf map exists).
summarize_perf() {
  perf report -i "$1" --stdio -t '|' --sort comm,dso 2>/dev/null > "${1%.data}-dso.txt"
  perf report -i "$1" --stdio -t '|' --sort comm,sym 2>/dev/null > "${1%.data}-sym.txt"
  echo
  echo "- by process and binary:" \
    "$(awk -F'|' '$1 ~ /^ *[0-9.]+% *$/ && n < 12 { n++; for (i = 1; i <= 3; i++) gsub(/^ +| +$/, "", $i)
        printf "%s%s %s %s", (n > 1 ? ", " : ""), $2, $3, $1 }' "${1%.data}-dso.txt")"
  echo "- hottest symbols:" \
    "$(awk -F'|' '$1 ~ /^ *[0-9.]+% *$/ && n < 12 { n++; for (i = 1; i <= 3; i++) gsub(/^ +| +$/, "", $i)
        sub(/^\[.\] /, "", $3)
        printf "%s%s %s %s", (n > 1 ? ", " : ""), $2, $3, $1 }' "${1%.data}-sym.txt")"
}

# ---------------------------------------------------------------- the run

wait_until_quiet benchmarks-only
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

say "warm-up: ${BENCH_WARMUP}s of purchases, $BENCH_CONNECTIONS connections"
wrk -t "$BENCH_WRK_THREADS" -c "$BENCH_CONNECTIONS" -d "${BENCH_WARMUP}s" --timeout "$BENCH_WRK_TIMEOUT" \
  -s scripts/bench-earn.lua "$BASE" -- "$BENCH_CSV" "$POS_KEY" "$PREFIX-w" "$BENCH_LINES" > "$RAW/warmup.txt"
parse_wrk "$RAW/warmup.txt"
say "warm-up: $W_RPS req/s, statuses $W_STATUSES"

say "(c) pgbench calling loyalty_earn directly, clients: $BENCH_PGBENCH_CLIENTS, ${BENCH_PGBENCH_SECONDS}s each"
PGB_ROWS=()
PG_BEST_TPS=0; PG_BEST_CLIENTS=
for clients in $BENCH_PGBENCH_CLIENTS; do
  G_SPLIT=; G_WAITS=; G_WAL=; G_DONE=
  run_pgbench "$clients"
  PGB_ROWS+=("$clients|$G_TPS|$G_LAT_MS|$G_NOTE|$G_SPLIT|$G_WAITS|$G_WAL")
  if [[ $G_TPS != n/a ]] && (( G_TPS > PG_BEST_TPS )); then PG_BEST_TPS=$G_TPS; PG_BEST_CLIENTS=$clients; fi
  sleep 2
done

sleep 2
say "(a) purchases, closed loop, $BENCH_CONNECTIONS connections, ${BENCH_DURATION}s"
start_samplers closed "$BENCH_DURATION"
if [[ $BENCH_PERF == 1 ]]; then
  perf record -a -e cpu-clock -F 250 -o "$RAW/closed.perf.data" -- sleep "$BENCH_DURATION" \
    > "$RAW/perf-record.txt" 2>&1 &
  SAMPLER_PIDS+=($!)
fi
if [[ $BENCH_JFR == 1 ]]; then
  jcmd "$SERVER_PID" JFR.start name=earn settings=profile duration="${BENCH_DURATION}s" \
    filename="$PWD/$RAW/closed.jfr" > "$RAW/jfr-start.txt"
fi
/usr/bin/time -f '%U %S %e' -o "$RAW/wrk-time.txt" \
  wrk -t "$BENCH_WRK_THREADS" -c "$BENCH_CONNECTIONS" -d "${BENCH_DURATION}s" --timeout "$BENCH_WRK_TIMEOUT" \
  --latency -s scripts/bench-earn.lua "$BASE" -- "$BENCH_CSV" "$POS_KEY" "$PREFIX-c" "$BENCH_LINES" \
  > "$RAW/closed.txt"
stop_samplers closed
parse_wrk "$RAW/closed.txt"
A_RPS=$W_RPS; A_REQUESTS=$W_REQUESTS; A_P50=$W_P50; A_P90=$W_P90; A_P99=$W_P99; A_MAX=$W_MAX
A_SOCKET=$W_SOCKET; A_STATUSES=$W_STATUSES
A_ERRORS=$(( W_REQUESTS - W_CREATED + W_SOCKET_N ))
A_CPU_S=$P_CPU_S; A_CORES=$P_CORES; A_HEAP_PEAK=$P_HEAP_PEAK_MB; A_OLD=$P_OLD_MB; A_GC=$P_GC
A_HEAP_METRICS=$P_HEAP_METRICS_MB; A_SPLIT=$P_SPLIT; A_CACHE=$P_CACHE; A_WAITS=$P_WAITS
A_WAL=$(wal_per_earning "$W_REQUESTS")
A_PERF=
if [[ $BENCH_PERF == 1 ]]; then
  for _ in $(seq 1 20); do grep -q 'perf record: Captured' "$RAW/perf-record.txt" 2>/dev/null && break; sleep 0.5; done
  jcmd "$SERVER_PID" Compiler.perfmap > /dev/null 2>&1 || true
  A_PERF=$(summarize_perf "$RAW/closed.perf.data" 2>&1 || true)
fi
A_JFR=
if [[ $BENCH_JFR == 1 ]]; then
  for _ in $(seq 1 20); do [[ -s $RAW/closed.jfr ]] && break; sleep 0.5; done
  A_JFR=$(summarize_jfr "$RAW/closed.jfr" 2>&1 || true)
fi
A_CPU_US_PER_REQ=$(awk -v c="$A_CPU_S" -v n="$A_REQUESTS" 'BEGIN { printf "%.0f", (n > 0 ? c * 1e6 / n : 0) }')
A_GEN_CPU=$(awk '{ printf "%.1f s (%.2f cores)", $1 + $2, ($1 + $2) / $3 }' "$RAW/wrk-time.txt")

sleep 2
# Runs OpenLoopPosts at RATE purchases/s as phase PHASE (transaction ids $PREFIX-PHASE-<seq>); sets O_*.
run_open() {
  local phase=$1 rate=$2 body gen_pid result_line
  body="{\"transactionId\":\"$PREFIX-$phase-{seq}\",\"memberExternalId\":\"{id}\",\"occurredAt\":\"{occurredAt}\","
  body+="\"total\":{total},\"currency\":\"EUR\",{channel},\"items\":{items}}"
  start_samplers "$phase" $((BENCH_DURATION + 10))
  # C1 only: a fresh generator JVM otherwise spends about half its CPU (a fifth of a core here) in C2.
  java -Xms256m -Xmx256m -XX:+UseParallelGC -XX:TieredStopAtLevel=1 -cp "target/test-classes:$JAR" \
    org.loyaltyengine.bench.OpenLoopPosts \
    --url "$BASE/v1/transactions" --body "$body" --ids "$BENCH_CSV" --header "Authorization: Bearer $POS_KEY" \
    --lines "$BENCH_LINES" --rate "$rate" --duration "$BENCH_DURATION" --warmup 5 \
    --connections "$BENCH_OPEN_CONNECTIONS" --event-loops 1 > "$RAW/$phase.txt" &
  gen_pid=$!
  wait "$gen_pid" || die "the open-loop generator failed (see $RAW/$phase.txt)"
  stop_samplers "$phase" "$gen_pid"
  result_line=$(grep '^RESULT ' "$RAW/$phase.txt") \
    || die "the open-loop generator printed no RESULT (see $RAW/$phase.txt)"
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$result_line "; }
  us_to_ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
  O_RATE=$rate
  O_RPS=$(field achieved_rps); O_OK_RPS=$(field ok_rps); O_SENT=$(field sent); O_CREATED=$(field created)
  O_ERRORS=$(( O_SENT - O_CREATED ))
  O_OUTCOMES=$(sed -n 's/.*outcomes {\(.*\)}$/\1/p' "$RAW/$phase.txt")
  O_P50=$(us_to_ms "$(field p50_us)"); O_P90=$(us_to_ms "$(field p90_us)"); O_P99=$(us_to_ms "$(field p99_us)")
  O_P999=$(us_to_ms "$(field p999_us)"); O_MAX=$(us_to_ms "$(field max_us)")
  O_LAG=$(us_to_ms "$(field lag_p99_us)")
  O_CPU_S=$P_CPU_S; O_CORES=$P_CORES; O_HEAP_PEAK=$P_HEAP_PEAK_MB; O_OLD=$P_OLD_MB; O_GC=$P_GC
  O_HEAP_METRICS=$P_HEAP_METRICS_MB; O_SPLIT=$P_SPLIT; O_CACHE=$P_CACHE; O_WAITS=$P_WAITS
  O_WAL=$(wal_per_earning "$O_SENT")
  O_GEN_CPU=$(awk -v c="$(field cpu_s)" -v d="$BENCH_DURATION" 'BEGIN { printf "%.1f s (%.2f cores)", c, c / d }')
  O_ROW="$O_RPS req/s ($O_OK_RPS 2xx/s) | $O_P50 | $O_P90 | $O_P99 (p99.9 $O_P999) | $O_MAX | $O_ERRORS of $O_SENT (outcomes $O_OUTCOMES)"
  O_RES=("$O_CPU_S s ($O_CORES cores, incl. 5 s warm-up)" "OpenLoopPosts $O_GEN_CPU; send lag p99 $O_LAG ms"
    "$O_HEAP_PEAK / $O_OLD MB" "$O_HEAP_METRICS MB" "$O_GC" "$O_CACHE" "$O_SPLIT" "$O_WAITS" "$O_WAL (incl. 5 s warm-up)")
}

say "(b) purchases, open loop at $BENCH_RATE/s, $BENCH_OPEN_CONNECTIONS connections, ${BENCH_DURATION}s (+5s warm-up)"
run_open o "$BENCH_RATE"
B_RPS=$O_RPS; B_SENT=$O_SENT; B_ERRORS=$O_ERRORS; B_P99=$O_P99; B_HEAP_PEAK=$O_HEAP_PEAK; B_OTHER_SPLIT=$O_SPLIT
B_ROW=$O_ROW; B_RES=("${O_RES[@]}")

# (b') the same at a rate the closed loop showed this machine can sustain, when (b) asks for more.
S_RATE=$(awk -v r="$A_RPS" -v f="$BENCH_SUSTAINED_FRACTION" 'BEGIN { printf "%d", r * f }')
S_ROW=; S_RES=()
if (( S_RATE > 0 && S_RATE < BENCH_RATE )); then
  sleep 2
  say "(b') purchases, open loop at $S_RATE/s ($BENCH_SUSTAINED_FRACTION x (a)), ${BENCH_DURATION}s (+5s warm-up)"
  run_open s "$S_RATE"
  S_ROW=$O_ROW; S_RES=("${O_RES[@]}"); S_HEAP_PEAK=$O_HEAP_PEAK
fi
rss_peak_mb=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")

# ---------------------------------------------------------------- invariants

say "(e) ledger invariants of every member this run touched"
# Members with a transaction of this run (API and pgbench alike). Ids all start with the run's prefix; the
# range lets the unique index find them, the LIKE keeps the match exact.
read -r INV_TX INV_MEMBERS INV_V1 INV_V2 INV_V3 < <(psql "$PG_URL" -XAtF ' ' -c "
  with run as (
    select member_id from transactions
     where tenant_id = '$tenant_id' and transaction_id >= '$PREFIX-' and transaction_id < '$PREFIX-~'
       and transaction_id like '$PREFIX-%'),
  touched as (select distinct member_id from run),
  ledger as (select e.member_id, sum(e.points) as s from ledger_entries e join touched using (member_id) group by 1),
  lots as (select l.member_id, coalesce(sum(l.remaining) filter (where l.released), 0) as rel,
                  coalesce(sum(l.remaining) filter (where not l.released), 0) as unrel
             from point_lots l join touched using (member_id) group by 1)
  select (select count(*) from run), count(*),
         count(*) filter (where b.available + b.pending <> coalesce(g.s, 0)),
         count(*) filter (where b.pending <> coalesce(o.unrel, 0)),
         count(*) filter (where (b.available >= 0 and b.available <> coalesce(o.rel, 0))
                             or (b.available < 0 and coalesce(o.rel, 0) <> 0))
    from touched t join member_balances b using (member_id)
    left join ledger g using (member_id) left join lots o using (member_id)")

# ---------------------------------------------------------------- report

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a + 0 == a) printf "%.2f", a / b; else print "n/a" }'; }
verdict() { awk "BEGIN { print (($1) ? \"met\" : \"MISSED\") }"; }
A_VS_PG=$(ratio "$A_RPS" "$PG_BEST_TPS")
pg200=n/a
for row in "${PGB_ROWS[@]}"; do [[ ${row%%|*} == 200 ]] && pg200=$(cut -d'|' -f2 <<< "$row"); done
A_VS_PG200=$(ratio "$A_RPS" "$pg200")
heap_peak=$(( A_HEAP_PEAK > B_HEAP_PEAK ? A_HEAP_PEAK : B_HEAP_PEAK ))
heap_peak=$(( heap_peak > ${S_HEAP_PEAK:-0} ? heap_peak : ${S_HEAP_PEAK:-0} ))
a_other=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<< "$A_SPLIT")
b_other=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<< "$B_OTHER_SPLIT")
violations=$((INV_V1 + INV_V2 + INV_V3))

{
  echo "# Earn benchmark, $STAMP"
  echo
  echo "- machine: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
    "$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
    "load average before the run $load_before"
  echo "- $(java -version 2>&1 | head -n 1); PostgreSQL $(psql "$PG_URL" -XAtc 'show server_version')" \
    "(max_connections $(psql "$PG_URL" -XAtc 'show max_connections'), shared_buffers" \
    "$(psql "$PG_URL" -XAtc 'show shared_buffers'), synchronous_commit $(psql "$PG_URL" -XAtc 'show synchronous_commit'));" \
    "Redis $(redis-cli -u "$BENCH_REDIS_URL" info server 2>/dev/null | sed -n 's/^redis_version:\([^[:space:]]*\).*/\1/p')"
  echo "- server: \`$BENCH_SERVER_JAVA_OPTS\`, ${http_instances:-?} HTTP verticle instances, PostgreSQL pool" \
    "${pg_pool:-?} per instance; ${server_env:-no LOYALTY_* overrides in the environment}"
  echo "- database $BENCH_DB: $db_members members; $csv_ids member ids in $BENCH_CSV; 10 earning rules" \
    "(2 capped, no budget), tiers silver/gold; $BENCH_LINES-line baskets; transaction ids \`$PREFIX-*\`"
  echo "- (a)/(b): ${BENCH_DURATION}s each after a ${BENCH_WARMUP}s warm-up; wrk -t$BENCH_WRK_THREADS" \
    "-c$BENCH_CONNECTIONS --timeout $BENCH_WRK_TIMEOUT; open loop $BENCH_RATE/s over $BENCH_OPEN_CONNECTIONS" \
    "connections; pgbench ${BENCH_PGBENCH_SECONDS}s per client count; raw outputs in $RAW/"
  echo
  echo "| Part | Throughput | p50 ms | p90 ms | p99 ms | max ms | Errors (every non-201) |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  for row in "${PGB_ROWS[@]}"; do
    IFS='|' read -r c tps lat note _ _ _ <<< "$row"
    echo "| (c) pgbench loyalty_earn, $c clients | ${tps}${tps:+ tps} | avg $lat | | | | ${note} |"
  done
  echo "| (a) POST /v1/transactions, closed loop, wrk $BENCH_CONNECTIONS conn | $A_RPS req/s | $A_P50 | $A_P90 |" \
    "$A_P99 | $A_MAX | $A_ERRORS of $A_REQUESTS (statuses $A_STATUSES; socket $A_SOCKET) |"
  echo "| (b) POST /v1/transactions, open loop at $BENCH_RATE/s | $B_ROW |"
  [[ -z $S_ROW ]] || echo "| (b') POST /v1/transactions, open loop at $S_RATE/s | $S_ROW |"
  echo
  s_head=; s_sep=
  [[ -z $S_ROW ]] || { s_head=" (b') open loop at $S_RATE/s |"; s_sep="---|"; }
  echo "| Resources | (a) closed loop | (b) open loop at $BENCH_RATE/s |$s_head"
  echo "|---|---|---|$s_sep"
  a_res=("$A_CPU_S s ($A_CORES cores; $A_CPU_US_PER_REQ us per purchase)" "wrk $A_GEN_CPU"
    "$A_HEAP_PEAK / $A_OLD MB" "$A_HEAP_METRICS MB" "$A_GC" "$A_CACHE" "$A_SPLIT" "$A_WAITS" "$A_WAL")
  labels=("server CPU" "load generator CPU" "heap used: peak / old gen at end (jstat)" "heap used at end (/metrics)"
    "GC during the phase" "member cache lookups (one per purchase)"
    "CPU split, top, % of one core ($(nproc) cores = $(( $(nproc) * 100 ))%)"
    "PostgreSQL backends (pg_stat_activity, active only)" "PostgreSQL WAL (cluster-wide)")
  for i in "${!labels[@]}"; do
    echo "| ${labels[$i]} | ${a_res[$i]} | ${B_RES[$i]} |${S_ROW:+ ${S_RES[$i]} |}"
  done
  echo
  echo "| pgbench clients | CPU split | PostgreSQL backends | WAL |"
  echo "|---|---|---|---|"
  for row in "${PGB_ROWS[@]}"; do
    IFS='|' read -r c _ _ note split waits wal <<< "$row"
    [[ -z $split ]] || echo "| $c | $split | $waits | $wal |"
  done
  echo
  if (( a_other >= 10 || b_other >= 10 )); then
    echo "**Disturbed run:** other processes used ${a_other}% / ${b_other}% of a core during (a) / (b)."
  fi
  if [[ -n $A_PERF ]]; then
    echo "perf, whole machine during (a):$A_PERF"
    echo
  fi
  if [[ -n $A_JFR ]]; then
    echo "JFR CPU profile of the server during (a): $A_JFR"
    echo
  fi
  echo "Server peak RSS (VmHWM): $rss_peak_mb MB."
  echo "Ratios: (a) / best pgbench (${PG_BEST_CLIENTS:-?} clients, $PG_BEST_TPS tps) = **$A_VS_PG**;" \
    "(a) / pgbench at 200 clients = **$A_VS_PG200**."
  echo "Invariants after the run: $INV_TX purchases of this run on $INV_MEMBERS members;" \
    "balance <> ledger sum: **$INV_V1**; pending <> unreleased lots: **$INV_V2**; available <> released lots: **$INV_V3**."
  echo
  echo "| Target | Measured | |"
  echo "|---|---|---|"
  echo "| (a) >= 3,000 purchases/s | $A_RPS | $(verdict "$A_RPS >= 3000") |"
  echo "| (a) p99 <= 150 ms | $A_P99 | $(verdict "$A_P99 <= 150") |"
  echo "| (a) zero errors | $A_ERRORS | $(verdict "$A_ERRORS == 0") |"
  echo "| (b) $BENCH_RATE/s with p99 <= 50 ms, zero errors | $B_RPS/s, p99 $B_P99 ms, $B_ERRORS errors |" \
    "$(verdict "$B_P99 <= 50 && $B_ERRORS == 0 && $B_RPS >= 0.99 * $BENCH_RATE") |"
  if [[ $A_VS_PG == n/a ]]; then
    echo "| (a) >= 0.6 x pgbench loyalty_earn | n/a (pgbench failed) | not measured |"
  else
    echo "| (a) >= 0.6 x best pgbench loyalty_earn | $A_VS_PG | $(verdict "$A_VS_PG >= 0.6") |"
  fi
  echo "| invariants: 0 violations | $violations | $(verdict "$violations == 0") |"
  echo "| heap <= 512 MB | peak $heap_peak MB | $(verdict "$heap_peak <= 512") |"
} | tee "$REPORT"
say "written to $REPORT"
