-- Group commit of redemptions (docs/rewards.md, "Group commit"): the API's concurrent redemptions of one tenant
-- are applied by one statement and one commit. Each is loyalty_redeem (V3) in its own subtransaction, so a
-- refused one (insufficient points, out of stock, limit reached, ...) or a failed one leaves no trace and does
-- not stop the others; its SQLSTATE and message come back in its row instead of its reply. The caller keeps a
-- batch below 64 redemptions: each subtransaction that writes takes a subtransaction id, and a transaction
-- with more than 64 of them makes every other session's snapshots slower (subxid overflow).
-- One row per redemption, in order: o_outcome 'created' or 'duplicate' (a replay: its stored reply), or
-- 'failed' with o_error (SQLSTATE) and o_message.
create or replace function loyalty_redeem_batch(p_tenant uuid, p_redemption_ids text[], p_hashes text[],
                                                p_members text[], p_rewards text[], p_quantities int[])
returns table (o_item int, o_outcome text, o_hash text, o_result jsonb, o_version bigint, o_external_id text,
               o_error text, o_message text)
language plpgsql as $$
declare
  i int;
  r record;
begin
  for i in 1 .. coalesce(array_length(p_redemption_ids, 1), 0) loop
    begin
      select * into r from loyalty_redeem(p_tenant, p_redemption_ids[i], p_hashes[i], p_members[i], p_rewards[i],
                                          p_quantities[i]);
      o_item := i;
      o_outcome := r.outcome;
      o_hash := r.stored_hash;
      o_result := r.result;
      o_version := r.snapshot_version;
      o_external_id := r.external_id;
      o_error := null;
      o_message := null;
    exception when others then
      o_item := i;
      o_outcome := 'failed';
      o_hash := null;
      o_result := null;
      o_version := null;
      o_external_id := null;
      o_error := sqlstate;
      o_message := sqlerrm;
    end;
    return next;
  end loop;
end $$;
