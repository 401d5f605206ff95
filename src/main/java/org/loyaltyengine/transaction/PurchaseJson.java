package org.loyaltyengine.transaction;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.member.MemberRules;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.rules.CustomEvent;
import org.loyaltyengine.rules.LineItem;
import org.loyaltyengine.rules.Purchase;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads purchase and custom-event requests into rule facts, and renders their canonical forms. */
public final class PurchaseJson {
  static final Set<String> PURCHASE_FIELDS = Set.of("transactionId", "memberExternalId", "occurredAt", "total",
      "currency", "channel", "storeId", "items",
      "location", "deviceId", "ip"); // read by the fraud checks (FraudContextJson), not part of the fingerprint
  static final Set<String> ITEM_FIELDS = Set.of("sku", "category", "quantity", "amount", "labels");
  static final Set<String> EVENT_FIELDS = Set.of("eventId", "type", "occurredAt", "attributes");
  /** Clocks drift; a fact from further in the future than this is a client bug. */
  static final Duration MAX_FUTURE = Duration.ofMinutes(10);

  /** A parsed purchase with the member it belongs to. */
  public record PurchaseRequest(String memberExternalId, Purchase purchase) {}

  private PurchaseJson() {}

  public static PurchaseRequest purchase(JsonInput in, Instant now) {
    in.allowOnly(PURCHASE_FIELDS);
    String transactionId = MemberRules.externalId("transactionId", in.requiredString("transactionId", 1, 64));
    String member = MemberRules.externalId("memberExternalId", in.requiredString("memberExternalId", 1, 64));
    Instant occurredAt = notInFuture("occurredAt", in.requiredInstant("occurredAt"), now);
    long total = in.requiredLong("total", 0, Purchase.MAX_AMOUNT);
    String currency = in.requiredString("currency", 3, 3);
    String channel = in.optionalString("channel", 1, 32).orElse(null);
    String storeId = in.optionalString("storeId", 1, 64).orElse(null);
    List<LineItem> items = new ArrayList<>();
    for (JsonInput item : in.requiredObjectList("items", 1, Purchase.MAX_LINES)) {
      item.allowOnly(ITEM_FIELDS);
      List<String> labels = item.has("labels")
          ? item.requiredStringList("labels", 0, LineItem.MAX_LABELS, 64) : List.of();
      items.add(new LineItem(item.requiredString("sku", 1, 64), item.optionalString("category", 1, 64).orElse(null),
          item.requiredLong("quantity", 1, LineItem.MAX_QUANTITY), item.requiredLong("amount", 0, Purchase.MAX_AMOUNT),
          new LinkedHashSet<>(labels)));
    }
    return new PurchaseRequest(member, new Purchase(transactionId, occurredAt, total, currency, channel, storeId, items));
  }

  public static CustomEvent event(JsonInput in, Instant now) {
    in.allowOnly(EVENT_FIELDS);
    String eventId = MemberRules.externalId("eventId", in.requiredString("eventId", 1, 64));
    String type = in.requiredString("type", 1, 64);
    if (!type.matches("[A-Za-z0-9._:-]{1,64}")) {
      throw Rejection.invalid("type", "type must be 1-64 characters of A-Z a-z 0-9 . _ : -");
    }
    Instant occurredAt = notInFuture("occurredAt", in.requiredInstant("occurredAt"), now);
    Map<String, String> attributes = in.optionalStringMap("attributes", 50, 64, 256).orElse(Map.of());
    return new CustomEvent(eventId, type, occurredAt, attributes);
  }

  private static Instant notInFuture(String field, Instant at, Instant now) {
    if (at.isAfter(now.plus(MAX_FUTURE))) {
      throw Rejection.invalid(field, field + " is in the future");
    }
    return at;
  }

  /** The lines as stored with the transaction and shown in its history. */
  public static JsonArray items(Purchase p) {
    JsonArray out = new JsonArray();
    for (LineItem item : p.items()) {
      JsonObject line = new JsonObject().put("sku", item.sku()).put("category", item.category())
          .put("quantity", item.quantity()).put("amount", item.amount());
      if (!item.labels().isEmpty()) {
        line.put("labels", new JsonArray(item.labels().stream().sorted().toList()));
      }
      out.add(line);
    }
    return out;
  }

  /** A custom event's attributes as stored with it: keys sorted, so the same event is stored the same way. */
  public static JsonObject attributes(org.loyaltyengine.rules.CustomEvent e) {
    JsonObject out = new JsonObject();
    new java.util.TreeMap<>(e.attributes()).forEach(out::put);
    return out;
  }

  /** The request's fingerprint source: every field that changes the outcome, in a fixed order. */
  public static JsonObject canonical(PurchaseRequest r) {
    Purchase p = r.purchase();
    return new JsonObject().put("member", r.memberExternalId()).put("occurredAt", p.occurredAt().toString())
        .put("total", p.total()).put("currency", p.currency()).put("channel", p.channel())
        .put("storeId", p.storeId()).put("items", items(p));
  }

  public static JsonObject canonical(String memberExternalId, CustomEvent e) {
    JsonObject attributes = new JsonObject();
    new java.util.TreeMap<>(e.attributes()).forEach(attributes::put);
    return new JsonObject().put("member", memberExternalId).put("type", e.type())
        .put("occurredAt", e.occurredAt().toString()).put("attributes", attributes);
  }

  public static JsonArray breakdown(org.loyaltyengine.rules.Evaluation evaluation) {
    JsonArray out = new JsonArray();
    evaluation.breakdown().forEach(a -> out.add(new JsonObject().put("ruleId", a.ruleId()).put("points", a.points())));
    return out;
  }
}
