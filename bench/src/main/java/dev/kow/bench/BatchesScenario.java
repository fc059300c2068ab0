package dev.kow.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import dev.kow.avro.InferenceResult;
import dev.kow.avro.Mode;
import dev.kow.avro.Status;
import dev.kow.batch.BatchCommand;
import dev.kow.demo.ProducerDemoMain;
import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.serde.KafkaAvroSerializer;
import dev.kow.worker.batches.BatchAggregation;
import dev.kow.worker.batches.BatchRecord;
import dev.kow.worker.batches.JsonSerde;
import dev.kow.worker.topics.CompactedTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code batches}: what {@code batch status} and {@code batch results} cost for a large
 * batch on a results topic that holds many other results. Half of the other results are
 * on the topic before the batch is submitted, the other half interleave with its lines.
 * The batch's results are written as a worker writes them (no inference: the costs
 * measured are Kafka's and the commands'), the workers' aggregation (the worker's
 * {@link BatchAggregation}) runs until it has counted every line, and then
 * {@code batch status} (run {@code --status-samples} times, each a new process-like
 * command with its own clients) and {@code batch results} are timed, side by side with
 * today's alternative: reading the results topic from its start and decoding every record
 * (what {@code collect} does).
 */
@Command(name = "batches", mixinStandardHelpOptions = true,
		description = "batch status latency and batch results time for a large batch among many other results.")
final class BatchesScenario implements Callable<Integer> {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Option(names = "--batch-lines", defaultValue = "100000",
			description = "Lines of the batch (default ${DEFAULT-VALUE}).")
	int lines;

	@Option(names = "--other-results", defaultValue = "1000000",
			description = "Other results on the topic (default ${DEFAULT-VALUE}).")
	int others;

	@Option(names = "--partitions", defaultValue = "6",
			description = "Partitions of the results topic (default ${DEFAULT-VALUE}).")
	int partitions;

	@Option(names = "--status-samples", defaultValue = "20",
			description = "Times batch status is run (default ${DEFAULT-VALUE}).")
	int samples;

	@Option(names = "--command-config", description = "Passed to the batch commands (Kafka client settings).")
	Path commandConfig;

	@Option(names = "--json", description = "Write the report here.")
	Path json;

