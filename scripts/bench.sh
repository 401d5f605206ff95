#!/usr/bin/env bash
# The benchmark harness (docs/benchmarks.md):
#
#   scripts/bench.sh <reads|earn|redeem|ingest|overload|all> [--pg prod|stock] [--smoke]
#   (several workloads: a comma-separated list, e.g. earn,redeem)
#
# --pg prod (default): its own PostgreSQL 15 instance with the production profile docker/postgres/postgresql.conf
#   (initdb into .bench/pg-prod, port 55432; kept on disk between runs, stopped on exit);
# --pg stock: the machine's instance at 127.0.0.1:5432, as configured.
# --smoke: 2,000 members and a few seconds per phase, to keep the harness working (scripts/test.sh runs it);
#   its figures are not measurements.
#
# Seeds 500,000 members once (reused while the migrations are unchanged), then VACUUM ANALYZE; starts one
# server for all the workloads asked for; measures each workload against same-run ceilings; checks the ledger
# invariants of every member the run touched; writes bench-results/<workload>-<stamp>.md and one JSON line per
# workload to bench-results/<workload>-<stamp>.json. Every phase is bounded in time; all load goes to 127.0.0.1.
# Settings: BENCH_* environment variables below. LOYALTY_* variables reach the server unchanged.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/bench.sh <reads|earn|redeem|ingest|overload|all>[,...] [--pg prod|stock] [--smoke]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
WORKLOAD=$1; shift
[[ $WORKLOAD == all ]] && WORKLOADS=(reads earn redeem ingest overload) || IFS=, read -r -a WORKLOADS <<< "$WORKLOAD"
for w in "${WORKLOADS[@]}"; do
  case $w in reads|earn|redeem|ingest|overload) ;; *) usage ;; esac
done
BENCH_PG_PROFILE=prod
SMOKE=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --pg) [[ $# -ge 2 ]] || usage; BENCH_PG_PROFILE=$2; shift 2 ;;
    --pg=*) BENCH_PG_PROFILE=${1#--pg=}; shift ;;
    --smoke) SMOKE=1; shift ;;
    *) usage ;;
  esac
done

if [[ $SMOKE == 1 ]]; then
  : "${BENCH_MEMBERS:=2000}" "${BENCH_DB:=loyalty_bench_smoke}" "${BENCH_PG_PORT:=55433}"
  : "${BENCH_PG_DATA_NAME:=pg-smoke}" "${BENCH_PG_SHARED_BUFFERS:=128MB}" "${BENCH_PG_CACHE:=512MB}"
  : "${BENCH_DURATION:=3}" "${BENCH_WARMUP:=1}" "${BENCH_OPEN_WARMUP:=0}" "${BENCH_CEILING_SECONDS:=2}"
  : "${BENCH_READS_CONNECTIONS:=32}" "${BENCH_READS_RATE:=200}" "${BENCH_EARN_CONNECTIONS:=16}"
  : "${BENCH_EARN_RATE:=100}" "${BENCH_REDEEM_CONNECTIONS:=16}" "${BENCH_REDEEM_RATE:=50}"
  : "${BENCH_INGEST_RATE:=500}" "${BENCH_INGEST_SECONDS:=4}" "${BENCH_INGEST_BATCH:=50}" "${BENCH_COPY_ROWS:=2000}"
  : "${BENCH_OVERLOAD_CONNECTIONS:=16}" "${BENCH_OPEN_CONNECTIONS:=32}" "${BENCH_PGBENCH_CLIENTS:=4}"
  : "${BENCH_OVERLOAD_OPEN_CONNECTIONS:=256}"
  : "${BENCH_DRAIN:=60}" "${BENCH_SERVER_JAVA_OPTS:=-Xms256m -Xmx256m -XX:+UseParallelGC -XX:TieredStopAtLevel=1}"
  : "${BENCH_SIM_LATENCY_MS:=5}" "${BENCH_READS_WARMUP:=2}"
