package dev.kow.worker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.kow.avro.ChatMessage;
import dev.kow.avro.GenerationOptions;
import dev.kow.avro.InferenceRequest;
import dev.kow.avro.InferenceResult;
import dev.kow.avro.Mode;
import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.serde.KafkaAvroSerializer;
import dev.kow.sim.OllamaSimulator;
import dev.kow.testkit.KafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Test harness around one pipeline: unique topics and group on the shared broker, a
 * producer of requests, readers of results and dead letters, and worker processes started
 * in this JVM.
 */
final class Pipeline implements AutoCloseable {

	final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8);

	final String high = this.prefix + ".high";

	final String normal = this.prefix + ".normal";

	final String batch = this.prefix + ".batch";

	final String results = this.prefix + ".results";

	final String deadLetter = this.prefix + ".dlq";

	/** Not created here: the first worker creates it (slot sharing by demand). */
	final String fleetState = this.prefix + ".fleet";

	final KafkaBroker broker;

	final String registryUrl;

	private final KafkaProducer<byte[], byte[]> producer;

	private final KafkaAvroSerializer serializer;

	private final KafkaAvroDeserializer deserializer;

	private final KafkaConsumer<byte[], byte[]> resultReader;

	private final KafkaConsumer<byte[], byte[]> deadLetterReader;

	private final List<ConfigurableApplicationContext> workers = new ArrayList<>();

	Pipeline(KafkaBroker broker, String registryUrl, int lanePartitions) {
		this.broker = broker;
		this.registryUrl = registryUrl;
		broker.createTopics(lanePartitions, this.high, this.normal, this.batch);
		broker.createTopics(1, this.results, this.deadLetter);
		Map<String, Object> producerConfig = new HashMap<>(broker.clientConfig());
		producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		this.producer = new KafkaProducer<>(producerConfig);
		Map<String, Object> serde = Map.of("schema.registry.url", registryUrl, "specific.avro.reader", "true");
		this.serializer = new KafkaAvroSerializer();
		this.serializer.configure(serde, false);
		this.deserializer = new KafkaAvroDeserializer();
		this.deserializer.configure(serde, false);
		this.resultReader = reader(this.results);
		this.deadLetterReader = reader(this.deadLetter);
	}

	private KafkaConsumer<byte[], byte[]> reader(String topic) {
		Map<String, Object> config = new HashMap<>(this.broker.clientConfig());
		config.put(ConsumerConfig.GROUP_ID_CONFIG, this.prefix + "-reader-" + topic);
		config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
		config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
		KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config);
		consumer.subscribe(List.of(topic));
		return consumer;
	}

	/**
	 * @return the partitions each member of the workers' group holds, by member id
	 */
	Map<String, List<TopicPartition>> assignments() throws Exception {
		String group = this.prefix + "-workers";
		try (Admin admin = Admin.create(this.broker.clientConfig())) {
			ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
				.describedGroups()
				.get(group)
				.get(10, TimeUnit.SECONDS);
			Map<String, List<TopicPartition>> held = new HashMap<>();
			description.members()
				.forEach(member -> held.put(member.consumerId(), List.copyOf(member.assignment().topicPartitions())));
			return held;
		}
	}

	/**
	 * @return the fleet-state topic's partitions and {@code cleanup.policy}, as the
	 * workers created it
	 */
	String fleetStateTopicShape() throws Exception {
		try (Admin admin = Admin.create(this.broker.clientConfig())) {
			int partitions = admin.describeTopics(List.of(this.fleetState))
				.allTopicNames()
				.get(10, TimeUnit.SECONDS)
				.get(this.fleetState)
				.partitions()
				.size();
			ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, this.fleetState);
			String policy = admin.describeConfigs(List.of(topic))
				.all()
				.get(10, TimeUnit.SECONDS)
				.get(topic)
				.get(TopicConfig.CLEANUP_POLICY_CONFIG)
				.value();
			return partitions + " partition(s), cleanup.policy=" + policy;
		}
	}

	/**
	 * Waits until the workers' group is stable with {@code members} members that each
	 * hold partitions.
	 */
	void awaitMembersHoldingPartitions(int members) {
		String group = this.prefix + "-workers";
		try (Admin admin = Admin.create(this.broker.clientConfig())) {
			Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
				ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
					.describedGroups()
					.get(group)
					.get(10, TimeUnit.SECONDS);
				return description.groupState() == GroupState.STABLE && description.members().size() == members
						&& description.members().stream().noneMatch(m -> m.assignment().topicPartitions().isEmpty());
			});
		}
	}

	/** Starts a worker on the given simulators, each host with {@code slots} slots. */
	ConfigurableApplicationContext startWorker(int slots, OllamaSimulator... hosts) {
		return startWorker(slots, hosts, new String[0]);
	}

	/** Starts a worker with extra {@code key=value} properties. */
	ConfigurableApplicationContext startWorkerWith(int slots, OllamaSimulator host, String... extra) {
		return startWorker(slots, new OllamaSimulator[] { host }, extra);
	}

	/**
	 * Starts a worker with extra {@code key=value} properties and beans registered before
	 * the context refreshes (a test's span exporter).
	 */
	ConfigurableApplicationContext startWorkerWith(int slots, OllamaSimulator host,
			ApplicationContextInitializer<ConfigurableApplicationContext> beans, String... extra) {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(WorkerApplication.class)
			.initializers(beans)
			.run(WorkerApplication.arguments(workerProperties(slots, new OllamaSimulator[] { host }, extra)));
		this.workers.add(context);
		return context;
	}

	private ConfigurableApplicationContext startWorker(int slots, OllamaSimulator[] hosts, String[] extra) {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(WorkerApplication.class)
			.run(WorkerApplication.arguments(workerProperties(slots, hosts, extra)));
		this.workers.add(context);
		return context;
	}

	/**
	 * The settings of a worker on this pipeline's broker, registry and topics, plus
	 * {@code key=value} extras.
	 */
	Map<String, Object> workerProperties(int slots, OllamaSimulator[] hosts, String... extra) {
		Map<String, Object> props = new HashMap<>();
		props.put("spring.kafka.bootstrap-servers", this.broker.bootstrapServers());
		props.put("server.port", "0");
		props.put("worker.topics.high", this.high);
		props.put("worker.topics.normal", this.normal);
		props.put("worker.topics.batch", this.batch);
		props.put("worker.topics.results", this.results);
		props.put("worker.topics.dead-letter", this.deadLetter);
		props.put("worker.topics.fleet-state", this.fleetState);
		props.put("worker.intake.group-id", this.prefix + "-workers");
		props.put("worker.intake.commit-interval", "200ms");
		// the batch counts have their own test (BatchWorkflowIT in producer-demo)
		props.put("worker.batches.enabled", "false");
		props.put("worker.intake.drain-timeout", "5s");
		props.put("worker.schema-registry.url", this.registryUrl);
		props.put("worker.ollama.retry.initial-backoff", "50ms");
		props.put("worker.timeouts.time-to-first-token", "10s");
		props.put("worker.timeouts.stream-stall", "2s");
		for (int i = 0; i < hosts.length; i++) {
			props.put("worker.ollama.hosts[" + i + "].id", "sim" + i);
			props.put("worker.ollama.hosts[" + i + "].url", hosts[i].baseUrl());
			props.put("worker.ollama.hosts[" + i + "].slots", Integer.toString(slots));
		}
		for (String entry : extra) {
			props.put(entry.substring(0, entry.indexOf('=')), entry.substring(entry.indexOf('=') + 1));
		}
		return props;
	}

	static InferenceRequest.Builder generate(String id, String prompt) {
		return InferenceRequest.newBuilder()
			.setId(id)
			.setModel("llama3.1:8b")
			.setMode(Mode.GENERATE)
			.setPrompt(prompt)
			.setOptions(GenerationOptions.newBuilder().setNumPredict(24).build())
			.setCreatedAt(Instant.now());
	}

	static InferenceRequest.Builder chat(String id, String content) {
		return InferenceRequest.newBuilder()
			.setId(id)
			.setModel("llama3.1:8b")
			.setMode(Mode.CHAT)
			.setMessages(List.of(ChatMessage.newBuilder().setRole("user").setContent(content).build()))
			.setOptions(GenerationOptions.newBuilder().setNumPredict(24).build())
			.setCreatedAt(Instant.now());
	}

	static InferenceRequest.Builder embed(String id, String text) {
		return InferenceRequest.newBuilder()
			.setId(id)
			.setModel("nomic-embed-text")
			.setMode(Mode.EMBED)
			.setPrompt(text)
			.setCreatedAt(Instant.now());
	}

	/** Produces a request to a topic partition; returns the exact value bytes sent. */
	byte[] send(String topic, int partition, InferenceRequest request) {
		byte[] value = this.serializer.serialize(topic, request);
		sendRaw(topic, partition, request.getId().getBytes(StandardCharsets.UTF_8), value);
		return value;
	}

	/** Produces a request with record headers (a producer's {@code traceparent}). */
	void send(String topic, int partition, InferenceRequest request, Map<String, String> headers) {
		ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition,
				request.getId().getBytes(StandardCharsets.UTF_8), this.serializer.serialize(topic, request));
		headers.forEach((name, value) -> record.headers().add(name, value.getBytes(StandardCharsets.UTF_8)));
		try {
			this.producer.send(record).get();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	void sendRaw(String topic, int partition, byte[] key, byte[] value) {
		try {
			this.producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private final Map<String, List<InferenceResult>> byId = new HashMap<>();

	private final Map<String, List<ConsumerRecord<byte[], byte[]>>> recordsById = new HashMap<>();

	/**
	 * @param id a request id
	 * @return the result records read so far for it, with their headers
	 */
	List<ConsumerRecord<byte[], byte[]>> resultRecords(String id) {
		return this.recordsById.getOrDefault(id, List.of());
	}

	/**
	 * Reads results until {@code count} distinct request ids arrived in total or the
	 * timeout passed.
	 * @return every result read so far, by request id (duplicates kept)
	 */
	Map<String, List<InferenceResult>> awaitResults(int count, Duration timeout) {
		long until = System.nanoTime() + timeout.toNanos();
		while (this.byId.size() < count && System.nanoTime() < until) {
			for (ConsumerRecord<byte[], byte[]> record : this.resultReader.poll(Duration.ofMillis(200))) {
				InferenceResult result = (InferenceResult) this.deserializer.deserialize(this.results, record.value());
				this.byId.computeIfAbsent(result.getRequestId(), k -> new ArrayList<>()).add(result);
				this.recordsById.computeIfAbsent(result.getRequestId(), k -> new ArrayList<>()).add(record);
			}
		}
		return new HashMap<>(this.byId);
	}

	/** Reads dead letters until {@code count} arrived or the timeout passed. */
	List<ConsumerRecord<byte[], byte[]>> awaitDeadLetters(int count, Duration timeout) {
		List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
		long until = System.nanoTime() + timeout.toNanos();
		while (letters.size() < count && System.nanoTime() < until) {
			this.deadLetterReader.poll(Duration.ofMillis(200)).forEach(letters::add);
		}
		return letters;
	}

	static String header(ConsumerRecord<byte[], byte[]> record, String name) {
		var header = record.headers().lastHeader(name);
		return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
	}

	@Override
	public void close() {
		this.workers.forEach(ConfigurableApplicationContext::close);
		this.producer.close();
		this.resultReader.close();
		this.deadLetterReader.close();
	}

}
