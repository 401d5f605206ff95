# scripts/bench.sh, part of its one library: the PostgreSQL instance, seeding, ceilings and invariant checks.
# Sourced after bench-common.sh. Uses BENCH_PG_PROFILE (prod|stock), BENCH_HOME, BENCH_DB, RAW.

PG_BIN=${BENCH_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PROFILE_FILE=$PWD/docker/postgres/postgresql.conf

# Sets PG_HOST_URL (server, no database), PG_URL (the bench database) and PG_DATA (prod only).
pg_select() {
  case $BENCH_PG_PROFILE in
    prod)
      PG_PORT=${BENCH_PG_PORT:-55432}
      PG_DATA=$BENCH_HOME/${BENCH_PG_DATA_NAME:-pg-prod}
      ;;
    stock)
      PG_PORT=${BENCH_STOCK_PORT:-5432}
      PG_DATA=
      ;;
    *) die "--pg must be prod or stock, not $BENCH_PG_PROFILE" ;;
  esac
  PG_HOST_URL=postgresql://postgres@127.0.0.1:$PG_PORT
  PG_URL=$PG_HOST_URL/$BENCH_DB
}

# Runs a PostgreSQL server binary as the postgres user when we are root (the server refuses to run as root).
pg_as_owner() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ready() { psql "$PG_HOST_URL/postgres" -XAtqc 'select 1' >/dev/null 2>&1; }

# The benchmark's own instance: initdb once (kept between runs, git-ignored), started with the production
# profile included from docker/postgres/postgresql.conf; memory settings may be scaled down by
# BENCH_PG_SHARED_BUFFERS / BENCH_PG_CACHE for a small machine (smoke runs use small values).
pg_start() {
  [[ $BENCH_PG_PROFILE == prod ]] || { pg_ready || die "no PostgreSQL at 127.0.0.1:$PG_PORT (--pg stock)"; return; }
  [[ -x $PG_BIN/postgres ]] || die "PostgreSQL server binaries not found in $PG_BIN (apt-get install postgresql-15)"
  if pg_ready; then
    PG_STARTED_HERE=0
    HUGEPAGES="as the running instance has them ($(awk '/^HugePages_Total:/ { t = $2 } /^HugePages_Free:/ { f = $2 } END { print t - f }' /proc/meminfo) x 2 MB in use)"
    say "PostgreSQL (prod profile) already runs on port $PG_PORT: reusing it"
    return
  fi
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    say "initdb into $PG_DATA"
    mkdir -p "$PG_DATA"
    [[ $(id -u) != 0 ]] || chown postgres:postgres "$PG_DATA" "$BENCH_HOME"
    chmod 700 "$PG_DATA"
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --locale=C.UTF-8 --encoding=UTF8 \
      > "$BENCH_HOME/initdb.log" 2>&1 || die "initdb failed (see $BENCH_HOME/initdb.log)"
    # The profile, by absolute path, so an edit to it applies at the next start.
    echo "include '$PG_PROFILE_FILE'" | pg_as_owner tee -a "$PG_DATA/postgresql.conf" >/dev/null
  fi
  pg_reserve_huge_pages
  say "starting PostgreSQL (prod profile, port $PG_PORT, data $PG_DATA)"
  local profiling=""
  [[ ${BENCH_PG_STATEMENTS:-0} != 1 ]] || \
    profiling="-c shared_preload_libraries=pg_prewarm,pg_stat_statements -c pg_stat_statements.track=all"
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 120 start -o \
    "-c port=$PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DATA \
     -c shared_buffers=$BENCH_PG_SHARED_BUFFERS -c effective_cache_size=$BENCH_PG_CACHE $profiling" \
    > "$BENCH_HOME/pg_ctl.log" 2>&1 || { tail -n 20 "$PG_DATA/server.log" >&2; die "PostgreSQL did not start"; }
  PG_STARTED_HERE=1
}

# Stops the instance this run started (kept on disk: the next run reuses the seeded data).
pg_stop() {
  [[ $BENCH_PG_PROFILE == prod && ${PG_STARTED_HERE:-0} == 1 ]] || return 0
  say "stopping PostgreSQL (prod profile)"
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  [[ -z ${HUGEPAGES_BEFORE:-} ]] || sysctl -qw vm.nr_hugepages="$HUGEPAGES_BEFORE" || true
}

