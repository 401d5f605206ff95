package org.loyaltyengine.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * The answer to a request the HTTP decoder could not read (a control byte in a header, a request line or
 * headers over the limits): the error shape like every other error, then the connection is closed, and the
 * answer says so ({@code Connection: close}) so the client opens a new one for its next request instead of
 * losing it on a dead keep-alive connection. Replaces Vert.x's default, which sends an empty body and closes
 * without saying.
 */
final class InvalidRequests {
  private InvalidRequests() {}

  static void answer(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    String code;
    String message;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      code = "uri_too_long";
      message = "the request line (method and URI) is too long";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      code = "headers_too_large";
      message = "the request headers are too large";
    } else {
      status = 400;
      code = "malformed_request";
      message = "the request is not valid HTTP/1.1 (e.g. a control character in a header)";
    }
    request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(Failures.body(code, message, null).toBuffer())
        .onComplete(done -> request.connection().close());
  }
}
