package org.loyaltyengine.rules;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@link EvaluationRequest} and {@link RuleVerdict} as JSON, for evaluations that cross cluster nodes. Both
 * ends run the same engine version; the input was validated where it entered, so decoding trusts its shape
 * (the records still check their own invariants). Rule sets travel in their documented upload shape
 * ({@link RuleSetJson}), which round-trips exactly.
 */
public final class RulesMessageJson {
  private RulesMessageJson() {}

  public static JsonObject toJson(EvaluationRequest r) {
    JsonObject json = new JsonObject()
        .put("tenantId", r.tenantId().toString())
        .put("rulesVersion", r.rulesVersion())
        .put("zone", r.zone().getId())
        .put("memberId", r.memberId())
        .put("member", r.member() == null ? null : member(r.member()))
        .put("purchase", r.purchase() == null ? null : purchase(r.purchase()))
        .put("event", r.event() == null ? null : event(r.event()));
    if (r.proposed() != null) {
      json.put("proposed", RuleSetJson.toJson(r.proposed()));
    }
    return json;
  }

  public static EvaluationRequest request(JsonObject json) {
    JsonObject proposed = json.getJsonObject("proposed");
    JsonObject member = json.getJsonObject("member");
    JsonObject purchase = json.getJsonObject("purchase");
    JsonObject event = json.getJsonObject("event");
    return new EvaluationRequest(UUID.fromString(json.getString("tenantId")), json.getInteger("rulesVersion"),
        proposed == null ? null : RuleSetJson.parse(proposed), ZoneId.of(json.getString("zone")),
        json.getLong("memberId"), member == null ? null : member(member), purchase == null ? null : purchase(purchase),
        event == null ? null : event(event));
  }

  public static JsonObject toJson(RuleVerdict v) {
    JsonArray breakdown = new JsonArray();
    for (Award a : v.evaluation().breakdown()) {
      breakdown.add(new JsonObject().put("ruleId", a.ruleId()).put("points", a.points())
          .put("pendingDays", a.pendingDays()).put("capWindows", new JsonArray(new ArrayList<>(a.capWindows())))
          .put("budgeted", a.budgeted()));
    }
    return new JsonObject()
        .put("evaluation", new JsonObject().put("points", v.evaluation().points()).put("breakdown", breakdown))
        .put("ruleSet", RuleSetJson.toJson(v.ruleSet()));
  }

  public static RuleVerdict verdict(JsonObject json) {
    JsonObject evaluation = json.getJsonObject("evaluation");
    List<Award> breakdown = new ArrayList<>();
    for (Object o : evaluation.getJsonArray("breakdown")) {
      JsonObject a = (JsonObject) o;
      breakdown.add(new Award(a.getString("ruleId"), a.getLong("points"), a.getInteger("pendingDays"),
          strings(a.getJsonArray("capWindows")), a.getBoolean("budgeted")));
    }
    return new RuleVerdict(new Evaluation(evaluation.getLong("points"), breakdown),
        RuleSetJson.parse(json.getJsonObject("ruleSet")));
  }

  private static JsonObject member(MemberFacts m) {
    return new JsonObject().put("tierCode", m.tierCode()).put("tierMultiplierPercent", m.tierMultiplierPercent())
        .put("attributes", stringMap(m.attributes()));
  }

  private static MemberFacts member(JsonObject json) {
    return new MemberFacts(json.getString("tierCode"), json.getInteger("tierMultiplierPercent"),
        stringMap(json.getJsonObject("attributes")));
  }

  private static JsonObject purchase(Purchase p) {
    JsonArray items = new JsonArray();
    for (LineItem item : p.items()) {
      items.add(new JsonObject().put("sku", item.sku()).put("category", item.category())
          .put("quantity", item.quantity()).put("amount", item.amount())
          .put("labels", new JsonArray(new ArrayList<>(item.labels()))));
    }
    return new JsonObject().put("transactionId", p.transactionId()).put("occurredAt", p.occurredAt().toString())
        .put("total", p.total()).put("currency", p.currency()).put("channel", p.channel())
        .put("storeId", p.storeId()).put("items", items);
  }

  private static Purchase purchase(JsonObject json) {
    List<LineItem> items = new ArrayList<>();
    for (Object o : json.getJsonArray("items")) {
      JsonObject item = (JsonObject) o;
      items.add(new LineItem(item.getString("sku"), item.getString("category"), item.getLong("quantity"),
          item.getLong("amount"), new LinkedHashSet<>(strings(item.getJsonArray("labels")))));
    }
    return new Purchase(json.getString("transactionId"), Instant.parse(json.getString("occurredAt")),
        json.getLong("total"), json.getString("currency"), json.getString("channel"), json.getString("storeId"), items);
  }

  private static JsonObject event(CustomEvent e) {
    return new JsonObject().put("eventId", e.eventId()).put("type", e.type())
        .put("occurredAt", e.occurredAt().toString()).put("attributes", stringMap(e.attributes()));
  }

  private static CustomEvent event(JsonObject json) {
    return new CustomEvent(json.getString("eventId"), json.getString("type"), Instant.parse(json.getString("occurredAt")),
        stringMap(json.getJsonObject("attributes")));
  }

  private static JsonObject stringMap(Map<String, String> map) {
    JsonObject json = new JsonObject();
    map.forEach(json::put);
    return json;
  }

  private static Map<String, String> stringMap(JsonObject json) {
    Map<String, String> map = new LinkedHashMap<>();
    if (json != null) {
      json.forEach(e -> map.put(e.getKey(), (String) e.getValue()));
    }
    return map;
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>(array.size());
    for (Object o : array) {
      out.add((String) o);
    }
    return out;
  }
}
