#!/usr/bin/env bash
# Read-path benchmark: seeds a tenant, starts the server, and in one run measures
#   (a) the PostgreSQL primary-key SELECT ceiling (pgbench, 8 and 64 clients),
#   (b) the HTTP ceiling (wrk on GET /health/live),
#   (c) the three member reads, closed loop (wrk, BENCH_CONNECTIONS connections),
#   (d) the same mix, open loop at BENCH_RATE req/s (OpenLoopLoad, latency from the intended send time),
#   (e) server CPU, heap and GC during (c) and (d), and how the cores were split between processes.
# Results go to stdout and bench-results/reads-<timestamp>.md (raw outputs next to it). See docs/benchmarks.md.
# Builds the jar when it is missing or older than the sources.
# Run from the repository root: scripts/bench-reads.sh
set -euo pipefail
# /metrics on the API port is operator-only: the server started below inherits this token, curl sends it.
export LOYALTY_OPERATOR_TOKEN="${LOYALTY_OPERATOR_TOKEN:-bench-operator-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export LC_ALL=C

BENCH_MEMBERS=${BENCH_MEMBERS:-500000}
BENCH_DB=${BENCH_DB:-loyalty_bench}
BENCH_DURATION=${BENCH_DURATION:-30}         # seconds of (c) and of (d); (b) runs half as long
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-1500} # wrk connections for the warm-up, (b) and (c)
BENCH_RATE=${BENCH_RATE:-6000}               # (d) arrival rate, req/s
BENCH_PORT=${BENCH_PORT:-18080}
BENCH_WARMUP=${BENCH_WARMUP:-60}             # seconds of the read mix before anything is measured: C2 needs ~40 s on 2 cores, and the cache fills as in a running system
BENCH_PGBENCH_SECONDS=${BENCH_PGBENCH_SECONDS:-15}
BENCH_OPEN_CONNECTIONS=${BENCH_OPEN_CONNECTIONS:-256}
BENCH_WRK_THREADS=${BENCH_WRK_THREADS:-2}
BENCH_WRK_TIMEOUT=${BENCH_WRK_TIMEOUT:-5s}   # slower responses count as wrk timeout errors
BENCH_PG=${BENCH_PG:-postgresql://postgres@127.0.0.1:5432}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
BENCH_REDIS_PREFIX=${BENCH_REDIS_PREFIX:-bench-reads}
BENCH_SERVER_JAVA_OPTS=${BENCH_SERVER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}
BENCH_CSV=${BENCH_CSV:-gatling/data/members.csv}
# Set to reuse an already seeded tenant (its admin key; BENCH_CSV must list its members): skips seeding.
BENCH_ADMIN_KEY=${BENCH_ADMIN_KEY:-}

JAR=target/loyalty-engine.jar
GENERATOR_CLASS=target/test-classes/org/loyaltyengine/bench/OpenLoopLoad.class
BASE=http://127.0.0.1:$BENCH_PORT
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT=bench-results/reads-$STAMP.md
RAW=bench-results/reads-$STAMP
CLK_TCK=$(getconf CLK_TCK)

SERVER_PID=
SAMPLER_PIDS=()

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

cleanup() {
  local pid
  for pid in "${SAMPLER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    say "stopping server (pid $SERVER_PID)"
    kill "$SERVER_PID"
    for _ in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- preparation

[[ -f pom.xml && -d scripts ]] || die "run from the repository root"
for tool in wrk pgbench psql curl jstat top /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
(( BENCH_DURATION >= 30 )) || say "warning: BENCH_DURATION=$BENCH_DURATION < 30: not comparable with the targets"

# wrk holds BENCH_CONNECTIONS sockets and the server as many again (it inherits this limit).
needed_files=$((BENCH_CONNECTIONS + 1024))
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
  say "seeding $BENCH_MEMBERS members x 10 transactions into $BENCH_DB (tops up; cheap when already seeded)"
  LOYALTY_PG_URL=$PG_URL LOYALTY_REDIS_URL=$BENCH_REDIS_URL LOYALTY_REDIS_KEY_PREFIX=$BENCH_REDIS_PREFIX \
    java -jar "$JAR" seed --tenant demo --members "$BENCH_MEMBERS" --transactions-per-member 10 \
    --export "$BENCH_CSV" > "$RAW/seed.txt" \
    || die "seeding failed; if the schema changed incompatibly (a migration failing validation), drop $BENCH_DB
       (dropdb -h 127.0.0.1 -U postgres $BENCH_DB) and run again"
  ADMIN_KEY=$(sed -n 's/^ADMIN_KEY=//p' "$RAW/seed.txt" | tail -n 1)
  [[ -n $ADMIN_KEY ]] || die "the seeder printed no ADMIN_KEY (see $RAW/seed.txt)"
  # The key is a secret: keep it out of the results.
  sed -i 's/^ADMIN_KEY=.*/ADMIN_KEY=(redacted)/' "$RAW/seed.txt"
else
  say "BENCH_ADMIN_KEY set: not seeding, reading members from $BENCH_CSV"
  ADMIN_KEY=$BENCH_ADMIN_KEY
fi
[[ -s $BENCH_CSV ]] || die "$BENCH_CSV is missing or empty"
csv_ids=$(( $(wc -l < "$BENCH_CSV") - 1 ))
read -r db_members member_min_id member_max_id < <(psql "$PG_URL" -XAtF ' ' \
  -c "select count(*), coalesce(min(id), 0), coalesce(max(id), 0) from members")
(( db_members > 0 )) || die "no members in $BENCH_DB"
(( csv_ids >= BENCH_MEMBERS )) || say "warning: $BENCH_CSV lists only $csv_ids members (BENCH_MEMBERS=$BENCH_MEMBERS)"

# ---------------------------------------------------------------- server

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
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_KEY" \
  "$BASE/v1/members/$(sed -n 2p "$BENCH_CSV" | cut -d, -f1)/status")
[[ $status == 200 ]] || die "a member read with the admin key answered $status, not 200"

# ---------------------------------------------------------------- measurement helpers

# wrk prints durations as 812.00us, 12.34ms, 1.20s, 2.00m: converts one to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 3600000
    printf "%.1f", n * f }'
}

