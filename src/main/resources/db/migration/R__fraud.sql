-- Fraud review (docs/fraud.md): holding an earning or a redemption for review, and an administrator's
-- approval or void. Each function is one statement, so one transaction; decisions lock the hold row first,
-- then follow the ledger's lock order (member_balances -> point_lots). Errors: LY201 the hold was already
-- decided the other way (409 hold_decided), LY202 no such hold (404 hold_not_found).

-- The release time of a held lot: never, until an administrator decides (the release job skips it).
create or replace function fraud_held_until()
returns timestamptz language sql immutable as $$ select timestamptz '9999-12-31 00:00:00+00' $$;

-- The points of a cause still held for review: in its lots that wait with no release time.
create or replace function loyalty_held_points(p_member bigint, p_cause_type text, p_cause_id text)
returns bigint language sql stable as $$
  select coalesce(sum(l.remaining), 0)::bigint from point_lots l
   where l.member_id = p_member and l.cause_type = p_cause_type and l.cause_id = p_cause_id
     and not l.released and l.available_at = fraud_held_until()
$$;

-- Marks an earning just written (same transaction) as held. Its lots were credited as pending with no
-- release time (fraud_held_until()), which kept them out of lifetimeEarned and the qualifying points
-- (R__earning.sql); p_release_at keeps, in lot order, when each would have been released. p_counters
-- ({"usage": [{"rule", "window", "points"}], "budgets": [{"rule", "points"}]}) are the cap and budget counters
-- the earning grew: a held earning keeps its place under the caps, and a void gives it back.
drop function if exists fraud_hold_earning(uuid, bigint, text, text, timestamptz[], jsonb);
create or replace function fraud_hold_earning(p_tenant uuid, p_member bigint, p_cause_type text, p_cause_id text,
                                              p_release_at timestamptz[], p_findings jsonb, p_counters jsonb)
returns jsonb language plpgsql as $$
declare
  v_points bigint;
  v_hold   bigint;
  v_result jsonb;
begin
  v_points := loyalty_held_points(p_member, p_cause_type, p_cause_id);
  insert into fraud_holds (tenant_id, kind, cause_type, cause_id, member_id, points, release_at, findings, status,
                           counters)
  values (p_tenant, 'earning', p_cause_type, p_cause_id, p_member, v_points, p_release_at, p_findings, 'held',
          p_counters)
  returning id into v_hold;
  if p_cause_type = 'transaction' then
    update transactions t
       set result = t.result || jsonb_build_object('review', fraud_review_json(v_hold, 'held', p_findings))
     where t.tenant_id = p_tenant and t.transaction_id = p_cause_id
    returning t.result into v_result;
  else
    update member_events e
       set result = e.result || jsonb_build_object('review', fraud_review_json(v_hold, 'held', p_findings))
     where e.tenant_id = p_tenant and e.event_id = p_cause_id
    returning e.result into v_result;
  end if;
  return v_result;
end $$;

create or replace function fraud_review_json(p_hold bigint, p_status text, p_findings jsonb)
returns jsonb language sql immutable as $$
  select jsonb_build_object('holdId', p_hold::text, 'status', p_status, 'checks', p_findings)
$$;

-- Marks a redemption just written (same transaction) as held: its fulfillment job waits with no due time,
-- coupon codes are kept back. The events just written in this transaction (so never published) are made
-- true: 'redemption.created' says status 'held', and a coupon's 'redemption.fulfilled' is withdrawn.
create or replace function fraud_hold_redemption(p_tenant uuid, p_redemption_id text, p_findings jsonb)
returns jsonb language plpgsql as $$
declare
  d        record;
  v_hold   bigint;
  v_result jsonb;
