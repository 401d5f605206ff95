package org.loyaltyengine.fulfillment.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.fulfillment.sim.SimSettings.OutageMode;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.platform.Rejection;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The simulator's JSON: request bodies to domain values (rejecting bad input by field) and back. */
final class SimJson {
  static final int MAX_BATCH_ITEMS = 100;
  static final String KEY_REUSED = "idempotency_key_reused";
  private static final Set<String> ORDER_FIELDS = Set.of("idempotencyKey", "sku", "quantity");
  private static final Set<String> CONTROL_FIELDS = Set.of("latencyMs", "latencyJitterMs", "errorRate",
      "permanentErrorRate", "timeoutRate", "outage", "outageMode", "outageForMs");

  private SimJson() {}

  /** {@code {"idempotencyKey", "sku", "quantity"}}; quantity defaults to 1. */
  static IssueRequest order(JsonInput in) {
    in.allowOnly(ORDER_FIELDS);
    String key = in.requiredString("idempotencyKey", 1, IssueRequest.MAX_KEY_LENGTH);
    String sku = in.requiredString("sku", 1, IssueRequest.MAX_SKU_LENGTH);
    long quantity = in.optionalLong("quantity", 1, IssueRequest.MAX_QUANTITY).orElse(1L);
    return new IssueRequest(key, sku, (int) quantity);
  }

  /** {@code {"items": [order, ...]}} with 1 to {@value #MAX_BATCH_ITEMS} orders. */
  static List<IssueRequest> batch(JsonInput in) {
    in.allowOnly(Set.of("items"));
    return in.requiredObjectList("items", 1, MAX_BATCH_ITEMS).stream().map(SimJson::order).toList();
  }

  /** One order's outcome; a conflicting key is a rejection that never reveals the original's codes. */
  static JsonObject result(IssueResult r) {
    JsonObject out = new JsonObject().put("idempotencyKey", r.request().idempotencyKey());
    if (r.outcome() == IssueResult.Outcome.CONFLICT) {
      return out.put("status", "rejected").put("error", KEY_REUSED);
    }
    Issuance i = r.issuance();
    return i.status() == Issuance.Status.ISSUED
        ? out.put("status", "issued").put("codes", new JsonArray(i.codes()))
        : out.put("status", "rejected").put("error", i.error().orElseThrow());
  }

  static JsonObject results(List<IssueResult> results) {
    JsonArray items = new JsonArray();
    results.forEach(r -> items.add(result(r)));
    return new JsonObject().put("results", items);
  }

  static SettingsChange settingsChange(JsonInput in) {
    in.allowOnly(CONTROL_FIELDS);
    return new SettingsChange(
        in.optionalLong("latencyMs", 0, SimSettings.MAX_LATENCY_MS),
        in.optionalLong("latencyJitterMs", 0, SimSettings.MAX_LATENCY_MS),
        rate(in, "errorRate"),
        rate(in, "permanentErrorRate"),
        rate(in, "timeoutRate"),
        bool(in, "outage"),
        in.optionalString("outageMode", 1, 20).map(m -> OutageMode.parse("outageMode", m)),
        in.optionalLong("outageForMs", 1, SettingsChange.MAX_OUTAGE_FOR_MS));
  }

  /** The settings in force; {@code outage} is whether one is on now. */
  static JsonObject settings(SimSettings s, Instant now) {
    return new JsonObject()
        .put("latencyMs", s.latencyMs())
        .put("latencyJitterMs", s.latencyJitterMs())
        .put("errorRate", s.errorRate())
        .put("permanentErrorRate", s.permanentErrorRate())
        .put("timeoutRate", s.timeoutRate())
        .put("outage", s.outageActive(now))
        .put("outageMode", s.outageMode().wireName())
        .put("outageEndsAt", s.outageEndsAt().map(Instant::toString).orElse(null));
  }

  static JsonObject issued(IssuedPage page) {
    JsonArray items = new JsonArray();
    for (Issuance i : page.items()) {
      items.add(new JsonObject()
          .put("idempotencyKey", i.idempotencyKey())
          .put("sku", i.sku())
          .put("codes", new JsonArray(i.codes()))
          .put("issuedAt", i.at().toString()));
    }
    return new JsonObject()
        .put("count", page.count())
        .put("codes", page.codes())
        .put("offset", page.offset())
        .put("nextOffset", page.nextOffset() < 0 ? null : page.nextOffset())
        .put("items", items);
  }

  static JsonObject stats(Map<String, Long> counters) {
    JsonObject out = new JsonObject();
    counters.forEach(out::put);
    return out;
  }

  private static Optional<Double> rate(JsonInput in, String field) {
    Object v = in.raw().getValue(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof Number n) || v instanceof BigInteger) {
      throw Rejection.invalid(field, field + " must be a number from 0 to 1");
    }
    double d = v instanceof BigDecimal big ? big.doubleValue() : n.doubleValue();
    if (!(d >= 0 && d <= 1)) {
      throw Rejection.invalid(field, field + " must be a number from 0 to 1");
    }
    return Optional.of(d);
  }

  private static Optional<Boolean> bool(JsonInput in, String field) {
    Object v = in.raw().getValue(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof Boolean b)) {
      throw Rejection.invalid(field, field + " must be true or false");
    }
    return Optional.of(b);
  }
}
