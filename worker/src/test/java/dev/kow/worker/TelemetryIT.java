package dev.kow.worker;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import com.sun.net.httpserver.HttpServer;
import dev.kow.avro.Status;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.testkit.ApicurioRegistry;
import dev.kow.testkit.KafkaBroker;
import dev.kow.testkit.SharedFixtures;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Traces and metrics of a running worker on real components: a producer's
 * {@code traceparent} is continued through the worker into the Ollama call and onto the
 * result and dead-letter records, the spans carry the GenAI attributes (an in-memory
 * exporter stands in for OTLP), and {@code /actuator/prometheus} shows the token
 * counters, the end-to-end latency, the GenAI client metrics and buckets above 30 s.
 */
@ExtendWith({ SharedFixtures.class, OutputCaptureExtension.class })
class TelemetryIT {

	private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

	private static final String FAILED_TRACE = "0af7651916cd43dd8448eb211c80319c";

	private static final String PRODUCER_SPAN = "00f067aa0ba902b7";

	private final InMemorySpanExporter spans = InMemorySpanExporter.create();

	private OllamaSimulator host;

	private Pipeline pipeline;

	private Runnable closeAfter = () -> {
	};

	@BeforeEach
	void start(KafkaBroker broker, ApicurioRegistry registry) {
		this.host = OllamaSimulator.start(SimConfig.defaults().withTimeScale(0.01).withNumParallel(2));
		this.pipeline = new Pipeline(broker, registry.confluentUrl(), 1);
	}

	@AfterEach
	void stop() {
		this.pipeline.close();
		this.host.close();
		this.closeAfter.run();
	}

