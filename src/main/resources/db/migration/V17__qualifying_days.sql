-- Qualifying points of rolling-window tiers from a per-member summary instead of the member's ledger
-- (docs/ledger.md, "Tiers"). Each earning and return adds its points to its member's row of the day (UTC); the
-- window's points are the sum of the member's rows of its last N days. Reading a year of a member's ledger
-- entries (one random heap page each) was a quarter of an earning's database time; the summary is one
-- index range of a few rows, and its rows are what the upgrade, the review and the status read all sum.
create table member_qualifying_days (
  member_id  bigint not null,
  day        date not null,      -- the UTC day of the ledger entries
  points     bigint not null,
  primary key (member_id, day)
);

insert into member_qualifying_days (member_id, day, points)
select member_id, (created_at at time zone 'UTC')::date, sum(points)
  from ledger_entries
 where kind in ('earn', 'return')
 group by 1, 2;
