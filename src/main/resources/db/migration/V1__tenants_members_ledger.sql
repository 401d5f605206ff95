-- Every table carries tenant_id; the tenant only ever comes from the caller's API key.

create table tenants (
  id          uuid primary key,
  name        text not null,
  timezone    text not null,
  currency    char(3) not null,
  created_at  timestamptz not null default now(),
  constraint tenants_name_key unique (name)
);

-- Keys are shown once and stored only as the hex SHA-256 of the key (keys are 256-bit random, so a fast
-- hash is enough; there is nothing to brute-force).
create table api_keys (
  id          uuid primary key,
  tenant_id   uuid not null references tenants (id),
  name        text not null,
  key_hash    text not null,
  key_prefix  text not null,
  scopes      text[] not null,
  created_at  timestamptz not null default now(),
  revoked_at  timestamptz,
  constraint api_keys_hash_key unique (key_hash)
);
create index api_keys_tenant on api_keys (tenant_id);

create table members (
  id           bigint generated always as identity primary key,
  tenant_id    uuid not null references tenants (id),
  external_id  text not null,
  email        text,
  phone        text,
  first_name   text,
  last_name    text,
  birth_date   date,
  attributes   jsonb not null default '{}'::jsonb,
  status       text not null default 'active' check (status in ('active', 'blocked')),
  tier_code    text,
  enrolled_at  timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  -- bumped on every change; with member_balances.version it orders cached snapshots
  version      bigint not null default 1,
  constraint members_external_id_key unique (tenant_id, external_id)
);

-- One row per member, updated in the same transaction as the ledger entries that move it.
-- Invariant: available + pending = sum(ledger_entries.points) for the member.
create table member_balances (
  member_id          bigint primary key references members (id),
  tenant_id          uuid not null,
  available          bigint not null default 0,
  pending            bigint not null default 0,
  lifetime_earned    bigint not null default 0,
  transaction_count  bigint not null default 0,
  total_spent        bigint not null default 0,   -- minor units of the tenant's currency
  version            bigint not null default 1,
  updated_at         timestamptz not null default now()
);

create table transactions (
  seq             bigint generated always as identity,
  tenant_id       uuid not null,
  transaction_id  text not null,
  member_id       bigint not null references members (id),
  occurred_at     timestamptz not null,
  total           bigint not null,                -- minor units
  currency        char(3) not null,
  channel         text,
  store_id        text,
  items           jsonb not null,
  points_earned   bigint not null default 0,
  created_at      timestamptz not null default now(),
  primary key (tenant_id, transaction_id)
);
-- Newest-first keyset pagination per member: (occurred_at, seq) descending, read backwards.
create index transactions_member_recent on transactions (member_id, occurred_at, seq);

-- Append-only. Corrections are new entries, never updates.
create table ledger_entries (
  id            bigint generated always as identity primary key,
  tenant_id     uuid not null,
  member_id     bigint not null references members (id),
  kind          text not null check (kind in ('earn', 'redeem', 'expire', 'adjust', 'return', 'refund')),
  points        bigint not null,
  cause_type    text not null,
  cause_id      text not null,
  available_at  timestamptz,
  expires_at    timestamptz,
  created_at    timestamptz not null default now()
);
create index ledger_entries_member on ledger_entries (member_id, id);

-- Domain events written in the same transaction as the change they describe; a relay publishes them.
create table outbox (
  id          bigint generated always as identity primary key,
  tenant_id   uuid not null,
  member_id   bigint,
  event_type  text not null,
  payload     jsonb not null,
  created_at  timestamptz not null default now()
);