fi
BENCH_HOME=${BENCH_HOME:-$PWD/.bench}             # git-ignored: the instance's data, seed keys, member CSVs
BENCH_PG_DATA_NAME=${BENCH_PG_DATA_NAME:-pg-prod}
BENCH_MEMBERS=${BENCH_MEMBERS:-500000}
BENCH_DB=${BENCH_DB:-loyalty_bench}
BENCH_PG_SHARED_BUFFERS=${BENCH_PG_SHARED_BUFFERS:-4GB}   # the profile's value; lower it on a small machine
BENCH_PG_CACHE=${BENCH_PG_CACHE:-12GB}
BENCH_PORT=${BENCH_PORT:-18080}
BENCH_SIM_PORT=${BENCH_SIM_PORT:-19095}
BENCH_SIM_LATENCY_MS=${BENCH_SIM_LATENCY_MS:-50}
BENCH_DURATION=${BENCH_DURATION:-30}              # seconds of each closed and open loop
BENCH_WARMUP=${BENCH_WARMUP:-30}                  # seconds of closed loop before each workload is measured
BENCH_READS_WARMUP=${BENCH_READS_WARMUP:-$((BENCH_WARMUP * 2))}  # reads: the first workload, JIT included
BENCH_OPEN_WARMUP=${BENCH_OPEN_WARMUP:-5}         # seconds of the open loop's schedule before it records
BENCH_CEILING_SECONDS=${BENCH_CEILING_SECONDS:-15}
BENCH_PGBENCH_CLIENTS=${BENCH_PGBENCH_CLIENTS:-64}
BENCH_READS_CONNECTIONS=${BENCH_READS_CONNECTIONS:-1500}
BENCH_READS_RATE=${BENCH_READS_RATE:-6000}
BENCH_EARN_CONNECTIONS=${BENCH_EARN_CONNECTIONS:-200}
BENCH_EARN_RATE=${BENCH_EARN_RATE:-2000}
BENCH_REDEEM_CONNECTIONS=${BENCH_REDEEM_CONNECTIONS:-200}
BENCH_REDEEM_RATE=${BENCH_REDEEM_RATE:-1000}
BENCH_REDEEM_COST=${BENCH_REDEEM_COST:-10}
BENCH_PARTNER=${BENCH_PARTNER:-'"batchSize": 50, "maxConcurrency": 16, "ratePerSecond": 5000'}
BENCH_INGEST_RATE=${BENCH_INGEST_RATE:-10000}     # offered events/s
BENCH_INGEST_SECONDS=${BENCH_INGEST_SECONDS:-60}
BENCH_INGEST_BATCH=${BENCH_INGEST_BATCH:-1000}
BENCH_INGEST_EVENT_SHARE=${BENCH_INGEST_EVENT_SHARE:-20}
BENCH_COPY_ROWS=${BENCH_COPY_ROWS:-100000}
BENCH_DRAIN=${BENCH_DRAIN:-180}                   # longest wait for a queue (inbox, fulfillment) to drain
# The overload workload's capacity phase: the earn workload's own connection count (64 underestimates the
# node's capacity: its group commits fill with more requests in flight).
BENCH_OVERLOAD_CONNECTIONS=${BENCH_OVERLOAD_CONNECTIONS:-200}
BENCH_OVERLOAD_MIX=${BENCH_OVERLOAD_MIX:-earn}       # earn | reads: what the overload workload offers
# The latency controller (LOYALTY_ADMISSION_LATENCY_SHEDDING) in the capacity workloads; overload turns it on.
BENCH_LATENCY_SHEDDING=${BENCH_LATENCY_SHEDDING:-false}
BENCH_OPEN_CONNECTIONS=${BENCH_OPEN_CONNECTIONS:-256}
# The overload workload's open loops: as many connections as the node admits (LOYALTY_ADMISSION_MAX_IN_FLIGHT),
# so that the excess reaches the node as it would from independent clients. With fewer, the generator's own
# connection pool is the queue: the node sees a closed loop of that many clients and no admission control
# can drain a queue it is never sent.
BENCH_OVERLOAD_OPEN_CONNECTIONS=${BENCH_OVERLOAD_OPEN_CONNECTIONS:-2048}
BENCH_OVERLOAD_EVENT_LOOPS=${BENCH_OVERLOAD_EVENT_LOOPS:-2}   # the open loops' event loops (one lags at ~1,200/s)
BENCH_OVERLOAD_SERVER_NICE=${BENCH_OVERLOAD_SERVER_NICE:-$([[ $(id -u) == 0 ]] && echo -5 || echo 0)}
BENCH_OPEN_TIMEOUT_MS=${BENCH_OPEN_TIMEOUT_MS:-10000}
BENCH_WRK_THREADS=${BENCH_WRK_THREADS:-2}
BENCH_WRK_TIMEOUT=${BENCH_WRK_TIMEOUT:-5s}
BENCH_LINES=${BENCH_LINES:-5}
BENCH_DISTURBED_PCT=${BENCH_DISTURBED_PCT:-10}    # other processes above this % of one core: disturbed
BENCH_INVARIANT_TIMEOUT=${BENCH_INVARIANT_TIMEOUT:-60}
BENCH_SEED_TIMEOUT=${BENCH_SEED_TIMEOUT:-1500}
BENCH_READ_MODEL_TIMEOUT=${BENCH_READ_MODEL_TIMEOUT:-900} # the server's warm-up of every member's read-model document
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
SMOKE_SUFFIX=; [[ $SMOKE == 0 ]] || SMOKE_SUFFIX=-smoke
BENCH_REDIS_PREFIX=${BENCH_REDIS_PREFIX:-bench-$BENCH_PG_PROFILE$SMOKE_SUFFIX}
BENCH_SERVER_JAVA_OPTS=${BENCH_SERVER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}
BENCH_SIM_JAVA_OPTS=${BENCH_SIM_JAVA_OPTS:--Xms256m -Xmx384m -XX:+UseParallelGC -XX:TieredStopAtLevel=1}
# The load generators (wrk, the open loop) run at a higher priority than the node and PostgreSQL: on two shared
# cores a generator short of CPU sends late, and its lag counts as the node's latency. Root only (else 0).
BENCH_GENERATOR_NICE=${BENCH_GENERATOR_NICE:-$([[ $(id -u) == 0 ]] && echo -10 || echo 0)}
# The node's own priority: 0 (as PostgreSQL's) unless set; a negative value stands in for a database on its own
# machine (production), whose backends then cannot delay the node's event loops.
BENCH_SERVER_NICE=${BENCH_SERVER_NICE:-0}
BENCH_METRICS_PORT=${BENCH_METRICS_PORT:-18081} # the server's /metrics, scraped after phases that need its counters
# C1 only: a fresh generator JVM otherwise spends a good part of a core in C2 during the measurement.
# Shenandoah: ParallelGC's young collections of 2,048 connections' state stopped the generator for tens of
# milliseconds, and every answer in flight then looked that much later (send lag p99 36 ms; 8 ms with it).
BENCH_GENERATOR_JAVA_OPTS=${BENCH_GENERATOR_JAVA_OPTS:--Xms256m -Xmx512m -XX:+UseShenandoahGC -XX:TieredStopAtLevel=1}

# The stamp names the run's files and ids: two runs started in the same second take the next free one.
mkdir -p bench-results
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
while ! mkdir "bench-results/$STAMP-raw" 2>/dev/null; do
  sleep 1; STAMP=$(date -u +%Y%m%dT%H%M%SZ)
done
RAW=bench-results/$STAMP-raw
BASE=http://127.0.0.1:$BENCH_PORT
PREFIX=bn-$STAMP                                  # every id this run writes starts with it
RUN_SEED=$(( $(date +%s) % 100000 * 100 + RANDOM % 100 ))
mkdir -p "$RAW" "$BENCH_HOME"

source scripts/lib/bench-common.sh
source scripts/lib/bench-pg.sh
source scripts/lib/bench-server.sh

source scripts/lib/services.sh
ensure_all > /dev/null
ensure_bench_tools > /dev/null
for tool in wrk pgbench psql curl jstat timeout runuser; do
  command -v "$tool" >/dev/null || die "$tool is not installed (scripts/lib/services.sh: ensure_bench_tools)"
done
needed_files=$((BENCH_READS_CONNECTIONS + BENCH_OPEN_CONNECTIONS + BENCH_OVERLOAD_OPEN_CONNECTIONS + 1024))
if (( $(ulimit -n) < needed_files )); then
  ulimit -n "$needed_files" 2>/dev/null || die "cannot raise ulimit -n to $needed_files (hard limit $(ulimit -Hn))"
fi

# ---------------------------------------------------------------- workloads