begin
  select * into d from redemptions r where r.tenant_id = p_tenant and r.redemption_id = p_redemption_id for update;
  update fulfillment_jobs j set next_attempt_at = fraud_held_until()
   where j.tenant_id = p_tenant and j.redemption_id = p_redemption_id and j.status = 'queued';
  insert into fraud_holds (tenant_id, kind, cause_type, cause_id, member_id, points, withheld_codes, findings, status)
  values (p_tenant, 'redemption', 'redemption', p_redemption_id, d.member_id, d.points_spent, d.codes, p_findings,
          'held')
  returning id into v_hold;
  -- the events just written (uncommitted, so unpublished) tell what really happened: created as held
  update outbox o set payload = o.payload || jsonb_build_object('status', 'held')
   where o.tenant_id = p_tenant and o.event_type = 'redemption.created' and o.published_at is null
     and o.payload ->> 'redemptionId' = p_redemption_id;
  if d.codes is not null then
    delete from outbox o where o.tenant_id = p_tenant and o.event_type = 'redemption.fulfilled'
       and o.published_at is null and o.payload ->> 'redemptionId' = p_redemption_id;
  end if;
  update redemptions r
     set status = 'held', codes = null, updated_at = now(),
         result = r.result || jsonb_build_object('status', 'held', 'codes', null,
                                                 'review', fraud_review_json(v_hold, 'held', p_findings)),
         history = loyalty_redemption_history(r.history, 'held', jsonb_build_object('holdId', v_hold::text))
   where r.tenant_id = p_tenant and r.redemption_id = p_redemption_id
  returning r.result into v_result;
  return v_result;
end $$;

-- An administrator's decision. Deciding the same way again changes nothing ('unchanged'); deciding the
-- other way raises LY201. Approving an earning restores each held lot's release time and releases at once
-- the lots already due (a released lot first pays off a negative balance, as in loyalty_release_due); its
-- points now count as earned: lifetimeEarned, and the qualifying points of the UTC day it was written (as
-- if it had never been held), after which the member climbs the tenant's tier ladder (p_tier_*) as an
-- earning would. Approving a redemption lets its fulfillment job run now, or hands out the kept-back codes.
-- Lock order: the hold row, then the cause's row (transaction or redemption), then V2/V3's order.
-- Voiding an earning takes its held points back out ('void' entry, never spendable) and gives back the cap
-- and budget counters it grew; voiding a redemption refunds its points exactly, restores stock and the
-- member's limit, and frees coupon codes.
drop function if exists fraud_decide(uuid, bigint, text, uuid, text);
create or replace function fraud_decide(p_tenant uuid, p_hold bigint, p_decision text, p_key uuid, p_note text,
                                        p_tier_codes text[], p_tier_thresholds bigint[], p_tier_window_days int)
returns table (outcome text, hold_status text, member_id bigint, snapshot_version bigint)
language plpgsql as $$
declare
  h         record;
  d         record;
  lot       record;
  ctr       record;
  i         int := 0;
  v_at      timestamptz;
  v_avail   bigint;
  v_absorb  bigint;
  v_total   bigint := 0;
  v_earned  bigint := 0;
  v_points  bigint;
  v_status  text := case when p_decision = 'approve' then 'approved' else 'voided' end;
