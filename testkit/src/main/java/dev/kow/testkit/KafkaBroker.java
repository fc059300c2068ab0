package dev.kow.testkit;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker for tests: Testcontainers' {@code apache/kafka-native} image where a Docker
 * engine answers, otherwise spring-kafka-test's in-JVM KRaft broker. Tests see only
 * {@link #bootstrapServers()}, so the same test runs on both paths.
 */
public final class KafkaBroker implements AutoCloseable {

	/** The image used on the Docker path. */
	public static final String KAFKA_IMAGE = "apache/kafka-native:4.1.0";

	private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);

	private final String bootstrapServers;

	private final AutoCloseable stopper;

	private KafkaBroker(String bootstrapServers, AutoCloseable stopper) {
		this.bootstrapServers = bootstrapServers;
		this.stopper = stopper;
	}

	/**
	 * Starts a broker, choosing the path by whether Docker is available.
	 * @return a running broker
	 */
	public static KafkaBroker start() {
		return dockerAvailable() ? startContainer() : startEmbedded();
	}

	/** @return a running Testcontainers broker; fails without Docker */
	public static KafkaBroker startContainer() {
		KafkaContainer container = new KafkaContainer(KAFKA_IMAGE);
		container.start();
		log.info("Kafka broker: container {} at {}", KAFKA_IMAGE, container.getBootstrapServers());
		return new KafkaBroker(container.getBootstrapServers(), container::stop);
	}

	/** @return a running in-JVM KRaft broker */
	public static KafkaBroker startEmbedded() {
		EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
		broker.brokerProperties(Map.of("auto.create.topics.enable", "false", "group.initial.rebalance.delay.ms", "0",
				"offsets.topic.num.partitions", "4"));
		broker.afterPropertiesSet();
		String servers = broker.getBrokersAsString().replace("localhost", "127.0.0.1");
		log.info("Kafka broker: in-JVM KRaft at {}", servers);
		return new KafkaBroker(servers, broker::destroy);
	}

	/** @return true when Testcontainers finds a Docker engine */
	public static boolean dockerAvailable() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (Throwable ex) {
			return false;
		}
	}

	/** @return {@code host:port} list for {@code bootstrap.servers} */
	public String bootstrapServers() {
		return this.bootstrapServers;
	}

	/**
	 * Creates topics (replication factor 1) and waits for them.
	 * @param partitions partitions per topic
	 * @param names topic names
	 */
	public void createTopics(int partitions, String... names) {
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, this.bootstrapServers))) {
			admin.createTopics(java.util.Arrays.stream(names).map(n -> new NewTopic(n, partitions, (short) 1)).toList())
				.all().get(30, TimeUnit.SECONDS);
			long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
			while (true) {
				try {
					admin.describeTopics(Set.of(names)).allTopicNames().get(30, TimeUnit.SECONDS);
					break;
				}
				catch (ExecutionException notYetVisible) {
					if (System.nanoTime() > until) {
						throw notYetVisible;
					}
					Thread.sleep(100);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		catch (ExecutionException | java.util.concurrent.TimeoutException ex) {
			throw new IllegalStateException("could not create topics " + String.join(",", names), ex);
		}
	}

	@Override
	public void close() throws Exception {
		this.stopper.close();
	}
}
