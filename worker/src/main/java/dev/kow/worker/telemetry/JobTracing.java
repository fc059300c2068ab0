package dev.kow.worker.telemetry;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kow.avro.InferenceRequest;
import dev.kow.avro.Mode;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.jspecify.annotations.Nullable;

/**
 * Spans of a job, with Micrometer Tracing (bridged to OpenTelemetry by Spring Boot):
 * <ul>
 * <li>a job span ({@code process <topic>}, kind CONSUMER) per request record, the child
 * of the W3C {@code traceparent} on the record when its producer set one, with the
 * OpenTelemetry messaging attributes ({@code messaging.system=kafka},
 * {@code messaging.destination.name}, {@code messaging.destination.partition.id},
 * {@code messaging.kafka.offset}, {@code messaging.consumer.group.name}) and
 * {@code kow.lane}, {@code kow.request.id}, {@code kow.batch.id};</li>
 * <li>an attempt span per Ollama call ({@code <gen_ai.operation.name> <model>}, kind
 * CLIENT), its child, with the GenAI attributes of {@link GenAi}: operation, provider,
 * request model, server address and port, input and output tokens, finish reason, time to
 * first chunk, {@code error.type};</li>
 * <li>the attempt's context goes on the Ollama call's HTTP headers
 * ({@link #headers(Span)}), the job's onto the result and dead-letter records
 * ({@link #inject(Span, Headers)}).</li>
 * </ul>
 * Whether a span is recorded is the sampler's decision
 * ({@code management.tracing.sampling.probability}; a sampled parent wins). Prompt text
 * is never put on a span. Thread-safe.
 */
public final class JobTracing {

	/** Tracing off: no-op spans, no headers. */
	public static final JobTracing NOOP = new JobTracing(Tracer.NOOP, Propagator.NOOP, "");

	private static final Propagator.Getter<Headers> KAFKA_GETTER = (headers, key) -> {
		Header header = headers.lastHeader(key);
		return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
	};

	private static final Propagator.Setter<Headers> KAFKA_SETTER = (headers, key, value) -> {
		if (headers != null) {
			headers.remove(key);
			headers.add(key, value.getBytes(StandardCharsets.UTF_8));
		}
	};

	private final Tracer tracer;

	private final Propagator propagator;

	private final String groupId;

	/**
	 * @param tracer Micrometer's tracer
	 * @param propagator W3C trace context propagation (Spring Boot's default)
	 * @param groupId the consumer group, for {@code messaging.consumer.group.name}
	 */
	public JobTracing(Tracer tracer, Propagator propagator, String groupId) {
		this.tracer = tracer;
		this.propagator = propagator;
		this.groupId = groupId;
	}

	/**
	 * Starts the span of a job read from a record.
	 * @param record the record as read (its headers may carry {@code traceparent})
	 * @param request the decoded request
	 * @param lane the lane's key
	 * @return the started job span; ended by {@link #jobEnded}
	 */
	public Span jobStarted(ConsumerRecord<byte[], byte[]> record, InferenceRequest request, String lane) {
		Span.Builder builder = this.propagator.extract(record.headers(), KAFKA_GETTER)
			.name("process " + record.topic())
			.kind(Span.Kind.CONSUMER)
			.tag("messaging.system", "kafka")
			.tag("messaging.operation.type", "process")
			.tag("messaging.destination.name", record.topic())
			.tag("messaging.destination.partition.id", Integer.toString(record.partition()))
			.tag("messaging.kafka.offset", record.offset())
			.tag("messaging.consumer.group.name", this.groupId)
			.tag("kow.lane", lane)
			.tag("kow.request.id", request.getId());
		if (request.getBatchId() != null) {
			builder.tag("kow.batch.id", request.getBatchId());
		}
		return builder.start();
	}

	/**
	 * Ends a job span.
	 * @param job the job span
	 * @param outcome {@code succeeded}, {@code failed}, {@code expired},
	 * {@code cancelled} or {@code revoked} (its partition went to another worker, which
	 * continues the trace)
	 * @param errorType the error category, lower case, when it did not succeed
	 */
	public void jobEnded(Span job, String outcome, @Nullable String errorType) {
		job.tag("kow.outcome", outcome);
		if (errorType != null) {
			job.tag(GenAi.ERROR_TYPE, errorType);
		}
		job.end();
	}

