-- Webhooks: a tenant's subscriptions (URL + event types + signing secret) and the deliveries made to them.
--
-- Deliveries form one stream per (subscription, ordering key = tenant:member). Only the stream's head — its
-- oldest pending delivery — is ever due; the ones behind it wait with next_attempt_at = 'infinity' and the
-- head's settlement promotes the next. So the claim query reads only due heads, however long the backlog of
-- a dead endpoint grows. Enqueueing and settling take a transaction-scoped advisory lock on the ordering key
-- (class 0x4C595748, "LYWH"), so a head settled while a new delivery of the same member is being added can
-- never leave that new delivery waiting forever.

create table webhook_subscriptions (
  id               uuid primary key,
  tenant_id        uuid not null references tenants (id),
  url              text not null,
  event_types      text[] not null,                  -- '{*}': every type
  description      text,
  secret           text not null,                    -- the HMAC key: kept in clear to sign, shown only at creation
  active           boolean not null default true,
  idempotency_key  text,                             -- the Idempotency-Key header of the creating request
  request_hash     text,
  created_at       timestamptz not null default now(),
  deleted_at       timestamptz,
  constraint webhook_subscriptions_idempotency unique (tenant_id, idempotency_key)
);
create index webhook_subscriptions_tenant on webhook_subscriptions (tenant_id, created_at) where active;

create table webhook_deliveries (
  id                bigint generated always as identity primary key,
  tenant_id         uuid not null,
  subscription_id   uuid not null references webhook_subscriptions (id),
  event_id          bigint not null,                 -- outbox id: the receiver's dedupe key
  event_type        text not null,
  ordering_key      text not null,                   -- tenant:member, as DomainEvent.orderingKey()
  payload           text not null,                   -- the exact body sent (and signed) on every attempt
  status            text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts          int not null default 0,          -- requests made (an open circuit makes none)
  next_attempt_at   timestamptz not null,            -- 'infinity' while an earlier delivery of the stream is pending
  first_attempt_at  timestamptz,                     -- retries stop maxAgeHours after this
  last_attempt_at   timestamptz,
  last_status_code  int,
  last_error        text,
  leased_until      timestamptz,
  lease_owner       text,
  created_at        timestamptz not null default now(),
  delivered_at      timestamptz,
  failed_at         timestamptz,
  constraint webhook_deliveries_once unique (subscription_id, event_id)
);
-- the claim: due heads in time order ('infinity' rows sort last and are never reached)
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
-- a stream's pending deliveries in order: is there one ahead, which is next
create index webhook_deliveries_stream on webhook_deliveries (subscription_id, ordering_key, event_id)
  where status = 'pending';
-- the delivery log, newest first, all or by status
create index webhook_deliveries_log on webhook_deliveries (subscription_id, id);
create index webhook_deliveries_log_status on webhook_deliveries (subscription_id, status, id);

-- ---------------------------------------------------------------------------------------------------
-- One batch of events (arrays of equal length, in per-member order) becomes deliveries to every active
-- subscription of the event's tenant that takes its type and existed when it occurred. Idempotent by
-- (subscription, event): a batch fed again adds nothing. Returns the number of deliveries added.
create function loyalty_webhook_enqueue(p_event_ids bigint[], p_tenants uuid[], p_keys text[], p_types text[],
                                        p_payloads text[], p_occurred timestamptz[])
returns int language plpgsql as $$
declare
  v_added int;
begin
  -- the streams of tenants that have a webhook at all, locked in one order (two feeds cannot deadlock)
  perform pg_advisory_xact_lock(1280923464, s.h)
     from (select distinct hashtext(e.k) as h
             from unnest(p_tenants, p_keys) as e(t, k)
            where exists (select 1 from webhook_subscriptions w where w.tenant_id = e.t and w.active)
            order by 1) s;
  if not found then
    return 0;
  end if;
  with ev as (
    select * from unnest(p_event_ids, p_tenants, p_keys, p_types, p_payloads, p_occurred)
                  as e(event_id, tenant_id, ordering_key, event_type, payload, occurred_at)),
  fresh as (
    select distinct on (w.id, e.event_id) w.id as subscription_id, e.*
      from ev e
      join webhook_subscriptions w on w.tenant_id = e.tenant_id and w.active and e.occurred_at >= w.created_at
                                  and ('*' = any(w.event_types) or e.event_type = any(w.event_types))
     where not exists (select 1 from webhook_deliveries x where x.subscription_id = w.id and x.event_id = e.event_id)),
  ranked as (
    select f.*, row_number() over (partition by f.subscription_id, f.ordering_key order by f.event_id) as rn
      from fresh f)
  insert into webhook_deliveries (tenant_id, subscription_id, event_id, event_type, ordering_key, payload, next_attempt_at)
  select r.tenant_id, r.subscription_id, r.event_id, r.event_type, r.ordering_key, r.payload,
         case when r.rn = 1 and not exists (select 1 from webhook_deliveries p
                                             where p.subscription_id = r.subscription_id
                                               and p.ordering_key = r.ordering_key and p.status = 'pending')
              then now() else 'infinity'::timestamptz end
    from ranked r
  on conflict (subscription_id, event_id) do nothing;
  get diagnostics v_added = row_count;
  return v_added;