	@Test
	void aProducersTraceIsFollowedThroughTheWorkerAndOllamaAndTheMetricsSpeakGenAi(CapturedOutput output)
			throws Exception {
		// an OTLP/HTTP collector: counts the export calls
		AtomicInteger exports = new AtomicInteger();
		HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		collector.createContext("/v1/traces", exchange -> {
			if ("POST".equals(exchange.getRequestMethod()) && exchange.getRequestBody().readAllBytes().length > 0) {
				exports.incrementAndGet();
			}
			exchange.sendResponseHeaders(200, -1);
			exchange.close();
		});
		collector.start();
		this.closeAfter = () -> collector.stop(0);
		// sampling 0: only traces the producer sampled are recorded (parent-based
		// sampler)
		ConfigurableApplicationContext context = this.pipeline.startWorkerWith(2, this.host,
				ctx -> ctx.getBeanFactory().registerSingleton("testSpanExporter", this.spans),
				"management.tracing.sampling.probability=0.0",
				"management.opentelemetry.tracing.export.otlp.endpoint=http://127.0.0.1:"
						+ collector.getAddress().getPort() + "/v1/traces",
				"management.opentelemetry.tracing.export.schedule-delay=200ms",
				// a raised ceiling is the call histograms' last bound
				"worker.timeouts.total-ceiling=1h");
		this.pipeline.send(this.pipeline.high, 0, Pipeline.generate("traced", "Say something").build(),
				Map.of("traceparent", "00-" + TRACE + "-" + PRODUCER_SPAN + "-01"));
		this.pipeline.send(this.pipeline.normal, 0,
				Pipeline.generate("unknown", "Say something").setModel("no-such-model:1b").build(),
				Map.of("traceparent", "00-" + FAILED_TRACE + "-" + PRODUCER_SPAN + "-01"));
		this.pipeline.send(this.pipeline.batch, 0, Pipeline.chat("untraced", "Hello").build());
		var results = this.pipeline.awaitResults(3, Duration.ofSeconds(60));
		assertThat(results).containsKeys("traced", "unknown", "untraced");
		assertThat(results.get("traced").get(0).getStatus()).isEqualTo(Status.SUCCEEDED);
		assertThat(results.get("unknown").get(0).getStatus()).isEqualTo(Status.FAILED);

		// the trace id on the result record, the dead letter and the Ollama request
		assertThat(traceparents(this.pipeline.resultRecords("traced").get(0))).singleElement()
			.satisfies(header -> assertThat(header).startsWith("00-" + TRACE + "-").endsWith("-01"));
		assertThat(traceparents(this.pipeline.resultRecords("unknown").get(0))).singleElement()
			.satisfies(header -> assertThat(header).startsWith("00-" + FAILED_TRACE + "-"));
		List<ConsumerRecord<byte[], byte[]>> letters = this.pipeline.awaitDeadLetters(1, Duration.ofSeconds(30));
		assertThat(letters).hasSize(1);
		assertThat(traceparents(letters.get(0))).as("the worker's context replaces the producer's")
			.singleElement()
			.satisfies(
					header -> assertThat(header).startsWith("00-" + FAILED_TRACE + "-").doesNotContain(PRODUCER_SPAN));
		assertThat(output.getOut().lines().filter(line -> line.contains("dead-lettering Job[")))
			.as("the worker's log line carries the job's trace id")
			.singleElement()
			.satisfies(line -> assertThat(line).contains(FAILED_TRACE));
		assertThat(this.host.requestLog().traceparents())
			.anySatisfy(header -> assertThat(header).startsWith("00-" + TRACE + "-").doesNotContain(PRODUCER_SPAN));
		assertThat(traceparents(this.pipeline.resultRecords("untraced").get(0))).as("unsampled, but propagated")
			.singleElement()
			.satisfies(header -> assertThat(Integer.parseInt(header.substring(header.length() - 2), 16) & 1)
				.as("the sampled flag of " + header)
				.isZero());

		// the exported spans: job span under the producer's, attempt span under the job's
		Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(spansOf(TRACE)).hasSize(2));
		SpanData job = spansOf(TRACE).stream().filter(s -> s.getKind() == SpanKind.CONSUMER).findFirst().orElseThrow();
		SpanData attempt = spansOf(TRACE).stream()
			.filter(s -> s.getKind() == SpanKind.CLIENT)
			.findFirst()
			.orElseThrow();
		assertThat(job.getName()).isEqualTo("process " + this.pipeline.high);
		assertThat(job.getParentSpanId()).isEqualTo(PRODUCER_SPAN);
		assertThat(job.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("kafka");
		assertThat(job.getAttributes().get(AttributeKey.stringKey("kow.outcome"))).isEqualTo("succeeded");
		assertThat(attempt.getParentSpanId()).isEqualTo(job.getSpanId());
		assertThat(attempt.getName()).isEqualTo("text_completion llama3.1:8b");
		assertThat(attempt.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name")))
			.isEqualTo("text_completion");
		assertThat(attempt.getAttributes().get(AttributeKey.stringKey("gen_ai.provider.name"))).isEqualTo("ollama");
		assertThat(attempt.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model")))
			.isEqualTo("llama3.1:8b");
		assertThat(attempt.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("127.0.0.1");
		assertThat(attempt.getAttributes().get(AttributeKey.longKey("server.port")))
			.isEqualTo((long) URI.create(this.host.baseUrl()).getPort());
		assertThat(attempt.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens"))).isPositive();
		assertThat(attempt.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens")))
			.isEqualTo(results.get("traced").get(0).getEvalCount().longValue());
		assertThat(attempt.getAttributes().get(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons")))
			.containsExactly(results.get("traced").get(0).getDoneReason());
		assertThat(attempt.getTraceId()).isEqualTo(TRACE);

		Awaitility.await()
			.atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(spansOf(FAILED_TRACE)).hasSize(2));
		SpanData failed = spansOf(FAILED_TRACE).stream()
			.filter(s -> s.getKind() == SpanKind.CLIENT)
			.findFirst()
			.orElseThrow();
		assertThat(failed.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("model_not_found");
		assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
		assertThat(this.spans.getFinishedSpanItems()).as("the unsampled job exported nothing")
			.allSatisfy(span -> assertThat(span.getTraceId()).isIn(TRACE, FAILED_TRACE));
		Awaitility.await()
			.atMost(Duration.ofSeconds(30))
			.alias("the spans also went to the OTLP endpoint")
			.until(() -> exports.get() > 0);

		// metrics
		int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
		String prometheus = get(port, "/actuator/prometheus");
		assertThat(prometheus).contains("kow_prompt_tokens_total{host=\"sim0\",lane=\"high\",model=\"llama3.1:8b\"}",
				"kow_generated_tokens_total{host=\"sim0\",lane=\"high\",model=\"llama3.1:8b\"}",
				"kow_end_to_end_latency_seconds_bucket{lane=\"high\",status=\"succeeded\",le=\"3600.0\"} 1",
				"kow_end_to_end_latency_seconds_count{lane=\"normal\",status=\"failed\"} 1",
				"kow_host_call_duration_seconds_bucket{host=\"sim0\",outcome=\"succeeded\",le=\"1800.0\"} 2",
				"kow_host_call_duration_seconds_count{host=\"sim0\",outcome=\"model_not_found\"} 1",
				"kow_host_call_duration_seconds_bucket{host=\"sim0\",outcome=\"succeeded\",le=\"3600.0\"} 2",
				"kow_host_ttft_seconds_bucket{host=\"sim0\",le=\"600.0\"} 2",
				"kow_lane_queue_wait_seconds_bucket{lane=\"batch\",le=\"86400.0\"} 1",
				"kow_dead_letters_total{reason=\"unknown_model\"} 1.0",
				"gen_ai_client_inference_duration_seconds_bucket{error_type=\"\",gen_ai_operation_name=\"text_completion\",gen_ai_provider_name=\"ollama\",gen_ai_request_model=\"llama3.1:8b\",server_address=\"127.0.0.1\",server_port=\""
						+ this.host.port() + "\",le=\"1800.0\"} 1",
				"gen_ai_client_inference_duration_seconds_count{error_type=\"model_not_found\"",
				"gen_ai_client_inference_time_to_first_chunk_seconds_bucket{",
				"gen_ai_client_inference_usage_input_tokens_total{",
				"gen_ai_client_inference_usage_output_tokens_total{gen_ai_operation_name=\"chat\"");
		long buckets = prometheus.lines()
			.filter(line -> line
				.startsWith("kow_host_call_duration_seconds_bucket{host=\"sim0\",outcome=\"succeeded\""))
			.count();
		assertThat(buckets).as("few buckets per series").isBetween(10L, 20L);
		assertThat(context.getBean(MeterRegistry.class).getMeters()).filteredOn(
				meter -> meter.getId().getName().startsWith("kow.") || meter.getId().getName().startsWith("gen_ai."))
			.isNotEmpty()
			.allSatisfy(meter -> assertThat(meter.getId().getDescription()).as(meter.getId().getName()).isNotBlank());
	}

	private List<SpanData> spansOf(String traceId) {
		return this.spans.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(traceId)).toList();
	}

	private static List<String> traceparents(ConsumerRecord<byte[], byte[]> record) {
		return StreamSupport.stream(record.headers().headers("traceparent").spliterator(), false)
			.map(header -> new String(header.value(), StandardCharsets.UTF_8))
			.collect(Collectors.toList());
	}

	private static String get(int port, String path) throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
					HttpResponse.BodyHandlers.ofString());
		return response.body();
	}

}
