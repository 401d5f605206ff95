-- Asynchronous ingestion: POST /v1/event-batches stores up to 1,000 purchases and custom events in an inbox
-- (one statement, one transaction) and answers 202; the ingest workers apply them later, a chunk at a time,
-- through loyalty_ingest_apply below.
--
-- Retention: inbox_items is partitioned by day (UTC) on created_at, so old days go by dropping a table
-- instead of deleting millions of rows. The engine creates the partitions ahead (loyalty_inbox_prepare, at
-- start-up and hourly, and on demand when an insert finds none) and drops those past the retention period
-- (loyalty_inbox_retire), never one that still holds a pending item.

-- A batch as accepted. Its items' progress is counted from inbox_items when asked for (a batch has at most
-- 1,000), so applying a chunk never has to update batch rows that other partitions' workers also touch:
-- finishedAt is the last item's processed_at once none is pending.
create table event_batches (
  id                 bigint generated always as identity primary key,
  tenant_id          uuid not null,
  batch_id           text not null,
  request_hash       text not null,
  item_count         int not null,
  transaction_count  int not null,
  event_count        int not null,
  created_at         timestamptz not null default now(),
  constraint event_batches_batch_id_key unique (tenant_id, batch_id)
);
create index event_batches_created on event_batches (created_at);

-- One accepted item. (batch, seq) is the inbox order: batches are numbered as they are accepted, seq is the
-- item's index in its batch. Items of one member always carry the same work_partition, and one worker at a
-- time applies a partition's pending items in inbox order. No foreign key to event_batches: both rows are
-- written by the same statement, and a check per item would cost the intake a lookup and a row lock each.
create table inbox_items (
  batch               bigint not null,
  seq                 int not null,
  created_at          timestamptz not null,
  tenant_id           uuid not null,
  kind                text not null check (kind in ('transaction', 'event')),
  item_id             text not null,
  member_external_id  text not null,
  request_hash        text not null,
  body                jsonb not null,
  work_partition      smallint not null,
  status              text not null default 'pending'
                        check (status in ('pending', 'applied', 'duplicate', 'failed')),
  error_code          text,
  error_message       text,
  error_field         text,
  processed_at        timestamptz,
  primary key (batch, seq, created_at)
) partition by range (created_at);

-- The workers' only query shape. Partial, so settled items cost it nothing however many are kept.
create index inbox_items_pending on inbox_items (work_partition, batch, seq) where status = 'pending';

-- Creates the daily partitions from today (UTC) to p_days_ahead days ahead that do not exist yet; returns
-- how many it created. Serialised by an advisory lock, so nodes calling it at once do not collide.
create function loyalty_inbox_prepare(p_days_ahead int)
returns int language plpgsql as $$
declare
  d    date;
  made int := 0;
begin
  perform pg_advisory_xact_lock(1280268609, hashtext('inbox.partitions'));
  for d in select generate_series((now() at time zone 'UTC')::date,
                                  (now() at time zone 'UTC')::date + p_days_ahead, interval '1 day')::date loop
    if to_regclass('inbox_items_' || to_char(d, 'YYYYMMDD')) is null then
      execute format('create table %I partition of inbox_items for values from (%L) to (%L)',
                     'inbox_items_' || to_char(d, 'YYYYMMDD'), d::text || ' 00:00:00+00',
                     (d + 1)::text || ' 00:00:00+00');
      made := made + 1;
    end if;
  end loop;
  return made;
end $$;

-- Drops the daily partitions that ended more than p_keep_days ago, unless an item in them is still pending,
-- with the batches accepted on those days; returns how many partitions it dropped.
create function loyalty_inbox_retire(p_keep_days int)
returns int language plpgsql as $$
declare
  p       record;
  cutoff  date := (now() at time zone 'UTC')::date - p_keep_days;
  dropped int := 0;
  pending boolean;
