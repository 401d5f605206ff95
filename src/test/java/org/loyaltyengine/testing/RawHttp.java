package org.loyaltyengine.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, byte for byte: what an ordinary client library would refuse to send (raw
 * non-UTF-8 bytes in the request line, control bytes in a header) is exactly what hostile-input tests need.
 */
public final class RawHttp {
  private RawHttp() {}

  /** A parsed answer; {@code closed} tells whether the server closed the connection after it. */
  public record Answer(int status, Map<String, String> headers, byte[] body, boolean closed) {
    public JsonObject json() {
      return Buffer.buffer(body).toJsonObject();
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Builds a request: {@code target} and header values are raw bytes (ISO-8859-1 chars map to single bytes). */
  public static byte[] request(String method, byte[] target, Map<String, byte[]> headers, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes((method + " ").getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(target);
    out.writeBytes(" HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
    headers.forEach((name, value) -> {
      out.writeBytes((name + ": ").getBytes(StandardCharsets.ISO_8859_1));
      out.writeBytes(value);
      out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    });
    if (body != null) {
      out.writeBytes(("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }
    out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) {
      out.writeBytes(body);
    }
    return out.toByteArray();
  }

  /** Sends one request on a new connection and reads one answer. */
  public static Answer exchange(int port, byte[] request) {
    return exchange(port, request, false);
  }

  /**
   * The same; with {@code checkClosed}, waits up to 300 ms to see whether the server closes the connection
   * after its answer ({@link Answer#closed}), otherwise leaves it false.
   */
  public static Answer exchange(int port, byte[] request, boolean checkClosed) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
      String statusLine = line(in);
      if (statusLine == null) {
        throw new IllegalStateException("connection closed without an answer");
      }
      int status = Integer.parseInt(statusLine.split(" ")[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
        int colon = h.indexOf(':');
        headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
      int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      byte[] body = in.readNBytes(length);
      if (!checkClosed) {
        return new Answer(status, headers, body, false);
      }
      socket.setSoTimeout(300); // does the server close the connection after this answer?
      boolean closed;
      try {
        closed = in.read() == -1;
      } catch (java.net.SocketTimeoutException e) {
        closed = false;
      } catch (java.net.SocketException e) {
        closed = true; // reset by the server
      }
      return new Answer(status, headers, body, closed);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        byte[] bytes = b.toByteArray();
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }
}
