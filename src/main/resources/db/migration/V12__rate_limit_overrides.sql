-- Rate-limit overrides (docs/protection.md). Null means "the configured default" (rateLimit.* in
-- conf/application.yaml). A key's override is set by its tenant's admin, a tenant's by the platform operator.
alter table api_keys
  add column rate_limit_per_second integer check (rate_limit_per_second > 0),
  add column rate_limit_burst      integer check (rate_limit_burst > 0),
  add constraint api_keys_rate_limit_whole check ((rate_limit_per_second is null) = (rate_limit_burst is null));

alter table tenants
  add column rate_limit_per_second integer check (rate_limit_per_second > 0),
  add column rate_limit_burst      integer check (rate_limit_burst > 0),
  add constraint tenants_rate_limit_whole check ((rate_limit_per_second is null) = (rate_limit_burst is null));