# Sets W_RPS W_REQUESTS W_P50 W_P90 W_P99 W_MAX (ms) W_NON2XX W_SOCKET from a wrk --latency output.
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
}

proc_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# "hit miss bypass": the server's member cache lookups so far (bypass: Redis failed or its circuit was open).
cache_lookups() {
  curl -s -H "Authorization: Bearer ${LOYALTY_OPERATOR_TOKEN:-}" "$BASE/metrics" | awk '/^loyalty_member_cache_lookups_total[{]/ {
      for (r in want) if (index($0, "result=\"" r "\"")) n[r] = $NF }
    BEGIN { want["hit"]; want["miss"]; want["bypass"] }
    END { printf "%.0f %.0f %.0f\n", n["hit"], n["miss"], n["bypass"] }'
}
circuit_opens() { grep -c 'event=circuit_open' "$RAW/server.log" || true; }

# Background samplers for one phase: per-process CPU (top) and the server's heap and GC (jstat).
start_samplers() {
  local phase=$1 seconds=$2
  top -b -c -d 2 -n $((seconds / 2 + 5)) -w 512 > "$RAW/top-$phase.txt" &
  SAMPLER_PIDS+=($!)
  jstat -gc "$SERVER_PID" 1000 $((seconds + 10)) > "$RAW/jstat-$phase.txt" &
  SAMPLER_PIDS+=($!)
  read -r PHASE_HITS PHASE_MISSES PHASE_BYPASSES < <(cache_lookups)
  PHASE_OPENS=$(circuit_opens)
  PHASE_TICKS=$(proc_cpu_ticks "$SERVER_PID")
  PHASE_START=$(date +%s.%N)
}

