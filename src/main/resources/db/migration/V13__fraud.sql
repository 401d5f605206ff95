-- Fraud and velocity checks (docs/fraud.md): each tenant's versioned check configuration, the review queue
-- of held earnings and redemptions, and the signals (store location, device, IP) the checks compare.
-- The functions that hold, approve and void live in R__fraud.sql.

alter table tenants add column fraud_version int not null default 0;

create table fraud_policies (
  tenant_id   uuid not null references tenants (id),
  version     int not null,
  body        jsonb not null,
  created_at  timestamptz not null default now(),
  primary key (tenant_id, version)
);

-- A voided earning leaves through a 'void' entry (the ledger stays append-only).
alter table ledger_entries drop constraint ledger_entries_kind_check;
alter table ledger_entries add constraint ledger_entries_kind_check
  check (kind in ('earn', 'redeem', 'expire', 'adjust', 'return', 'refund', 'void'));

-- A held redemption waits for review: not sent to fulfillment, its coupon codes not shown.
alter table redemptions drop constraint redemptions_status_check;
alter table redemptions add constraint redemptions_status_check
  check (status in ('pending', 'fulfilled', 'failed', 'held'));

-- One row per held write, unique per cause: held -> approved | voided, decided once, by whom and when.
create table fraud_holds (
  id             bigint generated always as identity primary key,
  tenant_id      uuid not null references tenants (id),
  kind           text not null check (kind in ('earning', 'redemption')),
  cause_type     text not null check (cause_type in ('transaction', 'event', 'redemption')),
  cause_id       text not null,
  member_id      bigint not null references members (id),
  points         bigint not null,
  release_at     timestamptz[],   -- earnings: when each held lot would have been released (lot order)
  withheld_codes jsonb,           -- coupon redemptions: the codes kept back until approval
  findings       jsonb not null,
  status         text not null check (status in ('held', 'approved', 'voided')),
  decided_at     timestamptz,
  decided_by     uuid,            -- the admin API key that decided
  note           text,
  created_at     timestamptz not null default now(),
  constraint fraud_holds_once unique (tenant_id, cause_type, cause_id)
);
create index fraud_holds_queue on fraud_holds (tenant_id, status, id);

-- What the location and device checks compare: one row per earning or redemption that carried any of them.
-- Written in the same transaction as the write; pruned after two days by the fraud workers.
create table fraud_signals (
  tenant_id  uuid not null,
  kind       text not null check (kind in ('earning', 'redemption')),
  cause_id   text not null,
  member_id  bigint not null,
  at         timestamptz not null default now(),
  store_id   text,
  lat        double precision,
  lon        double precision,
  device_id  text,
  ip         text,
  primary key (tenant_id, kind, cause_id)
);
create index fraud_signals_member on fraud_signals (member_id, kind, at);
create index fraud_signals_device on fraud_signals (tenant_id, device_id, at) where device_id is not null;
create index fraud_signals_ip on fraud_signals (tenant_id, ip, at) where ip is not null;
create index fraud_signals_age on fraud_signals (at);

-- The velocity checks count a member's recent redemptions and adjustments.
create index redemptions_member_time on redemptions (member_id, created_at);
create index adjustments_member_time on adjustments (member_id, created_at);
