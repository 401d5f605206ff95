package org.loyaltyengine.platform;

/** Bad configuration: the message is the one line printed before the process exits. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