# Sets the P_* figures of the phase just measured from the wrk (W_*) or open-loop (O_*) results.
from_wrk() { P_RPS=$W_RPS; P_OPS=$W_REQUESTS; P_P50=$W_P50; P_P90=$W_P90; P_P99=$W_P99; P_MAX=$W_MAX; P_ERRORS=$W_ERRORS; P_NOTE="statuses $W_STATUSES"; }
from_open() { P_OFFERED=$1; P_RPS=$O_OK_RPS; P_OPS=$O_OK; P_P50=$O_P50; P_P90=$O_P90; P_P99=$O_P99; P_MAX=$O_MAX; P_ERRORS=$O_ERRORS; P_NOTE="offered $1/s, sent $O_RPS/s, outcomes {$O_OUTCOMES}, send lag p99 $O_LAG_P99 ms"; }
from_pgbench() { P_RPS=$G_TPS; P_OPS=$G_DONE; P_P50=; P_P90=; P_P99=; P_MAX=; P_ERRORS=0; P_NOTE="pgbench, $G_CLIENTS clients, latency avg $G_LAT_MS ms"; }

# Phase bookkeeping of the current workload: markdown rows and JSON members, and the disturbed flag.
begin_workload() {
  W_NAME=$1; MD_ROWS=(); JSON_PHASES=(); DISTURBED=false; W_T0=$SECONDS
  say "== $W_NAME"
}
record_phase() { # NAME LABEL: after from_*
  MD_ROWS+=("$(md_phase "$2")")
  JSON_PHASES+=("$(json_phase "$1")")
  [[ $M_DISTURBED == false ]] || DISTURBED=true
  P_OFFERED=
}

health_ceiling() { # CONNECTIONS: sets HEALTH_RPS
  run_wrk "$W_NAME-health" "$1" "$BENCH_CEILING_SECONDS" /health/live
  from_wrk; record_phase health_live "ceiling: GET /health/live, wrk $1 conn"
  HEALTH_RPS=$W_RPS
}

# finish_workload JSON_EXTRA MD_EXTRA: writes bench-results/<workload>-<stamp>.{md,json}.
finish_workload() {
  local json_extra=$1 md_extra=$2 base=bench-results/$W_NAME-$STAMP
  local phases; phases=$(IFS=,; echo "${JSON_PHASES[*]}")
  printf '{"workload":"%s","stamp":"%s","commit":"%s","profile":"%s","smoke":%s,"members":%s,"machine":{"cpus":%s,"cpu":"%s","mem_gb":%s,"load_before":"%s"},"postgres":{"version":"%s","settings":"%s","huge_pages":"%s","prewarmed_mb":%s,"statements":%s},"disturbed":%s,"seconds":%s,"phases":{%s},%s}\n' \
    "$W_NAME" "$STAMP" "$RUN_COMMIT" "$BENCH_PG_PROFILE" "$([[ $SMOKE == 1 ]] && echo true || echo false)" \
    "$DB_MEMBERS" "$NPROC" "$RUN_CPU" "$RUN_MEM_GB" "$RUN_LOAD" "$RUN_PG_VERSION" "$RUN_PG_SETTINGS" "${HUGEPAGES:-not reserved}" "${PREWARM_MB:-0}" "$(statements_enabled && echo true || echo false)" "$DISTURBED" \
    "$((SECONDS - W_T0))" "$phases" "$json_extra" > "$base.json"
  {
    echo "# $W_NAME benchmark, $STAMP${SMOKE_SUFFIX:+ (SMOKE: tiny scale, not a measurement)}"
    echo
    echo "- code $RUN_COMMIT; PostgreSQL profile **$BENCH_PG_PROFILE** ($RUN_PG_VERSION: $RUN_PG_SETTINGS); huge pages ${HUGEPAGES:-not reserved}; prewarmed ${PREWARM_MB:-0} MB$(statements_enabled && echo "; pg_stat_statements on (statements-<phase>.txt)")"
    echo "- machine: $NPROC x $RUN_CPU, $RUN_MEM_GB GiB, load average $RUN_LOAD when the run started; $DB_MEMBERS members; server \`$BENCH_SERVER_JAVA_OPTS\`"
    echo "- disturbed: **$DISTURBED** (other processes used $BENCH_DISTURBED_PCT % of a core or more in a phase); raw outputs in $RAW/"
    echo
    md_header
    printf '%s\n' "${MD_ROWS[@]}"
    echo
    printf '%s\n' "$md_extra"
  } > "$base.md"
  say "$W_NAME: written to $base.md and $base.json"
  WRITTEN+=("$base.json")
}

# The server warms the read model at start (every run starts with an empty Redis prefix): no phase measures a
# cold model. Sets READ_MODEL_WARM_S; then samples the documents' memory (READ_MODEL_BYTES: average per member).
read_model_wait() {
  local t0=$SECONDS marker="$BENCH_REDIS_PREFIX:mv:complete"
  say "waiting for the read model's warm-up ($BENCH_MEMBERS members)"
  until [[ $(redis-cli -u "$BENCH_REDIS_URL" exists "$marker" 2>/dev/null) == 1 ]]; do
    (( SECONDS - t0 < BENCH_READ_MODEL_TIMEOUT )) || die "the read model was not warm after $BENCH_READ_MODEL_TIMEOUT s"
    sleep 1
  done
  READ_MODEL_WARM_S=$((SECONDS - t0))
  local sample total=0 n=0 bytes
  sample=$(tail -n +2 "$MEMBERS_CSV" | shuf -n 500 --random-source=<(yes "$RUN_SEED") | cut -d, -f1)
  for id in $sample; do
    bytes=$(redis-cli -u "$BENCH_REDIS_URL" memory usage "$BENCH_REDIS_PREFIX:mv:$TENANT_ID:$id" 2>/dev/null)
    [[ $bytes =~ ^[0-9]+$ ]] && { total=$((total + bytes)); n=$((n + 1)); }
  done
  READ_MODEL_BYTES=$(( n > 0 ? total / n : 0 ))
  say "read model warm in ${READ_MODEL_WARM_S}s; ${READ_MODEL_BYTES} bytes per member (MEMORY USAGE of $n sampled documents)"
}

