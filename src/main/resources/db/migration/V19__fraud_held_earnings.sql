-- Held earnings (docs/fraud.md): a held earning is not yet earned. It counts toward neither lifetimeEarned nor
-- the qualifying points until an administrator approves it, and it keeps its place under the rules' caps and
-- budgets until then: the counters it grew are recorded on the hold, and a void gives them back.

-- {"usage": [{"rule", "window", "points"}], "budgets": [{"rule", "points"}]}; null for holds made before
-- this version (a void of one of them gives nothing back).
alter table fraud_holds add column counters jsonb;

-- Holds still waiting were counted as earned when written: take their held points back out of
-- lifetimeEarned and of the qualifying points of the UTC day they were written; an approval now adds them.
with held as (
  select f.member_id, (f.created_at at time zone 'UTC')::date as day, sum(l.remaining)::bigint as points
    from fraud_holds f
    join point_lots l on l.member_id = f.member_id and l.cause_type = f.cause_type and l.cause_id = f.cause_id
                     and not l.released and l.available_at = timestamptz '9999-12-31 00:00:00+00'
   where f.kind = 'earning' and f.status = 'held'
   group by f.member_id, (f.created_at at time zone 'UTC')::date
), days as (
  update member_qualifying_days q set points = q.points - held.points
    from held where q.member_id = held.member_id and q.day = held.day
)
update member_balances b set lifetime_earned = b.lifetime_earned - t.points, version = b.version + 1
  from (select member_id, sum(points)::bigint as points from held group by member_id) t
 where b.member_id = t.member_id;
