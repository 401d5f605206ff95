-- Returns (docs/ledger.md). The body that V2 created, kept current here (one body per function); a return
-- also takes its points out of the member's qualifying points of the day (R__earning.sql).
-- A return of part of a purchase takes back the points earned on that part, pro rata on the cumulative
-- returned amount (so rounding never lets several partial returns take back more than was earned). When
-- those points were already spent the balance goes negative: the debt is visible, never forgiven. Points
-- taken back from lots still held for fraud review (R__fraud.sql) were never counted as earned, so they leave
-- neither lifetimeEarned nor the qualifying points.
create or replace function loyalty_return(p_tenant uuid, p_transaction_id text, p_return_id text, p_request_hash text,
                               p_amount bigint, p_returned_quantities jsonb, p_expected_returned_amount bigint)
returns table (outcome text, stored_hash text, result jsonb, snapshot_version bigint)
language plpgsql as $$
declare
  t        record;
  v_cum    bigint;
  v_take   bigint;
  v_held   bigint;
  v_counted bigint := 0;
  v_result jsonb;
begin
  select * into t from transactions where tenant_id = p_tenant and transaction_id = p_transaction_id for update;
  insert into point_returns (tenant_id, return_id, transaction_id, member_id, amount, points, request_hash)
  values (p_tenant, p_return_id, p_transaction_id, t.member_id, p_amount, 0, p_request_hash)
  on conflict (tenant_id, return_id) do nothing;
  if not found then
    return query select 'duplicate'::text, r.request_hash, r.result, null::bigint
                   from point_returns r where r.tenant_id = p_tenant and r.return_id = p_return_id;
    return;
  end if;
  if t.returned_amount <> p_expected_returned_amount then
    raise exception 'another return of % landed first', p_transaction_id using errcode = 'LY004';
  end if;
  if t.returned_amount + p_amount > t.total then
    raise exception 'return exceeds purchase' using errcode = 'LY005';
  end if;
  -- floor of exact numeric division (a plain ::bigint cast would round half up)
  v_cum := case when t.total = 0 then 0
                else floor(t.points_earned::numeric * (t.returned_amount + p_amount) / t.total)::bigint end;
  v_take := v_cum - t.returned_points;
  if v_take > 0 then
    v_held := loyalty_held_points(t.member_id, 'transaction', p_transaction_id);
    perform loyalty_take(t.member_id, v_take, true, 'transaction', p_transaction_id);
    v_counted := v_take - (v_held - loyalty_held_points(t.member_id, 'transaction', p_transaction_id));
    insert into ledger_entries (tenant_id, member_id, kind, points, cause_type, cause_id)
    values (p_tenant, t.member_id, 'return', -v_take, 'return', p_return_id);
    perform loyalty_count_qualifying(array[t.member_id], array[-v_counted]);
  end if;
  update member_balances
     set lifetime_earned = lifetime_earned - v_counted, total_spent = total_spent - p_amount,
         version = version + 1, updated_at = now()
   where member_id = t.member_id;
  update transactions
     set returned_amount = returned_amount + p_amount, returned_points = returned_points + v_take,
         returned_quantities = p_returned_quantities
   where tenant_id = p_tenant and transaction_id = p_transaction_id;
  v_result := jsonb_build_object('returnId', p_return_id, 'transactionId', p_transaction_id,
    'amount', p_amount, 'pointsReturned', v_take, 'balance', loyalty_points_json(t.member_id));
  update point_returns set points = v_take, result = v_result where tenant_id = p_tenant and return_id = p_return_id;
  insert into outbox (tenant_id, member_id, event_type, payload)
  values (p_tenant, t.member_id, 'points.returned',
          jsonb_build_object('returnId', p_return_id, 'transactionId', p_transaction_id, 'amount', p_amount,
                             'points', v_take));
  return query select 'created'::text, p_request_hash, v_result, loyalty_snapshot_version(t.member_id);
end $$;