workload_reads() {
  begin_workload reads
  cat > "$RAW/pk.sql" <<SQL
\set id random($MEMBER_MIN_ID, $MEMBER_MAX_ID)
select * from members where id = :id;
SQL
  run_pgbench "$BENCH_PGBENCH_CLIENTS" "$RAW/pk.sql" reads-pgbench
  from_pgbench "$BENCH_PGBENCH_CLIENTS"; record_phase pgbench_pk "ceiling: pgbench PK SELECT"; local pg=$G_TPS
  health_ceiling "$BENCH_READS_CONNECTIONS"
  warm_up reads "$BENCH_READS_WARMUP" "$BENCH_READS_CONNECTIONS" -- reads "$MEMBERS_CSV" "$ADMIN_KEY" x "$((RUN_SEED + 1))"
  run_wrk reads-closed "$BENCH_READS_CONNECTIONS" "$BENCH_DURATION" "" -- reads "$MEMBERS_CSV" "$ADMIN_KEY" x "$RUN_SEED"
  from_wrk; record_phase closed "read mix, closed loop, wrk $BENCH_READS_CONNECTIONS conn"; local closed=$W_RPS
  run_open reads-open "$BENCH_READS_RATE" "$BENCH_DURATION" --ids "$MEMBERS_CSV" \
    --header "Authorization: Bearer $ADMIN_KEY" --url "$BASE/v1/members/{id}/status" --url "$BASE/v1/members/{id}" \
    --url "$BASE/v1/members/{id}/transactions?limit=10"
  from_open "$BENCH_READS_RATE"; record_phase open "read mix, open loop at $BENCH_READS_RATE/s"
  finish_workload "\"ratios\":{\"closed_to_pgbench_pk\":$(ratio "$closed" "$pg"),\"closed_to_health_live\":$(ratio "$closed" "$HEALTH_RPS")},\"read_model\":{\"warm_up_s\":$READ_MODEL_WARM_S,\"bytes_per_member\":$READ_MODEL_BYTES,\"members\":$BENCH_MEMBERS},\"invariants\":null" \
    "Ratios: closed loop ÷ pgbench PK = **$(ratio "$closed" "$pg")**; closed loop ÷ /health/live = **$(ratio "$closed" "$HEALTH_RPS")**. Reads write nothing: no invariant check. Read model: warm ${READ_MODEL_WARM_S} s after the server's start, **${READ_MODEL_BYTES} bytes per member** in Redis (≈ $(( READ_MODEL_BYTES * BENCH_MEMBERS / 1048576 )) MiB for $BENCH_MEMBERS members)."
}

# The minimal SQL of one earning, one statement and one commit: one transaction row, one ledger entry, one
# lot, one balance update, one outbox row; random member, unique transaction id per client.
earn_sql() {
  local items; items=$(head -n 1 "$BASKETS_FILE" | sed 's/.*"items"://')
  cat <<SQL
\set member random($MEMBER_MIN_ID, $MEMBER_MAX_ID)
\set points random(300, 1500)
\set n :n + 1
with t as (
  insert into transactions (tenant_id, transaction_id, member_id, occurred_at, total, currency, channel, store_id,
                            items, points_earned, request_hash)
  values ('$TENANT_ID', '$PREFIX-pgb-' || :client_id || '-' || :n, :member, now(), 51234, 'EUR', 'store', 'store-17',
          '$items', :points, 'pgbench')
  returning tenant_id, member_id, transaction_id, points_earned),
e as (
  insert into ledger_entries (tenant_id, member_id, kind, points, cause_type, cause_id, available_at, expires_at)
  select tenant_id, member_id, 'earn', points_earned, 'transaction', transaction_id, now(), now() + interval '365 days'
    from t
  returning id, tenant_id, member_id, points, cause_id, available_at, expires_at),
l as (
  insert into point_lots (tenant_id, member_id, ledger_entry_id, cause_type, cause_id, points, remaining,
                          available_at, expires_at, released)
  select tenant_id, member_id, id, 'transaction', cause_id, points, points, available_at, expires_at, true from e),
b as (
  update member_balances m set available = m.available + e.points, lifetime_earned = m.lifetime_earned + e.points,
         transaction_count = m.transaction_count + 1, total_spent = m.total_spent + 51234, version = m.version + 1,
         updated_at = now()
    from e where m.member_id = e.member_id)
insert into outbox (tenant_id, member_id, event_type, payload)
select tenant_id, member_id, 'points.earned', jsonb_build_object('transactionId', cause_id, 'points', points) from e;
SQL
}

# The same for a redemption: the oldest released lot that covers it, the redemption row, a negative ledger
# entry, the balance, the fulfillment job (already done: nothing for the partner), an outbox row; one commit.
redeem_sql() {
  cat <<SQL
\set member random($MEMBER_MIN_ID, $MEMBER_MAX_ID)
\set n :n + 1
with lot as (
  update point_lots p set remaining = p.remaining - $BENCH_REDEEM_COST
   where p.id = (select id from point_lots where member_id = :member and remaining > 0
                    and remaining >= $BENCH_REDEEM_COST and released order by expires_at, id limit 1)
  returning p.tenant_id, p.member_id),
r as (
  insert into redemptions (tenant_id, redemption_id, member_id, reward_id, quantity, points_spent, status, request_hash)
  select tenant_id, '$PREFIX-pgb-' || :client_id || '-' || :n, member_id, '$REWARD', 1, $BENCH_REDEEM_COST,
         'fulfilled', 'pgbench' from lot
  returning tenant_id, member_id, redemption_id),
e as (
  insert into ledger_entries (tenant_id, member_id, kind, points, cause_type, cause_id, available_at)
  select tenant_id, member_id, 'redeem', -$BENCH_REDEEM_COST, 'redemption', redemption_id, now() from r),
b as (
  update member_balances m set available = m.available - $BENCH_REDEEM_COST, version = m.version + 1, updated_at = now()
    from r where m.member_id = r.member_id),
j as (
  insert into fulfillment_jobs (tenant_id, redemption_id, partner_id, partner_sku, quantity, status)
  select tenant_id, redemption_id, 'giftco', 'GC-BENCH', 1, 'done' from r)
insert into outbox (tenant_id, member_id, event_type, payload)
select tenant_id, member_id, 'reward.redeemed', jsonb_build_object('redemptionId', redemption_id) from r;
SQL
}

# The invariant check's member set: ids of this run in a table whose primary key is (tenant_id, <id column>).
run_members() { # TABLE ID_COLUMN
  echo "select member_id from $1 where tenant_id = '$TENANT_ID' and $2 >= '$PREFIX-' and $2 < '$PREFIX.'"
}

