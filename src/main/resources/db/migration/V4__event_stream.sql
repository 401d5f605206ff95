-- The outbox becomes a stream: the relay marks what it has handed to Kafka (or to the in-process
-- consumers) instead of deleting it, so retention decides when published rows go.
alter table outbox add column published_at timestamptz;

-- The relay's only query shape: unpublished rows of one partition in id order. Partial, so published
-- rows cost it nothing however many are kept.
create index outbox_unpublished on outbox (id) where published_at is null;
