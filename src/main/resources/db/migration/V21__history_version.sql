-- The version of a member's transaction history as the read model shows it (docs/reads.md, "Writes that
-- leave the history alone"): bumped by every write that adds a purchase or changes what a history item shows
-- (loyalty_apply_earnings, a fraud void of a purchase). A write that changes only the balance or the profile
-- (a redemption, its fulfilment or refund, an adjustment, expiry, a release, a tier review) keeps the history
-- its member's document already holds when that document's history is of this version, instead of reading
-- the newest 50 transactions again. A new column with a constant default: no table rewrite.
alter table member_balances add column history_version bigint not null default 0;
