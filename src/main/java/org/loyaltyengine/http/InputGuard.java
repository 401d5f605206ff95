package org.loyaltyengine.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.platform.Rejection;

import java.util.Map;

/**
 * The router's first check, before any route decodes a path parameter or a query: the raw path, every query
 * parameter and every header value must be text the engine can store (see {@link SafeText}). A request that
 * is not gets 400 with the error shape ({@code invalid_path}, {@code invalid_query} naming the parameter,
 * {@code invalid_header} naming the header) instead of reaching a route, a database or Vert.x's plain-text
 * "Bad Request". Request bodies are checked where they are read, by {@link JsonInput}.
 */
public final class InputGuard implements Handler<RoutingContext> {

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String uri = request.uri();
    int q = uri.indexOf('?');
    String rawPath = q < 0 ? uri : uri.substring(0, q);
    String pathProblem = SafeText.uriProblem(rawPath, false);
    if (pathProblem != null) {
      ctx.fail(new Rejection(Rejection.Kind.INVALID, "invalid_path", "the path contains " + pathProblem, null));
      return;
    }
    if (q >= 0) {
      Rejection bad = queryProblem(uri.substring(q + 1));
      if (bad != null) {
        ctx.fail(bad);
        return;
      }
    }
    for (Map.Entry<String, String> header : request.headers()) {
      String problem = SafeText.headerProblem(header.getValue());
      if (problem != null) {
        ctx.fail(new Rejection(Rejection.Kind.INVALID, "invalid_header",
            "the " + header.getKey() + " header contains " + problem, header.getKey()));
        return;
      }
    }
    ctx.next();
  }

  private static Rejection queryProblem(String query) {
    int fragment = query.indexOf('#');
    String q = fragment < 0 ? query : query.substring(0, fragment);
    for (String pair : q.split("&", -1)) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String nameProblem = SafeText.uriProblem(name, true);
      if (nameProblem != null) {
        return new Rejection(Rejection.Kind.INVALID, "invalid_query", "a query parameter name contains " + nameProblem,
            null);
      }
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      String valueProblem = SafeText.uriProblem(value, true);
      if (valueProblem != null) {
        String field = java.net.URLDecoder.decode(name, java.nio.charset.StandardCharsets.UTF_8);
        return new Rejection(Rejection.Kind.INVALID, "invalid_query", field + " contains " + valueProblem, field);
      }
    }
    return null;
  }
}
