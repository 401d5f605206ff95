package org.loyaltyengine.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.platform.Rejection;

import java.math.BigInteger;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A request body read as a JSON object, with typed accessors that reject bad input with the offending
 * field named. Never lets a wrong type reach the domain as a ClassCastException (a 500).
 */
public final class JsonInput {
  private final JsonObject json;
  private final String path;

  private JsonInput(JsonObject json, String path) {
    this.json = json;
    this.path = path;
  }

  /** Context key of the ordinary body limit; bulk uploads ({@link #ofBulk}) may go up to the BodyHandler's. */
  public static final String BODY_LIMIT = "bodyLimit";

  /** The request's JSON object body; 415 unless the request declares {@code application/json}. */
  public static JsonInput of(RoutingContext ctx) {
    Integer limit = ctx.get(BODY_LIMIT);
    if (limit != null && ctx.body().length() > limit) {
      throw new Rejection(Rejection.Kind.PAYLOAD_TOO_LARGE, "payload_too_large",
          "the request body is larger than " + limit + " bytes", null);
    }
    return ofBulk(ctx);
  }

  /** Like {@link #of} for the few bulk uploads (rule sets, code pools) allowed the larger body limit. */
  public static JsonInput ofBulk(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !isJson(type)) {
      throw new Rejection(Rejection.Kind.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
          "the request body must be application/json", "Content-Type");
    }
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw new Rejection(Rejection.Kind.INVALID, "missing_body", "a JSON object body is required", null);
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new Rejection(Rejection.Kind.INVALID, "malformed_json", "the body is not valid JSON", null);
    }
    if (!(parsed instanceof JsonObject object)) {
      throw new Rejection(Rejection.Kind.INVALID, "invalid_body", "the body must be a JSON object", null);
    }
    checkText(object, "");
    return new JsonInput(object, "");
  }

  /**
   * Every string of the body, field names included, must be storable text ({@link SafeText#problem}): a NUL
   * or an unpaired surrogate is 400 {@code invalid_text} naming the field's path, before any endpoint sees it.
   * Invalid UTF-8 bytes never get this far: the JSON parser refuses them ({@code malformed_json}).
   */
  private static void checkText(Object value, String at) {
    if (value instanceof JsonObject object) {
      for (Map.Entry<String, Object> e : object) {
        String field = at.isEmpty() ? e.getKey() : at + "." + e.getKey();
        String keyProblem = SafeText.problem(e.getKey());
        if (keyProblem != null) {
          throw new Rejection(Rejection.Kind.INVALID, "invalid_text", "a field name under \"" + (at.isEmpty() ? "(body)" : at)
              + "\" contains " + keyProblem, at.isEmpty() ? null : at);
        }
        checkText(e.getValue(), field);
      }
    } else if (value instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        checkText(array.getValue(i), at + "[" + i + "]");
      }
    } else if (value instanceof String s) {
      String problem = SafeText.problem(s);
      if (problem != null) {
        throw new Rejection(Rejection.Kind.INVALID, "invalid_text", at + " contains " + problem, at);
      }
    }
  }

  public static JsonInput of(JsonObject json) {
    return new JsonInput(json, "");
  }

  static boolean isJson(String contentType) {
    int semi = contentType.indexOf(';');
    String mime = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
    return mime.equalsIgnoreCase("application/json");
  }

  private String name(String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  /** Rejects any field outside {@code allowed}: a misspelt optional field must not be silently ignored. */
  public JsonInput allowOnly(Set<String> allowed) {
    for (String f : json.fieldNames()) {
      if (!allowed.contains(f)) {
        throw new Rejection(Rejection.Kind.INVALID, "unknown_field", "unknown field \"" + name(f) + "\"", name(f));
      }
    }
    return this;
  }

  public boolean has(String field) {
    return json.containsKey(field);
  }

  public boolean isNull(String field) {
    return json.containsKey(field) && json.getValue(field) == null;
  }

  public Set<String> fieldNames() {
    return json.fieldNames();
  }

  public String requiredString(String field, int minLength, int maxLength) {
    return optionalString(field, minLength, maxLength).orElseThrow(() -> Rejection.missing(name(field)));
  }

  /** Absent or null gives empty; present must be a string of the allowed length. */
  public Optional<String> optionalString(String field, int minLength, int maxLength) {
    Object v = json.getValue(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof String s)) {
      throw Rejection.invalid(name(field), name(field) + " must be a string");
    }
    int length = s.codePointCount(0, s.length());
    if (length < minLength || length > maxLength) {
      throw Rejection.invalid(name(field), name(field) + " must be " + minLength + "-" + maxLength + " characters");
    }
    return Optional.of(s);
  }

  public Optional<LocalDate> optionalDate(String field) {
    return optionalString(field, 10, 10).map(s -> {
      try {
        return LocalDate.parse(s);
      } catch (DateTimeParseException e) {
        throw Rejection.invalid(name(field), name(field) + " must be a date as YYYY-MM-DD");
      }
    });
  }

  public long requiredLong(String field, long min, long max) {
    return optionalLong(field, min, max).orElseThrow(() -> Rejection.missing(name(field)));
  }

  /** Integers only: 1.5, "10" and 1e400 are all rejected. */
  public Optional<Long> optionalLong(String field, long min, long max) {
    Object v = json.getValue(field);
    if (v == null) {
      return Optional.empty();
    }
    long n;
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      n = ((Number) v).longValue();
    } else if (v instanceof BigInteger big) {
      throw Rejection.invalid(name(field), name(field) + " must be between " + min + " and " + max);
    } else {
      throw Rejection.invalid(name(field), name(field) + " must be an integer");
    }
    if (n < min || n > max) {
      throw Rejection.invalid(name(field), name(field) + " must be between " + min + " and " + max);
    }
    return Optional.of(n);
  }

  /** A nested object, read with the same rules; its field names are reported with this path prefix. */
  public JsonInput requiredObject(String field) {
    Object v = json.getValue(field);
    if (v == null) {
      throw Rejection.missing(name(field));
    }
    if (!(v instanceof JsonObject object)) {
      throw Rejection.invalid(name(field), name(field) + " must be an object");
    }
    return new JsonInput(object, name(field));
  }

  public Optional<JsonInput> optionalObject(String field) {
    return json.getValue(field) == null ? Optional.empty() : Optional.of(requiredObject(field));
  }

  /** An array of objects, each read with the same rules under the path {@code field[i]}. */
  public List<JsonInput> requiredObjectList(String field, int minSize, int maxSize) {
    Object v = json.getValue(field);
    if (v == null) {
      throw Rejection.missing(name(field));
    }
    if (!(v instanceof JsonArray array)) {
      throw Rejection.invalid(name(field), name(field) + " must be an array of objects");
    }
    if (array.size() < minSize || array.size() > maxSize) {
      throw Rejection.invalid(name(field), name(field) + " must hold " + minSize + "-" + maxSize + " entries");
    }
    List<JsonInput> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject item)) {
        throw Rejection.invalid(name(field) + "[" + i + "]", name(field) + "[" + i + "] must be an object");
      }
      out.add(new JsonInput(item, name(field) + "[" + i + "]"));
    }
    return out;
  }

  /** An ISO-8601 instant with an offset, e.g. 2026-11-22T10:15:30Z or 2026-11-22T11:15:30+01:00. */
  public Optional<java.time.Instant> optionalInstant(String field) {
    return optionalString(field, 1, 40).map(s -> {
      try {
        return java.time.OffsetDateTime.parse(s).toInstant();
      } catch (DateTimeParseException e) {
        throw Rejection.invalid(name(field), name(field) + " must be an ISO-8601 time with offset, e.g. 2026-11-22T10:15:30Z");
      }
    });
  }

  public java.time.Instant requiredInstant(String field) {
    return optionalInstant(field).orElseThrow(() -> Rejection.missing(name(field)));
  }

  public JsonObject raw() {
    return json;
  }

  public List<String> requiredStringList(String field, int minSize, int maxSize, int maxLength) {
    Object v = json.getValue(field);
    if (v == null) {
      throw Rejection.missing(name(field));
    }
    if (!(v instanceof JsonArray array)) {
      throw Rejection.invalid(name(field), name(field) + " must be an array of strings");
    }
    if (array.size() < minSize || array.size() > maxSize) {
      throw Rejection.invalid(name(field), name(field) + " must hold " + minSize + "-" + maxSize + " entries");
    }
    List<String> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      Object item = array.getValue(i);
      if (!(item instanceof String s) || s.isEmpty() || s.length() > maxLength) {
        throw Rejection.invalid(name(field) + "[" + i + "]", name(field) + "[" + i + "] must be a string of 1-" + maxLength + " characters");
      }
      out.add(s);
    }
    return out;
  }

  /** A flat object of string values, bounded in size. */
  public Optional<Map<String, String>> optionalStringMap(String field, int maxEntries, int maxKeyLength, int maxValueLength) {
    Object v = json.getValue(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof JsonObject object)) {
      throw Rejection.invalid(name(field), name(field) + " must be an object of string values");
    }
    if (object.size() > maxEntries) {
      throw Rejection.invalid(name(field), name(field) + " may hold at most " + maxEntries + " entries");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String key : object.fieldNames()) {
      Object value = object.getValue(key);
      String at = name(field) + "." + key;
      if (key.isEmpty() || key.length() > maxKeyLength) {
        throw Rejection.invalid(at, "attribute names must be 1-" + maxKeyLength + " characters");
      }
      if (!(value instanceof String s) || s.length() > maxValueLength) {
        throw Rejection.invalid(at, at + " must be a string of at most " + maxValueLength + " characters");
      }
      out.put(key, s);
    }
    return Optional.of(out);
  }
}
