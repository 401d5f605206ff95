package org.loyaltyengine.platform;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes an immutable record through the event bus by reference. Only valid for messages sent with
 * {@code DeliveryOptions.setLocalOnly(true)}, which never reach the wire; a message that would cross nodes
 * needs a wire codec (JSON) instead, and this one says so loudly rather than sending something wrong.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {
  private final String name;

  public LocalCodec(Class<T> type) {
    this.name = "local:" + type.getName();
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    throw new IllegalStateException(name + " is local-only; send with DeliveryOptions.setLocalOnly(true)");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new IllegalStateException(name + " is local-only");
  }

  @Override
  public T transform(T t) {
    return t;
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
