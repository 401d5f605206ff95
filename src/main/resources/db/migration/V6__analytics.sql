-- Analytics: per-tenant rollups built by the "analytics" consumer group from the domain event stream
-- (docs/analytics.md). Reports read only these tables, never the live ones. The consumer writes them in
-- one transaction per batch: it records the batch's event ids here first and counts only the ids that
-- were not there yet, so a redelivered event changes nothing.

-- Every event already counted, by its outbox id (unique and never reused). Only events that feed a
-- figure are recorded.
create table analytics_applied_events (
  event_id    bigint primary key,
  applied_at  timestamptz not null default now()
);

-- One row per tenant and day; the day is the calendar day in the tenant's time zone when the change was
-- committed (outbox.created_at). Every figure is a sum of whole points or a count, so rows add up exactly.
create table analytics_daily (
  tenant_id              uuid not null,
  day                    date not null,
  points_issued          bigint not null default 0,  -- points.earned: points
  points_issued_pending  bigint not null default 0,  --   of which pending when earned (points.earned: pending)
  points_released        bigint not null default 0,  -- points.released: pending became available
  points_redeemed        bigint not null default 0,  -- redemption.created: points
  points_refunded        bigint not null default 0,  -- redemption.failed: pointsRefunded
  points_expired         bigint not null default 0,  -- points.expired: points
  points_returned        bigint not null default 0,  -- points.returned: points
  points_adjusted_in     bigint not null default 0,  -- points.adjusted with points > 0
  points_adjusted_out    bigint not null default 0,  -- points.adjusted with points < 0, as a positive number
  points_opening         bigint not null default 0,  -- points.opening_balance: balances loaded without events
  redemptions            bigint not null default 0,  -- redemption.created
  redemptions_fulfilled  bigint not null default 0,  -- redemption.fulfilled
  redemptions_failed     bigint not null default 0,  -- redemption.failed
  new_members            bigint not null default 0,  -- member.enrolled
  active_members         bigint not null default 0,  -- rows of analytics_member_days for this day
  -- the day's change of the points liability (what members hold, available + pending); released points
  -- only move from pending to available, so they do not change it
  net_points bigint generated always as (
    points_issued + points_adjusted_in - points_adjusted_out - points_redeemed + points_refunded
      - points_expired - points_returned + points_opening) stored,
  updated_at             timestamptz not null default now(),
  primary key (tenant_id, day)
);

-- Members active on a day (they earned, returned or redeemed): distinct members over any range.
create table analytics_member_days (
  tenant_id  uuid not null,
  day        date not null,
  member_id  bigint not null,
  primary key (tenant_id, day, member_id)
);

-- Redemptions per reward and day, as created (a later failure is counted per tenant and day, not here:
-- redemption.failed does not name the reward).
create table analytics_reward_daily (
  tenant_id    uuid not null,
  day          date not null,
  reward_id    text not null,
  redemptions  bigint not null default 0,
  quantity     bigint not null default 0,
  points       bigint not null default 0,
  primary key (tenant_id, day, reward_id)
);

-- How far the rollups of a tenant have got: reports show it, so a stalled stream is visible.
create table analytics_tenants (
  tenant_id       uuid primary key,
  events_applied  bigint not null default 0,
  last_event_id   bigint not null default 0,
  last_event_at   timestamptz,
  updated_at      timestamptz not null default now()
);
