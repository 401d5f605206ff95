# scripts/bench.sh, part of its one library: logging, bounded commands, clean-up, resource measurement around
# a phase (CPU split by process from /proc, WAL and checkpoints from pg_stat_wal, GC and heap from jstat),
# the closed-loop (wrk) and open-loop (OpenLoop) runners, and the report writers (markdown and one JSON line).

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# bounded SECONDS COMMAND...: every phase ends, even when a tool hangs. (Load generators started in the
# background call timeout directly, so that GEN_PID is the timeout process and a kill reaches the tool.)
bounded() { local s=$1; shift; timeout --kill-after=10 "$s" "$@"; }

CLEANUPS=()
on_exit() { CLEANUPS+=("$1"); }
run_cleanups() {
  local i
  # A load generator still running (the run was interrupted): its timeout passes the signal on.
  [[ -z ${GEN_PID:-} ]] || kill "$GEN_PID" 2>/dev/null || true
  for (( i = ${#CLEANUPS[@]} - 1; i >= 0; i-- )); do eval "${CLEANUPS[$i]}" || true; done
}
trap run_cleanups EXIT
trap 'exit 143' INT TERM

CLK_TCK=$(getconf CLK_TCK)
NPROC=$(nproc)

# ---------------------------------------------------------------- CPU by process

# One line per process, "pid ppid comm ticks", then "TOTAL busy idle" from /proc/stat. A process's ticks are
# its own (utime + stime) plus those of its children that ended and were waited for (cutime + cstime): a
# generator (wrk, pgbench) that exits before the phase's last snapshot, or a PostgreSQL backend that
# disconnects, is then still counted, to its parent (this harness; the postmaster) instead of to "other".
cpu_snapshot() {
  { { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '{
      i = index($0, " ("); j = 0; s = $0
      while ((k = index(substr(s, j + 1), ") ")) > 0) j += k
      comm = substr($0, i + 2, j - i - 2); gsub(/ /, "_", comm)
      n = split(substr($0, j + 2), a, " ")
      print $1, a[2], comm, a[12] + a[13] + a[14] + a[15] }'
    awk '$1 == "cpu" { print "TOTAL", $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat
  } > "$1"
}

# cpu_split BEFORE AFTER: sets SPLIT_TEXT ("server 95%, postgres 60%, ..., other 12%, idle 3%" in % of one
# core), SPLIT_JSON, OTHER_PCT, SERVER_TICKS, PG_TICKS. Groups: the server, the partner simulator, the load
# generator (wrk, pgbench, psql, the OpenLoop JVM, and this harness with the children it waited for),
# PostgreSQL (the instance under test: its postmaster and children), Redis; "other" is the machine's busy
# time minus those, so short-lived processes count too.
cpu_split() {
  local out
  out=$(awk -v server="${SERVER_PID:-0}" -v sim="${SIM_PID:-0}" -v gen="${GEN_PID:-0}" -v pm="${PG_POSTMASTER:-0}" \
    -v harness="$$" -v hz="$CLK_TCK" -v cores="$NPROC" '
    FNR == 1 { f++ }
    $1 == "TOTAL" { busy[f] = $2; idle[f] = $3; next }
    f == 1 { before[$1] = $4; next }
    {
      d = $4 - ($1 in before ? before[$1] : 0); if (d < 0) d = 0
      g = ($1 == server) ? "server" : ($1 == sim) ? "simulator" : ($1 == gen || $2 == gen || $1 == harness) ? "generator" :
          ($3 == "wrk" || $3 == "pgbench" || $3 == "psql") ? "generator" :
          ($1 == pm || $2 == pm) ? "postgres" : ($3 ~ /^redis-server/) ? "redis" : ""
      if (g != "") t[g] += d
    }
    END {
      total = busy[2] - busy[1]; idl = idle[2] - idle[1]; all = total + idl; if (all <= 0) all = 1
      known = 0; for (g in t) known += t[g]
      other = total - known; if (other < 0) other = 0
      n = split("server postgres generator redis simulator", order, " ")
      text = ""; json = ""
      for (i = 1; i <= n; i++) {
        p = 100 * cores * t[order[i]] / all
        if (order[i] in t) text = text sprintf("%s %.0f%%, ", order[i], p)
        json = json sprintf("\"%s\":%.1f,", order[i], p)
      }
      po = 100 * cores * other / all; pi = 100 * cores * idl / all
      printf "%sother %.0f%%, idle %.0f%%\t{%s\"other\":%.1f,\"idle\":%.1f}\t%.1f\t%d\t%d\n",
        text, po, pi, json, po, pi, po, t["server"], t["postgres"]
    }' "$1" "$2")
  IFS=$'\t' read -r SPLIT_TEXT SPLIT_JSON OTHER_PCT SERVER_TICKS PG_TICKS <<< "$out"
}

# ---------------------------------------------------------------- a measured phase

# measure_start PHASE ... measure_stop PHASE OPS: sets M_* for the phase (see measure_stop).
measure_start() {
  local phase=$1
  cpu_snapshot "$RAW/cpu-$phase-0.txt"
  read -r M0_WAL M0_FPI M0_CKPT < <(wal_counters)
  statements_reset
  M0_T=$(date +%s.%N)
  M_JSTAT_PID=
  if [[ -n ${SERVER_PID:-} ]]; then
    jstat -gc "$SERVER_PID" 1000 > "$RAW/jstat-$phase.txt" 2>/dev/null &
    M_JSTAT_PID=$!
  fi
}

# Sets M_SECONDS M_CPU_US_PER_OP (server) M_PG_US_PER_OP M_SPLIT M_SPLIT_JSON M_OTHER_PCT M_DISTURBED
# M_WAL_BYTES_PER_OP M_FPI_PER_OP M_CHECKPOINTS M_GC_YOUNG M_GC_FULL M_GC_S M_HEAP_PEAK_MB M_HEAP_OLD_MB.
measure_stop() {
  local phase=$1 ops=$2 wal fpi ckpt
  cpu_snapshot "$RAW/cpu-$phase-1.txt"
  read -r wal fpi ckpt < <(wal_counters)
  M_SECONDS=$(awk -v a="$M0_T" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  if [[ -n $M_JSTAT_PID ]]; then kill "$M_JSTAT_PID" 2>/dev/null || true; wait "$M_JSTAT_PID" 2>/dev/null || true; fi
  cpu_split "$RAW/cpu-$phase-0.txt" "$RAW/cpu-$phase-1.txt"
  M_SPLIT=$SPLIT_TEXT; M_SPLIT_JSON=$SPLIT_JSON; M_OTHER_PCT=$OTHER_PCT
  M_DISTURBED=$(awk -v o="$OTHER_PCT" -v m="$BENCH_DISTURBED_PCT" 'BEGIN { print (o >= m) ? "true" : "false" }')
  read -r M_CPU_US_PER_OP M_PG_US_PER_OP M_WAL_BYTES_PER_OP M_FPI_PER_OP < <(awk -v s="$SERVER_TICKS" \
    -v p="$PG_TICKS" -v hz="$CLK_TCK" -v n="$ops" -v w="$((wal - M0_WAL))" -v f="$((fpi - M0_FPI))" 'BEGIN {
      if (n <= 0) { print "0 0 0 0"; exit }
      printf "%.0f %.0f %.0f %.3f\n", s * 1e6 / hz / n, p * 1e6 / hz / n, w / n, f / n }')
  M_CHECKPOINTS=$((ckpt - M0_CKPT))
  statements_report "$RAW/statements-$phase.txt" "$ops"
  M_GC_YOUNG=0; M_GC_FULL=0; M_GC_S=0; M_HEAP_PEAK_MB=0; M_HEAP_OLD_MB=0
  if [[ -s $RAW/jstat-$phase.txt ]]; then
    read -r M_HEAP_PEAK_MB M_HEAP_OLD_MB M_GC_YOUNG M_GC_FULL M_GC_S < <(awk '
      $1 == "S0C" { for (i = 1; i <= NF; i++) col[$i] = i; next }
      col["S0U"] && $1 ~ /^[0-9]/ {
        used = $col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"]; if (used > peak) peak = used
        if (!seen) { y0 = $col["YGC"]; f0 = $col["FGC"]; t0 = $col["GCT"]; seen = 1 }
        old = $col["OU"]; y = $col["YGC"]; fg = $col["FGC"]; t = $col["GCT"]
      }
      END { printf "%.0f %.0f %d %d %.2f\n", peak / 1024, old / 1024, y - y0, fg - f0, t - t0 }' "$RAW/jstat-$phase.txt")
  fi
}

# ---------------------------------------------------------------- closed loop: wrk

to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 3600000
    printf "%.1f", n * f }'
}

# warm_up WORKLOAD SECONDS CONNECTIONS -- LUA ARGS...: an unmeasured closed loop before a workload's phases (the
# JIT, the caches, the pools), its output in $RAW/<workload>-warmup.txt.
warm_up() {
  local workload=$1 seconds=$2 conns=$3; shift 3
  say "$workload: warm-up ${seconds}s"
  bounded $((seconds + 120)) nice -n "${BENCH_GENERATOR_NICE:-0}" wrk -t "$BENCH_WRK_THREADS" -c "$conns" \
    -d "${seconds}s" -s scripts/bench.lua "$BASE" "$@" > "$RAW/$workload-warmup.txt" 2>&1 || true
}

# run_wrk PHASE CONNECTIONS SECONDS PATH_OR_EMPTY [-- LUA ARGS...]: sets W_RPS W_REQUESTS W_P50 W_P90 W_P99
# W_MAX (ms) W_ERRORS (non-2xx answers + socket errors) W_STATUSES, and the phase's M_* figures.
run_wrk() {
  local phase=$1 conns=$2 seconds=$3 path=$4; shift 4
  local threads=$BENCH_WRK_THREADS script=()
  (( conns >= threads )) || threads=$conns
  [[ $# -eq 0 ]] || script=(-s scripts/bench.lua)
  measure_start "$phase"
  timeout --kill-after=10 $((seconds + 120)) nice -n "${BENCH_GENERATOR_NICE:-0}" wrk -t "$threads" -c "$conns" -d "${seconds}s" --timeout "$BENCH_WRK_TIMEOUT" \
    --latency "${script[@]}" "$BASE$path" "$@" > "$RAW/$phase.txt" 2>&1 &
  GEN_PID=$!
  wait "$GEN_PID" || say "wrk ($phase) exited with an error (see $RAW/$phase.txt)"
  local f=$RAW/$phase.txt
  W_RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$f"); W_RPS=${W_RPS:-0}
  W_REQUESTS=$(awk '/requests in/ { print $1 }' "$f"); W_REQUESTS=${W_REQUESTS:-0}
  W_P50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$f")")
  W_P90=$(to_ms "$(awk '$1 == "90%" { print $2 }' "$f")")
  W_P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$f")")
  W_MAX=$(to_ms "$(awk '$1 == "Latency" && $2 != "Distribution" { print $4; exit }' "$f")")
  local non2xx socket
  non2xx=$(awk '/Non-2xx or 3xx responses/ { n = $NF } END { print n + 0 }' "$f")
  socket=$(awk '/Socket errors/ { gsub(",", ""); n = $4 + $6 + $8 + $10 } END { print n + 0 }' "$f")
  W_ERRORS=$((non2xx + socket))
  W_STATUSES=$(awk '$1 == "STATUS" { printf "%s%s: %s", (n++ ? ", " : ""), $2, $3 } END { if (!n) printf "-" }' "$f")
  measure_stop "$phase" $(( W_REQUESTS - non2xx )) # per-operation figures are per 2xx answer
  GEN_PID=
}

# ---------------------------------------------------------------- open loop: OpenLoop

# run_open PHASE RATE SECONDS OPENLOOP-ARGS...: sets O_* from its RESULT line, and the phase's M_* figures.
run_open() {
  local phase=$1 rate=$2 seconds=$3; shift 3
  measure_start "$phase"
  # shellcheck disable=SC2086 # a list of JVM flags
  # Bound: the schedule, the generator's own wait for late answers (2 x the request timeout), JVM start and
  # pool opening on a busy machine.
  timeout --kill-after=10 $((seconds + BENCH_OPEN_WARMUP + 3 * BENCH_OPEN_TIMEOUT_MS / 1000 + 120)) nice -n "${BENCH_GENERATOR_NICE:-0}" java $BENCH_GENERATOR_JAVA_OPTS -cp "target/test-classes:$JAR" \
    org.loyaltyengine.bench.OpenLoop --rate "$rate" --duration "$seconds" --warmup "$BENCH_OPEN_WARMUP" \
    --connections "$BENCH_OPEN_CONNECTIONS" --event-loops "${BENCH_OPEN_EVENT_LOOPS:-1}" --timeout-ms "$BENCH_OPEN_TIMEOUT_MS" "$@" \
    > "$RAW/$phase.txt" 2>&1 &
  GEN_PID=$!
  wait "$GEN_PID" || say "the open-loop generator ($phase) failed (see $RAW/$phase.txt)"
  local line
  line=$(grep '^RESULT ' "$RAW/$phase.txt" || echo "RESULT")
  field() { local v; v=$(sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$line "); echo "${v:-0}"; }
  us_ms() { awk -v u="$(field "$1")" 'BEGIN { printf "%.1f", u / 1000 }'; }
  O_RPS=$(field achieved_rps); O_OK_RPS=$(field ok_rps); O_SENT=$(field sent); O_OK=$(field ok)
  O_ERRORS=$(field errors); O_REJECTED=$(field rejected); O_TIMEOUTS=$(field timeouts)
  O_P50=$(us_ms p50_us); O_P90=$(us_ms p90_us); O_P99=$(us_ms p99_us); O_MAX=$(us_ms max_us)
  O_OK_P99=$(us_ms ok_p99_us); O_REJ_P99=$(us_ms rejected_p99_us); O_LAG_P99=$(us_ms lag_p99_us)
  O_OUTCOMES=$(sed -n 's/^outcomes {\(.*\)}$/\1/p' "$RAW/$phase.txt")
  measure_stop "$phase" "$O_OK" # per-operation figures are per answered (2xx) request
  GEN_PID=
}

# ---------------------------------------------------------------- reports

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "null" }'; }

# json_phase NAME: the JSON object of the phase just measured (figures of the last run_wrk/run_open + M_*).
# Set P_* before calling: P_RPS P_P50 P_P90 P_P99 P_MAX P_ERRORS P_OPS.
json_phase() {
  printf '"%s":{"throughput":%s,"offered":%s,"ops":%s,"p50_ms":%s,"p90_ms":%s,"p99_ms":%s,"max_ms":%s,"errors":%s,' \
    "$1" "${P_RPS:-0}" "${P_OFFERED:-null}" "${P_OPS:-0}" "${P_P50:-null}" "${P_P90:-null}" "${P_P99:-null}" "${P_MAX:-null}" "${P_ERRORS:-0}"
  printf '"server_cpu_us_per_op":%s,"postgres_cpu_us_per_op":%s,"cpu_split_pct_of_core":%s,' \
    "$M_CPU_US_PER_OP" "$M_PG_US_PER_OP" "$M_SPLIT_JSON"
  printf '"wal_bytes_per_op":%s,"fpi_per_op":%s,"checkpoints":%s,"gc_young":%s,"gc_full":%s,"gc_seconds":%s,' \
    "$M_WAL_BYTES_PER_OP" "$M_FPI_PER_OP" "$M_CHECKPOINTS" "$M_GC_YOUNG" "$M_GC_FULL" "$M_GC_S"
  printf '"heap_peak_mb":%s,"heap_old_mb":%s,"seconds":%s,"disturbed":%s}' \
    "$M_HEAP_PEAK_MB" "$M_HEAP_OLD_MB" "$M_SECONDS" "$M_DISTURBED"
}

# md_phase LABEL: one markdown table row of the phase just measured.
md_phase() {
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s y + %s f, %s s | %s / %s | %s%s |\n' \
    "$1" "${P_RPS:-0}" "${P_P50:-}" "${P_P90:-}" "${P_P99:-}" "${P_MAX:-}" "${P_ERRORS:-0}" \
    "$M_CPU_US_PER_OP" "$M_PG_US_PER_OP" "$(awk -v b="$M_WAL_BYTES_PER_OP" 'BEGIN { printf "%.1f KB", b / 1024 }')" \
    "$M_FPI_PER_OP" "$M_CHECKPOINTS" "$M_SPLIT" "$M_GC_YOUNG" "$M_GC_FULL" "$M_GC_S" "$M_HEAP_PEAK_MB" \
    "$M_HEAP_OLD_MB" "$M_DISTURBED" "${P_NOTE:+; $P_NOTE}"
}

md_header() {
  echo "| phase | ops/s | p50 ms | p90 ms | p99 ms | max ms | errors | server µs CPU/op | PostgreSQL µs CPU/op | WAL/op | FPI/op | checkpoints | CPU split (% of one core) | GC | heap peak / old MB | disturbed |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|"
}

# Machine and run description, shared by every report and JSON line.
describe_run() {
  RUN_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  [[ -z $(git status --porcelain --untracked-files=no 2>/dev/null) ]] || RUN_COMMIT+="+dirty"
  RUN_CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
  RUN_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
  RUN_MEM_GB=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
  RUN_PG_VERSION=$(psql "$PG_URL" -XAtc 'show server_version' | cut -d' ' -f1)
  RUN_PG_SETTINGS=$(psql "$PG_URL" -XAtc "select string_agg(name || '=' || current_setting(name), ' ' order by name)
    from pg_settings where name in ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_compression',
      'autovacuum', 'synchronous_commit', 'fsync', 'full_page_writes', 'max_connections')")
}
