-- Earning: tenant policies, rule and tier versions, point lots, idempotent causes, and the ledger functions.
--
-- Points move only through the functions below, each called as one statement (so one transaction). They
-- keep two invariants, asserted where cheap and checked by the tests after every concurrent scenario:
--   member_balances.available + pending = sum(ledger_entries.points) of the member;
--   when available >= 0 it equals the remaining points of the member's released lots, and pending equals
--   the remaining points of the unreleased lots (a negative available means every released lot is empty).
-- Lock order, to rule out deadlocks: rule_usage rows (one member) -> rule_budgets rows (by rule id) ->
-- member_balances row -> point_lots rows. Nothing locks a balance and then a budget.
--
-- Errors the engine maps to API codes use SQLSTATE class LY:
--   LY001 insufficient_points, LY002 a cap counter moved (retry), LY003 a budget moved (retry),
--   LY004 a return raced another return (retry), LY005 return exceeds the purchase, LY999 invariant broken.

alter table tenants
  add column pending_days  int  not null default 0 check (pending_days between 0 and 365),
  add column expiry_policy text not null default 'never'
    check (expiry_policy in ('never', 'after_days', 'end_of_month', 'end_of_year')),
  add column expiry_days   int  not null default 365 check (expiry_days between 0 and 3650),
  add column rules_version int  not null default 0,
  add column tiers_version int  not null default 0,
  add column settings_version int not null default 0;

create table earning_rule_sets (
  tenant_id   uuid not null references tenants (id),
  version     int not null,
  body        jsonb not null,
  created_at  timestamptz not null default now(),
  primary key (tenant_id, version)
);

create table tier_sets (
  tenant_id   uuid not null references tenants (id),
  version     int not null,
  body        jsonb not null,
  created_at  timestamptz not null default now(),
  primary key (tenant_id, version)
);

alter table members add column tier_valid_until timestamptz;
create index members_tier_review on members (tier_valid_until) where tier_valid_until is not null;

alter table transactions
  add column request_hash        text not null default '',
  add column result              jsonb,
  add column points_pending      bigint not null default 0,
  add column returned_amount     bigint not null default 0,
  add column returned_points     bigint not null default 0,
  add column returned_quantities jsonb not null default '{}'::jsonb;

-- Each credit is a lot: what is left of it is spent oldest-expiring first, released when pending ends,
-- and expired when it is due. Lots are bookkeeping; the ledger itself stays append-only.
create table point_lots (
  id               bigint generated always as identity primary key,
  tenant_id        uuid not null,
  member_id        bigint not null references members (id),
  ledger_entry_id  bigint not null references ledger_entries (id),
  cause_type       text not null,
  cause_id         text not null,
  points           bigint not null check (points > 0),
  remaining        bigint not null check (remaining >= 0 and remaining <= points),
  available_at     timestamptz not null,
  expires_at       timestamptz,
  released         boolean not null
);
create index point_lots_member_open on point_lots (member_id, expires_at, id) where remaining > 0;
create index point_lots_due on point_lots (available_at) where not released;
create index point_lots_expiring on point_lots (expires_at) where remaining > 0 and expires_at is not null;
create index point_lots_cause on point_lots (member_id, cause_type, cause_id);

-- A lot expires at most once, whatever runs the expiry job and however often.
create unique index ledger_entries_expire_once on ledger_entries (cause_id) where kind = 'expire';
create index ledger_entries_member_time on ledger_entries (member_id, created_at);

create table rule_usage (
  member_id   bigint not null,
  rule_id     text not null,
  window_key  text not null,
  tenant_id   uuid not null,
  points      bigint not null,
  primary key (member_id, rule_id, window_key)
);

create table rule_budgets (
  tenant_id  uuid not null,
  rule_id    text not null,
  spent      bigint not null,
  primary key (tenant_id, rule_id)
);

create table member_events (
  tenant_id     uuid not null,
  event_id      text not null,
  member_id     bigint not null references members (id),
  event_type    text not null,
  occurred_at   timestamptz not null,
  attributes    jsonb not null,
  request_hash  text not null,
  result        jsonb,
  created_at    timestamptz not null default now(),
  primary key (tenant_id, event_id)
);

