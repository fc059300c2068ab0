package dev.kow.batch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.testkit.ApicurioRegistry;
import dev.kow.testkit.KafkaBroker;
import dev.kow.testkit.SharedFixtures;
import dev.kow.worker.WorkerApplication;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import dev.kow.demo.ProducerDemoMain;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batch workflow end to end on a real broker and registry, with a worker and the
 * simulator: an OpenAI-format file of chat, completion and embedding lines plus a bad
 * line and a duplicate {@code custom_id} is refused whole, then submitted without them;
 * its status comes from the counts the worker publishes, and its results come back as
 * OpenAI Batch output lines, one per input line.
 */
@ExtendWith(SharedFixtures.class)
class BatchWorkflowIT {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@TempDir
	Path dir;

	private final String prefix = "b" + UUID.randomUUID().toString().substring(0, 8);

	private KafkaBroker broker;

	private ApicurioRegistry registry;

	private OllamaSimulator host;

	private final List<ConfigurableApplicationContext> workers = new ArrayList<>();

	private final List<Process> processes = new ArrayList<>();

	@BeforeEach
	void start(KafkaBroker broker, ApicurioRegistry registry) {
		this.broker = broker;
		this.registry = registry;
		broker.createTopics(3, topic("high"), topic("normal"), topic("batch"), topic("results"));
		broker.createTopics(1, topic("dlq"));
		this.host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.5).withNumParallel(4));
		this.workers.add(new SpringApplicationBuilder(WorkerApplication.class)
			.run(WorkerApplication.arguments(workerProperties())));
	}

	private Map<String, Object> workerProperties() {
		Map<String, Object> props = new HashMap<>();
		props.put("spring.kafka.bootstrap-servers", broker.bootstrapServers());
		props.put("server.port", "0");
		props.put("worker.topics.high", topic("high"));
		props.put("worker.topics.normal", topic("normal"));
		props.put("worker.topics.batch", topic("batch"));
		props.put("worker.topics.results", topic("results"));
		props.put("worker.topics.dead-letter", topic("dlq"));
		props.put("worker.topics.fleet-state", topic("fleet"));
		props.put("worker.topics.batches", topic("batches"));
		props.put("worker.topics.batch-counts", topic("counts"));
		props.put("worker.intake.group-id", this.prefix + "-workers");
		props.put("worker.intake.commit-interval", "200ms");
		props.put("worker.batches.commit-interval", "200ms");
		props.put("worker.schema-registry.url", registry.confluentUrl());
		props.put("worker.ollama.hosts[0].url", this.host.baseUrl());
		props.put("worker.ollama.hosts[0].slots", "4");
		return props;
	}

	@AfterEach
	void stop() {
		this.processes.forEach(Process::destroyForcibly);
		this.workers.forEach(ConfigurableApplicationContext::close);
		this.host.close();
	}

	private String topic(String name) {
		return this.prefix + "." + name;
	}

	/** Runs {@code batch ...} and returns its exit code and standard output. */
	private Run batch(String... args) {
		return cli(new BatchCommand(), args);
	}

	/** Runs {@code dead-letters ...} and returns its exit code and standard output. */
	private Run deadLetters(String... args) {
		return cli(new DeadLettersCommand(), args);
	}

	private Run cli(Object command, String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.addAll(List.of("--bootstrap-server", this.broker.bootstrapServers(), "--schema-registry-url",
				this.registry.confluentUrl(), "--results-topic", topic("results"), "--dead-letter-topic", topic("dlq"),
				"--batches-topic", topic("batches"), "--batch-counts-topic", topic("counts")));
		if ((args[0].equals("submit") || args[0].equals("retry")) && !all.contains("--batch-topic")) {
			all.addAll(List.of("--high-topic", topic("high"), "--normal-topic", topic("normal"), "--batch-topic",
					topic("batch")));
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		PrintStream original = System.out;
		System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
		try {
			int code = ProducerDemoMain.commandLine(command).execute(all.toArray(String[]::new));
			return new Run(code, out.toString(StandardCharsets.UTF_8));
		}
		finally {
			System.setOut(original);
		}
	}

	private record Run(int code, String out) {

		/**
		 * The last JSON line (the worker in this JVM logs to the same standard output).
		 */
		JsonNode json() {
			List<String> lines = this.out.lines().filter(line -> line.startsWith("{")).toList();
			return JSON.readTree(lines.get(lines.size() - 1));
		}

	}

	private Path batchFile() throws IOException {
		List<String> lines = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			lines.add("{\"custom_id\":\"chat-" + i
					+ "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"llama3.2:3b\","
					+ "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello " + i + "\"}],\"max_tokens\":20}}");
		}
		for (int i = 0; i < 2; i++) {
			lines.add("{\"custom_id\":\"text-" + i
					+ "\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"model\":\"llama3.2:3b\","
					+ "\"prompt\":\"Once upon a time " + i + "\",\"max_tokens\":10}}");
		}
		lines.add("{\"custom_id\":\"embed-0\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":"
				+ "{\"model\":\"all-minilm:latest\",\"input\":[\"one\",\"two\"]}}");
		lines.add("{\"custom_id\":\"bad\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}}");
		lines.add("{\"custom_id\":\"chat-0\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
				+ "{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"again\"}]}}");
		Path file = this.dir.resolve("batch.jsonl");
		Files.write(file, lines);
		return file;
	}

	@Test
	void aFileIsSubmittedWatchedAndCollectedInOpenAisFormat() throws IOException {
		Path file = batchFile();

		Run refused = batch("submit", "--input", file.toString());
		assertThat(refused.code()).as("invalid lines: nothing is submitted").isEqualTo(2);
		assertThat(batch("list").out().lines().filter(line -> line.startsWith("{"))).as("no batch was recorded")
			.isEmpty();

		Run submitted = batch("submit", "--input", file.toString(), "--skip-invalid", "--metadata", "team=ml");
		assertThat(submitted.code()).isZero();
		JsonNode batch = submitted.json();
		String id = batch.path("id").asString();
		assertThat(id).startsWith("batch_");
		assertThat(batch.path("object").asString()).isEqualTo("batch");
		assertThat(batch.path("status").asString()).isEqualTo("in_progress");
		assertThat(batch.path("request_counts").path("total").asInt()).isEqualTo(6);
		assertThat(batch.path("metadata").path("team").asString()).isEqualTo("ml");
		assertThat(batch.path("endpoint").asString()).isEqualTo("mixed");

		Awaitility.await()
			.atMost(Duration.ofSeconds(120))
			.pollInterval(Duration.ofMillis(500))
			.until(() -> batch("status", id).json().path("status").asString().equals("completed"));
		JsonNode done = batch("status", id).json();
		assertThat(done.path("request_counts").path("completed").asInt()).isEqualTo(6);
		assertThat(done.path("request_counts").path("in_progress").asInt()).isZero();
		assertThat(done.path("completed_at").isNumber()).isTrue();

		Path output = this.dir.resolve("output.jsonl");
		Path errors = this.dir.resolve("errors.jsonl");
		Run results = batch("results", id, "--output", output.toString(), "--errors", errors.toString());
		assertThat(results.code()).isZero();
		assertThat(results.json().path("partial").asBoolean()).isFalse();
		List<JsonNode> lines = Files.readAllLines(output).stream().map(JSON::readTree).toList();
		assertThat(lines).extracting(line -> line.path("custom_id").asString())
			.containsExactlyInAnyOrder("chat-0", "chat-1", "chat-2", "text-0", "text-1", "embed-0");
		assertThat(Files.readAllLines(errors)).isEmpty();
		JsonNode chat = lines.stream()
			.filter(l -> l.path("custom_id").asString().equals("chat-1"))
			.findFirst()
			.orElseThrow();
		assertThat(chat.path("response").path("status_code").asInt()).isEqualTo(200);
		JsonNode body = chat.path("response").path("body");
		assertThat(body.path("object").asString()).isEqualTo("chat.completion");
		assertThat(body.path("choices").path(0).path("message").path("content").asString()).isNotBlank();
		assertThat(body.path("usage").path("completion_tokens").asInt()).isPositive();
		assertThat(body.path("usage").path("total_tokens").asInt())
			.isEqualTo(body.path("usage").path("prompt_tokens").asInt()
					+ body.path("usage").path("completion_tokens").asInt());
		JsonNode embed = lines.stream()
			.filter(l -> l.path("custom_id").asString().equals("embed-0"))
			.findFirst()
			.orElseThrow();
		assertThat(embed.path("response").path("body").path("object").asString()).isEqualTo("list");
		assertThat(embed.path("response").path("body").path("data")).hasSize(2);
		JsonNode text = lines.stream()
			.filter(l -> l.path("custom_id").asString().equals("text-0"))
			.findFirst()
			.orElseThrow();
		assertThat(text.path("response").path("body").path("object").asString()).isEqualTo("text_completion");

		// a worker that crashed before committing publishes a result again: counted and
		// written once
		long countsBefore = endOffsets(topic("counts"));
		republishOneResult();
		Awaitility.await()
			.atMost(Duration.ofSeconds(30))
			.alias("the aggregation has seen the duplicate")
			.until(() -> endOffsets(topic("counts")) > countsBefore);
		assertThat(batch("status", id).json().path("request_counts").path("completed").asInt()).isEqualTo(6);
		assertThat(batch("results", id, "--output", output.toString(), "--errors", errors.toString()).code()).isZero();
		assertThat(Files.readAllLines(output)).hasSize(6);

		// a trace per line, sampled, continued by the worker onto each result
		List<String> submittedTraces = traceIds(topic("batch"));
		assertThat(submittedTraces).hasSize(6).doesNotHaveDuplicates().allMatch(t -> t.endsWith("-01"));
		assertThat(traceIds(topic("results"))).as("the copy republished by hand has no headers")
			.filteredOn(trace -> !trace.equals("none"))
			.hasSize(6)
			.allSatisfy(trace -> assertThat(submittedTraces)
				.anyMatch(sent -> sent.substring(0, 35).equals(trace.substring(0, 35))));
	}

	/**
	 * @return "00-TRACEID-..-FLAGS" of every record of a topic ("none" without one):
	 * version and trace id are the first 35 characters
	 */
	private List<String> traceIds(String topic) {
		return readAll(topic).stream().map(record -> {
			var header = record.headers().lastHeader("traceparent");
			return header == null ? "none" : new String(header.value(), StandardCharsets.UTF_8);
		}).toList();
	}

	/**
	 * @return every record of a topic, from its start to the end offsets of now
	 */
	private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
		try (KafkaConsumer<byte[], byte[]> consumer = rawConsumer()) {
			List<TopicPartition> partitions = partitions(consumer, topic);
			Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
			consumer.assign(partitions);
			consumer.seekToBeginning(partitions);
			List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
			while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
				consumer.poll(Duration.ofMillis(200)).forEach(records::add);
			}
			return records;
		}
	}

	private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
		return consumer.partitionsFor(topic).stream().map(info -> new TopicPartition(topic, info.partition())).toList();
	}

	private long endOffsets(String topic) {
		try (KafkaConsumer<byte[], byte[]> consumer = rawConsumer()) {
			List<TopicPartition> partitions = partitions(consumer, topic);
			return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
		}
	}

	private void republishOneResult() {
		try (KafkaConsumer<byte[], byte[]> consumer = rawConsumer();
				KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(this.broker.clientConfig(),
						new ByteArraySerializer(), new ByteArraySerializer())) {
			List<TopicPartition> partitions = partitions(consumer, topic("results"));
			consumer.assign(partitions);
			consumer.seekToBeginning(partitions);
			ConsumerRecord<byte[], byte[]> first = null;
			while (first == null) {
				for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
					first = record;
					break;
				}
			}
			producer.send(new ProducerRecord<>(first.topic(), first.partition(), first.key(), first.value()));
			producer.flush();
		}
	}

	private KafkaConsumer<byte[], byte[]> rawConsumer() {
		return new KafkaConsumer<>(this.broker.clientConfig(), new ByteArrayDeserializer(),
				new ByteArrayDeserializer());
	}

	private Path chatLines(int count, int maxTokens) throws IOException {
		List<String> lines = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			lines.add("{\"custom_id\":\"c" + i + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
					+ "\"body\":{\"model\":\"llama3.2:3b\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell "
					+ "a story " + i + "\"}],\"max_tokens\":" + maxTokens + "}}");
		}
		Path file = this.dir.resolve("chat-" + count + "-" + maxTokens + ".jsonl");
		Files.write(file, lines);
		return file;
	}

	private JsonNode awaitStatus(String id, String status) {
		Awaitility.await()
			.atMost(Duration.ofSeconds(120))
			.pollInterval(Duration.ofMillis(300))
			.until(() -> batch("status", id).json().path("status").asString().equals(status));
		return batch("status", id).json();
	}

	private List<JsonNode> jsonLines(Path file) throws IOException {
		return Files.readAllLines(file).stream().map(JSON::readTree).toList();
	}

	@Test
	void aCancelStopsQueuedAndRunningLinesAndKeepsFinishedOnes() throws IOException {
		String id = batch("submit", "--input", chatLines(40, 300).toString()).json().path("id").asString();
		Awaitility.await()
			.atMost(Duration.ofSeconds(120))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> batch("status", id).json().path("request_counts").path("completed").asInt() >= 4);
		Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> this.host.requestLog().inFlight() > 0);

		JsonNode cancelling = batch("cancel", id).json();
		assertThat(cancelling.path("status").asString()).isIn("cancelling", "cancelled");
		assertThat(cancelling.path("cancelling_at").isNumber()).isTrue();

		Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.alias("the running attempts stop, as preemption stops them")
			.until(() -> this.host.requestLog().inFlight() == 0);
		JsonNode cancelled = awaitStatus(id, "cancelled");
		int completed = cancelled.path("request_counts").path("completed").asInt();
		int stopped = cancelled.path("request_counts").path("cancelled").asInt();
		assertThat(completed).isGreaterThanOrEqualTo(4);
		assertThat(stopped).as("most of the batch never ran").isGreaterThan(20);
		assertThat(completed + stopped).isEqualTo(40);

		Path output = this.dir.resolve("cancel-out.jsonl");
		Path errors = this.dir.resolve("cancel-err.jsonl");
		assertThat(batch("results", id, "--output", output.toString(), "--errors", errors.toString()).code()).isZero();
		assertThat(jsonLines(output)).hasSize(completed);
		assertThat(jsonLines(errors)).hasSize(stopped)
			.allSatisfy(line -> assertThat(line.path("error").path("code").asString()).isEqualTo("batch_cancelled"));
	}

	@Test
	void aPassedCompletionWindowExpiresTheRestAndKeepsWhatFinished() throws IOException {
		String id = batch("submit", "--input", chatLines(40, 300).toString(), "--completion-window", "4s").json()
			.path("id")
			.asString();

		JsonNode expired = awaitStatus(id, "expired");
		int completed = expired.path("request_counts").path("completed").asInt();
		int late = expired.path("request_counts").path("expired").asInt();
		assertThat(completed).as("lines finished in the window are kept").isPositive();
		assertThat(late).isPositive();
		assertThat(completed + late).isEqualTo(40);
		assertThat(expired.path("expired_at").isNumber()).isTrue();

		Path output = this.dir.resolve("expiry-out.jsonl");
		Path errors = this.dir.resolve("expiry-err.jsonl");
		batch("results", id, "--output", output.toString(), "--errors", errors.toString());
		assertThat(jsonLines(output)).hasSize(completed)
			.allSatisfy(line -> assertThat(line.path("response").path("status_code").asInt()).isEqualTo(200));
		assertThat(jsonLines(errors)).hasSize(late)
			.allSatisfy(line -> assertThat(line.path("error").path("code").asString()).isEqualTo("batch_expired"));

		Run retried = batch("retry", id, "--completion-window", "10m");
		assertThat(retried.code()).isZero();
		JsonNode child = retried.json();
		assertThat(child.path("parent_batch_id").asString()).isEqualTo(id);
		assertThat(child.path("request_counts").path("total").asInt()).as("only the expired lines").isEqualTo(late);
		JsonNode done = awaitStatus(child.path("id").asString(), "completed");
		assertThat(done.path("request_counts").path("completed").asInt()).isEqualTo(late);
		Path retriedOutput = this.dir.resolve("retry-out.jsonl");
		batch("results", child.path("id").asString(), "--output", retriedOutput.toString(), "--errors",
				this.dir.resolve("retry-err.jsonl").toString());
		assertThat(jsonLines(retriedOutput)).extracting(line -> line.path("custom_id").asString())
			.as("the retried lines keep their custom ids, and none of the finished ones is run again")
			.doesNotContainAnyElementsOf(jsonLines(output).stream().map(l -> l.path("custom_id").asString()).toList())
			.hasSize(late);
	}

	@Test
	void aLineThatIsNotAcknowledgedMakesSubmitFailAndSayWhich() throws IOException {
		Path config = this.dir.resolve("client.properties");
		Files.writeString(config, "max.block.ms=1000\n");
		Run run = batch("submit", "--input", chatLines(3, 10).toString(), "--batch-topic", topic("no-such-topic"),
				"--command-config", config.toString());

		assertThat(run.code()).as("not every line was sent").isEqualTo(1);
		JsonNode batch = run.json();
		assertThat(batch.path("status").asString()).isEqualTo("failed");
		assertThat(batch.path("request_counts").path("total").asInt()).as("the lines actually sent").isZero();
		assertThat(batch("status", batch.path("id").asString()).json().path("status").asString()).isEqualTo("failed");
	}

	@Test
	void deadLettersAreListedByReasonAndReplayedFromTheirOriginalBytes() throws Exception {
		this.broker.createTopics(1, topic("replayed"));
		byte[] poison = { 1, 2, 3, 4, 5 };
		try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(this.broker.clientConfig(),
				new ByteArraySerializer(), new ByteArraySerializer())) {
			ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic("high"), 0,
					"poison-1".getBytes(StandardCharsets.UTF_8), poison);
			record.headers().add("trace", "abc".getBytes(StandardCharsets.UTF_8));
			producer.send(record).get();
		}
		Awaitility.await()
			.atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(300))
			.until(() -> deadLetters("list").out().contains("MALFORMED_RECORD"));

		// the worker in this JVM logs to the same standard output: keep the JSON lines
		List<JsonNode> listed = deadLetters("list", "--details").out()
			.lines()
			.filter(line -> line.startsWith("{"))
			.map(JSON::readTree)
			.toList();
		assertThat(listed.get(0).path("reason").asString()).isEqualTo("MALFORMED_RECORD");
		assertThat(listed.get(0).path("original_topic").asString()).isEqualTo(topic("high"));
		assertThat(listed.get(0).path("count").asInt()).isEqualTo(1);
		assertThat(listed.get(1).path("key").asString()).isEqualTo("poison-1");
		assertThat(listed.get(1).path("original_offset").asLong()).isZero();

		Run dry = deadLetters("replay", "--reason", "MALFORMED_RECORD", "--to-topic", topic("replayed"));
		assertThat(dry.code()).isZero();
		assertThat(dry.json().path("would_send_to").asString()).isEqualTo(topic("replayed"));
		assertThat(endOffsets(topic("replayed"))).as("a dry run sends nothing").isZero();

		Run sent = deadLetters("replay", "--reason", "MALFORMED_RECORD", "--to-topic", topic("replayed"), "--execute");
		assertThat(sent.code()).isZero();
		assertThat(sent.json().path("replayed").asInt()).isEqualTo(1);
		try (KafkaConsumer<byte[], byte[]> consumer = rawConsumer()) {
			TopicPartition replayed = new TopicPartition(topic("replayed"), 0);
			consumer.assign(List.of(replayed));
			consumer.seekToBeginning(List.of(replayed));
			List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
			Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
				consumer.poll(Duration.ofMillis(200)).forEach(records::add);
				return !records.isEmpty();
			});
			ConsumerRecord<byte[], byte[]> copy = records.get(0);
			assertThat(new String(copy.key(), StandardCharsets.UTF_8)).isEqualTo("poison-1");
			assertThat(copy.value()).as("the original bytes").isEqualTo(poison);
			assertThat(copy.headers().toArray()).as("the original headers, not the worker's")
				.extracting(header -> header.key())
				.containsExactly("trace");
		}
	}

	@Test
	void aWorkerKilledMidBatchCostsDuplicatesNeverLinesAndTheFilesHaveOneLineEach() throws Exception {
		// a packaged worker process shares the batch with the worker in this JVM, and
		// dies
		// by kill -9 mid-batch; partial results are written while it runs
		Path jar = Path.of("..", "worker", "target", "worker.jar");
		assertThat(jar).as("the worker module's package phase built it").exists();
		Map<String, Object> props = workerProperties();
		props.put("worker.intake.worker-id", "victim");
		// commits rarely, so its finished lines are redone after the kill
		props.put("worker.intake.commit-interval", "5s");
		props.put("spring.kafka.consumer.properties.session.timeout.ms", "6000");
		List<String> command = new ArrayList<>(
				List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-jar", jar.toString()));
		command.addAll(List.of(WorkerApplication.arguments(props)));
		Process victim = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(this.dir.resolve("victim.log").toFile())
			.start();
		this.processes.add(victim);
		Awaitility.await()
			.atMost(Duration.ofSeconds(120))
			.pollInterval(Duration.ofMillis(500))
			.until(() -> groupMembers() == 2);

		// long enough answers that the batch runs for about 20 s of simulated time, so it
		// is still running when the victim has its first results
		String id = batch("submit", "--input", chatLines(60, 300).toString()).json().path("id").asString();
		Awaitility.await()
			.atMost(Duration.ofSeconds(120))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> resultsBy("victim") >= 2);
		Path early = this.dir.resolve("early-out.jsonl");
		Path earlyErrors = this.dir.resolve("early-err.jsonl");
		assertThat(batch("results", id, "--output", early.toString(), "--errors", earlyErrors.toString()).code())
			.as("refused while the batch runs")
			.isEqualTo(3);
		Run partial = batch("results", id, "--output", early.toString(), "--errors", earlyErrors.toString(),
				"--partial");
		assertThat(partial.code()).isZero();
		assertThat(partial.json().path("partial").asBoolean()).as("the files are marked partial").isTrue();
		assertThat(jsonLines(early)).hasSizeBetween(1, 59);
		victim.destroyForcibly();
		assertThat(victim.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

		JsonNode done = awaitStatus(id, "completed");
		assertThat(done.path("request_counts").path("completed").asInt()).as("each line counted once").isEqualTo(60);
		Path output = this.dir.resolve("killed-out.jsonl");
		batch("results", id, "--output", output.toString(), "--errors",
				this.dir.resolve("killed-err.jsonl").toString());
		List<String> customIds = jsonLines(output).stream().map(line -> line.path("custom_id").asString()).toList();
		assertThat(customIds).as("one line per input line").hasSize(60).doesNotHaveDuplicates();
		System.out.printf("batch with a killed worker: %d result record(s) for 60 lines%n", resultRecords(id));
	}

	private int groupMembers() throws Exception {
		try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin
			.create(this.broker.clientConfig())) {
			String group = this.prefix + "-workers";
			return admin.describeConsumerGroups(List.of(group))
				.describedGroups()
				.get(group)
				.get(10, java.util.concurrent.TimeUnit.SECONDS)
				.members()
				.size();
		}
	}

	/** Results on the topic published by a worker, duplicates included. */
	private long resultsBy(String worker) {
		return results().stream().filter(result -> worker.equals(String.valueOf(result.getWorkerId()))).count();
	}

	private long resultRecords(String batchId) {
		return results().stream().filter(result -> batchId.equals(String.valueOf(result.getBatchId()))).count();
	}

	private List<dev.kow.avro.InferenceResult> results() {
		dev.kow.serde.KafkaAvroDeserializer deserializer = new dev.kow.serde.KafkaAvroDeserializer();
		deserializer.configure(
				Map.of("schema.registry.url", this.registry.confluentUrl(), "specific.avro.reader", "true"), false);
		List<dev.kow.avro.InferenceResult> results = new ArrayList<>();
		for (ConsumerRecord<byte[], byte[]> record : readAll(topic("results"))) {
			if (deserializer.deserialize(record.topic(), record.value()) instanceof dev.kow.avro.InferenceResult r) {
				results.add(r);
			}
		}
		return results;
	}

}
