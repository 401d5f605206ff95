-- Rewards, redemptions and their fulfillment.
--
-- A redemption is one statement (loyalty_redeem): member, reward, stock, per-member limit and points change
-- together or not at all. Lock order extends V2's: reward_usage rows (one member) -> the rewards row
-- (stock) -> member_balances -> point_lots; coupon codes are claimed with SKIP LOCKED.
-- Errors (SQLSTATE class LY): LY001 insufficient_points (V2), LY101 out_of_stock, LY102 limit_reached,
-- LY103 reward_inactive (inactive, outside its dates, or not for the member's tier), LY104 member_blocked.

create table partners (
  tenant_id        uuid not null references tenants (id),
  partner_id       text not null,
  url              text not null,
  api_key          text,
  max_concurrency  int not null default 8,
  rate_per_second  int not null default 100,
  batch_size       int not null default 50,
  timeout_ms       int not null default 5000,
  max_attempts     int not null default 8,
  updated_at       timestamptz not null default now(),
  primary key (tenant_id, partner_id)
);

create table rewards (
  tenant_id         uuid not null references tenants (id),
  reward_id         text not null,
  name              text not null,
  type              text not null check (type in ('gift_card', 'coupon_code', 'external')),
  cost_points       bigint not null check (cost_points > 0),
  stock             bigint check (stock >= 0),          -- null: unlimited; coupon rewards: the code pool
  limit_count       int,
  limit_period      text check (limit_period in ('day', 'week', 'month', 'lifetime')),
  valid_from        timestamptz,
  valid_to          timestamptz,
  tiers             text[],
  partner_id        text,
  partner_sku       text,
  active            boolean not null default true,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  primary key (tenant_id, reward_id)
);

create table reward_codes (
  id             bigint generated always as identity primary key,
  tenant_id      uuid not null,
  reward_id      text not null,
  code           text not null,
  redemption_id  text,
  assigned_at    timestamptz,
  constraint reward_codes_unique unique (tenant_id, reward_id, code)
);
create index reward_codes_free on reward_codes (tenant_id, reward_id, id) where redemption_id is null;

create table reward_usage (
  member_id   bigint not null,
  reward_id   text not null,
  window_key  text not null,
  tenant_id   uuid not null,
  count       bigint not null,
  primary key (member_id, reward_id, window_key)
);

create table redemptions (
  tenant_id       uuid not null,
  redemption_id   text not null,
  member_id       bigint not null references members (id),
  reward_id       text not null,
  quantity        int not null,
  points_spent    bigint not null,
  status          text not null check (status in ('pending', 'fulfilled', 'failed')),
  codes           jsonb,
  failure_reason  text,
  points_refunded bigint not null default 0,
  limit_window    text,                             -- the reward_usage window this redemption counted in
  request_hash    text not null,
  result          jsonb,
  history         jsonb not null default '[]'::jsonb,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  primary key (tenant_id, redemption_id)
);

-- The queue of partner calls. A worker claims jobs by leasing them; a crashed worker's lease runs out and
-- another worker reclaims the job. The partner sees the redemption id as its idempotency key, so a job done
-- twice (a lost reply, a reclaimed lease) never issues a second card.
create table fulfillment_jobs (
  id               bigint generated always as identity primary key,
  tenant_id        uuid not null,
  redemption_id    text not null,
  partner_id       text not null,
  partner_sku      text not null,
  quantity         int not null,
  status           text not null check (status in ('queued', 'leased', 'done')),
  attempts         int not null default 0,
  next_attempt_at  timestamptz not null default now(),
  lease_until      timestamptz,
  last_error       text,
  created_at       timestamptz not null default now(),
  constraint fulfillment_jobs_once unique (tenant_id, redemption_id)
);
create index fulfillment_jobs_due on fulfillment_jobs (next_attempt_at) where status = 'queued';
create index fulfillment_jobs_leased on fulfillment_jobs (lease_until) where status = 'leased';

-- ---------------------------------------------------------------------------------------------------
-- The key of the reward-limit window containing p_at in the tenant's zone.
create function loyalty_limit_window(p_period text, p_at timestamptz, p_zone text)
returns text language sql immutable as $$
  select case p_period
    when 'day' then 'day:' || to_char(p_at at time zone p_zone, 'YYYY-MM-DD')
    when 'week' then 'week:' || to_char(p_at at time zone p_zone, 'IYYY-"W"IW')
    when 'month' then 'month:' || to_char(p_at at time zone p_zone, 'YYYY-MM')
    else 'lifetime' end
$$;

create function loyalty_redemption_history(p_history jsonb, p_status text, p_detail jsonb)
returns jsonb language sql immutable as $$
  select p_history || jsonb_build_array(jsonb_build_object('at', now(), 'status', p_status, 'detail', p_detail))
$$;

-- One redemption, idempotent by its id: checks, stock, limit, debit, coupon codes or fulfillment job,
-- outbox event, all in this one transaction.
create function loyalty_redeem(p_tenant uuid, p_redemption_id text, p_request_hash text, p_member_external_id text,
                               p_reward_id text, p_quantity int)
returns table (outcome text, stored_hash text, result jsonb, snapshot_version bigint, external_id text)
language plpgsql as $$
declare
  m        record;
  r        record;
  v_zone   text;
  v_cost   bigint;
  v_window text;
  v_codes  jsonb;
  v_status text;
  v_result jsonb;
  v_claimed int;
begin
  select mm.id, mm.status, mm.tier_code, mm.external_id into m
    from members mm where mm.tenant_id = p_tenant and mm.external_id = p_member_external_id;
  if m.id is null then
    raise exception 'member_not_found' using errcode = 'LY105';
  end if;
  insert into redemptions (tenant_id, redemption_id, member_id, reward_id, quantity, points_spent, status, request_hash)
  values (p_tenant, p_redemption_id, m.id, p_reward_id, p_quantity, 0, 'pending', p_request_hash)
  on conflict (tenant_id, redemption_id) do nothing;
  if not found then
    return query select 'duplicate'::text, d.request_hash, d.result, null::bigint, m.external_id
                   from redemptions d where d.tenant_id = p_tenant and d.redemption_id = p_redemption_id;
    return;
  end if;
  if m.status <> 'active' then
    raise exception 'member_blocked' using errcode = 'LY104';
  end if;
  select * into r from rewards rw where rw.tenant_id = p_tenant and rw.reward_id = p_reward_id;
  if r.reward_id is null then
    raise exception 'reward_not_found' using errcode = 'LY106';
  end if;
  if not r.active or (r.valid_from is not null and now() < r.valid_from) or (r.valid_to is not null and now() >= r.valid_to)
     or (r.tiers is not null and cardinality(r.tiers) > 0 and (m.tier_code is null or not m.tier_code = any(r.tiers))) then
    raise exception 'reward_inactive' using errcode = 'LY103';
  end if;
  select t.timezone into v_zone from tenants t where t.id = p_tenant;
  if r.limit_count is not null then
    v_window := loyalty_limit_window(r.limit_period, now(), v_zone);
    insert into reward_usage as u (member_id, reward_id, window_key, tenant_id, count)
    values (m.id, p_reward_id, v_window, p_tenant, p_quantity)
    on conflict (member_id, reward_id, window_key)
      do update set count = u.count + excluded.count where u.count + excluded.count <= r.limit_count;
    if not found or p_quantity > r.limit_count then
      raise exception 'limit_reached' using errcode = 'LY102';
    end if;
  end if;
  if r.type <> 'coupon_code' and r.stock is not null then
    update rewards rw set stock = rw.stock - p_quantity, updated_at = now()
     where rw.tenant_id = p_tenant and rw.reward_id = p_reward_id and rw.stock >= p_quantity;
    if not found then
      raise exception 'out_of_stock' using errcode = 'LY101';
    end if;
  end if;
  v_cost := r.cost_points * p_quantity;
  perform loyalty_take(m.id, v_cost, false, null, null);
  insert into ledger_entries (tenant_id, member_id, kind, points, cause_type, cause_id)
  values (p_tenant, m.id, 'redeem', -v_cost, 'redemption', p_redemption_id);

  if r.type = 'coupon_code' then
    -- codes are handed out at most once: a claimed row is never free again
    with claimed as (
      update reward_codes c set redemption_id = p_redemption_id, assigned_at = now()
       where c.id in (select f.id from reward_codes f
                       where f.tenant_id = p_tenant and f.reward_id = p_reward_id and f.redemption_id is null
                       order by f.id limit p_quantity for update skip locked)
      returning c.code)
    select count(*), coalesce(jsonb_agg(code), '[]'::jsonb) into v_claimed, v_codes from claimed;
    if v_claimed < p_quantity then
      raise exception 'out_of_stock' using errcode = 'LY101';
    end if;
    update rewards rw set stock = greatest(0, coalesce(rw.stock, 0) - p_quantity), updated_at = now()
     where rw.tenant_id = p_tenant and rw.reward_id = p_reward_id;
    v_status := 'fulfilled';
  else
    insert into fulfillment_jobs (tenant_id, redemption_id, partner_id, partner_sku, quantity, status)
    values (p_tenant, p_redemption_id, coalesce(r.partner_id, 'none'), coalesce(r.partner_sku, r.reward_id), p_quantity, 'queued');
    v_status := 'pending';
  end if;

  v_result := jsonb_build_object('redemptionId', p_redemption_id, 'status', v_status, 'rewardId', p_reward_id,
                                 'quantity', p_quantity, 'pointsSpent', v_cost, 'codes', v_codes,
                                 'balance', loyalty_points_json(m.id));
  update redemptions d
     set points_spent = v_cost, status = v_status, codes = v_codes, result = v_result, updated_at = now(),
         limit_window = v_window,
         history = loyalty_redemption_history(d.history, v_status, null)
   where d.tenant_id = p_tenant and d.redemption_id = p_redemption_id;
  insert into outbox (tenant_id, member_id, event_type, payload)
  values (p_tenant, m.id, 'redemption.created',
          jsonb_build_object('redemptionId', p_redemption_id, 'rewardId', p_reward_id, 'quantity', p_quantity,
                             'points', v_cost, 'status', v_status));
  if v_status = 'fulfilled' then
    insert into outbox (tenant_id, member_id, event_type, payload)
    values (p_tenant, m.id, 'redemption.fulfilled', jsonb_build_object('redemptionId', p_redemption_id));
  end if;
  return query select 'created'::text, p_request_hash, v_result, loyalty_snapshot_version(m.id), m.external_id;
end $$;

-- ---------------------------------------------------------------------------------------------------
-- Fulfillment outcomes. Each acts only on a job still leased (by anyone): a job already done is left
-- alone, so a late duplicate outcome can neither fulfil twice nor refund twice.

-- Claims up to p_limit due jobs (queued and due, or leased with an expired lease) for p_lease_ms.
create function loyalty_claim_jobs(p_limit int, p_lease_ms int)
returns setof fulfillment_jobs language sql as $$
  update fulfillment_jobs j
     set status = 'leased', lease_until = now() + make_interval(secs => p_lease_ms / 1000.0), attempts = j.attempts + 1
   where j.id in (select c.id from fulfillment_jobs c
                   where (c.status = 'queued' and c.next_attempt_at <= now())
                      or (c.status = 'leased' and c.lease_until < now())
                   order by c.id limit p_limit for update skip locked)
  returning j.*
$$;

create function loyalty_fulfil(p_job bigint, p_codes jsonb)
returns table (tenant_id uuid, member_id bigint, external_id text, snapshot_version bigint)
language plpgsql as $$
declare
  j record;
begin
  update fulfillment_jobs f set status = 'done', lease_until = null
   where f.id = p_job and f.status = 'leased' returning * into j;
  if j.id is null then
    return;
  end if;
  update redemptions d set status = 'fulfilled', codes = p_codes, updated_at = now(),
         result = d.result || jsonb_build_object('status', 'fulfilled', 'codes', p_codes),
         history = loyalty_redemption_history(d.history, 'fulfilled', null)
   where d.tenant_id = j.tenant_id and d.redemption_id = j.redemption_id;
  insert into outbox (tenant_id, member_id, event_type, payload)
  select j.tenant_id, d.member_id, 'redemption.fulfilled', jsonb_build_object('redemptionId', j.redemption_id)
    from redemptions d where d.tenant_id = j.tenant_id and d.redemption_id = j.redemption_id;
  return query select j.tenant_id, d.member_id, m.external_id, null::bigint
                 from redemptions d join members m on m.id = d.member_id
                where d.tenant_id = j.tenant_id and d.redemption_id = j.redemption_id;
end $$;

-- A permanent failure (or retries exhausted): the points come back as a 'refund' credit, the stock and the
-- member's limit are restored, and the redemption is failed — once, because only a leased job can be failed.
create function loyalty_fail_redemption(p_job bigint, p_reason text)
returns table (tenant_id uuid, member_id bigint, external_id text, snapshot_version bigint)
language plpgsql as $$
declare
  j record;
  d record;
begin
  update fulfillment_jobs f set status = 'done', lease_until = null, last_error = p_reason
   where f.id = p_job and f.status = 'leased' returning * into j;
  if j.id is null then
    return;
  end if;
  select * into d from redemptions r where r.tenant_id = j.tenant_id and r.redemption_id = j.redemption_id;
  perform loyalty_credit(j.tenant_id, d.member_id, 'refund', 'redemption', j.redemption_id, d.points_spent, now(),
                         null, false);
  update rewards rw set stock = rw.stock + d.quantity, updated_at = now()
   where rw.tenant_id = j.tenant_id and rw.reward_id = d.reward_id and rw.stock is not null;
  -- the member did not get the reward, so it does not count toward their limit either
  update reward_usage u set count = u.count - d.quantity
   where u.member_id = d.member_id and u.reward_id = d.reward_id and u.window_key = d.limit_window;
  update redemptions r set status = 'failed', failure_reason = p_reason, points_refunded = d.points_spent,
         updated_at = now(),
         result = r.result || jsonb_build_object('status', 'failed', 'failureReason', p_reason,
                                                 'pointsRefunded', d.points_spent),
         history = loyalty_redemption_history(r.history, 'failed', jsonb_build_object('reason', p_reason,
                                              'pointsRefunded', d.points_spent))
   where r.tenant_id = j.tenant_id and r.redemption_id = j.redemption_id;
  insert into outbox (tenant_id, member_id, event_type, payload)
  values (j.tenant_id, d.member_id, 'redemption.failed',
          jsonb_build_object('redemptionId', j.redemption_id, 'reason', p_reason, 'pointsRefunded', d.points_spent));
  return query select j.tenant_id, d.member_id, m.external_id, loyalty_snapshot_version(d.member_id)
                 from members m where m.id = d.member_id;
end $$;

-- A transient failure, or an open circuit: back to the queue for later. p_count_attempt = false when no
-- call was made (circuit open), so waiting out an outage does not use up the retries.
create function loyalty_retry_job(p_job bigint, p_delay_ms int, p_reason text, p_count_attempt boolean)
returns void language sql as $$
  update fulfillment_jobs f
     set status = 'queued', lease_until = null, last_error = p_reason,
         next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0),
         attempts = case when p_count_attempt then f.attempts else f.attempts - 1 end
   where f.id = p_job and f.status = 'leased'
$$;
