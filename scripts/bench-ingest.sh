#!/usr/bin/env bash
# Ingestion benchmark: events/s through POST /v1/event-batches end to end (accepted -> points applied and
# visible), and the end-to-end lag at that rate. Seeds a tenant, starts the server, uploads the earn
# benchmark's ten purchase rules plus a custom-event rule and two tiers, then
#   warm-up  OpenLoopBatches at BENCH_RATE for BENCH_WARMUP s (then waits for the inbox to drain),
#   (a)      OpenLoopBatches at BENCH_RATE events/s for BENCH_DURATION s, batches of BENCH_BATCH_SIZE, each
#            followed with GET /v1/event-batches/{id} until done; then waits (at most BENCH_DRAIN s) for the
#            inbox to drain,
#   (b)      from the database, for every item of (a): lag = processed_at - created_at (the intake
#            transaction's time to the worker's commit), p50/p99/max, and the apply rate,
#   (c)      server CPU, heap and GC, the CPU split between processes, PostgreSQL wait events and the WAL per
#            event during (a),
#   (d)      the ledger invariants of every member (a) touched, and that every item was applied once.
# Results go to stdout and bench-results/ingest-<timestamp>.md (raw outputs next to it). See docs/benchmarks.md.
# Run from the repository root: scripts/bench-ingest.sh          (a smoke run: BENCH_SMOKE=1, see below)
set -euo pipefail
export LC_ALL=C

BENCH_SMOKE=${BENCH_SMOKE:-0}                # 1: tiny and quick (2,000 members, 2,000 events/s, 10 s), marked as smoke
if [[ $BENCH_SMOKE == 1 ]]; then
  : "${BENCH_MEMBERS:=2000}" "${BENCH_RATE:=2000}" "${BENCH_DURATION:=10}" "${BENCH_WARMUP:=5}"
  : "${BENCH_DB:=loyalty_ingestsmoke}" "${BENCH_CSV:=gatling/data/ingest-smoke-members.csv}" "${BENCH_QUIET_WAIT:=0}"
fi
BENCH_MEMBERS=${BENCH_MEMBERS:-500000}
BENCH_DB=${BENCH_DB:-loyalty_ingestbench}
BENCH_RATE=${BENCH_RATE:-20000}              # offered events per second
BENCH_DURATION=${BENCH_DURATION:-60}         # seconds of (a)
BENCH_WARMUP=${BENCH_WARMUP:-60}             # seconds of load before (a), unmeasured (C2 needs 45-60 s here)
BENCH_BATCH_SIZE=${BENCH_BATCH_SIZE:-1000}   # events per batch
BENCH_EVENT_SHARE=${BENCH_EVENT_SHARE:-20}   # percent of the events that are custom events, the rest purchases
BENCH_LINES=${BENCH_LINES:-5}                # basket lines per purchase
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-16}   # connections of the load driver
BENCH_POLL_MS=${BENCH_POLL_MS:-200}          # how often the driver polls each outstanding batch
BENCH_DRAIN=${BENCH_DRAIN:-300}              # at most this many seconds for the inbox to drain after (a)
BENCH_PORT=${BENCH_PORT:-18096}
BENCH_PG=${BENCH_PG:-postgresql://postgres@127.0.0.1:5432}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
BENCH_REDIS_PREFIX=${BENCH_REDIS_PREFIX:-bench-ingest}
BENCH_SERVER_JAVA_OPTS=${BENCH_SERVER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}
BENCH_DRIVER_JAVA_OPTS=${BENCH_DRIVER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC -XX:TieredStopAtLevel=1}
BENCH_CSV=${BENCH_CSV:-gatling/data/ingest-members.csv}
BENCH_ADMIN_KEY=${BENCH_ADMIN_KEY:-}         # reuse an already seeded tenant: skips seeding
BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-1200}   # wait up to this long for a quiet machine; 0 = do not wait
BENCH_QUIET_LOAD=${BENCH_QUIET_LOAD:-1.5}

JAR=target/loyalty-engine.jar
DRIVER_CLASS=target/test-classes/org/loyaltyengine/bench/OpenLoopBatches.class
BASE=http://127.0.0.1:$BENCH_PORT
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT=bench-results/ingest-$STAMP.md
RAW=bench-results/ingest-$STAMP
CLK_TCK=$(getconf CLK_TCK)
PREFIX=ib-$STAMP                             # every id of this run starts with it

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
trap 'exit 143' INT TERM