# Sets P_CPU_S P_CORES P_HEAP_PEAK_MB P_OLD_MB P_GC P_HEAP_METRICS_MB P_SPLIT P_CACHE for the phase just ended.
stop_samplers() {
  local phase=$1 gen_pid=${2:-} elapsed pid hits misses bypasses
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited during the $phase phase (see $RAW/server.log)"
  elapsed=$(awk -v a="$PHASE_START" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  read -r hits misses bypasses < <(cache_lookups)
  P_CACHE="$((hits - PHASE_HITS)) hit, $((misses - PHASE_MISSES)) miss, $((bypasses - PHASE_BYPASSES)) bypass;"
  P_CACHE+=" Redis circuit opened $(( $(circuit_opens) - PHASE_OPENS )) times"
  P_CPU_S=$(awk -v t="$(( $(proc_cpu_ticks "$SERVER_PID") - PHASE_TICKS ))" -v hz="$CLK_TCK" \
    'BEGIN { printf "%.1f", t / hz }')
  P_CORES=$(awk -v c="$P_CPU_S" -v e="$elapsed" 'BEGIN { printf "%.2f", c / e }')
  for pid in "${SAMPLER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${SAMPLER_PIDS[@]}" 2>/dev/null || true
  SAMPLER_PIDS=()
  # jstat -gc columns: S0U S1U EU OU are used KB per space; YGC/FGC counts, GCT total GC seconds.
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
  # Average %CPU per process group over top's samples (the first sample covers no interval: skipped).
  P_SPLIT=$(awk -v server="$SERVER_PID" -v gen="$gen_pid" -v cores="$(nproc)" '
    # A java process is named by its jar or main class (a Maven build shows as "java Launcher").
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
          (cmd ~ /^postgres/) ? "postgres" : (cmd ~ /^redis/) ? "redis" : "other"
      cpu[g] += $9
      if (g == "other") other[label(cmd)] += $9
    }
    END {
      k = n - 1; if (k < 1) k = 1
      split("server wrk generator postgres redis", order, " ")
      for (i = 1; i <= 5; i++) if (order[i] in cpu) printf "%s %.0f%%, ", order[i], cpu[order[i]] / k
      printf "other %.0f%%", cpu["other"] / k
      # Name the biggest other consumers: another build or test run on the machine skews every figure.
      for (j = 0; j < 2; j++) {
        best = ""; for (c in other) if (best == "" || other[c] > other[best]) best = c
        if (best != "" && other[best] / k >= 5) printf "%s%s %.0f%%", (j ? ", " : " ("), best, other[best] / k
        else break
        delete other[best]
      }
      printf "%s, idle %.0f%%", (j ? ")" : ""), idle / k
    }' "$RAW/top-$phase.txt")
}

# Sets G_TPS G_LAT_MS from a pgbench run, or "n/a" when it failed.
run_pgbench() {
  local clients=$1 out="$RAW/pgbench-$1.txt"
  if pgbench "$PG_URL" -n -M prepared -f "$RAW/pk-select.sql" -c "$clients" -j 2 -T "$BENCH_PGBENCH_SECONDS" \
      > "$out" 2>&1; then
    G_TPS=$(awk '/^tps = / { printf "%.0f", $3 }' "$out")
    G_LAT_MS=$(awk '/^latency average = / { print $4 }' "$out")
  else
    say "pgbench with $clients clients failed (see $out)"
    G_TPS=n/a
    G_LAT_MS=n/a
  fi
}

mix_urls=(--url "$BASE/v1/members/{id}/status" --url "$BASE/v1/members/{id}"
  --url "$BASE/v1/members/{id}/transactions?limit=10")

# ---------------------------------------------------------------- the run

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

say "warm-up: ${BENCH_WARMUP}s of the read mix, $BENCH_CONNECTIONS connections"
wrk -t "$BENCH_WRK_THREADS" -c "$BENCH_CONNECTIONS" -d "${BENCH_WARMUP}s" --timeout "$BENCH_WRK_TIMEOUT" \
  -s scripts/bench-reads.lua "$BASE" -- "$BENCH_CSV" "$ADMIN_KEY" > "$RAW/warmup.txt"

say "(a) pgbench primary-key SELECTs on members, 8 and 64 clients, ${BENCH_PGBENCH_SECONDS}s each"
printf '\\set id random(%d, %d)\nselect * from members where id = :id;\n' "$member_min_id" "$member_max_id" \
  > "$RAW/pk-select.sql"
run_pgbench 8;  PG8_TPS=$G_TPS;  PG8_LAT=$G_LAT_MS
run_pgbench 64; PG64_TPS=$G_TPS; PG64_LAT=$G_LAT_MS

say "(b) GET /health/live, $BENCH_CONNECTIONS connections, $((BENCH_DURATION / 2))s"
wrk -t "$BENCH_WRK_THREADS" -c "$BENCH_CONNECTIONS" -d "$((BENCH_DURATION / 2))s" --timeout "$BENCH_WRK_TIMEOUT" \
  --latency "$BASE/health/live" > "$RAW/live.txt"
parse_wrk "$RAW/live.txt"
B_RPS=$W_RPS; B_P50=$W_P50; B_P90=$W_P90; B_P99=$W_P99; B_MAX=$W_MAX; B_NON2XX=$W_NON2XX; B_SOCKET=$W_SOCKET

sleep 2
say "(c) read mix, closed loop, $BENCH_CONNECTIONS connections, ${BENCH_DURATION}s"
start_samplers closed "$BENCH_DURATION"
/usr/bin/time -f '%U %S %e' -o "$RAW/wrk-time.txt" \
  wrk -t "$BENCH_WRK_THREADS" -c "$BENCH_CONNECTIONS" -d "${BENCH_DURATION}s" --timeout "$BENCH_WRK_TIMEOUT" \
  --latency -s scripts/bench-reads.lua "$BASE" -- "$BENCH_CSV" "$ADMIN_KEY" > "$RAW/closed.txt"
stop_samplers closed
parse_wrk "$RAW/closed.txt"
C_RPS=$W_RPS; C_REQUESTS=$W_REQUESTS; C_P50=$W_P50; C_P90=$W_P90; C_P99=$W_P99; C_MAX=$W_MAX
C_NON2XX=$W_NON2XX; C_SOCKET=$W_SOCKET
C_CPU_S=$P_CPU_S; C_CORES=$P_CORES; C_HEAP_PEAK=$P_HEAP_PEAK_MB; C_OLD=$P_OLD_MB; C_GC=$P_GC
C_HEAP_METRICS=$P_HEAP_METRICS_MB; C_SPLIT=$P_SPLIT; C_CACHE=$P_CACHE
C_CPU_US_PER_REQ=$(awk -v c="$C_CPU_S" -v n="$C_REQUESTS" 'BEGIN { printf "%.0f", (n > 0 ? c * 1e6 / n : 0) }')
C_GEN_CPU=$(awk '{ printf "%.1f s (%.2f cores)", $1 + $2, ($1 + $2) / $3 }' "$RAW/wrk-time.txt")

sleep 2
say "(d) read mix, open loop at $BENCH_RATE req/s, $BENCH_OPEN_CONNECTIONS connections, ${BENCH_DURATION}s (+5s warm-up)"
start_samplers open $((BENCH_DURATION + 10))
java -Xms256m -Xmx256m -XX:+UseParallelGC -cp "target/test-classes:$JAR" org.loyaltyengine.bench.OpenLoopLoad \
  "${mix_urls[@]}" --ids "$BENCH_CSV" --header "Authorization: Bearer $ADMIN_KEY" --rate "$BENCH_RATE" \
  --duration "$BENCH_DURATION" --warmup 5 --connections "$BENCH_OPEN_CONNECTIONS" --event-loops 1 \
  > "$RAW/open.txt" &
gen_pid=$!
wait "$gen_pid" || die "the open-loop generator failed (see $RAW/open.txt)"
stop_samplers open "$gen_pid"
result_line=$(grep '^RESULT ' "$RAW/open.txt") || die "the open-loop generator printed no RESULT (see $RAW/open.txt)"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$result_line "; }
us_to_ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
D_RPS=$(field achieved_rps); D_OK_RPS=$(field ok_rps); D_ERRORS=$(field errors); D_SENT=$(field sent)
D_P50=$(us_to_ms "$(field p50_us)"); D_P90=$(us_to_ms "$(field p90_us)"); D_P99=$(us_to_ms "$(field p99_us)")
D_P999=$(us_to_ms "$(field p999_us)"); D_MAX=$(us_to_ms "$(field max_us)")
D_LAG=$(us_to_ms "$(field lag_p99_us)")
D_CPU_S=$P_CPU_S; D_CORES=$P_CORES; D_HEAP_PEAK=$P_HEAP_PEAK_MB; D_OLD=$P_OLD_MB; D_GC=$P_GC
D_HEAP_METRICS=$P_HEAP_METRICS_MB; D_SPLIT=$P_SPLIT; D_CACHE=$P_CACHE
D_GEN_CPU=$(awk -v c="$(field cpu_s)" -v d="$BENCH_DURATION" 'BEGIN { printf "%.1f s (%.2f cores)", c, c / d }')
rss_peak_mb=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")

# ---------------------------------------------------------------- report

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a + 0 == a) printf "%.2f", a / b; else print "n/a" }'; }
verdict() { awk "BEGIN { print (($1) ? \"met\" : \"MISSED\") }"; }
C_VS_PG=$(ratio "$C_RPS" "$PG64_TPS")
C_VS_LIVE=$(ratio "$C_RPS" "$B_RPS")
heap_peak=$(( C_HEAP_PEAK > D_HEAP_PEAK ? C_HEAP_PEAK : D_HEAP_PEAK ))
c_other=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<< "$C_SPLIT")
d_other=$(sed -n 's/.*other \([0-9]*\)%.*/\1/p' <<< "$D_SPLIT")
c_errors=$(awk -v s="$C_SOCKET" -v n="$C_NON2XX" 'BEGIN { split(s, a, " "); print n + a[1] + a[3] + a[5] + a[7] }')

