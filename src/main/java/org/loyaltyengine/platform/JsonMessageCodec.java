package org.loyaltyengine.platform;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/**
 * Carries an immutable record over the event bus: as JSON when the consumer is on another cluster node, by
 * reference when it is on this one (Vert.x calls {@link #transform} for a local consumer, so the common
 * single-node path pays no serialization). Wire format: a 4-byte length, then the JSON text in UTF-8.
 */
public final class JsonMessageCodec<T> implements MessageCodec<T, T> {
  private final String name;
  private final Function<T, JsonObject> encode;
  private final Function<JsonObject, T> decode;

  public JsonMessageCodec(Class<T> type, Function<T, JsonObject> encode, Function<JsonObject, T> decode) {
    this.name = "json:" + type.getName();
    this.encode = encode;
    this.decode = decode;
  }

  @Override
  public void encodeToWire(Buffer buffer, T value) {
    Buffer json = encode.apply(value).toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return decode.apply(new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length)));
  }

  /** The records it carries are immutable, so a local consumer may share the sender's instance. */
  @Override
  public T transform(T value) {
    return value;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
