package org.loyaltyengine.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.tenant.ApiKeySecret;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;

/**
 * Lets a request through only with {@code Authorization: Bearer <operator token>}: guards operator-wide
 * reads such as {@code /metrics} on the API port. With no operator token configured nobody gets through.
 */
final class OperatorOnly implements Handler<RoutingContext> {
  private final String token;

  OperatorOnly(String token) {
    this.token = token;
  }

  @Override
  public void handle(RoutingContext ctx) {
    RouteMetrics.matched(ctx);
    String presented = ApiKeyAuthenticator.bearerToken(ctx.request().getHeader("Authorization"));
    if (token.isEmpty() || presented == null || !ApiKeySecret.sameSecret(token, presented)) {
      Failures.send(ctx, 401, "unauthorized", "the platform operator token is required", null);
      return;
    }
    ctx.next();
  }
}