ancestors() {
  local pid=$$ out=
  while [[ -n $pid && $pid != 0 && $pid != 1 ]]; do
    out+=" $pid"
    pid=$(awk '{ print $4 }' "/proc/$pid/stat" 2>/dev/null || true)
  done
  echo "$out"
}
SELF_PIDS=$(ancestors)

other_benchmarks() {
  ps -eo pid=,ppid=,args= | awk -v self="$SELF_PIDS" -v me=$$ '
    BEGIN { n = split(self, a, " "); for (i = 1; i <= n; i++) skip[a[i]] = 1 }
    $3 == "ps" || $3 == "awk" { next }
    /wrk |pgbench|OpenLoopLoad|OpenLoopPosts|OpenLoopBatches|bench-reads|bench-earn|bench-redeem|bench-ingest/ && !($1 in skip) && $2 != me {
      $2 = ""; print }'
}

# Waits until no other benchmark runs and the 1-minute load average is below BENCH_QUIET_LOAD.
wait_until_quiet() {
  local waited=0 others load
  (( BENCH_QUIET_WAIT > 0 )) || return 0
  while :; do
    others=$(other_benchmarks)
    load=$(cut -d' ' -f1 /proc/loadavg)
    if [[ -z $others ]] && awk -v l="$load" -v m="$BENCH_QUIET_LOAD" 'BEGIN { exit !(l < m) }'; then
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
for tool in psql curl jstat top; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
mkdir -p "$RAW" "$(dirname "$BENCH_CSV")"
if [[ ! -f $JAR || ! -f $DRIVER_CLASS || -n $(find src pom.xml conf -newer "$JAR" -print -quit) ]]; then
  say "building (mvn package, which also compiles the load driver)"
  mvn -q -B -o -DskipTests package
fi

PG_URL=$BENCH_PG/$BENCH_DB
if [[ -z $BENCH_ADMIN_KEY ]]; then
  wait_until_quiet
  say "seeding $BENCH_MEMBERS members into $BENCH_DB (tops up; cheap when already seeded)"
  LOYALTY_PG_URL=$PG_URL LOYALTY_REDIS_URL=$BENCH_REDIS_URL LOYALTY_REDIS_KEY_PREFIX=$BENCH_REDIS_PREFIX \
    java -jar "$JAR" seed --tenant demo --members "$BENCH_MEMBERS" --transactions-per-member 10 \
    --export "$BENCH_CSV" > "$RAW/seed.txt"
  ADMIN_KEY=$(sed -n 's/^ADMIN_KEY=//p' "$RAW/seed.txt" | tail -n 1)
  [[ -n $ADMIN_KEY ]] || die "the seeder printed no ADMIN_KEY (see $RAW/seed.txt)"
  sed -i 's/^ADMIN_KEY=.*/ADMIN_KEY=(redacted)/' "$RAW/seed.txt"
else
  ADMIN_KEY=$BENCH_ADMIN_KEY
fi
[[ -s $BENCH_CSV ]] || die "$BENCH_CSV is missing or empty"
tenant_id=$(psql "$PG_URL" -XAtc "select id from tenants where name = 'demo'")
[[ -n $tenant_id ]] || die "no tenant demo in $BENCH_DB"

# ---------------------------------------------------------------- server

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
server_env=$(env | grep '^LOYALTY_' \
  | grep -Ev '^LOYALTY_(OPERATOR_TOKEN|HTTP_PORT|PG_URL|PG_READ_URL|REDIS_URL|REDIS_KEY_PREFIX|HTTP_ACCESS_LOG)=' \
  | sort | tr '\n' ' ' || true)

api() { # METHOD PATH [BODY] -> prints the body; fails unless the status is 2xx
  local out status
  out=$(curl -s -w '\n%{http_code}' -X "$1" "$BASE$2" -H "Authorization: Bearer $ADMIN_KEY" \
    -H 'Content-Type: application/json' ${3:+--data-binary "$3"})
  status=${out##*$'\n'}
  [[ $status == 2* ]] || die "$1 $2 answered $status: ${out%$'\n'*}"
  printf '%s\n' "${out%$'\n'*}"
}

# The earn benchmark's ten purchase rules (two capped per member), plus 5 points per app login, at most 20 a day.
skus=$(for n in $(seq 100 149); do printf '"SKU-%d",' "$n"; done); skus=${skus%,}
stores=$(for n in $(seq 1 10); do printf '"store-%d",' "$n"; done); stores=${stores%,}
RULES=$(cat <<JSON
{"rules": [
  {"id": "base", "trigger": "purchase", "priority": 100,
   "award": {"type": "per_spend", "points": 1, "perAmount": 100, "applyTierMultiplier": true}},
  {"id": "grocery-extra", "trigger": "purchase", "priority": 90, "conditions": {"categories": ["grocery"]},
   "award": {"type": "per_spend", "points": 1, "perAmount": 100}},
  {"id": "electronics-extra", "trigger": "purchase", "priority": 90, "conditions": {"categories": ["electronics"]},
   "award": {"type": "per_spend", "points": 2, "perAmount": 100}, "caps": {"month": 1000}},
  {"id": "personal-care", "trigger": "purchase", "priority": 80, "conditions": {"categories": ["personal-care"]},
   "award": {"type": "fixed", "points": 25}},
  {"id": "sku-promo", "trigger": "purchase", "priority": 80, "conditions": {"skus": [$skus]},
   "award": {"type": "fixed", "points": 50}, "caps": {"week": 150}},
  {"id": "big-basket", "trigger": "purchase", "priority": 70, "conditions": {"minBasketTotal": 60000},
   "award": {"type": "fixed", "points": 100}},
  {"id": "flagship-stores", "trigger": "purchase", "priority": 60,
   "conditions": {"channels": ["store"], "stores": [$stores]}, "award": {"type": "fixed", "points": 20}},
  {"id": "online", "trigger": "purchase", "priority": 60, "conditions": {"channels": ["online"]},
   "award": {"type": "per_spend", "points": 1, "perAmount": 200}},
  {"id": "gold-bonus", "trigger": "purchase", "priority": 60, "conditions": {"tiers": ["gold"]},
   "award": {"type": "fixed", "points": 50}},
  {"id": "weekend", "trigger": "purchase", "priority": 10, "conditions": {"weekdays": ["SAT", "SUN"]},
   "award": {"type": "multiplier", "percent": 150}},
  {"id": "app-login", "trigger": "event", "conditions": {"eventType": "app_login"},
   "award": {"type": "fixed", "points": 5}, "caps": {"day": 20}}
]}
JSON
)
TIERS='{"qualification": {"basis": "rolling_days", "days": 365},
  "tiers": [{"code": "silver", "name": "Silver", "threshold": 2500, "multiplierPercent": 110},
            {"code": "gold", "name": "Gold", "threshold": 6000, "multiplierPercent": 125}]}'
api PUT /v1/earning-rules "$RULES" > "$RAW/rules-put.json"
api PUT /v1/tiers "$TIERS" > "$RAW/tiers-put.json"
POS_KEY=$(api POST /v1/api-keys '{"name": "bench-ingest feed", "scopes": ["pos"]}' \
  | sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p')
[[ -n $POS_KEY ]] || die "could not create a pos key"
sleep 1.5 # the settings cache refreshes within LOYALTY_CACHE_TENANT_TTL_MS

# ---------------------------------------------------------------- measurement helpers

proc_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
pending_items() { psql "$PG_URL" -XAtc "select count(*) from inbox_items where status = 'pending'"; }
wal_counters() {
  psql "$PG_URL" -XAtF ' ' -c "select w.wal_bytes, w.wal_fpi, b.checkpoints_timed + b.checkpoints_req
    from pg_stat_wal w, pg_stat_bgwriter b"
}

# Waits until no item is pending, at most $1 seconds; prints the seconds it took (or "> N").
drain_inbox() {
  local start=$SECONDS
  while (( $(pending_items) > 0 )); do
    (( SECONDS - start < $1 )) || { echo "> $1"; return; }
    sleep 1
  done
  echo $((SECONDS - start))
}

driver() { # PREFIX SECONDS -> RESULT line on stdout, full output in $RAW/driver-PREFIX.txt
  local tag=$1
  # shellcheck disable=SC2086
  java $BENCH_DRIVER_JAVA_OPTS -cp target/test-classes:"$JAR" org.loyaltyengine.bench.OpenLoopBatches \
    --base "$BASE" --ids "$BENCH_CSV" --header "Authorization: Bearer $POS_KEY" --prefix "$PREFIX-$tag" \
    --rate "$BENCH_RATE" --batch-size "$BENCH_BATCH_SIZE" --duration "$2" --connections "$BENCH_CONNECTIONS" \
    --event-share "$BENCH_EVENT_SHARE" --lines "$BENCH_LINES" --poll-ms "$BENCH_POLL_MS" \
    --drain-seconds "$BENCH_DRAIN" > "$RAW/driver-$tag.txt" 2>&1 &
  DRIVER_PID=$!
}

start_wait_sampler() {
  printf '%s\n' "select coalesce(wait_event_type || ':' || wait_event, 'CPU') from pg_stat_activity
    where datname = current_database() and state = 'active' and pid <> pg_backend_pid()
    union all select '--' ;" '\watch 0.5' | psql "$PG_URL" -XAtq > "$RAW/waits.txt" 2>&1 &
  SAMPLER_PIDS+=($!)
}

summarize_waits() {
  awk '$0 == "--" { samples++; next } NF { n[$0]++; total++ }
    END {
      if (!samples) { print "no samples"; exit }
      printf "%.1f active backends on average:", total / samples
      for (k = 0; k < 5; k++) {
        best = ""; for (w in n) if (best == "" || n[w] > n[best]) best = w
        if (best == "") break
        printf "%s %s %.0f%%", (k ? "," : ""), best, 100 * n[best] / total
        delete n[best]
      }
      print ""
    }' "$RAW/waits.txt"
}

# Average %CPU per process group over top's samples (the first sample covers no interval: skipped).
split_cpu() {
  awk -v server="$SERVER_PID" -v gen="$2" -v cores="$(nproc)" '
    /^top -/ { n++; next }
    n >= 2 && /^%Cpu/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^id,?$/) idle += $i * cores }
    n >= 2 && $1 ~ /^[0-9]+$/ && NF >= 12 {
      cmd = $12; sub(/.*\//, "", cmd)
      g = ($1 == server) ? "server" : ($1 == gen) ? "driver" : (cmd ~ /^postgres/) ? "postgres" :
          (cmd ~ /^redis/) ? "redis" : "other"
      cpu[g] += $9
    }
    END {
      k = n - 1; if (k < 1) k = 1
      split("server driver postgres redis other", order, " ")
      for (i = 1; i <= 5; i++) printf "%s %.0f%%, ", order[i], cpu[order[i]] / k
      printf "idle %.0f%%", idle / k
    }' "$1"
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< " $2 "; }

# ---------------------------------------------------------------- warm-up

say "warm-up: $BENCH_RATE events/s for ${BENCH_WARMUP}s"
driver w "$BENCH_WARMUP"
wait "$DRIVER_PID" || die "the warm-up driver failed (see $RAW/driver-w.txt)"
warm_drain=$(drain_inbox "$BENCH_DRAIN")
say "warm-up: $(tail -n 1 "$RAW/driver-w.txt" | cut -c1-160); inbox drained in ${warm_drain}s"

# ---------------------------------------------------------------- (a) the measured run

say "(a) $BENCH_RATE events/s for ${BENCH_DURATION}s, batches of $BENCH_BATCH_SIZE"
top -b -c -d 2 -n $((BENCH_DURATION / 2 + 5)) -w 512 > "$RAW/top.txt" &
SAMPLER_PIDS+=($!)
jstat -gc "$SERVER_PID" 1000 $((BENCH_DURATION + 10)) > "$RAW/jstat.txt" &
SAMPLER_PIDS+=($!)
start_wait_sampler
read -r WAL0 FPI0 CKPT0 < <(wal_counters)
TICKS0=$(proc_cpu_ticks "$SERVER_PID")
T0=$(date +%s.%N)
driver m "$BENCH_DURATION"
DRIVER_M=$DRIVER_PID
sleep "$BENCH_DURATION"
read -r WAL1 FPI1 CKPT1 < <(wal_counters)
TICKS1=$(proc_cpu_ticks "$SERVER_PID")
T1=$(date +%s.%N)
for pid in "${SAMPLER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
wait "${SAMPLER_PIDS[@]}" 2>/dev/null || true
SAMPLER_PIDS=()
say "(a) load over; waiting for the inbox to drain (at most ${BENCH_DRAIN}s)"
DRAIN_S=$(drain_inbox "$BENCH_DRAIN")
wait "$DRIVER_M" || say "warning: the driver exited with an error (see $RAW/driver-m.txt)"
RESULT=$(grep '^RESULT' "$RAW/driver-m.txt" | tail -n 1)
[[ -n $RESULT ]] || die "the driver printed no RESULT (see $RAW/driver-m.txt)"

# ---------------------------------------------------------------- (b) per item, from the database

# Every item of (a): its batch id starts with the run's prefix.
read -r ITEMS APPLIED DUPL FAILED PENDING LAG_P50 LAG_P99 LAG_MAX SPAN APPLIED_IN_LOAD < <(psql "$PG_URL" -XAtF ' ' -c "
  with b as (select id, created_at from event_batches
              where tenant_id = '$tenant_id' and batch_id like '$PREFIX-m-b-%'),
       i as (select i.status, i.created_at, i.processed_at from inbox_items i join b on i.batch = b.id and i.created_at = b.created_at)
  select count(*), count(*) filter (where status = 'applied'), count(*) filter (where status = 'duplicate'),
         count(*) filter (where status = 'failed'), count(*) filter (where status = 'pending'),
         round(1000 * extract(epoch from percentile_cont(0.5) within group (order by processed_at - created_at))::numeric),
         round(1000 * extract(epoch from percentile_cont(0.99) within group (order by processed_at - created_at))::numeric),
         round(1000 * extract(epoch from max(processed_at - created_at))::numeric),
         round(extract(epoch from max(processed_at) - min(created_at))::numeric, 1),
         count(*) filter (where processed_at <= to_timestamp($T1))
    from i")
APPLY_EPS=$(awk -v n="$ITEMS" -v s="$SPAN" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "n/a" }')
LOAD_S=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }')
APPLIED_IN_LOAD_EPS=$(awk -v n="$APPLIED_IN_LOAD" -v s="$LOAD_S" 'BEGIN { printf "%.0f", n / s }')

# ---------------------------------------------------------------- (c) resources

CPU_S=$(awk -v t="$((TICKS1 - TICKS0))" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t / hz }')
CORES=$(awk -v c="$CPU_S" -v s="$LOAD_S" 'BEGIN { printf "%.2f", c / s }')
WAL_PER=$(awk -v b="$((WAL1 - WAL0))" -v f="$((FPI1 - FPI0))" -v n="$APPLIED_IN_LOAD" 'BEGIN {
  if (n > 0) printf "%.1f KB WAL and %.2f full-page images per event", b / n / 1024, f / n; else print "n/a" }')
CHECKPOINTS=$((CKPT1 - CKPT0))
SPLIT=$(split_cpu "$RAW/top.txt" "$DRIVER_M")
WAITS=$(summarize_waits)
HEAP=$(awk '$1 == "S0C" { for (i = 1; i <= NF; i++) col[$i] = i; next }
  col["S0U"] && $1 ~ /^[0-9]/ { u = $col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"]; if (u > p) p = u
    if (!s) { y0 = $col["YGC"]; t0 = $col["GCT"]; s = 1 } o = $col["OU"]; y = $col["YGC"]; t = $col["GCT"] }
  END { printf "peak %.0f MB, old generation %.0f MB at the end; %d young GCs, %.2f s", p / 1024, o / 1024, y - y0, t - t0 }' \
  "$RAW/jstat.txt")

# ---------------------------------------------------------------- (d) exactly once, and the invariants

read -r LEDGER_DUPES INV_MEMBERS INV_BAD < <(psql "$PG_URL" -XAtF ' ' -c "
  with run_t as (select member_id, transaction_id as id from transactions
                  where tenant_id = '$tenant_id' and transaction_id like '$PREFIX-%'),
       run_e as (select member_id, event_id as id from member_events
                  where tenant_id = '$tenant_id' and event_id like '$PREFIX-%'),
       touched as (select member_id from run_t union select member_id from run_e),
       ledger as (select e.member_id, sum(e.points) as s from ledger_entries e join touched using (member_id) group by 1),
       lots as (select l.member_id, coalesce(sum(l.remaining) filter (where l.released), 0) as rel,
                       coalesce(sum(l.remaining) filter (where not l.released), 0) as unrel
                  from point_lots l join touched using (member_id) group by 1)
  select (select count(*) from (select cause_id from ledger_entries e join touched using (member_id)
                                 where e.kind = 'earn' and e.cause_id like '$PREFIX-%'
                                 group by cause_type, cause_id, available_at having count(*) > 1) d),
         count(*),
         count(*) filter (where b.available + b.pending <> coalesce(g.s, 0) or b.pending <> coalesce(o.unrel, 0)
                             or (b.available >= 0 and b.available <> coalesce(o.rel, 0))
                             or (b.available < 0 and coalesce(o.rel, 0) <> 0))
    from touched t join member_balances b using (member_id)
    left join ledger g using (member_id) left join lots o using (member_id)")

# ---------------------------------------------------------------- report

kind=$([[ $BENCH_SMOKE == 1 ]] && echo "SMOKE run (tiny scale, not a measurement)" || echo "run")
load_now=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "# Ingestion benchmark $kind $STAMP"
  echo
  echo "Database \`$BENCH_DB\` ($BENCH_MEMBERS members), $BENCH_RATE events/s offered for ${BENCH_DURATION}s in batches of"
  echo "$BENCH_BATCH_SIZE ($BENCH_EVENT_SHARE % custom events, the rest $BENCH_LINES-line purchases), $BENCH_CONNECTIONS connections,"
  echo "after ${BENCH_WARMUP}s of warm-up (its inbox drained in ${warm_drain}s). Server \`$BENCH_SERVER_JAVA_OPTS\`${server_env:+, $server_env}."
  echo "Load average at the end: $load_now."
  echo
  echo "| (a) intake, driver | |"
  echo "|---|---|"
  echo "| batches sent / accepted (202) | $(field batches "$RESULT") / $(field accepted_batches "$RESULT") |"
  echo "| events accepted | $(field accepted_events "$RESULT"), $(field accepted_eps "$RESULT") events/s |"
  echo "| POST latency from intended send, p50 / p99 | $(field post_p50_ms "$RESULT") / $(field post_p99_ms "$RESULT") ms |"
  echo "| 202 -> done seen by polling (every ${BENCH_POLL_MS} ms), p50 / p99 / max | $(field lag_p50_ms "$RESULT") / $(field lag_p99_ms "$RESULT") / $(field lag_max_ms "$RESULT") ms |"
  echo "| batches done within the drain | $(field done_batches "$RESULT") |"
  echo
  echo "| (b) per item, from the database | |"
  echo "|---|---|"
  echo "| items of (a) | $ITEMS: $APPLIED applied, $DUPL duplicate, $FAILED failed, $PENDING pending |"
  echo "| lag accepted -> applied (processed_at - created_at), p50 / p99 / max | $LAG_P50 / $LAG_P99 / $LAG_MAX ms |"
  echo "| applied while the load ran | $APPLIED_IN_LOAD in ${LOAD_S}s = **$APPLIED_IN_LOAD_EPS events/s** |"
  echo "| first accepted -> last applied | ${SPAN}s = **$APPLY_EPS events/s** (inbox drained ${DRAIN_S}s after the load) |"
  echo
  echo "| (c) resources during (a) | |"
  echo "|---|---|"
  echo "| server CPU | ${CPU_S}s, $CORES cores |"
  echo "| CPU split (top; 200 % = both cores) | $SPLIT |"
  echo "| heap (jstat) | $HEAP |"
  echo "| PostgreSQL active backends | $WAITS |"
  echo "| WAL | $WAL_PER; $CHECKPOINTS checkpoints (cluster-wide) |"
  echo
  echo "| (d) checks | |"
  echo "|---|---|"
  echo "| an earning recorded twice | $LEDGER_DUPES |"
  echo "| members touched / invariant violations | $INV_MEMBERS / $INV_BAD |"
  echo
  echo "Driver: \`$RESULT\`"
} | tee "$REPORT"
say "report: $REPORT"
