-- Earning: the one step that writes what the engine planned (docs/ledger.md). The Java planner decides each
-- earning from a read made just before (rules, lots by release time, cap and budget counters, tiers); this
-- function checks what only the database can and writes the plan with one statement per table, for one
-- earning or a hundred. Every earning goes through it: the API's purchases and custom events (gathered by
-- the group committer, ledger/EarningCommitter), and the asynchronous ingestion (loyalty_ingest_apply below).
--
-- What it checks, failing as a whole otherwise (the caller re-reads, re-plans and retries; the group committer
-- applies the earnings of a failed batch one by one, so one conflicting earning fails only itself):
--   ids already taken  answered first: the call then writes nothing and returns each taken id's stored reply
--                      and request hash ('duplicate'), so a replay gets its original answer whatever changed
--                      since (block, rules, tier, spending); the other earnings are sent again;
--   LY002 / LY003      a cap or budget counter would pass its limit (a concurrent earning got there first);
--   23505              an id taken by a concurrent call between the check and the insert.
-- Lock order, shared by every function that moves points: rule_usage (member, rule, window) -> rule_budgets
-- (by rule id) -> member_balances (by member id) -> point_lots. Replies are computed on the balances as locked.
--
-- Per earning i: p_members[i] ... p_expires[i]; its lots are the j with p_lot_items[j] = i, earliest release
-- first. A lot released at fraud_held_until() is held for fraud review (R__fraud.sql): pending like any other,
-- but not yet earned, so it counts toward neither lifetimeEarned nor qualifying points until approved. Cap and budget growth arrive summed over the call, one row per counter. Returns one row per earning:
-- 'created' with its reply and the member's snapshot version (to fence cached reads), or 'duplicate'.
-- Qualifying points (docs/ledger.md, "Tiers"): what a member earned net of returns, in the tier window's
-- last p_window_days days (UTC days, today included), or lifetimeEarned without a window. Read from the
-- per-member day rows of member_qualifying_days (V17), which every earning and return grows in its own
-- transaction: a few rows of one index range instead of a year of the member's ledger. PL/pgSQL, so their
-- plans are kept per connection (a LANGUAGE sql function called this way is planned again on every call).
-- loyalty_qualifying_of gives them for many members at once (one index range each, in one statement), with
-- the window's oldest day with points (null without a window, or none): the read model's documents hold until
-- it leaves the window (MemberRepository's views). Members without a balance row are absent.
drop function if exists loyalty_qualifying(bigint, int);
create or replace function loyalty_qualifying_of(p_members bigint[], p_window_days int)
returns table (member_id bigint, points bigint, first_day date) language plpgsql stable as $$
begin
  if p_window_days is null then
    return query select b.member_id, b.lifetime_earned, null::date from member_balances b
                  where b.member_id = any(p_members);
    return;
  end if;
  return query
    select x.m, coalesce(sum(q.points), 0)::bigint, min(q.day)
      from unnest(p_members) as x(m)
      left join member_qualifying_days q
        on q.member_id = x.m and q.day > (now() at time zone 'UTC')::date - p_window_days
     group by x.m;
end $$;

create or replace function loyalty_qualifying_points(p_member bigint, p_window_days int)
returns bigint language plpgsql stable as $$
begin
  return (select q.points from loyalty_qualifying_of(array[p_member], p_window_days) q);
end $$;

-- Adds p_points[i] to member p_members[i]'s qualifying points of the UTC day p_day (today when null), in member
-- order (the lock order). An earning held for fraud review counts only once approved, on the day it was written.
drop function if exists loyalty_count_qualifying(bigint[], bigint[]);
create or replace function loyalty_count_qualifying(p_members bigint[], p_points bigint[], p_day date default null)
returns void language plpgsql as $$
begin
  insert into member_qualifying_days as q (member_id, day, points)
  select x.m, coalesce(p_day, (now() at time zone 'UTC')::date), sum(x.p)
    from unnest(p_members, p_points) as x(m, p)
   group by x.m
  having sum(x.p) <> 0
   order by x.m
  on conflict (member_id, day) do update set points = q.points + excluded.points;
end $$;

-- Tier upgrades (never down: that is the periodic review's job) of p_members (sorted, their rows locked by the
-- caller's balance lock order), to the highest tier their qualifying points reach: one tier.changed per member
-- from its tier to the one reached. Called after every change that adds qualifying points: an earning
-- (loyalty_apply_earnings) and the approval of a held one (fraud_decide).
-- Only a member whose lifetimeEarned reaches the next tier's threshold has its window summed: the points of a
-- window never exceed lifetimeEarned (both grow by the same earnings; a return or void takes from both, on its
-- own day or later, so every day's row is covered by the earlier ones), so the others cannot climb. Members at
-- the top tier are skipped too. Thresholds are strictly increasing (TierSet).
create or replace function loyalty_climb_tiers(p_tenant uuid, p_members bigint[], p_tier_codes text[],
                                               p_tier_thresholds bigint[], p_tier_window_days int)
returns void language plpgsql as $$
declare
  n_tiers      int := coalesce(array_length(p_tier_codes, 1), 0);
  v_candidates bigint[];
begin
  if n_tiers = 0 then
    return;
  end if;
  select array_agg(mm.id order by mm.id) into v_candidates
    from members mm join member_balances b on b.member_id = mm.id
    cross join lateral (select coalesce(array_position(p_tier_codes, mm.tier_code), 0) as rank) cur
   where mm.id = any(p_members)
     and cur.rank < n_tiers
     and b.lifetime_earned >= p_tier_thresholds[cur.rank + 1];
  if v_candidates is null then
    return; -- nobody can climb: no window summed, no statement more
  end if;
  with t as (
    select mm.id, mm.external_id, mm.tier_code, q.points as qp,
           coalesce(array_position(p_tier_codes, mm.tier_code), 0) as current_rank,
           coalesce((select max(i) from generate_subscripts(p_tier_codes, 1) i
                      where q.points >= p_tier_thresholds[i]), 0) as target_rank
      from members mm join loyalty_qualifying_of(v_candidates, p_tier_window_days) q on q.member_id = mm.id
     where mm.id = any(v_candidates)
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
end $$;

-- o_seq and o_history (V21) were added to the result: a changed result needs the function dropped first.
drop function if exists loyalty_apply_earnings(uuid, bigint[], text[], text[], text[], timestamptz[], bigint[],
  text[], text[], text[], text[], text[], timestamptz[], int[], bigint[], timestamptz[], bigint[], text[], text[],
  bigint[], bigint[], text[], bigint[], bigint[], text[], bigint[], int);
create function loyalty_apply_earnings(
  p_tenant uuid,
  p_members bigint[], p_cause_types text[], p_cause_ids text[], p_hashes text[], p_occurred timestamptz[],
  p_totals bigint[], p_currencies text[], p_kinds text[], p_stores text[], p_payloads text[],
  p_breakdowns text[], p_expires timestamptz[],
  p_lot_items int[], p_lot_points bigint[], p_lot_available timestamptz[],
  p_usage_members bigint[], p_usage_rules text[], p_usage_windows text[], p_usage_points bigint[],
  p_usage_caps bigint[],
  p_budget_rules text[], p_budget_points bigint[], p_budget_limits bigint[],
  p_tier_codes text[], p_tier_thresholds bigint[], p_tier_window_days int)
returns table (o_item int, o_outcome text, o_hash text, o_result jsonb, o_member bigint, o_version bigint,
               o_seq bigint, o_history bigint)
language plpgsql as $$
declare
  n          int := coalesce(array_length(p_members, 1), 0);
  v_members  bigint[];
  v_points   bigint[];
  v_pending  bigint[];
  v_results  jsonb[];
  v_released bigint[];
  v_pend     bigint[];
  v_held     bigint[];
  v_counted  bigint[];
  v_entries  bigint[];
  v_seqs     bigint[];
  v_history  bigint[];
  v_count    bigint;
  v_never    timestamptz := fraud_held_until();
begin
  if n = 0 then
    return;
  end if;

  -- Replays first; at most twice (see the exception handler below).
  for v_attempt in 1 .. 2 loop
    return query
      select x.ord::int, 'duplicate'::text, t.request_hash, t.result, t.member_id, null::bigint, null::bigint,
             null::bigint
        from unnest(p_cause_types, p_cause_ids) with ordinality as x(cause_type, cause_id, ord)
        join transactions t on t.tenant_id = p_tenant and t.transaction_id = x.cause_id
       where x.cause_type = 'transaction'
      union all
      select x.ord::int, 'duplicate'::text, e.request_hash, e.result, e.member_id, null::bigint, null::bigint,
             null::bigint
        from unnest(p_cause_types, p_cause_ids) with ordinality as x(cause_type, cause_id, ord)
        join member_events e on e.tenant_id = p_tenant and e.event_id = x.cause_id
       where x.cause_type = 'event';
    if found then
      return;
    end if;

    begin
      -- Cap and budget counters: grown, then checked against their limits (a failed check undoes it all).
      if coalesce(array_length(p_usage_members, 1), 0) > 0 then
        insert into rule_usage as u (member_id, rule_id, window_key, tenant_id, points)
        select x.m, x.r, x.w, p_tenant, x.pts
          from unnest(p_usage_members, p_usage_rules, p_usage_windows, p_usage_points) as x(m, r, w, pts)
         order by x.m, x.r, x.w
        on conflict (member_id, rule_id, window_key) do update set points = u.points + excluded.points;
        -- checked by primary-key probes (a join of two unnests would be a nested loop on a generic plan)
        select count(*) into v_count
          from unnest(p_usage_members, p_usage_rules, p_usage_windows, p_usage_caps) as c(m, r, w, cap)
          join rule_usage u on u.member_id = c.m and u.rule_id = c.r and u.window_key = c.w
         where u.points > c.cap;
        if v_count > 0 then
          raise exception 'cap moved for % counters', v_count using errcode = 'LY002';
        end if;
      end if;
      if coalesce(array_length(p_budget_rules, 1), 0) > 0 then
        insert into rule_budgets as b (tenant_id, rule_id, spent)
        select p_tenant, x.r, x.pts from unnest(p_budget_rules, p_budget_points) as x(r, pts) order by x.r
        on conflict (tenant_id, rule_id) do update set spent = b.spent + excluded.spent;
        select count(*) into v_count
          from unnest(p_budget_rules, p_budget_limits) as c(r, lim)
          join rule_budgets b on b.tenant_id = p_tenant and b.rule_id = c.r
         where b.spent > c.lim;
        if v_count > 0 then
          raise exception 'budget moved for % rules', v_count using errcode = 'LY003';
        end if;
      end if;

      -- The balances, locked in member order: nothing moves them until the commit.
      select array_agg(distinct m order by m) into v_members from unnest(p_members) m;
      perform 1 from member_balances b where b.member_id = any(v_members) order by b.member_id for update;

      -- Each earning's points released now and pending, summed from its lots (a loop: a join of two unnests
      -- is planned as a nested loop on a generic plan, quadratic in the batch).
      v_released := array_fill(0::bigint, array[n]);
      v_pend := array_fill(0::bigint, array[n]);
      v_held := array_fill(0::bigint, array[n]);
      for k in 1 .. coalesce(array_length(p_lot_items, 1), 0) loop
        if p_lot_available[k] <= now() then
          v_released[p_lot_items[k]] := v_released[p_lot_items[k]] + p_lot_points[k];
        else
          v_pend[p_lot_items[k]] := v_pend[p_lot_items[k]] + p_lot_points[k];
          if p_lot_available[k] = v_never then
            v_held[p_lot_items[k]] := v_held[p_lot_items[k]] + p_lot_points[k];
          end if;
        end if;
      end loop;

      -- Each earning's reply: the member's balance right after it (the running sum of the member's earlier
      -- earnings of the call on the locked balance).
      with e as (
        select x.ord, x.member, x.cause_type, x.cause_id, x.breakdown, x.released, x.pending, x.held
          from unnest(p_members, p_cause_types, p_cause_ids, p_breakdowns, v_released, v_pend, v_held) with ordinality
                 as x(member, cause_type, cause_id, breakdown, released, pending, held, ord)
      ), r as (
        select e.ord, e.cause_type, e.cause_id, e.breakdown, e.released + e.pending as points, e.pending,
               (b.available + sum(e.released) over w)::bigint as avail,
               (b.pending + sum(e.pending) over w)::bigint as pend,
               (b.lifetime_earned + sum(e.released + e.pending - e.held) over w)::bigint as life,
               -- a purchase's history version: the member's history with it and every purchase before it
               case when e.cause_type = 'transaction'
                    then b.history_version + count(*) filter (where e.cause_type = 'transaction') over w end as hist
          from e join member_balances b on b.member_id = e.member
        window w as (partition by e.member order by e.ord)
      )
      select array_agg(r.points order by r.ord), array_agg(r.pending order by r.ord),
             array_agg(r.hist order by r.ord),
             array_agg(jsonb_build_object(
                         case when r.cause_type = 'transaction' then 'transactionId' else 'eventId' end, r.cause_id,
                         'pointsEarned', r.points, 'pointsPending', r.pending, 'breakdown', r.breakdown::jsonb,
                         'balance', jsonb_build_object('available', r.avail, 'pending', r.pend, 'lifetimeEarned', r.life))
                       order by r.ord)
        into v_points, v_pending, v_history, v_results
        from r;
      if coalesce(array_length(v_points, 1), 0) <> n then
        raise exception 'ledger invariant broken: % earnings but only % with a balance row',
          n, coalesce(array_length(v_points, 1), 0) using errcode = 'LY999';
      end if;

      -- The causes, each written once, with the reply a replay of it gets. A purchase's seq is drawn first so that
      -- the caller can place it in the member's stored history (its keyset position) without reading it back.
      v_seqs := array(select case when x.t = 'transaction' then nextval('transactions_seq_seq'::regclass) end
                        from unnest(p_cause_types) with ordinality as x(t, ord) order by x.ord);
      insert into transactions (seq, tenant_id, transaction_id, member_id, occurred_at, total, currency, channel,
                                store_id, items, request_hash, points_earned, points_pending, result)
      overriding system value
      select v_seqs[x.ord], p_tenant, x.cause_id, x.member, x.occurred, x.total, x.currency, x.kind, x.store, x.payload::jsonb,
             x.hash, v_points[x.ord], v_pending[x.ord], v_results[x.ord]
        from unnest(p_cause_types, p_cause_ids, p_members, p_occurred, p_totals, p_currencies, p_kinds, p_stores,
                    p_payloads, p_hashes) with ordinality
               as x(cause_type, cause_id, member, occurred, total, currency, kind, store, payload, hash, ord)
       where x.cause_type = 'transaction'
       order by x.ord;
      insert into member_events (tenant_id, event_id, member_id, event_type, occurred_at, attributes, request_hash,
                                 result)
      select p_tenant, x.cause_id, x.member, x.kind, x.occurred, x.payload::jsonb, x.hash, v_results[x.ord]
        from unnest(p_cause_types, p_cause_ids, p_members, p_occurred, p_kinds, p_payloads, p_hashes) with ordinality
               as x(cause_type, cause_id, member, occurred, kind, payload, hash, ord)
       where x.cause_type = 'event'
       order by x.ord;

      -- One ledger entry per lot, its id drawn first so that its lot can name it without a join; a lot due
      -- now first pays off a negative balance (the part absorbed by the debt never enters the lot), a future
      -- one waits as pending.
      v_entries := array(select nextval('ledger_entries_id_seq'::regclass)
                           from generate_series(1, coalesce(array_length(p_lot_items, 1), 0)));
      insert into ledger_entries (id, tenant_id, member_id, kind, points, cause_type, cause_id, available_at,
                                  expires_at)
      overriding system value
      select v_entries[l.k], p_tenant, p_members[l.item], 'earn', l.points, p_cause_types[l.item],
             p_cause_ids[l.item], l.available_at, p_expires[l.item]
        from unnest(p_lot_items, p_lot_points, p_lot_available) with ordinality as l(item, points, available_at, k)
       order by l.k;
      with l as (
        select l.k, l.item, l.points, l.available_at, l.available_at <= now() as released, p_members[l.item] as member
          from unnest(p_lot_items, p_lot_points, p_lot_available) with ordinality as l(item, points, available_at, k)
      ), ll as (
        select l.*, (b.available + sum(case when l.released then l.points else 0 end)
                                     over (partition by l.member order by l.k))::bigint as avail_after
          from l join member_balances b on b.member_id = l.member
      )
      insert into point_lots (tenant_id, member_id, ledger_entry_id, cause_type, cause_id, points, remaining,
                              available_at, expires_at, released)
      select p_tenant, ll.member, v_entries[ll.k], p_cause_types[ll.item], p_cause_ids[ll.item], ll.points, r.remaining,
             ll.available_at, p_expires[ll.item], ll.released
        from ll
        cross join lateral (select case when ll.released then least(ll.points, greatest(0, ll.avail_after))
                                        else ll.points end as remaining) r
       where r.remaining > 0
       order by ll.k;

      -- Each balance updated once for the whole call.
      -- what counts as earned (lifetimeEarned, qualifying points): all but the points held for review
      v_counted := array(select x.p - x.h from unnest(v_points, v_held) with ordinality as x(p, h, ord) order by x.ord);
      update member_balances b
         set available = b.available + a.points - a.pending, pending = b.pending + a.pending,
             lifetime_earned = b.lifetime_earned + a.counted, transaction_count = b.transaction_count + a.purchases,
             -- a purchase is a new item of the history the read model shows (V21)
             history_version = b.history_version + a.purchases,
             total_spent = b.total_spent + a.spent, version = b.version + 1, updated_at = now()
        from (select x.member, sum(x.points)::bigint as points, sum(x.pending)::bigint as pending,
                     sum(x.counted)::bigint as counted,
                     count(*) filter (where x.cause_type = 'transaction') as purchases,
                     coalesce(sum(x.total) filter (where x.cause_type = 'transaction'), 0)::bigint as spent
                from unnest(p_members, p_cause_types, p_totals, v_points, v_pending, v_counted)
                       as x(member, cause_type, total, points, pending, counted)
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

      perform loyalty_count_qualifying(p_members, v_counted);
      perform loyalty_climb_tiers(p_tenant, v_members, p_tier_codes, p_tier_thresholds, p_tier_window_days);

      return query
        select x.ord::int, 'created'::text, x.hash, v_results[x.ord], x.member, mm.version + b.version,
               v_seqs[x.ord], v_history[x.ord]
          from unnest(p_members, p_hashes) with ordinality as x(member, hash, ord)
          join members mm on mm.id = x.member
          join member_balances b on b.member_id = x.member
         order by x.ord;
      return;
    exception when unique_violation then
      -- An id a concurrent call took between the check above and the insert (the insert waited for that
      -- call's commit): nothing of this attempt stays, and the check, run again, answers it as a replay. Two
      -- earnings of this very call with the same id are found by neither: the caller applies them alone.
      if v_attempt = 2 then
        raise;
      end if;
    end;
  end loop;
end $$;

-- ---------------------------------------------------------------------------------------------------
-- Applies a chunk of one tenant's inbox items (V8) in one transaction: the earnings the worker planned, in
-- inbox order, through loyalty_apply_earnings, and the items it settled without one (duplicates, unknown or
-- blocked members, ...). An id the worker found free but taken meanwhile fails the chunk with 23505, like
-- a moved counter (LY002/LY003): the worker reads, plans and applies again. LY008: an item was no longer
-- pending (its partition's lease changed hands). Returns a row per earning written: its member, with the
-- snapshot version to fence its cached reads at, and (a purchase) its seq and history version, so the read model
-- adds it to the history the member's document holds (as for the API's purchases).
drop function if exists loyalty_ingest_apply(uuid, bigint[], int[], timestamptz[], bigint[], text[], text[], text[],
  timestamptz[], bigint[], text[], text[], text[], text[], text[], timestamptz[], int[], bigint[], timestamptz[],
  bigint[], text[], text[], bigint[], bigint[], text[], bigint[], bigint[], text[], bigint[], int, bigint[], int[],
  timestamptz[], text[], text[], text[], text[]);
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
returns table (external_id text, snapshot_version bigint, item int, seq bigint, history bigint)
language plpgsql as $$
declare
  n          int := coalesce(array_length(p_members, 1), 0);
  v_items    int[];
  v_members  bigint[];
  v_seqs     bigint[];
  v_history  bigint[];
  v_taken    bigint;
  v_count    bigint;
begin
  if n > 0 then
    select array_agg(a.o_item order by a.o_item) filter (where a.o_outcome = 'created'),
           array_agg(a.o_member order by a.o_item) filter (where a.o_outcome = 'created'),
           array_agg(a.o_seq order by a.o_item) filter (where a.o_outcome = 'created'),
           array_agg(a.o_history order by a.o_item) filter (where a.o_outcome = 'created'),
           count(*) filter (where a.o_outcome = 'duplicate')
      into v_items, v_members, v_seqs, v_history, v_taken
      from loyalty_apply_earnings(p_tenant, p_members, p_cause_types, p_cause_ids, p_hashes, p_occurred, p_totals,
                                  p_currencies, p_kinds, p_stores, p_payloads, p_breakdowns, p_expires, p_lot_items,
                                  p_lot_points, p_lot_available, p_usage_members, p_usage_rules, p_usage_windows,
                                  p_usage_points, p_usage_caps, p_budget_rules, p_budget_points, p_budget_limits,
                                  p_tier_codes, p_tier_thresholds, p_tier_window_days) a;
    if v_taken > 0 then
      raise exception '% ids of the chunk were taken meanwhile', v_taken using errcode = '23505';
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
    return query select mm.external_id, mm.version + b.version, x.item, x.seq, x.hist
                   from unnest(v_items, v_members, v_seqs, v_history) as x(item, member, seq, hist)
                   join members mm on mm.id = x.member
                   join member_balances b on b.member_id = x.member
                  order by x.item;
  end if;
end $$;