begin
  select * into h from fraud_holds f where f.tenant_id = p_tenant and f.id = p_hold for update;
  if h.id is null then
    raise exception 'no hold %', p_hold using errcode = 'LY202';
  end if;
  if h.status = v_status then
    return query select 'unchanged'::text, h.status, h.member_id, loyalty_snapshot_version(h.member_id);
    return;
  end if;
  if h.status <> 'held' then
    raise exception 'hold % is already %', p_hold, h.status using errcode = 'LY201';
  end if;
  -- the cause's row before the member's balance, as loyalty_return and loyalty_redeem lock them
  if h.cause_type = 'transaction' then
    perform 1 from transactions t where t.tenant_id = p_tenant and t.transaction_id = h.cause_id for update;
  end if;

  if h.kind = 'earning' and p_decision = 'approve' then
    select available into v_avail from member_balances b where b.member_id = h.member_id for update;
    for lot in select l.id, l.remaining from point_lots l
                where l.member_id = h.member_id and l.cause_type = h.cause_type and l.cause_id = h.cause_id
                  and not l.released and l.available_at = fraud_held_until()
                order by l.id for update loop
      i := i + 1;
      v_earned := v_earned + lot.remaining;
      v_at := coalesce(h.release_at[i], now());
      if v_at <= now() then
        v_absorb := least(lot.remaining, greatest(0, -v_avail));
        update point_lots set released = true, available_at = v_at, remaining = remaining - v_absorb where id = lot.id;
        v_avail := v_avail + lot.remaining;
        v_total := v_total + lot.remaining;
      else
        update point_lots set available_at = v_at where id = lot.id;   -- the release job takes it from here
      end if;
    end loop;
    if v_total > 0 then
      update member_balances b set available = b.available + v_total, pending = b.pending - v_total,
             version = b.version + 1, updated_at = now()
       where b.member_id = h.member_id;
      insert into outbox (tenant_id, member_id, event_type, payload)
      values (p_tenant, h.member_id, 'points.released', jsonb_build_object('points', v_total));
    end if;
    -- earned from now on: lifetime, qualifying points (on the day it was written), and the tier it reaches
    update member_balances b set lifetime_earned = b.lifetime_earned + v_earned, version = b.version + 1,
           updated_at = now()
     where b.member_id = h.member_id;
    perform loyalty_count_qualifying(array[h.member_id], array[v_earned], (h.created_at at time zone 'UTC')::date);
    perform loyalty_climb_tiers(p_tenant, array[h.member_id], p_tier_codes, p_tier_thresholds, p_tier_window_days);
  elsif h.kind = 'earning' then
    -- the cap and budget counters it grew, given back in the lock order (rule_usage, then rule_budgets, then
    -- the balance): a later earning may use them; holds made before V19 recorded none
    for ctr in select x.rule, x."window", x.points
               from jsonb_to_recordset(coalesce(h.counters -> 'usage', '[]')) as x(rule text, "window" text, points bigint)
              order by x.rule, x."window" loop
      update rule_usage u set points = u.points - ctr.points
       where u.member_id = h.member_id and u.rule_id = ctr.rule and u.window_key = ctr."window";
    end loop;
    for ctr in select x.rule, x.points
               from jsonb_to_recordset(coalesce(h.counters -> 'budgets', '[]')) as x(rule text, points bigint)
              order by x.rule loop
      update rule_budgets b set spent = b.spent - ctr.points where b.tenant_id = p_tenant and b.rule_id = ctr.rule;
    end loop;
    v_points := loyalty_held_points(h.member_id, h.cause_type, h.cause_id);
    if v_points > 0 then
      perform loyalty_take(h.member_id, v_points, true, h.cause_type, h.cause_id);
      insert into ledger_entries (tenant_id, member_id, kind, points, cause_type, cause_id)
      values (p_tenant, h.member_id, 'void', -v_points, 'fraud_hold', h.id::text);
    end if;
    -- never counted as earned (lifetimeEarned, qualifying points): nothing to take back there
    -- a voided purchase shows 0 points earned in the history the read model shows (V21)
    update member_balances b set version = b.version + 1, updated_at = now(),
           history_version = b.history_version + (h.cause_type = 'transaction')::int
     where b.member_id = h.member_id;
    if h.cause_type = 'transaction' then
      -- nothing is left for a later return to take back
      update transactions t set points_earned = 0, points_pending = 0, returned_points = 0
       where t.tenant_id = p_tenant and t.transaction_id = h.cause_id;
    end if;
    insert into outbox (tenant_id, member_id, event_type, payload)
    values (p_tenant, h.member_id, 'points.voided',
            jsonb_build_object('cause', h.cause_type, 'causeId', h.cause_id, 'points', v_points,
                               'holdId', h.id::text));
  else
    select * into d from redemptions r where r.tenant_id = p_tenant and r.redemption_id = h.cause_id for update;
    if p_decision = 'approve' and h.withheld_codes is not null then
      update redemptions r set status = 'fulfilled', codes = h.withheld_codes, updated_at = now(),
             result = r.result || jsonb_build_object('status', 'fulfilled', 'codes', h.withheld_codes),
             history = loyalty_redemption_history(r.history, 'fulfilled', jsonb_build_object('holdId', h.id::text))
       where r.tenant_id = p_tenant and r.redemption_id = h.cause_id;
      insert into outbox (tenant_id, member_id, event_type, payload)
      values (p_tenant, h.member_id, 'redemption.fulfilled', jsonb_build_object('redemptionId', h.cause_id));
    elsif p_decision = 'approve' then
      update fulfillment_jobs j set next_attempt_at = now()
       where j.tenant_id = p_tenant and j.redemption_id = h.cause_id and j.status = 'queued';
      update redemptions r set status = 'pending', updated_at = now(),
             result = r.result || jsonb_build_object('status', 'pending'),
             history = loyalty_redemption_history(r.history, 'pending', jsonb_build_object('holdId', h.id::text))
       where r.tenant_id = p_tenant and r.redemption_id = h.cause_id;
    else
      -- V3's lock order: reward_usage -> rewards -> member_balances -> point_lots
      update reward_usage u set count = u.count - d.quantity
       where u.member_id = d.member_id and u.reward_id = d.reward_id and u.window_key = d.limit_window;
      if h.withheld_codes is not null then
        update rewards rw set stock = coalesce(rw.stock, 0) + d.quantity, updated_at = now()
         where rw.tenant_id = p_tenant and rw.reward_id = d.reward_id;
        update reward_codes c set redemption_id = null, assigned_at = null
         where c.tenant_id = p_tenant and c.reward_id = d.reward_id and c.redemption_id = h.cause_id;
      else
        update rewards rw set stock = rw.stock + d.quantity, updated_at = now()
         where rw.tenant_id = p_tenant and rw.reward_id = d.reward_id and rw.stock is not null;
      end if;
      perform loyalty_credit(p_tenant, h.member_id, 'refund', 'redemption', h.cause_id, d.points_spent, now(),
                             null, false);
      update fulfillment_jobs j set status = 'done', lease_until = null, last_error = 'fraud_voided'
       where j.tenant_id = p_tenant and j.redemption_id = h.cause_id and j.status <> 'done';
      update redemptions r set status = 'failed', failure_reason = 'fraud_voided', points_refunded = d.points_spent,
             updated_at = now(),
             result = r.result || jsonb_build_object('status', 'failed', 'failureReason', 'fraud_voided',
                                                     'pointsRefunded', d.points_spent),
             history = loyalty_redemption_history(r.history, 'failed',
                         jsonb_build_object('reason', 'fraud_voided', 'pointsRefunded', d.points_spent,
                                            'holdId', h.id::text))
       where r.tenant_id = p_tenant and r.redemption_id = h.cause_id;
      insert into outbox (tenant_id, member_id, event_type, payload)
      values (p_tenant, h.member_id, 'redemption.failed',
              jsonb_build_object('redemptionId', h.cause_id, 'reason', 'fraud_voided',
                                 'pointsRefunded', d.points_spent));
    end if;
  end if;

  -- the stored reply of the original request shows the decision, so a replay tells the client what happened
  if h.cause_type = 'transaction' then
    update transactions t set result = jsonb_set(t.result, '{review,status}', to_jsonb(v_status))
     where t.tenant_id = p_tenant and t.transaction_id = h.cause_id;
  elsif h.cause_type = 'event' then
    update member_events e set result = jsonb_set(e.result, '{review,status}', to_jsonb(v_status))
     where e.tenant_id = p_tenant and e.event_id = h.cause_id;
  else
    update redemptions r set result = jsonb_set(r.result, '{review,status}', to_jsonb(v_status))
     where r.tenant_id = p_tenant and r.redemption_id = h.cause_id;
  end if;
  update fraud_holds f set status = v_status, decided_at = now(), decided_by = p_key, note = p_note
   where f.id = h.id;
  return query select 'decided'::text, v_status, h.member_id, loyalty_snapshot_version(h.member_id);
end $$;