# The profile asks for huge pages (huge_pages = try), as a production database host provides them: without,
# every backend maps the 4 GB buffer pool 4 KB at a time, and on a VM each first touch of a page is a costly
# fault (measured here: a new backend's first scan of member_balances 449 ms, 44 ms with huge pages). As root,
# reserves what the instance needs (postgres -C shared_memory_size_in_huge_pages) for the run, and gives them
# back when it stops the instance; BENCH_PG_HUGEPAGES=0 leaves the kernel alone. Sets HUGEPAGES (for reports).
pg_reserve_huge_pages() {
  HUGEPAGES="not reserved"
  [[ ${BENCH_PG_HUGEPAGES:-1} == 1 && $(id -u) == 0 ]] || return 0
  local need have free
  need=$(pg_as_owner "$PG_BIN/postgres" -D "$PG_DATA" -C shared_memory_size_in_huge_pages \
    -c shared_buffers="$BENCH_PG_SHARED_BUFFERS" 2>/dev/null) || return 0
  [[ $need =~ ^[0-9]+$ ]] || return 0
  have=$(sysctl -n vm.nr_hugepages); free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
  if (( free < need )); then
    sysctl -qw vm.nr_hugepages=$((have + need - free)) 2>/dev/null || return 0
    HUGEPAGES_BEFORE=$have
  fi
  free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
  (( free >= need )) && HUGEPAGES="$need x 2 MB" || HUGEPAGES="not reserved (only $free free)"
}

pg_postmaster_pid() {
  psql "$PG_HOST_URL/postgres" -XAtc "select pid from pg_stat_activity where backend_type = 'checkpointer'" \
    | xargs -r -I{} awk '{ print $4 }' /proc/{}/stat 2>/dev/null
}

# What the seeded data depends on: the versioned migrations (repeatable ones, R__*.sql, are re-applied by the
# server at start-up on the existing data), the seeder's code, the size.
seed_key() {
  { find src/main/resources/db/migration -type f -name 'V*' -print0 | sort -z | xargs -0 sha256sum
    find src/main/java/org/loyaltyengine/seed -type f -print0 | sort -z | xargs -0 sha256sum
    echo "members=$BENCH_MEMBERS tx=10 seed=42"; } | sha256sum | cut -c1-16
}