begin
  perform pg_advisory_xact_lock(1280268609, hashtext('inbox.partitions'));
  for p in select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
            where i.inhparent = 'inbox_items'::regclass and c.relname ~ '^inbox_items_[0-9]{8}$'
              and to_date(substr(c.relname, 13), 'YYYYMMDD') + 1 <= cutoff
            order by c.relname loop
    execute format('select exists (select 1 from %I where status = ''pending'')', p.relname) into pending;
    if not pending then
      execute format('drop table %I', p.relname);
      delete from event_batches
       where created_at >= to_date(substr(p.relname, 13), 'YYYYMMDD')::timestamp at time zone 'UTC'
         and created_at < (to_date(substr(p.relname, 13), 'YYYYMMDD') + 1)::timestamp at time zone 'UTC';
      dropped := dropped + 1;
    end if;
  end loop;
  return dropped;
end $$;

select loyalty_inbox_prepare(7);

-- ---------------------------------------------------------------------------------------------------
-- Applies a chunk of one tenant's inbox items in one transaction: the earnings the worker evaluated (in
-- inbox order) and the items it settled without one (duplicates, unknown or blocked members, ...). It does
-- what loyalty_earn does for each earning (cause row with its stored reply, cap and budget counters, one
-- ledger entry and lot per release time, balance, tier upgrade, points.earned), but set-based: one
-- statement per table for the whole chunk instead of ~15 per earning.
--
-- The worker decided everything from a read made just before; this function checks that nothing it relied
-- on moved meanwhile and otherwise fails as a whole, and the worker reads, evaluates and applies again:
--   LY002 / LY003  a cap or budget counter would pass its limit (a concurrent earning got there first);
--   LY006          a member's balance moved between the function's first read and its lock (the stored
--                  replies show the balance after each earning, so they must be computed on the right one);
--   23505          a transaction or event id the worker found free was taken meanwhile (a plain insert: the
--                  worker checked every id just before, and a speculative one would cost every row more);
--   LY008          an inbox item was no longer pending.
-- Lock order is the one of V2: causes -> rule_usage -> rule_budgets (by rule id) -> member_balances (by
-- member id) -> point_lots and members.
--
-- Per earning i: p_members[i] ... p_expires[i]; its lots are the j with p_lot_items[j] = i, in the order the
-- worker gives (by release time). Cap and budget growth arrive summed over the chunk, one row per counter.
-- Returns each member that earned, with the snapshot version to fence its cached reads at.
create function loyalty_ingest_apply(
  p_tenant uuid,
  p_batches bigint[], p_seqs int[], p_created timestamptz[],
  p_members bigint[], p_cause_types text[], p_cause_ids text[], p_hashes text[], p_occurred timestamptz[],
  p_totals bigint[], p_currencies text[], p_kinds text[], p_stores text[], p_payloads text[],
  p_breakdowns text[], p_expires timestamptz[],
  p_lot_items int[], p_lot_points bigint[], p_lot_available timestamptz[],
  p_usage_members bigint[], p_usage_rules text[], p_usage_windows text[], p_usage_points bigint[],
  p_usage_caps bigint[],
  p_budget_rules text[], p_budget_points bigint[], p_budget_limits bigint[],
  p_tier_codes text[], p_tier_thresholds bigint[], p_tier_window_days int,
  p_done_batches bigint[], p_done_seqs int[], p_done_created timestamptz[], p_done_status text[],
  p_done_codes text[], p_done_messages text[], p_done_fields text[])
returns table (external_id text, snapshot_version bigint)
language plpgsql as $$
declare
  n          int := coalesce(array_length(p_members, 1), 0);
  v_members  bigint[];
  v_points   bigint[];
  v_pending  bigint[];
  v_avail    bigint[];
  v_pend     bigint[];
  v_life     bigint[];
  v_seen     bigint[];
  v_locked   bigint[];
  v_count    bigint;
