-- Without Kafka the relay hands each batch to every consumer group over the event bus, and marks the
-- rows published only when all of them have taken it. This is how it knows the groups: the event feed
-- registers its group when a consumer subscribes and refreshes last_seen_at while it stays subscribed.
-- A group seen within relay.groupRetentionSeconds is owed every event (a batch waits while its node
-- restarts); one gone quiet for longer is no longer waited for. Kept in PostgreSQL rather than in the
-- event bus so that it is the same for every node, clustered or not, and survives restarts.
create table event_consumer_groups (
  name          text primary key,
  registered_at timestamptz not null default now(),
  last_seen_at  timestamptz not null default now()
);
