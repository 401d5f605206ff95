-- Small helpers of the ledger functions, current bodies (V2 created them in SQL). PL/pgSQL, so each
-- connection plans their query once: a LANGUAGE sql function with a FROM clause is not inlined when PL/pgSQL
-- calls it, and is planned again on every call.

-- The member's points block, as every write reply shows it.
create or replace function loyalty_points_json(p_member bigint)
returns jsonb language plpgsql stable as $$
begin
  return (select jsonb_build_object('available', b.available, 'pending', b.pending, 'lifetimeEarned', b.lifetime_earned)
            from member_balances b where b.member_id = p_member);
end $$;

-- The member's snapshot version after a write (members.version + member_balances.version): cached reads are
-- fenced at it.
create or replace function loyalty_snapshot_version(p_member bigint)
returns bigint language plpgsql stable as $$
begin
  return (select m.version + b.version from members m join member_balances b on b.member_id = m.id
           where m.id = p_member);
end $$;