end $$;

-- Leases up to p_limit due deliveries, at most p_per_subscription of any one subscription, none of the
-- subscriptions in p_skip (open circuit or no free slot on the calling node). The lease moves
-- next_attempt_at to its end, so a crashed worker's delivery is simply due again when the lease runs out.
create function loyalty_webhook_claim(p_limit int, p_per_subscription int, p_lease_ms int, p_owner text, p_skip uuid[])
returns table (id bigint, subscription_id uuid, event_id bigint, event_type text, payload text, attempts int,
               first_attempt_at timestamptz, url text, secret text, active boolean)
language sql as $$
  with candidates as (
    select c.id, c.subscription_id, c.next_attempt_at from webhook_deliveries c
     where c.status = 'pending' and c.next_attempt_at <= now() and c.subscription_id <> all(p_skip)
     order by c.next_attempt_at limit p_limit
       for update skip locked),
  picked as (
    select r.id from (select c.id, row_number() over (partition by c.subscription_id
                                                      order by c.next_attempt_at, c.id) as rn
                        from candidates c) r
     where r.rn <= p_per_subscription)
  update webhook_deliveries d
     set lease_owner = p_owner, leased_until = now() + make_interval(secs => p_lease_ms / 1000.0),
         next_attempt_at = now() + make_interval(secs => p_lease_ms / 1000.0)
    from picked p, webhook_subscriptions s
   where d.id = p.id and s.id = d.subscription_id
  returning d.id, d.subscription_id, d.event_id, d.event_type, d.payload, d.attempts, d.first_attempt_at,
            s.url, s.secret, s.active
$$;

-- Settles a leased delivery, only if the caller still holds its lease (a late outcome of a lease that ran
-- out and was taken by another worker changes nothing). p_outcome:
--   delivered  2xx: done; the stream's next delivery becomes due
--   retry      a failed attempt: due again after p_delay_ms
--   failed     a failed attempt past the retry window: done; the stream's next delivery becomes due
--   deferred   no request made (open circuit, lease too short to try): due again after p_delay_ms
--   cancelled  the subscription was deleted: done without a request
create function loyalty_webhook_settle(p_delivery bigint, p_owner text, p_outcome text, p_status_code int,
                                       p_error text, p_delay_ms bigint)
returns boolean language plpgsql as $$
declare
  d record;
  v_attempted boolean := p_outcome in ('delivered', 'retry', 'failed');
  v_done boolean := p_outcome in ('delivered', 'failed', 'cancelled');
begin
  select w.subscription_id, w.ordering_key into d from webhook_deliveries w where w.id = p_delivery;
  if not found then
    return false;
  end if;
  perform pg_advisory_xact_lock(1280923464, hashtext(d.ordering_key));
  update webhook_deliveries w
     set status = case p_outcome when 'delivered' then 'delivered'
                                 when 'failed' then 'failed' when 'cancelled' then 'failed' else 'pending' end,
         attempts = w.attempts + case when v_attempted then 1 else 0 end,
         first_attempt_at = case when v_attempted then coalesce(w.first_attempt_at, now()) else w.first_attempt_at end,
         last_attempt_at = case when v_attempted then now() else w.last_attempt_at end,
         last_status_code = case when v_attempted then p_status_code else w.last_status_code end,
         last_error = case when p_outcome = 'delivered' then null
                           when p_outcome = 'deferred' then w.last_error else p_error end,
         next_attempt_at = case when v_done then w.next_attempt_at
                                else now() + make_interval(secs => p_delay_ms / 1000.0) end,
         delivered_at = case when p_outcome = 'delivered' then now() end,
         failed_at = case when p_outcome in ('failed', 'cancelled') then now() end,
         leased_until = null, lease_owner = null
   where w.id = p_delivery and w.status = 'pending' and w.lease_owner = p_owner;
  if not found then
    return false;
  end if;
  if v_done then
    update webhook_deliveries n set next_attempt_at = now()
     where n.id = (select x.id from webhook_deliveries x
                    where x.subscription_id = d.subscription_id and x.ordering_key = d.ordering_key
                      and x.status = 'pending'
                    order by x.event_id limit 1)
       and n.next_attempt_at = 'infinity';
  end if;
  return true;
end $$;
