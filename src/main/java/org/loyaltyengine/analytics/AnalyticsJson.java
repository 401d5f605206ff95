package org.loyaltyengine.analytics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.ZoneId;
import java.util.List;

/** The wire form of the two reports (docs/analytics.md). */
public final class AnalyticsJson {
  private AnalyticsJson() {
  }

  public static JsonObject summary(AnalyticsSummary s, ZoneId zone) {
    JsonArray top = new JsonArray();
    for (AnalyticsSummary.RewardRanking r : s.topRewards()) {
      top.add(new JsonObject().put("rewardId", r.rewardId()).put("redemptions", r.redemptions())
          .put("quantity", r.quantity()).put("points", r.points()));
    }
    return period(s.period(), zone)
        .put("points", points(s.totals()))
        .put("liability", new JsonObject().put("atStart", s.liabilityAtStart()).put("atEnd", s.liabilityAtEnd()))
        .put("redemptions", redemptions(s.totals()))
        .put("members", new JsonObject().put("new", s.totals().newMembers()).put("active", s.activeMembers()))
        .put("topRewards", top)
        .put("freshness", new JsonObject().put("eventsApplied", s.eventsApplied())
            .put("lastEventAt", s.lastEventAt() == null ? null : s.lastEventAt().toString()));
  }

  public static JsonObject daily(ReportPeriod period, ZoneId zone, List<DayReport> days) {
    JsonArray rows = new JsonArray();
    for (DayReport d : days) {
      rows.add(new JsonObject().put("day", d.day().toString())
          .put("points", points(d.figures()))
          .put("liability", d.liability())
          .put("redemptions", redemptions(d.figures()))
          .put("members", new JsonObject().put("new", d.figures().newMembers()).put("active", d.activeMembers())));
    }
    return period(period, zone).put("days", rows);
  }

  private static JsonObject period(ReportPeriod period, ZoneId zone) {
    return new JsonObject().put("from", period.from().toString()).put("to", period.to().toString())
        .put("timezone", zone.getId());
  }

  private static JsonObject points(DailyFigures f) {
    return new JsonObject()
        .put("issued", f.pointsIssued())
        .put("issuedPending", f.pointsIssuedPending())
        .put("released", f.pointsReleased())
        .put("redeemed", f.pointsRedeemed())
        .put("refunded", f.pointsRefunded())
        .put("expired", f.pointsExpired())
        .put("returned", f.pointsReturned())
        .put("adjustedIn", f.pointsAdjustedIn())
        .put("adjustedOut", f.pointsAdjustedOut())
        .put("openingBalance", f.pointsOpening())
        .put("net", f.netPoints());
  }

  private static JsonObject redemptions(DailyFigures f) {
    return new JsonObject().put("created", f.redemptions()).put("fulfilled", f.redemptionsFulfilled())
        .put("failed", f.redemptionsFailed());
  }
}