{
  echo "# Read benchmark, $STAMP"
  echo
  echo "- machine: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
    "$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
    "load average before the run $load_before"
  echo "- $(java -version 2>&1 | head -n 1); PostgreSQL $(psql "$PG_URL" -XAtc 'show server_version');" \
    "Redis $(redis-cli -u "$BENCH_REDIS_URL" info server 2>/dev/null | sed -n 's/^redis_version:\([^[:space:]]*\).*/\1/p')"
  echo "- server: \`$BENCH_SERVER_JAVA_OPTS\`, ${http_instances:-?} HTTP verticle instances; database $BENCH_DB with" \
    "$db_members members; $csv_ids member ids in $BENCH_CSV"
  echo "- (c)/(d): ${BENCH_DURATION}s each after a ${BENCH_WARMUP}s warm-up; wrk -t$BENCH_WRK_THREADS" \
    "-c$BENCH_CONNECTIONS --timeout $BENCH_WRK_TIMEOUT; open loop $BENCH_RATE req/s over $BENCH_OPEN_CONNECTIONS" \
    "connections; raw outputs in $RAW/"
  echo
  echo "| Part | Throughput | p50 ms | p90 ms | p99 ms | max ms | Errors |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  echo "| (a) pgbench PK SELECT, 8 clients | $PG8_TPS tps | avg $PG8_LAT | | | | |"
  echo "| (a) pgbench PK SELECT, 64 clients | $PG64_TPS tps | avg $PG64_LAT | | | | |"
  echo "| (b) GET /health/live, wrk $BENCH_CONNECTIONS conn | $B_RPS req/s | $B_P50 | $B_P90 | $B_P99 | $B_MAX |" \
    "non-2xx $B_NON2XX; socket $B_SOCKET |"
  echo "| (c) read mix, closed loop, wrk $BENCH_CONNECTIONS conn | $C_RPS req/s | $C_P50 | $C_P90 | $C_P99 | $C_MAX |" \
    "non-2xx $C_NON2XX; socket $C_SOCKET |"
  echo "| (d) read mix, open loop at $BENCH_RATE req/s | $D_RPS req/s ($D_OK_RPS 2xx/s) | $D_P50 | $D_P90 |" \
    "$D_P99 (p99.9 $D_P999) |" \
    "$D_MAX | $D_ERRORS of $D_SENT |"
  echo
  echo "| Resources | (c) closed loop | (d) open loop |"
  echo "|---|---|---|"
  echo "| server CPU | $C_CPU_S s ($C_CORES cores; $C_CPU_US_PER_REQ us per request) |" \
    "$D_CPU_S s ($D_CORES cores, incl. 5 s warm-up) |"
  echo "| load generator CPU | wrk $C_GEN_CPU | OpenLoopLoad $D_GEN_CPU; send lag p99 $D_LAG ms |"
  echo "| heap used: peak / old gen at end (jstat) | $C_HEAP_PEAK / $C_OLD MB | $D_HEAP_PEAK / $D_OLD MB |"
  echo "| heap used at end (/metrics) | $C_HEAP_METRICS MB | $D_HEAP_METRICS MB |"
  echo "| GC during the phase | $C_GC | $D_GC |"
  echo "| member cache lookups (every request does one) | $C_CACHE | $D_CACHE |"
  echo "| CPU split, top, % of one core ($(nproc) cores = $(( $(nproc) * 100 ))%) | $C_SPLIT | $D_SPLIT |"
  echo
  if (( c_other >= 10 || d_other >= 10 )); then
    echo "**Disturbed run:** other processes used ${c_other}% / ${d_other}% of a core during (c) / (d)."
  fi
  echo "Server peak RSS (VmHWM): $rss_peak_mb MB."
  echo "Ratios: (c) / pgbench-64 = **$C_VS_PG**; (c) / health-live = **$C_VS_LIVE**."
  echo
  echo "| Target | Measured | |"
  echo "|---|---|---|"
  echo "| (c) >= 12,000 req/s | $C_RPS | $(verdict "$C_RPS >= 12000") |"
  echo "| (c) p90 <= 150 ms | $C_P90 | $(verdict "$C_P90 <= 150") |"
  echo "| (c) p99 <= 300 ms | $C_P99 | $(verdict "$C_P99 <= 300") |"
  echo "| (c) zero errors | $c_errors | $(verdict "$c_errors == 0") |"
  echo "| (d) $BENCH_RATE req/s with p99 <= 20 ms, zero errors | $D_RPS req/s, p99 $D_P99, $D_ERRORS errors |" \
    "$(verdict "$D_P99 <= 20 && $D_ERRORS == 0 && $D_RPS >= 0.99 * $BENCH_RATE") |"
  if [[ $C_VS_PG == n/a ]]; then
    echo "| (c) >= 0.4 x pgbench-64 | n/a (pgbench failed) | not measured |"
  else
    echo "| (c) >= 0.4 x pgbench-64 | $C_VS_PG | $(verdict "$C_VS_PG >= 0.4") |"
  fi
  echo "| heap <= 512 MB | peak $heap_peak MB | $(verdict "$heap_peak <= 512") |"
} | tee "$REPORT"
say "written to $REPORT"
