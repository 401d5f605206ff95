package org.loyaltyengine.ingest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.fraud.FraudContext;
import org.loyaltyengine.fraud.FraudContextJson;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.RequestHash;
import org.loyaltyengine.member.MemberRules;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.rules.CustomEvent;
import org.loyaltyengine.rules.Purchase;
import org.loyaltyengine.transaction.PurchaseJson;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Reads a batch of purchases and custom events, and renders the batch replies.
 *
 * <p>Every item is validated up front by the very parsers of {@code POST /v1/transactions} and
 * {@code POST /v1/members/{id}/events}, so an item is accepted into the inbox exactly when the synchronous API
 * would have accepted it; a refusal names the field inside the batch ({@code items[17].amount}). An event item
 * names its member and its event type in the item itself: {@code memberExternalId} and {@code eventType}
 * (the item's {@code type} says what kind of item it is).
 */
public final class EventBatchJson {
  public static final int MAX_ITEMS = 1_000;
  private static final Set<String> BATCH_FIELDS = Set.of("batchId", "items");
  private static final Set<String> EVENT_ITEM_FIELDS =
      Set.of("type", "memberExternalId", "eventId", "eventType", "occurredAt", "attributes");
  /**
   * Stored items are parsed again when applied, by the same parsers, as of their acceptance: "in the future"
   * was decided then, and must not turn an accepted item into a refused one on a node whose clock is behind.
   */
  private static final Duration REPARSE_SLACK = Duration.ofDays(1);

  private EventBatchJson() {}

  /** A valid batch: its items in order, and its fingerprint (kind, id and request hash of every item). */
  public record BatchRequest(String batchId, List<AcceptedItem> items, String requestHash) {
    public long count(ItemKind kind) {
      return items.stream().filter(i -> i.kind() == kind).count();
    }
  }

  /**
   * One item as the inbox stores it next to the item's JSON as sent (the inbox keeps the batch's own text).
   *
   * @param requestHash the fingerprint the synchronous API computes for the same purchase or event, so either
   *                    path recognises the other's replays
   */
  public record AcceptedItem(ItemKind kind, String itemId, String memberExternalId, String requestHash) {}

  /** An item's fact, parsed and validated; {@code canonical} is what its fingerprint is computed from. */
  private record ParsedItem(ItemKind kind, String itemId, String memberExternalId, Purchase purchase,
                            CustomEvent event, FraudContext fraud, JsonObject canonical) {}

  public static BatchRequest parse(JsonInput in, Instant now) {
    in.allowOnly(BATCH_FIELDS);
    String batchId = in.optionalString("batchId", 1, 64).map(id -> MemberRules.externalId("batchId", id)).orElse(null);
    List<JsonInput> list = in.requiredObjectList("items", 1, MAX_ITEMS);
    List<AcceptedItem> items = new ArrayList<>(list.size());
    JsonArray fingerprint = new JsonArray();
    for (int i = 0; i < list.size(); i++) {
      ParsedItem parsed = item(list.get(i).raw(), "items[" + i + "]", now);
      AcceptedItem item = new AcceptedItem(parsed.kind(), parsed.itemId(), parsed.memberExternalId(),
          RequestHash.of(parsed.canonical()));
      items.add(item);
      fingerprint.add(new JsonArray().add(item.kind().wireName()).add(item.itemId()).add(item.requestHash()));
    }
    return new BatchRequest(batchId, items, RequestHash.of(new JsonObject().put("items", fingerprint)));
  }

  /** Parses one item of a batch; {@code raw} is the item's object, which the parse may change. */
  private static ParsedItem item(JsonObject raw, String at, Instant now) {
    Object type = raw.remove("type");
    if (type == null) {
      throw Rejection.missing(at.isEmpty() ? "type" : at + ".type");
    }
    if ("transaction".equals(type)) {
      JsonInput in = JsonInput.of(raw);
      PurchaseJson.PurchaseRequest request = within(at, Map.of(), () -> PurchaseJson.purchase(in, now));
      // what the fraud checks read, validated as POST /v1/transactions validates it (not in the fingerprint)
      FraudContext fraud = within(at, Map.of(), () -> FraudContextJson.parse(in, request.purchase().storeId()));
      return new ParsedItem(ItemKind.TRANSACTION, request.purchase().transactionId(), request.memberExternalId(),
          request.purchase(), null, fraud, PurchaseJson.canonical(request));
    }
    if ("event".equals(type)) {
      JsonInput item = JsonInput.of(raw);
      String member = within(at, Map.of(), () -> {
        item.allowOnly(EVENT_ITEM_FIELDS);
        return MemberRules.externalId("memberExternalId", item.requiredString("memberExternalId", 1, 64));
      });
      JsonObject body = new JsonObject();
      copy(raw, "eventId", body, "eventId");
      copy(raw, "eventType", body, "type");
      copy(raw, "occurredAt", body, "occurredAt");
      copy(raw, "attributes", body, "attributes");
      CustomEvent event = within(at, Map.of("type", "eventType"), () -> PurchaseJson.event(JsonInput.of(body), now));
      return new ParsedItem(ItemKind.EVENT, event.eventId(), member, null, event, FraudContext.none(),
          PurchaseJson.canonical(member, event));
    }
    String field = at.isEmpty() ? "type" : at + ".type";
    throw Rejection.invalid(field, field + " must be \"transaction\" or \"event\"");
  }

  private static void copy(JsonObject from, String field, JsonObject to, String as) {
    if (from.containsKey(field)) {
      to.put(as, from.getValue(field));
    }
  }

  /**
   * Runs a parser of the synchronous API on one item and names any refused field as the batch has it: the
   * item's path in front, and the item's own name for a field stored under another ({@code renames}).
   */
  private static <T> T within(String at, Map<String, String> renames, Supplier<T> parse) {
    try {
      return parse.get();
    } catch (Rejection r) {
      String field = r.field();
      if (field == null) {
        throw r;
      }
      int cut = 0;
      while (cut < field.length() && field.charAt(cut) != '.' && field.charAt(cut) != '[') {
        cut++;
      }
      String head = field.substring(0, cut);
      String named = (at.isEmpty() ? "" : at + ".") + renames.getOrDefault(head, head) + field.substring(cut);
      String message = r.getMessage();
      if (message != null) {
        message = message.startsWith(field) ? named + message.substring(field.length())
            : message.replace("\"" + field + "\"", "\"" + named + "\"");
      }
      throw new Rejection(r.kind(), r.code(), message, named);
    }
  }

  /** An item read back from the inbox (its JSON as the batch had it), parsed again as it was at acceptance. */
  public static InboxItem stored(InboxItem.Key key, UUID tenantId, String requestHash, JsonObject body) {
    ParsedItem p = item(body, "", key.createdAt().plus(REPARSE_SLACK));
    return new InboxItem(key.batch(), key.seq(), key.createdAt(), tenantId, p.kind(), p.itemId(), p.memberExternalId(),
        requestHash, p.purchase(), p.event(), p.fraud());
  }

  public static String statusPath(String batchId) {
    return "/v1/event-batches/" + batchId;
  }

  public static JsonObject accepted(String batchId, int accepted) {
    return new JsonObject().put("batchId", batchId).put("accepted", accepted).put("statusUrl", statusPath(batchId));
  }

  public static JsonObject progress(BatchProgress p) {
    JsonObject counts = new JsonObject();
    for (ItemStatus s : ItemStatus.values()) {
      counts.put(s.wireName(), p.count(s));
    }
    JsonArray errors = new JsonArray();
    for (BatchProgress.ItemError e : p.errors()) {
      errors.add(new JsonObject().put("index", e.index()).put("type", e.kind().wireName()).put("itemId", e.itemId())
          .put("code", e.code()).put("message", e.message()).put("field", e.field()));
    }
    return new JsonObject().put("batchId", p.batchId()).put("status", p.status())
        .put("acceptedAt", p.acceptedAt().toString())
        .put("finishedAt", p.finishedAt() == null ? null : p.finishedAt().toString())
        .put("items", p.items()).put("counts", counts).put("errors", errors);
  }
}
