-- Tracing across the outbox (docs/observability.md). A writer whose request is traced sets the transaction-local
-- setting loyalty.traceparent (set_config(..., true)); the outbox rows of that transaction keep it, and the relay
-- sends them to Kafka inside that trace. Unset (tracing off, or an untraced writer), the column stays null.
-- current_setting is stable, so adding the column does not rewrite the table.
alter table outbox add column traceparent text default nullif(current_setting('loyalty.traceparent', true), '');
