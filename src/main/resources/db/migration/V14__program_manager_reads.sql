-- The reads a program manager reaches for: member search, a member's redemptions, and audit entries that
-- say what changed.

-- Member search (GET /v1/members): every list is ordered by external id, byte by byte (text_pattern_ops,
-- the same whatever the database's collation), so an external id prefix is one range of this index and a
-- page's last id is the next page's start. The other two serve the exact-match filters.
create index members_by_external_id on members (tenant_id, external_id text_pattern_ops);
create index members_by_email on members (tenant_id, lower(email)) where email is not null;
create index members_by_phone on members (tenant_id, regexp_replace(phone, '[^0-9]', '', 'g')) where phone is not null;

-- A member's redemptions, newest first, keyset paged by (created_at, redemption_id).
create index redemptions_by_member on redemptions (member_id, created_at desc, redemption_id desc);

-- What an administrative change changed: the resource before and after (secrets removed), when known.
alter table audit_log add column before jsonb, add column after jsonb;