	/**
	 * Starts the span of one Ollama call of a job.
	 * @param job the job span
	 * @param request the request
	 * @param model the model as sent
	 * @param host the host id
	 * @param url the host's base URL
	 * @param attempt 1 for the first attempt
	 * @return the started attempt span; ended by {@link #attemptAnswered} or
	 * {@link #attemptEnded}
	 */
	public Span attemptStarted(Span job, InferenceRequest request, String model, String host, URI url, int attempt) {
		Mode mode = request.getMode();
		String operation = GenAi.operation(mode);
		return this.tracer.spanBuilder()
			.setParent(job.context())
			.name(operation + " " + model)
			.kind(Span.Kind.CLIENT)
			.tag(GenAi.OPERATION, operation)
			.tag(GenAi.PROVIDER, GenAi.OLLAMA)
			.tag(GenAi.REQUEST_MODEL, model)
			.tag(GenAi.SERVER_ADDRESS, GenAi.address(url))
			.tag(GenAi.SERVER_PORT, GenAi.port(url))
			.tag(GenAi.STREAM, mode != Mode.EMBED)
			.tag("kow.host.id", host)
			.tag("kow.attempt", attempt)
			.start();
	}

	/**
	 * Ends an attempt that answered.
	 * @param attempt the attempt span
	 * @param inputTokens Ollama's {@code prompt_eval_count}, tokens
	 * @param outputTokens Ollama's {@code eval_count}, tokens
	 * @param doneReason Ollama's {@code done_reason}, or null (embeddings)
	 * @param firstChunkNanos request sent to first streamed chunk, ns; 0 when none
	 */
	public void attemptAnswered(Span attempt, int inputTokens, int outputTokens, @Nullable String doneReason,
			long firstChunkNanos) {
		attempt.tag(GenAi.INPUT_TOKENS, inputTokens).tag(GenAi.OUTPUT_TOKENS, outputTokens);
		if (doneReason != null) {
			attempt.tagOfStrings(GenAi.FINISH_REASONS, List.of(doneReason));
		}
		if (firstChunkNanos > 0) {
			attempt.tag(GenAi.TIME_TO_FIRST_CHUNK, firstChunkNanos / 1e9);
		}
		attempt.end();
	}

	/**
	 * Ends an attempt that did not answer.
	 * @param attempt the attempt span
	 * @param errorType the failure class, lower case ({@code stream_stall},
	 * {@code preempted}, {@code cancelled}, ...)
	 * @param error the failure, recorded as the span's exception; null when the call was
	 * stopped by the worker
	 */
	public void attemptEnded(Span attempt, String errorType, @Nullable Throwable error) {
		attempt.tag(GenAi.ERROR_TYPE, errorType);
		if (error != null) {
			attempt.error(error);
		}
		attempt.end();
	}

	/**
	 * Makes a span current on this thread, so log lines written meanwhile carry its trace
	 * and span ids (Spring Boot's log correlation, {@code logging.pattern.correlation}).
	 * @param span a started span
	 * @return closes the scope
	 */
	public Tracer.SpanInScope inScope(Span span) {
		return this.tracer.withSpan(span);
	}

	/**
	 * @param span a started span
	 * @return the W3C trace context headers ({@code traceparent}, {@code tracestate})
	 * that continue it (also when the span is not sampled: the flag says so downstream),
	 * empty when tracing is off
	 */
	public Map<String, String> headers(Span span) {
		Map<String, String> headers = new LinkedHashMap<>();
		if (hasContext(span)) {
			this.propagator.inject(span.context(), headers, (carrier, key, value) -> {
				if (carrier != null) {
					carrier.put(key, value);
				}
			});
		}
		return headers;
	}

	/**
	 * Puts a span's trace context on an outgoing record's headers, replacing any
	 * {@code traceparent} copied from the original record.
	 * @param span the job span
	 * @param headers the record's headers (mutable)
	 * @return the headers
	 */
	public Headers inject(Span span, Headers headers) {
		if (hasContext(span)) {
			this.propagator.inject(span.context(), headers, KAFKA_SETTER);
		}
		return headers;
	}

	private static boolean hasContext(Span span) {
		return !span.context().traceId().isEmpty();
	}

}
