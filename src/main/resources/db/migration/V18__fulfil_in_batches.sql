-- Issued items are settled per partner batch by loyalty_fulfil_batch (R__fulfillment.sql); the one-job
-- function goes, so fulfilment has one definition.
drop function if exists loyalty_fulfil(bigint, jsonb);
