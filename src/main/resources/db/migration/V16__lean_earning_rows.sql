-- Lean earning rows (docs/ledger.md, "What an earning writes"). Every earning now goes through
-- loyalty_apply_earnings (R__earning.sql): the per-earning function and its helpers go, one definition stays.
drop function if exists loyalty_earn(uuid, bigint, text, text, text, timestamptz, bigint, text, text, text, jsonb,
  bigint[], timestamptz[], timestamptz, jsonb, text[], text[], bigint[], bigint[], text[], bigint[], bigint[],
  text[], bigint[], int);
drop function if exists loyalty_count_usage(uuid, bigint, text[], text[], bigint[], bigint[], text[], bigint[],
  bigint[]);
drop function if exists loyalty_upgrade_tier(uuid, bigint, text[], bigint[], int);

-- Foreign keys from the ledger's append-only rows to members. Each one made every insert look the member up
-- and lock its row FOR KEY SHARE (a heap write, so WAL and, after a checkpoint, a full-page image of the
-- members page) — four per earning. They guarded nothing the writers do not already guarantee: every row is
-- written by a ledger function for a member whose balance row it has just locked (member_balances keeps
-- its key to members), and members are never deleted (retention prunes events and logs, not members).
alter table transactions drop constraint if exists transactions_member_id_fkey;
alter table ledger_entries drop constraint if exists ledger_entries_member_id_fkey;
alter table point_lots drop constraint if exists point_lots_member_id_fkey;
alter table point_lots drop constraint if exists point_lots_ledger_entry_id_fkey;
alter table member_events drop constraint if exists member_events_member_id_fkey;

-- Room on each page for the new version of a balance row, so its updates are HOT (no index entry to write:
-- no indexed column of member_balances ever changes). Applies to pages written from now on; an existing
-- database gets it everywhere after a one-off VACUUM FULL member_balances (docs/deployment.md).
alter table member_balances set (fillfactor = 70);
