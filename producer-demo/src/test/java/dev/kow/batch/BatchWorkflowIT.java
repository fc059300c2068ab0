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
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine;
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

	@BeforeEach
	void start(KafkaBroker broker, ApicurioRegistry registry) {
		this.broker = broker;
		this.registry = registry;
		broker.createTopics(3, topic("high"), topic("normal"), topic("batch"), topic("results"));
		broker.createTopics(1, topic("dlq"));
		this.host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.05).withNumParallel(4));
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
		this.workers.add(new SpringApplicationBuilder(WorkerApplication.class).run(WorkerApplication.arguments(props)));
	}

	@AfterEach
	void stop() {
		this.workers.forEach(ConfigurableApplicationContext::close);
		this.host.close();
	}

	private String topic(String name) {
		return this.prefix + "." + name;
	}

	/** Runs {@code batch ...} and returns its exit code and standard output. */
	private Run batch(String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.addAll(List.of("--bootstrap-server", this.broker.bootstrapServers(), "--schema-registry-url",
				this.registry.confluentUrl(), "--results-topic", topic("results"), "--batches-topic", topic("batches"),
				"--batch-counts-topic", topic("counts")));
		if (args[0].equals("submit")) {
			all.addAll(List.of("--high-topic", topic("high"), "--normal-topic", topic("normal"), "--batch-topic",
					topic("batch")));
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		PrintStream original = System.out;
		System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
		try {
			int code = new CommandLine(new BatchCommand())
				.registerConverter(Duration.class, org.springframework.boot.convert.DurationStyle::detectAndParse)
				.execute(all.toArray(String[]::new));
			return new Run(code, out.toString(StandardCharsets.UTF_8));
		}
		finally {
			System.setOut(original);
		}
	}

	private record Run(int code, String out) {

		JsonNode json() {
			String[] lines = this.out.strip().split("\n");
			return JSON.readTree(lines[lines.length - 1]);
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
		assertThat(batch("list").out()).as("no batch was recorded").isBlank();

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
	}

}