# Seeds BENCH_MEMBERS members once per (schema, size, seed) and reuses them while the key matches: the key is
# a hash of the migrations plus the seeding arguments, kept in $BENCH_HOME next to the admin key and the
# member CSV. A changed schema drops the database and seeds again. After seeding: VACUUM ANALYZE.
# Sets ADMIN_KEY, TENANT_ID, MEMBERS_CSV, BASKETS_FILE, MEMBER_MIN_ID, MEMBER_MAX_ID.
pg_seed() {
  local key state seeded_key db_exists
  key=$(seed_key)
  state=$BENCH_HOME/seed-$BENCH_PG_PROFILE-$BENCH_DB
  MEMBERS_CSV=$state.members.csv
  BASKETS_FILE=$BENCH_HOME/baskets-$BENCH_LINES.txt
  seeded_key=$(cat "$state.key" 2>/dev/null || true)
  db_exists=$(psql "$PG_HOST_URL/postgres" -XAtc "select 1 from pg_database where datname = '$BENCH_DB'")
  if [[ $seeded_key == "$key" && $db_exists == 1 && -s $state.admin && -s $MEMBERS_CSV ]]; then
    say "reusing the seeded database $BENCH_DB (key $key)"
  else
    if [[ $db_exists == 1 ]]; then
      say "dropping $BENCH_DB (seeded with another schema or size)"
      psql "$PG_HOST_URL/postgres" -XAtqc "drop database $BENCH_DB with (force)" || die "cannot drop $BENCH_DB"
    fi
    rm -f "$state.key"
    say "seeding $BENCH_MEMBERS members x 10 transactions into $BENCH_DB"
    local t0=$SECONDS
    LOYALTY_PG_URL=$PG_URL LOYALTY_REDIS_URL=$BENCH_REDIS_URL LOYALTY_REDIS_KEY_PREFIX=$BENCH_REDIS_PREFIX \
      bounded "$BENCH_SEED_TIMEOUT" java -jar "$JAR" seed --tenant demo --members "$BENCH_MEMBERS" \
      --transactions-per-member 10 --export "$MEMBERS_CSV" > "$RAW/seed.txt" 2> "$RAW/seed.err" \
      || die "seeding failed (see $RAW/seed.err)"
    sed -n 's/^ADMIN_KEY=//p' "$RAW/seed.txt" | tail -n 1 > "$state.admin"
    chmod 600 "$state.admin"
    sed -i 's/^ADMIN_KEY=.*/ADMIN_KEY=(redacted)/' "$RAW/seed.txt"
    [[ -s $state.admin ]] || die "the seeder printed no ADMIN_KEY (see $RAW/seed.txt)"
    say "seeded in $((SECONDS - t0)) s; VACUUM ANALYZE"
    bounded "$BENCH_SEED_TIMEOUT" psql "$PG_URL" -XAtqc 'vacuum analyze' || die "VACUUM ANALYZE failed"
    echo "$key" > "$state.key"
    SEEDED_NOW=$((SECONDS - t0))
  fi
  # Every run starts at the beginning of a checkpoint cycle (30 min on the production profile): no timed
  # checkpoint falls in a run, and the seed's gigabytes of WAL do not trigger one in the middle of a phase.
  # Full-page images per operation then count the pages a phase touches first since that checkpoint.
  bounded 600 psql "$PG_URL" -XAtqc 'checkpoint' || say "CHECKPOINT failed; checkpoints may fall in the run"
  ADMIN_KEY=$(cat "$state.admin")
  if [[ ! -s $BASKETS_FILE ]]; then
    java -cp "$JAR" org.loyaltyengine.seed.Baskets 10000 "$BENCH_LINES" 42 > "$BASKETS_FILE"
  fi
  read -r TENANT_ID DB_MEMBERS MEMBER_MIN_ID MEMBER_MAX_ID < <(psql "$PG_URL" -XAtF ' ' -c "
    select t.id, count(m.id), coalesce(min(m.id), 0), coalesce(max(m.id), 0)
      from tenants t left join members m on m.tenant_id = t.id where t.name = 'demo' group by t.id")
  (( DB_MEMBERS > 0 )) || die "no members of tenant demo in $BENCH_DB"
  (( MEMBER_MAX_ID - MEMBER_MIN_ID + 1 == DB_MEMBERS )) \
    || die "tenant demo's member ids are not contiguous ($MEMBER_MIN_ID..$MEMBER_MAX_ID for $DB_MEMBERS members)"
}

# "wal_bytes wal_fpi checkpoints", cluster-wide.
wal_counters() {
  psql "$PG_URL" -XAtF ' ' -c "select w.wal_bytes, w.wal_fpi, b.checkpoints_timed + b.checkpoints_req
    from pg_stat_wal w, pg_stat_bgwriter b"
}

# Runs pgbench on a script file; sets G_TPS G_LAT_MS G_DONE (and the phase's resource figures).
# pgbench CLIENTS SCRIPT PHASE [-D name=value ...]
run_pgbench() {
  local clients=$1 script=$2 phase=$3 free; shift 3
  # Never more clients than the instance has free connections (the stock one has 100, shared with whatever
  # else runs): G_CLIENTS says how many ran.
  free=$(psql "$PG_URL" -XAtc "select current_setting('max_connections')::int
    - current_setting('superuser_reserved_connections')::int - count(*) - 10 from pg_stat_activity")
  (( clients <= free )) || { say "pgbench: only $free connections free, $free clients instead of $clients"; clients=$free; }
  (( clients >= 1 )) || clients=1
  G_CLIENTS=$clients
  measure_start "$phase"
  if bounded $((BENCH_CEILING_SECONDS + 30)) pgbench "$PG_URL" -n -M prepared -f "$script" "$@" -c "$clients" \
      -j 2 -T "$BENCH_CEILING_SECONDS" > "$RAW/$phase.txt" 2>&1; then
    G_TPS=$(awk '/^tps = / { printf "%.0f", $3 }' "$RAW/$phase.txt")
    G_LAT_MS=$(awk '/^latency average = / { print $4 }' "$RAW/$phase.txt")
    G_DONE=$(awk '/^number of transactions actually processed:/ { split($NF, a, "/"); print a[1] }' "$RAW/$phase.txt")
  else
    say "pgbench ($phase) failed (see $RAW/$phase.txt)"
    G_TPS=0; G_LAT_MS=0; G_DONE=0
  fi
  measure_stop "$phase" "${G_DONE:-0}"
}

# Ledger invariants of the members in the set the SQL in $1 selects (member ids), set-based and bounded by a
# statement timeout: the ids go to a temporary table with a primary key and fresh statistics first, so the
# planner picks index probes per member for a few thousand members and hash joins over the ledger tables for
# hundreds of thousands (a CTE without statistics made it loop for minutes). Sets INV_MEMBERS INV_BALANCE
# (available + pending <> sum of the entries) INV_PENDING (pending <> unreleased lots) INV_AVAILABLE
# (available <> released lots) INV_SECONDS INV_VIOLATIONS, or INV_ERROR.
check_invariants() {
  local t0=$SECONDS out
  INV_ERROR=
  out=$(psql "$PG_URL" -XAtF ' ' -v ON_ERROR_STOP=1 2>&1 <<SQL
set statement_timeout = '${BENCH_INVARIANT_TIMEOUT}s';
set work_mem = '256MB';
create temp table touched (member_id bigint primary key);
insert into touched select distinct member_id from ($1) m;
analyze touched;
select count(*),
       count(*) filter (where b.available + b.pending <> coalesce(g.s, 0)),
       count(*) filter (where b.pending <> coalesce(o.unrel, 0)),
       count(*) filter (where (b.available >= 0 and b.available <> coalesce(o.rel, 0))
                           or (b.available < 0 and coalesce(o.rel, 0) <> 0))
  from touched t
  join member_balances b using (member_id)
  left join (select e.member_id, sum(e.points) as s
               from ledger_entries e join touched using (member_id) group by 1) g using (member_id)
  left join (select l.member_id, sum(l.remaining) filter (where l.released) as rel,
                    sum(l.remaining) filter (where not l.released) as unrel
               from point_lots l join touched using (member_id) where l.remaining > 0 group by 1) o using (member_id);
SQL
  ) || INV_ERROR=$(tail -n 1 <<< "$out")
  read -r INV_MEMBERS INV_BALANCE INV_PENDING INV_AVAILABLE <<< "$(tail -n 1 <<< "$out")"
  [[ -z $INV_ERROR ]] || { INV_MEMBERS=0; INV_BALANCE=-1; INV_PENDING=-1; INV_AVAILABLE=-1; }
  INV_SECONDS=$((SECONDS - t0))
  INV_VIOLATIONS=$(( INV_BALANCE + INV_PENDING + INV_AVAILABLE ))
}

# BENCH_PG_STATEMENTS=1 (prod profile only: the instance must preload the library): each measured phase also
# writes where the database's time went, statement by statement (nested ones too, e.g. inside the ledger
# functions), to $RAW/statements-<phase>.txt. It costs some database CPU itself: compare such runs with each other.
statements_enabled() {
  [[ ${BENCH_PG_STATEMENTS:-0} == 1 && $BENCH_PG_PROFILE == prod ]] || return 1
  [[ $(psql "$PG_URL" -XAtc "show shared_preload_libraries" 2>/dev/null) == *pg_stat_statements* ]] || return 1
}
statements_reset() {
  statements_enabled || return 0
  psql "$PG_URL" -XAtqc "create extension if not exists pg_stat_statements; select pg_stat_statements_reset()" \
    >/dev/null 2>&1 || true
}
statements_report() { # FILE OPS
  statements_enabled || return 0
  psql "$PG_URL" -XqP pager=off -c "
    select round(total_exec_time::numeric / greatest($2, 1) * 1000, 1) as us_per_op,
           calls, round(mean_exec_time::numeric * 1000, 1) as us_per_call, rows,
           left(regexp_replace(query, '\\s+', ' ', 'g'), 150) as statement
      from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
     order by total_exec_time desc limit 25" > "$1" 2>&1 || true
}

# The production profile's instance has run for hours: its hot relations are in shared buffers. A benchmark
# instance has just started (a clean stop writes them nowhere but autoprewarm's list, which a fresh seed lacks),
# so before any phase the hot set is loaded: every index of the schema and the heaps a write or read looks up
# by member (not the append-mostly heaps of transactions and ledger entries, read by history pages only).
# BENCH_PG_PREWARM=0 measures a cold start instead. Sets PREWARM_MB (0 when skipped).
pg_prewarm_hot() {
  PREWARM_MB=0
  [[ $BENCH_PG_PROFILE == prod && ${BENCH_PG_PREWARM:-1} == 1 ]] || return 0
  local t0=$SECONDS blocks
  # Most used first (balances and members, then every index, then the other heaps), up to 90 % of the buffers:
  # past that, prewarming would only evict what it loaded before.
  blocks=$(psql "$PG_URL" -XAtq -c "set client_min_messages = warning" -c "create extension if not exists pg_prewarm" -c "
    with r as (
      select c.oid, pg_relation_size(c.oid) as bytes,
             case when c.relname in ('member_balances', 'members') then 0 when c.relkind = 'i' then 1 else 2 end as rank
        from pg_class c
       where c.relnamespace = 'public'::regnamespace
         and (c.relkind = 'i' or c.relname in ('members', 'member_balances', 'member_qualifying_days', 'point_lots',
                                               'rule_usage', 'rule_budgets', 'outbox', 'rewards', 'tenants', 'api_keys'))
    ), o as (select r.oid, sum(r.bytes) over (order by r.rank, r.bytes, r.oid) as upto from r)
    select coalesce(sum(pg_prewarm(o.oid)), 0) from o
     where o.upto <= (select setting::bigint * 8192 from pg_settings where name = 'shared_buffers') * 0.9") \
    || { say "pg_prewarm failed: the phases start with a cold buffer pool"; return 0; }
  PREWARM_MB=$(( blocks * 8 / 1024 ))
  say "prewarmed ${PREWARM_MB} MB into shared buffers in $((SECONDS - t0)) s"
}
