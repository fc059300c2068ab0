package dev.kow.bench;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.kow.avro.ChatMessage;
import dev.kow.avro.InferenceRequest;
import dev.kow.avro.InferenceResult;
import dev.kow.avro.Mode;
import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.serde.KafkaAvroSerializer;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.worker.job.Lane;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * What every scenario needs: one in-JVM KRaft broker, the {@code mock://} registry, a
 * producer of requests, a reader of results, and simulated hosts. Each system gets its
 * own topics and hosts.
 */
final class BenchEnvironment implements AutoCloseable {

	static final String MODEL = "llama3.1:8b";

	private final EmbeddedKafkaKraftBroker broker;

	final String bootstrap;

	final String registry;

	private final KafkaProducer<String, Object> producer;

	/**
	 * Extra {@code worker.*} or {@code spring.*} settings every worker started here gets
	 * (last word).
	 */
	final Map<String, String> workerProperties = new HashMap<>();

	/** An environment whose schema registry is an in-process {@code mock://} one. */
	BenchEnvironment() {
		this("mock://bench-" + UUID.randomUUID());
	}

	/**
	 * An environment on a given schema registry.
	 * @param registry {@code schema.registry.url}: a Confluent-compatible URL when
	 * systems run in other processes, which cannot see an in-process {@code mock://}
	 * registry
	 */
	BenchEnvironment(String registry) {
		this.registry = registry;
		this.broker = new EmbeddedKafkaKraftBroker(1, 1);
		this.broker
			.brokerProperties(Map.of("auto.create.topics.enable", "false", "group.initial.rebalance.delay.ms", "0"));
		this.broker.afterPropertiesSet();
		this.bootstrap = this.broker.getBrokersAsString();
		Map<String, Object> config = new HashMap<>();
		config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, this.bootstrap);
		config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, KafkaAvroSerializer.class);
		config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
		// Input only: sends are checked in flush(); the idempotent producer's sequence
		// numbers trip over
		// partitions created moments before (OutOfOrderSequenceException) on this
		// single-node broker.
		config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
		config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
		config.put("schema.registry.url", this.registry);
		this.producer = new KafkaProducer<>(config);
	}

	/**
	 * Creates a system's five topics, each lane topic with {@code partitions} partitions.
	 */
	Topics topics(String system, int partitions) {
		String prefix = "bench." + system + "." + UUID.randomUUID().toString().substring(0, 6);
		Topics topics = new Topics(prefix + ".high", prefix + ".normal", prefix + ".batch", prefix + ".results",
				prefix + ".dlq");
		try (Admin admin = Admin.create(Map.of("bootstrap.servers", this.bootstrap))) {
			// the broker stamps lane records with their append time, so a scenario can
			// tell the harness's
			// produce latency from the system's own wait (RecordMetadata.timestamp())
			Map<String, String> appendTime = Map.of("message.timestamp.type", "LogAppendTime");
			admin
				.createTopics(List.of(new NewTopic(topics.high(), partitions, (short) 1).configs(appendTime),
						new NewTopic(topics.normal(), partitions, (short) 1).configs(appendTime),
						new NewTopic(topics.batch(), partitions, (short) 1).configs(appendTime),
						new NewTopic(topics.results(), 3, (short) 1), new NewTopic(topics.deadLetter(), 1, (short) 1)))
				.all()
				.get(30, TimeUnit.SECONDS);
			awaitLeaders(admin, topics);
		}
		catch (Exception ex) {
			throw new IllegalStateException("could not create topics for " + system, ex);
		}
		return topics;
	}

	/**
	 * Producing before every partition has a leader fails with out-of-order sequence
	 * errors.
	 */
	private static void awaitLeaders(Admin admin, Topics topics) throws Exception {
		List<String> names = List.of(topics.high(), topics.normal(), topics.batch(), topics.results(),
				topics.deadLetter());
		long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (System.nanoTime() < until) {
			try {
				if (admin.describeTopics(names)
					.allTopicNames()
					.get(10, TimeUnit.SECONDS)
					.values()
					.stream()
					.allMatch(
							d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()))) {
					return;
				}
			}
			catch (java.util.concurrent.ExecutionException notYetVisible) {
				// metadata not propagated yet
			}
			sleep(100);
		}
		throw new IllegalStateException("partitions of " + names + " have no leader after 30 s");
	}

	/**
	 * Chunks at least this far apart: with time scaling, 2 ms chunks for 12 streams cost
	 * the 2 cores more than the systems under test, which would then measure the machine,
	 * not the systems.
	 */
	static final java.time.Duration CHUNK_INTERVAL = java.time.Duration.ofMillis(10);

	/** Starts {@code count} simulated hosts with {@code slots} slots each. */
	List<OllamaSimulator> hosts(int count, int slots, double timeScale) {
		return hosts(count, slots, timeScale, host -> dev.kow.sim.Profile.GPU_4090);
	}

	/**
	 * Starts {@code count} simulated hosts with {@code slots} slots each, host i with
	 * {@code profileOf(i)}.
	 */
	List<OllamaSimulator> hosts(int count, int slots, double timeScale,
			java.util.function.IntFunction<dev.kow.sim.Profile> profileOf) {
		List<OllamaSimulator> hosts = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			hosts.add(OllamaSimulator.start(SimConfig.defaults()
				.withProfile(profileOf.apply(i))
				.withTimeScale(timeScale)
				.withNumParallel(slots)
				.withMinChunkInterval(CHUNK_INTERVAL)));
		}
		return hosts;
	}

	/**
	 * A chat request whose message starts with its id (the simulator logs that first
	 * word).
	 * @param id request id, for example {@code b-000042}
	 * @param prompt the prompt text
	 * @param numPredict Ollama num_predict, 0 for none (natural answer length)
	 */
	static InferenceRequest request(String id, String prompt, int numPredict) {
		return InferenceRequest.newBuilder()
			.setId(id)
			.setModel(MODEL)
			.setMode(Mode.CHAT)
			.setMessages(List.of(ChatMessage.newBuilder().setRole("user").setContent(id + " " + prompt).build()))
			.setOptions(numPredict > 0 ? dev.kow.avro.GenerationOptions.newBuilder().setNumPredict(numPredict).build()
					: null)
			.setCreatedAt(Instant.now())
			.build();
	}

	static String id(Lane lane, int n) {
		return lane.key().charAt(0) + "-" + String.format("%06d", n);
	}

	/**
	 * @return the lane of the {@code i}-th request of a mixed load: 10 % high, 30 %
	 * normal, 60 % batch
	 */
	static Lane mixedLane(int i) {
		int slot = i % 10;
		return slot == 0 ? Lane.HIGH : slot <= 3 ? Lane.NORMAL : Lane.BATCH;
	}

	static Lane laneOf(String id) {
		return switch (id.charAt(0)) {
			case 'h' -> Lane.HIGH;
			case 'n' -> Lane.NORMAL;
			default -> Lane.BATCH;
		};
	}

	private final java.util.concurrent.atomic.AtomicReference<Exception> sendFailure = new java.util.concurrent.atomic.AtomicReference<>();

	void send(String topic, InferenceRequest request) {
		send(topic, request, (id, metadata) -> {
		});
	}

	/**
	 * Sends a request to one partition, as a producer that keys all its requests alike
	 * does.
	 * @param topic the lane topic
	 * @param partition the partition
	 * @param request the request
	 */
	void send(String topic, int partition, InferenceRequest request) {
		this.producer.send(new ProducerRecord<>(topic, partition, request.getId(), request), (metadata, error) -> {
			if (error != null) {
				this.sendFailure.compareAndSet(null, error);
			}
		});
	}

	/**
	 * Sends a request and reports where the broker put it.
	 * @param topic the lane topic
	 * @param request the request
	 * @param onAck told the request id and its partition and offset once written
	 */
	void send(String topic, InferenceRequest request,
			java.util.function.BiConsumer<String, org.apache.kafka.clients.producer.RecordMetadata> onAck) {
		this.producer.send(new ProducerRecord<>(topic, request.getId(), request), (metadata, error) -> {
			if (error != null) {
				this.sendFailure.compareAndSet(null, error);
			}
			else {
				onAck.accept(request.getId(), metadata);
			}
		});
	}

	/**
	 * Produces a batch backlog (ids {@code b-000000} on) and waits until the broker has
	 * it.
	 * @param topics the system's topics
	 * @param count requests
	 * @param prompts prompt texts, used in turn
	 */
	void sendBacklog(Topics topics, int count, List<dev.kow.prompts.SamplePrompts.Prompt> prompts) {
		for (int i = 0; i < count; i++) {
			send(topics.batch(), request(id(Lane.BATCH, i), prompts.get(i % prompts.size()).text(), 0));
		}
		flush();
	}

	/**
	 * Flushes the producer; fails when any request could not be written, so no input goes
	 * missing unseen.
	 */
	void flush() {
		this.producer.flush();
		Exception failure = this.sendFailure.get();
		if (failure != null) {
			throw new IllegalStateException("a benchmark request could not be produced", failure);
		}
	}

	/** Reads a results topic in the background, counting results per request id. */
	final class ResultReader implements AutoCloseable {

		/** Results per request id (the results topic only). */
		final Map<String, Integer> counts = new ConcurrentHashMap<>();

		/** Request ids with a SUCCEEDED result. */
		final Set<String> succeeded = ConcurrentHashMap.newKeySet();

		/**
		 * Request ids with a dead letter (keyed by the request id, as every system's dead
		 * letters are).
		 */
		final Set<String> deadLettered = ConcurrentHashMap.newKeySet();

		/**
		 * Failed attempts recorded in results (our worker records them), by error class.
		 */
		final Map<String, Integer> failedAttempts = new ConcurrentHashMap<>();

		/** Results per the host that served them (our worker's {@code host} field). */
		final Map<String, Integer> byHost = new ConcurrentHashMap<>();

		/**
		 * When each request's first outcome (result or dead letter) was read, epoch ms.
		 */
		final Map<String, Long> outcomeAtMs = new ConcurrentHashMap<>();

		/**
		 * From a request's {@code created_at} to the system reading it
		 * ({@code started_at}), ms, per request id.
		 */
		final Map<String, Long> readDelayMs = new ConcurrentHashMap<>();

		private volatile boolean running = true;

		private final Thread thread;

		ResultReader(Topics topics) {
			Map<String, Object> config = new HashMap<>();
			config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BenchEnvironment.this.bootstrap);
			config.put(ConsumerConfig.GROUP_ID_CONFIG, topics.group() + "-reader");
			config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
			config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
			config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, KafkaAvroDeserializer.class);
			config.put("schema.registry.url", BenchEnvironment.this.registry);
			config.put("specific.avro.reader", "true");
			KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(config);
			consumer.subscribe(List.of(topics.results(), topics.deadLetter()));
			this.thread = Thread.ofPlatform().name("bench-results").start(() -> {
				try (consumer) {
					while (this.running) {
						for (ConsumerRecord<String, Object> record : consumer.poll(java.time.Duration.ofMillis(100))) {
							long now = System.currentTimeMillis();
							if (record.topic().equals(topics.deadLetter())) {
								this.deadLettered.add(record.key());
								this.outcomeAtMs.putIfAbsent(record.key(), now);
								continue;
							}
							InferenceResult result = (InferenceResult) record.value();
							this.counts.merge(result.getRequestId(), 1, Integer::sum);
							this.byHost.merge(String.valueOf(result.getHost()), 1, Integer::sum);
							for (dev.kow.avro.Attempt attempt : result.getAttemptLog()) {
								this.failedAttempts.merge(attempt.getErrorCategory(), 1, Integer::sum);
							}
							this.outcomeAtMs.putIfAbsent(result.getRequestId(), now);
							this.readDelayMs.putIfAbsent(result.getRequestId(),
									result.getStartedAt().toEpochMilli() - result.getRequestCreatedAt().toEpochMilli());
							if (result.getStatus() == dev.kow.avro.Status.SUCCEEDED) {
								this.succeeded.add(result.getRequestId());
							}
						}
					}
				}
			});
		}

		/**
		 * Waits until every id has a result or the timeout passes; returns whether all
		 * arrived.
		 */
		boolean awaitAll(Set<String> ids, java.time.Duration timeout) {
			return await(this.counts.keySet(), ids, timeout);
		}

		/**
		 * Waits until every id has a result or a dead letter, or the timeout passes;
		 * returns whether all did.
		 */
		boolean awaitOutcomes(Set<String> ids, java.time.Duration timeout) {
			return await(this.outcomeAtMs.keySet(), ids, timeout);
		}

		private static boolean await(Set<String> seen, Set<String> ids, java.time.Duration timeout) {
			long until = System.nanoTime() + timeout.toNanos();
			while (System.nanoTime() < until) {
				if (seen.containsAll(ids)) {
					return true;
				}
				sleep(50);
			}
			return false;
		}

		int lost(Set<String> ids) {
			return (int) ids.stream().filter(id -> !this.counts.containsKey(id)).count();
		}

		int duplicates(Set<String> ids) {
			return ids.stream().mapToInt(id -> Math.max(0, this.counts.getOrDefault(id, 0) - 1)).sum();
		}

		@Override
		public void close() throws InterruptedException {
			this.running = false;
			this.thread.join(5000);
		}

	}

	static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	static void sleep(long ms) {
		try {
			Thread.sleep(ms);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public void close() {
		this.producer.close();
		this.broker.destroy();
	}

}
