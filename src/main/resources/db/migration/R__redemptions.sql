-- One redemption, idempotent by its id (docs/rewards.md): checks, stock, limit, debit, coupon codes or fulfillment
-- job, outbox event, all in the caller's transaction. A replay is answered from the stored reply before any other
-- check. The redemption row is written once, complete, at the end (it used to be inserted as 'pending' first and
-- updated with its outcome: two row versions and their WAL per redemption). Two requests with one id at once:
-- the later insert waits for the earlier's commit and then finds its row; it raises LY107, which undoes
-- everything it did (its subtransaction in a batch, its statement alone), and the caller answers it from the
-- stored reply.
create or replace function loyalty_redeem(p_tenant uuid, p_redemption_id text, p_request_hash text,
                                          p_member_external_id text, p_reward_id text, p_quantity int)
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
  return query select 'duplicate'::text, d.request_hash, d.result, null::bigint, mm.external_id
                 from redemptions d join members mm on mm.id = d.member_id
                where d.tenant_id = p_tenant and d.redemption_id = p_redemption_id;
  if found then
    return;
  end if;
  select mm.id, mm.status, mm.tier_code, mm.external_id into m
    from members mm where mm.tenant_id = p_tenant and mm.external_id = p_member_external_id;
  if m.id is null then
    raise exception 'member_not_found' using errcode = 'LY105';
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
  if r.limit_count is not null then
    select t.timezone into v_zone from tenants t where t.id = p_tenant;
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
    v_status := 'pending';
  end if;

  v_result := jsonb_build_object('redemptionId', p_redemption_id, 'status', v_status, 'rewardId', p_reward_id,
                                 'quantity', p_quantity, 'pointsSpent', v_cost, 'codes', v_codes,
                                 'balance', loyalty_points_json(m.id));
  insert into redemptions (tenant_id, redemption_id, member_id, reward_id, quantity, points_spent, status, codes,
                           limit_window, request_hash, result, history)
  values (p_tenant, p_redemption_id, m.id, p_reward_id, p_quantity, v_cost, v_status, v_codes, v_window,
          p_request_hash, v_result, loyalty_redemption_history('[]'::jsonb, v_status, null))
  on conflict (tenant_id, redemption_id) do nothing;
  if not found then
    raise exception 'redemption % was applied by a concurrent request', p_redemption_id using errcode = 'LY107';
  end if;
  if v_status = 'pending' then -- after the row: a concurrent duplicate stops there, not on the job's uniqueness
    insert into fulfillment_jobs (tenant_id, redemption_id, partner_id, partner_sku, quantity, status)
    values (p_tenant, p_redemption_id, coalesce(r.partner_id, 'none'), coalesce(r.partner_sku, r.reward_id), p_quantity, 'queued');
  end if;
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

-- Group commit of redemptions (docs/rewards.md, "Group commit"): the API's concurrent redemptions of one tenant
-- are applied by one statement and one commit. Each is loyalty_redeem (above) in its own subtransaction, so a
-- refused one (insufficient points, out of stock, limit reached, ...) or a failed one leaves no trace and does
-- not stop the others; its SQLSTATE and message come back in its row instead of its reply. The caller keeps a
-- batch below 64 redemptions: each subtransaction that writes takes a subtransaction id, and a transaction
-- with more than 64 of them makes every other session's snapshots slower (subxid overflow).
-- One row per redemption, in order: o_outcome 'created' or 'duplicate' (a replay: its stored reply), or
-- 'failed' with o_error (SQLSTATE) and o_message.
create or replace function loyalty_redeem_batch(p_tenant uuid, p_redemption_ids text[], p_hashes text[],
                                                p_members text[], p_rewards text[], p_quantities int[])
returns table (o_item int, o_outcome text, o_hash text, o_result jsonb, o_version bigint, o_external_id text,
               o_error text, o_message text)
language plpgsql as $$
declare
  i int;
  r record;
begin
  for i in 1 .. coalesce(array_length(p_redemption_ids, 1), 0) loop
    begin
      select * into r from loyalty_redeem(p_tenant, p_redemption_ids[i], p_hashes[i], p_members[i], p_rewards[i],
                                          p_quantities[i]);
      o_item := i;
      o_outcome := r.outcome;
      o_hash := r.stored_hash;
      o_result := r.result;
      o_version := r.snapshot_version;
      o_external_id := r.external_id;
      o_error := null;
      o_message := null;
    exception when others then
      o_item := i;
      o_outcome := 'failed';
      o_hash := null;
      o_result := null;
      o_version := null;
      o_external_id := null;
      o_error := sqlstate;
      o_message := sqlerrm;
    end;
    return next;
  end loop;
end $$;