begin
  if n > 0 then
    select array_agg(distinct m order by m) into v_members from unnest(p_members) m;

    -- Each earning's points and pending points, and the member's balance right after it: the running sum
    -- of the member's earlier earnings of the chunk on the balance as read here (verified under the lock).
    with bal as (
      select b.member_id, b.available, b.pending, b.lifetime_earned
        from member_balances b where b.member_id = any(v_members)
    ), lot as (
      select l.item,
             coalesce(sum(l.points) filter (where l.available_at <= now()), 0)::bigint as released,
             coalesce(sum(l.points) filter (where l.available_at > now()), 0)::bigint as pending
        from unnest(p_lot_items, p_lot_points, p_lot_available) as l(item, points, available_at)
       group by l.item
    ), e as (
      select x.ord, x.member, coalesce(lot.released, 0) as released, coalesce(lot.pending, 0) as pending
        from unnest(p_members) with ordinality as x(member, ord) left join lot on lot.item = x.ord
    ), r as (
      select e.ord, e.released + e.pending as points, e.pending,
             (bal.available + sum(e.released) over w)::bigint as avail,
             (bal.pending + sum(e.pending) over w)::bigint as pend,
             (bal.lifetime_earned + sum(e.released + e.pending) over w)::bigint as life
        from e join bal on bal.member_id = e.member
      window w as (partition by e.member order by e.ord)
    )
    select array_agg(r.points order by r.ord), array_agg(r.pending order by r.ord),
           array_agg(r.avail order by r.ord), array_agg(r.pend order by r.ord), array_agg(r.life order by r.ord),
           (select array_agg(array[bal.available, bal.pending, bal.lifetime_earned] order by bal.member_id) from bal)
      into v_points, v_pending, v_avail, v_pend, v_life, v_seen
      from r;
    if coalesce(array_length(v_points, 1), 0) <> n then
      raise exception 'ledger invariant broken: % earnings but only % with a balance row',
        n, coalesce(array_length(v_points, 1), 0) using errcode = 'LY999';
    end if;

    -- The causes, each with the reply a replay of it through the API gets.
    insert into transactions (tenant_id, transaction_id, member_id, occurred_at, total, currency, channel, store_id,
                              items, request_hash, points_earned, points_pending, result)
    select p_tenant, x.cause_id, x.member, x.occurred, x.total, x.currency, x.kind, x.store, x.payload::jsonb,
           x.hash, x.points, x.pending,
           jsonb_build_object('transactionId', x.cause_id, 'pointsEarned', x.points, 'pointsPending', x.pending,
             'breakdown', x.breakdown::jsonb,
             'balance', jsonb_build_object('available', x.avail, 'pending', x.pend, 'lifetimeEarned', x.life))
      from unnest(p_cause_types, p_cause_ids, p_members, p_occurred, p_totals, p_currencies, p_kinds, p_stores,
                  p_payloads, p_hashes, p_breakdowns, v_points, v_pending, v_avail, v_pend, v_life)
             with ordinality as x(cause_type, cause_id, member, occurred, total, currency, kind, store, payload,
                                  hash, breakdown, points, pending, avail, pend, life, ord)
     where x.cause_type = 'transaction'
     order by x.ord;
    insert into member_events (tenant_id, event_id, member_id, event_type, occurred_at, attributes, request_hash,
                               result)
    select p_tenant, x.cause_id, x.member, x.kind, x.occurred, x.payload::jsonb, x.hash,
           jsonb_build_object('eventId', x.cause_id, 'pointsEarned', x.points, 'pointsPending', x.pending,
             'breakdown', x.breakdown::jsonb,
             'balance', jsonb_build_object('available', x.avail, 'pending', x.pend, 'lifetimeEarned', x.life))
      from unnest(p_cause_types, p_cause_ids, p_members, p_occurred, p_kinds, p_payloads, p_hashes, p_breakdowns,
                  v_points, v_pending, v_avail, v_pend, v_life)
             with ordinality as x(cause_type, cause_id, member, occurred, kind, payload, hash, breakdown, points,
                                  pending, avail, pend, life, ord)
     where x.cause_type = 'event'
     order by x.ord;

    -- Cap and budget counters: grown, then checked against their limits (a failed check undoes it all).
    if coalesce(array_length(p_usage_members, 1), 0) > 0 then
      with grown as (
        insert into rule_usage as u (member_id, rule_id, window_key, tenant_id, points)
        select x.m, x.r, x.w, p_tenant, x.pts
          from unnest(p_usage_members, p_usage_rules, p_usage_windows, p_usage_points) as x(m, r, w, pts)
         order by x.m, x.r, x.w
        on conflict (member_id, rule_id, window_key) do update set points = u.points + excluded.points
        returning u.member_id, u.rule_id, u.window_key, u.points
      )
      select count(*) into v_count
        from grown g join unnest(p_usage_members, p_usage_rules, p_usage_windows, p_usage_caps) as c(m, r, w, cap)
          on c.m = g.member_id and c.r = g.rule_id and c.w = g.window_key
       where g.points > c.cap;
      if v_count > 0 then
        raise exception 'cap moved for % counters', v_count using errcode = 'LY002';
      end if;
    end if;
    if coalesce(array_length(p_budget_rules, 1), 0) > 0 then
      with grown as (
        insert into rule_budgets as b (tenant_id, rule_id, spent)
        select p_tenant, x.r, x.pts from unnest(p_budget_rules, p_budget_points) as x(r, pts) order by x.r
        on conflict (tenant_id, rule_id) do update set spent = b.spent + excluded.spent
        returning b.rule_id, b.spent
      )
      select count(*) into v_count
        from grown g join unnest(p_budget_rules, p_budget_limits) as c(r, lim) on c.r = g.rule_id
       where g.spent > c.lim;
      if v_count > 0 then
        raise exception 'budget moved for % rules', v_count using errcode = 'LY003';
      end if;
    end if;

    -- The balances, locked in member order; the replies stored above assumed the values first read.
    select array_agg(array[b.available, b.pending, b.lifetime_earned] order by b.member_id) into v_locked
      from (select member_id, available, pending, lifetime_earned from member_balances
             where member_id = any(v_members) order by member_id for update) b;
    if v_locked is distinct from v_seen then
      raise exception 'a balance moved while the chunk was applied' using errcode = 'LY006';
    end if;

    -- One ledger entry per lot; a lot due now first pays off a negative balance (as loyalty_credit does).
    with l as (
      select x.item, x.points, x.available_at, x.available_at <= now() as released, x.k
        from unnest(p_lot_items, p_lot_points, p_lot_available) with ordinality as x(item, points, available_at, k)
    ), e as (
      select x.ord, x.member, x.cause_type, x.cause_id, x.expires_at
        from unnest(p_members, p_cause_types, p_cause_ids, p_expires) with ordinality
               as x(member, cause_type, cause_id, expires_at, ord)
    ), ll as (
      select l.k, l.points, l.available_at, l.released, e.member, e.cause_type, e.cause_id, e.expires_at,
             (b.available + sum(case when l.released then l.points else 0 end)
                              over (partition by e.member order by l.k))::bigint as avail_after
        from l join e on e.ord = l.item join member_balances b on b.member_id = e.member
    ), entries as (
      insert into ledger_entries (tenant_id, member_id, kind, points, cause_type, cause_id, available_at, expires_at)
      select p_tenant, ll.member, 'earn', ll.points, ll.cause_type, ll.cause_id, ll.available_at, ll.expires_at
        from ll order by ll.k
      returning id, member_id, cause_type, cause_id, available_at
    )
    insert into point_lots (tenant_id, member_id, ledger_entry_id, cause_type, cause_id, points, remaining,
                            available_at, expires_at, released)
    select p_tenant, ll.member, entries.id, ll.cause_type, ll.cause_id, ll.points, r.remaining, ll.available_at,
           ll.expires_at, ll.released
      from entries
      join ll on ll.member = entries.member_id and ll.cause_type = entries.cause_type
             and ll.cause_id = entries.cause_id and ll.available_at = entries.available_at
      cross join lateral (select case when ll.released then least(ll.points, greatest(0, ll.avail_after))
                                      else ll.points end as remaining) r
     where r.remaining > 0
     order by entries.id;

    update member_balances b
       set available = b.available + a.points - a.pending, pending = b.pending + a.pending,
           lifetime_earned = b.lifetime_earned + a.points, transaction_count = b.transaction_count + a.purchases,
           total_spent = b.total_spent + a.spent, version = b.version + 1, updated_at = now()
      from (select x.member, sum(x.points)::bigint as points, sum(x.pending)::bigint as pending,
                   count(*) filter (where x.cause_type = 'transaction') as purchases,
                   coalesce(sum(x.total) filter (where x.cause_type = 'transaction'), 0)::bigint as spent
              from unnest(p_members, p_cause_types, p_totals, v_points, v_pending)
                     as x(member, cause_type, total, points, pending)
             group by x.member) a
     where b.member_id = a.member;

    insert into outbox (tenant_id, member_id, event_type, payload)
    select p_tenant, x.member, 'points.earned',
           jsonb_build_object('cause', x.cause_type, 'causeId', x.cause_id, 'points', x.points, 'pending', x.pending,
                              'breakdown', x.breakdown::jsonb)
      from unnest(p_members, p_cause_types, p_cause_ids, v_points, v_pending, p_breakdowns) with ordinality
             as x(member, cause_type, cause_id, points, pending, breakdown, ord)
     where x.points > 0
     order by x.ord;

    -- Tier upgrades, as loyalty_upgrade_tier does them, once per member for the whole chunk (one
    -- tier.changed from the tier before the chunk to the one reached). Members at the top tier are skipped.
    if coalesce(array_length(p_tier_codes, 1), 0) > 0 then
      with m as (
        select mm.id, mm.external_id, mm.tier_code,
               coalesce((select i from generate_subscripts(p_tier_codes, 1) i where p_tier_codes[i] = mm.tier_code), 0)
                 as current_rank
          from members mm where mm.id = any(v_members)
      ), q as (
        select m.*, case when p_tier_window_days is null
                         then (select b.lifetime_earned from member_balances b where b.member_id = m.id)
                         else (select coalesce(sum(le.points), 0)::bigint from ledger_entries le
                                where le.member_id = m.id and le.kind in ('earn', 'return')
                                  and le.created_at > now() - make_interval(days => p_tier_window_days)) end as qp
          from m where m.current_rank < array_length(p_tier_codes, 1)
      ), t as (
        select q.*, coalesce((select max(i) from generate_subscripts(p_tier_codes, 1) i
                               where q.qp >= p_tier_thresholds[i]), 0) as target_rank
          from q
      ), up as (
        update members mm
           set tier_code = p_tier_codes[t.target_rank], version = mm.version + 1, updated_at = now(),
               tier_valid_until = now() + make_interval(days => coalesce(p_tier_window_days, 365))
          from t where mm.id = t.id and t.target_rank > t.current_rank
        returning mm.id, mm.external_id, t.tier_code as tier_from, mm.tier_code as tier_to, t.qp
      )
      insert into outbox (tenant_id, member_id, event_type, payload)
      select p_tenant, up.id, 'tier.changed',
             jsonb_build_object('externalId', up.external_id, 'from', up.tier_from, 'to', up.tier_to,
                                'qualifyingPoints', up.qp)
        from up order by up.id;
    end if;
  end if;

  -- Every item of the chunk is settled here, in the same transaction as its effects.
  update inbox_items i
     set status = x.status, error_code = x.code, error_message = x.message, error_field = x.field,
         processed_at = clock_timestamp()
    from (select y.b, y.s, y.c, 'applied'::text as status, null::text as code, null::text as message,
                 null::text as field
            from unnest(p_batches, p_seqs, p_created) as y(b, s, c)
          union all
          select * from unnest(p_done_batches, p_done_seqs, p_done_created, p_done_status, p_done_codes,
                               p_done_messages, p_done_fields)) as x(b, s, c, status, code, message, field)
   where i.batch = x.b and i.seq = x.s and i.created_at = x.c and i.status = 'pending';
  get diagnostics v_count = row_count;
  if v_count <> n + coalesce(array_length(p_done_batches, 1), 0) then
    raise exception 'inbox items were no longer pending' using errcode = 'LY008';
  end if;

  if n > 0 then
    return query select mm.external_id, mm.version + b.version
                   from members mm join member_balances b on b.member_id = mm.id
                  where mm.id = any(v_members);
  end if;
end $$;
