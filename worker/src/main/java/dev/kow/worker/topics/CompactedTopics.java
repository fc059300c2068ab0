package dev.kow.worker.topics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure a compacted topic the worker keeps state in (the fleet state, the batch
 * counts) exists before it is used, as Kafka Streams does for its internal topics: when
 * it is missing the worker creates it with {@link #TOPIC_CONFIGS} (compacted, 10-minute
 * segments so that compaction keeps what a reader reads from the start small), with the
 * broker's default replication factor. Several workers starting at once may race; the
 * losers find it created.
 */
public final class CompactedTopics {

	/** The topic configuration a created topic gets. */
	public static final Map<String, String> TOPIC_CONFIGS = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
			TopicConfig.CLEANUP_POLICY_COMPACT, TopicConfig.SEGMENT_MS_CONFIG, "600000");

	private static final Logger log = LoggerFactory.getLogger(CompactedTopics.class);

	private static final long TIMEOUT_SECONDS = 30;

	private CompactedTopics() {
	}

	/**
	 * Creates the topic when it does not exist; warns when an existing one is not
	 * compacted (and its configuration is readable).
	 * @param admin an admin client of the worker's cluster
	 * @param topic the topic
	 * @param property the property that names it, for messages (for example
	 * {@code worker.topics.fleet-state})
	 * @param partitions partitions of a created topic
	 * @throws IllegalStateException naming {@code property} when the topic is missing and
	 * cannot be created (for example no CREATE permission), or the broker does not answer
	 * within 30 s
	 */
	public static void ensure(Admin admin, String topic, String property, int partitions) {
		try {
			if (exists(admin, topic)) {
				warnUnlessCompacted(admin, topic, property);
				return;
			}
			admin
				.createTopics(
						List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()).configs(TOPIC_CONFIGS)))
				.all()
				.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
			log.info("created the topic '{}' ({}): {} partition(s), {}", topic, property, partitions, TOPIC_CONFIGS);
		}
		catch (ExecutionException ex) {
			if (!(ex.getCause() instanceof TopicExistsException)) {
				throw missing(topic, property, (ex.getCause() != null) ? ex.getCause() : ex);
			}
		}
		catch (TimeoutException ex) {
			throw missing(topic, property, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw missing(topic, property, ex);
		}
	}

	/**
	 * The topic's partitions as a consumer sees them, waiting (up to 30 s, every 100 ms)
	 * for a topic created a moment ago to reach the consumer's metadata.
	 * @param consumer a consumer of the cluster
	 * @param topic the topic
	 * @param property the property that names it, for the message
	 * @return its partitions
	 * @throws IllegalStateException naming {@code property} when the consumer sees no
	 * partition within 30 s
	 */
	public static List<TopicPartition> partitions(Consumer<?, ?> consumer, String topic, String property) {
		for (int attempt = 0; attempt < 300; attempt++) {
			List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
			if (infos != null && !infos.isEmpty()) {
				return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
			}
			try {
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		throw new IllegalStateException("the topic '" + topic + "' (" + property
				+ ") does not exist; create it compacted (cleanup.policy=compact)");
	}

	private static boolean exists(Admin admin, String topic)
			throws InterruptedException, ExecutionException, TimeoutException {
		try {
			admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
			return true;
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
				return false;
			}
			throw ex;
		}
	}

	private static void warnUnlessCompacted(Admin admin, String topic, String property)
			throws InterruptedException, TimeoutException {
		ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
		try {
			Config config = admin.describeConfigs(List.of(resource))
				.all()
				.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
				.get(resource);
			ConfigEntry policy = (config != null) ? config.get(TopicConfig.CLEANUP_POLICY_CONFIG) : null;
			if (policy != null && !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
				log.warn(
						"the fleet-state topic '{}' (worker.topics.fleet-state) has cleanup.policy={}; make it "
								+ "compact, or every new worker reads its whole retention at start",
						topic, policy.value());
			}
		}
		catch (ExecutionException ex) {
			log.debug("cannot read the configuration of '{}': {}", topic, String.valueOf(ex.getCause()));
		}
	}

	private static IllegalStateException missing(String topic, String property, Throwable cause) {
		String hint = (cause instanceof AuthorizationException)
				? "this worker may not create it: create it compacted (cleanup.policy=compact), or grant CREATE on it"
				: "could not create it: " + cause;
		return new IllegalStateException("the topic '" + topic + "' (" + property + ") does not exist and " + hint,
				cause);
	}

}