create table point_returns (
  tenant_id       uuid not null,
  return_id       text not null,
  transaction_id  text not null,
  member_id       bigint not null references members (id),
  amount          bigint not null,
  points          bigint not null,
  request_hash    text not null,
  result          jsonb,
  created_at      timestamptz not null default now(),
  primary key (tenant_id, return_id)
);

create table adjustments (
  tenant_id      uuid not null,
  adjustment_id  text not null,
  member_id      bigint not null references members (id),
  points         bigint not null,
  reason         text not null,
  request_hash   text not null,
  result         jsonb,
  created_at     timestamptz not null default now(),
  primary key (tenant_id, adjustment_id)
);

-- ---------------------------------------------------------------------------------------------------
-- Credits p_points as one ledger entry and one lot. A lot due now is released at once and first pays
-- off a negative balance (the part absorbed by the debt leaves the lot); a future one waits as pending.
create function loyalty_credit(p_tenant uuid, p_member bigint, p_kind text, p_cause_type text, p_cause_id text,
                               p_points bigint, p_available_at timestamptz, p_expires_at timestamptz,
                               p_counts_as_earned boolean)
returns void language plpgsql as $$
declare
  v_entry     bigint;
  v_available bigint;
  v_released  boolean := p_available_at <= now();
  v_remaining bigint := p_points;
  v_earned    bigint := case when p_counts_as_earned then p_points else 0 end;
begin
  if p_points <= 0 then
    return;
  end if;
  insert into ledger_entries (tenant_id, member_id, kind, points, cause_type, cause_id, available_at, expires_at)
  values (p_tenant, p_member, p_kind, p_points, p_cause_type, p_cause_id, p_available_at, p_expires_at)
  returning id into v_entry;
  if v_released then
    update member_balances
       set available = available + p_points, lifetime_earned = lifetime_earned + v_earned,
           version = version + 1, updated_at = now()
     where member_id = p_member
    returning available into v_available;
    v_remaining := least(p_points, greatest(0, v_available));
  else
    update member_balances
       set pending = pending + p_points, lifetime_earned = lifetime_earned + v_earned,
           version = version + 1, updated_at = now()
     where member_id = p_member;
  end if;
  if v_remaining > 0 then
    insert into point_lots (tenant_id, member_id, ledger_entry_id, cause_type, cause_id, points, remaining,
                            available_at, expires_at, released)
    values (p_tenant, p_member, v_entry, p_cause_type, p_cause_id, p_points, v_remaining, p_available_at,
            p_expires_at, v_released);
  end if;
end $$;

-- Takes p_points from the member's lots: first the lots of the given cause (a return takes back the very
-- points its purchase earned, even while pending), then released lots oldest-expiring first. Without
-- p_allow_negative it refuses with LY001 when the available balance does not cover the amount. Writes no
-- ledger entry: the caller records why the points left.
create function loyalty_take(p_member bigint, p_points bigint, p_allow_negative boolean,
                             p_cause_type text, p_cause_id text)
returns void language plpgsql as $$
declare
  v_available    bigint;
  v_left         bigint := p_points;
  v_from_pending bigint := 0;
  v_take         bigint;
  lot            record;
begin
  select available into v_available from member_balances where member_id = p_member for update;
  if p_cause_type is not null then
    for lot in select id, remaining, released from point_lots
                where member_id = p_member and cause_type = p_cause_type and cause_id = p_cause_id
                  and remaining > 0
                order by id for update loop
      exit when v_left = 0;
      v_take := least(lot.remaining, v_left);
      update point_lots set remaining = remaining - v_take where id = lot.id;
      v_left := v_left - v_take;
      if not lot.released then
        v_from_pending := v_from_pending + v_take;
      end if;
    end loop;
  end if;
  if not p_allow_negative and v_available < p_points - v_from_pending then
    raise exception 'insufficient_points' using errcode = 'LY001', detail = v_available::text;
  end if;
  for lot in select id, remaining from point_lots
              where member_id = p_member and released and remaining > 0
              order by expires_at nulls last, id for update loop
    exit when v_left = 0;
    v_take := least(lot.remaining, v_left);
    update point_lots set remaining = remaining - v_take where id = lot.id;
    v_left := v_left - v_take;
  end loop;
  if v_left > 0 and v_available - (p_points - v_from_pending) >= 0 then
    raise exception 'ledger invariant broken: member % has % available but lots ran out % short',
      p_member, v_available, v_left using errcode = 'LY999';
  end if;
  update member_balances
     set available = available - (p_points - v_from_pending), pending = pending - v_from_pending,
         version = version + 1, updated_at = now()
   where member_id = p_member;
