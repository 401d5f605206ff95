-- Retention: how long each tenant keeps the data that is not the ledger, and the audit trail of
-- administrative API calls. The ledger (ledger_entries, point_lots, transactions, redemptions,
-- adjustments) is never pruned.

create table tenant_retention (
  tenant_id               uuid primary key references tenants (id),
  raw_events_days         int not null check (raw_events_days between 1 and 3650),
  outbox_days             int not null check (outbox_days between 1 and 3650),
  webhook_deliveries_days int not null check (webhook_deliveries_days between 1 and 3650),
  audit_days              int not null check (audit_days between 1 and 3650),
  updated_at              timestamptz not null default now()
);

-- Raw custom events are pruned oldest first per tenant; this index keeps each batch a short range scan.
create index member_events_age on member_events (tenant_id, created_at);

-- Who changed what through the admin API: one row per successful mutating admin call.
create table audit_log (
  id          bigint generated always as identity primary key,
  tenant_id   uuid not null,
  key_id      uuid not null,
  method      text not null,
  path        text not null,
  status      int not null,
  request_id  text,
  created_at  timestamptz not null default now()
);
create index audit_log_by_tenant on audit_log (tenant_id, id desc);
create index audit_log_age on audit_log (tenant_id, created_at);
