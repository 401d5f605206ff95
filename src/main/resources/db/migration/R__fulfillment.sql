-- Fulfillment job claims (docs/rewards.md), current body (V3 created it in SQL).
--
-- Claims up to p_limit due jobs — queued and due, earliest due first, then leased with an expired lease — for
-- p_lease_ms. Each kind is read from its own partial index (fulfillment_jobs_due, fulfillment_jobs_leased):
-- V3's single query ordered by id walked the primary key through every finished job, 54 ms per claim of
-- ~130 jobs once a few hundred thousand were done, so the queue could not drain while redemptions arrived.
-- PL/pgSQL, so the plan is kept per connection.
create or replace function loyalty_claim_jobs(p_limit int, p_lease_ms int)
returns setof fulfillment_jobs language plpgsql as $$
begin
  return query
    with due as (
      select q.id from fulfillment_jobs q
       where q.status = 'queued' and q.next_attempt_at <= now()
       order by q.next_attempt_at limit p_limit for update skip locked
    ), expired as (
      select l.id from fulfillment_jobs l
       where l.status = 'leased' and l.lease_until < now()
       order by l.lease_until limit p_limit for update skip locked
    ), picked as (
      select id from due union all select id from expired limit p_limit
    )
    update fulfillment_jobs j
       set status = 'leased', lease_until = now() + make_interval(secs => p_lease_ms / 1000.0),
           attempts = j.attempts + 1
     where j.id in (select id from picked)
    returning j.*;
end $$;

-- Settles the issued items of one partner batch with one statement (docs/rewards.md): each job still leased
-- is done, its redemption fulfilled with its codes (p_codes[i]: a JSON array), one redemption.fulfilled each.
-- A job no longer leased (settled already, or its lease taken over) is left alone, so a late duplicate outcome
-- fulfils nothing twice. Returns each member whose snapshot changed. V3's loyalty_fulfil did this one job at
-- a time: one statement per issued card kept the queue from draining while redemptions kept arriving.
create or replace function loyalty_fulfil_batch(p_jobs bigint[], p_codes text[])
returns table (tenant_id uuid, member_id bigint, external_id text, snapshot_version bigint)
language plpgsql as $$
#variable_conflict use_column
begin
  return query
    with done as (
      update fulfillment_jobs f set status = 'done', lease_until = null
        from unnest(p_jobs, p_codes) as x(job, codes)
       where f.id = x.job and f.status = 'leased'
      returning f.tenant_id, f.redemption_id, x.codes::jsonb as codes
    ), fulfilled as (
      update redemptions d
         set status = 'fulfilled', codes = done.codes, updated_at = now(),
             result = d.result || jsonb_build_object('status', 'fulfilled', 'codes', done.codes),
             history = loyalty_redemption_history(d.history, 'fulfilled', null)
        from done
       where d.tenant_id = done.tenant_id and d.redemption_id = done.redemption_id
      returning d.tenant_id, d.member_id, d.redemption_id
    ), announced as (
      insert into outbox (tenant_id, member_id, event_type, payload)
      select f.tenant_id, f.member_id, 'redemption.fulfilled', jsonb_build_object('redemptionId', f.redemption_id)
        from fulfilled f
    )
    select f.tenant_id, f.member_id, m.external_id, null::bigint
      from fulfilled f join members m on m.id = f.member_id;
end $$;
