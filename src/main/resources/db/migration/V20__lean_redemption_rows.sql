-- Lean redemption rows (docs/rewards.md, "What a redemption writes"). loyalty_redeem (R__redemptions.sql) now
-- writes the redemption row once, complete; these go with it:
-- The foreign key to members made every redemption look its member up and lock the row FOR KEY SHARE (a heap
-- write: WAL, and after a checkpoint a full-page image of the members page). loyalty_redeem has just locked
-- the member's balance row (which keeps its own key to members) and members are never deleted, as for the
-- ledger's rows (V16).
alter table redemptions drop constraint if exists redemptions_member_id_fkey;
-- The velocity checks' index on (member_id, created_at) repeats redemptions_by_member (V14: member_id,
-- created_at desc, redemption_id desc), which serves their range scans as well: one index fewer to write.
drop index if exists redemptions_member_time;