invariants_json() {
  printf '"invariants":{"members":%s,"balance_vs_entries":%s,"pending_vs_lots":%s,"available_vs_lots":%s,"violations":%s,"seconds":%s,"error":%s}' \
    "${INV_MEMBERS:-0}" "$INV_BALANCE" "$INV_PENDING" "$INV_AVAILABLE" "$INV_VIOLATIONS" "$INV_SECONDS" \
    "$([[ -z $INV_ERROR ]] && echo null || printf '"%s"' "${INV_ERROR//\"/\'}")"
}
invariants_md() {
  echo "Invariants of the $INV_MEMBERS members this run touched (checked in $INV_SECONDS s): available + pending ≠ sum of entries **$INV_BALANCE**, pending ≠ unreleased lots **$INV_PENDING**, available ≠ released lots **$INV_AVAILABLE**${INV_ERROR:+; check failed: $INV_ERROR}."
}

workload_earn() {
  begin_workload earn
  earn_sql > "$RAW/earn.sql"
  run_pgbench "$BENCH_PGBENCH_CLIENTS" "$RAW/earn.sql" earn-pgbench -D n=0
  from_pgbench "$BENCH_PGBENCH_CLIENTS"; record_phase pgbench_minimal "ceiling: pgbench, minimal SQL of an earning"; local pg=$G_TPS
  health_ceiling "$BENCH_EARN_CONNECTIONS"
  warm_up earn "$BENCH_WARMUP" "$BENCH_EARN_CONNECTIONS" -- earn "$MEMBERS_CSV" "$POS_KEY" "$PREFIX-w" "$((RUN_SEED + 2))" \
    "$BASKETS_FILE"
  run_wrk earn-closed "$BENCH_EARN_CONNECTIONS" "$BENCH_DURATION" "" -- earn "$MEMBERS_CSV" "$POS_KEY" "$PREFIX-c" \
    "$((RUN_SEED + 3))" "$BASKETS_FILE"
  from_wrk; record_phase closed "POST /v1/transactions, closed loop, wrk $BENCH_EARN_CONNECTIONS conn"; local closed=$W_RPS
  run_open earn-open "$BENCH_EARN_RATE" "$BENCH_DURATION" --ids "$MEMBERS_CSV" --header "Authorization: Bearer $POS_KEY" \
    --url "$BASE/v1/transactions" --lines "$BENCH_LINES" \
    --body "{\"transactionId\":\"$PREFIX-o-{seq}\",\"memberExternalId\":\"{id}\",\"occurredAt\":\"{occurredAt}\",\"currency\":\"EUR\",{basket}}"
  from_open "$BENCH_EARN_RATE"; record_phase open "POST /v1/transactions, open loop at $BENCH_EARN_RATE/s"
  say "earn: invariants"
  check_invariants "$(run_members transactions transaction_id)"
  finish_workload "\"ratios\":{\"closed_to_pgbench_minimal\":$(ratio "$closed" "$pg"),\"closed_to_health_live\":$(ratio "$closed" "$HEALTH_RPS")},$(invariants_json)" \
    "Ratios: closed loop ÷ pgbench of the minimal earning SQL = **$(ratio "$closed" "$pg")**; ÷ /health/live = **$(ratio "$closed" "$HEALTH_RPS")**.

$(invariants_md)"
}

fulfillment_left() {
  psql "$PG_URL" -XAtc "select count(*) from fulfillment_jobs where status in ('queued', 'leased')"
}
drain() { # WHAT-FUNCTION SECONDS: prints the seconds it took, or "> N"
  local t0=$SECONDS
  while (( $($1) > 0 )); do
    (( SECONDS - t0 < $2 )) || { echo "> $2"; return; }
    sleep 1
  done
  echo $((SECONDS - t0))
}

workload_redeem() {
  begin_workload redeem
  reward_setup
  redeem_sql > "$RAW/redeem.sql"
  run_pgbench "$BENCH_PGBENCH_CLIENTS" "$RAW/redeem.sql" redeem-pgbench -D n=0
  from_pgbench "$BENCH_PGBENCH_CLIENTS"; record_phase pgbench_minimal "ceiling: pgbench, minimal SQL of a redemption"; local pg=$G_TPS
  health_ceiling "$BENCH_REDEEM_CONNECTIONS"
  warm_up redeem "$BENCH_WARMUP" "$BENCH_REDEEM_CONNECTIONS" -- redeem "$MEMBERS_CSV" "$POS_KEY" "$PREFIX-w" \
    "$((RUN_SEED + 4))" "$REWARD"
  run_wrk redeem-closed "$BENCH_REDEEM_CONNECTIONS" "$BENCH_DURATION" "" -- redeem "$MEMBERS_CSV" "$POS_KEY" "$PREFIX-c" \
    "$((RUN_SEED + 5))" "$REWARD"
  from_wrk; record_phase closed "POST /v1/redemptions, closed loop, wrk $BENCH_REDEEM_CONNECTIONS conn"; local closed=$W_RPS
  local queue_after_closed; queue_after_closed=$(fulfillment_left)
  run_open redeem-open "$BENCH_REDEEM_RATE" "$BENCH_DURATION" --ids "$MEMBERS_CSV" \
    --header "Authorization: Bearer $POS_KEY" --url "$BASE/v1/redemptions" \
    --body "{\"redemptionId\":\"$PREFIX-o-{seq}\",\"memberExternalId\":\"{id}\",\"rewardId\":\"$REWARD\",\"quantity\":1}"
  from_open "$BENCH_REDEEM_RATE"; record_phase open "POST /v1/redemptions, open loop at $BENCH_REDEEM_RATE/s"
  local queue_after_open; queue_after_open=$(fulfillment_left)
  say "redeem: waiting for fulfillment to drain ($queue_after_open jobs, at most ${BENCH_DRAIN}s)"
  local drained; drained=$(drain fulfillment_left "$BENCH_DRAIN")
  local pending failed
  read -r pending failed < <(psql "$PG_URL" -XAtF ' ' -c "select count(*) filter (where status = 'pending'),
    count(*) filter (where status = 'failed') from redemptions where tenant_id = '$TENANT_ID'
    and redemption_id >= '$PREFIX-' and redemption_id < '$PREFIX.'")
  say "redeem: invariants"
  check_invariants "$(run_members redemptions redemption_id)"
  finish_workload "\"ratios\":{\"closed_to_pgbench_minimal\":$(ratio "$closed" "$pg"),\"closed_to_health_live\":$(ratio "$closed" "$HEALTH_RPS")},\"fulfillment\":{\"queue_after_closed\":$queue_after_closed,\"queue_after_open\":$queue_after_open,\"drain_seconds\":\"$drained\",\"pending_after\":$pending,\"failed\":$failed},$(invariants_json)" \
    "Ratios: closed loop ÷ pgbench of the minimal redemption SQL = **$(ratio "$closed" "$pg")**; ÷ /health/live = **$(ratio "$closed" "$HEALTH_RPS")**.

Fulfillment: $queue_after_closed jobs queued after the closed loop, $queue_after_open after the open loop; drained in $drained s; redemptions of this run still pending: $pending, failed: $failed.

$(invariants_md)"
}

pending_items() { psql "$PG_URL" -XAtc "select count(*) from inbox_items where status = 'pending'"; }

# The COPY rate of the rows an applied purchase writes: a transaction row, a ledger entry, a lot and an
# outbox row per event, in one transaction that is rolled back (so it leaves nothing behind). Sets COPY_EPS.
copy_ceiling() {
  local n=$BENCH_COPY_ROWS entry
  entry=$(psql "$PG_URL" -XAtc "select min(id) from ledger_entries")
  awk -v n="$n" -v lo="$MEMBER_MIN_ID" -v hi="$MEMBER_MAX_ID" -v t="$TENANT_ID" -v p="$PREFIX-copy" -v e="$entry" \
    -v dir="$RAW" -v seed="$RUN_SEED" 'BEGIN { srand(seed) }
    NR <= 1000 { sub(/.*"items":/, ""); items[NR] = $0; k = NR }
    END {
      for (i = 1; i <= n; i++) {
        m = lo + int(rand() * (hi - lo + 1)); pts = 300 + int(rand() * 1200); id = p "-" i
        printf "%s\t%s\t%d\t2026-12-01 10:00:00+00\t51234\tEUR\tstore\tstore-17\t%s\t%d\tcopy\n", t, id, m, items[1 + i % k], pts > (dir "/copy-transactions.tsv")
        printf "%s\t%d\tearn\t%d\ttransaction\t%s\t2026-12-01 10:00:00+00\n", t, m, pts, id > (dir "/copy-entries.tsv")
        printf "%s\t%d\t%s\ttransaction\t%s\t%d\t%d\t2026-12-01 10:00:00+00\tt\n", t, m, e, id, pts, pts > (dir "/copy-lots.tsv")
        printf "%s\t%d\tpoints.earned\t{\"transactionId\":\"%s\",\"points\":%d}\n", t, m, id, pts > (dir "/copy-outbox.tsv")
      }
    }' "$BASKETS_FILE"
  measure_start ingest-copy
  local t0; t0=$(date +%s.%N)
  bounded 300 psql "$PG_URL" -XAtq -v ON_ERROR_STOP=1 > "$RAW/ingest-copy.txt" 2>&1 <<SQL || say "the COPY ceiling failed (see $RAW/ingest-copy.txt)"
begin;
\copy transactions (tenant_id, transaction_id, member_id, occurred_at, total, currency, channel, store_id, items, points_earned, request_hash) from '$RAW/copy-transactions.tsv'
\copy ledger_entries (tenant_id, member_id, kind, points, cause_type, cause_id, available_at) from '$RAW/copy-entries.tsv'
\copy point_lots (tenant_id, member_id, ledger_entry_id, cause_type, cause_id, points, remaining, available_at, released) from '$RAW/copy-lots.tsv'
\copy outbox (tenant_id, member_id, event_type, payload) from '$RAW/copy-outbox.tsv'
rollback;
SQL
  local secs; secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  COPY_EPS=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
  grep -qi error "$RAW/ingest-copy.txt" && COPY_EPS=0
  measure_stop ingest-copy "$n"
  P_RPS=$COPY_EPS; P_OPS=$n; P_P50=; P_P90=; P_P99=; P_MAX=; P_ERRORS=0
  P_NOTE="COPY of $n events' rows (transaction, entry, lot, outbox) in one transaction, rolled back"
  record_phase copy "ceiling: COPY of the equivalent rows"
}

# Deletes the still pending inbox items of the batches whose id starts with $1; prints how many.
discard_pending() {
  psql "$PG_URL" -XAtc "with d as (delete from inbox_items where status = 'pending' and batch in
    (select id from event_batches where tenant_id = '$TENANT_ID' and batch_id >= '$1' and batch_id < '${1%-}.')
    returning 1) select count(*) from d"
}

workload_ingest() {
  begin_workload ingest
  copy_ceiling
  local batches_per_s
  batches_per_s=$(awk -v r="$BENCH_INGEST_RATE" -v b="$BENCH_INGEST_BATCH" 'BEGIN { printf "%.3f", r / b }')
  local body="{\"batchId\":\"$PREFIX-b-{seq}\",\"items\":{events}}"
  say "ingest: warm-up ${BENCH_WARMUP}s at $BENCH_INGEST_RATE events/s"
  BENCH_OPEN_WARMUP=0 run_open ingest-warmup "$batches_per_s" "$BENCH_WARMUP" --ids "$MEMBERS_CSV" \
    --header "Authorization: Bearer $POS_KEY" --url "$BASE/v1/event-batches" --prefix "$PREFIX-w" \
    --batch-size "$BENCH_INGEST_BATCH" --event-share "$BENCH_INGEST_EVENT_SHARE" --lines "$BENCH_LINES" \
    --connections 16 --body "{\"batchId\":\"$PREFIX-wb-{seq}\",\"items\":{events}}"
  drain pending_items "$BENCH_DRAIN" > /dev/null
  discard_pending "$PREFIX-wb-" > /dev/null # the warm-up's leftovers must not load the measured phase
  local t0; t0=$(date +%s.%N)
  # The measured phase spans the load and the drain after it: every event of it applied.
  measure_start ingest-load
  timeout --kill-after=10 $((BENCH_INGEST_SECONDS + 210)) java $BENCH_GENERATOR_JAVA_OPTS -cp "target/test-classes:$JAR" \
    org.loyaltyengine.bench.OpenLoop --rate "$batches_per_s" --duration "$BENCH_INGEST_SECONDS" --warmup 0 \
    --connections 16 --timeout-ms 30000 --ids "$MEMBERS_CSV" --header "Authorization: Bearer $POS_KEY" \
    --url "$BASE/v1/event-batches" --prefix "$PREFIX-m" --batch-size "$BENCH_INGEST_BATCH" \
    --event-share "$BENCH_INGEST_EVENT_SHARE" --lines "$BENCH_LINES" --body "$body" > "$RAW/ingest-load.txt" 2>&1 &
  GEN_PID=$!
  wait "$GEN_PID" || say "the ingestion driver failed (see $RAW/ingest-load.txt)"
  GEN_PID=
  local t1; t1=$(date +%s.%N)
  say "ingest: load over; waiting for the inbox to drain (at most ${BENCH_DRAIN}s)"
  local drained; drained=$(drain pending_items "$BENCH_DRAIN")
  local items applied dupl failed pending lag50 lag99 lagmax span in_load
  read -r items applied dupl failed pending lag50 lag99 lagmax span in_load < <(psql "$PG_URL" -XAtF ' ' -c "
    with b as (select id, created_at from event_batches
                where tenant_id = '$TENANT_ID' and batch_id >= '$PREFIX-b-' and batch_id < '$PREFIX-b.'),
         i as (select i.status, i.created_at, i.processed_at from inbox_items i join b on i.batch = b.id and i.created_at = b.created_at)
    select count(*), count(*) filter (where status = 'applied'), count(*) filter (where status = 'duplicate'),
           count(*) filter (where status = 'failed'), count(*) filter (where status = 'pending'),
           coalesce(round(1000 * extract(epoch from percentile_cont(0.5) within group (order by processed_at - created_at))::numeric), 0),
           coalesce(round(1000 * extract(epoch from percentile_cont(0.99) within group (order by processed_at - created_at))::numeric), 0),
           coalesce(round(1000 * extract(epoch from max(processed_at - created_at))::numeric), 0),
           coalesce(round(extract(epoch from max(processed_at) - min(created_at))::numeric, 1), 0),
           count(*) filter (where processed_at <= to_timestamp($t1))
      from i")
  measure_stop ingest-load "$applied"
  # What the drain bound left pending is discarded (never applied, so the ledger is untouched), so it does
  # not load the workloads and runs after this one.
  local discarded; discarded=$(discard_pending "$PREFIX-")
  (( discarded == 0 )) || say "ingest: discarded $discarded events still pending after the drain bound"
  local line; line=$(grep '^RESULT ' "$RAW/ingest-load.txt" || echo RESULT)
  local eps; eps=$(awk -v n="$applied" -v s="$span" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print 0 }')
  P_RPS=$eps; P_OPS=$applied; P_P50=$lag50; P_P90=; P_P99=$lag99; P_MAX=$lagmax
  local batch_errors; batch_errors=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<< "$line ")
  P_ERRORS=$(( failed + pending + ${batch_errors:-0} * BENCH_INGEST_BATCH ))
  P_NOTE="offered $BENCH_INGEST_RATE events/s for ${BENCH_INGEST_SECONDS}s in batches of $BENCH_INGEST_BATCH; latencies are the lag accepted → applied; $dupl duplicates, $failed failed, $pending pending; drained in $drained s; $discarded discarded"
  record_phase applied "events applied end to end (POST /v1/event-batches → ledger)"
  say "ingest: invariants"
  check_invariants "$(run_members transactions transaction_id) union all $(run_members member_events event_id)"
  finish_workload "\"ratios\":{\"applied_to_copy\":$(ratio "$eps" "$COPY_EPS")},\"ingest\":{\"offered_eps\":$BENCH_INGEST_RATE,\"items\":$items,\"applied\":$applied,\"duplicate\":$dupl,\"failed\":$failed,\"pending\":$pending,\"lag_p50_ms\":$lag50,\"lag_p99_ms\":$lag99,\"lag_max_ms\":$lagmax,\"applied_during_load\":$in_load,\"drain_seconds\":\"$drained\",\"discarded_pending\":$discarded},$(invariants_json)" \
    "Applied $applied of $items events at **$eps events/s** (first accepted → last applied), $in_load of them before the load ended; lag p50 $lag50 ms, p99 $lag99 ms, max $lagmax ms. Ratio applied ÷ COPY of the equivalent rows = **$(ratio "$eps" "$COPY_EPS")**.

$(invariants_md)"
}

# Issue 13's admission-control check: the node's capacity (closed loop), the latency at that rate (open loop at
# 1.0 x), then an open loop at 2 x: served throughput, served p99, rejection p99, timeouts. The mix is the earn
# path by default: on two shared cores a generator cannot offer twice the read capacity (~30,000 req/s) and
# still leave the node its CPU, while twice the earn capacity costs it little (BENCH_OVERLOAD_MIX=reads|earn).
# The capacity phases run with the latency controller on, as in production; the other workloads measure
# capacity with it off (a closed loop's clients return at once after a 503: shedding them only adds errors).
# The server's admission and rate-limit counters (its management port's /metrics).
admission_metrics() {
  curl -s "http://127.0.0.1:$BENCH_METRICS_PORT/metrics" 2>/dev/null | grep -E '^loyalty_admission|^loyalty_rate_limit' || true
}

workload_overload() {
  begin_workload overload
  # Restarted with the latency controller on, and before the co-located PostgreSQL in priority: a node's event
  # loops on their own machine do not wait for a core behind the database's backends.
  server_stop
  BENCH_LATENCY_SHEDDING=true BENCH_SERVER_NICE=$BENCH_OVERLOAD_SERVER_NICE server_start keep
  read_model_wait
  local mix=$BENCH_OVERLOAD_MIX open_args closed_args warm_args
  if [[ $mix == earn ]]; then
    closed_args=(-- earn "$MEMBERS_CSV" "$POS_KEY" "$PREFIX-oc" "$((RUN_SEED + 6))" "$BASKETS_FILE")
    warm_args=(-- earn "$MEMBERS_CSV" "$POS_KEY" "$PREFIX-ow" "$((RUN_SEED + 7))" "$BASKETS_FILE")
    open_args=(--ids "$MEMBERS_CSV" --header "Authorization: Bearer $POS_KEY" --url "$BASE/v1/transactions"
      --lines "$BENCH_LINES"
      --body "{\"transactionId\":\"$PREFIX-ov{phase}-{seq}\",\"memberExternalId\":\"{id}\",\"occurredAt\":\"{occurredAt}\",\"currency\":\"EUR\",{basket}}")
  else
    closed_args=(-- reads "$MEMBERS_CSV" "$ADMIN_KEY" x "$((RUN_SEED + 6))")
    warm_args=(-- reads "$MEMBERS_CSV" "$ADMIN_KEY" x "$((RUN_SEED + 7))")
    open_args=(--ids "$MEMBERS_CSV" --header "Authorization: Bearer $ADMIN_KEY" --url "$BASE/v1/members/{id}/status"
      --url "$BASE/v1/members/{id}" --url "$BASE/v1/members/{id}/transactions?limit=10")
  fi
  # The server was just restarted: a cold JIT makes the first seconds several times dearer (C2 compiling on the
  # same two cores), which would understate the capacity and overstate every latency after it.
  warm_up overload "$BENCH_WARMUP" "$BENCH_OVERLOAD_CONNECTIONS" "${warm_args[@]}"
  run_wrk overload-capacity "$BENCH_OVERLOAD_CONNECTIONS" "$BENCH_DURATION" "" "${closed_args[@]}"
  from_wrk; record_phase capacity "capacity: $mix, closed loop, wrk $BENCH_OVERLOAD_CONNECTIONS conn"
  local capacity=$W_RPS
  (( capacity > 0 )) || capacity=1
  BENCH_OPEN_EVENT_LOOPS=$BENCH_OVERLOAD_EVENT_LOOPS BENCH_OPEN_CONNECTIONS=$BENCH_OVERLOAD_OPEN_CONNECTIONS run_open overload-at-capacity "$capacity" "$BENCH_DURATION" \
    "${open_args[@]//\{phase\}/1}"
  from_open "$capacity"; record_phase at_capacity "$mix, open loop at 1 x capacity, $BENCH_OVERLOAD_OPEN_CONNECTIONS conn"
  local cap_p99=$O_OK_P99
  admission_metrics > "$RAW/overload-metrics-before-2x.txt"
  BENCH_OPEN_EVENT_LOOPS=$BENCH_OVERLOAD_EVENT_LOOPS BENCH_OPEN_CONNECTIONS=$BENCH_OVERLOAD_OPEN_CONNECTIONS run_open overload-2x "$((capacity * 2))" "$BENCH_DURATION" \
    "${open_args[@]//\{phase\}/2}"
  # Which bound refused: admission on arrival (loyalty_admission_shed_total) or an inner queue after waiting
  # (every other 503 overloaded the generator counted).
  admission_metrics > "$RAW/overload-metrics-after-2x.txt"
  from_open "$((capacity * 2))"; record_phase twice_capacity "$mix, open loop at 2 x capacity, $BENCH_OVERLOAD_OPEN_CONNECTIONS conn"
  local served=$O_OK_RPS
  local inv_json=null inv_md="The read mix writes nothing: no invariant check."
  if [[ $mix == earn ]]; then
    say "overload: invariants"
    check_invariants "$(run_members transactions transaction_id)"
    inv_json=$(invariants_json | sed 's/^"invariants"://'); inv_md=$(invariants_md)
  fi
  # A generator short of CPU sends late: the latencies (from the intended time) then include its own lag.
  finish_workload "\"overload\":{\"mix\":\"$mix\",\"capacity_rps\":$capacity,\"at_capacity_p99_ms\":$cap_p99,\"offered_rps\":$((capacity * 2)),\"sent_rps\":$O_RPS,\"send_lag_p99_ms\":$O_LAG_P99,\"served_rps\":$served,\"served_to_capacity\":$(ratio "$served" "$capacity"),\"served_p99_ms\":$O_OK_P99,\"served_p99_to_at_capacity_p99\":$(ratio "$O_OK_P99" "$cap_p99"),\"rejected\":$O_REJECTED,\"rejected_p99_ms\":$O_REJ_P99,\"timeouts\":$O_TIMEOUTS},\"invariants\":$inv_json" \
    "Mix: $mix. Capacity (closed loop) $capacity req/s; at 1 x: 2xx p99 $cap_p99 ms. At 2 x ($((capacity * 2)) req/s offered, $O_RPS/s sent, generator lag p99 $O_LAG_P99 ms): served **$served 2xx/s = $(ratio "$served" "$capacity") x capacity** (target ≥ 0.9), served p99 **$O_OK_P99 ms = $(ratio "$O_OK_P99" "$cap_p99") x** the at-capacity p99 (target ≤ 2), **$O_REJECTED rejections (503), p99 $O_REJ_P99 ms** (target ≤ 10 ms), **$O_TIMEOUTS timeouts** (target 0).

$inv_md"
}

# ---------------------------------------------------------------- the run

WRITTEN=()
pg_select
say "bench $WORKLOAD, PostgreSQL profile $BENCH_PG_PROFILE$SMOKE_SUFFIX, run $STAMP"
bench_build
pg_start
on_exit pg_stop
PG_POSTMASTER=$(pg_postmaster_pid)
pg_seed
pg_prewarm_hot
describe_run
server_start
tenant_setup
read_model_wait # after the set-up: its new tier set has every document rendered again
for w in "${WORKLOADS[@]}"; do "workload_$w"; done

# Every JSON line parses and carries sane figures: each measured phase did work, the invariants held.
python3 - "${WRITTEN[@]}" <<'PY' || die "a report is missing or not sane (see above)"
import json, sys
bad = []
for path in sys.argv[1:]:
    lines = open(path).read().splitlines()
    if len(lines) != 1:
        bad.append(f"{path}: {len(lines)} lines, expected one"); continue
    d = json.loads(lines[0])
    for key in ("workload", "stamp", "commit", "profile", "members", "phases", "disturbed"):
        if key not in d: bad.append(f"{path}: no {key}")
    for name, p in d.get("phases", {}).items():
        for key in ("throughput", "p99_ms", "errors", "server_cpu_us_per_op", "wal_bytes_per_op", "fpi_per_op",
                    "checkpoints", "gc_young", "heap_peak_mb", "cpu_split_pct_of_core", "disturbed"):
            if key not in p: bad.append(f"{path}: phase {name} has no {key}")
        if not p.get("throughput", 0) > 0: bad.append(f"{path}: phase {name} did no work")
    inv = d.get("invariants")
    if inv is not None and (inv.get("violations") != 0 or inv.get("members", 0) <= 0):
        bad.append(f"{path}: invariants {inv}")
print("\n".join(bad) if bad else f"{len(sys.argv) - 1} reports checked")
sys.exit(1 if bad else 0)
PY
say "done: ${WRITTEN[*]}"
