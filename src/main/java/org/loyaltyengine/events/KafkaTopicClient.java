package org.loyaltyengine.events;

import io.vertx.core.Future;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.loyaltyengine.platform.AppConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Creates the events topic with the configured partitions and replication when it does not exist yet. */
public final class KafkaTopicClient {
  private static final Logger log = LoggerFactory.getLogger(KafkaTopicClient.class);

  private KafkaTopicClient() {
  }

  public static Future<Void> ensure(KafkaAdminClient admin, AppConfig.Kafka kafka) {
    return admin.listTopics().compose(topics -> {
      if (topics.contains(kafka.topic())) {
        return Future.succeededFuture();
      }
      return admin.createTopics(List.of(new NewTopic(kafka.topic(), kafka.topicPartitions(), (short) kafka.replicationFactor())))
          .onSuccess(v -> log.info("event=kafka_topic_created topic={} partitions={} replicationFactor={}",
              kafka.topic(), kafka.topicPartitions(), kafka.replicationFactor()))
          .recover(err -> causedBy(err, TopicExistsException.class) ? Future.succeededFuture() : Future.failedFuture(err));
    });
  }

  static boolean causedBy(Throwable err, Class<? extends Throwable> type) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
