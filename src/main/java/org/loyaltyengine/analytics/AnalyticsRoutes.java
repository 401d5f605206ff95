package org.loyaltyengine.analytics;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;
import org.loyaltyengine.tenant.TenantSettingsCache;
import org.loyaltyengine.tenant.TenantSettingsRepository;

/**
 * {@code GET /v1/analytics/summary} and {@code GET /v1/analytics/daily} (admin or read): reports over
 * {@code ?from=YYYY-MM-DD&to=YYYY-MM-DD}, days in the tenant's time zone, both included. Read from the
 * rollups only; the tenant's zone comes from the node's settings cache.
 */
public final class AnalyticsRoutes {
  private final AnalyticsRepository analytics;
  private final TenantSettingsCache settingsCache;
  private final TenantSettingsRepository settings;

  public AnalyticsRoutes(AnalyticsRepository analytics, TenantSettingsCache settingsCache,
                         TenantSettingsRepository settings) {
    this.analytics = analytics;
    this.settingsCache = settingsCache;
    this.settings = settings;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.get("/v1/analytics/summary").handler(auth.require(Scope.READ)).handler(this::summary);
    router.get("/v1/analytics/daily").handler(auth.require(Scope.READ)).handler(this::daily);
  }

  private static ReportPeriod period(RoutingContext ctx) {
    return ReportPeriod.parse(ctx.queryParam("from"), ctx.queryParam("to"));
  }

  private void summary(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    ReportPeriod period = period(ctx);
    Responses.reply(ctx, 200, settingsCache.get(caller.tenantId(), settings::find)
        .compose(tenant -> analytics.summary(caller.tenantId(), period)
            .map(summary -> AnalyticsJson.summary(summary, tenant.zone()))));
  }

  private void daily(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    ReportPeriod period = period(ctx);
    Responses.reply(ctx, 200, settingsCache.get(caller.tenantId(), settings::find)
        .compose(tenant -> analytics.daily(caller.tenantId(), period)
            .map(days -> AnalyticsJson.daily(period, tenant.zone(), days))));
  }
}