end $$;

-- Counts an award against the rule's per-member cap windows and program budget; LY002/LY003 when a
-- concurrent award got there first, so the caller re-reads usage, re-evaluates and retries.
create function loyalty_count_usage(p_tenant uuid, p_member bigint, p_rules text[], p_windows text[],
                                    p_points bigint[], p_caps bigint[],
                                    p_budget_rules text[], p_budget_points bigint[], p_budget_limits bigint[])
returns void language plpgsql as $$
declare
  i int;
begin
  for i in 1 .. coalesce(array_length(p_rules, 1), 0) loop
    insert into rule_usage as u (member_id, rule_id, window_key, tenant_id, points)
    values (p_member, p_rules[i], p_windows[i], p_tenant, p_points[i])
    on conflict (member_id, rule_id, window_key)
      do update set points = u.points + excluded.points where u.points + excluded.points <= p_caps[i];
    if not found or p_points[i] > p_caps[i] then
      raise exception 'cap moved for rule %', p_rules[i] using errcode = 'LY002';
    end if;
  end loop;
  for i in 1 .. coalesce(array_length(p_budget_rules, 1), 0) loop
    insert into rule_budgets as b (tenant_id, rule_id, spent) values (p_tenant, p_budget_rules[i], p_budget_points[i])
    on conflict (tenant_id, rule_id)
      do update set spent = b.spent + excluded.spent where b.spent + excluded.spent <= p_budget_limits[i];
    if not found or p_budget_points[i] > p_budget_limits[i] then
      raise exception 'budget moved for rule %', p_budget_rules[i] using errcode = 'LY003';
    end if;
  end loop;
end $$;

-- The tier a member qualifies for, by its points earned (net of returns) in the window, or lifetime.
create function loyalty_qualifying_points(p_member bigint, p_window_days int)
returns bigint language sql stable as $$
  select case when p_window_days is null
              then (select lifetime_earned from member_balances where member_id = p_member)
              else coalesce((select sum(points) from ledger_entries
                              where member_id = p_member and kind in ('earn', 'return')
                                and created_at > now() - make_interval(days => p_window_days)), 0)
         end
$$;

