package org.loyaltyengine.testing;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.RequestBody;
import io.vertx.openapi.contract.Response;
import org.loyaltyengine.http.ApiContract;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Holds the integration tests' HTTP traffic to the API contract (src/main/resources/openapi/openapi.yaml):
 * every exchange that goes through {@link TestEngine} is checked here, and a violation fails the test that made
 * it with a message naming the method, path, status and field. Checked:
 * <ul>
 *   <li>the route and method exist in the contract (an unknown route may only answer 404 {@code not_found},
 *   an unknown method on a known path 405 {@code method_not_allowed});</li>
 *   <li>the status is one the operation lists;</li>
 *   <li>the response body (and its declared headers) match the schema for that status — responses are closed
 *   ({@code additionalProperties: false}), so an undocumented field fails too;</li>
 *   <li>a request the server accepted (2xx) matches the operation's parameters and request body. Refused requests
 *   are not checked: tests send invalid input on purpose.</li>
 * </ul>
 * The contract is parsed once per JVM by the real validator, Vert.x OpenAPI with its JSON Schema 2020-12
 * implementation. {@code -Dloyalty.contract.check=false} turns the check off (for a local experiment only: the
 * suite must pass with it on).
 */
public final class ContractCheck {
  public static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("loyalty.contract.check"));
  private static final int BODY_IN_MESSAGE = 600;

  private final OpenAPIContract contract;
  private final JsonObject raw;
  private final Map<JsonSchema, Validator> validators = new ConcurrentHashMap<>();

  private ContractCheck(OpenAPIContract contract, JsonObject raw) {
    this.contract = contract;
    this.raw = raw;
  }

  /** Parsed on first use, once per JVM. */
  private static final class Holder {
    static final ContractCheck INSTANCE = load();
  }

  private static ContractCheck load() {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    JsonObject raw = ApiContract.contract();
    try {
      return new ContractCheck(OpenAPIContract.from(vertx, withTextAsOctets(raw.copy())).await(), raw);
    } catch (Exception e) {
      throw new AssertionError("the API contract " + ApiContract.RESOURCE + " cannot be loaded: " + e, e);
    }
  }

  /** One request and the response it got, as the test client saw them. */
  public record Exchange(HttpMethod method, String uri, Map<String, String> requestHeaders, Buffer requestBody,
                         int status, Map<String, String> responseHeaders, Buffer responseBody) {}

  /**
   * Vert.x OpenAPI refuses media types it cannot validate (text/html, text/javascript: the /docs page). Their
   * bodies are not validated anyway, so for its parser they are renamed to one it knows; the check reads their
   * real names from the raw contract ({@link #rawMediaTypes}).
   */
  private static JsonObject withTextAsOctets(JsonObject contract) {
    contract.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (op.getValue() instanceof JsonObject operation && operation.containsKey("responses")) {
        operation.getJsonObject("responses").forEach(r -> {
          JsonObject content = ((JsonObject) r.getValue()).getJsonObject("content");
          if (content != null) {
            for (String type : List.copyOf(content.fieldNames())) {
              if (!MediaType.isMediaTypeSupported(type)) {
                content.put(MediaType.APPLICATION_OCTET_STREAM, content.remove(type));
              }
            }
          }
        });
      }
    }));
    return contract;
  }

  /** The media types of an inline response as the contract names them. */
  private java.util.Set<String> rawMediaTypes(Operation op, int status) {
    JsonObject response = raw.getJsonObject("paths").getJsonObject(op.getOpenAPIPath())
        .getJsonObject(op.getHttpMethod().name().toLowerCase(Locale.ROOT))
        .getJsonObject("responses").getJsonObject(String.valueOf(status));
    JsonObject content = response == null ? null : response.getJsonObject("content");
    return content == null ? java.util.Set.of() : content.fieldNames();
  }

  /** Throws an {@link AssertionError} naming what the contract does not describe. */
  public static void verify(Exchange e) {
    if (!ENABLED) {
      return;
    }
    List<String> problems = Holder.INSTANCE.problems(e);
    if (!problems.isEmpty()) {
      throw new AssertionError(describe(e, problems));
    }
  }

  /** The contract's parsed form, for tests that reason about the contract itself. */
  public static OpenAPIContract contract() {
    return Holder.INSTANCE.contract;
  }

  List<String> problems(Exchange e) {
    List<String> problems = new ArrayList<>();
    String path = e.uri();
    String query = "";
    int q = path.indexOf('?');
    if (q >= 0) {
      query = path.substring(q + 1);
      path = path.substring(0, q);
    }
    Operation op = contract.findOperation(path, e.method());
    if (op == null) {
      String code = errorCode(e.responseBody());
      boolean knownPath = contract.findPath(path) != null;
      if (e.status() == 404 && "not_found".equals(code) && !knownPath) {
        return problems; // an unknown route, answered as the contract's introduction says
      }
      if (e.status() == 405 && "method_not_allowed".equals(code) && knownPath) {
        return problems;
      }
      problems.add("the contract has no operation " + e.method() + " " + path);
      return problems;
    }
    if (e.status() >= 200 && e.status() < 300) {
      checkRequest(op, path, query, e, problems);
    }
    checkResponse(op, e, problems);
    return problems;
  }

  private void checkRequest(Operation op, String path, String query, Exchange e, List<String> problems) {
    Map<String, String> pathValues = pathValues(op.getOpenAPIPath(), path);
    Map<String, String> queryValues = queryValues(query);
    for (Parameter p : op.getParameters()) {
      String value = switch (p.getIn()) {
        case PATH -> pathValues.get(p.getName());
        case QUERY -> queryValues.get(p.getName());
        case HEADER -> header(e.requestHeaders(), p.getName());
        default -> null;
      };
      if (value == null) {
        if (p.isRequired()) {
          problems.add("request: required " + where(p) + " is missing");
        }
        continue;
      }
      check(p.getSchema(), value, "request " + where(p), problems);
    }
    for (String name : queryValues.keySet()) {
      if (op.getParameters().stream().noneMatch(p -> p.getIn() == Location.QUERY && p.getName().equals(name))) {
        problems.add("request: query parameter " + name + " is not in the contract");
      }
    }
    RequestBody body = op.getRequestBody();
    boolean sent = e.requestBody() != null && e.requestBody().length() > 0;
    if (body == null) {
      if (sent) {
        problems.add("request: the operation takes no body, but one was sent");
      }
      return;
    }
    if (!sent) {
      if (body.isRequired()) {
        problems.add("request: the body is required");
      }
      return;
    }
    String type = mediaType(header(e.requestHeaders(), "Content-Type"));
    MediaType media = body.getContent().get(type);
    if (media == null) {
      problems.add("request: content type " + type + " is not in the contract (" + body.getContent().keySet() + ")");
      return;
    }
    checkJson(media.getSchema(), e.requestBody(), "request body", problems);
  }

  private void checkResponse(Operation op, Exchange e, List<String> problems) {
    Response response = op.getResponse(e.status());
    if (response == null) {
      problems.add("status " + e.status() + " is not a response of " + op.getOperationId() + " in the contract");
      return;
    }
    for (Parameter h : response.getHeaders()) {
      String value = header(e.responseHeaders(), h.getName());
      if (value == null) {
        if (h.isRequired()) {
          problems.add("response header " + h.getName() + " is required");
        }
      } else {
        check(h.getSchema(), value, "response header " + h.getName(), problems);
      }
    }
    boolean hasBody = e.responseBody() != null && e.responseBody().length() > 0;
    if (response.getContent().isEmpty()) {
      if (hasBody) {
        problems.add("response: the contract describes no body for " + e.status() + ", but one came");
      }
      return;
    }
    String type = mediaType(header(e.responseHeaders(), "Content-Type"));
    if (!type.endsWith("json")) { // text: its media type is all the contract says
      if (!rawMediaTypes(op, e.status()).contains(type) && !response.getContent().containsKey(type)) {
        problems.add("response: content type " + type + " is not in the contract");
      }
      return;
    }
    MediaType media = response.getContent().get(type);
    if (media == null) {
      problems.add("response: content type " + type + " is not in the contract (" + response.getContent().keySet() + ")");
      return;
    }
    if (!hasBody) {
      problems.add("response: the contract describes a body, but none came");
      return;
    }
    checkJson(media.getSchema(), e.responseBody(), "response body", problems);
  }

  private void checkJson(JsonSchema schema, Buffer body, String what, List<String> problems) {
    Object json;
    try {
      json = Json.decodeValue(body);
    } catch (DecodeException ex) {
      problems.add(what + ": not JSON (" + ex.getMessage() + ")");
      return;
    }
    check(schema, json, what, problems);
  }

  private void check(JsonSchema schema, Object value, String what, List<String> problems) {
    OutputUnit result = validators.computeIfAbsent(schema, s -> contract.getSchemaRepository().validator(s))
        .validate(value);
    if (Boolean.TRUE.equals(result.getValid())) {
      return;
    }
    List<String> leaves = new ArrayList<>();
    collect(result, leaves);
    if (leaves.isEmpty()) {
      leaves.add(String.valueOf(result.getError()));
    }
    for (String leaf : leaves) {
      problems.add(what + ": " + leaf);
    }
  }

  /** The innermost errors: where in the document (a JSON pointer) and what the schema said. */
  private static void collect(OutputUnit unit, List<String> out) {
    if (unit.getErrors() == null || unit.getErrors().isEmpty()) {
      if (unit.getError() != null) {
        String at = unit.getInstanceLocation() == null || unit.getInstanceLocation().isEmpty()
            ? "(the whole value)" : unit.getInstanceLocation();
        String line = "field " + at + " — " + unit.getError() + " [schema " + unit.getKeywordLocation() + "]";
        if (!out.contains(line) && out.size() < 12) {
          out.add(line);
        }
      }
      return;
    }
    for (OutputUnit child : unit.getErrors()) {
      collect(child, out);
    }
  }

  private static String describe(Exchange e, List<String> problems) {
    StringBuilder out = new StringBuilder("API contract violation: ").append(e.method()).append(' ').append(e.uri())
        .append(" → ").append(e.status()).append('\n');
    for (String p : problems) {
      out.append("  - ").append(p).append('\n');
    }
    out.append("  request body:  ").append(snippet(e.requestBody())).append('\n');
    out.append("  response body: ").append(snippet(e.responseBody())).append('\n');
    out.append("  (the contract is src/main/resources/openapi/openapi.yaml; see docs/api.md)");
    return out.toString();
  }

  private static String snippet(Buffer b) {
    if (b == null || b.length() == 0) {
      return "(none)";
    }
    String s = b.toString(StandardCharsets.UTF_8);
    return s.length() <= BODY_IN_MESSAGE ? s : s.substring(0, BODY_IN_MESSAGE) + "…";
  }

  private static String where(Parameter p) {
    return p.getIn().name().toLowerCase(Locale.ROOT) + " parameter " + p.getName();
  }

  private static String errorCode(Buffer body) {
    try {
      JsonObject json = body == null ? null : new JsonObject(body);
      return json == null || json.getJsonObject("error") == null ? null : json.getJsonObject("error").getString("code");
    } catch (RuntimeException notAnError) {
      return null;
    }
  }

  private static String header(Map<String, String> headers, String name) {
    for (Map.Entry<String, String> h : headers.entrySet()) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return h.getValue();
      }
    }
    return null;
  }

  private static String mediaType(String contentType) {
    if (contentType == null) {
      return "(none)";
    }
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
  }

  /** {@code /v1/members/{externalId}/status} against {@code /v1/members/anna-1/status}. */
  static Map<String, String> pathValues(String template, String path) {
    Map<String, String> values = new LinkedHashMap<>();
    String[] t = template.split("/", -1);
    String[] p = path.split("/", -1);
    for (int i = 0; i < t.length && i < p.length; i++) {
      if (t[i].startsWith("{") && t[i].endsWith("}")) {
        values.put(t[i].substring(1, t[i].length() - 1), URLDecoder.decode(p[i], StandardCharsets.UTF_8));
      }
    }
    return values;
  }

  static Map<String, String> queryValues(String query) {
    Map<String, String> values = new LinkedHashMap<>();
    if (query.isEmpty()) {
      return values;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      values.putIfAbsent(name, value);
    }
    return values;
  }
}
