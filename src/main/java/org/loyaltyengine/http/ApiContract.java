package org.loyaltyengine.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The API contract: {@code openapi/openapi.yaml} on the classpath is the single source, served as JSON at
 * {@code GET /openapi.json} and as a Redoc page at {@code GET /docs}. The Redoc bundle is taken from the npm
 * registry at build time (see pom.xml); a build without it serves a page that links to the JSON instead.
 */
public final class ApiContract {
  public static final String RESOURCE = "openapi/openapi.yaml";
  static final String REDOC_RESOURCE = "openapi/redoc.standalone.js";
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence HTML = HttpHeaders.createOptimized("text/html; charset=utf-8");
  private static final CharSequence JAVASCRIPT = HttpHeaders.createOptimized("text/javascript; charset=utf-8");

  private ApiContract() {}

  /** Read once per JVM, on first use. */
  private static final class Loaded {
    static final JsonObject CONTRACT = parse(resource(RESOURCE));
    static final Buffer JSON_TEXT = CONTRACT.toBuffer();
    static final byte[] REDOC = optionalResource(REDOC_RESOURCE);
  }

  /** Reads and parses the contract on a worker thread, once per JVM, so no event loop ever waits for it. */
  public static io.vertx.core.Future<Void> preload(io.vertx.core.Vertx vertx) {
    return vertx.executeBlocking(() -> Loaded.JSON_TEXT.length() + (Loaded.REDOC == null ? 0 : 1)).mapEmpty();
  }

  /** The contract as a JSON tree (a copy: callers may change it). */
  public static JsonObject contract() {
    return Loaded.CONTRACT.copy();
  }

  public static void mount(Router router) {
    router.get("/openapi.json").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(Loaded.JSON_TEXT));
    router.get("/docs").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, HTML)
        .end(Loaded.REDOC == null ? FALLBACK_PAGE : PAGE));
    router.get("/docs/redoc.standalone.js").handler(ctx -> {
      if (Loaded.REDOC == null) {
        Failures.byStatus(ctx, 404);
      } else {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JAVASCRIPT)
            .putHeader(HttpHeaders.CACHE_CONTROL, "max-age=3600").end(Buffer.buffer(Loaded.REDOC));
      }
    });
  }

  /**
   * YAML to JSON. Plain scalars that look like dates stay strings (YAML 1.1 would make them timestamps, which
   * JSON has no type for); the tree is re-read through Vert.x's JSON so it holds only JSON types.
   */
  static JsonObject parse(String yaml) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(50);
    Resolver noTimestamps = new Resolver() {
      @Override
      public void addImplicitResolver(Tag tag, Pattern regexp, String first, int limit) {
        if (!Tag.TIMESTAMP.equals(tag)) {
          super.addImplicitResolver(tag, regexp, first, limit);
        }
      }
    };
    DumperOptions dumper = new DumperOptions();
    Yaml parser = new Yaml(new SafeConstructor(options), new Representer(dumper), dumper, options, noTimestamps);
    Object tree = parser.load(yaml);
    return new JsonObject(Json.encode(tree));
  }

  private static String resource(String name) {
    byte[] bytes = optionalResource(name);
    if (bytes == null) {
      throw new IllegalStateException("missing classpath resource " + name);
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static byte[] optionalResource(String name) {
    try (InputStream in = ApiContract.class.getClassLoader().getResourceAsStream(name)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final String PAGE = """
      <!DOCTYPE html>
      <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Loyalty Engine API</title>
          <style>body { margin: 0; padding: 0; }</style>
        </head>
        <body>
          <redoc spec-url="/openapi.json"></redoc>
          <script src="/docs/redoc.standalone.js"></script>
        </body>
      </html>
      """;

  private static final String FALLBACK_PAGE = """
      <!DOCTYPE html>
      <html lang="en">
        <head><meta charset="utf-8"><title>Loyalty Engine API</title></head>
        <body>
          <h1>Loyalty Engine API</h1>
          <p>This build has no Redoc bundle (npm was not available when it was built), so the contract is not
          rendered here. It is served as OpenAPI 3.1 JSON at <a href="/openapi.json">/openapi.json</a>; any
          OpenAPI viewer can open it.</p>
        </body>
      </html>
      """;
}
