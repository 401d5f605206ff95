package org.loyaltyengine.platform;

/**
 * A request the engine refuses for a reason the client can fix. Carries a stable machine-readable code,
 * a human message and the offending field; the HTTP layer maps {@link Kind} to a status code. Plain Java
 * so that domain code can throw it without knowing about HTTP.
 */
public final class Rejection extends RuntimeException {

  public enum Kind {
    INVALID(400), UNAUTHORIZED(401), FORBIDDEN(403), NOT_FOUND(404), METHOD_NOT_ALLOWED(405),
    CONFLICT(409), PAYLOAD_TOO_LARGE(413), UNSUPPORTED_MEDIA_TYPE(415), UNPROCESSABLE(422);

    public final int status;

    Kind(int status) {
      this.status = status;
    }
  }

  private final Kind kind;
  private final String code;
  private final String field;

  public Rejection(Kind kind, String code, String message, String field) {
    super(message, null, false, false); // no stack trace: rejections are expected, and frequent under attack
    this.kind = kind;
    this.code = code;
    this.field = field;
  }

  public static Rejection invalid(String field, String message) {
    return new Rejection(Kind.INVALID, "invalid_field", message, field);
  }

  public static Rejection missing(String field) {
    return new Rejection(Kind.INVALID, "missing_field", field + " is required", field);
  }

  public static Rejection notFound(String code, String message) {
    return new Rejection(Kind.NOT_FOUND, code, message, null);
  }

  public static Rejection conflict(String code, String message, String field) {
    return new Rejection(Kind.CONFLICT, code, message, field);
  }

  public Kind kind() {
    return kind;
  }

  public String code() {
    return code;
  }

  public String field() {
    return field;
  }
}
