package dev.kow.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker for tests: Testcontainers' {@code apache/kafka-native} image where
 * a Docker engine answers, otherwise spring-kafka-test's in-JVM KRaft broker; or, for
 * tests of separate processes, a standalone broker process ({@link #startProcess()}).
 * Tests see only {@link #bootstrapServers()}, so the same test runs on every path.
 */
public final class KafkaBroker implements AutoCloseable {

	/** The image used on the Docker path. */
	public static final String KAFKA_IMAGE = "apache/kafka-native:4.1.0";

	private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);

	private final String bootstrapServers;

	private final Map<String, Object> clientConfig;

	private final AutoCloseable stopper;

	/** The broker's process when it runs as one, else null. */
	private final BrokerProcess process;

	private KafkaBroker(String bootstrapServers, Map<String, Object> security, AutoCloseable stopper) {
		this(bootstrapServers, security, stopper, null);
	}

	private KafkaBroker(String bootstrapServers, Map<String, Object> security, AutoCloseable stopper,
			BrokerProcess process) {
		this.bootstrapServers = bootstrapServers;
		this.clientConfig = clientConfig(bootstrapServers, security);
		this.stopper = stopper;
		this.process = process;
	}

	/**
	 * Starts a broker, choosing the path by whether Docker is available.
	 * @return a running broker
	 */
	public static KafkaBroker start() {
		return dockerAvailable() ? startContainer() : startEmbedded();
	}

	/**
	 * @return a running Testcontainers broker; fails without Docker
	 */
	public static KafkaBroker startContainer() {
		KafkaContainer container = new KafkaContainer(KAFKA_IMAGE);
		container.start();
		log.info("Kafka broker: container {} at {}", KAFKA_IMAGE, container.getBootstrapServers());
		return new KafkaBroker(container.getBootstrapServers(), Map.of(), container::stop);
	}

	/**
	 * @return a running in-JVM KRaft broker
	 */
	public static KafkaBroker startEmbedded() {
		EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
		broker.brokerProperties(Map.of("auto.create.topics.enable", "false", "group.initial.rebalance.delay.ms", "0",
				"offsets.topic.num.partitions", "4"));
		broker.afterPropertiesSet();
		String servers = broker.getBrokersAsString().replace("localhost", "127.0.0.1");
		log.info("Kafka broker: in-JVM KRaft at {}", servers);
		return new KafkaBroker(servers, Map.of(), broker::destroy);
	}

	/**
	 * Starts a standalone single-node KRaft broker (combined broker and controller) as a
	 * separate JVM process from the Kafka jars on this JVM's class path
	 * ({@code org.apache.kafka:kafka_2.13} from Maven Central, as spring-kafka-test
	 * brings it): formats a fresh log directory with
	 * {@code kafka.tools.StorageTool format --standalone}, runs
	 * {@code kafka.Kafka server.properties} bound to 127.0.0.1 on free ports, and waits
	 * until it answers. {@link #close()} stops it by its process id (SIGTERM, a
	 * controlled shutdown; SIGKILL after 20 s) and deletes the directory.
	 * @return a running broker process with a PLAINTEXT listener
	 * @throws IllegalStateException when formatting fails or the broker does not answer
	 * within 60 s
	 */
	public static KafkaBroker startProcess() {
		return startProcess("PLAINTEXT", Map.of(), Map.of());
	}

	/**
	 * Starts a standalone broker process, as {@link #startProcess()}, whose one client
	 * listener (also used between brokers) speaks the given security protocol.
	 * @param protocol the listener's name and security protocol: PLAINTEXT, SSL,
	 * SASL_SSL, ...
	 * @param brokerConfig further {@code server.properties} entries, for example
	 * {@code ssl.keystore.location} and {@code ssl.client.auth=required}
	 * @param clientConfig what a client needs besides {@code bootstrap.servers} to
	 * connect, for example {@code security.protocol} and its trust and key stores; used
	 * to wait for the broker and returned by {@link #clientConfig()}
	 * @return a running broker process
	 * @throws IllegalStateException when formatting fails or the broker does not answer
	 * within 60 s
	 */
	public static KafkaBroker startProcess(String protocol, Map<String, String> brokerConfig,
			Map<String, Object> clientConfig) {
		int port = Ports.free();
		int controllerPort = Ports.free();
		try {
			Path dir = Files.createTempDirectory("kafka-broker-");
			Path config = dir.resolve("server.properties");
			List<String> lines = new ArrayList<>(
					List.of("process.roles=broker,controller", "node.id=1",
							"controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
							"listeners=" + protocol + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:"
									+ controllerPort,
							"advertised.listeners=" + protocol + "://127.0.0.1:" + port,
							"controller.listener.names=CONTROLLER", "inter.broker.listener.name=" + protocol,
							"listener.security.protocol.map=" + protocol + ":" + protocol + ",CONTROLLER:PLAINTEXT",
							"log.dirs=" + dir.resolve("data"), "offsets.topic.replication.factor=1",
							"offsets.topic.num.partitions=4", "transaction.state.log.replication.factor=1",
							"transaction.state.log.min.isr=1", "share.coordinator.state.topic.replication.factor=1",
							"share.coordinator.state.topic.min.isr=1", "group.initial.rebalance.delay.ms=0",
							"auto.create.topics.enable=false"));
			brokerConfig.forEach((key, value) -> lines.add(key + "=" + value));
			Files.write(config, lines);
			String java = ProcessHandle.current().info().command().orElse("java");
			String classPath = System.getProperty("java.class.path");
			Path formatLog = dir.resolve("format.log");
			Process format = new ProcessBuilder(java, "-cp", classPath, "kafka.tools.StorageTool", "format",
					"--standalone", "-t", Uuid.randomUuid().toString(), "-c", config.toString())
				.redirectErrorStream(true)
				.redirectOutput(formatLog.toFile())
				.start();
			if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
				format.destroyForcibly();
				throw new IllegalStateException(
						"kafka.tools.StorageTool format failed: " + Files.readString(formatLog));
			}
			String servers = "127.0.0.1:" + port;
			BrokerProcess process = new BrokerProcess(java, classPath, dir, clientConfig(servers, clientConfig));
			KafkaBroker broker = new KafkaBroker(servers, clientConfig, process::close, process);
			process.launch();
			return broker;
		}
		catch (IOException ex) {
			throw new IllegalStateException("could not start a Kafka broker process", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * @return {@code security} plus {@code bootstrap.servers}, unmodifiable
	 */
	private static Map<String, Object> clientConfig(String bootstrapServers, Map<String, Object> security) {
		Map<String, Object> config = new HashMap<>(security);
		config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
		return Map.copyOf(config);
	}

	/**
	 * @return true when Testcontainers finds a Docker engine
	 */
	public static boolean dockerAvailable() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (Throwable ex) {
			return false;
		}
	}

	/**
	 * @return {@code host:port} list for {@code bootstrap.servers}
	 */
	public String bootstrapServers() {
		return this.bootstrapServers;
	}

	/**
	 * Stops a broker started by {@link #startProcess()} with a controlled shutdown,
	 * keeping its data: a broker outage until {@link #restart()}.
	 * @throws UnsupportedOperationException for a broker that is not a process of its own
	 */
	public void stop() {
		requireProcess().stop();
	}

	/**
	 * Starts a stopped process broker again on the same ports and data, and waits until
	 * it answers.
	 * @throws UnsupportedOperationException for a broker that is not a process of its own
	 */
	public void restart() {
		requireProcess().launch();
	}

	private BrokerProcess requireProcess() {
		if (this.process == null) {
			throw new UnsupportedOperationException(
					"only a broker started by startProcess() can be stopped and restarted");
		}
		return this.process;
	}

	/**
	 * @return what a client needs to connect: {@code bootstrap.servers} and any security
	 * settings
	 */
	public Map<String, Object> clientConfig() {
		return this.clientConfig;
	}

	/**
	 * Creates topics (replication factor 1) and waits for them.
	 * @param partitions partitions per topic
	 * @param names topic names
	 */
	public void createTopics(int partitions, String... names) {
		try (Admin admin = Admin.create(this.clientConfig)) {
			admin.createTopics(java.util.Arrays.stream(names).map(n -> new NewTopic(n, partitions, (short) 1)).toList())
				.all()
				.get(30, TimeUnit.SECONDS);
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
