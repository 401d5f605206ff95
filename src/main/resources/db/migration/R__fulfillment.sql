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
