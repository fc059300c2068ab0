package dev.kow.worker.fleet;

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
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the fleet-state topic ({@code worker.topics.fleet-state}) exists before a
 * worker reads it, as Kafka Streams does for its internal topics: when it is missing the
 * worker creates it with {@link #TOPIC_CONFIGS} (one partition, compacted, 10-minute
 * segments so that compaction keeps what a new worker reads at start small), with the
 * broker's default replication factor. Several workers starting at once may race; the
 * losers find it created.
 */
public final class FleetStateProvisioning {

	/** The topic configuration a created fleet-state topic gets. */
	public static final Map<String, String> TOPIC_CONFIGS = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
			TopicConfig.CLEANUP_POLICY_COMPACT, TopicConfig.SEGMENT_MS_CONFIG, "600000");

	private static final Logger log = LoggerFactory.getLogger(FleetStateProvisioning.class);

	private static final long TIMEOUT_SECONDS = 30;

	private FleetStateProvisioning() {
	}

	/**
	 * Creates the topic when it does not exist; warns when an existing one is not
	 * compacted (and its configuration is readable).
	 * @param admin an admin client of the worker's cluster
	 * @param topic {@code worker.topics.fleet-state}
	 * @throws IllegalStateException naming {@code worker.topics.fleet-state} when the
	 * topic is missing and cannot be created (for example no CREATE permission), or the
	 * broker does not answer within 30 s
	 */
	public static void ensureTopic(Admin admin, String topic) {
		try {
			if (exists(admin, topic)) {
				warnUnlessCompacted(admin, topic);
				return;
			}
			admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty()).configs(TOPIC_CONFIGS)))
				.all()
				.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
			log.info("created the fleet-state topic '{}' (worker.topics.fleet-state): {}", topic, TOPIC_CONFIGS);
		}
		catch (ExecutionException ex) {
			if (!(ex.getCause() instanceof TopicExistsException)) {
				throw missing(topic, (ex.getCause() != null) ? ex.getCause() : ex);
			}
		}
		catch (TimeoutException ex) {
			throw missing(topic, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw missing(topic, ex);
		}
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

	private static void warnUnlessCompacted(Admin admin, String topic) throws InterruptedException, TimeoutException {
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

	private static IllegalStateException missing(String topic, Throwable cause) {
		String hint = (cause instanceof AuthorizationException)
				? "this worker may not create it: create it compacted with one partition, or grant CREATE on it"
				: "could not create it: " + cause;
		return new IllegalStateException(
				"the fleet-state topic '" + topic + "' (worker.topics.fleet-state) does not exist and " + hint, cause);
	}

}
