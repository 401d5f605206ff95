package org.loyaltyengine.platform;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("The log noise filter drops only the known harmless lines")
class KnownNoiseFilterTest {
  private final LoggerContext context = new LoggerContext();
  private final KnownNoiseFilter filter = new KnownNoiseFilter();

  @Test
  @DisplayName("Kafka's 'topic not there yet' warning is dropped, whether Kafka formats it or slf4j does")
  void unknownTopicWhileCreatingIsDropped() {
    var kafka = context.getLogger("org.apache.kafka.clients.NetworkClient");
    assertEquals(FilterReply.DENY, filter.decide(null, kafka, Level.WARN, "[Consumer clientId=c, groupId=g] The metadata "
        + "response from the cluster reported a recoverable issue with correlation id 2 : {loyalty.events=UNKNOWN_TOPIC_OR_PARTITION}",
        null, null));
    assertEquals(FilterReply.DENY, filter.decide(null, kafka, Level.WARN,
        "[{}] The metadata response from the cluster reported a recoverable issue with correlation id {} : {}",
        new Object[] {"Producer clientId=p", 7, "{loyalty.events=UNKNOWN_TOPIC_OR_PARTITION}"}, null));
  }

  @Test
  @DisplayName("other Kafka warnings, and the same text from another logger, still show")
  void everythingElsePasses() {
    var kafka = context.getLogger("org.apache.kafka.clients.NetworkClient");
    assertEquals(FilterReply.NEUTRAL, filter.decide(null, kafka, Level.WARN,
        "[Consumer clientId=c] Connection to node -1 (/127.0.0.1:9092) could not be established. Broker may not be available.",
        null, null));
    assertEquals(FilterReply.NEUTRAL, filter.decide(null, kafka, Level.WARN, "[Consumer clientId=c] The metadata response "
        + "from the cluster reported a recoverable issue with correlation id 3 : {loyalty.events=LEADER_NOT_AVAILABLE}", null, null));
    assertEquals(FilterReply.NEUTRAL, filter.decide(null, context.getLogger("org.loyaltyengine.events.EventFeed"), Level.WARN,
        "reported a recoverable issue UNKNOWN_TOPIC_OR_PARTITION", null, null));
  }
}