	@Override
	public Integer call() throws Exception {
		String prefix = "batches." + UUID.randomUUID().toString().substring(0, 6);
		String results = prefix + ".results";
		String batches = prefix + ".batches";
		String counts = prefix + ".counts";
		try (BenchEnvironment env = new BenchEnvironment()) {
			try (Admin admin = Admin.create(Map.of("bootstrap.servers", env.bootstrap))) {
				admin.createTopics(List.of(new NewTopic(results, this.partitions, (short) 1)))
					.all()
					.get(30, TimeUnit.SECONDS);
				CompactedTopics.ensure(admin, batches, "batches", 3);
				CompactedTopics.ensure(admin, counts, "counts", 3);
			}
			Map<String, Object> serde = Map.of("schema.registry.url", env.registry, "specific.avro.reader", "true");
			KafkaAvroSerializer serializer = new KafkaAvroSerializer();
			serializer.configure(serde, false);
			String id = "batch_bench" + UUID.randomUUID().toString().replace("-", "").substring(0, 13);
			long produceStart = System.nanoTime();
			try (KafkaProducer<String, byte[]> producer = producer(env)) {
				byte[] other = serializer.serialize(results, result("other", null, null));
				for (int i = 0; i < this.others / 2; i++) {
					producer.send(new ProducerRecord<>(results, "other-" + i, other));
				}
				producer.flush();
				Map<Integer, Long> resultsFrom = endOffsets(env, results);
				long now = Instant.now().getEpochSecond();
				BatchRecord record = new BatchRecord(id, "/v1/chat/completions", "bench.jsonl", "24h", now,
						now + 86_400, this.lines, "bench", id + "/", resultsFrom, Map.of(), Map.of(), null, null, null);
				producer
					.send(new ProducerRecord<>(batches, id,
							new JsonSerde<>(BatchRecord.class).serializer().serialize(batches, record)))
					.get(30, TimeUnit.SECONDS);
				int interleave = Math.max(1, (this.others - this.others / 2) / Math.max(1, this.lines));
				int sentOthers = this.others / 2;
				for (int line = 1; line <= this.lines; line++) {
					producer.send(new ProducerRecord<>(results, id + "/" + line,
							serializer.serialize(results, result(id + "/" + line, id, "c" + line))));
					for (int k = 0; k < interleave && sentOthers < this.others; k++, sentOthers++) {
						producer.send(new ProducerRecord<>(results, "other-" + sentOthers, other));
					}
				}
				for (; sentOthers < this.others; sentOthers++) {
					producer.send(new ProducerRecord<>(results, "other-" + sentOthers, other));
				}
				producer.flush();
			}
			double produceSeconds = (System.nanoTime() - produceStart) / 1e9;
			System.out.printf("batches: %d other results and %d batch lines on %s in %.1f s%n", this.others, this.lines,
					results, produceSeconds);

			Map<String, Object> report = new LinkedHashMap<>();
			Map<String, Object> config = new LinkedHashMap<>();
			config.put("batch_lines", this.lines);
			config.put("other_results", this.others);
			config.put("results_partitions", this.partitions);
			config.put("status_samples", this.samples);
			config.put("produce_s", HostLogs.round(produceSeconds, 1));
			report.put("scenario", "batches");
			report.put("config", config);
			String[] topics = { "--bootstrap-server", env.bootstrap, "--schema-registry-url", env.registry,
					"--results-topic", results, "--batches-topic", batches, "--batch-counts-topic", counts };
			if (this.commandConfig != null) {
				topics = concat(topics, new String[] { "--command-config", this.commandConfig.toString() });
			}

			long aggregationStart = System.nanoTime();
			Map<String, Object> streams = new HashMap<>();
			streams.put("bootstrap.servers", env.bootstrap);
			streams.put(StreamsConfig.APPLICATION_ID_CONFIG, prefix + "-batches");
			streams.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("kow-bench-streams").toString());
			streams.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
			streams.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
			Map<String, Object> system = new LinkedHashMap<>();
			try (BatchAggregation aggregation = new BatchAggregation(streams,
					BatchAggregation.topology(results, counts, BatchAggregation.resultsSerde(serde)))) {
				while (status(id, topics).path("request_counts").path("completed").asInt() < this.lines) {
					BenchEnvironment.sleep(500);
				}
				system.put("aggregation_catch_up_s", HostLogs.round((System.nanoTime() - aggregationStart) / 1e9, 1));
			}
			List<Long> statusMs = new ArrayList<>();
			for (int i = 0; i < this.samples; i++) {
				long start = System.nanoTime();
				JsonNode status = status(id, topics);
				statusMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
				if (!"completed".equals(status.path("status").asString())) {
					throw new IllegalStateException("batch not completed: " + status);
				}
			}
			system.put("status_ms", percentiles(statusMs));
			Path output = Files.createTempFile("bench-batch-out", ".jsonl");
			Path errors = Files.createTempFile("bench-batch-err", ".jsonl");
			long resultsStart = System.nanoTime();
			String summary = run(
					concat(new String[] { "results", id, "--output", output.toString(), "--errors", errors.toString() },
							topics));
			system.put("results_s", HostLogs.round((System.nanoTime() - resultsStart) / 1e9, 2));
			try (var written = Files.lines(output)) {
				system.put("results_lines", written.count());
			}
			system.put("results_summary", JSON.readTree(summary.strip()));

			Map<String, Object> scan = new LinkedHashMap<>();
			long scanStart = System.nanoTime();
			int found = scanFromStart(env, results, id);
			double scanSeconds = (System.nanoTime() - scanStart) / 1e9;
			scan.put("batch_lines_found", found);
			scan.put("scan_s", HostLogs.round(scanSeconds, 2));
			Map<String, Object> systems = new LinkedHashMap<>();
			systems.put("batch-commands", system);
			systems.put("scan-results-from-start", scan);
			report.put("systems", systems);
			Map<String, Object> ratios = new LinkedHashMap<>();
			@SuppressWarnings("unchecked")
			Map<String, Object> status = (Map<String, Object>) system.get("status_ms");
			ratios.put("status_p50_vs_scan",
					HostLogs.round(((Number) status.get("p50")).doubleValue() / (scanSeconds * 1000), 4));
			ratios.put("results_vs_scan",
					HostLogs.round(((Number) system.get("results_s")).doubleValue() / scanSeconds, 3));
			report.put("ratios", ratios);
			String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
			System.out.println("batches: " + JSON.writeValueAsString(report));
			if (this.json != null) {
				Files.writeString(this.json, text);
				System.out.println("Report written to " + this.json);
			}
			return 0;
		}
	}

	private static InferenceResult result(String requestId, String batchId, String customId) {
		Instant at = Instant.ofEpochMilli(1_796_000_000_000L);
		return InferenceResult.newBuilder()
			.setRequestId(requestId)
			.setStatus(Status.SUCCEEDED)
			.setModel(BenchEnvironment.MODEL)
			.setMode(Mode.CHAT)
			.setSourceTopic("bench")
			.setMessage(new dev.kow.avro.ChatMessage("assistant", "An answer of a few words.", List.of()))
			.setDoneReason("stop")
			.setPromptEvalCount(12)
			.setEvalCount(6)
			.setAttempts(1)
			.setQueueWaitMs(0)
			.setRequestCreatedAt(at)
			.setStartedAt(at)
			.setFinishedAt(at)
			.setBatchId(batchId)
			.setCustomId(customId)
			.setMetadata(Map.of("kow.endpoint", "/v1/chat/completions"))
			.build();
	}

	private static KafkaProducer<String, byte[]> producer(BenchEnvironment env) {
		Map<String, Object> config = new HashMap<>();
		config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrap);
		config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
		config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
		config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
		return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
	}

	private static Map<Integer, Long> endOffsets(BenchEnvironment env, String topic) {
		try (KafkaConsumer<String, byte[]> consumer = consumer(env)) {
			List<TopicPartition> partitions = consumer.partitionsFor(topic)
				.stream()
				.map(info -> new TopicPartition(topic, info.partition()))
				.toList();
			Map<Integer, Long> end = new HashMap<>();
			consumer.endOffsets(partitions).forEach((tp, offset) -> end.put(tp.partition(), offset));
			return end;
		}
	}

	/** Today's alternative: every result from the topic's start, decoded, filtered. */
	private static int scanFromStart(BenchEnvironment env, String topic, String batchId) {
		KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
		deserializer.configure(Map.of("schema.registry.url", env.registry, "specific.avro.reader", "true"), false);
		try (KafkaConsumer<String, byte[]> consumer = consumer(env)) {
			List<TopicPartition> partitions = consumer.partitionsFor(topic)
				.stream()
				.map(info -> new TopicPartition(topic, info.partition()))
				.toList();
			Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
			consumer.assign(partitions);
			consumer.seekToBeginning(partitions);
			java.util.Set<String> lines = new java.util.HashSet<>();
			while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
				for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
					if (deserializer.deserialize(topic, record.value()) instanceof InferenceResult result
							&& batchId.equals(String.valueOf(result.getBatchId()))) {
						lines.add(String.valueOf(result.getCustomId()));
					}
				}
			}
			return lines.size();
		}
	}

	private static KafkaConsumer<String, byte[]> consumer(BenchEnvironment env) {
		Map<String, Object> config = new HashMap<>();
		config.put("bootstrap.servers", env.bootstrap);
		config.put("max.poll.records", 5000);
		return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
	}

	private static JsonNode status(String id, String[] topics) {
		String out = run(concat(new String[] { "status", id }, topics));
		String[] lines = out.strip().split("\n");
		return JSON.readTree(lines[lines.length - 1]);
	}

	/** Runs a {@code batch} command in this process and returns its standard output. */
	private static String run(String[] args) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		PrintStream original = System.out;
		System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
		try {
			int code = ProducerDemoMain.commandLine(new BatchCommand()).execute(args);
			if (code != 0) {
				throw new IllegalStateException("batch " + String.join(" ", args) + " exited " + code);
			}
			return out.toString(StandardCharsets.UTF_8);
		}
		finally {
			System.setOut(original);
		}
	}

	private static String[] concat(String[] a, String[] b) {
		String[] all = new String[a.length + b.length];
		System.arraycopy(a, 0, all, 0, a.length);
		System.arraycopy(b, 0, all, a.length, b.length);
		return all;
	}

	private static Map<String, Object> percentiles(List<Long> values) {
		List<Long> sorted = values.stream().sorted().toList();
		Map<String, Object> p = new LinkedHashMap<>();
		p.put("count", sorted.size());
		p.put("p50", sorted.get(sorted.size() / 2));
		p.put("p95", sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.95) - 1)));
		p.put("max", sorted.get(sorted.size() - 1));
		return p;
	}

}
