package dev.kow.worker.telemetry;

import java.net.URI;
import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * The OpenTelemetry GenAI client metrics ({@link GenAi}), one record per Ollama call
 * (attempt):
 * <ul>
 * <li>{@code gen_ai.client.inference.duration} (histogram, s; Prometheus
 * {@code gen_ai_client_inference_duration_seconds}), with {@code error.type} on failed
 * calls;</li>
 * <li>{@code gen_ai.client.inference.time_to_first_chunk} (histogram, s) of streamed
 * calls;</li>
 * <li>{@code gen_ai.client.inference.usage.input_tokens} and {@code .output_tokens}
 * (counters, tokens) from Ollama's {@code prompt_eval_count} and {@code eval_count}.</li>
 * </ul>
 * Attributes: {@code gen_ai.operation.name}, {@code gen_ai.provider.name},
 * {@code gen_ai.request.model}, {@code server.address}, {@code server.port}. Prometheus
 * shows the dots as underscores. Prometheus needs one label set per metric name, so
 * successful calls carry {@code error.type=""}, which Prometheus treats as no label.
 * Thread-safe.
 */
public final class GenAiMetrics {

	private final MeterRegistry registry;

	private final Duration[] callBounds;

	/**
	 * @param registry where the meters go
	 * @param callCeiling the longest a call may take
	 * ({@code worker.timeouts.total-ceiling}), the last histogram bound
	 */
	public GenAiMetrics(MeterRegistry registry, Duration callCeiling) {
		this.registry = registry;
		this.callBounds = Buckets.call(callCeiling);
	}

	/**
	 * A call that answered.
	 * @param operation {@link GenAi#operation}
	 * @param model the model as requested
	 * @param url the host's base URL
	 * @param tookNanos the call, ns
	 * @param firstChunkNanos request sent to first streamed chunk, ns; 0 when not
	 * streamed
	 * @param inputTokens {@code prompt_eval_count}, tokens
	 * @param outputTokens {@code eval_count}, tokens
	 */
	public void succeeded(String operation, String model, URI url, long tookNanos, long firstChunkNanos,
			int inputTokens, int outputTokens) {
		Tags tags = tags(operation, model, url);
		duration(tags.and(GenAi.ERROR_TYPE, "")).record(Duration.ofNanos(tookNanos));
		if (firstChunkNanos > 0) {
			Timer.builder(GenAi.TIME_TO_FIRST_CHUNK_METRIC)
				.tags(tags)
				.description("GenAI time to first chunk of streamed calls, from request sent")
				.serviceLevelObjectives(Buckets.firstToken())
				.register(this.registry)
				.record(Duration.ofNanos(firstChunkNanos));
		}
		Counter.builder(GenAi.INPUT_TOKENS_METRIC)
			.tags(tags)
			.description("GenAI input (prompt) tokens of successful calls, from Ollama's prompt_eval_count")
			.register(this.registry)
			.increment(inputTokens);
		Counter.builder(GenAi.OUTPUT_TOKENS_METRIC)
			.tags(tags)
			.description("GenAI output (generated) tokens of successful calls, from Ollama's eval_count")
			.register(this.registry)
			.increment(outputTokens);
	}

	/**
	 * A call that failed.
	 * @param operation {@link GenAi#operation}
	 * @param model the model as requested
	 * @param url the host's base URL
	 * @param tookNanos the call, ns
	 * @param errorType the failure class, lower case ({@code stream_stall},
	 * {@code server_busy}, ...)
	 */
	public void failed(String operation, String model, URI url, long tookNanos, String errorType) {
		duration(tags(operation, model, url).and(GenAi.ERROR_TYPE, errorType)).record(Duration.ofNanos(tookNanos));
	}

	private Timer duration(Tags tags) {
		return Timer.builder(GenAi.DURATION_METRIC)
			.tags(tags)
			.description("GenAI inference call duration, one per Ollama call (attempt)")
			.serviceLevelObjectives(this.callBounds)
			.register(this.registry);
	}

	private static Tags tags(String operation, String model, URI url) {
		return Tags.of(GenAi.OPERATION, operation, GenAi.PROVIDER, GenAi.OLLAMA, GenAi.REQUEST_MODEL, model,
				GenAi.SERVER_ADDRESS, GenAi.address(url), GenAi.SERVER_PORT, Integer.toString(GenAi.port(url)));
	}

}
