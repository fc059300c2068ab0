package dev.kow.worker;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.kow.avro.GenerationOptions;
import dev.kow.avro.InferenceResult;
import dev.kow.avro.Status;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.testkit.ApicurioRegistry;
import dev.kow.testkit.KafkaBroker;
import dev.kow.testkit.SharedFixtures;
import dev.kow.worker.outcome.DeadLetterHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The main job end to end on real components: a real Kafka broker, a real Apicurio
 * registry (Confluent API) and the Ollama simulator over HTTP.
 */
@ExtendWith(SharedFixtures.class)
class PipelineIT {

	private OllamaSimulator host;

	private Pipeline pipeline;

	@BeforeEach
	void start(KafkaBroker broker, ApicurioRegistry registry) {
		this.host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.01).withNumParallel(2));
		this.pipeline = new Pipeline(broker, registry.confluentUrl(), 2);
	}

	@AfterEach
	void stop() {
		this.pipeline.close();
		this.host.close();
	}

	@Test
	void everyModeSucceedsAndCarriesOllamaMetrics() throws Exception {
		var context = this.pipeline.startWorker(2, this.host);
		for (int i = 0; i < 10; i++) {
			this.pipeline.send(this.pipeline.high, i % 2, Pipeline.generate("g" + i, "Say something " + i).build());
			this.pipeline.send(this.pipeline.normal, i % 2, Pipeline.chat("c" + i, "Hello " + i).build());
			this.pipeline.send(this.pipeline.batch, i % 2, Pipeline.embed("e" + i, "embed me " + i).build());
		}
		Map<String, List<InferenceResult>> results = this.pipeline.awaitResults(30, Duration.ofSeconds(60));

		assertThat(results).hasSize(30);
		assertThat(results.values())
			.allSatisfy(list -> assertThat(list.get(0).getStatus()).isEqualTo(Status.SUCCEEDED));
		InferenceResult generated = results.get("g3").get(0);
		assertThat(generated.getResponse()).isNotBlank();
		assertThat(generated.getEvalCount()).isPositive();
		assertThat(generated.getEvalDurationNs()).isPositive();
		assertThat(generated.getDoneReason()).isIn("stop", "length");
		assertThat(generated.getHost()).isEqualTo("sim0");
		assertThat(generated.getSourceTopic()).isEqualTo(this.pipeline.high);
		assertThat(results.get("c3").get(0).getMessage().getContent()).isNotBlank();
		List<List<Float>> vectors = results.get("e3").get(0).getEmbeddings();
		assertThat(vectors).hasSize(1);
		double norm = vectors.get(0).stream().mapToDouble(f -> f * f).sum();
		assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
		assertThat(this.host.requestLog().peakOverlap()).as("never more requests on the host than its slots")
			.isLessThanOrEqualTo(2);

		int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
		assertThat(get(port, "/actuator/health/readiness")).startsWith("200 ").contains("UP");
		assertThat(get(port, "/actuator/health/liveness")).startsWith("200 ").contains("UP");
		org.awaitility.Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(get(port, "/actuator/prometheus"))
				.contains("kow_lane_backlog{lane=\"batch\"} 0.0"));
		assertThat(get(port, "/actuator/prometheus")).contains("kow_lane_queue_wait_seconds_bucket{lane=\"high\"",
				"kow_host_ttft_seconds_bucket{host=\"sim0\"",
				"kow_host_call_duration_seconds_count{host=\"sim0\",outcome=\"succeeded\"} 30",
				"kow_host_tokens_per_second_count{host=\"sim0\"}", "kow_lane_in_flight{lane=\"normal\"} 0.0",
				"kow_results_total", "kafka_consumer_");
	}

	@Test
	void aHighPriorityJobTakesTheSlotOfTheBatchJobThatStartedLast() {
		this.host.close();
		this.host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(1.0).withNumParallel(2));
		this.pipeline.startWorker(2, this.host);
		this.pipeline.send(this.pipeline.high, 0, Pipeline.generate("warm-up", "Load the model").build());
		this.pipeline.awaitResults(1, Duration.ofSeconds(30));
		GenerationOptions longAnswer = GenerationOptions.newBuilder().setNumPredict(400).build();
		this.pipeline.send(this.pipeline.batch, 0,
				Pipeline.generate("b0", longPrompt(0)).setOptions(longAnswer).build());
		org.awaitility.Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.until(() -> this.host.requestLog().inFlight() == 1);
		sleep(300); // b0 starts first, so b1 is the one that started last
		this.pipeline.send(this.pipeline.batch, 1,
				Pipeline.generate("b1", longPrompt(1)).setOptions(longAnswer).build());
		org.awaitility.Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.until(() -> this.host.requestLog().inFlight() == 2);
		sleep(300); // both are streaming: past their prefill

		this.pipeline.send(this.pipeline.high, 1, Pipeline.generate("h0", "Urgent").build());
		Map<String, List<InferenceResult>> results = this.pipeline.awaitResults(4, Duration.ofSeconds(60));

		assertThat(results.values())
			.allSatisfy(list -> assertThat(list.get(0).getStatus()).isEqualTo(Status.SUCCEEDED));
		InferenceResult high = results.get("h0").get(0);
		InferenceResult first = results.get("b0").get(0);
		InferenceResult victim = results.get("b1").get(0);
		assertThat(first.getEvalCount()).as("b0 generated for about 4 s").isEqualTo(400);
		assertThat(high.getFinishedAt()).as("the high job did not wait for a batch job to end")
			.isBefore(first.getFinishedAt());
		assertThat(first.getAttemptLog()).isEmpty();
		assertThat(victim.getAttempts()).isEqualTo(2);
		assertThat(victim.getAttemptLog()).singleElement().satisfies(attempt -> {
			assertThat(attempt.getErrorCategory()).isEqualTo("PREEMPTED");
			assertThat(attempt.getTokensBeforeFailure()).isPositive();
		});
		assertThat(this.host.requestLog().entries().stream().filter(e -> e.clientGone()).count())
			.as("the host saw the victim's client leave")
			.isOne();
	}

	/**
	 * A prompt to which the simulator's answer is longer than 400 tokens (its lengths are
	 * seeded by the prompt).
	 */
	private static String longPrompt(int skip) {
		return java.util.stream.IntStream.range(0, 10_000)
			.mapToObj(i -> "Write a long story, take " + i)
			.filter(p -> dev.kow.sim.TextGenerator
				.naturalLength(dev.kow.sim.TextGenerator.seed("llama3.1:8b", "", p, "")) > 400)
			.skip(skip)
			.findFirst()
			.orElseThrow();
	}

	private static void sleep(long ms) {
		try {
			Thread.sleep(ms);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@Test
	void readinessIsDownWhileEveryHostsBreakerIsOpen() throws Exception {
		OllamaSimulator gone = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.01));
		gone.close(); // nothing listens on its port any more
		var context = this.pipeline.startWorker(2, gone);
		int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
		assertThat(get(port, "/actuator/health/readiness")).startsWith("200 ");
		for (int i = 0; i < 6; i++) {
			this.pipeline.send(this.pipeline.normal, 0, Pipeline.chat("r" + i, "Hello " + i).build());
		}
		org.awaitility.Awaitility.await()
			.atMost(Duration.ofSeconds(30))
			.untilAsserted(
					() -> assertThat(get(port, "/actuator/health/readiness")).startsWith("503 ").contains("DOWN"));
		assertThat(get(port, "/actuator/health/liveness")).as("a host outage is no reason to restart the worker")
			.startsWith("200 ");
	}

	private static String get(int port, String path) throws Exception {
		var response = java.net.http.HttpClient.newHttpClient()
			.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path)).build(),
					java.net.http.HttpResponse.BodyHandlers.ofString());
		return response.statusCode() + " " + response.body();
	}

	@Test
	void poisonRecordsAreDeadLetteredWithTheirReasonWhileTheirPartitionMovesOn() {
		this.pipeline.startWorker(2, this.host);
		String topic = this.pipeline.normal;
		byte[] random = new byte[64];
		new Random(7).nextBytes(random);
		byte[] unknownSchema = ByteBuffer.allocate(12).put((byte) 0).putInt(987654).putInt(42).array();
		this.pipeline.send(topic, 0, Pipeline.generate("ok-1", "first").build());
		this.pipeline.sendRaw(topic, 0, "bad-bytes".getBytes(), random);
		this.pipeline.send(topic, 0, Pipeline.generate("ok-2", "second").build());
		this.pipeline.sendRaw(topic, 0, "bad-schema".getBytes(), unknownSchema);
		byte[] unknownModel = this.pipeline.send(topic, 0,
				Pipeline.generate("no-model", "third").setModel("no-such-model:1b").build());
		this.pipeline.send(topic, 0, Pipeline.generate("empty", "").build());
		// over the 256-token window it asks for: Ollama would cut it silently; the worker
		// sends truncate:false
		this.pipeline.send(topic, 0,
				Pipeline.generate("too-long", "word ".repeat(2000))
					.setOptions(GenerationOptions.newBuilder().setNumCtx(256).setNumPredict(8).build())
					.build());
		this.pipeline.send(topic, 0, Pipeline.generate("ok-3", "fourth").build());

		Map<String, List<InferenceResult>> results = this.pipeline.awaitResults(6, Duration.ofSeconds(60));
		List<ConsumerRecord<byte[], byte[]>> letters = this.pipeline.awaitDeadLetters(5, Duration.ofSeconds(30));

		assertThat(results.keySet()).containsExactlyInAnyOrder("ok-1", "ok-2", "ok-3", "no-model", "empty", "too-long");
		assertThat(results.get("too-long").get(0).getError().getCategory().name()).isEqualTo("PROMPT_TOO_LONG");
		assertThat(results.get("too-long").get(0).getAttempts()).as("terminal: not retried").isEqualTo(1);
		assertThat(results.get("ok-3").get(0).getStatus()).isEqualTo(Status.SUCCEEDED);
		assertThat(results.get("no-model").get(0).getStatus()).isEqualTo(Status.FAILED);
		assertThat(results.get("no-model").get(0).getError().getCategory().name()).isEqualTo("UNKNOWN_MODEL");
		assertThat(results.get("empty").get(0).getError().getCategory().name()).isEqualTo("INVALID_REQUEST");
		Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
		letters.forEach(letter -> byKey.put(new String(letter.key()), letter));
		assertThat(byKey).containsOnlyKeys("bad-bytes", "bad-schema", "no-model", "empty", "too-long");
		assertThat(Pipeline.header(byKey.get("too-long"), DeadLetterHeaders.REASON)).isEqualTo("PROMPT_TOO_LONG");
		assertThat(Pipeline.header(byKey.get("bad-bytes"), DeadLetterHeaders.REASON)).isEqualTo("MALFORMED_RECORD");
		assertThat(Pipeline.header(byKey.get("bad-schema"), DeadLetterHeaders.REASON)).isEqualTo("UNKNOWN_SCHEMA_ID");
		assertThat(Pipeline.header(byKey.get("no-model"), DeadLetterHeaders.REASON)).isEqualTo("UNKNOWN_MODEL");
		assertThat(Pipeline.header(byKey.get("empty"), DeadLetterHeaders.REASON)).isEqualTo("INVALID_REQUEST");
		assertThat(byKey.get("bad-bytes").value()).isEqualTo(random);
		assertThat(byKey.get("bad-schema").value()).isEqualTo(unknownSchema);
		assertThat(byKey.get("no-model").value()).isEqualTo(unknownModel);
		assertThat(Pipeline.header(byKey.get("bad-bytes"), DeadLetterHeaders.ORIGINAL_TOPIC)).isEqualTo(topic);
		assertThat(
				ByteBuffer.wrap(byKey.get("bad-bytes").headers().lastHeader(DeadLetterHeaders.ORIGINAL_OFFSET).value())
					.getLong())
			.isEqualTo(1L);
	}

	@Test
	void aWorkerStoppedAndRestartedMidRunLosesNothing() {
		this.host.close();
		this.host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.05).withNumParallel(2));
		int total = 300;
		for (int i = 0; i < total; i++) {
			this.pipeline.send(this.pipeline.batch, i % 2,
					Pipeline.generate("r" + i, "prompt number " + i)
						.setOptions(GenerationOptions.newBuilder().setNumPredict(200).build())
						.build());
		}
		ConfigurableApplicationContext first = this.pipeline.startWorker(2, this.host);
		Map<String, List<InferenceResult>> early = this.pipeline.awaitResults(60, Duration.ofSeconds(60));
		assertThat(early.size()).isGreaterThanOrEqualTo(60).isLessThan(total);
		first.close();
		this.pipeline.startWorker(2, this.host);
		Map<String, List<InferenceResult>> all = this.pipeline.awaitResults(total, Duration.ofSeconds(120));

		assertThat(all).as("every request answered").hasSize(total);
		assertThat(all.values()).allSatisfy(list -> assertThat(list.get(0).getStatus()).isEqualTo(Status.SUCCEEDED));
	}

}
