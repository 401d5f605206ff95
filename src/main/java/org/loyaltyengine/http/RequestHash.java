package org.loyaltyengine.http;

import io.vertx.core.json.JsonObject;
import org.loyaltyengine.tenant.ApiKeySecret;

/**
 * The fingerprint of a write request, stored with its idempotency key: a retry with the same key and the
 * same fingerprint gets the original reply, the same key with another fingerprint is a conflict. Built from
 * the parsed request in a fixed field order, so formatting and key order in the client's JSON do not matter.
 */
public final class RequestHash {
  private RequestHash() {}

  public static String of(JsonObject canonical) {
    return ApiKeySecret.hash(canonical.encode());
  }
}
