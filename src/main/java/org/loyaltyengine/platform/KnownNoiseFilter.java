package org.loyaltyengine.platform;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops log lines that are known, harmless and would otherwise alarm whoever reads the log (installed by
 * logback.xml). Each entry says why it is harmless; anything else passes untouched.
 * <ul>
 *   <li>Kafka's NetworkClient warns "reported a recoverable issue ... UNKNOWN_TOPIC_OR_PARTITION" while the events
 *   topic is being created on a fresh broker: the event feed's consumers ask for it before the relay (or the
 *   broker's auto-creation) has made it, and retry until it exists. Any other NetworkClient warning (a broker
 *   that cannot be reached, say) still shows.</li>
 * </ul>
 */
public final class KnownNoiseFilter extends TurboFilter {
  private static final String KAFKA_NETWORK_CLIENT = "org.apache.kafka.clients.NetworkClient";
  private static final String UNKNOWN_TOPIC = "UNKNOWN_TOPIC_OR_PARTITION";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level == Level.WARN && KAFKA_NETWORK_CLIENT.equals(logger.getName()) && format != null
        && format.contains("recoverable issue")
        // Kafka's logger formats the message itself (format is the whole line, params null); slf4j callers do not.
        && (format.contains(UNKNOWN_TOPIC) || mentions(params, UNKNOWN_TOPIC))) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }

  private static boolean mentions(Object[] params, String text) {
    if (params == null) {
      return false;
    }
    for (Object p : params) {
      if (p != null && String.valueOf(p).contains(text)) {
        return true;
      }
    }
    return false;
  }
}