-- Moves a member up to the highest tier whose threshold their qualifying points reach (never down: that
-- is the periodic review's job). Tiers arrive ordered by threshold, lowest first.
create function loyalty_upgrade_tier(p_tenant uuid, p_member bigint, p_codes text[], p_thresholds bigint[],
                                     p_window_days int)
returns void language plpgsql as $$
declare
  v_points  bigint;
  v_current text;
  v_current_rank int := 0;
  v_target_rank int := 0;
  i int;
begin
  if coalesce(array_length(p_codes, 1), 0) = 0 then
    return;
  end if;
  v_points := loyalty_qualifying_points(p_member, p_window_days);
  select tier_code into v_current from members where id = p_member;
  for i in 1 .. array_length(p_codes, 1) loop
    if p_codes[i] = v_current then v_current_rank := i; end if;
    if v_points >= p_thresholds[i] then v_target_rank := i; end if;
  end loop;
  if v_target_rank > v_current_rank then
    update members
       set tier_code = p_codes[v_target_rank], version = version + 1, updated_at = now(),
           tier_valid_until = now() + make_interval(days => coalesce(p_window_days, 365))
     where id = p_member;
    insert into outbox (tenant_id, member_id, event_type, payload)
    select p_tenant, p_member, 'tier.changed',
           jsonb_build_object('externalId', external_id, 'from', v_current, 'to', p_codes[v_target_rank],
                              'qualifyingPoints', v_points)
      from members where id = p_member;
  end if;
end $$;

-- The member's points block, as every write reply shows it, and the cache version after the write.
create function loyalty_points_json(p_member bigint)
returns jsonb language sql stable as $$
  select jsonb_build_object('available', available, 'pending', pending, 'lifetimeEarned', lifetime_earned)
    from member_balances where member_id = p_member
$$;

create function loyalty_snapshot_version(p_member bigint)
returns bigint language sql stable as $$
  select m.version + b.version from members m join member_balances b on b.member_id = m.id where m.id = p_member
$$;

-- ---------------------------------------------------------------------------------------------------
-- One earning (purchase or custom event), idempotent by its cause id: a replay returns the stored result
-- and the stored request hash, so the caller can tell "same request" (200) from "different body" (409).
-- Awards arrive grouped by release time: p_lot_points[i] become available at p_lot_available_at[i].
create function loyalty_earn(
  p_tenant uuid, p_member bigint, p_cause_type text, p_cause_id text, p_request_hash text,
  p_occurred_at timestamptz, p_total bigint, p_currency text, p_channel text, p_store_id text, p_payload jsonb,
  p_lot_points bigint[], p_lot_available_at timestamptz[], p_expires_at timestamptz, p_breakdown jsonb,
  p_usage_rules text[], p_usage_windows text[], p_usage_points bigint[], p_usage_caps bigint[],
  p_budget_rules text[], p_budget_points bigint[], p_budget_limits bigint[],
  p_tier_codes text[], p_tier_thresholds bigint[], p_tier_window_days int)
returns table (outcome text, stored_hash text, result jsonb, snapshot_version bigint)
language plpgsql as $$
declare
  v_points  bigint := 0;
  v_pending bigint := 0;
  v_result  jsonb;
  i int;
begin
  if p_cause_type = 'transaction' then
    insert into transactions (tenant_id, transaction_id, member_id, occurred_at, total, currency, channel, store_id,
                              items, request_hash)
    values (p_tenant, p_cause_id, p_member, p_occurred_at, p_total, p_currency, p_channel, p_store_id, p_payload,
            p_request_hash)
    on conflict (tenant_id, transaction_id) do nothing;
    if not found then
      return query select 'duplicate'::text, t.request_hash, t.result, null::bigint
                     from transactions t where t.tenant_id = p_tenant and t.transaction_id = p_cause_id;
      return;
    end if;
  else
    insert into member_events (tenant_id, event_id, member_id, event_type, occurred_at, attributes, request_hash)
    values (p_tenant, p_cause_id, p_member, p_channel, p_occurred_at, p_payload, p_request_hash)
    on conflict (tenant_id, event_id) do nothing;
    if not found then
      return query select 'duplicate'::text, e.request_hash, e.result, null::bigint
                     from member_events e where e.tenant_id = p_tenant and e.event_id = p_cause_id;
      return;
    end if;
  end if;

  perform loyalty_count_usage(p_tenant, p_member, p_usage_rules, p_usage_windows, p_usage_points, p_usage_caps,
                              p_budget_rules, p_budget_points, p_budget_limits);
  for i in 1 .. coalesce(array_length(p_lot_points, 1), 0) loop
    perform loyalty_credit(p_tenant, p_member, 'earn', p_cause_type, p_cause_id, p_lot_points[i],
                           p_lot_available_at[i], p_expires_at, true);
    v_points := v_points + p_lot_points[i];
    if p_lot_available_at[i] > now() then
      v_pending := v_pending + p_lot_points[i];
    end if;
  end loop;
  update member_balances
     set transaction_count = transaction_count + case when p_cause_type = 'transaction' then 1 else 0 end,
         total_spent = total_spent + case when p_cause_type = 'transaction' then p_total else 0 end,
         version = version + 1, updated_at = now()
   where member_id = p_member;
  perform loyalty_upgrade_tier(p_tenant, p_member, p_tier_codes, p_tier_thresholds, p_tier_window_days);

  v_result := jsonb_build_object(
    case when p_cause_type = 'transaction' then 'transactionId' else 'eventId' end, p_cause_id,
    'pointsEarned', v_points, 'pointsPending', v_pending, 'breakdown', p_breakdown,
    'balance', loyalty_points_json(p_member));
  if p_cause_type = 'transaction' then
    update transactions set points_earned = v_points, points_pending = v_pending, result = v_result
     where tenant_id = p_tenant and transaction_id = p_cause_id;
  else
    update member_events set result = v_result where tenant_id = p_tenant and event_id = p_cause_id;
  end if;
  if v_points > 0 then
    insert into outbox (tenant_id, member_id, event_type, payload)
    values (p_tenant, p_member, 'points.earned',
            jsonb_build_object('cause', p_cause_type, 'causeId', p_cause_id, 'points', v_points,
                               'pending', v_pending, 'breakdown', p_breakdown));
  end if;
  return query select 'created'::text, p_request_hash, v_result, loyalty_snapshot_version(p_member);
end $$;

-- A return of part of a purchase takes back the points earned on that part, pro rata on the cumulative
-- returned amount (so rounding never lets several partial returns take back more than was earned). When
-- those points were already spent the balance goes negative: the debt is visible, never forgiven.
create function loyalty_return(p_tenant uuid, p_transaction_id text, p_return_id text, p_request_hash text,
                               p_amount bigint, p_returned_quantities jsonb, p_expected_returned_amount bigint)
returns table (outcome text, stored_hash text, result jsonb, snapshot_version bigint)
language plpgsql as $$
declare
  t        record;
  v_cum    bigint;
  v_take   bigint;
  v_result jsonb;
begin
  select * into t from transactions where tenant_id = p_tenant and transaction_id = p_transaction_id for update;
  insert into point_returns (tenant_id, return_id, transaction_id, member_id, amount, points, request_hash)
  values (p_tenant, p_return_id, p_transaction_id, t.member_id, p_amount, 0, p_request_hash)
  on conflict (tenant_id, return_id) do nothing;
  if not found then
    return query select 'duplicate'::text, r.request_hash, r.result, null::bigint
                   from point_returns r where r.tenant_id = p_tenant and r.return_id = p_return_id;
    return;
  end if;
  if t.returned_amount <> p_expected_returned_amount then
    raise exception 'another return of % landed first', p_transaction_id using errcode = 'LY004';
  end if;
  if t.returned_amount + p_amount > t.total then
    raise exception 'return exceeds purchase' using errcode = 'LY005';
  end if;
  -- floor of exact numeric division (a plain ::bigint cast would round half up)
  v_cum := case when t.total = 0 then 0
                else floor(t.points_earned::numeric * (t.returned_amount + p_amount) / t.total)::bigint end;
  v_take := v_cum - t.returned_points;
  if v_take > 0 then
    perform loyalty_take(t.member_id, v_take, true, 'transaction', p_transaction_id);
    insert into ledger_entries (tenant_id, member_id, kind, points, cause_type, cause_id)
    values (p_tenant, t.member_id, 'return', -v_take, 'return', p_return_id);
  end if;
  update member_balances
     set lifetime_earned = lifetime_earned - v_take, total_spent = total_spent - p_amount,
         version = version + 1, updated_at = now()
   where member_id = t.member_id;
  update transactions
     set returned_amount = returned_amount + p_amount, returned_points = returned_points + v_take,
         returned_quantities = p_returned_quantities
   where tenant_id = p_tenant and transaction_id = p_transaction_id;
  v_result := jsonb_build_object('returnId', p_return_id, 'transactionId', p_transaction_id,
    'amount', p_amount, 'pointsReturned', v_take, 'balance', loyalty_points_json(t.member_id));
  update point_returns set points = v_take, result = v_result where tenant_id = p_tenant and return_id = p_return_id;
  insert into outbox (tenant_id, member_id, event_type, payload)
  values (p_tenant, t.member_id, 'points.returned',
          jsonb_build_object('returnId', p_return_id, 'transactionId', p_transaction_id, 'amount', p_amount,
                             'points', v_take));
  return query select 'created'::text, p_request_hash, v_result, loyalty_snapshot_version(t.member_id);
end $$;

-- An administrator's correction: a credit becomes a lot available at once; a debit may not overdraw.
create function loyalty_adjust(p_tenant uuid, p_member bigint, p_adjustment_id text, p_request_hash text,
                               p_points bigint, p_reason text, p_expires_at timestamptz)
returns table (outcome text, stored_hash text, result jsonb, snapshot_version bigint)
language plpgsql as $$
declare
  v_result jsonb;
begin
  insert into adjustments (tenant_id, adjustment_id, member_id, points, reason, request_hash)
  values (p_tenant, p_adjustment_id, p_member, p_points, p_reason, p_request_hash)
  on conflict (tenant_id, adjustment_id) do nothing;
  if not found then
    return query select 'duplicate'::text, a.request_hash, a.result, null::bigint
                   from adjustments a where a.tenant_id = p_tenant and a.adjustment_id = p_adjustment_id;
    return;
  end if;
  if p_points > 0 then
    perform loyalty_credit(p_tenant, p_member, 'adjust', 'adjustment', p_adjustment_id, p_points, now(),
                           p_expires_at, false);
  else
    perform loyalty_take(p_member, -p_points, false, null, null);
    insert into ledger_entries (tenant_id, member_id, kind, points, cause_type, cause_id)
    values (p_tenant, p_member, 'adjust', p_points, 'adjustment', p_adjustment_id);
  end if;
  v_result := jsonb_build_object('adjustmentId', p_adjustment_id, 'points', p_points, 'reason', p_reason,
                                 'balance', loyalty_points_json(p_member));
  update adjustments set result = v_result where tenant_id = p_tenant and adjustment_id = p_adjustment_id;
  insert into outbox (tenant_id, member_id, event_type, payload)
  values (p_tenant, p_member, 'points.adjusted',
          jsonb_build_object('adjustmentId', p_adjustment_id, 'points', p_points, 'reason', p_reason));
  return query select 'created'::text, p_request_hash, v_result, loyalty_snapshot_version(p_member);
end $$;

-- ---------------------------------------------------------------------------------------------------
-- Background work, in bounded batches of members. Each call is one transaction: a crash loses at most the
-- batch in flight, which the next run (on any node) simply does again. Safe to run on several nodes at
-- once: each member's balance row is locked before its lots, and state (released, remaining) is re-read
-- under that lock, so a lot is never released or expired twice.

-- Releases pending lots whose time has come. A released lot first pays off a negative balance.
create function loyalty_release_due(p_limit int)
returns table (tenant_id uuid, external_id text, points bigint, snapshot_version bigint)
language plpgsql as $$
declare
  m         record;
  lot       record;
  v_avail   bigint;
  v_absorb  bigint;
  v_total   bigint;
begin
  for m in select distinct l.member_id as id from point_lots l
            where not l.released and l.available_at <= now() limit p_limit loop
    select available into v_avail from member_balances b where b.member_id = m.id for update;
    v_total := 0;
    for lot in select id, remaining from point_lots l
                where l.member_id = m.id and not l.released and l.available_at <= now()
                order by id for update loop
      v_absorb := least(lot.remaining, greatest(0, -v_avail));
      update point_lots set released = true, remaining = remaining - v_absorb where id = lot.id;
      v_avail := v_avail + lot.remaining;
      v_total := v_total + lot.remaining;
    end loop;
    if v_total > 0 then
      update member_balances b set available = b.available + v_total, pending = b.pending - v_total,
             version = b.version + 1, updated_at = now()
       where b.member_id = m.id;
      insert into outbox (tenant_id, member_id, event_type, payload)
      select b.tenant_id, m.id, 'points.released', jsonb_build_object('points', v_total)
        from member_balances b where b.member_id = m.id;
    end if;
    select mm.tenant_id, mm.external_id into tenant_id, external_id from members mm where mm.id = m.id;
    points := v_total;
    snapshot_version := loyalty_snapshot_version(m.id);
    return next;
  end loop;
end $$;

-- Expires what is left of due lots: one 'expire' ledger entry per lot (unique per lot, see the index).
create function loyalty_expire_due(p_limit int)
returns table (tenant_id uuid, external_id text, points bigint, snapshot_version bigint)
language plpgsql as $$
declare
  m          record;
  lot        record;
  v_tenant   uuid;
  v_avail    bigint;
  v_pending  bigint;
begin
  for m in select distinct l.member_id as id from point_lots l
            where l.remaining > 0 and l.expires_at <= now() limit p_limit loop
    select b.tenant_id into v_tenant from member_balances b where b.member_id = m.id for update;
    v_avail := 0;
    v_pending := 0;
    for lot in select id, remaining, released from point_lots l
                where l.member_id = m.id and l.remaining > 0 and l.expires_at <= now()
                order by id for update loop
      update point_lots set remaining = 0 where id = lot.id;
      insert into ledger_entries (tenant_id, member_id, kind, points, cause_type, cause_id)
      values (v_tenant, m.id, 'expire', -lot.remaining, 'lot', lot.id::text);
      if lot.released then v_avail := v_avail + lot.remaining; else v_pending := v_pending + lot.remaining; end if;
    end loop;
    if v_avail + v_pending > 0 then
      update member_balances b set available = b.available - v_avail, pending = b.pending - v_pending,
             version = b.version + 1, updated_at = now()
       where b.member_id = m.id;
      insert into outbox (tenant_id, member_id, event_type, payload)
      values (v_tenant, m.id, 'points.expired', jsonb_build_object('points', v_avail + v_pending));
    end if;
    select mm.tenant_id, mm.external_id into tenant_id, external_id from members mm where mm.id = m.id;
    points := v_avail + v_pending;
    snapshot_version := loyalty_snapshot_version(m.id);
    return next;
  end loop;
end $$;

-- At the end of a member's qualification period: keep, lower or raise the tier to what the window
-- now supports, and start a new period.
create function loyalty_review_tiers(p_tenant uuid, p_codes text[], p_thresholds bigint[], p_window_days int,
                                     p_limit int)
returns table (tenant_id uuid, external_id text, tier_from text, tier_to text, snapshot_version bigint)
language plpgsql as $$
declare
  m        record;
  v_points bigint;
  v_rank   int;
  i        int;
begin
  for m in select id, tier_code, members.external_id as ext from members
            where members.tenant_id = p_tenant and tier_valid_until <= now()
            order by tier_valid_until limit p_limit for update skip locked loop
    v_points := loyalty_qualifying_points(m.id, p_window_days);
    v_rank := 0;
    for i in 1 .. coalesce(array_length(p_codes, 1), 0) loop
      if v_points >= p_thresholds[i] then v_rank := i; end if;
    end loop;
    update members
       set tier_code = case when v_rank = 0 then null else p_codes[v_rank] end,
           tier_valid_until = case when v_rank = 0 then null
                                   else now() + make_interval(days => coalesce(p_window_days, 365)) end,
           version = version + 1, updated_at = now()
     where id = m.id;
    if m.tier_code is distinct from (case when v_rank = 0 then null else p_codes[v_rank] end) then
      insert into outbox (tenant_id, member_id, event_type, payload)
      select p_tenant, m.id, 'tier.changed',
             jsonb_build_object('externalId', m.ext, 'from', m.tier_code,
                                'to', case when v_rank = 0 then null else p_codes[v_rank] end,
                                'qualifyingPoints', v_points);
    end if;
    tenant_id := p_tenant;
    external_id := m.ext;
    tier_from := m.tier_code;
    tier_to := case when v_rank = 0 then null else p_codes[v_rank] end;
    snapshot_version := loyalty_snapshot_version(m.id);
    return next;
  end loop;
end $$;
